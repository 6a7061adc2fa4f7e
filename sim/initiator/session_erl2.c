/* initiator/session_erl2: the session's ErrorRecoveryLevel 2, connection recovery
 * (RFC 7143 §7.1.4.3, §7.2.2, §6.3.4, §11.5.1, §13.15-16); see initiator/session.h.
 *
 * A connection that fails at ERL 2 keeps its commands in their slots
 * (ierl2_hold). After DefaultTime2Wait the session logs in again with its
 * ISID, its TSIH and the same CID: the target reinstates the connection
 * and keeps the session (§6.3.4). The target's ExpCmdSN then says which
 * commands it has: those are moved to the new connection by TASK
 * REASSIGN (§11.5.1: ReferencedTaskTag the command's ITT, ExpDataSN the
 * Data-In we have, §11.5.6), the others (lost on the way, or held behind
 * a CmdSN gap and discarded with the connection) are retried with their
 * ITT and CmdSN (§7.2.1: allowed on a new connection once the old one is
 * logged out, which reinstatement does). Anything that does not work out
 * gives the session to ERL 0's recovery (session reinstatement, commands
 * re-sent): a reassignment answered otherwise than Function complete
 * (§11.6.1: task does not exist, not supported, rejected ...) or not at
 * all, a reinstatement login refused or failing ISESS_ERL2_LOGINS_MAX
 * times, or DefaultTime2Wait + DefaultTime2Retain over (the target has
 * dropped the tasks then, §13.16). */
#include "sim/initiator/session_int.h"

#include "sim/base/time.h"

static unsigned held_tasks(const struct isess *s) { return s->in_flight; }

/* ERL 2's recovery ends: the caller (drop) puts the commands back in
 * the wait queue and the next login starts the session again (TSIH 0,
 * §6.3.5). */
static bool give_up(struct isess *s, const char *why)
{
	s->erl2_held = false;
	s->stats.erl2_fallbacks++;
	isess_event(s, ISE_ERL2_FALLBACK, 0, why);
	return false;
}

bool ierl2_hold(struct isess *s, bool was_up, bool refused)
{
	if (s->sn->losing)
		return false; /* MC/S: another connection's failure costs the session (imcs_lost) */
	if (s->erl2_to_erl0) {
		/* a reassignment failed, or the reinstatement went wrong */
		s->erl2_to_erl0 = false;
		return give_up(s, "task reassignment failed");
	}
	if (s->erl2_held) {
		/* a reinstating login failed */
		s->erl2_logins++;
		if (refused)
			return give_up(s, "connection reinstatement refused");
		if (s->erl2_logins >= ISESS_ERL2_LOGINS_MAX)
			return give_up(s, "connection reinstatement failed ISESS_ERL2_LOGINS_MAX times");
		if (s->now >= s->erl2_retain_deadline)
			return give_up(s, "DefaultTime2Wait + DefaultTime2Retain over");
		return true;
	}
	/* §13.16: with DefaultTime2Retain 0 the target keeps nothing. */
	if (!was_up || !isess_erl2(s) || s->sn->tsih == 0 || s->params.default_time2retain == 0)
		return false;
	s->erl2_held = true;
	s->erl2_logins = 0;
	s->sess_params = s->params;
	/* §11.15.3: Time2Retain counts after the initial Time2Wait. */
	s->erl2_retain_deadline =
		s->now + SIM_S((uint64_t)s->params.default_time2wait + s->params.default_time2retain);
	/* What was in flight on the old connection is not answered there
	 * any more: timers restart once the commands are reassigned. */
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++) {
		struct icmd *c = s->slots[i];
		if (c != NULL)
			c->deadline = SIM_NEVER;
	}
	s->task_deadline_stale = true;
	s->esc_itt = 0;
	s->esc_deadline = SIM_NEVER;
	return true;
}

uint64_t ierl2_delay(const struct isess *s, uint64_t reconnect_delay_ns)
{
	/* §13.15: DefaultTime2Wait before a reconnect (or a task
	 * reassignment) after an unexpected connection termination. */
	uint64_t t2w = SIM_S((uint64_t)s->sess_params.default_time2wait);
	return t2w > reconnect_delay_ns ? t2w : reconnect_delay_ns;
}

bool ierl2_login_done(struct isess *s)
{
	const struct iparams *np = &s->login.params;
	if (s->login.tsih != s->sn->tsih) {
		/* not the session we asked for (§11.13.4) */
		s->erl2_to_erl0 = true;
		s->erl2_login = false;
		isess_conn_fail(s, "connection reinstatement answered with another TSIH");
		return false;
	}
	/* The session's keys stay; the connection's are the new login's. */
	s->params = s->sess_params;
	s->params.header_digest = np->header_digest;
	s->params.data_digest = np->data_digest;
	s->params.tgt_mrdsl = np->tgt_mrdsl;
	s->params.ini_mrdsl = np->ini_mrdsl;
	s->erl2_held = false;
	s->stats.conn_reinstatements++;
	return true;
}

static void send_reassign(struct isess *s, struct icmd *c)
{
	struct ipdu_tx tx;
	c->tmf_itt = isess_new_itt(s, ITT_TMF, itt_slot(c->itt));
	isess_pdu_init(s, &tx, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_TASK_REASSIGN,
		c->tmf_itt);
	itask_lun_to_wire(c->lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, c->itt);
	/* §11.5.4: RefCmdSN is ABORT TASK's only, reserved here. §11.5.6:
	 * ExpDataSN, for a read the next Data-In we want (what came before
	 * is ours); 0 (unchanged) for anything else. */
	pdu_set_w(tx.bhs, PDU_TMF_REFCMDSN, 0);
	pdu_set_w(tx.bhs, PDU_TMF_EXPDATASN, c->dir == ICMD_IN ? c->exp_datasn : 0);
	isess_send(s, &tx, NULL, 0);
	c->st = ICS_REASSIGNING;
	c->deadline = s->now + s->cfg->tmf_timeout_ns;
	s->task_deadline_stale = true;
	s->stats.reassigns++;
}

/* A CmdSN the target still waits for (§4.2.2.1: from its ExpCmdSN up to
 * ours) that no command we hold carries: one the replacement timeout
 * failed, or lost otherwise. It cannot be plugged (§7.3): every later
 * command would wait behind it. */
static bool held_by(const struct isess *s, uint32_t cmdsn)
{
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++)
		if (s->slots[i] != NULL && s->slots[i]->cmdsn == cmdsn)
			return true;
	return false;
}

bool ierl2_cmdsn_hole(const struct isess *s)
{
	const struct isess_sn *sn = s->sn;
	if (!sn_lt(sn->exp_cmdsn, sn->cmdsn))
		return false;
	uint32_t n = sn->cmdsn - sn->exp_cmdsn;
	if (n > ISESS_TASKS_MAX)
		return true;
	for (uint32_t k = 0; k < n; k++) {
		/* MC/S: the session's CmdSNs are spread over its connections */
		bool held = held_by(s, sn->exp_cmdsn + k);
		for (unsigned m = 0; m < sn->nconns && !held; m++)
			held = sn->conn[m] != s && held_by(sn->conn[m], sn->exp_cmdsn + k);
		if (!held)
			return true;
	}
	return false;
}

void ierl2_recover_task(struct isess *s, struct icmd *c)
{
	c->snacked = c->probed = false;
	c->snacks = 0;
	if (sn_le(s->sn->exp_cmdsn, c->cmdsn)) {
		/* The target never had it, or discarded it with the
		 * connection (its CmdSN turn had not come). */
		c->st = ICS_SENT;
		c->deadline = s->now + s->cfg->cmd_timeout_ns;
		s->stats.erl2_retries++;
		if (s->ops.moved != NULL)
			s->ops.moved(s->ops.ctx, s, c);
		itask_retry(s, c);
	} else {
		send_reassign(s, c);
	}
}

void ierl2_resume(struct isess *s)
{
	isess_event(s, ISE_CONN_RECOVERED, held_tasks(s), "connection reinstated");
	if (s->now >= s->erl2_retain_deadline && held_tasks(s) > 0) {
		/* The target has aborted them (§13.16): nothing to reassign. */
		s->erl2_to_erl0 = true;
		isess_conn_fail(s, "DefaultTime2Retain over before the reinstatement");
		return;
	}
	if (ierl2_cmdsn_hole(s)) {
		s->erl2_to_erl0 = true;
		isess_conn_fail(s, "a CmdSN the target waits for belongs to no command held");
		return;
	}
	/* In any order: the target takes retried commands in CmdSN order. */
	for (unsigned i = 0; i < ISESS_TASKS_MAX && s->state == ISS_FFP; i++) {
		struct icmd *c = s->slots[i];
		if (c != NULL)
			ierl2_recover_task(s, c);
	}
	s->task_deadline_stale = true;
}

void ierl2_reassign_answer(struct isess *s, struct icmd *c, uint8_t response)
{
	if (response != ISCSI_TMF_RSP_COMPLETE) {
		ierl2_reassign_failed(s, c, "task reassignment refused");
		return;
	}
	s->stats.reassigned++;
	c->st = ICS_SENT;
	c->deadline = s->now + s->cfg->cmd_timeout_ns;
	c->retry_at = SIM_NEVER; /* the target has it: no retry from ERL 1's check */
	c->r2t_open = 0;
	/* §7.2.2, §11.5.6: a write's R2Ts come again with new R2TSNs for
	 * what the target still needs; a read's Data-In from ExpDataSN. */
	c->r2t_resync = c->dir == ICMD_OUT;
	s->task_deadline_stale = true;
	if (s->ops.moved != NULL)
		s->ops.moved(s->ops.ctx, s, c);
}

void ierl2_reassign_failed(struct isess *s, struct icmd *c, const char *why)
{
	(void)c;
	s->stats.reassign_refused++;
	/* ERL 0 from here: the session is reinstated and every command
	 * re-sent (what the target still holds for this session goes with
	 * it, §6.3.5). */
	s->erl2_to_erl0 = true;
	isess_conn_fail(s, why);
}
