/* sense: see sense.h. SPC-4 §4.5: descriptor and fixed formats, the
 * sense key specific field pointer; Annex D: ASC and ASCQ assignments. */
#include "sense.h"

#include <assert.h>
#include <string.h>

#include "bytes.h"
#include "lu.h"
#include "mode.h"

struct sense_code {
	uint8_t key, asc, ascq;
};

static const struct sense_code sense_codes[SC_COUNT] = {
	[SC_NO_SENSE] = {SENSE_KEY_NO_SENSE, 0x00, 0x00},
	[SC_INVALID_OPCODE] = {SENSE_KEY_ILLEGAL_REQUEST, 0x20, 0x00},
	[SC_INVALID_FIELD_CDB] = {SENSE_KEY_ILLEGAL_REQUEST, 0x24, 0x00},
	[SC_INVALID_FIELD_PARAM] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x00},
	[SC_PARAM_NOT_SUPPORTED] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x01},
	[SC_PARAM_VALUE_INVALID] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x02},
	[SC_PARAM_LIST_LENGTH] = {SENSE_KEY_ILLEGAL_REQUEST, 0x1a, 0x00},
	[SC_LBA_OUT_OF_RANGE] = {SENSE_KEY_ILLEGAL_REQUEST, 0x21, 0x00},
	[SC_LUN_NOT_SUPPORTED] = {SENSE_KEY_ILLEGAL_REQUEST, 0x25, 0x00},
	[SC_INVALID_FIELD_IU] = {SENSE_KEY_ILLEGAL_REQUEST, 0x0e, 0x03},
	[SC_SAVING_NOT_SUPPORTED] = {SENSE_KEY_ILLEGAL_REQUEST, 0x39, 0x00},
	[SC_INVALID_RELEASE] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x04},
	[SC_INSUFFICIENT_REG_RES] = {SENSE_KEY_ILLEGAL_REQUEST, 0x55, 0x04},
	[SC_REMOVAL_PREVENTED] = {SENSE_KEY_ILLEGAL_REQUEST, 0x53, 0x02},
	[SC_TOO_MANY_TARGET_DESC] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x06},
	[SC_UNSUPPORTED_TARGET_DESC] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x07},
	[SC_TOO_MANY_SEGMENT_DESC] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x08},
	[SC_UNSUPPORTED_SEGMENT_DESC] = {SENSE_KEY_ILLEGAL_REQUEST, 0x26, 0x09},
	[SC_OPERATION_IN_PROGRESS] = {SENSE_KEY_ILLEGAL_REQUEST, 0x00, 0x16},
	[SC_COPY_TARGET_NOT_REACHABLE] = {SENSE_KEY_COPY_ABORTED, 0x0d, 0x02},
	[SC_COPY_READ_ERROR] = {SENSE_KEY_COPY_ABORTED, 0x11, 0x00},
	[SC_COPY_WRITE_ERROR] = {SENSE_KEY_COPY_ABORTED, 0x0c, 0x00},
	[SC_WRITE_PROTECTED] = {SENSE_KEY_DATA_PROTECT, 0x27, 0x00},
	[SC_SPACE_ALLOC_FAILED] = {SENSE_KEY_DATA_PROTECT, 0x27, 0x07},
	[SC_READ_ERROR] = {SENSE_KEY_MEDIUM_ERROR, 0x11, 0x00},
	[SC_WRITE_ERROR] = {SENSE_KEY_MEDIUM_ERROR, 0x0c, 0x00},
	[SC_MISCOMPARE] = {SENSE_KEY_MISCOMPARE, 0x1d, 0x00},
	[SC_MEDIUM_NOT_PRESENT] = {SENSE_KEY_NOT_READY, 0x3a, 0x00},
	[SC_NOT_READY_STOPPED] = {SENSE_KEY_NOT_READY, 0x04, 0x02},
	[SC_NOT_READY_TRANSITION] = {SENSE_KEY_NOT_READY, 0x04, 0x0a},
	[SC_NOT_READY_STANDBY] = {SENSE_KEY_NOT_READY, 0x04, 0x0b},
	[SC_NOT_READY_UNAVAILABLE] = {SENSE_KEY_NOT_READY, 0x04, 0x0c},
	[SC_SANITIZE_IN_PROGRESS] = {SENSE_KEY_NOT_READY, 0x04, 0x1b},
	[SC_SANITIZE_FAILED] = {SENSE_KEY_MEDIUM_ERROR, 0x31, 0x03},
	[SC_INTERNAL_FAILURE] = {SENSE_KEY_HARDWARE_ERROR, 0x44, 0x00},
	[SC_STPG_FAILED] = {SENSE_KEY_HARDWARE_ERROR, 0x67, 0x0a},
	[SC_UA_POWER_ON_RESET] = {SENSE_KEY_UNIT_ATTENTION, 0x29, 0x00},
	[SC_UA_POWER_ON] = {SENSE_KEY_UNIT_ATTENTION, 0x29, 0x01},
	[SC_UA_BUS_RESET] = {SENSE_KEY_UNIT_ATTENTION, 0x29, 0x02},
	[SC_UA_DEVICE_RESET] = {SENSE_KEY_UNIT_ATTENTION, 0x29, 0x03},
	[SC_UA_NEXUS_LOSS] = {SENSE_KEY_UNIT_ATTENTION, 0x29, 0x07},
	[SC_UA_MEDIUM_CHANGED] = {SENSE_KEY_UNIT_ATTENTION, 0x28, 0x00},
	[SC_UA_MODE_CHANGED] = {SENSE_KEY_UNIT_ATTENTION, 0x2a, 0x01},
	[SC_UA_RESERVATIONS_PREEMPTED] = {SENSE_KEY_UNIT_ATTENTION, 0x2a, 0x03},
	[SC_UA_RESERVATIONS_RELEASED] = {SENSE_KEY_UNIT_ATTENTION, 0x2a, 0x04},
	[SC_UA_REGISTRATIONS_PREEMPTED] = {SENSE_KEY_UNIT_ATTENTION, 0x2a, 0x05},
	[SC_UA_ALUA_CHANGED] = {SENSE_KEY_UNIT_ATTENTION, 0x2a, 0x06},
	[SC_UA_CAPACITY_CHANGED] = {SENSE_KEY_UNIT_ATTENTION, 0x2a, 0x09},
	[SC_UA_COMMANDS_CLEARED] = {SENSE_KEY_UNIT_ATTENTION, 0x2f, 0x00},
	[SC_UA_INQUIRY_CHANGED] = {SENSE_KEY_UNIT_ATTENTION, 0x3f, 0x03},
	[SC_UA_LUNS_CHANGED] = {SENSE_KEY_UNIT_ATTENTION, 0x3f, 0x0e},
	[SC_UNEXPECTED_UNSOLICITED_DATA] = {SENSE_KEY_ABORTED_COMMAND, 0x0c, 0x0c},
	[SC_DATA_PHASE_ERROR] = {SENSE_KEY_ABORTED_COMMAND, 0x4b, 0x00},
	[SC_TOO_MUCH_WRITE_DATA] = {SENSE_KEY_ABORTED_COMMAND, 0x4b, 0x02},
	[SC_DATA_OFFSET_ERROR] = {SENSE_KEY_ABORTED_COMMAND, 0x4b, 0x05},
	[SC_PROTOCOL_CRC_ERROR] = {SENSE_KEY_ABORTED_COMMAND, 0x47, 0x05},
};

/* SPC-4 §4.5: response codes. */
#define SENSE_FIXED_CURRENT 0x70u
#define SENSE_DESC_CURRENT 0x72u
#define SENSE_VALID 0x80u /* fixed format byte 0: INFORMATION is valid */
#define SENSE_SKSV 0x80u  /* sense key specific valid */
/* SPC-4 §4.5: descriptor types (information, sense key specific) and lengths. */
#define SENSE_DESC_INFO 0x00u
#define SENSE_DESC_INFO_LEN 12u
#define SENSE_DESC_SKS 0x02u
#define SENSE_DESC_SKS_LEN 8u

static_assert(SCSI_SENSE_DESC_MAX_LEN == 8 + SENSE_DESC_INFO_LEN + SENSE_DESC_SKS_LEN,
	      "descriptor sense bound");

uint8_t sense_key_of(enum scsi_cond cond)
{
	assert(cond < SC_COUNT);
	return sense_codes[cond].key;
}

static uint32_t sense_fixed(uint8_t *out, const struct sense_code *c, const struct scsi_sense_extra *x)
{
	memset(out, 0, SCSI_SENSE_FIXED_LEN);
	out[0] = SENSE_FIXED_CURRENT;
	out[2] = c->key;
	out[7] = SCSI_SENSE_FIXED_LEN - 8; /* ADDITIONAL SENSE LENGTH */
	out[12] = c->asc;
	out[13] = c->ascq;
	if (x != NULL && x->info_valid) {
		/* Fixed format has 4 bytes of INFORMATION: larger values
		 * only fit the descriptor format (SPC-4 §4.5). */
		if (x->info <= UINT32_MAX) {
			out[0] |= SENSE_VALID;
			put_be32(out + 3, (uint32_t)x->info);
		}
	}
	if (x != NULL && x->sks_valid) {
		out[15] = SENSE_SKSV | x->sks[0];
		out[16] = x->sks[1];
		out[17] = x->sks[2];
	}
	return SCSI_SENSE_FIXED_LEN;
}

static uint32_t sense_desc(uint8_t *out, const struct sense_code *c, const struct scsi_sense_extra *x)
{
	uint32_t len = 8;
	memset(out, 0, SCSI_SENSE_DESC_MAX_LEN);
	out[0] = SENSE_DESC_CURRENT;
	out[1] = c->key;
	out[2] = c->asc;
	out[3] = c->ascq;
	if (x != NULL && x->info_valid) {
		uint8_t *d = out + len;
		d[0] = SENSE_DESC_INFO;
		d[1] = SENSE_DESC_INFO_LEN - 2;
		d[2] = SENSE_VALID;
		put_be64(d + 4, x->info);
		len += SENSE_DESC_INFO_LEN;
	}
	if (x != NULL && x->sks_valid) {
		uint8_t *d = out + len;
		d[0] = SENSE_DESC_SKS;
		d[1] = SENSE_DESC_SKS_LEN - 2;
		d[4] = SENSE_SKSV | x->sks[0];
		d[5] = x->sks[1];
		d[6] = x->sks[2];
		len += SENSE_DESC_SKS_LEN;
	}
	out[7] = (uint8_t)(len - 8); /* ADDITIONAL SENSE LENGTH */
	return len;
}

uint32_t sense_format(uint8_t *out, bool descriptor, enum scsi_cond cond,
		      const struct scsi_sense_extra *x)
{
	assert(cond < SC_COUNT);
	const struct sense_code *c = &sense_codes[cond];
	return descriptor ? sense_desc(out, c, x) : sense_fixed(out, c, x);
}

static void sense_set(struct scsi_cmd *cmd, const struct sense_code *c, const struct scsi_sense_extra *x)
{
	bool desc = cmd->lu != NULL && mode_d_sense(cmd->lu);
	cmd->status = SCSI_STATUS_CHECK_CONDITION;
	cmd->sense_len = desc ? sense_desc(cmd->sense, c, x) : sense_fixed(cmd->sense, c, x);
}

void scsi_fail_extra(struct scsi_cmd *cmd, enum scsi_cond cond, const struct scsi_sense_extra *x)
{
	assert(cond != SC_NO_SENSE && cond < SC_COUNT);
	sense_set(cmd, &sense_codes[cond], x);
}

void scsi_fail(struct scsi_cmd *cmd, enum scsi_cond cond)
{
	scsi_fail_extra(cmd, cond, NULL);
}

void scsi_fail_info(struct scsi_cmd *cmd, enum scsi_cond cond, uint64_t info)
{
	const struct scsi_sense_extra x = {.info_valid = true, .info = info};
	scsi_fail_extra(cmd, cond, &x);
}

/* SPC-4 §4.5 field pointer sense key specific data: C/D (bit 6), BPV (bit 3), BIT POINTER (2:0),
 * FIELD POINTER (bytes 1-2). */
#define SKS_CD 0x40u
#define SKS_BPV 0x08u

static void sense_field(struct scsi_cmd *cmd, enum scsi_cond cond, bool in_cdb, uint16_t byte, uint8_t bit)
{
	struct scsi_sense_extra x = {.sks_valid = true};
	x.sks[0] = (uint8_t)((in_cdb ? SKS_CD : 0) | (bit < 8 ? SKS_BPV | bit : 0));
	put_be16(x.sks + 1, byte);
	scsi_fail_extra(cmd, cond, &x);
}

void scsi_fail_cdb(struct scsi_cmd *cmd, uint16_t byte, uint8_t bit)
{
	sense_field(cmd, SC_INVALID_FIELD_CDB, true, byte, bit);
}

void scsi_fail_param(struct scsi_cmd *cmd, uint16_t byte, uint8_t bit)
{
	sense_field(cmd, SC_INVALID_FIELD_PARAM, false, byte, bit);
}
