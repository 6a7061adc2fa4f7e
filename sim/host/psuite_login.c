/* host/psuite_login: protocol tests of the login phase (RFC 7143 §6, §11.12,
 * §11.13, §12, §13): stages and the T/C bits, versions, ISID/TSIH,
 * key negotiation by each key's result function, NotUnderstood and
 * Reject, keys offered twice, continuation, reinstatement, CHAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/psuite.h"
#include "sim/initiator/chap.h"

#define STAGE_SEC ISCSI_STAGE_SECURITY
#define STAGE_OP ISCSI_STAGE_OPERATIONAL
#define STAGE_FFP ISCSI_STAGE_FULL_FEATURE

static uint16_t status_of(const struct pw_pdu *p) { return get_be16(p->bhs + PDU_LOGIN_STATUS); }

/* The operational keys the suite offers, all of them, so that a target
 * has nothing left to offer back; `except` is left out (the test sends
 * its own). */
static void op_keys(struct ps_keys *k, const char *except)
{
	static const char *const std[][2] = {
		{ "HeaderDigest", "None" }, { "DataDigest", "None" }, { "MaxRecvDataSegmentLength", "8192" },
		{ "MaxBurstLength", "262144" }, { "FirstBurstLength", "65536" }, { "InitialR2T", "Yes" },
		{ "ImmediateData", "Yes" }, { "MaxOutstandingR2T", "1" }, { "MaxConnections", "1" },
		{ "ErrorRecoveryLevel", "0" }, { "DefaultTime2Wait", "2" }, { "DefaultTime2Retain", "0" },
		{ "DataPDUInOrder", "Yes" }, { "DataSequenceInOrder", "Yes" },
	};
	for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++)
		if (except == NULL || strcmp(std[i][0], except) != 0)
			ps_key(k, std[i][0], std[i][1]);
}

/* The security stage as the configuration asks: with CHAP, the full
 * exchange (MD5) up to the target's T=1 NSG=OP; without, nothing (the
 * first request then starts in the operational stage). *leading tells
 * whether the identity keys still have to be sent. 0 or -1 (detail). */
static int security(struct ps_ctx *c, struct ps_sess *s, bool *leading)
{
	*leading = true;
	if (c->cfg->chap_user[0] == '\0')
		return 0;
	struct ps_keys k;
	struct ipdu_tx tx;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_keys_leading(c, &k);
	ps_key(&k, "AuthMethod", "CHAP");
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, false, &k);
	*leading = false;
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0 || !ps_expect(c, s, ISCSI_OP_LOGIN_RSP, &p))
		return -1;
	ps_keys_reset(&k);
	ps_key(&k, "CHAP_A", "5");
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, false, &k);
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0 || !ps_expect(c, s, ISCSI_OP_LOGIN_RSP, &p))
		return -1;
	char id[8], ch[2100], hex[2 * ICHAP_DIGEST_MAX + 8];
	uint8_t chal[1024], rsp[ICHAP_DIGEST_MAX];
	uint32_t ident;
	long clen;
	if (!ps_get(&p, "CHAP_I", id, sizeof(id)) || !ps_get(&p, "CHAP_C", ch, sizeof(ch)) ||
		!ikeys_parse_u32(id, 0, 255, &ident) || (clen = ichap_decode(ch, chal, sizeof(chal))) <= 0) {
		ps_fail(c, "CHAP: no usable CHAP_I/CHAP_C after CHAP_A=5 (status 0x%04x)", status_of(&p));
		return -1;
	}
	ichap_response(ICHAP_MD5, (uint8_t)ident, c->cfg->chap_secret, chal, (size_t)clen, rsp);
	ichap_encode_hex(rsp, ichap_digest_len(ICHAP_MD5), hex);
	ps_keys_reset(&k);
	ps_key(&k, "CHAP_N", c->cfg->chap_user);
	ps_key(&k, "CHAP_R", hex);
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, true, &k);
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0 || !ps_expect(c, s, ISCSI_OP_LOGIN_RSP, &p))
		return -1;
	uint8_t f = pdu_flags(p.bhs);
	if (status_of(&p) != 0 || !(f & ISCSI_LOGIN_TRANSIT) || (f & ISCSI_LOGIN_STAGE_MASK) != STAGE_OP) {
		ps_fail(c, "CHAP: the target did not move to the operational stage (status 0x%04x)", status_of(&p));
		return -1;
	}
	return 0;
}

/* One operational-stage request with the test's keys (T=1 to FFP unless
 * !transit), after the security stage; the answer in *p. 0, or -1 when
 * no Login Response came (detail set). */
static int op_request(struct ps_ctx *c, struct ps_sess *s, bool leading, const struct ps_keys *keys, bool transit,
	struct pw_pdu *p)
{
	struct ps_keys k;
	ps_keys_reset(&k);
	if (leading)
		ps_keys_leading(c, &k);
	memcpy(k.buf + k.len, keys->buf, keys->len);
	k.len += keys->len;
	struct ipdu_tx tx;
	ps_login_pdu(s, &tx, STAGE_OP, STAGE_FFP, transit, &k);
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0)
		return ps_fail(c, "the connection closed during login"), -1;
	return ps_expect(c, s, ISCSI_OP_LOGIN_RSP, p) ? 0 : -1;
}

/* Connect, pass the security stage, send keys in the operational stage. */
static int negotiate(struct ps_ctx *c, const struct ps_keys *keys, struct pw_pdu *p, struct ps_sess **out)
{
	struct ps_sess *s = ps_connect(c, false);
	bool leading;
	if (s == NULL || security(c, s, &leading) != 0)
		return -1;
	*out = s;
	return op_request(c, s, leading, keys, true, p);
}

/* ---- key negotiation, table-driven (§6.2, §13) ---- */

enum neg_rule {
	NEG_MIN,      /* numeric, result Minimum: a number in [lo, offer] */
	NEG_MAX,      /* numeric, result Maximum: a number in [offer, hi] */
	NEG_EQ,       /* the answer must be exactly want */
	NEG_REJECT,   /* key=Reject or a login refused with class 2 (initiator error) */
	NEG_NOTUNDERSTOOD,
	NEG_IN_LIST,  /* one of the comma-separated want values */
	NEG_REJECT_OR, /* Reject, a class-2 refusal, or one of the want values */
	NEG_EQ_OPT,   /* exactly want, or no answer: the offer decided it (§6.2.2) */
};

struct neg_case {
	const char *key, *offer;
	enum neg_rule rule;
	uint32_t lo, hi;
	const char *want;
};

static enum ps_verdict neg_run(struct ps_ctx *c, const struct neg_case *n)
{
	struct ps_keys k;
	ps_keys_reset(&k);
	op_keys(&k, n->key);
	ps_key(&k, n->key, n->offer);
	struct pw_pdu p;
	struct ps_sess *s;
	if (negotiate(c, &k, &p, &s) != 0)
		return PS_FAIL;
	uint16_t st = status_of(&p);
	char v[256];
	bool have = ps_get(&p, n->key, v, sizeof(v));
	if (n->rule == NEG_REJECT || n->rule == NEG_REJECT_OR) {
		char list[160], one[260];
		snprintf(list, sizeof(list), ",%s,", n->want ? n->want : "");
		snprintf(one, sizeof(one), ",%s,", have ? v : "");
		if (n->rule == NEG_REJECT_OR && st == 0 && have && strstr(list, one) != NULL)
			return ps_pass(c, "%s=%s -> %s", n->key, n->offer, v);
		if (st >> 8 == 2 || (st == 0 && have && strcmp(v, "Reject") == 0))
			return ps_pass(c, "%s=%s: %s", n->key, n->offer, st ? "login refused, class 2" : "Reject");
		return ps_fail(c, "%s=%s: status 0x%04x, answer %s (want %s=Reject or a class-2 refusal, §6.2)", n->key,
			n->offer, st, have ? v : "(none)", n->key);
	}
	if (st != 0)
		return ps_fail(c, "%s=%s: login refused with status 0x%04x", n->key, n->offer, st);
	if (!have && n->rule == NEG_EQ_OPT)
		return ps_pass(c, "%s=%s: not answered (optional: the offer decides the result, §6.2.2)", n->key, n->offer);
	if (!have)
		return ps_fail(c, "%s=%s: no answer for the key (§6.2: every offer is answered)", n->key, n->offer);
	uint32_t num;
	switch (n->rule) {
	case NEG_MIN:
	case NEG_MAX: {
		/* Offers may be hex (§6.1 numerical-value). */
		uint32_t offer = (uint32_t)strtoul(n->offer, NULL, 0);
		/* Answers may be hex too (§6.1 numerical-value). */
		char *end;
		unsigned long long x = strtoull(v, &end, 0);
		bool ok = v[0] != '\0' && v[0] != '-' && *end == '\0' && x >= n->lo && x <= n->hi;
		num = (uint32_t)x;
		if (!ok)
			return ps_fail(c, "%s=%s answered '%s': not a number in [%u, %u]", n->key, n->offer, v, n->lo, n->hi);
		if (n->rule == NEG_MIN && num > offer)
			return ps_fail(c, "%s=%s answered %u: above the offer (result function Minimum)", n->key, n->offer, num);
		if (n->rule == NEG_MAX && num < offer)
			return ps_fail(c, "%s=%s answered %u: below the offer (result function Maximum)", n->key, n->offer, num);
		break;
	}
	case NEG_EQ:
	case NEG_EQ_OPT:
		if (strcmp(v, n->want) != 0)
			return ps_fail(c, "%s=%s answered '%s', want '%s'", n->key, n->offer, v, n->want);
		break;
	case NEG_NOTUNDERSTOOD:
		if (strcmp(v, "NotUnderstood") != 0)
			return ps_fail(c, "%s answered '%s', want NotUnderstood", n->key, v);
		break;
	case NEG_IN_LIST: {
		char list[128];
		snprintf(list, sizeof(list), ",%s,", n->want);
		char one[260];
		snprintf(one, sizeof(one), ",%s,", v);
		if (strstr(list, one) == NULL)
			return ps_fail(c, "%s=%s answered '%s', want one of %s", n->key, n->offer, v, n->want);
		break;
	}
	case NEG_REJECT:
	case NEG_REJECT_OR:
		break;
	}
	return ps_pass(c, "%s=%s -> %s", n->key, n->offer, v);
}

#define NEG(name, key, offer, rule, lo, hi, want)                                                       \
	static enum ps_verdict name(struct ps_ctx *c)                                                     \
	{                                                                                                 \
		static const struct neg_case n = { key, offer, rule, lo, hi, want };                      \
		return neg_run(c, &n);                                                                    \
	}

NEG(neg_mbl_min, "MaxBurstLength", "4096", NEG_MIN, 512, 16777215, NULL)
NEG(neg_mbl_hex, "MaxBurstLength", "0x2000", NEG_MIN, 512, 16777215, NULL)
NEG(neg_mbl_low, "MaxBurstLength", "100", NEG_REJECT, 0, 0, NULL)
NEG(neg_mbl_junk, "MaxBurstLength", "lots", NEG_REJECT, 0, 0, NULL)
NEG(neg_mbl_huge, "MaxBurstLength", "99999999999", NEG_REJECT, 0, 0, NULL)
NEG(neg_r2t_min, "MaxOutstandingR2T", "1", NEG_EQ, 0, 0, "1")
NEG(neg_r2t_zero, "MaxOutstandingR2T", "0", NEG_REJECT, 0, 0, NULL)
NEG(neg_erl_min, "ErrorRecoveryLevel", "0", NEG_EQ, 0, 0, "0")
NEG(neg_erl_two, "ErrorRecoveryLevel", "2", NEG_MIN, 0, 2, NULL)
NEG(neg_maxconn, "MaxConnections", "1", NEG_EQ, 0, 0, "1")
NEG(neg_t2w_max, "DefaultTime2Wait", "3600", NEG_MAX, 0, 3600, NULL)
NEG(neg_t2r_min, "DefaultTime2Retain", "0", NEG_EQ, 0, 0, "0")
NEG(neg_initr2t_or, "InitialR2T", "Yes", NEG_EQ_OPT, 0, 0, "Yes")
NEG(neg_immdata_and, "ImmediateData", "No", NEG_EQ_OPT, 0, 0, "No")
NEG(neg_bool_junk, "InitialR2T", "Maybe", NEG_REJECT, 0, 0, NULL)
NEG(neg_pduorder_or, "DataPDUInOrder", "Yes", NEG_EQ_OPT, 0, 0, "Yes")
NEG(neg_seqorder_or, "DataSequenceInOrder", "Yes", NEG_EQ_OPT, 0, 0, "Yes")
NEG(neg_digest_none, "HeaderDigest", "None", NEG_EQ, 0, 0, "None")
NEG(neg_digest_list, "DataDigest", "CRC32C,None", NEG_IN_LIST, 0, 0, "CRC32C,None")
NEG(neg_digest_unknown, "HeaderDigest", "SHA999,None", NEG_EQ, 0, 0, "None")
NEG(neg_unknown_key, "X-org.iscsi-sim.Probe", "1", NEG_NOTUNDERSTOOD, 0, 0, NULL)
NEG(neg_unknown_std, "NoSuchIscsiKey", "Yes", NEG_NOTUNDERSTOOD, 0, 0, NULL)
/* More of §13, one rule each: ranges and their ends, result functions, lists. */
NEG(neg_mbl_512, "MaxBurstLength", "512", NEG_EQ, 0, 0, "512")
NEG(neg_mbl_top, "MaxBurstLength", "16777215", NEG_MIN, 512, 16777215, NULL)
NEG(neg_mbl_negative, "MaxBurstLength", "-4096", NEG_REJECT, 0, 0, NULL)
NEG(neg_mbl_empty, "MaxBurstLength", "", NEG_REJECT, 0, 0, NULL)
NEG(neg_fbl_min, "FirstBurstLength", "4096", NEG_MIN, 512, 16777215, NULL)
NEG(neg_fbl_low, "FirstBurstLength", "100", NEG_REJECT, 0, 0, NULL)
NEG(neg_mrdsl_low, "MaxRecvDataSegmentLength", "100", NEG_REJECT, 0, 0, NULL)
NEG(neg_mrdsl_huge, "MaxRecvDataSegmentLength", "16777216", NEG_REJECT, 0, 0, NULL)
NEG(neg_r2t_four, "MaxOutstandingR2T", "4", NEG_MIN, 1, 4, NULL)
NEG(neg_r2t_top, "MaxOutstandingR2T", "65535", NEG_MIN, 1, 65535, NULL)
NEG(neg_r2t_over, "MaxOutstandingR2T", "65536", NEG_REJECT, 0, 0, NULL)
NEG(neg_maxconn_zero, "MaxConnections", "0", NEG_REJECT, 0, 0, NULL)
NEG(neg_maxconn_top, "MaxConnections", "65535", NEG_MIN, 1, 65535, NULL)
NEG(neg_maxconn_over, "MaxConnections", "65536", NEG_REJECT, 0, 0, NULL)
NEG(neg_erl_one, "ErrorRecoveryLevel", "1", NEG_MIN, 0, 1, NULL)
NEG(neg_erl_three, "ErrorRecoveryLevel", "3", NEG_REJECT, 0, 0, NULL)
NEG(neg_erl_junk, "ErrorRecoveryLevel", "zero", NEG_REJECT, 0, 0, NULL)
NEG(neg_t2w_zero, "DefaultTime2Wait", "0", NEG_MAX, 0, 3600, NULL)
NEG(neg_t2w_over, "DefaultTime2Wait", "3601", NEG_REJECT, 0, 0, NULL)
NEG(neg_t2r_mid, "DefaultTime2Retain", "20", NEG_MIN, 0, 20, NULL)
NEG(neg_t2r_over, "DefaultTime2Retain", "3601", NEG_REJECT, 0, 0, NULL)
NEG(neg_initr2t_no, "InitialR2T", "No", NEG_IN_LIST, 0, 0, "Yes,No")
NEG(neg_immdata_yes, "ImmediateData", "Yes", NEG_IN_LIST, 0, 0, "Yes,No")
NEG(neg_immdata_junk, "ImmediateData", "maybe", NEG_REJECT, 0, 0, NULL)
NEG(neg_pduorder_no, "DataPDUInOrder", "No", NEG_IN_LIST, 0, 0, "Yes,No")
NEG(neg_seqorder_no, "DataSequenceInOrder", "No", NEG_IN_LIST, 0, 0, "Yes,No")
NEG(neg_pduorder_junk, "DataPDUInOrder", "2", NEG_REJECT, 0, 0, NULL)
NEG(neg_hdigest_crc, "HeaderDigest", "CRC32C", NEG_REJECT_OR, 0, 0, "CRC32C")
NEG(neg_ddigest_none_first, "DataDigest", "None,CRC32C", NEG_IN_LIST, 0, 0, "None,CRC32C")
NEG(neg_digest_only_unknown, "HeaderDigest", "SHA999", NEG_REJECT, 0, 0, NULL)
NEG(neg_x_hash_key, "X#IscsiSimProbe", "1", NEG_NOTUNDERSTOOD, 0, 0, NULL)
NEG(neg_ifmarker, "IFMarker", "Yes", NEG_IN_LIST, 0, 0, "Reject,No")
NEG(neg_ofmarker, "OFMarker", "Yes", NEG_IN_LIST, 0, 0, "Reject,No")
NEG(neg_ifmarkint, "IFMarkInt", "2048", NEG_EQ, 0, 0, "Reject")
NEG(neg_ofmarkint, "OFMarkInt", "2048", NEG_EQ, 0, 0, "Reject")
NEG(neg_taskreporting, "TaskReporting", "RFC3720", NEG_IN_LIST, 0, 0, "RFC3720,NotUnderstood")
NEG(neg_protocollevel, "iSCSIProtocolLevel", "1", NEG_IN_LIST, 0, 0, "0,1,NotUnderstood")

/* ---- stages, flags, versions ---- */

static enum ps_verdict basic(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	if (s->tsih == 0)
		return ps_fail(c, "final Login Response with TSIH 0 (§11.13.4)");
	return ps_pass(c, "TSIH %u, StatSN %u", s->tsih, s->exp_statsn - 1);
}

/* A first request with a raw header tweak: fn changes the BHS. */
static int first_request(struct ps_ctx *c, struct ps_sess **out, void (*tweak)(uint8_t *bhs), const char *drop_key,
	struct pw_pdu *p)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return -1;
	*out = s;
	struct ps_keys k;
	ps_keys_reset(&k);
	if (drop_key == NULL || strcmp(drop_key, "InitiatorName") != 0)
		ps_key(&k, "InitiatorName", PS_INITIATOR_NAME);
	ps_key(&k, "SessionType", "Normal");
	if (drop_key == NULL || strcmp(drop_key, "TargetName") != 0)
		ps_key(&k, "TargetName", c->cfg->t1.iqn);
	bool chap = c->cfg->chap_user[0] != '\0';
	ps_key(&k, "AuthMethod", chap ? "CHAP" : "None");
	struct ipdu_tx tx;
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, !chap, &k);
	if (tweak != NULL)
		tweak(tx.bhs);
	if (pw_send(&s->w, &tx, tweak != NULL || drop_key != NULL ? PW_BROKEN : PW_CLEAN) != 0)
		return ps_fail(c, "the connection closed during login"), -1;
	return ps_expect(c, s, ISCSI_OP_LOGIN_RSP, p) ? 0 : -1;
}

static enum ps_verdict want_class2(struct ps_ctx *c, void (*tweak)(uint8_t *), const char *drop, uint16_t exact,
	const char *what)
{
	struct ps_sess *s;
	struct pw_pdu p;
	if (first_request(c, &s, tweak, drop, &p) != 0)
		return PS_FAIL;
	uint16_t st = status_of(&p);
	if (st >> 8 != 2)
		return ps_fail(c, "%s: status 0x%04x, want class 2 (initiator error)%s", what, st,
			exact ? "" : "");
	if (exact != 0 && st != exact)
		return ps_pass(c, "%s: status 0x%04x (class 2; 0x%04x names it best)", what, st, exact);
	return ps_pass(c, "%s: status 0x%04x", what, st);
}

static void tw_version_unsupported(uint8_t *b) { b[PDU_LOGIN_VERSION_MAX] = b[PDU_LOGIN_VERSION_MIN] = 0x7f; }
static void tw_t_and_c(uint8_t *b) { b[PDU_FLAGS] |= ISCSI_LOGIN_TRANSIT | ISCSI_LOGIN_CONTINUE | STAGE_OP; }
static void tw_csg_reserved(uint8_t *b) { b[PDU_FLAGS] = (uint8_t)(2u << ISCSI_LOGIN_CSG_SHIFT); }
static void tw_nsg_back(uint8_t *b)
{
	b[PDU_FLAGS] = (uint8_t)(ISCSI_LOGIN_TRANSIT | (STAGE_OP << ISCSI_LOGIN_CSG_SHIFT) | STAGE_SEC);
}
static void tw_isid_reserved(uint8_t *b) { b[PDU_LOGIN_ISID] = 0xc0; }
static void tw_tsih_unknown(uint8_t *b) { put_be16(b + PDU_LOGIN_TSIH, 0xbeef); }

static enum ps_verdict version_unsupported(struct ps_ctx *c)
{
	struct ps_sess *s;
	struct pw_pdu p;
	if (first_request(c, &s, tw_version_unsupported, NULL, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) != ISCSI_LOGIN_UNSUPPORTED_VERSION)
		return ps_fail(c, "versions 0x7f..0x7f: status 0x%04x, want 0x0205 (unsupported version)", status_of(&p));
	return ps_pass(c, "0x0205");
}

static void tw_version_range(uint8_t *b) { b[PDU_LOGIN_VERSION_MAX] = 0x20; }
static enum ps_verdict version_range(struct ps_ctx *c)
{
	struct ps_sess *s;
	struct pw_pdu p;
	if (first_request(c, &s, tw_version_range, NULL, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) != 0)
		return ps_fail(c, "versions 0..0x20: status 0x%04x; version 0 is in the range", status_of(&p));
	if (p.bhs[PDU_LOGIN_VERSION_ACTIVE] != 0)
		return ps_fail(c, "Version-active %u, want 0", p.bhs[PDU_LOGIN_VERSION_ACTIVE]);
	return ps_pass(c, "Version-active 0");
}

/* A request the RFC forbids the initiator to send, where it names no
 * answer for the target (§11.12.2, §11.12.5): a class-2 refusal or a
 * dropped connection PASS; going on as if nothing was wrong is NA (the
 * target declined an optional check), any other answer (success with a
 * malformed response, silence) FAILs. Review in conformance/PROTOCOL.md. */
static enum ps_verdict may_refuse(struct ps_ctx *c, void (*tweak)(uint8_t *), const char *what)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	ps_keys_leading(c, &k);
	bool chap = c->cfg->chap_user[0] != '\0';
	ps_key(&k, "AuthMethod", chap ? "CHAP" : "None");
	struct ipdu_tx tx;
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, !chap, &k);
	tweak(tx.bhs);
	if (pw_send(&s->w, &tx, PW_BROKEN) != 0)
		return ps_fail(c, "the connection closed during login");
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r == PW_CLOSED)
		return ps_pass(c, "%s: the connection was dropped", what);
	if (r != PW_PDU || pdu_opcode(p.bhs) != ISCSI_OP_LOGIN_RSP)
		return ps_fail(c, "%s: %s instead of a Login Response or a drop", what,
			r == PW_PDU ? pdu_opcode_name(pdu_opcode(p.bhs)) : "no answer");
	uint16_t st = status_of(&p);
	if (st >> 8 == 2)
		return ps_pass(c, "%s: status 0x%04x", what, st);
	if (st == 0)
		return ps_na(c, "%s: accepted (status 0); the RFC forbids the request but names no answer", what);
	return ps_fail(c, "%s: status 0x%04x (class %u; an initiator error is class 2)", what, st, st >> 8);
}

static enum ps_verdict t_and_c(struct ps_ctx *c) { return may_refuse(c, tw_t_and_c, "T=1 with C=1"); }
static enum ps_verdict csg_reserved(struct ps_ctx *c) { return want_class2(c, tw_csg_reserved, NULL, 0, "CSG=2"); }
static enum ps_verdict nsg_back(struct ps_ctx *c) { return want_class2(c, tw_nsg_back, NULL, 0, "CSG=OP T=1 NSG=SEC"); }
static enum ps_verdict isid_reserved(struct ps_ctx *c) { return may_refuse(c, tw_isid_reserved, "ISID type 11b"); }
static enum ps_verdict tsih_unknown(struct ps_ctx *c)
{
	return want_class2(c, tw_tsih_unknown, NULL, ISCSI_LOGIN_SESSION_NOT_FOUND, "TSIH of no session");
}
static enum ps_verdict no_initiator_name(struct ps_ctx *c)
{
	return want_class2(c, NULL, "InitiatorName", ISCSI_LOGIN_MISSING_PARAMETER, "no InitiatorName");
}
static enum ps_verdict no_target_name(struct ps_ctx *c)
{
	return want_class2(c, NULL, "TargetName", ISCSI_LOGIN_MISSING_PARAMETER, "Normal session without TargetName");
}

static enum ps_verdict unknown_target(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	ps_key(&k, "InitiatorName", PS_INITIATOR_NAME);
	ps_key(&k, "SessionType", "Normal");
	ps_key(&k, "TargetName", "iqn.2026-12.org.iscsi-sim:no-such-target");
	ps_key(&k, "AuthMethod", "None,CHAP");
	struct ipdu_tx tx;
	struct pw_pdu p;
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, false, &k);
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0 || !ps_expect(c, s, ISCSI_OP_LOGIN_RSP, &p))
		return PS_FAIL;
	if (status_of(&p) >> 8 != 2 && status_of(&p) >> 8 != 1)
		return ps_fail(c, "unknown TargetName: status 0x%04x, want 0x0203 (not found) or a redirection", status_of(&p));
	return ps_pass(c, "status 0x%04x", status_of(&p));
}

/* §11.13.3: with status class 0, T must not be 1 when the request had T=0. */
static enum ps_verdict t0_stays(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	bool leading;
	if (s == NULL || security(c, s, &leading) != 0)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	op_keys(&k, NULL);
	struct pw_pdu p;
	if (op_request(c, s, leading, &k, false, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) != 0)
		return ps_fail(c, "status 0x%04x to a plain operational request", status_of(&p));
	if (pdu_flags(p.bhs) & ISCSI_LOGIN_TRANSIT)
		return ps_fail(c, "the target set T=1 in answer to T=0");
	/* And the login can still finish. */
	ps_keys_reset(&k);
	if (op_request(c, s, false, &k, true, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) != 0 || !(pdu_flags(p.bhs) & ISCSI_LOGIN_TRANSIT))
		return ps_fail(c, "the login did not finish after T=0 then T=1 (status 0x%04x)", status_of(&p));
	return ps_pass(c, "T=0 answered with T=0, then full feature phase");
}

/* §6.2: a key offered twice in one request, and renegotiated later. */
static enum ps_verdict key_twice(struct ps_ctx *c)
{
	struct ps_keys k;
	ps_keys_reset(&k);
	op_keys(&k, NULL);
	ps_key(&k, "MaxBurstLength", "131072");
	struct pw_pdu p;
	struct ps_sess *s;
	if (negotiate(c, &k, &p, &s) != 0)
		return PS_FAIL;
	if (status_of(&p) >> 8 != 2)
		return ps_fail(c, "MaxBurstLength twice in one request: status 0x%04x, want a class-2 refusal", status_of(&p));
	return ps_pass(c, "status 0x%04x", status_of(&p));
}

static enum ps_verdict key_renegotiated(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	bool leading;
	if (s == NULL || security(c, s, &leading) != 0)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	op_keys(&k, NULL);
	struct pw_pdu p;
	if (op_request(c, s, leading, &k, false, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) != 0)
		return ps_fail(c, "status 0x%04x to a plain operational request", status_of(&p));
	ps_keys_reset(&k);
	ps_key(&k, "MaxBurstLength", "131072");
	if (op_request(c, s, false, &k, true, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) >> 8 != 2)
		return ps_fail(c, "MaxBurstLength renegotiated: status 0x%04x, want a class-2 refusal", status_of(&p));
	return ps_pass(c, "status 0x%04x", status_of(&p));
}

/* §11.12.2, §6.1: keys split over a C=1 PDU and its continuation. */
static enum ps_verdict c_bit(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	bool leading;
	if (s == NULL || security(c, s, &leading) != 0)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	if (leading)
		ps_keys_leading(c, &k);
	op_keys(&k, NULL);
	/* Split inside a key=value pair: the text is one text across PDUs. */
	size_t half = k.len / 2;
	struct ipdu_tx tx;
	ps_login_pdu(s, &tx, STAGE_OP, STAGE_FFP, false, NULL);
	tx.bhs[PDU_FLAGS] |= ISCSI_LOGIN_CONTINUE;
	ipdu_tx_seal(&tx, k.buf, (uint32_t)half, false, false);
	struct pw_pdu p;
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0 || !ps_expect(c, s, ISCSI_OP_LOGIN_RSP, &p))
		return PS_FAIL;
	if (status_of(&p) != 0 || p.dsl != 0 || (pdu_flags(p.bhs) & ISCSI_LOGIN_TRANSIT))
		return ps_fail(c, "C=1 answered with status 0x%04x, %u data bytes, T=%d: want an empty response (§11.13)",
			status_of(&p), p.dsl, (pdu_flags(p.bhs) & ISCSI_LOGIN_TRANSIT) != 0);
	ps_login_pdu(s, &tx, STAGE_OP, STAGE_FFP, true, NULL);
	ipdu_tx_seal(&tx, k.buf + half, (uint32_t)(k.len - half), false, false);
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0 || !ps_expect(c, s, ISCSI_OP_LOGIN_RSP, &p))
		return PS_FAIL;
	char v[32];
	if (status_of(&p) != 0 || !ps_get(&p, "MaxBurstLength", v, sizeof(v)))
		return ps_fail(c, "the continued text was not answered as one (status 0x%04x)", status_of(&p));
	return ps_pass(c, "answered as one text");
}

/* §6.3.5: a new login with the same ISID and TSIH 0 reinstates the session. */
static enum ps_verdict reinstatement(struct ps_ctx *c)
{
	struct ps_sess *a = ps_open(c);
	if (a == NULL)
		return PS_FAIL;
	struct ps_sess *b = ps_connect(c, false);
	if (b == NULL)
		return PS_FAIL;
	memcpy(b->isid, a->isid, 6);
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	if (ps_login(c, b, &cfg) != 0)
		return PS_FAIL;
	if (b->tsih == a->tsih)
		return ps_fail(c, "the reinstated session kept TSIH %u", a->tsih);
	if (!ps_wait_closed(c, a, PS_RECV_TIMEOUT_NS))
		return ps_fail(c, "the old session's connection stayed open after reinstatement");
	return ps_pass(c, "TSIH %u -> %u, the old connection closed", a->tsih, b->tsih);
}

/* §6.3: a target that requires authentication refuses a login that skips it. */
static enum ps_verdict skip_security(struct ps_ctx *c)
{
	if (c->cfg->chap_user[0] == '\0')
		return ps_na(c, "no CHAP credentials given: nothing says the target requires authentication");
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	op_keys(&k, NULL);
	struct pw_pdu p;
	if (op_request(c, s, true, &k, true, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) >> 8 != 2)
		return ps_fail(c, "security stage skipped: status 0x%04x, want class 2 (0x0201)", status_of(&p));
	return ps_pass(c, "status 0x%04x", status_of(&p));
}

static enum ps_verdict chap_wrong_secret(struct ps_ctx *c)
{
	if (c->cfg->chap_user[0] == '\0')
		return ps_na(c, "no CHAP credentials given");
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	cfg.chap_secret = "not-the-secret-at-all";
	cfg.target_user = NULL;
	if (ps_login(c, s, &cfg) == 0)
		return ps_fail(c, "a wrong CHAP secret was accepted");
	if (s->login_status != ISCSI_LOGIN_AUTH_FAILED)
		return ps_fail(c, "wrong secret: status 0x%04x, want 0x0201 (authentication failure)", s->login_status);
	return ps_pass(c, "0x0201");
}

static enum ps_verdict chap_none_refused(struct ps_ctx *c)
{
	if (c->cfg->chap_user[0] == '\0')
		return ps_na(c, "no CHAP credentials given");
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	cfg.chap_user = NULL;
	cfg.target_user = NULL;
	if (ps_login(c, s, &cfg) == 0)
		return ps_fail(c, "AuthMethod=None reached full feature phase on a target that requires CHAP");
	/* The MUST is that nobody gets in unauthenticated (§12.1). A target
	 * that closes the connection instead of answering (LIO, istgt) keeps
	 * it, though a Login Response with 0x0201 (§11.13.5) would tell the
	 * initiator why. */
	if (s->login_status == 0)
		return ps_pass(c, "refused by closing the connection, without a Login Response");
	if (s->login_status >> 8 != 2)
		return ps_fail(c, "AuthMethod=None: status 0x%04x, want class 2", s->login_status);
	return ps_pass(c, "status 0x%04x", s->login_status);
}

static enum ps_verdict chap_mutual(struct ps_ctx *c)
{
	if (c->cfg->mutual_user[0] == '\0')
		return ps_na(c, "no mutual CHAP credentials given");
	return ps_open(c) != NULL ? ps_pass(c, "the target proved its secret") : PS_FAIL;
}

const struct ps_test ps_tests_login[] = {
	{ "login.basic", "6.3", PS_MUST, "a plain login reaches full feature phase with a TSIH", basic },
	{ "login.version-range", "11.12.4", PS_MUST, "versions 0..0x20 settle on Version-active 0", version_range },
	{ "login.version-unsupported", "11.13.5", PS_MUST, "no common version: status 0x0205", version_unsupported },
	{ "login.t-and-c", "11.12.2", PS_MAY, "T and C both set: refused (class 2) or dropped; NA if accepted", t_and_c },
	{ "login.csg-reserved", "11.12.3", PS_MUST, "CSG 2 (reserved) is refused (class 2)", csg_reserved },
	{ "login.nsg-backwards", "6.3", PS_MUST, "a transit to an earlier stage is refused", nsg_back },
	{ "login.t0-no-transit", "11.13.3", PS_MUST, "a target does not set T=1 when the request had T=0", t0_stays },
	{ "login.isid-reserved", "11.12.5", PS_MAY, "ISID type 11b (reserved): refused or dropped; NA if accepted", isid_reserved },
	{ "login.tsih-unknown", "6.3.1", PS_MUST, "a TSIH naming no session is refused (0x020a)", tsih_unknown },
	{ "login.no-initiator-name", "13.5", PS_MUST, "a first request without InitiatorName is refused", no_initiator_name },
	{ "login.no-target-name", "13.4", PS_MUST, "a Normal session without TargetName is refused", no_target_name },
	{ "login.unknown-target", "11.13.5", PS_MUST, "an unknown TargetName is refused (0x0203)", unknown_target },
	{ "login.key-twice", "6.2", PS_MUST, "a key offered twice in a request fails the login", key_twice },
	{ "login.key-renegotiated", "6.2", PS_MUST, "a key offered again later in the login fails it", key_renegotiated },
	{ "login.c-bit", "6.1", PS_MUST, "keys continued over a C=1 PDU: empty answer, then one text", c_bit },
	{ "login.reinstatement", "6.3.5", PS_MUST, "same ISID, TSIH 0: new session, old connection closed", reinstatement },
	{ "login.skip-security", "6.3", PS_MUST, "a login skipping required authentication is refused", skip_security },
	{ "login.chap-wrong-secret", "12.1.3", PS_MUST, "a wrong CHAP response: 0x0201", chap_wrong_secret },
	{ "login.chap-none-refused", "12.1", PS_MUST, "AuthMethod=None where CHAP is required is refused", chap_none_refused },
	{ "login.chap-mutual", "12.1.3", PS_MUST, "mutual CHAP: the target proves its secret", chap_mutual },
	{ "neg.maxburstlength-min", "13.13", PS_MUST, "MaxBurstLength: result Minimum", neg_mbl_min },
	{ "neg.maxburstlength-hex", "6.1", PS_MUST, "a numeric value in hex (0x2000) is understood", neg_mbl_hex },
	{ "neg.maxburstlength-low", "6.2", PS_MUST, "MaxBurstLength=100 (below 512): Reject", neg_mbl_low },
	{ "neg.maxburstlength-junk", "6.2", PS_MUST, "MaxBurstLength=lots: Reject", neg_mbl_junk },
	{ "neg.maxburstlength-huge", "6.2", PS_MUST, "MaxBurstLength above 2^24-1: Reject", neg_mbl_huge },
	{ "neg.maxoutstandingr2t", "13.17", PS_MUST, "MaxOutstandingR2T=1: answered 1", neg_r2t_min },
	{ "neg.maxoutstandingr2t-zero", "13.17", PS_MUST, "MaxOutstandingR2T=0 (range 1..65535): Reject", neg_r2t_zero },
	{ "neg.erl-zero", "13.20", PS_MUST, "ErrorRecoveryLevel=0: answered 0", neg_erl_min },
	{ "neg.erl-two", "13.20", PS_MUST, "ErrorRecoveryLevel=2: result Minimum", neg_erl_two },
	{ "neg.maxconnections", "13.2", PS_MUST, "MaxConnections=1: answered 1", neg_maxconn },
	{ "neg.time2wait-max", "13.15", PS_MUST, "DefaultTime2Wait=3600: result Maximum", neg_t2w_max },
	{ "neg.time2retain-min", "13.16", PS_MUST, "DefaultTime2Retain=0: result Minimum", neg_t2r_min },
	{ "neg.initialr2t-or", "13.10", PS_MUST, "InitialR2T=Yes: Yes (result OR; the answer is optional)", neg_initr2t_or },
	{ "neg.immediatedata-and", "13.11", PS_MUST, "ImmediateData=No: No (result AND; the answer is optional)", neg_immdata_and },
	{ "neg.boolean-junk", "6.2", PS_MUST, "InitialR2T=Maybe: Reject", neg_bool_junk },
	{ "neg.datapduinorder-or", "13.18", PS_MUST, "DataPDUInOrder=Yes: Yes (result OR; optional answer)", neg_pduorder_or },
	{ "neg.datasequenceinorder-or", "13.19", PS_MUST, "DataSequenceInOrder=Yes: Yes (result OR; optional answer)", neg_seqorder_or },
	{ "neg.digest-none", "13.1", PS_MUST, "HeaderDigest=None: answered None", neg_digest_none },
	{ "neg.digest-list", "6.2.1", PS_MUST, "DataDigest=CRC32C,None: one value from the list", neg_digest_list },
	{ "neg.digest-unknown-value", "6.2.1", PS_MUST, "HeaderDigest=SHA999,None: the known None", neg_digest_unknown },
	{ "neg.x-key-notunderstood", "6.2", PS_MUST, "an unknown X- key: NotUnderstood", neg_unknown_key },
	{ "neg.key-notunderstood", "6.2", PS_MUST, "an unknown key: NotUnderstood", neg_unknown_std },
	{ "neg.maxburstlength-512", "13.13", PS_MUST, "MaxBurstLength=512 (the range's floor): answered 512", neg_mbl_512 },
	{ "neg.maxburstlength-top", "13.13", PS_MUST, "MaxBurstLength=2^24-1 (the ceiling): result Minimum", neg_mbl_top },
	{ "neg.maxburstlength-negative", "6.2", PS_MUST, "MaxBurstLength=-4096: Reject", neg_mbl_negative },
	{ "neg.maxburstlength-empty", "6.2", PS_MUST, "MaxBurstLength= (no value): Reject", neg_mbl_empty },
	{ "neg.firstburstlength-min", "13.14", PS_MUST, "FirstBurstLength=4096: result Minimum", neg_fbl_min },
	{ "neg.firstburstlength-low", "6.2", PS_MUST, "FirstBurstLength=100 (below 512): Reject", neg_fbl_low },
	{ "neg.mrdsl-low", "13.12", PS_MUST, "MaxRecvDataSegmentLength=100 (below 512): Reject", neg_mrdsl_low },
	{ "neg.mrdsl-huge", "13.12", PS_MUST, "MaxRecvDataSegmentLength=2^24 (above 2^24-1): Reject", neg_mrdsl_huge },
	{ "neg.maxoutstandingr2t-four", "13.17", PS_MUST, "MaxOutstandingR2T=4: result Minimum, 1..4", neg_r2t_four },
	{ "neg.maxoutstandingr2t-top", "13.17", PS_MUST, "MaxOutstandingR2T=65535: result Minimum", neg_r2t_top },
	{ "neg.maxoutstandingr2t-over", "13.17", PS_MUST, "MaxOutstandingR2T=65536: Reject", neg_r2t_over },
	{ "neg.maxconnections-zero", "13.2", PS_MUST, "MaxConnections=0 (range 1..65535): Reject", neg_maxconn_zero },
	{ "neg.maxconnections-top", "13.2", PS_MUST, "MaxConnections=65535: result Minimum", neg_maxconn_top },
	{ "neg.maxconnections-over", "13.2", PS_MUST, "MaxConnections=65536: Reject", neg_maxconn_over },
	{ "neg.erl-one", "13.20", PS_MUST, "ErrorRecoveryLevel=1: result Minimum, 0..1", neg_erl_one },
	{ "neg.erl-three", "13.20", PS_MUST, "ErrorRecoveryLevel=3 (range 0..2): Reject", neg_erl_three },
	{ "neg.erl-junk", "6.2", PS_MUST, "ErrorRecoveryLevel=zero: Reject", neg_erl_junk },
	{ "neg.time2wait-zero", "13.15", PS_MUST, "DefaultTime2Wait=0: result Maximum", neg_t2w_zero },
	{ "neg.time2wait-over", "13.15", PS_MUST, "DefaultTime2Wait=3601 (range 0..3600): Reject", neg_t2w_over },
	{ "neg.time2retain-mid", "13.16", PS_MUST, "DefaultTime2Retain=20: result Minimum, 0..20", neg_t2r_mid },
	{ "neg.time2retain-over", "13.16", PS_MUST, "DefaultTime2Retain=3601 (range 0..3600): Reject", neg_t2r_over },
	{ "neg.initialr2t-no", "13.10", PS_MUST, "InitialR2T=No: Yes or No (result OR)", neg_initr2t_no },
	{ "neg.immediatedata-yes", "13.11", PS_MUST, "ImmediateData=Yes: Yes or No (result AND)", neg_immdata_yes },
	{ "neg.immediatedata-junk", "6.2", PS_MUST, "ImmediateData=maybe: Reject", neg_immdata_junk },
	{ "neg.datapduinorder-no", "13.18", PS_MUST, "DataPDUInOrder=No: Yes or No (result OR)", neg_pduorder_no },
	{ "neg.datasequenceinorder-no", "13.19", PS_MUST, "DataSequenceInOrder=No: Yes or No (result OR)", neg_seqorder_no },
	{ "neg.datapduinorder-junk", "6.2", PS_MUST, "DataPDUInOrder=2: Reject", neg_pduorder_junk },
	{ "neg.headerdigest-crc32c", "13.1", PS_MUST, "HeaderDigest=CRC32C alone: CRC32C, or Reject (None not offered)", neg_hdigest_crc },
	{ "neg.datadigest-none-first", "6.2.1", PS_MUST, "DataDigest=None,CRC32C: a value from the list", neg_ddigest_none_first },
	{ "neg.digest-only-unknown", "6.2.1", PS_MUST, "HeaderDigest=SHA999 alone: Reject (no value it knows)", neg_digest_only_unknown },
	{ "neg.x-hash-key", "13.22", PS_MUST, "an unregistered X# key: NotUnderstood", neg_x_hash_key },
	{ "neg.ifmarker-obsolete", "13.25", PS_SHOULD, "IFMarker=Yes (obsolete): Reject (SHOULD) or No (MAY)", neg_ifmarker },
	{ "neg.ofmarker-obsolete", "13.25", PS_SHOULD, "OFMarker=Yes (obsolete): Reject (SHOULD) or No (MAY)", neg_ofmarker },
	{ "neg.ifmarkint-obsolete", "13.25", PS_MUST, "IFMarkInt=2048 (obsolete): Reject", neg_ifmarkint },
	{ "neg.ofmarkint-obsolete", "13.25", PS_MUST, "OFMarkInt=2048 (obsolete): Reject", neg_ofmarkint },
	{ "neg.taskreporting", "13.23", PS_MUST, "TaskReporting=RFC3720: RFC3720 (or NotUnderstood, pre-7143)", neg_taskreporting },
	{ "neg.protocollevel", "7144:4.1", PS_MUST, "iSCSIProtocolLevel=1: 0 or 1 (or NotUnderstood)", neg_protocollevel },
};
const unsigned ps_tests_login_n = sizeof(ps_tests_login) / sizeof(ps_tests_login[0]);
