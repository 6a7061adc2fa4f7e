/* out_svg: an SVG timeline of one world, written as text: one lane per
 * gateway (up, paused, down), one per initiator path (logged in or not),
 * a band per fault from start to heal, each initiator's I/O latencies as
 * dots (red: failed to the application), and the violation if any.
 * A trace observer (trace.h); file output, so only sim/main.c uses it.
 * Owns its event arrays until out_svg_write.
 */
#ifndef SIM_OUT_SVG_H
#define SIM_OUT_SVG_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"

struct out_svg;

struct out_svg *out_svg_new(int gateways, int initiators, int paths);
void out_svg_observe(void *ctx, const struct tev *ev);
/* Write the picture; returns 0 or -1 (errno set). Frees o. */
int out_svg_write(struct out_svg *o, const char *path);

#endif
