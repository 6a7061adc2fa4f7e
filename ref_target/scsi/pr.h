/* pr: persistent reservations (SPC-4 §5.13, PERSISTENT RESERVE OUT in pr.c,
 * PERSISTENT RESERVE IN in pr_in.c).
 *
 * Registrations are per I_T nexus: an initiator port (TransportID, or a
 * bare iSCSI name registering the whole initiator device) on one target
 * port, or on all of them (ALL_TG_PT). Every reservation type and every
 * service action is implemented, REGISTER AND MOVE and SPEC_I_PT included.
 * With APTPL the whole state is saved through env->state_save after each
 * change (the command completes only once it is saved) and restored by
 * pr_init after a power cycle. PREEMPT AND ABORT also has the transport
 * abort the preempted nexuses' tasks on the LU (scsi_transport.abort_tasks).
 * Owns struct pr_state (inside struct scsi_lu).
 */
#ifndef RT_SCSI_PR_H
#define RT_SCSI_PR_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

/* Ours: registrations per LU; one more is INSUFFICIENT REGISTRATION
 * RESOURCES (SPC-4 §5.13.7). */
#define PR_REG_MAX 64u

struct pr_reg {
	bool used;
	uint16_t rel_port; /* target port; 0: every target port (ALL_TG_PT) */
	uint64_t key;
	/* "<name>,i,0x<ISID>" (an initiator port) or "<name>" (every port of
	 * the initiator, TransportID format 00b) */
	char port[sizeof(((struct scsi_nexus *)0)->initiator_port)];
};

struct pr_state {
	uint32_t generation; /* PRGENERATION */
	bool aptpl;          /* persist through power loss */
	bool reserved;
	uint8_t type;        /* reservation type, when reserved */
	uint32_t holder;     /* registration holding it (not for all-registrants types) */
	struct pr_reg reg[PR_REG_MAX];
};

/* SPC-4 §5.13.1: reservation types; the scope is always the LU (0). */
enum {
	PR_WE = 1,    /* write exclusive */
	PR_EA = 3,    /* exclusive access */
	PR_WE_RO = 5, /* write exclusive, registrants only */
	PR_EA_RO = 6, /* exclusive access, registrants only */
	PR_WE_AR = 7, /* write exclusive, all registrants */
	PR_EA_AR = 8, /* exclusive access, all registrants */
};
#define PR_SCOPE_LU 0u
#define PR_NONE UINT32_MAX /* no registration */

struct scsi_lu;

/* For PERSISTENT RESERVE IN (pr_in.c): all-registrants types have no one
 * holder; does registration 'reg' hold the reservation? */
bool pr_type_all_registrants(uint8_t type);
bool pr_is_holder(const struct pr_state *s, uint32_t reg);

/* Restore APTPL state through env->state_load; -1 when there is no memory
 * to read it (the LU must not come up without it). */
int pr_init(struct scsi_lu *lu);
/* True if a persistent reservation makes this command conflict for its
 * nexus (SPC-4 §5.13.1 table of commands and reservation types). */
bool pr_conflicts(const struct scsi_cmd *cmd, uint32_t op_flags);
/* True if the LU has any registration (RESERVE/RELEASE then conflict,
 * SPC-4 §5.13.3 CRH). */
bool pr_registered_any(const struct scsi_lu *lu);
/* SPC-4 §5.13.3: RELEASE from a persistent reservation holder (or any
 * registrant of a registrants-only / all-registrants type) is a no-op. */
bool pr_release_is_noop(const struct scsi_cmd *cmd);

int pr_in_decode(struct scsi_cmd *cmd);
void pr_in_exec(struct scsi_cmd *cmd);
int pr_out_decode(struct scsi_cmd *cmd);
void pr_out_exec(struct scsi_cmd *cmd);

#endif
