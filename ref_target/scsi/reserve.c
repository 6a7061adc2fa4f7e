/* reserve: see reserve.h. */
#include "reserve.h"

#include <string.h>

#include "cmd.h"
#include "lu.h"
#include "pr.h"

static bool reserve_mine(const struct rsv2 *r, const struct scsi_nexus *n)
{
	return r->held && r->rel_port == n->rel_port && strcmp(r->port, n->initiator_port) == 0;
}

bool reserve_conflicts(const struct scsi_cmd *cmd, uint32_t op_flags)
{
	const struct rsv2 *r = &cmd->lu->rsv;
	return r->held && !(op_flags & OP_RSV2_OK) && !reserve_mine(r, cmd->nexus);
}

void reserve_drop(struct scsi_lu *lu, const struct scsi_nexus *n)
{
	if (n == NULL || reserve_mine(&lu->rsv, n))
		lu->rsv.held = false;
}

/* No third-party reservations or extents (the usage masks reject their
 * fields): nothing more to check. */
int reserve_decode(struct scsi_cmd *cmd)
{
	(void)cmd;
	return 0;
}

void reserve_exec(struct scsi_cmd *cmd)
{
	struct rsv2 *r = &cmd->lu->rsv;
	if (pr_registered_any(cmd->lu) || (r->held && !reserve_mine(r, cmd->nexus))) {
		cmd->status = SCSI_STATUS_RESERVATION_CONFLICT;
	} else {
		r->held = true;
		r->rel_port = cmd->nexus->rel_port;
		memcpy(r->port, cmd->nexus->initiator_port, sizeof(r->port));
		r->port[sizeof(r->port) - 1] = '\0';
	}
	scsi_done(cmd);
}

/* RELEASE by a nexus that holds nothing is a no-op (SPC-2). With
 * persistent reservations present it conflicts, except from their holder
 * (SPC-4 §5.13.3). */
void release_exec(struct scsi_cmd *cmd)
{
	if (pr_registered_any(cmd->lu)) {
		if (!pr_release_is_noop(cmd))
			cmd->status = SCSI_STATUS_RESERVATION_CONFLICT;
	} else {
		reserve_drop(cmd->lu, cmd->nexus);
	}
	scsi_done(cmd);
}
