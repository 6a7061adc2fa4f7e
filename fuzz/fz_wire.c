/* fz_wire: see fz_wire.h. RFC 7143 §11 for the per-opcode rules. */
#include "fz_wire.h"

#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"
#include "core/param.h"
#include "core/pdu.h"
#include "core/text.h"
#include "ref_target/tests/fake_env.h"

size_t fz_frame(uint8_t *out, const uint8_t *bhs, const uint8_t *ahs, uint32_t ahs_len,
		const void *data, uint32_t len, bool hd, bool dd)
{
	size_t n = ISCSI_BHS_LEN;
	memcpy(out, bhs, ISCSI_BHS_LEN);
	out[PDU_TOTAL_AHS_LEN] = (uint8_t)(ahs_len / 4);
	pdu_set_dsl(out, len);
	if (ahs_len > 0)
		memcpy(out + n, ahs, ahs_len);
	n += ahs_len;
	if (hd) {
		crc32c_put(out + n, crc32c(out, n));
		n += ISCSI_DIGEST_LEN;
	}
	if (len == 0)
		return n;
	size_t d0 = n;
	memcpy(out + n, data, len);
	n += len;
	memset(out + n, 0, pdu_pad(len));
	n += pdu_pad(len);
	if (dd) {
		crc32c_put(out + n, crc32c(out + d0, n - d0));
		n += ISCSI_DIGEST_LEN;
	}
	return n;
}

/* ---- feeding ---- */

void fz_split_read(struct fz_split *s, struct fz_in *in)
{
	fz_copy(in, s->plan, FZ_PLAN_LEN);
	s->next = 0;
}

size_t fz_split_next(struct fz_split *s, size_t left, bool *zero_copy)
{
	uint8_t b = s->plan[s->next++ % FZ_PLAN_LEN];
	unsigned v = b & 0x7fu;
	size_t n = v == 0 ? left : v < 64 ? v : (size_t)(v - 63) * 128;
	*zero_copy = b & 0x80u;
	return n < left ? n : left;
}

void fz_feed(struct rt_engine *eng, rt_conn_id c, const uint8_t *p, size_t n, struct fz_split *s)
{
	size_t off = 0;
	while (off < n) {
		bool zero_copy;
		size_t take = fz_split_next(s, n - off, &zero_copy);
		if (zero_copy) {
			void *room;
			size_t space = rt_rx_space(eng, c, &room);
			if (space == 0)
				return; /* the connection is gone */
			if (take > space)
				take = space;
			memcpy(room, p + off, take);
			rt_rx_commit(eng, c, take);
		} else {
			rt_on_bytes(eng, c, p + off, take);
		}
		off += take;
	}
}

/* ---- the target's answers ---- */

static bool is_status_pdu(const uint8_t *bhs)
{
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_SCSI_RSP:
	case ISCSI_OP_TMF_RSP:
	case ISCSI_OP_LOGIN_RSP:
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_REJECT:
	case ISCSI_OP_ASYNC:
		return true;
	case ISCSI_OP_NOP_IN: /* §11.19.3: only a reply to a ping advances StatSN */
		return pdu_itt(bhs) != ISCSI_TAG_RESERVED;
	case ISCSI_OP_DATA_IN:
		return (pdu_flags(bhs) & ISCSI_DATAIN_STATUS) != 0;
	default:
		return false;
	}
}

/* §6.1: every key=value of a Login or Text answer parses and is named well. */
static void check_text(const uint8_t *p, uint32_t len)
{
	struct text_iter it;
	struct text_pair kv;
	enum text_err e;
	text_iter_init(&it, p, len);
	it.max_pairs = RT_TEXT_KEYS_MAX + P_COUNT; /* an answer per key asked, and our offers */
	while ((e = text_next(&it, &kv)) == TEXT_OK)
		FZ_CHECK(text_key_valid(kv.key, kv.key_len), "answer key '%.*s' malformed", (int)kv.key_len,
			 kv.key);
	FZ_CHECK(e == TEXT_END, "answer text malformed (%d)", e);
}

/* Login and Text answers may span PDUs with C=1: check the whole. */
static void wire_text(struct fz_wire *w, const uint8_t *data, uint32_t len, bool more)
{
	if (w->text_len + len > RT_TEXT_MAX)
		w->text_overflow = true;
	else
		memcpy(w->text + w->text_len, data, len);
	w->text_len += len;
	if (more)
		return;
	FZ_CHECK(!w->text_overflow, "an answer of %u bytes, over RT_TEXT_MAX", w->text_len);
	check_text(w->text, w->text_len);
	w->text_len = 0;
}

static void wire_login_rsp(struct fz_wire *w, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	uint8_t flags = pdu_flags(bhs);
	bool t = flags & ISCSI_LOGIN_TRANSIT, c = flags & ISCSI_LOGIN_CONTINUE;
	unsigned status_class = bhs[PDU_LOGIN_STATUS];
	FZ_CHECK(!w->ffp, "a Login Response in full feature phase");
	FZ_CHECK(!(t && c), "Login Response with T=1 and C=1 (§11.13.1)");
	FZ_CHECK(bhs[PDU_LOGIN_VERSION_MAX] == ISCSI_VERSION && bhs[PDU_LOGIN_VERSION_ACTIVE] == ISCSI_VERSION,
		 "Login Response version %u/%u", bhs[PDU_LOGIN_VERSION_MAX], bhs[PDU_LOGIN_VERSION_ACTIVE]);
	FZ_CHECK(status_class <= 3, "login status class %u", status_class);
	if (status_class != 0) {
		FZ_CHECK(!t && !c, "a failed login answer with T or C set");
		FZ_CHECK(status_class == 1 || len == 0, "a failure status with data");
	}
	if (t) {
		unsigned csg = (flags >> ISCSI_LOGIN_CSG_SHIFT) & ISCSI_LOGIN_STAGE_MASK;
		unsigned nsg = flags & ISCSI_LOGIN_STAGE_MASK;
		FZ_CHECK(nsg > csg && nsg != 2 && csg != 2, "login transit %u -> %u", csg, nsg);
		if (nsg == ISCSI_STAGE_FULL_FEATURE) {
			FZ_CHECK(get_be16(bhs + PDU_LOGIN_TSIH) != 0, "full feature phase with TSIH 0 (§11.13.4)");
			w->ffp = true;
		}
	}
	wire_text(w, data, len, c);
}

static void wire_text_rsp(struct fz_wire *w, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	uint8_t flags = pdu_flags(bhs);
	bool f = flags & ISCSI_FLAG_FINAL, c = flags & ISCSI_TEXT_CONTINUE;
	uint32_t ttt = pdu_w(bhs, PDU_TEXT_TTT);
	FZ_CHECK(!(f && c), "Text Response with F=1 and C=1 (§11.11.1)");
	/* §11.11.4: F=0 answers carry a TTT for the initiator to echo. */
	FZ_CHECK(f || ttt != ISCSI_TAG_RESERVED, "Text Response with F=0 and the reserved TTT");
	FZ_CHECK(!f || ttt == ISCSI_TAG_RESERVED, "final Text Response with TTT 0x%08x", ttt);
	wire_text(w, data, len, c);
}

static void wire_scsi_rsp(const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	uint8_t flags = pdu_flags(bhs);
	FZ_CHECK(flags & ISCSI_FLAG_FINAL, "SCSI Response without F");
	FZ_CHECK(!((flags & ISCSI_RSP_OVERFLOW) && (flags & ISCSI_RSP_UNDERFLOW)),
		 "SCSI Response with both O and U (§11.4.1)");
	FZ_CHECK(bhs[PDU_SCSI_RSP_RESPONSE] == ISCSI_RESPONSE_COMPLETED ||
		 bhs[PDU_SCSI_RSP_RESPONSE] == ISCSI_RESPONSE_TARGET_FAILURE,
		 "SCSI Response code 0x%02x", bhs[PDU_SCSI_RSP_RESPONSE]);
	if (len > 0) { /* §11.4.7: SenseLength, then sense data */
		FZ_CHECK(len >= 2 && get_be16(data) + 2u <= len, "SenseLength %u in %u bytes",
			 len >= 2 ? get_be16(data) : 0, len);
		FZ_CHECK(get_be16(data) <= 252, "sense data of %u bytes (SPC-4 §4.5.1)", get_be16(data));
	}
	if (bhs[PDU_SCSI_RSP_STATUS] == 0x02) /* CHECK CONDITION carries sense (§11.4.7.2) */
		FZ_CHECK(len >= 2 + 8, "CHECK CONDITION without sense data");
}

static void wire_reject(const uint8_t *bhs, uint32_t len)
{
	uint8_t reason = bhs[PDU_REJECT_REASON];
	FZ_CHECK(len == ISCSI_BHS_LEN, "Reject with %u bytes, not the rejected header (§11.17)", len);
	FZ_CHECK(reason >= ISCSI_REJECT_DATA_DIGEST && reason <= ISCSI_REJECT_WAITING_FOR_LOGOUT &&
			 reason != 0x0b,
		 "Reject reason 0x%02x", reason);
}

static void wire_opcode(struct fz_wire *w, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	uint8_t flags = pdu_flags(bhs);
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_LOGIN_RSP:
		wire_login_rsp(w, bhs, data, len);
		break;
	case ISCSI_OP_TEXT_RSP:
		wire_text_rsp(w, bhs, data, len);
		break;
	case ISCSI_OP_SCSI_RSP:
		wire_scsi_rsp(bhs, data, len);
		break;
	case ISCSI_OP_REJECT:
		wire_reject(bhs, len);
		break;
	case ISCSI_OP_DATA_IN:
		/* §11.7.1: S only with F; no status means no residual flags. */
		if (flags & ISCSI_DATAIN_STATUS)
			FZ_CHECK(flags & ISCSI_FLAG_FINAL, "Data-In with S and not F");
		FZ_CHECK(len > 0, "Data-In without data");
		if (flags & ISCSI_DATAIN_ACK) {
			/* §11.7.2: only at ERL >= 1, at the end of a burst, with a
			 * TTT the DataACK will carry */
			FZ_CHECK(w->erl >= 1, "Data-In with the A bit at ErrorRecoveryLevel 0");
			FZ_CHECK(flags & ISCSI_FLAG_FINAL, "Data-In with A and not F");
			FZ_CHECK(pdu_w(bhs, PDU_DATA_IN_TTT) != ISCSI_TAG_RESERVED, "Data-In with A and the reserved TTT");
			w->ack_ttt = pdu_w(bhs, PDU_DATA_IN_TTT);
			w->ack_sn = pdu_w(bhs, PDU_DATA_IN_DATASN) + 1;
		}
		break;
	case ISCSI_OP_R2T:
		FZ_CHECK(pdu_w(bhs, PDU_R2T_DESIRED_LENGTH) > 0, "R2T for 0 bytes (§11.8.5)");
		FZ_CHECK(pdu_w(bhs, PDU_R2T_TTT) != ISCSI_TAG_RESERVED, "R2T with the reserved TTT");
		FZ_CHECK(len == 0, "R2T with data");
		break;
	case ISCSI_OP_NOP_IN:
		FZ_CHECK(flags & ISCSI_FLAG_FINAL, "NOP-In without F");
		FZ_CHECK(pdu_itt(bhs) != ISCSI_TAG_RESERVED || pdu_w(bhs, PDU_NOP_TTT) != ISCSI_TAG_RESERVED,
			 "NOP-In with both tags reserved (§11.19)");
		break;
	case ISCSI_OP_LOGOUT_RSP:
		FZ_CHECK(bhs[PDU_LOGOUT_RESPONSE] <= ISCSI_LOGOUT_RSP_CLEANUP_FAILED, "Logout response %u",
			 bhs[PDU_LOGOUT_RESPONSE]);
		FZ_CHECK(len == 0, "Logout Response with data");
		break;
	case ISCSI_OP_TMF_RSP:
		FZ_CHECK(bhs[PDU_TMF_RESPONSE] <= ISCSI_TMF_RSP_AUTH_FAILED || bhs[PDU_TMF_RESPONSE] == ISCSI_TMF_RSP_REJECTED,
			 "TMF response %u", bhs[PDU_TMF_RESPONSE]);
		FZ_CHECK(len == 0, "TMF Response with data");
		break;
	case ISCSI_OP_ASYNC:
		FZ_CHECK(pdu_itt(bhs) == ISCSI_TAG_RESERVED, "Async Message with an ITT");
		FZ_CHECK(bhs[PDU_ASYNC_EVENT] <= ISCSI_ASYNC_TASK_TERMINATION || bhs[PDU_ASYNC_EVENT] == 255,
			 "AsyncEvent %u", bhs[PDU_ASYNC_EVENT]);
		break;
	default:
		FZ_CHECK(false, "the target sent opcode 0x%02x", bhs[PDU_OPCODE]);
	}
}

/* §4.2.2.1-2: StatSN in order; ExpCmdSN and MaxCmdSN never move back and
 * MaxCmdSN >= ExpCmdSN - 1. Login Responses before the session exists
 * echo the login's CmdSN and are left out of the window rule. */
static void wire_numbers(struct fz_wire *w, const uint8_t *bhs)
{
	uint32_t stat_sn = pdu_w(bhs, PDU_TGT_STATSN);
	w->resent = w->have_stat_sn && w->erl >= 1 && w->ffp && sn_lt(stat_sn, w->stat_sn);
	if (w->have_stat_sn && !w->resent)
		FZ_CHECK(stat_sn == w->stat_sn, "%s StatSN %u, expected %u", pdu_opcode_name(pdu_opcode(bhs)),
			 stat_sn, w->stat_sn);
	w->have_stat_sn = true;
	if (!w->resent)
		w->stat_sn = stat_sn + (is_status_pdu(bhs) ? 1 : 0);
	if (!w->ffp || pdu_opcode(bhs) == ISCSI_OP_LOGIN_RSP || pdu_opcode(bhs) == ISCSI_OP_REJECT)
		return;
	uint32_t exp = pdu_w(bhs, PDU_TGT_EXPCMDSN), max = pdu_w(bhs, PDU_TGT_MAXCMDSN);
	FZ_CHECK(sn_le(exp - 1, max), "MaxCmdSN %u < ExpCmdSN %u - 1", max, exp);
	if (w->have_window) {
		FZ_CHECK(sn_le(w->exp_cmd_sn, exp), "ExpCmdSN went back from %u to %u", w->exp_cmd_sn, exp);
		FZ_CHECK(sn_le(w->max_cmd_sn, max), "MaxCmdSN went back from %u to %u", w->max_cmd_sn, max);
	}
	w->have_window = true;
	w->exp_cmd_sn = exp;
	w->max_cmd_sn = max;
}

static enum rx_verdict wire_header(void *owner, struct rx *rx, bool hdr_ok, uint8_t **dst)
{
	struct fz_wire *w = owner;
	FZ_CHECK(hdr_ok, "the target sent a wrong header digest");
	FZ_CHECK((rx->hdr[PDU_OPCODE] & 0xc0) == 0, "target opcode byte 0x%02x has bits 7/6 set", rx->hdr[PDU_OPCODE]);
	FZ_CHECK(rx->ahs_len == 0, "the target sent %u AHS bytes", rx->ahs_len);
	FZ_CHECK(rx->dsl <= w->mrdsl, "%s of %u bytes, over the initiator's MaxRecvDataSegmentLength %u",
		 pdu_opcode_name(pdu_opcode(rx->hdr)), rx->dsl, w->mrdsl);
	*dst = w->data;
	return RX_GO;
}

static enum rx_verdict wire_pdu(void *owner, struct rx *rx, bool data_ok)
{
	struct fz_wire *w = owner;
	FZ_CHECK(data_ok, "the target sent a wrong data digest");
	w->pdus++;
	wire_numbers(w, rx->hdr);
	wire_opcode(w, rx->hdr, w->data, rx->dsl);
	if (w->on_pdu)
		w->on_pdu(w->ctx, rx->hdr, w->data, rx->dsl);
	return RX_GO;
}

static const struct rx_ops wire_ops = {
	.header = wire_header,
	.pdu = wire_pdu,
};

void fz_wire_init(struct fz_wire *w, uint32_t cap,
		  void (*on_pdu)(void *ctx, const uint8_t *bhs, const uint8_t *data, uint32_t len),
		  void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->cap = cap;
	w->data = malloc(cap);
	w->text = malloc(RT_TEXT_MAX);
	FZ_CHECK(w->data && w->text, "out of memory");
	w->on_pdu = on_pdu;
	w->ctx = ctx;
	fz_wire_reset(w, cap);
}

void fz_wire_reset(struct fz_wire *w, uint32_t mrdsl)
{
	struct fz_wire keep = *w;
	memset(w, 0, sizeof(*w));
	w->cap = keep.cap;
	w->data = keep.data;
	w->text = keep.text;
	w->on_pdu = keep.on_pdu;
	w->ctx = keep.ctx;
	FZ_CHECK(mrdsl <= w->cap, "MaxRecvDataSegmentLength %u over the checker's %u", mrdsl, w->cap);
	w->mrdsl = mrdsl;
	rx_init(&w->rx, &wire_ops, w);
}

void fz_wire_fini(struct fz_wire *w)
{
	free(w->data);
	free(w->text);
}

void fz_wire_erl(struct fz_wire *w, uint32_t erl)
{
	w->erl = erl;
}

void fz_wire_digests(struct fz_wire *w, bool hd, bool dd)
{
	w->rx.header_digest = hd;
	w->rx.data_digest = dd;
}

void fz_wire_bytes(struct fz_wire *w, const uint8_t *p, size_t n)
{
	size_t used = rx_feed(&w->rx, p, n);
	FZ_CHECK(used == n, "the checker stopped");
}

void fz_wire_take(struct fz_wire *w, struct fake_env *f, rt_conn_id c)
{
	struct fake_conn *fc = &f->conns[c];
	fz_wire_bytes(w, fc->out, fc->out_len);
	fc->out_len = 0;
}
