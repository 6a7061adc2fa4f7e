/* test_scsi_sanitize: SANITIZE OVERWRITE, BLOCK ERASE and EXIT FAILURE
 * MODE (scsi/sanitize.c). */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "test_scsi_harness.h"

#define BLOCKS 3000u /* more than one 1 MiB chunk of 512-byte blocks */
#define BS 512u

static struct th t;
static uint8_t list[4 + BS];

static void setup(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_SANITIZE);
	th_clear_ua(&t);
	th_disk_fill(&t, 0, BLOCKS, 'a');
}

static void teardown(void)
{
	th_fini(&t);
}

/* OVERWRITE parameters: 'passes', a pattern of 'plen' bytes of 'v'. */
static uint32_t overwrite_list(uint8_t byte0, uint32_t plen, uint8_t v)
{
	list[0] = byte0;
	list[1] = 0;
	put_be16(list + 2, (uint16_t)plen);
	memset(list + 4, v, plen);
	return 4 + plen;
}

static int sanitize(uint8_t sa, bool immed, uint32_t len)
{
	uint8_t cdb[10] = {0x48, (uint8_t)(sa | (immed ? 0x80 : 0))};
	put_be16(cdb + 7, (uint16_t)len);
	return th_run(&t, cdb, 10, list, len);
}

/* Start an IMMED sanitize and leave its job running. */
static void sanitize_immed(uint32_t len)
{
	uint8_t cdb[10] = {0x48, 0x81};
	put_be16(cdb + 7, (uint16_t)len);
	ck_assert_int_eq(th_start(&t, cdb, 10, list, len), 0);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
}

static bool disk_all(uint8_t v)
{
	static uint8_t want[BS];
	memset(want, v, BS);
	for (uint64_t b = 0; b < BLOCKS; b++)
		if (memcmp(th_disk(&t, b), want, BS) != 0)
			return false;
	return true;
}

START_TEST(overwrite_writes_the_pattern_everywhere_and_flushes)
{
	uint32_t n = overwrite_list(0x01, BS, 0xaa);
	uint8_t cdb[10] = {0x48, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
	put_be16(cdb + 7, (uint16_t)n);
	ck_assert_int_eq(th_start(&t, cdb, 10, list, n), 0);
	unsigned ios = 0;
	while (th_pending(&t) > 0) {
		ck_assert_uint_eq(t.c.done_calls, 0);
		if (t.fe.pending[0]->op == RT_DISK_FLUSH)
			ck_assert(disk_all(0xaa)); /* the flush comes last */
		th_complete(&t, 0, RT_DISK_OK);
		ios++;
	}
	ck_assert_uint_eq(ios, 2 + 1); /* two 1 MiB chunks and the flush */
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert(disk_all(0xaa));
}
END_TEST

START_TEST(overwrite_repeats_a_short_pattern_and_inverts_between_passes)
{
	uint32_t n = overwrite_list(0x80 | 2, 2, 0x0f); /* INVERT, 2 passes */
	list[5] = 0xf0;
	ck_assert_int_eq(sanitize(1, false, n), SCSI_STATUS_GOOD);
	/* pass 1 wrote 0f f0 ..., pass 2 its inverse */
	static uint8_t want[BS];
	for (uint32_t i = 0; i < BS; i += 2) {
		want[i] = 0xf0;
		want[i + 1] = 0x0f;
	}
	for (uint32_t b = 0; b < BLOCKS; b++)
		ck_assert_int_eq(memcmp(th_disk(&t, b), want, BS), 0);
}
END_TEST

START_TEST(immed_answers_at_once_and_the_lu_is_busy_until_done)
{
	uint32_t n = overwrite_list(0x01, BS, 0x55);
	sanitize_immed(n);
	ck_assert_uint_gt(th_pending(&t), 0); /* the job runs on */
	uint8_t tur[6] = {0}, r[16];
	/* th_start: these need no disk, and th_run would finish the job */
	th_start(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x1b));
	th_cdb_rw(r, 0x28, 0, 1);
	th_start(&t, r, 10, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x1b));
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	th_start(&t, inq, 6, NULL, 0);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	/* resets do not stop it */
	scsi_lu_reset(t.lu, &t.nexus);
	th_complete(&t, 0, RT_DISK_OK);
	uint8_t rs[6] = {0x03, 0, 0, 0, 18, 0};
	th_start(&t, rs, 6, NULL, 0);
	ck_assert_uint_eq(t.buf[2], 0x6); /* the reset's UA comes first */
	th_start(&t, rs, 6, NULL, 0);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[2], 0x2);
	ck_assert_uint_eq(t.buf[12], 0x04);
	ck_assert_uint_eq(t.buf[13], 0x1b);
	ck_assert_uint_eq(t.buf[15], 0x80); /* SKSV: progress follows */
	ck_assert_uint_gt(get_be16(t.buf + 16), 0);
	while (th_pending(&t) > 0)
		th_complete(&t, 0, RT_DISK_OK);
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert(disk_all(0x55));
}
END_TEST

/* Aborting the SANITIZE command (libiscsi Sanitize.Reset: ABORT TASK,
 * then resets) ends the command, not the sanitize. */
START_TEST(an_aborted_sanitize_command_leaves_its_work_going)
{
	uint32_t n = overwrite_list(0x01, BS, 0x66);
	uint8_t cdb[10] = {0x48, 0x01}, tur[6] = {0};
	put_be16(cdb + 7, (uint16_t)n);
	ck_assert_int_eq(th_start(&t, cdb, 10, list, n), 0);
	th_complete(&t, 0, RT_DISK_OK); /* the first chunk */
	ck_assert_int_eq(t.c.done_calls, 0);
	scsi_cmd_abort(&t.c.cmd);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_TASK_ABORTED);
	ck_assert_uint_eq(th_pending(&t), 1); /* the next chunk is out */
	scsi_lu_reset(t.lu, &t.nexus);
	scsi_target_reset(t.lu, &t.nexus, true);
	th_start(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x01));
	for (int i = 0; i < 4 && th_sense(&t).key == 0x6; i++) /* the resets' other UAs */
		th_start(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x1b));
	th_disk_run(&t);
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert(disk_all(0x66));
}
END_TEST

START_TEST(a_failed_overwrite_leaves_the_medium_unusable_until_exit_failure_mode)
{
	uint32_t n = overwrite_list(0x01, BS, 0x55);
	uint8_t cdb[10] = {0x48, 0x01};
	put_be16(cdb + 7, (uint16_t)n);
	th_start(&t, cdb, 10, list, n);
	th_complete(&t, 0, RT_DISK_ERR_WRITE);
	ck_assert(th_check(&t, 0x3, 0x31, 0x03));
	uint8_t r[16];
	th_cdb_rw(r, 0x28, 0, 1);
	th_run(&t, r, 10, NULL, 0);
	ck_assert(th_check(&t, 0x3, 0x31, 0x03));
	uint8_t efm[10] = {0x48, 0x1f};
	ck_assert_int_eq(th_run(&t, efm, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, r, 10, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(parameters_are_checked)
{
	uint32_t n = overwrite_list(0x01, BS, 0x55);
	for (uint32_t len = 0; len <= 4; len++) {
		sanitize(1, false, len);
		ck_assert(th_check_field(&t, 7, 0xff));
	}
	sanitize(1, false, BS + 5);
	ck_assert(th_check_field(&t, 7, 0xff));
	overwrite_list(0x00, BS, 0x55); /* no passes */
	sanitize(1, false, n);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	overwrite_list(0x01, BS, 0x55);
	put_be16(list + 2, 0); /* pattern length 0 */
	sanitize(1, false, n);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	put_be16(list + 2, BS + 4); /* more than was sent */
	sanitize(1, false, n);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	uint8_t efm[10] = {0x48, 0x1f, 0, 0, 0, 0, 0, 0, 8, 0};
	th_run(&t, efm, 10, list, 8);
	ck_assert(th_check_field(&t, 7, 0xff));
	ck_assert(disk_all('a'));
	/* block erase (this LU is not thin), crypto erase: not offered */
	uint8_t be[10] = {0x48, 0x02};
	th_run(&t, be, 10, NULL, 0);
	ck_assert(th_check_field(&t, 1, 4));
	be[1] = 0x03;
	th_run(&t, be, 10, NULL, 0);
	ck_assert(th_check_field(&t, 1, 4));
}
END_TEST

static void thin_lu(void)
{
	th_fini(&t);
	th_init(&t, BLOCKS, BS, RT_LU_SANITIZE | RT_LU_THIN | RT_LU_LBPRZ);
	th_clear_ua(&t);
	th_disk_fill(&t, 0, BLOCKS, 'a');
}

/* On a thin LU, BLOCK ERASE deallocates every block in one request, then
 * flushes; reads of the erased blocks succeed (WABEREQ 01b). */
START_TEST(block_erase_deallocates_the_whole_medium_then_flushes)
{
	uint8_t vpd[6] = {0x12, 1, 0xb1, 0, 64, 0};
	th_run(&t, vpd, 6, NULL, 0);
	ck_assert_uint_eq(t.buf[7] & 0xc0, 0); /* no BLOCK ERASE here */
	thin_lu();
	th_run(&t, vpd, 6, NULL, 0);
	ck_assert_uint_eq(t.buf[7] & 0xc0, 0x40);
	uint8_t cdb[10] = {0x48, 0x02};
	ck_assert_int_eq(th_start(&t, cdb, 10, NULL, 0), 0);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_UNMAP);
	ck_assert_uint_eq(t.fe.pending[0]->offset, 0);
	ck_assert_uint_eq(t.fe.pending[0]->len, (uint64_t)BLOCKS * BS);
	uint8_t tur[6] = {0}, tur_buf[18];
	struct th_cmd other;
	th_start_other(&t, &other, tur_buf, tur, 6, NULL, 0);
	ck_assert_uint_eq(other.cmd.status, SCSI_STATUS_CHECK_CONDITION); /* SANITIZE IN PROGRESS */
	ck_assert_uint_eq(other.cmd.sense[12], 0x04);
	ck_assert_uint_eq(other.cmd.sense[13], 0x1b);
	th_complete(&t, 0, RT_DISK_OK);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_FLUSH);
	ck_assert_int_eq(t.c.done_calls, 0);
	th_complete(&t, 0, RT_DISK_OK);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert(disk_all(0));
	uint8_t r[16];
	th_cdb_rw(r, 0x28, BLOCKS - 1, 1);
	ck_assert_int_eq(th_run(&t, r, 10, NULL, 0), SCSI_STATUS_GOOD);
	/* no parameter list */
	put_be16(cdb + 7, 8);
	th_run(&t, cdb, 10, list, 8);
	ck_assert(th_check_field(&t, 7, 0xff));
}
END_TEST

/* IMMED: the erase goes on as a job; a failed one leaves failure mode. */
START_TEST(block_erase_runs_in_the_background_and_can_fail)
{
	thin_lu();
	uint8_t cdb[10] = {0x48, 0x82}, tur[6] = {0};
	ck_assert_int_eq(th_start(&t, cdb, 10, NULL, 0), 0);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(th_pending(&t), 1);
	th_start(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x1b));
	th_disk_run(&t);
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert(disk_all(0));
	cdb[1] = 0x02;
	for (unsigned fail = 0; fail < 2; fail++) { /* the erase, then the flush */
		th_start(&t, cdb, 10, NULL, 0);
		if (fail)
			th_complete(&t, 0, RT_DISK_OK);
		th_complete(&t, 0, RT_DISK_ERR_WRITE);
		ck_assert(th_check(&t, 0x3, 0x31, 0x03));
		th_run(&t, tur, 6, NULL, 0);
		ck_assert(th_check(&t, 0x3, 0x31, 0x03));
		uint8_t efm[10] = {0x48, 0x1f};
		ck_assert_int_eq(th_run(&t, efm, 10, NULL, 0), SCSI_STATUS_GOOD);
	}
}
END_TEST

START_TEST(sanitize_exists_only_where_configured_and_respects_write_protect)
{
	uint32_t n = overwrite_list(0x01, BS, 0x55);
	t.map_ro = true;
	sanitize(1, false, n);
	ck_assert(th_check(&t, 0x7, 0x27, 0x00));
	t.map_ro = false;
	th_fini(&t);
	th_init(&t, BLOCKS, BS, 0);
	th_clear_ua(&t);
	sanitize(1, false, n);
	ck_assert(th_check(&t, 0x5, 0x20, 0x00));
}
END_TEST

START_TEST(destroying_the_lu_frees_a_running_job)
{
	uint32_t n = overwrite_list(0x01, BS, 0x55);
	sanitize_immed(n);
	ck_assert_uint_gt(th_pending(&t), 0);
	t.fe.npending = 0; /* the engine is dropped with I/O in flight */
}
END_TEST

Suite *suite_scsi_sanitize(void)
{
	Suite *s = suite_create("scsi_sanitize");
	TCase *tc = tcase_create("sanitize");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, overwrite_writes_the_pattern_everywhere_and_flushes);
	tcase_add_test(tc, overwrite_repeats_a_short_pattern_and_inverts_between_passes);
	tcase_add_test(tc, immed_answers_at_once_and_the_lu_is_busy_until_done);
	tcase_add_test(tc, an_aborted_sanitize_command_leaves_its_work_going);
	tcase_add_test(tc, a_failed_overwrite_leaves_the_medium_unusable_until_exit_failure_mode);
	tcase_add_test(tc, parameters_are_checked);
	tcase_add_test(tc, block_erase_deallocates_the_whole_medium_then_flushes);
	tcase_add_test(tc, block_erase_runs_in_the_background_and_can_fail);
	tcase_add_test(tc, sanitize_exists_only_where_configured_and_respects_write_protect);
	tcase_add_test(tc, destroying_the_lu_frees_a_running_job);
	suite_add_tcase(s, tc);
	return s;
}
