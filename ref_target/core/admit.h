/* admit: admission control, the engine's defences against hostile clients
 * that would lock everyone else out without ever logging in (idle or
 * trickling sockets, connection churn) or by holding every session slot.
 *
 * The rules, each with its knob in rt_params_cfg and its default and
 * reason in limits.h:
 *  - at accept, per source address (struct rt_peer, the port ignored): at
 *    most max_conns_per_source connections, of which at most
 *    max_login_conns_per_source still logging in, and new connections at
 *    login_rate_per_source per second with a burst of
 *    login_burst_per_source (a token bucket, kept as GCRA's theoretical
 *    arrival time); beyond any of them the connection is refused;
 *  - connections still logging in (before full feature phase) use at most
 *    RT_CONNS_MAX - reserved_session_conns slots, so logged-in sessions
 *    keep room; a new connection beyond that, or with the table full,
 *    evicts the oldest connection still logging in (one that never sent a
 *    whole Login PDU first) instead of being refused; it is refused only
 *    when every slot is in full feature phase;
 *  - a connection that sends no whole Login PDU within prelogin_timeout_ms
 *    is closed (conn.c, its login deadline);
 *  - a new session beyond max_sessions_per_initiator (by InitiatorName),
 *    max_sessions_per_source (by the leading connection's address) or
 *    RT_SESSIONS_MAX gets Login status 0x0302.
 * Every refusal and eviction is counted in struct rt_stats. Time is the
 * environment's clock only: the simulator replays all of it exactly.
 *
 * Owns: the rate table inside struct rt_engine (RT_RATE_SOURCES_MAX
 * sources; a new source beyond them replaces the one whose bucket is
 * fullest). Connection and session counts are not kept: they are counted
 * from the engine's lists when asked, so no path can leave them wrong.
 */
#ifndef RT_ADMIT_H
#define RT_ADMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "rt_env.h"

struct rt_engine;

/* One source's connection rate: GCRA (ITU-T I.371), equivalent to a token
 * bucket. tat_ns <= now: a full bucket, nothing worth remembering. */
struct admit_rate {
	struct rt_peer peer; /* RT_PEER_NONE: a free entry */
	uint64_t tat_ns;     /* theoretical arrival time of the next connection */
};

/* The peer as the engine keys it: NULL and unknown families become
 * RT_PEER_NONE, an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2) its IPv4
 * address, unused address bytes zero. */
void admit_peer_norm(struct rt_peer *out, const struct rt_peer *in);
/* The same source: both known and equal (normalized peers). */
bool admit_same_source(const struct rt_peer *a, const struct rt_peer *b);

/* May a new connection from peer (normalized) come in? 0: yes, after
 * perhaps evicting an older one still logging in; -1: refused. */
int admit_conn(struct rt_engine *eng, const struct rt_peer *peer);

/* May a new session led by a connection from peer for initiator be
 * created? ISCSI_LOGIN_OK, or the Login status to answer. */
uint16_t admit_session(struct rt_engine *eng, const struct rt_peer *peer, const char *initiator);

#endif
