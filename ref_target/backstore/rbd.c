/* rbd: a backstore in a Ceph RBD image, through librbd's asynchronous API.
 *
 * Every request is one librbd AIO (a FUA write is a write, then a flush:
 * SBC-3 §5.8 asks only that it be durable when it completes). librbd
 * finishes requests on its own threads; the callback only queues the
 * request under a mutex and writes the eventfd the daemon's loop watches,
 * and reap, on the loop's thread, hands them on through bs->complete. The
 * engine never sees another thread.
 *
 * Ownership (the Ceph iSCSI gateway's fencing, without the ping-pong)
 * is rbd_own.c's: the image's exclusive lock, taken at the first write or
 * by a takeover (bs_ops.takeover; the daemon does it on SIGUSR1), and with
 * an "alua_group" the ALUA states that follow it (bs_ops.alua_state,
 * RT_DISK_ALUA_SET). A gateway that is not the owner answers writes
 * FENCED (an ALUA transition: retry, perhaps elsewhere); one that was
 * blocklisted, BLOCKLISTED for good ("target port unavailable": fail
 * over). "lock_auto" leaves the lock to librbd, which hands it to
 * whoever asks. "break_unfenced" (config "blocklist_on_break": false)
 * breaks the lock without the blocklist: the fencing-off twin of the
 * failover test, where the paused owner's write lands on newer data.
 *
 * Persistent reservations shared by the gateways (pr_shared, for
 * scsi/pr_shared.c): RT_DISK_PR_LOAD and PR_STORE read and replace the
 * RADOS object "<image>.pr" in the image's pool, one librados AIO each
 * (the same eventfd and reap). A store is a compare-and-set on the
 * object's version as the OSD keeps it (user_version, which every write
 * raises): assert_version on the one loaded, or an exclusive create when
 * there was none; losing it is ERR_STALE. No lock is needed: a PERSISTENT
 * RESERVE OUT may come through any gateway, the owner or a standby. A
 * blocklisted gateway's store fails (-ESHUTDOWN) like its writes.
 * A store is answered once every gateway watching the record has marked
 * its cached state stale (a notify, RBD_PR_NOTIFY_TIMEOUT_MS at most). A
 * gateway that did not acknowledge in time (stopped, partitioned) would
 * wake with its old state and judge the commands waiting in its sockets
 * by it: a keyless write GOOD under a reservation. So it is fenced first:
 * every gateway registers its client address under its instance id (an
 * xattr of "<image>.gw"), and the storing gateway blocklists each watcher
 * the notify names as timed out before it answers (the simulator's model
 * of this, sim/world/pr_notify.c, found the window).
 *
 * COMPARE AND WRITE is one request here (RT_DISK_COMPARE_WRITE, the LU
 * gets RT_LU_COMPARE_WRITE): librbd's compare-and-write, which the OSD
 * does as one op (cmpext, then the write), atomic against every client
 * of the image. A read, compare and write in the SCSI layer would not be
 * (scsi/caw.c): the exclusive lock serialises writers, not a read and
 * the write after it, and it can move between the two, so two gateways
 * could both replace the same value (the simulator's seed 1573;
 * scenarios/42). librbd 16 compares one 512-byte sector at a time
 * (RBDS_COMPARE_WRITE_MAX): an LU of 4096-byte blocks gets no
 * RT_LU_COMPARE_WRITE and falls back to the SCSI layer's
 * read-compare-write, atomic within one gateway only (the daemon warns).
 *
 * Runs in the daemon, not the engine. Owns its RADOS handles, the image,
 * the eventfd and the requests in flight.
 */
#include "bs.h"

#ifdef BS_HAVE_RBD

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <time.h>

#include "rbd_int.h"
#include "rbd_status.h"

/* After the operation timeout, how much longer close waits for requests
 * librbd still holds before it gives up on them. */
#define RBD_CLOSE_SLACK_S 5u
#define RBD_PR_SUFFIX ".pr"
#define RBD_GW_SUFFIX ".gw" /* xattrs: a gateway's instance id = its client address */
/* How long a store's notify waits for every other gateway to mark its
 * cached PR state stale (rbd_watch.h) before answering anyway: a gateway
 * that does not acknowledge in time is dead (its watch lasts until the
 * OSD's osd_client_watch_timeout, 30 s, or its blocklisting) or stopped. */
#define RBD_PR_NOTIFY_TIMEOUT_MS 5000u

uint64_t rbd_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* librbd's negative errno to the engine's status (rbd_status.h). */
static enum rt_disk_status rbd_status(struct bs_rbd *r, long rc, enum rt_disk_op op)
{
	return rbds_status(rc, op, &r->fenced);
}

int rbd_fail(char *err, size_t err_len, const char *what, int rc)
{
	snprintf(err, err_len, "rbd: %s: %s", what, strerror(-rc));
	return -1;
}

/* Settings that are ours to choose, whatever ceph.conf says. */
static int rbd_conf(rados_t cl, const struct bs_rbd_params *p, char *err, size_t err_len)
{
	char secs[16];
	snprintf(secs, sizeof(secs), "%u", p->op_timeout_s);
	const char *const set[][2] = {
		/* bounded: a lost cluster fails I/O, it does not hang it */
		{ "rados_osd_op_timeout", secs },
		{ "rados_mon_op_timeout", secs },
		{ "client_mount_timeout", secs },
		/* an UNMAP must leave zeroes even in part of an object,
		 * or LBPRZ would be a lie (SBC-3 §4.7.4.4) */
		{ "rbd_skip_partial_discard", "false" },
	};
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		int rc = rados_conf_set(cl, set[i][0], set[i][1]);
		if (rc < 0)
			return rbd_fail(err, err_len, set[i][0], rc);
	}
	/* librbd's own lock break (rbd_lock_break, and "lock_auto"'s break
	 * of a dead owner) blocklists the owner unless told not to: the
	 * unfenced twin must not fence by that path. Otherwise left as
	 * ceph.conf says (librbd's default: true). */
	if (p->break_unfenced) {
		int rc = rados_conf_set(cl, "rbd_blocklist_on_break_lock", "false");
		if (rc < 0)
			return rbd_fail(err, err_len, "rbd_blocklist_on_break_lock", rc);
	}
	if (p->keyring) {
		int rc = rados_conf_set(cl, "keyring", p->keyring);
		if (rc < 0)
			return rbd_fail(err, err_len, "keyring", rc);
	}
	return 0;
}

static int rbd_connect(struct bs_rbd *r, const struct bs_rbd_params *p, bool read_only, char *err,
		       size_t err_len)
{
	int rc = rados_create(&r->cluster, p->client ? p->client : "admin");
	if (rc < 0)
		return rbd_fail(err, err_len, "rados_create", rc);
	rc = rados_conf_read_file(r->cluster, p->conf);
	if (rc < 0) {
		snprintf(err, err_len, "rbd: conf %s: %s", p->conf ? p->conf : "(default)", strerror(-rc));
		return -1;
	}
	if (rbd_conf(r->cluster, p, err, err_len) != 0)
		return -1;
	rc = rados_connect(r->cluster);
	if (rc < 0)
		return rbd_fail(err, err_len, "connect to the cluster", rc);
	rc = rados_ioctx_create(r->cluster, p->pool, &r->ioctx);
	if (rc < 0) {
		snprintf(err, err_len, "rbd: pool %s: %s", p->pool, strerror(-rc));
		return -1;
	}
	rc = read_only ? rbd_open_read_only(r->ioctx, p->image, &r->image, NULL)
		       : rbd_open(r->ioctx, p->image, &r->image, NULL);
	if (rc < 0) {
		r->image = NULL;
		snprintf(err, err_len, "rbd: image %s/%s: %s", p->pool, p->image, strerror(-rc));
		return -1;
	}
	char *addrs = NULL;
	if (rados_getaddrs(r->cluster, &addrs) == 0 && addrs != NULL) {
		snprintf(r->addr, sizeof(r->addr), "%s", addrs);
		free(addrs);
	}
	return 0;
}

static void rbd_release_all(struct bs_rbd *r)
{
	if (r->watch.watching || r->own.watch.watching) {
		if (r->watch.watching) {
			char id[32];
			snprintf(id, sizeof(id), "%" PRIu64, r->watch.self);
			(void)rados_rmxattr(r->ioctx, r->gw_oid, id); /* a crashed gateway's stays: harmless */
			rbd_watch_stop(&r->watch);
		}
		rbd_own_stop(r);
		rados_watch_flush(r->cluster); /* no callback runs after this */
	}
	if (r->image)
		rbd_close(r->image);
	if (r->ioctx)
		rados_ioctx_destroy(r->ioctx);
	if (r->cluster)
		rados_shutdown(r->cluster);
	r->image = NULL;
	r->ioctx = NULL;
	r->cluster = NULL;
}

static int rbd_bs_open(struct bs *bs, const struct bs_params *p, char *err, size_t err_len)
{
	const struct bs_rbd_params *rp = p->rbd;
	if (rp == NULL || rp->pool == NULL || rp->image == NULL || p->block_size == 0) {
		snprintf(err, err_len, "rbd: a pool, an image and a block size are required");
		return -1;
	}
	struct bs_rbd *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, err_len, "rbd: out of memory");
		return -1;
	}
	r->lock_auto = rp->lock_auto;
	r->break_unfenced = rp->break_unfenced;
	r->op_timeout_s = rp->op_timeout_s;
	r->efd = -1;
	r->pr_shared = rp->pr_shared;
	if ((size_t)snprintf(r->pr_oid, sizeof(r->pr_oid), "%s%s", rp->image, RBD_PR_SUFFIX) >= sizeof(r->pr_oid)) {
		snprintf(err, err_len, "rbd: image name longer than %u bytes", RBD_OID_MAX - 4u);
		free(r);
		return -1;
	}
	pthread_mutex_init(&r->mu, NULL);
	uint64_t size = 0;
	int rc;
	if (rbd_connect(r, rp, p->read_only, err, err_len) != 0)
		goto fail;
	rc = rbd_get_size(r->image, &size);
	if (rc < 0) {
		rbd_fail(err, err_len, "size", rc);
		goto fail;
	}
	rbd_image_info_t info;
	rc = rbd_stat(r->image, &info, sizeof(info));
	if (rc < 0) {
		rbd_fail(err, err_len, "stat", rc);
		goto fail;
	}
	r->obj_size = info.obj_size;
	size -= size % p->block_size; /* a partial last block is not addressable */
	if (size == 0) {
		snprintf(err, err_len, "rbd: image %s/%s: smaller than one block", rp->pool, rp->image);
		goto fail;
	}
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0) {
		snprintf(err, err_len, "rbd: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (r->pr_shared) {
		r->watch = (struct rbd_watch){ .ioctx = r->ioctx, .oid = r->pr_oid, .mu = &r->mu, .efd = r->efd,
					       .self = rados_get_instance_id(r->cluster) };
		/* our address, for whoever must fence us (rbd_fence_silent) */
		char id[32];
		snprintf(id, sizeof(id), "%" PRIu64, r->watch.self);
		snprintf(r->gw_oid, sizeof(r->gw_oid), "%s%s", rp->image, RBD_GW_SUFFIX);
		rc = rados_setxattr(r->ioctx, r->gw_oid, id, r->addr, strlen(r->addr));
		if (rc < 0) {
			snprintf(err, err_len, "rbd: %s/%s: register this gateway's address: %s", rp->pool, r->gw_oid,
				strerror(-rc));
			goto fail;
		}
		rc = rbd_watch_start(&r->watch);
		if (rc < 0) {
			snprintf(err, err_len, "rbd: watch %s/%s: %s", rp->pool, r->pr_oid, strerror(-rc));
			goto fail;
		}
	}
	bs->priv = r;
	if (rbd_own_open(bs, rp->image, rp->alua_group, err, err_len) != 0) {
		bs->priv = NULL;
		goto fail;
	}
	bs->size_bytes = size;
	bs->block_size = p->block_size;
	/* librbd's cache holds completed writes until a flush */
	bs->caps = BS_CAP_UNMAP | BS_CAP_UNMAP_ZEROES | BS_CAP_WRITE_ZEROES | BS_CAP_VOLATILE |
		   BS_CAP_COMPARE_WRITE;
	bs->compare_write_max = RBDS_COMPARE_WRITE_MAX;
	return 0;
fail:
	rbd_release_all(r);
	if (r->efd >= 0)
		close(r->efd);
	pthread_mutex_destroy(&r->mu);
	free(r);
	return -1;
}

/* On a librbd thread: queue, and wake the loop. Nothing else. */
void rbd_done_cb(rbd_completion_t c, void *arg)
{
	(void)c;
	struct rbd_req *q = arg;
	struct bs_rbd *r = q->bs->priv;
	pthread_mutex_lock(&r->mu);
	q->next = r->done;
	r->done = q;
	pthread_mutex_unlock(&r->mu);
	uint64_t one = 1;
	ssize_t n = write(r->efd, &one, sizeof(one));
	(void)n; /* a full counter (EAGAIN) has woken the loop already */
}

void rbd_finish(struct bs *bs, struct rbd_req *q, enum rt_disk_status st)
{
	struct rt_disk_io *io = q->io;
	io->status = st;
	free(q);
	bs->complete(bs->complete_ctx, io);
}

/* MAP_STATUS through rbd_diff_iterate2 (allocated extents, no snapshot
 * to compare with): synchronous, on this thread. */
static enum rt_disk_status rbd_map_status(struct bs_rbd *r, struct rt_disk_io *io)
{
	struct rbds_map m = { .off = io->offset, .end = io->offset + io->len };
	int rc = rbd_diff_iterate2(r->image, NULL, io->offset, io->len, 1, 0, rbds_map_extent, &m);
	if (rc < 0 && rc != -EINTR)
		return rbd_status(r, rc, io->op);
	rbds_map_answer(&m, io);
	return RT_DISK_OK;
}

static int rbd_start(struct bs_rbd *r, struct rbd_req *q)
{
	struct rt_disk_io *io = q->io;
	char *buf = (char *)io->buf;
	if (q->stage == RBD_STAGE_FUA_FLUSH)
		return rbd_aio_flush(r->image, q->c);
	switch (io->op) {
	case RT_DISK_READ:
		return rbd_aio_read(r->image, io->offset, io->len, buf, q->c);
	case RT_DISK_WRITE:
		return rbd_aio_write(r->image, io->offset, io->len, buf, q->c);
	case RT_DISK_FLUSH:
		return rbd_aio_flush(r->image, q->c);
	case RT_DISK_UNMAP:
		return rbd_aio_discard(r->image, io->offset, io->len, q->c);
	case RT_DISK_WRITE_ZEROES:
		return rbd_aio_write_zeroes(r->image, io->offset, io->len, q->c, 0, 0);
	case RT_DISK_COMPARE_WRITE: /* buf: the compare half, then the write half */
		q->mismatch_off = UINT64_MAX; /* left so (unknown): rbds_mismatch names byte 0 */
		return (int)rbd_aio_compare_and_write(r->image, io->offset, io->len, buf, buf + io->len, q->c,
						      &q->mismatch_off, 0);
	case RT_DISK_MAP_STATUS:
	case RT_DISK_PR_LOAD:
	case RT_DISK_PR_STORE:
	case RT_DISK_ALUA_SET:
		break; /* synchronous or a RADOS op (rbd_record_start), never here */
	}
	return -EINVAL;
}

/* Hand q (its stage set) to librbd; a refusal finishes it at once. */
static void rbd_issue(struct bs *bs, struct rbd_req *q)
{
	struct bs_rbd *r = bs->priv;
	int rc = rbd_aio_create_completion(q, rbd_done_cb, &q->c);
	if (rc == 0) {
		rc = rbd_start(r, q);
		if (rc >= 0) {
			r->inflight++;
			r->inflight_io++;
			return;
		}
		rbd_aio_release(q->c);
	}
	rbd_finish(bs, q, rbd_status(r, rc, q->io->op));
}

static void rbd_record_release(struct rbd_req *q)
{
	if (q->rop)
		rados_release_read_op(q->rop);
	if (q->wop)
		rados_release_write_op(q->wop);
}

/* PR_LOAD: read the object whole (the engine's buffer is one byte longer
 * than any valid record, so a longer object shows as one). PR_STORE:
 * replace it whole if its version is still the loaded one. */
static int rbd_record_start(struct bs_rbd *r, struct rbd_req *q)
{
	struct rt_disk_io *io = q->io;
	if (io->op == RT_DISK_PR_LOAD) {
		q->rop = rados_create_read_op();
		if (q->rop == NULL)
			return -ENOMEM;
		rados_read_op_read(q->rop, 0, io->len, (char *)io->buf, &q->bytes_read, &q->prval);
		return rados_aio_read_op_operate(q->rop, r->ioctx, q->rc, r->pr_oid, 0);
	}
	q->wop = rados_create_write_op();
	if (q->wop == NULL)
		return -ENOMEM;
	if (io->version == 0)
		rados_write_op_create(q->wop, LIBRADOS_CREATE_EXCLUSIVE, NULL);
	else
		rados_write_op_assert_version(q->wop, io->version);
	rados_write_op_write_full(q->wop, (const char *)io->buf, io->len);
	return rados_aio_write_op_operate(q->wop, r->ioctx, q->rc, r->pr_oid, NULL, 0);
}

static void rbd_record_submit(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_rbd *r = bs->priv;
	io->status = RT_DISK_OK;
	if (!r->pr_shared || r->fenced) {
		io->status = r->fenced ? RT_DISK_ERR_BLOCKLISTED : RT_DISK_ERR_UNSUPPORTED;
		bs->complete(bs->complete_ctx, io);
		return;
	}
	struct rbd_req *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		io->status = io->op == RT_DISK_PR_LOAD ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
		bs->complete(bs->complete_ctx, io);
		return;
	}
	q->bs = bs;
	q->io = io;
	q->stage = RBD_STAGE_RECORD;
	/* rados_callback_t and rbd_callback_t are the same type */
	int rc = rados_aio_create_completion(q, rbd_done_cb, NULL, &q->rc);
	if (rc == 0) {
		rc = rbd_record_start(r, q);
		if (rc == 0) {
			r->inflight++;
			return;
		}
		rados_aio_release(q->rc);
	}
	rbd_record_release(q);
	bool none;
	rbd_finish(bs, q, rbds_record_status(rc, io->op, &none, &r->fenced));
}

static int rbd_notify(struct bs_rbd *r, struct rbd_req *q);

static void rbd_record_reaped(struct bs *bs, struct rbd_req *q)
{
	struct bs_rbd *r = bs->priv;
	struct rt_disk_io *io = q->io;
	long rc = (long)rados_aio_get_return_value(q->rc);
	uint64_t version = rados_aio_get_version(q->rc);
	rados_aio_release(q->rc);
	rbd_record_release(q);
	r->inflight--;
	bool none;
	enum rt_disk_status st = rbds_record_status(rc, io->op, &none, &r->fenced);
	if (st == RT_DISK_OK && io->op == RT_DISK_PR_LOAD) {
		io->run_len = none ? 0 : q->bytes_read;
		io->version = none ? 0 : version;
	} else if (st == RT_DISK_OK) {
		io->version = version;
		if (r->watch.watching && rbd_notify(r, q) == 0)
			return; /* answered once the others know (rbd_watch.h) */
	}
	rbd_finish(bs, q, st);
}

/* After a store: tell every gateway watching the record, and wait (at
 * most RBD_PR_NOTIFY_TIMEOUT_MS) until each has marked its cache stale. */
static int rbd_notify(struct bs_rbd *r, struct rbd_req *q)
{
	q->stage = RBD_STAGE_NOTIFY;
	q->reply = NULL;
	int rc = rados_aio_create_completion(q, rbd_done_cb, NULL, &q->rc);
	if (rc != 0)
		return rc;
	rc = rados_aio_notify(r->ioctx, r->pr_oid, q->rc, "", 0, RBD_PR_NOTIFY_TIMEOUT_MS, &q->reply, &q->reply_len);
	if (rc != 0) {
		rados_aio_release(q->rc);
		return rc;
	}
	r->inflight++;
	return 0;
}

void rbd_log(struct bs *bs, bool warn, const char *fmt, ...)
{
	char msg[RBD_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (bs->log != NULL)
		bs->log(bs->complete_ctx, bs, warn, msg);
}

/* A notify timed out: blocklist every watcher it names as silent (dead,
 * stopped or cut off: it may wake with the old state), by the address it
 * registered, before the store is answered. */
static void rbd_fence_silent(struct bs *bs, struct rbd_req *q)
{
	struct bs_rbd *r = bs->priv;
	struct notify_ack_t *acks = NULL;
	struct notify_timeout_t *silent = NULL;
	size_t nacks = 0, nsilent = 0;
	if (q->reply == NULL ||
	    rados_decode_notify_response(q->reply, q->reply_len, &acks, &nacks, &silent, &nsilent) != 0) {
		rbd_log(bs, true, "rbd: %s: a notify timed out and its answer does not decode: no gateway fenced",
			r->pr_oid);
		return;
	}
	for (size_t i = 0; i < nsilent; i++) {
		uint64_t id = silent[i].notifier_id;
		if (id == r->watch.self)
			continue;
		char name[32], addr[RBD_ADDR_MAX];
		snprintf(name, sizeof(name), "%" PRIu64, id);
		int n = rados_getxattr(r->ioctx, r->gw_oid, name, addr, sizeof(addr) - 1);
		if (n <= 0) {
			rbd_log(bs, true, "rbd: client.%" PRIu64 " did not acknowledge a PR change within %u ms and "
				"registered no address in %s: not fenced", id, RBD_PR_NOTIFY_TIMEOUT_MS, r->gw_oid);
			continue;
		}
		addr[n] = '\0';
		int rc = rados_blocklist_add(r->cluster, addr, 0);
		r->pr_fenced++;
		rbd_log(bs, true, "rbd: client.%" PRIu64 " (%s) did not acknowledge a PR change within %u ms: %s", id,
			addr, RBD_PR_NOTIFY_TIMEOUT_MS, rc == 0 ? "blocklisted" : strerror(-rc));
	}
	rados_free_notify_response(acks, nacks, silent);
}

/* The notify ended: the store stands; a gateway that did not acknowledge
 * is fenced before the initiator hears GOOD. */
static void rbd_notified(struct bs *bs, struct rbd_req *q)
{
	struct bs_rbd *r = bs->priv;
	long rc = (long)rados_aio_get_return_value(q->rc);
	rados_aio_release(q->rc);
	r->inflight--;
	if (rc < 0) {
		r->notify_timeouts++;
		rbd_fence_silent(bs, q);
	}
	if (q->reply != NULL)
		rados_buffer_free(q->reply);
	rbd_finish(bs, q, RT_DISK_OK);
}

static void rbd_submit(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_rbd *r = bs->priv;
	enum rt_disk_status st = RT_DISK_OK;
	if (io->op == RT_DISK_PR_LOAD || io->op == RT_DISK_PR_STORE) {
		rbd_record_submit(bs, io);
		return;
	}
	if (io->op == RT_DISK_ALUA_SET) {
		rbd_own_set(bs, io);
		return;
	}
	if (!bs_io_start(bs, io)) {
		bs->complete(bs->complete_ctx, io);
		return;
	}
	if (r->fenced)
		st = RT_DISK_ERR_BLOCKLISTED; /* nothing will ever succeed */
	else if (io->op == RT_DISK_WRITE && (io->flags & RT_DISK_ATOMIC))
		st = RT_DISK_ERR_UNSUPPORTED; /* librbd promises no atomicity across objects */
	else if (rbds_is_write(io->op))
		st = rbd_own_write(bs);
	if (st == RT_DISK_OK && io->op == RT_DISK_MAP_STATUS)
		st = rbd_map_status(r, io);
	if (st != RT_DISK_OK || io->op == RT_DISK_MAP_STATUS || (rbds_is_write(io->op) && io->len == 0)) {
		io->status = st;
		bs->complete(bs->complete_ctx, io);
		return;
	}
	struct rbd_req *q = calloc(1, sizeof(*q));
	if (q == NULL) {
		io->status = io->op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
		bs->complete(bs->complete_ctx, io);
		return;
	}
	q->bs = bs;
	q->io = io;
	rbd_issue(bs, q);
}

static void rbd_reap(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	uint64_t count;
	ssize_t n = read(r->efd, &count, sizeof(count));
	(void)n; /* EAGAIN: a reap before us took the count; the list says */
	if (r->pr_shared) {
		/* the owner marks its cached PR state stale, then we say so */
		if (rbd_watch_take(&r->watch) && bs->record_changed != NULL)
			bs->record_changed(bs->complete_ctx, bs);
		rbd_watch_ack(&r->watch);
	}
	pthread_mutex_lock(&r->mu);
	struct rbd_req *q = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->mu);
	while (q != NULL) {
		struct rbd_req *next = q->next;
		if (q->stage == RBD_STAGE_RECORD || q->stage == RBD_STAGE_NOTIFY || q->stage == RBD_STAGE_OWN_NOTIFY) {
			if (q->stage == RBD_STAGE_RECORD)
				rbd_record_reaped(bs, q);
			else if (q->stage == RBD_STAGE_NOTIFY)
				rbd_notified(bs, q);
			else
				rbd_own_reaped(bs, q);
			q = next;
			continue;
		}
		long rc = (long)rbd_aio_get_return_value(q->c);
		rbd_aio_release(q->c);
		r->inflight--;
		r->inflight_io--;
		enum rt_disk_status st = rbd_status(r, rc, q->io->op);
		if (st == RT_DISK_MISCOMPARE)
			q->io->run_len = rbds_mismatch(q->io, q->mismatch_off, r->obj_size);
		bool writes = q->io->op == RT_DISK_WRITE || q->io->op == RT_DISK_COMPARE_WRITE;
		if (st == RT_DISK_OK && q->stage == RBD_STAGE_IO && writes && (q->io->flags & RT_DISK_FUA)) {
			q->stage = RBD_STAGE_FUA_FLUSH;
			rbd_issue(bs, q);
		} else {
			rbd_finish(bs, q, st);
		}
		q = next;
	}
	rbd_own_reap(bs); /* after the completions: a hand-over waits for them */
}

static enum rt_alua_state rbd_alua_state(const struct bs *bs, uint16_t group, enum rt_alua_state non_owner)
{
	return rbd_own_state(bs, group, non_owner);
}

static void rbd_bs_close(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	if (r == NULL)
		return;
	bs->record_changed = NULL; /* its owner is going away */
	bs->alua_changed = NULL;
	/* librbd fails what it holds within the operation timeout; wait for
	 * that, completing each (the owner drops them). */
	int wait_ms = (int)(r->op_timeout_s + RBD_CLOSE_SLACK_S) * 1000;
	uint64_t deadline = rbd_now_ns() + (uint64_t)wait_ms * 1000000u;
	while (r->inflight > 0 && rbd_now_ns() < deadline) {
		struct pollfd p = { .fd = r->efd, .events = POLLIN };
		if (poll(&p, 1, 100) > 0)
			rbd_reap(bs);
	}
	if (r->inflight == 0) {
		rbd_release_all(r);
		pthread_mutex_destroy(&r->mu);
		close(r->efd);
		free(r);
	} /* else librbd still holds requests that point at r and at the
	     eventfd: leave both (the process is ending) */
	bs->priv = NULL;
}

static int rbd_event_fd(const struct bs *bs)
{
	const struct bs_rbd *r = bs->priv;
	return r != NULL ? r->efd : -1;
}

const struct bs_ops bs_rbd_ops = {
	.name = "rbd",
	.open = rbd_bs_open,
	.submit = rbd_submit,
	.close = rbd_bs_close,
	.event_fd = rbd_event_fd,
	.reap = rbd_reap,
	.takeover = rbd_own_takeover,
	.alua_state = rbd_alua_state,
	.deadline = rbd_own_deadline,
};

#endif /* BS_HAVE_RBD */
