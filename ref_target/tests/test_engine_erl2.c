/* ErrorRecoveryLevel 2, connection recovery, end to end over the fake
 * environment (RFC 7143 §7.2.2, §6.3.4, §11.5.1, §11.14.1, §13.15-16;
 * core/erl2.h): negotiation only when configured, a failed connection's
 * tasks kept and reassigned to a new connection (reinstatement) or to
 * another of the session (MC/S), a write that lands once with what it
 * lacked asked for again, Time2Retain expiry on the injected clock, Logout
 * reasons 1 and 2, and the bound on records. What the failed connection
 * kept for SNACK, sent again: test_engine_erl2_kept.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "erl2_rig.h"

#define NS_PER_S 1000000000ull

/* ---- negotiation ---- */

/* The last Login Response of x carries key=value. */
static bool has_key(const struct ini *x, const char *kv)
{
	size_t n = strlen(kv) + 1; /* with its NUL: a whole key=value */
	for (uint32_t at = 0; at + n <= x->data_len; at++)
		if ((at == 0 || x->data[at - 1] == 0) && memcmp(x->data + at, kv, n) == 0)
			return true;
	return false;
}

START_TEST(erl2_is_negotiated_only_when_the_configuration_allows_it)
{
	/* a configuration that offers 1: an initiator asking 2 gets 1, and
	 * the level 2 functions their "not supported" answers */
	cfg.params.error_recovery_level = 1;
	login_ok(erl2_keys, sizeof(erl2_keys));
	ck_assert(has_key(&I, "ErrorRecoveryLevel=1"));
	clear_ua();
	ck_assert_uint_eq(erig_reassign(&I, 0x10, 0), ISCSI_TMF_RSP_NO_REASSIGN);
	ck_assert_uint_eq(erig_logout(&I, ISCSI_LOGOUT_RECOVERY, 0, I.exp_stat_sn), ISCSI_LOGOUT_RSP_NO_RECOVERY);
	ck_assert(!F.conns[1].closed);
}
END_TEST

START_TEST(erl2_is_negotiated_by_default_when_asked)
{
	/* the default configuration offers 2 (limits.h RT_ERL_DEFAULT, as
	 * LIO allows): an initiator asking 2 gets it */
	ck_assert_uint_eq(cfg.params.error_recovery_level, RT_ERL_DEFAULT);
	ck_assert_uint_eq(RT_ERL_DEFAULT, 2);
	login_ok(erl2_keys, sizeof(erl2_keys));
	ck_assert(has_key(&I, "ErrorRecoveryLevel=2"));
}
END_TEST

START_TEST(erl2_is_negotiated_when_configured_and_asked)
{
	cfg.params.error_recovery_level = 2;
	login_ok(erl2_keys, sizeof(erl2_keys));
	ck_assert(has_key(&I, "ErrorRecoveryLevel=2"));
}
END_TEST

/* ---- a lost connection, reinstated (§6.3.4) ---- */

START_TEST(erl2_write_cut_by_a_lost_connection_lands_once_after_reassignment)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint8_t w[4 * BS];
	erig_pattern(w, sizeof(w), 5);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 40, 4);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	erig_expect_op(&I, ISCSI_OP_R2T);
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	ini_data_out(&I, itt, ttt, 0, 0, w, BS, false); /* one block of four, then the link dies */
	rt_on_conn_closed(E, 1);
	/* the session lives on with no connection (a record waits) */
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	/* the rest of the burst, by a recovery R2T on the new connection */
	erig_expect_op(&J, ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_ne(pdu_w(J.bhs, PDU_R2T_TTT), ttt);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_R2TSN), 1);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_BUFFER_OFFSET), BS);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_DESIRED_LENGTH), 3 * BS);
	uint32_t ttt2 = pdu_w(J.bhs, PDU_R2T_TTT);
	/* Data-Out for the old TTT is discarded */
	ini_data_out(&J, itt, ttt, 1, BS, w + BS, BS, false);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ini_data_out(&J, itt, ttt2, 0, BS, w + BS, 3 * BS, true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1); /* one write reaches the disk */
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(memcmp(F.disk + 40 * BS, w, sizeof(w)), 0);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* dataout_reassign: a write whose unsolicited Data-Out (InitialR2T=No,
 * §13.10) had not all arrived when its connection failed: after TASK
 * REASSIGN the missing unsolicited part is asked for by R2T (§7.2.2),
 * the immediate data kept, and the write lands once. */
START_TEST(erl2_write_cut_in_its_unsolicited_data_asks_for_the_rest_after_reassignment)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0InitialR2T=No\0ImmediateData=Yes";
	erig_login(keys, sizeof(keys));
	uint8_t w[4 * BS];
	erig_pattern(w, sizeof(w), 9);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 60, 4);
	/* one block immediate, no F bit: unsolicited Data-Out is to follow */
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1, sizeof(w), w, BS);
	ck_assert_uint_eq(ini_pending(&I), 0);
	rt_on_conn_closed(E, 1); /* before any of it */
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	erig_expect_op(&J, ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_BUFFER_OFFSET), BS); /* the immediate block is kept */
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_DESIRED_LENGTH), 3 * BS);
	ini_data_out(&J, itt, pdu_w(J.bhs, PDU_R2T_TTT), 0, BS, w + BS, 3 * BS, true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(memcmp(F.disk + 60 * BS, w, sizeof(w)), 0);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

START_TEST(erl2_read_done_while_its_connection_was_down_answers_after_reassignment)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint8_t r[8 * BS];
	erig_pattern(F.disk + 8 * BS, sizeof(r), 9);
	uint32_t itt = erig_read_pending(&I, 8, 8);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1); /* done with no connection: held */
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	uint32_t sn = J.exp_stat_sn;
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(erig_receive_read(&J, r, sizeof(r)), sn + 1); /* the new connection's StatSN */
	ck_assert_uint_eq(memcmp(r, F.disk + 8 * BS, sizeof(r)), 0);
	/* reassigned once: a second time it is gone */
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

/* A connection fails at ERL 2 when the engine cannot allocate its
 * session's records (erl2_cr_new): its tasks end as at level 0, the
 * session with them (it had no other connection); nothing leaks. */
START_TEST(erl2_failure_without_memory_for_the_record_ends_the_tasks)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint32_t itt = erig_read_pending(&I, 70, 1);
	F.fail_alloc_at = F.allocs; /* the next allocation: the record set */
	rt_on_conn_closed(E, 1);
	F.fail_alloc_at = -1;
	fake_disk_run(&F, E);
	ck_assert_uint_eq(erig_join(2, I.cid), ISCSI_LOGIN_SESSION_NOT_FOUND);
	(void)itt;
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX); /* nothing waits */
}
END_TEST

/* Two connections of one session fail: two records in one set; the
 * first freed (its task reassigned and ended) leaves the set to the
 * second (erl2_set_maybe_free), which is freed with its own. */
START_TEST(erl2_two_failed_connections_share_one_set_until_the_last)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint32_t itt[2];
	for (uint32_t k = 0; k < 2; k++) {
		ck_assert_uint_eq(erig_join(2 + k, (uint16_t)(20 + k)), 0);
		itt[k] = erig_read_pending(&J, 80 + k, 1);
		I.cmd_sn = J.cmd_sn;
		rt_on_conn_closed(E, 2 + k);
	}
	erig_j_close();
	fake_disk_run(&F, E);
	ck_assert_uint_ne(rt_next_deadline(E), UINT64_MAX);
	uint8_t r[BS];
	ck_assert_uint_eq(erig_reassign(&I, itt[0], 0), ISCSI_TMF_RSP_COMPLETE);
	erig_receive_read(&I, r, BS);
	ck_assert_uint_ne(rt_next_deadline(E), UINT64_MAX); /* the second record still waits */
	ck_assert_uint_eq(erig_reassign(&I, itt[1], 0), ISCSI_TMF_RSP_COMPLETE);
	erig_receive_read(&I, r, BS);
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX); /* the set let go */
}
END_TEST

START_TEST(erl2_reinstatement_while_the_old_connection_seems_alive_moves_its_tasks)
{
	/* §6.3.4: the target has not seen the old connection die; the login
	 * with its CID logs it out implicitly, its tasks wait */
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint8_t w[2 * BS];
	erig_pattern(w, sizeof(w), 11);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 300, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	erig_expect_op(&I, ISCSI_OP_R2T);
	ck_assert(!F.conns[1].closed);
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	ck_assert(F.conns[1].closed); /* the old one is gone, the session is not */
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	erig_expect_op(&J, ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_BUFFER_OFFSET), 0);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_DESIRED_LENGTH), sizeof(w));
	ini_data_out(&J, itt, pdu_w(J.bhs, PDU_R2T_TTT), 0, 0, w, sizeof(w), true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(memcmp(F.disk + 300 * BS, w, sizeof(w)), 0);
}
END_TEST

START_TEST(erl2_logout_for_recovery_on_its_own_connection_then_a_new_one)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint32_t itt = erig_read_pending(&I, 5, 1);
	ck_assert_uint_eq(erig_logout(&I, ISCSI_LOGOUT_RECOVERY, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert(F.conns[1].closed);
	fake_disk_run(&F, E); /* done with no connection: held */
	ck_assert_uint_eq(erig_join(2, 3), 0); /* a new CID this time */
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	uint8_t r[BS];
	erig_receive_read(&J, r, BS);
	ck_assert_uint_eq(memcmp(r, F.disk + 5 * BS, BS), 0);
}
END_TEST

START_TEST(erl2_reinstatement_login_acknowledges_the_old_connections_status)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint32_t itt = erig_read_pending(&I, 0, 1);
	fake_disk_run(&F, E);
	uint8_t r[BS];
	uint32_t sn = erig_receive_read(&I, r, BS);
	rt_on_conn_closed(E, 1);
	/* the Login's ExpStatSN is the old connection's (§6.3.4): past the
	 * status, which the record then lets go */
	erig_j_open(2, I.cid);
	J.exp_stat_sn = sn + 1;
	ck_assert_uint_eq(ini_login(&J, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

START_TEST(erl2_commands_before_their_cmdsn_turn_are_discarded_with_the_connection)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint32_t sn = I.cmd_sn;
	I.cmd_sn = sn + 1; /* sn is lost on the way: this one waits for it */
	uint32_t itt = erig_read_pending(&I, 0, 1);
	rt_on_conn_closed(E, 1);
	I.cmd_sn = sn;
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	/* §11.14.1: unacknowledged commands are discarded */
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	/* and both CmdSNs are gaps the initiator fills by sending again */
	J.cmd_sn = sn;
	ck_assert_uint_eq(tur_status(&J, 0), 0);
	uint8_t r[BS];
	erig_read_pending(&J, 0, 1);
	fake_disk_run(&F, E);
	erig_receive_read(&J, r, BS);
}
END_TEST

/* ---- MC/S: reassignment to the surviving connection ---- */

START_TEST(erl2_task_of_a_failed_connection_moves_to_the_other_connection)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(erig_join(2, 1), 0);
	uint32_t itt = erig_read_pending(&I, 16, 2);
	J.cmd_sn = I.cmd_sn;
	/* still allegiant to a live connection: no (§7.2.2) */
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_TASK_ALLEGIANT);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	fake_disk_run(&F, E);
	uint8_t r[2 * BS];
	erig_receive_read(&J, r, sizeof(r));
	ck_assert_uint_eq(memcmp(r, F.disk + 16 * BS, sizeof(r)), 0);
}
END_TEST

START_TEST(erl2_time2retain_expiry_discards_the_tasks_on_the_injected_clock)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(erig_join(2, 1), 0);
	uint32_t a = erig_read_pending(&I, 0, 1);
	uint32_t b = erig_read_pending(&I, 1, 1);
	J.cmd_sn = I.cmd_sn;
	uint64_t t0 = F.now_ns;
	rt_on_conn_closed(E, 1);
	fake_disk_run(&F, E);
	/* DefaultTime2Wait 2 + DefaultTime2Retain 20 seconds from the failure */
	uint64_t due = t0 + 22 * NS_PER_S;
	ck_assert_uint_le(rt_next_deadline(E), due);
	F.now_ns = due - 1;
	rt_on_time(E);
	ck_assert_uint_eq(erig_reassign(&J, a, 0), ISCSI_TMF_RSP_COMPLETE);
	uint8_t r[BS];
	erig_receive_read(&J, r, BS);
	F.now_ns = due;
	ck_assert_uint_eq(rt_next_deadline(E), due);
	rt_on_time(E);
	ck_assert_uint_eq(erig_reassign(&J, b, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX);
	ck_assert(!F.conns[2].closed); /* the session goes on */
	ck_assert_uint_eq(tur_status(&J, 0), 0);
}
END_TEST

START_TEST(erl2_session_with_no_connection_ends_when_time2retain_is_over)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	erig_read_pending(&I, 0, 1);
	uint64_t t0 = F.now_ns;
	rt_on_conn_closed(E, 1);
	ck_assert(!rt_engine_idle(E)); /* a task waits */
	ck_assert_uint_eq(rt_next_deadline(E), t0 + 22 * NS_PER_S);
	F.now_ns = t0 + 22 * NS_PER_S;
	rt_on_time(E);
	fake_disk_run(&F, E); /* the aborted read's I/O returns */
	ck_assert(rt_engine_idle(E));
	ck_assert_uint_eq(erig_join(2, I.cid), ISCSI_LOGIN_SESSION_NOT_FOUND);
}
END_TEST

START_TEST(erl2_time2retain_0_keeps_nothing)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0DefaultTime2Retain=0";
	cfg.params.error_recovery_level = 2;
	login_ok(keys, sizeof(keys));
	clear_ua();
	erig_read_pending(&I, 0, 1);
	rt_on_conn_closed(E, 1);
	fake_disk_run(&F, E);
	ck_assert(rt_engine_idle(E)); /* §13.16: discarded at once, the session too */
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX);
}
END_TEST

/* ---- Logout (§11.14.1) ---- */

START_TEST(erl2_logout_for_recovery_keeps_the_tasks_and_says_how_long)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(erig_join(2, 1), 0);
	uint32_t itt = erig_read_pending(&I, 3, 1);
	J.cmd_sn = I.cmd_sn;
	ck_assert_uint_eq(erig_logout(&J, ISCSI_LOGOUT_RECOVERY, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert_uint_eq(get_be16(J.bhs + PDU_LOGOUT_TIME2WAIT), 2);
	ck_assert_uint_eq(get_be16(J.bhs + PDU_LOGOUT_TIME2RETAIN), 20);
	ck_assert(F.conns[1].closed);
	/* a CID that is neither live nor failed */
	ck_assert_uint_eq(erig_logout(&J, ISCSI_LOGOUT_RECOVERY, 7, J.exp_stat_sn), ISCSI_LOGOUT_RSP_NO_CID);
	/* the failed one again: already removed, still fine */
	ck_assert_uint_eq(erig_logout(&J, ISCSI_LOGOUT_RECOVERY, I.cid, J.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	fake_disk_run(&F, E);
	uint8_t r[BS];
	erig_receive_read(&J, r, BS);
}
END_TEST

START_TEST(erl2_logout_closing_a_connection_ends_its_tasks)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(erig_join(2, 1), 0);
	uint32_t itt = erig_read_pending(&I, 3, 1);
	J.cmd_sn = I.cmd_sn;
	ck_assert_uint_eq(erig_logout(&J, ISCSI_LOGOUT_CONNECTION, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert_uint_eq(get_be16(J.bhs + PDU_LOGOUT_TIME2RETAIN), 0); /* nothing kept */
	ck_assert(F.conns[1].closed);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

START_TEST(erl2_logout_closing_a_failed_connection_ends_its_waiting_tasks)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(erig_join(2, 1), 0);
	uint32_t itt = erig_read_pending(&I, 3, 1);
	J.cmd_sn = I.cmd_sn;
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(erig_logout(&J, ISCSI_LOGOUT_CONNECTION, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX);
}
END_TEST

START_TEST(erl2_waiting_tasks_can_be_aborted_from_another_connection)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(erig_join(2, 1), 0);
	uint32_t done = erig_read_pending(&I, 0, 1);
	uint32_t running = erig_read_pending(&I, 1, 1);
	J.cmd_sn = I.cmd_sn;
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(fake_disk_run(&F, E), 2); /* both done while down: held */
	/* ABORT TASK of a held task (§11.5.1): it ends, nothing is sent for it */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 0x7777);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, done);
	pdu_set_w(bhs, PDU_INI_CMDSN, J.cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, J.exp_stat_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, J.cmd_sn - 2);
	ini_send(&J, bhs, NULL, 0);
	erig_expect_op(&J, ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(J.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ck_assert_uint_eq(erig_reassign(&J, done, 0), ISCSI_TMF_RSP_NO_TASK);
	/* LOGICAL UNIT RESET takes the other one (SAM-5 §7.8) */
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_LOGICAL_UNIT_RESET);
	pdu_set_w(bhs, PDU_ITT, 0x7778);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, J.cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, J.exp_stat_sn);
	ini_send(&J, bhs, NULL, 0);
	erig_expect_op(&J, ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(J.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(erig_reassign(&J, running, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(tur_status(&J, 0) >> 16, 0x02); /* the reset's unit attention */
}
END_TEST

/* ---- bounds and the end ---- */

START_TEST(erl2_failed_connections_kept_at_once_are_bounded)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint32_t itt[RT_ERL2_FAILED_CONNS_MAX + 1];
	/* connection 1 stays; connections 2.. each run a read and fail */
	for (uint32_t k = 0; k <= RT_ERL2_FAILED_CONNS_MAX; k++) {
		ck_assert_uint_eq(erig_join(2 + k, (uint16_t)(10 + k)), 0);
		itt[k] = erig_read_pending(&J, k, 1);
		I.cmd_sn = J.cmd_sn;
		rt_on_conn_closed(E, 2 + k);
	}
	erig_j_close();
	fake_disk_run(&F, E);
	/* the first RT_ERL2_FAILED_CONNS_MAX wait; the one past them ended */
	ck_assert_uint_eq(erig_reassign(&I, itt[RT_ERL2_FAILED_CONNS_MAX], 0), ISCSI_TMF_RSP_NO_TASK);
	for (uint32_t k = 0; k < RT_ERL2_FAILED_CONNS_MAX; k++) {
		uint8_t r[BS];
		ck_assert_uint_eq(erig_reassign(&I, itt[k], 0), ISCSI_TMF_RSP_COMPLETE);
		erig_receive_read(&I, r, BS);
	}
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX); /* every record let go */
}
END_TEST

START_TEST(erl2_shutdown_ends_a_session_that_waits_with_no_connection)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	erig_read_pending(&I, 0, 1);
	rt_on_conn_closed(E, 1);
	rt_engine_shutdown(E);
	fake_disk_run(&F, E);
	ck_assert(rt_engine_idle(E));
}
END_TEST

Suite *suite_engine_erl2(void)
{
	Suite *s = suite_create("engine_erl2");
	TCase *tc = tcase_create("erl2");
	tcase_add_checked_fixture(tc, engine_setup, erig_teardown);
	tcase_add_test(tc, erl2_is_negotiated_only_when_the_configuration_allows_it);
	tcase_add_test(tc, erl2_is_negotiated_by_default_when_asked);
	tcase_add_test(tc, erl2_is_negotiated_when_configured_and_asked);
	tcase_add_test(tc, erl2_write_cut_by_a_lost_connection_lands_once_after_reassignment);
	tcase_add_test(tc, erl2_write_cut_in_its_unsolicited_data_asks_for_the_rest_after_reassignment);
	tcase_add_test(tc, erl2_read_done_while_its_connection_was_down_answers_after_reassignment);
	tcase_add_test(tc, erl2_failure_without_memory_for_the_record_ends_the_tasks);
	tcase_add_test(tc, erl2_two_failed_connections_share_one_set_until_the_last);
	tcase_add_test(tc, erl2_reinstatement_while_the_old_connection_seems_alive_moves_its_tasks);
	tcase_add_test(tc, erl2_logout_for_recovery_on_its_own_connection_then_a_new_one);
	tcase_add_test(tc, erl2_reinstatement_login_acknowledges_the_old_connections_status);
	tcase_add_test(tc, erl2_commands_before_their_cmdsn_turn_are_discarded_with_the_connection);
	tcase_add_test(tc, erl2_task_of_a_failed_connection_moves_to_the_other_connection);
	tcase_add_test(tc, erl2_time2retain_expiry_discards_the_tasks_on_the_injected_clock);
	tcase_add_test(tc, erl2_session_with_no_connection_ends_when_time2retain_is_over);
	tcase_add_test(tc, erl2_time2retain_0_keeps_nothing);
	tcase_add_test(tc, erl2_logout_for_recovery_keeps_the_tasks_and_says_how_long);
	tcase_add_test(tc, erl2_logout_closing_a_connection_ends_its_tasks);
	tcase_add_test(tc, erl2_logout_closing_a_failed_connection_ends_its_waiting_tasks);
	tcase_add_test(tc, erl2_waiting_tasks_can_be_aborted_from_another_connection);
	tcase_add_test(tc, erl2_failed_connections_kept_at_once_are_bounded);
	tcase_add_test(tc, erl2_shutdown_ends_a_session_that_waits_with_no_connection);
	suite_add_tcase(s, tc);
	return s;
}
