/* host/cmd_guest: `isim guest-check`, the verdict of a live scenario run
 * whose initiator is open-iscsi with dm-multipath in the QEMU guest
 * (scenarios/live-guest.sh).
 *
 *   isim guest-check --scenario FILE --history FILE [--dmesg FILE]
 *                    [--protocol-violations N]
 *                    [--label NAME] [--row FILE] [--wall S]
 *
 * The history is what guest_writer (sim/tests/guest_writer_main.c) was
 * told by the kernel, I/O by I/O, times in ns from its LIVE-GO, which is
 * when the proxies' fault schedules started. It is replayed in time order
 * into the simulator's data oracle (oracle/data.h, the same code `isim run`
 * and `isim live` use, black box): every write a version, acknowledged or
 * (failed) indeterminate, every block read back checked against what some
 * write could have left there. A write that failed stays indeterminate for
 * good: the guest cannot see its copies on the wire, so it may land at
 * any later time (the data oracle then cannot catch a stale write of a
 * failed write; it catches every other lost or stale write).
 * The metrics are the ones a live run measures (world/metrics.h), from the
 * history and the guest's kernel log: io_ok, io_failed (io_path_failed:
 * the same, an application only sees EIO), latency_max, io_stall_max,
 * path_failures (dm-multipath's "Failing path" lines, kernel time turned
 * into the history's by its T line), failover (from the first fault to
 * the first I/O that completed GOOD while a path that failed after it
 * was sent was still down and another was up: it went through another
 * path); "Reinstating path" lines are
 * counted and printed. The scenario's expectation decides, its bounds
 * on anything else named and left out (cmd_live.c's live_judge).
 * Exit: 0 the expectation is met, 1 not, 2 bad usage or history.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/time.h"
#include "sim/host/isim.h"
#include "sim/initiator/block.h"
#include "sim/oracle/data.h"
#include "sim/oracle/expect.h"

#define GUEST_LINE_MAX 4096u
#define GUEST_PATH_EVENTS_MAX 4096u /* dm-multipath path events kept from the kernel log */

struct grec {
	char op;             /* W R V F */
	uint64_t ver, lba;
	uint32_t n;
	bool fua;
	uint64_t inv, end;   /* ns from LIVE-GO, +1 (the data oracle's 0 is "none") */
	int err;
	uint64_t *vers;      /* R, V: per block, as guest_writer prints them */
	uint64_t odver;      /* W: the data oracle's version */
	unsigned token;      /* R, V: the data oracle's read token */
};

struct gev {
	uint64_t t;
	unsigned rec;
	bool end;
};

struct pevent {
	uint64_t t;
	char dev[16];
	bool fail;
};

static struct {
	struct grec *r;
	size_t n, cap;
	uint64_t maxver, t0_mono;
	struct pevent pe[GUEST_PATH_EVENTS_MAX];
	unsigned npe;
} H;

static int usage(const char *why)
{
	fprintf(stderr, "isim guest-check: %s\n", why);
	fputs("usage: isim guest-check --scenario FILE --history FILE [--dmesg FILE] [--protocol-violations N]\n"
	      "                        [--label NAME] [--row FILE] [--wall S]\n", stderr);
	return 2;
}

static bool parse_vers(char *s, struct grec *r)
{
	r->vers = calloc(r->n, sizeof(uint64_t));
	if (r->vers == NULL)
		return false;
	char *save = NULL;
	uint32_t i = 0;
	for (char *tok = strtok_r(s, ",\n", &save); tok != NULL; tok = strtok_r(NULL, ",\n", &save)) {
		if (i >= r->n)
			return false;
		if (strcmp(tok, "c") == 0)
			r->vers[i] = UINT64_MAX;
		else if (tok[0] == 'x')
			r->vers[i] = (1ull << 63) | strtoull(tok + 1, NULL, 10);
		else
			r->vers[i] = strtoull(tok, NULL, 10);
		i++;
	}
	return i == r->n;
}

/* One history line into H; false: malformed. */
static bool parse_line(char *line)
{
	if (H.n == H.cap) {
		size_t cap = H.cap ? H.cap * 2 : 4096;
		struct grec *nr = realloc(H.r, cap * sizeof(*nr));
		if (nr == NULL)
			return false;
		H.r = nr;
		H.cap = cap;
	}
	struct grec r = { .op = line[0] };
	unsigned long long a, b, c, d, e;
	int fua, err, used = 0;
	switch (line[0]) {
	case 'T':
		return sscanf(line, "T %llu", &a) == 1 && (H.t0_mono = a, true);
	case 'E':
	case '\n':
	case '\0':
		return true;
	case 'W':
		if (sscanf(line, "W %llu %llu %llu %d %llu %llu %d", &a, &b, &c, &fua, &d, &e, &err) != 7 || a == 0 ||
			c == 0 || c > ODATA_WRITE_BLOCKS_MAX)
			return false;
		r.ver = a, r.lba = b, r.n = (uint32_t)c, r.fua = fua != 0, r.inv = d + 1, r.end = e + 1, r.err = err;
		H.maxver = a > H.maxver ? a : H.maxver;
		break;
	case 'F':
		if (sscanf(line, "F %llu %llu %d", &d, &e, &err) != 3)
			return false;
		r.inv = d + 1, r.end = e + 1, r.err = err;
		break;
	case 'R':
	case 'V':
		if (sscanf(line + 1, " %llu %llu %llu %llu %d %n", &b, &c, &d, &e, &err, &used) != 5 || c == 0 ||
			c > ODATA_WRITE_BLOCKS_MAX)
			return false;
		r.lba = b, r.n = (uint32_t)c, r.inv = d + 1, r.end = e + 1, r.err = err;
		if (err == 0 && !parse_vers(line + 1 + used, &r))
			return false;
		break;
	default:
		return false;
	}
	if (r.end < r.inv)
		return false;
	H.r[H.n++] = r;
	return true;
}

static int read_history(const char *file)
{
	FILE *f = fopen(file, "r");
	if (f == NULL) {
		fprintf(stderr, "isim guest-check: cannot read %s: %s\n", file, strerror(errno));
		return 2;
	}
	static char line[GUEST_LINE_MAX];
	unsigned no = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		no++;
		if (!parse_line(line)) {
			fprintf(stderr, "isim guest-check: %s:%u: not a guest_writer record\n", file, no);
			fclose(f);
			return 2;
		}
	}
	fclose(f);
	return 0;
}

/* dm-multipath's kernel lines: "[  12.345678] device-mapper: multipath:
 * 253:0: Failing path 8:16." and, where the kernel says it, "Reinstating
 * path". Kernel time is CLOCK_MONOTONIC, the history's too. */
static void read_dmesg(const char *file)
{
	FILE *f = fopen(file, "r");
	if (f == NULL)
		return;
	static char line[GUEST_LINE_MAX];
	while (fgets(line, sizeof(line), f) != NULL && H.npe < GUEST_PATH_EVENTS_MAX) {
		double ks;
		const char *fail = strstr(line, "Failing path "), *back = strstr(line, "einstating path ");
		if ((fail == NULL && back == NULL) || sscanf(line, "[%lf]", &ks) != 1)
			continue;
		struct pevent *e = &H.pe[H.npe++];
		uint64_t kt = (uint64_t)(ks * 1e9);
		e->t = kt > H.t0_mono ? kt - H.t0_mono + 1 : 1;
		e->fail = fail != NULL;
		const char *d = fail != NULL ? fail + strlen("Failing path ") : back + strlen("einstating path ");
		snprintf(e->dev, sizeof(e->dev), "%.*s", (int)strcspn(d, ". \n"), d);
	}
	fclose(f);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct gev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->end != y->end)
		return x->end ? 1 : -1; /* at one instant, begins first: the oracle's more permissive order */
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/* Paths failed at t (by the kernel log); *since: when the earliest of
 * them failed (its last failure up to t). */
static unsigned failed_at(uint64_t t, uint64_t *since)
{
	char devs[SIM_PATHS_MAX * 2][16];
	bool down[SIM_PATHS_MAX * 2] = { false };
	uint64_t at[SIM_PATHS_MAX * 2] = { 0 };
	unsigned nd = 0, nfailed = 0;
	for (unsigned i = 0; i < H.npe; i++) {
		unsigned k = 0;
		while (k < nd && strcmp(devs[k], H.pe[i].dev) != 0)
			k++;
		if (k == nd && nd < SIM_PATHS_MAX * 2)
			snprintf(devs[nd++], sizeof(devs[0]), "%s", H.pe[i].dev);
		if (k < nd && H.pe[i].t <= t) {
			down[k] = H.pe[i].fail;
			at[k] = H.pe[i].t;
		}
	}
	*since = SIM_NEVER;
	for (unsigned k = 0; k < nd; k++) {
		nfailed += down[k];
		if (down[k] && at[k] < *since)
			*since = at[k];
	}
	return nfailed;
}

/* The replay: the data oracle, and the metrics from the workload's I/O. */
static void replay(struct odata *od, const struct sim_params *p, struct sim_metrics *m, uint64_t first_fault)
{
	struct gev *ev = calloc(H.n * 2 + 1, sizeof(*ev));
	uint64_t *map = calloc(H.maxver + 1, sizeof(uint64_t));
	uint8_t *buf = malloc((size_t)ODATA_WRITE_BLOCKS_MAX * p->block_size);
	if (ev == NULL || map == NULL || buf == NULL) {
		fprintf(stderr, "isim guest-check: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < H.n; i++) {
		ev[2 * i] = (struct gev){ .t = H.r[i].inv, .rec = (unsigned)i, .end = false };
		ev[2 * i + 1] = (struct gev){ .t = H.r[i].end, .rec = (unsigned)i, .end = true };
	}
	qsort(ev, H.n * 2, sizeof(*ev), ev_cmp);
	uint64_t outstanding = 0, busy_since = 0, last_good = 0;
	for (size_t i = 0; i < H.n * 2; i++) {
		struct grec *r = &H.r[ev[i].rec];
		uint64_t t = ev[i].t;
		bool work = r->op != 'V';
		if (!ev[i].end) {
			if (r->op == 'W')
				map[r->ver] = r->odver = odata_begin(od, OD_WRITE, r->lba, r->n, r->fua, t);
			else if (r->op != 'F')
				r->token = odata_read_begin(od, t);
			if (work && outstanding++ == 0)
				busy_since = t;
			continue;
		}
		if (r->op == 'W')
			odata_end(od, r->odver, r->err == 0 ? OD_ACKED : OD_INDETERMINATE, t);
		else if (r->op == 'F' && r->err == 0)
			odata_flush_done(od, r->inv);
		else if (r->op == 'R' || r->op == 'V') {
			odata_read_end(od, r->token);
			for (uint32_t b = 0; r->err == 0 && b < r->n; b++) {
				uint8_t *blk = buf + (size_t)b * p->block_size;
				uint64_t v = r->vers[b];
				if (v == UINT64_MAX)
					memset(blk, 0xa5, p->block_size); /* corrupt as it was */
				else if (v >> 63)
					block_fill(blk, p->block_size, v & ~(1ull << 63), 1);
				else if (v == 0)
					memset(blk, 0, p->block_size);
				else /* a version no write had begun: one the oracle never gave */
					block_fill(blk, p->block_size, r->lba + b, v <= H.maxver && map[v] ? map[v] : (1ull << 62) + v);
			}
			if (r->err == 0)
				odata_read_check(od, r->lba, r->n, buf, r->inv, t);
		}
		if (!work)
			continue;
		uint64_t since = busy_since > last_good ? busy_since : last_good;
		if (r->err == 0 || outstanding == 1) {
			int64_t stall = (int64_t)(t - since);
			if (stall > m->v[METRIC_IO_STALL_MAX])
				m->v[METRIC_IO_STALL_MAX] = stall;
		}
		outstanding--;
		int64_t lat = (int64_t)(r->end - r->inv);
		if (lat > m->v[METRIC_LATENCY_MAX])
			m->v[METRIC_LATENCY_MAX] = lat;
		if (r->err != 0) {
			m->v[METRIC_IO_FAILED]++;
			continue;
		}
		m->v[METRIC_IO_OK]++;
		last_good = t;
		/* an I/O in flight when a path failed, done GOOD while that
		 * path is still down and another is up: it moved (the
		 * simulator's measure: through another gateway than the one it
		 * was first sent to); one sent after a failure, or after a
		 * reinstatement while the other path is down, did not move */
		uint64_t down_since;
		unsigned down;
		if (m->v[METRIC_FAILOVER] == 0 && first_fault != SIM_NEVER && t > first_fault &&
			(down = failed_at(t, &down_since)) > 0 && down < (unsigned)p->paths && r->inv < down_since)
			m->v[METRIC_FAILOVER] = (int64_t)(t - first_fault);
	}
	m->v[METRIC_IO_PATH_FAILED] = m->v[METRIC_IO_FAILED];
	m->v[METRIC_IO_OK_MIN] = m->v[METRIC_IO_OK];
	for (unsigned i = 0; i < H.npe; i++)
		m->v[METRIC_PATH_FAILURES] += H.pe[i].fail;
	free(ev);
	free(map);
	free(buf);
}

static bool measured_guest(enum metric_id m)
{
	switch (m) {
	case METRIC_IO_OK: case METRIC_IO_OK_MIN: case METRIC_IO_FAILED: case METRIC_IO_PATH_FAILED:
	case METRIC_LATENCY_MAX: case METRIC_IO_STALL_MAX: case METRIC_FAILOVER: case METRIC_PATH_FAILURES:
		return true;
	default:
		return false;
	}
}

int cmd_guest_check(int argc, char **argv)
{
	const char *scn = NULL, *hist = NULL, *dmesg = NULL, *label = "guest", *row = NULL;
	unsigned long long proto = 0, reinstated = 0;
	double wall = 0;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("every option takes a value");
		const char *a = argv[i], *v = argv[++i];
		char *end = NULL;
		if (strcmp(a, "--scenario") == 0)
			scn = v;
		else if (strcmp(a, "--history") == 0)
			hist = v;
		else if (strcmp(a, "--dmesg") == 0)
			dmesg = v;
		else if (strcmp(a, "--label") == 0)
			label = v;
		else if (strcmp(a, "--row") == 0)
			row = v;
		else if (strcmp(a, "--protocol-violations") == 0 && (proto = strtoull(v, &end, 10), *end == '\0'))
			;
		else if (strcmp(a, "--wall") == 0 && (wall = strtod(v, &end), *end == '\0'))
			;
		else {
			char why[200];
			snprintf(why, sizeof(why), "bad option or value '%s %s'", a, v);
			return usage(why);
		}
	}
	if (scn == NULL || hist == NULL)
		return usage("--scenario and --history are required");
	static struct sim_params sp;
	static struct scenario_expect se;
	if (proxy_cli_scenario(scn, &sp, &se) != 0)
		return 2;
	int rc = read_history(hist);
	if (rc != 0)
		return rc;
	if (dmesg != NULL)
		read_dmesg(dmesg);
	for (unsigned i = 0; i < H.npe; i++)
		reinstated += !H.pe[i].fail;
	uint64_t first_fault = SIM_NEVER;
	for (unsigned i = 0; i < sp.faults.n; i++)
		if (sp.faults.f[i].at_ns + 1 < first_fault)
			first_fault = sp.faults.f[i].at_ns + 1;
	static struct odata od;
	odata_init(&od, &host_mem, sp.blocks, sp.block_size, true);
	od.black_box = true;
	od.torn_reads_ok = true; /* real targets run overlapping commands concurrently (oracle/data.h) */
	static struct sim_result r;
	metrics_begin(&r.metrics);
	r.metrics.v[METRIC_IO_OK_MIN] = 0;
	replay(&od, &sp, &r.metrics, first_fault);
	r.oracle = od.violations > 0 ? ORACLE_DATA : proto > 0 ? ORACLE_PROTOCOL : ORACLE_NONE;
	struct expect_verdict v;
	live_judge(&se, &r, measured_guest, &v);
	const int64_t *m = r.metrics.v;
	printf("  data oracle: %llu writes (%llu acknowledged), %llu reads checked (%llu blocks)%s%s\n",
		(unsigned long long)od.stats.versions, (unsigned long long)od.stats.acked,
		(unsigned long long)od.stats.reads_checked, (unsigned long long)od.stats.blocks_checked,
		od.violations > 0 ? ": " : ", no violation", od.violations > 0 ? od.why : "");
	if (od.stats.torn_reads > 0)
		printf("  data oracle: %llu torn reads forgiven (a write to the block was landing during the read)\n",
			(unsigned long long)od.stats.torn_reads);
	printf("  dm-multipath: %lld path failures, %llu reinstated (kernel log)\n",
		(long long)m[METRIC_PATH_FAILURES], reinstated);
	char fo[32] = "-";
	if (m[METRIC_FAILOVER] > 0)
		snprintf(fo, sizeof(fo), "%.1f", (double)m[METRIC_FAILOVER] / 1e9);
	printf("guest: %s: %s (expected %s): %s; %lld I/Os, fail over %s s, longest I/O %.1f s, longest stall %.1f s, "
		"%lld failed up, %lld path failures, %llu protocol violations, %.1f s wall\n", label, v.text, v.expected,
		v.met ? "met" : "NOT MET", (long long)(m[METRIC_IO_OK] + m[METRIC_IO_FAILED]), fo,
		(double)m[METRIC_LATENCY_MAX] / 1e9, (double)m[METRIC_IO_STALL_MAX] / 1e9,
		(long long)m[METRIC_IO_FAILED], (long long)m[METRIC_PATH_FAILURES], proto, wall);
	FILE *f = row != NULL ? fopen(row, "a") : NULL;
	if (f != NULL) {
		fprintf(f, "%s\t%s\t%s\t%s\t%.1f\t%lld\t%lld\t%llu\t%.1f\n", label, v.text, v.expected, fo,
			(double)m[METRIC_LATENCY_MAX] / 1e9, (long long)m[METRIC_IO_FAILED],
			(long long)m[METRIC_PATH_FAILURES], proto, wall);
		fclose(f);
	}
	odata_fini(&od);
	for (size_t i = 0; i < H.n; i++)
		free(H.r[i].vers);
	free(H.r);
	return v.met ? 0 : 1;
}
