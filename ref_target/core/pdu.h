/* pdu: the iSCSI PDU layout (RFC 7143 §11) as named offsets and accessors.
 *
 * A PDU is kept as its raw 48-byte Basic Header Segment plus pointers to the
 * AHS and data segment; fields are read and written in place with the
 * accessors below, so there is exactly one place that knows each offset.
 * Owns nothing: struct pdu points into buffers its user owns.
 */
#ifndef RT_PDU_H
#define RT_PDU_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../scsi/bytes.h" /* get_be* / put_be*: one definition for both layers */
#include "limits.h"

/* RFC 7143 §11.2.1.2: opcodes. Initiator opcodes 0x00-0x1f. */
enum iscsi_opcode {
	ISCSI_OP_NOP_OUT = 0x00,
	ISCSI_OP_SCSI_CMD = 0x01,
	ISCSI_OP_TMF_REQ = 0x02,
	ISCSI_OP_LOGIN_REQ = 0x03,
	ISCSI_OP_TEXT_REQ = 0x04,
	ISCSI_OP_DATA_OUT = 0x05,
	ISCSI_OP_LOGOUT_REQ = 0x06,
	ISCSI_OP_SNACK = 0x10,
	/* target opcodes 0x20-0x3f */
	ISCSI_OP_NOP_IN = 0x20,
	ISCSI_OP_SCSI_RSP = 0x21,
	ISCSI_OP_TMF_RSP = 0x22,
	ISCSI_OP_LOGIN_RSP = 0x23,
	ISCSI_OP_TEXT_RSP = 0x24,
	ISCSI_OP_DATA_IN = 0x25,
	ISCSI_OP_LOGOUT_RSP = 0x26,
	ISCSI_OP_R2T = 0x31,
	ISCSI_OP_ASYNC = 0x32,
	ISCSI_OP_REJECT = 0x3f,
};

#define ISCSI_OPCODE_MASK 0x3fu
#define ISCSI_FLAG_IMMEDIATE 0x40u /* byte 0, I bit (§11.2.1.1) */
#define ISCSI_FLAG_FINAL 0x80u     /* byte 1, F bit */
/* Byte 1 below the F bit: the TMF function (§11.5.1), the logout reason
 * code (§11.14.1). */
#define ISCSI_FUNCTION_MASK 0x7fu

/* Reserved tag value (§11.2.1.8, §11.18.4 etc.). */
#define ISCSI_TAG_RESERVED 0xffffffffu

/* BHS fields (RFC 7143 §11), as byte offsets named after the RFC's field
 * names, so that a read or write says which field of which PDU it means:
 *   PDU_<FIELD>        a field every BHS has at that place (§11.2.1);
 *   PDU_INI_/PDU_TGT_  the sequence numbers every initiator / target PDU
 *                      carries at the same place (§11.2.1: "opcode-specific",
 *                      but one layout for all that have them);
 *   PDU_<KIND>_<FIELD> a field of one kind of PDU, KIND as in enum
 *                      iscsi_opcode (one prefix for a request and its
 *                      response where they share the layout: LOGIN, TEXT,
 *                      NOP).
 * 32-bit fields are read and written with pdu_w()/pdu_set_w(), 16-bit ones
 * with get_be16()/put_be16(), single bytes by index. */
enum {
	/* §11.2.1: every BHS */
	PDU_OPCODE = 0,             /* I bit and opcode */
	PDU_FLAGS = 1,              /* F bit and opcode-specific flags */
	PDU_TOTAL_AHS_LEN = 4,      /* TotalAHSLength, in 4-byte words */
	PDU_DSL = 5,                /* DataSegmentLength, 3 bytes */
	PDU_LUN = 8,                /* LUN, 8 bytes (ISID and TSIH in Login) */
	PDU_ITT = 16,               /* Initiator Task Tag */
	PDU_OPCODE_SPECIFIC = 20,   /* bytes 20-47: opcode-specific fields */
	/* every initiator PDU that carries them (Data-Out: ExpStatSN only) */
	PDU_INI_CMDSN = 24,
	PDU_INI_EXPSTATSN = 28,
	/* every target PDU */
	PDU_TGT_STATSN = 24,
	PDU_TGT_EXPCMDSN = 28,
	PDU_TGT_MAXCMDSN = 32,
	/* SCSI Command (§11.3) */
	PDU_SCSI_CMD_EDTL = 20,     /* Expected Data Transfer Length */
	PDU_SCSI_CMD_CDB = 32,      /* ISCSI_CDB_LEN bytes */
	/* SCSI Response (§11.4) */
	PDU_SCSI_RSP_RESPONSE = 2,  /* iSCSI service response */
	PDU_SCSI_RSP_STATUS = 3,    /* SCSI status (SAM-5) */
	PDU_SCSI_RSP_SNACK_TAG = 20,
	PDU_SCSI_RSP_EXPDATASN = 36,
	PDU_SCSI_RSP_BIDI_RESIDUAL_COUNT = 40,
	PDU_SCSI_RSP_RESIDUAL_COUNT = 44,
	/* Task Management Function Request (§11.5; function: byte 1) and
	 * Response (§11.6) */
	PDU_TMF_RESPONSE = 2,
	PDU_TMF_REF_TASK_TAG = 20,  /* Referenced Task Tag */
	PDU_TMF_REFCMDSN = 32,
	PDU_TMF_EXPDATASN = 36,
	/* SCSI Data-Out (§11.7) */
	PDU_DATA_OUT_TTT = 20,      /* Target Transfer Tag */
	PDU_DATA_OUT_DATASN = 36,
	PDU_DATA_OUT_BUFFER_OFFSET = 40,
	/* SCSI Data-In (§11.7) */
	PDU_DATA_IN_STATUS = 3,     /* with the S bit */
	PDU_DATA_IN_TTT = 20,
	PDU_DATA_IN_DATASN = 36,
	PDU_DATA_IN_BUFFER_OFFSET = 40,
	PDU_DATA_IN_RESIDUAL_COUNT = 44,
	/* Ready To Transfer (§11.8) */
	PDU_R2T_TTT = 20,
	PDU_R2T_R2TSN = 36,
	PDU_R2T_BUFFER_OFFSET = 40,
	PDU_R2T_DESIRED_LENGTH = 44, /* Desired Data Transfer Length */
	/* Asynchronous Message (§11.9) */
	PDU_ASYNC_EVENT = 36,       /* AsyncEvent, 1 byte */
	PDU_ASYNC_VCODE = 37,       /* AsyncVCode, 1 byte */
	PDU_ASYNC_PARAMETER1 = 38,  /* Parameter1-3: 2 bytes each */
	PDU_ASYNC_PARAMETER2 = 40,
	PDU_ASYNC_PARAMETER3 = 42,
	/* Text Request and Response (§11.10, §11.11) */
	PDU_TEXT_TTT = 20,
	/* Login Request and Response (§11.12, §11.13) */
	PDU_LOGIN_VERSION_MAX = 2,
	PDU_LOGIN_VERSION_MIN = 3,  /* request */
	PDU_LOGIN_VERSION_ACTIVE = 3, /* response */
	PDU_LOGIN_ISID = 8,         /* 6 bytes */
	PDU_LOGIN_TSIH = 14,        /* 2 bytes */
	PDU_LOGIN_CID = 20,         /* request, 2 bytes */
	PDU_LOGIN_STATUS = 36,      /* response: Status-Class and -Detail, read
				     * as one 2-byte enum iscsi_login_status */
	/* Logout Request (§11.14; reason: byte 1) and Response (§11.15) */
	PDU_LOGOUT_RESPONSE = 2,
	PDU_LOGOUT_CID = 20,        /* request, 2 bytes */
	PDU_LOGOUT_TIME2WAIT = 40,  /* response, 2 bytes */
	PDU_LOGOUT_TIME2RETAIN = 42, /* response, 2 bytes */
	/* SNACK Request (§11.16; type: byte 1) */
	PDU_SNACK_TTT = 20,         /* Target Transfer Tag or SNACK Tag */
	PDU_SNACK_BEGRUN = 40,
	PDU_SNACK_RUNLENGTH = 44,
	/* Reject (§11.17) */
	PDU_REJECT_REASON = 2,
	PDU_REJECT_DATASN = 36,     /* DataSN/R2TSN */
	/* NOP-Out and NOP-In (§11.18, §11.19) */
	PDU_NOP_TTT = 20,
};
static_assert(PDU_SCSI_CMD_CDB + ISCSI_CDB_LEN == ISCSI_BHS_LEN, "the CDB ends the SCSI Command BHS");
static_assert(PDU_LOGIN_TSIH + 2 == PDU_ITT, "ISID and TSIH fill the Login's LUN field");

/* SCSI Command flags (§11.3.1): byte 1. */
#define ISCSI_CMD_READ 0x40u
#define ISCSI_CMD_WRITE 0x20u
#define ISCSI_CMD_ATTR_MASK 0x07u

/* SCSI Response / Data-In flags (§11.4.1, §11.7.1): byte 1. */
#define ISCSI_RSP_BIDI_OVERFLOW 0x10u
#define ISCSI_RSP_BIDI_UNDERFLOW 0x08u
#define ISCSI_RSP_OVERFLOW 0x04u
#define ISCSI_RSP_UNDERFLOW 0x02u
#define ISCSI_DATAIN_ACK 0x40u
#define ISCSI_DATAIN_STATUS 0x01u

/* SCSI Response byte 2 (§11.4.2). */
#define ISCSI_RESPONSE_COMPLETED 0x00u
#define ISCSI_RESPONSE_TARGET_FAILURE 0x01u

/* Login flags (§11.12.1): byte 1. */
#define ISCSI_LOGIN_TRANSIT 0x80u
#define ISCSI_LOGIN_CONTINUE 0x40u
#define ISCSI_LOGIN_CSG_SHIFT 2
#define ISCSI_LOGIN_STAGE_MASK 0x03u
enum iscsi_login_stage {
	ISCSI_STAGE_SECURITY = 0,
	ISCSI_STAGE_OPERATIONAL = 1,
	ISCSI_STAGE_FULL_FEATURE = 3,
};
#define ISCSI_VERSION 0x00u /* §11.12.4 */

/* Text flags (§11.10.1). */
#define ISCSI_TEXT_CONTINUE 0x40u

/* Login status classes and details (§11.13.5). */
enum iscsi_login_status {
	ISCSI_LOGIN_OK = 0x0000,
	ISCSI_LOGIN_REDIRECT_TEMP = 0x0101,
	ISCSI_LOGIN_REDIRECT_PERM = 0x0102,
	ISCSI_LOGIN_INITIATOR_ERROR = 0x0200,
	ISCSI_LOGIN_AUTH_FAILED = 0x0201,
	ISCSI_LOGIN_FORBIDDEN = 0x0202,
	ISCSI_LOGIN_NOT_FOUND = 0x0203,
	ISCSI_LOGIN_REMOVED = 0x0204,
	ISCSI_LOGIN_UNSUPPORTED_VERSION = 0x0205,
	ISCSI_LOGIN_TOO_MANY_CONNECTIONS = 0x0206,
	ISCSI_LOGIN_MISSING_PARAMETER = 0x0207,
	ISCSI_LOGIN_CANT_INCLUDE_IN_SESSION = 0x0208,
	ISCSI_LOGIN_SESSION_TYPE_UNSUPPORTED = 0x0209,
	ISCSI_LOGIN_SESSION_NOT_FOUND = 0x020a,
	ISCSI_LOGIN_INVALID_DURING_LOGIN = 0x020b,
	ISCSI_LOGIN_TARGET_ERROR = 0x0300,
	ISCSI_LOGIN_SERVICE_UNAVAILABLE = 0x0301,
	ISCSI_LOGIN_OUT_OF_RESOURCES = 0x0302,
};

/* Reject reasons (§11.17.1). */
enum iscsi_reject_reason {
	ISCSI_REJECT_DATA_DIGEST = 0x02,
	ISCSI_REJECT_SNACK = 0x03,
	ISCSI_REJECT_PROTOCOL_ERROR = 0x04,
	ISCSI_REJECT_CMD_NOT_SUPPORTED = 0x05,
	ISCSI_REJECT_IMMEDIATE_CMD = 0x06,
	ISCSI_REJECT_TASK_IN_PROGRESS = 0x07,
	ISCSI_REJECT_INVALID_DATA_ACK = 0x08,
	ISCSI_REJECT_INVALID_PDU_FIELD = 0x09,
	ISCSI_REJECT_OUT_OF_RESOURCES = 0x0a,
	ISCSI_REJECT_WAITING_FOR_LOGOUT = 0x0c,
};

/* Task management functions (§11.5.1) and responses (§11.6.1). */
enum iscsi_tmf_function {
	ISCSI_TMF_ABORT_TASK = 1,
	ISCSI_TMF_ABORT_TASK_SET = 2,
	ISCSI_TMF_CLEAR_ACA = 3,
	ISCSI_TMF_CLEAR_TASK_SET = 4,
	ISCSI_TMF_LOGICAL_UNIT_RESET = 5,
	ISCSI_TMF_TARGET_WARM_RESET = 6,
	ISCSI_TMF_TARGET_COLD_RESET = 7,
	ISCSI_TMF_TASK_REASSIGN = 8,
};
enum iscsi_tmf_response {
	ISCSI_TMF_RSP_COMPLETE = 0,
	ISCSI_TMF_RSP_NO_TASK = 1,
	ISCSI_TMF_RSP_NO_LUN = 2,
	ISCSI_TMF_RSP_TASK_ALLEGIANT = 3,
	ISCSI_TMF_RSP_NO_REASSIGN = 4,
	ISCSI_TMF_RSP_NOT_SUPPORTED = 5,
	ISCSI_TMF_RSP_AUTH_FAILED = 6,
	ISCSI_TMF_RSP_REJECTED = 255,
};

/* Logout reasons (§11.14.1) and responses (§11.15.1). */
enum iscsi_logout_reason {
	ISCSI_LOGOUT_SESSION = 0,
	ISCSI_LOGOUT_CONNECTION = 1,
	ISCSI_LOGOUT_RECOVERY = 2,
};
enum iscsi_logout_response {
	ISCSI_LOGOUT_RSP_OK = 0,
	ISCSI_LOGOUT_RSP_NO_CID = 1,
	ISCSI_LOGOUT_RSP_NO_RECOVERY = 2,
	ISCSI_LOGOUT_RSP_CLEANUP_FAILED = 3,
};

/* Async events (§11.9.1). */
enum iscsi_async_event {
	ISCSI_ASYNC_SCSI = 0,
	ISCSI_ASYNC_LOGOUT_REQUEST = 1,
	ISCSI_ASYNC_DROP_CONNECTION = 2,
	ISCSI_ASYNC_DROP_SESSION = 3,
	ISCSI_ASYNC_NEGOTIATE = 4,
	ISCSI_ASYNC_TASK_TERMINATION = 5,
};

/* SNACK types (§11.16.1). */
enum iscsi_snack_type {
	ISCSI_SNACK_DATA_R2T = 0,
	ISCSI_SNACK_STATUS = 1,
	ISCSI_SNACK_DATA_ACK = 2,
	ISCSI_SNACK_RDATA = 3,
};

/* A PDU in memory. bhs is always whole; ahs/data point elsewhere. */
struct pdu {
	uint8_t bhs[ISCSI_BHS_LEN];
	const uint8_t *ahs;
	uint32_t ahs_len;
	const uint8_t *data;
	uint32_t data_len;
};

static inline uint8_t pdu_opcode(const uint8_t *bhs) { return bhs[PDU_OPCODE] & ISCSI_OPCODE_MASK; }
static inline bool pdu_immediate(const uint8_t *bhs) { return (bhs[PDU_OPCODE] & ISCSI_FLAG_IMMEDIATE) != 0; }
static inline uint8_t pdu_flags(const uint8_t *bhs) { return bhs[PDU_FLAGS]; }
static inline bool pdu_final(const uint8_t *bhs) { return (bhs[PDU_FLAGS] & ISCSI_FLAG_FINAL) != 0; }
static inline uint32_t pdu_ahs_len(const uint8_t *bhs) { return 4u * bhs[PDU_TOTAL_AHS_LEN]; }
static inline uint32_t pdu_dsl(const uint8_t *bhs) { return get_be24(bhs + PDU_DSL); }
static inline uint32_t pdu_itt(const uint8_t *bhs) { return get_be32(bhs + PDU_ITT); }
static inline uint32_t pdu_w(const uint8_t *bhs, unsigned off) { return get_be32(bhs + off); }
static inline uint64_t pdu_lun(const uint8_t *bhs) { return get_be64(bhs + PDU_LUN); }

static inline void pdu_set_dsl(uint8_t *bhs, uint32_t len) { put_be24(bhs + PDU_DSL, len); }
static inline void pdu_set_w(uint8_t *bhs, unsigned off, uint32_t v) { put_be32(bhs + off, v); }

/* Padding bytes after a data segment of len bytes (§11.2.1.4). */
static inline uint32_t pdu_pad(uint32_t len) { return (ISCSI_PAD - (len % ISCSI_PAD)) % ISCSI_PAD; }

/* Start a target PDU: zero the BHS, set opcode and flags. */
static inline void pdu_init(uint8_t *bhs, uint8_t opcode, uint8_t flags)
{
	memset(bhs, 0, ISCSI_BHS_LEN);
	bhs[PDU_OPCODE] = opcode;
	bhs[PDU_FLAGS] = flags;
}

/* Serial number arithmetic for CmdSN/StatSN (RFC 1982, RFC 7143 §4.2.2.1). */
static inline bool sn_lt(uint32_t a, uint32_t b) { return a != b && (uint32_t)(b - a) < 0x80000000u; }
static inline bool sn_le(uint32_t a, uint32_t b) { return a == b || sn_lt(a, b); }

/* Name of an opcode for logs and traces; "unknown" otherwise. */
const char *pdu_opcode_name(uint8_t opcode);

/* Check an initiator BHS before anything else looks at it. RFC 7143 §11:
 * "Any compliant receiver MUST ignore any bit not defined and all reserved
 * fields ... Receipt of reserved code values in defined fields MUST be
 * reported as a protocol error." So only code values are checked here:
 * an opcode the initiator may not send answers Reject "command not
 * supported" (§11.17.1). Returns 0 or the Reject reason. Defined in
 * pdu_ops.c: the opcodes an initiator may send are the PDU table's rows. */
int pdu_check_initiator_bhs(const uint8_t *bhs);

#endif
