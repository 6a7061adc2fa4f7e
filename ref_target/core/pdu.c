/* pdu: opcode names and the first check of an initiator's BHS (pdu.h). */
#include "pdu.h"

const char *pdu_opcode_name(uint8_t opcode)
{
	switch (opcode) {
	case ISCSI_OP_NOP_OUT: return "NOP-Out";
	case ISCSI_OP_SCSI_CMD: return "SCSI-Command";
	case ISCSI_OP_TMF_REQ: return "TMF-Request";
	case ISCSI_OP_LOGIN_REQ: return "Login-Request";
	case ISCSI_OP_TEXT_REQ: return "Text-Request";
	case ISCSI_OP_DATA_OUT: return "Data-Out";
	case ISCSI_OP_LOGOUT_REQ: return "Logout-Request";
	case ISCSI_OP_SNACK: return "SNACK";
	case ISCSI_OP_NOP_IN: return "NOP-In";
	case ISCSI_OP_SCSI_RSP: return "SCSI-Response";
	case ISCSI_OP_TMF_RSP: return "TMF-Response";
	case ISCSI_OP_LOGIN_RSP: return "Login-Response";
	case ISCSI_OP_TEXT_RSP: return "Text-Response";
	case ISCSI_OP_DATA_IN: return "Data-In";
	case ISCSI_OP_LOGOUT_RSP: return "Logout-Response";
	case ISCSI_OP_R2T: return "R2T";
	case ISCSI_OP_ASYNC: return "Async-Message";
	case ISCSI_OP_REJECT: return "Reject";
	default: return "unknown";
	}
}
