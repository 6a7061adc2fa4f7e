/* tput: see tput.h. */
#include "sim/base/tput.h"

#include <assert.h>
#include <string.h>

void tput_init(struct tput *t)
{
	memset(t, 0, sizeof(*t));
	t->width_ns = TPUT_BUCKET_NS_MIN;
	t->first_ns = UINT64_MAX;
}

/* Halve the resolution: bucket i takes buckets 2i and 2i+1. */
static void coarsen(struct tput *t)
{
	for (uint32_t i = 0; i < TPUT_BUCKETS_MAX / 2; i++)
		t->bytes[i] = t->bytes[2 * i] + t->bytes[2 * i + 1];
	memset(&t->bytes[TPUT_BUCKETS_MAX / 2], 0, sizeof(t->bytes) / 2);
	t->width_ns *= 2;
}

void tput_add(struct tput *t, uint64_t now, uint64_t bytes)
{
	assert(t->width_ns >= TPUT_BUCKET_NS_MIN);
	while (now / t->width_ns >= TPUT_BUCKETS_MAX)
		coarsen(t);
	t->bytes[now / t->width_ns] += bytes;
	if (now < t->first_ns)
		t->first_ns = now;
}

/* The median of the non-zero values of n (n <= TPUT_BUCKETS_MAX), 0 when
 * there are none: the rate the application had while it had one, so that
 * an outage longer than half the run does not make the outage the norm.
 * A sorted copy. */
static uint64_t median_nonzero(const uint64_t *v, uint32_t n)
{
	uint64_t s[TPUT_BUCKETS_MAX];
	uint32_t m = 0;
	assert(n <= TPUT_BUCKETS_MAX);
	for (uint32_t i = 0; i < n; i++) {
		if (v[i] == 0)
			continue;
		uint32_t k = m++;
		for (; k > 0 && s[k - 1] > v[i]; k--)
			s[k] = s[k - 1];
		s[k] = v[i];
	}
	return m == 0 ? 0 : s[m / 2];
}

void tput_summarize(const struct tput *t, uint64_t end_ns, struct tput_summary *s)
{
	memset(s, 0, sizeof(*s));
	s->width_ns = t->width_ns;
	if (t->first_ns == UINT64_MAX)
		return;
	uint64_t last = end_ns / t->width_ns; /* partial: not judged */
	if (last > TPUT_BUCKETS_MAX)
		last = TPUT_BUCKETS_MAX;
	uint64_t first = t->first_ns / t->width_ns + 1;
	if (first >= last || last - first < TPUT_SPAN_MIN)
		return;
	s->span_first = (uint32_t)first;
	s->span_end = (uint32_t)last;
	uint64_t med = median_nonzero(&t->bytes[first], (uint32_t)(last - first));
	if (med == 0)
		return; /* nothing completed: nothing to dip from */
	s->median_bps = med * 1000000000ull / t->width_ns;
	uint64_t peak = 0, run = 0;
	for (uint64_t i = first; i < last; i++) {
		uint64_t b = t->bytes[i];
		if (b > peak)
			peak = b;
		/* b < med * PCT / 100, without the division's rounding */
		run = b * 100 < med * TPUT_DIP_PCT ? run + 1 : 0;
		if (run * t->width_ns > s->dip_max_ns) {
			s->dip_max_ns = run * t->width_ns;
			s->dip_at_ns = (i + 1 - run) * t->width_ns;
		}
	}
	s->peak_pct = peak * 100 / med;
}
