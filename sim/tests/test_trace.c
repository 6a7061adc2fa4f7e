/* What the trace says about a world, for a person and for the timeline
 * (out_svg): every event names its node by role ("ini" or "gw", never a
 * bare "node"), a fault names only the nodes it concerns, a stale write
 * and the data oracle's verdict name the same version as the disk write
 * that carried it, and the run's I/O counts add up. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/base/trace.h"
#include "sim/spec/scenario.h"
#include "sim/world/world.h"
#include "tmem.h"

/* Scenario 01 (scenarios/01-stale-write-fencing-off.scn): gateway 0's
 * in-flight writes land 15 s late, after both hosts failed over to
 * gateway 1; nothing fences them and the data oracle flags a read. */
static const char stale_write_world[] =
	"seed 1\n"
	"topology gateways=2 initiators=2 paths=2 prefer=owner\n"
	"run duration=35s liveness=60s\n"
	"lu block_size=512\n"
	"disk exclusive_lock=no\n"
	"workload qd=4 think=10ms start=2s read=50 write=50 write_fua=0 flush=0 unmap=0 caw=0 hot_blocks=8 hot=100%\n"
	"initiator cmd_timeout=3s tmf_timeout=2s replacement_timeout=3s noop_interval=1s noop_timeout=2s\n"
	"multipath no_path_retry=queue polling_interval=1s\n"
	"fault disk_slow at=10s for=15s gw=0 a=15000000000\n"
	/* 15 s, as scenarios/01-stale-write-fencing-off.scn says why */
	"fault partition at=10.5s for=15s ini=0 gw=0 dir=both\n"
	"fault partition at=10.5s for=15s ini=1 gw=0 dir=both\n";

#define VERS_MAX 64

struct seen {
	unsigned lines, bare_node, io_without_ini, gw_fault_with_ini, link_fault_without_ini;
	unsigned nstale;
	uint64_t stale_ver[VERS_MAX];
	int stale_gw[VERS_MAX];
	bool oracle;
	int oracle_ini;
	uint64_t oracle_lba, oracle_ver;
	bool oracle_has_ver;
	unsigned dio_writes_of_oracle_ver; /* through gateway 0, the stale one */
};

static struct seen seen;

static bool has(const struct tev *ev, const char *s)
{
	return strstr(ev->line, s) != NULL;
}

static void observe(void *ctx, const struct tev *ev)
{
	struct seen *s = ctx;
	s->lines++;
	s->bare_node += has(ev, "\"node\":");
	if (ev->kind == TEV_IO)
		s->io_without_ini += !has(ev, "\"ini\":");
	if (ev->kind == TEV_FAULT && has(ev, "\"kind\":\"disk_slow\""))
		s->gw_fault_with_ini += has(ev, "\"ini\":");
	if (ev->kind == TEV_FAULT && has(ev, "\"kind\":\"partition\""))
		s->link_fault_without_ini += !has(ev, "\"ini\":");
	if (ev->kind == TEV_DISK && strcmp(ev->what, "stale_write") == 0 && s->nstale < VERS_MAX) {
		s->stale_ver[s->nstale] = ev->b;
		s->stale_gw[s->nstale++] = ev->node;
	}
	if (ev->kind == TEV_ORACLE) {
		s->oracle = true;
		s->oracle_ini = ev->node;
		s->oracle_lba = ev->a;
		s->oracle_ver = ev->b;
		s->oracle_has_ver = has(ev, "\"ver\":");
	}
}

/* Second pass: the disk writes carrying the version the oracle named. */
static uint64_t wanted_ver;

static void observe_dio(void *ctx, const struct tev *ev)
{
	struct seen *s = ctx;
	char want[48];
	snprintf(want, sizeof(want), "\"ver\":%llu,", (unsigned long long)wanted_ver);
	if (ev->kind == TEV_DIO && strcmp(ev->what, "write") == 0 && ev->node == 0 && has(ev, want))
		s->dio_writes_of_oracle_ver++;
}

static void run_world(const char *text, uint32_t extra_kinds, trace_observer_fn fn, void *ctx, struct sim_result *r)
{
	struct sim_params p;
	struct scenario_expect e;
	char err[160];
	params_default(&p);
	ck_assert_msg(scenario_parse(text, &p, &e, err, sizeof(err)) == 0, "%s", err);
	p.trace_mask |= extra_kinds;
	struct tmem m;
	tmem_init(&m);
	struct sim_trace tr;
	trace_init(&tr, p.trace_mask);
	if (fn != NULL)
		trace_observe(&tr, fn, ctx);
	struct world *w = world_create(&p, &m.mem, &tr, NULL);
	world_run(w, r);
	world_destroy(w);
	ck_assert_uint_eq(m.live, 0);
}

START_TEST(trace_names_each_node_by_its_role_and_faults_only_the_nodes_they_concern)
{
	memset(&seen, 0, sizeof(seen));
	struct sim_result r;
	run_world(stale_write_world, 1u << TEV_DIO, observe, &seen, &r);
	ck_assert_uint_gt(seen.lines, 1000);
	ck_assert_uint_eq(seen.bare_node, 0);
	ck_assert_uint_eq(seen.io_without_ini, 0);
	ck_assert_uint_eq(seen.gw_fault_with_ini, 0);
	ck_assert_uint_eq(seen.link_fault_without_ini, 0);
}
END_TEST

START_TEST(stale_write_oracle_and_disk_write_name_the_same_version)
{
	memset(&seen, 0, sizeof(seen));
	struct sim_result r;
	run_world(stale_write_world, 0, observe, &seen, &r);
	ck_assert_int_eq(r.oracle, ORACLE_DATA);
	ck_assert(seen.oracle);
	ck_assert(seen.oracle_has_ver);
	/* Either host may be the first to read a block back in time (host 1 until the
	 * NOP-Out timer followed Linux's, host 0 since: the failovers moved). */
	ck_assert(seen.oracle_ini == 0 || seen.oracle_ini == 1);
	char want[64];
	snprintf(want, sizeof(want), "returned version %llu", (unsigned long long)seen.oracle_ver);
	ck_assert_msg(strstr(r.why, want) != NULL, "%s", r.why);
	snprintf(want, sizeof(want), "read of lba %llu ", (unsigned long long)seen.oracle_lba);
	ck_assert_msg(strstr(r.why, want) != NULL, "%s", r.why);
	/* The version read back is one that a zombie gateway 0 landed late. */
	bool found = false;
	for (unsigned i = 0; i < seen.nstale; i++)
		found |= seen.stale_ver[i] == seen.oracle_ver && seen.stale_gw[i] == 0;
	ck_assert_msg(found, "version %llu is not among %u stale writes", (unsigned long long)seen.oracle_ver,
		seen.nstale);
	/* With disk I/O traced, the same world shows the dio.write through
	 * gateway 0 that carried it. */
	wanted_ver = seen.oracle_ver;
	struct sim_result r2;
	run_world(stale_write_world, 1u << TEV_DIO, observe_dio, &seen, &r2);
	ck_assert_int_eq(r2.oracle, ORACLE_DATA);
	ck_assert_uint_ge(seen.dio_writes_of_oracle_ver, 1);
}
END_TEST

static void assert_ios_add_up(const struct sim_result *r)
{
	const int64_t *m = r->metrics.v;
	ck_assert_int_eq((int64_t)r->ios, m[METRIC_IO_OK] + m[METRIC_IO_FAILED]);
	ck_assert_int_le(m[METRIC_IO_PATH_FAILED], m[METRIC_IO_FAILED]);
}

START_TEST(completed_ios_are_the_ok_and_the_failed_of_the_metrics)
{
	struct sim_result r;
	/* Failed by multipath: no path left, no_path_retry=fail. */
	run_world("topology gateways=2 initiators=2 paths=2 prefer=owner\nrun duration=20s liveness=60s\n"
		  "initiator noop_interval=2s noop_timeout=2s replacement_timeout=5s cmd_timeout=30s reconnect_delay=2s\n"
		  "workload qd=4 think=10ms start=2s\nmultipath no_path_retry=fail polling_interval=2s\n"
		  "fault partition at=5s for=10s ini=0 gw=0 dir=both\nfault partition at=5s for=10s ini=0 gw=1 dir=both\n",
		0, NULL, NULL, &r);
	ck_assert_int_gt(r.metrics.v[METRIC_IO_PATH_FAILED], 0);
	assert_ios_add_up(&r);
	/* Failed by the target: RESERVATION CONFLICT, none by multipath (the
	 * headline once said "0 failed up" beside io_failed in the thousands). */
	run_world("topology gateways=2 initiators=2 paths=2 prefer=owner\nrun duration=15s liveness=60s\n"
		  "reservation holder=0 type=we_ro at=3s\nworkload qd=4 think=10ms start=2s read=50 write=50\n",
		0, NULL, NULL, &r);
	ck_assert_int_gt(r.metrics.v[METRIC_IO_FAILED], 0);
	ck_assert_int_eq(r.metrics.v[METRIC_IO_PATH_FAILED], 0);
	assert_ios_add_up(&r);
}
END_TEST

/* JSON strings in the trace stay ASCII: an oracle's "§" (UTF-8 C2 A7) is
 * the one code point \u00a7, a three-byte sequence one \uXXXX, and a byte
 * that is no part of a well-formed sequence (a peer's text) is escaped
 * alone. */
START_TEST(json_escape_keeps_code_points_and_stray_bytes)
{
	char out[128];
	trace_json_escape(out, sizeof(out), "SPC-4 \xc2\xa7" "5.13 \"q\"\n");
	ck_assert_str_eq(out, "SPC-4 \\u00a75.13 \\\"q\\\"\\u000a");
	trace_json_escape(out, sizeof(out), "\xe2\x80\x94|\xff|\xc2");
	ck_assert_str_eq(out, "\\u2014|\\u00ff|\\u00c2");
	trace_json_escape(out, sizeof(out), "\xed\xa0\x80"); /* a surrogate: three bytes alone */
	ck_assert_str_eq(out, "\\u00ed\\u00a0\\u0080");
}
END_TEST

Suite *suite_trace(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, trace_names_each_node_by_its_role_and_faults_only_the_nodes_they_concern);
	tcase_add_test(tc, stale_write_oracle_and_disk_write_name_the_same_version);
	tcase_add_test(tc, completed_ios_are_the_ok_and_the_failed_of_the_metrics);
	tcase_add_test(tc, json_escape_keeps_code_points_and_stray_bytes);
	suite_add_tcase(s, tc);
	return s;
}
