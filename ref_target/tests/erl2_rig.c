/* erl2_rig: see erl2_rig.h. */
#include "erl2_rig.h"

#include <check.h>
#include <string.h>

struct ini J;
static bool j_up;

void erig_teardown(void)
{
	erig_j_close();
	engine_teardown();
}

/* I logs in offering ERL 2 (and MaxConnections 2) to a target that
 * allows it, past its unit attention. */
void erig_login(const char *keys, uint32_t len)
{
	cfg.params.error_recovery_level = 2;
	cfg.params.max_connections = 2;
	cfg.params.default_time2wait = 2;
	cfg.params.default_time2retain = 20;
	cfg.params.nop_in_interval_ms = 0; /* no pings: the clock jumps */
	login_ok(keys, len);
	clear_ua();
}

void erig_j_open(rt_conn_id id, uint16_t cid)
{
	erig_j_close();
	ck_assert_int_eq(rt_on_accept(E, id, 0, NULL), 0);
	ini_init(&J, &F, E, id);
	j_up = true;
	memcpy(J.isid, I.isid, sizeof(J.isid));
	J.tsih = I.tsih;
	J.cid = cid;
	J.cmd_sn = I.cmd_sn;
	J.exp_stat_sn = 1000; /* the new connection's StatSN starts here */
	J.itt = 0x5000 + 0x100 * id; /* ITTs stay unique in the session */
}

void erig_j_close(void)
{
	if (j_up)
		ini_fini(&J);
	j_up = false;
}

uint16_t erig_join_with(rt_conn_id id, uint16_t cid, const char *keys, uint32_t keys_len)
{
	erig_j_open(id, cid);
	return ini_login(&J, IQN_I, IQN_T, keys, keys_len);
}

uint16_t erig_join(rt_conn_id id, uint16_t cid)
{
	return erig_join_with(id, cid, NULL, 0);
}

void erig_expect_op(struct ini *x, uint8_t op)
{
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), op);
}

/* TASK REASSIGN of ref from x (immediate); the TMF Response code. */
uint8_t erig_reassign(struct ini *x, uint32_t ref, uint32_t exp_data_sn)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t itt = x->itt++;
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_TASK_REASSIGN);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, ref);
	pdu_set_w(bhs, PDU_INI_CMDSN, x->cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, x->exp_stat_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, 0);
	pdu_set_w(bhs, PDU_TMF_EXPDATASN, exp_data_sn);
	ini_send(x, bhs, NULL, 0);
	erig_expect_op(x, ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(pdu_itt(x->bhs), itt);
	return x->bhs[PDU_TMF_RESPONSE];
}

/* Logout with reason for cid from x (immediate); the response code. */
uint8_t erig_logout(struct ini *x, uint8_t reason, uint16_t cid, uint32_t exp_stat_sn)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | reason);
	pdu_set_w(bhs, PDU_ITT, x->itt++);
	put_be16(bhs + PDU_LOGOUT_CID, cid);
	pdu_set_w(bhs, PDU_INI_CMDSN, x->cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, exp_stat_sn);
	ini_send(x, bhs, NULL, 0);
	erig_expect_op(x, ISCSI_OP_LOGOUT_RSP);
	return x->bhs[PDU_LOGOUT_RESPONSE];
}

void erig_pattern(uint8_t *p, uint32_t len, uint8_t seed)
{
	for (uint32_t k = 0; k < len; k++)
		p[k] = (uint8_t)(k * 13 + seed);
}

/* A READ(10) of n blocks at lba from x, its disk I/O left pending. */
uint32_t erig_read_pending(struct ini *x, uint32_t lba, uint16_t n)
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, lba, n);
	return ini_scsi(x, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, (uint32_t)n * BS, NULL, 0);
}

/* x receives Data-In for len bytes into out, then the status (a final
 * Data-In or a SCSI Response); returns the status's StatSN. */
uint32_t erig_receive_read(struct ini *x, uint8_t *out, uint32_t len)
{
	uint32_t got = 0;
	for (;;) {
		ck_assert(ini_recv(x));
		uint8_t op = pdu_opcode(x->bhs);
		if (op == ISCSI_OP_SCSI_RSP) {
			ck_assert_uint_eq(x->bhs[PDU_SCSI_RSP_STATUS], 0x00);
			break;
		}
		ck_assert_uint_eq(op, ISCSI_OP_DATA_IN);
		ck_assert_uint_eq(pdu_w(x->bhs, PDU_DATA_IN_BUFFER_OFFSET), got);
		memcpy(out + got, x->data, x->data_len);
		got += x->data_len;
		if (x->bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS)
			break;
	}
	ck_assert_uint_eq(got, len);
	return pdu_w(x->bhs, PDU_TGT_STATSN);
}
