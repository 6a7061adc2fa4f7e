/* harness pdu: the incremental PDU receiver (core/rx, RFC 7143 §11.2:
 * BHS, AHS, header digest, data segment, padding, data digest) and the
 * first BHS check (core/pdu).
 *
 * Input: one option byte, a split plan (fz_split), then an initiator byte
 * stream. A model framer in this file walks the stream and says where
 * every PDU's pieces lie and whether its digests match; the receiver is
 * then run twice, once on the whole stream and once fed in the plan's
 * pieces (some through the zero-copy rx_direct_space/commit path), and
 * each run must report exactly the model's PDUs: the same headers, data,
 * lengths and digest verdicts, no matter where the stream was cut. The
 * owner stopping the receiver (as the connection does on a fatal error)
 * must stop it right after that header: nothing more is consumed.
 *
 * Options: bit 0 header digests, bit 1 data digests, bit 2 write correct
 * digests into the stream first (so the fuzzer gets past them), bit 3 the
 * owner discards data segments, bit 4 the owner stops at a header whose
 * opcode byte is 0x3f (a stand-in for "fatal error").
 */
#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"
#include "core/pdu.h"
#include "core/rx.h"
#include "fz.h"
#include "fz_wire.h"

#define OPT_HD 0x01u
#define OPT_DD 0x02u
#define OPT_SEAL 0x04u
#define OPT_DISCARD 0x08u
#define OPT_STOP 0x10u
#define STOP_OPCODE_BYTE 0x3fu

/* Longer inputs are cut here: enough for hundreds of PDUs. */
#define STREAM_MAX (256u * 1024u)
#define MODEL_MAX (STREAM_MAX / ISCSI_BHS_LEN + 1u)

/* Where one PDU lies in the stream, as the model frames it. */
struct mpdu {
	size_t hdr_off;     /* BHS */
	uint32_t ahs_len, dsl;
	size_t data_off;    /* first data byte */
	size_t hdr_end;     /* after BHS, AHS and header digest */
	size_t end;         /* after the whole PDU */
	bool header_whole;  /* the stream holds its whole header */
	bool whole;         /* ... and the whole PDU */
	bool hdr_ok, data_ok;
	bool stops;         /* the owner stops at this header */
};

struct model {
	struct mpdu pdu[MODEL_MAX];
	unsigned n;         /* PDUs whose header is whole */
	size_t consumed;    /* bytes the receiver must consume */
};

static struct model M;
static uint8_t stream[STREAM_MAX];
static uint8_t databuf[ISCSI_DSL_MAX + 1];

/* Frame the stream as RFC 7143 §11.2 lays PDUs out; with seal, first
 * write correct digests. */
static void model_build(uint8_t *s, size_t len, unsigned opt)
{
	bool hd = opt & OPT_HD, dd = opt & OPT_DD;
	size_t off = 0;
	M.n = 0;
	M.consumed = len;
	while (off + ISCSI_BHS_LEN <= len && M.n < MODEL_MAX) {
		struct mpdu *p = &M.pdu[M.n];
		memset(p, 0, sizeof(*p));
		p->hdr_off = off;
		p->ahs_len = pdu_ahs_len(s + off);
		p->dsl = pdu_dsl(s + off);
		size_t hlen = ISCSI_BHS_LEN + p->ahs_len;
		p->hdr_end = off + hlen + (hd ? ISCSI_DIGEST_LEN : 0);
		if (p->hdr_end > len)
			break;
		p->header_whole = true;
		M.n++;
		if (hd) {
			if (opt & OPT_SEAL)
				crc32c_put(s + off + hlen, crc32c(s + off, hlen));
			p->hdr_ok = crc32c_get(s + off + hlen) == crc32c(s + off, hlen);
		} else {
			p->hdr_ok = true;
		}
		p->stops = !p->hdr_ok || ((opt & OPT_STOP) && s[off] == STOP_OPCODE_BYTE);
		if (p->stops) {
			M.consumed = p->hdr_end;
			return;
		}
		p->data_off = p->hdr_end;
		size_t padded = (size_t)p->dsl + pdu_pad(p->dsl);
		bool digest = dd && p->dsl > 0;
		p->end = p->data_off + padded + (digest ? ISCSI_DIGEST_LEN : 0);
		if (p->end > len)
			return;
		p->whole = true;
		p->data_ok = true;
		if (digest) {
			uint8_t *d = s + p->data_off;
			if (opt & OPT_SEAL)
				crc32c_put(d + padded, crc32c(d, padded));
			p->data_ok = crc32c_get(d + padded) == crc32c(d, padded);
		}
		off = p->end;
	}
}

/* One run of the receiver, checked against the model as it goes. */
struct run {
	struct rx rx;
	unsigned opt;
	unsigned headers, pdus;
	const uint8_t *s;
};

static enum rx_verdict run_header(void *owner, struct rx *rx, bool hdr_ok, uint8_t **dst)
{
	struct run *r = owner;
	FZ_CHECK(r->headers == r->pdus && r->headers < M.n, "header %u (model has %u)", r->headers, M.n);
	const struct mpdu *p = &M.pdu[r->headers++];
	FZ_CHECK(rx->ahs_len == p->ahs_len && rx->dsl == p->dsl, "lengths %u/%u, model %u/%u", rx->ahs_len,
		 rx->dsl, p->ahs_len, p->dsl);
	FZ_CHECK(memcmp(rx->hdr, r->s + p->hdr_off, ISCSI_BHS_LEN + p->ahs_len) == 0, "header %u bytes differ",
		 r->headers - 1);
	FZ_CHECK(hdr_ok == p->hdr_ok, "header digest verdict %d, model %d", hdr_ok, p->hdr_ok);
	/* What the connection does first with every header (conn.c). */
	int reason = pdu_check_initiator_bhs(rx->hdr);
	FZ_CHECK(reason == 0 || reason == ISCSI_REJECT_CMD_NOT_SUPPORTED, "check gave %d", reason);
	FZ_CHECK(pdu_opcode_name(pdu_opcode(rx->hdr)) != NULL, "no opcode name");
	if (p->stops)
		return RX_STOP;
	*dst = (r->opt & OPT_DISCARD) ? NULL : databuf;
	return RX_GO;
}

static enum rx_verdict run_pdu(void *owner, struct rx *rx, bool data_ok)
{
	struct run *r = owner;
	FZ_CHECK(r->pdus + 1 == r->headers, "PDU end without its header");
	const struct mpdu *p = &M.pdu[r->pdus++];
	FZ_CHECK(p->whole, "PDU %u ended before the model's end", r->pdus - 1);
	FZ_CHECK(data_ok == p->data_ok, "data digest verdict %d, model %d", data_ok, p->data_ok);
	if (rx->dst != NULL)
		FZ_CHECK(memcmp(rx->dst, r->s + p->data_off, p->dsl) == 0, "data of PDU %u differs", r->pdus - 1);
	return RX_GO;
}

static const struct rx_ops run_ops = {.header = run_header, .pdu = run_pdu};

static void run_init(struct run *r, unsigned opt, const uint8_t *s)
{
	memset(r, 0, sizeof(*r));
	rx_init(&r->rx, &run_ops, r);
	r->rx.header_digest = opt & OPT_HD;
	r->rx.data_digest = opt & OPT_DD;
	r->opt = opt;
	r->s = s;
}

/* Every PDU the model says is whole was delivered; nothing after a stop. */
static void run_end(const struct run *r, size_t consumed)
{
	unsigned whole = 0;
	for (unsigned i = 0; i < M.n; i++)
		whole += M.pdu[i].whole;
	FZ_CHECK(r->pdus == whole && r->headers == M.n, "%u PDUs/%u headers, model %u/%u", r->pdus,
		 r->headers, whole, M.n);
	FZ_CHECK(consumed == M.consumed, "consumed %zu bytes, model %zu", consumed, M.consumed);
}

/* Feed in the plan's pieces, zero-copy ones where the receiver offers
 * room (inside a data segment with a destination). */
static size_t run_split(struct run *r, const uint8_t *s, size_t len, struct fz_split *plan)
{
	size_t off = 0;
	while (off < len && r->rx.state != RX_STOPPED) {
		bool zero_copy;
		size_t take = fz_split_next(plan, len - off, &zero_copy);
		uint8_t *room;
		size_t space = zero_copy ? rx_direct_space(&r->rx, &room) : 0;
		if (space > 0) {
			if (take > space)
				take = space;
			memcpy(room, s + off, take);
			rx_direct_commit(&r->rx, take);
			off += take;
			continue;
		}
		size_t used = rx_feed(&r->rx, s + off, take);
		FZ_CHECK(used == take || r->rx.state == RX_STOPPED, "rx_feed took %zu of %zu", used, take);
		off += used;
	}
	return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	unsigned opt = fz_u8(&in);
	struct fz_split plan;
	fz_split_read(&plan, &in);
	size_t got;
	const uint8_t *rest = fz_bytes(&in, STREAM_MAX, &got);
	memcpy(stream, rest, got);
	model_build(stream, got, opt);

	struct run whole;
	run_init(&whole, opt, stream);
	run_end(&whole, rx_feed(&whole.rx, stream, got));

	struct run split;
	run_init(&split, opt, stream);
	run_end(&split, run_split(&split, stream, got, &plan));
	return 0;
}
