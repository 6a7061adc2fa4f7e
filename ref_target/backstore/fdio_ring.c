/* fdio_ring: the io_uring path of fdio (see fdio.h), so that a disk that
 * takes its time never holds up the daemon's loop.
 *
 * One ring per file or block backstore, FDIO_RING_DEPTH requests in the
 * kernel at once; more wait in a backlog (FDIO_BACKLOG_MAX, linked through
 * io->env_next, which is the environment's and free while we hold the
 * I/O). Submits prepare entries; bs_kick, once per round of the daemon's
 * events, hands them all to the kernel in one io_uring_enter. The ring
 * posts to an eventfd (io_uring_register_eventfd) that the
 * daemon's loop watches beside its sockets; fdio_ring_reap, called when it
 * is readable, takes each completion and either finishes the request
 * (bs->complete) or submits its next step:
 *   read, write   IORING_OP_READ/WRITE from where the last one stopped: a
 *                 short transfer submits the rest; a read at the file's
 *                 end (0 bytes) reads as zeroes, as fdio_read does;
 *   FUA write     the write with RWF_DSYNC; a kernel or file system that
 *                 refuses the flag (EOPNOTSUPP, EINVAL) gets the plain
 *                 write, then a datasync fsync (SBC-3 §5.27 FUA);
 *   FLUSH         IORING_OP_FSYNC with IORING_FSYNC_DATASYNC;
 *   UNMAP, WRITE ZEROES
 *                 IORING_OP_FALLOCATE (Linux 5.6) with the backstore's
 *                 modes (file: punch a hole, zero a range); a mode the
 *                 file system refuses (EOPNOTSUPP) is not asked again and
 *                 the request goes on the next way: punching for WRITE
 *                 ZEROES where holes read as zeroes, else the backstore's
 *                 synchronous zero() (which writes zeroes: slow, and done
 *                 on the loop: the documented fallback). A block device's
 *                 BLKDISCARD and BLKZEROOUT have no ring opcode in the
 *                 kernels we target and always go through zero().
 * -EAGAIN and -EINTR resubmit the step, at most FDIO_RETRIES_MAX times.
 * Valgrind does not see the kernel write through the ring: each read tells
 * memcheck its bytes are defined (a no-op outside Valgrind); what it cannot
 * check is the source of a write, which --sync-io restores.
 * Owns the ring, its eventfd and the request slots.
 */
#include <assert.h>
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

#include "fdio.h"

/* Bytes one read or write step asks for (an SQE's length is 32 bits; the
 * kernel moves at most about 2 GiB per call anyway). */
#define FDIO_STEP_MAX (1u << 30)

struct fdio_req {
	struct rt_disk_io *io; /* NULL: the slot is free */
	uint64_t done;         /* bytes read or written so far */
	enum fdio_step step;
	int mode;              /* FDIO_STEP_FALLOC: the fallocate mode asked */
	bool dsync;            /* FDIO_STEP_RW of a write: with RWF_DSYNC */
	bool sync_after;       /* a FUA write the plain way: fdatasync once written */
	uint32_t retries;
};

struct fdio_ring {
	struct io_uring ring;
	int efd;
	bool has_fallocate;
	uint32_t busy; /* slots in use */
	struct fdio_req reqs[FDIO_RING_DEPTH];
	struct rt_disk_io *backlog, *backlog_tail;
	uint32_t backlog_len;
};

/* 0, or what the test's fdio_sys says the kernel answered to step s. */
static int setup_step(const struct fdio_sys *sys, enum fdio_setup s)
{
	return sys->ring_setup != NULL ? sys->ring_setup(sys->ctx, s) : 0;
}

int fdio_ring_open(const struct fdio_sys *sys, struct fdio_ring **out, char *why, size_t why_len)
{
	struct fdio_ring *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(why, why_len, "out of memory for the ring");
		return -1;
	}
	int rc = setup_step(sys, FDIO_SETUP_QUEUE);
	if (rc == 0)
		rc = io_uring_queue_init(FDIO_RING_DEPTH, &r->ring, 0);
	if (rc < 0) {
		/* seccomp (containers), kernel.io_uring_disabled, or a kernel
		 * before 5.1 */
		snprintf(why, why_len, "io_uring_queue_init: %s", strerror(-rc));
		free(r);
		return -1;
	}
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	rc = r->efd < 0 ? -errno : setup_step(sys, FDIO_SETUP_EVENTFD);
	if (rc == 0)
		rc = io_uring_register_eventfd(&r->ring, r->efd);
	if (rc < 0) {
		snprintf(why, why_len, "io_uring eventfd: %s", strerror(-rc));
		if (r->efd >= 0)
			close(r->efd);
		io_uring_queue_exit(&r->ring);
		free(r);
		return -1;
	}
	/* IORING_OP_READ, _WRITE and _FALLOCATE came with Linux 5.6, as did
	 * the probe: a ring without them is no use to us */
	struct io_uring_probe *p = setup_step(sys, FDIO_SETUP_PROBE) == 0 ? io_uring_get_probe_ring(&r->ring) : NULL;
	bool rw = p != NULL && io_uring_opcode_supported(p, IORING_OP_READ) &&
		  io_uring_opcode_supported(p, IORING_OP_WRITE) && io_uring_opcode_supported(p, IORING_OP_FSYNC);
	r->has_fallocate = p != NULL && io_uring_opcode_supported(p, IORING_OP_FALLOCATE);
	if (p != NULL)
		io_uring_free_probe(p);
	if (!rw) {
		snprintf(why, why_len, "this kernel's io_uring cannot read and write (Linux 5.6 can)");
		fdio_ring_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

void fdio_ring_close(struct fdio_ring *r)
{
	io_uring_unregister_eventfd(&r->ring);
	io_uring_queue_exit(&r->ring);
	close(r->efd);
	free(r);
}

int fdio_ring_fd(const struct fdio_ring *r)
{
	return r->efd;
}

bool fdio_ring_has_fallocate(const struct fdio_ring *r)
{
	return r->has_fallocate;
}

/* The fallocate mode for io's next try; 0: none left, serve it with zero().
 * WRITE ZEROES may punch a hole where holes read as zeroes. */
static int falloc_mode(const struct bs *bs, const struct fdio *f, enum rt_disk_op op)
{
	if (op == RT_DISK_UNMAP)
		return f->falloc_unmap;
	if (f->falloc_zero)
		return f->falloc_zero;
	return (bs->caps & BS_CAP_UNMAP_ZEROES) ? f->falloc_unmap : 0;
}

/* Hand what was prepared to the kernel. A refusal (-EAGAIN, -EBUSY when
 * it runs short) leaves the entries in the submission queue: the next
 * submit or reap hands them over again. */
static void push(struct fdio_ring *r)
{
	for (uint32_t i = 0; i < FDIO_RETRIES_MAX && io_uring_sq_ready(&r->ring) > 0; i++) {
		int rc = io_uring_submit(&r->ring);
		if (rc >= 0 || (rc != -EINTR && rc != -EAGAIN && rc != -EBUSY))
			break;
	}
}

/* Prepare q's current step. There is always a free SQE: a slot has at most
 * one step in the kernel and there are as many slots as SQEs. */
static void prep(struct fdio *f, struct fdio_req *q)
{
	struct fdio_ring *r = f->ring;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
	struct rt_disk_io *io = q->io;
	assert(sqe != NULL);
	switch (q->step) {
	case FDIO_STEP_RW: {
		uint64_t left = io->len - q->done;
		unsigned n = left < FDIO_STEP_MAX ? (unsigned)left : FDIO_STEP_MAX;
		if (io->op == RT_DISK_READ) {
			io_uring_prep_read(sqe, f->fd, io->buf + q->done, n, io->offset + q->done);
		} else {
			io_uring_prep_write(sqe, f->fd, io->buf + q->done, n, io->offset + q->done);
			sqe->rw_flags = q->dsync ? RWF_DSYNC : 0;
		}
		break;
	}
	case FDIO_STEP_DATASYNC:
		io_uring_prep_fsync(sqe, f->fd, IORING_FSYNC_DATASYNC);
		break;
	case FDIO_STEP_FALLOC:
		io_uring_prep_fallocate(sqe, f->fd, q->mode, (off_t)io->offset, (off_t)io->len);
		break;
	}
	io_uring_sqe_set_data(sqe, q);
}

/* Start io in a free slot. */
static void start(const struct bs *bs, struct fdio *f, struct rt_disk_io *io)
{
	struct fdio_ring *r = f->ring;
	struct fdio_req *q = NULL;
	for (uint32_t i = 0; i < FDIO_RING_DEPTH && q == NULL; i++)
		if (r->reqs[i].io == NULL)
			q = &r->reqs[i];
	*q = (struct fdio_req){ .io = io };
	r->busy++;
	switch (io->op) {
	case RT_DISK_READ:
	case RT_DISK_WRITE:
		q->step = FDIO_STEP_RW;
		q->dsync = io->op == RT_DISK_WRITE && (io->flags & RT_DISK_FUA);
		break;
	case RT_DISK_FLUSH:
		q->step = FDIO_STEP_DATASYNC;
		break;
	default: /* UNMAP, WRITE ZEROES: fdio_submit sends them only with a mode */
		q->step = FDIO_STEP_FALLOC;
		q->mode = falloc_mode(bs, f, io->op);
		break;
	}
	prep(f, q);
}

bool fdio_ring_submit(struct bs *bs, struct fdio *f, struct rt_disk_io *io)
{
	struct fdio_ring *r = f->ring;
	if (r->busy < FDIO_RING_DEPTH) {
		start(bs, f, io); /* the kernel gets it at the next kick */
		return true;
	}
	if (r->backlog_len >= FDIO_BACKLOG_MAX)
		return false;
	io->env_next = NULL;
	if (r->backlog_tail)
		r->backlog_tail->env_next = io;
	else
		r->backlog = io;
	r->backlog_tail = io;
	r->backlog_len++;
	return true;
}

/* q is finished: free its slot, hand io back, start the next waiting one. */
static void finish(struct bs *bs, struct fdio *f, struct fdio_req *q, enum rt_disk_status st)
{
	struct fdio_ring *r = f->ring;
	struct rt_disk_io *io = q->io;
	q->io = NULL;
	r->busy--;
	io->status = st;
	bs->complete(bs->complete_ctx, io);
	if (r->backlog != NULL) {
		struct rt_disk_io *next = r->backlog;
		r->backlog = next->env_next;
		if (r->backlog == NULL)
			r->backlog_tail = NULL;
		r->backlog_len--;
		next->env_next = NULL;
		start(bs, f, next);
	}
}

/* A read or write step moved res bytes. */
static void rw_done(struct bs *bs, struct fdio *f, struct fdio_req *q, int res)
{
	struct rt_disk_io *io = q->io;
	if (res < 0 && q->dsync && (res == -EOPNOTSUPP || res == -EINVAL)) {
		/* no RWF_DSYNC here: plain write, then fdatasync */
		q->dsync = false;
		q->sync_after = true;
		prep(f, q);
		return;
	}
	if (res < 0) {
		finish(bs, f, q, fdio_status(-res, io->op));
		return;
	}
	if (res == 0 && io->op == RT_DISK_READ) { /* a file shrunk under us: beyond its end is a hole */
		memset(io->buf + q->done, 0, io->len - q->done);
		q->done = io->len;
	}
	if (res == 0 && io->op == RT_DISK_WRITE && ++q->retries > FDIO_RETRIES_MAX) {
		finish(bs, f, q, RT_DISK_ERR_WRITE); /* a write that never moves a byte */
		return;
	}
	if (io->op == RT_DISK_READ && res > 0)
		VALGRIND_MAKE_MEM_DEFINED(io->buf + q->done, (size_t)res);
	q->done += (uint64_t)res;
	if (q->done < io->len) {
		prep(f, q); /* short: the rest */
		return;
	}
	if (q->sync_after) {
		q->step = FDIO_STEP_DATASYNC;
		prep(f, q);
		return;
	}
	finish(bs, f, q, RT_DISK_OK);
}

/* A fallocate step returned res. */
static void falloc_done(struct bs *bs, struct fdio *f, struct fdio_req *q, int res)
{
	struct rt_disk_io *io = q->io;
	if (res != -EOPNOTSUPP) {
		finish(bs, f, q, res == 0 ? RT_DISK_OK : fdio_status(-res, RT_DISK_WRITE));
		return;
	}
	/* this file system cannot do mode: never ask again, go on the next way */
	if (q->mode == f->falloc_zero)
		f->falloc_zero = 0;
	else if (q->mode == f->falloc_unmap)
		f->falloc_unmap = 0;
	q->mode = falloc_mode(bs, f, io->op);
	if (q->mode != 0) {
		prep(f, q);
		return;
	}
	/* none left: the backstore's own synchronous way, then free the slot */
	finish(bs, f, q, f->zero(bs, io));
}

static void on_cqe(struct bs *bs, struct fdio *f, struct fdio_req *q, int res)
{
	if ((res == -EAGAIN || res == -EINTR) && ++q->retries <= FDIO_RETRIES_MAX) {
		prep(f, q);
		return;
	}
	switch (q->step) {
	case FDIO_STEP_RW:
		rw_done(bs, f, q, res);
		break;
	case FDIO_STEP_DATASYNC:
		finish(bs, f, q, res == 0 ? RT_DISK_OK : RT_DISK_ERR_WRITE);
		break;
	case FDIO_STEP_FALLOC:
		falloc_done(bs, f, q, res);
		break;
	}
}

void fdio_ring_reap(struct bs *bs, struct fdio *f, enum fdio_reap_mode mode)
{
	struct fdio_ring *r = f->ring;
	uint64_t n;
	/* clear the eventfd first: a completion posted after this sets it
	 * again. A kick leaves it: what it takes now costs one wasted wakeup
	 * later, not a read per kick. */
	if (mode == FDIO_REAP_EVENT && read(r->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		n = 0;
	if (mode == FDIO_REAP_KICK)
		push(r); /* reads from the page cache finish inside it */
	for (;;) {
		struct io_uring_cqe *cqe;
		while (io_uring_peek_cqe(&r->ring, &cqe) == 0) {
			struct fdio_req *q = io_uring_cqe_get_data(cqe);
			int res = cqe->res;
			io_uring_cqe_seen(&r->ring, cqe);
			const struct fdio_sys *sys = fdio_sys_of(f);
			if (sys->ring_result != NULL)
				res = sys->ring_result(sys->ctx, q->io, q->step, res);
			on_cqe(bs, f, q, res);
		}
		push(r);
		if (mode != FDIO_REAP_WAIT || r->busy == 0)
			return;
		int rc = io_uring_wait_cqe(&r->ring, &cqe);
		if (rc < 0 && rc != -EINTR && rc != -EAGAIN)
			return; /* the ring is broken: nothing more will come */
	}
}
