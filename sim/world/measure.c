/* world/measure: the world's measurements (metrics.h): the dual-writer
 * watch on disk writes, and the collection of every metric at the end
 * from the counters of the workloads, sessions, multipath devices,
 * engines, disk and cluster. */
#include "sim/initiator/block.h"
#include "sim/base/time.h"
#include "sim/world/world_int.h"

/* ---- dual writers ---- */

struct wwrite {
	struct wwrite *next;
	const struct rt_disk_io *io;
	uint64_t at; /* submitted */
};

static bool changes_data(const struct rt_disk_io *io)
{
	return io->op == RT_DISK_WRITE || io->op == RT_DISK_UNMAP || io->op == RT_DISK_WRITE_ZEROES ||
	       io->op == RT_DISK_COMPARE_WRITE;
}

void wmetrics_write_submitted(struct world *w, int gw, const struct rt_disk_io *io)
{
	if (!changes_data(io))
		return;
	struct wgw *g = &w->gws[gw];
	struct wwrite *r = sim_zalloc(w->mem, sizeof(*r));
	r->io = io;
	r->at = w->q.now;
	r->next = g->writes;
	g->writes = r;
}

/* A zombie's write landed: the line says where (gateway, LBA), when it
 * was sent and which version it carries (block.h; 0 for an unmap or
 * bytes no initiator wrote): the version a data oracle's message names
 * if a read returns it. */
static void trace_stale_write(struct world *w, int gw, const struct rt_disk_io *io, uint64_t submitted)
{
	size_t bs = w->p->block_size;
	uint64_t lba = io->offset / bs, ver = 0, other = 0;
	enum block_kind k = BLOCK_ZERO;
	const uint8_t *data = disk_io_write_data(io);
	if (data != NULL && io->len >= bs)
		k = block_decode(data, bs, lba, &ver, &other);
	bool known = k == BLOCK_OK || k == BLOCK_WRONG_LBA;
	trace_ev(w->tr, w->q.now, TEV_DISK, "stale_write", gw, -1, lba, known ? ver : 0,
		",\"lba\":%llu,\"blocks\":%llu,\"ver\":%llu,\"submitted_ns\":%llu", (unsigned long long)lba,
		(unsigned long long)(io->len / bs), (unsigned long long)(known ? ver : 0), (unsigned long long)submitted);
}

/* Two active writers: gateway B takes over writing from A when its write
 * lands and A's was the last to land before it. A write of A submitted
 * before such a takeover and landing after it comes from a writer that
 * was superseded (a zombie): nothing but the exclusive lock (which fences
 * A at the takeover) or the cluster orders it after B's. */
void wmetrics_write_done(struct world *w, int gw, const struct rt_disk_io *io)
{
	if (!changes_data(io))
		return;
	struct wgw *g = &w->gws[gw];
	struct wwrite **pp = &g->writes;
	while (*pp != NULL && (*pp)->io != io)
		pp = &(*pp)->next;
	struct wwrite *r = *pp;
	if (r == NULL)
		return;
	*pp = r->next;
	if (io->status == RT_DISK_OK) {
		if (r->at < g->superseded_at) {
			w->dual_writers++;
			trace_stale_write(w, gw, io, r->at);
		}
		if (w->last_lander >= 0 && w->last_lander != gw)
			w->gws[w->last_lander].superseded_at = w->q.now;
		w->last_lander = gw;
	}
	sim_free(w->mem, r, sizeof(*r));
}

/* The gateway crashed: its io structs are gone (their writes still land,
 * unseen by this watch). */
void wmetrics_forget_gw(struct world *w, int gw)
{
	struct wgw *g = &w->gws[gw];
	while (g->writes != NULL) {
		struct wwrite *r = g->writes;
		g->writes = r->next;
		sim_free(w->mem, r, sizeof(*r));
	}
}

/* ---- the end ---- */

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* ---- the initiators' share (also live: host/cmd_live.c) ---- */

void metrics_begin(struct sim_metrics *m)
{
	memset(m, 0, sizeof(*m));
	m->v[METRIC_IO_OK_MIN] = INT64_MAX;
	m->v[METRIC_TPUT_MEDIAN_MIN] = INT64_MAX;
}

void metrics_add_host(struct sim_metrics *m, const struct wl_stats *s, const struct mpath *mp, uint64_t path_fails)
{
	int64_t *v = m->v;
	int64_t ok = 0, failed = 0;
	for (int op = 0; op < WL_OPS; op++) {
		ok += (int64_t)s->ok[op];
		failed += (int64_t)s->failed[op];
	}
	v[METRIC_IO_OK] += ok;
	if (ok < v[METRIC_IO_OK_MIN])
		v[METRIC_IO_OK_MIN] = ok;
	v[METRIC_IO_FAILED] += failed;
	v[METRIC_IO_PATH_FAILED] += (int64_t)(s->no_path + s->retried_out);
	v[METRIC_LATENCY_MAX] = max64(v[METRIC_LATENCY_MAX], (int64_t)s->latency_max_ns);
	v[METRIC_IO_STALL_MAX] = max64(v[METRIC_IO_STALL_MAX], (int64_t)s->stall_max_ns);
	if (s->failover_ns != SIM_NEVER)
		v[METRIC_FAILOVER] = max64(v[METRIC_FAILOVER], (int64_t)s->failover_ns);
	v[METRIC_MISCOMPARES] += (int64_t)s->miscompares;
	if (mp->pr_key != 0)
		v[METRIC_HOLDER_CONFLICTS] += (int64_t)s->conflicts;
	else
		v[METRIC_RESERVATION_CONFLICTS] += (int64_t)s->conflicts;
	v[METRIC_PATH_FAILURES] += (int64_t)path_fails;
	v[METRIC_GROUP_SWITCHES] += (int64_t)mp->stats.group_switches;
	struct tput_summary ts;
	tput_summarize(&s->tput, s->tput_end_ns, &ts);
	v[METRIC_TPUT_MEDIAN_MIN] = v[METRIC_TPUT_MEDIAN_MIN] < (int64_t)ts.median_bps ? v[METRIC_TPUT_MEDIAN_MIN] : (int64_t)ts.median_bps;
	v[METRIC_TPUT_DIP_MAX] = max64(v[METRIC_TPUT_DIP_MAX], (int64_t)ts.dip_max_ns);
	v[METRIC_TPUT_PEAK_PCT] = max64(v[METRIC_TPUT_PEAK_PCT], (int64_t)ts.peak_pct);
}

void metrics_add_session(struct sim_metrics *m, const struct isess_stats *ss)
{
	int64_t *v = m->v;
	v[METRIC_ABORTS] += (int64_t)ss->aborts;
	v[METRIC_NOP_TIMEOUTS] += (int64_t)ss->nop_timeouts;
	v[METRIC_LOGINS] += (int64_t)ss->logins;
	v[METRIC_LOGIN_FAILURES] += (int64_t)ss->login_failures;
	v[METRIC_INI_SESS_NEW] += (int64_t)ss->sess_reinstatements;
	v[METRIC_CONN_REINSTATED] += (int64_t)ss->conn_reinstatements;
	v[METRIC_TASKS_REASSIGNED] += (int64_t)ss->reassigned;
	v[METRIC_ERL2_FALLBACKS] += (int64_t)ss->erl2_fallbacks;
	v[METRIC_WINDOW_STALL_MAX] = max64(v[METRIC_WINDOW_STALL_MAX], (int64_t)ss->window_stall_max_ns);
}

void metrics_end(struct sim_metrics *m, int hosts)
{
	if (hosts == 0) {
		m->v[METRIC_IO_OK_MIN] = 0;
		m->v[METRIC_TPUT_MEDIAN_MIN] = 0;
	}
}

void wmetrics_collect(struct world *w, struct sim_metrics *m)
{
	metrics_begin(m);
	int64_t *v = m->v;
	for (int i = 0; i < w->p->initiators; i++) {
		const struct wini *in = &w->inis[i];
		/* A world whose start failed (a gateway refused its
		 * configuration) ends before every host was set up: a host
		 * never set up has nothing to count (world_destroy's test). */
		if (in->w == NULL)
			continue;
		metrics_add_host(m, &in->wl.stats, &in->mp,
			in->path_fails_run != SIM_NEVER ? in->path_fails_run : in->mp.stats.path_fails);
		for (int k = 0; k < wini_npaths(w); k++) {
			metrics_add_session(m, &in->paths[k].sess.stats);
			v[METRIC_RELOGIN_MAX] = max64(v[METRIC_RELOGIN_MAX], (int64_t)in->paths[k].relogin_max_ns);
		}
	}
	metrics_end(m, w->p->initiators);
	for (int g = 0; g < w->p->gateways; g++)
		v[METRIC_SESSIONS_REINSTATED] += (int64_t)w->gws[g].stats_total.sessions_reinstated;
	/* The first owner took the lock; only later changes move it. */
	v[METRIC_LOCK_TRANSFERS] = w->disk.stats.lock_transfers > 0 ? (int64_t)w->disk.stats.lock_transfers - 1 : 0;
	v[METRIC_FINAL_LOCK_OWNER] = w->disk.lock_owner;
	v[METRIC_LOCK_BREAK_FAILURES] = (int64_t)w->disk.stats.lock_break_failures;
	v[METRIC_REOPEN_FAILURES] = (int64_t)w->disk.stats.reopen_failures;
	for (int g = 0; g < w->p->gateways; g++) {
		const struct wgw *gw = &w->gws[g];
		v[METRIC_LOCK_LOST] += (int64_t)gw->lock_losses;
		uint64_t stop = gw->stop_max_ns;
		if (gw->stop_since != SIM_NEVER && w->q.now - gw->stop_since > stop)
			stop = w->q.now - gw->stop_since; /* still draining */
		v[METRIC_STOP_MAX] = max64(v[METRIC_STOP_MAX], (int64_t)stop);
		v[METRIC_STOPS_CUT] += gw->stops_cut;
	}
	v[METRIC_DUAL_WRITERS] = (int64_t)w->dual_writers;
	v[METRIC_LOST_BLOCKS] = (int64_t)w->disk.stats.lost_blocks;
	v[METRIC_DURABLE_CHECKED] = (int64_t)w->od.stats.durable_checked;
	v[METRIC_ALUA_TRANSITIONS] = (int64_t)w->cluster.transitions;
	v[METRIC_FINAL_OPTIMIZED] = w->p->cluster.alua == ALUA_MODE_OFF ? -1 : w->cluster.optimized;
	v[METRIC_GW_UNSENT_MAX] = (int64_t)w->net.stats_gw_unsent_max;
	v[METRIC_GW_MEM_MAX] = (int64_t)w->gw_mem_max;
	v[METRIC_NET_QUEUED_MAX] = (int64_t)w->net.stats_queued_max;
	v[METRIC_GW_READ_HOLDS] = (int64_t)w->net.stats_read_holds;
	for (int g = 0; g < w->p->gateways; g++) {
		v[METRIC_TGT_CONNS_DROPPED] += (int64_t)w->gws[g].stats_total.conns_dropped;
		v[METRIC_TGT_LOGINS_FAILED] += (int64_t)w->gws[g].stats_total.logins_failed;
	}
	for (unsigned i = 0; i < w->p->attacks.n; i++) {
		const struct watk *a = &w->atks[i];
		v[METRIC_ATK_CONNS] += (int64_t)a->st.conns;
		v[METRIC_ATK_CONNS_DROPPED] += (int64_t)a->st.conns_dropped;
		v[METRIC_ATK_LOGINS] += (int64_t)a->st.logins;
		v[METRIC_ATK_LOGIN_FAILURES] += (int64_t)a->st.login_failures;
		v[METRIC_ATK_SESSIONS_MAX] += (int64_t)a->st.sessions_max;
		v[METRIC_ATK_CMDS] += (int64_t)(a->st.cmds + a->st.nops);
		v[METRIC_ATK_ROUNDS_BLOCKED] += (int64_t)a->st.rounds_blocked;
		v[METRIC_ATK_RESETS] += (int64_t)a->st.tmfs;
		for (unsigned k = 0; k < a->nsess; k++) {
			v[METRIC_ATK_RESETS_DONE] += (int64_t)a->sess[k].sess.stats.raw_tmf_done;
			v[METRIC_ATK_RESETS_REFUSED] += (int64_t)a->sess[k].sess.stats.raw_tmf_refused;
		}
	}
}
