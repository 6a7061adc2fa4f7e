/* rng: see rng.h. */
#include "sim/base/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* FNV-1a: the stream name becomes part of the seed. */
static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

void rng_stream(struct sim_rng *r, uint64_t seed, const char *name, uint32_t index)
{
	uint64_t x = seed;
	uint64_t mix = splitmix64(&x) ^ name_hash(name);
	x = mix;
	mix = splitmix64(&x) ^ ((uint64_t)index * 0xd6e8feb86659fd93ull);
	x = mix;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t v, int k) { return (v << k) | (v >> (64 - k)); }

uint64_t rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Lemire's multiply-and-reject: unbiased without division in the common case. */
uint64_t rng_below(struct sim_rng *r, uint64_t n)
{
	unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
	uint64_t lo = (uint64_t)m;
	if (lo < n) {
		uint64_t threshold = (0 - n) % n;
		while (lo < threshold) {
			m = (unsigned __int128)rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

uint64_t rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return lo;
	if (hi - lo == UINT64_MAX)
		return rng_next(r);
	return lo + rng_below(r, hi - lo + 1);
}

bool rng_chance(struct sim_rng *r, uint32_t ppm)
{
	/* Multiply-shift: a bias below 2^-32 is nothing next to ppm steps. */
	return ppm != 0 && (((rng_next(r) >> 32) * 1000000u) >> 32) < ppm;
}

uint64_t rng_exp(struct sim_rng *r, uint64_t mean)
{
	if (mean == 0)
		return 0;
	/* 53 random bits in (0, 1]: log() never sees 0. */
	double u = ((double)(rng_next(r) >> 11) + 1.0) / 9007199254740992.0;
	double v = -log(u) * (double)mean;
	/* Cap the tail at 50 means: beyond that the draw only stalls a world. */
	double cap = 50.0 * (double)mean;
	return (uint64_t)(v < cap ? v : cap);
}

uint64_t dist_sample(const struct sim_dist *d, struct sim_rng *r)
{
	uint64_t v = d->min_ns + rng_exp(r, d->exp_mean_ns);
	if (rng_chance(r, d->spike_ppm))
		v += rng_below(r, d->spike_ns + 1);
	return v;
}
