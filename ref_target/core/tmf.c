/* tmf: see tmf.h. */
#include "tmf.h"

#include <string.h>

#include "access.h"
#include "conn.h"
#include "engine_int.h"
#include "erl2.h"
#include "pdu.h"
#include "session.h"
#include "task.h"

/* ---- TARGET WARM RESET and TARGET COLD RESET: who, and on what ----
 *
 * Who. RFC 7143 §11.5.1 gives the target response 6, "Function
 * authorization failed", for a function this initiator may not ask for.
 * A target reset is an explicit permission of the ACL entry
 * (rt_acl_cfg.target_reset; rt_tpg_cfg.target_reset for open access),
 * off by default. LIO does the same: its node ACL attributes
 * tmr_warm_reset and tmr_cold_reset are 0 by default and a refused reset
 * gets ISCSI_TMF_RSP_AUTH_FAILED (iscsi_target_tmr.c); its core then
 * answers even a permitted one FUNCTION REJECTED. tgt answers 5 (not
 * supported). LOGICAL UNIT RESET needs no permission: SAM-5 gives it to
 * any I_T nexus, on a LUN that nexus addresses (LIO and tgt alike).
 *
 * On what. SAM-5 §7.8 makes the reset of a logical unit abort the tasks
 * of every I_T nexus on it and report a unit attention to every one of
 * them; RFC 7143 §11.5.1 makes a warm reset that of "the target" and a
 * cold one also end all its sessions. On a target shared by initiators
 * that see different LUs, "the target" here is the issuer's view: the
 * LUs of its own LUN map. Each of them is reset as SAM-5 says (every
 * initiator's tasks on it aborted; 29/02 warm, 29/01 cold, for everyone);
 * an LU outside the view is never touched, whoever else uses it.
 *
 * Which I_T nexuses a cold reset ends: the issuer's own, and each other
 * session of this target whose view is inside the issuer's (everything
 * it can address was power cycled). A session that also sees an LU
 * outside the view keeps its connection, since ending it would abort its
 * tasks there; it learns of the reset by the unit attention on the LUs
 * it shares. Sessions of other targets are never ended. */

/* Whether s may send TARGET WARM/COLD RESET. */
static bool tmf_reset_allowed(const struct session *s)
{
	const struct rt_tpg_cfg *tpg = &s->eng->cfg->targets[s->target].tpgs[s->tpg];
	const struct rt_acl_cfg *acl = access_acl(tpg, s->initiator);
	return acl != NULL ? acl->target_reset : tpg->target_reset;
}

/* Does s map LU index lu? */
static bool tmf_view_has(const struct session *s, uint32_t lu)
{
	for (uint32_t i = 0; i < s->lun_count; i++)
		if (s->luns[i].lu == lu)
			return true;
	return false;
}

/* Is every LU o addresses in the view of s (and o addresses some)? */
static bool tmf_view_within(const struct session *o, const struct session *s)
{
	for (uint32_t i = 0; i < o->lun_count; i++)
		if (!tmf_view_has(s, o->luns[i].lu))
			return false;
	return o->lun_count > 0;
}

/* After the answer to a cold reset from s: end the I_T nexuses it may. */
static void tmf_cold_reset_end_nexuses(struct session *s)
{
	for (struct session *o = s->eng->sessions; o; o = o->next) {
		if (o == s || o->closed || o->discovery || o->target != s->target)
			continue;
		bool within = tmf_view_within(o, s);
#ifdef RT_PLANT_BUG_target_reset_whole_target
		within = true; /* planted: every session of the target (below) */
#endif
		if (within)
			sess_close(o);
	}
	if (!s->closed)
		sess_close(s);
}

static void tmf_send(struct tmf *tmf, struct session *s)
{
	struct conn *c = tmf->conn;
	if (c != NULL && c->state == CONN_FFP) {
		uint8_t bhs[ISCSI_BHS_LEN];
		pdu_init(bhs, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL);
		bhs[PDU_TMF_RESPONSE] = tmf->response;
		pdu_set_w(bhs, PDU_ITT, tmf->itt);
		conn_stamp(c, bhs, true);
		conn_send(c, bhs, NULL, 0);
		conn_flush(c);
	}
	tmf->active = false;
	if (tmf->cold_reset)
		tmf_cold_reset_end_nexuses(s);
	sess_maybe_free(s); /* a closed session waited for this answer (sess_reapable) */
}

void tmf_task_drained(struct tmf *tmf)
{
	/* The session owning tmf is the one the drained task belonged to. */
	if (--tmf->pending == 0)
		tmf_send(tmf, tmf->sess);
}

/* Abort the tasks of s on lu. Tasks not yet delivered (still ahead of
 * ExpCmdSN) come after the TMF in command order (§11.5.1) and stay.
 * Returns whether any task was aborted. */
static bool tmf_abort_on_lu(struct session *s, struct tmf *tmf, const struct scsi_lu *lu)
{
	bool any = false;
	struct task *t = s->active;
	while (t) {
		struct task *next = t->next;
		bool delivered = t->state != TASK_RECEIVING && t->state != TASK_WAIT_SN;
		if (delivered && !t->aborted && t->cmd.lu == lu) {
			task_abort(t, tmf);
			any = true;
		} else if (delivered && t->state == TASK_EXEC && t->cmd.lu == lu) {
#ifndef RT_PLANT_BUG_reset_skips_aborting_tasks
			/* Aborted already (an ABORT TASK that still waits for
			 * its disk I/O): this TMF too is answered only once the
			 * task is gone (SAM-5 §7.1), else the initiator, told
			 * FUNCTION COMPLETE, retries a write whose first copy
			 * may still land. Planted bug (sim/README.md): the
			 * switch answers without waiting. */
			if (!task_abort_wait(t, tmf))
				tmf->response = ISCSI_TMF_RSP_REJECTED;
#endif
		}
		t = next;
	}
	return any;
}

static void tmf_abort_task(struct session *s, struct tmf *tmf, const uint8_t *bhs)
{
	uint32_t ref_itt = pdu_w(bhs, PDU_TMF_REF_TASK_TAG);
	uint32_t ref_sn = pdu_w(bhs, PDU_TMF_REFCMDSN);
	uint32_t cmd_sn = pdu_w(bhs, PDU_INI_CMDSN);
	for (struct task *t = s->active; t; t = t->next) {
		if (t->itt == ref_itt && !t->aborted) {
#ifdef RT_PLANT_BUG_abort_task_leak_crash
			/* Planted (sim/planted-bugs-net.txt): every ABORT TASK
			 * that finds its task leaks a reference the target keeps
			 * across sessions (tgt's conn_close refcount class); the
			 * fourth makes it die. No one case shows it: the
			 * fuzzer's sequences (nf_seq.c) must. */
			if (++s->eng->plant_leaked >= 4)
				__builtin_trap();
#endif
			task_abort(t, tmf);
			return;
		}
		/* aborted before and still in the storage path: it exists */
		if (t->itt == ref_itt && t->state == TASK_EXEC) {
			if (!task_abort_wait(t, tmf))
				tmf->response = ISCSI_TMF_RSP_REJECTED;
			return;
		}
	}
	/* §11.5.1: not found but inside the window and before this TMF: the
	 * command was lost on the way; consider it received. */
	if (sn_le(s->exp_cmd_sn, ref_sn) && sn_le(ref_sn, s->max_cmd_sn) && sn_lt(ref_sn, cmd_sn)) {
		sess_void_cmd_sn(s, ref_sn);
		return;
	}
	tmf->response = ISCSI_TMF_RSP_NO_TASK;
}

/* Every session's tasks on lu; initiators other than the one asking learn
 * of it through the SCSI layer (unit attention). */
static void tmf_clear_lu(struct session *s, struct tmf *tmf, struct scsi_lu *lu)
{
	for (struct session *o = s->eng->sessions; o; o = o->next) {
		if (o->closed || o->discovery)
			continue;
		if (tmf_abort_on_lu(o, tmf, lu) && o != s)
			scsi_tasks_cleared(lu, &o->nexus);
	}
}

/* The reset itself, on the issuer's view only (see the top of the file). */
static void tmf_target_reset(struct session *s, struct tmf *tmf, bool cold)
{
#ifdef RT_PLANT_BUG_target_reset_whole_target
	/* Planted (sim/planted-bugs.txt): the engine before issue 12
	 * defect 1's fix. Anyone may reset the target, and the reset is of
	 * the whole target whatever the issuer's view: every LU (and a cold
	 * one ends every session of the target, tmf_cold_reset_end_nexuses):
	 * one initiator's resets abort the others' commands and drop their
	 * sessions. */
	for (uint32_t lu = 0; lu < s->eng->cfg->lu_count; lu++) {
		tmf_clear_lu(s, tmf, s->eng->lus[lu]);
		scsi_target_reset(s->eng->lus[lu], &s->nexus, cold);
	}
	tmf->cold_reset = cold;
	return;
#endif
	if (!tmf_reset_allowed(s)) {
		eng_log(s->eng, RT_LOG_INFO, "session tsih=%u: TARGET %s RESET from %s refused (no target_reset permission)",
			s->tsih, cold ? "COLD" : "WARM", s->initiator);
		tmf->response = ISCSI_TMF_RSP_AUTH_FAILED;
		return;
	}
	for (uint32_t i = 0; i < s->lun_count; i++) {
		uint32_t lu = s->luns[i].lu;
		bool seen = false; /* one LU may sit under two LUNs of the map */
		for (uint32_t k = 0; k < i && !seen; k++)
			seen = s->luns[k].lu == lu;
		if (seen)
			continue;
		tmf_clear_lu(s, tmf, s->eng->lus[lu]);
		scsi_target_reset(s->eng->lus[lu], &s->nexus, cold);
	}
	tmf->cold_reset = cold;
}

void tmf_request(struct conn *c, const uint8_t *bhs)
{
	struct session *s = c->sess;
	struct tmf *tmf = NULL;
	c->eng->stats.tmfs++;
	for (uint32_t i = 0; i < SESS_TMF_MAX && tmf == NULL; i++)
		if (!s->tmf[i].active)
			tmf = &s->tmf[i];
	if (tmf == NULL) {
		conn_reject(c, bhs, ISCSI_REJECT_OUT_OF_RESOURCES);
		return;
	}
	memset(tmf, 0, sizeof(*tmf));
	tmf->active = true;
	tmf->sess = s;
	tmf->conn = c;
	tmf->itt = pdu_itt(bhs);
	tmf->function = bhs[PDU_FLAGS] & ISCSI_FUNCTION_MASK;
	tmf->response = ISCSI_TMF_RSP_COMPLETE;
	tmf->pending = 1; /* held until this function is done dispatching */

	struct erl2_reassign reassign = { 0 };
	uint64_t lun = scsi_lun_from_wire(pdu_lun(bhs));
	bool ro;
	struct scsi_lu *lu = sess_lun(s, lun, &ro);
	switch (tmf->function) {
	case ISCSI_TMF_ABORT_TASK:
		tmf_abort_task(s, tmf, bhs);
		break;
	case ISCSI_TMF_ABORT_TASK_SET:
		if (lu == NULL)
			tmf->response = ISCSI_TMF_RSP_NO_LUN;
		else
			tmf_abort_on_lu(s, tmf, lu);
		break;
	case ISCSI_TMF_CLEAR_TASK_SET:
	case ISCSI_TMF_LOGICAL_UNIT_RESET:
		if (lu == NULL) {
			tmf->response = ISCSI_TMF_RSP_NO_LUN;
			break;
		}
		tmf_clear_lu(s, tmf, lu);
		if (tmf->function == ISCSI_TMF_LOGICAL_UNIT_RESET)
			scsi_lu_reset(lu, &s->nexus);
		break;
	case ISCSI_TMF_TARGET_WARM_RESET:
	case ISCSI_TMF_TARGET_COLD_RESET:
		tmf_target_reset(s, tmf, tmf->function == ISCSI_TMF_TARGET_COLD_RESET);
		break;
	case ISCSI_TMF_CLEAR_ACA:
		/* We never establish ACA (NACA=1 CDBs are refused). */
		tmf->response = ISCSI_TMF_RSP_NOT_SUPPORTED;
		break;
	case ISCSI_TMF_TASK_REASSIGN:
		/* §11.5.1: needs ErrorRecoveryLevel 2 (erl2.h). */
		tmf->response = erl2_reassign_check(c, bhs, &reassign);
		break;
	default:
		tmf->response = ISCSI_TMF_RSP_REJECTED;
		break;
	}
	tmf_task_drained(tmf);
	/* The task's PDUs follow its TMF Response (erl2.h). */
	erl2_reassign_do(c, &reassign);
}
