/* Tests of core/discovery: SendTargets answers (RFC 7143 §13.3, §13.8,
 * Appendix C) and who sees what. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/discovery.h"
#include "core/limits.h"
#include "login_fixture.h"

static struct fx x;
static struct text_buf out;
static char rendered[8192];

static void setup(void)
{
	fx_init(&x);
	text_buf_init(&out, &x.fe.env, RT_TEXT_MAX);
}

static void teardown(void)
{
	text_buf_fini(&out);
	fx_fini(&x);
}

/* Ask SendTargets=value as initiator from a discovery session (target
 * UINT32_MAX) or a normal session to target ti; pairs joined by '|'. */
static const char *ask(const char *initiator, bool discovery, uint32_t ti, const char *value)
{
	struct discovery_asker who = {initiator, discovery, ti};
	text_buf_reset(&out);
	ck_assert_int_eq(discovery_send_targets(&x.cfg, &who, value, strlen(value), &out),
			 DISCOVERY_OK);
	ck_assert_uint_lt(out.len, sizeof(rendered));
	for (uint32_t i = 0; i < out.len; i++)
		rendered[i] = out.p[i] ? (char)out.p[i] : '|';
	rendered[out.len] = '\0';
	return rendered;
}

#define TN(i) "TargetName=iqn.2024-01.org.example:" i "|"

START_TEST(discovery_all_lists_every_reachable_target_with_its_portals)
{
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, "All"),
			 TN("open") "TargetAddress=127.0.0.1:3260,1|TargetAddress=[::1]:3260,1|"
			 TN("chap") "TargetAddress=127.0.0.1:3260,2|"
			 TN("mutual") "TargetAddress=127.0.0.1:3260,3|"
			 TN("redirect") "TargetAddress=127.0.0.1:3260,5|"
			 TN("elsewhere") "TargetAddress=[::1]:3261,6|");
}
END_TEST

START_TEST(discovery_all_includes_targets_whose_acl_names_the_initiator)
{
	const char *r = ask(FX_HOST_ACL, true, UINT32_MAX, "All");
	ck_assert_ptr_nonnull(strstr(r, TN("acl") "TargetAddress=127.0.0.1:3260,4|"));
	r = ask(FX_INITIATOR, true, UINT32_MAX, "All");
	ck_assert_ptr_null(strstr(r, "example:acl"));
}
END_TEST

START_TEST(discovery_brackets_ipv6_once)
{
	const char *r = ask(FX_INITIATOR, true, UINT32_MAX, FX_TARGET(FX_T_OPEN));
	ck_assert_ptr_nonnull(strstr(r, "TargetAddress=[::1]:3260,1|"));
	r = ask(FX_INITIATOR, true, UINT32_MAX, FX_TARGET(FX_T_ELSEWHERE));
	ck_assert_str_eq(r, TN("elsewhere") "TargetAddress=[::1]:3261,6|");
}
END_TEST

START_TEST(discovery_named_target_lists_only_that_target)
{
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, FX_TARGET(FX_T_CHAP)),
			 TN("chap") "TargetAddress=127.0.0.1:3260,2|");
}
END_TEST

START_TEST(discovery_hides_unknown_and_unreachable_targets)
{
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, "iqn.2024-01.org.example:nope"), "");
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, FX_TARGET(FX_T_ACL)), "");
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, ""), "");
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, "all"), ""); /* case sensitive */
}
END_TEST

START_TEST(discovery_lists_only_portal_groups_admitting_the_initiator)
{
	/* the ACL target gains a second, open, portal group on the IPv6 portal */
	static const uint32_t v6[] = {FX_PORTAL_V6};
	struct rt_tpg_cfg two[2] = {x.tpgs[FX_T_ACL], x.tpgs[FX_T_ACL]};
	two[1].tag = 40;
	two[1].open_access = true;
	two[1].portals = v6;
	x.targets[FX_T_ACL].tpgs = two;
	x.targets[FX_T_ACL].tpg_count = 2;
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, FX_TARGET(FX_T_ACL)),
			 TN("acl") "TargetAddress=[::1]:3261,40|");
	ck_assert_str_eq(ask(FX_HOST_ACL, true, UINT32_MAX, FX_TARGET(FX_T_ACL)),
			 TN("acl") "TargetAddress=127.0.0.1:3260,4|TargetAddress=[::1]:3261,40|");
}
END_TEST

START_TEST(discovery_open_group_is_listed_to_an_initiator_it_does_not_admit)
{
	/* LIO's demo_mode_discovery=1: listed to everyone, the login decides */
	x.tpgs[FX_T_ACL].discovery_open = true;
	const char *r = ask(FX_INITIATOR, true, UINT32_MAX, "All");
	ck_assert_ptr_nonnull(strstr(r, TN("acl") "TargetAddress=127.0.0.1:3260,4|"));
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, FX_TARGET(FX_T_ACL)),
			 TN("acl") "TargetAddress=127.0.0.1:3260,4|");
	x.tpgs[FX_T_ACL].discovery_open = false;
	ck_assert_str_eq(ask(FX_INITIATOR, true, UINT32_MAX, FX_TARGET(FX_T_ACL)), "");
}
END_TEST

START_TEST(discovery_normal_session_all_is_rejected)
{
	ck_assert_str_eq(ask(FX_INITIATOR, false, FX_T_OPEN, "All"), "SendTargets=Reject|");
}
END_TEST

START_TEST(discovery_normal_session_empty_value_is_own_target)
{
	ck_assert_str_eq(ask(FX_INITIATOR, false, FX_T_CHAP, ""),
			 TN("chap") "TargetAddress=127.0.0.1:3260,2|");
}
END_TEST

START_TEST(discovery_normal_session_sees_only_its_own_target)
{
	ck_assert_str_eq(ask(FX_INITIATOR, false, FX_T_CHAP, FX_TARGET(FX_T_CHAP)),
			 TN("chap") "TargetAddress=127.0.0.1:3260,2|");
	ck_assert_str_eq(ask(FX_INITIATOR, false, FX_T_CHAP, FX_TARGET(FX_T_OPEN)), "");
}
END_TEST

START_TEST(discovery_reports_when_the_answer_does_not_fit)
{
	struct text_buf small;
	text_buf_init(&small, &x.fe.env, 64);
	struct discovery_asker who = {FX_INITIATOR, true, UINT32_MAX};
	ck_assert_int_eq(discovery_send_targets(&x.cfg, &who, "All", 3, &small), DISCOVERY_NO_ROOM);
	text_buf_fini(&small);
}
END_TEST

Suite *suite_discovery(void);
Suite *suite_discovery(void)
{
	Suite *s = suite_create("discovery");
	TCase *tc = tcase_create("discovery");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, discovery_all_lists_every_reachable_target_with_its_portals);
	tcase_add_test(tc, discovery_all_includes_targets_whose_acl_names_the_initiator);
	tcase_add_test(tc, discovery_brackets_ipv6_once);
	tcase_add_test(tc, discovery_named_target_lists_only_that_target);
	tcase_add_test(tc, discovery_hides_unknown_and_unreachable_targets);
	tcase_add_test(tc, discovery_lists_only_portal_groups_admitting_the_initiator);
	tcase_add_test(tc, discovery_open_group_is_listed_to_an_initiator_it_does_not_admit);
	tcase_add_test(tc, discovery_normal_session_all_is_rejected);
	tcase_add_test(tc, discovery_normal_session_empty_value_is_own_target);
	tcase_add_test(tc, discovery_normal_session_sees_only_its_own_target);
	tcase_add_test(tc, discovery_reports_when_the_answer_does_not_fit);
	suite_add_tcase(s, tc);
	return s;
}
