/* scenario: see scenario.h. The parser and the formatter; both walk the
 * one table of settings (scenario_keys.c), so the two can never disagree. */
#include "sim/spec/scenario.h"
#include "sim/spec/scenario_int.h"
#include "sim/spec/values.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "sim/base/textout.h"
#include "sim/base/time.h"

/* ---- parsing ---- */

/* Which line set what: validation runs after the whole text is read (a
 * fault may come before the topology it names), and its errors name the
 * line that set the offending value. 0: not set by this text (a default,
 * a swarm draw, or an earlier text such as the scenario file under --set). */
struct parser {
	const char *origin; /* "FILE" in "FILE:LINE: why", or NULL for "line LINE: why" */
	int line;
	int key_line[SKEY_MAX];
	int fault_line[FAULTS_MAX]; /* parallel to p->faults.f until faults_sort */
	int attack_line[ATTACKS_MAX]; /* parallel to p->attacks.a */
	int pr_line[PRS_MAX];         /* parallel to p->prs.a */
	char *err;
	size_t err_len;
};

static int verr(struct parser *ps, int line, const char *fmt, va_list ap)
{
	int n;
	if (ps->origin != NULL && line > 0)
		n = snprintf(ps->err, ps->err_len, "%s:%d: ", ps->origin, line);
	else if (ps->origin != NULL)
		n = snprintf(ps->err, ps->err_len, "%s: ", ps->origin);
	else
		n = snprintf(ps->err, ps->err_len, "line %d: ", line);
	if (n >= 0 && (size_t)n < ps->err_len)
		vsnprintf(ps->err + n, ps->err_len - (size_t)n, fmt, ap);
	return -1;
}

/* An error on the line being read. */
static int perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(ps, ps->line, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error found by validation, on the line given (0: none of this text). */
static int perr_at(struct parser *ps, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr_at(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(ps, line, fmt, ap);
	va_end(ap);
	return -1;
}

/* The line that set section.name last, 0 if none did. */
static int line_of(const struct parser *ps, const char *section, const char *name)
{
	const struct key *k = skey_find(section, name);
	return k != NULL ? ps->key_line[k - skey_table] : 0;
}

/* The first of two lines that is known (the value's own line, else the
 * line of what it is checked against). */
static int either_line(int a, int b)
{
	return a > 0 ? a : b;
}

/* Split "k=v" in place. */
static bool split_kv(char *tok, char **k, char **v)
{
	char *eq = strchr(tok, '=');
	if (eq == NULL)
		return false;
	*eq = '\0';
	*k = tok;
	*v = eq + 1;
	return true;
}

static int parse_section(struct parser *ps, struct sim_params *p, const char *section, char **toks, int n)
{
	int ini = -1; /* "workload ini=I ...": host I's own workload */
	uint64_t u;
	if (strcmp(section, "workload") == 0 && n > 0 && strncmp(toks[0], "ini=", 4) == 0) {
		if (!values_parse_u64(toks[0] + 4, &u) || u >= SIM_INIS_MAX)
			return perr(ps, "bad value '%s' for workload ini (0..%d)", toks[0] + 4, SIM_INIS_MAX - 1);
		ini = (int)u;
		toks++;
		n--;
	}
	for (int i = 0; i < n; i++) {
		char *k, *v;
		if (!split_kv(toks[i], &k, &v))
			return perr(ps, "expected key=value, got '%s'", toks[i]);
		const struct key *found = skey_find(section, k);
		if (found == NULL)
			return perr(ps, "unknown key '%s' in section '%s'", k, section);
		if (!skey_set(skey_field(p, found, ini), found, v))
			return perr(ps, "bad value '%s' for %s.%s", v, section, k);
		if (ini >= 0)
			p->host_wl[ini].set |= 1u << (found - skey_find("workload", "qd"));
		else
			ps->key_line[found - skey_table] = ps->line;
	}
	return 0;
}

void scenario_host_workload(const struct sim_params *p, int ini, struct wl_cfg *cfg)
{
	const struct key *first = skey_find("workload", "qd");
	for (const struct key *k = first; k < skey_table + skey_count && strcmp(k->section, "workload") == 0; k++) {
		if (!(p->host_wl[ini].set & (1u << (k - first))))
			continue;
		size_t at = k->off - offsetof(struct sim_params, wl);
		size_t len = k->type == V_TIME || k->type == V_U64 ? sizeof(uint64_t) : sizeof(uint32_t);
		memcpy((uint8_t *)cfg + at, (const uint8_t *)&p->host_wl[ini].wl + at, len);
	}
}

static int parse_fault(struct parser *ps, struct sim_params *p, char **toks, int n)
{
	if (n < 1)
		return perr(ps, "fault without a kind");
	if (p->faults.n >= FAULTS_MAX)
		return perr(ps, "more than %u faults", FAULTS_MAX);
	struct fault f = { .kind = fault_kind_parse(toks[0]) };
	if (f.kind == F_KINDS)
		return perr(ps, "unknown fault kind '%s'", toks[0]);
	for (int i = 1; i < n; i++) {
		char *k, *v;
		uint64_t u;
		if (!split_kv(toks[i], &k, &v))
			return perr(ps, "expected key=value, got '%s'", toks[i]);
		bool ok;
		if (strcmp(k, "at") == 0)
			ok = scenario_parse_time(v, &f.at_ns);
		else if (strcmp(k, "for") == 0)
			ok = scenario_parse_time(v, &f.dur_ns);
		else if (strcmp(k, "ini") == 0)
			ok = values_parse_u64(v, &u) && u < SIM_INIS_MAX && ((f.ini = (int)u), true);
		else if (strcmp(k, "gw") == 0)
			ok = values_parse_u64(v, &u) && u < SIM_GWS_MAX && ((f.gw = (int)u), true);
		else if (strcmp(k, "dir") == 0)
			ok = (strcmp(v, "both") == 0 && ((f.dir = FD_BOTH), true)) ||
				(strcmp(v, "to_gw") == 0 && ((f.dir = FD_TO_GW), true)) ||
				(strcmp(v, "to_ini") == 0 && ((f.dir = FD_TO_INI), true));
		else if (strcmp(k, "a") == 0)
			ok = values_parse_u64(v, &f.a);
		else if (strcmp(k, "b") == 0)
			ok = values_parse_u64(v, &f.b);
		else
			return perr(ps, "unknown fault key '%s'", k);
		if (!ok)
			return perr(ps, "bad value '%s' for fault %s", v, k);
	}
	ps->fault_line[p->faults.n] = ps->line;
	p->faults.f[p->faults.n++] = f;
	return 0;
}

static int parse_attack(struct parser *ps, struct sim_params *p, char **toks, int n)
{
	if (p->attacks.n >= ATTACKS_MAX)
		return perr(ps, "more than %u attacks", ATTACKS_MAX);
	char why[160];
	if (attack_parse(toks, n, &p->attacks.a[p->attacks.n], why, sizeof(why)) != 0)
		return perr(ps, "%s", why);
	ps->attack_line[p->attacks.n++] = ps->line;
	return 0;
}

static int parse_pr(struct parser *ps, struct sim_params *p, char **toks, int n)
{
	if (p->prs.n >= PRS_MAX)
		return perr(ps, "more than %u pr lines", PRS_MAX);
	char why[160];
	if (prs_parse(toks, n, p->prs.n, &p->prs.a[p->prs.n], why, sizeof(why)) != 0)
		return perr(ps, "%s", why);
	ps->pr_line[p->prs.n++] = ps->line;
	return 0;
}

/* `without KIND`: drop the attacks of that kind (ATK_KINDS: all). */
static void drop_attacks(struct parser *ps, struct sim_params *p, enum attack_kind k)
{
	unsigned keep = 0;
	for (unsigned j = 0; j < p->attacks.n; j++) {
		if (k == ATK_KINDS || p->attacks.a[j].kind == k)
			continue;
		ps->attack_line[keep] = ps->attack_line[j];
		p->attacks.a[keep++] = p->attacks.a[j];
	}
	p->attacks.n = keep;
}

static int parse_line(struct parser *ps, struct sim_params *p, struct scenario_expect *e, char *line)
{
	char *toks[64];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t != NULL; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == 64)
			return perr(ps, "too many words");
		toks[n++] = t;
	}
	if (n == 0)
		return 0;
	if (strcmp(toks[0], "seed") == 0) {
		if (n != 2 || !values_parse_u64(toks[1], &p->seed))
			return perr(ps, "seed takes one number");
		return 0;
	}
	if (strcmp(toks[0], "fault") == 0)
		return parse_fault(ps, p, toks + 1, n - 1);
	if (strcmp(toks[0], "attack") == 0)
		return parse_attack(ps, p, toks + 1, n - 1);
	if (strcmp(toks[0], "pr") == 0)
		return parse_pr(ps, p, toks + 1, n - 1);
	if (strcmp(toks[0], "without") == 0) {
		/* Drop every fault (or attack) of the kinds named (on top of a swarm draw). */
		for (int i = 1; i < n; i++) {
			enum attack_kind ak = attack_kind_parse(toks[i]);
			if (strcmp(toks[i], "pr") == 0) {
				p->prs.n = 0;
				continue;
			}
			if (strcmp(toks[i], "attacks") == 0 || ak != ATK_KINDS) {
				drop_attacks(ps, p, ak);
				continue;
			}
			enum fault_kind k = fault_kind_parse(toks[i]);
			if (k == F_KINDS)
				return perr(ps, "unknown fault or attack kind '%s'", toks[i]);
			unsigned keep = 0;
			for (unsigned j = 0; j < p->faults.n; j++) {
				if (p->faults.f[j].kind == k)
					continue;
				ps->fault_line[keep] = ps->fault_line[j];
				p->faults.f[keep++] = p->faults.f[j];
			}
			p->faults.n = keep;
		}
		return 0;
	}
	if (strcmp(toks[0], "expect") == 0) {
		char why[160];
		if (expect_parse(e, toks + 1, n - 1, why, sizeof(why)) != 0)
			return perr(ps, "%s", why);
		return 0;
	}
	for (size_t i = 0; i < skey_nsections; i++)
		if (strcmp(toks[0], skey_sections[i]) == 0)
			return parse_section(ps, p, toks[0], toks + 1, n - 1);
	return perr(ps, "unknown line '%s'", toks[0]);
}

static int validate_faults(struct parser *ps, const struct sim_params *p)
{
	int gws_line = line_of(ps, "topology", "gateways"), inis_line = line_of(ps, "topology", "initiators");
	for (unsigned i = 0; i < p->faults.n; i++) {
		const struct fault *f = &p->faults.f[i];
		const char *kind = fault_kind_name(f->kind);
		if (f->ini >= p->initiators)
			return perr_at(ps, either_line(ps->fault_line[i], inis_line),
				"fault %s ini=%d names an initiator that does not exist (topology initiators=%d)", kind,
				f->ini, p->initiators);
		if (f->gw >= p->gateways)
			return perr_at(ps, either_line(ps->fault_line[i], gws_line),
				"fault %s gw=%d names a gateway that does not exist (topology gateways=%d)", kind, f->gw,
				p->gateways);
	}
	return 0;
}

/* A byte count in [lo, hi], or an error on the line that set it. */
static int check_bytes(struct parser *ps, const char *key, uint64_t v, uint64_t lo, uint64_t hi, const char *why)
{
	if (v >= lo && v <= hi)
		return 0;
	return perr_at(ps, line_of(ps, "target", key), "target %s=%llu is out of range %llu..%llu (%s)", key,
		(unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi, why);
}

/* The engine's own ranges for its memory knobs (core/config.c), checked
 * here so that an error names the scenario's line rather than a gateway
 * refusing its configuration. */
static int validate_mem(struct parser *ps, const struct sim_target_params *t)
{
	if (check_bytes(ps, "mem_budget", t->mem_budget_bytes, RT_MEM_BUDGET_MIN, RT_MEM_BUDGET_MAX,
		    "limits.h RT_MEM_BUDGET_MIN..MAX") != 0 ||
		check_bytes(ps, "session_mem_max", t->session_mem_max_bytes, RT_SESSION_MEM_FLOOR, t->mem_budget_bytes,
			"at least 1 MiB, at most mem_budget") != 0 ||
		check_bytes(ps, "session_mem_min", t->session_mem_min_bytes, RT_SESSION_MEM_FLOOR,
			t->session_mem_max_bytes, "at least 1 MiB, at most session_mem_max") != 0 ||
		check_bytes(ps, "conn_unsent_max", t->conn_unsent_max_bytes, RT_CONN_UNSENT_MIN, t->mem_budget_bytes,
			"at least 64 KiB, at most mem_budget") != 0)
		return -1;
	return 0;
}

static int validate(struct parser *ps, const struct sim_params *p)
{
	if (p->gateways < 1 || p->gateways > SIM_GWS_MAX)
		return perr_at(ps, line_of(ps, "topology", "gateways"), "topology gateways=%d is out of range 1..%d",
			p->gateways, SIM_GWS_MAX);
	if (p->initiators < 1 || p->initiators > SIM_INIS_MAX)
		return perr_at(ps, line_of(ps, "topology", "initiators"), "topology initiators=%d is out of range 1..%d",
			p->initiators, SIM_INIS_MAX);
	if (p->paths < 1 || p->paths > SIM_PATHS_MAX)
		return perr_at(ps, line_of(ps, "topology", "paths"), "topology paths=%d is out of range 1..%d", p->paths,
			SIM_PATHS_MAX);
	if (p->block_size != 512 && p->block_size != 4096)
		return perr_at(ps, line_of(ps, "lu", "block_size"), "block_size must be 512 or 4096");
	if (p->blocks < 16 || p->blocks > (1u << 20))
		return perr_at(ps, line_of(ps, "lu", "blocks"), "blocks must be 16..1048576");
	char why[160]; /* the world's workload line, then each host's over it */
	if (wl_cfg_check(&p->wl, p->block_size, why, sizeof(why)) != 0)
		return perr_at(ps, either_line(line_of(ps, "workload", "max_blocks"), line_of(ps, "workload", "qd")), "workload %s", why);
	for (int h = 0; h < SIM_INIS_MAX; h++) {
		struct wl_cfg c = p->wl;
		scenario_host_workload(p, h, &c);
		if (wl_cfg_check(&c, p->block_size, why, sizeof(why)) != 0)
			return perr_at(ps, 0, "workload ini=%d: %s", h, why);
	}
	if (p->tgt.error_recovery_level > RT_ERL_IMPLEMENTED)
		return perr_at(ps, line_of(ps, "target", "error_recovery_level"),
			"target error_recovery_level=%u is out of range 0..%u (limits.h RT_ERL_IMPLEMENTED)",
			p->tgt.error_recovery_level, RT_ERL_IMPLEMENTED);
	if (p->ini.connections < 1 || p->ini.connections > ISESS_CONNS_MAX ||
		p->paths * (int)p->ini.connections > SIM_PATHS_MAX)
		return perr_at(ps, line_of(ps, "initiator", "connections"),
			"initiator connections=%u is out of range 1..%u (session.h ISESS_CONNS_MAX), with paths x connections <= %d",
			p->ini.connections, ISESS_CONNS_MAX, SIM_PATHS_MAX);
	if (p->ini.error_recovery_level > ISESS_ERL_IMPLEMENTED)
		return perr_at(ps, line_of(ps, "initiator", "error_recovery_level"),
			"initiator error_recovery_level=%u is out of range 0..%u (session.h ISESS_ERL_IMPLEMENTED)",
			p->ini.error_recovery_level, ISESS_ERL_IMPLEMENTED);
	if (validate_faults(ps, p) != 0 || validate_mem(ps, &p->tgt) != 0)
		return -1;
	for (unsigned i = 0; i < p->attacks.n; i++)
		if (p->attacks.a[i].gw >= p->gateways)
			return perr_at(ps, either_line(ps->attack_line[i], line_of(ps, "topology", "gateways")),
				"attack %s gw=%d names a gateway that does not exist (topology gateways=%d)",
				attack_kind_name(p->attacks.a[i].kind), p->attacks.a[i].gw, p->gateways);
	if (p->initiators + (int)p->attacks.n > SIM_NODES_MAX)
		return perr_at(ps, line_of(ps, "topology", "initiators"),
			"%d initiators and %u attacks: more than %d initiator nodes", p->initiators, p->attacks.n,
			SIM_NODES_MAX);
	for (unsigned i = 0; i < p->prs.n; i++)
		if (p->prs.a[i].ini >= p->initiators || p->prs.a[i].path >= p->paths)
			return perr_at(ps, either_line(ps->pr_line[i], line_of(ps, "topology", "initiators")),
				"pr %s ini=%d path=%d names a path that does not exist (topology initiators=%d paths=%d)",
				prs_kind_name(p->prs.a[i].kind), p->prs.a[i].ini, p->prs.a[i].path, p->initiators,
				p->paths);
	if (p->cluster.optimized < 0 || p->cluster.optimized >= p->gateways)
		return perr_at(ps,
			either_line(line_of(ps, "topology", "optimized"), line_of(ps, "topology", "gateways")),
			"topology optimized=%d names a gateway that does not exist (gateways=%d)", p->cluster.optimized,
			p->gateways);
	if (p->pr.holder >= p->initiators)
		return perr_at(ps,
			either_line(line_of(ps, "reservation", "holder"), line_of(ps, "topology", "initiators")),
			"reservation holder=%d names an initiator that does not exist (initiators=%d)", p->pr.holder,
			p->initiators);
	if (p->wl.hb_interval_ns != 0 && (p->initiators > (int)WL_HB_BLOCKS || p->blocks <= 2 * WL_HB_BLOCKS))
		return perr_at(ps, line_of(ps, "workload", "heartbeat"),
			"workload heartbeat= needs at most %u initiators and more than %u blocks", WL_HB_BLOCKS,
			2 * WL_HB_BLOCKS);
	return 0;
}

int scenario_parse(const char *text, struct sim_params *p, struct scenario_expect *e, char *err, size_t err_len)
{
	return scenario_parse_from(NULL, text, p, e, err, err_len);
}

int scenario_parse_from(const char *origin, const char *text, struct sim_params *p, struct scenario_expect *e,
	char *err, size_t err_len)
{
	struct parser ps = { .origin = origin, .err = err, .err_len = err_len };
	*e = (struct scenario_expect){ .bound_metric = METRIC_COUNT };
	char line[4096];
	const char *s = text;
	while (*s != '\0') {
		ps.line++;
		size_t len = strcspn(s, "\n");
		if (len >= sizeof(line))
			return perr(&ps, "line too long");
		memcpy(line, s, len);
		line[len] = '\0';
		s += len + (s[len] == '\n');
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		if (parse_line(&ps, p, e, line) != 0)
			return -1;
	}
	/* Validate before sorting: fault_line follows the faults' order as read. */
	if (validate(&ps, p) != 0)
		return -1;
	faults_sort(&p->faults);
	return 0;
}

/* ---- formatting ---- */

size_t scenario_format(const struct sim_params *p, const struct scenario_expect *e, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	textout(&o, "# isim scenario (format: sim/README.md)\nseed %llu\n", (unsigned long long)p->seed);
	for (size_t s = 0; s < skey_nsections; s++) {
		textout(&o, "%s", skey_sections[s]);
		for (size_t i = 0; i < skey_count; i++) {
			if (strcmp(skey_table[i].section, skey_sections[s]) != 0)
				continue;
			char v[64];
			skey_fmt((const uint8_t *)p + skey_table[i].off, &skey_table[i], v, sizeof(v));
			textout(&o, " %s=%s", skey_table[i].name, v);
		}
		textout(&o, "\n");
	}
	const struct key *wk = skey_find("workload", "qd");
	for (int h = 0; h < SIM_INIS_MAX; h++) {
		if (p->host_wl[h].set == 0)
			continue;
		textout(&o, "workload ini=%d", h);
		for (const struct key *k = wk; k < skey_table + skey_count && strcmp(k->section, "workload") == 0; k++) {
			char v[64];
			if (!(p->host_wl[h].set & (1u << (k - wk))))
				continue;
			skey_fmt((const uint8_t *)&p->host_wl[h].wl + (k->off - offsetof(struct sim_params, wl)), k, v,
				sizeof(v));
			textout(&o, " %s=%s", k->name, v);
		}
		textout(&o, "\n");
	}
	for (unsigned i = 0; i < p->faults.n; i++) {
		const struct fault *f = &p->faults.f[i];
		char at[32], dur[32];
		scenario_format_time(at, sizeof(at), f->at_ns);
		scenario_format_time(dur, sizeof(dur), f->dur_ns);
		textout(&o, "fault %s at=%s", fault_kind_name(f->kind), at);
		if (f->dur_ns != 0)
			textout(&o, " for=%s", dur);
		textout(&o, " ini=%d gw=%d", f->ini, f->gw);
		if (f->kind == F_PARTITION || f->kind == F_NOISE)
			textout(&o, " dir=%s", fault_dir_name(f->dir));
		if (f->a != 0)
			textout(&o, " a=%llu", (unsigned long long)f->a);
		if (f->b != 0)
			textout(&o, " b=%llu", (unsigned long long)f->b);
		textout(&o, "\n");
	}
	for (unsigned i = 0; i < p->attacks.n; i++) {
		char line[512];
		attack_format(&p->attacks.a[i], line, sizeof(line));
		textout(&o, "attack %s\n", line);
	}
	for (unsigned i = 0; i < p->prs.n; i++) {
		char line[256];
		prs_format(&p->prs.a[i], line, sizeof(line));
		textout(&o, "pr %s\n", line);
	}
	if (e != NULL) {
		size_t need = expect_format(e, o.len < o.cap ? o.buf + o.len : NULL, o.len < o.cap ? o.cap - o.len : 0);
		o.len += need;
	}
	return o.len;
}
