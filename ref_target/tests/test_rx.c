/* The incremental receiver: any split, many PDUs at once, digests,
 * padding, discard and zero-copy reads. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"
#include "core/pdu.h"
#include "core/rx.h"

#define MAXP 16

struct seen {
	int headers, pdus;
	bool hdr_ok[MAXP], data_ok[MAXP];
	uint8_t opcode[MAXP];
	uint32_t dsl[MAXP];
	uint8_t data[MAXP][600];
	bool discard_second; /* header callback discards PDU #1's data */
	int stop_after;      /* stop at this PDU count (0: never) */
};

static enum rx_verdict h_header(void *owner, struct rx *rx, bool ok, uint8_t **dst)
{
	struct seen *s = owner;
	int i = s->headers++;
	s->hdr_ok[i] = ok;
	s->opcode[i] = pdu_opcode(rx->hdr);
	s->dsl[i] = rx->dsl;
	*dst = (s->discard_second && i == 1) ? NULL : s->data[i];
	return ok ? RX_GO : RX_STOP;
}

static enum rx_verdict h_pdu(void *owner, struct rx *rx, bool ok)
{
	struct seen *s = owner;
	(void)rx;
	s->data_ok[s->pdus++] = ok;
	return (s->stop_after && s->pdus == s->stop_after) ? RX_STOP : RX_GO;
}

static const struct rx_ops ops = { h_header, h_pdu };

/* Append one PDU (opcode, data of len bytes filled with fill) to out. */
static size_t put_pdu(uint8_t *out, uint8_t opcode, uint32_t ahs_words, uint32_t len, uint8_t fill,
		      bool hd, bool dd)
{
	size_t n = 0;
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, opcode, 0x80);
	bhs[PDU_TOTAL_AHS_LEN] = (uint8_t)ahs_words;
	pdu_set_dsl(bhs, len);
	memcpy(out, bhs, sizeof(bhs));
	n += sizeof(bhs);
	memset(out + n, 0x5a, ahs_words * 4);
	n += ahs_words * 4;
	if (hd) {
		crc32c_put(out + n, crc32c(out, n));
		n += 4;
	}
	size_t d0 = n;
	memset(out + n, fill, len);
	n += len;
	memset(out + n, 0, pdu_pad(len));
	n += pdu_pad(len);
	if (dd && len > 0) {
		crc32c_put(out + n, crc32c(out + d0, n - d0));
		n += 4;
	}
	return n;
}

static size_t three_pdus(uint8_t *buf, bool hd, bool dd)
{
	size_t n = 0;
	n += put_pdu(buf + n, ISCSI_OP_NOP_OUT, 0, 5, 0x11, hd, dd);
	n += put_pdu(buf + n, ISCSI_OP_SCSI_CMD, 2, 0, 0, hd, dd);
	n += put_pdu(buf + n, ISCSI_OP_TEXT_REQ, 0, 512, 0x33, hd, dd);
	return n;
}

static void check_three(const struct seen *s)
{
	ck_assert_int_eq(s->pdus, 3);
	ck_assert_uint_eq(s->opcode[0], ISCSI_OP_NOP_OUT);
	ck_assert_uint_eq(s->opcode[1], ISCSI_OP_SCSI_CMD);
	ck_assert_uint_eq(s->opcode[2], ISCSI_OP_TEXT_REQ);
	ck_assert_uint_eq(s->dsl[0], 5);
	ck_assert_uint_eq(s->dsl[2], 512);
	for (int i = 0; i < 3; i++)
		ck_assert(s->hdr_ok[i] && s->data_ok[i]);
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(s->data[0][i], 0x11);
	for (int i = 0; i < 512; i++)
		ck_assert_uint_eq(s->data[2][i], 0x33);
}

START_TEST(rx_parses_pdus_split_at_every_boundary)
{
	for (int digests = 0; digests < 4; digests++) {
		bool hd = digests & 1, dd = digests & 2;
		uint8_t buf[2048];
		size_t n = three_pdus(buf, hd, dd);
		for (size_t step = 1; step <= n; step = step < 64 ? step + 1 : step * 2) {
			struct seen s = { 0 };
			struct rx rx;
			rx_init(&rx, &ops, &s);
			rx.header_digest = hd;
			rx.data_digest = dd;
			for (size_t off = 0; off < n; off += step)
				ck_assert_uint_eq(rx_feed(&rx, buf + off, off + step > n ? n - off : step),
						  off + step > n ? n - off : step);
			check_three(&s);
			ck_assert_int_eq(rx.state, RX_BHS);
		}
	}
}
END_TEST

START_TEST(rx_detects_a_wrong_header_digest_and_stops)
{
	uint8_t buf[2048];
	size_t n = three_pdus(buf, true, false);
	buf[3] ^= 1; /* inside the first BHS */
	struct seen s = { 0 };
	struct rx rx;
	rx_init(&rx, &ops, &s);
	rx.header_digest = true;
	size_t used = rx_feed(&rx, buf, n);
	ck_assert_uint_lt(used, n);
	ck_assert(!s.hdr_ok[0]);
	ck_assert_int_eq(s.pdus, 0);
	ck_assert_int_eq(rx.state, RX_STOPPED);
	ck_assert_uint_eq(rx_feed(&rx, buf, n), 0);
}
END_TEST

START_TEST(rx_detects_a_wrong_data_digest_including_padding)
{
	uint8_t buf[2048];
	size_t n = put_pdu(buf, ISCSI_OP_NOP_OUT, 0, 5, 0x11, false, true);
	buf[ISCSI_BHS_LEN + 6] = 1; /* a padding byte: covered by the digest */
	struct seen s = { 0 };
	struct rx rx;
	rx_init(&rx, &ops, &s);
	rx.data_digest = true;
	ck_assert_uint_eq(rx_feed(&rx, buf, n), n);
	ck_assert_int_eq(s.pdus, 1);
	ck_assert(!s.data_ok[0]);
}
END_TEST

START_TEST(rx_discards_data_when_told_and_keeps_parsing)
{
	uint8_t buf[2048];
	size_t n = 0;
	n += put_pdu(buf + n, ISCSI_OP_NOP_OUT, 0, 5, 0x11, false, false);
	n += put_pdu(buf + n, ISCSI_OP_NOP_OUT, 0, 300, 0x22, false, false);
	n += put_pdu(buf + n, ISCSI_OP_NOP_OUT, 0, 7, 0x44, false, false);
	struct seen s = { .discard_second = true };
	struct rx rx;
	rx_init(&rx, &ops, &s);
	ck_assert_uint_eq(rx_feed(&rx, buf, n), n);
	ck_assert_int_eq(s.pdus, 3);
	ck_assert_uint_eq(s.data[1][0], 0);
	ck_assert_uint_eq(s.data[2][6], 0x44);
}
END_TEST

START_TEST(rx_offers_direct_room_only_inside_a_data_segment)
{
	uint8_t buf[2048];
	size_t n = three_pdus(buf, false, true);
	struct seen s = { 0 };
	struct rx rx;
	rx_init(&rx, &ops, &s);
	rx.data_digest = true;
	uint8_t *dst;
	ck_assert_uint_eq(rx_direct_space(&rx, &dst), 0);
	size_t off = 0;
	while (off < n) {
		size_t room = rx_direct_space(&rx, &dst);
		if (room > 0) {
			/* copy as the environment's read would, in two parts */
			size_t a = room / 2 ? room / 2 : room;
			memcpy(dst, buf + off, a);
			rx_direct_commit(&rx, a);
			off += a;
		} else {
			size_t take = n - off < 3 ? n - off : 3;
			off += rx_feed(&rx, buf + off, take);
		}
	}
	check_three(&s);
}
END_TEST

START_TEST(rx_stops_when_the_owner_says_so)
{
	uint8_t buf[2048];
	size_t n = three_pdus(buf, false, false);
	struct seen s = { .stop_after = 1 };
	struct rx rx;
	rx_init(&rx, &ops, &s);
	size_t used = rx_feed(&rx, buf, n);
	ck_assert_int_eq(s.pdus, 1);
	ck_assert_uint_eq(used, ISCSI_BHS_LEN + 8);
}
END_TEST

Suite *suite_rx(void)
{
	Suite *s = suite_create("rx");
	TCase *tc = tcase_create("rx");
	tcase_add_test(tc, rx_parses_pdus_split_at_every_boundary);
	tcase_add_test(tc, rx_detects_a_wrong_header_digest_and_stops);
	tcase_add_test(tc, rx_detects_a_wrong_data_digest_including_padding);
	tcase_add_test(tc, rx_discards_data_when_told_and_keeps_parsing);
	tcase_add_test(tc, rx_offers_direct_room_only_inside_a_data_segment);
	tcase_add_test(tc, rx_stops_when_the_owner_says_so);
	suite_add_tcase(s, tc);
	return s;
}
