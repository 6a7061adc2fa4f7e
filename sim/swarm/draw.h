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

/* With p->draw_hosts (run draw_hosts=yes; issue 16 classes 2 and 5), from
 * the stream "swarm.hosts" after swarm_draw_erl: a third of the worlds
 * send odd commands (workload odd=1..10), in a quarter one host moves
 * 128 KiB to 2 MiB a command, two at a time (workload ini=H qd=2
 * max_blocks=, on an LU of at least 16384 blocks), a third get 1 to 3 host life-cycle events (fault logout
 * of one host's paths to one gateway, or iscsid_exit of a host; half of
 * them come back with new ISIDs). Without the flag nothing is drawn; it
 * is cleared once drawn, as draw_erl. */
void swarm_draw_hosts(struct sim_params *p, uint64_t seed);

/* With p->draw_pr_shared (run draw_pr_shared=yes; issue 16 class 7, issue
 * 18), from the stream "swarm.pr_shared" after swarm_draw_hosts: half the
 * worlds keep their persistent reservations in one record on the shared
 * disk (target pr_shared=yes, world/pr_notify.c). Without the flag
 * nothing is drawn; it is cleared once drawn, as draw_erl. */
void swarm_draw_pr_shared(struct sim_params *p, uint64_t seed);
/* With p->draw_mpath (run draw_mpath=yes; issue 16 class 3), from the
 * stream "swarm.mpath" after swarm_draw_hosts: the path checker (tur,
 * directio, readsector0), in a fifth of the worlds multibus, the device
 * handler (checker, none, alua; never none under explicit ALUA, which
 * then never fails over: scenarios/40), and in a third multipathd's
 * marginal path detection with short times (a held path must be back
 * before the liveness window ends); never marginal detection with disk
 * lock_on=io, nor a reading checker under a scripted exclusive-access
 * reservation (worlds that never settle: draw.c). Without the flag
 * nothing is drawn; it is cleared once drawn, as draw_erl. */
void swarm_draw_mpath(struct sim_params *p, uint64_t seed);
/* With p->draw_mcs (run draw_mcs=yes; issue 19, MC/S), from the stream
 * "swarm.mcs" after swarm_draw_hosts: half the worlds whose paths leave
 * room (paths x connections <= SIM_PATHS_MAX) run 2 connections per
 * session (initiator connections=2, target max_connections=2), and half
 * of those get a reset of one connection (fault reset a=slot+1) mid-run.
 * Without the flag nothing is drawn; it is cleared once drawn. */
void swarm_draw_mcs(struct sim_params *p, uint64_t seed);

#endif
