/* Tests of core/chap: RFC 7143 §12.1.3 CHAP, RFC 1994 responses, with
 * vectors computed independently (Python hashlib, and nettle called
 * directly by the fixture). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chap.h"
#include "core/codec.h"
#include "core/limits.h"
#include "fake_env.h"
#include "login_fixture.h"

static struct fake_env fe;
static struct text_buf out;
static struct chap chap;
static struct rt_auth_cfg auth;

static void setup(void)
{
	fake_env_init(&fe, 0);
	text_buf_init(&out, &fe.env, RT_TEXT_MAX);
	auth = (struct rt_auth_cfg){{FX_USER, FX_SECRET}, {NULL, NULL}};
	chap_init(&chap, &auth);
}

static void teardown(void)
{
	text_buf_fini(&out);
	ck_assert_uint_eq(fe.live_bytes, 0);
	fake_env_fini(&fe);
}

/* The value of key among out's pairs. */
static const char *got(const char *key)
{
	struct pdu p = {.data = out.p, .data_len = out.len};
	return fx_get(&p, key);
}

static void key(enum param_id id, const char *value)
{
	struct text_pair p = {param_def(id)->name, (uint32_t)strlen(param_def(id)->name), value,
			      (uint32_t)strlen(value)};
	chap_key(&chap, id, &p);
}

static enum chap_result step(void)
{
	return chap_step(&chap, &fe.env, &out);
}

/* Run step 2 with CHAP_A=alg; returns the identifier and fills chal. */
static uint8_t challenge(const char *alg, uint8_t chal[RT_CHAP_CHALLENGE_LEN])
{
	key(P_CHAP_A, alg);
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	ck_assert_uint_eq(fx_unhex(got("CHAP_C"), chal, RT_CHAP_CHALLENGE_LEN), RT_CHAP_CHALLENGE_LEN);
	uint8_t id = (uint8_t)strtoul(got("CHAP_I"), NULL, 10);
	text_buf_reset(&out);
	return id;
}

/* Steps 2 and 3 with the right secret, leaving CHAP_N/CHAP_R recorded. */
static void respond(unsigned alg, const char *user, const char *secret)
{
	char a[8];
	snprintf(a, sizeof(a), "%u", alg);
	key(P_CHAP_A, a);
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	uint8_t id = (uint8_t)strtoul(got("CHAP_I"), NULL, 10);
	uint8_t chal[RT_CHAP_CHALLENGE_LEN], d[RT_CHAP_DIGEST_MAX];
	fx_unhex(got("CHAP_C"), chal, sizeof(chal));
	text_buf_reset(&out);
	size_t dl = fx_chap_digest(alg, id, secret, chal, sizeof(chal), d);
	key(P_CHAP_N, user);
	static char r[2 * RT_CHAP_DIGEST_MAX + 3];
	snprintf(r, sizeof(r), "%s", fx_hex(d, dl));
	key(P_CHAP_R, r);
}

START_TEST(chap_digest_lengths_per_algorithm)
{
	ck_assert_uint_eq(chap_digest_len(CHAP_ALG_MD5), 16);
	ck_assert_uint_eq(chap_digest_len(CHAP_ALG_SHA1), 20);
	ck_assert_uint_eq(chap_digest_len(CHAP_ALG_SHA256), 32);
	ck_assert_uint_eq(chap_digest_len(CHAP_ALG_SHA3_256), 32);
	ck_assert_uint_eq(chap_digest_len(0), 0);
	ck_assert_uint_eq(chap_digest_len(4), 0);
	ck_assert_uint_eq(chap_digest_len(9), 0);
}
END_TEST

START_TEST(chap_response_matches_known_vectors)
{
	static const struct {
		unsigned alg;
		const char *hex;
	} v[] = {
		{5, "0x8403ec85b56bfb88a7105696fad24320"},
		{6, "0xbd8354c9fe7c2c8913187c7b9e66fc1db78507ad"},
		{7, "0x14508d94c11d7a9d0721c9fc682104d6c48ce631d399e75bd51b1c51d7ff7117"},
		{8, "0xb580730a9b5df8b50c84b57539a418f44195b491b5faadbe2c2649e2352b9673"},
	};
	uint8_t chal[16];
	for (int i = 0; i < 16; i++)
		chal[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t d[RT_CHAP_DIGEST_MAX], want[RT_CHAP_DIGEST_MAX], nettle_d[RT_CHAP_DIGEST_MAX];
		chap_response(v[i].alg, 0x2a, "alice-secret-12", chal, sizeof(chal), d);
		size_t n = fx_unhex(v[i].hex, want, sizeof(want));
		ck_assert_uint_eq(n, chap_digest_len(v[i].alg));
		ck_assert_mem_eq(d, want, n);
		ck_assert_uint_eq(fx_chap_digest(v[i].alg, 0x2a, "alice-secret-12", chal, 16, nettle_d), n);
		ck_assert_mem_eq(nettle_d, want, n);
	}
}
END_TEST

START_TEST(chap_response_with_missing_secret_hashes_as_empty)
{
	uint8_t a[RT_CHAP_DIGEST_MAX], b[RT_CHAP_DIGEST_MAX], c = 7;
	chap_response(CHAP_ALG_MD5, 1, NULL, &c, 1, a);
	chap_response(CHAP_ALG_MD5, 1, "", &c, 1, b);
	ck_assert_mem_eq(a, b, 16);
}
END_TEST

START_TEST(chap_picks_first_supported_algorithm_in_initiator_order)
{
	key(P_CHAP_A, "9,7,5");
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	ck_assert_str_eq(got("CHAP_A"), "7");
}
END_TEST

START_TEST(chap_skips_malformed_algorithm_values)
{
	key(P_CHAP_A, "md5,,0x6,5");
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	ck_assert_str_eq(got("CHAP_A"), "6");
}
END_TEST

START_TEST(chap_fails_without_a_supported_algorithm)
{
	key(P_CHAP_A, "1,2,3,4294967301");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_NO_ALGORITHM);
}
END_TEST

START_TEST(chap_challenge_is_random_and_full_length)
{
	key(P_CHAP_A, "5");
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	const char *c = got("CHAP_C");
	ck_assert_uint_eq(strlen(c), 2 + 2 * RT_CHAP_CHALLENGE_LEN);
	char first[2 * RT_CHAP_CHALLENGE_LEN + 3];
	strcpy(first, c);
	unsigned long id = strtoul(got("CHAP_I"), NULL, 10);
	ck_assert_uint_le(id, 255);
	/* another exchange draws another challenge */
	chap_init(&chap, &auth);
	text_buf_reset(&out);
	key(P_CHAP_A, "5");
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	ck_assert_str_ne(got("CHAP_C"), first);
	/* an environment with the same seed draws the same one (determinism) */
	struct fake_env fe2;
	fake_env_init(&fe2, 0);
	chap_init(&chap, &auth);
	text_buf_reset(&out);
	key(P_CHAP_A, "5");
	ck_assert_int_eq(chap_step(&chap, &fe2.env, &out), CHAP_CONTINUE);
	ck_assert_str_eq(got("CHAP_C"), first);
	fake_env_fini(&fe2);
}
END_TEST

START_TEST(chap_accepts_the_right_response_for_every_algorithm)
{
	for (unsigned alg = 5; alg <= 8; alg++) {
		chap_init(&chap, &auth);
		text_buf_reset(&out);
		respond(alg, FX_USER, FX_SECRET);
		ck_assert_int_eq(step(), CHAP_SUCCESS);
		ck_assert_int_eq(chap.state, CHAP_DONE);
		ck_assert_uint_eq(out.len, 0); /* one-way: nothing to answer */
	}
}
END_TEST

START_TEST(chap_refuses_wrong_secret)
{
	respond(CHAP_ALG_SHA256, FX_USER, "not-the-secret!");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_WRONG_RESPONSE);
}
END_TEST

START_TEST(chap_refuses_wrong_user)
{
	respond(CHAP_ALG_MD5, "mallory", FX_SECRET);
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_WRONG_NAME);
}
END_TEST

START_TEST(chap_compares_user_names_exactly)
{
	respond(CHAP_ALG_MD5, FX_USER "x", FX_SECRET);
	ck_assert_int_eq(step(), CHAP_FAILURE);
	chap_init(&chap, &auth);
	respond(CHAP_ALG_MD5, "alic", FX_SECRET);
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_WRONG_NAME);
}
END_TEST

START_TEST(chap_refuses_response_of_wrong_length)
{
	uint8_t chal[RT_CHAP_CHALLENGE_LEN];
	uint8_t id = challenge("7", chal);
	uint8_t d[RT_CHAP_DIGEST_MAX];
	fx_chap_digest(CHAP_ALG_SHA256, id, FX_SECRET, chal, sizeof(chal), d);
	key(P_CHAP_N, FX_USER);
	key(P_CHAP_R, fx_hex(d, 16)); /* a right prefix of the right digest */
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_BAD_RESPONSE);
}
END_TEST

START_TEST(chap_refuses_oversized_response_without_overflow)
{
	/* CVE-2018-14633 class: a CHAP_R far longer than any digest */
	uint8_t chal[RT_CHAP_CHALLENGE_LEN], big[1000];
	challenge("5", chal);
	memset(big, 0x41, sizeof(big));
	key(P_CHAP_N, FX_USER);
	key(P_CHAP_R, fx_hex(big, sizeof(big)));
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_BAD_RESPONSE);
	chap_init(&chap, &auth);
	challenge("5", chal);
	key(P_CHAP_N, FX_USER);
	key(P_CHAP_R, fx_hex(big, 17)); /* one byte over MD5 */
	ck_assert_int_eq(step(), CHAP_FAILURE);
}
END_TEST

START_TEST(chap_refuses_malformed_response)
{
	uint8_t chal[RT_CHAP_CHALLENGE_LEN];
	challenge("5", chal);
	key(P_CHAP_N, FX_USER);
	key(P_CHAP_R, "0xZZ112233445566778899aabbccddeeff");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_BAD_RESPONSE);
}
END_TEST

START_TEST(chap_accepts_response_in_base64)
{
	uint8_t chal[RT_CHAP_CHALLENGE_LEN], d[RT_CHAP_DIGEST_MAX];
	uint8_t id = challenge("6", chal);
	size_t dl = fx_chap_digest(CHAP_ALG_SHA1, id, FX_SECRET, chal, sizeof(chal), d);
	char b64[64];
	ck_assert_uint_gt(codec_encode_base64(d, dl, b64, sizeof(b64)), 0);
	key(P_CHAP_N, FX_USER);
	key(P_CHAP_R, b64);
	ck_assert_int_eq(step(), CHAP_SUCCESS);
}
END_TEST

START_TEST(chap_requires_name_and_response_together)
{
	uint8_t chal[RT_CHAP_CHALLENGE_LEN];
	challenge("5", chal);
	key(P_CHAP_N, FX_USER);
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_MISSING_KEY);
}
END_TEST

START_TEST(chap_refuses_keys_out_of_their_step)
{
	key(P_CHAP_N, FX_USER);
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_UNEXPECTED_KEY);

	chap_init(&chap, &auth);
	uint8_t chal[RT_CHAP_CHALLENGE_LEN];
	challenge("5", chal);
	key(P_CHAP_A, "5");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_UNEXPECTED_KEY);

	chap_init(&chap, &auth);
	respond(CHAP_ALG_MD5, FX_USER, FX_SECRET);
	ck_assert_int_eq(step(), CHAP_SUCCESS);
	key(P_CHAP_A, "5");
	ck_assert_int_eq(step(), CHAP_FAILURE);
}
END_TEST

START_TEST(chap_a_message_without_chap_keys_changes_nothing)
{
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	ck_assert_int_eq(chap.state, CHAP_WAIT_A);
	ck_assert_uint_eq(out.len, 0);
}
END_TEST

static void mutual_setup(void)
{
	auth.out = (struct rt_chap_cred){FX_TUSER, FX_TSECRET};
}

START_TEST(chap_mutual_answers_the_initiator_challenge)
{
	mutual_setup();
	for (unsigned alg = 5; alg <= 8; alg++) {
		chap_init(&chap, &auth);
		text_buf_reset(&out);
		respond(alg, FX_USER, FX_SECRET);
		uint8_t ic[20];
		for (int i = 0; i < 20; i++)
			ic[i] = (uint8_t)(200 - i);
		key(P_CHAP_I, "201");
		key(P_CHAP_C, fx_hex(ic, sizeof(ic)));
		ck_assert_int_eq(step(), CHAP_SUCCESS);
		ck_assert_str_eq(got("CHAP_N"), FX_TUSER);
		uint8_t want[RT_CHAP_DIGEST_MAX], r[RT_CHAP_DIGEST_MAX];
		size_t wl = fx_chap_digest(alg, 201, FX_TSECRET, ic, sizeof(ic), want);
		ck_assert_uint_eq(fx_unhex(got("CHAP_R"), r, sizeof(r)), wl);
		ck_assert_mem_eq(r, want, wl);
	}
}
END_TEST

START_TEST(chap_mutual_refuses_our_own_challenge_reflected)
{
	mutual_setup();
	key(P_CHAP_A, "5");
	ck_assert_int_eq(step(), CHAP_CONTINUE);
	char ours_c[2 * RT_CHAP_CHALLENGE_LEN + 3];
	strcpy(ours_c, got("CHAP_C"));
	uint8_t id = (uint8_t)strtoul(got("CHAP_I"), NULL, 10);
	uint8_t chal[RT_CHAP_CHALLENGE_LEN], d[RT_CHAP_DIGEST_MAX];
	fx_unhex(ours_c, chal, sizeof(chal));
	size_t dl = fx_chap_digest(5, id, FX_SECRET, chal, sizeof(chal), d);
	key(P_CHAP_N, FX_USER);
	char r[80];
	strcpy(r, fx_hex(d, dl));
	key(P_CHAP_R, r);
	key(P_CHAP_I, "1");
	key(P_CHAP_C, ours_c);
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_REFLECTED);
}
END_TEST

START_TEST(chap_mutual_needs_target_credentials)
{
	respond(CHAP_ALG_MD5, FX_USER, FX_SECRET);
	key(P_CHAP_I, "1");
	key(P_CHAP_C, "0x0102030405060708");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_NO_TARGET_AUTH);
}
END_TEST

START_TEST(chap_mutual_needs_identifier_and_challenge_together)
{
	mutual_setup();
	respond(CHAP_ALG_MD5, FX_USER, FX_SECRET);
	key(P_CHAP_I, "1");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_MISSING_KEY);
}
END_TEST

START_TEST(chap_mutual_refuses_identifier_out_of_range)
{
	mutual_setup();
	respond(CHAP_ALG_MD5, FX_USER, FX_SECRET);
	key(P_CHAP_I, "256");
	key(P_CHAP_C, "0x0102030405060708");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_BAD_IDENTIFIER);
}
END_TEST

START_TEST(chap_mutual_bounds_the_initiator_challenge)
{
	mutual_setup();
	static uint8_t big[RT_CHAP_CHALLENGE_MAX + 1];
	static char hex[2 * (RT_CHAP_CHALLENGE_MAX + 1) + 3];
	memset(big, 0x5a, sizeof(big));
	respond(CHAP_ALG_MD5, FX_USER, FX_SECRET);
	key(P_CHAP_I, "1");
	strcpy(hex, fx_hex(big, RT_CHAP_CHALLENGE_MAX + 1));
	key(P_CHAP_C, hex);
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_BAD_CHALLENGE);

	chap_init(&chap, &auth); /* exactly the maximum is fine */
	respond(CHAP_ALG_MD5, FX_USER, FX_SECRET);
	key(P_CHAP_I, "1");
	strcpy(hex, fx_hex(big, RT_CHAP_CHALLENGE_MAX));
	key(P_CHAP_C, hex);
	ck_assert_int_eq(step(), CHAP_SUCCESS);
}
END_TEST

START_TEST(chap_mutual_refuses_malformed_challenge)
{
	mutual_setup();
	respond(CHAP_ALG_MD5, FX_USER, FX_SECRET);
	key(P_CHAP_I, "1");
	key(P_CHAP_C, "0x");
	ck_assert_int_eq(step(), CHAP_FAILURE);
	ck_assert_int_eq(chap.why, CHAP_FAIL_BAD_CHALLENGE);
}
END_TEST

START_TEST(chap_short_and_empty_secrets_never_crash)
{
	auth.in.secret = "";
	respond(CHAP_ALG_MD5, FX_USER, "");
	ck_assert_int_eq(step(), CHAP_SUCCESS);
	auth.in.secret = NULL;
	chap_init(&chap, &auth);
	respond(CHAP_ALG_MD5, FX_USER, "");
	ck_assert_int_eq(step(), CHAP_SUCCESS);
}
END_TEST

Suite *suite_chap(void);
Suite *suite_chap(void)
{
	Suite *s = suite_create("chap");
	TCase *tc = tcase_create("chap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, chap_digest_lengths_per_algorithm);
	tcase_add_test(tc, chap_response_matches_known_vectors);
	tcase_add_test(tc, chap_response_with_missing_secret_hashes_as_empty);
	tcase_add_test(tc, chap_picks_first_supported_algorithm_in_initiator_order);
	tcase_add_test(tc, chap_skips_malformed_algorithm_values);
	tcase_add_test(tc, chap_fails_without_a_supported_algorithm);
	tcase_add_test(tc, chap_challenge_is_random_and_full_length);
	tcase_add_test(tc, chap_accepts_the_right_response_for_every_algorithm);
	tcase_add_test(tc, chap_refuses_wrong_secret);
	tcase_add_test(tc, chap_refuses_wrong_user);
	tcase_add_test(tc, chap_compares_user_names_exactly);
	tcase_add_test(tc, chap_refuses_response_of_wrong_length);
	tcase_add_test(tc, chap_refuses_oversized_response_without_overflow);
	tcase_add_test(tc, chap_refuses_malformed_response);
	tcase_add_test(tc, chap_accepts_response_in_base64);
	tcase_add_test(tc, chap_requires_name_and_response_together);
	tcase_add_test(tc, chap_refuses_keys_out_of_their_step);
	tcase_add_test(tc, chap_a_message_without_chap_keys_changes_nothing);
	tcase_add_test(tc, chap_mutual_answers_the_initiator_challenge);
	tcase_add_test(tc, chap_mutual_refuses_our_own_challenge_reflected);
	tcase_add_test(tc, chap_mutual_needs_target_credentials);
	tcase_add_test(tc, chap_mutual_needs_identifier_and_challenge_together);
	tcase_add_test(tc, chap_mutual_refuses_identifier_out_of_range);
	tcase_add_test(tc, chap_mutual_bounds_the_initiator_challenge);
	tcase_add_test(tc, chap_mutual_refuses_malformed_challenge);
	tcase_add_test(tc, chap_short_and_empty_secrets_never_crash);
	suite_add_tcase(s, tc);
	return s;
}
