/* host/cmd_run: isim run, one world (with its trace, pcap, SVG,
 * determinism check and scenario table row) or a seed family. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "sim/host/isim.h"

/* The headline's I/O counts are the metrics' (io_ok, io_failed,
 * io_path_failed), in the same words, so the two lines cannot disagree. */
static void print_result(const struct sim_params *p, const struct sim_result *r, uint64_t wall)
{
	const int64_t *m = r->metrics.v;
	printf("seed %" PRIu64 ": %s", p->seed, r->oracle == ORACLE_NONE ? "PASS" : "FAIL");
	printf("  sim %.1fs  wall %.3fs  %.0fx  events %" PRIu64 "  ios %" PRIu64 " (%" PRId64 " ok, %" PRId64
	       " failed, %" PRId64 " of them by multipath)  faults %u  trace %016" PRIx64 "\n",
		(double)r->sim_ns / 1e9, (double)wall / 1e9, ratio(r->sim_ns, wall), r->events, r->ios, m[METRIC_IO_OK],
		m[METRIC_IO_FAILED], m[METRIC_IO_PATH_FAILED], p->faults.n, r->trace_hash);
	if (r->oracle != ORACLE_NONE)
		printf("  %s oracle at %.6fs: %s\n", sim_oracle_name(r->oracle), (double)r->fail_ns / 1e9, r->why);
}

static void print_metrics(const struct sim_result *r)
{
	printf("  metrics:");
	for (int m = 0; m < METRIC_COUNT; m++) {
		char v[32];
		metric_format((enum metric_id)m, r->metrics.v[m], v, sizeof(v));
		printf(" %s=%s", metric_name((enum metric_id)m), v);
	}
	printf("\n");
}

/* One line of the scenario table (scenarios/README.md): scenario,
 * expected, observed, simulated time, wall time. */
static int append_row(const struct opts *o, const char *suffix, const char *expected, const char *observed,
	uint64_t sim_ns, uint64_t wall)
{
	char name[256], line[1024];
	snprintf(name, sizeof(name), "%s", base_name(o->scenario ? o->scenario : "seed"));
	char *dot = strrchr(name, '.');
	if (dot != NULL)
		*dot = '\0';
	int n = snprintf(line, sizeof(line), "| %s%s | %s | %s | %.1f s | %.2f s |\n", name, suffix, expected, observed,
		(double)sim_ns / 1e9, (double)wall / 1e9);
	return write_text(o->row, "a", line, n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* The verdict of a run against its scenario's expectation. */
static bool judge(const struct scenario_expect *e, const struct sim_result *r, struct expect_verdict *v)
{
	expect_judge(e, r, v);
	printf("expectation: %s; observed: %s: %s\n", v->expected, v->text, v->met ? "met" : "NOT MET");
	return v->met;
}

static int cmd_run(const struct opts *o)
{
	struct sim_params p;
	struct scenario_expect e;
	if (load_params(o, &p, &e) != 0)
		return 2;
	if (o->pdus)
		p.trace_mask |= (1u << TEV_PDU) | (1u << TEV_DIO);
	struct outputs out = { 0 };
	char err[256];
	if (check_writable(o->svg, "w") != 0 || check_writable(o->row, "a") != 0)
		return 2;
	if (o->trace != NULL && (out.trace = fopen(o->trace, "w")) == NULL) {
		fprintf(stderr, "isim: %s: %s\n", o->trace, strerror(errno));
		return 2;
	}
	if (o->pcap != NULL && (out.pcap = out_pcap_open(o->pcap, err, sizeof(err))) == NULL) {
		fprintf(stderr, "isim: %s\n", err);
		return 2;
	}
	if (o->svg != NULL) {
		char title[128];
		snprintf(title, sizeof(title), "%s", o->scenario != NULL ? base_name(o->scenario) : "");
		char *dot = strrchr(title, '.');
		if (dot != NULL)
			*dot = '\0';
		if ((out.svg = out_svg_new(&p, title)) == NULL) {
			fprintf(stderr, "isim: %s: out of memory\n", o->svg);
			return 2;
		}
	}
	struct sim_result r;
	uint64_t wall;
	run_world(&p, &out, &r, &wall);
	bool out_failed = false;
	errno = 0;
	if (out.trace != NULL && (ferror(out.trace) | fclose(out.trace)) != 0) {
		fprintf(stderr, "isim: %s: %s\n", o->trace, errno ? strerror(errno) : "write failed");
		out_failed = true;
	}
	if (out.pcap != NULL)
		out_pcap_close(out.pcap);
	if (out.svg != NULL && out_svg_write(out.svg, o->svg) != 0) {
		fprintf(stderr, "isim: %s: %s\n", o->svg, strerror(errno));
		out_failed = true;
	}
	print_result(&p, &r, wall);
	if (out_failed)
		return 2;
	print_metrics(&r);
	int rc = r.oracle == ORACLE_NONE ? 0 : 1;
	uint64_t engine_leaked = r.engine_leaked;
	if (o->check_det) {
		struct sim_result r2;
		uint64_t wall2;
		run_world(&p, NULL, &r2, &wall2);
		engine_leaked += r2.engine_leaked;
		bool same = r2.trace_hash == r.trace_hash && r2.trace_events == r.trace_events && r2.oracle == r.oracle;
		printf("determinism: %s (trace hash %016" PRIx64 " / %016" PRIx64 ", %" PRIu64 " / %" PRIu64 " events)\n",
			same ? "same world twice" : "DIFFERENT", r.trace_hash, r2.trace_hash, r.trace_events,
			r2.trace_events);
		if (!same)
			return 3;
	}
	/* What an engine leaked was reported by its oracle; the rest is ours. */
	if (host_live_bytes() != engine_leaked) {
		printf("isim: the simulator leaked %" PRIu64 " bytes\n", host_live_bytes() - engine_leaked);
		return 4;
	}
	if (e.set || e.nb > 0) {
		struct expect_verdict v;
		bool met = judge(&e, &r, &v);
		if (o->row != NULL) {
			char observed[260];
			snprintf(observed, sizeof(observed), "%s%s", met ? "" : "NOT MET: ", v.text);
			if (append_row(o, "", v.expected, observed, r.sim_ns, wall) != 0)
				return 2;
		}
		if (!met) {
			char cmd[512];
			replay_cmd(o, p.seed, cmd, sizeof(cmd));
			printf("replay: %s\n", cmd);
		}
		return met ? 0 : 1;
	}
	if (rc != 0) {
		char cmd[512];
		replay_cmd(o, p.seed, cmd, sizeof(cmd));
		printf("replay: %s\n", cmd);
	}
	return rc;
}

/* ---- a seed family ---- */

static int cmd_family(const struct opts *o)
{
	uint64_t n = 0, met = 0, sim = 0, wall_all = 0;
	char expected[96] = "pass", first_miss[240] = "";
	if (check_writable(o->row, "a") != 0)
		return 2;
	for (uint64_t seed = o->range.lo; seed <= o->range.hi; seed++) {
		struct opts so = *o;
		so.seed = seed;
		so.have_seed = true;
		struct sim_params p;
		struct scenario_expect e;
		if (load_params(&so, &p, &e) != 0)
			return 2;
		struct sim_result r;
		uint64_t wall;
		run_world(&p, NULL, &r, &wall);
		struct expect_verdict v;
		expect_judge(&e, &r, &v);
		snprintf(expected, sizeof(expected), "%s", v.expected);
		n++;
		met += v.met;
		sim += r.sim_ns;
		wall_all += wall;
		printf("seed %" PRIu64 ": %s  sim %.1fs  wall %.3fs  observed: %s\n", seed, v.met ? "met" : "NOT MET",
			(double)r.sim_ns / 1e9, (double)wall / 1e9, v.text);
		if (!v.met) {
			if (first_miss[0] == '\0')
				snprintf(first_miss, sizeof(first_miss), "seed %" PRIu64 ": %s", seed, v.text);
			printf("  replay: isim run --scenario %s --seeds %" PRIu64 "..%" PRIu64
			       " (isim params with the same options writes that world as a file)\n",
				o->scenario, seed, seed);
			if (r.oracle != ORACLE_NONE)
				printf("  %s oracle at %.6fs: %s\n", sim_oracle_name(r.oracle), (double)r.fail_ns / 1e9, r.why);
		}
	}
	printf("summary: %s: %" PRIu64 " of %" PRIu64 " seeds met their expectation (%s)\n",
		o->scenario, met, n, expected);
	if (o->row != NULL) {
		char observed[400], suffix[64];
		if (met == n)
			snprintf(observed, sizeof(observed), "%s on all %" PRIu64 " seeds", expected, n);
		else
			snprintf(observed, sizeof(observed), "NOT MET on %" PRIu64 " of %" PRIu64 " seeds, first %s", n - met,
				n, first_miss);
		snprintf(suffix, sizeof(suffix), " (seeds %" PRIu64 "..%" PRIu64 ")", o->range.lo, o->range.hi);
		if (append_row(o, suffix, expected, observed, sim, wall_all) != 0)
			return 2;
	}
	return met == n ? 0 : 1;
}

int cmd_run_any(const struct opts *o)
{
	return o->have_seeds ? cmd_family(o) : cmd_run(o);
}
