/* world/faults: applying and healing the fault schedule (fault.h) in a world. */
#include <stdio.h>

#include "sim/base/time.h"
#include "sim/world/world_int.h"

/* Partitions on one link may overlap: a direction is cut while any
 * fault cuts it. Counts live in the world's per-link table. */
static void cut(struct world *w, const struct fault *f, int delta)
{
	int *cnt = w->cuts[f->ini][f->gw];
	bool to_gw = f->dir == FD_BOTH || f->dir == FD_TO_GW;
	bool to_ini = f->dir == FD_BOTH || f->dir == FD_TO_INI;
	if (to_gw) {
		cnt[SIMNET_INI] += delta;
		simnet_set_blocked(&w->net, f->ini, f->gw, SIMNET_INI, cnt[SIMNET_INI] > 0);
	}
	if (to_ini) {
		cnt[SIMNET_GW] += delta;
		simnet_set_blocked(&w->net, f->ini, f->gw, SIMNET_GW, cnt[SIMNET_GW] > 0);
	}
}

static void each_conn(struct world *w, const struct fault *f, bool reset)
{
	for (size_t i = 0; i < w->net.nconns; i++) {
		struct simnet_conn *c = w->net.conns[i];
		if (c->ini != f->ini || c->gw != f->gw || c->dead)
			continue;
		/* reset a=N: only path slot N-1's connections (MC/S: path k's
		 * connection j is slot k x connections + j); 0: all */
		if (reset && f->a != 0 && (uint64_t)c->path != f->a - 1)
			continue;
		if (reset)
			simnet_reset(&w->net, c, "fault");
		else
			simnet_stall(&w->net, c, w->q.now + f->dur_ns);
	}
}


/* The event names the nodes the fault concerns and no others: a gateway
 * crash has no initiator, a disk power loss no gateway. */
static void trace_fault(struct world *w, const struct fault *f, const char *what)
{
	enum fault_scope scope = fault_scope(f->kind);
	char dir[32] = ""; /* a direction only for what has one */
	if (f->kind == F_PARTITION)
		snprintf(dir, sizeof(dir), ",\"dir\":\"%s\"", fault_dir_name(f->dir));
	trace_ev(w->tr, w->q.now, TEV_FAULT, what, scope == FS_DISK || scope == FS_HOST ? -1 : f->gw,
		scope == FS_LINK || scope == FS_HOST ? f->ini : -1,
		f->dur_ns, (uint64_t)f->kind, ",\"kind\":\"%s\"%s,\"dur_ns\":%llu,\"a\":%llu,\"b\":%llu",
		fault_kind_name(f->kind), dir, (unsigned long long)f->dur_ns, (unsigned long long)f->a,
		(unsigned long long)f->b);
}

/* A noisy link one way or both (simnet_set_noise). */
static void noise(struct world *w, const struct fault *f, uint32_t ppm)
{
	if (f->dir != FD_TO_INI)
		simnet_set_noise(&w->net, f->ini, f->gw, SIMNET_INI, ppm);
	if (f->dir != FD_TO_GW)
		simnet_set_noise(&w->net, f->ini, f->gw, SIMNET_GW, ppm);
}

/* What survived a power loss, block by block, for the data oracle. */
static void durable_block(const void *disk, uint64_t lba, struct block_seen *out)
{
	disk_durable_seen(disk, lba, out);
}

static void ev_start(void *a, void *b, uint64_t arg)
{
	(void)arg;
	struct world *w = a;
	const struct fault *f = b;
	struct wgw *g = &w->gws[f->gw];
	trace_fault(w, f, "start");
	switch (f->kind) {
	case F_PARTITION:
		world_cov(w, f->dir == FD_BOTH ? COV_FAULT_PARTITION : COV_FAULT_PARTITION_ONE_WAY);
		cut(w, f, 1);
		break;
	case F_STALL:
		world_cov(w, COV_FAULT_STALL);
		each_conn(w, f, false);
		break;
	case F_RESET:
		world_cov(w, COV_FAULT_RESET);
		each_conn(w, f, true);
		break;
	case F_SLOW:
		world_cov(w, COV_FAULT_SLOW_LINK);
		simnet_set_slow(&w->net, f->ini, f->gw, f->a, f->b);
		break;
	case F_GW_CRASH:
		world_cov(w, COV_FAULT_GW_CRASH);
		wgw_crash(g, false);
		break;
	case F_GW_POWER:
		world_cov(w, COV_FAULT_GW_POWER);
		wgw_crash(g, true);
		break;
	case F_GW_PAUSE:
		world_cov(w, COV_FAULT_GW_PAUSE);
		wgw_pause(g, true);
		break;
	case F_GW_SHUTDOWN:
		world_cov(w, COV_FAULT_GW_SHUTDOWN);
		wgw_shutdown(g);
		break;
	case F_DISK_POWER:
		world_cov(w, COV_FAULT_DISK_POWER);
		disk_power_loss(&w->disk);
		if (!odata_power_loss_at(&w->od, w->q.now, durable_block, &w->disk))
			world_violation_data(w, -1, "%s", w->od.why);
		break;
	case F_DISK_BAD:
		world_cov(w, COV_FAULT_DISK_BAD);
		disk_set_bad_range(&w->disk, f->a, f->a + f->b);
		break;
	case F_DISK_SLOW:
		world_cov(w, COV_FAULT_DISK_SLOW);
		disk_slow(&w->disk, f->gw, f->a);
		break;
	case F_ALLOC_FAIL:
		world_cov(w, COV_FAULT_ALLOC_FAIL);
		g->alloc_fail_left += f->a;
		break;
	case F_ALUA_FAILOVER:
		wcluster_failover(w, f->gw);
		break;
	case F_LOGIN_DROP:
		w->login_drops[f->ini][f->gw] += (uint32_t)f->a;
		break;
	case F_NOISE:
		noise(w, f, (uint32_t)f->a);
		break;
	case F_LUN_UNMAP:
		wgw_map_lu(g, false);
		break;
	case F_LOGOUT:
		wini_host_down(&w->inis[f->ini], f->gw, false);
		break;
	case F_INI_EXIT:
		wini_host_down(&w->inis[f->ini], -1, true);
		break;
	case F_SWIZZLE:
		break; /* its partitions are scheduled of their own (swizzle below) */
	case F_KINDS:
		assert(0 && "not a fault");
	}
	wtimer_touch(&g->timer);
}

static void ev_heal(void *a, void *b, uint64_t arg)
{
	(void)arg;
	struct world *w = a;
	const struct fault *f = b;
	struct wgw *g = &w->gws[f->gw];
	trace_fault(w, f, "heal");
	switch (f->kind) {
	case F_PARTITION:
		cut(w, f, -1);
		break;
	case F_SLOW:
		simnet_set_slow(&w->net, f->ini, f->gw, 0, 0);
		break;
	case F_GW_CRASH:
	case F_GW_POWER:
		wgw_restart(g);
		break;
	case F_GW_PAUSE:
		wgw_pause(g, false);
		break;
	case F_GW_SHUTDOWN:
		/* A drain that outlived its window is cut short, as an init
		 * system's stop timeout would. */
		if (g->eng != NULL && g->state == GW_DRAINING) {
			wgw_stop_ended(g, true);
			wgw_crash(g, false);
		}
		wgw_restart(g);
		break;
	case F_DISK_BAD:
		disk_set_bad_range(&w->disk, 0, 0);
		break;
	case F_DISK_SLOW:
		disk_slow(&w->disk, f->gw, 0);
		break;
	case F_LOGIN_DROP:
		w->login_drops[f->ini][f->gw] = 0; /* what was not used is forgotten */
		break;
	case F_NOISE:
		noise(w, f, 0);
		break;
	case F_LUN_UNMAP:
		wgw_map_lu(g, true);
		break;
	case F_LOGOUT:
		wini_host_up(&w->inis[f->ini], f->gw, f->a != 0);
		break;
	case F_INI_EXIT:
		wini_host_up(&w->inis[f->ini], -1, f->a != 0);
		break;
	case F_STALL:
	case F_RESET:
	case F_DISK_POWER:
	case F_ALLOC_FAIL:
	case F_ALUA_FAILOVER:
	case F_SWIZZLE:
	case F_KINDS:
		break;
	}
	wtimer_touch(&g->timer);
}

static void schedule(struct world *w, const struct fault *f)
{
	evq_push(&w->q, f->at_ns, ev_start, w, (void *)(uintptr_t)f, 0);
	evq_push(&w->q, f->at_ns + f->dur_ns, ev_heal, w, (void *)(uintptr_t)f, 0);
}

/* FoundationDB's swizzle-clog, on one initiator-gateway link: its two
 * directions clog one after the other (the first at the start, the
 * second within the first half) and unclog in an order of their own
 * (the first within the second half, the last at the end). Order and
 * times come from the seed: a seed family replays the same story with
 * every order. */
static void swizzle(struct world *w, const struct fault *f, unsigned index)
{
	struct sim_rng r;
	rng_stream(&r, w->p->seed, "swizzle", index);
	uint64_t half = f->dur_ns / 2;
	enum fault_dir dirs[2] = { FD_TO_GW, FD_TO_INI };
	unsigned first_clogged = (unsigned)rng_below(&r, 2), first_healed = (unsigned)rng_below(&r, 2);
	uint64_t clog[2], heal[2];
	clog[first_clogged] = f->at_ns;
	clog[1 - first_clogged] = f->at_ns + rng_below(&r, half + 1);
	heal[first_healed] = f->at_ns + half + rng_below(&r, f->dur_ns - half + 1);
	heal[1 - first_healed] = f->at_ns + f->dur_ns;
	for (unsigned k = 0; k < 2 && w->nswizzled < sizeof(w->swizzled) / sizeof(w->swizzled[0]); k++) {
		struct fault *p = &w->swizzled[w->nswizzled++];
		uint64_t end = heal[k] > clog[k] ? heal[k] : clog[k];
		*p = (struct fault){ .kind = F_PARTITION, .at_ns = clog[k], .dur_ns = end - clog[k], .ini = f->ini,
			.gw = f->gw, .dir = dirs[k] };
		schedule(w, p);
	}
}

void wfault_schedule(struct world *w)
{
	const struct fault_list *l = &w->p->faults;
	for (unsigned i = 0; i < l->n; i++) {
		const struct fault *f = &l->f[i];
		schedule(w, f);
		if (f->kind == F_SWIZZLE)
			swizzle(w, f, i);
	}
}
