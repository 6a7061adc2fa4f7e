/* The engine's memory budget (core/mem.h) against initiators that do not
 * read their sockets: the fake environment holds what the test has not
 * reported as sent (fake_conn.hold), as the daemon's queue does. A session
 * over its share gets TASK SET FULL and a MaxCmdSN that stops growing; a
 * connection over its unsent bound is not read; once the initiator reads,
 * the window grows again (announced by a NOP-In) and commands run. With
 * the budget tight, the rest is kept for sessions under their minimum. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "engine_fixture.h"

#define MiB (1ull << 20)
#define READ_BLOCKS 512u                  /* 256 KiB of the 1 MiB LU */
#define READ_LEN (READ_BLOCKS * BS)
/* Data-In in 256 KiB PDUs: the fake's capture moves what is left at every
 * PDU parsed, and 8 KiB PDUs over 12 MiB are slow under ASan. */
static const char big_pdus[] = "MaxRecvDataSegmentLength=262144";

/* Budget 16 MiB (the least allowed), a session's share 1 MiB (4 reads),
 * connections not read past 64 KiB unsent. */
static void small_budget(void)
{
	cfg.params.mem_budget_bytes = 16 * MiB;
	cfg.params.session_mem_max_bytes = 1 * MiB;
	cfg.params.session_mem_min_bytes = 1 * MiB;
	cfg.params.conn_unsent_max_bytes = RT_CONN_UNSENT_MIN;
	char err[256];
	ck_assert_msg(cfg_validate(&cfg, err, sizeof(err)) == 0, "%s", err);
}

static uint32_t read_cmd(struct ini *i, uint32_t len)
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, 0, (uint16_t)(len / BS));
	return ini_scsi(i, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, len, NULL, 0);
}

/* Parse every PDU the engine sent (without telling it: the fake still
 * holds them as unsent until fake_conn_report). Counts statuses and
 * returns the last MaxCmdSN seen. */
struct seen {
	unsigned good, task_set_full, nop_in;
	uint32_t max_cmd_sn, exp_cmd_sn;
	uint32_t data;
};

static struct seen drain(struct ini *i)
{
	struct seen s = { 0 };
	while (ini_recv(i)) {
		uint8_t op = pdu_opcode(i->bhs);
		s.max_cmd_sn = pdu_w(i->bhs, PDU_TGT_MAXCMDSN);
		s.exp_cmd_sn = pdu_w(i->bhs, PDU_TGT_EXPCMDSN);
		uint8_t status = 0xff;
		if (op == ISCSI_OP_SCSI_RSP)
			status = i->bhs[PDU_SCSI_RSP_STATUS];
		if (op == ISCSI_OP_DATA_IN) {
			s.data += i->data_len;
			if (i->bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS)
				status = i->bhs[PDU_DATA_IN_STATUS];
		}
		if (op == ISCSI_OP_NOP_IN) {
			ck_assert_uint_eq(pdu_itt(i->bhs), ISCSI_TAG_RESERVED);
			ck_assert_uint_eq(pdu_w(i->bhs, PDU_NOP_TTT), ISCSI_TAG_RESERVED);
			s.nop_in++;
		}
		s.good += status == SCSI_STATUS_GOOD;
		s.task_set_full += status == SCSI_STATUS_TASK_SET_FULL;
	}
	return s;
}

START_TEST(engine_holds_maxcmdsn_and_answers_task_set_full_while_the_peer_does_not_read)
{
	small_budget();
	login_ok(NULL, 0);
	clear_ua();
	struct seen first = drain(&I);
	(void)first;
	uint32_t window = cfg.params.cmd_window;
	F.conns[1].hold = true; /* from here the initiator reads nothing */

	/* 6 reads of 256 KiB: the share (1 MiB) holds 4 of them. */
	for (int k = 0; k < 6; k++)
		read_cmd(&I, READ_LEN);
	ck_assert_uint_eq(F.npending, 4);
	fake_disk_run(&F, E);
	struct seen s = drain(&I);
	ck_assert_uint_eq(s.good, 4);
	ck_assert_uint_eq(s.task_set_full, 2); /* SAM-5 §5.3.3: commands in the window */
	ck_assert_uint_eq(s.data, 4 * READ_LEN);
	/* every slot is free again, but MaxCmdSN did not follow (RFC 7143
	 * §4.2.2.1): the window closes as the initiator uses it */
	ck_assert(sn_lt(s.max_cmd_sn, s.exp_cmd_sn - 1 + window));
	struct rt_stats st;
	rt_engine_stats(E, &st);
	ck_assert_uint_eq(st.mem_refusals, 2);
	ck_assert_uint_ge(st.mem_window_holds, 1);
	ck_assert_uint_ge(st.mem_bytes, 4 * READ_LEN); /* the Data-In the peer left unread */
	/* backpressure: a connection with 1 MiB unsent is not read */
	void *buf;
	ck_assert_uint_eq(rt_rx_space(E, 1, &buf), 0);

	/* The initiator reads everything: the environment says so. */
	fake_conn_report(&F, E, 1);
	ck_assert_uint_gt(rt_rx_space(E, 1, &buf), 0);
	struct seen after = drain(&I);
	ck_assert_uint_eq(after.nop_in, 1); /* §11.19: the new MaxCmdSN, unasked */
	ck_assert_uint_eq(after.max_cmd_sn, after.exp_cmd_sn - 1 + window);
	F.conns[1].hold = false;
	uint8_t out[READ_LEN];
	read10(0, READ_BLOCKS, out); /* served again */
}
END_TEST

START_TEST(engine_keeps_the_tight_budget_for_sessions_under_their_minimum)
{
	/* budget 16 MiB (tight past 12), a hog may take 12, anyone 1 */
	cfg.params.mem_budget_bytes = 16 * MiB;
	cfg.params.session_mem_max_bytes = 12 * MiB;
	cfg.params.session_mem_min_bytes = 1 * MiB;
	login_ok(big_pdus, sizeof(big_pdus));
	clear_ua();
	drain(&I);
	struct ini hog;
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	ini_init(&hog, &F, E, 2);
	hog.isid[5] ^= 0x55; /* its own session */
	ck_assert_uint_eq(ini_login(&hog, IQN_I, IQN_T, big_pdus, sizeof(big_pdus)), 0);
	ini_scsi(&hog, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0); /* its unit attention */
	drain(&hog);
	F.conns[2].hold = true;
	for (int k = 0; k < 12; k++)
		read_cmd(&hog, 1 * MiB);
	fake_disk_run(&F, E);
	struct seen h = drain(&hog);
	ck_assert_uint_eq(h.good + h.task_set_full, 12);
	ck_assert_uint_gt(h.task_set_full, 0); /* stopped at the tight mark */
	struct rt_stats st;
	rt_engine_stats(E, &st);
	ck_assert_uint_gt(st.mem_bytes, 10 * MiB); /* the hog's unread Data-In */
	void *buf;
	ck_assert_uint_eq(rt_rx_space(E, 2, &buf), 0); /* the hog is not read */

	/* the good session still gets what is kept for small sessions ... */
	uint8_t out[READ_LEN];
	read10(0, READ_BLOCKS, out);
	/* ... but no more than its minimum while the budget is tight */
	read_cmd(&I, 1 * MiB);
	read_cmd(&I, 1 * MiB);
	fake_disk_run(&F, E);
	struct seen g = drain(&I);
	ck_assert_uint_eq(g.good, 1);
	ck_assert_uint_eq(g.task_set_full, 1);

	/* the hog reads: memory comes back, both are served in full again */
	fake_conn_report(&F, E, 2);
	F.conns[2].hold = false;
	ck_assert_uint_gt(rt_rx_space(E, 2, &buf), 0);
	drain(&hog);
	read_cmd(&I, 1 * MiB);
	read_cmd(&I, 1 * MiB);
	read_cmd(&hog, 1 * MiB);
	fake_disk_run(&F, E);
	g = drain(&I);
	ck_assert_uint_eq(g.good, 2);
	h = drain(&hog);
	ck_assert_uint_eq(h.good, 1);
	ck_assert_uint_eq(h.max_cmd_sn, h.exp_cmd_sn - 1 + cfg.params.cmd_window);
	ini_fini(&hog);
}
END_TEST

START_TEST(engine_stops_reading_a_connection_whose_nop_echoes_are_not_read)
{
	small_budget();
	login_ok(NULL, 0);
	drain(&I);
	F.conns[1].hold = true;
	uint8_t ping[ISCSI_MRDSL_DEFAULT];
	memset(ping, 0x5a, sizeof(ping));
	void *buf;
	unsigned sent = 0;
	/* NOP-Outs of 8 KiB until the engine wants no more bytes */
	while (rt_rx_space(E, 1, &buf) > 0) {
		ck_assert_uint_lt(sent, 64);
		uint8_t bhs[ISCSI_BHS_LEN];
		pdu_init(bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
		pdu_set_w(bhs, PDU_ITT, I.itt++);
		pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
		pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
		ini_send(&I, bhs, ping, sizeof(ping));
		sent++;
	}
	/* stopped just past the bound: the echoes are charged */
	struct rt_stats st;
	rt_engine_stats(E, &st);
	ck_assert_uint_gt(F.conns[1].out_len, RT_CONN_UNSENT_MIN);
	ck_assert_uint_le(F.conns[1].out_len, RT_CONN_UNSENT_MIN + sizeof(ping) + 2 * ISCSI_BHS_LEN);
	ck_assert_uint_eq(st.mem_rx_pauses, 1);
	/* reading a little is not enough (hysteresis: a quarter) ... */
	uint8_t sink[RT_CONN_UNSENT_MIN];
	fake_conn_take(&F, 1, sink, 8192);
	fake_conn_report(&F, E, 1);
	ck_assert_uint_eq(rt_rx_space(E, 1, &buf), 0);
	/* ... reading it all is */
	while (fake_conn_take(&F, 1, sink, sizeof(sink)) > 0)
		;
	fake_conn_report(&F, E, 1);
	ck_assert_uint_gt(rt_rx_space(E, 1, &buf), 0);
}
END_TEST

START_TEST(engine_session_ending_while_its_window_is_held_leaves_a_full_window_to_the_next)
{
	small_budget();
	login_ok(NULL, 0);
	clear_ua();
	drain(&I);
	F.conns[1].hold = true;
	for (int k = 0; k < 6; k++)
		read_cmd(&I, READ_LEN);
	fake_disk_run(&F, E);
	struct seen s = drain(&I);
	ck_assert_uint_eq(s.task_set_full, 2);
	struct rt_stats st;
	rt_engine_stats(E, &st);
	ck_assert_uint_eq(st.mem_window_holds, 1);
	/* the initiator goes away without reading: the session ends held */
	rt_on_conn_closed(E, 1);
	rt_engine_stats(E, &st);
	ck_assert_uint_lt(st.mem_bytes, READ_LEN);
	/* a new session gets the whole window and is served */
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	struct ini j;
	ini_init(&j, &F, E, 2);
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_uint_eq(pdu_w(j.bhs, PDU_TGT_MAXCMDSN), pdu_w(j.bhs, PDU_TGT_EXPCMDSN) - 1 + cfg.params.cmd_window);
	ck_assert_uint_ne(tur_status(&j, 0), 0); /* its power-on unit attention */
	read_cmd(&j, READ_LEN);
	fake_disk_run(&F, E);
	s = drain(&j);
	ck_assert_uint_eq(s.data, READ_LEN);
	ck_assert_uint_eq(s.max_cmd_sn, s.exp_cmd_sn - 1 + cfg.params.cmd_window);
	rt_engine_stats(E, &st);
	ck_assert_uint_eq(st.mem_window_holds, 1);
	ini_fini(&j);
}
END_TEST

Suite *suite_engine_mem(void)
{
	Suite *s = suite_create("engine_mem");
	TCase *tc = tcase_create("engine_mem");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, engine_holds_maxcmdsn_and_answers_task_set_full_while_the_peer_does_not_read);
	tcase_add_test(tc, engine_keeps_the_tight_budget_for_sessions_under_their_minimum);
	tcase_add_test(tc, engine_stops_reading_a_connection_whose_nop_echoes_are_not_read);
	tcase_add_test(tc, engine_session_ending_while_its_window_is_held_leaves_a_full_window_to_the_next);
	suite_add_tcase(s, tc);
	return s;
}
