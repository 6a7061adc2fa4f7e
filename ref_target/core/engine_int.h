/* engine_int: the engine object and the helpers every engine module uses
 * (allocation through the environment, logging, connection lookup).
 *
 * Private to ref_target/core: the public face is engine.h. The engine owns
 * its connections (a hash by rt_conn_id), its sessions (a list) and the
 * per-LU SCSI state (scsi_lu, one per rt_config.lus entry).
 */
#ifndef RT_ENGINE_INT_H
#define RT_ENGINE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "engine.h"
#include "mem.h"
#include "admit.h"
#include "rt_env.h"
#include "../scsi/scsi.h"

struct conn;
struct erl2_set;
struct session;
struct scsi_lu;

/* Connection hash: open addressing, twice RT_CONNS_MAX slots. */
#define ENG_CONN_SLOTS (2u * RT_CONNS_MAX)

struct rt_engine {
	const struct rt_env *env;
	const struct rt_config *cfg;
	struct scsi_lu **lus;            /* cfg->lu_count entries */
	struct scsi_transport scsi_tp;   /* what the SCSI layer may ask of us */
	struct conn *conn_slot[ENG_CONN_SLOTS];
	struct conn *conns;              /* every live connection */
	struct conn *reap;               /* closed during this event: freed at its end */
	struct session *sessions;        /* every session, live or draining */
	uint32_t nconns;                 /* next to nsessions: no padding, room for erl2 below */
	uint32_t nsessions;
	bool reap_sessions;              /* a session may be ready to free */
	uint16_t next_tsih;
	bool shutting_down;
	struct mem_account mem;          /* the memory budget's account (mem.h) */
	struct rt_stats stats;
	struct admit_rate rate[RT_RATE_SOURCES_MAX]; /* admit.c: connection rate by source */
	struct erl2_set *erl2;           /* erl2.c: failed connections' records, per session at ERL 2 */
#ifdef RT_PLANT_BUG_abort_task_leak_crash
	uint32_t plant_leaked;           /* tmf.c: references the planted bug leaked */
#endif
};

void *eng_alloc(struct rt_engine *eng, size_t size);
void *eng_zalloc(struct rt_engine *eng, size_t size);
void eng_free(struct rt_engine *eng, void *p, size_t size);
uint64_t eng_now(const struct rt_engine *eng);

__attribute__((format(printf, 3, 4)))
void eng_log(const struct rt_engine *eng, enum rt_log_level level, const char *fmt, ...);

struct conn *eng_conn_find(const struct rt_engine *eng, rt_conn_id id);
int eng_conn_insert(struct rt_engine *eng, struct conn *c);
/* A closed connection leaves the live list and the hash now and is freed
 * when the current event returns (eng_reap), so no caller up the stack
 * touches freed memory. */
void eng_conn_reap(struct rt_engine *eng, struct conn *c);
void eng_reap(struct rt_engine *eng);

#endif
