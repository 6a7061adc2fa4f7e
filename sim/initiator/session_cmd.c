/* initiator/session_cmd: the command side of isess: SCSI Command, Data-Out (immediate,
 * unsolicited, R2T-solicited), Data-In, SCSI Response, ABORT TASK
 * (RFC 7143 §11.3-§11.8) and the CmdSN window (§4.2.2.1). */
#include "sim/initiator/session_int.h"

#include "sim/base/time.h"

static unsigned min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* SAM-5 §4.7.3: single-level LUN, peripheral (<256) or flat (<16384). */
static void lun_to_wire(uint64_t lun, uint8_t *p)
{
	memset(p, 0, 8);
	if (lun < 256) {
		p[1] = (uint8_t)lun;
	} else {
		p[0] = (uint8_t)(0x40u | ((lun >> 8) & 0x3fu));
		p[1] = (uint8_t)lun;
	}
}

static int free_slot(const struct isess *s)
{
	unsigned start = s->itt_gen & (ISESS_TASKS_MAX - 1);
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++) {
		unsigned k = (start + i) & (ISESS_TASKS_MAX - 1);
		if (s->slots[k] == NULL)
			return (int)k;
	}
	return -1;
}

static void complete(struct isess *s, struct icmd *c, enum icmd_result r)
{
	unsigned slot = itt_slot(c->itt);
	if (c->st != ICS_WAIT && s->slots[slot] == c) {
		s->slots[slot] = NULL;
		s->in_flight--;
		if (c->deadline <= s->task_deadline)
			s->task_deadline_stale = true;
	}
	c->st = ICS_WAIT;
	c->result = r;
	s->ops.done(s->ops.ctx, s, c);
}

/* Data-Out PDUs for [off, end) of c, each within the target's
 * MaxRecvDataSegmentLength, DataSN from 0 per sequence (§11.7.5). */
static void send_data_out(struct isess *s, struct icmd *c, uint32_t ttt, uint32_t off, uint32_t end)
{
	uint32_t datasn = 0;
	while (off < end) {
		uint32_t n = min_u32(end - off, s->params.tgt_mrdsl);
		struct ipdu_tx tx;
		isess_pdu_init(s, &tx, ISCSI_OP_DATA_OUT, off + n == end ? ISCSI_FLAG_FINAL : 0, c->itt);
		lun_to_wire(c->lun, tx.bhs + PDU_LUN);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, ttt);
		pdu_set_w(tx.bhs, PDU_INI_CMDSN, 0); /* reserved in Data-Out */
		pdu_set_w(tx.bhs, PDU_DATA_OUT_DATASN, datasn++);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
		isess_send(s, &tx, c->buf + off, n);
		s->stats.data_out++;
		off += n;
	}
}

static void send_cmd(struct isess *s, struct icmd *c, unsigned slot)
{
	c->itt = isess_new_itt(s, ITT_CMD, slot);
	s->slots[slot] = c;
	s->in_flight++;
	c->cmdsn = s->cmdsn;
	c->st = ICS_SENT;
	c->exp_datasn = c->exp_r2tsn = c->data_in = c->r2t_open = 0;
	c->deadline = s->now + s->cfg->cmd_timeout_ns;
	if (c->deadline < s->task_deadline)
		s->task_deadline = c->deadline;
	if (++c->sends > 1)
		s->stats.resends++;
	/* §11.3: immediate data up to FirstBurstLength and the target's
	 * MaxRecvDataSegmentLength; without InitialR2T the rest of the first
	 * burst follows as unsolicited Data-Out (§13.10, §13.11, §13.14). */
	uint32_t imm = 0, unsol_end = 0;
	if (c->dir == ICMD_OUT) {
		uint32_t first = min_u32(c->len, s->params.first_burst_length);
		if (s->params.immediate_data)
			imm = min_u32(first, s->params.tgt_mrdsl);
		unsol_end = s->params.initial_r2t ? imm : first;
	}
	uint8_t flags = (uint8_t)(c->attr & ISCSI_CMD_ATTR_MASK);
	if (unsol_end == imm)
		flags |= ISCSI_FLAG_FINAL;
	if (c->dir == ICMD_IN)
		flags |= ISCSI_CMD_READ;
	if (c->dir == ICMD_OUT)
		flags |= ISCSI_CMD_WRITE;
	struct ipdu_tx tx;
	isess_pdu_init(s, &tx, ISCSI_OP_SCSI_CMD, flags, c->itt);
	lun_to_wire(c->lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, c->dir == ICMD_NONE ? 0 : c->len);
	memcpy(tx.bhs + PDU_SCSI_CMD_CDB, c->cdb, ISCSI_CDB_LEN);
	s->cmdsn++;
	if (s->ops.sent != NULL)
		s->ops.sent(s->ops.ctx, s, c);
	isess_send(s, &tx, c->buf, imm);
	if (unsol_end > imm)
		send_data_out(s, c, ISCSI_TAG_RESERVED, imm, unsol_end);
}

void itask_pump(struct isess *s)
{
	while (s->state == ISS_FFP && s->wait_head != NULL && sn_le(s->cmdsn, s->max_cmdsn)) {
		int slot = free_slot(s);
		if (slot < 0)
			return;
		struct icmd *c = s->wait_head;
		s->wait_head = c->next;
		if (s->wait_head == NULL)
			s->wait_tail = NULL;
		s->waiting--;
		c->next = NULL;
		send_cmd(s, c, (unsigned)slot);
	}
	itask_window_watch(s);
}

void itask_window_watch(struct isess *s)
{
	bool closed = s->state == ISS_FFP && s->wait_head != NULL && !sn_le(s->cmdsn, s->max_cmdsn);
	if (closed && s->window_closed_at == SIM_NEVER) {
		s->window_closed_at = s->now;
	} else if (!closed && s->window_closed_at != SIM_NEVER) {
		if (s->now - s->window_closed_at > s->stats.window_stall_max_ns)
			s->stats.window_stall_max_ns = s->now - s->window_closed_at;
		s->window_closed_at = SIM_NEVER;
	}
}

static struct icmd *lookup(struct isess *s, uint32_t itt)
{
	struct icmd *c = s->slots[itt_slot(itt)];
	return c != NULL && c->itt == itt ? c : NULL;
}

static void on_data_in(struct isess *s, struct icmd *c, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	uint32_t off = pdu_w(bhs, PDU_DATA_IN_BUFFER_OFFSET);
	if (c->dir != ICMD_IN || pdu_w(bhs, PDU_DATA_IN_DATASN) != c->exp_datasn || off > c->len ||
		rx->dsl > c->len - off) {
		isess_conn_fail(s, "Data-In out of sequence or range");
		return;
	}
	memcpy(c->buf + off, rx->data, rx->dsl);
	c->exp_datasn++;
	if (off + rx->dsl > c->data_in)
		c->data_in = off + rx->dsl;
	s->stats.data_in++;
	isess_update_window(s, bhs);
	if (pdu_flags(bhs) & ISCSI_DATAIN_STATUS) {
		/* §11.7.4: status with the last Data-In (phase collapse). */
		isess_take_statsn(s, bhs);
		c->status = bhs[PDU_DATA_IN_STATUS];
		if (pdu_flags(bhs) & (ISCSI_RSP_UNDERFLOW | ISCSI_RSP_OVERFLOW))
			c->resid = pdu_w(bhs, PDU_DATA_IN_RESIDUAL_COUNT);
		complete(s, c, ICMD_OK);
	}
}

static void on_r2t(struct isess *s, struct icmd *c, const uint8_t *bhs)
{
	uint32_t off = pdu_w(bhs, PDU_R2T_BUFFER_OFFSET), len = pdu_w(bhs, PDU_R2T_DESIRED_LENGTH);
	if (c->dir != ICMD_OUT || pdu_w(bhs, PDU_R2T_R2TSN) != c->exp_r2tsn || len == 0 || off > c->len ||
		len > c->len - off) {
		isess_conn_fail(s, "R2T out of sequence or range");
		return;
	}
	c->exp_r2tsn++;
	s->stats.r2ts++;
	isess_update_window(s, bhs);
	if (s->state == ISS_FFP && c->st == ICS_SENT)
		send_data_out(s, c, pdu_w(bhs, PDU_R2T_TTT), off, off + len);
}

static void on_scsi_rsp(struct isess *s, struct icmd *c, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	isess_take_statsn(s, bhs);
	isess_update_window(s, bhs);
	if (bhs[PDU_SCSI_RSP_RESPONSE] != ISCSI_RESPONSE_COMPLETED) {
		complete(s, c, ICMD_FAILED);
		return;
	}
	c->status = bhs[PDU_SCSI_RSP_STATUS];
	if (pdu_flags(bhs) & (ISCSI_RSP_UNDERFLOW | ISCSI_RSP_OVERFLOW))
		c->resid = pdu_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT);
	/* §11.4.7: SenseLength (2 bytes) then sense data. */
	if (rx->dsl >= 2) {
		uint32_t sl = get_be16(rx->data);
		if (sl > rx->dsl - 2)
			sl = rx->dsl - 2;
		c->sense_len = (uint8_t)min_u32(sl, ICMD_SENSE_MAX);
		memcpy(c->sense, rx->data + 2, c->sense_len);
	}
	complete(s, c, ICMD_OK);
}

static void on_tmf_rsp(struct isess *s, const uint8_t *bhs)
{
	uint32_t itt = pdu_itt(bhs);
	isess_take_statsn(s, bhs);
	isess_update_window(s, bhs);
	if (itt == s->raw_tmf_itt && itt != 0) {
		s->raw_tmf_itt = 0;
		s->stats.raw_tmf_last_rsp = bhs[PDU_TMF_RESPONSE];
		if (bhs[PDU_TMF_RESPONSE] == ISCSI_TMF_RSP_COMPLETE)
			s->stats.raw_tmf_done++;
		else
			s->stats.raw_tmf_refused++;
		return;
	}
	struct icmd *c = s->slots[itt_slot(itt)];
	if (c == NULL || c->tmf_itt != itt || c->st != ICS_ABORTING)
		return; /* the task completed before the abort answer */
	uint8_t response = bhs[PDU_TMF_RESPONSE];
	/* §11.6.1: "Function complete" and "Task does not exist" both mean
	 * the task is gone from the target. */
	if (response == ISCSI_TMF_RSP_COMPLETE || response == ISCSI_TMF_RSP_NO_TASK)
		complete(s, c, ICMD_ABORTED);
	else
		isess_conn_fail(s, "abort task refused");
}

void itask_on_pdu(struct isess *s, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	uint8_t op = pdu_opcode(bhs);
	if (op == ISCSI_OP_TMF_RSP) {
		on_tmf_rsp(s, bhs);
		return;
	}
	struct icmd *c = itt_kind(pdu_itt(bhs)) == ITT_CMD ? lookup(s, pdu_itt(bhs)) : NULL;
	if (c == NULL) {
		/* A late answer for a task we already gave up on; the protocol
		 * checker judges whether the target may send it. */
		if (op == ISCSI_OP_SCSI_RSP || (op == ISCSI_OP_DATA_IN && (pdu_flags(bhs) & ISCSI_DATAIN_STATUS)))
			isess_take_statsn(s, bhs);
		isess_update_window(s, bhs);
		return;
	}
	switch (op) {
	case ISCSI_OP_DATA_IN:
		on_data_in(s, c, rx);
		break;
	case ISCSI_OP_R2T:
		on_r2t(s, c, bhs);
		break;
	case ISCSI_OP_SCSI_RSP:
		on_scsi_rsp(s, c, rx);
		break;
	default:
		assert(0 && "isess dispatches only task opcodes here");
	}
}

void itask_on_reject(struct isess *s, const uint8_t *rej, uint8_t reason)
{
	(void)reason;
	uint8_t op = pdu_opcode(rej);
	struct icmd *c = itt_kind(pdu_itt(rej)) == ITT_CMD ? lookup(s, pdu_itt(rej)) : NULL;
	if (op == ISCSI_OP_SCSI_CMD && c != NULL) {
		complete(s, c, ICMD_FAILED);
		return;
	}
	/* A rejected Data-Out or TMF leaves a task we cannot finish at ERL 0. */
	if (op != ISCSI_OP_SCSI_CMD)
		isess_conn_fail(s, "data-out or task management rejected");
}

static void send_abort(struct isess *s, struct icmd *c)
{
	struct ipdu_tx tx;
	c->tmf_itt = isess_new_itt(s, ITT_TMF, itt_slot(c->itt));
	isess_pdu_init(s, &tx, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK,
		c->tmf_itt);
	lun_to_wire(c->lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, c->itt);
	pdu_set_w(tx.bhs, PDU_TMF_REFCMDSN, c->cmdsn);
	pdu_set_w(tx.bhs, PDU_TMF_EXPDATASN, c->exp_datasn);
	isess_send(s, &tx, NULL, 0);
	c->st = ICS_ABORTING;
	c->deadline = s->now + s->cfg->tmf_timeout_ns;
	s->task_deadline_stale = true; /* the old deadline may have been the earliest */
	s->stats.aborts++;
	isess_event(s, ISE_ABORT, c->itt, "command timeout");
}

void itask_on_time(struct isess *s)
{
	for (unsigned i = 0; i < ISESS_TASKS_MAX && s->state == ISS_FFP; i++) {
		struct icmd *c = s->slots[i];
		if (c == NULL || c->deadline > s->now)
			continue;
		if (c->st == ICS_SENT)
			send_abort(s, c);
		else
			isess_conn_fail(s, "abort task timeout");
	}
}

uint64_t itask_next_deadline(struct isess *s)
{
	if (!s->task_deadline_stale)
		return s->task_deadline;
	uint64_t d = SIM_NEVER;
	for (unsigned i = 0; i < ISESS_TASKS_MAX && s->in_flight > 0; i++)
		if (s->slots[i] != NULL && s->slots[i]->deadline < d)
			d = s->slots[i]->deadline;
	s->task_deadline = d;
	s->task_deadline_stale = false;
	return d;
}

/* Put every command in a slot back into the wait queue, in submission
 * order, ahead of those that never left it (ERL 0 re-send). */
void itask_requeue_all(struct isess *s)
{
	struct icmd *sent[ISESS_TASKS_MAX];
	unsigned n = 0;
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++) {
		struct icmd *c = s->slots[i];
		if (c == NULL)
			continue;
		s->slots[i] = NULL;
		c->st = ICS_WAIT;
		unsigned j = n++;
		while (j > 0 && sent[j - 1]->seq > c->seq) {
			sent[j] = sent[j - 1];
			j--;
		}
		sent[j] = c;
	}
	s->in_flight = 0;
	s->task_deadline_stale = true;
	/* Merge the sorted slot list with the (sorted) wait queue. */
	struct icmd *head = NULL, **tail = &head, *w = s->wait_head;
	unsigned i = 0;
	while (i < n || w != NULL) {
		struct icmd *c;
		if (w == NULL || (i < n && sent[i]->seq < w->seq)) {
			c = sent[i++];
		} else {
			c = w;
			w = w->next;
		}
		*tail = c;
		tail = &c->next;
	}
	*tail = NULL;
	s->wait_head = head;
	s->wait_tail = NULL;
	for (struct icmd *c = head; c != NULL; c = c->next)
		s->wait_tail = c;
	s->waiting += n;
}

void itask_fail_all(struct isess *s, enum icmd_result r)
{
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++)
		if (s->slots[i] != NULL)
			complete(s, s->slots[i], r);
	while (s->wait_head != NULL) {
		struct icmd *c = s->wait_head;
		s->wait_head = c->next;
		s->waiting--;
		c->next = NULL;
		complete(s, c, r);
	}
	s->wait_tail = NULL;
}

/* ---- by hand (hostile initiators) ---- */

void isess_raw_cmd(struct isess *s, uint64_t lun, const uint8_t cdb[16], uint32_t edtl, bool read)
{
	if (s->state != ISS_FFP)
		return;
	struct ipdu_tx tx;
	uint8_t flags = ISCSI_FLAG_FINAL | 1u /* SIMPLE */ | (read ? ISCSI_CMD_READ : 0);
	isess_pdu_init(s, &tx, ISCSI_OP_SCSI_CMD, flags, isess_new_itt(s, ITT_CMD, 0));
	lun_to_wire(lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, edtl);
	memcpy(tx.bhs + PDU_SCSI_CMD_CDB, cdb, ISCSI_CDB_LEN);
	s->cmdsn++;
	s->stats.raw_cmds++;
	isess_send(s, &tx, NULL, 0);
}

void isess_raw_nop(struct isess *s, const uint8_t *data, uint32_t len)
{
	if (s->state != ISS_FFP)
		return;
	struct ipdu_tx tx;
	isess_pdu_init(s, &tx, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL, isess_new_itt(s, ITT_NOP, 1));
	pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	s->stats.raw_nops++;
	isess_send(s, &tx, data, len < s->params.tgt_mrdsl ? len : s->params.tgt_mrdsl);
}

void isess_raw_tmf(struct isess *s, uint8_t function, uint64_t lun)
{
	if (s->state != ISS_FFP)
		return;
	struct ipdu_tx tx;
	s->raw_tmf_itt = isess_new_itt(s, ITT_TMF, 0xffu);
	isess_pdu_init(s, &tx, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, (uint8_t)(ISCSI_FLAG_FINAL | function),
		s->raw_tmf_itt);
	lun_to_wire(lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, ISCSI_TAG_RESERVED);
	s->stats.raw_tmfs++;
	isess_send(s, &tx, NULL, 0);
}
