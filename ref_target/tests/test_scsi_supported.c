/* test_scsi_supported: REPORT SUPPORTED OPERATION CODES and REPORT
 * SUPPORTED TASK MANAGEMENT FUNCTIONS (scsi/supported.c). */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "scsi/cmd.h"
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

static int rsoc(uint8_t byte2, uint8_t opcode, uint16_t sa, uint32_t alloc)
{
	uint8_t cdb[12] = {0xa3, 0x0c, byte2, opcode};
	put_be16(cdb + 4, sa);
	put_be32(cdb + 6, alloc);
	return th_run(&t, cdb, 12, NULL, 0);
}

START_TEST(all_commands_lists_what_this_lu_supports)
{
	ck_assert_int_eq(rsoc(0, 0, 0, 65535), SCSI_STATUS_GOOD);
	uint32_t len = get_be32(t.buf);
	ck_assert_uint_eq(len % 8, 0);
	bool read10 = false, unmap = false, rc16 = false;
	for (uint32_t off = 4; off < 4 + len; off += 8) {
		const uint8_t *d = t.buf + off;
		ck_assert_uint_eq(d[5] & 0x02, 0); /* no CTDP without RCTD */
		if (!(d[5] & 0x01))
			ck_assert_uint_eq(get_be16(d + 2), 0);
		read10 |= d[0] == 0x28 && get_be16(d + 6) == 10;
		unmap |= d[0] == 0x42;
		rc16 |= d[0] == 0x9e && get_be16(d + 2) == 0x10 && (d[5] & 1);
	}
	ck_assert(read10 && rc16);
	ck_assert(!unmap); /* not thin-provisioned */
}
END_TEST

START_TEST(rctd_adds_a_timeouts_descriptor_to_each)
{
	ck_assert_int_eq(rsoc(0x80, 0, 0, 65535), SCSI_STATUS_GOOD);
	uint32_t len = get_be32(t.buf);
	for (uint32_t off = 4; off < 4 + len; off += 20) {
		ck_assert(t.buf[off + 5] & 0x02);
		ck_assert_uint_eq(get_be16(t.buf + off + 8), 0x0a);
	}
}
END_TEST

START_TEST(one_command_returns_the_usage_data_the_dispatcher_enforces)
{
	ck_assert_int_eq(rsoc(1, 0x2a, 0, 65535), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 7, 3);
	ck_assert_uint_eq(get_be16(t.buf + 2), 10);
	bool has_sa;
	const struct scsi_op *op = scsi_op_find(0x2a, 0, &has_sa);
	ck_assert_int_eq(memcmp(t.buf + 4, op->usage, 10), 0);
	ck_assert_uint_eq(t.buf[5] & 0x18, 0x18); /* DPO and FUA */
	ck_assert_int_eq(rsoc(2, 0x9e, 0x10, 65535), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[4], 0x9e);
	ck_assert_uint_eq(t.buf[5], 0x10);
	ck_assert_int_eq(rsoc(3, 0x28, 0, 65535), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 7, 3);
}
END_TEST

START_TEST(one_command_in_the_wrong_form_is_invalid_field)
{
	rsoc(1, 0x9e, 0x10, 65535); /* has service actions */
	ck_assert(th_check(&t, 0x5, 0x24, 0x00));
	rsoc(2, 0x28, 0, 65535); /* has none */
	ck_assert(th_check(&t, 0x5, 0x24, 0x00));
	rsoc(4, 0x28, 0, 65535); /* reserved option */
	ck_assert(th_check(&t, 0x5, 0x24, 0x00));
}
END_TEST

START_TEST(unsupported_command_reports_support_001b)
{
	ck_assert_int_eq(rsoc(1, 0xc5, 0, 65535), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 7, 1);
	ck_assert_uint_eq(get_be16(t.buf + 2), 0);
	ck_assert_int_eq(rsoc(1, 0x42, 0, 65535), SCSI_STATUS_GOOD); /* UNMAP, not here */
	ck_assert_uint_eq(t.buf[1] & 7, 1);
	ck_assert_int_eq(rsoc(2, 0x9e, 0x1f, 65535), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 7, 1);
}
END_TEST

START_TEST(task_management_functions_are_the_transports)
{
	uint8_t cdb[12] = {0xa3, 0x0d};
	put_be32(cdb + 6, 4);
	ck_assert_int_eq(th_run(&t, cdb, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 4);
	ck_assert_uint_eq(t.buf[0], 0xda); /* ATS ATSS CTSS LURS TRS */
	ck_assert_uint_eq(t.buf[1], 0);
}
END_TEST

Suite *suite_scsi_supported(void)
{
	Suite *s = suite_create("scsi_supported");
	TCase *tc = tcase_create("supported");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, all_commands_lists_what_this_lu_supports);
	tcase_add_test(tc, rctd_adds_a_timeouts_descriptor_to_each);
	tcase_add_test(tc, one_command_returns_the_usage_data_the_dispatcher_enforces);
	tcase_add_test(tc, one_command_in_the_wrong_form_is_invalid_field);
	tcase_add_test(tc, unsupported_command_reports_support_001b);
	tcase_add_test(tc, task_management_functions_are_the_transports);
	suite_add_tcase(s, tc);
	return s;
}
