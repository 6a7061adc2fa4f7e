/* Whole worlds against the reference engine: the same seed is the same
 * world, a calm world passes, and planted disk faults are caught. */
#include <check.h>

#include "sim/spec/scenario.h"
#include "sim/swarm/shrink.h"
#include "sim/swarm/draw.h"
#include "sim/base/time.h"
#include "sim/world/world.h"
#include "tmem.h"

static void calm(struct sim_params *p)
{
	params_default(p);
	p->duration_ns = SIM_S(8);
	p->liveness_ns = SIM_S(30);
}

static void run_observed(const struct sim_params *p, struct sim_result *r, trace_observer_fn fn, void *ctx)
{
	struct tmem m;
	tmem_init(&m);
	struct sim_trace tr;
	trace_init(&tr, p->trace_mask);
	if (fn != NULL)
		trace_observe(&tr, fn, ctx);
	struct world *w = world_create(p, &m.mem, &tr, NULL);
	world_run(w, r);
	world_destroy(w);
	ck_assert_uint_eq(m.live, 0);
}

static void run(const struct sim_params *p, struct sim_result *r)
{
	run_observed(p, r, NULL, NULL);
}

START_TEST(world_same_params_same_trace)
{
	struct sim_params p;
	calm(&p);
	p.faults.f[p.faults.n++] = (struct fault){ .kind = F_RESET, .at_ns = SIM_S(3), .ini = 1, .gw = 0 };
	struct sim_result a, b;
	run(&p, &a);
	run(&p, &b);
	ck_assert_uint_eq(a.trace_hash, b.trace_hash);
	ck_assert_uint_eq(a.trace_events, b.trace_events);
	ck_assert_uint_gt(a.ios, 100);
	p.seed = 2;
	run(&p, &b);
	ck_assert_uint_ne(a.trace_hash, b.trace_hash);
}
END_TEST

START_TEST(world_without_faults_passes_and_logs_out)
{
	struct sim_params p;
	calm(&p);
	struct sim_result r;
	run(&p, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	ck_assert_uint_eq(r.cov.hits[COV_SESS_LOGOUT], (uint64_t)(p.initiators * p.paths));
	ck_assert_uint_gt(r.cov.hits[COV_IO_READ_OK], 0);
	ck_assert_uint_gt(r.cov.hits[COV_IO_WRITE_OK], 0);
}
END_TEST

START_TEST(world_catches_misdirected_writes)
{
	struct sim_params p;
	calm(&p);
	p.disk.misdirect_ppm = 20000;
	struct sim_result r;
	run(&p, &r);
	ck_assert_int_eq(r.oracle, ORACLE_DATA);
	ck_assert_msg(strstr(r.why, "landed at lba") != NULL, "%s", r.why);
}
END_TEST

START_TEST(world_recovers_paths_after_a_gateway_crash)
{
	struct sim_params p;
	calm(&p);
	p.duration_ns = SIM_S(30);
	p.faults.f[p.faults.n++] = (struct fault){ .kind = F_GW_CRASH, .at_ns = SIM_S(5), .dur_ns = SIM_S(5), .gw = 0 };
	struct sim_result r;
	run(&p, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	ck_assert_uint_gt(r.cov.hits[COV_MP_PATH_FAIL_IO] + r.cov.hits[COV_MP_PATH_FAIL_CHECKER], 0);
	ck_assert_uint_gt(r.cov.hits[COV_SESS_REINSTATED], 0);
}
END_TEST

/* Which initiator PDUs the protocol checker framed (its --pdus lines)
 * while the gateway's end of their connection was closed and the
 * initiator's was not. */
#define HALF_CONNS_MAX 64
struct half_closed {
	bool gw_fin[HALF_CONNS_MAX], ini_closed[HALF_CONNS_MAX];
	unsigned checked_after_fin;
};

static void watch_half_closed(void *ctx, const struct tev *ev)
{
	struct half_closed *h = ctx;
	if (ev->idx < 0 || ev->idx >= HALF_CONNS_MAX)
		return;
	if (ev->kind == TEV_CONN && strcmp(ev->what, "fin_gw") == 0)
		h->gw_fin[ev->idx] = true;
	else if (ev->kind == TEV_CONN && strcmp(ev->what, "open") != 0 && strcmp(ev->what, "stall") != 0)
		h->ini_closed[ev->idx] = true; /* fin_ini, abort_ini, reset */
	else if (ev->kind == TEV_PDU && strcmp(ev->what, "ini") == 0 && h->gw_fin[ev->idx] && !h->ini_closed[ev->idx])
		h->checked_after_fin++;
}

/* A stalled connection: the gateway's NOP-In times out first and it
 * closes its end (FIN, held in the stall); the initiator, not told yet,
 * keeps sending (its own NOP-Out, its answer to the gateway's ping once
 * the stall ends). A FIN closes one direction only: those PDUs are
 * checked, and they are legal. */
START_TEST(world_checks_what_an_initiator_sends_after_the_gateways_fin)
{
	struct sim_params p;
	calm(&p);
	p.duration_ns = SIM_S(16);
	p.trace_mask |= 1u << TEV_PDU;
	p.tgt.nop_in_interval_ms = 1000;
	p.tgt.nop_in_timeout_ms = 1000;
	p.ini.noop_interval_ns = SIM_S(10);
	p.ini.noop_timeout_ns = SIM_S(10);
	p.faults.f[p.faults.n++] = (struct fault){ .kind = F_STALL, .at_ns = SIM_S(3), .dur_ns = SIM_S(8), .gw = 0 };
	struct half_closed h = { 0 };
	struct sim_result r;
	run_observed(&p, &r, watch_half_closed, &h);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	ck_assert_uint_gt(h.checked_after_fin, 0);
}
END_TEST

START_TEST(shrinker_keeps_the_failure_and_drops_unneeded_faults)
{
	struct sim_params p;
	calm(&p);
	p.disk.misdirect_ppm = 20000;
	for (int i = 0; i < 6; i++)
		p.faults.f[p.faults.n++] = (struct fault){ .kind = F_STALL, .at_ns = SIM_S(1 + i), .dur_ns = SIM_MS(300),
			.ini = i % 4, .gw = i % 2 };
	struct tmem m;
	tmem_init(&m);
	struct shrink_stats st;
	shrink_params(&p, ORACLE_DATA, &m.mem, 60, &st);
	ck_assert_uint_eq(st.faults_before, 6);
	ck_assert_uint_eq(p.faults.n, 0); /* the misdirection alone fails */
	struct sim_result r;
	shrink_run(&p, &m.mem, &r);
	ck_assert_int_eq(r.oracle, ORACLE_DATA);
	ck_assert_uint_eq(m.live, 0);
}
END_TEST

Suite *suite_world(void)
{
	Suite *s = suite_create("world");
	TCase *tc = tcase_create("world");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, world_same_params_same_trace);
	tcase_add_test(tc, world_without_faults_passes_and_logs_out);
	tcase_add_test(tc, world_catches_misdirected_writes);
	tcase_add_test(tc, world_recovers_paths_after_a_gateway_crash);
	tcase_add_test(tc, world_checks_what_an_initiator_sends_after_the_gateways_fin);
	tcase_add_test(tc, shrinker_keeps_the_failure_and_drops_unneeded_faults);
	suite_add_tcase(s, tc);
	return s;
}
