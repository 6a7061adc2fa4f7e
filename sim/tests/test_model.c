/* The simulated disk (infra/disk): what survives a power loss, medium
 * errors, fencing, the exclusive lock and its instances, small state. The
 * network's tests are test_simnet.c's. */
#include <check.h>

#include "sim/infra/disk.h"
#include "sim/base/time.h"
#include "tdisk.h"
#include "tmem.h"

/* ---- disk ---- */

static struct tdisk *disk_setup(uint32_t destage_ppm)
{
	static struct tdisk h;
	struct disk_params p = { .blocks = 64, .block_size = 512, .read_lat = { .min_ns = SIM_US(10) },
		.write_lat = { .min_ns = SIM_US(10), .exp_mean_ns = SIM_US(100) }, .flush_lat = { .min_ns = SIM_US(10) },
		.volatile_cache = true, .destage_ppm = destage_ppm };
	tdisk_setup(&h, &p, 5);
	return &h;
}

static void io_run(struct tdisk *h, enum rt_disk_op op, uint32_t flags, uint64_t lba, uint32_t n, uint8_t *buf)
{
	struct rt_disk_io io = { .op = op, .flags = flags, .offset = lba * 512, .len = (uint64_t)n * 512, .buf = buf };
	tdisk_run(h, &io);
}

START_TEST(disk_loses_unflushed_writes_on_power_loss_but_not_fua_or_flushed)
{
	struct tdisk *h = disk_setup(0);
	uint8_t a[512], b[512], c[512], r[512];
	memset(a, 'a', 512);
	memset(b, 'b', 512);
	memset(c, 'c', 512);
	io_run(h, RT_DISK_WRITE, 0, 1, 1, a);
	io_run(h, RT_DISK_FLUSH, 0, 0, 0, NULL);
	io_run(h, RT_DISK_WRITE, RT_DISK_FUA, 2, 1, b);
	io_run(h, RT_DISK_WRITE, 0, 3, 1, c);
	io_run(h, RT_DISK_READ, 0, 3, 1, r);
	ck_assert_uint_eq(r[0], 'c'); /* the cache serves reads */
	disk_power_loss(&h->d);
	io_run(h, RT_DISK_READ, 0, 1, 1, r);
	ck_assert_uint_eq(r[0], 'a');
	io_run(h, RT_DISK_READ, 0, 2, 1, r);
	ck_assert_uint_eq(r[0], 'b');
	io_run(h, RT_DISK_READ, 0, 3, 1, r);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(h->d.stats.lost_blocks, 1);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_power_loss_can_tear_a_multi_block_write)
{
	struct tdisk *h = disk_setup(500000);
	static uint8_t w[32 * 512], r[32 * 512];
	memset(w, 'w', sizeof(w));
	io_run(h, RT_DISK_WRITE, 0, 0, 32, w);
	disk_power_loss(&h->d);
	io_run(h, RT_DISK_READ, 0, 0, 32, r);
	unsigned kept = 0;
	for (int i = 0; i < 32; i++)
		kept += r[i * 512] == 'w';
	ck_assert(kept > 0 && kept < 32); /* part of one write survived */
	ck_assert_uint_eq(kept, h->d.stats.torn_blocks);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_bad_range_fails_reads_and_writes_with_medium_errors)
{
	struct tdisk *h = disk_setup(0);
	uint8_t b[512 * 4] = { 0 };
	disk_set_bad_range(&h->d, 10, 12);
	io_run(h, RT_DISK_READ, 0, 8, 4, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_READ);
	io_run(h, RT_DISK_WRITE, 0, 11, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_WRITE);
	io_run(h, RT_DISK_READ, 0, 12, 4, b);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_fenced_gateway_cannot_write)
{
	struct tdisk *h = disk_setup(0);
	uint8_t b[512];
	memset(b, 1, 512);
	disk_fence(&h->d, 0, true);
	io_run(h, RT_DISK_WRITE, 0, 5, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	ck_assert_uint_eq(disk_block(&h->d, 5)[0], 0);
	tdisk_teardown(h);
}
END_TEST

/* The disk keeps initiator patterns as (LBA, version) and other bytes as
 * bytes (disk.pat): whatever was written reads back byte for byte, and
 * the power-loss view (disk_durable_seen) is block_decode's answer for
 * what survived. */
START_TEST(disk_returns_every_byte_written_patterns_or_not)
{
	struct tdisk *h = disk_setup(0);
	enum { N = 5, BS = 512, AT = 8 };
	uint8_t w[N * BS], r[N * BS];
	block_fill(w, BS, AT, 5);               /* its own lba: kept as a pattern */
	block_fill(w + BS, BS, 3, 6);           /* written for lba 3: a pattern too */
	memset(w + 2 * BS, 0, BS);              /* zeroes */
	block_fill(w + 3 * BS, BS, AT + 3, 7);  /* one byte off: corrupt, kept as bytes */
	w[3 * BS + 100] ^= 0x10;
	memset(w + 4 * BS, 'x', BS);            /* not a pattern at all */
	io_run(h, RT_DISK_WRITE, RT_DISK_FUA, AT, N, w);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	memset(r, 0xee, sizeof(r));
	io_run(h, RT_DISK_READ, 0, AT, N, r);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_mem_eq(r, w, sizeof(w));
	for (unsigned i = 0; i < N; i++) {
		ck_assert_mem_eq(disk_block(&h->d, AT + i), w + i * BS, BS);
		struct block_seen want = { 0 }, got;
		want.kind = block_decode(w + i * BS, BS, AT + i, &want.version, &want.other_lba);
		disk_durable_seen(&h->d, AT + i, &got);
		ck_assert_int_eq(got.kind, want.kind);
		ck_assert_uint_eq(got.version, want.version);
		ck_assert_uint_eq(got.other_lba, want.other_lba);
	}
	/* A cached overwrite is read at once; the durable view keeps the
	 * FUA write until a power loss brings it back. */
	uint8_t v[BS];
	block_fill(v, BS, AT, 9);
	io_run(h, RT_DISK_WRITE, 0, AT, 1, v);
	io_run(h, RT_DISK_READ, 0, AT, 1, r);
	ck_assert_mem_eq(r, v, BS);
	struct block_seen got;
	disk_durable_seen(&h->d, AT, &got);
	ck_assert_int_eq(got.kind, BLOCK_OK);
	ck_assert_uint_eq(got.version, 5);
	disk_power_loss(&h->d);
	io_run(h, RT_DISK_READ, 0, AT, N, r);
	ck_assert_mem_eq(r, w, sizeof(w));
	tdisk_teardown(h);
}
END_TEST

/* The exclusive lock's three misbehaviours (issue 16, hazard class 1). */
static struct tdisk *lock_disk_setup(enum disk_lock_on on, uint32_t break_fail_ppm, uint32_t reopen_fail_ppm)
{
	static struct tdisk h;
	struct disk_params p = { .blocks = 64, .block_size = 512, .read_lat = { .min_ns = SIM_US(10) },
		.write_lat = { .min_ns = SIM_US(10) }, .flush_lat = { .min_ns = SIM_US(10) },
		.exclusive_lock = true, .reopen_delay_ns = SIM_S(1), .lock_on = on,
		.lock_break_fail_ppm = break_fail_ppm, .reopen_fail_ppm = reopen_fail_ppm };
	tdisk_setup(&h, &p, 5);
	return &h;
}

static void gw_io(struct tdisk *h, int gw, enum rt_disk_op op, uint64_t lba, uint8_t *buf)
{
	struct rt_disk_io io = { .op = op, .offset = lba * 512, .len = 512, .buf = buf };
	disk_submit(&h->d, gw, &io);
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	h->last = io.status;
}

START_TEST(disk_lock_taken_by_writes_only_unless_any_io_takes_it)
{
	uint8_t b[512];
	memset(b, 3, 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	gw_io(h, 1, RT_DISK_READ, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 0);
	tdisk_teardown(h);
	h = lock_disk_setup(DISK_LOCK_ON_IO, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	gw_io(h, 1, RT_DISK_READ, 1, b); /* breaks the lock: gateway 0 is blocklisted */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 1);
	gw_io(h, 0, RT_DISK_READ, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_failed_lock_break_refuses_the_io_and_leaves_the_owner)
{
	uint8_t b[512];
	memset(b, 4, 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 1000000, 0);
	gw_io(h, 0, RT_DISK_WRITE, 2, b); /* no owner yet: nothing to break */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	memset(b, 5, 512);
	gw_io(h, 1, RT_DISK_WRITE, 2, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	ck_assert_uint_eq(disk_block(&h->d, 2)[0], 4);
	ck_assert_int_eq(h->d.lock_owner, 0);
	ck_assert_uint_eq(h->d.stats.lock_break_failures, 1);
	ck_assert_uint_eq(disk_gw_reopen_at(&h->d, 1), UINT64_MAX); /* refused, not blocklisted */
	gw_io(h, 0, RT_DISK_WRITE, 3, b); /* the owner goes on */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_reopen_that_fails_is_tried_again_later)
{
	uint8_t b[512];
	memset(b, 6, 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 1000000);
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	gw_io(h, 1, RT_DISK_WRITE, 1, b);
	gw_io(h, 0, RT_DISK_WRITE, 1, b); /* blocklisted: learns it, reopen due in 1 s */
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	uint64_t at = disk_gw_reopen_at(&h->d, 0);
	ck_assert_uint_ne(at, UINT64_MAX);
	h->q.now = at;
	ck_assert(!disk_gw_try_reopen(&h->d, 0));
	ck_assert_uint_eq(h->d.stats.reopen_failures, 1);
	ck_assert_uint_eq(disk_gw_reopen_at(&h->d, 0), at + SIM_S(1));
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	h->d.p.reopen_fail_ppm = 0; /* the storage answers again */
	h->q.now = disk_gw_reopen_at(&h->d, 0);
	ck_assert(disk_gw_try_reopen(&h->d, 0));
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 0);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_forgets_a_crashed_gateway_but_its_writes_land)
{
	struct tdisk *h = disk_setup(0);
	uint8_t b[512];
	memset(b, 7, 512);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512 * 9, .len = 512, .buf = b };
	disk_submit(&h->d, 0, &io);
	/* the disk reads the data in place until the gateway crashes: then
	 * it keeps a copy before the engine's memory is gone */
	disk_hold_gw_data(&h->d, 0);
	memset(b, 0, 512);
	disk_forget_gw(&h->d, 0);
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_uint_eq(h->done, 0);
	ck_assert_uint_eq(disk_block(&h->d, 9)[0], 7);
	tdisk_teardown(h);
}
END_TEST

/* Seed 587: gateway 1's write, slow in the storage path, outlived the
 * gateway's crash; its next life took the lock and wrote newer data; the
 * old write then landed, broke the living instance's lock and overwrote
 * that data. A dead instance breaks no lock: its write is refused. */
START_TEST(disk_dead_instance_write_breaks_no_lock)
{
	uint8_t a[512], old[512], nw[512], r[512];
	memset(a, 'a', 512);
	memset(old, 'o', 512);
	memset(nw, 'n', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, a);
	h->d.slow_ns[1] = SIM_S(10);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = old };
	disk_submit(&h->d, 1, &io);
	disk_forget_gw(&h->d, 1); /* gateway 1 crashes, its write in flight */
	h->d.slow_ns[1] = 0;
	disk_gw_started(&h->d, 1);
	struct rt_disk_io io2 = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = nw };
	disk_submit(&h->d, 1, &io2);
	while (evq_run_one(&h->q, SIM_S(1)))
		;
	ck_assert_int_eq(io2.status, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 1);
	uint64_t living = h->d.lock_instance;
	while (evq_run_one(&h->q, UINT64_MAX)) /* the old write comes due */
		;
	ck_assert_uint_eq(disk_block(&h->d, 1)[0], 'n');
	ck_assert_int_eq(h->d.lock_owner, 1);
	ck_assert_uint_eq(h->d.lock_instance, living);
	gw_io(h, 1, RT_DISK_READ, 1, r);
	ck_assert_uint_eq(r[0], 'n');
	gw_io(h, 1, RT_DISK_WRITE, 2, nw); /* the living instance is not blocklisted */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

/* A dead instance that still holds the lock lands its write: nothing
 * newer can be under it. */
START_TEST(disk_dead_instance_holding_the_lock_still_lands)
{
	uint8_t a[512];
	memset(a, 'a', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 2, a);
	memset(a, 'b', 512);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 1024, .len = 512, .buf = a };
	disk_submit(&h->d, 0, &io);
	disk_forget_gw(&h->d, 0);
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_uint_eq(disk_block(&h->d, 2)[0], 'b');
	tdisk_teardown(h);
}
END_TEST

/* Five-flag swarm seed 8957: gateway 1's live instance sent a write that
 * a slow disk held 14 s; meanwhile gateway 0, the lock owner, wrote the
 * same block (the copy retried through it, acknowledged). The model took
 * the lock when the old write landed, so it landed over the newer data.
 * librbd takes the lock before it sends: gateway 1 took it then, gateway
 * 0's later write took it back and blocklisted gateway 1's instance, so
 * the old write fails FENCED and gateway 1 reopens. */
START_TEST(disk_write_landing_after_the_owner_wrote_what_was_sent_later_is_fenced)
{
	uint8_t a[512], old[512], nw[512];
	memset(a, 'a', 512);
	memset(old, 'o', 512);
	memset(nw, 'n', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, a); /* gateway 0 owns the lock */
	h->d.slow_ns[1] = SIM_S(10);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = old };
	disk_submit(&h->d, 1, &io); /* live, slow: due in 10 s */
	h->d.slow_ns[1] = 0;
	while (evq_run_one(&h->q, SIM_S(1)))
		;
	h->q.now = SIM_S(1);
	struct rt_disk_io io2 = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = nw };
	disk_submit(&h->d, 0, &io2); /* the owner writes the block, sent after */
	while (evq_run_one(&h->q, SIM_S(2)))
		;
	ck_assert_int_eq(io2.status, RT_DISK_OK);
	while (evq_run_one(&h->q, UINT64_MAX)) /* the old write comes due */
		;
	ck_assert_int_eq(io.status, RT_DISK_ERR_FENCED);
	ck_assert_uint_eq(disk_block(&h->d, 1)[0], 'n'); /* the newer data stays */
	ck_assert_int_eq(h->d.lock_owner, 0);
	ck_assert_uint_ne(disk_gw_reopen_at(&h->d, 1), UINT64_MAX); /* blocklisted: it reopens */
	gw_io(h, 0, RT_DISK_WRITE, 2, nw); /* the owner is not blocklisted */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

/* Sent before anything the owner sent since: landing takes the lock, as
 * taking it at the send would have (the owner then wrote nothing newer). */
START_TEST(disk_slow_write_sent_before_the_owners_last_still_takes_the_lock_when_nothing_newer)
{
	uint8_t a[512], old[512];
	memset(a, 'a', 512);
	memset(old, 'o', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, a);
	h->d.slow_ns[1] = SIM_S(10);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = old };
	disk_submit(&h->d, 1, &io);
	h->d.slow_ns[1] = 0;
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_int_eq(io.status, RT_DISK_OK);
	ck_assert_uint_eq(disk_block(&h->d, 1)[0], 'o');
	ck_assert_int_eq(h->d.lock_owner, 1);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_keeps_small_state_across_everything)
{
	struct tdisk *h = disk_setup(0);
	char buf[16];
	ck_assert_int_eq(disk_state_load(&h->d, "pr", buf, sizeof(buf)), -1);
	ck_assert_int_eq(disk_state_save(&h->d, "pr", "abc", 3), 0);
	ck_assert_int_eq(disk_state_save(&h->d, "pr", "abcd", 4), 0);
	disk_power_loss(&h->d);
	ck_assert_int_eq(disk_state_load(&h->d, "pr", buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
	tdisk_teardown(h);
}
END_TEST

Suite *suite_model(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");
	tcase_add_test(tc, disk_loses_unflushed_writes_on_power_loss_but_not_fua_or_flushed);
	tcase_add_test(tc, disk_power_loss_can_tear_a_multi_block_write);
	tcase_add_test(tc, disk_bad_range_fails_reads_and_writes_with_medium_errors);
	tcase_add_test(tc, disk_fenced_gateway_cannot_write);
	tcase_add_test(tc, disk_returns_every_byte_written_patterns_or_not);
	tcase_add_test(tc, disk_lock_taken_by_writes_only_unless_any_io_takes_it);
	tcase_add_test(tc, disk_failed_lock_break_refuses_the_io_and_leaves_the_owner);
	tcase_add_test(tc, disk_reopen_that_fails_is_tried_again_later);
	tcase_add_test(tc, disk_forgets_a_crashed_gateway_but_its_writes_land);
	tcase_add_test(tc, disk_dead_instance_write_breaks_no_lock);
	tcase_add_test(tc, disk_dead_instance_holding_the_lock_still_lands);
	tcase_add_test(tc, disk_write_landing_after_the_owner_wrote_what_was_sent_later_is_fenced);
	tcase_add_test(tc, disk_slow_write_sent_before_the_owners_last_still_takes_the_lock_when_nothing_newer);
	tcase_add_test(tc, disk_keeps_small_state_across_everything);
	suite_add_tcase(s, tc);
	return s;
}
