/* rw: the SBC-3 data commands (SBC-3 §5): READ(6/10/12/16),
 * WRITE(6/10/12/16), VERIFY(10/12/16), WRITE AND VERIFY(10/12/16), and
 * SBC-4's WRITE ATOMIC(16).
 *
 * FUA (SBC-3, READ(10) and WRITE(10) field descriptions) makes a write durable before it completes;
 * with the write cache off (WCE 0) every write is. DPO is a caching hint we
 * accept and ignore; FUA_NV names a non-volatile cache we do not have.
 * VERIFY reads the medium in SBC_VERIFY_CHUNK steps and, with BYTCHK,
 * compares it with the Data-Out buffer; WRITE AND VERIFY writes (durably)
 * and then verifies the same way. WRITE ATOMIC is a WRITE the disk must
 * land whole or not at all (RT_DISK_ATOMIC), on LUs whose backstore can
 * (RT_LU_ATOMIC): no alignment, granularity or boundary constraints, up
 * to a maximum transfer (the Block Limits VPD page says so).
 */
#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "mode.h"
#include "sbc.h"

#define CDB_FUA 0x08u
#define CDB_BYTCHK(cdb) (((cdb)[1] >> 1) & 0x3u)
/* SBC-3 VERIFY(10): BYTCHK. */
enum {
	BYTCHK_NONE = 0,   /* verify the medium only */
	BYTCHK_ALL = 1,    /* compare every block with the Data-Out buffer */
	BYTCHK_RESERVED = 2,
	BYTCHK_ONE = 3,    /* compare every block with the one block sent */
};
/* READ(6)/WRITE(6): a TRANSFER LENGTH of 0 means 256 blocks (SBC-3 READ(6)). */
#define RW6_ZERO_MEANS 256u

/* cmd->state steps. */
enum {
	RW_STEP_WRITE = 1,
	RW_STEP_VERIFY = 2,
};

void sbc_lba_count(const struct scsi_cmd *cmd, uint64_t *lba, uint32_t *count, uint16_t *count_field)
{
	const uint8_t *c = cmd->cdb;
	switch (c[0] >> 5) { /* SPC-4 §4.2: the group code gives the CDB length */
	case 0:
		*lba = get_be24(c + 1) & 0x1fffffu;
		*count = c[4] ? c[4] : RW6_ZERO_MEANS;
		*count_field = 4;
		break;
	case 1:
	case 2:
		*lba = get_be32(c + 2);
		*count = get_be16(c + 7);
		*count_field = 7;
		break;
	case 5:
		*lba = get_be32(c + 2);
		*count = get_be32(c + 6);
		*count_field = 6;
		break;
	default: /* group 4: 16-byte CDBs */
		*lba = get_be64(c + 2);
		*count = get_be32(c + 10);
		*count_field = 10;
		if (c[0] == SBC_OP_WRITE_ATOMIC16) { /* bytes 10-11: ATOMIC BOUNDARY */
			*count = get_be16(c + 12);
			*count_field = 12;
		}
		break;
	}
}

int64_t sbc_blocks_received(struct scsi_cmd *cmd)
{
	uint32_t bs = lu_block_size(cmd->lu);
	uint32_t got = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	if (got % bs != 0) {
		scsi_fail(cmd, SC_INVALID_FIELD_IU);
		return -1;
	}
	return got / bs;
}

int sbc_rw_decode(struct scsi_cmd *cmd, enum scsi_dir dir, uint32_t xfer_blocks)
{
	uint64_t lba;
	uint32_t count;
	uint16_t field;
	sbc_lba_count(cmd, &lba, &count, &field);
	if (scsi_check_xfer(cmd, count, field) != 0 || scsi_check_lba(cmd, lba, count) != 0)
		return -1;
	cmd->lba = lba;
	cmd->nblocks = count;
	if (xfer_blocks == UINT32_MAX)
		xfer_blocks = count;
	if (count == 0)
		xfer_blocks = 0;
	cmd->xfer_len = xfer_blocks * lu_block_size(cmd->lu);
	cmd->dir = cmd->xfer_len ? dir : SCSI_DIR_NONE;
	return 0;
}

/* ---- READ ---- */

int sbc_read_decode(struct scsi_cmd *cmd)
{
	return sbc_rw_decode(cmd, SCSI_DIR_IN, UINT32_MAX);
}

void sbc_read_exec(struct scsi_cmd *cmd)
{
	if (cmd->nblocks == 0) {
		scsi_done(cmd);
		return;
	}
	scsi_io_submit(cmd, RT_DISK_READ, cmd->lba, cmd->nblocks, cmd->buf, 0);
}

void sbc_read_done(struct scsi_cmd *cmd)
{
	if (scsi_io_ok(cmd))
		cmd->data_in_len = cmd->xfer_len;
	scsi_done(cmd);
}

/* ---- WRITE ---- */

int sbc_write_decode(struct scsi_cmd *cmd)
{
	return sbc_rw_decode(cmd, SCSI_DIR_OUT, UINT32_MAX);
}

/* FUA, or no volatile cache to hide in (WCE 0). */
static uint32_t rw_write_flags(const struct scsi_cmd *cmd, bool fua)
{
#ifdef RT_PLANT_BUG_ignore_fua
	fua = false; /* planted bug (sim/README.md): the FUA bit is dropped */
#endif
	return (fua || !mode_wce(cmd->lu)) ? RT_DISK_FUA : 0;
}

/* Write the whole blocks received; a WRITE(6) has no FUA bit. 'flags':
 * more RT_DISK_* flags for the disk. */
static void rw_write_received(struct scsi_cmd *cmd, bool fua, uint32_t flags)
{
	int64_t blocks = sbc_blocks_received(cmd);
	if (blocks <= 0) { /* error (sense set) or nothing to write */
		scsi_done(cmd);
		return;
	}
	scsi_step_set(cmd, RW_STEP_WRITE);
	cmd->nblocks = (uint32_t)blocks;
	scsi_io_submit(cmd, RT_DISK_WRITE, cmd->lba, (uint64_t)blocks, cmd->buf, rw_write_flags(cmd, fua) | flags);
}

void sbc_write_exec(struct scsi_cmd *cmd)
{
	bool fua = (cmd->cdb[0] >> 5) != 0 && (cmd->cdb[1] & CDB_FUA);
	rw_write_received(cmd, fua, 0);
}

/* ---- WRITE ATOMIC(16) ---- */

/* The write lands whole: all of its blocks must come (an initiator that
 * expects to send fewer did not mean this command). */
int sbc_write_atomic_decode(struct scsi_cmd *cmd)
{
	if (sbc_rw_decode(cmd, SCSI_DIR_OUT, UINT32_MAX) != 0)
		return -1;
	if (cmd->edtl < cmd->xfer_len) {
		scsi_fail(cmd, SC_INVALID_FIELD_IU);
		return -1;
	}
	return 0;
}

void sbc_write_atomic_exec(struct scsi_cmd *cmd)
{
	rw_write_received(cmd, cmd->cdb[1] & CDB_FUA, RT_DISK_ATOMIC);
}

void sbc_write_done(struct scsi_cmd *cmd)
{
	scsi_io_ok(cmd);
	scsi_done(cmd);
}

/* ---- VERIFY, WRITE AND VERIFY ---- */

/* The verification in progress, in cmd->priv; the chunk buffer follows. */
struct verify {
	uint64_t next;  /* next LBA to read */
	uint64_t left;  /* blocks still to verify */
	uint64_t off;   /* offset in the Data-Out buffer of the next block (BYTCHK_ALL) */
	uint32_t chunk_blocks;
	uint8_t bytchk;
	uint8_t data[];
};

static size_t verify_size(const struct verify *v, uint32_t bs)
{
	return sizeof(*v) + (size_t)v->chunk_blocks * bs;
}

static void verify_end(struct scsi_cmd *cmd)
{
	scsi_priv_free(cmd);
	scsi_done(cmd);
}

static void verify_next(struct scsi_cmd *cmd)
{
	struct verify *v = cmd->priv;
	uint64_t n = v->left < v->chunk_blocks ? v->left : v->chunk_blocks;
	scsi_io_submit(cmd, RT_DISK_READ, v->next, n, v->data, 0);
}

/* Verify 'blocks' from cmd->lba against the Data-Out buffer per bytchk. */
static void verify_start(struct scsi_cmd *cmd, uint64_t blocks, uint8_t bytchk)
{
	uint32_t bs = lu_block_size(cmd->lu);
	if (blocks == 0) {
		scsi_done(cmd);
		return;
	}
	uint32_t chunk_blocks = SBC_VERIFY_CHUNK / bs;
	if (blocks < chunk_blocks)
		chunk_blocks = (uint32_t)blocks;
	struct verify probe = {.chunk_blocks = chunk_blocks};
	struct verify *v = scsi_priv_alloc(cmd, verify_size(&probe, bs));
	if (v == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	*v = probe;
	v->next = cmd->lba;
	v->left = blocks;
	v->bytchk = bytchk;
	scsi_step_set(cmd, RW_STEP_VERIFY);
	verify_next(cmd);
}

/* The first differing byte of a chunk read from the medium, as an offset
 * into the Data-Out buffer (SBC-3: the INFORMATION field of MISCOMPARE);
 * -1 if the chunk matches. */
static int64_t verify_compare(const struct scsi_cmd *cmd, const struct verify *v, uint64_t n)
{
	uint32_t bs = lu_block_size(cmd->lu);
	for (uint64_t b = 0; b < n; b++) {
		const uint8_t *want = v->bytchk == BYTCHK_ONE ? cmd->buf : cmd->buf + v->off + b * bs;
		const uint8_t *got = v->data + b * bs;
		if (memcmp(want, got, bs) == 0)
			continue;
		uint32_t i = 0;
		while (want[i] == got[i])
			i++;
		return (int64_t)(want - cmd->buf) + i;
	}
	return -1;
}

void sbc_verify_done(struct scsi_cmd *cmd)
{
	struct verify *v = cmd->priv;
	if (!scsi_io_ok(cmd)) {
		verify_end(cmd);
		return;
	}
	if (scsi_step(cmd) == RW_STEP_WRITE) {
		verify_start(cmd, cmd->nblocks, CDB_BYTCHK(cmd->cdb));
		return;
	}
	uint64_t n = v->left < v->chunk_blocks ? v->left : v->chunk_blocks;
	if (v->bytchk != BYTCHK_NONE) {
		int64_t bad = verify_compare(cmd, v, n);
		if (bad >= 0) {
			scsi_fail_info(cmd, SC_MISCOMPARE, (uint64_t)bad);
			verify_end(cmd);
			return;
		}
	}
	v->next += n;
	v->left -= n;
	v->off += n * lu_block_size(cmd->lu);
	if (v->left == 0)
		verify_end(cmd);
	else
		verify_next(cmd);
}

int sbc_verify_decode(struct scsi_cmd *cmd)
{
	uint8_t bytchk = CDB_BYTCHK(cmd->cdb);
	if (bytchk == BYTCHK_RESERVED) {
		scsi_fail_cdb(cmd, 1, 2);
		return -1;
	}
	uint32_t xfer = bytchk == BYTCHK_NONE ? 0 : bytchk == BYTCHK_ONE ? 1 : UINT32_MAX;
	return sbc_rw_decode(cmd, SCSI_DIR_OUT, xfer);
}

void sbc_verify_exec(struct scsi_cmd *cmd)
{
	uint8_t bytchk = CDB_BYTCHK(cmd->cdb);
	uint64_t blocks = cmd->nblocks;
	if (bytchk != BYTCHK_NONE) {
		int64_t got = sbc_blocks_received(cmd);
		if (got < 0) {
			scsi_done(cmd);
			return;
		}
		if (bytchk == BYTCHK_ALL || got == 0)
			blocks = (uint64_t)got;
	}
	verify_start(cmd, blocks, bytchk);
}

/* SBC-3 WRITE AND VERIFY(10) has a one-bit BYTCHK (bit 2 is reserved
 * and rejected by the usage mask). */
int sbc_write_verify_decode(struct scsi_cmd *cmd)
{
	return sbc_rw_decode(cmd, SCSI_DIR_OUT, UINT32_MAX);
}

/* The written blocks must be on the medium to be verified: the write is
 * always durable, then sbc_verify_done verifies what was written. */
void sbc_write_verify_exec(struct scsi_cmd *cmd)
{
	rw_write_received(cmd, true, 0);
}
