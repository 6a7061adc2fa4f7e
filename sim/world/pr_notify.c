/* world/pr_notify: the watch and notify on the shared persistent-
 * reservation record (target pr_shared=yes), as a real gateway does it
 * with librados (ref_target/backstore/rbd.c, rbd_watch.h).
 *
 * Every gateway's engine caches the record (scsi/pr_shared.c) and must
 * hear when another one stored it. After a store lands (infra/disk.c:
 * a compare-and-set on its version) the storing gateway notifies every
 * gateway whose engine runs: each gets the notify after one trip to the
 * storage (the disk's read latency plus its slowness, disk_slow), marks
 * its cache stale (rt_lu_pr_invalidate) and acknowledges, one more trip
 * back. The store is answered to the engine (and so its PERSISTENT
 * RESERVE OUT to the host) once every one has acknowledged, or after
 * WPRN_TIMEOUT_NS, rbd.c's RBD_PR_NOTIFY_TIMEOUT_MS, whichever comes
 * first: the store stands either way. The notify is the storing
 * gateway's loop's doing: a store that lands while that gateway is
 * paused notifies when it resumes (world/disk_path.c holds it).
 *
 * What a real gateway does when it misses a notify, modelled the same:
 * - paused (SIGSTOP): its librados threads are frozen too, so the notify
 *   waits in its socket and is taken when it runs again, one more trip
 *   after it resumed (librados' thread hands it to the loop through the
 *   eventfd): the iSCSI bytes that waited meanwhile are read first (the
 *   sockets were ready before the eventfd), so commands that reached it
 *   may be checked against the old record. Paused longer than the
 *   timeout, it would wake with the old record: so, as rbd.c does since
 *   this model found that window, the notifier blocklists every gateway
 *   that did not acknowledge (disk_blocklist) before it answers, and the
 *   woken gateway's I/O is refused (scenarios/38-...-notify-timeout);
 * - crashed, powered off or stopped meanwhile: no acknowledgement (the
 *   notifier waits out the timeout, as for a watch the OSD still holds,
 *   and blocklists that client instance: a restarted engine is a new one);
 *   a new engine starts with its cache stale (pr_init), so it misses
 *   nothing;
 * - a gateway that was down when the store landed is not watching and
 *   is not waited for.
 * A gateway that takes the storage over (an ALUA failover to it,
 * world/alua_cluster.c) reloads too, as the daemon does on SIGUSR1.
 *
 * Owns the notifies in flight and the ones held for paused gateways
 * (through sim_mem); the store's io stays the engine's.
 */
#include "sim/base/time.h"
#include "sim/world/world_int.h"

/* rbd.c's RBD_PR_NOTIFY_TIMEOUT_MS: how long a store's notify waits for
 * every other gateway's acknowledgement before it is answered anyway. */
#define WPRN_TIMEOUT_NS SIM_MS(5000)

/* One store's notify. Freed once it is answered and no delivery or
 * acknowledgement of it is still on its way (refs). */
struct wprn {
	struct wprn *prev, *next;   /* world.prn_live */
	struct world *w;
	int from;                   /* the storing gateway */
	uint64_t from_incarnation;  /* its engine when it stored */
	struct rt_disk_io *io;      /* the store, answered at the end */
	uint64_t incarnation[SIM_GWS_MAX]; /* each watcher's engine when notified */
	unsigned waiting;           /* acknowledgements still due */
	bool waited[SIM_GWS_MAX];   /* notified: an acknowledgement was due */
	uint64_t client[SIM_GWS_MAX]; /* its storage client instance then (disk.instance) */
	bool acked[SIM_GWS_MAX];
	unsigned refs;              /* events and held entries that point at it */
	bool answered;
	uint64_t version;
};

/* A notify a paused gateway has not taken yet (wgw.prn_held). */
struct wprn_held {
	struct wprn_held *next;
	struct wprn *n;
};

/* One trip between gateway gw and the storage. */
static uint64_t trip_ns(struct world *w, int gw)
{
	return dist_sample(&w->p->disk.read_lat, &w->prn_rng) + w->disk.slow_ns[gw];
}

static void unlink_free(struct wprn *n)
{
	struct world *w = n->w;
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		w->prn_live = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	sim_free(w->mem, n, sizeof(*n));
}

static void unref(struct wprn *n)
{
	assert(n->refs > 0);
	if (--n->refs == 0)
		unlink_free(n);
}

/* Every acknowledgement is in, or the timeout: the store is answered. */
static void answer(struct wprn *n, bool timed_out)
{
	struct world *w = n->w;
	if (n->answered)
		return;
	n->answered = true;
	struct wgw *g = &w->gws[n->from];
	if (timed_out) {
		w->prn_timeouts++;
		world_cov(w, COV_PR_NOTIFY_TIMEOUT);
		/* rbd.c's rbd_fence_silent: every gateway that did not
		 * acknowledge is blocklisted before the store is answered,
		 * so it cannot wake and judge commands by its old copy */
		for (int h = 0; h < w->p->gateways && w->p->tgt.pr_fence_silent; h++)
			if (n->waited[h] && !n->acked[h])
				disk_blocklist(&w->disk, h, n->client[h]);
	}
	trace_ev(w->tr, w->q.now, TEV_GW, "pr_notified", n->from, timed_out, n->version, n->waiting,
		",\"version\":%llu,\"unacknowledged\":%u", (unsigned long long)n->version, n->waiting);
	if (g->eng != NULL && g->incarnation == n->from_incarnation)
		diskpath_complete(g, n->io);
}

static void ev_timeout(void *a, void *b, uint64_t arg)
{
	(void)b;
	(void)arg;
	struct wprn *n = a;
	answer(n, n->waiting > 0);
	unref(n);
}

static void ev_ack(void *a, void *b, uint64_t gw)
{
	(void)b;
	struct wprn *n = a;
	assert(n->waiting > 0);
	n->acked[gw] = true;
	if (--n->waiting == 0)
		answer(n, false);
	unref(n);
}

/* The notify reaches gateway gw's loop: its cache is stale from now. */
static void ev_deliver(void *a, void *b, uint64_t gw)
{
	(void)b;
	struct wprn *n = a;
	struct world *w = n->w;
	struct wgw *g = &w->gws[gw];
	if (g->eng == NULL || g->incarnation != n->incarnation[gw]) {
		unref(n); /* the engine it was for is gone: no acknowledgement */
		return;
	}
	if (g->state == GW_PAUSED) {
		struct wprn_held *h = sim_zalloc(w->mem, sizeof(*h));
		h->n = n; /* keeps its reference */
		h->next = g->prn_held;
		g->prn_held = h;
		world_cov(w, COV_PR_NOTIFY_HELD);
		return;
	}
	rt_lu_pr_invalidate(g->eng, 0);
	wtimer_touch(&g->timer);
	trace_ev(w->tr, w->q.now, TEV_GW, "pr_invalidated", (int)gw, n->from, n->version, 0,
		",\"from\":%d,\"version\":%llu", n->from, (unsigned long long)n->version);
	evq_push(&w->q, w->q.now + trip_ns(w, (int)gw), ev_ack, n, NULL, gw); /* keeps its reference */
}

void wprn_store_landed(struct wgw *g, struct rt_disk_io *io)
{
	struct world *w = g->w;
	struct wprn *n = sim_zalloc(w->mem, sizeof(*n));
	n->w = w;
	n->next = w->prn_live;
	if (n->next != NULL)
		n->next->prev = n;
	w->prn_live = n;
	n->from = g->idx;
	n->from_incarnation = g->incarnation;
	n->io = io;
	n->version = io->version;
	n->refs = 1; /* the timeout */
	for (int h = 0; h < w->p->gateways; h++) {
		struct wgw *o = &w->gws[h];
		if (h == g->idx || o->eng == NULL)
			continue; /* its own store; a gateway down is not watching */
		n->incarnation[h] = o->incarnation;
		n->waited[h] = true;
		n->client[h] = w->disk.instance[h];
		n->waiting++;
		n->refs++;
		evq_push(&w->q, w->q.now + trip_ns(w, h), ev_deliver, n, NULL, (uint64_t)h);
	}
	if (n->waiting == 0)
		answer(n, false);
	evq_push(&w->q, w->q.now + WPRN_TIMEOUT_NS, ev_timeout, n, NULL, 0);
}

void wprn_resume(struct wgw *g)
{
	struct world *w = g->w;
	/* held newest first: the order they are taken in does not matter,
	 * each only marks the cache stale */
	while (g->prn_held != NULL) {
		struct wprn_held *h = g->prn_held;
		g->prn_held = h->next;
		evq_push(&w->q, w->q.now + trip_ns(w, g->idx), ev_deliver, h->n, NULL, (uint64_t)g->idx);
		sim_free(w->mem, h, sizeof(*h));
	}
}

void wprn_forget(struct wgw *g)
{
	while (g->prn_held != NULL) {
		struct wprn_held *h = g->prn_held;
		g->prn_held = h->next;
		unref(h->n);
		sim_free(g->w->mem, h, sizeof(*h));
	}
}

void wprn_takeover(struct wgw *g)
{
	if (!g->w->p->tgt.pr_shared || g->eng == NULL)
		return;
	rt_lu_pr_invalidate(g->eng, 0);
	wtimer_touch(&g->timer);
}

void wprn_fini(struct world *w)
{
	for (int g = 0; g < SIM_GWS_MAX; g++) {
		while (w->gws[g].prn_held != NULL) {
			struct wprn_held *h = w->gws[g].prn_held;
			w->gws[g].prn_held = h->next;
			sim_free(w->mem, h, sizeof(*h));
		}
	}
	while (w->prn_live != NULL)
		unlink_free(w->prn_live);
}
