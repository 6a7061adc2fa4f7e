/* swarm/draw: a world drawn from a seed (swarm testing, Groce et al. 2012).
 *
 * Not one fixed fault mix: the seed first decides which fault kinds this
 * world has at all and how often, then the settings of target,
 * initiators, multipath, workload, disk and network, then the schedule.
 * Each part draws from its own named stream (rng.h), so adding a setting
 * to one part leaves the others' draws alone. Topology stays at the
 * defaults given (the swarm explores faults and settings, not sizes).
 */
#ifndef SIM_SWARM_H
#define SIM_SWARM_H

#include <stdint.h>

#include "sim/spec/params.h"

/* Fill p for seed: p must hold the base (params_default, topology and
 * duration as wanted); everything else is drawn. */
void swarm_params(struct sim_params *p, uint64_t seed);

/* Undo what swarm_params drew beyond settings that existed before issue
 * 16's hazard classes (the storage-lock hazards): a seed family keeps
 * what its file leaves unsaid as it was drawn before, like its faults. */
void swarm_clear_hazards(struct sim_params *p);

/* With p->draw_erl (the run key draw_erl=yes, e.g. --set 'run draw_erl=yes'):
 * draw both ends' ErrorRecoveryLevel offers and, in half the worlds, a
 * noisy link (fault noise) with digests on at both ends, from a stream of their own
 * ("swarm.erl"), over whatever p holds (a scenario or swarm_params). A
 * world without the flag draws nothing here: its trace is unchanged. The
 * flag is cleared: the params now hold the draw (isim params writes it
 * out as plain values). */
void swarm_draw_erl(struct sim_params *p, uint64_t seed);

#endif
