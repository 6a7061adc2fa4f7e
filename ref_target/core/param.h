/* param: the text keys of RFC 7143 §13 (and §12.1 security keys, RFC 7144
 * iSCSIProtocolLevel) as one table, and the operational negotiation of the
 * target as responder (§6.2: list, boolean AND/OR, numerical min/max,
 * declarative; Reject, Irrelevant, NotUnderstood; §13.25 obsolete keys).
 *
 * A param_neg is plain data embedded by its user (the login); it owns
 * nothing. Answers are appended to a caller's text_buf.
 */
#ifndef RT_PARAM_H
#define RT_PARAM_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "iscsi_params.h"
#include "text.h"

enum param_id {
	P_HEADER_DIGEST = 0, /* §13.1 */
	P_DATA_DIGEST,
	P_MAX_CONNECTIONS,   /* §13.2 */
	P_SEND_TARGETS,      /* §13.3 */
	P_TARGET_NAME,       /* §13.4 */
	P_INITIATOR_NAME,    /* §13.5 */
	P_TARGET_ALIAS,      /* §13.6 */
	P_INITIATOR_ALIAS,   /* §13.7 */
	P_TARGET_ADDRESS,    /* §13.8 */
	P_TPGT,              /* §13.9 TargetPortalGroupTag */
	P_INITIAL_R2T,       /* §13.10 */
	P_IMMEDIATE_DATA,    /* §13.11 */
	P_MAX_RECV_DSL,      /* §13.12 */
	P_MAX_BURST,         /* §13.13 */
	P_FIRST_BURST,       /* §13.14 */
	P_TIME2WAIT,         /* §13.15 */
	P_TIME2RETAIN,       /* §13.16 */
	P_MAX_R2T,           /* §13.17 */
	P_DATA_PDU_IN_ORDER, /* §13.18 */
	P_DATA_SEQ_IN_ORDER, /* §13.19 */
	P_ERL,               /* §13.20 */
	P_SESSION_TYPE,      /* §13.21 */
	P_TASK_REPORTING,    /* §13.23 */
	P_PROTOCOL_LEVEL,    /* RFC 7144 §4.1 iSCSIProtocolLevel */
	P_IF_MARKER,         /* §13.25 obsoleted keys */
	P_OF_MARKER,
	P_IF_MARK_INT,
	P_OF_MARK_INT,
	P_AUTH_METHOD,       /* §12 */
	P_CHAP_A,            /* §12.1.3 */
	P_CHAP_I,
	P_CHAP_C,
	P_CHAP_N,
	P_CHAP_R,
	P_COUNT,
};

/* Where an initiator may send a key (the "Use" line of §13). */
enum param_use {
	USE_SECURITY, /* login security stage only (§6.3.1, §12) */
	USE_FIRST,    /* declarative, in the first Login Request (§13.4, §13.5, §13.21) */
	USE_LO,       /* operational stage, leading connection only (LO) */
	USE_IO,       /* operational stage of any login (IO) */
	USE_ALL,      /* any stage and the full feature phase (ALL) */
	USE_FFPO,     /* full feature phase only (FFPO) */
	USE_TARGET,   /* only a target sends it */
};

/* How the responder answers it (§6.2). */
enum param_rule {
	RULE_LIST,     /* list-of-values: first offered value we support (§6.2.1) */
	RULE_AND,      /* boolean, result function AND (§6.2.2) */
	RULE_OR,       /* boolean, result function OR */
	RULE_MIN,      /* numerical, result function Minimum */
	RULE_MAX,      /* numerical, result function Maximum */
	RULE_DECLARE,  /* declarative number: taken, not answered */
	RULE_OBSOLETE, /* §13.25: answered Reject, never NotUnderstood */
	RULE_OWNED,    /* answered by its owner: login, chap, discovery */
};

struct param_def {
	const char *name;
	enum param_use use;
	enum param_rule rule;
	uint32_t min, max, rfc_default; /* numerical and boolean keys */
	bool irrelevant_in_discovery;   /* "Irrelevant when: SessionType=Discovery" */
};

/* The key named by p, or NULL for a key we do not understand. */
const struct param_def *param_find(const struct text_pair *p, enum param_id *id);
const struct param_def *param_def(enum param_id id);

enum param_status {
	PARAM_OK = 0,
	PARAM_BAD_DECLARATION, /* a declarative value out of range or malformed */
	PARAM_BAD_ANSWER,      /* the answer to one of our offers is not a result of it */
	PARAM_NO_ROOM,         /* the answer buffer is full or out of memory */
};

/* Operational negotiation of one login, from the target's side. */
struct param_neg {
	const struct rt_params_cfg *ours;
	bool discovery;       /* SessionType=Discovery: §13 "Irrelevant when" applies */
	bool leading;         /* TSIH 0: LO keys negotiable (§13 "LO") */
	bool declared;        /* our MaxRecvDataSegmentLength was sent */
	bool fbl_pending;     /* FirstBurstLength waits for the end of its message */
	uint32_t fbl_offer;
	uint64_t offered;     /* bit per param_id: our offers awaiting an answer */
	struct iscsi_params res; /* results so far: RFC defaults until negotiated */
};

void param_neg_init(struct param_neg *n, const struct rt_params_cfg *ours, bool discovery,
		    bool leading);

/* Answer one operational key (rule LIST..OBSOLETE) the initiator sent,
 * appending the answer to out. A key we offered is taken as the answer to
 * the offer. */
enum param_status param_answer(struct param_neg *n, enum param_id id, const struct text_pair *p,
			       struct text_buf *out);

/* End of one logical text message: answer what had to wait for the rest
 * of it (FirstBurstLength, which must not exceed MaxBurstLength, §13.14). */
enum param_status param_end_message(struct param_neg *n, struct text_buf *out);

/* Before leaving the operational stage: offer the keys the initiator did
 * not send (seen: bit per param_id) whose RFC default our configuration
 * cannot accept (§6.2). Returns how many were offered (0: nothing to wait
 * for), or -1 if out has no room. With out NULL, only counts them. */
int param_offer(struct param_neg *n, uint64_t seen, struct text_buf *out);

/* Declare our MaxRecvDataSegmentLength (§13.12). */
enum param_status param_declare(struct param_neg *n, struct text_buf *out);

/* True while an offer of ours is unanswered. */
bool param_waiting(const struct param_neg *n);

/* FirstBurstLength <= MaxBurstLength (§13.14) holds for the results. */
bool param_consistent(const struct param_neg *n);

/* Parse a declared MaxRecvDataSegmentLength value (512..2**24-1, §13.12). */
bool param_parse_mrdsl(const struct text_pair *p, uint32_t *out);

#endif
