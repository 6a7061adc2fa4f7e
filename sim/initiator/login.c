/* initiator/login: see initiator/login.h. */
#include "sim/initiator/login.h"

#include <stdio.h>
#include <string.h>

#include "sim/initiator/chap.h"

#define CSG_SECURITY ISCSI_STAGE_SECURITY
#define CSG_OPERATIONAL ISCSI_STAGE_OPERATIONAL
#define NSG_FFP ISCSI_STAGE_FULL_FEATURE

/* Answers a responder may give instead of a value (§6.2, §6.2.1). */
static bool is_non_value(const char *v)
{
	return strcmp(v, "Reject") == 0 || strcmp(v, "Irrelevant") == 0 || strcmp(v, "NotUnderstood") == 0;
}

static void build(struct ilogin *l, struct ipdu_tx *tx, uint8_t csg, uint8_t nsg, bool transit)
{
	uint8_t flags = (uint8_t)(csg << ISCSI_LOGIN_CSG_SHIFT);
	if (transit)
		flags |= (uint8_t)(ISCSI_LOGIN_TRANSIT | nsg);
	pdu_init(tx->bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, flags);
	tx->bhs[PDU_LOGIN_VERSION_MAX] = ISCSI_VERSION;
	tx->bhs[PDU_LOGIN_VERSION_MIN] = ISCSI_VERSION;
	memcpy(tx->bhs + PDU_LOGIN_ISID, l->isid, 6);
	put_be16(tx->bhs + PDU_LOGIN_TSIH, l->tsih);
	pdu_set_w(tx->bhs, PDU_ITT, l->itt);
	put_be16(tx->bhs + PDU_LOGIN_CID, l->cid);
	pdu_set_w(tx->bhs, PDU_INI_CMDSN, l->cmdsn);
	pdu_set_w(tx->bhs, PDU_INI_EXPSTATSN, l->have_statsn ? l->exp_statsn : 0);
	/* Login PDUs never carry digests: they are negotiated here (§13.1). */
	ipdu_tx_seal(tx, l->text, (uint32_t)l->text_len, false, false);
}

static void add(struct ilogin *l, const char *key, const char *value)
{
	bool ok = ikeys_add(l->text, &l->text_len, sizeof(l->text), key, value);
	assert(ok && "our own keys fit one login PDU");
	(void)ok;
}

static void add_u32(struct ilogin *l, const char *key, uint32_t v)
{
	char s[16];
	snprintf(s, sizeof(s), "%u", v);
	add(l, key, s);
}

/* Keys that only the first request of a session carries (§13.4-§13.6). */
static void add_leading(struct ilogin *l)
{
	add(l, "InitiatorName", l->cfg->initiator_name);
	/* SessionType is leading only (§13.21); the names open every
	 * connection's login (§13.4, §13.5). */
	if (!l->conn_only)
		add(l, "SessionType", "Normal");
	add(l, "TargetName", l->cfg->target_name);
}

static void add_operational(struct ilogin *l)
{
	const struct ilogin_cfg *c = l->cfg;
	add(l, "HeaderDigest", c->want_header_digest ? "CRC32C,None" : "None");
	add(l, "DataDigest", c->want_data_digest ? "CRC32C,None" : "None");
	add_u32(l, "MaxRecvDataSegmentLength", c->mrdsl);
	/* A connection joining a session negotiates the connection's keys
	 * only: the session's (LO) keys were settled by its leading login
	 * (§13: "LO", §6.3.4). */
	if (l->conn_only)
		return;
	add_u32(l, "MaxBurstLength", c->max_burst_length);
	add_u32(l, "FirstBurstLength", c->first_burst_length);
	add(l, "InitialR2T", c->initial_r2t ? "Yes" : "No");
	add(l, "ImmediateData", c->immediate_data ? "Yes" : "No");
	add_u32(l, "MaxOutstandingR2T", c->max_outstanding_r2t);
	add_u32(l, "MaxConnections", c->max_connections ? c->max_connections : 1);
	add_u32(l, "ErrorRecoveryLevel", c->error_recovery_level);
	add_u32(l, "DefaultTime2Wait", 2);
	/* §13.16: 0 frees a failed connection's tasks at once (the session
	 * reinstates itself anyway below ERL 2); ERL 2 needs them kept. */
	add_u32(l, "DefaultTime2Retain", c->error_recovery_level >= 2 ? ILOGIN_TIME2RETAIN_ERL2 : 0);
	add(l, "DataPDUInOrder", "Yes");
	add(l, "DataSequenceInOrder", "Yes");
}

static enum ilogin_result send_operational(struct ilogin *l, struct ipdu_tx *tx, bool first)
{
	l->text_len = 0;
	if (first)
		add_operational(l);
	l->step = ILS_OP;
	build(l, tx, CSG_OPERATIONAL, NSG_FFP, true);
	return ILOGIN_SEND;
}

static enum ilogin_result start(struct ilogin *l, const struct ilogin_cfg *cfg, struct sim_rng *rng,
	const uint8_t isid[6], uint16_t tsih, uint16_t cid, uint32_t itt, uint32_t cmdsn, bool conn_only,
	uint32_t exp_statsn, struct ipdu_tx *tx);

enum ilogin_result ilogin_start(struct ilogin *l, const struct ilogin_cfg *cfg, struct sim_rng *rng,
	const uint8_t isid[6], uint16_t tsih, uint16_t cid, uint32_t itt, uint32_t cmdsn,
	struct ipdu_tx *tx)
{
	return start(l, cfg, rng, isid, tsih, cid, itt, cmdsn, false, 0, tx);
}

enum ilogin_result ilogin_start_conn(struct ilogin *l, const struct ilogin_cfg *cfg, struct sim_rng *rng,
	const uint8_t isid[6], uint16_t tsih, uint16_t cid, uint32_t itt, uint32_t cmdsn, uint32_t exp_statsn,
	struct ipdu_tx *tx)
{
	assert(tsih != 0);
	return start(l, cfg, rng, isid, tsih, cid, itt, cmdsn, true, exp_statsn, tx);
}

static enum ilogin_result start(struct ilogin *l, const struct ilogin_cfg *cfg, struct sim_rng *rng,
	const uint8_t isid[6], uint16_t tsih, uint16_t cid, uint32_t itt, uint32_t cmdsn, bool conn_only,
	uint32_t exp_statsn, struct ipdu_tx *tx)
{
	memset(l, 0, sizeof(*l));
	l->conn_only = conn_only;
	/* §6.3.4: a reinstating login's ExpStatSN is the failed
	 * connection's; it acknowledges what that connection delivered. */
	l->exp_statsn = exp_statsn;
	l->have_statsn = conn_only;
	l->cfg = cfg;
	l->rng = rng;
	memcpy(l->isid, isid, 6);
	l->tsih = tsih;
	l->cid = cid;
	l->itt = itt;
	l->cmdsn = cmdsn;
	iparams_default(&l->params);
	/* §6.2.2 (RFC 3720 §5.2.2): the answer is optional where the offer
	 * decides the outcome (OR offered Yes, AND offered No); a target that
	 * leaves it out has agreed to the offer. */
	if (cfg->initial_r2t)
		l->params.initial_r2t = true;
	if (!cfg->immediate_data)
		l->params.immediate_data = false;
	add_leading(l);
	if (cfg->skip_security) {
		add_operational(l);
		l->step = ILS_OP;
		build(l, tx, CSG_OPERATIONAL, NSG_FFP, true);
		return ILOGIN_SEND;
	}
	bool chap = cfg->chap_user != NULL;
	add(l, "AuthMethod", chap ? "CHAP" : "None");
	l->step = ILS_SEC_START;
	/* With CHAP the exchange needs more steps: T=0 until the response. */
	build(l, tx, CSG_SECURITY, CSG_OPERATIONAL, !chap);
	return ILOGIN_SEND;
}

static bool alg_offered(const char *offer, uint32_t alg)
{
	char want[12];
	snprintf(want, sizeof(want), "%u", alg);
	size_t n = strlen(want);
	for (const char *p = offer; *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && memcmp(p, want, n) == 0)
			return true;
		p += len + (comma ? 1 : 0);
	}
	return false;
}

/* The target chose an algorithm and challenged us: answer, and challenge
 * it back for mutual CHAP (§12.1.3). */
static enum ilogin_result answer_challenge(struct ilogin *l, const uint8_t *data, uint32_t len,
	struct ipdu_tx *tx)
{
	char a[16], id[8], c[2 * RT_CHAP_CHALLENGE_MAX + 8];
	uint8_t challenge[RT_CHAP_CHALLENGE_MAX];
	uint32_t alg, ident;
	if (!ikeys_get(data, len, "CHAP_A", a, sizeof(a)) || !ikeys_get(data, len, "CHAP_I", id, sizeof(id)) ||
		!ikeys_get(data, len, "CHAP_C", c, sizeof(c))) {
		l->why = "chap challenge incomplete";
		return ILOGIN_PROTOCOL;
	}
	long clen = ichap_decode(c, challenge, sizeof(challenge));
	if (!ikeys_parse_u32(a, 0, 255, &alg) || !alg_offered(l->cfg->chap_algs, alg) ||
		ichap_digest_len(alg) == 0 || !ikeys_parse_u32(id, 0, 255, &ident) || clen <= 0) {
		l->why = "chap challenge malformed";
		return ILOGIN_PROTOCOL;
	}
	l->chap_alg = alg;
	uint8_t rsp[ICHAP_DIGEST_MAX];
	char hex[2 * RT_CHAP_CHALLENGE_MAX + 8];
	ichap_response(alg, (uint8_t)ident, l->cfg->chap_secret, challenge, (size_t)clen, rsp);
	ichap_encode_hex(rsp, ichap_digest_len(alg), hex);
	l->text_len = 0;
	add(l, "CHAP_N", l->cfg->chap_user);
	add(l, "CHAP_R", hex);
	if (l->cfg->target_user != NULL) {
		uint64_t r = rng_next(l->rng);
		l->chap_id = (uint8_t)r;
		for (unsigned i = 0; i < ILOGIN_CHALLENGE_LEN; i++)
			l->challenge[i] = (uint8_t)(rng_next(l->rng) >> 24);
		add_u32(l, "CHAP_I", l->chap_id);
		ichap_encode_hex(l->challenge, ILOGIN_CHALLENGE_LEN, hex);
		add(l, "CHAP_C", hex);
	}
	l->step = ILS_SEC_RESP;
	build(l, tx, CSG_SECURITY, CSG_OPERATIONAL, true);
	return ILOGIN_SEND;
}

/* Mutual CHAP: the target's answer to our challenge. */
static bool target_proved(struct ilogin *l, const uint8_t *data, uint32_t len)
{
	char n[RT_CHAP_NAME_MAX + 1], r[2 * ICHAP_DIGEST_MAX + 8];
	uint8_t got[ICHAP_DIGEST_MAX + 1], want[ICHAP_DIGEST_MAX];
	if (!ikeys_get(data, len, "CHAP_N", n, sizeof(n)) || !ikeys_get(data, len, "CHAP_R", r, sizeof(r)))
		return false;
	long glen = ichap_decode(r, got, sizeof(got));
	size_t dlen = ichap_digest_len(l->chap_alg);
	if (strcmp(n, l->cfg->target_user) != 0 || glen != (long)dlen)
		return false;
	ichap_response(l->chap_alg, l->chap_id, l->cfg->target_secret, l->challenge, ILOGIN_CHALLENGE_LEN, want);
	return memcmp(got, want, dlen) == 0;
}

static enum ilogin_result on_security(struct ilogin *l, bool transit, uint8_t nsg, const uint8_t *data,
	uint32_t len, struct ipdu_tx *tx)
{
	char v[64];
	switch (l->step) {
	case ILS_SEC_START:
		if (!ikeys_get(data, len, "AuthMethod", v, sizeof(v))) {
			l->why = "no AuthMethod answer";
			return ILOGIN_PROTOCOL;
		}
		if (strcmp(v, "CHAP") == 0 && l->cfg->chap_user != NULL) {
			l->text_len = 0;
			add(l, "CHAP_A", l->cfg->chap_algs);
			l->step = ILS_SEC_ALG;
			build(l, tx, CSG_SECURITY, CSG_OPERATIONAL, false);
			return ILOGIN_SEND;
		}
		if (strcmp(v, "None") != 0 || l->cfg->chap_user != NULL) {
			l->why = "AuthMethod answer not offered";
			return ILOGIN_PROTOCOL;
		}
		break;
	case ILS_SEC_ALG:
		return answer_challenge(l, data, len, tx);
	case ILS_SEC_RESP:
		if (l->cfg->target_user != NULL && !target_proved(l, data, len)) {
			l->why = "target failed mutual chap";
			return ILOGIN_AUTH_FAILED;
		}
		break;
	case ILS_OP:
		assert(0 && "caller dispatches ILS_OP elsewhere");
		break;
	}
	if (transit && nsg == CSG_OPERATIONAL)
		return send_operational(l, tx, true);
	/* The target wants another round in this stage: ask again to move on. */
	l->text_len = 0;
	build(l, tx, CSG_SECURITY, CSG_OPERATIONAL, true);
	return ILOGIN_SEND;
}

static void apply_key(void *ctx, const char *key, const char *value)
{
	struct ilogin *l = ctx;
	if (!is_non_value(value) && ikeys_apply(&l->params, key, value, true) == IKEYS_BAD_VALUE)
		l->why = "bad key value";
}

/* The answers must be results the negotiation functions allow (§6.2.2,
 * §13): min for lengths and R2T count, OR for InitialR2T, AND for
 * ImmediateData, a choice among those offered for digests. */
static bool answers_legal(const struct ilogin *l)
{
	const struct ilogin_cfg *c = l->cfg;
	const struct iparams *p = &l->params;
	if (l->conn_only) /* the session's keys are not negotiated again: defaults here */
		return (!p->header_digest || c->want_header_digest) && (!p->data_digest || c->want_data_digest);
	return p->max_burst_length <= c->max_burst_length && p->first_burst_length <= c->first_burst_length &&
		p->first_burst_length <= p->max_burst_length &&
		p->max_outstanding_r2t <= c->max_outstanding_r2t &&
		p->error_recovery_level <= c->error_recovery_level &&
		p->max_connections >= 1 && p->max_connections <= (c->max_connections ? c->max_connections : 1) &&
		(p->initial_r2t || !c->initial_r2t) &&
		(!p->immediate_data || c->immediate_data) && (!p->header_digest || c->want_header_digest) &&
		(!p->data_digest || c->want_data_digest);
}

static enum ilogin_result on_operational(struct ilogin *l, bool transit, uint8_t nsg, const uint8_t *bhs,
	const uint8_t *data, uint32_t len, struct ipdu_tx *tx)
{
	if (!ikeys_each(data, len, apply_key, l)) {
		l->why = "malformed key list";
		return ILOGIN_PROTOCOL;
	}
	if (l->why != NULL)
		return ILOGIN_PROTOCOL;
	if (!transit || nsg != NSG_FFP)
		return send_operational(l, tx, false);
	if (!answers_legal(l)) {
		l->why = "negotiation result out of range";
		return ILOGIN_PROTOCOL;
	}
	l->tsih = get_be16(bhs + PDU_LOGIN_TSIH);
	if (l->tsih == 0) {
		l->why = "final response without TSIH";
		return ILOGIN_PROTOCOL;
	}
	l->params.ini_mrdsl = l->cfg->mrdsl;
	return ILOGIN_DONE;
}

enum ilogin_result ilogin_on_rsp(struct ilogin *l, const uint8_t *bhs, const uint8_t *data, uint32_t len,
	struct ipdu_tx *tx)
{
	l->why = NULL;
	if (pdu_opcode(bhs) != ISCSI_OP_LOGIN_RSP || pdu_itt(bhs) != l->itt) {
		l->why = "not our login response";
		return ILOGIN_PROTOCOL;
	}
	if (++l->exchanges > ILOGIN_EXCHANGES_MAX) {
		l->why = "login does not converge";
		return ILOGIN_PROTOCOL;
	}
	l->status = get_be16(bhs + PDU_LOGIN_STATUS);
	if (l->status != ISCSI_LOGIN_OK) {
		l->why = "login status";
		return ILOGIN_REJECTED;
	}
	if (pdu_flags(bhs) & ISCSI_LOGIN_CONTINUE) {
		l->why = "continued login text not supported";
		return ILOGIN_PROTOCOL;
	}
	/* StatSN of the final response starts the connection's StatSN
	 * (§4.2.2.2). A login that restarts a connection keeps sending the
	 * old connection's ExpStatSN (§11.12: it is only valid then, and
	 * acknowledges what that connection delivered); the new count is
	 * taken at the end. */
	l->conn_exp_statsn = pdu_w(bhs, PDU_TGT_STATSN) + 1;
	if (!l->conn_only)
		l->exp_statsn = l->conn_exp_statsn;
	l->have_statsn = true;
	l->exp_cmdsn = pdu_w(bhs, PDU_TGT_EXPCMDSN);
	l->max_cmdsn = pdu_w(bhs, PDU_TGT_MAXCMDSN);
	uint8_t flags = pdu_flags(bhs);
	bool transit = (flags & ISCSI_LOGIN_TRANSIT) != 0;
	uint8_t csg = (flags >> ISCSI_LOGIN_CSG_SHIFT) & ISCSI_LOGIN_STAGE_MASK;
	uint8_t nsg = flags & ISCSI_LOGIN_STAGE_MASK;
	uint8_t want_csg = l->step == ILS_OP ? CSG_OPERATIONAL : CSG_SECURITY;
	if (csg != want_csg) {
		l->why = "response in another stage";
		return ILOGIN_PROTOCOL;
	}
	if (l->step == ILS_OP)
		return on_operational(l, transit, nsg, bhs, data, len, tx);
	return on_security(l, transit, nsg, data, len, tx);
}
