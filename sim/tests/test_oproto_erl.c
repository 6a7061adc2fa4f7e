/* The protocol oracle at ErrorRecoveryLevel 1 (RFC 7143 §7.1-§7.4,
 * §11.16): what recovery legitimately sends again is accepted, and a
 * retried command the target executes twice is still caught; at level 2
 * (§6.3.4, §11.5.1) a reassigned task's PDUs on the joined connection,
 * and TASK REASSIGN or a joining login below it caught. */
#include <check.h>

#include "sim/oracle/protocol.h"
#include "tmem.h"

static struct tmem m;
static struct oproto op;
static uint32_t statsn;

static void feed(bool from_target, uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct ipdu_tx tx;
	memcpy(tx.bhs, bhs, 48);
	ipdu_tx_seal(&tx, data, len, false, false);
	for (int i = 0; i < tx.iovcnt; i++)
		oproto_bytes(&op, from_target, tx.iov[i].iov_base, tx.iov[i].iov_len);
}

/* Log in (no digests, window 4) at this ErrorRecoveryLevel; the first
 * CmdSN is 100. */
static void login(const char *erl)
{
	tmem_init(&m);
	oproto_init(&op, &m.mem, 1, 4);
	uint8_t bhs[48], text[128];
	size_t len = 0;
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	ikeys_add(text, &len, sizeof(text), "MaxRecvDataSegmentLength", "1024");
	ikeys_add(text, &len, sizeof(text), "ErrorRecoveryLevel", erl);
	feed(false, bhs, text, (uint32_t)len);
	len = 0;
	ikeys_add(text, &len, sizeof(text), "MaxRecvDataSegmentLength", "1024");
	ikeys_add(text, &len, sizeof(text), "ErrorRecoveryLevel", erl);
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	put_be16(bhs + PDU_LOGIN_TSIH, 1);
	statsn = 7;
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 100);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 103);
	feed(true, bhs, text, (uint32_t)len);
	ck_assert(op.ffp);
}

static void done(void)
{
	oproto_fini(&op);
	ck_assert_uint_eq(m.live, 0);
}

static void cmd(uint32_t itt, uint32_t cmdsn, bool read, uint32_t edtl)
{
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | (read ? ISCSI_CMD_READ : 0));
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, edtl);
	pdu_set_w(bhs, PDU_INI_CMDSN, cmdsn);
	feed(false, bhs, NULL, 0);
}

static void snack(uint32_t itt, uint8_t type, uint32_t beg)
{
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_SNACK, (uint8_t)(ISCSI_FLAG_FINAL | type));
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SNACK_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_SNACK_BEGRUN, beg);
	feed(false, bhs, NULL, 0);
}

static void tgt(uint8_t op_code, uint8_t flags, uint32_t itt, uint32_t sn, uint32_t exp, uint32_t data_sn,
	uint32_t offset, const uint8_t *data, uint32_t len)
{
	uint8_t bhs[48];
	pdu_init(bhs, op_code, flags);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TGT_STATSN, sn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, exp);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, exp + 3);
	pdu_set_w(bhs, PDU_DATA_IN_DATASN, data_sn);
	pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, offset);
	feed(true, bhs, data, len);
}

START_TEST(erl1_status_sent_again_with_its_statsn_is_accepted)
{
	login("1");
	cmd(1, 100, false, 0);
	uint32_t sn = statsn++;
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, sn, 101, 0, 0, NULL, 0);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, sn, 101, 0, 0, NULL, 0); /* a Status SNACK's answer */
	cmd(2, 101, false, 0);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 2, statsn++, 102, 0, 0, NULL, 0);
	ck_assert_uint_eq(op.violations, 0);
	done();
}
END_TEST

START_TEST(erl0_status_sent_again_is_caught)
{
	login("0");
	cmd(1, 100, false, 0);
	uint32_t sn = statsn++;
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, sn, 101, 0, 0, NULL, 0);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, sn, 101, 0, 0, NULL, 0);
	ck_assert(strstr(op.why, "StatSN") != NULL);
	done();
}
END_TEST

START_TEST(erl1_retried_command_executed_twice_is_caught)
{
	login("1");
	cmd(1, 100, false, 0);
	cmd(1, 100, false, 0); /* a retry: same ITT, same CmdSN */
	ck_assert_uint_eq(op.violations, 0);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, statsn++, 101, 0, 0, NULL, 0);
	ck_assert_uint_eq(op.violations, 0);
	/* The target ran the copy too: a second answer, a new StatSN. */
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, statsn++, 101, 0, 0, NULL, 0);
	ck_assert_uint_eq(op.violations, 1);
	ck_assert(strstr(op.why, "no live task") != NULL);
	done();
}
END_TEST

START_TEST(erl1_retry_with_another_cmdsn_is_caught)
{
	login("1");
	cmd(1, 100, false, 0);
	cmd(2, 101, false, 0);
	cmd(1, 101, false, 0); /* ITT 1's task has CmdSN 100 */
	ck_assert(strstr(op.why, "retry") != NULL);
	done();
}
END_TEST

START_TEST(erl1_data_in_again_only_after_a_snack)
{
	login("1");
	cmd(1, 100, true, 1024);
	uint8_t d[512] = { 0 };
	tgt(ISCSI_OP_DATA_IN, 0, 1, statsn, 101, 0, 0, d, 512);
	snack(1, ISCSI_SNACK_DATA_R2T, 0);
	tgt(ISCSI_OP_DATA_IN, 0, 1, statsn, 101, 0, 0, d, 512); /* asked for */
	tgt(ISCSI_OP_DATA_IN, ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS, 1, statsn++, 101, 1, 512, d, 512);
	ck_assert_uint_eq(op.violations, 0);
	cmd(2, 101, true, 1024);
	tgt(ISCSI_OP_DATA_IN, 0, 2, statsn, 102, 0, 0, d, 512);
	tgt(ISCSI_OP_DATA_IN, 0, 2, statsn, 102, 0, 0, d, 512); /* nobody asked */
	ck_assert(strstr(op.why, "DataSN") != NULL);
	done();
}
END_TEST

/* An initiator repeating SNACKs for other tasks (a paused target: every
 * second, for seconds) must not push out a task it SNACKed once: its
 * copy, sent late, is still one it asked for (five-flag swarm seed 1314). */
START_TEST(erl1_snacked_task_stays_asked_for_while_others_are_snacked_again)
{
	login("1");
	cmd(1, 100, true, 1024);
	uint8_t d[512] = { 0 };
	tgt(ISCSI_OP_DATA_IN, 0, 1, statsn, 101, 0, 0, d, 512);
	snack(1, ISCSI_SNACK_DATA_R2T, 0);
	for (unsigned i = 0; i < 4 * OPROTO_SNACKED_MAX; i++)
		snack(7 + i % 3, ISCSI_SNACK_DATA_R2T, 0);
	tgt(ISCSI_OP_DATA_IN, 0, 1, statsn, 101, 0, 0, d, 512); /* asked for, long ago */
	ck_assert_uint_eq(op.violations, 0);
	done();
}
END_TEST

static void tmf(uint32_t itt, uint8_t fn, uint32_t ref)
{
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, (uint8_t)(ISCSI_FLAG_FINAL | fn));
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, ref);
	feed(false, bhs, NULL, 0);
}

static void tmf_rsp(uint32_t itt, uint8_t response)
{
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, itt);
	bhs[PDU_TMF_RESPONSE] = response;
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 100);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 103);
	feed(true, bhs, NULL, 0);
}

/* A connection joining the session (TSIH 1) whose keys the world gives
 * from its last connection: only connection keys in its login. */
static void join(uint32_t erl)
{
	tmem_init(&m);
	oproto_init(&op, &m.mem, 2, 4);
	struct iparams sess;
	iparams_default(&sess);
	sess.error_recovery_level = erl;
	oproto_set_session(&op, &sess);
	uint8_t bhs[48], text[128];
	size_t len = 0;
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	put_be16(bhs + PDU_LOGIN_TSIH, 1);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	ikeys_add(text, &len, sizeof(text), "MaxRecvDataSegmentLength", "1024");
	feed(false, bhs, text, (uint32_t)len);
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	put_be16(bhs + PDU_LOGIN_TSIH, 1);
	statsn = 7;
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 100);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 103);
	feed(true, bhs, text, (uint32_t)len);
}

START_TEST(erl2_reassigned_task_answers_on_the_joined_connection)
{
	join(2);
	ck_assert(op.ffp);
	ck_assert_uint_eq(op.params.error_recovery_level, 2); /* the session's */
	tmf(0x40000001, ISCSI_TMF_TASK_REASSIGN, 5);
	tmf_rsp(0x40000001, ISCSI_TMF_RSP_COMPLETE);
	/* the task of the old connection: an R2T, Data-Out, its status */
	uint8_t bhs[48], data[512] = { 0 };
	pdu_init(bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 5);
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 100);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 103);
	pdu_set_w(bhs, PDU_R2T_R2TSN, 3);
	pdu_set_w(bhs, PDU_R2T_BUFFER_OFFSET, 512);
	pdu_set_w(bhs, PDU_R2T_DESIRED_LENGTH, 512);
	feed(true, bhs, NULL, 0);
	pdu_init(bhs, ISCSI_OP_DATA_OUT, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 5);
	pdu_set_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET, 512);
	feed(false, bhs, data, sizeof(data));
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 5, statsn++, 100, 0, 0, NULL, 0);
	ck_assert_uint_eq(op.violations, 0);
	/* a second status for it: executed twice */
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 5, statsn++, 100, 0, 0, NULL, 0);
	ck_assert_uint_eq(op.violations, 1);
	done();
}
END_TEST

START_TEST(erl2_task_reassign_below_erl2_is_caught)
{
	login("1");
	tmf(0x40000001, ISCSI_TMF_TASK_REASSIGN, 5);
	ck_assert_uint_eq(op.violations, 1);
	ck_assert(strstr(op.why, "TASK REASSIGN") != NULL);
	done();
}
END_TEST

START_TEST(erl2_login_into_a_one_connection_session_below_erl2_is_caught)
{
	/* At ERL 1 with MaxConnections 1 the session ends with its only
	 * connection (§6.3.4): a login with its TSIH is our initiator's
	 * mistake (it starts a new session at ERL < 2). */
	join(1);
	ck_assert_uint_eq(op.violations, 1);
	ck_assert(strstr(op.why, "MaxConnections=1") != NULL);
	done();
}
END_TEST

Suite *suite_oproto_erl(void)
{
	Suite *s = suite_create("oproto_erl");
	TCase *tc = tcase_create("oproto_erl");
	tcase_add_test(tc, erl1_status_sent_again_with_its_statsn_is_accepted);
	tcase_add_test(tc, erl0_status_sent_again_is_caught);
	tcase_add_test(tc, erl1_retried_command_executed_twice_is_caught);
	tcase_add_test(tc, erl1_retry_with_another_cmdsn_is_caught);
	tcase_add_test(tc, erl1_data_in_again_only_after_a_snack);
	tcase_add_test(tc, erl1_snacked_task_stays_asked_for_while_others_are_snacked_again);
	tcase_add_test(tc, erl2_reassigned_task_answers_on_the_joined_connection);
	tcase_add_test(tc, erl2_task_reassign_below_erl2_is_caught);
	tcase_add_test(tc, erl2_login_into_a_one_connection_session_below_erl2_is_caught);
	suite_add_tcase(s, tc);
	return s;
}
