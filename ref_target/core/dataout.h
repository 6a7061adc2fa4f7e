/* dataout: the write data a task receives after its SCSI Command PDU
 * (RFC 7143 §4.2.5.1-2, §11.7, §11.8): unsolicited Data-Out up to
 * FirstBurstLength, R2Ts for the rest with MaxOutstandingR2T and
 * MaxBurstLength, the sequence checks of every Data-Out (DataSN,
 * BufferOffset, F bit, the R2T's burst) and their answers: at ERL 0 the
 * task ends; at ERL >= 1 a lost Data-Out (data digest error, DataSN gap,
 * §7.8, §7.9) is asked for again by a recovery R2T.
 *
 * Owns the task's R2T slots and their Target Transfer Tags (a TTT names
 * the pool entry, the slot and a generation, so a stale one misses), and
 * the Data-Out receive context of the connection (conn.h, union
 * conn_rx_ctx: data_out). The task's buffer is the task's (task_buf.h).
 */
#ifndef RT_DATAOUT_H
#define RT_DATAOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "rx.h"

struct conn;
struct task;

/* Handlers of the Data-Out PDU (pdu_ops.c): the header finds the task and
 * checks the sequence, and says where the data goes (*dst, NULL:
 * discard); the end of the PDU accounts for it. */
enum rx_verdict dataout_header(struct conn *c, const uint8_t *bhs, uint32_t ahs_len, uint8_t **dst);
void dataout_pdu(struct conn *c, const struct rx *rx, bool data_digest_ok);
void dataout_rx_task_gone(struct conn *c, const struct task *t);

/* A delivered task (TASK_DATA_OUT): solicit what is missing, or execute
 * once everything is in (§4.2.5.2). */
void dataout_progress(struct task *t);

/* TASK REASSIGN moved the task to t->conn (ERL 2, erl2.h): what it still
 * lacks is asked for there. */
void dataout_reassign(struct task *t);

#endif
