/* Tests of core/param: the RFC 7143 §13 keys and §6.2 negotiation rules,
 * target as responder. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/limits.h"
#include "core/param.h"
#include "fake_env.h"
#include "login_fixture.h"

static struct fake_env fe;
static struct rt_params_cfg ours;
static struct param_neg neg;
static struct text_buf out;
static char answer_text[512];

static void setup(void)
{
	fake_env_init(&fe, 0);
	ours = fx_params_cfg();
	param_neg_init(&neg, &ours, false, true);
	text_buf_init(&out, &fe.env, RT_TEXT_MAX);
}

static void teardown(void)
{
	text_buf_fini(&out);
	ck_assert_uint_eq(fe.live_bytes, 0);
	fake_env_fini(&fe);
}

static struct text_pair pair_of(const char *kv)
{
	const char *eq = strchr(kv, '=');
	ck_assert_ptr_nonnull(eq);
	return (struct text_pair){kv, (uint32_t)(eq - kv), eq + 1, (uint32_t)strlen(eq + 1)};
}

/* Answer one "Key=Value"; returns what was appended ("" for nothing)
 * after the message ends. */
static const char *answer(const char *kv)
{
	struct text_pair p = pair_of(kv);
	enum param_id id;
	ck_assert_ptr_nonnull(param_find(&p, &id));
	text_buf_reset(&out);
	ck_assert_int_eq(param_answer(&neg, id, &p, &out), PARAM_OK);
	ck_assert_int_eq(param_end_message(&neg, &out), PARAM_OK);
	ck_assert_uint_lt(out.len, sizeof(answer_text));
	for (uint32_t i = 0; i < out.len; i++) /* pairs joined by '|' */
		answer_text[i] = out.p[i] ? (char)out.p[i] : '|';
	answer_text[out.len] = '\0';
	return answer_text;
}

START_TEST(param_finds_every_rfc_key_by_exact_name)
{
	static const char *const names[] = {
		"HeaderDigest", "DataDigest", "MaxConnections", "SendTargets", "TargetName",
		"InitiatorName", "TargetAlias", "InitiatorAlias", "TargetAddress",
		"TargetPortalGroupTag", "InitialR2T", "ImmediateData", "MaxRecvDataSegmentLength",
		"MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait", "DefaultTime2Retain",
		"MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder", "ErrorRecoveryLevel",
		"SessionType", "TaskReporting", "iSCSIProtocolLevel", "IFMarker", "OFMarker",
		"IFMarkInt", "OFMarkInt", "AuthMethod", "CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N",
		"CHAP_R",
	};
	ck_assert_uint_eq(sizeof(names) / sizeof(names[0]), P_COUNT);
	for (size_t i = 0; i < P_COUNT; i++) {
		char kv[80];
		snprintf(kv, sizeof(kv), "%s=x", names[i]);
		struct text_pair p = pair_of(kv);
		enum param_id id;
		ck_assert_ptr_nonnull(param_find(&p, &id));
		ck_assert_str_eq(param_def(id)->name, names[i]);
	}
	struct text_pair p = pair_of("headerdigest=None");
	enum param_id id;
	ck_assert_ptr_null(param_find(&p, &id)); /* keys are case sensitive (§6.1) */
	p = pair_of("X-com.example.Foo=1");
	ck_assert_ptr_null(param_find(&p, &id));
}
END_TEST

START_TEST(param_digest_list_takes_first_value_we_allow)
{
	ours.header_digest = true;
	ck_assert_str_eq(answer("HeaderDigest=CRC32C,None"), "HeaderDigest=CRC32C|");
	ck_assert(neg.res.header_digest);
	param_neg_init(&neg, &ours, false, true);
	ck_assert_str_eq(answer("HeaderDigest=None,CRC32C"), "HeaderDigest=None|");
	ck_assert(!neg.res.header_digest);
}
END_TEST

START_TEST(param_digest_crc32c_refused_when_not_configured)
{
	ck_assert_str_eq(answer("DataDigest=CRC32C,None"), "DataDigest=None|");
	ck_assert_str_eq(answer("DataDigest=CRC32C"), "DataDigest=Reject|");
	ck_assert(!neg.res.data_digest);
}
END_TEST

START_TEST(param_list_skips_values_it_does_not_understand)
{
	ck_assert_str_eq(answer("HeaderDigest=Y-com.example.fast,,None"), "HeaderDigest=None|");
	ck_assert_str_eq(answer("HeaderDigest="), "HeaderDigest=Reject|");
	ck_assert_str_eq(answer("HeaderDigest=none"), "HeaderDigest=Reject|");
}
END_TEST

START_TEST(param_list_refuses_values_over_255_bytes)
{
	static char kv[400];
	strcpy(kv, "HeaderDigest=None");
	memset(kv + strlen(kv), ',', 300);
	ck_assert_str_eq(answer(kv), "HeaderDigest=Reject|");
}
END_TEST

START_TEST(param_task_reporting_only_rfc3720)
{
	ck_assert_str_eq(answer("TaskReporting=FastAbort,RFC3720"), "TaskReporting=RFC3720|");
	ck_assert_str_eq(answer("TaskReporting=ResponseFence"), "TaskReporting=Reject|");
}
END_TEST

START_TEST(param_boolean_or_is_yes_when_either_says_yes)
{
	ck_assert_str_eq(answer("InitialR2T=No"), "InitialR2T=Yes|");
	ck_assert(neg.res.initial_r2t);
	ours.initial_r2t = false;
	ck_assert_str_eq(answer("InitialR2T=No"), "InitialR2T=No|");
	ck_assert(!neg.res.initial_r2t);
	ck_assert_str_eq(answer("DataPDUInOrder=No"), "DataPDUInOrder=Yes|");
	ours.data_sequence_in_order = false;
	ck_assert_str_eq(answer("DataSequenceInOrder=No"), "DataSequenceInOrder=No|");
	ck_assert(!neg.res.data_sequence_in_order);
}
END_TEST

START_TEST(param_boolean_and_is_no_when_either_says_no)
{
	ck_assert_str_eq(answer("ImmediateData=Yes"), "ImmediateData=Yes|");
	ck_assert_str_eq(answer("ImmediateData=No"), "ImmediateData=No|");
	ck_assert(!neg.res.immediate_data);
	ours.immediate_data = false;
	ck_assert_str_eq(answer("ImmediateData=Yes"), "ImmediateData=No|");
}
END_TEST

START_TEST(param_boolean_refuses_anything_but_yes_or_no)
{
	ck_assert_str_eq(answer("InitialR2T=yes"), "InitialR2T=Reject|");
	ck_assert_str_eq(answer("InitialR2T=1"), "InitialR2T=Reject|");
	ck_assert_str_eq(answer("ImmediateData="), "ImmediateData=Reject|");
	ck_assert(neg.res.immediate_data); /* the default stays */
}
END_TEST

START_TEST(param_numeric_minimum_keys)
{
	ck_assert_str_eq(answer("MaxBurstLength=16776192"), "MaxBurstLength=262144|");
	ck_assert_str_eq(answer("MaxBurstLength=4096"), "MaxBurstLength=4096|");
	ck_assert_uint_eq(neg.res.max_burst_length, 4096);
	ck_assert_str_eq(answer("MaxConnections=1"), "MaxConnections=1|");
	ck_assert_str_eq(answer("MaxConnections=100"), "MaxConnections=8|");
	ck_assert_uint_eq(neg.res.max_connections, 8);
	ck_assert_str_eq(answer("MaxOutstandingR2T=16"), "MaxOutstandingR2T=1|");
	ck_assert_str_eq(answer("DefaultTime2Retain=0"), "DefaultTime2Retain=0|");
	ck_assert_uint_eq(neg.res.default_time2retain, 0);
	ck_assert_str_eq(answer("iSCSIProtocolLevel=2"), "iSCSIProtocolLevel=1|");
}
END_TEST

/* The shipped defaults (limits.h RT_OFFER_*) are ceilings: whatever an
 * initiator asks below them is what the session gets (§13: minimum for
 * the numerical keys, OR for InitialR2T, AND for ImmediateData), and a
 * silent initiator meets no offer of ours (its RFC default stands). */
START_TEST(param_defaults_negotiate_down_to_the_initiator)
{
	cfg_params_default(&ours);
	param_neg_init(&neg, &ours, false, true);
	ck_assert_int_eq(param_offer(&neg, 0, NULL), 0);
	ck_assert_str_eq(answer("MaxBurstLength=16776192"), "MaxBurstLength=1048576|");
	ck_assert_str_eq(answer("MaxBurstLength=65536"), "MaxBurstLength=65536|");
	ck_assert_str_eq(answer("FirstBurstLength=262144"), "FirstBurstLength=65536|");
	ck_assert_str_eq(answer("FirstBurstLength=8192"), "FirstBurstLength=8192|");
	ck_assert_str_eq(answer("MaxOutstandingR2T=64"), "MaxOutstandingR2T=16|");
	ck_assert_str_eq(answer("MaxOutstandingR2T=1"), "MaxOutstandingR2T=1|");
	ck_assert_uint_eq(neg.res.max_outstanding_r2t, 1);
	ck_assert_str_eq(answer("InitialR2T=Yes"), "InitialR2T=Yes|");
	ck_assert(neg.res.initial_r2t);
	ck_assert_str_eq(answer("InitialR2T=No"), "InitialR2T=No|");
	ck_assert_str_eq(answer("ImmediateData=No"), "ImmediateData=No|");
	ck_assert(!neg.res.immediate_data);
}
END_TEST

START_TEST(param_numeric_maximum_key_time2wait)
{
	ck_assert_str_eq(answer("DefaultTime2Wait=0"), "DefaultTime2Wait=2|");
	ck_assert_str_eq(answer("DefaultTime2Wait=10"), "DefaultTime2Wait=10|");
	ck_assert_uint_eq(neg.res.default_time2wait, 10);
}
END_TEST

START_TEST(param_error_recovery_level_is_the_lower_of_both_up_to_level_2)
{
	/* §13.20: Minimum; ours is the configured most, within what is
	 * implemented (RT_ERL_IMPLEMENTED) */
	ours.error_recovery_level = 2;
	ck_assert_str_eq(answer("ErrorRecoveryLevel=2"), "ErrorRecoveryLevel=2|");
	ck_assert_uint_eq(neg.res.error_recovery_level, 2);
	ck_assert_str_eq(answer("ErrorRecoveryLevel=1"), "ErrorRecoveryLevel=1|");
	ck_assert_uint_eq(neg.res.error_recovery_level, 1);
}
END_TEST

START_TEST(param_error_recovery_level_follows_the_configured_most_and_the_initiator)
{
	ours.error_recovery_level = 1;
	ck_assert_str_eq(answer("ErrorRecoveryLevel=0"), "ErrorRecoveryLevel=0|");
	ck_assert_uint_eq(neg.res.error_recovery_level, 0);
}
END_TEST

START_TEST(param_error_recovery_level_stays_0_when_configured_so)
{
	ours.error_recovery_level = 0;
	ck_assert_str_eq(answer("ErrorRecoveryLevel=1"), "ErrorRecoveryLevel=0|");
	ck_assert_uint_eq(neg.res.error_recovery_level, 0);
}
END_TEST

START_TEST(param_numeric_rejects_out_of_range_and_malformed)
{
	ck_assert_str_eq(answer("MaxBurstLength=511"), "MaxBurstLength=Reject|");
	ck_assert_str_eq(answer("MaxBurstLength=16777216"), "MaxBurstLength=Reject|");
	ck_assert_str_eq(answer("MaxConnections=0"), "MaxConnections=Reject|");
	ck_assert_str_eq(answer("MaxConnections=65536"), "MaxConnections=Reject|");
	ck_assert_str_eq(answer("DefaultTime2Wait=3601"), "DefaultTime2Wait=Reject|");
	ck_assert_str_eq(answer("ErrorRecoveryLevel=3"), "ErrorRecoveryLevel=Reject|");
	ck_assert_str_eq(answer("MaxBurstLength=0262144"), "MaxBurstLength=Reject|");
	ck_assert_str_eq(answer("MaxBurstLength=256k"), "MaxBurstLength=Reject|");
	ck_assert_str_eq(answer("MaxBurstLength=99999999999999999999999"), "MaxBurstLength=Reject|");
	ck_assert_uint_eq(neg.res.max_burst_length, ISCSI_MAX_BURST_DEFAULT);
}
END_TEST

START_TEST(param_numeric_accepts_hex_constants)
{
	ck_assert_str_eq(answer("MaxBurstLength=0x1000"), "MaxBurstLength=4096|");
}
END_TEST

START_TEST(param_first_burst_never_exceeds_max_burst_whatever_the_order)
{
	static const char msg[] = "FirstBurstLength=262144\0MaxBurstLength=65536\0";
	ours.first_burst_length = 1048576;
	ours.max_burst_length = 1048576;
	struct text_iter it;
	struct text_pair p;
	text_iter_init(&it, (const uint8_t *)msg, sizeof(msg) - 1);
	while (text_next(&it, &p) == TEXT_OK) {
		enum param_id id;
		param_find(&p, &id);
		ck_assert_int_eq(param_answer(&neg, id, &p, &out), PARAM_OK);
	}
	ck_assert_int_eq(param_end_message(&neg, &out), PARAM_OK);
	static const char want[] = "MaxBurstLength=65536\0FirstBurstLength=65536\0";
	ck_assert_uint_eq(out.len, sizeof(want) - 1);
	ck_assert_mem_eq(out.p, want, out.len);
	ck_assert(param_consistent(&neg));
}
END_TEST

START_TEST(param_first_burst_limited_by_our_value)
{
	ck_assert_str_eq(answer("FirstBurstLength=262144"), "FirstBurstLength=65536|");
	ck_assert_uint_eq(neg.res.first_burst_length, 65536);
}
END_TEST

START_TEST(param_consistency_catches_first_burst_above_max_burst)
{
	ck_assert_str_eq(answer("FirstBurstLength=65536"), "FirstBurstLength=65536|");
	ck_assert_str_eq(answer("MaxBurstLength=4096"), "MaxBurstLength=4096|");
	ck_assert(!param_consistent(&neg));
}
END_TEST

START_TEST(param_discovery_session_answers_irrelevant)
{
	param_neg_init(&neg, &ours, true, true);
	static const char *const irrelevant[] = {
		"MaxConnections=1", "InitialR2T=Yes", "ImmediateData=Yes", "MaxBurstLength=512",
		"FirstBurstLength=512", "MaxOutstandingR2T=1", "DataPDUInOrder=Yes",
		"DataSequenceInOrder=Yes", "TaskReporting=RFC3720",
	};
	for (size_t i = 0; i < sizeof(irrelevant) / sizeof(irrelevant[0]); i++) {
		char want[80];
		snprintf(want, sizeof(want), "%.*s=Irrelevant|",
			 (int)(strchr(irrelevant[i], '=') - irrelevant[i]), irrelevant[i]);
		ck_assert_str_eq(answer(irrelevant[i]), want);
	}
	/* not irrelevant in discovery: negotiated as usual */
	ck_assert_str_eq(answer("DefaultTime2Wait=5"), "DefaultTime2Wait=5|");
	ck_assert_str_eq(answer("HeaderDigest=None"), "HeaderDigest=None|");
	ck_assert_str_eq(answer("ErrorRecoveryLevel=0"), "ErrorRecoveryLevel=0|");
}
END_TEST

START_TEST(param_leading_only_keys_irrelevant_on_added_connection)
{
	param_neg_init(&neg, &ours, false, false);
	ck_assert_str_eq(answer("MaxBurstLength=4096"), "MaxBurstLength=Irrelevant|");
	ck_assert_str_eq(answer("InitialR2T=No"), "InitialR2T=Irrelevant|");
	ck_assert_str_eq(answer("HeaderDigest=None"), "HeaderDigest=None|"); /* IO: negotiated */
}
END_TEST

START_TEST(param_obsolete_marker_keys_answered_reject)
{
	ck_assert_str_eq(answer("IFMarker=No"), "IFMarker=Reject|");
	ck_assert_str_eq(answer("OFMarker=Yes"), "OFMarker=Reject|");
	ck_assert_str_eq(answer("IFMarkInt=1~65535"), "IFMarkInt=Reject|");
	ck_assert_str_eq(answer("OFMarkInt=2048"), "OFMarkInt=Reject|");
}
END_TEST

START_TEST(param_max_recv_data_segment_length_is_declarative)
{
	ck_assert_str_eq(answer("MaxRecvDataSegmentLength=262144"), "");
	ck_assert_uint_eq(neg.res.max_xmit_dsl, 262144);
	ck_assert_uint_eq(neg.res.max_recv_dsl, ISCSI_MRDSL_DEFAULT);
	static const char *const bad[] = {
		"MaxRecvDataSegmentLength=511", "MaxRecvDataSegmentLength=16777216",
		"MaxRecvDataSegmentLength=", "MaxRecvDataSegmentLength=Reject",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct text_pair p = pair_of(bad[i]);
		enum param_id id;
		param_find(&p, &id);
		ck_assert_int_eq(param_answer(&neg, id, &p, &out), PARAM_BAD_DECLARATION);
	}
	ck_assert_uint_eq(neg.res.max_xmit_dsl, 262144);
}
END_TEST

START_TEST(param_declares_our_max_recv_data_segment_length)
{
	ck_assert_int_eq(param_declare(&neg, &out), PARAM_OK);
	static const char want[] = "MaxRecvDataSegmentLength=65536";
	ck_assert_uint_eq(out.len, sizeof(want));
	ck_assert_mem_eq(out.p, want, sizeof(want));
	ck_assert(neg.declared);
	ck_assert_uint_eq(neg.res.max_recv_dsl, 65536);
}
END_TEST

START_TEST(param_results_start_at_rfc_defaults)
{
	const struct iscsi_params *r = &neg.res;
	ck_assert_uint_eq(r->max_recv_dsl, 8192);
	ck_assert_uint_eq(r->max_xmit_dsl, 8192);
	ck_assert(!r->header_digest && !r->data_digest);
	ck_assert_uint_eq(r->max_connections, 1);
	ck_assert(r->initial_r2t && r->immediate_data);
	ck_assert_uint_eq(r->max_burst_length, 262144);
	ck_assert_uint_eq(r->first_burst_length, 65536);
	ck_assert_uint_eq(r->default_time2wait, 2);
	ck_assert_uint_eq(r->default_time2retain, 20);
	ck_assert_uint_eq(r->max_outstanding_r2t, 1);
	ck_assert(r->data_pdu_in_order && r->data_sequence_in_order);
	ck_assert_uint_eq(r->error_recovery_level, 0);
}
END_TEST

START_TEST(param_offers_nothing_when_defaults_suit_us)
{
	ck_assert_int_eq(param_offer(&neg, 0, &out), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert(!param_waiting(&neg));
}
END_TEST

START_TEST(param_offers_what_the_defaults_would_violate)
{
	ours.immediate_data = false;
	ours.max_burst_length = 65536;
	ours.first_burst_length = 16384;
	ours.default_time2wait = 5;
	ours.default_time2retain = 10;
	ours.header_digest = true;
	ck_assert_int_eq(param_offer(&neg, 0, NULL), 6); /* counting marks nothing */
	ck_assert(!param_waiting(&neg));
	ck_assert_int_eq(param_offer(&neg, 0, &out), 6);
	static const char want[] = "HeaderDigest=CRC32C,None\0ImmediateData=No\0MaxBurstLength=65536\0"
				   "FirstBurstLength=16384\0DefaultTime2Wait=5\0DefaultTime2Retain=10\0";
	ck_assert_uint_eq(out.len, sizeof(want) - 1);
	ck_assert_mem_eq(out.p, want, out.len);
	ck_assert(param_waiting(&neg));
	ck_assert_int_eq(param_offer(&neg, 0, &out), 0); /* never twice */
}
END_TEST

START_TEST(param_does_not_offer_keys_the_initiator_sent)
{
	ours.immediate_data = false;
	uint64_t seen = 1ull << P_IMMEDIATE_DATA;
	ck_assert_int_eq(param_offer(&neg, seen, &out), 0);
}
END_TEST

START_TEST(param_no_offers_in_discovery_or_for_lo_keys_on_added_connection)
{
	ours.immediate_data = false;
	param_neg_init(&neg, &ours, true, true);
	ck_assert_int_eq(param_offer(&neg, 0, &out), 0);
	param_neg_init(&neg, &ours, false, false);
	ck_assert_int_eq(param_offer(&neg, 0, &out), 0);
}
END_TEST

START_TEST(param_takes_a_valid_answer_to_our_offer)
{
	ours.immediate_data = false;
	ours.max_burst_length = 65536;
	ck_assert_int_eq(param_offer(&neg, 0, &out), 2);
	ck_assert_str_eq(answer("ImmediateData=No"), ""); /* answers are not answered */
	ck_assert_str_eq(answer("MaxBurstLength=32768"), "");
	ck_assert(!neg.res.immediate_data);
	ck_assert_uint_eq(neg.res.max_burst_length, 32768);
	ck_assert(!param_waiting(&neg));
}
END_TEST

START_TEST(param_refuses_an_answer_that_is_not_a_result_of_our_offer)
{
	ours.immediate_data = false;
	ours.max_burst_length = 65536;
	ours.header_digest = true;
	ck_assert_int_eq(param_offer(&neg, 0, &out), 3);
	static const char *const bad[] = {
		"ImmediateData=Yes", "MaxBurstLength=131072", "HeaderDigest=CRC32C,None",
	};
	for (size_t i = 0; i < 3; i++) {
		struct text_pair p = pair_of(bad[i]);
		enum param_id id;
		param_find(&p, &id);
		ck_assert_int_eq(param_answer(&neg, id, &p, &out), PARAM_BAD_ANSWER);
	}
}
END_TEST

START_TEST(param_reject_answer_to_our_offer_keeps_the_default)
{
	ours.max_burst_length = 65536;
	ck_assert_int_eq(param_offer(&neg, 0, &out), 1);
	ck_assert_str_eq(answer("MaxBurstLength=Reject"), "");
	ck_assert_uint_eq(neg.res.max_burst_length, ISCSI_MAX_BURST_DEFAULT);
	ck_assert(!param_waiting(&neg));
}
END_TEST

START_TEST(param_reports_a_full_answer_buffer)
{
	text_buf_fini(&out);
	text_buf_init(&out, &fe.env, 8);
	struct text_pair p = pair_of("MaxBurstLength=4096");
	enum param_id id;
	param_find(&p, &id);
	ck_assert_int_eq(param_answer(&neg, id, &p, &out), PARAM_NO_ROOM);
}
END_TEST

Suite *suite_param(void);
Suite *suite_param(void)
{
	Suite *s = suite_create("param");
	TCase *tc = tcase_create("param");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, param_finds_every_rfc_key_by_exact_name);
	tcase_add_test(tc, param_digest_list_takes_first_value_we_allow);
	tcase_add_test(tc, param_digest_crc32c_refused_when_not_configured);
	tcase_add_test(tc, param_list_skips_values_it_does_not_understand);
	tcase_add_test(tc, param_list_refuses_values_over_255_bytes);
	tcase_add_test(tc, param_task_reporting_only_rfc3720);
	tcase_add_test(tc, param_boolean_or_is_yes_when_either_says_yes);
	tcase_add_test(tc, param_boolean_and_is_no_when_either_says_no);
	tcase_add_test(tc, param_boolean_refuses_anything_but_yes_or_no);
	tcase_add_test(tc, param_numeric_minimum_keys);
	tcase_add_test(tc, param_numeric_maximum_key_time2wait);
	tcase_add_test(tc, param_error_recovery_level_is_the_lower_of_both_up_to_level_2);
	tcase_add_test(tc, param_error_recovery_level_follows_the_configured_most_and_the_initiator);
	tcase_add_test(tc, param_error_recovery_level_stays_0_when_configured_so);
	tcase_add_test(tc, param_numeric_rejects_out_of_range_and_malformed);
	tcase_add_test(tc, param_numeric_accepts_hex_constants);
	tcase_add_test(tc, param_first_burst_never_exceeds_max_burst_whatever_the_order);
	tcase_add_test(tc, param_first_burst_limited_by_our_value);
	tcase_add_test(tc, param_consistency_catches_first_burst_above_max_burst);
	tcase_add_test(tc, param_discovery_session_answers_irrelevant);
	tcase_add_test(tc, param_leading_only_keys_irrelevant_on_added_connection);
	tcase_add_test(tc, param_obsolete_marker_keys_answered_reject);
	tcase_add_test(tc, param_max_recv_data_segment_length_is_declarative);
	tcase_add_test(tc, param_declares_our_max_recv_data_segment_length);
	tcase_add_test(tc, param_results_start_at_rfc_defaults);
	tcase_add_test(tc, param_offers_nothing_when_defaults_suit_us);
	tcase_add_test(tc, param_offers_what_the_defaults_would_violate);
	tcase_add_test(tc, param_does_not_offer_keys_the_initiator_sent);
	tcase_add_test(tc, param_no_offers_in_discovery_or_for_lo_keys_on_added_connection);
	tcase_add_test(tc, param_takes_a_valid_answer_to_our_offer);
	tcase_add_test(tc, param_refuses_an_answer_that_is_not_a_result_of_our_offer);
	tcase_add_test(tc, param_reject_answer_to_our_offer_keeps_the_default);
	tcase_add_test(tc, param_reports_a_full_answer_buffer);
	tcase_add_test(tc, param_defaults_negotiate_down_to_the_initiator);
	suite_add_tcase(s, tc);
	return s;
}
