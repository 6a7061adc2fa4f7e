/* swarm/results: see swarm/results.h. */
#include "sim/swarm/results.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/base/textout.h"
#include "sim/world/world.h"

/* ---- strict values ---- */

static bool why_fmt(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool why_fmt(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return false;
}

/* The decimal number that is all of s[0..len), or false. */
static bool digits_u64(const char *s, size_t len, uint64_t *out, bool *overflow)
{
	uint64_t v = 0;
	*overflow = false;
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			*overflow = true;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static bool part_u64(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out, char *why,
	size_t why_len)
{
	bool overflow;
	if (!digits_u64(s, len, out, &overflow))
		return why_fmt(why, why_len, "'%.*s' is not a number", (int)len, s);
	if (overflow || *out < min || *out > max)
		return why_fmt(why, why_len, "'%.*s' is out of range %" PRIu64 "..%" PRIu64, (int)len, s, min, max);
	return true;
}

bool swarm_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t why_len)
{
	return part_u64(s, strlen(s), min, max, out, why, why_len);
}

bool swarm_parse_range(const char *s, uint64_t *lo, uint64_t *hi, char *why, size_t why_len)
{
	const char *dots = strstr(s, "..");
	if (dots == NULL)
		return why_fmt(why, why_len, "'%s' is not a range A..B (e.g. 1..300)", s);
	char part[128];
	if (!part_u64(s, (size_t)(dots - s), 0, UINT64_MAX, lo, part, sizeof(part)) ||
		!part_u64(dots + 2, strlen(dots + 2), 0, UINT64_MAX, hi, part, sizeof(part)))
		return why_fmt(why, why_len, "'%s' is not a range A..B: %s", s, part);
	if (*lo > *hi)
		return why_fmt(why, why_len, "'%s': A (%" PRIu64 ") is above B (%" PRIu64 "); a range A..B needs A <= B", s,
			*lo, *hi);
	if (*hi - *lo >= SWARM_SEEDS_MAX)
		return why_fmt(why, why_len, "'%s' spans more than %llu seeds", s, (unsigned long long)SWARM_SEEDS_MAX);
	return true;
}

bool swarm_parse_shard(const char *s, uint32_t *shard, uint32_t *shards, char *why, size_t why_len)
{
	const char *slash = strchr(s, '/');
	if (slash == NULL)
		return why_fmt(why, why_len, "'%s' is not a shard I/N (e.g. 2/4: the second of 4, counted from 1)", s);
	uint64_t i, n;
	char part[128];
	if (!part_u64(slash + 1, strlen(slash + 1), 1, SWARM_SHARDS_MAX, &n, part, sizeof(part)))
		return why_fmt(why, why_len, "'%s': N: %s", s, part);
	if (!part_u64(s, (size_t)(slash - s), 1, n, &i, part, sizeof(part)))
		return why_fmt(why, why_len, "'%s': I: %s (shards are counted from 1)", s, part);
	*shard = (uint32_t)i;
	*shards = (uint32_t)n;
	return true;
}

/* ---- one shard ---- */

uint64_t swarm_shard_count(const struct swarm_spec *spec)
{
	uint64_t span = spec->hi - spec->lo, first = spec->shard - 1u;
	return first > span ? 0 : (span - first) / spec->shards + 1;
}

uint64_t swarm_shard_seed(const struct swarm_spec *spec, uint64_t k)
{
	return spec->lo + (spec->shard - 1u) + k * spec->shards;
}

void swarm_sum_init(struct swarm_sum *s, const struct swarm_spec *spec)
{
	memset(s, 0, sizeof(*s));
	s->spec = *spec;
}

/* Keep the SWARM_FAILS_KEPT lowest failing seeds, ascending. */
static void keep_fail(struct swarm_sum *s, const struct swarm_world *w)
{
	unsigned at = s->nfails;
	while (at > 0 && s->fails[at - 1].seed > w->seed)
		at--;
	if (at >= SWARM_FAILS_KEPT)
		return;
	unsigned n = s->nfails < SWARM_FAILS_KEPT ? s->nfails + 1 : SWARM_FAILS_KEPT;
	memmove(&s->fails[at + 1], &s->fails[at], (n - 1 - at) * sizeof(s->fails[0]));
	s->fails[at] = *w;
	/* One line: the results file keeps it on its `fail` line. */
	for (char *c = s->fails[at].why; *c != '\0'; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	s->nfails = n;
}

void swarm_sum_add(struct swarm_sum *s, const struct swarm_world *w)
{
	s->worlds++;
	s->sim_ns += w->sim_ns;
	s->wall_ns += w->wall_ns;
	s->ios += w->ios;
	s->io_errors += w->io_errors;
	for (int i = 0; i < COV_COUNT; i++)
		s->cov[i] += w->cov[i];
	if (w->oracle != ORACLE_NONE) {
		s->failed++;
		keep_fail(s, w);
	}
}

unsigned swarm_sum_missing(const struct swarm_sum *s)
{
	unsigned missing = 0;
	for (int i = 0; i < COV_COUNT; i++)
		missing += s->cov[i] == 0 && cov_required[i];
	return missing;
}

void swarm_replay_cmd(const struct swarm_spec *spec, uint64_t seed, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	if (spec->scenario[0] != '\0')
		textout(&o, "isim run --scenario %s --seed %" PRIu64, spec->scenario, seed);
	else
		textout(&o, "isim run --seed %" PRIu64, seed);
	/* --set lines, one option each, quoted for a shell. */
	for (const char *l = spec->set; *l != '\0';) {
		size_t len = strcspn(l, "\n");
		textout(&o, " --set '%.*s'", (int)len, l);
		l += len + (l[len] == '\n');
	}
}

/* ---- results file ---- */

size_t swarm_results_format(const struct swarm_sum *s, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	const struct swarm_spec *sp = &s->spec;
	textout(&o, "isim-swarm-results %d\nseeds %" PRIu64 "..%" PRIu64 "\nshard %u/%u\n", SWARMRES_VERSION, sp->lo,
		sp->hi, sp->shard, sp->shards);
	if (sp->scenario[0] != '\0')
		textout(&o, "scenario %s\n", sp->scenario);
	for (const char *l = sp->set; *l != '\0';) {
		size_t len = strcspn(l, "\n");
		textout(&o, "set %.*s\n", (int)len, l);
		l += len + (l[len] == '\n');
	}
	textout(&o, "worlds %" PRIu64 "\nfailed %" PRIu64 "\nsim_ns %" PRIu64 "\nios %" PRIu64 "\nio_errors %" PRIu64 "\n",
		s->worlds, s->failed, s->sim_ns, s->ios, s->io_errors);
	for (int i = 0; i < COV_COUNT; i++)
		textout(&o, "cov %s %" PRIu64 "\n", cov_names[i], s->cov[i]);
	for (unsigned i = 0; i < s->nfails; i++)
		textout(&o, "fail %" PRIu64 " %s %s\n", s->fails[i].seed,
			sim_oracle_name((enum sim_oracle)s->fails[i].oracle), s->fails[i].why);
	textout(&o, "wall_ns %" PRIu64 "\nend\n", s->wall_ns);
	return o.len;
}

struct rparser {
	int line;
	char *err;
	size_t err_len;
};

static int rerr(struct rparser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rerr(struct rparser *ps, const char *fmt, ...)
{
	int n = snprintf(ps->err, ps->err_len, "line %d: ", ps->line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->err_len)
		vsnprintf(ps->err + n, ps->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Split "word rest" in place; rest is "" when there is none. */
static char *split_word(char *line)
{
	char *sp = strchr(line, ' ');
	if (sp == NULL)
		return line + strlen(line);
	*sp = '\0';
	return sp + 1;
}

static int parse_u64_line(struct rparser *ps, const char *key, const char *v, uint64_t *out)
{
	char why[160];
	if (!swarm_parse_u64(v, 0, UINT64_MAX, out, why, sizeof(why)))
		return rerr(ps, "%s: %s", key, why);
	return 0;
}

static int parse_cov(struct rparser *ps, struct swarm_sum *s, char *rest)
{
	char *v = split_word(rest);
	for (int i = 0; i < COV_COUNT; i++)
		if (strcmp(rest, cov_names[i]) == 0)
			return parse_u64_line(ps, "cov", v, &s->cov[i]);
	return rerr(ps, "coverage point '%s' is not one of this isim's (results of another build?)", rest);
}

static int parse_fail(struct rparser *ps, struct swarm_sum *s, char *rest)
{
	struct swarm_world w = { 0 };
	char *oracle = split_word(rest);
	char *why = split_word(oracle);
	if (parse_u64_line(ps, "fail", rest, &w.seed) != 0)
		return -1;
	w.oracle = ORACLE_KINDS;
	for (int o = ORACLE_NONE + 1; o < ORACLE_KINDS; o++)
		if (strcmp(oracle, sim_oracle_name((enum sim_oracle)o)) == 0)
			w.oracle = o;
	if (w.oracle == ORACLE_KINDS)
		return rerr(ps, "fail: unknown oracle '%s'", oracle);
	if (s->nfails == SWARM_FAILS_KEPT)
		return rerr(ps, "more than %u fail lines", SWARM_FAILS_KEPT);
	if (s->nfails > 0 && s->fails[s->nfails - 1].seed >= w.seed)
		return rerr(ps, "fail lines must be in ascending seed order");
	snprintf(w.why, sizeof(w.why), "%s", why);
	s->fails[s->nfails++] = w;
	return 0;
}

static int parse_spec_line(struct rparser *ps, struct swarm_spec *sp, const char *key, char *v, bool *known)
{
	char why[160];
	*known = true;
	if (strcmp(key, "seeds") == 0) {
		if (!swarm_parse_range(v, &sp->lo, &sp->hi, why, sizeof(why)))
			return rerr(ps, "seeds: %s", why);
	} else if (strcmp(key, "shard") == 0) {
		if (!swarm_parse_shard(v, &sp->shard, &sp->shards, why, sizeof(why)))
			return rerr(ps, "shard: %s", why);
	} else if (strcmp(key, "scenario") == 0) {
		if (strlen(v) >= sizeof(sp->scenario))
			return rerr(ps, "scenario path longer than %u bytes", SWARM_SCENARIO_MAX - 1);
		memcpy(sp->scenario, v, strlen(v) + 1);
	} else if (strcmp(key, "set") == 0) {
		size_t len = strlen(sp->set);
		if (len + strlen(v) + 2 > sizeof(sp->set))
			return rerr(ps, "set lines longer than %u bytes in all", SWARM_SET_MAX - 1);
		snprintf(sp->set + len, sizeof(sp->set) - len, "%s\n", v);
	} else {
		*known = false;
	}
	return 0;
}

static int parse_result_line(struct rparser *ps, struct swarm_sum *s, char *line)
{
	char *v = split_word(line);
	bool known;
	if (parse_spec_line(ps, &s->spec, line, v, &known) != 0 || known)
		return known ? 0 : -1;
	if (strcmp(line, "worlds") == 0)
		return parse_u64_line(ps, line, v, &s->worlds);
	if (strcmp(line, "failed") == 0)
		return parse_u64_line(ps, line, v, &s->failed);
	if (strcmp(line, "sim_ns") == 0)
		return parse_u64_line(ps, line, v, &s->sim_ns);
	if (strcmp(line, "ios") == 0)
		return parse_u64_line(ps, line, v, &s->ios);
	if (strcmp(line, "io_errors") == 0)
		return parse_u64_line(ps, line, v, &s->io_errors);
	if (strcmp(line, "wall_ns") == 0)
		return parse_u64_line(ps, line, v, &s->wall_ns);
	if (strcmp(line, "cov") == 0)
		return parse_cov(ps, s, v);
	if (strcmp(line, "fail") == 0)
		return parse_fail(ps, s, v);
	return rerr(ps, "unknown line '%s'", line);
}

int swarm_results_parse(const char *text, struct swarm_sum *s, char *err, size_t err_len)
{
	struct rparser ps = { .err = err, .err_len = err_len };
	memset(s, 0, sizeof(*s));
	char line[SWARM_SET_MAX + 16];
	bool ended = false;
	for (const char *t = text; *t != '\0';) {
		ps.line++;
		size_t len = strcspn(t, "\n");
		if (len >= sizeof(line))
			return rerr(&ps, "line too long");
		memcpy(line, t, len);
		line[len] = '\0';
		t += len + (t[len] == '\n');
		if (ended)
			return rerr(&ps, "text after 'end'");
		if (ps.line == 1) {
			char head[32];
			snprintf(head, sizeof(head), "isim-swarm-results %d", SWARMRES_VERSION);
			if (strcmp(line, head) != 0)
				return rerr(&ps, "not an isim swarm results file (version %d): '%.40s'", SWARMRES_VERSION, line);
			continue;
		}
		if (strcmp(line, "end") == 0) {
			ended = true;
			continue;
		}
		if (parse_result_line(&ps, s, line) != 0)
			return -1;
	}
	if (ps.line == 0)
		return rerr(&ps, "empty file");
	if (!ended)
		return rerr(&ps, "no 'end' line: the run that wrote it did not finish");
	if (s->spec.shards == 0 || s->spec.hi < s->spec.lo)
		return rerr(&ps, "no 'seeds' or 'shard' line");
	if (s->nfails < SWARM_FAILS_KEPT && s->nfails != s->failed)
		return rerr(&ps, "failed %" PRIu64 " but %u fail lines", s->failed, s->nfails);
	return 0;
}

/* ---- merge ---- */

static int merr(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int merr(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Same swarm as the first file: seeds, number of shards, scenario, --set. */
static int check_same_swarm(const struct swarm_spec *a, const char *an, const struct swarm_spec *b, const char *bn,
	char *err, size_t err_len)
{
	if (a->lo != b->lo || a->hi != b->hi)
		return merr(err, err_len, "%s has seeds %" PRIu64 "..%" PRIu64 ", %s has %" PRIu64 "..%" PRIu64
			": not shards of one swarm", bn, b->lo, b->hi, an, a->lo, a->hi);
	if (a->shards != b->shards)
		return merr(err, err_len, "%s is shard %u/%u, %s is %u/%u: shards of one swarm share N", bn, b->shard,
			b->shards, an, a->shard, a->shards);
	if (strcmp(a->scenario, b->scenario) != 0)
		return merr(err, err_len, "%s and %s ran different scenarios ('%s', '%s')", bn, an, b->scenario,
			a->scenario);
	if (strcmp(a->set, b->set) != 0)
		return merr(err, err_len, "%s and %s ran with different --set lines", bn, an);
	return 0;
}

static int check_shards(const struct swarm_sum *const *shards, const char *const *names, size_t n, char *err,
	size_t err_len)
{
	if (n == 0)
		return merr(err, err_len, "no results files to merge");
	if (n > SWARM_SHARDS_MAX)
		return merr(err, err_len, "more than %u results files", SWARM_SHARDS_MAX);
	const struct swarm_spec *first = &shards[0]->spec;
	for (size_t i = 0; i < n; i++) {
		const struct swarm_sum *s = shards[i];
		if (check_same_swarm(first, names[0], &s->spec, names[i], err, err_len) != 0)
			return -1;
		for (size_t j = 0; j < i; j++)
			if (shards[j]->spec.shard == s->spec.shard)
				return merr(err, err_len, "shard %u/%u given twice (%s and %s): shards overlap", s->spec.shard,
					s->spec.shards, names[j], names[i]);
		uint64_t want = swarm_shard_count(&s->spec);
		if (s->worlds != want)
			return merr(err, err_len, "%s (shard %u/%u) ran %" PRIu64 " of its %" PRIu64 " worlds: incomplete",
				names[i], s->spec.shard, s->spec.shards, s->worlds, want);
	}
	/* n distinct shards of 1..N: all there exactly when n == N. */
	if (n < first->shards) {
		char list[256] = "";
		struct textout o = { list, sizeof(list), 0 };
		unsigned shown = 0, missing = 0;
		for (uint32_t k = 1; k <= first->shards; k++) {
			bool have = false;
			for (size_t i = 0; i < n && !have; i++)
				have = shards[i]->spec.shard == k;
			if (have)
				continue;
			missing++;
			if (shown++ < 10)
				textout(&o, "%s%u/%u", shown > 1 ? ", " : "", k, first->shards);
		}
		return merr(err, err_len, "%u of %u shards missing: %s%s", missing, first->shards, list,
			missing > shown ? ", ..." : "");
	}
	return 0;
}

int swarm_merge(const struct swarm_sum *const *shards, const char *const *names, size_t n, struct swarm_sum *out,
	char *err, size_t err_len)
{
	if (check_shards(shards, names, n, err, err_len) != 0)
		return -1;
	struct swarm_spec whole = shards[0]->spec;
	whole.shard = whole.shards = 1;
	swarm_sum_init(out, &whole);
	for (size_t i = 0; i < n; i++) {
		const struct swarm_sum *s = shards[i];
		out->worlds += s->worlds;
		out->failed += s->failed;
		out->sim_ns += s->sim_ns;
		out->ios += s->ios;
		out->io_errors += s->io_errors;
		out->wall_ns += s->wall_ns;
		for (int c = 0; c < COV_COUNT; c++)
			out->cov[c] += s->cov[c];
		for (unsigned f = 0; f < s->nfails; f++)
			keep_fail(out, &s->fails[f]);
	}
	return 0;
}

/* ---- report ---- */

/* A table cell: one line, '|' escaped. */
static void cell(struct textout *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			textout(o, "\\|");
		else
			textout(o, "%c", *s == '\n' ? ' ' : *s);
	}
}

size_t swarm_report_format(const struct swarm_sum *s, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	const struct swarm_spec *sp = &s->spec;
	textout(&o, "### `isim swarm --seeds %" PRIu64 "..%" PRIu64 "%s%s`%s\n\n", sp->lo, sp->hi,
		sp->scenario[0] ? " --scenario " : "", sp->scenario, sp->set[0] ? " with overrides: see below" : "");
	textout(&o, "| worlds | failed | simulated s | I/Os | I/Os failed up | required coverage points missed |\n");
	textout(&o, "|---|---|---|---|---|---|\n");
	textout(&o, "| %" PRIu64 " | %" PRIu64 " | %.0f | %" PRIu64 " | %" PRIu64 " | %u |\n\n", s->worlds, s->failed,
		(double)s->sim_ns / 1e9, s->ios, s->io_errors, swarm_sum_missing(s));
	if (sp->set[0])
		textout(&o, "Overrides:\n\n```\n%s```\n\n", sp->set);
	if (s->nfails > 0) {
		if (s->failed > s->nfails)
			textout(&o, "The %u lowest of %" PRIu64 " failing seeds:\n\n", s->nfails, s->failed);
		textout(&o, "| seed | oracle | first violation | replay |\n|---|---|---|---|\n");
		for (unsigned i = 0; i < s->nfails; i++) {
			char cmd[SWARM_SET_MAX + SWARM_SCENARIO_MAX + 64];
			swarm_replay_cmd(sp, s->fails[i].seed, cmd, sizeof(cmd));
			textout(&o, "| %" PRIu64 " | %s | ", s->fails[i].seed,
				sim_oracle_name((enum sim_oracle)s->fails[i].oracle));
			cell(&o, s->fails[i].why);
			textout(&o, " | `");
			cell(&o, cmd);
			textout(&o, "` |\n");
		}
		textout(&o, "\n");
	}
	textout(&o, "<details><summary>coverage: hits summed over all worlds</summary>\n\n| point | hits |\n|---|---|\n");
	for (int i = 0; i < COV_COUNT; i++)
		textout(&o, "| %s%s | %" PRIu64 " |\n", cov_names[i], cov_required[i] ? "" : " (engine's choice)", s->cov[i]);
	textout(&o, "\n</details>\n");
	return o.len;
}
