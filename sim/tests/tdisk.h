/* tdisk: one simulated disk alone on its event queue, for the sim unit
 * tests of the disk (test_model.c, test_disk_atomic.c): the harness struct,
 * its set-up and tear-down (which checks every byte came back), and one
 * I/O run to completion. Header-only, like tmem.h. */
#ifndef SIM_TESTS_TDISK_H
#define SIM_TESTS_TDISK_H

#include <check.h>
#include <string.h>

#include "sim/infra/disk.h"
#include "tmem.h"

struct tdisk {
	struct tmem m;
	struct evq q;
	struct sim_trace tr;
	struct disk d;
	unsigned done;            /* I/Os completed */
	enum rt_disk_status last; /* the status of the last one */
};

static inline void tdisk_done(void *ctx, int gw, struct rt_disk_io *io)
{
	(void)gw;
	struct tdisk *h = ctx;
	h->done++;
	h->last = io->status;
}

static inline void tdisk_applied(void *ctx, int gw, uint64_t lba, uint32_t n, const uint8_t *data,
	const struct block_seen *seen, bool durable)
{
	(void)ctx, (void)gw, (void)lba, (void)n, (void)data, (void)seen, (void)durable;
}

/* h's disk with parameters p, its randomness drawn from seed. */
static inline void tdisk_setup(struct tdisk *h, const struct disk_params *p, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	tmem_init(&h->m);
	evq_init(&h->q, &h->m.mem);
	trace_init(&h->tr, 0);
	struct disk_ops ops = { h, tdisk_done, tdisk_applied };
	struct sim_rng rng;
	rng_stream(&rng, seed, "disk", 0);
	disk_init(&h->d, &h->m.mem, &h->q, &h->tr, &rng, p, &ops);
}

static inline void tdisk_teardown(struct tdisk *h)
{
	disk_fini(&h->d);
	evq_fini(&h->q);
	ck_assert_uint_eq(h->m.live, 0);
}

/* Submit io and run the queue until it completes (asserted); its status. */
static inline enum rt_disk_status tdisk_run(struct tdisk *h, struct rt_disk_io *io)
{
	unsigned before = h->done;
	disk_submit(&h->d, 0, io);
	while (h->done == before && evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_uint_eq(h->done, before + 1);
	return h->last;
}

#endif
