/* test_scsi_xcopy: EXTENDED COPY (LID1) and RECEIVE COPY RESULTS
 * (scsi/xcopy.c), the reachability rule of CVE-2020-28374 included. */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "scsi/spc.h"
#include "test_scsi_harness.h"

#define BLOCKS 8192u
#define BS 512u

static struct th t;
static uint8_t list[4096];

static void setup(void)
{
	th_init(&t, BLOCKS, BS, 0);
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

/* An identification target descriptor naming an LU by its NAA. */
static uint32_t target_desc(uint8_t *d, const struct rt_lu_cfg *cfg)
{
	memset(d, 0, 32);
	d[0] = 0xe4;
	d[4] = 0x01;       /* code set binary */
	d[5] = 0x03;       /* LU, NAA */
	d[7] = 16;
	inquiry_naa(cfg, d + 8);
	put_be24(d + 29, BS);
	return 32;
}

static uint32_t segment_b2b(uint8_t *d, uint16_t src_idx, uint16_t dst_idx, uint16_t blocks, uint64_t src,
			    uint64_t dst)
{
	memset(d, 0, 28);
	d[0] = 0x02;
	put_be16(d + 2, 0x18);
	put_be16(d + 4, src_idx);
	put_be16(d + 6, dst_idx);
	put_be16(d + 10, blocks);
	put_be64(d + 12, src);
	put_be64(d + 20, dst);
	return 28;
}

/* Header for tdl/sdl bytes of descriptors already at list+16. */
static void header(uint8_t list_id, uint8_t usage, uint32_t tdl, uint32_t sdl)
{
	memset(list, 0, 16);
	list[0] = list_id;
	list[1] = (uint8_t)(usage << 3);
	put_be16(list + 2, (uint16_t)tdl);
	put_be32(list + 8, sdl);
}

static int xcopy(uint32_t len)
{
	uint8_t cdb[16] = {0x83, 0x00};
	put_be32(cdb + 10, len);
	return th_run(&t, cdb, 16, list, len);
}

/* One target, one segment copying 'blocks' from src to dst. */
static uint32_t simple_list(uint8_t list_id, uint8_t usage, uint16_t blocks, uint64_t src, uint64_t dst)
{
	uint32_t tdl = target_desc(list + 16, &t.cfg);
	uint32_t sdl = segment_b2b(list + 16 + tdl, 0, 0, blocks, src, dst);
	header(list_id, usage, tdl, sdl);
	return 16 + tdl + sdl;
}

START_TEST(copies_blocks_within_the_lu_in_chunks)
{
	for (uint32_t b = 0; b < 3000; b++)
		memset(th_disk(&t, b), (int)(b & 0xff), BS);
	ck_assert_int_eq(xcopy(simple_list(1, 3, 3000, 0, 5000)), SCSI_STATUS_GOOD);
	ck_assert_int_eq(memcmp(th_disk(&t, 5000), th_disk(&t, 0), 3000 * BS), 0);
	ck_assert_uint_eq(th_disk(&t, 4999)[0], 0);
}
END_TEST

START_TEST(inquiry_claims_third_party_copy)
{
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	th_run(&t, inq, 6, NULL, 0);
	ck_assert(t.buf[5] & 0x08);
}
END_TEST

START_TEST(an_empty_list_copies_nothing)
{
	ck_assert_int_eq(xcopy(0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(a_designator_outside_the_nexus_inventory_is_not_reachable)
{
	struct rt_lu_cfg other = t.cfg;
	other.serial = "SN-of-an-LU-this-nexus-cannot-see";
	other.naa_id = 0x999;
	uint32_t tdl = target_desc(list + 16, &other);
	uint32_t sdl = segment_b2b(list + 16 + tdl, 0, 0, 8, 0, 100);
	header(1, 3, tdl, sdl);
	xcopy(16 + tdl + sdl);
	ck_assert(th_check(&t, 0xa, 0x0d, 0x02));
	/* and even its own LU is unreachable for a nexus whose map lacks it */
	uint32_t len = simple_list(1, 3, 8, 0, 100);
	uint8_t cdb[16] = {0x83};
	put_be32(cdb + 10, len);
	th_prep(&t, cdb, 16);
	t.c.cmd.lun_count = 0;
	ck_assert_int_eq(scsi_cmd_decode(&t.c.cmd), 0);
	memcpy(t.buf, list, len);
	t.c.cmd.data_out_len = len;
	scsi_cmd_exec(&t.c.cmd);
	ck_assert(th_check(&t, 0xa, 0x0d, 0x02));
}
END_TEST

START_TEST(segments_beyond_the_end_or_naming_missing_targets_abort_the_copy)
{
	xcopy(simple_list(1, 3, 2048, 0, BLOCKS - 1));
	ck_assert(th_check(&t, 0xa, 0x0d, 0x02));
	uint32_t tdl = target_desc(list + 16, &t.cfg);
	uint32_t sdl = segment_b2b(list + 16 + tdl, 0, 1, 8, 0, 100);
	header(1, 3, tdl, sdl);
	xcopy(16 + tdl + sdl);
	ck_assert(th_check(&t, 0xa, 0x0d, 0x02));
	ck_assert_uint_eq(th_disk(&t, 100)[0], 0);
}
END_TEST

START_TEST(descriptor_limits_and_lengths_are_checked)
{
	/* more targets than OPERATING PARAMETERS allow */
	uint32_t tdl = 0;
	for (int i = 0; i < 9; i++)
		tdl += target_desc(list + 16 + tdl, &t.cfg);
	uint32_t sdl = segment_b2b(list + 16 + tdl, 0, 0, 8, 0, 100);
	header(1, 3, tdl, sdl);
	xcopy(16 + tdl + sdl);
	ck_assert(th_check(&t, 0x5, 0x26, 0x06));
	/* more segments */
	tdl = target_desc(list + 16, &t.cfg);
	sdl = 0;
	for (int i = 0; i < 33; i++)
		sdl += segment_b2b(list + 16 + tdl + sdl, 0, 0, 1, 0, 100);
	header(1, 3, tdl, sdl);
	xcopy(16 + tdl + sdl);
	ck_assert(th_check(&t, 0x5, 0x26, 0x08));
	/* a list that ends inside a descriptor */
	uint32_t len = simple_list(1, 3, 8, 0, 100);
	xcopy(len - 1);
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	xcopy(16 + 31);
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	/* other descriptor types */
	simple_list(1, 3, 8, 0, 100);
	list[16] = 0xe0;
	xcopy(len);
	ck_assert(th_check(&t, 0x5, 0x26, 0x07));
	simple_list(1, 3, 8, 0, 100);
	list[16 + 32] = 0x03;
	xcopy(len);
	ck_assert(th_check(&t, 0x5, 0x26, 0x09));
}
END_TEST

/* INVALID FIELD IN PARAMETER LIST (05/26/00) whose sense-key specific
 * field pointer (SPC-4 §4.5.2.4.2, C/D = 0: the parameter list) names byte
 * and bit (0xff: no bit). */
static bool param_field(uint16_t byte, uint8_t bit)
{
	struct th_sense s = th_sense(&t);
	if (!th_check(&t, 0x5, 0x26, 0x00) || !s.sks_valid || (s.sks[0] & 0x40) || get_be16(s.sks + 1) != byte)
		return false;
	if (bit == 0xff)
		return !(s.sks[0] & 0x08);
	return (s.sks[0] & 0x08) && (s.sks[0] & 0x07) == bit;
}

START_TEST(parameter_list_fields_are_checked_and_the_bad_one_pointed_at)
{
	/* shorter than the 16-byte header */
	uint32_t len = simple_list(1, 3, 8, 0, 100);
	xcopy(8);
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	/* LIST ID USAGE 01b is reserved: byte 1, bit 4 */
	simple_list(1, 1, 8, 0, 100);
	xcopy(len);
	ck_assert(param_field(1, 4));
	/* inline data: our MAXIMUM INLINE DATA LENGTH is 0 (byte 12) */
	simple_list(1, 3, 8, 0, 100);
	put_be32(list + 12, 4);
	xcopy(len + 4);
	ck_assert(param_field(12, 0xff));
	/* a target descriptor list length that is not whole descriptors (byte 2) */
	simple_list(1, 3, 8, 0, 100);
	put_be16(list + 2, 31);
	put_be32(list + 8, 0);
	xcopy(16 + 31);
	ck_assert(param_field(2, 0xff));
	/* DISK BLOCK LENGTH other than the LU's (target descriptor byte 29) */
	simple_list(1, 3, 8, 0, 100);
	put_be24(list + 16 + 29, 4096);
	xcopy(len);
	ck_assert(param_field(16 + 29, 0xff));
	/* a block-to-block segment whose DESCRIPTOR LENGTH is not 0x18 */
	simple_list(1, 3, 8, 0, 100);
	put_be16(list + 16 + 32 + 2, 0x14);
	xcopy(len);
	ck_assert(param_field(16 + 32 + 2, 0xff));
}
END_TEST

static int receive_results(uint8_t sa, uint8_t list_id)
{
	uint8_t cdb[16] = {0x84, sa, list_id};
	put_be32(cdb + 10, 1024);
	return th_run(&t, cdb, 16, NULL, 0);
}

START_TEST(copy_status_is_held_per_nexus_and_list_id)
{
	receive_results(0, 7);
	ck_assert(th_check_field(&t, 2, 0xff));
	ck_assert_int_eq(xcopy(simple_list(7, 0, 2048, 0, 4096)), SCSI_STATUS_GOOD);
	ck_assert_int_eq(receive_results(0, 7), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[4], 0x01); /* completed without errors */
	ck_assert_uint_eq(get_be16(t.buf + 5), 1);
	ck_assert_uint_eq(t.buf[7], 0x01);
	ck_assert_uint_eq(get_be32(t.buf + 8), 2048 * BS / 1024);
	/* another nexus has no such copy */
	t.nexus.rel_port = 2;
	th_clear_ua(&t);
	receive_results(0, 7);
	ck_assert(th_check_field(&t, 2, 0xff));
	/* a failed copy says so */
	t.nexus.rel_port = 1;
	uint32_t len = simple_list(8, 0, 16, 0, 4096);
	uint8_t cdb[16] = {0x83};
	put_be32(cdb + 10, len);
	th_start(&t, cdb, 16, list, len);
	th_complete(&t, 0, RT_DISK_ERR_READ);
	ck_assert(th_check(&t, 0xa, 0x11, 0x00));
	ck_assert_int_eq(receive_results(0, 8), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[4], 0x02);
}
END_TEST

START_TEST(a_list_id_in_use_is_operation_in_progress)
{
	uint32_t len = simple_list(9, 0, 16, 0, 4096);
	uint8_t cdb[16] = {0x83};
	put_be32(cdb + 10, len);
	static uint8_t buf2[4096];
	struct th_cmd second;
	ck_assert_int_eq(th_start(&t, cdb, 16, list, len), 0);
	ck_assert_int_eq(th_start_other(&t, &second, buf2, cdb, 16, list, len), 0);
	ck_assert_int_eq(second.done_calls, 1);
	ck_assert_uint_eq(second.cmd.sense[12], 0x00);
	ck_assert_uint_eq(second.cmd.sense[13], 0x16);
	th_disk_run(&t);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(operating_parameters_describe_the_copy_manager)
{
	ck_assert_int_eq(receive_results(3, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_ge(get_be32(t.buf), 40);
	ck_assert_uint_eq(get_be16(t.buf + 8), 8);
	ck_assert_uint_eq(get_be16(t.buf + 10), 32);
	ck_assert_uint_eq(get_be32(t.buf + 12), 8 * 32 + 32 * 28);
	ck_assert_uint_eq(t.buf[43], 2);
	ck_assert_uint_eq(t.buf[44], 0x02);
	ck_assert_uint_eq(t.buf[45], 0xe4);
	receive_results(1, 0); /* RECEIVE DATA: not offered */
	ck_assert(th_check_field(&t, 1, 4));
}
END_TEST

Suite *suite_scsi_xcopy(void)
{
	Suite *s = suite_create("scsi_xcopy");
	TCase *tc = tcase_create("xcopy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, copies_blocks_within_the_lu_in_chunks);
	tcase_add_test(tc, inquiry_claims_third_party_copy);
	tcase_add_test(tc, an_empty_list_copies_nothing);
	tcase_add_test(tc, a_designator_outside_the_nexus_inventory_is_not_reachable);
	tcase_add_test(tc, segments_beyond_the_end_or_naming_missing_targets_abort_the_copy);
	tcase_add_test(tc, descriptor_limits_and_lengths_are_checked);
	tcase_add_test(tc, parameter_list_fields_are_checked_and_the_bad_one_pointed_at);
	tcase_add_test(tc, copy_status_is_held_per_nexus_and_list_id);
	tcase_add_test(tc, a_list_id_in_use_is_operation_in_progress);
	tcase_add_test(tc, operating_parameters_describe_the_copy_manager);
	suite_add_tcase(s, tc);
	return s;
}
