/* Tests of core/login: whole login conversations (RFC 7143 §6.3, §11.12,
 * §11.13, §12, §13). Failures: test_login_fail.c; bad input: test_login_bad.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login_talk.h"

/* ---- whole conversations ---- */

START_TEST(login_operational_only_reaches_full_feature_phase)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_op_keys(&r);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert(fx_t(&resp));
	ck_assert(!fx_c(&resp));
	ck_assert_uint_eq(fx_csg(&resp), ISCSI_STAGE_OPERATIONAL);
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_FULL_FEATURE);
	ck_assert_uint_eq(get_be16(resp.bhs + PDU_LOGIN_TSIH), 0x1234); /* the TSIH bind() assigned */
	ck_assert_uint_eq(x.bind_calls, 1);
	ck_assert_uint_eq(x.check_calls, 0);
	ck_assert_int_eq(x.login.phase, LOGIN_DONE);
	/* what the target says */
	ck_assert_str_eq(fx_get(&resp, "TargetPortalGroupTag"), "1");
	ck_assert_str_eq(fx_get(&resp, "TargetAlias"), "Open disk");
	ck_assert_str_eq(fx_get(&resp, "MaxRecvDataSegmentLength"), "65536");
	ck_assert_str_eq(fx_get(&resp, "HeaderDigest"), "None");
	ck_assert_str_eq(fx_get(&resp, "InitialR2T"), "Yes");
	ck_assert_str_eq(fx_get(&resp, "ImmediateData"), "Yes");
	ck_assert_str_eq(fx_get(&resp, "MaxBurstLength"), "262144");
	ck_assert_str_eq(fx_get(&resp, "FirstBurstLength"), "65536");
	ck_assert_str_eq(fx_get(&resp, "MaxConnections"), "1");
	ck_assert_str_eq(fx_get(&resp, "IFMarker"), "Reject");
	ck_assert_str_eq(fx_get(&resp, "ErrorRecoveryLevel"), "0");
	ck_assert_ptr_null(fx_get(&resp, "InitiatorName")); /* declarations are not answered */
	ck_assert_ptr_null(fx_get(&resp, "SessionType"));
	/* what the login established */
	const struct login_result *res = login_result(&x.login);
	ck_assert_str_eq(res->initiator_name, FX_INITIATOR);
	ck_assert(!res->discovery);
	ck_assert_uint_eq(res->tsih, 0x1234);
	ck_assert_uint_eq(res->cid, 1);
	ck_assert_mem_eq(res->isid, "\x80\x12\x34\x56\x00\x01", 6);
	ck_assert_uint_eq(res->target, FX_T_OPEN);
	ck_assert_uint_eq(res->tpg, 0);
	ck_assert_ptr_null(res->acl);
	ck_assert_uint_eq(res->lun_count, 2);
	ck_assert_uint_eq(res->cmd_sn, 100);
	const struct iscsi_params *p = &res->params;
	ck_assert_uint_eq(p->max_recv_dsl, 65536);
	ck_assert_uint_eq(p->max_xmit_dsl, 262144);
	ck_assert(!p->header_digest && !p->data_digest);
	ck_assert(p->initial_r2t && p->immediate_data);
	ck_assert_uint_eq(p->max_burst_length, 262144);
	ck_assert_uint_eq(p->first_burst_length, 65536);
	ck_assert_uint_eq(p->default_time2wait, 2);
	ck_assert_uint_eq(p->default_time2retain, 0);
	ck_assert_uint_eq(p->max_connections, 1);
	ck_assert_uint_eq(p->error_recovery_level, 0);
	ck_assert_mem_eq(&x.bound, res, sizeof(*res));
}
END_TEST

START_TEST(login_response_echoes_isid_itt_and_leaves_sequence_numbers)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	pdu_set_w(r.pdu.bhs, PDU_ITT, 0xabcdef01);
	talk_send();
	talk_ok();
	ck_assert_uint_eq(resp.bhs[PDU_OPCODE], ISCSI_OP_LOGIN_RSP);
	ck_assert_uint_eq(resp.bhs[PDU_LOGIN_VERSION_MAX], 0);
	ck_assert_uint_eq(resp.bhs[PDU_LOGIN_VERSION_ACTIVE], 0);
	ck_assert_mem_eq(resp.bhs + PDU_LOGIN_ISID, "\x80\x12\x34\x56\x00\x01", 6);
	ck_assert_uint_eq(pdu_itt(resp.bhs), 0xabcdef01);
	for (int i = 24; i < 36; i++)
		ck_assert_uint_eq(resp.bhs[i], 0);
}
END_TEST

START_TEST(login_security_stage_without_credentials_then_operational)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=CHAP,None");
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY);
	ck_assert_str_eq(fx_get(&resp, "AuthMethod"), "None");
	ck_assert(fx_t(&resp));
	ck_assert_uint_eq(fx_csg(&resp), ISCSI_STAGE_SECURITY);
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_OPERATIONAL);
	ck_assert_uint_eq(get_be16(resp.bhs + PDU_LOGIN_TSIH), 0); /* no TSIH before the end */
	ck_assert_str_eq(fx_get(&resp, "TargetPortalGroupTag"), "1");
	ck_assert_ptr_null(fx_get(&resp, "MaxRecvDataSegmentLength")); /* not in security */
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_op_keys(&r);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_ptr_null(fx_get(&resp, "TargetPortalGroupTag")); /* only in the first answer */
	ck_assert_str_eq(fx_get(&resp, "MaxRecvDataSegmentLength"), "65536");
}
END_TEST

/* RFC 7143 §11.12 (ExpStatSN): in the first Login Request of a
 * connection it is the old connection's, valid when the login restarts a
 * connection (ERL 2, §6.3.4); a later request's may count this login's
 * own responses. The result keeps the first request's: taking the last
 * one's once acknowledged a status the initiator never got, and TASK
 * REASSIGN then answered "task does not exist" (scenario 34, seed 15). */
START_TEST(login_keeps_the_first_requests_exp_stat_sn)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=None");
	pdu_set_w(r.pdu.bhs, PDU_INI_EXPSTATSN, 0x1000);
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_op_keys(&r);
	pdu_set_w(r.pdu.bhs, PDU_INI_EXPSTATSN, 0x1001);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_uint_eq(login_result(&x.login)->exp_stat_sn, 0x1000);
}
END_TEST

START_TEST(login_security_stage_may_go_straight_to_full_feature)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "AuthMethod=None", NULL);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_FULL_FEATURE);
	/* nothing declared: both directions keep the 8192 default (§13.12) */
	ck_assert_uint_eq(login_result(&x.login)->params.max_recv_dsl, 8192);
	ck_assert_uint_eq(login_result(&x.login)->params.max_xmit_dsl, 8192);
}
END_TEST

START_TEST(login_security_without_any_auth_key_may_transit_when_none_required)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, NULL);
	talk_send();
	talk_ok();
	ck_assert(fx_t(&resp));
}
END_TEST

START_TEST(login_goes_through_operational_stage_when_we_must_offer)
{
	x.cfg.params.immediate_data = false;
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	talk_send();
	talk_ok();
	ck_assert(fx_t(&resp));
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_OPERATIONAL); /* lowered from 3 */
	ck_assert_int_eq(v, LOGIN_REPLY);
}
END_TEST

START_TEST(login_chap_one_way_every_algorithm)
{
	for (unsigned alg = 5; alg <= 8; alg++) {
		fx_login_start(&x, FX_PORTAL_V4);
		ck_assert_int_eq(fx_login_chap(&x, FX_INITIATOR, FX_T_CHAP, alg, FX_USER, FX_SECRET, false),
				 LOGIN_REPLY_FFP);
	}
}
END_TEST

START_TEST(login_chap_mutual_every_algorithm)
{
	for (unsigned alg = 5; alg <= 8; alg++) {
		fx_login_start(&x, FX_PORTAL_V4);
		ck_assert_int_eq(fx_login_chap(&x, FX_INITIATOR, FX_T_MUTUAL, alg, FX_USER, FX_SECRET, true),
				 LOGIN_REPLY_FFP);
	}
}
END_TEST

START_TEST(login_chap_mutual_configured_but_not_asked_is_one_way)
{
	ck_assert_int_eq(fx_login_chap(&x, FX_INITIATOR, FX_T_MUTUAL, 5, FX_USER, FX_SECRET, false),
			 LOGIN_REPLY_FFP);
}
END_TEST

START_TEST(login_chap_for_an_acl_entry_uses_its_credentials)
{
	ck_assert_int_eq(fx_login_chap(&x, FX_HOST_ACL_CHAP, FX_T_ACL, 7, FX_USER, FX_SECRET, false),
			 LOGIN_REPLY_FFP);
	const struct login_result *res = login_result(&x.login);
	ck_assert_ptr_nonnull(res->acl);
	ck_assert_str_eq(res->acl->initiator, FX_HOST_ACL_CHAP);
	ck_assert_uint_eq(res->lun_count, 1);
	ck_assert_uint_eq(res->luns[0].lun, 5);
}
END_TEST

START_TEST(login_discovery_session)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "SessionType=Discovery", NULL);
	fx_op_keys(&r);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert(login_result(&x.login)->discovery);
	ck_assert_ptr_null(fx_get(&resp, "TargetPortalGroupTag"));
	ck_assert_str_eq(fx_get(&resp, "InitialR2T"), "Irrelevant");
	ck_assert_str_eq(fx_get(&resp, "MaxBurstLength"), "Irrelevant");
	ck_assert_str_eq(fx_get(&resp, "MaxConnections"), "Irrelevant");
	ck_assert_str_eq(fx_get(&resp, "DefaultTime2Wait"), "2");
	ck_assert_str_eq(fx_get(&resp, "MaxRecvDataSegmentLength"), "65536");
	ck_assert_uint_eq(x.bind_calls, 1);
}
END_TEST

START_TEST(login_discovery_session_ignores_a_target_name)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "SessionType=Discovery",
		"TargetName=iqn.2024-01.org.example:nope", NULL);
	talk_send();
	talk_ok();
	ck_assert_ptr_null(fx_get(&resp, "TargetName"));
}
END_TEST

START_TEST(login_discovery_uses_discovery_credentials)
{
	x.cfg.discovery_auth.in = (struct rt_chap_cred){FX_USER, FX_SECRET};
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "SessionType=Discovery", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_request_text_continued_with_c_bit)
{
	static const char text[] = "InitiatorName=" FX_INITIATOR "\0TargetName=iqn.2024-01.org.example:open";
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_raw(&r, text, 30); /* cut inside the InitiatorName value */
	talk_send();
	talk_ok();
	ck_assert_uint_eq(resp.data_len, 0);
	ck_assert(!fx_t(&resp) && !fx_c(&resp));
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_raw(&r, text + 30, sizeof(text) - 30 - 10);
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_raw(&r, text + sizeof(text) - 10, 10); /* the end, with its NUL */
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_str_eq(login_result(&x.login)->initiator_name, FX_INITIATOR);
}
END_TEST

START_TEST(login_long_answer_is_continued_with_c_bit)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	char kv[80];
	for (int i = 0; i < 120; i++) { /* 120 unknown keys of 63 bytes: ~9 KB of NotUnderstood */
		snprintf(kv, sizeof(kv), "X-com.example.%048d=1", i);
		fx_keys(&r, kv, NULL);
	}
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY);
	ck_assert(fx_c(&resp));
	ck_assert(!fx_t(&resp)); /* §11.13: C=1 means T=0 */
	ck_assert_uint_eq(resp.data_len, 8192);
	ck_assert_uint_eq(x.bind_calls, 0);
	uint32_t total = resp.data_len;
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	talk_send();
	talk_ok();
	ck_assert(!fx_c(&resp));
	ck_assert(fx_t(&resp));
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	total += resp.data_len;
	ck_assert_uint_eq(total, x.login.out.len);
	ck_assert_uint_eq(x.bind_calls, 1);
}
END_TEST

START_TEST(login_text_while_our_answer_continues_is_refused)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	char kv[80];
	for (int i = 0; i < 120; i++) {
		snprintf(kv, sizeof(kv), "X-com.example.%048d=1", i);
		fx_keys(&r, kv, NULL);
	}
	talk_send();
	ck_assert(fx_c(&resp));
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "HeaderDigest=None", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_answers_unknown_keys_not_understood)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "X-com.example.Foo=1", "X#Bar.baz=2", "Unheardof=3", NULL);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_str_eq(fx_get(&resp, "X-com.example.Foo"), "NotUnderstood");
	ck_assert_str_eq(fx_get(&resp, "X#Bar.baz"), "NotUnderstood");
	ck_assert_str_eq(fx_get(&resp, "Unheardof"), "NotUnderstood");
}
END_TEST

START_TEST(login_offers_what_defaults_would_violate_and_takes_the_answer)
{
	x.cfg.params.immediate_data = false;
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	talk_send();
	talk_ok();
	ck_assert(!fx_t(&resp)); /* waits for the answer */
	ck_assert_str_eq(fx_get(&resp, "ImmediateData"), "No");
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "ImmediateData=No", NULL);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_ptr_null(fx_get(&resp, "ImmediateData"));
	ck_assert(!login_result(&x.login)->params.immediate_data);
}
END_TEST

START_TEST(login_refuses_a_wrong_answer_to_our_offer)
{
	x.cfg.params.immediate_data = false;
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	talk_send();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "ImmediateData=Yes", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_to_transit_with_our_offer_unanswered)
{
	x.cfg.params.immediate_data = false;
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	talk_send();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_operational_stage_without_transit_stays)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=65536", NULL);
	talk_send();
	talk_ok();
	ck_assert(!fx_t(&resp));
	ck_assert_int_eq(v, LOGIN_REPLY);
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "FirstBurstLength=262144", NULL);
	talk_send();
	talk_ok();
	ck_assert_str_eq(fx_get(&resp, "FirstBurstLength"), "65536");
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
}
END_TEST

START_TEST(login_joins_an_existing_session_with_nonzero_tsih)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0x77);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=4096", "HeaderDigest=None", NULL);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_uint_eq(x.check_calls, 1);
	ck_assert_uint_eq(x.bind_calls, 1);
	ck_assert_uint_eq(x.bound.tsih, 0x77);
	ck_assert_uint_eq(get_be16(resp.bhs + PDU_LOGIN_TSIH), 0x77);
	ck_assert_str_eq(fx_get(&resp, "MaxBurstLength"), "Irrelevant"); /* LO */
	ck_assert_str_eq(fx_get(&resp, "HeaderDigest"), "None");
}
END_TEST

Suite *suite_login(void)
{
	Suite *s = suite_create("login");
	TCase *tc = tcase_create("login");
	tcase_add_checked_fixture(tc, talk_setup, talk_teardown);
	tcase_add_test(tc, login_operational_only_reaches_full_feature_phase);
	tcase_add_test(tc, login_response_echoes_isid_itt_and_leaves_sequence_numbers);
	tcase_add_test(tc, login_security_stage_without_credentials_then_operational);
	tcase_add_test(tc, login_keeps_the_first_requests_exp_stat_sn);
	tcase_add_test(tc, login_security_stage_may_go_straight_to_full_feature);
	tcase_add_test(tc, login_security_without_any_auth_key_may_transit_when_none_required);
	tcase_add_test(tc, login_goes_through_operational_stage_when_we_must_offer);
	tcase_add_test(tc, login_chap_one_way_every_algorithm);
	tcase_add_test(tc, login_chap_mutual_every_algorithm);
	tcase_add_test(tc, login_chap_mutual_configured_but_not_asked_is_one_way);
	tcase_add_test(tc, login_chap_for_an_acl_entry_uses_its_credentials);
	tcase_add_test(tc, login_discovery_session);
	tcase_add_test(tc, login_discovery_session_ignores_a_target_name);
	tcase_add_test(tc, login_discovery_uses_discovery_credentials);
	tcase_add_test(tc, login_request_text_continued_with_c_bit);
	tcase_add_test(tc, login_long_answer_is_continued_with_c_bit);
	tcase_add_test(tc, login_text_while_our_answer_continues_is_refused);
	tcase_add_test(tc, login_answers_unknown_keys_not_understood);
	tcase_add_test(tc, login_offers_what_defaults_would_violate_and_takes_the_answer);
	tcase_add_test(tc, login_refuses_a_wrong_answer_to_our_offer);
	tcase_add_test(tc, login_refuses_to_transit_with_our_offer_unanswered);
	tcase_add_test(tc, login_operational_stage_without_transit_stays);
	tcase_add_test(tc, login_joins_an_existing_session_with_nonzero_tsih);
	suite_add_tcase(s, tc);
	return s;
}
