/* test_scsi_pr_state: persistent reservations saved with APTPL (SPC-4
 * §5.13.5) and read back at power on, when what the environment's store
 * gives back is damaged: every malformed record is refused whole (nothing
 * restored, a warning logged), never half applied. The record is
 * scsi/pr.c's own format: header (magic, generation, flags, type, count,
 * holder), then per registration rel_port, key, port length, port. */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "test_scsi_harness.h"

static struct th t;

static void setup(void)
{
	th_init(&t, 1024, 512, 0);
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

static int prout(uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey, uint8_t flags)
{
	uint8_t list[24] = {0};
	put_be64(list, key);
	put_be64(list + 8, sakey);
	list[20] = flags;
	uint8_t cdb[10] = {0x5f, sa, type};
	put_be32(cdb + 5, sizeof(list));
	return th_run(&t, cdb, 10, list, sizeof(list));
}

static uint32_t key_count(void)
{
	uint8_t cdb[10] = {0x5e, 0};
	put_be16(cdb + 7, 8192);
	ck_assert_int_eq(th_run(&t, cdb, 10, NULL, 0), SCSI_STATUS_GOOD);
	return get_be32(t.buf + 4) / 8;
}

/* The one saved record: registered with APTPL and holding a Write
 * Exclusive reservation. */
static uint8_t *saved(size_t *len)
{
	ck_assert_int_eq(prout(6, 0, 0, 0xa1, 0x01), SCSI_STATUS_GOOD); /* REGISTER, APTPL */
	ck_assert_int_eq(prout(1, 1, 0xa1, 0, 0), SCSI_STATUS_GOOD);    /* RESERVE, WE */
	for (unsigned i = 0; i < FAKE_STATE_KEYS; i++)
		if (t.fe.state[i].val != NULL) {
			*len = t.fe.state[i].len;
			return t.fe.state[i].val;
		}
	ck_abort_msg("nothing saved");
	return NULL;
}

/* Power cycle; the registration came back or not. */
static bool restored(void)
{
	unsigned logs = t.fe.logs;
	th_lu_recreate(&t);
	th_clear_ua(&t);
	bool back = key_count() == 1;
	if (!back) {
		ck_assert_uint_gt(t.fe.logs, logs);
		ck_assert_ptr_nonnull(strstr(t.fe.last_log, "saved persistent reservations unreadable"));
	}
	return back;
}

START_TEST(an_intact_record_is_restored)
{
	size_t len;
	saved(&len);
	ck_assert(restored());
}
END_TEST

START_TEST(a_record_shorter_than_its_header_is_not_restored)
{
	size_t len;
	saved(&len);
	for (unsigned i = 0; i < FAKE_STATE_KEYS; i++)
		if (t.fe.state[i].val != NULL)
			t.fe.state[i].len = 8;
	ck_assert(!restored());
}
END_TEST

START_TEST(a_record_with_a_wrong_magic_is_not_restored)
{
	size_t len;
	uint8_t *rec = saved(&len);
	rec[0] ^= 0xff;
	ck_assert(!restored());
}
END_TEST

START_TEST(a_record_claiming_more_registrations_than_the_table_is_not_restored)
{
	size_t len;
	uint8_t *rec = saved(&len);
	put_be16(rec + 10, 65); /* PR_REG_MAX + 1 */
	ck_assert(!restored());
}
END_TEST

START_TEST(a_record_claiming_more_registrations_than_it_holds_is_not_restored)
{
	size_t len;
	uint8_t *rec = saved(&len);
	put_be16(rec + 10, 2); /* one is there */
	ck_assert(!restored());
}
END_TEST

START_TEST(a_registration_whose_port_runs_past_the_record_is_not_restored)
{
	size_t len;
	uint8_t *rec = saved(&len);
	put_be16(rec + 16 + 10, (uint16_t)(len - 16 - 12 + 1)); /* one byte more than left */
	ck_assert(!restored());
	rec = saved(&len);
	put_be16(rec + 16 + 10, 0xffff); /* longer than any initiator port */
	ck_assert(!restored());
}
END_TEST

START_TEST(a_reservation_held_by_a_missing_registration_is_not_restored)
{
	size_t len;
	uint8_t *rec = saved(&len);
	put_be32(rec + 12, 1); /* holder index 1 of one registration */
	ck_assert(!restored());
	rec = saved(&len);
	rec[9] = 2; /* reservation type 2: obsolete, not valid */
	ck_assert(!restored());
}
END_TEST

/* No memory to read the record at power on: the LU is not created (its
 * creator fails: engine start, reconfiguration) rather than coming up
 * without the reservations it must keep (SPC-4 §5.13.5); the record stays
 * and the next try restores it. */
START_TEST(no_memory_to_read_the_record_fails_the_lu_and_keeps_the_record)
{
	size_t len;
	saved(&len);
	scsi_lu_destroy(t.lu);
	t.fe.fail_alloc_at = t.fe.allocs + 1; /* the LU itself, then the record's buffer */
	t.lu = scsi_lu_create(&t.fe.env, &t.cfg, 0, &t.tp);
	bool created = t.lu != NULL;
	t.fe.fail_alloc_at = -1;
	if (created)
		scsi_lu_destroy(t.lu);
	ck_assert_msg(!created, "an LU came up without its persistent reservations");
	ck_assert_ptr_nonnull(strstr(t.fe.last_log, "no memory to restore persistent reservations"));
	t.lu = scsi_lu_create(&t.fe.env, &t.cfg, 0, &t.tp);
	ck_assert_ptr_nonnull(t.lu);
	th_clear_ua(&t);
	ck_assert_uint_eq(key_count(), 1);
}
END_TEST

Suite *suite_scsi_pr_state(void)
{
	Suite *s = suite_create("scsi_pr_state");
	TCase *tc = tcase_create("scsi_pr_state");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_intact_record_is_restored);
	tcase_add_test(tc, a_record_shorter_than_its_header_is_not_restored);
	tcase_add_test(tc, a_record_with_a_wrong_magic_is_not_restored);
	tcase_add_test(tc, a_record_claiming_more_registrations_than_the_table_is_not_restored);
	tcase_add_test(tc, a_record_claiming_more_registrations_than_it_holds_is_not_restored);
	tcase_add_test(tc, a_registration_whose_port_runs_past_the_record_is_not_restored);
	tcase_add_test(tc, a_reservation_held_by_a_missing_registration_is_not_restored);
	tcase_add_test(tc, no_memory_to_read_the_record_fails_the_lu_and_keeps_the_record);
	suite_add_tcase(s, tc);
	return s;
}
