/* task: see task.h. The life of a task:
 *
 *   task_cmd_header  SCSI Command header: CmdSN window, immediate data
 *                    rules, a pool entry and a buffer for write data
 *   task_cmd_pdu     immediate data in place: deliver now or hold (MC/S)
 *   task_deliver     its CmdSN turn: decode the CDB, size the buffer
 *   task_progress    unsolicited data done: R2Ts until everything is in
 *   task_exec        into the SCSI layer
 *   task_scsi_done   Data-In + status, then task_free
 */
#include "task.h"

#include <assert.h>
#include <string.h>

#include "conn.h"
#include "engine_int.h"
#include "pdu.h"
#include "session.h"
#include "task_buf.h"
#include "tmf.h"
#include "../scsi/sense.h"

/* TTT layout: pool index (10 bits), R2T slot (4 bits), generation (18
 * bits). The pool is smaller than 1024 entries, so a TTT is never the
 * reserved 0xffffffff. */
#define TTT_INDEX_BITS 10u
#define TTT_SLOT_BITS 4u
#define TTT_GEN_MASK 0x3ffffu
_Static_assert(RT_CMD_WINDOW_MAX + RT_IMMEDIATE_MAX < (1u << TTT_INDEX_BITS), "pool fits the TTT");
_Static_assert(TASK_R2T_MAX <= (1u << TTT_SLOT_BITS), "R2T slots fit the TTT");

static uint32_t task_ttt(const struct task *t, uint32_t slot)
{
	return (uint32_t)t->index | (slot << TTT_INDEX_BITS) |
	       ((t->gen & TTT_GEN_MASK) << (TTT_INDEX_BITS + TTT_SLOT_BITS));
}

static struct task *task_from_ttt(struct session *s, uint32_t ttt, struct r2t **r)
{
	uint32_t index = ttt & ((1u << TTT_INDEX_BITS) - 1);
	uint32_t slot = (ttt >> TTT_INDEX_BITS) & ((1u << TTT_SLOT_BITS) - 1);
	if (index >= s->pool_len)
		return NULL;
	struct task *t = &s->pool[index];
	if (t->state == TASK_FREE || t->aborted || !t->r2t[slot].active || t->r2t[slot].ttt != ttt)
		return NULL;
	*r = &t->r2t[slot];
	return t;
}

static struct task *task_find_itt(struct session *s, uint32_t itt)
{
	for (struct task *t = s->active; t; t = t->next)
		if (t->itt == itt && !t->aborted)
			return t;
	return NULL;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
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
	assert(t->state != TASK_FREE);
	if (t->counted)
		sess_slot_release(s);
	if (t->immediate)
		s->imm_used--;
	task_buf_free(t);
	for (struct conn *c = s->conns; c; c = c->sess_next)
		if (c->rx_task == t) {
			/* the rest of the data segment in flight is discarded */
			c->rx_task = NULL;
			c->rx.dst = NULL;
		}
	if (t->prev)
		t->prev->next = t->next;
	else
		s->active = t->next;
	if (t->next)
		t->next->prev = t->prev;
	s->nactive--;
	struct tmf *tmf = t->abort_tmf;
	struct rt_engine *eng = s->eng;
	bool was_delivered = t->seq != 0;
	if (t->state == TASK_BLOCKED)
		eng->blocked--;
	if (was_delivered && t->cmd.attr == SCSI_ATTR_ORDERED)
		eng->ordered_live--;
	t->state = TASK_FREE;
	t->gen++;
	t->prev = NULL;
	t->next = s->free;
	s->free = t;
	if (tmf)
		tmf_task_drained(tmf);
	sess_maybe_free(s);
	/* Not now: the caller may be walking a task list (an abort loop),
	 * and a task started here may end at once and free the next one. */
	if (was_delivered)
		eng->unblock_due = true;
}

/* ---- PDUs we send ---- */

static void task_send_r2t(struct task *t, struct conn *c)
{
	const struct iscsi_params *p = &t->sess->params;
	uint32_t slot = 0;
	while (t->r2t[slot].active)
		slot++;
	assert(slot < TASK_R2T_MAX);
	struct r2t *r = &t->r2t[slot];
	r->active = true;
	r->ttt = task_ttt(t, slot);
	r->sn = t->r2t_sn++;
	r->offset = t->r2t_offset;
	r->len = min_u32(p->max_burst_length, t->want - t->r2t_offset);
	r->got = 0;
	r->data_sn = 0;
	t->r2t_offset += r->len;
	t->r2t_active++;

	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL);
	put_be64(bhs + PDU_LUN, scsi_lun_to_wire(t->lun));
	pdu_set_w(bhs, PDU_ITT, t->itt);
	pdu_set_w(bhs, PDU_R2T_TTT, r->ttt);
	conn_stamp(c, bhs, false); /* §11.8: R2T carries the next StatSN */
	pdu_set_w(bhs, PDU_R2T_R2TSN, r->sn);
	pdu_set_w(bhs, PDU_R2T_BUFFER_OFFSET, r->offset);
	pdu_set_w(bhs, PDU_R2T_DESIRED_LENGTH, r->len);
	conn_send(c, bhs, NULL, 0);
}

/* Residual of the command (§11.4.5): the SCSI transfer length against the
 * initiator's Expected Data Transfer Length. */
static uint8_t task_residual(const struct task *t, uint32_t *count)
{
	const struct scsi_cmd *cmd = &t->cmd;
	uint32_t scsi_len = 0;
	if (!t->decode_failed)
		scsi_len = cmd->dir == SCSI_DIR_IN ? cmd->data_in_len : cmd->dir == SCSI_DIR_OUT ? cmd->xfer_len : 0;
	if (scsi_len > t->edtl) {
		*count = scsi_len - t->edtl;
		return ISCSI_RSP_OVERFLOW;
	}
	if (scsi_len < t->edtl) {
		*count = t->edtl - scsi_len;
		return ISCSI_RSP_UNDERFLOW;
	}
	*count = 0;
	return 0;
}

/* Data-In PDUs (§11.7), no larger than the initiator's
 * MaxRecvDataSegmentLength, F at every MaxBurstLength boundary; with good
 * status and no sense the last one carries the status (S bit). Returns
 * true if it did. */
static bool task_send_data_in(struct task *t, struct conn *c, uint32_t len, bool collapse)
{
	const struct iscsi_params *p = &c->params;
	uint32_t burst = t->sess->params.max_burst_length;
	uint32_t residual;
	uint8_t res_flags = task_residual(t, &residual);
	for (uint32_t off = 0; off < len;) {
		uint32_t n = min_u32(p->max_xmit_dsl, len - off);
		n = min_u32(n, burst - off % burst);
		bool last = off + n == len;
		uint8_t flags = (last || (off + n) % burst == 0) ? ISCSI_FLAG_FINAL : 0;
		uint8_t bhs[ISCSI_BHS_LEN];
		pdu_init(bhs, ISCSI_OP_DATA_IN, 0);
		pdu_set_w(bhs, PDU_ITT, t->itt);
		pdu_set_w(bhs, PDU_DATA_IN_TTT, ISCSI_TAG_RESERVED);
		bool status = last && collapse;
		if (status) {
			flags |= ISCSI_DATAIN_STATUS | res_flags;
			bhs[PDU_DATA_IN_STATUS] = t->cmd.status;
			pdu_set_w(bhs, PDU_DATA_IN_RESIDUAL_COUNT, residual);
		}
		bhs[PDU_FLAGS] = flags;
		conn_stamp(c, bhs, status);
		pdu_set_w(bhs, PDU_DATA_IN_DATASN, t->data_sn++);
		pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, off);
		conn_send(c, bhs, t->buf + off, n);
		off += n;
	}
	return len > 0 && collapse;
}

static void task_send_response(struct task *t, struct conn *c)
{
	const struct scsi_cmd *cmd = &t->cmd;
	uint32_t residual;
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL | task_residual(t, &residual));
	bhs[PDU_SCSI_RSP_RESPONSE] = ISCSI_RESPONSE_COMPLETED;
	bhs[PDU_SCSI_RSP_STATUS] = cmd->status;
	pdu_set_w(bhs, PDU_ITT, t->itt);
	conn_stamp(c, bhs, true);
	/* §11.4.8: the number of R2T and Data-In PDUs sent for the command. */
	pdu_set_w(bhs, PDU_SCSI_RSP_EXPDATASN, t->data_sn + t->r2t_sn);
	pdu_set_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT, residual);
	/* §11.4.7: sense data travels as SenseLength + Sense Data. */
	uint8_t sense[2 + SCSI_SENSE_MAX];
	uint32_t len = 0;
	if (cmd->sense_len > 0) {
		put_be16(sense, (uint16_t)cmd->sense_len);
		memcpy(sense + 2, cmd->sense, cmd->sense_len);
		len = 2 + cmd->sense_len;
	}
	conn_send(c, bhs, sense, len);
	conn_flush(c); /* sense lives on this stack frame (tx.h) */
}

static void task_respond(struct task *t)
{
	struct conn *c = t->conn;
	if (c == NULL || c->state != CONN_FFP)
		return;
	const struct scsi_cmd *cmd = &t->cmd;
	bool good = cmd->status == SCSI_STATUS_GOOD || cmd->status == SCSI_STATUS_CONDITION_MET;
	uint32_t len = 0;
	if (!t->decode_failed && good && cmd->dir == SCSI_DIR_IN && (t->flags & ISCSI_CMD_READ))
		len = min_u32(cmd->data_in_len, t->edtl);
	bool collapse = good && cmd->sense_len == 0;
	if (!task_send_data_in(t, c, len, collapse))
		task_send_response(t, c);
	conn_flush(c);
	if (cmd->status == SCSI_STATUS_CHECK_CONDITION)
		t->sess->eng->stats.scsi_check_conditions++;
}

/* ---- the SCSI layer ---- */

static void task_scsi_done(struct scsi_cmd *cmd)
{
	struct task *t = cmd->owner;
	assert(t->state == TASK_EXEC);
	/* Sending may find the connection dead and abort its tasks, this one
	 * included: from here it only waits to be freed below. */
	t->state = TASK_ANSWERING;
	if (!t->aborted) {
		/* Release the window slot first, so the status carries the
		 * MaxCmdSN it opens (§4.2.2.1). */
		if (t->counted) {
			sess_slot_release(t->sess);
			t->counted = false;
		}
		task_respond(t);
	}
	task_free(t);
}

/* SAM-5 §8.6, one task set per LU: an ORDERED task starts once every
 * task delivered before it on the LU has ended; a SIMPLE one once no
 * earlier ORDERED task is pending; HEAD OF QUEUE at once. With no ORDERED
 * task anywhere this costs nothing. */
static bool task_may_start(const struct task *t)
{
	struct rt_engine *eng = t->sess->eng;
	bool ordered = t->cmd.attr == SCSI_ATTR_ORDERED;
	if (t->cmd.attr == SCSI_ATTR_HEAD_OF_QUEUE || (eng->ordered_live == 0 && !ordered))
		return true;
	for (const struct session *s = eng->sessions; s; s = s->next) {
		for (const struct task *o = s->active; o; o = o->next) {
			bool delivered = o->state == TASK_DATA_OUT || o->state == TASK_BLOCKED ||
					 o->state == TASK_EXEC || o->state == TASK_ANSWERING;
			if (o == t || !delivered || o->cmd.lu != t->cmd.lu || o->seq > t->seq)
				continue;
			if (ordered || o->cmd.attr == SCSI_ATTR_ORDERED)
				return false;
		}
	}
	return true;
}

static void task_start(struct task *t);

static void task_exec(struct task *t)
{
	if (!t->decode_failed && !task_may_start(t)) {
		t->state = TASK_BLOCKED;
		t->sess->eng->blocked++;
		return;
	}
	task_start(t);
}

/* The oldest blocked task that may start now, or NULL. */
static struct task *task_next_unblocked(struct rt_engine *eng)
{
	struct task *best = NULL;
	for (struct session *s = eng->sessions; s; s = s->next)
		for (struct task *t = s->active; t; t = t->next)
			if (t->state == TASK_BLOCKED && (best == NULL || t->seq < best->seq) && task_may_start(t))
				best = t;
	return best;
}

void task_unblock(struct rt_engine *eng)
{
	struct task *t;
	while (eng->blocked > 0 && (t = task_next_unblocked(eng)) != NULL) {
		eng->blocked--;
		task_start(t);
	}
}

static void task_start(struct task *t)
{
	struct scsi_cmd *cmd = &t->cmd;
	t->state = TASK_EXEC;
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
		task_respond(t);
		t->aborted = true;
	}
#endif
	scsi_cmd_exec(cmd);
}

/* Solicit what is missing, or execute once everything is in (§4.2.5.2). */
static void task_progress(struct task *t)
{
	if (t->state != TASK_DATA_OUT || !t->unsol_done)
		return;
	if (t->r2t_offset < t->unsol_got)
		t->r2t_offset = t->unsol_got;
	struct conn *c = t->conn;
	uint32_t max_r2t = min_u32(t->sess->params.max_outstanding_r2t, TASK_R2T_MAX);
	bool sent = false;
	while (c && t->r2t_offset < t->want && t->r2t_active < max_r2t) {
		task_send_r2t(t, c);
		sent = true;
	}
	if (sent)
		conn_flush(c);
	if (t->r2t_active == 0 && t->r2t_offset >= t->want)
		task_exec(t);
}

static void task_fail(struct task *t, enum scsi_cond cond)
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
	assert(t->state == TASK_WAIT_SN || t->state == TASK_DATA_OUT);
	if (!t->immediate) {
		sess_cmd_sn_taken(s, true);
		t->counted = true;
	}
	t->state = TASK_DATA_OUT;
	t->seq = ++s->eng->deliver_seq;
	struct scsi_cmd *cmd = &t->cmd;
	bool ro;
	cmd->lu = sess_lun(s, t->lun, &ro);
	cmd->read_only = ro;
	cmd->nexus = &s->nexus;
	cmd->luns = s->luns;
	cmd->lun_count = s->lun_count;
	cmd->lun = t->lun;
	cmd->attr = (enum scsi_task_attr)(t->flags & ISCSI_CMD_ATTR_MASK);
	if (cmd->attr == SCSI_ATTR_ORDERED)
		s->eng->ordered_live++;
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
		t->want = min_u32(t->edtl, cmd->xfer_len);
	task_progress(t);
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

int task_cmd_header(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst)
{
	struct session *s = c->sess;
	*dst = NULL;
	c->rx_task = NULL;
	if (s->discovery) {
		/* §4.3: a discovery session carries Text, Logout and NOP only. */
		conn_reject(c, hdr, ISCSI_REJECT_PROTOCOL_ERROR);
		return 0;
	}
	bool imm = pdu_immediate(hdr);
	uint32_t cmd_sn = pdu_w(hdr, PDU_INI_CMDSN);
	c->exp_stat_sn = pdu_w(hdr, PDU_INI_EXPSTATSN);
	enum sn_verdict v = sess_cmd_sn_check(s, cmd_sn, imm);
	if (v == SN_IGNORE) {
		eng_log(c->eng, RT_LOG_DEBUG, "conn %u: SCSI command CmdSN %u outside [%u, %u]: ignored", c->id,
			cmd_sn, s->exp_cmd_sn, s->max_cmd_sn);
		return 0;
	}
	int reason = task_check_header(s, hdr);
	if (reason == 0 && task_find_itt(s, pdu_itt(hdr)) != NULL)
		reason = ISCSI_REJECT_TASK_IN_PROGRESS; /* §11.17.1 */
	if (reason != 0) {
		/* The CmdSN stays a gap for the initiator to plug (§11.17.1). */
		conn_reject(c, hdr, (uint8_t)reason);
		return 0;
	}
	struct task *t = task_alloc(s, imm);
	if (t == NULL) {
		conn_reject(c, hdr, imm ? ISCSI_REJECT_IMMEDIATE_CMD : ISCSI_REJECT_OUT_OF_RESOURCES);
		return 0;
	}
	t->conn = c;
	t->state = TASK_RECEIVING;
	t->itt = pdu_itt(hdr);
	t->cmd_sn = cmd_sn;
	t->edtl = pdu_w(hdr, PDU_SCSI_CMD_EDTL);
	t->flags = hdr[PDU_FLAGS];
	t->lun = scsi_lun_from_wire(pdu_lun(hdr));
	if (task_take_cdb(t, hdr, ahs_len) != 0) {
		task_free(t);
		conn_reject(c, hdr, ISCSI_REJECT_INVALID_PDU_FIELD);
		return 0;
	}
	if (t->flags & ISCSI_CMD_WRITE) {
		const struct iscsi_params *p = &s->params;
		/* §13.10/§13.14: immediate data always counts as unsolicited;
		 * with InitialR2T=No, Data-Out may follow up to FirstBurstLength. */
		t->unsol_max = p->initial_r2t ? pdu_dsl(hdr) : min_u32(p->first_burst_length, t->edtl);
		if (t->edtl > 0 && t->edtl <= RT_XFER_MAX) {
			/* none: its data will be discarded */
			t->no_buf = task_buf_grow(t, t->edtl) != 0;
		}
	}
	*dst = t->buf;
	c->rx_task = t;
	return 0;
}

void task_cmd_pdu(struct conn *c, bool data_digest_ok)
{
	struct task *t = c->rx_task;
	c->rx_task = NULL;
	if (t == NULL)
		return;
	struct session *s = t->sess;
	const uint8_t *hdr = c->rx.hdr;
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
		t->state = TASK_WAIT_SN;
		return;
	}
	t->state = TASK_DATA_OUT;
	task_deliver(t);
	sess_deliver_early(s);
}

/* End a task early with cond, an ABORTED COMMAND condition: no more data is
 * solicited or accepted, and the status goes out as soon as its CmdSN turn
 * has come (at once if it has). */
static void task_terminate(struct task *t, enum scsi_cond cond)
{
	assert(sense_key_of(cond) == SENSE_KEY_ABORTED_COMMAND);
	task_fail(t, cond);
	t->unsol_done = true;
	t->want = 0;
	for (uint32_t i = 0; i < TASK_R2T_MAX; i++)
		t->r2t[i].active = false;
	t->r2t_active = 0;
	task_progress(t);
}

/* ---- Data-Out PDUs (§11.7) ---- */

/* A Data-Out that breaks the sequence rules of its task (§11.7): at ERL 0
 * nothing can ask for the data again, so the initiator hears which PDU was
 * wrong (Reject, §11.17) and the task ends now with CHECK CONDITION,
 * ABORTED COMMAND and the sense that names the fault (§11.4.7.2, SPC-4
 * 4Bh). Nothing of it reaches the disk; the connection stays. */
static int task_data_out_error(struct conn *c, const uint8_t *bhs, struct task *t, enum scsi_cond cond,
			       const char *why)
{
	eng_log(c->eng, RT_LOG_INFO, "conn %u: ITT 0x%x: %s", c->id, t->itt, why);
	conn_reject(c, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	task_terminate(t, cond);
	return 0;
}

int task_data_out_header(struct conn *c, const uint8_t *bhs, uint8_t **dst)
{
	struct session *s = c->sess;
	*dst = NULL;
	c->rx_task = NULL;
	c->rx_r2t = NULL;
	if (s->discovery) {
		conn_reject(c, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return 0;
	}
	c->exp_stat_sn = pdu_w(bhs, PDU_INI_EXPSTATSN);
	uint32_t itt = pdu_itt(bhs), ttt = pdu_w(bhs, PDU_DATA_OUT_TTT);
	uint32_t data_sn = pdu_w(bhs, PDU_DATA_OUT_DATASN), offset = pdu_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET);
	uint32_t len = pdu_dsl(bhs);
	bool final = pdu_final(bhs);
	struct task *t;
	struct r2t *r = NULL;
	if (ttt == ISCSI_TAG_RESERVED) {
		t = task_find_itt(s, itt);
		if (t == NULL || t->conn != c) {
			/* Data for a task already aborted or finished (§4.2.3.4):
			 * discard it quietly. */
			eng_log(c->eng, RT_LOG_DEBUG, "conn %u: Data-Out for unknown ITT 0x%x discarded", c->id, itt);
			return 0;
		}
		if (t->unsol_done || !(t->flags & ISCSI_CMD_WRITE))
			return task_data_out_error(c, bhs, t, SC_UNEXPECTED_UNSOLICITED_DATA, "unexpected unsolicited data");
		if (data_sn != t->unsol_data_sn)
			return task_data_out_error(c, bhs, t, SC_DATA_PHASE_ERROR, "unsolicited Data-Out with a wrong DataSN");
		if (offset != t->unsol_got)
			return task_data_out_error(c, bhs, t, SC_DATA_OFFSET_ERROR, "unsolicited Data-Out at a wrong offset");
		if (len > t->unsol_max - t->unsol_got)
			return task_data_out_error(c, bhs, t, SC_TOO_MUCH_WRITE_DATA, "unsolicited data beyond FirstBurstLength/EDTL");
	} else {
		t = task_from_ttt(s, ttt, &r);
		if (t == NULL || t->itt != itt || t->conn != c) {
			eng_log(c->eng, RT_LOG_DEBUG, "conn %u: Data-Out for unknown TTT 0x%x discarded", c->id, ttt);
			return 0;
		}
		if (data_sn != r->data_sn)
			return task_data_out_error(c, bhs, t, SC_DATA_PHASE_ERROR, "Data-Out with a wrong DataSN");
		if (offset != r->offset + r->got)
			return task_data_out_error(c, bhs, t, SC_DATA_OFFSET_ERROR, "Data-Out at a wrong offset");
		if (len > r->len - r->got || (final && r->got + len != r->len))
			return task_data_out_error(c, bhs, t, SC_TOO_MUCH_WRITE_DATA, "Data-Out beyond the R2T's burst");
	}
	c->rx_task = t;
	c->rx_r2t = r;
	/* t->buf holds EDTL bytes; offsets were checked against it above. */
	*dst = t->buf ? t->buf + offset : NULL;
	return 0;
}

void task_data_out_pdu(struct conn *c, bool data_digest_ok)
{
	struct task *t = c->rx_task;
	struct r2t *r = c->rx_r2t;
	c->rx_task = NULL;
	c->rx_r2t = NULL;
	if (t == NULL)
		return;
	const uint8_t *hdr = c->rx.hdr;
	if (!data_digest_ok) {
		/* §7.8: Reject and discard; at ERL 0 (no recovery R2T) the task
		 * ends with "Protocol Service CRC error" (§11.4.7.2). */
		conn_reject(c, hdr, ISCSI_REJECT_DATA_DIGEST);
		task_terminate(t, SC_PROTOCOL_CRC_ERROR);
		return;
	}
	uint32_t len = pdu_dsl(hdr);
	if (r == NULL) {
		t->unsol_got += len;
		t->unsol_data_sn++;
		if (pdu_final(hdr))
			t->unsol_done = true;
	} else {
		r->got += len;
		r->data_sn++;
		if (r->got == r->len) {
			r->active = false;
			t->r2t_active--;
		}
	}
	task_progress(t);
}

/* ---- aborts ---- */

void task_abort(struct task *t, struct tmf *tmf)
{
	if (t->aborted)
		return;
	t->aborted = true;
	if (t->state == TASK_ANSWERING)
		return; /* task_scsi_done frees it */
	if (t->state == TASK_EXEC) {
		/* The SCSI layer owns it until done(), which follows once its
		 * disk I/O in flight returns (maybe now): no more I/O starts. */
		if (tmf) {
			t->abort_tmf = tmf;
			tmf->pending++;
		}
		scsi_cmd_abort(&t->cmd);
		return;
	}
	if (!t->immediate && (t->state == TASK_RECEIVING || t->state == TASK_WAIT_SN))
		sess_void_cmd_sn(t->sess, t->cmd_sn); /* §11.5.1 b): consider it received */
	task_free(t);
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
