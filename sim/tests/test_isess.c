/* The simulated initiator session against a scripted target: what it
 * puts on the wire for each RFC 7143 rule, and how it recovers. */
#include "isess_rig.h"

START_TEST(write_sends_immediate_and_unsolicited_data_then_answers_r2t)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	static uint8_t buf[4096];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i / 7);
	struct icmd c = { .dir = ICMD_OUT, .buf = buf, .len = 4096, .attr = 1 };
	c.cdb[0] = 0x2a;
	isess_submit(&h->s, h->now, &c);
	/* Command + 512 immediate, then one unsolicited Data-Out to FirstBurstLength. */
	ck_assert_uint_eq(h->n, 2);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_SCSI_CMD);
	ck_assert_uint_eq(h->dsl[0], 512);
	ck_assert(!(pdu_flags(h->bhs[0]) & ISCSI_FLAG_FINAL)); /* unsolicited data follows */
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SCSI_CMD_EDTL), 4096);
	ck_assert_uint_eq(pdu_opcode(h->bhs[1]), ISCSI_OP_DATA_OUT);
	ck_assert_uint_eq(pdu_w(h->bhs[1], PDU_DATA_OUT_TTT), ISCSI_TAG_RESERVED);
	ck_assert_uint_eq(pdu_w(h->bhs[1], PDU_DATA_OUT_BUFFER_OFFSET), 512);
	ck_assert(pdu_final(h->bhs[1]));
	uint32_t itt = pdu_itt(h->bhs[0]);
	h->n = 0;
	uint8_t r2t[48];
	target_pdu(h, r2t, ISCSI_OP_R2T, ISCSI_FLAG_FINAL, itt, false);
	pdu_set_w(r2t, PDU_R2T_TTT, 0x77);
	pdu_set_w(r2t, PDU_R2T_R2TSN, 0);
	pdu_set_w(r2t, PDU_R2T_BUFFER_OFFSET, 1024);
	pdu_set_w(r2t, PDU_R2T_DESIRED_LENGTH, 2048);
	feed(h, r2t, NULL, 0);
	ck_assert_uint_eq(h->n, 4); /* 2048 bytes in 512-byte PDUs */
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(pdu_w(h->bhs[i], PDU_DATA_OUT_TTT), 0x77);
		ck_assert_uint_eq(pdu_w(h->bhs[i], PDU_DATA_OUT_DATASN), i);
		ck_assert_uint_eq(pdu_w(h->bhs[i], PDU_DATA_OUT_BUFFER_OFFSET), 1024 + 512 * i);
		ck_assert(pdu_final(h->bhs[i]) == (i == 3));
		ck_assert_int_eq(memcmp(h->data[i], buf + 1024 + 512 * i, 512), 0);
	}
	h->n = 0;
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, itt, true);
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_OK);
	ck_assert_uint_eq(h->s.exp_statsn, h->statsn);
	teardown(h);
}
END_TEST

START_TEST(commands_wait_for_the_window_to_open)
{
	struct harness *h = setup();
	login(h, plain_keys, 2);
	struct icmd c[3];
	for (int i = 0; i < 3; i++) {
		c[i] = (struct icmd){ .dir = ICMD_NONE, .attr = 1 };
		isess_submit(&h->s, h->now, &c[i]);
	}
	ck_assert_uint_eq(h->n, 2);
	ck_assert_uint_eq(pdu_w(h->bhs[1], PDU_INI_CMDSN), pdu_w(h->bhs[0], PDU_INI_CMDSN) + 1);
	uint32_t first = pdu_w(h->bhs[0], PDU_INI_CMDSN);
	h->n = 0;
	uint8_t nop[48];
	target_pdu(h, nop, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	pdu_set_w(nop, PDU_TGT_EXPCMDSN, first);
	pdu_set_w(nop, PDU_TGT_MAXCMDSN, first + 2); /* one more slot */
	feed(h, nop, NULL, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_INI_CMDSN), first + 2);
	/* MaxCmdSN < ExpCmdSN - 1: both ignored (§4.2.2.1). */
	pdu_set_w(nop, PDU_TGT_EXPCMDSN, first + 10);
	pdu_set_w(nop, PDU_TGT_MAXCMDSN, first + 5);
	feed(h, nop, NULL, 0);
	ck_assert_uint_eq(h->s.sn->max_cmdsn, first + 2);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(read_reassembles_data_in_and_takes_collapsed_status)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	static uint8_t buf[1024];
	struct icmd c = { .dir = ICMD_IN, .buf = buf, .len = 1024, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint32_t itt = pdu_itt(h->bhs[0]);
	uint8_t data[512], bhs[48];
	for (int k = 0; k < 2; k++) {
		memset(data, 'a' + k, sizeof(data));
		target_pdu(h, bhs, ISCSI_OP_DATA_IN, k ? ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS : 0, itt, k == 1);
		pdu_set_w(bhs, PDU_DATA_IN_DATASN, (uint32_t)k);
		pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, (uint32_t)k * 512);
		feed(h, bhs, data, 512);
	}
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_OK);
	ck_assert_uint_eq(c.data_in, 1024);
	ck_assert_uint_eq(buf[0], 'a');
	ck_assert_uint_eq(buf[1023], 'b');
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* The workload poisons a read's buffer at completion where no Data-In
 * wrote (workload.c): the session marks exactly the bytes each wrote. */
START_TEST(read_marks_the_bytes_each_data_in_wrote)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	static uint8_t buf[1024];
	uint64_t map[16] = { 0 };
	struct icmd c = { .dir = ICMD_IN, .buf = buf, .len = 1024, .attr = 1, .in_map = map };
	isess_submit(&h->s, h->now, &c);
	uint32_t itt = pdu_itt(h->bhs[0]);
	static const uint32_t off[2] = { 100, 700 }, len[2] = { 200, 324 };
	uint8_t data[324], bhs[48];
	for (int k = 0; k < 2; k++) {
		memset(data, 'a' + k, sizeof(data));
		target_pdu(h, bhs, ISCSI_OP_DATA_IN, k ? ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS : 0, itt, k == 1);
		pdu_set_w(bhs, PDU_DATA_IN_DATASN, (uint32_t)k);
		pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, off[k]);
		feed(h, bhs, data, len[k]);
	}
	ck_assert_uint_eq(h->ndone, 1);
	for (uint32_t i = 0; i < 1024; i++) {
		bool wrote = (i >= 100 && i < 300) || i >= 700;
		ck_assert_msg(((map[i / 64] >> (i % 64)) & 1u) == wrote, "byte %u", i);
	}
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(data_in_out_of_order_drops_the_connection)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	static uint8_t buf[1024];
	struct icmd c = { .dir = ICMD_IN, .buf = buf, .len = 1024, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint8_t bhs[48], data[512] = { 0 };
	target_pdu(h, bhs, ISCSI_OP_DATA_IN, 0, pdu_itt(h->bhs[0]), false);
	pdu_set_w(bhs, PDU_DATA_IN_DATASN, 1); /* DataSN 1 first */
	feed(h, bhs, data, 512);
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_int_eq(h->s.state, ISS_IDLE);
	ck_assert_uint_eq(h->ndone, 0); /* held for the next connection */
	isess_logout(&h->s, h->now);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_TRANSPORT);
	teardown(h);
}
END_TEST

START_TEST(unanswered_ping_drops_and_reconnects)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	tick(h, SIM_S(5));
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_NOP_OUT);
	ck_assert(pdu_immediate(h->bhs[0]));
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_NOP_TTT), ISCSI_TAG_RESERVED);
	tick(h, SIM_S(7) + 1);
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_uint_eq(h->s.stats.nop_timeouts, 1);
	tick(h, SIM_S(9) + 2);
	ck_assert_uint_eq(h->connects, 2); /* reconnect_delay later */
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* Linux's NOP-Out timer (libiscsi.c, iscsi_check_transport_timeouts):
 * no ping while bytes keep coming; one after noop_interval (5 s here) of
 * silence; the connection fails noop_interval + noop_timeout (2 s) after
 * the last byte received, and bytes received while a ping is unanswered
 * push that on. */
static void unsolicited_nop_in(struct harness *h)
{
	uint8_t bhs[48];
	target_pdu(h, bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	feed(h, bhs, NULL, 0);
}

START_TEST(ping_only_after_noop_interval_of_silence)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	for (uint64_t t = 1; t <= 10; t++) {
		tick(h, SIM_S(t));
		unsolicited_nop_in(h);
	}
	ck_assert_uint_eq(h->n, 0); /* traffic every second: never a ping */
	tick(h, SIM_S(15) - 1);
	ck_assert_uint_eq(h->n, 0);
	tick(h, SIM_S(15));
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_NOP_OUT);
	tick(h, SIM_S(16));
	unsolicited_nop_in(h); /* bytes, not the answer: the timeout moves to 16 + 5 + 2 */
	tick(h, SIM_S(23) - 1);
	ck_assert_uint_eq(h->disconnects, 0);
	ck_assert_uint_eq(h->n, 1); /* one ping in flight at most */
	tick(h, SIM_S(23));
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_uint_eq(h->s.stats.nop_timeouts, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(target_ping_is_answered_with_its_tag)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	uint8_t bhs[48];
	target_pdu(h, bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	pdu_set_w(bhs, PDU_NOP_TTT, 0xabcd);
	feed(h, bhs, (const uint8_t *)"ping", 4);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_NOP_OUT);
	ck_assert_uint_eq(pdu_itt(h->bhs[0]), ISCSI_TAG_RESERVED);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_NOP_TTT), 0xabcd);
	ck_assert_uint_eq(h->dsl[0], 4);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(recovery_resends_held_commands_on_the_new_connection)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint32_t old_itt = pdu_itt(h->bhs[0]);
	isess_on_closed(&h->s, h->now);
	ck_assert_int_eq(h->s.state, ISS_IDLE);
	ck_assert_uint_eq(h->ndone, 0);
	tick(h, SIM_S(2));
	ck_assert_uint_eq(h->connects, 2);
	login(h, plain_keys, 8);
	ck_assert_uint_eq(h->n, 0);
	/* login() cleared the capture after the login PDU; the re-send follows it. */
	ck_assert_uint_eq(h->s.stats.resends, 1);
	ck_assert_uint_eq(h->s.in_flight, 1);
	ck_assert_uint_ne(c.itt, old_itt);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(replacement_timeout_fails_held_commands_and_new_ones_fail_fast)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 }, d = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	isess_on_closed(&h->s, h->now);
	tick(h, SIM_S(20) + 1);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_TRANSPORT);
	ck_assert(h->s.failed_fast);
	isess_submit(&h->s, h->now, &d);
	ck_assert_uint_eq(h->ndone, 2);
	ck_assert_int_eq(d.result, ICMD_TRANSPORT);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(timed_out_command_is_aborted_with_abort_task)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint32_t itt = pdu_itt(h->bhs[0]), cmdsn = pdu_w(h->bhs[0], PDU_INI_CMDSN);
	h->cfg.noop_interval_ns = 0;
	h->s.nop_at = SIM_NEVER;
	h->n = 0;
	tick(h, SIM_S(30));
	ck_assert_uint_eq(h->n, 1);
	const uint8_t *tmf = h->bhs[0];
	ck_assert_uint_eq(pdu_opcode(tmf), ISCSI_OP_TMF_REQ);
	ck_assert_uint_eq(pdu_flags(tmf) & ISCSI_FUNCTION_MASK, ISCSI_TMF_ABORT_TASK);
	ck_assert_uint_eq(pdu_w(tmf, PDU_TMF_REF_TASK_TAG), itt);
	ck_assert_uint_eq(pdu_w(tmf, PDU_TMF_REFCMDSN), cmdsn);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, pdu_itt(tmf), true);
	rsp[PDU_TMF_RESPONSE] = ISCSI_TMF_RSP_COMPLETE;
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_ABORTED);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* A command whose ABORT TASK is unanswered, under tmf_escalation=linux:
 * returns the harness with the LU reset just sent (h->bhs[0]). */
static struct harness *escalated(struct icmd *c, enum isess_escalation esc)
{
	struct harness *h = setup();
	h->cfg.escalation = esc;
	h->cfg.noop_interval_ns = 0;
	login(h, plain_keys, 8);
	h->s.nop_at = SIM_NEVER;
	isess_submit(&h->s, h->now, c);
	h->n = 0;
	tick(h, SIM_S(30));
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_ABORT_TASK);
	h->n = 0;
	tick(h, SIM_S(40)); /* tmf_timeout: 10 s */
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_TMF_REQ);
	return h;
}

START_TEST(unanswered_abort_escalates_to_lu_reset_then_target_reset_then_drops)
{
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	struct harness *h = escalated(&c, ISESS_ESC_LINUX);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_LOGICAL_UNIT_RESET);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_TMF_REF_TASK_TAG), ISCSI_TAG_RESERVED);
	/* refused (RFC 7143 §11.6.1 response 6): the next step at once */
	uint8_t rsp[48];
	h->n = 0;
	target_pdu(h, rsp, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	rsp[PDU_TMF_RESPONSE] = ISCSI_TMF_RSP_AUTH_FAILED;
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_TARGET_WARM_RESET);
	ck_assert_uint_eq(h->disconnects, 0);
	/* unanswered for tmf_timeout: the connection goes, the command waits for the new one */
	tick(h, SIM_S(51));
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_uint_eq(h->ndone, 0);
	ck_assert_uint_eq(h->s.stats.lu_resets, 1);
	ck_assert_uint_eq(h->s.stats.target_resets, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(lu_reset_complete_ends_the_command_whose_abort_went_unanswered)
{
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	struct harness *h = escalated(&c, ISESS_ESC_TASK_SET);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_ABORT_TASK_SET);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	rsp[PDU_TMF_RESPONSE] = ISCSI_TMF_RSP_COMPLETE;
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_ABORTED);
	ck_assert_uint_eq(h->disconnects, 0);
	ck_assert_uint_eq(h->s.stats.esc_done, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(logout_waits_for_the_response_then_closes)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	isess_logout(&h->s, h->now);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_LOGOUT_REQ);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]), ISCSI_FLAG_FINAL | ISCSI_LOGOUT_SESSION);
	ck_assert_int_eq(h->s.state, ISS_LOGOUT);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	feed(h, rsp, NULL, 0);
	ck_assert_int_eq(h->s.state, ISS_CLOSED);
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_int_eq(h->events[h->nevents - 1], ISE_CLOSED);
	tick(h, SIM_S(100));
	ck_assert_uint_eq(h->connects, 1); /* never again */
	teardown(h);
}
END_TEST

START_TEST(async_logout_request_logs_out_and_comes_back)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	uint8_t msg[48];
	target_pdu(h, msg, ISCSI_OP_ASYNC, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, true);
	msg[36] = ISCSI_ASYNC_LOGOUT_REQUEST;
	feed(h, msg, NULL, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_LOGOUT_REQ);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	put_be16(rsp + PDU_LOGOUT_TIME2WAIT, 3);
	feed(h, rsp, NULL, 0);
	ck_assert_int_eq(h->s.state, ISS_IDLE);
	tick(h, h->now + SIM_S(3) + 1);
	ck_assert_uint_eq(h->connects, 2);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* ---- ErrorRecoveryLevel 1 (RFC 7143 §7.1-§7.4, §11.16) ---- */

Suite *suite_isess(void)
{
	Suite *s = suite_create("isess");
	TCase *tc = tcase_create("isess");
	tcase_add_test(tc, write_sends_immediate_and_unsolicited_data_then_answers_r2t);
	tcase_add_test(tc, commands_wait_for_the_window_to_open);
	tcase_add_test(tc, read_reassembles_data_in_and_takes_collapsed_status);
	tcase_add_test(tc, read_marks_the_bytes_each_data_in_wrote);
	tcase_add_test(tc, data_in_out_of_order_drops_the_connection);
	tcase_add_test(tc, unanswered_ping_drops_and_reconnects);
	tcase_add_test(tc, ping_only_after_noop_interval_of_silence);
	tcase_add_test(tc, target_ping_is_answered_with_its_tag);
	tcase_add_test(tc, recovery_resends_held_commands_on_the_new_connection);
	tcase_add_test(tc, replacement_timeout_fails_held_commands_and_new_ones_fail_fast);
	tcase_add_test(tc, timed_out_command_is_aborted_with_abort_task);
	tcase_add_test(tc, unanswered_abort_escalates_to_lu_reset_then_target_reset_then_drops);
	tcase_add_test(tc, lu_reset_complete_ends_the_command_whose_abort_went_unanswered);
	tcase_add_test(tc, logout_waits_for_the_response_then_closes);
	tcase_add_test(tc, async_logout_request_logs_out_and_comes_back);
	suite_add_tcase(s, tc);
	return s;
}
