/* tmf: see tmf.h. */
#include "tmf.h"

#include <string.h>

#include "conn.h"
#include "engine_int.h"
#include "pdu.h"
#include "session.h"
#include "task.h"

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
	if (tmf->cold_reset) {
		/* SAM-5 §7.8: a cold reset also ends every I_T nexus of the
		 * target, after the initiator has its answer. */
		uint32_t target = s->target;
		struct rt_engine *eng = s->eng;
		for (struct session *o = eng->sessions; o; o = o->next)
			if (!o->closed && !o->discovery && o->target == target)
				sess_close(o);
	}
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
			task_abort(t, tmf);
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

/* Is LU index i mapped anywhere in target t? */
static bool tmf_lu_in_target(const struct rt_target_cfg *t, uint32_t i)
{
	for (uint32_t g = 0; g < t->tpg_count; g++)
		if (cfg_tpg_maps_lu(&t->tpgs[g], i))
			return true;
	return false;
}

static void tmf_target_reset(struct session *s, struct tmf *tmf, bool cold)
{
	struct rt_engine *eng = s->eng;
	const struct rt_target_cfg *target = &eng->cfg->targets[s->target];
	for (uint32_t i = 0; i < eng->cfg->lu_count; i++) {
		if (!tmf_lu_in_target(target, i))
			continue;
		tmf_clear_lu(s, tmf, eng->lus[i]);
		scsi_target_reset(eng->lus[i], &s->nexus, cold);
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
		/* §11.5.1: reassignment needs ErrorRecoveryLevel 2. */
		tmf->response = ISCSI_TMF_RSP_NO_REASSIGN;
		break;
	default:
		tmf->response = ISCSI_TMF_RSP_REJECTED;
		break;
	}
	tmf_task_drained(tmf);
}
