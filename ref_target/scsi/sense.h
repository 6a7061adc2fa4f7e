/* sense: every error condition the SCSI layer reports, named once, and the
 * one place that turns a condition into sense data (SPC-4 §4.5).
 *
 * Command handlers never write sense bytes: they name a condition
 * (enum scsi_cond) and, where the standard asks for it, a field pointer
 * (SPC-4 §4.5) or an INFORMATION value; sense.c maps the condition to
 * its sense key/ASC/ASCQ (SPC-4 Annex D) and formats it fixed
 * or descriptor as the LU's D_SENSE bit says.
 * Owns nothing.
 */
#ifndef RT_SCSI_SENSE_H
#define RT_SCSI_SENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scsi.h"

/* SPC-4 §4.5: sense keys. */
enum scsi_sense_key {
	SENSE_KEY_NO_SENSE = 0x0,
	SENSE_KEY_RECOVERED_ERROR = 0x1,
	SENSE_KEY_NOT_READY = 0x2,
	SENSE_KEY_MEDIUM_ERROR = 0x3,
	SENSE_KEY_HARDWARE_ERROR = 0x4,
	SENSE_KEY_ILLEGAL_REQUEST = 0x5,
	SENSE_KEY_UNIT_ATTENTION = 0x6,
	SENSE_KEY_DATA_PROTECT = 0x7,
	SENSE_KEY_COPY_ABORTED = 0xa,
	SENSE_KEY_ABORTED_COMMAND = 0xb,
	SENSE_KEY_MISCOMPARE = 0xe,
};

/* Conditions, each with exactly one key/ASC/ASCQ (table in sense.c), the
 * comment giving ASC/ASCQ and its name in SPC-4 Annex D (table D.1).
 * Grouped by sense key; ua.c counts on the UNIT ATTENTION group being
 * contiguous. */
enum scsi_cond {
	SC_NO_SENSE = 0,            /* 00/00 NO ADDITIONAL SENSE INFORMATION */
	/* ILLEGAL REQUEST */
	SC_INVALID_OPCODE,          /* 20/00 INVALID COMMAND OPERATION CODE */
	SC_INVALID_FIELD_CDB,       /* 24/00 INVALID FIELD IN CDB (scsi_fail_cdb adds the field pointer) */
	SC_INVALID_FIELD_PARAM,     /* 26/00 INVALID FIELD IN PARAMETER LIST (with a field pointer) */
	SC_PARAM_NOT_SUPPORTED,     /* 26/01 PARAMETER NOT SUPPORTED */
	SC_PARAM_VALUE_INVALID,     /* 26/02 PARAMETER VALUE INVALID */
	SC_PARAM_LIST_LENGTH,       /* 1A/00 PARAMETER LIST LENGTH ERROR */
	SC_LBA_OUT_OF_RANGE,        /* 21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE */
	SC_LUN_NOT_SUPPORTED,       /* 25/00 LOGICAL UNIT NOT SUPPORTED */
	SC_INVALID_FIELD_IU,        /* 0E/03 INVALID FIELD IN COMMAND INFORMATION UNIT */
	SC_SAVING_NOT_SUPPORTED,    /* 39/00 SAVING PARAMETERS NOT SUPPORTED */
	SC_INVALID_RELEASE,         /* 26/04 INVALID RELEASE OF PERSISTENT RESERVATION */
	SC_INSUFFICIENT_REG_RES,    /* 55/04 INSUFFICIENT REGISTRATION RESOURCES */
	SC_REMOVAL_PREVENTED,       /* 53/02 MEDIUM REMOVAL PREVENTED */
	SC_TOO_MANY_TARGET_DESC,    /* 26/06 TOO MANY TARGET DESCRIPTORS */
	SC_UNSUPPORTED_TARGET_DESC, /* 26/07 UNSUPPORTED TARGET DESCRIPTOR TYPE CODE */
	SC_TOO_MANY_SEGMENT_DESC,   /* 26/08 TOO MANY SEGMENT DESCRIPTORS */
	SC_UNSUPPORTED_SEGMENT_DESC, /* 26/09 UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE */
	SC_OPERATION_IN_PROGRESS,   /* 00/16 OPERATION IN PROGRESS (a copy with this list id runs) */
	/* COPY ABORTED (EXTENDED COPY) */
	SC_COPY_TARGET_NOT_REACHABLE, /* 0D/02 COPY TARGET DEVICE NOT REACHABLE */
	SC_COPY_READ_ERROR,         /* 11/00 UNRECOVERED READ ERROR */
	SC_COPY_WRITE_ERROR,        /* 0C/00 WRITE ERROR */
	/* DATA PROTECT */
	SC_WRITE_PROTECTED,         /* 27/00 WRITE PROTECTED */
	SC_SPACE_ALLOC_FAILED,      /* 27/07 SPACE ALLOCATION FAILED WRITE PROTECT */
	/* MEDIUM ERROR */
	SC_READ_ERROR,              /* 11/00 UNRECOVERED READ ERROR */
	SC_WRITE_ERROR,             /* 0C/00 WRITE ERROR */
	/* MISCOMPARE */
	SC_MISCOMPARE,              /* 1D/00 MISCOMPARE DURING VERIFY OPERATION */
	/* NOT READY */
	SC_MEDIUM_NOT_PRESENT,      /* 3A/00 MEDIUM NOT PRESENT */
	SC_NOT_READY_STOPPED,       /* 04/02 LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED */
	SC_NOT_READY_TRANSITION,    /* 04/0A LOGICAL UNIT NOT ACCESSIBLE, ASYMMETRIC ACCESS STATE TRANSITION */
	SC_NOT_READY_STANDBY,       /* 04/0B LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN STANDBY STATE */
	SC_NOT_READY_UNAVAILABLE,   /* 04/0C LOGICAL UNIT NOT ACCESSIBLE, TARGET PORT IN UNAVAILABLE STATE */
	SC_SANITIZE_IN_PROGRESS,    /* 04/1B LOGICAL UNIT NOT READY, SANITIZE IN PROGRESS */
	SC_SANITIZE_FAILED,         /* MEDIUM ERROR 31/03 SANITIZE COMMAND FAILED */
	/* HARDWARE ERROR */
	SC_INTERNAL_FAILURE,        /* 44/00 INTERNAL TARGET FAILURE */
	SC_STPG_FAILED,             /* HARDWARE ERROR 67/0A SET TARGET PORT GROUPS COMMAND FAILED */
	/* UNIT ATTENTION (ua.c keeps which are pending) */
	SC_UA_POWER_ON_RESET,       /* 29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
	SC_UA_POWER_ON,             /* 29/01 POWER ON OCCURRED */
	SC_UA_BUS_RESET,            /* 29/02 SCSI BUS RESET OCCURRED (target reset) */
	SC_UA_DEVICE_RESET,         /* 29/03 BUS DEVICE RESET FUNCTION OCCURRED (LU reset) */
	SC_UA_NEXUS_LOSS,           /* 29/07 I_T NEXUS LOSS OCCURRED */
	SC_UA_MEDIUM_CHANGED,       /* 28/00 NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED */
	SC_UA_MODE_CHANGED,         /* 2A/01 MODE PARAMETERS CHANGED */
	SC_UA_RESERVATIONS_PREEMPTED, /* 2A/03 RESERVATIONS PREEMPTED */
	SC_UA_RESERVATIONS_RELEASED, /* 2A/04 RESERVATIONS RELEASED */
	SC_UA_REGISTRATIONS_PREEMPTED, /* 2A/05 REGISTRATIONS PREEMPTED */
	SC_UA_ALUA_CHANGED,         /* 2A/06 ASYMMETRIC ACCESS STATE CHANGED */
	SC_UA_CAPACITY_CHANGED,     /* 2A/09 CAPACITY DATA HAS CHANGED */
	SC_UA_COMMANDS_CLEARED,     /* 2F/00 COMMANDS CLEARED BY ANOTHER INITIATOR */
	SC_UA_INQUIRY_CHANGED,      /* 3F/03 INQUIRY DATA HAS CHANGED */
	SC_UA_LUNS_CHANGED,         /* 3F/0E REPORTED LUNS DATA HAS CHANGED */
	/* ABORTED COMMAND: the transport ends a task (RFC 7143 §11.4.7.2) */
	SC_UNEXPECTED_UNSOLICITED_DATA, /* 0C/0C WRITE ERROR - UNEXPECTED UNSOLICITED DATA */
	SC_DATA_PHASE_ERROR,        /* 4B/00 DATA PHASE ERROR (a Data-Out's DataSN) */
	SC_TOO_MUCH_WRITE_DATA,     /* 4B/02 TOO MUCH WRITE DATA */
	SC_DATA_OFFSET_ERROR,       /* 4B/05 DATA OFFSET ERROR */
	SC_PROTOCOL_CRC_ERROR,      /* 47/05 PROTOCOL SERVICE CRC ERROR (data digest) */
	SC_COUNT
};

/* SPC-4 §4.5: optional parts of sense data. */
struct scsi_sense_extra {
	bool info_valid;  /* INFORMATION field (VALID bit / information descriptor) */
	uint64_t info;
	bool sks_valid;   /* SENSE KEY SPECIFIC field (SKSV bit) */
	uint8_t sks[3];   /* byte 0 without SKSV, bytes 1-2 */
};

/* SPC-4 §4.5: no bit pointer (the whole byte is the field). */
#define SCSI_BIT_NONE 0xffu

/* Fixed format is 18 bytes; descriptor format with the information and
 * sense key specific descriptors is 8 + 12 + 8 bytes. */
#define SCSI_SENSE_FIXED_LEN 18u
#define SCSI_SENSE_DESC_MAX_LEN 28u

/* Format sense data for cond into out (at least SCSI_SENSE_DESC_MAX_LEN
 * bytes); returns its length. x may be NULL. */
uint32_t sense_format(uint8_t *out, bool descriptor, enum scsi_cond cond,
		      const struct scsi_sense_extra *x);

/* The sense key of a condition (REQUEST SENSE, tests). */
uint8_t sense_key_of(enum scsi_cond cond);

/* CHECK CONDITION with cond, in the format the LU's D_SENSE asks for. */
void scsi_fail(struct scsi_cmd *cmd, enum scsi_cond cond);
void scsi_fail_extra(struct scsi_cmd *cmd, enum scsi_cond cond, const struct scsi_sense_extra *x);
/* ... with the INFORMATION field set (e.g. MISCOMPARE offset, SBC-3 §5.3). */
void scsi_fail_info(struct scsi_cmd *cmd, enum scsi_cond cond, uint64_t info);
/* INVALID FIELD IN CDB / IN PARAMETER LIST pointing at byte (and bit, or
 * SCSI_BIT_NONE) of the CDB or parameter list (SPC-4 §4.5). */
void scsi_fail_cdb(struct scsi_cmd *cmd, uint16_t byte, uint8_t bit);
void scsi_fail_param(struct scsi_cmd *cmd, uint16_t byte, uint8_t bit);

#endif
