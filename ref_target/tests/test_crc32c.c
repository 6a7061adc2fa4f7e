/* CRC32C against RFC 3720 Appendix B.4, the library and the table. */
#include <check.h>
#include <string.h>

#include "core/crc32c.h"

static void check_vector(const uint8_t *buf, size_t len, uint32_t expect)
{
	ck_assert_uint_eq(crc32c_final(crc32c_update_sw(CRC32C_INIT, buf, len)), expect);
	ck_assert_uint_eq(crc32c_final(crc32c_update_lib(CRC32C_INIT, buf, len)), expect);
	ck_assert_uint_eq(crc32c(buf, len), expect);
}

START_TEST(crc32c_matches_rfc3720_b4_vectors)
{
	uint8_t buf[48];
	/* B.4: 32 bytes of zeroes -> aa 36 91 8a on the wire */
	memset(buf, 0, 32);
	check_vector(buf, 32, 0x8a9136aau);
	/* 32 bytes of 0xff -> 43 ab a8 62 */
	memset(buf, 0xff, 32);
	check_vector(buf, 32, 0x62a8ab43u);
	/* 32 incrementing bytes 00..1f -> 4e 79 dd 46 */
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	check_vector(buf, 32, 0x46dd794eu);
	/* 32 decrementing bytes 1f..00 -> 5c db 3f 11 */
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	check_vector(buf, 32, 0x113fdb5cu);
	/* An iSCSI Read (10) command PDU -> 56 3a 96 d9 */
	static const uint8_t read10[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18, 0x28, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	check_vector(read10, sizeof(read10), 0xd9963a56u);
}
END_TEST

START_TEST(crc32c_puts_digest_least_significant_byte_first)
{
	uint8_t zero[32] = { 0 }, wire[4];
	crc32c_put(wire, crc32c(zero, sizeof(zero)));
	ck_assert_uint_eq(wire[0], 0xaa);
	ck_assert_uint_eq(wire[1], 0x36);
	ck_assert_uint_eq(wire[2], 0x91);
	ck_assert_uint_eq(wire[3], 0x8a);
	ck_assert_uint_eq(crc32c_get(wire), 0x8a9136aau);
}
END_TEST

START_TEST(crc32c_is_the_same_split_at_any_point_and_on_both_paths)
{
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	uint32_t whole = crc32c(buf, sizeof(buf));
	for (size_t cut = 0; cut <= sizeof(buf); cut += 37) {
		uint32_t a = crc32c_update_lib(CRC32C_INIT, buf, cut);
		a = crc32c_update_sw(a, buf + cut, sizeof(buf) - cut);
		ck_assert_uint_eq(crc32c_final(a), whole);
	}
}
END_TEST

/* ISA-L switches code paths by length and alignment (folding blocks,
 * interleaved streams, a byte tail): every length up to a few pages, from
 * every start alignment, must agree with the table. */
START_TEST(crc32c_library_agrees_with_the_table_at_every_length_and_alignment)
{
	static uint8_t buf[9000];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; off + len <= sizeof(buf); len += len < 600 ? 1 : 97)
			ck_assert_uint_eq(crc32c_update_lib(0x12345678u, buf + off, len),
					  crc32c_update_sw(0x12345678u, buf + off, len));
}
END_TEST

Suite *suite_crc32c(void)
{
	Suite *s = suite_create("crc32c");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, crc32c_matches_rfc3720_b4_vectors);
	tcase_add_test(tc, crc32c_puts_digest_least_significant_byte_first);
	tcase_add_test(tc, crc32c_is_the_same_split_at_any_point_and_on_both_paths);
	tcase_add_test(tc, crc32c_library_agrees_with_the_table_at_every_length_and_alignment);
	suite_add_tcase(s, tc);
	return s;
}
