/* Tests of the quick command-line configuration (daemon/dcfg_quick.c), the
 * embedded default, and derived LU identities (dcfg_derive_ids).
 */
#include <check.h>
#include <string.h>

#include "daemon/dcfg.h"

static int quick(const struct dcfg_quick *q, struct dcfg *d, char *err, size_t len)
{
	memset(d, 0, sizeof(*d));
	err[0] = '\0';
	if (dcfg_load_quick(d, q, err, len) != 0 || dcfg_derive_ids(d, 7, err, len) != 0)
		return -1;
	return dcfg_validate(d, err, len);
}

START_TEST(flags_none_give_the_embedded_default)
{
	struct dcfg_quick q = { 0 };
	struct dcfg d;
	char err[DCFG_ERR_MAX];
	ck_assert_msg(quick(&q, &d, err, sizeof(err)) == 0, "%s", err);
	const struct rt_config *c = &d.cfg;
	ck_assert_uint_eq(c->portal_count, 1);
	ck_assert_str_eq(c->portals[0].address, "127.0.0.1");
	ck_assert_uint_eq(c->portals[0].port, 3260);
	ck_assert_uint_eq(c->target_count, 1);
	ck_assert_str_eq(c->targets[0].name, "iqn.2026-11.org.iscsi-sim:ref");
	ck_assert_uint_eq(c->targets[0].tpg_count, 1);
	const struct rt_tpg_cfg *g = &c->targets[0].tpgs[0];
	ck_assert_uint_eq(g->tag, 1);
	ck_assert(g->open_access);
	ck_assert_ptr_null(g->auth.in.user);
	ck_assert_uint_eq(g->acl_count, 0);
	ck_assert_uint_eq(g->lun_count, 1);
	ck_assert_uint_eq(g->luns[0].lun, 0);
	ck_assert_uint_eq(c->lu_count, 1);
	ck_assert_uint_eq(c->lus[0].blocks * c->lus[0].block_size, 1ull << 30);
	ck_assert_str_eq(d.stores[0].backstore, "ram");
	ck_assert(d.stores[0].flags_from_caps);
	/* ALUA as LIO offers it by default: both modes, no group configured. */
	ck_assert_uint_eq(c->lus[0].alua_modes, RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT);
	ck_assert_uint_eq(c->lus[0].alua_count, 0);
	ck_assert_ptr_null(c->discovery_auth.in.user);
	dcfg_free(&d);
}
END_TEST

START_TEST(flags_build_restricted_chap_target)
{
	struct dcfg_quick q = {
		.portals = { "[::1]:3261", "127.0.0.1" },
		.portal_count = 2,
		.target = "iqn.2026-11.org.sim:t",
		.luns = { "ram:64M", "file:/tmp/x:y.img:1G", "block:/dev/sdz" },
		.lun_count = 3,
		.chap = "alice:0123456789ab:cd",
		.mutual_chap = "tgt:abcdefghijklm",
		.initiators = { "iqn.1993-08.org.debian:01:a", "iqn.1993-08.org.debian:01:b" },
		.initiator_count = 2,
	};
	struct dcfg d;
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(dcfg_load_quick(memset(&d, 0, sizeof(d)), &q, err, sizeof(err)), 0);
	const struct rt_config *c = &d.cfg;
	ck_assert_str_eq(c->portals[0].address, "[::1]");
	ck_assert_uint_eq(c->portals[0].port, 3261);
	ck_assert_str_eq(c->portals[1].address, "127.0.0.1");
	ck_assert_uint_eq(c->portals[1].port, 3260);
	ck_assert_uint_eq(d.port_defaulted, 1u << 1); /* the daemon says it chose 3260 */
	ck_assert_uint_eq(c->lu_count, 3);
	ck_assert_uint_eq(c->lus[0].blocks, (64u << 20) / 512);
	ck_assert_str_eq(d.stores[1].backstore, "file");
	ck_assert_str_eq(d.stores[1].path, "/tmp/x:y.img");
	ck_assert_uint_eq(d.stores[1].size_bytes, 1ull << 30);
	ck_assert_str_eq(d.stores[2].backstore, "block");
	ck_assert_str_eq(d.stores[2].path, "/dev/sdz");
	ck_assert_uint_eq(d.stores[2].size_bytes, 0);
	const struct rt_tpg_cfg *g = &c->targets[0].tpgs[0];
	ck_assert(!g->open_access);
	ck_assert_uint_eq(g->portal_count, 2);
	ck_assert_uint_eq(g->acl_count, 2);
	for (uint32_t i = 0; i < 2; i++) {
		ck_assert_str_eq(g->acls[i].initiator, q.initiators[i]);
		ck_assert_str_eq(g->acls[i].auth.in.user, "alice");
		ck_assert_str_eq(g->acls[i].auth.in.secret, "0123456789ab:cd");
		ck_assert_str_eq(g->acls[i].auth.out.user, "tgt");
		ck_assert_uint_eq(g->acls[i].lun_count, 3);
		ck_assert_uint_eq(g->acls[i].luns[2].lun, 2);
		ck_assert_uint_eq(g->acls[i].luns[2].lu, 2);
	}
	dcfg_free(&d);
}
END_TEST

static const struct {
	struct dcfg_quick q;
	const char *want;
} bad_flags[] = {
	{ { .portals = { "127.0.0.1:0" }, .portal_count = 1 }, "--portal '127.0.0.1:0': port must be 1..65535" },
	{ { .portals = { "127.0.0.1:x" }, .portal_count = 1 }, "--portal '127.0.0.1:x': port must be 1..65535" },
	{ { .portals = { "[::1" }, .portal_count = 1 }, "--portal '[::1': expected [IPv6]:port" },
	{ { .portals = { "[::1]3260" }, .portal_count = 1 }, "--portal '[::1]3260': expected [IPv6]:port" },
	{ { .portals = { "127.0.0.1:70000" }, .portal_count = 1 }, "--portal '127.0.0.1:70000': port must be 1..65535" },
	{ { .portals = { "127.0.0.1:" }, .portal_count = 1 }, "--portal '127.0.0.1:': port must be 1..65535" },
	{ { .portals = { "example.org:3260" }, .portal_count = 1 },
	  "--portal 'example.org:3260': 'example.org' is not an IPv4 address or a bracketed IPv6 address"
	  " (ADDR[:PORT], e.g. 127.0.0.1:3260 or [::1]:3260)" },
	{ { .portals = { "::1" }, .portal_count = 1 },
	  "--portal '::1': ':' is not an IPv4 address or a bracketed IPv6 address"
	  " (ADDR[:PORT], e.g. 127.0.0.1:3260 or [::1]:3260)" },
	{ { .portals = { "[junk]:3260" }, .portal_count = 1 },
	  "--portal '[junk]:3260': '[junk]' is not an IPv4 address or a bracketed IPv6 address"
	  " (ADDR[:PORT], e.g. 127.0.0.1:3260 or [::1]:3260)" },
	{ { .luns = { "ram" }, .lun_count = 1 }, "--lun 'ram': expected ram:SIZE, e.g. ram:1G" },
	{ { .luns = { "ram:0" }, .lun_count = 1 }, "--lun 'ram:0': expected ram:SIZE, e.g. ram:1G" },
	{ { .luns = { "file:" }, .lun_count = 1 }, "--lun 'file:': expected file:PATH[:SIZE]" },
	{ { .luns = { "file::1G" }, .lun_count = 1 }, "--lun 'file::1G': expected file:PATH[:SIZE]" },
	{ { .luns = { "disk:/x" }, .lun_count = 1 },
	  "--lun 'disk:/x': expected ram:SIZE, file:PATH[:SIZE] or block:PATH" },
	{ { .luns = { "ram:1000" }, .lun_count = 1 }, "--lun 'ram:1000': the size must be a multiple of 512 bytes" },
	{ { .chap = "nocolon" }, "--chap: expected user:secret" },
	{ { .chap = ":secret-secret" }, "--chap: expected user:secret" },
	{ { .chap = "u:short" }, "command line: targets[0].tpgs[0].auth.chap.secret: is 5 bytes, must be 12..255 (RFC 7143 §12.1.3)" },
	{ { .mutual_chap = "t:0123456789ab" }, "--mutual-chap needs --chap (RFC 7143 §12.1.3)" },
	{ { .target = "Target" }, "command line: targets[0].name: 'Target' must start with iqn., eui. or naa. (RFC 7143 §4.2.7)" },
	{ { .mem_budget = "lots" }, "--mem-budget 'lots': expected a size such as 512M or 2G" },
	{ { .mem_budget = "1M" },
	  "command line: params.mem_budget_bytes: 1048576 is outside 16777216..1099511627776 (limits.h RT_MEM_BUDGET_MIN..MAX)" },
	{ { .initiators = { "bob" }, .initiator_count = 1 },
	  "command line: targets[0].tpgs[0].acls[0].initiator: 'bob' must start with iqn., eui. or naa. (RFC 7143 §4.2.7)" },
};

START_TEST(flags_bad_are_refused_naming_the_flag)
{
	struct dcfg d;
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(quick(&bad_flags[_i].q, &d, err, sizeof(err)), -1);
	ck_assert_str_eq(err, bad_flags[_i].want);
	dcfg_free(&d);
}
END_TEST

START_TEST(derived_ids_follow_storage_not_process)
{
	struct dcfg_quick q = { .luns = { "ram:1M", "ram:1M", "file:/srv/a.img:1M", "file:/srv/b.img:1M" }, .lun_count = 4 };
	struct dcfg a, b;
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(dcfg_load_quick(memset(&a, 0, sizeof(a)), &q, err, sizeof(err)), 0);
	ck_assert_int_eq(dcfg_load_quick(memset(&b, 0, sizeof(b)), &q, err, sizeof(err)), 0);
	ck_assert_int_eq(dcfg_derive_ids(&a, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(dcfg_derive_ids(&b, 2, err, sizeof(err)), 0);
	/* RAM: a new process is a new disk */
	ck_assert_str_ne(a.lus[0].serial, b.lus[0].serial);
	ck_assert_str_ne(a.lus[0].serial, a.lus[1].serial);
	/* files: the same file is the same LU, whoever serves it */
	ck_assert_str_eq(a.lus[2].serial, b.lus[2].serial);
	ck_assert_uint_eq(a.lus[2].naa_id, b.lus[2].naa_id);
	ck_assert_str_ne(a.lus[2].serial, a.lus[3].serial);
	for (uint32_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(strlen(a.lus[i].serial), 16);
		ck_assert_uint_ne(a.lus[i].naa_id, 0);
		ck_assert_uint_le(a.lus[i].naa_id, 0xfffffffffull);
	}
	ck_assert_msg(dcfg_validate(&a, err, sizeof(err)) == 0, "%s", err);
	dcfg_free(&a);
	dcfg_free(&b);
}
END_TEST

START_TEST(derived_ids_keep_configured_ones)
{
	static const char text[] = "{\"portals\": [{\"address\": \"127.0.0.1\"}], \"targets\": [],"
				   " \"lus\": [{\"name\": \"a\", \"size\": 512, \"serial\": \"mine\", \"naa_id\": 5},"
				   " {\"name\": \"b\", \"size\": 512, \"serial\": \"mine2\"}]}";
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(dcfg_load_json(&d, "c", text, sizeof(text) - 1, err, sizeof(err)), 0);
	ck_assert_int_eq(dcfg_derive_ids(&d, 9, err, sizeof(err)), 0);
	ck_assert_str_eq(d.lus[0].serial, "mine");
	ck_assert_uint_eq(d.lus[0].naa_id, 5);
	ck_assert_str_eq(d.lus[1].serial, "mine2");
	ck_assert_uint_ne(d.lus[1].naa_id, 0);
	dcfg_free(&d);
}
END_TEST

Suite *suite_config_flags(void);
Suite *suite_config_flags(void)
{
	Suite *s = suite_create("config_flags");
	TCase *tc = tcase_create("flags");
	tcase_add_test(tc, flags_none_give_the_embedded_default);
	tcase_add_test(tc, flags_build_restricted_chap_target);
	tcase_add_loop_test(tc, flags_bad_are_refused_naming_the_flag, 0,
			    (int)(sizeof(bad_flags) / sizeof(bad_flags[0])));
	tcase_add_test(tc, derived_ids_follow_storage_not_process);
	tcase_add_test(tc, derived_ids_keep_configured_ones);
	suite_add_tcase(s, tc);
	return s;
}
