/* test_scsi_faults: every failure is answered and nothing leaks.
 *
 * SQLite-style walks: fail the N-th allocation, or the N-th disk request,
 * for every N a command can reach; the command must end exactly once
 * (BUSY, or CHECK CONDITION with sense), give back all it allocated, and
 * leave the LU usable (the write gate free). Then random CDBs and
 * parameter data, which must never trip an assertion. */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "scsi/lu.h"
#include "scsi/sbc.h"
#include "scsi/spc.h"
#include "test_scsi_harness.h"

#define BLOCKS 4096u
#define BS 512u

static struct th t;
static size_t live;
static uint8_t data[64 * 1024];

static void setup(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_THIN | RT_LU_LBPRZ | RT_LU_SANITIZE | RT_LU_ATOMIC);
	th_clear_ua(&t);
	live = t.fe.live_bytes;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31);
}

static void teardown(void)
{
	th_fini(&t);
}

struct scenario {
	const char *name;
	uint8_t cdb[16];
	uint32_t out_len;
	void (*prepare)(void); /* build data[] */
};

static void prep_verify(void)
{
	memcpy(data, th_disk(&t, 0), 100 * BS); /* what the medium holds */
}

static void prep_caw(void)
{
	memcpy(data, th_disk(&t, 8), 4 * BS); /* compare half matches the disk */
}

static void prep_xcopy(void)
{
	memset(data, 0, 16 + 32 + 28);
	put_be16(data + 2, 32);
	put_be32(data + 8, 28);
	uint8_t *d = data + 16;
	d[0] = 0xe4;
	d[4] = 0x01;
	d[5] = 0x03;
	d[7] = 16;
	inquiry_naa(&t.cfg, d + 8);
	put_be24(d + 29, BS);
	uint8_t *s = data + 16 + 32;
	s[0] = 0x02;
	put_be16(s + 2, 0x18);
	put_be16(s + 10, 3000);
	put_be64(s + 12, 0);
	put_be64(s + 20, 1000);
}

static void prep_sanitize(void)
{
	data[0] = 0x01;
	data[1] = 0;
	put_be16(data + 2, BS);
	memset(data + 4, 0x5a, BS);
}

static void prep_pattern(void)
{
	memset(data, 0x77, BS);
}

static void prep_aptpl(void)
{
	memset(data, 0, 24);
	put_be64(data + 8, 0xabc);
	data[20] = 0x01; /* APTPL: saved through a buffer from env->alloc */
}

static const struct scenario scenarios[] = {
	{"VERIFY(16) BYTCHK", {0x8f, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100}, 100 * BS, prep_verify},
	{"COMPARE AND WRITE", {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 4}, 8 * BS, prep_caw},
	{"ORWRITE", {0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 20}, 20 * BS, NULL},
	{"WRITE SAME pattern", {0x93, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, 0xb8}, BS, prep_pattern},
	{"EXTENDED COPY", {0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16 + 32 + 28}, 16 + 32 + 28, prep_xcopy},
	{"SANITIZE OVERWRITE", {0x48, 0x01, 0, 0, 0, 0, 0, (BS + 4) >> 8, (BS + 4) & 0xff}, BS + 4, prep_sanitize},
	{"PR OUT REGISTER APTPL", {0x5f, 0x06, 0, 0, 0, 0, 0, 0, 24}, 24, prep_aptpl},
	{"WRITE AND VERIFY(10)", {0x2e, 0x02, 0, 0, 0, 0x10, 0, 0, 16}, 16 * BS, NULL},
	{"GET LBA STATUS", {0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, 0, NULL},
	{"SANITIZE BLOCK ERASE", {0x48, 0x02}, 0, NULL},
	{"WRITE ATOMIC(16)", {SBC_OP_WRITE_ATOMIC16, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 16}, 16 * BS, NULL},
};
#define SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* After a failure: nothing leaked, and a write still gets through. */
static void assert_lu_healthy(const char *name, unsigned n)
{
	ck_assert_msg(t.fe.live_bytes == live, "%s, step %u: %zu bytes leaked", name, n, t.fe.live_bytes - live);
	uint8_t w[16];
	th_cdb_rw(w, 0x2a, 4000, 1);
	t.fe.fail_alloc_at = -1;
	ck_assert_msg(th_run(&t, w, 10, data, BS) == SCSI_STATUS_GOOD, "%s, step %u: LU stuck", name, n);
}

START_TEST(every_failed_allocation_is_answered_without_leaks)
{
	const struct scenario *s = &scenarios[_i];
	for (unsigned n = 0;; n++) {
		if (s->prepare)
			s->prepare();
		t.fe.fail_alloc_at = t.fe.allocs + n;
		int st = th_run(&t, s->cdb, 16, data, s->out_len);
		ck_assert_int_eq(t.c.done_calls, 1);
		bool failed = t.fe.allocs > t.fe.fail_alloc_at;
		t.fe.fail_alloc_at = -1;
		if (!failed) { /* this N is past the command's last allocation */
			ck_assert_msg(st == SCSI_STATUS_GOOD, "%s: status %d", s->name, st);
			break;
		}
		ck_assert_msg(st == SCSI_STATUS_BUSY || st == SCSI_STATUS_CHECK_CONDITION, "%s, allocation %u: %d",
			      s->name, n, st);
		assert_lu_healthy(s->name, n);
		ck_assert_uint_lt(n, 16);
	}
}
END_TEST

START_TEST(every_failed_disk_request_is_answered_without_leaks)
{
	const struct scenario *s = &scenarios[_i];
	for (unsigned n = 0;; n++) {
		if (s->prepare)
			s->prepare();
		th_prep(&t, s->cdb, 16);
		ck_assert_int_eq(th_start(&t, s->cdb, 16, data, s->out_len), 0);
		unsigned done = 0;
		bool failed = false;
		while (th_pending(&t) > 0) {
			bool fail = done == n;
			th_complete(&t, 0, fail ? RT_DISK_ERR_WRITE : RT_DISK_OK);
			failed = failed || fail;
			done++;
		}
		ck_assert_int_eq(t.c.done_calls, 1);
		if (!failed) {
			ck_assert_msg(t.c.cmd.status == SCSI_STATUS_GOOD || s->cdb[0] == 0x48, "%s", s->name);
			break;
		}
		ck_assert_msg(t.c.cmd.status == SCSI_STATUS_CHECK_CONDITION, "%s, request %u", s->name, n);
		if (s->cdb[0] == 0x48) { /* a failed sanitize leaves failure mode */
			uint8_t efm[10] = {0x48, 0x1f};
			ck_assert_int_eq(th_run(&t, efm, 10, NULL, 0), SCSI_STATUS_GOOD);
		}
		assert_lu_healthy(s->name, n);
		ck_assert_uint_lt(n, 64);
	}
}
END_TEST

/* xorshift: deterministic, so a failure replays. */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

START_TEST(random_cdbs_and_data_are_answered_exactly_once)
{
	static const uint8_t opcodes[] = {0x00, 0x03, 0x12, 0x15, 0x16, 0x17, 0x1a, 0x1b, 0x1e, 0x25, 0x28, 0x2a,
					  0x2e, 0x2f, 0x34, 0x35, 0x37, 0x41, 0x42, 0x48, 0x55, 0x56, 0x57, 0x5a,
					  0x5e, 0x5f, 0x83, 0x84, 0x88, 0x89, 0x8a, 0x8b, 0x8e, 0x8f, 0x90, 0x91,
					  0x93, 0x9c, 0x9e, 0xa0, 0xa3, 0xa4, 0xa8, 0xaa, 0xae, 0xaf, 0xb7};
	for (int iter = 0; iter < 30000; iter++) {
		uint8_t cdb[16];
		for (int i = 0; i < 16; i++)
			cdb[i] = (uint8_t)next();
		cdb[0] = opcodes[next() % sizeof(opcodes)];
		/* mostly-valid CDBs get further: clear reserved-looking bits often */
		if (next() % 2) {
			cdb[1] &= 0x1f;
			cdb[15] = 0;
			for (int i = 2; i < 10; i++)
				cdb[i] = (uint8_t)(next() % 4 == 0 ? cdb[i] : 0);
		}
		uint32_t out = (uint32_t)(next() % 4096);
		for (uint32_t i = 0; i < out; i++)
			data[i] = (uint8_t)next();
		if (next() % 8 == 0)
			t.nexus.rel_port = (uint16_t)(1 + next() % 3);
		th_prep(&t, cdb, 16);
		if (scsi_cmd_decode(&t.c.cmd) != 0) {
			ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_CHECK_CONDITION);
			ck_assert_uint_gt(t.c.cmd.sense_len, 0);
			continue;
		}
		if (t.c.cmd.xfer_len > 64 * 1024 * 1024)
			continue;
		uint32_t n = out < t.c.cmd.xfer_len ? out : t.c.cmd.xfer_len;
		memcpy(t.buf, data, n);
		t.c.cmd.data_out_len = t.c.cmd.dir == SCSI_DIR_OUT ? n : 0;
		scsi_cmd_exec(&t.c.cmd);
		unsigned ios = 0;
		while (th_pending(&t) > 0 && ios++ < 20000)
			th_complete(&t, 0, next() % 16 == 0 ? RT_DISK_ERR_READ : RT_DISK_OK);
		ck_assert_uint_eq(th_pending(&t), 0);
		ck_assert_int_eq(t.c.done_calls, 1);
		ck_assert_uint_le(t.c.cmd.data_in_len, t.c.cmd.xfer_len);
		if (t.c.cmd.lu->sanitize.failed) {
			uint8_t efm[10] = {0x48, 0x1f};
			th_run(&t, efm, 10, NULL, 0);
		}
	}
	ck_assert_uint_eq(t.fe.live_bytes, live);
}
END_TEST

Suite *suite_scsi_faults(void)
{
	Suite *s = suite_create("scsi_faults");
	TCase *tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, every_failed_allocation_is_answered_without_leaks, 0, SCENARIOS);
	tcase_add_loop_test(tc, every_failed_disk_request_is_answered_without_leaks, 0, SCENARIOS);
	tcase_add_test(tc, random_cdbs_and_data_are_answered_exactly_once);
	suite_add_tcase(s, tc);
	return s;
}
