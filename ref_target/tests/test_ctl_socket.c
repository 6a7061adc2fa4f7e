/* The control socket itself (daemon/ctl.c) in-process, over a real AF_UNIX
 * socket, with the daemon's own loop, store, net and engine around it (no
 * iSCSI traffic): ctl_open's refusals, which name the path; the bounds on
 * clients (CTL_CLIENTS_MAX, CTL_CLIENT_TIMEOUT_MS, CTL_REQ_MAX, another
 * uid, a full descriptor table); and clients that stop half-way. The
 * apply half (model -> dcfg -> engine, saveconfig/restoreconfig) is in
 * test_ctl_apply.c, on the same rig (ctl_rig.h).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_rig.h"

static struct rig g;

static void setup(void)
{
	rig_open(&g, RIG_JSON, NULL);
}

static void teardown(void)
{
	rig_close(&g);
}

/* ctl_open on path must fail with an error holding why; nothing is left
 * listening and the file at path is as it was. */
static void open_refused(const char *path, const char *why)
{
	char err[CTL_ERR_MAX] = "";
	struct stat before, after;
	bool existed = lstat(path, &before) == 0;
	struct ctl *c = ctl_open(g.loop, path, &g.target, err, sizeof(err));
	ck_assert_msg(c == NULL, "%s: opened", path);
	ck_assert_msg(strstr(err, why) != NULL, "'%s' not in '%s'", why, err);
	ck_assert_msg(strncmp(err, "control socket ", 15) == 0 && strstr(err, path) != NULL, "%s: no path", err);
	ck_assert_int_eq(lstat(path, &after) == 0, existed);
	if (existed)
		ck_assert(before.st_ino == after.st_ino && before.st_mode == after.st_mode);
}

START_TEST(ctl_open_refuses_a_long_path_a_missing_directory_a_file_and_a_live_socket)
{
	char path[300];
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[sizeof(((struct sockaddr_un *)0)->sun_path)] = '\0'; /* one byte too long */
	open_refused(path, "path longer than 107 bytes");
	snprintf(path, sizeof(path), "%s/no-such-dir/ctl.sock", g.dir);
	open_refused(path, "No such file or directory");
	snprintf(path, sizeof(path), "%s/plain", g.dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	open_refused(path, "exists and is not a socket");
	open_refused(g.sock, "another daemon answers there"); /* the rig's own */
	/* the one that answers there still does */
	char *a = rig_ask(&g, "{\"cmd\": \"ls\"}\n");
	ck_assert_ptr_nonnull(strstr(a, "\"ok\":true"));
	free(a);
}
END_TEST

START_TEST(ctl_open_claims_a_stale_socket_file)
{
	char path[100];
	snprintf(path, sizeof(path), "%s/stale.sock", g.dir);
	/* what a daemon killed with SIGKILL leaves: a socket file nobody answers at */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	char err[CTL_ERR_MAX] = "";
	struct ctl *c = ctl_open(g.loop, path, &g.target, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ctl_free(c);
	ck_assert_int_ne(access(path, F_OK), 0); /* unlinked on close */
}
END_TEST

START_TEST(ctl_open_that_cannot_watch_its_socket_leaves_no_file)
{
	struct loop_hooks hooks = g.hooks;
	struct loop *tiny = loop_create(1, &hooks); /* no descriptor fits */
	ck_assert_ptr_nonnull(tiny);
	char path[300], err[CTL_ERR_MAX] = "";
	snprintf(path, sizeof(path), "%s/tiny.sock", g.dir);
	ck_assert_ptr_null(ctl_open(tiny, path, &g.target, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_msg(access(path, F_OK) != 0, "%s left behind", path);
	loop_destroy(tiny);
}
END_TEST

START_TEST(more_clients_than_ctl_clients_max_are_closed_at_once)
{
	int k[CTL_CLIENTS_MAX + 1];
	for (unsigned i = 0; i <= CTL_CLIENTS_MAX; i++) {
		k[i] = rig_connect(&g);
		rig_rounds(&g, 2);
	}
	/* the earliest deadline is the first client's */
	uint64_t d = ctl_next_deadline(g.ctl);
	ck_assert_uint_le(d, loop_now_ns() + (uint64_t)CTL_CLIENT_TIMEOUT_MS * 1000000u);
	/* the last found no room: closed without an answer */
	ck_assert_int_eq(rig_read_until_eof(&g, k[CTL_CLIENTS_MAX], 200), 0);
	/* the first ones are still served */
	ck_assert_int_eq(send(k[0], "{\"cmd\": \"ls\"}\n", 14, 0), 14);
	char buf[4096];
	ssize_t n = rig_read_answer(&g, k[0], buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"ok\":true"));
	for (unsigned i = 0; i <= CTL_CLIENTS_MAX; i++)
		close(k[i]);
}
END_TEST

START_TEST(a_client_that_sends_nothing_whole_is_closed_at_its_deadline)
{
	ck_assert_uint_eq(ctl_next_deadline(g.ctl), UINT64_MAX);
	uint64_t t0 = loop_now_ns();
	int k = rig_connect(&g);
	ck_assert_int_eq(send(k, "{\"cmd\":", 7, 0), 7);
	rig_rounds(&g, 3);
	uint64_t d = ctl_next_deadline(g.ctl);
	ck_assert_uint_ge(d, t0 + (uint64_t)CTL_CLIENT_TIMEOUT_MS * 1000000u);
	ck_assert_uint_le(d, loop_now_ns() + (uint64_t)CTL_CLIENT_TIMEOUT_MS * 1000000u);
	ctl_on_time(g.ctl, d - 1); /* not yet */
	ck_assert_uint_eq(ctl_next_deadline(g.ctl), d);
	ctl_on_time(g.ctl, d);
	ck_assert_uint_eq(ctl_next_deadline(g.ctl), UINT64_MAX);
	ck_assert_int_eq(rig_read_until_eof(&g, k, 200), 0); /* closed, no answer */
	close(k);
}
END_TEST

START_TEST(a_request_ended_by_eof_without_a_newline_is_answered)
{
	int k = rig_connect(&g);
	ck_assert_int_eq(send(k, "{\"cmd\": \"ls\"}", 13, 0), 13);
	shutdown(k, SHUT_WR);
	char buf[4096];
	ck_assert_int_gt(rig_read_answer(&g, k, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"ok\":true"));
	close(k);
	/* half a request, then EOF: the half is refused as JSON */
	k = rig_connect(&g);
	ck_assert_int_eq(send(k, "{\"cmd\": \"l", 10, 0), 10);
	shutdown(k, SHUT_WR);
	ck_assert_int_gt(rig_read_answer(&g, k, buf, sizeof(buf)), 0);
	ck_assert_msg(strstr(buf, "\"ok\":false") && strstr(buf, "request: not JSON"), "%s", buf);
	close(k);
}
END_TEST

START_TEST(a_client_that_goes_away_before_or_after_asking_costs_nothing)
{
	/* connects and closes: nothing to answer */
	close(rig_connect(&g));
	rig_rounds(&g, 3);
	/* asks and closes before the answer: the answer's send fails */
	int k = rig_connect(&g);
	ck_assert_int_eq(send(k, "{\"cmd\": \"ls\"}\n", 14, 0), 14);
	close(k);
	rig_rounds(&g, 5);
	ck_assert_uint_eq(ctl_next_deadline(g.ctl), UINT64_MAX); /* no client left */
	char *a = rig_ask(&g, "{\"cmd\": \"ls\"}\n");
	ck_assert_ptr_nonnull(strstr(a, "\"ok\":true"));
	free(a);
}
END_TEST

START_TEST(a_request_longer_than_ctl_req_max_is_refused_by_its_length)
{
	size_t n = CTL_REQ_MAX + 100;
	char *big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	int k = rig_connect(&g);
	size_t off = 0;
	char buf[4096];
	ssize_t got = -1;
	/* write while the daemon reads; it answers once it holds more than
	 * CTL_REQ_MAX bytes without a newline */
	for (int i = 0; i < 2000 && got < 0; i++) {
		ssize_t w = off < n ? send(k, big + off, n - off, MSG_DONTWAIT) : 0;
		if (w > 0)
			off += (size_t)w;
		rig_rounds(&g, 1);
		got = recv(k, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	}
	ck_assert_int_gt(got, 0);
	buf[got] = '\0';
	ck_assert_msg(strstr(buf, "longer than CTL_REQ_MAX"), "%s", buf);
	close(k);
	free(big);
}
END_TEST

START_TEST(a_peer_of_another_uid_is_refused)
{
	if (geteuid() != 0) {
		/* needs root: a second uid to connect as */
		return;
	}
	ck_assert_int_eq(chmod(g.sock, 0666), 0); /* the mode would stop it first */
	ck_assert_int_eq(chmod(g.dir, 0755), 0);
	/* connect as nobody; root again before any assertion can end the
	 * test (without fork, the rest of the run would go on as nobody) */
	int k = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(k, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", g.sock);
	ck_assert_int_eq(seteuid(65534), 0);
	int rc = connect(k, (struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	ck_assert_int_eq(seteuid(0), 0);
	ck_assert_msg(rc == 0, "connect %s as uid 65534: %s", g.sock, strerror(err));
	ck_assert_int_eq(send(k, "{\"cmd\": \"ls\"}\n", 14, 0), 14);
	ck_assert_int_eq(rig_read_until_eof(&g, k, 200), 0); /* closed, never answered */
	close(k);
}
END_TEST

START_TEST(a_client_beyond_the_loops_descriptor_table_is_closed)
{
	/* fill every descriptor below the loop's table size */
	int fill[RIG_FD_MAX];
	unsigned nfill = 0;
	for (int fd; nfill < RIG_FD_MAX && (fd = open("/dev/null", O_RDONLY)) >= 0;) {
		fill[nfill++] = fd;
		if (fd >= RIG_FD_MAX - 1)
			break;
	}
	int k = rig_connect(&g);
	ck_assert_int_ge(k, RIG_FD_MAX);
	rig_rounds(&g, 2);
	ck_assert_int_eq(rig_read_until_eof(&g, k, 200), 0);
	close(k);
	for (unsigned i = 0; i < nfill; i++)
		close(fill[i]);
	char *a = rig_ask(&g, "{\"cmd\": \"ls\"}\n");
	ck_assert_ptr_nonnull(strstr(a, "\"ok\":true"));
	free(a);
}
END_TEST

START_TEST(ctl_close_closes_a_client_still_connected_and_unlinks_the_socket)
{
	int k = rig_connect(&g);
	rig_rounds(&g, 2);
	ck_assert_uint_ne(ctl_next_deadline(g.ctl), UINT64_MAX);
	ctl_close(g.ctl);
	ctl_close(g.ctl); /* twice is nothing */
	ck_assert_int_eq(rig_read_until_eof(&g, k, 10), 0);
	ck_assert_int_ne(access(g.sock, F_OK), 0);
	close(k);
	/* a daemon without a control socket calls these with NULL */
	ctl_close(NULL);
	ctl_free(NULL);
	ctl_on_time(NULL, 0);
	ck_assert_uint_eq(ctl_next_deadline(NULL), UINT64_MAX);
}
END_TEST

Suite *suite_ctl_socket(void)
{
	Suite *s = suite_create("ctl_socket");
	TCase *tc = tcase_create("ctl_socket");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ctl_open_refuses_a_long_path_a_missing_directory_a_file_and_a_live_socket);
	tcase_add_test(tc, ctl_open_claims_a_stale_socket_file);
	tcase_add_test(tc, ctl_open_that_cannot_watch_its_socket_leaves_no_file);
	tcase_add_test(tc, more_clients_than_ctl_clients_max_are_closed_at_once);
	tcase_add_test(tc, a_client_that_sends_nothing_whole_is_closed_at_its_deadline);
	tcase_add_test(tc, a_request_ended_by_eof_without_a_newline_is_answered);
	tcase_add_test(tc, a_client_that_goes_away_before_or_after_asking_costs_nothing);
	tcase_add_test(tc, a_request_longer_than_ctl_req_max_is_refused_by_its_length);
	tcase_add_test(tc, a_peer_of_another_uid_is_refused);
	tcase_add_test(tc, a_client_beyond_the_loops_descriptor_table_is_closed);
	tcase_add_test(tc, ctl_close_closes_a_client_still_connected_and_unlinks_the_socket);
	suite_add_tcase(s, tc);
	return s;
}
