/* params: everything that defines one simulated world, as plain data.
 *
 * Filled from defaults (params_default), then by the swarm from a seed
 * (swarm/draw.c) or by a scenario file (scenario.c); read by the world. Two
 * runs with equal params and equal seed are the same world.
 */
#ifndef SIM_PARAMS_H
#define SIM_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/infra/disk.h"
#include "sim/spec/attack.h"
#include "sim/spec/fault.h"
#include "sim/spec/pr_script.h"
#include "sim/initiator/session.h"
#include "sim/initiator/multipath.h"
#include "sim/infra/simnet.h"
#include "sim/initiator/workload.h"

#define SIM_GWS_MAX 8
#define SIM_INIS_MAX 16
#define SIM_PATHS_MAX 4
/* Initiator nodes of the network: the initiators, then one per attack. */
#define SIM_NODES_MAX (SIM_INIS_MAX + (int)ATTACKS_MAX)

/* How the gateways' target port groups share the LU (SPC-4 §5.15). */
enum alua_mode {
	ALUA_MODE_OFF = 0,  /* every group active/optimized; paths ranked by preference alone */
	ALUA_MODE_IMPLICIT, /* one group active/optimized, the others standby; the cluster moves it */
	ALUA_MODE_EXPLICIT, /* the same, moved when an initiator asks (SET TARGET PORT GROUPS), after draining */
};

/* Which gateway each initiator's multipath prefers (its path priority). */
enum prefer {
	PREFER_AUTO = 0, /* the LU's owner with the exclusive lock, else spread */
	PREFER_OWNER,    /* everyone prefers the optimized gateway (Ceph iSCSI) */
	PREFER_SPREAD,   /* initiator i prefers gateway i % gateways (active/active) */
};

/* The gateway cluster around the engines (what tcmu-runner and the
 * cluster manager do beside LIO): ALUA state and its transitions. */
struct sim_cluster_params {
	enum alua_mode alua;
	int optimized;              /* the gateway that starts active/optimized */
	enum prefer prefer;
	uint64_t failover_delay_ns; /* implicit: how long the cluster takes to notice the optimized gateway is down */
	uint64_t transition_max_ns; /* explicit: a transition completes after this even if not drained */
};

/* A persistent reservation the workload takes (SPC-4 §5.13): the holder's
 * multipath registers its key on every path (multipath.conf
 * reservation_key), then the holder reserves; the others have no key. */
struct sim_reservation_params {
	int holder;        /* initiator, -1: no reservation */
	uint32_t type;     /* SPC-4 §5.13.1 type code (1 WE, 3 EA, 5 WE_RO, 6 EA_RO, 7 WE_AR, 8 EA_AR) */
	bool aptpl;        /* activate persist through power loss (the state goes to state_save) */
	uint64_t at_ns;    /* when the holder reserves */
	bool cluster_fencing; /* judge the gateways as one device server (world/pr_hosts.c): no write of a host
				 acknowledged after its key was preempted through any gateway; off: each gateway
				 is judged against its own state only */
};

/* What a gateway does when the storage tells it that it lost the
 * exclusive lock (its client instance was blocklisted), until its reopen
 * succeeds (issue 16, hazard class 1). */
enum lock_lost {
	LOCK_LOST_TRANSITION = 0, /* answer NOT READY, ALUA TRANSITIONING (the engine's mapping of a fenced I/O) and keep
				     its portal group as it was */
	LOCK_LOST_STANDBY,        /* also take its target port group to UNAVAILABLE until it reopens (ceph-iscsi/tcmu-runner
				     disabling the TPG) */
	LOCK_LOST_DROP,           /* also drop every session it serves (its connections reset) */
};
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
	uint32_t error_recovery_level; /* the most the target offers (§13.20); the engine's default, RT_ERL_DEFAULT */
	uint32_t max_connections;      /* per session the target offers (§13.2; MC/S): 1, as the engine's default */
	uint32_t nop_in_interval_ms;
	uint32_t nop_in_timeout_ms;
	bool chap;                 /* the TPG requires CHAP */
	bool mutual_chap;
	bool wce;                  /* the LU starts with its volatile write cache on */
	uint64_t backend_timeout_ns; /* an I/O not done by then fails to the engine while the disk
					keeps it (TCMU cmd_time_out); 0: none */
	/* The engine's memory budget (rt_params_cfg, core/mem.h); defaults
	 * are the engine's (limits.h RT_MEM_*, RT_SESSION_MEM_*, RT_CONN_UNSENT_*). */
	uint64_t mem_budget_bytes;
	uint64_t session_mem_max_bytes;
	uint64_t session_mem_min_bytes;
	uint64_t conn_unsent_max_bytes;
	enum lock_lost lock_lost;  /* what a gateway does when fenced off the storage */
	bool pr_shared;            /* persistent reservations in one versioned record on the shared
				      disk (RT_LU_PR_SHARED, world/pr_notify.c); no: each engine its own */
	bool pr_fence_silent;      /* with pr_shared: a store's notify that times out blocklists the
				      gateways that did not acknowledge (rbd.c's rbd_fence_silent);
				      no: the daemon before it, which answered anyway */
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
	uint32_t error_recovery_level; /* the initiator's offer (§13.20): 0 unless a scenario or the swarm's ERL draw says */
	uint32_t connections;          /* per session (MC/S, §13.2 MaxConnections offered): 1 unless a scenario or draw_mcs says */
	bool skip_security;
	char chap_algs[16];
	uint64_t noop_interval_ns, noop_timeout_ns;
	uint64_t login_timeout_ns, replacement_timeout_ns;
	uint64_t cmd_timeout_ns, tmf_timeout_ns;
	uint64_t reconnect_delay_ns, logout_timeout_ns;
	enum isess_escalation escalation; /* after an ABORT TASK timeout; ISESS_ESC_DROP: as always */
};

/* One host's own workload settings ("workload ini=I key=value ..."):
 * the keys set (bit k: the k-th workload key of scenario.c's table) over
 * the world's workload. */
struct sim_host_wl {
	uint32_t set;
	struct wl_cfg wl;
};

/* The gateways' identity from a LIO saveconfig.json (isim run --lio-config,
 * sim/host/lio_ident.c). All zero (params_default): the built-in one
 * (gateways.c), so existing worlds and their trace hashes do not move.
 * The strings belong to the host and outlive every world. */
#define SIM_ID_ACLS_MAX 8
#define SIM_ID_NAME_MAX 64 /* room for an initiator's name, NUL included (struct wini) */
struct sim_id_acl {
	const char *initiator;                 /* the sim initiators take these names in turn */
	const char *chap_user, *chap_secret;   /* NULL: no CHAP for this ACL */
	const char *target_user, *target_secret; /* mutual CHAP; NULL: none */
};
struct sim_identity {
	const char *target_name;               /* NULL: the built-in name */
	/* open access (generate_node_acls): the portal group's credentials */
	const char *chap_user, *chap_secret, *target_user, *target_secret;
	struct sim_id_acl acls[SIM_ID_ACLS_MAX]; /* none: open access */
	unsigned n_acls;
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
	struct sim_host_wl host_wl[SIM_INIS_MAX]; /* per-host workload settings; none by default */
	struct disk_params disk;     /* blocks, block_size filled by the world */
	bool honor_flush;            /* no: the storage acknowledges FLUSH and FUA without making
					anything durable (a write cache that lies) */
	struct sim_cluster_params cluster;
	struct sim_reservation_params pr;
	struct simnet_params net;
	uint32_t zero_copy_rx_ppm;   /* deliveries through rt_rx_space/rt_rx_commit */
	bool draw_erl;               /* the swarm draws the ErrorRecoveryLevels and a noisy link
					(swarm_draw_erl, after every other setting); off: as before */
	bool draw_hosts;             /* the swarm draws odd commands, large transfers and host life-cycle
					events (swarm_draw_hosts, after draw_erl); off: as before */
	bool draw_pr_shared;         /* the swarm draws target pr_shared (swarm_draw_pr_shared, after
					draw_hosts); off: as before */
	bool draw_mpath;             /* the swarm draws the multipath variants of issue 16 class 3: path
					checker, grouping, device handler, marginal paths (swarm_draw_mpath,
					after draw_hosts); off: as before */
	bool draw_mcs;               /* the swarm draws connections per session (MC/S) and a reset of one
					(swarm_draw_mcs, after draw_hosts); off: as before */
	struct fault_list faults;
	struct attack_list attacks; /* hostile initiators (issue 12); none by default */
	struct prs_list prs;         /* scripted persistent-reservation actions (`pr` lines); none by default */
	struct sim_identity id;      /* from a LIO saveconfig.json; zero: built in */
	uint32_t trace_mask;         /* (1u << tev_kind) recorded */
};

void params_default(struct sim_params *p);

#endif
