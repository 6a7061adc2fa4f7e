/* harness text: key=value text (core/text, RFC 7143 §6.1), its value
 * encodings (core/codec), every negotiation rule of the login's
 * operational stage (core/param, §6.2, §13) and Text Requests in full
 * feature phase with C-bit continuation and TTT fetches (core/textreq,
 * §11.10, §11.11), with SendTargets (core/discovery).
 *
 * Input: an option byte, two configuration bytes (fz_cfg), then records,
 * each one Text Request: a flags byte (0x80 F, 0x40 C; bits 1..0 how the
 * TTT is chosen: reserved, the last one the target gave, raw, the last
 * plus one; bit 2 a new ITT), a raw TTT when asked for, a 16-bit length
 * and the data.
 *
 * Oracles:
 *  - every pair text_next returns lies inside the data, has a valid key
 *    of at most 63 bytes and ends in NUL (§6.1);
 *  - every value that decodes as a binary constant re-encodes (hex and
 *    base64) and decodes back to the same bytes; numbers round-trip too;
 *  - login-phase negotiation of each whole message (the C=1 records and
 *    the C=0 one glued, as a login does) answers in well-formed text and
 *    leaves every result inside the RFC range of its key (§13);
 *  - every Text Response is a PDU our decoder accepts and fz_wire passes
 *    (F/C/TTT rules, at most the initiator's MaxRecvDataSegmentLength,
 *    whole answers well-formed);
 *  - a rejected request leaves no state behind (the exchange is gone:
 *    the SPDK "C bit with no data" class cannot loop);
 *  - text buffers stay under their maximum and are all freed.
 */
#include <string.h>

#include "core/codec.h"
#include "core/param.h"
#include "core/pdu.h"
#include "core/text.h"
#include "core/textreq.h"
#include "fz.h"
#include "fz_cfg.h"
#include "fz_env.h"
#include "fz_wire.h"

#define OPT_DISCOVERY 0x01u /* SessionType=Discovery */
#define OPT_LEADING 0x02u   /* the login is a leading one (TSIH 0) */
#define OPT_MRDSL_SMALL 0x04u /* the initiator declared 512: answers split */

#define REC_F 0x80u
#define REC_C 0x40u
#define REC_NEW_ITT 0x04u
enum { TTT_RESERVED = 0, TTT_LAST, TTT_RAW, TTT_NEXT };

/* Room for one logical message across C=1 records. */
static uint8_t message[RT_TEXT_MAX];

/* §6.1: the pair lies inside the text, key valid and short, NUL after. */
static void check_pair(const struct text_iter *it, const struct text_pair *p)
{
	const char *base = (const char *)it->data;
	FZ_CHECK(p->key >= base && p->value >= p->key + p->key_len + 1, "pair outside the text");
	FZ_CHECK((size_t)(p->value - base) + p->value_len < it->len, "value runs past the text");
	FZ_CHECK(p->value[p->value_len] == '\0' && p->key[p->key_len] == '=', "pair not key=value NUL");
	FZ_CHECK(p->key_len >= 1 && p->key_len <= ISCSI_KEY_NAME_MAX, "key of %u bytes", p->key_len);
	FZ_CHECK(text_key_valid(p->key, p->key_len), "invalid key accepted");
}

/* Binary values round-trip through both encodings; numbers through hex. */
static void check_codec(const struct text_pair *p)
{
	static uint8_t bin[ISCSI_VALUE_LARGE_MAX], again[ISCSI_VALUE_LARGE_MAX];
	static char enc[2 * ISCSI_VALUE_LARGE_MAX + 8];
	size_t n, m;
	if (codec_decode_binary(p->value, p->value_len, bin, sizeof(bin), &n) == CODEC_OK) {
		FZ_CHECK(n <= sizeof(bin), "decoded %zu bytes into %zu", n, sizeof(bin));
		size_t e = codec_encode_hex(bin, n, enc, sizeof(enc));
		FZ_CHECK(e > 0 && codec_decode_binary(enc, e, again, sizeof(again), &m) == CODEC_OK && m == n &&
				 memcmp(bin, again, n) == 0,
			 "hex round trip of %zu bytes", n);
		e = codec_encode_base64(bin, n, enc, sizeof(enc));
		FZ_CHECK(e > 0 && codec_decode_binary(enc, e, again, sizeof(again), &m) == CODEC_OK && m == n &&
				 memcmp(bin, again, n) == 0,
			 "base64 round trip of %zu bytes", n);
	}
	uint64_t v, w;
	if (codec_parse_number(p->value, p->value_len, &v) == CODEC_OK) {
		uint8_t be[8];
		for (int i = 0; i < 8; i++)
			be[i] = (uint8_t)(v >> (56 - 8 * i));
		size_t e = codec_encode_hex(be, 8, enc, sizeof(enc));
		FZ_CHECK(codec_parse_number(enc, e, &w) == CODEC_OK && w == v, "number round trip %llu",
			 (unsigned long long)v);
	}
}

/* §13: a negotiated number stays in its key's range. */
static void check_range(enum param_id id, uint32_t v)
{
	const struct param_def *d = param_def(id);
	FZ_CHECK(v >= d->min && v <= d->max, "%s = %u outside %u..%u", d->name, v, d->min, d->max);
}

static void check_results(const struct iscsi_params *r)
{
	check_range(P_MAX_CONNECTIONS, r->max_connections);
	check_range(P_MAX_RECV_DSL, r->max_xmit_dsl);
	check_range(P_MAX_BURST, r->max_burst_length);
	check_range(P_FIRST_BURST, r->first_burst_length);
	check_range(P_TIME2WAIT, r->default_time2wait);
	check_range(P_TIME2RETAIN, r->default_time2retain);
	check_range(P_MAX_R2T, r->max_outstanding_r2t);
	check_range(P_ERL, r->error_recovery_level);
}

/* Parse one logical message and negotiate it as the operational stage of
 * a login would (keys the login owns itself are skipped). */
static void negotiate(struct fz_env *z, const struct rt_params_cfg *ours, unsigned opt, const uint8_t *msg,
		      uint32_t len)
{
	struct param_neg n;
	struct text_buf out;
	struct text_iter it;
	struct text_pair p;
	enum text_err e;
	uint64_t seen = 0;
	bool failed = false;
	param_neg_init(&n, ours, opt & OPT_DISCOVERY, opt & OPT_LEADING);
	text_buf_init(&out, fz_rt_env(z), RT_TEXT_MAX);
	text_iter_init(&it, msg, len);
	while ((e = text_next(&it, &p)) == TEXT_OK) {
		check_pair(&it, &p);
		check_codec(&p);
		enum param_id id;
		const struct param_def *d = param_find(&p, &id);
		if (d == NULL || d->rule == RULE_OWNED || failed)
			continue;
		seen |= 1ull << id;
		failed = param_answer(&n, id, &p, &out) != PARAM_OK;
	}
	if (!failed && param_end_message(&n, &out) == PARAM_OK && param_offer(&n, seen, &out) >= 0 &&
	    param_declare(&n, &out) == PARAM_OK)
		check_results(&n.res);
	FZ_CHECK(out.len <= RT_TEXT_MAX, "answer of %u bytes", out.len);
	struct text_iter ans;
	text_iter_init(&ans, out.p, out.len);
	ans.max_pairs = RT_TEXT_KEYS_MAX + P_COUNT; /* an answer per key asked, and our offers */
	while ((e = text_next(&ans, &p)) == TEXT_OK)
		check_pair(&ans, &p);
	FZ_CHECK(e == TEXT_END, "our own answer does not parse (%d)", e);
	text_buf_fini(&out);
}

/* Text Request sequence against textreq, answers checked on the wire. */
struct conv {
	struct textreq t;
	struct iscsi_params params;
	struct login_result res;
	struct fz_wire wire;
	uint32_t stat_sn;
	uint32_t last_ttt;
	uint32_t itt;
};

static void conv_request(struct conv *v, uint8_t flags, uint32_t ttt, const uint8_t *data, uint32_t len)
{
	struct pdu req = {.data = data, .data_len = len};
	struct pdu resp;
	pdu_init(req.bhs, ISCSI_OP_TEXT_REQ, flags & (REC_F | REC_C));
	pdu_set_w(req.bhs, PDU_ITT, v->itt);
	pdu_set_w(req.bhs, PDU_TEXT_TTT, ttt);
	pdu_set_dsl(req.bhs, len);
	if (ttt == ISCSI_TAG_RESERVED)
		v->wire.text_len = 0; /* a new exchange: any unfinished answer is abandoned */
	if (textreq_rx(&v->t, &req, &resp) == TEXTREQ_REJECT) {
		FZ_CHECK(v->t.state == TEXTREQ_IDLE && v->t.in.len == 0 && v->t.out.len == 0,
			 "state %d, %u/%u bytes kept after a Reject", v->t.state, v->t.in.len, v->t.out.len);
		uint8_t r = v->t.reject_reason;
		FZ_CHECK(r == ISCSI_REJECT_PROTOCOL_ERROR || r == ISCSI_REJECT_INVALID_PDU_FIELD ||
				 r == ISCSI_REJECT_OUT_OF_RESOURCES,
			 "Reject reason 0x%02x", r);
		v->wire.text_len = 0;
		return;
	}
	FZ_CHECK(pdu_dsl(resp.bhs) == resp.data_len, "DSL %u for %u bytes", pdu_dsl(resp.bhs), resp.data_len);
	FZ_CHECK(pdu_itt(resp.bhs) == v->itt, "ITT not echoed");
	v->wire.mrdsl = v->params.max_xmit_dsl; /* the request may have redeclared it */
	if (pdu_w(resp.bhs, PDU_TEXT_TTT) != ISCSI_TAG_RESERVED)
		v->last_ttt = pdu_w(resp.bhs, PDU_TEXT_TTT);
	/* The connection stamps StatSN; the checker wants it in order. */
	pdu_set_w(resp.bhs, PDU_TGT_STATSN, v->stat_sn++);
	static uint8_t wirebuf[FZ_FRAME_MAX(0, ISCSI_MRDSL_MAX)];
	size_t n = fz_frame(wirebuf, resp.bhs, NULL, 0, resp.data, resp.data_len, false, false);
	fz_wire_bytes(&v->wire, wirebuf, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env z;
	static struct fz_cfg cfg;
	static struct conv v;
	static bool ready;
	if (!ready) { /* the checker's buffers live as long as the process */
		fz_wire_init(&v.wire, ISCSI_MRDSL_MAX, NULL, NULL);
		ready = true;
	}
	struct fz_in in;
	fz_in_init(&in, data, size);
	unsigned opt = fz_u8(&in);
	fz_cfg_init(&cfg, &in);
	fz_env_init(&z, NULL, 0); /* no disk: no LU is reached from here */
	z.live_max = 4u * RT_TEXT_MAX; /* two buffers in textreq, one answer, one spare */

	memset(&v.t, 0, sizeof(v.t));
	memset(&v.params, 0, sizeof(v.params));
	memset(&v.res, 0, sizeof(v.res));
	v.stat_sn = 0;
	v.last_ttt = 0;
	v.params.max_xmit_dsl = (opt & OPT_MRDSL_SMALL) ? ISCSI_MRDSL_MIN : ISCSI_MRDSL_DEFAULT;
	v.params.max_recv_dsl = cfg.cfg.params.max_recv_data_segment_length;
	v.res.discovery = opt & OPT_DISCOVERY;
	v.res.target = v.res.discovery ? UINT32_MAX : FZ_T_OPEN;
	strcpy(v.res.initiator_name, FZ_INITIATOR);
	textreq_init(&v.t, fz_rt_env(&z), &cfg.cfg, &v.res, &v.params);
	fz_wire_reset(&v.wire, v.params.max_xmit_dsl);
	v.itt = 1;

	uint32_t mlen = 0;
	while (!fz_done(&in)) {
		uint8_t flags = fz_u8(&in);
		uint32_t ttt;
		switch (flags & 3u) {
		case TTT_RESERVED: ttt = ISCSI_TAG_RESERVED; break;
		case TTT_LAST: ttt = v.last_ttt; break;
		case TTT_RAW: ttt = fz_u32(&in); break;
		default: ttt = v.last_ttt + 1; break;
		}
		if (flags & REC_NEW_ITT)
			v.itt++;
		size_t len;
		const uint8_t *p = fz_bytes(&in, fz_u16(&in), &len);
		conv_request(&v, flags, ttt, p, (uint32_t)len);
		/* The same bytes as login text: C=1 pieces glue into one message. */
		if (mlen + len > sizeof(message))
			mlen = 0;
		memcpy(message + mlen, p, len);
		mlen += (uint32_t)len;
		if (!(flags & REC_C)) {
			negotiate(&z, &cfg.cfg.params, opt, message, mlen);
			mlen = 0;
		}
	}
	if (mlen > 0)
		negotiate(&z, &cfg.cfg.params, opt, message, mlen);
	textreq_fini(&v.t);
	fz_env_fini(&z);
	return 0;
}
