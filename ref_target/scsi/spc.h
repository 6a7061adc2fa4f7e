/* spc: handlers of the SPC-4 primary commands every device type shares
 * (INQUIRY in inquiry.c; TEST UNIT READY, REQUEST SENSE, REPORT LUNS in
 * spc.c; REPORT SUPPORTED OPERATION CODES and TASK MANAGEMENT FUNCTIONS in
 * supported.c). Referenced from the command table (opcodes.c).
 */
#ifndef RT_SCSI_SPC_H
#define RT_SCSI_SPC_H

#include "scsi.h"

/* The LU's NAA IEEE Registered Extended designator (VPD page 83h), the
 * identity EXTENDED COPY target descriptors name LUs by. */
#define INQ_NAA_LEN 16u
void inquiry_naa(const struct rt_lu_cfg *cfg, uint8_t *out);

int inquiry_decode(struct scsi_cmd *cmd);
void inquiry_exec(struct scsi_cmd *cmd);

int spc_no_data_decode(struct scsi_cmd *cmd); /* commands without data or fields to check */
void spc_tur_exec(struct scsi_cmd *cmd);
int spc_request_sense_decode(struct scsi_cmd *cmd);
void spc_request_sense_exec(struct scsi_cmd *cmd);
int spc_report_luns_decode(struct scsi_cmd *cmd);
void spc_report_luns_exec(struct scsi_cmd *cmd);

/* xcopy.c */
int xcopy_decode(struct scsi_cmd *cmd);
void xcopy_exec(struct scsi_cmd *cmd);
void xcopy_done(struct scsi_cmd *cmd);
void xcopy_abandon(struct scsi_cmd *cmd);
int xcopy_results_decode(struct scsi_cmd *cmd);
void xcopy_results_exec(struct scsi_cmd *cmd);

/* supported.c */
int spc_rsoc_decode(struct scsi_cmd *cmd);
void spc_rsoc_exec(struct scsi_cmd *cmd);
int spc_rstmf_decode(struct scsi_cmd *cmd);
void spc_rstmf_exec(struct scsi_cmd *cmd);

#endif
