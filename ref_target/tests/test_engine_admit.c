/* Admission control (core/admit.h) over the fake environment: the
 * pre-login timeout, per-source connection limits and rate, eviction of
 * the oldest login when logins fill their share, per-initiator and
 * per-source session quotas answered with Login status 0x0302, the
 * counters of each, and cfg_validate on the knobs.
 *
 * The fake environment serves connection ids below FAKE_CONNS only, so
 * each test lowers the limits it exercises to a handful.
 */
#include <check.h>
#include <string.h>

#include "core/limits.h"
#include "engine_fixture.h"

#define MS 1000000ull

static const struct rt_peer peer_a = { RT_PEER_IPV4, { 10, 0, 0, 1 } };
static const struct rt_peer peer_b = { RT_PEER_IPV4, { 10, 0, 0, 2 } };
/* ::ffff:10.0.0.1, what a dual-stack listener reports for peer_a */
static const struct rt_peer peer_a_mapped = { RT_PEER_IPV6, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1 } };
static const struct rt_peer peer_v6 = { RT_PEER_IPV6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };

/* A new engine over cfg as the test changed it. */
static void remake(void)
{
	rt_engine_destroy(E);
	ini_fini(&I);
	ck_assert_uint_eq(F.live_bytes, 0);
	for (int i = 0; i < FAKE_CONNS; i++) {
		F.conns[i].closed = false;
		F.conns[i].out_len = 0;
	}
	char err[256];
	ck_assert_msg(cfg_validate(&cfg, err, sizeof(err)) == 0, "%s", err);
	make_engine();
}

static struct rt_stats stats(void)
{
	struct rt_stats st;
	rt_engine_stats(E, &st);
	return st;
}

/* One whole Login PDU that keeps the login going (operational stage,
 * T=0): the target answers and waits for more. */
static void login_first_pdu(struct ini *x)
{
	static const char keys[] = "InitiatorName=" IQN_I "\0SessionType=Normal\0TargetName=" IQN_T;
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_STAGE_OPERATIONAL << ISCSI_LOGIN_CSG_SHIFT);
	memcpy(bhs + PDU_LOGIN_ISID, x->isid, 6);
	pdu_set_w(bhs, PDU_ITT, x->itt++);
	ini_send(x, bhs, keys, sizeof(keys));
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_LOGIN_RSP);
	ck_assert_uint_eq(get_be16(x->bhs + PDU_LOGIN_STATUS), 0);
	ck_assert_uint_eq(x->bhs[PDU_FLAGS] & ISCSI_LOGIN_TRANSIT, 0);
}

/* A connection id from peer, with a scripted initiator on it whose ISID
 * ends in isid_last. */
static void open_ini(struct ini *x, rt_conn_id id, const struct rt_peer *peer, uint8_t isid_last)
{
	ck_assert_int_eq(rt_on_accept(E, id, 0, peer), 0);
	ini_init(x, &F, E, id);
	x->isid[5] = isid_last;
}

START_TEST(admit_closes_a_connection_that_sends_no_login_pdu_within_prelogin_timeout)
{
	ck_assert_uint_eq(cfg.params.prelogin_timeout_ms, RT_PRELOGIN_TIMEOUT_MS_DEFAULT);
	ck_assert_uint_eq(rt_next_deadline(E), F.now_ns + RT_PRELOGIN_TIMEOUT_MS_DEFAULT * MS);
	F.now_ns += RT_PRELOGIN_TIMEOUT_MS_DEFAULT * MS - 1;
	rt_on_time(E);
	ck_assert(!F.conns[1].closed);
	F.now_ns += 1;
	rt_on_time(E);
	ck_assert(F.conns[1].closed);
	ck_assert_uint_eq(stats().prelogin_timeouts, 1);
	ck_assert_uint_eq(stats().conns_dropped, 1);
}
END_TEST

START_TEST(admit_gives_the_whole_login_timeout_once_a_login_pdu_arrived)
{
	uint64_t t0 = F.now_ns;
	F.now_ns += 100 * MS;
	login_first_pdu(&I);
	ck_assert_uint_eq(rt_next_deadline(E), t0 + cfg.params.login_timeout_ms * MS);
	F.now_ns = t0 + RT_PRELOGIN_TIMEOUT_MS_DEFAULT * MS;
	rt_on_time(E);
	ck_assert(!F.conns[1].closed);
	F.now_ns = rt_next_deadline(E);
	rt_on_time(E);
	ck_assert(F.conns[1].closed);
	ck_assert_uint_eq(stats().prelogin_timeouts, 0); /* a login timeout, not a pre-login one */
}
END_TEST

START_TEST(admit_limits_logins_per_source_by_evicting_its_own_and_counts_by_address_not_port)
{
	cfg.params.max_login_conns_per_source = 2;
	cfg.params.max_conns_per_source = 3;
	remake();
	ck_assert_int_eq(rt_on_accept(E, 2, 0, &peer_a), 0);
	ck_assert_int_eq(rt_on_accept(E, 3, 0, &peer_a_mapped), 0); /* the same host over IPv6 */
	/* peer_a holds its share of logins: the newest gets in, its oldest
	 * silent one goes (a flood cannot keep a real initiator on the same
	 * host out) */
	ck_assert_int_eq(rt_on_accept(E, 4, 0, &peer_a), 0);
	ck_assert(F.conns[2].closed && !F.conns[3].closed);
	ck_assert_uint_eq(stats().conns_evicted, 1);
	ck_assert_uint_eq(stats().conns_refused_source, 0);
	ck_assert_int_eq(rt_on_accept(E, 5, 0, &peer_b), 0); /* others are not touched */
	ck_assert_int_eq(rt_on_accept(E, 6, 0, &peer_v6), 0);
	ck_assert_int_eq(rt_on_accept(E, 7, 0, NULL), 0); /* unknown sources are not grouped */
	ck_assert(!F.conns[5].closed && !F.conns[6].closed && !F.conns[7].closed);
	/* peer_a's two log in: its login share frees, its total does not */
	struct ini j, k;
	ini_init(&j, &F, E, 3);
	j.isid[5] = 2;
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), 0);
	ini_init(&k, &F, E, 4);
	k.isid[5] = 3;
	ck_assert_uint_eq(ini_login(&k, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_int_eq(rt_on_accept(E, 8, 0, &peer_a), 0);  /* 3 in all, 1 logging in */
	ck_assert_int_eq(rt_on_accept(E, 9, 0, &peer_a), -1); /* a 4th: refused, nobody evicted */
	ck_assert_uint_eq(stats().conns_refused_source, 1);
	ck_assert_uint_eq(stats().conns_evicted, 1);
	ck_assert(!F.conns[3].closed && !F.conns[4].closed && !F.conns[8].closed);
	ini_fini(&j);
	ini_fini(&k);
}
END_TEST

/* Within one address, a connection that sent its Login PDU outlives every
 * silent one: a real initiator sharing a host with a flood gets in. */
START_TEST(admit_keeps_a_login_in_progress_over_silent_sockets_of_its_address)
{
	cfg.params.max_login_conns_per_source = 2;
	remake();
	struct ini j;
	open_ini(&j, 2, &peer_a, 7);
	login_first_pdu(&j);                           /* a real login, under way */
	ck_assert_int_eq(rt_on_accept(E, 3, 0, &peer_a), 0); /* a silent socket */
	for (rt_conn_id id = 4; id < 8; id++) {        /* the flood goes on */
		ck_assert_int_eq(rt_on_accept(E, id, 0, &peer_a), 0);
		ck_assert(F.conns[id - 1].closed);     /* the previous silent one went */
		ck_assert(!F.conns[2].closed);         /* the login stays */
	}
	ck_assert_uint_eq(stats().conns_evicted, 4);
	ini_fini(&j);
}
END_TEST

START_TEST(admit_limits_the_connection_rate_per_source_on_the_environment_clock)
{
	cfg.params.login_rate_per_source = 4; /* one every 250 ms ... */
	cfg.params.login_burst_per_source = 3; /* ... three at once */
	remake();
	for (rt_conn_id id = 2; id <= 4; id++) {
		ck_assert_int_eq(rt_on_accept(E, id, 0, &peer_a), 0);
		rt_on_conn_closed(E, id);
	}
	ck_assert_int_eq(rt_on_accept(E, 5, 0, &peer_a), -1);
	ck_assert_int_eq(rt_on_accept(E, 5, 0, &peer_b), 0); /* its own bucket */
	ck_assert_uint_eq(stats().conns_refused_rate, 1);
	F.now_ns += 249 * MS;
	ck_assert_int_eq(rt_on_accept(E, 6, 0, &peer_a), -1); /* refused tries spend nothing */
	F.now_ns += 1 * MS;
	ck_assert_int_eq(rt_on_accept(E, 6, 0, &peer_a), 0);
	ck_assert_int_eq(rt_on_accept(E, 7, 0, &peer_a), -1);
	/* after a quiet second the burst is back, no more */
	F.now_ns += 1000 * MS;
	for (rt_conn_id id = 7; id <= 9; id++)
		ck_assert_int_eq(rt_on_accept(E, id, 0, &peer_a), 0);
	ck_assert_int_eq(rt_on_accept(E, 10, 0, &peer_a), -1);
	ck_assert_uint_eq(stats().conns_refused_rate, 4);
}
END_TEST

START_TEST(admit_rate_zero_means_no_rate_limit)
{
	cfg.params.login_rate_per_source = 0;
	cfg.params.login_burst_per_source = 0;
	remake();
	for (int k = 0; k < 200; k++) {
		ck_assert_int_eq(rt_on_accept(E, 2, 0, &peer_a), 0);
		rt_on_conn_closed(E, 2);
	}
	ck_assert_uint_eq(stats().conns_refused_rate, 0);
}
END_TEST

START_TEST(admit_evicts_the_oldest_idle_login_when_logins_fill_their_share)
{
	cfg.params.reserved_session_conns = RT_CONNS_MAX - 4; /* four logins at once */
	remake();
	login_ok(NULL, 0); /* connection 1 in full feature phase: not a login */
	struct ini k;
	for (rt_conn_id id = 2; id <= 5; id++) {
		F.now_ns += MS;
		ck_assert_int_eq(rt_on_accept(E, id, 0, id == 3 ? &peer_b : &peer_a), 0);
	}
	ini_init(&k, &F, E, 3);
	login_first_pdu(&k); /* 3 is logging in for real */
	F.now_ns += MS;
	ck_assert_int_eq(rt_on_accept(E, 6, 0, &peer_b), 0);
	ck_assert(F.conns[2].closed); /* the oldest */
	F.now_ns += MS;
	ck_assert_int_eq(rt_on_accept(E, 7, 0, &peer_b), 0);
	ck_assert(F.conns[4].closed); /* not 3: an idle socket goes before a login under way */
	ck_assert(!F.conns[3].closed && !F.conns[5].closed && !F.conns[6].closed && !F.conns[1].closed);
	ck_assert_uint_eq(stats().conns_evicted, 2);
	ini_fini(&k);
}
END_TEST

START_TEST(admit_makes_room_when_logins_may_hold_a_single_slot)
{
	cfg.params.reserved_session_conns = RT_CONNS_MAX - 1; /* one login at once */
	remake();
	login_ok(NULL, 0);
	ck_assert_int_eq(rt_on_accept(E, 2, 0, &peer_a), 0);
	ck_assert_int_eq(rt_on_accept(E, 3, 0, &peer_b), 0);
	ck_assert(F.conns[2].closed);
	ck_assert_uint_eq(stats().conns_evicted, 1);
	ck_assert_uint_eq(stats().conns_refused_full, 0);
	ck_assert(!F.conns[1].closed && !F.conns[3].closed);
}
END_TEST

START_TEST(admit_refuses_sessions_beyond_the_initiator_quota_with_0x0302)
{
	cfg.params.max_sessions_per_initiator = 2;
	remake();
	struct ini j, k, m;
	login_ok(NULL, 0);
	open_ini(&j, 2, &peer_a, 0x12);
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), 0);
	open_ini(&k, 3, &peer_b, 0x13);
	/* RFC 7143 §11.13.5: class 3, out of resources; the login ends */
	ck_assert_uint_eq(ini_login(&k, IQN_I, IQN_T, NULL, 0), ISCSI_LOGIN_OUT_OF_RESOURCES);
	ck_assert(F.conns[3].closed);
	ck_assert_uint_eq(stats().sessions_refused_initiator, 1);
	/* another initiator still gets in */
	open_ini(&m, 4, &peer_b, 0x14);
	ck_assert_uint_eq(ini_login(&m, IQN_I "-other", IQN_T, NULL, 0), 0);
	/* reinstating one of its own sessions (same ISID) is not a new one */
	ini_fini(&k);
	open_ini(&k, 5, &peer_a, 0x12);
	ck_assert_uint_eq(ini_login(&k, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_uint_eq(stats().sessions_reinstated, 1);
	/* a session that ends frees its place */
	rt_on_conn_closed(E, 5);
	ini_fini(&k);
	open_ini(&k, 6, &peer_b, 0x16);
	ck_assert_uint_eq(ini_login(&k, IQN_I, IQN_T, NULL, 0), 0);
	ck_assert_uint_eq(stats().sessions_refused_initiator, 1);
	ini_fini(&j);
	ini_fini(&k);
	ini_fini(&m);
}
END_TEST

START_TEST(admit_refuses_sessions_beyond_the_source_quota_whatever_the_names)
{
	cfg.params.max_sessions_per_source = 1;
	remake();
	struct ini j, k, m;
	open_ini(&j, 2, &peer_a, 2);
	ck_assert_uint_eq(ini_login(&j, IQN_I "-a", IQN_T, NULL, 0), 0);
	open_ini(&k, 3, &peer_a_mapped, 3);
	ck_assert_uint_eq(ini_login(&k, IQN_I "-b", IQN_T, NULL, 0), ISCSI_LOGIN_OUT_OF_RESOURCES);
	ck_assert_uint_eq(stats().sessions_refused_source, 1);
	open_ini(&m, 4, &peer_b, 4);
	ck_assert_uint_eq(ini_login(&m, IQN_I "-b", IQN_T, NULL, 0), 0);
	login_ok(NULL, 0); /* unknown sources: no source quota */
	ini_fini(&j);
	ini_fini(&k);
	ini_fini(&m);
}
END_TEST

START_TEST(admit_discovery_sessions_count_against_the_quotas)
{
	cfg.params.max_sessions_per_initiator = 1;
	remake();
	struct ini j;
	ck_assert_uint_eq(ini_login(&I, IQN_I, NULL, NULL, 0), 0); /* discovery */
	open_ini(&j, 2, &peer_a, 2);
	ck_assert_uint_eq(ini_login(&j, IQN_I, IQN_T, NULL, 0), ISCSI_LOGIN_OUT_OF_RESOURCES);
	ini_fini(&j);
}
END_TEST

/* cfg_validate names the key and the range of each knob. */
static void expect_invalid(const char *key)
{
	char err[256];
	ck_assert_int_eq(cfg_validate(&cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, key) != NULL, "'%s' does not name %s", err, key);
}

START_TEST(admit_knobs_are_validated_with_their_names)
{
	struct rt_params_cfg saved = cfg.params;
	cfg.params.prelogin_timeout_ms = cfg.params.login_timeout_ms + 1;
	expect_invalid("params.prelogin_timeout_ms: 15001 is outside 1..15000");
	cfg.params = saved;
	cfg.params.prelogin_timeout_ms = 0;
	expect_invalid("params.prelogin_timeout_ms");
	cfg.params = saved;
	cfg.params.max_conns_per_source = RT_CONNS_MAX + 1;
	expect_invalid("params.max_conns_per_source");
	cfg.params = saved;
	cfg.params.max_login_conns_per_source = cfg.params.max_conns_per_source + 1;
	expect_invalid("params.max_login_conns_per_source");
	cfg.params = saved;
	cfg.params.login_burst_per_source = 0;
	expect_invalid("params.login_burst_per_source");
	cfg.params = saved;
	cfg.params.login_rate_per_source = RT_LOGIN_RATE_MAX + 1;
	expect_invalid("params.login_rate_per_source");
	cfg.params = saved;
	cfg.params.reserved_session_conns = RT_CONNS_MAX;
	expect_invalid("params.reserved_session_conns");
	cfg.params = saved;
	cfg.params.max_sessions_per_initiator = 0;
	expect_invalid("params.max_sessions_per_initiator");
	cfg.params = saved;
	cfg.params.max_sessions_per_source = RT_SESSIONS_MAX + 1;
	expect_invalid("params.max_sessions_per_source");
	cfg.params = saved;
}
END_TEST

Suite *suite_engine_admit(void)
{
	Suite *s = suite_create("engine_admit");
	TCase *tc = tcase_create("engine_admit");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, admit_closes_a_connection_that_sends_no_login_pdu_within_prelogin_timeout);
	tcase_add_test(tc, admit_gives_the_whole_login_timeout_once_a_login_pdu_arrived);
	tcase_add_test(tc, admit_limits_logins_per_source_by_evicting_its_own_and_counts_by_address_not_port);
	tcase_add_test(tc, admit_keeps_a_login_in_progress_over_silent_sockets_of_its_address);
	tcase_add_test(tc, admit_limits_the_connection_rate_per_source_on_the_environment_clock);
	tcase_add_test(tc, admit_rate_zero_means_no_rate_limit);
	tcase_add_test(tc, admit_evicts_the_oldest_idle_login_when_logins_fill_their_share);
	tcase_add_test(tc, admit_makes_room_when_logins_may_hold_a_single_slot);
	tcase_add_test(tc, admit_refuses_sessions_beyond_the_initiator_quota_with_0x0302);
	tcase_add_test(tc, admit_refuses_sessions_beyond_the_source_quota_whatever_the_names);
	tcase_add_test(tc, admit_discovery_sessions_count_against_the_quotas);
	tcase_add_test(tc, admit_knobs_are_validated_with_their_names);
	suite_add_tcase(s, tc);
	return s;
}
