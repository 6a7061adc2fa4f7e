/* world/attackers: hostile initiators (issue 12), one network node per attack
 * (spec/attack.h), next to the ordinary initiators:
 *   idle_flood   TCP connections that send nothing, or part of a Login
 *                Request, kept open until the target drops them and
 *                re-opened at a rate (the lock-out of RT_CONNS_MAX);
 *   session_hog  one initiator name logging in many sessions with
 *                distinct ISIDs (open access or the one CHAP secret) and
 *                keeping them (the lock-out of RT_SESSIONS_MAX);
 *   no_read      sessions that log in, stop reading their socket and
 *                pipeline large READs and NOP-Outs with data, blind, so
 *                the target's answers pile up behind a shut TCP window
 *                (simnet's flow control; memory bounded per connection
 *                only);
 *   reset        an initiator whose ACL maps only an LU of its own sends
 *                TARGET WARM/COLD RESET and LOGICAL UNIT RESET (RFC 7143
 *                §11.5.1) while the others have writes in flight.
 * Attackers are not judged: no oracle looks at their I/O, and their
 * blind pipelines are not run past the protocol oracle (a CmdSN beyond
 * MaxCmdSN is theirs, not the target's fault). The oracles judge the
 * other initiators. What they did and what the target answered are
 * counted (struct watk_stats, metrics atk_*) and traced (kind "attack").
 * Source addresses: connection k of attack i comes from 10.1.<node>.<s+1>
 * (node = initiators + i, s = k mod sources), as the pcap writes them. */
#include <stdio.h>

#include "sim/base/time.h"
#include "sim/world/world_int.h"

#define RESET_NAME "iqn.2024-01.org.isim:attacker-reset"
#define LOGIN_REQ_OPCODE 0x43u /* Login Request with the I bit (RFC 7143 §11.12) */
#define READ10 0x28u           /* SBC-3 §5.11 */
#define READ10_BLOCKS_MAX 65535u

const char *watk_reset_name(void) { return RESET_NAME; }

static void trace_atk(struct watk *a, const char *what, uint64_t x, uint64_t y)
{
	trace_ev(a->w->tr, a->w->q.now, TEV_ATTACK, what, a->node, a->idx, x, y,
		",\"kind\":\"%s\",\"gw\":%d,\"x\":%llu,\"y\":%llu", attack_kind_name(a->a->kind), a->a->gw,
		(unsigned long long)x, (unsigned long long)y);
}

struct watk *watk_of_node(struct world *w, int node)
{
	int i = node - w->p->initiators;
	return i >= 0 && (unsigned)i < w->p->attacks.n ? &w->atks[i] : NULL;
}

bool watk_checked(const struct watk *a)
{
	return a->a->kind != ATK_NO_READ;
}

static uint32_t next_source(struct watk *a)
{
	uint32_t s = a->next_src;
	a->next_src = (a->next_src + 1) % a->a->sources;
	return s;
}

/* ---- sessions (session_hog, no_read, reset) ---- */

static void sess_connect(void *ctx, struct isess *s)
{
	(void)ctx;
	struct watk_sess *ws = s->user;
	struct watk *a = ws->a;
	if (a->over)
		return; /* never answered: the session stays connecting, unused */
	a->st.conns++;
	ws->conn = simnet_connect(&a->w->net, a->node, (int)next_source(a), a->a->gw, ws);
}

static void sess_send(void *ctx, struct isess *s, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	struct watk_sess *ws = s->user;
	if (ws->conn != NULL)
		simnet_send(&ws->a->w->net, ws->conn, SIMNET_INI, iov, iovcnt);
}

static void sess_disconnect(void *ctx, struct isess *s, bool graceful)
{
	(void)ctx;
	(void)graceful;
	struct watk_sess *ws = s->user;
	if (ws->conn != NULL)
		simnet_abort(&ws->a->w->net, ws->conn, SIMNET_INI);
	ws->conn = NULL;
}

static void sess_done(void *ctx, struct isess *s, struct icmd *c)
{
	(void)ctx;
	(void)s;
	(void)c; /* attackers submit no tracked commands */
}

static void went_down(struct watk *a, struct watk_sess *ws)
{
	if (!ws->up)
		return;
	ws->up = false;
	a->st.sessions_up--;
}

static void sess_event(void *ctx, struct isess *s, enum isess_event ev, uint32_t detail, const char *why)
{
	(void)why;
	struct watk *a = ctx;
	struct watk_sess *ws = s->user;
	wtimer_touch(&a->timer);
	switch (ev) {
	case ISE_UP:
		a->st.logins++;
		ws->up = true;
		if (++a->st.sessions_up > a->st.sessions_max)
			a->st.sessions_max = a->st.sessions_up;
		trace_atk(a, "login", ws->idx, a->st.sessions_up);
		if (a->a->kind == ATK_NO_READ && ws->conn != NULL && !a->over) {
			/* From now on it never reads its socket. */
			ws->hostile = true;
			simnet_stop_reading(&a->w->net, ws->conn, SIMNET_INI);
		}
		break;
	case ISE_LOGIN_FAILED:
		a->st.login_failures++;
		world_cov(a->w, COV_ATTACK_LOGIN_REFUSED);
		trace_atk(a, "login_refused", ws->idx, detail);
		went_down(a, ws);
		break;
	case ISE_DOWN:
	case ISE_FAILED:
	case ISE_CLOSED:
		went_down(a, ws);
		break;
	default:
		break;
	}
}

static const struct isess_ops atk_sess_ops = {
	.connect = sess_connect, .send = sess_send, .disconnect = sess_disconnect, .done = sess_done,
	.event = sess_event,
};

static void start_session(struct watk *a)
{
	struct watk_sess *ws = &a->sess[a->nsess];
	ws->a = a;
	ws->idx = a->nsess++;
	struct sim_rng rng;
	rng_stream(&rng, a->w->p->seed, "attack.session", (uint32_t)(a->idx * ATTACK_COUNT_MAX + ws->idx));
	/* Distinct ISIDs of one initiator name: type "random" (RFC 7143
	 * §11.12.5), then the attack and the session's number. */
	const uint8_t isid[6] = { 0x80, 0xa0, (uint8_t)a->idx, (uint8_t)(ws->idx >> 8), (uint8_t)ws->idx, 0x01 };
	struct isess_ops ops = atk_sess_ops;
	ops.ctx = a;
	isess_init(&ws->sess, &a->icfg, &ops, a->w->mem, &rng, isid);
	ws->sess.user = ws;
	isess_start(&ws->sess, a->w->q.now);
}

/* no_read: one round of the blind pipeline on every hostile session. */
static void no_read_round(struct watk *a)
{
	const struct sim_params *p = a->w->p;
	uint64_t blocks = a->a->bytes / p->block_size;
	if (blocks > p->blocks)
		blocks = p->blocks;
	if (blocks > READ10_BLOCKS_MAX)
		blocks = READ10_BLOCKS_MAX;
	if (blocks == 0)
		blocks = 1;
	uint8_t cdb[16] = { READ10 };
	cdb[7] = (uint8_t)(blocks >> 8);
	cdb[8] = (uint8_t)blocks;
	for (unsigned i = 0; i < a->nsess; i++) {
		struct watk_sess *ws = &a->sess[i];
		if (!ws->hostile)
			continue;
		if (ws->conn != NULL && simnet_unsent(&a->w->net, ws->conn, SIMNET_INI) > 0) {
			/* Its socket's send buffer is full (the target stopped
			 * reading it: TCP's window is shut): a blocking send
			 * would wait, so this round is not sent. */
			a->st.rounds_blocked++;
			continue;
		}
		for (uint32_t k = 0; k < a->a->depth; k++)
			isess_raw_cmd(&ws->sess, 0, cdb, (uint32_t)(blocks * p->block_size), true);
		if (a->a->nop_bytes > 0)
			isess_raw_nop(&ws->sess, a->nop_data, a->a->nop_bytes);
		a->st.cmds += a->a->depth;
		a->st.nops += a->a->nop_bytes > 0;
	}
}

static const uint8_t reset_fns[] = { ISCSI_TMF_TARGET_WARM_RESET, ISCSI_TMF_TARGET_COLD_RESET,
	ISCSI_TMF_LOGICAL_UNIT_RESET };

static void reset_once(struct watk *a)
{
	struct watk_sess *ws = &a->sess[0];
	if (!isess_up(&ws->sess))
		return;
	unsigned which = a->a->tmf == ATMF_MIX ? a->tmf_turn++ % 3u : (unsigned)a->a->tmf;
	/* LUN 0 of its own view: its LU (and, permitted, the victims'). */
	isess_raw_tmf(&ws->sess, reset_fns[which], 0);
	a->st.tmfs++;
	trace_atk(a, "tmf", reset_fns[which], 0);
}

/* ---- idle flood ---- */

static void flood_open(struct watk *a)
{
	uint32_t src = next_source(a);
	a->live++;
	a->st.conns++;
	simnet_connect(&a->w->net, a->node, (int)src, a->a->gw, a);
}

/* ---- the attack's clock ---- */

static void stop(struct watk *a)
{
	a->over = true;
	a->next_at = SIM_NEVER;
	trace_atk(a, "stop", a->st.conns, a->st.conns_dropped);
	/* Every socket of this node goes away at once (RST). */
	for (size_t i = 0; i < a->w->net.nconns; i++) {
		struct simnet_conn *c = a->w->net.conns[i];
		if (c->ini == a->node && !c->dead && !c->closed[SIMNET_INI])
			simnet_abort(&a->w->net, c, SIMNET_INI);
	}
	for (unsigned i = 0; i < a->nsess; i++) {
		a->sess[i].conn = NULL;
		a->sess[i].hostile = false;
		went_down(a, &a->sess[i]);
	}
	a->live = 0;
}

static void act(struct watk *a)
{
	const struct attack *k = a->a;
	uint64_t now = a->w->q.now;
	if (!a->started) {
		a->started = true;
		trace_atk(a, "start", k->count, k->rate);
		static const enum cov_point started[ATK_KINDS] = { COV_ATTACK_IDLE_FLOOD, COV_ATTACK_SESSION_HOG,
			COV_ATTACK_NO_READ, COV_ATTACK_RESET };
		world_cov(a->w, started[k->kind]);
	}
	if (now >= k->at_ns + k->dur_ns) {
		stop(a);
		return;
	}
	switch (k->kind) {
	case ATK_IDLE_FLOOD:
		if (a->live < k->count)
			flood_open(a);
		a->next_at = now + SIM_S(1) / k->rate;
		break;
	case ATK_SESSION_HOG:
		if (a->nsess < k->count)
			start_session(a);
		a->next_at = a->nsess < k->count ? now + SIM_S(1) / k->rate : k->at_ns + k->dur_ns;
		break;
	case ATK_NO_READ:
		while (a->nsess < k->count)
			start_session(a);
		no_read_round(a);
		a->next_at = now + k->every_ns;
		break;
	case ATK_RESET:
		if (a->nsess == 0)
			start_session(a); /* logs in now, resets from the next turn on */
		else
			reset_once(a);
		a->next_at = now + k->every_ns;
		break;
	case ATK_KINDS:
		break;
	}
	if (a->next_at > k->at_ns + k->dur_ns)
		a->next_at = k->at_ns + k->dur_ns;
}

static uint64_t min_u64(uint64_t x, uint64_t y) { return x < y ? x : y; }

static uint64_t deadline(struct watk *a)
{
	uint64_t d = a->next_at;
	if (a->over)
		return d;
	for (unsigned i = 0; i < a->nsess; i++)
		if (!a->sess[i].hostile)
			d = min_u64(d, isess_next_deadline(&a->sess[i].sess));
	return d;
}

static void ev_atk_timer(void *x, void *y, uint64_t gen)
{
	(void)y;
	struct watk *a = x;
	if (gen != a->timer.gen)
		return;
	uint64_t now = a->w->q.now;
	a->timer.at = SIM_NEVER;
	wtimer_touch(&a->timer);
	if (a->over)
		return;
	for (unsigned i = 0; i < a->nsess; i++)
		if (!a->sess[i].hostile && isess_next_deadline(&a->sess[i].sess) <= now)
			isess_on_time(&a->sess[i].sess, now);
	if (a->next_at <= now)
		act(a);
}

void watk_rearm(struct watk *a)
{
	a->timer.dirty = false;
	uint64_t d = deadline(a);
	if (d >= a->timer.at)
		return;
	a->timer.at = d;
	a->timer.gen++;
	evq_push(&a->w->q, d, ev_atk_timer, a, NULL, a->timer.gen);
}

/* ---- the network ---- */

static struct watk_sess *sess_of(struct watk *a, struct simnet_conn *c)
{
	return a->a->kind == ATK_IDLE_FLOOD ? NULL : c->user[SIMNET_INI];
}

static void flood_lost(struct watk *a)
{
	a->st.conns_dropped++;
	world_cov(a->w, COV_ATTACK_CONN_DROPPED);
	if (a->live > 0)
		a->live--;
}

void watk_connected(struct watk *a, struct simnet_conn *c, bool ok)
{
	wtimer_touch(&a->timer);
	struct watk_sess *ws = sess_of(a, c);
	if (ws == NULL) {
		if (!ok) {
			flood_lost(a);
			return;
		}
		if (a->over) {
			simnet_abort(&a->w->net, c, SIMNET_INI);
			return;
		}
		/* Part of a Login Request's header, never the rest. */
		uint8_t bhs[48] = { LOGIN_REQ_OPCODE, 0x87 };
		if (a->a->partial > 0) {
			struct iovec v = { bhs, a->a->partial };
			simnet_send(&a->w->net, c, SIMNET_INI, &v, 1);
		}
		return;
	}
	if (ws->conn != c || a->over) {
		if (ok)
			simnet_abort(&a->w->net, c, SIMNET_INI);
		return;
	}
	if (ok) {
		isess_on_connected(&ws->sess, a->w->q.now);
		return;
	}
	a->st.conns_dropped++;
	world_cov(a->w, COV_ATTACK_CONN_DROPPED);
	ws->conn = NULL;
	isess_on_connect_failed(&ws->sess, a->w->q.now);
}

void watk_deliver(struct watk *a, struct simnet_conn *c, const uint8_t *p, size_t len)
{
	struct watk_sess *ws = sess_of(a, c);
	if (ws == NULL || ws->conn != c || ws->hostile || a->over)
		return; /* a flood connection reads nothing it is sent */
	wtimer_touch(&a->timer);
	isess_on_bytes(&ws->sess, a->w->q.now, p, len);
}

void watk_closed(struct watk *a, struct simnet_conn *c)
{
	simnet_close(&a->w->net, c, SIMNET_INI);
	wtimer_touch(&a->timer);
	if (a->over)
		return;
	struct watk_sess *ws = sess_of(a, c);
	if (ws == NULL) {
		flood_lost(a);
		trace_atk(a, "conn_dropped", c->id, a->live);
		/* The slot it held is free: take it again at once (the probe
		 * re-opened as soon as one was closed). */
		if (a->live < a->a->count)
			flood_open(a);
		return;
	}
	if (ws->conn != c)
		return;
	a->st.conns_dropped++;
	world_cov(a->w, COV_ATTACK_CONN_DROPPED);
	trace_atk(a, "conn_dropped", c->id, ws->idx);
	ws->conn = NULL;
	ws->hostile = false; /* it reads again while it logs in again */
	isess_on_closed(&ws->sess, a->w->q.now);
}

/* ---- life ---- */

void watk_init(struct world *w, struct watk *a)
{
	const struct attack *k = a->a;
	a->w = w;
	a->node = w->p->initiators + a->idx;
	a->timer.at = SIM_NEVER;
	a->next_at = k->at_ns;
	/* One initiator name per attack: the hog's many sessions share it. */
	if (k->kind == ATK_RESET)
		snprintf(a->name, sizeof(a->name), "%s", RESET_NAME);
	else
		snprintf(a->name, sizeof(a->name), "iqn.2024-01.org.isim:attacker%d", a->idx);
	a->icfg = w->icfg;
	a->icfg.login.initiator_name = a->name;
	a->icfg.noop_interval_ns = 0; /* its sessions answer the target's pings, send none */
	if (k->kind != ATK_IDLE_FLOOD)
		a->sess = sim_zalloc(w->mem, sizeof(*a->sess) * k->count);
	if (k->kind == ATK_NO_READ && k->nop_bytes > 0) {
		a->nop_data = sim_zalloc(w->mem, k->nop_bytes);
		memset(a->nop_data, 0xa5, k->nop_bytes);
	}
	wtimer_touch(&a->timer);
}

void watk_fini(struct watk *a)
{
	if (a->w == NULL)
		return;
	for (unsigned i = 0; i < a->nsess; i++)
		isess_fini(&a->sess[i].sess);
	if (a->sess != NULL)
		sim_free(a->w->mem, a->sess, sizeof(*a->sess) * a->a->count);
	if (a->nop_data != NULL)
		sim_free(a->w->mem, a->nop_data, a->a->nop_bytes);
}
