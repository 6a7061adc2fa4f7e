/* test_scsi_alua: target port groups (configured and learned), the ALUA
 * modes, REPORT/SET TARGET PORT GROUPS and
 * what each asymmetric access state lets through (scsi/alua.c). */
#include <check.h>
#include <string.h>

#include "scsi/alua.h"
#include "scsi/bytes.h"
#include "test_scsi_harness.h"

static struct th t;
static struct scsi_nexus P1, P2; /* one initiator through two portal groups */
static struct rt_alua_cfg groups[4];

/* An LU with these ALUA groups and modes, seen through P1 and P2. */
static void setup_alua(uint32_t count, uint32_t modes)
{
	th_init(&t, 1024, 512, 0);
	t.cfg.alua = groups;
	t.cfg.alua_count = count;
	t.cfg.alua_modes = modes;
	th_lu_recreate(&t);
	P1 = t.nexus;
	P2 = P1;
	P2.tpg_tag = 2;
	P2.rel_port = 2;
	t.nexus = P2;
	th_clear_ua(&t);
	t.nexus = P1;
	th_clear_ua(&t);
}

static void setup(void)
{
	setup_alua(0, RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT);
}

static void teardown(void)
{
	th_fini(&t);
}

static int rtpg(uint8_t format)
{
	uint8_t cdb[12] = {0xa3, (uint8_t)(format << 5 | 0x0a)};
	put_be32(cdb + 6, 1024);
	return th_run(&t, cdb, 12, NULL, 0);
}

static int stpg(uint8_t state, uint16_t group)
{
	uint8_t list[8] = {0, 0, 0, 0, state, 0};
	put_be16(list + 6, group);
	uint8_t cdb[12] = {0xa4, 0x0a};
	put_be32(cdb + 6, sizeof(list));
	return th_run(&t, cdb, 12, list, sizeof(list));
}

/* The descriptor of group 'id' in the last REPORT TARGET PORT GROUPS. */
static const uint8_t *group_desc(uint16_t id, uint32_t hdr)
{
	uint32_t len = 4 + get_be32(t.buf);
	for (uint32_t off = hdr; off < len; off += 8u + 4u * t.buf[off + 7])
		if (get_be16(t.buf + off + 2) == id)
			return t.buf + off;
	return NULL;
}

/* TPGS (SPC-4 §6.6.2): 01b implicit, 10b explicit, 11b both; a
 * configuration naming no mode gets implicit, the target's own. */
START_TEST(inquiry_tpgs_follows_the_configured_modes)
{
	static const uint32_t modes[] = {0, RT_ALUA_IMPLICIT, RT_ALUA_EXPLICIT, RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT};
	static const uint8_t tpgs[] = {0x10, 0x10, 0x20, 0x30};
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	for (size_t i = 0; i < 4; i++) {
		t.cfg.alua_modes = modes[i];
		th_lu_recreate(&t);
		th_clear_ua(&t);
		ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(t.buf[5] & 0x30, tpgs[i]);
	}
}
END_TEST

/* Without explicit ALUA, SET TARGET PORT GROUPS does not exist (SPC-4
 * §5.15.2.3) and REPORT SUPPORTED OPERATION CODES says so; REPORT TARGET
 * PORT GROUPS always does, and implicit transitions still happen. */
START_TEST(set_target_port_groups_exists_only_with_explicit_alua)
{
	th_fini(&t);
	setup_alua(0, RT_ALUA_IMPLICIT);
	ck_assert_int_eq(stpg(RT_ALUA_STANDBY, 2), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x20, 0x00));
	uint8_t one[12] = {0xa3, 0x0c, 0x02, 0xa4, 0, 0x0a, 0, 0, 0, 64, 0, 0};
	ck_assert_int_eq(th_run(&t, one, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 0x07, 0x01); /* SUPPORT: not supported */
	one[3] = 0xa3;
	one[5] = 0x0a;
	ck_assert_int_eq(th_run(&t, one, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[1] & 0x07, 0x03); /* RTPG is */
	ck_assert_int_eq(scsi_alua_set_state(t.lu, 2, RT_ALUA_STANDBY), 0);
	rtpg(1);
	ck_assert(th_check(&t, 0x6, 0x2a, 0x06)); /* every nexus hears of it */
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(group_desc(2, 8)[0] & 0x0f, RT_ALUA_STANDBY);
}
END_TEST

/* The configured groups exist before any traffic, in their state and with
 * their PREF bit; a group the configuration does not name starts
 * active/optimized once seen; a state SPC-4 does not have is left out. */
START_TEST(configured_groups_start_in_their_state_with_their_pref_bit)
{
	th_fini(&t);
	groups[0] = (struct rt_alua_cfg){.tpg_tag = 1, .state = RT_ALUA_ACTIVE_OPTIMIZED, .preferred = true};
	groups[1] = (struct rt_alua_cfg){.tpg_tag = 2, .state = RT_ALUA_STANDBY};
	groups[2] = (struct rt_alua_cfg){.tpg_tag = 4, .state = RT_ALUA_UNAVAILABLE};
	groups[3] = (struct rt_alua_cfg){.tpg_tag = 5, .state = (enum rt_alua_state)7};
	th_init(&t, 1024, 512, 0);
	t.cfg.alua = groups;
	t.cfg.alua_count = 4;
	th_lu_recreate(&t);
	ck_assert_uint_eq(t.fe.logs, 1); /* group 5's state 7 */
	th_clear_ua(&t);
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	const uint8_t *g1 = group_desc(1, 8), *g2 = group_desc(2, 8), *g4 = group_desc(4, 8);
	ck_assert_ptr_nonnull(g4);
	ck_assert_ptr_null(group_desc(5, 8));
	ck_assert_uint_eq(g1[0], 0x80 | RT_ALUA_ACTIVE_OPTIMIZED);
	ck_assert_uint_eq(g2[0], RT_ALUA_STANDBY);
	ck_assert_uint_eq(g4[0], RT_ALUA_UNAVAILABLE);
	ck_assert_uint_eq(g1[7], 1);
	ck_assert_uint_eq(g2[7], 0); /* no port seen yet */
	ck_assert_uint_eq(g2[5], 0x00); /* as configured, nothing altered it */
	uint8_t r[16];
	th_cdb_rw(r, 0x28, 0, 1);
	t.nexus = P2;
	th_run(&t, r, 10, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x00));
	th_run(&t, r, 10, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0b));
	t.nexus.tpg_tag = 3;
	t.nexus.rel_port = 3;
	th_clear_ua(&t);
	ck_assert_int_eq(th_run(&t, r, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(rtpg(0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(group_desc(3, 4)[0], RT_ALUA_ACTIVE_OPTIMIZED);
}
END_TEST

START_TEST(report_lists_each_portal_group_with_its_ports_active_optimized)
{
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.buf[4], 0x10); /* extended header */
	const uint8_t *g1 = group_desc(1, 8), *g2 = group_desc(2, 8);
	ck_assert_ptr_nonnull(g1);
	ck_assert_ptr_nonnull(g2);
	ck_assert_uint_eq(g1[0] & 0x0f, RT_ALUA_ACTIVE_OPTIMIZED);
	ck_assert_uint_eq(g1[1], 0x8f);
	ck_assert_uint_eq(g1[7], 1);
	ck_assert_uint_eq(get_be16(g1 + 10), 1);
	ck_assert_uint_eq(get_be16(g2 + 10), 2);
	ck_assert_int_eq(rtpg(0), SCSI_STATUS_GOOD);
	ck_assert_ptr_nonnull(group_desc(2, 4));
	rtpg(2);
	ck_assert(th_check_field(&t, 1, 7));
}
END_TEST

START_TEST(standby_refuses_media_access_but_answers_management)
{
	ck_assert_int_eq(stpg(RT_ALUA_STANDBY, 2), SCSI_STATUS_GOOD);
	t.nexus = P2;
	uint8_t tur[6] = {0}, r[16];
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x2a, 0x06)); /* told of the change first */
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0b));
	th_cdb_rw(r, 0x28, 0, 1);
	th_run(&t, r, 10, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0b));
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0}, ms[6] = {0x1a, 0x08, 0x3f, 0, 255, 0}, rc[10] = {0x25};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, ms, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, rc, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(group_desc(2, 8)[0] & 0x0f, RT_ALUA_STANDBY);
	ck_assert_uint_eq(group_desc(2, 8)[5], 0x01); /* altered by SET TARGET PORT GROUPS */
	/* the other group is untouched, and its issuer got no UA */
	t.nexus = P1;
	ck_assert_int_eq(th_run(&t, r, 10, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(unavailable_and_transitioning_let_only_identification_through)
{
	uint8_t ms[6] = {0x1a, 0x08, 0x3f, 0, 255, 0}, rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	uint8_t rs[6] = {0x03, 0, 0, 0, 18, 0};
	stpg(RT_ALUA_UNAVAILABLE, 2);
	t.nexus = P2;
	ck_assert_int_eq(th_run(&t, rs, 6, NULL, 0), SCSI_STATUS_GOOD); /* takes the UA */
	ck_assert_uint_eq(t.buf[12], 0x2a);
	th_run(&t, ms, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0c));
	ck_assert_int_eq(th_run(&t, rl, 12, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(scsi_alua_set_state(t.lu, 2, RT_ALUA_TRANSITIONING), 0);
	th_run(&t, ms, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x2a, 0x06));
	th_run(&t, ms, 6, NULL, 0);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0a));
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(group_desc(2, 8)[5], 0x02); /* implicit */
	ck_assert_int_eq(scsi_alua_set_state(t.lu, 2, RT_ALUA_ACTIVE_NONOPTIMIZED), 0);
	th_run(&t, rs, 6, NULL, 0);
	ck_assert_int_eq(th_run(&t, ms, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(scsi_alua_set_state(t.lu, 2, (enum rt_alua_state)4), -1); /* no such state */
}
END_TEST

START_TEST(set_rejects_unknown_groups_and_states_and_changes_nothing)
{
	stpg(RT_ALUA_TRANSITIONING, 2); /* not a state one may set */
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	stpg(RT_ALUA_STANDBY, 7);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	uint8_t list[6] = {0};
	uint8_t cdb[12] = {0xa4, 0x0a};
	put_be32(cdb + 6, sizeof(list));
	th_run(&t, cdb, 12, list, sizeof(list));
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	rtpg(1);
	ck_assert_uint_eq(group_desc(2, 8)[0] & 0x0f, RT_ALUA_ACTIVE_OPTIMIZED);
}
END_TEST

START_TEST(device_identification_names_the_same_group)
{
	uint8_t inq[6] = {0x12, 1, 0x83, 0x04, 0x00, 0};
	t.nexus = P2;
	th_run(&t, inq, 6, NULL, 0);
	uint32_t len = 4u + get_be16(t.buf + 2);
	bool found = false;
	for (uint32_t off = 4; off + 4 <= len; off += 4u + t.buf[off + 3])
		if ((t.buf[off + 1] & 0x0f) == 5)
			found = get_be16(t.buf + off + 6) == 2;
	ck_assert(found);
}
END_TEST

/* With RT_LU_ALUA_SHARED the states follow shared ownership, which the
 * environment moves: SET TARGET PORT GROUPS asking a group to be
 * active/optimized becomes RT_DISK_ALUA_SET for that group, GOOD when the
 * environment moved it, SET TARGET PORT GROUPS COMMAND FAILED (HARDWARE
 * ERROR 67/0A) when it refused (the bound on transfers), unavailable when
 * this gateway is fenced for good. A state that is not ownership is
 * refused before anything moves; REPORT TARGET PORT GROUPS moves nothing. */
START_TEST(shared_ownership_stpg_asks_the_environment)
{
	th_fini(&t);
	groups[0] = (struct rt_alua_cfg){.tpg_tag = 1, .state = RT_ALUA_ACTIVE_OPTIMIZED};
	/* another gateway's group, with its port: listed before any traffic */
	groups[1] = (struct rt_alua_cfg){.tpg_tag = 2, .state = RT_ALUA_ACTIVE_OPTIMIZED, .rel_port = 7};
	th_init(&t, 1024, 512, RT_LU_ALUA_SHARED);
	t.cfg.alua = groups;
	t.cfg.alua_count = 2;
	t.cfg.alua_modes = RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT;
	th_lu_recreate(&t);
	th_clear_ua(&t);
	/* as the daemon sets them: group 1 owns */
	ck_assert_int_eq(scsi_alua_set_state(t.lu, 2, RT_ALUA_STANDBY), 0);
	th_clear_ua(&t);
	ck_assert_int_eq(rtpg(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.fe.alua_sets, 0);
	const uint8_t *g2 = group_desc(2, 8);
	ck_assert_uint_eq(g2[0] & 0x0f, RT_ALUA_STANDBY);
	ck_assert_uint_eq(g2[7], 1);
	ck_assert_uint_eq(get_be16(g2 + 8 + 2), 7);
	ck_assert_int_eq(stpg(RT_ALUA_ACTIVE_OPTIMIZED, 2), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.fe.alua_sets, 1);
	ck_assert_uint_eq(t.fe.alua_set_group, 2);
	t.fe.alua_set_status = RT_DISK_ERR_FENCED; /* refused */
	ck_assert_int_eq(stpg(RT_ALUA_ACTIVE_OPTIMIZED, 2), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x4, 0x67, 0x0a));
	t.fe.alua_set_status = RT_DISK_ERR_BLOCKLISTED;
	ck_assert_int_eq(stpg(RT_ALUA_ACTIVE_OPTIMIZED, 1), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x2, 0x04, 0x0c));
	ck_assert_uint_eq(t.fe.alua_sets, 3);
	/* unavailable is no ownership: refused, nothing asked */
	ck_assert_int_eq(stpg(RT_ALUA_UNAVAILABLE, 1), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	/* asking for what already is: no change, nothing asked */
	ck_assert_int_eq(stpg(RT_ALUA_STANDBY, 2), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.fe.alua_sets, 3);
}
END_TEST

Suite *suite_scsi_alua(void)
{
	Suite *s = suite_create("scsi_alua");
	TCase *tc = tcase_create("alua");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, inquiry_tpgs_follows_the_configured_modes);
	tcase_add_test(tc, set_target_port_groups_exists_only_with_explicit_alua);
	tcase_add_test(tc, shared_ownership_stpg_asks_the_environment);
	tcase_add_test(tc, configured_groups_start_in_their_state_with_their_pref_bit);
	tcase_add_test(tc, report_lists_each_portal_group_with_its_ports_active_optimized);
	tcase_add_test(tc, standby_refuses_media_access_but_answers_management);
	tcase_add_test(tc, unavailable_and_transitioning_let_only_identification_through);
	tcase_add_test(tc, set_rejects_unknown_groups_and_states_and_changes_nothing);
	tcase_add_test(tc, device_identification_names_the_same_group);
	suite_add_tcase(s, tc);
	return s;
}
