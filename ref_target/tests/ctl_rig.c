/* ctl_rig: see ctl_rig.h. */
#include "ctl_rig.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/dlog.h"

#define RIG_ROUND_NS 2000000ull
#define RIG_ROUNDS_MAX 2000

static int no_accept(void *ctx, rt_conn_id c, uint32_t portal, const struct rt_peer *peer)
{
	(void)ctx, (void)c, (void)portal, (void)peer;
	return -1;
}

static size_t no_space(void *ctx, rt_conn_id c, void **buf)
{
	(void)ctx, (void)c, (void)buf;
	return 0;
}

static void no_commit(void *ctx, rt_conn_id c, size_t len)
{
	(void)ctx, (void)c, (void)len;
}

static void no_closed(void *ctx, rt_conn_id c)
{
	(void)ctx, (void)c;
}

static void no_sent(void *ctx, rt_conn_id c, size_t unsent)
{
	(void)ctx, (void)c, (void)unsent;
}

static uint64_t rig_deadline(void *ctx)
{
	(void)ctx;
	return loop_now_ns() + RIG_ROUND_NS;
}

static void rig_on_time(void *ctx)
{
	struct rig *g = ctx;
	uint64_t now = loop_now_ns();
	if (rt_next_deadline(g->eng) <= now)
		rt_on_time(g->eng);
	ctl_on_time(g->ctl, now);
}

static void rig_after(void *ctx)
{
	struct rig *g = ctx;
	struct rt_disk_io *io;
	while ((io = denv_next_done(&g->env)) != NULL)
		rt_on_disk_done(g->eng, io);
	store_kick(&g->store);
	net_flush(g->net);
}

static uint64_t rig_random(void)
{
	return 0x5eed5eed5eedull;
}

/* text with every "@D" replaced by dir (malloc'd) */
static char *with_dir(const char *text, const char *dir)
{
	size_t n = strlen(text) + 1, dl = strlen(dir);
	for (const char *p = strstr(text, "@D"); p; p = strstr(p + 2, "@D"))
		n += dl;
	char *out = malloc(n), *o = out;
	ck_assert_ptr_nonnull(out);
	for (const char *p = text; *p;) {
		if (p[0] == '@' && p[1] == 'D') {
			memcpy(o, dir, dl), o += dl, p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

void rig_open(struct rig *g, const char *json, const struct dcfg_quick *q)
{
	char err[DCFG_ERR_MAX];
	memset(g, 0, sizeof(*g));
	dlog_set_level(RT_LOG_ERR);
	snprintf(g->dir, sizeof(g->dir), "/tmp/rt-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(g->dir));
	snprintf(g->sock, sizeof(g->sock), "%s/ctl.sock", g->dir);
	FILE *f = fopen(rig_path(g, "disk.img"), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ftruncate(fileno(f), RIG_DISK_BYTES), 0);
	fclose(f);
	int rc;
	if (json != NULL) {
		char *text = with_dir(json, g->dir);
		rc = dcfg_load_json(&g->first, "rig.json", text, strlen(text), err, sizeof(err));
		free(text);
	} else {
		rc = dcfg_load_quick(&g->first, q, err, sizeof(err));
	}
	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_msg(dcfg_derive_ids(&g->first, rig_random(), err, sizeof(err)) == 0, "%s", err);
	denv_init(&g->env, NULL, &g->store, g->dir);
	ck_assert_msg(store_open(&g->store, &g->first, true, denv_disk_complete, &g->env, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_msg(dcfg_validate(&g->first, err, sizeof(err)) == 0, "%s", err);
	g->hooks = (struct loop_hooks){ .ctx = g, .next_deadline = rig_deadline, .on_time = rig_on_time,
					.after_event = rig_after };
	const struct net_ops ops = { .ctx = g, .accept = no_accept, .rx_space = no_space, .rx_commit = no_commit,
				     .closed = no_closed, .sent = no_sent };
	g->loop = loop_create(RIG_FD_MAX, &g->hooks);
	ck_assert_ptr_nonnull(g->loop);
	g->net = net_create(g->loop, &ops, 8);
	ck_assert_ptr_nonnull(g->net);
	g->env.net = g->net;
	g->eng = rt_engine_create(&g->env.env, &g->first.cfg);
	ck_assert_ptr_nonnull(g->eng);
	ck_assert_int_eq(store_watch(&g->store, g->loop), 0);
	g->live = &g->first;
	g->target = (struct ctl_target){ .live = &g->live, .store = &g->store, .net = g->net, .eng = g->eng,
					 .random = rig_random };
	g->ctl = ctl_open(g->loop, g->sock, &g->target, err, sizeof(err));
	ck_assert_msg(g->ctl != NULL, "%s", err);
}

void rig_close(struct rig *g)
{
	net_destroy(g->net);
	store_close(&g->store);
	rt_engine_destroy(g->eng);
	ctl_free(g->ctl);
	denv_fini(&g->env);
	loop_destroy(g->loop);
	dcfg_free(&g->first);
	DIR *d = opendir(g->dir);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(rig_path(g, e->d_name));
	if (d)
		closedir(d);
	rmdir(g->dir);
}

void rig_write(const struct rig *g, const char *name, const char *text)
{
	char *t = with_dir(text, g->dir);
	FILE *f = fopen(rig_path(g, name), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(t, f) >= 0, 1);
	fclose(f);
	free(t);
}

const char *rig_path(const struct rig *g, const char *name)
{
	static char p[sizeof(g->dir) + 320]; /* a d_name is at most 255 bytes */
	snprintf(p, sizeof(p), "%s/%s", g->dir, name);
	return p;
}

void rig_rounds(struct rig *g, int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(loop_run_once(g->loop), 0);
}

int rig_connect(struct rig *g)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", g->sock);
	ck_assert_msg(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s: %s", g->sock, strerror(errno));
	return s;
}

ssize_t rig_read_answer(struct rig *g, int fd, char *buf, size_t len)
{
	size_t got = 0;
	for (int i = 0; i < RIG_ROUNDS_MAX && got < len - 1; i++) {
		rig_rounds(g, 1);
		ssize_t n = recv(fd, buf + got, len - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		buf[got] = '\0';
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	buf[got] = '\0';
	return got > 0 ? (ssize_t)got : -1;
}

ssize_t rig_read_until_eof(struct rig *g, int fd, int rounds)
{
	char buf[4096];
	ssize_t total = 0;
	for (int i = 0; i < rounds; i++) {
		rig_rounds(g, 1);
		ssize_t n;
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			total += n;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return total;
	}
	return -1;
}

char *rig_ask(struct rig *g, const char *line)
{
	int s = rig_connect(g);
	size_t n = strlen(line);
	ck_assert_int_eq(send(s, line, n, MSG_NOSIGNAL), (ssize_t)n);
	char *buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(rig_read_answer(g, s, buf, 1 << 20) > 0, "no answer to %s", line);
	close(s);
	return buf;
}

bool rig_cmd(struct rig *g, char *text, size_t len, const char *path, const char *cmd, const char *const *args)
{
	json_t *a = json_array();
	for (size_t i = 0; args != NULL && args[i] != NULL; i++)
		json_array_append_new(a, json_string(args[i]));
	json_t *req = json_pack("{s:s, s:s, s:o}", "path", path, "cmd", cmd, "args", a);
	char *line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	size_t n = strlen(line);
	line = realloc(line, n + 2);
	memcpy(line + n, "\n", 2);
	char *ans = rig_ask(g, line);
	free(line);
	json_t *j = json_loads(ans, 0, NULL);
	ck_assert_msg(j != NULL, "not JSON: %s", ans);
	free(ans);
	bool ok = json_is_true(json_object_get(j, "ok"));
	snprintf(text, len, "%s", json_string_value(json_object_get(j, ok ? "out" : "error")));
	json_decref(j);
	return ok;
}
