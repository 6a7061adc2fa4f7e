/* file: a backstore in a regular file, kept sparse.
 *
 * Reads and writes at the block offset, through io_uring (fdio.h: the
 * loop never waits for the disk) or synchronously where it cannot be had.
 * A FUA write is durable before it completes: RWF_DSYNC, or fdatasync
 * after it where the kernel lacks that flag. FLUSH is fdatasync. UNMAP
 * punches a hole (the blocks read as zeroes and give their space back,
 * SBC-3 §4.7); WRITE ZEROES asks the file system to zero the range (both
 * fallocate(2), on the ring too). Where a file system cannot do either,
 * zeroes are written instead: slower, same result. The page cache makes
 * completed writes volatile until a flush: BS_CAP_VOLATILE.
 * Runs in the daemon, not the engine: it calls the OS.
 * Owns its file descriptor and its fdio; close closes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bs.h"
#include "fdio.h"

struct bs_file {
	struct fdio io; /* first: fdio_event_fd and friends find it at bs->priv */
	bool no_punch; /* the file system said EOPNOTSUPP once: stop asking */
};

static enum rt_disk_status file_zero(struct bs *bs, struct rt_disk_io *io);

static int file_open(struct bs *bs, const struct bs_params *p, char *err, size_t err_len)
{
	if (p->path == NULL || p->block_size == 0) {
		snprintf(err, err_len, "file: a path and a block size are required");
		return -1;
	}
	int flags = p->read_only ? O_RDONLY : O_RDWR | (p->size_bytes ? O_CREAT : 0);
	int fd = open(p->path, flags | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, err_len, "file: %s: %s", p->path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, err_len, "file: %s: not a regular file", p->path);
		close(fd);
		return -1;
	}
	uint64_t size = (uint64_t)st.st_size;
	/* Extending with ftruncate leaves a hole: the file stays sparse. */
	if (p->size_bytes > size && !p->read_only) {
		if (ftruncate(fd, (off_t)p->size_bytes) != 0) {
			snprintf(err, err_len, "file: %s: extend to %llu: %s", p->path,
				 (unsigned long long)p->size_bytes, strerror(errno));
			close(fd);
			return -1;
		}
		size = p->size_bytes;
	}
	size -= size % p->block_size; /* a partial last block is not addressable */
	if (size == 0) {
		snprintf(err, err_len, "file: %s: smaller than one block", p->path);
		close(fd);
		return -1;
	}
	struct bs_file *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, err_len, "file: out of memory");
		close(fd);
		return -1;
	}
	bs->priv = f;
	bs->size_bytes = size;
	bs->block_size = p->block_size;
	bs->caps = BS_CAP_UNMAP | BS_CAP_UNMAP_ZEROES | BS_CAP_WRITE_ZEROES | BS_CAP_VOLATILE;
	f->io = (struct fdio){
		.fd = fd,
		.zero = file_zero,
		.falloc_unmap = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
		.falloc_zero = FALLOC_FL_KEEP_SIZE | FALLOC_FL_ZERO_RANGE,
	};
	fdio_start(bs, &f->io, p->sync_io);
	return 0;
}

/* UNMAP punches a hole; WRITE ZEROES zeroes the range (the file system
 * may allocate or not). Both read back as zeroes. */
static enum rt_disk_status file_zero(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_file *f = bs->priv;
	if (!f->no_punch) {
		int mode = FALLOC_FL_KEEP_SIZE |
			   (io->op == RT_DISK_UNMAP ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);
		const struct fdio_sys *os = fdio_sys_of(&f->io);
		if (os->fallocate(f->io.fd, mode, (off_t)io->offset, (off_t)io->len) == 0)
			return RT_DISK_OK;
		if (errno != EOPNOTSUPP)
			return fdio_status(errno, RT_DISK_WRITE);
		if (io->op == RT_DISK_WRITE_ZEROES &&
		    os->fallocate(f->io.fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, (off_t)io->offset,
				  (off_t)io->len) == 0)
			return RT_DISK_OK;
		f->no_punch = true;
	}
	return fdio_write_zeroes(&f->io, io->offset, io->len);
}

static void file_submit(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_file *f = bs->priv;
	fdio_submit(bs, &f->io, io);
}

static void file_close(struct bs *bs)
{
	struct bs_file *f = bs->priv;
	if (f == NULL)
		return;
	fdio_stop(bs, &f->io);
	close(f->io.fd);
	free(f);
	bs->priv = NULL;
}

const struct bs_ops bs_file_ops = {
	.name = "file",
	.open = file_open,
	.submit = file_submit,
	.close = file_close,
	.event_fd = fdio_event_fd,
	.reap = fdio_reap,
	.drain = fdio_drain,
	.kick = fdio_kick,
};
