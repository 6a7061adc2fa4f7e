/* What the failover scenario library stands on: expectations and their
 * judgement (bounds are an oracle of their own), the COMPARE AND WRITE
 * double-win rule, the landing rule for answered or aborted writes, and
 * swizzle-clog drawing its order from the seed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/initiator/block.h"
#include "sim/oracle/expect.h"
#include "sim/oracle/attempts.h"
#include "sim/oracle/data.h"
#include "sim/spec/scenario.h"
#include "sim/base/time.h"
#include "sim/world/world.h"
#include "tmem.h"

#define BS 512u

static int parse(const char *text, struct sim_params *p, struct scenario_expect *e, char *err, size_t cap)
{
	params_default(p);
	return scenario_parse(text, p, e, err, cap);
}

START_TEST(expect_parses_verdicts_and_bounds_with_units)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	ck_assert_int_eq(parse("expect latency_max<=40s io_path_failed=0 final_optimized=-1\n"
			       "expect lock_transfers>3 io_stall_max<1500ms\n"
			       "expect fail bound lock_transfers\n",
				 &p, &e, err, sizeof(err)),
		0);
	ck_assert(e.set);
	ck_assert_int_eq(e.oracle, ORACLE_BOUND);
	ck_assert_int_eq(e.bound_metric, METRIC_LOCK_TRANSFERS);
	ck_assert_uint_eq(e.nb, 5);
	ck_assert_int_eq(e.b[0].m, METRIC_LATENCY_MAX);
	ck_assert_int_eq(e.b[0].op, BOUND_LE);
	ck_assert_int_eq(e.b[0].v, (int64_t)SIM_S(40));
	ck_assert_int_eq(e.b[2].v, -1);
	ck_assert_int_eq(e.b[3].op, BOUND_GT);
	ck_assert_int_eq(e.b[4].op, BOUND_LT);
	ck_assert_int_eq(e.b[4].v, (int64_t)SIM_MS(1500));
	ck_assert_int_eq(parse("expect fail reservation\n", &p, &e, err, sizeof(err)), 0);
	ck_assert_int_eq(e.oracle, ORACLE_RESERVATION);
}
END_TEST

START_TEST(expect_refuses_unknown_metrics_and_times_without_a_unit)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	const char *bad[] = {
		"expect latency_maximum<=4s\n",
		"expect latency_max<=4\n",
		"expect io_ok>=many\n",
		"expect fail everything\n",
		"expect fail bound no_such_metric\n",
		"expect io_ok\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(bad[i], &p, &e, err, sizeof(err)) != 0, "accepted: %s", bad[i]);
		ck_assert_msg(strncmp(err, "line 1: ", 8) == 0, "no line number: %s", err);
	}
}
END_TEST

static struct sim_result result_with(enum metric_id m, int64_t v)
{
	struct sim_result r;
	memset(&r, 0, sizeof(r));
	r.metrics.v[m] = v;
	return r;
}

START_TEST(expect_a_broken_bound_is_the_bound_oracle)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	struct expect_verdict v;
	ck_assert_int_eq(parse("expect lock_transfers<=10 io_ok>=1\nexpect pass\n", &p, &e, err, sizeof(err)), 0);
	struct sim_result r = result_with(METRIC_LOCK_TRANSFERS, 52);
	r.metrics.v[METRIC_IO_OK] = 100;
	expect_judge(&e, &r, &v);
	ck_assert(!v.met);
	ck_assert_int_eq(v.observed, ORACLE_BOUND);
	ck_assert_int_eq(v.bound, 0);
	ck_assert_str_eq(v.text, "fail bound lock_transfers=52 (expected <=10)");
	r.metrics.v[METRIC_LOCK_TRANSFERS] = 10;
	expect_judge(&e, &r, &v);
	ck_assert(v.met);
	ck_assert_str_eq(v.text, "pass");
}
END_TEST

START_TEST(expect_fail_bound_metric_needs_that_bound_to_fail)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	struct expect_verdict v;
	ck_assert_int_eq(parse("expect io_ok>=1000 lock_transfers<=10\nexpect fail bound lock_transfers\n", &p, &e,
				 err, sizeof(err)),
		0);
	/* Only the progress bound fails: not the failure this scenario is about. */
	struct sim_result r = result_with(METRIC_LOCK_TRANSFERS, 3);
	expect_judge(&e, &r, &v);
	ck_assert_int_eq(v.observed, ORACLE_BOUND);
	ck_assert(!v.met);
	/* Both fail: the named one is shown, and the expectation is met. */
	r.metrics.v[METRIC_LOCK_TRANSFERS] = 40;
	expect_judge(&e, &r, &v);
	ck_assert(v.met);
	ck_assert_int_eq(e.b[v.bound].m, METRIC_LOCK_TRANSFERS);
}
END_TEST

START_TEST(expect_bounds_wait_for_a_world_no_oracle_stopped)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	struct expect_verdict v;
	ck_assert_int_eq(parse("expect io_ok>=1000\nexpect fail data\n", &p, &e, err, sizeof(err)), 0);
	struct sim_result r = result_with(METRIC_IO_OK, 5);
	r.oracle = ORACLE_DATA;
	expect_judge(&e, &r, &v);
	ck_assert(v.met);
	ck_assert_int_eq(v.observed, ORACLE_DATA);
	ck_assert_str_eq(v.text, "fail data");
	/* A pass where a data failure was expected is not met. */
	r.oracle = ORACLE_NONE;
	r.metrics.v[METRIC_IO_OK] = 2000;
	expect_judge(&e, &r, &v);
	ck_assert(!v.met);
}
END_TEST

START_TEST(scenario_format_round_trips_cluster_reservation_and_bounds)
{
	struct sim_params p, q;
	struct scenario_expect e, f;
	char err[160], text[8192], text2[8192];
	const char *src = "topology alua=explicit optimized=1 prefer=spread\n"
			  "cluster failover_delay=3s transition_max=20s\n"
			  "reservation holder=1 type=ea_ro aptpl=no at=4s\n"
			  "workload heartbeat=750ms start=2s\n"
			  "disk honor_flush=no\n"
			  "target backend_timeout=2500ms\n"
			  "multipath checker_timeout=7s alua_wait=30s\n"
			  "fault alua_failover at=12s gw=0\n"
			  "fault swizzle at=10s for=20s ini=1 gw=1\n"
			  "fault login_drop at=5s for=10s ini=0 gw=1 a=3\n"
			  "expect latency_max<=45s dual_writers=0\n"
			  "expect fail bound latency_max\n";
	ck_assert_int_eq(parse(src, &p, &e, err, sizeof(err)), 0);
	ck_assert_int_eq(p.cluster.alua, ALUA_MODE_EXPLICIT);
	ck_assert_int_eq(p.cluster.prefer, PREFER_SPREAD);
	ck_assert_int_eq(p.pr.holder, 1);
	ck_assert_uint_eq(p.pr.type, 6);
	ck_assert(!p.honor_flush);
	ck_assert_uint_eq(p.tgt.backend_timeout_ns, SIM_MS(2500));
	scenario_format(&p, &e, text, sizeof(text));
	ck_assert_int_eq(parse(text, &q, &f, err, sizeof(err)), 0);
	scenario_format(&q, &f, text2, sizeof(text2));
	ck_assert_str_eq(text, text2);
	ck_assert_int_eq(memcmp(&p.cluster, &q.cluster, sizeof(p.cluster)), 0);
	ck_assert_int_eq(memcmp(&p.pr, &q.pr, sizeof(p.pr)), 0);
	ck_assert_uint_eq(f.nb, 2);
	ck_assert_int_eq(f.oracle, ORACLE_BOUND);
	ck_assert_int_eq(f.bound_metric, METRIC_LATENCY_MAX);
}
END_TEST

START_TEST(scenario_refuses_a_holder_or_optimized_gateway_that_does_not_exist)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	ck_assert_int_ne(parse("topology initiators=2\nreservation holder=3\n", &p, &e, err, sizeof(err)), 0);
	ck_assert_int_ne(parse("topology gateways=2 optimized=2\n", &p, &e, err, sizeof(err)), 0);
	ck_assert_int_ne(parse("reservation type=we_rw\n", &p, &e, err, sizeof(err)), 0);
}
END_TEST

/* ---- COMPARE AND WRITE: two cannot replace the same value ---- */

static struct tmem m;
static struct odata od;

static void od_setup(void)
{
	tmem_init(&m);
	odata_init(&od, &m.mem, 16, BS, true);
}

static void od_teardown(void)
{
	odata_fini(&od);
	ck_assert_uint_eq(m.live, 0);
}

/* Version v at lba, acknowledged at t1 and settled then. */
static uint64_t settled_write(uint64_t lba, uint64_t t0, uint64_t t1)
{
	uint64_t v = odata_begin(&od, OD_WRITE, lba, 1, false, t0);
	uint8_t b[BS];
	block_fill(b, BS, lba, v);
	odata_copy(&od, v);
	ck_assert(odata_applied(&od, lba, 1, b));
	odata_settle(&od, v, true, t1);
	ck_assert(odata_end(&od, v, OD_ACKED, t1));
	return v;
}

START_TEST(caw_two_wins_over_one_settled_value_are_caught)
{
	uint64_t v = settled_write(3, 10, 20);
	uint64_t a = odata_begin(&od, OD_WRITE, 3, 1, false, 100);
	uint64_t b = odata_begin(&od, OD_WRITE, 3, 1, false, 110);
	ck_assert(odata_caw_won(&od, 3, v, a, 100));
	ck_assert(!odata_caw_won(&od, 3, v, b, 110));
	ck_assert_ptr_nonnull(strstr(od.why, "both replaced"));
}
END_TEST

START_TEST(caw_wins_over_a_value_that_may_land_again_are_allowed)
{
	/* The compared value's write is not settled: a copy of it may land
	 * again between the two, and both compares can then succeed. */
	uint64_t v = odata_begin(&od, OD_WRITE, 5, 1, false, 10);
	odata_copy(&od, v);
	odata_settle(&od, v, false, 0);
	uint64_t a = odata_begin(&od, OD_WRITE, 5, 1, false, 100);
	uint64_t b = odata_begin(&od, OD_WRITE, 5, 1, false, 110);
	ck_assert(odata_caw_won(&od, 5, v, a, 100));
	ck_assert(odata_caw_won(&od, 5, v, b, 110));
	/* Zeroes come back with every unmap: never judged. */
	ck_assert(odata_caw_won(&od, 6, 0, a, 120));
	ck_assert(odata_caw_won(&od, 6, 0, b, 130));
	/* A power loss may bring the replaced value back. */
	uint64_t u = settled_write(8, 10, 20);
	ck_assert(odata_caw_won(&od, 8, u, a, 100));
	uint8_t *dur = calloc(16, BS); /* the durable image: zeroes, and u at lba 8 */
	block_fill(dur + 8 * BS, BS, 8, u);
	ck_assert(odata_power_loss(&od, 105, dur));
	free(dur);
	ck_assert(odata_caw_won(&od, 8, u, b, 110));
	/* A chain of wins over different values is the normal case. */
	uint64_t w = settled_write(7, 10, 20);
	ck_assert(odata_caw_won(&od, 7, w, a, 100));
	ck_assert(odata_caw_won(&od, 7, a, b, 110));
}
END_TEST

/* ---- no write lands after its task was answered ---- */

START_TEST(landing_is_refused_once_every_attempt_there_was_answered)
{
	struct tmem t;
	tmem_init(&t);
	struct odata d;
	struct oatt o;
	odata_init(&d, &t.mem, 16, BS, true);
	oatt_init(&o, &t.mem, &d);
	uint64_t v = odata_begin(&d, OD_WRITE, 1, 1, false, 0);
	oatt_sent(&o, v, 7, 0);
	ck_assert_uint_eq(oatt_pending(&o, 0), 1);
	ck_assert(oatt_may_land(&o, v, 0));
	ck_assert(oatt_may_land(&o, v, 1)); /* never sent there: not ours to judge */
	oatt_answered(&o, v, 7, 50);        /* FUNCTION COMPLETE, or a status */
	ck_assert(!oatt_may_land(&o, v, 0));
	ck_assert_uint_eq(oatt_pending(&o, 0), 0);
	/* A copy whose connection is gone may still land until it settles. */
	uint64_t w = odata_begin(&d, OD_WRITE, 2, 1, false, 60);
	oatt_sent(&o, w, 8, 1);
	ck_assert(oatt_closed(&o, 8));
	ck_assert(oatt_may_land(&o, w, 1));
	ck_assert_uint_eq(oatt_pending(&o, 1), 1);
	oatt_settled(&o, 8, 90);
	ck_assert(!oatt_may_land(&o, w, 1));
	ck_assert_uint_eq(oatt_pending(&o, 1), 0);
	oatt_fini(&o);
	odata_fini(&d);
	ck_assert_uint_eq(t.live, 0);
}
END_TEST

/* ---- swizzle-clog draws its order from the seed ---- */

struct clogs {
	uint64_t start[2], heal[2]; /* by direction: 0 to_gw, 1 to_ini */
	int n;
};

static void on_fault(void *ctx, const struct tev *ev)
{
	struct clogs *c = ctx;
	if (ev->kind != TEV_FAULT || ev->b != F_PARTITION)
		return;
	int dir = strstr(ev->line, "\"dir\":\"to_gw\"") != NULL ? 0 : 1;
	if (strcmp(ev->what, "start") == 0) {
		c->start[dir] = ev->t;
		c->n++;
	} else {
		c->heal[dir] = ev->t;
	}
}

static void swizzle_world(uint64_t seed, struct clogs *c)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	ck_assert_int_eq(parse("topology gateways=2 initiators=1 paths=2\nrun duration=4s liveness=30s\n"
			       "workload qd=2 think=20ms\nfault swizzle at=1s for=2s ini=0 gw=0\n",
				 &p, &e, err, sizeof(err)),
		0);
	p.seed = seed;
	struct tmem t;
	tmem_init(&t);
	struct sim_trace tr;
	trace_init(&tr, p.trace_mask);
	memset(c, 0, sizeof(*c));
	trace_observe(&tr, on_fault, c);
	struct world *w = world_create(&p, &t.mem, &tr, NULL);
	struct sim_result r;
	world_run(w, &r);
	world_destroy(w);
	ck_assert_int_eq(r.oracle, ORACLE_NONE);
	ck_assert_uint_eq(t.live, 0);
}

START_TEST(swizzle_clogs_both_directions_in_an_order_the_seed_draws)
{
	bool first_to_gw = false, first_to_ini = false, heal_to_gw_first = false, heal_to_ini_first = false;
	for (uint64_t seed = 1; seed <= 12; seed++) {
		struct clogs c;
		swizzle_world(seed, &c);
		ck_assert_int_eq(c.n, 2);
		for (int d = 0; d < 2; d++) {
			ck_assert_uint_ge(c.start[d], SIM_S(1));
			ck_assert_uint_le(c.start[d], SIM_S(2));
			ck_assert_uint_ge(c.heal[d], SIM_S(2));
			ck_assert_uint_le(c.heal[d], SIM_S(3));
		}
		first_to_gw |= c.start[0] < c.start[1];
		first_to_ini |= c.start[1] < c.start[0];
		heal_to_gw_first |= c.heal[0] < c.heal[1];
		heal_to_ini_first |= c.heal[1] < c.heal[0];
		struct clogs again;
		swizzle_world(seed, &again);
		ck_assert_int_eq(memcmp(&c, &again, sizeof(c)), 0);
	}
	ck_assert(first_to_gw && first_to_ini && heal_to_gw_first && heal_to_ini_first);
}
END_TEST

/* ---- the cluster and the reservation holder, in small worlds ---- */

struct seen {
	uint64_t optimized_at; /* the last gw.alua_optimized */
	int optimized_gw;
	unsigned registered[SIM_PATHS_MAX]; /* pr_registered notes per path of initiator 0 */
};

static void on_event(void *ctx, const struct tev *ev)
{
	struct seen *s = ctx;
	if (ev->kind == TEV_GW && strcmp(ev->what, "alua_optimized") == 0) {
		s->optimized_at = ev->t;
		s->optimized_gw = ev->node;
	}
	if (ev->kind == TEV_PATH && strcmp(ev->what, "pr_registered") == 0 && ev->node == 0 && ev->idx >= 0 &&
		ev->idx < (int)SIM_PATHS_MAX)
		s->registered[ev->idx]++;
}

static void run_text(const char *text, struct sim_result *r, struct seen *s)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	ck_assert_msg(parse(text, &p, &e, err, sizeof(err)) == 0, "%s", err);
	struct tmem t;
	tmem_init(&t);
	struct sim_trace tr;
	trace_init(&tr, p.trace_mask);
	memset(s, 0, sizeof(*s));
	trace_observe(&tr, on_event, s);
	struct world *w = world_create(&p, &t.mem, &tr, NULL);
	world_run(w, r);
	world_destroy(w);
	ck_assert_uint_eq(t.live, 0);
}

START_TEST(world_explicit_alua_completes_only_once_the_old_gateway_drained)
{
	struct sim_result r;
	struct seen s;
	run_text("topology gateways=2 initiators=2 paths=2 alua=explicit optimized=0 prefer=owner\n"
		 "run duration=20s liveness=60s\ndisk exclusive_lock=no\n"
		 "workload qd=4 think=10ms start=1s read=50 write=50 write_fua=0 flush=0 unmap=0 caw=0\n"
		 "initiator cmd_timeout=3s tmf_timeout=2s replacement_timeout=3s noop_interval=1s noop_timeout=2s\n"
		 "multipath polling_interval=1s alua=yes\n"
		 "fault disk_slow at=5s for=6s gw=0 a=6000000000\n"
		 "fault partition at=5.5s for=5s ini=0 gw=0 dir=both\n"
		 "fault partition at=5.5s for=5s ini=1 gw=0 dir=both\n",
		&r, &s);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s", r.why);
	ck_assert_int_eq(s.optimized_gw, 1);
	/* Gateway 0's slow writes (submitted up to 5.5 s, 6 s late) drain
	 * after 11 s: not a moment before does gateway 1 become optimized. */
	ck_assert_uint_ge(s.optimized_at, SIM_S(11));
	ck_assert_int_eq(r.metrics.v[METRIC_DUAL_WRITERS], 0);
	ck_assert_int_eq(r.metrics.v[METRIC_FINAL_OPTIMIZED], 1);
}
END_TEST

START_TEST(world_implicit_alua_moves_the_group_off_a_dead_owner)
{
	struct sim_result r;
	struct seen s;
	run_text("topology gateways=2 initiators=2 paths=2 alua=implicit optimized=0 prefer=owner\n"
		 "run duration=20s liveness=60s\ncluster failover_delay=3s\n"
		 "workload qd=2 think=10ms start=1s\nmultipath polling_interval=1s alua=yes\n"
		 "fault gw_power_off at=5s for=8s gw=0\n",
		&r, &s);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s", r.why);
	ck_assert_int_eq(s.optimized_gw, 1);
	ck_assert_uint_eq(s.optimized_at, SIM_S(8));
	ck_assert_int_eq(r.metrics.v[METRIC_ALUA_TRANSITIONS], 1);
	ck_assert_int_eq(r.metrics.v[METRIC_FINAL_OPTIMIZED], 1); /* no failback on restart */
}
END_TEST

/* io_stall_max: I/O outstanding and none completed GOOD. With no_path_retry
 * fail, host 0's I/O waits out NOP timeout and replacement_timeout (about
 * 9 s) and then fails up with nothing left outstanding: that stall ends in
 * failures, and counts (the real initiator's, judged by isim guest-check,
 * was 9.3 s in 05 fail; the simulated one read 0.02 s before). */
START_TEST(world_stall_that_ends_in_failures_counts)
{
	struct sim_result r;
	struct seen s;
	run_text("topology gateways=2 initiators=1 paths=2 prefer=owner\n"
		 "run duration=30s liveness=60s\ndisk exclusive_lock=no\n"
		 "initiator noop_interval=2s noop_timeout=2s replacement_timeout=5s cmd_timeout=30s "
		 "reconnect_delay=2s login_timeout=5s\n"
		 "workload qd=4 think=10ms start=2s read=50 write=40 write_fua=5 flush=5 unmap=0 caw=0\n"
		 "multipath no_path_retry=fail polling_interval=2s\n"
		 "fault partition at=10s for=15s ini=0 gw=0 dir=both\n"
		 "fault partition at=10s for=15s ini=0 gw=1 dir=both\n",
		&r, &s);
	ck_assert_int_gt(r.metrics.v[METRIC_IO_FAILED], 0);
	ck_assert_int_ge(r.metrics.v[METRIC_IO_STALL_MAX], (int64_t)SIM_S(8));
	ck_assert_int_le(r.metrics.v[METRIC_IO_STALL_MAX], r.metrics.v[METRIC_LATENCY_MAX]);
}
END_TEST

START_TEST(world_reservation_holder_registers_every_path_and_the_others_conflict)
{
	struct sim_result r;
	struct seen s;
	run_text("topology gateways=2 initiators=2 paths=2 prefer=owner\nrun duration=10s liveness=60s\n"
		 "reservation holder=0 type=we_ro aptpl=no at=2s\n"
		 "workload qd=2 think=10ms start=1s read=50 write=50 write_fua=0 flush=0 unmap=0 caw=0\n",
		&r, &s);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s", r.why);
	ck_assert_uint_ge(s.registered[0], 1);
	ck_assert_uint_ge(s.registered[1], 1);
	ck_assert_int_gt(r.metrics.v[METRIC_RESERVATION_CONFLICTS], 0);
	ck_assert_int_eq(r.metrics.v[METRIC_HOLDER_CONFLICTS], 0);
}
END_TEST

Suite *suite_failover(void)
{
	Suite *s = suite_create("failover");
	TCase *tc = tcase_create("expect");
	tcase_add_test(tc, expect_parses_verdicts_and_bounds_with_units);
	tcase_add_test(tc, expect_refuses_unknown_metrics_and_times_without_a_unit);
	tcase_add_test(tc, expect_a_broken_bound_is_the_bound_oracle);
	tcase_add_test(tc, expect_fail_bound_metric_needs_that_bound_to_fail);
	tcase_add_test(tc, expect_bounds_wait_for_a_world_no_oracle_stopped);
	tcase_add_test(tc, scenario_format_round_trips_cluster_reservation_and_bounds);
	tcase_add_test(tc, scenario_refuses_a_holder_or_optimized_gateway_that_does_not_exist);
	suite_add_tcase(s, tc);
	tc = tcase_create("caw");
	tcase_add_checked_fixture(tc, od_setup, od_teardown);
	tcase_add_test(tc, caw_two_wins_over_one_settled_value_are_caught);
	tcase_add_test(tc, caw_wins_over_a_value_that_may_land_again_are_allowed);
	suite_add_tcase(s, tc);
	tc = tcase_create("world");
	tcase_add_test(tc, landing_is_refused_once_every_attempt_there_was_answered);
	tcase_add_test(tc, swizzle_clogs_both_directions_in_an_order_the_seed_draws);
	tcase_add_test(tc, world_explicit_alua_completes_only_once_the_old_gateway_drained);
	tcase_add_test(tc, world_implicit_alua_moves_the_group_off_a_dead_owner);
	tcase_add_test(tc, world_reservation_holder_registers_every_path_and_the_others_conflict);
	tcase_add_test(tc, world_stall_that_ends_in_failures_counts);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
