/* oracle/protocol: the protocol oracle, a passive checker of every PDU on one
 * connection, both directions, as the bytes are sent (RFC 7143).
 *
 * It frames both byte streams itself (ipdu), follows the login to learn
 * what was negotiated (digests, MaxRecvDataSegmentLength both ways,
 * bursts, R2T limits), and then checks the full feature phase:
 *   - StatSN of every status-carrying PDU is the next one (§4.2.2.2);
 *   - MaxCmdSN >= ExpCmdSN - 1, ExpCmdSN never beyond the commands sent,
 *     and the window never wider than the configured depth (§4.2.2.1);
 *   - initiator commands stay inside the window the target opened;
 *   - Data-In: DataSN and BufferOffset in order, within the task's
 *     expected length and the initiator's MaxRecvDataSegmentLength,
 *     status only on the final PDU (§11.7);
 *   - R2T: R2TSN in order, within MaxBurstLength, MaxOutstandingR2T and
 *     the expected length (§11.8, §13.13, §13.17);
 *   - Data-Out within bursts, FirstBurstLength, offsets asked for;
 *   - SCSI Response only for a live task, and GOOD on a write only with
 *     all data received or an underflow residual that leaves at most the
 *     bytes received as transferred (§11.4.5);
 *   - Data-Out only for a live write task, or for one whose answer the
 *     initiator had not yet seen when it sent the Data-Out (its ExpStatSN
 *     does not pass the answer's StatSN): the two crossed (§11.4);
 *   - no answer for a task after ABORT TASK completed (§11.5.1);
 *   - header and data digests, PDU lengths, opcodes for the direction.
 * At ErrorRecoveryLevel 1 (negotiated) what recovery legitimately does is
 * accepted, and nothing else: a status PDU again with an earlier StatSN
 * (a Status SNACK's answer, §11.16.1), Data-In and R2Ts again for a task
 * the initiator sent a Data/R2T SNACK for (OPROTO_SNACKED_MAX remembered),
 * a recovery R2T for data already sent (§7.8), Data-Out answering them,
 * and a command retried with its ITT and an earlier CmdSN (§7.2.1). A
 * retried command the target executes twice still shows: its second
 * answer carries a new StatSN for a task that ended.
 * At ErrorRecoveryLevel 2 a connection may join its session again (a
 * login with the session's TSIH, §6.3.4): the session's keys are the
 * ones its leading login settled (oproto_set_session), and TASK REASSIGN
 * (§11.5.1) moves a task of the failed connection here; once answered
 * Function complete, that task's Data-In, R2Ts, Data-Out and one status
 * are accepted (OPROTO_REASSIGNED_MAX remembered); a second status for
 * it is still flagged. Below ERL 2, TASK REASSIGN from the initiator, a
 * Function complete answer to it, and a login with the TSIH of a session
 * that allows one connection (its only one cannot be taken over, §6.3.4)
 * are violations.
 * The first violation is kept as text. Owns its framers' buffers.
 *
 * Captures (host/oc_*, `isim oracle`) read someone else's traffic and
 * want every rule broken, not the first: keep_going makes the oracle go
 * on after a violation and hand each to on_violation with the RFC
 * section of the rule; oproto_resync restarts one direction after bytes
 * the capture lost (or a connection joined after its login). Neither is
 * used by the simulator, whose checking and texts are unchanged.
 */
#ifndef SIM_OPROTO_H
#define SIM_OPROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/initiator/text_keys.h"
#include "sim/initiator/pdu.h"

#define OPROTO_TASKS_MAX 512u
#define OPROTO_ABORTED_MAX 16u  /* recently aborted ITTs remembered */
/* Write tasks that ended (SCSI Response, ABORT TASK, Reject) before all
 * their data arrived, remembered so that Data-Out already on the wire when
 * the answer was sent is not taken for a Data-Out to a dead task (§11.4,
 * §11.5.1). An entry matters only until the initiator's ExpStatSN passes
 * the answer's StatSN; 64 such tasks unacknowledged at once is far beyond
 * what any world or capture showed (the oldest is overwritten). */
#define OPROTO_ENDED_MAX 64u
#define OPROTO_PINGS_MAX 8u
#define OPROTO_SNACKED_MAX 16u /* ERL 1: tasks a Data/R2T SNACK named lately (their resends are legitimate) */
#define OPROTO_TMFS_MAX 16u
#define OPROTO_REASSIGNED_MAX 16u /* ERL 2: tasks TASK REASSIGN moved here, until their status */
#define OPROTO_LOGOUTS_MAX 4u /* Logout Requests in flight on one connection (one per CID it may close) */

struct oproto_task {
	uint32_t itt;
	bool read, write;
	uint32_t edtl;
	uint32_t cmdsn;
	uint32_t data_in_sn, data_in_off, burst;
	uint32_t r2tsn;
	uint32_t r2t_open;  /* R2Ts not yet fully answered */
	uint32_t r2t_next_off, r2t_end; /* the range the last R2T asked for */
	uint32_t received;  /* Data-Out + immediate bytes */
	uint32_t unsolicited;
	bool unsol_ended;   /* the F bit (on the command, or on an unsolicited Data-Out) ended the first burst */
};

/* The session's CmdSN numbers (§4.2.2.1): a connection's own, or shared
 * by the oracles of every connection of an MC/S session
 * (oproto_share_cmdsn), whose commands take one CmdSN sequence and see
 * one window whatever connection carries them. */
struct oproto_cmdsn {
	uint32_t exp_cmdsn, max_cmdsn;
	bool have_window;
	uint32_t next_cmdsn;      /* one past the highest CmdSN the initiator sent */
	bool have_cmdsn;
};

struct oproto {
	uint32_t conn;
	uint32_t cmd_window_max;  /* the configured depth (rt_params_cfg.cmd_window) */
	bool ffp;
	bool framing_pending[2];  /* full feature phase framing waits for a PDU begun during login to end */
	struct ipdu_rx rx[2];     /* [0] initiator->target, [1] target->initiator */
	struct iparams params;
	uint32_t exp_statsn;
	bool have_statsn;
	struct oproto_cmdsn *cs;  /* &own_cs, or the session's (oproto_share_cmdsn); per-connection: StatSN */
	struct oproto_cmdsn own_cs;
	uint32_t nop_itt[OPROTO_PINGS_MAX]; /* pings in flight; ISCSI_TAG_RESERVED: free */
	uint32_t tmf_itt[OPROTO_TMFS_MAX], tmf_ref[OPROTO_TMFS_MAX];
	uint8_t tmf_fn[OPROTO_TMFS_MAX];      /* their functions (§11.5.1) */
	uint32_t reassigned[OPROTO_REASSIGNED_MAX]; /* ERL 2: tasks moved here (ISCSI_TAG_RESERVED: free) */
	bool joining;             /* the login names an existing session (TSIH != 0, §6.3.4) */
	bool have_sess;           /* sess holds that session's negotiated keys (oproto_set_session) */
	struct iparams sess;
	uint32_t logout_itt[OPROTO_LOGOUTS_MAX]; /* Logout Requests unanswered; ISCSI_TAG_RESERVED: free */
	uint32_t text_itt;        /* the Text Request being answered (ISCSI_TAG_RESERVED: none) */
	bool text_waiting;        /* that request has no answer yet (§11.10: at most one outstanding) */
	uint32_t aborted[OPROTO_ABORTED_MAX]; /* ring of tasks ABORT TASK finished */
	unsigned aborted_next;
	uint32_t ended_itt[OPROTO_ENDED_MAX], ended_statsn[OPROTO_ENDED_MAX]; /* ring, see OPROTO_ENDED_MAX */
	unsigned ended_next;
	uint32_t snacked[OPROTO_SNACKED_MAX]; /* ring of ITTs a Data/R2T SNACK named (ERL 1) */
	unsigned snacked_next;
	bool resent;              /* the target PDU being checked is a copy of an earlier one (ERL 1) */
	struct oproto_task *tasks; /* live tasks, ntasks of OPROTO_TASKS_MAX */
	unsigned ntasks;
	uint64_t pdus;
	uint64_t violations;
	const struct sim_mem *mem;
	char why[512];
	/* Captures only (see above); zero in the simulator. */
	bool keep_going;          /* check on after a violation */
	bool partial;             /* joined mid-stream or lost bytes: PDUs of tasks never seen are not judged */
	uint64_t taken[2];        /* bytes taken from each direction */
	uint64_t pdu_off[2];      /* where the current (or last) PDU of each direction began */
	bool dir_now;             /* the direction being checked (true: from the target) */
	void (*on_violation)(void *ctx, const struct oproto *o, bool from_target, const char *section,
		const char *text);
	void *on_violation_ctx;
	/* optional: told of every whole PDU (traces) */
	void (*on_pdu)(void *ctx, const struct oproto *o, bool from_target, const struct ipdu_rx *rx);
	void *on_pdu_ctx;
};

void oproto_init(struct oproto *o, const struct sim_mem *mem, uint32_t conn, uint32_t cmd_window_max);
/* The keys of the session this connection may join (from the oracle of
 * its last connection, oproto_session_keys): a login with its TSIH
 * negotiates only the connection's keys (§13 "LO"). */
void oproto_set_session(struct oproto *o, const struct iparams *sess);
/* The session keys this connection runs with (valid once o->ffp). */
const struct iparams *oproto_session_keys(const struct oproto *o);
void oproto_fini(struct oproto *o);
/* MC/S: this connection's commands number with the session's (cs, owned
 * by the caller and outliving o); call before any byte. */
void oproto_share_cmdsn(struct oproto *o, struct oproto_cmdsn *cs);

/* Bytes sent by the initiator (from_target false) or the target. Returns
 * false on the first violation (and after it). With keep_going: false
 * only when this direction's framing is lost (oproto_framing_lost); the
 * bytes after the lost PDU are not taken (o->taken says how many were). */
bool oproto_bytes(struct oproto *o, bool from_target, const uint8_t *p, size_t len);

/* Captures: framing of this direction is lost (bad header digest, PDU
 * above the limit); the caller finds the next PDU and calls oproto_resync. */
bool oproto_framing_lost(const struct oproto *o, bool from_target);

/* Captures: the next byte of this direction starts a PDU, after bytes that
 * were lost or never seen. What depended on them is forgotten (sequence
 * numbers, live tasks), and PDUs of tasks not seen since are not judged
 * (o->partial). */
void oproto_resync(struct oproto *o, bool from_target);

/* Captures: the next byte of this direction starts a PDU; nothing else
 * changes (after oproto_resync was called when the loss was found). */
void oproto_restart_framing(struct oproto *o, bool from_target);

/* Captures: the login was not seen; assume full feature phase with these
 * digests and MaxRecvDataSegmentLength data_cap both ways. */
void oproto_assume_ffp(struct oproto *o, bool header_digest, bool data_digest, uint32_t data_cap);

#endif
