/* tput: an application's throughput over time, as a bounded series of
 * fixed-width buckets of bytes completed, and what a storage engineer
 * reads off it after a failover: the run's typical rate (the median of
 * the buckets in which anything completed), the longest dip below half of it (the failover stall as the
 * application saw it, including a degraded path that still trickles) and
 * the highest bucket against the median (the recovery spike when queued
 * I/O drains at once). Issue 16, hazard class 8.
 *
 * The series starts at time 0 with TPUT_BUCKET_NS_MIN buckets; a sample
 * past the last bucket doubles the width (adjacent buckets added), so
 * memory is TPUT_BUCKETS_MAX words whatever the run's length, and the
 * same samples always give the same series. Pure: no clock, no
 * allocation. The workload (initiator/workload.c) fills one per host from
 * its GOOD completions; the SVG timeline (host/svg_timeline.c) fills one
 * per host from the same completions in the trace and draws it, so the
 * picture shows the dip the metric reports.
 */
#ifndef SIM_TPUT_H
#define SIM_TPUT_H

#include <stdbool.h>
#include <stdint.h>

#define TPUT_BUCKETS_MAX 128                 /* buckets kept (the width doubles instead of growing) */
#define TPUT_BUCKET_NS_MIN 100000000ull      /* 100 ms: the finest bucket */
#define TPUT_DIP_PCT 50                      /* a dip: a bucket under this % of the median */
#define TPUT_SPAN_MIN 4                      /* fewer full buckets than this: too short to judge */

struct tput {
	uint64_t width_ns;                   /* bucket i covers [i*width, (i+1)*width) */
	uint64_t bytes[TPUT_BUCKETS_MAX];
	uint64_t first_ns;                   /* first sample's time, UINT64_MAX: none yet */
};

struct tput_summary {
	uint64_t width_ns;                   /* the buckets the figures below were read from */
	uint64_t median_bps;                 /* median non-empty bucket, bytes per second (0: too short or idle) */
	uint64_t dip_max_ns;                 /* longest run of buckets under TPUT_DIP_PCT of the median */
	uint64_t dip_at_ns;                  /* where it started */
	uint64_t peak_pct;                   /* highest bucket, % of the median */
	uint32_t span_first, span_end;       /* the full buckets judged: [first, end) */
};

void tput_init(struct tput *t);
/* bytes completed at now. */
void tput_add(struct tput *t, uint64_t now, uint64_t bytes);
/* Judge the full buckets from the one after the first sample's (that one
 * is partial: the application started in it) up to end_ns (the
 * workload's stop; the bucket end_ns falls in is partial too). */
void tput_summarize(const struct tput *t, uint64_t end_ns, struct tput_summary *s);

#endif
