/* `saveconfig format=lio` (daemon/dcfg_lio_save.c): our model written as
 * targetcli-fb's saveconfig.json. What LIO's file can say is written so
 * that dcfg_load_lio reads back the same targets, LUNs, ACLs, CHAP and
 * parameters; what it cannot say is refused with our key path and why,
 * never dropped (test_ctl.c has the first round trip; this file has every
 * refusal and the parts that round trip only in a richer model).
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dcfg.h"
#include "daemon/dcfg_save.h"

#define IQN_T "iqn.2026-12.org.iscsi-sim:t"
#define IQN_OPEN "iqn.2026-12.org.iscsi-sim:open"
#define INI_A "iqn.2026-12.org.iscsi-sim:a"
#define INI_B "iqn.2026-12.org.iscsi-sim:b"

/* Every kind of LU LIO has, an ACL-only group whose ACLs map LUs the group
 * has no LUN for (one wanting a LUN number the group already uses), CHAP
 * in each direction, IPv6, and an open group with CHAP and read-only LUNs. */
static const char model_text[] =
	"{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}, {\"address\": \"[::1]\", \"port\": 3261}],"
	" \"lus\": [{\"name\": \"d0\", \"size\": \"8M\"},"
	"   {\"name\": \"f0\", \"backstore\": \"file\", \"path\": \"/srv/f0.img\", \"size\": 8388608,"
	"    \"flags\": [\"wce\", \"thin\", \"lbprz\"], \"serial\": \"f0-serial\", \"block_size\": 4096},"
	"   {\"name\": \"block/b0\", \"backstore\": \"block\", \"path\": \"/dev/loop9\", \"flags\": [\"read_only\"],"
	"    \"alua\": [{\"tpg\": 1, \"state\": \"active_optimized\"}], \"alua_modes\": [\"implicit\", \"explicit\"]}],"
	" \"targets\": ["
	"  {\"name\": \"" IQN_T "\", \"alias\": \"T\", \"tpgs\": [{\"tag\": 1, \"portals\": [0, 1],"
	"   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}],"
	"   \"acls\": [{\"initiator\": \"" INI_A "\", \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}, {\"lun\": 1, \"lu\": \"f0\"}],"
	"              \"auth\": {\"chap\": {\"user\": \"a\", \"secret\": \"a-secret-0001\"}}},"
	"             {\"initiator\": \"" INI_B "\", \"luns\": [{\"lun\": 0, \"lu\": \"block/b0\", \"read_only\": true}],"
	"              \"auth\": {\"chap\": {\"user\": \"b\", \"secret\": \"b-secret-0001\"},"
	"                       \"mutual_chap\": {\"user\": \"t\", \"secret\": \"t-secret-0001\"}}}]}]},"
	"  {\"name\": \"" IQN_OPEN "\", \"tpgs\": [{\"tag\": 2, \"portals\": [0], \"open_access\": true,"
	"   \"discovery_open\": true, \"auth\": {\"chap\": {\"user\": \"o\", \"secret\": \"o-secret-0001\"}},"
	"   \"luns\": [{\"lun\": 0, \"lu\": \"d0\", \"read_only\": true}], \"redirect\": \"none\","
	"   \"acls\": [{\"initiator\": \"" INI_B "\", \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}],"
	"              \"auth\": {\"chap\": {\"user\": \"b\", \"secret\": \"b-secret-0001\"}}}]}]}],"
	" \"discovery_auth\": {\"chap\": {\"user\": \"disc\", \"secret\": \"disc-secret-01\"},"
	"                     \"mutual_chap\": {\"user\": \"dt\", \"secret\": \"dt-secret-001\"}},"
	" \"params\": {\"cmd_window\": 32, \"initial_r2t\": false, \"header_digest\": true,"
	"              \"login_timeout_ms\": 20000, \"nop_in_interval_ms\": 5000, \"nop_in_timeout_ms\": 10000}}";

static json_t *model(void)
{
	json_error_t je;
	json_t *m = json_loads(model_text, 0, &je);
	ck_assert_msg(m != NULL, "model: %s", je.text);
	return m;
}

/* Set (value JSON text) or delete (NULL) the member at "a/0/b". */
static void set(json_t *root, const char *where, const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "%s", where);
	json_t *node = root;
	char *save = NULL, *part = strtok_r(path, "/", &save);
	for (char *next; (next = strtok_r(NULL, "/", &save)) != NULL; part = next)
		node = json_is_array(node) ? json_array_get(node, strtoul(part, NULL, 10)) : json_object_get(node, part);
	ck_assert_msg(node != NULL, "%s: no parent", where);
	if (value == NULL) {
		ck_assert_int_eq(json_object_del(node, part), 0);
		return;
	}
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	ck_assert_msg(v != NULL, "%s: bad JSON", value);
	ck_assert_int_eq(json_object_set_new(node, part, v), 0);
}

START_TEST(lio_save_reads_back_as_the_same_configuration)
{
	json_t *m = model();
	char err[DCFG_ERR_MAX], lerr[DCFG_ERR_MAX];
	json_t *lio = ctl_lio_save(m, err, sizeof(err));
	ck_assert_msg(lio != NULL, "%s", err);
	/* what only the written file shows */
	json_t *sos = json_object_get(lio, "storage_objects");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sos, 0), "plugin")), "ramdisk");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(sos, 0), "size")), 8 << 20);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sos, 1), "dev")), "/srv/f0.img");
	ck_assert(json_is_true(json_object_get(json_array_get(sos, 1), "write_back")));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(sos, 2), "name")), "b0");
	ck_assert(json_is_true(json_object_get(json_array_get(sos, 2), "readonly")));
	json_t *tpg = json_array_get(json_object_get(json_array_get(json_object_get(lio, "targets"), 0), "tpgs"), 0);
	json_t *ports = json_object_get(tpg, "portals");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ports, 1), "ip_address")), "::1");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(tpg, "parameters"), "TargetAlias")), "T");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(tpg, "parameters"), "AuthMethod")), "CHAP");

	char *text = json_dumps(lio, JSON_INDENT(2));
	struct dcfg d = { 0 };
	ck_assert_msg(dcfg_load_lio(&d, "lio.json", text, strlen(text), lerr, sizeof(lerr)) == 0, "%s", lerr);
	const struct rt_config *c = &d.cfg;
	ck_assert_uint_eq(c->lu_count, 3);
	ck_assert_str_eq(c->lus[0].name, "ramdisk/d0");
	ck_assert_str_eq(c->lus[1].name, "fileio/f0");
	ck_assert_str_eq(c->lus[1].serial, "f0-serial");
	ck_assert_uint_eq(c->lus[1].block_size, 4096);
	ck_assert_uint_eq(c->lus[1].flags, RT_LU_WCE | RT_LU_THIN | RT_LU_LBPRZ);
	ck_assert_str_eq(d.stores[1].path, "/srv/f0.img");
	ck_assert_str_eq(c->lus[2].name, "block/b0");
	ck_assert_uint_eq(c->lus[2].flags, RT_LU_READ_ONLY);
	ck_assert_uint_eq(c->portal_count, 2);
	ck_assert_str_eq(c->portals[1].address, "[::1]");
	ck_assert_uint_eq(c->portals[1].port, 3261);

	ck_assert_uint_eq(c->target_count, 2);
	const struct rt_target_cfg *t = &c->targets[0];
	ck_assert_str_eq(t->alias, "T");
	const struct rt_tpg_cfg *g = &t->tpgs[0];
	ck_assert(!g->open_access);
	ck_assert_uint_eq(g->acl_count, 2);
	const struct rt_acl_cfg *a = &g->acls[0], *b = &g->acls[1];
	ck_assert_str_eq(a->auth.in.user, "a");
	ck_assert_ptr_null(a->auth.out.user);
	ck_assert_uint_eq(a->lun_count, 2);
	ck_assert_uint_eq(a->luns[1].lun, 1);
	ck_assert_uint_eq(a->luns[1].lu, 1);
	ck_assert_str_eq(b->auth.out.secret, "t-secret-0001");
	ck_assert_uint_eq(b->luns[0].lun, 0); /* its own number, through group LUN 2 */
	ck_assert_uint_eq(b->luns[0].lu, 2);
	ck_assert(b->luns[0].read_only);

	const struct rt_tpg_cfg *o = &c->targets[1].tpgs[0];
	ck_assert(o->open_access && o->discovery_open);
	ck_assert_str_eq(o->auth.in.user, "o");
	ck_assert_uint_eq(o->acl_count, 1);
	ck_assert_str_eq(o->acls[0].auth.in.user, "b");
	ck_assert(o->luns[0].read_only);
	ck_assert_str_eq(c->discovery_auth.in.user, "disc");
	ck_assert_str_eq(c->discovery_auth.out.user, "dt");
	ck_assert_uint_eq(c->params.cmd_window, 32);
	ck_assert(!c->params.initial_r2t);
	ck_assert(c->params.header_digest);
	ck_assert_uint_eq(c->params.login_timeout_ms, 20000);
	ck_assert_uint_eq(c->params.nop_in_interval_ms, 5000);
	ck_assert_uint_eq(c->params.nop_in_timeout_ms, 10000);
	dcfg_free(&d);
	free(text);
	json_decref(lio);
	json_decref(m);
}
END_TEST

/* A group with no LUN list or tag, a portal without a port, a file LU
 * without a size (the file's own), no params at all: still written, with
 * the defaults the loader gives them. */
START_TEST(lio_save_fills_in_what_the_model_leaves_out)
{
	json_t *m = model();
	set(m, "targets/0/tpgs/0/luns", NULL);
	set(m, "targets/0/tpgs/0/tag", NULL);
	set(m, "portals/0/port", NULL);
	set(m, "lus/1/size", NULL);
	set(m, "params", NULL);
	char err[DCFG_ERR_MAX];
	json_t *lio = ctl_lio_save(m, err, sizeof(err));
	ck_assert_msg(lio != NULL, "%s", err);
	json_t *so1 = json_array_get(json_object_get(lio, "storage_objects"), 1);
	ck_assert_ptr_null(json_object_get(so1, "size"));
	json_t *tpg = json_array_get(json_object_get(json_array_get(json_object_get(lio, "targets"), 0), "tpgs"), 0);
	json_t *luns = json_object_get(tpg, "luns");
	ck_assert_uint_eq(json_array_size(luns), 3); /* one per LU the ACLs map, numbered as they map them */
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(luns, 0), "index")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(luns, 1), "index")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(luns, 2), "index")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(tpg, "tag")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(tpg, "portals"), 0), "port")),
			 3260);
	struct rt_params_cfg def;
	cfg_params_default(&def);
	json_t *p = json_object_get(tpg, "parameters");
	ck_assert_str_eq(json_string_value(json_object_get(p, "InitialR2T")), def.initial_r2t ? "Yes" : "No");
	ck_assert_str_eq(json_string_value(json_object_get(p, "HeaderDigest")), def.header_digest ? "CRC32C,None" : "None");
	char buf[16];
	snprintf(buf, sizeof(buf), "%u", def.max_burst_length);
	ck_assert_str_eq(json_string_value(json_object_get(p, "MaxBurstLength")), buf);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(tpg, "attributes"), "default_cmdsn_depth")),
			 def.cmd_window);
	json_decref(lio);
	json_decref(m);
}
END_TEST

/* What LIO's file cannot say: one change to the model, and the start of
 * the refusal after "saveconfig format=lio: ". */
static const struct {
	const char *where;
	const char *value;
	const char *where2;
	const char *value2;
	const char *want;
} refusals[] = {
	{ "lus/0/name", NULL, NULL, NULL, "lus[0]: not a well-formed LU" },
	{ "lus/0/backstore", "\"rbd\"", NULL, NULL, "lus[0]: not a well-formed LU" },
	{ "lus/0/size", "\"huge\"", NULL, NULL, "lus[0]: not a well-formed LU" },
	{ "lus/0/size", "-5", NULL, NULL, "lus[0]: not a well-formed LU" },
	{ "lus/0/name", "\"a/b\"", NULL, NULL, "lus[0].name: 'a/b' holds a '/' (LIO names are one path part)" },
	{ "lus/0/flags", "[\"removable\"]", NULL, NULL, "lus[0].flags: 'removable' has no LIO attribute" },
	{ "lus/0/flags", "[\"atomic\"]", NULL, NULL, "lus[0].flags: 'atomic' has no LIO attribute" },
	{ "lus/1/flags", "[\"read_only\"]", NULL, NULL, "lus[1].flags: read_only exists in LIO for block objects only" },
	{ "lus/0/alua", "[{\"tpg\": 1, \"state\": \"standby\"}]", NULL, NULL,
	  "lus[0].alua[0]: only LIO's default ALUA group (active/optimized, not preferred) is written" },
	{ "lus/0/alua", "[{\"tpg\": 1, \"preferred\": true}]", NULL, NULL, "lus[0].alua[0]: only LIO's default ALUA group" },
	{ "lus/0/alua_modes", "[\"implicit\"]", NULL, NULL, "lus[0].alua_modes: only both (LIO's default alua_access_type 3)" },
	{ "targets/0/tpgs/0/redirect", "\"temporary\"", NULL, NULL, "targets[0].tpgs[0].redirect: LIO has no login redirection" },
	{ "targets/0/tpgs/0/target_reset", "true", NULL, NULL, "targets[0].tpgs[0].target_reset: not written" },
	{ "targets/0/tpgs/0/auth", "{\"chap\": {\"user\": \"g\", \"secret\": \"g-secret-0001\"}}", NULL, NULL,
	  "targets[0].tpgs[0].auth: credentials of a group without open access have no effect" },
	{ "targets/0/tpgs/0/acls/1/auth", NULL, NULL, NULL,
	  "targets[0].tpgs[0]: CHAP for some initiators only (LIO's authentication attribute is one for the whole group)" },
	{ "targets/1/tpgs/0/auth", NULL, "targets/1/tpgs/0/acls",
	  "[{\"initiator\": \"" INI_A "\", \"auth\": {\"chap\": {\"user\": \"a\", \"secret\": \"a-secret-0001\"}}}]",
	  "targets[1].tpgs[0]: CHAP for some initiators only" },
	{ "targets/0/tpgs/0/luns", "[{\"lun\": 0, \"lu\": \"zz\"}]", NULL, NULL, "targets[0].tpgs[0].luns[0].lu: no such LU" },
	{ "targets/1/tpgs/0/auth", NULL, "targets/1/tpgs/0/acls",
	  "[{\"initiator\": \"" INI_A "\", \"luns\": [{\"lun\": 0, \"lu\": \"f0\"}]}]",
	  "targets[1].tpgs[0].acls: an ACL maps an LU the group does not export" },
	{ "targets/1/tpgs/0/luns", "[{\"lun\": 0, \"lu\": \"d0\", \"read_only\": true}, {\"lun\": 1, \"lu\": \"f0\"}]", NULL,
	  NULL, "targets[1].tpgs[0].luns: read_only on some LUNs only" },
	{ "targets/1/tpgs/0/acls", "[]", NULL, NULL,
	  "targets[1].tpgs[0]: params.nop_in_interval_ms and nop_in_timeout_ms are not LIO's defaults (15 s, 30 s), "
	  "and LIO keeps them per node ACL: this group has none" },
	{ "targets/1/tpgs/0/acls", "[]", "params/nop_in_interval_ms", "15000",
	  "targets[1].tpgs[0]: params.nop_in_interval_ms and nop_in_timeout_ms are not LIO's defaults" },
	{ "params/login_timeout_ms", "1500", NULL, NULL,
	  "params.login_timeout_ms: 1500 ms is not a whole number of seconds (LIO keeps it in seconds)" },
	{ "params/nop_in_timeout_ms", "10001", NULL, NULL, "params.nop_in_timeout_ms: 10001 ms is not a whole number" },
	{ "params/max_sessions_per_source", "7", NULL, NULL,
	  "params.max_sessions_per_source: LIO has no key for it, and it is not reftarget's default" },
};

START_TEST(lio_save_refuses_what_lio_cannot_say)
{
	json_t *m = model();
	set(m, refusals[_i].where, refusals[_i].value);
	if (refusals[_i].where2)
		set(m, refusals[_i].where2, refusals[_i].value2);
	char err[DCFG_ERR_MAX] = "", want[DCFG_ERR_MAX];
	ck_assert_ptr_null(ctl_lio_save(m, err, sizeof(err)));
	snprintf(want, sizeof(want), "saveconfig format=lio: %s", refusals[_i].want);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "[%s] want '%s', got '%s'", refusals[_i].where, want, err);
	json_decref(m);
}
END_TEST

/* A message longer than the buffer is cut, never overrun; a buffer too
 * small for the prefix still ends in a NUL. */
START_TEST(lio_save_message_fits_any_buffer)
{
	json_t *m = model();
	set(m, "lus/0/flags", "[\"sanitize\"]");
	char small[16], tiny[8];
	memset(small, 'x', sizeof(small));
	ck_assert_ptr_null(ctl_lio_save(m, small, sizeof(small)));
	ck_assert_str_eq(small, "saveconfig form");
	ck_assert_ptr_null(ctl_lio_save(m, tiny, sizeof(tiny)));
	ck_assert_uint_eq(strlen(tiny), sizeof(tiny) - 1);
	json_decref(m);
}
END_TEST

Suite *suite_config_lio_save(void);
Suite *suite_config_lio_save(void)
{
	Suite *s = suite_create("config_lio_save");
	TCase *tc = tcase_create("lio_save");
	tcase_add_test(tc, lio_save_reads_back_as_the_same_configuration);
	tcase_add_test(tc, lio_save_fills_in_what_the_model_leaves_out);
	tcase_add_loop_test(tc, lio_save_refuses_what_lio_cannot_say, 0, (int)(sizeof(refusals) / sizeof(refusals[0])));
	tcase_add_test(tc, lio_save_message_fits_any_buffer);
	suite_add_tcase(s, tc);
	return s;
}
