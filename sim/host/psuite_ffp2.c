/* host/psuite_ffp2: more protocol tests of the full feature phase (RFC 7143
 * §4.2.2, §7.8, §11.5-§11.11, §11.14-§11.17, §13): Data-In sequences and
 * DataSN (MaxBurstLength, DataPDUInOrder, the S bit), R2T order and
 * MaxOutstandingR2T, CRC32C digests in use and a data digest error, text
 * continuation with a Target Transfer Tag and a text exchange replaced by
 * a new one, keys in full feature phase, task management on tasks in each
 * state (awaiting Data-Out, sending Data-In, not yet received), logout
 * with a task in flight, and more malformed PDUs.
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"

#define BIG_IO (64u * 1024u)      /* the transfers these tests make */
#define BIG_PDU (1u << 19)        /* the largest PDU bad.pdu-over-mrdsl sends */

static uint8_t buf[BIG_PDU + 4096];

static struct ps_sess *open_cfg(struct ps_ctx *c, void (*tweak)(struct ilogin_cfg *cfg))
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	tweak(&cfg);
	return ps_login(c, s, &cfg) == 0 ? s : NULL;
}

/* ---- Data-In ---- */

static void small_burst(struct ilogin_cfg *cfg)
{
	cfg->immediate_data = false;
	cfg->max_burst_length = 16384;
	cfg->first_burst_length = 8192;
	cfg->mrdsl = 4096;
}

struct datain_stats {
	uint32_t pdus, bytes, longest_seq, bad_datasn, bad_offset, s_not_last, s_without_f;
	bool status_seen, f_on_last;
};

/* A READ(10) of len bytes at LBA 0; every Data-In looked at. */
static int read_watch(struct ps_ctx *c, struct ps_sess *s, uint32_t len, struct datain_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (ps_capacity(c, s) != 0)
		return -1;
	uint16_t blocks = (uint16_t)(len / c->block_size);
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, blocks * c->block_size);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x28;
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, blocks);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return -1;
	uint32_t seq = 0;
	for (;;) {
		struct pw_pdu p;
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "READ of %u bytes: no status", len), -1;
		uint8_t op = pdu_opcode(p.bhs), f = pdu_flags(p.bhs);
		if (op == ISCSI_OP_SCSI_RSP)
			return 0;
		if (op != ISCSI_OP_DATA_IN || pdu_itt(p.bhs) != itt)
			return ps_fail(c, "READ: unexpected %s", pdu_opcode_name(op)), -1;
		if (st->status_seen)
			st->s_not_last++;
		if (pdu_w(p.bhs, PDU_DATA_IN_DATASN) != st->pdus)
			st->bad_datasn++;
		if (pdu_w(p.bhs, PDU_DATA_IN_BUFFER_OFFSET) != st->bytes)
			st->bad_offset++;
		st->pdus++;
		st->bytes += p.dsl;
		seq += p.dsl;
		if (seq > st->longest_seq)
			st->longest_seq = seq;
		if (f & ISCSI_FLAG_FINAL)
			seq = 0;
		if (f & ISCSI_DATAIN_STATUS) {
			st->status_seen = true;
			st->f_on_last = (f & ISCSI_FLAG_FINAL) != 0;
			if (!st->f_on_last)
				st->s_without_f++;
			return 0;
		}
	}
}

enum datain_check { DI_BURST, DI_DATASN, DI_OFFSET, DI_STATUS };

/* Small PDUs, the default MaxBurstLength: only ffp.datain-maxburst asks
 * for a burst shorter than the read, so that one rule fails one test. */
static void small_pdus(struct ilogin_cfg *cfg) { cfg->mrdsl = 4096; }

static enum ps_verdict datain(struct ps_ctx *c, enum datain_check what)
{
	struct ps_sess *s = open_cfg(c, what == DI_BURST ? small_burst : small_pdus);
	struct datain_stats st;
	if (s == NULL || read_watch(c, s, BIG_IO, &st) != 0)
		return PS_FAIL;
	uint32_t mbl = s->params.max_burst_length;
	switch (what) {
	case DI_BURST:
		if (st.longest_seq > mbl)
			return ps_fail(c, "a Data-In sequence of %u bytes (F bit) beyond MaxBurstLength %u", st.longest_seq, mbl);
		return ps_pass(c, "longest sequence %u of MaxBurstLength %u", st.longest_seq, mbl);
	case DI_DATASN:
		if (st.bad_datasn)
			return ps_fail(c, "%u of %u Data-In PDUs out of DataSN order (0, 1, 2 ...)", st.bad_datasn, st.pdus);
		return ps_pass(c, "DataSN 0..%u", st.pdus - 1);
	case DI_OFFSET:
		if (!s->params.data_pdu_in_order)
			return ps_na(c, "DataPDUInOrder=No negotiated");
		if (st.bad_offset)
			return ps_fail(c, "%u Data-In PDUs not at the next offset with DataPDUInOrder=Yes", st.bad_offset);
		return ps_pass(c, "%u bytes in order", st.bytes);
	case DI_STATUS:
		if (!st.status_seen)
			return ps_na(c, "status came in a SCSI Response (phase collapse is optional)");
		if (st.s_without_f)
			return ps_fail(c, "a Data-In with S=1 and F=0 (§11.7.1: S only with F)");
		return ps_pass(c, "status in the last Data-In, with F");
	}
	return PS_FAIL;
}
static enum ps_verdict datain_burst(struct ps_ctx *c) { return datain(c, DI_BURST); }
static enum ps_verdict datain_datasn(struct ps_ctx *c) { return datain(c, DI_DATASN); }
static enum ps_verdict datain_offset(struct ps_ctx *c) { return datain(c, DI_OFFSET); }
static enum ps_verdict datain_status(struct ps_ctx *c) { return datain(c, DI_STATUS); }

/* ---- R2T ---- */

static void many_r2t(struct ilogin_cfg *cfg)
{
	cfg->immediate_data = false;
	cfg->max_burst_length = 8192;
	cfg->first_burst_length = 8192;
	cfg->max_outstanding_r2t = 4;
}

/* A 64 KiB write whose R2Ts are collected before any is answered: how
 * many are outstanding at once, and in what order they come. */
static enum ps_verdict r2t(struct ps_ctx *c, bool order)
{
	struct ps_sess *s = open_cfg(c, many_r2t);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	uint32_t max = s->params.max_outstanding_r2t, mbl = s->params.max_burst_length;
	uint16_t blocks = (uint16_t)(BIG_IO / c->block_size);
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, BIG_IO);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x2a;
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, blocks);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	uint32_t next_sn = 0, next_off = 0, most = 0, done = 0;
	struct { uint32_t ttt, off, len; } pend[64];
	unsigned npend = 0;
	memset(buf, 0xa5, BIG_IO);
	for (;;) {
		struct pw_pdu p;
		enum pw_rx r = ps_recv(c, s, npend ? PS_QUIET_NS : PS_RECV_TIMEOUT_NS, &p);
		if (r == PW_TIMEOUT && npend > 0) {
			/* The target has said all it will: answer the oldest R2T. */
			if (npend > most)
				most = npend;
			uint32_t off = pend[0].off, len = pend[0].len, ttt = pend[0].ttt;
			memmove(pend, pend + 1, --npend * sizeof(pend[0]));
			for (uint32_t sn = 0; len > 0; sn++) {
				uint32_t n = len < 4096 ? len : 4096;
				ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, n == len ? ISCSI_FLAG_FINAL : 0, itt);
				pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, ttt);
				pdu_set_w(tx.bhs, PDU_DATA_OUT_DATASN, sn);
				pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
				if (ps_send(c, s, &tx, buf + off, n, PW_CLEAN) != 0)
					return PS_FAIL;
				off += n;
				len -= n;
				done += n;
			}
			continue;
		}
		if (r != PW_PDU)
			return ps_fail(c, "write of %u bytes: %u sent, then no R2T or status", BIG_IO, done);
		uint8_t op = pdu_opcode(p.bhs);
		if (op == ISCSI_OP_SCSI_RSP)
			break;
		if (op != ISCSI_OP_R2T || npend == 64)
			return ps_fail(c, "write: unexpected %s", pdu_opcode_name(op));
		uint32_t sn = pdu_w(p.bhs, PDU_R2T_R2TSN), off = pdu_w(p.bhs, PDU_R2T_BUFFER_OFFSET);
		uint32_t len = pdu_w(p.bhs, PDU_R2T_DESIRED_LENGTH);
		if (order && sn != next_sn)
			return ps_fail(c, "R2TSN %u, want %u (§11.8.5: R2TSN counts each R2T of the task)", sn, next_sn);
		if (order && s->params.data_sequence_in_order && off != next_off)
			return ps_fail(c, "R2T for offset %u, want %u (DataSequenceInOrder=Yes, §13.19)", off, next_off);
		if (len > mbl)
			return ps_fail(c, "R2T for %u bytes beyond MaxBurstLength %u (§11.8.4)", len, mbl);
		next_sn = sn + 1;
		next_off = off + len;
		pend[npend].ttt = pdu_w(p.bhs, PDU_R2T_TTT);
		pend[npend].off = off;
		pend[npend++].len = len;
		if (npend > max)
			return ps_fail(c, "%u R2Ts outstanding with MaxOutstandingR2T=%u (§13.17)", npend, max);
	}
	if (order)
		return ps_pass(c, "R2TSN 0..%u, offsets ascending", next_sn ? next_sn - 1 : 0);
	return ps_pass(c, "at most %u of %u R2Ts outstanding", most, max);
}
static enum ps_verdict r2t_outstanding(struct ps_ctx *c) { return r2t(c, false); }
static enum ps_verdict r2t_order(struct ps_ctx *c) { return r2t(c, true); }

/* ---- digests ---- */

static void hdigest(struct ilogin_cfg *cfg) { cfg->want_header_digest = true; }
static void ddigest(struct ilogin_cfg *cfg) { cfg->want_data_digest = true; }
static void both_digests(struct ilogin_cfg *cfg)
{
	cfg->want_header_digest = true;
	cfg->want_data_digest = true;
}

/* Write and read back 16 KiB with the digests negotiated. */
static enum ps_verdict digest_io(struct ps_ctx *c, void (*tweak)(struct ilogin_cfg *), bool h, bool d)
{
	struct ps_sess *s = open_cfg(c, tweak);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	if ((h && !s->params.header_digest) || (d && !s->params.data_digest))
		return ps_na(c, "the target chose None (it may: list negotiation)");
	uint32_t len = 16384;
	uint16_t blocks = (uint16_t)(len / c->block_size);
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next(&c->rng);
	struct ps_scsi w, r;
	ps_cdb_rw10(&w, true, 0, blocks, c->block_size, buf);
	if (ps_scsi_run(c, s, &w) != 0)
		return PS_FAIL;
	ps_cdb_rw10(&r, false, 0, blocks, c->block_size, buf + len);
	if (ps_scsi_run(c, s, &r) != 0)
		return PS_FAIL;
	if (w.status != 0 || r.status != 0 || memcmp(buf, buf + len, len) != 0)
		return ps_fail(c, "with CRC32C: write status 0x%02x, read status 0x%02x, data %s", w.status, r.status,
			memcmp(buf, buf + len, len) ? "differs" : "same");
	return ps_pass(c, "%u bytes written and read back with CRC32C", len);
}
static enum ps_verdict crc_header(struct ps_ctx *c) { return digest_io(c, hdigest, true, false); }
static enum ps_verdict crc_data(struct ps_ctx *c) { return digest_io(c, ddigest, false, true); }
static enum ps_verdict crc_both(struct ps_ctx *c) { return digest_io(c, both_digests, true, true); }

/* §7.8: a PDU with a data digest error is answered with Reject 0x02 and discarded. */
static enum ps_verdict crc_data_error(struct ps_ctx *c)
{
	struct ps_sess *s = open_cfg(c, ddigest);
	if (s == NULL)
		return PS_FAIL;
	if (!s->params.data_digest)
		return ps_na(c, "the target chose DataDigest=None");
	uint8_t data[256];
	memset(data, 0x3c, sizeof(data));
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_NOP_OUT, true, ISCSI_FLAG_FINAL, ps_itt(s));
	pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	ipdu_tx_seal(&tx, data, sizeof(data), s->w.header_digest, true);
	tx.tail[0] ^= 0xff; /* 256 bytes need no padding: the digest's first byte */
	if (pw_send(&s->w, &tx, PW_HIDDEN) != 0)
		return ps_fail(c, "the connection closed");
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r != PW_PDU)
		return ps_fail(c, "a data digest error: %s, want Reject 0x02", r == PW_CLOSED ? "connection dropped" : "no answer");
	if (pdu_opcode(p.bhs) != ISCSI_OP_REJECT || p.bhs[PDU_REJECT_REASON] != ISCSI_REJECT_DATA_DIGEST)
		return ps_fail(c, "a data digest error answered with %s (reason 0x%02x), want Reject 0x02",
			pdu_opcode_name(pdu_opcode(p.bhs)), p.bhs[PDU_REJECT_REASON]);
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	if (ps_scsi_run(c, s, &cmd) != 0)
		return PS_FAIL;
	return ps_pass(c, "Reject 0x02; the connection goes on");
}

/* ---- text ---- */

static int text_req(struct ps_ctx *c, struct ps_sess *s, uint32_t itt, uint32_t ttt, bool final, bool cont,
	const void *data, uint32_t len, struct pw_pdu *p)
{
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_TEXT_REQ, false, (uint8_t)((final ? ISCSI_FLAG_FINAL : 0) | (cont ? ISCSI_TEXT_CONTINUE : 0)),
		itt);
	pdu_set_w(tx.bhs, PDU_TEXT_TTT, ttt);
	if (ps_send(c, s, &tx, data, len, PW_CLEAN) != 0)
		return -1;
	return ps_expect(c, s, ISCSI_OP_TEXT_RSP, p) ? 0 : -1;
}

static bool lists_target(const struct ps_ctx *c, const struct pw_pdu *p)
{
	char v[PS_NAME_MAX];
	return ps_get(p, "TargetName", v, sizeof(v)) && strcmp(v, c->cfg->t1.iqn) == 0;
}

/* §6.1, §11.10.2: a text split over a C=1 request; then (replace) a new
 * exchange started instead of finishing it (§11.10.4). */
static enum ps_verdict text_continued(struct ps_ctx *c, bool replace)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	static const char st[] = "SendTargets=";
	uint32_t itt = ps_itt(s);
	struct pw_pdu p;
	if (text_req(c, s, itt, ISCSI_TAG_RESERVED, false, true, st, 7, &p) != 0)
		return PS_FAIL;
	uint32_t ttt = pdu_w(p.bhs, PDU_TEXT_TTT);
	if (p.dsl != 0 || (pdu_flags(p.bhs) & ISCSI_FLAG_FINAL) || ttt == ISCSI_TAG_RESERVED)
		return ps_fail(c, "C=1 Text Request answered with %u bytes, F=%d, TTT 0x%08x: want an empty, not final "
			"response with a TTT", p.dsl, (pdu_flags(p.bhs) & ISCSI_FLAG_FINAL) != 0, ttt);
	if (replace) {
		if (text_req(c, s, ps_itt(s), ISCSI_TAG_RESERVED, true, false, st, sizeof(st), &p) != 0)
			return PS_FAIL;
	} else if (text_req(c, s, itt, ttt, true, false, st + 7, sizeof(st) - 7, &p) != 0) {
		return PS_FAIL;
	}
	if (!(pdu_flags(p.bhs) & ISCSI_FLAG_FINAL) || !lists_target(c, &p))
		return ps_fail(c, "the %s SendTargets= was not answered with this target (F=%d)",
			replace ? "new" : "continued", (pdu_flags(p.bhs) & ISCSI_FLAG_FINAL) != 0);
	return ps_pass(c, replace ? "the new exchange answered" : "continued with TTT 0x%08x, answered as one", ttt);
}
static enum ps_verdict text_continuation(struct ps_ctx *c) { return text_continued(c, false); }
static enum ps_verdict text_replaced(struct ps_ctx *c) { return text_continued(c, true); }

/* A key in a full-feature-phase Text Request. */
static enum ps_verdict ffp_key(struct ps_ctx *c, const char *key, const char *value, const char *allowed)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	ps_key(&k, key, value);
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_TEXT_REQ, false, ISCSI_FLAG_FINAL, ps_itt(s));
	pdu_set_w(tx.bhs, PDU_TEXT_TTT, ISCSI_TAG_RESERVED);
	if (ps_send(c, s, &tx, k.buf, (uint32_t)k.len, PW_CLEAN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	bool lenient = strstr(allowed, "Reject") != NULL;
	if (lenient && r == PW_CLOSED)
		return ps_pass(c, "%s=%s in FFP: the connection was dropped", key, value);
	if (r != PW_PDU)
		return ps_fail(c, "%s=%s in FFP: %s", key, value, r == PW_CLOSED ? "the connection was dropped" : "no answer");
	if (lenient && pdu_opcode(p.bhs) == ISCSI_OP_REJECT)
		return ps_pass(c, "%s=%s in FFP: Reject PDU 0x%02x", key, value, p.bhs[PDU_REJECT_REASON]);
	if (pdu_opcode(p.bhs) != ISCSI_OP_TEXT_RSP)
		return ps_fail(c, "%s=%s in FFP: answered with %s", key, value, pdu_opcode_name(pdu_opcode(p.bhs)));
	char v[64], list[128], one[80];
	bool have = ps_get(&p, key, v, sizeof(v));
	snprintf(list, sizeof(list), ",%s,", allowed);
	snprintf(one, sizeof(one), ",%s,", have ? v : "");
	if (!have || strstr(list, one) == NULL)
		return ps_fail(c, "%s=%s in FFP: answered %s, want one of %s", key, value, have ? v : "(nothing)", allowed);
	return ps_pass(c, "%s=%s in FFP -> %s", key, value, v);
}
static enum ps_verdict text_unknown_key(struct ps_ctx *c)
{
	return ffp_key(c, "X-org.iscsi-sim.ffp-probe", "1", "NotUnderstood");
}
static enum ps_verdict text_lo_key(struct ps_ctx *c) { return ffp_key(c, "MaxBurstLength", "4096", "Reject,Irrelevant"); }
static enum ps_verdict text_lo_key2(struct ps_ctx *c) { return ffp_key(c, "InitialR2T", "No", "Reject,Irrelevant"); }

/* §13.12: MaxRecvDataSegmentLength may be declared again in FFP; the
 * target then keeps its Data-In within it. */
static enum ps_verdict text_mrdsl(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	struct ps_keys k;
	ps_keys_reset(&k);
	ps_key(&k, "MaxRecvDataSegmentLength", "1024");
	struct pw_pdu p;
	if (text_req(c, s, ps_itt(s), ISCSI_TAG_RESERVED, true, false, k.buf, (uint32_t)k.len, &p) != 0)
		return PS_FAIL;
	struct datain_stats st;
	uint32_t itt_next = s->itt;
	(void)itt_next;
	/* Read 8 KiB; every Data-In must fit 1024 bytes. */
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	uint16_t blocks = (uint16_t)(8192 / c->block_size);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, blocks * c->block_size);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x28;
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, blocks);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	memset(&st, 0, sizeof(st));
	for (;;) {
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "READ after the declaration: no status");
		if (pdu_opcode(p.bhs) == ISCSI_OP_DATA_IN && p.dsl > 1024)
			return ps_fail(c, "a %u-byte Data-In after MaxRecvDataSegmentLength=1024 was declared", p.dsl);
		if (pdu_opcode(p.bhs) == ISCSI_OP_SCSI_RSP ||
			(pdu_opcode(p.bhs) == ISCSI_OP_DATA_IN && (pdu_flags(p.bhs) & ISCSI_DATAIN_STATUS)))
			break;
	}
	return ps_pass(c, "Data-In kept within 1024 bytes");
}

/* ---- task management in each task state ---- */

/* A 1-block WRITE that waits for its R2T (InitialR2T=Yes, no immediate data). */
static uint32_t waiting_write(struct ps_ctx *c, struct ps_sess *s, uint32_t lba)
{
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, c->block_size);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x2a;
	put_be32(tx.bhs + PDU_SCSI_CMD_CDB + 2, lba);
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, 1);
	return ps_send(c, s, &tx, NULL, 0, PW_CLEAN) == 0 ? itt : ISCSI_TAG_RESERVED;
}

/* Send a TMF; read to its response, noting what came for the tasks. */
static int tmf_wait(struct ps_ctx *c, struct ps_sess *s, uint8_t fn, uint32_t rtt, uint32_t refcmdsn, uint8_t *response)
{
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_TMF_REQ, true, (uint8_t)(ISCSI_FLAG_FINAL | fn), itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, rtt);
	pdu_set_w(tx.bhs, PDU_TMF_REFCMDSN, refcmdsn);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return -1;
	for (;;) {
		struct pw_pdu p;
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "no TMF Response to function %u", fn), -1;
		if (pdu_opcode(p.bhs) == ISCSI_OP_TMF_RSP && pdu_itt(p.bhs) == itt) {
			*response = p.bhs[PDU_TMF_RESPONSE];
			return 0;
		}
		if (pdu_opcode(p.bhs) == ISCSI_OP_R2T && ps_answer_r2t(c, s, &p) != 0)
			return -1;
	}
}

/* After a TMF Response, nothing more for the affected tasks (§11.6.2
 * ordering: the response comes after everything of the tasks it ended). */
static enum ps_verdict quiet_after(struct ps_ctx *c, struct ps_sess *s, const char *what)
{
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_QUIET_NS, &p);
	if (r == PW_PDU)
		return ps_fail(c, "%s: %s after the TMF Response", what, pdu_opcode_name(pdu_opcode(p.bhs)));
	return ps_pass(c, "%s: function complete, nothing after it", what);
}

static enum ps_verdict abort_task_set(struct ps_ctx *c, uint8_t fn, const char *what)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	if (waiting_write(c, s, 0) == ISCSI_TAG_RESERVED || waiting_write(c, s, 1) == ISCSI_TAG_RESERVED)
		return PS_FAIL;
	uint8_t r;
	if (tmf_wait(c, s, fn, ISCSI_TAG_RESERVED, s->cmdsn, &r) != 0)
		return PS_FAIL;
	if (r == ISCSI_TMF_RSP_NOT_SUPPORTED && fn == ISCSI_TMF_CLEAR_TASK_SET)
		return ps_na(c, "%s not supported (response 5)", what);
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_fail(c, "%s with two writes awaiting data: response %u, want 0", what, r);
	return quiet_after(c, s, what);
}
static enum ps_verdict tmf_abort_task_set(struct ps_ctx *c)
{
	return abort_task_set(c, ISCSI_TMF_ABORT_TASK_SET, "ABORT TASK SET");
}
static enum ps_verdict tmf_clear_task_set(struct ps_ctx *c)
{
	return abort_task_set(c, ISCSI_TMF_CLEAR_TASK_SET, "CLEAR TASK SET");
}
static enum ps_verdict tmf_lun_reset_waiting(struct ps_ctx *c)
{
	return abort_task_set(c, ISCSI_TMF_LOGICAL_UNIT_RESET, "LOGICAL UNIT RESET");
}

/* ABORT TASK of a READ that is sending its Data-In. */
static enum ps_verdict tmf_abort_datain(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s), sn = s->cmdsn;
	uint32_t blocks = 262144 / c->block_size;
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, blocks * c->block_size);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x28;
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, (uint16_t)blocks);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	struct ipdu_tx t2;
	uint32_t titt = ps_itt(s);
	ps_pdu(s, &t2, ISCSI_OP_TMF_REQ, true, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK, titt);
	ps_put_lun(t2.bhs, c->cfg->t1.lun);
	pdu_set_w(t2.bhs, PDU_TMF_REF_TASK_TAG, itt);
	pdu_set_w(t2.bhs, PDU_TMF_REFCMDSN, sn);
	if (ps_send(c, s, &t2, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	uint32_t datain = 0;
	bool status = false;
	for (;;) {
		struct pw_pdu p;
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "no TMF Response (after %u bytes of Data-In)", datain);
		uint8_t op = pdu_opcode(p.bhs);
		if (op == ISCSI_OP_DATA_IN) {
			datain += p.dsl;
			status |= (pdu_flags(p.bhs) & ISCSI_DATAIN_STATUS) != 0;
		} else if (op == ISCSI_OP_SCSI_RSP) {
			status = true;
		} else if (op == ISCSI_OP_TMF_RSP) {
			uint8_t r = p.bhs[PDU_TMF_RESPONSE];
			if (r == ISCSI_TMF_RSP_COMPLETE || (r == ISCSI_TMF_RSP_NO_TASK && status))
				return quiet_after(c, s, r == ISCSI_TMF_RSP_COMPLETE ? "ABORT TASK during Data-In"
										 : "ABORT TASK after the READ ended");
			return ps_fail(c, "ABORT TASK of a READ in flight: response %u%s", r,
				status ? "" : " before the task's status: the task existed");
		} else {
			return ps_fail(c, "unexpected %s", pdu_opcode_name(op));
		}
	}
}

/* §11.5.1 b: RTT unknown, RefCmdSN in the window and below the TMF's
 * CmdSN: "function complete", and that CmdSN counts as received. */
static enum ps_verdict tmf_refcmdsn_hole(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	/* The oracle models one connection's CmdSNs without holes: it stops here. */
	pw_oracle_stop(&s->w);
	uint32_t hole = s->cmdsn++;
	uint8_t r;
	if (tmf_wait(c, s, ISCSI_TMF_ABORT_TASK, 0x0abcdef0, hole, &r) != 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_fail(c, "ABORT TASK for a CmdSN %u never received: response %u, want 0 (§11.5.1 b)", hole, r);
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	if (ps_scsi_run(c, s, &cmd) != 0)
		return ps_fail(c, "CmdSN %u was not taken as received: the next command waits (%s)", hole, c->detail);
	return ps_pass(c, "function complete; CmdSN %u counted, the next command answered", hole);
}

/* §11.5.1 c: RTT unknown and RefCmdSN outside the window: "task does not exist". */
static enum ps_verdict tmf_refcmdsn_outside(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	uint8_t r;
	if (tmf_wait(c, s, ISCSI_TMF_ABORT_TASK, 0x0abcdef1, s->cmdsn + 0x40000000u, &r) != 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_NO_TASK)
		return ps_fail(c, "ABORT TASK, RefCmdSN outside the window: response %u, want 1 (§11.5.1 c)", r);
	return ps_pass(c, "response 1");
}

static enum ps_verdict tmf_clear_aca(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	uint8_t r;
	if (s == NULL || tmf_wait(c, s, ISCSI_TMF_CLEAR_ACA, ISCSI_TAG_RESERVED, s->cmdsn, &r) != 0)
		return PS_FAIL;
	if (r == ISCSI_TMF_RSP_NOT_SUPPORTED)
		return ps_na(c, "CLEAR ACA not supported (response 5)");
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_fail(c, "CLEAR ACA with no ACA: response %u, want 0 or 5", r);
	return ps_pass(c, "response 0");
}

/* ---- logout ---- */

/* §11.14: closing the session with a task in flight ends the task. */
static enum ps_verdict logout_in_flight(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	uint32_t itt = waiting_write(c, s, 0);
	if (itt == ISCSI_TAG_RESERVED)
		return PS_FAIL;
	struct ipdu_tx tx;
	uint32_t litt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_LOGOUT_REQ, true, ISCSI_FLAG_FINAL | ISCSI_LOGOUT_SESSION, litt);
	put_be16(tx.bhs + PDU_LOGOUT_CID, s->cid);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	for (;;) {
		struct pw_pdu p;
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "no Logout Response with a write awaiting data");
		uint8_t op = pdu_opcode(p.bhs);
		if (op == ISCSI_OP_R2T || (op == ISCSI_OP_SCSI_RSP && pdu_itt(p.bhs) == itt))
			continue;
		if (op != ISCSI_OP_LOGOUT_RSP)
			return ps_fail(c, "unexpected %s", pdu_opcode_name(op));
		if (p.bhs[PDU_LOGOUT_RESPONSE] != ISCSI_LOGOUT_RSP_OK)
			return ps_fail(c, "Logout with a task in flight: response %u, want 0", p.bhs[PDU_LOGOUT_RESPONSE]);
		break;
	}
	struct pw_pdu p;
	if (ps_recv(c, s, PS_QUIET_NS, &p) == PW_PDU)
		return ps_fail(c, "%s after the Logout Response", pdu_opcode_name(pdu_opcode(p.bhs)));
	return ps_pass(c, "response 0; the task ended with the session");
}

/* ---- bad input ---- */

/* §13.12, §7: a PDU longer than the target's MaxRecvDataSegmentLength. */
static enum ps_verdict pdu_over_mrdsl(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	uint32_t len = s->params.tgt_mrdsl + 512;
	if (len > BIG_PDU)
		return ps_na(c, "the target's MaxRecvDataSegmentLength %u is above what this test sends", s->params.tgt_mrdsl);
	memset(buf, 0x11, len);
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_NOP_OUT, true, ISCSI_FLAG_FINAL, ps_itt(s));
	pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	/* Hidden: beyond the MRDSL the oracle holds, the PDU breaks its framing. */
	if (ps_send(c, s, &tx, buf, len, PW_HIDDEN) != 0)
		return ps_pass(c, "the connection was dropped");
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r == PW_CLOSED || r == PW_GARBLED)
		return ps_pass(c, "a %u-byte NOP-Out (MRDSL %u): the connection was dropped", len, s->params.tgt_mrdsl);
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_REJECT)
		return ps_pass(c, "Reject 0x%02x", p.bhs[PDU_REJECT_REASON]);
	/* The initiator MUST NOT send it; the RFC names no answer: taking it is NA. */
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_NOP_IN)
		return ps_na(c, "a %u-byte NOP-Out beyond MaxRecvDataSegmentLength %u was taken (the RFC names no answer)",
			len, s->params.tgt_mrdsl);
	return ps_fail(c, "a %u-byte NOP-Out beyond MaxRecvDataSegmentLength %u: %s", len, s->params.tgt_mrdsl,
		r == PW_PDU ? pdu_opcode_name(pdu_opcode(p.bhs)) : "ignored, no answer and no drop");
}

/* §11.16, §7: a SNACK at ErrorRecoveryLevel 0. */
static enum ps_verdict snack_erl0(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_SNACK, false, ISCSI_FLAG_FINAL | 1 /* status SNACK */, ISCSI_TAG_RESERVED);
	pdu_set_w(tx.bhs, PDU_SNACK_BEGRUN, s->exp_statsn > 0 ? s->exp_statsn - 1 : 0);
	pdu_set_w(tx.bhs, PDU_SNACK_RUNLENGTH, 1);
	if (ps_send(c, s, &tx, NULL, 0, PW_BROKEN) != 0)
		return ps_pass(c, "the connection was dropped");
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r == PW_CLOSED)
		return ps_pass(c, "the connection was dropped");
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_REJECT)
		return ps_pass(c, "Reject 0x%02x", p.bhs[PDU_REJECT_REASON]);
	return ps_fail(c, "a status SNACK at ERL 0: %s, want Reject or a drop",
		r == PW_PDU ? pdu_opcode_name(pdu_opcode(p.bhs)) : "ignored");
}

/* §11.8.3 (TTT), §11.17.1: a Data-Out naming a TTT the target never gave. */
static enum ps_verdict data_out_wrong_ttt(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	uint32_t itt = waiting_write(c, s, 0);
	struct pw_pdu p;
	if (itt == ISCSI_TAG_RESERVED || !ps_expect(c, s, ISCSI_OP_R2T, &p))
		return PS_FAIL;
	uint32_t ttt = pdu_w(p.bhs, PDU_R2T_TTT);
	memset(buf, 0x77, c->block_size);
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, ISCSI_FLAG_FINAL, itt);
	pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, ttt ^ 0x5a5a5a5au);
	if (ps_send(c, s, &tx, buf, c->block_size, PW_BROKEN) != 0)
		return ps_pass(c, "the connection was dropped");
	enum pw_rx r = ps_recv(c, s, PS_QUIET_NS * 2, &p);
	if (r == PW_CLOSED)
		return ps_pass(c, "the connection was dropped");
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_REJECT)
		return ps_pass(c, "Reject 0x%02x", p.bhs[PDU_REJECT_REASON]);
	/* The TTT MUST be echoed (§11.7.3) but the RFC names no answer to a
	 * wrong one: taking the data anyway is NA, not FAIL. */
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_SCSI_RSP && p.bhs[PDU_SCSI_RSP_STATUS] == 0)
		return ps_na(c, "the write completed GOOD with data under a TTT the target never gave (not checked)");
	if (r == PW_PDU)
		return ps_pass(c, "answered with %s (status 0x%02x)", pdu_opcode_name(pdu_opcode(p.bhs)),
			p.bhs[PDU_SCSI_RSP_STATUS]);
	return ps_pass(c, "discarded");
}

const struct ps_test ps_tests_ffp2[] = {
	{ "ffp.datain-maxburst", "13.13", PS_MUST, "a Data-In sequence (to F) stays within MaxBurstLength", datain_burst },
	{ "ffp.datain-datasn", "11.7.4", PS_MUST, "Data-In DataSN counts 0, 1, 2 ... per task", datain_datasn },
	{ "ffp.datain-in-order", "13.18", PS_MUST, "DataPDUInOrder=Yes: Data-In at ascending offsets", datain_offset },
	{ "ffp.datain-status", "11.7.1", PS_MUST, "status in a Data-In only in the last one, with F", datain_status },
	{ "ffp.r2t-outstanding", "13.17", PS_MUST, "no more R2Ts outstanding than MaxOutstandingR2T", r2t_outstanding },
	{ "ffp.r2t-order", "13.19", PS_MUST, "R2TSN 0, 1 ...; offsets ascending (DataSequenceInOrder)", r2t_order },
	{ "ffp.crc32c-header", "13.1", PS_MUST, "HeaderDigest=CRC32C in use: write and read back", crc_header },
	{ "ffp.crc32c-data", "13.1", PS_MUST, "DataDigest=CRC32C in use: write and read back", crc_data },
	{ "ffp.crc32c-both", "13.1", PS_MUST, "both digests in use: write and read back", crc_both },
	{ "ffp.data-digest-error", "7.8", PS_MUST, "a bad data digest: Reject 0x02, the connection goes on", crc_data_error },
	{ "text.continuation", "11.10.2", PS_MUST, "a C=1 Text Request: empty answer with a TTT, then one text", text_continuation },
	{ "text.replaced", "11.10.4", PS_MUST, "a text exchange left open is replaced by a new one", text_replaced },
	{ "text.ffp-unknown-key", "6.2", PS_MUST, "an unknown key in FFP: NotUnderstood", text_unknown_key },
	{ "text.ffp-lo-key", "13.13", PS_MUST, "MaxBurstLength (login only) in FFP: Reject/Irrelevant", text_lo_key },
	{ "text.ffp-lo-key-bool", "13.10", PS_MUST, "InitialR2T (login only) in FFP: Reject/Irrelevant", text_lo_key2 },
	{ "text.ffp-mrdsl", "13.12", PS_MUST, "MaxRecvDataSegmentLength declared in FFP is honoured", text_mrdsl },
	{ "tmf.abort-task-set", "11.5.1", PS_MUST, "ABORT TASK SET of writes awaiting data: complete, then quiet", tmf_abort_task_set },
	{ "tmf.clear-task-set", "11.5.1", PS_MUST, "CLEAR TASK SET: complete, then quiet (NA if unsupported)", tmf_clear_task_set },
	{ "tmf.lun-reset-waiting", "11.5.1", PS_MUST, "LU RESET with writes awaiting data: complete, then quiet", tmf_lun_reset_waiting },
	{ "tmf.abort-during-datain", "11.5.1", PS_MUST, "ABORT TASK of a READ sending Data-In: ordered response", tmf_abort_datain },
	{ "tmf.abort-refcmdsn-hole", "11.5.1", PS_MUST, "ABORT TASK of a CmdSN not yet received: complete, CmdSN taken", tmf_refcmdsn_hole },
	{ "tmf.abort-refcmdsn-outside", "11.5.1", PS_MUST, "ABORT TASK, RefCmdSN outside the window: task does not exist", tmf_refcmdsn_outside },
	{ "tmf.clear-aca", "11.5.1", PS_MUST, "CLEAR ACA with no ACA: complete (NA if unsupported)", tmf_clear_aca },
	{ "logout.task-in-flight", "11.14", PS_MUST, "close the session with a write awaiting data: response 0", logout_in_flight },
	{ "bad.pdu-over-mrdsl", "13.12", PS_MAY, "a PDU beyond the target's MRDSL: Reject or drop; NA if taken", pdu_over_mrdsl },
	{ "bad.snack-erl0", "11.16", PS_MUST, "a status SNACK at ERL 0: Reject or drop", snack_erl0 },
	{ "bad.data-out-wrong-ttt", "11.7.3", PS_MAY, "Data-Out under a TTT never given: refused; NA if taken", data_out_wrong_ttt },
};
const unsigned ps_tests_ffp2_n = sizeof(ps_tests_ffp2) / sizeof(ps_tests_ffp2[0]);
