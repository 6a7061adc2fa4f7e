/* Tests of core/login: whole login conversations and every failure status
 * (RFC 7143 §6.3, §11.12, §11.13, §12, §13). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/login.h"
#include "login_fixture.h"

static struct fx x;
static struct fx_req r;
static struct pdu resp;
static enum login_verdict v;

static void setup(void)
{
	fx_init(&x);
}

static void teardown(void)
{
	fx_fini(&x);
}

static enum login_verdict send(void)
{
	return v = fx_send(&x, &r, &resp);
}

/* The request failed with status, and the connection is to close. */
static void expect_fail(uint16_t status)
{
	ck_assert_msg(fx_status(&resp) == status, "status 0x%04x, want 0x%04x (%s)", fx_status(&resp),
		      status, x.login.why ? x.login.why : "");
	ck_assert_int_eq(v, LOGIN_REPLY_CLOSE);
	ck_assert_int_eq(x.login.phase, LOGIN_FAILED);
	if (status >> 8 != 1)
		ck_assert_uint_eq(resp.data_len, 0);
}

static void expect_ok(void)
{
	ck_assert_msg(fx_status(&resp) == 0, "status 0x%04x (%s)", fx_status(&resp),
		      x.login.why ? x.login.why : "");
	ck_assert_int_ne(v, LOGIN_REPLY_CLOSE);
}

/* A first request in the operational stage asking for full feature phase. */
static void op_request(const char *initiator, unsigned ti)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, initiator, ti);
}

/* A first request in the security stage asking for the operational stage. */
static void sec_request(const char *initiator, unsigned ti, const char *auth_method)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	fx_identity(&r, initiator, ti);
	if (auth_method)
		fx_keys(&r, auth_method, NULL);
}

/* ---- whole conversations ---- */

START_TEST(login_operational_only_reaches_full_feature_phase)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_op_keys(&r);
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert(fx_t(&resp));
	ck_assert(!fx_c(&resp));
	ck_assert_uint_eq(fx_csg(&resp), ISCSI_STAGE_OPERATIONAL);
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_FULL_FEATURE);
	ck_assert_uint_eq(get_be16(resp.bhs + 14), 0x1234); /* the TSIH bind() assigned */
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
	op_request(FX_INITIATOR, FX_T_OPEN);
	pdu_set_w(r.pdu.bhs, PDU_OFF_ITT, 0xabcdef01);
	send();
	expect_ok();
	ck_assert_uint_eq(resp.bhs[0], ISCSI_OP_LOGIN_RSP);
	ck_assert_uint_eq(resp.bhs[2], 0); /* Version-max */
	ck_assert_uint_eq(resp.bhs[3], 0); /* Version-active */
	ck_assert_mem_eq(resp.bhs + 8, "\x80\x12\x34\x56\x00\x01", 6);
	ck_assert_uint_eq(pdu_itt(resp.bhs), 0xabcdef01);
	for (int i = 24; i < 36; i++)
		ck_assert_uint_eq(resp.bhs[i], 0);
}
END_TEST

START_TEST(login_security_stage_without_credentials_then_operational)
{
	sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=CHAP,None");
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY);
	ck_assert_str_eq(fx_get(&resp, "AuthMethod"), "None");
	ck_assert(fx_t(&resp));
	ck_assert_uint_eq(fx_csg(&resp), ISCSI_STAGE_SECURITY);
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_OPERATIONAL);
	ck_assert_uint_eq(get_be16(resp.bhs + 14), 0); /* no TSIH before the end */
	ck_assert_str_eq(fx_get(&resp, "TargetPortalGroupTag"), "1");
	ck_assert_ptr_null(fx_get(&resp, "MaxRecvDataSegmentLength")); /* not in security */
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_op_keys(&r);
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_ptr_null(fx_get(&resp, "TargetPortalGroupTag")); /* only in the first answer */
	ck_assert_str_eq(fx_get(&resp, "MaxRecvDataSegmentLength"), "65536");
}
END_TEST

START_TEST(login_security_stage_may_go_straight_to_full_feature)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "AuthMethod=None", NULL);
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_FULL_FEATURE);
	/* nothing declared: both directions keep the 8192 default (§13.12) */
	ck_assert_uint_eq(login_result(&x.login)->params.max_recv_dsl, 8192);
	ck_assert_uint_eq(login_result(&x.login)->params.max_xmit_dsl, 8192);
}
END_TEST

START_TEST(login_security_without_any_auth_key_may_transit_when_none_required)
{
	sec_request(FX_INITIATOR, FX_T_OPEN, NULL);
	send();
	expect_ok();
	ck_assert(fx_t(&resp));
}
END_TEST

START_TEST(login_goes_through_operational_stage_when_we_must_offer)
{
	x.cfg.params.immediate_data = false;
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	send();
	expect_ok();
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
	send();
	expect_ok();
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
	send();
	expect_ok();
	ck_assert_ptr_null(fx_get(&resp, "TargetName"));
}
END_TEST

START_TEST(login_discovery_uses_discovery_credentials)
{
	x.cfg.discovery_auth.in = (struct rt_chap_cred){FX_USER, FX_SECRET};
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "SessionType=Discovery", NULL);
	send();
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_request_text_continued_with_c_bit)
{
	static const char text[] = "InitiatorName=" FX_INITIATOR "\0TargetName=iqn.2024-01.org.example:open";
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_raw(&r, text, 30); /* cut inside the InitiatorName value */
	send();
	expect_ok();
	ck_assert_uint_eq(resp.data_len, 0);
	ck_assert(!fx_t(&resp) && !fx_c(&resp));
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_raw(&r, text + 30, sizeof(text) - 30 - 10);
	send();
	expect_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_raw(&r, text + sizeof(text) - 10, 10); /* the end, with its NUL */
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_str_eq(login_result(&x.login)->initiator_name, FX_INITIATOR);
}
END_TEST

START_TEST(login_long_answer_is_continued_with_c_bit)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	char kv[80];
	for (int i = 0; i < 120; i++) { /* 120 unknown keys of 63 bytes: ~9 KB of NotUnderstood */
		snprintf(kv, sizeof(kv), "X-com.example.%048d=1", i);
		fx_keys(&r, kv, NULL);
	}
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY);
	ck_assert(fx_c(&resp));
	ck_assert(!fx_t(&resp)); /* §11.13: C=1 means T=0 */
	ck_assert_uint_eq(resp.data_len, 8192);
	ck_assert_uint_eq(x.bind_calls, 0);
	uint32_t total = resp.data_len;
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	send();
	expect_ok();
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
	op_request(FX_INITIATOR, FX_T_OPEN);
	char kv[80];
	for (int i = 0; i < 120; i++) {
		snprintf(kv, sizeof(kv), "X-com.example.%048d=1", i);
		fx_keys(&r, kv, NULL);
	}
	send();
	ck_assert(fx_c(&resp));
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "HeaderDigest=None", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_answers_unknown_keys_not_understood)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "X-com.example.Foo=1", "X#Bar.baz=2", "Unheardof=3", NULL);
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_str_eq(fx_get(&resp, "X-com.example.Foo"), "NotUnderstood");
	ck_assert_str_eq(fx_get(&resp, "X#Bar.baz"), "NotUnderstood");
	ck_assert_str_eq(fx_get(&resp, "Unheardof"), "NotUnderstood");
}
END_TEST

START_TEST(login_offers_what_defaults_would_violate_and_takes_the_answer)
{
	x.cfg.params.immediate_data = false;
	op_request(FX_INITIATOR, FX_T_OPEN);
	send();
	expect_ok();
	ck_assert(!fx_t(&resp)); /* waits for the answer */
	ck_assert_str_eq(fx_get(&resp, "ImmediateData"), "No");
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "ImmediateData=No", NULL);
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_ptr_null(fx_get(&resp, "ImmediateData"));
	ck_assert(!login_result(&x.login)->params.immediate_data);
}
END_TEST

START_TEST(login_refuses_a_wrong_answer_to_our_offer)
{
	x.cfg.params.immediate_data = false;
	op_request(FX_INITIATOR, FX_T_OPEN);
	send();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "ImmediateData=Yes", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_to_transit_with_our_offer_unanswered)
{
	x.cfg.params.immediate_data = false;
	op_request(FX_INITIATOR, FX_T_OPEN);
	send();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_operational_stage_without_transit_stays)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=65536", NULL);
	send();
	expect_ok();
	ck_assert(!fx_t(&resp));
	ck_assert_int_eq(v, LOGIN_REPLY);
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "FirstBurstLength=262144", NULL);
	send();
	expect_ok();
	ck_assert_str_eq(fx_get(&resp, "FirstBurstLength"), "65536");
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
}
END_TEST

START_TEST(login_joins_an_existing_session_with_nonzero_tsih)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0x77);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=4096", "HeaderDigest=None", NULL);
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_uint_eq(x.check_calls, 1);
	ck_assert_uint_eq(x.bind_calls, 1);
	ck_assert_uint_eq(x.bound.tsih, 0x77);
	ck_assert_uint_eq(get_be16(resp.bhs + 14), 0x77);
	ck_assert_str_eq(fx_get(&resp, "MaxBurstLength"), "Irrelevant"); /* LO */
	ck_assert_str_eq(fx_get(&resp, "HeaderDigest"), "None");
}
END_TEST

/* ---- failures, one status at a time ---- */

START_TEST(login_refuses_unsupported_version_0205)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[2] = 2;
	r.pdu.bhs[3] = 1; /* Version-min 1: we only speak 0 */
	send();
	expect_fail(ISCSI_LOGIN_UNSUPPORTED_VERSION);
}
END_TEST

START_TEST(login_accepts_a_version_range_including_zero)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[2] = 5;
	send();
	expect_ok();
}
END_TEST

START_TEST(login_refuses_transit_and_continue_together)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[1] |= ISCSI_LOGIN_CONTINUE;
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_csg_that_is_not_a_login_stage)
{
	fx_login_req(&r, false, false, 2, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	fx_login_start(&x, FX_PORTAL_V4);
	fx_login_req(&r, false, false, ISCSI_STAGE_FULL_FEATURE, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_nsg_reserved_or_not_later)
{
	static const uint8_t bad[][2] = {{0, 0}, {0, 2}, {1, 1}, {1, 0}, {1, 2}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fx_login_start(&x, FX_PORTAL_V4);
		fx_login_req(&r, true, false, bad[i][0], bad[i][1], 0);
		fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
		send();
		expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_refuses_csg_other_than_current_stage)
{
	sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP");
	send();
	expect_ok();
	ck_assert(!fx_t(&resp)); /* CHAP under way: still security */
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_isid_tsih_or_cid_changing)
{
	for (int field = 0; field < 4; field++) {
		fx_login_start(&x, FX_PORTAL_V4);
		fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
		fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
		send();
		expect_ok();
		fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
		switch (field) {
		case 0: r.pdu.bhs[13] ^= 1; break;                  /* ISID */
		case 1: put_be16(r.pdu.bhs + 14, 9); break;         /* TSIH */
		case 2: put_be16(r.pdu.bhs + 20, 2); break;         /* CID */
		case 3: r.pdu.bhs[2] = 1; break;                    /* Version-max */
		}
		send();
		expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_refuses_reserved_isid_type)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	r.pdu.bhs[8] = 0xc0;
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_requires_initiator_name_0207)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "TargetName=iqn.2024-01.org.example:open", NULL);
	send();
	expect_fail(ISCSI_LOGIN_MISSING_PARAMETER);
}
END_TEST

START_TEST(login_requires_target_name_for_normal_session_0207)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, NULL);
	send();
	expect_fail(ISCSI_LOGIN_MISSING_PARAMETER);
}
END_TEST

START_TEST(login_requires_identity_in_the_first_request)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "AuthMethod=None", NULL);
	send();
	expect_fail(ISCSI_LOGIN_MISSING_PARAMETER);
}
END_TEST

START_TEST(login_refuses_identity_keys_after_the_first_request)
{
	sec_request(FX_INITIATOR, FX_T_OPEN, NULL);
	r.len = 0; /* identity without SessionType */
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "TargetName=iqn.2024-01.org.example:open", NULL);
	r.pdu.bhs[1] &= (uint8_t)~ISCSI_LOGIN_TRANSIT;
	send();
	expect_ok();
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "SessionType=Discovery", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_unknown_target_0203)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "TargetName=iqn.2024-01.org.example:nope", NULL);
	send();
	expect_fail(ISCSI_LOGIN_NOT_FOUND);
}
END_TEST

START_TEST(login_refuses_empty_target_name_0203)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "TargetName=", NULL);
	send();
	expect_fail(ISCSI_LOGIN_NOT_FOUND);
}
END_TEST

START_TEST(login_refuses_target_not_served_on_this_portal_0203)
{
	op_request(FX_INITIATOR, FX_T_ELSEWHERE);
	send();
	expect_fail(ISCSI_LOGIN_NOT_FOUND);
	fx_login_start(&x, FX_PORTAL_V6);
	op_request(FX_INITIATOR, FX_T_ELSEWHERE);
	send();
	expect_ok();
}
END_TEST

START_TEST(login_refuses_unknown_session_type_0209)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "InitiatorName=" FX_INITIATOR, "SessionType=Bogus", NULL);
	send();
	expect_fail(ISCSI_LOGIN_SESSION_TYPE_UNSUPPORTED);
}
END_TEST

START_TEST(login_refuses_initiator_missing_from_acl_0201)
{
	op_request(FX_INITIATOR, FX_T_ACL);
	send();
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_admits_initiator_named_by_acl_with_its_luns)
{
	op_request(FX_HOST_ACL, FX_T_ACL);
	send();
	expect_ok();
	const struct login_result *res = login_result(&x.login);
	ck_assert_ptr_nonnull(res->acl);
	ck_assert_uint_eq(res->lun_count, 1);
	ck_assert_uint_eq(res->luns[0].lun, 5);
}
END_TEST

START_TEST(login_redirects_temporarily_0101_without_portal_group_tag)
{
	op_request(FX_INITIATOR, FX_T_REDIRECT);
	send();
	expect_fail(ISCSI_LOGIN_REDIRECT_TEMP);
	ck_assert_str_eq(fx_get(&resp, "TargetAddress"), FX_REDIRECT_TO);
	ck_assert_uint_eq(fx_count(&resp, "TargetAddress"), 1);
	ck_assert_uint_eq(x.bind_calls, 0);
}
END_TEST

START_TEST(login_redirects_permanently_0102)
{
	x.tpgs[FX_T_REDIRECT].redirect = RT_REDIRECT_PERMANENT;
	x.tpgs[FX_T_REDIRECT].redirect_address = "[fd00::9]:3260";
	op_request(FX_INITIATOR, FX_T_REDIRECT);
	send();
	expect_fail(ISCSI_LOGIN_REDIRECT_PERM);
	ck_assert_str_eq(fx_get(&resp, "TargetAddress"), "[fd00::9]:3260");
}
END_TEST

START_TEST(login_refuses_a_key_sent_twice_in_one_request)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=4096", "MaxBurstLength=8192", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_a_key_sent_again_in_a_later_request)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	send();
	expect_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_mismatched_identity_repeated_across_requests)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	send();
	expect_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "TargetName=iqn.2024-01.org.example:chap", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_accepts_the_same_identity_repeated_in_a_later_request)
{
	/* libiscsi re-declares InitiatorName, SessionType and TargetName in its
	 * operational request after AuthMethod=None. */
	sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=CHAP,None");
	send();
	expect_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_op_keys(&r);
	send();
	expect_ok();
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
}
END_TEST

START_TEST(login_refuses_a_different_initiator_name_in_a_later_request)
{
	sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=None");
	send();
	expect_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_identity(&r, "iqn.2024-01.org.example:someone-else", FX_T_OPEN);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_operational_key_in_security_stage)
{
	sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=None");
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_security_key_in_operational_stage)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "AuthMethod=None", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_keys_an_initiator_may_not_send)
{
	static const char *const keys[] = {
		"SendTargets=All", "TargetAlias=x", "TargetAddress=1.2.3.4", "TargetPortalGroupTag=1",
	};
	for (size_t i = 0; i < 4; i++) {
		fx_login_start(&x, FX_PORTAL_V4);
		op_request(FX_INITIATOR, FX_T_OPEN);
		fx_keys(&r, keys[i], NULL);
		send();
		expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_allows_declarations_in_security_stage)
{
	sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=None");
	fx_keys(&r, "InitiatorAlias=host zero", "MaxRecvDataSegmentLength=4096", NULL);
	send();
	expect_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	send();
	expect_ok();
	ck_assert_str_eq(login_result(&x.login)->initiator_alias, "host zero");
	ck_assert_uint_eq(login_result(&x.login)->params.max_xmit_dsl, 4096);
}
END_TEST

START_TEST(login_refuses_bad_max_recv_data_segment_length_declaration)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "MaxRecvDataSegmentLength=100", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_first_burst_above_max_burst_across_requests)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "FirstBurstLength=65536", NULL);
	send();
	expect_ok();
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_keys(&r, "MaxBurstLength=4096", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_requires_security_stage_when_credentials_configured_0201)
{
	op_request(FX_INITIATOR, FX_T_CHAP);
	send();
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_requires_chap_when_credentials_configured_0201)
{
	sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=None");
	send();
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_cannot_do_chap_without_credentials_0201)
{
	sec_request(FX_INITIATOR, FX_T_OPEN, "AuthMethod=CHAP");
	send();
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_leaving_security_unauthenticated_0201)
{
	sec_request(FX_INITIATOR, FX_T_CHAP, NULL);
	send();
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_chap_keys_without_chap_selected)
{
	sec_request(FX_INITIATOR, FX_T_CHAP, "CHAP_A=5");
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

/* Run a CHAP login up to the response, sending CHAP_N=user and
 * CHAP_R=response (computed for secret, cut to len bytes if len). */
static void chap_until_response(const char *user, const char *secret, size_t cut)
{
	sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP,None");
	send();
	expect_ok();
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "CHAP_A=7", NULL);
	send();
	expect_ok();
	uint8_t chal[64], d[64];
	size_t cl = fx_unhex(fx_get(&resp, "CHAP_C"), chal, sizeof(chal));
	uint8_t id = (uint8_t)atoi(fx_get(&resp, "CHAP_I"));
	size_t dl = fx_chap_digest(7, id, secret, chal, cl, d);
	char n[300], rr[300];
	snprintf(n, sizeof(n), "CHAP_N=%s", user);
	snprintf(rr, sizeof(rr), "CHAP_R=%s", fx_hex(d, cut ? cut : dl));
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	fx_keys(&r, n, rr, NULL);
	send();
}

START_TEST(login_refuses_wrong_chap_secret_0201)
{
	chap_until_response(FX_USER, "wrong-secret-123", 0);
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_wrong_chap_user_0201)
{
	chap_until_response("mallory", FX_SECRET, 0);
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_refuses_chap_response_of_wrong_length_0201)
{
	chap_until_response(FX_USER, FX_SECRET, 20);
	expect_fail(ISCSI_LOGIN_AUTH_FAILED);
}
END_TEST

START_TEST(login_accepts_right_chap_response_after_t0_then_empty_t1)
{
	sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP");
	send();
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "CHAP_A=5", NULL);
	send();
	uint8_t chal[64], d[64];
	size_t cl = fx_unhex(fx_get(&resp, "CHAP_C"), chal, sizeof(chal));
	uint8_t id = (uint8_t)atoi(fx_get(&resp, "CHAP_I"));
	size_t dl = fx_chap_digest(5, id, FX_SECRET, chal, cl, d);
	char rr[100];
	snprintf(rr, sizeof(rr), "CHAP_R=%s", fx_hex(d, dl));
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	fx_keys(&r, "CHAP_N=" FX_USER, rr, NULL);
	send();
	expect_ok();
	ck_assert(!fx_t(&resp));
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	send();
	expect_ok();
	ck_assert(fx_t(&resp));
}
END_TEST

START_TEST(login_check_session_status_ends_login)
{
	x.check_status = ISCSI_LOGIN_SESSION_NOT_FOUND;
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0x55);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	send();
	expect_fail(ISCSI_LOGIN_SESSION_NOT_FOUND);
	fx_login_start(&x, FX_PORTAL_V4);
	x.check_status = ISCSI_LOGIN_TOO_MANY_CONNECTIONS;
	send();
	expect_fail(ISCSI_LOGIN_TOO_MANY_CONNECTIONS);
}
END_TEST

START_TEST(login_bind_status_ends_login)
{
	x.bind_status = ISCSI_LOGIN_OUT_OF_RESOURCES;
	op_request(FX_INITIATOR, FX_T_OPEN);
	send();
	expect_fail(ISCSI_LOGIN_OUT_OF_RESOURCES);
}
END_TEST

/* ---- bad input: answered, never crashed ---- */

START_TEST(login_refuses_text_without_final_nul)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_raw(&r, "InitiatorName=" FX_INITIATOR, sizeof("InitiatorName=" FX_INITIATOR) - 1);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_key_without_equals)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "HeaderDigest", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_empty_or_overlong_key_names)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "=x", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	fx_login_start(&x, FX_PORTAL_V4);
	op_request(FX_INITIATOR, FX_T_OPEN);
	char kv[100];
	memset(kv, 'K', 64);
	strcpy(kv + 64, "=1");
	fx_keys(&r, kv, NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_malformed_initiator_names)
{
	static char longname[300];
	memcpy(longname, "InitiatorName=iqn.", 18);
	memset(longname + 18, 'a', ISCSI_NAME_MAX + 1 - 4);
	const char *bad[] = {"InitiatorName=", "InitiatorName=iqn.\xff\xfe", "InitiatorName=iqn.a b",
			     longname};
	for (size_t i = 0; i < 4; i++) {
		fx_login_start(&x, FX_PORTAL_V4);
		fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
		fx_keys(&r, bad[i], "TargetName=iqn.2024-01.org.example:open", NULL);
		send();
		expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_refuses_non_utf8_alias)
{
	op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "InitiatorAlias=\xc0\xaf", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_a_flood_of_keys)
{
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	char kv[32];
	int i = 0;
	for (int pdu = 0; pdu < 7; pdu++) { /* 7 x ~8 KB of X-k<n>=1 */
		while (r.len < 8000) {
			snprintf(kv, sizeof(kv), "X-k%d=1", i++);
			fx_keys(&r, kv, NULL);
		}
		send();
		expect_ok();
		fx_login_req(&r, false, pdu < 6, ISCSI_STAGE_OPERATIONAL, 0, 0);
	}
	fx_keys(&r, "X-last=1", NULL);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	ck_assert_uint_ge((unsigned)i, 1000);
}
END_TEST

START_TEST(login_refuses_text_over_rt_text_max)
{
	/* a 64 KiB value, split over continued requests */
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	fx_raw(&r, "X-big=", 6);
	uint32_t sent = r.len;
	static uint8_t fill[8192];
	memset(fill, 'v', sizeof(fill));
	for (;;) {
		uint32_t n = 8192 - r.len;
		fx_raw(&r, fill, n);
		sent += n;
		send();
		if (fx_status(&resp) != 0)
			break;
		ck_assert_uint_le(sent, RT_TEXT_MAX);
		fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	}
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	ck_assert_uint_gt(sent, RT_TEXT_MAX);
}
END_TEST

START_TEST(login_answers_large_values_without_failing)
{
	/* just under RT_TEXT_MAX: an unknown key is NotUnderstood, a known
	 * one Reject, whatever their length */
	static char value[30000];
	memset(value, 'a', sizeof(value) - 1);
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	static struct fx_req all;
	all.len = 0;
	fx_raw(&all, r.data, r.len);
	fx_raw(&all, "X-big=", 6);
	fx_raw(&all, value, sizeof(value));
	fx_raw(&all, "HeaderDigest=", 13);
	fx_raw(&all, value, sizeof(value));
	uint32_t off = 0;
	while (off < all.len) {
		uint32_t n = all.len - off < 8192 ? all.len - off : 8192;
		bool more = off + n < all.len;
		fx_login_req(&r, !more, more, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
		fx_raw(&r, all.data + off, n);
		off += n;
		send();
		expect_ok();
	}
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_str_eq(fx_get(&resp, "X-big"), "NotUnderstood");
	ck_assert_str_eq(fx_get(&resp, "HeaderDigest"), "Reject");
}
END_TEST

START_TEST(login_refuses_empty_request_with_c_bit)
{
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_bounds_the_number_of_requests)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	send();
	for (unsigned i = 1; i < RT_LOGIN_PDUS_MAX; i++) {
		fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
		send();
		expect_ok();
	}
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	send();
	expect_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

/* SQLite-style: fail the N-th allocation for every N of a whole CHAP
 * login; each run ends in success or 0x0302, and frees everything. */
START_TEST(login_every_allocation_failure_is_answered_and_leaks_nothing)
{
	unsigned failures = 0;
	for (long n = 0;; n++) {
		fx_fini(&x);
		fx_init(&x);
		x.fe.fail_alloc_at = x.fe.allocs + n;
		sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP,None");
		fx_keys(&r, "X-pad=1", NULL);
		send();
		if (v == LOGIN_REPLY_CLOSE) {
			expect_fail(ISCSI_LOGIN_OUT_OF_RESOURCES);
			failures++;
			continue;
		}
		fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
		fx_keys(&r, "CHAP_A=5", NULL);
		send();
		if (v == LOGIN_REPLY_CLOSE) {
			expect_fail(ISCSI_LOGIN_OUT_OF_RESOURCES);
			failures++;
			continue;
		}
		break; /* the N-th allocation was never reached */
	}
	ck_assert_uint_ge(failures, 1);
}
END_TEST

/* Random requests built from real keys, values and flags (a fixed seed):
 * every answer is a well-formed Login Response, a failure closes, and
 * nothing leaks. */
static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static void random_pair(struct fx_req *q)
{
	static const char *const keys[] = {
		"InitiatorName", "TargetName", "SessionType", "AuthMethod", "CHAP_A", "CHAP_N",
		"CHAP_R", "CHAP_I", "CHAP_C", "HeaderDigest", "DataDigest", "MaxBurstLength",
		"FirstBurstLength", "ImmediateData", "InitialR2T", "MaxRecvDataSegmentLength",
		"DefaultTime2Wait", "MaxConnections", "ErrorRecoveryLevel", "IFMarker",
		"SendTargets", "TargetAlias", "InitiatorAlias", "X-com.example.k", "Foo", "bad key",
		"", "TaskReporting", "iSCSIProtocolLevel",
	};
	static const char *const values[] = {
		FX_INITIATOR, "iqn.2024-01.org.example:open", "iqn.2024-01.org.example:chap",
		"Normal", "Discovery", "CHAP,None", "None", "CHAP", "5", "7,5", "0x00", "0b",
		"Yes", "No", "512", "65536", "16777215", "0", "CRC32C,None", "Reject", "",
		"\xff\xfe", FX_USER, "0x0102030405060708090a0b0c0d0e0f10", "All",
	};
	char kv[600];
	int n;
	if (rnd(20) == 0) { /* raw garbage */
		uint8_t junk[64];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd(256);
		fx_raw(q, junk, 1 + rnd(sizeof(junk)));
		return;
	}
	if (rnd(30) == 0) { /* a long value */
		char big[500];
		memset(big, 'a' + (char)rnd(26), sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		n = snprintf(kv, sizeof(kv), "%s=%s", keys[rnd(sizeof(keys) / sizeof(keys[0]))], big);
	} else {
		n = snprintf(kv, sizeof(kv), "%s=%s", keys[rnd(sizeof(keys) / sizeof(keys[0]))],
			     values[rnd(sizeof(values) / sizeof(values[0]))]);
	}
	fx_raw(q, kv, (uint32_t)n + (rnd(25) ? 1 : 0)); /* sometimes no NUL */
}

START_TEST(login_survives_random_requests)
{
	unsigned closes = 0, ffps = 0;
	for (int i = 0; i < 20000; i++) {
		fx_login_req(&r, rnd(2), rnd(6) == 0, (uint8_t)rnd(4) % 3 == 2 ? 1 : (uint8_t)rnd(2),
			     (uint8_t)rnd(4), rnd(10) == 0 ? (uint16_t)rnd(3) : 0);
		if (rnd(10) == 0)
			r.pdu.bhs[3] = (uint8_t)rnd(2); /* Version-min */
		if (x.login.phase == LOGIN_START && rnd(2))
			fx_identity(&r, rnd(4) ? FX_INITIATOR : FX_HOST_ACL, rnd(FX_T_COUNT));
		for (uint32_t k = rnd(8); k > 0 && r.len < 7000; k--)
			random_pair(&r);
		x.check_status = rnd(4) ? 0 : ISCSI_LOGIN_SESSION_NOT_FOUND;
		send();
		ck_assert_uint_le(resp.data_len, 8192);
		ck_assert(!(fx_t(&resp) && fx_c(&resp)));
		if (v == LOGIN_REPLY_CLOSE) {
			ck_assert_uint_ne(fx_status(&resp), 0);
			closes++;
		} else {
			ck_assert_uint_eq(fx_status(&resp), 0);
		}
		if (v != LOGIN_REPLY)
			fx_login_start(&x, (uint32_t)rnd(3));
		ffps += v == LOGIN_REPLY_FFP;
	}
	ck_assert_uint_gt(closes, 100);
	ck_assert_uint_gt(ffps, 10);
}
END_TEST

Suite *suite_login(void);
Suite *suite_login(void)
{
	Suite *s = suite_create("login");
	TCase *tc = tcase_create("conversations");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, login_operational_only_reaches_full_feature_phase);
	tcase_add_test(tc, login_response_echoes_isid_itt_and_leaves_sequence_numbers);
	tcase_add_test(tc, login_security_stage_without_credentials_then_operational);
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

	tc = tcase_create("failures");
	tcase_add_checked_fixture(tc, setup, teardown);
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
	tcase_add_test(tc, login_refuses_initiator_missing_from_acl_0201);
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

	tc = tcase_create("bad input");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, login_refuses_text_without_final_nul);
	tcase_add_test(tc, login_refuses_key_without_equals);
	tcase_add_test(tc, login_refuses_empty_or_overlong_key_names);
	tcase_add_test(tc, login_refuses_malformed_initiator_names);
	tcase_add_test(tc, login_refuses_non_utf8_alias);
	tcase_add_test(tc, login_refuses_a_flood_of_keys);
	tcase_add_test(tc, login_refuses_text_over_rt_text_max);
	tcase_add_test(tc, login_answers_large_values_without_failing);
	tcase_add_test(tc, login_refuses_empty_request_with_c_bit);
	tcase_add_test(tc, login_bounds_the_number_of_requests);
	tcase_add_test(tc, login_every_allocation_failure_is_answered_and_leaks_nothing);
	tcase_add_test(tc, login_survives_random_requests);
	suite_add_tcase(s, tc);
	return s;
}
