/* Tests of core/config.c: cfg_params_default and cfg_validate on configs
 * built in memory, as the simulator builds them (no JSON involved).
 */
#include <check.h>
#include <string.h>

#include "core/config.h"

/* A small valid world: two portals, two LUs, one target, one open TPG. */
struct fixture {
	struct rt_portal_cfg portals[2];
	struct rt_lu_cfg lus[2];
	struct rt_lun_map luns[2];
	uint32_t tpg_portals[2];
	struct rt_acl_cfg acls[1];
	struct rt_tpg_cfg tpgs[1];
	struct rt_target_cfg targets[1];
	struct rt_config cfg;
	char err[512];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->portals[0] = (struct rt_portal_cfg){ "127.0.0.1", 3260 };
	f->portals[1] = (struct rt_portal_cfg){ "[::1]", 3260 };
	f->lus[0] = (struct rt_lu_cfg){ .name = "a", .blocks = 2048, .block_size = 512, .serial = "sa",
					.naa_id = 1, .flags = RT_LU_THIN | RT_LU_LBPRZ };
	f->lus[1] = (struct rt_lu_cfg){ .name = "b", .blocks = 16, .block_size = 4096, .serial = "sb",
					.naa_id = 2, .vendor = "ISCSISIM", .product = "0123456789abcdef" };
	f->luns[0] = (struct rt_lun_map){ .lun = 0, .lu = 0 };
	f->luns[1] = (struct rt_lun_map){ .lun = 1, .lu = 1, .read_only = true };
	f->tpg_portals[0] = 0;
	f->tpg_portals[1] = 1;
	f->acls[0] = (struct rt_acl_cfg){ .initiator = "iqn.1993-08.org.debian:01:abc", .luns = f->luns,
					  .lun_count = 1 };
	f->tpgs[0] = (struct rt_tpg_cfg){ .tag = 1, .portals = f->tpg_portals, .portal_count = 2,
					  .open_access = true, .luns = f->luns, .lun_count = 2,
					  .acls = f->acls, .acl_count = 1 };
	f->targets[0] = (struct rt_target_cfg){ .name = "iqn.2026-11.org.iscsi-sim:ref", .tpgs = f->tpgs,
						.tpg_count = 1 };
	f->cfg = (struct rt_config){ .portals = f->portals, .portal_count = 2, .targets = f->targets,
				     .target_count = 1, .lus = f->lus, .lu_count = 2 };
	cfg_params_default(&f->cfg.params);
}

static int validate(struct fixture *f)
{
	return cfg_validate(&f->cfg, f->err, sizeof(f->err));
}

START_TEST(config_fixture_is_valid)
{
	struct fixture f;
	fixture_init(&f);
	ck_assert_msg(validate(&f) == 0, "%s", f.err);
	ck_assert_str_eq(f.err, "");
}
END_TEST

START_TEST(config_defaults_follow_rfc_7143)
{
	struct rt_params_cfg p;
	memset(&p, 0xa5, sizeof(p));
	cfg_params_default(&p);
	/* What we accept (limits.h RT_OFFER_*), above the RFC 7143 §13
	 * defaults; negotiation takes them down to the initiator's. */
	ck_assert_uint_eq(p.max_recv_data_segment_length, 262144);
	ck_assert_uint_eq(p.max_burst_length, 1048576);
	ck_assert_uint_eq(p.first_burst_length, 262144);
	ck_assert_uint_eq(p.max_outstanding_r2t, 16);
	ck_assert(!p.initial_r2t && p.immediate_data);
	/* RFC 7143 §13.2-§13.20 defaults */
	ck_assert_uint_eq(p.max_connections, 1);
	ck_assert_uint_eq(p.default_time2wait, 2);
	ck_assert_uint_eq(p.default_time2retain, 20);
	/* the most offered: level 2, all that is implemented, as LIO allows
	 * (limits.h RT_ERL_DEFAULT; §13.20 default 0 is the initiator's when
	 * it says nothing, param.c) */
	ck_assert_uint_eq(p.error_recovery_level, RT_ERL_DEFAULT);
	ck_assert_uint_eq(p.error_recovery_level, RT_ERL_IMPLEMENTED);
	ck_assert(p.data_pdu_in_order && p.data_sequence_in_order);
	ck_assert(!p.header_digest && !p.data_digest);
	ck_assert_uint_eq(p.cmd_window, RT_CMD_WINDOW_DEFAULT);
	ck_assert_uint_gt(p.login_timeout_ms, 0);
	ck_assert_uint_gt(p.logout_timeout_ms, 0);
	ck_assert(p.nop_in_interval_ms == 0 || p.nop_in_timeout_ms > 0);
	/* memory (limits.h RT_MEM_*): 1 GiB, 64 MiB a session, 8 MiB kept
	 * for any session when tight, 4 MiB unsent before a connection waits */
	ck_assert_uint_eq(p.mem_budget_bytes, 1ull << 30);
	ck_assert_uint_eq(p.session_mem_max_bytes, 64ull << 20);
	ck_assert_uint_eq(p.session_mem_min_bytes, RT_XFER_MAX);
	ck_assert_uint_eq(p.conn_unsent_max_bytes, 4ull << 20);
}
END_TEST

START_TEST(config_refuses_unknown_redirect_kind)
{
	struct fixture f;
	fixture_init(&f);
	f.tpgs[0].redirect = (enum rt_redirect)7;
	f.tpgs[0].redirect_address = "10.0.0.1:3260,1";
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "targets[0].tpgs[0].redirect: unknown redirect kind 7");
}
END_TEST

START_TEST(config_refuses_redirect_address_with_blank)
{
	struct fixture f;
	fixture_init(&f);
	f.tpgs[0].redirect = RT_REDIRECT_TEMPORARY;
	f.tpgs[0].redirect_address = "10.0.0.1 :3260";
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "targets[0].tpgs[0].redirect_address: must not contain blanks (RFC 7143 §13.9)");
}
END_TEST

START_TEST(config_refuses_unknown_lu_flag_bits)
{
	struct fixture f;
	fixture_init(&f);
	f.lus[1].flags = 0x400;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[1].flags: unknown flag bits 0x400");
}
END_TEST

/* COMPARE AND WRITE in the storage covers whole blocks: a bound below one
 * block cannot be (the daemon leaves the flag off then, store.c). */
START_TEST(config_refuses_compare_write_shorter_than_a_block)
{
	struct fixture f;
	fixture_init(&f);
	f.lus[1].flags |= RT_LU_COMPARE_WRITE;
	f.lus[1].compare_write_max = f.lus[1].block_size - 512;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[1].flags: compare_write, but compare_write_max 3584 is less than one block (4096)");
	f.lus[1].compare_write_max = f.lus[1].block_size;
	ck_assert_int_eq(validate(&f), 0);
}
END_TEST

START_TEST(config_refuses_lu_whose_bytes_overflow)
{
	struct fixture f;
	fixture_init(&f);
	f.lus[1].blocks = UINT64_MAX / 4096 + 1;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert(strstr(f.err, "lus[1].size: ") == f.err);
	ck_assert(strstr(f.err, "overflow 64 bits"));
}
END_TEST

START_TEST(config_refuses_empty_lu)
{
	struct fixture f;
	fixture_init(&f);
	f.lus[0].blocks = 0;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[0].size: must hold at least one block");
}
END_TEST

START_TEST(config_refuses_duplicate_naa_id)
{
	struct fixture f;
	fixture_init(&f);
	f.lus[1].naa_id = f.lus[0].naa_id;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert(strstr(f.err, "lus[1].naa_id: 0x1 is also lus[0].naa_id") == f.err);
}
END_TEST

START_TEST(config_refuses_lun_map_pointing_past_lus)
{
	struct fixture f;
	fixture_init(&f);
	f.luns[1].lu = 2;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "targets[0].tpgs[0].luns[1].lu: no such LU (2 defined)");
}
END_TEST

START_TEST(config_refuses_too_many_portals)
{
	static struct rt_portal_cfg many[RT_PORTALS_MAX + 1];
	struct fixture f;
	fixture_init(&f);
	f.cfg.portals = many;
	f.cfg.portal_count = RT_PORTALS_MAX + 1;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "portals: 65 portals, at most 64");
}
END_TEST

START_TEST(config_refuses_missing_strings_without_crashing)
{
	struct fixture f;
	fixture_init(&f);
	f.portals[1].address = NULL;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "portals[1].address: missing");
	fixture_init(&f);
	f.targets[0].name = NULL;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "targets[0].name: missing");
	fixture_init(&f);
	f.lus[1].serial = NULL;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[1].serial: missing");
	fixture_init(&f);
	f.acls[0].auth.in.user = "u";
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "targets[0].tpgs[0].acls[0].auth.chap.secret: missing");
}
END_TEST

START_TEST(config_error_is_truncated_safely)
{
	struct fixture f;
	char small[12];
	fixture_init(&f);
	f.luns[1].lu = 9;
	ck_assert_int_eq(cfg_validate(&f.cfg, small, sizeof(small)), -1);
	ck_assert_str_eq(small, "targets[0].");
	ck_assert_int_eq(cfg_validate(&f.cfg, NULL, 0), -1);
}
END_TEST

/* iSCSI names (RFC 7143 §4.2.7) as target and initiator names. */
static const struct {
	const char *name;
	bool ok;
} names[] = {
	{ "iqn.2026-11.org.iscsi-sim:ref", true },
	{ "iqn.1993-08.org.debian:01:4f3e2a1b", true },
	{ "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test", true },
	{ "iqn.2001-04.com.example", true },
	{ "eui.02004567A425678D", true },
	{ "naa.52004567BA64678D", true },
	{ "naa.62004567BA64678D0123456789ABCDEF", true },
	{ "iqn.2026-00.org.sim", false },
	{ "iqn.26-11.org.sim", false },
	{ "iqn.2026-11", false },
	{ "iqn.2026-11.", false },
	{ "iqn.2026-11.:x", false },
	{ "iqn.2026-11.org.sim:with space", false },
	{ "iqn.2026-11.org.sim:under_score", false },
	{ "IQN.2026-11.org.sim", false },
	{ "eui.02004567A425678", false },
	{ "naa.52004567BA64678D01", false },
	{ "", false },
	{ "ref", false },
};

START_TEST(config_checks_iscsi_names)
{
	struct fixture f;
	fixture_init(&f);
	f.targets[0].name = names[_i].name;
	int rc = validate(&f);
	ck_assert_msg((rc == 0) == names[_i].ok, "target '%s': %s", names[_i].name, f.err);
	fixture_init(&f);
	f.acls[0].initiator = names[_i].name;
	rc = validate(&f);
	ck_assert_msg((rc == 0) == names[_i].ok, "initiator '%s': %s", names[_i].name, f.err);
}
END_TEST

START_TEST(config_refuses_long_iscsi_name)
{
	char name[ISCSI_NAME_MAX + 2];
	memset(name, 'a', sizeof(name));
	memcpy(name, "iqn.2026-11.org.x:", 18);
	name[ISCSI_NAME_MAX] = '\0';
	struct fixture f;
	fixture_init(&f);
	f.targets[0].name = name;
	ck_assert_msg(validate(&f) == 0, "%s", f.err);
	name[ISCSI_NAME_MAX] = 'a';
	name[ISCSI_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(validate(&f), -1);
	ck_assert(strstr(f.err, "longer than 223 bytes"));
}
END_TEST

START_TEST(config_accepts_secret_bounds)
{
	char secret[RT_CHAP_SECRET_MAX + 2];
	struct fixture f;
	fixture_init(&f);
	memset(secret, 's', sizeof(secret));
	secret[RT_CHAP_SECRET_MIN] = '\0';
	f.tpgs[0].auth.in = (struct rt_chap_cred){ "user", secret };
	ck_assert_msg(validate(&f) == 0, "%s", f.err);
	secret[RT_CHAP_SECRET_MIN] = 's';
	secret[RT_CHAP_SECRET_MAX] = '\0';
	ck_assert_msg(validate(&f) == 0, "%s", f.err);
	secret[RT_CHAP_SECRET_MAX] = 's';
	secret[RT_CHAP_SECRET_MAX + 1] = '\0';
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "targets[0].tpgs[0].auth.chap.secret: is 256 bytes, must be 12..255 (RFC 7143 §12.1.3)");
}
END_TEST

START_TEST(config_checks_inquiry_revision_and_lbppbe)
{
	struct fixture f;
	fixture_init(&f);
	f.lus[1].revision = "1.0a";
	f.lus[1].lbppbe = 15;
	ck_assert_msg(validate(&f) == 0, "%s", f.err);
	f.lus[1].revision = "1.0ab";
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[1].revision: is 5 bytes, at most 4 allowed");
	f.lus[1].revision = "1\t0";
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[1].revision: must be printable ASCII");
	f.lus[1].revision = NULL;
	f.lus[1].lbppbe = 16;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[1].lbppbe: 16, at most 15 (SBC-3 §5.16.2)");
}
END_TEST

START_TEST(config_checks_alua_entries)
{
	struct rt_alua_cfg alua[2] = { { .tpg_tag = 1, .state = RT_ALUA_STANDBY }, { .tpg_tag = 1 } };
	struct fixture f;
	fixture_init(&f);
	f.lus[0].alua = alua;
	f.lus[0].alua_count = 1;
	f.lus[0].alua_modes = RT_ALUA_IMPLICIT;
	ck_assert_msg(validate(&f) == 0, "%s", f.err);
	f.lus[0].alua_count = 2; /* the same group twice */
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[0].alua[1].tpg: tag 1 is also lus[0].alua[0]");
	alua[1].tpg_tag = 2; /* no such group */
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[0].alua[1].tpg: no portal group with tag 2 maps this LU");
	f.lus[0].alua_count = 1;
	alua[0].state = (enum rt_alua_state)0x7;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[0].alua[0].state: 0x7 is not an access state (SPC-4 §6.37)");
	alua[0].state = RT_ALUA_TRANSITIONING;
	f.lus[0].alua_modes = 0x4;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[0].alua_modes: unknown mode bits 0x4");
	/* a group that exists but does not map the LU */
	f.lus[0].alua_modes = RT_ALUA_EXPLICIT;
	f.tpgs[0].lun_count = 1;
	f.acls[0].lun_count = 0;
	f.lus[1].alua = alua;
	f.lus[1].alua_count = 1;
	f.lus[0].alua_count = 0;
	ck_assert_int_eq(validate(&f), -1);
	ck_assert_str_eq(f.err, "lus[1].alua[0].tpg: no portal group with tag 1 maps this LU");
}
END_TEST

Suite *suite_config(void);
Suite *suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("validate");
	tcase_add_test(tc, config_fixture_is_valid);
	tcase_add_test(tc, config_defaults_follow_rfc_7143);
	tcase_add_test(tc, config_refuses_unknown_redirect_kind);
	tcase_add_test(tc, config_refuses_redirect_address_with_blank);
	tcase_add_test(tc, config_refuses_unknown_lu_flag_bits);
	tcase_add_test(tc, config_refuses_compare_write_shorter_than_a_block);
	tcase_add_test(tc, config_refuses_lu_whose_bytes_overflow);
	tcase_add_test(tc, config_refuses_empty_lu);
	tcase_add_test(tc, config_refuses_duplicate_naa_id);
	tcase_add_test(tc, config_refuses_lun_map_pointing_past_lus);
	tcase_add_test(tc, config_refuses_too_many_portals);
	tcase_add_test(tc, config_refuses_missing_strings_without_crashing);
	tcase_add_test(tc, config_error_is_truncated_safely);
	tcase_add_loop_test(tc, config_checks_iscsi_names, 0, (int)(sizeof(names) / sizeof(names[0])));
	tcase_add_test(tc, config_refuses_long_iscsi_name);
	tcase_add_test(tc, config_accepts_secret_bounds);
	tcase_add_test(tc, config_checks_inquiry_revision_and_lbppbe);
	tcase_add_test(tc, config_checks_alua_entries);
	suite_add_tcase(s, tc);
	return s;
}
