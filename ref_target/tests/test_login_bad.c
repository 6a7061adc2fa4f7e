/* Tests of core/login: bad input is answered, never crashed on (key
 * floods, long values, malformed text, random requests). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login_talk.h"

/* ---- bad input: answered, never crashed ---- */

START_TEST(login_refuses_text_without_final_nul)
{
	fx_login_req(&r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	fx_raw(&r, "InitiatorName=" FX_INITIATOR, sizeof("InitiatorName=" FX_INITIATOR) - 1);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_key_without_equals)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "HeaderDigest", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_refuses_empty_or_overlong_key_names)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "=x", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	fx_login_start(&x, FX_PORTAL_V4);
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	char kv[100];
	memset(kv, 'K', 64);
	strcpy(kv + 64, "=1");
	fx_keys(&r, kv, NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
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
		talk_send();
		talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
	}
}
END_TEST

START_TEST(login_refuses_non_utf8_alias)
{
	talk_op_request(FX_INITIATOR, FX_T_OPEN);
	fx_keys(&r, "InitiatorAlias=\xc0\xaf", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
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
		talk_send();
		talk_ok();
		fx_login_req(&r, false, pdu < 6, ISCSI_STAGE_OPERATIONAL, 0, 0);
	}
	fx_keys(&r, "X-last=1", NULL);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
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
		talk_send();
		if (fx_status(&resp) != 0)
			break;
		ck_assert_uint_le(sent, RT_TEXT_MAX);
		fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	}
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
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
		talk_send();
		talk_ok();
	}
	ck_assert_int_eq(v, LOGIN_REPLY_FFP);
	ck_assert_str_eq(fx_get(&resp, "X-big"), "NotUnderstood");
	ck_assert_str_eq(fx_get(&resp, "HeaderDigest"), "Reject");
}
END_TEST

START_TEST(login_refuses_empty_request_with_c_bit)
{
	fx_login_req(&r, false, true, ISCSI_STAGE_OPERATIONAL, 0, 0);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(login_bounds_the_number_of_requests)
{
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	fx_identity(&r, FX_INITIATOR, FX_T_OPEN);
	talk_send();
	for (unsigned i = 1; i < RT_LOGIN_PDUS_MAX; i++) {
		fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
		talk_send();
		talk_ok();
	}
	fx_login_req(&r, false, false, ISCSI_STAGE_OPERATIONAL, 0, 0);
	talk_send();
	talk_fail(ISCSI_LOGIN_INITIATOR_ERROR);
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
		talk_sec_request(FX_INITIATOR, FX_T_CHAP, "AuthMethod=CHAP,None");
		fx_keys(&r, "X-pad=1", NULL);
		talk_send();
		if (v == LOGIN_REPLY_CLOSE) {
			talk_fail(ISCSI_LOGIN_OUT_OF_RESOURCES);
			failures++;
			continue;
		}
		fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
		fx_keys(&r, "CHAP_A=5", NULL);
		talk_send();
		if (v == LOGIN_REPLY_CLOSE) {
			talk_fail(ISCSI_LOGIN_OUT_OF_RESOURCES);
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
			r.pdu.bhs[PDU_LOGIN_VERSION_MIN] = (uint8_t)rnd(2);
		if (x.login.phase == LOGIN_START && rnd(2))
			fx_identity(&r, rnd(4) ? FX_INITIATOR : FX_HOST_ACL, rnd(FX_T_COUNT));
		for (uint32_t k = rnd(8); k > 0 && r.len < 7000; k--)
			random_pair(&r);
		x.check_status = rnd(4) ? 0 : ISCSI_LOGIN_SESSION_NOT_FOUND;
		talk_send();
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

Suite *suite_login_bad(void)
{
	Suite *s = suite_create("login_bad");
	TCase *tc = tcase_create("login_bad");
	tcase_add_checked_fixture(tc, talk_setup, talk_teardown);
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
