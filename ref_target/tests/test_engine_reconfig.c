/* rt_engine_reconfigure (core/reconfig.h) end to end over the fake
 * environment: what a live change does to the sessions of a running
 * engine. A LUN added or removed is reported as 3F/0E REPORTED LUNS DATA
 * HAS CHANGED (SPC-4 §6.37) to the sessions that see it and to nobody
 * else; a removed ACL ends exactly its initiator's session; a write in
 * flight to a LUN being removed completes; what would move an LU or a
 * portal is refused and changes nothing; a login caught half way is
 * dropped. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/reconfig.h"
#include "engine_fixture.h"

#define IQN_J "iqn.2026-11.org.iscsi-sim:i2"

static struct ini J;
static bool j_up;

/* Two LUs; I maps LUN 0 -> lu0, J maps LUN 0 -> lu1 (ACLs, no open access). */
static const struct rt_portal_cfg portals[] = { { "127.0.0.1", 3260 } };
static const uint32_t tpg_portals[] = { 0 };
static const struct rt_lu_cfg lus2[] = {
	{ "lu0", BLOCKS / 2, BS, 0, "SERIAL0", 1, "ISCSISIM", "REFTARGET" },
	{ "lu1", BLOCKS / 2, BS, 0, "SERIAL1", 2, "ISCSISIM", "REFTARGET" },
	{ "lu2", BLOCKS / 4, BS, 0, "SERIAL2", 3, "ISCSISIM", "REFTARGET" },
};
static struct rt_lun_map map_i[2], map_j[2];
static struct rt_acl_cfg acls[2];
static struct rt_tpg_cfg tpg;
static struct rt_target_cfg target;
static struct rt_config c0; /* what the engine was created with */
/* the next configuration: its own arrays, as a creator would build it */
static struct rt_lun_map n_map_i[3], n_map_j[3];
static struct rt_acl_cfg n_acls[2];
static struct rt_tpg_cfg n_tpg;
static struct rt_target_cfg n_target;
static struct rt_config c1;

static void setup(void)
{
	engine_setup();
	ini_fini(&I);
	rt_engine_destroy(E);
	F.conns[1].closed = false;
	F.conns[1].out_len = 0;
	map_i[0] = (struct rt_lun_map){ 0, 0, false };
	map_j[0] = (struct rt_lun_map){ 0, 1, false };
	acls[0] = (struct rt_acl_cfg){ .initiator = IQN_I, .luns = map_i, .lun_count = 1 };
	acls[1] = (struct rt_acl_cfg){ .initiator = IQN_J, .luns = map_j, .lun_count = 1 };
	tpg = (struct rt_tpg_cfg){ .tag = 1, .portals = tpg_portals, .portal_count = 1, .acls = acls,
				   .acl_count = 2 };
	target = (struct rt_target_cfg){ .name = IQN_T, .tpgs = &tpg, .tpg_count = 1 };
	c0 = cfg;
	c0.portals = portals;
	c0.targets = &target;
	c0.lus = lus2;
	c0.lu_count = 2;
	char err[256];
	ck_assert_msg(cfg_validate(&c0, err, sizeof(err)) == 0, "%s", err);
	cfg = c0;
	make_engine();
	login_ok(NULL, 0);
	clear_ua();
	ck_assert_int_eq(rt_on_accept(E, 2, 0, NULL), 0);
	ini_init(&J, &F, E, 2);
	j_up = true;
	ck_assert_uint_eq(ini_login(&J, IQN_J, IQN_T, NULL, 0), 0);
	ini_scsi(&J, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert(ini_recv(&J)); /* its power-on unit attention */
	/* c1 starts as a copy of c0 in its own arrays */
	memcpy(n_map_i, map_i, sizeof(map_i));
	memcpy(n_map_j, map_j, sizeof(map_j));
	n_acls[0] = acls[0];
	n_acls[0].luns = n_map_i;
	n_acls[1] = acls[1];
	n_acls[1].luns = n_map_j;
	n_tpg = tpg;
	n_tpg.acls = n_acls;
	n_target = target;
	n_target.tpgs = &n_tpg;
	c1 = c0;
	c1.targets = &n_target;
}

static void teardown(void)
{
	if (j_up)
		ini_fini(&J);
	j_up = false;
	engine_teardown();
}

#define GOOD 0u
#define UA_LUNS_CHANGED 0x023f0eu
#define UA_POWER_ON 0x022900u
#define LUN_NOT_SUPPORTED 0x022500u

static void reconfigure_ok(struct rt_reconfig_result *res)
{
	char err[256] = "";
	ck_assert_msg(rt_engine_reconfigure(E, &c1, res, err, sizeof(err)) == 0, "%s", err);
}

START_TEST(an_added_lun_is_reported_to_the_sessions_that_see_it_and_answers)
{
	c1.lu_count = 3; /* lu2 appended */
	n_map_i[1] = (struct rt_lun_map){ 1, 2, false };
	n_acls[0].lun_count = 2;
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.lus_added, 1);
	ck_assert_uint_eq(res.sessions_remapped, 1);
	ck_assert_uint_eq(res.sessions_ended, 0);
	ck_assert_uint_eq(tur_status(&I, 0), UA_LUNS_CHANGED);
	ck_assert_uint_eq(tur_status(&I, 0), GOOD);
	ck_assert_uint_eq(tur_status(&I, 1), UA_POWER_ON); /* a new LU: every nexus is new to it */
	ck_assert_uint_eq(tur_status(&I, 1), GOOD);
	ck_assert_uint_eq(tur_status(&J, 0), GOOD); /* J's inventory did not change */
}
END_TEST

START_TEST(a_removed_acl_ends_exactly_its_initiators_session)
{
	n_tpg.acl_count = 1; /* J's entry gone */
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.sessions_ended, 1);
	ck_assert(F.conns[2].closed);
	ck_assert(!F.conns[1].closed);
	ck_assert_uint_eq(tur_status(&I, 0), GOOD); /* no unit attention: nothing changed for I */
	/* and J cannot come back */
	ck_assert_int_eq(rt_on_accept(E, 3, 0, NULL), 0);
	struct ini K;
	ini_init(&K, &F, E, 3);
	ck_assert_uint_eq(ini_login(&K, IQN_J, IQN_T, NULL, 0), 0x0202);
	ini_fini(&K);
}
END_TEST

START_TEST(a_write_in_flight_to_a_removed_lun_completes_and_new_commands_are_refused)
{
	uint8_t cdb[16], w[BS];
	memset(w, 0x5a, sizeof(w));
	cdb_rw10(cdb, 0x2a, 7, 1);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	ck_assert_uint_eq(F.npending, 1);
	n_acls[0].lun_count = 0; /* I's LUN 0 unmapped */
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.sessions_remapped, 1);
	ck_assert_uint_eq(scsi_status(), 0x00); /* the write that was at the disk */
	ck_assert(memcmp(F.disk + 7 * BS, w, BS) == 0);
	ck_assert_uint_eq(tur_status(&I, 0), LUN_NOT_SUPPORTED);
	ck_assert(!F.conns[1].closed);
}
END_TEST

START_TEST(a_read_only_change_takes_effect_without_a_unit_attention)
{
	n_map_i[0].read_only = true;
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.sessions_remapped, 0);
	ck_assert_uint_eq(tur_status(&I, 0), GOOD);
	uint8_t cdb[16], w[BS] = { 0 };
	cdb_rw10(cdb, 0x2a, 0, 1);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	ck_assert_uint_eq(scsi_status(), 0x02);
	ck_assert_uint_eq(I.data[2 + 2] & 0x0f, 0x07); /* DATA PROTECT */
}
END_TEST

START_TEST(what_would_move_an_lu_or_a_portal_is_refused_and_changes_nothing)
{
	char err[256];
	c1.lu_count = 1;
	n_acls[1].lun_count = 0; /* valid: nobody maps lu1 */
	ck_assert_int_eq(rt_engine_reconfigure(E, &c1, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "lus:", 4) == 0, "%s", err);
	c1.lu_count = 2;
	n_acls[1].lun_count = 1;
	struct rt_lu_cfg grown[2] = { lus2[0], lus2[1] };
	grown[1].blocks++;
	c1.lus = grown;
	ck_assert_int_eq(rt_engine_reconfigure(E, &c1, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "lus[1].size") != NULL, "%s", err);
	c1.lus = lus2;
	static const struct rt_portal_cfg moved[] = { { "127.0.0.1", 3261 } };
	c1.portals = moved;
	ck_assert_int_eq(rt_engine_reconfigure(E, &c1, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "portals[0]", 10) == 0, "%s", err);
	c1.portals = portals;
	n_acls[1].initiator = "not a name";
	ck_assert_int_eq(rt_engine_reconfigure(E, &c1, NULL, err, sizeof(err)), -1); /* cfg_validate */
	ck_assert_uint_eq(tur_status(&I, 0), GOOD);
	ck_assert_uint_eq(tur_status(&J, 0), GOOD);
}
END_TEST

START_TEST(a_login_caught_half_way_is_dropped)
{
	ck_assert_int_eq(rt_on_accept(E, 3, 0, NULL), 0);
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.logins_dropped, 1);
	ck_assert(F.conns[3].closed);
	ck_assert_uint_eq(tur_status(&I, 0), GOOD);
}
END_TEST

START_TEST(a_removed_target_ends_its_sessions_and_the_old_config_is_not_read_again)
{
	static const struct rt_target_cfg other = { .name = "iqn.2026-11.org.iscsi-sim:other", .tpgs = &n_tpg,
						    .tpg_count = 1 };
	c1.targets = &other;
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.sessions_ended, 2);
	/* scribble over the old configuration: the engine must not read it */
	memset(acls, 0xa5, sizeof(acls));
	memset(&tpg, 0xa5, sizeof(tpg));
	memset(&target, 0xa5, sizeof(target));
	fake_disk_run(&F, E);
	ck_assert(F.conns[1].closed && F.conns[2].closed);
}
END_TEST

START_TEST(fewer_portals_than_running_are_refused)
{
	static const struct rt_portal_cfg two[] = { { "127.0.0.1", 3260 }, { "127.0.0.1", 3261 } };
	c1.portals = two;
	c1.portal_count = 2; /* a portal added: allowed */
	reconfigure_ok(NULL);
	static struct rt_config c2;
	c2 = c1;
	c2.portals = portals;
	c2.portal_count = 1;
	char err[256];
	ck_assert_int_eq(rt_engine_reconfigure(E, &c2, NULL, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "portals: 1 portals where the running target has 2") != NULL, "%s", err);
	ck_assert_uint_eq(tur_status(&I, 0), GOOD);
}
END_TEST

START_TEST(lun_0_moved_to_another_lu_is_reported_by_the_lu_it_now_addresses)
{
	n_map_i[0] = (struct rt_lun_map){ 0, 1, false }; /* same count, another LU */
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.sessions_remapped, 1);
	/* lu1 is new to I's nexus: its power-on condition comes first, then
	 * the inventory change (SAM-5 §5.14: one UA per command) */
	ck_assert_uint_eq(tur_status(&I, 0), UA_POWER_ON);
	ck_assert_uint_eq(tur_status(&I, 0), UA_LUNS_CHANGED);
	ck_assert_uint_eq(tur_status(&I, 0), GOOD);
	ck_assert_uint_eq(tur_status(&J, 0), GOOD);
}
END_TEST

START_TEST(reconfigure_during_shutdown_is_refused)
{
	rt_engine_shutdown(E);
	char err[256];
	ck_assert_int_eq(rt_engine_reconfigure(E, &c1, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "target: shutting down");
}
END_TEST

/* SQLite's malloc test: every allocation of a reconfiguration that adds
 * two LUs fails in turn; each failure is refused whole (nothing added,
 * nothing leaked, the sessions go on) until one run needs no more. */
START_TEST(each_allocation_failing_while_lus_are_added_changes_nothing)
{
	static const struct rt_lu_cfg lus4[] = {
		{ "lu0", BLOCKS / 2, BS, 0, "SERIAL0", 1, "ISCSISIM", "REFTARGET" },
		{ "lu1", BLOCKS / 2, BS, 0, "SERIAL1", 2, "ISCSISIM", "REFTARGET" },
		{ "lu2", BLOCKS / 4, BS, 0, "SERIAL2", 3, "ISCSISIM", "REFTARGET" },
		{ "lu3", BLOCKS / 4, BS, 0, "SERIAL3", 4, "ISCSISIM", "REFTARGET" },
	};
	c1.lus = lus4;
	c1.lu_count = 4;
	n_map_i[1] = (struct rt_lun_map){ 1, 3, false };
	n_acls[0].lun_count = 2;
	unsigned failed = 0;
	for (long n = 0;; n++) {
		size_t live = F.live_bytes;
		F.fail_alloc_at = F.allocs + n;
		char err[256] = "";
		struct rt_reconfig_result res;
		int rc = rt_engine_reconfigure(E, &c1, &res, err, sizeof(err));
		bool hit = F.allocs > F.fail_alloc_at;
		F.fail_alloc_at = -1;
		if (rc == 0) {
			ck_assert_msg(!hit, "n=%ld failed=%u", n, failed);
			ck_assert_uint_eq(res.lus_added, 2);
			break;
		}
		ck_assert(hit);
		failed++;
		ck_assert_str_eq(err, "lus: out of memory for 4 LUs");
		ck_assert_uint_eq(F.live_bytes, live);
		ck_assert_uint_eq(tur_status(&I, 0), GOOD);
		ck_assert_uint_eq(tur_status(&I, 1), LUN_NOT_SUPPORTED);
		ck_assert_uint_lt(n, 1000);
	}
	ck_assert_uint_ge(failed, 3); /* the table, and at least one per new LU */
	ck_assert_uint_eq(tur_status(&I, 0), UA_LUNS_CHANGED);
	ck_assert_uint_eq(tur_status(&I, 1), UA_POWER_ON);
	ck_assert_uint_eq(tur_status(&I, 1), GOOD);
}
END_TEST

START_TEST(a_session_draining_its_last_write_is_left_alone_and_ends)
{
	uint8_t cdb[16], w[BS];
	memset(w, 0x3c, sizeof(w));
	cdb_rw10(cdb, 0x2a, 9, 1);
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	ck_assert_uint_eq(F.npending, 1);
	rt_on_conn_closed(E, 1); /* I's session closes, its write still at the disk */
	n_acls[0].lun_count = 0;
	struct rt_reconfig_result res;
	reconfigure_ok(&res);
	ck_assert_uint_eq(res.sessions_remapped, 0); /* a closing session is not remapped */
	ck_assert_uint_eq(res.sessions_ended, 0);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert(memcmp(F.disk + 9 * BS, w, BS) == 0);
	ck_assert_uint_eq(tur_status(&J, 0), GOOD);
}
END_TEST

Suite *suite_engine_reconfig(void)
{
	Suite *s = suite_create("engine_reconfig");
	TCase *tc = tcase_create("reconfig");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, an_added_lun_is_reported_to_the_sessions_that_see_it_and_answers);
	tcase_add_test(tc, a_removed_acl_ends_exactly_its_initiators_session);
	tcase_add_test(tc, a_write_in_flight_to_a_removed_lun_completes_and_new_commands_are_refused);
	tcase_add_test(tc, a_read_only_change_takes_effect_without_a_unit_attention);
	tcase_add_test(tc, what_would_move_an_lu_or_a_portal_is_refused_and_changes_nothing);
	tcase_add_test(tc, a_login_caught_half_way_is_dropped);
	tcase_add_test(tc, a_removed_target_ends_its_sessions_and_the_old_config_is_not_read_again);
	tcase_add_test(tc, fewer_portals_than_running_are_refused);
	tcase_add_test(tc, lun_0_moved_to_another_lu_is_reported_by_the_lu_it_now_addresses);
	tcase_add_test(tc, reconfigure_during_shutdown_is_refused);
	tcase_add_test(tc, each_allocation_failing_while_lus_are_added_changes_nothing);
	tcase_add_test(tc, a_session_draining_its_last_write_is_left_alone_and_ends);
	suite_add_tcase(s, tc);
	return s;
}
