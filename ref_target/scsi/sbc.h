/* sbc: handlers of the SBC-3 block commands and the block limits they
 * advertise. rw.c: READ, WRITE, VERIFY, WRITE AND VERIFY, WRITE ATOMIC; sbc.c: READ
 * CAPACITY, SYNCHRONIZE CACHE, PRE-FETCH, READ DEFECT DATA; lbp.c: UNMAP, WRITE SAME, GET LBA
 * STATUS; caw.c: COMPARE AND WRITE, ORWRITE. Referenced from the command
 * table (opcodes.c); the limits are also in the Block Limits VPD page.
 */
#ifndef RT_SCSI_SBC_H
#define RT_SCSI_SBC_H

#include <stdint.h>

#include "scsi.h"

/* Ours: bytes of medium one VERIFY step reads at a time (bounded memory
 * whatever the verification length). */
#define SBC_VERIFY_CHUNK (256u * 1024u)

/* Ours: the most blocks one COMPARE AND WRITE may compare (MAXIMUM COMPARE
 * AND WRITE LENGTH, a one-byte field; 2 x 255 blocks of 4096 bytes stay
 * within RT_XFER_MAX). */
#define SBC_CAW_BLOCKS_MAX 255u
/* Ours: bytes of a WRITE SAME pattern written per disk request. */
#define SBC_WS_CHUNK (1024u * 1024u)

/* Ours: UNMAP limits advertised in the Block Limits VPD page (SBC-3
 * §6.5.3): no limit on blocks per command (each descriptor is one disk
 * request), at most this many descriptors per parameter list. */
#define SBC_UNMAP_LBA_MAX 0xffffffffu
#define SBC_UNMAP_DESC_MAX 256u
/* Ours: LBA status descriptors one GET LBA STATUS returns at most (each
 * is one disk query). */
#define SBC_LBA_STATUS_DESC_MAX 64u

/* SBC-4 WRITE ATOMIC(16): its TRANSFER LENGTH is 2 bytes, at byte 12. */
#define SBC_OP_WRITE_ATOMIC16 0x9cu


/* The LBA, block count and the CDB offset of the count field of any
 * block command whose layout follows its CDB length (the 6-, 10-, 12- and
 * 16-byte forms of SBC-3 §5). */
void sbc_lba_count(const struct scsi_cmd *cmd, uint64_t *lba, uint32_t *count, uint16_t *count_field);
/* The decode of a block command: its LBA and count checked (-1 with sense
 * set when not), cmd's lba/nblocks set, and its transfer: xfer_blocks
 * blocks in direction dir (UINT32_MAX: the count), none when the count
 * is 0 (rw.c). */
int sbc_rw_decode(struct scsi_cmd *cmd, enum scsi_dir dir, uint32_t xfer_blocks);

/* Whole blocks of OUT data received (RFC 7143 §11.4.5: the initiator's
 * expected data transfer length may be less than the CDB asks). Returns the count, or
 * -1 with INVALID FIELD IN COMMAND INFORMATION UNIT when the data ends
 * inside a block. */
int64_t sbc_blocks_received(struct scsi_cmd *cmd);

int sbc_read_decode(struct scsi_cmd *cmd);
void sbc_read_exec(struct scsi_cmd *cmd);
void sbc_read_done(struct scsi_cmd *cmd);
int sbc_write_decode(struct scsi_cmd *cmd);
void sbc_write_exec(struct scsi_cmd *cmd);
void sbc_write_done(struct scsi_cmd *cmd); /* io_done of WRITE and WRITE ATOMIC */
int sbc_write_atomic_decode(struct scsi_cmd *cmd);
void sbc_write_atomic_exec(struct scsi_cmd *cmd);
int sbc_verify_decode(struct scsi_cmd *cmd);
void sbc_verify_exec(struct scsi_cmd *cmd);
int sbc_write_verify_decode(struct scsi_cmd *cmd);
void sbc_write_verify_exec(struct scsi_cmd *cmd);
void sbc_verify_done(struct scsi_cmd *cmd); /* io_done of VERIFY and WRITE AND VERIFY */

int sbc_read_capacity10_decode(struct scsi_cmd *cmd);
void sbc_read_capacity10_exec(struct scsi_cmd *cmd);
int sbc_read_capacity16_decode(struct scsi_cmd *cmd);
void sbc_read_capacity16_exec(struct scsi_cmd *cmd);
int sbc_sync_cache_decode(struct scsi_cmd *cmd);
void sbc_sync_cache_exec(struct scsi_cmd *cmd);
void sbc_sync_cache_done(struct scsi_cmd *cmd);
int sbc_prefetch_decode(struct scsi_cmd *cmd);
void sbc_prefetch_exec(struct scsi_cmd *cmd);
int sbc_read_defect_decode(struct scsi_cmd *cmd);
void sbc_read_defect_exec(struct scsi_cmd *cmd);

/* MAXIMUM WRITE SAME LENGTH: one maximum transfer's worth of blocks, so
 * that a WRITE SAME writes no more than a WRITE may. */
struct scsi_lu;
uint32_t sbc_write_same_blocks_max(const struct scsi_lu *lu);
int sbc_write_same_decode(struct scsi_cmd *cmd);
void sbc_write_same_exec(struct scsi_cmd *cmd);
void sbc_write_same_done(struct scsi_cmd *cmd);
int sbc_unmap_decode(struct scsi_cmd *cmd);
void sbc_unmap_exec(struct scsi_cmd *cmd);
void sbc_unmap_done(struct scsi_cmd *cmd);
int sbc_get_lba_status_decode(struct scsi_cmd *cmd);
void sbc_get_lba_status_exec(struct scsi_cmd *cmd);
void sbc_get_lba_status_done(struct scsi_cmd *cmd);

/* MAXIMUM COMPARE AND WRITE LENGTH of lu (SBC-3 §6.5.3), in blocks: what
 * its storage compares and writes in one step (RT_LU_COMPARE_WRITE), else
 * SBC_CAW_BLOCKS_MAX (the gate's read-compare-write). */
uint32_t sbc_caw_blocks_max(const struct scsi_lu *lu);
int sbc_caw_decode(struct scsi_cmd *cmd);
void sbc_caw_exec(struct scsi_cmd *cmd);
void sbc_caw_done(struct scsi_cmd *cmd);
int sbc_orwrite_decode(struct scsi_cmd *cmd);
void sbc_orwrite_exec(struct scsi_cmd *cmd);
void sbc_orwrite_done(struct scsi_cmd *cmd);

#endif
