/* test_scsi_alua: target port groups, REPORT/SET TARGET PORT GROUPS and
 * what each asymmetric access state lets through (scsi/alua.c). */
#include <check.h>
#include <string.h>

#include "scsi/alua.h"
#include "scsi/bytes.h"
#include "test_scsi_harness.h"

static struct th t;
static struct scsi_nexus P1, P2; /* one initiator through two portal groups */

static void setup(void)
{
	th_init(&t, 1024, 512, 0);
	P1 = t.nexus;
	P2 = P1;
	P2.tpg_tag = 2;
	P2.rel_port = 2;
	t.nexus = P2;
	th_clear_ua(&t);
	t.nexus = P1;
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

static int rtpg(uint8_t format)
{
	uint8_t cdb[12] = {0xa3, (uint8_t)(format << 5 | 0x0a)};
	put_be32(cdb + 6, 1024);
	return th_run(&t, cdb, 12, NULL, 0);
}

static int stpg(uint8_t state, uint16_t group)
{
	uint8_t list[8] = {0, 0, 0, 0, state, 0};
	put_be16(list + 6, group);
	uint8_t cdb[12] = {0xa4, 0x0a};
	put_be32(cdb + 6, sizeof(list));
	return th_run(&t, cdb, 12, list, sizeof(list));
}

/* The descriptor of group 'id' in the last REPORT TARGET PORT GROUPS. */
static const uint8_t *group_desc(uint16_t id, uint32_t hdr)
{
	uint32_t len = 4 + get_be32(t.buf);
	for (uint32_t off = hdr; off < len; off += 8u + 4u * t.buf[off + 7])
		if (get_be16(t.buf + off + 2) == id)
			return t.buf + off;
	return NULL;
}

START_TEST(inquiry_claims_implicit_and_explicit_alua)
{
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	th_run(&t, inq, 6, NULL, 0);
	ck_assert_uint_eq(t.buf[5] & 0x30, 0x30);
}
END_TEST

START_TEST(report_lists_each_portal_group_with_its_ports_active_optimized)
{
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[4], 0x10); /* extended header */
	const uint8_t *g1 = group_desc(1, 8), *g2 = group_desc(2, 8);
	ck_assert_ptr_nonnull(g1);
	ck_assert_ptr_nonnull(g2);
	ck_assert_uint_eq(g1[0] & 0x0f, ALUA_ACTIVE_OPTIMIZED);
	ck_assert_uint_eq(g1[1], 0x8f);
	ck_assert_uint_eq(g1[7], 1);
	ck_assert_uint_eq(get_be16(g1 + 10), 1);
	ck_assert_uint_eq(get_be16(g2 + 10), 2);
	ck_assert_int_eq(rtpg(0), SCSI_STATUS_GOOD);
	ck_assert_ptr_nonnull(group_desc(2, 4));
	rtpg(2);
	ck_assert(th_check_field(&t, 1, 7));
}
END_TEST

START_TEST(standby_refuses_media_access_but_answers_management)
{
	ck_assert_int_eq(stpg(ALUA_STANDBY, 2), SCSI_STATUS_GOOD);
	t.nexus = P2;
	uint8_t tur[6] = {0}, r[16];
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x2a, 0x06)); /* told of the change first */
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0b));
	th_cdb_rw(r, 0x28, 0, 1);
	th_run(&t, r, 10, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0b));
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0}, ms[6] = {0x1a, 0x08, 0x3f, 0, 255, 0}, rc[10] = {0x25};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, ms, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, rc, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(group_desc(2, 8)[0] & 0x0f, ALUA_STANDBY);
	ck_assert_uint_eq(group_desc(2, 8)[5], 0x01); /* altered by SET TARGET PORT GROUPS */
	/* the other group is untouched, and its issuer got no UA */
	t.nexus = P1;
	ck_assert_int_eq(th_run(&t, r, 10, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(unavailable_and_transitioning_let_only_identification_through)
{
	uint8_t ms[6] = {0x1a, 0x08, 0x3f, 0, 255, 0}, rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	uint8_t rs[6] = {0x03, 0, 0, 0, 18, 0};
	stpg(ALUA_UNAVAILABLE, 2);
	t.nexus = P2;
	ck_assert_int_eq(th_run(&t, rs, 6, NULL, 0), SCSI_STATUS_GOOD); /* takes the UA */
	ck_assert_uint_eq(t.buf[12], 0x2a);
	th_run(&t, ms, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0c));
	ck_assert_int_eq(th_run(&t, rl, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(alua_set_state(t.lu, 2, ALUA_TRANSITIONING), 0);
	th_run(&t, ms, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x2a, 0x06));
	th_run(&t, ms, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0a));
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(group_desc(2, 8)[5], 0x02); /* implicit */
	ck_assert_int_eq(alua_set_state(t.lu, 2, ALUA_ACTIVE_NONOPTIMIZED), 0);
	th_run(&t, rs, 6, NULL, 0);
	ck_assert_int_eq(th_run(&t, ms, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(alua_set_state(t.lu, 9, ALUA_STANDBY), -1);
}
END_TEST

START_TEST(set_rejects_unknown_groups_and_states_and_changes_nothing)
{
	stpg(ALUA_TRANSITIONING, 2); /* not a state one may set */
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	stpg(ALUA_STANDBY, 7);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	uint8_t list[6] = {0};
	uint8_t cdb[12] = {0xa4, 0x0a};
	put_be32(cdb + 6, sizeof(list));
	th_run(&t, cdb, 12, list, sizeof(list));
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	rtpg(1);
	ck_assert_uint_eq(group_desc(2, 8)[0] & 0x0f, ALUA_ACTIVE_OPTIMIZED);
}
END_TEST

START_TEST(device_identification_names_the_same_group)
{
	uint8_t inq[6] = {0x12, 1, 0x83, 0x04, 0x00, 0};
	t.nexus = P2;
	th_run(&t, inq, 6, NULL, 0);
	uint32_t len = 4u + get_be16(t.buf + 2);
	bool found = false;
	for (uint32_t off = 4; off + 4 <= len; off += 4u + t.buf[off + 3])
		if ((t.buf[off + 1] & 0x0f) == 5)
			found = get_be16(t.buf + off + 6) == 2;
	ck_assert(found);
}
END_TEST

Suite *suite_scsi_alua(void)
{
	Suite *s = suite_create("scsi_alua");
	TCase *tc = tcase_create("alua");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, inquiry_claims_implicit_and_explicit_alua);
	tcase_add_test(tc, report_lists_each_portal_group_with_its_ports_active_optimized);
	tcase_add_test(tc, standby_refuses_media_access_but_answers_management);
	tcase_add_test(tc, unavailable_and_transitioning_let_only_identification_through);
	tcase_add_test(tc, set_rejects_unknown_groups_and_states_and_changes_nothing);
	tcase_add_test(tc, device_identification_names_the_same_group);
	suite_add_tcase(s, tc);
	return s;
}
