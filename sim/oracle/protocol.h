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
 *     all data received or an underflow residual (§11.4.5);
 *   - no answer for a task after ABORT TASK completed (§11.5.1);
 *   - header and data digests, PDU lengths, opcodes for the direction.
 * The first violation is kept as text. Owns its framers' buffers.
 */
#ifndef SIM_OPROTO_H
#define SIM_OPROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/initiator/text_keys.h"
#include "sim/initiator/pdu.h"

#define OPROTO_TASKS_MAX 512u
#define OPROTO_ABORTED_MAX 16u  /* recently aborted ITTs remembered */
#define OPROTO_PINGS_MAX 8u
#define OPROTO_TMFS_MAX 16u
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
};

struct oproto {
	uint32_t conn;
	uint32_t cmd_window_max;  /* the configured depth (rt_params_cfg.cmd_window) */
	bool ffp;
	struct ipdu_rx rx[2];     /* [0] initiator->target, [1] target->initiator */
	struct iparams params;
	uint32_t exp_statsn;
	bool have_statsn;
	uint32_t exp_cmdsn, max_cmdsn;
	bool have_window;
	uint32_t next_cmdsn;      /* one past the highest CmdSN the initiator sent */
	bool have_cmdsn;
	uint32_t nop_itt[OPROTO_PINGS_MAX]; /* pings in flight; ISCSI_TAG_RESERVED: free */
	uint32_t tmf_itt[OPROTO_TMFS_MAX], tmf_ref[OPROTO_TMFS_MAX];
	uint32_t logout_itt[OPROTO_LOGOUTS_MAX]; /* Logout Requests unanswered; ISCSI_TAG_RESERVED: free */
	uint32_t text_itt;        /* the Text Request being answered (ISCSI_TAG_RESERVED: none) */
	bool text_waiting;        /* that request has no answer yet (§11.10: at most one outstanding) */
	uint32_t aborted[OPROTO_ABORTED_MAX]; /* ring of tasks ABORT TASK finished */
	unsigned aborted_next;
	struct oproto_task *tasks; /* live tasks, ntasks of OPROTO_TASKS_MAX */
	unsigned ntasks;
	uint64_t pdus;
	uint64_t violations;
	const struct sim_mem *mem;
	char why[512];
	/* optional: told of every whole PDU (traces) */
	void (*on_pdu)(void *ctx, const struct oproto *o, bool from_target, const struct ipdu_rx *rx);
	void *on_pdu_ctx;
};

void oproto_init(struct oproto *o, const struct sim_mem *mem, uint32_t conn, uint32_t cmd_window_max);
void oproto_fini(struct oproto *o);

/* Bytes sent by the initiator (from_target false) or the target. Returns
 * false on the first violation (and after it). */
bool oproto_bytes(struct oproto *o, bool from_target, const uint8_t *p, size_t len);

#endif
