/* sbc: READ CAPACITY(10)/(16), SYNCHRONIZE CACHE(10)/(16) and
 * PRE-FETCH(10)/(16) (SBC-3 §5).
 *
 * READ CAPACITY(16) reports thin provisioning (LBPME) and whether unmapped
 * blocks read as zeroes (LBPRZ) as the LU is configured (SBC-3 §4.7).
 * SYNCHRONIZE CACHE flushes the whole volatile cache whatever range it
 * names: a superset of what is asked, and what a backstore can do.
 * PRE-FETCH has no cache to fill: GOOD (SBC-3: the cache could not hold
 * the blocks), after the range check.
 */
#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "sbc.h"

#define RC10_LEN 8u
#define RC16_LEN 32u
#define RC16_LBPME 0x80u
#define RC16_LBPRZ 0x40u

int sbc_read_capacity10_decode(struct scsi_cmd *cmd)
{
	cmd->dir = SCSI_DIR_IN;
	cmd->xfer_len = RC10_LEN;
	return 0;
}

/* A capacity beyond 32 bits reads FFFFFFFFh: use READ CAPACITY(16). */
void sbc_read_capacity10_exec(struct scsi_cmd *cmd)
{
	uint8_t d[RC10_LEN];
	uint64_t last = lu_blocks(cmd->lu) - 1;
	put_be32(d, last > UINT32_MAX ? UINT32_MAX : (uint32_t)last);
	put_be32(d + 4, lu_block_size(cmd->lu));
	scsi_data_in(cmd, d, sizeof(d));
	scsi_done(cmd);
}

int sbc_read_capacity16_decode(struct scsi_cmd *cmd)
{
	cmd->dir = SCSI_DIR_IN;
	cmd->xfer_len = get_be32(cmd->cdb + 10);
	return 0;
}

void sbc_read_capacity16_exec(struct scsi_cmd *cmd)
{
	uint8_t d[RC16_LEN];
	uint32_t flags = cmd->lu->cfg->flags;
	memset(d, 0, sizeof(d));
	put_be64(d, lu_blocks(cmd->lu) - 1);
	put_be32(d + 8, lu_block_size(cmd->lu));
	d[14] = (uint8_t)(((flags & RT_LU_THIN) ? RC16_LBPME : 0) | ((flags & RT_LU_LBPRZ) ? RC16_LBPRZ : 0));
	scsi_data_in(cmd, d, sizeof(d));
	scsi_done(cmd);
}

/* NUMBER OF LOGICAL BLOCKS 0 means "to the end of the medium". */
int sbc_sync_cache_decode(struct scsi_cmd *cmd)
{
	uint64_t lba;
	uint32_t count;
	uint16_t field;
	sbc_lba_count(cmd, &lba, &count, &field);
	return scsi_check_lba(cmd, lba, count);
}

/* IMMED asks for status before the flush ends; we answer after it, which
 * the initiator cannot tell from a fast flush. */
void sbc_sync_cache_exec(struct scsi_cmd *cmd)
{
	scsi_io_submit(cmd, RT_DISK_FLUSH, 0, 0, NULL, 0);
}

void sbc_sync_cache_done(struct scsi_cmd *cmd)
{
	scsi_io_ok(cmd);
	scsi_done(cmd);
}

int sbc_prefetch_decode(struct scsi_cmd *cmd)
{
	uint64_t lba;
	uint32_t count;
	uint16_t field;
	sbc_lba_count(cmd, &lba, &count, &field);
	return scsi_check_lba(cmd, lba, count);
}

void sbc_prefetch_exec(struct scsi_cmd *cmd)
{
	scsi_done(cmd);
}
