/* medium: the removable medium of an LU (SBC-3 START STOP UNIT, PREVENT
 * ALLOW MEDIUM REMOVAL; SPC-4 RMB).
 *
 * An LU configured RT_LU_REMOVABLE can have its medium ejected and loaded
 * (LOEJ); while it is out, every medium access answers NOT READY, MEDIUM
 * NOT PRESENT. Any I_T nexus may prevent removal; the prevention ends with
 * PREVENT 0, the nexus's loss, or a reset. Power conditions (START 0
 * without LOEJ) are accepted and have no effect: a virtual disk has no
 * spindle. Owns struct medium (inside struct scsi_lu); the per-nexus
 * prevention bits live in the nexus table.
 */
#ifndef RT_SCSI_MEDIUM_H
#define RT_SCSI_MEDIUM_H

#include <stdbool.h>

#include "scsi.h"

struct medium {
	bool ejected;
};

struct scsi_lu;

bool medium_present(const struct scsi_lu *lu);
/* Preventions end on I_T nexus loss (one nexus) and on resets (all). */
void medium_nexus_lost(struct scsi_lu *lu, const struct scsi_nexus *n);
void medium_reset(struct scsi_lu *lu);

int medium_start_stop_decode(struct scsi_cmd *cmd);
void medium_start_stop_exec(struct scsi_cmd *cmd);
int medium_prevent_allow_decode(struct scsi_cmd *cmd);
void medium_prevent_allow_exec(struct scsi_cmd *cmd);

#endif
