/* main: the isim program. The only file in sim/ that talks to the OS:
 * command line, files (scenario in; trace, pcap, SVG, reports, swarm
 * results out), the wall clock for speed reports, and fork() to spread a
 * swarm over cores.
 *
 *   isim run --seed N [--scenario FILE] [--trace FILE] [--pcap FILE]
 *            [--svg FILE] [--pdus] [--check-determinism] [--row FILE.md]
 *            (--pdus adds every PDU and disk I/O to the trace; --row
 *            appends the scenario's line of the results table)
 *   isim run --scenario FILE --seeds A..B [--row FILE.md]
 *            a seed family: the file's timeline and settings, everything
 *            it leaves unsaid drawn from each seed as the swarm draws it
 *   (run, swarm, shrink, params, bench: --set 'LINE' applies a scenario
 *    line on top, e.g. --set 'workload caw=0' or --set 'without alloc_fail')
 *   isim swarm --seeds A..B [--shard I/N] [--jobs J] [--results FILE]
 *            [--report FILE.md] [--until-fail] [--expect-fail] [--require-coverage]
 *   isim merge [--results FILE] [--report FILE.md] [--require-coverage] FILE...
 *            the shards' results files (swarm/results.h) as one swarm
 *   isim shrink --seed N [--scenario FILE] [-o FILE]
 *   isim params --seed N          print the world a seed draws, as a scenario
 *   isim bench --seeds A..B       simulated seconds per wall second
 * Every value is parsed whole (a number is all digits, in range) and a
 * file that cannot be written is an error. Exit status: 0 pass; 1 a world
 * failed or missed its expectation; 2 bad command line, or a file that
 * cannot be read or written; 3 not deterministic; 4 the simulator leaked;
 * 5 required coverage missed (--require-coverage). A failure prints the
 * one command that replays it.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/host/pcap_out.h"
#include "sim/host/svg_timeline.h"
#include "sim/spec/scenario.h"
#include "sim/swarm/shrink.h"
#include "sim/swarm/draw.h"
#include "sim/swarm/results.h"
#include "sim/base/time.h"
#include "sim/world/world.h"

#define JOBS_MAX 64
#define SHRINK_RUNS 300
/* Progress on stderr: redrawn in place this often on a terminal; a new
 * line at most this often otherwise (CI logs stay short). */
#define PROGRESS_TTY_NS 500000000ull
#define PROGRESS_LOG_NS 5000000000ull

enum cmd_bit {
	C_RUN = 1u << 0,
	C_SWARM = 1u << 1,
	C_MERGE = 1u << 2,
	C_SHRINK = 1u << 3,
	C_PARAMS = 1u << 4,
	C_BENCH = 1u << 5,
};

struct seed_range {
	uint64_t lo, hi;
};

struct shard {
	uint32_t i, n;
};

struct opts {
	const char *cmd;
	enum cmd_bit bit;
	uint64_t seed;
	bool have_seed, have_seeds, have_shard;
	struct seed_range range; /* --seeds */
	struct shard shard;      /* --shard */
	uint64_t jobs;
	const char *scenario, *trace, *pcap, *svg, *out, *report, *row, *results;
	char set[SWARM_SET_MAX]; /* scenario lines applied on top (--set), each ending in '\n' */
	bool pdus, check_det, until_fail, require_cov, expect_fail;
	const char *files[SWARM_SHARDS_MAX]; /* merge: results files */
	size_t nfiles;
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
	if (!o->have_seeds || o->scenario == NULL || (o->bit & (C_RUN | C_PARAMS)) == 0)
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
		char err[512];
		int rc = scenario_parse_from(o->scenario, text, p, e, err, sizeof(err));
		free(text);
		if (rc != 0) {
			fprintf(stderr, "isim: %s\n", err);
			return -1;
		}
		if (o->have_seed)
			p->seed = o->seed;
	} else {
		swarm_params(p, o->seed);
	}
	if (o->set[0] != '\0') {
		struct scenario_expect ignored;
		char err[512];
		/* "--set:N": the N-th --set option. */
		if (scenario_parse_from("--set", o->set, p, &ignored, err, sizeof(err)) != 0) {
			fprintf(stderr, "isim: %s\n", err);
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

/* What a swarm of these options runs (also the replay command's parts). */
static void swarm_spec_of(const struct opts *o, struct swarm_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->lo = o->range.lo;
	spec->hi = o->range.hi;
	spec->shard = o->have_shard ? o->shard.i : 1;
	spec->shards = o->have_shard ? o->shard.n : 1;
	if (o->scenario != NULL)
		snprintf(spec->scenario, sizeof(spec->scenario), "%s", o->scenario);
	memcpy(spec->set, o->set, sizeof(spec->set));
}

static void replay_cmd(const struct opts *o, uint64_t seed, char *buf, size_t cap)
{
	struct swarm_spec spec;
	swarm_spec_of(o, &spec);
	swarm_replay_cmd(&spec, seed, buf, cap);
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

/* Write len bytes of text to path (mode "w" or "a"); 0, or -1 with the
 * reason printed. Every output file goes through here or is checked as
 * carefully: a file that cannot be written fails the command. */
static int write_text(const char *path, const char *mode, const char *text, size_t len)
{
	FILE *f = fopen(path, mode);
	if (f == NULL) {
		fprintf(stderr, "isim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fwrite(text, 1, len, f);
	int werr = n == len ? 0 : errno;
	if (fclose(f) != 0 && werr == 0)
		werr = errno;
	if (werr != 0) {
		fprintf(stderr, "isim: %s: %s\n", path, strerror(werr));
		return -1;
	}
	return 0;
}

/* Before a long run: can path be written at all? (The run writes it at
 * the end; finding out then would waste the run.) Mode "a" leaves what
 * is there; "w" empties it. */
static int check_writable(const char *path, const char *mode)
{
	if (path == NULL)
		return 0;
	FILE *f = fopen(path, mode);
	if (f == NULL) {
		fprintf(stderr, "isim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
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

/* ---- swarm ---- */

static void swarm_one(const struct opts *o, uint64_t seed, struct swarm_world *rec)
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

/* Progress on stderr: worlds done of total, failures so far. On a
 * terminal one line redrawn with \r; otherwise (a CI log) a new line at
 * most every PROGRESS_LOG_NS, and always the last. */
struct progress {
	bool tty;
	uint64_t t0, last, total;
	char label[32];
};

static void progress_show(struct progress *pg, const struct swarm_sum *s, bool last)
{
	uint64_t now = wall_ns();
	if (!last && now - pg->last < (pg->tty ? PROGRESS_TTY_NS : PROGRESS_LOG_NS))
		return;
	pg->last = now;
	fprintf(stderr, "%s[%s] %" PRIu64 "/%" PRIu64 " worlds  %" PRIu64 " failed  %.0fx sim/wall per core  %.1fs%s",
		pg->tty ? "\r" : "", pg->label, s->worlds, pg->total, s->failed, ratio(s->sim_ns, s->wall_ns),
		(double)(now - pg->t0) / 1e9, pg->tty && !last ? "   " : "\n");
}

/* A sum's text through one of swarm/results.h's formatters, into a file. */
static int write_formatted(const char *path, size_t (*fmt)(const struct swarm_sum *, char *, size_t),
	const struct swarm_sum *s, const char *tail)
{
	size_t need = fmt(s, NULL, 0), tail_len = strlen(tail);
	char *buf = malloc(need + tail_len + 1);
	if (buf == NULL) {
		fprintf(stderr, "isim: %s: out of memory\n", path);
		return -1;
	}
	fmt(s, buf, need + 1);
	memcpy(buf + need, tail, tail_len + 1);
	int rc = write_text(path, "w", buf, need + tail_len);
	free(buf);
	return rc;
}

/* What a swarm or a merge prints, and the files it writes. how: the
 * wall-clock line (it differs between runs of the same seeds, so the
 * report keeps it apart, after the part that does not). */
static int swarm_finish(const struct opts *o, const struct swarm_sum *s, const char *how)
{
	unsigned missing = swarm_sum_missing(s);
	printf("coverage (hits summed over %" PRIu64 " worlds):\n", s->worlds);
	for (int i = 0; i < COV_COUNT; i++)
		printf("  %-40s %12" PRIu64 "%s\n", cov_names[i], s->cov[i],
			s->cov[i] ? "" : cov_required[i] ? "   NEVER REACHED" : "   not reached (engine's choice)");
	for (unsigned i = 0; i < s->nfails; i++) {
		char cmd[SWARM_SET_MAX + SWARM_SCENARIO_MAX + 64];
		swarm_replay_cmd(&s->spec, s->fails[i].seed, cmd, sizeof(cmd));
		printf("FAIL seed %" PRIu64 " (%s): %s\n  replay: %s\n", s->fails[i].seed,
			sim_oracle_name((enum sim_oracle)s->fails[i].oracle), s->fails[i].why, cmd);
	}
	if (s->failed > s->nfails)
		printf("(and %" PRIu64 " more failing seeds; the %u lowest are shown)\n", s->failed - s->nfails,
			s->nfails);
	printf("summary: %" PRIu64 " worlds, %" PRIu64 " failed, %.0f simulated s, %" PRIu64
	       " I/Os, %u required coverage points never reached; %s\n",
		s->worlds, s->failed, (double)s->sim_ns / 1e9, s->ios, missing, how);
	char tail[300];
	snprintf(tail, sizeof(tail), "\nWall time: %s\n", how);
	if (o->results != NULL && write_formatted(o->results, swarm_results_format, s, "") != 0)
		return 2;
	if (o->report != NULL && write_formatted(o->report, swarm_report_format, s, tail) != 0)
		return 2;
	if (o->results != NULL || o->report != NULL)
		printf("results:%s%s%s%s\n", o->results ? " " : "", o->results ? o->results : "",
			o->report ? " " : "", o->report ? o->report : "");
	if (o->expect_fail) {
		if (s->failed == 0) {
			printf("expected a failure within seeds %" PRIu64 "..%" PRIu64 ", found none\n", s->spec.lo, s->spec.hi);
			return 1;
		}
		printf("caught: seed %" PRIu64 " (%s)\n", s->fails[0].seed,
			sim_oracle_name((enum sim_oracle)s->fails[0].oracle));
		return 0;
	}
	if (s->failed > 0)
		return 1;
	return o->require_cov && missing > 0 ? 5 : 0;
}

/* Read one record from a job's pipe: 1 got one, 0 the job is done. */
static int read_record(int fd, struct swarm_world *rec)
{
	size_t got = 0;
	while (got < sizeof(*rec)) {
		ssize_t n = read(fd, (char *)rec + got, sizeof(*rec) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got == sizeof(*rec);
}

/* Job j of jobs runs the shard's k-th seeds with k mod jobs == j. */
static void swarm_job(const struct opts *o, const struct swarm_spec *spec, uint64_t count, uint64_t j,
	uint64_t jobs, int fd)
{
	for (uint64_t k = j; k < count; k += jobs) {
		struct swarm_world rec;
		swarm_one(o, swarm_shard_seed(spec, k), &rec);
		if (!write_all(fd, &rec, sizeof(rec)))
			_exit(1);
		if (o->until_fail && rec.oracle != ORACLE_NONE)
			break;
	}
	_exit(0);
}

static int cmd_swarm(const struct opts *o)
{
	struct swarm_spec spec;
	swarm_spec_of(o, &spec);
	uint64_t total = swarm_shard_count(&spec);
	if (total == 0) {
		fprintf(stderr, "isim: swarm: shard %u/%u of %" PRIu64 "..%" PRIu64 " has no seeds\n", spec.shard,
			spec.shards, spec.lo, spec.hi);
		return 2;
	}
	if (check_writable(o->results, "w") != 0 || check_writable(o->report, "w") != 0)
		return 2;
	uint64_t jobs = o->jobs > total ? total : o->jobs;
	struct swarm_sum s;
	swarm_sum_init(&s, &spec);
	struct progress pg = { .tty = isatty(STDERR_FILENO) == 1, .t0 = wall_ns(), .total = total };
	if (o->have_shard)
		snprintf(pg.label, sizeof(pg.label), "swarm %u/%u", spec.shard, spec.shards);
	else
		snprintf(pg.label, sizeof(pg.label), "swarm");
	pg.last = pg.t0;
	int fds[JOBS_MAX];
	pid_t pids[JOBS_MAX];
	fflush(stdout);
	for (uint64_t j = 0; j < jobs; j++) {
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
			swarm_job(o, &spec, total, j, jobs, pfd[1]);
		}
		close(pfd[1]);
		fds[j] = pfd[0];
	}
	uint64_t open_fds = jobs;
	while (open_fds > 0) {
		struct pollfd pf[JOBS_MAX];
		for (uint64_t j = 0; j < jobs; j++)
			pf[j] = (struct pollfd){ .fd = fds[j], .events = POLLIN };
		if (poll(pf, (nfds_t)jobs, 500) < 0 && errno != EINTR)
			break;
		for (uint64_t j = 0; j < jobs; j++) {
			if (fds[j] < 0 || !(pf[j].revents & (POLLIN | POLLHUP)))
				continue;
			struct swarm_world rec;
			if (!read_record(fds[j], &rec)) {
				close(fds[j]);
				fds[j] = -1;
				open_fds--;
				continue;
			}
			swarm_sum_add(&s, &rec);
		}
		progress_show(&pg, &s, false);
		if (o->until_fail && s.failed > 0)
			break;
	}
	bool jobs_ok = true;
	for (uint64_t j = 0; j < jobs; j++) {
		if (o->until_fail && s.failed > 0)
			kill(pids[j], SIGTERM); /* our own children, by PID */
		if (fds[j] >= 0)
			close(fds[j]);
		int status = 0;
		waitpid(pids[j], &status, 0);
		jobs_ok &= (WIFEXITED(status) && WEXITSTATUS(status) == 0) || (o->until_fail && s.failed > 0);
	}
	progress_show(&pg, &s, true);
	if (!jobs_ok || (!o->until_fail && s.worlds != total)) {
		fprintf(stderr, "isim: swarm: a job died; %" PRIu64 " of %" PRIu64 " worlds ran\n", s.worlds, total);
		return 2;
	}
	double el = (double)(wall_ns() - pg.t0) / 1e9;
	char how[200];
	snprintf(how, sizeof(how), "%.1f wall s on %" PRIu64 " jobs (%.0fx simulated/wall per core)", el, jobs,
		ratio(s.sim_ns, s.wall_ns));
	return swarm_finish(o, &s, how);
}

/* ---- merge ---- */

static int cmd_merge(const struct opts *o)
{
	struct swarm_sum *sums = calloc(o->nfiles, sizeof(*sums));
	const struct swarm_sum **ptrs = calloc(o->nfiles, sizeof(*ptrs));
	struct swarm_sum *whole = malloc(sizeof(*whole));
	int rc = 2;
	if (sums == NULL || ptrs == NULL || whole == NULL) {
		fprintf(stderr, "isim: merge: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < o->nfiles; i++) {
		char *text = read_file(o->files[i]);
		if (text == NULL) {
			fprintf(stderr, "isim: %s: %s\n", o->files[i], strerror(errno));
			goto out;
		}
		char err[512];
		int prc = swarm_results_parse(text, &sums[i], err, sizeof(err));
		free(text);
		if (prc != 0) {
			fprintf(stderr, "isim: %s: %s\n", o->files[i], err);
			goto out;
		}
		ptrs[i] = &sums[i];
	}
	char err[512];
	if (swarm_merge(ptrs, o->files, o->nfiles, whole, err, sizeof(err)) != 0) {
		fprintf(stderr, "isim: merge: %s\n", err);
		goto out;
	}
	char how[200];
	snprintf(how, sizeof(how), "merged from %zu shards; the worlds took %.1f wall s in all (%.0fx simulated/wall per core)",
		o->nfiles, (double)whole->wall_ns / 1e9, ratio(whole->sim_ns, whole->wall_ns));
	rc = swarm_finish(o, whole, how);
out:
	free(sums);
	free(ptrs);
	free(whole);
	return rc;
}

/* ---- shrink, params, bench ---- */

static int emit_scenario(const struct opts *o, const struct sim_params *p, const struct scenario_expect *e)
{
	size_t need = scenario_format(p, e, NULL, 0) + 1;
	char *buf = malloc(need);
	if (buf == NULL)
		return 2;
	scenario_format(p, e, buf, need);
	int rc = 0;
	if (o->out != NULL)
		rc = write_text(o->out, "w", buf, need - 1) == 0 ? 0 : 2;
	else
		fputs(buf, stdout);
	free(buf);
	return rc;
}

static int cmd_shrink(const struct opts *o)
{
	struct sim_params p;
	struct scenario_expect e;
	if (load_params(o, &p, &e) != 0)
		return 2;
	if (check_writable(o->out, "w") != 0)
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
	struct opts po = *o;
	if (po.have_seeds) { /* a seed family's first member */
		po.seed = po.range.lo;
		po.have_seed = true;
	}
	struct sim_params p;
	struct scenario_expect e;
	if (load_params(&po, &p, &e) != 0)
		return 2;
	return emit_scenario(&po, &p, &e);
}

static int cmd_bench(const struct opts *o)
{
	if (check_writable(o->report, "w") != 0)
		return 2;
	uint64_t sim = 0, wall = 0, ios = 0;
	for (uint64_t seed = o->range.lo; seed <= o->range.hi; seed++) {
		struct swarm_world rec;
		swarm_one(o, seed, &rec);
		sim += rec.sim_ns;
		wall += rec.wall_ns;
		ios += rec.ios;
	}
	uint64_t n = o->range.hi - o->range.lo + 1;
	printf("summary: %.0fx simulated seconds per wall second (%" PRIu64 " worlds, %.1f simulated s in %.2f wall s, %" PRIu64 " I/Os)\n",
		ratio(sim, wall), n, (double)sim / 1e9, (double)wall / 1e9, ios);
	if (o->report == NULL)
		return 0;
	char text[1024];
	int len = snprintf(text, sizeof(text),
		"Simulator speed (`isim bench --seeds %" PRIu64 "..%" PRIu64 "`, one process, swarm worlds: 2 gateways, 4 initiators, 2 paths, faults):\n\n"
		"| worlds | simulated s | wall s | simulated s per wall s | I/Os | I/Os per wall s |\n|---|---|---|---|---|---|\n"
		"| %" PRIu64 " | %.1f | %.2f | %.0fx | %" PRIu64 " | %.0f |\n",
		o->range.lo, o->range.hi, n, (double)sim / 1e9, (double)wall / 1e9, ratio(sim, wall), ios,
		wall ? (double)ios * 1e9 / (double)wall : 0.0);
	return write_text(o->report, "w", text, len < 0 ? 0 : (size_t)len) == 0 ? 0 : 2;
}

/* ---- command line ---- */

/* Each kind of value has one parser (below); the table says which kind
 * each option takes, where it goes and which commands take it. */
enum opt_kind {
	OPT_FLAG,  /* bool */
	OPT_PATH,  /* const char * */
	OPT_U64,   /* uint64_t in [min, max] */
	OPT_RANGE, /* struct seed_range */
	OPT_SHARD, /* struct shard */
	OPT_SET,   /* char[SWARM_SET_MAX]: lines appended, repeatable */
};

struct optdef {
	const char *name;
	enum opt_kind kind;
	unsigned cmds; /* enum cmd_bit */
	size_t off;    /* the value in struct opts */
	size_t have;   /* a bool in struct opts set when given; 0: none */
	uint64_t min, max;
};

#define O(field) offsetof(struct opts, field)
#define C_WORLDS (C_RUN | C_SWARM | C_SHRINK | C_PARAMS | C_BENCH)
static const struct optdef optdefs[] = {
	{ "--seed", OPT_U64, C_RUN | C_SHRINK | C_PARAMS, O(seed), O(have_seed), 0, UINT64_MAX },
	{ "--seeds", OPT_RANGE, C_RUN | C_SWARM | C_PARAMS | C_BENCH, O(range), O(have_seeds), 0, 0 },
	{ "--shard", OPT_SHARD, C_SWARM, O(shard), O(have_shard), 0, 0 },
	{ "--jobs", OPT_U64, C_SWARM, O(jobs), 0, 1, JOBS_MAX },
	{ "--scenario", OPT_PATH, C_WORLDS, O(scenario), 0, 0, 0 },
	{ "--set", OPT_SET, C_WORLDS, O(set), 0, 0, 0 },
	{ "--trace", OPT_PATH, C_RUN, O(trace), 0, 0, 0 },
	{ "--pcap", OPT_PATH, C_RUN, O(pcap), 0, 0, 0 },
	{ "--svg", OPT_PATH, C_RUN, O(svg), 0, 0, 0 },
	{ "--row", OPT_PATH, C_RUN, O(row), 0, 0, 0 },
	{ "--pdus", OPT_FLAG, C_RUN, O(pdus), 0, 0, 0 },
	{ "--check-determinism", OPT_FLAG, C_RUN, O(check_det), 0, 0, 0 },
	{ "--report", OPT_PATH, C_SWARM | C_MERGE | C_BENCH, O(report), 0, 0, 0 },
	{ "--results", OPT_PATH, C_SWARM | C_MERGE, O(results), 0, 0, 0 },
	{ "--until-fail", OPT_FLAG, C_SWARM, O(until_fail), 0, 0, 0 },
	{ "--expect-fail", OPT_FLAG, C_SWARM | C_MERGE, O(expect_fail), 0, 0, 0 },
	{ "--require-coverage", OPT_FLAG, C_SWARM | C_MERGE, O(require_cov), 0, 0, 0 },
	{ "-o", OPT_PATH, C_SHRINK | C_PARAMS, O(out), 0, 0, 0 },
};
#define NOPTS (sizeof(optdefs) / sizeof(optdefs[0]))

struct command {
	const char *name;
	enum cmd_bit bit;
	int (*run)(const struct opts *o);
	const char *usage;
};

static int cmd_run_any(const struct opts *o);

static const struct command commands[] = {
	{ "run", C_RUN, cmd_run_any,
		"isim run --seed N [--scenario FILE] [--trace FILE] [--pcap FILE] [--svg FILE] [--pdus] [--check-determinism] [--row FILE.md]\n"
		"       isim run --scenario FILE --seeds A..B [--row FILE.md]" },
	{ "swarm", C_SWARM, cmd_swarm,
		"isim swarm --seeds A..B [--shard I/N] [--jobs J] [--results FILE] [--report FILE.md] [--scenario FILE] [--until-fail] [--expect-fail] [--require-coverage]" },
	{ "merge", C_MERGE, cmd_merge, "isim merge [--results FILE] [--report FILE.md] [--require-coverage] RESULTS..." },
	{ "shrink", C_SHRINK, cmd_shrink, "isim shrink --seed N [--scenario FILE] [-o FILE]" },
	{ "params", C_PARAMS, cmd_params, "isim params --seed N [--scenario FILE] [-o FILE]" },
	{ "bench", C_BENCH, cmd_bench, "isim bench --seeds A..B [--report FILE.md]" },
};
#define NCMDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: (run, swarm, shrink, params, bench may add --set 'SCENARIO LINE', repeatable)\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "       %s\n", commands[i].usage);
	fputs("  --shard I/N runs the seeds s of A..B with (s - A) mod N == I - 1 (I counted from 1);\n"
	      "  isim merge combines the shards' --results files into the report of the whole range.\n",
		f);
}

/* A usage error: what is wrong, then the usage. Exit status 2. */
static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("isim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	usage(stderr);
	return 2;
}

/* One parser per kind; each returns false after saying what is wrong. */
static bool opt_u64(const struct optdef *d, const char *v, uint64_t *out)
{
	char why[200];
	if (swarm_parse_u64(v, d->min, d->max, out, why, sizeof(why)))
		return true;
	fprintf(stderr, "isim: %s: %s\n", d->name, why);
	return false;
}

static bool opt_range(const struct optdef *d, const char *v, struct seed_range *out)
{
	char why[200];
	if (swarm_parse_range(v, &out->lo, &out->hi, why, sizeof(why)))
		return true;
	fprintf(stderr, "isim: %s: %s\n", d->name, why);
	return false;
}

static bool opt_shard(const struct optdef *d, const char *v, struct shard *out)
{
	char why[200];
	if (swarm_parse_shard(v, &out->i, &out->n, why, sizeof(why)))
		return true;
	fprintf(stderr, "isim: %s: %s\n", d->name, why);
	return false;
}

static bool opt_path(const struct optdef *d, const char *v, const char **out)
{
	if (v[0] == '\0') {
		fprintf(stderr, "isim: %s: an empty file name\n", d->name);
		return false;
	}
	*out = v;
	return true;
}

static bool opt_set(const struct optdef *d, const char *v, char *set)
{
	size_t len = strlen(set);
	if (len + strlen(v) + 2 > SWARM_SET_MAX) {
		fprintf(stderr, "isim: %s: the --set lines exceed %u bytes in all\n", d->name, SWARM_SET_MAX - 1);
		return false;
	}
	snprintf(set + len, SWARM_SET_MAX - len, "%s\n", v);
	return true;
}

static bool opt_value(const struct optdef *d, const char *v, struct opts *o)
{
	char *f = (char *)o + d->off;
	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)f = true;
		return true;
	case OPT_PATH: return opt_path(d, v, (const char **)(void *)f);
	case OPT_U64: return opt_u64(d, v, (uint64_t *)(void *)f);
	case OPT_RANGE: return opt_range(d, v, (struct seed_range *)(void *)f);
	case OPT_SHARD: return opt_shard(d, v, (struct shard *)(void *)f);
	case OPT_SET: return opt_set(d, v, f);
	}
	return false;
}

static const struct optdef *find_opt(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(optdefs[i].name, name) == 0)
			return &optdefs[i];
	return NULL;
}

static const struct command *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* argv[2..] into o; 0, or 2 after saying what is wrong. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	bool seen[NOPTS] = { false };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (o->bit != C_MERGE)
				return bad_usage("%s: unexpected argument '%s'", o->cmd, a);
			if (o->nfiles == SWARM_SHARDS_MAX)
				return bad_usage("merge: more than %u results files", SWARM_SHARDS_MAX);
			o->files[o->nfiles++] = a;
			continue;
		}
		const struct optdef *d = find_opt(a);
		if (d == NULL)
			return bad_usage("%s: unknown option '%s'", o->cmd, a);
		if (!(d->cmds & o->bit))
			return bad_usage("%s: option %s does not apply to this command", o->cmd, a);
		if (seen[d - optdefs] && d->kind != OPT_SET)
			return bad_usage("%s: option %s given twice", o->cmd, a);
		seen[d - optdefs] = true;
		const char *v = NULL;
		if (d->kind != OPT_FLAG) {
			if (i + 1 >= argc)
				return bad_usage("%s: option %s needs a value", o->cmd, a);
			v = argv[++i];
		}
		if (!opt_value(d, v, o))
			return 2;
		if (d->have != 0)
			*(bool *)((char *)o + d->have) = true;
	}
	return 0;
}

/* What each command needs besides its options' own syntax. */
static int check_args(const struct opts *o)
{
	bool family = o->scenario != NULL && o->have_seeds;
	switch (o->bit) {
	case C_RUN:
	case C_PARAMS:
		if (o->have_seed && o->have_seeds)
			return bad_usage("%s: --seed and --seeds together: one world, or a seed family", o->cmd);
		if (o->have_seeds && !family)
			return bad_usage("%s: --seeds needs --scenario (a seed family); for swarm worlds: isim swarm --seeds",
				o->cmd);
		if (!o->have_seed && o->scenario == NULL)
			return bad_usage("%s: needs --seed N or --scenario FILE", o->cmd);
		if (o->bit == C_RUN && family && (o->trace || o->pcap || o->svg || o->pdus || o->check_det))
			return bad_usage("run: --trace, --pcap, --svg, --pdus, --check-determinism are for one world (--seed), not --seeds");
		return 0;
	case C_SHRINK:
		if (!o->have_seed && o->scenario == NULL)
			return bad_usage("shrink: needs --seed N or --scenario FILE");
		return 0;
	case C_SWARM:
	case C_BENCH:
		if (!o->have_seeds)
			return bad_usage("%s: needs --seeds A..B", o->cmd);
		return 0;
	case C_MERGE:
		if (o->nfiles == 0)
			return bad_usage("merge: needs the shards' results files");
		return 0;
	}
	return 0;
}

static int cmd_run_any(const struct opts *o)
{
	return o->have_seeds ? cmd_family(o) : cmd_run(o);
}

int main(int argc, char **argv)
{
	static struct opts o = { .jobs = 1 };
	if (argc < 2)
		return bad_usage("no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	const struct command *c = find_cmd(argv[1]);
	if (c == NULL)
		return bad_usage("unknown command '%s' (commands: run swarm merge shrink params bench)", argv[1]);
	o.cmd = c->name;
	o.bit = c->bit;
	int rc = parse_args(argc, argv, &o);
	if (rc == 0)
		rc = check_args(&o);
	return rc != 0 ? rc : c->run(&o);
}
