/* Tests of core/codec: RFC 7143 §6.1 hex, base64 and numerical values. */
#include <check.h>
#include <string.h>

#include "core/codec.h"

static enum codec_err dec(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	return codec_decode_binary(s, strlen(s), out, cap, n);
}

START_TEST(codec_decodes_hex_with_either_prefix_case)
{
	uint8_t b[8];
	size_t n;
	ck_assert_int_eq(dec("0x00ff10Ab", b, sizeof(b), &n), CODEC_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(b, "\x00\xff\x10\xab", 4);
	ck_assert_int_eq(dec("0X0a", b, sizeof(b), &n), CODEC_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(b[0], 0x0a);
}
END_TEST

START_TEST(codec_hex_with_odd_digits_has_implied_leading_zero)
{
	uint8_t b[4];
	size_t n;
	ck_assert_int_eq(dec("0xabc", b, sizeof(b), &n), CODEC_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(b, "\x0a\xbc", 2);
}
END_TEST

START_TEST(codec_refuses_bad_hex)
{
	uint8_t b[8];
	size_t n;
	ck_assert_int_eq(dec("0x", b, sizeof(b), &n), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(dec("0x12g4", b, sizeof(b), &n), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(dec("1234", b, sizeof(b), &n), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(dec("", b, sizeof(b), &n), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(dec("0x12 4", b, sizeof(b), &n), CODEC_ERR_SYNTAX);
}
END_TEST

START_TEST(codec_refuses_hex_longer_than_capacity_without_writing)
{
	uint8_t b[4] = {0xee, 0xee, 0xee, 0xee};
	size_t n = 99;
	ck_assert_int_eq(dec("0x0102030405", b, 4, &n), CODEC_ERR_TOO_LONG);
	ck_assert_mem_eq(b, "\xee\xee\xee\xee", 4);
	ck_assert_uint_eq(n, 99);
	ck_assert_int_eq(dec("0x01020304", b, 4, &n), CODEC_OK);
}
END_TEST

START_TEST(codec_decodes_base64_with_padding)
{
	uint8_t b[8];
	size_t n;
	ck_assert_int_eq(dec("0bTWFu", b, sizeof(b), &n), CODEC_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(b, "Man", 3);
	ck_assert_int_eq(dec("0BTWE=", b, sizeof(b), &n), CODEC_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(b, "Ma", 2);
	ck_assert_int_eq(dec("0bTQ==", b, sizeof(b), &n), CODEC_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_mem_eq(b, "M", 1);
	ck_assert_int_eq(dec("0b+/+/", b, sizeof(b), &n), CODEC_OK);
	ck_assert_mem_eq(b, "\xfb\xff\xbf", 3);
}
END_TEST

START_TEST(codec_refuses_bad_base64)
{
	uint8_t b[16];
	size_t n;
	ck_assert_int_eq(dec("0b", b, sizeof(b), &n), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(dec("0bTWF", b, sizeof(b), &n), CODEC_ERR_SYNTAX);   /* not 4k */
	ck_assert_int_eq(dec("0bT===", b, sizeof(b), &n), CODEC_ERR_SYNTAX);  /* 3 pads */
	ck_assert_int_eq(dec("0bTW=u", b, sizeof(b), &n), CODEC_ERR_SYNTAX);  /* pad inside */
	ck_assert_int_eq(dec("0bTW-u", b, sizeof(b), &n), CODEC_ERR_SYNTAX);  /* url alphabet */
	ck_assert_int_eq(dec("0b====", b, sizeof(b), &n), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(dec("0bTWFuTWFu", b, 5, &n), CODEC_ERR_TOO_LONG);
	ck_assert_int_eq(dec("0bTWFuTWFuTWFu", b, 8, &n), CODEC_ERR_TOO_LONG);
}
END_TEST

START_TEST(codec_hex_round_trips_every_length)
{
	uint8_t in[64], out[64];
	char text[2 * 64 + 3];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 1; len <= sizeof(in); len++) {
		size_t tl = codec_encode_hex(in, len, text, sizeof(text));
		ck_assert_uint_eq(tl, 2 + 2 * len);
		ck_assert_uint_eq(strlen(text), tl);
		size_t n;
		ck_assert_int_eq(codec_decode_binary(text, tl, out, sizeof(out), &n), CODEC_OK);
		ck_assert_uint_eq(n, len);
		ck_assert_mem_eq(in, out, len);
	}
}
END_TEST

START_TEST(codec_base64_round_trips_every_length)
{
	uint8_t in[64], out[64];
	char text[2 * 64 + 3];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(255 - i * 13);
	for (size_t len = 1; len <= sizeof(in); len++) {
		size_t tl = codec_encode_base64(in, len, text, sizeof(text));
		ck_assert_uint_eq(tl, 2 + (len + 2) / 3 * 4);
		size_t n;
		ck_assert_int_eq(codec_decode_binary(text, tl, out, sizeof(out), &n), CODEC_OK);
		ck_assert_uint_eq(n, len);
		ck_assert_mem_eq(in, out, len);
	}
}
END_TEST

START_TEST(codec_encoders_refuse_small_buffers)
{
	uint8_t in[4] = {1, 2, 3, 4};
	char text[16];
	ck_assert_uint_eq(codec_encode_hex(in, 4, text, 10), 0);
	ck_assert_uint_eq(codec_encode_hex(in, 4, text, 11), 10);
	ck_assert_str_eq(text, "0x01020304");
	ck_assert_uint_eq(codec_encode_base64(in, 4, text, 10), 0);
	ck_assert_uint_eq(codec_encode_base64(in, 4, text, 11), 10);
	ck_assert_str_eq(text, "0bAQIDBA==");
}
END_TEST

static enum codec_err num(const char *s, uint64_t *v)
{
	return codec_parse_number(s, strlen(s), v);
}

START_TEST(codec_parses_decimal_and_hex_numbers)
{
	uint64_t v;
	ck_assert_int_eq(num("0", &v), CODEC_OK);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(num("262144", &v), CODEC_OK);
	ck_assert_uint_eq(v, 262144);
	ck_assert_int_eq(num("0x40000", &v), CODEC_OK);
	ck_assert_uint_eq(v, 262144);
	ck_assert_int_eq(num("18446744073709551615", &v), CODEC_OK);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(num("0xffffffffffffffff", &v), CODEC_OK);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(codec_refuses_numbers_out_of_form_or_range)
{
	uint64_t v;
	ck_assert_int_eq(num("", &v), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(num("0123", &v), CODEC_ERR_SYNTAX); /* §6.1: no leading zero */
	ck_assert_int_eq(num("-1", &v), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(num("12a", &v), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(num("0x", &v), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(num("+5", &v), CODEC_ERR_SYNTAX);
	ck_assert_int_eq(num("18446744073709551616", &v), CODEC_ERR_RANGE);
	ck_assert_int_eq(num("0x10000000000000000", &v), CODEC_ERR_RANGE);
	ck_assert_int_eq(num("99999999999999999999999", &v), CODEC_ERR_RANGE);
}
END_TEST

Suite *suite_codec(void);
Suite *suite_codec(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, codec_decodes_hex_with_either_prefix_case);
	tcase_add_test(tc, codec_hex_with_odd_digits_has_implied_leading_zero);
	tcase_add_test(tc, codec_refuses_bad_hex);
	tcase_add_test(tc, codec_refuses_hex_longer_than_capacity_without_writing);
	tcase_add_test(tc, codec_decodes_base64_with_padding);
	tcase_add_test(tc, codec_refuses_bad_base64);
	tcase_add_test(tc, codec_hex_round_trips_every_length);
	tcase_add_test(tc, codec_base64_round_trips_every_length);
	tcase_add_test(tc, codec_encoders_refuse_small_buffers);
	tcase_add_test(tc, codec_parses_decimal_and_hex_numbers);
	tcase_add_test(tc, codec_refuses_numbers_out_of_form_or_range);
	suite_add_tcase(s, tc);
	return s;
}
