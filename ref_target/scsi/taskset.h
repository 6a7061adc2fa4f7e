/* taskset: the task set of one logical unit (SAM-5 §8, TST 000b: one
 * task set per LU, shared by every I_T nexus) and the one queue of
 * commands it holds back. A command is held for one of two reasons:
 *
 *   its task attribute (SAM-5 §8.6): an ORDERED command starts once every
 *   command that entered the set before it has left; a SIMPLE one (and
 *   UNTAGGED, ACA) once no ORDERED command entered before it is left;
 *   HEAD OF QUEUE at once. Checked when the transport hands the command
 *   over (scsi_cmd_exec), before the state checks (cmd.c);
 *
 *   the LU's gate, which makes the read-modify-write commands atomic with
 *   respect to every other write to the LU, whatever order the disk
 *   completes I/O in (SBC-3 COMPARE AND WRITE, ORWRITE: performed as an
 *   uninterrupted sequence; SANITIZE). Writes pass it shared; an atomic
 *   command passes it alone: it waits for the writes in flight to finish
 *   and holds new ones back until it is done. Gate waiters pass in the
 *   order they came (so a stream of writes cannot starve a COMPARE AND
 *   WRITE). Reads never wait at the gate: a read racing a write may see
 *   either, as SBC allows. The gate also holds every new write while an
 *   aborted write is still in the storage path (an orphan: its nexus was
 *   lost, or ABORT TASK caught it at the disk): otherwise an initiator
 *   that logged in again and wrote the same blocks (its retry, then newer
 *   data) would be overwritten when the old copy lands (SAM-5 §7.2: an
 *   aborted command has no effect after the abort; RFC 7143 §6.3.5).
 *   Held writes never reached the storage, so an ABORT TASK for one is
 *   answered at once: the initiator's command timeout bounds the wait.
 *   LIO instead waits for the storage before the new login completes.
 *
 * Members enter in the order the transport delivers them (scsi_task_enter,
 * CmdSN order) and leave when their task ends (scsi_task_leave). A
 * command the transport never entered (the SCSI unit tests, the scsi fuzz
 * harness, SANITIZE's job) is held by the gate only.
 *
 * When they run: the gate lets its waiters pass at once when a command
 * leaves it (scsi_done); what task attributes held back starts only from
 * scsi_lu_start_held, which the transport calls when it walks no list of
 * its tasks (a command started there may end at once and its task be
 * freed: fuzz finding F4). Owns nothing but counters and the links inside
 * struct scsi_cmd; lives inside struct scsi_lu.
 */
#ifndef RT_SCSI_TASKSET_H
#define RT_SCSI_TASKSET_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

/* Why a command waits in the queue (scsi_cmd.ts_hold). */
enum ts_hold {
	TS_NOT_HELD = 0,
	TS_HELD_ATTR, /* its task attribute: scsi_lu_start_held runs it */
	TS_HELD_GATE, /* the gate: taskset_gate_wake runs it */
};

struct task_set {
	/* members, in the order they entered */
	struct scsi_cmd *first, *last;
	uint32_t ordered;       /* ORDERED members */
	bool start_due;         /* a member left: scsi_lu_start_held has work */
	/* the gate */
	uint32_t shared;        /* writes inside */
	bool exclusive;         /* an atomic command inside */
	bool waking;            /* taskset_gate_wake is running: do not recurse */
	uint32_t gate_waiting;  /* TS_HELD_GATE commands in the queue */
	uint32_t orphans;       /* SCSI_STATE_ORPHAN writes still at the disk */
	/* the queue: held commands, in the order they were held */
	struct scsi_cmd *head, *tail;
};

/* Task attributes: true if cmd may start now, else hold it
 * (TS_HELD_ATTR) and return false. */
bool taskset_attr_pass(struct task_set *ts, struct scsi_cmd *cmd);

/* The gate: enter, or queue the command (TS_HELD_GATE) and return false:
 * taskset_gate_wake runs the command's exec once it may enter. */
bool taskset_gate_enter(struct task_set *ts, struct scsi_cmd *cmd, bool exclusive);
/* A command that entered the gate has finished. */
void taskset_gate_leave(struct task_set *ts, bool exclusive);
/* Run the gate waiters that may now enter, oldest first. */
void taskset_gate_wake(struct task_set *ts);

/* Take cmd out of the queue if it waits there (for either reason); true
 * if it did. */
bool taskset_forget(struct task_set *ts, struct scsi_cmd *cmd);

#endif
