/* SNACK at ErrorRecoveryLevel 1, the edges test_engine_erl.c leaves out
 * (RFC 7143 §11.16, §11.16.2-3, §11.16.6, §4.2.2.2): runs that start at
 * BegRun and run to the end (RunLength 0), runs not sent or no longer
 * kept, a store shared by several tasks, an ITT used again, DataACKs that
 * ask for nothing or for more than they may, an ExpStatSN from the future,
 * and R-Data SNACKs after MaxRecvDataSegmentLength changed, twice in a
 * row, and when the engine is out of memory. Each checks what the
 * initiator sees and that nothing kept is lost on the way. */
#include <check.h>
#include <string.h>

#include "engine_fixture.h"

/* Small PDUs and bursts: a read of 4 blocks is Data-In DataSN 0..3, the
 * first burst ending (A bit) at DataSN 1. */
static const char erl1_small[] = "ErrorRecoveryLevel=1\0MaxRecvDataSegmentLength=512\0MaxBurstLength=1024\0"
				 "FirstBurstLength=512";

static void expect_op(uint8_t op)
{
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), op);
}

/* A Reject "Protocol Error" (§11.17.1); for Data/R2T SNACKs it names the
 * next DataSN the task would send (§11.17.2). */
static void expect_protocol_reject(void)
{
	expect_op(ISCSI_OP_REJECT);
	ck_assert_uint_eq(I.bhs[PDU_REJECT_REASON], ISCSI_REJECT_PROTOCOL_ERROR);
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

/* Expect the Data-In PDUs first..last of a read of w (512 bytes each). */
static void expect_data_in(uint32_t first, uint32_t last, const uint8_t *w)
{
	for (uint32_t k = first; k <= last; k++) {
		expect_op(ISCSI_OP_DATA_IN);
		ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), k);
		ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_BUFFER_OFFSET), k * BS);
		ck_assert_uint_eq(I.data_len, BS);
		ck_assert_mem_eq(I.data, w + k * BS, BS);
	}
}

/* Write 4 blocks of a pattern (from seed) at lba; the pattern into w. */
static void write4(uint32_t lba, uint8_t *w, uint8_t seed)
{
	for (unsigned k = 0; k < 4 * BS; k++)
		w[k] = (uint8_t)(k * 31 + seed);
	write_r2t(lba, 4, w);
}

/* Read 4 blocks at lba, expecting w, in 4 Data-In; their headers into
 * hdrs. The read's status is left unacknowledged (I.exp_stat_sn at its
 * StatSN). */
static uint32_t read4(uint32_t lba, const uint8_t *w, uint8_t hdrs[4][ISCSI_BHS_LEN])
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, lba, 4);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, 4 * BS, NULL, 0);
	fake_disk_run(&F, E);
	for (unsigned k = 0; k < 4; k++) {
		expect_op(ISCSI_OP_DATA_IN);
		ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), k);
		ck_assert_mem_eq(I.data, w + k * BS, BS);
		memcpy(hdrs[k], I.bhs, ISCSI_BHS_LEN);
	}
	ck_assert(hdrs[3][PDU_FLAGS] & ISCSI_DATAIN_STATUS);
	ck_assert(hdrs[1][PDU_FLAGS] & ISCSI_DATAIN_ACK);
	I.exp_stat_sn = pdu_w(hdrs[3], PDU_TGT_STATSN);
	return itt;
}

/* write4 then read4. */
static uint32_t write_read4(uint32_t lba, uint8_t *w, uint8_t hdrs[4][ISCSI_BHS_LEN], uint8_t seed)
{
	write4(lba, w, seed);
	return read4(lba, w, hdrs);
}

/* ---- runs (§11.16.6) ---- */

START_TEST(snack_data_runs_from_begrun_to_the_end_and_begrun_0_means_all)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = write_read4(100, w, hdrs, 1);
	uint32_t stat_sn = I.exp_stat_sn;
	/* BegRun 0, RunLength 0: everything not acknowledged */
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 0, 0);
	expect_data_in(0, 3, w);
	ck_assert_uint_eq(ini_pending(&I), 0);
	I.exp_stat_sn = stat_sn;
	/* BegRun 2, RunLength 0: from DataSN 2 to the last one sent */
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 2, 0);
	expect_data_in(2, 3, w);
	ck_assert_uint_eq(ini_pending(&I), 0);
	I.exp_stat_sn = stat_sn;
	/* BegRun past the last one sent: Reject naming the next DataSN */
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 5, 0);
	expect_protocol_reject();
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_REJECT_DATASN), 4);
	/* what was resent is still there to ask for */
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 3, 1);
	expect_data_in(3, 3, w);
}
END_TEST

START_TEST(snack_data_run_no_longer_kept_in_part_is_rejected_whole)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = write_read4(110, w, hdrs, 2);
	uint32_t stat_sn = I.exp_stat_sn;
	/* DataACK up to DataSN 2: 0 and 1 are let go */
	snack(ISCSI_SNACK_DATA_ACK, ISCSI_TAG_RESERVED, pdu_w(hdrs[1], PDU_DATA_IN_TTT), 2, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* from DataSN 1 on: 1 is gone, so nothing is resent (§11.16) */
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 1, 0);
	expect_protocol_reject();
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_REJECT_DATASN), 4);
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* from DataSN 2 on is whole */
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 2, 0);
	expect_data_in(2, 3, w);
}
END_TEST

START_TEST(snack_data_of_one_task_resends_only_that_task_among_several_kept)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t wa[4 * BS], wb[4 * BS], ha[4][ISCSI_BHS_LEN], hb[4][ISCSI_BHS_LEN];
	write4(120, wa, 3);
	write4(130, wb, 4);
	uint32_t hold = I.exp_stat_sn;
	uint32_t a = read4(120, wa, ha);
	I.exp_stat_sn = hold; /* nothing of a acknowledged by b's command */
	uint32_t b = read4(130, wb, hb);
	I.exp_stat_sn = hold;
	snack(ISCSI_SNACK_DATA_R2T, a, ISCSI_TAG_RESERVED, 1, 2);
	expect_data_in(1, 2, wa);
	ck_assert_uint_eq(ini_pending(&I), 0);
	I.exp_stat_sn = hold;
	snack(ISCSI_SNACK_DATA_R2T, b, ISCSI_TAG_RESERVED, 0, 0);
	expect_data_in(0, 3, wb);
	ck_assert_uint_eq(ini_pending(&I), 0);
}
END_TEST

START_TEST(snack_status_run_0_0_resends_every_kept_response_but_not_the_ping)
{
	login_ok("ErrorRecoveryLevel=1", sizeof("ErrorRecoveryLevel=1"));
	clear_ua();
	uint32_t hold = I.exp_stat_sn;
	/* the target's ping: ITT reserved, it asks for an answer but is no
	 * numbered response (§11.19), so it is not kept */
	F.now_ns = rt_next_deadline(E);
	rt_on_time(E);
	expect_op(ISCSI_OP_NOP_IN);
	ck_assert_uint_eq(pdu_itt(I.bhs), ISCSI_TAG_RESERVED);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_NOP_TTT, pdu_w(I.bhs, PDU_NOP_TTT));
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, hold);
	ini_send(&I, bhs, NULL, 0);
	uint32_t itt[2];
	uint8_t rsp[2][ISCSI_BHS_LEN];
	for (unsigned k = 0; k < 2; k++) {
		I.exp_stat_sn = hold;
		itt[k] = ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
		ck_assert_uint_eq(scsi_status(), 0x00);
		memcpy(rsp[k], I.bhs, ISCSI_BHS_LEN);
	}
	I.exp_stat_sn = hold;
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, 0, 0);
	for (unsigned k = 0; k < 2; k++) {
		expect_op(ISCSI_OP_SCSI_RSP);
		ck_assert_uint_eq(pdu_itt(I.bhs), itt[k]);
		/* a replica but for ExpCmdSN and MaxCmdSN (§11.16) */
		ck_assert_mem_eq(I.bhs, rsp[k], PDU_TGT_EXPCMDSN);
		ck_assert_mem_eq(I.bhs + PDU_TGT_MAXCMDSN + 4, rsp[k] + PDU_TGT_MAXCMDSN + 4,
				 ISCSI_BHS_LEN - PDU_TGT_MAXCMDSN - 4);
	}
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* a Data SNACK must name a task (§11.16.1) */
	snack(ISCSI_SNACK_DATA_R2T, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, 0, 0);
	expect_protocol_reject();
}
END_TEST

/* ---- acknowledgement (§4.2.2.2) ---- */

START_TEST(snack_expstatsn_beyond_what_was_sent_releases_nothing)
{
	login_ok("ErrorRecoveryLevel=1", sizeof("ErrorRecoveryLevel=1"));
	clear_ua();
	uint32_t itt = ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	uint32_t stat_sn = pdu_w(I.bhs, PDU_TGT_STATSN);
	/* an ExpStatSN far beyond the last StatSN sent acknowledges nothing */
	I.exp_stat_sn = stat_sn + 100;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert(!F.conns[1].closed);
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, stat_sn, 1);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(I.bhs), itt);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), stat_sn);
}
END_TEST

/* ---- an ITT used again (§11.16, recovery.h) ---- */

START_TEST(snack_itt_used_again_keeps_the_old_status_and_drops_the_old_data)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = write_read4(140, w, hdrs, 5);
	uint32_t read_sn = I.exp_stat_sn;
	/* the initiator has its status, and uses the ITT for a new command
	 * while the status is still unacknowledged */
	uint32_t next_itt = I.itt;
	I.itt = itt;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	I.itt = next_itt;
	ck_assert_uint_eq(scsi_status(), 0x00);
	uint32_t tur_sn = pdu_w(I.bhs, PDU_TGT_STATSN);
	ck_assert_uint_eq(pdu_itt(I.bhs), itt);
	/* the read's status is still a status: a Status SNACK gets it */
	I.exp_stat_sn = read_sn;
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, read_sn, 1);
	expect_op(ISCSI_OP_DATA_IN);
	ck_assert_mem_eq(I.bhs, hdrs[3], 24);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), read_sn);
	ck_assert_mem_eq(I.data, w + 3 * BS, BS);
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* ... but the ITT's data now is the new command's: it has none */
	I.exp_stat_sn = read_sn;
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 0, 1);
	expect_protocol_reject();
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_REJECT_DATASN), 0);
	/* and the new command's response is kept too */
	I.exp_stat_sn = read_sn;
	snack(ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, tur_sn, 1);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), tur_sn);
}
END_TEST

/* ---- DataACK (§11.16.2) ---- */

START_TEST(snack_data_ack_with_reserved_ttt_or_past_the_a_bit_frees_no_more_than_allowed)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = write_read4(150, w, hdrs, 6);
	uint32_t stat_sn = I.exp_stat_sn;
	/* a DataACK naming no A-bit PDU (TTT reserved) frees nothing */
	snack(ISCSI_SNACK_DATA_ACK, ISCSI_TAG_RESERVED, ISCSI_TAG_RESERVED, 4, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 0, 1);
	expect_data_in(0, 0, w);
	/* BegRun 4 acknowledges at most up to the A-bit PDU, DataSN 1 */
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_ACK, ISCSI_TAG_RESERVED, pdu_w(hdrs[1], PDU_DATA_IN_TTT), 4, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 1, 1);
	expect_protocol_reject();
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_DATA_R2T, itt, ISCSI_TAG_RESERVED, 2, 2);
	expect_data_in(2, 3, w);
}
END_TEST

/* ---- R-Data (§11.16.3) ---- */

/* A Text Request in full feature phase declaring our
 * MaxRecvDataSegmentLength (§13.12: declarative, no answer key). */
static void declare_mrdsl(const char *kv, uint32_t len)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TEXT_REQ, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, I.itt++);
	pdu_set_w(bhs, PDU_TEXT_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn++);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, I.exp_stat_sn);
	ini_send(&I, bhs, kv, len);
	expect_op(ISCSI_OP_TEXT_RSP);
}

START_TEST(snack_rdata_cuts_to_the_new_mrdsl_and_still_ends_bursts)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = write_read4(160, w, hdrs, 7);
	uint32_t stat_sn = I.exp_stat_sn;
	/* DataACK BegRun 1: DataSN 0 is let go */
	snack(ISCSI_SNACK_DATA_ACK, ISCSI_TAG_RESERVED, pdu_w(hdrs[1], PDU_DATA_IN_TTT), 1, 0);
	static const char mrdsl[] = "MaxRecvDataSegmentLength=2048";
	declare_mrdsl(mrdsl, sizeof(mrdsl));
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_RDATA, itt, 0x77, 0, 0);
	/* from DataSN 1 at offset 512: 512 bytes to the burst's end (F),
	 * then the last burst whole in one PDU of 1024 */
	expect_op(ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), 1);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_BUFFER_OFFSET), BS);
	ck_assert_uint_eq(I.data_len, BS);
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_FLAG_FINAL);
	ck_assert_mem_eq(I.data, w + BS, BS);
	expect_op(ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_DATASN), 2);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_BUFFER_OFFSET), 2 * BS);
	ck_assert_uint_eq(I.data_len, 2 * BS);
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_FLAG_FINAL);
	ck_assert_mem_eq(I.data, w + 2 * BS, 2 * BS);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_SNACK_TAG), 0x77);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), stat_sn);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_EXPDATASN), 3);
	ck_assert_uint_eq(ini_pending(&I), 0);
}
END_TEST

START_TEST(snack_rdata_twice_resends_the_same_data_and_the_tagged_response)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = write_read4(170, w, hdrs, 8);
	uint32_t stat_sn = I.exp_stat_sn;
	snack(ISCSI_SNACK_RDATA, itt, 0x100, 0, 0);
	expect_data_in(0, 3, w);
	expect_op(ISCSI_OP_SCSI_RSP);
	uint8_t first[ISCSI_BHS_LEN];
	memcpy(first, I.bhs, sizeof(first));
	/* what was resent replaced what was kept: a second R-Data SNACK
	 * (lost again) gets it all again, now ended by a copy of the
	 * tagged SCSI Response, with the new tag */
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_RDATA, itt, 0x101, 0, 0);
	expect_data_in(0, 3, w);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_SNACK_TAG), 0x101);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_STATSN), stat_sn);
	ck_assert_uint_eq(I.bhs[PDU_SCSI_RSP_STATUS], first[PDU_SCSI_RSP_STATUS]);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_EXPDATASN), 4);
	ck_assert_uint_eq(ini_pending(&I), 0);
}
END_TEST

START_TEST(snack_rdata_without_memory_is_rejected_and_loses_nothing)
{
	login_ok(erl1_small, sizeof(erl1_small));
	clear_ua();
	uint8_t w[4 * BS], hdrs[4][ISCSI_BHS_LEN];
	uint32_t itt = write_read4(180, w, hdrs, 9);
	uint32_t stat_sn = I.exp_stat_sn;
	F.fail_alloc_at = F.allocs; /* the buffer for the data to resend */
	snack(ISCSI_SNACK_RDATA, itt, 0x200, 0, 0);
	F.fail_alloc_at = -1;
	expect_op(ISCSI_OP_REJECT);
	ck_assert_uint_eq(I.bhs[PDU_REJECT_REASON], ISCSI_REJECT_OUT_OF_RESOURCES);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert(!F.conns[1].closed);
	/* the initiator asks again: everything was still kept */
	I.exp_stat_sn = stat_sn;
	snack(ISCSI_SNACK_RDATA, itt, 0x201, 0, 0);
	expect_data_in(0, 3, w);
	expect_op(ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_SNACK_TAG), 0x201);
}
END_TEST

Suite *suite_engine_snack(void)
{
	Suite *s = suite_create("engine_snack");
	TCase *tc = tcase_create("snack");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, snack_data_runs_from_begrun_to_the_end_and_begrun_0_means_all);
	tcase_add_test(tc, snack_data_run_no_longer_kept_in_part_is_rejected_whole);
	tcase_add_test(tc, snack_data_of_one_task_resends_only_that_task_among_several_kept);
	tcase_add_test(tc, snack_status_run_0_0_resends_every_kept_response_but_not_the_ping);
	tcase_add_test(tc, snack_expstatsn_beyond_what_was_sent_releases_nothing);
	tcase_add_test(tc, snack_itt_used_again_keeps_the_old_status_and_drops_the_old_data);
	tcase_add_test(tc, snack_data_ack_with_reserved_ttt_or_past_the_a_bit_frees_no_more_than_allowed);
	tcase_add_test(tc, snack_rdata_cuts_to_the_new_mrdsl_and_still_ends_bursts);
	tcase_add_test(tc, snack_rdata_twice_resends_the_same_data_and_the_tagged_response);
	tcase_add_test(tc, snack_rdata_without_memory_is_rejected_and_loses_nothing);
	suite_add_tcase(s, tc);
	return s;
}
