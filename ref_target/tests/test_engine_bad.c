/* The engine against bad input and failures: malformed and oversize PDUs,
 * sequence errors, unknown tasks, timeouts, task management with disk I/O
 * in flight, allocation failures at every point. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"

START_TEST(engine_ends_a_write_with_a_wrong_datasn_and_keeps_the_connection)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[2 * BS] = { 0 };
	cdb_rw10(cdb, 0x2a, 100, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	ck_assert(ini_recv(&I));
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	ini_data_out(&I, itt, ttt, 27, 0, w, BS, false);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_REJECT);
	ck_assert_uint_eq(I.bhs[PDU_REJECT_REASON], ISCSI_REJECT_PROTOCOL_ERROR);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(I.bhs), itt);
	ck_assert_uint_eq(I.bhs[PDU_SCSI_RSP_STATUS], 0x02);
	/* sense: ABORTED COMMAND, DATA PHASE ERROR (fixed format after the length) */
	ck_assert_uint_eq(I.data[2 + 2] & 0x0f, 0x0b);
	ck_assert_uint_eq(I.data[2 + 12], 0x4b);
	/* the rest of the burst is discarded quietly; nothing reached the disk */
	ini_data_out(&I, itt, ttt, 1, BS, w + BS, BS, true);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert_uint_eq(F.npending, 0);
	ck_assert(!F.conns[1].closed);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
}
END_TEST

START_TEST(engine_rejects_an_unknown_opcode_and_continues)
{
	login_ok(NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, 0x1d, ISCSI_FLAG_FINAL);
	ini_send(&I, bhs, "junk", 4);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_REJECT);
	ck_assert_uint_eq(I.bhs[PDU_REJECT_REASON], ISCSI_REJECT_CMD_NOT_SUPPORTED);
	ck_assert_uint_eq(I.data_len, ISCSI_BHS_LEN);
	ck_assert(!F.conns[1].closed);
	clear_ua();
}
END_TEST

START_TEST(engine_drops_a_pdu_longer_than_maxrecvdatasegmentlength)
{
	login_ok(NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 9);
	pdu_set_dsl(bhs, 0xffffff);
	rt_on_bytes(E, 1, bhs, sizeof(bhs));
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_REJECT);
	ck_assert(F.conns[1].closed);
}
END_TEST

START_TEST(engine_drops_a_non_login_pdu_during_login)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL);
	rt_on_bytes(E, 1, bhs, sizeof(bhs));
	ck_assert(F.conns[1].closed);
	ck_assert_uint_eq(ini_pending(&I), 0);
}
END_TEST

START_TEST(engine_answers_abort_task_only_after_the_disk_returns)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0xee, sizeof(w));
	cdb_rw10(cdb, 0x2a, 3, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	ck_assert_uint_eq(F.npending, 1); /* the write is at the disk */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 900);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, itt);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, I.cmd_sn - 1);
	ini_send(&I, bhs, NULL, 0);
	ck_assert_uint_eq(ini_pending(&I), 0); /* no answer while the write is in flight */
	fake_disk_run(&F, E);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(I.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(pdu_itt(I.bhs), 900);
	ck_assert_uint_eq(ini_pending(&I), 0); /* and no status for the aborted task */
}
END_TEST

START_TEST(engine_answers_abort_of_an_unknown_task_with_task_does_not_exist)
{
	login_ok(NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 901);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, 0x1234);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, I.cmd_sn - 5);
	ini_send(&I, bhs, NULL, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(I.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

START_TEST(engine_rejects_a_malformed_ahs_and_continues)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t pdu[ISCSI_BHS_LEN + 8];
	pdu_init(pdu, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | 1);
	pdu[PDU_TOTAL_AHS_LEN] = 2; /* 8 bytes of AHS ... */
	pdu_set_w(pdu, PDU_ITT, 0x77);
	pdu_set_w(pdu, PDU_INI_CMDSN, I.cmd_sn);
	memset(pdu + ISCSI_BHS_LEN, 0, 8);
	put_be16(pdu + ISCSI_BHS_LEN, 300); /* ... claiming an AHS of 300 */
	pdu[ISCSI_BHS_LEN + 2] = 1;
	rt_on_bytes(E, 1, pdu, sizeof(pdu));
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_REJECT);
	ck_assert_uint_eq(I.bhs[PDU_REJECT_REASON], ISCSI_REJECT_INVALID_PDU_FIELD);
	/* the CmdSN stayed a gap: the same CmdSN is taken by the next command */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
}
END_TEST

START_TEST(engine_ignores_reserved_bits_as_rfc7143_section_11_says)
{
	login_ok(NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, 0xff); /* reserved bits of byte 1 set */
	bhs[2] = 0xaa;
	bhs[3] = 0x55;
	pdu_set_w(bhs, PDU_ITT, 78);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	memset(bhs + 32, 0xee, 16);
	ini_send(&I, bhs, NULL, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_NOP_IN);
	ck_assert_uint_eq(pdu_itt(I.bhs), 78);
}
END_TEST

START_TEST(engine_ends_a_write_whose_data_overruns_the_burst)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[4 * BS] = { 0 };
	cdb_rw10(cdb, 0x2a, 100, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, 2 * BS, NULL, 0);
	ck_assert(ini_recv(&I));
	ini_data_out(&I, itt, pdu_w(I.bhs, PDU_R2T_TTT), 0, 0, w, 4 * BS, true);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_REJECT);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(I.bhs[PDU_SCSI_RSP_STATUS], 0x02);
	ck_assert_uint_eq(I.data[2 + 12], 0x4b); /* TOO MUCH WRITE DATA 4B/02 */
	ck_assert_uint_eq(I.data[2 + 13], 0x02);
	ck_assert_uint_eq(F.npending, 0);
}
END_TEST

START_TEST(engine_discards_data_out_for_an_unknown_task_quietly)
{
	login_ok(NULL, 0);
	uint8_t w[BS] = { 0 };
	ini_data_out(&I, 0xabcdef, ISCSI_TAG_RESERVED, 0, 0, w, BS, true);
	ini_data_out(&I, 0xabcdef, 0x12345, 0, 0, w, BS, true);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert(!F.conns[1].closed);
	clear_ua();
}
END_TEST

START_TEST(engine_drops_a_login_that_never_completes)
{
	/* 20 bytes of a login BHS, then silence: no whole Login PDU, so the
	 * pre-login timer ends it (admit.h). */
	uint8_t part[20] = { ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, 0x87 };
	rt_on_bytes(E, 1, part, sizeof(part));
	ck_assert(!F.conns[1].closed);
	ck_assert_uint_eq(rt_next_deadline(E), F.now_ns + cfg.params.prelogin_timeout_ms * 1000000ull);
	F.now_ns = rt_next_deadline(E);
	rt_on_time(E);
	ck_assert(F.conns[1].closed);
	ck_assert(rt_engine_idle(E));
	struct rt_stats st;
	rt_engine_stats(E, &st);
	ck_assert_uint_eq(st.prelogin_timeouts, 1);
}
END_TEST

START_TEST(engine_forgets_a_connection_closed_mid_pdu)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS] = { 0 };
	cdb_rw10(cdb, 0x2a, 1, 2);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, 2 * BS);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	memcpy(bhs + PDU_SCSI_CMD_CDB, cdb, 16);
	pdu_set_dsl(bhs, BS);
	rt_on_bytes(E, 1, bhs, sizeof(bhs));
	rt_on_bytes(E, 1, w, 100); /* part of the immediate data */
	rt_on_conn_closed(E, 1);
	ck_assert(rt_engine_idle(E));
	ck_assert_uint_eq(F.npending, 0);
}
END_TEST

START_TEST(engine_never_writes_data_it_had_no_buffer_for)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[2 * BS];
	memset(w, 0x77, sizeof(w));
	memset(F.disk + 40 * BS, 0x11, 2 * BS);
	cdb_rw10(cdb, 0x2a, 40, 2);
	F.fail_alloc_at = F.allocs; /* the write buffer cannot be had */
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), w, sizeof(w));
	F.fail_alloc_at = -1;
	ck_assert_uint_eq(scsi_status(), SCSI_STATUS_TASK_SET_FULL);
	ck_assert_uint_eq(F.disk[40 * BS], 0x11); /* nothing written */
	/* and the initiator's retry works */
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), w, sizeof(w));
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(F.disk[40 * BS], 0x77);
}
END_TEST

START_TEST(engine_answers_abort_of_a_caw_between_its_read_and_write_without_writing)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16] = { 0x89 }, w[2 * BS];
	memset(w, 0, BS);          /* compare: zeroes, as on the disk */
	memset(w + BS, 0x5a, BS);  /* then write this */
	put_be64(cdb + 2, 60);
	cdb[13] = 1;
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), w, sizeof(w));
	ck_assert_uint_eq(F.npending, 1); /* its read */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 901);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, itt);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, I.cmd_sn - 1);
	ini_send(&I, bhs, NULL, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	fake_disk_run(&F, E); /* the read returns; no write follows */
	ck_assert_uint_eq(F.npending, 0);
	ck_assert_uint_eq(F.disk[60 * BS], 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(I.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&I), 0);
}
END_TEST

START_TEST(engine_ignores_a_command_when_its_window_is_closed)
{
	/* fuzz finding F2: a closed window (MaxCmdSN = ExpCmdSN - 1) took
	 * ExpCmdSN anyway and tripped an assertion. */
	cfg.params.cmd_window = 1;
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS] = { 0 };
	cdb_rw10(cdb, 0x2a, 3, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	ck_assert(ini_recv(&I)); /* its R2T: the one slot is busy */
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_R2T);
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_MAXCMDSN), pdu_w(I.bhs, PDU_TGT_EXPCMDSN) - 1);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0); /* CmdSN = ExpCmdSN */
	ck_assert_uint_eq(ini_pending(&I), 0);
	ini_data_out(&I, itt, ttt, 0, 0, w, BS, true);
	ck_assert_uint_eq(scsi_status(), 0x00);
	I.cmd_sn--; /* the ignored command again, now that the window opened */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
}
END_TEST

START_TEST(engine_bounds_what_one_command_may_make_it_allocate)
{
	/* fuzz finding F1: a 32 MiB allocation length is only a cap on the
	 * answer; a 64 MiB parameter list is refused. */
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16] = { 0x9e, 0x10 }; /* READ CAPACITY(16) */
	put_be32(cdb + 10, 32u << 20);
	size_t before = F.live_bytes;
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, 32, NULL, 0);
	ck_assert_uint_lt(F.live_bytes, before + RT_XFER_MAX + 4096);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(I.data_len, 32);
	uint8_t pr[16] = { 0x5f, 0x00 }; /* PERSISTENT RESERVE OUT / REGISTER */
	put_be32(pr + 5, 64u << 20);
	ini_scsi(&I, 0, pr, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x02);
	ck_assert_uint_lt(F.live_bytes, before + RT_XFER_MAX + 4096);
}
END_TEST

/* The status of the next SCSI Response or final Data-In after the disk
 * ran, or -1 if none came (the allocation walk asserts nothing on the way). */
static int walk_status(void)
{
	fake_disk_run(&F, E);
	while (ini_recv(&I)) {
		uint8_t op = pdu_opcode(I.bhs);
		if (op == ISCSI_OP_SCSI_RSP || (op == ISCSI_OP_DATA_IN && (I.bhs[1] & ISCSI_DATAIN_STATUS)))
			return I.bhs[3];
	}
	return -1;
}

/* After login: TEST UNIT READY (takes the power-on unit attention), then a
 * 2-block WRITE at LBA 1, one block as immediate data and one after an R2T.
 * True if the write was answered GOOD and its data is on the disk. */
static bool walk_write(void)
{
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	if (walk_status() < 0 || F.conns[1].closed)
		return false;
	uint8_t w[2 * BS], cdb[16];
	memset(w, 1, sizeof(w));
	memset(F.disk + BS, 0, sizeof(w));
	cdb_rw10(cdb, 0x2a, 1, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), w, BS);
	if (!ini_recv(&I) || pdu_opcode(I.bhs) != ISCSI_OP_R2T)
		return false;
	uint32_t off = pdu_w(I.bhs, PDU_R2T_BUFFER_OFFSET), len = pdu_w(I.bhs, PDU_R2T_DESIRED_LENGTH);
	if (off != BS || len != BS)
		return false;
	ini_data_out(&I, itt, pdu_w(I.bhs, PDU_R2T_TTT), 0, off, w + off, len, true);
	return walk_status() == 0x00 && memcmp(F.disk + BS, w, sizeof(w)) == 0;
}

/* The allocation walk's conversation over a new engine: accept connection
 * 1, log in, walk_write. True if all of it succeeded. Leaves no engine and
 * no disk I/O pending. */
static bool walk_conversation(void)
{
	E = rt_engine_create(&F.env, &cfg);
	if (E == NULL)
		return false;
	if (rt_on_accept(E, 1, 0, NULL) != 0) {
		rt_engine_destroy(E);
		return false;
	}
	ini_init(&I, &F, E, 1);
	F.conns[1].closed = false;
	F.conns[1].out_len = 0;
	bool done = ini_login(&I, IQN_I, IQN_T, NULL, 0) == 0 && walk_write();
	fake_disk_run(&F, E);
	ini_fini(&I);
	rt_engine_destroy(E);
	return done;
}

/* Walk the N-th allocation failure over a whole conversation (SQLite's
 * malloc test): a clean run counts the allocations it makes; each of them
 * is then failed in turn, every failure is answered (a refused
 * connection, a login status, a dropped connection, TASK SET FULL; one the
 * engine can do without, such as the buffer that restores saved
 * reservations, with a log line) and nothing leaks; failing the one after
 * the last fails nothing, and the conversation completes. */
START_TEST(engine_survives_an_allocation_failure_at_every_point)
{
	ini_fini(&I);
	rt_engine_destroy(E);
	F.allocs = 0;
	F.fail_alloc_at = -1;
	unsigned logs = F.logs;
	ck_assert_msg(walk_conversation(), "the conversation fails with no failure injected");
	ck_assert_uint_eq(F.live_bytes, 0);
	const long total = F.allocs;
	const unsigned clean_logs = F.logs - logs;
	ck_assert_int_gt(total, 0);
	for (long n = 0; n <= total; n++) {
		F.allocs = 0;
		F.fail_alloc_at = n;
		logs = F.logs;
		bool done = walk_conversation();
		ck_assert_msg(F.live_bytes == 0, "allocation %ld failed: %zu bytes leaked", n, F.live_bytes);
		if (n < total) {
			ck_assert_msg(F.allocs > n, "allocation %ld of %ld was never made", n, total);
			ck_assert_msg(!done || F.logs - logs > clean_logs,
				      "allocation %ld failed and nobody was told", n);
		} else {
			ck_assert_msg(done, "past the last of %ld allocations the conversation fails", total);
			ck_assert_int_eq(F.allocs, total);
		}
	}
	F.fail_alloc_at = -1;
	F.conns[1].closed = false;
	F.conns[1].out_len = 0;
	make_engine();
}
END_TEST

Suite *suite_engine_bad(void)
{
	Suite *s = suite_create("engine_bad");
	TCase *tc = tcase_create("engine_bad");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, engine_ends_a_write_with_a_wrong_datasn_and_keeps_the_connection);
	tcase_add_test(tc, engine_rejects_an_unknown_opcode_and_continues);
	tcase_add_test(tc, engine_drops_a_pdu_longer_than_maxrecvdatasegmentlength);
	tcase_add_test(tc, engine_drops_a_non_login_pdu_during_login);
	tcase_add_test(tc, engine_answers_abort_task_only_after_the_disk_returns);
	tcase_add_test(tc, engine_answers_abort_of_an_unknown_task_with_task_does_not_exist);
	tcase_add_test(tc, engine_rejects_a_malformed_ahs_and_continues);
	tcase_add_test(tc, engine_ignores_reserved_bits_as_rfc7143_section_11_says);
	tcase_add_test(tc, engine_ends_a_write_whose_data_overruns_the_burst);
	tcase_add_test(tc, engine_discards_data_out_for_an_unknown_task_quietly);
	tcase_add_test(tc, engine_drops_a_login_that_never_completes);
	tcase_add_test(tc, engine_forgets_a_connection_closed_mid_pdu);
	tcase_add_test(tc, engine_never_writes_data_it_had_no_buffer_for);
	tcase_add_test(tc, engine_answers_abort_of_a_caw_between_its_read_and_write_without_writing);
	tcase_add_test(tc, engine_ignores_a_command_when_its_window_is_closed);
	tcase_add_test(tc, engine_bounds_what_one_command_may_make_it_allocate);
	tcase_add_test(tc, engine_survives_an_allocation_failure_at_every_point);
	suite_add_tcase(s, tc);
	return s;
}
