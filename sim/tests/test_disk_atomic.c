/* The simulated disk keeps the promise of RT_DISK_ATOMIC (SBC-4 WRITE
 * ATOMIC): a power loss never tears such a write and a failed one writes
 * nothing, where the same faults tear and half-write plain writes. And
 * that of RT_DISK_COMPARE_WRITE (disk compare_write=yes, librbd's
 * compare-and-write): compared when it lands, written only on a match,
 * under the exclusive lock as a write, nothing written on an error. */
#include <check.h>

#include "sim/infra/disk.h"
#include "sim/base/time.h"
#include "tdisk.h"

#define AT_BLOCKS 256u
#define AT_BS 512u
#define AT_RUN 16u /* blocks per write */

/* A disk with a volatile cache that keeps half of the dirty blocks a
 * power loss finds. */
static void a_setup(struct tdisk *h, uint64_t seed)
{
	struct disk_params p = { .blocks = AT_BLOCKS, .block_size = AT_BS, .read_lat = { .min_ns = SIM_US(10) },
		.write_lat = { .min_ns = SIM_US(10) }, .flush_lat = { .min_ns = SIM_US(10) },
		.volatile_cache = true, .destage_ppm = 500000 };
	tdisk_setup(h, &p, seed);
}

static enum rt_disk_status a_write(struct tdisk *h, uint32_t flags, uint64_t lba, uint8_t value)
{
	static uint8_t w[AT_RUN * AT_BS];
	memset(w, value, sizeof(w));
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .flags = flags, .offset = lba * AT_BS, .len = sizeof(w), .buf = w };
	return tdisk_run(h, &io);
}

/* Blocks of the run at lba that hold value (after the power loss, the
 * durable media is what reads see). */
static unsigned a_count(const struct tdisk *h, uint64_t lba, uint8_t value)
{
	unsigned n = 0;
	for (uint64_t b = lba; b < lba + AT_RUN; b++)
		n += disk_block(&h->d, b)[0] == value;
	return n;
}

START_TEST(power_loss_never_tears_an_atomic_write)
{
	unsigned torn_plain = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct tdisk h;
		a_setup(&h, seed);
		/* runs 0..7 atomic, 8..15 plain, none with FUA */
		for (uint64_t i = 0; i < AT_BLOCKS / AT_RUN; i++)
			ck_assert_int_eq(a_write(&h, i < 8 ? RT_DISK_ATOMIC : 0, i * AT_RUN, (uint8_t)(i + 1)), RT_DISK_OK);
		disk_power_loss(&h.d);
		for (uint64_t i = 0; i < AT_BLOCKS / AT_RUN; i++) {
			unsigned kept = a_count(&h, i * AT_RUN, (uint8_t)(i + 1));
			if (i < 8)
				ck_assert_uint_eq(kept, AT_RUN); /* all of it */
			else
				torn_plain += kept > 0 && kept < AT_RUN;
		}
		tdisk_teardown(&h);
	}
	ck_assert_uint_gt(torn_plain, 0); /* the fault is real for plain writes */
}
END_TEST

START_TEST(a_failed_atomic_write_writes_nothing)
{
	unsigned partial_plain = 0;
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct tdisk h;
		a_setup(&h, seed);
		disk_set_bad_range(&h.d, AT_RUN - 1, AT_RUN); /* the last block of the first run */
		ck_assert_int_eq(a_write(&h, RT_DISK_ATOMIC, 0, 'a'), RT_DISK_ERR_WRITE);
		ck_assert_uint_eq(a_count(&h, 0, 'a'), 0);
		ck_assert_int_eq(a_write(&h, 0, 0, 'p'), RT_DISK_ERR_WRITE);
		partial_plain += a_count(&h, 0, 'p') > 0;
		tdisk_teardown(&h);
	}
	ck_assert_uint_gt(partial_plain, 0);
}
END_TEST

/* ---- COMPARE AND WRITE in one step ---- */

static void c_setup(struct tdisk *h, bool compare_write, bool exclusive_lock)
{
	struct disk_params p = { .blocks = AT_BLOCKS, .block_size = AT_BS, .read_lat = { .min_ns = SIM_US(10) },
		.write_lat = { .min_ns = SIM_US(10) }, .flush_lat = { .min_ns = SIM_US(10) },
		.compare_write = compare_write, .exclusive_lock = exclusive_lock, .reopen_delay_ns = SIM_S(1) };
	tdisk_setup(h, &p, 1);
}

/* One block at lba through gateway gw: compare with 'old' (byte 'at'
 * made different, unless at >= AT_BS), write 'new'. Submitted only;
 * its io (and buffer) is returned for the caller to run. */
static struct rt_disk_io *c_submit(struct tdisk *h, int gw, uint64_t lba, uint8_t old, uint8_t new, size_t at)
{
	static uint8_t bufs[4][2 * AT_BS];
	static struct rt_disk_io ios[4];
	static unsigned next;
	unsigned k = next++ % 4;
	memset(bufs[k], old, AT_BS);
	memset(bufs[k] + AT_BS, new, AT_BS);
	if (at < AT_BS)
		bufs[k][at] = (uint8_t)~old;
	ios[k] = (struct rt_disk_io){ .op = RT_DISK_COMPARE_WRITE, .offset = lba * AT_BS, .len = AT_BS, .buf = bufs[k] };
	disk_submit(&h->d, gw, &ios[k]);
	return &ios[k];
}

static void c_drain(struct tdisk *h)
{
	while (evq_run_one(&h->q, UINT64_MAX))
		;
}

START_TEST(compare_write_writes_only_what_matches_when_it_lands)
{
	struct tdisk h;
	c_setup(&h, true, false);
	struct rt_disk_io *io = c_submit(&h, 0, 4, 0, 'B', AT_BS); /* never written: zeroes */
	c_drain(&h);
	ck_assert_int_eq(io->status, RT_DISK_OK);
	ck_assert_uint_eq(disk_block(&h.d, 4)[AT_BS - 1], 'B');
	io = c_submit(&h, 0, 4, 'B', 'C', 37);
	c_drain(&h);
	ck_assert_int_eq(io->status, RT_DISK_MISCOMPARE);
	ck_assert_uint_eq(io->run_len, 37); /* the first differing byte */
	ck_assert_uint_eq(disk_block(&h.d, 4)[0], 'B');
	/* two gateways compare the same value at once: the first to land wins */
	struct rt_disk_io *a = c_submit(&h, 0, 4, 'B', 'X', AT_BS);
	struct rt_disk_io *b = c_submit(&h, 1, 4, 'B', 'Y', AT_BS);
	c_drain(&h);
	ck_assert_int_eq((a->status == RT_DISK_OK) + (b->status == RT_DISK_OK), 1);
	ck_assert_int_eq((a->status == RT_DISK_MISCOMPARE) + (b->status == RT_DISK_MISCOMPARE), 1);
	ck_assert_uint_eq(disk_block(&h.d, 4)[0], a->status == RT_DISK_OK ? 'X' : 'Y');
	ck_assert_uint_eq(h.d.stats.compare_writes, 4);
	ck_assert_uint_eq(h.d.stats.miscompares, 2);
	tdisk_teardown(&h);
}
END_TEST

/* The lock as for a write: a compare-and-write takes it, and one from an
 * instance whose lock was broken is fenced and writes nothing. */
START_TEST(compare_write_takes_and_needs_the_lock_as_a_write)
{
	struct tdisk h;
	c_setup(&h, true, true);
	struct rt_disk_io *io = c_submit(&h, 0, 8, 0, 'A', AT_BS);
	c_drain(&h);
	ck_assert_int_eq(io->status, RT_DISK_OK);
	ck_assert_int_eq(h.d.lock_owner, 0);
	io = c_submit(&h, 1, 8, 'A', 'B', AT_BS); /* takes it: gateway 0 blocklisted */
	c_drain(&h);
	ck_assert_int_eq(io->status, RT_DISK_OK);
	ck_assert_int_eq(h.d.lock_owner, 1);
	io = c_submit(&h, 0, 8, 'B', 'C', AT_BS); /* would match, but may not write */
	c_drain(&h);
	ck_assert_int_eq(io->status, RT_DISK_ERR_FENCED);
	ck_assert_uint_eq(disk_block(&h.d, 8)[0], 'B');
	tdisk_teardown(&h);
}
END_TEST

START_TEST(compare_write_fails_whole_and_only_where_offered)
{
	struct tdisk h;
	c_setup(&h, false, false);
	struct rt_disk_io *io = c_submit(&h, 0, 2, 0, 'A', AT_BS);
	c_drain(&h);
	ck_assert_int_eq(io->status, RT_DISK_ERR_UNSUPPORTED);
	ck_assert_uint_eq(disk_block(&h.d, 2)[0], 0);
	tdisk_teardown(&h);
	c_setup(&h, true, false);
	disk_set_bad_range(&h.d, 2, 3);
	io = c_submit(&h, 0, 2, 0, 'A', AT_BS);
	c_drain(&h);
	ck_assert_int_eq(io->status, RT_DISK_ERR_WRITE);
	ck_assert_uint_eq(disk_block(&h.d, 2)[0], 0);
	tdisk_teardown(&h);
}
END_TEST

Suite *suite_disk_atomic(void)
{
	Suite *s = suite_create("disk_atomic");
	TCase *tc = tcase_create("disk_atomic");
	tcase_add_test(tc, power_loss_never_tears_an_atomic_write);
	tcase_add_test(tc, a_failed_atomic_write_writes_nothing);
	tcase_add_test(tc, compare_write_writes_only_what_matches_when_it_lands);
	tcase_add_test(tc, compare_write_takes_and_needs_the_lock_as_a_write);
	tcase_add_test(tc, compare_write_fails_whole_and_only_where_offered);
	suite_add_tcase(s, tc);
	return s;
}
