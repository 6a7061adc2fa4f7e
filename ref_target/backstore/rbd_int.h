/* rbd_int: what rbd.c (the I/O) and rbd_own.c (ownership: the exclusive
 * lock, the ownership record, ALUA) share. Only in a build with librbd.
 */
#ifndef RT_BS_RBD_INT_H
#define RT_BS_RBD_INT_H

#include "bs.h"

#ifdef BS_HAVE_RBD

#include <pthread.h>
#include <rados/librados.h>
#include <rbd/librbd.h>

#include "rbd_alua.h"
#include "rbd_watch.h"

/* A client address, "127.0.0.1:0/3012345678" or an IPv6 one. */
#define RBD_ADDR_MAX 128u
/* A RADOS object name beside the image, "<image>.pr" (RBD image names
 * are short). */
#define RBD_OID_MAX 128u
#define RBD_MSG_MAX 384u

enum rbd_stage {
	RBD_STAGE_IO = 0,     /* the request itself */
	RBD_STAGE_FUA_FLUSH,  /* a FUA write's flush, after the write */
	RBD_STAGE_RECORD,     /* PR_LOAD/PR_STORE: a RADOS op on the PR object */
	RBD_STAGE_NOTIFY,     /* a PR_STORE's notify to the other gateways, after it */
	RBD_STAGE_OWN_NOTIFY, /* rbd_own.c: a notify on the ownership record */
};

struct rbd_req {
	struct bs *bs;
	struct rt_disk_io *io; /* NULL: a request of the backstore's own (a notify) */
	rbd_completion_t c;
	enum rbd_stage stage;
	struct rbd_req *next; /* on the done list */
	/* RBD_STAGE_RECORD: the RADOS op, and what a load read */
	rados_completion_t rc;
	rados_read_op_t rop;
	rados_write_op_t wop;
	size_t bytes_read;
	int prval;
	char *reply; /* the notifies: the acknowledgements (unused) */
	size_t reply_len;
	uint16_t group; /* RBD_STAGE_OWN_NOTIFY with io: the group asked for */
	uint64_t mismatch_off; /* RT_DISK_COMPARE_WRITE: where librbd saw the first difference */
};

/* rbd_own.c's state. */
struct rbd_own {
	uint16_t group;        /* ours (bs_rbd_params.alua_group); 0: ALUA off */
	char oid[RBD_OID_MAX]; /* "<image>.alua" */
	struct rbd_watch watch;
	struct rbda_record rec; /* as last read or written */
	uint64_t rec_version;   /* its RADOS version (0: no object content yet) */
	uint16_t moving;        /* rbda_state's: our group, released, new owner unknown */
	uint64_t moving_gen;    /* the record's gen when we released */
	uint64_t released_ns;   /* when (rbd_now_ns): the bound RBDA_TRANSITION_MAX_MS runs from it */
	uint16_t stranded;      /* rbda_state's: our group, the bound passed with the lock held unrecorded */
	bool releasing;         /* asked to hand the lock over: draining */
	bool taking;            /* asked the owner to hand over: waiting */
	bool fenced_told;       /* the states said we are blocklisted */
	uint32_t refused;       /* transfers refused by the bound (rbd_alua.h) */
	uint32_t moves;         /* transfers this gateway made */
};

struct bs_rbd {
	rados_t cluster;
	rados_ioctx_t ioctx;
	rbd_image_t image;
	char addr[RBD_ADDR_MAX]; /* ours, for the log and for takeovers */
	bool lock_auto;
	bool break_unfenced; /* bs_rbd_params': a takeover breaks without blocklisting */
	uint64_t obj_size; /* the image's object size (rbds_mismatch) */
	bool pr_shared; /* serve PR_LOAD/PR_STORE from pr_oid */
	char pr_oid[RBD_OID_MAX];
	char gw_oid[RBD_OID_MAX]; /* "<image>.gw": the gateways' addresses (pr_shared) */
	uint64_t pr_fenced;       /* gateways blocklisted for not acknowledging a PR change */
	struct rbd_watch watch; /* pr_shared: the record's watch */
	uint64_t notify_timeouts; /* stores some gateway did not acknowledge in time */
	bool owner;  /* we took the exclusive lock */
	bool fenced; /* an OSD said we are blocklisted: no I/O again */
	uint32_t op_timeout_s;
	uint32_t inflight;    /* requests librbd or librados holds */
	uint32_t inflight_io; /* of them, block I/O (what a hand-over drains) */
	struct rbd_own own;
	pthread_mutex_t mu;    /* guards done (and the watches' fields) */
	struct rbd_req *done;  /* finished by librbd, not yet reaped */
	int efd;               /* eventfd: readable when done is not empty (bs_event_fd) */
};

/* rbd.c */
uint64_t rbd_now_ns(void); /* CLOCK_MONOTONIC */
void rbd_done_cb(rbd_completion_t c, void *arg);
int rbd_fail(char *err, size_t err_len, const char *what, int rc);
/* io's status st, q freed, io handed to its owner. */
void rbd_finish(struct bs *bs, struct rbd_req *q, enum rt_disk_status st);

/* rbd_own.c: see the file's head. */
int rbd_own_open(struct bs *bs, const char *image, uint16_t group, char *err, size_t err_len);
void rbd_own_stop(struct bs_rbd *r);
enum rt_disk_status rbd_own_write(struct bs *bs);
void rbd_own_set(struct bs *bs, struct rt_disk_io *io);
void rbd_own_reap(struct bs *bs);
void rbd_own_reaped(struct bs *bs, struct rbd_req *q);
int rbd_own_takeover(struct bs *bs, char *msg, size_t msg_len);
enum rt_alua_state rbd_own_state(const struct bs *bs, uint16_t group, enum rt_alua_state non_owner);
uint64_t rbd_own_deadline(const struct bs *bs);

/* A line for the daemon's log (bs->log), warn or info. */
void rbd_log(struct bs *bs, bool warn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* BS_HAVE_RBD */
#endif
