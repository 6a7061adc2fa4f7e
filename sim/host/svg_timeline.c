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
#include "sim/host/svg_timeline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h" /* enum rt_alua_state */
#include "sim/spec/fault.h"

/* Geometry, in pixels. */
#define W_PX 1600
#define LEFT_PX 160        /* the label column: "ini15 path3 -> gw7" fits */
#define RIGHT_PX 12
#define TOP_PX 44          /* headline and time axis */
#define ROW_PX 16          /* one state row */
#define ROW_GAP_PX 2
#define GROUP_GAP_PX 8     /* between gateways, and between sections */
#define FAULT_ROW_PX 13
#define IO_LANE_PX 50
#define FONT_PX 11
#define SMALL_PX 10
/* Width of a monospace character in em: 0.6 for DejaVu Sans Mono and
 * Liberation Mono, rounded up so that estimated text never overflows. */
#define CHAR_EM 0.62
#define WHY_LINES_MAX 10   /* the oracle's message wraps onto at most this many lines */
#define WHY_MAX 700        /* bytes of the message kept (world.h: sim_result.why is 600) */
#define TICKS_WANTED 12    /* about this many time labels across the axis */

enum mark_kind {
	M_GW = 0, /* a gateway's process changed state: gw, state (enum gw_run) */
	M_ALUA,   /* a gateway's target port group changed ALUA state: gw, state (enum rt_alua_state) */
	M_LOCK,   /* the exclusive lock has a new owner: gw */
	M_PATH,   /* a path's session went up (state 1) or down (0): ini, path */
	M_FAULT,  /* a fault started: state (enum fault_kind), gw, ini (-1: none), a (duration), dir */
	M_IO,     /* an application I/O ended: ini, state (multipath result, 0 OK), a (latency) */
	M_STALE,  /* a stale write landed: gw, a (lba), b (version), c (submitted), d (blocks) */
	M_WRITE,  /* a disk write landed (only in --pdus traces): gw, a (lba), b (version), d (blocks) */
};

enum gw_run { RUN_DOWN = 0, RUN_UP, RUN_PAUSED };

struct mark {
	uint64_t t;
	enum mark_kind kind;
	int gw, ini, path; /* -1: none */
	int state;
	uint64_t a, b, c, d;
	char dir[8];       /* a partition's direction: both, to_gw, to_ini */
};

/* The oracle's violation, if one fired. */
struct verdict {
	bool failed;
	uint64_t t;
	int ini;           /* the initiator whose I/O saw it, -1: none */
	bool block_known;  /* it is about version ver of block lba */
	uint64_t lba, ver;
	char oracle[32];
	char why[WHY_MAX];
};

struct out_svg {
	struct sim_params p;
	char title[128];
	struct mark *m;
	size_t n, cap;
	bool oom;          /* a mark was lost: said in the picture */
	uint64_t end;
	int path_gw[SIM_INIS_MAX][SIM_PATHS_MAX]; /* the gateway each path leads to, -1: not seen */
	struct verdict v;
};

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

/* A string field, its JSON escapes undone (\u00XX of a control character
 * becomes a space), cut to fit cap. */
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
				out[o++] = ' ';
				for (int k = 0; k < 4 && s[1] != '\0'; k++)
					s++;
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

/* ---- drawing helpers ---- */

static double x_of(const struct out_svg *o, uint64_t t)
{
	double span = (double)(o->end ? o->end : 1);
	if (t > o->end)
		t = o->end;
	return LEFT_PX + (double)(W_PX - LEFT_PX - RIGHT_PX) * (double)t / span;
}

static double text_px(size_t chars, int font_px)
{
	return (double)chars * font_px * CHAR_EM;
}

/* Text content or attribute value, escaped for XML. */
static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f); break;
		}
	}
}

/* One <text>: anchor "start" or "end". */
static void text(FILE *f, double x, double y, int font_px, const char *fill, const char *anchor, const char *s)
{
	fprintf(f, "<text x='%.1f' y='%.1f' font-size='%d' fill='%s' text-anchor='%s'>", x, y, font_px, fill, anchor);
	esc(f, s);
	fputs("</text>\n", f);
}

/* How a state is drawn: fill, the colour of a label inside, the label. */
struct style {
	const char *fill, *ink, *label;
};

static const struct style ST_NONE = { NULL, NULL, NULL };
static const struct style ST_UP = { "#43a047", "#fff", "up" };
static const struct style ST_PAUSED = { "#ffb300", "#000", "paused" };
static const struct style ST_DOWN = { "#e53935", "#fff", "down" };
static const struct style ST_LOGGED_IN = { "#43a047", "#fff", "logged in" };
static const struct style ST_NO_SESSION = { "#e53935", "#fff", "no session" };
static const struct style ST_AO = { "#1565c0", "#fff", "active/optimized" };
static const struct style ST_ANO = { "#64b5f6", "#000", "active/non-optimized" };
static const struct style ST_STANDBY = { "#b0bec5", "#000", "standby" };
static const struct style ST_UNAVAILABLE = { "#424242", "#fff", "unavailable" };
static const struct style ST_TRANSITIONING = { "#ff9800", "#000", "transitioning" };
static const struct style ST_LOCK = { "#5d4037", "#fff", "lock owner" };
#define FAULT_FILL "#7e57c2"
#define IO_OK_FILL "#1e88e5"
#define IO_FAILED_FILL "#e53935"
#define STALE_FILL "#b71c1c"
#define ORACLE_FILL "#d50000"

static struct style alua_style(int st)
{
	switch (st) {
	case RT_ALUA_ACTIVE_OPTIMIZED: return ST_AO;
	case RT_ALUA_ACTIVE_NONOPTIMIZED: return ST_ANO;
	case RT_ALUA_STANDBY: return ST_STANDBY;
	case RT_ALUA_UNAVAILABLE: return ST_UNAVAILABLE;
	case RT_ALUA_TRANSITIONING: return ST_TRANSITIONING;
	default: return ST_NONE;
	}
}

/* A band from..to on the row at y, its label inside when it fits. */
static void band(FILE *f, const struct out_svg *o, uint64_t from, uint64_t to, int y, int h, struct style s)
{
	if (s.fill == NULL || to <= from)
		return;
	double x0 = x_of(o, from), x1 = x_of(o, to);
	fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s'/>\n", x0, y, x1 - x0 < 0.5 ? 0.5 : x1 - x0,
		h, s.fill);
	if (s.label != NULL && x1 - x0 > text_px(strlen(s.label), SMALL_PX) + 6)
		text(f, x0 + 3, y + h - 4, SMALL_PX, s.ink, "start", s.label);
}

/* The rows drawn from marks: which marks change the row, and to what. */
enum row_kind { ROW_GW_RUN, ROW_GW_ALUA, ROW_GW_LOCK, ROW_PATH };

struct row {
	enum row_kind kind;
	int gw, ini, path;
};

/* Whether m changes row r; if so its new state in *state. */
static bool changes(const struct row *r, const struct mark *m, int *state)
{
	switch (r->kind) {
	case ROW_GW_RUN:
		if (m->kind != M_GW || m->gw != r->gw)
			return false;
		*state = m->state;
		return true;
	case ROW_GW_ALUA:
		if (m->kind != M_ALUA || m->gw != r->gw)
			return false;
		*state = m->state;
		return true;
	case ROW_GW_LOCK:
		if (m->kind != M_LOCK)
			return false;
		*state = m->gw == r->gw;
		return true;
	case ROW_PATH:
		if (m->kind != M_PATH || m->ini != r->ini || m->path != r->path)
			return false;
		*state = m->state;
		return true;
	}
	return false;
}

static struct style row_style(enum row_kind k, int state)
{
	switch (k) {
	case ROW_GW_RUN: return state == RUN_UP ? ST_UP : state == RUN_PAUSED ? ST_PAUSED : ST_DOWN;
	case ROW_GW_ALUA: return alua_style(state);
	case ROW_GW_LOCK: return state == 1 ? ST_LOCK : ST_NONE;
	case ROW_PATH: return state == 1 ? ST_LOGGED_IN : ST_NO_SESSION;
	}
	return ST_NONE;
}

/* Paint one row's states over time, starting from initial. */
static void state_row(FILE *f, const struct out_svg *o, const struct row *r, int initial, int y)
{
	int state = initial;
	uint64_t from = 0;
	for (size_t i = 0; i < o->n; i++) {
		int next;
		if (!changes(r, &o->m[i], &next) || next == state)
			continue; /* one band per state, however many events repeat it */
		band(f, o, from, o->m[i].t, y, ROW_PX, row_style(r->kind, state));
		state = next;
		from = o->m[i].t;
	}
	band(f, o, from, o->end, y, ROW_PX, row_style(r->kind, state));
}

/* A row-wide note instead of bands (a feature that is off). */
static void row_note(FILE *f, int y, const char *fill, const char *s)
{
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s'/>\n", LEFT_PX, y, W_PX - LEFT_PX - RIGHT_PX,
		ROW_PX, fill);
	text(f, LEFT_PX + 4, y + ROW_PX - 4, SMALL_PX, "#555", "start", s);
}

static void row_label(FILE *f, int y, const char *s)
{
	text(f, 6, y + ROW_PX - 4, FONT_PX, "#000", "start", s);
}

/* ---- layout ---- */

static bool any_stale(const struct out_svg *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->m[i].kind == M_STALE)
			return true;
	return false;
}

static int gw_rows(const struct out_svg *o)
{
	return 3 + any_stale(o);
}

static int count(const struct out_svg *o, enum mark_kind k)
{
	int n = 0;
	for (size_t i = 0; i < o->n; i++)
		n += o->m[i].kind == k;
	return n;
}

static int y_gw(int gw, int rows)
{
	return TOP_PX + gw * (rows * (ROW_PX + ROW_GAP_PX) + GROUP_GAP_PX);
}

/* The oracle's message in lines of at most cols characters, broken at
 * spaces (a longer word is cut); at most WHY_LINES_MAX, the last one
 * ending in "..." if text was left out. Returns the number of lines. */
static int wrap(const char *s, size_t cols, char lines[][WHY_MAX], int max)
{
	int n = 0;
	while (*s != '\0' && n < max) {
		while (*s == ' ')
			s++;
		size_t len = strlen(s), take = len;
		if (len > cols) {
			take = cols;
			while (take > 0 && s[take] != ' ')
				take--;
			if (take == 0)
				take = cols;
		}
		snprintf(lines[n], WHY_MAX, "%.*s", (int)take, s);
		s += take;
		n++;
	}
	while (*s == ' ')
		s++;
	if (*s != '\0' && n > 0) {
		size_t l = strlen(lines[n - 1]);
		if (l + 3 > cols)
			l = cols - 3;
		snprintf(lines[n - 1] + l, WHY_MAX - l, "...");
	}
	return n;
}

/* ---- sections ---- */

static void headline(FILE *f, const struct out_svg *o)
{
	char h[512];
	static const char *const alua[] = { "ALUA off", "ALUA implicit", "ALUA explicit" };
	int n = snprintf(h, sizeof(h), "%s%sseed %llu  |  %d gateways, %d initiators x %d paths  |  %s, exclusive lock %s  |  ",
		o->title, o->title[0] ? "  |  " : "", (unsigned long long)o->p.seed, o->p.gateways, o->p.initiators,
		o->p.paths, alua[o->p.cluster.alua <= ALUA_MODE_EXPLICIT ? o->p.cluster.alua : 0],
		o->p.disk.exclusive_lock ? "on" : "off");
	if (n > 0 && (size_t)n < sizeof(h)) {
		if (o->v.failed)
			snprintf(h + n, sizeof(h) - (size_t)n, "FAIL: %s oracle at %.6f s", o->v.oracle,
				(double)o->v.t / 1e9);
		else
			snprintf(h + n, sizeof(h) - (size_t)n, "PASS: no oracle fired");
	}
	fprintf(f, "<text x='6' y='16' font-size='13' font-weight='bold' fill='%s'>", o->v.failed ? ORACLE_FILL : "#000");
	esc(f, h);
	fputs("</text>\n", f);
}

static void axis(FILE *f, const struct out_svg *o, int y_bottom)
{
	static const uint64_t steps_s[] = { 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1800, 3600 };
	uint64_t end_s = o->end / 1000000000ull, step = steps_s[0];
	for (size_t i = 0; i < sizeof(steps_s) / sizeof(steps_s[0]); i++) {
		step = steps_s[i];
		if (end_s / step < TICKS_WANTED)
			break;
	}
	for (uint64_t s = 0; s * 1000000000ull <= o->end; s += step) {
		double x = x_of(o, s * 1000000000ull);
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#e0e0e0'/>\n", x, TOP_PX - 8, x, y_bottom);
		char l[32];
		snprintf(l, sizeof(l), "%llus", (unsigned long long)s);
		text(f, x, TOP_PX - 11, SMALL_PX, "#555", "middle", l);
	}
}

static void gateways(FILE *f, const struct out_svg *o)
{
	int rows = gw_rows(o);
	for (int g = 0; g < o->p.gateways; g++) {
		int y = y_gw(g, rows);
		char l[48];
		fprintf(f, "<g id='gw%d'>\n", g);
		snprintf(l, sizeof(l), "gw%d process", g);
		row_label(f, y, l);
		state_row(f, o, &(struct row){ ROW_GW_RUN, g, -1, -1 }, RUN_UP, y);
		y += ROW_PX + ROW_GAP_PX;
		snprintf(l, sizeof(l), "gw%d ALUA", g);
		row_label(f, y, l);
		if (o->p.cluster.alua == ALUA_MODE_OFF)
			row_note(f, y, "#e3f2fd", "ALUA off: every gateway's group is active/optimized");
		else
			state_row(f, o, &(struct row){ ROW_GW_ALUA, g, -1, -1 }, -1, y);
		y += ROW_PX + ROW_GAP_PX;
		snprintf(l, sizeof(l), "gw%d lock", g);
		row_label(f, y, l);
		if (!o->p.disk.exclusive_lock)
			row_note(f, y, "#fafafa", "exclusive lock off: nothing fences a gateway's late writes");
		else
			state_row(f, o, &(struct row){ ROW_GW_LOCK, g, -1, -1 }, 0, y);
		if (rows > 3) {
			y += ROW_PX + ROW_GAP_PX;
			snprintf(l, sizeof(l), "gw%d stale writes", g);
			row_label(f, y, l);
		}
		fputs("</g>\n", f);
	}
}

static int y_stale(const struct out_svg *o, int gw)
{
	return y_gw(gw, gw_rows(o)) + 3 * (ROW_PX + ROW_GAP_PX);
}

/* A stale write: in flight from its submission (dashed) to its landing
 * (a triangle) on its gateway's row. */
static void stale_write(FILE *f, const struct out_svg *o, const struct mark *m, bool flagged)
{
	if (m->gw < 0 || m->gw >= o->p.gateways)
		return;
	int y = y_stale(o, m->gw) + ROW_PX / 2;
	double x0 = x_of(o, m->c), x1 = x_of(o, m->t);
	fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-width='%d' stroke-dasharray='4,3'%s/>\n",
		x0, y, x1, y, STALE_FILL, flagged ? 2 : 1, flagged ? "" : " opacity='0.5'");
	fprintf(f, "<path d='M%.1f %d l-5 -7 h10 z' fill='%s'/>\n", x1, y + 1, STALE_FILL);
}

static void paths(FILE *f, const struct out_svg *o, int y0)
{
	for (int i = 0; i < o->p.initiators; i++) {
		for (int k = 0; k < o->p.paths; k++) {
			int y = y0 + (i * o->p.paths + k) * (ROW_PX + ROW_GAP_PX);
			char l[64], gw[16] = "gw?";
			if (i < SIM_INIS_MAX && k < SIM_PATHS_MAX && o->path_gw[i][k] >= 0)
				snprintf(gw, sizeof(gw), "gw%d", o->path_gw[i][k]);
			snprintf(l, sizeof(l), "ini%d path%d -> %s", i, k, gw);
			fprintf(f, "<g id='ini%d-path%d'>\n", i, k);
			row_label(f, y, l);
			state_row(f, o, &(struct row){ ROW_PATH, -1, i, k }, 0, y);
			fputs("</g>\n", f);
		}
	}
}

/* A fault's name and the nodes it concerns, and no others. */
static void fault_label(const struct mark *m, char *l, size_t cap)
{
	enum fault_kind k = (enum fault_kind)m->state;
	const char *name = fault_kind_name(k);
	char dur[32] = "";
	if (m->a != 0)
		snprintf(dur, sizeof(dur), ", %.1f s", (double)m->a / 1e9);
	switch (fault_scope(k)) {
	case FS_LINK: {
		const char *arrow = strcmp(m->dir, "to_gw") == 0 ? "->" : strcmp(m->dir, "to_ini") == 0 ? "<-" : "<->";
		if (k == F_PARTITION)
			snprintf(l, cap, "%s ini%d %s gw%d%s", name, m->ini, arrow, m->gw, dur);
		else
			snprintf(l, cap, "%s ini%d - gw%d%s", name, m->ini, m->gw, dur);
		break;
	}
	case FS_GATEWAY:
		snprintf(l, cap, "%s gw%d%s", name, m->gw, dur);
		break;
	case FS_DISK:
		snprintf(l, cap, "%s (the shared disk)%s", name, dur);
		break;
	}
}

static void faults(FILE *f, const struct out_svg *o, int y0)
{
	int k = 0;
	text(f, 6, y0 + FAULT_ROW_PX - 3, FONT_PX, "#000", "start", "faults");
	fputs("<g id='faults'>\n", f);
	if (count(o, M_FAULT) == 0)
		text(f, LEFT_PX + 4, y0 + FAULT_ROW_PX - 3, SMALL_PX, "#555", "start", "none");
	for (size_t i = 0; i < o->n; i++) {
		const struct mark *m = &o->m[i];
		if (m->kind != M_FAULT)
			continue;
		int y = y0 + k++ * FAULT_ROW_PX;
		double x0 = x_of(o, m->t), x1 = x_of(o, m->t + m->a), right = W_PX - RIGHT_PX;
		if (x1 - x0 < 2)
			x1 = x0 + 2; /* an instant fault (a reset) is a tick */
		fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s' opacity='0.75'/>", x0, y + 1, x1 - x0,
			FAULT_ROW_PX - 3, FAULT_FILL);
		char l[96];
		fault_label(m, l, sizeof(l));
		/* After the band; inside its end if there is no room after it;
		 * before it if the band is too short to hold it. */
		double w = text_px(strlen(l), SMALL_PX);
		if (x1 + 4 + w <= right)
			text(f, x1 + 4, y + FAULT_ROW_PX - 3, SMALL_PX, "#000", "start", l);
		else if (x1 - x0 > w + 6)
			text(f, x1 - 3, y + FAULT_ROW_PX - 3, SMALL_PX, "#fff", "end", l);
		else
			text(f, x0 - 4, y + FAULT_ROW_PX - 3, SMALL_PX, "#000", "end", l);
	}
	fputs("</g>\n", f);
}

static uint64_t latency_top(const struct out_svg *o)
{
	uint64_t top = 1;
	for (size_t i = 0; i < o->n; i++)
		if (o->m[i].kind == M_IO && o->m[i].a > top)
			top = o->m[i].a;
	return top;
}

/* One dot per initiator and pixel column: the slowest I/O that ended
 * there, red if any of them failed (a minute of I/O stays a small file). */
static void io_lanes(FILE *f, const struct out_svg *o, int y0)
{
	uint64_t top = latency_top(o);
	for (int ini = 0; ini < o->p.initiators; ini++) {
		int y = y0 + ini * IO_LANE_PX;
		char l[48];
		snprintf(l, sizeof(l), "ini%d I/O latency", ini);
		text(f, 6, y + IO_LANE_PX / 2, FONT_PX, "#000", "start", l);
		fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#999'/>\n", LEFT_PX, y + IO_LANE_PX - 5,
			W_PX - RIGHT_PX, y + IO_LANE_PX - 5);
	}
	char top_l[48];
	snprintf(top_l, sizeof(top_l), "(lane top: %.3f s)", (double)top / 1e9);
	text(f, 6, y0 + IO_LANE_PX / 2 + 12, SMALL_PX, "#555", "start", top_l);
	size_t cols = W_PX, cells = cols * (size_t)o->p.initiators;
	uint64_t *lat = calloc(cells ? cells : 1, sizeof(*lat));
	unsigned char *st = calloc(cells ? cells : 1, 1); /* 1 seen, 2 failed */
	if (lat == NULL || st == NULL) {
		free(lat);
		free(st);
		return;
	}
	for (size_t i = 0; i < o->n; i++) {
		const struct mark *m = &o->m[i];
		if (m->kind != M_IO || m->ini < 0 || m->ini >= o->p.initiators)
			continue;
		size_t x = (size_t)x_of(o, m->t);
		size_t c = (size_t)m->ini * cols + (x < cols ? x : cols - 1);
		if (m->a > lat[c])
			lat[c] = m->a;
		st[c] |= (unsigned char)(m->state == 0 ? 1 : 3);
	}
	fputs("<g id='io'>\n", f);
	for (size_t c = 0; c < cells; c++) {
		if (st[c] == 0)
			continue;
		int y = y0 + (int)(c / cols) * IO_LANE_PX + IO_LANE_PX - 5;
		double dy = (double)(IO_LANE_PX - 10) * (double)lat[c] / (double)top;
		fprintf(f, "<circle cx='%zu' cy='%.1f' r='1.5' fill='%s'/>\n", c % cols, y - dy,
			st[c] & 2 ? IO_FAILED_FILL : IO_OK_FILL);
	}
	fputs("</g>\n", f);
	free(lat);
	free(st);
}

/* The write that carried the version the oracle names: a stale write
 * if one did, else a disk write of --pdus traces; the last one to land
 * before the verdict. NULL if the trace does not say. */
static const struct mark *flagged_write(const struct out_svg *o)
{
	if (!o->v.failed || !o->v.block_known)
		return NULL;
	const struct mark *best = NULL;
	for (int pass = 0; pass < 2 && best == NULL; pass++)
		for (size_t i = 0; i < o->n; i++) {
			const struct mark *m = &o->m[i];
			if (m->kind == (pass == 0 ? M_STALE : M_WRITE) && m->b == o->v.ver && m->t <= o->v.t)
				best = m;
		}
	return best;
}

/* The verdict where and when: a line at its time across the picture, a
 * ring on the lane of the initiator that saw it, and the write that put
 * the version there, marked where it landed and linked to the ring. */
static void oracle_mark(FILE *f, const struct out_svg *o, int y_io, int y_bottom)
{
	if (!o->v.failed)
		return;
	double x = x_of(o, o->v.t);
	fputs("<g id='oracle'>\n", f);
	fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-width='2' opacity='0.8'/>\n", x,
		TOP_PX - 8, x, y_bottom, ORACLE_FILL);
	double rx = x, ry = TOP_PX;
	char l[160];
	if (o->v.ini >= 0 && o->v.ini < o->p.initiators) {
		ry = y_io + o->v.ini * IO_LANE_PX + 12;
		fprintf(f, "<circle cx='%.1f' cy='%.1f' r='6' fill='none' stroke='%s' stroke-width='2'/>\n", rx, ry,
			ORACLE_FILL);
		if (o->v.block_known)
			snprintf(l, sizeof(l), "ini%d read lba %llu: version %llu", o->v.ini, (unsigned long long)o->v.lba,
				(unsigned long long)o->v.ver);
		else
			snprintf(l, sizeof(l), "ini%d: %s oracle", o->v.ini, o->v.oracle);
		text(f, rx - 9, ry + 4, SMALL_PX, ORACLE_FILL, "end", l);
	}
	const struct mark *w = flagged_write(o);
	if (w != NULL && w->gw >= 0 && w->gw < o->p.gateways) {
		bool stale = w->kind == M_STALE;
		int y = stale ? y_stale(o, w->gw) + ROW_PX / 2 : y_gw(w->gw, gw_rows(o)) + ROW_PX / 2;
		double wx = x_of(o, w->t);
		if (stale)
			snprintf(l, sizeof(l), "version %llu (lba %llu+%llu) sent %.3f s, landed via gw%d at %.3f s", (unsigned long long)w->b,
				(unsigned long long)w->a, (unsigned long long)w->d, (double)w->c / 1e9, w->gw, (double)w->t / 1e9);
		else
			snprintf(l, sizeof(l), "version %llu (lba %llu+%llu) landed via gw%d at %.3f s", (unsigned long long)w->b,
				(unsigned long long)w->a, (unsigned long long)w->d, w->gw, (double)w->t / 1e9);
		fprintf(f, "<circle cx='%.1f' cy='%d' r='6' fill='none' stroke='%s' stroke-width='2'/>\n", wx, y, ORACLE_FILL);
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%.1f' stroke='%s' stroke-dasharray='2,2'/>\n", wx, y + 6,
			rx, ry - 6, ORACLE_FILL);
		text(f, wx - 9, y - 3, SMALL_PX, ORACLE_FILL, "end", l);
	}
	fputs("</g>\n", f);
}

/* The oracle's message in a box, wrapped to the picture's width. */
static int verdict_box(FILE *f, const struct out_svg *o, int y0, bool draw)
{
	if (!o->v.failed)
		return 0;
	char lines[WHY_LINES_MAX][WHY_MAX];
	size_t cols = (size_t)((W_PX - 2 * 12) / (FONT_PX * CHAR_EM));
	int n = wrap(o->v.why, cols, lines, WHY_LINES_MAX);
	int h = 8 + 16 + n * (FONT_PX + 3) + 6;
	if (!draw)
		return h;
	fprintf(f, "<g id='verdict'>\n<rect x='6' y='%d' width='%d' height='%d' fill='#ffebee' stroke='%s'/>\n", y0,
		W_PX - 12, h, ORACLE_FILL);
	char head[96];
	snprintf(head, sizeof(head), "%s oracle at %.6f s:", o->v.oracle, (double)o->v.t / 1e9);
	fprintf(f, "<text x='12' y='%d' font-size='12' font-weight='bold' fill='%s'>", y0 + 18, ORACLE_FILL);
	esc(f, head);
	fputs("</text>\n", f);
	for (int i = 0; i < n; i++)
		text(f, 12, y0 + 18 + 16 + i * (FONT_PX + 3), FONT_PX, "#000", "start", lines[i]);
	fputs("</g>\n", f);
	return h;
}

/* ---- legend ---- */

enum swatch { SW_RECT, SW_DOT, SW_TRIANGLE, SW_RING, SW_BAND };

struct legend_item {
	enum swatch sw;
	const char *fill, *label;
};

static const struct legend_item legend_items[] = {
	{ SW_RECT, "#43a047", "gateway up / path logged in" },
	{ SW_RECT, "#ffb300", "gateway paused" },
	{ SW_RECT, "#e53935", "gateway down / path without session" },
	{ SW_RECT, "#1565c0", "ALUA active/optimized" },
	{ SW_RECT, "#64b5f6", "ALUA active/non-optimized" },
	{ SW_RECT, "#b0bec5", "ALUA standby" },
	{ SW_RECT, "#ff9800", "ALUA transitioning" },
	{ SW_RECT, "#424242", "ALUA unavailable" },
	{ SW_RECT, "#5d4037", "exclusive lock owner" },
	{ SW_BAND, FAULT_FILL, "fault, start to heal" },
	{ SW_DOT, IO_OK_FILL, "I/O completed (height: latency)" },
	{ SW_DOT, IO_FAILED_FILL, "I/O failed to the application" },
	{ SW_TRIANGLE, STALE_FILL, "stale write: sent (dashes) to landed" },
	{ SW_RING, ORACLE_FILL, "oracle violation and the write it names" },
};
#define LEGEND_ITEMS (sizeof(legend_items) / sizeof(legend_items[0]))
#define LEGEND_ROW_PX 18

static void swatch(FILE *f, const struct legend_item *it, double x, int y)
{
	switch (it->sw) {
	case SW_RECT:
		fprintf(f, "<rect x='%.1f' y='%d' width='14' height='12' fill='%s'/>", x, y, it->fill);
		break;
	case SW_BAND:
		fprintf(f, "<rect x='%.1f' y='%d' width='14' height='9' fill='%s' opacity='0.75'/>", x, y + 2, it->fill);
		break;
	case SW_DOT:
		fprintf(f, "<circle cx='%.1f' cy='%d' r='3' fill='%s'/>", x + 7, y + 6, it->fill);
		break;
	case SW_TRIANGLE:
		fprintf(f, "<path d='M%.1f %d l-5 -7 h10 z' fill='%s'/>", x + 7, y + 10, it->fill);
		break;
	case SW_RING:
		fprintf(f, "<circle cx='%.1f' cy='%d' r='5' fill='none' stroke='%s' stroke-width='2'/>", x + 7, y + 6,
			it->fill);
		break;
	}
}

/* Items flow left to right and wrap; returns the height used. */
static int legend(FILE *f, int y0, bool draw)
{
	double x = 70;
	int y = y0;
	if (draw) {
		fputs("<g id='legend'>\n", f);
		text(f, 6, y0 + 10, FONT_PX, "#000", "start", "legend");
	}
	for (size_t i = 0; i < LEGEND_ITEMS; i++) {
		double w = 20 + text_px(strlen(legend_items[i].label), SMALL_PX) + 18;
		if (x + w > W_PX - RIGHT_PX) {
			x = 70;
			y += LEGEND_ROW_PX;
		}
		if (draw) {
			swatch(f, &legend_items[i], x, y);
			text(f, x + 20, y + 10, SMALL_PX, "#000", "start", legend_items[i].label);
		}
		x += w;
	}
	if (draw)
		fputs("</g>\n", f);
	return y - y0 + LEGEND_ROW_PX;
}

/* ---- the picture ---- */

static void draw(FILE *f, const struct out_svg *o)
{
	int rows = gw_rows(o);
	int y_paths = y_gw(o->p.gateways, rows);
	int y_faults = y_paths + o->p.initiators * o->p.paths * (ROW_PX + ROW_GAP_PX) + GROUP_GAP_PX;
	int nfaults = count(o, M_FAULT);
	int y_io = y_faults + (nfaults > 0 ? nfaults : 1) * FAULT_ROW_PX + GROUP_GAP_PX;
	int y_end = y_io + o->p.initiators * IO_LANE_PX;
	int y_verdict = y_end + GROUP_GAP_PX;
	int y_legend = y_verdict + verdict_box(f, o, y_verdict, false) + GROUP_GAP_PX;
	int h = y_legend + legend(f, y_legend, false) + 6;
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' "
		"font-family='DejaVu Sans Mono, Liberation Mono, monospace'>\n", W_PX, h, W_PX, h);
	fputs("<title>", f);
	esc(f, o->title[0] ? o->title : "isim timeline");
	fputs("</title>\n<rect width='100%' height='100%' fill='white'/>\n", f);
	headline(f, o);
	axis(f, o, y_end);
	gateways(f, o);
	for (size_t i = 0; i < o->n; i++)
		if (o->m[i].kind == M_STALE)
			stale_write(f, o, &o->m[i], o->v.block_known && o->m[i].b == o->v.ver);
	paths(f, o, y_paths);
	faults(f, o, y_faults);
	io_lanes(f, o, y_io);
	oracle_mark(f, o, y_io, y_end);
	verdict_box(f, o, y_verdict, true);
	legend(f, y_legend, true);
	if (o->oom)
		text(f, W_PX - RIGHT_PX, h - 4, SMALL_PX, ORACLE_FILL, "end", "out of memory: some events are missing");
	fputs("</svg>\n", f);
}

int out_svg_write(struct out_svg *o, const char *path)
{
	int rc = -1, err = 0;
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		err = errno;
	} else {
		draw(f, o);
		rc = ferror(f) ? -1 : 0;
		if (rc != 0)
			err = errno;
		if (fclose(f) != 0 && rc == 0) {
			rc = -1;
			err = errno;
		}
	}
	free(o->m);
	free(o);
	errno = err;
	return rc;
}
