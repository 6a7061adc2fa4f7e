/* ErrorRecoveryLevel 1 end to end over the fake environment (RFC 7143
 * §7.1.4.1-2, §7.8, §7.9, §11.16): negotiation, a header digest error
 * discarding one PDU, CmdSN gaps, recovery R2T for lost Data-Out, the
 * Reject of damaged immediate data, and SNACK of every type, with what the
 * target keeps for it and its bound. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"
#include "core/limits.h"
#include "engine_fixture.h"

static const char erl1[] = "ErrorRecoveryLevel=1";
/* Small PDUs and bursts: a read of a few blocks is several Data-In, and
 * a burst ends (A bit) before the last one. */
static const char erl1_small[] = "ErrorRecoveryLevel=1\0MaxRecvDataSegmentLength=512\0MaxBurstLength=1024\0"
				 "FirstBurstLength=512";
static const char erl1_hd[] = "ErrorRecoveryLevel=1\0HeaderDigest=CRC32C";
static const char erl1_dd[] = "ErrorRecoveryLevel=1\0DataDigest=CRC32C\0ImmediateData=Yes";

static void expect_op(uint8_t op)
{
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), op);
}

static void expect_reject(uint8_t reason)
{
	expect_op(ISCSI_OP_REJECT);
	ck_assert_uint_eq(I.bhs[PDU_REJECT_REASON], reason);
}

static void nop_out(uint32_t itt, uint32_t cmd_sn)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, I.exp_stat_sn);
	ini_send(&I, bhs, NULL, 0);
}

/* A PDU whose header digest is wrong (I.hd on, no data digest). */
static void send_bad_header(uint8_t *bhs, const void *data, uint32_t len)
{
	uint8_t buf[ISCSI_BHS_LEN + 4 + 1024];
	ck_assert_uint_le(len, 1024 - 3);
	pdu_set_dsl(bhs, len);
	memcpy(buf, bhs, ISCSI_BHS_LEN);
	crc32c_put(buf + ISCSI_BHS_LEN, crc32c(bhs, ISCSI_BHS_LEN) ^ 1);
	if (len > 0)
		memcpy(buf + ISCSI_BHS_LEN + 4, data, len);
	memset(buf + ISCSI_BHS_LEN + 4 + len, 0, pdu_pad(len));
	rt_on_bytes(E, 1, buf, ISCSI_BHS_LEN + 4 + len + pdu_pad(len));
}

/* A PDU with 4 bytes of data whose data digest is wrong (I.dd on). */
static void send_bad_data(uint8_t *bhs, const uint8_t *data4)
{
	uint8_t pdu[ISCSI_BHS_LEN + 4 + 4];
	memcpy(pdu, bhs, ISCSI_BHS_LEN);
	pdu_set_dsl(pdu, 4);
	memcpy(pdu + ISCSI_BHS_LEN, data4, 4);
	crc32c_put(pdu + ISCSI_BHS_LEN + 4, crc32c(pdu + ISCSI_BHS_LEN, 4) ^ 1);
	rt_on_bytes(E, 1, pdu, sizeof(pdu));
}

static void snack(uint8_t type, uint32_t itt, uint32_t ttt, uint32_t beg, uint32_t run)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SNACK, ISCSI_FLAG_FINAL | type);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SNACK_TTT, ttt);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, I.exp_stat_sn);
	pdu_set_w(bhs, PDU_SNACK_BEGRUN, beg);
	pdu_set_w(bhs, PDU_SNACK_RUNLENGTH, run);
	ini_send(&I, bhs, NULL, 0);
}

/* Log in with keys, allowing the digests they ask for (the target offers
 * an allowed digest the initiator is silent on, and the login would not
 * end in one PDU). */
static void login_erl1(const char *keys, uint32_t len, bool hd, bool dd)
{
	cfg.params.header_digest = hd;
	cfg.params.data_digest = dd;
	login_ok(keys, len);
}

/* ---- negotiation (§13.20) ---- */

START_TEST(erl_snack_is_rejected_when_level_0_was_negotiated)
{
	login_ok(NULL, 0); /* the initiator says nothing: §13.20 default 0 */
	clear_ua();
	uint32_t sn = I.exp_stat_sn - 1;
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, sn, 1);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

START_TEST(erl_snack_is_rejected_when_the_target_is_configured_for_level_0)
{
	cfg.params.error_recovery_level = 0; /* read at each login */
	login_ok(erl1, sizeof(erl1));
	clear_ua();
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, I.exp_stat_sn - 1, 1);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

/* ---- header digest errors (§7.8) ---- */

START_TEST(erl1_header_digest_error_discards_the_pdu_and_keeps_the_connection)
{
	login_erl1(erl1_hd, sizeof(erl1_hd), true, false);
	I.hd = true;
	clear_ua();
	uint32_t sn = I.cmd_sn;
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 0x77);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, sn);
	send_bad_header(bhs, "ping", 4);
	ck_assert(!F.conns[1].closed);
	ck_assert_uint_eq(ini_pending(&I), 0); /* discarded: nothing answers it */
	/* the next command is held behind the gap (§4.2.2.1) ... */
	nop_out(0x78, sn + 1);
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* ... until the initiator retries the lost one (§7.2.1) */
	nop_out(0x77, sn);
	expect_op(ISCSI_OP_NOP_IN);
	ck_assert_uint_eq(pdu_itt(I.bhs), 0x77);
	expect_op(ISCSI_OP_NOP_IN);
	ck_assert_uint_eq(pdu_itt(I.bhs), 0x78);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), sn + 2);
}
END_TEST

START_TEST(erl1_two_header_digest_errors_in_a_row_close_the_connection)
{
	login_erl1(erl1_hd, sizeof(erl1_hd), true, false);
	I.hd = true;
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 0x77);
	send_bad_header(bhs, NULL, 0);
	ck_assert(!F.conns[1].closed);
	/* where the skipped length pointed, no header checks out: the
	 * boundary is lost */
	send_bad_header(bhs, NULL, 0);
	ck_assert(F.conns[1].closed);
}
END_TEST

START_TEST(erl1_header_digest_error_with_an_impossible_length_closes_the_connection)
{
	login_erl1(erl1_hd, sizeof(erl1_hd), true, false);
	I.hd = true;
	uint8_t raw[ISCSI_BHS_LEN + 4] = { 0 };
	raw[0] = ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE;
	pdu_set_dsl(raw, RT_OFFER_MRDSL_DEFAULT + 1); /* above what we accept (the default config declares it) */
	rt_on_bytes(E, 1, raw, sizeof(raw));
	ck_assert(F.conns[1].closed);
}
END_TEST

START_TEST(erl1_lost_data_out_after_a_header_digest_error_gets_a_recovery_r2t)
{
	login_erl1(erl1_hd, sizeof(erl1_hd), true, false);
	I.hd = true;
	clear_ua();
	uint8_t w[4 * BS], r[4 * BS];
	for (unsigned k = 0; k < sizeof(w); k++)
		w[k] = (uint8_t)(k * 7 + 1);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 20, 4);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	expect_op(ISCSI_OP_R2T);
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_R2TSN), 0);
	ini_data_out(&I, itt, ttt, 0, 0, w, BS, false);
	/* DataSN 1 is lost to a header digest error ... */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_DATA_OUT, 0);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, ttt);
	pdu_set_w(bhs, PDU_DATA_OUT_DATASN, 1);
	pdu_set_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET, BS);
	send_bad_header(bhs, w + BS, BS);
	ck_assert(!F.conns[1].closed);
	/* ... so DataSN 2 shows a gap (§7.9): R2T for the rest (§7.8 a) */
	ini_data_out(&I, itt, ttt, 2, 2 * BS, w + 2 * BS, BS, false);
	expect_op(ISCSI_OP_R2T);
	uint32_t ttt2 = pdu_w(I.bhs, PDU_R2T_TTT);
	ck_assert_uint_ne(ttt2, ttt);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_R2TSN), 1);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_BUFFER_OFFSET), BS);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_DESIRED_LENGTH), 3 * BS);
	/* the old sequence's last PDU, still in flight, is discarded */
	ini_data_out(&I, itt, ttt, 3, 3 * BS, w + 3 * BS, BS, true);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ini_data_out(&I, itt, ttt2, 0, BS, w + BS, 3 * BS, true);
	ck_assert_uint_eq(scsi_status(), 0x00);
	read10(20, 4, r);
	ck_assert_mem_eq(w, r, sizeof(w));
}
END_TEST

START_TEST(erl1_lost_unsolicited_data_out_gets_a_recovery_r2t_for_the_rest)
{
	static const char keys[] = "ErrorRecoveryLevel=1\0HeaderDigest=CRC32C\0InitialR2T=No\0ImmediateData=No";
	cfg.params.initial_r2t = false;
	login_erl1(keys, sizeof(keys), true, false);
	I.hd = true;
	clear_ua();
	uint8_t w[4 * BS], r[4 * BS];
	for (unsigned k = 0; k < sizeof(w); k++)
		w[k] = (uint8_t)(k * 11 + 3);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 24, 4);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	ini_data_out(&I, itt, ISCSI_TAG_RESERVED, 0, 0, w, BS, false);
	/* unsolicited DataSN 1 is lost to a header digest error ... */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_DATA_OUT, 0);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_DATA_OUT_DATASN, 1);
	pdu_set_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET, BS);
	send_bad_header(bhs, w + BS, BS);
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* ... so DataSN 2 shows the gap (§7.9): an R2T for all from the
	 * first byte missing (§7.8) */
	ini_data_out(&I, itt, ISCSI_TAG_RESERVED, 2, 2 * BS, w + 2 * BS, BS, false);
	expect_op(ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_BUFFER_OFFSET), BS);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_DESIRED_LENGTH), 3 * BS);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_R2TSN), 0);
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	/* the rest of the unsolicited burst, in flight, is discarded */
	ini_data_out(&I, itt, ISCSI_TAG_RESERVED, 3, 3 * BS, w + 3 * BS, BS, true);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ini_data_out(&I, itt, ttt, 0, BS, w + BS, 3 * BS, true);
	ck_assert_uint_eq(scsi_status(), 0x00);
	read10(24, 4, r);
	ck_assert_mem_eq(w, r, sizeof(w));
}
END_TEST

/* ---- data digest errors (§7.8) ---- */

START_TEST(erl1_data_digest_error_on_data_out_gets_reject_and_a_recovery_r2t)
{
	login_erl1(erl1_dd, sizeof(erl1_dd), false, true);
	I.dd = true;
	clear_ua();
	uint8_t w[2 * BS], r[2 * BS];
	memset(w, 0x5a, sizeof(w));
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 30, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	expect_op(ISCSI_OP_R2T);
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_DATA_OUT, 0);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, ttt);
	send_bad_data(bhs, w);
	expect_reject(ISCSI_REJECT_DATA_DIGEST);
	expect_op(ISCSI_OP_R2T); /* not a CHECK CONDITION: ERL 0's answer */
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_BUFFER_OFFSET), 0);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_DESIRED_LENGTH), 2 * BS);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_R2TSN), 1);
	uint32_t ttt2 = pdu_w(I.bhs, PDU_R2T_TTT);
	ck_assert_uint_ne(ttt2, ttt);
	ini_data_out(&I, itt, ttt2, 0, 0, w, sizeof(w), true);
	ck_assert_uint_eq(scsi_status(), 0x00);
	read10(30, 2, r);
	ck_assert_mem_eq(w, r, sizeof(w));
	/* ExpDataSN counts both R2Ts and no Data-In (§11.4.8) */
}
END_TEST

START_TEST(erl1_data_digest_error_on_unsolicited_data_out_gets_an_r2t_for_the_rest)
{
	static const char keys[] = "ErrorRecoveryLevel=1\0DataDigest=CRC32C\0InitialR2T=No\0ImmediateData=No";
	cfg.params.initial_r2t = false;
	login_erl1(keys, sizeof(keys), false, true);
	I.dd = true;
	clear_ua();
	uint8_t w[2 * BS], r[2 * BS];
	memset(w, 0x3c, sizeof(w));
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 40, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_DATA_OUT, 0);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, ISCSI_TAG_RESERVED);
	send_bad_data(bhs, w);
	expect_reject(ISCSI_REJECT_DATA_DIGEST);
	expect_op(ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_BUFFER_OFFSET), 0);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_DESIRED_LENGTH), 2 * BS);
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	/* the rest of the unsolicited burst, in flight, is discarded */
	ini_data_out(&I, itt, ISCSI_TAG_RESERVED, 1, 4, w + 4, sizeof(w) - 4, true);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ini_data_out(&I, itt, ttt, 0, 0, w, sizeof(w), true);
	ck_assert_uint_eq(scsi_status(), 0x00);
	read10(40, 2, r);
	ck_assert_mem_eq(w, r, sizeof(w));
}
END_TEST

START_TEST(erl1_damaged_immediate_data_is_rejected_and_the_retry_runs_once)
{
	login_erl1(erl1_dd, sizeof(erl1_dd), false, true);
	I.dd = true;
	clear_ua();
	uint8_t cdb[16], bhs[ISCSI_BHS_LEN];
	uint8_t w[BS], r[BS];
	memset(w, 0x11, sizeof(w));
	cdb_rw10(cdb, 0x2a, 50, 1);
	uint32_t sn = I.cmd_sn;
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1);
	pdu_set_w(bhs, PDU_ITT, 0x500);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, 4);
	pdu_set_w(bhs, PDU_INI_CMDSN, sn);
	memcpy(bhs + PDU_SCSI_CMD_CDB, cdb, 16);
	send_bad_data(bhs, w);
	/* §7.8: Reject "Data (payload) Digest Error"; the CmdSN is a gap */
	expect_reject(ISCSI_REJECT_DATA_DIGEST);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), sn);
	/* §7.2.1: the retry carries the same ITT and CmdSN */
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, BS);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, I.exp_stat_sn);
	ini_send(&I, bhs, w, BS);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(pdu_itt(I.bhs), 0x500);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), sn + 1);
	I.cmd_sn = sn + 1;
	read10(50, 1, r);
	ck_assert_mem_eq(w, r, sizeof(w));
}
END_TEST

/* ---- SNACK (§11.16) ---- */

START_TEST(erl1_status_snack_resends_the_response_with_its_statsn)
{
	login_ok(erl1, sizeof(erl1));
	clear_ua();
	uint32_t itt = ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	uint8_t first[ISCSI_BHS_LEN];
	memcpy(first, I.bhs, sizeof(first));
	uint32_t stat_sn = pdu_w(first, PDU_TGT_STATSN);
	I.exp_stat_sn = stat_sn; /* as if it was lost: not acknowledged */
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, stat_sn, 1);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_mem_eq(I.bhs, first, ISCSI_BHS_LEN); /* an exact replica */
	ck_assert_uint_eq(pdu_itt(I.bhs), itt);
	/* a StatSN not sent yet: Reject (§11.16) */
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, stat_sn + 5, 1);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

START_TEST(erl1_status_snack_for_an_acknowledged_statsn_is_rejected)
{
	login_ok(erl1, sizeof(erl1));
	clear_ua();
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	uint32_t stat_sn = pdu_w(I.bhs, PDU_TGT_STATSN);
	/* ExpStatSN past it (every PDU carries it, §4.2.2.2): acknowledged */
	nop_out(0x90, I.cmd_sn++);
	expect_op(ISCSI_OP_NOP_IN);
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, stat_sn, 1);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

/* Read 4 blocks in 512-byte Data-In PDUs: DataSN 0..3, bursts of 1024. */
static uint32_t read4(uint32_t lba, uint8_t hdrs[4][ISCSI_BHS_LEN], uint8_t *out)
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, lba, 4);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, 4 * BS, NULL, 0);
	fake_disk_run(&F, E);
	for (unsigned k = 0; k < 4; k++) {
		expect_op(ISCSI_OP_DATA_IN);
		ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), k);
		memcpy(hdrs[k], I.bhs, ISCSI_BHS_LEN);
		memcpy(out + k * BS, I.data, BS);
	}
	ck_assert(hdrs[3][PDU_FLAGS] & ISCSI_DATAIN_STATUS);
	return itt;
}

START_TEST(erl1_data_snack_resends_data_in_by_datasn)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], r[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	for (unsigned k = 0; k < sizeof(w); k++)
		w[k] = (uint8_t)(k ^ 0xa5);
	write_r2t(60, 4, w);
	uint32_t itt = read4(60, hdrs, r);
	ck_assert_mem_eq(w, r, sizeof(w));
	I.exp_stat_sn = pdu_w(hdrs[3], PDU_TGT_STATSN); /* status not acknowledged */
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 1, 2);
	for (unsigned k = 1; k <= 2; k++) {
		expect_op(ISCSI_OP_DATA_IN);
		ck_assert_mem_eq(I.bhs, hdrs[k], 28); /* all but ExpCmdSN/MaxCmdSN */
		ck_assert_mem_eq(I.bhs + 36, hdrs[k] + 36, 12);
		ck_assert_mem_eq(I.data, w + k * BS, BS);
	}
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* a DataSN never sent: Reject naming the next DataSN (§11.17.2) */
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 4, 1);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_REJECT_DATASN), 4);
}
END_TEST

START_TEST(erl1_r2t_snack_resends_the_r2t)
{
	login_ok(erl1, sizeof(erl1));
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0x66, sizeof(w));
	cdb_rw10(cdb, 0x2a, 70, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	expect_op(ISCSI_OP_R2T);
	uint8_t r2t[ISCSI_BHS_LEN];
	memcpy(r2t, I.bhs, sizeof(r2t));
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 0, 1);
	expect_op(ISCSI_OP_R2T);
	ck_assert_mem_eq(I.bhs, r2t, ISCSI_BHS_LEN);
	ini_data_out(&I, itt, pdu_w(r2t, PDU_R2T_TTT), 0, 0, w, BS, true);
	ck_assert_uint_eq(scsi_status(), 0x00);
}
END_TEST

START_TEST(erl1_data_in_asks_for_a_data_ack_at_a_burst_end_and_the_ack_frees_it)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t r[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = read4(80, hdrs, r);
	/* §11.7.2: DataSN 1 ends the first burst of 1024 with more to come */
	ck_assert(hdrs[1][PDU_FLAGS] & ISCSI_FLAG_FINAL);
	ck_assert(hdrs[1][PDU_FLAGS] & ISCSI_DATAIN_ACK);
	uint32_t ttt = pdu_w(hdrs[1], PDU_DATA_IN_TTT);
	ck_assert_uint_ne(ttt, ISCSI_TAG_RESERVED);
	ck_assert(!(hdrs[0][PDU_FLAGS] & ISCSI_DATAIN_ACK));
	ck_assert(!(hdrs[3][PDU_FLAGS] & ISCSI_DATAIN_ACK));
	I.exp_stat_sn = pdu_w(hdrs[3], PDU_TGT_STATSN);
	/* DataACK up to DataSN 2 (BegRun: the next expected, §11.16.6) */
	snack(ISCSI_SNACK_DATA_ACK, ISCSI_TAG_RESERVED, ttt, 2, 0);
	ck_assert_uint_eq(ini_pending(&I), 0); /* no answer */
	/* acknowledged data cannot be asked for again (§11.16) */
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 0, 1);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	I.exp_stat_sn = pdu_w(hdrs[3], PDU_TGT_STATSN); /* the read's status still not acknowledged */
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 2, 2);
	expect_op(ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), 2);
	expect_op(ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), 3);
}
END_TEST

START_TEST(erl1_rdata_snack_resends_unacknowledged_data_and_a_tagged_response)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], r[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	for (unsigned k = 0; k < sizeof(w); k++)
		w[k] = (uint8_t)(k * 13);
	write_r2t(90, 4, w);
	uint32_t itt = read4(90, hdrs, r);
	uint32_t stat_sn = pdu_w(hdrs[3], PDU_TGT_STATSN);
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_ACK, ISCSI_TAG_RESERVED, pdu_w(hdrs[1], PDU_DATA_IN_TTT), 2, 0);
	/* a SNACK Tag of 0 is not allowed (§11.16.5) */
	snack(ISCSI_SNACK_RDATA, itt, 0, 0, 0);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	I.exp_stat_sn = stat_sn; /* the read's status still not acknowledged */
	snack(ISCSI_SNACK_RDATA, itt, 0x1234, 0, 0);
	/* from the last DataACK's BegRun (§11.16.3), no status in them */
	for (unsigned k = 2; k < 4; k++) {
		expect_op(ISCSI_OP_DATA_IN);
		ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), k);
		ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_BUFFER_OFFSET), k * BS);
		ck_assert(!(I.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS));
		ck_assert_mem_eq(I.data, w + k * BS, BS);
	}
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(I.bhs), itt);
	ck_assert_uint_eq(I.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_SNACK_TAG), 0x1234);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), stat_sn); /* the same StatSN */
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_EXPDATASN), 4);
	I.exp_stat_sn = stat_sn;
	/* a Status SNACK now gets the latest content: the tagged response */
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, stat_sn, 1);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_SNACK_TAG), 0x1234);
}
END_TEST

START_TEST(erl1_what_is_kept_is_bounded_and_released_by_expstatsn)
{
	login_ok(erl1, sizeof(erl1));
	clear_ua();
	/* reads never acknowledged: past RT_RCV_BYTES_MAX nothing more is kept */
	uint32_t first_sn = 0, last_sn = 0;
	uint32_t hold = I.exp_stat_sn;
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, 0, 128); /* 64 KiB */
	unsigned n = (unsigned)(RT_RCV_BYTES_MAX / (128 * BS)) + 2;
	for (unsigned k = 0; k < n; k++) {
		I.exp_stat_sn = hold;
		ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, 128 * BS, NULL, 0);
		ck_assert_uint_eq(scsi_status(), 0x00);
		last_sn = pdu_w(I.bhs, PDU_TGT_STATSN);
		if (k == 0)
			first_sn = last_sn;
	}
	I.exp_stat_sn = hold;
	ck_assert_uint_le(F.live_bytes, (uint64_t)64 << 20);
	/* the first is kept, the last is not: its SNACK is rejected */
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, first_sn, 1);
	expect_op(ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), first_sn);
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, last_sn, 1);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	/* acknowledging everything releases it all: room again */
	I.exp_stat_sn = last_sn + 2; /* the Reject had a StatSN too */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	uint32_t tur_sn = pdu_w(I.bhs, PDU_TGT_STATSN);
	I.exp_stat_sn = tur_sn;
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, tur_sn, 1);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), tur_sn);
}
END_TEST

START_TEST(erl1_reserved_snack_type_is_rejected)
{
	login_ok(erl1, sizeof(erl1));
	snack(7, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, 0, 0);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

Suite *suite_engine_erl(void)
{
	Suite *s = suite_create("engine_erl");
	TCase *tc = tcase_create("erl");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, erl_snack_is_rejected_when_level_0_was_negotiated);
	tcase_add_test(tc, erl_snack_is_rejected_when_the_target_is_configured_for_level_0);
	tcase_add_test(tc, erl1_header_digest_error_discards_the_pdu_and_keeps_the_connection);
	tcase_add_test(tc, erl1_two_header_digest_errors_in_a_row_close_the_connection);
	tcase_add_test(tc, erl1_header_digest_error_with_an_impossible_length_closes_the_connection);
	tcase_add_test(tc, erl1_lost_data_out_after_a_header_digest_error_gets_a_recovery_r2t);
	tcase_add_test(tc, erl1_lost_unsolicited_data_out_gets_a_recovery_r2t_for_the_rest);
	tcase_add_test(tc, erl1_data_digest_error_on_data_out_gets_reject_and_a_recovery_r2t);
	tcase_add_test(tc, erl1_data_digest_error_on_unsolicited_data_out_gets_an_r2t_for_the_rest);
	tcase_add_test(tc, erl1_damaged_immediate_data_is_rejected_and_the_retry_runs_once);
	tcase_add_test(tc, erl1_status_snack_resends_the_response_with_its_statsn);
	tcase_add_test(tc, erl1_status_snack_for_an_acknowledged_statsn_is_rejected);
	tcase_add_test(tc, erl1_data_snack_resends_data_in_by_datasn);
	tcase_add_test(tc, erl1_r2t_snack_resends_the_r2t);
	tcase_add_test(tc, erl1_data_in_asks_for_a_data_ack_at_a_burst_end_and_the_ack_frees_it);
	tcase_add_test(tc, erl1_rdata_snack_resends_unacknowledged_data_and_a_tagged_response);
	tcase_add_test(tc, erl1_what_is_kept_is_bounded_and_released_by_expstatsn);
	tcase_add_test(tc, erl1_reserved_snack_type_is_rejected);
	suite_add_tcase(s, tc);
	return s;
}
