/* gate: see gate.h. */
#include "gate.h"

#include <assert.h>
#include <stddef.h>

#include "cmd.h"

static bool gate_may(const struct gate *g, bool exclusive)
{
	return !g->exclusive && (!exclusive || g->shared == 0);
}

static void gate_take(struct gate *g, struct scsi_cmd *cmd, bool exclusive)
{
	if (exclusive)
		g->exclusive = true;
	else
		g->shared++;
	cmd->state |= exclusive ? SCSI_STATE_GATE_EXCL : SCSI_STATE_GATE_SHARED;
}

bool gate_enter(struct gate *g, struct scsi_cmd *cmd, bool exclusive)
{
	if (g->head == NULL && gate_may(g, exclusive)) {
		gate_take(g, cmd, exclusive);
		return true;
	}
	cmd->priv = NULL;
	if (g->tail != NULL)
		g->tail->priv = cmd;
	else
		g->head = cmd;
	g->tail = cmd;
	return false;
}

void gate_leave(struct gate *g, bool exclusive)
{
	if (exclusive) {
		assert(g->exclusive);
		g->exclusive = false;
	} else {
		assert(g->shared > 0);
		g->shared--;
	}
}

bool gate_forget(struct gate *g, struct scsi_cmd *cmd)
{
	struct scsi_cmd *prev = NULL;
	for (struct scsi_cmd *c = g->head; c != NULL; prev = c, c = c->priv) {
		if (c != cmd)
			continue;
		if (prev)
			prev->priv = c->priv;
		else
			g->head = c->priv;
		if (g->tail == c)
			g->tail = prev;
		c->priv = NULL;
		return true;
	}
	return false;
}

void gate_wake(struct gate *g)
{
	if (g->waking)
		return;
	g->waking = true;
	while (g->head != NULL) {
		struct scsi_cmd *cmd = g->head;
		const struct scsi_op *op = scsi_op_of(cmd);
		bool exclusive = op->flags & OP_ATOMIC;
		if (!gate_may(g, exclusive))
			break;
		g->head = cmd->priv;
		if (g->head == NULL)
			g->tail = NULL;
		cmd->priv = NULL;
		gate_take(g, cmd, exclusive);
		op->exec(cmd); /* may finish at once and leave again */
	}
	g->waking = false;
}
