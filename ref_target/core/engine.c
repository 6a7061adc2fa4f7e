/* engine: the public entry points (engine.h) and the helpers of
 * engine_int.h. Every entry point ends with eng_reap(), which starts the
 * tasks that ended ones held back and frees what the event closed, so
 * nothing below it ever touches freed memory. */
#include "engine_int.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "erl2.h"
#include "session.h"
#include "task.h"
#include "../scsi/scsi.h"

/* ---- helpers ---- */

void *eng_alloc(struct rt_engine *eng, size_t size)
{
	void *p = eng->env->alloc(eng->env->ctx, size);
	if (p == NULL)
		eng->stats.alloc_failures++;
	else
		mem_allocated(eng, size);
	return p;
}

void *eng_zalloc(struct rt_engine *eng, size_t size)
{
	void *p = eng_alloc(eng, size);
	if (p)
		memset(p, 0, size);
	return p;
}

void eng_free(struct rt_engine *eng, void *p, size_t size)
{
	if (p) {
		eng->env->free(eng->env->ctx, p, size);
		mem_freed(eng, size);
	}
}

uint64_t eng_now(const struct rt_engine *eng)
{
	return eng->env->now_ns(eng->env->ctx);
}

void eng_log(const struct rt_engine *eng, enum rt_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eng->env->log(eng->env->ctx, level, msg);
}

/* ---- the connection hash: linear probing, backward-shift deletion ---- */

static uint32_t eng_slot_of(rt_conn_id id)
{
	return (uint32_t)((id * 0x9e3779b1u) % ENG_CONN_SLOTS);
}

struct conn *eng_conn_find(const struct rt_engine *eng, rt_conn_id id)
{
	for (uint32_t i = eng_slot_of(id);; i = (i + 1) % ENG_CONN_SLOTS) {
		struct conn *c = eng->conn_slot[i];
		if (c == NULL || c->id == id)
			return c;
	}
}

int eng_conn_insert(struct rt_engine *eng, struct conn *c)
{
	if (eng->nconns >= RT_CONNS_MAX || eng_conn_find(eng, c->id) != NULL)
		return -1;
	uint32_t i = eng_slot_of(c->id);
	while (eng->conn_slot[i] != NULL)
		i = (i + 1) % ENG_CONN_SLOTS;
	eng->conn_slot[i] = c;
	c->next = eng->conns;
	eng->conns = c;
	eng->nconns++;
	return 0;
}

static void eng_conn_unhash(struct rt_engine *eng, struct conn *c)
{
	uint32_t i = eng_slot_of(c->id);
	while (eng->conn_slot[i] != c)
		i = (i + 1) % ENG_CONN_SLOTS;
	eng->conn_slot[i] = NULL;
	/* Shift later members of the probe run back over the hole. */
	for (uint32_t j = (i + 1) % ENG_CONN_SLOTS; eng->conn_slot[j] != NULL; j = (j + 1) % ENG_CONN_SLOTS) {
		uint32_t home = eng_slot_of(eng->conn_slot[j]->id);
		bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			eng->conn_slot[i] = eng->conn_slot[j];
			eng->conn_slot[j] = NULL;
			i = j;
		}
	}
}

void eng_conn_reap(struct rt_engine *eng, struct conn *c)
{
	eng_conn_unhash(eng, c);
	struct conn **pp = &eng->conns;
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	eng->nconns--;
	c->next = eng->reap;
	eng->reap = c;
}

static void eng_reap_once(struct rt_engine *eng)
{
	/* What ended tasks held back (SAM-5 §8.6, each LU's task set) starts
	 * here, after every walk over task lists is over; what starts may end
	 * and free more, on any LU. */
	bool started = true;
	while (started) {
		started = false;
		for (uint32_t i = 0; i < eng->cfg->lu_count && eng->lus != NULL; i++)
			if (eng->lus[i] != NULL) /* NULL: rt_engine_create failed part way */
				started |= scsi_lu_start_held(eng->lus[i]);
	}
	while (eng->reap) {
		struct conn *c = eng->reap;
		eng->reap = c->next;
		conn_free(c);
	}
	if (!eng->reap_sessions)
		return;
	eng->reap_sessions = false;
	struct session *s = eng->sessions;
	while (s) {
		struct session *next = s->next;
		if (sess_reapable(s))
			sess_free(s);
		s = next;
	}
}

void eng_reap(struct rt_engine *eng)
{
	/* Memory that came back reopens held windows (mem.h); what that
	 * sends may close a connection, whose freeing gives memory back
	 * again: round until nothing more happens. */
	for (;;) {
		eng_reap_once(eng);
		if (!eng->mem.relief || eng->mem.held == 0) {
			eng->mem.relief = false;
			return;
		}
		mem_relieve(eng);
	}
}

/* ---- services for the SCSI layer ---- */

/* PREEMPT AND ABORT (SPC-4 §5.13.11.2.5): every delivered task of the
 * preempted I_T nexus on lu is aborted; none is answered. */
static void eng_abort_nexus_tasks(void *ctx, struct scsi_lu *lu, const char *initiator_port, uint16_t rel_port)
{
	struct rt_engine *eng = ctx;
	for (struct session *s = eng->sessions; s; s = s->next) {
		if (s->closed || s->discovery || strcmp(s->nexus.initiator_port, initiator_port) != 0 ||
		    (rel_port != 0 && s->nexus.rel_port != rel_port))
			continue;
		struct task *t = s->active;
		while (t) {
			struct task *next = t->next;
			if (t->cmd.lu == lu && (t->state == TASK_DATA_OUT || t->state == TASK_EXEC))
				task_abort(t, NULL);
			t = next;
		}
	}
}

int rt_set_alua_state(struct rt_engine *eng, uint32_t lu, uint16_t tpg_tag, enum rt_alua_state state)
{
	if (lu >= eng->cfg->lu_count)
		return -1;
	/* The group must be a portal group that maps the LU, or one the
	 * LU's configuration lists (another gateway's, for states that
	 * follow shared ownership: RT_LU_ALUA_SHARED). */
	const struct rt_lu_cfg *lc = &eng->cfg->lus[lu];
	for (uint32_t i = 0; i < lc->alua_count; i++)
		if (lc->alua[i].tpg_tag == tpg_tag)
			return scsi_alua_set_state(eng->lus[lu], tpg_tag, state);
	for (uint32_t t = 0; t < eng->cfg->target_count; t++) {
		const struct rt_target_cfg *target = &eng->cfg->targets[t];
		for (uint32_t g = 0; g < target->tpg_count; g++)
			if (target->tpgs[g].tag == tpg_tag && cfg_tpg_maps_lu(&target->tpgs[g], lu))
				return scsi_alua_set_state(eng->lus[lu], tpg_tag, state);
	}
	return -1;
}

int rt_lu_pr_invalidate(struct rt_engine *eng, uint32_t lu)
{
	if (lu >= eng->cfg->lu_count || eng->lus[lu] == NULL)
		return -1;
	scsi_lu_pr_invalidate(eng->lus[lu]);
	return 0;
}

/* ---- lifecycle ---- */

struct rt_engine *rt_engine_create(const struct rt_env *env, const struct rt_config *cfg)
{
	struct rt_engine *eng = env->alloc(env->ctx, sizeof(*eng));
	if (eng == NULL)
		return NULL;
	memset(eng, 0, sizeof(*eng));
	eng->env = env;
	eng->cfg = cfg;
	eng->scsi_tp = (struct scsi_transport){ .ctx = eng, .abort_tasks = eng_abort_nexus_tasks };
	if (cfg->lu_count > 0) {
		eng->lus = eng_zalloc(eng, cfg->lu_count * sizeof(*eng->lus));
		if (eng->lus == NULL)
			goto fail;
		for (uint32_t i = 0; i < cfg->lu_count; i++) {
			eng->lus[i] = scsi_lu_create(env, &cfg->lus[i], i, &eng->scsi_tp);
			if (eng->lus[i] == NULL)
				goto fail;
		}
	}
	return eng;
fail:
	rt_engine_destroy(eng);
	return NULL;
}

void rt_engine_destroy(struct rt_engine *eng)
{
	/* Drop everything at once, sending nothing: the simulator's crash.
	 * Disk I/O still in flight belongs to the environment, which must
	 * not deliver it to a destroyed engine. */
	while (eng->conns) {
		struct conn *c = eng->conns;
		c->state = CONN_CLOSED;
		if (c->sess)
			sess_conn_gone(c->sess, c);
		eng_conn_reap(eng, c);
	}
	while (eng->sessions) {
		struct session *s = eng->sessions;
		s->closed = true;
		while (s->active) {
			struct task *t = s->active;
			memset(t->abort_tmf, 0, sizeof(t->abort_tmf));
			if (t->state == TASK_EXEC)
				scsi_cmd_release(&t->cmd); /* its disk I/O never returns */
			task_free(t);
		}
		for (uint32_t i = 0; i < SESS_TMF_MAX; i++)
			s->tmf[i].active = false; /* nothing is answered any more */
		sess_free(s);
	}
	eng_reap(eng);
	if (eng->lus) {
		for (uint32_t i = 0; i < eng->cfg->lu_count; i++)
			if (eng->lus[i])
				scsi_lu_destroy(eng->lus[i]);
		eng_free(eng, eng->lus, eng->cfg->lu_count * sizeof(*eng->lus));
	}
	eng->env->free(eng->env->ctx, eng, sizeof(*eng));
}

/* ---- events ---- */

int rt_on_accept(struct rt_engine *eng, rt_conn_id id, uint32_t portal, const struct rt_peer *peer)
{
	if (eng->shutting_down || portal >= eng->cfg->portal_count || eng_conn_find(eng, id) != NULL)
		return -1;
	struct rt_peer from;
	admit_peer_norm(&from, peer);
	/* May close an older connection still logging in to make room. */
	struct conn *c = admit_conn(eng, &from) == 0 ? conn_create(eng, id, portal, &from) : NULL;
	if (c != NULL) {
		int rc = eng_conn_insert(eng, c);
		assert(rc == 0);
		(void)rc;
	}
	eng_reap(eng);
	return c != NULL ? 0 : -1;
}

void rt_on_bytes(struct rt_engine *eng, rt_conn_id id, const void *buf, size_t len)
{
	struct conn *c = eng_conn_find(eng, id);
	if (c != NULL)
		conn_feed(c, buf, len);
	eng_reap(eng);
}

size_t rt_rx_space(struct rt_engine *eng, rt_conn_id id, void **buf)
{
	struct conn *c = eng_conn_find(eng, id);
	if (c == NULL)
		return 0;
	return conn_rx_space(c, buf);
}

void rt_rx_commit(struct rt_engine *eng, rt_conn_id id, size_t len)
{
	struct conn *c = eng_conn_find(eng, id);
	if (c != NULL)
		conn_rx_commit(c, len);
	eng_reap(eng);
}

void rt_on_conn_sent(struct rt_engine *eng, rt_conn_id id, size_t unsent)
{
	struct conn *c = eng_conn_find(eng, id);
	if (c != NULL) {
		c->tx.unsent = unsent;
		mem_conn_unsent(c, unsent);
	}
	eng_reap(eng);
}

void rt_on_conn_closed(struct rt_engine *eng, rt_conn_id id)
{
	struct conn *c = eng_conn_find(eng, id);
	if (c != NULL)
		conn_lost(c);
	eng_reap(eng);
}

void rt_on_disk_done(struct rt_engine *eng, struct rt_disk_io *io)
{
	scsi_disk_done(io);
	eng_reap(eng);
}

void rt_on_time(struct rt_engine *eng)
{
	uint64_t now = eng_now(eng);
	struct conn *c = eng->conns;
	while (c) {
		struct conn *next = c->next;
		uint64_t d = conn_deadline(c);
		if (d != 0 && d <= now)
			conn_time(c, now);
		c = next;
	}
	/* ERL 2: tasks of failed connections past Time2Retain (erl2.h).
	 * Closing a session only marks it; it is freed by eng_reap. */
	erl2_on_time(eng, now);
	eng_reap(eng);
}

uint64_t rt_next_deadline(const struct rt_engine *eng)
{
	uint64_t best = UINT64_MAX;
	for (const struct conn *c = eng->conns; c; c = c->next) {
		uint64_t d = conn_deadline(c);
		if (d != 0 && d < best)
			best = d;
	}
	uint64_t d = erl2_next_deadline(eng);
	if (d != 0 && d < best)
		best = d;
	return best;
}

void rt_engine_shutdown(struct rt_engine *eng)
{
	if (eng->shutting_down)
		return;
	eng->shutting_down = true;
	uint32_t timeout_ms = eng->cfg->params.logout_timeout_ms;
	struct conn *c = eng->conns;
	while (c) {
		struct conn *next = c->next;
		conn_request_logout(c, timeout_ms);
		c = next;
	}
	/* Sessions waiting at ERL 2 with no connection (erl2.h) have no one
	 * to ask: they end now. */
	for (struct session *s = eng->sessions; s; s = s->next)
		if (!s->closed && s->nconns == 0)
			sess_close(s);
	eng_reap(eng);
}

bool rt_engine_idle(const struct rt_engine *eng)
{
	if (eng->nconns != 0)
		return false;
	/* A closed session lives until its last task is done, and a task
	 * whose write is in the storage path is not done: a stop that ended
	 * here would let that write land after the process is gone, and
	 * after whatever the next owner of the storage wrote (SAM-5 §5.6: a
	 * task ends when the device server is done with it). */
	for (const struct session *s = eng->sessions; s; s = s->next)
		if (s->nactive != 0)
			return false;
	return true;
}

void rt_engine_stats(const struct rt_engine *eng, struct rt_stats *out)
{
	*out = eng->stats;
	out->mem_bytes = mem_used(eng);
	out->mem_bytes_peak = eng->mem.peak_bytes;
}
