/* Tests of the simulator's foundations: seeded streams, the event queue,
 * CRC32C, block contents, throughput series. */
#include <check.h>

#include "sim/initiator/block.h"
#include "sim/initiator/crc32c.h"
#include "sim/base/evq.h"
#include "sim/base/rng.h"
#include "sim/base/time.h"
#include "sim/base/tput.h"
#include "tmem.h"

START_TEST(rng_same_stream_same_sequence)
{
	struct sim_rng a, b;
	rng_stream(&a, 42, "net", 3);
	rng_stream(&b, 42, "net", 3);
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(rng_next(&a), rng_next(&b));
}
END_TEST

START_TEST(rng_streams_differ_by_name_index_and_seed)
{
	struct sim_rng a, b, c, d;
	rng_stream(&a, 42, "net", 0);
	rng_stream(&b, 42, "disk", 0);
	rng_stream(&c, 42, "net", 1);
	rng_stream(&d, 43, "net", 0);
	uint64_t x = rng_next(&a);
	ck_assert_uint_ne(x, rng_next(&b));
	ck_assert_uint_ne(x, rng_next(&c));
	ck_assert_uint_ne(x, rng_next(&d));
}
END_TEST

START_TEST(rng_draws_in_one_stream_leave_others_alone)
{
	/* The point of named streams: more draws in "net" do not move "disk". */
	struct sim_rng net, disk1, disk2;
	rng_stream(&disk1, 7, "disk", 0);
	uint64_t first = rng_next(&disk1);
	rng_stream(&net, 7, "net", 0);
	for (int i = 0; i < 100; i++)
		rng_next(&net);
	rng_stream(&disk2, 7, "disk", 0);
	ck_assert_uint_eq(first, rng_next(&disk2));
}
END_TEST

START_TEST(rng_below_and_range_stay_in_bounds)
{
	struct sim_rng r;
	rng_stream(&r, 1, "t", 0);
	unsigned seen[7] = { 0 };
	for (int i = 0; i < 7000; i++) {
		uint64_t v = rng_below(&r, 7);
		ck_assert_uint_lt(v, 7);
		seen[v]++;
		uint64_t w = rng_range(&r, 10, 12);
		ck_assert(w >= 10 && w <= 12);
	}
	for (int i = 0; i < 7; i++)
		ck_assert_uint_gt(seen[i], 800); /* roughly uniform */
	ck_assert(!rng_chance(&r, 0));
	ck_assert(rng_chance(&r, 1000000));
}
END_TEST

START_TEST(dist_sample_respects_minimum_and_cap)
{
	struct sim_rng r;
	rng_stream(&r, 9, "d", 0);
	struct sim_dist d = { .min_ns = 1000, .exp_mean_ns = 100 };
	uint64_t sum = 0;
	for (int i = 0; i < 10000; i++) {
		uint64_t v = dist_sample(&d, &r);
		ck_assert_uint_ge(v, 1000);
		ck_assert_uint_le(v, 1000 + 50 * 100);
		sum += v - 1000;
	}
	ck_assert(sum / 10000 > 80 && sum / 10000 < 120);
}
END_TEST

static uint64_t order[128];
static unsigned norder;
static struct evq *the_q;

static void rec(void *a, void *b, uint64_t arg)
{
	(void)a;
	(void)b;
	order[norder++] = arg;
}

static void push_later(void *a, void *b, uint64_t arg)
{
	(void)b;
	rec(a, b, arg);
	evq_push(the_q, the_q->now, rec, a, NULL, 100 + arg); /* same time: after those already queued */
}

START_TEST(evq_orders_by_time_then_push_order)
{
	struct tmem m;
	tmem_init(&m);
	struct evq q;
	evq_init(&q, &m.mem);
	the_q = &q;
	norder = 0;
	evq_push(&q, 50, rec, NULL, NULL, 3);
	evq_push(&q, 10, rec, NULL, NULL, 1);
	evq_push(&q, 10, push_later, NULL, NULL, 2);
	evq_push(&q, 10, rec, NULL, NULL, 4);
	while (evq_run_one(&q, UINT64_MAX))
		;
	ck_assert_uint_eq(norder, 5);
	ck_assert_uint_eq(order[0], 1);
	ck_assert_uint_eq(order[1], 2);
	ck_assert_uint_eq(order[2], 4);
	ck_assert_uint_eq(order[3], 102);
	ck_assert_uint_eq(order[4], 3);
	ck_assert_uint_eq(q.now, 50);
	evq_fini(&q);
	ck_assert_uint_eq(m.live, 0);
}
END_TEST

START_TEST(evq_run_one_stops_at_until)
{
	struct tmem m;
	tmem_init(&m);
	struct evq q;
	evq_init(&q, &m.mem);
	norder = 0;
	for (uint64_t t = 0; t < 100; t++)
		evq_push(&q, 1000 - t * 10, rec, NULL, NULL, t);
	unsigned ran = 0;
	while (evq_run_one(&q, 500))
		ran++;
	ck_assert_uint_eq(ran, 50); /* times 10, 20 .. 500 */
	ck_assert_uint_eq(evq_peek_time(&q), 510);
	evq_fini(&q);
	ck_assert_uint_eq(m.live, 0);
}
END_TEST

START_TEST(crc32c_matches_rfc3720_vectors)
{
	uint8_t buf[32];
	memset(buf, 0, sizeof(buf));
	ck_assert_uint_eq(sim_crc32c(buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(sim_crc32c(buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	ck_assert_uint_eq(sim_crc32c(buf, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	ck_assert_uint_eq(sim_crc32c(buf, 32), 0x113fdb5cu);
}
END_TEST

START_TEST(crc32c_library_and_table_agree_on_any_length_and_alignment)
{
	static uint8_t buf[9000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11 + (i >> 8) * 101);
	for (size_t off = 0; off < 16; off += 3)
		for (size_t len = 0; off + len <= sizeof(buf); len += len < 600 ? 1 : 89)
			ck_assert_uint_eq(sim_crc32c_update(SIM_CRC32C_INIT, buf + off, len),
				sim_crc32c_update_table(SIM_CRC32C_INIT, buf + off, len));
}
END_TEST

START_TEST(block_decodes_what_it_fills)
{
	uint8_t b[512];
	uint64_t ver, other;
	block_fill(b, sizeof(b), 77, 12345);
	ck_assert_int_eq(block_decode(b, sizeof(b), 77, &ver, &other), BLOCK_OK);
	ck_assert_uint_eq(ver, 12345);
	ck_assert_int_eq(block_decode(b, sizeof(b), 78, &ver, &other), BLOCK_WRONG_LBA);
	ck_assert_uint_eq(other, 77);
	b[300] ^= 1;
	ck_assert_int_eq(block_decode(b, sizeof(b), 77, &ver, &other), BLOCK_CORRUPT);
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(block_decode(b, sizeof(b), 77, &ver, &other), BLOCK_ZERO);
	ck_assert_uint_eq(ver, 0);
	b[511] = 1;
	ck_assert_int_eq(block_decode(b, sizeof(b), 77, &ver, &other), BLOCK_CORRUPT);
}
END_TEST

/* A steady 1 MB per 100 ms from 0.05 s to 20 s, nothing from 8 s to 11 s:
 * median 10 MB/s, a 3 s dip starting at 8 s, no spike; the first bucket
 * (partial) and the one end_ns falls in are not judged. */
START_TEST(tput_finds_the_dip_and_its_start)
{
	struct tput t;
	tput_init(&t);
	for (uint64_t ms = 50; ms < 20000; ms += 10)
		if (ms < 8000 || ms >= 11000)
			tput_add(&t, SIM_MS(ms), 100000);
	struct tput_summary s;
	tput_summarize(&t, SIM_S(20), &s);
	ck_assert_uint_eq(s.width_ns, TPUT_BUCKET_NS_MIN * 2); /* 20 s: 200 buckets of 100 ms, halved once */
	ck_assert_uint_eq(s.median_bps, 10000000);
	ck_assert_uint_eq(s.dip_max_ns, SIM_S(3));
	ck_assert_uint_eq(s.dip_at_ns, SIM_S(8));
	ck_assert_uint_eq(s.peak_pct, 100);
	ck_assert_uint_eq(s.span_first, 1);
	ck_assert_uint_eq(s.span_end, 100);
}
END_TEST

/* A trickle (under half the median) is a dip too; a burst after it is
 * the spike; a run shorter than TPUT_SPAN_MIN buckets, or one in which
 * nothing completed, is not judged. */
START_TEST(tput_counts_a_trickle_and_a_spike_and_judges_only_long_runs)
{
	struct tput t;
	tput_init(&t);
	for (uint64_t ms = 0; ms < 10000; ms += 100)
		tput_add(&t, SIM_MS(ms), ms >= 4000 && ms < 6000 ? 400 : ms == 6000 ? 5000 : 1000);
	struct tput_summary s;
	tput_summarize(&t, SIM_S(10), &s);
	ck_assert_uint_eq(s.dip_max_ns, SIM_S(2));
	ck_assert_uint_eq(s.peak_pct, 500);
	tput_summarize(&t, SIM_MS(400), &s); /* 3 full buckets after the first */
	ck_assert_uint_eq(s.median_bps, 0);
	ck_assert_uint_eq(s.dip_max_ns, 0);
	tput_init(&t);
	tput_summarize(&t, SIM_S(10), &s);
	ck_assert_uint_eq(s.median_bps, 0);
	/* far past the series: the width doubles, the sum is kept */
	tput_add(&t, SIM_S(1), 7);
	tput_add(&t, SIM_S(3600), 9);
	uint64_t sum = 0;
	for (unsigned i = 0; i < TPUT_BUCKETS_MAX; i++)
		sum += t.bytes[i];
	ck_assert_uint_eq(sum, 16);
	ck_assert_uint_ge(t.width_ns * TPUT_BUCKETS_MAX, SIM_S(3600));
}
END_TEST

Suite *suite_base(void)
{
	Suite *s = suite_create("base");
	TCase *tc = tcase_create("base");
	tcase_add_test(tc, rng_same_stream_same_sequence);
	tcase_add_test(tc, rng_streams_differ_by_name_index_and_seed);
	tcase_add_test(tc, rng_draws_in_one_stream_leave_others_alone);
	tcase_add_test(tc, rng_below_and_range_stay_in_bounds);
	tcase_add_test(tc, dist_sample_respects_minimum_and_cap);
	tcase_add_test(tc, evq_orders_by_time_then_push_order);
	tcase_add_test(tc, evq_run_one_stops_at_until);
	tcase_add_test(tc, crc32c_matches_rfc3720_vectors);
	tcase_add_test(tc, crc32c_library_and_table_agree_on_any_length_and_alignment);
	tcase_add_test(tc, block_decodes_what_it_fills);
	tcase_add_test(tc, tput_finds_the_dip_and_its_start);
	tcase_add_test(tc, tput_counts_a_trickle_and_a_spike_and_judges_only_long_runs);
	suite_add_tcase(s, tc);
	return s;
}
