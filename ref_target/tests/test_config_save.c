/* Our own saveconfig (daemon/dcfg_save.c, dcfg_to_json): every field of a
 * loaded configuration is written in dcfg_json.c's format, and reads back
 * to a configuration that saves to the same text (test_ctl.c does this for
 * a small one; this one has every optional key set, and what a hand-built
 * rt_config may hold that no file gives).
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dcfg.h"
#include "daemon/dcfg_save.h"

static const char rich[] =
	"{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3261}, {\"address\": \"[::1]\"}],\n"
	" \"lus\": [\n"
	"  {\"name\": \"r\", \"size\": \"1M\", \"flags\": [\"thin\", \"lbprz\", \"wce\", \"atomic\"],\n"
	"   \"serial\": \"s-r\", \"naa_id\": \"0xabc\", \"vendor\": \"ACME\", \"product\": \"DISK\", \"revision\": \"R2\",\n"
	"   \"lbppbe\": 3, \"media_mbps\": 40, \"alua_modes\": [\"implicit\"],\n"
	"   \"alua\": [{\"tpg\": 1, \"state\": \"active_nonoptimized\", \"preferred\": true},\n"
	"            {\"tpg\": 2, \"state\": \"standby\"}, {\"tpg\": 3, \"state\": \"unavailable\"},\n"
	"            {\"tpg\": 4, \"state\": \"transitioning\", \"relative_port\": 9}, {\"tpg\": 5}]},\n"
	"  {\"name\": \"f\", \"backstore\": \"file\", \"path\": \"/srv/f.img\", \"size\": \"2M\", \"block_size\": 4096,\n"
	"   \"flags\": [\"removable\", \"read_only\", \"sanitize\"], \"alua_modes\": [\"explicit\"]}],\n"
	" \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\", \"alias\": \"A\", \"tpgs\": [\n"
	"  {\"tag\": 1, \"relative_port\": 7, \"portals\": [0, 1], \"open_access\": true, \"target_reset\": true, \"discovery_open\": true,\n"
	"   \"auth\": {\"chap\": {\"user\": \"u\", \"secret\": \"0123456789ab\"},\n"
	"            \"mutual_chap\": {\"user\": \"t\", \"secret\": \"ba9876543210\"}},\n"
	"   \"luns\": [{\"lun\": 0, \"lu\": \"r\"}, {\"lun\": 7, \"lu\": \"f\", \"read_only\": true}],\n"
	"   \"acls\": [{\"initiator\": \"iqn.1993-08.org.debian:01:x\", \"luns\": [{\"lun\": 3, \"lu\": \"f\"}],\n"
	"             \"auth\": {\"chap\": {\"user\": \"x\", \"secret\": \"x-secret-0001\"}}, \"target_reset\": true}]},\n"
	"  {\"tag\": 2, \"portals\": [], \"redirect\": \"temporary\", \"redirect_address\": \"10.0.0.2:3260,1\"},\n"
	"  {\"tag\": 3, \"portals\": [], \"redirect\": \"permanent\"}]},\n"
	"  {\"name\": \"iqn.2026-11.org.sim:b\", \"tpgs\": [{\"portals\": [0], \"open_access\": true}]}],\n"
	" \"discovery_auth\": {\"chap\": {\"user\": \"d\", \"secret\": \"discovery-secret\"}},\n"
	" \"params\": {\"cmd_window\": 16, \"header_digest\": true, \"mem_budget_bytes\": \"64M\"}\n"
	"}\n";

static json_t *saved(const char *text, struct dcfg *d)
{
	char err[DCFG_ERR_MAX];
	memset(d, 0, sizeof(*d));
	ck_assert_msg(dcfg_load_json(d, "c.json", text, strlen(text), err, sizeof(err)) == 0, "%s", err);
	json_t *j = dcfg_to_json(d);
	ck_assert_ptr_nonnull(j);
	return j;
}

static const char *str_at(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

START_TEST(save_writes_every_key_and_reads_back_to_the_same_text)
{
	struct dcfg d1, d2;
	json_t *j1 = saved(rich, &d1);
	char *t1 = json_dumps(j1, JSON_SORT_KEYS | JSON_INDENT(1));
	json_t *j2 = saved(t1, &d2);
	char *t2 = json_dumps(j2, JSON_SORT_KEYS | JSON_INDENT(1));
	ck_assert_str_eq(t1, t2);

	json_t *r = json_array_get(json_object_get(j1, "lus"), 0), *f = json_array_get(json_object_get(j1, "lus"), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "size")), 1 << 20);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "naa_id")), 0xabc);
	ck_assert_str_eq(str_at(r, "vendor"), "ACME");
	ck_assert_str_eq(str_at(r, "product"), "DISK");
	ck_assert_str_eq(str_at(r, "revision"), "R2");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "media_mbps")), 40);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "lbppbe")), 3);
	json_t *alua = json_object_get(r, "alua");
	static const char *const states[] = { "active_nonoptimized", "standby", "unavailable", "transitioning",
					      "active_optimized" };
	for (size_t k = 0; k < 5; k++)
		ck_assert_str_eq(str_at(json_array_get(alua, k), "state"), states[k]);
	ck_assert(json_is_true(json_object_get(json_array_get(alua, 0), "preferred")));
	/* the target port of another gateway's group, which REPORT TARGET
	 * PORT GROUPS lists: written where given, left out where not */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(alua, 3), "relative_port")), 9);
	ck_assert_ptr_null(json_object_get(json_array_get(alua, 4), "relative_port"));
	ck_assert_uint_eq(d2.cfg.lus[0].alua[3].rel_port, 9);
	ck_assert_uint_eq(json_array_size(json_object_get(r, "flags")), 4);
	ck_assert_str_eq(str_at(f, "path"), "/srv/f.img");
	ck_assert_uint_eq(json_array_size(json_object_get(f, "flags")), 3);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "alua_modes"), 0)), "explicit");

	json_t *t = json_array_get(json_object_get(j1, "targets"), 0);
	ck_assert_str_eq(str_at(t, "alias"), "A");
	json_t *g = json_array_get(json_object_get(t, "tpgs"), 0);
	ck_assert(json_is_true(json_object_get(g, "target_reset")));
	ck_assert(json_is_true(json_object_get(g, "discovery_open")));
	ck_assert_int_eq(json_integer_value(json_object_get(g, "relative_port")), 7);
	ck_assert_str_eq(str_at(json_object_get(json_object_get(g, "auth"), "mutual_chap"), "secret"), "ba9876543210");
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(g, "luns"), 1), "read_only")));
	json_t *acl = json_array_get(json_object_get(g, "acls"), 0);
	ck_assert(json_is_true(json_object_get(acl, "target_reset")));
	ck_assert_str_eq(str_at(json_object_get(json_object_get(acl, "auth"), "chap"), "user"), "x");
	ck_assert_ptr_null(json_object_get(json_object_get(acl, "auth"), "mutual_chap"));
	json_t *g2 = json_array_get(json_object_get(t, "tpgs"), 1), *g3 = json_array_get(json_object_get(t, "tpgs"), 2);
	ck_assert_str_eq(str_at(g2, "redirect"), "temporary");
	ck_assert_str_eq(str_at(g2, "redirect_address"), "10.0.0.2:3260,1");
	ck_assert_str_eq(str_at(g3, "redirect"), "permanent");
	ck_assert_ptr_null(json_object_get(g3, "redirect_address"));
	ck_assert_ptr_null(json_object_get(g2, "relative_port")); /* the default, its place in the list */
	ck_assert_uint_eq(d2.cfg.targets[0].tpgs[0].rel_port, 7);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(t, "tpgs"), 0), "redirect"));
	json_t *tb = json_array_get(json_object_get(j1, "targets"), 1);
	ck_assert_ptr_null(json_object_get(tb, "alias"));
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(tb, "tpgs"), 0), "auth"));
	ck_assert_str_eq(str_at(json_object_get(json_object_get(j1, "discovery_auth"), "chap"), "user"), "d");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j1, "params"), "mem_budget_bytes")), 64 << 20);
	free(t1), free(t2);
	json_decref(j1), json_decref(j2);
	dcfg_free(&d1), dcfg_free(&d2);
}
END_TEST

/* What only a hand-built rt_config holds: a mutual credential alone, a
 * credential without a secret, an ALUA state outside the enum (written as
 * the default state, active/optimized). */
START_TEST(save_writes_hand_built_configs_without_losing_their_shape)
{
	struct rt_portal_cfg portal = { .address = "127.0.0.1", .port = 3260 };
	struct rt_alua_cfg alua = { .tpg_tag = 1, .state = (enum rt_alua_state)99 };
	struct rt_lu_cfg lu = { .name = "d", .blocks = 8, .block_size = 512, .alua = &alua, .alua_count = 1 };
	struct dcfg_lu store = { .backstore = "ram" };
	uint32_t portal_index = 0;
	struct rt_tpg_cfg tpg = { .tag = 1, .portals = &portal_index, .portal_count = 1, .open_access = true };
	tpg.auth.out.user = "t";
	struct rt_target_cfg target = { .name = "iqn.2026-11.org.sim:h", .tpgs = &tpg, .tpg_count = 1 };
	struct dcfg d = { 0 };
	d.cfg.portals = &portal;
	d.cfg.portal_count = 1;
	d.cfg.lus = &lu;
	d.cfg.lu_count = 1;
	d.stores = &store;
	d.cfg.targets = &target;
	d.cfg.target_count = 1;
	cfg_params_default(&d.cfg.params);
	json_t *j = dcfg_to_json(&d);
	ck_assert_ptr_nonnull(j);
	json_t *lu_j = json_array_get(json_object_get(j, "lus"), 0);
	ck_assert_str_eq(str_at(json_array_get(json_object_get(lu_j, "alua"), 0), "state"), "active_optimized");
	ck_assert_uint_eq(json_array_size(json_object_get(lu_j, "alua_modes")), 0);
	ck_assert_ptr_null(json_object_get(lu_j, "serial"));
	ck_assert_ptr_null(json_object_get(lu_j, "path"));
	json_t *auth = json_object_get(json_array_get(json_object_get(json_array_get(json_object_get(j, "targets"), 0),
								      "tpgs"), 0), "auth");
	ck_assert_ptr_null(json_object_get(auth, "chap"));
	ck_assert_str_eq(str_at(json_object_get(auth, "mutual_chap"), "user"), "t");
	ck_assert_str_eq(str_at(json_object_get(auth, "mutual_chap"), "secret"), "");
	json_decref(j);
}
END_TEST

/* An rbd LU (issue 18): every key of "rbd" survives save and load, and
 * the saved LU has no "path" (the loader derives "pool/image" and refuses
 * one given). The loader never opens the image: no Ceph needed. */
static const char rbd_rich[] =
	"{\"portals\": [{\"address\": \"127.0.0.1\"}],\n"
	" \"lus\": [{\"name\": \"g\", \"backstore\": \"rbd\", \"size\": \"1M\",\n"
	"   \"rbd\": {\"pool\": \"p1\", \"image\": \"img\", \"conf\": \"/etc/ceph/c.conf\", \"client\": \"gw\",\n"
	"           \"keyring\": \"/etc/ceph/k.keyring\", \"lock\": \"explicit\", \"op_timeout_s\": 7,\n"
	"           \"pr_shared\": true, \"alua_group\": 2}},\n"
	"  {\"name\": \"a\", \"backstore\": \"rbd\", \"rbd\": {\"pool\": \"p2\", \"image\": \"i2\", \"lock\": \"auto\",\n"
	"           \"blocklist_on_break\": false}},\n"
	"  {\"name\": \"d\", \"backstore\": \"rbd\", \"rbd\": {\"pool\": \"p3\", \"image\": \"i3\", \"op_timeout_s\": 30}}],\n"
	" \"targets\": [{\"name\": \"iqn.2026-11.org.sim:r\", \"tpgs\": [\n"
	"  {\"tag\": 2, \"portals\": [0], \"open_access\": true,\n"
	"   \"luns\": [{\"lun\": 0, \"lu\": \"g\"}, {\"lun\": 1, \"lu\": \"a\"}, {\"lun\": 2, \"lu\": \"d\"}]}]}]\n"
	"}\n";

static void rbd_params_eq(const struct bs_rbd_params *a, const struct bs_rbd_params *b)
{
#define STR_EQ(f) ck_assert_msg((a->f == NULL) == (b->f == NULL) && (a->f == NULL || strcmp(a->f, b->f) == 0), #f)
	STR_EQ(pool);
	STR_EQ(image);
	STR_EQ(conf);
	STR_EQ(client);
	STR_EQ(keyring);
#undef STR_EQ
	ck_assert_int_eq(a->lock_auto, b->lock_auto);
	ck_assert_uint_eq(a->op_timeout_s, b->op_timeout_s);
	ck_assert_int_eq(a->pr_shared, b->pr_shared);
	ck_assert_uint_eq(a->alua_group, b->alua_group);
	ck_assert_int_eq(a->break_unfenced, b->break_unfenced);
}

START_TEST(save_writes_every_rbd_key_and_reads_back_to_the_same_lu)
{
	struct dcfg d1, d2;
	json_t *j1 = saved(rbd_rich, &d1);
	char *t1 = json_dumps(j1, JSON_SORT_KEYS | JSON_INDENT(1));
	json_t *j2 = saved(t1, &d2);
	char *t2 = json_dumps(j2, JSON_SORT_KEYS | JSON_INDENT(1));
	ck_assert_str_eq(t1, t2);
	ck_assert_uint_eq(d1.cfg.lu_count, 3);
	ck_assert_uint_eq(d2.cfg.lu_count, 3);
	for (uint32_t i = 0; i < 3; i++) {
		rbd_params_eq(&d1.stores[i].rbd, &d2.stores[i].rbd);
		ck_assert_str_eq(d1.stores[i].path, d2.stores[i].path);
		ck_assert_uint_eq(d1.lus[i].flags, d2.lus[i].flags);
	}
	ck_assert_str_eq(d2.stores[0].path, "p1/img");
	ck_assert(d2.lus[0].flags & RT_LU_PR_SHARED);
	ck_assert(d2.lus[0].flags & RT_LU_ALUA_SHARED);

	json_t *lus = json_object_get(j1, "lus");
	json_t *g = json_array_get(lus, 0), *a = json_array_get(lus, 1), *d = json_array_get(lus, 2);
	json_t *r = json_object_get(g, "rbd");
	ck_assert_ptr_null(json_object_get(g, "path"));
	ck_assert_str_eq(str_at(r, "pool"), "p1");
	ck_assert_str_eq(str_at(r, "image"), "img");
	ck_assert_str_eq(str_at(r, "conf"), "/etc/ceph/c.conf");
	ck_assert_str_eq(str_at(r, "client"), "gw");
	ck_assert_str_eq(str_at(r, "keyring"), "/etc/ceph/k.keyring");
	ck_assert_ptr_null(json_object_get(r, "lock")); /* "explicit" is the default */
	ck_assert_int_eq(json_integer_value(json_object_get(r, "op_timeout_s")), 7);
	ck_assert(json_is_true(json_object_get(r, "pr_shared")));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "alua_group")), 2);
	/* the derived flags stay derived: no word for them in "flags" */
	ck_assert_uint_eq(json_array_size(json_object_get(g, "flags")), 0);
	ck_assert_str_eq(str_at(json_object_get(a, "rbd"), "lock"), "auto");
	ck_assert(json_is_false(json_object_get(json_object_get(a, "rbd"), "blocklist_on_break")));
	ck_assert_ptr_null(json_object_get(r, "blocklist_on_break")); /* true is the default */
	/* defaults left out, as every other optional key */
	json_t *rd = json_object_get(d, "rbd");
	ck_assert_uint_eq(json_object_size(rd), 2);
	ck_assert_str_eq(str_at(rd, "pool"), "p3");
	ck_assert_str_eq(str_at(rd, "image"), "i3");
	ck_assert_ptr_null(json_object_get(d, "path"));
	free(t1), free(t2);
	json_decref(j1), json_decref(j2);
	dcfg_free(&d1), dcfg_free(&d2);
}
END_TEST

Suite *suite_config_save(void);
Suite *suite_config_save(void)
{
	Suite *s = suite_create("config_save");
	TCase *tc = tcase_create("save");
	tcase_add_test(tc, save_writes_every_key_and_reads_back_to_the_same_text);
	tcase_add_test(tc, save_writes_hand_built_configs_without_losing_their_shape);
	tcase_add_test(tc, save_writes_every_rbd_key_and_reads_back_to_the_same_lu);
	suite_add_tcase(s, tc);
	return s;
}
