/* host/isim: what the isim program's files share (host/ only: the
 * command line in main.c, one file per command, io.c and worlds.c).
 * The options of one invocation, the host's memory, clock and files, and
 * running one world from options. Host code: it may touch the OS.
 */
#ifndef SIM_HOST_ISIM_H
#define SIM_HOST_ISIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/base/mem.h"
#include "sim/host/pcap_out.h"
#include "sim/host/svg_timeline.h"
#include "sim/spec/scenario.h"
#include "sim/swarm/results.h"
#include "sim/world/world.h"

#define JOBS_MAX 64 /* --jobs: processes a swarm forks at most */

enum cmd_bit {
	C_RUN = 1u << 0,
	C_SWARM = 1u << 1,
	C_MERGE = 1u << 2,
	C_SHRINK = 1u << 3,
	C_PARAMS = 1u << 4,
	C_BENCH = 1u << 5,
};

struct seed_range {
	uint64_t lo, hi;
};

struct shard {
	uint32_t i, n;
};

struct opts {
	const char *cmd;
	enum cmd_bit bit;
	uint64_t seed;
	bool have_seed, have_seeds, have_shard;
	struct seed_range range; /* --seeds */
	struct shard shard;      /* --shard */
	uint64_t jobs;
	const char *scenario, *trace, *pcap, *svg, *out, *report, *row, *results;
	const char *lio_config; /* --lio-config: the gateways' identity (lio_ident.c) */
	const char *lio_target; /* --lio-target: which of its targets (default: the first) */
	char set[SWARM_SET_MAX]; /* scenario lines applied on top (--set), each ending in '\n' */
	bool pdus, check_det, until_fail, require_cov, expect_fail;
	const char *files[SWARM_SHARDS_MAX]; /* merge: results files */
	size_t nfiles;
};

/* ---- io.c: the host's memory, clock and files ---- */

/* The allocator sim/ is handed: malloc, aborting when the host is out of
 * memory; host_live_bytes() is what sim/ holds of it now. */
extern const struct sim_mem host_mem;
uint64_t host_live_bytes(void);
/* Give the blocks host_mem keeps for reuse back to malloc (after a
 * world: the next one's sizes may differ, and a swarm job's memory
 * should not grow with every kind of world it ran). */
void host_mem_trim(void);
uint64_t wall_ns(void);
/* A whole file as a NUL-terminated string (free() it), NULL with errno. */
char *read_file(const char *path);
int write_text(const char *path, const char *mode, const char *text, size_t len);
int check_writable(const char *path, const char *mode);
const char *base_name(const char *path);
double ratio(uint64_t sim, uint64_t wall);

/* ---- worlds.c: one world from the options ---- */

/* What a run writes as the world runs (each NULL: not asked for). */
struct outputs {
	FILE *trace;
	struct out_pcap *pcap;
	struct out_svg *svg;
};

/* ---- lio_ident.c: --lio-config ---- */

/* The gateways' target name, ACLs, CHAP and parameters from targetcli's
 * saveconfig.json at path (its target named target, NULL: the first), into
 * p (p->id, p->tgt); 0, or -1 after saying what is wrong. */
int lio_identity_apply(const char *path, const char *target, struct sim_params *p);

/* The world o asks for (scenario file, seed, --set lines), and its
 * expectation; 0, or -1 after saying what is wrong. */
int load_params(const struct opts *o, struct sim_params *p, struct scenario_expect *e);
void run_world(const struct sim_params *p, const struct outputs *out, struct sim_result *res, uint64_t *wall);
void swarm_spec_of(const struct opts *o, struct swarm_spec *spec);
void replay_cmd(const struct opts *o, uint64_t seed, char *buf, size_t cap);
/* One world of a swarm (or bench) as the record its job sends. */
void swarm_one(const struct opts *o, uint64_t seed, struct swarm_world *rec);

/* ---- the commands: each returns the exit status ---- */
int cmd_run_any(const struct opts *o); /* cmd_run.c: run, one world or a seed family */
int cmd_swarm(const struct opts *o);   /* cmd_swarm.c */
int cmd_merge(const struct opts *o);   /* cmd_swarm.c */
int cmd_shrink(const struct opts *o);  /* cmd_shrink.c */
int cmd_params(const struct opts *o);  /* cmd_shrink.c */
int cmd_bench(const struct opts *o);   /* cmd_bench.c */
/* cmd_protocol.c: the protocol suite against a real target; its own argv parser. */
int cmd_protocol(int argc, char **argv);
/* cmd_netfuzz.c: the network fuzzer against a real target; its own argv parser. */
int cmd_netfuzz(int argc, char **argv);
/* cmd_oracle.c: the protocol oracle over a capture (pcap file or live on lo); its own argv parser. */
int cmd_oracle(int argc, char **argv);
/* cmd_proxy.c: the fault-injecting proxy; its own argv parser. */
int cmd_proxy(int argc, char **argv);
/* cmd_live.c: a scenario against real targets through proxies; its own argv parser. */
int cmd_live(int argc, char **argv);
/* cmd_live.c, shared with cmd_guest.c: judge r by the scenario's
 * expectation, leaving out (and naming) the bounds on metrics a live run
 * does not measure (measured: which it does; NULL: the simulator's
 * initiators' own). */
struct expect_verdict;
void live_judge(const struct scenario_expect *se, const struct sim_result *r, bool (*measured)(enum metric_id),
	struct expect_verdict *v);
/* cmd_guest.c: the open-iscsi guest's I/O history judged by the data oracle and the scenario. */
int cmd_guest_check(int argc, char **argv);

/* cmd_proxy.c, shared with cmd_live.c: "INI:GW"; a scenario file read
 * whole (0, or -1 after saying why); the rules of a proxy on the path
 * ini:gw from the scenario (sp may be NULL) and --fault specs (0 or 2). */
struct fpx;
bool proxy_cli_path(const char *s, int *ini, int *gw);
int proxy_cli_scenario(const char *file, struct sim_params *p, struct scenario_expect *e);
int proxy_cli_rules(struct fpx *x, const struct sim_params *sp, int ini, int gw, const char *const *specs,
	unsigned nspecs);

#endif
