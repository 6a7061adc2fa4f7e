/* host/psuite_ffp: protocol tests of the full feature phase (RFC 7143 §4.2.2,
 * §11.3-§11.8, §11.18-§11.19): the CmdSN window and its growth,
 * immediate commands, NOP pings, Data-In sequencing, residuals, immediate,
 * unsolicited and solicited data. The oracle checks every PDU's numbers;
 * these tests add what only the initiator's side can know.
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"

#define WINDOW_PROBE_MAX 256u /* commands the window test puts in flight at most */
#define IO_BYTES_MAX (256u * 1024u)

static uint8_t iobuf[2][IO_BYTES_MAX];

/* Log in with a tweaked configuration. */
static struct ps_sess *open_with(struct ps_ctx *c, void (*tweak)(struct ilogin_cfg *cfg))
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	if (tweak != NULL)
		tweak(&cfg);
	return ps_login(c, s, &cfg) == 0 ? s : NULL;
}

static int tur(struct ps_ctx *c, struct ps_sess *s, uint8_t *status)
{
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	if (ps_scsi_run(c, s, &cmd) != 0)
		return -1;
	*status = cmd.status;
	return 0;
}

static enum ps_verdict tur_advances(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	uint8_t st;
	if (s == NULL)
		return PS_FAIL;
	uint32_t sn = s->cmdsn;
	if (tur(c, s, &st) != 0)
		return PS_FAIL;
	if (s->exp_cmdsn != sn + 1)
		return ps_fail(c, "after CmdSN %u the target says ExpCmdSN %u, want %u", sn, s->exp_cmdsn, sn + 1);
	return ps_pass(c, "ExpCmdSN %u, status 0x%02x", s->exp_cmdsn, st);
}

/* §4.2.2.1: CmdSN arithmetic is RFC 1982 serial arithmetic and wraps. */
static enum ps_verdict cmdsn_wrap(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return PS_FAIL;
	s->cmdsn = 0xfffffff0u;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	if (ps_login(c, s, &cfg) != 0)
		return PS_FAIL;
	uint8_t st;
	for (int i = 0; i < 40; i++)
		if (tur(c, s, &st) != 0)
			return PS_FAIL;
	if (s->exp_cmdsn != 0xfffffff0u + 40u)
		return ps_fail(c, "ExpCmdSN %u after 40 commands from 0xfffffff0", s->exp_cmdsn);
	return ps_pass(c, "ExpCmdSN wrapped to %u", s->exp_cmdsn);
}

/* §4.2.2.1: a command beyond MaxCmdSN is silently ignored. */
static enum ps_verdict beyond_window(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	uint32_t keep = s->cmdsn;
	s->cmdsn = s->max_cmdsn + 1;
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | 1, ps_itt(s));
	if (ps_send(c, s, &tx, NULL, 0, PW_BROKEN) != 0)
		return PS_FAIL;
	s->cmdsn = keep;
	if (!ps_quiet(c, s, PS_QUIET_NS))
		return ps_fail(c, "a command beyond MaxCmdSN %u was answered", s->max_cmdsn);
	uint8_t st;
	if (tur(c, s, &st) != 0)
		return PS_FAIL;
	return ps_pass(c, "ignored; the next command in the window answered");
}

/* §4.2.2.1: a duplicate (CmdSN below ExpCmdSN) is silently ignored. */
static enum ps_verdict duplicate_cmdsn(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	uint8_t st;
	if (s == NULL || tur(c, s, &st) != 0)
		return PS_FAIL;
	s->cmdsn--;
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | 1, ps_itt(s));
	if (ps_send(c, s, &tx, NULL, 0, PW_BROKEN) != 0)
		return PS_FAIL;
	if (!ps_quiet(c, s, PS_QUIET_NS))
		return ps_fail(c, "a command with an old CmdSN was answered");
	if (tur(c, s, &st) != 0)
		return PS_FAIL;
	return ps_pass(c, "ignored");
}

/* §4.2.2.1: every CmdSN the window opens is accepted: fill the window
 * with writes that wait for their data, then complete them all. */
static enum ps_verdict window_full(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	uint32_t n = s->max_cmdsn - s->cmdsn + 1;
	if (sn_lt(s->max_cmdsn, s->cmdsn) || n == 0)
		return ps_fail(c, "the window is closed after login (ExpCmdSN %u, MaxCmdSN %u)", s->exp_cmdsn, s->max_cmdsn);
	if (n > WINDOW_PROBE_MAX)
		n = WINDOW_PROBE_MAX;
	for (uint32_t i = 0; i < n; i++) {
		struct ipdu_tx tx;
		ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, ps_itt(s));
		ps_put_lun(tx.bhs, c->cfg->t1.lun);
		pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, c->block_size);
		tx.bhs[PDU_SCSI_CMD_CDB] = 0x2a;
		put_be32(tx.bhs + PDU_SCSI_CMD_CDB + 2, i % (uint32_t)(c->blocks ? c->blocks : 1));
		put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, 1);
		if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
			return PS_FAIL;
	}
	uint32_t done = 0;
	memset(iobuf[0], 0x5a, c->block_size);
	while (done < n) {
		struct pw_pdu p;
		enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
		if (r != PW_PDU)
			return ps_fail(c, "%u of %u commands inside the window answered, then %s", done, n,
				r == PW_TIMEOUT ? "silence" : "the connection closed");
		uint8_t op = pdu_opcode(p.bhs);
		if (op == ISCSI_OP_R2T) {
			struct ipdu_tx tx;
			ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, ISCSI_FLAG_FINAL, pdu_itt(p.bhs));
			pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, pdu_w(p.bhs, PDU_R2T_TTT));
			pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, pdu_w(p.bhs, PDU_R2T_BUFFER_OFFSET));
			if (ps_send(c, s, &tx, iobuf[0], pdu_w(p.bhs, PDU_R2T_DESIRED_LENGTH), PW_CLEAN) != 0)
				return PS_FAIL;
		} else if (op == ISCSI_OP_SCSI_RSP) {
			done++;
		} else {
			char d[256];
			pw_describe(p.bhs, p.dsl, d, sizeof(d));
			return ps_fail(c, "unexpected %s", d);
		}
	}
	return ps_pass(c, "%u commands filled the window and completed", n);
}

/* §4.2.2.1: MaxCmdSN opens again as commands complete. */
static enum ps_verdict maxcmdsn_grows(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	uint8_t st;
	if (s == NULL)
		return PS_FAIL;
	uint32_t max0 = s->max_cmdsn;
	for (int i = 0; i < 8; i++)
		if (tur(c, s, &st) != 0)
			return PS_FAIL;
	if (!sn_lt(max0, s->max_cmdsn))
		return ps_fail(c, "MaxCmdSN stayed %u after 8 completed commands", s->max_cmdsn);
	if (sn_lt(s->max_cmdsn, s->exp_cmdsn))
		return ps_fail(c, "the window closed with nothing in flight (ExpCmdSN %u, MaxCmdSN %u)", s->exp_cmdsn,
			s->max_cmdsn);
	return ps_pass(c, "MaxCmdSN %u -> %u", max0, s->max_cmdsn);
}

/* §3.2.2.1, §11.3: an immediate command carries CmdSN but takes none. */
static enum ps_verdict immediate_cmd(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	uint32_t sn = s->cmdsn;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, true, ISCSI_FLAG_FINAL | 1, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
		return ps_fail(c, "an immediate TEST UNIT READY was not answered");
	if (pdu_opcode(p.bhs) == ISCSI_OP_REJECT && p.bhs[PDU_REJECT_REASON] == ISCSI_REJECT_IMMEDIATE_CMD)
		return ps_na(c, "the target rejects immediate commands (reason 0x06)");
	if (pdu_opcode(p.bhs) != ISCSI_OP_SCSI_RSP)
		return ps_fail(c, "an immediate command answered with %s", pdu_opcode_name(pdu_opcode(p.bhs)));
	if (pdu_w(p.bhs, PDU_TGT_EXPCMDSN) != sn)
		return ps_fail(c, "ExpCmdSN %u after an immediate command with CmdSN %u: it took a CmdSN",
			pdu_w(p.bhs, PDU_TGT_EXPCMDSN), sn);
	uint8_t st;
	return tur(c, s, &st) == 0 ? ps_pass(c, "answered; ExpCmdSN unchanged") : PS_FAIL;
}

/* §11.18, §11.19: a ping is answered with its data. */
static enum ps_verdict nop_ping(struct ps_ctx *c, bool immediate, uint32_t len)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	uint8_t data[4096];
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)rng_next(&c->rng);
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s), sn = s->cmdsn;
	ps_pdu(s, &tx, ISCSI_OP_NOP_OUT, immediate, ISCSI_FLAG_FINAL, itt);
	pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	if (ps_send(c, s, &tx, data, len, PW_CLEAN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	if (!ps_expect(c, s, ISCSI_OP_NOP_IN, &p))
		return PS_FAIL;
	if (pdu_itt(p.bhs) != itt || pdu_w(p.bhs, PDU_NOP_TTT) != ISCSI_TAG_RESERVED)
		return ps_fail(c, "NOP-In ITT 0x%08x TTT 0x%08x, want ITT 0x%08x TTT 0xffffffff", pdu_itt(p.bhs),
			pdu_w(p.bhs, PDU_NOP_TTT), itt);
	if (p.dsl != len || memcmp(p.data, data, len) != 0)
		return ps_fail(c, "the ping's %u data bytes came back as %u different bytes (§11.19: echoed)", len, p.dsl);
	uint32_t exp = pdu_w(p.bhs, PDU_TGT_EXPCMDSN);
	if (immediate && exp != sn)
		return ps_fail(c, "ExpCmdSN %u after an immediate NOP-Out with CmdSN %u", exp, sn);
	if (!immediate && exp != sn + 1)
		return ps_fail(c, "ExpCmdSN %u after a NOP-Out with CmdSN %u", exp, sn);
	return ps_pass(c, "%u bytes echoed", len);
}
static enum ps_verdict nop_ping_data(struct ps_ctx *c) { return nop_ping(c, false, 1000); }
static enum ps_verdict nop_ping_imm(struct ps_ctx *c) { return nop_ping(c, true, 0); }

/* §11.18: a NOP-Out with the reserved ITT is not answered. */
static enum ps_verdict nop_no_answer(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_NOP_OUT, true, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED);
	pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	if (!ps_quiet(c, s, PS_QUIET_NS))
		return ps_fail(c, "a NOP-Out with ITT 0xffffffff was answered");
	return ps_pass(c, "no answer");
}

static void small_mrdsl(struct ilogin_cfg *cfg) { cfg->mrdsl = 512; }
static void no_imm(struct ilogin_cfg *cfg)
{
	cfg->immediate_data = false;
	cfg->max_burst_length = 16384;
	cfg->first_burst_length = 8192;
}
static void unsolicited(struct ilogin_cfg *cfg)
{
	cfg->immediate_data = false;
	cfg->initial_r2t = false;
	cfg->first_burst_length = 8192;
	cfg->max_burst_length = 16384;
}

/* Write len bytes at LBA 0 then read them back; the oracle watches the
 * sequencing on the way. */
static enum ps_verdict write_read(struct ps_ctx *c, struct ps_sess *s, uint32_t len)
{
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	uint16_t blocks = (uint16_t)(len / c->block_size);
	if (blocks == 0 || c->blocks < blocks)
		return ps_na(c, "the LU is too small (%llu blocks of %u)", (unsigned long long)c->blocks, c->block_size);
	len = blocks * c->block_size;
	for (uint32_t i = 0; i < len; i++)
		iobuf[0][i] = (uint8_t)rng_next(&c->rng);
	struct ps_scsi w, r;
	ps_cdb_rw10(&w, true, 0, blocks, c->block_size, iobuf[0]);
	if (ps_scsi_run(c, s, &w) != 0)
		return PS_FAIL;
	if (w.status != 0)
		return ps_fail(c, "WRITE(10) of %u bytes: status 0x%02x", len, w.status);
	/* Read back in pieces of at most MaxBurstLength, so that a target's
	 * Data-In sequencing (ffp.datain-maxburst) is not charged to the write. */
	uint16_t per = (uint16_t)(s->params.max_burst_length / c->block_size);
	uint32_t got = 0;
	for (uint16_t at = 0; at < blocks; at = (uint16_t)(at + per)) {
		uint16_t n = (uint16_t)(blocks - at < per || per == 0 ? blocks - at : per);
		ps_cdb_rw10(&r, false, at, n, c->block_size, iobuf[1] + (size_t)at * c->block_size);
		if (ps_scsi_run(c, s, &r) != 0)
			return PS_FAIL;
		if (r.status != 0)
			break;
		got += r.data_in;
	}
	if (r.status != 0 || got != len || memcmp(iobuf[0], iobuf[1], len) != 0)
		return ps_fail(c, "READ(10) back: status 0x%02x, %u of %u bytes, %s", r.status, got, len,
			memcmp(iobuf[0], iobuf[1], len) ? "data differs" : "data same");
	return ps_pass(c, "%u bytes written and read back (ImmediateData=%s InitialR2T=%s)", len,
		s->params.immediate_data ? "Yes" : "No", s->params.initial_r2t ? "Yes" : "No");
}

static enum ps_verdict write_immediate(struct ps_ctx *c) { return write_read(c, ps_open(c), 4096); }
static enum ps_verdict write_r2t(struct ps_ctx *c) { return write_read(c, open_with(c, no_imm), 65536); }
static enum ps_verdict write_unsolicited(struct ps_ctx *c)
{
	struct ps_sess *s = open_with(c, unsolicited);
	if (s != NULL && s->params.initial_r2t)
		return ps_na(c, "the target answered InitialR2T=Yes (it may: result OR)");
	return write_read(c, s, 65536);
}
static enum ps_verdict read_mrdsl(struct ps_ctx *c) { return write_read(c, open_with(c, small_mrdsl), 8192); }

/* §11.4.5.2: residuals. A READ asking for more (or less) than the CDB's. */
static enum ps_verdict residual(struct ps_ctx *c, bool over)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	struct ps_scsi r;
	ps_cdb_rw10(&r, false, 0, over ? 2 : 1, c->block_size, iobuf[1]);
	r.len = over ? c->block_size : 2 * c->block_size;
	if (ps_scsi_run(c, s, &r) != 0)
		return PS_FAIL;
	if (r.status != 0)
		return ps_fail(c, "status 0x%02x", r.status);
	uint8_t bit = over ? ISCSI_RSP_OVERFLOW : ISCSI_RSP_UNDERFLOW;
	if (!(r.rsp_flags & bit) || r.residual != c->block_size)
		return ps_fail(c, "%s: flags 0x%02x residual %u, want the %c bit and residual %u", over ? "overflow" : "underflow",
			r.rsp_flags, r.residual, over ? 'O' : 'U', c->block_size);
	if (r.data_in > r.len)
		return ps_fail(c, "%u bytes of Data-In for an EDTL of %u", r.data_in, r.len);
	return ps_pass(c, "residual %u", r.residual);
}
static enum ps_verdict residual_under(struct ps_ctx *c) { return residual(c, false); }
static enum ps_verdict residual_over(struct ps_ctx *c) { return residual(c, true); }

const struct ps_test ps_tests_ffp[] = {
	{ "ffp.expcmdsn-advances", "4.2.2.1", PS_MUST, "a command's answer acknowledges it in ExpCmdSN", tur_advances },
	{ "ffp.cmdsn-wrap", "4.2.2.1", PS_MUST, "CmdSN wraps past 2^32 (serial arithmetic)", cmdsn_wrap },
	{ "ffp.beyond-window-ignored", "4.2.2.1", PS_MUST, "a command beyond MaxCmdSN is silently ignored", beyond_window },
	{ "ffp.duplicate-ignored", "4.2.2.1", PS_MUST, "a command with an old CmdSN is silently ignored", duplicate_cmdsn },
	{ "ffp.window-full", "4.2.2.1", PS_MUST, "every CmdSN the window opens is accepted at once", window_full },
	{ "ffp.maxcmdsn-grows", "4.2.2.1", PS_MUST, "MaxCmdSN advances as commands complete", maxcmdsn_grows },
	{ "ffp.immediate-cmd", "3.2.2.1", PS_MAY, "an immediate command takes no CmdSN", immediate_cmd },
	{ "ffp.nop-ping-data", "11.19", PS_MUST, "a NOP-Out ping's data is echoed in the NOP-In", nop_ping_data },
	{ "ffp.nop-ping-immediate", "11.18", PS_MUST, "an immediate ping is answered without a CmdSN", nop_ping_imm },
	{ "ffp.nop-no-answer", "11.18", PS_MUST, "a NOP-Out with ITT 0xffffffff is not answered", nop_no_answer },
	{ "ffp.write-immediate", "13.11", PS_MUST, "a write with immediate data lands", write_immediate },
	{ "ffp.write-r2t", "11.8", PS_MUST, "R2T-solicited Data-Out within MaxBurstLength", write_r2t },
	{ "ffp.write-unsolicited", "13.10", PS_MUST, "unsolicited Data-Out up to FirstBurstLength", write_unsolicited },
	{ "ffp.read-mrdsl", "13.12", PS_MUST, "Data-In within our MaxRecvDataSegmentLength of 512", read_mrdsl },
	{ "ffp.residual-underflow", "11.4.5.2", PS_MUST, "EDTL above the CDB's length: U bit, residual", residual_under },
	{ "ffp.residual-overflow", "11.4.5.2", PS_MUST, "EDTL below the CDB's length: O bit, residual", residual_over },
};
const unsigned ps_tests_ffp_n = sizeof(ps_tests_ffp) / sizeof(ps_tests_ffp[0]);
