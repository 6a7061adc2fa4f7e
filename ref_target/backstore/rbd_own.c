/* rbd_own: which gateway owns an RBD image, and the ALUA states that
 * follow (rbd_alua.h has the rules and the ownership record).
 *
 * Ownership is the image's exclusive lock, held explicitly
 * (rbd_lock_acquire): librbd then refuses other clients' requests for it,
 * so two gateways cannot pass it back and forth on every write
 * (tcmu-runner #341, #350). A gateway that does not own answers writes
 * FENCED (an ALUA transition: retry, perhaps elsewhere). With an
 * "alua_group" the owner's group is also written to the ownership record
 * "<image>.alua", which every gateway watches, so that all of them report
 * the same states. The lock moves only so:
 *
 *   first write   a lock nobody holds is taken by a gateway the record
 *                 does not rule out (no owner yet, or this one);
 *   SET TARGET PORT GROUPS naming our group (RT_DISK_ALUA_SET), within
 *                 the transfer bound: we ask the owner to hand over (a
 *                 notify "release" on the record); the owner stops taking
 *                 writes (its group TRANSITIONING), waits for those in
 *                 flight, releases the lock and only then acknowledges;
 *                 we take the lock. An owner that does not acknowledge
 *                 within RBD_OWN_RELEASE_MS (dead, stopped, cut off) is
 *                 fenced instead: blocklisted by its full address, its
 *                 lock broken, as a takeover does. Then the record names
 *                 us, a notify tells the others, and the STPG is GOOD;
 *   SET TARGET PORT GROUPS naming another group: a notify "take <group>";
 *                 that gateway does the above, and acknowledges once done;
 *                 GOOD if the record then names it;
 *   takeover      the operator's (SIGUSR1, bs_ops.takeover): blocklist the
 *                 owner by its full client address (ip:port/nonce, as
 *                 librbd names lock owners: never a bare IP, every gateway
 *                 here may share one), break its lock, take the lock;
 *                 never refused by the bound, only counted. With
 *                 break_unfenced (the failover test's unfenced twin) the
 *                 break blocklists nobody, and the old owner, which still
 *                 believes it owns, lands what it had queued.
 *
 * An owner that handed the lock over reports its group TRANSITIONING
 * until the new owner writes the record; a new owner that dies before
 * that would leave it so for ever. So the hand-over is bounded
 * (RBDA_TRANSITION_MAX_MS, from the release; the daemon's loop wakes us
 * through bs_ops.deadline): past it, the record is read again and
 * rbda_handover_next says what our group becomes.
 *
 * A fenced owner's I/O fails with -ESHUTDOWN (Ceph's EBLOCKLISTED) at the
 * OSDs, whatever it had queued: BLOCKLISTED for good (it must be
 * restarted to serve), answered "target port unavailable", and its own
 * group reports UNAVAILABLE. The record's reads and writes are
 * synchronous (a few RADOS round trips at a move or a notify, bounded by
 * the operation timeout); the notifies, which wait for other gateways,
 * are not. Runs on the daemon's loop, like rbd.c.
 */
#include "rbd_int.h"

#ifdef BS_HAVE_RBD

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rbd_status.h"

/* Lock owners read at a takeover (two gateways, plus room). */
#define RBD_OWNERS_MAX 8u
/* What a takeover says it did. */
#define RBD_OWN_SUFFIX ".alua"
/* How long an owner may take to drain and release the lock when another
 * gateway asks for it, before that gateway fences it instead. */
#define RBD_OWN_RELEASE_MS 3000u
/* How long a "take" asked of another gateway may take: its own release
 * request, and slack. */
#define RBD_OWN_TAKE_MS (2u * RBD_OWN_RELEASE_MS + 2000u)
/* Record stores lost to another gateway's before giving up. */
#define RBD_OWN_TRIES_MAX 4u
#define RBD_OWN_RELEASE "release"
#define RBD_OWN_TAKE "take "

static uint64_t own_now_s(void)
{
	/* the record is compared across gateways: wall-clock time */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

static void own_changed(struct bs *bs)
{
	if (bs->alua_changed != NULL)
		bs->alua_changed(bs->complete_ctx, bs);
}

/* A RADOS answer on the record: blocklisted is for good. */
static int own_rc(struct bs_rbd *r, int rc)
{
	if (rc == -ESHUTDOWN)
		r->fenced = true;
	return rc;
}

/* Read the record (waiting for it); 0 or a negative errno. */
static int own_load(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	char buf[RBDA_RECORD_MAX];
	rados_completion_t c;
	int rc = rados_aio_create_completion(NULL, NULL, NULL, &c);
	if (rc < 0)
		return rc;
	rc = rados_aio_read(r->ioctx, o->oid, c, buf, sizeof(buf), 0);
	if (rc == 0) {
		rados_aio_wait_for_complete(c);
		rc = rados_aio_get_return_value(c);
	}
	uint64_t version = rados_aio_get_version(c);
	rados_aio_release(c);
	if (rc < 0)
		return own_rc(r, rc);
	struct rbda_record rec;
	if (rbda_decode(&rec, buf, (size_t)rc) != 0)
		rbd_log(bs, true, "rbd: %s: not an ownership record (%d bytes): read as 'no owner'", o->oid, rc);
	o->rec = rec;
	o->rec_version = version;
	if ((o->moving != 0 || o->stranded != 0) && rec.gen != o->moving_gen)
		o->moving = 0, o->stranded = 0; /* the new owner wrote */
	return 0;
}

/* Replace the record with rec if nobody wrote since we read it. */
static int own_store(struct bs *bs, const struct rbda_record *rec)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	char buf[RBDA_RECORD_MAX];
	size_t len = rbda_encode(rec, buf, sizeof(buf));
	rados_write_op_t op = rados_create_write_op();
	if (op == NULL)
		return -ENOMEM;
	rados_write_op_assert_version(op, o->rec_version);
	rados_write_op_write_full(op, buf, len);
	rados_completion_t c;
	int rc = rados_aio_create_completion(NULL, NULL, NULL, &c);
	if (rc == 0) {
		rc = rados_aio_write_op_operate(op, r->ioctx, c, o->oid, NULL, 0);
		if (rc == 0) {
			rados_aio_wait_for_complete(c);
			rc = rados_aio_get_return_value(c);
		}
		if (rc == 0) {
			o->rec = *rec;
			o->rec_version = rados_aio_get_version(c);
		}
		rados_aio_release(c);
	}
	rados_release_write_op(op);
	return own_rc(r, rc);
}

/* Notify the record's watchers with payload; io (NULL: nobody waits) is
 * finished when every watcher acknowledged or timeout_ms passed
 * (rbd_own_reaped). 0, or a negative errno (nothing started). */
static int own_notify(struct bs *bs, const char *payload, struct rt_disk_io *io, uint16_t group,
		      uint64_t timeout_ms)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_req *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->bs = bs;
	q->io = io;
	q->group = group;
	q->stage = RBD_STAGE_OWN_NOTIFY;
	int rc = rados_aio_create_completion(q, rbd_done_cb, NULL, &q->rc);
	if (rc == 0) {
		rc = rados_aio_notify(r->ioctx, r->own.oid, q->rc, payload, (int)strlen(payload), timeout_ms, &q->reply,
				      &q->reply_len);
		if (rc == 0) {
			r->inflight++;
			return 0;
		}
		rados_aio_release(q->rc);
	}
	free(q);
	return own_rc(r, rc);
}

/* We hold the lock: the record names our group (a transfer, counted),
 * the others are told. Never refused: the bound was checked before the
 * lock was taken. */
static void own_commit(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	r->owner = true;
	o->moving = 0;
	o->stranded = 0;
	int rc = 0;
	for (uint32_t i = 0; i < RBD_OWN_TRIES_MAX && o->rec.owner != o->group; i++) {
		struct rbda_record next = o->rec;
		rbda_transferred(&next, o->group, own_now_s());
		rc = own_store(bs, &next);
		if (rc == 0) {
			o->moves++;
			break;
		}
		if (rc != -ERANGE && rc != -EOVERFLOW)
			break;
		rc = own_load(bs); /* another gateway wrote: on top of it */
		if (rc < 0)
			break;
	}
	if (o->rec.owner != o->group)
		rbd_log(bs, true, "rbd: %s holds the lock, but %s does not say so (%s): the others' ALUA states are stale",
			r->addr, o->oid, strerror(-rc));
	else if (own_notify(bs, "", NULL, 0, RBD_OWN_RELEASE_MS) != 0)
		rbd_log(bs, true, "rbd: %s: cannot notify the other gateways", o->oid);
	else
		rbd_log(bs, false, "rbd: %s: group %u owns the lock (transfer %u in the last %u s, gen %llu)", o->oid,
			(unsigned)o->group, rbda_recent(&o->rec, own_now_s()), RBDA_WINDOW_S,
			(unsigned long long)o->rec.gen);
	own_changed(bs);
}

/* Does another client hold the lock (or might it: unknown counts)? */
static bool own_held_elsewhere(struct bs_rbd *r)
{
	rbd_lock_mode_t mode;
	char *owners[RBD_OWNERS_MAX];
	size_t n = RBD_OWNERS_MAX;
	int rc = rbd_lock_get_owners(r->image, &mode, owners, &n);
	if (rc == -ENOENT)
		return false;
	if (rc < 0)
		return own_rc(r, rc), true;
	bool other = false;
	for (size_t i = 0; i < n; i++) {
		char addr[RBD_ADDR_MAX];
		other = other || rbds_owner_addr(owners[i], addr, sizeof(addr)) != 0 || strcmp(addr, r->addr) != 0;
	}
	rbd_lock_get_owners_cleanup(owners, n);
	return other;
}

/* Blocklist whoever holds the lock (by full address), break it, take it:
 * 0, or -1 with why in msg; msg says what was done either way. */
static int own_break_and_take(struct bs *bs, char *msg, size_t msg_len)
{
	struct bs_rbd *r = bs->priv;
	rbd_lock_mode_t mode;
	char *owners[RBD_OWNERS_MAX];
	size_t n = RBD_OWNERS_MAX;
	int rc = rbd_lock_get_owners(r->image, &mode, owners, &n);
	if (rc == -ENOENT)
		n = 0; /* nobody holds it */
	else if (rc < 0)
		return rbd_fail(msg, msg_len, "lock owners", own_rc(r, rc));
	char done[RBD_MSG_MAX] = "";
	for (size_t i = 0; i < n && rc >= 0; i++) {
		char addr[RBD_ADDR_MAX];
		/* Blocklist the instance, ip:port/nonce: a bare IP would
		 * fence every client on that host, this gateway included. */
		if (rbds_owner_addr(owners[i], addr, sizeof(addr)) != 0) {
			snprintf(done + strlen(done), sizeof(done) - strlen(done), " owner '%s' has no address;",
				 owners[i]);
			rc = -EINVAL;
			break;
		}
		if (strcmp(addr, r->addr) == 0)
			continue; /* ours (lock_auto took it) */
		/* The unfenced twin (break_unfenced) only breaks: the old
		 * owner keeps its client, and what it has queued lands. */
		rc = r->break_unfenced ? 0 : rados_blocklist_add(r->cluster, addr, 0);
		if (rc == 0)
			snprintf(done + strlen(done), sizeof(done) - strlen(done),
				 r->break_unfenced ? " broke %s's lock UNFENCED (blocklist_on_break false);"
						   : " blocklisted %s;",
				 addr);
		if (rc >= 0)
			rc = rbd_lock_break(r->image, RBD_LOCK_MODE_EXCLUSIVE, owners[i]);
	}
	if (rc == 0 || n == 0) /* (n == 0: rc is still ENOENT) */
		rc = rbd_lock_acquire(r->image, RBD_LOCK_MODE_EXCLUSIVE);
	if (n > 0)
		rbd_lock_get_owners_cleanup(owners, n);
	if (rc < 0) {
		snprintf(msg, msg_len, "rbd: takeover by %s failed:%s %s", r->addr, done, strerror(-own_rc(r, rc)));
		return -1;
	}
	r->owner = true;
	snprintf(msg, msg_len, "rbd: %s took the exclusive lock:%s", r->addr, n ? done : " it was free");
	return 0;
}

int rbd_own_open(struct bs *bs, const char *image, uint16_t group, char *err, size_t err_len)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	o->group = group;
	if (group == 0)
		return 0;
	if ((size_t)snprintf(o->oid, sizeof(o->oid), "%s%s", image, RBD_OWN_SUFFIX) >= sizeof(o->oid)) {
		snprintf(err, err_len, "rbd: image name longer than %zu bytes", sizeof(o->oid) - sizeof(RBD_OWN_SUFFIX));
		return -1;
	}
	o->watch = (struct rbd_watch){ .ioctx = r->ioctx, .oid = o->oid, .mu = &r->mu, .efd = r->efd,
				       .self = rados_get_instance_id(r->cluster) };
	int rc = rbd_watch_start(&o->watch);
	if (rc == 0)
		rc = own_load(bs);
	if (rc < 0) {
		snprintf(err, err_len, "rbd: ownership record %s: %s", o->oid, strerror(-rc));
		return -1;
	}
	return 0;
}

void rbd_own_stop(struct bs_rbd *r)
{
	if (r->own.watch.watching)
		rbd_watch_stop(&r->own.watch);
}

/* Before a write: the lock, taken at the first one if it is ours to take. */
enum rt_disk_status rbd_own_write(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	if (r->lock_auto)
		return RT_DISK_OK;
	if (o->releasing || o->moving != 0)
		return RT_DISK_ERR_FENCED; /* handing over: the new owner writes */
	if (r->owner)
		return RT_DISK_OK;
	if (o->group != 0 && o->rec.owner != 0 && o->rec.owner != o->group)
		return RT_DISK_ERR_FENCED; /* another gateway's: moved only by STPG or takeover */
	/* a held lock is not asked for (see own_take_start): answered as
	 * librbd's refusal would be */
	int rc = own_held_elsewhere(r) ? -EROFS : rbd_lock_acquire(r->image, RBD_LOCK_MODE_EXCLUSIVE);
	if (rc != 0)
		return r->fenced ? RT_DISK_ERR_BLOCKLISTED : rbds_lock_status(rc, &r->fenced);
	r->owner = true;
	if (o->group != 0)
		own_commit(bs);
	return RT_DISK_OK;
}

/* Take the lock for our group (an STPG here, or a "take" asked by another
 * gateway): 0 done, 1 started (a release asked of the owner: io finishes
 * in rbd_own_reaped), or a status to answer with. */
static int own_take_start(struct bs *bs, struct rt_disk_io *io, enum rt_disk_status *st)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	*st = RT_DISK_OK;
	if (r->fenced) {
		*st = RT_DISK_ERR_BLOCKLISTED;
		return 0;
	}
	if (o->releasing || o->taking) {
		*st = RT_DISK_ERR_FENCED; /* a move is under way: one at a time */
		return 0;
	}
	int rc = own_load(bs); /* the latest transfers, for the bound */
	if (rc < 0) {
		*st = rbds_status(rc, RT_DISK_WRITE, &r->fenced);
		return 0;
	}
	if (r->owner && !o->releasing && o->rec.owner == o->group)
		return 0; /* already */
	uint64_t now = own_now_s();
	if (!rbda_may_transfer(&o->rec, now)) {
		o->refused++;
		rbd_log(bs, true,
			"rbd: %s: group %u asked for the lock: refused, %u transfers in the last %u s "
			"(RBDA_TRANSFERS_MAX %u)",
			o->oid, (unsigned)o->group, rbda_recent(&o->rec, now), RBDA_WINDOW_S, RBDA_TRANSFERS_MAX);
		*st = RT_DISK_ERR_FENCED;
		return 0;
	}
	/* Only a free lock is asked for: librbd would ask a holder for it
	 * and wait for its answer, up to rbd_request_timed_out_seconds (30 s)
	 * on this loop if the holder is stopped. */
	rc = r->owner ? 0 : own_held_elsewhere(r) ? -EBUSY : rbd_lock_acquire(r->image, RBD_LOCK_MODE_EXCLUSIVE);
	if (rc == 0) {
		own_commit(bs);
		return 0;
	}
	if (rc != -EROFS && rc != -EBUSY) {
		*st = rbds_lock_status(rc, &r->fenced);
		return 0;
	}
	/* another gateway holds it: ask it to hand over */
	rc = own_notify(bs, RBD_OWN_RELEASE, io, o->group, RBD_OWN_RELEASE_MS);
	if (rc < 0) {
		*st = rbds_status(rc, RT_DISK_WRITE, &r->fenced);
		return 0;
	}
	o->taking = true;
	return 1;
}

/* The owner acknowledged our release request, or did not in time. */
static enum rt_disk_status own_take_finish(struct bs *bs, int notify_rc)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	o->taking = false;
	/* (a lock still held is not asked for: see own_take_start) */
	int rc = own_held_elsewhere(r) ? -EBUSY : rbd_lock_acquire(r->image, RBD_LOCK_MODE_EXCLUSIVE);
	if (rc == -EROFS || rc == -EBUSY) {
		char msg[RBD_MSG_MAX];
		/* not released in time: fence it */
		rc = own_break_and_take(bs, msg, sizeof(msg)) == 0 ? 0 : -EBUSY;
		rbd_log(bs, true, "rbd: %s: the owner did not hand over (%s): %s", o->oid,
			notify_rc < 0 ? strerror(-notify_rc) : "acknowledged, lock still held", msg);
	}
	if (rc < 0)
		return r->fenced ? RT_DISK_ERR_BLOCKLISTED : RT_DISK_ERR_FENCED;
	own_commit(bs);
	return RT_DISK_OK;
}

void rbd_own_set(struct bs *bs, struct rt_disk_io *io)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	uint16_t group = (uint16_t)io->offset;
	enum rt_disk_status st = RT_DISK_OK;
	if (o->group == 0 || io->offset > UINT16_MAX) {
		st = RT_DISK_ERR_UNSUPPORTED;
	} else if (r->fenced) {
		st = RT_DISK_ERR_BLOCKLISTED;
	} else if (group == o->group) {
		if (own_take_start(bs, io, &st) == 1)
			return;
	} else {
		char payload[RBD_WATCH_REQUEST_MAX];
		snprintf(payload, sizeof(payload), RBD_OWN_TAKE "%u", (unsigned)group);
		int rc = own_notify(bs, payload, io, group, RBD_OWN_TAKE_MS);
		if (rc == 0)
			return;
		st = rbds_status(rc, RT_DISK_WRITE, &r->fenced);
	}
	io->status = st;
	bs->complete(bs->complete_ctx, io);
}

void rbd_own_reaped(struct bs *bs, struct rbd_req *q)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	int rc = rados_aio_get_return_value(q->rc);
	rados_aio_release(q->rc);
	if (q->reply != NULL)
		rados_buffer_free(q->reply);
	r->inflight--;
	struct rt_disk_io *io = q->io;
	enum rt_disk_status st = RT_DISK_OK;
	if (q->group == 0) {
		free(q); /* "the record changed": nothing waits */
		return;
	}
	if (q->group == o->group) {
		st = own_take_finish(bs, rc);
	} else if (own_load(bs) != 0 || o->rec.owner != q->group) {
		st = RT_DISK_ERR_FENCED; /* that gateway did not take it */
	}
	free(q);
	if (io != NULL) {
		io->status = st;
		bs->complete(bs->complete_ctx, io);
	}
}

/* Another gateway asked something of us through the record's watch. */
static void own_request(struct bs *bs, const char *req)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	if (strcmp(req, RBD_OWN_RELEASE) == 0) {
		if (r->owner && !o->releasing) {
			/* no new writes (our group TRANSITIONING); the
			 * acknowledgement waits until those in flight landed */
			o->releasing = true;
			o->moving = o->group;
			own_changed(bs);
		}
		return;
	}
	unsigned group = 0;
	if (sscanf(req, RBD_OWN_TAKE "%u", &group) == 1 && group == o->group && !o->taking) {
		enum rt_disk_status st;
		if (own_take_start(bs, NULL, &st) == 0 && st != RT_DISK_OK)
			rbd_log(bs, true, "rbd: %s: asked to take the lock for group %u: not taken", o->oid, group);
	}
}

/* Drained: hand the lock over. */
static void own_release(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	int rc = rbd_lock_release(r->image);
	if (rc < 0)
		rbd_log(bs, true, "rbd: %s: releasing the lock: %s", o->oid, strerror(-own_rc(r, rc)));
	else
		rbd_log(bs, false, "rbd: %s: group %u handed the lock over (drained)", o->oid, (unsigned)o->group);
	r->owner = false;
	o->releasing = false;
	o->moving = o->group; /* until the new owner writes the record */
	o->moving_gen = o->rec.gen;
	o->released_ns = rbd_now_ns();
	own_changed(bs);
}

/* The hand-over's bound passed (rbd_own_deadline) and the new owner did
 * not write the record: read it again, and leave TRANSITIONING as
 * rbda_handover_next says. A failed read keeps the record as last read,
 * and a lock whose holder cannot be read counts as held: stranded at
 * worst, never TRANSITIONING past the bound. */
static void own_handover_check(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	int rc = own_load(bs);
	if (rc < 0)
		rbd_log(bs, true, "rbd: %s: reading the record after a hand-over: %s", o->oid, strerror(-rc));
	if (o->moving == 0 || r->fenced) { /* the new owner wrote meanwhile, or we are blocklisted */
		own_changed(bs);
		return;
	}
	bool held = own_held_elsewhere(r);
	uint64_t now_ms = rbd_now_ns() / 1000000u;
	switch (rbda_handover_next(&o->rec, o->moving_gen, o->released_ns / 1000000u, now_ms, held)) {
	case RBDA_HANDOVER_WAIT:
		return; /* (not reached: called once the bound passed) */
	case RBDA_HANDOVER_RECORDED:
		o->moving = 0;
		break;
	case RBDA_HANDOVER_RESUME:
		o->moving = 0;
		rbd_log(bs, true, "rbd: %s: nobody took the lock group %u handed over within %u ms: group %u serves again",
			o->oid, (unsigned)o->group, RBDA_TRANSITION_MAX_MS, (unsigned)o->group);
		break;
	case RBDA_HANDOVER_STRANDED:
		o->moving = 0;
		o->stranded = o->group;
		rbd_log(bs, true,
			"rbd: %s: the lock group %u handed over is held, but %u ms later %s names no new owner: group %u "
			"standby until asked for (SET TARGET PORT GROUPS fences the holder)",
			o->oid, (unsigned)o->group, RBDA_TRANSITION_MAX_MS, o->oid, (unsigned)o->group);
		break;
	}
	own_changed(bs);
}

uint64_t rbd_own_deadline(const struct bs *bs)
{
	const struct bs_rbd *r = bs->priv;
	if (r == NULL)
		return UINT64_MAX;
	const struct rbd_own *o = &r->own;
	/* draining (releasing) is bounded by the operation timeout; the
	 * bound runs from the release */
	if (o->group == 0 || o->moving == 0 || o->releasing || r->fenced)
		return UINT64_MAX;
	return o->released_ns + (uint64_t)RBDA_TRANSITION_MAX_MS * 1000000u;
}

void rbd_own_reap(struct bs *bs)
{
	struct bs_rbd *r = bs->priv;
	struct rbd_own *o = &r->own;
	if (o->group == 0)
		return;
	char req[RBD_WATCH_REQUEST_MAX];
	if (rbd_watch_take(&o->watch) && !r->fenced) {
		if (own_load(bs) == 0 || r->fenced)
			own_changed(bs);
	}
	if (rbd_watch_request(&o->watch, req, sizeof(req)) && !r->fenced)
		own_request(bs, req);
	if (o->releasing && r->inflight_io == 0)
		own_release(bs);
	if (rbd_own_deadline(bs) <= rbd_now_ns())
		own_handover_check(bs);
	if (r->fenced && !o->fenced_told) { /* an I/O found us blocklisted */
		o->fenced_told = true;
		o->releasing = false;
		own_changed(bs);
	}
	/* a requester learns we are done only when we are */
	if (!o->releasing && !o->taking)
		rbd_watch_ack(&o->watch);
}

int rbd_own_takeover(struct bs *bs, char *msg, size_t msg_len)
{
	struct bs_rbd *r = bs->priv;
	if (r->fenced) {
		snprintf(msg, msg_len, "rbd: this gateway (%s) is blocklisted: restart it to serve", r->addr);
		return -1;
	}
	if (r->owner && !r->own.releasing) {
		snprintf(msg, msg_len, "rbd: %s already holds the lock", r->addr);
		return 0;
	}
	r->own.releasing = false;
	if (own_break_and_take(bs, msg, msg_len) != 0) {
		own_changed(bs);
		return -1;
	}
	if (r->own.group != 0) {
		own_load(bs);
		own_commit(bs);
	}
	return 0;
}

enum rt_alua_state rbd_own_state(const struct bs *bs, uint16_t group, enum rt_alua_state non_owner)
{
	const struct bs_rbd *r = bs->priv;
	const struct rbd_own *o = &r->own;
	if (r->fenced && group == o->group)
		return RT_ALUA_UNAVAILABLE; /* for good: initiators fail over */
	return rbda_state(o->rec.owner, o->moving, o->stranded, group, non_owner);
}

#endif /* BS_HAVE_RBD */
