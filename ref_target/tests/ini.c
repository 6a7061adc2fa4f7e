/* ini: see ini.h. */
#include "ini.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"

void ini_init(struct ini *i, struct fake_env *f, struct rt_engine *eng, rt_conn_id conn)
{
	memset(i, 0, sizeof(*i));
	i->f = f;
	i->eng = eng;
	i->conn = conn;
	memcpy(i->isid, "\x80\x00\x00\x01\x02\x03", 6);
	i->itt = 0x10;
	i->data = malloc(INI_DATA_MAX);
	assert(i->data);
}

void ini_fini(struct ini *i)
{
	free(i->data);
}

void ini_send(struct ini *i, const uint8_t *bhs, const void *data, uint32_t len)
{
	size_t total = ISCSI_BHS_LEN + 4 + len + 3 + 4;
	uint8_t *buf = malloc(total);
	assert(buf);
	size_t n = 0;
	memcpy(buf, bhs, ISCSI_BHS_LEN);
	pdu_set_dsl(buf, len);
	n += ISCSI_BHS_LEN;
	if (i->hd) {
		crc32c_put(buf + n, crc32c(buf, ISCSI_BHS_LEN));
		n += 4;
	}
	if (len) {
		size_t d0 = n;
		memcpy(buf + n, data, len);
		n += len;
		memset(buf + n, 0, pdu_pad(len));
		n += pdu_pad(len);
		if (i->dd) {
			crc32c_put(buf + n, crc32c(buf + d0, n - d0));
			n += 4;
		}
	}
	size_t step = i->split ? i->split : n;
	for (size_t off = 0; off < n; off += step)
		rt_on_bytes(i->eng, i->conn, buf + off, off + step > n ? n - off : step);
	free(buf);
}

size_t ini_pending(struct ini *i)
{
	return i->f->conns[i->conn].out_len;
}

bool ini_recv(struct ini *i)
{
	struct fake_conn *fc = &i->f->conns[i->conn];
	size_t hd = i->hd ? 4 : 0;
	if (fc->out_len < ISCSI_BHS_LEN)
		return false;
	uint32_t dsl = pdu_dsl(fc->out);
	size_t dd = (i->dd && dsl) ? 4 : 0;
	size_t total = ISCSI_BHS_LEN + hd + dsl + pdu_pad(dsl) + dd;
	if (fc->out_len < total)
		return false;
	memcpy(i->bhs, fc->out, ISCSI_BHS_LEN);
	if (hd)
		assert(crc32c_get(fc->out + ISCSI_BHS_LEN) == crc32c(fc->out, ISCSI_BHS_LEN));
	assert(dsl <= INI_DATA_MAX);
	memcpy(i->data, fc->out + ISCSI_BHS_LEN + hd, dsl);
	if (dd)
		assert(crc32c_get(fc->out + total - 4) ==
		       crc32c(fc->out + ISCSI_BHS_LEN + hd, dsl + pdu_pad(dsl)));
	i->data_len = dsl;
	memmove(fc->out, fc->out + total, fc->out_len - total);
	fc->out_len -= total;
	uint8_t op = pdu_opcode(i->bhs);
	/* Status-bearing PDUs advance what we acknowledge. */
	bool status = op == ISCSI_OP_SCSI_RSP || op == ISCSI_OP_TMF_RSP || op == ISCSI_OP_LOGOUT_RSP ||
		      op == ISCSI_OP_TEXT_RSP || op == ISCSI_OP_LOGIN_RSP || op == ISCSI_OP_REJECT ||
		      (op == ISCSI_OP_NOP_IN && pdu_itt(i->bhs) != ISCSI_TAG_RESERVED) ||
		      (op == ISCSI_OP_DATA_IN && (i->bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS));
	if (status)
		i->exp_stat_sn = pdu_w(i->bhs, PDU_TGT_STATSN) + 1;
	return true;
}

uint16_t ini_login(struct ini *i, const char *initiator, const char *target, const char *keys, uint32_t keys_len)
{
	char text[4096];
	size_t n = 0;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "InitiatorName=%s", initiator) + 1;
	if (target) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "SessionType=Normal") + 1;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "TargetName=%s", target) + 1;
	} else {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "SessionType=Discovery") + 1;
	}
	assert(n + keys_len <= sizeof(text));
	if (keys_len)
		memcpy(text + n, keys, keys_len);
	n += keys_len;
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE,
		 ISCSI_LOGIN_TRANSIT | (ISCSI_STAGE_OPERATIONAL << ISCSI_LOGIN_CSG_SHIFT) | ISCSI_STAGE_FULL_FEATURE);
	memcpy(bhs + PDU_LOGIN_ISID, i->isid, 6);
	put_be16(bhs + PDU_LOGIN_TSIH, i->tsih);
	pdu_set_w(bhs, PDU_ITT, i->itt++);
	put_be16(bhs + PDU_LOGIN_CID, i->cid);
	pdu_set_w(bhs, PDU_INI_CMDSN, i->cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, i->exp_stat_sn);
	ini_send(i, bhs, text, (uint32_t)n);
	if (!ini_recv(i) || pdu_opcode(i->bhs) != ISCSI_OP_LOGIN_RSP)
		return 0xffff;
	uint16_t status = get_be16(i->bhs + PDU_LOGIN_STATUS);
	if (status == 0)
		i->tsih = get_be16(i->bhs + PDU_LOGIN_TSIH);
	return status;
}

uint32_t ini_scsi(struct ini *i, uint64_t lun, const uint8_t *cdb, uint8_t flags, uint32_t edtl,
		  const void *imm, uint32_t imm_len)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, flags);
	put_be64(bhs + PDU_LUN, lun << 48);
	uint32_t itt = i->itt++;
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, edtl);
	pdu_set_w(bhs, PDU_INI_CMDSN, i->cmd_sn++);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, i->exp_stat_sn);
	memcpy(bhs + PDU_SCSI_CMD_CDB, cdb, 16);
	ini_send(i, bhs, imm, imm_len);
	return itt;
}

void ini_data_out(struct ini *i, uint32_t itt, uint32_t ttt, uint32_t data_sn, uint32_t offset, const void *data,
		  uint32_t len, bool final)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_DATA_OUT, final ? ISCSI_FLAG_FINAL : 0);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, ttt);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, i->exp_stat_sn);
	pdu_set_w(bhs, PDU_DATA_OUT_DATASN, data_sn);
	pdu_set_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET, offset);
	ini_send(i, bhs, data, len);
}
