/* test_scsi_caw: COMPARE AND WRITE and ORWRITE (scsi/caw.c), and their
 * atomicity against other writes through the LU's gate (scsi/taskset.c),
 * with disk completions in any order; and COMPARE AND WRITE as one
 * request to storage that compares and writes in one step
 * (RT_LU_COMPARE_WRITE, RT_DISK_COMPARE_WRITE). */
#include <check.h>
#include <string.h>

#include "scsi/bytes.h"
#include "scsi/sbc.h"
#include "test_scsi_harness.h"

#define BLOCKS 1024u
#define BS 512u

static struct th t;
static uint8_t buf[2 * 255 * BS];
static size_t live; /* env memory the LU itself holds */

static void setup(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_WCE);
	th_clear_ua(&t);
	live = t.fe.live_bytes;
}

static void teardown(void)
{
	th_fini(&t);
}

static uint32_t caw_cdb(uint8_t *cdb, uint64_t lba, uint8_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = 0x89;
	put_be64(cdb + 2, lba);
	cdb[13] = blocks;
	return 16;
}

/* verify half 'v', write half 'w' */
static void caw_data(uint32_t blocks, uint8_t v, uint8_t w)
{
	memset(buf, v, blocks * BS);
	memset(buf + blocks * BS, w, blocks * BS);
}

START_TEST(caw_writes_when_the_medium_matches)
{
	uint8_t cdb[16];
	for (uint32_t n = 1; n <= 255; n += 127) {
		th_disk_fill(&t, 10, n, 'A');
		caw_data(n, 'A', 'B');
		caw_cdb(cdb, 10, (uint8_t)n);
		ck_assert_int_eq(th_run(&t, cdb, 16, buf, 2 * n * BS), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.c.cmd.xfer_len, 2 * n * BS);
		ck_assert_int_eq(memcmp(th_disk(&t, 10), buf + n * BS, n * BS), 0);
	}
}
END_TEST

START_TEST(caw_miscompare_reports_the_offset_and_writes_nothing)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 0, 4, 'A');
	caw_data(4, 'A', 'B');
	buf[4 * BS - 27] = 'C';
	caw_cdb(cdb, 0, 4);
	ck_assert_int_eq(th_run(&t, cdb, 16, buf, 8 * BS), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0xe, 0x1d, 0x00));
	struct th_sense s = th_sense(&t);
	ck_assert(s.info_valid);
	ck_assert_uint_eq(s.info, 4 * BS - 27);
	memset(buf + 4 * BS, 'A', 4 * BS);
	ck_assert_int_eq(memcmp(th_disk(&t, 0), buf + 4 * BS, 4 * BS), 0);
	ck_assert_uint_eq(t.fe.live_bytes, live); /* the read buffer was freed */
}
END_TEST

START_TEST(caw_limits_range_and_zero_blocks)
{
	uint8_t cdb[16];
	caw_cdb(cdb, 0, 0);
	ck_assert_int_eq(th_run(&t, cdb, 16, NULL, 0), SCSI_STATUS_GOOD);
	caw_cdb(cdb, BLOCKS - 1, 2);
	th_run(&t, cdb, 16, buf, 4 * BS);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	caw_cdb(cdb, UINT64_MAX, 1);
	th_run(&t, cdb, 16, buf, 2 * BS);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	/* DPO and FUA accepted; FUA makes the write durable */
	th_disk_fill(&t, 0, 1, 'A');
	caw_data(1, 'A', 'B');
	caw_cdb(cdb, 0, 1);
	cdb[1] = 0x18;
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	th_complete(&t, 0, RT_DISK_OK);
	ck_assert_uint_eq(t.fe.pending[0]->op, RT_DISK_WRITE);
	ck_assert(t.fe.pending[0]->flags & RT_DISK_FUA);
	th_disk_run(&t);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
}
END_TEST

/* The Data-Out buffer must be exactly the two halves NUMBER OF LOGICAL
 * BLOCKS describes (libiscsi CompareAndWrite.InvalidDataOutSize); 256
 * blocks reach the one-byte field as 0 with 512 blocks of data
 * (CompareAndWrite.Simple expects INVALID FIELD IN CDB for it). */
START_TEST(caw_data_out_other_than_two_halves_is_an_invalid_block_count)
{
	static const struct {
		uint8_t blocks;
		uint32_t data_out;
	} bad[] = {{2, 3 * BS}, {1, 4 * BS}, {3, 4 * BS}, {0, 2 * BS}, {0, 2 * 255 * BS}};
	uint8_t cdb[16];
	caw_data(255, 0, 'B');
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		caw_cdb(cdb, 0, bad[i].blocks);
		ck_assert_int_eq(th_start(&t, cdb, 16, buf, bad[i].data_out), -1);
		ck_assert(th_check_field(&t, 13, 0xff));
		ck_assert_uint_eq(th_pending(&t), 0);
	}
	ck_assert_uint_eq(th_disk(&t, 0)[0], 0);
	ck_assert_uint_eq(t.fe.live_bytes, live);
}
END_TEST

START_TEST(caw_read_error_is_reported_and_nothing_written)
{
	uint8_t cdb[16];
	caw_data(1, 0, 'B');
	caw_cdb(cdb, 0, 1);
	th_start(&t, cdb, 16, buf, 2 * BS);
	th_complete(&t, 0, RT_DISK_ERR_READ);
	ck_assert(th_check(&t, 0x3, 0x11, 0x00));
	ck_assert_uint_eq(th_pending(&t), 0);
	ck_assert_uint_eq(t.fe.live_bytes, live);
}
END_TEST

/* A WRITE in flight when COMPARE AND WRITE arrives: the CAW must not read
 * before the write is done, or it would compare against stale data and
 * then overwrite the newer write. */
START_TEST(caw_waits_for_writes_in_flight)
{
	static uint8_t wbuf[BS];
	struct th_cmd w;
	uint8_t wcdb[16], cdb[16];
	th_disk_fill(&t, 5, 1, 'A');
	memset(wbuf, 'W', BS);
	th_cdb_rw(wcdb, 0x2a, 5, 1);
	caw_cdb(cdb, 5, 1);
	th_prep(&t, cdb, 16);
	ck_assert_int_eq(th_start_other(&t, &w, wbuf, wcdb, 10, wbuf, BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1);
	caw_data(1, 'W', 'B'); /* expects the write to have landed */
	caw_cdb(cdb, 5, 1);
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1); /* the CAW waits, no read yet */
	th_complete(&t, 0, RT_DISK_OK);       /* the write lands */
	ck_assert_int_eq(w.done_calls, 1);
	ck_assert_uint_eq(th_pending(&t), 1); /* now the CAW reads */
	th_disk_run(&t);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(th_disk(&t, 5)[0], 'B');
}
END_TEST

/* Writes arriving while COMPARE AND WRITE runs wait until it is done,
 * then run in arrival order; reads never wait. */
START_TEST(writes_wait_while_caw_runs_and_reads_do_not)
{
	static uint8_t b1[BS], b2[BS], r[BS];
	struct th_cmd w1, w2, rd;
	uint8_t cdb[16], wcdb[16], rcdb[16];
	th_disk_fill(&t, 5, 1, 'A');
	caw_data(1, 'A', 'B');
	caw_cdb(cdb, 5, 1);
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1); /* CAW read */
	memset(b1, '1', BS);
	memset(b2, '2', BS);
	th_cdb_rw(wcdb, 0x2a, 5, 1);
	ck_assert_int_eq(th_start_other(&t, &w1, b1, wcdb, 10, b1, BS), 0);
	th_cdb_rw(wcdb, 0x2a, 900, 1); /* elsewhere: waits too (one queue) */
	ck_assert_int_eq(th_start_other(&t, &w2, b2, wcdb, 10, b2, BS), 0);
	th_cdb_rw(rcdb, 0x28, 5, 1);
	ck_assert_int_eq(th_start_other(&t, &rd, r, rcdb, 10, NULL, 0), 0);
	ck_assert_uint_eq(th_pending(&t), 2); /* CAW read + the read */
	th_complete(&t, 1, RT_DISK_OK);       /* the read finishes first */
	ck_assert_int_eq(rd.done_calls, 1);
	th_complete(&t, 0, RT_DISK_OK);       /* CAW read: compare, write */
	ck_assert_uint_eq(th_pending(&t), 1);
	ck_assert_ptr_eq(t.fe.pending[0]->buf, t.buf + BS);
	ck_assert_int_eq(w1.done_calls + w2.done_calls, 0);
	th_complete(&t, 0, RT_DISK_OK);       /* CAW write: done, writes go */
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(th_pending(&t), 2);
	th_complete(&t, 1, RT_DISK_OK); /* complete them out of order */
	th_complete(&t, 0, RT_DISK_OK);
	ck_assert_int_eq(w1.done_calls, 1);
	ck_assert_int_eq(w2.done_calls, 1);
	ck_assert_uint_eq(th_disk(&t, 5)[0], '1');
}
END_TEST

/* scsi_cmd_abort between the steps of a COMPARE AND WRITE: the read in
 * flight finishes, the write is never submitted, done() says TASK ABORTED,
 * the scratch buffer is freed; a write queued behind it at the gate is
 * aborted at once, without any I/O, and the gate opens for the next. */
START_TEST(an_aborted_caw_never_writes_and_a_queued_write_ends_at_once)
{
	static uint8_t b1[BS], b2[BS];
	struct th_cmd w1, w2;
	uint8_t cdb[16], wcdb[16];
	th_disk_fill(&t, 5, 1, 'A');
	caw_data(1, 'A', 'B');
	caw_cdb(cdb, 5, 1);
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	memset(b1, '1', BS);
	memset(b2, '2', BS);
	th_cdb_rw(wcdb, 0x2a, 6, 1);
	ck_assert_int_eq(th_start_other(&t, &w1, b1, wcdb, 10, b1, BS), 0);
	th_cdb_rw(wcdb, 0x2a, 7, 1);
	ck_assert_int_eq(th_start_other(&t, &w2, b2, wcdb, 10, b2, BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1); /* only the CAW's read */
	scsi_cmd_abort(&w1.cmd);              /* waiting at the gate */
	ck_assert_int_eq(w1.done_calls, 1);
	ck_assert_uint_eq(w1.cmd.status, SCSI_STATUS_TASK_ABORTED);
	scsi_cmd_abort(&t.c.cmd);             /* its read is in flight */
	ck_assert_int_eq(t.c.done_calls, 0);
	th_complete(&t, 0, RT_DISK_OK);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_TASK_ABORTED);
	ck_assert_uint_eq(th_disk(&t, 5)[0], 'A'); /* never written */
	ck_assert_uint_eq(th_pending(&t), 1);      /* the gate let w2 go */
	th_disk_run(&t);
	ck_assert_int_eq(w2.done_calls, 1);
	ck_assert_uint_eq(th_disk(&t, 6)[0], 0);
	ck_assert_uint_eq(th_disk(&t, 7)[0], '2');
	ck_assert_uint_eq(t.fe.live_bytes, live);
}
END_TEST

/* scsi_cmd_release (the engine is destroyed with I/O in flight): the
 * command's memory is returned and done() never runs. */
START_TEST(a_released_caw_returns_its_memory_without_done)
{
	uint8_t cdb[16];
	caw_data(2, 0, 'B');
	caw_cdb(cdb, 5, 2);
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 4 * BS), 0);
	ck_assert_uint_gt(t.fe.live_bytes, live); /* the read buffer */
	scsi_cmd_release(&t.c.cmd);
	ck_assert_uint_eq(t.fe.live_bytes, live);
	ck_assert_int_eq(t.c.done_calls, 0);
	t.fe.npending = 0; /* the disk never answers */
}
END_TEST

/* Two COMPARE AND WRITEs of the same block, as two hosts taking a VMware
 * ATS lock: exactly one of them wins. */
START_TEST(two_caws_on_one_block_serialise_and_one_wins)
{
	static uint8_t b2[2 * BS];
	struct th_cmd c2;
	uint8_t cdb[16];
	th_disk_fill(&t, 7, 1, 'F'); /* lock free */
	caw_data(1, 'F', 'X');       /* host X takes it */
	memset(b2, 'F', BS);
	memset(b2 + BS, 'Y', BS);    /* host Y takes it */
	caw_cdb(cdb, 7, 1);
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	ck_assert_int_eq(th_start_other(&t, &c2, b2, cdb, 16, b2, 2 * BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1); /* only the first reads */
	th_disk_run(&t);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(c2.cmd.status, SCSI_STATUS_CHECK_CONDITION);
	ck_assert_uint_eq(c2.cmd.sense[2] & 0xf, 0xe);
	ck_assert_uint_eq(th_disk(&t, 7)[0], 'X');
}
END_TEST

START_TEST(orwrite_ors_the_data_into_the_medium)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 3, 4, 0xa0);
	memset(buf, 0x05, 4 * BS);
	th_cdb_rw(cdb, 0x8b, 3, 4);
	ck_assert_int_eq(th_run(&t, cdb, 16, buf, 4 * BS), SCSI_STATUS_GOOD);
	memset(buf, 0xa5, 4 * BS);
	ck_assert_int_eq(memcmp(th_disk(&t, 3), buf, 4 * BS), 0);
	th_cdb_rw(cdb, 0x8b, 0, 0);
	ck_assert_int_eq(th_run(&t, cdb, 16, NULL, 0), SCSI_STATUS_GOOD);
	th_cdb_rw(cdb, 0x8b, BLOCKS - 1, 2);
	th_run(&t, cdb, 16, buf, 2 * BS);
	ck_assert(th_check(&t, 0x5, 0x21, 0x00));
	for (uint8_t p = 1; p < 8; p++) { /* ORPROTECT: no protection information */
		th_cdb_rw(cdb, 0x8b, 0, 1);
		cdb[1] = (uint8_t)(p << 5);
		th_run(&t, cdb, 16, buf, BS);
		ck_assert(th_check_field(&t, 1, 7));
	}
}
END_TEST

START_TEST(caw_answers_busy_when_out_of_memory)
{
	uint8_t cdb[16];
	caw_data(1, 0, 'B');
	caw_cdb(cdb, 0, 1);
	t.fe.fail_alloc_at = t.fe.allocs;
	ck_assert_int_eq(th_run(&t, cdb, 16, buf, 2 * BS), SCSI_STATUS_BUSY);
	/* and the gate was left: a write goes through */
	uint8_t w[16];
	th_cdb_rw(w, 0x2a, 0, 1);
	ck_assert_int_eq(th_run(&t, w, 10, buf, BS), SCSI_STATUS_GOOD);
}
END_TEST

/* ---- storage that compares and writes in one step ---- */

#define STORAGE_CAW_BLOCKS 4u

static void setup_storage(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_WCE | RT_LU_COMPARE_WRITE);
	t.cfg.compare_write_max = STORAGE_CAW_BLOCKS * BS;
	th_lu_recreate(&t);
	th_clear_ua(&t);
	live = t.fe.live_bytes;
}

/* One RT_DISK_COMPARE_WRITE holding the Data-Out buffer as it came (the
 * compare half, then the write half), FUA as asked, no scratch read: the
 * storage compares, so no other gateway can write in between. */
START_TEST(storage_caw_is_one_request_with_both_halves)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 10, 2, 'A');
	caw_data(2, 'A', 'B');
	caw_cdb(cdb, 10, 2);
	cdb[1] = 0x08; /* FUA */
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 4 * BS), 0);
	ck_assert_uint_eq(th_pending(&t), 1);
	const struct rt_disk_io *io = t.fe.pending[0];
	ck_assert_uint_eq(io->op, RT_DISK_COMPARE_WRITE);
	ck_assert_uint_eq(io->offset, 10 * BS);
	ck_assert_uint_eq(io->len, 2 * BS);
	ck_assert_int_eq(memcmp(io->buf, buf, 4 * BS), 0);
	ck_assert(io->flags & RT_DISK_FUA);
	ck_assert_uint_eq(t.fe.live_bytes, live); /* nothing read into a scratch buffer */
	th_disk_run(&t);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_int_eq(memcmp(th_disk(&t, 10), buf + 2 * BS, 2 * BS), 0);
}
END_TEST

/* SBC-3 §5.2: the storage's offset of the first differing byte is the
 * INFORMATION field; nothing is written. */
START_TEST(storage_caw_miscompare_reports_the_storage_offset)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 0, 3, 'A');
	caw_data(3, 'A', 'B');
	buf[3 * BS - 5] = 'C';
	caw_cdb(cdb, 0, 3);
	ck_assert_int_eq(th_run(&t, cdb, 16, buf, 6 * BS), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0xe, 0x1d, 0x00));
	struct th_sense s = th_sense(&t);
	ck_assert(s.info_valid);
	ck_assert_uint_eq(s.info, 3 * BS - 5);
	ck_assert_uint_eq(th_disk(&t, 0)[3 * BS - 1], 'A');
	ck_assert_uint_eq(t.fe.live_bytes, live);
	/* whatever offset the storage names, within the range */
	caw_cdb(cdb, 0, 1);
	caw_data(1, 'A', 'B');
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	struct rt_disk_io *io = t.fe.pending[0];
	t.fe.npending = 0;
	io->status = RT_DISK_MISCOMPARE;
	io->run_len = 0;
	scsi_disk_done(io);
	ck_assert(th_check(&t, 0xe, 0x1d, 0x00));
	s = th_sense(&t);
	ck_assert(s.info_valid);
	ck_assert_uint_eq(s.info, 0);
}
END_TEST

/* The storage's bound is MAXIMUM COMPARE AND WRITE LENGTH (Block Limits
 * VPD) and the decoder's: one block more is INVALID FIELD IN CDB before
 * any I/O. */
START_TEST(storage_caw_length_is_the_storage_bound_everywhere)
{
	uint8_t cdb[16] = {0x12, 1, 0xb0, 0, 255, 0};
	ck_assert_int_eq(th_run(&t, cdb, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[5], STORAGE_CAW_BLOCKS);
	caw_cdb(cdb, 0, STORAGE_CAW_BLOCKS + 1);
	caw_data(STORAGE_CAW_BLOCKS + 1, 0, 'B');
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * (STORAGE_CAW_BLOCKS + 1) * BS), -1);
	ck_assert(th_check_field(&t, 13, 0xff));
	ck_assert_uint_eq(th_pending(&t), 0);
	caw_cdb(cdb, 0, STORAGE_CAW_BLOCKS);
	caw_data(STORAGE_CAW_BLOCKS, 0, 'B');
	ck_assert_int_eq(th_run(&t, cdb, 16, buf, 2 * STORAGE_CAW_BLOCKS * BS), SCSI_STATUS_GOOD);
	/* a storage bound past the one-byte field: SBC_CAW_BLOCKS_MAX */
	t.cfg.compare_write_max = 1u << 20;
	uint8_t inq[6] = {0x12, 1, 0xb0, 0, 255, 0};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[5], SBC_CAW_BLOCKS_MAX);
	/* without the flag: the gate's read-compare-write, the same bound */
	t.cfg.flags &= ~RT_LU_COMPARE_WRITE;
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[5], SBC_CAW_BLOCKS_MAX);
}
END_TEST

/* The storage's failures are the disk statuses every command maps
 * (scsi_io_ok): lost the right to write, fenced for good, a medium
 * error, a request the storage refused. */
START_TEST(storage_caw_errors_are_the_write_errors)
{
	static const struct {
		enum rt_disk_status st;
		uint8_t key, asc, ascq;
	} cases[] = {
		{RT_DISK_ERR_FENCED, 0x2, 0x04, 0x0a},
		{RT_DISK_ERR_BLOCKLISTED, 0x2, 0x04, 0x0c},
		{RT_DISK_ERR_WRITE, 0x3, 0x0c, 0x00},
		{RT_DISK_ERR_UNSUPPORTED, 0x4, 0x44, 0x00},
	};
	uint8_t cdb[16];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		th_disk_fill(&t, 0, 1, 'A');
		caw_data(1, 'A', 'B');
		caw_cdb(cdb, 0, 1);
		ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
		th_complete(&t, 0, cases[i].st);
		ck_assert_int_eq(t.c.done_calls, 1);
		ck_assert(th_check(&t, cases[i].key, cases[i].asc, cases[i].ascq));
		ck_assert_uint_eq(th_disk(&t, 0)[0], 'A');
		ck_assert_uint_eq(th_pending(&t), 0);
	}
	/* and the gate was left: a write goes through */
	uint8_t w[16];
	th_cdb_rw(w, 0x2a, 0, 1);
	ck_assert_int_eq(th_run(&t, w, 10, buf, BS), SCSI_STATUS_GOOD);
}
END_TEST

/* Two hosts' compares of one value: the storage decides; the loser
 * miscompares at its first byte of difference. */
START_TEST(storage_caws_of_one_value_one_wins)
{
	static uint8_t b2[2 * BS];
	struct th_cmd c2;
	uint8_t cdb[16];
	th_disk_fill(&t, 7, 1, 'F');
	caw_data(1, 'F', 'X');
	memset(b2, 'F', BS);
	memset(b2 + BS, 'Y', BS);
	caw_cdb(cdb, 7, 1);
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	ck_assert_int_eq(th_start_other(&t, &c2, b2, cdb, 16, b2, 2 * BS), 0);
	th_disk_run(&t);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(c2.cmd.status, SCSI_STATUS_CHECK_CONDITION);
	ck_assert_uint_eq(c2.cmd.sense[2] & 0xf, 0xe);
	ck_assert_uint_eq(th_disk(&t, 7)[0], 'X');
}
END_TEST

/* An abort while the storage works: the request is the storage's until it
 * completes; the command then ends without a second answer. */
START_TEST(storage_caw_aborted_ends_once_its_request_completes)
{
	uint8_t cdb[16];
	th_disk_fill(&t, 0, 1, 'A');
	caw_data(1, 'A', 'B');
	caw_cdb(cdb, 0, 1);
	ck_assert_int_eq(th_start(&t, cdb, 16, buf, 2 * BS), 0);
	scsi_cmd_abort(&t.c.cmd);
	ck_assert_uint_eq(th_pending(&t), 1);
	th_disk_run(&t);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_TASK_ABORTED);
	ck_assert_uint_eq(th_pending(&t), 0);
	ck_assert_uint_eq(t.fe.live_bytes, live);
}
END_TEST

Suite *suite_scsi_caw(void)
{
	Suite *s = suite_create("scsi_caw");
	TCase *tc = tcase_create("caw");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, caw_writes_when_the_medium_matches);
	tcase_add_test(tc, caw_miscompare_reports_the_offset_and_writes_nothing);
	tcase_add_test(tc, caw_limits_range_and_zero_blocks);
	tcase_add_test(tc, caw_data_out_other_than_two_halves_is_an_invalid_block_count);
	tcase_add_test(tc, caw_read_error_is_reported_and_nothing_written);
	tcase_add_test(tc, caw_waits_for_writes_in_flight);
	tcase_add_test(tc, writes_wait_while_caw_runs_and_reads_do_not);
	tcase_add_test(tc, two_caws_on_one_block_serialise_and_one_wins);
	tcase_add_test(tc, orwrite_ors_the_data_into_the_medium);
	tcase_add_test(tc, caw_answers_busy_when_out_of_memory);
	tcase_add_test(tc, an_aborted_caw_never_writes_and_a_queued_write_ends_at_once);
	tcase_add_test(tc, a_released_caw_returns_its_memory_without_done);
	suite_add_tcase(s, tc);
	tc = tcase_create("caw_in_storage");
	tcase_add_checked_fixture(tc, setup_storage, teardown);
	tcase_add_test(tc, storage_caw_is_one_request_with_both_halves);
	tcase_add_test(tc, storage_caw_miscompare_reports_the_storage_offset);
	tcase_add_test(tc, storage_caw_length_is_the_storage_bound_everywhere);
	tcase_add_test(tc, storage_caw_errors_are_the_write_errors);
	tcase_add_test(tc, storage_caws_of_one_value_one_wins);
	tcase_add_test(tc, storage_caw_aborted_ends_once_its_request_completes);
	suite_add_tcase(s, tc);
	return s;
}
