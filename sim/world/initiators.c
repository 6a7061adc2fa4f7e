/* world/initiators: the world's initiators: for each, P sessions (one per path) under
 * a multipath device driven by a workload, glued to the simulated network
 * and to the data oracle. */
#include <stdio.h>
#include <string.h>

#include "sim/base/time.h"
#include "sim/spec/scenario.h"
#include "sim/world/world_int.h"

#define WINI_PR_KEY_BASE 0x1515000000000000ull /* initiator i's reservation key: base + i */

static struct world *world_of(const struct isess *s)
{
	return ((const struct wpath *)s->user)->w;
}

static void sess_connect(void *ctx, struct isess *s)
{
	(void)ctx;
	struct wpath *p = s->user;
	p->conn = simnet_connect(&p->w->net, p->ini, p->idx, p->gw, p);
}

static void sess_send(void *ctx, struct isess *s, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	struct wpath *p = s->user;
	if (p->conn != NULL)
		simnet_send(&p->w->net, p->conn, SIMNET_INI, iov, iovcnt);
}

static void sess_disconnect(void *ctx, struct isess *s, bool graceful)
{
	(void)ctx;
	struct wpath *p = s->user;
	if (p->conn != NULL && graceful)
		simnet_close(&p->w->net, p->conn, SIMNET_INI);
	else if (p->conn != NULL)
		simnet_abort(&p->w->net, p->conn, SIMNET_INI);
	p->conn = NULL;
}

/* Completions go through the event queue: the multipath layer reacts to
 * them (retries, new commands) outside the session's own call stack. */
static void ev_cmd_done(void *a, void *b, uint64_t path)
{
	struct wini *in = a;
	struct icmd *c = b;
	wtimer_touch(&in->timer);
	mpath_cmd_done(&in->mp, in->w->q.now, (unsigned)path, c);
}

static void sess_sent(void *ctx, struct isess *s, struct icmd *c)
{
	(void)ctx;
	struct wpath *p = s->user;
	uint64_t ver = c->owner != NULL ? wl_version_of(c->owner) : 0;
	if (ver != 0 && p->conn != NULL)
		oatt_sent(&p->w->att, ver, p->conn->id, p->gw);
	wpr_sent(p->w, p->gw, c);
}

static void ev_pr_done(void *a, void *b, uint64_t arg)
{
	(void)arg;
	wpr_act_done(a, b);
}

static void sess_done(void *ctx, struct isess *s, struct icmd *c)
{
	struct wini *in = ctx;
	struct wpath *p = s->user;
	/* An answer from the target (status, abort, reject) ends the copy
	 * sent on this connection; a transport failure ends nothing. */
	uint64_t ver = c->owner != NULL ? wl_version_of(c->owner) : 0;
	if (ver != 0 && c->result != ICMD_TRANSPORT && p->conn != NULL)
		oatt_answered(&p->w->att, ver, p->conn->id, in->w->q.now);
	wpr_answered(in->w, in->idx, p->idx, p->gw, c);
	if (wpr_owns(in->w, c))
		evq_push(&in->w->q, in->w->q.now, ev_pr_done, in->w, c, 0);
	else /* multipath hears of it on the path it sent it on (MC/S: it may have moved) */
		evq_push(&in->w->q, in->w->q.now, ev_cmd_done, in, c, (uint64_t)((struct wpath *)c->home->user)->idx);
}

/* ERL 2: a command reassigned or retried on the path's new connection
 * may land through it (oracle/attempts.h): an attempt there too. */
static void sess_moved(void *ctx, struct isess *s, struct icmd *c)
{
	(void)ctx;
	struct wpath *p = s->user;
	uint64_t ver = c->owner != NULL ? wl_version_of(c->owner) : 0;
	if (ver != 0 && p->conn != NULL)
		oatt_moved(&p->w->att, ver, p->conn->id, p->gw);
}

static const char *const sess_event_names[] = {
	[ISE_UP] = "up", [ISE_DOWN] = "down", [ISE_FAILED] = "replacement_timeout",
	[ISE_CLOSED] = "logged_out", [ISE_NOP_TIMEOUT] = "nop_timeout", [ISE_ABORT] = "abort_task",
	[ISE_ASYNC] = "async", [ISE_REJECT] = "reject", [ISE_LOGIN_FAILED] = "login_failed",
	[ISE_ESCALATE] = "tmf_escalation", [ISE_CONN_RECOVERED] = "conn_recovered",
	[ISE_ERL2_FALLBACK] = "erl2_fallback",
};

static void sess_event(void *ctx, struct isess *s, enum isess_event ev, uint32_t detail, const char *why)
{
	struct wini *in = ctx;
	struct wpath *p = s->user;
	struct world *w = world_of(s);
	char esc[128];
	trace_json_escape(esc, sizeof(esc), why ? why : "");
	trace_ev(w->tr, w->q.now, TEV_SESS, sess_event_names[ev], in->idx, p->idx, detail, (uint64_t)p->gw,
		",\"gw\":%d,\"detail\":%u,\"why\":\"%s\"", p->gw, detail, esc);
	wtimer_touch(&in->timer);
	switch (ev) {
	case ISE_UP:
		if (p->down_at != SIM_NEVER && w->q.now - p->down_at > p->relogin_max_ns)
			p->relogin_max_ns = w->q.now - p->down_at;
		p->down_at = SIM_NEVER;
		mpath_path_up(&in->mp, w->q.now, (unsigned)p->idx);
		world_cov(w, COV_SESS_LOGIN);
		if (s->cfg->login.chap_user != NULL)
			world_cov(w, COV_SESS_LOGIN_CHAP);
		if (s->stats.logins > 1)
			world_cov(w, COV_SESS_REINSTATED);
		if (s->stats.resends > 0)
			world_cov(w, COV_SESS_RESEND);
		break;
	case ISE_FAILED:
		world_cov(w, COV_SESS_REPLACEMENT_TIMEOUT);
		break;
	case ISE_CLOSED:
		world_cov(w, COV_SESS_LOGOUT);
		break;
	case ISE_NOP_TIMEOUT:
		world_cov(w, COV_SESS_NOP_TIMEOUT);
		break;
	case ISE_ABORT:
		world_cov(w, COV_SESS_ABORT_TASK);
		break;
	case ISE_ASYNC:
		if (detail == ISCSI_ASYNC_LOGOUT_REQUEST)
			world_cov(w, COV_SESS_ASYNC_LOGOUT);
		break;
	case ISE_REJECT:
		world_cov(w, COV_SESS_REJECT);
		break;
	case ISE_LOGIN_FAILED:
		world_cov(w, COV_SESS_LOGIN_FAILED);
		break;
	case ISE_DOWN:
		p->down_at = w->q.now;
		break;
	case ISE_ESCALATE:
		world_cov(w, COV_SESS_TMF_ESCALATION);
		break;
	case ISE_CONN_RECOVERED: /* ERL 2: after ISE_UP */
	case ISE_ERL2_FALLBACK:
		break;
	}
}

/* A persistent reservation excludes every initiator without a key from
 * writing (every type of SPC-4 §5.13.1 does): a write of theirs, issued
 * after the holder's RESERVE was acknowledged, must be answered
 * RESERVATION CONFLICT through every gateway. */
static void check_reservation(struct wini *in, const struct mp_io *io)
{
	struct world *w = in->w;
	const struct wini *holder = w->p->pr.holder >= 0 ? &w->inis[w->p->pr.holder] : NULL;
	if (holder == NULL || in->mp.pr_key != 0 || io->result != MP_OK || !wl_io_writes(io))
		return;
	uint64_t since = holder->wl.pr_held_since;
	if (since == SIM_NEVER || wl_io_invoked(io) < since)
		return;
	world_violation(w, ORACLE_RESERVATION,
		"initiator %d wrote through gateway %d (GOOD) although initiator %d has held a type %u persistent reservation since %.6f s and it holds no key",
		in->idx, io->last_gw, w->p->pr.holder, w->p->pr.type, (double)since / 1e9);
}

static void mp_done(void *ctx, struct mpath *mp, struct mp_io *io)
{
	(void)mp;
	struct wini *in = ctx;
	struct world *w = in->w;
	check_reservation(in, io);
	wl_io_done(&in->wl, w->q.now, io);
	if (io->result == MP_NO_PATH || io->result == MP_RETRIES)
		world_cov(w, COV_IO_FAILED_UP);
	if (in->wl.failed)
		world_violation_data(w, in->idx, "initiator %d: %s", in->idx, w->od.why);
	else if (in->wl.bad_answer)
		world_violation_at(w, ORACLE_COMMAND, &(struct violation_site){ .ini = in->idx }, "initiator %d: %s",
			in->idx, in->wl.answer_why);
}

struct note_cov {
	const char *what;
	enum cov_point cov;
};

static const struct note_cov note_covs[] = {
	{ "path_fail_io", COV_MP_PATH_FAIL_IO },
	{ "path_fail_checker", COV_MP_PATH_FAIL_CHECKER },
	{ "path_fail_checker_timeout", COV_MP_PATH_FAIL_CHECKER },
	{ "path_fail_standby", COV_MP_PATH_FAIL_STANDBY },
	{ "path_fail_transition", COV_MP_PATH_FAIL_TRANSITION },
	{ "path_fail_lun", COV_MP_PATH_FAIL_LUN },
	{ "path_fail_handler", COV_MP_HANDLER_REFUSED },
	{ "marginal_held", COV_MP_MARGINAL_HELD },
	{ "marginal_cleared", COV_MP_MARGINAL_CLEARED },
	{ "reinstate", COV_MP_REINSTATE },
	{ "failback", COV_MP_FAILBACK },
	{ "no_path_retry_expired", COV_MP_NO_PATH_FAIL },
	{ "unit_attention", COV_MP_UNIT_ATTENTION },
	{ "io_busy", COV_MP_BUSY_RETRY },
	{ "io_aborted", COV_MP_IO_ABORTED },
	{ "alua_optimized", COV_MP_ALUA_STATE },
	{ "alua_nonoptimized", COV_MP_ALUA_STATE },
	{ "alua_standby", COV_MP_ALUA_STATE },
};

static void mp_note(void *ctx, struct mpath *mp, const char *what, int path)
{
	(void)mp;
	struct wini *in = ctx;
	struct world *w = in->w;
	trace_ev(w->tr, w->q.now, TEV_PATH, what, in->idx, path, mpath_active_paths(&in->mp), 0,
		",\"active_paths\":%u", mpath_active_paths(&in->mp));
	for (size_t i = 0; i < sizeof(note_covs) / sizeof(note_covs[0]); i++)
		if (strcmp(note_covs[i].what, what) == 0)
			world_cov(w, note_covs[i].cov);
}

static void mp_activate(void *ctx, struct mpath *mp, int path)
{
	struct wini *in = ctx;
	wcluster_activate(in->w, in->idx, mp->paths[path].gw);
}

/* The gateway this initiator's multipath prefers (its static priority). */
static int preferred_gw(const struct world *w, int ini)
{
	const struct sim_params *p = w->p;
	switch (p->cluster.prefer) {
	case PREFER_OWNER:
		return p->cluster.optimized;
	case PREFER_SPREAD:
		return ini % p->gateways;
	case PREFER_AUTO:
		break;
	}
	/* One gateway is active/optimized: with the disk's exclusive lock,
	 * the LU's owner for everyone (Ceph iSCSI); without it, each
	 * initiator prefers its own, spreading the load. */
	return p->disk.exclusive_lock ? p->cluster.optimized : ini % p->gateways;
}

static const struct isess_ops sess_ops = {
	.connect = sess_connect, .send = sess_send, .disconnect = sess_disconnect,
	.done = sess_done, .sent = sess_sent, .moved = sess_moved, .event = sess_event,
};

/* ISID: type "random" (RFC 7143 §11.12.5), then initiator, the path's
 * ISID generation (0 unless a relogin asked for a new one) and path. */
static void isid_of(const struct wpath *p, uint8_t isid[6])
{
	/* MC/S: the session's connections share its ISID (its leader's path) */
	const uint8_t v[6] = { 0x80, 0x00, (uint8_t)p->ini, (uint8_t)p->isid_gen, (uint8_t)(p->idx - (int)p->cid), 0x01 };
	memcpy(isid, v, 6);
}

void wini_init(struct world *w, struct wini *in)
{
	const struct sim_params *p = w->p;
	in->w = w;
	in->timer.at = SIM_NEVER;
	in->path_fails_run = SIM_NEVER;
	in->icfg = w->icfg;
	if (p->id.n_acls != 0) {
		/* a LIO file's node ACLs: initiator i is ACL i mod n, with its CHAP */
		const struct sim_id_acl *a = &p->id.acls[(unsigned)in->idx % p->id.n_acls];
		snprintf(in->name, sizeof(in->name), "%s", a->initiator);
		in->icfg.login.chap_user = a->chap_user;
		in->icfg.login.chap_secret = a->chap_secret;
		in->icfg.login.target_user = a->target_user;
		in->icfg.login.target_secret = a->target_secret;
		in->icfg.login.skip_security = p->ini.skip_security && a->chap_user == NULL;
	} else {
		snprintf(in->name, sizeof(in->name), "iqn.2024-01.org.isim:host%d", in->idx);
	}
	in->icfg.login.initiator_name = in->name;
	struct mpath_ops mops = { .ctx = in, .done = mp_done, .note = mp_note, .activate = mp_activate };
	in->mpcfg = p->mp;
	in->mpcfg.alua_explicit = p->cluster.alua == ALUA_MODE_EXPLICIT;
	mpath_init(&in->mp, &in->mpcfg, &mops);
	/* The reservation holder's key (multipath.conf reservation_key). */
	if (p->pr.holder == in->idx)
		mpath_set_pr_key(&in->mp, WINI_PR_KEY_BASE + (uint64_t)in->idx, p->pr.aptpl);
	struct isess_ops ops = sess_ops;
	ops.ctx = in;
	unsigned nc = p->ini.connections;
	if (nc > 1)
		in->icfg.login.max_connections = nc; /* §13.2: offered; the session takes the minimum */
	for (int k = 0; k < wini_npaths(w); k++) {
		struct wpath *path = &in->paths[k];
		path->w = w;
		path->ini = in->idx;
		path->idx = k;
		path->cid = (unsigned)k % nc;
		path->gw = (in->idx + k / (int)nc) % p->gateways;
		path->down_at = SIM_NEVER;
		struct sim_rng rng;
		rng_stream(&rng, p->seed, "session", (uint32_t)(in->idx * SIM_PATHS_MAX + k));
		uint8_t isid[6];
		isid_of(path, isid);
		isess_init(&path->sess, &in->icfg, &ops, w->mem, &rng, isid);
		path->sess.user = path;
		uint32_t prio = path->gw == preferred_gw(w, in->idx) ? 50 : 10;
		if (path->cid > 0)
			isess_mcs_join(&in->paths[k - (int)path->cid].sess, &path->sess, path->cid);
		mpath_add_path(&in->mp, &path->sess, path->gw, (uint16_t)(path->gw + 1), prio);
	}
	struct sim_rng rng;
	rng_stream(&rng, p->seed, "workload", (uint32_t)in->idx);
	in->wlcfg = w->wlcfg;
	scenario_host_workload(p, in->idx, &in->wlcfg);
	wl_init(&in->wl, &in->wlcfg, w->mem, &rng, &w->od, &in->mp, w->tr, in->idx);
	if (p->pr.holder == in->idx)
		wl_set_reservation(&in->wl, in->mp.pr_key, (uint8_t)p->pr.type, p->pr.at_ns);
}

void wini_fini(struct wini *in)
{
	for (int k = 0; k < wini_npaths(in->w); k++)
		isess_fini(&in->paths[k].sess);
	wl_fini(&in->wl);
}

void wini_start(struct wini *in)
{
	for (int k = 0; k < wini_npaths(in->w); k++)
		isess_start(&in->paths[k].sess, in->w->q.now);
	wtimer_touch(&in->timer);
}

void wini_logout(struct wini *in)
{
	/* Logging out takes every path down: those are not failures. */
	in->path_fails_run = in->mp.stats.path_fails;
	for (int k = 0; k < wini_npaths(in->w); k++)
		isess_logout(&in->paths[k].sess, in->w->q.now);
	wtimer_touch(&in->timer);
}

void wini_host_down(struct wini *in, int gw, bool exits)
{
	for (int k = 0; k < wini_npaths(in->w); k++) {
		struct wpath *p = &in->paths[k];
		if (gw >= 0 && p->gw != gw)
			continue;
		if (exits)
			isess_kill(&p->sess, in->w->q.now);
		else
			isess_logout(&p->sess, in->w->q.now);
	}
	wtimer_touch(&in->timer);
}

#define WINI_REOPEN_RETRY_NS SIM_MS(100) /* a logout still under way when the host comes back: look again */

static void ev_host_up(void *a, void *b, uint64_t arg)
{
	(void)b;
	struct wini *in = a;
	wini_host_up(in, (int)arg - 1, false);
}

void wini_host_up(struct wini *in, int gw, bool new_isid)
{
	bool again = false;
	/* The world's own final logout (wini_logout) is for good. */
	if (in->path_fails_run != SIM_NEVER)
		return;
	for (int k = 0; k < wini_npaths(in->w); k++) {
		struct wpath *p = &in->paths[k];
		if (gw >= 0 && p->gw != gw)
			continue;
		if (p->sess.state != ISS_CLOSED) {
			/* Its Logout is not answered yet (logout_timeout bounds
			 * it): look again. A session that is up (an earlier
			 * logout already came back) stays as it is. */
			again = again || p->sess.logging_out;
			continue;
		}
		if (new_isid && !p->isid_flipped)
			p->isid_gen ^= 1u;
		p->isid_flipped = false;
		uint8_t isid[6];
		isid_of(p, isid);
		isess_reopen(&p->sess, in->w->q.now, isid);
		/* MC/S: a connection that joined its live session took the
		 * session's ISID (isess_reopen): its nexus is that one */
		p->isid_gen = p->sess.isid[3];
	}
	if (again) {
		/* Paths still logging out keep the new ISID asked for. */
		for (int k = 0; k < wini_npaths(in->w); k++) {
			struct wpath *p = &in->paths[k];
			if ((gw < 0 || p->gw == gw) && p->sess.logging_out && p->sess.state != ISS_CLOSED && new_isid &&
				!p->isid_flipped) {
				p->isid_gen ^= 1u;
				p->isid_flipped = true;
			}
		}
		evq_push(&in->w->q, in->w->q.now + WINI_REOPEN_RETRY_NS, ev_host_up, in, NULL, (uint64_t)(gw + 1));
	}
	wtimer_touch(&in->timer);
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static uint64_t deadline(struct wini *in)
{
	uint64_t d = min_u64(mpath_next_deadline(&in->mp), wl_next_deadline(&in->wl));
	for (int k = 0; k < wini_npaths(in->w); k++)
		d = min_u64(d, isess_next_deadline(&in->paths[k].sess));
	return d;
}

static void ev_ini_timer(void *a, void *b, uint64_t gen)
{
	(void)b;
	struct wini *in = a;
	if (gen != in->timer.gen)
		return;
	uint64_t now = in->w->q.now;
	in->timer.at = SIM_NEVER;
	wtimer_touch(&in->timer);
	for (int k = 0; k < wini_npaths(in->w); k++)
		if (isess_next_deadline(&in->paths[k].sess) <= now)
			isess_on_time(&in->paths[k].sess, now);
	if (mpath_next_deadline(&in->mp) <= now)
		mpath_on_time(&in->mp, now);
	if (wl_next_deadline(&in->wl) <= now)
		wl_on_time(&in->wl, now);
}

void wini_rearm(struct wini *in)
{
	in->timer.dirty = false;
	uint64_t d = deadline(in);
	/* An event already due earlier looks again when it fires. */
	if (d >= in->timer.at)
		return;
	in->timer.at = d;
	in->timer.gen++;
	evq_push(&in->w->q, d, ev_ini_timer, in, NULL, in->timer.gen);
}

void wini_connected(struct wpath *p, struct simnet_conn *c, bool ok)
{
	struct wini *in = &p->w->inis[p->ini];
	wtimer_touch(&in->timer);
	if (p->conn != c) {
		/* The session gave up on this connection already. */
		if (ok)
			simnet_close(&p->w->net, c, SIMNET_INI);
		return;
	}
	if (ok) {
		isess_on_connected(&p->sess, p->w->q.now);
		return;
	}
	p->conn = NULL;
	isess_on_connect_failed(&p->sess, p->w->q.now);
}

void wini_deliver(struct wpath *p, struct simnet_conn *c, const uint8_t *data, size_t len)
{
	if (p->conn != c)
		return;
	wtimer_touch(&p->w->inis[p->ini].timer);
	isess_on_bytes(&p->sess, p->w->q.now, data, len);
}

void wini_closed(struct wpath *p, struct simnet_conn *c)
{
	simnet_close(&p->w->net, c, SIMNET_INI);
	if (p->conn != c)
		return;
	p->conn = NULL;
	wtimer_touch(&p->w->inis[p->ini].timer);
	isess_on_closed(&p->sess, p->w->q.now);
}
