/* host/psuite_erl: protocol tests of ErrorRecoveryLevel 1 (RFC 7143 §7.1.5
 * level 1, §7.8, §11.16): SNACK of status, Data-In and R2T answered with
 * exact replicas, a SNACK for what was never sent rejected, a data digest
 * error on Data-Out recovered within the command, a header digest error
 * discarding one PDU (or closing the connection). Each test offers
 * ErrorRecoveryLevel=1 and is NA when the target answers 0 (§13.20: a
 * target may implement level 0 only).
 *
 * A SNACK is sent as an initiator that lost the PDU would: the status it
 * asks for again is not acknowledged (ExpStatSN stays at its StatSN).
 * Replicas carry StatSNs from before, which the protocol oracle would
 * count as out of order: each test stops the oracle (pw_oracle_stop)
 * before its SNACK and judges the answers itself.
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"

static uint8_t buf[64u * 1024u];

/* Connect and log in at ErrorRecoveryLevel 1 with tweaks; NULL (detail
 * set) on failure, and *na when the target chose level 0. */
static struct ps_sess *open_erl1(struct ps_ctx *c, uint32_t mrdsl, bool hd, bool dd, bool *na)
{
	*na = false;
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	cfg.error_recovery_level = 1;
	if (mrdsl)
		cfg.mrdsl = mrdsl;
	cfg.want_header_digest = hd;
	cfg.want_data_digest = dd;
	if (ps_login(c, s, &cfg) != 0)
		return NULL;
	if (s->params.error_recovery_level < 1 || (hd && !s->params.header_digest) || (dd && !s->params.data_digest)) {
		*na = true;
		ps_na(c, "the target chose ErrorRecoveryLevel %u, HeaderDigest %s, DataDigest %s",
		      s->params.error_recovery_level, s->params.header_digest ? "CRC32C" : "None",
		      s->params.data_digest ? "CRC32C" : "None");
		return NULL;
	}
	return s;
}

static int send_snack(struct ps_ctx *c, struct ps_sess *s, uint8_t type, uint32_t itt, uint32_t beg, uint32_t run)
{
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_SNACK, false, (uint8_t)(ISCSI_FLAG_FINAL | type), itt);
	pdu_set_w(tx.bhs, PDU_SNACK_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(tx.bhs, PDU_SNACK_BEGRUN, beg);
	pdu_set_w(tx.bhs, PDU_SNACK_RUNLENGTH, run);
	return ps_send(c, s, &tx, NULL, 0, PW_CLEAN);
}

/* A replica: the same header but for StatSN (an R2T's carries the current
 * one), ExpCmdSN and MaxCmdSN (bytes 24..35, §11.16). */
static bool replica(const uint8_t *a, const uint8_t *b, bool statsn_may_differ)
{
	unsigned from = statsn_may_differ ? PDU_TGT_STATSN : PDU_TGT_EXPCMDSN;
	return memcmp(a, b, from) == 0 && memcmp(a + 36, b + 36, ISCSI_BHS_LEN - 36) == 0;
}

/* §11.16: "The numbered-response(s) ... requested by a SNACK MUST be
 * delivered as exact replicas of the ones that the target transmitted
 * originally except for the fields ExpCmdSN, MaxCmdSN, and ExpDataSN". */
static enum ps_verdict status_snack(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *s = open_erl1(c, 0, false, false, &na);
	if (s == NULL)
		return na ? PS_NA : PS_FAIL;
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	if (ps_scsi_run(c, s, &cmd) != 0)
		return PS_FAIL;
	/* a second TEST UNIT READY (the first took any unit attention), whose
	 * response is then asked for again as if it was lost */
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	struct pw_pdu first;
	if (!ps_expect(c, s, ISCSI_OP_SCSI_RSP, &first))
		return PS_FAIL;
	uint32_t statsn = pdu_w(first.bhs, PDU_TGT_STATSN);
	pw_oracle_stop(&s->w);
	s->exp_statsn = statsn; /* not acknowledged: lost */
	if (send_snack(c, s, ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, statsn, 1) != 0)
		return PS_FAIL;
	struct pw_pdu again;
	if (!ps_expect(c, s, ISCSI_OP_SCSI_RSP, &again))
		return PS_FAIL;
	if (pdu_w(again.bhs, PDU_TGT_STATSN) != statsn || !replica(first.bhs, again.bhs, false))
		return ps_fail(c, "Status SNACK for StatSN %u: a SCSI Response with StatSN %u, ITT 0x%x, not a replica",
			       statsn, pdu_w(again.bhs, PDU_TGT_STATSN), pdu_itt(again.bhs));
	return ps_pass(c, "StatSN %u sent again, a replica", statsn);
}

/* §11.16: "Any SNACK that requests a numbered-response, Data, or R2T that
 * was not sent by the target ... MUST be rejected with a reason code of
 * 'Protocol error'". */
static enum ps_verdict snack_not_sent(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *s = open_erl1(c, 0, false, false, &na);
	if (s == NULL)
		return na ? PS_NA : PS_FAIL;
	pw_oracle_stop(&s->w);
	uint32_t beg = s->exp_statsn + 16;
	if (send_snack(c, s, ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, beg, 1) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	if (!ps_expect(c, s, ISCSI_OP_REJECT, &p))
		return PS_FAIL;
	if (p.bhs[PDU_REJECT_REASON] != ISCSI_REJECT_PROTOCOL_ERROR)
		return ps_fail(c, "Reject reason 0x%02x, want 0x04", p.bhs[PDU_REJECT_REASON]);
	return ps_pass(c, "a Status SNACK for StatSN %u, not sent yet: Reject 0x04", beg);
}

/* §11.16: Data-In asked for again by DataSN, a replica but for ExpCmdSN
 * and MaxCmdSN. 512-byte PDUs: a read of two blocks is several. */
static enum ps_verdict data_snack(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *s = open_erl1(c, 512, false, false, &na);
	if (s == NULL)
		return na ? PS_NA : PS_FAIL;
	if (ps_capacity(c, s) != 0)
		return PS_FAIL;
	uint32_t len = 2 * c->block_size;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_READ, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, len);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x28;
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, 2);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	uint8_t second[ISCSI_BHS_LEN];
	uint32_t n = 0, statsn = 0;
	for (;;) {
		struct pw_pdu p;
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "READ(10) of %u bytes: no status", len);
		uint8_t op = pdu_opcode(p.bhs);
		if (op == ISCSI_OP_DATA_IN && n++ == 1) {
			memcpy(second, p.bhs, sizeof(second));
			memcpy(buf, p.data, p.dsl < sizeof(buf) ? p.dsl : sizeof(buf));
		}
		if (op == ISCSI_OP_SCSI_RSP || (op == ISCSI_OP_DATA_IN && (p.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS))) {
			statsn = pdu_w(p.bhs, PDU_TGT_STATSN);
			break;
		}
	}
	if (n < 2)
		return ps_na(c, "the read came in %u Data-In PDU(s)", n);
	pw_oracle_stop(&s->w);
	s->exp_statsn = statsn; /* the status not acknowledged: the data may be asked for */
	if (send_snack(c, s, ISCSI_SNACK_DATA_R2T, itt, 1, 1) != 0)
		return PS_FAIL;
	struct pw_pdu again;
	if (!ps_expect(c, s, ISCSI_OP_DATA_IN, &again))
		return PS_FAIL;
	if (!replica(second, again.bhs, false) || memcmp(buf, again.data, again.dsl) != 0)
		return ps_fail(c, "Data SNACK for DataSN 1: DataSN %u at offset %u, not a replica",
			       pdu_w(again.bhs, PDU_DATA_IN_DATASN), pdu_w(again.bhs, PDU_DATA_IN_BUFFER_OFFSET));
	return ps_pass(c, "DataSN 1 sent again, a replica");
}

/* A WRITE(10) of one block at LBA 0 without immediate data, sent, and
 * its first R2T in *r2t (the ITT in *itt); 0, or -1 after ps_fail. */
static int write_awaiting_r2t(struct ps_ctx *c, struct ps_sess *s, uint32_t *itt, struct pw_pdu *r2t)
{
	if (ps_capacity(c, s) != 0)
		return -1;
	struct ipdu_tx tx;
	*itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE, *itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, c->block_size);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x2a;
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, 1);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return -1;
	return ps_expect(c, s, ISCSI_OP_R2T, r2t) ? 0 : -1;
}

/* §11.16: an R2T asked for again by R2TSN: a replica but for StatSN,
 * ExpCmdSN and MaxCmdSN ("R2T(s) requested by SNACK MUST also carry the
 * current value of StatSN"); the write then completes. */
static enum ps_verdict r2t_snack(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *s = open_erl1(c, 0, false, false, &na);
	if (s == NULL)
		return na ? PS_NA : PS_FAIL;
	uint32_t itt;
	struct pw_pdu first, again;
	if (write_awaiting_r2t(c, s, &itt, &first) != 0)
		return PS_FAIL;
	pw_oracle_stop(&s->w);
	if (send_snack(c, s, ISCSI_SNACK_DATA_R2T, itt, pdu_w(first.bhs, PDU_R2T_R2TSN), 1) != 0)
		return PS_FAIL;
	if (!ps_expect(c, s, ISCSI_OP_R2T, &again))
		return PS_FAIL;
	if (!replica(first.bhs, again.bhs, true))
		return ps_fail(c, "R2T SNACK for R2TSN %u: R2TSN %u, TTT 0x%x, not a replica",
			       pdu_w(first.bhs, PDU_R2T_R2TSN), pdu_w(again.bhs, PDU_R2T_R2TSN), pdu_w(again.bhs, PDU_R2T_TTT));
	if (ps_answer_r2t(c, s, &again) != 0)
		return PS_FAIL;
	struct pw_pdu st;
	if (!ps_expect(c, s, ISCSI_OP_SCSI_RSP, &st))
		return PS_FAIL;
	if (st.bhs[PDU_SCSI_RSP_STATUS] != 0)
		return ps_fail(c, "the write ended with status 0x%02x", st.bhs[PDU_SCSI_RSP_STATUS]);
	return ps_pass(c, "R2TSN %u sent again, a replica; the write completed", pdu_w(first.bhs, PDU_R2T_R2TSN));
}

/* §7.8: a Data-Out with a data digest error is answered with Reject
 * "Data (payload) Digest Error" and discarded; the target MUST then ask
 * for the data again by R2T (a) or end the task with CHECK CONDITION,
 * "protocol service CRC error" (b). */
static enum ps_verdict data_digest_data_out(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *s = open_erl1(c, 0, false, true, &na);
	if (s == NULL)
		return na ? PS_NA : PS_FAIL;
	uint32_t itt;
	struct ipdu_tx tx;
	struct pw_pdu r2t, p;
	if (write_awaiting_r2t(c, s, &itt, &r2t) != 0)
		return PS_FAIL;
	uint32_t len = pdu_w(r2t.bhs, PDU_R2T_DESIRED_LENGTH);
	uint32_t mrdsl = s->params.tgt_mrdsl ? s->params.tgt_mrdsl : ISCSI_MRDSL_DEFAULT;
	if (len > mrdsl || len > sizeof(buf) || len % 4 != 0)
		return ps_na(c, "an R2T for %u bytes does not fit one Data-Out", len);
	memset(buf, 0x5a, len);
	ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, ISCSI_FLAG_FINAL, itt);
	memcpy(tx.bhs + PDU_LUN, r2t.bhs + PDU_LUN, 8);
	pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, pdu_w(r2t.bhs, PDU_R2T_TTT));
	pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, pdu_w(r2t.bhs, PDU_R2T_BUFFER_OFFSET));
	ipdu_tx_seal(&tx, buf, len, s->w.header_digest, true);
	tx.tail[0] ^= 0xff; /* no padding (a multiple of 4): the digest's first byte */
	pw_oracle_stop(&s->w);
	if (pw_send(&s->w, &tx, PW_HIDDEN) != 0)
		return ps_fail(c, "the connection closed");
	if (!ps_expect(c, s, ISCSI_OP_REJECT, &p))
		return PS_FAIL;
	if (p.bhs[PDU_REJECT_REASON] != ISCSI_REJECT_DATA_DIGEST)
		return ps_fail(c, "Reject reason 0x%02x, want 0x02 (§7.8)", p.bhs[PDU_REJECT_REASON]);
	if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
		return ps_fail(c, "after the Reject: nothing, want a recovery R2T or the status (§7.8)");
	if (pdu_opcode(p.bhs) == ISCSI_OP_SCSI_RSP)
		return ps_pass(c, "Reject 0x02, then the task ended with status 0x%02x (§7.8 b)",
			       p.bhs[PDU_SCSI_RSP_STATUS]);
	if (pdu_opcode(p.bhs) != ISCSI_OP_R2T || pdu_itt(p.bhs) != itt)
		return ps_fail(c, "after the Reject: %s, want a recovery R2T or the status (§7.8)",
			       pdu_opcode_name(pdu_opcode(p.bhs)));
	if (ps_answer_r2t(c, s, &p) != 0 || !ps_expect(c, s, ISCSI_OP_SCSI_RSP, &p))
		return PS_FAIL;
	if (p.bhs[PDU_SCSI_RSP_STATUS] != 0)
		return ps_fail(c, "after the recovery R2T the write ended with status 0x%02x", p.bhs[PDU_SCSI_RSP_STATUS]);
	return ps_pass(c, "Reject 0x02, a recovery R2T (§7.8 a), the write completed");
}

/* §7.8: a PDU with a header digest error: the target "MUST either discard
 * the header and all data up to the beginning of a later PDU or close the
 * connection". A lost command is retried with its CmdSN (§7.2.1). */
static enum ps_verdict header_digest_discard(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *s = open_erl1(c, 0, true, false, &na);
	if (s == NULL)
		return na ? PS_NA : PS_FAIL;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_NOP_OUT, false, ISCSI_FLAG_FINAL, itt);
	pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	uint8_t bad[ISCSI_BHS_LEN];
	memcpy(bad, tx.bhs, sizeof(bad));
	ipdu_tx_seal(&tx, NULL, 0, true, s->w.data_digest);
	tx.hdigest[0] ^= 0xff;
	pw_oracle_stop(&s->w);
	if (pw_send(&s->w, &tx, PW_HIDDEN) != 0)
		return ps_pass(c, "the connection closed (allowed)");
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_QUIET_NS, &p);
	if (r == PW_CLOSED)
		return ps_pass(c, "the connection closed (allowed)");
	if (r == PW_PDU)
		return ps_fail(c, "a NOP-Out with a wrong header digest answered with %s", pdu_opcode_name(pdu_opcode(p.bhs)));
	/* discarded: the retry, same ITT and CmdSN */
	memcpy(tx.bhs, bad, sizeof(bad));
	pdu_set_w(tx.bhs, PDU_INI_EXPSTATSN, s->exp_statsn);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	if (!ps_expect(c, s, ISCSI_OP_NOP_IN, &p))
		return PS_FAIL;
	if (pdu_itt(p.bhs) != itt)
		return ps_fail(c, "the retried NOP-Out's answer has ITT 0x%x, want 0x%x", pdu_itt(p.bhs), itt);
	return ps_pass(c, "discarded, the connection kept; the retry was answered");
}

const struct ps_test ps_tests_erl[] = {
	{ "erl.status-snack", "11.16", PS_MUST, "ERL 1: a Status SNACK gets the response again, a replica", status_snack },
	{ "erl.snack-not-sent", "11.16", PS_MUST, "ERL 1: a SNACK for a StatSN not sent yet: Reject 0x04", snack_not_sent },
	{ "erl.data-snack", "11.16", PS_MUST, "ERL 1: a Data SNACK gets the Data-In again, a replica", data_snack },
	{ "erl.r2t-snack", "11.16", PS_MUST, "ERL 1: an R2T SNACK gets the R2T again, a replica", r2t_snack },
	{ "erl.data-digest-data-out", "7.8", PS_MUST, "ERL 1: Data-Out digest error: Reject 0x02, then R2T or status",
	  data_digest_data_out },
	{ "erl.header-digest", "7.8", PS_MUST, "ERL 1: header digest error: PDU discarded (retry answered) or connection closed",
	  header_digest_discard },
};
const unsigned ps_tests_erl_n = sizeof(ps_tests_erl) / sizeof(ps_tests_erl[0]);
