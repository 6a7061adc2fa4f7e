/* fz_model: what the initiator of the dataout and session harnesses knows
 * about its tasks, and the promises of RFC 7143 it checks against every
 * target PDU about them:
 *  - status (SCSI Response, or Data-In with S) only for a command sent,
 *    at most once per command sent with that ITT (§11.4), and never after
 *    ABORT TASK for it was answered "function complete" (§11.5.1);
 *  - Data-In: DataSN from 0 in order, BufferOffset in order (DataPDUInOrder
 *    =Yes is all we negotiate), never beyond the Expected Data Transfer
 *    Length, only for a read (§11.7);
 *  - R2T: only for a write, R2TSN from 0 in order, the range inside the
 *    Expected Data Transfer Length, at most MaxBurstLength (§11.8, §13.13);
 *  - data integrity: a write the model built itself carries a pattern that
 *    depends on the byte's offset in the command; when it ends GOOD, its
 *    blocks on the disk hold exactly that pattern, and bytes no such write
 *    covered hold what they held (zeroes).
 * It also answers R2Ts the right way when asked (fz_model_next_data_out),
 * so the fuzzer's own Data-Out PDUs start from correct ones.
 * Plain data, owned by the harness.
 */
#ifndef FZ_MODEL_H
#define FZ_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/iscsi_params.h"

#define FZ_MODEL_TASKS 64u
#define FZ_MODEL_R2TS 16u

struct fz_r2t {
	uint32_t ttt, offset, len, sent, data_sn;
};

struct fz_task {
	bool used;
	uint32_t itt;
	uint32_t cmd_sn;
	uint32_t sent, answered;  /* commands sent with this ITT, statuses seen */
	bool read, write;
	uint32_t edtl;
	bool aborted;             /* ABORT TASK answered: no status may follow */
	uint32_t data_in_sn, data_in_off;
	uint32_t r2t_sn;
	struct fz_r2t r2t[FZ_MODEL_R2TS]; /* R2Ts not fully answered yet */
	unsigned nr2t;
	uint32_t unsol_off, unsol_end, unsol_sn; /* unsolicited data still to send */
	/* a write built by the model: its bytes on the disk */
	bool pattern;
	uint8_t seed;
	uint64_t disk_off;
	uint32_t disk_len;
	uint8_t last_status;
	bool done;
};

struct fz_model {
	struct fz_task task[FZ_MODEL_TASKS];
	struct iscsi_params params;    /* the session's, as negotiated */
	uint32_t max_xmit;             /* the most we may send per PDU: the target's
					  MaxRecvDataSegmentLength */
	uint32_t tmf_itt, tmf_ref;     /* an ABORT TASK in flight */
	bool tmf_pending;
	bool blind;                    /* we may have sent commands the model never
					  saw: answers for unknown ITTs are let pass */
	const uint8_t *disk;           /* the fake RAM disk */
	uint64_t disk_size;
	uint64_t covered_lo, covered_hi; /* bytes any pattern write may have touched */
};

void fz_model_init(struct fz_model *m, const uint8_t *disk, uint64_t disk_size);

/* The initiator sends a SCSI Command with this header (any bytes). */
struct fz_task *fz_model_command(struct fz_model *m, const uint8_t *bhs);
/* ... and for a write the model built: where its data goes on the disk. */
void fz_model_pattern(struct fz_model *m, struct fz_task *t, uint8_t seed, uint64_t disk_off,
		      uint32_t disk_len);
/* The pattern byte at offset off of a command with seed. */
static inline uint8_t fz_model_byte(uint8_t seed, uint32_t off)
{
	return (uint8_t)(1u + (off * 131u + seed * 7u + (off >> 9)) % 251u);
}
/* The initiator sends ABORT TASK (itt of the TMF, ref the task's ITT). */
void fz_model_abort(struct fz_model *m, uint32_t itt, uint32_t ref);

/* The target holds no live task with this ITT (a task management
 * function other than ABORT TASK ended it, or it never started): if the
 * model still waits on one, it is over and no PDU of it may follow. */
void fz_model_ended(struct fz_model *m, uint32_t itt);

/* Check one PDU from the target (fz_wire's on_pdu). */
void fz_model_pdu(struct fz_model *m, const uint8_t *bhs, const uint8_t *data, uint32_t len);

/* The Data-Out the initiator should send next for task t, at most max
 * bytes: fills ttt, offset, data_sn, len, final; false if t owes nothing. */
struct fz_data_out {
	uint32_t ttt, offset, data_sn, len;
	bool final;
};
bool fz_model_next_data_out(struct fz_model *m, struct fz_task *t, uint32_t max, struct fz_data_out *d);

/* Data integrity, after every I/O returned: the disk holds the patterns of
 * the writes that ended GOOD and zeroes where no pattern write reached. */
void fz_model_check_disk(const struct fz_model *m);

/* A live task by ITT, or NULL. */
struct fz_task *fz_model_task(struct fz_model *m, uint32_t itt);

#endif
