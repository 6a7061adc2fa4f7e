/* test_scsi_medium: START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL
 * (scsi/medium.c). */
#include <check.h>
#include <string.h>

#include "test_scsi_harness.h"

static struct th t;

static void setup(void)
{
	th_init(&t, 1024, 512, RT_LU_REMOVABLE);
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

static int ssu(uint8_t power, bool loej, bool start)
{
	uint8_t cdb[6] = {0x1b, 0, 0, 0, (uint8_t)(power << 4 | (loej ? 2 : 0) | (start ? 1 : 0)), 0};
	return th_run(&t, cdb, 6, NULL, 0);
}

static int prevent(uint8_t v)
{
	uint8_t cdb[6] = {0x1e, 0, 0, 0, v, 0};
	return th_run(&t, cdb, 6, NULL, 0);
}

static int tur(void)
{
	uint8_t cdb[6] = {0};
	return th_run(&t, cdb, 6, NULL, 0);
}

START_TEST(eject_makes_medium_access_not_ready_until_loaded)
{
	uint8_t r[16];
	ck_assert_int_eq(ssu(0, true, false), SCSI_STATUS_GOOD);
	tur();
	ck_assert(th_check(&t, 0x2, 0x3a, 0x00));
	th_cdb_rw(r, 0x28, 0, 1);
	th_run(&t, r, 10, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x3a, 0x00));
	uint8_t rc[10] = {0x25};
	th_run(&t, rc, 10, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x3a, 0x00));
	/* INQUIRY and MODE SENSE still answer */
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	/* REQUEST SENSE tells why */
	uint8_t rs[6] = {0x03, 0, 0, 0, 18, 0};
	ck_assert_int_eq(th_run(&t, rs, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[2], 0x2);
	ck_assert_uint_eq(t.buf[12], 0x3a);
	ck_assert_int_eq(ssu(0, true, true), SCSI_STATUS_GOOD);
	ck_assert_int_eq(tur(), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(start_and_stop_without_loej_or_with_a_power_condition_change_nothing)
{
	ck_assert_int_eq(ssu(0, false, false), SCSI_STATUS_GOOD);
	ck_assert_int_eq(tur(), SCSI_STATUS_GOOD);
	for (uint8_t pc = 1; pc < 16; pc++) {
		ck_assert_int_eq(ssu(pc, true, false), SCSI_STATUS_GOOD);
		ck_assert_int_eq(tur(), SCSI_STATUS_GOOD);
	}
}
END_TEST

START_TEST(prevention_blocks_eject_and_load_from_every_nexus)
{
	ck_assert_int_eq(prevent(1), SCSI_STATUS_GOOD);
	ssu(0, true, false);
	ck_assert(th_check(&t, 0x5, 0x53, 0x02));
	ck_assert_int_eq(tur(), SCSI_STATUS_GOOD);
	struct scsi_nexus me = t.nexus;
	t.nexus.rel_port = 9;
	th_clear_ua(&t);
	ssu(0, true, false);
	ck_assert(th_check(&t, 0x5, 0x53, 0x02));
	t.nexus = me;
	ck_assert_int_eq(prevent(0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(ssu(0, true, false), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prevent(1), SCSI_STATUS_GOOD);
	ssu(0, true, true);
	ck_assert(th_check(&t, 0x5, 0x53, 0x02));
	prevent(0);
	ck_assert_int_eq(ssu(0, true, true), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(prevention_ends_with_nexus_loss_and_resets)
{
	prevent(1);
	scsi_nexus_lost(t.lu, &t.nexus);
	th_clear_ua(&t);
	ck_assert_int_eq(ssu(0, true, false), SCSI_STATUS_GOOD);
	ssu(0, true, true);
	prevent(1);
	scsi_lu_reset(t.lu, &t.nexus);
	th_clear_ua(&t);
	ck_assert_int_eq(ssu(0, true, false), SCSI_STATUS_GOOD);
	ssu(0, true, true);
	prevent(1);
	scsi_target_reset(t.lu, &t.nexus, true);
	th_clear_ua(&t);
	ck_assert_int_eq(ssu(0, true, false), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(loading_tells_other_nexuses_the_medium_may_have_changed)
{
	struct scsi_nexus me = t.nexus;
	t.nexus.rel_port = 2;
	th_clear_ua(&t);
	t.nexus = me;
	ssu(0, true, false);
	ssu(0, true, true);
	ck_assert_int_eq(tur(), SCSI_STATUS_GOOD);
	t.nexus.rel_port = 2;
	tur();
	ck_assert(th_check(&t, 0x6, 0x28, 0x00));
}
END_TEST

START_TEST(obsolete_prevent_values_are_invalid)
{
	prevent(2);
	ck_assert(th_check_field(&t, 4, 1));
	prevent(3);
	ck_assert(th_check_field(&t, 4, 1));
}
END_TEST

START_TEST(a_fixed_disk_cannot_be_ejected)
{
	th_fini(&t);
	th_init(&t, 1024, 512, 0);
	th_clear_ua(&t);
	ssu(0, true, false);
	ck_assert(th_check_field(&t, 4, 1));
	ck_assert_int_eq(ssu(0, false, true), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prevent(1), SCSI_STATUS_GOOD);
}
END_TEST

Suite *suite_scsi_medium(void)
{
	Suite *s = suite_create("scsi_medium");
	TCase *tc = tcase_create("medium");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, eject_makes_medium_access_not_ready_until_loaded);
	tcase_add_test(tc, start_and_stop_without_loej_or_with_a_power_condition_change_nothing);
	tcase_add_test(tc, prevention_blocks_eject_and_load_from_every_nexus);
	tcase_add_test(tc, prevention_ends_with_nexus_loss_and_resets);
	tcase_add_test(tc, loading_tells_other_nexuses_the_medium_may_have_changed);
	tcase_add_test(tc, obsolete_prevent_values_are_invalid);
	tcase_add_test(tc, a_fixed_disk_cannot_be_ejected);
	suite_add_tcase(s, tc);
	return s;
}
