/* alua: asymmetric logical unit access (SPC-4 §5.15; REPORT TARGET PORT
 * GROUPS and SET TARGET PORT GROUPS).
 *
 * Each iSCSI target portal group is one ALUA target port group (its id is
 * the TPGT, as VPD page 83h reports) holding the relative target ports
 * the LU is reached through. The groups the LU's configuration lists
 * (rt_lu_cfg.alua) start in their configured state, with their PREF bit;
 * any other group starts active/optimized. Which transitions exist is the
 * configuration's too (rt_lu_cfg.alua_modes, the TPGS field of INQUIRY):
 * implicit ones (scsi_alua_set_state, for the daemon or the simulator to
 * fail over) always, SET TARGET PORT GROUPS only with explicit ALUA. A change
 * gives the other I_T nexuses ASYMMETRIC ACCESS STATE CHANGED. What a
 * state lets through is decided in one place, alua_check. The ports of a
 * group are learned from the nexuses that address the LU.
 * With RT_LU_ALUA_SHARED the states follow the ownership of storage that
 * gateways share (rbd: backstore/rbd_alua.h): the environment sets them,
 * and SET TARGET PORT GROUPS asks it to move the ownership.
 * Owns struct alua (inside struct scsi_lu).
 */
#ifndef RT_SCSI_ALUA_H
#define RT_SCSI_ALUA_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"
#include "sense.h"

/* Ours: ports per target port group we list. */
#define ALUA_PORTS_MAX 16u

struct alua_group {
	bool used;
	uint16_t id;            /* TARGET PORT GROUP: the iSCSI TPGT */
	uint8_t state;          /* enum rt_alua_state (SPC-4 §5.15.2.4 codes) */
	bool pref;              /* PREF: a preferred target port group */
	uint8_t status;         /* STATUS CODE of REPORT TARGET PORT GROUPS */
	uint8_t port_count;
	uint16_t ports[ALUA_PORTS_MAX]; /* relative target port identifiers */
};

struct alua {
	struct alua_group g[RT_TPGS_MAX];
};

struct scsi_lu;

/* The groups of the LU's configuration, at creation. */
void alua_init(struct scsi_lu *lu);
/* RT_ALUA_IMPLICIT and/or RT_ALUA_EXPLICIT: the configuration's modes;
 * implicit when it names none (the target's own transitions, as
 * scsi_alua_set_state makes them, exist whatever is configured). */
uint32_t alua_modes(const struct scsi_lu *lu);
/* The command's target port belongs to its group (learned here). */
void alua_port_seen(struct scsi_lu *lu, const struct scsi_nexus *n);
/* What the state of the command's group allows (SPC-4 §5.15.2.4):
 * SC_NO_SENSE, or the NOT READY condition to answer with. */
enum scsi_cond alua_check(const struct scsi_cmd *cmd, uint32_t op_flags);
int alua_rtpg_decode(struct scsi_cmd *cmd);
void alua_rtpg_exec(struct scsi_cmd *cmd);
int alua_stpg_decode(struct scsi_cmd *cmd);
void alua_stpg_exec(struct scsi_cmd *cmd);
/* io_done of SET TARGET PORT GROUPS on an RT_LU_ALUA_SHARED LU. */
void alua_stpg_io_done(struct scsi_cmd *cmd);

#endif
