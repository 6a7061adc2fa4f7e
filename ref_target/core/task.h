/* task: one SCSI command from its PDU to its status (RFC 7143 §11.3-§11.8,
 * §4.2.5 on data transfer), in three files by concern:
 *   task.c     its life: the SCSI Command PDU, the pool, delivery in CmdSN
 *              order, the CDB decode, the hand-over to the SCSI layer and
 *              back, the state machine (task_set_state), aborts;
 *   dataout.c  the data it receives: immediate and unsolicited data, R2T
 *              with MaxOutstandingR2T/MaxBurstLength, Data-Out checks
 *              (DataSN, BufferOffset, F bit) (dataout.h);
 *   datain.c   what it sends back: Data-In with status in the last PDU,
 *              the SCSI Response with sense, residuals (datain.h).
 * Task attributes (SAM-5 §8.6) are the SCSI layer's (scsi/taskset.h).
 *
 * A session owns a fixed pool of tasks (its CmdSN window plus room for
 * immediate commands); each task owns its data buffer while it lives. A
 * task whose disk I/O is in flight outlives an abort or a dead connection
 * until the I/O returns, so no buffer is freed under the disk.
 */
#ifndef RT_TASK_H
#define RT_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "../scsi/scsi.h"
#include "../scsi/sense.h"
#include "limits.h"
#include "rx.h"

struct conn;
struct rt_engine;
struct session;
struct tmf;

/* Outstanding R2Ts per task we can track; we never offer more. */
#define TASK_R2T_MAX 16u

enum task_state {
	TASK_FREE = 0,
	TASK_RECEIVING, /* its SCSI Command PDU (immediate data) is still arriving */
	TASK_WAIT_SN,   /* arrived ahead of ExpCmdSN (MC/S): not delivered yet */
	TASK_DATA_OUT,  /* delivered (in its LU's task set), collecting data from the initiator */
	TASK_EXEC,      /* in the SCSI layer (which may hold it back: scsi/taskset.h) */
	TASK_ANSWERING, /* the SCSI layer is done; its status is being sent */
	TASK_STATES,
};

struct r2t {
	bool active;
	uint32_t ttt;
	uint32_t sn;          /* R2TSN */
	uint32_t offset;      /* BufferOffset */
	uint32_t len;         /* Desired Data Transfer Length */
	uint32_t got;         /* bytes received so far */
	uint32_t data_sn;     /* DataSN expected next */
};

struct task {
	struct session *sess;
	struct conn *conn;          /* allegiance; NULL once the connection is gone */
	struct task *prev, *next;   /* the session's active list */
	enum task_state state;
	uint16_t index;             /* in the session's pool */
	uint16_t gen;               /* bumped at every reuse: stale TTTs miss */
	uint32_t itt;
	uint32_t cmd_sn;
	uint32_t edtl;              /* Expected Data Transfer Length */
	uint8_t flags;              /* byte 1 of the SCSI Command PDU */
	bool immediate;
	bool counted;               /* occupies a CmdSN window slot (task.c) */
	bool aborted;
	bool decode_failed;         /* status and sense already set */
	bool no_buf;                /* no buffer for its write data: the data was lost */
	uint8_t cr_slot;            /* ERL 2: its connection failed; it waits in its session's record
				     * cr_slot - 1 (0: none; erl2.h) */
	bool held;                  /* ... and it is done: its status waits for TASK REASSIGN */
	struct tmf *abort_tmf[RT_TASK_TMF_WAITERS_MAX]; /* the TMFs waiting for this task to drain */
	uint64_t lun;
	/* data buffer: max(edtl, xfer_len) bytes, from the session's budget */
	uint8_t *buf;
	uint32_t buf_len;
	/* Data-Out accounting (§4.2.5.1-2) */
	uint32_t want;              /* bytes of OUT data the command can use */
	uint32_t unsol_max;         /* immediate + unsolicited allowed */
	uint32_t unsol_got;         /* immediate + unsolicited received */
	uint32_t unsol_data_sn;
	bool unsol_done;            /* F bit seen (or no unsolicited data follows) */
	bool unsol_lost;            /* ERL >= 1: a PDU of it was lost; the rest is asked for by R2T */
	uint32_t r2t_offset;        /* next offset to solicit */
	uint32_t r2t_sn;            /* next R2TSN (also ExpDataSN for writes) */
	uint32_t r2t_active;
	struct r2t r2t[TASK_R2T_MAX];
	uint32_t data_sn;           /* Data-In PDUs sent (ExpDataSN for reads) */
	struct scsi_cmd cmd;
};

static inline uint32_t task_min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Handlers of the SCSI Command PDU (pdu_ops.c). The header creates the
 * task and says where the immediate data goes (*dst, NULL: discard); the
 * end of the PDU delivers it, or holds it until its CmdSN turn (MC/S). */
enum rx_verdict task_cmd_header(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst);
void task_cmd_pdu(struct conn *c, const struct rx *rx, bool data_digest_ok);
void task_cmd_rx_task_gone(struct conn *c, const struct task *t);

/* The session's ExpCmdSN reached t: deliver it (decode, R2T, execute). */
void task_deliver(struct task *t);

/* Every state change of a task goes through here; it asserts that the
 * transition is one the table in task.c allows. */
void task_set_state(struct task *t, enum task_state to);

/* The live, unaborted task of s with this ITT, or NULL. */
struct task *task_find_itt(struct session *s, uint32_t itt);

/* End t with CHECK CONDITION and this sense: nothing of it runs. */
void task_fail(struct task *t, enum scsi_cond cond);

/* All its data is in (dataout.c): into the SCSI layer. */
void task_exec(struct task *t);

/* Abort t: it sends nothing more. If its disk I/O is in flight, it is
 * freed when the I/O returns; tmf (may be NULL) is told then. */
void task_abort(struct task *t, struct tmf *tmf);
/* t, aborted already, still has disk I/O in flight: tmf too waits for it
 * to drain (SAM-5 §7.1: a TMF completes once the tasks it affects are
 * gone). Returns false if t holds RT_TASK_TMF_WAITERS_MAX already. */
bool task_abort_wait(struct task *t, struct tmf *tmf);

/* The connection is gone: every task allegiant to it is aborted (ERL 0;
 * at ERL 2 erl2_conn_failed took those that wait for reassignment). */
void task_conn_gone(struct conn *c);

/* TASK REASSIGN (erl2.h): t, waiting since its connection failed, goes on
 * on c from where it stood: a write asks again for the data it lacks
 * (dataout_reassign), a task that is done sends its status now. */
void task_reassign(struct task *t, struct conn *c);

void task_free(struct task *t);

#endif
