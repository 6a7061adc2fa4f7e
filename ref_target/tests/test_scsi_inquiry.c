/* test_scsi_inquiry: INQUIRY standard data and VPD pages (scsi/inquiry.c). */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "test_scsi_harness.h"

static struct th t;

static void setup(void)
{
	th_init(&t, 4096, 512, RT_LU_THIN | RT_LU_LBPRZ);
}

static void teardown(void)
{
	th_fini(&t);
}

static int inquiry(bool evpd, uint8_t page, uint16_t alloc)
{
	uint8_t cdb[6] = {0x12, evpd ? 1 : 0, page, 0, 0, 0};
	put_be16(cdb + 3, alloc);
	return th_run(&t, cdb, 6, NULL, 0);
}

START_TEST(standard_data_claims_spc4_sbc3_and_names_the_lu)
{
	ck_assert_int_eq(inquiry(false, 0, 255), SCSI_STATUS_GOOD);
	const uint8_t *d = t.buf;
	ck_assert_uint_eq(t.c.cmd.data_in_len, 96);
	ck_assert_uint_eq(d[0], 0x00);     /* qualifier 0, direct access */
	ck_assert_uint_eq(d[2], 0x06);     /* SPC-4 */
	ck_assert_uint_eq(d[3] & 0x0f, 2); /* response data format */
	ck_assert(d[3] & 0x10);            /* HiSup */
	ck_assert_uint_eq(d[4], 91);       /* additional length */
	ck_assert(d[7] & 0x02);            /* CmdQue */
	ck_assert_int_eq(memcmp(d + 8, "TESTVEND", 8), 0);
	ck_assert_int_eq(memcmp(d + 16, "TESTPROD        ", 16), 0);
	bool spc4 = false, sbc3 = false;
	for (int i = 0; i < 8; i++) {
		spc4 |= get_be16(d + 58 + 2 * i) == 0x0460;
		sbc3 |= get_be16(d + 58 + 2 * i) == 0x04c0;
	}
	ck_assert(spc4 && sbc3);
}
END_TEST

/* PRODUCT REVISION LEVEL: the configured one, space padded; 0001 without. */
START_TEST(standard_data_carries_the_configured_revision)
{
	inquiry(false, 0, 96);
	ck_assert_int_eq(memcmp(t.buf + 32, "0001", 4), 0);
	t.cfg.revision = "R7";
	ck_assert_int_eq(inquiry(false, 0, 96), SCSI_STATUS_GOOD);
	ck_assert_int_eq(memcmp(t.buf + 32, "R7  ", 4), 0);
	t.cfg.revision = "2.0.1-long";
	inquiry(false, 0, 96);
	ck_assert_int_eq(memcmp(t.buf + 32, "2.0.", 4), 0);
	ck_assert_uint_eq(t.buf[36], 0); /* nothing spills over */
}
END_TEST

START_TEST(standard_data_is_truncated_to_the_allocation_length)
{
	for (uint16_t alloc = 0; alloc < 100; alloc++) {
		ck_assert_int_eq(inquiry(false, 0, alloc), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.c.cmd.data_in_len, alloc < 96 ? alloc : 96);
	}
	/* 16-bit allocation length: 511 and 512 give the same data */
	ck_assert_int_eq(inquiry(false, 0, 512), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 96);
}
END_TEST

START_TEST(removable_lu_sets_rmb)
{
	th_fini(&t);
	th_init(&t, 4096, 512, RT_LU_REMOVABLE);
	inquiry(false, 0, 96);
	ck_assert_uint_eq(t.buf[1], 0x80);
}
END_TEST

START_TEST(unmapped_lun_reports_qualifier_011b_and_type_1fh)
{
	t.unmapped = true;
	ck_assert_int_eq(inquiry(false, 0, 96), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[0], 0x7f);
	/* VPD pages describe a logical unit: there is none */
	inquiry(true, 0x00, 255);
	ck_assert(th_check(&t, 0x5, 0x25, 0x00));
}
END_TEST

START_TEST(page_code_without_evpd_is_invalid_field)
{
	inquiry(false, 0x80, 255);
	ck_assert(th_check_field(&t, 2, 0xff));
}
END_TEST

START_TEST(unknown_vpd_page_is_invalid_field)
{
	inquiry(true, 0x87, 255);
	ck_assert(th_check_field(&t, 2, 0xff));
}
END_TEST

START_TEST(supported_pages_lists_every_page_and_each_one_answers)
{
	ck_assert_int_eq(inquiry(true, 0x00, 255), SCSI_STATUS_GOOD);
	uint8_t pages[64];
	uint16_t n = get_be16(t.buf + 2);
	ck_assert_uint_eq(t.buf[1], 0x00);
	ck_assert_uint_ge(n, 6);
	memcpy(pages, t.buf + 4, n);
	const uint8_t want[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
	for (size_t i = 0; i < sizeof(want); i++)
		ck_assert(memchr(pages, want[i], n) != NULL);
	for (uint16_t i = 0; i < n; i++) {
		if (i > 0)
			ck_assert_uint_lt(pages[i - 1], pages[i]); /* ascending */
		ck_assert_int_eq(inquiry(true, pages[i], 1024), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.buf[1], pages[i]);
		ck_assert_uint_eq(t.c.cmd.data_in_len, 4u + get_be16(t.buf + 2));
	}
}
END_TEST

START_TEST(serial_page_returns_the_configured_serial)
{
	inquiry(true, 0x80, 255);
	ck_assert_uint_eq(get_be16(t.buf + 2), 6);
	ck_assert_int_eq(memcmp(t.buf + 4, "SN0001", 6), 0);
}
END_TEST

/* Walk the designation descriptors of page 83h. */
static const uint8_t *desig_find(uint8_t assoc, uint8_t type)
{
	uint32_t len = 4u + get_be16(t.buf + 2);
	for (uint32_t off = 4; off + 4 <= len; off += 4u + t.buf[off + 3]) {
		const uint8_t *d = t.buf + off;
		if (((d[1] >> 4) & 3) == assoc && (d[1] & 0xf) == type)
			return d;
	}
	return NULL;
}

START_TEST(device_identification_names_lu_port_group_and_target)
{
	ck_assert_int_eq(inquiry(true, 0x83, 1024), SCSI_STATUS_GOOD);
	const uint8_t *naa = desig_find(0, 3);
	ck_assert_ptr_nonnull(naa);
	ck_assert_uint_eq(naa[3], 16);
	ck_assert_uint_eq(naa[4] >> 4, 6); /* NAA IEEE Registered Extended */
	uint64_t hi = get_be64(naa + 4);
	ck_assert_uint_eq(hi & ((1ull << 36) - 1), 0x123456789ull);
	const uint8_t *t10 = desig_find(0, 1);
	ck_assert_ptr_nonnull(t10);
	ck_assert_int_eq(memcmp(t10 + 4, "TESTVENDSN0001", 14), 0);
	const uint8_t *rtp = desig_find(1, 4);
	ck_assert_ptr_nonnull(rtp);
	ck_assert_uint_eq(rtp[0] >> 4, 5); /* iSCSI */
	ck_assert(rtp[1] & 0x80);           /* PIV */
	ck_assert_uint_eq(get_be16(rtp + 6), 1);
	const uint8_t *tpg = desig_find(1, 5);
	ck_assert_ptr_nonnull(tpg);
	ck_assert_uint_eq(get_be16(tpg + 6), 1);
	const uint8_t *port = desig_find(1, 8);
	ck_assert_ptr_nonnull(port);
	ck_assert_uint_eq(port[3] % 4, 0);
	ck_assert_str_eq((const char *)port + 4, "iqn.2026-11.test:target,t,0x0001");
	const uint8_t *tgt = desig_find(2, 8);
	ck_assert_ptr_nonnull(tgt);
	ck_assert_str_eq((const char *)tgt + 4, "iqn.2026-11.test:target");
}
END_TEST

START_TEST(naa_differs_between_lus_even_with_the_same_naa_id)
{
	inquiry(true, 0x83, 1024);
	uint8_t a[16];
	memcpy(a, desig_find(0, 3) + 4, 16);
	th_fini(&t);
	th_init(&t, 4096, 512, 0);
	t.cfg.serial = "SN0002";
	inquiry(true, 0x83, 1024);
	ck_assert_int_ne(memcmp(a, desig_find(0, 3) + 4, 16), 0);
}
END_TEST

START_TEST(block_limits_advertise_the_transfer_and_unmap_limits)
{
	ck_assert_int_eq(inquiry(true, 0xb0, 255), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be16(t.buf + 2), 0x3c);
	ck_assert_uint_eq(get_be32(t.buf + 8), RT_XFER_MAX / 512);
	ck_assert_uint_ne(get_be32(t.buf + 20), 0); /* thin: MAXIMUM UNMAP LBA COUNT */
	ck_assert_uint_ne(get_be32(t.buf + 24), 0);
	th_fini(&t);
	th_init(&t, 4096, 4096, 0);
	inquiry(true, 0xb0, 255);
	ck_assert_uint_eq(get_be32(t.buf + 8), RT_XFER_MAX / 4096);
	ck_assert_uint_eq(get_be32(t.buf + 20), 0); /* not thin: no UNMAP */
	ck_assert_uint_eq(get_be32(t.buf + 24), 0);
	ck_assert_uint_eq(get_be32(t.buf + 28), 0);
	ck_assert_uint_eq(t.buf[32], 0);
}
END_TEST

/* The physical block (LBPPBE) sets the granularities: transfers of whole
 * physical blocks, unmaps of whole physical blocks aligned at LBA 0. */
START_TEST(block_limits_granularities_follow_the_physical_block)
{
	inquiry(true, 0xb0, 255);
	ck_assert_uint_eq(get_be16(t.buf + 6), 1);
	ck_assert_uint_eq(get_be32(t.buf + 28), 1);
	t.cfg.lbppbe = 3;
	inquiry(true, 0xb0, 255);
	ck_assert_uint_eq(get_be16(t.buf + 6), 8);      /* OPTIMAL TRANSFER LENGTH GRANULARITY */
	ck_assert_uint_eq(get_be32(t.buf + 12) % 8, 0); /* OPTIMAL TRANSFER LENGTH a multiple */
	ck_assert_uint_eq(get_be32(t.buf + 28), 8);     /* OPTIMAL UNMAP GRANULARITY */
	ck_assert_uint_eq(t.buf[32], 0x80);             /* UGAVALID, alignment 0 */
	ck_assert_uint_eq(get_be32(t.buf + 32) & 0x7fffffff, 0);
}
END_TEST

START_TEST(provisioning_page_follows_thin_and_lbprz_flags)
{
	inquiry(true, 0xb2, 255);
	ck_assert_uint_eq(t.buf[5] & 0xe4, 0xe4); /* LBPU LBPWS LBPWS10 LBPRZ */
	ck_assert_uint_eq(t.buf[6] & 7, 2);       /* thin provisioned */
	th_fini(&t);
	th_init(&t, 4096, 512, 0);
	inquiry(true, 0xb2, 255);
	ck_assert_uint_eq(t.buf[5], 0);
	ck_assert_uint_eq(t.buf[6], 0);
}
END_TEST

START_TEST(block_characteristics_say_non_rotating)
{
	inquiry(true, 0xb1, 255);
	ck_assert_uint_eq(get_be16(t.buf + 2), 0x3c);
	ck_assert_uint_eq(get_be16(t.buf + 4), 1);
}
END_TEST

Suite *suite_scsi_inquiry(void)
{
	Suite *s = suite_create("scsi_inquiry");
	TCase *tc = tcase_create("inquiry");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, standard_data_claims_spc4_sbc3_and_names_the_lu);
	tcase_add_test(tc, standard_data_carries_the_configured_revision);
	tcase_add_test(tc, standard_data_is_truncated_to_the_allocation_length);
	tcase_add_test(tc, removable_lu_sets_rmb);
	tcase_add_test(tc, unmapped_lun_reports_qualifier_011b_and_type_1fh);
	tcase_add_test(tc, page_code_without_evpd_is_invalid_field);
	tcase_add_test(tc, unknown_vpd_page_is_invalid_field);
	tcase_add_test(tc, supported_pages_lists_every_page_and_each_one_answers);
	tcase_add_test(tc, serial_page_returns_the_configured_serial);
	tcase_add_test(tc, device_identification_names_lu_port_group_and_target);
	tcase_add_test(tc, naa_differs_between_lus_even_with_the_same_naa_id);
	tcase_add_test(tc, block_limits_advertise_the_transfer_and_unmap_limits);
	tcase_add_test(tc, block_limits_granularities_follow_the_physical_block);
	tcase_add_test(tc, provisioning_page_follows_thin_and_lbprz_flags);
	tcase_add_test(tc, block_characteristics_say_non_rotating);
	suite_add_tcase(s, tc);
	return s;
}
