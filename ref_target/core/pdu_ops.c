/* pdu_ops: see pdu_ops.h. The rows, by opcode (RFC 7143 §11.1.1). */
#include "pdu_ops.h"

#include <stddef.h>

#include "conn.h"
#include "dataout.h"
#include "pdu.h"
#include "task.h"
#include "tmf.h"

static void pdu_ops_tmf(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	(void)data; /* §11.5: a TMF Request carries no data we use */
	(void)len;
	tmf_request(c, bhs);
}

static const struct pdu_op pdu_ops[] = {
	{ .opcode = ISCSI_OP_NOP_OUT, .phases = PDU_PH_FFP, /* §11.18 */
	  .header = conn_command_header, .pdu = conn_command_pdu, .command = conn_nop_out },
	{ .opcode = ISCSI_OP_SCSI_CMD, .phases = PDU_PH_NORMAL, /* §11.3; §4.3: not in discovery */
	  .header = task_cmd_header, .pdu = task_cmd_pdu, .task_gone = task_cmd_rx_task_gone },
	{ .opcode = ISCSI_OP_TMF_REQ, .phases = PDU_PH_NORMAL, /* §11.5 */
	  .header = conn_command_header, .pdu = conn_command_pdu, .command = pdu_ops_tmf },
	{ .opcode = ISCSI_OP_LOGIN_REQ, .phases = PDU_PH_LOGIN, /* §11.12; §6: only during login */
	  .header = conn_login_header, .pdu = conn_login_pdu },
	{ .opcode = ISCSI_OP_TEXT_REQ, .phases = PDU_PH_FFP, /* §11.10 */
	  .header = conn_command_header, .pdu = conn_command_pdu, .command = conn_text },
	{ .opcode = ISCSI_OP_DATA_OUT, .phases = PDU_PH_NORMAL, /* §11.7 */
	  .header = dataout_header, .pdu = dataout_pdu, .task_gone = dataout_rx_task_gone },
	{ .opcode = ISCSI_OP_LOGOUT_REQ, .phases = PDU_PH_FFP, /* §11.14 */
	  .header = conn_command_header, .pdu = conn_command_pdu, .command = conn_logout },
	{ .opcode = ISCSI_OP_SNACK, .phases = PDU_PH_FFP, /* §11.16 */
	  .header = NULL, .pdu = conn_snack_pdu },
};

const struct pdu_op *pdu_op_find(uint8_t opcode)
{
	for (size_t i = 0; i < sizeof(pdu_ops) / sizeof(pdu_ops[0]); i++)
		if (pdu_ops[i].opcode == opcode)
			return &pdu_ops[i];
	return NULL;
}

/* pdu.h: the opcodes an initiator may send are the rows above. */
int pdu_check_initiator_bhs(const uint8_t *bhs)
{
	return pdu_op_find(pdu_opcode(bhs)) != NULL ? 0 : ISCSI_REJECT_CMD_NOT_SUPPORTED;
}
