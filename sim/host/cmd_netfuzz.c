/* host/cmd_netfuzz: `isim netfuzz`, the network fuzzer's command line and
 * run loop (host/netfuzz.h; fuzz/README.md, "Network fuzzer").
 *
 *   isim netfuzz --url iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN
 *                [--seconds N | --cases N] [--seed N] [--chap USER:SECRET]
 *                [--mutual USER:SECRET] [--rate CASES_PER_S] [--mutator NAME]
 *                [--case-timeout S] [--probe-timeout S] [--restart-wait S]
 *                [--out DIR] [--no-minimize] [--min-tests N] [--min-seconds S]
 *                [--stop-on-finding] [--replay FILE|DIR] [--minimize FILE|DIR] [--reset-cmd CMD]
 *                [--show N] [--list] [-v]
 *                [--cov-map FILE] [--no-guide] [--seeds DIR] [--mutate-pct N] [--progress-cases N]
 *
 * Loopback only (127.0.0.0/8, ::1), with no override: it breaks protocol
 * rules and writes to the LU on purpose. Writes a pattern to the
 * protected blocks, then runs cases (seed, 0), (seed, 1), ... at most
 * --rate a second until --seconds or --cases run out. A case whose
 * outcome is not ok is a finding: the first of each (class, mutator) is
 * saved as DIR/finding-K-CLASS-MUTATOR.orig.case, run again, minimized
 * into DIR/finding-K-CLASS-MUTATOR.case, its detail and PDUs in .log.
 * Ends with "netfuzz: N cases in S s, F findings"; exit 0 when F is 0, 1
 * when not, 2 for a bad command line or a target it cannot set up.
 * --replay FILE runs that one case: exit 0 when its outcome is the
 * file's `expect` (ok when it has none).
 *
 * A finding that does not show again alone may need the cases before it
 * (nf_seq.c): those run since the target last restarted are saved as
 * DIR/finding-K-CLASS-MUTATOR.history/NNN.case (the finding last). With
 * --reset-cmd CMD (a shell command that restarts the target: the
 * fuzzer cannot know one) the sequence is tried from a reset target and,
 * if it shows the finding, shrunk over whole cases and then the last
 * case's steps into DIR/finding-K-CLASS-MUTATOR.seq/. --replay DIR runs a
 * directory's cases in name order (after --reset-cmd, if given) and
 * judges the last one's `expect`. --minimize FILE|DIR shrinks a saved
 * case or sequence again (with --min-tests and --min-seconds, e.g. a
 * longer budget than the run had) into OUT/minimized.case or
 * OUT/minimized.seq/, when it still shows its `expect`. --show N prints case N of the
 * run (seed, URL, --mutator) as a file, sending nothing.
 *
 * Coverage-guided mode (nf_cov.c, nf_mut.c): with --cov-map FILE (or
 * RT_NETCOV_MAP in the environment), the edge map of a reftarget built by
 * `make netfuzz-cov` and started with RT_NETCOV_MAP=FILE, a case that
 * reaches a new edge joins the corpus (and DIR/corpus/) and
 * --mutate-pct (60) of the cases are mutations of kept ones; --no-guide
 * measures the edges without keeping anything (the baseline). --seeds DIR
 * runs DIR's *.case files first and mutates from them too. Progress lines
 * ("progress: ...") every NF_PROGRESS_S seconds, or every N cases with
 * --progress-cases N (to compare runs case for case); with a map, a line
 * "coverage: E of T edges ..." before the last.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sim/host/isim.h"
#include "sim/host/netfuzz.h"

#define NF_RATE_DEFAULT 20u           /* cases a second at most */
#define NF_RATE_MAX 1000u
#define NF_CASE_TIMEOUT_S 10u
#define NF_PROBE_TIMEOUT_S 3u
#define NF_RESTART_WAIT_S 10u
#define NF_MIN_TESTS_DEFAULT 150u
#define NF_MIN_SECONDS_DEFAULT 120u
#define NF_FINDINGS_MAX 64u           /* distinct (class, mutator) findings kept */
#define NF_AGAIN_TRIES 3u             /* runs of a finding (alone, then as a sequence) before it is not shown again */
#define NF_SECONDS_MAX (7u * 24u * 3600u)
#define NF_S 1000000000ull
#define NF_PROGRESS_S 10u             /* a progress line at least this often */
#define NF_MUTATE_PCT_DEFAULT 60u     /* of the cases, when there is a corpus: mutations of it */

struct nf_opts {
	struct nf_config cfg;
	const char *url, *chap, *mutual, *out, *replay, *only, *cov_map, *seeds, *reminimize;
	struct nf_history hist;   /* the cases run since the target last restarted */
	uint64_t seconds, cases;
	uint64_t rate;
	uint64_t min_tests, min_seconds;
	uint64_t show, mutate_pct, progress_cases;
	bool minimize, list, have_show, stop_on_finding, no_guide;
};

struct finding {
	enum nf_class cls;
	const char *mutator;
	uint64_t first_case, seen;
	char file[4300]; /* a base of 4000 and a suffix */
	unsigned steps, cases;    /* cases: a sequence's (1 for a lone case) */
	bool minimized, flaky;
};

static int nf_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int nf_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("isim netfuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fputs("usage: isim netfuzz --url iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN [--seconds N | --cases N]\n"
	      "         [--seed N] [--chap USER:SECRET] [--mutual USER:SECRET] [--rate CASES_PER_S]\n"
	      "         [--mutator NAME] [--case-timeout S] [--probe-timeout S] [--restart-wait S] [--out DIR]\n"
	      "         [--no-minimize] [--min-tests N] [--min-seconds S] [--stop-on-finding] [--replay FILE|DIR]\n"
	      "         [--minimize FILE|DIR] [--reset-cmd CMD]\n"
	      "         [--show N] [--list] [-v] [--cov-map FILE] [--no-guide] [--seeds DIR] [--mutate-pct N]\n"
	      "         [--progress-cases N]\n",
		stderr);
	return 2;
}

static bool split_cred(const char *s, char *user, char *secret)
{
	const char *m = strchr(s, ':');
	if (m == NULL || m == s || m[1] == '\0' || (size_t)(m - s) >= PS_CRED_MAX || strlen(m + 1) >= PS_CRED_MAX)
		return false;
	memcpy(user, s, (size_t)(m - s));
	user[m - s] = '\0';
	strcpy(secret, m + 1);
	return true;
}

static int number(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *e;
	errno = 0;
	unsigned long long n = strtoull(v, &e, 10);
	if (*v == '\0' || *v == '-' || *e != '\0' || errno != 0 || n < lo || n > hi)
		return nf_usage("%s '%s': a whole number %llu..%llu", opt, v, (unsigned long long)lo, (unsigned long long)hi);
	*out = n;
	return 0;
}

static int parse_args(int argc, char **argv, struct nf_opts *o)
{
	uint64_t case_s = NF_CASE_TIMEOUT_S, probe_s = NF_PROBE_TIMEOUT_S, restart_s = NF_RESTART_WAIT_S;
	o->cfg.seed = 1;
	o->rate = NF_RATE_DEFAULT;
	o->min_tests = NF_MIN_TESTS_DEFAULT;
	o->min_seconds = NF_MIN_SECONDS_DEFAULT;
	o->minimize = true;
	o->out = "build/netfuzz";
	o->mutate_pct = NF_MUTATE_PCT_DEFAULT;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--list") == 0 || strcmp(a, "--no-minimize") == 0 || strcmp(a, "-v") == 0 ||
			strcmp(a, "--stop-on-finding") == 0 || strcmp(a, "--no-guide") == 0) {
			o->list |= a[2] == 'l';
			o->minimize &= strcmp(a, "--no-minimize") != 0;
			o->cfg.verbose |= a[1] == 'v';
			o->stop_on_finding |= a[2] == 's';
			o->no_guide |= strcmp(a, "--no-guide") == 0;
			continue;
		}
		if (i + 1 >= argc)
			return nf_usage("%s: unknown option or missing value", a);
		const char *v = argv[++i];
		int rc = 0;
		if (strcmp(a, "--url") == 0)
			o->url = v;
		else if (strcmp(a, "--chap") == 0)
			o->chap = v;
		else if (strcmp(a, "--mutual") == 0)
			o->mutual = v;
		else if (strcmp(a, "--out") == 0)
			o->out = v;
		else if (strcmp(a, "--replay") == 0)
			o->replay = v;
		else if (strcmp(a, "--minimize") == 0)
			o->reminimize = v;
		else if (strcmp(a, "--reset-cmd") == 0 && v[0] != '\0')
			o->cfg.reset_cmd = v;
		else if (strcmp(a, "--mutator") == 0)
			o->only = v;
		else if (strcmp(a, "--cov-map") == 0)
			o->cov_map = v;
		else if (strcmp(a, "--seeds") == 0)
			o->seeds = v;
		else if (strcmp(a, "--mutate-pct") == 0)
			rc = number(a, v, 0, 100, &o->mutate_pct);
		else if (strcmp(a, "--progress-cases") == 0)
			rc = number(a, v, 1, UINT32_MAX, &o->progress_cases);
		else if (strcmp(a, "--seed") == 0)
			rc = number(a, v, 0, UINT64_MAX, &o->cfg.seed);
		else if (strcmp(a, "--seconds") == 0)
			rc = number(a, v, 1, NF_SECONDS_MAX, &o->seconds);
		else if (strcmp(a, "--cases") == 0)
			rc = number(a, v, 1, UINT32_MAX, &o->cases);
		else if (strcmp(a, "--rate") == 0)
			rc = number(a, v, 1, NF_RATE_MAX, &o->rate);
		else if (strcmp(a, "--case-timeout") == 0)
			rc = number(a, v, 1, 600, &case_s);
		else if (strcmp(a, "--probe-timeout") == 0)
			rc = number(a, v, 1, 600, &probe_s);
		else if (strcmp(a, "--restart-wait") == 0)
			rc = number(a, v, 0, 3600, &restart_s);
		else if (strcmp(a, "--min-tests") == 0)
			rc = number(a, v, 1, 100000, &o->min_tests);
		else if (strcmp(a, "--min-seconds") == 0)
			rc = number(a, v, 1, 86400, &o->min_seconds);
		else if (strcmp(a, "--show") == 0 && (o->have_show = true))
			rc = number(a, v, 0, UINT32_MAX, &o->show);
		else
			return nf_usage("unknown option '%s'", a);
		if (rc != 0)
			return rc;
	}
	o->cfg.case_timeout_ns = case_s * NF_S;
	o->cfg.probe_timeout_ns = probe_s * NF_S;
	o->cfg.restart_wait_ns = restart_s * NF_S;
	if (o->list)
		return 0;
	if (o->url == NULL)
		return nf_usage("--url is required");
	char why[256];
	if (!ps_parse_url(o->url, &o->cfg.ps.t1, &o->cfg.ps, true, why, sizeof(why)))
		return nf_usage("--url: %s", why);
	if (!pw_is_loopback(o->cfg.ps.t1.host))
		return nf_usage("%s is not a loopback address: the network fuzzer talks only to 127.0.0.0/8 or ::1, "
				"with no override (run the target in a private network namespace, fuzz/README.md)",
			o->cfg.ps.t1.host);
	if (o->chap != NULL && !split_cred(o->chap, o->cfg.ps.chap_user, o->cfg.ps.chap_secret))
		return nf_usage("--chap: USER:SECRET");
	if (o->mutual != NULL && !split_cred(o->mutual, o->cfg.ps.mutual_user, o->cfg.ps.mutual_secret))
		return nf_usage("--mutual: USER:SECRET");
	if (o->mutual != NULL && o->cfg.ps.chap_user[0] == '\0')
		return nf_usage("--mutual needs --chap");
	if (o->only != NULL) {
		bool found = false;
		for (unsigned i = 0; i < nf_mutators_n; i++)
			found |= strcmp(o->only, nf_mutators[i].name) == 0;
		if (!found)
			return nf_usage("--mutator %s: no such mutator (isim netfuzz --list)", o->only);
	}
	if (o->replay == NULL && o->reminimize == NULL && !o->have_show && o->seconds == 0 && o->cases == 0)
		return nf_usage("--seconds or --cases is required");
	o->cfg.ps.allow_remote = false;
	/* The coverage map's file may also come from the environment the
	 * coverage reftarget was started with (as AFL's __AFL_SHM_ID does):
	 * host/ reads the command line and the environment, the core never. */
	const char *env_map = getenv(NETCOV_ENV); /* host/ is the OS boundary (DESIGN.md): the command's environment, read once here, never by the core */
	if (o->cov_map == NULL && env_map != NULL && env_map[0] != '\0')
		o->cov_map = env_map;
	return 0;
}

static void sleep_until(uint64_t t_ns)
{
	uint64_t now = pw_now_ns();
	if (now >= t_ns)
		return;
	pw_sleep_ns(t_ns - now);
}

static void write_log(const char *path, const struct nf_case *c, const struct nf_outcome *out)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	fprintf(f, "class %s\nmutator %s\nseed %llu case %llu\ndetail %s\nPDUs (-> to the target, <- from it):\n%s",
		nf_class_name(out->cls), c->mutator, (unsigned long long)c->seed, (unsigned long long)c->index,
		out->detail, out->pdus);
	fclose(f);
}

/* A finding that did not show alone: save the cases before it, and where
 * the target can be reset, try them as a sequence and shrink it. */
static void keep_sequence(struct nf_opts *o, struct finding *fd, const char *base, struct nf_case *c)
{
	struct nf_history *h = &o->hist;
	if (h->n == 0) {
		printf("  no case ran before it since the target's last restart: kept unminimized\n");
		return;
	}
	static struct nf_case *all[NF_HISTORY_MAX + 1], *seq[NF_HISTORY_MAX + 1];
	unsigned n = h->n + 1;
	memcpy(all, h->e, h->n * sizeof(all[0]));
	all[h->n] = c; /* saved and run, not changed */
	char dir[4200], why[512];
	snprintf(dir, sizeof(dir), "%s.history", base);
	if (nf_seq_save(all, n, dir, why, sizeof(why)) != 0) {
		printf("  the cases before it were not saved: %s\n", why);
		return;
	}
	printf("  the %u cases before it since the target's last restart%s: %s/\n", h->n,
		h->dropped_before ? " (the older ones dropped: NF_HISTORY_MAX)" : "", dir);
	if (o->cfg.reset_cmd == NULL) {
		printf("  (give --reset-cmd to try them as a sequence from a restarted target and shrink it)\n");
		return;
	}
	static struct nf_outcome out;
	unsigned at = n;
	enum nf_class cls = NF_OK;
	unsigned tries = 0;
	while (tries < NF_AGAIN_TRIES && !(cls == fd->cls && at == n - 1)) {
		tries++;
		cls = nf_seq_try(&o->cfg, all, n, fd->cls, &at, &out);
	}
	if (cls != fd->cls || at != n - 1) {
		if (at < n)
			printf("  not shown again after them either (%u tries; the last: %s at case %u of %u): kept "
			       "unminimized\n", tries, nf_class_name(cls), at + 1, n);
		else
			printf("  not shown again after them either (%u tries; the last: %s after all %u): kept unminimized\n",
				tries, nf_class_name(cls), n);
		return;
	}
	/* Shrink copies: the history's cases are the history's. */
	for (unsigned i = 0; i < n; i++) {
		seq[i] = malloc(sizeof(*seq[i]));
		if (seq[i] == NULL) {
			while (i > 0) {
				nf_case_free(seq[--i]);
				free(seq[i]);
			}
			return;
		}
		nf_case_copy(seq[i], all[i]);
	}
	memcpy(all, seq, n * sizeof(all[0])); /* every copy, to free whatever the shrinking drops */
	unsigned kept = n;
	struct nf_min_stats st;
	nf_seq_minimize(&o->cfg, seq, &kept, fd->cls, (unsigned)o->min_tests, pw_now_ns() + o->min_seconds * NF_S, &st);
	snprintf(dir, sizeof(dir), "%s.seq", base);
	snprintf(seq[kept - 1]->expect, sizeof(seq[kept - 1]->expect), "%s", nf_class_name(fd->cls));
	if (nf_seq_save(seq, kept, dir, why, sizeof(why)) == 0) {
		snprintf(fd->file, sizeof(fd->file), "%s/", dir);
		fd->cases = kept;
		fd->steps = st.steps_after;
		fd->minimized = true;
		fd->flaky = false;
		printf("  minimized as a sequence: %u -> %u cases, %u -> %u steps, %llu -> %llu data bytes, %u runs: %s/\n",
			st.cases_before, st.cases_after, st.steps_before, st.steps_after,
			(unsigned long long)st.bytes_before, (unsigned long long)st.bytes_after, st.tests, dir);
	} else {
		printf("  the shrunk sequence was not saved: %s\n", why);
	}
	for (unsigned i = 0; i < n; i++) {
		nf_case_free(all[i]);
		free(all[i]);
	}
}

/* A new finding: save, confirm, minimize, save again. */
static void keep_finding(struct nf_opts *o, struct finding *fd, unsigned k, struct nf_case *c,
	const struct nf_outcome *first)
{
	char base[4000], path[4096];
	snprintf(base, sizeof(base), "%s/finding-%u-%s-%s", o->out, k, nf_class_name(fd->cls), c->mutator);
	snprintf(c->expect, sizeof(c->expect), "%s", nf_class_name(fd->cls));
	snprintf(path, sizeof(path), "%s.orig.case", base);
	nf_case_save(c, path);
	snprintf(path, sizeof(path), "%s.log", base);
	write_log(path, c, first);
	snprintf(fd->file, sizeof(fd->file), "%s.orig.case", base);
	fd->steps = c->n;
	fd->cases = 1;
	if (!o->minimize)
		return;
	static struct nf_outcome again;
	/* A race may need more than one go (a target's threads, the
	 * kernel's scheduling): NF_AGAIN_TRIES before it counts as not
	 * showing alone. */
	unsigned tries = 0;
	enum nf_class cls = NF_OK;
	while (tries < NF_AGAIN_TRIES && cls != fd->cls) {
		tries++;
		cls = nf_try(&o->cfg, c, &again);
	}
	if (cls != fd->cls) {
		fd->flaky = true;
		printf("  did not show again alone in %u tries (the last: %s%s%s)\n", tries, nf_class_name(again.cls),
			again.detail[0] ? ": " : "", again.detail);
		keep_sequence(o, fd, base, c);
		return;
	}
	static struct nf_case m;
	nf_case_copy(&m, c);
	struct nf_min_stats st;
	nf_minimize(&o->cfg, &m, fd->cls, (unsigned)o->min_tests, pw_now_ns() + o->min_seconds * NF_S, &st);
	snprintf(path, sizeof(path), "%s.case", base);
	nf_case_save(&m, path);
	snprintf(fd->file, sizeof(fd->file), "%s", path);
	fd->steps = m.n;
	fd->minimized = true;
	printf("  minimized: %u -> %u steps, %llu -> %llu data bytes, %u runs: %s\n", st.steps_before, st.steps_after,
		(unsigned long long)st.bytes_before, (unsigned long long)st.bytes_after, st.tests, path);
	nf_case_free(&m);
}

/* --replay DIR: a saved sequence, its cases in name order from a reset
 * target; judged by the last case's expect. */
static int replay_seq(const struct nf_opts *o)
{
	static struct nf_corpus k;
	char why[512];
	int n = nf_corpus_load(&k, o->replay, why, sizeof(why));
	if (n <= 0 || (unsigned)n > NF_HISTORY_MAX + 1) {
		fprintf(stderr, "isim netfuzz: --replay %s: %s\n", o->replay,
			n < 0 ? why : n == 0 ? "no .case file in it" : "more cases than a sequence holds (NF_HISTORY_MAX + 1)");
		nf_corpus_free(&k);
		return 2;
	}
	if (nf_setup(&o->cfg, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim netfuzz: %s\n", why);
		nf_corpus_free(&k);
		return 2;
	}
	uint64_t t0 = pw_now_ns();
	enum nf_class want = NF_OK;
	const struct nf_case *last = k.e[n - 1];
	if (last->expect[0] != '\0')
		nf_class_parse(last->expect, &want);
	static struct nf_outcome out;
	unsigned at;
	enum nf_class cls = nf_seq_try(&o->cfg, k.e, (unsigned)n, want == NF_OK ? NF_CRASH : want, &at, &out);
	/* "ok" expected: every case ran and none broke the target. */
	bool as_expected = want == NF_OK ? cls <= NF_PROTOCOL : cls == want && at == (unsigned)n - 1;
	char where[32] = "";
	if (at < (unsigned)n)
		snprintf(where, sizeof(where), " at case %u", at + 1);
	printf("replay %s (%d cases%s): %s%s (expected %s at case %d)\n", o->replay, n,
		o->cfg.reset_cmd ? ", after --reset-cmd" : "", nf_class_name(cls), where, nf_class_name(want), n);
	if (cls != NF_OK)
		printf("  %s\n", out.detail);
	printf("netfuzz: %d cases in %.1f s, %u findings\n", n, (double)(pw_now_ns() - t0) / 1e9, cls != NF_OK);
	nf_corpus_free(&k);
	return as_expected ? 0 : 1;
}

/* --minimize FILE|DIR: a saved finding shrunk again, with this run's
 * budget; 0 when it still showed its expect and was saved, 1 when not. */
static int reminimize(const struct nf_opts *o)
{
	static struct nf_corpus k;
	char why[512], dir[4200];
	struct stat sb;
	bool is_dir = stat(o->reminimize, &sb) == 0 && S_ISDIR(sb.st_mode);
	int n;
	if (is_dir) {
		n = nf_corpus_load(&k, o->reminimize, why, sizeof(why));
	} else {
		static struct nf_case c;
		n = nf_case_load(&c, o->reminimize, why, sizeof(why)) == 0 ? 1 : -1;
		if (n == 1) {
			nf_corpus_add(&k, &c);
			nf_case_free(&c);
		}
	}
	enum nf_class want = NF_OK;
	if (n > 0)
		nf_class_parse(k.e[n - 1]->expect, &want);
	if (n <= 0 || (unsigned)n > NF_HISTORY_MAX + 1 || want == NF_OK) {
		fprintf(stderr, "isim netfuzz: --minimize %s: %s\n", o->reminimize,
			n < 0 ? why : n == 0 ? "no .case file in it" : want == NF_OK ? "its last case expects no finding" :
			"more cases than a sequence holds (NF_HISTORY_MAX + 1)");
		nf_corpus_free(&k);
		return 2;
	}
	if (nf_setup(&o->cfg, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim netfuzz: %s\n", why);
		nf_corpus_free(&k);
		return 2;
	}
	static struct nf_case *seq[NF_HISTORY_MAX + 1];
	memcpy(seq, k.e, (size_t)n * sizeof(seq[0])); /* the corpus keeps every case, to free */
	unsigned kept = (unsigned)n;
	struct nf_min_stats st;
	uint64_t t0 = pw_now_ns(), deadline = t0 + o->min_seconds * NF_S;
	static struct nf_outcome out;
	unsigned at;
	int rc = 1;
	enum nf_class cls = NF_OK;
	unsigned tries = 0;
	at = kept;
	while (tries < NF_AGAIN_TRIES && !(cls == want && at == kept - 1)) {
		tries++;
		cls = nf_seq_try(&o->cfg, seq, kept, want, &at, &out);
	}
	if (cls != want || at != kept - 1) {
		printf("minimize %s: it did not show %s again in %u tries: nothing written\n", o->reminimize,
			nf_class_name(want), tries);
	} else {
		nf_seq_minimize(&o->cfg, seq, &kept, want, (unsigned)o->min_tests, deadline, &st);
		snprintf(seq[kept - 1]->expect, sizeof(seq[kept - 1]->expect), "%s", nf_class_name(want));
		int saved;
		if (kept == 1) {
			snprintf(dir, sizeof(dir), "%s/minimized.case", o->out);
			saved = nf_case_save(seq[0], dir);
		} else {
			snprintf(dir, sizeof(dir), "%s/minimized.seq", o->out);
			saved = nf_seq_save(seq, kept, dir, why, sizeof(why));
		}
		printf("minimize %s: %u -> %u cases, %u -> %u steps, %llu -> %llu data bytes, %u runs in %.0f s: %s\n",
			o->reminimize, st.cases_before, st.cases_after, st.steps_before, st.steps_after,
			(unsigned long long)st.bytes_before, (unsigned long long)st.bytes_after, st.tests,
			(double)(pw_now_ns() - t0) / 1e9, saved == 0 ? dir : "(not saved)");
		rc = saved == 0 ? 0 : 1;
	}
	nf_corpus_free(&k);
	return rc;
}

static int replay(const struct nf_opts *o)
{
	static struct nf_case c;
	char why[512];
	struct stat sb;
	if (stat(o->replay, &sb) == 0 && S_ISDIR(sb.st_mode))
		return replay_seq(o);
	if (nf_case_load(&c, o->replay, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim netfuzz: %s\n", why);
		return 2;
	}
	if (nf_setup(&o->cfg, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim netfuzz: %s\n", why);
		nf_case_free(&c);
		return 2;
	}
	uint64_t t0 = pw_now_ns();
	static struct nf_outcome out;
	nf_run(&o->cfg, &c, &out);
	enum nf_class want = NF_OK;
	if (c.expect[0] != '\0')
		nf_class_parse(c.expect, &want);
	printf("replay %s: %s%s%s (expected %s)\n", o->replay, nf_class_name(out.cls), out.detail[0] ? ": " : "",
		out.detail, nf_class_name(want));
	if (out.cls != NF_OK && o->cfg.verbose)
		printf("%s", out.pdus);
	printf("netfuzz: 1 cases in %.1f s, %u findings\n", (double)(pw_now_ns() - t0) / 1e9, out.cls != NF_OK);
	nf_case_free(&c);
	return out.cls == want ? 0 : 1;
}

/* ---- coverage guidance and seeds ---- */

struct guide {
	bool on;                 /* a coverage map: edges measured */
	struct nf_cov cov;
	struct nf_corpus corpus; /* what mutations start from */
	unsigned nseeds;         /* the first cases of the run are the seeds (--seeds) */
	uint64_t kept_gen, kept_mut;
	char dir[4096];          /* OUT/corpus */
};

static int guide_start(const struct nf_opts *o, struct guide *gd)
{
	char why[512];
	snprintf(gd->dir, sizeof(gd->dir), "%s/corpus", o->out);
	if (o->seeds != NULL) {
		int k = nf_corpus_load(&gd->corpus, o->seeds, why, sizeof(why));
		if (k < 0) {
			fprintf(stderr, "isim netfuzz: --seeds %s\n", why);
			return -1;
		}
		struct sim_rng r;
		rng_stream(&r, o->cfg.seed, "netfuzz.seeds", 0);
		unsigned fixed = 0;
		for (unsigned i = 0; i < gd->corpus.n; i++)
			fixed += nf_case_make_safe(gd->corpus.e[i], &r, &o->cfg);
		gd->nseeds = gd->corpus.n;
		printf("netfuzz: %u seed cases from %s (%u CDBs off the generator's table given one of it)\n", gd->nseeds,
			o->seeds, fixed);
	}
	if (o->cov_map == NULL)
		return 0;
	if (nf_cov_open(&gd->cov, o->cov_map, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim netfuzz: --cov-map: %s\n", why);
		return -1;
	}
	gd->on = true;
	if (!o->no_guide && mkdir(gd->dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "isim netfuzz: %s: %s\n", gd->dir, strerror(errno));
		return -1;
	}
	printf("netfuzz: coverage from %s (%u edges in the target)%s\n", o->cov_map, nf_cov_total(&gd->cov),
		o->no_guide ? ", measured only (--no-guide)" : ", guided: cases with new coverage are kept and mutated");
	return 0;
}

/* Case n of the run: a seed, a mutation of the corpus or a generated one;
 * which, as a word. */
static const char *guide_next(const struct nf_opts *o, struct guide *gd, struct nf_case *c, uint64_t n)
{
	if (n < gd->nseeds) {
		nf_case_copy(c, gd->corpus.e[n]);
		c->seed = o->cfg.seed;
		c->index = n;
		return "seed";
	}
	struct sim_rng r;
	rng_stream(&r, o->cfg.seed, "netfuzz.pick", (uint32_t)n);
	if (gd->corpus.n > 0 && rng_below(&r, 100) < o->mutate_pct) {
		nf_mutate(c, &o->cfg, &gd->corpus, n);
		return "mutated";
	}
	nf_generate(c, &o->cfg, n, o->only);
	return "generated";
}

/* After case c: keep it when it reached something new (guided runs). */
static void guide_after(const struct nf_opts *o, struct guide *gd, const struct nf_case *c, enum nf_class cls,
	const char *how)
{
	unsigned new_edges;
	unsigned feats = nf_cov_collect(&gd->cov, &new_edges);
	/* New edges only: a reftarget's hit counts vary from run to run of the
	 * same case (its event loop turns as the kernel delivers the bytes),
	 * and keeping every new count would keep half the cases. */
	if (o->no_guide || new_edges == 0 || cls != NF_OK)
		return;
	/* A seed is in the memory corpus already; its file is written all the
	 * same, so that OUT/corpus holds every case that reached an edge new to
	 * this run: the minimized corpus a campaign's next run takes as --seeds
	 * (fuzz/scripts/campaign.sh). */
	bool seed = how[0] == 's';
	if (!seed) {
		nf_corpus_add(&gd->corpus, c);
		*(how[0] == 'm' ? &gd->kept_mut : &gd->kept_gen) += 1;
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/cov-%06llu-%s.case", gd->dir, (unsigned long long)c->index, how);
	nf_case_save(c, path);
	if (o->cfg.verbose)
		printf("  case %llu (%s, %s): %u new edges, %u new hit counts: kept\n", (unsigned long long)c->index, how,
			c->mutator, new_edges, feats - new_edges);
}

static void progress(const struct guide *gd, uint64_t n, uint64_t ns, unsigned nfound)
{
	double s = (double)ns / 1e9;
	printf("progress: %llu cases in %.0f s (%.1f/s), %u findings", (unsigned long long)n, s, s > 0 ? (double)n / s : 0.0,
		nfound);
	if (gd->on)
		printf(", %u of %u edges, corpus %u", gd->cov.edges, nf_cov_total(&gd->cov), gd->corpus.n);
	printf("\n");
}

int cmd_netfuzz(int argc, char **argv)
{
	static struct nf_opts o;
	setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows as it happens, also through a pipe */
	int rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc;
	if (o.list) {
		for (unsigned i = 0; i < nf_mutators_n; i++)
			printf("%-16s weight %2u  %s\n", nf_mutators[i].name, nf_mutators[i].weight, nf_mutators[i].what);
		return 0;
	}
	if (o.have_show) { /* the case the run would send as case N, as its file */
		static struct nf_case c;
		nf_generate(&c, &o.cfg, o.show, o.only);
		nf_case_write(&c, stdout);
		nf_case_free(&c);
		return 0;
	}
	if (mkdir(o.out, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "isim netfuzz: --out %s: %s\n", o.out, strerror(errno));
		return 2;
	}
	if (o.replay != NULL)
		return replay(&o);
	if (o.reminimize != NULL)
		return reminimize(&o);
	char why[512];
	if (nf_setup(&o.cfg, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim netfuzz: cannot set up the target: %s\n", why);
		return 2;
	}
	printf("netfuzz: %s:%u %s LUN %llu, seed %llu, at most %llu cases/s; findings go to %s/\n",
		o.cfg.ps.t1.host, o.cfg.ps.t1.port, o.cfg.ps.t1.iqn, (unsigned long long)o.cfg.ps.t1.lun,
		(unsigned long long)o.cfg.seed, (unsigned long long)o.rate, o.out);
	static struct finding found[NF_FINDINGS_MAX];
	unsigned nfound = 0;
	static struct guide gd;
	if (guide_start(&o, &gd) != 0)
		return 2;
	uint64_t t0 = pw_now_ns(), end = o.seconds ? t0 + o.seconds * NF_S : UINT64_MAX, n = 0, fuzz_ns = 0;
	uint64_t next_progress = t0 + NF_PROGRESS_S * NF_S;
	uint64_t per_class[NF_CLASS_COUNT] = { 0 };
	static struct nf_case c;
	static struct nf_outcome out;
	bool target_gone = false;
	for (; (o.cases == 0 || n < o.cases) && pw_now_ns() < end && !target_gone && !(o.stop_on_finding && nfound);
		n++) {
		sleep_until(t0 + fuzz_ns + n * NF_S / o.rate);
		uint64_t ts = pw_now_ns();
		const char *how = guide_next(&o, &gd, &c, n);
		if (gd.on)
			nf_cov_clear(&gd.cov);
		enum nf_class cls = nf_try(&o.cfg, &c, &out);
		bool kept = false;
		per_class[cls]++;
		if (gd.on)
			guide_after(&o, &gd, &c, cls, how);
		if (cls != NF_OK) {
			unsigned k = 0;
			while (k < nfound && !(found[k].cls == cls && strcmp(found[k].mutator, c.mutator) == 0))
				k++;
			if (k < nfound) {
				found[k].seen++;
			} else if (nfound < NF_FINDINGS_MAX) {
				struct finding *fd = &found[nfound++];
				*fd = (struct finding){ .cls = cls, .mutator = c.mutator, .first_case = n, .seen = 1 };
				printf("FINDING %s (%s) case %llu: %s\n", nf_class_name(cls), c.mutator, (unsigned long long)n,
					out.detail);
				uint64_t tm = pw_now_ns();
				keep_finding(&o, fd, nfound, &c, &out);
				/* Its tries left the target in a state no history
				 * tells: start again from a reset one where we can. */
				nf_history_clear(&o.hist);
				if (o.cfg.reset_cmd != NULL && !nf_reset(&o.cfg))
					target_gone = true;
				fuzz_ns += pw_now_ns() - tm; /* the rate applies to fuzzing, not minimizing */
				kept = true;
			}
			if (cls > NF_PROTOCOL && strstr(out.detail, "did not come back") != NULL) {
				printf("netfuzz: the target did not come back within --restart-wait: stopping\n");
				target_gone = true;
			}
		}
		/* A crashed or wedged target came back as a new process (its
		 * supervisor): what ran before it is gone with the old one. */
		if (cls == NF_CRASH || cls == NF_WEDGE)
			nf_history_clear(&o.hist);
		else if (!kept)
			nf_history_add(&o.hist, &c);
		nf_case_free(&c);
		if (o.cfg.verbose)
			fprintf(stderr, "case %llu %s (%s): %s %.3fs\n%s", (unsigned long long)n, c.mutator, how,
				nf_class_name(cls), (double)(pw_now_ns() - ts) / 1e9, out.pdus);
		if (o.progress_cases ? (n + 1) % o.progress_cases == 0 : pw_now_ns() >= next_progress) {
			/* from now: after a long minimizing, not a line a case to catch up */
			next_progress = pw_now_ns() + NF_PROGRESS_S * NF_S;
			progress(&gd, n + 1, pw_now_ns() - t0, nfound);
		}
	}
	double secs = (double)(pw_now_ns() - t0) / 1e9;
	printf("outcomes:");
	for (unsigned i = 0; i < NF_CLASS_COUNT; i++)
		if (per_class[i])
			printf(" %s %llu", nf_class_name((enum nf_class)i), (unsigned long long)per_class[i]);
	printf("\n");
	for (unsigned k = 0; k < nfound; k++)
		printf("  finding %u: %s (%s), first at case %llu, seen %llu times, %u steps%s%s: %s\n", k + 1,
			nf_class_name(found[k].cls), found[k].mutator, (unsigned long long)found[k].first_case,
			(unsigned long long)found[k].seen, found[k].steps,
			found[k].cases > 1 ? " as a sequence of cases" : "",
			found[k].minimized ? " minimized" : found[k].flaky ? " (did not show again)" : "", found[k].file);
	if (gd.on)
		printf("coverage: %u of %u edges after %llu cases; corpus %u cases (%llu generated, %llu mutated, %u seeds)%s%s%s\n",
			gd.cov.edges, nf_cov_total(&gd.cov), (unsigned long long)n, gd.corpus.n,
			(unsigned long long)gd.kept_gen, (unsigned long long)gd.kept_mut, gd.nseeds,
			o.no_guide ? ", not guided (--no-guide)" : "", gd.corpus.n ? " in " : "",
			gd.corpus.n ? gd.dir : "");
	printf("netfuzz: %llu cases in %.1f s, %u findings\n", (unsigned long long)n, secs, nfound);
	nf_corpus_free(&gd.corpus);
	nf_history_clear(&o.hist);
	return nfound == 0 && !target_gone ? 0 : 1;
}
