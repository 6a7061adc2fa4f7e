/* The JSON configuration (daemon/dcfg_json.c, dcfg_jread.c) given members
 * of the wrong JSON type (a real number, null, an array for an object) at
 * every level, the rbd backstore's settings, and the files the loader
 * cannot read: each refused with file, line, key path and why.
 * test_config_json.c has the format's rules and cfg_validate's; this file
 * has the types and the rbd settings.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "daemon/dcfg.h"

/* One line each, so expected line numbers can be counted by eye. */
#define OPEN "{\n"
#define PORTALS " \"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}],\n"
#define LUS " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"s0\"}],\n"
#define TPG_BODY "\"portals\": [0], \"open_access\": true, \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]"
#define TARGET(body) " \"targets\": [{\"name\": \"iqn.2026-11.org.iscsi-sim:t0\", \"tpgs\": [{" body "}]}]"
#define TARGETS TARGET(TPG_BODY) "\n"
#define CLOSE "}\n"
#define LU(members) OPEN PORTALS " \"lus\": [{\"name\": \"d0\", " members "}],\n" TARGETS CLOSE
#define RBD(members) LU("\"backstore\": \"rbd\",\n \"rbd\": {" members "}")

/* Load and validate; returns the message, "" if accepted. */
static const char *load(const char *text, struct dcfg *d)
{
	static char err[DCFG_ERR_MAX];
	memset(d, 0, sizeof(*d));
	err[0] = '\0';
	if (dcfg_load_json(d, "config.json", text, strlen(text), err, sizeof(err)) != 0)
		return err;
	err[0] = '\0';
	if (dcfg_derive_ids(d, 42, err, sizeof(err)) == 0)
		dcfg_validate(d, err, sizeof(err));
	return err;
}

static const struct {
	const char *text;
	const char *want; /* the whole message */
} cases[] = {
	/* the JSON types every message names */
	{ OPEN " \"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260.5}],\n" LUS TARGETS CLOSE,
	  "config.json:2: portals[0].port: must be an integer 0..65535, not a real number" },
	{ OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": null") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].open_access: must be a boolean, not null" },
	{ OPEN PORTALS " \"lus\": {},\n" TARGETS CLOSE, "config.json:3: lus: must be an array, not an object" },
	{ OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\", \"alias\": 7, \"tpgs\": [{" TPG_BODY "}]}]\n" CLOSE,
	  "config.json:4: targets[0].alias: must be a string, not an integer" },
	/* portal groups */
	{ OPEN PORTALS LUS TARGET("\"tag\": \"1\", " TPG_BODY) "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].tag: must be an integer 0..65535, not a string" },
	{ OPEN PORTALS LUS TARGET("\"portals\": \"0\", \"open_access\": true") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].portals: must be an array, not a string" },
	{ OPEN PORTALS LUS TARGET("\"portals\": [\"0\"], \"open_access\": true") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].portals[0]: must be an integer 0..4294967295, not a string" },
	{ OPEN PORTALS LUS TARGET(TPG_BODY ", \"redirect\": 1") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].redirect: must be a string, not an integer" },
	{ OPEN PORTALS LUS TARGET(TPG_BODY ", \"redirect\": \"temporary\", \"redirect_address\": [\"10.0.0.2\"]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].redirect_address: must be a string, not an array" },
	{ OPEN PORTALS LUS TARGET(TPG_BODY ", \"discovery_open\": \"yes\"") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].discovery_open: must be a boolean, not a string" },
	{ OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": true, \"luns\": [{\"lun\": 0, \"lu\": \"d0\", \"read_only\": 1}]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].luns[0].read_only: must be a boolean, not an integer" },
	{ OPEN PORTALS LUS TARGET("\"portals\": [0], \"open_access\": true, \"luns\": {}") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].luns: must be an array, not an object" },
	/* credentials */
	{ OPEN PORTALS LUS TARGET(TPG_BODY ",\n \"auth\": []") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].auth: must be an object, not an array" },
	{ OPEN PORTALS LUS TARGET(TPG_BODY ",\n \"auth\": {\"chap\": \"u:0123456789ab\"}") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].auth.chap: must be an object, not a string" },
	{ OPEN PORTALS LUS TARGET(TPG_BODY ",\n \"auth\": {\"chap\": {\"user\": 1, \"secret\": \"0123456789ab\"}}") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].auth.chap.user: must be a string, not an integer" },
	{ OPEN PORTALS LUS TARGET(TPG_BODY ",\n \"auth\": {\"chap\": {\"user\": \"u\", \"secret\": \"0123456789ab\", \"salt\": \"x\"}}") "\n" CLOSE,
	  "config.json:5: targets[0].tpgs[0].auth.chap.salt: unknown key (known here: user, secret)" },
	{ OPEN PORTALS LUS TARGET("\"portals\": [0], \"acls\": [{\"initiator\": 5}]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].acls[0].initiator: must be a string, not an integer" },
	{ OPEN PORTALS LUS TARGET("\"portals\": [0], \"acls\": [{\"initiator\": \"iqn.2026-11.org.sim:i\", \"auth\": 0}]") "\n" CLOSE,
	  "config.json:4: targets[0].tpgs[0].acls[0].auth: must be an object, not an integer" },
	{ OPEN PORTALS LUS TARGETS ",\n \"discovery_auth\": {\"mutual_chap\": true}\n" CLOSE,
	  "config.json:6: discovery_auth.mutual_chap: must be an object, not a boolean" },
	/* LUs */
	{ LU("\"size\": \"1M\", \"backstore\": 1"), "config.json:3: lus[0].backstore: must be a string, not an integer" },
	{ LU("\"backstore\": \"file\", \"path\": true"), "config.json:3: lus[0].path: must be a string, not a boolean" },
	{ LU("\"size\": -512"), "config.json:3: lus[0].size: must be bytes, or a number with K, M, G, T or P (powers of 1024)" },
	{ LU("\"size\": \"1M\", \"flags\": [1]"),
	  "config.json:3: lus[0].flags[0]: not a flag (thin, lbprz, removable, read_only, sanitize, wce, atomic)" },
	{ LU("\"size\": \"1M\", \"naa_id\": 0"), "config.json:3: lus[0].naa_id: must not be 0 (leave it out to have one derived)" },
	{ LU("\"size\": \"1M\", \"naa_id\": \"0x0\""), "config.json:3: lus[0].naa_id: must not be 0 (leave it out to have one derived)" },
	{ LU("\"size\": \"1M\", \"naa_id\": \"12\""), "config.json:3: lus[0].naa_id: must be an integer or a \"0x...\" hex string" },
	{ LU("\"size\": \"1M\", \"naa_id\": true"), "config.json:3: lus[0].naa_id: must be an integer or a \"0x...\" hex string" },
	{ LU("\"size\": \"1M\", \"revision\": \"a\x7f\""),
	  "config.json:3: lus[0].revision: must be 1..4 printable ASCII characters (SPC-4 §6.6.2)" },
	{ LU("\"size\": \"1M\", \"block_size\": 0"), "config.json:3: lus[0].block_size: 0, must be 512 or 4096" },
	{ LU("\"size\": \"1M\", \"media_mbps\": \"fast\""),
	  "config.json:3: lus[0].media_mbps: must be an integer 0..4294967295, not a string" },
	/* rbd: the image and its cluster, never a path */
	{ LU("\"backstore\": \"rbd\", \"path\": \"rbd/x\", \"rbd\": {\"pool\": \"rbd\", \"image\": \"x\"}"),
	  "config.json:3: lus[0].path: an rbd backstore has no path (rbd.pool and rbd.image name it)" },
	{ LU("\"backstore\": \"rbd\", \"rbd\": [\"rbd\", \"x\"]"), "config.json:3: lus[0].rbd: must be an object, not an array" },
	{ RBD("\"image\": \"x\""), "config.json:4: lus[0].rbd: missing required key 'pool'" },
	{ RBD("\"pool\": \"rbd\""), "config.json:4: lus[0].rbd: missing required key 'image'" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"user\": \"admin\""),
	  "config.json:4: lus[0].rbd.user: unknown key (known here: pool, image, conf, client, keyring, lock, op_timeout_s, pr_shared, alua_group, blocklist_on_break)" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"conf\": 1"), "config.json:4: lus[0].rbd.conf: must be a string, not an integer" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"client\": null"), "config.json:4: lus[0].rbd.client: must be a string, not null" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"keyring\": {}"), "config.json:4: lus[0].rbd.keyring: must be a string, not an object" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"lock\": false"), "config.json:4: lus[0].rbd.lock: must be a string, not a boolean" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"pr_shared\": \"yes\""),
	  "config.json:4: lus[0].rbd.pr_shared: must be a boolean, not a string" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\",\n \"blocklist_on_break\": \"no\""),
	  "config.json:5: lus[0].rbd.blocklist_on_break: must be a boolean, not a string" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"alua_group\": 65536"),
	  "config.json:4: lus[0].rbd.alua_group: must be an integer 0..65535, not out of range" },
	/* ALUA cannot follow a lock librbd hands to whoever writes */
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"lock\": \"auto\", \"alua_group\": 1"),
	  "config.json:4: lus[0].rbd.alua_group: needs the explicit lock (\"lock\": \"explicit\", the default)" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\",\n \"op_timeout_s\": 0"), "config.json:5: lus[0].rbd.op_timeout_s: must be 1..3600 seconds" },
	{ RBD("\"pool\": \"rbd\", \"image\": \"x\", \"op_timeout_s\": 3601"),
	  "config.json:4: lus[0].rbd.op_timeout_s: must be an integer 0..3600, not out of range" },
};

START_TEST(config_member_of_the_wrong_type_names_line_key_and_type)
{
	struct dcfg d;
	const char *err = load(cases[_i].text, &d);
	ck_assert_msg(strcmp(err, cases[_i].want) == 0, "case %d: got \"%s\", want \"%s\"", _i, err, cases[_i].want);
	dcfg_free(&d);
}
END_TEST

/* Loaded, not validated: an rbd LU's size is the image's, known at open. */
static void load_rbd(const char *text, struct dcfg *d)
{
	char err[DCFG_ERR_MAX];
	memset(d, 0, sizeof(*d));
	ck_assert_msg(dcfg_load_json(d, "config.json", text, strlen(text), err, sizeof(err)) == 0, "%s", err);
}

START_TEST(config_rbd_settings_name_the_image_and_its_cluster)
{
	struct dcfg d;
	load_rbd(RBD("\"pool\": \"rbd\", \"image\": \"disk0\", \"conf\": \"/etc/ceph/c.conf\",\n"
		     " \"client\": \"gw\", \"keyring\": \"/etc/ceph/k\", \"lock\": \"auto\", \"op_timeout_s\": 5"),
		 &d);
	const struct dcfg_lu *s = &d.stores[0];
	ck_assert_str_eq(s->backstore, "rbd");
	ck_assert_str_eq(s->path, "rbd/disk0"); /* the identity serials derive from */
	ck_assert_str_eq(s->rbd.pool, "rbd");
	ck_assert_str_eq(s->rbd.image, "disk0");
	ck_assert_str_eq(s->rbd.conf, "/etc/ceph/c.conf");
	ck_assert_str_eq(s->rbd.client, "gw");
	ck_assert_str_eq(s->rbd.keyring, "/etc/ceph/k");
	ck_assert(s->rbd.lock_auto);
	ck_assert_uint_eq(s->rbd.op_timeout_s, 5);
	dcfg_free(&d);
	load_rbd(RBD("\"pool\": \"p\", \"image\": \"i\", \"lock\": \"explicit\""), &d);
	ck_assert(!d.stores[0].rbd.lock_auto);
	ck_assert_uint_eq(d.stores[0].rbd.op_timeout_s, DCFG_RBD_OP_TIMEOUT_S);
	ck_assert_ptr_null(d.stores[0].rbd.conf);
	ck_assert_str_eq(d.stores[0].path, "p/i");
	ck_assert_uint_eq(d.stores[0].rbd.alua_group, 0);
	ck_assert(!(d.lus[0].flags & RT_LU_ALUA_SHARED));
	ck_assert(!d.stores[0].rbd.break_unfenced); /* takeovers blocklist by default */
	dcfg_free(&d);
	/* the unfenced twin: a break that blocklists nobody */
	load_rbd(RBD("\"pool\": \"p\", \"image\": \"i\", \"blocklist_on_break\": false"), &d);
	ck_assert(d.stores[0].rbd.break_unfenced);
	dcfg_free(&d);
	load_rbd(RBD("\"pool\": \"p\", \"image\": \"i\", \"blocklist_on_break\": true"), &d);
	ck_assert(!d.stores[0].rbd.break_unfenced);
	dcfg_free(&d);
	/* ALUA that follows the lock: this gateway's group, the LU's flag */
	load_rbd(RBD("\"pool\": \"p\", \"image\": \"i\", \"alua_group\": 2"), &d);
	ck_assert_uint_eq(d.stores[0].rbd.alua_group, 2);
	ck_assert(d.lus[0].flags & RT_LU_ALUA_SHARED);
	dcfg_free(&d);
}
END_TEST

/* A file that reads shorter than the size it reports (a sysfs attribute:
 * 4096 bytes by stat, a line by read) is refused, not parsed in part. */
START_TEST(config_file_shorter_than_its_size_is_a_read_error)
{
	static const char path[] = "/sys/kernel/mm/transparent_hugepage/enabled";
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX], want[128];
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "test_config_json_types: no %s here: short read not exercised\n", path);
		return;
	}
	fclose(f);
	ck_assert_int_eq(dcfg_load_file(&d, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: read error", path);
	ck_assert_str_eq(err, want);
	dcfg_free(&d);
}
END_TEST

/* A key too long for the key path (DCFG_PATH_MAX) is named by its parent,
 * which still points at the right place. */
START_TEST(config_unknown_key_too_long_for_the_path_names_its_parent)
{
	char key[300], text[1024];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(text, sizeof(text), OPEN PORTALS LUS " \"targets\": [{\"name\": \"iqn.2026-11.org.sim:a\",\n \"%s\": 1}]\n" CLOSE,
		 key);
	struct dcfg d;
	ck_assert_str_eq(load(text, &d), "config.json:4: targets[0]: unknown key (known here: name, alias, tpgs)");
	dcfg_free(&d);
}
END_TEST

/* Without the text (the quick flags, a hand-built config) or without a
 * key path, a message names the source alone; no source: "config". */
START_TEST(config_message_without_text_names_the_source)
{
	char out[DCFG_ERR_MAX];
	struct dcfg d = { 0 };
	dcfg_explain(&d, "lus[0].size: too big", out, sizeof(out));
	ck_assert_str_eq(out, "config: lus[0].size: too big");
	d.source = "command line";
	dcfg_explain(&d, "lus[0].size: too big", out, sizeof(out));
	ck_assert_str_eq(out, "command line: lus[0].size: too big");
	d.source = "c.json";
	d.text = "{}\n";
	d.text_len = 3;
	dcfg_explain(&d, "no key path here", out, sizeof(out));
	ck_assert_str_eq(out, "c.json: no key path here");
}
END_TEST

Suite *suite_config_json_types(void);
Suite *suite_config_json_types(void)
{
	Suite *s = suite_create("config_json_types");
	TCase *tc = tcase_create("json_types");
	tcase_add_loop_test(tc, config_member_of_the_wrong_type_names_line_key_and_type, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, config_rbd_settings_name_the_image_and_its_cluster);
	tcase_add_test(tc, config_file_shorter_than_its_size_is_a_read_error);
	tcase_add_test(tc, config_unknown_key_too_long_for_the_path_names_its_parent);
	tcase_add_test(tc, config_message_without_text_names_the_source);
	suite_add_tcase(s, tc);
	return s;
}
