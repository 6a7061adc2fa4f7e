/* reserve: SPC-2 reservations, RESERVE(6)/(10) and RELEASE(6)/(10)
 * (SPC-2 §7.21-§7.24; SPC-4 §5.13.3 for how they meet persistent
 * reservations: with CRH set they conflict while registrations exist).
 *
 * One I_T nexus may hold the LU; every other nexus then gets RESERVATION
 * CONFLICT for all but a few commands (OP_RSV2_OK). The reservation ends
 * with RELEASE from its holder, the holder's nexus loss, or a reset.
 * Owns struct rsv2 (inside struct scsi_lu).
 */
#ifndef RT_SCSI_RESERVE_H
#define RT_SCSI_RESERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

struct rsv2 {
	bool held;
	uint16_t rel_port;
	char port[sizeof(((struct scsi_nexus *)0)->initiator_port)];
};

struct scsi_lu;

/* True if another nexus's RESERVE makes this command conflict. */
bool reserve_conflicts(const struct scsi_cmd *cmd, uint32_t op_flags);
/* The reservation ends: the holder's nexus was lost (n), or a reset (NULL). */
void reserve_drop(struct scsi_lu *lu, const struct scsi_nexus *n);

int reserve_decode(struct scsi_cmd *cmd);
void reserve_exec(struct scsi_cmd *cmd);
void release_exec(struct scsi_cmd *cmd);

#endif
