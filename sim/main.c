/* main: the isim program. The only file in sim/ that talks to the OS:
 * command line, files (scenario in; trace, pcap, SVG out), the wall
 * clock for speed reports, and fork() to spread a swarm over cores.
 *
 *   isim run --seed N [--scenario FILE] [--trace FILE] [--pcap FILE]
 *            [--svg FILE] [--pdus] [--check-determinism] [--row FILE.md]
 *            (--pdus adds every PDU and disk I/O to the trace; --row
 *            appends the scenario's line of the results table)
 *   isim run --scenario FILE --seeds A..B [--row FILE.md]
 *            a seed family: the file's timeline and settings, everything
 *            it leaves unsaid drawn from each seed as the swarm draws it
 *   (every command: --set 'LINE' applies a scenario line on top, e.g.
 *    --set 'workload caw=0' or --set 'without alloc_fail')
 *   isim swarm --seeds A..B [--jobs J] [--until-fail] [--require-coverage]
 *   isim shrink --seed N [--scenario FILE] [-o FILE]
 *   isim params --seed N          print the world a seed draws, as a scenario
 *   isim bench --seeds A..B       simulated seconds per wall second
 * A failure prints the one command that replays it and exits non-zero.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "out_pcap.h"
#include "out_svg.h"
#include "scenario.h"
#include "shrink.h"
#include "swarm.h"
#include "time.h"
#include "world.h"

#define JOBS_MAX 64
#define FAILS_SHOWN 20
#define SHRINK_RUNS 300

struct opts {
	const char *cmd;
	uint64_t seed;
	bool have_seed, have_seeds;
	uint64_t lo, hi;
	const char *scenario, *trace, *pcap, *svg, *out, *report, *row;
	char set[2048];      /* scenario lines applied on top (--set) */
	int jobs;
	bool pdus, check_det, until_fail, require_cov, expect_fail;
};

/* ---- host memory: the allocator sim/ is handed ---- */

static uint64_t live_bytes;

static void *host_alloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = malloc(n ? n : 1);
	if (p == NULL) {
		fprintf(stderr, "isim: out of memory (%zu bytes)\n", n);
		abort();
	}
	live_bytes += n;
	return p;
}

static void host_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	live_bytes -= n;
	free(p);
}

static const struct sim_mem host_mem = { host_alloc, host_free, NULL };

static uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (nb == NULL)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

/* ---- one world ---- */

/* A seed family member: the swarm's draw for the seed, without its
 * faults, under the scenario file (a line sets only what it names). */
static void family_base(const struct opts *o, struct sim_params *p)
{
	if (!o->have_seeds || o->scenario == NULL || (strcmp(o->cmd, "run") != 0 && strcmp(o->cmd, "params") != 0))
		return;
	swarm_params(p, o->seed);
	p->faults.n = 0;
}

static int load_params(const struct opts *o, struct sim_params *p, struct scenario_expect *e)
{
	params_default(p);
	*e = (struct scenario_expect){ .bound_metric = METRIC_COUNT };
	family_base(o, p);
	if (o->scenario != NULL) {
		char *text = read_file(o->scenario);
		if (text == NULL) {
			fprintf(stderr, "isim: %s: %s\n", o->scenario, strerror(errno));
			return -1;
		}
		char err[256];
		int rc = scenario_parse(text, p, e, err, sizeof(err));
		free(text);
		if (rc != 0) {
			fprintf(stderr, "isim: %s: %s\n", o->scenario, err);
			return -1;
		}
		if (o->have_seed)
			p->seed = o->seed;
	} else {
		swarm_params(p, o->seed);
	}
	if (o->set[0] != '\0') {
		struct scenario_expect ignored;
		char err[256];
		if (scenario_parse(o->set, p, &ignored, err, sizeof(err)) != 0) {
			fprintf(stderr, "isim: --set: %s\n", err);
			return -1;
		}
	}
	return 0;
}

static void write_line(void *ctx, const struct tev *ev)
{
	FILE *f = ctx;
	fwrite(ev->line, 1, ev->len, f);
	fputc('\n', f);
}

struct outputs {
	FILE *trace;
	struct out_pcap *pcap;
	struct out_svg *svg;
};

static void run_world(const struct sim_params *p, const struct outputs *out, struct sim_result *res,
	uint64_t *wall)
{
	struct sim_trace tr;
	trace_init(&tr, p->trace_mask);
	if (out != NULL && out->trace != NULL)
		trace_observe(&tr, write_line, out->trace);
	if (out != NULL && out->svg != NULL)
		trace_observe(&tr, out_svg_observe, out->svg);
	struct world_wire_obs obs = { 0 };
	if (out != NULL && out->pcap != NULL)
		obs = (struct world_wire_obs){ out->pcap, out_pcap_wire };
	uint64_t t0 = wall_ns();
	struct world *w = world_create(p, &host_mem, &tr, &obs);
	world_run(w, res);
	world_destroy(w);
	*wall = wall_ns() - t0;
}

static void replay_cmd(const struct opts *o, uint64_t seed, char *buf, size_t cap)
{
	int n;
	if (o->scenario != NULL)
		n = snprintf(buf, cap, "isim run --scenario %s --seed %" PRIu64, o->scenario, seed);
	else
		n = snprintf(buf, cap, "isim run --seed %" PRIu64, seed);
	/* --set lines, one option each, quoted for a shell. */
	for (const char *l = o->set; *l != '\0' && n > 0 && (size_t)n < cap;) {
		size_t len = strcspn(l, "\n");
		n += snprintf(buf + n, cap - (size_t)n, " --set '%.*s'", (int)len, l);
		l += len + (l[len] == '\n');
	}
}

static double ratio(uint64_t sim, uint64_t wall)
{
	return wall ? (double)sim / (double)wall : 0.0;
}

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

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b != NULL ? b + 1 : path;
}

/* One line of the scenario table (scenarios/README.md): scenario,
 * expected, observed, simulated time, wall time. */
static void append_row(const struct opts *o, const char *suffix, const char *expected, const char *observed,
	uint64_t sim_ns, uint64_t wall)
{
	FILE *f = fopen(o->row, "a");
	if (f == NULL) {
		fprintf(stderr, "isim: %s: %s\n", o->row, strerror(errno));
		return;
	}
	char name[256];
	snprintf(name, sizeof(name), "%s", base_name(o->scenario ? o->scenario : "seed"));
	char *dot = strrchr(name, '.');
	if (dot != NULL)
		*dot = '\0';
	fprintf(f, "| %s%s | %s | %s | %.1f s | %.2f s |\n", name, suffix, expected, observed, (double)sim_ns / 1e9,
		(double)wall / 1e9);
	fclose(f);
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
	if (out.trace != NULL)
		fclose(out.trace);
	if (out.pcap != NULL)
		out_pcap_close(out.pcap);
	if (out.svg != NULL && out_svg_write(out.svg, o->svg) != 0)
		fprintf(stderr, "isim: %s: %s\n", o->svg, strerror(errno));
	print_result(&p, &r, wall);
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
	if (live_bytes != engine_leaked) {
		printf("isim: the simulator leaked %" PRIu64 " bytes\n", live_bytes - engine_leaked);
		return 4;
	}
	if (e.set || e.nb > 0) {
		struct expect_verdict v;
		bool met = judge(&e, &r, &v);
		if (o->row != NULL) {
			char observed[260];
			snprintf(observed, sizeof(observed), "%s%s", met ? "" : "NOT MET: ", v.text);
			append_row(o, "", v.expected, observed, r.sim_ns, wall);
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
	for (uint64_t seed = o->lo; seed <= o->hi; seed++) {
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
		snprintf(suffix, sizeof(suffix), " (seeds %" PRIu64 "..%" PRIu64 ")", o->lo, o->hi);
		append_row(o, suffix, expected, observed, sim, wall_all);
	}
	return met == n ? 0 : 1;
}

/* ---- swarm ---- */

struct record {
	uint64_t seed;
	int oracle;
	uint64_t sim_ns, wall_ns, ios, io_errors, hash;
	uint64_t cov[COV_COUNT];
	char why[400];
};

static void swarm_one(const struct opts *o, uint64_t seed, struct record *rec)
{
	struct sim_params p;
	struct scenario_expect e;
	struct opts so = *o;
	so.seed = seed;
	so.have_seed = true;
	memset(rec, 0, sizeof(*rec));
	rec->seed = seed;
	if (load_params(&so, &p, &e) != 0) {
		rec->oracle = ORACLE_ENGINE;
		snprintf(rec->why, sizeof(rec->why), "scenario does not load");
		return;
	}
	struct sim_result r;
	run_world(&p, NULL, &r, &rec->wall_ns);
	rec->oracle = (int)r.oracle;
	rec->sim_ns = r.sim_ns;
	rec->ios = r.ios;
	rec->io_errors = (uint64_t)r.metrics.v[METRIC_IO_FAILED];
	rec->hash = r.trace_hash;
	memcpy(rec->cov, r.cov.hits, sizeof(rec->cov));
	snprintf(rec->why, sizeof(rec->why), "%.*s", (int)sizeof(rec->why) - 1, r.why);
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

struct swarm_state {
	uint64_t done, failed, sim_ns, wall_ns, ios;
	uint64_t cov[COV_COUNT];
	struct record fails[FAILS_SHOWN];
	unsigned nfails;
	uint64_t t0;
};

static void take(struct swarm_state *s, const struct record *r)
{
	s->done++;
	s->sim_ns += r->sim_ns;
	s->wall_ns += r->wall_ns;
	s->ios += r->ios;
	for (int i = 0; i < COV_COUNT; i++)
		s->cov[i] += r->cov[i];
	if (r->oracle != ORACLE_NONE) {
		s->failed++;
		if (s->nfails < FAILS_SHOWN)
			s->fails[s->nfails++] = *r;
	}
}

static void progress(const struct swarm_state *s, uint64_t total)
{
	double el = (double)(wall_ns() - s->t0) / 1e9;
	fprintf(stderr, "\r[swarm] %" PRIu64 "/%" PRIu64 " seeds  %" PRIu64 " failed  %.0fx sim/wall per core  %.1fs   ",
		s->done, total, s->failed, ratio(s->sim_ns, s->wall_ns), el);
}

/* The swarm's results as Markdown (REPORT.md includes it). */
static void write_report(const struct opts *o, const struct swarm_state *s, int jobs, double el, unsigned missing)
{
	FILE *f = fopen(o->report, "w");
	if (f == NULL) {
		fprintf(stderr, "isim: %s: %s\n", o->report, strerror(errno));
		return;
	}
	fprintf(f, "### `isim swarm --seeds %" PRIu64 "..%" PRIu64 "`%s%s\n\n", o->lo, o->hi,
		o->set[0] ? " with overrides: " : "", o->set[0] ? "see below" : "");
	fprintf(f, "| worlds | failed | simulated s | wall s | jobs | simulated/wall per core | I/Os | required coverage points missed |\n");
	fprintf(f, "|---|---|---|---|---|---|---|---|\n");
	fprintf(f, "| %" PRIu64 " | %" PRIu64 " | %.0f | %.1f | %d | %.0fx | %" PRIu64 " | %u |\n\n", s->done, s->failed,
		(double)s->sim_ns / 1e9, el, jobs, ratio(s->sim_ns, s->wall_ns), s->ios, missing);
	if (o->set[0])
		fprintf(f, "Overrides:\n\n```\n%s```\n\n", o->set);
	if (s->nfails > 0) {
		fprintf(f, "| seed | oracle | first violation (replay: `isim run --seed N`) |\n|---|---|---|\n");
		for (unsigned i = 0; i < s->nfails; i++)
			fprintf(f, "| %" PRIu64 " | %s | %s |\n", s->fails[i].seed,
				sim_oracle_name((enum sim_oracle)s->fails[i].oracle), s->fails[i].why);
		fprintf(f, "\n");
	}
	fprintf(f, "<details><summary>coverage: hits summed over all worlds</summary>\n\n| point | hits |\n|---|---|\n");
	for (int i = 0; i < COV_COUNT; i++)
		fprintf(f, "| %s%s | %" PRIu64 " |\n", cov_names[i], cov_required[i] ? "" : " (engine's choice)", s->cov[i]);
	fprintf(f, "\n</details>\n");
	fclose(f);
}

static int cmd_swarm(const struct opts *o)
{
	uint64_t total = o->hi - o->lo + 1;
	int jobs = o->jobs < 1 ? 1 : o->jobs > JOBS_MAX ? JOBS_MAX : o->jobs;
	if ((uint64_t)jobs > total)
		jobs = (int)total;
	struct swarm_state s = { .t0 = wall_ns() };
	int fds[JOBS_MAX];
	pid_t pids[JOBS_MAX];
	for (int j = 0; j < jobs; j++) {
		int pfd[2];
		if (pipe(pfd) != 0) {
			perror("isim: pipe");
			return 2;
		}
		pids[j] = fork();
		if (pids[j] < 0) {
			perror("isim: fork");
			return 2;
		}
		if (pids[j] == 0) {
			close(pfd[0]);
			for (uint64_t seed = o->lo + (uint64_t)j; seed <= o->hi; seed += (uint64_t)jobs) {
				struct record rec;
				swarm_one(o, seed, &rec);
				if (!write_all(pfd[1], &rec, sizeof(rec)))
					_exit(1);
				if (o->until_fail && rec.oracle != ORACLE_NONE)
					break;
			}
			_exit(0);
		}
		close(pfd[1]);
		fds[j] = pfd[0];
	}
	int open_fds = jobs;
	uint64_t last = 0;
	while (open_fds > 0) {
		struct pollfd pf[JOBS_MAX];
		for (int j = 0; j < jobs; j++)
			pf[j] = (struct pollfd){ .fd = fds[j], .events = POLLIN };
		if (poll(pf, (nfds_t)jobs, 500) < 0 && errno != EINTR)
			break;
		for (int j = 0; j < jobs; j++) {
			if (fds[j] < 0 || !(pf[j].revents & (POLLIN | POLLHUP)))
				continue;
			struct record rec;
			size_t got = 0;
			while (got < sizeof(rec)) {
				ssize_t n = read(fds[j], (char *)&rec + got, sizeof(rec) - got);
				if (n <= 0)
					break;
				got += (size_t)n;
			}
			if (got < sizeof(rec)) {
				close(fds[j]);
				fds[j] = -1;
				open_fds--;
				continue;
			}
			take(&s, &rec);
		}
		if (wall_ns() - last > 500000000ull) {
			progress(&s, total);
			last = wall_ns();
		}
		if (o->until_fail && s.failed > 0)
			break;
	}
	for (int j = 0; j < jobs; j++) {
		if (o->until_fail && s.failed > 0)
			kill(pids[j], SIGTERM); /* our own children, by PID */
		if (fds[j] >= 0)
			close(fds[j]);
		waitpid(pids[j], NULL, 0);
	}
	progress(&s, total);
	fputc('\n', stderr);
	double el = (double)(wall_ns() - s.t0) / 1e9;
	unsigned missing = 0;
	printf("coverage (hits summed over %" PRIu64 " worlds):\n", s.done);
	for (int i = 0; i < COV_COUNT; i++) {
		printf("  %-40s %12" PRIu64 "%s\n", cov_names[i], s.cov[i],
			s.cov[i] ? "" : cov_required[i] ? "   NEVER REACHED" : "   not reached (engine's choice)");
		missing += s.cov[i] == 0 && cov_required[i];
	}
	for (unsigned i = 0; i < s.nfails; i++) {
		char cmd[512];
		replay_cmd(o, s.fails[i].seed, cmd, sizeof(cmd));
		printf("FAIL seed %" PRIu64 " (%s): %s\n  replay: %s\n", s.fails[i].seed,
			sim_oracle_name((enum sim_oracle)s.fails[i].oracle), s.fails[i].why, cmd);
	}
	printf("summary: %" PRIu64 " worlds, %" PRIu64 " failed, %.0f simulated s in %.1f wall s on %d jobs (%.0fx per core), %" PRIu64 " I/Os, %u required coverage points never reached\n",
		s.done, s.failed, (double)s.sim_ns / 1e9, el, jobs, ratio(s.sim_ns, s.wall_ns), s.ios, missing);
	if (o->report != NULL)
		write_report(o, &s, jobs, el, missing);
	if (o->expect_fail) {
		if (s.failed == 0) {
			printf("expected a failure within seeds %" PRIu64 "..%" PRIu64 ", found none\n", o->lo, o->hi);
			return 1;
		}
		printf("caught: seed %" PRIu64 " (%s)\n", s.fails[0].seed,
			sim_oracle_name((enum sim_oracle)s.fails[0].oracle));
		return 0;
	}
	if (s.failed > 0)
		return 1;
	return o->require_cov && missing > 0 ? 5 : 0;
}

/* ---- shrink, params, bench ---- */

static int emit_scenario(const struct opts *o, const struct sim_params *p, const struct scenario_expect *e)
{
	size_t need = scenario_format(p, e, NULL, 0) + 1;
	char *buf = malloc(need);
	if (buf == NULL)
		return 2;
	scenario_format(p, e, buf, need);
	FILE *f = o->out ? fopen(o->out, "w") : stdout;
	if (f == NULL) {
		fprintf(stderr, "isim: %s: %s\n", o->out, strerror(errno));
		free(buf);
		return 2;
	}
	fputs(buf, f);
	if (f != stdout)
		fclose(f);
	free(buf);
	return 0;
}

static int cmd_shrink(const struct opts *o)
{
	struct sim_params p;
	struct scenario_expect e;
	if (load_params(o, &p, &e) != 0)
		return 2;
	struct sim_result r;
	shrink_run(&p, &host_mem, &r);
	if (r.oracle == ORACLE_NONE) {
		fprintf(stderr, "isim: seed %" PRIu64 " passes: nothing to shrink\n", p.seed);
		return 2;
	}
	struct shrink_stats st;
	uint64_t t0 = wall_ns();
	shrink_params(&p, r.oracle, &host_mem, SHRINK_RUNS, &st);
	shrink_run(&p, &host_mem, &r);
	fprintf(stderr, "isim: shrunk %u faults to %u in %u runs (%.1fs); still fails: %s: %s\n", st.faults_before,
		st.faults_after, st.runs, (double)(wall_ns() - t0) / 1e9, sim_oracle_name(r.oracle), r.why);
	struct scenario_expect ex = { .set = true, .oracle = r.oracle };
	int rc = emit_scenario(o, &p, &ex);
	if (rc == 0 && o->out != NULL)
		printf("replay: isim run --scenario %s\n", o->out);
	return rc;
}

static int cmd_params(const struct opts *o)
{
	struct sim_params p;
	struct scenario_expect e;
	if (load_params(o, &p, &e) != 0)
		return 2;
	return emit_scenario(o, &p, &e);
}

static int cmd_bench(const struct opts *o)
{
	uint64_t sim = 0, wall = 0, ios = 0;
	for (uint64_t seed = o->lo; seed <= o->hi; seed++) {
		struct record rec;
		swarm_one(o, seed, &rec);
		sim += rec.sim_ns;
		wall += rec.wall_ns;
		ios += rec.ios;
	}
	uint64_t n = o->hi - o->lo + 1;
	printf("summary: %.0fx simulated seconds per wall second (%" PRIu64 " worlds, %.1f simulated s in %.2f wall s, %" PRIu64 " I/Os)\n",
		ratio(sim, wall), n, (double)sim / 1e9, (double)wall / 1e9, ios);
	if (o->report != NULL) {
		FILE *f = fopen(o->report, "w");
		if (f == NULL) {
			fprintf(stderr, "isim: %s: %s\n", o->report, strerror(errno));
			return 2;
		}
		fprintf(f, "Simulator speed (`isim bench --seeds %" PRIu64 "..%" PRIu64 "`, one process, swarm worlds: 2 gateways, 4 initiators, 2 paths, faults):\n\n",
			o->lo, o->hi);
		fprintf(f, "| worlds | simulated s | wall s | simulated s per wall s | I/Os | I/Os per wall s |\n|---|---|---|---|---|---|\n");
		fprintf(f, "| %" PRIu64 " | %.1f | %.2f | %.0fx | %" PRIu64 " | %.0f |\n", n, (double)sim / 1e9,
			(double)wall / 1e9, ratio(sim, wall), ios, wall ? (double)ios * 1e9 / (double)wall : 0.0);
		fclose(f);
	}
	return 0;
}

/* ---- command line ---- */

static int usage(void)
{
	fputs("usage: (any command may add --set 'SCENARIO LINE', repeatable)\n"
	      "       isim run --seed N [--scenario FILE] [--trace FILE] [--pcap FILE] [--svg FILE] [--pdus] [--check-determinism] [--row FILE.md]\n"
	      "       isim run --scenario FILE --seeds A..B [--row FILE.md]\n"
	      "       isim swarm --seeds A..B [--jobs J] [--scenario FILE] [--until-fail] [--expect-fail] [--require-coverage] [--report FILE.md]\n"
	      "       isim shrink --seed N [--scenario FILE] [-o FILE]\n"
	      "       isim params --seed N [--scenario FILE] [-o FILE]\n"
	      "       isim bench --seeds A..B [--report FILE.md]\n",
		stderr);
	return 2;
}

static bool parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	char *end;
	*lo = strtoull(s, &end, 10);
	if (end[0] != '.' || end[1] != '.')
		return false;
	*hi = strtoull(end + 2, &end, 10);
	return *end == '\0' && *hi >= *lo;
}

int main(int argc, char **argv)
{
	struct opts o = { .jobs = 1, .lo = 1, .hi = 1 };
	if (argc < 2)
		return usage();
	o.cmd = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--seed") == 0 && v) {
			o.seed = strtoull(v, NULL, 10);
			o.have_seed = true;
			i++;
		} else if (strcmp(a, "--seeds") == 0 && v && parse_range(v, &o.lo, &o.hi)) {
			o.have_seeds = true;
			i++;
		} else if (strcmp(a, "--scenario") == 0 && v) {
			o.scenario = argv[++i];
		} else if (strcmp(a, "--trace") == 0 && v) {
			o.trace = argv[++i];
		} else if (strcmp(a, "--pcap") == 0 && v) {
			o.pcap = argv[++i];
		} else if (strcmp(a, "--svg") == 0 && v) {
			o.svg = argv[++i];
		} else if (strcmp(a, "--report") == 0 && v) {
			o.report = argv[++i];
		} else if (strcmp(a, "--row") == 0 && v) {
			o.row = argv[++i];
		} else if (strcmp(a, "-o") == 0 && v) {
			o.out = argv[++i];
		} else if (strcmp(a, "--jobs") == 0 && v) {
			o.jobs = atoi(argv[++i]);
		} else if (strcmp(a, "--set") == 0 && v) {
			size_t len = strlen(o.set);
			snprintf(o.set + len, sizeof(o.set) - len, "%s\n", argv[++i]);
		} else if (strcmp(a, "--pdus") == 0) {
			o.pdus = true;
		} else if (strcmp(a, "--check-determinism") == 0) {
			o.check_det = true;
		} else if (strcmp(a, "--until-fail") == 0) {
			o.until_fail = true;
		} else if (strcmp(a, "--expect-fail") == 0) {
			o.expect_fail = o.until_fail = true;
		} else if (strcmp(a, "--require-coverage") == 0) {
			o.require_cov = true;
		} else {
			fprintf(stderr, "isim: unknown or incomplete option %s\n", a);
			return usage();
		}
	}
	if (strcmp(o.cmd, "run") == 0 && o.scenario && o.have_seeds)
		return cmd_family(&o);
	if (strcmp(o.cmd, "run") == 0 && (o.have_seed || o.scenario))
		return cmd_run(&o);
	if (strcmp(o.cmd, "swarm") == 0)
		return cmd_swarm(&o);
	if (strcmp(o.cmd, "shrink") == 0 && (o.have_seed || o.scenario))
		return cmd_shrink(&o);
	if (strcmp(o.cmd, "params") == 0 && o.scenario && o.have_seeds) {
		o.seed = o.lo;
		o.have_seed = true;
		return cmd_params(&o);
	}
	if (strcmp(o.cmd, "params") == 0 && (o.have_seed || o.scenario))
		return cmd_params(&o);
	if (strcmp(o.cmd, "bench") == 0)
		return cmd_bench(&o);
	return usage();
}
