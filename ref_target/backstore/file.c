/* file: a backstore in a regular file, kept sparse.
 *
 * Reads and writes are pread/pwrite at the block offset. A FUA write is
 * durable before it completes: pwritev2(RWF_DSYNC), or fdatasync after it
 * where the kernel lacks that flag. FLUSH is fdatasync. UNMAP punches a
 * hole (the blocks read as zeroes and give their space back, SBC-3 §4.7);
 * WRITE ZEROES asks the file system to zero the range. Where a file
 * system cannot do either, zeroes are written instead: slower, same
 * result. The page cache makes completed writes volatile until a flush:
 * BS_CAP_VOLATILE.
 * Runs in the daemon, not the engine: it may block and call the OS.
 * Owns its file descriptor; close closes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bs.h"

/* Zeroes written at a time when the file system cannot punch or zero. */
#define BS_FILE_ZERO_CHUNK (64u * 1024u)

struct bs_file {
	int fd;
	bool no_punch; /* the file system said EOPNOTSUPP once: stop asking */
};

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
	f->fd = fd;
	bs->priv = f;
	bs->size_bytes = size;
	bs->block_size = p->block_size;
	bs->caps = BS_CAP_UNMAP | BS_CAP_UNMAP_ZEROES | BS_CAP_WRITE_ZEROES | BS_CAP_VOLATILE;
	return 0;
}

static enum rt_disk_status file_errno_status(int e, enum rt_disk_op op)
{
	if (e == ENOSPC || e == EDQUOT)
		return RT_DISK_ERR_SPACE;
	return op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
}

static enum rt_disk_status file_read(struct bs_file *f, struct rt_disk_io *io)
{
	uint64_t done = 0;
	while (done < io->len) {
		ssize_t n = pread(f->fd, io->buf + done, io->len - done, (off_t)(io->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return file_errno_status(errno, RT_DISK_READ);
		if (n == 0) { /* the file shrank under us: beyond its end is a hole */
			memset(io->buf + done, 0, io->len - done);
			break;
		}
		done += (uint64_t)n;
	}
	return RT_DISK_OK;
}

static enum rt_disk_status file_pwrite(struct bs_file *f, const uint8_t *buf, uint64_t len, uint64_t off, bool dsync)
{
	uint64_t done = 0;
	while (done < len) {
		struct iovec iov = {.iov_base = (void *)(uintptr_t)(buf + done), .iov_len = len - done};
		ssize_t n = pwritev2(f->fd, &iov, 1, (off_t)(off + done), dsync ? RWF_DSYNC : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && dsync && (errno == EOPNOTSUPP || errno == EINVAL)) {
			/* no RWF_DSYNC here: plain write, then fdatasync */
			enum rt_disk_status st = file_pwrite(f, buf + done, len - done, off + done, false);
			if (st == RT_DISK_OK && fdatasync(f->fd) != 0)
				return file_errno_status(errno, RT_DISK_WRITE);
			return st;
		}
		if (n < 0)
			return file_errno_status(errno, RT_DISK_WRITE);
		done += (uint64_t)n;
	}
	return RT_DISK_OK;
}

static enum rt_disk_status file_write_zeroes_slow(struct bs_file *f, uint64_t off, uint64_t len)
{
	static const uint8_t zeroes[BS_FILE_ZERO_CHUNK];
	while (len > 0) {
		uint64_t n = len < sizeof(zeroes) ? len : sizeof(zeroes);
		enum rt_disk_status st = file_pwrite(f, zeroes, n, off, false);
		if (st != RT_DISK_OK)
			return st;
		off += n;
		len -= n;
	}
	return RT_DISK_OK;
}

/* UNMAP punches a hole; WRITE ZEROES zeroes the range (the file system
 * may allocate or not). Both read back as zeroes. */
static enum rt_disk_status file_zero(struct bs_file *f, struct rt_disk_io *io)
{
	if (io->len == 0)
		return RT_DISK_OK;
	if (!f->no_punch) {
		int mode = FALLOC_FL_KEEP_SIZE |
			   (io->op == RT_DISK_UNMAP ? FALLOC_FL_PUNCH_HOLE : FALLOC_FL_ZERO_RANGE);
		if (fallocate(f->fd, mode, (off_t)io->offset, (off_t)io->len) == 0)
			return RT_DISK_OK;
		if (errno != EOPNOTSUPP)
			return file_errno_status(errno, RT_DISK_WRITE);
		if (io->op == RT_DISK_WRITE_ZEROES &&
		    fallocate(f->fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, (off_t)io->offset,
			      (off_t)io->len) == 0)
			return RT_DISK_OK;
		f->no_punch = true;
	}
	return file_write_zeroes_slow(f, io->offset, io->len);
}

static void file_submit(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_file *f = bs->priv;
	io->status = RT_DISK_OK;
	if (io->op != RT_DISK_FLUSH && (io->offset > bs->size_bytes || io->len > bs->size_bytes - io->offset)) {
		io->status = io->op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
	} else {
		switch (io->op) {
		case RT_DISK_READ:
			io->status = file_read(f, io);
			break;
		case RT_DISK_WRITE:
			io->status = file_pwrite(f, io->buf, io->len, io->offset, io->flags & RT_DISK_FUA);
			break;
		case RT_DISK_FLUSH:
			if (fdatasync(f->fd) != 0)
				io->status = RT_DISK_ERR_WRITE;
			break;
		case RT_DISK_UNMAP:
		case RT_DISK_WRITE_ZEROES:
			io->status = file_zero(f, io);
			break;
		}
	}
	bs->complete(bs->complete_ctx, io);
}

static void file_close(struct bs *bs)
{
	struct bs_file *f = bs->priv;
	if (f == NULL)
		return;
	close(f->fd);
	free(f);
	bs->priv = NULL;
}

const struct bs_ops bs_file_ops = {
	.name = "file",
	.open = file_open,
	.submit = file_submit,
	.close = file_close,
};
