/* test_scsi_atomic: WRITE ATOMIC(16) (SBC-4, scsi/rw.c) on LUs whose
 * backstore lands RT_DISK_ATOMIC writes whole (RT_LU_ATOMIC), and its
 * absence everywhere else: the command, its CDB checks, the disk flags it
 * asks for, the Block Limits VPD fields that advertise it. */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "scsi/sbc.h"
#include "test_scsi_harness.h"

#define BLOCKS 2048u
#define BS 512u

static struct th t;
static uint8_t data[64 * BS];

static void setup(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_WCE | RT_LU_ATOMIC);
	th_clear_ua(&t);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
}

static void teardown(void)
{
	th_fini(&t);
}

static void wa_cdb(uint8_t *cdb, uint8_t byte1, uint64_t lba, uint16_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = SBC_OP_WRITE_ATOMIC16;
	cdb[1] = byte1;
	put_be64(cdb + 2, lba);
	put_be16(cdb + 12, blocks);
}

/* One disk write of all the blocks, flagged atomic (and FUA when asked or
 * when the write cache is off). */
START_TEST(write_atomic_is_one_atomic_disk_write)
{
	uint8_t cdb[16];
	static const struct {
		uint8_t byte1;
		bool wce;
		uint32_t flags;
	} cases[] = {
		{0x00, true, RT_DISK_ATOMIC},
		{0x10, true, RT_DISK_ATOMIC},                /* DPO: a hint */
		{0x08, true, RT_DISK_ATOMIC | RT_DISK_FUA},  /* FUA */
		{0x00, false, RT_DISK_ATOMIC | RT_DISK_FUA}, /* no write cache */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.cfg.flags = RT_LU_ATOMIC | (cases[i].wce ? RT_LU_WCE : 0);
		th_lu_recreate(&t);
		th_clear_ua(&t);
		wa_cdb(cdb, cases[i].byte1, 100, 64);
		ck_assert_int_eq(th_start(&t, cdb, 16, data, 64 * BS), 0);
		ck_assert_uint_eq(th_pending(&t), 1);
		ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_WRITE);
		ck_assert_uint_eq(t.fe.pending[0]->offset, 100 * BS);
		ck_assert_uint_eq(t.fe.pending[0]->len, 64 * BS);
		ck_assert_uint_eq(t.fe.pending[0]->flags, cases[i].flags);
		th_disk_run(&t);
		ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
		ck_assert_int_eq(memcmp(th_disk(&t, 100), data, 64 * BS), 0);
	}
	wa_cdb(cdb, 0, BLOCKS - 1, 0); /* no blocks: nothing to do */
	ck_assert_int_eq(th_run(&t, cdb, 16, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(th_pending(&t), 0);
}
END_TEST

/* LBA range, the maximum atomic transfer, the unsupported ATOMIC
 * BOUNDARY and WRPROTECT, short data, write protection. */
START_TEST(write_atomic_checks_its_cdb_and_its_data)
{
	uint8_t cdb[16];
	wa_cdb(cdb, 0, BLOCKS - 1, 2);
	th_run(&t, cdb, 16, data, 2 * BS);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	wa_cdb(cdb, 0, UINT64_MAX, 1);
	th_run(&t, cdb, 16, data, BS);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	wa_cdb(cdb, 0, 0, (uint16_t)(RT_XFER_MAX / BS + 1));
	th_run(&t, cdb, 16, NULL, 0);
	ck_assert(th_check_field(&t, 12, 0xff));
	wa_cdb(cdb, 0, 0, 1);
	cdb[11] = 1; /* ATOMIC BOUNDARY: no boundaries here */
	th_run(&t, cdb, 16, data, BS);
	ck_assert(th_check_field(&t, 11, 0xff));
	for (uint8_t p = 1; p < 8; p++) { /* WRPROTECT: no protection information */
		wa_cdb(cdb, (uint8_t)(p << 5), 0, 1);
		th_run(&t, cdb, 16, data, BS);
		ck_assert(th_check_field(&t, 1, 7));
	}
	wa_cdb(cdb, 0, 0, 4);
	ck_assert_int_eq(th_start(&t, cdb, 16, data, 3 * BS), -1); /* cannot land whole */
	ck_assert(th_check(&t, 0x5, 0x0e, 0x03));
	t.map_ro = true;
	th_run(&t, cdb, 16, data, 4 * BS);
	ck_assert(th_check(&t, 0x7, 0x27, 0x00));
	ck_assert_uint_eq(th_disk(&t, 0)[0], 0);
}
END_TEST

/* A backstore that turns out not to write atomically is the target's
 * failure, not a medium error. */
START_TEST(write_atomic_the_disk_cannot_do_is_a_target_failure)
{
	uint8_t cdb[16];
	wa_cdb(cdb, 0, 0, 1);
	ck_assert_int_eq(th_start(&t, cdb, 16, data, BS), 0);
	th_complete(&t, 0, RT_DISK_ERR_UNSUPPORTED);
	ck_assert(th_check(&t, 0x4, 0x44, 0x00));
}
END_TEST

static void block_limits(void)
{
	uint8_t inq[6] = {0x12, 1, 0xb0, 0, 64, 0};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be16(t.buf + 2), 0x3c);
}

/* Advertised where it exists (MAXIMUM ATOMIC TRANSFER LENGTH, no
 * alignment, granularity or boundary), absent and unadvertised elsewhere. */
START_TEST(write_atomic_exists_and_is_advertised_only_on_atomic_lus)
{
	static const uint8_t zero[16];
	block_limits();
	ck_assert_uint_eq(get_be32(t.buf + 44), RT_XFER_MAX / BS);
	ck_assert_uint_le(get_be32(t.buf + 44), get_be32(t.buf + 8));
	ck_assert_int_eq(memcmp(t.buf + 48, zero, 16), 0);
	uint8_t one[12] = {0xa3, 0x0c, 0x01, SBC_OP_WRITE_ATOMIC16, 0, 0, 0, 0, 0, 64, 0, 0};
	ck_assert_int_eq(th_run(&t, one, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 0x07, 0x03);
	ck_assert_uint_eq(t.buf[4 + 1], 0x18); /* CDB USAGE DATA: DPO, FUA */
	t.cfg.flags = RT_LU_WCE;
	th_lu_recreate(&t);
	th_clear_ua(&t);
	block_limits();
	ck_assert_int_eq(memcmp(t.buf + 44, zero, 16), 0);
	uint8_t cdb[16];
	wa_cdb(cdb, 0, 0, 1);
	th_run(&t, cdb, 16, data, BS);
	ck_assert(th_check(&t, 0x5, 0x20, 0x00));
	ck_assert_int_eq(th_run(&t, one, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 0x07, 0x01);
}
END_TEST

Suite *suite_scsi_atomic(void)
{
	Suite *s = suite_create("scsi_atomic");
	TCase *tc = tcase_create("write_atomic");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, write_atomic_is_one_atomic_disk_write);
	tcase_add_test(tc, write_atomic_checks_its_cdb_and_its_data);
	tcase_add_test(tc, write_atomic_the_disk_cannot_do_is_a_target_failure);
	tcase_add_test(tc, write_atomic_exists_and_is_advertised_only_on_atomic_lus);
	suite_add_tcase(s, tc);
	return s;
}
