/* Issue 16 hazard class 7, issue 18: persistent reservations shared by
 * the gateways through one record on the simulated disk (target
 * pr_shared=yes): the disk's compare-and-set record (infra/disk.c), the
 * notify between gateways (world/pr_notify.c), the reservation oracle's
 * one model for the LU (world/pr_hosts.c), and the swarm's draw. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/base/time.h"
#include "sim/spec/scenario.h"
#include "sim/swarm/draw.h"
#include "sim/world/world.h"
#include "tdisk.h"

static struct tdisk *record_disk(bool exclusive_lock)
{
	static struct tdisk h;
	struct disk_params p = { .blocks = 64, .block_size = 512, .read_lat = { .min_ns = SIM_US(10) },
		.write_lat = { .min_ns = SIM_US(10) }, .flush_lat = { .min_ns = SIM_US(10) },
		.exclusive_lock = exclusive_lock, .reopen_delay_ns = SIM_S(1) };
	tdisk_setup(&h, &p, 3);
	return &h;
}

/* One I/O of gateway gw run to completion; its status. */
static enum rt_disk_status gw_run(struct tdisk *h, int gw, struct rt_disk_io *io)
{
	unsigned before = h->done;
	disk_submit(&h->d, gw, io);
	while (h->done == before && evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_uint_eq(h->done, before + 1);
	return h->last;
}

static enum rt_disk_status store(struct tdisk *h, int gw, const char *text, uint64_t version, uint64_t *now)
{
	uint8_t bytes[32];
	size_t n = strlen(text);
	ck_assert_uint_le(n, sizeof(bytes));
	memcpy(bytes, text, n);
	struct rt_disk_io io = { .op = RT_DISK_PR_STORE, .buf = bytes, .len = n, .version = version };
	enum rt_disk_status st = gw_run(h, gw, &io);
	*now = io.version;
	return st;
}

static enum rt_disk_status load(struct tdisk *h, int gw, char *buf, size_t cap, uint64_t *version, uint64_t *len)
{
	struct rt_disk_io io = { .op = RT_DISK_PR_LOAD, .buf = (uint8_t *)buf, .len = cap };
	memset(buf, 0, cap);
	enum rt_disk_status st = gw_run(h, gw, &io);
	*version = io.version;
	*len = io.run_len;
	return st;
}

START_TEST(disk_pr_record_store_is_a_compare_and_set_on_its_version)
{
	struct tdisk *h = record_disk(false);
	char buf[32];
	uint64_t v, len;
	ck_assert_int_eq(load(h, 0, buf, sizeof(buf), &v, &len), RT_DISK_OK);
	ck_assert_uint_eq(v, 0); /* none yet */
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(store(h, 0, "first", 0, &v), RT_DISK_OK);
	ck_assert_uint_eq(v, 1);
	/* gateway 1 loaded "none" too: its store lost the race */
	ck_assert_int_eq(store(h, 1, "other", 0, &v), RT_DISK_ERR_STALE);
	ck_assert_uint_eq(h->d.stats.pr_stores_stale, 1);
	ck_assert_int_eq(load(h, 1, buf, sizeof(buf), &v, &len), RT_DISK_OK);
	ck_assert_uint_eq(v, 1);
	ck_assert_uint_eq(len, 5);
	ck_assert_str_eq(buf, "first");
	ck_assert_int_eq(store(h, 1, "second", 1, &v), RT_DISK_OK); /* over what it loaded */
	ck_assert_uint_eq(v, 2);
	/* a load reads at most its buffer, and says how much it read */
	ck_assert_int_eq(load(h, 0, buf, 3, &v, &len), RT_DISK_OK);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(buf, "sec", 3), 0);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_pr_record_is_refused_to_a_blocklisted_instance)
{
	struct tdisk *h = record_disk(true);
	uint8_t b[512];
	memset(b, 1, sizeof(b));
	uint64_t v, len;
	char buf[32];
	ck_assert_int_eq(store(h, 0, "mine", 0, &v), RT_DISK_OK); /* no lock needed */
	struct rt_disk_io w0 = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = b };
	ck_assert_int_eq(gw_run(h, 0, &w0), RT_DISK_OK);
	struct rt_disk_io w1 = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = b };
	ck_assert_int_eq(gw_run(h, 1, &w1), RT_DISK_OK); /* breaks the lock: 0 is blocklisted */
	ck_assert_int_eq(store(h, 0, "late", 1, &v), RT_DISK_ERR_FENCED);
	ck_assert_int_eq(load(h, 0, buf, sizeof(buf), &v, &len), RT_DISK_ERR_FENCED);
	ck_assert_int_eq(load(h, 1, buf, sizeof(buf), &v, &len), RT_DISK_OK);
	ck_assert_uint_eq(v, 1);
	ck_assert_str_eq(buf, "mine");
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_pr_store_of_a_crashed_gateway_still_lands)
{
	struct tdisk *h = record_disk(false);
	char text[8] = "gone";
	struct rt_disk_io io = { .op = RT_DISK_PR_STORE, .buf = (uint8_t *)text, .len = 4 };
	disk_submit(&h->d, 0, &io);
	memset(text, 0, sizeof(text)); /* the engine's memory is gone */
	disk_forget_gw(&h->d, 0);
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_uint_eq(h->done, 0);
	char buf[16];
	uint64_t v, len;
	ck_assert_int_eq(load(h, 1, buf, sizeof(buf), &v, &len), RT_DISK_OK);
	ck_assert_uint_eq(v, 1);
	ck_assert_str_eq(buf, "gone");
	tdisk_teardown(h);
}
END_TEST

/* A world from scenario text, run to its verdict. */
static void run_text(const char *text, struct sim_result *r)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[200];
	params_default(&p);
	ck_assert_msg(scenario_parse(text, &p, &e, err, sizeof(err)) == 0, "%s", err);
	struct tmem m;
	tmem_init(&m);
	struct sim_trace tr;
	trace_init(&tr, p.trace_mask);
	struct world *w = world_create(&p, &m.mem, &tr, NULL);
	world_run(w, r);
	world_destroy(w);
	ck_assert_uint_eq(m.live, 0);
}

/* Host 0 registers through gateway 0 and reserves; host 1 reads the keys
 * and the reservation through gateway 1, and host 0's path to gateway 1
 * writes. With the shared record gateway 1 answers with host 0's key and
 * reservation; the oracle judges them by the LU's one model (a model per
 * gateway would find gateway 1 empty). Gateway 0 restarts in between:
 * the record outlives its engine. */
static const char shared_world[] = "topology gateways=2 initiators=2 paths=2 prefer=spread\n"
				   "disk exclusive_lock=no\n"
				   "run duration=12s liveness=60s\n"
				   "workload qd=2 think=10ms start=1s read=50 write=50 write_fua=0 flush=0 unmap=0 caw=0\n"
				   "pr register ini=0 path=0 at=2s sakey=0xa\n"
				   "pr reserve ini=0 path=0 at=100ms after=0 key=0xa type=we_ro\n"
				   "pr read_keys ini=1 path=0 at=4s\n"
				   "pr read_reservation ini=1 path=0 at=4s\n"
				   "fault gw_crash at=5s for=1s gw=0\n"
				   "pr read_keys ini=0 path=0 at=9s\n"
				   "pr read_reservation ini=0 path=0 at=9s\n";

START_TEST(pr_shared_world_answers_through_every_gateway_from_one_record)
{
	char text[sizeof(shared_world) + 64];
	snprintf(text, sizeof(text), "%starget pr_shared=yes\n", shared_world);
	struct sim_result r;
	run_text(text, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	ck_assert_uint_ge(r.cov.hits[COV_PR_CHECKED], 4);
	ck_assert_uint_gt(r.metrics.v[METRIC_RESERVATION_CONFLICTS], 0); /* host 1's writes, through both */
	/* without sharing the same world keeps a state per gateway, and the
	 * per-gateway models agree with it: no host 1 conflict through
	 * gateway 1 before the crash */
	run_text(shared_world, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
}
END_TEST

START_TEST(pr_shared_is_off_by_default_and_drawn_only_when_asked)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[200];
	params_default(&p);
	ck_assert_int_eq(scenario_parse("seed 1\n", &p, &e, err, sizeof(err)), 0);
	ck_assert(!p.tgt.pr_shared && !p.draw_pr_shared);
	unsigned drawn = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct sim_params q;
		params_default(&q);
		swarm_params(&q, seed);
		swarm_draw_pr_shared(&q, seed);
		ck_assert(!q.tgt.pr_shared);
		q.draw_pr_shared = true;
		swarm_draw_pr_shared(&q, seed);
		ck_assert(!q.draw_pr_shared);
		drawn += q.tgt.pr_shared;
	}
	ck_assert_uint_gt(drawn, 5);
	ck_assert_uint_lt(drawn, 35);
}
END_TEST

Suite *suite_pr_shared(void)
{
	Suite *s = suite_create("pr_shared");
	TCase *t = tcase_create("pr_shared");
	tcase_set_timeout(t, 60);
	tcase_add_test(t, disk_pr_record_store_is_a_compare_and_set_on_its_version);
	tcase_add_test(t, disk_pr_record_is_refused_to_a_blocklisted_instance);
	tcase_add_test(t, disk_pr_store_of_a_crashed_gateway_still_lands);
	tcase_add_test(t, pr_shared_world_answers_through_every_gateway_from_one_record);
	tcase_add_test(t, pr_shared_is_off_by_default_and_drawn_only_when_asked);
	suite_add_tcase(s, t);
	return s;
}
