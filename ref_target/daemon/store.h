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

#include <stdbool.h>
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
	bool sync_io;      /* file and block LUs without io_uring (store_open's) */
	bool io_mode_said; /* the log said how file and block I/O is done */
	struct loop *loop; /* where completions are watched (store_watch); NULL before */
	/* set by the owner after store_open (NULL: nobody asks): LU lu's
	 * persistent reservations, shared through its backstore, changed
	 * elsewhere (bs.record_changed); called from a completion event */
	void (*pr_changed)(void *ctx, uint32_t lu);
	void *pr_changed_ctx;
	/* likewise: the ownership behind LU lu's ALUA states changed
	 * (bs.alua_changed; read them with store_alua_state). Same ctx. */
	void (*alua_changed)(void *ctx, uint32_t lu);
};

struct loop;

/* Open every LU's backstore; finished I/O goes to complete(ctx, io).
 * sync_io: file and block LUs without io_uring (bs_params.sync_io). On
 * error writes "source:line: lus[i].key: why" and returns -1 (with
 * whatever was opened closed again). Says once in the log when file or
 * block I/O is synchronous, and why. */
int store_open(struct store *s, struct dcfg *d, bool sync_io,
	       void (*complete)(void *ctx, struct rt_disk_io *io), void *ctx, char *err, size_t err_len);
/* Watch each backstore's completion descriptor (bs_event_fd) in l, so
 * that finished I/O is reaped as an event, now and for the LUs store_grow
 * opens later; -1 (errno set) if l refused. */
int store_watch(struct store *s, struct loop *l);
/* LUs the store can hold, retired ones (reconfigured away, still open
 * for the I/O in flight) included. */
#define STORE_LUS_MAX RT_LUS_MAX
/* Open d's LUs beyond the s->count already open (a live reconfiguration
 * appended them; the ones open stay where they are). On error the new
 * ones are closed again and err says why. */
int store_grow(struct store *s, struct dcfg *d, char *err, size_t err_len);
/* Close the LUs from count on (none may have I/O in flight): what a
 * reconfiguration that failed after store_grow undoes. */
void store_truncate(struct store *s, uint32_t count);
void store_submit(struct store *s, struct rt_disk_io *io);
/* After a round of events: the backstores hand the kernel what was
 * submitted meanwhile (bs_kick). */
void store_kick(struct store *s);
/* Block until every backstore finished what it was given. */
void store_drain(struct store *s);
/* Waits for what is in flight (the buffers are the engine's), then closes. */
/* Every backstore that can (bs_ops.takeover) becomes the writer of its
 * shared storage, fencing the previous one; logs what each did. */
void store_takeover(struct store *s);
void store_close(struct store *s);
/* LU lu's ALUA state through target port group 'group' where its
 * backstore decides it (bs_ops.alua_state; non_owner: that group's state
 * when another gateway owns); -1 where it does not. */
int store_alua_state(const struct store *s, uint32_t lu, uint16_t group, enum rt_alua_state non_owner);

/* A paced LU (media_mbps) hands a finished I/O on only when its medium
 * would have finished it, and a backstore may have timed work of its own
 * (bs_ops.deadline): the earliest such time (UINT64_MAX: none), and the
 * hand-over of everything due at now (the backstores' work: bs_reap). */
uint64_t store_next_deadline(const struct store *s);
void store_on_time(struct store *s, uint64_t now);

#endif
