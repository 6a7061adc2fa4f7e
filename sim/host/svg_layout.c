/* host/svg_layout: the timeline's geometry and drawing primitives:
 * time to x, text, bands, the state rows and where they go, the oracle's
 * message wrapped. See host/svg_int.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/svg_int.h"

/* ---- drawing helpers ---- */

double svg_x_of(const struct out_svg *o, uint64_t t)
{
	double span = (double)(o->end ? o->end : 1);
	if (t > o->end)
		t = o->end;
	return LEFT_PX + (double)(W_PX - LEFT_PX - RIGHT_PX) * (double)t / span;
}

double svg_text_px(size_t chars, int font_px)
{
	return (double)chars * font_px * CHAR_EM;
}

/* Text content or attribute value, escaped for XML. */
void svg_esc(FILE *f, const char *s)
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
void svg_text(FILE *f, double x, double y, int font_px, const char *fill, const char *anchor, const char *s)
{
	fprintf(f, "<text x='%.1f' y='%.1f' font-size='%d' fill='%s' text-anchor='%s'>", x, y, font_px, fill, anchor);
	svg_esc(f, s);
	fputs("</text>\n", f);
}

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
	double x0 = svg_x_of(o, from), x1 = svg_x_of(o, to);
	fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s'/>\n", x0, y, x1 - x0 < 0.5 ? 0.5 : x1 - x0,
		h, s.fill);
	if (s.label != NULL && x1 - x0 > svg_text_px(strlen(s.label), SMALL_PX) + 6)
		svg_text(f, x0 + 3, y + h - 4, SMALL_PX, s.ink, "start", s.label);
}

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
void svg_state_row(FILE *f, const struct out_svg *o, const struct row *r, int initial, int y)
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
void svg_row_note(FILE *f, int y, const char *fill, const char *s)
{
	fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s'/>\n", LEFT_PX, y, W_PX - LEFT_PX - RIGHT_PX,
		ROW_PX, fill);
	svg_text(f, LEFT_PX + 4, y + ROW_PX - 4, SMALL_PX, "#555", "start", s);
}

void svg_row_label(FILE *f, int y, const char *s)
{
	svg_text(f, 6, y + ROW_PX - 4, FONT_PX, "#000", "start", s);
}

/* ---- layout ---- */

static bool any_stale(const struct out_svg *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->m[i].kind == M_STALE)
			return true;
	return false;
}

int svg_gw_rows(const struct out_svg *o)
{
	return 3 + any_stale(o);
}

int svg_count(const struct out_svg *o, enum mark_kind k)
{
	int n = 0;
	for (size_t i = 0; i < o->n; i++)
		n += o->m[i].kind == k;
	return n;
}

int svg_y_gw(int gw, int rows)
{
	return TOP_PX + gw * (rows * (ROW_PX + ROW_GAP_PX) + GROUP_GAP_PX);
}

/* The oracle's message in lines of at most cols characters, broken at
 * spaces (a longer word is cut); at most WHY_LINES_MAX, the last one
 * ending in "..." if text was left out. Returns the number of lines. */
int svg_wrap(const char *s, size_t cols, char lines[][WHY_MAX], int max)
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
