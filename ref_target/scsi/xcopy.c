/* xcopy: see xcopy.h. */
#include "xcopy.h"

#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "mode.h"
#include "sbc.h"
#include "spc.h"

/* EXTENDED COPY (LID1) parameter list header. */
#define XC_HDR_LEN 16u
#define XC_LIST_ID_USAGE(b1) (((b1) >> 3) & 0x3u)
enum {
	LIST_ID_HOLD = 0,     /* 00b: the list id is valid, results are held */
	LIST_ID_RESERVED = 1,
	LIST_ID_NO_HOLD = 2,  /* 10b: valid, not held */
	LIST_ID_NONE = 3,     /* 11b: no list id */
};
/* Descriptor type codes. */
#define XC_SEG_BLOCK_TO_BLOCK 0x02u
#define XC_TGT_IDENTIFICATION 0xe4u
#define XC_SEG_DESC_LENGTH 0x18u /* DESCRIPTOR LENGTH of a block-to-block segment */
#define XC_PERIPHERAL_TYPE(b) ((b) & 0x1fu)
#define XC_DESIG_TYPE(b) ((b) & 0x0fu)
#define XC_DESIG_NAA 0x3u
/* COPY STATUS: COPY MANAGER STATUS, TRANSFER COUNT UNITS (KiB). */
enum {
	COPY_STATUS_RUNNING = 0x00,
	COPY_STATUS_GOOD = 0x01,
	COPY_STATUS_ERRORS = 0x02,
};
#define COPY_UNITS_KIB 0x01u
#define COPY_STATUS_LEN 12u
/* RECEIVE COPY RESULTS service actions. */
#define RCR_COPY_STATUS 0x00u
#define RCR_OPERATING_PARAMETERS 0x03u

enum {
	XC_STEP_READ = 1,
	XC_STEP_WRITE = 2,
};

/* A copy in progress, in cmd->priv; the chunk buffer follows. */
struct xcopy_run {
	uint32_t seg, segs;    /* current segment, how many */
	uint64_t src, dst;     /* next LBAs of the current segment */
	uint64_t left;         /* blocks left in it */
	uint32_t chunk_blocks; /* of the buffer */
	uint32_t last;         /* blocks moved by the current step */
	struct xcopy_result *result; /* NULL: no list id */
	uint8_t data[];
};

static const uint8_t *xc_segment(const struct scsi_cmd *cmd, uint32_t i)
{
	return cmd->buf + XC_HDR_LEN + get_be16(cmd->buf + 2) + (size_t)i * XCOPY_SEGMENT_DESC_LEN;
}

/* The nexus's own LUN inventory is where a designator may point
 * (CVE-2020-28374); the one LU this command can reach is its own. */
static bool xc_target_reachable(const struct scsi_cmd *cmd, const uint8_t *desc)
{
	uint8_t naa[INQ_NAA_LEN];
	const uint8_t *desig = desc + 4;
	if (XC_DESIG_TYPE(desig[1]) != XC_DESIG_NAA || desig[3] != INQ_NAA_LEN)
		return false;
	for (uint32_t i = 0; i < cmd->lun_count; i++) {
		if (cmd->luns[i].lu != cmd->lu->index)
			continue;
		inquiry_naa(cmd->lu->cfg, naa);
		return memcmp(naa, desig + 4, INQ_NAA_LEN) == 0;
	}
	return false;
}

/* Check the whole parameter list before copying anything; 0, or -1 with
 * sense set. Returns the number of segments through *segs. */
static int xc_check(struct scsi_cmd *cmd, uint32_t n, uint32_t *segs)
{
	const uint8_t *p = cmd->buf;
	if (n < XC_HDR_LEN) {
		scsi_fail(cmd, SC_PARAM_LIST_LENGTH);
		return -1;
	}
	uint32_t tdl = get_be16(p + 2), sdl = get_be32(p + 8), idl = get_be32(p + 12);
	if ((uint64_t)XC_HDR_LEN + tdl + sdl + idl > n || tdl + (uint64_t)sdl > XCOPY_DESC_LIST_MAX) {
		scsi_fail(cmd, SC_PARAM_LIST_LENGTH);
		return -1;
	}
	if (XC_LIST_ID_USAGE(p[1]) == LIST_ID_RESERVED) {
		scsi_fail_param(cmd, 1, 4);
		return -1;
	}
	if (idl != 0) { /* MAXIMUM INLINE DATA LENGTH is 0 */
		scsi_fail_param(cmd, 12, SCSI_BIT_NONE);
		return -1;
	}
	uint32_t targets = tdl / XCOPY_TARGET_DESC_LEN;
	if (tdl % XCOPY_TARGET_DESC_LEN != 0) {
		scsi_fail_param(cmd, 2, SCSI_BIT_NONE);
		return -1;
	}
	if (targets > XCOPY_TARGETS_MAX) {
		scsi_fail(cmd, SC_TOO_MANY_TARGET_DESC);
		return -1;
	}
	if (sdl / XCOPY_SEGMENT_DESC_LEN > XCOPY_SEGMENTS_MAX) {
		scsi_fail(cmd, SC_TOO_MANY_SEGMENT_DESC);
		return -1;
	}
	for (uint32_t i = 0; i < targets; i++) {
		const uint8_t *t = p + XC_HDR_LEN + i * XCOPY_TARGET_DESC_LEN;
		if (t[0] != XC_TGT_IDENTIFICATION || XC_PERIPHERAL_TYPE(t[1]) != 0) {
			scsi_fail(cmd, SC_UNSUPPORTED_TARGET_DESC);
			return -1;
		}
		if (get_be24(t + 29) != lu_block_size(cmd->lu)) { /* DISK BLOCK LENGTH */
			scsi_fail_param(cmd, (uint16_t)(XC_HDR_LEN + i * XCOPY_TARGET_DESC_LEN + 29), SCSI_BIT_NONE);
			return -1;
		}
		if (!xc_target_reachable(cmd, t)) {
			scsi_fail(cmd, SC_COPY_TARGET_NOT_REACHABLE);
			return -1;
		}
	}
	*segs = 0;
	for (uint32_t off = 0; off < sdl; off += XCOPY_SEGMENT_DESC_LEN) {
		const uint8_t *s = p + XC_HDR_LEN + tdl + off;
		if (s[0] != XC_SEG_BLOCK_TO_BLOCK || sdl - off < XCOPY_SEGMENT_DESC_LEN) {
			scsi_fail(cmd, SC_UNSUPPORTED_SEGMENT_DESC);
			return -1;
		}
		if (get_be16(s + 2) != XC_SEG_DESC_LENGTH) {
			scsi_fail_param(cmd, (uint16_t)(XC_HDR_LEN + tdl + off + 2), SCSI_BIT_NONE);
			return -1;
		}
		/* LIO answers an unusable segment the same way; libiscsi
		 * expects COPY ABORTED for both. */
		uint64_t blocks = get_be16(s + 10), cap = lu_blocks(cmd->lu);
		uint64_t src = get_be64(s + 12), dst = get_be64(s + 20);
		if (get_be16(s + 4) >= targets || get_be16(s + 6) >= targets || src > cap || blocks > cap - src ||
		    dst > cap || blocks > cap - dst) {
			scsi_fail(cmd, SC_COPY_TARGET_NOT_REACHABLE);
			return -1;
		}
		(*segs)++;
	}
	return 0;
}

static bool xc_result_is(const struct xcopy_result *r, const struct scsi_nexus *n, uint8_t list_id)
{
	return r->used && r->list_id == list_id && r->rel_port == n->rel_port && strcmp(r->port, n->initiator_port) == 0;
}

static struct xcopy_result *xc_result_find(struct xcopy_held *h, const struct scsi_nexus *n, uint8_t list_id)
{
	for (uint32_t i = 0; i < XCOPY_HELD_MAX; i++)
		if (xc_result_is(&h->r[i], n, list_id))
			return &h->r[i];
	return NULL;
}

/* A slot for this list id: its old result, a free one, or the oldest
 * finished one; NULL if every slot holds a running copy. */
static struct xcopy_result *xc_result_claim(struct xcopy_held *h, const struct scsi_nexus *n, uint8_t list_id)
{
	struct xcopy_result *r = xc_result_find(h, n, list_id);
	for (uint32_t i = 0; r == NULL && i < XCOPY_HELD_MAX; i++)
		if (!h->r[i].used)
			r = &h->r[i];
	for (uint32_t i = 0; r == NULL && i < XCOPY_HELD_MAX; i++)
		if (!h->r[i].running && (r == NULL || h->r[i].seq < r->seq))
			r = &h->r[i];
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->running = true;
	r->list_id = list_id;
	r->rel_port = n->rel_port;
	memcpy(r->port, n->initiator_port, sizeof(r->port));
	r->port[sizeof(r->port) - 1] = '\0';
	r->seq = ++h->seq;
	return r;
}

static size_t xc_run_size(const struct xcopy_run *run, uint32_t bs)
{
	return sizeof(*run) + (size_t)run->chunk_blocks * bs;
}

void xcopy_abandon(struct scsi_cmd *cmd)
{
	struct xcopy_run *run = cmd->priv;
	if (run != NULL && run->result != NULL) {
		run->result->running = false;
		run->result->status = COPY_STATUS_ERRORS;
	}
}

static void xc_end(struct scsi_cmd *cmd, bool ok)
{
	struct xcopy_run *run = cmd->priv;
	if (run->result != NULL) {
		run->result->running = false;
		run->result->status = ok ? COPY_STATUS_GOOD : COPY_STATUS_ERRORS;
	}
	scsi_priv_free(cmd);
	scsi_done(cmd);
}

/* Load segment run->seg; false when every segment is done. */
static bool xc_segment_load(struct scsi_cmd *cmd)
{
	struct xcopy_run *run = cmd->priv;
	while (run->seg < run->segs) {
		const uint8_t *s = xc_segment(cmd, run->seg);
		run->left = get_be16(s + 10);
		run->src = get_be64(s + 12);
		run->dst = get_be64(s + 20);
		if (run->left > 0)
			return true;
		run->seg++;
		if (run->result != NULL)
			run->result->segments++;
	}
	return false;
}

static void xc_read_next(struct scsi_cmd *cmd)
{
	struct xcopy_run *run = cmd->priv;
	if (run->left == 0) {
		run->seg++;
		if (run->result != NULL)
			run->result->segments++;
		if (!xc_segment_load(cmd)) {
			xc_end(cmd, true);
			return;
		}
	}
	run->last = (uint32_t)(run->left < run->chunk_blocks ? run->left : run->chunk_blocks);
	scsi_step_set(cmd, XC_STEP_READ);
	scsi_io_submit(cmd, RT_DISK_READ, run->src, run->last, run->data, 0);
}

int xcopy_decode(struct scsi_cmd *cmd)
{
	cmd->xfer_len = get_be32(cmd->cdb + 10);
	cmd->dir = cmd->xfer_len ? SCSI_DIR_OUT : SCSI_DIR_NONE;
	return 0;
}

void xcopy_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	uint32_t segs, bs = lu_block_size(lu);
	if (cmd->xfer_len == 0 || xc_check(cmd, n, &segs) != 0) { /* SPC-4: an empty list copies nothing */
		scsi_done(cmd);
		return;
	}
	struct xcopy_result *result = NULL;
	uint8_t list_id = cmd->buf[0];
	if (XC_LIST_ID_USAGE(cmd->buf[1]) != LIST_ID_NONE) {
		struct xcopy_result *old = xc_result_find(&lu->xcopy, cmd->nexus, list_id);
		if (old != NULL && old->running) {
			scsi_done_fail(cmd, SC_OPERATION_IN_PROGRESS);
			return;
		}
		result = xc_result_claim(&lu->xcopy, cmd->nexus, list_id);
		if (result == NULL) {
			scsi_done_busy(cmd);
			return;
		}
	}
	struct xcopy_run probe = {.segs = segs, .chunk_blocks = SBC_WS_CHUNK / bs, .result = result};
	struct xcopy_run *run = scsi_priv_alloc(cmd, xc_run_size(&probe, bs));
	if (run == NULL) {
		if (result != NULL)
			result->used = false;
		scsi_done_busy(cmd);
		return;
	}
	*run = probe;
	if (!xc_segment_load(cmd)) {
		xc_end(cmd, true);
		return;
	}
	xc_read_next(cmd);
}

/* Disk errors of a copy are COPY ABORTED with the device's own reason. */
static bool xc_io_ok(struct scsi_cmd *cmd, bool reading)
{
	if (cmd->io.status == RT_DISK_ERR_READ || cmd->io.status == RT_DISK_ERR_WRITE) {
		scsi_fail(cmd, reading ? SC_COPY_READ_ERROR : SC_COPY_WRITE_ERROR);
		return false;
	}
	return scsi_io_ok(cmd);
}

void xcopy_done(struct scsi_cmd *cmd)
{
	struct xcopy_run *run = cmd->priv;
	bool reading = scsi_step(cmd) == XC_STEP_READ;
	if (!xc_io_ok(cmd, reading)) {
		xc_end(cmd, false);
		return;
	}
	if (reading) {
		scsi_step_set(cmd, XC_STEP_WRITE);
		scsi_io_submit(cmd, RT_DISK_WRITE, run->dst, run->last, run->data,
			       mode_wce(cmd->lu) ? 0 : RT_DISK_FUA);
		return;
	}
	run->src += run->last;
	run->dst += run->last;
	run->left -= run->last;
	if (run->result != NULL)
		run->result->bytes += (uint64_t)run->last * lu_block_size(cmd->lu);
	xc_read_next(cmd);
}

/* ---- RECEIVE COPY RESULTS ---- */

int xcopy_results_decode(struct scsi_cmd *cmd)
{
	cmd->xfer_len = get_be32(cmd->cdb + 10);
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

static void xc_operating_parameters(struct scsi_cmd *cmd)
{
	static const uint8_t implemented[] = {XC_SEG_BLOCK_TO_BLOCK, XC_TGT_IDENTIFICATION};
	uint8_t d[44 + sizeof(implemented)];
	memset(d, 0, sizeof(d));
	put_be32(d, sizeof(d) - 4);                 /* AVAILABLE DATA */
	put_be16(d + 8, XCOPY_TARGETS_MAX);
	put_be16(d + 10, XCOPY_SEGMENTS_MAX);
	put_be32(d + 12, XCOPY_DESC_LIST_MAX);
	put_be32(d + 16, 0xffffu * lu_block_size(cmd->lu)); /* MAXIMUM SEGMENT LENGTH */
	put_be32(d + 20, 0);                        /* MAXIMUM INLINE DATA LENGTH */
	put_be16(d + 34, XCOPY_HELD_MAX);           /* TOTAL CONCURRENT COPIES */
	d[36] = (uint8_t)XCOPY_HELD_MAX;            /* MAXIMUM CONCURRENT COPIES */
	d[43] = sizeof(implemented);
	memcpy(d + 44, implemented, sizeof(implemented));
	scsi_data_in(cmd, d, sizeof(d));
	scsi_done(cmd);
}

static void xc_copy_status(struct scsi_cmd *cmd)
{
	const struct xcopy_result *r = xc_result_find(&cmd->lu->xcopy, cmd->nexus, cmd->cdb[2]);
	if (r == NULL) { /* no copy with that list identifier */
		scsi_fail_cdb(cmd, 2, SCSI_BIT_NONE);
		scsi_done(cmd);
		return;
	}
	uint8_t d[COPY_STATUS_LEN] = {0};
	put_be32(d, COPY_STATUS_LEN - 4);
	d[4] = r->running ? COPY_STATUS_RUNNING : r->status;
	put_be16(d + 5, r->segments);
	d[7] = COPY_UNITS_KIB;
	uint64_t kib = r->bytes / 1024;
	put_be32(d + 8, kib > UINT32_MAX ? UINT32_MAX : (uint32_t)kib);
	scsi_data_in(cmd, d, sizeof(d));
	scsi_done(cmd);
}

void xcopy_results_exec(struct scsi_cmd *cmd)
{
	if ((cmd->cdb[1] & 0x1f) == RCR_OPERATING_PARAMETERS)
		xc_operating_parameters(cmd);
	else
		xc_copy_status(cmd);
}
