/* block: a backstore on a block device (a disk, a partition, LVM, a loop
 * device).
 *
 * Size from BLKGETSIZE64 (or the configured size, if smaller); the LU's
 * block size must be a multiple of the device's logical sector size
 * (BLKSSZGET). Reads, writes, FUA and flushes as for files (fdio.h: on
 * io_uring where the kernel has it).
 * UNMAP is BLKDISCARD: the device may deallocate, but nothing promises the
 * blocks read as zeroes afterwards, so BS_CAP_UNMAP_ZEROES is not claimed
 * (an LU configured LBPRZ on a block device gets the daemon's warning);
 * a device that cannot discard makes UNMAP a no-op, which SBC-3 allows.
 * WRITE ZEROES is BLKZEROOUT, or zeroes written where the device has no
 * such command; both ioctls have no io_uring opcode, so they run on the
 * daemon's loop. The page cache makes writes volatile: BS_CAP_VOLATILE.
 * Runs in the daemon, not the engine: it calls the OS.
 * Owns its file descriptor and its fdio; close closes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs.h"
#include "fdio.h"

struct bs_block {
	struct fdio io; /* first: fdio_event_fd and friends find it at bs->priv */
	bool no_discard; /* BLKDISCARD said EOPNOTSUPP once */
	bool no_zeroout; /* BLKZEROOUT said EOPNOTSUPP once */
};

static int block_fail(int fd, char *err, size_t err_len, const char *path, const char *why)
{
	snprintf(err, err_len, "block: %s: %s", path, why);
	if (fd >= 0)
		close(fd);
	return -1;
}

static enum rt_disk_status block_zero(struct bs *bs, struct rt_disk_io *io);

static int block_open(struct bs *bs, const struct bs_params *p, char *err, size_t err_len)
{
	if (p->path == NULL || p->block_size == 0)
		return block_fail(-1, err, err_len, "?", "a path and a block size are required");
	int fd = open(p->path, (p->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return block_fail(-1, err, err_len, p->path, strerror(errno));
	struct stat st;
	uint64_t size = 0;
	int sector = 0;
	if (fstat(fd, &st) != 0 || !S_ISBLK(st.st_mode))
		return block_fail(fd, err, err_len, p->path, "not a block device");
	if (ioctl(fd, BLKGETSIZE64, &size) != 0 || ioctl(fd, BLKSSZGET, &sector) != 0)
		return block_fail(fd, err, err_len, p->path, strerror(errno));
	if (sector <= 0 || p->block_size % (uint32_t)sector != 0)
		return block_fail(fd, err, err_len, p->path, "block size is not a multiple of the device's sector size");
	if (p->size_bytes > size)
		return block_fail(fd, err, err_len, p->path, "the configured size is larger than the device");
	if (p->size_bytes)
		size = p->size_bytes;
	size -= size % p->block_size;
	if (size == 0)
		return block_fail(fd, err, err_len, p->path, "smaller than one block");
	struct bs_block *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return block_fail(fd, err, err_len, p->path, "out of memory");
	bs->priv = b;
	bs->size_bytes = size;
	bs->block_size = p->block_size;
	bs->caps = BS_CAP_UNMAP | BS_CAP_WRITE_ZEROES | BS_CAP_VOLATILE;
	b->io = (struct fdio){ .fd = fd, .zero = block_zero };
	fdio_start(bs, &b->io, p->sync_io);
	return 0;
}

static enum rt_disk_status block_zero(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_block *b = bs->priv;
	uint64_t range[2] = {io->offset, io->len};
	if (io->op == RT_DISK_UNMAP) {
		if (b->no_discard || ioctl(b->io.fd, BLKDISCARD, range) == 0)
			return RT_DISK_OK;
		if (errno != EOPNOTSUPP)
			return fdio_status(errno, RT_DISK_WRITE);
		b->no_discard = true;
		return RT_DISK_OK;
	}
	if (!b->no_zeroout) {
		if (ioctl(b->io.fd, BLKZEROOUT, range) == 0)
			return RT_DISK_OK;
		if (errno != EOPNOTSUPP)
			return fdio_status(errno, RT_DISK_WRITE);
		b->no_zeroout = true;
	}
	return fdio_write_zeroes(&b->io, io->offset, io->len);
}

static void block_submit(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_block *b = bs->priv;
	fdio_submit(bs, &b->io, io);
}

static void block_close(struct bs *bs)
{
	struct bs_block *b = bs->priv;
	if (b == NULL)
		return;
	fdio_stop(bs, &b->io);
	close(b->io.fd);
	free(b);
	bs->priv = NULL;
}

const struct bs_ops bs_block_ops = {
	.name = "block",
	.open = block_open,
	.submit = block_submit,
	.close = block_close,
	.event_fd = fdio_event_fd,
	.reap = fdio_reap,
	.drain = fdio_drain,
	.kick = fdio_kick,
};
