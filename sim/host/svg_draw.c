/* host/svg_draw: the timeline's sections, top to bottom (headline, axis,
 * gateways, paths, faults, I/O lanes, the oracle's mark and message,
 * legend), and the file. See host/svg_int.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/svg_int.h"

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
	svg_esc(f, h);
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
		double x = svg_x_of(o, s * 1000000000ull);
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#e0e0e0'/>\n", x, TOP_PX - 8, x, y_bottom);
		char l[32];
		snprintf(l, sizeof(l), "%llus", (unsigned long long)s);
		svg_text(f, x, TOP_PX - 11, SMALL_PX, "#555", "middle", l);
	}
}

static void gateways(FILE *f, const struct out_svg *o)
{
	int rows = svg_gw_rows(o);
	for (int g = 0; g < o->p.gateways; g++) {
		int y = svg_y_gw(g, rows);
		char l[48];
		fprintf(f, "<g id='gw%d'>\n", g);
		snprintf(l, sizeof(l), "gw%d process", g);
		svg_row_label(f, y, l);
		svg_state_row(f, o, &(struct row){ ROW_GW_RUN, g, -1, -1 }, RUN_UP, y);
		y += ROW_PX + ROW_GAP_PX;
		snprintf(l, sizeof(l), "gw%d ALUA", g);
		svg_row_label(f, y, l);
		if (o->p.cluster.alua == ALUA_MODE_OFF)
			svg_row_note(f, y, "#e3f2fd", "ALUA off: every gateway's group is active/optimized");
		else
			svg_state_row(f, o, &(struct row){ ROW_GW_ALUA, g, -1, -1 }, -1, y);
		y += ROW_PX + ROW_GAP_PX;
		snprintf(l, sizeof(l), "gw%d lock", g);
		svg_row_label(f, y, l);
		if (!o->p.disk.exclusive_lock)
			svg_row_note(f, y, "#fafafa", "exclusive lock off: nothing fences a gateway's late writes");
		else
			svg_state_row(f, o, &(struct row){ ROW_GW_LOCK, g, -1, -1 }, 0, y);
		if (rows > 3) {
			y += ROW_PX + ROW_GAP_PX;
			snprintf(l, sizeof(l), "gw%d stale writes", g);
			svg_row_label(f, y, l);
		}
		fputs("</g>\n", f);
	}
}

static int y_stale(const struct out_svg *o, int gw)
{
	return svg_y_gw(gw, svg_gw_rows(o)) + 3 * (ROW_PX + ROW_GAP_PX);
}

/* A stale write: in flight from its submission (dashed) to its landing
 * (a triangle) on its gateway's row. */
static void stale_write(FILE *f, const struct out_svg *o, const struct mark *m, bool flagged)
{
	if (m->gw < 0 || m->gw >= o->p.gateways)
		return;
	int y = y_stale(o, m->gw) + ROW_PX / 2;
	double x0 = svg_x_of(o, m->c), x1 = svg_x_of(o, m->t);
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
			svg_row_label(f, y, l);
			svg_state_row(f, o, &(struct row){ ROW_PATH, -1, i, k }, 0, y);
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
	case FS_HOST:
		snprintf(l, cap, "%s ini%d%s", name, m->ini, dur);
		break;
	}
}

static void faults(FILE *f, const struct out_svg *o, int y0)
{
	int k = 0;
	svg_text(f, 6, y0 + FAULT_ROW_PX - 3, FONT_PX, "#000", "start", "faults");
	fputs("<g id='faults'>\n", f);
	if (svg_count(o, M_FAULT) == 0)
		svg_text(f, LEFT_PX + 4, y0 + FAULT_ROW_PX - 3, SMALL_PX, "#555", "start", "none");
	for (size_t i = 0; i < o->n; i++) {
		const struct mark *m = &o->m[i];
		if (m->kind != M_FAULT)
			continue;
		int y = y0 + k++ * FAULT_ROW_PX;
		double x0 = svg_x_of(o, m->t), x1 = svg_x_of(o, m->t + m->a), right = W_PX - RIGHT_PX;
		if (x1 - x0 < 2)
			x1 = x0 + 2; /* an instant fault (a reset) is a tick */
		fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s' opacity='0.75'/>", x0, y + 1, x1 - x0,
			FAULT_ROW_PX - 3, FAULT_FILL);
		char l[96];
		fault_label(m, l, sizeof(l));
		/* After the band; inside its end if there is no room after it;
		 * before it if the band is too short to hold it. */
		double w = svg_text_px(strlen(l), SMALL_PX);
		if (x1 + 4 + w <= right)
			svg_text(f, x1 + 4, y + FAULT_ROW_PX - 3, SMALL_PX, "#000", "start", l);
		else if (x1 - x0 > w + 6)
			svg_text(f, x1 - 3, y + FAULT_ROW_PX - 3, SMALL_PX, "#fff", "end", l);
		else
			svg_text(f, x0 - 4, y + FAULT_ROW_PX - 3, SMALL_PX, "#000", "end", l);
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
		svg_text(f, 6, y + IO_LANE_PX / 2, FONT_PX, "#000", "start", l);
		fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#999'/>\n", LEFT_PX, y + IO_LANE_PX - 5,
			W_PX - RIGHT_PX, y + IO_LANE_PX - 5);
	}
	char top_l[48];
	snprintf(top_l, sizeof(top_l), "(lane top: %.3f s)", (double)top / 1e9);
	svg_text(f, 6, y0 + IO_LANE_PX / 2 + 12, SMALL_PX, "#555", "start", top_l);
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
		size_t x = (size_t)svg_x_of(o, m->t);
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

/* Per initiator a row of its throughput, one bar per bucket of the
 * series the metric tput_dip_max is read from (base/tput.h), scaled to its
 * own highest bucket; the median dashed; the longest dip (under half the
 * median) shaded and labelled. The picture of a failover stall and of the
 * spike after it. */
static void tput_lanes(FILE *f, const struct out_svg *o, int y0)
{
	fputs("<g id='throughput'>\n", f);
	for (int ini = 0; ini < o->p.initiators; ini++) {
		const struct tput *t = &o->tput[ini];
		int y = y0 + ini * TPUT_LANE_PX, base = y + TPUT_LANE_PX - 5;
		struct tput_summary s;
		tput_summarize(t, o->p.duration_ns, &s);
		uint64_t top = 1;
		for (unsigned i = 0; i < TPUT_BUCKETS_MAX; i++)
			if (t->bytes[i] > top)
				top = t->bytes[i];
		char l[64];
		snprintf(l, sizeof(l), "ini%d throughput", ini);
		svg_text(f, 6, y + TPUT_LANE_PX / 2, FONT_PX, "#000", "start", l);
		snprintf(l, sizeof(l), "(top: %.1f MB/s)", (double)top * 1e9 / (double)t->width_ns / 1e6);
		svg_text(f, 6, y + TPUT_LANE_PX / 2 + 12, SMALL_PX, "#555", "start", l);
		double h = TPUT_LANE_PX - 10;
		if (s.dip_max_ns > 0) {
			double x0 = svg_x_of(o, s.dip_at_ns), x1 = svg_x_of(o, s.dip_at_ns + s.dip_max_ns);
			fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s' opacity='0.6'/>\n", x0,
				y + 3, x1 - x0, TPUT_LANE_PX - 8, DIP_FILL);
			snprintf(l, sizeof(l), "dip %.1f s", (double)s.dip_max_ns / 1e9);
			svg_text(f, x0 + 3, y + 13, SMALL_PX, "#b71c1c", "start", l);
		}
		for (unsigned i = 0; i < TPUT_BUCKETS_MAX; i++) {
			if (t->bytes[i] == 0)
				continue;
			double x0 = svg_x_of(o, (uint64_t)i * t->width_ns), x1 = svg_x_of(o, (uint64_t)(i + 1) * t->width_ns);
			double bh = h * (double)t->bytes[i] / (double)top;
			fprintf(f, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' fill='%s'/>\n", x0, base - bh,
				x1 - x0 > 1 ? x1 - x0 - 0.5 : 0.5, bh, TPUT_FILL);
		}
		if (s.median_bps > 0) {
			double my = base - h * ((double)s.median_bps * (double)t->width_ns / 1e9) / (double)top;
			fprintf(f, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#1565c0' stroke-dasharray='4 3'/>\n",
				LEFT_PX, my, W_PX - RIGHT_PX, my);
		}
		fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#999'/>\n", LEFT_PX, base, W_PX - RIGHT_PX, base);
	}
	fputs("</g>\n", f);
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
	double x = svg_x_of(o, o->v.t);
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
		svg_text(f, rx - 9, ry + 4, SMALL_PX, ORACLE_FILL, "end", l);
	}
	const struct mark *w = flagged_write(o);
	if (w != NULL && w->gw >= 0 && w->gw < o->p.gateways) {
		bool stale = w->kind == M_STALE;
		int y = stale ? y_stale(o, w->gw) + ROW_PX / 2 : svg_y_gw(w->gw, svg_gw_rows(o)) + ROW_PX / 2;
		double wx = svg_x_of(o, w->t);
		if (stale)
			snprintf(l, sizeof(l), "version %llu (lba %llu+%llu) sent %.3f s, landed via gw%d at %.3f s", (unsigned long long)w->b,
				(unsigned long long)w->a, (unsigned long long)w->d, (double)w->c / 1e9, w->gw, (double)w->t / 1e9);
		else
			snprintf(l, sizeof(l), "version %llu (lba %llu+%llu) landed via gw%d at %.3f s", (unsigned long long)w->b,
				(unsigned long long)w->a, (unsigned long long)w->d, w->gw, (double)w->t / 1e9);
		fprintf(f, "<circle cx='%.1f' cy='%d' r='6' fill='none' stroke='%s' stroke-width='2'/>\n", wx, y, ORACLE_FILL);
		fprintf(f, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%.1f' stroke='%s' stroke-dasharray='2,2'/>\n", wx, y + 6,
			rx, ry - 6, ORACLE_FILL);
		svg_text(f, wx - 9, y - 3, SMALL_PX, ORACLE_FILL, "end", l);
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
	int n = svg_wrap(o->v.why, cols, lines, WHY_LINES_MAX);
	int h = 8 + 16 + n * (FONT_PX + 3) + 6;
	if (!draw)
		return h;
	fprintf(f, "<g id='verdict'>\n<rect x='6' y='%d' width='%d' height='%d' fill='#ffebee' stroke='%s'/>\n", y0,
		W_PX - 12, h, ORACLE_FILL);
	char head[96];
	snprintf(head, sizeof(head), "%s oracle at %.6f s:", o->v.oracle, (double)o->v.t / 1e9);
	fprintf(f, "<text x='12' y='%d' font-size='12' font-weight='bold' fill='%s'>", y0 + 18, ORACLE_FILL);
	svg_esc(f, head);
	fputs("</text>\n", f);
	for (int i = 0; i < n; i++)
		svg_text(f, 12, y0 + 18 + 16 + i * (FONT_PX + 3), FONT_PX, "#000", "start", lines[i]);
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
	{ SW_RECT, TPUT_FILL, "throughput (dashes: median)" },
	{ SW_BAND, DIP_FILL, "longest dip under half the median" },
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
		svg_text(f, 6, y0 + 10, FONT_PX, "#000", "start", "legend");
	}
	for (size_t i = 0; i < LEGEND_ITEMS; i++) {
		double w = 20 + svg_text_px(strlen(legend_items[i].label), SMALL_PX) + 18;
		if (x + w > W_PX - RIGHT_PX) {
			x = 70;
			y += LEGEND_ROW_PX;
		}
		if (draw) {
			swatch(f, &legend_items[i], x, y);
			svg_text(f, x + 20, y + 10, SMALL_PX, "#000", "start", legend_items[i].label);
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
	int rows = svg_gw_rows(o);
	int y_paths = svg_y_gw(o->p.gateways, rows);
	int y_faults = y_paths + o->p.initiators * o->p.paths * (ROW_PX + ROW_GAP_PX) + GROUP_GAP_PX;
	int nfaults = svg_count(o, M_FAULT);
	int y_io = y_faults + (nfaults > 0 ? nfaults : 1) * FAULT_ROW_PX + GROUP_GAP_PX;
	int y_tput = y_io + o->p.initiators * IO_LANE_PX;
	int y_end = y_tput + o->p.initiators * TPUT_LANE_PX;
	int y_verdict = y_end + GROUP_GAP_PX;
	int y_legend = y_verdict + verdict_box(f, o, y_verdict, false) + GROUP_GAP_PX;
	int h = y_legend + legend(f, y_legend, false) + 6;
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' viewBox='0 0 %d %d' "
		"font-family='DejaVu Sans Mono, Liberation Mono, monospace'>\n", W_PX, h, W_PX, h);
	fputs("<title>", f);
	svg_esc(f, o->title[0] ? o->title : "isim timeline");
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
	tput_lanes(f, o, y_tput);
	oracle_mark(f, o, y_io, y_end);
	verdict_box(f, o, y_verdict, true);
	legend(f, y_legend, true);
	if (o->oom)
		svg_text(f, W_PX - RIGHT_PX, h - 4, SMALL_PX, ORACLE_FILL, "end", "out of memory: some events are missing");
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
	for (int i = 0; i < SIM_INIS_MAX; i++)
		free(o->pend[i]);
	free(o);
	errno = err;
	return rc;
}
