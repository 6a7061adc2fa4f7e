/* session: iSCSI sessions (RFC 7143 §4.2.1, §6.3.1, §10.?): creation at
 * login with a TSIH, joining connections (MC/S, MaxConnections), session
 * and connection reinstatement, the CmdSN window (§4.2.2.1: ExpCmdSN,
 * MaxCmdSN, immediate commands, out-of-order arrival across connections),
 * and the end of a session (tasks aborted, SCSI told the I_T nexus is gone).
 *
 * The engine owns sessions; a session owns its task pool and its early
 * PDUs (its connection recovery records at ERL 2 are erl2.c's). A session
 * with no connection left is closed at once (levels 0 and 1 have no
 * connection recovery), unless at ERL 2 a record waits for reassignment;
 * its memory lives until its in-flight disk I/O returns.
 */
#ifndef RT_SESSION_H
#define RT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "../scsi/scsi.h"
#include "iscsi_params.h"
#include "limits.h"
#include "rt_env.h"

struct conn;
struct task;
struct tmf;
struct login_result;
struct rt_engine;

/* Task management requests a session may have in progress at once. */
#define SESS_TMF_MAX 4u
/* Early non-SCSI PDUs (MC/S) a session holds before dropping the connection. */
#define SESS_EARLY_MAX 16u
/* CmdSNs of aborted, never-received commands a session remembers (§11.5.1). */
#define SESS_VOID_MAX 16u
/* Freed task buffers a session keeps for reuse (no heap traffic per
 * command once it runs hot). */
#define SESS_BUF_CACHE 32u

/* A PDU that arrived on another connection before its CmdSN's turn. */
struct early_pdu {
	struct early_pdu *next;
	struct conn *conn;
	uint32_t cmd_sn;
	uint32_t len;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t data[]; /* len bytes */
};

/* A task management function waiting for aborted tasks to drain. */
struct tmf {
	bool active;
	struct session *sess;
	struct conn *conn;         /* where the answer goes; NULL once it is gone */
	uint8_t function;
	uint8_t response;
	uint32_t itt;
	uint32_t pending;  /* aborted tasks whose disk I/O is still in flight */
	bool cold_reset;   /* drop every connection after answering */
};

struct session {
	struct rt_engine *eng;
	struct session *next;
	uint16_t tsih;
	uint8_t isid[6];
	bool discovery;
	bool closed;              /* no connection left: draining */
	char initiator[ISCSI_NAME_MAX + 1];
	struct rt_peer peer;      /* the leading connection's source (admit.h quotas) */
	uint32_t target, tpg;
	const struct rt_lun_map *luns;
	uint32_t lun_count;
	struct scsi_nexus nexus;
	struct iscsi_params params;
	struct conn *conns;
	uint32_t nconns;
	/* CmdSN window, RFC 7143 §4.2.2.1 */
	uint32_t exp_cmd_sn;
	uint32_t max_cmd_sn;
	uint32_t window;          /* cfg cmd_window: slots for non-immediate commands */
	uint32_t slots_used;      /* delivered non-immediate tasks not yet freed */
	struct early_pdu *early;
	uint32_t nearly;
	/* tasks */
	struct task *pool;
	uint32_t pool_len;        /* window + RT_IMMEDIATE_MAX */
	struct task *active;      /* list of live tasks */
	struct task *free;        /* unused pool entries */
	uint32_t nactive;
	uint32_t imm_used;        /* live immediate tasks, at most RT_IMMEDIATE_MAX */
	uint32_t voided[SESS_VOID_MAX];
	uint32_t nvoided;
	uint64_t buf_bytes;       /* task buffers held, in use or cached (mem.h charges them) */
	bool window_held;         /* MaxCmdSN held for memory (mem.h) */
	struct { uint8_t *p; uint32_t len; } buf_cache[SESS_BUF_CACHE];
	uint32_t nbuf_cache;
	struct tmf tmf[SESS_TMF_MAX];
};

/* Login hooks (login.h): see struct login_hooks. */
uint16_t sess_login_check(void *conn, const struct login_result *partial);
uint16_t sess_login_bind(void *conn, struct login_result *res);

/* The connection is leaving its session (closed, logged out, lost). */
void sess_conn_gone(struct session *s, struct conn *c);

/* End the session: every connection closed, every task aborted. */
void sess_close(struct session *s);

/* A closed session with nothing in flight is freed at the end of the
 * current event (eng_reap); this only asks for it. */
void sess_maybe_free(struct session *s);
/* Closed, no task left, no TMF of its own still waiting: it may go. */
bool sess_reapable(const struct session *s);
/* Free it now: only eng_reap calls this. */
void sess_free(struct session *s);

/* The scsi_lu behind a LUN of this session, or NULL; *ro set if mapped read-only. */
struct scsi_lu *sess_lun(const struct session *s, uint64_t lun, bool *ro);

/* CmdSN window checks for a command PDU (§4.2.2.1). */
enum sn_verdict {
	SN_NOW,    /* its turn (or immediate): process it */
	SN_EARLY,  /* inside the window but ahead of ExpCmdSN: hold it */
	SN_IGNORE, /* outside the window or a duplicate: silently ignore */
};
enum sn_verdict sess_cmd_sn_check(const struct session *s, uint32_t cmd_sn, bool immediate);

/* A non-immediate command with CmdSN == ExpCmdSN was taken: advance
 * ExpCmdSN. *slot tells whether it occupies a window slot until freed
 * (SCSI commands do; others are answered at once and do not). */
void sess_cmd_sn_taken(struct session *s, bool slot);
/* A slot was released (task freed): MaxCmdSN may move on. */
void sess_slot_release(struct session *s);
/* Memory came back (mem.h): MaxCmdSN may move on. */
void sess_window_refresh(struct session *s);
/* Deliver whatever waited for the current ExpCmdSN (tasks and early PDUs). */
void sess_deliver_early(struct session *s);
/* A command that will never arrive (aborted before it was received)
 * counts as received when its CmdSN comes up (§11.5.1 b). */
void sess_void_cmd_sn(struct session *s, uint32_t cmd_sn);
/* Hold a copy of an early non-SCSI PDU; -1 if over SESS_EARLY_MAX. */
int sess_hold_early(struct session *s, struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len);

#endif
