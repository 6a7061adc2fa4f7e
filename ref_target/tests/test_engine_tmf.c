/* Task management functions end to end (RFC 7143 §11.5, §11.6; SAM-5 §7.8)
 * over the fake environment: which tasks each function aborts, when the
 * answer comes (after the aborted tasks drained), what other initiators
 * learn (unit attentions), what a cold reset ends, and the answers for
 * what the target does not do, and PREEMPT AND ABORT ending another
 * initiator's tasks through the engine. The ABORT TASK basics: test_engine_bad.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"

#define IQN_J "iqn.2026-11.org.iscsi-sim:i2"

/* A second initiator on connection 2, logged in and past its unit
 * attention; tmf_teardown frees it. */
static struct ini J;
static bool j_up;

static void two_initiators(void)
{
	login_ok(NULL, 0);
	clear_ua();
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	ini_init(&J, &F, E, 2);
	j_up = true;
	ck_assert_uint_eq(ini_login(&J, IQN_J, IQN_T, NULL, 0), 0);
	ini_scsi(&J, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert(ini_recv(&J)); /* its power-on unit attention */
}

/* The fixture's open-access target with target_reset granted (core/tmf.c:
 * target resets are refused by default), on a new engine. */
static struct rt_tpg_cfg reset_tpg;
static struct rt_target_cfg reset_target;

static void open_access_target_reset(bool allowed)
{
	ini_fini(&I);
	rt_engine_destroy(E);
	F.conns[1].closed = false;
	F.conns[1].out_len = 0;
	reset_tpg = cfg.targets[0].tpgs[0];
	reset_tpg.target_reset = allowed;
	reset_target = cfg.targets[0];
	reset_target.tpgs = &reset_tpg;
	cfg.targets = &reset_target;
	make_engine();
}

static void tmf_teardown(void)
{
	if (j_up)
		ini_fini(&J);
	j_up = false;
	engine_teardown();
}

/* Send TMF function fn from initiator x for lun; ref: the referenced ITT. */
static void tmf(struct ini *x, uint8_t fn, uint32_t itt, uint64_t lun, uint32_t ref)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | fn);
	put_be64(bhs + PDU_LUN, lun << 48);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, ref);
	pdu_set_w(bhs, PDU_INI_CMDSN, x->cmd_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, x->cmd_sn - 1);
	ini_send(x, bhs, NULL, 0);
}

/* The next PDU of x is the TMF response for itt; returns its response code. */
static uint8_t tmf_response(struct ini *x, uint32_t itt)
{
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(pdu_itt(x->bhs), itt);
	return x->bhs[PDU_TMF_RESPONSE];
}

/* A one-block WRITE with immediate data from x, left at the disk. */
static uint32_t write_at_disk(struct ini *x, uint32_t lba)
{
	uint8_t cdb[16], w[BS];
	memset(w, 0x11, sizeof(w));
	cdb_rw10(cdb, 0x2a, lba, 1);
	unsigned before = F.npending;
	uint32_t itt = ini_scsi(x, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	ck_assert_uint_eq(F.npending, before + 1);
	return itt;
}

/* TEST UNIT READY from x: returns status << 16 | ASC << 8 | ASCQ (fixed
 * format sense after the two-byte SenseLength, SPC-4 §4.5.3). */
START_TEST(abort_task_set_aborts_every_task_of_the_lu_and_answers_once_they_drained)
{
	login_ok(NULL, 0);
	clear_ua();
	write_at_disk(&I, 1);
	write_at_disk(&I, 2);
	tmf(&I, ISCSI_TMF_ABORT_TASK_SET, 500, 0, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert_uint_eq(fake_disk_run(&F, E), 2);
	ck_assert_uint_eq(tmf_response(&I, 500), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&I), 0); /* no status for the aborted writes */
	ck_assert_uint_eq(tur_status(&I, 0), 0);
}
END_TEST

START_TEST(abort_task_set_leaves_commands_held_ahead_of_expcmdsn)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t sn = I.cmd_sn;
	I.cmd_sn = sn + 1; /* held: ExpCmdSN is sn */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	I.cmd_sn = sn;
	tmf(&I, ISCSI_TMF_ABORT_TASK_SET, 501, 0, 0);
	ck_assert_uint_eq(tmf_response(&I, 501), ISCSI_TMF_RSP_COMPLETE);
	/* §11.5.1: the held command comes after the TMF; filling the gap runs it */
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
	ck_assert_uint_eq(scsi_status(), 0x00);
}
END_TEST

START_TEST(task_management_on_an_unmapped_lun_answers_lun_does_not_exist)
{
	login_ok(NULL, 0);
	tmf(&I, ISCSI_TMF_ABORT_TASK_SET, 502, 7, 0);
	ck_assert_uint_eq(tmf_response(&I, 502), ISCSI_TMF_RSP_NO_LUN);
	tmf(&I, ISCSI_TMF_CLEAR_TASK_SET, 503, 7, 0);
	ck_assert_uint_eq(tmf_response(&I, 503), ISCSI_TMF_RSP_NO_LUN);
	tmf(&I, ISCSI_TMF_LOGICAL_UNIT_RESET, 504, 7, 0);
	ck_assert_uint_eq(tmf_response(&I, 504), ISCSI_TMF_RSP_NO_LUN);
}
END_TEST

START_TEST(clear_task_set_aborts_other_initiators_tasks_and_tells_them_by_unit_attention)
{
	two_initiators();
	write_at_disk(&J, 5);
	tmf(&I, ISCSI_TMF_CLEAR_TASK_SET, 505, 0, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(tmf_response(&I, 505), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&J), 0); /* J's write ends without status */
	/* SPC-4 §7.5 TAS 0: COMMANDS CLEARED BY ANOTHER INITIATOR (2F/00) */
	ck_assert_uint_eq(tur_status(&J, 0), 0x022f00);
	ck_assert_uint_eq(tur_status(&J, 0), 0);
	ck_assert_uint_eq(tur_status(&I, 0), 0); /* the initiator that asked gets none */
}
END_TEST

START_TEST(logical_unit_reset_aborts_tasks_and_reports_a_device_reset_to_everyone)
{
	two_initiators();
	write_at_disk(&I, 6);
	tmf(&I, ISCSI_TMF_LOGICAL_UNIT_RESET, 506, 0, 0);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(tmf_response(&I, 506), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert_uint_eq(tur_status(&I, 0), 0x022903); /* BUS DEVICE RESET FUNCTION OCCURRED */
	ck_assert_uint_eq(tur_status(&J, 0), 0x022903);
}
END_TEST

/* SAM-5 §7.1: a TMF completes once the tasks it affects are gone, those
 * an earlier ABORT TASK is still aborting (their disk I/O in flight)
 * too; answered at once, the initiator retries a write whose first copy
 * may still land (issue 16, class 2: Linux escalates abort -> LU reset). */
START_TEST(logical_unit_reset_waits_for_a_task_an_abort_task_is_still_aborting)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t itt = write_at_disk(&I, 7);
	tmf(&I, ISCSI_TMF_ABORT_TASK, 510, 0, itt);
	tmf(&I, ISCSI_TMF_LOGICAL_UNIT_RESET, 511, 0, 0);
	tmf(&I, ISCSI_TMF_ABORT_TASK, 512, 0, itt); /* the same task again */
	ck_assert_uint_eq(ini_pending(&I), 0);      /* none answered while the write is at the disk */
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert_uint_eq(tmf_response(&I, 510), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(tmf_response(&I, 511), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(tmf_response(&I, 512), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&I), 0); /* no status for the aborted write */
}
END_TEST

START_TEST(target_resets_from_open_access_are_refused_by_default)
{
	two_initiators();
	write_at_disk(&J, 7);
	tmf(&I, ISCSI_TMF_TARGET_WARM_RESET, 514, 0, 0);
	ck_assert_uint_eq(tmf_response(&I, 514), ISCSI_TMF_RSP_AUTH_FAILED);
	tmf(&I, ISCSI_TMF_TARGET_COLD_RESET, 515, 0, 0);
	ck_assert_uint_eq(tmf_response(&I, 515), ISCSI_TMF_RSP_AUTH_FAILED);
	/* nothing was reset: J's write lands and nobody gets a unit attention */
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert(ini_recv(&J));
	ck_assert_uint_eq(pdu_opcode(J.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(tur_status(&J, 0), 0);
	ck_assert_uint_eq(tur_status(&I, 0), 0);
	ck_assert(!F.conns[1].closed);
	ck_assert(!F.conns[2].closed);
}
END_TEST

START_TEST(target_warm_reset_reports_a_reset_and_keeps_the_sessions)
{
	open_access_target_reset(true);
	two_initiators();
	tmf(&I, ISCSI_TMF_TARGET_WARM_RESET, 507, 0, 0);
	ck_assert_uint_eq(tmf_response(&I, 507), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(tur_status(&I, 0), 0x022902); /* SCSI BUS RESET OCCURRED */
	ck_assert_uint_eq(tur_status(&J, 0), 0x022902);
	ck_assert(!F.conns[1].closed);
	ck_assert(!F.conns[2].closed);
}
END_TEST

START_TEST(target_cold_reset_answers_then_ends_every_session_of_the_target)
{
	open_access_target_reset(true);
	two_initiators();
	write_at_disk(&J, 8);
	tmf(&I, ISCSI_TMF_TARGET_COLD_RESET, 508, 0, 0);
	ck_assert_uint_eq(ini_pending(&I), 0); /* J's write still at the disk */
	ck_assert(!F.conns[2].closed);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(tmf_response(&I, 508), ISCSI_TMF_RSP_COMPLETE);
	ck_assert(F.conns[1].closed);
	ck_assert(F.conns[2].closed);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

START_TEST(unsupported_task_management_functions_get_their_rfc_7143_answers)
{
	login_ok(NULL, 0);
	/* no ACA is ever established: NACA=1 CDBs are refused */
	tmf(&I, ISCSI_TMF_CLEAR_ACA, 509, 0, 0);
	ck_assert_uint_eq(tmf_response(&I, 509), ISCSI_TMF_RSP_NOT_SUPPORTED);
	/* TASK REASSIGN needs ErrorRecoveryLevel 2 (§11.5.1) */
	tmf(&I, ISCSI_TMF_TASK_REASSIGN, 510, 0, 0x10);
	ck_assert_uint_eq(tmf_response(&I, 510), ISCSI_TMF_RSP_NO_REASSIGN);
	/* a function code RFC 7143 does not define */
	tmf(&I, 0x33, 511, 0, 0);
	ck_assert_uint_eq(tmf_response(&I, 511), ISCSI_TMF_RSP_REJECTED);
	ck_assert_uint_eq(tur_status(&I, 0) >> 16, 0x02); /* the session goes on (its UA) */
}
END_TEST

START_TEST(abort_of_a_command_lost_in_the_window_voids_its_cmdsn)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t lost = I.cmd_sn;
	/* §11.5.1: RefCmdSN inside the window and before the TMF's CmdSN,
	 * no such task: the command is considered received and done. */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 512);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, 0x4321);
	pdu_set_w(bhs, PDU_INI_CMDSN, lost + 1);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, lost);
	ini_send(&I, bhs, NULL, 0);
	ck_assert_uint_eq(tmf_response(&I, 512), ISCSI_TMF_RSP_COMPLETE);
	/* the next command, CmdSN lost + 1, runs at once: the gap is filled */
	I.cmd_sn = lost + 1;
	ck_assert_uint_eq(tur_status(&I, 0), 0);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), lost + 2); /* ExpCmdSN */
}
END_TEST

START_TEST(a_task_management_request_beyond_the_session_limit_is_rejected)
{
	login_ok(NULL, 0);
	clear_ua();
	uint32_t itts[4];
	for (unsigned k = 0; k < 4; k++) /* SESS_TMF_MAX, each waiting for its write */
		itts[k] = write_at_disk(&I, 20 + k);
	for (unsigned k = 0; k < 4; k++)
		tmf(&I, ISCSI_TMF_ABORT_TASK, 520 + k, 0, itts[k]);
	ck_assert_uint_eq(ini_pending(&I), 0);
	tmf(&I, ISCSI_TMF_ABORT_TASK_SET, 530, 0, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_REJECT);
	ck_assert_uint_eq(I.bhs[PDU_REJECT_REASON], ISCSI_REJECT_OUT_OF_RESOURCES);
	fake_disk_run(&F, E);
	for (unsigned k = 0; k < 4; k++)
		ck_assert_uint_eq(tmf_response(&I, 520 + k), ISCSI_TMF_RSP_COMPLETE);
}
END_TEST

/* An aborting task keeps at most RT_TASK_TMF_WAITERS_MAX TMFs waiting for
 * it to drain (task.h abort_tmf): one more, an ABORT TASK of it again or
 * an LU reset that finds it, is answered FUNCTION REJECTED at once (RFC
 * 7143 §11.6.1: 255) rather than COMPLETE before the write has landed
 * (SAM-5 §7.1); the ones waiting are answered once it has. Two
 * initiators: one session holds at most SESS_TMF_MAX TMFs. */
START_TEST(a_tmf_past_the_waiters_of_one_aborting_task_is_rejected)
{
	ck_assert_uint_eq(RT_TASK_TMF_WAITERS_MAX, 4);
	two_initiators();
	uint32_t itt = write_at_disk(&I, 9);
	tmf(&I, ISCSI_TMF_ABORT_TASK, 540, 0, itt);          /* waiter 1 */
	for (unsigned k = 0; k < 3; k++)                     /* waiters 2..4 */
		tmf(&J, ISCSI_TMF_LOGICAL_UNIT_RESET, 541 + k, 0, 0);
	ck_assert_uint_eq(ini_pending(&I) + ini_pending(&J), 0);
	tmf(&I, ISCSI_TMF_ABORT_TASK, 544, 0, itt);          /* tmf_abort_task: a fifth */
	ck_assert_uint_eq(tmf_response(&I, 544), ISCSI_TMF_RSP_REJECTED);
	tmf(&J, ISCSI_TMF_LOGICAL_UNIT_RESET, 545, 0, 0);    /* tmf_abort_on_lu: a fifth */
	ck_assert_uint_eq(tmf_response(&J, 545), ISCSI_TMF_RSP_REJECTED);
	ck_assert_uint_eq(ini_pending(&I) + ini_pending(&J), 0);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert_uint_eq(tmf_response(&I, 540), ISCSI_TMF_RSP_COMPLETE);
	for (unsigned k = 0; k < 3; k++)
		ck_assert_uint_eq(tmf_response(&J, 541 + k), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&I), 0); /* no status for the aborted write */
}
END_TEST

START_TEST(a_task_management_answer_is_dropped_when_its_connection_is_gone)
{
	login_ok(NULL, 0);
	clear_ua();
	write_at_disk(&I, 9);
	tmf(&I, ISCSI_TMF_ABORT_TASK_SET, 513, 0, 0);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert(rt_engine_idle(E));
}
END_TEST

/* An LU reset of I waits for J's write, which J's ABORT TASK is still
 * aborting; I's connection goes before the write drains: I's session
 * stays until its reset is answered (to no one), since J's task points
 * at it (ASan: a use after free before sess_reapable). */
START_TEST(a_session_whose_reset_waits_for_another_initiators_task_outlives_its_connection)
{
	two_initiators();
	uint32_t itt = write_at_disk(&J, 11);
	tmf(&J, ISCSI_TMF_ABORT_TASK, 530, 0, itt);
	tmf(&I, ISCSI_TMF_LOGICAL_UNIT_RESET, 531, 0, 0);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert_uint_eq(tmf_response(&J, 530), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&I), 0);
	rt_on_conn_closed(E, 2);
	ck_assert(rt_engine_idle(E));
}
END_TEST

/* PERSISTENT RESERVE OUT from x with its 24-byte parameter list sent on
 * R2T; returns the status. */
static uint8_t prout(struct ini *x, uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey)
{
	uint8_t cdb[16] = { 0x5f, sa, type }, list[24] = { 0 };
	put_be32(cdb + 5, sizeof(list));
	put_be64(list, key);
	put_be64(list + 8, sakey);
	uint32_t itt = ini_scsi(x, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(list), NULL, 0);
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_R2T);
	ini_data_out(x, itt, pdu_w(x->bhs, PDU_R2T_TTT), 0, 0, list, sizeof(list), true);
	fake_disk_run(&F, E);
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_SCSI_RSP);
	return x->bhs[PDU_SCSI_RSP_STATUS];
}

START_TEST(preempt_and_abort_aborts_the_preempted_initiators_tasks_only)
{
	two_initiators();
	ck_assert_uint_eq(prout(&I, 0x06, 0, 0, 0xa1), 0x00); /* REGISTER AND IGNORE EXISTING KEY */
	ck_assert_uint_eq(prout(&J, 0x06, 0, 0, 0xb2), 0x00);
	write_at_disk(&J, 30);                                 /* executing */
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 31, 1);
	uint32_t waiting = ini_scsi(&J, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	ck_assert(ini_recv(&J)); /* its R2T: waiting for Data-Out */
	uint32_t ttt = pdu_w(J.bhs, PDU_R2T_TTT);
	/* SPC-4 §5.13.11.2.4: PREEMPT AND ABORT ends the preempted nexus' tasks */
	ck_assert_uint_eq(prout(&I, 0x05, 1, 0xa1, 0xb2), 0x00);
	ck_assert_uint_eq(F.npending, 0);
	ck_assert_uint_eq(ini_pending(&J), 0); /* neither write gets a status */
	uint8_t w[BS];
	memset(w, 0x77, sizeof(w));
	ini_data_out(&J, waiting, ttt, 0, 0, w, BS, true);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ck_assert_uint_eq(F.disk[31 * BS], 0); /* the late data was discarded */
	ck_assert_uint_eq(tur_status(&J, 0), 0x022a05);  /* REGISTRATIONS PREEMPTED */
	ck_assert_uint_eq(tur_status(&I, 0), 0);
}
END_TEST

Suite *suite_engine_tmf(void)
{
	Suite *s = suite_create("engine_tmf");
	TCase *tc = tcase_create("engine_tmf");
	tcase_add_checked_fixture(tc, engine_setup, tmf_teardown);
	tcase_add_test(tc, abort_task_set_aborts_every_task_of_the_lu_and_answers_once_they_drained);
	tcase_add_test(tc, abort_task_set_leaves_commands_held_ahead_of_expcmdsn);
	tcase_add_test(tc, task_management_on_an_unmapped_lun_answers_lun_does_not_exist);
	tcase_add_test(tc, clear_task_set_aborts_other_initiators_tasks_and_tells_them_by_unit_attention);
	tcase_add_test(tc, logical_unit_reset_aborts_tasks_and_reports_a_device_reset_to_everyone);
	tcase_add_test(tc, logical_unit_reset_waits_for_a_task_an_abort_task_is_still_aborting);
	tcase_add_test(tc, a_session_whose_reset_waits_for_another_initiators_task_outlives_its_connection);
	tcase_add_test(tc, target_resets_from_open_access_are_refused_by_default);
	tcase_add_test(tc, target_warm_reset_reports_a_reset_and_keeps_the_sessions);
	tcase_add_test(tc, target_cold_reset_answers_then_ends_every_session_of_the_target);
	tcase_add_test(tc, unsupported_task_management_functions_get_their_rfc_7143_answers);
	tcase_add_test(tc, abort_of_a_command_lost_in_the_window_voids_its_cmdsn);
	tcase_add_test(tc, a_task_management_request_beyond_the_session_limit_is_rejected);
	tcase_add_test(tc, a_tmf_past_the_waiters_of_one_aborting_task_is_rejected);
	tcase_add_test(tc, a_task_management_answer_is_dropped_when_its_connection_is_gone);
	tcase_add_test(tc, preempt_and_abort_aborts_the_preempted_initiators_tasks_only);
	suite_add_tcase(s, tc);
	return s;
}
