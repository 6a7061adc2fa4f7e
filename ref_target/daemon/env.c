/* env: see env.h. */
#include "env.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dlog.h"
#include "loop.h"

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return loop_now_ns();
}

static uint64_t env_random(void *ctx)
{
	struct denv *e = ctx;
	uint64_t v;
	if (e->rnd_left < sizeof(v)) {
		size_t got = 0;
		while (got < sizeof(e->rnd)) {
			ssize_t r = getrandom(e->rnd + got, sizeof(e->rnd) - got, 0);
			if (r < 0 && errno == EINTR)
				continue;
			/* getrandom cannot fail once the pool is up (Linux >= 3.17);
			 * if it ever does, a CHAP challenge must not be predictable */
			if (r < 0) {
				dlog(RT_LOG_ERR, "getrandom: %s", strerror(errno));
				abort();
			}
			got += (size_t)r;
		}
		e->rnd_left = sizeof(e->rnd);
	}
	memcpy(&v, e->rnd + sizeof(e->rnd) - e->rnd_left, sizeof(v));
	e->rnd_left -= sizeof(v);
	return v;
}

static void *env_alloc(void *ctx, size_t size)
{
	struct denv *e = ctx;
	void *p = malloc(size ? size : 1);
	if (p) {
		e->live_bytes += size;
		e->allocs++;
	}
	return p;
}

static void env_free(void *ctx, void *p, size_t size)
{
	struct denv *e = ctx;
	if (p == NULL)
		return;
	e->live_bytes -= size;
	free(p);
}

static long env_send(void *ctx, rt_conn_id c, const struct iovec *iov, int iovcnt)
{
	struct denv *e = ctx;
	return net_send(e->net, c, iov, iovcnt);
}

static void env_close(void *ctx, rt_conn_id c)
{
	struct denv *e = ctx;
	net_close(e->net, c);
}

static void env_disk_submit(void *ctx, struct rt_disk_io *io)
{
	struct denv *e = ctx;
	store_submit(e->store, io);
}

void denv_disk_complete(void *ctx, struct rt_disk_io *io)
{
	/* A FIFO threaded through the I/Os themselves: no allocation, so a
	 * completion can never be lost to memory pressure. */
	struct denv *e = ctx;
	io->env_next = NULL;
	if (e->done_tail)
		e->done_tail->env_next = io;
	else
		e->done_head = io;
	e->done_tail = io;
}

struct rt_disk_io *denv_next_done(struct denv *e)
{
	struct rt_disk_io *io = e->done_head;
	if (io == NULL)
		return NULL;
	e->done_head = io->env_next;
	if (e->done_head == NULL)
		e->done_tail = NULL;
	io->env_next = NULL;
	return io;
}

/* Keys become file names: a small safe alphabet, no leading dot (so no
 * "..", no hidden files, and room for our ".tmp" files). */
static int key_path(const struct denv *e, const char *key, const char *suffix, char *out, size_t len)
{
	size_t n = strlen(key);
	if (n == 0 || n > DENV_KEY_MAX || key[0] == '.')
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-'))
			return -1;
	}
	int w = snprintf(out, len, "%s/%s%s%s", e->state_dir, suffix[0] ? "." : "", key, suffix);
	return w > 0 && (size_t)w < len ? 0 : -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Made on first use, parents too: a daemon that never saves state
 * touches no disk. */
static int ensure_dir(const char *dir)
{
	char p[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof(p))
		return -1;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			return -1;
		p[i] = i < n ? '/' : '\0';
	}
	return 0;
}

static int env_state_save(void *ctx, const char *key, const void *buf, size_t len)
{
	struct denv *e = ctx;
	char path[4096], tmp[4096];
	if (key_path(e, key, "", path, sizeof(path)) != 0 || key_path(e, key, ".tmp", tmp, sizeof(tmp)) != 0) {
		dlog(RT_LOG_ERR, "state: refusing key '%s'", key);
		return -1;
	}
	if (ensure_dir(e->state_dir) != 0) {
		dlog(RT_LOG_ERR, "state: %s: %s", e->state_dir, strerror(errno));
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *step = fd < 0 ? "open" : write_all(fd, buf, len) ? "write" : fsync(fd) ? "fsync" : NULL;
	if (fd >= 0 && close(fd) != 0 && step == NULL)
		step = "close";
	if (step == NULL && rename(tmp, path) != 0)
		step = "rename";
	if (step) {
		dlog(RT_LOG_ERR, "state: %s %s: %s", step, tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	/* the rename is durable only once the directory is */
	int dfd = open(e->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dfd >= 0 && fsync(dfd) == 0 ? 0 : -1;
	if (rc != 0)
		dlog(RT_LOG_ERR, "state: fsync %s: %s", e->state_dir, strerror(errno));
	if (dfd >= 0)
		close(dfd);
	return rc;
}

static long env_state_load(void *ctx, const char *key, void *buf, size_t cap)
{
	struct denv *e = ctx;
	char path[4096];
	if (key_path(e, key, "", path, sizeof(path)) != 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			dlog(RT_LOG_WARN, "state: %s: %s", path, strerror(errno));
		return -1;
	}
	size_t got = 0;
	while (got < cap) {
		ssize_t r = read(fd, (uint8_t *)buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	uint8_t extra;
	if (got == cap && read(fd, &extra, 1) == 1)
		dlog(RT_LOG_WARN, "state: %s is larger than %zu bytes: read truncated", path, cap);
	close(fd);
	return (long)got;
}

static void env_log(void *ctx, enum rt_log_level level, const char *msg)
{
	(void)ctx;
	dlog_line(level, msg);
}

void denv_init(struct denv *e, struct net *net, struct store *store, const char *state_dir)
{
	memset(e, 0, sizeof(*e));
	e->net = net;
	e->store = store;
	e->state_dir = state_dir;
	e->env = (struct rt_env){
		.ctx = e,
		.now_ns = env_now,
		.random_u64 = env_random,
		.alloc = env_alloc,
		.free = env_free,
		.conn_send = env_send,
		.conn_close = env_close,
		.disk_submit = env_disk_submit,
		.state_save = env_state_save,
		.state_load = env_state_load,
		.log = env_log,
	};
}

void denv_fini(struct denv *e)
{
	if (e->live_bytes != 0)
		dlog(RT_LOG_WARN, "engine memory not returned at exit: %zu bytes", e->live_bytes);
	e->done_head = e->done_tail = NULL;
}
