/* test_scsi_spc: REPORT LUNS, REQUEST SENSE, TEST UNIT READY (scsi/spc.c),
 * READ CAPACITY and SYNCHRONIZE CACHE (scsi/sbc.c), and the two sense
 * data formats (scsi/sense.c). */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "test_scsi_harness.h"

static struct th t;

static void setup(void)
{
	th_init(&t, 5000, 512, RT_LU_THIN | RT_LU_LBPRZ);
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

static int report_luns(uint8_t select, uint32_t alloc)
{
	uint8_t cdb[12] = {0xa0, 0, select};
	put_be32(cdb + 6, alloc);
	return th_run(&t, cdb, 12, NULL, 0);
}

START_TEST(report_luns_lists_the_nexus_inventory_in_sam_form)
{
	ck_assert_int_eq(report_luns(0, 4096), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf), 24);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 32);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0);
	ck_assert_uint_eq(get_be64(t.buf + 16), 0x0005000000000000ull);
	ck_assert_uint_eq(get_be64(t.buf + 24), 0x412c000000000000ull); /* 300: flat space */
	ck_assert_int_eq(report_luns(2, 4096), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf), 24);
}
END_TEST

START_TEST(report_luns_well_known_only_is_empty)
{
	ck_assert_int_eq(report_luns(1, 4096), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf), 0);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 8);
}
END_TEST

START_TEST(report_luns_truncates_to_allocation_but_keeps_the_full_length)
{
	ck_assert_int_eq(report_luns(0, 16), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 16);
	ck_assert_uint_eq(get_be32(t.buf), 24);
}
END_TEST

START_TEST(report_luns_rejects_small_allocation_and_unknown_select)
{
	report_luns(0, 15);
	ck_assert(th_check_field(&t, 6, 0xff));
	report_luns(3, 4096);
	ck_assert(th_check_field(&t, 2, 0xff));
}
END_TEST

START_TEST(report_luns_with_nothing_mapped_still_reports_lun_0)
{
	uint8_t cdb[12] = {0xa0};
	put_be32(cdb + 6, 64);
	th_prep(&t, cdb, 12);
	t.c.cmd.lun_count = 0;
	t.c.cmd.lu = NULL;
	ck_assert_int_eq(scsi_cmd_decode(&t.c.cmd), 0);
	scsi_cmd_exec(&t.c.cmd);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf), 8);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0);
}
END_TEST

START_TEST(request_sense_without_a_condition_is_no_sense_in_the_asked_format)
{
	uint8_t cdb[6] = {0x03, 0, 0, 0, 252, 0};
	ck_assert_int_eq(th_run(&t, cdb, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 18);
	ck_assert_uint_eq(t.buf[0], 0x70);
	ck_assert_uint_eq(t.buf[2], 0);
	ck_assert_uint_eq(t.buf[12], 0);
	cdb[1] = 1; /* DESC */
	ck_assert_int_eq(th_run(&t, cdb, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 8);
	ck_assert_uint_eq(t.buf[0], 0x72);
}
END_TEST

START_TEST(request_sense_to_an_unmapped_lun_reports_lu_not_supported_as_data)
{
	uint8_t cdb[6] = {0x03, 0, 0, 0, 18, 0};
	t.unmapped = true;
	ck_assert_int_eq(th_run(&t, cdb, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[2], 0x5);
	ck_assert_uint_eq(t.buf[12], 0x25);
}
END_TEST

START_TEST(read_capacity_10_and_16_report_geometry_and_provisioning)
{
	uint8_t rc10[10] = {0x25};
	ck_assert_int_eq(th_run(&t, rc10, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 8);
	ck_assert_uint_eq(get_be32(t.buf), 4999);
	ck_assert_uint_eq(get_be32(t.buf + 4), 512);
	uint8_t rc16[16] = {0x9e, 0x10};
	put_be32(rc16 + 10, 32);
	ck_assert_int_eq(th_run(&t, rc16, 16, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 32);
	ck_assert_uint_eq(get_be64(t.buf), 4999);
	ck_assert_uint_eq(get_be32(t.buf + 8), 512);
	ck_assert_uint_eq(t.buf[12], 0); /* no protection */
	ck_assert_uint_eq(t.buf[13], 0); /* one logical block per physical block */
	ck_assert_uint_eq(t.buf[14], 0xc0); /* LBPME, LBPRZ; LOWEST ALIGNED LBA 0 */
	ck_assert_uint_eq(t.buf[15], 0);
	t.cfg.lbppbe = 3; /* 4096-byte physical blocks */
	ck_assert_int_eq(th_run(&t, rc16, 16, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[13], 3);
	ck_assert_uint_eq(t.buf[14], 0xc0);
	for (uint32_t alloc = 0; alloc < 32; alloc++) {
		put_be32(rc16 + 10, alloc);
		ck_assert_int_eq(th_run(&t, rc16, 16, NULL, 0), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.c.cmd.data_in_len, alloc);
	}
}
END_TEST

START_TEST(read_capacity_10_saturates_beyond_32_bits)
{
	th_fini(&t);
	th_init(&t, 1, 512, 0);
	t.cfg.blocks = 0x200000000ull; /* the fake disk is never touched */
	th_clear_ua(&t);
	uint8_t rc10[10] = {0x25};
	th_run(&t, rc10, 10, NULL, 0);
	ck_assert_uint_eq(get_be32(t.buf), 0xffffffffu);
	uint8_t rc16[16] = {0x9e, 0x10};
	put_be32(rc16 + 10, 32);
	th_run(&t, rc16, 16, NULL, 0);
	ck_assert_uint_eq(get_be64(t.buf), 0x1ffffffffull);
	t.cfg.blocks = 1;
}
END_TEST

START_TEST(read_capacity_rejects_obsolete_pmi_and_lba)
{
	uint8_t rc10[10] = {0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0};
	th_run(&t, rc10, 10, NULL, 0);
	ck_assert(th_check_field(&t, 5, 0xff));
	uint8_t rc16[16] = {0x9e, 0x10};
	rc16[14] = 1;
	th_run(&t, rc16, 16, NULL, 0);
	ck_assert(th_check_field(&t, 14, 0xff));
}
END_TEST

START_TEST(synchronize_cache_flushes_and_checks_the_range)
{
	uint8_t sc10[10] = {0x35};
	ck_assert_int_eq(th_start(&t, sc10, 10, NULL, 0), 0);
	ck_assert_uint_eq(th_pending(&t), 1);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_FLUSH);
	th_disk_run(&t);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	uint8_t sc16[16] = {0x91, 0x02}; /* IMMED accepted */
	put_be64(sc16 + 2, 4999);
	put_be32(sc16 + 10, 1);
	ck_assert_int_eq(th_run(&t, sc16, 16, NULL, 0), SCSI_STATUS_GOOD);
	put_be32(sc16 + 10, 2);
	th_run(&t, sc16, 16, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	/* a failed flush is a write error */
	th_start(&t, sc10, 10, NULL, 0);
	th_complete(&t, 0, RT_DISK_ERR_WRITE);
	ck_assert(th_check(&t, 0x3, 0x0c, 0x00));
}
END_TEST

START_TEST(read_defect_data_returns_the_asked_lists_empty)
{
	uint8_t d10[10] = {0x37, 0, 0x18 | 0x05, 0, 0, 0, 0, 0, 32, 0};
	ck_assert_int_eq(th_run(&t, d10, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 4);
	ck_assert_uint_eq(t.buf[1], 0x1d);
	ck_assert_uint_eq(get_be16(t.buf + 2), 0);
	uint8_t d12[12] = {0xb7, 0x08};
	put_be32(d12 + 6, 32);
	ck_assert_int_eq(th_run(&t, d12, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 8);
	ck_assert_uint_eq(t.buf[1], 0x08);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0);
}
END_TEST

START_TEST(fixed_sense_carries_the_field_pointer)
{
	uint8_t cdb[6] = {0x12, 0, 0x80, 0, 255, 0};
	th_run(&t, cdb, 6, NULL, 0);
	const uint8_t *s = t.c.cmd.sense;
	ck_assert_uint_eq(t.c.cmd.sense_len, 18);
	ck_assert_uint_eq(s[0], 0x70);
	ck_assert_uint_eq(s[2], 0x05);
	ck_assert_uint_eq(s[7], 10);
	ck_assert_uint_eq(s[12], 0x24);
	ck_assert_uint_eq(s[15], 0xc0); /* SKSV, C/D, no bit pointer */
	ck_assert_uint_eq(get_be16(s + 16), 2);
}
END_TEST

Suite *suite_scsi_spc(void)
{
	Suite *s = suite_create("scsi_spc");
	TCase *tc = tcase_create("spc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, report_luns_lists_the_nexus_inventory_in_sam_form);
	tcase_add_test(tc, report_luns_well_known_only_is_empty);
	tcase_add_test(tc, report_luns_truncates_to_allocation_but_keeps_the_full_length);
	tcase_add_test(tc, report_luns_rejects_small_allocation_and_unknown_select);
	tcase_add_test(tc, report_luns_with_nothing_mapped_still_reports_lun_0);
	tcase_add_test(tc, request_sense_without_a_condition_is_no_sense_in_the_asked_format);
	tcase_add_test(tc, request_sense_to_an_unmapped_lun_reports_lu_not_supported_as_data);
	tcase_add_test(tc, read_capacity_10_and_16_report_geometry_and_provisioning);
	tcase_add_test(tc, read_capacity_10_saturates_beyond_32_bits);
	tcase_add_test(tc, read_capacity_rejects_obsolete_pmi_and_lba);
	tcase_add_test(tc, synchronize_cache_flushes_and_checks_the_range);
	tcase_add_test(tc, read_defect_data_returns_the_asked_lists_empty);
	tcase_add_test(tc, fixed_sense_carries_the_field_pointer);
	suite_add_tcase(s, tc);
	return s;
}
