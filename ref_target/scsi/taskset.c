/* taskset: see taskset.h. */
#include "taskset.h"

#include <assert.h>
#include <stddef.h>

#include "cmd.h"

/* ---- the queue ---- */

static void taskset_hold(struct task_set *ts, struct scsi_cmd *cmd, enum ts_hold why)
{
	assert(cmd->ts_hold == TS_NOT_HELD);
	cmd->ts_hold = (uint8_t)why;
	cmd->ts_held_next = NULL;
	if (ts->tail != NULL)
		ts->tail->ts_held_next = cmd;
	else
		ts->head = cmd;
	ts->tail = cmd;
	if (why == TS_HELD_GATE)
		ts->gate_waiting++;
}

/* Unlink cmd, whose predecessor in the queue is prev (NULL: the head). */
static void taskset_unhold(struct task_set *ts, struct scsi_cmd *prev, struct scsi_cmd *cmd)
{
	if (prev)
		prev->ts_held_next = cmd->ts_held_next;
	else
		ts->head = cmd->ts_held_next;
	if (ts->tail == cmd)
		ts->tail = prev;
	if (cmd->ts_hold == TS_HELD_GATE)
		ts->gate_waiting--;
	cmd->ts_held_next = NULL;
	cmd->ts_hold = TS_NOT_HELD;
}

bool taskset_forget(struct task_set *ts, struct scsi_cmd *cmd)
{
	if (cmd->ts_hold == TS_NOT_HELD)
		return false;
	struct scsi_cmd *prev = NULL;
	for (struct scsi_cmd *c = ts->head; c != NULL; prev = c, c = c->ts_held_next) {
		if (c == cmd) {
			taskset_unhold(ts, prev, c);
			return true;
		}
	}
	assert(!"taskset_forget: a held command missing from its queue");
	return false;
}

/* ---- task attributes (SAM-5 §8.6) ---- */

void scsi_task_enter(struct scsi_cmd *cmd)
{
	if (cmd->lu == NULL) /* no LU, no task set: answered at once */
		return;
	struct task_set *ts = &cmd->lu->tasks;
	assert(!cmd->ts_member);
	cmd->ts_member = true;
	cmd->ts_next = NULL;
	cmd->ts_prev = ts->last;
	if (ts->last)
		ts->last->ts_next = cmd;
	else
		ts->first = cmd;
	ts->last = cmd;
	if (cmd->attr == SCSI_ATTR_ORDERED)
		ts->ordered++;
}

void scsi_task_leave(struct scsi_cmd *cmd)
{
	if (!cmd->ts_member)
		return;
	struct task_set *ts = &cmd->lu->tasks;
	assert(cmd->ts_hold != TS_HELD_ATTR); /* an aborted or released command left the queue */
	if (cmd->ts_prev)
		cmd->ts_prev->ts_next = cmd->ts_next;
	else
		ts->first = cmd->ts_next;
	if (cmd->ts_next)
		cmd->ts_next->ts_prev = cmd->ts_prev;
	else
		ts->last = cmd->ts_prev;
	if (cmd->attr == SCSI_ATTR_ORDERED)
		ts->ordered--;
	cmd->ts_prev = cmd->ts_next = NULL;
	cmd->ts_member = false;
	/* Not now: the transport may be walking its tasks (an abort loop),
	 * and a command started here may end at once and free the next. */
	ts->start_due = true;
}

/* An ORDERED member starts once it is the oldest; a SIMPLE one once no
 * older member is ORDERED; HEAD OF QUEUE at once. With no ORDERED member
 * this costs nothing. */
static bool taskset_may_start(const struct task_set *ts, const struct scsi_cmd *cmd)
{
	if (!cmd->ts_member || cmd->attr == SCSI_ATTR_HEAD_OF_QUEUE)
		return true;
	if (cmd->attr == SCSI_ATTR_ORDERED)
		return ts->first == cmd;
	if (ts->ordered == 0)
		return true;
	for (const struct scsi_cmd *o = ts->first; o != cmd; o = o->ts_next)
		if (o->attr == SCSI_ATTR_ORDERED)
			return false;
	return true;
}

bool taskset_attr_pass(struct task_set *ts, struct scsi_cmd *cmd)
{
	if (taskset_may_start(ts, cmd))
		return true;
	taskset_hold(ts, cmd, TS_HELD_ATTR);
	return false;
}

/* The oldest member held for its attribute that may start now, or NULL. */
static struct scsi_cmd *taskset_next_startable(const struct task_set *ts)
{
	for (struct scsi_cmd *c = ts->first; c != NULL; c = c->ts_next)
		if (c->ts_hold == TS_HELD_ATTR && taskset_may_start(ts, c))
			return c;
	return NULL;
}

bool scsi_lu_start_held(struct scsi_lu *lu)
{
	struct task_set *ts = &lu->tasks;
	bool started = false;
	while (ts->start_due) {
		ts->start_due = false;
		struct scsi_cmd *cmd;
		while (ts->head != NULL && (cmd = taskset_next_startable(ts)) != NULL) {
			taskset_forget(ts, cmd);
			started = true;
			scsi_cmd_run(cmd); /* may end at once and leave: start_due again */
		}
	}
	return started;
}

/* ---- the gate ---- */

static bool taskset_gate_may(const struct task_set *ts, bool exclusive)
{
	return ts->orphans == 0 && !ts->exclusive && (!exclusive || ts->shared == 0);
}

static void taskset_gate_take(struct task_set *ts, struct scsi_cmd *cmd, bool exclusive)
{
	if (exclusive)
		ts->exclusive = true;
	else
		ts->shared++;
	cmd->state |= exclusive ? SCSI_STATE_GATE_EXCL : SCSI_STATE_GATE_SHARED;
}

bool taskset_gate_enter(struct task_set *ts, struct scsi_cmd *cmd, bool exclusive)
{
	if (ts->gate_waiting == 0 && taskset_gate_may(ts, exclusive)) {
		taskset_gate_take(ts, cmd, exclusive);
		return true;
	}
	taskset_hold(ts, cmd, TS_HELD_GATE);
	return false;
}

void taskset_gate_leave(struct task_set *ts, bool exclusive)
{
	if (exclusive) {
		assert(ts->exclusive);
		ts->exclusive = false;
	} else {
		assert(ts->shared > 0);
		ts->shared--;
	}
}

/* The oldest gate waiter, and its predecessor in the queue. */
static struct scsi_cmd *taskset_gate_first(const struct task_set *ts, struct scsi_cmd **prev)
{
	*prev = NULL;
	for (struct scsi_cmd *c = ts->head; c != NULL; *prev = c, c = c->ts_held_next)
		if (c->ts_hold == TS_HELD_GATE)
			return c;
	return NULL;
}

void taskset_gate_wake(struct task_set *ts)
{
	if (ts->waking)
		return;
	ts->waking = true;
	while (ts->gate_waiting > 0) {
		struct scsi_cmd *prev;
		struct scsi_cmd *cmd = taskset_gate_first(ts, &prev);
		const struct scsi_op *op = scsi_op_of(cmd);
		bool exclusive = op->flags & OP_ATOMIC;
		if (!taskset_gate_may(ts, exclusive))
			break;
		taskset_unhold(ts, prev, cmd);
		taskset_gate_take(ts, cmd, exclusive);
		op->exec(cmd); /* may finish at once and leave again */
	}
	ts->waking = false;
}
