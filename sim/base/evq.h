/* evq: the world's event queue, a binary min-heap ordered by (time, seq).
 *
 * seq is a counter stamped at push, so events due at the same simulated
 * time run in the order they were scheduled: the order never depends on
 * heap layout or addresses, which is what makes a seed replay byte for
 * byte. There is no cancel: an owner that re-arms a timer stamps its own
 * generation into the event and ignores stale ones when they fire.
 * Owns the heap array (allocated through sim_mem).
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/mem.h"

typedef void (*evq_fn)(void *a, void *b, uint64_t arg);

struct evq_event {
	uint64_t t;
	uint64_t seq;
	evq_fn fn;
	void *a;
	void *b;
	uint64_t arg;
};

struct evq {
	const struct sim_mem *mem;
	struct evq_event *heap;
	size_t len, cap;
	uint64_t seq;
	uint64_t now; /* time of the event being run, never decreases */
	uint64_t ran; /* events run so far */
};

void evq_init(struct evq *q, const struct sim_mem *mem);
void evq_fini(struct evq *q);

/* Schedule fn(a, b, arg) at time t (t < now is treated as now). */
void evq_push(struct evq *q, uint64_t t, evq_fn fn, void *a, void *b, uint64_t arg);

/* Time of the next event, or UINT64_MAX if none. */
uint64_t evq_peek_time(const struct evq *q);

/* Run the next event if it is due at or before 'until'; advances now.
 * Returns false when nothing is due. */
bool evq_run_one(struct evq *q, uint64_t until);

#endif
