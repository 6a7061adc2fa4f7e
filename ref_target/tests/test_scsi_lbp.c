/* test_scsi_lbp: UNMAP, WRITE SAME, GET LBA STATUS (scsi/lbp.c) and
 * PRE-FETCH (scsi/sbc.c). */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "test_scsi_harness.h"

#define BLOCKS 4096u
#define BS 512u

static struct th t;

static void setup(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_THIN | RT_LU_LBPRZ | RT_LU_WCE);
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

static bool disk_is(uint64_t lba, uint64_t blocks, uint8_t v)
{
	const uint8_t *p = th_disk(&t, lba);
	for (uint64_t i = 0; i < blocks * BS; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* UNMAP with 'n' descriptors (lba, blocks) pairs. */
static int unmap(const uint64_t (*d)[2], uint32_t n, uint8_t byte1)
{
	uint8_t list[8 + 16 * 300];
	memset(list, 0, sizeof(list));
	put_be16(list, (uint16_t)(6 + 16 * n));
	put_be16(list + 2, (uint16_t)(16 * n));
	for (uint32_t i = 0; i < n; i++) {
		put_be64(list + 8 + 16 * i, d[i][0]);
		put_be32(list + 16 + 16 * i, (uint32_t)d[i][1]);
	}
	uint8_t cdb[10] = {0x42, byte1};
	put_be16(cdb + 7, (uint16_t)(8 + 16 * n));
	return th_run(&t, cdb, 10, list, 8 + 16 * n);
}

START_TEST(unmap_deallocates_each_descriptor)
{
	th_disk_fill(&t, 0, 64, 'a');
	const uint64_t d[][2] = {{2, 3}, {10, 0}, {20, 4}};
	ck_assert_int_eq(unmap(d, 3, 0), SCSI_STATUS_GOOD);
	ck_assert(disk_is(0, 2, 'a'));
	ck_assert(disk_is(2, 3, 0));
	ck_assert(disk_is(5, 15, 'a'));
	ck_assert(disk_is(20, 4, 0));
	ck_assert(disk_is(24, 40, 'a'));
}
END_TEST

START_TEST(unmap_sends_one_deallocation_per_descriptor_in_order)
{
	const uint64_t d[][2] = {{7, 1}, {3, 2}};
	uint8_t list[40] = {0, 38, 0, 32};
	put_be64(list + 8, d[0][0]);
	put_be32(list + 16, 1);
	put_be64(list + 24, d[1][0]);
	put_be32(list + 32, 2);
	uint8_t cdb[10] = {0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0};
	ck_assert_int_eq(th_start(&t, cdb, 10, list, 40), 0);
	ck_assert_uint_eq(th_pending(&t), 1);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_UNMAP);
	ck_assert_uint_eq(t.fe.pending[0]->offset, 7 * BS);
	th_complete(&t, 0, RT_DISK_OK);
	ck_assert_uint_eq(t.fe.pending[0]->offset, 3 * BS);
	ck_assert_uint_eq(t.fe.pending[0]->len, 2 * BS);
	th_complete(&t, 0, RT_DISK_ERR_WRITE); /* the second one fails */
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert(th_check(&t, 0x3, 0x0c, 0x00));
}
END_TEST

START_TEST(unmap_with_anchor_zeroes_and_keeps_blocks)
{
	const uint64_t d[][2] = {{0, 1}};
	uint8_t list[24] = {0, 22, 0, 16};
	put_be32(list + 16, 1);
	uint8_t cdb[10] = {0x42, 0x01, 0, 0, 0, 0, 0, 0, 24, 0};
	(void)d;
	ck_assert_int_eq(th_start(&t, cdb, 10, list, 24), 0);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_WRITE_ZEROES);
	th_disk_run(&t);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(unmap_zero_blocks_at_the_end_and_empty_lists_are_fine)
{
	const uint64_t d[][2] = {{BLOCKS, 0}};
	ck_assert_int_eq(unmap(d, 1, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(unmap(d, 0, 0), SCSI_STATUS_GOOD);
	uint8_t cdb[10] = {0x42};
	ck_assert_int_eq(th_run(&t, cdb, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.fe.npending, 0);
}
END_TEST

START_TEST(unmap_checks_every_descriptor_before_touching_anything)
{
	th_disk_fill(&t, 0, 8, 'a');
	const uint64_t d[][2] = {{0, 4}, {BLOCKS - 1, 2}};
	unmap(d, 2, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	ck_assert(disk_is(0, 4, 'a'));
	const uint64_t huge[][2] = {{UINT64_MAX, 1}};
	unmap(huge, 1, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
}
END_TEST

START_TEST(unmap_rejects_short_lists_and_too_many_descriptors)
{
	uint8_t cdb[10] = {0x42, 0, 0, 0, 0, 0, 0, 0, 6, 0};
	uint8_t list[8] = {0};
	th_run(&t, cdb, 10, list, 6);
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	static uint64_t d[257][2];
	for (int i = 0; i < 257; i++) {
		d[i][0] = (uint64_t)i;
		d[i][1] = 1;
	}
	unmap((const uint64_t(*)[2])d, 257, 0);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	ck_assert_int_eq(unmap((const uint64_t(*)[2])d, 256, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(unmap_does_not_exist_on_a_fully_provisioned_lu)
{
	th_fini(&t);
	th_init(&t, BLOCKS, BS, 0);
	th_clear_ua(&t);
	const uint64_t d[][2] = {{0, 1}};
	unmap(d, 1, 0);
	ck_assert(th_check(&t, 0x5, 0x20, 0x00));
}
END_TEST

static int write_same(uint8_t op, uint8_t byte1, uint64_t lba, uint32_t blocks, const uint8_t *block)
{
	uint8_t cdb[16] = {op, byte1};
	if (op == 0x41) {
		put_be32(cdb + 2, (uint32_t)lba);
		put_be16(cdb + 7, (uint16_t)blocks);
	} else {
		put_be64(cdb + 2, lba);
		put_be32(cdb + 10, blocks);
	}
	return th_run(&t, cdb, op == 0x41 ? 10 : 16, block, block ? BS : 0);
}

START_TEST(write_same_repeats_the_block_across_chunks)
{
	uint8_t block[BS];
	for (uint32_t i = 0; i < BS; i++)
		block[i] = (uint8_t)(i ^ 0x5a);
	/* 3000 blocks of 512 bytes: more than one 1 MiB chunk */
	ck_assert_int_eq(write_same(0x93, 0, 100, 3000, block), SCSI_STATUS_GOOD);
	for (uint32_t b = 100; b < 3100; b++)
		ck_assert_int_eq(memcmp(th_disk(&t, b), block, BS), 0);
	ck_assert_uint_eq(th_disk(&t, 99)[0], 0);
	ck_assert_uint_eq(th_disk(&t, 3100)[0], 0);
	ck_assert_int_eq(write_same(0x41, 0, 5, 2, block), SCSI_STATUS_GOOD);
	ck_assert_int_eq(memcmp(th_disk(&t, 6), block, BS), 0);
}
END_TEST

START_TEST(write_same_of_zeroes_is_one_write_zeroes_request)
{
	uint8_t zero[BS] = {0};
	th_disk_fill(&t, 0, 64, 'a');
	uint8_t cdb[16] = {0x93};
	put_be32(cdb + 10, 64);
	ck_assert_int_eq(th_start(&t, cdb, 16, zero, BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_WRITE_ZEROES);
	ck_assert_uint_eq(t.fe.pending[0]->len, 64 * BS);
	th_disk_run(&t);
	ck_assert(disk_is(0, 64, 0));
}
END_TEST

/* SBC-4's ANCHOR/UNMAP table: UNMAP means deallocate, whatever block the
 * command carries (libiscsi sends 0xff and expects zeroes back). */
START_TEST(write_same_unmap_deallocates_whatever_block_it_carries)
{
	uint8_t ones[BS];
	memset(ones, 0xff, BS);
	th_disk_fill(&t, 0, 8, 'a');
	uint8_t cdb[16] = {0x93, 0x08};
	put_be32(cdb + 10, 8);
	th_start(&t, cdb, 16, ones, BS);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_UNMAP);
	th_disk_run(&t);
	ck_assert(disk_is(0, 8, 0));
	th_disk_fill(&t, 0, 8, 0xff);
	/* NDOB: no data, zeroes */
	cdb[1] = 0x09;
	th_prep(&t, cdb, 16);
	ck_assert_int_eq(scsi_cmd_decode(&t.c.cmd), 0);
	ck_assert_uint_eq(t.c.cmd.xfer_len, 0);
	ck_assert_int_eq(th_run(&t, cdb, 16, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert(disk_is(0, 8, 0));
}
END_TEST

START_TEST(write_same_zero_blocks_means_to_the_end)
{
	uint8_t block[BS];
	memset(block, 0x11, BS);
	ck_assert_int_eq(write_same(0x93, 0, BLOCKS - 10, 0, block), SCSI_STATUS_GOOD);
	ck_assert(disk_is(BLOCKS - 10, 10, 0x11));
	ck_assert_uint_eq(th_disk(&t, BLOCKS - 11)[0], 0);
}
END_TEST

START_TEST(write_same_is_limited_to_one_maximum_transfer)
{
	th_fini(&t);
	th_init(&t, 40000, BS, RT_LU_THIN);
	th_clear_ua(&t);
	uint8_t inq[6] = {0x12, 1, 0xb0, 0, 64, 0};
	th_run(&t, inq, 6, NULL, 0);
	uint64_t max = get_be64(t.buf + 36);
	ck_assert_uint_eq(max, RT_XFER_MAX / BS);
	uint8_t block[BS] = {0};
	ck_assert_int_eq(write_same(0x93, 0x08, 0, (uint32_t)max, block), SCSI_STATUS_GOOD);
	write_same(0x93, 0x08, 0, (uint32_t)max + 1, block);
	ck_assert(th_check_field(&t, 10, 0xff));
	write_same(0x93, 0, 0, 0, block); /* to the end: 40000 blocks */
	ck_assert(th_check_field(&t, 10, 0xff));
	ck_assert_int_eq(write_same(0x93, 0, 40000 - max, 0, block), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(write_same_checks_its_range_and_bits)
{
	uint8_t block[BS] = {1};
	write_same(0x93, 0, BLOCKS - 1, 2, block);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	write_same(0x93, 0, BLOCKS + 1, 0, block);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	write_same(0x93, 0, UINT64_MAX, 1, block);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	write_same(0x93, 0x10, 0, 1, block); /* ANCHOR without UNMAP */
	ck_assert(th_check_field(&t, 1, 4));
	ck_assert_int_eq(write_same(0x93, 0x18, 0, 1, block), SCSI_STATUS_GOOD);
	write_same(0x41, 0x01, 0, 1, block); /* WRITE SAME(10) has no NDOB */
	ck_assert(th_check_field(&t, 1, 2));
	th_fini(&t);
	th_init(&t, BLOCKS, BS, 0); /* fully provisioned: no UNMAP bit */
	th_clear_ua(&t);
	write_same(0x93, 0x08, 0, 1, block);
	ck_assert(th_check_field(&t, 1, 3));
	ck_assert_int_eq(write_same(0x93, 0, 0, 1, block), SCSI_STATUS_GOOD);
	t.map_ro = true; /* write protection is reported before that */
	write_same(0x93, 0x08, 0, 1, block);
	ck_assert(th_check(&t, 0x7, 0x27, 0x00));
}
END_TEST

/* The Data-Out buffer is one block, with or without UNMAP, and none
 * with NDOB (libiscsi WriteSame10/16.InvalidDataOutSize). */
START_TEST(write_same_with_other_than_one_block_is_invalid_information_unit)
{
	static const struct {
		uint8_t byte1;
		uint32_t data_out;
	} bad[] = {{0, 100}, {0, 0}, {0, 2 * BS}, {0x08, BS / 2}, {0x08, 2 * BS}, {0x08, 0}, {0x09, BS}};
	static uint8_t block[2 * BS];
	th_disk_fill(&t, 0, 4, 'a');
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t cdb[16] = {0x93, bad[i].byte1};
		put_be32(cdb + 10, 4);
		ck_assert_int_eq(th_start(&t, cdb, 16, block, bad[i].data_out), 0);
		ck_assert(th_check(&t, 0x5, 0x0e, 0x03));
		ck_assert_uint_eq(th_pending(&t), 0);
	}
	uint8_t ws10[10] = {0x41, 0x08};
	put_be16(ws10 + 7, 4);
	th_run(&t, ws10, 10, block, 2 * BS);
	ck_assert(th_check(&t, 0x5, 0x0e, 0x03));
	ck_assert(disk_is(0, 4, 'a'));
	/* write protection comes first (libiscsi ReadOnly.ReadOnlySBC sends
	 * its UNMAP without a block) */
	t.map_ro = true;
	th_run(&t, ws10, 10, NULL, 0);
	ck_assert(th_check(&t, 0x7, 0x27, 0x00));
}
END_TEST

static void gls_cdb(uint8_t *cdb, uint64_t lba, uint32_t alloc)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x9e;
	cdb[1] = 0x12;
	put_be64(cdb + 2, lba);
	put_be32(cdb + 10, alloc);
}

/* Descriptor i of the last GET LBA STATUS answer. */
static void gls_is(unsigned i, uint64_t lba, uint32_t blocks, uint8_t status)
{
	const uint8_t *d = t.buf + 8 + 16 * i;
	ck_assert_uint_eq(get_be64(d), lba);
	ck_assert_uint_eq(get_be32(d + 8), blocks);
	ck_assert_uint_eq(d[12], status);
}

/* SBC-3 GET LBA STATUS on a thin LU: one MAP_STATUS question per run,
 * from the starting LBA to the end of the medium, equal runs merged. */
START_TEST(get_lba_status_describes_the_runs_the_disk_reports)
{
	uint8_t cdb[16];
	gls_cdb(cdb, 10, 8 + 16 * 4);
	ck_assert_int_eq(th_start(&t, cdb, 16, NULL, 0), 0);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_MAP_STATUS);
	ck_assert_uint_eq(t.fe.pending[0]->offset, 10 * BS);
	ck_assert_uint_eq(t.fe.pending[0]->len, (BLOCKS - 10) * BS);
	th_complete_map(&t, 0, true, 5);
	ck_assert_uint_eq(t.fe.pending[0]->offset, 15 * BS);
	th_complete_map(&t, 0, false, 100);
	th_complete_map(&t, 0, false, 20); /* the same state: one descriptor */
	ck_assert_uint_eq(t.fe.pending[0]->offset, 135 * BS);
	th_complete_map(&t, 0, true, 0); /* says nothing: the block asked about */
	th_complete_map(&t, 0, true, 1u << 30); /* more than asked: to the end */
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 8 + 16 * 3);
	ck_assert_uint_eq(get_be32(t.buf), 4 + 16 * 3);
	gls_is(0, 10, 5, 0);
	gls_is(1, 15, 120, 1);
	gls_is(2, 135, BLOCKS - 135, 0);
}
END_TEST

/* With room for one descriptor, a run that would need a second ends the
 * answer; a fully provisioned LU asks the disk nothing. */
START_TEST(get_lba_status_stops_at_the_allocation_length_and_knows_full_lus)
{
	uint8_t cdb[16];
	for (uint32_t alloc = 0; alloc <= 24; alloc += 12) {
		gls_cdb(cdb, 100, alloc);
		ck_assert_int_eq(th_start(&t, cdb, 16, NULL, 0), 0);
		th_complete_map(&t, 0, false, 50);
		th_complete_map(&t, 0, false, 50);
		th_complete_map(&t, 0, true, 10);
		ck_assert_int_eq(t.c.done_calls, 1);
		ck_assert_uint_eq(t.c.cmd.data_in_len, alloc < 24 ? alloc : 24);
		if (alloc >= 4)
			ck_assert_uint_eq(get_be32(t.buf), 20);
		if (alloc == 24)
			gls_is(0, 100, 100, 1);
	}
	th_fini(&t);
	th_init(&t, BLOCKS, BS, 0);
	th_clear_ua(&t);
	gls_cdb(cdb, 100, 24);
	ck_assert_int_eq(th_start(&t, cdb, 16, NULL, 0), 0);
	ck_assert_uint_eq(th_pending(&t), 0);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	gls_is(0, 100, BLOCKS - 100, 0);
}
END_TEST

/* An environment that cannot tell (RT_DISK_ERR_UNSUPPORTED): the rest is
 * "mapped or unknown"; a disk error is the command's. */
START_TEST(get_lba_status_falls_back_to_mapped_and_reports_disk_errors)
{
	uint8_t cdb[16];
	size_t live = t.fe.live_bytes;
	gls_cdb(cdb, 0, 8 + 16 * 8);
	th_start(&t, cdb, 16, NULL, 0);
	th_complete(&t, 0, RT_DISK_ERR_UNSUPPORTED);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf), 20);
	gls_is(0, 0, BLOCKS, 0);
	th_start(&t, cdb, 16, NULL, 0);
	th_complete_map(&t, 0, false, 7);
	th_complete(&t, 0, RT_DISK_ERR_UNSUPPORTED);
	ck_assert_uint_eq(get_be32(t.buf), 36);
	gls_is(0, 0, 7, 1);
	gls_is(1, 7, BLOCKS - 7, 0);
	th_start(&t, cdb, 16, NULL, 0);
	th_complete_map(&t, 0, false, 7);
	th_complete(&t, 0, RT_DISK_ERR_READ);
	ck_assert(th_check(&t, 0x3, 0x11, 0x00));
	ck_assert_uint_eq(t.c.cmd.data_in_len, 0);
	ck_assert_uint_eq(t.fe.live_bytes, live);
}
END_TEST

START_TEST(get_lba_status_checks_the_starting_lba)
{
	uint8_t cdb[16];
	gls_cdb(cdb, BLOCKS - 1, 24);
	ck_assert_int_eq(th_run(&t, cdb, 16, NULL, 0), SCSI_STATUS_GOOD);
	gls_is(0, BLOCKS - 1, 1, 0);
	gls_cdb(cdb, BLOCKS, 24);
	th_run(&t, cdb, 16, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	gls_cdb(cdb, UINT64_MAX, 24);
	th_run(&t, cdb, 16, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
}
END_TEST

START_TEST(prefetch_checks_the_range_and_answers_good)
{
	uint8_t p10[10] = {0x34, 0x02};
	put_be32(p10 + 2, BLOCKS - 4);
	put_be16(p10 + 7, 4);
	p10[6] = 3;
	ck_assert_int_eq(th_run(&t, p10, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.fe.npending, 0);
	put_be16(p10 + 7, 5);
	th_run(&t, p10, 10, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	uint8_t p16[16] = {0x90};
	put_be64(p16 + 2, UINT64_MAX);
	th_run(&t, p16, 16, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
}
END_TEST

Suite *suite_scsi_lbp(void)
{
	Suite *s = suite_create("scsi_lbp");
	TCase *tc = tcase_create("lbp");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, unmap_deallocates_each_descriptor);
	tcase_add_test(tc, unmap_sends_one_deallocation_per_descriptor_in_order);
	tcase_add_test(tc, unmap_with_anchor_zeroes_and_keeps_blocks);
	tcase_add_test(tc, unmap_zero_blocks_at_the_end_and_empty_lists_are_fine);
	tcase_add_test(tc, unmap_checks_every_descriptor_before_touching_anything);
	tcase_add_test(tc, unmap_rejects_short_lists_and_too_many_descriptors);
	tcase_add_test(tc, unmap_does_not_exist_on_a_fully_provisioned_lu);
	tcase_add_test(tc, write_same_repeats_the_block_across_chunks);
	tcase_add_test(tc, write_same_of_zeroes_is_one_write_zeroes_request);
	tcase_add_test(tc, write_same_unmap_deallocates_whatever_block_it_carries);
	tcase_add_test(tc, write_same_zero_blocks_means_to_the_end);
	tcase_add_test(tc, write_same_is_limited_to_one_maximum_transfer);
	tcase_add_test(tc, write_same_checks_its_range_and_bits);
	tcase_add_test(tc, write_same_with_other_than_one_block_is_invalid_information_unit);
	tcase_add_test(tc, get_lba_status_describes_the_runs_the_disk_reports);
	tcase_add_test(tc, get_lba_status_stops_at_the_allocation_length_and_knows_full_lus);
	tcase_add_test(tc, get_lba_status_falls_back_to_mapped_and_reports_disk_errors);
	tcase_add_test(tc, get_lba_status_checks_the_starting_lba);
	tcase_add_test(tc, prefetch_checks_the_range_and_answers_good);
	suite_add_tcase(s, tc);
	return s;
}
