/* initiator/session_cmd: the command side of isess: SCSI Command, Data-Out (immediate,
 * unsolicited, R2T-solicited), Data-In, SCSI Response, ABORT TASK
 * (RFC 7143 §11.3-§11.8) and the CmdSN window (§4.2.2.1). */
#include "sim/initiator/session_int.h"

#include "sim/base/time.h"

static unsigned min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* SAM-5 §4.7.3: single-level LUN, peripheral (<256) or flat (<16384). */
void itask_lun_to_wire(uint64_t lun, uint8_t *p)
{
	memset(p, 0, 8);
	if (lun < 256) {
		p[1] = (uint8_t)lun;
	} else {
		p[0] = (uint8_t)(0x40u | ((lun >> 8) & 0x3fu));
		p[1] = (uint8_t)lun;
	}
}

/* A free slot of this connection's range (imcs_slots: all of them
 * unless MC/S, whose connections' ranges are disjoint so that a task
 * reassigned to another connection keeps its ITT's slot there). */
static int free_slot(const struct isess *s)
{
	unsigned lo, span;
	imcs_slots(s, &lo, &span);
	unsigned start = s->sn->itt_gen & (ISESS_TASKS_MAX - 1);
	for (unsigned i = 0; i < span; i++) {
		unsigned k = lo + (start + i) % span;
		if (s->slots[k] == NULL && imcs_slot_unused(s, k))
			return (int)k;
	}
	return -1;
}

void itask_complete(struct isess *s, struct icmd *c, enum icmd_result r)
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
 * MaxRecvDataSegmentLength, DataSN from 0 per sequence (§11.7.5), the
 * bytes from c->buf + src onward (src == off but for a planted bug). */
static void send_data_out_from(struct isess *s, struct icmd *c, uint32_t ttt, uint32_t off, uint32_t end, uint32_t src)
{
	uint32_t datasn = 0;
	assert(src <= off);
	while (off < end) {
		uint32_t n = min_u32(end - off, s->params.tgt_mrdsl);
		struct ipdu_tx tx;
		isess_pdu_init(s, &tx, ISCSI_OP_DATA_OUT, off + n == end ? ISCSI_FLAG_FINAL : 0, c->itt);
		itask_lun_to_wire(c->lun, tx.bhs + PDU_LUN);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, ttt);
		pdu_set_w(tx.bhs, PDU_INI_CMDSN, 0); /* reserved in Data-Out */
		pdu_set_w(tx.bhs, PDU_DATA_OUT_DATASN, datasn++);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
		isess_send(s, &tx, c->buf + src, n);
		s->stats.data_out++;
		off += n;
		src += n;
	}
}

static void send_data_out(struct isess *s, struct icmd *c, uint32_t ttt, uint32_t off, uint32_t end)
{
	send_data_out_from(s, c, ttt, off, end, off);
}

/* Put c's command PDU on the wire with this CmdSN, its immediate data
 * and the rest of its first burst (§11.3): the first time, or again with
 * the same ITT and CmdSN (a retry, §7.2.1). */
static void transmit(struct isess *s, struct icmd *c, uint32_t cmdsn, bool first)
{
	/* §11.3: immediate data up to FirstBurstLength and the target's
	 * MaxRecvDataSegmentLength; without InitialR2T the rest of the first
	 * burst follows as unsolicited Data-Out (§13.10, §13.11, §13.14). */
	uint32_t imm = 0, unsol_end = 0;
	if (c->dir == ICMD_OUT) {
		uint32_t first_burst = min_u32(c->len, s->params.first_burst_length);
		if (s->params.immediate_data)
			imm = min_u32(first_burst, s->params.tgt_mrdsl);
		unsol_end = s->params.initial_r2t ? imm : first_burst;
		/* A retry sends no unsolicited Data-Out (F set, §13.10 lets us
		 * send less): if the target already has the command it ignores
		 * the copy (§4.2.2.1), and Data-Out behind it would land on the
		 * original task; a new task asks for the rest by R2T. */
		if (!first)
			unsol_end = imm;
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
	pdu_set_w(tx.bhs, PDU_INI_CMDSN, cmdsn);
	itask_lun_to_wire(c->lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, c->dir == ICMD_NONE ? 0 : c->len);
	memcpy(tx.bhs + PDU_SCSI_CMD_CDB, c->cdb, ISCSI_CDB_LEN);
	if (first && s->ops.sent != NULL)
		s->ops.sent(s->ops.ctx, s, c);
	isess_send(s, &tx, c->buf, imm);
	if (unsol_end > imm)
		send_data_out(s, c, ISCSI_TAG_RESERVED, imm, unsol_end);
}

static void send_cmd(struct isess *s, struct icmd *c, unsigned slot)
{
	c->itt = isess_new_itt(s, ITT_CMD, slot);
	s->slots[slot] = c;
	s->in_flight++;
#ifdef RT_PLANT_BUG_requeue_keeps_cmdsn
	/* Planted (sim/planted-bugs.txt): a command sent again in a new
	 * session (ERL 0 recovery, itask_requeue_all) keeps the CmdSN it had
	 * in the lost one, as if the numbers carried over; the new session
	 * expects its own next CmdSN (§4.2.2.1), and the target drops the
	 * copy as a duplicate below ExpCmdSN. libiscsi's iscsi_reconnect_cb
	 * re-issues every re-queued command through iscsi_scsi_command_async
	 * for this reason: a new ITT and a new CmdSN. */
	bool plant_again = c->sends > 0;
	if (!plant_again)
		c->cmdsn = s->sn->cmdsn;
#else
	c->cmdsn = s->sn->cmdsn;
#endif
	c->st = ICS_SENT;
	c->exp_datasn = c->exp_r2tsn = c->data_in = c->r2t_open = 0;
	c->snacks = c->retries = 0;
	c->snacked = c->probed = c->r2t_resync = false;
	c->retry_at = s->now + ISESS_RETRY_CHECK_NS;
	c->deadline = s->now + s->cfg->cmd_timeout_ns;
	if (c->deadline < s->task_deadline)
		s->task_deadline = c->deadline;
	if (++c->sends > 1)
		s->stats.resends++;
#ifdef RT_PLANT_BUG_requeue_keeps_cmdsn
	if (!plant_again)
		s->sn->cmdsn++;
#else
	s->sn->cmdsn++;
#endif
	transmit(s, c, c->cmdsn, true);
}

/* ERL 1 (§7.2.1): the same command again, same ITT and CmdSN, after the
 * target rejected it for a data digest error or never got it. What it
 * had received is forgotten: the target starts the task afresh. */
static void retry_cmd(struct isess *s, struct icmd *c)
{
	c->retries++;
	s->stats.cmd_retries++;
	c->exp_datasn = c->exp_r2tsn = c->data_in = c->r2t_open = 0;
	c->snacked = false;
	c->retry_at = s->now + ISESS_RETRY_CHECK_NS;
	transmit(s, c, c->cmdsn, false);
}

void itask_retry(struct isess *s, struct icmd *c)
{
	retry_cmd(s, c);
}

void itask_pump(struct isess *s)
{
	while (s->state == ISS_FFP && s->wait_head != NULL && sn_le(s->sn->cmdsn, s->sn->max_cmdsn)) {
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
	bool closed = s->state == ISS_FFP && s->wait_head != NULL && !sn_le(s->sn->cmdsn, s->sn->max_cmdsn);
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

/* §11.16.1 type 0: ask for c's Data-In (or R2Ts) from DataSN (R2TSN)
 * beg again, run of them (0: all from beg). Bounded per command; past it
 * the connection goes and ERL 0's recovery takes over. */
static void send_snack(struct isess *s, struct icmd *c, uint32_t beg, uint32_t run)
{
	if (c->snacks >= ISESS_SNACKS_MAX) {
		isess_conn_fail(s, "SNACK limit for one command reached");
		return;
	}
	c->snacks++;
	c->snack_at = s->now;
	c->snack_from = beg;
	c->snacked = true;
	/* The R2Ts a run asks for are missing; RunLength 0 from exp_r2tsn
	 * (a timeout's probe) asks for none we had; asked again from
	 * snack_from (lost_cmd_check), the range stays. */
	if (run != 0)
		c->snack_to = beg + run;
	else if (beg == c->exp_r2tsn)
		c->snack_to = beg;
	if (c->dir == ICMD_OUT)
		s->stats.r2t_snacks++;
	else
		s->stats.data_snacks++;
	struct ipdu_tx tx;
	isess_pdu_init(s, &tx, ISCSI_OP_SNACK, ISCSI_FLAG_FINAL | ISCSI_SNACK_DATA_R2T, c->itt);
	itask_lun_to_wire(c->lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_INI_CMDSN, 0); /* reserved in a SNACK */
	pdu_set_w(tx.bhs, PDU_SNACK_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(tx.bhs, PDU_SNACK_BEGRUN, beg);
	pdu_set_w(tx.bhs, PDU_SNACK_RUNLENGTH, run);
	isess_send(s, &tx, NULL, 0);
}

/* A Data-In is missing before exp_datasn moves on: ask once for all from
 * there (the target resends what it kept, §7.8, §11.16.6). */
static void data_gap(struct isess *s, struct icmd *c)
{
	s->stats.pdus_discarded++;
	if (!c->snacked || c->snack_from != c->exp_datasn || s->now - c->snack_at >= ISESS_RETRY_CHECK_NS)
		send_snack(s, c, c->exp_datasn, 0);
}

void itask_data_lost(struct isess *s, const uint8_t *bhs)
{
	uint32_t itt = pdu_itt(bhs);
	struct icmd *c = itt_kind(itt) == ITT_CMD ? s->slots[itt_slot(itt)] : NULL;
	isess_update_window(s, bhs);
	if (c == NULL || c->itt != itt || c->dir != ICMD_IN || c->st != ICS_SENT) {
		s->stats.pdus_discarded++;
		return;
	}
	if (sn_lt(pdu_w(bhs, PDU_DATA_IN_DATASN), c->exp_datasn)) {
		s->stats.pdus_discarded++; /* a copy of one we have */
		return;
	}
	data_gap(s, c);
}

/* Set bits [off, off + n) of map (icmd.in_map): the partial words at
 * either end, the whole ones between with one memset. */
static void in_map_set(uint64_t *map, uint32_t off, uint32_t n)
{
	uint64_t i = off, end = (uint64_t)off + n;
	while (i < end && i % 64 != 0) {
		map[i / 64] |= 1ull << (i % 64);
		i++;
	}
	if (end - i >= 64) {
		memset(map + i / 64, 0xff, (size_t)((end - i) / 64) * sizeof(*map));
		i += (end - i) / 64 * 64;
	}
	for (; i < end; i++)
		map[i / 64] |= 1ull << (i % 64);
}

static void on_data_in(struct isess *s, struct icmd *c, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	uint32_t off = pdu_w(bhs, PDU_DATA_IN_BUFFER_OFFSET), sn = pdu_w(bhs, PDU_DATA_IN_DATASN);
	if (isess_erl1(s) && c->dir == ICMD_IN && sn != c->exp_datasn) {
		/* ERL 1: a copy of one we have (a SNACK's answer overlapping
		 * what arrived) is dropped; a gap is asked for (§7.1.4.1). */
		isess_update_window(s, bhs);
		if (sn_lt(sn, c->exp_datasn))
			s->stats.pdus_discarded++;
		else if (c->st == ICS_SENT)
			data_gap(s, c);
		return;
	}
	if (c->dir != ICMD_IN || sn != c->exp_datasn || off > c->len || rx->dsl > c->len - off) {
		isess_conn_fail(s, "Data-In out of sequence or range");
		return;
	}
	memcpy(c->buf + off, rx->data, rx->dsl);
	if (c->in_map != NULL)
		in_map_set(c->in_map, off, rx->dsl);
	c->exp_datasn++;
	c->snacked = false;
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
		itask_complete(s, c, ICMD_OK);
	}
}

static void on_r2t(struct isess *s, struct icmd *c, const uint8_t *bhs)
{
	uint32_t off = pdu_w(bhs, PDU_R2T_BUFFER_OFFSET), len = pdu_w(bhs, PDU_R2T_DESIRED_LENGTH);
	uint32_t sn = pdu_w(bhs, PDU_R2T_R2TSN);
#ifdef RT_PLANT_BUG_recovery_r2t_data_from_start
	bool plant_recovery = c->r2t_resync && c->dir == ICMD_OUT;
#endif
	if (c->r2t_resync && c->dir == ICMD_OUT) {
		/* ERL 2: the first R2T after a reassignment numbers on from
		 * the target's count, not from what reached us (§7.2.2). */
		c->r2t_resync = false;
		c->exp_r2tsn = sn;
	}
	bool in_range = len != 0 && off <= c->len && len <= c->len - off;
	if (isess_erl1(s) && c->dir == ICMD_OUT && in_range && sn != c->exp_r2tsn) {
		isess_update_window(s, bhs);
		if (sn_lt(sn, c->exp_r2tsn)) {
			/* A resent R2T we asked for that never came is
			 * answered, once; any other earlier one was answered
			 * already (§11.16.1: the SNACK asks for R2Ts not
			 * received; a second answer is data the target has). */
			if (c->snacked && sn_le(c->snack_from, sn) && sn_lt(sn, c->snack_to) && s->state == ISS_FFP &&
			    c->st == ICS_SENT) {
				if (sn == c->snack_from)
					c->snack_from++;
				send_data_out(s, c, pdu_w(bhs, PDU_R2T_TTT), off, off + len);
			}
			return;
		}
		/* R2Ts before this one were lost: ask for them (§7.1.4.1),
		 * then answer this one. */
		if (c->st == ICS_SENT)
			send_snack(s, c, c->exp_r2tsn, sn - c->exp_r2tsn);
		c->exp_r2tsn = sn;
		if (s->state != ISS_FFP)
			return;
	}
	if (c->dir != ICMD_OUT || sn != c->exp_r2tsn || !in_range) {
		isess_conn_fail(s, "R2T out of sequence or range");
		return;
	}
	c->exp_r2tsn++;
	s->stats.r2ts++;
	isess_update_window(s, bhs);
#ifdef RT_PLANT_BUG_recovery_r2t_data_from_start
	/* Planted (sim/planted-bugs.txt): the first R2T after a TASK
	 * REASSIGN (ERL 2, §7.2.2: the recovery R2T for what the failed
	 * connection never delivered) is answered with the R2T's
	 * BufferOffset in the header but the bytes from the start of the
	 * command's buffer: the data cursor is not moved to the offset (Linux
	 * libiscsi_tcp seeks its scatterlist to r2t->data_offset for this). */
	if (plant_recovery && s->state == ISS_FFP && c->st == ICS_SENT) {
		send_data_out_from(s, c, pdu_w(bhs, PDU_R2T_TTT), off, off + len, 0);
		return;
	}
#endif
	if (s->state == ISS_FFP && c->st == ICS_SENT)
		send_data_out(s, c, pdu_w(bhs, PDU_R2T_TTT), off, off + len);
}

static void on_scsi_rsp(struct isess *s, struct icmd *c, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	isess_take_statsn(s, bhs);
	isess_update_window(s, bhs);
	if (bhs[PDU_SCSI_RSP_RESPONSE] != ISCSI_RESPONSE_COMPLETED) {
		itask_complete(s, c, ICMD_FAILED);
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
	itask_complete(s, c, ICMD_OK);
}

static void on_tmf_rsp(struct isess *s, const uint8_t *bhs)
{
	uint32_t itt = pdu_itt(bhs);
	isess_take_statsn(s, bhs);
	isess_update_window(s, bhs);
	if (itt == s->esc_itt && itt != 0) {
		iesc_answered(s, bhs[PDU_TMF_RESPONSE]);
		return;
	}
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
	if (c != NULL && c->tmf_itt == itt && c->st == ICS_REASSIGNING) {
		ierl2_reassign_answer(s, c, bhs[PDU_TMF_RESPONSE]);
		return;
	}
	if (c == NULL || c->tmf_itt != itt || c->st != ICS_ABORTING)
		return; /* the task completed before the abort answer */
	uint8_t response = bhs[PDU_TMF_RESPONSE];
	/* §11.6.1: "Function complete" and "Task does not exist" both mean
	 * the task is gone from the target. */
	if (response == ISCSI_TMF_RSP_COMPLETE || response == ISCSI_TMF_RSP_NO_TASK)
		itask_complete(s, c, ICMD_ABORTED);
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

static void send_abort(struct isess *s, struct icmd *c);

void itask_on_reject(struct isess *s, const uint8_t *rej, uint8_t reason)
{
	uint8_t op = pdu_opcode(rej);
	struct icmd *c = itt_kind(pdu_itt(rej)) == ITT_CMD ? lookup(s, pdu_itt(rej)) : NULL;
	bool digest = isess_erl1(s) && reason == ISCSI_REJECT_DATA_DIGEST;
	/* A retry that found the command still in progress there (§11.17.1):
	 * the original goes on. */
	if (op == ISCSI_OP_SCSI_CMD && c != NULL && c->retries > 0 && reason == ISCSI_REJECT_TASK_IN_PROGRESS &&
		isess_erl1(s))
		return;
	/* §7.3: a rejected command's CmdSN is a hole the target waits for,
	 * which the initiator "MUST plug". At ERL 0 there is no retry: the
	 * session's recovery re-sends the command (a digest error at ERL 0
	 * costs the connection, §7.1.5). */
	if (op == ISCSI_OP_SCSI_CMD && c != NULL && reason == ISCSI_REJECT_DATA_DIGEST && !isess_erl1(s)) {
		isess_conn_fail(s, "command rejected for a data digest error");
		return;
	}
	if (op == ISCSI_OP_SCSI_CMD && c != NULL) {
		/* §7.2.1, §7.8: at ERL 1 a command lost to a data digest error
		 * is retried with its ITT and CmdSN (the CmdSN is a hole the
		 * target waits for). */
		if (digest && c->st == ICS_SENT && c->retries < ISESS_RETRIES_MAX && s->state == ISS_FFP)
			retry_cmd(s, c);
		else
			itask_complete(s, c, ICMD_FAILED);
		return;
	}
	/* §7.8-§7.9: a Data-Out lost to a data digest error is asked for
	 * again by the target (a recovery R2T) at ERL 1. */
	if (op == ISCSI_OP_DATA_OUT && digest)
		return;
	/* §11.16: what a Data/R2T SNACK asked for is no longer there: the
	 * command cannot finish here; it is aborted (and retried above us,
	 * as after a timeout). A rejected Status SNACK changes nothing: the
	 * command's timeout still runs. */
	if (op == ISCSI_OP_SNACK) {
		if (c != NULL && c->st == ICS_SENT && s->state == ISS_FFP)
			send_abort(s, c);
		return;
	}
	/* ERL 2: a TASK REASSIGN rejected: ERL 0's recovery. */
	struct icmd *rc = itt_kind(pdu_itt(rej)) == ITT_TMF ? s->slots[itt_slot(pdu_itt(rej))] : NULL;
	if (op == ISCSI_OP_TMF_REQ && rc != NULL && rc->st == ICS_REASSIGNING && rc->tmf_itt == pdu_itt(rej)) {
		ierl2_reassign_failed(s, rc, "task reassignment rejected");
		return;
	}
	/* The escalation's TMF refused (no room for it, §11.17.1): the next step. */
	if (op == ISCSI_OP_TMF_REQ && pdu_itt(rej) == s->esc_itt && s->esc_itt != 0) {
		iesc_answered(s, ISCSI_TMF_RSP_REJECTED);
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
	itask_lun_to_wire(c->lun, tx.bhs + PDU_LUN);
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

/* ERL 1: a command's first timeout. If the target's ExpCmdSN says the
 * command never arrived (a header digest error there discards it), it is
 * retried (§7.2.1); else what may have been lost on the way back is asked
 * for: its Data-In or R2Ts (§11.16.1 type 0) and the status at our
 * ExpStatSN (type 1). The next timeout aborts it, as at ERL 0. */
static void probe(struct isess *s, struct icmd *c)
{
	c->probed = true;
	c->deadline = s->now + s->cfg->cmd_timeout_ns;
	s->task_deadline_stale = true;
	if (c->cmdsn == s->sn->exp_cmdsn && c->retries < ISESS_RETRIES_MAX) {
		retry_cmd(s, c);
		return;
	}
	if (c->dir == ICMD_IN)
		send_snack(s, c, c->exp_datasn, 0);
	else if (c->dir == ICMD_OUT)
		send_snack(s, c, c->exp_r2tsn, 0);
	if (s->state == ISS_FFP)
		isess_status_snack(s, s->exp_statsn, 0);
}

/* ERL 1: the oldest command the target's ExpCmdSN still waits for, sent
 * ISESS_RETRY_CHECK_NS ago or more, was lost on the way (a header digest
 * error there discards it silently, §7.8): retried (§7.2.1). A copy that
 * finds the original there is ignored by the target (§4.2.2.1). */
static void lost_cmd_check(struct isess *s)
{
	for (unsigned i = 0; i < ISESS_TASKS_MAX && s->state == ISS_FFP; i++) {
		struct icmd *c = s->slots[i];
		if (c != NULL && c->st == ICS_SENT && c->snacked && s->now >= c->snack_at + ISESS_RETRY_CHECK_NS) {
			/* The SNACK's answer did not come: lost as well. */
			send_snack(s, c, c->dir == ICMD_IN ? c->exp_datasn : c->snack_from, 0);
			s->task_deadline_stale = true;
			continue;
		}
		if (c == NULL || c->st != ICS_SENT || c->cmdsn != s->sn->exp_cmdsn || c->retry_at > s->now)
			continue;
		if (c->retries < ISESS_RETRIES_MAX)
			retry_cmd(s, c);
		else
			c->retry_at = SIM_NEVER; /* its timeout decides */
		s->task_deadline_stale = true;
		return;
	}
}

void itask_on_time(struct isess *s)
{
	if (isess_erl1(s))
		lost_cmd_check(s);
	for (unsigned i = 0; i < ISESS_TASKS_MAX && s->state == ISS_FFP; i++) {
		struct icmd *c = s->slots[i];
		if (c == NULL || c->deadline > s->now)
			continue;
		if (c->st == ICS_REASSIGNING) {
			ierl2_reassign_failed(s, c, "task reassignment unanswered");
			break;
		}
		if (c->st == ICS_SENT && isess_erl1(s) && !c->probed) {
			probe(s, c);
			continue;
		}
		if (c->st == ICS_SENT && s->cfg->escalation != ISESS_ESC_DROP && iesc_tmf_busy(s)) {
			/* libiscsi keeps one TMF per session in flight: this
			 * abort waits its turn */
			c->deadline = s->now + s->cfg->tmf_timeout_ns;
			s->task_deadline_stale = true;
		} else if (c->st == ICS_SENT)
			send_abort(s, c);
		else if (s->cfg->escalation != ISESS_ESC_DROP)
			iesc_begin(s, c);
		else
			isess_conn_fail(s, "abort task timeout");
	}
	iesc_on_time(s);
}

uint64_t itask_next_deadline(struct isess *s)
{
	/* ERL 1's lost-command check depends on ExpCmdSN: never cached. */
	if (!s->task_deadline_stale && !isess_erl1(s))
		return s->task_deadline;
	uint64_t d = s->esc_deadline;
	bool erl1 = isess_erl1(s);
	for (unsigned i = 0; i < ISESS_TASKS_MAX && s->in_flight > 0; i++) {
		const struct icmd *c = s->slots[i];
		if (c != NULL && c->deadline < d)
			d = c->deadline;
		if (erl1 && c != NULL && c->st == ICS_SENT && c->cmdsn == s->sn->exp_cmdsn && c->retry_at < d)
			d = c->retry_at;
		if (erl1 && c != NULL && c->st == ICS_SENT && c->snacked && c->snack_at + ISESS_RETRY_CHECK_NS < d)
			d = c->snack_at + ISESS_RETRY_CHECK_NS;
	}
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
	iesc_reset(s);
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
	iesc_reset(s);
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++)
		if (s->slots[i] != NULL)
			itask_complete(s, s->slots[i], r);
	while (s->wait_head != NULL) {
		struct icmd *c = s->wait_head;
		s->wait_head = c->next;
		s->waiting--;
		c->next = NULL;
		itask_complete(s, c, r);
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
	itask_lun_to_wire(lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, edtl);
	memcpy(tx.bhs + PDU_SCSI_CMD_CDB, cdb, ISCSI_CDB_LEN);
	s->sn->cmdsn++;
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
	itask_lun_to_wire(lun, tx.bhs + PDU_LUN);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, ISCSI_TAG_RESERVED);
	s->stats.raw_tmfs++;
	isess_send(s, &tx, NULL, 0);
}
