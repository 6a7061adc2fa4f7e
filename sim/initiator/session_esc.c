/* initiator/session_esc: the escalation after an ABORT TASK timeout
 * (isess_cfg.escalation): ABORT TASK SET or LOGICAL UNIT RESET, then
 * TARGET WARM RESET, then the connection (as Linux's SCSI error handler
 * steps up); one escalation at a time covers every command whose abort
 * is waiting. The command side (session_cmd.c) starts it and feeds it
 * the answers and the time. */
#include "sim/initiator/session_int.h"

#include "sim/base/time.h"

static uint8_t esc_first(const struct isess *s)
{
	return s->cfg->escalation == ISESS_ESC_TASK_SET ? ISCSI_TMF_ABORT_TASK_SET : ISCSI_TMF_LOGICAL_UNIT_RESET;
}

/* The step after fn; 0: none left (the connection goes). */
static uint8_t esc_next(uint8_t fn)
{
	switch (fn) {
	case ISCSI_TMF_ABORT_TASK_SET:
		return ISCSI_TMF_LOGICAL_UNIT_RESET;
	case ISCSI_TMF_LOGICAL_UNIT_RESET:
		return ISCSI_TMF_TARGET_WARM_RESET;
	default:
		return 0;
	}
}

static void esc_send(struct isess *s, uint8_t fn)
{
	if (fn == 0) {
		s->esc_itt = 0;
		s->esc_deadline = SIM_NEVER;
		isess_conn_fail(s, "task management escalation exhausted");
		return;
	}
	struct ipdu_tx tx;
	s->esc_fn = fn;
	s->esc_itt = isess_new_itt(s, ITT_TMF, 0xfeu);
	isess_pdu_init(s, &tx, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, (uint8_t)(ISCSI_FLAG_FINAL | fn), s->esc_itt);
	itask_lun_to_wire(s->esc_lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, ISCSI_TAG_RESERVED);
	s->esc_deadline = s->now + s->cfg->tmf_timeout_ns;
	s->task_deadline_stale = true;
	if (fn == ISCSI_TMF_ABORT_TASK_SET)
		s->stats.task_set_aborts++;
	else if (fn == ISCSI_TMF_LOGICAL_UNIT_RESET)
		s->stats.lu_resets++;
	else
		s->stats.target_resets++;
	isess_send(s, &tx, NULL, 0);
	isess_event(s, ISE_ESCALATE, fn, fn == ISCSI_TMF_ABORT_TASK_SET ? "abort task set"
						: fn == ISCSI_TMF_LOGICAL_UNIT_RESET ? "logical unit reset"
										    : "target warm reset");
}

/* An ABORT TASK of c went unanswered: escalate (one escalation at a time
 * covers every command whose abort is waiting: its outcome decides them). */
void iesc_begin(struct isess *s, struct icmd *c)
{
	c->deadline = SIM_NEVER;
	s->task_deadline_stale = true;
	if (s->esc_itt != 0)
		return;
	s->esc_lun = c->lun;
	esc_send(s, esc_first(s));
}

/* The escalation's TMF was answered. FUNCTION COMPLETE: SAM-5 §7.3/§7.8
 * (and RFC 7143 §11.6.1) say every task it covers is gone from the
 * target, so the commands whose ABORT TASK went unanswered end as
 * aborted (a command only sent, not aborting, waits for its own
 * timeout: the target answered it or will). Anything else: next step. */
void iesc_answered(struct isess *s, uint8_t response)
{
	uint8_t fn = s->esc_fn;
	s->esc_itt = 0;
	s->esc_deadline = SIM_NEVER;
	s->task_deadline_stale = true;
	if (response != ISCSI_TMF_RSP_COMPLETE) {
		esc_send(s, esc_next(fn));
		return;
	}
	s->stats.esc_done++;
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++) {
		struct icmd *c = s->slots[i];
		if (c != NULL && c->st == ICS_ABORTING && (fn == ISCSI_TMF_TARGET_WARM_RESET || c->lun == s->esc_lun))
			itask_complete(s, c, ICMD_ABORTED);
	}
}

/* A TMF of ours is in flight (an ABORT TASK or the escalation's). */
bool iesc_tmf_busy(const struct isess *s)
{
	for (unsigned i = 0; i < ISESS_TASKS_MAX && s->esc_itt == 0; i++)
		if (s->slots[i] != NULL && s->slots[i]->st == ICS_ABORTING)
			return true;
	return s->esc_itt != 0;
}

void iesc_on_time(struct isess *s)
{
	if (s->esc_itt != 0 && s->esc_deadline <= s->now && s->state == ISS_FFP)
		esc_send(s, esc_next(s->esc_fn));
}

/* The connection is gone: its TMFs with it. */
void iesc_reset(struct isess *s)
{
	s->esc_itt = 0;
	s->esc_deadline = SIM_NEVER;
}
