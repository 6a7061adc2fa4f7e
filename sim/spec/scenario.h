/* scenario: the hand-writable text form of a world (sim/README.md has
 * the format): topology, target/initiator/multipath/workload/disk/net
 * settings, a timeline of faults, and what the run is expected to show.
 * The shrinker writes its result in this form; `isim run --scenario`
 * reads it. Pure text in and out: the caller reads and writes files.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/oracle/expect.h"
#include "sim/spec/params.h"
#include "sim/world/world.h"

/* A time with its unit ("250ms", "1.5s", "10us", "7ns") in ns; false if
 * it is not one. */
bool scenario_parse_time(const char *s, uint64_t *out);
/* A time in the largest unit that keeps it exact ("250ms"). */
void scenario_format_time(char *out, size_t cap, uint64_t ns);

/* Parse text into p (which starts from params_default, or from a swarm
 * draw or an earlier text it goes on top of), then check the whole world.
 * On error writes "ORIGIN:LINE: why" into err and returns -1; LINE is the
 * line that set the offending value (for a fault naming a gateway that
 * does not exist: the fault's line), and is left out ("ORIGIN: why") when
 * the value came from no line of this text. origin names the text (a file
 * name); NULL writes "line LINE: why". */
int scenario_parse_from(const char *origin, const char *text, struct sim_params *p, struct scenario_expect *e,
	char *err, size_t err_len);
/* scenario_parse_from(NULL, ...) */
int scenario_parse(const char *text, struct sim_params *p, struct scenario_expect *e, char *err, size_t err_len);

/* Write p (and e if set) as scenario text into buf; returns the length
 * it needed (the text is cut if cap is smaller). */
size_t scenario_format(const struct sim_params *p, const struct scenario_expect *e, char *buf, size_t cap);

/* Host ini's workload: cfg (the world's) with what "workload ini=I"
 * lines set for that host put over it. */
void scenario_host_workload(const struct sim_params *p, int ini, struct wl_cfg *cfg);

#endif
