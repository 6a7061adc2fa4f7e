/* bs: backstores, the storage behind a logical unit, one interface for all.
 *
 * A backstore serves the engine's rt_disk_io requests (read, write, flush,
 * unmap, write zeroes). The environment (daemon, or a test) owns the
 * backstore and routes env->disk_submit to bs->ops->submit; the backstore
 * reports each finished request through bs->complete, which may be called
 * from inside submit: the environment queues it and hands it to the engine
 * later, as rt_env's re-entrancy rule requires.
 *
 * Implementations: ram (sparse, only written chunks allocated), file
 * (sparse file, hole punching, fdatasync), block (a block device), rbd (a
 * Ceph RBD image through librbd's asynchronous API; only in a build that
 * found librbd's headers: BS_HAVE_RBD).
 *
 * A backstore whose requests finish on threads of its own (librbd) sets
 * ops->reap and bs->event_fd: the owner watches event_fd for reading and
 * calls reap on its own thread, which calls complete for what finished.
 */
#ifndef RT_BS_H
#define RT_BS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/rt_env.h"

#define BS_CAP_UNMAP        0x1u /* can deallocate (thin provisioning, SBC-3 §4.7) */
#define BS_CAP_UNMAP_ZEROES 0x2u /* deallocated blocks read as zeroes (LBPRZ) */
#define BS_CAP_WRITE_ZEROES 0x4u /* writes zeroes without a data buffer */
#define BS_CAP_VOLATILE     0x8u /* completed writes need a flush to be durable */
#define BS_CAP_ATOMIC       0x10u /* RT_DISK_ATOMIC writes land whole or not at all
				   (SBC-4 WRITE ATOMIC); without it they fail
				   RT_DISK_ERR_UNSUPPORTED */

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
};

struct bs_params {
	const char *path;    /* file or device; NULL for ram */
	uint64_t size_bytes; /* ram: required; file: create/extend to this if non-zero */
	uint32_t block_size;
	bool read_only;
	const struct bs_rbd_params *rbd; /* rbd only */
};

struct bs;

struct bs_ops {
	const char *name; /* "ram", "file", "block" */
	/* Open; on error write "why" into err and return -1. Sets size_bytes, caps. */
	int (*open)(struct bs *bs, const struct bs_params *p, char *err, size_t err_len);
	void (*submit)(struct bs *bs, struct rt_disk_io *io);
	void (*close)(struct bs *bs);
	/* Optional: requests finish on other threads; event_fd is readable
	 * when some have: complete them here, on the owner's thread. */
	void (*reap)(struct bs *bs);
	/* Optional: become the writer of shared storage, fencing the one
	 * that was (rbd: break its lock, blocklist it). 0, or -1 with why. */
	int (*takeover)(struct bs *bs, char *msg, size_t msg_len);
};

struct bs {
	const struct bs_ops *ops;
	uint64_t size_bytes;
	uint32_t block_size;
	uint32_t caps; /* BS_CAP_* */
	/* set by the owner before submit: where finished I/O goes */
	void (*complete)(void *ctx, struct rt_disk_io *io);
	void *complete_ctx;
	void *priv; /* the implementation's state */
	int event_fd; /* with ops->reap: readable when reap has work */
};

/* The implementation for a type name, or NULL. */
const struct bs_ops *bs_find(const char *type);

/* Where every submit starts: io's status OK, or, for an I/O that reaches
 * past the store's end (a flush has no range), the READ or WRITE error;
 * returns false in that case (nothing more to do but complete it). */
bool bs_io_start(const struct bs *bs, struct rt_disk_io *io);

extern const struct bs_ops bs_ram_ops;
extern const struct bs_ops bs_file_ops;
extern const struct bs_ops bs_block_ops;
#ifdef BS_HAVE_RBD
extern const struct bs_ops bs_rbd_ops;
#endif

#endif
