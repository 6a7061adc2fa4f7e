/* rng: the world's one seeded source of randomness, split into named
 * sub-streams.
 *
 * Every random decision in a world descends from its seed, but through a
 * stream named after its purpose ("net.latency", "disk", "workload" + index
 * ...). A stream's state is derived from (seed, name, index) alone, so
 * adding a draw to one stream, or a new fault kind with its own stream,
 * never reshuffles the draws of unrelated streams: a seed keeps meaning
 * the same world as the simulator grows. Generator: xoshiro256** seeded
 * with splitmix64 (Blackman & Vigna). Owns nothing.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

/* The stream (seed, name, index). */
void rng_stream(struct sim_rng *r, uint64_t seed, const char *name, uint32_t index);

uint64_t rng_next(struct sim_rng *r);
/* Uniform in [0, n); n > 0. */
uint64_t rng_below(struct sim_rng *r, uint64_t n);
/* Uniform in [lo, hi] inclusive. */
uint64_t rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);
/* True with probability ppm per million. */
bool rng_chance(struct sim_rng *r, uint32_t ppm);
/* Exponentially distributed with the given mean (inverse transform). */
uint64_t rng_exp(struct sim_rng *r, uint64_t mean);

/* A latency distribution: min_ns plus an exponential tail of mean
 * exp_mean_ns, plus, with probability spike_ppm, a uniform spike of up to
 * spike_ns (the long tail that makes timeouts fire). */
struct sim_dist {
	uint64_t min_ns;
	uint64_t exp_mean_ns;
	uint32_t spike_ppm;
	uint64_t spike_ns;
};

uint64_t dist_sample(const struct sim_dist *d, struct sim_rng *r);

#endif
