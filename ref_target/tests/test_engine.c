/* The engine end to end over a fake environment: login, the CmdSN window,
 * R2T and Data-Out, Data-In, residuals, NOP, Logout, sessions, digests,
 * byte streams split anywhere. Bad input and failures: test_engine_bad.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"

START_TEST(engine_logs_in_and_answers_test_unit_ready)
{
	login_ok(NULL, 0);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	/* The first command of a new I_T nexus sees the power-on unit attention. */
	uint8_t st = scsi_status();
	ck_assert_uint_eq(st, 0x02);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), I.cmd_sn);
}
END_TEST

START_TEST(engine_writes_through_r2t_and_reads_back)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t len = 600 * BS; /* more than MaxBurstLength: several R2Ts */
	uint8_t *w = malloc(len), *r = malloc(len);
	for (uint32_t k = 0; k < len; k++)
		w[k] = (uint8_t)(k * 7 + 3);
	write_r2t(10, 600, w);
	read10(10, 600, r);
	ck_assert_mem_eq(w, r, len);
	ck_assert_mem_eq(F.disk + 10 * BS, w, len);
	free(w);
	free(r);
}
END_TEST

START_TEST(engine_takes_immediate_data_then_solicits_the_rest)
{
	static const char keys[] = "ImmediateData=Yes\0InitialR2T=Yes\0MaxRecvDataSegmentLength=65536";
	login_ok(keys, sizeof(keys));
	clear_ua();
	uint8_t w[8 * BS], r[8 * BS];
	for (uint32_t k = 0; k < sizeof(w); k++)
		w[k] = (uint8_t)(k ^ 0x5a);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 100, 8);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), w, 2 * BS);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_BUFFER_OFFSET), 2 * BS);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_R2T_DESIRED_LENGTH), 6 * BS);
	ini_data_out(&I, itt, pdu_w(I.bhs, PDU_R2T_TTT), 0, 2 * BS, w + 2 * BS, 6 * BS, true);
	ck_assert_uint_eq(scsi_status(), 0x00);
	read10(100, 8, r);
	ck_assert_mem_eq(w, r, sizeof(w));
}
END_TEST

START_TEST(engine_takes_unsolicited_data_out_with_initial_r2t_no)
{
	static const char keys[] = "InitialR2T=No\0ImmediateData=No\0FirstBurstLength=65536";
	cfg.params.initial_r2t = false; /* InitialR2T is OR-negotiated (§13.10) */
	login_ok(keys, sizeof(keys));
	clear_ua();
	uint8_t w[4 * BS], r[4 * BS];
	memset(w, 0xc3, sizeof(w));
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 7, 4);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1 /* F=0: data follows */, sizeof(w), NULL, 0);
	ini_data_out(&I, itt, ISCSI_TAG_RESERVED, 0, 0, w, 2 * BS, false);
	ini_data_out(&I, itt, ISCSI_TAG_RESERVED, 1, 2 * BS, w + 2 * BS, 2 * BS, true);
	ck_assert_uint_eq(scsi_status(), 0x00);
	read10(7, 4, r);
	ck_assert_mem_eq(w, r, sizeof(w));
}
END_TEST

START_TEST(engine_reports_read_residuals_as_libiscsi_expects)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, 0, 1);
	/* EDTL 0 for a one-block read: GOOD, overflow of one block. */
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_RSP_OVERFLOW);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_RESIDUAL_COUNT), BS);
	/* EDTL 10000: one block of data, underflow 10000 - 512. */
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, 10000, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_RSP_UNDERFLOW);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_RESIDUAL_COUNT), 10000 - BS);
	ck_assert_uint_eq(I.data_len, BS);
	/* EDTL 200: 200 bytes of data, overflow 312. */
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, 200, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(I.data_len, 200);
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_RSP_OVERFLOW);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_RESIDUAL_COUNT), BS - 200);
}
END_TEST

START_TEST(engine_writes_only_the_blocks_edtl_covers)
{
	login_ok(NULL, 0);
	clear_ua();
	memset(F.disk, 'a', 2 * BS);
	uint8_t cdb[16], w[2 * BS];
	memset(w, 'b', sizeof(w));
	/* WRITE(10) of 2 blocks, EDTL one block: GOOD, overflow one block,
	 * only the first block written. */
	cdb_rw10(cdb, 0x2a, 0, 2);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_RSP_OVERFLOW);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_RESIDUAL_COUNT), BS);
	ck_assert_uint_eq(F.disk[0], 'b');
	ck_assert_uint_eq(F.disk[BS], 'a');
}
END_TEST

START_TEST(engine_ignores_commands_outside_the_cmdsn_window)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t max = pdu_w(I.bhs, PDU_TGT_MAXCMDSN);
	uint32_t good = I.cmd_sn;
	I.cmd_sn = max + 1; /* too high */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	I.cmd_sn = good - 1; /* too low */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(ini_pending(&I), 0);
	I.cmd_sn = good;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
}
END_TEST

START_TEST(engine_holds_a_command_ahead_of_expcmdsn_until_the_gap_fills)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t sn = I.cmd_sn;
	I.cmd_sn = sn + 1;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	I.cmd_sn = sn;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), sn + 2);
}
END_TEST

START_TEST(engine_answers_nop_out_with_its_data)
{
	login_ok(NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 77);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	ini_send(&I, bhs, "ping!", 5);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_NOP_IN);
	ck_assert_uint_eq(pdu_itt(I.bhs), 77);
	ck_assert_uint_eq(I.data_len, 5);
	ck_assert_mem_eq(I.data, "ping!", 5);
}
END_TEST

START_TEST(engine_pings_an_idle_connection_and_drops_it_without_answer)
{
	login_ok(NULL, 0);
	uint64_t d = rt_next_deadline(E);
	ck_assert_uint_eq(d, F.now_ns + cfg.params.nop_in_interval_ms * 1000000ull);
	F.now_ns = d;
	rt_on_time(E);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_NOP_IN);
	ck_assert_uint_eq(pdu_itt(I.bhs), ISCSI_TAG_RESERVED);
	ck_assert_uint_ne(pdu_w(I.bhs, PDU_NOP_TTT), ISCSI_TAG_RESERVED);
	F.now_ns = rt_next_deadline(E);
	rt_on_time(E);
	ck_assert(F.conns[1].closed);
	ck_assert(rt_engine_idle(E));
}
END_TEST

START_TEST(engine_keeps_a_connection_that_answers_its_ping)
{
	login_ok(NULL, 0);
	F.now_ns = rt_next_deadline(E);
	rt_on_time(E);
	ck_assert(ini_recv(&I));
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_NOP_TTT, pdu_w(I.bhs, PDU_NOP_TTT));
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	ini_send(&I, bhs, NULL, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	F.now_ns += cfg.params.nop_in_timeout_ms * 1000000ull;
	rt_on_time(E);
	ck_assert(!F.conns[1].closed);
}
END_TEST

START_TEST(engine_logs_out_a_session)
{
	login_ok(NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_LOGOUT_SESSION);
	pdu_set_w(bhs, PDU_ITT, 5);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	ini_send(&I, bhs, NULL, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_LOGOUT_RSP);
	ck_assert_uint_eq(I.bhs[PDU_LOGOUT_RESPONSE], ISCSI_LOGOUT_RSP_OK);
	ck_assert(F.conns[1].closed);
	ck_assert(rt_engine_idle(E));
}
END_TEST

START_TEST(engine_reinstates_a_session_with_the_same_isid)
{
	login_ok(NULL, 0);
	uint16_t old = I.tsih;
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	struct ini j;
	ini_init(&j, &F, E, 2);
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_uint_ne(j.tsih, old);
	ck_assert(F.conns[1].closed);
	struct rt_stats st;
	rt_engine_stats(E, &st);
	ck_assert_uint_eq(st.sessions_reinstated, 1);
	ini_fini(&j);
}
END_TEST

START_TEST(engine_asks_sessions_to_log_out_on_shutdown)
{
	login_ok(NULL, 0);
	rt_engine_shutdown(E);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_ASYNC);
	ck_assert_uint_eq(I.bhs[PDU_ASYNC_EVENT], ISCSI_ASYNC_LOGOUT_REQUEST);
	ck_assert(!rt_engine_idle(E));
	F.now_ns = rt_next_deadline(E);
	rt_on_time(E);
	ck_assert(rt_engine_idle(E));
}
END_TEST

START_TEST(engine_gives_the_same_answers_however_the_bytes_are_split)
{
	I.split = 1; /* one byte at a time, everything */
	login_ok(NULL, 0);
	clear_ua();
	uint8_t w[3 * BS], r[3 * BS];
	for (uint32_t k = 0; k < sizeof(w); k++)
		w[k] = (uint8_t)(k * 13);
	write_r2t(50, 3, w);
	I.split = 7;
	read10(50, 3, r);
	ck_assert_mem_eq(w, r, sizeof(w));
}
END_TEST

START_TEST(engine_checks_digests_when_negotiated)
{
	static const char keys[] = "HeaderDigest=CRC32C\0DataDigest=CRC32C";
	cfg.params.header_digest = true;
	cfg.params.data_digest = true;
	login_ok(keys, sizeof(keys));
	I.hd = I.dd = true;
	clear_ua();
	uint8_t w[BS], r[BS];
	memset(w, 0x42, sizeof(w));
	write_r2t(9, 1, w);
	read10(9, 1, r);
	ck_assert_mem_eq(w, r, sizeof(w));
	/* a wrong header digest: the connection goes */
	uint8_t raw[ISCSI_BHS_LEN + 4] = { 0 };
	raw[0] = ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE;
	rt_on_bytes(E, 1, raw, sizeof(raw));
	ck_assert(F.conns[1].closed);
}
END_TEST

START_TEST(engine_orders_commands_across_connections_of_one_session)
{
	cfg.params.max_connections = 2;
	static const char keys[] = "MaxConnections=2";
	login_ok(keys, sizeof(keys));
	clear_ua();
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	struct ini j;
	ini_init(&j, &F, E, 2);
	memcpy(j.isid, I.isid, sizeof(j.isid));
	j.tsih = I.tsih;
	j.cid = 1;
	j.cmd_sn = I.cmd_sn;
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_uint_eq(j.tsih, I.tsih);
	/* CmdSN n+1 arrives first on the second connection: held. */
	uint32_t n = I.cmd_sn;
	j.cmd_sn = n + 1;
	ini_scsi(&j, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(ini_pending(&j), 0);
	/* CmdSN n on the first: both go, each answered on its own connection. */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert(ini_recv(&j));
	ck_assert_uint_eq(pdu_opcode(j.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(j.bhs, PDU_TGT_EXPCMDSN), n + 2); /* past both */
	/* A third connection exceeds MaxConnections=2. */
	ck_assert_int_eq(rt_on_accept(E, 3, 0, NULL), 0);
	struct ini k;
	ini_init(&k, &F, E, 3);
	memcpy(k.isid, I.isid, sizeof(k.isid));
	k.tsih = I.tsih;
	k.cid = 2;
	ck_assert_uint_eq(ini_login(&k, IQN_I, IQN_T, NULL, 0), ISCSI_LOGIN_TOO_MANY_CONNECTIONS);
	ini_fini(&k);
	/* Logging out one connection leaves the other working. */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_LOGOUT_CONNECTION);
	pdu_set_w(bhs, PDU_ITT, 6);
	put_be16(bhs + PDU_LOGOUT_CID, 1);
	pdu_set_w(bhs, PDU_INI_CMDSN, n + 2);
	ini_send(&j, bhs, NULL, 0);
	ck_assert(ini_recv(&j));
	ck_assert_uint_eq(pdu_opcode(j.bhs), ISCSI_OP_LOGOUT_RSP);
	ck_assert(F.conns[2].closed);
	I.cmd_sn = n + 2;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ini_fini(&j);
}
END_TEST

START_TEST(engine_refuses_a_connection_for_a_session_that_does_not_exist)
{
	I.tsih = 0x4242;
	ck_assert_uint_eq(ini_login(&I, IQN_I, IQN_T, NULL, 0), ISCSI_LOGIN_SESSION_NOT_FOUND);
	ck_assert(F.conns[1].closed);
}
END_TEST

START_TEST(engine_takes_a_long_cdb_from_an_extended_cdb_ahs)
{
	login_ok(NULL, 0);
	clear_ua();
	/* A 32-byte CDB: 16 in the BHS, 16 in an Extended CDB AHS (§11.3.5). */
	uint8_t pdu[ISCSI_BHS_LEN + 20];
	pdu_init(pdu, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | 1);
	pdu[PDU_TOTAL_AHS_LEN] = 5;
	pdu_set_w(pdu, PDU_ITT, 0x78);
	pdu_set_w(pdu, PDU_INI_CMDSN, I.cmd_sn++);
	pdu[PDU_SCSI_CMD_CDB] = 0x7f; /* variable length CDB */
	put_be16(pdu + ISCSI_BHS_LEN, 17);
	pdu[ISCSI_BHS_LEN + 2] = 1;
	memset(pdu + ISCSI_BHS_LEN + 3, 0, 17);
	rt_on_bytes(E, 1, pdu, sizeof(pdu));
	/* answered by the SCSI layer (whatever it thinks of 7Fh), not rejected */
	fake_disk_run(&F, E);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(I.bhs), 0x78);
}
END_TEST

/* A stop is over only when the storage is done with every task: a write
 * still in the storage path after the last connection closed would
 * otherwise land after the process (or the simulated gateway) is gone. */
START_TEST(engine_is_not_idle_while_a_write_is_in_the_storage_path)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0x5a, sizeof(w));
	cdb_rw10(cdb, 0x2a, 40, 1);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | SCSI_ATTR_SIMPLE, BS, w, BS);
	ck_assert_uint_eq(F.npending, 1);
	rt_engine_shutdown(E);
	F.now_ns = rt_next_deadline(E); /* the logout window ends: connections dropped */
	rt_on_time(E);
	ck_assert(F.conns[1].closed);
	ck_assert(!rt_engine_idle(E)); /* the write is still at the disk */
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert(rt_engine_idle(E));
}
END_TEST

/* Issue 16 defect 2: the initiator loses its session while a write is in
 * the storage path, logs in again (reinstatement) and writes the same
 * block. The new write waits until the old copy has landed, so the old one
 * can never overwrite it; ABORT TASK of the waiting write is answered at
 * once (it never reached the storage). */
START_TEST(engine_holds_new_writes_behind_a_lost_sessions_write_at_the_disk)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0x11, sizeof(w));
	cdb_rw10(cdb, 0x2a, 50, 1);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | SCSI_ATTR_SIMPLE, BS, w, BS);
	ck_assert_uint_eq(F.npending, 1); /* the old copy is at the disk */
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	struct ini j;
	ini_init(&j, &F, E, 2);
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), 0); /* same ISID: reinstated */
	ck_assert(F.conns[1].closed);
	/* the new session's unit attention first (29/07 or the like) */
	uint32_t tur = ini_scsi(&j, 0, cdb_tur, ISCSI_FLAG_FINAL | SCSI_ATTR_SIMPLE, 0, NULL, 0);
	(void)tur;
	while (ini_recv(&j))
		;
	memset(w, 0x22, sizeof(w));
	uint32_t nw = ini_scsi(&j, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | SCSI_ATTR_SIMPLE, BS, w, BS);
	ck_assert_uint_eq(F.npending, 1); /* held: only the old copy is at the disk */
	ck_assert_uint_eq(ini_pending(&j), 0);
	struct rt_disk_io *old = F.pending[0];
	F.npending = 0;
	fake_disk_apply(&F, old); /* the old copy lands */
	ck_assert_uint_eq(F.disk[50 * BS], 0x11);
	rt_on_disk_done(E, old);
	ck_assert_uint_eq(F.npending, 1); /* now the new write goes */
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert(ini_recv(&j));
	ck_assert_uint_eq(pdu_itt(j.bhs), nw);
	ck_assert_uint_eq(j.bhs[PDU_SCSI_RSP_STATUS], 0);
	ck_assert_uint_eq(F.disk[50 * BS], 0x22); /* the newer data stays */
	ini_fini(&j);
}
END_TEST

START_TEST(engine_holds_tasks_behind_an_ordered_one_and_lets_head_of_queue_pass)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0x3c, sizeof(w));
	cdb_rw10(cdb, 0x2a, 30, 1);
	uint32_t wr = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | SCSI_ATTR_SIMPLE, BS, w, BS);
	ck_assert_uint_eq(F.npending, 1); /* the write is at the disk */
	uint32_t ord = ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | SCSI_ATTR_ORDERED, 0, NULL, 0);
	cdb_rw10(cdb, 0x28, 30, 1);
	uint32_t rd = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | SCSI_ATTR_SIMPLE, BS, NULL, 0);
	ck_assert_uint_eq(F.npending, 1);      /* the read waits behind the ORDERED task */
	ck_assert_uint_eq(ini_pending(&I), 0); /* so does the ORDERED task itself */
	uint32_t hoq = ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | SCSI_ATTR_HEAD_OF_QUEUE, 0, NULL, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_itt(I.bhs), hoq); /* head of queue goes first */
	fake_disk_run(&F, E);
	uint32_t order[3], n = 0;
	while (n < 3 && ini_recv(&I))
		if (pdu_opcode(I.bhs) == ISCSI_OP_SCSI_RSP || (I.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS))
			order[n++] = pdu_itt(I.bhs);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(order[0], wr);
	ck_assert_uint_eq(order[1], ord);
	ck_assert_uint_eq(order[2], rd);
}
END_TEST

/* fuzz F4: a TEST UNIT READY that arrived first but comes after an ORDERED
 * write in CmdSN order is held behind it; when the connection goes, the
 * write's abort lets it start, and it ends at once: the abort loop must
 * not then abort it a second time (it held it as its next task). */
START_TEST(engine_drops_a_connection_whose_ordered_write_holds_a_task_back)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16];
	uint32_t sn = I.cmd_sn;
	I.cmd_sn = sn + 1;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | SCSI_ATTR_SIMPLE, 0, NULL, 0);
	I.cmd_sn = sn;
	cdb_rw10(cdb, 0x2a, 8, 1);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | SCSI_ATTR_ORDERED, BS, NULL, 0);
	I.cmd_sn = sn + 2;
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_R2T); /* the write waits for its data */
	ck_assert(!ini_recv(&I));                           /* the TUR waits behind it */
	rt_on_conn_closed(E, 1);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(F.npending, 0); /* nothing reached the disk; teardown: nothing leaked */
}
END_TEST

Suite *suite_engine(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("engine");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, engine_logs_in_and_answers_test_unit_ready);
	tcase_add_test(tc, engine_writes_through_r2t_and_reads_back);
	tcase_add_test(tc, engine_takes_immediate_data_then_solicits_the_rest);
	tcase_add_test(tc, engine_takes_unsolicited_data_out_with_initial_r2t_no);
	tcase_add_test(tc, engine_reports_read_residuals_as_libiscsi_expects);
	tcase_add_test(tc, engine_writes_only_the_blocks_edtl_covers);
	tcase_add_test(tc, engine_ignores_commands_outside_the_cmdsn_window);
	tcase_add_test(tc, engine_holds_a_command_ahead_of_expcmdsn_until_the_gap_fills);
	tcase_add_test(tc, engine_answers_nop_out_with_its_data);
	tcase_add_test(tc, engine_pings_an_idle_connection_and_drops_it_without_answer);
	tcase_add_test(tc, engine_keeps_a_connection_that_answers_its_ping);
	tcase_add_test(tc, engine_logs_out_a_session);
	tcase_add_test(tc, engine_reinstates_a_session_with_the_same_isid);
	tcase_add_test(tc, engine_asks_sessions_to_log_out_on_shutdown);
	tcase_add_test(tc, engine_gives_the_same_answers_however_the_bytes_are_split);
	tcase_add_test(tc, engine_checks_digests_when_negotiated);
	tcase_add_test(tc, engine_orders_commands_across_connections_of_one_session);
	tcase_add_test(tc, engine_refuses_a_connection_for_a_session_that_does_not_exist);
	tcase_add_test(tc, engine_takes_a_long_cdb_from_an_extended_cdb_ahs);
	tcase_add_test(tc, engine_drops_a_connection_whose_ordered_write_holds_a_task_back);
	tcase_add_test(tc, engine_holds_tasks_behind_an_ordered_one_and_lets_head_of_queue_pass);
	tcase_add_test(tc, engine_is_not_idle_while_a_write_is_in_the_storage_path);
	tcase_add_test(tc, engine_holds_new_writes_behind_a_lost_sessions_write_at_the_disk);
	suite_add_tcase(s, tc);
	return s;
}
