/* oracle/attempts: where each write went. An attempt is one transmission of a
 * command that writes (WRITE, UNMAP, COMPARE AND WRITE) on one connection;
 * multipath retries and ERL 0 re-sends make several per write.
 *
 * An attempt is resolved when the target answered it, or when the
 * target's side of its connection is gone *and* every disk write that
 * gateway had in flight then has completed (after that, a correct target
 * can no longer make it land: SAM-5 aborts the tasks of a lost nexus).
 * A write may take effect until all its attempts are resolved: that is
 * the end of its interval for the data oracle (odata_settle), so a write
 * retried elsewhere while its first copy sat in a frozen gateway is not
 * mistaken for a stale read. White box: a gateway that submits a disk
 * write of a version after every attempt of it on that gateway was
 * answered or its connection closed has executed a task it no longer
 * owned (the stale write after failover). Owns its tables.
 */
#ifndef SIM_OATT_H
#define SIM_OATT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/base/mem.h"
#include "sim/oracle/data.h"

#define OATT_GWS_MAX 16u

struct oatt_ver {
	uint32_t unresolved;            /* attempts not yet resolved */
	uint64_t settle_max;            /* latest resolution time so far */
	uint8_t open_on[OATT_GWS_MAX];  /* attempts on that gateway neither answered nor closed there */
	uint8_t unsettled_on[OATT_GWS_MAX]; /* attempts whose connection closed there, not yet settled */
	uint16_t sent_on;               /* bit g: an attempt ever went to gateway g */
};

struct oatt_att {
	uint64_t ver;
	bool answered;
};

struct oatt_conn {
	int gw;
	bool closed;                    /* the target's side is gone */
	struct oatt_att *a;
	size_t n, cap;
};

struct oatt {
	const struct sim_mem *mem;
	struct odata *od;
	struct oatt_ver *v;
	size_t nv, vcap;
	struct oatt_conn *c;
	size_t nc, ccap;
	uint32_t pending_on[OATT_GWS_MAX]; /* attempts on each gateway not yet resolved */
};

void oatt_init(struct oatt *o, const struct sim_mem *mem, struct odata *od);
void oatt_fini(struct oatt *o);

/* Version ver was put on the wire on connection conn to gateway gw. */
void oatt_sent(struct oatt *o, uint64_t ver, uint32_t conn, int gw);
/* ERL 2: the command of ver moved to connection conn (TASK REASSIGN, or
 * retried there because the target never had it): it may land through
 * conn now, but it is the same task, not one more copy of the write
 * (odata_copy), so its answer there speaks for it alone. */
void oatt_moved(struct oatt *o, uint64_t ver, uint32_t conn, int gw);
/* The target answered the attempt of ver on conn (status or abort). */
void oatt_answered(struct oatt *o, uint64_t ver, uint32_t conn, uint64_t t);
/* The target's side of conn is gone at t; returns true if it carried
 * unanswered attempts (the caller then settles it when the gateway's
 * disk writes have drained). */
bool oatt_closed(struct oatt *o, uint32_t conn);
void oatt_settled(struct oatt *o, uint32_t conn, uint64_t t);
/* May gateway gw still write version ver? */
bool oatt_may_write(const struct oatt *o, uint64_t ver, int gw);
/* May a disk write of ver that gateway gw submitted still land? Not once
 * every attempt of it there was answered (status, or FUNCTION COMPLETE
 * of an ABORT TASK: SAM-5 §7.2, the task no longer exists) or settled. */
bool oatt_may_land(const struct oatt *o, uint64_t ver, int gw);
/* Writes sent to gateway gw that may still take effect through it. */
static inline uint32_t oatt_pending(const struct oatt *o, int gw)
{
	return o->pending_on[gw];
}
/* The connection ids of gateway gw still open in the table. */
bool oatt_conn_open(const struct oatt *o, uint32_t conn, int gw);

#endif
