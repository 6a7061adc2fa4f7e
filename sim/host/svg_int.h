/* host/svg_int: what the SVG timeline's files share: svg_timeline.c
 * collects marks from the trace as the world runs, svg_layout.c holds the
 * geometry and the drawing primitives (time to x, rows, bands, text),
 * svg_draw.c draws the sections and writes the file. Not for use outside
 * them.
 */
#ifndef SIM_HOST_SVG_INT_H
#define SIM_HOST_SVG_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h" /* enum rt_alua_state */
#include "sim/base/tput.h"
#include "sim/host/svg_timeline.h"
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
#define TPUT_LANE_PX 40  /* one initiator's throughput row */
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
	/* Throughput per initiator (base/tput.h), from the trace's I/O
	 * events: a submit says its blocks, the done with its slot says
	 * whether they moved. pend[ini][slot]: the bytes of the I/O in
	 * flight in that slot (0: its op is not counted). */
	struct tput tput[SIM_INIS_MAX];
	uint64_t *pend[SIM_INIS_MAX];
	size_t pend_cap[SIM_INIS_MAX];
};

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
#define TPUT_FILL "#90caf9"
#define DIP_FILL "#ef9a9a"
#define STALE_FILL "#b71c1c"
#define ORACLE_FILL "#d50000"

/* The rows drawn from marks: which marks change the row, and to what. */
enum row_kind { ROW_GW_RUN, ROW_GW_ALUA, ROW_GW_LOCK, ROW_PATH };

struct row {
	enum row_kind kind;
	int gw, ini, path;
};

/* ---- svg_layout.c ---- */

double svg_x_of(const struct out_svg *o, uint64_t t);
double svg_text_px(size_t chars, int font_px);
void svg_esc(FILE *f, const char *s);
void svg_text(FILE *f, double x, double y, int font_px, const char *fill, const char *anchor, const char *s);
void svg_state_row(FILE *f, const struct out_svg *o, const struct row *r, int initial, int y);
void svg_row_note(FILE *f, int y, const char *fill, const char *s);
void svg_row_label(FILE *f, int y, const char *s);
int svg_gw_rows(const struct out_svg *o);
int svg_count(const struct out_svg *o, enum mark_kind k);
int svg_y_gw(int gw, int rows);
int svg_wrap(const char *s, size_t cols, char lines[][WHY_MAX], int max);

#endif
