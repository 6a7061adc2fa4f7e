/* env: the daemon's rt_env, the engine's door to the real world.
 *
 * now_ns from CLOCK_MONOTONIC, random from getrandom(2), alloc/free from
 * malloc (with a count of live bytes, so a leak in the engine shows at
 * exit), conn_send/conn_close to net, disk_submit to the LU's backstore
 * (store), and state_save/state_load as small files in a state directory,
 * each written atomically: temporary file, fsync, rename, fsync of the
 * directory (the durability SPC-4 §5.13.5 APTPL asks for).
 *
 * Completed disk I/O is queued here and handed out by denv_next_done after
 * the current event (rt_env's re-entrancy rule: never inside the call that
 * submitted it). Owns the queue and the random buffer.
 */
#ifndef RT_ENV_DAEMON_H
#define RT_ENV_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/rt_env.h"
#include "net.h"
#include "store.h"

/* The state directory when --state-dir is not given: the FHS place for a
 * system service's state when run as root, else one beside the caller. */
#define DENV_STATE_DIR_ROOT "/var/lib/reftarget"
#define DENV_STATE_DIR_USER "./reftarget-state"
/* Longest state key (a file name in the state directory). */
#define DENV_KEY_MAX 128

struct denv {
	struct rt_env env;
	struct net *net;
	struct store *store;
	const char *state_dir;
	/* disk completions not yet delivered, oldest first (linked through
	 * rt_disk_io.env_next) */
	struct rt_disk_io *done_head, *done_tail;
	/* getrandom in batches */
	uint8_t rnd[256];
	size_t rnd_left;
	/* engine memory */
	size_t live_bytes;
	uint64_t allocs;
};

/* The env is ready for rt_engine_create once this returns; net and store
 * may be filled in later (before the first event). */
void denv_init(struct denv *e, struct net *net, struct store *store, const char *state_dir);
void denv_fini(struct denv *e);

/* The backstores' completion callback (bs->complete): queue it. */
void denv_disk_complete(void *ctx, struct rt_disk_io *io);
/* The oldest undelivered completion, or NULL. */
struct rt_disk_io *denv_next_done(struct denv *e);

#endif
