/* host/psuite_sess: protocol tests of how sessions begin and end that
 * need a target's configuration or patience: discovery authentication
 * (§12, SendTargets §13.3), a login left half-way and a connection that
 * never logs in (the target's login timeout), the login status classes 1
 * (redirection, §11.13.5, §13.8) and 3 (target error), and the Async
 * Message asking for a logout (§11.9.1), which the suite can only provoke
 * through a command the user gives (--async-trigger, e.g. one that stops
 * the target). Each is NA when the target was not set up for it, and
 * says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/psuite.h"
#include "sim/initiator/chap.h"

#define STAGE_SEC ISCSI_STAGE_SECURITY
#define STAGE_OP ISCSI_STAGE_OPERATIONAL
#define STAGE_FFP ISCSI_STAGE_FULL_FEATURE
#define SESS_LOGIN_ROUNDS 8u     /* request/response pairs of one hand-made login */
#define SESS_STALL_WAIT_NS (20ull * 1000000000ull) /* how long a stalled login may stay open */
#define SESS_ASYNC_WAIT_NS (10ull * 1000000000ull) /* the Async Message after the trigger */
#define SESS_CHAP_HEX_MAX (2 * 1024 + 8)

static uint16_t status_of(const struct pw_pdu *p) { return get_be16(p->bhs + PDU_LOGIN_STATUS); }

/* ---- discovery authentication ---- */

/* Send one login request, the answer in *p; -1 after ps_fail. */
static int exchange(struct ps_ctx *c, struct ps_sess *s, uint8_t csg, uint8_t nsg, bool transit,
	const struct ps_keys *k, struct pw_pdu *p)
{
	struct ipdu_tx tx;
	ps_login_pdu(s, &tx, csg, nsg, transit, k);
	if (pw_send(&s->w, &tx, PW_CLEAN) != 0) {
		ps_fail(c, "the connection closed during login");
		return -1;
	}
	if (!ps_expect(c, s, ISCSI_OP_LOGIN_RSP, p))
		return -1;
	s->exp_statsn = pdu_w(p->bhs, PDU_TGT_STATSN) + 1;
	return 0;
}

static bool at_ffp(const struct pw_pdu *p)
{
	uint8_t f = pdu_flags(p->bhs);
	return (f & ISCSI_LOGIN_TRANSIT) && (f & ISCSI_LOGIN_STAGE_MASK) == STAGE_FFP;
}

/* CHAP (MD5, one-way) in the security stage of s; 0 when the target
 * moved on, -1 after ps_fail, the status in *st when it refused. */
static int chap_exchange(struct ps_ctx *c, struct ps_sess *s, uint16_t *st)
{
	struct ps_keys k;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_key(&k, "CHAP_A", "5");
	if (exchange(c, s, STAGE_SEC, STAGE_OP, false, &k, &p) != 0)
		return -1;
	char id[8], text[SESS_CHAP_HEX_MAX], hex[2 * ICHAP_DIGEST_MAX + 8];
	uint8_t chal[1024], rsp[ICHAP_DIGEST_MAX];
	uint32_t ident;
	long clen;
	if ((*st = status_of(&p)) != 0)
		return 0;
	if (!ps_get(&p, "CHAP_I", id, sizeof(id)) || !ps_get(&p, "CHAP_C", text, sizeof(text)) ||
		!ikeys_parse_u32(id, 0, 255, &ident) || (clen = ichap_decode(text, chal, sizeof(chal))) <= 0) {
		ps_fail(c, "CHAP_A=5: no usable CHAP_I/CHAP_C");
		return -1;
	}
	ichap_response(ICHAP_MD5, (uint8_t)ident, c->cfg->chap_secret, chal, (size_t)clen, rsp);
	ichap_encode_hex(rsp, ichap_digest_len(ICHAP_MD5), hex);
	ps_keys_reset(&k);
	ps_key(&k, "CHAP_N", c->cfg->chap_user);
	ps_key(&k, "CHAP_R", hex);
	if (exchange(c, s, STAGE_SEC, STAGE_OP, true, &k, &p) != 0)
		return -1;
	*st = status_of(&p);
	return 0;
}

/* A discovery session on a new connection, with CHAP or AuthMethod=None.
 * 0 in full feature phase, 1 refused (*st), -1 after ps_fail. */
static int discovery_login(struct ps_ctx *c, bool chap, struct ps_sess **out, uint16_t *st)
{
	struct ps_sess *s = ps_connect(c, false);
	*out = s;
	*st = 0;
	if (s == NULL)
		return -1;
	struct ps_keys k;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_key(&k, "InitiatorName", PS_INITIATOR_NAME);
	ps_key(&k, "SessionType", "Discovery");
	ps_key(&k, "AuthMethod", chap ? "CHAP" : "None");
	if (exchange(c, s, STAGE_SEC, STAGE_OP, !chap, &k, &p) != 0)
		return -1;
	if ((*st = status_of(&p)) != 0)
		return 1;
	if (chap) {
		char v[32];
		if (!ps_get(&p, "AuthMethod", v, sizeof(v)) || strcmp(v, "CHAP") != 0)
			return ps_fail(c, "AuthMethod=CHAP answered %s", ps_get(&p, "AuthMethod", v, sizeof(v)) ? v : "nothing"),
			       -1;
		if (chap_exchange(c, s, st) != 0)
			return -1;
		if (*st != 0)
			return 1;
	}
	ps_keys_reset(&k);
	ps_key(&k, "HeaderDigest", "None");
	ps_key(&k, "DataDigest", "None");
	ps_key(&k, "MaxRecvDataSegmentLength", "8192");
	for (unsigned round = 0; round < SESS_LOGIN_ROUNDS; round++) {
		if (exchange(c, s, STAGE_OP, STAGE_FFP, true, round == 0 ? &k : NULL, &p) != 0)
			return -1;
		if ((*st = status_of(&p)) != 0)
			return 1;
		if (at_ffp(&p)) {
			s->ffp = true;
			s->tsih = get_be16(p.bhs + PDU_LOGIN_TSIH);
			s->exp_cmdsn = pdu_w(p.bhs, PDU_TGT_EXPCMDSN);
			s->max_cmdsn = pdu_w(p.bhs, PDU_TGT_MAXCMDSN);
			return 0;
		}
	}
	ps_fail(c, "the discovery login did not reach full feature phase in %u rounds", SESS_LOGIN_ROUNDS);
	return -1;
}

/* A target requiring authentication for discovery refuses a discovery
 * session without it (0x0201) and answers SendTargets after CHAP (§12:
 * authentication applies to discovery sessions too; §13.3). */
static enum ps_verdict discovery_chap(struct ps_ctx *c)
{
	if (c->cfg->chap_user[0] == '\0')
		return ps_na(c, "no CHAP credentials given");
	struct ps_sess *s;
	uint16_t st;
	int r = discovery_login(c, false, &s, &st);
	if (r < 0)
		return PS_FAIL;
	if (r == 0)
		return ps_na(c, "the target does not require discovery authentication (AuthMethod=None accepted)");
	if (st >> 8 != 2)
		return ps_fail(c, "discovery without authentication: status 0x%04x, want class 2 (0x0201)", st);
	uint16_t refused = st;
	r = discovery_login(c, true, &s, &st);
	if (r < 0)
		return PS_FAIL;
	if (r > 0)
		return ps_fail(c, "discovery with CHAP (MD5) refused with 0x%04x", st);
	uint32_t itt;
	struct pw_pdu p;
	if (ps_send_targets(c, s, "All", &itt, &p) != 0)
		return PS_FAIL;
	if (pdu_itt(p.bhs) != itt || ps_count_key(&p, "TargetName") == 0)
		return ps_fail(c, "SendTargets=All after discovery CHAP: ITT 0x%08x, %u TargetName(s)", pdu_itt(p.bhs),
			ps_count_key(&p, "TargetName"));
	return ps_pass(c, "without credentials 0x%04x%s; with CHAP SendTargets lists %u target(s)", refused,
		refused == ISCSI_LOGIN_AUTH_FAILED ? "" : " (0x0201 names it best)", ps_count_key(&p, "TargetName"));
}

/* ---- login timeouts ---- */

/* Wait for the target to end the connection; NA when it keeps it. */
static enum ps_verdict ended(struct ps_ctx *c, struct ps_sess *s, uint64_t t0, const char *what)
{
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, SESS_STALL_WAIT_NS, &p);
	double secs = (double)(pw_now_ns() - t0) / 1e9;
	if (r == PW_CLOSED)
		return ps_pass(c, "%s: the target closed the connection after %.1f s", what, secs);
	if (r == PW_TIMEOUT)
		return ps_na(c, "%s: the connection still open after %.0f s (no login timeout, or a longer one)", what,
			secs);
	char d[256];
	if (r == PW_PDU)
		pw_describe(p.bhs, p.dsl, d, sizeof(d));
	return ps_fail(c, "%s: %s instead of silence or a close", what, r == PW_PDU ? d : "a garbled byte stream");
}

static enum ps_verdict timeout_prelogin(struct ps_ctx *c)
{
	uint64_t t0 = pw_now_ns();
	struct ps_sess *s = ps_connect(c, false);
	return s == NULL ? PS_FAIL : ended(c, s, t0, "no Login Request sent");
}

static enum ps_verdict timeout_half(struct ps_ctx *c)
{
	uint64_t t0 = pw_now_ns();
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	/* The first request, T=0: the target answers and waits for more. */
	struct ps_keys k;
	struct pw_pdu p;
	ps_keys_reset(&k);
	ps_keys_leading(c, &k);
	ps_key(&k, "AuthMethod", c->cfg->chap_user[0] ? "CHAP" : "None");
	if (exchange(c, s, STAGE_SEC, STAGE_OP, false, &k, &p) != 0)
		return PS_FAIL;
	if (status_of(&p) != 0)
		return ps_fail(c, "the first login request refused with 0x%04x", status_of(&p));
	return ended(c, s, t0, "a login left after its first exchange");
}

/* ---- status classes 1 and 3 ---- */

/* The first request of a login to the URL's target; its answer in *p. */
static int first_login(struct ps_ctx *c, uint8_t isid_last, struct ps_sess **out, struct pw_pdu *p)
{
	struct ps_sess *s = ps_connect(c, false);
	*out = s;
	if (s == NULL)
		return -1;
	s->isid[5] = isid_last;
	struct ps_keys k;
	ps_keys_reset(&k);
	ps_keys_leading(c, &k);
	ps_key(&k, "AuthMethod", c->cfg->chap_user[0] ? "CHAP,None" : "None");
	return exchange(c, s, STAGE_SEC, STAGE_OP, c->cfg->chap_user[0] == '\0', &k, p);
}

/* A redirection (class 1) names where to go: TargetAddress (§11.13.5,
 * §13.8), and the target closes the connection after it. */
static enum ps_verdict redirect(struct ps_ctx *c)
{
	struct ps_sess *s;
	struct pw_pdu p;
	if (first_login(c, 0, &s, &p) != 0)
		return PS_FAIL;
	uint16_t st = status_of(&p);
	if (st >> 8 != 1)
		return ps_na(c, "the target did not redirect (status 0x%04x); redirection is its choice", st);
	if (st != ISCSI_LOGIN_REDIRECT_TEMP && st != ISCSI_LOGIN_REDIRECT_PERM)
		return ps_fail(c, "status 0x%04x: class 1 details are 0x0101 (temporary) and 0x0102 (permanent)", st);
	char addr[256];
	if (!ps_get(&p, "TargetAddress", addr, sizeof(addr)) || addr[0] == '\0')
		return ps_fail(c, "redirection 0x%04x without a TargetAddress (§13.8)", st);
	if (!s->w.closed && !ps_wait_closed(c, s, PS_RECV_TIMEOUT_NS))
		return ps_fail(c, "redirection 0x%04x: the connection stayed open", st);
	return ps_pass(c, "0x%04x to %s, connection closed", st, addr);
}

/* Sessions of one initiator until the target refuses one: a refusal for
 * lack of resources is class 3 (0x0302, §11.13.5), and the connection
 * ends. NA when PS_SESS_MAX sessions were all accepted. */
static enum ps_verdict target_error(struct ps_ctx *c)
{
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	for (unsigned i = 0; i < PS_SESS_MAX; i++) {
		struct ps_sess *s = ps_connect(c, false);
		if (s == NULL)
			return PS_FAIL;
		s->isid[5] = (uint8_t)i; /* a new session each: the ISIDs differ (§4.4.3) */
		if (ps_login(c, s, &cfg) == 0)
			continue;
		uint16_t st = s->login_status;
		if (st == 0)
			return PS_FAIL;
		if (st >> 8 != 3)
			return ps_fail(c, "session %u of one initiator refused with 0x%04x: a new session is no initiator "
					  "error; a limit of the target's is class 3 (0x0302)", i + 1, st);
		if (!s->w.closed && !ps_wait_closed(c, s, PS_RECV_TIMEOUT_NS))
			return ps_fail(c, "status 0x%04x: the connection stayed open", st);
		return ps_pass(c, "session %u refused with 0x%04x, connection closed", i + 1, st);
	}
	return ps_na(c, "%u sessions of one initiator accepted: no target-error (class 3) condition reached "
			"(give the target a session quota below %u to test it)", PS_SESS_MAX, PS_SESS_MAX);
}

/* ---- Async Message ---- */

/* The user's trigger (--async-trigger) makes the target ask for a
 * logout: an Async Message, AsyncEvent 1, ITT reserved, Parameter3 the
 * seconds to log out in (§11.9.1); a logout then is answered. */
static enum ps_verdict async_logout(struct ps_ctx *c)
{
	if (c->cfg->async_trigger == NULL)
		return ps_na(c, "no --async-trigger command given: the suite cannot make a target send an Async Message");
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	int rc = system(c->cfg->async_trigger);
	if (rc != 0)
		return ps_fail(c, "--async-trigger '%s' exited with %d", c->cfg->async_trigger, rc);
	uint64_t end = pw_now_ns() + SESS_ASYNC_WAIT_NS;
	struct pw_pdu p;
	for (;;) {
		uint64_t now = pw_now_ns();
		if (now >= end)
			return ps_na(c, "no Async Message within %llu s of the trigger",
				(unsigned long long)(SESS_ASYNC_WAIT_NS / 1000000000ull));
		/* pw_recv, not ps_recv: ps_recv passes Async Messages over. */
		enum pw_rx r = pw_recv(&s->w, end - now, &p);
		if (r == PW_CLOSED)
			return ps_na(c, "the target closed the connection without an Async Message");
		if (r != PW_PDU)
			continue;
		if (pdu_opcode(p.bhs) == ISCSI_OP_ASYNC)
			break;
	}
	s->exp_statsn = pdu_w(p.bhs, PDU_TGT_STATSN) + 1;
	uint8_t event = p.bhs[PDU_ASYNC_EVENT];
	if (!(pdu_flags(p.bhs) & ISCSI_FLAG_FINAL) || pdu_itt(p.bhs) != ISCSI_TAG_RESERVED)
		return ps_fail(c, "Async Message F=%d ITT 0x%08x: want F=1, ITT 0xffffffff (§11.9)",
			(pdu_flags(p.bhs) & ISCSI_FLAG_FINAL) != 0, pdu_itt(p.bhs));
	if (event != ISCSI_ASYNC_LOGOUT_REQUEST)
		return ps_pass(c, "Async Message, AsyncEvent %u (not a logout request: not checked further)", event);
	uint16_t secs = get_be16(p.bhs + PDU_ASYNC_PARAMETER3);
	if (ps_logout(c, s) != 0) {
		char why[PS_DETAIL_MAX / 2];
		memcpy(why, c->detail, sizeof(why) - 1);
		why[sizeof(why) - 1] = '\0';
		return ps_fail(c, "AsyncEvent 1 (logout requested in %u s): our logout was not answered: %s", secs, why);
	}
	return ps_pass(c, "AsyncEvent 1, Parameter3 %u s; the logout was answered", secs);
}

const struct ps_test ps_tests_sess[] = {
	{ "text.sendtargets-discovery-chap", "12", PS_MAY,
		"discovery requiring CHAP: refused without it, SendTargets answered with it", discovery_chap },
	{ "login.timeout-prelogin", "6.3", PS_MAY, "a connection that sends no Login Request is closed", timeout_prelogin },
	{ "login.timeout-half", "6.3", PS_MAY, "a login left after its first exchange is closed", timeout_half },
	{ "login.redirect", "11.13.5", PS_MUST, "a redirection (class 1) names TargetAddress and closes", redirect },
	{ "login.target-error", "11.13.5", PS_MUST, "a session over the target's limit: class 3, then closed",
		target_error },
	{ "async.logout-request", "11.9.1", PS_MUST, "an Async Message asking for logout: format, then logout answered",
		async_logout },
};
const unsigned ps_tests_sess_n = sizeof(ps_tests_sess) / sizeof(ps_tests_sess[0]);
