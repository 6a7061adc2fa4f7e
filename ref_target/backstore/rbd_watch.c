/* rbd_watch: see rbd_watch.h. */
#include "rbd_watch.h"

#ifdef BS_HAVE_RBD

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void watch_wake(struct rbd_watch *w)
{
	uint64_t one = 1;
	ssize_t n = write(w->efd, &one, sizeof(one));
	(void)n; /* a full counter (EAGAIN) has woken the loop already */
}

/* On a librados thread. */
static void watch_notified(void *arg, uint64_t notify_id, uint64_t cookie, uint64_t notifier, void *data,
			   size_t len)
{
	struct rbd_watch *w = arg;
	bool now = notifier == w->self; /* our own store: nothing to reload */
	pthread_mutex_lock(w->mu);
	if (!now && len > 0) { /* a request (rbd_own.c), the last one wins */
		size_t n = len < RBD_WATCH_REQUEST_MAX - 1u ? len : RBD_WATCH_REQUEST_MAX - 1u;
		memcpy(w->request, data, n);
		w->request[n] = '\0';
		w->asked = true;
	}
	if (!now && w->nacks < RBD_WATCH_ACKS_MAX)
		w->acks[w->nacks++] = (struct rbd_watch_ack){ notify_id, cookie };
	else if (!now)
		now = true; /* no room: acknowledged before the loop saw it */
	if (notifier != w->self)
		w->changed = true;
	pthread_mutex_unlock(w->mu);
	if (now)
		rados_notify_ack(w->ioctx, w->oid, notify_id, cookie, NULL, 0);
	if (notifier != w->self)
		watch_wake(w);
}

/* On a librados thread: the watch is gone; what it missed is unknown. */
static void watch_failed(void *arg, uint64_t cookie, int err)
{
	(void)cookie;
	(void)err;
	struct rbd_watch *w = arg;
	pthread_mutex_lock(w->mu);
	w->changed = true;
	w->broken = true;
	pthread_mutex_unlock(w->mu);
	watch_wake(w);
}

int rbd_watch_start(struct rbd_watch *w)
{
	rados_write_op_t op = rados_create_write_op();
	if (op == NULL)
		return -ENOMEM;
	rados_write_op_create(op, LIBRADOS_CREATE_IDEMPOTENT, NULL);
	int rc = rados_write_op_operate(op, w->ioctx, w->oid, NULL, 0);
	rados_release_write_op(op);
	if (rc < 0)
		return rc;
	rc = rados_watch2(w->ioctx, w->oid, &w->cookie, watch_notified, watch_failed, w);
	w->watching = rc == 0;
	return rc;
}

bool rbd_watch_take(struct rbd_watch *w)
{
	pthread_mutex_lock(w->mu);
	bool changed = w->changed;
	w->changed = false;
	for (uint32_t i = 0; i < w->nacks && w->ntaken < RBD_WATCH_ACKS_MAX; i++)
		w->taken[w->ntaken++] = w->acks[i];
	w->nacks = 0;
	pthread_mutex_unlock(w->mu);
	return changed;
}

bool rbd_watch_request(struct rbd_watch *w, char *buf, size_t len)
{
	pthread_mutex_lock(w->mu);
	bool asked = w->asked;
	if (asked)
		snprintf(buf, len, "%s", w->request);
	w->asked = false;
	pthread_mutex_unlock(w->mu);
	return asked;
}

static void watch_ack_taken(struct rbd_watch *w)
{
	for (uint32_t i = 0; i < w->ntaken; i++)
		rados_notify_ack(w->ioctx, w->oid, w->taken[i].notify_id, w->taken[i].cookie, NULL, 0);
	w->ntaken = 0;
}

void rbd_watch_ack(struct rbd_watch *w)
{
	watch_ack_taken(w);
	pthread_mutex_lock(w->mu);
	bool broken = w->broken;
	w->broken = false;
	pthread_mutex_unlock(w->mu);
	if (!broken)
		return;
	if (w->watching)
		rados_unwatch2(w->ioctx, w->cookie);
	w->watching = rados_watch2(w->ioctx, w->oid, &w->cookie, watch_notified, watch_failed, w) == 0;
	if (!w->watching) { /* try again at the next reap; meanwhile every reap says "changed" */
		pthread_mutex_lock(w->mu);
		w->broken = w->changed = true;
		pthread_mutex_unlock(w->mu);
	}
}

void rbd_watch_stop(struct rbd_watch *w)
{
	if (w->watching)
		rados_unwatch2(w->ioctx, w->cookie);
	w->watching = false;
	rbd_watch_take(w);
	watch_ack_taken(w);
}

#endif /* BS_HAVE_RBD */
