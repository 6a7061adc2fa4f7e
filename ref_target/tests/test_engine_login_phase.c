/* What a connection in its login phase does with a PDU it cannot take
 * (RFC 7143 §6.3, §11.13.5, §13.12; core/conn.c conn_login_phase_header):
 * before the first Login Request, any other PDU closes the connection;
 * once the login started, a non-login PDU gets a Login Response "invalid
 * during login" (0x020b) and the connection closes; a Login Request longer
 * than 8192 bytes gets a Login Response "initiator error" (0x0200), never
 * a Reject.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "engine_fixture.h"

#define LOGIN_ITT 0x77u

/* A Login Request in the operational stage that stays there (T=0): the
 * login has started and goes on. ISID 0x80..01, CmdSN 1, ExpStatSN 0. */
static void login_request(const void *data, uint32_t len, uint8_t flags)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, flags);
	static const uint8_t isid[6] = { 0x80, 0, 0, 0, 0, 1 };
	memcpy(bhs + PDU_LOGIN_ISID, isid, sizeof(isid));
	pdu_set_w(bhs, PDU_ITT, LOGIN_ITT);
	pdu_set_w(bhs, PDU_INI_CMDSN, 1);
	ini_send(&I, bhs, data, len);
}

static void login_started(void)
{
	static const char keys[] = "InitiatorName=" IQN_I "\0SessionType=Normal\0TargetName=" IQN_T;
	login_request(keys, sizeof(keys), ISCSI_STAGE_OPERATIONAL << ISCSI_LOGIN_CSG_SHIFT);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_LOGIN_RSP);
	ck_assert_uint_eq(get_be16(I.bhs + PDU_LOGIN_STATUS), 0);
	ck_assert(!F.conns[1].closed);
}

/* The next PDU is a Login Response refusing with status, for LOGIN_ITT;
 * nothing follows and the connection is closed. */
static void refused_with(uint16_t status)
{
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_LOGIN_RSP);
	ck_assert_uint_eq(get_be16(I.bhs + PDU_LOGIN_STATUS), status);
	ck_assert_uint_eq(pdu_itt(I.bhs), LOGIN_ITT);
	ck_assert_uint_eq(I.bhs[PDU_LOGIN_ISID], 0x80);
	ck_assert_uint_eq(I.bhs[PDU_FLAGS] & ISCSI_LOGIN_TRANSIT, 0);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert(F.conns[1].closed);
	ck_assert(rt_engine_idle(E));
}

static void nop_out(uint8_t opcode)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, opcode | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 5);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	ini_send(&I, bhs, NULL, 0);
}

START_TEST(a_non_login_pdu_before_any_login_request_closes_the_connection)
{
	nop_out(ISCSI_OP_NOP_OUT);
	ck_assert_uint_eq(ini_pending(&I), 0);
	ck_assert(F.conns[1].closed);
}
END_TEST

START_TEST(a_non_login_pdu_after_login_started_gets_invalid_during_login)
{
	login_started();
	nop_out(ISCSI_OP_NOP_OUT);
	refused_with(ISCSI_LOGIN_INVALID_DURING_LOGIN);
}
END_TEST

START_TEST(an_unknown_opcode_after_login_started_gets_invalid_during_login)
{
	login_started();
	nop_out(0x1f); /* no such initiator opcode */
	refused_with(ISCSI_LOGIN_INVALID_DURING_LOGIN);
}
END_TEST

START_TEST(a_login_request_longer_than_8192_bytes_gets_a_login_response_not_a_reject)
{
	static char big[ISCSI_MRDSL_DEFAULT + 1];
	int n = snprintf(big, sizeof(big), "InitiatorName=%s", IQN_I);
	memset(big + n + 1, 'x', sizeof(big) - (size_t)n - 1);
	login_request(big, sizeof(big), ISCSI_STAGE_OPERATIONAL << ISCSI_LOGIN_CSG_SHIFT);
	refused_with(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

START_TEST(a_long_login_request_mid_login_is_refused_the_same_way)
{
	login_started();
	static char big[ISCSI_MRDSL_DEFAULT + 4];
	memset(big, 0, sizeof(big));
	login_request(big, sizeof(big), ISCSI_STAGE_OPERATIONAL << ISCSI_LOGIN_CSG_SHIFT);
	refused_with(ISCSI_LOGIN_INITIATOR_ERROR);
}
END_TEST

Suite *suite_engine_login_phase(void)
{
	Suite *s = suite_create("engine_login_phase");
	TCase *tc = tcase_create("engine_login_phase");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, a_non_login_pdu_before_any_login_request_closes_the_connection);
	tcase_add_test(tc, a_non_login_pdu_after_login_started_gets_invalid_during_login);
	tcase_add_test(tc, an_unknown_opcode_after_login_started_gets_invalid_during_login);
	tcase_add_test(tc, a_login_request_longer_than_8192_bytes_gets_a_login_response_not_a_reject);
	tcase_add_test(tc, a_long_login_request_mid_login_is_refused_the_same_way);
	suite_add_tcase(s, tc);
	return s;
}
