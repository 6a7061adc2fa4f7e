/* world/disk_path: what lies between a gateway's engine and the shared disk, as
 * the backstore path of a real gateway does (LIO's TCMU and tcmu-runner
 * in front of librbd): straight through by default, or with one of two
 * real-world flaws a scenario can ask for.
 *
 * - A command timeout (target backend_timeout=, TCMU's cmd_time_out):
 *   an I/O the disk has not finished in time is completed to the engine
 *   with an error while the disk keeps it, so a write may still land
 *   after the engine answered its command or completed its ABORT TASK.
 *   The disk then works on a copy (a shadow) of the engine's request.
 * - A write cache that lies (disk honor_flush=no): FLUSH returns after
 *   the flush latency having done nothing, FUA writes go to the volatile
 *   cache like any other.
 *
 * Owns the shadows (through sim_mem); the engine's io structs stay the
 * engine's.
 */
#include "sim/base/time.h"
#include "sim/world/world_int.h"

struct wshadow {
	struct rt_disk_io io;   /* what the disk works on; first, so an io pointer finds it */
	struct rt_disk_io *orig; /* the engine's request; NULL once answered by the timeout */
	struct wshadow *next;
	uint64_t id;
};

static void ev_lied_flush(void *a, void *b, uint64_t incarnation)
{
	struct wgw *g = a;
	struct rt_disk_io *io = b;
	if (g->eng == NULL || g->incarnation != incarnation)
		return; /* the engine that asked is gone, and its io with it */
	io->status = RT_DISK_OK;
	wgw_disk_done(g, io);
}

static void submit_to_disk(struct wgw *g, struct rt_disk_io *io)
{
	if (g->w->p->honor_flush) {
		disk_submit(&g->w->disk, g->idx, io);
		return;
	}
	if (io->op == RT_DISK_FLUSH) {
		evq_push(&g->w->q, g->w->q.now + g->w->p->disk.flush_lat.min_ns, ev_lied_flush, g, io, g->incarnation);
		return;
	}
	/* The disk takes the flags at submission: strip FUA for it only. */
	uint32_t flags = io->flags;
	io->flags &= ~RT_DISK_FUA;
	disk_submit(&g->w->disk, g->idx, io);
	io->flags = flags;
}

static size_t data_len(const struct rt_disk_io *io)
{
	return (io->op == RT_DISK_READ || io->op == RT_DISK_WRITE) && io->buf != NULL ? (size_t)io->len : 0;
}

static void shadow_free(struct wgw *g, struct wshadow *s)
{
	sim_free(g->w->mem, s->io.buf, data_len(&s->io));
	sim_free(g->w->mem, s, sizeof(*s));
}

static struct wshadow *unlink_shadow(struct wgw *g, const void *key, bool by_orig)
{
	for (struct wshadow **pp = &g->shadows; *pp != NULL; pp = &(*pp)->next) {
		struct wshadow *s = *pp;
		if ((by_orig ? (const void *)s->orig : (const void *)&s->io) != key)
			continue;
		*pp = s->next;
		return s;
	}
	return NULL;
}

/* The command timeout fired: the engine gets an error now; the disk goes
 * on with the shadow, which is freed when it completes. */
static void ev_timeout(void *a, void *b, uint64_t id)
{
	struct wgw *g = a;
	struct wshadow *s = b;
	bool live = false;
	for (const struct wshadow *x = g->shadows; x != NULL; x = x->next)
		live = live || (x == s && x->id == id && x->orig != NULL);
	if (!live)
		return;
	struct rt_disk_io *orig = s->orig;
	s->orig = NULL;
	orig->status = orig->op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, "backend_timeout", g->idx, (int)orig->op, orig->offset, orig->len,
		",\"op\":%d,\"lba\":%llu", (int)orig->op, (unsigned long long)(orig->offset / g->w->p->block_size));
	wgw_disk_done(g, orig);
}

void wbackend_submit(struct wgw *g, struct rt_disk_io *io)
{
	uint64_t timeout = g->w->p->tgt.backend_timeout_ns;
	if (timeout == 0) {
		submit_to_disk(g, io);
		return;
	}
	struct wshadow *s = sim_zalloc(g->w->mem, sizeof(*s));
	s->io = *io;
	s->io.env_next = NULL;
	size_t len = data_len(io);
	s->io.buf = len ? sim_alloc(g->w->mem, len) : NULL;
	if (io->op == RT_DISK_WRITE && len)
		memcpy(s->io.buf, io->buf, len);
	s->orig = io;
	s->id = ++g->shadow_ids;
	s->next = g->shadows;
	g->shadows = s;
	submit_to_disk(g, &s->io);
	evq_push(&g->w->q, g->w->q.now + timeout, ev_timeout, g, s, s->id);
}

struct rt_disk_io *wbackend_done(struct wgw *g, struct rt_disk_io *io)
{
	if (g->shadows == NULL)
		return io;
	struct wshadow *s = unlink_shadow(g, io, false);
	if (s == NULL)
		return io; /* not a shadow: a lied flush */
	struct rt_disk_io *orig = s->orig;
	if (orig != NULL) {
		orig->status = s->io.status;
		orig->mapped = s->io.mapped;
		orig->run_len = s->io.run_len;
		if (orig->op == RT_DISK_READ && data_len(orig))
			memcpy(orig->buf, s->io.buf, data_len(orig));
	}
	shadow_free(g, s);
	return orig;
}

void wbackend_forget(struct wgw *g)
{
	while (g->shadows != NULL) {
		struct wshadow *s = g->shadows;
		g->shadows = s->next;
		shadow_free(g, s);
	}
}
