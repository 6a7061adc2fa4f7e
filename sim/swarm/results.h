/* swarm/results: what a swarm found, whatever ran it: the seeds of one shard,
 * the sum of its worlds, the results file that carries a shard's sum from
 * one machine to another, the merge of shard sums, and the Markdown report.
 * Pure text in and out, like scenario.h: sim/host/ reads and writes the
 * files. Owns nothing.
 *
 * Sharding: `--seeds A..B --shard I/N` (I is 1-based, 1 <= I <= N) runs
 * the seeds s of A..B with (s - A) mod N == I - 1. The N shards are
 * disjoint and together are A..B; `--shard 1/1` is the whole range. A
 * world depends only on its seed, so the sum of the shards' sums is the
 * unsharded sum, whatever the sharding and the number of jobs.
 *
 * Results file (one line each, fields separated by one space; a writer
 * adds lines only at the end of a version):
 *   isim-swarm-results 1
 *   seeds A..B
 *   shard I/N
 *   scenario PATH            (only with --scenario; PATH is the rest of the line)
 *   set LINE                 (one per --set line, in order)
 *   worlds W                 (worlds run: the shard is complete when W is its seed count)
 *   failed F
 *   sim_ns T                 (simulated ns, summed)
 *   ios K
 *   io_errors E              (I/Os failed up to the application)
 *   cov NAME HITS            (every point of oracle/coverage.h, in its order)
 *   fail SEED ORACLE WHY     (the SWARM_FAILS_KEPT lowest failing seeds, ascending)
 *   wall_ns X                (wall time summed over worlds: how fast, never compared)
 *   end
 * Everything but wall_ns is a function of the seeds and the build.
 */
#ifndef SIM_SWARMRES_H
#define SIM_SWARMRES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/oracle/coverage.h"

/* Seeds one swarm may span: far more than any machine runs, and keeps
 * every count in range. */
#define SWARM_SEEDS_MAX (1ull << 40)
/* Shards one swarm may be cut into (a merge checks them pairwise). */
#define SWARM_SHARDS_MAX 1000u
/* Failures a sum keeps (the lowest seeds): the report's table. */
#define SWARM_FAILS_KEPT 20u
#define SWARM_WHY_MAX 400u
#define SWARM_SCENARIO_MAX 512u
#define SWARM_SET_MAX 2048u
#define SWARMRES_VERSION 1

/* One world's record. */
struct swarm_world {
	uint64_t seed;
	int oracle; /* enum sim_oracle */
	uint64_t sim_ns, wall_ns, ios, io_errors;
	uint64_t cov[COV_COUNT];
	char why[SWARM_WHY_MAX]; /* one line */
};

/* What was run: the same in every shard of one swarm. */
struct swarm_spec {
	uint64_t lo, hi;
	uint32_t shard, shards; /* 1-based: shard I of N */
	char scenario[SWARM_SCENARIO_MAX]; /* "" without --scenario */
	char set[SWARM_SET_MAX];           /* --set lines, each ending in '\n' */
};

struct swarm_sum {
	struct swarm_spec spec;
	uint64_t worlds, failed, sim_ns, ios, io_errors;
	uint64_t cov[COV_COUNT];
	struct swarm_world fails[SWARM_FAILS_KEPT]; /* the lowest failing seeds, ascending */
	unsigned nfails;
	uint64_t wall_ns; /* summed over worlds; not a result */
};

/* ---- strict values (the command line and the results file) ----
 * Each returns false and writes why into why (e.g. "'12abc' is not a
 * number") unless the whole string is the value. */
/* A decimal number in min..max: digits only, no sign, no space. */
bool swarm_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out, char *why, size_t why_len);
/* A..B, A <= B, at most SWARM_SEEDS_MAX seeds. */
bool swarm_parse_range(const char *s, uint64_t *lo, uint64_t *hi, char *why, size_t why_len);
/* I/N, 1 <= I <= N <= SWARM_SHARDS_MAX. */
bool swarm_parse_shard(const char *s, uint32_t *shard, uint32_t *shards, char *why, size_t why_len);

/* ---- one shard ---- */
/* Seeds in the shard, and its k-th seed (k < swarm_shard_count). */
uint64_t swarm_shard_count(const struct swarm_spec *spec);
uint64_t swarm_shard_seed(const struct swarm_spec *spec, uint64_t k);

void swarm_sum_init(struct swarm_sum *s, const struct swarm_spec *spec);
/* Add one world (in any order: the sum does not depend on it). */
void swarm_sum_add(struct swarm_sum *s, const struct swarm_world *w);
/* Required coverage points no world reached. */
unsigned swarm_sum_missing(const struct swarm_sum *s);

/* The command that replays seed under spec ("isim run [--scenario P]
 * --seed N [--set '...']..."). */
void swarm_replay_cmd(const struct swarm_spec *spec, uint64_t seed, char *buf, size_t cap);

/* ---- results file ---- */
/* Returns the length needed (the text is cut if cap is smaller). */
size_t swarm_results_format(const struct swarm_sum *s, char *buf, size_t cap);
/* Parse a results file; 0, or -1 with "line N: why" in err. A file
 * without its `end` line (a shard cut short) is an error. */
int swarm_results_parse(const char *text, struct swarm_sum *s, char *err, size_t err_len);

/* ---- merge ---- */
/* Combine the sums of n shard files (names[i] for messages) into out, the
 * sum of the whole range (shard 1/1). Every shard of one swarm must be
 * there exactly once and complete, with the same seeds, scenario and --set
 * lines; else -1 and err says which file or shard is wrong. */
int swarm_merge(const struct swarm_sum *const *shards, const char *const *names, size_t n, struct swarm_sum *out,
	char *err, size_t err_len);

/* ---- report ---- */
/* The Markdown report of a complete sum (REPORT.md includes it): the same
 * bytes for the same seeds, however sharded. Returns the length needed. */
size_t swarm_report_format(const struct swarm_sum *s, char *buf, size_t cap);

#endif
