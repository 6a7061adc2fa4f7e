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

/* initiator/session_cmd.c */
/* §7.2.1: c again with its ITT and CmdSN (ERL 1 and 2). */
void itask_retry(struct isess *s, struct icmd *c);
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
