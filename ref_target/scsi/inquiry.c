/* inquiry: INQUIRY standard data and vital product data pages.
 *
 * SPC-4 §6.6 (INQUIRY, standard data §6.6.2), §7.8 (VPD pages: supported
 * VPD pages 00h, unit serial number 80h, device identification 83h);
 * SBC-3 §6.5 (block limits B0h, block device characteristics B1h,
 * logical block provisioning B2h).
 */
#include <stdio.h>
#include <string.h>

#include "alua.h"
#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "sbc.h"
#include "spc.h"

/* SPC-4 §6.6.2: peripheral qualifier and device type. */
#define INQ_DIRECT_ACCESS 0x00u /* qualifier 000b, SBC device */
#define INQ_NO_LU 0x7fu         /* qualifier 011b, type 1Fh: no LU here */
#define INQ_RMB 0x80u
#define INQ_VERSION_SPC4 0x06u
#define INQ_HISUP 0x10u
#define INQ_RDF 0x02u           /* RESPONSE DATA FORMAT 2 */
#define INQ_CMDQUE 0x02u
#define INQ_3PC 0x08u           /* third-party copy: EXTENDED COPY (xcopy.c) */
#define INQ_TPGS_SHIFT 4u       /* TPGS: RT_ALUA_IMPLICIT 01b, RT_ALUA_EXPLICIT 10b (alua.h) */
#define INQ_STD_LEN 96u         /* through the version descriptors and reserved bytes */
#define INQ_EVPD 0x01u

/* SPC-4 §6.6.2 version descriptor values ("no version claimed" forms). */
static const uint16_t inq_versions[] = {
	0x00a0, /* SAM-5 */
	0x0960, /* iSCSI */
	0x0460, /* SPC-4 */
	0x04c0, /* SBC-3 */
};

/* Ours, when the configuration names none. */
#define INQ_VENDOR_DEFAULT "ISCSISIM"
#define INQ_PRODUCT_DEFAULT "REFTARGET"
#define INQ_REVISION_DEFAULT "0001"

/* NAA IEEE Registered Extended (SPC-4 §7.8, device identification page): NAA 6, a 24-bit company
 * id, the LU's 36-bit naa_id, and a 64-bit extension. 52-54-00 has the
 * locally administered bit set: it names no registered company. */
#define NAA_TYPE_REGISTERED_EXT 0x6u
#define NAA_COMPANY_ID 0x525400u
#define NAA_VSID_MASK ((1ull << 36) - 1)

/* SPC-4 §7.8 device identification: designation descriptor fields. */
enum {
	DESIG_CODE_BINARY = 1,
	DESIG_CODE_ASCII = 2,
	DESIG_CODE_UTF8 = 3,
	DESIG_ASSOC_LU = 0,
	DESIG_ASSOC_PORT = 1,
	DESIG_ASSOC_TARGET = 2,
	DESIG_TYPE_T10 = 1,
	DESIG_TYPE_NAA = 3,
	DESIG_TYPE_REL_PORT = 4,
	DESIG_TYPE_TPG = 5,
	DESIG_TYPE_NAME = 8,
	DESIG_PIV = 0x80,
	PROTO_ISCSI = 5, /* SPC-4 protocol identifier values */
};

/* VPD pages we serve, ascending (the supported VPD pages page lists them so). */
enum {
	VPD_SUPPORTED = 0x00,
	VPD_SERIAL = 0x80,
	VPD_DEVICE_ID = 0x83,
	VPD_BLOCK_LIMITS = 0xb0,
	VPD_BLOCK_CHARS = 0xb1,
	VPD_LBP = 0xb2,
};

/* Largest page we build: the device identification page with two SCSI
 * name strings of up to ISCSI_NAME_MAX bytes and a long serial. */
#define VPD_MAX_LEN 1024u

/* Space-padded ASCII (SPC-4 §4.3, ASCII data fields). */
static void inq_ascii(uint8_t *dst, const char *src, size_t n)
{
	memset(dst, ' ', n);
	size_t len = src ? strlen(src) : 0;
	memcpy(dst, src, len < n ? len : n);
}

static uint8_t inq_peripheral(const struct scsi_cmd *cmd)
{
	return cmd->lu ? INQ_DIRECT_ACCESS : INQ_NO_LU;
}

static void inq_standard(struct scsi_cmd *cmd)
{
	const struct rt_lu_cfg *cfg = cmd->lu ? cmd->lu->cfg : NULL;
	uint8_t d[INQ_STD_LEN];
	memset(d, 0, sizeof(d));
	d[0] = inq_peripheral(cmd);
	d[1] = (cfg && (cfg->flags & RT_LU_REMOVABLE)) ? INQ_RMB : 0;
	d[2] = INQ_VERSION_SPC4;
	d[3] = INQ_HISUP | INQ_RDF;
	d[4] = INQ_STD_LEN - 5;
	d[5] = (uint8_t)((cmd->lu ? alua_modes(cmd->lu) << INQ_TPGS_SHIFT : 0) | INQ_3PC);
	d[7] = INQ_CMDQUE;
	inq_ascii(d + 8, cfg && cfg->vendor ? cfg->vendor : INQ_VENDOR_DEFAULT, 8);
	inq_ascii(d + 16, cfg && cfg->product ? cfg->product : INQ_PRODUCT_DEFAULT, 16);
	inq_ascii(d + 32, cfg && cfg->revision ? cfg->revision : INQ_REVISION_DEFAULT, 4);
	for (size_t i = 0; i < sizeof(inq_versions) / sizeof(inq_versions[0]); i++)
		put_be16(d + 58 + 2 * i, inq_versions[i]);
	scsi_data_in(cmd, d, sizeof(d));
}

/* ---- VPD pages: each builder writes the whole page, returns its length ---- */

static uint32_t vpd_header(const struct scsi_cmd *cmd, uint8_t *p, uint8_t page, uint32_t len)
{
	p[0] = inq_peripheral(cmd);
	p[1] = page;
	put_be16(p + 2, (uint16_t)(len - 4));
	return len;
}

static uint32_t vpd_supported(const struct scsi_cmd *cmd, uint8_t *p);

static uint32_t vpd_serial(const struct scsi_cmd *cmd, uint8_t *p)
{
	const char *sn = cmd->lu->cfg->serial ? cmd->lu->cfg->serial : "";
	size_t n = strlen(sn);
	if (n > VPD_MAX_LEN / 4)
		n = VPD_MAX_LEN / 4;
	memcpy(p + 4, sn, n);
	return vpd_header(cmd, p, VPD_SERIAL, 4 + (uint32_t)n);
}

/* FNV-1a (64-bit): spreads the serial into the NAA extension so that LUs
 * configured with the same naa_id still get distinct identifiers. */
static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; s && *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* One designation descriptor header; returns the offset of its designator. */
static uint8_t *desig(uint8_t *p, uint8_t code_set, uint8_t assoc, uint8_t type, bool port_proto, uint8_t len)
{
	p[0] = (uint8_t)((port_proto ? PROTO_ISCSI << 4 : 0) | code_set);
	p[1] = (uint8_t)((port_proto ? DESIG_PIV : 0) | (assoc << 4) | type);
	p[2] = 0;
	p[3] = len;
	return p + 4;
}

/* SCSI name string designator: UTF-8, NUL-terminated, padded to a multiple
 * of 4 (SPC-4 §7.8, SCSI name string designator). Returns the descriptor length. */
static uint32_t desig_name(uint8_t *p, uint8_t assoc, const char *name, const char *suffix)
{
	char s[ISCSI_NAME_MAX + 16];
	size_t n = (size_t)snprintf(s, sizeof(s), "%s%s", name ? name : "", suffix);
	if (n >= sizeof(s))
		n = sizeof(s) - 1;
	uint32_t len = (uint32_t)((n + 1 + 3) & ~(size_t)3);
	uint8_t *d = desig(p, DESIG_CODE_UTF8, assoc, DESIG_TYPE_NAME, true, (uint8_t)len);
	memset(d, 0, len);
	memcpy(d, s, n);
	return 4 + len;
}

void inquiry_naa(const struct rt_lu_cfg *cfg, uint8_t *out)
{
	put_be64(out, ((uint64_t)NAA_TYPE_REGISTERED_EXT << 60) | ((uint64_t)NAA_COMPANY_ID << 36) |
			      (cfg->naa_id & NAA_VSID_MASK));
	put_be64(out + 8, fnv1a64(cfg->serial));
}

static uint32_t vpd_device_id(const struct scsi_cmd *cmd, uint8_t *p)
{
	const struct rt_lu_cfg *cfg = cmd->lu->cfg;
	const struct scsi_nexus *nx = cmd->nexus;
	uint32_t off = 4;

	/* The LU: NAA (what multipath keys on) and T10 vendor id + serial. */
	uint8_t *d = desig(p + off, DESIG_CODE_BINARY, DESIG_ASSOC_LU, DESIG_TYPE_NAA, false, INQ_NAA_LEN);
	inquiry_naa(cfg, d);
	off += 4 + INQ_NAA_LEN;

	const char *sn = cfg->serial ? cfg->serial : "";
	size_t sn_len = strlen(sn);
	if (sn_len > 64)
		sn_len = 64;
	d = desig(p + off, DESIG_CODE_ASCII, DESIG_ASSOC_LU, DESIG_TYPE_T10, false, (uint8_t)(8 + sn_len));
	inq_ascii(d, cfg->vendor ? cfg->vendor : INQ_VENDOR_DEFAULT, 8);
	memcpy(d + 8, sn, sn_len);
	off += 4 + 8 + (uint32_t)sn_len;

	/* The target port the command came through (relative target port, target port group, SCSI name string). */
	d = desig(p + off, DESIG_CODE_BINARY, DESIG_ASSOC_PORT, DESIG_TYPE_REL_PORT, true, 4);
	memset(d, 0, 4);
	put_be16(d + 2, nx->rel_port);
	off += 8;
	d = desig(p + off, DESIG_CODE_BINARY, DESIG_ASSOC_PORT, DESIG_TYPE_TPG, true, 4);
	memset(d, 0, 4);
	put_be16(d + 2, nx->tpg_tag); /* each portal group is a target port group */
	off += 8;
	char tpgt[16];
	snprintf(tpgt, sizeof(tpgt), ",t,0x%04x", nx->tpg_tag);
	off += desig_name(p + off, DESIG_ASSOC_PORT, nx->target_name, tpgt);
	/* The target device (its iSCSI name). */
	off += desig_name(p + off, DESIG_ASSOC_TARGET, nx->target_name, "");
	return vpd_header(cmd, p, VPD_DEVICE_ID, off);
}

/* SBC-3 §6.5.3 Block Limits: page length 3Ch. */
#define VPD_BL_UGAVALID 0x80u
static uint32_t vpd_block_limits(const struct scsi_cmd *cmd, uint8_t *p)
{
	const struct scsi_lu *lu = cmd->lu;
	uint32_t pb = lu_blocks_per_physical(lu);
	memset(p, 0, 64);
	p[5] = (uint8_t)sbc_caw_blocks_max(lu);   /* MAXIMUM COMPARE AND WRITE LENGTH */
	put_be16(p + 6, (uint16_t)pb);            /* OPTIMAL TRANSFER LENGTH GRANULARITY */
	put_be32(p + 8, lu_xfer_blocks_max(lu));  /* MAXIMUM TRANSFER LENGTH */
	put_be32(p + 12, lu_xfer_blocks_max(lu)); /* OPTIMAL TRANSFER LENGTH */
	if (lu->cfg->flags & RT_LU_THIN) {
		put_be32(p + 20, SBC_UNMAP_LBA_MAX);
		put_be32(p + 24, SBC_UNMAP_DESC_MAX);
		/* whole physical blocks, from LBA 0 (any range is accepted) */
		put_be32(p + 28, pb);           /* OPTIMAL UNMAP GRANULARITY */
		p[32] = VPD_BL_UGAVALID;        /* UNMAP GRANULARITY ALIGNMENT 0 */
	}
	put_be64(p + 36, sbc_write_same_blocks_max(lu)); /* MAXIMUM WRITE SAME LENGTH */
	/* SBC-4: atomic writes of up to a maximum transfer, at any LBA, of any
	 * length, without boundaries (alignment, granularity, boundary 0) */
	if (lu->cfg->flags & RT_LU_ATOMIC)
		put_be32(p + 44, lu_xfer_blocks_max(lu)); /* MAXIMUM ATOMIC TRANSFER LENGTH */
	return vpd_header(cmd, p, VPD_BLOCK_LIMITS, 64);
}

/* SBC-3 §6.5.2 Block Device Characteristics: non-rotating medium;
 * WABEREQ 01b where SANITIZE BLOCK ERASE exists (sanitize.h): reads of
 * erased blocks succeed. */
#define VPD_BDC_WABEREQ_READ_OK 0x40u

static uint32_t vpd_block_chars(const struct scsi_cmd *cmd, uint8_t *p)
{
	bool erase = (cmd->lu->cfg->flags & (RT_LU_SANITIZE | RT_LU_THIN)) == (RT_LU_SANITIZE | RT_LU_THIN);
	memset(p, 0, 64);
	put_be16(p + 4, 0x0001); /* MEDIUM ROTATION RATE: solid state */
	p[7] = erase ? VPD_BDC_WABEREQ_READ_OK : 0;
	return vpd_header(cmd, p, VPD_BLOCK_CHARS, 64);
}

/* SBC-3 §6.5.4 Logical Block Provisioning. */
#define LBP_LBPU 0x80u
#define LBP_LBPWS 0x40u
#define LBP_LBPWS10 0x20u
#define LBP_LBPRZ 0x04u
#define LBP_ANC_SUP 0x02u
#define LBP_TYPE_THIN 0x02u

static uint32_t vpd_lbp(const struct scsi_cmd *cmd, uint8_t *p)
{
	uint32_t flags = cmd->lu->cfg->flags;
	memset(p, 0, 8);
	if (flags & RT_LU_THIN) {
		p[5] = LBP_LBPU | LBP_LBPWS | LBP_LBPWS10 | LBP_ANC_SUP;
		p[6] = LBP_TYPE_THIN;
	}
	if (flags & RT_LU_LBPRZ)
		p[5] |= LBP_LBPRZ;
	return vpd_header(cmd, p, VPD_LBP, 8);
}

struct vpd_page {
	uint8_t code;
	uint32_t (*build)(const struct scsi_cmd *cmd, uint8_t *p);
};

static const struct vpd_page vpd_pages[] = {
	{VPD_SUPPORTED, vpd_supported},
	{VPD_SERIAL, vpd_serial},
	{VPD_DEVICE_ID, vpd_device_id},
	{VPD_BLOCK_LIMITS, vpd_block_limits},
	{VPD_BLOCK_CHARS, vpd_block_chars},
	{VPD_LBP, vpd_lbp},
};
#define VPD_PAGE_COUNT (sizeof(vpd_pages) / sizeof(vpd_pages[0]))

static uint32_t vpd_supported(const struct scsi_cmd *cmd, uint8_t *p)
{
	for (size_t i = 0; i < VPD_PAGE_COUNT; i++)
		p[4 + i] = vpd_pages[i].code;
	return vpd_header(cmd, p, VPD_SUPPORTED, 4 + (uint32_t)VPD_PAGE_COUNT);
}

static const struct vpd_page *vpd_find(uint8_t code)
{
	for (size_t i = 0; i < VPD_PAGE_COUNT; i++)
		if (vpd_pages[i].code == code)
			return &vpd_pages[i];
	return NULL;
}

int inquiry_decode(struct scsi_cmd *cmd)
{
	bool evpd = cmd->cdb[1] & INQ_EVPD;
	/* SPC-4 §6.6: PAGE CODE without EVPD is an error; an unknown page too. */
	if ((!evpd && cmd->cdb[2] != 0) || (evpd && vpd_find(cmd->cdb[2]) == NULL)) {
		scsi_fail_cdb(cmd, 2, SCSI_BIT_NONE);
		return -1;
	}
	/* VPD pages describe a logical unit; there is none behind this LUN. */
	if (evpd && cmd->lu == NULL) {
		scsi_fail(cmd, SC_LUN_NOT_SUPPORTED);
		return -1;
	}
	cmd->dir = SCSI_DIR_IN;
	cmd->xfer_len = get_be16(cmd->cdb + 3);
	return 0;
}

void inquiry_exec(struct scsi_cmd *cmd)
{
	if (cmd->cdb[1] & INQ_EVPD) {
		uint8_t page[VPD_MAX_LEN];
		memset(page, 0, sizeof(page));
		uint32_t len = vpd_find(cmd->cdb[2])->build(cmd, page);
		scsi_data_in(cmd, page, len);
	} else {
		inq_standard(cmd);
	}
	scsi_done(cmd);
}
