/* store: the backstores behind the configured LUs, opened and wired.
 *
 * Opens one struct bs per rt_config LU (bs_find by type name), fills in
 * what only the storage knows (the number of blocks when the config gave
 * no size; thin, LBPRZ and write cache when the flags follow the
 * backstore's capabilities), refuses capabilities the backstore lacks
 * (SBC-3 §4.7: a thin LU must be able to deallocate), and routes each
 * rt_disk_io to its LU's backstore. Owns the struct bs array.
 */
#ifndef RT_STORE_H
#define RT_STORE_H

#include <stdint.h>

#include "backstore/bs.h"
#include "dcfg.h"

struct store_pace {
	uint64_t bytes_per_s; /* 0: not paced */
	uint64_t busy_until;  /* when the medium is free again */
};

struct store {
	struct bs *bs;           /* one per LU, in rt_config order */
	struct store_pace *pace; /* one per LU */
	uint32_t count;
	/* where finished I/O goes */
	void (*complete)(void *ctx, struct rt_disk_io *io);
	void *complete_ctx;
	/* paced I/O the backstore finished, waiting for its due time, earliest
	 * first (linked through env_next, due at env_due_ns) */
	struct rt_disk_io *paced;
};

/* Open every LU's backstore; finished I/O goes to complete(ctx, io). On
 * error writes "source:line: lus[i].key: why" and returns -1 (with
 * whatever was opened closed again). */
int store_open(struct store *s, struct dcfg *d, void (*complete)(void *ctx, struct rt_disk_io *io),
	       void *ctx, char *err, size_t err_len);
void store_submit(struct store *s, struct rt_disk_io *io);

/* Backstores whose I/O finishes on other threads (bs_ops.reap): watch
 * their event descriptors in l. 0, or -1 with why. */
struct loop;
int store_watch(struct store *s, struct loop *l, char *err, size_t err_len);
/* Every backstore that can (bs_ops.takeover) becomes the writer of its
 * shared storage, fencing the previous one; logs what each did. */
void store_takeover(struct store *s);
void store_close(struct store *s);

/* A paced LU (media_mbps) hands a finished I/O on only when its medium
 * would have finished it: the earliest such time (UINT64_MAX: none), and
 * the hand-over of everything due at now. */
uint64_t store_next_deadline(const struct store *s);
void store_on_time(struct store *s, uint64_t now);

#endif
