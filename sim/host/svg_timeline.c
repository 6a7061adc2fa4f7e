/* host/svg_timeline: see host/svg_timeline.h.
 *
 * The picture, top to bottom: a headline (what, seed, topology, verdict),
 * the time axis, then one group of rows per gateway (process, ALUA state,
 * exclusive lock, stale writes), one row per initiator path (its session,
 * and the gateway it leads to), one band per fault, one lane per
 * initiator with its I/O latencies, the oracle's message wrapped in a
 * box, and the legend. Everything is collected while the world runs
 * (marks, in time order, as the trace delivers them) and drawn at the end,
 * when the time axis is known.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/svg_int.h"
#include "sim/initiator/multipath.h"
#include "sim/initiator/workload.h"

struct out_svg *out_svg_new(const struct sim_params *p, const char *title)
{
	struct out_svg *o = calloc(1, sizeof(*o));
	if (o == NULL)
		return NULL;
	o->p = *p;
	snprintf(o->title, sizeof(o->title), "%s", title != NULL ? title : "");
	for (int i = 0; i < SIM_INIS_MAX; i++)
		for (int k = 0; k < SIM_PATHS_MAX; k++)
			o->path_gw[i][k] = -1;
	o->v.ini = -1;
	for (int i = 0; i < SIM_INIS_MAX; i++)
		tput_init(&o->tput[i]);
	return o;
}

static void add(struct out_svg *o, struct mark m)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		struct mark *nm = realloc(o->m, cap * sizeof(*nm));
		if (nm == NULL) {
			o->oom = true;
			return;
		}
		o->m = nm;
		o->cap = cap;
	}
	o->m[o->n++] = m;
}

static struct mark mk(const struct tev *ev, enum mark_kind kind)
{
	return (struct mark){ .t = ev->t, .kind = kind, .gw = -1, .ini = -1, .path = -1 };
}

/* ---- reading fields of the event's JSON line (trace.c writes them) ---- */

/* The text after "key": in the line, or NULL. */
static const char *field(const struct tev *ev, const char *key)
{
	char pat[40];
	int n = snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (n <= 0 || (size_t)n >= sizeof(pat))
		return NULL;
	const char *s = strstr(ev->line, pat);
	return s != NULL ? s + n : NULL;
}

static uint64_t field_u64(const struct tev *ev, const char *key)
{
	const char *s = field(ev, key);
	return s != NULL ? strtoull(s, NULL, 10) : 0;
}

/* A string field, its JSON escapes undone (\uXXXX of a control character
 * becomes a space, any other its UTF-8), cut to fit cap. */
static void field_str(const struct tev *ev, const char *key, char *out, size_t cap)
{
	const char *s = field(ev, key);
	size_t o = 0;
	if (s != NULL && *s == '"') {
		for (s++; *s != '\0' && *s != '"' && o + 1 < cap; s++) {
			if (*s != '\\') {
				out[o++] = *s;
				continue;
			}
			s++;
			if (*s == 'u') {
				unsigned cp = 0;
				for (int k = 0; k < 4 && isxdigit((unsigned char)s[1]); k++) {
					s++;
					cp = cp * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10));
				}
				if (cp < 0x20 || cp == 0x7f) {
					out[o++] = ' ';
				} else if (cp < 0x800 && o + 2 < cap) { /* UTF-8, as the SVG is */
					out[o++] = (char)(0xc0 | (cp >> 6));
					out[o++] = (char)(0x80 | (cp & 0x3f));
				} else if (cp >= 0x800 && o + 3 < cap) {
					out[o++] = (char)(0xe0 | (cp >> 12));
					out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
					out[o++] = (char)(0x80 | (cp & 0x3f));
				} else {
					break;
				}
			} else if (*s != '\0') {
				out[o++] = *s;
			} else {
				break;
			}
		}
	}
	out[o] = '\0';
}

/* ---- collecting ---- */

static void observe_gw(struct out_svg *o, const struct tev *ev)
{
	const char *w = ev->what;
	struct mark m = mk(ev, M_GW);
	m.gw = ev->node;
	if (strcmp(w, "crash") == 0 || strcmp(w, "power_off") == 0 || strcmp(w, "stopped") == 0)
		m.state = RUN_DOWN;
	else if (strcmp(w, "restart") == 0 || strcmp(w, "resume") == 0)
		m.state = RUN_UP;
	else if (strcmp(w, "pause") == 0)
		m.state = RUN_PAUSED;
	else if (strcmp(w, "alua_state") == 0)
		m = (struct mark){ .t = ev->t, .kind = M_ALUA, .gw = ev->node, .ini = -1, .path = -1, .state = (int)ev->a };
	else
		return;
	add(o, m);
}

static void observe_sess(struct out_svg *o, const struct tev *ev)
{
	int ini = ev->node, path = ev->idx;
	if (ini < 0 || ini >= SIM_INIS_MAX || path < 0 || path >= SIM_PATHS_MAX)
		return;
	o->path_gw[ini][path] = (int)ev->b; /* every session event says its gateway */
	struct mark m = mk(ev, M_PATH);
	m.ini = ini;
	m.path = path;
	if (strcmp(ev->what, "up") == 0)
		m.state = 1;
	else if (strcmp(ev->what, "down") == 0 || strcmp(ev->what, "logged_out") == 0 ||
		strcmp(ev->what, "replacement_timeout") == 0)
		m.state = 0;
	else
		return;
	add(o, m);
}

static void observe_disk(struct out_svg *o, const struct tev *ev, bool dio)
{
	struct mark m = mk(ev, M_LOCK);
	m.gw = ev->node;
	if (!dio && (strcmp(ev->what, "lock_acquired") == 0 || strcmp(ev->what, "lock_transfer") == 0)) {
		add(o, m);
	} else if (!dio && strcmp(ev->what, "stale_write") == 0) {
		m.kind = M_STALE;
		m.a = ev->a;
		m.b = ev->b;
		m.c = field_u64(ev, "submitted_ns");
		m.d = field_u64(ev, "blocks");
		add(o, m);
	} else if (dio && strcmp(ev->what, "write") == 0 && ev->idx == 0 && field(ev, "ver") != NULL) {
		m.kind = M_WRITE;
		m.a = ev->a;
		m.b = field_u64(ev, "ver");
		m.d = ev->b;
		add(o, m);
	}
}

/* The throughput series: the same completions the workload counts
 * (wl_op_in_tput, GOOD), paired with their submit by initiator and slot. */
static void observe_tput(struct out_svg *o, const struct tev *ev)
{
	int ini = ev->node;
	if (ini < 0 || ini >= SIM_INIS_MAX || ev->idx < 0)
		return;
	size_t slot = (size_t)ev->idx;
	if (strcmp(ev->what, "submit") == 0) {
		if (slot >= o->pend_cap[ini]) {
			size_t cap = slot < 16 ? 32 : slot * 2;
			uint64_t *np = realloc(o->pend[ini], cap * sizeof(*np));
			if (np == NULL) {
				o->oom = true;
				return;
			}
			memset(np + o->pend_cap[ini], 0, (cap - o->pend_cap[ini]) * sizeof(*np));
			o->pend[ini] = np;
			o->pend_cap[ini] = cap;
		}
		char op[16];
		field_str(ev, "op", op, sizeof(op));
		bool counted = false;
		for (int k = 0; k < WL_OPS; k++)
			if (strcmp(op, wl_op_name((enum wl_op)k)) == 0)
				counted = wl_op_in_tput((enum wl_op)k);
		o->pend[ini][slot] = counted ? ev->b * o->p.block_size : 0;
	} else if (strcmp(ev->what, "done") == 0 && slot < o->pend_cap[ini]) {
		if (ev->b == MP_OK && o->pend[ini][slot] != 0)
			tput_add(&o->tput[ini], ev->t, o->pend[ini][slot]);
		o->pend[ini][slot] = 0;
	}
}

void out_svg_observe(void *ctx, const struct tev *ev)
{
	struct out_svg *o = ctx;
	if (ev->t > o->end)
		o->end = ev->t;
	struct mark m = mk(ev, M_FAULT);
	switch (ev->kind) {
	case TEV_GW:
		observe_gw(o, ev);
		break;
	case TEV_SESS:
		observe_sess(o, ev);
		break;
	case TEV_DISK:
	case TEV_DIO:
		observe_disk(o, ev, ev->kind == TEV_DIO);
		break;
	case TEV_FAULT:
		/* node: the gateway, idx: the initiator of a link fault; a: the
		 * duration, b: the kind */
		if (strcmp(ev->what, "start") != 0)
			break;
		m.state = (int)ev->b;
		m.gw = ev->node;
		m.ini = ev->idx;
		m.a = ev->a;
		field_str(ev, "dir", m.dir, sizeof(m.dir));
		add(o, m);
		break;
	case TEV_IO:
		observe_tput(o, ev);
		if (strcmp(ev->what, "done") != 0)
			break;
		m.kind = M_IO;
		m.ini = ev->node;
		m.state = (int)ev->b;
		m.a = ev->a;
		add(o, m);
		break;
	case TEV_ORACLE:
		o->v.failed = true;
		o->v.t = ev->t;
		o->v.ini = ev->node;
		o->v.block_known = field(ev, "ver") != NULL;
		o->v.lba = ev->a;
		o->v.ver = ev->b;
		field_str(ev, "oracle", o->v.oracle, sizeof(o->v.oracle));
		field_str(ev, "why", o->v.why, sizeof(o->v.why));
		break;
	default:
		break;
	}
}
