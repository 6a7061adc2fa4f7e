/* Tests of targetcli-fb's saveconfig.json as reftarget's configuration
 * (daemon/dcfg_lio.c): the realistic file in tests/data/lio/ is served as
 * it says, and every key the loader cannot honour, or a contradiction, is
 * refused with the file's own key path and line.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dcfg.h"

#define LIO_DATA "ref_target/tests/data/lio/"

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: run from the repository root", path);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

/* Load and validate; returns the message, "" if accepted. */
static const char *load(const char *text, struct dcfg *d)
{
	static char err[DCFG_ERR_MAX];
	memset(d, 0, sizeof(*d));
	err[0] = '\0';
	if (dcfg_load_lio(d, "saveconfig.json", text, strlen(text), err, sizeof(err)) != 0)
		return err;
	err[0] = '\0'; /* a message left behind by a load that succeeded is no refusal */
	if (dcfg_derive_ids(d, 42, err, sizeof(err)) != 0)
		return err;
	/* a block device's size is known when it is opened: as if 64 MiB */
	for (uint32_t i = 0; i < d->cfg.lu_count; i++)
		if (d->lus[i].blocks == 0 && d->lus[i].block_size != 0)
			d->lus[i].blocks = (64u << 20) / d->lus[i].block_size;
	dcfg_validate(d, err, sizeof(err));
	return err;
}

START_TEST(lio_targetcli_file_is_served_as_it_says)
{
	char *text = read_text(LIO_DATA "saveconfig.json");
	struct dcfg d;
	ck_assert_str_eq(load(text, &d), "");
	const struct rt_config *c = &d.cfg;
	ck_assert_uint_eq(c->lu_count, 3);
	ck_assert_str_eq(c->lus[0].name, "fileio/disk0");
	ck_assert_str_eq(d.stores[0].backstore, "file");
	ck_assert_str_eq(d.stores[0].path, "/var/lib/iscsi-disks/disk0.img");
	ck_assert_uint_eq(c->lus[0].blocks, 67108864 / 512);
	ck_assert(c->lus[0].flags & RT_LU_WCE); /* write_back */
	ck_assert_str_eq(c->lus[0].serial, "8d0c5b0e-7d2a-4d0b-9a36-2f5f6c1f0a11");
	ck_assert_str_eq(d.stores[1].backstore, "block");
	ck_assert(!(c->lus[1].flags & RT_LU_WCE));
	ck_assert_str_eq(d.stores[2].backstore, "ram");
	ck_assert_uint_eq(c->lus[2].blocks, 33554432 / 512);
	ck_assert_uint_eq(c->lus[0].alua_modes, RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT);

	ck_assert_uint_eq(c->portal_count, 2);
	ck_assert_str_eq(c->portals[0].address, "127.0.0.1");
	ck_assert_str_eq(c->portals[1].address, "[::1]");
	ck_assert_uint_eq(c->portals[1].port, 3260);

	ck_assert_uint_eq(c->target_count, 1);
	const struct rt_target_cfg *t = &c->targets[0];
	ck_assert_str_eq(t->name, "iqn.2003-01.org.linux-iscsi.gw.x8664:sn.5bcd2ef1a0b3");
	ck_assert_str_eq(t->alias, "LIO Target");
	ck_assert_uint_eq(t->tpg_count, 1);
	const struct rt_tpg_cfg *g = &t->tpgs[0];
	ck_assert_uint_eq(g->tag, 1);
	ck_assert_uint_eq(g->portal_count, 2);
	ck_assert(!g->open_access);
	ck_assert_uint_eq(g->acl_count, 2);
	const struct rt_acl_cfg *a0 = &g->acls[0], *a1 = &g->acls[1];
	ck_assert_str_eq(a0->initiator, "iqn.1994-05.com.redhat:client1");
	ck_assert_str_eq(a0->auth.in.user, "iqn.1994-05.com.redhat:client1");
	ck_assert_str_eq(a0->auth.in.secret, "initiatorsecret1");
	ck_assert_ptr_null(a0->auth.out.user);
	ck_assert_uint_eq(a0->lun_count, 2);
	ck_assert_uint_eq(a0->luns[1].lun, 1);
	ck_assert_uint_eq(a0->luns[1].lu, 2); /* tpg_lun 2 is the ramdisk */
	ck_assert(a0->luns[1].read_only);
	ck_assert(!a0->luns[0].read_only);
	ck_assert_str_eq(a1->auth.in.user, "client2");
	ck_assert_str_eq(a1->auth.out.secret, "targetsecret22");
	ck_assert_uint_eq(a1->luns[1].lu, 1);

	ck_assert_str_eq(c->discovery_auth.in.user, "discuser");
	ck_assert_str_eq(c->discovery_auth.out.user, "disctarget");
	const struct rt_params_cfg *p = &c->params;
	ck_assert_uint_eq(p->max_recv_data_segment_length, 8192);
	ck_assert_uint_eq(p->first_burst_length, 65536);
	ck_assert(p->initial_r2t && p->immediate_data && p->header_digest && p->data_digest);
	ck_assert_uint_eq(p->default_time2retain, 20);
	ck_assert_uint_eq(p->cmd_window, 64);
	ck_assert_uint_eq(p->login_timeout_ms, 15000);
	ck_assert_uint_eq(p->nop_in_interval_ms, 15000);
	ck_assert_uint_eq(p->nop_in_timeout_ms, 30000);
	dcfg_free(&d);
	free(text);
}
END_TEST

/* The file the real targetcli-fb 2.1.53 (rtslib-fb 2.1.75) wrote on Linux
 * 6.1 in conformance/lio-config-diff.sh's guest, from
 * conformance/guest/targetcli-session.txt: a target's own "parameters",
 * IFMarkInt "Reject", demo_mode_discovery 1; and the maps that serve it here. */
START_TEST(lio_real_targetcli_file_with_maps)
{
	char *text = read_text(LIO_DATA "targetcli-fb.json");
	struct dcfg d;
	ck_assert_str_eq(load(text, &d), "");
	const struct rt_config *c = &d.cfg;
	ck_assert_uint_eq(c->target_count, 2);
	ck_assert_uint_eq(c->portal_count, 3);
	ck_assert_str_eq(c->portals[0].address, "10.0.2.15");
	for (uint32_t t = 0; t < 2; t++) {
		const struct rt_tpg_cfg *g = &c->targets[t].tpgs[0];
		ck_assert(g->discovery_open); /* LIO's default demo_mode_discovery=1 */
		if (strcmp(c->targets[t].name, "iqn.2003-01.org.conformance:lio-config") == 0) {
			ck_assert(!g->open_access);
			ck_assert_uint_eq(g->acl_count, 3);
			ck_assert_uint_eq(g->portal_count, 2);
			for (uint32_t a = 0; a < g->acl_count; a++) /* write_protect=1 on I2's only LUN */
				ck_assert(g->acls[a].luns[0].read_only ==
					  (strcmp(g->acls[a].initiator,
						  "iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2") == 0));
		} else {
			ck_assert(g->open_access);
		}
	}
	ck_assert_uint_eq(c->params.max_recv_data_segment_length, 65536);
	dcfg_free(&d);

	static const struct dcfg_lio_remap maps = {
		.portals = { { "10.0.2.15:3260", "127.0.0.1:4000" }, { "10.0.2.15:3261", "[::1]:4001" } },
		.portal_count = 2,
		.devs = { { "/dev/ram0", "/tmp/ram0.img" } },
		.dev_count = 1,
	};
	static char err[DCFG_ERR_MAX];
	memset(&d, 0, sizeof(d));
	d.lio_remap = &maps;
	ck_assert_int_eq(dcfg_load_lio(&d, "t.json", text, strlen(text), err, sizeof(err)), 0);
	uint32_t seen = 0;
	for (uint32_t i = 0; i < d.cfg.portal_count; i++) {
		const struct rt_portal_cfg *p = &d.cfg.portals[i];
		seen |= strcmp(p->address, "127.0.0.1") == 0 && p->port == 4000 ? 1u : 0u;
		seen |= strcmp(p->address, "[::1]") == 0 && p->port == 4001 ? 2u : 0u;
		seen |= strcmp(p->address, "10.0.2.15") == 0 && p->port == 3262 ? 4u : 0u;
	}
	ck_assert_uint_eq(seen, 7);
	for (uint32_t i = 0; i < d.cfg.lu_count; i++) {
		if (strcmp(d.cfg.lus[i].name, "block/ram0") == 0) {
			ck_assert_str_eq(d.stores[i].backstore, "file");
			ck_assert_str_eq(d.stores[i].path, "/tmp/ram0.img");
		}
	}
	dcfg_free(&d);

	static const struct dcfg_lio_remap stray = { .devs = { { "/dev/sdz", "/tmp/x" } }, .dev_count = 1 };
	memset(&d, 0, sizeof(d));
	d.lio_remap = &stray;
	ck_assert_int_ne(dcfg_load_lio(&d, "t.json", text, strlen(text), err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "--lio-dev /dev/sdz: no fileio or block storage object"));
	dcfg_free(&d);
	free(text);
}
END_TEST

/* One change to the good file (a '/'-separated path; value NULL deletes)
 * and the start of the error it must give (after "saveconfig.json:LINE: "). */
static const struct lio_case {
	const char *where;
	const char *value;
	const char *want;
} lio_cases[] = {
	{ "storage_objects/2/plugin", "\"user:rbd\"", "storage_objects[2].plugin: not supported: 'user:rbd' is a TCMU" },
	{ "storage_objects/1/plugin", "\"pscsi\"", "storage_objects[1].plugin: not supported: pscsi" },
	{ "storage_objects/2/nullio", "true", "storage_objects[2].nullio: not supported" },
	{ "storage_objects/0/attributes/pi_prot_type", "1", "storage_objects[0].attributes.pi_prot_type: not supported: only 0" },
	{ "storage_objects/0/attributes/block_size", "520", "storage_objects[0].size: 67108864 bytes is not a multiple of block_size 520" },
	{ "storage_objects/0/attributes/emulate_mystery", "1", "storage_objects[0].attributes.emulate_mystery: not supported" },
	{ "storage_objects/0/size", "\"64M\"", "storage_objects[0].size: must be an integer" },
	{ "storage_objects/0/dev", NULL, "storage_objects[0]: missing required key 'dev'" },
	{ "storage_objects/0/alua_tpgs/0/alua_access_state", "4", "storage_objects[0].alua_tpgs[0].alua_access_state: not supported" },
	{ "targets/0/fabric", "\"loopback\"", "targets[0].fabric: not supported: fabric 'loopback'" },
	{ "targets/0/wwn", "\"not-an-iqn\"", "targets[0].wwn: " },
	{ "targets/0/tpgs/0/attributes/fabric_prot_type", "1", "targets[0].tpgs[0].attributes.fabric_prot_type: not supported" },
	{ "targets/0/tpgs/0/attributes/default_erl", "2", "targets[0].tpgs[0].attributes.default_erl: not supported" },
	{ "targets/0/tpgs/0/attributes/authentication", "0", "targets[0].tpgs[0].node_acls[0]: not supported: credentials with authentication 0" },
	{ "targets/0/tpgs/0/parameters/AuthMethod", "\"None\"", "targets[0].tpgs[0].parameters.AuthMethod: not supported: contradicts" },
	{ "targets/0/tpgs/0/parameters/HeaderDigest", "\"CRC32C\"", "targets[0].tpgs[0].parameters.HeaderDigest: not supported: reftarget cannot require" },
	{ "targets/0/tpgs/0/parameters/InitialR2T", "\"Maybe\"", "targets[0].tpgs[0].parameters.InitialR2T: must be \"Yes\" or \"No\"" },
	{ "targets/0/tpgs/0/parameters/MaxRecvDataSegmentLength", "\"100\"", "targets[0].tpgs[0].parameters.MaxRecvDataSegmentLength: " },
	{ "targets/0/tpgs/0/parameters/MaxRecvDataSegmentLength", "8192", "targets[0].tpgs[0].parameters.MaxRecvDataSegmentLength: must be a string" },
	{ "targets/0/tpgs/0/parameters/OFMarker", "\"Yes\"", "targets[0].tpgs[0].parameters.OFMarker: not supported" },
	{ "targets/0/tpgs/0/portals/0/iser", "true", "targets[0].tpgs[0].portals[0].iser: not supported" },
	{ "targets/0/tpgs/0/luns/2/storage_object", "\"/backstores/ramdisk/nope\"", "targets[0].tpgs[0].luns[2].storage_object: no storage object" },
	{ "targets/0/tpgs/0/luns/0/alua_tg_pt_gp_name", "\"ao\"", "targets[0].tpgs[0].luns[0].alua_tg_pt_gp_name: no ALUA group 'ao'" },
	{ "targets/0/tpgs/0/luns/1/index", "0", "targets[0].tpgs[0].luns[1].index: LUN 0 is already luns[0]" },
	{ "targets/0/tpgs/0/node_acls/0/mapped_luns/1/tpg_lun", "7", "targets[0].tpgs[0].node_acls[0].mapped_luns[1].tpg_lun: no LUN 7" },
	{ "targets/0/tpgs/0/node_acls/1/mapped_luns/1/index", "0", "targets[0].tpgs[0].node_acls[1].mapped_luns[1].index: " },
	{ "targets/0/tpgs/0/node_acls/0/chap_password", "\"short\"", "targets[0].tpgs[0].node_acls[0].chap_password: " },
	{ "targets/0/tpgs/0/node_acls/0/chap_password", NULL, "targets[0].tpgs[0].node_acls[0].chap_password: missing" },
	{ "targets/0/tpgs/0/node_acls/1/chap_userid", NULL, "targets[0].tpgs[0].node_acls[1].chap_userid: missing" },
	{ "targets/0/tpgs/0/node_acls/0/attributes/nopin_timeout", "5", "targets[0].tpgs[0].node_acls[1].attributes: not supported: nopin_timeout" },
	{ "targets/0/tpgs/0/node_acls/0/attributes/random_r2t_offsets", "1", "targets[0].tpgs[0].node_acls[0].attributes.random_r2t_offsets: not supported" },
	{ "targets/0/tpgs/0/node_acls/1/node_wwn", "\"iqn.1994-05.com.redhat:client1\"", "targets[0].tpgs[0].node_acls[1]" },
	{ "targets/0/tpgs/0/enable", "false", "(top level): no target with an enabled iSCSI TPG" },
	{ "targets/0/tpgs/0/frobnicate", "1", "targets[0].tpgs[0].frobnicate: not supported" },
	{ "fabric_modules/0/discovery_password", NULL, "fabric_modules[0].discovery_password: missing" },
	{ "fabric_modules/0/discovery_enable_auth", "false", "fabric_modules[0]: not supported: discovery credentials" },
	{ "fabric_modules/0/name", "\"tcm_fc\"", "fabric_modules[0].name: not supported: fabric 'tcm_fc'" },
	{ "fabric_modules/0/discovery_password", "\"tiny\"", "fabric_modules[0].discovery_password: " },
	{ "version", "2", "version: not supported" },
};

/* Walk where ("a/0/b") to the parent and apply the change. */
static void apply(json_t *root, const char *where, const char *value)
{
	char path[256];
	snprintf(path, sizeof(path), "%s", where);
	json_t *node = root;
	char *save = NULL, *part = strtok_r(path, "/", &save);
	for (char *next; (next = strtok_r(NULL, "/", &save)) != NULL; part = next)
		node = json_is_array(node) ? json_array_get(node, strtoul(part, NULL, 10)) : json_object_get(node, part);
	ck_assert_ptr_nonnull(node);
	if (value == NULL) {
		ck_assert_int_eq(json_object_del(node, part), 0);
		return;
	}
	json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);
	ck_assert_ptr_nonnull(v);
	json_object_set_new(node, part, v);
}

START_TEST(lio_bad_file_is_refused_with_its_key_path)
{
	const struct lio_case *c = &lio_cases[_i];
	char *text = read_text(LIO_DATA "saveconfig.json");
	json_t *root = json_loads(text, 0, NULL);
	apply(root, c->where, c->value);
	char *bad = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	struct dcfg d;
	const char *err = load(bad, &d);
	const char *after = strstr(err, ": ");
	ck_assert_msg(strncmp(err, "saveconfig.json:", 16) == 0 && after != NULL, "[%s] %s", c->where, err);
	ck_assert_msg(strncmp(after + 2, c->want, strlen(c->want)) == 0, "[%s] want '%s', got '%s'", c->where,
		      c->want, err);
	dcfg_free(&d);
	free(bad);
	json_decref(root);
	free(text);
}
END_TEST

/* The stored malformed files, each with the start of its error. */
static const struct {
	const char *file;
	const char *want;
} lio_files[] = {
	{ "tcmu_rbd.json", "saveconfig.json:8: storage_objects[0].plugin: not supported: 'user:rbd'" },
	{ "auth_without_chap.json", "saveconfig.json:94: targets[0].tpgs[0].node_acls[0]: authentication is 1 but this ACL" },
	{ "two_tpgs_disagree.json", "saveconfig.json:" },
	{ "not_json.json", "saveconfig.json:3: " },
};

START_TEST(lio_stored_bad_files_are_refused)
{
	char path[256];
	snprintf(path, sizeof(path), LIO_DATA "%s", lio_files[_i].file);
	char *text = read_text(path);
	struct dcfg d;
	const char *err = load(text, &d);
	ck_assert_msg(strncmp(err, lio_files[_i].want, strlen(lio_files[_i].want)) == 0, "%s: got '%s'",
		      lio_files[_i].file, err);
	dcfg_free(&d);
	free(text);
}
END_TEST

START_TEST(lio_open_access_tpg_maps_its_luns_with_demo_write_protect)
{
	char *text = read_text(LIO_DATA "saveconfig.json");
	json_t *root = json_loads(text, 0, NULL);
	json_t *tpg = json_array_get(json_object_get(json_array_get(json_object_get(root, "targets"), 0), "tpgs"), 0);
	json_object_set_new(json_object_get(tpg, "attributes"), "generate_node_acls", json_integer(1));
	json_object_set_new(tpg, "chap_userid", json_string("demo"));
	json_object_set_new(tpg, "chap_password", json_string("demosecret12"));
	char *t2 = json_dumps(root, JSON_INDENT(2));
	struct dcfg d;
	ck_assert_str_eq(load(t2, &d), "");
	const struct rt_tpg_cfg *g = &d.cfg.targets[0].tpgs[0];
	ck_assert(g->open_access);
	ck_assert_uint_eq(g->lun_count, 3);
	ck_assert(g->luns[0].read_only); /* demo_mode_write_protect = 1 */
	ck_assert_str_eq(g->auth.in.user, "demo");
	dcfg_free(&d);
	free(t2);
	json_decref(root);
	free(text);
}
END_TEST

Suite *suite_config_lio(void);
Suite *suite_config_lio(void)
{
	Suite *s = suite_create("config_lio");
	TCase *tc = tcase_create("lio");
	tcase_add_test(tc, lio_targetcli_file_is_served_as_it_says);
	tcase_add_test(tc, lio_real_targetcli_file_with_maps);
	tcase_add_loop_test(tc, lio_bad_file_is_refused_with_its_key_path, 0,
			    (int)(sizeof(lio_cases) / sizeof(lio_cases[0])));
	tcase_add_loop_test(tc, lio_stored_bad_files_are_refused, 0,
			    (int)(sizeof(lio_files) / sizeof(lio_files[0])));
	tcase_add_test(tc, lio_open_access_tpg_maps_its_luns_with_demo_write_protect);
	suite_add_tcase(s, tc);
	return s;
}
