/* sbc: READ CAPACITY(10)/(16), SYNCHRONIZE CACHE(10)/(16),
 * PRE-FETCH(10)/(16) and READ DEFECT DATA(10)/(12) (SBC-3 §5).
 *
 * READ CAPACITY(16) reports thin provisioning (LBPME) and whether unmapped
 * blocks read as zeroes (LBPRZ) as the LU is configured (SBC-3 §4.7), and
 * its physical block size (LBPPBE; the first physical block starts at
 * LBA 0).
 * SYNCHRONIZE CACHE flushes the whole volatile cache whatever range it
 * names: a superset of what is asked, and what a backstore can do.
 * PRE-FETCH has no cache to fill: GOOD (SBC-3: the cache could not hold
 * the blocks), after the range check. A virtual medium has no defects:
 * READ DEFECT DATA returns the lists asked for, empty.
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
	d[13] = cmd->lu->cfg->lbppbe & LU_LBPPBE_MAX; /* LOWEST ALIGNED LBA (bytes 14-15) is 0 */
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

/* READ DEFECT DATA: REQ_PLIST, REQ_GLIST and the list format in one byte
 * (CDB byte 2 of the 10-byte form, byte 1 of the 12-byte form); the reply
 * echoes them as PLISTV, GLISTV and the format. */
#define DEFECT_LISTS_AND_FORMAT 0x1fu
#define DEFECT10_LEN 4u
#define DEFECT12_LEN 8u

static bool defect_is12(const struct scsi_cmd *cmd)
{
	return cmd->cdb[0] == 0xb7;
}

int sbc_read_defect_decode(struct scsi_cmd *cmd)
{
	cmd->xfer_len = defect_is12(cmd) ? get_be32(cmd->cdb + 6) : get_be16(cmd->cdb + 7);
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

void sbc_read_defect_exec(struct scsi_cmd *cmd)
{
	uint8_t d[DEFECT12_LEN] = {0};
	bool twelve = defect_is12(cmd);
	d[1] = cmd->cdb[twelve ? 1 : 2] & DEFECT_LISTS_AND_FORMAT;
	scsi_data_in(cmd, d, twelve ? DEFECT12_LEN : DEFECT10_LEN); /* DEFECT LIST LENGTH 0 */
	scsi_done(cmd);
}
