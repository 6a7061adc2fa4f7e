/* harness login: the whole login state machine of one connection
 * (core/login, RFC 7143 §6.3, §11.12, §11.13) with its identity, access
 * and redirect rules, CHAP one-way and mutual in every algorithm (core/
 * chap, §12.1.3: MD5, SHA-1, SHA-256, SHA3-256) with hex and base64
 * values, and operational negotiation (core/param), driven as a sequence
 * of Login Requests.
 *
 * Input: an option byte, two configuration bytes (fz_cfg), then records,
 * each one Login Request: the flags byte as the wire has it (T, C,
 * reserved, CSG, NSG), an extras byte saying which other header fields
 * follow raw (bit 0 TSIH, 1 version-max/min, 2 ISID, 3 CID, 4 CmdSN and
 * ExpStatSN), a 16-bit length and the data. The harness knows the
 * secrets, so in the data "CHAP_R=@H" / "CHAP_R=@B" become the right
 * response to the target's last challenge, in hex or base64, for the
 * algorithm the target chose; "CHAP_R=@W" a wrong one. The fuzzer can
 * thus walk past authentication into the operational stage.
 *
 * Oracles (beyond sanitizers):
 *  - every Login Response passes fz_wire (version, T/C/CSG/NSG, status
 *    class, well-formed text, at most 8192 bytes: §13.12 during login);
 *  - the verdict agrees with the status: REPLY and REPLY_FFP carry
 *    success, REPLY_CLOSE a failure or a redirect; FFP has T=1, NSG=3;
 *  - no session is bound without authentication where the target
 *    requires CHAP, nor for an initiator its ACL does not list, nor on a
 *    redirecting target;
 *  - a mutual CHAP answer from the target is H(id, target secret,
 *    our challenge), computed here with nettle, not with core/chap;
 *  - the negotiated values are inside their RFC ranges, FirstBurstLength
 *    <= MaxBurstLength (§13.14), digests only as configured;
 *  - at most two text buffers live (bounded memory); all freed at the end,
 *    also when the N-th allocation fails (option bit 2).
 */
#include <stdio.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/sha3.h>

#include "core/chap.h"
#include "core/codec.h"
#include "core/login.h"
#include "core/pdu.h"
#include "core/text.h"
#include "fz.h"
#include "fz_cfg.h"
#include "fz_env.h"
#include "fz_wire.h"

#define OPT_CHECK_FAILS 0x01u /* the session named by a TSIH does not exist */
#define OPT_BIND_FAILS 0x02u  /* creating the session fails (out of resources) */
#define OPT_ALLOC_FAILS 0x04u /* the N-th allocation fails, N the next byte */

#define EX_TSIH 0x01u
#define EX_VERSION 0x02u
#define EX_ISID 0x04u
#define EX_CID 0x08u
#define EX_SN 0x10u

#define DATA_MAX (RT_TEXT_MAX + 1024u)
#define FIXUP_RIGHT 'H'
#define FIXUP_BASE64 'B'
#define FIXUP_WRONG 'W'

/* RFC 1994 §4.1 with nettle directly: the oracle must not share code
 * with what it checks. Returns the digest length, 0 for no such alg. */
static size_t oracle_chap(unsigned alg, uint8_t id, const char *secret, const uint8_t *c, size_t clen,
			  uint8_t *out)
{
	size_t slen = strlen(secret);
	switch (alg) {
	case CHAP_ALG_MD5: {
		struct md5_ctx x;
		md5_init(&x);
		md5_update(&x, 1, &id);
		md5_update(&x, slen, (const uint8_t *)secret);
		md5_update(&x, clen, c);
		md5_digest(&x, MD5_DIGEST_SIZE, out);
		return MD5_DIGEST_SIZE;
	}
	case CHAP_ALG_SHA1: {
		struct sha1_ctx x;
		sha1_init(&x);
		sha1_update(&x, 1, &id);
		sha1_update(&x, slen, (const uint8_t *)secret);
		sha1_update(&x, clen, c);
		sha1_digest(&x, SHA1_DIGEST_SIZE, out);
		return SHA1_DIGEST_SIZE;
	}
	case CHAP_ALG_SHA256: {
		struct sha256_ctx x;
		sha256_init(&x);
		sha256_update(&x, 1, &id);
		sha256_update(&x, slen, (const uint8_t *)secret);
		sha256_update(&x, clen, c);
		sha256_digest(&x, SHA256_DIGEST_SIZE, out);
		return SHA256_DIGEST_SIZE;
	}
	case CHAP_ALG_SHA3_256: {
		struct sha3_256_ctx x;
		sha3_256_init(&x);
		sha3_256_update(&x, 1, &id);
		sha3_256_update(&x, slen, (const uint8_t *)secret);
		sha3_256_update(&x, clen, c);
		sha3_256_digest(&x, SHA3_256_DIGEST_SIZE, out);
		return SHA3_256_DIGEST_SIZE;
	}
	default:
		return 0;
	}
}

struct lg {
	struct fz_env z;
	struct fz_cfg cfg;
	struct login login;
	struct login_hooks hooks;
	unsigned opt;
	struct fz_wire wire;
	uint32_t stat_sn;
	/* the target's CHAP challenge (from its last answer) */
	unsigned alg;
	uint8_t id;
	uint8_t chal[RT_CHAP_CHALLENGE_MAX];
	size_t chal_len;
	bool proved;          /* a request carried the right CHAP_R */
	/* the initiator's challenge, for the mutual answer */
	bool asked;
	uint8_t ini_id;
	uint8_t ini_chal[RT_CHAP_CHALLENGE_MAX];
	size_t ini_chal_len;
	bool bound;
	uint8_t data[DATA_MAX];
};

static uint16_t lg_check(void *ctx, const struct login_result *partial)
{
	const struct lg *g = ctx;
	FZ_CHECK(partial->tsih != 0, "check_session for a new session");
	return (g->opt & OPT_CHECK_FAILS) ? ISCSI_LOGIN_SESSION_NOT_FOUND : ISCSI_LOGIN_OK;
}

/* The login is about to succeed: everything it promises must hold now. */
static uint16_t lg_bind(void *ctx, struct login_result *res)
{
	struct lg *g = ctx;
	const struct rt_config *cfg = &g->cfg.cfg;
	const struct iscsi_params *p = &res->params;
	FZ_CHECK(!g->bound, "bind called twice");
	g->bound = true;
	FZ_CHECK(res->initiator_name[0] != '\0' &&
			 text_utf8_valid(res->initiator_name, strlen(res->initiator_name)),
		 "bound without a valid InitiatorName");
	if (res->discovery) {
		FZ_CHECK(res->target == UINT32_MAX, "discovery session bound to target %u", res->target);
	} else {
		FZ_CHECK(res->target < cfg->target_count, "target %u", res->target);
		const struct rt_tpg_cfg *tpg = &cfg->targets[res->target].tpgs[0];
		FZ_CHECK(tpg->redirect == RT_REDIRECT_NONE, "bound on a redirecting target");
		FZ_CHECK(tpg->auth.in.user == NULL || g->proved, "bound to %s without CHAP",
			 cfg->targets[res->target].name);
		if (!tpg->open_access)
			FZ_CHECK(strcmp(res->initiator_name, FZ_ACL_INITIATOR) == 0, "%s passed the ACL",
				 res->initiator_name);
	}
	FZ_CHECK(p->first_burst_length <= p->max_burst_length, "FirstBurstLength %u > MaxBurstLength %u",
		 p->first_burst_length, p->max_burst_length);
	FZ_CHECK(p->max_burst_length >= ISCSI_BURST_MIN && p->max_burst_length <= ISCSI_BURST_MAX,
		 "MaxBurstLength %u", p->max_burst_length);
	FZ_CHECK(p->max_xmit_dsl >= ISCSI_MRDSL_MIN && p->max_xmit_dsl <= ISCSI_MRDSL_MAX, "MRDSL %u",
		 p->max_xmit_dsl);
	FZ_CHECK(p->max_outstanding_r2t >= 1 && p->error_recovery_level <= cfg->params.error_recovery_level,
		 "MaxOutstandingR2T %u ERL %u (offered %u)", p->max_outstanding_r2t, p->error_recovery_level,
		 cfg->params.error_recovery_level);
	FZ_CHECK(!p->header_digest || cfg->params.header_digest, "header digest not configured");
	FZ_CHECK(!p->data_digest || cfg->params.data_digest, "data digest not configured");
	if (g->opt & OPT_BIND_FAILS)
		return ISCSI_LOGIN_OUT_OF_RESOURCES;
	res->tsih = res->tsih ? res->tsih : 1;
	return ISCSI_LOGIN_OK;
}

/* Copy the record's data, replacing "CHAP_R=@X" by a computed response. */
static uint32_t lg_fixup(struct lg *g, const uint8_t *p, size_t len)
{
	static const char token[] = "CHAP_R=@";
	const size_t tlen = sizeof(token) - 1;
	uint32_t n = 0;
	for (size_t i = 0; i < len && n < DATA_MAX;) {
		if (i + tlen < len && memcmp(p + i, token, tlen) == 0 && n + 512 < DATA_MAX) {
			char mode = (char)p[i + tlen];
			uint8_t d[RT_CHAP_DIGEST_MAX];
			size_t dl = oracle_chap(g->alg, g->id, FZ_SECRET, g->chal, g->chal_len, d);
			if (mode == FIXUP_WRONG && dl > 0)
				d[0] ^= 1;
			char enc[2 * RT_CHAP_DIGEST_MAX + 8];
			if (mode == FIXUP_BASE64)
				codec_encode_base64(d, dl, enc, sizeof(enc));
			else
				codec_encode_hex(d, dl, enc, sizeof(enc));
			n += (uint32_t)snprintf((char *)g->data + n, DATA_MAX - n, "CHAP_R=%s", dl ? enc : "");
			i += tlen + 1;
			continue;
		}
		g->data[n++] = p[i++];
	}
	return n;
}

/* Notice what the request proves or asks: a right CHAP_R, a CHAP_I/C. */
static void lg_scan_request(struct lg *g, const uint8_t *data, uint32_t len)
{
	struct text_iter it;
	struct text_pair p;
	text_iter_init(&it, data, len);
	while (text_next(&it, &p) == TEXT_OK) {
		uint8_t buf[RT_CHAP_CHALLENGE_MAX];
		size_t n;
		uint64_t v;
		if (text_key_is(&p, "CHAP_R") &&
		    codec_decode_binary(p.value, p.value_len, buf, sizeof(buf), &n) == CODEC_OK) {
			uint8_t d[RT_CHAP_DIGEST_MAX];
			size_t dl = oracle_chap(g->alg, g->id, FZ_SECRET, g->chal, g->chal_len, d);
			if (dl > 0 && n == dl && memcmp(buf, d, dl) == 0)
				g->proved = true;
		} else if (text_key_is(&p, "CHAP_I") &&
			   codec_parse_number(p.value, p.value_len, &v) == CODEC_OK) {
			g->ini_id = (uint8_t)v;
		} else if (text_key_is(&p, "CHAP_C") &&
			   codec_decode_binary(p.value, p.value_len, g->ini_chal, sizeof(g->ini_chal),
					       &g->ini_chal_len) == CODEC_OK) {
			g->asked = true;
		}
	}
}

/* Learn the target's challenge; check its mutual answer. */
static void lg_scan_answer(struct lg *g, const uint8_t *data, uint32_t len)
{
	struct text_iter it;
	struct text_pair p;
	text_iter_init(&it, data, len);
	while (text_next(&it, &p) == TEXT_OK) {
		uint64_t v;
		if (text_key_is(&p, "CHAP_A") && codec_parse_number(p.value, p.value_len, &v) == CODEC_OK) {
			g->alg = (unsigned)v;
		} else if (text_key_is(&p, "CHAP_I") && codec_parse_number(p.value, p.value_len, &v) == CODEC_OK) {
			g->id = (uint8_t)v;
		} else if (text_key_is(&p, "CHAP_C")) {
			FZ_CHECK(codec_decode_binary(p.value, p.value_len, g->chal, sizeof(g->chal),
						     &g->chal_len) == CODEC_OK,
				 "our CHAP_C does not decode");
		} else if (text_key_is(&p, "CHAP_N")) {
			FZ_CHECK(text_value_is(&p, FZ_TUSER), "mutual CHAP_N is not the target user");
		} else if (text_key_is(&p, "CHAP_R")) {
			uint8_t got[RT_CHAP_CHALLENGE_MAX], want[RT_CHAP_DIGEST_MAX];
			size_t n;
			FZ_CHECK(g->asked, "a CHAP_R nobody asked for");
			size_t dl = oracle_chap(g->alg, g->ini_id, FZ_TSECRET, g->ini_chal, g->ini_chal_len, want);
			FZ_CHECK(codec_decode_binary(p.value, p.value_len, got, sizeof(got), &n) == CODEC_OK &&
					 n == dl && memcmp(got, want, dl) == 0,
				 "the target's mutual CHAP_R is wrong");
		}
	}
}

static void lg_header(struct fz_in *in, uint8_t *bhs, uint32_t itt)
{
	uint8_t flags = fz_u8(in), extras = fz_u8(in);
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, flags);
	memcpy(bhs + PDU_LOGIN_ISID, "\x80\x00\x00\x01\x02\x03", 6);
	pdu_set_w(bhs, PDU_ITT, itt);
	if (extras & EX_VERSION)
		fz_copy(in, bhs + PDU_LOGIN_VERSION_MAX, 2); /* and Version-min */
	if (extras & EX_ISID)
		fz_copy(in, bhs + PDU_LOGIN_ISID, 6);
	if (extras & EX_TSIH)
		fz_copy(in, bhs + PDU_LOGIN_TSIH, 2);
	if (extras & EX_CID)
		fz_copy(in, bhs + PDU_LOGIN_CID, 2);
	if (extras & EX_SN)
		fz_copy(in, bhs + PDU_INI_CMDSN, 8); /* and ExpStatSN */
}

/* One Login Request; false once the login is over. */
static bool lg_request(struct lg *g, struct fz_in *in, uint32_t itt)
{
	struct pdu req, resp;
	lg_header(in, req.bhs, itt);
	size_t len;
	const uint8_t *p = fz_bytes(in, fz_u16(in), &len);
	req.data_len = lg_fixup(g, p, len);
	req.data = g->data;
	req.ahs = NULL;
	req.ahs_len = 0;
	pdu_set_dsl(req.bhs, req.data_len);
	lg_scan_request(g, req.data, req.data_len);

	enum login_verdict v = login_rx(&g->login, &req, &resp);
	uint16_t status = get_be16(resp.bhs + PDU_LOGIN_STATUS);
	FZ_CHECK(pdu_itt(resp.bhs) == itt && memcmp(resp.bhs + PDU_LOGIN_ISID, req.bhs + PDU_LOGIN_ISID, 6) == 0,
		 "ITT or ISID not echoed");
	FZ_CHECK(pdu_dsl(resp.bhs) == resp.data_len, "DSL %u for %u bytes", pdu_dsl(resp.bhs), resp.data_len);
	FZ_CHECK((v == LOGIN_REPLY_CLOSE) == (status != 0), "verdict %d with status 0x%04x", v, status);
	if (v == LOGIN_REPLY_FFP)
		FZ_CHECK(g->bound && (resp.bhs[PDU_FLAGS] & (ISCSI_LOGIN_TRANSIT | ISCSI_LOGIN_STAGE_MASK)) ==
				 (ISCSI_LOGIN_TRANSIT | ISCSI_STAGE_FULL_FEATURE), "FFP without bind, T and NSG 3");
	if (v == LOGIN_REPLY_CLOSE)
		FZ_CHECK(g->login.phase == LOGIN_FAILED, "closing in phase %d", g->login.phase);
	lg_scan_answer(g, resp.data, resp.data_len);
	/* The connection stamps bytes 24..35; the checker wants StatSN in order. */
	pdu_set_w(resp.bhs, PDU_TGT_STATSN, g->stat_sn++);
	static uint8_t wirebuf[FZ_FRAME_MAX(0, ISCSI_MRDSL_DEFAULT)];
	FZ_CHECK(resp.data_len <= ISCSI_MRDSL_DEFAULT, "Login Response of %u bytes", resp.data_len);
	fz_wire_bytes(&g->wire, wirebuf,
		      fz_frame(wirebuf, resp.bhs, NULL, 0, resp.data, resp.data_len, false, false));
	return v == LOGIN_REPLY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lg g;
	static bool ready;
	if (!ready) {
		fz_wire_init(&g.wire, ISCSI_MRDSL_DEFAULT, NULL, NULL);
		ready = true;
	}
	struct fz_in in;
	fz_in_init(&in, data, size);
	g.opt = fz_u8(&in);
	long fail_at = (g.opt & OPT_ALLOC_FAILS) ? fz_u8(&in) : -1;
	fz_cfg_init(&g.cfg, &in);
	fz_env_init(&g.z, NULL, 0);
	g.z.fe.fail_alloc_at = fail_at;
	g.z.live_max = 2u * RT_TEXT_MAX; /* login's two text buffers */
	fz_wire_reset(&g.wire, ISCSI_MRDSL_DEFAULT);
	g.stat_sn = 0;
	g.alg = 0;
	g.chal_len = 0;
	g.proved = g.asked = g.bound = false;
	g.ini_chal_len = 0;
	g.hooks = (struct login_hooks){.check_session = lg_check, .bind = lg_bind};
	login_init(&g.login, fz_rt_env(&g.z), &g.cfg.cfg, 0, &g.hooks, &g);
	for (uint32_t itt = 1; !fz_done(&in) && lg_request(&g, &in, itt); itt++)
		;
	login_fini(&g.login);
	fz_env_fini(&g.z);
	return 0;
}
