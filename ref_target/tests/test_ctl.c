/* The control socket's requests (daemon/ctl_req.c, ctl_cmd.c, ctl_ls.c):
 * the bounded parser, targetcli's vocabulary as edits of the model with
 * LIO's defaults (auto-mapped LUNs, a backstore's LUNs going with it), the
 * refusals by name, and the two savers (dcfg_save.c, dcfg_lio_save.c)
 * read back by the two loaders. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl_req.h"
#include "daemon/dcfg.h"
#include "daemon/dcfg_save.h"

#define T_IQN "iqn.2026-12.org.iscsi-sim:t"
#define T_TPG "/iscsi/" T_IQN "/tpg1"
#define INI_A "iqn.2026-12.org.iscsi-sim:a"

static const char base[] =
	"{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}],"
	" \"lus\": [{\"name\": \"d0\", \"size\": \"8M\"}, {\"name\": \"d1\", \"size\": \"4M\"}],"
	" \"targets\": [{\"name\": \"" T_IQN "\", \"tpgs\": [{\"portals\": [0],"
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

/* Apply one request line to the model; returns the action, err set. */
static enum ctl_action apply(const char *line, char *err, size_t err_len)
{
	struct ctl_req r;
	err[0] = '\0';
	if (ctl_req_parse(&r, line, strlen(line), err, err_len) != 0) {
		ctl_req_fini(&r);
		return CTL_ERROR;
	}
	struct ctl_result res;
	ctl_apply(model, &r, &res);
	snprintf(err, err_len, "%s", res.err);
	free(res.out);
	ctl_req_fini(&r);
	return res.action;
}

static void ok(const char *line)
{
	char err[CTL_ERR_MAX];
	enum ctl_action a = apply(line, err, sizeof(err));
	ck_assert_msg(a != CTL_ERROR, "%s: %s", line, err);
}

static void refused(const char *line, const char *why)
{
	char err[CTL_ERR_MAX];
	ck_assert_int_eq(apply(line, err, sizeof(err)), CTL_ERROR);
	ck_assert_msg(strstr(err, why) != NULL, "'%s' not in '%s'", why, err);
}

/* The model loads and validates as the daemon would load it. */
static void loads(struct dcfg *d)
{
	char *t = json_dumps(model, 0), err[DCFG_ERR_MAX];
	memset(d, 0, sizeof(*d));
	int rc = dcfg_load_json(d, "t", t, strlen(t), err, sizeof(err));
	if (rc == 0)
		rc = dcfg_derive_ids(d, 7, err, sizeof(err));
	if (rc == 0)
		rc = dcfg_validate(d, err, sizeof(err));
	free(t);
	ck_assert_msg(rc == 0, "%s", err);
}

static size_t count(const char *path)
{
	json_t *j = model;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok(buf, "."); p && j; p = strtok(NULL, "."))
		j = (*p >= '0' && *p <= '9') ? json_array_get(j, (size_t)atoi(p)) : json_object_get(j, p);
	return json_array_size(j);
}

START_TEST(requests_that_are_not_well_formed_are_refused_with_a_reason)
{
	refused("{\"cmd\": ", "not JSON");
	refused("[1]", "object");
	refused("{\"cmd\": \"ls\", \"extra\": 1}", "unknown key");
	refused("{\"cmd\": 7}", "cmd must be");
	refused("{\"cmd\": \"ls\", \"args\": [1]}", "strings");
	refused("{\"cmd\": \"ls\", \"path\": \"/a/b/c/d/e/f/g/h/i\"}", "too many parts");
	refused("{\"cmd\": \"ls\", \"args\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\","
		"\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"]}", "CTL_ARGS_MAX");
	char *big = malloc(CTL_REQ_MAX + 2);
	memset(big, ' ', CTL_REQ_MAX + 1);
	big[CTL_REQ_MAX + 1] = '\0';
	refused(big, "CTL_REQ_MAX");
	free(big);
	refused("{\"cmd\": \"frob\", \"path\": \"/nowhere\"}", "no such path");
}
END_TEST

START_TEST(a_new_lun_is_mapped_into_every_acl_and_reported_by_ls)
{
	ok("{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"d2\", \"2M\"]}");
	ok("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"/backstores/ramdisk/d2\"]}");
	ck_assert_uint_eq(count("targets.0.tpgs.0.luns"), 2);
	ck_assert_uint_eq(count("targets.0.tpgs.0.acls.0.luns"), 2); /* auto_add_mapped_luns */
	struct ctl_req r;
	char err[CTL_ERR_MAX];
	const char *ls = "{\"cmd\": \"ls\"}";
	ck_assert_int_eq(ctl_req_parse(&r, ls, strlen(ls), err, sizeof(err)), 0);
	struct ctl_result res;
	ctl_apply(model, &r, &res);
	ck_assert_int_eq(res.action, CTL_SHOW);
	ck_assert_ptr_nonnull(strstr(res.out, "lun1 [d2]"));
	free(res.out);
	ctl_req_fini(&r);
	struct dcfg d;
	loads(&d);
	dcfg_free(&d);
}
END_TEST

START_TEST(deleting_a_backstore_deletes_its_luns_and_mapped_luns)
{
	ok("{\"path\": \"/backstores/ramdisk\", \"cmd\": \"delete\", \"args\": [\"name=d0\"]}");
	ck_assert_uint_eq(count("lus"), 1);
	ck_assert_uint_eq(count("targets.0.tpgs.0.luns"), 0);
	ck_assert_uint_eq(count("targets.0.tpgs.0.acls.0.luns"), 0);
	refused("{\"path\": \"/backstores/fileio\", \"cmd\": \"delete\", \"args\": [\"d1\"]}", "no storage object");
}
END_TEST

START_TEST(acls_are_created_with_the_groups_luns_and_deleted_by_name)
{
	ok("{\"path\": \"" T_TPG "/acls\", \"cmd\": \"create\", \"args\": [\"iqn.2026-12.org.iscsi-sim:b\"]}");
	ck_assert_uint_eq(count("targets.0.tpgs.0.acls"), 2);
	ck_assert_uint_eq(count("targets.0.tpgs.0.acls.1.luns"), 1);
	refused("{\"path\": \"" T_TPG "/acls\", \"cmd\": \"create\", \"args\": [\"" INI_A "\"]}", "exists");
	ok("{\"path\": \"" T_TPG "/acls\", \"cmd\": \"delete\", \"args\": [\"wwn=" INI_A "\"]}");
	ck_assert_uint_eq(count("targets.0.tpgs.0.acls"), 1);
	refused("{\"path\": \"" T_TPG "/acls\", \"cmd\": \"delete\", \"args\": [\"wwn=" INI_A "\"]}", "no ACL");
}
END_TEST

START_TEST(set_auth_attribute_and_parameter_edit_what_loads)
{
	ok("{\"path\": \"" T_TPG "/acls/" INI_A "\", \"cmd\": \"set\", \"args\": [\"auth\", \"userid=u\","
	   " \"password=secretsecret12\", \"mutual_userid=m\", \"mutual_password=othersecret12\"]}");
	ok("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"authentication=1\"]}");
	ok("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"MaxRecvDataSegmentLength=65536\","
	   " \"InitialR2T=No\", \"HeaderDigest=CRC32C,None\"]}");
	refused("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"parameter\", \"IFMarker=Yes\"]}",
		"not an iSCSI parameter");
	refused("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"t10_pi=1\"]}",
		"not honoured");
	struct dcfg d;
	loads(&d);
	const struct rt_acl_cfg *acl = &d.cfg.targets[0].tpgs[0].acls[0];
	ck_assert_str_eq(acl->auth.in.user, "u");
	ck_assert_str_eq(acl->auth.out.secret, "othersecret12");
	ck_assert_uint_eq(d.cfg.params.max_recv_data_segment_length, 65536);
	ck_assert(!d.cfg.params.initial_r2t);
	ck_assert(d.cfg.params.header_digest);
	dcfg_free(&d);
	ok("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"authentication=0\"]}");
	loads(&d);
	ck_assert_ptr_null(d.cfg.targets[0].tpgs[0].acls[0].auth.in.user);
	dcfg_free(&d);
}
END_TEST

START_TEST(authentication_on_needs_credentials_for_every_acl)
{
	refused("{\"path\": \"" T_TPG "\", \"cmd\": \"set\", \"args\": [\"attribute\", \"authentication=1\"]}",
		"no credentials");
}
END_TEST

START_TEST(a_new_target_gets_tpg1_on_every_portal_and_portals_append)
{
	ok("{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"iqn.2026-12.org.iscsi-sim:new\"]}");
	ok("{\"path\": \"/iscsi/iqn.2026-12.org.iscsi-sim:new/tpg1/portals\", \"cmd\": \"create\","
	   " \"args\": [\"::1\", \"3261\"]}");
	ck_assert_uint_eq(count("portals"), 2);
	ck_assert_uint_eq(count("targets.1.tpgs.0.portals"), 2);
	refused("{\"path\": \"/iscsi\", \"cmd\": \"create\", \"args\": [\"wwn=" T_IQN "\"]}", "exists");
	refused("{\"path\": \"/iscsi/iqn.2026-12.org.iscsi-sim:none/tpg1/luns\", \"cmd\": \"create\"}", "no target");
	refused("{\"path\": \"" T_TPG "/portals\", \"cmd\": \"delete\", \"args\": [\"10.0.0.9\"]}", "not a portal");
	ok("{\"path\": \"/iscsi\", \"cmd\": \"delete\", \"args\": [\"iqn.2026-12.org.iscsi-sim:new\"]}");
	ck_assert_uint_eq(count("targets"), 1);
}
END_TEST

START_TEST(unknown_backstore_types_and_arguments_are_refused_by_name)
{
	refused("{\"path\": \"/backstores/user:rbd\", \"cmd\": \"create\", \"args\": [\"x\"]}", "TCMU");
	refused("{\"path\": \"/backstores/fileio\", \"cmd\": \"create\", \"args\": [\"name=x\", \"colour=red\"]}",
		"unknown argument 'colour'");
	refused("{\"path\": \"/backstores/fileio\", \"cmd\": \"create\", \"args\": [\"name=x\"]}", "file_or_dev");
	refused("{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"x\", \"huge\"]}", "not a size");
	refused("{\"path\": \"/backstores/ramdisk\", \"cmd\": \"create\", \"args\": [\"d0\", \"1M\"]}", "exists");
	refused("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"/backstores/ramdisk/d0\", \"0\"]}",
		"exists");
	refused("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"create\", \"args\": [\"/backstores/ramdisk/zz\"]}",
		"no storage object");
	refused("{\"path\": \"" T_TPG "/luns\", \"cmd\": \"delete\", \"args\": [\"lun=99999\"]}", "0..16383");
}
END_TEST

START_TEST(saveconfig_names_a_file_and_a_format)
{
	char err[CTL_ERR_MAX];
	ck_assert_int_eq(apply("{\"cmd\": \"saveconfig\", \"args\": [\"/tmp/x.json\", \"format=lio\"]}", err,
			       sizeof(err)), CTL_SAVE);
	ck_assert_int_eq(apply("{\"cmd\": \"restoreconfig\", \"args\": [\"savefile=/tmp/x.json\"]}", err,
			       sizeof(err)), CTL_RESTORE);
	refused("{\"cmd\": \"saveconfig\"}", "savefile=FILE is required");
	refused("{\"cmd\": \"saveconfig\", \"args\": [\"/x\", \"format=xml\"]}", "not reftarget or lio");
}
END_TEST

START_TEST(our_save_loads_back_and_saves_to_the_same_text)
{
	struct dcfg d1, d2;
	loads(&d1);
	json_t *j1 = dcfg_to_json(&d1);
	char *t1 = json_dumps(j1, JSON_SORT_KEYS), err[DCFG_ERR_MAX];
	memset(&d2, 0, sizeof(d2));
	ck_assert_msg(dcfg_load_json(&d2, "t", t1, strlen(t1), err, sizeof(err)) == 0, "%s", err);
	json_t *j2 = dcfg_to_json(&d2);
	char *t2 = json_dumps(j2, JSON_SORT_KEYS);
	ck_assert_str_eq(t1, t2);
	free(t1), free(t2);
	json_decref(j1), json_decref(j2);
	dcfg_free(&d1), dcfg_free(&d2);
}
END_TEST

START_TEST(the_lio_save_loads_through_lio_config_and_refuses_what_lio_cannot_say)
{
	char err[CTL_ERR_MAX], lerr[DCFG_ERR_MAX];
	json_t *lio = ctl_lio_save(model, err, sizeof(err));
	ck_assert_msg(lio != NULL, "%s", err);
	char *t = json_dumps(lio, 0);
	struct dcfg d = { 0 };
	ck_assert_msg(dcfg_load_lio(&d, "lio", t, strlen(t), lerr, sizeof(lerr)) == 0, "%s", lerr);
	ck_assert_uint_eq(d.cfg.lu_count, 2);
	ck_assert_str_eq(d.cfg.lus[0].name, "ramdisk/d0");
	ck_assert_str_eq(d.cfg.targets[0].tpgs[0].acls[0].initiator, INI_A);
	dcfg_free(&d);
	free(t);
	json_decref(lio);
	json_object_set_new(json_array_get(json_object_get(model, "lus"), 0), "flags", json_pack("[s]", "sanitize"));
	ck_assert_ptr_null(ctl_lio_save(model, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "lus[0].flags: 'sanitize'"));
	json_object_del(json_array_get(json_object_get(model, "lus"), 0), "flags");
	json_object_set_new(model, "params", json_pack("{s:I}", "mem_budget_bytes", (json_int_t)12345678));
	ck_assert_ptr_null(ctl_lio_save(model, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "params.mem_budget_bytes"));
}
END_TEST

Suite *suite_ctl(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ctl");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, requests_that_are_not_well_formed_are_refused_with_a_reason);
	tcase_add_test(tc, a_new_lun_is_mapped_into_every_acl_and_reported_by_ls);
	tcase_add_test(tc, deleting_a_backstore_deletes_its_luns_and_mapped_luns);
	tcase_add_test(tc, acls_are_created_with_the_groups_luns_and_deleted_by_name);
	tcase_add_test(tc, set_auth_attribute_and_parameter_edit_what_loads);
	tcase_add_test(tc, authentication_on_needs_credentials_for_every_acl);
	tcase_add_test(tc, a_new_target_gets_tpg1_on_every_portal_and_portals_append);
	tcase_add_test(tc, unknown_backstore_types_and_arguments_are_refused_by_name);
	tcase_add_test(tc, saveconfig_names_a_file_and_a_format);
	tcase_add_test(tc, our_save_loads_back_and_saves_to_the_same_text);
	tcase_add_test(tc, the_lio_save_loads_through_lio_config_and_refuses_what_lio_cannot_say);
	suite_add_tcase(s, tc);
	return s;
}
