/* fake_env: an rt_env for unit tests, fully in memory and deterministic.
 *
 * A manual clock, an xorshift PRNG, malloc with a live-byte count and an
 * optional "fail the N-th allocation" switch (SQLite style), per-connection
 * capture of everything the engine sends, a RAM disk whose I/Os complete
 * only when the test says so, and a key/value store for state_save/load.
 * Owns all of it; fake_env_fini frees it.
 */
#ifndef FAKE_ENV_H
#define FAKE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/rt_env.h"

/* connection ids served: all RT_CONNS_MAX (1024) and a few, so that a
 * test can fill the engine (test_engine_admit_full.c) */
#define FAKE_CONNS 1040
#define FAKE_PENDING_IO 1024
#define FAKE_STATE_KEYS 8
#define FAKE_PR_MAX 32768u /* >= PR_SAVE_MAX (scsi/pr_codec.c) */

struct fake_conn {
	uint8_t *out; /* bytes the engine sent, not yet taken by the test */
	size_t out_len, out_cap;
	bool closed;  /* the engine called conn_close */
	bool hold;    /* a peer that does not read: every byte not taken by
			 the test counts as unsent (conn_send's answer) */
};

struct fake_env {
	struct rt_env env;
	uint64_t now_ns;
	uint64_t rng;
	long allocs;        /* calls to alloc so far */
	long fail_alloc_at; /* the alloc call with this number fails; -1 never */
	size_t live_bytes;  /* allocated and not freed */
	struct fake_conn conns[FAKE_CONNS];
	struct rt_disk_io *pending[FAKE_PENDING_IO];
	unsigned npending;
	uint8_t *disk;      /* one RAM disk shared by every LU, disk_size bytes */
	uint64_t disk_size;
	struct { char key[64]; uint8_t *val; size_t len; } state[FAKE_STATE_KEYS];
	/* the shared PR record (RT_DISK_PR_LOAD/STORE), one for all LUs:
	 * version 0 and no bytes until the first store */
	uint8_t pr[FAKE_PR_MAX];
	size_t pr_len;
	uint64_t pr_version;
	unsigned pr_loads, pr_store_tries, pr_stores;
	bool pr_always_stale; /* every store loses its compare-and-set */
	/* RT_DISK_ALUA_SET: how many, the last group asked for, the answer */
	unsigned alua_sets;
	uint16_t alua_set_group;
	enum rt_disk_status alua_set_status;
	char last_log[512];
	unsigned logs;
};

void fake_env_init(struct fake_env *f, uint64_t disk_size);
void fake_env_fini(struct fake_env *f);

/* Do one disk I/O against the RAM disk now and set its status (it must be
 * in range); the caller hands it to the engine. */
void fake_disk_apply(struct fake_env *f, struct rt_disk_io *io);

/* Complete every pending disk I/O against the RAM disk, oldest first.
 * Returns how many were completed. */
unsigned fake_disk_run(struct fake_env *f, struct rt_engine *eng);

/* Move up to cap sent bytes of connection c into out; returns the count. */
size_t fake_conn_take(struct fake_env *f, rt_conn_id c, uint8_t *out, size_t cap);

/* Tell the engine what connection c holds unsent now (rt_on_conn_sent):
 * with hold, the bytes the test has not taken; else none. */
void fake_conn_report(struct fake_env *f, struct rt_engine *eng, rt_conn_id c);

#endif
