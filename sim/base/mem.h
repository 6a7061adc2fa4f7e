/* mem: the simulator's allocator seam.
 *
 * Nothing in sim/ calls malloc: whoever builds a world (sim/host/io.c, a unit
 * test) hands in one of these. The owner decides what running out of host
 * memory means (host/io.c aborts: a simulator that cannot allocate has no
 * meaningful world left), so sim code treats a NULL return as impossible
 * and asserts it. Every free gets the size given to alloc, which lets the
 * owner count live bytes and report leaks.
 */
#ifndef SIM_MEM_H
#define SIM_MEM_H

#include <assert.h>
#include <stddef.h>
#include <string.h>

struct sim_mem {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p, size_t size);
	void *ctx;
	/* Optional: zeroed memory (calloc), freed by free. An owner that
	 * has it spares the large zeroed arrays (the disk's images) a
	 * memset and their untouched pages a fault; NULL: alloc and memset. */
	void *(*zalloc)(void *ctx, size_t size);
};

/* Uninitialized memory, for buffers about to be overwritten whole. */
static inline void *sim_alloc(const struct sim_mem *m, size_t size)
{
	void *p = m->alloc(m->ctx, size);
	assert(p != NULL);
	return p;
}

static inline void *sim_zalloc(const struct sim_mem *m, size_t size)
{
	if (m->zalloc != NULL) {
		void *p = m->zalloc(m->ctx, size);
		assert(p != NULL);
		return p;
	}
	void *p = m->alloc(m->ctx, size);
	assert(p != NULL);
	memset(p, 0, size);
	return p;
}

static inline void sim_free(const struct sim_mem *m, void *p, size_t size)
{
	if (p != NULL)
		m->free(m->ctx, p, size);
}

/* Grow an array of elem-sized items to hold at least need items; returns
 * the new array (old contents copied, the rest zeroed) and updates *cap. */
static inline void *sim_grow(const struct sim_mem *m, void *arr, size_t elem, size_t *cap, size_t need)
{
	if (need <= *cap)
		return arr;
	size_t ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *n = sim_zalloc(m, ncap * elem);
	if (arr != NULL) {
		memcpy(n, arr, *cap * elem);
		m->free(m->ctx, arr, *cap * elem);
	}
	*cap = ncap;
	return n;
}

#endif
