/* attack: see attack.h. One table names each key once: parsing and
 * formatting both walk it, so the two can never disagree. */
#include "sim/spec/attack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/textout.h"
#include "sim/base/time.h"
#include "sim/spec/scenario.h"

static const char *const kind_names[ATK_KINDS] = {
	[ATK_IDLE_FLOOD] = "idle_flood", [ATK_SESSION_HOG] = "session_hog", [ATK_NO_READ] = "no_read",
	[ATK_RESET] = "reset",
};

static const char *const tmf_names[] = { [ATMF_WARM] = "warm", [ATMF_COLD] = "cold", [ATMF_LU] = "lu",
	[ATMF_MIX] = "mix" };
#define TMF_NAMES (sizeof(tmf_names) / sizeof(tmf_names[0]))

const char *attack_kind_name(enum attack_kind k)
{
	return k < ATK_KINDS ? kind_names[k] : "unknown";
}

enum attack_kind attack_kind_parse(const char *s)
{
	for (int k = 0; k < ATK_KINDS; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return (enum attack_kind)k;
	return ATK_KINDS;
}

/* The probe's figures (issue 12): ~66 connections a second, 512
 * sessions, 8 KiB NOP echoes; READs sized to the simulated LU. */
void attack_default(struct attack *a, enum attack_kind k)
{
	*a = (struct attack){ .kind = k, .dur_ns = SIM_S(10), .count = 1, .rate = 10, .sources = 1,
		.depth = 32, .bytes = 1u << 20, .nop_bytes = 8192, .every_ns = SIM_MS(100), .tmf = ATMF_MIX };
	switch (k) {
	case ATK_IDLE_FLOOD:
		a->count = 1100; /* beyond the engine's connection table (RT_CONNS_MAX 1024) */
		a->rate = 100;
		break;
	case ATK_SESSION_HOG:
		a->count = 520;  /* beyond the engine's session table (RT_SESSIONS_MAX 512) */
		a->rate = 100;
		break;
	case ATK_NO_READ:
		a->count = 1;
		break;
	case ATK_RESET:
		a->every_ns = SIM_S(2);
		break;
	case ATK_KINDS:
		break;
	}
}

uint64_t attacks_last_end(const struct attack_list *l)
{
	uint64_t end = 0;
	for (unsigned i = 0; i < l->n; i++)
		if (l->a[i].at_ns + l->a[i].dur_ns > end)
			end = l->a[i].at_ns + l->a[i].dur_ns;
	return end;
}

/* ---- keys ---- */

enum akey_type { AK_TIME, AK_U32, AK_GW, AK_TMF, AK_BOOL };

struct akey {
	const char *name;
	enum akey_type type;
	size_t off;
	uint32_t max;          /* AK_U32: largest value */
	unsigned kinds;        /* bit per attack_kind that uses it */
};

#define ALL ((1u << ATK_KINDS) - 1u)
#define KB(k) (1u << (k))
#define AK(name, type, field, max, kinds) { name, type, offsetof(struct attack, field), max, kinds }
static const struct akey akeys[] = {
	AK("at", AK_TIME, at_ns, 0, ALL),
	AK("for", AK_TIME, dur_ns, 0, ALL),
	AK("gw", AK_GW, gw, 0, ALL),
	AK("conns", AK_U32, count, ATTACK_COUNT_MAX, KB(ATK_IDLE_FLOOD)),
	AK("sessions", AK_U32, count, ATTACK_COUNT_MAX, KB(ATK_SESSION_HOG) | KB(ATK_NO_READ)),
	AK("rate", AK_U32, rate, 100000, KB(ATK_IDLE_FLOOD) | KB(ATK_SESSION_HOG)),
	AK("sources", AK_U32, sources, ATTACK_SOURCES_MAX, KB(ATK_IDLE_FLOOD) | KB(ATK_SESSION_HOG)),
	AK("partial", AK_U32, partial, 47, KB(ATK_IDLE_FLOOD)),
	AK("depth", AK_U32, depth, 1024, KB(ATK_NO_READ)), /* 0: NOP-Outs only */
	AK("bytes", AK_U32, bytes, 1u << 26, KB(ATK_NO_READ)),
	AK("nop_bytes", AK_U32, nop_bytes, 1u << 24, KB(ATK_NO_READ)),
	AK("every", AK_TIME, every_ns, 0, KB(ATK_NO_READ) | KB(ATK_RESET)),
	AK("tmf", AK_TMF, tmf, 0, KB(ATK_RESET)),
	AK("permit", AK_BOOL, permit, 0, KB(ATK_RESET)),
};
#define NAKEYS (sizeof(akeys) / sizeof(akeys[0]))

static bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0' || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool set_akey(struct attack *a, const struct akey *k, const char *v)
{
	uint8_t *f = (uint8_t *)a + k->off;
	uint32_t u;
	switch (k->type) {
	case AK_TIME:
		return scenario_parse_time(v, (uint64_t *)f);
	case AK_U32:
		return parse_u32(v, k->max, (uint32_t *)f);
	case AK_GW:
		if (!parse_u32(v, 1000, &u))
			return false;
		*(int *)f = (int)u;
		return true;
	case AK_TMF:
		for (unsigned i = 0; i < TMF_NAMES; i++) {
			if (strcmp(v, tmf_names[i]) == 0) {
				*(enum attack_tmf *)f = (enum attack_tmf)i;
				return true;
			}
		}
		return false;
	case AK_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "on") == 0)
			*(bool *)f = true;
		else if (strcmp(v, "no") == 0 || strcmp(v, "off") == 0)
			*(bool *)f = false;
		else
			return false;
		return true;
	}
	return false;
}

int attack_parse(char **toks, int n, struct attack *a, char *why, size_t why_len)
{
	if (n < 1) {
		snprintf(why, why_len, "attack without a kind (idle_flood, session_hog, no_read, reset)");
		return -1;
	}
	enum attack_kind kind = attack_kind_parse(toks[0]);
	if (kind == ATK_KINDS) {
		snprintf(why, why_len, "unknown attack kind '%s' (idle_flood, session_hog, no_read, reset)", toks[0]);
		return -1;
	}
	attack_default(a, kind);
	for (int i = 1; i < n; i++) {
		char *eq = strchr(toks[i], '=');
		if (eq == NULL) {
			snprintf(why, why_len, "expected key=value, got '%s'", toks[i]);
			return -1;
		}
		*eq = '\0';
		const struct akey *k = NULL;
		for (size_t j = 0; j < NAKEYS && k == NULL; j++)
			if (strcmp(akeys[j].name, toks[i]) == 0 && (akeys[j].kinds & KB(kind)))
				k = &akeys[j];
		if (k == NULL) {
			snprintf(why, why_len, "attack %s takes no key '%s'", kind_names[kind], toks[i]);
			return -1;
		}
		if (!set_akey(a, k, eq + 1)) {
			snprintf(why, why_len, "bad value '%s' for attack %s %s", eq + 1, kind_names[kind], toks[i]);
			return -1;
		}
	}
	if (a->sources < 1 || (a->count < 1 && kind != ATK_RESET) || (a->rate < 1 && kind != ATK_NO_READ &&
		kind != ATK_RESET) || a->every_ns < SIM_MS(1) || (a->depth == 0 && a->nop_bytes == 0)) {
		snprintf(why, why_len,
			"attack %s: sources, conns/sessions, rate must be at least 1, every at least 1ms, depth or nop_bytes above 0",
			kind_names[kind]);
		return -1;
	}
	return 0;
}

size_t attack_format(const struct attack *a, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	textout(&o, "%s", attack_kind_name(a->kind));
	for (size_t j = 0; j < NAKEYS; j++) {
		const struct akey *k = &akeys[j];
		if (!(k->kinds & KB(a->kind)))
			continue;
		const uint8_t *f = (const uint8_t *)a + k->off;
		char v[32];
		switch (k->type) {
		case AK_TIME:
			scenario_format_time(v, sizeof(v), *(const uint64_t *)f);
			break;
		case AK_U32:
			snprintf(v, sizeof(v), "%u", *(const uint32_t *)f);
			break;
		case AK_GW:
			snprintf(v, sizeof(v), "%d", *(const int *)f);
			break;
		case AK_TMF:
			snprintf(v, sizeof(v), "%s", tmf_names[*(const enum attack_tmf *)f]);
			break;
		case AK_BOOL:
			snprintf(v, sizeof(v), "%s", *(const bool *)f ? "yes" : "no");
			break;
		}
		textout(&o, " %s=%s", k->name, v);
	}
	return o.len;
}
