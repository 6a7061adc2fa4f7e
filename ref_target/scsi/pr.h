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
 * An LU with RT_LU_PR_SHARED keeps the state in its backstore instead,
 * shared by every gateway that serves it (pr_shared.c); pr_codec.c turns
 * the state into bytes for either.
 * Owns struct pr_state and struct pr_cache (inside struct scsi_lu).
 */
#ifndef RT_SCSI_PR_H
#define RT_SCSI_PR_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

/* Ours: registrations per LU; one more is INSUFFICIENT REGISTRATION
 * RESOURCES (SPC-4 §5.13.7). */
#define PR_REG_MAX 64u

/* Longest initiator port name kept, with its NUL. */
#define PR_PORT_MAX sizeof(((struct scsi_nexus *)0)->initiator_port)

struct pr_reg {
	bool used;
	uint16_t rel_port; /* target port; 0: every target port (ALL_TG_PT) */
	uint64_t key;
	/* "<name>,i,0x<ISID>" (an initiator port) or "<name>" (every port of
	 * the initiator, TransportID format 00b) */
	char port[PR_PORT_MAX];
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

/* The shared state as this gateway last read or stored it (pr_shared.c). */
struct pr_cache {
	bool stale;       /* reload it before the next reservation check */
	uint64_t version; /* the backstore's version of the record lu->pr is */
	uint64_t epoch;   /* invalidations so far: a load that began before the
			     latest one cannot make the cache fresh */
};

/* ---- the state as bytes (pr_codec.c) ---- */

/* Longest encoded state: header, then PR_REG_MAX registrations of 12
 * bytes and a port (without its NUL) each. */
#define PR_SAVE_MAX (16u + PR_REG_MAX * (12u + PR_PORT_MAX - 1u))

enum pr_codec_err {
	PR_CODEC_OK = 0,
	PR_CODEC_SHORT,
	PR_CODEC_MAGIC,
	PR_CODEC_VERSION,
	PR_CODEC_FLAGS,
	PR_CODEC_COUNT,
	PR_CODEC_PORT,
	PR_CODEC_DUPLICATE,
	PR_CODEC_TRAILING,
	PR_CODEC_TYPE,
	PR_CODEC_HOLDER,
};

/* Encode s into out (PR_SAVE_MAX bytes); returns the length. */
uint32_t pr_encode(const struct pr_state *s, uint8_t *out);
/* Decode len bytes into s (registrations in slots 0..count-1); anything
 * but PR_CODEC_OK leaves s unusable. */
enum pr_codec_err pr_decode(struct pr_state *s, const uint8_t *in, uint32_t len);
const char *pr_codec_err_name(enum pr_codec_err e);

struct scsi_lu;

/* SPC-4 §5.13.1: one of the six types above. */
bool pr_type_valid(uint8_t type);
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
void pr_in_io_done(struct scsi_cmd *cmd);
int pr_out_decode(struct scsi_cmd *cmd);
void pr_out_exec(struct scsi_cmd *cmd);
void pr_out_io_done(struct scsi_cmd *cmd);

/* ---- the state shared through the backstore (pr_shared.c) ---- */

bool pr_is_shared(const struct scsi_lu *lu);
/* Another gateway may have changed the shared state (the backstore said
 * so, or this gateway took the storage over): reload before the next
 * reservation check. */
void pr_invalidate(struct scsi_lu *lu);
/* Before a command's reservation checks (cmd.c): true if it must first
 * wait for a reload of the stale cache; pr_refresh_done, called for its
 * disk completion, then runs it again (scsi_cmd_run). */
bool pr_refresh_start(struct scsi_cmd *cmd, uint32_t op_flags);
void pr_refresh_done(struct scsi_cmd *cmd);

#endif
