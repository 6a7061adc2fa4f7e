/* engine: the reference target as a sans-I/O state machine.
 *
 * The engine is driven only by the events below and acts only through the
 * rt_env it was created with. It never blocks, never reads the clock itself,
 * and keeps no global state: any number of engines may live in one process
 * (the simulator runs several gateways side by side).
 *
 * Ownership: the engine owns its sessions, connections, tasks and buffers.
 * The caller owns env and cfg and keeps them alive until rt_engine_destroy.
 * No event function may be called from inside an env callback.
 */
#ifndef RT_ENGINE_H
#define RT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rt_env.h"

struct rt_engine;

/* Create an engine for a validated configuration (cfg_validate). Returns
 * NULL if out of memory. */
struct rt_engine *rt_engine_create(const struct rt_env *env, const struct rt_config *cfg);

/* Free everything at once. Sends nothing: this is also how the simulator
 * crashes a gateway ("drop the engine's memory"). */
void rt_engine_destroy(struct rt_engine *eng);

/* A TCP connection from peer (NULL: unknown, see struct rt_peer) was
 * accepted on cfg->portals[portal]. Returns 0, or -1 if the engine will
 * not take it (the environment then closes it): shutting down, or refused
 * by admission control (admit.h). Taking it may close an older connection
 * that is still logging in (conn_close, as any event may). */
int rt_on_accept(struct rt_engine *eng, rt_conn_id conn, uint32_t portal, const struct rt_peer *peer);

/* Bytes arrived: any number, split at any boundary. */
void rt_on_bytes(struct rt_engine *eng, rt_conn_id conn, const void *buf, size_t len);

/* Zero-copy receive, the same state machine as rt_on_bytes: ask where the
 * next bytes should go (a staging buffer while parsing headers, or straight
 * into a task's data buffer inside a data segment), read into it, commit.
 * Returns the room at *buf; 0 for a connection the engine does not read
 * now (backpressure, core/mem.h: it holds too many unsent bytes for a peer
 * that does not read them). The environment then stops reading it and asks
 * again after the next rt_on_conn_sent for it; a pause always has unsent
 * bytes behind it, so that event comes once the peer reads (or the
 * connection dies). rt_on_bytes ignores pauses: it takes what it gets. */
size_t rt_rx_space(struct rt_engine *eng, rt_conn_id conn, void **buf);
void rt_rx_commit(struct rt_engine *eng, rt_conn_id conn, size_t len);

/* The environment sent some of the bytes it held for conn (conn_send's
 * return): unsent are left. Call it after any event in which they fell,
 * never from inside an env callback; once per event and connection is
 * enough. The engine re-opens windows and reading it held for memory. */
void rt_on_conn_sent(struct rt_engine *eng, rt_conn_id conn, size_t unsent);

/* The peer closed or reset the connection. */
void rt_on_conn_closed(struct rt_engine *eng, rt_conn_id conn);

/* A disk I/O submitted through env->disk_submit completed. */
void rt_on_disk_done(struct rt_engine *eng, struct rt_disk_io *io);

/* Time passed: call when env->now_ns() >= rt_next_deadline(). */
void rt_on_time(struct rt_engine *eng);

/* The earliest time at which rt_on_time has work, UINT64_MAX for none.
 * Ask again after every event. */
uint64_t rt_next_deadline(const struct rt_engine *eng);

/* Begin a graceful stop: ask every session to log out (Async Message,
 * RFC 7143 §11.9.1 AsyncEvent 1), refuse new logins, drop what is left
 * after logout_timeout_ms. rt_engine_idle() turns true when no connection
 * remains and no task is left, none of them waiting for the storage: only
 * then may the process end (or the simulator drop the engine). */
void rt_engine_shutdown(struct rt_engine *eng);
bool rt_engine_idle(const struct rt_engine *eng);

/* Implicit ALUA transition (SPC-4 §5.15.2.2) of rt_config.lus[lu] through
 * the target port group tpg_tag, as a cluster manager or the simulator
 * decides it; initiators learn it from a unit attention (2A/06). The
 * group is a portal group mapping the LU or one the LU's "alua" lists.
 * Returns 0, or -1 if there is no such LU or group. */
int rt_set_alua_state(struct rt_engine *eng, uint32_t lu, uint16_t tpg_tag, enum rt_alua_state state);

/* The persistent reservations of rt_config.lus[lu], an LU with
 * RT_LU_PR_SHARED, may have changed outside this engine (another gateway
 * stored them, or this one took the storage over): reload them before the
 * next reservation check (scsi/pr_shared.c). -1 if there is no such LU. */
int rt_lu_pr_invalidate(struct rt_engine *eng, uint32_t lu);

/* Counters for tests, benchmarks and the simulator's coverage report. */
struct rt_stats {
	uint64_t pdus_in, pdus_out;
	uint64_t bytes_in, bytes_out;
	uint64_t logins_ok, logins_failed;
	uint64_t rejects_sent;
	uint64_t conns_dropped;      /* by the engine: protocol error, NOP timeout */
	uint64_t digest_errors;
	uint64_t scsi_cmds, scsi_check_conditions;
	uint64_t tmfs;
	uint64_t alloc_failures;
	uint64_t sessions_reinstated;
	/* memory (core/mem.h) */
	uint64_t mem_bytes;          /* now: engine allocations + unsent bytes */
	uint64_t mem_bytes_peak;
	uint64_t mem_refusals;       /* task buffers refused for the budget or a share: TASK SET FULL */
	uint64_t mem_window_holds;   /* times a session's MaxCmdSN stopped growing for memory */
	uint64_t mem_rx_pauses;      /* times a connection stopped being read (backpressure) */
	/* admission control (admit.h): what each defence did */
	uint64_t conns_evicted;          /* logging in, closed to make room for a new connection */
	uint64_t conns_refused_full;     /* no room: every slot held by full feature phase */
	uint64_t conns_refused_source;   /* max_conns_per_source, max_login_conns_per_source */
	uint64_t conns_refused_rate;     /* login_rate_per_source */
	uint64_t prelogin_timeouts;      /* no whole Login PDU within prelogin_timeout_ms */
	uint64_t sessions_refused_initiator; /* max_sessions_per_initiator (Login 0x0302) */
	uint64_t sessions_refused_source;    /* max_sessions_per_source (Login 0x0302) */
	uint64_t sessions_refused_full;      /* RT_SESSIONS_MAX (Login 0x0302) */
};
void rt_engine_stats(const struct rt_engine *eng, struct rt_stats *out);

#endif
