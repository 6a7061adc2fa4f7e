/* host/svg_timeline: the failover timeline of one world as an SVG picture, drawn
 * from its trace events, for a storage engineer to read at a glance:
 * per gateway its process (up, paused, down), its ALUA state and whether
 * it holds the exclusive lock, and the stale writes that landed through
 * it; per path its session and the gateway it leads to; each fault as a
 * band named by the nodes it concerns; each initiator's I/O latencies;
 * the oracle's verdict marked where and when, its text wrapped; a legend.
 * Self-contained (no external font, style or script), so a report can
 * inline it. A trace observer (trace.h); it writes a file, so only
 * sim/host/ uses it. Owns its event arrays until out_svg_write.
 */
#ifndef SIM_OUT_SVG_H
#define SIM_OUT_SVG_H

#include "sim/spec/params.h"
#include "sim/base/trace.h"

struct out_svg;

/* p: the world to be drawn (its size, ALUA mode, lock); title: what the
 * picture is of (a scenario's name), copied. NULL when out of memory. */
struct out_svg *out_svg_new(const struct sim_params *p, const char *title);
void out_svg_observe(void *ctx, const struct tev *ev);
/* Write the picture; returns 0 or -1 (errno set). Frees o. */
int out_svg_write(struct out_svg *o, const char *path);

#endif
