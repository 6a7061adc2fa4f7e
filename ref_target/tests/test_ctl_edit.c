/* The control socket's edits (daemon/ctl_cmd.c) with LIO's defaults and
 * targetcli's spellings, from a model that has nothing yet, and the ls
 * tree (ctl_ls.c) of what they made: each edit is checked in the model and
 * in what ls draws.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl_req.h"

#define T_IQN "iqn.2026-12.org.iscsi-sim:t"
#define T_TPG "/iscsi/" T_IQN "/tpg1"
#define INI_A "iqn.2026-12.org.iscsi-sim:a"

static json_t *model;

static void setup(void)
{
	model = json_object();
}

static void teardown(void)
{
	json_decref(model);
}

/* Apply one request; it must be taken with action want. */
static void taken(const char *line, enum ctl_action want)
{
	char err[CTL_ERR_MAX] = "";
	struct ctl_req r;
	ck_assert_msg(ctl_req_parse(&r, line, strlen(line), err, sizeof(err)) == 0, "%s: %s", line, err);
	struct ctl_result res;
	ctl_apply(model, &r, &res);
	ck_assert_msg(res.action == want, "%s: action %d, not %d (%s)", line, (int)res.action, (int)want, res.err);
	free(res.out);
	ctl_req_fini(&r);
}

static void changed(const char *line)
{
	taken(line, CTL_CHANGED);
}

/* The ls tree of the model, which must hold each of the texts given. */
static void ls_shows(const char *const *texts)
{
	char *out = ctl_render(model);
	ck_assert_ptr_nonnull(out);
	for (size_t i = 0; texts[i] != NULL; i++)
		ck_assert_msg(strstr(out, texts[i]) != NULL, "'%s' not in:\n%s", texts[i], out);
	free(out);
}

/* The JSON at a dotted path of the model ("targets.0.tpgs.0.luns"). */
static json_t *at(const char *path)
{
	json_t *j = model;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok(buf, "."); p && j; p = strtok(NULL, "."))
		j = (*p >= '0' && *p <= '9') ? json_array_get(j, (size_t)atoi(p)) : json_object_get(j, p);
	return j;
}

START_TEST(backstores_of_every_type_are_created_in_an_empty_model)
{
	changed("{\"path\": \"/backstores/fileio\", \"cmd\": \"create\", \"args\": [\"f1\", \"/srv/f1.img\"]}");
	changed("{\"path\": \"/backstores/block\", \"cmd\": \"create\", \"args\": [\"b1\", \"/dev/sdz\"]}");
	changed("{\"path\": \"/backstores/iblock\", \"cmd\": \"create\", \"args\": [\"name=b2\", \"file_or_dev=/dev/sdy\"]}");
	changed("{\"path\": \"/backstores/rd_mcp\", \"cmd\": \"create\", \"args\": [\"r1\", \"size=2M\"]}");
	ck_assert_uint_eq(json_array_size(at("lus")), 4);
	ck_assert_str_eq(json_string_value(at("lus.0.path")), "/srv/f1.img");
	ck_assert_ptr_null(at("lus.0.size")); /* the file's own size */
	ck_assert_str_eq(json_string_value(at("lus.2.backstore")), "block");
	ck_assert_int_eq(json_integer_value(at("lus.3.size")), 2 * 1024 * 1024);
	static const char *const tree[] = { "backstores [4]", "f1 [file /srv/f1.img, 0 bytes]",
					    "b2 [block /dev/sdy, 0 bytes]", "r1 [ram, 2097152 bytes]", NULL };
	ls_shows(tree);
	changed("{\"path\": \"/backstores/iblock\", \"cmd\": \"delete\", \"args\": [\"b1\"]}");
	ck_assert_uint_eq(json_array_size(at("lus")), 3);
}
END_TEST

START_TEST(a_target_in_a_model_without_portals_gets_lios_default_portal)
{
	changed("{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"wwn=" T_IQN "\"]}");
	ck_assert_str_eq(json_string_value(at("portals.0.address")), "0.0.0.0");
	ck_assert_int_eq(json_integer_value(at("portals.0.port")), 3260);
	ck_assert_int_eq(json_integer_value(at("targets.0.tpgs.0.portals.0")), 0);
	taken("{\"path\": \"" T_TPG "\", \"cmd\": \"enable\"}", CTL_SHOW); /* always enabled */
	changed("{\"path\": \"" T_TPG "/portals\", \"cmd\": \"create\", \"args\": [\"ip_address=::1\", \"ip_port=3261\"]}");
	static const char *const tree[] = { "tpg1 [generate_node_acls, no auth]", "portals [2]", "0.0.0.0:3260",
					    "::1:3261", NULL };
	ls_shows(tree);
	changed("{\"path\": \"" T_TPG "/portals\", \"cmd\": \"delete\", \"args\": [\"0.0.0.0\"]}");
	ck_assert_uint_eq(json_array_size(at("targets.0.tpgs.0.portals")), 1);
	ck_assert_int_eq(json_integer_value(at("targets.0.tpgs.0.portals.0")), 1);
	ck_assert_uint_eq(json_array_size(at("portals")), 2); /* the model keeps it (portal indices hold) */
}
END_TEST

START_TEST(luns_take_targetclis_spellings_and_add_mapped_luns_false_maps_none)
{
	changed("{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"d0\", \"1M\"]}");
	changed("{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"d1\", \"1M\"]}");
	changed("{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"" T_IQN "\"]}");
	changed("{\"path\": \"" T_TPG "/acls\", \"cmd\": \"create\", \"args\": [\"" INI_A "\"]}");
	ck_assert_uint_eq(json_array_size(at("targets.0.tpgs.0.acls.0.luns")), 0);
	changed("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"/backstores/ramdisk/d0\", \"lun3\"]}");
	changed("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"storage_object=d1\","
		" \"add_mapped_luns=false\"]}");
	ck_assert_int_eq(json_integer_value(at("targets.0.tpgs.0.luns.0.lun")), 3);
	ck_assert_int_eq(json_integer_value(at("targets.0.tpgs.0.luns.1.lun")), 0); /* the first free */
	ck_assert_uint_eq(json_array_size(at("targets.0.tpgs.0.acls.0.luns")), 1); /* d0 only */
	changed("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"d1\", \"lun=9\", \"add_mapped_luns=Yes\"]}");
	ck_assert_uint_eq(json_array_size(at("targets.0.tpgs.0.acls.0.luns")), 2);
	json_object_set_new(at("targets.0.tpgs.0.luns.0"), "read_only", json_true());
	static const char *const tree[] = { "luns [3]", "lun3 [d0 (ro)]", "lun0 [d1]", "mapped_luns [2]",
					    "mapped_lun9 [d1]", INI_A " [no auth]", "tpg1 [acls only, no auth]", NULL };
	json_object_set_new(at("targets.0.tpgs.0"), "open_access", json_false());
	ls_shows(tree);
	/* a LUN goes with its mapped LUNs */
	changed("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"lun9\"]}");
	ck_assert_uint_eq(json_array_size(at("targets.0.tpgs.0.luns")), 2);
	ck_assert_uint_eq(json_array_size(at("targets.0.tpgs.0.acls.0.luns")), 1);
}
END_TEST

START_TEST(set_auth_turns_each_direction_on_and_off_and_ls_names_it)
{
	changed("{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"" T_IQN "\"]}");
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"userid=u\", \"password=p12345678901\"]}");
	static const char *const chap[] = { "tpg1 [generate_node_acls, CHAP]", NULL };
	ls_shows(chap);
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"mutual_userid=m\","
		" \"mutual_password=q12345678901\"]}");
	static const char *const mutual[] = { "tpg1 [generate_node_acls, mutual CHAP]", NULL };
	ls_shows(mutual);
	ck_assert_str_eq(json_string_value(at("targets.0.tpgs.0.auth.chap.user")), "u");
	/* a new password keeps the user */
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"password=r12345678901\"]}");
	ck_assert_str_eq(json_string_value(at("targets.0.tpgs.0.auth.chap.user")), "u");
	ck_assert_str_eq(json_string_value(at("targets.0.tpgs.0.auth.chap.secret")), "r12345678901");
	/* an empty user with a password still set keeps the direction */
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"userid=\", \"password=s12345678901\"]}");
	ck_assert_ptr_nonnull(at("targets.0.tpgs.0.auth.chap"));
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"userid=\", \"password=\"]}");
	ck_assert_ptr_null(at("targets.0.tpgs.0.auth.chap"));
	ck_assert_ptr_nonnull(at("targets.0.tpgs.0.auth.mutual_chap"));
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"mutual_userid=\"]}");
	ck_assert_ptr_null(at("targets.0.tpgs.0.auth")); /* nothing left: no auth object */
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\"]}");
	ck_assert_ptr_null(at("targets.0.tpgs.0.auth"));
}
END_TEST

START_TEST(attributes_lio_spells_map_to_ours_or_are_taken_as_what_we_do)
{
	changed("{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"" T_IQN "\"]}");
	json_t *before = json_deep_copy(model);
	/* what reftarget does anyway: taken, nothing to change */
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"demo_mode_write_protect=0\","
		" \"cache_dynamic_acls=1\", \"authentication=1\"]}");
	ck_assert(json_equal(model, before));
	json_decref(before);
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"demo_mode_discovery=no\","
		" \"generate_node_acls=No\"]}");
	ck_assert(json_is_false(at("targets.0.tpgs.0.discovery_open")));
	ck_assert(json_is_false(at("targets.0.tpgs.0.open_access")));
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"generate_node_acls=yes\"]}");
	ck_assert(json_is_true(at("targets.0.tpgs.0.open_access")));
	/* authentication=0 forgets the group's and every ACL's credentials */
	changed("{\"path\": \"" T_TPG "/acls\", \"cmd\": \"create\", \"args\": [\"" INI_A "\"]}");
	changed("{\"path\": \"" T_TPG "/acls/" INI_A "\", \"cmd\": \"set\", \"args\": [\"auth\", \"userid=u\","
		" \"password=p12345678901\"]}");
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"authentication=true\"]}");
	ck_assert_ptr_nonnull(at("targets.0.tpgs.0.acls.0.auth"));
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"authentication=false\"]}");
	ck_assert_ptr_null(at("targets.0.tpgs.0.acls.0.auth"));
}
END_TEST

START_TEST(parameters_take_numbers_yes_no_and_digest_lists)
{
	changed("{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"" T_IQN "\"]}");
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\"]}");
	ck_assert_ptr_null(at("params")); /* nothing set: no params object */
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"MaxConnections=2\","
		" \"DataDigest=None\", \"HeaderDigest=CRC32C\", \"ImmediateData=1\", \"DataPDUInOrder=0\"]}");
	ck_assert_int_eq(json_integer_value(at("params.max_connections")), 2);
	ck_assert(json_is_false(at("params.data_digest")));
	ck_assert(json_is_true(at("params.header_digest")));
	ck_assert(json_is_true(at("params.immediate_data")));
	ck_assert(json_is_false(at("params.data_pdu_in_order")));
	/* a second request keeps what the first set */
	changed("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"MaxConnections=4\"]}");
	ck_assert_int_eq(json_integer_value(at("params.max_connections")), 4);
	ck_assert(json_is_true(at("params.header_digest")));
}
END_TEST

START_TEST(ls_draws_what_the_model_leaves_out_with_the_defaults)
{
	json_decref(model);
	model = json_loads("{\"portals\": [{\"address\": \"10.0.0.1\"}], \"lus\": [{\"name\": \"d0\", \"size\": 4096}],"
			   " \"targets\": [{\"name\": \"" T_IQN "\", \"tpgs\": [{\"portals\": [0], \"acls\": [{}]},"
			   " {\"tag\": 7}]}, {}]}", 0, NULL);
	ck_assert_ptr_nonnull(model);
	static const char *const tree[] = { "d0 [ram, 4096 bytes]", "tpg1 [acls only, no auth]", "10.0.0.1:3260",
					    "o- ? [no auth]", "tpg7 [", "iscsi [2]", "  o- ?\n", NULL };
	ls_shows(tree);
	/* a portal group without a tag is tpgN by its place */
	changed("{\"path\": \"" T_TPG "/acls\", \"cmd\": \"create\", \"args\": [\"" INI_A "\"]}");
	changed("{\"path\": \"/iscsi/" T_IQN "/tpg7/acls\", \"cmd\": \"create\", \"args\": [\"" INI_A "\"]}");
	ck_assert_uint_eq(json_array_size(at("targets.0.tpgs.1.acls")), 1);
}
END_TEST

START_TEST(saveconfig_takes_each_name_of_each_format)
{
	taken("{\"cmd\": \"saveconfig\", \"args\": [\"/x\", \"format=targetcli\"]}", CTL_SAVE);
	taken("{\"cmd\": \"restoreconfig\", \"args\": [\"/x\", \"format=reftarget\"]}", CTL_RESTORE);
	taken("{\"path\": \"//iscsi//\", \"cmd\": \"ls\"}", CTL_SHOW);
}
END_TEST

Suite *suite_ctl_edit(void)
{
	Suite *s = suite_create("ctl_edit");
	TCase *tc = tcase_create("ctl_edit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, backstores_of_every_type_are_created_in_an_empty_model);
	tcase_add_test(tc, a_target_in_a_model_without_portals_gets_lios_default_portal);
	tcase_add_test(tc, luns_take_targetclis_spellings_and_add_mapped_luns_false_maps_none);
	tcase_add_test(tc, set_auth_turns_each_direction_on_and_off_and_ls_names_it);
	tcase_add_test(tc, attributes_lio_spells_map_to_ours_or_are_taken_as_what_we_do);
	tcase_add_test(tc, parameters_take_numbers_yes_no_and_digest_lists);
	tcase_add_test(tc, ls_draws_what_the_model_leaves_out_with_the_defaults);
	tcase_add_test(tc, saveconfig_takes_each_name_of_each_format);
	suite_add_tcase(s, tc);
	return s;
}
