/* test_scsi_mode: MODE SENSE and MODE SELECT (scsi/mode.c) and what the
 * pages control: WCE, D_SENSE, SWP. */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "test_scsi_harness.h"

static struct th t;

static void setup(void)
{
	th_init(&t, 4096, 512, RT_LU_WCE);
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

static int sense6(uint8_t byte1, uint8_t pc, uint8_t page, uint8_t subpage, uint8_t alloc)
{
	uint8_t cdb[6] = {0x1a, byte1, (uint8_t)(pc << 6 | page), subpage, alloc, 0};
	return th_run(&t, cdb, 6, NULL, 0);
}

static int sense10(uint8_t byte1, uint8_t pc, uint8_t page, uint16_t alloc)
{
	uint8_t cdb[10] = {0x5a, byte1, (uint8_t)(pc << 6 | page)};
	put_be16(cdb + 7, alloc);
	return th_run(&t, cdb, 10, NULL, 0);
}

/* The page 'code' in a MODE SENSE answer, or NULL. */
static const uint8_t *find_page(uint32_t hdr, uint8_t code)
{
	uint32_t len = t.c.cmd.data_in_len;
	uint32_t bd = hdr == 4 ? t.buf[3] : get_be16(t.buf + 6);
	for (uint32_t off = hdr + bd; off + 2 <= len; off += 2u + t.buf[off + 1])
		if ((t.buf[off] & 0x3f) == code)
			return t.buf + off;
	return NULL;
}

START_TEST(all_pages_come_in_ascending_order_with_a_block_descriptor)
{
	ck_assert_int_eq(sense6(0, 0, 0x3f, 0, 255), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[0] + 1u, t.c.cmd.data_in_len);
	ck_assert_uint_eq(t.buf[2], 0x10); /* DPOFUA, not write protected */
	ck_assert_uint_eq(t.buf[3], 8);
	ck_assert_uint_eq(get_be32(t.buf + 4), 4096);
	ck_assert_uint_eq(get_be24(t.buf + 9), 512);
	uint8_t last = 0;
	for (uint32_t off = 12; off < t.c.cmd.data_in_len; off += 2u + t.buf[off + 1]) {
		ck_assert_uint_gt(t.buf[off] & 0x3f, last);
		last = t.buf[off] & 0x3f;
	}
	ck_assert_ptr_nonnull(find_page(4, 0x01));
	ck_assert_ptr_nonnull(find_page(4, 0x08));
	ck_assert_ptr_nonnull(find_page(4, 0x0a));
	ck_assert_ptr_nonnull(find_page(4, 0x1c));
	const uint8_t *caching = find_page(4, 0x08);
	ck_assert_uint_eq(caching[1], 0x12);
	ck_assert(caching[2] & 0x04); /* WCE as configured */
}
END_TEST

START_TEST(one_page_dbd_and_subpage_all)
{
	ck_assert_int_eq(sense6(0x08, 0, 0x0a, 0, 255), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[3], 0); /* DBD: no block descriptor */
	ck_assert_uint_eq(t.c.cmd.data_in_len, 4 + 12);
	ck_assert_uint_eq(t.buf[4] & 0x3f, 0x0a);
	ck_assert_int_eq(sense6(0x08, 0, 0x0a, 0xff, 255), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 4 + 12);
	ck_assert_int_eq(sense6(0x08, 0, 0x3f, 0xff, 255), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(unknown_page_or_subpage_is_invalid_field)
{
	sense6(0, 0, 0x19, 0, 255);
	ck_assert(th_check_field(&t, 2, 5));
	sense6(0, 0, 0x0a, 0x01, 255);
	ck_assert(th_check_field(&t, 3, 7));
}
END_TEST

START_TEST(mode_sense_10_with_llbaa_returns_the_long_descriptor)
{
	ck_assert_int_eq(sense10(0x10, 0, 0x08, 512), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be16(t.buf) + 2u, t.c.cmd.data_in_len);
	ck_assert_uint_eq(t.buf[4] & 1, 1);
	ck_assert_uint_eq(get_be16(t.buf + 6), 16);
	ck_assert_uint_eq(get_be64(t.buf + 8), 4096);
	ck_assert_uint_eq(get_be32(t.buf + 20), 512);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 8 + 16 + 20);
	ck_assert_int_eq(sense10(0, 0, 0x08, 512), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be16(t.buf + 6), 8);
}
END_TEST

START_TEST(changeable_values_show_wce_d_sense_and_swp)
{
	ck_assert_int_eq(sense6(0x08, 1, 0x3f, 0, 255), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(find_page(4, 0x08)[2], 0x04);
	ck_assert_uint_eq(find_page(4, 0x0a)[2], 0x04);
	ck_assert_uint_eq(find_page(4, 0x0a)[4], 0x08);
	ck_assert_uint_eq(find_page(4, 0x01)[2], 0x00);
}
END_TEST

START_TEST(allocation_length_truncates_without_overflow)
{
	ck_assert_int_eq(sense6(0, 0, 0x3f, 0, 4), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 4);
	ck_assert_uint_gt(t.buf[0], 3);
}
END_TEST

/* MODE SELECT(6) of one page, as MODE SENSE returned it. */
static int select6(uint8_t byte1, const uint8_t *page, uint32_t page_len, const uint8_t *bd)
{
	uint8_t list[64] = {0};
	uint32_t n = 4;
	if (bd != NULL) {
		list[3] = 8;
		memcpy(list + 4, bd, 8);
		n += 8;
	}
	memcpy(list + n, page, page_len);
	n += page_len;
	uint8_t cdb[6] = {0x15, byte1, 0, 0, (uint8_t)n, 0};
	return th_run(&t, cdb, 6, list, n);
}

static void current_page(uint8_t code, uint8_t *out)
{
	ck_assert_int_eq(sense6(0x08, 0, code, 0, 255), SCSI_STATUS_GOOD);
	memcpy(out, t.buf + 4, t.buf[5] + 2u);
	out[0] &= 0x3f; /* PS is reserved in MODE SELECT */
}

START_TEST(select_swp_write_protects_the_lu_until_cleared)
{
	uint8_t ctl[12], w[16], blk[512] = {0};
	current_page(0x0a, ctl);
	ctl[4] |= 0x08;
	ck_assert_int_eq(select6(0x10, ctl, 12, NULL), SCSI_STATUS_GOOD);
	sense6(0x08, 0, 0x0a, 0, 255);
	ck_assert_uint_eq(t.buf[2], 0x90); /* WP set in the device-specific parameter */
	th_cdb_rw(w, 0x2a, 0, 1);
	th_run(&t, w, 10, blk, sizeof(blk));
	ck_assert(th_check(&t, 0x7, 0x27, 0x00));
	ctl[4] &= (uint8_t)~0x08;
	ck_assert_int_eq(select6(0x10, ctl, 12, NULL), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, w, 10, blk, sizeof(blk)), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(select_d_sense_switches_to_descriptor_sense)
{
	uint8_t ctl[12], r[16];
	current_page(0x0a, ctl);
	ctl[2] |= 0x04;
	ck_assert_int_eq(select6(0x10, ctl, 12, NULL), SCSI_STATUS_GOOD);
	th_cdb_rw(r, 0x88, 0xffffffffffffffffull, 1);
	th_run(&t, r, 16, NULL, 0);
	ck_assert_uint_eq(t.c.cmd.sense[0], 0x72);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	/* the field pointer travels in a sense key specific descriptor */
	uint8_t inq[6] = {0x12, 0, 1, 0, 255, 0};
	th_run(&t, inq, 6, NULL, 0);
	ck_assert(th_check_field(&t, 2, 0xff));
	ck_assert(th_sense(&t).descriptor);
}
END_TEST

START_TEST(select_wce_off_makes_every_write_durable)
{
	uint8_t cache[20], w[16], blk[512] = {0};
	current_page(0x08, cache);
	cache[2] &= (uint8_t)~0x04;
	ck_assert_int_eq(select6(0x10, cache, 20, NULL), SCSI_STATUS_GOOD);
	th_cdb_rw(w, 0x2a, 0, 1);
	th_start(&t, w, 10, blk, sizeof(blk));
	ck_assert(t.fe.pending[0]->flags & RT_DISK_FUA);
	th_disk_run(&t);
}
END_TEST

START_TEST(select_of_an_unchangeable_bit_points_at_it)
{
	uint8_t ctl[12];
	current_page(0x0a, ctl);
	ctl[5] |= 0x40; /* TAS is not changeable */
	select6(0x10, ctl, 12, NULL);
	struct th_sense s = th_sense(&t);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	ck_assert(s.sks_valid);
	ck_assert_uint_eq(s.sks[0] & 0x40, 0); /* in the parameter list, not the CDB */
	ck_assert_uint_eq(s.sks[0] & 0x0f, 0x08 | 6);
	ck_assert_uint_eq(get_be16(s.sks + 1), 4 + 5);
	/* nothing was applied */
	sense6(0x08, 0, 0x0a, 0, 255);
	ck_assert_uint_eq(t.buf[4 + 5], 0);
}
END_TEST

START_TEST(select_rejects_ps_unknown_page_bad_length_and_truncation)
{
	uint8_t ctl[12];
	current_page(0x0a, ctl);
	ctl[0] |= 0x80;
	select6(0x10, ctl, 12, NULL);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	current_page(0x0a, ctl);
	ctl[0] = 0x19;
	select6(0x10, ctl, 12, NULL);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	current_page(0x0a, ctl);
	ctl[1] = 9;
	select6(0x10, ctl, 11, NULL);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	current_page(0x0a, ctl);
	select6(0x10, ctl, 8, NULL); /* the page does not fit the list */
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
}
END_TEST

START_TEST(select_without_pf_is_invalid_field_in_cdb)
{
	uint8_t ctl[12];
	current_page(0x0a, ctl);
	select6(0x00, ctl, 12, NULL);
	ck_assert(th_check_field(&t, 1, 4));
}
END_TEST

START_TEST(select_block_descriptor_may_restate_but_not_change_the_geometry)
{
	uint8_t ctl[12];
	uint8_t bd[8] = {0, 0, 0x10, 0, 0, 0, 0x02, 0}; /* 4096 blocks of 512 */
	current_page(0x0a, ctl);
	ck_assert_int_eq(select6(0x10, ctl, 12, bd), SCSI_STATUS_GOOD);
	memset(bd, 0, 4); /* number of blocks 0: no change asked */
	ck_assert_int_eq(select6(0x10, ctl, 12, bd), SCSI_STATUS_GOOD);
	bd[6] = 0x10; /* 4096-byte blocks: not supported */
	select6(0x10, ctl, 12, bd);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	ck_assert_uint_eq(get_be16(th_sense(&t).sks + 1), 4 + 5);
}
END_TEST

START_TEST(select_tells_other_nexuses_that_mode_parameters_changed)
{
	uint8_t ctl[12], tur[6] = {0};
	struct scsi_nexus me = t.nexus;
	t.nexus.rel_port = 2;
	th_clear_ua(&t);
	t.nexus = me;
	current_page(0x0a, ctl);
	ctl[2] |= 0x04;
	ck_assert_int_eq(select6(0x10, ctl, 12, NULL), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD); /* not to us */
	t.nexus.rel_port = 2;
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x2a, 0x01));
	/* selecting the same values again changes nothing */
	t.nexus = me;
	ck_assert_int_eq(select6(0x10, ctl, 12, NULL), SCSI_STATUS_GOOD);
	t.nexus.rel_port = 2;
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(saved_pages_survive_a_power_cycle)
{
	uint8_t cache[20];
	current_page(0x08, cache);
	cache[2] &= (uint8_t)~0x04;
	ck_assert_int_eq(select6(0x11, cache, 20, NULL), SCSI_STATUS_GOOD); /* SP */
	sense6(0x08, 3, 0x08, 0, 255); /* saved values */
	ck_assert_uint_eq(t.buf[4 + 2] & 0x04, 0);
	sense6(0x08, 2, 0x08, 0, 255); /* defaults are still the configuration's */
	ck_assert_uint_eq(t.buf[4 + 2] & 0x04, 0x04);
	/* power cycle: a new LU over the same environment */
	scsi_lu_destroy(t.lu);
	t.lu = scsi_lu_create(&t.fe.env, &t.cfg, 0, NULL);
	th_clear_ua(&t);
	sense6(0x08, 0, 0x08, 0, 255);
	ck_assert_uint_eq(t.buf[4 + 2] & 0x04, 0);
}
END_TEST

START_TEST(empty_select_changes_nothing)
{
	uint8_t cdb[6] = {0x15, 0x10, 0, 0, 0, 0};
	ck_assert_int_eq(th_run(&t, cdb, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.dir, SCSI_DIR_NONE);
}
END_TEST

Suite *suite_scsi_mode(void)
{
	Suite *s = suite_create("scsi_mode");
	TCase *tc = tcase_create("mode");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, all_pages_come_in_ascending_order_with_a_block_descriptor);
	tcase_add_test(tc, one_page_dbd_and_subpage_all);
	tcase_add_test(tc, unknown_page_or_subpage_is_invalid_field);
	tcase_add_test(tc, mode_sense_10_with_llbaa_returns_the_long_descriptor);
	tcase_add_test(tc, changeable_values_show_wce_d_sense_and_swp);
	tcase_add_test(tc, allocation_length_truncates_without_overflow);
	tcase_add_test(tc, select_swp_write_protects_the_lu_until_cleared);
	tcase_add_test(tc, select_d_sense_switches_to_descriptor_sense);
	tcase_add_test(tc, select_wce_off_makes_every_write_durable);
	tcase_add_test(tc, select_of_an_unchangeable_bit_points_at_it);
	tcase_add_test(tc, select_rejects_ps_unknown_page_bad_length_and_truncation);
	tcase_add_test(tc, select_without_pf_is_invalid_field_in_cdb);
	tcase_add_test(tc, select_block_descriptor_may_restate_but_not_change_the_geometry);
	tcase_add_test(tc, select_tells_other_nexuses_that_mode_parameters_changed);
	tcase_add_test(tc, saved_pages_survive_a_power_cycle);
	tcase_add_test(tc, empty_select_changes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
