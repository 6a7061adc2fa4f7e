/* Tests of core/text: RFC 7143 §6.1 key=value parsing and the bounded
 * answer buffer. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/text.h"
#include "fake_env.h"

/* Parse len bytes; return the error that ended it and the pair count. */
static enum text_err parse(const void *data, uint32_t len, unsigned *pairs)
{
	struct text_iter it;
	struct text_pair p;
	enum text_err e;
	text_iter_init(&it, data, len);
	*pairs = 0;
	while ((e = text_next(&it, &p)) == TEXT_OK)
		(*pairs)++;
	return e;
}

#define PARSE(lit, pairs) parse(lit, sizeof(lit) - 1, pairs)

START_TEST(text_splits_pairs_at_nul_and_first_equals)
{
	static const char d[] = "InitiatorName=iqn.x\0TargetAlias=a=b\0";
	struct text_iter it;
	struct text_pair p;
	text_iter_init(&it, (const uint8_t *)d, sizeof(d) - 1);
	ck_assert_int_eq(text_next(&it, &p), TEXT_OK);
	ck_assert(text_key_is(&p, "InitiatorName"));
	ck_assert(text_value_is(&p, "iqn.x"));
	ck_assert_int_eq(text_next(&it, &p), TEXT_OK);
	ck_assert(text_key_is(&p, "TargetAlias"));
	ck_assert(text_value_is(&p, "a=b")); /* the value is whatever follows the first '=' */
	ck_assert_int_eq(text_next(&it, &p), TEXT_END);
	ck_assert_int_eq(text_next(&it, &p), TEXT_END);
}
END_TEST

START_TEST(text_accepts_empty_values)
{
	static const char d[] = "SendTargets=\0";
	struct text_iter it;
	struct text_pair p;
	text_iter_init(&it, (const uint8_t *)d, sizeof(d) - 1);
	ck_assert_int_eq(text_next(&it, &p), TEXT_OK);
	ck_assert_uint_eq(p.value_len, 0);
}
END_TEST

START_TEST(text_skips_runs_of_nul_between_pairs)
{
	unsigned n;
	ck_assert_int_eq(PARSE("\0\0A=1\0\0\0B=2\0\0", &n), TEXT_END);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(parse("", 0, &n), TEXT_END);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(text_refuses_data_without_final_nul)
{
	unsigned n;
	ck_assert_int_eq(PARSE("A=1\0B=2", &n), TEXT_ERR_NO_NUL);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(PARSE("A=1", &n), TEXT_ERR_NO_NUL);
}
END_TEST

START_TEST(text_refuses_pair_without_equals)
{
	unsigned n;
	ck_assert_int_eq(PARSE("A=1\0JustAKey\0", &n), TEXT_ERR_NO_EQUALS);
}
END_TEST

START_TEST(text_refuses_empty_key_name)
{
	unsigned n;
	ck_assert_int_eq(PARSE("=value\0", &n), TEXT_ERR_KEY_EMPTY);
}
END_TEST

START_TEST(text_refuses_key_names_over_63_bytes)
{
	char d[128];
	unsigned n;
	memset(d, 'K', 63);
	memcpy(d + 63, "=v", 3);
	ck_assert_int_eq(parse(d, 63 + 3, &n), TEXT_END);
	memset(d, 'K', 64);
	memcpy(d + 64, "=v", 3);
	ck_assert_int_eq(parse(d, 64 + 3, &n), TEXT_ERR_KEY_LONG);
}
END_TEST

START_TEST(text_key_names_follow_standard_label)
{
	ck_assert(text_key_valid("HeaderDigest", 12));
	ck_assert(text_key_valid("X-com.example.key", 17));
	ck_assert(text_key_valid("X#IANA.key", 10));
	ck_assert(text_key_valid("A.b-c+d@e_f9", 12));
	ck_assert(!text_key_valid("headerDigest", 12)); /* must begin with a capital */
	ck_assert(text_key_valid("iSCSIProtocolLevel", 18)); /* RFC 7144 §4.1's spelling */
	ck_assert(!text_key_valid("iSCSIProtocolLevelX", 19));
	ck_assert(!text_key_valid("9Key", 4));
	ck_assert(!text_key_valid("Key Name", 8));
	ck_assert(!text_key_valid("Key/Name", 8));
	ck_assert(!text_key_valid("X#", 2));
	ck_assert(!text_key_valid("X#lower", 7));
	ck_assert(!text_key_valid("A#B", 3));
	ck_assert(!text_key_valid("K\xc3\xa9y", 4)); /* non-ASCII */
}
END_TEST

START_TEST(text_refuses_malformed_key_in_message)
{
	unsigned n;
	ck_assert_int_eq(PARSE("A=1\0bad=2\0", &n), TEXT_ERR_KEY_SYNTAX);
	ck_assert_int_eq(PARSE("K\xff=1\0", &n), TEXT_ERR_KEY_SYNTAX);
}
END_TEST

START_TEST(text_bounds_the_number_of_pairs)
{
	static char d[(RT_TEXT_KEYS_MAX + 1) * 8];
	uint32_t len = 0;
	for (unsigned i = 0; i < RT_TEXT_KEYS_MAX + 1; i++)
		len += (uint32_t)snprintf(d + len, sizeof(d) - len, "K%u=1", i) + 1;
	unsigned n;
	ck_assert_int_eq(parse(d, len, &n), TEXT_ERR_TOO_MANY);
	ck_assert_uint_eq(n, RT_TEXT_KEYS_MAX);
}
END_TEST

START_TEST(text_lists_find_whole_items_only)
{
	static const char d[] = "AuthMethod=KRB5,CHAPX,None\0";
	struct text_iter it;
	struct text_pair p;
	text_iter_init(&it, (const uint8_t *)d, sizeof(d) - 1);
	ck_assert_int_eq(text_next(&it, &p), TEXT_OK);
	ck_assert(text_list_has(&p, "None"));
	ck_assert(text_list_has(&p, "KRB5"));
	ck_assert(!text_list_has(&p, "CHAP"));
	ck_assert(!text_list_has(&p, ""));
}
END_TEST

START_TEST(text_utf8_check_refuses_malformed_sequences)
{
	ck_assert(text_utf8_valid("plain ascii", 11));
	ck_assert(text_utf8_valid("caf\xc3\xa9", 5));
	ck_assert(text_utf8_valid("\xe2\x82\xac", 3));          /* euro sign */
	ck_assert(text_utf8_valid("\xf0\x9f\x98\x80", 4));      /* emoji */
	ck_assert(!text_utf8_valid("\xff", 1));
	ck_assert(!text_utf8_valid("\xc3", 1));                 /* truncated */
	ck_assert(!text_utf8_valid("\xc0\xaf", 2));             /* overlong '/' */
	ck_assert(!text_utf8_valid("\xed\xa0\x80", 3));         /* surrogate */
	ck_assert(!text_utf8_valid("\xf4\x90\x80\x80", 4));     /* beyond U+10FFFF */
	ck_assert(!text_utf8_valid("a\x01b", 3));               /* control */
	ck_assert(!text_utf8_valid("a\x7f", 2));
}
END_TEST

START_TEST(text_buf_builds_pairs_and_frees_everything)
{
	struct fake_env f;
	fake_env_init(&f, 0);
	struct text_buf b;
	text_buf_init(&b, &f.env, 4096);
	ck_assert_int_eq(text_buf_add(&b, "HeaderDigest", "None"), TEXT_OK);
	ck_assert_int_eq(text_buf_add_u32(&b, "MaxBurstLength", 262144), TEXT_OK);
	ck_assert_int_eq(text_buf_add_n(&b, "X-foo-bar", 5, "NotUnderstood"), TEXT_OK);
	static const char want[] = "HeaderDigest=None\0MaxBurstLength=262144\0X-foo=NotUnderstood\0";
	ck_assert_uint_eq(b.len, sizeof(want) - 1);
	ck_assert_mem_eq(b.p, want, b.len);
	text_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	text_buf_fini(&b);
	ck_assert_uint_eq(f.live_bytes, 0);
	fake_env_fini(&f);
}
END_TEST

START_TEST(text_buf_never_grows_past_its_maximum)
{
	struct fake_env f;
	fake_env_init(&f, 0);
	struct text_buf b;
	text_buf_init(&b, &f.env, 3000);
	char chunk[1000];
	memset(chunk, 'x', sizeof(chunk));
	ck_assert_int_eq(text_buf_append(&b, chunk, 1000), TEXT_OK);
	ck_assert_int_eq(text_buf_append(&b, chunk, 1000), TEXT_OK);
	ck_assert_int_eq(text_buf_append(&b, chunk, 1000), TEXT_OK);
	ck_assert_int_eq(text_buf_append(&b, chunk, 1), TEXT_ERR_TOO_LONG);
	ck_assert_int_eq(text_buf_add(&b, "A", "b"), TEXT_ERR_TOO_LONG);
	ck_assert_uint_eq(b.len, 3000);
	ck_assert_uint_le(b.cap, 3000);
	text_buf_fini(&b);
	ck_assert_uint_eq(f.live_bytes, 0);
	fake_env_fini(&f);
}
END_TEST

START_TEST(text_buf_reports_allocation_failure_and_keeps_its_content)
{
	struct fake_env f;
	fake_env_init(&f, 0);
	struct text_buf b;
	text_buf_init(&b, &f.env, RT_TEXT_MAX);
	ck_assert_int_eq(text_buf_add(&b, "A", "1"), TEXT_OK);
	f.fail_alloc_at = f.allocs; /* the next allocation fails */
	char big[4000];
	memset(big, 'y', sizeof(big));
	ck_assert_int_eq(text_buf_append(&b, big, sizeof(big)), TEXT_ERR_NO_MEMORY);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_mem_eq(b.p, "A=1", 4);
	text_buf_fini(&b);
	ck_assert_uint_eq(f.live_bytes, 0);
	fake_env_fini(&f);
}
END_TEST

Suite *suite_text(void);
Suite *suite_text(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");
	tcase_add_test(tc, text_splits_pairs_at_nul_and_first_equals);
	tcase_add_test(tc, text_accepts_empty_values);
	tcase_add_test(tc, text_skips_runs_of_nul_between_pairs);
	tcase_add_test(tc, text_refuses_data_without_final_nul);
	tcase_add_test(tc, text_refuses_pair_without_equals);
	tcase_add_test(tc, text_refuses_empty_key_name);
	tcase_add_test(tc, text_refuses_key_names_over_63_bytes);
	tcase_add_test(tc, text_key_names_follow_standard_label);
	tcase_add_test(tc, text_refuses_malformed_key_in_message);
	tcase_add_test(tc, text_bounds_the_number_of_pairs);
	tcase_add_test(tc, text_lists_find_whole_items_only);
	tcase_add_test(tc, text_utf8_check_refuses_malformed_sequences);
	tcase_add_test(tc, text_buf_builds_pairs_and_frees_everything);
	tcase_add_test(tc, text_buf_never_grows_past_its_maximum);
	tcase_add_test(tc, text_buf_reports_allocation_failure_and_keeps_its_content);
	suite_add_tcase(s, tc);
	return s;
}
