/* conn: one iSCSI connection (RFC 7143 §5, §6, §11): receiving PDUs and
 * handing each to its opcode's row in the PDU table (pdu_ops.h), the
 * login phase glue, NOP-Out/NOP-In (§11.18, §11.19) with the target's own
 * pings and their timeout, Text, Logout (§11.14, §11.15), Async logout
 * requests on shutdown (§11.9), Reject (§11.17), StatSN
 * (§4.2.2.2) and the per-connection timers; at ERL >= 1 a header digest
 * error discards one PDU instead of the connection (§7.8, conn.c).
 *
 * The engine owns connections. A connection owns its receive staging
 * buffer, the buffer for non-task data segments, its login state during
 * login and its text state afterwards. conn_drop() never frees: a dropped
 * connection is freed by the engine when the current event is over, so
 * callers up the stack never touch freed memory.
 */
#ifndef RT_CONN_H
#define RT_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "iscsi_params.h"
#include "recovery.h"
#include "rt_env.h"
#include "rx.h"
#include "tx.h"

struct rt_engine;
struct session;
struct task;
struct login;
struct textreq;
struct r2t;
struct pdu_op;

/* Bytes offered to the environment for one read while parsing headers. */
#define CONN_STAGE_LEN (64u * 1024u)
/* Direct reads into a task buffer only pay off for larger pieces. */
#define CONN_DIRECT_MIN 4096u

enum conn_state {
	CONN_LOGIN = 0,
	CONN_FFP,
	CONN_CLOSED, /* dropped or lost: freed at the end of the event */
};

/* The receive context of the PDU being received: one member per PDU kind
 * that needs one, written only by that kind's handlers (the row of
 * pdu_ops.c names them), read by nobody else. */
union conn_rx_ctx {
	struct task *cmd_task;     /* SCSI Command (task.c): the task its immediate data goes to */
	struct {
		struct task *task; /* Data-Out (dataout.c): the task its data goes to */
		struct r2t *r2t;   /* the R2T it answers; NULL: unsolicited */
	} data_out;
};

struct conn {
	struct rt_engine *eng;
	struct conn *next;       /* engine's list (live), then its reap list */
	struct conn *sess_next;  /* session's list */
	struct session *sess;
	rt_conn_id id;
	uint32_t portal;
	struct rt_peer peer;     /* source address, normalized (admit.h) */
	uint64_t accept_ns;      /* when it came: the oldest login is evicted first */
	bool login_started;      /* a whole Login PDU arrived (prelogin_timeout_ms met) */
	enum conn_state state;
	uint16_t cid;
	bool stat_sn_started;    /* the first Login Response set StatSN */
	struct iscsi_params params;
	uint32_t stat_sn;        /* next StatSN to send (§4.2.2.2) */
	struct login *login;     /* during login only */
	struct textreq *text;    /* full feature phase only */
	/* receive */
	struct rx rx;
	const struct pdu_op *rx_op; /* the row of the PDU being received; NULL: discard it */
	union conn_rx_ctx rx_ctx;   /* rx_op's handlers' own */
	uint8_t *stage;          /* CONN_STAGE_LEN bytes */
	uint8_t *pdu_buf;        /* data segments not bound for a task */
	uint32_t pdu_buf_cap;
	/* timers, in env->now_ns() time; 0 = not armed */
	uint64_t login_deadline_ns;
	uint64_t last_rx_ns;
	uint64_t ping_deadline_ns; /* our NOP-In must be answered by then */
	uint32_t ping_ttt;
	uint64_t close_deadline_ns; /* after an Async logout request */
	/* memory (mem.h) */
	uint64_t unsent;         /* bytes the environment holds unsent for us */
	bool rx_held;            /* not read: too many of them (backpressure) */
	/* ERL >= 1 (recovery.h) */
	bool logged_out;         /* Logout reason 1: its tasks end with it, even at ERL 2 (erl2.h) */
	bool hdr_resync;         /* a header digest failed: the next one must pass (§7.8) */
	struct rcv_store rcv;    /* what a SNACK may ask for again */
	struct tx tx;            /* last: large */
};

struct conn *conn_create(struct rt_engine *eng, rt_conn_id id, uint32_t portal, const struct rt_peer *peer);
void conn_free(struct conn *c);

/* Close the connection from our side (protocol error, timeout, logout):
 * flushes what was sent, tells the environment, leaves the session. */
void conn_drop(struct conn *c, const char *why);
/* The peer closed it. */
void conn_lost(struct conn *c);

void conn_feed(struct conn *c, const uint8_t *buf, size_t n);
size_t conn_rx_space(struct conn *c, void **buf);
void conn_rx_commit(struct conn *c, size_t n);

/* Timers: the next deadline, and the work due at now. */
uint64_t conn_deadline(const struct conn *c);
void conn_time(struct conn *c, uint64_t now);

/* Fill StatSN/ExpCmdSN/MaxCmdSN (bytes 24..35); advance StatSN if this
 * PDU carries status (§4.2.2.2). */
void conn_stamp(struct conn *c, uint8_t *bhs, bool advance_stat_sn);
/* Queue a PDU, or flush; on a dead connection they fail quietly. */
void conn_send(struct conn *c, const uint8_t *bhs, const void *data, uint32_t len);
void conn_flush(struct conn *c);

/* Answer a PDU with Reject (§11.17), its header as the data segment. */
void conn_reject(struct conn *c, const uint8_t *hdr, uint8_t reason);

/* A CmdSN-ordered non-SCSI command (NOP-Out, Text, Logout, TMF), arrived
 * or held early: check its CmdSN, hold it if early, else hand it to its
 * row's command handler (pdu_ops.c). */
void conn_dispatch_command(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len);

/* The phase the connection is in, as the PDU table names it (PDU_PH_*). */
unsigned conn_phase(const struct conn *c);

/* The task is being freed: if a PDU being received on c carries data for
 * it, the rest of that data segment is discarded (its kind's handler
 * forgets the task). */
void conn_rx_task_gone(struct conn *c, const struct task *t);

/* Handlers of the PDU table (pdu_ops.c), RFC 7143 section by section. */
/* Login Request (§11.12): the data segment to the connection's buffer. */
enum rx_verdict conn_login_header(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst);
void conn_login_pdu(struct conn *c, const struct rx *rx, bool data_ok);
/* NOP-Out, Text, Logout, TMF: the data segment to the connection's buffer,
 * then conn_dispatch_command. */
enum rx_verdict conn_command_header(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst);
void conn_command_pdu(struct conn *c, const struct rx *rx, bool data_ok);
void conn_nop_out(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len);  /* §11.18 */
void conn_text(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len);     /* §11.10 */
void conn_logout(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len);   /* §11.14 */
/* SNACK (§11.16): its data is discarded; answered by recovery.c (a
 * Reject at ERL 0). */
void conn_snack_pdu(struct conn *c, const struct rx *rx, bool data_ok);

/* Tell the initiator a changed MaxCmdSN (NOP-In, §11.19). */
void conn_announce_window(struct conn *c);

/* Ask the initiator to log out (Async Message, AsyncEvent 1). */
void conn_request_logout(struct conn *c, uint32_t timeout_ms);

#endif
