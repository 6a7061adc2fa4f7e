/* Tests of the URLs the daemon prints once it listens (daemon/durl.c):
 * the real port, IPv6 in brackets, wildcard portals named by their
 * loopback address, every target and LUN behind each portal once.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dcfg.h"
#include "daemon/durl.h"

/* What durl_print writes for cfg, as one string (the caller frees it). */
static char *printed(const struct rt_config *cfg, const uint16_t *ports)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	durl_print(f, cfg, ports);
	fclose(f);
	return text;
}

START_TEST(url_names_the_port_really_bound)
{
	struct dcfg_quick q = { .portals = { "127.0.0.1:3610" }, .portal_count = 1 };
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX];
	ck_assert_msg(dcfg_load_quick(&d, &q, err, sizeof(err)) == 0, "%s", err);
	const uint16_t ports[] = { 3610 };
	char *text = printed(&d.cfg, ports);
	ck_assert_str_eq(text, "portal 127.0.0.1:3610: iscsi://127.0.0.1:3610\n"
			       "iscsi://127.0.0.1:3610/iqn.2026-11.org.iscsi-sim:ref/0\n");
	free(text);
	dcfg_free(&d);
}
END_TEST

START_TEST(url_wildcards_name_loopback_and_ipv6_has_brackets)
{
	struct dcfg_quick q = {
		.portals = { "0.0.0.0:3260", "[::]:3261", "[::1]:3262" },
		.portal_count = 3,
		.target = "iqn.2026-11.org.sim:t",
		.luns = { "ram:1M", "ram:1M" },
		.lun_count = 2,
	};
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX];
	ck_assert_msg(dcfg_load_quick(&d, &q, err, sizeof(err)) == 0, "%s", err);
	const uint16_t ports[] = { 3260, 3261, 3262 };
	char *text = printed(&d.cfg, ports);
	ck_assert_str_eq(text,
			 "portal 0.0.0.0:3260 listens on every IPv4 address of this host; from this host: "
			 "iscsi://127.0.0.1:3260\n"
			 "iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:t/0\n"
			 "iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:t/1\n"
			 "portal [::]:3261 listens on every IPv6 address of this host; from this host: "
			 "iscsi://[::1]:3261\n"
			 "iscsi://[::1]:3261/iqn.2026-11.org.sim:t/0\n"
			 "iscsi://[::1]:3261/iqn.2026-11.org.sim:t/1\n"
			 "portal [::1]:3262: iscsi://[::1]:3262\n"
			 "iscsi://[::1]:3262/iqn.2026-11.org.sim:t/0\n"
			 "iscsi://[::1]:3262/iqn.2026-11.org.sim:t/1\n");
	free(text);
	dcfg_free(&d);
}
END_TEST

/* Two ACLs map the same LUN numbers: each URL once. */
START_TEST(url_lists_each_lun_of_the_acls_once)
{
	struct dcfg_quick q = {
		.portals = { "127.0.0.1:3260" },
		.portal_count = 1,
		.luns = { "ram:1M" },
		.lun_count = 1,
		.initiators = { "iqn.1993-08.org.debian:01:a", "iqn.1993-08.org.debian:01:b" },
		.initiator_count = 2,
	};
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX];
	ck_assert_msg(dcfg_load_quick(&d, &q, err, sizeof(err)) == 0, "%s", err);
	const uint16_t ports[] = { 3260 };
	char *text = printed(&d.cfg, ports);
	ck_assert_str_eq(text, "portal 127.0.0.1:3260: iscsi://127.0.0.1:3260\n"
			       "iscsi://127.0.0.1:3260/iqn.2026-11.org.iscsi-sim:ref/0\n");
	free(text);
	dcfg_free(&d);
}
END_TEST

START_TEST(url_host_keeps_a_named_address)
{
	char host[DURL_HOST_MAX];
	ck_assert_int_eq(durl_host("10.1.2.3", host, sizeof(host)), 0);
	ck_assert_str_eq(host, "10.1.2.3");
	ck_assert_int_eq(durl_host("[fe80::1]", host, sizeof(host)), 0);
	ck_assert_str_eq(host, "[fe80::1]");
	ck_assert_int_eq(durl_host("[0::0]", host, sizeof(host)), 1);
	ck_assert_str_eq(host, "[::1]");
}
END_TEST

Suite *suite_daemon_url(void);
Suite *suite_daemon_url(void)
{
	Suite *s = suite_create("daemon_url");
	TCase *tc = tcase_create("url");
	tcase_add_test(tc, url_names_the_port_really_bound);
	tcase_add_test(tc, url_wildcards_name_loopback_and_ipv6_has_brackets);
	tcase_add_test(tc, url_lists_each_lun_of_the_acls_once);
	tcase_add_test(tc, url_host_keeps_a_named_address);
	suite_add_tcase(s, tc);
	return s;
}
