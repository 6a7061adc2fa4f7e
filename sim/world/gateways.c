/* world/gateways: the world's gateways: one reference target engine each, and the
 * rt_env that connects it to the simulated network, disk and clock.
 * Crash ("drop the engine's memory"), restart from config + disk, pause,
 * graceful shutdown, and the hygiene checks at destruction (every byte
 * the engine allocated is freed). */
#include <stdio.h>

#include "sim/base/time.h"
#include "core/reconfig.h"
#include "sim/world/world_int.h"

#define TARGET_NAME "iqn.2024-01.org.isim:disk0"
#define CHAP_USER "isim-initiator"
#define CHAP_SECRET "isim-initiator-secret"
#define CHAP_TARGET_USER "isim-target"
#define CHAP_TARGET_SECRET "isim-target-secret!"
#define ISCSI_PORT 3260
#define START_RETRY_NS SIM_S(1) /* a gateway that could not start tries again */

/* ---- rt_env ---- */

static uint64_t env_now(void *ctx)
{
	return ((struct wgw *)ctx)->w->q.now;
}

static uint64_t env_random(void *ctx)
{
	return rng_next(&((struct wgw *)ctx)->rng);
}

static void *env_alloc(void *ctx, size_t size)
{
	struct wgw *g = ctx;
	if (g->alloc_fail_left > 0) {
		g->alloc_fail_left--;
		world_cov(g->w, COV_ENGINE_ALLOC_FAILED);
		trace_ev(g->w->tr, g->w->q.now, TEV_GW, "alloc_failed", g->idx, 0, size, 0, ",\"size\":%zu", size);
		return NULL;
	}
	void *p = g->w->mem->alloc(g->w->mem->ctx, size);
	assert(p != NULL);
	g->live_bytes += size;
	if (g->live_bytes > g->w->gw_mem_max)
		g->w->gw_mem_max = g->live_bytes;
	return p;
}

static void env_free(void *ctx, void *p, size_t size)
{
	struct wgw *g = ctx;
	if (p == NULL)
		return;
	if (size > g->live_bytes) {
		world_violation(g->w, ORACLE_ENGINE, "gateway %d frees %zu bytes, more than it holds", g->idx, size);
		return;
	}
	g->live_bytes -= size;
	g->w->mem->free(g->w->mem->ctx, p, size);
}

static struct simnet_conn *conn_of(struct wgw *g, rt_conn_id id, const char *what)
{
	struct simnet_conn *c = simnet_conn_by_id(&g->w->net, id);
	if (c == NULL || c->gw != g->idx) {
		world_violation(g->w, ORACLE_ENGINE, "gateway %d: %s on connection %u it never accepted", g->idx,
			what, id);
		return NULL;
	}
	return c;
}

/* As the daemon's send queue behind a socket that said EAGAIN: what the
 * kernels' socket buffers do not take of the bytes the peer has not read
 * (simnet_unsent, net sockbuf=) is held here, and the engine's
 * budget pays for it (core/mem.h). Its falls come through wgw_sent. */
static long env_conn_send(void *ctx, rt_conn_id id, const struct iovec *iov, int iovcnt)
{
	struct wgw *g = ctx;
	struct simnet_conn *c = conn_of(g, id, "conn_send");
	if (c == NULL)
		return -1;
	return simnet_send(&g->w->net, c, SIMNET_GW, iov, iovcnt);
}

static void env_conn_close(void *ctx, rt_conn_id id)
{
	struct wgw *g = ctx;
	struct simnet_conn *c = conn_of(g, id, "conn_close");
	if (c == NULL)
		return;
	simnet_close(&g->w->net, c, SIMNET_GW);
	world_conn_gone(g->w, c);
}

static int env_state_save(void *ctx, const char *key, const void *buf, size_t len)
{
	struct wgw *g = ctx;
	return disk_state_save(&g->w->disk, key, buf, len);
}

static long env_state_load(void *ctx, const char *key, void *buf, size_t cap)
{
	struct wgw *g = ctx;
	return disk_state_load(&g->w->disk, key, buf, cap);
}

static void env_log(void *ctx, enum rt_log_level level, const char *msg)
{
	struct wgw *g = ctx;
	if (level > RT_LOG_WARN)
		return;
	char esc[256];
	trace_json_escape(esc, sizeof(esc), msg);
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, "log", g->idx, (int)level, 0, 0, ",\"level\":%d,\"msg\":\"%s\"", (int)level,
		esc);
}

/* ---- configuration ---- */

static void build_config(struct world *w, struct wgw *g)
{
	const struct sim_target_params *t = &w->p->tgt;
	char *addr = g->portal_addr;
	snprintf(addr, sizeof(g->portal_addr), "10.0.0.%u", (unsigned)(g->idx + 1) & 0xffu);
	g->portal = (struct rt_portal_cfg){ .address = addr, .port = ISCSI_PORT };
	g->portal_index = 0;
	g->tpg = (struct rt_tpg_cfg){ .tag = (uint16_t)(g->idx + 1), .portals = &g->portal_index, .portal_count = 1,
		.open_access = true, .luns = &w->lun, .lun_count = 1, .acls = &w->acl_atk, .acl_count = w->acl_count };
	if (t->chap) {
		g->tpg.auth.in = (struct rt_chap_cred){ .user = wgw_chap_user(w), .secret = wgw_chap_secret(w) };
		if (t->mutual_chap)
			g->tpg.auth.out = (struct rt_chap_cred){ .user = wgw_target_user(w),
				.secret = wgw_target_secret(w) };
	}
	if (w->p->id.n_acls != 0) { /* a LIO file's node ACLs: only they log in */
		g->tpg.open_access = false;
		g->tpg.auth = (struct rt_auth_cfg){ 0 };
		g->tpg.acls = w->acl_id;
		g->tpg.acl_count = w->acl_id_count;
	}
	g->target = (struct rt_target_cfg){ .name = wgw_target_name(w), .alias = "isim", .tpgs = &g->tpg,
		.tpg_count = 1 };
	g->cfg = (struct rt_config){ .portals = &g->portal, .portal_count = 1, .targets = &g->target,
		.target_count = 1, .lus = w->lus, .lu_count = w->lu_count };
	struct rt_params_cfg *pc = &g->cfg.params;
	cfg_params_default(pc);
	pc->cmd_window = t->cmd_window;
	pc->max_recv_data_segment_length = t->mrdsl;
	pc->max_burst_length = t->max_burst_length;
	pc->first_burst_length = t->first_burst_length;
	pc->max_outstanding_r2t = t->max_outstanding_r2t;
	pc->initial_r2t = t->initial_r2t;
	pc->immediate_data = t->immediate_data;
	pc->header_digest = t->header_digest;
	pc->data_digest = t->data_digest;
	pc->error_recovery_level = t->error_recovery_level;
	pc->max_connections = t->max_connections;
	pc->nop_in_interval_ms = t->nop_in_interval_ms;
	pc->nop_in_timeout_ms = t->nop_in_timeout_ms;
	pc->mem_budget_bytes = t->mem_budget_bytes;
	pc->session_mem_max_bytes = t->session_mem_max_bytes;
	pc->session_mem_min_bytes = t->session_mem_min_bytes;
	pc->conn_unsent_max_bytes = t->conn_unsent_max_bytes;
	g->tpg_unmapped = g->tpg;
	g->tpg_unmapped.lun_count = 0;
	g->target_unmapped = g->target;
	g->target_unmapped.tpgs = &g->tpg_unmapped;
	g->cfg_unmapped = g->cfg;
	g->cfg_unmapped.targets = &g->target_unmapped;
}

static const struct rt_config *cfg_in_force(const struct wgw *g)
{
	return g->lun_unmapped ? &g->cfg_unmapped : &g->cfg;
}

void wgw_map_lu(struct wgw *g, bool mapped)
{
	if (g->lun_unmapped == !mapped)
		return;
	g->lun_unmapped = !mapped;
	if (g->eng == NULL)
		return; /* down: it starts from the configuration in force */
	struct rt_reconfig_result res;
	char err[256];
	if (rt_engine_reconfigure(g->eng, cfg_in_force(g), &res, err, sizeof(err)) != 0)
		world_violation(g->w, ORACLE_ENGINE, "gateway %d: reconfiguration refused: %s", g->idx, err);
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, mapped ? "lun_mapped" : "lun_unmapped", g->idx, 0,
		res.sessions_remapped, res.logins_dropped, NULL);
	wtimer_touch(&g->timer);
}

/* The per-ACL permission for TARGET WARM/COLD RESET (RFC 7143 §11.5.1:
 * without it the engine answers response 6 "Function authorization
 * failed"; with it the reset reaches only the LUs this ACL maps). The
 * 20-target-reset-permitted scenario grants it. */
void wgw_acl_grant_target_reset(struct rt_acl_cfg *acl, bool permit)
{
	acl->target_reset = permit;
}

/* The built-in identity, or the one a LIO file gave (sim_params.id). */
const char *wgw_chap_user(const struct world *w) { return w->p->id.chap_user ? w->p->id.chap_user : CHAP_USER; }
const char *wgw_chap_secret(const struct world *w)
{
	return w->p->id.chap_secret ? w->p->id.chap_secret : CHAP_SECRET;
}
const char *wgw_target_user(const struct world *w)
{
	return w->p->id.target_user ? w->p->id.target_user : CHAP_TARGET_USER;
}
const char *wgw_target_secret(const struct world *w)
{
	return w->p->id.target_secret ? w->p->id.target_secret : CHAP_TARGET_SECRET;
}
const char *wgw_target_name(const struct world *w)
{
	return w->p->id.target_name ? w->p->id.target_name : TARGET_NAME;
}

static void ev_retry_start(void *a, void *b, uint64_t arg);

static bool start_engine(struct wgw *g)
{
	bool injected = g->alloc_fail_left > 0;
	g->eng = rt_engine_create(&g->env, cfg_in_force(g));
	if (g->eng == NULL) {
		/* Refusing to start for want of memory is the engine's right;
		 * without an injected failure it is a bug. */
		if (!injected) {
			world_violation(g->w, ORACLE_ENGINE, "gateway %d: rt_engine_create failed", g->idx);
			return false;
		}
		if (g->live_bytes != 0)
			world_violation(g->w, ORACLE_ENGINE, "gateway %d: a failed rt_engine_create left %llu bytes allocated",
				g->idx, (unsigned long long)g->live_bytes);
		g->w->engine_leaked += g->live_bytes;
		g->live_bytes = 0;
		trace_ev(g->w->tr, g->w->q.now, TEV_GW, "start_failed", g->idx, 0, 0, 0, NULL);
		evq_push(&g->w->q, g->w->q.now + START_RETRY_NS, ev_retry_start, g, NULL, 0);
		return false;
	}
	g->state = GW_UP;
	g->incarnation++;
	g->lock_lost = false; /* a new client instance, never blocklisted */
	disk_gw_started(&g->w->disk, g->idx);
	wpr_gw_started(g->w, g->idx);
	simnet_gw_state(&g->w->net, g->idx, SIMNET_NODE_UP);
	wcluster_gw_started(g->w, g->idx);
	wtimer_touch(&g->timer);
	return true;
}

static void ev_retry_start(void *a, void *b, uint64_t arg)
{
	(void)b;
	(void)arg;
	struct wgw *g = a;
	if (g->eng == NULL && g->state == GW_DOWN && !g->stopped)
		start_engine(g);
}

void wgw_init(struct world *w, struct wgw *g)
{
	g->w = w;
	g->state = GW_DOWN;
	g->timer.at = SIM_NEVER;
	g->stop_since = SIM_NEVER;
	rng_stream(&g->rng, w->p->seed, "gateway", (uint32_t)g->idx);
	g->env = (struct rt_env){ .ctx = g, .now_ns = env_now, .random_u64 = env_random, .alloc = env_alloc,
		.free = env_free, .conn_send = env_conn_send, .conn_close = env_conn_close,
		.disk_submit = diskpath_submit, .state_save = env_state_save, .state_load = env_state_load,
		.log = env_log };
	build_config(w, g);
	char err[256];
	if (cfg_validate(&g->cfg, err, sizeof(err)) != 0) {
		world_violation(w, ORACLE_ENGINE, "gateway %d config refused: %s", g->idx, err);
		return;
	}
	start_engine(g);
}

static void add_stats(struct rt_stats *t, const struct rt_stats *s)
{
	t->pdus_in += s->pdus_in;
	t->pdus_out += s->pdus_out;
	t->logins_ok += s->logins_ok;
	t->logins_failed += s->logins_failed;
	t->rejects_sent += s->rejects_sent;
	t->conns_dropped += s->conns_dropped;
	t->scsi_cmds += s->scsi_cmds;
	t->scsi_check_conditions += s->scsi_check_conditions;
	t->tmfs += s->tmfs;
	t->alloc_failures += s->alloc_failures;
	t->sessions_reinstated += s->sessions_reinstated;
	t->conns_evicted += s->conns_evicted;
	t->conns_refused_full += s->conns_refused_full;
	t->conns_refused_source += s->conns_refused_source;
	t->conns_refused_rate += s->conns_refused_rate;
	t->prelogin_timeouts += s->prelogin_timeouts;
	t->sessions_refused_initiator += s->sessions_refused_initiator;
	t->sessions_refused_source += s->sessions_refused_source;
	t->sessions_refused_full += s->sessions_refused_full;
}

/* Drop the engine's memory, as a crash does; check it had kept account. */
static void destroy_engine(struct wgw *g)
{
	wgw_stop_ended(g, false); /* a stop a crash or the world's end overtook */
	struct rt_stats s;
	rt_engine_stats(g->eng, &s);
	add_stats(&g->stats_total, &s);
	/* the disk reads a write's data from the engine's buffer when it lands */
	disk_hold_gw_data(&g->w->disk, g->idx);
	g->destroying = true;
	rt_engine_destroy(g->eng);
	g->destroying = false;
	g->eng = NULL;
	/* With its memory, the engine lost every connection it had. */
	for (size_t i = 0; i < g->w->net.nconns; i++)
		if (g->w->net.conns[i]->gw == g->idx)
			world_conn_gone(g->w, g->w->net.conns[i]);
	if (g->live_bytes != 0)
		world_violation(g->w, ORACLE_ENGINE, "gateway %d: rt_engine_destroy left %llu bytes allocated",
			g->idx, (unsigned long long)g->live_bytes);
	g->w->engine_leaked += g->live_bytes;
	g->live_bytes = 0;
	g->alloc_fail_left = 0; /* a new process does not inherit them */
	g->sent_missed = false;
	diskpath_forget(g);
	g->state = GW_DOWN;
	g->timer.at = SIM_NEVER;
	g->timer.gen++;
	if (!g->stopped)
		wcluster_gw_down(g->w, g->idx);
}

void wgw_fini(struct wgw *g)
{
	g->stopped = true;
	if (g->eng != NULL)
		destroy_engine(g);
}

/* ---- events ---- */

static void ev_gw_timer(void *a, void *b, uint64_t gen)
{
	(void)b;
	struct wgw *g = a;
	if (gen != g->timer.gen || g->eng == NULL)
		return;
	g->timer.at = SIM_NEVER;
	wtimer_touch(&g->timer);
	if (g->state == GW_PAUSED)
		return;
	if (g->w->q.now >= rt_next_deadline(g->eng))
		rt_on_time(g->eng);
	if (g->state == GW_DRAINING && rt_engine_idle(g->eng)) {
		trace_ev(g->w->tr, g->w->q.now, TEV_GW, "stopped", g->idx, 0, 0, 0, NULL);
		destroy_engine(g);
		simnet_gw_state(&g->w->net, g->idx, SIMNET_NODE_DOWN);
		simnet_gw_crash_rst(&g->w->net, g->idx);
	}
}

void wgw_rearm(struct wgw *g)
{
	g->timer.dirty = false;
	if (g->eng == NULL || g->state == GW_PAUSED)
		return;
	uint64_t d = rt_next_deadline(g->eng);
	if (g->state == GW_DRAINING && rt_engine_idle(g->eng))
		d = g->w->q.now;
	/* An event already due earlier looks again when it fires. */
	if (d >= g->timer.at)
		return;
	g->timer.at = d;
	g->timer.gen++;
	evq_push(&g->w->q, d, ev_gw_timer, g, NULL, g->timer.gen);
}

/* The engine does not read c now (rt_rx_space answered 0: it holds too
 * many unsent bytes for c, core/mem.h): take c out of the poll set, as
 * the daemon does, until a later wgw_sent finds it readable again. The
 * pause must have unsent bytes behind it, or nothing would end it. */
static void stop_reading(struct wgw *g, struct simnet_conn *c)
{
	if (c->pipe[SIMNET_GW].unsent_told == 0)
		world_violation(g->w, ORACLE_ENGINE,
			"gateway %d: rt_rx_space paused connection %u, for which it holds nothing unsent", g->idx, c->id);
	simnet_hold_reading(&g->w->net, c, SIMNET_GW, true);
}

size_t wgw_deliver(struct wgw *g, struct simnet_conn *c, const uint8_t *p, size_t len)
{
	if (g->eng == NULL)
		return len;
	wtimer_touch(&g->timer);
	/* Both ways of reading honour a pause: ask first (rt_on_bytes
	 * itself takes whatever it is given). */
	void *buf = NULL;
	size_t room = rt_rx_space(g->eng, c->id, &buf);
	if (room == 0) {
		stop_reading(g, c);
		return 0;
	}
	if (!rng_chance(&g->w->rng_rx, g->w->p->zero_copy_rx_ppm)) {
		rt_on_bytes(g->eng, c->id, p, len);
		return len;
	}
	world_cov(g->w, COV_NET_ZERO_COPY_RX);
	size_t done = 0;
	while (done < len && !c->closed[SIMNET_GW] && !c->dead) {
		if (done > 0)
			room = rt_rx_space(g->eng, c->id, &buf);
		if (room == 0) {
			stop_reading(g, c);
			return done;
		}
		if (buf == NULL) {
			world_violation(g->w, ORACLE_ENGINE, "gateway %d: rt_rx_space offered room at NULL on connection %u",
				g->idx, c->id);
			return len;
		}
		size_t n = room < len - done ? room : len - done;
		memcpy(buf, p + done, n);
		rt_rx_commit(g->eng, c->id, n);
		done += n;
	}
	return len;
}

/* After rt_on_conn_sent: does the engine read c again? */
static void read_again(struct wgw *g, struct simnet_conn *c)
{
	if (!c->read_held[SIMNET_GW] || c->dead || c->closed[SIMNET_GW])
		return;
	void *buf = NULL;
	if (rt_rx_space(g->eng, c->id, &buf) > 0)
		simnet_hold_reading(&g->w->net, c, SIMNET_GW, false);
}

void wgw_sent(struct wgw *g, struct simnet_conn *c, uint64_t unsent)
{
	if (g->eng == NULL)
		return;
	if (g->state == GW_PAUSED) {
		g->sent_missed = true; /* a frozen process sees its EPOLLOUT when it runs again */
		return;
	}
	wtimer_touch(&g->timer);
	rt_on_conn_sent(g->eng, c->id, (size_t)unsent);
	read_again(g, c);
}

/* What fell while the gateway was paused, told now for each of its live
 * connections (the engine ignores an unchanged count). */
static void sent_replay(struct wgw *g)
{
	if (!g->sent_missed || g->eng == NULL)
		return;
	g->sent_missed = false;
	for (size_t i = 0; i < g->w->net.nconns; i++) {
		struct simnet_conn *c = g->w->net.conns[i];
		if (c->gw != g->idx || c->dead || c->closed[SIMNET_GW] || !c->established)
			continue;
		rt_on_conn_sent(g->eng, c->id, (size_t)c->pipe[SIMNET_GW].unsent_told);
		read_again(g, c);
	}
}

void wgw_closed(struct wgw *g, struct simnet_conn *c)
{
	if (g->eng == NULL)
		return;
	wtimer_touch(&g->timer);
	rt_on_conn_closed(g->eng, c->id);
	world_conn_gone(g->w, c);
}

/* The peer's source address, as the pcap writes it: initiator i's path k
 * is 10.1.<i>.<k+1>, an attacker's source s is 10.1.<node>.<s+1>. For the
 * engine's per-source limits once rt_on_accept takes the peer's address. */
void wgw_peer_addr(const struct simnet_conn *c, char *out, size_t cap)
{
	snprintf(out, cap, "10.1.%d.%d", c->ini, c->path + 1);
}

bool wgw_accept(struct wgw *g, struct simnet_conn *c)
{
	if (g->eng == NULL || g->state != GW_UP)
		return false;
	wtimer_touch(&g->timer);
	/* The source address wgw_peer_addr names (10.1.<node>.<path+1>):
	 * the engine's per-source limits see every simulated initiator path
	 * and every attacker source apart, as on a real storage network. */
	struct rt_peer peer = { .family = RT_PEER_IPV4,
				.addr = { 10, 1, (uint8_t)c->ini, (uint8_t)(c->path + 1) } };
	return rt_on_accept(g->eng, c->id, g->portal_index, &peer) == 0;
}

/* ---- faults ---- */

void wgw_stop_ended(struct wgw *g, bool cut)
{
	if (g->stop_since == SIM_NEVER)
		return;
	uint64_t took = g->w->q.now - g->stop_since;
	if (took > g->stop_max_ns)
		g->stop_max_ns = took;
	g->stops_cut += cut;
	g->stop_since = SIM_NEVER;
}

void wgw_crash(struct wgw *g, bool silent)
{
	if (g->eng == NULL)
		return;
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, silent ? "power_off" : "crash", g->idx, 0, 0, 0, NULL);
	destroy_engine(g);
	simnet_gw_state(&g->w->net, g->idx, SIMNET_NODE_DOWN);
	if (silent) {
		simnet_gw_crash_silent(&g->w->net, g->idx);
		/* No FIN or RST marks it: a connection its initiator had
		 * closed already is over now. */
		for (size_t i = 0; i < g->w->net.nconns; i++)
			if (g->w->net.conns[i]->gw == g->idx)
				world_checker_reap(g->w, g->w->net.conns[i]);
	} else {
		simnet_gw_crash_rst(&g->w->net, g->idx);
	}
}

void wgw_restart(struct wgw *g)
{
	if (g->eng != NULL)
		return;
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, "restart", g->idx, 0, 0, 0, NULL);
	start_engine(g);
}

void wgw_pause(struct wgw *g, bool pause)
{
	if (pause && g->state == GW_UP) {
		g->state = GW_PAUSED;
		simnet_gw_state(&g->w->net, g->idx, SIMNET_NODE_PAUSED);
		trace_ev(g->w->tr, g->w->q.now, TEV_GW, "pause", g->idx, 0, 0, 0, NULL);
		return;
	}
	if (pause || g->state != GW_PAUSED)
		return;
	g->state = GW_UP;
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, "resume", g->idx, 0, 0, 0, NULL);
	simnet_gw_state(&g->w->net, g->idx, SIMNET_NODE_UP);
	/* Completions that arrived while frozen are handed over in order. */
	diskpath_resume(g);
	wprn_resume(g);
	sent_replay(g);
	wtimer_touch(&g->timer);
}

void wgw_shutdown(struct wgw *g)
{
	if (g->eng == NULL || g->state != GW_UP)
		return;
	trace_ev(g->w->tr, g->w->q.now, TEV_GW, "shutdown", g->idx, 0, 0, 0, NULL);
	g->state = GW_DRAINING;
	g->stop_since = g->w->q.now;
	rt_engine_shutdown(g->eng);
	wtimer_touch(&g->timer);
}
