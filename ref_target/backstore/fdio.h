/* fdio: what the file and block backstores share: positional reads and
 * writes on a file descriptor (short transfers and EINTR retried), durable
 * writes (RWF_DSYNC, or fdatasync where the kernel lacks it), flushes, the
 * errno-to-disk-status mapping, and the request dispatch of bs.h.
 * Runs in the daemon, not the engine: it blocks and calls the OS.
 * Owns nothing.
 */
#ifndef RT_BS_FDIO_H
#define RT_BS_FDIO_H

#include <stdbool.h>
#include <stdint.h>

#include "bs.h"

enum rt_disk_status fdio_read(int fd, uint8_t *buf, uint64_t len, uint64_t off);
enum rt_disk_status fdio_write(int fd, const uint8_t *buf, uint64_t len, uint64_t off, bool dsync);
/* Write zeroes the plain way, when nothing cleverer is available. */
enum rt_disk_status fdio_write_zeroes(int fd, uint64_t off, uint64_t len);
enum rt_disk_status fdio_status(int err, enum rt_disk_op op);

/* Serve one request on fd: range check, read/write/flush here, UNMAP and
 * WRITE ZEROES through 'zero' (the backstore's own way), then complete it
 * through bs->complete. */
void fdio_submit(struct bs *bs, int fd, struct rt_disk_io *io,
		 enum rt_disk_status (*zero)(struct bs *bs, struct rt_disk_io *io));

#endif
