/* test_scsi_pr_codec: the persistent reservation state as bytes
 * (scsi/pr_codec.c), the record APTPL saves and gateways share through
 * RADOS: a round trip keeps everything, the largest state fits PR_SAVE_MAX
 * exactly, and every malformed record is refused by name, whatever byte
 * is cut or changed. No Ceph, no LU: the codec alone. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "scsi/bytes.h"
#include "scsi/pr.h"

static uint8_t rec[PR_SAVE_MAX + 16];
static struct pr_state st, back;

static void reg_set(struct pr_state *s, uint32_t i, const char *port, uint16_t rel, uint64_t key)
{
	s->reg[i].used = true;
	s->reg[i].rel_port = rel;
	s->reg[i].key = key;
	snprintf(s->reg[i].port, sizeof(s->reg[i].port), "%s", port);
}

/* Two registrations, the second (slot 5) holding Write Exclusive,
 * registrants only. */
static uint32_t small_record(void)
{
	memset(&st, 0, sizeof(st));
	st.generation = 7;
	st.aptpl = true;
	reg_set(&st, 2, "iqn.2026-12.test:a,i,0x23d000000001", 1, 0xa1);
	reg_set(&st, 5, "iqn.2026-12.test:b", 0, 0xb1);
	st.reserved = true;
	st.type = PR_WE_RO;
	st.holder = 5;
	return pr_encode(&st, rec);
}

START_TEST(a_record_round_trips_with_registrations_compacted)
{
	uint32_t n = small_record();
	ck_assert_int_eq(pr_decode(&back, rec, n), PR_CODEC_OK);
	ck_assert_uint_eq(back.generation, 7);
	ck_assert(back.aptpl && back.reserved);
	ck_assert_uint_eq(back.type, PR_WE_RO);
	ck_assert(back.reg[0].used && back.reg[1].used && !back.reg[2].used);
	ck_assert_str_eq(back.reg[0].port, st.reg[2].port);
	ck_assert_uint_eq(back.reg[0].rel_port, 1);
	ck_assert_uint_eq(back.reg[1].key, 0xb1);
	ck_assert_uint_eq(back.holder, 1); /* the same registration, at its new slot */
	/* and again: the compacted state encodes to the same bytes */
	uint8_t again[PR_SAVE_MAX];
	ck_assert_uint_eq(pr_encode(&back, again), n);
	ck_assert_mem_eq(again, rec, n);
}
END_TEST

START_TEST(the_fullest_state_fills_pr_save_max_exactly)
{
	memset(&st, 0, sizeof(st));
	for (uint32_t i = 0; i < PR_REG_MAX; i++) {
		char port[PR_PORT_MAX];
		memset(port, 'a', sizeof(port) - 1);
		port[sizeof(port) - 1] = '\0';
		snprintf(port, 16, "p%03u", i); /* unique, then 'a's to the end */
		port[strlen(port)] = 'a';
		reg_set(&st, i, port, (uint16_t)i, 0x1000 + i);
		ck_assert_uint_eq(strlen(st.reg[i].port), PR_PORT_MAX - 1);
	}
	st.reserved = true;
	st.type = PR_EA;
	st.holder = PR_REG_MAX - 1;
	st.generation = UINT32_MAX;
	uint32_t n = pr_encode(&st, rec);
	ck_assert_uint_eq(n, PR_SAVE_MAX);
	ck_assert_int_eq(pr_decode(&back, rec, n), PR_CODEC_OK);
	ck_assert_mem_eq(&back, &st, sizeof(st));
}
END_TEST

START_TEST(every_truncation_and_any_trailing_byte_are_refused)
{
	uint32_t n = small_record();
	for (uint32_t len = 0; len < n; len++)
		ck_assert_msg(pr_decode(&back, rec, len) != PR_CODEC_OK, "cut at %u accepted", len);
	ck_assert_int_eq(pr_decode(&back, rec, 3), PR_CODEC_SHORT);
	rec[n] = 0;
	ck_assert_int_eq(pr_decode(&back, rec, n + 1), PR_CODEC_TRAILING);
}
END_TEST

/* One field of the small record changed: the error it must give. */
START_TEST(each_malformed_field_is_refused_by_name)
{
	uint32_t n = small_record();
	uint32_t reg0 = 16, reg1 = reg0 + 12 + (uint32_t)strlen(st.reg[2].port);
	struct {
		uint32_t off;
		uint8_t val;
		enum pr_codec_err want;
	} cases[] = {
		{0, 'X', PR_CODEC_MAGIC},
		{3, '2', PR_CODEC_VERSION},      /* a format this build does not know */
		{8, 0x07, PR_CODEC_FLAGS},
		{9, 2, PR_CODEC_TYPE},           /* reserved, type 2 does not exist */
		{10, 0xff, PR_CODEC_COUNT},
		{11, 3, PR_CODEC_SHORT},         /* three registrations claimed, two held */
		{15, 2, PR_CODEC_HOLDER},        /* holder 2 of 2 */
		{reg0 + 10, 0xff, PR_CODEC_PORT}, /* port length past PR_PORT_MAX */
		{reg0 + 20, 0, PR_CODEC_PORT},   /* a NUL inside the port */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = small_record();
		rec[cases[i].off] = cases[i].val;
		enum pr_codec_err e = pr_decode(&back, rec, n);
		ck_assert_msg(e == cases[i].want, "case %zu: %s, want %s", i, pr_codec_err_name(e),
			      pr_codec_err_name(cases[i].want));
	}
	/* an empty port */
	n = small_record();
	memset(&st, 0, sizeof(st));
	reg_set(&st, 0, "x", 1, 1);
	n = pr_encode(&st, rec);
	put_be16(rec + 16 + 10, 0);
	ck_assert_int_eq(pr_decode(&back, rec, n - 1), PR_CODEC_PORT);
	/* the same I_T nexus twice (names compare without case) */
	memset(&st, 0, sizeof(st));
	reg_set(&st, 0, "iqn.2026-12.test:a", 1, 1);
	reg_set(&st, 1, "IQN.2026-12.TEST:A", 1, 2);
	n = pr_encode(&st, rec);
	ck_assert_int_eq(pr_decode(&back, rec, n), PR_CODEC_DUPLICATE);
	reg_set(&st, 1, "IQN.2026-12.TEST:A", 2, 2); /* another target port: fine */
	n = pr_encode(&st, rec);
	ck_assert_int_eq(pr_decode(&back, rec, n), PR_CODEC_OK);
	(void)reg1;
}
END_TEST

START_TEST(an_all_registrants_reservation_needs_no_holder)
{
	memset(&st, 0, sizeof(st));
	reg_set(&st, 0, "iqn.2026-12.test:a", 1, 1);
	st.reserved = true;
	st.type = PR_EA_AR;
	st.holder = PR_NONE;
	uint32_t n = pr_encode(&st, rec);
	ck_assert_int_eq(pr_decode(&back, rec, n), PR_CODEC_OK);
	ck_assert(back.reserved && back.type == PR_EA_AR);
}
END_TEST

/* Any byte of a valid record changed to any value: decode never reads
 * past the record (ASan) and what it accepts keeps the invariants the
 * reservation code relies on. */
START_TEST(no_single_byte_change_breaks_the_invariants)
{
	uint32_t n = small_record();
	uint8_t orig[PR_SAVE_MAX];
	memcpy(orig, rec, n);
	for (uint32_t off = 0; off < n; off++)
		for (unsigned v = 0; v < 256; v++) {
			memcpy(rec, orig, n);
			rec[off] = (uint8_t)v;
			if (pr_decode(&back, rec, n) != PR_CODEC_OK)
				continue;
			uint32_t count = 0;
			for (uint32_t i = 0; i < PR_REG_MAX; i++) {
				count += back.reg[i].used;
				if (back.reg[i].used)
					ck_assert(strlen(back.reg[i].port) > 0);
			}
			if (back.reserved) {
				ck_assert(pr_type_valid(back.type));
				ck_assert(pr_type_all_registrants(back.type) || back.holder < count);
			}
		}
}
END_TEST

START_TEST(every_error_has_its_own_name)
{
	for (int a = PR_CODEC_OK; a <= PR_CODEC_HOLDER; a++) {
		ck_assert_str_ne(pr_codec_err_name((enum pr_codec_err)a), "unknown error");
		for (int b = a + 1; b <= PR_CODEC_HOLDER; b++)
			ck_assert_str_ne(pr_codec_err_name((enum pr_codec_err)a), pr_codec_err_name((enum pr_codec_err)b));
	}
	/* a value outside the enum (a log line must still say something) */
	ck_assert_str_eq(pr_codec_err_name((enum pr_codec_err)(PR_CODEC_HOLDER + 1)), "unknown error");
}
END_TEST

Suite *suite_scsi_pr_codec(void)
{
	Suite *s = suite_create("scsi_pr_codec");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, a_record_round_trips_with_registrations_compacted);
	tcase_add_test(tc, the_fullest_state_fills_pr_save_max_exactly);
	tcase_add_test(tc, every_truncation_and_any_trailing_byte_are_refused);
	tcase_add_test(tc, each_malformed_field_is_refused_by_name);
	tcase_add_test(tc, an_all_registrants_reservation_needs_no_holder);
	tcase_add_test(tc, no_single_byte_change_breaks_the_invariants);
	tcase_add_test(tc, every_error_has_its_own_name);
	suite_add_tcase(s, tc);
	return s;
}
