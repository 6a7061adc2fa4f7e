/* initiator/session_int: what initiator/session.c (connection, login, recovery) and initiator/session_cmd.c
 * (commands and task management) share. Not for use outside them. */
#ifndef SIM_ISESS_INT_H
#define SIM_ISESS_INT_H

#include "sim/initiator/session.h"

/* ITT layout: kind in bits 30-31, a generation in bits 8-29, the task
 * slot in bits 0-7. Never 0xffffffff (kind 3 always has slot 0). */
enum itt_kind {
	ITT_CMD = 0,
	ITT_TMF = 1,
	ITT_NOP = 2,
	ITT_SESSION = 3, /* login and logout */
};

static inline enum itt_kind itt_kind(uint32_t itt) { return (enum itt_kind)(itt >> 30); }
static inline unsigned itt_slot(uint32_t itt) { return itt & 0xffu; }
uint32_t isess_new_itt(struct isess *s, enum itt_kind kind, unsigned slot);

/* Seal (digests as negotiated) and send one PDU. */
void isess_send(struct isess *s, struct ipdu_tx *tx, const uint8_t *data, uint32_t len);
/* Fill the fields every initiator PDU carries: opcode, flags, ITT,
 * CmdSN, ExpStatSN. */
void isess_pdu_init(struct isess *s, struct ipdu_tx *tx, uint8_t opcode, uint8_t flags, uint32_t itt);
/* The connection failed: drop it, start recovery. */
void isess_conn_fail(struct isess *s, const char *why);
void isess_event(struct isess *s, enum isess_event ev, uint32_t detail, const char *why);
/* ExpCmdSN/MaxCmdSN from a target PDU (§4.2.2.1). */
void isess_update_window(struct isess *s, const uint8_t *bhs);
/* A status-carrying target PDU advances ExpStatSN (§4.2.2.2). */
void isess_take_statsn(struct isess *s, const uint8_t *bhs);

/* ERL 1 in force on this session (negotiated, §13.20). */
static inline bool isess_erl1(const struct isess *s) { return s->params.error_recovery_level >= 1; }
/* §11.16.1 type 1: ask for the numbered responses [beg, beg+run) again
 * (run 0: all from beg). */
void isess_status_snack(struct isess *s, uint32_t beg, uint32_t run);

/* ERL 2 in force on this session (negotiated, §13.20). */
static inline bool isess_erl2(const struct isess *s) { return s->params.error_recovery_level >= 2; }

/* initiator/session_erl2.c: connection recovery (§7.1.4.3, §7.2.2). */
/* The connection just dropped (not a logout; was_up: it was in full
 * feature phase; refused: a login answered with a non-zero status): true
 * if its commands stay in their slots for the connection's reinstatement,
 * false if ERL 0's recovery (requeue, TSIH 0) is to run. */
bool ierl2_hold(struct isess *s, bool was_up, bool refused);
/* The reconnect delay while held: at least DefaultTime2Wait (§13.15). */
uint64_t ierl2_delay(const struct isess *s, uint64_t reconnect_delay_ns);
/* A reinstating login succeeded: the session's parameters with the new
 * connection's; false (and the connection dropped) if the target
 * answered for another session. */
bool ierl2_login_done(struct isess *s);
/* In full feature phase again: the held commands reassigned or retried. */
void ierl2_resume(struct isess *s);
/* A TMF Response or Reject for c's TASK REASSIGN, or its timeout. */
void ierl2_reassign_answer(struct isess *s, struct icmd *c, uint8_t response);
void ierl2_reassign_failed(struct isess *s, struct icmd *c, const char *why);

/* ERL 2, one held command on a connection in full feature phase: moved
 * by TASK REASSIGN if the target's ExpCmdSN says it has it, else retried
 * with its ITT and CmdSN (§7.2.1, §7.2.2). */
void ierl2_recover_task(struct isess *s, struct icmd *c);
/* Some CmdSN the target waits for belongs to no command the session
 * holds (on any of its connections): it can never be filled (§7.3). */
bool ierl2_cmdsn_hole(const struct isess *s);

/* initiator/session_mcs.c: multiple connections per session (§4.2.2.1,
 * §7.2.2, §11.14.1). All are no-ops on a session of one connection. */
static inline bool isess_mcs(const struct isess *s) { return s->sn->nconns > 1; }
/* The slots [*lo, *lo + *span) this connection takes new commands into. */
void imcs_slots(const struct isess *s, unsigned *lo, unsigned *span);
/* No other connection of the session holds slot k (a task it took over). */
bool imcs_slot_unused(const struct isess *s, unsigned k);
/* May this connection connect now (a connection other than the leader
 * joins a session that exists; one being recovered waits)? */
bool imcs_may_connect(const struct isess *s);
/* The connection was dropped: held (its tasks wait, ERL 2) or not;
 * failed: it failed in full feature phase (not a logout, not a login). */
void imcs_dropped(struct isess *s, bool held, bool failed);
/* s, closed for good, starts a life anew (isess_reopen): ERL 2
 * recoveries it took part in are over. */
void imcs_reopened(struct isess *s);
/* A join login succeeded: false (connection dropped) if the target
 * answered for another session. */
bool imcs_join_done(struct isess *s);
/* A Logout Response; true if it answered our Logout for recovery. */
bool imcs_logout_rsp(struct isess *s, const uint8_t *bhs);
/* In full feature phase, at the Logout's Time2Wait: take the tasks over. */
void imcs_on_time(struct isess *s);
/* The window opened: every connection in full feature phase sends. */
void imcs_pump(struct isess *s);

/* initiator/session_cmd.c */
/* §7.2.1: c again with its ITT and CmdSN (ERL 1 and 2). */
void itask_retry(struct isess *s, struct icmd *c);
/* SAM-5 §4.7.3: single-level LUN, peripheral (<256) or flat (<16384). */
void itask_lun_to_wire(uint64_t lun, uint8_t *p);
/* c is over with result r: its slot freed, the owner told (ops.done). */
void itask_complete(struct isess *s, struct icmd *c, enum icmd_result r);

/* session_esc.c: the escalation after an ABORT TASK timeout. */
/* An ABORT TASK of c went unanswered: escalate. */
void iesc_begin(struct isess *s, struct icmd *c);
/* The escalation's TMF was answered with response. */
void iesc_answered(struct isess *s, uint8_t response);
/* A TMF of ours is in flight (an ABORT TASK or the escalation's). */
bool iesc_tmf_busy(const struct isess *s);
void iesc_on_time(struct isess *s);
/* The connection is gone: its TMFs with it. */
void iesc_reset(struct isess *s);
/* A Data-In whose data digest failed (ERL 1): its task's data is asked
 * for again from the first DataSN missing. */
void itask_data_lost(struct isess *s, const uint8_t *bhs);
void itask_pump(struct isess *s);
/* Measure how long commands wait on a closed CmdSN window (§4.2.2.1);
 * call after anything that may open or close it. */
void itask_window_watch(struct isess *s);
void itask_on_pdu(struct isess *s, const struct ipdu_rx *rx);
void itask_on_reject(struct isess *s, const uint8_t *rejected_bhs, uint8_t reason);
void itask_requeue_all(struct isess *s);
void itask_fail_all(struct isess *s, enum icmd_result r);
void itask_on_time(struct isess *s);
uint64_t itask_next_deadline(struct isess *s);

#endif
