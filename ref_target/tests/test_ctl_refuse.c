/* The control socket's refusals (daemon/ctl_req.c, ctl_cmd.c): every
 * request the parser or a command refuses is answered with an error that
 * names the path, the key or the value at fault, and leaves the model as it
 * was (ctl_apply edits in place only what it takes: ctl_req.h). Each case
 * is one row: the request line and a piece of text the error must hold.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl_req.h"

#define T_IQN "iqn.2026-12.org.iscsi-sim:t"
#define T_TPG "/iscsi/" T_IQN "/tpg1"
#define INI_A "iqn.2026-12.org.iscsi-sim:a"

/* Two portals, the group on the first only; a file LU and a RAM LU. */
static const char base[] =
	"{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}, {\"address\": \"127.0.0.1\", \"port\": 3261}],"
	" \"lus\": [{\"name\": \"d0\", \"size\": \"8M\"}, {\"name\": \"f0\", \"backstore\": \"file\","
	"   \"path\": \"/tmp/f0.img\", \"size\": \"1M\"}],"
	" \"targets\": [{\"name\": \"" T_IQN "\", \"tpgs\": [{\"tag\": 1, \"portals\": [0],"
	"   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}],"
	"   \"acls\": [{\"initiator\": \"" INI_A "\", \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]}]}]}]}";

static json_t *model;

static void setup(void)
{
	model = json_loads(base, 0, NULL);
	ck_assert_ptr_nonnull(model);
}

static void teardown(void)
{
	json_decref(model);
}

struct refusal {
	const char *line;
	const char *why; /* must be in the error */
};

/* Each request refused with its reason, the model left as it was. */
static void all_refused(const struct refusal *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_t *before = json_deep_copy(model);
		char err[CTL_ERR_MAX] = "";
		struct ctl_req r;
		enum ctl_action a = CTL_ERROR;
		if (ctl_req_parse(&r, rows[i].line, strlen(rows[i].line), err, sizeof(err)) == 0) {
			struct ctl_result res;
			ctl_apply(model, &r, &res);
			a = res.action;
			snprintf(err, sizeof(err), "%s", res.err);
			free(res.out);
		}
		ctl_req_fini(&r);
		ck_assert_msg(a == CTL_ERROR, "%s: not refused (action %d)", rows[i].line, (int)a);
		ck_assert_msg(strstr(err, rows[i].why) != NULL, "%s: '%s' not in '%s'", rows[i].line, rows[i].why, err);
		ck_assert_msg(json_equal(model, before), "%s: refused, but the model changed", rows[i].line);
		json_decref(before);
	}
}

#define REFUSED(rows) all_refused(rows, sizeof(rows) / sizeof(rows[0]))

/* A request line with one string member made of n copies of c. */
static char *long_member(const char *head, char c, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

START_TEST(the_parser_refuses_what_does_not_fit_its_bounds_by_name)
{
	char *long_path = long_member("{\"cmd\": \"ls\", \"path\": \"/", 'a', CTL_ARG_MAX, "\"}");
	char *long_arg = long_member("{\"cmd\": \"ls\", \"args\": [\"", 'a', CTL_ARG_MAX, "\"]}");
	char *long_cmd = long_member("{\"cmd\": \"", 'a', CTL_ARG_MAX, "\"}");
	const struct refusal rows[] = {
		{ long_path, "path longer than CTL_ARG_MAX" },
		{ long_arg, "an argument is longer than CTL_ARG_MAX" },
		{ long_cmd, "cmd must be a non-empty string" },
		/* a NUL inside a string: jansson refuses it before parse_arg looks */
		{ "{\"cmd\": \"ls\", \"args\": [\"a\\u0000b\"]}", "not JSON" },
		{ "{\"cmd\": \"\"}", "cmd must be a non-empty string" },
		{ "{\"path\": \"/\"}", "cmd must be a non-empty string" },
		{ "{\"cmd\": \"ls\", \"path\": 3}", "path must be a string" },
		{ "{\"cmd\": \"ls\", \"args\": {\"a\": \"b\"}}", "args must be an array" },
		{ "{\"cmd\": \"ls\", \"cmd\": \"ls\"}", "not JSON" },
	};
	REFUSED(rows);
	free(long_path), free(long_arg), free(long_cmd);
}
END_TEST

START_TEST(saveconfig_and_restoreconfig_refuse_unknown_and_extra_arguments)
{
	const struct refusal rows[] = {
		{ "{\"cmd\": \"saveconfig\", \"args\": [\"/x\", \"mode=0600\"]}", "/ saveconfig: unknown argument 'mode'" },
		{ "{\"cmd\": \"restoreconfig\", \"args\": [\"/x\", \"/y\"]}", "restoreconfig: too many positional" },
		{ "{\"cmd\": \"restoreconfig\", \"args\": [\"format=lio\"]}", "restoreconfig: savefile=FILE is required" },
		{ "{\"cmd\": \"restoreconfig\", \"args\": [\"/x\", \"format=\"]}", "format '' is not reftarget or lio" },
	};
	REFUSED(rows);
}
END_TEST

START_TEST(paths_outside_the_tree_are_refused_by_name)
{
	const struct refusal rows[] = {
		{ "{\"path\": \"/iscsi/" T_IQN "\", \"cmd\": \"create\"}", "/iscsi/" T_IQN ": no such path" },
		{ "{\"path\": \"/\", \"cmd\": \"create\"}", "/: no such path" },
		{ "{\"path\": \"/backstores\", \"cmd\": \"create\", \"args\": [\"x\"]}",
		  "/backstores: name a backstore type" },
		{ "{\"path\": \"/backstores/fileio/x\", \"cmd\": \"delete\"}", "/backstores/fileio/x: name a backstore" },
		{ "{\"path\": \"/iscsi/" T_IQN "/tpgx/luns\", \"cmd\": \"create\"}", "no portal group 'tpgx'" },
		{ "{\"path\": \"/iscsi/" T_IQN "/tpg\", \"cmd\": \"set\"}", "'tpg' is not tpgN" },
		{ "{\"path\": \"/iscsi/" T_IQN "/portal1\", \"cmd\": \"set\"}", "'portal1' is not tpgN" },
		{ "{\"path\": \"/iscsi/" T_IQN "/tpg2\", \"cmd\": \"enable\"}", "no portal group 'tpg2' in '" T_IQN "'" },
		{ "{\"path\": \"/iscsi/" T_IQN "/tpg1x\", \"cmd\": \"enable\"}", "no portal group 'tpg1x'" },
		{ "{\"path\": \"/iscsi/iqn.2026-12.org.iscsi-sim:none/tpg1\", \"cmd\": \"enable\"}",
		  "no target 'iqn.2026-12.org.iscsi-sim:none'" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"frob\"}", T_TPG ": no command 'frob' here" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"set\", \"args\": [\"auth\"]}", "/luns: no command 'set'" },
		{ "{\"path\": \"" T_TPG "/luns/0\", \"cmd\": \"delete\"}", "/luns/0: no command 'delete'" },
		{ "{\"path\": \"" T_TPG "/acls/" INI_A "\", \"cmd\": \"delete\"}", "no command 'delete'" },
		{ "{\"path\": \"" T_TPG "/acls\", \"cmd\": \"set\"}", "/acls: no command 'set'" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"set\"}", "/portals: no command 'set'" },
		{ "{\"path\": \"" T_TPG "/portals/x\", \"cmd\": \"create\"}", "/portals/x: no command 'create'" },
		{ "{\"path\": \"" T_TPG "/alua\", \"cmd\": \"create\"}", "/alua: no command 'create'" },
		{ "{\"path\": \"" T_TPG "/acls/iqn.2026-12.org.iscsi-sim:z\", \"cmd\": \"set\", \"args\": [\"auth\"]}",
		  "no ACL for 'iqn.2026-12.org.iscsi-sim:z'" },
	};
	REFUSED(rows);
}
END_TEST

START_TEST(backstore_commands_refuse_missing_unknown_and_mismatched_arguments)
{
	const struct refusal rows[] = {
		{ "{\"path\": \"/backstores/fileio\", \"cmd\": \"frob\"}", "/backstores/fileio: no command 'frob'" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"delete\", \"args\": [\"name=d0\", \"colour=red\"]}",
		  "delete: unknown argument 'colour'" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"delete\", \"args\": [\"d0\", \"x\"]}",
		  "delete: too many positional" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"delete\"}", "no storage object '' of this type" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"delete\", \"args\": [\"zz\"]}",
		  "no storage object 'zz' of this type" },
		{ "{\"path\": \"/backstores/block\", \"cmd\": \"delete\", \"args\": [\"d0\"]}",
		  "/backstores/block delete: no storage object 'd0'" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"delete\", \"args\": [\"f0\"]}",
		  "/backstores/ramdisk delete: no storage object 'f0'" },
		{ "{\"path\": \"/backstores/fileio\", \"cmd\": \"create\", \"args\": [\"file_or_dev=/f\"]}",
		  "create: name= is required" },
		{ "{\"path\": \"/backstores/fileio\", \"cmd\": \"create\", \"args\": [\"name=\", \"file_or_dev=/f\"]}",
		  "create: name= is required" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"r1\"]}",
		  "a ramdisk takes name and size" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"r1\", \"1M\", \"file_or_dev=/f\"]}",
		  "a ramdisk takes name and size" },
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"r1\", \"1M\", \"x\"]}",
		  "create: too many positional" },
		{ "{\"path\": \"/backstores/iblock\", \"cmd\": \"create\", \"args\": [\"b1\"]}", "file_or_dev= is required" },
		{ "{\"path\": \"/backstores/fileio\", \"cmd\": \"create\", \"args\": [\"f1\", \"/f\", \"12Q\"]}",
		  "size '12Q' is not a size" },
		{ "{\"path\": \"/backstores/block\", \"cmd\": \"create\", \"args\": [\"f0\", \"/dev/sdz\"]}",
		  "a storage object named 'f0' exists" },
		{ "{\"path\": \"/backstores/pscsi\", \"cmd\": \"create\", \"args\": [\"p\"]}",
		  "'pscsi' backstores are not supported" },
	};
	REFUSED(rows);
}
END_TEST

START_TEST(target_commands_refuse_missing_unknown_and_duplicate_names)
{
	const struct refusal rows[] = {
		{ "{\"path\": \"/iscsi\", \"cmd\": \"frob\"}", "/iscsi: no command 'frob' here" },
		{ "{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"a\", \"b\"]}", "/iscsi create: too many positional" },
		{ "{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"name=a\"]}", "unknown argument 'name'" },
		{ "{\"path\": \"/iscsi\", \"cmd\": \"create\"}", "/iscsi create: wwn= (the target's IQN) is required" },
		{ "{\"path\": \"/iscsi\", \"cmd\": \"delete\", \"args\": [\"wwn=\"]}", "/iscsi delete: wwn=" },
		{ "{\"path\": \"/iscsi\", \"cmd\": \"delete\", \"args\": [\"iqn.2026-12.org.iscsi-sim:none\"]}",
		  "/iscsi delete: no target 'iqn.2026-12.org.iscsi-sim:none'" },
		{ "{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"" T_IQN "\"]}", "target '" T_IQN "' exists" },
	};
	REFUSED(rows);
}
END_TEST

START_TEST(lun_commands_refuse_bad_numbers_missing_objects_and_bad_flags)
{
	const struct refusal rows[] = {
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"d0\", \"1\", \"x\"]}",
		  "/luns create: too many positional" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"storage_object=d0\"]}",
		  "/luns delete: unknown argument 'storage_object'" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"lun=7\"]}", "/luns delete: no LUN 7" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\"}", "no LUN (lun= is required)" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"lun=-1\"]}", "lun '-1' is not 0..16383" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"lun=1x\"]}", "lun '1x' is not 0..16383" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"lun16384\"]}",
		  "lun 'lun16384' is not 0..16383" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\"}", "no storage object '(storage_object= is required)'" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"/backstores/fileio/f0\", \"lun0\"]}",
		  "/luns create: LUN 0 exists" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"f0\", \"add_mapped_luns=maybe\"]}",
		  "/luns create: add_mapped_luns must be true or false" },
	};
	REFUSED(rows);
}
END_TEST

START_TEST(acl_and_portal_commands_refuse_missing_unknown_and_duplicate_entries)
{
	const struct refusal rows[] = {
		{ "{\"path\": \"" T_TPG "/acls\", \"cmd\": \"create\", \"args\": [\"initiator=x\"]}",
		  "/acls create: unknown argument 'initiator'" },
		{ "{\"path\": \"" T_TPG "/acls\", \"cmd\": \"create\"}", "/acls create: wwn= (the initiator's IQN) is required" },
		{ "{\"path\": \"" T_TPG "/acls\", \"cmd\": \"delete\", \"args\": [\"wwn=\"]}", "/acls delete: wwn=" },
		/* "=x" and "/a=b" are values, not key=value */
		{ "{\"path\": \"" T_TPG "/acls\", \"cmd\": \"delete\", \"args\": [\"=x\"]}", "no ACL for '=x'" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"/backstores/fileio/a=b\"]}",
		  "no storage object '/backstores/fileio/a=b'" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"create\", \"args\": [\"port=1\"]}",
		  "/portals create: unknown argument 'port'" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"create\"}", "/portals create: ip_address= is required" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"create\", \"args\": [\"ip_address=\"]}",
		  "ip_address= is required" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"create\", \"args\": [\"10.0.0.1\", \"65536\"]}",
		  "ip_port= is 0..65535" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"create\", \"args\": [\"10.0.0.1\", \"x\"]}",
		  "ip_port= is 0..65535" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"create\", \"args\": [\"127.0.0.1\"]}",
		  "/portals create: 127.0.0.1:3260 is a portal of this group" },
		/* a portal of the target but not of this group */
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"delete\", \"args\": [\"127.0.0.1\", \"3261\"]}",
		  "/portals delete: 127.0.0.1:3261 is not a portal of this group" },
		/* a portal nowhere in the model: not added to it on the way */
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"delete\", \"args\": [\"10.0.0.9\"]}",
		  "/portals delete: 10.0.0.9:3260 is not a portal of this group" },
	};
	REFUSED(rows);
}
END_TEST

START_TEST(set_refuses_unknown_groups_keys_and_values_by_name)
{
	const struct refusal rows[] = {
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\"}", T_TPG " set: name the group" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"userid=u\"]}", "set: name the group" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"discovery_auth\"]}",
		  "set: group 'discovery_auth' is not honoured here" },
		{ "{\"path\": \"" T_TPG "/acls/" INI_A "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"x=1\"]}",
		  "/acls/" INI_A " set: group 'attribute' is not honoured here" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"user=u\"]}",
		  "set: unknown argument 'user'" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"auth\", \"x\"]}", "set: too many positional" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"generate_node_acls=maybe\"]}",
		  "set attribute: generate_node_acls=maybe is not 0 or 1" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"demo_mode_write_protect=1\"]}",
		  "set attribute: demo_mode_write_protect=1 is not honoured live" },
		/* the whole request or nothing: the first key is good, the second not */
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"generate_node_acls=0\","
		  " \"prod_mode_write_protect=1\"]}", "prod_mode_write_protect=1 is not honoured live" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"MaxBurstLength=big\"]}",
		  "set parameter: MaxBurstLength=big is not a number" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"MaxBurstLength=4294967296\"]}",
		  "MaxBurstLength=4294967296 is not a number" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"ImmediateData=Maybe\"]}",
		  "set parameter: ImmediateData=Maybe is not Yes or No" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"MaxConnections=2\","
		  " \"OFMarker=No\"]}", "'OFMarker' is not an iSCSI parameter" },
	};
	REFUSED(rows);
}
END_TEST

START_TEST(a_refusal_adds_no_empty_array_to_a_model_that_had_none)
{
	json_decref(model);
	model = json_pack("{s:[{s:s, s:[{}]}]}", "targets", "name", T_IQN, "tpgs");
	const struct refusal rows[] = {
		{ "{\"path\": \"/backstores/ramdisk\", \"cmd\": \"delete\", \"args\": [\"d0\"]}", "no storage object 'd0'" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"d0\"]}", "no storage object 'd0'" },
		{ "{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"0\"]}", "no LUN 0" },
		{ "{\"path\": \"" T_TPG "/acls\", \"cmd\": \"delete\", \"args\": [\"" INI_A "\"]}", "no ACL for" },
		{ "{\"path\": \"" T_TPG "/acls/" INI_A "\", \"cmd\": \"set\", \"args\": [\"auth\"]}", "no ACL for" },
		{ "{\"path\": \"" T_TPG "/portals\", \"cmd\": \"delete\", \"args\": [\"127.0.0.1\"]}", "not a portal" },
		{ "{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"X=1\"]}", "'X' is not" },
	};
	REFUSED(rows);
}
END_TEST

Suite *suite_ctl_refuse(void)
{
	Suite *s = suite_create("ctl_refuse");
	TCase *tc = tcase_create("ctl_refuse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, the_parser_refuses_what_does_not_fit_its_bounds_by_name);
	tcase_add_test(tc, saveconfig_and_restoreconfig_refuse_unknown_and_extra_arguments);
	tcase_add_test(tc, paths_outside_the_tree_are_refused_by_name);
	tcase_add_test(tc, backstore_commands_refuse_missing_unknown_and_mismatched_arguments);
	tcase_add_test(tc, target_commands_refuse_missing_unknown_and_duplicate_names);
	tcase_add_test(tc, lun_commands_refuse_bad_numbers_missing_objects_and_bad_flags);
	tcase_add_test(tc, acl_and_portal_commands_refuse_missing_unknown_and_duplicate_entries);
	tcase_add_test(tc, set_refuses_unknown_groups_keys_and_values_by_name);
	tcase_add_test(tc, a_refusal_adds_no_empty_array_to_a_model_that_had_none);
	suite_add_tcase(s, tc);
	return s;
}
