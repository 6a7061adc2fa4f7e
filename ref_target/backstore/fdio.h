/* fdio: what the file and block backstores share: the request dispatch of
 * bs.h on a file descriptor, through io_uring (fdio_ring.c) so that a slow
 * disk never blocks the daemon's loop, or synchronously (here) where
 * io_uring is unavailable or refused: positional reads and writes (short
 * transfers and EINTR retried), durable writes (RWF_DSYNC, or fdatasync
 * where the kernel lacks it), flushes, the errno-to-disk-status mapping.
 * Runs in the daemon, not the engine: it calls the OS.
 * Owns the ring (struct fdio_ring), not the descriptor.
 */
#ifndef RT_BS_FDIO_H
#define RT_BS_FDIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "bs.h"

/* Requests in the kernel at once, per backstore: the ring's submission
 * queue (its completion queue is twice that, so it cannot overflow). */
#define FDIO_RING_DEPTH 64u
/* Requests waiting for a ring slot, per backstore; one more is served
 * inside submit, synchronously (the engine's own limits keep far below). */
#define FDIO_BACKLOG_MAX 4096u
/* -EAGAIN/-EINTR completions one request may see on the ring before it
 * fails; also the writes in a row that move no byte (ring or not). */
#define FDIO_RETRIES_MAX 16u

struct fdio_ring;

/* What a step of a request on the ring asks the kernel (fdio_ring.c). */
enum fdio_step {
	FDIO_STEP_RW,       /* read or write from io->offset + done */
	FDIO_STEP_DATASYNC, /* FLUSH, or the fdatasync after a plain FUA write */
	FDIO_STEP_FALLOC,   /* UNMAP or WRITE ZEROES with a fallocate mode */
};

/* The ring's setup, step by step (fdio_ring_open). */
enum fdio_setup {
	FDIO_SETUP_QUEUE,   /* io_uring_queue_init */
	FDIO_SETUP_EVENTFD, /* io_uring_register_eventfd (the eventfd made) */
	FDIO_SETUP_PROBE,   /* the opcodes we need (Linux 5.6) */
};

/* The kernel below a backstore's descriptor, injected (as TigerBeetle's
 * replica is given its storage, as SQLite's test VFS stands in for the
 * OS): fdio_os is the kernel's own; a test gives a table whose calls fail,
 * are interrupted or come back short on the N-th call, and so reaches
 * every errno branch and fallback here without a failing disk. A NULL
 * table in struct fdio means fdio_os. ring_setup and ring_result are NULL
 * in fdio_os: the ring is the kernel's and its answers are taken as they
 * come. */
struct fdio_sys {
	ssize_t (*pread)(int fd, void *buf, size_t len, off_t off);
	ssize_t (*pwritev2)(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags);
	int (*fdatasync)(int fd);
	int (*fallocate)(int fd, int mode, off_t off, off_t len);
	off_t (*lseek)(int fd, off_t off, int whence);
	/* before setup step s: 0 goes on, -errno is what the kernel answered */
	int (*ring_setup)(void *ctx, enum fdio_setup s);
	/* a completion of io's step with result res: the result fdio takes */
	int (*ring_result)(void *ctx, const struct rt_disk_io *io, enum fdio_step step, int res);
	void *ctx;
};
extern const struct fdio_sys fdio_os;

/* The state of one file or block backstore's I/O; the first member of its
 * bs->priv (fdio_event_fd, fdio_reap, fdio_drain find it there). */
struct fdio {
	int fd;
	/* UNMAP and WRITE ZEROES the backstore's own way, synchronously */
	enum rt_disk_status (*zero)(struct bs *bs, struct rt_disk_io *io);
	/* fallocate(2) modes that do UNMAP and WRITE ZEROES on the ring (file:
	 * punch a hole, zero a range); 0: always through zero(). Cleared
	 * when the file system says EOPNOTSUPP. */
	int falloc_unmap, falloc_zero;
	struct fdio_ring *ring; /* NULL: synchronous */
	const struct fdio_sys *sys; /* NULL: fdio_os */
};

/* After the backstore filled f->fd, zero and the falloc modes: set up the
 * ring, or say in bs->sync_why why not (asked: sync_io). */
void fdio_start(struct bs *bs, struct fdio *f, bool sync_io);
/* Wait for everything submitted, then free the ring (not the descriptor). */
void fdio_stop(struct bs *bs, struct fdio *f);

/* Serve one request: range check, then the ring, or here (MAP_STATUS,
 * synchronous mode, a full backlog); complete it through bs->complete. */
void fdio_submit(struct bs *bs, struct fdio *f, struct rt_disk_io *io);

/* bs_ops.event_fd, reap, drain and kick of a backstore whose priv starts
 * with a struct fdio. */
int fdio_event_fd(const struct bs *bs);
void fdio_reap(struct bs *bs);
void fdio_drain(struct bs *bs);
void fdio_kick(struct bs *bs);

/* The synchronous building blocks, on f->fd through f's fdio_sys. */
const struct fdio_sys *fdio_sys_of(const struct fdio *f);
enum rt_disk_status fdio_read(const struct fdio *f, uint8_t *buf, uint64_t len, uint64_t off);
enum rt_disk_status fdio_write(const struct fdio *f, const uint8_t *buf, uint64_t len, uint64_t off, bool dsync);
/* Write zeroes the plain way, when nothing cleverer is available. */
enum rt_disk_status fdio_write_zeroes(const struct fdio *f, uint64_t off, uint64_t len);
enum rt_disk_status fdio_status(int err, enum rt_disk_op op);
/* One request served synchronously (what fdio_submit does without a ring). */
void fdio_serve_sync(struct bs *bs, struct fdio *f, struct rt_disk_io *io);

/* fdio_ring.c: the io_uring path, used by fdio_submit and friends. */
int fdio_ring_open(const struct fdio_sys *sys, struct fdio_ring **out, char *why, size_t why_len);
void fdio_ring_close(struct fdio_ring *r);
/* false: no slot and a full backlog; the caller serves io itself */
bool fdio_ring_submit(struct bs *bs, struct fdio *f, struct rt_disk_io *io);
int fdio_ring_fd(const struct fdio_ring *r);
enum fdio_reap_mode {
	FDIO_REAP_EVENT, /* the eventfd is readable: clear it, take what finished */
	FDIO_REAP_KICK,  /* submit what is prepared, take what finished already */
	FDIO_REAP_WAIT,  /* until nothing is in flight */
};
void fdio_ring_reap(struct bs *bs, struct fdio *f, enum fdio_reap_mode mode);
bool fdio_ring_has_fallocate(const struct fdio_ring *r);

#endif
