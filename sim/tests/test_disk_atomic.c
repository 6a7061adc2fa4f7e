/* The simulated disk keeps the promise of RT_DISK_ATOMIC (SBC-4 WRITE
 * ATOMIC): a power loss never tears such a write and a failed one writes
 * nothing, where the same faults tear and half-write plain writes. */
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

Suite *suite_disk_atomic(void)
{
	Suite *s = suite_create("disk_atomic");
	TCase *tc = tcase_create("disk_atomic");
	tcase_add_test(tc, power_loss_never_tears_an_atomic_write);
	tcase_add_test(tc, a_failed_atomic_write_writes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
