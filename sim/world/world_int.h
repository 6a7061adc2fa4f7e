/* world_int: the world's insides, shared by world.c (build, run,
 * verdicts), world/gateways.c (gateways: rt_env and the engine), world/initiators.c
 * (initiators: sessions, multipath, workload) and world/faults.c (applying the
 * fault schedule). Not for use outside them. */
#ifndef SIM_WORLD_INT_H
#define SIM_WORLD_INT_H

#include "core/engine.h"
#include "sim/infra/disk.h"
#include "sim/base/evq.h"
#include "sim/initiator/session.h"
#include "sim/initiator/multipath.h"
#include "sim/infra/simnet.h"
#include "sim/oracle/attempts.h"
#include "sim/oracle/data.h"
#include "sim/oracle/pr_model.h"
#include "sim/oracle/protocol.h"
#include "sim/world/world.h"
#include "sim/initiator/workload.h"

struct world;

/* A timer owner (gateway or initiator) re-armed after every event that
 * touched it. At most one event is live: at is its time (SIM_NEVER:
 * none); a later deadline waits for it to fire and look again, an earlier
 * one replaces it (the old one is told apart by generation). */
struct wtimer {
	uint64_t at;
	uint64_t gen;
	bool dirty;
};

enum gw_state {
	GW_UP = 0,
	GW_PAUSED,
	GW_DOWN,
	GW_DRAINING, /* graceful shutdown in progress */
};

/* A gateway's share of the disk path (disk_path.c). */
struct wdiskpath {
	struct wdeferred *deferred_head, *deferred_tail; /* disk completions held while paused */
	struct wshadow *shadows;  /* disk requests behind a command timeout */
	uint64_t shadow_ids;
};

struct wgw {
	struct world *w;
	int idx;
	enum gw_state state;
	struct rt_engine *eng;
	bool destroying;      /* inside rt_engine_destroy: the process is dying, its I/O goes nowhere */
	struct rt_env env;
	struct rt_config cfg;
	struct rt_portal_cfg portal;
	char portal_addr[24];
	struct rt_target_cfg target;
	struct rt_tpg_cfg tpg;
	uint32_t portal_index;
	struct sim_rng rng;
	struct wtimer timer;
	uint64_t live_bytes;      /* engine memory not freed */
	uint64_t alloc_fail_left; /* the next allocations that fail */
	uint64_t incarnation;
	bool stopped;             /* the world is over: no restarts */
	struct rt_stats stats_total;
	struct wwrite *writes;    /* disk writes in flight (world/measure.c) */
	struct wdiskpath dp;
	uint64_t superseded_at;   /* another gateway last took over writing from it (world/measure.c) */
	bool sent_missed;         /* unsent bytes fell while it was paused: told on resume */
	/* The exclusive lock (target lock_lost=, world/disk_path.c): it learned
	 * its instance is blocklisted and has not reopened yet; how often. */
	bool lock_lost;
	uint64_t lock_losses;
	/* Graceful stops (gw_shutdown, world/gateways.c): when the one
	 * draining now began (SIM_NEVER: none), the longest one, and how many
	 * were cut short because their gateway was due back (issue 16 class 6:
	 * a stuck stop is measured, not silently turned into a crash). */
	uint64_t stop_since;
	uint64_t stop_max_ns;
	uint32_t stops_cut;
	/* The same configuration with its portal group mapping no LU (fault
	 * lun_unmap, issue 16 class 6): the engine reads whichever of the two
	 * is in force (rt_engine_reconfigure keeps a pointer to it), and a
	 * restart starts from it, as a saved configuration would. */
	struct rt_config cfg_unmapped;
	struct rt_target_cfg target_unmapped;
	struct rt_tpg_cfg tpg_unmapped;
	bool lun_unmapped;
	struct wprn_held *prn_held; /* notifies of the shared PR record it missed while paused (pr_notify.c) */
};

struct wpath {
	struct world *w;
	int ini, idx, gw;
	unsigned cid;             /* MC/S: its connection in the session of wpaths idx - cid .. (0: the leader) */
	struct isess sess;
	struct simnet_conn *conn;
	uint64_t down_at;         /* the session went down (SIM_NEVER: up or never was) */
	uint64_t relogin_max_ns;
	unsigned isid_gen;        /* which of the path's two ISIDs it logs in with (fault logout/iscsid_exit a=1 flips it) */
	bool isid_flipped;        /* isid_gen already flipped for a relogin that waits for its logout */
};

/* The wpaths of a host: topology paths x initiator connections (MC/S:
 * each connection of a session is a path to dm-multipath, whose selector
 * spreads the commands over them; the session's are consecutive). */
static inline int wini_npaths(const struct world *w);

struct wini {
	struct world *w;
	int idx;
	struct wpath paths[SIM_PATHS_MAX];
	struct mpath mp;
	struct mpath_cfg mpcfg;  /* the world's, with the cluster's ALUA mode */
	struct wl_cfg wlcfg;     /* the world's, with this host's own settings (workload ini=) */
	struct workload wl;
	struct wtimer timer;
	char name[SIM_ID_NAME_MAX];
	struct isess_cfg icfg;  /* the world's, with this initiator's name */
	uint64_t path_fails_run; /* path failures before the final logout (SIM_NEVER: not there yet) */
};

/* A hostile initiator (world/attackers.c): one network node per attack,
 * its sessions (session_hog, no_read, reset) or bare connections
 * (idle_flood). What it did is counted here for the metrics. */
struct watk;
struct watk_sess {
	struct watk *a;
	unsigned idx;
	struct isess sess;
	struct simnet_conn *conn;
	bool hostile;  /* no_read: logged in and no longer reading */
	bool up;       /* logged in */
};

struct watk_stats {
	uint64_t conns;          /* TCP connections opened */
	uint64_t conns_dropped;  /* of them refused, reset or closed by the target */
	uint64_t logins, login_failures;
	uint64_t sessions_up, sessions_max; /* logged in now; most at once */
	uint64_t cmds, nops, tmfs;          /* sent by hand */
	uint64_t rounds_blocked;            /* no_read rounds not sent: the target stopped reading */
	uint64_t tmf_done, tmf_refused;     /* the target's answers to its TMFs */
};

struct watk {
	struct world *w;
	int idx, node;           /* which attack; its initiator node on the network */
	const struct attack *a;
	char name[64];
	struct isess_cfg icfg;
	struct wtimer timer;
	struct watk_sess *sess;  /* a->count (session kinds) */
	unsigned nsess;          /* started so far */
	uint32_t live;           /* idle_flood: connections open or opening */
	uint32_t next_src;
	uint64_t next_at;        /* its next action (SIM_NEVER: none) */
	bool started, over;
	unsigned tmf_turn;       /* reset mix: which one next */
	uint8_t *nop_data;       /* no_read: the NOP-Out's data */
	struct watk_stats st;
};

/* The gateway cluster (world/alua_cluster.c): which gateway's target port group is
 * active/optimized, and a transition in progress. */
struct wcluster {
	int optimized;          /* -1: ALUA off */
	int from, to;           /* an explicit transition in progress (to -1: none) */
	uint64_t started;
	uint64_t gen;           /* tells stale timer events apart */
	uint64_t transitions;
	int traced[SIM_GWS_MAX]; /* each gateway's state as the trace last said it (-1: not yet) */
};

#define WORLD_LOGIN_DROPS_MAX 64u

/* Scripted persistent-reservation actions and the reservation model
 * oracle (world/pr_hosts.c). */
struct wpr_act {
	struct icmd cmd;
	uint8_t buf[512];          /* parameter list out, or PERSISTENT RESERVE IN data */
	bool busy;
	unsigned retries;          /* sent again after UNIT ATTENTION or BUSY */
};
/* A PERSISTENT RESERVE OUT's answer, kept until no other is outstanding
 * at its gateway (pr_hosts.c: the target's order of overlapping ones is
 * not the order their answers reach the hosts). */
#define WPR_BATCH_MAX 5u            /* overlapping ones whose orders are searched; more: unknown */
#define WPR_PARAM_LEN 24u           /* the basic parameter list (SPC-4 §6.16.3) */
struct wpr_out {
	int n;                     /* its nexus */
	int gw;                    /* the gateway that answered it */
	uint8_t sa, type;
	uint8_t param[WPR_PARAM_LEN];
	bool good;                 /* GOOD; else RESERVATION CONFLICT */
};

struct wpr {
	bool on;                   /* the world has `pr` lines */
	struct oprm_state gw[SIM_GWS_MAX]; /* each engine's state, as the model says */
	bool known[SIM_GWS_MAX];   /* false: an outcome was lost; nothing judged there */
	uint32_t epoch[SIM_GWS_MAX];   /* moved by every PERSISTENT RESERVE OUT sent or answered */
	/* Indexed by model (pr_hosts.c model_of: the gateway, or 0 for all
	 * with target pr_shared=yes): gw, known, epoch, pending,
	 * pending_aptpl, batch, nbatch, batch_over; by gateway: life, pending_gw. */
	unsigned pending[SIM_GWS_MAX]; /* PERSISTENT RESERVE OUTs outstanding */
	unsigned pending_gw[SIM_GWS_MAX]; /* ... sent to each gateway's engine of now */
	unsigned pending_aptpl[SIM_GWS_MAX]; /* ... of them with APTPL set in their parameter list */
	uint32_t life[SIM_GWS_MAX];    /* the gateway's engine, counted from 1 (wpr_gw_started) */
	struct oprm_state saved;   /* what the last APTPL save left on the shared disk */
	bool saved_known;
	struct wpr_act act[PRS_MAX];
	uint64_t fenced_since[SIM_INIS_MAX]; /* a PREEMPT of the host's key was acknowledged (SIM_NEVER: not) */
	int fenced_by_gw[SIM_INIS_MAX];
	uint64_t checks, acked;
	struct wpr_out batch[SIM_GWS_MAX][WPR_BATCH_MAX];
	unsigned nbatch[SIM_GWS_MAX];
	bool batch_over[SIM_GWS_MAX]; /* more overlapped than WPR_BATCH_MAX */
};

struct world {
	const struct sim_params *p;
	const struct sim_mem *mem;
	struct sim_trace *tr;
	struct world_wire_obs obs;
	struct evq q;
	struct simnet net;
	struct disk disk;
	struct odata od;
	struct oatt att;
	struct rt_lu_cfg lus[2];   /* the shared LU; [1] the reset attacker's own (attack reset) */
	uint32_t lu_count;
	struct rt_lun_map lun;
	struct rt_lun_map lun_atk[2]; /* the reset attacker's ACL view */
	struct rt_acl_cfg acl_atk;
	uint32_t acl_count;        /* 1 with a reset attack */
	/* p->id's ACLs, then acl_atk if there is one (the gateways' list when
	 * p->id names ACLs; else they use acl_atk alone, with open access) */
	struct rt_acl_cfg acl_id[SIM_ID_ACLS_MAX + 1];
	uint32_t acl_id_count;
	struct isess_cfg icfg;
	struct wl_cfg wlcfg;
	struct wgw gws[SIM_GWS_MAX];
	struct wini inis[SIM_INIS_MAX];
	struct oproto **checkers; /* by connection id */
	size_t checkers_cap;
	/* The write the disk applied last (disk_applied): its blocks'
	 * versions as the data oracle decoded them, for check_landing when
	 * the same write completes in the same disk event (disk_path.c):
	 * each block decoded once. valid: every block decoded. */
	struct {
		const uint8_t *data;
		uint32_t n;
		bool valid;
		uint64_t *vers;
		size_t cap;
	} landed;
	/* per host path: its last connection's session keys (world.c path_session) */
	struct iparams path_sess[SIM_INIS_MAX * SIM_PATHS_MAX];
	bool path_sess_known[SIM_INIS_MAX * SIM_PATHS_MAX];
	/* MC/S: per session, the CmdSN numbers its connections' checkers share */
	struct oproto_cmdsn path_cs[SIM_INIS_MAX * SIM_PATHS_MAX];
	struct sim_rng rng_rx;    /* zero-copy or rt_on_bytes per delivery */
	int cuts[SIM_INIS_MAX][SIM_GWS_MAX][2]; /* partitions active per link and direction */
	uint64_t end_ns;          /* liveness verdict time */
	uint64_t logout_deadline;
	bool stopping;            /* logouts sent: the world is winding down */
	bool done;
	struct sim_result *res;
	struct cov cov;
	uint64_t engine_leaked;
	struct wcluster cluster;
	uint64_t dual_writers;
	int last_lander;          /* the gateway whose disk write landed last, -1: none */
	uint32_t login_drops[SIM_INIS_MAX][SIM_GWS_MAX]; /* connections still to reset mid-login */
	uint32_t drop_conns[WORLD_LOGIN_DROPS_MAX];      /* ids to reset at their first bytes */
	unsigned ndrop;
	struct fault swizzled[2 * FAULTS_MAX];           /* partitions a swizzle expands into */
	unsigned nswizzled;
	struct watk atks[ATTACKS_MAX];
	uint64_t gw_mem_max;      /* the most engine memory any gateway held */
	struct wpr pr;
	/* target pr_shared=yes (world/pr_notify.c): notifies in flight, the
	 * stream their trips draw from, and how many timed out */
	struct wprn *prn_live;
	struct sim_rng prn_rng;
	uint64_t prn_timeouts;
};

/* world.c */
void world_violation(struct world *w, enum sim_oracle o, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Where a violation was seen, for the trace and the timeline: the
 * initiator whose I/O saw it (-1: none) and the block and version it is
 * about (block_known false: none). */
struct violation_site {
	int ini;
	bool block_known;
	uint64_t lba, ver;
};
void world_violation_at(struct world *w, enum sim_oracle o, const struct violation_site *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A data oracle's violation, its block and version taken from od.where. */
void world_violation_data(struct world *w, int ini, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void world_cov(struct world *w, enum cov_point c);
void wtimer_touch(struct wtimer *t);

/* world/gateways.c */
void wgw_init(struct world *w, struct wgw *g);
void wgw_fini(struct wgw *g);
void wgw_rearm(struct wgw *g);
/* Returns the bytes the engine took: fewer when it stopped reading c (backpressure). */
size_t wgw_deliver(struct wgw *g, struct simnet_conn *c, const uint8_t *p, size_t len);
/* The bytes the gateway holds unsent for c fell to unsent (simnet ops->sent). */
void wgw_sent(struct wgw *g, struct simnet_conn *c, uint64_t unsent);
void wgw_closed(struct wgw *g, struct simnet_conn *c);
bool wgw_accept(struct wgw *g, struct simnet_conn *c);
/* "10.1.<node>.<path+1>": the peer's source address (distinct per attacker source). */
void wgw_peer_addr(const struct simnet_conn *c, char *out, size_t cap);
void wgw_crash(struct wgw *g, bool silent);
/* The gateway's graceful stop is over (stopped, crashed or cut: cut says
 * it was cut short at its restart time); measured in wgw.stop_max_ns. */
void wgw_stop_ended(struct wgw *g, bool cut);
/* Map the LU in the gateway's portal group, or map none (fault
 * lun_unmap): a live reconfiguration of a running engine (core/reconfig.h:
 * the hosts' sessions are owed 3F/0E or get LOGICAL UNIT NOT SUPPORTED),
 * kept for a restart. */
void wgw_map_lu(struct wgw *g, bool mapped);
void wgw_restart(struct wgw *g);
void wgw_pause(struct wgw *g, bool pause);
void wgw_shutdown(struct wgw *g);
/* The credentials and name every gateway is configured with. */
const char *wgw_chap_user(const struct world *w);
const char *wgw_chap_secret(const struct world *w);
const char *wgw_target_user(const struct world *w);
const char *wgw_target_secret(const struct world *w);
const char *wgw_target_name(const struct world *w);
/* Grant (or not) an ACL entry target resets, where the engine has the permission. */
void wgw_acl_grant_target_reset(struct rt_acl_cfg *acl, bool permit);

/* world/initiators.c */
void wini_init(struct world *w, struct wini *in);
void wini_fini(struct wini *in);
void wini_rearm(struct wini *in);
void wini_start(struct wini *in);
void wini_logout(struct wini *in);
/* Host life cycle (issue 16 class 5): the host's paths to gw (every path
 * when gw < 0) log out, or the initiator process exits (exits: no
 * Logout); wini_host_up logs them in again as new sessions, with the
 * path's other ISID when new_isid (another I_T nexus). */
void wini_host_down(struct wini *in, int gw, bool exits);
void wini_host_up(struct wini *in, int gw, bool new_isid);
void wini_connected(struct wpath *p, struct simnet_conn *c, bool ok);
void wini_deliver(struct wpath *p, struct simnet_conn *c, const uint8_t *data, size_t len);
void wini_closed(struct wpath *p, struct simnet_conn *c);

/* The target's side of connection c is gone (closed, reset, crashed):
 * its unanswered writes settle once the gateway's disk writes drain. */
void world_conn_gone(struct world *w, struct simnet_conn *c);
/* Free c's protocol checker once neither end can send any more. */
void world_checker_reap(struct world *w, const struct simnet_conn *c);

/* world/attackers.c: hostile initiators (issue 12) */
/* The reset attacker's initiator name (its ACL entry names it). */
const char *watk_reset_name(void);
void wpr_init(struct world *w);
void wpr_start(struct world *w);
void wpr_gw_started(struct world *w, int g);
/* Every command of the initiators: put on the wire to gateway gw, answered. */
void wpr_sent(struct world *w, int gw, struct icmd *c);
void wpr_answered(struct world *w, int ini, int path, int gw, const struct icmd *c);
/* Whether c is a scripted action's; its completion goes to wpr_act_done. */
bool wpr_owns(const struct world *w, const struct icmd *c);
void wpr_act_done(struct world *w, struct icmd *c);

void watk_init(struct world *w, struct watk *a);
void watk_fini(struct watk *a);
void watk_rearm(struct watk *a);
/* Is network node `node` an attacker's? Its attack, or NULL. */
struct watk *watk_of_node(struct world *w, int node);
void watk_connected(struct watk *a, struct simnet_conn *c, bool ok);
void watk_deliver(struct watk *a, struct simnet_conn *c, const uint8_t *p, size_t len);
void watk_closed(struct watk *a, struct simnet_conn *c);
/* Should the protocol oracle check this attacker's connection? (A
 * blind pipeline is not the target's fault; see attackers.c.) */
bool watk_checked(const struct watk *a);

/* world/faults.c */
void wfault_schedule(struct world *w);

/* world/alua_cluster.c: ALUA states of the gateways' target port groups. */
void wcluster_init(struct world *w);
/* Gateway gw's engine (re)started: give it its group's state. */
void wcluster_gw_started(struct world *w, int gw);
/* Gateway gw went down (crash, power off, stop). */
void wcluster_gw_down(struct world *w, int gw);
/* Make gw's group active/optimized: at once (implicit), or once the
 * old one drained (explicit). */
void wcluster_failover(struct world *w, int gw);
/* An initiator asks for gw's group to be activated (explicit ALUA). */
void wcluster_activate(struct world *w, int ini, int gw);
/* Gateway gw lost or regained the exclusive lock (target
 * lock_lost=standby): tell its engine its group's state again. */
void wcluster_lock_changed(struct world *w, int gw);

/* world/disk_path.c: a gateway's disk I/O, from rt_env.disk_submit to
 * rt_on_disk_done, through the backstore path and the disk. */
void diskpath_submit(void *gateway, struct rt_disk_io *io);        /* rt_env.disk_submit, ctx a wgw */
void diskpath_disk_done(void *world, int gw, struct rt_disk_io *io); /* disk_ops.done, ctx the world */
/* The gateway resumed: the completions held while it was paused, in order. */
void diskpath_resume(struct wgw *g);
/* Hand io's result to g's engine (held while g is paused); for an I/O
 * whose answer waited (a PR store's notify, pr_notify.c). */
void diskpath_complete(struct wgw *g, struct rt_disk_io *io);
/* The gateway's engine is gone: drop what the path held for it. */
void diskpath_forget(struct wgw *g);

/* world/pr_notify.c: the watch and notify on the shared PR record
 * (target pr_shared=yes). */
struct wprn;
struct wprn_held;
/* Gateway g's store of the record landed: notify the others, answer io
 * once they acknowledged or the notify timed out. */
void wprn_store_landed(struct wgw *g, struct rt_disk_io *io);
/* g resumed: the notifies it missed reach it now (one trip later). */
void wprn_resume(struct wgw *g);
/* g's engine is gone: what it held is dropped (never acknowledged). */
void wprn_forget(struct wgw *g);
/* g takes the storage over (an ALUA failover to it): reload the record. */
void wprn_takeover(struct wgw *g);
void wprn_fini(struct world *w);

/* world/measure.c */
struct wwrite;
void wmetrics_write_submitted(struct world *w, int gw, const struct rt_disk_io *io);
void wmetrics_write_done(struct world *w, int gw, const struct rt_disk_io *io);
void wmetrics_forget_gw(struct world *w, int gw);
void wmetrics_collect(struct world *w, struct sim_metrics *m);

static inline int wini_npaths(const struct world *w)
{
	return w->p->paths * (int)w->p->ini.connections;
}

#endif
