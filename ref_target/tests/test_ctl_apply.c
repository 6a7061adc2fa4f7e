/* The control socket's apply half (daemon/ctl.c) in-process on the rig
 * (ctl_rig.h): an edit becomes the running configuration (dcfg, store,
 * engine, new portals), or, refused anywhere on the way (the loader, the
 * LU layout, validation, the backstore, the engine), nothing changes: the
 * running dcfg, the open LUs and what ls shows stay as they were, and the
 * error names the key. saveconfig/restoreconfig, and a daemon started
 * from the quick flags (flags that follow the backstore).
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <unistd.h>

#include "ctl_rig.h"

static struct rig g;
static char text[CTL_ERR_MAX * 2];

static void setup(void)
{
	rig_open(&g, RIG_JSON, NULL);
}

static void teardown(void)
{
	rig_close(&g);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void ok(const char *path, const char *cmd, const char *const *args)
{
	ck_assert_msg(rig_cmd(&g, text, sizeof(text), path, cmd, args), "%s %s: %s", path, cmd, text);
}

/* path cmd args is refused with why in the error; the running
 * configuration, the open LUs and the ls tree are as before. */
static void refused(const char *path, const char *cmd, const char *const *args, const char *why)
{
	char before[1 << 14], after[1 << 14];
	ck_assert(rig_cmd(&g, before, sizeof(before), "/", "ls", NULL));
	const struct dcfg *live = g.live;
	uint32_t lus = g.store.count;
	ck_assert_msg(!rig_cmd(&g, text, sizeof(text), path, cmd, args), "%s %s: taken: %s", path, cmd, text);
	ck_assert_msg(strstr(text, why) != NULL, "%s %s: '%s' not in '%s'", path, cmd, why, text);
	ck_assert_msg(strncmp(text, "control:", 8) != 0, "the model's own line numbers: %s", text);
	ck_assert(rig_cmd(&g, after, sizeof(after), "/", "ls", NULL));
	ck_assert_str_eq(before, after);
	ck_assert_ptr_eq(g.live, live);
	ck_assert_uint_eq(g.store.count, lus);
}

START_TEST(an_edit_becomes_the_running_configuration)
{
	ok("/backstores/ramdisk", "create", ARGS("d1", "2M"));
	ck_assert_ptr_nonnull(strstr(text, "applied: 0 session(s) ended"));
	ck_assert_ptr_nonnull(strstr(text, "1 LU(s) added"));
	ok(RIG_TPG "/luns", "create", ARGS("/backstores/ramdisk/d1"));
	ck_assert_ptr_ne(g.live, &g.first);
	ck_assert_uint_eq(g.live->cfg.lu_count, 2);
	ck_assert_uint_eq(g.live->cfg.targets[0].tpgs[0].lun_count, 2);
	ck_assert_uint_eq(g.store.count, 2);
	ok("/", "ls", NULL);
	ck_assert_ptr_nonnull(strstr(text, "lun1 [d1]"));
	/* the identity of a running LU stays through every change (SPC-4 §7.8.6) */
	ck_assert_str_eq(g.live->cfg.lus[0].serial, g.first.cfg.lus[0].serial);
	ck_assert_uint_eq(g.live->cfg.lus[0].naa_id, g.first.cfg.lus[0].naa_id);
}
END_TEST

START_TEST(a_deleted_lu_is_retired_and_its_name_may_come_back_as_a_new_lu)
{
	ok("/backstores/ramdisk", "delete", ARGS("d0"));
	ck_assert_uint_eq(g.live->cfg.lu_count, 1);
	ck_assert_str_eq(g.live->cfg.lus[0].name, "~retired0");
	ck_assert_uint_eq(g.live->cfg.targets[0].tpgs[0].lun_count, 0);
	ok("/backstores/ramdisk", "create", ARGS("d0", "2M"));
	ck_assert_uint_eq(g.live->cfg.lu_count, 2); /* appended: the retired one stays open */
	ck_assert_str_eq(g.live->cfg.lus[1].name, "d0");
	ck_assert_uint_ne(g.live->cfg.lus[0].naa_id, g.live->cfg.lus[1].naa_id);
	ok(RIG_TPG "/luns", "create", ARGS("d0", "lun=0"));
	ck_assert_uint_eq(g.live->cfg.targets[0].tpgs[0].luns[0].lu, 1);
}
END_TEST

START_TEST(a_file_lu_without_a_size_takes_its_files_once_open)
{
	ok("/backstores/fileio", "create", ARGS("f1", rig_path(&g, "disk.img")));
	ck_assert_uint_eq(g.live->cfg.lus[1].blocks, RIG_DISK_BYTES / 512);
	/* the model keeps no size: a saved file means the same on other storage */
	ok("/", "saveconfig", ARGS(rig_path(&g, "saved.json")));
	json_t *j = json_load_file(rig_path(&g, "saved.json"), 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(j, "lus"), 1), "size"));
	json_decref(j);
}
END_TEST

START_TEST(what_the_loader_or_validation_refuses_changes_nothing)
{
	refused("/backstores/fileio", "create", ARGS("name=f1", "file_or_dev="), "lus[1].path");
	refused("/iscsi", "create", ARGS("not-an-iqn"), "targets[1].name");
	refused(RIG_TPG "/portals", "delete", ARGS("127.0.0.1"), "targets[0].tpgs[0].portals");
}
END_TEST

START_TEST(a_backstore_that_will_not_open_changes_nothing)
{
	refused("/backstores/fileio", "create", ARGS("f1", rig_path(&g, "no-such.img")), "lus[1]");
}
END_TEST

START_TEST(restoreconfig_that_the_running_target_cannot_take_changes_nothing)
{
	/* d0 is running on RAM: not another backstore under the same name */
	rig_write(&g, "file-d0.json",
		  "{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}],"
		  " \"lus\": [{\"name\": \"d0\", \"backstore\": \"file\", \"path\": \"@D/disk.img\"}],"
		  " \"targets\": [{\"name\": \"" RIG_IQN "\", \"tpgs\": [{\"portals\": [0], \"open_access\": true,"
		  "   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]}]}]}");
	refused("/", "restoreconfig", ARGS(rig_path(&g, "file-d0.json")), "lus[0]: 'd0' is running on another backstore");
	/* the geometry of a running LU (the engine's refusal) */
	rig_write(&g, "bs4k.json",
		  "{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}],"
		  " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"block_size\": 4096}, {\"name\": \"n1\", \"size\": \"1M\"}],"
		  " \"targets\": [{\"name\": \"" RIG_IQN "\", \"tpgs\": [{\"portals\": [0], \"open_access\": true,"
		  "   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}, {\"lun\": 1, \"lu\": \"n1\"}]}]}]}");
	refused("/", "restoreconfig", ARGS(rig_path(&g, "bs4k.json")), "lus[0].size: the geometry of a running LU");
	/* the portals of a running target keep their places */
	rig_write(&g, "portals.json",
		  "{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3261}, {\"address\": \"127.0.0.1\", \"port\": 3260}],"
		  " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\"}],"
		  " \"targets\": [{\"name\": \"" RIG_IQN "\", \"tpgs\": [{\"portals\": [1], \"open_access\": true,"
		  "   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]}]}]}");
	refused("/", "restoreconfig", ARGS(rig_path(&g, "portals.json")), "portals[0]: a running target keeps its portals");
	/* a serial the file names is the running LU's from then on */
	rig_write(&g, "serial.json",
		  "{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}],"
		  " \"lus\": [{\"name\": \"d0\", \"size\": \"1M\", \"serial\": \"S-D0\", \"naa_id\": 12345}],"
		  " \"targets\": [{\"name\": \"" RIG_IQN "\", \"tpgs\": [{\"portals\": [0], \"open_access\": true,"
		  "   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]}]}]}");
	ok("/", "restoreconfig", ARGS(rig_path(&g, "serial.json")));
	ck_assert_str_eq(g.live->cfg.lus[0].serial, "S-D0");
	ck_assert_uint_eq(g.live->cfg.lus[0].naa_id, 12345);
	/* files that do not load */
	refused("/", "restoreconfig", ARGS(rig_path(&g, "none.json")), "none.json");
	refused("/", "restoreconfig", ARGS(rig_path(&g, "none.json"), "format=lio"), "none.json");
	rig_write(&g, "bad.json", "{\"lus\": 7}");
	refused("/", "restoreconfig", ARGS(rig_path(&g, "bad.json")), "bad.json:1: (top level): missing required key");
}
END_TEST

/* d0 on RAM and f0 on the rig's disk.img, with its own INQUIRY strings. */
#define FILE_JSON(f0) \
	"{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}]," \
	" \"lus\": [{\"name\": \"d0\", \"size\": \"1M\"}, " f0 "]," \
	" \"targets\": [{\"name\": \"" RIG_IQN "\", \"tpgs\": [{\"portals\": [0], \"open_access\": true," \
	"   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}, {\"lun\": 1, \"lu\": \"f0\"}]}]}]}"
#define F0_HERE "{\"name\": \"f0\", \"backstore\": \"file\", \"path\": \"@D/disk.img\", \"vendor\": \"ACME\"," \
	" \"product\": \"DISK\", \"revision\": \"0042\"}"

START_TEST(a_running_file_lu_stays_on_its_file_until_deleted)
{
	rig_close(&g);
	rig_open(&g, FILE_JSON(F0_HERE), NULL);
	rig_write(&g, "same.json", FILE_JSON(F0_HERE));
	ok("/", "restoreconfig", ARGS(rig_path(&g, "same.json")));
	ck_assert_str_eq(g.live->stores[1].path, rig_path(&g, "disk.img"));
	rig_write(&g, "other.json", FILE_JSON("{\"name\": \"f0\", \"backstore\": \"file\", \"path\": \"@D/other.img\"}"));
	refused("/", "restoreconfig", ARGS(rig_path(&g, "other.json")), "lus[1]: 'f0' is running on another backstore");
	rig_write(&g, "ram.json", FILE_JSON("{\"name\": \"f0\", \"size\": \"1M\"}"));
	refused("/", "restoreconfig", ARGS(rig_path(&g, "ram.json")), "lus[1]: 'f0' is running on another backstore");
	/* deleted, it is retired: still open on its file, with its INQUIRY strings */
	ok("/backstores/fileio", "delete", ARGS("f0"));
	ck_assert_str_eq(g.live->cfg.lus[1].name, "~retired1");
	ck_assert_str_eq(g.live->stores[1].path, rig_path(&g, "disk.img"));
	ck_assert_str_eq(g.live->cfg.lus[1].vendor, "ACME");
	ck_assert_str_eq(g.live->cfg.lus[1].revision, "0042");
	ck_assert_uint_eq(g.live->cfg.lu_count, 2);
}
END_TEST

START_TEST(a_file_lu_of_no_blocks_is_refused_once_open_and_closed_again)
{
	FILE *f = fopen(rig_path(&g, "empty.img"), "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	refused("/backstores/fileio", "create", ARGS("e1", rig_path(&g, "empty.img")), "lus[1]");
}
END_TEST

START_TEST(more_lus_than_store_lus_max_in_one_run_are_refused)
{
	/* every LU of the file is new: with the running one, one too many */
	json_t *lus = json_array();
	for (unsigned i = 0; i < STORE_LUS_MAX; i++) {
		char name[16];
		snprintf(name, sizeof(name), "n%u", i);
		json_array_append_new(lus, json_pack("{s:s, s:s}", "name", name, "size", "64K"));
	}
	json_t *m = json_pack("{s:[{s:s, s:i}], s:o, s:[]}", "portals", "address", "127.0.0.1", "port", 3260, "lus", lus,
			      "targets");
	ck_assert_int_eq(json_dump_file(m, rig_path(&g, "many.json"), 0), 0);
	json_decref(m);
	refused("/", "restoreconfig", ARGS(rig_path(&g, "many.json")), "lus: more than 256 LUs created during this run");
}
END_TEST

START_TEST(saveconfig_into_a_directory_that_does_not_exist_is_refused_by_name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/no-such-dir/saved.json", g.dir);
	refused("/", "saveconfig", ARGS(path), "saveconfig: ");
	ck_assert_ptr_nonnull(strstr(text, path));
	ck_assert_ptr_nonnull(strstr(text, "No such file or directory"));
}
END_TEST

START_TEST(saveconfig_onto_a_directory_is_refused_and_leaves_no_temporary_file)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/sub", g.dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	rig_write(&g, "sub/keep", "x");
	refused("/", "saveconfig", ARGS(path), "saveconfig: ");
	ck_assert_ptr_nonnull(strstr(text, path));
	ck_assert_int_ne(access(rig_path(&g, "sub.tmp"), F_OK), 0);
	unlink(rig_path(&g, "sub/keep"));
	rmdir(path);
}
END_TEST

START_TEST(saveconfig_and_restoreconfig_round_trip_in_both_formats)
{
	ok("/backstores/ramdisk", "create", ARGS("d1", "2M"));
	ok("/", "saveconfig", ARGS(rig_path(&g, "ours.json")));
	ck_assert_ptr_nonnull(strstr(text, "saved to "));
	ok("/backstores/ramdisk", "delete", ARGS("d1"));
	ok("/", "restoreconfig", ARGS(rig_path(&g, "ours.json")));
	ok("/", "ls", NULL);
	ck_assert_ptr_nonnull(strstr(text, "d1 [ram, 2097152 bytes]"));
	ok("/", "saveconfig", ARGS(rig_path(&g, "lio.json"), "format=lio"));
	ok("/", "restoreconfig", ARGS(rig_path(&g, "lio.json"), "format=targetcli"));
	ok("/", "ls", NULL);
	ck_assert_ptr_nonnull(strstr(text, "ramdisk/d1")); /* LIO's names for them */
}
END_TEST

/* A port of 127.0.0.1 free a moment ago. */
static unsigned free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

START_TEST(a_new_portal_listens_and_one_that_cannot_is_said_in_the_answer)
{
	char port[8];
	unsigned p = free_port();
	snprintf(port, sizeof(port), "%u", p);
	ok(RIG_TPG "/portals", "create", ARGS("127.0.0.1", port));
	ck_assert_ptr_null(strstr(text, "does not listen"));
	ck_assert_uint_eq(net_port(g.net, 1), p);
	/* 192.0.2.1 (TEST-NET-1, RFC 5737) is no address of this host */
	ok(RIG_TPG "/portals", "create", ARGS("192.0.2.1", "3260"));
	ck_assert_msg(strstr(text, "portals[2] does not listen: cannot listen on 192.0.2.1:3260: bind"), "%s", text);
	ck_assert_uint_eq(g.live->cfg.portal_count, 3);
}
END_TEST

START_TEST(a_daemon_of_quick_flags_keeps_the_flags_its_backstore_gives)
{
	rig_close(&g);
	const struct dcfg_quick q = { .luns = { "ram:1M" }, .lun_count = 1, .mem_budget = "64M" };
	rig_open(&g, NULL, &q);
	ck_assert(g.first.stores[0].flags_from_caps);
	uint32_t flags = g.first.cfg.lus[0].flags;
	/* targetcli's format cannot say a memory budget: refused, no file */
	refused("/", "saveconfig", ARGS(rig_path(&g, "lio.json"), "format=lio"), "params.mem_budget_bytes");
	ck_assert_int_ne(access(rig_path(&g, "lio.json"), F_OK), 0);
	ck_assert_int_ne(access(rig_path(&g, "lio.json.tmp"), F_OK), 0);
	/* the model says no flags for lun0 (they follow the backstore), and a
	 * change keeps the ones the running LU has */
	ok("/", "saveconfig", ARGS(rig_path(&g, "ours.json")));
	json_t *j = json_load_file(rig_path(&g, "ours.json"), 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(j, "lus"), 0), "flags"));
	json_decref(j);
	ok("/backstores/ramdisk", "create", ARGS("d1", "1M"));
	ck_assert_uint_eq(g.live->cfg.lus[0].flags, flags);
	ok("/backstores/ramdisk", "create", ARGS("d2", "1M")); /* and the next one too */
	ck_assert_uint_eq(g.live->cfg.lus[0].flags, flags);
	/* flags a restored file names are the running LU's from then on */
	ok("/", "saveconfig", ARGS(rig_path(&g, "ours.json")));
	j = json_load_file(rig_path(&g, "ours.json"), 0, NULL);
	json_object_set_new(json_array_get(json_object_get(j, "lus"), 0), "flags", json_pack("[s]", "read_only"));
	ck_assert_int_eq(json_dump_file(j, rig_path(&g, "ours.json"), 0), 0);
	json_decref(j);
	ok("/", "restoreconfig", ARGS(rig_path(&g, "ours.json")));
	ck_assert_uint_eq(g.live->cfg.lus[0].flags, RT_LU_READ_ONLY);
}
END_TEST

Suite *suite_ctl_apply(void)
{
	Suite *s = suite_create("ctl_apply");
	TCase *tc = tcase_create("ctl_apply");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, an_edit_becomes_the_running_configuration);
	tcase_add_test(tc, a_deleted_lu_is_retired_and_its_name_may_come_back_as_a_new_lu);
	tcase_add_test(tc, a_file_lu_without_a_size_takes_its_files_once_open);
	tcase_add_test(tc, what_the_loader_or_validation_refuses_changes_nothing);
	tcase_add_test(tc, a_backstore_that_will_not_open_changes_nothing);
	tcase_add_test(tc, restoreconfig_that_the_running_target_cannot_take_changes_nothing);
	tcase_add_test(tc, a_running_file_lu_stays_on_its_file_until_deleted);
	tcase_add_test(tc, a_file_lu_of_no_blocks_is_refused_once_open_and_closed_again);
	tcase_add_test(tc, more_lus_than_store_lus_max_in_one_run_are_refused);
	tcase_add_test(tc, saveconfig_into_a_directory_that_does_not_exist_is_refused_by_name);
	tcase_add_test(tc, saveconfig_onto_a_directory_is_refused_and_leaves_no_temporary_file);
	tcase_add_test(tc, saveconfig_and_restoreconfig_round_trip_in_both_formats);
	tcase_add_test(tc, a_new_portal_listens_and_one_that_cannot_is_said_in_the_answer);
	tcase_add_test(tc, a_daemon_of_quick_flags_keeps_the_flags_its_backstore_gives);
	suite_add_tcase(s, tc);
	return s;
}
