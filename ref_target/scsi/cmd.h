/* cmd: the command table and what every command handler shares.
 *
 * One const table (opcodes.c) lists every supported command with its CDB
 * usage data (SPC-4 REPORT SUPPORTED OPERATION CODES): the bits the device server examines. The
 * dispatcher (cmd.c) rejects any other bit set -- that is the reserved-field
 * check for every CDB, in one place, and REPORT SUPPORTED OPERATION CODES
 * returns the same masks, so what we say and what we do cannot drift apart.
 * Adding a command is adding a row; the dispatcher never changes.
 *
 * Handlers: decode validates what the mask cannot (values, ranges) and sets
 * dir and xfer_len, returning 0 or -1 with sense set; exec runs it and ends
 * in scsi_done(), now or from io_done after a disk completion.
 * Owns nothing; struct scsi_cmd belongs to the transport.
 */
#ifndef RT_SCSI_CMD_H
#define RT_SCSI_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lu.h"
#include "scsi.h"
#include "sense.h"

/* Which generic checks the dispatcher applies before exec (cmd.c). */
#define OP_SA     0x01u /* identified by opcode and service action (CDB byte 1 bits 4:0) */
#define OP_NO_LU  0x02u /* runs on an unmapped LUN (INQUIRY, REQUEST SENSE, REPORT LUNS) */
#define OP_NO_UA  0x04u /* not stopped by a pending unit attention (SAM-5 §5.14) */
#define OP_WRITE  0x08u /* changes the medium: write protection applies (SBC-3 write protection) */
#define OP_MEDIUM 0x10u /* needs the medium: NOT READY when it is ejected */
#define OP_ATOMIC 0x20u /* read-modify-write: passes the LU's gate alone (taskset.h);
			   other OP_WRITE commands pass it shared */
/* Reservations (reserve.h, pr.h): what passes another nexus's reservation.
 * A command with none of these conflicts with any of them. */
#define OP_RSV2_OK 0x40u /* passes an SPC-2 RESERVE (INQUIRY, REPORT LUNS ...) */
#define OP_PR_OK   0x80u /* passes every persistent reservation type */
#define OP_PR_READ 0x100u /* a read: passes Write Exclusive types (SPC-4 §5.13.1) */
/* ALUA (alua.h): what a target port group in a non-active state lets through. */
#define OP_ALUA_STANDBY_OK 0x200u /* standby: management (MODE, PR, capacity) */
#define OP_ALUA_ANY_OK 0x400u     /* also unavailable and transitioning: identification */
/* Passes persistent reservations (OP_PR_OK) but reads their state itself
 * (RESERVE/RELEASE: SPC-4 §5.13.3 CRH): a shared LU's stale state is
 * reloaded first, as for a command that conflicts (pr_shared.c). */
#define OP_PR_STATE 0x800u

/* Longest CDB in our table; longer CDBs are never ours. */
#define OP_CDB_MAX 16u

struct scsi_op {
	uint8_t opcode;
	uint8_t sa;      /* service action, when OP_SA */
	uint8_t cdb_len;
	uint16_t flags;  /* OP_* */
	const char *name;
	uint8_t usage[OP_CDB_MAX]; /* CDB USAGE DATA; byte 0 is the opcode */
	int (*decode)(struct scsi_cmd *cmd);
	void (*exec)(struct scsi_cmd *cmd);
	void (*io_done)(struct scsi_cmd *cmd); /* NULL for commands without disk I/O */
	uint32_t requires; /* RT_LU_* flags or LU_CAP_* capabilities (lu.h) an LU needs
			      for the command to exist there */
	/* Aborted or released part way (scsi_cmd_abort/release): undo what the
	 * handler keeps beyond cmd->priv, which the dispatcher frees. NULL if
	 * nothing. */
	void (*abandon)(struct scsi_cmd *cmd);
};

/* The table, sorted by (opcode, service action); opcodes.c. */
extern const struct scsi_op scsi_ops[];
extern const size_t scsi_ops_count;

/* The entry for an opcode and service action (ignored unless the opcode
 * has service actions); NULL if unsupported. *has_sa tells whether the
 * opcode is known with other service actions. */
const struct scsi_op *scsi_op_find(uint8_t opcode, uint8_t sa, bool *has_sa);
/* The entry for a CDB (as decode found it). */
const struct scsi_op *scsi_op_of(const struct scsi_cmd *cmd);

/* A command past its task attribute (taskset.h): the state checks, the
 * LU's gate, then its handler. */
void scsi_cmd_run(struct scsi_cmd *cmd);

/* 'to', a command of the SCSI layer's own (SANITIZE's job), takes over
 * the LU gate that 'from' holds: it leaves it when it is done, 'from' no
 * longer does. */
void scsi_gate_hand_over(struct scsi_cmd *from, struct scsi_cmd *to);

/* Finish the command: call cmd->done exactly once. */
void scsi_done(struct scsi_cmd *cmd);
/* Finish with CHECK CONDITION cond (shorthand used by every exec). */
void scsi_done_fail(struct scsi_cmd *cmd, enum scsi_cond cond);
/* Finish with BUSY: out of memory, the initiator retries (SAM-5 status codes). */
void scsi_done_busy(struct scsi_cmd *cmd);

/* Return len bytes of data to the initiator, truncated to the allocation
 * length (xfer_len, SPC-4 §4.2). */
void scsi_data_in(struct scsi_cmd *cmd, const void *data, uint32_t len);

/* Start one disk I/O for cmd (cmd->io); its completion goes to the op's
 * io_done. lba and blocks are in the LU's logical blocks. */
void scsi_io_submit(struct scsi_cmd *cmd, enum rt_disk_op op, uint64_t lba, uint64_t blocks,
		    uint8_t *buf, uint32_t flags);
/* Start RT_DISK_PR_LOAD or RT_DISK_PR_STORE (rt_env.h) of len bytes at
 * buf for cmd; its completion goes to the op's io_done, or to
 * pr_refresh_done while SCSI_STATE_PR_REFRESH is set. */
void scsi_io_submit_record(struct scsi_cmd *cmd, enum rt_disk_op op, uint8_t *buf, uint32_t len,
			   uint64_t version);
/* Start RT_DISK_ALUA_SET for target port group tpg_tag (rt_env.h): its
 * completion goes to the op's io_done. */
void scsi_io_submit_alua_set(struct scsi_cmd *cmd, uint16_t tpg_tag);
/* In io_done: true if the I/O succeeded; otherwise sense is set from the
 * disk status (one mapping for all commands). */
bool scsi_io_ok(struct scsi_cmd *cmd);

/* Decode helpers, each setting sense and returning -1 on failure. */
/* LBA and block count inside the medium (LOGICAL BLOCK ADDRESS OUT OF RANGE). */
int scsi_check_lba(struct scsi_cmd *cmd, uint64_t lba, uint64_t blocks);
/* Block count at most MAXIMUM TRANSFER LENGTH; else INVALID FIELD IN CDB
 * pointing at the transfer length field at byte 'field'. */
int scsi_check_xfer(struct scsi_cmd *cmd, uint64_t blocks, uint16_t field);

/* SBC-3 write protection: the mapping, the LU configuration or the control page's
 * SWP bit forbid writing. */
bool scsi_write_protected(const struct scsi_cmd *cmd);

/* Scratch memory for a command, through env->alloc; NULL if out of memory. */
void *scsi_alloc(const struct scsi_lu *lu, size_t size);
void scsi_free(const struct scsi_lu *lu, void *p, size_t size);
/* A command's own scratch memory, at cmd->priv: one per command, freed by
 * scsi_priv_free (the handler's, or the dispatcher's on abort). */
void *scsi_priv_alloc(struct scsi_cmd *cmd, size_t size);
void scsi_priv_free(struct scsi_cmd *cmd);

/* True if the command exists on this LU (its configuration has what the
 * command requires, e.g. UNMAP only on thin-provisioned LUs). */
bool scsi_op_available(const struct scsi_op *op, const struct scsi_lu *lu);

/* cmd->state: the low bits are the handler's step; the high bits are the
 * dispatcher's: done() was called, the command holds the LU's gate, it was
 * aborted, it waits for the disk. */
#define SCSI_STATE_DONE 0x80000000u
#define SCSI_STATE_GATE_SHARED 0x40000000u
#define SCSI_STATE_GATE_EXCL 0x20000000u
#define SCSI_STATE_ABORTED 0x10000000u /* scsi_cmd_abort: no more disk I/O */
#define SCSI_STATE_IO 0x08000000u      /* a disk I/O of the command is in flight */
#define SCSI_STATE_ORPHAN 0x04000000u  /* aborted with its write in the storage path:
					  later writes wait for it (taskset.h) */
#define SCSI_STATE_PR_REFRESH 0x02000000u /* its disk I/O reloads the shared PR
					     state before it runs (pr_shared.c) */
#define SCSI_STATE_STEP 0x0000ffffu

/* The handler's step, leaving the dispatcher's bits alone. */
static inline uint32_t scsi_step(const struct scsi_cmd *cmd)
{
	return cmd->state & SCSI_STATE_STEP;
}

static inline void scsi_step_set(struct scsi_cmd *cmd, uint32_t step)
{
	cmd->state = (cmd->state & ~SCSI_STATE_STEP) | (step & SCSI_STATE_STEP);
}

#endif
