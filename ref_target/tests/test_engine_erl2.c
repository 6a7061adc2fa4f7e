/* ErrorRecoveryLevel 2, connection recovery, end to end over the fake
 * environment (RFC 7143 §7.2.2, §6.3.4, §11.5.1, §11.14.1, §13.15-16;
 * core/erl2.h): negotiation only when configured, a failed connection's
 * tasks kept and reassigned to a new connection (reinstatement) or to
 * another of the session (MC/S), a write that lands once with what it
 * lacked asked for again, status and Data-In lost with the connection
 * sent again, Time2Retain expiry on the injected clock, Logout reasons 1
 * and 2, and the bound on records. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "engine_fixture.h"

#define NS_PER_S 1000000000ull

static const char erl2_keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2";
/* Small PDUs: a read of a few blocks is several Data-In. */
static const char erl2_small[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0MaxRecvDataSegmentLength=512\0"
				 "MaxBurstLength=1024\0FirstBurstLength=512";

static struct ini J; /* a second connection of I's session */
static bool j_up;

static void erl2_teardown(void)
{
	if (j_up)
		ini_fini(&J);
	j_up = false;
	engine_teardown();
}

/* I logs in offering ERL 2 (and MaxConnections 2) to a target that
 * allows it, past its unit attention. */
static void login_erl2(const char *keys, uint32_t len)
{
	cfg.params.error_recovery_level = 2;
	cfg.params.max_connections = 2;
	cfg.params.default_time2wait = 2;
	cfg.params.default_time2retain = 20;
	cfg.params.nop_in_interval_ms = 0; /* no pings: the clock jumps */
	login_ok(keys, len);
	clear_ua();
}

/* Connection id joins I's session as J with CID cid (a reinstatement if
 * that CID is in use), offering keys (may be NULL); returns the login
 * status. */
static uint16_t join_with(rt_conn_id id, uint16_t cid, const char *keys, uint32_t keys_len)
{
	if (j_up)
		ini_fini(&J);
	ck_assert_int_eq(rt_on_accept(E, id, 0, NULL), 0);
	ini_init(&J, &F, E, id);
	j_up = true;
	memcpy(J.isid, I.isid, sizeof(J.isid));
	J.tsih = I.tsih;
	J.cid = cid;
	J.cmd_sn = I.cmd_sn;
	J.exp_stat_sn = 1000; /* the new connection's StatSN starts here */
	J.itt = 0x5000 + 0x100 * id; /* ITTs stay unique in the session */
	return ini_login(&J, IQN_I, IQN_T, keys, keys_len);
}

static uint16_t join(rt_conn_id id, uint16_t cid)
{
	return join_with(id, cid, NULL, 0);
}

static void expect_op(struct ini *x, uint8_t op)
{
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), op);
}

/* TASK REASSIGN of ref from x (immediate); the TMF Response code. */
static uint8_t reassign(struct ini *x, uint32_t ref, uint32_t exp_data_sn)
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
	expect_op(x, ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(pdu_itt(x->bhs), itt);
	return x->bhs[PDU_TMF_RESPONSE];
}

/* Logout with reason for cid from x (immediate); the response code. */
static uint8_t logout(struct ini *x, uint8_t reason, uint16_t cid, uint32_t exp_stat_sn)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | reason);
	pdu_set_w(bhs, PDU_ITT, x->itt++);
	put_be16(bhs + PDU_LOGOUT_CID, cid);
	pdu_set_w(bhs, PDU_INI_CMDSN, x->cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, exp_stat_sn);
	ini_send(x, bhs, NULL, 0);
	expect_op(x, ISCSI_OP_LOGOUT_RSP);
	return x->bhs[PDU_LOGOUT_RESPONSE];
}

static void pattern(uint8_t *p, uint32_t len, uint8_t seed)
{
	for (uint32_t k = 0; k < len; k++)
		p[k] = (uint8_t)(k * 13 + seed);
}

/* A READ(10) of n blocks at lba from x, its disk I/O left pending. */
static uint32_t read_pending(struct ini *x, uint32_t lba, uint16_t n)
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, lba, n);
	return ini_scsi(x, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, (uint32_t)n * BS, NULL, 0);
}

/* x receives Data-In for len bytes into out, then the status (a final
 * Data-In or a SCSI Response); returns the status's StatSN. */
static uint32_t receive_read(struct ini *x, uint8_t *out, uint32_t len)
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

/* ---- negotiation ---- */

/* The last Login Response of x carries key=value. */
static bool has_key(const struct ini *x, const char *kv)
{
	size_t n = strlen(kv) + 1; /* with its NUL: a whole key=value */
	for (uint32_t at = 0; at + n <= x->data_len; at++)
		if ((at == 0 || x->data[at - 1] == 0) && memcmp(x->data + at, kv, n) == 0)
			return true;
	return false;
}

START_TEST(erl2_is_negotiated_only_when_the_configuration_allows_it)
{
	/* a configuration that offers 1: an initiator asking 2 gets 1, and
	 * the level 2 functions their "not supported" answers */
	cfg.params.error_recovery_level = 1;
	login_ok(erl2_keys, sizeof(erl2_keys));
	ck_assert(has_key(&I, "ErrorRecoveryLevel=1"));
	clear_ua();
	ck_assert_uint_eq(reassign(&I, 0x10, 0), ISCSI_TMF_RSP_NO_REASSIGN);
	ck_assert_uint_eq(logout(&I, ISCSI_LOGOUT_RECOVERY, 0, I.exp_stat_sn), ISCSI_LOGOUT_RSP_NO_RECOVERY);
	ck_assert(!F.conns[1].closed);
}
END_TEST

START_TEST(erl2_is_negotiated_by_default_when_asked)
{
	/* the default configuration offers 2 (limits.h RT_ERL_DEFAULT, as
	 * LIO allows): an initiator asking 2 gets it */
	ck_assert_uint_eq(cfg.params.error_recovery_level, RT_ERL_DEFAULT);
	ck_assert_uint_eq(RT_ERL_DEFAULT, 2);
	login_ok(erl2_keys, sizeof(erl2_keys));
	ck_assert(has_key(&I, "ErrorRecoveryLevel=2"));
}
END_TEST

START_TEST(erl2_is_negotiated_when_configured_and_asked)
{
	cfg.params.error_recovery_level = 2;
	login_ok(erl2_keys, sizeof(erl2_keys));
	ck_assert(has_key(&I, "ErrorRecoveryLevel=2"));
}
END_TEST

/* ---- a lost connection, reinstated (§6.3.4) ---- */

START_TEST(erl2_write_cut_by_a_lost_connection_lands_once_after_reassignment)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint8_t w[4 * BS];
	pattern(w, sizeof(w), 5);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 40, 4);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	expect_op(&I, ISCSI_OP_R2T);
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	ini_data_out(&I, itt, ttt, 0, 0, w, BS, false); /* one block of four, then the link dies */
	rt_on_conn_closed(E, 1);
	/* the session lives on with no connection (a record waits) */
	ck_assert_uint_eq(join(2, I.cid), 0);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	/* the rest of the burst, by a recovery R2T on the new connection */
	expect_op(&J, ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_ne(pdu_w(J.bhs, PDU_R2T_TTT), ttt);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_R2TSN), 1);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_BUFFER_OFFSET), BS);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_DESIRED_LENGTH), 3 * BS);
	uint32_t ttt2 = pdu_w(J.bhs, PDU_R2T_TTT);
	/* Data-Out for the old TTT is discarded */
	ini_data_out(&J, itt, ttt, 1, BS, w + BS, BS, false);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ini_data_out(&J, itt, ttt2, 0, BS, w + BS, 3 * BS, true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1); /* one write reaches the disk */
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(memcmp(F.disk + 40 * BS, w, sizeof(w)), 0);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* dataout_reassign: a write whose unsolicited Data-Out (InitialR2T=No,
 * §13.10) had not all arrived when its connection failed: after TASK
 * REASSIGN the missing unsolicited part is asked for by R2T (§7.2.2),
 * the immediate data kept, and the write lands once. */
START_TEST(erl2_write_cut_in_its_unsolicited_data_asks_for_the_rest_after_reassignment)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0InitialR2T=No\0ImmediateData=Yes";
	login_erl2(keys, sizeof(keys));
	uint8_t w[4 * BS];
	pattern(w, sizeof(w), 9);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 60, 4);
	/* one block immediate, no F bit: unsolicited Data-Out is to follow */
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1, sizeof(w), w, BS);
	ck_assert_uint_eq(ini_pending(&I), 0);
	rt_on_conn_closed(E, 1); /* before any of it */
	ck_assert_uint_eq(join(2, I.cid), 0);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	expect_op(&J, ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_BUFFER_OFFSET), BS); /* the immediate block is kept */
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_DESIRED_LENGTH), 3 * BS);
	ini_data_out(&J, itt, pdu_w(J.bhs, PDU_R2T_TTT), 0, BS, w + BS, 3 * BS, true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(memcmp(F.disk + 60 * BS, w, sizeof(w)), 0);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

START_TEST(erl2_read_done_while_its_connection_was_down_answers_after_reassignment)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint8_t r[8 * BS];
	pattern(F.disk + 8 * BS, sizeof(r), 9);
	uint32_t itt = read_pending(&I, 8, 8);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1); /* done with no connection: held */
	ck_assert_uint_eq(join(2, I.cid), 0);
	uint32_t sn = J.exp_stat_sn;
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(receive_read(&J, r, sizeof(r)), sn + 1); /* the new connection's StatSN */
	ck_assert_uint_eq(memcmp(r, F.disk + 8 * BS, sizeof(r)), 0);
	/* reassigned once: a second time it is gone */
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

START_TEST(erl2_status_and_data_lost_with_the_connection_are_sent_again)
{
	login_erl2(erl2_small, sizeof(erl2_small));
	uint8_t r[4 * BS];
	pattern(F.disk + 100 * BS, sizeof(r), 3);
	uint32_t itt = read_pending(&I, 100, 4);
	fake_disk_run(&F, E);
	/* the target sent it all (four Data-In of 512 bytes, the last with
	 * the status), but the initiator never acknowledged the status
	 * before the connection died */
	uint32_t n = 0;
	while (ini_recv(&I))
		n++;
	ck_assert_uint_eq(n, 4);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(join(2, I.cid), 0);
	/* ExpDataSN 2: the initiator has DataSN 0 and 1; from 2 on again */
	ck_assert_uint_eq(reassign(&J, itt, 2), ISCSI_TMF_RSP_COMPLETE);
	expect_op(&J, ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), 2);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_BUFFER_OFFSET), 2 * BS);
	ck_assert_uint_eq(memcmp(J.data, F.disk + 102 * BS, BS), 0);
	expect_op(&J, ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), 3);
	ck_assert(J.bhs[PDU_FLAGS] & ISCSI_FLAG_FINAL);
	ck_assert(!(J.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS));
	/* the status on its own, with the new connection's StatSN */
	uint32_t sn = J.exp_stat_sn;
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_TGT_STATSN), sn);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 4);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

/* A write's status lost with its connection: what was kept of it is its
 * R2T and its SCSI Response, no Data-In; the response goes again on the
 * new connection's StatSN with the ExpDataSN it had (§11.4.8: the R2Ts),
 * and the write does not run again. */
START_TEST(erl2_write_status_lost_with_the_connection_is_sent_again)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint8_t w[2 * BS];
	pattern(w, sizeof(w), 13);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 400, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	expect_op(&I, ISCSI_OP_R2T);
	ini_data_out(&I, itt, pdu_w(I.bhs, PDU_R2T_TTT), 0, 0, w, sizeof(w), true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	expect_op(&I, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_EXPDATASN), 1);
	rt_on_conn_closed(E, 1); /* before the initiator acknowledged it */
	ck_assert_uint_eq(join(2, I.cid), 0);
	uint32_t sn = J.exp_stat_sn;
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_TGT_STATSN), sn + 1);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 1);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ck_assert_uint_eq(fake_disk_run(&F, E), 0); /* written once */
	ck_assert_uint_eq(memcmp(F.disk + 400 * BS, w, sizeof(w)), 0);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

/* §11.2.1.8: an initiator reuses an ITT once it has the status of the
 * task that had it. A new command with the ITT of a read whose status a
 * failed connection's record still keeps (erl2_itt_reused): the copies
 * go, and TASK REASSIGN of that ITT then finds no task. */
START_TEST(erl2_itt_reused_drops_the_copies_a_failed_connection_kept)
{
	login_erl2(erl2_small, sizeof(erl2_small));
	uint32_t itt = read_pending(&I, 60, 2);
	fake_disk_run(&F, E);
	while (ini_recv(&I))
		;
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(join(2, I.cid), 0);
	J.itt = itt; /* the next command takes the read's ITT */
	ck_assert_uint_eq(ini_scsi(&J, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0), itt);
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* A connection fails at ERL 2 when the engine cannot allocate its
 * session's records (erl2_cr_new): its tasks end as at level 0, the
 * session with them (it had no other connection); nothing leaks. */
START_TEST(erl2_failure_without_memory_for_the_record_ends_the_tasks)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint32_t itt = read_pending(&I, 70, 1);
	F.fail_alloc_at = F.allocs; /* the next allocation: the record set */
	rt_on_conn_closed(E, 1);
	F.fail_alloc_at = -1;
	fake_disk_run(&F, E);
	ck_assert_uint_eq(join(2, I.cid), ISCSI_LOGIN_SESSION_NOT_FOUND);
	(void)itt;
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX); /* nothing waits */
}
END_TEST

/* Two connections of one session fail: two records in one set; the
 * first freed (its task reassigned and ended) leaves the set to the
 * second (erl2_set_maybe_free), which is freed with its own. */
START_TEST(erl2_two_failed_connections_share_one_set_until_the_last)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint32_t itt[2];
	for (uint32_t k = 0; k < 2; k++) {
		ck_assert_uint_eq(join(2 + k, (uint16_t)(20 + k)), 0);
		itt[k] = read_pending(&J, 80 + k, 1);
		I.cmd_sn = J.cmd_sn;
		rt_on_conn_closed(E, 2 + k);
	}
	ini_fini(&J);
	j_up = false;
	fake_disk_run(&F, E);
	ck_assert_uint_ne(rt_next_deadline(E), UINT64_MAX);
	uint8_t r[BS];
	ck_assert_uint_eq(reassign(&I, itt[0], 0), ISCSI_TMF_RSP_COMPLETE);
	receive_read(&I, r, BS);
	ck_assert_uint_ne(rt_next_deadline(E), UINT64_MAX); /* the second record still waits */
	ck_assert_uint_eq(reassign(&I, itt[1], 0), ISCSI_TMF_RSP_COMPLETE);
	receive_read(&I, r, BS);
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX); /* the set let go */
}
END_TEST

START_TEST(erl2_reinstatement_while_the_old_connection_seems_alive_moves_its_tasks)
{
	/* §6.3.4: the target has not seen the old connection die; the login
	 * with its CID logs it out implicitly, its tasks wait */
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint8_t w[2 * BS];
	pattern(w, sizeof(w), 11);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 300, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	expect_op(&I, ISCSI_OP_R2T);
	ck_assert(!F.conns[1].closed);
	ck_assert_uint_eq(join(2, I.cid), 0);
	ck_assert(F.conns[1].closed); /* the old one is gone, the session is not */
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	expect_op(&J, ISCSI_OP_R2T);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_BUFFER_OFFSET), 0);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_R2T_DESIRED_LENGTH), sizeof(w));
	ini_data_out(&J, itt, pdu_w(J.bhs, PDU_R2T_TTT), 0, 0, w, sizeof(w), true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(memcmp(F.disk + 300 * BS, w, sizeof(w)), 0);
}
END_TEST

START_TEST(erl2_logout_for_recovery_on_its_own_connection_then_a_new_one)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint32_t itt = read_pending(&I, 5, 1);
	ck_assert_uint_eq(logout(&I, ISCSI_LOGOUT_RECOVERY, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert(F.conns[1].closed);
	fake_disk_run(&F, E); /* done with no connection: held */
	ck_assert_uint_eq(join(2, 3), 0); /* a new CID this time */
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	uint8_t r[BS];
	receive_read(&J, r, BS);
	ck_assert_uint_eq(memcmp(r, F.disk + 5 * BS, BS), 0);
}
END_TEST

START_TEST(erl2_reinstatement_login_acknowledges_the_old_connections_status)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint32_t itt = read_pending(&I, 0, 1);
	fake_disk_run(&F, E);
	uint8_t r[BS];
	uint32_t sn = receive_read(&I, r, BS);
	rt_on_conn_closed(E, 1);
	/* the Login's ExpStatSN is the old connection's (§6.3.4): past the
	 * status, which the record then lets go */
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	if (j_up)
		ini_fini(&J);
	ini_init(&J, &F, E, 2);
	j_up = true;
	memcpy(J.isid, I.isid, 6);
	J.tsih = I.tsih;
	J.cid = I.cid;
	J.cmd_sn = I.cmd_sn;
	J.exp_stat_sn = sn + 1;
	ck_assert_uint_eq(ini_login(&J, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

START_TEST(erl2_commands_before_their_cmdsn_turn_are_discarded_with_the_connection)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint32_t sn = I.cmd_sn;
	I.cmd_sn = sn + 1; /* sn is lost on the way: this one waits for it */
	uint32_t itt = read_pending(&I, 0, 1);
	rt_on_conn_closed(E, 1);
	I.cmd_sn = sn;
	ck_assert_uint_eq(join(2, I.cid), 0);
	/* §11.14.1: unacknowledged commands are discarded */
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	/* and both CmdSNs are gaps the initiator fills by sending again */
	J.cmd_sn = sn;
	ck_assert_uint_eq(tur_status(&J, 0), 0);
	uint8_t r[BS];
	read_pending(&J, 0, 1);
	fake_disk_run(&F, E);
	receive_read(&J, r, BS);
}
END_TEST

/* ---- MC/S: reassignment to the surviving connection ---- */

START_TEST(erl2_task_of_a_failed_connection_moves_to_the_other_connection)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(join(2, 1), 0);
	uint32_t itt = read_pending(&I, 16, 2);
	J.cmd_sn = I.cmd_sn;
	/* still allegiant to a live connection: no (§7.2.2) */
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_TASK_ALLEGIANT);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	fake_disk_run(&F, E);
	uint8_t r[2 * BS];
	receive_read(&J, r, sizeof(r));
	ck_assert_uint_eq(memcmp(r, F.disk + 16 * BS, sizeof(r)), 0);
}
END_TEST

START_TEST(erl2_time2retain_expiry_discards_the_tasks_on_the_injected_clock)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(join(2, 1), 0);
	uint32_t a = read_pending(&I, 0, 1);
	uint32_t b = read_pending(&I, 1, 1);
	J.cmd_sn = I.cmd_sn;
	uint64_t t0 = F.now_ns;
	rt_on_conn_closed(E, 1);
	fake_disk_run(&F, E);
	/* DefaultTime2Wait 2 + DefaultTime2Retain 20 seconds from the failure */
	uint64_t due = t0 + 22 * NS_PER_S;
	ck_assert_uint_le(rt_next_deadline(E), due);
	F.now_ns = due - 1;
	rt_on_time(E);
	ck_assert_uint_eq(reassign(&J, a, 0), ISCSI_TMF_RSP_COMPLETE);
	uint8_t r[BS];
	receive_read(&J, r, BS);
	F.now_ns = due;
	ck_assert_uint_eq(rt_next_deadline(E), due);
	rt_on_time(E);
	ck_assert_uint_eq(reassign(&J, b, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX);
	ck_assert(!F.conns[2].closed); /* the session goes on */
	ck_assert_uint_eq(tur_status(&J, 0), 0);
}
END_TEST

START_TEST(erl2_session_with_no_connection_ends_when_time2retain_is_over)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	read_pending(&I, 0, 1);
	uint64_t t0 = F.now_ns;
	rt_on_conn_closed(E, 1);
	ck_assert(!rt_engine_idle(E)); /* a task waits */
	ck_assert_uint_eq(rt_next_deadline(E), t0 + 22 * NS_PER_S);
	F.now_ns = t0 + 22 * NS_PER_S;
	rt_on_time(E);
	fake_disk_run(&F, E); /* the aborted read's I/O returns */
	ck_assert(rt_engine_idle(E));
	ck_assert_uint_eq(join(2, I.cid), ISCSI_LOGIN_SESSION_NOT_FOUND);
}
END_TEST

START_TEST(erl2_time2retain_0_keeps_nothing)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0DefaultTime2Retain=0";
	cfg.params.error_recovery_level = 2;
	login_ok(keys, sizeof(keys));
	clear_ua();
	read_pending(&I, 0, 1);
	rt_on_conn_closed(E, 1);
	fake_disk_run(&F, E);
	ck_assert(rt_engine_idle(E)); /* §13.16: discarded at once, the session too */
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX);
}
END_TEST

/* ---- Logout (§11.14.1) ---- */

START_TEST(erl2_logout_for_recovery_keeps_the_tasks_and_says_how_long)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(join(2, 1), 0);
	uint32_t itt = read_pending(&I, 3, 1);
	J.cmd_sn = I.cmd_sn;
	ck_assert_uint_eq(logout(&J, ISCSI_LOGOUT_RECOVERY, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert_uint_eq(get_be16(J.bhs + PDU_LOGOUT_TIME2WAIT), 2);
	ck_assert_uint_eq(get_be16(J.bhs + PDU_LOGOUT_TIME2RETAIN), 20);
	ck_assert(F.conns[1].closed);
	/* a CID that is neither live nor failed */
	ck_assert_uint_eq(logout(&J, ISCSI_LOGOUT_RECOVERY, 7, J.exp_stat_sn), ISCSI_LOGOUT_RSP_NO_CID);
	/* the failed one again: already removed, still fine */
	ck_assert_uint_eq(logout(&J, ISCSI_LOGOUT_RECOVERY, I.cid, J.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	fake_disk_run(&F, E);
	uint8_t r[BS];
	receive_read(&J, r, BS);
}
END_TEST

START_TEST(erl2_logout_closing_a_connection_ends_its_tasks)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(join(2, 1), 0);
	uint32_t itt = read_pending(&I, 3, 1);
	J.cmd_sn = I.cmd_sn;
	ck_assert_uint_eq(logout(&J, ISCSI_LOGOUT_CONNECTION, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	ck_assert_uint_eq(get_be16(J.bhs + PDU_LOGOUT_TIME2RETAIN), 0); /* nothing kept */
	ck_assert(F.conns[1].closed);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

START_TEST(erl2_logout_closing_a_failed_connection_ends_its_waiting_tasks)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(join(2, 1), 0);
	uint32_t itt = read_pending(&I, 3, 1);
	J.cmd_sn = I.cmd_sn;
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(logout(&J, ISCSI_LOGOUT_CONNECTION, I.cid, I.exp_stat_sn), ISCSI_LOGOUT_RSP_OK);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX);
}
END_TEST

START_TEST(erl2_waiting_tasks_can_be_aborted_from_another_connection)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	ck_assert_uint_eq(join(2, 1), 0);
	uint32_t done = read_pending(&I, 0, 1);
	uint32_t running = read_pending(&I, 1, 1);
	J.cmd_sn = I.cmd_sn;
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(fake_disk_run(&F, E), 2); /* both done while down: held */
	/* ABORT TASK of a held task (§11.5.1): it ends, nothing is sent for it */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 0x7777);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, done);
	pdu_set_w(bhs, PDU_INI_CMDSN, J.cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, J.exp_stat_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, J.cmd_sn - 2);
	ini_send(&J, bhs, NULL, 0);
	expect_op(&J, ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(J.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ck_assert_uint_eq(reassign(&J, done, 0), ISCSI_TMF_RSP_NO_TASK);
	/* LOGICAL UNIT RESET takes the other one (SAM-5 §7.8) */
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_LOGICAL_UNIT_RESET);
	pdu_set_w(bhs, PDU_ITT, 0x7778);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, J.cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, J.exp_stat_sn);
	ini_send(&J, bhs, NULL, 0);
	expect_op(&J, ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(J.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(reassign(&J, running, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(tur_status(&J, 0) >> 16, 0x02); /* the reset's unit attention */
}
END_TEST

/* Kept Data-In sent again on a connection with a smaller
 * MaxRecvDataSegmentLength (§11.5.6: the count of PDUs may change) are
 * cut again, and F still falls at each MaxBurstLength end: the session's
 * burst, which the kept Data-In were cut to (rcv_data_again). */
START_TEST(erl2_data_in_sent_again_is_cut_to_the_new_connections_length_at_the_same_bursts)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0MaxRecvDataSegmentLength=1024\0"
				   "MaxBurstLength=1536\0FirstBurstLength=512";
	static const char small[] = "MaxRecvDataSegmentLength=512";
	login_erl2(keys, sizeof(keys));
	pattern(F.disk + 120 * BS, 6 * BS, 7);
	uint32_t itt = read_pending(&I, 120, 6);
	fake_disk_run(&F, E);
	/* sent as 1024, 512 (F), 1024, 512 (F, status); none acknowledged */
	uint32_t n = 0;
	while (ini_recv(&I))
		n++;
	ck_assert_uint_eq(n, 4);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(join_with(2, I.cid, small, sizeof(small)), 0);
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	/* again as six of 512, F at 1536 and 3072 */
	for (uint32_t sn = 0; sn < 6; sn++) {
		expect_op(&J, ISCSI_OP_DATA_IN);
		ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), sn);
		ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_BUFFER_OFFSET), sn * BS);
		ck_assert_uint_eq(J.data_len, BS);
		ck_assert_uint_eq(memcmp(J.data, F.disk + (120 + sn) * BS, BS), 0);
		ck_assert_uint_eq(!!(J.bhs[PDU_FLAGS] & ISCSI_FLAG_FINAL), (sn == 2 || sn == 5));
		ck_assert(!(J.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS));
	}
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 6);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* ---- what the failed connection could not keep (rcv_again_plan) ----
 *
 * A task whose status and Data-In a failed connection kept is answered
 * again from those copies; when the copies cannot say what the initiator
 * lacks, the task is gone as far as the target can tell: §11.6.1
 * response 1, "Task does not exist" (erl2_reassign_check), and nothing
 * is sent for it. The initiator then retries the command (§7.2.1). */

/* x reads n blocks at lba acknowledging no status (ExpStatSN hold): every
 * copy the target keeps stays kept. */
static uint32_t read_unacked(struct ini *x, uint32_t hold, uint32_t lba, uint16_t n, uint8_t *out)
{
	x->exp_stat_sn = hold;
	uint32_t itt = read_pending(x, lba, n);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	receive_read(x, out, (uint32_t)n * BS);
	return itt;
}

/* A store full in bytes keeps a short Data-In after a long one it could
 * not keep: the task's DataSNs have a gap, and no ExpDataSN fills it. */
START_TEST(erl2_reassign_of_a_read_missing_a_data_in_in_the_middle_finds_no_task)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0MaxRecvDataSegmentLength=8192";
	enum { MRDSL = 8192, READ_BLOCKS = 128 };
	login_erl2(keys, sizeof(keys));
	uint32_t hold = I.exp_stat_sn; /* clear_ua's response acknowledged */
	static uint8_t r[READ_BLOCKS * BS];
	/* what a Data-In takes in the store (recovery.c: BHS + data) */
	const uint64_t full = ISCSI_BHS_LEN + MRDSL, tail = ISCSI_BHS_LEN + BS;
	const uint64_t per_read = (uint64_t)READ_BLOCKS * BS / MRDSL * full;
	/* the read under test is two full Data-In and a one-block one with
	 * the status: the room left for it must keep the first and the
	 * last, not the middle one */
	const uint64_t room_lo = full + tail, room_hi = 2 * full;
	uint64_t room = RT_RCV_BYTES_MAX;
	uint32_t whole = 0;
	for (uint32_t k = 0; room >= per_read + room_hi; k++) {
		uint32_t itt = read_unacked(&I, hold, 0, READ_BLOCKS, r);
		if (k == 0)
			whole = itt;
		room -= per_read;
	}
	uint64_t q = (room - tail - room_lo) / full;
	read_unacked(&I, hold, 0, (uint16_t)(q * MRDSL / BS + 1), r);
	room -= q * full + tail;
	ck_assert(room >= room_lo && room < room_hi);
	uint32_t itt = read_unacked(&I, hold, 200, (uint16_t)(2 * MRDSL / BS + 1), r);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(join(2, I.cid), 0);
	/* DataSN 0 and 2 kept, 1 not: whatever the initiator says it has */
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(reassign(&J, itt, 1), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(ini_pending(&J), 0);
	/* a read kept whole on the same connection is answered again */
	ck_assert_uint_eq(reassign(&J, whole, 0), ISCSI_TMF_RSP_COMPLETE);
	receive_read(&J, r, sizeof(r));
	ck_assert_uint_eq(memcmp(r, F.disk, sizeof(r)), 0);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* DataACK (§11.16.2) from x for the burst whose A-bit Data-In had ttt:
 * every Data-In before DataSN beg is had. ExpStatSN hold: the read's
 * status stays unacknowledged. */
static void data_ack(struct ini *x, uint32_t hold, uint32_t itt, uint32_t ttt, uint32_t beg)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SNACK, ISCSI_FLAG_FINAL | ISCSI_SNACK_DATA_ACK);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SNACK_TTT, ttt);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, hold);
	pdu_set_w(bhs, PDU_SNACK_BEGRUN, beg);
	ini_send(x, bhs, NULL, 0);
}

/* Once the store lacked room (not_kept), a task whose first kept Data-In
 * is not DataSN 0 may have lost earlier ones, not only had them
 * acknowledged: only an ExpDataSN within what is kept (§11.5.6) says
 * where to start. */
START_TEST(erl2_reassign_after_the_store_was_full_needs_an_expdatasn_within_what_is_kept)
{
	login_erl2(erl2_small, sizeof(erl2_small)); /* 512-byte Data-In, 1024-byte bursts */
	static uint8_t r[128 * BS];
	/* 128 Data-In a read, none acknowledged: past RT_RCV_PDUS_MAX one
	 * is sent and not kept */
	uint32_t hold = I.exp_stat_sn;
	for (uint32_t k = 0; k <= RT_RCV_PDUS_MAX / 128; k++)
		read_unacked(&I, hold, 0, 128, r);
	ck_assert_uint_eq(tur_status(&I, 0), 0); /* acknowledges them all: room again */
	hold = I.exp_stat_sn;
	uint32_t itt = read_pending(&I, 100, 4);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	uint32_t ack_ttt = ISCSI_TAG_RESERVED;
	for (uint32_t sn = 0; sn < 4; sn++) {
		expect_op(&I, ISCSI_OP_DATA_IN);
		if (sn == 1) { /* the end of the first burst, more to come */
			ck_assert(I.bhs[PDU_FLAGS] & ISCSI_DATAIN_ACK);
			ack_ttt = pdu_w(I.bhs, PDU_DATA_IN_TTT);
		}
	}
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS);
	data_ack(&I, hold, itt, ack_ttt, 2); /* DataSN 0 and 1 let go */
	ck_assert_uint_eq(ini_pending(&I), 0);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(join(2, I.cid), 0);
	/* 2 and 3 kept: 0 (no ExpDataSN), 1 (before them), 5 (past them) */
	ck_assert_uint_eq(reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(reassign(&J, itt, 1), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(reassign(&J, itt, 5), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(ini_pending(&J), 0);
	/* 3: the last Data-In again, then the status */
	ck_assert_uint_eq(reassign(&J, itt, 3), ISCSI_TMF_RSP_COMPLETE);
	expect_op(&J, ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), 3);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_BUFFER_OFFSET), 3 * BS);
	ck_assert_uint_eq(memcmp(J.data, F.disk + 103 * BS, BS), 0);
	expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 4);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* ---- bounds and the end ---- */

START_TEST(erl2_failed_connections_kept_at_once_are_bounded)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	uint32_t itt[RT_ERL2_FAILED_CONNS_MAX + 1];
	/* connection 1 stays; connections 2.. each run a read and fail */
	for (uint32_t k = 0; k <= RT_ERL2_FAILED_CONNS_MAX; k++) {
		ck_assert_uint_eq(join(2 + k, (uint16_t)(10 + k)), 0);
		itt[k] = read_pending(&J, k, 1);
		I.cmd_sn = J.cmd_sn;
		rt_on_conn_closed(E, 2 + k);
	}
	ini_fini(&J);
	j_up = false;
	fake_disk_run(&F, E);
	/* the first RT_ERL2_FAILED_CONNS_MAX wait; the one past them ended */
	ck_assert_uint_eq(reassign(&I, itt[RT_ERL2_FAILED_CONNS_MAX], 0), ISCSI_TMF_RSP_NO_TASK);
	for (uint32_t k = 0; k < RT_ERL2_FAILED_CONNS_MAX; k++) {
		uint8_t r[BS];
		ck_assert_uint_eq(reassign(&I, itt[k], 0), ISCSI_TMF_RSP_COMPLETE);
		receive_read(&I, r, BS);
	}
	ck_assert_uint_eq(rt_next_deadline(E), UINT64_MAX); /* every record let go */
}
END_TEST

START_TEST(erl2_shutdown_ends_a_session_that_waits_with_no_connection)
{
	login_erl2(erl2_keys, sizeof(erl2_keys));
	read_pending(&I, 0, 1);
	rt_on_conn_closed(E, 1);
	rt_engine_shutdown(E);
	fake_disk_run(&F, E);
	ck_assert(rt_engine_idle(E));
}
END_TEST

Suite *suite_engine_erl2(void)
{
	Suite *s = suite_create("engine_erl2");
	TCase *tc = tcase_create("erl2");
	tcase_add_checked_fixture(tc, engine_setup, erl2_teardown);
	tcase_add_test(tc, erl2_is_negotiated_only_when_the_configuration_allows_it);
	tcase_add_test(tc, erl2_is_negotiated_by_default_when_asked);
	tcase_add_test(tc, erl2_is_negotiated_when_configured_and_asked);
	tcase_add_test(tc, erl2_write_cut_by_a_lost_connection_lands_once_after_reassignment);
	tcase_add_test(tc, erl2_write_cut_in_its_unsolicited_data_asks_for_the_rest_after_reassignment);
	tcase_add_test(tc, erl2_read_done_while_its_connection_was_down_answers_after_reassignment);
	tcase_add_test(tc, erl2_status_and_data_lost_with_the_connection_are_sent_again);
	tcase_add_test(tc, erl2_write_status_lost_with_the_connection_is_sent_again);
	tcase_add_test(tc, erl2_itt_reused_drops_the_copies_a_failed_connection_kept);
	tcase_add_test(tc, erl2_failure_without_memory_for_the_record_ends_the_tasks);
	tcase_add_test(tc, erl2_two_failed_connections_share_one_set_until_the_last);
	tcase_add_test(tc, erl2_reinstatement_while_the_old_connection_seems_alive_moves_its_tasks);
	tcase_add_test(tc, erl2_logout_for_recovery_on_its_own_connection_then_a_new_one);
	tcase_add_test(tc, erl2_reinstatement_login_acknowledges_the_old_connections_status);
	tcase_add_test(tc, erl2_commands_before_their_cmdsn_turn_are_discarded_with_the_connection);
	tcase_add_test(tc, erl2_task_of_a_failed_connection_moves_to_the_other_connection);
	tcase_add_test(tc, erl2_time2retain_expiry_discards_the_tasks_on_the_injected_clock);
	tcase_add_test(tc, erl2_session_with_no_connection_ends_when_time2retain_is_over);
	tcase_add_test(tc, erl2_time2retain_0_keeps_nothing);
	tcase_add_test(tc, erl2_logout_for_recovery_keeps_the_tasks_and_says_how_long);
	tcase_add_test(tc, erl2_logout_closing_a_connection_ends_its_tasks);
	tcase_add_test(tc, erl2_logout_closing_a_failed_connection_ends_its_waiting_tasks);
	tcase_add_test(tc, erl2_waiting_tasks_can_be_aborted_from_another_connection);
	tcase_add_test(tc, erl2_data_in_sent_again_is_cut_to_the_new_connections_length_at_the_same_bursts);
	tcase_add_test(tc, erl2_reassign_of_a_read_missing_a_data_in_in_the_middle_finds_no_task);
	tcase_add_test(tc, erl2_reassign_after_the_store_was_full_needs_an_expdatasn_within_what_is_kept);
	tcase_add_test(tc, erl2_failed_connections_kept_at_once_are_bounded);
	tcase_add_test(tc, erl2_shutdown_ends_a_session_that_waits_with_no_connection);
	suite_add_tcase(s, tc);
	return s;
}
