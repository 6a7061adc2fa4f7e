/* recovery: error recovery level 1 on a connection (RFC 7143 §7.1.4.1-2,
 * §7.1.5, §11.16): what the target keeps so that the initiator can ask for
 * it again, and the SNACK Request of every type (Data/R2T, Status,
 * DataACK, R-Data).
 *
 * Owns each connection's retained PDUs (struct rcv_store, inside struct
 * conn): copies of the Data-In, R2T and numbered responses (every PDU that
 * advanced StatSN) it sent, each kept until the initiator acknowledges it
 * (ExpStatSN past the task's status, §4.2.2.2; a DataACK for Data-In,
 * §11.16.2) or the task ends without status. Bounded by RT_RCV_PDUS_MAX
 * and RT_RCV_BYTES_MAX (limits.h), and by the memory budget (nothing new
 * is kept once it is tight, mem.h): past them a PDU is sent but not kept,
 * and a SNACK for it is rejected (§11.16).
 *
 * The recovery R2T for lost Data-Out (§7.8, §7.9) is dataout.c's; the
 * header digest resynchronisation is conn.c's. At ERL 2 a failed
 * connection's store moves to its session's recovery record (erl2.h),
 * from which TASK REASSIGN sends a task's status again on a new
 * connection (rcv_reassign).
 */
#ifndef RT_RECOVERY_H
#define RT_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

struct conn;

struct rcv_pdu;

struct rcv_store {
	struct rcv_pdu *head, *tail; /* in the order they were sent */
	uint32_t count;
	uint64_t bytes;              /* payload and header bytes held */
	uint32_t acked_stat_sn;      /* the last ExpStatSN acted on */
	uint32_t next_ack_ttt;       /* Target Transfer Tag of the next A-bit Data-In */
	uint32_t not_kept;           /* PDUs sent but not kept: the store was full */
	bool resending;              /* sending copies: not kept again */
};

/* The ErrorRecoveryLevel in force on c (0 before its session exists). */
uint32_t rcv_level(const struct conn *c);

/* c sent this PDU (conn_send): keep a copy if ERL >= 1 asks for it. */
void rcv_sent(struct conn *c, const uint8_t *bhs, const void *data, uint32_t len);

/* The initiator acknowledged every StatSN before exp_stat_sn (any PDU's
 * ExpStatSN, §4.2.2.2): what only that status kept is released. */
void rcv_ack(struct conn *c, uint32_t exp_stat_sn);

/* A new command reuses this ITT: the initiator has the status of the
 * task that had it (an ITT names one outstanding task, §11.2.1.8), and a
 * Data/R2T SNACK can no longer name that task's Data-In and R2Ts; they
 * are released (its status stays kept, by StatSN). */
void rcv_itt_reused(struct conn *c, uint32_t itt);

/* The task with this ITT ended without status (aborted): what it kept is
 * released. */
void rcv_task_gone(struct conn *c, uint32_t itt);

/* The A bit (§11.7.2) for a Data-In that ends a burst with more to come:
 * the Target Transfer Tag the DataACK will carry, or 0xffffffff for no
 * A bit (ERL 0). */
uint32_t rcv_ack_tag(struct conn *c);

/* A SNACK Request (§11.16) arrived on c. */
void rcv_snack(struct conn *c, const uint8_t *bhs);

/* Free everything kept (the connection is being freed). */
void rcv_fini(struct conn *c);

/* ---- a failed connection's store, at ERL 2 (erl2.h) ---- */
struct rt_engine;

/* Move what from keeps to the empty store to: from is empty after. */
void rcv_store_move(struct rcv_store *to, struct rcv_store *from);
/* ExpStatSN for the connection st was kept by (next_stat_sn: its StatSN
 * when it failed): what it acknowledges is released (rcv_ack). */
void rcv_store_ack(struct rt_engine *eng, struct rcv_store *st, uint32_t exp_stat_sn, uint32_t next_stat_sn);
/* The task with this ITT ended without status: its PDUs are released (rcv_task_gone). */
void rcv_store_task_gone(struct rt_engine *eng, struct rcv_store *st, uint32_t itt);
/* Every PDU with this ITT is released, its status too. */
void rcv_store_drop_itt(struct rt_engine *eng, struct rcv_store *st, uint32_t itt);
/* Can the task with this ITT be answered again from st: its status kept,
 * and its Data-In from the TASK REASSIGN's ExpDataSN on (§11.5.6)? */
bool rcv_store_can_resend(const struct rcv_store *st, uint32_t itt, uint32_t exp_data_sn);
/* TASK REASSIGN of a task that ended on the failed connection (§7.2.2):
 * its Data-In not acknowledged, cut to c's MaxRecvDataSegmentLength, and
 * its status as a SCSI Response with c's next StatSN, sent on c; released
 * from st. -1 if rcv_store_can_resend says no (nothing sent). */
int rcv_reassign(struct conn *c, struct rcv_store *st, uint32_t itt, uint32_t exp_data_sn);
/* Free everything st keeps. */
void rcv_store_fini(struct rt_engine *eng, struct rcv_store *st);

#endif
