/* gate: makes the read-modify-write commands of one LU atomic with
 * respect to every other write to it, whatever order the disk completes
 * I/O in (SBC-3 COMPARE AND WRITE, ORWRITE: performed as an uninterrupted
 * sequence; SANITIZE).
 *
 * Writes pass the gate shared; an atomic command passes it alone: it waits
 * for the writes in flight to finish and holds new ones back until it is
 * done. Commands that cannot pass wait in one FIFO (so a stream of writes
 * cannot starve a COMPARE AND WRITE), linked through cmd->priv, which is
 * free while a command waits; the dispatcher runs them when they may.
 * Reads never wait: a read racing a write may see either, as SBC allows.
 * Owns nothing but counters and the queue links, inside struct scsi_lu.
 */
#ifndef RT_SCSI_GATE_H
#define RT_SCSI_GATE_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

struct gate {
	uint32_t shared;             /* writes inside */
	bool exclusive;              /* an atomic command inside */
	bool waking;                 /* gate_wake is running: do not recurse */
	struct scsi_cmd *head, *tail; /* waiting, oldest first */
};

/* Enter, or queue the command and return false: gate_wake will run the
 * command's exec once it may enter. */
bool gate_enter(struct gate *g, struct scsi_cmd *cmd, bool exclusive);
/* A command that entered has finished. */
void gate_leave(struct gate *g, bool exclusive);
/* Run the waiting commands that may now enter, oldest first. */
void gate_wake(struct gate *g);
/* Take cmd out of the queue if it waits there; true if it did. */
bool gate_forget(struct gate *g, struct scsi_cmd *cmd);

#endif
