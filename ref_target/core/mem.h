/* mem: the target's memory budget, and the admission and backpressure
 * rules that keep every buffered byte inside it.
 *
 * What is charged: every byte the engine allocates (eng_alloc: task data
 * buffers and their cache, staging and PDU buffers, tasks, early PDUs ...)
 * and every byte the environment holds unsent for a connection (conn_send's
 * answer, then rt_on_conn_sent). A session is charged its task buffers and
 * its connections' unsent bytes. The rules (limits.h RT_MEM_*, knobs in
 * rt_params_cfg):
 *   - a task buffer is granted only if the session stays within its share
 *     (session_mem_max_bytes), the target within its budget
 *     (mem_budget_bytes), and, once the budget is tight (past
 *     RT_MEM_TIGHT_PCT), only to a session under session_mem_min_bytes;
 *     a refused command ends with TASK SET FULL (SAM-5 §5.3.3);
 *   - MaxCmdSN stops growing (RFC 7143 §4.2.2.1) for a session that the
 *     rule above would refuse, so a well-behaved initiator stops sending;
 *     when memory comes back the window grows again and a NOP-In carries
 *     the new MaxCmdSN (§11.19) if nothing else would;
 *   - a connection is not read (rt_rx_space answers 0) while its unsent
 *     bytes pass conn_unsent_max_bytes (until they fall to a quarter), or,
 *     while the budget is tight, while it has any: a peer that does not
 *     read its answers cannot make us buffer more of them.
 * Owns the counters in struct rt_engine.mem and the mem fields of
 * sessions and connections; the rest of the engine only calls these.
 */
#ifndef RT_MEM_H
#define RT_MEM_H

#include <stdbool.h>
#include <stdint.h>

struct rt_engine;
struct session;
struct conn;

/* The engine's account (lives in struct rt_engine). */
struct mem_account {
	uint64_t alloc_bytes;  /* live eng_alloc bytes */
	uint64_t unsent_bytes; /* sum of every connection's unsent bytes */
	uint64_t peak_bytes;
	bool relief;           /* memory came back during this event */
	uint32_t held;         /* sessions whose MaxCmdSN is held */
};

/* eng_alloc / eng_free bookkeeping. */
void mem_allocated(struct rt_engine *eng, uint64_t bytes);
void mem_freed(struct rt_engine *eng, uint64_t bytes);

uint64_t mem_used(const struct rt_engine *eng);
/* Past RT_MEM_TIGHT_PCT of the budget. */
bool mem_tight(const struct rt_engine *eng);

/* What session s is charged: task buffers (cached ones too) + unsent. */
uint64_t mem_session_charge(const struct session *s);
/* May s take len more bytes of task buffer now? Counts a refusal. */
bool mem_admit(struct session *s, uint64_t len);
/* Should s keep freed task buffers for reuse (not when memory is short)? */
bool mem_may_cache(const struct session *s, uint64_t len);
/* May the window of s grow (MaxCmdSN move on)? Records a hold if not. */
bool mem_window_may_grow(struct session *s);

/* The environment's unsent bytes for c are now unsent (conn_send's
 * answer or rt_on_conn_sent). */
void mem_conn_unsent(struct conn *c, uint64_t unsent);
/* Does the engine read c now? (rt_rx_space's 0) */
bool mem_conn_readable(struct conn *c);
/* c is freed: its unsent bytes leave the account. */
void mem_conn_freed(struct conn *c);

/* End of an event: if memory came back, held windows grow again, each
 * announced by a NOP-In when no answer would carry it. */
void mem_relieve(struct rt_engine *eng);

#endif
