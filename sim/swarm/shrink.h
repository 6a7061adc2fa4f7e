/* shrink: reduce a failing world's fault schedule to a smaller one that
 * still fails the same oracle (delta debugging, Zeller & Hildebrandt
 * 2002, on the fault list), then shorten what is left: each fault's
 * duration, the run's duration, the workload's queue depth and the
 * number of initiators. Deterministic: it only runs worlds. The result
 * is a sim_params the caller prints as a scenario.
 */
#ifndef SIM_SHRINK_H
#define SIM_SHRINK_H

#include "sim/spec/params.h"
#include "sim/world/world.h"

struct shrink_stats {
	unsigned runs;
	unsigned faults_before, faults_after;
};

/* p fails with oracle o; on return p is the smallest failing variant
 * found within max_runs world runs. */
void shrink_params(struct sim_params *p, enum sim_oracle o, const struct sim_mem *mem, unsigned max_runs,
	struct shrink_stats *st);

/* Run one world with no trace observers; returns its result. */
void shrink_run(const struct sim_params *p, const struct sim_mem *mem, struct sim_result *res);

#endif
