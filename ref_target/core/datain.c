/* datain: see datain.h. */
#include "datain.h"

#include <string.h>

#include "conn.h"
#include "engine_int.h"
#include "pdu.h"
#include "recovery.h"
#include "session.h"
#include "task.h"

/* The length the initiator expects in the direction the CDB moves data.
 * §11.3.1: EDTL is announced for the direction of the R or W bit. A CDB
 * that moves data the other way (a READ sent with W=1, R=0; a WRITE with
 * R=1, W=0) has no room for it: no Data-In without R (datain_respond), no
 * R2T without W (task_deliver). For that direction the initiator expects
 * 0 bytes, as with EDTL 0. */
static uint32_t datain_expected(const struct task *t)
{
	const struct scsi_cmd *cmd = &t->cmd;
	if (cmd->dir == SCSI_DIR_IN && !(t->flags & ISCSI_CMD_READ))
		return 0;
	if (cmd->dir == SCSI_DIR_OUT && !(t->flags & ISCSI_CMD_WRITE))
		return 0;
	return t->edtl;
}

/* Residual of the command (§11.4.5): the SCSI transfer length against
 * what the initiator expects in that direction. A READ(10) sent with W=1
 * and R=0 thus ends with its status (GOOD, as LIO and tgt answer and
 * libiscsi's iSCSIResiduals.Read10Invalid expects) and O=1 with the whole
 * transfer length as residual: the initiator learns that no data moved,
 * where it used to get GOOD with no residual. The CDB is honoured, not
 * refused: a CHECK CONDITION would break that test against every target. */
static uint8_t datain_residual(const struct task *t, uint32_t *count)
{
	const struct scsi_cmd *cmd = &t->cmd;
	uint32_t scsi_len = 0;
	uint32_t expected = t->edtl;
	if (!t->decode_failed) {
		scsi_len = cmd->dir == SCSI_DIR_IN ? cmd->data_in_len : cmd->dir == SCSI_DIR_OUT ? cmd->xfer_len : 0;
		/* A CDB that moves nothing (INQUIRY with allocation length 0)
		 * has no direction to disagree with: like one with no data, the
		 * whole EDTL did not move, whichever of R and W announced it. */
		expected = scsi_len == 0 ? t->edtl : datain_expected(t);
	}
	if (scsi_len > expected) {
		*count = scsi_len - expected;
		return ISCSI_RSP_OVERFLOW;
	}
	if (scsi_len < expected) {
		*count = expected - scsi_len;
		return ISCSI_RSP_UNDERFLOW;
	}
	*count = 0;
	return 0;
}

/* Data-In PDUs (§11.7), no larger than the initiator's
 * MaxRecvDataSegmentLength, F at every MaxBurstLength boundary; with good
 * status and no sense the last one carries the status (S bit). Returns
 * true if it did. */
static bool datain_send_data(struct task *t, struct conn *c, uint32_t len, bool collapse)
{
	const struct iscsi_params *p = &c->params;
	uint32_t burst = t->sess->params.max_burst_length;
	uint32_t residual;
	uint8_t res_flags = datain_residual(t, &residual);
	for (uint32_t off = 0; off < len;) {
		uint32_t n = task_min_u32(p->max_xmit_dsl, len - off);
		n = task_min_u32(n, burst - off % burst);
		bool last = off + n == len;
		uint8_t flags = (last || (off + n) % burst == 0) ? ISCSI_FLAG_FINAL : 0;
		uint8_t bhs[ISCSI_BHS_LEN];
		pdu_init(bhs, ISCSI_OP_DATA_IN, 0);
		pdu_set_w(bhs, PDU_ITT, t->itt);
		pdu_set_w(bhs, PDU_DATA_IN_TTT, ISCSI_TAG_RESERVED);
		bool status = last && collapse;
		uint32_t ack_ttt = (flags & ISCSI_FLAG_FINAL) && !last ? rcv_ack_tag(c) : ISCSI_TAG_RESERVED;
		if (ack_ttt != ISCSI_TAG_RESERVED) {
			/* §11.7.2: at ERL >= 1, a burst that ends with more to come
			 * asks for a DataACK, so that what was sent can be let go
			 * before the status (recovery.h); §11.7.4: with a TTT the
			 * LUN is the command's. */
			flags |= ISCSI_DATAIN_ACK;
			pdu_set_w(bhs, PDU_DATA_IN_TTT, ack_ttt);
			put_be64(bhs + PDU_LUN, scsi_lun_to_wire(t->lun));
		}
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

static void datain_send_response(struct task *t, struct conn *c)
{
	const struct scsi_cmd *cmd = &t->cmd;
	uint32_t residual;
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL | datain_residual(t, &residual));
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

void datain_respond(struct task *t)
{
	struct conn *c = t->conn;
	if (c == NULL || c->state != CONN_FFP)
		return;
	const struct scsi_cmd *cmd = &t->cmd;
	bool good = cmd->status == SCSI_STATUS_GOOD || cmd->status == SCSI_STATUS_CONDITION_MET;
	uint32_t len = 0;
	if (!t->decode_failed && good && cmd->dir == SCSI_DIR_IN && (t->flags & ISCSI_CMD_READ))
		len = task_min_u32(cmd->data_in_len, t->edtl);
	bool collapse = good && cmd->sense_len == 0;
	if (!datain_send_data(t, c, len, collapse))
		datain_send_response(t, c);
	conn_flush(c);
	if (cmd->status == SCSI_STATUS_CHECK_CONDITION)
		t->sess->eng->stats.scsi_check_conditions++;
}
