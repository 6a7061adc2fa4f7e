/* Admission at the engine's hard limits (core/admit.h, limits.h): with
 * RT_SESSIONS_MAX sessions a new session is refused with Login status
 * 0x0302 (RFC 7143 §11.13.5) and the sessions there go on; with all
 * RT_CONNS_MAX connections in full feature phase there is no login to
 * evict, and a new connection is refused (counted, logged) while every
 * session still answers. Sessions of two connections fill the
 * connections; a small command window keeps the memory small. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "engine_fixture.h"

static const char two_conns[] = "MaxConnections=2";
static uint32_t cmd_sn_after; /* the CmdSN the last login left for its session */

static struct rt_stats stats(void)
{
	struct rt_stats st;
	rt_engine_stats(E, &st);
	return st;
}

/* Log connection id in, with initiator name n and ISID n (tsih 0: a new
 * session); returns the login status and the session's TSIH in *tsih. */
static uint16_t login_as(rt_conn_id id, unsigned n, uint16_t *tsih)
{
	struct ini x;
	char name[96];
	snprintf(name, sizeof(name), "%s-%u", IQN_I, n);
	if (id != 1)
		ck_assert_int_eq(rt_on_accept(E, id, 0, NULL), 0);
	ini_init(&x, &F, E, id);
	x.isid[4] = (uint8_t)(n >> 8);
	x.isid[5] = (uint8_t)n;
	x.tsih = *tsih;
	x.cid = *tsih != 0; /* a second connection: its own CID (§6.3.4) */
	uint16_t st = ini_login(&x, name, IQN_T, two_conns, sizeof(two_conns));
	*tsih = x.tsih;
	cmd_sn_after = x.cmd_sn;
	ini_fini(&x);
	return st;
}

START_TEST(admit_at_the_session_and_connection_limits_refuses_the_next_and_keeps_the_rest)
{
	rt_engine_destroy(E);
	ini_fini(&I);
	F.conns[1].closed = false; /* closed with the first engine */
	F.conns[1].out_len = 0;
	cfg.params.max_connections = 2;
	cfg.params.cmd_window = 1;
	make_engine();
	static uint16_t tsih[RT_SESSIONS_MAX];
	uint32_t first_cmd_sn = 0;
	for (unsigned n = 0; n < RT_SESSIONS_MAX; n++) {
		tsih[n] = 0;
		ck_assert_uint_eq(login_as(1 + n, n, &tsih[n]), 0);
		if (n == 0)
			first_cmd_sn = cmd_sn_after;
	}
	/* the 513th session: out of resources, its connection closed */
	rt_conn_id extra = 1 + RT_SESSIONS_MAX;
	uint16_t none = 0;
	ck_assert_uint_eq(login_as(extra, RT_SESSIONS_MAX, &none), ISCSI_LOGIN_OUT_OF_RESOURCES);
	ck_assert(F.conns[extra].closed);
	ck_assert_uint_eq(stats().sessions_refused_full, 1);
	/* a second connection for each: all RT_CONNS_MAX in full feature phase */
	for (unsigned n = 0; n < RT_SESSIONS_MAX; n++) {
		uint16_t t = tsih[n];
		ck_assert_msg(login_as(extra + 1 + n, n, &t) == 0, "n=%u tsih=%u %s", n, tsih[n], F.last_log);
		ck_assert_uint_eq(t, tsih[n]);
	}
	rt_conn_id last = extra + RT_SESSIONS_MAX;
	ck_assert_uint_eq(last, RT_CONNS_MAX + 1);
	ck_assert_int_eq(rt_on_accept(E, last + 1, 0, NULL), -1);
	ck_assert_uint_eq(stats().conns_refused_full, 1);
	ck_assert_uint_eq(stats().conns_evicted, 0);
	ck_assert_ptr_nonnull(strstr(F.last_log, "all 1024 connections are logged in"));
	/* the first and the last connection still serve their sessions */
	ini_fini(&I); /* make_engine's, unused: session 0 was logged in by login_as */
	ini_init(&I, &F, E, 1);
	I.cmd_sn = first_cmd_sn;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert(!F.conns[1].closed && !F.conns[last].closed);
}
END_TEST

Suite *suite_engine_admit_full(void)
{
	Suite *s = suite_create("engine_admit_full");
	TCase *tc = tcase_create("engine_admit_full");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, admit_at_the_session_and_connection_limits_refuses_the_next_and_keeps_the_rest);
	suite_add_tcase(s, tc);
	return s;
}
