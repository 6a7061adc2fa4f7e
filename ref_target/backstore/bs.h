/* bs: backstores, the storage behind a logical unit, one interface for all.
 *
 * A backstore serves the engine's rt_disk_io requests (read, write, flush,
 * unmap, write zeroes). The environment (daemon, or a test) owns the
 * backstore and routes env->disk_submit to bs->ops->submit; the backstore
 * reports each finished request through bs->complete, which may be called
 * from inside submit: the environment queues it and hands it to the engine
 * later, as rt_env's re-entrancy rule requires.
 *
 * A backstore that waits for the kernel (file and block, on io_uring) or
 * whose requests finish on threads of its own (rbd: librbd's) completes
 * later instead: it gives the owner a descriptor to watch (bs_event_fd)
 * and, once that is readable, delivers what finished from bs_reap, on the
 * owner's thread; bs_drain waits for everything (close and tests).
 *
 * Implementations: ram (sparse, only written chunks allocated), file
 * (sparse file, hole punching, fdatasync), block (a block device), rbd (a
 * Ceph RBD image through librbd's asynchronous API; only in a build that
 * found librbd's headers: BS_HAVE_RBD).
 */
#ifndef RT_BS_H
#define RT_BS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/config.h"
#include "../core/rt_env.h"

#define BS_CAP_UNMAP        0x1u /* can deallocate (thin provisioning, SBC-3 §4.7) */
#define BS_CAP_UNMAP_ZEROES 0x2u /* deallocated blocks read as zeroes (LBPRZ) */
#define BS_CAP_WRITE_ZEROES 0x4u /* writes zeroes without a data buffer */
#define BS_CAP_VOLATILE     0x8u /* completed writes need a flush to be durable */
#define BS_CAP_ATOMIC       0x10u /* RT_DISK_ATOMIC writes land whole or not at all
				   (SBC-4 WRITE ATOMIC); without it they fail
				   RT_DISK_ERR_UNSUPPORTED */
#define BS_CAP_COMPARE_WRITE 0x20u /* RT_DISK_COMPARE_WRITE, atomic for every client of
				      the storage, up to bs.compare_write_max bytes
				      (the daemon sets RT_LU_COMPARE_WRITE from it) */

/* Longest note of why a backstore serves its I/O synchronously. */
#define BS_WHY_MAX 128u

/* Built with the rbd backstore where librbd's and librados's headers are
 * (Debian: librbd-dev librados-dev); -DBS_NO_RBD builds without it. */
#if !defined(BS_NO_RBD) && defined(__has_include)
#if __has_include(<rbd/librbd.h>) && __has_include(<rados/librados.h>)
#define BS_HAVE_RBD 1
#endif
#endif

/* rbd: which image, and how to reach its cluster. */
struct bs_rbd_params {
	const char *pool;
	const char *image;
	const char *conf;    /* ceph.conf; NULL: librados's default search */
	const char *client;  /* client id without "client.": NULL = "admin" */
	const char *keyring; /* NULL: as ceph.conf says */
	bool lock_auto;      /* librbd's cooperative exclusive lock instead of
				holding it explicitly (rbd.c says why not) */
	uint32_t op_timeout_s; /* bound on every RADOS operation, connect included */
	bool pr_shared;      /* serve RT_DISK_PR_LOAD/STORE from the RADOS object
				"<image>.pr" (scsi/pr_shared.c) */
	uint16_t alua_group; /* this gateway's target port group: ALUA follows
				the exclusive lock (rbd_alua.h); 0: off */
	bool break_unfenced; /* a lock break does not blocklist the old owner
				(config "blocklist_on_break": false; librbd's
				rbd_blocklist_on_break_lock=false): the
				unfenced twin of the failover tests, whose
				paused owner's writes land; never in service */
};

struct bs_params {
	const char *path;    /* file or device; NULL for ram */
	uint64_t size_bytes; /* ram: required; file: create/extend to this if non-zero */
	uint32_t block_size;
	bool read_only;
	/* file, block: serve every request inside submit, without io_uring
	 * (reftarget --sync-io: for Valgrind, which cannot see what the kernel
	 * writes through the ring) */
	bool sync_io;
	const struct bs_rbd_params *rbd; /* rbd only */
};

struct bs;

struct bs_ops {
	const char *name; /* "ram", "file", "block" */
	/* Open; on error write "why" into err and return -1. Sets size_bytes, caps. */
	int (*open)(struct bs *bs, const struct bs_params *p, char *err, size_t err_len);
	void (*submit)(struct bs *bs, struct rt_disk_io *io);
	/* Waits for everything submitted (bs_drain), then closes. */
	void (*close)(struct bs *bs);
	/* Only for a backstore that may complete after submit returns (NULL
	 * otherwise): a descriptor readable while finished I/O waits (-1:
	 * none, this one completes inside submit); deliver what finished,
	 * without blocking; block until everything submitted completed. */
	int (*event_fd)(const struct bs *bs);
	void (*reap)(struct bs *bs);
	void (*drain)(struct bs *bs);
	/* Hand the kernel what the submits since the last kick prepared (one
	 * system call for a batch), and deliver what already finished; the
	 * owner calls it after each round of events (reap and drain kick). */
	void (*kick)(struct bs *bs);
	/* Optional: become the writer of shared storage, fencing the one
	 * that was (rbd: break its lock, blocklist it). 0, or -1 with why. */
	int (*takeover)(struct bs *bs, char *msg, size_t msg_len);
	/* Optional: where the ALUA states follow the ownership of shared
	 * storage (RT_LU_ALUA_SHARED), the state of target port group 'group'
	 * as every gateway reports it, given that group's state when it does
	 * not own (standby or active/non-optimized). NULL: nothing to follow. */
	enum rt_alua_state (*alua_state)(const struct bs *bs, uint16_t group, enum rt_alua_state non_owner);
	/* Optional: when timed work of the backstore's own is due (rbd: a
	 * hand-over's bound, rbd_alua.h's RBDA_TRANSITION_MAX_MS), in
	 * CLOCK_MONOTONIC nanoseconds (the daemon loop's clock); UINT64_MAX:
	 * none. Once it passed, the owner calls reap, which does that work. */
	uint64_t (*deadline)(const struct bs *bs);
};

struct bs {
	const struct bs_ops *ops;
	uint64_t size_bytes;
	uint32_t block_size;
	uint32_t caps; /* BS_CAP_* */
	uint32_t compare_write_max; /* BS_CAP_COMPARE_WRITE: bytes one request may cover */
	/* set by the owner before submit: where finished I/O goes */
	void (*complete)(void *ctx, struct rt_disk_io *io);
	void *complete_ctx;
	/* optional, set by the owner too (NULL: nobody asks): the shared PR
	 * record (RT_DISK_PR_LOAD) may have changed elsewhere; called from
	 * bs_reap, with complete_ctx */
	void (*record_changed)(void *ctx, struct bs *bs);
	/* optional, likewise: the ownership changed (here or elsewhere), so
	 * the ALUA states (ops.alua_state) may have; called from bs_reap,
	 * takeover or submit, before the request that moved it completes */
	void (*alua_changed)(void *ctx, struct bs *bs);
	/* optional, likewise: a line for the owner's log about something the
	 * backstore did on its own (rbd: a lock hand-over), warn or info */
	void (*log)(void *ctx, struct bs *bs, bool warn, const char *msg);
	void *priv; /* the implementation's state */
	/* set by open: why this file or block backstore serves every request
	 * inside submit (asked to, or io_uring unavailable); empty otherwise */
	char sync_why[BS_WHY_MAX];
};

/* The implementation for a type name, or NULL. */
const struct bs_ops *bs_find(const char *type);

/* Where every submit starts: io's status OK, or, for an I/O that reaches
 * past the store's end (a flush has no range), the READ or WRITE error,
 * or for RT_DISK_PR_LOAD/STORE (which a backstore keeping that record
 * serves before calling this) ERR_UNSUPPORTED; returns false in those
 * cases (nothing more to do but complete it). */
bool bs_io_start(const struct bs *bs, struct rt_disk_io *io);

/* The owner's side of the asynchronous ops, for every backstore: -1, or
 * nothing to do, where the backstore always completes inside submit. */
int bs_event_fd(const struct bs *bs);
void bs_reap(struct bs *bs);
void bs_drain(struct bs *bs);
void bs_kick(struct bs *bs);
/* ops.deadline's, or UINT64_MAX where there is none. */
uint64_t bs_deadline(const struct bs *bs);

extern const struct bs_ops bs_ram_ops;
extern const struct bs_ops bs_file_ops;
extern const struct bs_ops bs_block_ops;
#ifdef BS_HAVE_RBD
extern const struct bs_ops bs_rbd_ops;
#endif

#endif
