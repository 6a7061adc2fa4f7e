/* param: see param.h. RFC 7143 §6.2 (negotiation), §13 (keys), §13.25
 * (obsoleted keys), RFC 7144 §4.1 (iSCSIProtocolLevel). */
#include "param.h"

#include <assert.h>
#include <string.h>

#include "codec.h"
#include "limits.h"

/* RFC 7144 §4.1: iSCSIProtocolLevel 1 means RFC 7143. */
#define PARAM_PROTOCOL_LEVEL 1u
#define PARAM_PROTOCOL_LEVEL_MAX 31u

static const struct param_def defs[P_COUNT] = {
	[P_HEADER_DIGEST] = {"HeaderDigest", USE_IO, RULE_LIST, 0, 0, 0, false},
	[P_DATA_DIGEST] = {"DataDigest", USE_IO, RULE_LIST, 0, 0, 0, false},
	[P_MAX_CONNECTIONS] = {"MaxConnections", USE_LO, RULE_MIN, 1, ISCSI_MAX_CONNS_MAX, 1, true},
	[P_SEND_TARGETS] = {"SendTargets", USE_FFPO, RULE_OWNED, 0, 0, 0, false},
	[P_TARGET_NAME] = {"TargetName", USE_FIRST, RULE_OWNED, 0, 0, 0, false},
	[P_INITIATOR_NAME] = {"InitiatorName", USE_FIRST, RULE_OWNED, 0, 0, 0, false},
	[P_TARGET_ALIAS] = {"TargetAlias", USE_TARGET, RULE_OWNED, 0, 0, 0, false},
	[P_INITIATOR_ALIAS] = {"InitiatorAlias", USE_ALL, RULE_OWNED, 0, 0, 0, false},
	[P_TARGET_ADDRESS] = {"TargetAddress", USE_TARGET, RULE_OWNED, 0, 0, 0, false},
	[P_TPGT] = {"TargetPortalGroupTag", USE_TARGET, RULE_OWNED, 0, 0, 0, false},
	[P_INITIAL_R2T] = {"InitialR2T", USE_LO, RULE_OR, 0, 1, 1, true},
	[P_IMMEDIATE_DATA] = {"ImmediateData", USE_LO, RULE_AND, 0, 1, 1, true},
	[P_MAX_RECV_DSL] = {"MaxRecvDataSegmentLength", USE_ALL, RULE_DECLARE, ISCSI_MRDSL_MIN,
			    ISCSI_MRDSL_MAX, ISCSI_MRDSL_DEFAULT, false},
	[P_MAX_BURST] = {"MaxBurstLength", USE_LO, RULE_MIN, ISCSI_BURST_MIN, ISCSI_BURST_MAX,
			 ISCSI_MAX_BURST_DEFAULT, true},
	[P_FIRST_BURST] = {"FirstBurstLength", USE_LO, RULE_MIN, ISCSI_BURST_MIN, ISCSI_BURST_MAX,
			   ISCSI_FIRST_BURST_DEFAULT, true},
	[P_TIME2WAIT] = {"DefaultTime2Wait", USE_LO, RULE_MAX, 0, ISCSI_TIME2_MAX, 2, false},
	[P_TIME2RETAIN] = {"DefaultTime2Retain", USE_LO, RULE_MIN, 0, ISCSI_TIME2_MAX, 20, false},
	[P_MAX_R2T] = {"MaxOutstandingR2T", USE_LO, RULE_MIN, 1, ISCSI_MAX_R2T_MAX, 1, true},
	[P_DATA_PDU_IN_ORDER] = {"DataPDUInOrder", USE_LO, RULE_OR, 0, 1, 1, true},
	[P_DATA_SEQ_IN_ORDER] = {"DataSequenceInOrder", USE_LO, RULE_OR, 0, 1, 1, true},
	[P_ERL] = {"ErrorRecoveryLevel", USE_LO, RULE_MIN, 0, ISCSI_ERL_MAX, 0, false},
	[P_SESSION_TYPE] = {"SessionType", USE_FIRST, RULE_OWNED, 0, 0, 0, false},
	[P_TASK_REPORTING] = {"TaskReporting", USE_LO, RULE_LIST, 0, 0, 0, true},
	[P_PROTOCOL_LEVEL] = {"iSCSIProtocolLevel", USE_LO, RULE_MIN, 0, PARAM_PROTOCOL_LEVEL_MAX,
			      PARAM_PROTOCOL_LEVEL, false},
	[P_IF_MARKER] = {"IFMarker", USE_IO, RULE_OBSOLETE, 0, 0, 0, false},
	[P_OF_MARKER] = {"OFMarker", USE_IO, RULE_OBSOLETE, 0, 0, 0, false},
	[P_IF_MARK_INT] = {"IFMarkInt", USE_IO, RULE_OBSOLETE, 0, 0, 0, false},
	[P_OF_MARK_INT] = {"OFMarkInt", USE_IO, RULE_OBSOLETE, 0, 0, 0, false},
	[P_AUTH_METHOD] = {"AuthMethod", USE_SECURITY, RULE_OWNED, 0, 0, 0, false},
	[P_CHAP_A] = {"CHAP_A", USE_SECURITY, RULE_OWNED, 0, 0, 0, false},
	[P_CHAP_I] = {"CHAP_I", USE_SECURITY, RULE_OWNED, 0, 0, 0, false},
	[P_CHAP_C] = {"CHAP_C", USE_SECURITY, RULE_OWNED, 0, 0, 0, false},
	[P_CHAP_N] = {"CHAP_N", USE_SECURITY, RULE_OWNED, 0, 0, 0, false},
	[P_CHAP_R] = {"CHAP_R", USE_SECURITY, RULE_OWNED, 0, 0, 0, false},
};

#define BIT(id) (1ull << (id))

const struct param_def *param_find(const struct text_pair *p, enum param_id *id)
{
	for (int i = 0; i < P_COUNT; i++) {
		if (text_key_is(p, defs[i].name)) {
			*id = (enum param_id)i;
			return &defs[i];
		}
	}
	return NULL;
}

const struct param_def *param_def(enum param_id id)
{
	assert(id < P_COUNT);
	return &defs[id];
}

static uint32_t erl_implemented(uint32_t v)
{
	return v < RT_ERL_IMPLEMENTED ? v : RT_ERL_IMPLEMENTED;
}

static uint32_t clamp(uint32_t v, const struct param_def *d)
{
	return v < d->min ? d->min : v > d->max ? d->max : v;
}

/* Our own value of a boolean or numerical key, from the configuration. */
static uint32_t ours(const struct param_neg *n, enum param_id id)
{
	const struct rt_params_cfg *c = n->ours;
	uint32_t v;
	switch (id) {
	case P_MAX_CONNECTIONS: v = c->max_connections; break;
	case P_INITIAL_R2T: v = c->initial_r2t; break;
	case P_IMMEDIATE_DATA: v = c->immediate_data; break;
	case P_MAX_RECV_DSL: v = c->max_recv_data_segment_length; break;
	case P_MAX_BURST: v = c->max_burst_length; break;
	case P_FIRST_BURST: v = c->first_burst_length; break;
	case P_TIME2WAIT: v = c->default_time2wait; break;
	case P_TIME2RETAIN: v = c->default_time2retain; break;
	case P_MAX_R2T: v = c->max_outstanding_r2t; break;
	case P_DATA_PDU_IN_ORDER: v = c->data_pdu_in_order; break;
	case P_DATA_SEQ_IN_ORDER: v = c->data_sequence_in_order; break;
	/* §13.20: the result is the lower of the two; ours is the configured
	 * most, within what is implemented (cfg_validate checks it). */
	case P_ERL: v = erl_implemented(c->error_recovery_level); break;
	case P_PROTOCOL_LEVEL: v = PARAM_PROTOCOL_LEVEL; break;
	default: assert(!"not a boolean or numerical key"); return 0;
	}
	return clamp(v, &defs[id]);
}

static void set_result(struct param_neg *n, enum param_id id, uint32_t v)
{
	struct iscsi_params *r = &n->res;
	switch (id) {
	case P_HEADER_DIGEST: r->header_digest = v; break;
	case P_DATA_DIGEST: r->data_digest = v; break;
	case P_MAX_CONNECTIONS: r->max_connections = v; break;
	case P_INITIAL_R2T: r->initial_r2t = v; break;
	case P_IMMEDIATE_DATA: r->immediate_data = v; break;
	case P_MAX_RECV_DSL: r->max_xmit_dsl = v; break; /* theirs is what we may send */
	case P_MAX_BURST: r->max_burst_length = v; break;
	case P_FIRST_BURST: r->first_burst_length = v; break;
	case P_TIME2WAIT: r->default_time2wait = v; break;
	case P_TIME2RETAIN: r->default_time2retain = v; break;
	case P_MAX_R2T: r->max_outstanding_r2t = v; break;
	case P_DATA_PDU_IN_ORDER: r->data_pdu_in_order = v; break;
	case P_DATA_SEQ_IN_ORDER: r->data_sequence_in_order = v; break;
	case P_ERL: r->error_recovery_level = v; break;
	default: break; /* TaskReporting, iSCSIProtocolLevel: no consumer yet */
	}
}

void param_neg_init(struct param_neg *n, const struct rt_params_cfg *ours_cfg, bool discovery,
		    bool leading)
{
	memset(n, 0, sizeof(*n));
	n->ours = ours_cfg;
	n->discovery = discovery;
	n->leading = leading;
	/* Until negotiated, every key has its RFC 7143 §13 default. */
	n->res = (struct iscsi_params){
		.max_recv_dsl = ISCSI_MRDSL_DEFAULT,
		.max_xmit_dsl = ISCSI_MRDSL_DEFAULT,
		.max_connections = 1,
		.initial_r2t = true,
		.immediate_data = true,
		.max_burst_length = ISCSI_MAX_BURST_DEFAULT,
		.first_burst_length = ISCSI_FIRST_BURST_DEFAULT,
		.default_time2wait = 2,
		.default_time2retain = 20,
		.max_outstanding_r2t = 1,
		.data_pdu_in_order = true,
		.data_sequence_in_order = true,
		.error_recovery_level = 0,
	};
}

static enum param_status add(struct text_buf *out, enum param_id id, const char *value)
{
	return text_buf_add(out, defs[id].name, value) == TEXT_OK ? PARAM_OK : PARAM_NO_ROOM;
}

static enum param_status add_u32(struct text_buf *out, enum param_id id, uint32_t v)
{
	return text_buf_add_u32(out, defs[id].name, v) == TEXT_OK ? PARAM_OK : PARAM_NO_ROOM;
}

/* Values of list keys we can use (§13.1 digests, §13.23 TaskReporting:
 * only the RFC 3720 semantics, no FastAbort or ResponseFence). */
static bool list_value_ok(const struct param_neg *n, enum param_id id, const char *v, size_t len)
{
#define IS(s) (len == sizeof(s) - 1 && memcmp(v, s, len) == 0)
	switch (id) {
	case P_HEADER_DIGEST: return IS("None") || (IS("CRC32C") && n->ours->header_digest);
	case P_DATA_DIGEST: return IS("None") || (IS("CRC32C") && n->ours->data_digest);
	case P_TASK_REPORTING: return IS("RFC3720");
	default: return false;
	}
#undef IS
}

static uint32_t list_value_result(const char *v, size_t len)
{
	return len == 6 && memcmp(v, "CRC32C", 6) == 0; /* digests: CRC32C on */
}

/* §6.2.1: answer the first value of the originator's list that we support;
 * values we do not understand are skipped; none left: Reject. */
static enum param_status answer_list(struct param_neg *n, enum param_id id,
				     const struct text_pair *p, struct text_buf *out)
{
	if (p->value_len == 0 || p->value_len > ISCSI_VALUE_MAX)
		return add(out, id, "Reject");
	for (uint32_t start = 0, i = 0; i <= p->value_len; i++) {
		if (i < p->value_len && p->value[i] != ',')
			continue;
		const char *v = p->value + start;
		size_t len = i - start;
		start = i + 1;
		if (len > 0 && list_value_ok(n, id, v, len)) {
			char pick[ISCSI_VALUE_MAX + 1];
			memcpy(pick, v, len);
			pick[len] = '\0';
			set_result(n, id, list_value_result(v, len));
			return add(out, id, pick);
		}
	}
	return add(out, id, "Reject");
}

static bool parse_bool(const struct text_pair *p, uint32_t *v)
{
	if (text_value_is(p, "Yes"))
		return *v = 1, true;
	if (text_value_is(p, "No"))
		return *v = 0, true;
	return false;
}

static bool parse_ranged(const struct text_pair *p, const struct param_def *d, uint32_t *v)
{
	uint64_t x;
	if (codec_parse_number(p->value, p->value_len, &x) != CODEC_OK)
		return false;
	if (x < d->min || x > d->max)
		return false;
	*v = (uint32_t)x;
	return true;
}

/* The result function of a boolean or numerical key (§6.2.2). */
static uint32_t result_of(enum param_rule rule, uint32_t a, uint32_t b)
{
	switch (rule) {
	case RULE_AND: return a && b;
	case RULE_OR: return a || b;
	case RULE_MIN: return a < b ? a : b;
	case RULE_MAX: return a > b ? a : b;
	default: assert(!"no result function"); return 0;
	}
}

static bool parse_value(const struct text_pair *p, const struct param_def *d, uint32_t *v)
{
	return d->rule == RULE_AND || d->rule == RULE_OR ? parse_bool(p, v) : parse_ranged(p, d, v);
}

static enum param_status answer_value(struct param_neg *n, enum param_id id, uint32_t r,
				      struct text_buf *out)
{
	set_result(n, id, r);
	if (defs[id].rule == RULE_AND || defs[id].rule == RULE_OR)
		return add(out, id, r ? "Yes" : "No");
	return add_u32(out, id, r);
}

/* The initiator's reply to one of our offers: it must be a possible result
 * of the offer (§6.2); Reject/Irrelevant/NotUnderstood leave the default. */
static enum param_status take_answer(struct param_neg *n, enum param_id id,
				     const struct text_pair *p)
{
	const struct param_def *d = &defs[id];
	n->offered &= ~BIT(id);
	if (text_value_is(p, "Reject") || text_value_is(p, "Irrelevant") ||
	    text_value_is(p, "NotUnderstood"))
		return PARAM_OK;
	uint32_t v;
	if (d->rule == RULE_LIST) {
		if (memchr(p->value, ',', p->value_len) != NULL ||
		    !list_value_ok(n, id, p->value, p->value_len))
			return PARAM_BAD_ANSWER;
		set_result(n, id, list_value_result(p->value, p->value_len));
		return PARAM_OK;
	}
	if (!parse_value(p, d, &v) || result_of(d->rule, ours(n, id), v) != v)
		return PARAM_BAD_ANSWER;
	set_result(n, id, v);
	return PARAM_OK;
}

enum param_status param_answer(struct param_neg *n, enum param_id id, const struct text_pair *p,
			       struct text_buf *out)
{
	const struct param_def *d = &defs[id];
	assert(d->rule != RULE_OWNED);
	/* §13.25: SHOULD answer Reject, MUST NOT answer NotUnderstood */
	if (d->rule == RULE_OBSOLETE)
		return add(out, id, "Reject");
	if (d->rule == RULE_DECLARE) {
		uint32_t v;
		if (!param_parse_mrdsl(p, &v))
			return PARAM_BAD_DECLARATION;
		set_result(n, id, v);
		return PARAM_OK;
	}
	/* §6.2: "Irrelevant" where the key does not apply: §13 "Irrelevant
	 * when: SessionType=Discovery", and LO keys off the leading login */
	if ((n->discovery && d->irrelevant_in_discovery) || (d->use == USE_LO && !n->leading))
		return add(out, id, "Irrelevant");
	if (n->offered & BIT(id))
		return take_answer(n, id, p);
	if (d->rule == RULE_LIST)
		return answer_list(n, id, p, out);
	uint32_t v;
	if (!parse_value(p, d, &v))
		return add(out, id, "Reject"); /* §6.2: syntax or range */
	if (id == P_FIRST_BURST) {
		n->fbl_pending = true;
		n->fbl_offer = v;
		return PARAM_OK;
	}
	return answer_value(n, id, result_of(d->rule, ours(n, id), v), out);
}

enum param_status param_end_message(struct param_neg *n, struct text_buf *out)
{
	if (!n->fbl_pending)
		return PARAM_OK;
	n->fbl_pending = false;
	/* A Minimum key may be answered below both offers; staying within
	 * MaxBurstLength keeps §13.14 true whatever order the keys came in. */
	uint32_t r = result_of(RULE_MIN, ours(n, P_FIRST_BURST), n->fbl_offer);
	r = result_of(RULE_MIN, r, n->res.max_burst_length);
	return answer_value(n, P_FIRST_BURST, r, out);
}

/* Whether the RFC default of a key, kept if nobody sends it, is something
 * our configuration refuses: then we must offer our value (§6.2). Keys
 * whose default is the most demanding side (InitialR2T=Yes, the InOrder
 * keys, MaxOutstandingR2T=1, ...) never need an offer. */
static bool needs_offer(const struct param_neg *n, enum param_id id)
{
	const struct param_def *d = &defs[id];
	switch (id) {
	case P_HEADER_DIGEST: return n->ours->header_digest;
	case P_DATA_DIGEST: return n->ours->data_digest;
	case P_IMMEDIATE_DATA:
	case P_MAX_BURST:
	case P_FIRST_BURST:
	case P_TIME2WAIT:
	case P_TIME2RETAIN:
		return n->leading && result_of(d->rule, ours(n, id), d->rfc_default) != d->rfc_default;
	default: return false;
	}
}

int param_offer(struct param_neg *n, uint64_t seen, struct text_buf *out)
{
	static const enum param_id candidates[] = {
		P_HEADER_DIGEST, P_DATA_DIGEST, P_IMMEDIATE_DATA, P_MAX_BURST,
		P_FIRST_BURST, P_TIME2WAIT, P_TIME2RETAIN,
	};
	if (n->discovery)
		return 0;
	int count = 0;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		enum param_id id = candidates[i];
		if ((seen | n->offered) & BIT(id) || !needs_offer(n, id))
			continue;
		if (out == NULL) {
			count++;
			continue;
		}
		enum param_status s;
		if (defs[id].rule == RULE_LIST)
			s = add(out, id, "CRC32C,None");
		else if (defs[id].rule == RULE_AND)
			s = add(out, id, ours(n, id) ? "Yes" : "No");
		else
			s = add_u32(out, id, ours(n, id));
		if (s != PARAM_OK)
			return -1;
		n->offered |= BIT(id);
		count++;
	}
	return count;
}

enum param_status param_declare(struct param_neg *n, struct text_buf *out)
{
	uint32_t v = ours(n, P_MAX_RECV_DSL);
	enum param_status s = add_u32(out, P_MAX_RECV_DSL, v);
	if (s == PARAM_OK) {
		n->res.max_recv_dsl = v;
		n->declared = true;
	}
	return s;
}

bool param_waiting(const struct param_neg *n)
{
	return n->offered != 0;
}

bool param_consistent(const struct param_neg *n)
{
	return n->res.first_burst_length <= n->res.max_burst_length;
}

bool param_parse_mrdsl(const struct text_pair *p, uint32_t *out)
{
	return parse_ranged(p, &defs[P_MAX_RECV_DSL], out);
}
