/* spc: handlers of the SPC-4 primary commands every device type shares
 * (INQUIRY in inquiry.c; TEST UNIT READY, REQUEST SENSE, REPORT LUNS in
 * spc.c; REPORT SUPPORTED OPERATION CODES and TASK MANAGEMENT FUNCTIONS in
 * supported.c). Referenced from the command table (opcodes.c).
 */
#ifndef RT_SCSI_SPC_H
#define RT_SCSI_SPC_H

#include "scsi.h"

int inquiry_decode(struct scsi_cmd *cmd);
void inquiry_exec(struct scsi_cmd *cmd);

int spc_no_data_decode(struct scsi_cmd *cmd); /* commands without data or fields to check */
void spc_tur_exec(struct scsi_cmd *cmd);
int spc_request_sense_decode(struct scsi_cmd *cmd);
void spc_request_sense_exec(struct scsi_cmd *cmd);
int spc_report_luns_decode(struct scsi_cmd *cmd);
void spc_report_luns_exec(struct scsi_cmd *cmd);

/* supported.c */
int spc_rsoc_decode(struct scsi_cmd *cmd);
void spc_rsoc_exec(struct scsi_cmd *cmd);
int spc_rstmf_decode(struct scsi_cmd *cmd);
void spc_rstmf_exec(struct scsi_cmd *cmd);

#endif
