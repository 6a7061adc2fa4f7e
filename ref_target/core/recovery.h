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
 * header digest resynchronisation is conn.c's.
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

#endif
