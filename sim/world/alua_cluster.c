/* world/alua_cluster: the gateway cluster around the engines, in the part that
 * decides ALUA (SPC-4 §5.15): which gateway's target port group is
 * active/optimized and which are standby, as tcmu-runner and the cluster
 * manager of Ceph iSCSI gateways decide it beside LIO.
 *
 * Each engine is told the state of its own group (rt_set_alua_state) at
 * start and at every change; initiators learn it from the unit attention
 * and REPORT TARGET PORT GROUPS. Implicit ALUA: the cluster moves the
 * optimized group itself, at once, when the timeline says so or when
 * the optimized gateway has been down for failover_delay; whatever the
 * old gateway still has in flight keeps going (tcmu-runner issue 420).
 * Explicit ALUA: an initiator asks (SET TARGET PORT GROUPS, modelled as
 * a call here: the engine answers STPG itself and has no seam to let the
 * cluster finish the transition), the groups involved go to
 * TRANSITIONING, and the transition completes only when the old gateway
 * has drained: no write sent to it can still take effect through it
 * (oatt_pending) and its disk writes have landed, or after
 * transition_max. That is what makes explicit failover safe without
 * fencing ("outstanding IOs would be failed, then we would process the
 * STPG and grab the lock", tcmu-runner issue 420).
 */
#include "sim/base/time.h"
#include "sim/world/world_int.h"

#define DRAIN_POLL_NS SIM_MS(10) /* how often a transition looks at the old gateway */

/* A gateway that lost the exclusive lock and takes its group down
 * until it reopens (target lock_lost=standby). */
static bool lock_down(const struct world *w, int gw)
{
	return w->p->tgt.lock_lost == LOCK_LOST_STANDBY && w->gws[gw].lock_lost;
}

static enum rt_alua_state state_of(const struct world *w, int gw)
{
	const struct wcluster *c = &w->cluster;
	if (lock_down(w, gw))
		return RT_ALUA_UNAVAILABLE;
	if (c->optimized < 0)
		return RT_ALUA_ACTIVE_OPTIMIZED; /* ALUA off: every group */
	if (c->to >= 0 && (gw == c->to || gw == c->from))
		return RT_ALUA_TRANSITIONING;
	return gw == c->optimized ? RT_ALUA_ACTIVE_OPTIMIZED : RT_ALUA_STANDBY;
}

static const char *state_name(enum rt_alua_state st)
{
	switch (st) {
	case RT_ALUA_ACTIVE_OPTIMIZED: return "active_optimized";
	case RT_ALUA_ACTIVE_NONOPTIMIZED: return "active_nonoptimized";
	case RT_ALUA_STANDBY: return "standby";
	case RT_ALUA_UNAVAILABLE: return "unavailable";
	case RT_ALUA_TRANSITIONING: return "transitioning";
	}
	return "unknown";
}

/* One gw.alua_state line per gateway whose group changed state (all of
 * them at the start): the timeline draws each gateway's state from
 * these, whatever moved it (implicit, explicit, a dead owner). */
static void trace_states(struct world *w)
{
	struct wcluster *c = &w->cluster;
	if (c->optimized < 0)
		return;
	for (int g = 0; g < w->p->gateways; g++) {
		enum rt_alua_state st = state_of(w, g);
		if (c->traced[g] == (int)st)
			continue;
		c->traced[g] = (int)st;
		trace_ev(w->tr, w->q.now, TEV_GW, "alua_state", g, -1, (uint64_t)st, 0, ",\"state\":\"%s\"",
			state_name(st));
	}
}

static void tell(struct world *w, int gw)
{
	struct wgw *g = &w->gws[gw];
	/* ALUA off: the engines keep their default (active/optimized) unless
	 * a gateway took its group down after losing the lock. */
	if (g->eng == NULL || (w->cluster.optimized < 0 && w->p->tgt.lock_lost != LOCK_LOST_STANDBY))
		return;
	if (w->cluster.optimized < 0 && !g->lock_lost && g->lock_losses == 0)
		return;
	enum rt_alua_state st = state_of(w, gw);
	if (rt_set_alua_state(g->eng, 0, (uint16_t)(gw + 1), st) != 0)
		world_violation(w, ORACLE_ENGINE, "gateway %d refused ALUA state %d for its own group", gw, (int)st);
	wtimer_touch(&g->timer);
}

static void tell_all(struct world *w)
{
	for (int g = 0; g < w->p->gateways; g++)
		tell(w, g);
}

void wcluster_init(struct world *w)
{
	const struct sim_cluster_params *c = &w->p->cluster;
	w->cluster = (struct wcluster){ .optimized = c->alua == ALUA_MODE_OFF ? -1 : c->optimized, .from = -1,
		.to = -1 };
	for (int g = 0; g < SIM_GWS_MAX; g++)
		w->cluster.traced[g] = -1;
	trace_states(w);
}

void wcluster_lock_changed(struct world *w, int gw)
{
	trace_states(w);
	tell(w, gw);
}

void wcluster_gw_started(struct world *w, int gw)
{
	tell(w, gw);
}

static void complete(struct world *w, int to, const char *how)
{
	struct wcluster *c = &w->cluster;
	int from = c->optimized;
	c->optimized = to;
	c->from = c->to = -1;
	c->gen++;
	c->transitions++;
	trace_ev(w->tr, w->q.now, TEV_GW, "alua_optimized", to, from, w->q.now - c->started, 0,
		",\"from\":%d,\"how\":\"%s\",\"took_ns\":%llu", from, how, (unsigned long long)(w->q.now - c->started));
	trace_states(w);
	if (to >= 0)
		wprn_takeover(&w->gws[to]); /* target pr_shared: it reloads the record */
	tell_all(w);
}

/* The old gateway can no longer change the disk through writes sent to it. */
static bool drained(const struct world *w, int gw)
{
	return gw < 0 || (oatt_pending(&w->att, gw) == 0 && disk_gw_drain_time(&w->disk, gw) <= w->q.now);
}

static void ev_drain(void *a, void *b, uint64_t gen)
{
	(void)b;
	struct world *w = a;
	struct wcluster *c = &w->cluster;
	if (gen != c->gen || c->to < 0)
		return;
	if (drained(w, c->from)) {
		complete(w, c->to, "explicit, drained");
		return;
	}
	if (w->q.now - c->started >= w->p->cluster.transition_max_ns) {
		complete(w, c->to, "explicit, transition_max");
		return;
	}
	evq_push(&w->q, w->q.now + DRAIN_POLL_NS, ev_drain, w, NULL, c->gen);
}

static void begin_explicit(struct world *w, int gw)
{
	struct wcluster *c = &w->cluster;
	if (gw == c->optimized || gw == c->to)
		return;
	c->from = c->optimized;
	c->to = gw;
	c->started = w->q.now;
	c->gen++;
	trace_ev(w->tr, w->q.now, TEV_GW, "alua_transitioning", gw, c->from, 0, 0, ",\"from\":%d", c->from);
	trace_states(w);
	tell_all(w);
	evq_push(&w->q, w->q.now, ev_drain, w, NULL, c->gen);
}

void wcluster_failover(struct world *w, int gw)
{
	struct wcluster *c = &w->cluster;
	switch (w->p->cluster.alua) {
	case ALUA_MODE_OFF:
		return;
	case ALUA_MODE_IMPLICIT:
		if (gw != c->optimized) {
			c->started = w->q.now;
			complete(w, gw, "implicit");
		}
		return;
	case ALUA_MODE_EXPLICIT:
		begin_explicit(w, gw);
		return;
	}
}

void wcluster_activate(struct world *w, int ini, int gw)
{
	trace_ev(w->tr, w->q.now, TEV_GW, "alua_activate", gw, ini, 0, 0, ",\"ini\":%d", ini);
	if (w->p->cluster.alua == ALUA_MODE_EXPLICIT && w->gws[gw].eng != NULL)
		begin_explicit(w, gw);
}

/* Implicit: the cluster notices the optimized gateway is gone and moves
 * the group to the first gateway that is up. */
static void ev_down_check(void *a, void *b, uint64_t gw)
{
	(void)b;
	struct world *w = a;
	if (w->cluster.optimized != (int)gw || w->gws[gw].state == GW_UP)
		return;
	for (int g = 0; g < w->p->gateways; g++) {
		if (g != (int)gw && w->gws[g].state == GW_UP) {
			w->cluster.started = w->q.now;
			complete(w, g, "implicit, owner down");
			return;
		}
	}
	evq_push(&w->q, w->q.now + w->p->cluster.failover_delay_ns, ev_down_check, w, NULL, gw);
}

void wcluster_gw_down(struct world *w, int gw)
{
	if (w->p->cluster.alua == ALUA_MODE_IMPLICIT && gw == w->cluster.optimized)
		evq_push(&w->q, w->q.now + w->p->cluster.failover_delay_ns, ev_down_check, w, NULL, (uint64_t)gw);
}
