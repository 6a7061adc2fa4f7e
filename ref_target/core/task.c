/* task: see task.h. The life of a task, and where each step lives:
 *
 *   task_cmd_header   SCSI Command header: CmdSN window, immediate data
 *                     rules, a pool entry and a buffer for write data
 *   task_cmd_pdu      immediate data in place: deliver now or hold (MC/S)
 *   task_deliver      its CmdSN turn: decode the CDB, size the buffer,
 *                     enter its LU's task set (SAM-5 §8)
 *   dataout_progress  unsolicited data done: R2Ts until everything is in
 *                     (dataout.c)
 *   task_exec         into the SCSI layer, which may hold it back for its
 *                     task attribute or the LU's gate (scsi/taskset.h)
 *   task_scsi_done    Data-In + status (datain.c), then task_free
 *
 * Every state change goes through task_set_state, which checks it against
 * the table of allowed transitions below.
 */
#include "task.h"

#include <assert.h>
#include <string.h>

#include "conn.h"
#include "datain.h"
#include "dataout.h"
#include "engine_int.h"
#include "erl2.h"
#include "pdu.h"
#include "recovery.h"
#include "session.h"
#include "task_buf.h"
#include "tmf.h"

#define TASK_S(state) (1u << (state))

/* Allowed transitions, from -> set of to. A task leaves the pool
 * receiving its SCSI Command PDU; it may be freed (aborted) in any state;
 * in TASK_EXEC only when the engine is destroyed (scsi_cmd_release),
 * otherwise the SCSI layer's done() moves it on. */
static const uint32_t task_next_states[TASK_STATES] = {
	[TASK_FREE] = TASK_S(TASK_RECEIVING),
	[TASK_RECEIVING] = TASK_S(TASK_WAIT_SN) | TASK_S(TASK_DATA_OUT) | TASK_S(TASK_FREE),
	[TASK_WAIT_SN] = TASK_S(TASK_DATA_OUT) | TASK_S(TASK_FREE),
	[TASK_DATA_OUT] = TASK_S(TASK_EXEC) | TASK_S(TASK_FREE),
	[TASK_EXEC] = TASK_S(TASK_ANSWERING) | TASK_S(TASK_FREE),
	[TASK_ANSWERING] = TASK_S(TASK_FREE),
};

void task_set_state(struct task *t, enum task_state to)
{
	assert(t->state < TASK_STATES && to < TASK_STATES);
	assert(task_next_states[t->state] & TASK_S(to));
	t->state = to;
}

struct task *task_find_itt(struct session *s, uint32_t itt)
{
	for (struct task *t = s->active; t; t = t->next)
		if (t->itt == itt && !t->aborted)
			return t;
	return NULL;
}

/* ---- the pool ---- */

static struct task *task_alloc(struct session *s, bool immediate)
{
	if (immediate && s->imm_used >= RT_IMMEDIATE_MAX)
		return NULL;
	struct task *t = s->free;
	if (t == NULL)
		return NULL;
	s->free = t->next;
	uint16_t index = t->index, gen = t->gen;
	memset(t, 0, sizeof(*t));
	t->sess = s;
	t->index = index;
	t->gen = gen;
	t->immediate = immediate;
	if (immediate)
		s->imm_used++;
	t->next = s->active;
	if (s->active)
		s->active->prev = t;
	s->active = t;
	s->nactive++;
	return t;
}

void task_free(struct task *t)
{
	struct session *s = t->sess;
	if (t->counted)
		sess_slot_release(s);
	if (t->immediate)
		s->imm_used--;
	task_buf_free(t);
	if (t->conn != NULL)
		rcv_task_gone(t->conn, t->itt); /* what it kept without status (recovery.h) */
	erl2_task_freed(t);
	for (struct conn *c = s->conns; c; c = c->sess_next)
		conn_rx_task_gone(c, t);
	/* What it held back (SAM-5 §8.6) starts at the end of the event:
	 * the caller may be walking a task list (an abort loop), and a task
	 * started here may end at once and free the next one (fuzz F4). */
	scsi_task_leave(&t->cmd);
	if (t->prev)
		t->prev->next = t->next;
	else
		s->active = t->next;
	if (t->next)
		t->next->prev = t->prev;
	s->nactive--;
	struct tmf *tmfs[RT_TASK_TMF_WAITERS_MAX];
	memcpy(tmfs, t->abort_tmf, sizeof(tmfs));
	memset(t->abort_tmf, 0, sizeof(t->abort_tmf));
	task_set_state(t, TASK_FREE);
	t->gen++;
	t->prev = NULL;
	t->next = s->free;
	s->free = t;
	for (uint32_t i = 0; i < RT_TASK_TMF_WAITERS_MAX; i++)
		if (tmfs[i])
			tmf_task_drained(tmfs[i]);
	sess_maybe_free(s);
}

/* ---- the SCSI layer ---- */

static void task_scsi_done(struct scsi_cmd *cmd)
{
	struct task *t = cmd->owner;
	/* Sending may find the connection dead and abort its tasks, this one
	 * included: from here it only waits to be freed below. */
	task_set_state(t, TASK_ANSWERING);
	if (!t->aborted && t->cr_slot != 0) {
		/* ERL 2: its connection failed; the status waits, with its
		 * window slot, for TASK REASSIGN or the end of Time2Retain
		 * (erl2.h). Done, it holds nothing back in its task set. */
		t->held = true;
		scsi_task_leave(&t->cmd);
		return;
	}
	if (!t->aborted) {
		/* Release the window slot first, so the status carries the
		 * MaxCmdSN it opens (§4.2.2.1). */
		if (t->counted) {
			sess_slot_release(t->sess);
			t->counted = false;
		}
		datain_respond(t);
	}
	task_free(t);
}

void task_exec(struct task *t)
{
	struct scsi_cmd *cmd = &t->cmd;
	task_set_state(t, TASK_EXEC);
	cmd->done = task_scsi_done;
	cmd->owner = t;
	if (t->decode_failed) {
		task_scsi_done(cmd);
		return;
	}
	cmd->data_out_len = t->want;
	t->sess->eng->stats.scsi_cmds++;
#ifdef RT_PLANT_BUG_ack_before_disk
	/* Planted bug (sim/README.md): a write is acknowledged GOOD before the
	 * disk has it; its real completion is then swallowed. */
	if (cmd->dir == SCSI_DIR_OUT && t->want > 0) {
		if (t->counted) {
			sess_slot_release(t->sess);
			t->counted = false;
		}
		cmd->status = SCSI_STATUS_GOOD;
		cmd->sense_len = 0;
		datain_respond(t);
		t->aborted = true;
	}
#endif
	scsi_cmd_exec(cmd);
}

void task_fail(struct task *t, enum scsi_cond cond)
{
	t->decode_failed = true;
	scsi_fail(&t->cmd, cond);
}

/* The decoded command's buffer: xfer_len, within RT_XFER_MAX (scsi.h). */
static void task_size_buffer(struct task *t)
{
	struct scsi_cmd *cmd = &t->cmd;
	assert(cmd->xfer_len <= RT_XFER_MAX);
	if (t->no_buf || task_buf_grow(t, cmd->xfer_len) != 0) {
		/* SAM-5: no resources now; the initiator retries. Never run a
		 * write whose data had nowhere to go. */
		t->decode_failed = true;
		cmd->status = SCSI_STATUS_TASK_SET_FULL;
		cmd->sense_len = 0;
	}
}

void task_deliver(struct task *t)
{
	struct session *s = t->sess;
	if (!t->immediate) {
		sess_cmd_sn_taken(s, true);
		t->counted = true;
	}
	task_set_state(t, TASK_DATA_OUT);
	struct scsi_cmd *cmd = &t->cmd;
	bool ro;
	cmd->lu = sess_lun(s, t->lun, &ro);
	cmd->read_only = ro;
	cmd->nexus = &s->nexus;
	cmd->luns = s->luns;
	cmd->lun_count = s->lun_count;
	cmd->lun = t->lun;
	cmd->attr = (enum scsi_task_attr)(t->flags & ISCSI_CMD_ATTR_MASK);
	cmd->edtl = t->edtl;
	cmd->lu_table = s->eng->lus;
	bool out = (t->flags & ISCSI_CMD_WRITE) != 0;
	if (t->decode_failed) {
		/* terminated while it waited for its turn: status and sense set */
	} else if ((t->flags & ISCSI_CMD_READ) && out) {
		/* Bidirectional commands: none of ours takes both. */
		task_fail(t, SC_INVALID_FIELD_CDB);
	} else if (t->edtl > RT_XFER_MAX) {
		/* SAM-5: more than we will move for one command. */
		task_fail(t, SC_INVALID_FIELD_IU);
	} else if (scsi_cmd_decode(cmd) != 0) {
		t->decode_failed = true;
	} else {
		task_size_buffer(t);
	}
	cmd->buf = t->buf;
	cmd->buf_len = t->buf_len;
	if (!t->decode_failed && cmd->dir == SCSI_DIR_OUT && out)
		t->want = task_min_u32(t->edtl, cmd->xfer_len);
	/* Decoded or not, it holds back what its attribute says from now
	 * on, as it did in CmdSN order (scsi/taskset.h). */
	scsi_task_enter(cmd);
	dataout_progress(t);
}

/* ---- SCSI Command PDUs ---- */

/* The CDB: 16 bytes in the BHS, more in an Extended CDB AHS (§11.3.5,
 * §11.2.2.3). Returns -1 if the AHS is malformed. */
static int task_take_cdb(struct task *t, const uint8_t *hdr, uint32_t ahs_len)
{
	memcpy(t->cmd.cdb, hdr + PDU_SCSI_CMD_CDB, ISCSI_CDB_LEN);
	t->cmd.cdb_len = ISCSI_CDB_LEN;
	const uint8_t *a = hdr + ISCSI_BHS_LEN;
	uint32_t off = 0;
	while (off + 4 <= ahs_len) {
		uint32_t len = get_be16(a + off); /* AHS-specific bytes after the type */
		uint8_t type = a[off + 2];
		uint32_t total = 3 + len + pdu_pad(3 + len);
		if (off + 3 + len > ahs_len || len < 1)
			return -1;
		if (type == 1) { /* Extended CDB: a reserved byte, then the CDB rest */
			uint32_t ext = len - 1;
			if (ISCSI_CDB_LEN + ext > SCSI_CDB_MAX)
				return -1;
			memcpy(t->cmd.cdb + ISCSI_CDB_LEN, a + off + 4, ext);
			t->cmd.cdb_len = ISCSI_CDB_LEN + ext;
		} else if (type != 2) {
			return -1; /* §11.2.2.2: reserved AHS type */
		}
		off += total;
	}
	return 0;
}

/* §11.3: what the header allows before a task is worth creating.
 * Returns a Reject reason or 0. */
static int task_check_header(const struct session *s, const uint8_t *hdr)
{
	uint8_t flags = hdr[PDU_FLAGS];
	uint32_t dsl = pdu_dsl(hdr);
	uint32_t edtl = pdu_w(hdr, PDU_SCSI_CMD_EDTL);
	bool write = (flags & ISCSI_CMD_WRITE) != 0;
	if (pdu_itt(hdr) == ISCSI_TAG_RESERVED)
		return ISCSI_REJECT_INVALID_PDU_FIELD;
	/* §11.3.4: immediate data needs ImmediateData=Yes, a write, and fits
	 * in both EDTL and FirstBurstLength. */
	if (dsl > 0 && (!s->params.immediate_data || !write || dsl > edtl ||
			dsl > s->params.first_burst_length))
		return ISCSI_REJECT_PROTOCOL_ERROR;
	/* §11.3.1: F=0 announces unsolicited Data-Out: needs InitialR2T=No. */
	if (!(flags & ISCSI_FLAG_FINAL) && (!write || s->params.initial_r2t))
		return ISCSI_REJECT_PROTOCOL_ERROR;
	return 0;
}

enum rx_verdict task_cmd_header(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst)
{
	struct session *s = c->sess;
	*dst = NULL;
	c->rx_ctx.cmd_task = NULL;
	bool imm = pdu_immediate(hdr);
	uint32_t cmd_sn = pdu_w(hdr, PDU_INI_CMDSN);
	enum sn_verdict v = sess_cmd_sn_check(s, cmd_sn, imm);
	if (v == SN_IGNORE) {
		eng_log(c->eng, RT_LOG_DEBUG, "conn %u: SCSI command CmdSN %u outside [%u, %u]: ignored", c->id,
			cmd_sn, s->exp_cmd_sn, s->max_cmd_sn);
		return RX_GO;
	}
	int reason = task_check_header(s, hdr);
	if (reason == 0 && task_find_itt(s, pdu_itt(hdr)) != NULL)
		reason = ISCSI_REJECT_TASK_IN_PROGRESS; /* §11.17.1 */
	if (reason != 0) {
		/* A rejected command PDU does not consume its CmdSN. RFC 7143
		 * §7.3 (Usage of Reject PDU in Recovery): "The CmdSN of the
		 * rejected command PDU (if it is a non-immediate command) MUST NOT
		 * be considered received by the target (i.e., a command sequence
		 * gap must be assumed for the CmdSN), even though the CmdSN of the
		 * rejected command PDU may be reliably ascertained. Upon receiving
		 * the Reject, the initiator MUST plug the CmdSN gap": by sending a
		 * command with that CmdSN, or by aborting the task (§11.5.1: ABORT
		 * TASK with that RefCmdSN makes it received, tmf.c). Until then
		 * later commands wait, as §4.2.2.1 orders delivery by CmdSN. This
		 * holds for every Reject here: F=0 while InitialR2T=Yes, immediate
		 * data not allowed, the reserved ITT, an ITT in use (§11.17.1). */
		conn_reject(c, hdr, (uint8_t)reason);
		return RX_GO;
	}
	struct task *t = task_alloc(s, imm);
	if (t == NULL) {
		conn_reject(c, hdr, imm ? ISCSI_REJECT_IMMEDIATE_CMD : ISCSI_REJECT_OUT_OF_RESOURCES);
		return RX_GO;
	}
	t->conn = c;
	rcv_itt_reused(c, pdu_itt(hdr));
	erl2_itt_reused(s, pdu_itt(hdr));
	task_set_state(t, TASK_RECEIVING);
	t->itt = pdu_itt(hdr);
	t->cmd_sn = cmd_sn;
	t->edtl = pdu_w(hdr, PDU_SCSI_CMD_EDTL);
	t->flags = hdr[PDU_FLAGS];
	t->lun = scsi_lun_from_wire(pdu_lun(hdr));
	if (task_take_cdb(t, hdr, ahs_len) != 0) {
		task_free(t);
		conn_reject(c, hdr, ISCSI_REJECT_INVALID_PDU_FIELD);
		return RX_GO;
	}
	if (t->flags & ISCSI_CMD_WRITE) {
		const struct iscsi_params *p = &s->params;
		/* §13.10/§13.14: immediate data always counts as unsolicited;
		 * with InitialR2T=No, Data-Out may follow up to FirstBurstLength. */
		t->unsol_max = p->initial_r2t ? pdu_dsl(hdr) : task_min_u32(p->first_burst_length, t->edtl);
		if (t->edtl > 0 && t->edtl <= RT_XFER_MAX) {
			/* none: its data will be discarded */
			t->no_buf = task_buf_grow(t, t->edtl) != 0;
		}
	}
	*dst = t->buf;
	c->rx_ctx.cmd_task = t;
	return RX_GO;
}

void task_cmd_rx_task_gone(struct conn *c, const struct task *t)
{
	if (c->rx_ctx.cmd_task != t)
		return;
	/* the rest of the data segment in flight is discarded */
	c->rx_ctx.cmd_task = NULL;
	c->rx.dst = NULL;
}

void task_cmd_pdu(struct conn *c, const struct rx *rx, bool data_digest_ok)
{
	struct task *t = c->rx_ctx.cmd_task;
	c->rx_ctx.cmd_task = NULL;
	if (t == NULL)
		return;
	struct session *s = t->sess;
	const uint8_t *hdr = rx->hdr;
	if (!data_digest_ok) {
		/* §7.8: Reject and discard; the command was not received, so its
		 * CmdSN is a gap the initiator plugs by retrying. */
		task_free(t);
		conn_reject(c, hdr, ISCSI_REJECT_DATA_DIGEST);
		return;
	}
	t->unsol_got = pdu_dsl(hdr);
	t->unsol_done = (t->flags & ISCSI_FLAG_FINAL) != 0;
	if (!t->immediate && t->cmd_sn != s->exp_cmd_sn) {
		task_set_state(t, TASK_WAIT_SN);
		return;
	}
	task_deliver(t);
	sess_deliver_early(s);
}

/* ---- aborts ---- */

void task_abort(struct task *t, struct tmf *tmf)
{
	if (t->aborted)
		return;
	t->aborted = true;
	if (t->state == TASK_ANSWERING) {
		if (t->held)
			task_free(t); /* done, its status never to be sent (ERL 2) */
		return; /* else task_scsi_done frees it */
	}
	if (t->state == TASK_EXEC) {
		/* The SCSI layer owns it until done(), which follows once its
		 * disk I/O in flight returns (maybe now): no more I/O starts. */
		if (tmf)
			task_abort_wait(t, tmf);
		scsi_cmd_abort(&t->cmd);
		return;
	}
	if (!t->immediate && (t->state == TASK_RECEIVING || t->state == TASK_WAIT_SN))
		sess_void_cmd_sn(t->sess, t->cmd_sn); /* §11.5.1 b): consider it received */
	task_free(t);
}

bool task_abort_wait(struct task *t, struct tmf *tmf)
{
	for (uint32_t i = 0; i < RT_TASK_TMF_WAITERS_MAX; i++) {
		if (t->abort_tmf[i] == tmf)
			return true;
		if (t->abort_tmf[i] == NULL) {
			t->abort_tmf[i] = tmf;
			tmf->pending++;
			return true;
		}
	}
	return false;
}

void task_conn_gone(struct conn *c)
{
	struct session *s = c->sess;
	struct task *t = s->active;
	while (t) {
		struct task *next = t->next;
		if (t->conn == c) {
			t->conn = NULL;
#ifdef RT_PLANT_BUG_stale_write_after_failover
			/* Planted bug (sim/README.md): writes of a lost connection
			 * go on to the disk, with what data they have. */
			if (t->flags & ISCSI_CMD_WRITE) {
				if (t->state == TASK_DATA_OUT && !t->decode_failed)
					task_exec(t);
				t = next;
				continue;
			}
#endif
			task_abort(t, NULL);
		}
		t = next;
	}
}

void task_reassign(struct task *t, struct conn *c)
{
	assert(t->conn == NULL && t->cr_slot == 0 && !t->aborted);
	t->conn = c;
	if (t->held) {
		/* As task_scsi_done would have: the slot first, so the status
		 * carries the MaxCmdSN it opens. */
		t->held = false;
		if (t->counted) {
			sess_slot_release(t->sess);
			t->counted = false;
		}
		datain_respond(t);
		task_free(t);
		return;
	}
	if (t->state == TASK_DATA_OUT)
		dataout_reassign(t);
	/* TASK_EXEC: it answers on c when the SCSI layer is done. */
}
