/* medium: see medium.h. SBC-3 START STOP UNIT and PREVENT ALLOW MEDIUM
 * REMOVAL; SPC-4 unit attention NOT READY TO READY CHANGE on load. */
#include "medium.h"

#include "cmd.h"
#include "lu.h"
#include "nexus.h"
#include "ua.h"

/* START STOP UNIT byte 4. */
#define SSU_POWER_CONDITION(b) ((b) >> 4)
#define SSU_LOEJ 0x02u
#define SSU_START 0x01u
/* PREVENT ALLOW MEDIUM REMOVAL byte 4: 00b allow, 01b prevent; 1xb obsolete. */
#define PREVENT_MASK 0x03u
#define PREVENT_ON 0x01u

bool medium_present(const struct scsi_lu *lu)
{
	return !lu->medium.ejected;
}

static bool medium_prevented(const struct scsi_lu *lu)
{
	for (uint32_t i = 0; i < NEXUS_MAX; i++)
		if (lu->nexuses.e[i].used && lu->nexuses.e[i].prevent)
			return true;
	return false;
}

void medium_nexus_lost(struct scsi_lu *lu, const struct scsi_nexus *n)
{
	struct nexus_entry *e = nexus_find(&lu->nexuses, n);
	if (e != NULL)
		e->prevent = false;
}

void medium_reset(struct scsi_lu *lu)
{
	for (uint32_t i = 0; i < NEXUS_MAX; i++)
		lu->nexuses.e[i].prevent = false;
}

int medium_start_stop_decode(struct scsi_cmd *cmd)
{
	/* Loading and ejecting need a removable medium. */
	if (SSU_POWER_CONDITION(cmd->cdb[4]) == 0 && (cmd->cdb[4] & SSU_LOEJ) &&
	    !(cmd->lu->cfg->flags & RT_LU_REMOVABLE)) {
		scsi_fail_cdb(cmd, 4, 1);
		return -1;
	}
	return 0;
}

/* A POWER CONDITION other than 0 makes START and LOEJ ignored; without
 * LOEJ only the (unmodelled) power state would change. */
void medium_start_stop_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	uint8_t b = cmd->cdb[4];
	if (SSU_POWER_CONDITION(b) != 0 || !(b & SSU_LOEJ)) {
		scsi_done(cmd);
		return;
	}
	if (medium_prevented(lu)) { /* loading and ejecting alike */
		scsi_done_fail(cmd, SC_REMOVAL_PREVENTED);
		return;
	}
	bool load = b & SSU_START;
	if (load && lu->medium.ejected)
		ua_establish_all(&lu->nexuses, cmd->nexus, SC_UA_MEDIUM_CHANGED);
	lu->medium.ejected = !load;
	scsi_done(cmd);
}

int medium_prevent_allow_decode(struct scsi_cmd *cmd)
{
	if ((cmd->cdb[4] & PREVENT_MASK) > PREVENT_ON) {
		scsi_fail_cdb(cmd, 4, 1);
		return -1;
	}
	return 0;
}

void medium_prevent_allow_exec(struct scsi_cmd *cmd)
{
	nexus_get(&cmd->lu->nexuses, cmd->nexus)->prevent = (cmd->cdb[4] & PREVENT_MASK) == PREVENT_ON;
	scsi_done(cmd);
}
