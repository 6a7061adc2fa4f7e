/* initiator/multipath_sense: what a command's sense data means to the
 * multipath model (multipath.c), as Linux's scsi_check_sense and the ALUA
 * device handler read it: the sense key and additional sense code of fixed
 * or descriptor sense, a target's own failure of an ILLEGAL REQUEST, the
 * ALUA standby/unavailable and transitioning answers. Pure functions of the
 * bytes; owns nothing. */
#ifndef SIM_INITIATOR_MULTIPATH_SENSE_H
#define SIM_INITIATOR_MULTIPATH_SENSE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/initiator/session.h"

/* SPC-4 §4.5: sense keys the path logic cares about. */
enum {
	SK_NOT_READY = 0x2,
	SK_ILLEGAL_REQUEST = 0x5,
	SK_UNIT_ATTENTION = 0x6,
	SK_ABORTED_COMMAND = 0xb,
};
/* SAM-5 §5.3 status codes. */
/* SPC-4 §4.5.6 additional sense codes the path logic reads. */
#define ASC_NOT_READY 0x04u
#define ASCQ_ALUA_TRANSITION 0x0au
#define ASC_PARAMETERS_CHANGED 0x2au
#define ASCQ_ALUA_STATE_CHANGED 0x06u

struct mps_sense {
	uint8_t key, asc, ascq;
};

/* Fixed (70h/71h) or descriptor (72h/73h) format, SPC-4 §4.5.2-§4.5.3. */
static inline struct mps_sense mps_sense_of(const struct icmd *c)
{
	struct mps_sense s = { 0 };
	if (c->sense_len < 4)
		return s;
	uint8_t code = c->sense[0] & 0x7f;
	if ((code == 0x70 || code == 0x71) && c->sense_len >= 14) {
		s.key = c->sense[2] & 0xf;
		s.asc = c->sense[12];
		s.ascq = c->sense[13];
	} else if (code == 0x72 || code == 0x73) {
		s.key = c->sense[1] & 0xf;
		s.asc = c->sense[2];
		s.ascq = c->sense[3];
	}
	return s;
}

/* Linux's scsi_check_sense: ILLEGAL REQUEST is the target's failure of
 * the command itself, on whatever path it is sent (BLK_STS_TARGET, which
 * dm-multipath hands up without retrying), only for these ASCs: invalid
 * opcode, LBA out of range, invalid function, invalid field in CDB,
 * parameter value invalid, write protected. */
static inline bool mps_illegal_request_is_target_failure(struct mps_sense s)
{
	switch (s.asc) {
	case 0x20: case 0x21: case 0x22: case 0x24: case 0x26: case 0x27:
		return true;
	default:
		return false;
	}
}

static inline bool mps_alua_standby(struct mps_sense s)
{
	/* LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE: standby / unavailable. */
	return s.key == SK_NOT_READY && s.asc == ASC_NOT_READY && (s.ascq == 0x0b || s.ascq == 0x0c);
}

static inline bool mps_alua_transitioning(struct mps_sense s)
{
	return s.key == SK_NOT_READY && s.asc == ASC_NOT_READY && s.ascq == ASCQ_ALUA_TRANSITION;
}

#endif
