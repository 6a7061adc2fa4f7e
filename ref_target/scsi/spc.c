/* spc: TEST UNIT READY, REQUEST SENSE and REPORT LUNS (SPC-4 §6.33). */
#include "spc.h"

#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "medium.h"
#include "sanitize.h"
#include "ua.h"

int spc_no_data_decode(struct scsi_cmd *cmd)
{
	(void)cmd;
	return 0;
}

/* The dispatcher already answered a pending unit attention or a medium
 * that is not ready; what reaches here is ready. */
void spc_tur_exec(struct scsi_cmd *cmd)
{
	scsi_done(cmd);
}

#define REQUEST_SENSE_DESC 0x01u

int spc_request_sense_decode(struct scsi_cmd *cmd)
{
	cmd->dir = SCSI_DIR_IN;
	cmd->xfer_len = cmd->cdb[4];
	return 0;
}

/* SPC-4 REQUEST SENSE: the sense data is returned as parameter data with GOOD
 * status: a pending unit attention (reported and cleared, SAM-5 §5.14),
 * LOGICAL UNIT NOT SUPPORTED for a LUN that is not there, NOT READY with
 * the progress of a sanitize, NOT READY when the medium is out, else NO
 * SENSE.
 * The DESC bit, not D_SENSE, chooses the format. */
void spc_request_sense_exec(struct scsi_cmd *cmd)
{
	uint8_t sense[SCSI_SENSE_DESC_MAX_LEN];
	struct scsi_sense_extra x = {0};
	enum scsi_cond cond = SC_LUN_NOT_SUPPORTED;
	if (cmd->lu != NULL)
		cond = ua_take(&cmd->lu->nexuses, cmd->nexus);
	if (cond == SC_NO_SENSE && cmd->lu->sanitize.running) {
		/* SPC-4 §4.5: progress indication, the fraction done of 65536 */
		cond = SC_SANITIZE_IN_PROGRESS;
		x.sks_valid = true;
		put_be16(x.sks + 1, sanitize_progress(cmd->lu));
	}
	if (cond == SC_NO_SENSE && !medium_present(cmd->lu))
		cond = SC_MEDIUM_NOT_PRESENT;
	uint32_t len = sense_format(sense, cmd->cdb[1] & REQUEST_SENSE_DESC, cond, &x);
	scsi_data_in(cmd, sense, len);
	scsi_done(cmd);
}

/* SPC-4 §6.33: SELECT REPORT. */
enum {
	REPORT_LUNS_ALL = 0x00,        /* every LUN but the well-known ones */
	REPORT_LUNS_WELL_KNOWN = 0x01, /* only well-known LUNs: we have none */
	REPORT_LUNS_EVERY = 0x02,      /* both */
};
/* SPC-4 §6.33: an allocation length under 16 bytes is an error. */
#define REPORT_LUNS_ALLOC_MIN 16u
#define REPORT_LUNS_HDR_LEN 8u
#define LUN_LEN 8u

int spc_report_luns_decode(struct scsi_cmd *cmd)
{
	uint8_t sel = cmd->cdb[2];
	if (sel != REPORT_LUNS_ALL && sel != REPORT_LUNS_WELL_KNOWN && sel != REPORT_LUNS_EVERY) {
		scsi_fail_cdb(cmd, 2, SCSI_BIT_NONE);
		return -1;
	}
	cmd->xfer_len = get_be32(cmd->cdb + 6);
	if (cmd->xfer_len < REPORT_LUNS_ALLOC_MIN) {
		scsi_fail_cdb(cmd, 6, SCSI_BIT_NONE);
		return -1;
	}
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

/* The nexus's LUN inventory. With nothing mapped LUN 0 is still reported
 * (SPC-4 §6.33: LUN 0 always answers, here with qualifier 011b). */
void spc_report_luns_exec(struct scsi_cmd *cmd)
{
	uint8_t out[REPORT_LUNS_HDR_LEN + LUN_LEN * RT_LUNS_MAX];
	uint32_t n = 0;
	memset(out, 0, sizeof(out));
	if (cmd->cdb[2] != REPORT_LUNS_WELL_KNOWN) {
		for (uint32_t i = 0; i < cmd->lun_count && i < RT_LUNS_MAX; i++)
			put_be64(out + REPORT_LUNS_HDR_LEN + LUN_LEN * n++, scsi_lun_to_wire(cmd->luns[i].lun));
		if (n == 0)
			put_be64(out + REPORT_LUNS_HDR_LEN + LUN_LEN * n++, scsi_lun_to_wire(0));
	}
	put_be32(out, n * LUN_LEN);
	if (cmd->lu != NULL) /* SPC-4 §6.33: the inventory was just reported */
		ua_clear(&cmd->lu->nexuses, cmd->nexus, SC_UA_LUNS_CHANGED);
	scsi_data_in(cmd, out, REPORT_LUNS_HDR_LEN + n * LUN_LEN);
	scsi_done(cmd);
}
