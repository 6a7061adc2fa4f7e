/* host/cmd_guest: `isim guest-check`, the verdict of a live scenario run
 * whose initiator is open-iscsi with dm-multipath in the QEMU guest
 * (scenarios/live-guest.sh), with or without the simulator's own hosts
 * beside it (`isim live --hosts ... --history`).
 *
 *   isim guest-check --scenario FILE --history FILE [--dmesg FILE]
 *                    [--history FILE [--dmesg FILE]]...
 *                    [--protocol-violations N]
 *                    [--label NAME] [--row FILE] [--wall S]
 *
 * A history (oracle/history.h) is what one host's application was told,
 * I/O by I/O, times in ns from its LIVE-GO, which is when the proxies'
 * fault schedules started; --dmesg is the kernel log of the history
 * before it. Every history is replayed, merged in time order, into one
 * data oracle (oracle/data.h, the same code `isim run` and `isim live`
 * use, black box): every write a version, acknowledged or (failed)
 * indeterminate, every block read back checked against what some write
 * of any host could have left there. Each history's writes are numbered
 * in a version space of their own (history.h); two histories in one
 * space are refused. The first history is the clock: a later one (the
 * simulator's hosts, whose clock starts when the host saw the guest's
 * LIVE-GO) may have started up to GUEST_START_LAG_NS_MAX after it, so the
 * oracle stretches each of its I/Os' ends by that much (an I/O's
 * interval only widens: no false alarm from the lag, a stale read
 * within it missed). A write that failed stays indeterminate for good:
 * the guest cannot see its copies on the wire, so it may land at any
 * later time (the data oracle then cannot catch a stale write of a
 * failed write; it catches every other lost or stale write).
 * The metrics are the ones a live run measures (world/metrics.h), host
 * by host from each history and its path events, summed as the simulator
 * sums its hosts (metrics_add_host): io_ok, io_failed (io_path_failed:
 * the same, an application only sees EIO), latency_max, io_stall_max,
 * path_failures (dm-multipath's "Failing path" lines, kernel time turned
 * into the history's by its T line; a history's own P lines), failover
 * (slowest host; from the first fault to the first I/O that completed
 * GOOD while a path that failed after it was sent was still down and
 * another was up: it went through another path); reinstatements are
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
#include "sim/initiator/multipath.h"
#include "sim/initiator/workload.h"
#include "sim/oracle/data.h"
#include "sim/oracle/expect.h"
#include "sim/oracle/history.h"

#define GUEST_LINE_MAX OHIST_LINE_MAX
#define GUEST_PATH_EVENTS_MAX 4096u /* path events kept per history (kernel log, P lines) */
#define GUEST_HISTORIES_MAX 4u      /* hosts one check replays: the guest and the simulator's beside it */
/* How much later than the first history's a later one's clock may have
 * started: scenarios/live-guest.sh polls the guest's console every 10 ms
 * for LIVE-GO and then signals `isim live`; the guest's serial line and
 * the signal add milliseconds. Generous, since the cost is only that a
 * stale read across hosts within it goes unseen. */
#define GUEST_START_LAG_NS_MAX SIM_MS(250)

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
	unsigned hist, rec;
	bool end;
};

struct pevent {
	uint64_t t;
	char dev[16];
	bool fail;
};

/* One host's history. */
struct ghist {
	const char *file;
	struct grec *r;
	size_t n, cap;
	uint64_t maxseq, t0_mono;
	uint64_t space;          /* its writes' version space (history.h) */
	bool has_writes;
	uint64_t lag_ns;         /* its clock may have started this much after the first history's */
	uint64_t *map;           /* version sequence -> the data oracle's version */
	struct pevent pe[GUEST_PATH_EVENTS_MAX];
	unsigned npe;
};

static struct ghist HS[GUEST_HISTORIES_MAX];
static unsigned NH;

static int usage(const char *why)
{
	fprintf(stderr, "isim guest-check: %s\n", why);
	fputs("usage: isim guest-check --scenario FILE --history FILE [--dmesg FILE] [--history FILE [--dmesg FILE]]...\n"
	      "                        [--protocol-violations N] [--label NAME] [--row FILE] [--wall S]\n", stderr);
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
			r->vers[i] = OHIST_CORRUPT;
		else if (tok[0] == 'x')
			r->vers[i] = OHIST_WRONG_LBA | strtoull(tok + 1, NULL, 10);
		else
			r->vers[i] = strtoull(tok, NULL, 10);
		i++;
	}
	return i == r->n;
}

/* A path event of history h at t (ns from its start, +1). */
static void path_event(struct ghist *h, uint64_t t, bool fail, const char *dev, int len)
{
	if (h->npe >= GUEST_PATH_EVENTS_MAX)
		return;
	struct pevent *e = &h->pe[h->npe++];
	e->t = t;
	e->fail = fail;
	snprintf(e->dev, sizeof(e->dev), "%.*s", len, dev);
}

/* One history line into h; false: malformed. */
static bool parse_line(struct ghist *h, char *line)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4096;
		struct grec *nr = realloc(h->r, cap * sizeof(*nr));
		if (nr == NULL)
			return false;
		h->r = nr;
		h->cap = cap;
	}
	struct grec r = { .op = line[0] };
	unsigned long long a, b, c, d, e;
	int fua, err, used = 0;
	char what[8];
	switch (line[0]) {
	case 'T':
		return sscanf(line, "T %llu", &a) == 1 && (h->t0_mono = a, true);
	case 'P':
		if (sscanf(line, "P %llu %7s %n", &a, what, &used) != 2 || used == 0 ||
			(strcmp(what, "fail") != 0 && strcmp(what, "back") != 0))
			return false;
		path_event(h, a + 1, what[0] == 'f', line + used, (int)strcspn(line + used, " \n"));
		return true;
	case 'E':
	case '\n':
	case '\0':
		return true;
	case 'W':
		if (sscanf(line, "W %llu %llu %llu %d %llu %llu %d", &a, &b, &c, &fua, &d, &e, &err) != 7 ||
			(a & OHIST_VER_SEQ_MASK) == 0 || c == 0 || c > ODATA_WRITE_BLOCKS_MAX)
			return false;
		/* one history, one writer: one version space */
		if (h->has_writes && a >> OHIST_VER_SPACE_SHIFT != h->space)
			return false;
		h->has_writes = true;
		h->space = a >> OHIST_VER_SPACE_SHIFT;
		r.ver = a, r.lba = b, r.n = (uint32_t)c, r.fua = fua != 0, r.inv = d + 1, r.end = e + 1, r.err = err;
		if ((a & OHIST_VER_SEQ_MASK) > h->maxseq)
			h->maxseq = a & OHIST_VER_SEQ_MASK;
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
	h->r[h->n++] = r;
	return true;
}

static int read_history(struct ghist *h)
{
	FILE *f = fopen(h->file, "r");
	if (f == NULL) {
		fprintf(stderr, "isim guest-check: cannot read %s: %s\n", h->file, strerror(errno));
		return 2;
	}
	static char line[GUEST_LINE_MAX];
	unsigned no = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		no++;
		if (!parse_line(h, line)) {
			fprintf(stderr, "isim guest-check: %s:%u: not a history record (oracle/history.h), or a write "
				"outside the history's version space\n", h->file, no);
			fclose(f);
			return 2;
		}
	}
	fclose(f);
	return 0;
}

/* dm-multipath's kernel lines: "[  12.345678] device-mapper: multipath:
 * 253:0: Failing path 8:16." and, where the kernel says it, "Reinstating
 * path". Kernel time is CLOCK_MONOTONIC, the history's too (its T line). */
static void read_dmesg(struct ghist *h, const char *file)
{
	FILE *f = fopen(file, "r");
	if (f == NULL)
		return;
	static char line[GUEST_LINE_MAX];
	while (fgets(line, sizeof(line), f) != NULL) {
		double ks;
		const char *fail = strstr(line, "Failing path "), *back = strstr(line, "einstating path ");
		if ((fail == NULL && back == NULL) || sscanf(line, "[%lf]", &ks) != 1)
			continue;
		uint64_t kt = (uint64_t)(ks * 1e9);
		const char *d = fail != NULL ? fail + strlen("Failing path ") : back + strlen("einstating path ");
		path_event(h, kt > h->t0_mono ? kt - h->t0_mono + 1 : 1, fail != NULL, d, (int)strcspn(d, ". \n"));
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
	if (x->hist != y->hist)
		return x->hist < y->hist ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/* Paths of h failed at t (by its path events); *since: when the earliest
 * of them failed (its last failure up to t). */
static unsigned failed_at(const struct ghist *h, uint64_t t, uint64_t *since)
{
	char devs[SIM_PATHS_MAX * 2][16];
	bool down[SIM_PATHS_MAX * 2] = { false };
	uint64_t at[SIM_PATHS_MAX * 2] = { 0 };
	unsigned nd = 0, nfailed = 0;
	for (unsigned i = 0; i < h->npe; i++) {
		unsigned k = 0;
		while (k < nd && strcmp(devs[k], h->pe[i].dev) != 0)
			k++;
		if (k == nd && nd < SIM_PATHS_MAX * 2)
			snprintf(devs[nd++], sizeof(devs[0]), "%s", h->pe[i].dev);
		if (k < nd && h->pe[i].t <= t) {
			down[k] = h->pe[i].fail;
			at[k] = h->pe[i].t;
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

/* The data oracle's version of a version a block named, or one it never
 * gave (1 << 62 and up) when no history began such a write. */
static uint64_t od_version(uint64_t v)
{
	uint64_t space = v >> OHIST_VER_SPACE_SHIFT, seq = v & OHIST_VER_SEQ_MASK;
	for (unsigned k = 0; k < NH; k++)
		if (HS[k].has_writes && HS[k].space == space && seq <= HS[k].maxseq && HS[k].map[seq] != 0)
			return HS[k].map[seq];
	return (1ull << 62) + v;
}

/* The replay into the data oracle: every history's I/O merged in time
 * order, a later history's ends stretched by its lag. */
static void replay_data(struct odata *od, const struct sim_params *p)
{
	size_t total = 0;
	for (unsigned k = 0; k < NH; k++)
		total += HS[k].n;
	struct gev *ev = calloc(total * 2 + 1, sizeof(*ev));
	uint8_t *buf = malloc((size_t)ODATA_WRITE_BLOCKS_MAX * p->block_size);
	if (ev == NULL || buf == NULL) {
		fprintf(stderr, "isim guest-check: out of memory\n");
		exit(2);
	}
	size_t n = 0;
	for (unsigned k = 0; k < NH; k++)
		for (size_t i = 0; i < HS[k].n; i++) {
			const struct grec *r = &HS[k].r[i];
			ev[n++] = (struct gev){ .t = r->inv, .hist = k, .rec = (unsigned)i, .end = false };
			ev[n++] = (struct gev){ .t = r->end + HS[k].lag_ns, .hist = k, .rec = (unsigned)i, .end = true };
		}
	qsort(ev, n, sizeof(*ev), ev_cmp);
	for (size_t i = 0; i < n; i++) {
		struct ghist *h = &HS[ev[i].hist];
		struct grec *r = &h->r[ev[i].rec];
		uint64_t t = ev[i].t;
		if (!ev[i].end) {
			if (r->op == 'W')
				h->map[r->ver & OHIST_VER_SEQ_MASK] = r->odver =
					odata_begin(od, OD_WRITE, r->lba, r->n, r->fua, t);
			else if (r->op != 'F')
				r->token = odata_read_begin(od, t);
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
				if (v == OHIST_CORRUPT)
					memset(blk, 0xa5, p->block_size); /* corrupt as it was */
				else if (v & OHIST_WRONG_LBA)
					block_fill(blk, p->block_size, v & ~OHIST_WRONG_LBA, 1);
				else if (v == 0)
					memset(blk, 0, p->block_size);
				else
					block_fill(blk, p->block_size, r->lba + b, od_version(v));
			}
			if (r->err == 0)
				odata_read_check(od, r->lba, r->n, buf, r->inv, t);
		}
	}
	free(ev);
	free(buf);
}

/* One host's share of the metrics, from its history alone (its own
 * clock), as the workload's stats (initiator/workload.h) so that the
 * hosts add up as the simulator's do. */
static void measure_host(const struct ghist *h, const struct sim_params *p, uint64_t first_fault,
	struct wl_stats *s)
{
	memset(s, 0, sizeof(*s));
	tput_init(&s->tput);
	s->failover_ns = SIM_NEVER;
	struct gev *ev = calloc(h->n * 2 + 1, sizeof(*ev));
	if (ev == NULL) {
		fprintf(stderr, "isim guest-check: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < h->n; i++) {
		ev[2 * i] = (struct gev){ .t = h->r[i].inv, .rec = (unsigned)i, .end = false };
		ev[2 * i + 1] = (struct gev){ .t = h->r[i].end, .rec = (unsigned)i, .end = true };
	}
	qsort(ev, h->n * 2, sizeof(*ev), ev_cmp);
	uint64_t outstanding = 0, busy_since = 0, last_good = 0;
	for (size_t i = 0; i < h->n * 2; i++) {
		const struct grec *r = &h->r[ev[i].rec];
		uint64_t t = ev[i].t;
		if (r->op == 'V') /* the read-back: checked, not workload */
			continue;
		if (!ev[i].end) {
			if (outstanding++ == 0)
				busy_since = t;
			continue;
		}
		uint64_t since = busy_since > last_good ? busy_since : last_good;
		if ((r->err == 0 || outstanding == 1) && t - since > s->stall_max_ns)
			s->stall_max_ns = t - since;
		outstanding--;
		if (r->end - r->inv > s->latency_max_ns)
			s->latency_max_ns = r->end - r->inv;
		enum wl_op op = r->op == 'W' ? (r->fua ? WL_WRITE_FUA : WL_WRITE) : r->op == 'F' ? WL_FLUSH : WL_READ;
		if (r->err != 0) {
			s->failed[op]++;
			s->no_path++; /* the application sees EIO only: every failure counts as no path */
			continue;
		}
		s->ok[op]++;
		last_good = t;
		/* an I/O in flight when a path failed, done GOOD while that
		 * path is still down and another is up: it moved (the
		 * simulator's measure: through another gateway than the one it
		 * was first sent to); one sent after a failure, or after a
		 * reinstatement while the other path is down, did not move */
		uint64_t down_since;
		unsigned down;
		if (s->failover_ns == SIM_NEVER && first_fault != SIM_NEVER && t > first_fault &&
			(down = failed_at(h, t, &down_since)) > 0 && down < (unsigned)p->paths && r->inv < down_since)
			s->failover_ns = t - first_fault;
	}
	free(ev);
}

/* The data oracle numbers versions its own way: which host's write, by
 * its history's number, is the one its first violation names. */
static void name_version(uint64_t odver)
{
	for (unsigned k = 0; k < NH; k++)
		for (size_t i = 0; i < HS[k].n; i++)
			if (HS[k].r[i].op == 'W' && HS[k].r[i].odver == odver) {
				const struct grec *r = &HS[k].r[i];
				printf("  data oracle: its version %llu is %s's write %llu (lba %llu, %u blocks, %.6f-%.6f s, %s)\n",
					(unsigned long long)odver, base_name(HS[k].file), (unsigned long long)r->ver,
					(unsigned long long)r->lba, r->n, (double)(r->inv - 1) / 1e9, (double)(r->end - 1) / 1e9,
					r->err == 0 ? "acknowledged" : "failed");
				return;
			}
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
	const char *scn = NULL, *label = "guest", *row = NULL;
	unsigned long long proto = 0;
	double wall = 0;
	const char *dmesg[GUEST_HISTORIES_MAX] = { NULL };
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("every option takes a value");
		const char *a = argv[i], *v = argv[++i];
		char *end = NULL;
		if (strcmp(a, "--scenario") == 0)
			scn = v;
		else if (strcmp(a, "--history") == 0 && NH < GUEST_HISTORIES_MAX)
			HS[NH++].file = v;
		else if (strcmp(a, "--dmesg") == 0 && NH > 0)
			dmesg[NH - 1] = v;
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
			snprintf(why, sizeof(why), "bad option or value '%s %s' (--dmesg follows its --history; at most "
				"%u histories)", a, v, GUEST_HISTORIES_MAX);
			return usage(why);
		}
	}
	if (scn == NULL || NH == 0)
		return usage("--scenario and --history are required");
	static struct sim_params sp;
	static struct scenario_expect se;
	if (proxy_cli_scenario(scn, &sp, &se) != 0)
		return 2;
	for (unsigned k = 0; k < NH; k++) {
		struct ghist *h = &HS[k];
		int rc = read_history(h);
		if (rc != 0)
			return rc;
		if (dmesg[k] != NULL)
			read_dmesg(h, dmesg[k]);
		h->lag_ns = k > 0 ? GUEST_START_LAG_NS_MAX : 0;
		for (unsigned j = 0; j < k; j++)
			if (h->has_writes && HS[j].has_writes && HS[j].space == h->space) {
				fprintf(stderr, "isim guest-check: %s and %s number their writes in one version space (%llu): "
					"a block read back could name either (guest_writer ver_base=)\n", HS[j].file, h->file,
					(unsigned long long)h->space);
				return 2;
			}
		h->map = calloc(h->maxseq + 1, sizeof(uint64_t));
		if (h->map == NULL) {
			fprintf(stderr, "isim guest-check: out of memory\n");
			return 2;
		}
	}
	uint64_t first_fault = SIM_NEVER;
	for (unsigned i = 0; i < sp.faults.n; i++)
		if (sp.faults.f[i].at_ns + 1 < first_fault)
			first_fault = sp.faults.f[i].at_ns + 1;
	static struct odata od;
	odata_init(&od, &host_mem, sp.blocks, sp.block_size, true);
	od.black_box = true;
	od.torn_reads_ok = true; /* real targets run overlapping commands concurrently (oracle/data.h) */
	replay_data(&od, &sp);
	static struct sim_result r;
	static const struct mpath no_mpath; /* the guest's multipath counts only its path failures */
	metrics_begin(&r.metrics);
	for (unsigned k = 0; k < NH; k++) {
		static struct wl_stats s;
		const struct ghist *h = &HS[k];
		unsigned long long fails = 0, back = 0;
		for (unsigned i = 0; i < h->npe; i++)
			h->pe[i].fail ? fails++ : back++;
		measure_host(h, &sp, first_fault, &s);
		metrics_add_host(&r.metrics, &s, &no_mpath, fails);
		uint64_t ok = 0, failed = 0;
		for (int op = 0; op < WL_OPS; op++)
			ok += s.ok[op], failed += s.failed[op];
		char fo[32] = "-";
		if (s.failover_ns != SIM_NEVER)
			snprintf(fo, sizeof(fo), "%.1f", (double)s.failover_ns / 1e9);
		printf("  history %u (%s): %llu I/Os, %llu failed up, fail over %s s, longest I/O %.1f s, longest stall "
			"%.1f s, %llu path failures, %llu reinstated%s\n", k, base_name(h->file),
			(unsigned long long)(ok + failed), (unsigned long long)failed, fo, (double)s.latency_max_ns / 1e9,
			(double)s.stall_max_ns / 1e9, fails, back, dmesg[k] != NULL ? " (kernel log)" : "");
	}
	metrics_end(&r.metrics, (int)NH);
	r.oracle = od.violations > 0 ? ORACLE_DATA : proto > 0 ? ORACLE_PROTOCOL : ORACLE_NONE;
	struct expect_verdict v;
	live_judge(&se, &r, measured_guest, &v);
	const int64_t *m = r.metrics.v;
	printf("  data oracle: %llu writes (%llu acknowledged), %llu reads checked (%llu blocks), %u histor%s%s%s\n",
		(unsigned long long)od.stats.versions, (unsigned long long)od.stats.acked,
		(unsigned long long)od.stats.reads_checked, (unsigned long long)od.stats.blocks_checked, NH,
		NH == 1 ? "y" : "ies in one oracle", od.violations > 0 ? ": " : ", no violation",
		od.violations > 0 ? od.why : "");
	if (od.violations > 0 && od.where.known)
		name_version(od.where.ver);
	if (od.stats.torn_reads > 0)
		printf("  data oracle: %llu torn reads forgiven (a write to the block was landing during the read)\n",
			(unsigned long long)od.stats.torn_reads);
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
	for (unsigned k = 0; k < NH; k++) {
		for (size_t i = 0; i < HS[k].n; i++)
			free(HS[k].r[i].vers);
		free(HS[k].r);
		free(HS[k].map);
	}
	return v.met ? 0 : 1;
}
