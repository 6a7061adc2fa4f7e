/* The daemon's store (daemon/store.c) beyond what test_daemon_env.c
 * checks: the LUs a live reconfiguration adds (store_grow, and its undo),
 * sizes a backstore cannot give, flags a block device cannot honour, the
 * LU limit, the log line for synchronous I/O, takeover, and completions
 * watched by the event loop (and a loop that cannot watch them).
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/dcfg.h"
#include "daemon/dlog.h"
#include "daemon/loop.h"
#include "daemon/store.h"
#include "loop_dev.h"

#define HEAD "{\"portals\": [{\"address\": \"127.0.0.1\"}], \"targets\": [],\n \"lus\": ["

static char dir[64];
static unsigned done_count;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rt-store-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	done_count = 0;
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void on_done(void *ctx, struct rt_disk_io *io)
{
	(void)ctx;
	(void)io;
	done_count++;
}

/* The config text with every @ replaced by dir, loaded (asserted). */
static void load(struct dcfg *d, const char *tmpl)
{
	char text[2048], err[DCFG_ERR_MAX];
	size_t n = 0;
	for (const char *c = tmpl; *c && n < sizeof(text) - sizeof(dir); c++) {
		if (*c == '@')
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", dir);
		else
			text[n++] = *c;
	}
	text[n] = '\0';
	memset(d, 0, sizeof(*d));
	ck_assert_msg(dcfg_load_json(d, "s.json", text, strlen(text), err, sizeof(err)) == 0, "%s", err);
}

static void make_file(const char *name, off_t bytes)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, bytes), 0);
	close(fd);
}

/* stderr (the daemon's log) into a file while f runs; its text returned. */
static char *logged(void (*f)(void *), void *arg)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/log", dir);
	fflush(stderr);
	int saved = dup(2), fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	f(arg);
	dup2(saved, 2);
	close(saved);
	static char text[8192];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	return text;
}

START_TEST(store_refuses_a_size_a_read_only_file_does_not_have)
{
	make_file("ro.img", 1 << 20);
	struct dcfg d;
	load(&d, HEAD "{\"name\": \"f\", \"backstore\": \"file\", \"path\": \"@/ro.img\",\n"
		  "  \"flags\": [\"read_only\"], \"size\": \"2M\"}]}");
	struct store s;
	char err[DCFG_ERR_MAX];
	ck_assert_int_eq(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s.json:3: lus[0].size: 2097152 bytes asked, the file backstore has 1048576");
	dcfg_free(&d);
}
END_TEST

struct open_args {
	struct store *s;
	struct dcfg *d;
	bool sync_io;
	int rc;
	char err[DCFG_ERR_MAX];
};

static void do_open(void *arg)
{
	struct open_args *a = arg;
	dlog_set_level(RT_LOG_DEBUG);
	a->rc = store_open(a->s, a->d, a->sync_io, on_done, NULL, a->err, sizeof(a->err));
	dlog_set_level(RT_LOG_INFO);
}

/* The backstore leaves a partial last block out of its size: the LU has
 * the whole blocks, and nothing is left over to warn about. */
START_TEST(store_serves_the_whole_blocks_of_a_file_that_ends_in_a_partial_one)
{
	make_file("odd.img", (1 << 20) + 100);
	struct dcfg d;
	struct store s;
	load(&d, HEAD "{\"name\": \"f\", \"backstore\": \"file\", \"path\": \"@/odd.img\"}]}");
	struct open_args a = { .s = &s, .d = &d };
	const char *log = logged(do_open, &a);
	ck_assert_msg(a.rc == 0, "%s", a.err);
	ck_assert_uint_eq(d.lus[0].blocks, 2048);
	ck_assert_uint_eq(s.bs[0].size_bytes, 1 << 20);
	ck_assert_msg(strstr(log, "2048 blocks of 512") && !strstr(log, "WARN"), "%s", log);
	store_close(&s);
	dcfg_free(&d);
}
END_TEST

START_TEST(store_says_once_that_sync_io_was_asked)
{
	struct dcfg d;
	struct store s;
	load(&d, HEAD "{\"name\": \"a\", \"backstore\": \"file\", \"path\": \"@/a.img\", \"size\": \"1M\"},\n"
		  "  {\"name\": \"b\", \"backstore\": \"file\", \"path\": \"@/b.img\", \"size\": \"1M\"}]}");
	struct open_args a = { .s = &s, .d = &d, .sync_io = true };
	const char *log = logged(do_open, &a);
	ck_assert_msg(a.rc == 0, "%s", a.err);
	static const char line[] = "INFO  file and block LUs: synchronous disk I/O, as --sync-io asks";
	const char *said = strstr(log, line);
	ck_assert_msg(said != NULL, "%s", log);
	ck_assert_ptr_null(strstr(said + sizeof(line), "synchronous disk I/O"));
	ck_assert_ptr_null(strstr(log, "through io_uring"));
	store_close(&s);
	dcfg_free(&d);
}
END_TEST

START_TEST(store_refuses_more_lus_than_it_holds_and_ram_that_will_not_open)
{
	struct dcfg d = { 0 };
	struct store s;
	char err[DCFG_ERR_MAX];
	d.cfg.lu_count = STORE_LUS_MAX + 1; /* the loader stops earlier: set here */
	ck_assert_int_eq(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)), -1);
	char want[128];
	snprintf(want, sizeof(want), "lus: %u LUs, at most %u (RT_LUS_MAX, retired ones included)", STORE_LUS_MAX + 1,
		 STORE_LUS_MAX);
	ck_assert_str_eq(err, want);
	/* a RAM LU the backstore refuses is named by its backstore key */
	load(&d, HEAD "{\"name\": \"r\",\n \"size\": 512}]}");
	d.lus[0].block_size = 4096;
	ck_assert_int_eq(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s.json:2: lus[0].backstore: ram: size 512 is not a positive multiple of the block size 4096");
	dcfg_free(&d);
}
END_TEST

/* An rbd LU that cannot reach its cluster is named by its rbd key (the
 * image has no path); here the cluster's conf file does not exist. */
START_TEST(store_names_the_rbd_settings_of_an_image_that_will_not_open)
{
	struct dcfg d;
	struct store s;
	char err[DCFG_ERR_MAX];
	load(&d, HEAD "{\"name\": \"r\", \"backstore\": \"rbd\",\n"
		  "  \"rbd\": {\"pool\": \"rbd\", \"image\": \"x\", \"conf\": \"@/no-ceph.conf\", \"op_timeout_s\": 1}}]}");
	if (bs_find("rbd") == NULL) {
		fprintf(stderr, "test_daemon_store: built without librbd: rbd open not exercised\n");
		dcfg_free(&d);
		return;
	}
	ck_assert_int_eq(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)), -1);
	char want[256];
	snprintf(want, sizeof(want), "s.json:3: lus[0].rbd: rbd: conf %s/no-ceph.conf: ", dir);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
	dcfg_free(&d);
}
END_TEST

/* A block device reads deallocated blocks back as they were (no LBPRZ):
 * the flag is refused by name. Needs a loop device (root). */
START_TEST(store_refuses_lbprz_on_a_block_device)
{
	char file[128], dev[32] = "", text[1024], err[DCFG_ERR_MAX];
	make_file("blk.img", 4 << 20);
	snprintf(file, sizeof(file), "%s/blk.img", dir);
	if (!loop_dev_attach(file, dev, sizeof(dev))) {
		fprintf(stderr, "test_daemon_store: no loop device here: lbprz on block not exercised\n");
		return;
	}
	snprintf(text, sizeof(text), HEAD "{\"name\": \"b\", \"backstore\": \"block\", \"path\": \"%s\",\n"
		 "  \"flags\": [\"thin\", \"lbprz\"]}]}", dev);
	struct dcfg d = { 0 };
	struct store s;
	ck_assert_int_eq(dcfg_load_json(&d, "s.json", text, strlen(text), err, sizeof(err)), 0);
	ck_assert_int_eq(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s.json:3: lus[0].flags: lbprz, but this block backstore does not read deallocated "
			      "blocks as zeroes");
	dcfg_free(&d);
	loop_dev_detach(dev);
}
END_TEST

START_TEST(store_grow_opens_the_new_lus_and_closes_them_again_on_failure)
{
	struct dcfg d1, d2, d3;
	struct store s;
	char err[DCFG_ERR_MAX];
	load(&d1, HEAD "{\"name\": \"r0\", \"size\": \"1M\"}]}");
	ck_assert_msg(store_open(&s, &d1, false, on_done, NULL, err, sizeof(err)) == 0, "%s", err);
	/* r1 opens, then the file cannot: both new ones closed, r0 untouched */
	load(&d2, HEAD "{\"name\": \"r0\", \"size\": \"1M\"}, {\"name\": \"r1\", \"size\": \"1M\"},\n"
		   "  {\"name\": \"f\", \"backstore\": \"file\", \"path\": \"@/no/such/dir/f.img\"}]}");
	ck_assert_int_eq(store_grow(&s, &d2, err, sizeof(err)), -1);
	ck_assert_msg(strncmp(err, "s.json:3: lus[2].path: ", 23) == 0, "%s", err);
	ck_assert_uint_eq(s.count, 1);
	ck_assert_ptr_nonnull(s.bs[0].ops);
	ck_assert_ptr_null(s.bs[1].ops);
	load(&d3, HEAD "{\"name\": \"r0\", \"size\": \"1M\"}, {\"name\": \"r1\", \"size\": \"2M\"}]}");
	ck_assert_msg(store_grow(&s, &d3, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(s.count, 2);
	ck_assert_uint_eq(d3.lus[1].blocks, 4096);
	store_close(&s);
	dcfg_free(&d1), dcfg_free(&d2), dcfg_free(&d3);
}
END_TEST

/* takeover: each backstore that can fence its shared storage (rbd) does,
 * and says so; the others are passed over. A stand-in with takeover here. */
static unsigned takeovers;
static int fake_takeover(struct bs *bs, char *msg, size_t msg_len)
{
	(void)bs;
	snprintf(msg, msg_len, takeovers++ == 0 ? "fenced the old writer" : "the lock is held elsewhere");
	return takeovers == 1 ? 0 : -1;
}

static void do_takeover(void *arg)
{
	store_takeover(arg);
}

START_TEST(store_takeover_asks_the_backstores_that_can)
{
	struct dcfg d;
	struct store s;
	char err[DCFG_ERR_MAX];
	load(&d, HEAD "{\"name\": \"r0\", \"size\": \"1M\"}, {\"name\": \"r1\", \"size\": \"1M\"},\n"
		  "  {\"name\": \"r2\", \"size\": \"1M\"}]}");
	ck_assert_msg(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_null(s.bs[0].ops->takeover);
	struct bs_ops fake = *s.bs[1].ops;
	fake.takeover = fake_takeover;
	s.bs[1].ops = &fake;
	s.bs[2].ops = &fake;
	takeovers = 0;
	const char *log = logged(do_takeover, &s);
	ck_assert_uint_eq(takeovers, 2);
	ck_assert_msg(strstr(log, "INFO  LU 1: takeover: fenced the old writer"), "%s", log);
	ck_assert_msg(strstr(log, "ERROR LU 2: takeover: the lock is held elsewhere"), "%s", log);
	ck_assert_ptr_null(strstr(log, "LU 0:"));
	store_close(&s);
	dcfg_free(&d);
}
END_TEST

/* A backstore's own timed work (bs_ops.deadline, rbd: a hand-over's
 * bound): the store's next deadline is the earliest of them, and once it
 * passed store_on_time reaps that backstore (and only it). */
static uint64_t fake_due[3];
static uint32_t fake_reaps[3];
static struct store *fake_store;
static uint64_t fake_deadline(const struct bs *bs)
{
	return fake_due[bs - fake_store->bs];
}

static void fake_reap(struct bs *bs)
{
	fake_reaps[bs - fake_store->bs]++;
	fake_due[bs - fake_store->bs] = UINT64_MAX; /* done */
}

START_TEST(store_wakes_a_backstore_whose_deadline_passed)
{
	struct dcfg d;
	struct store s;
	char err[DCFG_ERR_MAX];
	load(&d, HEAD "{\"name\": \"r0\", \"size\": \"1M\"}, {\"name\": \"r1\", \"size\": \"1M\"},\n"
		  "  {\"name\": \"r2\", \"size\": \"1M\"}]}");
	ck_assert_msg(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)) == 0, "%s", err);
	/* a backstore without the hook has no deadline */
	ck_assert_ptr_null(s.bs[0].ops->deadline);
	ck_assert_uint_eq(bs_deadline(&s.bs[0]), UINT64_MAX);
	ck_assert_uint_eq(store_next_deadline(&s), UINT64_MAX);
	struct bs_ops fake = *s.bs[1].ops;
	fake.deadline = fake_deadline;
	fake.reap = fake_reap;
	s.bs[1].ops = &fake;
	s.bs[2].ops = &fake;
	fake_store = &s;
	fake_due[1] = 2000, fake_due[2] = 1000;
	fake_reaps[1] = fake_reaps[2] = 0;
	ck_assert_uint_eq(store_next_deadline(&s), 1000);
	store_on_time(&s, 999); /* nothing due */
	ck_assert_uint_eq(fake_reaps[1] + fake_reaps[2], 0);
	store_on_time(&s, 1000);
	ck_assert_uint_eq(fake_reaps[2], 1);
	ck_assert_uint_eq(fake_reaps[1], 0);
	ck_assert_uint_eq(store_next_deadline(&s), 2000);
	store_on_time(&s, 5000);
	ck_assert_uint_eq(fake_reaps[1], 1);
	ck_assert_uint_eq(fake_reaps[2], 1);
	ck_assert_uint_eq(store_next_deadline(&s), UINT64_MAX);
	store_close(&s);
	dcfg_free(&d);
}
END_TEST

/* With io_uring, a file LU's completions come through a descriptor the
 * loop watches; a loop too small to watch it is an error at store_watch,
 * and at store_grow for an LU added later. */
static uint64_t give_up_ns; /* a round never waits past it */
static uint64_t deadline(void *ctx)
{
	(void)ctx;
	return give_up_ns;
}

static void nothing(void *ctx)
{
	(void)ctx;
}

START_TEST(store_completions_come_through_the_loop_that_watches_them)
{
	struct dcfg d, d2;
	struct store s;
	char err[DCFG_ERR_MAX];
	load(&d, HEAD "{\"name\": \"f\", \"backstore\": \"file\", \"path\": \"@/w.img\", \"size\": \"1M\"}]}");
	ck_assert_msg(store_open(&s, &d, false, on_done, NULL, err, sizeof(err)) == 0, "%s", err);
	if (bs_event_fd(&s.bs[0]) < 0) {
		fprintf(stderr, "test_daemon_store: no io_uring here: completion events not exercised\n");
		store_close(&s);
		dcfg_free(&d);
		return;
	}
	const struct loop_hooks hooks = { .next_deadline = deadline, .on_time = nothing, .after_event = nothing };
	struct loop *tiny = loop_create(1, &hooks), *l = loop_create(1024, &hooks);
	ck_assert_ptr_nonnull(tiny);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(store_watch(&s, tiny), -1);
	ck_assert_int_eq(store_watch(&s, l), 0);
	static uint8_t buf[4096];
	struct rt_disk_io io = { .lu = 0, .op = RT_DISK_WRITE, .offset = 0, .len = sizeof(buf), .buf = buf };
	store_submit(&s, &io);
	store_kick(&s);
	/* every completion sets the ring's eventfd, one the kick already took
	 * too: a round of the loop reaps through the handler either way */
	give_up_ns = loop_now_ns() + 5000000000ull;
	for (int k = 0; k < 100 && (k == 0 || done_count == 0) && loop_now_ns() < give_up_ns; k++)
		ck_assert_int_eq(loop_run_once(l), 0);
	ck_assert_uint_lt(loop_now_ns(), give_up_ns);
	ck_assert_uint_eq(done_count, 1);
	ck_assert_int_eq(io.status, RT_DISK_OK);
	/* an LU added while a loop too small watches: refused, closed again */
	s.loop = tiny;
	load(&d2, HEAD "{\"name\": \"f\", \"backstore\": \"file\", \"path\": \"@/w.img\", \"size\": \"1M\"},\n"
		   "  {\"name\": \"g\", \"backstore\": \"file\", \"path\": \"@/g.img\", \"size\": \"1M\"}]}");
	ck_assert_int_eq(store_grow(&s, &d2, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s.json:3: lus[1].backstore: cannot watch its completions: Too many open files");
	ck_assert_uint_eq(s.count, 1);
	s.loop = l;
	store_close(&s);
	loop_destroy(tiny);
	loop_destroy(l);
	dcfg_free(&d), dcfg_free(&d2);
}
END_TEST

Suite *suite_daemon_store(void);
Suite *suite_daemon_store(void)
{
	Suite *s = suite_create("daemon_store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, store_refuses_a_size_a_read_only_file_does_not_have);
	tcase_add_test(tc, store_serves_the_whole_blocks_of_a_file_that_ends_in_a_partial_one);
	tcase_add_test(tc, store_says_once_that_sync_io_was_asked);
	tcase_add_test(tc, store_refuses_more_lus_than_it_holds_and_ram_that_will_not_open);
	tcase_add_test(tc, store_names_the_rbd_settings_of_an_image_that_will_not_open);
	tcase_add_test(tc, store_refuses_lbprz_on_a_block_device);
	tcase_add_test(tc, store_grow_opens_the_new_lus_and_closes_them_again_on_failure);
	tcase_add_test(tc, store_takeover_asks_the_backstores_that_can);
	tcase_add_test(tc, store_wakes_a_backstore_whose_deadline_passed);
	tcase_add_test(tc, store_completions_come_through_the_loop_that_watches_them);
	suite_add_tcase(s, tc);
	return s;
}
