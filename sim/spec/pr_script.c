/* pr_script: see pr_script.h. */
#include "sim/spec/pr_script.h"

#include <stdio.h>
#include <string.h>

#include "sim/base/textout.h"
#include "sim/spec/scenario.h"
#include "sim/spec/values.h"

static const char *const kind_names[PRS_KINDS] = {
	[PRS_REGISTER] = "register", [PRS_REGISTER_IGNORE] = "register_ignore", [PRS_UNREGISTER] = "unregister",
	[PRS_RESERVE] = "reserve", [PRS_RELEASE] = "release", [PRS_PREEMPT] = "preempt",
	[PRS_PREEMPT_ABORT] = "preempt_abort", [PRS_CLEAR] = "clear", [PRS_READ_KEYS] = "read_keys",
	[PRS_READ_RESERVATION] = "read_reservation",
};

/* SPC-4 §5.13.1 reservation types by code (as `reservation type=`). */
static const char *const type_names[] = { [1] = "we", [3] = "ea", [5] = "we_ro", [6] = "ea_ro", [7] = "we_ar",
	[8] = "ea_ar" };
#define TYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *prs_kind_name(enum prs_kind k)
{
	return k < PRS_KINDS ? kind_names[k] : "unknown";
}

bool prs_is_out(enum prs_kind k)
{
	return k != PRS_READ_KEYS && k != PRS_READ_RESERVATION;
}

int prs_type_parse(const char *s)
{
	return values_parse_name(s, type_names, (int)TYPES);
}

const char *prs_type_name_or(uint8_t t, const char *none)
{
	return t < TYPES && type_names[t] != NULL ? type_names[t] : none;
}

const char *prs_type_name(uint8_t t)
{
	return prs_type_name_or(t, "we");
}

/* A key: decimal or 0x hex, any 64-bit value. */
static bool parse_key(const char *v, uint64_t *out)
{
	if (strncmp(v, "0x", 2) == 0 && v[2] != '\0' && strlen(v) <= 18) {
		uint64_t k = 0;
		for (const char *c = v + 2; *c != '\0'; c++) {
			int d = *c >= '0' && *c <= '9' ? *c - '0'
				: *c >= 'a' && *c <= 'f' ? *c - 'a' + 10
				: *c >= 'A' && *c <= 'F' ? *c - 'A' + 10
							 : -1;
			if (d < 0)
				return false;
			k = k << 4 | (uint64_t)d;
		}
		*out = k;
		return true;
	}
	return values_parse_u64(v, out);
}

int prs_parse(char **toks, int n, unsigned index, struct prs_action *a, char *why, size_t why_len)
{
	if (n < 1) {
		snprintf(why, why_len, "pr without an action (register, register_ignore, unregister, reserve, release, "
				       "preempt, preempt_abort, clear, read_keys, read_reservation)");
		return -1;
	}
	int k = values_parse_name(toks[0], kind_names, PRS_KINDS);
	if (k < 0) {
		snprintf(why, why_len, "unknown pr action '%s'", toks[0]);
		return -1;
	}
	*a = (struct prs_action){ .kind = (enum prs_kind)k, .after = -1, .type = 5 };
	bool have_ini = false;
	for (int i = 1; i < n; i++) {
		char *eq = strchr(toks[i], '=');
		if (eq == NULL) {
			snprintf(why, why_len, "expected key=value, got '%s'", toks[i]);
			return -1;
		}
		*eq = '\0';
		const char *key = toks[i], *v = eq + 1;
		uint64_t u;
		bool ok;
		if (strcmp(key, "ini") == 0)
			ok = values_parse_u64(v, &u) && u < 1000 && ((a->ini = (int)u), have_ini = true);
		else if (strcmp(key, "path") == 0)
			ok = values_parse_u64(v, &u) && u < 1000 && ((a->path = (int)u), true);
		else if (strcmp(key, "at") == 0)
			ok = scenario_parse_time(v, &a->at_ns);
		else if (strcmp(key, "after") == 0)
			ok = values_parse_u64(v, &u) && u < index && ((a->after = (int)u), true);
		else if (strcmp(key, "key") == 0)
			ok = parse_key(v, &a->key);
		else if (strcmp(key, "sakey") == 0)
			ok = parse_key(v, &a->sakey);
		else if (strcmp(key, "type") == 0)
			ok = prs_type_parse(v) >= 0 && ((a->type = (uint8_t)prs_type_parse(v)), true);
		else if (strcmp(key, "aptpl") == 0)
			ok = values_parse_bool(v, &a->aptpl);
		else {
			snprintf(why, why_len, "unknown pr key '%s' (ini, path, at, after, key, sakey, type, aptpl)", key);
			return -1;
		}
		if (!ok) {
			snprintf(why, why_len, "bad value '%s' for pr %s%s", v, key,
				strcmp(key, "after") == 0 ? " (an earlier pr line, counted from 0)" : "");
			return -1;
		}
	}
	if (!have_ini) {
		snprintf(why, why_len, "pr %s needs ini=", kind_names[k]);
		return -1;
	}
	return 0;
}

size_t prs_format(const struct prs_action *a, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	char at[32];
	scenario_format_time(at, sizeof(at), a->at_ns);
	textout(&o, "%s ini=%d path=%d at=%s", prs_kind_name(a->kind), a->ini, a->path, at);
	if (a->after >= 0)
		textout(&o, " after=%d", a->after);
	if (a->key != 0)
		textout(&o, " key=0x%llx", (unsigned long long)a->key);
	if (a->sakey != 0)
		textout(&o, " sakey=0x%llx", (unsigned long long)a->sakey);
	if (a->kind == PRS_RESERVE || a->kind == PRS_RELEASE || a->kind == PRS_PREEMPT || a->kind == PRS_PREEMPT_ABORT)
		textout(&o, " type=%s", prs_type_name(a->type));
	if (a->aptpl)
		textout(&o, " aptpl=yes");
	return o.len;
}
