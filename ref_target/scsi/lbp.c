/* lbp: logical block provisioning commands (SBC-3 §4.7): UNMAP, WRITE
 * SAME(10)/(16) with its UNMAP, ANCHOR and NDOB bits, GET LBA STATUS.
 *
 * UNMAP and WRITE SAME with UNMAP exist on thin-provisioned LUs only
 * (LBPU, LBPWS in the provisioning VPD page). Deallocated blocks read as
 * zeroes on our backstores; an anchored block is zeroed and kept mapped.
 * WRITE SAME with UNMAP deallocates whatever block it carries (SBC-4
 * WRITE SAME, ANCHOR/UNMAP table: the action is "unmap", not "write"), as
 * LIO and tgt do. WRITE SAME of a zero block (or NDOB) is one WRITE ZEROES
 * request; any other pattern is written SBC_WS_CHUNK bytes at a time.
 * WRITE SAME covers at most SBC_WS_BLOCKS_MAX blocks. GET LBA STATUS
 * asks the disk which runs of blocks are mapped (RT_DISK_MAP_STATUS), one
 * request per descriptor, on thin LUs; a fully provisioned LU has every
 * block mapped (SBC-3 §4.7.2), and an environment that cannot tell
 * answers "mapped or unknown" for the rest of the medium (SBC-3 allows it).
 */
#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "mode.h"
#include "sbc.h"

/* WRITE SAME byte 1 (SBC-3, SBC-4 for NDOB). */
#define WS_ANCHOR 0x10u
#define WS_UNMAP 0x08u
#define WS_NDOB 0x01u
/* UNMAP byte 1. */
#define UNMAP_ANCHOR 0x01u
/* UNMAP parameter list: 8-byte header, 16-byte block descriptors. */
#define UNMAP_HDR_LEN 8u
#define UNMAP_DESC_LEN 16u
/* GET LBA STATUS: 8-byte header, 16-byte descriptors of at most 2^32-1
 * blocks; PROVISIONING STATUS 0h is "mapped or unknown", 1h deallocated. */
#define LBA_STATUS_HDR_LEN 8u
#define LBA_STATUS_DESC_LEN 16u
#define LBA_STATUS_DESC_BLOCKS_MAX UINT32_MAX
#define LBA_STATUS_MAPPED 0x0u
#define LBA_STATUS_DEALLOCATED 0x1u

static uint32_t lbp_flags(const struct scsi_cmd *cmd)
{
	return mode_wce(cmd->lu) ? 0 : RT_DISK_FUA;
}

/* ---- WRITE SAME ---- */

static bool ws_is16(const struct scsi_cmd *cmd)
{
	return cmd->cdb[0] == 0x93;
}

int sbc_write_same_decode(struct scsi_cmd *cmd)
{
	uint8_t b1 = cmd->cdb[1];
	uint64_t lba;
	uint32_t count;
	uint16_t field;
	sbc_lba_count(cmd, &lba, &count, &field);
	if ((b1 & WS_ANCHOR) && !(b1 & WS_UNMAP)) { /* SBC-3: ANCHOR needs UNMAP */
		scsi_fail_cdb(cmd, 1, 4);
		return -1;
	}
	if (scsi_check_lba(cmd, lba, count) != 0)
		return -1;
	/* NUMBER OF LOGICAL BLOCKS 0: to the end of the medium (WSNZ 0). */
	uint64_t blocks = count ? count : lu_blocks(cmd->lu) - lba;
	if (blocks > sbc_write_same_blocks_max(cmd->lu)) {
		scsi_fail_cdb(cmd, field, SCSI_BIT_NONE);
		return -1;
	}
	cmd->lba = lba;
	cmd->nblocks = (uint32_t)blocks;
	bool ndob = ws_is16(cmd) && (b1 & WS_NDOB);
	cmd->xfer_len = ndob ? 0 : lu_block_size(cmd->lu);
	cmd->dir = ndob ? SCSI_DIR_NONE : SCSI_DIR_OUT;
	return 0;
}

uint32_t sbc_write_same_blocks_max(const struct scsi_lu *lu)
{
	return lu_xfer_blocks_max(lu);
}

static bool all_zero(const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* A pattern write in progress, in cmd->priv; the repeated pattern follows. */
struct ws {
	uint64_t next, left;
	uint32_t chunk_blocks;
	uint8_t data[];
};

static size_t ws_size(const struct ws *w, uint32_t bs)
{
	return sizeof(*w) + (size_t)w->chunk_blocks * bs;
}

static void ws_next(struct scsi_cmd *cmd)
{
	struct ws *w = cmd->priv;
	uint64_t n = w->left < w->chunk_blocks ? w->left : w->chunk_blocks;
	scsi_io_submit(cmd, RT_DISK_WRITE, w->next, n, w->data, lbp_flags(cmd));
	w->next += n;
	w->left -= n;
}

static void ws_pattern(struct scsi_cmd *cmd, uint64_t blocks)
{
	uint32_t bs = lu_block_size(cmd->lu);
	struct ws probe = {.next = cmd->lba, .left = blocks, .chunk_blocks = SBC_WS_CHUNK / bs};
	if (blocks < probe.chunk_blocks)
		probe.chunk_blocks = (uint32_t)blocks;
	struct ws *w = scsi_priv_alloc(cmd, ws_size(&probe, bs));
	if (w == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	*w = probe;
	for (uint32_t i = 0; i < w->chunk_blocks; i++)
		memcpy(w->data + (size_t)i * bs, cmd->buf, bs);
	ws_next(cmd);
}

void sbc_write_same_exec(struct scsi_cmd *cmd)
{
	uint8_t b1 = cmd->cdb[1];
	uint32_t bs = lu_block_size(cmd->lu);
	bool ndob = ws_is16(cmd) && (b1 & WS_NDOB);
	bool unmap = b1 & (WS_UNMAP | WS_ANCHOR);
	/* Only a thin LU unmaps or anchors (LBPWS, ANC_SUP); checked here,
	 * after write protection, which a read-only LU reports first. */
	if (unmap && !(cmd->lu->cfg->flags & RT_LU_THIN)) {
		scsi_fail_cdb(cmd, 1, (b1 & WS_ANCHOR) ? 4 : 3);
		scsi_done(cmd);
		return;
	}
	/* The Data-Out buffer is one block (none with NDOB) whatever the
	 * range or the UNMAP bit (SBC-3 WRITE SAME(10)/(16)): an initiator
	 * sending another amount did not send the block to repeat; as LIO,
	 * INVALID FIELD IN COMMAND INFORMATION UNIT. Checked here, after
	 * write protection, which a read-only LU reports whatever the data. */
	if (cmd->edtl != cmd->xfer_len) {
		scsi_done_fail(cmd, SC_INVALID_FIELD_IU);
		return;
	}
	if (b1 & WS_ANCHOR)
		scsi_io_submit(cmd, RT_DISK_WRITE_ZEROES, cmd->lba, cmd->nblocks, NULL, lbp_flags(cmd));
	else if (unmap)
		scsi_io_submit(cmd, RT_DISK_UNMAP, cmd->lba, cmd->nblocks, NULL, lbp_flags(cmd));
	else if (ndob || all_zero(cmd->buf, bs))
		scsi_io_submit(cmd, RT_DISK_WRITE_ZEROES, cmd->lba, cmd->nblocks, NULL, lbp_flags(cmd));
	else
		ws_pattern(cmd, cmd->nblocks);
}

void sbc_write_same_done(struct scsi_cmd *cmd)
{
	struct ws *w = cmd->priv;
	bool ok = scsi_io_ok(cmd);
	if (ok && w != NULL && w->left > 0) {
		ws_next(cmd);
		return;
	}
	scsi_priv_free(cmd);
	scsi_done(cmd);
}

/* ---- UNMAP ---- */

int sbc_unmap_decode(struct scsi_cmd *cmd)
{
	cmd->xfer_len = get_be16(cmd->cdb + 7);
	cmd->dir = cmd->xfer_len ? SCSI_DIR_OUT : SCSI_DIR_NONE;
	return 0;
}

/* Descriptors of the parameter list (after unmap_check), in cmd->buf. */
static uint32_t unmap_count(const struct scsi_cmd *cmd)
{
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	uint32_t bd = get_be16(cmd->buf + 2);
	if (bd > n - UNMAP_HDR_LEN)
		bd = n - UNMAP_HDR_LEN;
	return bd / UNMAP_DESC_LEN; /* a partial last descriptor is ignored */
}

static const uint8_t *unmap_desc(const struct scsi_cmd *cmd, uint32_t i)
{
	return cmd->buf + UNMAP_HDR_LEN + (size_t)i * UNMAP_DESC_LEN;
}

/* Check the whole list before unmapping anything. */
static int unmap_check(struct scsi_cmd *cmd)
{
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	if (n < UNMAP_HDR_LEN) {
		scsi_fail(cmd, SC_PARAM_LIST_LENGTH);
		return -1;
	}
	uint32_t count = unmap_count(cmd);
	if (count > SBC_UNMAP_DESC_MAX) {
		scsi_fail_param(cmd, 2, SCSI_BIT_NONE);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *d = unmap_desc(cmd, i);
		uint64_t lba = get_be64(d), blocks = get_be32(d + 8);
		/* A descriptor of 0 blocks unmaps nothing and is no error. */
		if (blocks != 0 && scsi_check_lba(cmd, lba, blocks) != 0)
			return -1;
	}
	return 0;
}

/* Submit the next descriptor with blocks, from cmd->state on; false if
 * none is left. */
static bool unmap_next(struct scsi_cmd *cmd)
{
	uint32_t count = unmap_count(cmd);
	for (uint32_t i = scsi_step(cmd); i < count; i++) {
		const uint8_t *d = unmap_desc(cmd, i);
		if (get_be32(d + 8) == 0)
			continue;
		scsi_step_set(cmd, (i + 1));
		enum rt_disk_op op = (cmd->cdb[1] & UNMAP_ANCHOR) ? RT_DISK_WRITE_ZEROES : RT_DISK_UNMAP;
		scsi_io_submit(cmd, op, get_be64(d), get_be32(d + 8), NULL, lbp_flags(cmd));
		return true;
	}
	return false;
}

void sbc_unmap_exec(struct scsi_cmd *cmd)
{
	if (cmd->xfer_len == 0 || unmap_check(cmd) != 0 || !unmap_next(cmd))
		scsi_done(cmd);
}

void sbc_unmap_done(struct scsi_cmd *cmd)
{
	if (!scsi_io_ok(cmd) || !unmap_next(cmd))
		scsi_done(cmd);
}

/* ---- GET LBA STATUS ---- */

int sbc_get_lba_status_decode(struct scsi_cmd *cmd)
{
	if (scsi_check_lba(cmd, get_be64(cmd->cdb + 2), 0) != 0)
		return -1;
	cmd->xfer_len = get_be32(cmd->cdb + 10);
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

/* The answer being built, in cmd->priv: descriptors from the STARTING
 * LOGICAL BLOCK ADDRESS on, one disk query each (runs of equal status
 * merged), until the medium ends or max descriptors are filled. */
struct gls {
	uint64_t next;  /* first block not yet described */
	uint32_t count; /* descriptors so far */
	uint32_t max;
	uint8_t out[];  /* header and descriptors */
};

static uint8_t *gls_desc(struct gls *g, uint32_t i)
{
	return g->out + LBA_STATUS_HDR_LEN + (size_t)i * LBA_STATUS_DESC_LEN;
}

/* Would a run of 'blocks' with 'status' extend the last descriptor? */
static bool gls_merges(struct gls *g, uint64_t blocks, uint8_t status)
{
	const uint8_t *last = g->count ? gls_desc(g, g->count - 1) : NULL;
	return last != NULL && last[12] == status && get_be32(last + 8) + blocks <= LBA_STATUS_DESC_BLOCKS_MAX;
}

/* Describe 'blocks' from g->next with 'status' (room checked by the caller). */
static void gls_add(struct gls *g, uint64_t blocks, uint8_t status)
{
	if (gls_merges(g, blocks, status)) {
		uint8_t *last = gls_desc(g, g->count - 1);
		put_be32(last + 8, (uint32_t)(get_be32(last + 8) + blocks));
	} else {
		uint8_t *d = gls_desc(g, g->count++);
		put_be64(d, g->next);
		put_be32(d + 8, (uint32_t)blocks);
		d[12] = status;
	}
	g->next += blocks;
}

/* Blocks the next descriptor may cover. */
static uint64_t gls_span(const struct scsi_cmd *cmd, const struct gls *g)
{
	uint64_t left = lu_blocks(cmd->lu) - g->next;
	return left < LBA_STATUS_DESC_BLOCKS_MAX ? left : LBA_STATUS_DESC_BLOCKS_MAX;
}

static void gls_end(struct scsi_cmd *cmd)
{
	struct gls *g = cmd->priv;
	uint32_t len = LBA_STATUS_HDR_LEN + g->count * LBA_STATUS_DESC_LEN;
	put_be32(g->out, len - 4); /* PARAMETER DATA LENGTH */
	scsi_data_in(cmd, g->out, len);
	scsi_priv_free(cmd);
	scsi_done(cmd);
}

/* Ask for the next run, or answer when the medium is described. A fully
 * provisioned LU needs no question: every block is mapped. */
static void gls_next(struct scsi_cmd *cmd)
{
	struct gls *g = cmd->priv;
	if (g->next < lu_blocks(cmd->lu) && !(cmd->lu->cfg->flags & RT_LU_THIN)) {
		gls_add(g, gls_span(cmd, g), LBA_STATUS_MAPPED);
		gls_end(cmd);
	} else if (g->next == lu_blocks(cmd->lu)) {
		gls_end(cmd);
	} else {
		scsi_io_submit(cmd, RT_DISK_MAP_STATUS, g->next, gls_span(cmd, g), NULL, 0);
	}
}

void sbc_get_lba_status_exec(struct scsi_cmd *cmd)
{
	/* as many descriptors as the allocation length holds, at least one
	 * (the PARAMETER DATA LENGTH then tells what was cut) */
	uint32_t max = cmd->xfer_len > LBA_STATUS_HDR_LEN ? (cmd->xfer_len - LBA_STATUS_HDR_LEN) / LBA_STATUS_DESC_LEN : 0;
	max = max < 1 ? 1 : max > SBC_LBA_STATUS_DESC_MAX ? SBC_LBA_STATUS_DESC_MAX : max;
	struct gls *g = scsi_priv_alloc(cmd, sizeof(*g) + LBA_STATUS_HDR_LEN + (size_t)max * LBA_STATUS_DESC_LEN);
	if (g == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	memset(g, 0, cmd->priv_len);
	g->next = get_be64(cmd->cdb + 2);
	g->max = max;
	gls_next(cmd);
}

void sbc_get_lba_status_done(struct scsi_cmd *cmd)
{
	struct gls *g = cmd->priv;
	const struct rt_disk_io *io = &cmd->io;
	bool unknown = io->status == RT_DISK_ERR_UNSUPPORTED; /* the environment cannot tell */
	if (!unknown && !scsi_io_ok(cmd)) {
		scsi_priv_free(cmd);
		scsi_done(cmd);
		return;
	}
	/* A run ends on a block boundary, within what was asked; a shorter
	 * answer still describes the block asked about, so each query makes
	 * progress. Not knowing, the rest is "mapped or unknown". Once the
	 * descriptors are all used, only a run that extends the last one
	 * is taken. */
	uint64_t run = (io->run_len < io->len ? io->run_len : io->len) / lu_block_size(cmd->lu);
	uint8_t status = io->mapped ? LBA_STATUS_MAPPED : LBA_STATUS_DEALLOCATED;
	if (unknown) {
		run = gls_span(cmd, g);
		status = LBA_STATUS_MAPPED;
	}
	if (run == 0)
		run = 1;
	if (g->count == g->max && !gls_merges(g, run, status)) {
		gls_end(cmd);
		return;
	}
	gls_add(g, run, status);
	if (unknown)
		gls_end(cmd);
	else
		gls_next(cmd);
}
