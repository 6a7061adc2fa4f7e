/* Tests of core/textreq: Text Request/Response in full feature phase
 * (RFC 7143 §11.10, §11.11): C-bit continuation both ways, Target Transfer
 * Tags, SendTargets, keys only the login may carry. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/textreq.h"
#include "login_fixture.h"

static struct fx x;
static struct login_result sess;
static struct iscsi_params params;
static struct textreq t;
static struct fx_req r;
static struct pdu resp;

static void start(bool discovery, uint32_t target)
{
	memset(&sess, 0, sizeof(sess));
	strcpy(sess.initiator_name, FX_INITIATOR);
	sess.discovery = discovery;
	sess.target = target;
	params.max_xmit_dsl = 8192;
	textreq_init(&t, &x.fe.env, &x.cfg, &sess, &params);
}

/* 40 more open targets, so that SendTargets=All answers ~3 KB. */
#define MANY 40
static struct rt_target_cfg many[FX_T_COUNT + MANY];
static char many_names[MANY][64];

static void setup(void)
{
	fx_init(&x);
	memcpy(many, x.targets, sizeof(x.targets));
	for (int i = 0; i < MANY; i++) {
		snprintf(many_names[i], sizeof(many_names[i]), "iqn.2024-01.org.example:many-%02d", i);
		many[FX_T_COUNT + i] = (struct rt_target_cfg){many_names[i], NULL, &x.tpgs[FX_T_OPEN], 1};
	}
	x.cfg.targets = many;
	x.cfg.target_count = FX_T_COUNT + MANY;
	start(true, UINT32_MAX);
}

static void teardown(void)
{
	textreq_fini(&t);
	fx_fini(&x);
}

/* A Text Request with F/C flags, the given ITT and TTT. */
static void req(bool f, bool c, uint32_t itt, uint32_t ttt)
{
	memset(&r.pdu, 0, sizeof(r.pdu));
	uint8_t flags = (f ? ISCSI_FLAG_FINAL : 0) | (c ? ISCSI_TEXT_CONTINUE : 0);
	pdu_init(r.pdu.bhs, ISCSI_OP_TEXT_REQ, flags);
	memcpy(r.pdu.bhs + PDU_LUN, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	pdu_set_w(r.pdu.bhs, PDU_ITT, itt);
	pdu_set_w(r.pdu.bhs, PDU_TEXT_TTT, ttt);
	r.len = 0;
}

static enum textreq_verdict send(void)
{
	r.pdu.data = r.data;
	r.pdu.data_len = r.len;
	pdu_set_dsl(r.pdu.bhs, r.len);
	enum textreq_verdict v = textreq_rx(&t, &r.pdu, &resp);
	if (v == TEXTREQ_REPLY) {
		ck_assert_uint_eq(pdu_opcode(resp.bhs), ISCSI_OP_TEXT_RSP);
		ck_assert_uint_eq(pdu_dsl(resp.bhs), resp.data_len);
		ck_assert_uint_eq(pdu_itt(resp.bhs), pdu_itt(r.pdu.bhs));
		ck_assert_mem_eq(resp.bhs + PDU_LUN, r.pdu.bhs + PDU_LUN, 8);
		ck_assert_uint_le(resp.data_len, params.max_xmit_dsl);
	}
	return v;
}

static bool rsp_f(void) { return pdu_flags(resp.bhs) & ISCSI_FLAG_FINAL; }
static bool rsp_c(void) { return pdu_flags(resp.bhs) & ISCSI_TEXT_CONTINUE; }
static uint32_t rsp_ttt(void) { return pdu_w(resp.bhs, PDU_TEXT_TTT); }

static void expect_reject(uint8_t reason)
{
	ck_assert_int_eq(send(), TEXTREQ_REJECT);
	ck_assert_uint_eq(t.reject_reason, reason);
}

START_TEST(textreq_send_targets_all_in_one_response)
{
	req(true, false, 7, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert(rsp_f() && !rsp_c());
	ck_assert_uint_eq(rsp_ttt(), ISCSI_TAG_RESERVED); /* §11.11.4: F=1 */
	ck_assert_str_eq(fx_get(&resp, "TargetName"), FX_TARGET(FX_T_OPEN));
	ck_assert_uint_eq(fx_count(&resp, "TargetName"), 5 + MANY);
	ck_assert_uint_eq(fx_count(&resp, "TargetAddress"), 6 + 2 * MANY);
	for (int i = 24; i < 36; i++)
		ck_assert_uint_eq(resp.bhs[i], 0);
}
END_TEST

START_TEST(textreq_send_targets_in_normal_session_is_own_target)
{
	textreq_fini(&t);
	start(false, FX_T_CHAP);
	req(true, false, 1, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert_str_eq(fx_get(&resp, "TargetName"), FX_TARGET(FX_T_CHAP));
	ck_assert_uint_eq(fx_count(&resp, "TargetName"), 1);
}
END_TEST

START_TEST(textreq_session_copies_what_it_needs_from_login)
{
	textreq_fini(&t);
	start(false, FX_T_CHAP);
	memset(&sess, 0xee, sizeof(sess)); /* the login result may go away */
	req(true, false, 1, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert_str_eq(fx_get(&resp, "TargetName"), FX_TARGET(FX_T_CHAP));
}
END_TEST

START_TEST(textreq_long_answer_split_and_fetched_with_empty_requests)
{
	params.max_xmit_dsl = 512;
	req(true, false, 9, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert(rsp_c() && !rsp_f()); /* §11.11.1: C=1 needs F=0 */
	ck_assert_uint_eq(resp.data_len, 512);
	uint32_t ttt = rsp_ttt();
	ck_assert_uint_ne(ttt, ISCSI_TAG_RESERVED);
	static uint8_t all[RT_TEXT_MAX];
	uint32_t len = 0;
	memcpy(all, resp.data, resp.data_len);
	len += resp.data_len;
	int pieces = 1;
	while (rsp_c()) {
		req(true, false, 9, ttt);
		ck_assert_int_eq(send(), TEXTREQ_REPLY);
		memcpy(all + len, resp.data, resp.data_len);
		len += resp.data_len;
		pieces++;
		if (rsp_c())
			ck_assert_uint_eq(rsp_ttt(), ttt);
	}
	ck_assert(rsp_f());
	ck_assert_uint_eq(rsp_ttt(), ISCSI_TAG_RESERVED);
	ck_assert_uint_eq(len, t.out.len);
	ck_assert_uint_ge(pieces, 2);
	struct pdu whole = {.data = all, .data_len = len};
	ck_assert_uint_eq(fx_count(&whole, "TargetName"), 5 + MANY);
	/* the exchange is over: its tag is no longer valid */
	req(true, false, 9, ttt);
	expect_reject(ISCSI_REJECT_INVALID_PDU_FIELD);
}
END_TEST

START_TEST(textreq_refuses_text_while_fetching_our_answer)
{
	params.max_xmit_dsl = 512;
	req(true, false, 9, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	send();
	req(true, false, 9, rsp_ttt());
	fx_keys(&r, "SendTargets=All", NULL);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

START_TEST(textreq_new_request_drops_a_pending_exchange)
{
	params.max_xmit_dsl = 512;
	req(true, false, 9, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	send();
	ck_assert(rsp_c());
	uint32_t old = rsp_ttt();
	req(true, false, 10, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=" "iqn.2024-01.org.example:chap", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert(rsp_f());
	req(true, false, 9, old);
	expect_reject(ISCSI_REJECT_INVALID_PDU_FIELD);
}
END_TEST

START_TEST(textreq_refuses_unknown_target_transfer_tag)
{
	req(true, false, 1, 0x1234);
	expect_reject(ISCSI_REJECT_INVALID_PDU_FIELD);
}
END_TEST

START_TEST(textreq_refuses_final_and_continue_together)
{
	req(true, true, 1, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

START_TEST(textreq_refuses_continue_bit_with_no_data)
{
	/* the SPDK bug class: C=1 and nothing in it */
	req(false, true, 1, ISCSI_TAG_RESERVED);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

START_TEST(textreq_request_text_continued_with_c_bit)
{
	static const char text[] = "SendTargets=iqn.2024-01.org.example:chap";
	req(false, true, 4, ISCSI_TAG_RESERVED);
	fx_raw(&r, text, 15);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert_uint_eq(resp.data_len, 0);
	ck_assert(!rsp_f() && !rsp_c());
	uint32_t ttt = rsp_ttt();
	ck_assert_uint_ne(ttt, ISCSI_TAG_RESERVED);
	req(true, false, 4, ttt);
	fx_raw(&r, text + 15, sizeof(text) - 15);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert(rsp_f());
	ck_assert_str_eq(fx_get(&resp, "TargetName"), FX_TARGET(FX_T_CHAP));
}
END_TEST

START_TEST(textreq_refuses_continuation_with_another_itt)
{
	req(false, true, 4, ISCSI_TAG_RESERVED);
	fx_raw(&r, "SendTargets=A", 13);
	send();
	req(true, false, 5, rsp_ttt());
	fx_raw(&r, "ll", 3);
	expect_reject(ISCSI_REJECT_INVALID_PDU_FIELD);
}
END_TEST

START_TEST(textreq_answers_non_final_request_without_f_bit)
{
	req(false, false, 3, ISCSI_TAG_RESERVED);
	fx_keys(&r, "X-foo=1", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert(!rsp_f()); /* F=1 to an F=0 request is a protocol error */
	uint32_t ttt = rsp_ttt();
	ck_assert_uint_ne(ttt, ISCSI_TAG_RESERVED);
	ck_assert_str_eq(fx_get(&resp, "X-foo"), "NotUnderstood");
	req(true, false, 3, ttt);
	fx_keys(&r, "SendTargets=All", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert(rsp_f());
	ck_assert_uint_eq(rsp_ttt(), ISCSI_TAG_RESERVED);
}
END_TEST

START_TEST(textreq_takes_redeclared_max_recv_data_segment_length)
{
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_keys(&r, "MaxRecvDataSegmentLength=1024", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert_uint_eq(resp.data_len, 0); /* declarative: no answer */
	ck_assert_uint_eq(params.max_xmit_dsl, 1024);
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	send();
	ck_assert_uint_eq(resp.data_len, 1024); /* now bounds our answers */
	ck_assert(rsp_c());
}
END_TEST

START_TEST(textreq_rejects_bad_max_recv_data_segment_length_value)
{
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_keys(&r, "MaxRecvDataSegmentLength=511", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert_str_eq(fx_get(&resp, "MaxRecvDataSegmentLength"), "Reject");
	ck_assert_uint_eq(params.max_xmit_dsl, 8192);
}
END_TEST

START_TEST(textreq_rejects_keys_only_login_may_negotiate)
{
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_keys(&r, "MaxBurstLength=4096", "HeaderDigest=CRC32C", "AuthMethod=None",
		"InitiatorName=iqn.x", "TargetAlias=y", "IFMarker=No", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert_str_eq(fx_get(&resp, "MaxBurstLength"), "Reject");
	ck_assert_str_eq(fx_get(&resp, "HeaderDigest"), "Reject");
	ck_assert_str_eq(fx_get(&resp, "AuthMethod"), "Reject");
	ck_assert_str_eq(fx_get(&resp, "InitiatorName"), "Reject");
	ck_assert_str_eq(fx_get(&resp, "TargetAlias"), "Reject");
	ck_assert_str_eq(fx_get(&resp, "IFMarker"), "Reject");
}
END_TEST

START_TEST(textreq_answers_unknown_keys_not_understood_and_takes_alias)
{
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_keys(&r, "X-com.example.Foo=bar", "InitiatorAlias=me", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY);
	ck_assert_str_eq(fx_get(&resp, "X-com.example.Foo"), "NotUnderstood");
	ck_assert_ptr_null(fx_get(&resp, "InitiatorAlias"));
}
END_TEST

START_TEST(textreq_rejects_malformed_text)
{
	static const char *const bad[] = {"NoEquals", "=v", "lower=1"};
	for (size_t i = 0; i < 3; i++) {
		req(true, false, 2, ISCSI_TAG_RESERVED);
		fx_keys(&r, bad[i], NULL);
		expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	}
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_raw(&r, "SendTargets=All", 15); /* no NUL */
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
}
END_TEST

START_TEST(textreq_rejects_a_flood_of_keys)
{
	req(true, false, 2, ISCSI_TAG_RESERVED);
	char kv[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(kv, sizeof(kv), "X-k%d=1", i);
		fx_keys(&r, kv, NULL);
	}
	expect_reject(ISCSI_REJECT_OUT_OF_RESOURCES);
}
END_TEST

START_TEST(textreq_rejects_text_over_rt_text_max)
{
	static uint8_t fill[8192];
	memset(fill, 'v', sizeof(fill));
	req(false, true, 2, ISCSI_TAG_RESERVED);
	fx_raw(&r, "X-big=", 6);
	fx_raw(&r, fill, 8192 - 6);
	uint32_t sent = 0;
	enum textreq_verdict v;
	while ((v = send()) == TEXTREQ_REPLY) {
		sent += r.len;
		ck_assert_uint_le(sent, RT_TEXT_MAX);
		req(false, true, 2, rsp_ttt());
		fx_raw(&r, fill, 8192);
	}
	ck_assert_uint_eq(t.reject_reason, ISCSI_REJECT_OUT_OF_RESOURCES);
}
END_TEST

START_TEST(textreq_allocation_failure_is_rejected_and_leaks_nothing)
{
	x.fe.fail_alloc_at = x.fe.allocs;
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	expect_reject(ISCSI_REJECT_OUT_OF_RESOURCES);
	req(true, false, 2, ISCSI_TAG_RESERVED);
	fx_keys(&r, "SendTargets=All", NULL);
	ck_assert_int_eq(send(), TEXTREQ_REPLY); /* and recovers */
}
END_TEST

/* Random Text Requests (fixed seed): every reply keeps the §11.11 rules
 * (C=1 only with F=0; F=1 with the reserved tag, F=0 with another one;
 * data within max_xmit_dsl), every reject has a reason, nothing leaks. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

START_TEST(textreq_survives_random_requests)
{
	static const char *const kvs[] = {
		"SendTargets=All", "SendTargets=", "SendTargets=iqn.2024-01.org.example:open",
		"MaxRecvDataSegmentLength=512", "MaxRecvDataSegmentLength=8192",
		"MaxRecvDataSegmentLength=1", "MaxBurstLength=512", "X-a=b", "Junk", "=x",
		"InitiatorAlias=z", "HeaderDigest=None",
	};
	uint32_t last_ttt = ISCSI_TAG_RESERVED, last_itt = 1;
	unsigned replies = 0, rejects = 0;
	for (int i = 0; i < 20000; i++) {
		uint32_t ttt = rnd(3) == 0 ? ISCSI_TAG_RESERVED : rnd(5) ? last_ttt : rnd(10);
		uint32_t itt = rnd(5) ? last_itt : rnd(4);
		req(rnd(3) != 0, rnd(4) == 0, itt, ttt);
		for (uint32_t k = rnd(4); k > 0; k--) {
			const char *kv = kvs[rnd(sizeof(kvs) / sizeof(kvs[0]))];
			fx_raw(&r, kv, (uint32_t)strlen(kv) + (rnd(20) ? 1 : 0));
		}
		if (send() == TEXTREQ_REJECT) {
			ck_assert_uint_ne(t.reject_reason, 0);
			rejects++;
			continue;
		}
		replies++;
		bool f = rsp_f(), c = rsp_c();
		ck_assert(!(f && c));
		if (f)
			ck_assert_uint_eq(rsp_ttt(), ISCSI_TAG_RESERVED);
		else
			ck_assert_uint_ne(rsp_ttt(), ISCSI_TAG_RESERVED);
		if (!f)
			last_ttt = rsp_ttt();
		last_itt = itt;
	}
	ck_assert_uint_gt(replies, 1000);
	ck_assert_uint_gt(rejects, 1000);
}
END_TEST

Suite *suite_textreq(void);
Suite *suite_textreq(void)
{
	Suite *s = suite_create("textreq");
	TCase *tc = tcase_create("textreq");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, textreq_send_targets_all_in_one_response);
	tcase_add_test(tc, textreq_send_targets_in_normal_session_is_own_target);
	tcase_add_test(tc, textreq_session_copies_what_it_needs_from_login);
	tcase_add_test(tc, textreq_long_answer_split_and_fetched_with_empty_requests);
	tcase_add_test(tc, textreq_refuses_text_while_fetching_our_answer);
	tcase_add_test(tc, textreq_new_request_drops_a_pending_exchange);
	tcase_add_test(tc, textreq_refuses_unknown_target_transfer_tag);
	tcase_add_test(tc, textreq_refuses_final_and_continue_together);
	tcase_add_test(tc, textreq_refuses_continue_bit_with_no_data);
	tcase_add_test(tc, textreq_request_text_continued_with_c_bit);
	tcase_add_test(tc, textreq_refuses_continuation_with_another_itt);
	tcase_add_test(tc, textreq_answers_non_final_request_without_f_bit);
	tcase_add_test(tc, textreq_takes_redeclared_max_recv_data_segment_length);
	tcase_add_test(tc, textreq_rejects_bad_max_recv_data_segment_length_value);
	tcase_add_test(tc, textreq_rejects_keys_only_login_may_negotiate);
	tcase_add_test(tc, textreq_answers_unknown_keys_not_understood_and_takes_alias);
	tcase_add_test(tc, textreq_rejects_malformed_text);
	tcase_add_test(tc, textreq_rejects_a_flood_of_keys);
	tcase_add_test(tc, textreq_rejects_text_over_rt_text_max);
	tcase_add_test(tc, textreq_allocation_failure_is_rejected_and_leaks_nothing);
	tcase_add_test(tc, textreq_survives_random_requests);
	suite_add_tcase(s, tc);
	return s;
}
