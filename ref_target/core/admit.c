/* admit: see admit.h. */
#include "admit.h"

#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "engine_int.h"
#include "pdu.h"
#include "session.h"

#define NS_PER_S 1000000000ull

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void admit_peer_norm(struct rt_peer *out, const struct rt_peer *in)
{
	memset(out, 0, sizeof(*out));
	if (in == NULL)
		return;
	if (in->family == RT_PEER_IPV4) {
		out->family = RT_PEER_IPV4;
		memcpy(out->addr, in->addr, 4);
	} else if (in->family == RT_PEER_IPV6 && memcmp(in->addr, v4_mapped_prefix, 12) == 0) {
		/* A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: the
		 * same host either way. */
		out->family = RT_PEER_IPV4;
		memcpy(out->addr, in->addr + 12, 4);
	} else if (in->family == RT_PEER_IPV6) {
		out->family = RT_PEER_IPV6;
		memcpy(out->addr, in->addr, 16);
	}
}

bool admit_same_source(const struct rt_peer *a, const struct rt_peer *b)
{
	return a->family != RT_PEER_NONE && a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

static void admit_log_peer(const struct rt_peer *p, char *out, size_t len)
{
	const uint8_t *a = p->addr;
	if (p->family == RT_PEER_IPV4)
		snprintf(out, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	else if (p->family == RT_PEER_IPV6)
		snprintf(out, len, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
			 a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
			 a[14], a[15]);
	else
		snprintf(out, len, "an unknown source");
}

/* How much an entry still remembers: 0 for a free entry or a full bucket
 * (nothing to lose by reusing it), else its theoretical arrival time. */
static uint64_t admit_rate_debt(const struct admit_rate *e, uint64_t now)
{
	return e->peer.family == RT_PEER_NONE || e->tat_ns <= now ? 0 : e->tat_ns;
}

/* The rate entry of peer: its own, else the one that remembers least (a
 * free one, a full bucket, else the fullest bucket). */
static struct admit_rate *admit_rate_entry(struct rt_engine *eng, const struct rt_peer *peer, uint64_t now)
{
	struct admit_rate *spare = &eng->rate[0];
	for (uint32_t i = 0; i < RT_RATE_SOURCES_MAX; i++) {
		struct admit_rate *e = &eng->rate[i];
		if (admit_same_source(&e->peer, peer))
			return e;
		if (admit_rate_debt(e, now) < admit_rate_debt(spare, now))
			spare = e;
	}
	spare->peer = *peer;
	spare->tat_ns = 0;
	return spare;
}

/* One connection's worth of the source's bucket, if there is one. GCRA:
 * connections are spaced interval apart on average, and may run up to
 * tolerance ahead of that schedule (burst - 1 intervals). */
static bool admit_rate_take(struct rt_engine *eng, const struct rt_peer *peer)
{
	const struct rt_params_cfg *p = &eng->cfg->params;
	if (p->login_rate_per_source == 0)
		return true;
	uint64_t now = eng_now(eng);
	uint64_t interval = NS_PER_S / p->login_rate_per_source;
	uint64_t tolerance = (uint64_t)(p->login_burst_per_source - 1) * interval;
	struct admit_rate *e = admit_rate_entry(eng, peer, now);
	uint64_t tat = e->tat_ns > now ? e->tat_ns : now;
	if (tat - now > tolerance)
		return false;
	e->tat_ns = tat + interval;
	return true;
}

/* Which of two connections still logging in goes first when room is
 * needed: one that never sent a whole Login PDU (an idle socket is what a
 * flood is made of), then the older. The list is newest first, so on equal
 * times the later one seen is the older. */
static bool admit_evict_before(const struct conn *c, const struct conn *than)
{
	if (c->login_started != than->login_started)
		return !c->login_started;
	return c->accept_ns <= than->accept_ns;
}

int admit_conn(struct rt_engine *eng, const struct rt_peer *peer)
{
	const struct rt_params_cfg *p = &eng->cfg->params;
	uint32_t from = 0, from_login = 0, login = 0;
	struct conn *victim = NULL, *own = NULL;
	char who[48];
#ifdef RT_PLANT_BUG_admission_undefended
	/* Planted (sim/planted-bugs.txt): the engine before issue 12's
	 * defects 2 and 4 were fixed: first come, first served. No rate or
	 * share per source and no eviction (and no session quota, in
	 * admit_session; a silent socket keeps the whole login timeout,
	 * conn.c): idle sockets or one initiator's sessions that fill the
	 * tables keep a real initiator out until they go. */
	(void)p, (void)victim, (void)own, (void)who;
	if (eng->nconns < RT_CONNS_MAX)
		return 0;
	eng->stats.conns_refused_full++;
	return -1;
#endif
	for (struct conn *c = eng->conns; c; c = c->next) {
		bool same = admit_same_source(&c->peer, peer);
		from += same;
		if (c->state != CONN_LOGIN)
			continue;
		login++;
		from_login += same;
		if (victim == NULL || admit_evict_before(c, victim))
			victim = c;
		if (same && (own == NULL || admit_evict_before(c, own)))
			own = c;
	}
	admit_log_peer(peer, who, sizeof(who));
	if (peer->family != RT_PEER_NONE) {
		/* Every attempt spends from the bucket, refused or not: a source
		 * that hammers stays slowed down once it is under its limits. */
		if (!admit_rate_take(eng, peer)) {
			eng->stats.conns_refused_rate++;
			eng_log(eng, RT_LOG_DEBUG, "refusing a connection from %s: more than %u a second",
				who, p->login_rate_per_source);
			return -1;
		}
		/* A source at its share of logins makes room from its own
		 * (the idle ones first): a flood from an address cannot keep
		 * out a real initiator on the same host, whose Login PDU comes
		 * at once and so outlives every silent socket. */
		if (from_login >= p->max_login_conns_per_source && own != NULL) {
			eng->stats.conns_evicted++;
			if (own == victim)
				victim = NULL;
			conn_drop(own, own->login_started ? "evicted: the oldest login from its address"
							  : "evicted: no Login PDU yet, the oldest from its address");
			from--;
			login--;
			if (victim == NULL && login > 0) /* the next one, if room is needed below */
				for (struct conn *c = eng->conns; c; c = c->next)
					if (c->state == CONN_LOGIN && (victim == NULL || admit_evict_before(c, victim)))
						victim = c;
		}
		if (from >= p->max_conns_per_source) {
			eng->stats.conns_refused_source++;
			eng_log(eng, RT_LOG_DEBUG, "refusing a connection from %s: it holds %u (%u logging in)",
				who, from, from_login);
			return -1;
		}
	}
	if (eng->nconns < RT_CONNS_MAX && login < RT_CONNS_MAX - p->reserved_session_conns)
		return 0;
	if (victim == NULL) {
		eng->stats.conns_refused_full++;
		eng_log(eng, RT_LOG_WARN, "refusing a connection from %s: all %u connections are logged in",
			who, eng->nconns);
		return -1;
	}
	eng->stats.conns_evicted++;
	conn_drop(victim, victim->login_started ? "evicted: the oldest login, to make room"
						: "evicted: no Login PDU yet, to make room");
	return 0;
}

uint16_t admit_session(struct rt_engine *eng, const struct rt_peer *peer, const char *initiator)
{
	const struct rt_params_cfg *p = &eng->cfg->params;
	uint32_t by_name = 0, by_source = 0;
	for (const struct session *s = eng->sessions; s; s = s->next) {
		if (s->closed)
			continue;
		by_name += strcmp(s->initiator, initiator) == 0;
		by_source += admit_same_source(&s->peer, peer);
	}
	/* RFC 7143 §11.13.5: a quota is the target running short of sessions
	 * for this initiator, so status class 3 "Target Error", 0x0302 "Out
	 * of resources: the target has insufficient session, connection, or
	 * other resources", which invites a retry later (when one of its
	 * sessions has ended). Not 0x0206 "Too many connections": that one
	 * is about the connections of one session (MaxConnections, which
	 * sess_login_check answers with it), and class 2 says the initiator
	 * erred and should not retry as is. */
	if (eng->nsessions >= RT_SESSIONS_MAX) {
		eng->stats.sessions_refused_full++;
		eng_log(eng, RT_LOG_WARN, "refusing a session for %s: %u sessions, the most we hold", initiator,
			eng->nsessions);
		return ISCSI_LOGIN_OUT_OF_RESOURCES;
	}
#ifdef RT_PLANT_BUG_admission_undefended
	/* Planted (admit_conn): only the table's size limits sessions, so
	 * one initiator name that logs in hundreds of them takes them all. */
	(void)by_name, (void)by_source;
	return ISCSI_LOGIN_OK;
#endif
	if (by_name >= p->max_sessions_per_initiator) {
		eng->stats.sessions_refused_initiator++;
		eng_log(eng, RT_LOG_INFO, "refusing a session for %s: it holds %u (max_sessions_per_initiator)",
			initiator, by_name);
		return ISCSI_LOGIN_OUT_OF_RESOURCES;
	}
	if (by_source >= p->max_sessions_per_source) {
		char who[48];
		admit_log_peer(peer, who, sizeof(who));
		eng->stats.sessions_refused_source++;
		eng_log(eng, RT_LOG_INFO, "refusing a session for %s: %s holds %u (max_sessions_per_source)",
			initiator, who, by_source);
		return ISCSI_LOGIN_OUT_OF_RESOURCES;
	}
	return ISCSI_LOGIN_OK;
}
