/* cmd: decode and dispatch of every command through the table in
 * opcodes.c; completion, data-in and disk I/O helpers shared by handlers.
 *
 * Order of checks, as SAM-5 and LIO do it: at decode (pure) the LUN,
 * the opcode, the reserved bits of the CDB and the handler's own field
 * checks; at execution (state) unit attentions (SAM-5 §5.14), then write
 * protection, then the command.
 */
#include "cmd.h"

#include <assert.h>
#include <string.h>

#include "bytes.h"
#include "alua.h"
#include "medium.h"
#include "mode.h"
#include "pr.h"
#include "reserve.h"
#include "taskset.h"
#include "ua.h"

/* SPC-4 §4.2 (CDB formats): a service action is CDB byte 1 bits 4:0. */
#define CDB_SA_MASK 0x1fu

const struct scsi_op *scsi_op_find(uint8_t opcode, uint8_t sa, bool *has_sa)
{
	size_t lo = 0, hi = scsi_ops_count;
	*has_sa = false;
	while (lo < hi) { /* first entry with this opcode */
		size_t mid = lo + (hi - lo) / 2;
		if (scsi_ops[mid].opcode < opcode)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < scsi_ops_count && scsi_ops[i].opcode == opcode; i++) {
		if (!(scsi_ops[i].flags & OP_SA))
			return &scsi_ops[i];
		if (scsi_ops[i].sa == sa)
			return &scsi_ops[i];
		*has_sa = true;
	}
	return NULL;
}

const struct scsi_op *scsi_op_of(const struct scsi_cmd *cmd)
{
	bool has_sa;
	return scsi_op_find(cmd->cdb[0], cmd->cdb[1] & CDB_SA_MASK, &has_sa);
}

/* The bit pointer for bad bits of a CDB byte (SPC-4 §4.5: the most
 * significant bit of the field in error). Fields are not in the table, but
 * a run of adjacent unused bits is one field (RDPROTECT): point at the top
 * of the run holding the highest bad bit; a byte we do not use at all is
 * the field itself, without a bit pointer. */
static uint8_t field_bit(uint8_t bad, uint8_t usage)
{
	assert(bad != 0);
	if (usage == 0)
		return SCSI_BIT_NONE;
	uint8_t b = (uint8_t)(31 - __builtin_clz(bad));
	while (b < 7 && !(usage & (1u << (b + 1))))
		b++;
	return b;
}

/* Every bit the device server does not examine must be zero: reserved
 * fields, unsupported options (RDPROTECT without protection information,
 * NACA without ACA support, SAM-5 §5.10). */
static int scsi_check_usage(struct scsi_cmd *cmd, const struct scsi_op *op)
{
	for (uint16_t i = 1; i < op->cdb_len; i++) {
		uint8_t bad = cmd->cdb[i] & (uint8_t)~op->usage[i];
		if (bad != 0) {
			scsi_fail_cdb(cmd, i, field_bit(bad, op->usage[i]));
			return -1;
		}
	}
	return 0;
}

int scsi_cmd_decode(struct scsi_cmd *cmd)
{
	cmd->dir = SCSI_DIR_NONE;
	cmd->xfer_len = 0;
	cmd->status = SCSI_STATUS_GOOD;
	cmd->sense_len = 0;
	cmd->data_in_len = 0;
	cmd->state = 0;
	cmd->lba = 0;
	cmd->nblocks = 0;
	cmd->priv = NULL;
	cmd->priv_len = 0;

	bool has_sa;
	const struct scsi_op *op = scsi_op_find(cmd->cdb[0], cmd->cdb[1] & CDB_SA_MASK, &has_sa);
	/* SPC-4 (incorrect logical unit selection): only INQUIRY,
	 * REPORT LUNS and REQUEST SENSE answer for a LUN that is not there. */
	if (cmd->lu == NULL && (op == NULL || !(op->flags & OP_NO_LU))) {
		scsi_fail(cmd, SC_LUN_NOT_SUPPORTED);
		return -1;
	}
#ifdef RT_PLANT_BUG_unsupported_opcode_good
	/* Planted (sim/planted-bugs.txt): an opcode the table does not know
	 * ends GOOD, as if executed, instead of 05/20/00. */
	if (op == NULL && !has_sa)
		return -1;
#endif
	if (op == NULL || cmd->cdb_len < op->cdb_len || (cmd->lu != NULL && !scsi_op_available(op, cmd->lu))) {
		if (has_sa) /* unknown service action: a bad field */
			scsi_fail_cdb(cmd, 1, 4);
		else
			scsi_fail(cmd, SC_INVALID_OPCODE);
		return -1;
	}
	if (scsi_check_usage(cmd, op) != 0)
		return -1;
	if (op->decode(cmd) != 0)
		return -1;
	/* limits.h: RT_XFER_MAX is the most one command moves. An allocation
	 * length only caps the answer (SPC-4 §4.2.5.6); a parameter list that
	 * long is refused before any buffer is taken for it. */
	if (cmd->dir == SCSI_DIR_IN && cmd->xfer_len > RT_XFER_MAX)
		cmd->xfer_len = RT_XFER_MAX;
	if (cmd->dir == SCSI_DIR_OUT && cmd->xfer_len > RT_XFER_MAX) {
		scsi_fail(cmd, SC_PARAM_LIST_LENGTH);
		return -1;
	}
	return 0;
}

bool scsi_write_protected(const struct scsi_cmd *cmd)
{
	return cmd->read_only || (cmd->lu->cfg->flags & RT_LU_READ_ONLY) || mode_swp(cmd->lu);
}

bool scsi_op_available(const struct scsi_op *op, const struct scsi_lu *lu)
{
	return (lu_caps(lu) & op->requires) == op->requires;
}

/* The state checks that come before any command runs, in LIO's order:
 * unit attention (SAM-5 §5.14), the ALUA state of the port (SPC-4
 * §5.15.2.4), a sanitize in progress (SBC-3: only INQUIRY, REPORT LUNS and
 * REQUEST SENSE pass), reservations, the medium, write protection.
 * Returns false if the command was answered. */
static bool scsi_precheck(struct scsi_cmd *cmd, const struct scsi_op *op)
{
	struct scsi_lu *lu = cmd->lu;
	enum scsi_cond c = SC_NO_SENSE;
	alua_port_seen(lu, cmd->nexus);
	if (!(op->flags & OP_NO_UA))
		c = ua_take(&lu->nexuses, cmd->nexus);
	if (c == SC_NO_SENSE)
		c = alua_check(cmd, op->flags);
	if (c == SC_NO_SENSE && !(op->flags & OP_NO_UA) && lu->sanitize.running)
		c = SC_SANITIZE_IN_PROGRESS;
	if (c == SC_NO_SENSE && (reserve_conflicts(cmd, op->flags) || pr_conflicts(cmd, op->flags))) {
		cmd->status = SCSI_STATUS_RESERVATION_CONFLICT;
		return false;
	}
	if (c == SC_NO_SENSE && (op->flags & OP_MEDIUM) && !medium_present(lu))
		c = SC_MEDIUM_NOT_PRESENT;
	if (c == SC_NO_SENSE && (op->flags & OP_MEDIUM) && lu->sanitize.failed)
		c = SC_SANITIZE_FAILED;
	if (c == SC_NO_SENSE && (op->flags & OP_WRITE) && scsi_write_protected(cmd))
		c = SC_WRITE_PROTECTED;
	if (c != SC_NO_SENSE)
		scsi_fail(cmd, c);
	return c == SC_NO_SENSE;
}

void scsi_cmd_exec(struct scsi_cmd *cmd)
{
	if (cmd->lu != NULL && !taskset_attr_pass(&cmd->lu->tasks, cmd))
		return; /* scsi_lu_start_held runs it later */
	scsi_cmd_run(cmd);
}

void scsi_cmd_run(struct scsi_cmd *cmd)
{
	const struct scsi_op *op = scsi_op_of(cmd);
	assert(op != NULL); /* decode accepted it */
	if (cmd->lu != NULL) {
		/* a shared LU's reservations may have changed elsewhere */
		if (pr_refresh_start(cmd, op->flags))
			return; /* pr_refresh_done runs it again */
		if (!scsi_precheck(cmd, op)) {
			scsi_done(cmd);
			return;
		}
		if ((op->flags & (OP_WRITE | OP_ATOMIC)) &&
		    !taskset_gate_enter(&cmd->lu->tasks, cmd, op->flags & OP_ATOMIC))
			return; /* taskset_gate_wake runs op->exec later */
	}
	op->exec(cmd);
}

/* An aborted command ends here: nothing more of it reaches the disk. */
static void scsi_abandon(struct scsi_cmd *cmd)
{
	const struct scsi_op *op = scsi_op_of(cmd);
	/* a command still reloading the shared PR state never ran: its
	 * priv is the reload's, nothing of the handler's to undo */
	if (op != NULL && op->abandon != NULL && !(cmd->state & SCSI_STATE_PR_REFRESH))
		op->abandon(cmd);
	scsi_priv_free(cmd);
}

static void scsi_abort_finish(struct scsi_cmd *cmd)
{
	scsi_abandon(cmd);
	cmd->status = SCSI_STATUS_TASK_ABORTED;
	cmd->sense_len = 0;
	cmd->data_in_len = 0;
	scsi_done(cmd);
}

void scsi_disk_done(struct rt_disk_io *io)
{
	struct scsi_cmd *cmd = io->owner;
	const struct scsi_op *op = scsi_op_of(cmd);
	assert(op != NULL && (op->io_done != NULL || (cmd->state & SCSI_STATE_PR_REFRESH)));
	assert(!(cmd->state & SCSI_STATE_DONE) && (cmd->state & SCSI_STATE_IO));
	cmd->state &= ~SCSI_STATE_IO;
	if (cmd->state & SCSI_STATE_PR_REFRESH) {
		/* a reload before the command ran: nothing of it to abandon */
		cmd->state &= ~SCSI_STATE_PR_REFRESH;
		if (cmd->state & SCSI_STATE_ABORTED) {
			scsi_priv_free(cmd);
			scsi_abort_finish(cmd);
			return;
		}
		pr_refresh_done(cmd);
		return;
	}
	if (cmd->state & SCSI_STATE_ABORTED) {
		scsi_abort_finish(cmd);
		return;
	}
	op->io_done(cmd);
}

void scsi_cmd_abort(struct scsi_cmd *cmd)
{
	assert(!(cmd->state & SCSI_STATE_DONE));
	cmd->state |= SCSI_STATE_ABORTED;
	/* Held back (its task attribute, the LU's gate): it never started.
	 * With its disk I/O in flight, scsi_disk_done ends it. Otherwise it
	 * waits for nothing of its own (a SANITIZE for its job): it ends now. */
	bool queued = cmd->lu != NULL && taskset_forget(&cmd->lu->tasks, cmd);
	if (queued || !(cmd->state & SCSI_STATE_IO)) {
		scsi_abort_finish(cmd);
		return;
	}
	/* A write already at the disk may still land: until it has, new
	 * writes wait at the gate (taskset.h, orphans). */
#ifdef RT_PLANT_BUG_nexus_loss_forgets_disk_write
	/* Planted (sim/planted-bugs.txt): the aborted write at the disk is
	 * forgotten, as before issue 16 defect 2: a host that logs in again
	 * and writes the same blocks is overwritten when it lands. */
	return;
#endif
	if (cmd->state & (SCSI_STATE_GATE_SHARED | SCSI_STATE_GATE_EXCL)) {
		cmd->state |= SCSI_STATE_ORPHAN;
		cmd->lu->tasks.orphans++;
	}
}

void scsi_cmd_release(struct scsi_cmd *cmd)
{
	if (cmd->state & SCSI_STATE_DONE)
		return;
	struct scsi_lu *lu = cmd->lu;
	uint32_t gated = cmd->state & (SCSI_STATE_GATE_SHARED | SCSI_STATE_GATE_EXCL);
	if (lu != NULL && !taskset_forget(&lu->tasks, cmd) && gated)
		taskset_gate_leave(&lu->tasks, gated & SCSI_STATE_GATE_EXCL);
	if (cmd->state & SCSI_STATE_ORPHAN)
		lu->tasks.orphans--;
	scsi_abandon(cmd);
	cmd->state |= SCSI_STATE_DONE;
}

void scsi_gate_hand_over(struct scsi_cmd *from, struct scsi_cmd *to)
{
	uint32_t gated = from->state & (SCSI_STATE_GATE_SHARED | SCSI_STATE_GATE_EXCL);
	from->state &= ~gated;
	to->state |= gated;
}

void scsi_done(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	uint32_t gated = cmd->state & (SCSI_STATE_GATE_SHARED | SCSI_STATE_GATE_EXCL);
	assert(!(cmd->state & SCSI_STATE_DONE));
	assert(cmd->data_in_len <= cmd->xfer_len);
	assert(cmd->priv == NULL); /* handlers free what they allocated first */
	cmd->state |= SCSI_STATE_DONE;
	if (gated)
		taskset_gate_leave(&lu->tasks, gated & SCSI_STATE_GATE_EXCL);
	if (cmd->state & SCSI_STATE_ORPHAN) {
		assert(lu->tasks.orphans > 0);
		lu->tasks.orphans--;
	}
	cmd->done(cmd); /* cmd may be gone from here on */
	if (gated)
		taskset_gate_wake(&lu->tasks);
}

void scsi_done_fail(struct scsi_cmd *cmd, enum scsi_cond cond)
{
	scsi_fail(cmd, cond);
	scsi_done(cmd);
}

void scsi_done_busy(struct scsi_cmd *cmd)
{
	cmd->status = SCSI_STATUS_BUSY;
	cmd->sense_len = 0;
	cmd->data_in_len = 0;
	scsi_done(cmd);
}

void scsi_data_in(struct scsi_cmd *cmd, const void *data, uint32_t len)
{
	uint32_t n = len < cmd->xfer_len ? len : cmd->xfer_len;
	if (n > 0) /* buf is NULL when xfer_len is 0 (C11 7.24.1) */
		memcpy(cmd->buf, data, n);
	cmd->data_in_len = n;
}

void scsi_io_submit(struct scsi_cmd *cmd, enum rt_disk_op op, uint64_t lba, uint64_t blocks,
		    uint8_t *buf, uint32_t flags)
{
	const struct scsi_lu *lu = cmd->lu;
	struct rt_disk_io *io = &cmd->io;
	uint32_t bs = lu_block_size(lu);
	assert(lba <= lu_blocks(lu) && blocks <= lu_blocks(lu) - lba);
	memset(io, 0, sizeof(*io));
	io->lu = lu->index;
	io->op = op;
	io->flags = flags;
	io->offset = lba * bs;
	io->len = blocks * bs;
	io->buf = buf;
	io->status = RT_DISK_OK;
	io->owner = cmd;
	cmd->state |= SCSI_STATE_IO;
	lu->env->disk_submit(lu->env->ctx, io);
}

/* A request beside the blocks (no LBA): the record ones and ALUA_SET. */
static void scsi_io_submit_other(struct scsi_cmd *cmd, enum rt_disk_op op, uint64_t offset, uint8_t *buf,
				 uint32_t len, uint64_t version)
{
	const struct scsi_lu *lu = cmd->lu;
	struct rt_disk_io *io = &cmd->io;
	memset(io, 0, sizeof(*io));
	io->lu = lu->index;
	io->op = op;
	io->offset = offset;
	io->len = len;
	io->buf = buf;
	io->version = version;
	io->status = RT_DISK_OK;
	io->owner = cmd;
	cmd->state |= SCSI_STATE_IO;
	lu->env->disk_submit(lu->env->ctx, io);
}

void scsi_io_submit_record(struct scsi_cmd *cmd, enum rt_disk_op op, uint8_t *buf, uint32_t len,
			   uint64_t version)
{
	assert(op == RT_DISK_PR_LOAD || op == RT_DISK_PR_STORE);
	scsi_io_submit_other(cmd, op, 0, buf, len, version);
}

void scsi_io_submit_alua_set(struct scsi_cmd *cmd, uint16_t tpg_tag)
{
	scsi_io_submit_other(cmd, RT_DISK_ALUA_SET, tpg_tag, NULL, 0, 0);
}

bool scsi_io_ok(struct scsi_cmd *cmd)
{
	switch (cmd->io.status) {
	case RT_DISK_OK:
		return true;
	case RT_DISK_ERR_READ:
		scsi_fail(cmd, SC_READ_ERROR);
		return false;
	case RT_DISK_ERR_WRITE:
		scsi_fail(cmd, SC_WRITE_ERROR);
		return false;
	case RT_DISK_ERR_SPACE:
		scsi_fail(cmd, SC_SPACE_ALLOC_FAILED);
		return false;
	case RT_DISK_ERR_FENCED:
		/* This gateway may no longer write: tell the initiator to
		 * retry through another path, as an ALUA transition does. */
		scsi_fail(cmd, SC_NOT_READY_TRANSITION);
		return false;
	case RT_DISK_ERR_BLOCKLISTED:
		/* Fenced for good: the path is unavailable (SPC-4 §5.15.2.4),
		 * which initiators answer by failing over to another path;
		 * a transition (above) they retry on this one, which would
		 * never succeed again. */
		scsi_fail(cmd, SC_NOT_READY_UNAVAILABLE);
		return false;
	case RT_DISK_ERR_UNSUPPORTED:
		/* the backstore cannot do what this command needs */
		scsi_fail(cmd, SC_INTERNAL_FAILURE);
		return false;
	case RT_DISK_ERR_STALE:
		/* only a PR_STORE fails so, and pr_shared.c retries it */
		scsi_fail(cmd, SC_INTERNAL_FAILURE);
		return false;
	case RT_DISK_MISCOMPARE:
		/* only a COMPARE_WRITE answers so, and caw.c reports it
		 * itself, with the offset in INFORMATION */
		scsi_fail(cmd, SC_MISCOMPARE);
		return false;
	}
	scsi_fail(cmd, SC_INTERNAL_FAILURE);
	return false;
}

int scsi_check_lba(struct scsi_cmd *cmd, uint64_t lba, uint64_t blocks)
{
	uint64_t cap = lu_blocks(cmd->lu);
	if (lba >= cap || blocks > cap - lba) {
		scsi_fail(cmd, SC_LBA_OUT_OF_RANGE);
		return -1;
	}
	return 0;
}

int scsi_check_xfer(struct scsi_cmd *cmd, uint64_t blocks, uint16_t field)
{
	if (blocks > lu_xfer_blocks_max(cmd->lu)) {
		scsi_fail_cdb(cmd, field, SCSI_BIT_NONE);
		return -1;
	}
	return 0;
}

void *scsi_alloc(const struct scsi_lu *lu, size_t size)
{
	return lu->env->alloc(lu->env->ctx, size);
}

void scsi_free(const struct scsi_lu *lu, void *p, size_t size)
{
	lu->env->free(lu->env->ctx, p, size);
}

void *scsi_priv_alloc(struct scsi_cmd *cmd, size_t size)
{
	assert(cmd->priv == NULL && size <= UINT32_MAX);
	cmd->priv = scsi_alloc(cmd->lu, size);
	cmd->priv_len = cmd->priv ? (uint32_t)size : 0;
	return cmd->priv;
}

void scsi_priv_free(struct scsi_cmd *cmd)
{
	if (cmd->priv == NULL)
		return;
	scsi_free(cmd->lu, cmd->priv, cmd->priv_len);
	cmd->priv = NULL;
	cmd->priv_len = 0;
}
