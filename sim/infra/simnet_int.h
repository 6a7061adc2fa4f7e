/* infra/simnet_int: what simnet.c (bytes, connections) and
 * simnet_fault.c (link faults, node states) share; not for other modules.
 * Each function is simnet.c's, defined there. */
#ifndef SIM_INFRA_SIMNET_INT_H
#define SIM_INFRA_SIMNET_INT_H

#include "sim/infra/simnet.h"

static inline enum simnet_side snet_peer_of(enum simnet_side s) { return s == SIMNET_INI ? SIMNET_GW : SIMNET_INI; }

/* The link (initiator, gateway) a connection runs over. */
struct simnet_link *snet_link_of(struct simnet *n, const struct simnet_conn *c);
/* The receiving side's window is shut: bytes from 'from' wait. */
bool snet_window_shut(const struct simnet_conn *c, enum simnet_side from);
/* Deliver what 'from' has queued when it is due (an event), or drop it. */
void snet_pipe_schedule(struct simnet *n, struct simnet_conn *c, enum simnet_side from);
void snet_pipe_clear(struct simnet *n, struct simnet_conn *c, enum simnet_side from);
void snet_trace_conn(struct simnet *n, const struct simnet_conn *c, const char *what, const char *why);
/* Events: a SYN reaching its gateway; the initiator told of its connect. */
void snet_ev_syn(void *a, void *b, uint64_t arg);
void snet_ev_connected(void *a, void *b, uint64_t ok);

#endif
