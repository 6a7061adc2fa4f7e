/* Tests of the daemon's rt_env (daemon/env.c) and of the backstore wiring
 * (daemon/store.c): clock, randomness, memory accounting, the completion
 * queue, atomic state files, and LUs opened on real backstores.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/dcfg.h"
#include "daemon/dlog.h"
#include "daemon/env.h"
#include "daemon/loop.h"
#include "daemon/store.h"

static char *temp_dir(void)
{
	char *dir = strdup("/tmp/rt-env-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static unsigned count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;
	while (d && (e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

START_TEST(env_clock_is_monotonic_and_random_varies)
{
	struct denv e;
	denv_init(&e, NULL, NULL, "/nonexistent");
	const struct rt_env *env = &e.env;
	uint64_t a = env->now_ns(env->ctx), b = env->now_ns(env->ctx);
	ck_assert_uint_ge(b, a);
	uint64_t seen[100];
	for (int i = 0; i < 100; i++) { /* crosses several refills of the batch */
		seen[i] = env->random_u64(env->ctx);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(seen[i], seen[j]);
	}
	denv_fini(&e);
}
END_TEST

START_TEST(env_counts_engine_memory)
{
	struct denv e;
	denv_init(&e, NULL, NULL, "/nonexistent");
	const struct rt_env *env = &e.env;
	void *p = env->alloc(env->ctx, 100), *q = env->alloc(env->ctx, 28);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(e.live_bytes, 128);
	env->free(env->ctx, p, 100);
	env->free(env->ctx, NULL, 0);
	ck_assert_uint_eq(e.live_bytes, 28);
	env->free(env->ctx, q, 28);
	ck_assert_uint_eq(e.live_bytes, 0);
	denv_fini(&e);
}
END_TEST

START_TEST(env_delivers_completions_in_order_later)
{
	struct denv e;
	static struct rt_disk_io ios[1000];
	denv_init(&e, NULL, NULL, "/nonexistent");
	ck_assert_ptr_null(denv_next_done(&e));
	/* interleave, so the ring wraps and then grows */
	size_t in = 0, out = 0;
	for (int round = 0; round < 10; round++) {
		for (int k = 0; k < 90; k++)
			denv_disk_complete(&e, &ios[in++]);
		for (int k = 0; k < 40; k++)
			ck_assert_ptr_eq(denv_next_done(&e), &ios[out++]);
	}
	while (out < in)
		ck_assert_ptr_eq(denv_next_done(&e), &ios[out++]);
	ck_assert_ptr_null(denv_next_done(&e));
	denv_fini(&e);
}
END_TEST

START_TEST(env_state_round_trips_atomically)
{
	char *dir = temp_dir();
	char sub[256];
	snprintf(sub, sizeof(sub), "%s/var/state", dir); /* not there yet: made on first save */
	struct denv e;
	denv_init(&e, NULL, NULL, sub);
	const struct rt_env *env = &e.env;
	uint8_t buf[64];
	ck_assert_int_eq(env->state_load(env->ctx, "pr.lu0", buf, sizeof(buf)), -1);
	ck_assert_int_eq(env->state_save(env->ctx, "pr.lu0", "first version", 13), 0);
	ck_assert_int_eq(env->state_save(env->ctx, "pr.lu0", "second", 6), 0);
	ck_assert_int_eq(env->state_load(env->ctx, "pr.lu0", buf, sizeof(buf)), 6);
	ck_assert_mem_eq(buf, "second", 6);
	ck_assert_int_eq(env->state_save(env->ctx, "empty", "", 0), 0);
	ck_assert_int_eq(env->state_load(env->ctx, "empty", buf, sizeof(buf)), 0);
	/* no temporary files left behind */
	ck_assert_uint_eq(count_entries(sub), 2);
	struct stat st;
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	/* a small buffer gets the start, as the simulator's env does */
	ck_assert_int_eq(env->state_load(env->ctx, "pr.lu0", buf, 3), 3);
	ck_assert_mem_eq(buf, "sec", 3);
	denv_fini(&e);
	remove_dir(sub);
	snprintf(sub, sizeof(sub), "%s/var", dir);
	remove_dir(sub);
	remove_dir(dir);
	free(dir);
}
END_TEST

START_TEST(env_state_refuses_keys_that_are_not_plain_names)
{
	char *dir = temp_dir();
	struct denv e;
	denv_init(&e, NULL, NULL, dir);
	const struct rt_env *env = &e.env;
	static const char *const bad[] = { "", "../escape", "a/b", ".hidden", "sp ace", "new\nline" };
	char longkey[DENV_KEY_MAX + 2];
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	dlog_set_level(RT_LOG_ERR);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(env->state_save(env->ctx, bad[i], "x", 1) == -1, "key '%s'", bad[i]);
	ck_assert_int_eq(env->state_save(env->ctx, longkey, "x", 1), -1);
	longkey[DENV_KEY_MAX] = '\0';
	ck_assert_int_eq(env->state_save(env->ctx, longkey, "x", 1), 0);
	ck_assert_uint_eq(count_entries(dir), 1);
	denv_fini(&e);
	remove_dir(dir);
	free(dir);
}
END_TEST

START_TEST(env_state_save_fails_cleanly_when_directory_cannot_exist)
{
	struct denv e;
	dlog_set_level(RT_LOG_ERR);
	denv_init(&e, NULL, NULL, "/proc/no-such-place/state");
	ck_assert_int_eq(e.env.state_save(e.env.ctx, "k", "x", 1), -1);
	denv_fini(&e);
}
END_TEST

/* store: LUs on real backstores */

static int load(struct dcfg *d, const char *text, char *err, size_t len)
{
	memset(d, 0, sizeof(*d));
	return dcfg_load_json(d, "s.json", text, strlen(text), err, len);
}

static void complete(void *ctx, struct rt_disk_io *io)
{
	denv_disk_complete(ctx, io);
}

/* A file of bytes named name in dir, configured as the one LU (file
 * backstore, with the extra JSON member key), and the store opened over it
 * (asserted). */
static void open_file_lu(struct dcfg *d, struct denv *e, struct store *s, const char *dir, const char *name,
			 off_t bytes, const char *key)
{
	char path[256], text[1024], err[DCFG_ERR_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ftruncate(fileno(f), bytes), 0);
	fclose(f);
	snprintf(text, sizeof(text),
		 "{\"portals\": [{\"address\": \"127.0.0.1\"}], \"targets\": [],\n"
		 " \"lus\": [{\"name\": \"f\", \"backstore\": \"file\", \"path\": \"%s\", %s}]}",
		 path, key);
	ck_assert_int_eq(load(d, text, err, sizeof(err)), 0);
	denv_init(e, NULL, s, dir);
	ck_assert_msg(store_open(s, d, false, complete, e, err, sizeof(err)) == 0, "%s", err);
}

START_TEST(store_fills_geometry_from_a_file)
{
	char *dir = temp_dir();
	struct dcfg d;
	struct denv e;
	struct store s;
	open_file_lu(&d, &e, &s, dir, "disk.img", 3u << 20, "\"block_size\": 4096");
	ck_assert_uint_eq(d.lus[0].blocks, (3u << 20) / 4096);
	/* a write and a read through env->disk_submit, completed later */
	uint8_t w[4096], r[4096];
	memset(w, 0x5a, sizeof(w));
	struct rt_disk_io io = { .lu = 0, .op = RT_DISK_WRITE, .offset = 8192, .len = 4096, .buf = w };
	e.env.disk_submit(e.env.ctx, &io);
	struct rt_disk_io *done;
	store_drain(&s);
	done = denv_next_done(&e);
	ck_assert_ptr_eq(done, &io);
	ck_assert_int_eq(io.status, RT_DISK_OK);
	io = (struct rt_disk_io){ .lu = 0, .op = RT_DISK_READ, .offset = 8192, .len = 4096, .buf = r };
	e.env.disk_submit(e.env.ctx, &io);
	store_drain(&s);
	done = denv_next_done(&e);
	ck_assert_ptr_eq(done, &io);
	ck_assert_mem_eq(r, w, sizeof(w));
	store_close(&s);
	denv_fini(&e);
	dcfg_free(&d);
	remove_dir(dir);
	free(dir);
}
END_TEST

START_TEST(store_paces_a_slow_medium)
{
	char err[DCFG_ERR_MAX];
	const char *text = "{\"portals\": [{\"address\": \"127.0.0.1\"}], \"targets\": [],\n"
			   " \"lus\": [{\"name\": \"r\", \"size\": \"16M\", \"media_mbps\": 1}]}";
	struct dcfg d;
	struct denv e;
	struct store s;
	ck_assert_int_eq(load(&d, text, err, sizeof(err)), 0);
	ck_assert_uint_eq(d.stores[0].media_mbps, 1);
	denv_init(&e, NULL, &s, "/tmp");
	ck_assert_msg(store_open(&s, &d, false, complete, &e, err, sizeof(err)) == 0, "%s", err);
	static uint8_t w[100000];
	struct rt_disk_io a = { .lu = 0, .op = RT_DISK_WRITE, .offset = 0, .len = 50000, .buf = w };
	struct rt_disk_io b = { .lu = 0, .op = RT_DISK_WRITE, .offset = 65536, .len = 50000, .buf = w };
	struct rt_disk_io f = { .lu = 0, .op = RT_DISK_FLUSH };
	uint64_t t0 = loop_now_ns();
	e.env.disk_submit(e.env.ctx, &a);
	e.env.disk_submit(e.env.ctx, &b);
	e.env.disk_submit(e.env.ctx, &f);
	/* a flush moves no data: at once; each 50 kB write takes 50 ms at 1 MB/s, one after the other */
	ck_assert_ptr_eq(denv_next_done(&e), &f);
	ck_assert_ptr_null(denv_next_done(&e));
	uint64_t due = store_next_deadline(&s);
	ck_assert_uint_ge(due, t0 + 50000000u);
	ck_assert_uint_lt(due, loop_now_ns() + 50000000u);
	store_on_time(&s, due);
	ck_assert_ptr_eq(denv_next_done(&e), &a);
	ck_assert_ptr_null(denv_next_done(&e));
	ck_assert_uint_ge(store_next_deadline(&s), due + 50000000u);
	store_on_time(&s, store_next_deadline(&s));
	ck_assert_ptr_eq(denv_next_done(&e), &b);
	ck_assert_uint_eq(store_next_deadline(&s), UINT64_MAX);
	store_close(&s);
	denv_fini(&e);
	dcfg_free(&d);
}
END_TEST

START_TEST(store_names_the_line_of_a_path_that_will_not_open)
{
	static const char text[] =
		"{\"portals\": [{\"address\": \"127.0.0.1\"}], \"targets\": [],\n"
		" \"lus\": [{\"name\": \"r\", \"size\": \"1M\"},\n"
		"   {\"name\": \"f\", \"backstore\": \"file\",\n"
		"    \"path\": \"/nonexistent/dir/disk.img\"}]}";
	struct dcfg d;
	struct denv e;
	struct store s;
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(load(&d, text, err, sizeof(err)), 0);
	denv_init(&e, NULL, &s, "/nonexistent");
	ck_assert_int_eq(store_open(&s, &d, false, complete, &e, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "s.json:4: lus[1].path: ", 23) == 0, "%s", err);
	ck_assert_uint_eq(s.count, 0); /* the RAM LU opened first was closed again */
	denv_fini(&e);
	dcfg_free(&d);
}
END_TEST

START_TEST(store_extends_a_file_to_the_configured_size)
{
	char *dir = temp_dir();
	struct dcfg d;
	struct denv e;
	struct store s;
	/* a file is extended to its size; a block device cannot be */
	open_file_lu(&d, &e, &s, dir, "small.img", 1u << 20, "\"size\": \"2M\"");
	ck_assert_uint_eq(d.lus[0].blocks, (2u << 20) / 512);
	store_close(&s);
	denv_fini(&e);
	dcfg_free(&d);
	remove_dir(dir);
	free(dir);
}
END_TEST

START_TEST(store_quick_luns_take_flags_from_capabilities)
{
	struct dcfg_quick q = { .luns = { "ram:1M" }, .lun_count = 1 };
	struct dcfg d = { 0 };
	struct denv e;
	struct store s;
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(dcfg_load_quick(&d, &q, err, sizeof(err)), 0);
	denv_init(&e, NULL, &s, "/nonexistent");
	ck_assert_msg(store_open(&s, &d, false, complete, &e, err, sizeof(err)) == 0, "%s", err);
	uint32_t caps = s.bs[0].caps;
	ck_assert_uint_eq((d.lus[0].flags & RT_LU_THIN) != 0, (caps & BS_CAP_UNMAP) != 0);
	ck_assert_uint_eq((d.lus[0].flags & RT_LU_WCE) != 0, (caps & BS_CAP_VOLATILE) != 0);
	ck_assert_uint_eq((d.lus[0].flags & RT_LU_ATOMIC) != 0, (caps & BS_CAP_ATOMIC) != 0);
	ck_assert(d.lus[0].flags & RT_LU_ATOMIC); /* RAM writes land whole */
	ck_assert_uint_eq(d.lus[0].blocks, 2048);
	store_close(&s);
	denv_fini(&e);
	dcfg_free(&d);
}
END_TEST

START_TEST(store_refuses_a_backstore_missing_from_the_build)
{
	static const char text[] = "{\"portals\": [{\"address\": \"127.0.0.1\"}], \"targets\": [],\n"
				   " \"lus\": [{\"name\": \"r\", \"size\": 512},\n"
				   "  {\"name\": \"x\", \"size\": 512}]}";
	struct dcfg d;
	struct denv e;
	struct store s;
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(load(&d, text, err, sizeof(err)), 0);
	d.stores[1].backstore = "nvme"; /* a type this build lacks (the loader refuses it: set here) */
	denv_init(&e, NULL, &s, "/nonexistent");
	ck_assert_int_eq(store_open(&s, &d, false, complete, &e, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s.json:3: lus[1].backstore: 'nvme' is not in this build");
	ck_assert_uint_eq(s.count, 0);
	denv_fini(&e);
	dcfg_free(&d);
}
END_TEST

START_TEST(store_refuses_atomic_on_a_backstore_that_cannot)
{
	char *dir = temp_dir();
	char text[1024], err[DCFG_ERR_MAX];
	snprintf(text, sizeof(text),
		 "{\"portals\": [{\"address\": \"127.0.0.1\"}], \"targets\": [],\n"
		 " \"lus\": [{\"name\": \"r\", \"size\": \"1M\", \"flags\": [\"atomic\"]},\n"
		 "  {\"name\": \"f\", \"backstore\": \"file\", \"path\": \"%s/f.img\", \"size\": \"1M\",\n"
		 "   \"flags\": [\"atomic\"]}]}",
		 dir);
	struct dcfg d;
	struct denv e;
	struct store s;
	ck_assert_int_eq(load(&d, text, err, sizeof(err)), 0);
	denv_init(&e, NULL, &s, dir);
	ck_assert_int_eq(store_open(&s, &d, false, complete, &e, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s.json:4: lus[1].flags: atomic, but this file backstore cannot write atomically");
	ck_assert_uint_eq(s.count, 0);
	denv_fini(&e);
	dcfg_free(&d);
	remove_dir(dir);
	free(dir);
}
END_TEST

Suite *suite_daemon_env(void);
Suite *suite_daemon_env(void)
{
	Suite *s = suite_create("daemon_env");
	TCase *tc = tcase_create("env");
	tcase_add_test(tc, env_clock_is_monotonic_and_random_varies);
	tcase_add_test(tc, env_counts_engine_memory);
	tcase_add_test(tc, env_delivers_completions_in_order_later);
	tcase_add_test(tc, env_state_round_trips_atomically);
	tcase_add_test(tc, env_state_refuses_keys_that_are_not_plain_names);
	tcase_add_test(tc, env_state_save_fails_cleanly_when_directory_cannot_exist);
	tcase_add_test(tc, store_fills_geometry_from_a_file);
	tcase_add_test(tc, store_paces_a_slow_medium);
	tcase_add_test(tc, store_names_the_line_of_a_path_that_will_not_open);
	tcase_add_test(tc, store_extends_a_file_to_the_configured_size);
	tcase_add_test(tc, store_quick_luns_take_flags_from_capabilities);
	tcase_add_test(tc, store_refuses_a_backstore_missing_from_the_build);
	tcase_add_test(tc, store_refuses_atomic_on_a_backstore_that_cannot);
	suite_add_tcase(s, tc);
	return s;
}
