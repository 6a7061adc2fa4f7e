/* shrink: see shrink.h. */
#include "sim/swarm/shrink.h"

#include "sim/base/time.h"
#include "sim/base/trace.h"

void shrink_run(const struct sim_params *p, const struct sim_mem *mem, struct sim_result *res)
{
	struct sim_trace tr;
	trace_init(&tr, p->trace_mask);
	struct world *w = world_create(p, mem, &tr, NULL);
	world_run(w, res);
	world_destroy(w);
}

struct shrinker {
	const struct sim_mem *mem;
	enum sim_oracle oracle;
	unsigned runs, max_runs;
};

static bool still_fails(struct shrinker *s, const struct sim_params *p)
{
	if (s->runs >= s->max_runs)
		return false;
	s->runs++;
	struct sim_result r;
	shrink_run(p, s->mem, &r);
	return r.oracle == s->oracle;
}

/* ddmin over the fault list: drop chunks of n/2, n/4 ... 1 faults. */
static void drop_faults(struct shrinker *s, struct sim_params *p, struct sim_params *trial)
{
	unsigned chunk = p->faults.n / 2;
	if (chunk == 0)
		chunk = 1;
	while (p->faults.n > 0) {
		bool dropped = false;
		for (unsigned start = 0; start < p->faults.n;) {
			*trial = *p;
			unsigned end = start + chunk < p->faults.n ? start + chunk : p->faults.n;
			trial->faults.n = 0;
			for (unsigned i = 0; i < p->faults.n; i++)
				if (i < start || i >= end)
					trial->faults.f[trial->faults.n++] = p->faults.f[i];
			if (still_fails(s, trial)) {
				*p = *trial;
				dropped = true;
			} else {
				start = end;
			}
			if (s->runs >= s->max_runs)
				return;
		}
		if (chunk == 1 && !dropped)
			return;
		if (!dropped)
			chunk = chunk / 2 ? chunk / 2 : 1;
	}
}

static void shorten_faults(struct shrinker *s, struct sim_params *p, struct sim_params *trial)
{
	for (unsigned i = 0; i < p->faults.n; i++) {
		while (p->faults.f[i].dur_ns > SIM_MS(10) && s->runs < s->max_runs) {
			*trial = *p;
			trial->faults.f[i].dur_ns /= 2;
			if (!still_fails(s, trial))
				break;
			*p = *trial;
		}
	}
}

/* Try smaller values of one setting, largest cut first. */
static void shrink_int(struct shrinker *s, struct sim_params *p, struct sim_params *trial, size_t off, int min)
{
	for (;;) {
		int *cur = (int *)((uint8_t *)p + off);
		if (*cur <= min || s->runs >= s->max_runs)
			return;
		*trial = *p;
		int *t = (int *)((uint8_t *)trial + off);
		*t = *cur / 2 > min ? *cur / 2 : min;
		if (!still_fails(s, trial)) {
			if (*t == *cur - 1)
				return;
			*trial = *p;
			*t = *cur - 1;
			if (!still_fails(s, trial))
				return;
		}
		*p = *trial;
	}
}

/* Fewer initiators, but never fewer than the faults name. */
static int initiators_needed(const struct sim_params *p)
{
	int n = 1;
	for (unsigned i = 0; i < p->faults.n; i++)
		if (p->faults.f[i].ini + 1 > n)
			n = p->faults.f[i].ini + 1;
	return n;
}

void shrink_params(struct sim_params *p, enum sim_oracle o, const struct sim_mem *mem, unsigned max_runs,
	struct shrink_stats *st)
{
	struct shrinker s = { .mem = mem, .oracle = o, .max_runs = max_runs };
	struct sim_params *trial = sim_zalloc(mem, sizeof(*trial));
	st->faults_before = p->faults.n;
	drop_faults(&s, p, trial);
	shorten_faults(&s, p, trial);
	/* A shorter run: the workload may stop soon after the last fault. */
	while (p->duration_ns > SIM_S(5) && s.runs < s.max_runs) {
		*trial = *p;
		trial->duration_ns = p->duration_ns / 2;
		if (faults_last_heal(&trial->faults) > trial->duration_ns || !still_fails(&s, trial))
			break;
		*p = *trial;
	}
	uint32_t qd = p->wl.qd;
	while (qd > 1 && s.runs < s.max_runs) {
		*trial = *p;
		trial->wl.qd = qd / 2;
		if (!still_fails(&s, trial))
			break;
		*p = *trial;
		qd = p->wl.qd;
	}
	shrink_int(&s, p, trial, offsetof(struct sim_params, initiators), initiators_needed(p));
	sim_free(mem, trial, sizeof(*trial));
	st->runs = s.runs;
	st->faults_after = p->faults.n;
}
