/* fdio: see fdio.h. */
#include "fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Zeroes written at a time when a backstore cannot punch or zero. */
#define FDIO_ZERO_CHUNK (64u * 1024u)

const struct fdio_sys fdio_os = {
	.pread = pread,
	.pwritev2 = pwritev2,
	.fdatasync = fdatasync,
	.fallocate = fallocate,
	.lseek = lseek,
};

const struct fdio_sys *fdio_sys_of(const struct fdio *f)
{
	return f->sys != NULL ? f->sys : &fdio_os;
}

enum rt_disk_status fdio_status(int err, enum rt_disk_op op)
{
	if (err == ENOSPC || err == EDQUOT)
		return RT_DISK_ERR_SPACE;
	return op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
}

enum rt_disk_status fdio_read(const struct fdio *f, uint8_t *buf, uint64_t len, uint64_t off)
{
	const struct fdio_sys *os = fdio_sys_of(f);
	uint64_t done = 0;
	while (done < len) {
		ssize_t n = os->pread(f->fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fdio_status(errno, RT_DISK_READ);
		if (n == 0) { /* a file shrunk under us: beyond its end is a hole */
			memset(buf + done, 0, len - done);
			break;
		}
		done += (uint64_t)n;
	}
	return RT_DISK_OK;
}

enum rt_disk_status fdio_write(const struct fdio *f, const uint8_t *buf, uint64_t len, uint64_t off, bool dsync)
{
	const struct fdio_sys *os = fdio_sys_of(f);
	uint64_t done = 0;
	uint32_t stuck = 0; /* answers in a row that moved nothing */
	while (done < len) {
		struct iovec iov = {.iov_base = (void *)(uintptr_t)(buf + done), .iov_len = len - done};
		ssize_t n = os->pwritev2(f->fd, &iov, 1, (off_t)(off + done), dsync ? RWF_DSYNC : 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && dsync && (errno == EOPNOTSUPP || errno == EINVAL)) {
			/* no RWF_DSYNC here: plain write, then fdatasync */
			enum rt_disk_status st = fdio_write(f, buf + done, len - done, off + done, false);
			if (st == RT_DISK_OK && os->fdatasync(f->fd) != 0)
				return fdio_status(errno, RT_DISK_WRITE);
			return st;
		}
		if (n < 0)
			return fdio_status(errno, RT_DISK_WRITE);
		/* a write that moves nothing would spin here for ever, the
		 * daemon's loop with it: bounded as on the ring */
		if (n == 0 && ++stuck > FDIO_RETRIES_MAX)
			return RT_DISK_ERR_WRITE;
		if (n > 0)
			stuck = 0;
		done += (uint64_t)n;
	}
	return RT_DISK_OK;
}

enum rt_disk_status fdio_write_zeroes(const struct fdio *f, uint64_t off, uint64_t len)
{
	static const uint8_t zeroes[FDIO_ZERO_CHUNK];
	while (len > 0) {
		uint64_t n = len < sizeof(zeroes) ? len : sizeof(zeroes);
		enum rt_disk_status st = fdio_write(f, zeroes, n, off, false);
		if (st != RT_DISK_OK)
			return st;
		off += n;
		len -= n;
	}
	return RT_DISK_OK;
}

/* MAP_STATUS from the file's holes (SEEK_DATA/SEEK_HOLE); a file system
 * or device that cannot say reports everything mapped. */
static void fdio_map_status(const struct fdio *f, struct rt_disk_io *io)
{
	const struct fdio_sys *os = fdio_sys_of(f);
	off_t off = (off_t)io->offset, end = (off_t)(io->offset + io->len);
	off_t data = os->lseek(f->fd, off, SEEK_DATA);
	io->mapped = true;
	io->run_len = io->len;
	if (data < 0 && errno == ENXIO) { /* only a hole up to the end */
		io->mapped = false;
		return;
	}
	if (data < 0)
		return;
	if (data > off) {
		io->mapped = false;
		io->run_len = (uint64_t)((data < end ? data : end) - off);
		return;
	}
	off_t hole = os->lseek(f->fd, off, SEEK_HOLE);
	if (hole > off && hole < end)
		io->run_len = (uint64_t)(hole - off);
}

void fdio_serve_sync(struct bs *bs, struct fdio *f, struct rt_disk_io *io)
{
	switch (io->op) {
	case RT_DISK_READ:
		io->status = fdio_read(f, io->buf, io->len, io->offset);
		break;
	case RT_DISK_WRITE:
		io->status = fdio_write(f, io->buf, io->len, io->offset, io->flags & RT_DISK_FUA);
		break;
	case RT_DISK_MAP_STATUS:
		fdio_map_status(f, io);
		break;
	case RT_DISK_PR_LOAD:
	case RT_DISK_PR_STORE:
	case RT_DISK_ALUA_SET:
	case RT_DISK_COMPARE_WRITE:
		io->status = RT_DISK_ERR_UNSUPPORTED; /* bs_io_start refused them */
		break;
	case RT_DISK_FLUSH:
		if (fdio_sys_of(f)->fdatasync(f->fd) != 0)
			io->status = RT_DISK_ERR_WRITE;
		break;
	case RT_DISK_UNMAP:
	case RT_DISK_WRITE_ZEROES:
		io->status = io->len ? f->zero(bs, io) : RT_DISK_OK;
		break;
	}
	bs->complete(bs->complete_ctx, io);
}

void fdio_start(struct bs *bs, struct fdio *f, bool sync_io)
{
	f->ring = NULL;
	bs->sync_why[0] = '\0';
	if (sync_io) {
		snprintf(bs->sync_why, sizeof(bs->sync_why), "--sync-io");
		return;
	}
	if (fdio_ring_open(fdio_sys_of(f), &f->ring, bs->sync_why, sizeof(bs->sync_why)) != 0) {
		f->ring = NULL;
		return;
	}
	if (!fdio_ring_has_fallocate(f->ring))
		f->falloc_unmap = f->falloc_zero = 0;
}

void fdio_stop(struct bs *bs, struct fdio *f)
{
	if (f->ring == NULL)
		return;
	fdio_ring_reap(bs, f, FDIO_REAP_WAIT);
	fdio_ring_close(f->ring);
	f->ring = NULL;
}

void fdio_submit(struct bs *bs, struct fdio *f, struct rt_disk_io *io)
{
	if (!bs_io_start(bs, io)) {
		bs->complete(bs->complete_ctx, io);
		return;
	}
	/* A plain file or device promises no atomicity across a power loss:
	 * WRITE ATOMIC is not ours to give here. */
	if (io->op == RT_DISK_WRITE && (io->flags & RT_DISK_ATOMIC)) {
		io->status = RT_DISK_ERR_UNSUPPORTED;
		bs->complete(bs->complete_ctx, io);
		return;
	}
	/* MAP_STATUS asks lseek about holes: no ring opcode, and quick. */
	bool ring = f->ring != NULL && io->op != RT_DISK_MAP_STATUS && (io->len > 0 || io->op == RT_DISK_FLUSH);
	if (ring && io->op == RT_DISK_UNMAP)
		ring = f->falloc_unmap != 0;
	if (ring && io->op == RT_DISK_WRITE_ZEROES)
		ring = f->falloc_zero != 0 || (f->falloc_unmap != 0 && (bs->caps & BS_CAP_UNMAP_ZEROES));
	if (ring && fdio_ring_submit(bs, f, io))
		return;
	fdio_serve_sync(bs, f, io);
}

int fdio_event_fd(const struct bs *bs)
{
	const struct fdio *f = bs->priv;
	return f != NULL && f->ring != NULL ? fdio_ring_fd(f->ring) : -1;
}

void fdio_reap(struct bs *bs)
{
	struct fdio *f = bs->priv;
	if (f != NULL && f->ring != NULL)
		fdio_ring_reap(bs, f, FDIO_REAP_EVENT);
}

void fdio_drain(struct bs *bs)
{
	struct fdio *f = bs->priv;
	if (f != NULL && f->ring != NULL)
		fdio_ring_reap(bs, f, FDIO_REAP_WAIT);
}

void fdio_kick(struct bs *bs)
{
	struct fdio *f = bs->priv;
	if (f != NULL && f->ring != NULL)
		fdio_ring_reap(bs, f, FDIO_REAP_KICK);
}
