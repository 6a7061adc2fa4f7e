/* erl2: error recovery level 2, connection recovery (RFC 7143 §7.1.4.3,
 * §7.2.2 allegiance reassignment, §6.3.4 connection reinstatement,
 * §11.5.1 TASK REASSIGN, §11.14.1 Logout reason 2 "remove the connection
 * for recovery", §13.15-16 DefaultTime2Wait/DefaultTime2Retain).
 *
 * At ErrorRecoveryLevel 2 a connection that fails (lost, timed out,
 * dropped for a protocol error, reinstated by a login with its CID, or
 * logged out with reason 2) does not take its tasks with it. They, and
 * what the connection kept for SNACK (recovery.h: the status and Data-In
 * of tasks that ended but were not acknowledged), wait in a recovery
 * record of the session for DefaultTime2Wait + DefaultTime2Retain
 * seconds. TASK REASSIGN on any connection of the session moves a task
 * there: a task still running answers on it, a write asks again by R2T
 * for what it lacks, a task that ended sends its status (and the Data-In
 * the initiator did not acknowledge) again. When the time is up the
 * tasks are aborted and the copies freed; TASK REASSIGN then answers
 * "Task does not exist". A session whose last connection fails stays
 * open while it has a record, so that a new connection can log in to it.
 *
 * Commands that had not reached their CmdSN turn on the failed
 * connection (still arriving, or held behind a CmdSN gap) are discarded,
 * not kept: §11.14.1, "unacknowledged commands"; their CmdSNs stay gaps
 * for the initiator to fill (§4.2.2.1).
 *
 * A session's records (struct erl2_cr), at most RT_ERL2_FAILED_CONNS_MAX
 * (limits.h), are allocated at its first failure at ERL 2 and freed with
 * the last of them (erl2.c; the engine lists them): a session below ERL 2
 * carries nothing for them. A connection failing when all are in use
 * loses its tasks as at level 0. What a record keeps counts against the
 * memory budget as everything else (mem.h). A waiting task names its
 * record by task.cr_slot.
 */
#ifndef RT_ERL2_H
#define RT_ERL2_H

#include <stdbool.h>
#include <stdint.h>

#include "recovery.h"

struct conn;
struct rt_engine;
struct session;
struct task;

/* A failed connection's tasks and copies, waiting for reassignment. */
struct erl2_cr {
	bool used;
	uint16_t cid;
	uint32_t ntasks;     /* tasks whose t->cr is this record */
	uint32_t stat_sn;    /* the connection's next StatSN when it failed */
	uint64_t discard_ns; /* failure + Time2Wait + Time2Retain: then discarded */
	struct rcv_store rcv; /* its copies (recovery.h), moved from the connection */
};

/* c leaves s (sess_conn_gone, before its tasks are ended). At ERL 2,
 * unless c was logged out with reason 1 or the session is ending, its
 * tasks and copies go to a record: returns true. */
bool erl2_conn_failed(struct session *s, struct conn *c);

/* s has a record in use: it stays open with no connection left. */
bool erl2_waiting(const struct session *s);

/* Logout reason 2 for cid on c (§11.14.1): the Logout Response code;
 * *victim is the live connection to drop once the response is sent (its
 * tasks then wait, erl2_conn_failed), NULL if cid names a connection
 * that already failed (its record's copies acknowledged up to the
 * Logout's ExpStatSN, as LIO does). */
uint8_t erl2_logout(struct conn *c, uint16_t cid, uint32_t exp_stat_sn, struct conn **victim);

/* Logout reason 1 for a cid with no live connection: the records of cid
 * are discarded, their tasks aborted (§11.14.1: "close the connection"
 * ends them). Returns whether there was one. */
bool erl2_logout_close(struct session *s, uint16_t cid);

/* A login reinstated cid (§6.3.4): its ExpStatSN is the old
 * connection's, and acknowledges the status its record keeps. */
void erl2_reinstated(struct session *s, uint16_t cid, uint32_t exp_stat_sn);

/* TASK REASSIGN (§11.5.1), in two steps: the check gives the TMF
 * response (§11.6.1: 0, 1 "Task does not exist", 3 "Task still
 * allegiant", 4 "reassignment not supported" below ERL 2); once the
 * response is sent (the task's PDUs come after it, as in LIO), _do
 * moves the task to c. */
struct erl2_reassign {
	struct erl2_cr *cr; /* NULL: nothing to do */
	struct task *task;  /* a task still alive, or NULL: its status is in cr */
	uint32_t itt;
	uint32_t exp_data_sn;
};
uint8_t erl2_reassign_check(struct conn *c, const uint8_t *bhs, struct erl2_reassign *r);
void erl2_reassign_do(struct conn *c, const struct erl2_reassign *r);

/* The task is being freed (task_free): it leaves its record. */
void erl2_task_freed(struct task *t);

/* A new command reuses itt: the initiator has the status of the task that
 * had it (§11.2.1.8); no record answers for it any more. */
void erl2_itt_reused(struct session *s, uint32_t itt);

/* Timers, engine-wide: the earliest discard_ns of any record (0: none),
 * and discarding what is due; a session left with neither connection nor
 * record is closed. */
uint64_t erl2_next_deadline(const struct rt_engine *eng);
void erl2_on_time(struct rt_engine *eng, uint64_t now);

/* Discard every record now (the session is ending). */
void erl2_fini(struct session *s);

#endif
