/* out_svg: see out_svg.h. */
#include "out_svg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#define W_PX 1600
#define LEFT_PX 130
#define LANE_PX 18
#define IO_LANE_PX 60

enum mark_kind { M_GW = 0, M_PATH, M_FAULT, M_IO, M_LOCK, M_ALUA };
#define NOTE_ROWS 3  /* labels of cluster events take turns on these rows */
#define NOTE_ROW_PX 11

/* One thing that happened: a lane changing state, a fault starting (lane:
 * its kind, state: ini*100+gw, a: duration), an I/O ending (lane: the
 * initiator, state: its result, a: latency), the exclusive lock moving
 * (lane: the new owner) or the cluster's ALUA transition (lane: the
 * gateway becoming optimized, state: 1 once done, 0 while transitioning). */
struct mark {
	uint64_t t;
	enum mark_kind kind;
	int lane;
	int state;
	uint64_t a;
};

struct out_svg {
	int gateways, initiators, paths;
	struct mark *m;
	size_t n, cap;
	uint64_t end;
	uint64_t fail_t;
	bool failed;
	char fail_why[256];
};

enum { S_DOWN = 0, S_UP = 1, S_PAUSED = 2 };

struct out_svg *out_svg_new(int gateways, int initiators, int paths)
{
	struct out_svg *o = calloc(1, sizeof(*o));
	if (o != NULL) {
		o->gateways = gateways;
		o->initiators = initiators;
		o->paths = paths;
	}
	return o;
}

static void add(struct out_svg *o, struct mark m)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		struct mark *nm = realloc(o->m, cap * sizeof(*nm));
		if (nm == NULL)
			return;
		o->m = nm;
		o->cap = cap;
	}
	o->m[o->n++] = m;
}

static int lane_gw(int g) { return g; }
static int lane_path(const struct out_svg *o, int i, int p) { return o->gateways + i * o->paths + p; }

void out_svg_observe(void *ctx, const struct tev *ev)
{
	struct out_svg *o = ctx;
	if (ev->t > o->end)
		o->end = ev->t;
	const char *w = ev->what;
	switch (ev->kind) {
	case TEV_GW:
		if (strcmp(w, "crash") == 0 || strcmp(w, "power_off") == 0 || strcmp(w, "stopped") == 0)
			add(o, (struct mark){ ev->t, M_GW, lane_gw(ev->node), S_DOWN, 0 });
		else if (strcmp(w, "restart") == 0 || strcmp(w, "resume") == 0)
			add(o, (struct mark){ ev->t, M_GW, lane_gw(ev->node), S_UP, 0 });
		else if (strcmp(w, "pause") == 0)
			add(o, (struct mark){ ev->t, M_GW, lane_gw(ev->node), S_PAUSED, 0 });
		else if (strcmp(w, "alua_optimized") == 0 || strcmp(w, "alua_transitioning") == 0)
			add(o, (struct mark){ ev->t, M_ALUA, ev->node, strcmp(w, "alua_optimized") == 0, 0 });
		break;
	case TEV_SESS:
		if (strcmp(w, "up") == 0)
			add(o, (struct mark){ ev->t, M_PATH, lane_path(o, ev->node, ev->idx), S_UP, 0 });
		else if (strcmp(w, "down") == 0 || strcmp(w, "logged_out") == 0)
			add(o, (struct mark){ ev->t, M_PATH, lane_path(o, ev->node, ev->idx), S_DOWN, 0 });
		break;
	case TEV_DISK:
		if (strcmp(w, "lock_transfer") == 0)
			add(o, (struct mark){ ev->t, M_LOCK, ev->node, 0, 0 });
		break;
	case TEV_FAULT:
		/* the trace's a is the duration, b the kind */
		if (strcmp(w, "start") == 0)
			add(o, (struct mark){ ev->t, M_FAULT, (int)ev->b, ev->node * 100 + ev->idx, ev->a });
		break;
	case TEV_IO:
		if (strcmp(w, "done") == 0)
			add(o, (struct mark){ ev->t, M_IO, ev->node, (int)ev->b, ev->a });
		break;
	case TEV_ORACLE:
		o->failed = true;
		o->fail_t = ev->t;
		snprintf(o->fail_why, sizeof(o->fail_why), "%.*s", (int)(ev->len < 200 ? ev->len : 200), ev->line);
		break;
	default:
		break;
	}
}

static double x_of(const struct out_svg *o, uint64_t t)
{
	return LEFT_PX + (double)(W_PX - LEFT_PX - 10) * (double)t / (double)(o->end ? o->end : 1);
}

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else
			fputc(*s, f);
	}
}

/* Paint the state lanes (gateways, paths) from their marks. */
static void lanes(FILE *f, const struct out_svg *o, int nlanes, int y0)
{
	for (int lane = 0; lane < nlanes; lane++) {
		int y = y0 + lane * LANE_PX;
		int state = lane < o->gateways ? S_UP : S_DOWN;
		uint64_t from = 0;
		for (size_t i = 0; i <= o->n; i++) {
			bool last = i == o->n;
			const struct mark *m = last ? NULL : &o->m[i];
			if (!last && (m->kind != (lane < o->gateways ? M_GW : M_PATH) || m->lane != lane))
				continue;
			uint64_t to = last ? o->end : m->t;
			const char *color = state == S_UP ? "#4caf50" : state == S_PAUSED ? "#ffb300" : "#e53935";
			fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='%d' fill='%s'/>\n", x_of(o, from), y + 2,
				x_of(o, to) - x_of(o, from), LANE_PX - 4, color);
			if (!last) {
				state = m->state;
				from = m->t;
			}
		}
		if (lane < o->gateways)
			fprintf(f, "<text x='4' y='%d' font-size='11'>gateway %d</text>\n", y + 13, lane);
		else
			fprintf(f, "<text x='4' y='%d' font-size='11'>ini %d path %d</text>\n", y + 13,
				(lane - o->gateways) / o->paths, (lane - o->gateways) % o->paths);
	}
}

int out_svg_write(struct out_svg *o, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		free(o->m);
		free(o);
		return -1;
	}
	int nlanes = o->gateways + o->initiators * o->paths;
	int y_notes = 30 + nlanes * LANE_PX + 4;
	int y_faults = y_notes + NOTE_ROWS * NOTE_ROW_PX + 10;
	int nfaults = 0;
	for (size_t i = 0; i < o->n; i++)
		nfaults += o->m[i].kind == M_FAULT;
	int y_io = y_faults + (nfaults + 1) * 12 + 10;
	int h = y_io + o->initiators * IO_LANE_PX + 30;
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='monospace'>\n", W_PX, h);
	fprintf(f, "<rect width='100%%' height='100%%' fill='white'/>\n");
	for (uint64_t s = 0; s <= o->end / 1000000000ull; s += 10) {
		double x = x_of(o, s * 1000000000ull);
		fprintf(f, "<line x1='%.1f' y1='20' x2='%.1f' y2='%d' stroke='#ddd'/>", x, x, h - 20);
		fprintf(f, "<text x='%.1f' y='14' font-size='10'>%llus</text>\n", x, (unsigned long long)s);
	}
	lanes(f, o, nlanes, 30);
	/* Cluster events: the lock's new owner, ALUA transitions. */
	int note = 0;
	for (size_t i = 0; i < o->n; i++) {
		const struct mark *m = &o->m[i];
		if (m->kind != M_LOCK && m->kind != M_ALUA)
			continue;
		double x = x_of(o, m->t);
		int y = y_notes + (note++ % NOTE_ROWS) * NOTE_ROW_PX;
		const char *color = m->kind == M_LOCK ? "#6d4c41" : "#00838f";
		fprintf(f, "<line x1='%.1f' y1='30' x2='%.1f' y2='%d' stroke='%s' stroke-dasharray='2,2'/>", x, x, y + 8,
			color);
		fprintf(f, "<text x='%.1f' y='%d' font-size='9' fill='%s'>%s g%d</text>\n", x + 2, y + 8, color,
			m->kind == M_LOCK ? "lock" : m->state ? "AO" : "T", m->lane);
	}
	fprintf(f, "<text x='4' y='%d' font-size='10'>lock / ALUA</text>\n", y_notes + 8);
	int k = 0;
	for (size_t i = 0; i < o->n; i++) {
		const struct mark *m = &o->m[i];
		if (m->kind != M_FAULT)
			continue;
		int y = y_faults + k++ * 12;
		double x0 = x_of(o, m->t), x1 = x_of(o, m->t + m->a);
		double right = W_PX - 10;
		if (x1 > right)
			x1 = right; /* the world ended first (a violation stops it) */
		fprintf(f, "<rect x='%.1f' y='%d' width='%.1f' height='9' fill='#7e57c2' opacity='0.7'/>", x0, y,
			x1 - x0 < 2 ? 2 : x1 - x0);
		/* The label goes after the band, or inside its end if no room is left. */
		bool inside = x1 + 120 > right;
		fprintf(f, "<text x='%.1f' y='%d' font-size='9'%s>%s i%d g%d</text>\n", inside ? x1 - 3 : x1 + 3, y + 8,
			inside ? " text-anchor='end' fill='white'" : "", fault_kind_name((enum fault_kind)m->lane),
			m->state / 100, m->state % 100);
	}
	uint64_t lat_max = 1;
	for (size_t i = 0; i < o->n; i++)
		if (o->m[i].kind == M_IO && o->m[i].a > lat_max)
			lat_max = o->m[i].a;
	for (int ini = 0; ini < o->initiators; ini++) {
		int y = y_io + ini * IO_LANE_PX;
		fprintf(f, "<text x='4' y='%d' font-size='11'>ini %d I/O</text>\n", y + 30, ini);
		fprintf(f, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='#999'/>\n", LEFT_PX, y + IO_LANE_PX - 5, W_PX - 10,
			y + IO_LANE_PX - 5);
	}
	/* One dot per initiator and pixel column: the slowest I/O that ended
	 * there, red if any of them failed (a minute of I/O stays a small file). */
	size_t cols = W_PX;
	uint64_t *col_lat = calloc(cols * (size_t)o->initiators, sizeof(*col_lat));
	unsigned char *col_state = calloc(cols * (size_t)o->initiators, 1); /* 1 seen, 2 failed */
	for (size_t i = 0; i < o->n && col_lat != NULL && col_state != NULL; i++) {
		const struct mark *m = &o->m[i];
		if (m->kind != M_IO || m->lane < 0 || m->lane >= o->initiators)
			continue;
		size_t x = (size_t)x_of(o, m->t);
		size_t c = (size_t)m->lane * cols + (x < cols ? x : cols - 1);
		if (m->a > col_lat[c])
			col_lat[c] = m->a;
		col_state[c] |= (unsigned char)(m->state == 0 ? 1 : 3);
	}
	for (size_t c = 0; c < cols * (size_t)o->initiators && col_lat != NULL && col_state != NULL; c++) {
		if (col_state[c] == 0)
			continue;
		int lane = (int)(c / cols);
		int y = y_io + lane * IO_LANE_PX + IO_LANE_PX - 5;
		double dy = (double)(IO_LANE_PX - 10) * (double)col_lat[c] / (double)lat_max;
		fprintf(f, "<circle cx='%zu' cy='%.1f' r='1.5' fill='%s'/>\n", c % cols, y - dy,
			col_state[c] & 2 ? "#e53935" : "#1e88e5");
	}
	free(col_lat);
	free(col_state);
	fprintf(f, "<text x='4' y='%d' font-size='10'>I/O latency, top = %.3f s</text>\n", h - 8,
		(double)lat_max / 1e9);
	if (o->failed) {
		double x = x_of(o, o->fail_t);
		fprintf(f, "<line x1='%.1f' y1='20' x2='%.1f' y2='%d' stroke='red' stroke-width='2'/>", x, x, h - 20);
		fprintf(f, "<text x='%d' y='%d' font-size='10' fill='red'>", LEFT_PX, h - 20);
		esc(f, o->fail_why);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</svg>\n");
	int rc = fclose(f) == 0 ? 0 : -1;
	free(o->m);
	free(o);
	return rc;
}
