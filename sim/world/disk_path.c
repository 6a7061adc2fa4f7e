/* world/disk_path: a gateway's disk I/O from the engine's submission to
 * its completion, in one place. Every disk I/O of the world takes this
 * path and no other:
 *
 *   engine --rt_env.disk_submit--> diskpath_submit: white-box check of
 *     the write's versions (may this gateway still write them?), the
 *     dual-writer watch (measure.c), the backstore path, the disk;
 *   disk --disk_ops.done--> diskpath_disk_done: coverage, white-box
 *     landing check, the dual-writer watch, the backstore path, then the
 *     engine (rt_on_disk_done), or held while the gateway is paused.
 *
 * The backstore path is what lies between a gateway's engine and the
 * shared disk in a real gateway (LIO's TCMU and tcmu-runner in front of
 * librbd): straight through by default, or with one of two real-world
 * flaws a scenario can ask for.
 * - A command timeout (target backend_timeout=, TCMU's cmd_time_out):
 *   an I/O the disk has not finished in time is completed to the engine
 *   with an error while the disk keeps it, so a write may still land
 *   after the engine answered its command or completed its ABORT TASK.
 *   The disk then works on a copy (a shadow) of the engine's request.
 * - A write cache that lies (disk honor_flush=no): FLUSH returns after
 *   the flush latency having done nothing, FUA writes go to the volatile
 *   cache like any other.
 *
 * Owns the shadows and the completions held while paused (through
 * sim_mem); the engine's io structs stay the engine's.
 */
#include "sim/base/time.h"
#include "sim/initiator/block.h"
#include "sim/world/world_int.h"

struct wshadow {
	struct rt_disk_io io;   /* what the disk works on; first, so an io pointer finds it */
	struct rt_disk_io *orig; /* the engine's request; NULL once answered by the timeout */
	struct wshadow *next;
	uint64_t id;
};

struct wdeferred {
	struct wdeferred *next;
	struct rt_disk_io *io;
	bool notified; /* a PR store whose notify is over: only the answer is left */
};

/* ---- the versions a write carries ---- */

/* Walks the blocks of a write that carry a version (block.h; a block
 * written for another LBA too), reporting each version once per run of
 * blocks holding it: the white-box checks ask about versions. */
struct version_walk {
	uint64_t off; /* of the block reported last, bytes into the write */
	uint64_t last;
	bool started;
};

static bool next_version(const struct world *w, const struct rt_disk_io *io, struct version_walk *it,
	uint64_t *ver, enum block_kind *kind)
{
	uint32_t bs = w->p->block_size;
	for (uint64_t off = it->started ? it->off + bs : 0; off + bs <= io->len; off += bs) {
		uint64_t other;
		enum block_kind k = block_decode(io->buf + off, bs, (io->offset + off) / bs, ver, &other);
		if ((k != BLOCK_OK && k != BLOCK_WRONG_LBA) || *ver == it->last)
			continue;
		it->off = off;
		it->last = *ver;
		it->started = true;
		*kind = k;
		return true;
	}
	it->started = true;
	it->off = io->len;
	return false;
}

/* White box, at submission: every version in a write must still belong
 * to a task this gateway may execute (oracle/attempts.h). */
static void check_write_owner(struct wgw *g, const struct rt_disk_io *io)
{
	uint32_t bs = g->w->p->block_size;
	uint64_t ver;
	enum block_kind k;
	for (struct version_walk it = { 0 }; next_version(g->w, io, &it, &ver, &k);)
		if (!oatt_may_write(&g->w->att, ver, g->idx))
			world_violation(g->w, ORACLE_DATA,
				"gateway %d wrote version %llu (block %llu of a %llu-block write at lba %llu%s) after every command carrying it there was answered or its connection was gone",
				g->idx, (unsigned long long)ver, (unsigned long long)(it.off / bs),
				(unsigned long long)(io->len / bs), (unsigned long long)(io->offset / bs),
				k == BLOCK_WRONG_LBA ? ", a block written for another lba" : "");
}

/* White box, SAM-5 §7.2, at landing: once a task is gone (answered,
 * FUNCTION COMPLETE for its ABORT TASK, or its nexus lost and the
 * gateway's writes drained) nothing it started may still change the
 * medium. */
static void landed_late(struct world *w, int gw, uint64_t lba, uint64_t ver)
{
	if (!oatt_may_land(&w->att, ver, gw))
		world_violation_at(w, ORACLE_DATA,
			&(struct violation_site){ .ini = -1, .block_known = true, .lba = lba, .ver = ver },
			"gateway %d: a write of version %llu (lba %llu) landed after every command carrying it there was answered (status or ABORT TASK complete) or settled",
			gw, (unsigned long long)ver, (unsigned long long)lba);
}

static void check_landing(struct world *w, int gw, const struct rt_disk_io *io)
{
	uint32_t bs = w->p->block_size;
	uint64_t ver;
	enum block_kind k;
	if (w->landed.valid && w->landed.data == io->buf && w->landed.n == io->len / bs) {
		/* The data oracle decoded these very bytes a moment ago, in
		 * this disk event (disk_applied): the versions next_version
		 * would find, without decoding again (a version is the same
		 * whatever lba the block is read at). */
		uint64_t last = 0;
		for (uint32_t i = 0; i < w->landed.n; i++) {
			ver = w->landed.vers[i];
			if (ver == 0 || ver == last)
				continue;
			last = ver;
			landed_late(w, gw, io->offset / bs + i, ver);
		}
		return;
	}
	for (struct version_walk it = { 0 }; next_version(w, io, &it, &ver, &k);)
		landed_late(w, gw, (io->offset + it.off) / bs, ver);
}

/* ---- the engine's end ---- */

/* Hand a completion to the engine, or hold it while the gateway is
 * paused (diskpath_resume hands them over in order; a PR store held
 * before its notify, notified false, notifies then). */
static void to_engine_after(struct wgw *g, struct rt_disk_io *io, bool notified)
{
	if (g->eng == NULL)
		return;
	if (g->state == GW_PAUSED) {
		struct wdeferred *d = sim_zalloc(g->w->mem, sizeof(*d));
		d->io = io;
		d->notified = notified;
		if (g->dp.deferred_tail != NULL)
			g->dp.deferred_tail->next = d;
		else
			g->dp.deferred_head = d;
		g->dp.deferred_tail = d;
		return;
	}
	wtimer_touch(&g->timer);
	rt_on_disk_done(g->eng, io);
}

static void to_engine(struct wgw *g, struct rt_disk_io *io)
{
	to_engine_after(g, io, false);
}

static size_t data_len(const struct rt_disk_io *io)
{
	if (io->buf == NULL)
		return 0;
	if (io->op == RT_DISK_COMPARE_WRITE) /* the compare half, then the write half */
		return 2 * (size_t)io->len;
	return io->op == RT_DISK_READ || io->op == RT_DISK_WRITE ? (size_t)io->len : 0;
}

/* The write io makes, as a WRITE of its data (disk_io_write_data): what
 * the white-box checks read. A COMPARE_WRITE's write half; io itself for
 * a WRITE. */
static const struct rt_disk_io *as_write(const struct rt_disk_io *io, struct rt_disk_io *view)
{
	if (io->op != RT_DISK_COMPARE_WRITE)
		return io;
	*view = *io;
	view->op = RT_DISK_WRITE;
	view->buf = (uint8_t *)(uintptr_t)disk_io_write_data(io);
	return view;
}

static void shadow_free(struct wgw *g, struct wshadow *s)
{
	sim_free(g->w->mem, s->io.buf, data_len(&s->io));
	sim_free(g->w->mem, s, sizeof(*s));
}

static struct wshadow *unlink_shadow(struct wgw *g, const struct rt_disk_io *io)
{
	for (struct wshadow **pp = &g->dp.shadows; *pp != NULL; pp = &(*pp)->next) {
		struct wshadow *s = *pp;
		if (&s->io != io)
			continue;
		*pp = s->next;
		return s;
	}
	return NULL;
}

/* The backstore path completed io (the disk did, or a lied flush): the
 * engine's request it stands for gets the result, unless the command
 * timeout answered that already. */
static void from_backend(struct wgw *g, struct rt_disk_io *io)
{
	if (g->eng == NULL)
		return;
	struct wshadow *s = g->dp.shadows != NULL ? unlink_shadow(g, io) : NULL;
	if (s != NULL) {
		struct rt_disk_io *orig = s->orig;
		if (orig != NULL) {
			orig->status = s->io.status;
			orig->mapped = s->io.mapped;
			orig->run_len = s->io.run_len;
			if (orig->op == RT_DISK_READ && data_len(orig))
				memcpy(orig->buf, s->io.buf, data_len(orig));
		}
		shadow_free(g, s);
		io = orig;
		if (io == NULL)
			return; /* answered already (command timeout) */
	}
	to_engine(g, io);
}

/* ---- the backstore path ---- */

static void ev_lied_flush(void *a, void *b, uint64_t incarnation)
{
	struct wgw *g = a;
	struct rt_disk_io *io = b;
	if (g->eng == NULL || g->incarnation != incarnation)
		return; /* the engine that asked is gone, and its io with it */
	io->status = RT_DISK_OK;
	from_backend(g, io);
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

/* The command timeout fired: the engine gets an error now; the disk goes
 * on with the shadow, which is freed when it completes. */
static void ev_timeout(void *a, void *b, uint64_t id)
{
	struct wgw *g = a;
	struct wshadow *s = b;
	bool live = false;
	for (const struct wshadow *x = g->dp.shadows; x != NULL; x = x->next)
		live = live || (x == s && x->id == id && x->orig != NULL);
	if (!live)
		return;
	struct rt_disk_io *orig = s->orig;
	s->orig = NULL;
	orig->status = orig->op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, "backend_timeout", g->idx, (int)orig->op, orig->offset, orig->len,
		",\"op\":%d,\"lba\":%llu", (int)orig->op, (unsigned long long)(orig->offset / g->w->p->block_size));
	to_engine(g, orig);
}

static void backend_submit(struct wgw *g, struct rt_disk_io *io)
{
	uint64_t timeout = g->w->p->tgt.backend_timeout_ns;
	/* The shared PR record is the backstore's own (rbd.c: RADOS ops on
	 * the loop's thread), not a TCMU command: no command timeout. */
	bool record = io->op == RT_DISK_PR_LOAD || io->op == RT_DISK_PR_STORE;
	if (timeout == 0 || record) {
		submit_to_disk(g, io);
		return;
	}
	struct wshadow *s = sim_zalloc(g->w->mem, sizeof(*s));
	s->io = *io;
	s->io.env_next = NULL;
	size_t len = data_len(io);
	s->io.buf = len ? sim_alloc(g->w->mem, len) : NULL;
	if ((io->op == RT_DISK_WRITE || io->op == RT_DISK_COMPARE_WRITE) && len)
		memcpy(s->io.buf, io->buf, len);
	s->orig = io;
	s->id = ++g->dp.shadow_ids;
	s->next = g->dp.shadows;
	g->dp.shadows = s;
	submit_to_disk(g, &s->io);
	evq_push(&g->w->q, g->w->q.now + timeout, ev_timeout, g, s, s->id);
}

/* ---- losing the exclusive lock (target lock_lost=) ---- */

/* A gateway whose instance was blocklisted learns it from a fenced I/O;
 * what it does then is the scenario's choice (params.h enum lock_lost):
 * go on answering (the engine maps a fenced I/O to NOT READY, ALUA
 * TRANSITIONING), take its portal group down to UNAVAILABLE, or drop every
 * session. The last two need it to try its reopen by itself (nothing
 * reaches the storage through a group that is down, and a reopen is
 * otherwise tried by the next I/O): every reopen_delay until it works. */
static void ev_reopen(void *a, void *b, uint64_t incarnation)
{
	(void)b;
	struct wgw *g = a;
	struct world *w = g->w;
	if (g->eng == NULL || g->incarnation != incarnation || !g->lock_lost)
		return;
	if (!disk_gw_try_reopen(&w->disk, g->idx)) {
		world_cov(w, COV_LOCK_REOPEN_FAILED);
		evq_push(&w->q, disk_gw_reopen_at(&w->disk, g->idx), ev_reopen, g, NULL, g->incarnation);
		return;
	}
	g->lock_lost = false;
	world_cov(w, COV_LOCK_REGAINED);
	trace_ev(w->tr, w->q.now, TEV_GW, "lock_reopened", g->idx, -1, 0, 0, NULL);
	wcluster_lock_changed(w, g->idx);
}

static void lock_lost(struct wgw *g)
{
	struct world *w = g->w;
	uint64_t reopen = disk_gw_reopen_at(&w->disk, g->idx);
	if (g->lock_lost || reopen == UINT64_MAX)
		return; /* known already, or refused by a failed lock break (not blocklisted) */
	g->lock_lost = true;
	g->lock_losses++;
	world_cov(w, COV_LOCK_LOST);
	trace_ev(w->tr, w->q.now, TEV_GW, "lock_lost", g->idx, (int)w->p->tgt.lock_lost, 0, 0, NULL);
	if (w->p->tgt.lock_lost == LOCK_LOST_DROP) {
		for (size_t i = 0; i < w->net.nconns; i++) {
			struct simnet_conn *c = w->net.conns[i];
			if (c->gw == g->idx && !c->dead)
				simnet_reset(&w->net, c, "lock_lost");
		}
	}
	wcluster_lock_changed(w, g->idx);
	evq_push(&w->q, reopen, ev_reopen, g, NULL, g->incarnation);
}

/* ---- the round trip ---- */

void diskpath_submit(void *gateway, struct rt_disk_io *io)
{
	struct wgw *g = gateway;
	/* A process being torn down sends nothing more: the engine's own
	 * destroy never submits, but a planted bug may (stale_write_after_
	 * failover executes a lost connection's writes as its connections
	 * close), and its buffer is freed before the disk would read it. */
	if (g->destroying)
		return;
	struct rt_disk_io view;
	if (disk_io_write_data(io) != NULL)
		check_write_owner(g, as_write(io, &view));
	wmetrics_write_submitted(g->w, g->idx, io);
	backend_submit(g, io);
}

/* A store of the shared PR record that landed: the gateway's loop
 * notifies the others before it answers (rbd.c), once it runs. */
static bool notifies(const struct wgw *g, const struct rt_disk_io *io)
{
	return io->op == RT_DISK_PR_STORE && io->status == RT_DISK_OK && g->eng != NULL && g->state != GW_PAUSED;
}

void diskpath_disk_done(void *world, int gw, struct rt_disk_io *io)
{
	struct world *w = world;
	if (io->status == RT_DISK_ERR_READ)
		world_cov(w, COV_DISK_READ_ERROR);
	if (io->status == RT_DISK_ERR_WRITE)
		world_cov(w, COV_DISK_WRITE_ERROR);
	struct rt_disk_io view;
	if (io->status == RT_DISK_OK && disk_io_write_data(io) != NULL)
		check_landing(w, gw, as_write(io, &view));
	w->landed.valid = false;
	/* Refused without being blocklisted: a lock break that failed. */
	if (io->status == RT_DISK_ERR_FENCED && disk_gw_reopen_at(&w->disk, gw) == UINT64_MAX)
		world_cov(w, COV_LOCK_BREAK_BUSY);
	if (io->status == RT_DISK_ERR_FENCED && w->p->tgt.lock_lost != LOCK_LOST_TRANSITION &&
		w->gws[gw].eng != NULL)
		lock_lost(&w->gws[gw]);
	if (io->status == RT_DISK_ERR_STALE)
		world_cov(w, COV_PR_STORE_STALE);
	wmetrics_write_done(w, gw, io);
	if (notifies(&w->gws[gw], io)) {
		wprn_store_landed(&w->gws[gw], io); /* answered once the others know */
		return;
	}
	from_backend(&w->gws[gw], io); /* held while paused: a store notifies at resume */
}

void diskpath_complete(struct wgw *g, struct rt_disk_io *io)
{
	to_engine_after(g, io, true); /* PR ops take no shadow (backend_submit) */
}

void diskpath_resume(struct wgw *g)
{
	while (g->dp.deferred_head != NULL && g->eng != NULL && g->state == GW_UP) {
		struct wdeferred *d = g->dp.deferred_head;
		g->dp.deferred_head = d->next;
		if (g->dp.deferred_head == NULL)
			g->dp.deferred_tail = NULL;
		struct rt_disk_io *io = d->io;
		bool notified = d->notified;
		sim_free(g->w->mem, d, sizeof(*d));
		if (!notified && notifies(g, io))
			wprn_store_landed(g, io);
		else
			rt_on_disk_done(g->eng, io);
	}
}

void diskpath_forget(struct wgw *g)
{
	while (g->dp.deferred_head != NULL) {
		struct wdeferred *d = g->dp.deferred_head;
		g->dp.deferred_head = d->next;
		sim_free(g->w->mem, d, sizeof(*d));
	}
	g->dp.deferred_tail = NULL;
	disk_forget_gw(&g->w->disk, g->idx);
	wprn_forget(g);
	while (g->dp.shadows != NULL) {
		struct wshadow *s = g->dp.shadows;
		g->dp.shadows = s->next;
		shadow_free(g, s);
	}
	wmetrics_forget_gw(g->w, g->idx);
}
