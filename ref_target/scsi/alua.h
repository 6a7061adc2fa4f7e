/* alua: asymmetric logical unit access (SPC-4 §5.15; REPORT TARGET PORT
 * GROUPS and SET TARGET PORT GROUPS).
 *
 * Each iSCSI target portal group is one ALUA target port group (its id is
 * the TPGT, as VPD page 83h reports) holding the relative target ports
 * the LU is reached through. Every group starts active/optimized; the
 * state changes explicitly (SET TARGET PORT GROUPS) or implicitly
 * (alua_set_state, for the daemon or the simulator to fail over), and the
 * other I_T nexuses get ASYMMETRIC ACCESS STATE CHANGED. What a state lets
 * through is decided in one place, alua_check. Groups and their ports are
 * learned from the nexuses that address the LU (the configuration does
 * not describe them to the SCSI layer yet).
 * Owns struct alua (inside struct scsi_lu).
 */
#ifndef RT_SCSI_ALUA_H
#define RT_SCSI_ALUA_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"
#include "sense.h"

/* SPC-4 §5.15.2.4: asymmetric access states. */
enum alua_state {
	ALUA_ACTIVE_OPTIMIZED = 0x0,
	ALUA_ACTIVE_NONOPTIMIZED = 0x1,
	ALUA_STANDBY = 0x2,
	ALUA_UNAVAILABLE = 0x3,
	ALUA_TRANSITIONING = 0xf,
};

/* Ours: ports per target port group we list. */
#define ALUA_PORTS_MAX 16u

struct alua_group {
	bool used;
	uint16_t id;            /* TARGET PORT GROUP: the iSCSI TPGT */
	uint8_t state;          /* enum alua_state */
	uint8_t status;         /* STATUS CODE of REPORT TARGET PORT GROUPS */
	uint8_t port_count;
	uint16_t ports[ALUA_PORTS_MAX]; /* relative target port identifiers */
};

struct alua {
	struct alua_group g[RT_TPGS_MAX];
};

struct scsi_lu;

/* The command's target port belongs to its group (learned here). */
void alua_port_seen(struct scsi_lu *lu, const struct scsi_nexus *n);
/* What the state of the command's group allows (SPC-4 §5.15.2.4):
 * SC_NO_SENSE, or the NOT READY condition to answer with. */
enum scsi_cond alua_check(const struct scsi_cmd *cmd, uint32_t op_flags);
/* Implicit transition of one group (failover); 0, or -1 if the LU has no
 * such group or the state is not one a group can be put in. */
int alua_set_state(struct scsi_lu *lu, uint16_t group, enum alua_state state);

int alua_rtpg_decode(struct scsi_cmd *cmd);
void alua_rtpg_exec(struct scsi_cmd *cmd);
int alua_stpg_decode(struct scsi_cmd *cmd);
void alua_stpg_exec(struct scsi_cmd *cmd);

#endif
