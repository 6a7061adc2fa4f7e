/* The shape of every key of targetcli-fb's saveconfig.json as reftarget
 * reads it (daemon/dcfg_lio.c, dcfg_lio_tpg.c): a member of the wrong
 * type, out of LIO's range, or where rtslib-fb never writes it is refused
 * with the file's key path and the line it is on; and each accepted
 * variant (integers for booleans, every ALUA state, digests and AuthMethod
 * spelt either way, IFMarkInt "Reject", a portal two targets share) means
 * what LIO makes of it. test_config_lio.c has the realistic files; this
 * one edits its good file (tests/data/lio/saveconfig.json) key by key.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dcfg.h"

#define LIO_GOOD "ref_target/tests/data/lio/saveconfig.json"
#define TPG0 "targets/0/tpgs/0/"
#define EDITS_MAX 4

static json_t *good_tree(void)
{
	json_error_t je;
	json_t *root = json_load_file(LIO_GOOD, 0, &je);
	ck_assert_msg(root != NULL, "%s: %s (run from the repository root)", LIO_GOOD, je.text);
	return root;
}

/* One change at where ("a/0/b": members and elements, an element one past
 * the end appends); value is JSON text, NULL deletes. */
struct edit {
	const char *where;
	const char *value;
};

static void apply(json_t *root, const struct edit *e)
{
	char path[256];
	snprintf(path, sizeof(path), "%s", e->where);
	json_t *node = root;
	char *save = NULL, *part = strtok_r(path, "/", &save);
	for (char *next; (next = strtok_r(NULL, "/", &save)) != NULL; part = next)
		node = json_is_array(node) ? json_array_get(node, strtoul(part, NULL, 10)) : json_object_get(node, part);
	ck_assert_msg(node != NULL, "%s: no parent", e->where);
	if (e->value == NULL) {
		ck_assert_int_eq(json_object_del(node, part), 0);
		return;
	}
	json_t *v = json_loads(e->value, JSON_DECODE_ANY, NULL);
	ck_assert_msg(v != NULL, "%s: bad JSON", e->value);
	if (!json_is_array(node)) {
		json_object_set_new(node, part, v);
	} else if (strtoul(part, NULL, 10) == json_array_size(node)) {
		json_array_append_new(node, v);
	} else {
		ck_assert_int_eq(json_array_set_new(node, strtoul(part, NULL, 10), v), 0);
	}
}

/* The good file with edits applied, as text (indented: one key a line). */
static char *edited(const struct edit *edits)
{
	json_t *root = good_tree();
	for (size_t k = 0; k < EDITS_MAX && edits[k].where; k++)
		apply(root, &edits[k]);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	return text;
}

/* Load and validate as the daemon does; returns the message, "" if accepted. */
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
	for (uint32_t i = 0; i < d->cfg.lu_count; i++) /* a block device's size, as if opened */
		if (d->lus[i].blocks == 0 && d->lus[i].block_size != 0)
			d->lus[i].blocks = (64u << 20) / d->lus[i].block_size;
	dcfg_validate(d, err, sizeof(err));
	return err;
}

/* Line n of text (1-based) into out. */
static void line_of(const char *text, unsigned n, char *out, size_t cap)
{
	for (unsigned k = 1; k < n && text; k++)
		text = strchr(text, '\n') ? strchr(text, '\n') + 1 : NULL;
	size_t len = text ? strcspn(text, "\n") : 0;
	snprintf(out, cap, "%.*s", (int)len, text ? text : "");
}

struct shape_case {
	struct edit edits[EDITS_MAX];
	const char *want; /* the start of the message after "saveconfig.json:LINE: " */
	bool ours;        /* the path is our format's, with no key of the file's */
};

static const struct shape_case shape_cases[] = {
	/* the file and its arrays */
	{ { { "targets", "{}" } }, "targets: must be an array" },
	{ { { "storage_objects", "{}" } }, "storage_objects: must be an array" },
	/* storage objects */
	{ { { "storage_objects/0", "5" } }, "storage_objects[0]: must be an object" },
	{ { { "storage_objects/0/name", NULL } }, "storage_objects[0]: missing required key 'name'" },
	{ { { "storage_objects/0/wwn", "5" } }, "storage_objects[0].wwn: must be a string" },
	{ { { "storage_objects/0/plugin", "\"rbd\"" } }, "storage_objects[0].plugin: not supported: unknown plugin 'rbd'" },
	{ { { "storage_objects/0/readonly", "true" } },
	  "storage_objects[0].readonly: not supported: not a key rtslib-fb writes in a fileio storage object" },
	{ { { "storage_objects/0/size", "-1" } }, "storage_objects[0].size: must be an integer 0.." },
	{ { { "storage_objects/0/aio", "\"yes\"" } }, "storage_objects[0].aio: must be true or false" },
	{ { { "storage_objects/0/write_back", "2" } }, "storage_objects[0].write_back: must be true or false" },
	{ { { "storage_objects/1/size", "1" } }, "storage_objects[1].size: not supported: not a key rtslib-fb writes in a block" },
	{ { { "storage_objects/1/dev", NULL } }, "storage_objects[1]: missing required key 'dev'" },
	{ { { "storage_objects/1/readonly", "\"no\"" } }, "storage_objects[1].readonly: must be true or false" },
	{ { { "storage_objects/2/dev", "\"/dev/ram0\"" } }, "storage_objects[2].dev: not supported: not a key rtslib-fb writes in a ramdisk" },
	{ { { "storage_objects/2/size", "0" } }, "storage_objects[2].size: must be an integer 1.." },
	{ { { "storage_objects/2/nullio", "\"off\"" } }, "storage_objects[2].nullio: must be true or false" },
	/* their attributes: an object of integers */
	{ { { "storage_objects/0/attributes", "5" } }, "storage_objects[0].attributes: must be an object" },
	{ { { "storage_objects/0/attributes/emulate_tpu", "true" } }, "storage_objects[0].attributes.emulate_tpu: must be an integer" },
	/* ALUA groups */
	{ { { "storage_objects/0/alua_tpgs", "{}" } }, "storage_objects[0].alua_tpgs: must be an array" },
	{ { { "storage_objects/0/alua_tpgs/0", "\"default_tg_pt_gp\"" } }, "storage_objects[0].alua_tpgs[0]: must be an object" },
	{ { { "storage_objects/0/alua_tpgs/0/colour", "1" } }, "storage_objects[0].alua_tpgs[0].colour: not supported" },
	{ { { "storage_objects/0/alua_tpgs/0/name", NULL } }, "storage_objects[0].alua_tpgs[0]: missing required key 'name'" },
	{ { { "storage_objects/0/alua_tpgs/0/tg_pt_gp_id", "70000" } }, "storage_objects[0].alua_tpgs[0].tg_pt_gp_id: must be an integer 0..65535" },
	{ { { "storage_objects/0/alua_tpgs/0/nonop_delay_msecs", "\"100\"" } },
	  "storage_objects[0].alua_tpgs[0].nonop_delay_msecs: must be an integer -1..2147483648" },
	{ { { "storage_objects/0/alua_tpgs/0/alua_support_standby", "0" } },
	  "storage_objects[0].alua_tpgs[0].alua_support_standby: not supported: only 1 (LIO's default)" },
	{ { { "storage_objects/0/alua_tpgs/0/alua_access_type", "4" } }, "storage_objects[0].alua_tpgs[0].alua_access_type: must be an integer 0..3" },
	/* targets */
	{ { { "targets/0", "[]" } }, "targets[0]: must be an object" },
	{ { { "targets/0/fabric", NULL } }, "targets[0]: missing required key 'fabric'" },
	{ { { "targets/0/wwn", NULL } }, "targets[0]: missing required key 'wwn'" },
	{ { { "targets/0/tpgs", "{}" } }, "targets[0].tpgs: must be an array" },
	{ { { "targets/0/parameters", "[]" } }, "targets[0].parameters: must be an object" },
	{ { { "targets/0/parameters", "{\"cmd_completion_affinity\": \"-1\", \"cpus\": \"0\"}" } },
	  "targets[0].parameters.cpus: not supported: not a key rtslib-fb writes in a target's parameters" },
	{ { { "targets/0/parameters", "{\"cmd_completion_affinity\": \"any\"}" } },
	  "targets[0].parameters.cmd_completion_affinity: must be an integer as text" },
	{ { { "targets/0/parameters", "{\"cmd_completion_affinity\": \"\"}" } },
	  "targets[0].parameters.cmd_completion_affinity: must be an integer as text" },
	{ { { "targets/0/parameters", "{\"cmd_completion_affinity\": \"-1x\"}" } },
	  "targets[0].parameters.cmd_completion_affinity: must be an integer as text" },
	{ { { "targets/0/parameters", "{\"cmd_completion_affinity\": -1}" } },
	  "targets[0].parameters.cmd_completion_affinity: must be a string" },
	/* TPGs */
	{ { { "targets/0/tpgs/0", "1" } }, "targets[0].tpgs[0]: must be an object" },
	{ { { TPG0 "enable", "\"yes\"" } }, "targets[0].tpgs[0].enable: must be true or false" },
	{ { { TPG0 "tag", "0" } }, "targets[0].tpgs[0].tag: must be an integer 1..65535" },
	{ { { TPG0 "attributes", "[]" } }, "targets[0].tpgs[0].attributes: must be an object" },
	{ { { TPG0 "parameters", "\"AuthMethod=CHAP\"" } }, "targets[0].tpgs[0].parameters: must be an object" },
	{ { { TPG0 "chap_userid", "\"demo\"" }, { TPG0 "chap_password", "\"demosecret12\"" } },
	  "targets[0].tpgs[0]: not supported: TPG credentials apply to generated ACLs only" },
	{ { { TPG0 "attributes/generate_node_acls", "1" }, { TPG0 "node_acls", "[]" } },
	  "targets[0].tpgs[0]: authentication is 1 but this TPG (for generated ACLs) has no chap_userid" },
	/* parameters: text, by RFC 7143's rules as LIO spells them */
	{ { { TPG0 "parameters/Colour", "\"blue\"" } }, "targets[0].tpgs[0].parameters.Colour: not supported: a parameter reftarget does not know" },
	{ { { TPG0 "parameters/MaxBurstLength", "\"12x\"" } }, "targets[0].tpgs[0].parameters.MaxBurstLength: must be a decimal number as text" },
	{ { { TPG0 "parameters/MaxBurstLength", "\"4294967296\"" } }, "targets[0].tpgs[0].parameters.MaxBurstLength: must be a decimal number" },
	{ { { TPG0 "parameters/MaxBurstLength", "\"-1\"" } }, "targets[0].tpgs[0].parameters.MaxBurstLength: must be a decimal number" },
	{ { { TPG0 "parameters/DataDigest", "\"MD5\"" } }, "targets[0].tpgs[0].parameters.DataDigest: must be \"CRC32C,None\"" },
	{ { { TPG0 "parameters/AuthMethod", "\"KRB5\"" } }, "targets[0].tpgs[0].parameters.AuthMethod: must be \"CHAP,None\"" },
	{ { { TPG0 "parameters/IFMarkInt", "\"1~2\"" } },
	  "targets[0].tpgs[0].parameters.IFMarkInt: not supported: only \"2048~65535|Reject\" (LIO's defaults, '|' between)" },
	{ { { TPG0 "parameters/MaxXmitDataSegmentLength", "\"8192\"" } },
	  "targets[0].tpgs[0].parameters.MaxXmitDataSegmentLength: not supported: only \"262144\" (LIO's default)" },
	/* portals */
	{ { { TPG0 "portals", "{}" } }, "targets[0].tpgs[0].portals: must be an array" },
	{ { { TPG0 "portals/0", "\"127.0.0.1:3260\"" } }, "targets[0].tpgs[0].portals[0]: must be an object" },
	/* no portal anywhere: cfg_validate's path, which the file has no key for */
	{ { { TPG0 "portals", "[]" } }, "portals: at least one portal", true },
	{ { { TPG0 "portals/0/ip_address", NULL } }, "targets[0].tpgs[0].portals[0]: missing required key 'ip_address'" },
	{ { { TPG0 "portals/0/zone", "1" } }, "targets[0].tpgs[0].portals[0].zone: not supported" },
	{ { { TPG0 "portals/0/port", "0" } }, "targets[0].tpgs[0].portals[0].port: must be an integer 1..65535" },
	{ { { TPG0 "portals/0/iser", "\"no\"" } }, "targets[0].tpgs[0].portals[0].iser: must be true or false" },
	{ { { TPG0 "portals/1/offload", "true" } }, "targets[0].tpgs[0].portals[1].offload: not supported: reftarget serves iSCSI over TCP only" },
	/* LUNs */
	{ { { TPG0 "luns", "{}" } }, "targets[0].tpgs[0].luns: must be an array" },
	{ { { TPG0 "luns/0", "0" } }, "targets[0].tpgs[0].luns[0]: must be an object" },
	{ { { TPG0 "luns/0/wwn", "\"x\"" } }, "targets[0].tpgs[0].luns[0].wwn: not supported: not a key rtslib-fb writes in a LUN" },
	{ { { TPG0 "luns/0/index", "65536" } }, "targets[0].tpgs[0].luns[0].index: must be an integer 0..65535" },
	{ { { TPG0 "luns/0/storage_object", NULL } }, "targets[0].tpgs[0].luns[0]: missing required key 'storage_object'" },
	{ { { TPG0 "luns/0/alias", "7" } }, "targets[0].tpgs[0].luns[0].alias: must be a string" },
	{ { { TPG0 "luns/0/alua_tg_pt_gp_name", "0" } }, "targets[0].tpgs[0].luns[0].alua_tg_pt_gp_name: must be a string" },
	{ { { TPG0 "luns/0/storage_object", "\"/backstores/fileio\"" } }, "targets[0].tpgs[0].luns[0].storage_object: no storage object '/backstores/fileio'" },
	{ { { TPG0 "luns/0/storage_object", "\"/dev/fileio/disk0\"" } }, "targets[0].tpgs[0].luns[0].storage_object: no storage object" },
	{ { { TPG0 "luns/0/storage_object", "\"/backstores/block/disk0\"" } }, "targets[0].tpgs[0].luns[0].storage_object: no storage object" },
	/* one LU through two ALUA groups of different access types */
	{ { { "storage_objects/0/alua_tpgs/1", "{\"name\": \"implicit_only\", \"alua_access_type\": 1}" },
	    { TPG0 "luns/3", "{\"index\": 3, \"storage_object\": \"/backstores/fileio/disk0\", \"alua_tg_pt_gp_name\": \"implicit_only\"}" } },
	  "targets[0].tpgs[0].luns[3].alua_tg_pt_gp_name: not supported: group 'implicit_only' has another alua_access_type" },
	/* node ACLs and their mapped LUNs */
	{ { { TPG0 "node_acls", "{}" } }, "targets[0].tpgs[0].node_acls: must be an array" },
	{ { { TPG0 "node_acls/0", "\"iqn.1994-05.com.redhat:client1\"" } }, "targets[0].tpgs[0].node_acls[0]: must be an object" },
	{ { { TPG0 "node_acls/0/node_wwn", NULL } }, "targets[0].tpgs[0].node_acls[0]: missing required key 'node_wwn'" },
	{ { { TPG0 "node_acls/0/tag", "1" } }, "targets[0].tpgs[0].node_acls[0].tag: must be a string" },
	{ { { TPG0 "node_acls/0/mapped_luns", "{}" } }, "targets[0].tpgs[0].node_acls[0].mapped_luns: must be an array" },
	{ { { TPG0 "node_acls/0/mapped_luns/0", "0" } }, "targets[0].tpgs[0].node_acls[0].mapped_luns[0]: must be an object" },
	{ { { TPG0 "node_acls/0/mapped_luns/0/lun", "0" } }, "targets[0].tpgs[0].node_acls[0].mapped_luns[0].lun: not supported" },
	{ { { TPG0 "node_acls/0/mapped_luns/0/index", "-1" } }, "targets[0].tpgs[0].node_acls[0].mapped_luns[0].index: must be an integer 0..65535" },
	{ { { TPG0 "node_acls/0/mapped_luns/0/tpg_lun", NULL } }, "targets[0].tpgs[0].node_acls[0].mapped_luns[0]: missing required key 'tpg_lun'" },
	{ { { TPG0 "node_acls/0/mapped_luns/0/write_protect", "\"no\"" } }, "targets[0].tpgs[0].node_acls[0].mapped_luns[0].write_protect: must be true or false" },
	{ { { TPG0 "node_acls/0/mapped_luns/0/alias", "[]" } }, "targets[0].tpgs[0].node_acls[0].mapped_luns[0].alias: must be a string" },
	{ { { TPG0 "node_acls/1/chap_userid", NULL }, { TPG0 "node_acls/1/chap_password", NULL } },
	  "targets[0].tpgs[0].node_acls[1].chap_mutual_userid: mutual CHAP needs the one-way chap_userid and chap_password too" },
	/* fabric modules: discovery CHAP */
	{ { { "fabric_modules/0", "\"iscsi\"" } }, "fabric_modules[0]: must be an object" },
	{ { { "fabric_modules/0/name", NULL } }, "fabric_modules[0]: missing required key 'name'" },
	{ { { "fabric_modules/0/colour", "1" } }, "fabric_modules[0].colour: not supported: not a key rtslib-fb writes in a fabric module" },
	{ { { "fabric_modules/0/discovery_enable_auth", "\"on\"" } }, "fabric_modules[0].discovery_enable_auth: must be true or false" },
	{ { { "fabric_modules/0", "{\"name\": \"iscsi\", \"discovery_enable_auth\": true}" } },
	  "fabric_modules[0]: discovery_enable_auth is true but discovery_userid/discovery_password are not set" },
};

START_TEST(lio_member_of_the_wrong_shape_is_refused_with_its_path_and_line)
{
	const struct shape_case *c = &shape_cases[_i];
	char *text = edited(c->edits);
	struct dcfg d;
	const char *err = load(text, &d);
	unsigned line = 0;
	int at = 0;
	ck_assert_msg(sscanf(err, "saveconfig.json:%u: %n", &line, &at) == 1 && at > 0, "[%s] %s", c->edits[0].where, err);
	ck_assert_msg(strncmp(err + at, c->want, strlen(c->want)) == 0, "[%s] want '%s', got '%s'", c->edits[0].where,
		      c->want, err);
	/* the line is the one of the key the path ends in (a deleted key: its
	 * owner's) */
	size_t plen = strcspn(c->want, ":");
	char key[128], got[512], quoted[140];
	snprintf(key, sizeof(key), "%.*s", (int)plen, c->want);
	const char *last = strrchr(key, '.') ? strrchr(key, '.') + 1 : key;
	line_of(text, line, got, sizeof(got));
	snprintf(quoted, sizeof(quoted), "\"%s\"", last);
	if (last[strlen(last) - 1] != ']' && !c->ours)
		ck_assert_msg(strstr(got, quoted) != NULL, "[%s] line %u is '%s', not %s's", c->edits[0].where, line, got,
			      quoted);
	dcfg_free(&d);
	free(text);
}
END_TEST

START_TEST(lio_file_that_is_not_an_object_is_refused)
{
	struct dcfg d = { 0 };
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(dcfg_load_lio(&d, "saveconfig.json", "[\n]\n", 4, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "saveconfig.json:1: (top level): must be an object (targetcli-fb's saveconfig.json)");
	dcfg_free(&d);
}
END_TEST

/* Accepted variants, and what they mean. */
START_TEST(lio_integers_for_booleans_thin_lbprz_and_read_only_block)
{
	static const struct edit e[EDITS_MAX] = {
		{ "storage_objects/0/write_back", "0" },
		{ "storage_objects/1/readonly", "1" },
		{ "storage_objects/2/attributes/emulate_tpu", "1" },
		{ "storage_objects/2/attributes/unmap_zeroes_data", "1" },
	};
	char *text = edited(e);
	struct dcfg d;
	ck_assert_str_eq(load(text, &d), "");
	ck_assert(d.cfg.lus[0].flags & RT_LU_WCE); /* emulate_write_cache 1 still says so */
	ck_assert_uint_eq(d.cfg.lus[1].flags, RT_LU_READ_ONLY);
	ck_assert_uint_eq(d.cfg.lus[2].flags, RT_LU_THIN | RT_LU_LBPRZ);
	dcfg_free(&d);
	free(text);
}
END_TEST

START_TEST(lio_every_alua_state_and_the_preferred_bit)
{
	static const struct {
		int lio;
		enum rt_alua_state ours;
	} states[] = { { 0, RT_ALUA_ACTIVE_OPTIMIZED }, { 1, RT_ALUA_ACTIVE_NONOPTIMIZED }, { 2, RT_ALUA_STANDBY },
		       { 3, RT_ALUA_UNAVAILABLE }, { 15, RT_ALUA_TRANSITIONING } };
	for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
		char state[8];
		snprintf(state, sizeof(state), "%d", states[k].lio);
		const struct edit e[EDITS_MAX] = {
			{ "storage_objects/0/alua_tpgs/0/alua_access_state", state },
			{ "storage_objects/0/alua_tpgs/0/preferred", "1" },
			{ "storage_objects/0/alua_tpgs/0/alua_access_type", "2" },
		};
		char *text = edited(e);
		struct dcfg d;
		ck_assert_msg(load(text, &d)[0] == '\0', "state %d", states[k].lio);
		const struct rt_lu_cfg *lu = &d.cfg.lus[0];
		ck_assert_uint_eq(lu->alua_count, 1);
		ck_assert_uint_eq(lu->alua[0].tpg_tag, 1);
		ck_assert_uint_eq(lu->alua[0].state, states[k].ours);
		ck_assert(lu->alua[0].preferred);
		ck_assert_uint_eq(lu->alua_modes, RT_ALUA_EXPLICIT);
		ck_assert_uint_eq(d.cfg.lus[2].alua[0].state, RT_ALUA_ACTIVE_OPTIMIZED); /* its own group */
		dcfg_free(&d);
		free(text);
	}
}
END_TEST

START_TEST(lio_parameters_spelt_either_way)
{
	static const struct edit e[EDITS_MAX] = {
		{ TPG0 "parameters/HeaderDigest", "\"None\"" },
		{ TPG0 "parameters/DataDigest", "\"None,CRC32C\"" },
		{ TPG0 "parameters/AuthMethod", "\"CHAP\"" },
		{ TPG0 "parameters/IFMarkInt", "\"Reject\"" },
	};
	char *text = edited(e);
	struct dcfg d;
	ck_assert_str_eq(load(text, &d), "");
	ck_assert(!d.cfg.params.header_digest);
	ck_assert(d.cfg.params.data_digest);
	dcfg_free(&d);
	free(text);
	static const struct edit e2[EDITS_MAX] = {
		{ TPG0 "parameters/AuthMethod", "\"None,CHAP\"" },
		{ "targets/0/parameters", "{\"cmd_completion_affinity\": \"-1\"}" },
		{ TPG0 "portals/1/ip_address", "\"[::1]\"" }, /* bracketed as ours: taken as it is */
	};
	text = edited(e2);
	ck_assert_str_eq(load(text, &d), "");
	ck_assert_str_eq(d.cfg.portals[1].address, "[::1]");
	dcfg_free(&d);
	free(text);
}
END_TEST

/* A second target on the same address:port: one portal of ours, two groups
 * listening on it (LIO's network portals are shared the same way). */
START_TEST(lio_two_targets_share_a_portal)
{
	json_t *root = good_tree();
	json_t *targets = json_object_get(root, "targets");
	json_t *t2 = json_deep_copy(json_array_get(targets, 0));
	json_object_set_new(t2, "wwn", json_string("iqn.2003-01.org.linux-iscsi.gw:second"));
	json_array_append_new(targets, t2);
	char *text = json_dumps(root, JSON_INDENT(2));
	struct dcfg d;
	ck_assert_str_eq(load(text, &d), "");
	ck_assert_uint_eq(d.cfg.target_count, 2);
	ck_assert_uint_eq(d.cfg.portal_count, 2);
	ck_assert_uint_eq(d.cfg.targets[1].tpgs[0].portal_count, 2);
	ck_assert_uint_eq(d.cfg.targets[1].tpgs[0].portals[0], d.cfg.targets[0].tpgs[0].portals[0]);
	ck_assert_uint_eq(d.cfg.targets[1].tpgs[0].portals[1], d.cfg.targets[0].tpgs[0].portals[1]);
	dcfg_free(&d);
	free(text);
	json_decref(root);
}
END_TEST

/* --lio-portal FROM=TO (dcfg.h's testing aid): a TO that is not ADDR:PORT,
 * or a FROM that names no portal of the file, is refused by name. */
START_TEST(lio_portal_map_to_a_bad_address_is_refused)
{
	static const char *const bad_to[] = { "127.0.0.2", ":3260", "127.0.0.2:", "127.0.0.2:32x", "127.0.0.2:0",
					      "127.0.0.2:65536",
					      /* longer than an address may be (80 bytes) */
					      "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:3260" };
	static const struct edit none[EDITS_MAX] = { { NULL, NULL } };
	char *text = edited(none);
	for (size_t k = 0; k < sizeof(bad_to) / sizeof(bad_to[0]); k++) {
		struct dcfg_lio_remap maps = { .portals = { { "127.0.0.1:3260", bad_to[k] } }, .portal_count = 1 };
		struct dcfg d = { .lio_remap = &maps };
		char err[DCFG_ERR_MAX], want[DCFG_ERR_MAX];
		ck_assert_msg(dcfg_load_lio(&d, "saveconfig.json", text, strlen(text), err, sizeof(err)) == -1, "%s", bad_to[k]);
		snprintf(want, sizeof(want), "--lio-portal 127.0.0.1:3260=%s: the new portal must be ADDR:PORT", bad_to[k]);
		ck_assert_msg(strstr(err, want) != NULL, "%s: %s", bad_to[k], err);
		dcfg_free(&d);
	}
	struct dcfg_lio_remap maps = { .portals = { { "[::1]:3260", "[::1]:4001" }, { "10.9.9.9:3260", "127.0.0.1:1" } },
				       .portal_count = 2 };
	struct dcfg d = { .lio_remap = &maps };
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(dcfg_load_lio(&d, "saveconfig.json", text, strlen(text), err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "(top level): --lio-portal 10.9.9.9:3260: no portal of the file is at 10.9.9.9:3260"),
		      "%s", err);
	dcfg_free(&d);
	free(text);
}
END_TEST

Suite *suite_config_lio_shape(void);
Suite *suite_config_lio_shape(void)
{
	Suite *s = suite_create("config_lio_shape");
	TCase *tc = tcase_create("lio_shape");
	tcase_add_loop_test(tc, lio_member_of_the_wrong_shape_is_refused_with_its_path_and_line, 0,
			    (int)(sizeof(shape_cases) / sizeof(shape_cases[0])));
	tcase_add_test(tc, lio_file_that_is_not_an_object_is_refused);
	tcase_add_test(tc, lio_integers_for_booleans_thin_lbprz_and_read_only_block);
	tcase_add_test(tc, lio_every_alua_state_and_the_preferred_bit);
	tcase_add_test(tc, lio_parameters_spelt_either_way);
	tcase_add_test(tc, lio_two_targets_share_a_portal);
	tcase_add_test(tc, lio_portal_map_to_a_bad_address_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
