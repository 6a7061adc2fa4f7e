/* Swarm results: shards cut a range into disjoint slices, sums do not
 * depend on order or sharding, the results file reads back what was
 * written, and values are parsed whole. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/swarm/results.h"
#include "sim/world/world.h"

static struct swarm_spec spec_of(uint64_t lo, uint64_t hi, uint32_t i, uint32_t n)
{
	struct swarm_spec s;
	memset(&s, 0, sizeof(s));
	s.lo = lo;
	s.hi = hi;
	s.shard = i;
	s.shards = n;
	return s;
}

START_TEST(shards_are_disjoint_and_cover_the_range)
{
	static const uint64_t ranges[][2] = { { 1, 1 }, { 1, 10 }, { 5, 7 }, { 0, 99 }, { 1000, 1006 } };
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		for (uint32_t n = 1; n <= 7; n++) {
			uint64_t lo = ranges[r][0], hi = ranges[r][1];
			unsigned hits[100] = { 0 };
			for (uint32_t i = 1; i <= n; i++) {
				struct swarm_spec s = spec_of(lo, hi, i, n);
				for (uint64_t k = 0; k < swarm_shard_count(&s); k++) {
					uint64_t seed = swarm_shard_seed(&s, k);
					ck_assert(seed >= lo && seed <= hi);
					ck_assert_uint_eq((seed - lo) % n, i - 1);
					hits[seed - lo]++;
				}
			}
			for (uint64_t seed = lo; seed <= hi; seed++)
				ck_assert_msg(hits[seed - lo] == 1, "%llu..%llu over %u: seed %llu in %u shards",
					(unsigned long long)lo, (unsigned long long)hi, n, (unsigned long long)seed, hits[seed - lo]);
		}
	}
}
END_TEST

static struct swarm_world world_of(uint64_t seed)
{
	struct swarm_world w;
	memset(&w, 0, sizeof(w));
	w.seed = seed;
	w.oracle = seed % 3 == 0 ? ORACLE_DATA : ORACLE_NONE;
	w.sim_ns = seed * 1000;
	w.ios = seed;
	w.cov[0] = seed % 2;
	snprintf(w.why, sizeof(w.why), "seed %llu | broke\nhere", (unsigned long long)seed);
	return w;
}

START_TEST(sum_keeps_the_lowest_failures_whatever_the_order)
{
	struct swarm_spec spec = spec_of(1, 120, 1, 1);
	struct swarm_sum up, down;
	swarm_sum_init(&up, &spec);
	swarm_sum_init(&down, &spec);
	for (uint64_t s = 1; s <= 120; s++) {
		struct swarm_world a = world_of(s), b = world_of(121 - s);
		swarm_sum_add(&up, &a);
		swarm_sum_add(&down, &b);
	}
	ck_assert_uint_eq(up.failed, 40);
	ck_assert_uint_eq(up.nfails, SWARM_FAILS_KEPT);
	ck_assert_uint_eq(up.fails[0].seed, 3);
	ck_assert_uint_eq(up.fails[SWARM_FAILS_KEPT - 1].seed, 60);
	ck_assert(strchr(up.fails[0].why, '\n') == NULL);
	up.wall_ns = down.wall_ns = 0;
	ck_assert_int_eq(memcmp(&up, &down, sizeof(up)), 0);
}
END_TEST

START_TEST(results_file_reads_back_and_merges_to_the_whole)
{
	struct swarm_spec whole = spec_of(1, 50, 1, 1);
	snprintf(whole.scenario, sizeof(whole.scenario), "a b.scn");
	snprintf(whole.set, sizeof(whole.set), "workload caw=0\nwithout alloc_fail\n");
	struct swarm_sum all, parts[3], read[3];
	swarm_sum_init(&all, &whole);
	const struct swarm_sum *ptrs[3];
	const char *names[3] = { "a", "b", "c" };
	static char text[65536];
	for (uint32_t i = 0; i < 3; i++) {
		struct swarm_spec sp = whole;
		sp.shard = 3 - i; /* given out of order */
		sp.shards = 3;
		swarm_sum_init(&parts[i], &sp);
		for (uint64_t k = 0; k < swarm_shard_count(&sp); k++) {
			struct swarm_world w = world_of(swarm_shard_seed(&sp, k));
			swarm_sum_add(&parts[i], &w);
		}
		size_t n = swarm_results_format(&parts[i], text, sizeof(text));
		ck_assert_uint_lt(n, sizeof(text));
		char err[256];
		ck_assert_msg(swarm_results_parse(text, &read[i], err, sizeof(err)) == 0, "%s", err);
		ptrs[i] = &read[i];
	}
	for (uint64_t s = 1; s <= 50; s++) {
		struct swarm_world w = world_of(s);
		swarm_sum_add(&all, &w);
	}
	struct swarm_sum merged;
	char err[256];
	ck_assert_msg(swarm_merge(ptrs, names, 3, &merged, err, sizeof(err)) == 0, "%s", err);
	static char a[65536], b[65536];
	swarm_report_format(&all, a, sizeof(a));
	swarm_report_format(&merged, b, sizeof(b));
	ck_assert_str_eq(a, b);
	ck_assert(strstr(a, "`isim run --scenario a b.scn --seed 3 --set 'workload caw=0' --set 'without alloc_fail'`") !=
		NULL);
	ck_assert(strstr(a, "seed 3 \\| broke here") != NULL);
	/* One shard short, or one twice: refused, and said so. */
	ck_assert_int_eq(swarm_merge(ptrs, names, 2, &merged, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "1 of 3 shards missing: 1/3") != NULL, "%s", err);
	const struct swarm_sum *twice[3] = { ptrs[0], ptrs[1], ptrs[1] };
	ck_assert_int_eq(swarm_merge(twice, names, 3, &merged, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "given twice (b and c)") != NULL, "%s", err);
}
END_TEST

START_TEST(values_are_parsed_whole)
{
	uint64_t v, lo, hi;
	uint32_t i, n;
	char why[160];
	ck_assert(swarm_parse_u64("18446744073709551615", 0, UINT64_MAX, &v, why, sizeof(why)));
	ck_assert_uint_eq(v, UINT64_MAX);
	static const char *const not_numbers[] = { "", "x", "12abc", "-3", "+3", " 3", "3 ", "0x10", "1e3" };
	for (size_t k = 0; k < sizeof(not_numbers) / sizeof(not_numbers[0]); k++) {
		ck_assert(!swarm_parse_u64(not_numbers[k], 0, UINT64_MAX, &v, why, sizeof(why)));
		ck_assert_msg(strstr(why, "is not a number") != NULL, "%s: %s", not_numbers[k], why);
	}
	ck_assert(!swarm_parse_u64("18446744073709551616", 0, UINT64_MAX, &v, why, sizeof(why)));
	ck_assert(strstr(why, "out of range") != NULL);
	ck_assert(!swarm_parse_u64("65", 1, 64, &v, why, sizeof(why)));
	ck_assert(swarm_parse_range("7..7", &lo, &hi, why, sizeof(why)) && lo == 7 && hi == 7);
	ck_assert(!swarm_parse_range("10..1", &lo, &hi, why, sizeof(why)));
	ck_assert_msg(strstr(why, "A (10) is above B (1)") != NULL, "%s", why);
	ck_assert(!swarm_parse_range("1...3", &lo, &hi, why, sizeof(why)));
	ck_assert(!swarm_parse_range("1..", &lo, &hi, why, sizeof(why)));
	ck_assert(swarm_parse_shard("3/4", &i, &n, why, sizeof(why)) && i == 3 && n == 4);
	ck_assert(!swarm_parse_shard("0/4", &i, &n, why, sizeof(why)));
	ck_assert(!swarm_parse_shard("5/4", &i, &n, why, sizeof(why)));
	ck_assert(!swarm_parse_shard("1/1001", &i, &n, why, sizeof(why)));
	ck_assert(!swarm_parse_shard("1/4x", &i, &n, why, sizeof(why)));
}
END_TEST

Suite *suite_swarmres(void)
{
	Suite *s = suite_create("swarmres");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, shards_are_disjoint_and_cover_the_range);
	tcase_add_test(tc, sum_keeps_the_lowest_failures_whatever_the_order);
	tcase_add_test(tc, results_file_reads_back_and_merges_to_the_whole);
	tcase_add_test(tc, values_are_parsed_whole);
	suite_add_tcase(s, tc);
	return s;
}
