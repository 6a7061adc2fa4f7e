/* pdu_ops: the table of PDUs an initiator may send (RFC 7143 §11), one row
 * per opcode: the phases it is allowed in and the handlers that receive
 * it, as scsi/opcodes.c does for CDBs. Adding a PDU kind is adding a row
 * (and its handlers in the module of its concern); the receive path in
 * conn.c never changes.
 *
 * A row's handlers own the PDU's receive context (conn.h, union
 * conn_rx_ctx): only they write it. Owns nothing; the table is const.
 */
#ifndef RT_PDU_OPS_H
#define RT_PDU_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "rx.h"

struct conn;
struct task;

/* Phases of a connection (conn_phase), as bits of pdu_op.phases. */
#define PDU_PH_LOGIN 0x1u     /* §6: before the last Login Response */
#define PDU_PH_NORMAL 0x2u    /* full feature phase of a normal session */
#define PDU_PH_DISCOVERY 0x4u /* full feature phase of a discovery session (§4.3) */
#define PDU_PH_FFP (PDU_PH_NORMAL | PDU_PH_DISCOVERY)

struct pdu_op {
	uint8_t opcode;
	/* PDU_PH_*: where the initiator may send it. Out of phase: during
	 * login the connection is dropped (§6); in full feature phase the PDU
	 * is rejected (protocol error) and its data discarded, at its header,
	 * or for a row with a command handler at its CmdSN turn (the CmdSN
	 * is taken first). */
	uint8_t phases;
	/* The header arrived (digest good, DataSegmentLength in bounds): set
	 * up the receive context and *dst, where the data segment goes (NULL:
	 * discarded). RX_STOP if the connection was dropped. */
	enum rx_verdict (*header)(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst);
	/* The whole PDU arrived; data_ok is false on a data digest error. */
	void (*pdu)(struct conn *c, const struct rx *rx, bool data_ok);
	/* CmdSN-ordered commands answered at once (NOP-Out, Text, Logout,
	 * TMF): its turn came (conn_dispatch_command). NULL for the others. */
	void (*command)(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len);
	/* A task is being freed while the data segment of this PDU is
	 * arriving: forget it if the receive context holds it. NULL for kinds
	 * that carry no task data. */
	void (*task_gone)(struct conn *c, const struct task *t);
};

/* The row for an initiator opcode, or NULL: a code the initiator may not
 * send (target opcodes, vendor-specific 0x1c-0x1e, unassigned). */
const struct pdu_op *pdu_op_find(uint8_t opcode);

#endif
