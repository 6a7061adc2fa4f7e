/* initiator/session: one simulated iSCSI initiator session over one connection (or one
 * connection of an MC/S session): the path between one initiator port and one target
 * portal (RFC 7143).
 *
 * A sans-I/O state machine written from the RFC, independently of the
 * reference target: login (ilogin), SCSI commands with immediate data,
 * unsolicited Data-Out and R2T-solicited Data-Out (§11.3, §11.7, §11.8),
 * Data-In and SCSI Response, CmdSN windowing (§4.2.2.1), NOP-Out pings
 * with a timeout and answers to the target's NOP-In (§11.18-§11.19), ABORT
 * TASK after a command timeout (§11.5), Async Messages (§11.9), logout
 * (§11.14), and ERL 0 session recovery (§7.1.4.3, §6.3.5): on any
 * connection failure the session reconnects and reinstates itself (same
 * ISID, TSIH 0), re-sending the commands it held, until the
 * replacement_timeout fails them (open-iscsi's behaviour).
 *
 * At ErrorRecoveryLevel 1 (negotiated, §13.20; cfg.login.error_recovery_level
 * offers it) recovery within the command and the connection comes first
 * (§7.1.4, §7.2, §7.8, §11.16): a Data-In with a data digest error, or a
 * DataSN/R2TSN gap, is asked for again with a Data/R2T SNACK; a StatSN gap
 * with a Status SNACK (ExpStatSN stays at the hole meanwhile, so the target
 * keeps what it must resend); a header digest error discards one PDU (the
 * length it announces is skipped; a second bad header in a row means the
 * boundary is lost and the connection goes); a command rejected for a data
 * digest error (Reject 0x02) is retried with its ITT and CmdSN (§7.2.1); a
 * command that times out is first probed (retried if the target's ExpCmdSN
 * says it never arrived, else its data and status asked for again) and only
 * aborted at the second timeout. Each step is bounded (ISESS_SNACKS_MAX,
 * ISESS_RETRIES_MAX); past them, and for a SNACK the target rejects, ERL 0's
 * session recovery takes over.
 *
 * At ErrorRecoveryLevel 2 (initiator/session_erl2.c) a failed connection
 * does not cost the session (§7.1.4.3, §7.2.2): its commands stay where
 * they are, the session waits DefaultTime2Wait and reinstates the
 * connection (same ISID, the session's TSIH, the same CID, §6.3.4); each
 * command the target's ExpCmdSN says it has is moved to the new
 * connection by TASK REASSIGN (§11.5.1), the others are retried with
 * their ITT and CmdSN (§7.2.1). A reassignment refused or unanswered, a
 * reinstatement login refused, ISESS_ERL2_LOGINS_MAX of them failing, or
 * DefaultTime2Wait + DefaultTime2Retain passing, and ERL 0's session
 * recovery takes over.
 *
 * With several connections per session (MC/S, initiator/session_mcs.c,
 * isess_mcs_join) each connection is a struct isess sharing the session's
 * CmdSN window, ITTs and TSIH (struct isess_sn); at ERL 2 a surviving
 * connection recovers a failed one's commands (Logout reason 2, TASK
 * REASSIGN, §7.2.2, §11.14.1); at ERL 0 the session goes with it.
 *
 * Driven by: isess_start/on_connected/on_connect_failed/on_bytes/
 * on_closed/on_time/submit/logout. Acts through struct isess_ops, whose
 * callbacks must not call back into the session synchronously.
 * Ownership: the session owns its receive buffer; struct icmd belongs to
 * the submitter, lent to the session from submit until ops->done.
 */
#ifndef SIM_ISESS_H
#define SIM_ISESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sim/initiator/text_keys.h"
#include "sim/initiator/login.h"
#include "sim/initiator/pdu.h"
#include "sim/base/mem.h"
#include "sim/base/rng.h"

#define ISESS_TASKS_MAX 256u  /* commands in flight per session (ITT slots) */
#define ICMD_SENSE_MAX 96u    /* sense bytes we keep (SPC-4 fixed sense is 18+) */
#define ISESS_ERL_IMPLEMENTED 2u /* the highest ErrorRecoveryLevel this initiator plays (§13.20) */
#define ISESS_SNACKS_MAX 8u      /* Data/R2T SNACKs per command before ERL 0's recovery takes over */
#define ISESS_PING_BUSY_NS 1000000000ull /* a ping is in flight and bytes keep coming: its timer looks again
					  * this much later (Linux's libiscsi, iscsi_check_transport_timeouts) */
#define ISESS_RETRIES_MAX 4u     /* retries of one command (Reject 0x02, a command lost) before it fails */
#define ISESS_RETRY_CHECK_NS 1000000000ull /* ERL 1: a command the target's ExpCmdSN still waits for this
						  * long after it was sent is taken as lost and retried */
#define ISESS_RESNACK_AHEAD 16u  /* ERL 1: a hole still there this many statuses after its SNACK is asked again */
#define ISESS_STATSN_AHEAD_MAX 64u /* statuses taken past a StatSN hole (ERL 1): a wider hole ends the connection */
#define ISESS_CONNS_MAX 4u /* MC/S: connections one session opens (§13.2 MaxConnections offered) */
#define ISESS_ERL2_LOGINS_MAX 3u /* ERL 2: connection reinstatement logins that fail (no answer, connection lost)
				  * after one connection failure before ERL 0's session reinstatement: the
				  * target's DefaultTime2Retain bounds it too, but may be an hour (§13.16) */

enum icmd_dir {
	ICMD_NONE = 0,
	ICMD_IN,  /* data from the target (read) */
	ICMD_OUT, /* data to the target (write) */
};

enum icmd_result {
	ICMD_OK = 0,     /* a SCSI status arrived: status, sense valid */
	ICMD_TRANSPORT,  /* never answered and the session gave up on it (path failure) */
	ICMD_ABORTED,    /* timed out and aborted by ABORT TASK */
	ICMD_FAILED,     /* iSCSI Response "target failure" or a Reject of the command */
};

enum icmd_state {
	ICS_WAIT = 0, /* queued: window closed or session down */
	ICS_SENT,
	ICS_ABORTING, /* ABORT TASK sent */
	ICS_REASSIGNING, /* ERL 2: TASK REASSIGN sent on a reinstated connection (§11.5.1) */
};

struct icmd {
	/* set by the submitter */
	uint64_t lun;
	uint8_t cdb[16];
	enum icmd_dir dir;
	uint8_t attr;      /* SAM task attribute (SIMPLE=1, ORDERED=2 ...) */
	uint8_t *buf;      /* OUT: source, IN: destination; len bytes */
	uint32_t len;
	uint64_t *in_map;  /* IN, optional: one bit per byte of buf, set where a Data-In wrote it */
	bool fastfail;     /* fail at once when the session is not logged in (path checker) */
	void *owner;
	uint64_t obs_tag;  /* the world's observer's notes (world/pr_hosts.c); the session never reads them */
	uint64_t obs_at;
	/* results, valid at ops->done */
	enum icmd_result result;
	uint8_t status;
	uint8_t sense_len;
	uint8_t sense[ICMD_SENSE_MAX];
	uint32_t data_in;  /* bytes of Data-In received */
	uint32_t resid;    /* residual count reported */
	struct isess *home; /* the connection it was submitted to: MC/S may complete it on another (ops->done's) */
	/* private to the session */
	struct icmd *next;
	enum icmd_state st;
	uint64_t seq;      /* submission order, kept across re-sends */
	uint32_t itt, cmdsn, tmf_itt;
	uint32_t exp_datasn, exp_r2tsn;
	uint32_t r2t_open;      /* R2Ts being answered (§13.17) */
	uint64_t deadline;      /* command or TMF timeout */
	unsigned sends;         /* times put on the wire (re-sends after recovery) */
	/* ERL 1 (private) */
	unsigned snacks;        /* Data/R2T SNACKs sent for it */
	unsigned retries;       /* retries with the same ITT and CmdSN */
	uint32_t snack_from;    /* the DataSN/R2TSN the last SNACK asked from */
	/* A write's R2Ts in [snack_from, snack_to) never reached us (a gap
	 * SNACKed, §11.16.1): a resent one is answered. Any other R2T before
	 * exp_r2tsn was answered once already: its copy is not (a timeout's
	 * probe asks for R2Ts from exp_r2tsn, and the original may still be
	 * on its way: answering both sent the burst twice, the target took
	 * the second copy for data at a wrong offset and ended the task, and
	 * every retry met the same timeout; five-flag swarm seeds 3721, 3900,
	 * 4439). */
	uint32_t snack_to;
	bool snacked;           /* a SNACK is outstanding since exp_* last moved */
	bool probed;            /* its timeout fired once: the next one aborts */
	uint64_t retry_at;      /* when it counts as lost if ExpCmdSN still waits for it */
	uint64_t snack_at;      /* when the last SNACK went (a copy may be lost too: asked again after
				 * ISESS_RETRY_CHECK_NS) */
	/* ERL 2 (private) */
	bool r2t_resync;        /* reassigned write: the next R2T's R2TSN starts the count again (§7.2.2) */
};

enum isess_state {
	ISS_IDLE = 0,   /* not started, or waiting to reconnect */
	ISS_CONNECTING,
	ISS_LOGIN,
	ISS_FFP,
	ISS_LOGOUT,     /* Logout Request sent */
	ISS_CLOSED,     /* logged out: final */
};

/* What the session tells its owner (traces, multipath). */
enum isess_event {
	ISE_UP = 0,       /* logged in, full feature phase */
	ISE_DOWN,         /* connection lost or login failed; recovering */
	ISE_FAILED,       /* replacement_timeout expired: held commands failed */
	ISE_CLOSED,       /* logged out */
	ISE_NOP_TIMEOUT,  /* a ping went unanswered */
	ISE_ABORT,        /* a command timed out; ABORT TASK sent */
	ISE_ASYNC,        /* an Async Message arrived (detail: event code) */
	ISE_REJECT,       /* a Reject arrived (detail: reason) */
	ISE_LOGIN_FAILED, /* detail: status class/detail or 0 for protocol */
	ISE_ESCALATE,     /* an ABORT TASK went unanswered: a wider TMF sent (detail: its function) */
	ISE_CONN_RECOVERED, /* ERL 2: the connection reinstated in the same session (detail: tasks held) */
	ISE_ERL2_FALLBACK,  /* ERL 2's recovery gave up: ERL 0's session reinstatement follows */
};

struct isess;

/* What the connections of one session share (RFC 7143 §4.2.2.1: CmdSN
 * numbers the session's commands whatever connection carries them; ITTs
 * are unique in the session, §11.1.1; the TSIH names it). A session of
 * one connection points at its own; MC/S connections at their leader's
 * (isess_mcs_join). */
struct isess_sn {
	uint32_t cmdsn, exp_cmdsn, max_cmdsn;
	uint32_t itt_gen;
	uint16_t tsih;
	/* MC/S only (initiator/session_mcs.c): the connections, [0] the
	 * leading one, whose TSIH-0 login makes (or reinstates) the session */
	struct isess *conn[ISESS_CONNS_MAX];
	unsigned nconns;
	bool alive;        /* the session exists at the target: tsih valid, others may join */
	bool losing;       /* ERL 0 session recovery under way: every connection goes */
};

struct isess_ops {
	void *ctx;
	/* Open a TCP connection to the session's portal; answer later with
	 * isess_on_connected or isess_on_connect_failed. */
	void (*connect)(void *ctx, struct isess *s);
	void (*send)(void *ctx, struct isess *s, const struct iovec *iov, int iovcnt);
	/* Close the connection; nothing more is delivered for it. Graceful
	 * after a logout (FIN behind the data); otherwise an abort (RST): a
	 * failed connection's unsent commands must not reach the target
	 * later, after they were retried elsewhere. */
	void (*disconnect)(void *ctx, struct isess *s, bool graceful);
	void (*done)(void *ctx, struct isess *s, struct icmd *c);
	/* A command was just put on the wire (each transmission; optional). */
	void (*sent)(void *ctx, struct isess *s, struct icmd *c);
	/* ERL 2: c now lives on the session's new connection, reassigned
	 * there (answered Function complete) or retried there (optional).
	 * The same command, not a new one: the world's attempts oracle
	 * counts it on the new connection as well. */
	void (*moved)(void *ctx, struct isess *s, struct icmd *c);
	void (*event)(void *ctx, struct isess *s, enum isess_event ev, uint32_t detail, const char *why);
};

/* What the initiator does when an ABORT TASK goes unanswered for
 * tmf_timeout (issue 16, hazard class 2). ISESS_ESC_DROP, the default, is
 * what this initiator always did: drop the connection (session recovery).
 * The others escalate first, each step bounded by tmf_timeout and taken
 * when the previous one times out or is refused, as the Linux SCSI error
 * handler does (scsi_error.c: abort, device reset, target reset, host
 * reset; libiscsi answers the last by dropping the session): LOGICAL UNIT
 * RESET, then TARGET WARM RESET, then the connection goes. TASK_SET puts
 * ABORT TASK SET (RFC 7143 §11.5.1, SAM-5 §7.3) before the LU reset. */
enum isess_escalation {
	ISESS_ESC_DROP = 0,
	ISESS_ESC_LINUX,    /* LOGICAL UNIT RESET, TARGET WARM RESET, drop */
	ISESS_ESC_TASK_SET, /* ABORT TASK SET, LOGICAL UNIT RESET, TARGET WARM RESET, drop */
};

struct isess_cfg {
	struct ilogin_cfg login;
	enum isess_escalation escalation; /* after an ABORT TASK timeout */
	uint64_t noop_interval_ns;      /* 0: no pings */
	uint64_t noop_timeout_ns;
	uint64_t login_timeout_ns;
	uint64_t replacement_timeout_ns;
	uint64_t cmd_timeout_ns;        /* SCSI command timeout, then ABORT TASK */
	uint64_t tmf_timeout_ns;
	uint64_t reconnect_delay_ns;
	uint64_t logout_timeout_ns;
};

struct isess_stats {
	uint64_t logins, login_failures, conn_failures, recoveries_failed;
	uint64_t nop_timeouts, aborts, resends, rejects, async_events;
	uint64_t r2ts, data_in, data_out;
	/* ERL 1 */
	uint64_t digest_errors, pdus_discarded, data_snacks, r2t_snacks, status_snacks, cmd_retries;
	uint64_t window_stall_max_ns; /* longest time commands waited on a closed CmdSN window */
	uint64_t raw_cmds, raw_nops, raw_tmfs; /* sent by hand (isess_raw_*) */
	uint64_t task_set_aborts, lu_resets, target_resets; /* escalation TMFs sent */
	uint64_t esc_done;                    /* escalations answered FUNCTION COMPLETE */
	uint64_t raw_tmf_done, raw_tmf_refused; /* their answers: FUNCTION COMPLETE, anything else */
	uint8_t raw_tmf_last_rsp;             /* the last answer's response code (§11.6.1) */
	/* ERL 2 */
	uint64_t sess_reinstatements;         /* logins with TSIH 0 after the first (ERL 0 recovery, §6.3.5) */
	uint64_t conn_reinstatements;         /* logins with the session's TSIH and our CID (§6.3.4) */
	uint64_t reassigns, reassigned;       /* TASK REASSIGNs sent, answered Function complete */
	uint64_t reassign_refused;            /* answered otherwise, rejected or unanswered */
	uint64_t erl2_retries;                /* commands the target never had, retried on the new connection */
	uint64_t erl2_fallbacks;              /* ERL 2 recoveries given up for ERL 0's */
	/* MC/S */
	uint64_t mcs_joins;                   /* logins adding this connection to a live session */
	uint64_t recovery_logouts;            /* Logouts "remove the connection for recovery" sent (§11.14.1) */
	uint64_t mcs_moved;                   /* another connection's tasks taken over (§7.2.2) */
};

struct isess {
	void *user;            /* the owner's handle for this session */
	const struct isess_cfg *cfg;
	struct isess_ops ops;
	const struct sim_mem *mem;
	struct sim_rng rng;
	uint8_t isid[6];
	struct isess_sn *sn;   /* the session's numbers: &own_sn, or the MC/S leader's */
	struct isess_sn own_sn;
	uint16_t cid;
	unsigned mcs_idx;      /* MC/S: this connection's place in sn->conn (0: the leader) */
	enum isess_state state;
	bool connected;        /* a TCP connection exists (ops->connect answered) */
	bool logging_out;      /* logout asked for: do not reconnect */
	struct ilogin login;
	struct ipdu_rx rx;
	struct iparams params;
	uint32_t exp_statsn;   /* per connection (§4.2.2.2) */
	uint64_t seq_next;
	struct icmd *slots[ISESS_TASKS_MAX];
	unsigned in_flight;    /* commands in slots */
	uint64_t task_deadline; /* earliest slot deadline, valid unless task_deadline_stale */
	bool task_deadline_stale;
	unsigned waiting;      /* commands in the wait queue */
	struct icmd *wait_head, *wait_tail;
	uint64_t now;
	uint64_t login_deadline, reconnect_at, replacement_deadline;
	uint64_t nop_at;       /* the NOP-Out timer looks next (Linux's transport timer) */
	uint64_t last_recv;    /* bytes last received on this connection */
	bool ping_out;         /* our NOP-Out is unanswered */
	uint64_t logout_deadline;
	uint32_t nop_itt, logout_itt;
	uint32_t raw_tmf_itt;  /* the last isess_raw_tmf's (0: none) */
	uint32_t esc_itt;      /* the escalation's TMF in flight (0: none) */
	uint8_t esc_fn;        /* its function (§11.5.1) */
	uint64_t esc_lun;
	uint64_t esc_deadline; /* its answer is due (tmf_timeout) */
	bool failed_fast;      /* replacement_timeout expired: new I/O fails at once */
	uint64_t window_closed_at; /* commands wait on a closed window since (SIM_NEVER: not) */
	uint64_t conn_gen;     /* bumped per connection: stale callbacks are ignored */
	/* ERL 1: StatSNs taken past the hole at exp_statsn (bit i: exp_statsn + 1 + i) */
	uint64_t statsn_ahead;
	uint32_t status_snack_at; /* the hole a Status SNACK asked for (valid if status_snacked) */
	uint64_t status_snack_ns; /* when (asked again ISESS_RETRY_CHECK_NS later if the hole stays) */
	uint32_t status_snack_ahead; /* statuses past the hole when it was asked for */
	bool status_snacked;
	bool hdr_resync;       /* the last header's digest failed: the next must pass */
	/* ERL 2 (initiator/session_erl2.c) */
	bool erl2_held;        /* the connection failed: its commands wait in slots for reassignment */
	bool erl2_login;       /* this login reinstates the connection (TSIH != 0) */
	bool erl2_to_erl0;     /* the next failure goes to ERL 0's recovery (a reassignment failed) */
	unsigned erl2_logins;  /* reinstatement logins failed since the connection failed */
	uint64_t erl2_retain_deadline; /* failure + DefaultTime2Wait + DefaultTime2Retain (§13.15-16) */
	struct iparams sess_params; /* the leading login's results: a reinstatement negotiates none (§13) */
	bool logged_in_once;   /* a TSIH-0 login after this is a session reinstatement */
	/* MC/S ERL 2 (initiator/session_mcs.c): a connection of the session
	 * failed and this one, alive, recovers its tasks (§7.2.2) */
	struct isess *mcs_rescuer; /* (on the failed one) who recovers it; NULL: none */
	struct isess *mcs_victim;  /* (on the survivor) whose tasks it recovers */
	uint32_t mcs_logout_itt;   /* its Logout "remove the connection for recovery" (§11.14.1) */
	uint64_t mcs_reassign_at;  /* the Logout answered: reassign after its Time2Wait (§11.15.2) */
	bool mcs_joining;          /* this login adds the connection to a live session (TSIH, our CID) */
	struct isess_stats stats;
};

void isess_init(struct isess *s, const struct isess_cfg *cfg, const struct isess_ops *ops,
	const struct sim_mem *mem, const struct sim_rng *rng, const uint8_t isid[6]);
void isess_fini(struct isess *s);

/* Begin connecting and logging in. */
void isess_start(struct isess *s, uint64_t now);
void isess_on_connected(struct isess *s, uint64_t now);
void isess_on_connect_failed(struct isess *s, uint64_t now);
void isess_on_bytes(struct isess *s, uint64_t now, const uint8_t *p, size_t len);
void isess_on_closed(struct isess *s, uint64_t now);
void isess_on_time(struct isess *s, uint64_t now);
uint64_t isess_next_deadline(struct isess *s);

/* Queue a command; completion through ops->done, possibly inside this
 * call (a fastfail command on a session that is down). */
void isess_submit(struct isess *s, uint64_t now, struct icmd *c);
/* Log out (close the session, §11.14); pending commands fail. */
void isess_logout(struct isess *s, uint64_t now);
/* The initiator process exits (issue 16 class 5): the connection closes
 * without a Logout, pending commands fail, nothing reconnects. */
void isess_kill(struct isess *s, uint64_t now);
/* A session closed by a logout or isess_kill logs in again as a new
 * session (TSIH 0) with this ISID (the old one, or a new I_T nexus). */
void isess_reopen(struct isess *s, uint64_t now, const uint8_t isid[6]);

/* By hand, for hostile initiators (world/attackers.c), on a logged-in
 * session: PDUs the session does not track. A command with the next
 * CmdSN whether or not the window is open (a blind pipeline); an
 * immediate NOP-Out carrying data, which asks for an echo (§11.18); an
 * immediate TMF request (§11.5) whose answer is only counted. */
void isess_raw_cmd(struct isess *s, uint64_t lun, const uint8_t cdb[16], uint32_t edtl, bool read);
void isess_raw_nop(struct isess *s, const uint8_t *data, uint32_t len);
void isess_raw_tmf(struct isess *s, uint8_t function, uint64_t lun);

/* MC/S: m becomes connection number k (its CID) of lead's session: the
 * CmdSN window, ITTs and TSIH are lead's; m logs in with lead's TSIH
 * once lead has made the session, spreads nothing itself (its owner
 * submits to whichever connection it picks) and, at ERL 2, has its
 * tasks reassigned to a surviving connection when it fails. Before
 * either starts; lead's cfg offers MaxConnections (§13.2). */
void isess_mcs_join(struct isess *lead, struct isess *m, unsigned k);

bool isess_up(const struct isess *s);
/* Commands queued or in flight. */
unsigned isess_load(const struct isess *s);

#endif
