/* host/psuite_auth: protocol tests of the security stage and the first
 * login PDUs (RFC 7143 §6.2.1, §6.3, §11.12-§11.13, §12.1.3, §13.21):
 * AuthMethod lists, CHAP with each algorithm (5/6/7/8), malformed CHAP
 * (short and oversize responses, unknown names, a reflected challenge,
 * an identifier out of range), PDUs other than Login Requests during
 * login, connection reinstatement and two sessions of one initiator.
 * CHAP tests are NA without --chap (and the mutual ones without --mutual).
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"
#include "sim/initiator/chap.h"

#define STAGE_SEC ISCSI_STAGE_SECURITY
#define STAGE_OP ISCSI_STAGE_OPERATIONAL
#define CHAP_HEX_MAX (2 * 1024 + 8) /* a CHAP_C of up to 1024 bytes in hex */

static uint16_t status_of(const struct pw_pdu *p) { return get_be16(p->bhs + PDU_LOGIN_STATUS); }

static bool no_chap(const struct ps_ctx *c) { return c->cfg->chap_user[0] == '\0'; }

/* Send one security-stage request with k; the answer in *p. */
static int sec_request(struct ps_ctx *c, struct ps_sess *s, const struct ps_keys *k, bool transit, enum pw_mark mark,
	struct pw_pdu *p)
{
	struct ipdu_tx tx;
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, transit, k);
	if (pw_send(&s->w, &tx, mark) != 0)
		return ps_fail(c, "the connection closed during login"), -1;
	return ps_expect(c, s, ISCSI_OP_LOGIN_RSP, p) ? 0 : -1;
}

/* AuthMethod=CHAP, then CHAP_A=alg: the target's CHAP_I and CHAP_C.
 * 1 when the target declined alg (CHAP_A=Reject or a refusal), 0 with
 * the challenge, -1 on a failure (detail). */
static int chap_start(struct ps_ctx *c, struct ps_sess *s, const char *alg, uint32_t *ident, uint8_t *chal,
	long *clen, char *chal_text, size_t chal_cap)
{
	struct ps_keys k;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_keys_leading(c, &k);
	ps_key(&k, "AuthMethod", "CHAP");
	if (sec_request(c, s, &k, false, PW_CLEAN, &p) != 0)
		return -1;
	if (status_of(&p) != 0) {
		ps_fail(c, "AuthMethod=CHAP refused with 0x%04x", status_of(&p));
		return -1;
	}
	ps_keys_reset(&k);
	ps_key(&k, "CHAP_A", alg);
	if (sec_request(c, s, &k, false, PW_CLEAN, &p) != 0)
		return -1;
	char a[32], id[8];
	if (status_of(&p) >> 8 == 2 || (ps_get(&p, "CHAP_A", a, sizeof(a)) && strcmp(a, "Reject") == 0))
		return 1;
	if (status_of(&p) != 0 || !ps_get(&p, "CHAP_I", id, sizeof(id)) || !ps_get(&p, "CHAP_C", chal_text, chal_cap) ||
		!ikeys_parse_u32(id, 0, 255, ident) || (*clen = ichap_decode(chal_text, chal, 1024)) <= 0) {
		ps_fail(c, "CHAP_A=%s: no usable CHAP_A/CHAP_I/CHAP_C (status 0x%04x)", alg, status_of(&p));
		return -1;
	}
	if (!ps_get(&p, "CHAP_A", a, sizeof(a)) || strcmp(a, alg) != 0) {
		ps_fail(c, "CHAP_A=%s answered CHAP_A=%s (§12.1.3: one of the offered algorithms)", alg, a);
		return -1;
	}
	return 0;
}

/* One CHAP algorithm end to end (§12.1.3; 6, 7, 8 from the IANA registry). */
static enum ps_verdict chap_alg(struct ps_ctx *c, uint32_t alg)
{
	if (no_chap(c))
		return ps_na(c, "no CHAP credentials given");
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	char name[8], text[CHAP_HEX_MAX], hex[2 * ICHAP_DIGEST_MAX + 8];
	uint8_t chal[1024], rsp[ICHAP_DIGEST_MAX];
	uint32_t ident;
	long clen;
	snprintf(name, sizeof(name), "%u", alg);
	int r = chap_start(c, s, name, &ident, chal, &clen, text, sizeof(text));
	if (r < 0)
		return PS_FAIL;
	if (r > 0)
		return ps_na(c, "the target declined CHAP_A=%u", alg);
	ichap_response(alg, (uint8_t)ident, c->cfg->chap_secret, chal, (size_t)clen, rsp);
	ichap_encode_hex(rsp, ichap_digest_len(alg), hex);
	struct ps_keys k;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_key(&k, "CHAP_N", c->cfg->chap_user);
	ps_key(&k, "CHAP_R", hex);
	if (sec_request(c, s, &k, true, PW_CLEAN, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) != 0)
		return ps_fail(c, "CHAP_A=%u: a correct %zu-byte response refused with 0x%04x", alg, ichap_digest_len(alg),
			status_of(&p));
	return ps_pass(c, "CHAP_A=%u accepted", alg);
}
static enum ps_verdict chap_sha1(struct ps_ctx *c) { return chap_alg(c, ICHAP_SHA1); }
static enum ps_verdict chap_sha256(struct ps_ctx *c) { return chap_alg(c, ICHAP_SHA256); }
static enum ps_verdict chap_sha3(struct ps_ctx *c) { return chap_alg(c, ICHAP_SHA3_256); }
static enum ps_verdict chap_md5(struct ps_ctx *c) { return chap_alg(c, ICHAP_MD5); }

enum chap_break { CB_SHORT, CB_LONG, CB_UNKNOWN_USER, CB_NO_RESPONSE, CB_REFLECT, CB_BAD_ID, CB_UNKNOWN_ALG };

/* A CHAP exchange broken one way; the target must refuse (class 2, or
 * drop the connection). */
static enum ps_verdict chap_broken(struct ps_ctx *c, enum chap_break how)
{
	if (no_chap(c))
		return ps_na(c, "no CHAP credentials given");
	if ((how == CB_REFLECT || how == CB_BAD_ID) && c->cfg->mutual_user[0] == '\0')
		return ps_na(c, "no mutual CHAP credentials given");
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	char text[CHAP_HEX_MAX], hex[CHAP_HEX_MAX];
	uint8_t chal[1024], rsp[ICHAP_DIGEST_MAX];
	uint32_t ident;
	long clen;
	int r = chap_start(c, s, how == CB_UNKNOWN_ALG ? "99" : "5", &ident, chal, &clen, text, sizeof(text));
	if (how == CB_UNKNOWN_ALG) {
		if (r == 1)
			return ps_pass(c, "CHAP_A=99 alone: declined");
		return r < 0 ? PS_FAIL : ps_fail(c, "CHAP_A=99 (unknown) was accepted with a challenge");
	}
	if (r != 0)
		return r < 0 ? PS_FAIL : ps_fail(c, "the target declined CHAP_A=5 (MD5 is mandatory, §12.1.3)");
	ichap_response(ICHAP_MD5, (uint8_t)ident, c->cfg->chap_secret, chal, (size_t)clen, rsp);
	ichap_encode_hex(rsp, 16, hex);
	struct ps_keys k;
	ps_keys_reset(&k);
	const char *what = "?";
	switch (how) {
	case CB_SHORT:
		hex[2 + 16] = '\0'; /* 8 of 16 bytes */
		what = "an 8-byte CHAP_R for MD5";
		break;
	case CB_LONG:
		hex[0] = '0';
		hex[1] = 'x';
		for (size_t i = 2; i < 2 + 2 * 600; i++)
			hex[i] = "0123456789abcdef"[i % 16];
		hex[2 + 2 * 600] = '\0';
		what = "a 600-byte CHAP_R";
		break;
	case CB_UNKNOWN_USER:
		what = "CHAP_N of an unknown user";
		break;
	case CB_NO_RESPONSE:
		what = "T=1 without CHAP_N/CHAP_R";
		break;
	case CB_REFLECT:
		what = "our challenge equal to the target's (reflection)";
		break;
	case CB_BAD_ID:
		what = "CHAP_I=256 (range 0..255)";
		break;
	case CB_UNKNOWN_ALG:
		break;
	}
	if (how != CB_NO_RESPONSE) {
		ps_key(&k, "CHAP_N", how == CB_UNKNOWN_USER ? "no-such-user-iscsi-sim" : c->cfg->chap_user);
		ps_key(&k, "CHAP_R", hex);
	}
	if (how == CB_REFLECT) {
		char id[8];
		snprintf(id, sizeof(id), "%u", ident);
		ps_key(&k, "CHAP_I", id);
		ps_key(&k, "CHAP_C", text);
	} else if (how == CB_BAD_ID) {
		ps_key(&k, "CHAP_I", "256");
		ps_key(&k, "CHAP_C", "0x0123456789abcdef0123456789abcdef");
	}
	struct ipdu_tx tx;
	struct pw_pdu p;
	ps_login_pdu(s, &tx, STAGE_SEC, STAGE_OP, true, &k);
	if (pw_send(&s->w, &tx, PW_BROKEN) != 0)
		return ps_pass(c, "%s: the connection was dropped", what);
	enum pw_rx rx = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (rx == PW_CLOSED)
		return ps_pass(c, "%s: the connection was dropped", what);
	if (rx != PW_PDU || pdu_opcode(p.bhs) != ISCSI_OP_LOGIN_RSP)
		return ps_fail(c, "%s: no Login Response", what);
	if (status_of(&p) >> 8 != 2)
		return ps_fail(c, "%s: status 0x%04x, want a class-2 refusal (0x0201)", what, status_of(&p));
	return ps_pass(c, "%s: status 0x%04x", what, status_of(&p));
}
static enum ps_verdict chap_short(struct ps_ctx *c) { return chap_broken(c, CB_SHORT); }
static enum ps_verdict chap_long(struct ps_ctx *c) { return chap_broken(c, CB_LONG); }
static enum ps_verdict chap_unknown_user(struct ps_ctx *c) { return chap_broken(c, CB_UNKNOWN_USER); }
static enum ps_verdict chap_no_response(struct ps_ctx *c) { return chap_broken(c, CB_NO_RESPONSE); }
static enum ps_verdict chap_reflect(struct ps_ctx *c) { return chap_broken(c, CB_REFLECT); }
static enum ps_verdict chap_bad_id(struct ps_ctx *c) { return chap_broken(c, CB_BAD_ID); }
static enum ps_verdict chap_unknown_alg(struct ps_ctx *c) { return chap_broken(c, CB_UNKNOWN_ALG); }

/* ---- AuthMethod and the first request ---- */

static enum ps_verdict first_keys(struct ps_ctx *c, const char *key, const char *value, bool want_value,
	const char *allowed)
{
	if (!no_chap(c) && strcmp(key, "AuthMethod") == 0)
		return ps_na(c, "CHAP configured: the open-access answer is not expected");
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct ps_keys k;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_key(&k, "InitiatorName", PS_INITIATOR_NAME);
	ps_key(&k, "SessionType", strcmp(key, "SessionType") == 0 ? value : "Normal");
	ps_key(&k, "TargetName", c->cfg->t1.iqn);
	if (strcmp(key, "SessionType") != 0)
		ps_key(&k, key, value);
	if (sec_request(c, s, &k, false, want_value ? PW_CLEAN : PW_BROKEN, &p) != 0)
		return PS_FAIL;
	uint16_t st = status_of(&p);
	char v[128];
	bool have = ps_get(&p, key, v, sizeof(v));
	if (want_value) {
		char list[160], one[140];
		snprintf(list, sizeof(list), ",%s,", allowed);
		snprintf(one, sizeof(one), ",%s,", have ? v : "");
		if (st != 0 || !have || strstr(list, one) == NULL)
			return ps_fail(c, "%s=%s: status 0x%04x, answer %s (want one of %s)", key, value, st,
				have ? v : "(none)", allowed);
		return ps_pass(c, "%s=%s -> %s", key, value, v);
	}
	if (st >> 8 == 2 || (st == 0 && have && strcmp(v, "Reject") == 0))
		return ps_pass(c, "%s=%s: %s", key, value, st ? "refused (class 2)" : "Reject");
	return ps_fail(c, "%s=%s: status 0x%04x, answer %s (want Reject or a class-2 refusal)", key, value, st,
		have ? v : "(none)");
}
static enum ps_verdict authmethod_list(struct ps_ctx *c)
{
	return first_keys(c, "AuthMethod", "KRB5,SRP,None", true, "None,KRB5,SRP");
}
static enum ps_verdict authmethod_unknown(struct ps_ctx *c) { return first_keys(c, "AuthMethod", "Bogus", false, ""); }
static enum ps_verdict sessiontype_bogus(struct ps_ctx *c) { return first_keys(c, "SessionType", "Bogus", false, ""); }

/* §11.13: the response carries the request's ISID and ITT. */
static enum ps_verdict echo_isid_itt(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct ps_keys k;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_keys_leading(c, &k);
	ps_key(&k, "AuthMethod", no_chap(c) ? "None" : "CHAP");
	if (sec_request(c, s, &k, false, PW_CLEAN, &p) != 0)
		return PS_FAIL;
	if (memcmp(p.bhs + PDU_LOGIN_ISID, s->isid, 6) != 0 || pdu_itt(p.bhs) != s->itt)
		return ps_fail(c, "Login Response ISID/ITT differ from the request's (ITT 0x%08x, sent 0x%08x)",
			pdu_itt(p.bhs), s->itt);
	return ps_pass(c, "ISID and ITT echoed");
}

/* A PDU other than a Login Request while the login is not done. */
static enum ps_verdict not_login(struct ps_ctx *c, bool after_first)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	struct pw_pdu p;
	if (after_first) {
		struct ps_keys k;
		ps_keys_reset(&k);
		ps_keys_leading(c, &k);
		ps_key(&k, "AuthMethod", no_chap(c) ? "None" : "CHAP");
		if (sec_request(c, s, &k, false, PW_CLEAN, &p) != 0)
			return PS_FAIL;
	}
	struct ipdu_tx tx;
	uint8_t op = after_first ? ISCSI_OP_SCSI_CMD : ISCSI_OP_NOP_OUT;
	ps_pdu(s, &tx, op, !after_first, ISCSI_FLAG_FINAL | (after_first ? 1 : 0), ps_itt(s));
	if (op == ISCSI_OP_NOP_OUT)
		pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	if (ps_send(c, s, &tx, NULL, 0, PW_BROKEN) != 0)
		return ps_pass(c, "the connection was dropped");
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	const char *what = after_first ? "a SCSI Command in the security stage" : "a NOP-Out as the first PDU";
	if (r == PW_CLOSED || r == PW_GARBLED)
		return ps_pass(c, "%s: the connection was dropped", what);
	if (r == PW_TIMEOUT)
		return ps_fail(c, "%s: ignored, the connection left open (§6.3: only Login Requests until FFP)", what);
	uint8_t rop = pdu_opcode(p.bhs);
	if (rop == ISCSI_OP_REJECT || (rop == ISCSI_OP_LOGIN_RSP && status_of(&p) >> 8 == 2))
		return ps_pass(c, "%s: %s", what, rop == ISCSI_OP_REJECT ? "Reject" : "login refused");
	return ps_fail(c, "%s: answered with %s", what, pdu_opcode_name(rop));
}
static enum ps_verdict nop_first(struct ps_ctx *c) { return not_login(c, false); }
static enum ps_verdict scsi_in_login(struct ps_ctx *c) { return not_login(c, true); }

/* §6.3.4 (connection reinstatement): the same ISID, TSIH and CID on a new
 * connection replace the old connection. */
static enum ps_verdict cid_reinstatement(struct ps_ctx *c)
{
	struct ps_sess *a = ps_open(c);
	if (a == NULL)
		return PS_FAIL;
	struct ps_sess *b = ps_connect(c, false);
	if (b == NULL)
		return PS_FAIL;
	memcpy(b->isid, a->isid, 6);
	b->tsih = a->tsih;
	b->cid = a->cid;
	b->cmdsn = a->cmdsn;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	if (ps_login(c, b, &cfg) != 0) {
		if (b->login_status >> 8 == 2)
			return ps_na(c, "connection reinstatement refused (0x%04x)", b->login_status);
		return PS_FAIL;
	}
	if (!ps_wait_closed(c, a, PS_RECV_TIMEOUT_NS))
		return ps_fail(c, "two connections with CID %u in one session: the old one stayed open", a->cid);
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	if (ps_scsi_run(c, b, &cmd) != 0)
		return PS_FAIL;
	return ps_pass(c, "the old connection closed, the new one works");
}

/* Two sessions of one initiator (two ISIDs, two I_T nexuses), both usable. */
static enum ps_verdict two_sessions(struct ps_ctx *c)
{
	struct ps_sess *a = ps_open(c), *b = a ? ps_open(c) : NULL;
	if (a == NULL || b == NULL)
		return PS_FAIL;
	if (a->tsih == b->tsih)
		return ps_fail(c, "two sessions with the same TSIH %u", a->tsih);
	struct ps_scsi cmd;
	for (int i = 0; i < 2; i++) {
		ps_cdb_tur(&cmd);
		if (ps_scsi_run(c, i ? b : a, &cmd) != 0)
			return PS_FAIL;
	}
	if (a->w.closed)
		return ps_fail(c, "the first session's connection closed when the second logged in");
	return ps_pass(c, "TSIH %u and %u both answer", a->tsih, b->tsih);
}

const struct ps_test ps_tests_auth[] = {
	{ "login.echo-isid-itt", "11.13", PS_MUST, "a Login Response carries the request's ISID and ITT", echo_isid_itt },
	{ "login.authmethod-list", "6.2.1", PS_MUST, "AuthMethod=KRB5,SRP,None: a value from the list", authmethod_list },
	{ "login.authmethod-unknown", "6.2", PS_MUST, "AuthMethod=Bogus alone: Reject or a class-2 refusal", authmethod_unknown },
	{ "login.sessiontype-bogus", "13.21", PS_MUST, "SessionType=Bogus: Reject or a class-2 refusal", sessiontype_bogus },
	{ "login.nop-first", "6.3", PS_MUST, "a NOP-Out before any login: dropped or refused, not answered", nop_first },
	{ "login.scsi-in-login", "6.3", PS_MUST, "a SCSI Command during login: dropped or refused", scsi_in_login },
	{ "login.cid-reinstatement", "6.3.4", PS_MUST, "same ISID, TSIH and CID: the old connection is replaced", cid_reinstatement },
	{ "login.two-sessions", "4.4.1", PS_MUST, "two ISIDs of one initiator: two sessions, both usable", two_sessions },
	{ "chap.md5", "12.1.3", PS_MUST, "CHAP_A=5 (MD5) alone: a correct response is accepted", chap_md5 },
	{ "chap.sha1", "12.1.3", PS_MAY, "CHAP_A=6 (SHA-1): accepted, or declined (NA)", chap_sha1 },
	{ "chap.sha256", "12.1.3", PS_MAY, "CHAP_A=7 (SHA-256): accepted, or declined (NA)", chap_sha256 },
	{ "chap.sha3-256", "12.1.3", PS_MAY, "CHAP_A=8 (SHA3-256): accepted, or declined (NA)", chap_sha3 },
	{ "chap.unknown-alg", "12.1.3", PS_MUST, "CHAP_A=99 alone: CHAP_A=Reject or a refusal", chap_unknown_alg },
	{ "chap.short-response", "12.1.3", PS_MUST, "an 8-byte CHAP_R for MD5: refused (0x0201)", chap_short },
	{ "chap.oversize-response", "12.1.3", PS_MUST, "a 600-byte CHAP_R: refused", chap_long },
	{ "chap.unknown-user", "12.1.3", PS_MUST, "CHAP_N of an unknown user: refused (0x0201)", chap_unknown_user },
	{ "chap.no-response", "12.1.3", PS_MUST, "T=1 without CHAP_N/CHAP_R: refused", chap_no_response },
	{ "chap.reflected-challenge", "12.1.3", PS_MUST, "mutual CHAP_C equal to the target's: refused", chap_reflect },
	{ "chap.identifier-range", "12.1.3", PS_MUST, "mutual CHAP_I=256 (0..255): refused", chap_bad_id },
};
const unsigned ps_tests_auth_n = sizeof(ps_tests_auth) / sizeof(ps_tests_auth[0]);
