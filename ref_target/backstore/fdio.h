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

#include "bs.h"

/* Requests in the kernel at once, per backstore: the ring's submission
 * queue (its completion queue is twice that, so it cannot overflow). */
#define FDIO_RING_DEPTH 64u
/* Requests waiting for a ring slot, per backstore; one more is served
 * inside submit, synchronously (the engine's own limits keep far below). */
#define FDIO_BACKLOG_MAX 4096u
/* -EAGAIN/-EINTR completions one request may see before it fails. */
#define FDIO_RETRIES_MAX 16u

struct fdio_ring;

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

/* The synchronous building blocks. */
enum rt_disk_status fdio_read(int fd, uint8_t *buf, uint64_t len, uint64_t off);
enum rt_disk_status fdio_write(int fd, const uint8_t *buf, uint64_t len, uint64_t off, bool dsync);
/* Write zeroes the plain way, when nothing cleverer is available. */
enum rt_disk_status fdio_write_zeroes(int fd, uint64_t off, uint64_t len);
enum rt_disk_status fdio_status(int err, enum rt_disk_op op);
/* One request served synchronously (what fdio_submit does without a ring). */
void fdio_serve_sync(struct bs *bs, struct fdio *f, struct rt_disk_io *io);

/* fdio_ring.c: the io_uring path, used by fdio_submit and friends. */
int fdio_ring_open(struct fdio_ring **out, char *why, size_t why_len);
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
bool fdio_ring_idle(const struct fdio_ring *r);
bool fdio_ring_has_fallocate(const struct fdio_ring *r);

#endif
