/* expect: see expect.h. */
#include "sim/oracle/expect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/spec/scenario.h"
#include "sim/base/textout.h"

static const char *const op_text[] = {
	[BOUND_LE] = "<=", [BOUND_LT] = "<", [BOUND_GE] = ">=", [BOUND_GT] = ">", [BOUND_EQ] = "=",
};

static int fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

/* A count ("12", "-1") or, for a time metric, a time with its unit. */
static bool parse_value(enum metric_id m, const char *s, int64_t *out)
{
	if (metric_unit(m) != MU_TIME) {
		char *end;
		if (*s == '\0')
			return false;
		long long v = strtoll(s, &end, 10);
		*out = v;
		return *end == '\0';
	}
	uint64_t t;
	if (!scenario_parse_time(s, &t) || t > INT64_MAX)
		return false;
	*out = (int64_t)t;
	return true;
}

/* "name<=value": the operator is the first of < > = in the word. */
static int parse_bound(struct scenario_expect *e, char *tok, char *err, size_t cap)
{
	size_t at = strcspn(tok, "<>=");
	if (tok[at] == '\0')
		return fail(err, cap, "expected METRIC<=VALUE (or <, >=, >, =), got '%s'", tok);
	char name[64];
	if (at == 0 || at >= sizeof(name))
		return fail(err, cap, "no metric name in '%s'", tok);
	memcpy(name, tok, at);
	name[at] = '\0';
	enum metric_id m = metric_parse(name);
	if (m == METRIC_COUNT)
		return fail(err, cap, "unknown metric '%s' (sim/world/metrics.h)", name);
	const char *p = tok + at;
	enum bound_op op;
	if (strncmp(p, "<=", 2) == 0)
		op = BOUND_LE;
	else if (strncmp(p, ">=", 2) == 0)
		op = BOUND_GE;
	else if (*p == '<')
		op = BOUND_LT;
	else if (*p == '>')
		op = BOUND_GT;
	else
		op = BOUND_EQ;
	p += strlen(op_text[op]);
	int64_t v;
	if (!parse_value(m, p, &v))
		return fail(err, cap, "bad value '%s' for %s%s", p, name,
			metric_unit(m) == MU_TIME ? " (a time needs its unit: ns us ms s)" : "");
	if (e->nb >= EXPECT_BOUNDS_MAX)
		return fail(err, cap, "more than %u bounds", EXPECT_BOUNDS_MAX);
	e->b[e->nb++] = (struct expect_bound){ m, op, v };
	return 0;
}

int expect_parse(struct scenario_expect *e, char **toks, int n, char *err, size_t err_len)
{
	if (n == 1 && strcmp(toks[0], "pass") == 0) {
		e->set = true;
		e->oracle = ORACLE_NONE;
		return 0;
	}
	if (n >= 2 && strcmp(toks[0], "fail") == 0) {
		for (int o = ORACLE_DATA; o < ORACLE_KINDS; o++) {
			if (strcmp(toks[1], sim_oracle_name((enum sim_oracle)o)) != 0)
				continue;
			e->set = true;
			e->oracle = (enum sim_oracle)o;
			e->bound_metric = METRIC_COUNT;
			if (n == 2)
				return 0;
			if (o == ORACLE_BOUND && n == 3 && (e->bound_metric = metric_parse(toks[2])) != METRIC_COUNT)
				return 0;
			break;
		}
		return fail(err, err_len,
			"expect fail data|protocol|liveness|engine|reservation, or expect fail bound [METRIC]");
	}
	if (n == 0)
		return fail(err, err_len, "expect what?");
	for (int i = 0; i < n; i++)
		if (parse_bound(e, toks[i], err, err_len) != 0)
			return -1;
	return 0;
}

static void bound_text(const struct expect_bound *b, char *out, size_t cap)
{
	char v[32];
	metric_format(b->m, b->v, v, sizeof(v));
	snprintf(out, cap, "%s%s%s", metric_name(b->m), op_text[b->op], v);
}

static void verdict_text(const struct scenario_expect *e, char *out, size_t cap)
{
	if (e->oracle == ORACLE_NONE)
		snprintf(out, cap, "pass");
	else if (e->oracle == ORACLE_BOUND && e->bound_metric != METRIC_COUNT)
		snprintf(out, cap, "fail bound %s", metric_name(e->bound_metric));
	else
		snprintf(out, cap, "fail %s", sim_oracle_name(e->oracle));
}

size_t expect_format(const struct scenario_expect *e, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	for (unsigned i = 0; i < e->nb; i++) {
		char t[96];
		bound_text(&e->b[i], t, sizeof(t));
		textout(&o, "expect %s\n", t);
	}
	if (e->set) {
		char t[96];
		verdict_text(e, t, sizeof(t));
		textout(&o, "expect %s\n", t);
	}
	return o.len;
}

bool expect_bound_holds(const struct expect_bound *b, const struct sim_metrics *m)
{
	int64_t x = m->v[b->m];
	switch (b->op) {
	case BOUND_LE: return x <= b->v;
	case BOUND_LT: return x < b->v;
	case BOUND_GE: return x >= b->v;
	case BOUND_GT: return x > b->v;
	case BOUND_EQ: return x == b->v;
	}
	return false;
}

void expect_judge(const struct scenario_expect *e, const struct sim_result *r, struct expect_verdict *v)
{
	*v = (struct expect_verdict){ .observed = r->oracle, .bound = -1 };
	if (e->set)
		verdict_text(e, v->expected, sizeof(v->expected));
	else
		snprintf(v->expected, sizeof(v->expected), "pass");
	bool wanted_failed = false; /* the bound "expect fail bound METRIC" names did fail */
	for (unsigned i = 0; i < e->nb && r->oracle == ORACLE_NONE; i++) {
		if (expect_bound_holds(&e->b[i], &r->metrics))
			continue;
		/* Show the bound the scenario named, else the first that failed. */
		if (e->b[i].m == e->bound_metric && !wanted_failed) {
			wanted_failed = true;
			v->bound = (int)i;
		}
		if (v->bound < 0)
			v->bound = (int)i;
	}
	if (r->oracle == ORACLE_NONE && v->bound >= 0)
		v->observed = ORACLE_BOUND;
	if (v->observed == ORACLE_BOUND) {
		const struct expect_bound *b = &e->b[v->bound];
		char want[96], got[32];
		bound_text(b, want, sizeof(want));
		metric_format(b->m, r->metrics.v[b->m], got, sizeof(got));
		snprintf(v->text, sizeof(v->text), "fail bound %s=%s (expected %s)", metric_name(b->m), got,
			want + strlen(metric_name(b->m)));
	} else if (v->observed == ORACLE_NONE) {
		snprintf(v->text, sizeof(v->text), "pass");
	} else {
		snprintf(v->text, sizeof(v->text), "fail %s", sim_oracle_name(v->observed));
	}
	enum sim_oracle want = e->set ? e->oracle : ORACLE_NONE;
	v->met = v->observed == want;
	if (v->met && want == ORACLE_BOUND && e->bound_metric != METRIC_COUNT)
		v->met = wanted_failed;
}
