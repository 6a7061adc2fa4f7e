/* test_scsi_rw: READ, WRITE, VERIFY, WRITE AND VERIFY (scsi/rw.c): CDB
 * validation, data, FUA, residual writes, out-of-order and failed I/O. */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "test_scsi_harness.h"

#define BLOCKS 2048u
#define BS 512u

static struct th t;
static uint8_t data[RT_XFER_MAX];

static void setup(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_WCE);
	th_clear_ua(&t);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
}

static void teardown(void)
{
	th_fini(&t);
}

static const uint8_t reads[] = {0x08, 0x28, 0xa8, 0x88};
static const uint8_t writes[] = {0x0a, 0x2a, 0xaa, 0x8a};

START_TEST(write_then_read_returns_the_data_for_every_cdb_size)
{
	for (int i = 0; i < 4; i++) {
		uint8_t cdb[16];
		uint64_t lba = 10 + 20 * (uint64_t)i;
		uint32_t len = th_cdb_rw(cdb, writes[i], lba, 8);
		ck_assert_int_eq(th_run(&t, cdb, len, data + i, 8 * BS), SCSI_STATUS_GOOD);
		ck_assert_int_eq(memcmp(th_disk(&t, lba), data + i, 8 * BS), 0);
		len = th_cdb_rw(cdb, reads[i], lba, 8);
		ck_assert_int_eq(th_run(&t, cdb, len, NULL, 0), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.c.cmd.dir, SCSI_DIR_IN);
		ck_assert_uint_eq(t.c.cmd.data_in_len, 8 * BS);
		ck_assert_int_eq(memcmp(t.buf, data + i, 8 * BS), 0);
	}
}
END_TEST

START_TEST(read6_and_write6_transfer_length_zero_means_256_blocks)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x0a, 0, 0);
	ck_assert_int_eq(th_run(&t, cdb, 6, data, 256 * BS), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.xfer_len, 256 * BS);
	th_cdb_rw(cdb, 0x08, 0, 0);
	ck_assert_int_eq(th_run(&t, cdb, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 256 * BS);
	ck_assert_int_eq(memcmp(t.buf, data, 256 * BS), 0);
}
END_TEST

START_TEST(zero_length_read_and_write_do_nothing_and_succeed)
{
	uint8_t cdb[16];
	for (int i = 1; i < 4; i++) {
		uint32_t len = th_cdb_rw(cdb, reads[i], 5, 0);
		ck_assert_int_eq(th_run(&t, cdb, len, NULL, 0), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.c.cmd.xfer_len, 0);
		ck_assert_uint_eq(t.c.cmd.dir, SCSI_DIR_NONE);
		len = th_cdb_rw(cdb, writes[i], 5, 0);
		ck_assert_int_eq(th_run(&t, cdb, len, NULL, 0), SCSI_STATUS_GOOD);
	}
}
END_TEST

START_TEST(lba_or_length_beyond_the_end_is_lba_out_of_range)
{
	uint8_t cdb[16];
	for (int i = 0; i < 4; i++) {
		uint64_t cases[][2] = {{BLOCKS - 1, 2}, {BLOCKS, 1}, {BLOCKS + 1, 0}, {BLOCKS, 0}};
		for (size_t c = 0; c < 4; c++) {
			uint32_t len = th_cdb_rw(cdb, reads[i], cases[c][0], (uint32_t)cases[c][1]);
			if (i == 0 && cases[c][1] == 0)
				continue; /* READ(6) length 0 is 256 */
			th_run(&t, cdb, len, NULL, 0);
			ck_assert_msg(th_check(&t, 0x5, 0x21, 0x00), "op %02x lba %llu", reads[i],
				      (unsigned long long)cases[c][0]);
		}
	}
	/* 16-byte LBA near 2^64: no wrap-around */
	th_cdb_rw(cdb, 0x88, UINT64_MAX, 1);
	th_run(&t, cdb, 16, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	th_cdb_rw(cdb, 0x8a, UINT64_MAX - 1, 2);
	th_run(&t, cdb, 16, data, 2 * BS);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	/* the last block itself is fine */
	th_cdb_rw(cdb, 0x28, BLOCKS - 1, 1);
	ck_assert_int_eq(th_run(&t, cdb, 10, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(transfer_longer_than_the_maximum_is_invalid_field_at_the_length)
{
	th_fini(&t);
	th_init(&t, 1u << 20, BS, 0);
	th_clear_ua(&t);
	uint8_t cdb[16];
	uint32_t max = RT_XFER_MAX / BS;
	th_cdb_rw(cdb, 0xa8, 0, max + 1);
	th_run(&t, cdb, 12, NULL, 0);
	ck_assert(th_check_field(&t, 6, 0xff));
	th_cdb_rw(cdb, 0x8a, 0, max + 1);
	th_run(&t, cdb, 16, NULL, 0);
	ck_assert(th_check_field(&t, 10, 0xff));
	th_cdb_rw(cdb, 0x28, 0, max);
	ck_assert_int_eq(th_run(&t, cdb, 10, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(protection_fields_are_rejected_without_protection_information)
{
	uint8_t cdb[16];
	for (uint8_t prot = 1; prot < 8; prot++) {
		th_cdb_rw(cdb, 0x28, 0, 1);
		cdb[1] = (uint8_t)(prot << 5);
		th_run(&t, cdb, 10, NULL, 0);
		ck_assert(th_check_field(&t, 1, 7));
		th_cdb_rw(cdb, 0x8a, 0, 1);
		cdb[1] = (uint8_t)(prot << 5);
		th_run(&t, cdb, 16, data, BS);
		ck_assert(th_check_field(&t, 1, 7));
		th_cdb_rw(cdb, 0x2f, 0, 1);
		cdb[1] = (uint8_t)(prot << 5);
		th_run(&t, cdb, 10, NULL, 0);
		ck_assert(th_check_field(&t, 1, 7));
	}
}
END_TEST

START_TEST(dpo_fua_and_fua_nv_are_accepted)
{
	uint8_t cdb[16];
	const uint8_t flags[] = {0x10, 0x08, 0x02, 0x1a};
	for (size_t i = 0; i < sizeof(flags); i++) {
		th_cdb_rw(cdb, 0x2a, 1, 1);
		cdb[1] = flags[i];
		ck_assert_int_eq(th_run(&t, cdb, 10, data, BS), SCSI_STATUS_GOOD);
		th_cdb_rw(cdb, 0x28, 1, 1);
		cdb[1] = flags[i];
		ck_assert_int_eq(th_run(&t, cdb, 10, NULL, 0), SCSI_STATUS_GOOD);
	}
}
END_TEST

/* Start a write and look at the disk request it makes. */
static struct rt_disk_io *write_io(uint8_t op, uint8_t byte1)
{
	uint8_t cdb[16];
	uint32_t len = th_cdb_rw(cdb, op, 4, 2);
	cdb[1] |= byte1;
	ck_assert_int_eq(th_start(&t, cdb, len, data, 2 * BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1);
	return t.fe.pending[0];
}

START_TEST(fua_write_asks_the_disk_for_durability)
{
	struct rt_disk_io *io = write_io(0x2a, 0x08);
	ck_assert_uint_eq(io->op, RT_DISK_WRITE);
	ck_assert_uint_eq(io->offset, 4 * BS);
	ck_assert_uint_eq(io->len, 2 * BS);
	ck_assert_uint_eq(io->lu, 0);
	ck_assert(io->flags & RT_DISK_FUA);
	th_disk_run(&t);
	io = write_io(0x2a, 0);
	ck_assert(!(io->flags & RT_DISK_FUA));
	th_disk_run(&t);
}
END_TEST

START_TEST(every_write_is_fua_when_the_write_cache_is_off)
{
	th_fini(&t);
	th_init(&t, BLOCKS, BS, 0); /* no RT_LU_WCE */
	th_clear_ua(&t);
	struct rt_disk_io *io = write_io(0x2a, 0);
	ck_assert(io->flags & RT_DISK_FUA);
	th_disk_run(&t);
	io = write_io(0x0a, 0); /* WRITE(6) has no FUA bit at all */
	ck_assert(io->flags & RT_DISK_FUA);
	th_disk_run(&t);
}
END_TEST

START_TEST(short_data_out_writes_only_the_whole_blocks_received)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 0, 2, 'a');
	memset(data, 'b', 2 * BS);
	th_cdb_rw(cdb, 0x2a, 0, 2);
	ck_assert_int_eq(th_run(&t, cdb, 10, data, BS), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(th_disk(&t, 0)[BS - 1], 'b');
	ck_assert_uint_eq(th_disk(&t, 1)[0], 'a');
	/* nothing received: nothing written, GOOD */
	th_cdb_rw(cdb, 0x2a, 1, 1);
	ck_assert_int_eq(th_run(&t, cdb, 10, data, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(th_disk(&t, 1)[0], 'a');
	ck_assert_uint_eq(t.fe.npending, 0);
}
END_TEST

START_TEST(data_out_ending_inside_a_block_is_invalid_field_in_information_unit)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 0, 2, 'a');
	memset(data, 'b', 2 * BS);
	th_cdb_rw(cdb, 0x2a, 0, 2);
	th_run(&t, cdb, 10, data, BS + 200);
	ck_assert(th_check(&t, 0x5, 0x0e, 0x03));
	ck_assert_uint_eq(th_disk(&t, 0)[0], 'a'); /* nothing reached the disk */
	th_cdb_rw(cdb, 0x2a, 0, 1);
	th_run(&t, cdb, 10, data, 200);
	ck_assert(th_check(&t, 0x5, 0x0e, 0x03));
}
END_TEST

START_TEST(disk_errors_map_to_sense)
{
	uint8_t cdb[16];
	const struct {
		uint8_t op;
		enum rt_disk_status st;
		uint8_t key, asc, ascq;
	} cases[] = {
		{0x28, RT_DISK_ERR_READ, 0x3, 0x11, 0x00},
		{0x2a, RT_DISK_ERR_WRITE, 0x3, 0x0c, 0x00},
		{0x2a, RT_DISK_ERR_SPACE, 0x7, 0x27, 0x07},
		{0x2a, RT_DISK_ERR_FENCED, 0x2, 0x04, 0x0a},
		{0x2a, RT_DISK_ERR_BLOCKLISTED, 0x2, 0x04, 0x0c},
		{0x28, RT_DISK_ERR_BLOCKLISTED, 0x2, 0x04, 0x0c},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		th_cdb_rw(cdb, cases[i].op, 0, 1);
		ck_assert_int_eq(th_start(&t, cdb, 10, data, BS), 0);
		ck_assert_int_eq(t.c.done_calls, 0);
		th_complete(&t, 0, cases[i].st);
		ck_assert_int_eq(t.c.done_calls, 1);
		ck_assert(th_check(&t, cases[i].key, cases[i].asc, cases[i].ascq));
		ck_assert_uint_eq(t.c.cmd.data_in_len, 0);
	}
}
END_TEST

/* Two commands in flight, completed newest first. */
START_TEST(commands_complete_in_whatever_order_the_disk_finishes)
{
	struct th_cmd second;
	uint8_t cdb[16];
	static uint8_t buf2[4 * BS];
	th_cdb_rw(cdb, 0x2a, 0, 1);
	ck_assert_int_eq(th_start(&t, cdb, 10, data, BS), 0);
	memset(&second, 0, sizeof(second));
	second.cmd = t.c.cmd;
	second.cmd.buf = buf2;
	th_cdb_rw(second.cmd.cdb, 0x28, 8, 4);
	ck_assert_int_eq(scsi_cmd_decode(&second.cmd), 0);
	scsi_cmd_exec(&second.cmd);
	ck_assert_uint_eq(th_pending(&t), 2);
	th_disk_fill(&t, 8, 4, 0x77);
	th_complete(&t, 1, RT_DISK_OK); /* the read */
	ck_assert_int_eq(second.done_calls, 1);
	ck_assert_int_eq(t.c.done_calls, 0);
	ck_assert_uint_eq(buf2[0], 0x77);
	th_complete(&t, 0, RT_DISK_OK);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
}
END_TEST

/* ---- VERIFY ---- */

static const uint8_t verifies[] = {0x2f, 0xaf, 0x8f};

START_TEST(verify_bytchk_0_checks_the_medium_only)
{
	uint8_t cdb[16];
	for (int i = 0; i < 3; i++) {
		uint32_t len = th_cdb_rw(cdb, verifies[i], 0, 100);
		ck_assert_int_eq(th_run(&t, cdb, len, NULL, 0), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.c.cmd.xfer_len, 0);
	}
	/* a medium error on the way is reported */
	th_cdb_rw(cdb, 0x2f, 0, 1);
	th_start(&t, cdb, 10, NULL, 0);
	th_complete(&t, 0, RT_DISK_ERR_READ);
	ck_assert(th_check(&t, 0x3, 0x11, 0x00));
}
END_TEST

START_TEST(verify_bytchk_1_compares_and_reports_the_first_differing_byte)
{
	uint8_t cdb[16];
	memcpy(th_disk(&t, 100), data, 600 * BS); /* longer than one verify chunk */
	for (int i = 0; i < 3; i++) {
		uint32_t len = th_cdb_rw(cdb, verifies[i], 100, 600);
		cdb[1] = 0x02;
		ck_assert_int_eq(th_run(&t, cdb, len, data, 600 * BS), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.c.cmd.xfer_len, 600 * BS);
	}
	uint8_t bad[600 * BS];
	memcpy(bad, data, sizeof(bad));
	bad[555 * BS + 17] ^= 0x40;
	th_cdb_rw(cdb, 0x8f, 100, 600);
	cdb[1] = 0x02;
	ck_assert_int_eq(th_run(&t, cdb, 16, bad, sizeof(bad)), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0xe, 0x1d, 0x00));
	struct th_sense s = th_sense(&t);
	ck_assert(s.info_valid);
	ck_assert_uint_eq(s.info, 555 * BS + 17);
}
END_TEST

START_TEST(verify_bytchk_3_compares_every_block_with_the_one_sent)
{
	uint8_t cdb[16], block[BS];
	memset(block, 0x3c, BS);
	th_disk_fill(&t, 40, 10, 0x3c);
	th_cdb_rw(cdb, 0x2f, 40, 10);
	cdb[1] = 0x06;
	ck_assert_int_eq(th_run(&t, cdb, 10, block, BS), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.xfer_len, BS);
	th_disk(&t, 47)[3] = 0;
	ck_assert_int_eq(th_run(&t, cdb, 10, block, BS), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0xe, 0x1d, 0x00));
	ck_assert_uint_eq(th_sense(&t).info, 3);
}
END_TEST

START_TEST(verify_bytchk_2_is_reserved)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x2f, 0, 1);
	cdb[1] = 0x04;
	th_run(&t, cdb, 10, NULL, 0);
	ck_assert(th_check_field(&t, 1, 2));
}
END_TEST

START_TEST(verify_range_is_checked_like_a_read)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x2f, BLOCKS + 1, 0);
	cdb[1] = 0x02;
	th_run(&t, cdb, 10, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	th_cdb_rw(cdb, 0x8f, BLOCKS - 1, 2);
	th_run(&t, cdb, 16, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
}
END_TEST

/* ---- WRITE AND VERIFY ---- */

START_TEST(write_and_verify_writes_durably_then_verifies)
{
	const uint8_t ops[] = {0x2e, 0xae, 0x8e};
	uint8_t cdb[16];
	for (int i = 0; i < 3; i++) {
		uint32_t len = th_cdb_rw(cdb, ops[i], 30, 4);
		cdb[1] = 0x02; /* BYTCHK */
		ck_assert_int_eq(th_start(&t, cdb, len, data + i, 4 * BS), 0);
		ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_WRITE);
		ck_assert(t.fe.pending[0]->flags & RT_DISK_FUA);
		th_complete(&t, 0, RT_DISK_OK);
		ck_assert_uint_eq(th_pending(&t), 1);
		ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_READ);
		th_disk_run(&t);
		ck_assert_int_eq(t.c.done_calls, 1);
		ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
		ck_assert_int_eq(memcmp(th_disk(&t, 30), data + i, 4 * BS), 0);
	}
}
END_TEST

START_TEST(write_and_verify_reports_a_miscompare_when_the_medium_lies)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x2e, 30, 2);
	cdb[1] = 0x02;
	th_start(&t, cdb, 10, data, 2 * BS);
	th_complete(&t, 0, RT_DISK_OK);
	th_disk(&t, 31)[9] ^= 1; /* a torn write, seen by the verify read */
	th_disk_run(&t);
	ck_assert(th_check(&t, 0xe, 0x1d, 0x00));
	ck_assert_uint_eq(th_sense(&t).info, BS + 9);
}
END_TEST

START_TEST(write_and_verify_with_short_data_writes_and_verifies_whole_blocks)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 0, 2, 'a');
	memset(data, 'b', 2 * BS);
	th_cdb_rw(cdb, 0x2e, 0, 2);
	cdb[1] = 0x02;
	ck_assert_int_eq(th_run(&t, cdb, 10, data, BS), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(th_disk(&t, 0)[0], 'b');
	ck_assert_uint_eq(th_disk(&t, 1)[0], 'a');
}
END_TEST

START_TEST(verify_answers_busy_when_out_of_memory)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x2f, 0, 1);
	t.fe.fail_alloc_at = t.fe.allocs;
	ck_assert_int_eq(th_run(&t, cdb, 10, NULL, 0), SCSI_STATUS_BUSY);
	ck_assert_uint_eq(t.c.cmd.sense_len, 0);
}
END_TEST

Suite *suite_scsi_rw(void)
{
	Suite *s = suite_create("scsi_rw");
	TCase *tc = tcase_create("rw");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_then_read_returns_the_data_for_every_cdb_size);
	tcase_add_test(tc, read6_and_write6_transfer_length_zero_means_256_blocks);
	tcase_add_test(tc, zero_length_read_and_write_do_nothing_and_succeed);
	tcase_add_test(tc, lba_or_length_beyond_the_end_is_lba_out_of_range);
	tcase_add_test(tc, transfer_longer_than_the_maximum_is_invalid_field_at_the_length);
	tcase_add_test(tc, protection_fields_are_rejected_without_protection_information);
	tcase_add_test(tc, dpo_fua_and_fua_nv_are_accepted);
	tcase_add_test(tc, fua_write_asks_the_disk_for_durability);
	tcase_add_test(tc, every_write_is_fua_when_the_write_cache_is_off);
	tcase_add_test(tc, short_data_out_writes_only_the_whole_blocks_received);
	tcase_add_test(tc, data_out_ending_inside_a_block_is_invalid_field_in_information_unit);
	tcase_add_test(tc, disk_errors_map_to_sense);
	tcase_add_test(tc, commands_complete_in_whatever_order_the_disk_finishes);
	tcase_add_test(tc, verify_bytchk_0_checks_the_medium_only);
	tcase_add_test(tc, verify_bytchk_1_compares_and_reports_the_first_differing_byte);
	tcase_add_test(tc, verify_bytchk_3_compares_every_block_with_the_one_sent);
	tcase_add_test(tc, verify_bytchk_2_is_reserved);
	tcase_add_test(tc, verify_range_is_checked_like_a_read);
	tcase_add_test(tc, write_and_verify_writes_durably_then_verifies);
	tcase_add_test(tc, write_and_verify_reports_a_miscompare_when_the_medium_lies);
	tcase_add_test(tc, write_and_verify_with_short_data_writes_and_verifies_whole_blocks);
	tcase_add_test(tc, verify_answers_busy_when_out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}
