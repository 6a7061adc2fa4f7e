/* Connections and sessions end to end over the fake environment: the
 * non-SCSI commands held ahead of ExpCmdSN and their limit, Logout's
 * reasons, PDUs that full feature phase refuses, connection reinstatement,
 * a connection still logging in at shutdown, the connection table at its limit, ALUA state
 * changes, shared reservations invalidated, and an engine destroyed with I/O in flight. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"
#include "core/limits.h"
#include "engine_fixture.h"

/* A non-immediate NOP-Out with an ITT (a command with a CmdSN, §11.18). */
static void nop_out(struct ini *x, uint32_t itt, uint32_t cmd_sn)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_OUT, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, cmd_sn);
	ini_send(x, bhs, NULL, 0);
}

static void logout(uint8_t reason, uint16_t cid)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | reason);
	pdu_set_w(bhs, PDU_ITT, 40);
	put_be16(bhs + PDU_LOGOUT_CID, cid);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	ini_send(&I, bhs, NULL, 0);
}

static void expect_reject(struct ini *x, uint8_t reason)
{
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_REJECT);
	ck_assert_uint_eq(x->bhs[PDU_REJECT_REASON], reason);
}

/* A second connection of I's session (same ISID and TSIH) with cid. */
static void second_connection(struct ini *j, rt_conn_id id, uint16_t cid)
{
	ck_assert_int_eq(rt_on_accept(E, id, 0, NULL), 0);
	ini_init(j, &F, E, id);
	memcpy(j->isid, I.isid, sizeof(j->isid));
	j->tsih = I.tsih;
	j->cid = cid;
	j->cmd_sn = I.cmd_sn;
	ck_assert_uint_eq(ini_login(j, IQN_I, IQN_T, NULL, 0), 0);
}

START_TEST(engine_holds_a_nop_out_ahead_of_expcmdsn_until_the_gap_fills)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t sn = I.cmd_sn;
	nop_out(&I, 60, sn + 1);
	ck_assert_uint_eq(ini_pending(&I), 0);
	nop_out(&I, 61, sn + 1); /* a duplicate of a held CmdSN: ignored (§4.2.2.1) */
	ck_assert_uint_eq(ini_pending(&I), 0);
	nop_out(&I, 62, sn);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_itt(I.bhs), 62);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_NOP_IN);
	ck_assert_uint_eq(pdu_itt(I.bhs), 60);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), sn + 2);
	ck_assert_uint_eq(ini_pending(&I), 0); /* the duplicate got nothing */
}
END_TEST

START_TEST(engine_drops_a_connection_holding_too_many_commands_ahead_of_expcmdsn)
{
	login_ok(NULL, 0);
	uint32_t sn = I.cmd_sn;
	for (uint32_t k = 1; k <= 16; k++) /* SESS_EARLY_MAX are held */
		nop_out(&I, 100 + k, sn + k);
	ck_assert(!F.conns[1].closed);
	nop_out(&I, 200, sn + 17);
	ck_assert(F.conns[1].closed);
	ck_assert(rt_engine_idle(E)); /* and the held PDUs were freed (teardown: no leak) */
}
END_TEST

START_TEST(engine_frees_held_commands_of_a_connection_that_goes_away)
{
	cfg.params.max_connections = 2;
	static const char keys[] = "MaxConnections=2";
	login_ok(keys, sizeof(keys));
	clear_ua();
	struct ini j;
	second_connection(&j, 2, 1);
	uint32_t sn = I.cmd_sn;
	nop_out(&j, 70, sn + 1); /* held on connection 2 */
	nop_out(&I, 71, sn + 2); /* held on connection 1 */
	rt_on_conn_closed(E, 2);
	ck_assert(!F.conns[1].closed);
	/* the CmdSN of the lost one stays a gap: the held one on connection 1 waits */
	nop_out(&I, 72, sn);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_itt(I.bhs), 72);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ini_fini(&j);
}
END_TEST

START_TEST(engine_answers_each_logout_reason_as_rfc_7143_section_11_14_says)
{
	login_ok(NULL, 0);
	logout(ISCSI_LOGOUT_CONNECTION, 9); /* no connection with CID 9 */
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_LOGOUT_RSP);
	ck_assert_uint_eq(I.bhs[PDU_LOGOUT_RESPONSE], ISCSI_LOGOUT_RSP_NO_CID);
	logout(ISCSI_LOGOUT_RECOVERY, 0); /* needs ErrorRecoveryLevel 2 */
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(I.bhs[PDU_LOGOUT_RESPONSE], ISCSI_LOGOUT_RSP_NO_RECOVERY);
	/* Time2Wait, Time2Retain */
	ck_assert_uint_eq(get_be16(I.bhs + PDU_LOGOUT_TIME2WAIT), cfg.params.default_time2wait);
	ck_assert_uint_eq(get_be16(I.bhs + PDU_LOGOUT_TIME2RETAIN), cfg.params.default_time2retain);
	logout(5, 0); /* a reserved reason code */
	expect_reject(&I, ISCSI_REJECT_PROTOCOL_ERROR);
	ck_assert(!F.conns[1].closed);
	logout(ISCSI_LOGOUT_CONNECTION, 0); /* its own CID: the connection goes */
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(I.bhs[PDU_LOGOUT_RESPONSE], ISCSI_LOGOUT_RSP_OK);
	ck_assert(F.conns[1].closed);
	ck_assert(rt_engine_idle(E));
}
END_TEST

START_TEST(engine_rejects_login_and_snack_pdus_in_full_feature_phase)
{
	login_ok(NULL, 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, 0);
	ini_send(&I, bhs, "InitiatorName=x", 16);
	expect_reject(&I, ISCSI_REJECT_PROTOCOL_ERROR);
	/* §7.1.4: SNACK needs ErrorRecoveryLevel > 0 */
	pdu_init(bhs, ISCSI_OP_SNACK, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 0x10);
	ini_send(&I, bhs, NULL, 0);
	expect_reject(&I, ISCSI_REJECT_PROTOCOL_ERROR);
	ck_assert(!F.conns[1].closed);
	clear_ua(); /* the session goes on */
}
END_TEST

START_TEST(engine_rejects_task_management_in_a_discovery_session)
{
	ck_assert_uint_eq(ini_login(&I, IQN_I, NULL, NULL, 0), 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK_SET);
	pdu_set_w(bhs, PDU_ITT, 41);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	ini_send(&I, bhs, NULL, 0);
	expect_reject(&I, ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

START_TEST(engine_rejects_a_command_whose_data_digest_is_wrong_and_keeps_the_cmdsn_gap)
{
	static const char keys[] = "DataDigest=CRC32C";
	cfg.params.data_digest = true;
	login_ok(keys, sizeof(keys));
	/* a NOP-Out with 4 bytes of data and a wrong data digest */
	uint8_t pdu[ISCSI_BHS_LEN + 4 + 4];
	pdu_init(pdu, ISCSI_OP_NOP_OUT, ISCSI_FLAG_FINAL);
	pdu_set_w(pdu, PDU_ITT, 42);
	pdu_set_w(pdu, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(pdu, PDU_INI_CMDSN, I.cmd_sn);
	pdu_set_dsl(pdu, 4);
	memcpy(pdu + ISCSI_BHS_LEN, "ping", 4);
	crc32c_put(pdu + ISCSI_BHS_LEN + 4, crc32c(pdu + ISCSI_BHS_LEN, 4) ^ 1);
	rt_on_bytes(E, 1, pdu, sizeof(pdu));
	I.dd = true;
	expect_reject(&I, ISCSI_REJECT_DATA_DIGEST);
	/* §7.8: the CmdSN was not taken; the initiator plugs it */
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), I.cmd_sn);
	ck_assert(!F.conns[1].closed);
}
END_TEST

START_TEST(engine_reinstates_a_connection_with_the_same_cid)
{
	cfg.params.max_connections = 3;
	static const char keys[] = "MaxConnections=3";
	login_ok(keys, sizeof(keys));
	clear_ua();
	struct ini j, k;
	second_connection(&j, 2, 1);
	second_connection(&k, 3, 1); /* CID 1 again: §6.3.4, the old one goes */
	ck_assert(F.conns[2].closed);
	ck_assert(!F.conns[1].closed);
	ck_assert(!F.conns[3].closed);
	ck_assert_uint_eq(k.tsih, I.tsih);
	k.cmd_sn = I.cmd_sn;
	ini_scsi(&k, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert(ini_recv(&k));
	ck_assert_uint_eq(pdu_opcode(k.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(k.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ini_fini(&j);
	ini_fini(&k);
}
END_TEST

START_TEST(engine_ends_the_session_when_its_only_connection_is_reinstated)
{
	/* ErrorRecoveryLevel 0: dropping the old connection leaves the session
	 * with none, which ends it; the new login then finds no session. */
	login_ok(NULL, 0);
	struct ini j;
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	ini_init(&j, &F, E, 2);
	memcpy(j.isid, I.isid, sizeof(j.isid));
	j.tsih = I.tsih;
	j.cid = I.cid;
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), ISCSI_LOGIN_SESSION_NOT_FOUND);
	ck_assert(F.conns[1].closed);
	ini_fini(&j);
}
END_TEST

START_TEST(engine_drops_connections_still_logging_in_when_it_shuts_down)
{
	rt_engine_shutdown(E);
	rt_engine_shutdown(E); /* a second call changes nothing */
	ck_assert(F.conns[1].closed);
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), -1);
	ck_assert(rt_engine_idle(E));
}
END_TEST

START_TEST(engine_accepts_connections_up_to_its_limit_and_finds_each_after_others_close)
{
	void *buf;
	/* No slots reserved for logged-in connections: logins may fill the
	 * table; then a new one evicts the oldest login (admit.h). */
	rt_engine_destroy(E);
	ini_fini(&I);
	cfg.params.reserved_session_conns = 0;
	make_engine();
	login_ok(NULL, 0); /* connection 1: full feature phase, never evicted */
	ck_assert_int_eq(rt_on_accept(E, 1, 0, NULL), -1); /* already there */
	ck_assert_int_eq(rt_on_accept(E, 2, 7, NULL), -1); /* no portal 7 */
	for (rt_conn_id id = 2; id <= RT_CONNS_MAX; id++)
		ck_assert_int_eq(rt_on_accept(E, id, 0, NULL), 0);
	ck_assert_int_eq(rt_on_accept(E, RT_CONNS_MAX + 1, 0, NULL), 0);
	ck_assert(F.conns[2].closed); /* the oldest login made room */
	ck_assert(!F.conns[1].closed);
	/* close every third: the others stay reachable through the hash */
	for (rt_conn_id id = 3; id <= RT_CONNS_MAX + 1; id += 3)
		rt_on_conn_closed(E, id);
	for (rt_conn_id id = 1; id <= RT_CONNS_MAX + 1; id++)
		ck_assert_msg((rt_rx_space(E, id, &buf) != 0) == (id % 3 != 0 && id != 2), "connection %u", id);
	ck_assert_uint_eq(rt_rx_space(E, RT_CONNS_MAX + 5, &buf), 0);
	for (rt_conn_id id = 3; id <= RT_CONNS_MAX + 1; id++)
		rt_on_conn_closed(E, id);
	for (rt_conn_id id = 2; id <= RT_CONNS_MAX + 1; id++)
		ck_assert_uint_eq(rt_rx_space(E, id, &buf), 0);
	ck_assert_uint_ne(rt_rx_space(E, 1, &buf), 0);
	struct rt_stats st;
	rt_engine_stats(E, &st);
	ck_assert_uint_eq(st.conns_evicted, 1);
}
END_TEST

START_TEST(engine_changes_alua_state_only_for_a_tpg_that_maps_the_lu)
{
	login_ok(NULL, 0);
	clear_ua();
	ck_assert_int_eq(rt_set_alua_state(E, 5, 1, RT_ALUA_STANDBY), -1); /* no LU 5 */
	ck_assert_int_eq(rt_set_alua_state(E, 0, 9, RT_ALUA_STANDBY), -1); /* no TPG 9 */
	ck_assert_int_eq(rt_set_alua_state(E, 0, 1, RT_ALUA_STANDBY), 0);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x02);
	/* ASYMMETRIC ACCESS STATE CHANGED (2A/06) */
	ck_assert_uint_eq(I.data[2 + 12], 0x2a);
	ck_assert_uint_eq(I.data[2 + 13], 0x06);
}
END_TEST

/* What the daemon calls when the backstore says an LU's shared PR record
 * changed elsewhere (engine.h): the LU's next reservation check loads the
 * record again. An LU the configuration does not have is refused, and
 * nothing is loaded for it. */
START_TEST(engine_invalidates_the_shared_reservations_of_an_lu_it_has)
{
	static struct rt_lu_cfg shared;
	uint8_t out[BS];
	shared = cfg.lus[0];
	shared.flags |= RT_LU_PR_SHARED;
	rt_engine_destroy(E);
	ini_fini(&I);
	cfg.lus = &shared;
	make_engine();
	login_ok(NULL, 0);
	clear_ua();
	unsigned loads = F.pr_loads;
	read10(0, 1, out); /* the first check loads the record */
	ck_assert_uint_eq(F.pr_loads, loads + 1);
	read10(0, 1, out);
	ck_assert_uint_eq(F.pr_loads, loads + 1);
	ck_assert_int_eq(rt_lu_pr_invalidate(E, 1), -1); /* no LU 1 */
	ck_assert_int_eq(rt_lu_pr_invalidate(E, UINT32_MAX), -1);
	read10(0, 1, out);
	ck_assert_uint_eq(F.pr_loads, loads + 1);
	ck_assert_int_eq(rt_lu_pr_invalidate(E, 0), 0);
	read10(0, 1, out);
	ck_assert_uint_eq(F.pr_loads, loads + 2);
}
END_TEST

START_TEST(engine_destroyed_with_io_in_flight_frees_every_task)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS] = { 0 };
	cdb_rw10(cdb, 0x2a, 1, 1);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	cdb_rw10(cdb, 0x2a, 2, 2);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, 2 * BS, NULL, 0); /* awaits Data-Out */
	ck_assert_uint_eq(F.npending, 1);
	rt_engine_destroy(E);
	F.npending = 0; /* the environment never delivers them */
	ck_assert_uint_eq(F.live_bytes, 0);
	ini_fini(&I);
	make_engine();
}
END_TEST

Suite *suite_engine_conn(void)
{
	Suite *s = suite_create("engine_conn");
	TCase *tc = tcase_create("engine_conn");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, engine_holds_a_nop_out_ahead_of_expcmdsn_until_the_gap_fills);
	tcase_add_test(tc, engine_drops_a_connection_holding_too_many_commands_ahead_of_expcmdsn);
	tcase_add_test(tc, engine_frees_held_commands_of_a_connection_that_goes_away);
	tcase_add_test(tc, engine_answers_each_logout_reason_as_rfc_7143_section_11_14_says);
	tcase_add_test(tc, engine_rejects_login_and_snack_pdus_in_full_feature_phase);
	tcase_add_test(tc, engine_rejects_task_management_in_a_discovery_session);
	tcase_add_test(tc, engine_rejects_a_command_whose_data_digest_is_wrong_and_keeps_the_cmdsn_gap);
	tcase_add_test(tc, engine_reinstates_a_connection_with_the_same_cid);
	tcase_add_test(tc, engine_ends_the_session_when_its_only_connection_is_reinstated);
	tcase_add_test(tc, engine_drops_connections_still_logging_in_when_it_shuts_down);
	tcase_add_test(tc, engine_accepts_connections_up_to_its_limit_and_finds_each_after_others_close);
	tcase_add_test(tc, engine_changes_alua_state_only_for_a_tpg_that_maps_the_lu);
	tcase_add_test(tc, engine_invalidates_the_shared_reservations_of_an_lu_it_has);
	tcase_add_test(tc, engine_destroyed_with_io_in_flight_frees_every_task);
	suite_add_tcase(s, tc);
	return s;
}
