/* The simulated initiator session at ErrorRecoveryLevel 2 against a
 * scripted target (isess_rig.h): a lost connection is reinstated in the
 * same session and its commands reassigned (TASK REASSIGN) or retried;
 * each way ERL 2's recovery gives up falls back to ERL 0's session
 * reinstatement. */
#include "isess_rig.h"

static const char *const erl2_keys[] = { "HeaderDigest", "None", "DataDigest", "None",
	"MaxRecvDataSegmentLength", "512", "FirstBurstLength", "1024", "MaxBurstLength", "2048",
	"InitialR2T", "No", "ImmediateData", "Yes", "ErrorRecoveryLevel", "2", "DefaultTime2Wait", "2",
	"DefaultTime2Retain", "20", NULL };
static const char *const conn_keys[] = { "HeaderDigest", "None", "DataDigest", "None",
	"MaxRecvDataSegmentLength", "512", NULL };

static uint8_t wbuf[2048], rbuf[1024];

/* Logged in at ERL 2 with a write (its unsolicited data sent) and a read
 * in flight; then the connection is lost. */
static struct harness *lost_with_two_tasks(struct icmd *w, struct icmd *r)
{
	struct harness *h = setup();
	h->cfg.login.error_recovery_level = 2;
	login(h, erl2_keys, 8);
	ck_assert_uint_eq(h->s.params.error_recovery_level, 2);
	*w = (struct icmd){ .dir = ICMD_OUT, .buf = wbuf, .len = sizeof(wbuf), .attr = 1 };
	*r = (struct icmd){ .dir = ICMD_IN, .buf = rbuf, .len = sizeof(rbuf), .attr = 1 };
	isess_submit(&h->s, h->now, w);
	isess_submit(&h->s, h->now, r);
	h->n = 0;
	isess_on_closed(&h->s, h->now);
	ck_assert_uint_eq(h->ndone, 0);
	return h;
}

/* The login after Time2Wait: returns its request (a copy). */
static void relogin_request(struct harness *h, uint8_t req[48])
{
	tick(h, h->now + SIM_S(2));
	ck_assert_uint_eq(h->connects, 2);
	h->n = 0;
	isess_on_connected(&h->s, h->now);
	ck_assert_uint_eq(h->n, 1);
	memcpy(req, h->bhs[0], 48);
	h->n = 0;
}

/* Answer the login: status 0 with keys, TSIH tsih, ExpCmdSN exp_cmdsn. */
static void login_answer(struct harness *h, const uint8_t req[48], const char *const *keys, uint16_t tsih,
	uint32_t exp_cmdsn, uint16_t status)
{
	uint8_t bhs[48], text[512];
	size_t len = 0;
	for (const char *const *k = keys; *k != NULL; k += 2)
		ikeys_add(text, &len, sizeof(text), k[0], k[1]);
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	memcpy(bhs + PDU_LOGIN_ISID, req + PDU_LOGIN_ISID, 6);
	put_be16(bhs + PDU_LOGIN_TSIH, tsih);
	put_be16(bhs + PDU_LOGIN_STATUS, status);
	pdu_set_w(bhs, PDU_ITT, pdu_itt(req));
	pdu_set_w(bhs, PDU_TGT_STATSN, h->statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, exp_cmdsn);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, exp_cmdsn + 7);
	feed(h, bhs, text, (uint32_t)len);
}

static void tmf_answer(struct harness *h, uint32_t itt, uint8_t response)
{
	uint8_t bhs[48];
	target_pdu(h, bhs, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, itt, true);
	bhs[PDU_TMF_RESPONSE] = response;
	feed(h, bhs, NULL, 0);
}

static bool has_key(const struct harness *h, unsigned i, const char *key)
{
	uint32_t n = h->dsl[i] < 1024 ? h->dsl[i] : 1024;
	for (uint32_t at = 0; at + strlen(key) < n; at++)
		if ((at == 0 || h->data[i][at - 1] == 0) && memcmp(h->data[i] + at, key, strlen(key)) == 0 &&
			h->data[i][at + strlen(key)] == '=')
			return true;
	return false;
}

START_TEST(erl2_lost_connection_is_reinstated_and_its_tasks_reassigned)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint32_t exp_statsn = h->s.exp_statsn;
	uint8_t req[48];
	relogin_request(h, req);
	/* §6.3.4: same ISID, the session's TSIH, the same CID; ExpStatSN
	 * the failed connection's; no session-wide key. */
	ck_assert_uint_eq(get_be16(req + PDU_LOGIN_TSIH), 0x99);
	ck_assert_uint_eq(get_be16(req + PDU_LOGIN_CID), h->s.cid);
	ck_assert_uint_eq(pdu_w(req, PDU_INI_EXPSTATSN), exp_statsn);
	/* The target has both commands (ExpCmdSN past them). */
	login_answer(h, req, conn_keys, 0x99, w.cmdsn + 2, 0);
	ck_assert(isess_up(&h->s));
	ck_assert_uint_eq(h->s.params.error_recovery_level, 2); /* the session's, kept */
	ck_assert_uint_eq(h->n, 2);
	uint32_t tmf_itt[2];
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_uint_eq(pdu_opcode(h->bhs[i]), ISCSI_OP_TMF_REQ);
		ck_assert_uint_eq(pdu_flags(h->bhs[i]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_TASK_REASSIGN);
		tmf_itt[i] = pdu_itt(h->bhs[i]);
	}
	ck_assert(pdu_w(h->bhs[0], PDU_TMF_REF_TASK_TAG) == w.itt || pdu_w(h->bhs[1], PDU_TMF_REF_TASK_TAG) == w.itt);
	ck_assert(pdu_w(h->bhs[0], PDU_TMF_REF_TASK_TAG) == r.itt || pdu_w(h->bhs[1], PDU_TMF_REF_TASK_TAG) == r.itt);
	h->n = 0;
	tmf_answer(h, tmf_itt[0], ISCSI_TMF_RSP_COMPLETE);
	tmf_answer(h, tmf_itt[1], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(h->s.stats.reassigned, 2);
	/* The write: a recovery R2T numbered on from the target's count. */
	uint8_t bhs[48];
	target_pdu(h, bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL, w.itt, false);
	pdu_set_w(bhs, PDU_R2T_TTT, 0x77);
	pdu_set_w(bhs, PDU_R2T_R2TSN, 5);
	pdu_set_w(bhs, PDU_R2T_BUFFER_OFFSET, 1024);
	pdu_set_w(bhs, PDU_R2T_DESIRED_LENGTH, 1024);
	feed(h, bhs, NULL, 0);
	ck_assert_uint_eq(h->disconnects, 0); /* the new connection stays */
	ck_assert_uint_eq(h->n, 2);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_DATA_OUT);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_DATA_OUT_TTT), 0x77);
	target_pdu(h, bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, w.itt, true);
	feed(h, bhs, NULL, 0);
	target_pdu(h, bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, r.itt, true);
	feed(h, bhs, NULL, 0);
	ck_assert_uint_eq(h->ndone, 2);
	ck_assert_uint_eq(w.result, ICMD_OK);
	ck_assert_uint_eq(w.sends, 1); /* never re-sent as a new task */
	ck_assert_uint_eq(h->s.stats.sess_reinstatements, 0);
	ck_assert_uint_eq(h->s.stats.conn_reinstatements, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(erl2_reinstating_login_carries_only_connection_keys)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint8_t req[48];
	tick(h, h->now + SIM_S(2));
	h->n = 0;
	isess_on_connected(&h->s, h->now);
	memcpy(req, h->bhs[0], 48);
	ck_assert(has_key(h, 0, "InitiatorName"));
	ck_assert(has_key(h, 0, "MaxRecvDataSegmentLength"));
	ck_assert(!has_key(h, 0, "SessionType"));
	ck_assert(!has_key(h, 0, "ErrorRecoveryLevel"));
	ck_assert(!has_key(h, 0, "MaxBurstLength"));
	h->n = 0;
	login_answer(h, req, conn_keys, 0x99, w.cmdsn + 2, 0);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(erl2_command_the_target_never_had_is_retried_on_the_new_connection)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint8_t req[48];
	relogin_request(h, req);
	/* The target has the write, not the read (ExpCmdSN waits for it). */
	login_answer(h, req, conn_keys, 0x99, r.cmdsn, 0);
	ck_assert_uint_eq(h->n, 2);
	unsigned cmd = pdu_opcode(h->bhs[0]) == ISCSI_OP_SCSI_CMD ? 0 : 1;
	ck_assert_uint_eq(pdu_opcode(h->bhs[cmd]), ISCSI_OP_SCSI_CMD);
	ck_assert_uint_eq(pdu_itt(h->bhs[cmd]), r.itt);
	ck_assert_uint_eq(pdu_w(h->bhs[cmd], PDU_INI_CMDSN), r.cmdsn);
	ck_assert_uint_eq(pdu_opcode(h->bhs[1 - cmd]), ISCSI_OP_TMF_REQ);
	ck_assert_uint_eq(pdu_w(h->bhs[1 - cmd], PDU_TMF_REF_TASK_TAG), w.itt);
	ck_assert_uint_eq(h->s.stats.erl2_retries, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* After a fallback: the next login starts the session again (TSIH 0)
 * and both commands are re-sent as new tasks. */
static void expect_session_reinstatement(struct harness *h, struct icmd *w, struct icmd *r)
{
	ck_assert_uint_eq(h->s.stats.erl2_fallbacks, 1);
	tick(h, h->now + SIM_S(2));
	h->n = 0;
	isess_on_connected(&h->s, h->now);
	ck_assert_uint_eq(get_be16(h->bhs[0] + PDU_LOGIN_TSIH), 0);
	h->n = 0;
	uint8_t req[48];
	memcpy(req, h->bhs[0], 48);
	login_answer(h, req, erl2_keys, 0x9a, pdu_w(req, PDU_INI_CMDSN), 0);
	ck_assert(isess_up(&h->s));
	ck_assert_uint_eq(w->sends, 2);
	ck_assert_uint_eq(r->sends, 2);
	ck_assert_uint_eq(h->s.stats.sess_reinstatements, 1);
	isess_logout(&h->s, h->now);
}

START_TEST(erl2_reassign_answered_task_does_not_exist_falls_back_to_erl0)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint8_t req[48];
	relogin_request(h, req);
	login_answer(h, req, conn_keys, 0x99, w.cmdsn + 2, 0);
	ck_assert_uint_eq(h->n, 2);
	uint32_t tmf = pdu_itt(h->bhs[0]);
	tmf_answer(h, tmf, ISCSI_TMF_RSP_NO_TASK);
	ck_assert(!isess_up(&h->s));
	ck_assert_uint_eq(h->disconnects, 1); /* the new one, dropped for ERL 0 */
	ck_assert_uint_eq(h->s.stats.reassign_refused, 1);
	expect_session_reinstatement(h, &w, &r);
	teardown(h);
}
END_TEST

START_TEST(erl2_reassign_not_supported_falls_back_to_erl0)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint8_t req[48];
	relogin_request(h, req);
	login_answer(h, req, conn_keys, 0x99, w.cmdsn + 2, 0);
	tmf_answer(h, pdu_itt(h->bhs[1]), ISCSI_TMF_RSP_NO_REASSIGN);
	expect_session_reinstatement(h, &w, &r);
	teardown(h);
}
END_TEST

START_TEST(erl2_reassign_unanswered_falls_back_to_erl0)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint8_t req[48];
	relogin_request(h, req);
	h->cfg.noop_interval_ns = 0; /* no ping to lose the connection first */
	login_answer(h, req, conn_keys, 0x99, w.cmdsn + 2, 0);
	tick(h, h->now + h->cfg.tmf_timeout_ns);
	ck_assert(!isess_up(&h->s));
	expect_session_reinstatement(h, &w, &r);
	teardown(h);
}
END_TEST

START_TEST(erl2_reinstating_login_refused_falls_back_to_erl0)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint8_t req[48];
	relogin_request(h, req);
	login_answer(h, req, conn_keys, 0x99, w.cmdsn, 0x0205); /* session does not exist */
	ck_assert(!isess_up(&h->s));
	expect_session_reinstatement(h, &w, &r);
	teardown(h);
}
END_TEST

START_TEST(erl2_reinstatement_failing_gives_up_after_logins_max)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	for (unsigned i = 0; i < ISESS_ERL2_LOGINS_MAX; i++) {
		ck_assert_uint_eq(h->s.stats.erl2_fallbacks, 0);
		tick(h, h->now + SIM_S(2));
		isess_on_connect_failed(&h->s, h->now);
	}
	expect_session_reinstatement(h, &w, &r);
	teardown(h);
}
END_TEST

START_TEST(erl2_cmdsn_hole_no_held_command_fills_falls_back_to_erl0)
{
	struct icmd w, r;
	struct harness *h = lost_with_two_tasks(&w, &r);
	uint8_t req[48];
	relogin_request(h, req);
	/* The target waits for a CmdSN before both (a command the
	 * replacement timeout failed, say): nothing can plug it. */
	login_answer(h, req, conn_keys, 0x99, w.cmdsn - 1, 0);
	ck_assert(!isess_up(&h->s));
	ck_assert_uint_eq(h->s.stats.reassigns, 0);
	expect_session_reinstatement(h, &w, &r);
	teardown(h);
}
END_TEST

START_TEST(erl1_lost_connection_still_reinstates_the_session)
{
	static const char *const erl1_keys[] = { "HeaderDigest", "None", "DataDigest", "None",
		"MaxRecvDataSegmentLength", "512", "ErrorRecoveryLevel", "1", NULL };
	struct harness *h = setup();
	h->cfg.login.error_recovery_level = 1;
	login(h, erl1_keys, 8);
	struct icmd r = { .dir = ICMD_IN, .buf = rbuf, .len = sizeof(rbuf), .attr = 1 };
	isess_submit(&h->s, h->now, &r);
	isess_on_closed(&h->s, h->now);
	tick(h, h->now + SIM_S(2));
	h->n = 0;
	isess_on_connected(&h->s, h->now);
	ck_assert_uint_eq(get_be16(h->bhs[0] + PDU_LOGIN_TSIH), 0);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

Suite *suite_isess_erl2(void)
{
	Suite *s = suite_create("isess_erl2");
	TCase *tc = tcase_create("isess_erl2");
	tcase_add_test(tc, erl2_lost_connection_is_reinstated_and_its_tasks_reassigned);
	tcase_add_test(tc, erl2_reinstating_login_carries_only_connection_keys);
	tcase_add_test(tc, erl2_command_the_target_never_had_is_retried_on_the_new_connection);
	tcase_add_test(tc, erl2_reassign_answered_task_does_not_exist_falls_back_to_erl0);
	tcase_add_test(tc, erl2_reassign_not_supported_falls_back_to_erl0);
	tcase_add_test(tc, erl2_reassign_unanswered_falls_back_to_erl0);
	tcase_add_test(tc, erl2_reinstating_login_refused_falls_back_to_erl0);
	tcase_add_test(tc, erl2_reinstatement_failing_gives_up_after_logins_max);
	tcase_add_test(tc, erl2_cmdsn_hole_no_held_command_fills_falls_back_to_erl0);
	tcase_add_test(tc, erl1_lost_connection_still_reinstates_the_session);
	suite_add_tcase(s, tc);
	return s;
}
