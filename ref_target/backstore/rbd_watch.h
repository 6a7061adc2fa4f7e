/* rbd_watch: the watch on the PR record "<image>.pr" (rbd.c, pr_shared),
 * so that a gateway learns at once when another one stored the record.
 *
 * librados calls back on its own threads: the callback only records the
 * notify under the backstore's mutex and wakes the loop through its
 * eventfd, as rbd.c's I/O completions do. On the loop, reap takes what
 * arrived (rbd_watch_take), has the SCSI layer mark its cached state stale
 * (bs.record_changed), and only then acknowledges (rbd_watch_ack): the
 * storing gateway's notify completes once every live gateway has marked
 * its cache stale, and only then does it answer its initiator. A notify
 * of our own store is acknowledged at once and changes nothing. A watch
 * that fails (the OSD lost us for a while: notifies may have been missed)
 * counts as a change and is set up again. The ownership record
 * "<image>.alua" (rbd_own.c) is watched the same way; there a notify may
 * carry a request (a payload), which the loop reads with
 * rbd_watch_request, and whose acknowledgement it may hold back until it
 * has done what was asked (handed the lock over).
 * Only in a build with librbd (BS_HAVE_RBD). Owns the watch.
 */
#ifndef RT_BS_RBD_WATCH_H
#define RT_BS_RBD_WATCH_H

#include "bs.h"

#ifdef BS_HAVE_RBD

#include <pthread.h>
#include <rados/librados.h>
#include <stdbool.h>
#include <stdint.h>

/* Notifies held unacknowledged until the loop has passed them on; one
 * more is acknowledged at once (the notifier may then answer before this
 * gateway's cache is marked stale). */
#define RBD_WATCH_ACKS_MAX 64u
/* A notify's payload kept as a request (rbd_own.c: "release", "take N"). */
#define RBD_WATCH_REQUEST_MAX 32u

struct rbd_watch_ack {
	uint64_t notify_id, cookie;
};

struct rbd_watch {
	rados_ioctx_t ioctx;
	const char *oid;
	uint64_t self;   /* our instance id: notifies of our own stores */
	uint64_t cookie; /* the watch, while 'watching' */
	bool watching;
	pthread_mutex_t *mu; /* the backstore's: guards what follows */
	int efd;             /* the backstore's eventfd */
	bool changed;        /* a notify from another gateway, or a failed watch */
	bool broken;         /* the watch failed: set it up again */
	bool asked;          /* a notify with a payload came: request holds it */
	char request[RBD_WATCH_REQUEST_MAX];
	uint32_t nacks;
	struct rbd_watch_ack acks[RBD_WATCH_ACKS_MAX];
	/* the loop's own: taken by rbd_watch_take, acknowledged by rbd_watch_ack */
	uint32_t ntaken;
	struct rbd_watch_ack taken[RBD_WATCH_ACKS_MAX];
};

/* Create the object if there is none (a watch needs one) and watch it;
 * 0, or a negative errno. */
int rbd_watch_start(struct rbd_watch *w);
/* On the loop: true if the record may have changed since the last call;
 * the notifies behind it wait for rbd_watch_ack. */
bool rbd_watch_take(struct rbd_watch *w);
/* On the loop: true, and the payload in buf, if another client's notify
 * carried one since the last call (the last such one). */
bool rbd_watch_request(struct rbd_watch *w, char *buf, size_t len);
/* On the loop, after the change was passed on: acknowledge, and set a
 * failed watch up again (a blocking call, bounded by the operation
 * timeout; a rare event). */
void rbd_watch_ack(struct rbd_watch *w);
void rbd_watch_stop(struct rbd_watch *w);

#endif /* BS_HAVE_RBD */
#endif
