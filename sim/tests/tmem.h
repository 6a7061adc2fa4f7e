/* tmem: a counting sim_mem for the sim unit tests: every test checks it
 * freed what it allocated. */
#ifndef SIM_TESTS_TMEM_H
#define SIM_TESTS_TMEM_H

#include <stdlib.h>

#include "sim/base/mem.h"

struct tmem {
	struct sim_mem mem;
	size_t live;
};

static inline void *tmem_alloc(void *ctx, size_t n)
{
	((struct tmem *)ctx)->live += n;
	return malloc(n ? n : 1);
}

static inline void tmem_free(void *ctx, void *p, size_t n)
{
	((struct tmem *)ctx)->live -= n;
	free(p);
}

static inline void tmem_init(struct tmem *t)
{
	t->mem = (struct sim_mem){ tmem_alloc, tmem_free, t };
	t->live = 0;
}

#endif
