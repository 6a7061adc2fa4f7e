/* mode: see mode.h. SPC-4 MODE SELECT(6)/(10), MODE SENSE(6)/(10);
 * SPC-4 §7.5 mode parameters (header, block descriptor,
 * control and informational exceptions control pages); SBC-3 §6.4 (caching
 * and read-write error recovery pages, direct-access block descriptor). */
#include "mode.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "ua.h"

/* Page codes (SPC-4 Annex D.5). */
#define MODE_PAGE_RW_RECOVERY 0x01u
#define MODE_PAGE_CACHING 0x08u
#define MODE_PAGE_CONTROL 0x0au
#define MODE_PAGE_IEC 0x1cu
#define MODE_PAGE_ALL 0x3fu
#define MODE_SUBPAGE_ALL 0xffu

/* Byte offsets and bits inside the pages. */
#define CACHING_WCE_BYTE 2u
#define CACHING_WCE 0x04u      /* SBC-3 §6.4 caching mode page */
#define CONTROL_DSENSE_BYTE 2u
#define CONTROL_DSENSE 0x04u   /* SPC-4 §7.5 control mode page */
#define CONTROL_SWP_BYTE 4u
#define CONTROL_SWP 0x08u

/* SPC-4 MODE SENSE(6): page control. */
enum mode_pc {
	MODE_PC_CURRENT = 0,
	MODE_PC_CHANGEABLE = 1,
	MODE_PC_DEFAULT = 2,
	MODE_PC_SAVED = 3,
};

/* SBC-3 §6.4: device-specific parameter of a direct-access device. */
#define MODE_DSP_WP 0x80u
#define MODE_DSP_DPOFUA 0x10u
/* SPC-4 §7.5 mode parameter header and block descriptor lengths. */
#define MODE_HDR6_LEN 4u
#define MODE_HDR10_LEN 8u
#define MODE_BD_SHORT_LEN 8u
#define MODE_BD_LONG_LEN 16u
#define MODE_HDR10_LONGLBA 0x01u
/* CDB bits. */
#define MODE_CDB_DBD 0x08u
#define MODE_CDB_LLBAA 0x10u
#define MODE_CDB_PF 0x10u
#define MODE_CDB_SP 0x01u
/* Page byte 0: PS (saveable, MODE SENSE only) and SPF (subpage format). */
#define MODE_PAGE_PS 0x80u
#define MODE_PAGE_SPF 0x40u

struct mode_page {
	uint8_t code;
	uint8_t len; /* whole page with its 2-byte header */
	const uint8_t *dflt;
	const uint8_t *changeable;
};

static const uint8_t rw_recovery_dflt[12] = {MODE_PAGE_RW_RECOVERY, 10};
static const uint8_t rw_recovery_chg[12] = {0};
/* WCE comes from the LU configuration (mode_defaults). */
static const uint8_t caching_dflt[20] = {MODE_PAGE_CACHING, 18};
static const uint8_t caching_chg[20] = {[CACHING_WCE_BYTE] = CACHING_WCE};
/* QUEUE ALGORITHM MODIFIER 1: commands may complete in any order (our disk
 * I/O does); TAS 0: tasks cleared by another nexus end silently and the
 * nexus gets COMMANDS CLEARED BY ANOTHER INITIATOR; BUSY TIMEOUT PERIOD
 * FFFFh: unlimited (we answer BUSY only when out of memory). */
static const uint8_t control_dflt[12] = {MODE_PAGE_CONTROL, 10, 0x00, 0x10, 0x00, 0x00, 0, 0, 0xff, 0xff, 0, 0};
static const uint8_t control_chg[12] = {[CONTROL_DSENSE_BYTE] = CONTROL_DSENSE, [CONTROL_SWP_BYTE] = CONTROL_SWP};
/* DEXCPT 1: we never report informational exceptions. */
static const uint8_t iec_dflt[12] = {MODE_PAGE_IEC, 10, 0x08};
static const uint8_t iec_chg[12] = {0};

/* Ascending page code: MODE SENSE returns all pages in this order. */
static const struct mode_page mode_pages[] = {
	{MODE_PAGE_RW_RECOVERY, sizeof(rw_recovery_dflt), rw_recovery_dflt, rw_recovery_chg},
	{MODE_PAGE_CACHING, sizeof(caching_dflt), caching_dflt, caching_chg},
	{MODE_PAGE_CONTROL, sizeof(control_dflt), control_dflt, control_chg},
	{MODE_PAGE_IEC, sizeof(iec_dflt), iec_dflt, iec_chg},
};
#define MODE_PAGE_COUNT (sizeof(mode_pages) / sizeof(mode_pages[0]))
static_assert(sizeof(rw_recovery_dflt) + sizeof(caching_dflt) + sizeof(control_dflt) + sizeof(iec_dflt) ==
		      MODE_BYTES, "MODE_BYTES is the sum of the pages");

/* Offset of page i inside the mode_state arrays. */
static uint32_t mode_off(size_t i)
{
	uint32_t off = 0;
	for (size_t j = 0; j < i; j++)
		off += mode_pages[j].len;
	return off;
}

static const struct mode_page *mode_find(uint8_t code, uint32_t *off)
{
	for (size_t i = 0; i < MODE_PAGE_COUNT; i++) {
		if (mode_pages[i].code == code) {
			*off = mode_off(i);
			return &mode_pages[i];
		}
	}
	return NULL;
}

static void mode_defaults(const struct scsi_lu *lu, uint8_t *out)
{
	uint32_t off = 0;
	for (size_t i = 0; i < MODE_PAGE_COUNT; i++) {
		memcpy(out + off, mode_pages[i].dflt, mode_pages[i].len);
		off += mode_pages[i].len;
	}
	if (lu->cfg->flags & RT_LU_WCE)
		out[mode_off(1) + CACHING_WCE_BYTE] |= CACHING_WCE;
}

static uint8_t mode_cur_byte(const struct scsi_lu *lu, uint8_t page, uint32_t byte)
{
	uint32_t off;
	const struct mode_page *p = mode_find(page, &off);
	assert(p != NULL && byte < p->len);
	return lu->mode.cur[off + byte];
}

bool mode_wce(const struct scsi_lu *lu)
{
	return mode_cur_byte(lu, MODE_PAGE_CACHING, CACHING_WCE_BYTE) & CACHING_WCE;
}

bool mode_d_sense(const struct scsi_lu *lu)
{
	return mode_cur_byte(lu, MODE_PAGE_CONTROL, CONTROL_DSENSE_BYTE) & CONTROL_DSENSE;
}

bool mode_swp(const struct scsi_lu *lu)
{
	return mode_cur_byte(lu, MODE_PAGE_CONTROL, CONTROL_SWP_BYTE) & CONTROL_SWP;
}

/* Saved pages live under one key per LU (the serial is unique per LU). */
static void mode_state_key(const struct scsi_lu *lu, char *key, size_t len)
{
	snprintf(key, len, "mode.%s", lu->cfg->serial ? lu->cfg->serial : lu->cfg->name);
}

/* The first bit of 'pages' that differs from 'base' where the page says
 * it cannot change; *at gets its byte offset. Returns 0 if none. */
static uint8_t mode_fixed_diff(const uint8_t *pages, const uint8_t *base, const struct mode_page *p,
			       uint32_t *at)
{
	for (uint32_t i = 2; i < p->len; i++) {
		uint8_t d = (uint8_t)((pages[i] ^ base[i]) & ~p->changeable[i]);
		if (d != 0) {
			*at = i;
			return d;
		}
	}
	return 0;
}

void mode_init(struct scsi_lu *lu)
{
	uint8_t dflt[MODE_BYTES], loaded[MODE_BYTES];
	char key[64];
	mode_defaults(lu, dflt);
	memcpy(lu->mode.cur, dflt, MODE_BYTES);
	memcpy(lu->mode.saved, dflt, MODE_BYTES);
	mode_state_key(lu, key, sizeof(key));
	if (lu->env->state_load == NULL || lu->env->state_load(lu->env->ctx, key, loaded, sizeof(loaded)) != MODE_BYTES)
		return;
	/* Saved pages from another build or a damaged store: only what is
	 * changeable may differ from the defaults, else keep the defaults. */
	for (size_t i = 0; i < MODE_PAGE_COUNT; i++) {
		uint32_t off = mode_off(i), at;
		if (memcmp(loaded + off, dflt + off, 2) != 0 ||
		    mode_fixed_diff(loaded + off, dflt + off, &mode_pages[i], &at) != 0) {
			lu_log(lu, RT_LOG_WARN, "saved mode pages ignored: page %02xh differs", mode_pages[i].code);
			return;
		}
	}
	memcpy(lu->mode.cur, loaded, MODE_BYTES);
	memcpy(lu->mode.saved, loaded, MODE_BYTES);
}

/* ---- MODE SENSE ---- */

int mode_sense_decode(struct scsi_cmd *cmd)
{
	bool ten = cmd->cdb[0] != 0x1a;
	uint8_t page = cmd->cdb[2] & 0x3f, subpage = cmd->cdb[3];
	uint32_t off;
	if (page != MODE_PAGE_ALL && mode_find(page, &off) == NULL) {
		scsi_fail_cdb(cmd, 2, 5);
		return -1;
	}
	/* None of our pages has subpages: only subpage 0 or "all" (FFh). */
	if (subpage != 0 && subpage != MODE_SUBPAGE_ALL) {
		scsi_fail_cdb(cmd, 3, 7);
		return -1;
	}
	cmd->dir = SCSI_DIR_IN;
	cmd->xfer_len = ten ? get_be16(cmd->cdb + 7) : cmd->cdb[4];
	return 0;
}

/* The block descriptor (SPC-4 §7.5, SBC-3 §6.4): capacity and block
 * length; a capacity too big for the short form reads FFFFFFFFh. */
static uint32_t mode_block_descriptor(const struct scsi_lu *lu, bool llba, uint8_t *out)
{
	uint64_t blocks = lu_blocks(lu);
	if (llba) {
		memset(out, 0, MODE_BD_LONG_LEN);
		put_be64(out, blocks);
		put_be32(out + 12, lu_block_size(lu));
		return MODE_BD_LONG_LEN;
	}
	memset(out, 0, MODE_BD_SHORT_LEN);
	put_be32(out, blocks > UINT32_MAX ? UINT32_MAX : (uint32_t)blocks);
	put_be24(out + 5, lu_block_size(lu));
	return MODE_BD_SHORT_LEN;
}

static const uint8_t *mode_values(const struct scsi_lu *lu, enum mode_pc pc, uint8_t *scratch)
{
	switch (pc) {
	case MODE_PC_CURRENT:
		return lu->mode.cur;
	case MODE_PC_SAVED:
		return lu->mode.saved;
	case MODE_PC_DEFAULT:
		mode_defaults(lu, scratch);
		return scratch;
	case MODE_PC_CHANGEABLE:
		break;
	}
	uint32_t off = 0;
	for (size_t i = 0; i < MODE_PAGE_COUNT; i++) {
		memcpy(scratch + off, mode_pages[i].changeable, mode_pages[i].len);
		scratch[off] = mode_pages[i].code; /* page header as usual */
		scratch[off + 1] = (uint8_t)(mode_pages[i].len - 2);
		off += mode_pages[i].len;
	}
	return scratch;
}

void mode_sense_exec(struct scsi_cmd *cmd)
{
	const struct scsi_lu *lu = cmd->lu;
	bool ten = cmd->cdb[0] != 0x1a;
	bool dbd = cmd->cdb[1] & MODE_CDB_DBD;
	bool llba = ten && (cmd->cdb[1] & MODE_CDB_LLBAA);
	enum mode_pc pc = (enum mode_pc)(cmd->cdb[2] >> 6);
	uint8_t page = cmd->cdb[2] & 0x3f;
	uint8_t out[MODE_HDR10_LEN + MODE_BD_LONG_LEN + MODE_BYTES];
	uint8_t scratch[MODE_BYTES];
	uint32_t hdr = ten ? MODE_HDR10_LEN : MODE_HDR6_LEN, len = hdr, bd = 0;

	memset(out, 0, sizeof(out));
	if (!dbd)
		len += bd = mode_block_descriptor(lu, llba, out + hdr);
	const uint8_t *vals = mode_values(lu, pc, scratch);
	uint32_t off = 0;
	for (size_t i = 0; i < MODE_PAGE_COUNT; i++) {
		const struct mode_page *p = &mode_pages[i];
		if (page == MODE_PAGE_ALL || page == p->code) {
			memcpy(out + len, vals + off, p->len);
			out[len] |= MODE_PAGE_PS; /* every page can be saved */
			len += p->len;
		}
		off += p->len;
	}
	uint8_t dsp = MODE_DSP_DPOFUA | (scsi_write_protected(cmd) ? MODE_DSP_WP : 0);
	if (ten) {
		put_be16(out, (uint16_t)(len - 2));
		out[3] = dsp;
		out[4] = llba ? MODE_HDR10_LONGLBA : 0;
		put_be16(out + 6, (uint16_t)bd);
	} else {
		out[0] = (uint8_t)(len - 1);
		out[2] = dsp;
		out[3] = (uint8_t)bd;
	}
	scsi_data_in(cmd, out, len);
	scsi_done(cmd);
}

/* ---- MODE SELECT ---- */

int mode_select_decode(struct scsi_cmd *cmd)
{
	bool ten = cmd->cdb[0] != 0x15;
	/* SPC-4 MODE SELECT(6): PF 0 would mean vendor-specific pages; we have none. */
	if (!(cmd->cdb[1] & MODE_CDB_PF)) {
		scsi_fail_cdb(cmd, 1, 4);
		return -1;
	}
	cmd->xfer_len = ten ? get_be16(cmd->cdb + 7) : cmd->cdb[4];
	cmd->dir = cmd->xfer_len ? SCSI_DIR_OUT : SCSI_DIR_NONE;
	return 0;
}

/* A block descriptor in MODE SELECT may restate the geometry, not change
 * it (we support one block size and a fixed capacity). */
static int mode_select_bd(struct scsi_cmd *cmd, const uint8_t *bd, uint32_t bdlen, uint32_t at)
{
	uint8_t mine[MODE_BD_LONG_LEN];
	bool llba = bdlen == MODE_BD_LONG_LEN;
	mode_block_descriptor(cmd->lu, llba, mine);
	uint32_t nb_len = llba ? 8 : 4, bl_at = llba ? 12 : 5, bl_len = llba ? 4 : 3;
	bool nb_zero = true;
	for (uint32_t i = 0; i < nb_len; i++)
		nb_zero = nb_zero && bd[i] == 0;
	if (!nb_zero && memcmp(bd, mine, nb_len) != 0) {
		scsi_fail_param(cmd, (uint16_t)at, SCSI_BIT_NONE);
		return -1;
	}
	if (memcmp(bd + bl_at, mine + bl_at, bl_len) != 0) {
		scsi_fail_param(cmd, (uint16_t)(at + bl_at), SCSI_BIT_NONE);
		return -1;
	}
	return 0;
}

/* Check every page of the parameter list against what may change and
 * stage the result in 'next'. Returns 0 or -1 with sense set. */
static int mode_select_pages(struct scsi_cmd *cmd, const uint8_t *p, uint32_t n, uint32_t at, uint8_t *next)
{
	while (at < n) {
		uint32_t off;
		if (n - at < 2) {
			scsi_fail(cmd, SC_PARAM_LIST_LENGTH);
			return -1;
		}
		/* PS is reserved in MODE SELECT (SPC-4 §7.5); none of our
		 * pages has subpages, so SPF must be zero too. */
		if (p[at] & (MODE_PAGE_PS | MODE_PAGE_SPF)) {
			scsi_fail_param(cmd, (uint16_t)at, (p[at] & MODE_PAGE_PS) ? 7 : 6);
			return -1;
		}
		const struct mode_page *pg = mode_find(p[at] & 0x3f, &off);
		if (pg == NULL) {
			scsi_fail_param(cmd, (uint16_t)at, 5);
			return -1;
		}
		if (p[at + 1] != pg->len - 2) {
			scsi_fail_param(cmd, (uint16_t)(at + 1), SCSI_BIT_NONE);
			return -1;
		}
		if (n - at < pg->len) {
			scsi_fail(cmd, SC_PARAM_LIST_LENGTH);
			return -1;
		}
		uint32_t bad_at;
		uint8_t bad = mode_fixed_diff(p + at, next + off, pg, &bad_at);
		if (bad != 0) {
			scsi_fail_param(cmd, (uint16_t)(at + bad_at), (uint8_t)(31 - __builtin_clz(bad)));
			return -1;
		}
		memcpy(next + off + 2, p + at + 2, pg->len - 2u);
		at += pg->len;
	}
	return 0;
}

void mode_select_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	bool ten = cmd->cdb[0] != 0x15;
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	uint32_t hdr = ten ? MODE_HDR10_LEN : MODE_HDR6_LEN;
	const uint8_t *p = cmd->buf;
	uint8_t next[MODE_BYTES];

	if (cmd->xfer_len == 0) { /* an empty list changes nothing */
		scsi_done(cmd);
		return;
	}
	if (n < hdr) {
		scsi_done_fail(cmd, SC_PARAM_LIST_LENGTH);
		return;
	}
	uint32_t bdlen = ten ? get_be16(p + 6) : p[3];
	bool llba = ten && (p[4] & MODE_HDR10_LONGLBA);
	if (bdlen != 0 && bdlen != (llba ? MODE_BD_LONG_LEN : MODE_BD_SHORT_LEN)) {
		scsi_fail_param(cmd, ten ? 6 : 3, SCSI_BIT_NONE);
		scsi_done(cmd);
		return;
	}
	if (n < hdr + bdlen) {
		scsi_done_fail(cmd, SC_PARAM_LIST_LENGTH);
		return;
	}
	memcpy(next, lu->mode.cur, MODE_BYTES);
	if ((bdlen != 0 && mode_select_bd(cmd, p + hdr, bdlen, hdr) != 0) ||
	    mode_select_pages(cmd, p, n, hdr + bdlen, next) != 0) {
		scsi_done(cmd);
		return;
	}
	if (cmd->cdb[1] & MODE_CDB_SP) {
		char key[64];
		mode_state_key(lu, key, sizeof(key));
		if (lu->env->state_save == NULL || lu->env->state_save(lu->env->ctx, key, next, MODE_BYTES) != 0) {
			scsi_done_fail(cmd, SC_SAVING_NOT_SUPPORTED);
			return;
		}
		memcpy(lu->mode.saved, next, MODE_BYTES);
	}
	if (memcmp(next, lu->mode.cur, MODE_BYTES) != 0) {
		memcpy(lu->mode.cur, next, MODE_BYTES);
		/* SPC-4 §7.5 (shared mode pages): the other nexuses learn
		 * of the change through MODE PARAMETERS CHANGED. */
		ua_establish_all(&lu->nexuses, cmd->nexus, SC_UA_MODE_CHANGED);
	}
	scsi_done(cmd);
}
