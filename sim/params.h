/* params: everything that defines one simulated world, as plain data.
 *
 * Filled from defaults (params_default), then by the swarm from a seed
 * (swarm.c) or by a scenario file (scenario.c); read by the world. Two
 * runs with equal params and equal seed are the same world.
 */
#ifndef SIM_PARAMS_H
#define SIM_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "disk.h"
#include "fault.h"
#include "isess.h"
#include "mpath.h"
#include "net.h"
#include "workload.h"

#define SIM_GWS_MAX 8
#define SIM_INIS_MAX 16
#define SIM_PATHS_MAX 4

struct sim_target_params {
	uint32_t cmd_window;
	uint32_t mrdsl;            /* the target's MaxRecvDataSegmentLength */
	uint32_t max_burst_length;
	uint32_t first_burst_length;
	uint32_t max_outstanding_r2t;
	bool initial_r2t;
	bool immediate_data;
	bool header_digest;
	bool data_digest;
	uint32_t nop_in_interval_ms;
	uint32_t nop_in_timeout_ms;
	bool chap;                 /* the TPG requires CHAP */
	bool mutual_chap;
	bool wce;                  /* the LU starts with its volatile write cache on */
};

struct sim_ini_params {
	uint32_t mrdsl;
	uint32_t max_burst_length;
	uint32_t first_burst_length;
	uint32_t max_outstanding_r2t;
	bool initial_r2t;
	bool immediate_data;
	bool header_digest;
	bool data_digest;
	bool skip_security;
	char chap_algs[16];
	uint64_t noop_interval_ns, noop_timeout_ns;
	uint64_t login_timeout_ns, replacement_timeout_ns;
	uint64_t cmd_timeout_ns, tmf_timeout_ns;
	uint64_t reconnect_delay_ns, logout_timeout_ns;
};

struct sim_params {
	uint64_t seed;
	int gateways, initiators, paths;
	uint64_t duration_ns;        /* the workload runs this long */
	uint64_t liveness_ns;        /* all I/O done this long after the last heal */
	uint64_t blocks;
	uint32_t block_size;
	struct sim_target_params tgt;
	struct sim_ini_params ini;
	struct mpath_cfg mp;
	struct wl_cfg wl;            /* blocks, block_size, stop_at filled by the world */
	struct disk_params disk;     /* blocks, block_size filled by the world */
	struct net_params net;
	uint32_t zero_copy_rx_ppm;   /* deliveries through rt_rx_space/rt_rx_commit */
	struct fault_list faults;
	uint32_t trace_mask;         /* (1u << tev_kind) recorded */
};

void params_default(struct sim_params *p);

#endif
