/* caw: the atomic read-modify-write commands of SBC-3: COMPARE AND WRITE
 * and ORWRITE(16).
 *
 * Both read the blocks, work on them, and write the result while holding
 * the LU's gate alone (taskset.h: OP_ATOMIC), so no other write to the LU can
 * land between the read and the write, whatever order the disk completes
 * requests in. COMPARE AND WRITE writes only if the medium equals the
 * first half of the Data-Out buffer, else answers MISCOMPARE with the
 * offset of the first differing byte in the INFORMATION field (SBC-3
 * §5.2); ORWRITE writes medium OR data.
 *
 * The gate orders this engine's commands only. Where several gateways
 * write one storage (Ceph iSCSI gateways, one RBD image), another
 * gateway's write can land between the read and the write: two hosts'
 * compares of the same value both succeed (scenarios 10 and 42; an
 * exclusive lock does not help, it moves between the read and the write).
 * An LU whose storage compares and writes in one step (RT_LU_COMPARE_WRITE:
 * rbd, librbd's compare-and-write) gets COMPARE AND WRITE as one request,
 * RT_DISK_COMPARE_WRITE, atomic for every gateway; still under the gate,
 * which keeps it ordered with this engine's other writes as before.
 */
#include <assert.h>
#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "mode.h"
#include "sbc.h"

#define CDB_FUA 0x08u
#define CAW_BLOCKS_FIELD 13u

enum {
	RMW_STEP_READ = 1,
	RMW_STEP_WRITE = 2,
	CAW_STEP_STORAGE = 3, /* RT_DISK_COMPARE_WRITE */
};

/* The blocks read from the medium, in cmd->priv. */
static size_t rmw_size(const struct scsi_cmd *cmd)
{
	return (size_t)cmd->nblocks * lu_block_size(cmd->lu);
}

static void rmw_end(struct scsi_cmd *cmd)
{
	scsi_priv_free(cmd);
	scsi_done(cmd);
}

/* Read the blocks into a scratch buffer. */
static void rmw_read(struct scsi_cmd *cmd)
{
	uint8_t *old = scsi_priv_alloc(cmd, rmw_size(cmd));
	if (old == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	scsi_step_set(cmd, RMW_STEP_READ);
	scsi_io_submit(cmd, RT_DISK_READ, cmd->lba, cmd->nblocks, old, 0);
}

static void rmw_write(struct scsi_cmd *cmd, uint8_t *data)
{
	bool fua = (cmd->cdb[1] & CDB_FUA) || !mode_wce(cmd->lu);
	scsi_step_set(cmd, RMW_STEP_WRITE);
	scsi_io_submit(cmd, RT_DISK_WRITE, cmd->lba, cmd->nblocks, data, fua ? RT_DISK_FUA : 0);
}

/* ---- COMPARE AND WRITE ---- */

static bool caw_in_storage(const struct scsi_lu *lu)
{
	return (lu->cfg->flags & RT_LU_COMPARE_WRITE) != 0;
}

uint32_t sbc_caw_blocks_max(const struct scsi_lu *lu)
{
	if (!caw_in_storage(lu))
		return SBC_CAW_BLOCKS_MAX;
	/* config.c checked that the storage compares one block at least */
	uint32_t n = lu->cfg->compare_write_max / lu->cfg->block_size;
	assert(n >= 1);
	return n < SBC_CAW_BLOCKS_MAX ? n : SBC_CAW_BLOCKS_MAX;
}

int sbc_caw_decode(struct scsi_cmd *cmd)
{
	uint64_t lba = get_be64(cmd->cdb + 2);
	uint32_t blocks = cmd->cdb[CAW_BLOCKS_FIELD];
	if (blocks > sbc_caw_blocks_max(cmd->lu)) { /* the Block Limits VPD page says so */
		scsi_fail_cdb(cmd, CAW_BLOCKS_FIELD, SCSI_BIT_NONE);
		return -1;
	}
	if (scsi_check_lba(cmd, lba, blocks) != 0)
		return -1;
	cmd->lba = lba;
	cmd->nblocks = blocks;
	cmd->xfer_len = 2 * blocks * lu_block_size(cmd->lu); /* verify data, then write data */
	cmd->dir = blocks ? SCSI_DIR_OUT : SCSI_DIR_NONE;
	/* The Data-Out buffer splits in two halves at NUMBER OF LOGICAL
	 * BLOCKS (SBC-3 §5.2): any other expected length means the field is
	 * not what the initiator meant (e.g. 256 blocks, which the one-byte
	 * field carries as 0), so neither half can be told apart. */
	if (cmd->edtl != cmd->xfer_len) {
		scsi_fail_cdb(cmd, CAW_BLOCKS_FIELD, SCSI_BIT_NONE);
		return -1;
	}
	return 0;
}

void sbc_caw_exec(struct scsi_cmd *cmd)
{
	if (cmd->nblocks == 0) { /* SBC-3: not an error */
		scsi_done(cmd);
		return;
	}
	if (caw_in_storage(cmd->lu)) {
		/* the Data-Out buffer is already the request's: compare half, then write half */
		bool fua = (cmd->cdb[1] & CDB_FUA) || !mode_wce(cmd->lu);
		scsi_step_set(cmd, CAW_STEP_STORAGE);
		scsi_io_submit(cmd, RT_DISK_COMPARE_WRITE, cmd->lba, cmd->nblocks, cmd->buf, fua ? RT_DISK_FUA : 0);
		return;
	}
	rmw_read(cmd);
}

/* MISCOMPARE DURING VERIFY OPERATION, INFORMATION = the offset of the
 * first differing byte in the compare half (SBC-3 §5.2). */
static void caw_miscompare(struct scsi_cmd *cmd, uint64_t at)
{
	assert(at < rmw_size(cmd));
	scsi_fail_info(cmd, SC_MISCOMPARE, at);
}

static void caw_storage_done(struct scsi_cmd *cmd)
{
	if (cmd->io.status == RT_DISK_MISCOMPARE)
		caw_miscompare(cmd, cmd->io.run_len);
	else
		(void)scsi_io_ok(cmd); /* sense set on failure */
	scsi_done(cmd);
}

void sbc_caw_done(struct scsi_cmd *cmd)
{
	if (scsi_step(cmd) == CAW_STEP_STORAGE) {
		caw_storage_done(cmd);
		return;
	}
	if (!scsi_io_ok(cmd) || scsi_step(cmd) == RMW_STEP_WRITE) {
		rmw_end(cmd);
		return;
	}
	const uint8_t *old = cmd->priv;
	size_t n = rmw_size(cmd);
	if (memcmp(old, cmd->buf, n) != 0) {
		size_t i = 0;
		while (old[i] == cmd->buf[i])
			i++;
		caw_miscompare(cmd, i);
		rmw_end(cmd);
		return;
	}
	rmw_write(cmd, cmd->buf + n);
}

/* ---- ORWRITE(16) ---- */

int sbc_orwrite_decode(struct scsi_cmd *cmd)
{
	return sbc_rw_decode(cmd, SCSI_DIR_OUT, UINT32_MAX);
}

void sbc_orwrite_exec(struct scsi_cmd *cmd)
{
	int64_t blocks = sbc_blocks_received(cmd);
	if (blocks <= 0) { /* error (sense set) or nothing to do */
		scsi_done(cmd);
		return;
	}
	cmd->nblocks = (uint32_t)blocks;
	rmw_read(cmd);
}

void sbc_orwrite_done(struct scsi_cmd *cmd)
{
	if (!scsi_io_ok(cmd) || scsi_step(cmd) == RMW_STEP_WRITE) {
		rmw_end(cmd);
		return;
	}
	uint8_t *data = cmd->priv;
	size_t n = rmw_size(cmd);
	for (size_t i = 0; i < n; i++)
		data[i] |= cmd->buf[i];
	rmw_write(cmd, data);
}
