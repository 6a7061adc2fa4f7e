/* evq: see evq.h. */
#include "sim/base/evq.h"

static bool before(const struct evq_event *x, const struct evq_event *y)
{
	return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

void evq_init(struct evq *q, const struct sim_mem *mem)
{
	*q = (struct evq){ .mem = mem };
}

void evq_fini(struct evq *q)
{
	sim_free(q->mem, q->heap, q->cap * sizeof(*q->heap));
	q->heap = NULL;
	q->len = q->cap = 0;
}

void evq_push(struct evq *q, uint64_t t, evq_fn fn, void *a, void *b, uint64_t arg)
{
	q->heap = sim_grow(q->mem, q->heap, sizeof(*q->heap), &q->cap, q->len + 1);
	struct evq_event ev = { .t = t < q->now ? q->now : t, .seq = q->seq++, .fn = fn, .a = a, .b = b, .arg = arg };
	size_t i = q->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(&ev, &q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = ev;
}

uint64_t evq_peek_time(const struct evq *q)
{
	return q->len == 0 ? UINT64_MAX : q->heap[0].t;
}

static void pop_top(struct evq *q)
{
	struct evq_event last = q->heap[--q->len];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->len)
			break;
		if (c + 1 < q->len && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->len > 0)
		q->heap[i] = last;
}

bool evq_run_one(struct evq *q, uint64_t until)
{
	if (q->len == 0 || q->heap[0].t > until)
		return false;
	struct evq_event ev = q->heap[0];
	pop_top(q);
	assert(ev.t >= q->now);
	q->now = ev.t;
	q->ran++;
	ev.fn(ev.a, ev.b, ev.arg);
	return true;
}
