/* Tests of core/login: every failure status, one at a time (RFC 7143
 * §11.13.5), and the rules behind them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login_talk.h"

/* ---- failures, one status at a time ---- */

START_TEST(login_refuses_unsupported_version_0205)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[PDU_LOGIN_VERSION_MAX] = 2;
	r.pdu.bhs[PDU_LOGIN_VERSION_MIN] = 1; /* we only speak 0 */
	talk_send();
	talk_fail(ISCSI_LOGIN_UNSUPPORTED_VERSION);
}
END_TEST

START_TEST(login_accepts_a_version_range_including_zero)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[PDU_LOGIN_VERSION_MAX] = 5;
	talk_send();
	talk_ok();
}
END_TEST

START_TEST(login_refuses_transit_and_continue_together)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[PDU_FLAGS] |= ISCSI_LOGIN_CONTINUE;
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_csg_that_is_not_a_login_stage)
{
	fx_login_req(&r, false, false, 2, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	fx_login_start(&x, FX_PORTAL_V4);
	fx_login_req(&r, false, false, ISCSI_STAGE_FULL_FEATURE, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_nsg_reserved_or_not_later)
{
	static const uint8_t bad[][2] = {{0, 0}, {0, 2}, {1, 1}, {1, 0}, {1, 2}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_login_start(&x, FX_PORTAL_V4);
		fx_login_req(&r, true, false, bad[i][0], bad[i][1], 0);
		fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
		talk_send();
		talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_refuses_csg_other_than_current_stage)
{
	talk_sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP");
	talk_send();
	talk_ok();
	ck_assert(!fx_t(&resp)); /* CHAP under way: still security */
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_isid_tsih_or_cid_changing)
{
	for (int field = 0; field < 4; field++) {
		fx_login_start(&x, FX_PORTAL_V4);
		fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
		fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
		talk_send();
		talk_ok();
		fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
		switch (field) {
		case 0: r.pdu.bhs[PDU_LOGIN_ISID + 5] ^= 1; break;
		case 1: put_be16(r.pdu.bhs + PDU_LOGIN_TSIH, 9); break;
		case 2: put_be16(r.pdu.bhs + PDU_LOGIN_CID, 2); break;
		case 3: r.pdu.bhs[PDU_LOGIN_VERSION_MAX] = 1; break;
		}
		talk_send();
		talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_refuses_reserved_isid_type)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[PDU_LOGIN_ISID] = 0xc0;
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_requires_initiator_name_0207)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "TargetName=iqn.2024-01.org.example:open", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_MISSING_PARAMETER);
}
END_TEST

START_TEST(login_requires_target_name_for_normal_session_0207)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_MISSING_PARAMETER);
}
END_TEST

START_TEST(login_requires_identity_in_the_first_request)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "AuthMethod=None", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_MISSING_PARAMETER);
}
END_TEST

START_TEST(login_refuses_identity_keys_after_the_first_request)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, NULL);
	r.len = 0; /* identity without SessionType */
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "TargetName=iqn.2024-01.org.example:open", NULL);
	r.pdu.bhs[PDU_FLAGS] &= (uint8_t)~ISCSI_LOGIN_TRANSIT;
	talk_send();
	talk_ok();
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "SessionType=Discovery", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_unknown_target_0203)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "TargetName=iqn.2024-01.org.example:nope", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_NOT_FOUND);
}
END_TEST

START_TEST(login_refuses_empty_target_name_0203)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "TargetName=", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_NOT_FOUND);
}
END_TEST

START_TEST(login_refuses_target_not_served_on_this_portal_0203)
{
	talk_op_request(FX_INITIATOR, FX_T_ELSEWHERE);
	talk_send();
	talk_fail(ISCSI_LOGIN_NOT_FOUND);
	fx_login_start(&x, FX_PORTAL_V6);
	talk_op_request(FX_INITIATOR, FX_T_ELSEWHERE);
	talk_send();
	talk_ok();
}
END_TEST

START_TEST(login_refuses_unknown_session_type_0209)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "SessionType=Bogus", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_SESSION_TYPE_UNSUPPORTED);
}
END_TEST

START_TEST(login_refuses_initiator_missing_from_acl_with_authorization_failure_0202)
{
	talk_op_request(FX_INITIATOR, FX_T_ACL);
	talk_send();
	talk_fail(ISCSI_LOGIN_FORBIDDEN);
}
END_TEST

START_TEST(login_admits_initiator_named_by_acl_with_its_luns)
{
	talk_op_request(FX_HOST_ACL, FX_T_ACL);
	talk_send();
	talk_ok();
	const struct login_result *res = login_result(&x.login);
	ck_assert_ptr_nonnull(res->acl);
	ck_assert_uint_eq(res->lun_count, 1);
	ck_assert_uint_eq(res->luns[0].lun, 5);
}
END_TEST

START_TEST(login_redirects_temporarily_0101_without_portal_group_tag)
{
	talk_op_request(FX_INITIATOR, FX_T_REDIRECT);
	talk_send();
	talk_fail(ISCSI_LOGIN_REDIRECT_TEMP);
	ck_assert_str_eq(fx_get(&resp, "TargetAddress"), FX_REDIRECT_TO);
	ck_assert_uint_eq(fx_count(&resp, "TargetAddress"), 1);
	ck_assert_uint_eq(x.bind_calls, 0);
}
END_TEST

START_TEST(login_redirects_permanently_0102)
{
	x.tpgs[FX_T_REDIRECT].redirect = RT_REDIRECT_PERMANENT;
	x.tpgs[FX_T_REDIRECT].redirect_address = "[fd00::9]:3260";
	talk_op_request(FX_INITIATOR, FX_T_REDIRECT);
	talk_send();
	talk_fail(ISCSI_LOGIN_REDIRECT_PERM);
	ck_assert_str_eq(fx_get(&resp, "TargetAddress"), "[fd00::9]:3260");
}
END_TEST

START_TEST(login_refuses_a_key_sent_twice_in_one_request)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=4096", "MaxBurstLength=8192", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_a_key_sent_again_in_a_later_request)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_mismatched_identity_repeated_across_requests)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "TargetName=iqn.2024-01.org.example:chap", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_accepts_the_same_identity_repeated_in_a_later_request)
{
	/* libiscsi re-declares InitiatorName, SessionType and TargetName in its
	 * operational request after AuthMethod=None. */
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=CHAP,None");
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_op_keys(&r);
	talk_send();
	talk_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
}
END_TEST

START_TEST(login_refuses_a_different_initiator_name_in_a_later_request)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=None");
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, "iqn.2024-01.org.example:someone-else", FX_T_OPEN);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_operational_key_in_security_stage)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=None");
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_security_key_in_operational_stage)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "AuthMethod=None", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_keys_an_initiator_may_not_send)
{
	static const char *const keys[] = {
		"SendTargets=All", "TargetAlias=x", "TargetAddress=1.2.3.4", "TargetPortalGroupTag=1",
	};
	for (size_t i = 0; i < 4; i++) {
		fx_login_start(&x, FX_PORTAL_V4);
		talk_op_request(FX_INITIATOR, FX_T_OPEN);
		fx_keys(&r, keys[i], NULL);
		talk_send();
		talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_allows_declarations_in_security_stage)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=None");
	fx_keys(&r, "InitiatorAlias=host zero", "MaxRecvDataSegmentLength=4096", NULL);
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	talk_send();
	talk_ok();
	ck_assert_str_eq(login_result(&x.login)->initiator_alias, "host zero");
	ck_assert_uint_eq(login_result(&x.login)->params.max_xmit_dsl, 4096);
}
END_TEST

START_TEST(login_refuses_bad_max_recv_data_segment_length_declaration)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxRecvDataSegmentLength=100", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_first_burst_above_max_burst_across_requests)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "FirstBurstLength=65536", NULL);
	talk_send();
	talk_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_requires_security_stage_when_credentials_configured_0201)
{
	talk_op_request(FX_INITIATOR, FX_T_CHAP);
	talk_send();
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_requires_chap_when_credentials_configured_0201)
{
	talk_sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=None");
	talk_send();
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_cannot_do_chap_without_credentials_0201)
{
	talk_sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=CHAP");
	talk_send();
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_leaving_security_unauthenticated_0201)
{
	talk_sec_request(FX_INITIATOR, FX_T_CHAP, NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_chap_keys_without_chap_selected)
{
	talk_sec_request(FX_INITIATOR, FX_T_CHAP, "CHAP_A=5");
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

/* Run a CHAP login up to the response, sending CHAP_N=user and
 * CHAP_R=response (computed for secret, cut to len bytes if len). */
static void chap_until_response(const char *user, const char *secret, size_t cut)
{
	talk_sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP,None");
	talk_send();
	talk_ok();
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "CHAP_A=7", NULL);
	talk_send();
	talk_ok();
	uint8_t chal[64], d[64];
	size_t cl = fx_unhex(fx_get(&resp, "CHAP_C"), chal, sizeof(chal));
	uint8_t id = (uint8_t)atoi(fx_get(&resp, "CHAP_I"));
	size_t dl = fx_chap_digest(7, id, secret, chal, cl, d);
	char n[300], rr[300];
	snprintf(n, sizeof(n), "CHAP_N=%s", user);
	snprintf(rr, sizeof(rr), "CHAP_R=%s", fx_hex(d, cut ? cut : dl));
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	fx_keys(&r, n, rr, NULL);
	talk_send();
}

START_TEST(login_refuses_wrong_chap_secret_0201)
{
	chap_until_response(FX_USER, "wrong-secret-123", 0);
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_wrong_chap_user_0201)
{
	chap_until_response("mallory", FX_SECRET, 0);
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_chap_response_of_wrong_length_0201)
{
	chap_until_response(FX_USER, FX_SECRET, 20);
	talk_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_accepts_right_chap_response_after_t0_then_empty_t1)
{
	talk_sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP");
	talk_send();
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "CHAP_A=5", NULL);
	talk_send();
	uint8_t chal[64], d[64];
	size_t cl = fx_unhex(fx_get(&resp, "CHAP_C"), chal, sizeof(chal));
	uint8_t id = (uint8_t)atoi(fx_get(&resp, "CHAP_I"));
	size_t dl = fx_chap_digest(5, id, FX_SECRET, chal, cl, d);
	char rr[100];
	snprintf(rr, sizeof(rr), "CHAP_R=%s", fx_hex(d, dl));
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "CHAP_N=" FX_USER, rr, NULL);
	talk_send();
	talk_ok();
	ck_assert(!fx_t(&resp));
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	talk_send();
	talk_ok();
	ck_assert(fx_t(&resp));
}
END_TEST

START_TEST(login_check_session_status_ends_login)
{
	x.check_status = ISCSI_LOGIN_SESSION_NOT_FOUND;
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0x55);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	talk_send();
	talk_fail(ISCSI_LOGIN_SESSION_NOT_FOUND);
	fx_login_start(&x, FX_PORTAL_V4);
	x.check_status = ISCSI_LOGIN_TOO_MANY_CONNECTIONS;
	talk_send();
	talk_fail(ISCSI_LOGIN_TOO_MANY_CONNECTIONS);
}
END_TEST

START_TEST(login_bind_status_ends_login)
{
	x.bind_status = ISCSI_LOGIN_OUT_OF_RESOURCES;
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	talk_send();
	talk_fail(ISCSI_LOGIN_OUT_OF_RESOURCES);
}
END_TEST

Suite *suite_login_fail(void)
{
	Suite *s = suite_create("login_fail");
	TCase *tc = tcase_create("login_fail");
	tcase_add_checked_fixture(tc, talk_setup, talk_teardown);
	tcase_add_test(tc, login_refuses_unsupported_version_0205);
	tcase_add_test(tc, login_accepts_a_version_range_including_zero);
	tcase_add_test(tc, login_refuses_transit_and_continue_together);
	tcase_add_test(tc, login_refuses_csg_that_is_not_a_login_stage);
	tcase_add_test(tc, login_refuses_nsg_reserved_or_not_later);
	tcase_add_test(tc, login_refuses_csg_other_than_current_stage);
	tcase_add_test(tc, login_refuses_isid_tsih_or_cid_changing);
	tcase_add_test(tc, login_refuses_reserved_isid_type);
	tcase_add_test(tc, login_requires_initiator_name_0207);
	tcase_add_test(tc, login_requires_target_name_for_normal_session_0207);
	tcase_add_test(tc, login_requires_identity_in_the_first_request);
	tcase_add_test(tc, login_refuses_identity_keys_after_the_first_request);
	tcase_add_test(tc, login_refuses_unknown_target_0203);
	tcase_add_test(tc, login_refuses_empty_target_name_0203);
	tcase_add_test(tc, login_refuses_target_not_served_on_this_portal_0203);
	tcase_add_test(tc, login_refuses_unknown_session_type_0209);
	tcase_add_test(tc, login_refuses_initiator_missing_from_acl_with_authorization_failure_0202);
	tcase_add_test(tc, login_admits_initiator_named_by_acl_with_its_luns);
	tcase_add_test(tc, login_redirects_temporarily_0101_without_portal_group_tag);
	tcase_add_test(tc, login_redirects_permanently_0102);
	tcase_add_test(tc, login_refuses_a_key_sent_twice_in_one_request);
	tcase_add_test(tc, login_accepts_the_same_identity_repeated_in_a_later_request);
	tcase_add_test(tc, login_refuses_a_different_initiator_name_in_a_later_request);
	tcase_add_test(tc, login_refuses_a_key_sent_again_in_a_later_request);
	tcase_add_test(tc, login_refuses_mismatched_identity_repeated_across_requests);
	tcase_add_test(tc, login_refuses_operational_key_in_security_stage);
	tcase_add_test(tc, login_refuses_security_key_in_operational_stage);
	tcase_add_test(tc, login_refuses_keys_an_initiator_may_not_send);
	tcase_add_test(tc, login_allows_declarations_in_security_stage);
	tcase_add_test(tc, login_refuses_bad_max_recv_data_segment_length_declaration);
	tcase_add_test(tc, login_refuses_first_burst_above_max_burst_across_requests);
	tcase_add_test(tc, login_requires_security_stage_when_credentials_configured_0201);
	tcase_add_test(tc, login_requires_chap_when_credentials_configured_0201);
	tcase_add_test(tc, login_cannot_do_chap_without_credentials_0201);
	tcase_add_test(tc, login_refuses_leaving_security_unauthenticated_0201);
	tcase_add_test(tc, login_refuses_chap_keys_without_chap_selected);
	tcase_add_test(tc, login_refuses_wrong_chap_secret_0201);
	tcase_add_test(tc, login_refuses_wrong_chap_user_0201);
	tcase_add_test(tc, login_refuses_chap_response_of_wrong_length_0201);
	tcase_add_test(tc, login_accepts_right_chap_response_after_t0_then_empty_t1);
	tcase_add_test(tc, login_check_session_status_ends_login);
	tcase_add_test(tc, login_bind_status_ends_login);
	suite_add_tcase(s, tc);
	return s;
}
