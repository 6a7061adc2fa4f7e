/* sanitize: SANITIZE with OVERWRITE, BLOCK ERASE and EXIT FAILURE MODE
 * (SBC-3, SANITIZE command; only on LUs configured RT_LU_SANITIZE: it
 * destroys all data).
 *
 * OVERWRITE writes the initialization pattern over every block, as many
 * passes as asked (inverted between passes with INVERT), then flushes.
 * BLOCK ERASE, offered on thin LUs only, deallocates every block (a
 * backstore cannot erase below its file system, but a deallocated block
 * keeps nothing of the old data), then flushes; reads afterwards succeed
 * (WABEREQ 01b in the Block Device Characteristics VPD page).
 * While either runs every command but INQUIRY, REPORT LUNS and REQUEST
 * SENSE answers NOT READY, SANITIZE IN PROGRESS, and REQUEST SENSE reports
 * the progress. The work is an LU-owned job that outlives the command:
 * with IMMED the command completes at once, without it when the job ends;
 * aborting the command or resetting the LU or target does not stop the
 * job (SBC-3/SBC-4: a sanitize goes on through resets and task management;
 * libiscsi Sanitize.Reset). A failed sanitize leaves the medium unusable
 * until EXIT FAILURE MODE or a successful sanitize. CRYPTOGRAPHIC ERASE is
 * not offered: no backstore has a key to drop.
 * Owns struct sanitize (inside struct scsi_lu) and the job.
 */
#ifndef RT_SCSI_SANITIZE_H
#define RT_SCSI_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi.h"

struct sanitize {
	bool running;
	bool failed;
	uint64_t done, total;   /* blocks written of all passes */
	struct scsi_cmd *job;   /* the job, while it lives */
	struct scsi_cmd *waiter; /* the command answered when it ends (not IMMED) */
};

struct scsi_lu;

/* SANITIZE PROGRESS INDICATION (SPC-4 §4.5, sense key specific): the
 * fraction done, of 65536. */
uint16_t sanitize_progress(const struct scsi_lu *lu);
/* Engine teardown: free a job still running (nothing completes it now). */
void sanitize_drop(struct scsi_lu *lu);

int sanitize_overwrite_decode(struct scsi_cmd *cmd);
void sanitize_overwrite_exec(struct scsi_cmd *cmd);
void sanitize_overwrite_done(struct scsi_cmd *cmd);
int sanitize_erase_decode(struct scsi_cmd *cmd);
void sanitize_erase_exec(struct scsi_cmd *cmd);
void sanitize_erase_done(struct scsi_cmd *cmd);
/* A SANITIZE command aborted or released: its job goes on. */
void sanitize_abandon(struct scsi_cmd *cmd);
int sanitize_exit_decode(struct scsi_cmd *cmd);
void sanitize_exit_exec(struct scsi_cmd *cmd);

#endif
