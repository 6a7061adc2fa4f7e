/* supported: REPORT SUPPORTED OPERATION CODES and REPORT SUPPORTED TASK
 * MANAGEMENT FUNCTIONS (SPC-4, MAINTENANCE IN service actions 0Ch, 0Dh).
 *
 * The answer is the command table itself (opcodes.c): the commands this
 * LU has, their CDB lengths and the usage data the dispatcher enforces.
 */
#include <assert.h>
#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "spc.h"

/* CDB byte 2: RCTD (bit 7) and REPORTING OPTIONS (bits 2:0). */
#define RSOC_RCTD 0x80u
#define RSOC_OPTIONS(cdb) ((cdb)[2] & 0x07u)
enum {
	RSOC_ALL = 0,       /* every command */
	RSOC_OPCODE = 1,    /* one opcode without service actions */
	RSOC_OPCODE_SA = 2, /* one opcode and service action */
	RSOC_EITHER = 3,    /* one opcode, with its service action if it has them */
};
/* Descriptor sizes: all-commands descriptor, one-command header, command
 * timeouts descriptor (descriptor length 0Ah). */
#define RSOC_DESC_LEN 8u
#define RSOC_ONE_HDR_LEN 4u
#define RSOC_TIMEOUTS_LEN 12u
#define RSOC_CTDP 0x02u     /* all-commands descriptor byte 5 */
#define RSOC_SERVACTV 0x01u
#define RSOC_ONE_CTDP 0x80u /* one-command byte 1 */
#define RSOC_SUPPORT_NONE 0x1u
#define RSOC_SUPPORT_STD 0x3u
/* Ours: what we recommend as a command timeout, in seconds (the SCSI
 * midlayers' usual default). The nominal time is not known: 0. */
#define RSOC_RECOMMENDED_TIMEOUT_S 30u
/* Bound of the all-commands answer. */
#define RSOC_MAX_LEN 4096u

/* Does the opcode have service actions in our table? */
static bool rsoc_opcode_has_sa(uint8_t opcode)
{
	bool has_sa;
	const struct scsi_op *op = scsi_op_find(opcode, 0, &has_sa);
	return has_sa || (op != NULL && (op->flags & OP_SA));
}

int spc_rsoc_decode(struct scsi_cmd *cmd)
{
	uint8_t opt = RSOC_OPTIONS(cmd->cdb);
	bool has_sa = rsoc_opcode_has_sa(cmd->cdb[3]);
	/* Asking for one command in the wrong form for it is an error. */
	if (opt > RSOC_EITHER || (opt == RSOC_OPCODE && has_sa) || (opt == RSOC_OPCODE_SA && !has_sa)) {
		scsi_fail_cdb(cmd, 2, 2);
		return -1;
	}
	cmd->xfer_len = get_be32(cmd->cdb + 6);
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

static uint32_t rsoc_timeouts(uint8_t *p)
{
	memset(p, 0, RSOC_TIMEOUTS_LEN);
	put_be16(p, RSOC_TIMEOUTS_LEN - 2);
	put_be32(p + 8, RSOC_RECOMMENDED_TIMEOUT_S);
	return RSOC_TIMEOUTS_LEN;
}

static uint32_t rsoc_all(const struct scsi_cmd *cmd, bool rctd, uint8_t *out)
{
	uint32_t len = 4;
	for (size_t i = 0; i < scsi_ops_count; i++) {
		const struct scsi_op *op = &scsi_ops[i];
		if (!scsi_op_available(op, cmd->lu))
			continue;
		uint8_t *d = out + len;
		memset(d, 0, RSOC_DESC_LEN);
		d[0] = op->opcode;
		put_be16(d + 2, (op->flags & OP_SA) ? op->sa : 0);
		d[5] = (uint8_t)((rctd ? RSOC_CTDP : 0) | ((op->flags & OP_SA) ? RSOC_SERVACTV : 0));
		put_be16(d + 6, op->cdb_len);
		len += RSOC_DESC_LEN;
		if (rctd)
			len += rsoc_timeouts(out + len);
	}
	put_be32(out, len - 4);
	return len;
}

static uint32_t rsoc_one(const struct scsi_cmd *cmd, bool rctd, uint8_t *out)
{
	bool has_sa;
	const struct scsi_op *op = scsi_op_find(cmd->cdb[3], (uint8_t)get_be16(cmd->cdb + 4), &has_sa);
	/* A service action beyond 5 bits names nothing we have. */
	if (op != NULL && ((op->flags & OP_SA) ? get_be16(cmd->cdb + 4) != op->sa : false))
		op = NULL;
	memset(out, 0, RSOC_ONE_HDR_LEN);
	if (op == NULL || !scsi_op_available(op, cmd->lu)) {
		out[1] = RSOC_SUPPORT_NONE;
		return RSOC_ONE_HDR_LEN;
	}
	out[1] = (uint8_t)((rctd ? RSOC_ONE_CTDP : 0) | RSOC_SUPPORT_STD);
	put_be16(out + 2, op->cdb_len);
	memcpy(out + RSOC_ONE_HDR_LEN, op->usage, op->cdb_len);
	uint32_t len = RSOC_ONE_HDR_LEN + op->cdb_len;
	if (rctd)
		len += rsoc_timeouts(out + len);
	return len;
}

void spc_rsoc_exec(struct scsi_cmd *cmd)
{
	static_assert(OP_CDB_MAX + RSOC_ONE_HDR_LEN + RSOC_TIMEOUTS_LEN <= RSOC_MAX_LEN, "one command fits");
	uint8_t out[RSOC_MAX_LEN];
	bool rctd = cmd->cdb[2] & RSOC_RCTD;
	assert(4 + scsi_ops_count * (RSOC_DESC_LEN + RSOC_TIMEOUTS_LEN) <= sizeof(out));
	uint32_t len = RSOC_OPTIONS(cmd->cdb) == RSOC_ALL ? rsoc_all(cmd, rctd, out) : rsoc_one(cmd, rctd, out);
	scsi_data_in(cmd, out, len);
	scsi_done(cmd);
}

/* REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS: what the iSCSI transport
 * (core/tmf.c) carries out: ABORT TASK, ABORT TASK SET, CLEAR TASK SET,
 * LOGICAL UNIT RESET, TARGET RESET (warm and cold). */
#define TMF_ATS 0x80u
#define TMF_ATSS 0x40u
#define TMF_CTSS 0x10u
#define TMF_LURS 0x08u
#define TMF_TRS 0x02u
#define RSTMF_LEN 4u

int spc_rstmf_decode(struct scsi_cmd *cmd)
{
	cmd->xfer_len = get_be32(cmd->cdb + 6);
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

void spc_rstmf_exec(struct scsi_cmd *cmd)
{
	uint8_t d[RSTMF_LEN] = {TMF_ATS | TMF_ATSS | TMF_CTSS | TMF_LURS | TMF_TRS, 0, 0, 0};
	scsi_data_in(cmd, d, sizeof(d));
	scsi_done(cmd);
}
