/* world: one simulated world: G gateways (reference target engines
 * sharing one simulated disk), I initiators each with P paths (iSCSI
 * sessions under a multipath device, driven by a workload), a simulated
 * network between them, a fault schedule, and the oracles watching.
 *
 * Everything runs on one event queue in simulated time; nothing here
 * touches the OS. The world implements rt_env for every gateway and
 * drives the engines only through engine.h. It stops at the first
 * violation of an oracle (data, protocol, liveness, engine hygiene) and
 * reports it, with the counters the swarm aggregates.
 * Owns everything it builds; the caller owns params, mem and trace.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/oracle/coverage.h"
#include "sim/base/mem.h"
#include "sim/world/metrics.h"
#include "sim/spec/params.h"
#include "sim/base/trace.h"

enum sim_oracle {
	ORACLE_NONE = 0,
	ORACLE_DATA,      /* linearizability, durability, disk white box */
	ORACLE_PROTOCOL,  /* the PDU checker */
	ORACLE_LIVENESS,  /* I/O or paths did not recover after the faults healed */
	ORACLE_ENGINE,    /* engine hygiene: leaks, config refused, impossible calls */
	ORACLE_RESERVATION, /* a write of an initiator a persistent reservation excludes was executed */
	ORACLE_BOUND,     /* a scenario's bound on a metric does not hold (expect.h; never raised by the world) */
	ORACLE_COMMAND,   /* a command the LU does not implement got an answer SPC-4 forbids (workload.h WL_ODD) */
	ORACLE_KINDS
};

struct sim_result {
	enum sim_oracle oracle;
	uint64_t fail_ns;
	char why[600];
	uint64_t sim_ns;       /* simulated time reached */
	uint64_t events;
	uint64_t trace_hash;
	uint64_t trace_events;
	uint64_t ios;          /* application I/Os completed: metrics io_ok + io_failed */
	uint64_t engine_leaked;  /* bytes engines never freed (reported by the engine oracle) */
	struct cov cov;
	struct sim_metrics metrics; /* filled at the end, whatever the verdict */
};

const char *sim_oracle_name(enum sim_oracle o);

struct world;

/* Optional observer of wire bytes (pcap writer). */
struct world_wire_obs {
	void *ctx;
	/* what: 0 open, 1 data, 2 fin, 3 rst; from_gw: direction. */
	void (*wire)(void *ctx, uint64_t t_ns, uint32_t conn, int ini, int path, int gw, int what, bool from_gw,
		const uint8_t *p, size_t len);
};

struct world *world_create(const struct sim_params *p, const struct sim_mem *mem, struct sim_trace *tr,
	const struct world_wire_obs *obs);
void world_run(struct world *w, struct sim_result *out);
void world_destroy(struct world *w);

#endif
