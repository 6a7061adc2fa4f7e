/* fake_env: see fake_env.h. */
#include "fake_env.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fake_now(void *ctx)
{
	return ((struct fake_env *)ctx)->now_ns;
}

static uint64_t fake_random(void *ctx)
{
	struct fake_env *f = ctx;
	uint64_t x = f->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	f->rng = x;
	return x;
}

static void *fake_alloc(void *ctx, size_t size)
{
	struct fake_env *f = ctx;
	if (f->allocs++ == f->fail_alloc_at)
		return NULL;
	void *p = malloc(size);
	if (p)
		f->live_bytes += size;
	return p;
}

static void fake_free(void *ctx, void *p, size_t size)
{
	struct fake_env *f = ctx;
	if (p == NULL)
		return;
	assert(f->live_bytes >= size);
	f->live_bytes -= size;
	free(p);
}

static long fake_send(void *ctx, rt_conn_id c, const struct iovec *iov, int iovcnt)
{
	struct fake_env *f = ctx;
	assert(c < FAKE_CONNS);
	struct fake_conn *fc = &f->conns[c];
	if (fc->closed)
		return -1;
	for (int i = 0; i < iovcnt; i++) {
		if (fc->out_len + iov[i].iov_len > fc->out_cap) {
			size_t cap = fc->out_cap ? fc->out_cap : 4096;
			while (cap < fc->out_len + iov[i].iov_len)
				cap *= 2;
			fc->out = realloc(fc->out, cap);
			assert(fc->out);
			fc->out_cap = cap;
		}
		memcpy(fc->out + fc->out_len, iov[i].iov_base, iov[i].iov_len);
		fc->out_len += iov[i].iov_len;
	}
	return fc->hold ? (long)fc->out_len : 0;
}

static void fake_close(void *ctx, rt_conn_id c)
{
	struct fake_env *f = ctx;
	assert(c < FAKE_CONNS);
	f->conns[c].closed = true;
}

static void fake_disk_submit(void *ctx, struct rt_disk_io *io)
{
	struct fake_env *f = ctx;
	assert(f->npending < FAKE_PENDING_IO);
	f->pending[f->npending++] = io;
}

static int fake_state_save(void *ctx, const char *key, const void *buf, size_t len)
{
	struct fake_env *f = ctx;
	int freeslot = -1;
	for (int i = 0; i < FAKE_STATE_KEYS; i++) {
		if (f->state[i].val && strcmp(f->state[i].key, key) == 0) {
			free(f->state[i].val);
			f->state[i].val = NULL;
		}
		if (f->state[i].val == NULL && freeslot < 0)
			freeslot = i;
	}
	if (freeslot < 0 || strlen(key) >= sizeof(f->state[0].key))
		return -1;
	f->state[freeslot].val = malloc(len ? len : 1);
	memcpy(f->state[freeslot].val, buf, len);
	f->state[freeslot].len = len;
	snprintf(f->state[freeslot].key, sizeof(f->state[freeslot].key), "%s", key);
	return 0;
}

static long fake_state_load(void *ctx, const char *key, void *buf, size_t cap)
{
	struct fake_env *f = ctx;
	for (int i = 0; i < FAKE_STATE_KEYS; i++) {
		if (f->state[i].val && strcmp(f->state[i].key, key) == 0) {
			size_t n = f->state[i].len < cap ? f->state[i].len : cap;
			memcpy(buf, f->state[i].val, n);
			return (long)n;
		}
	}
	return -1;
}

static void fake_log(void *ctx, enum rt_log_level level, const char *msg)
{
	struct fake_env *f = ctx;
	(void)level;
	f->logs++;
	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	if (getenv("FAKE_ENV_LOG"))
		fprintf(stderr, "[%d] %s\n", (int)level, msg);
}

void fake_env_init(struct fake_env *f, uint64_t disk_size)
{
	memset(f, 0, sizeof(*f));
	f->env = (struct rt_env){
		.ctx = f,
		.now_ns = fake_now,
		.random_u64 = fake_random,
		.alloc = fake_alloc,
		.free = fake_free,
		.conn_send = fake_send,
		.conn_close = fake_close,
		.disk_submit = fake_disk_submit,
		.state_save = fake_state_save,
		.state_load = fake_state_load,
		.log = fake_log,
	};
	f->rng = 0x9e3779b97f4a7c15ull;
	f->fail_alloc_at = -1;
	f->disk_size = disk_size;
	f->disk = calloc(1, disk_size ? disk_size : 1);
	assert(f->disk);
}

void fake_env_fini(struct fake_env *f)
{
	for (int i = 0; i < FAKE_CONNS; i++)
		free(f->conns[i].out);
	for (int i = 0; i < FAKE_STATE_KEYS; i++)
		free(f->state[i].val);
	free(f->disk);
	memset(f, 0, sizeof(*f));
}

/* The shared PR record: one for every LU, versioned as RADOS does. */
static void fake_disk_pr(struct fake_env *f, struct rt_disk_io *io)
{
	if (io->op == RT_DISK_PR_LOAD) {
		f->pr_loads++;
		size_t n = f->pr_len < io->len ? f->pr_len : (size_t)io->len;
		if (n > 0)
			memcpy(io->buf, f->pr, n);
		io->run_len = n;
		io->version = f->pr_version;
		return;
	}
	f->pr_store_tries++;
	if (io->version != f->pr_version || f->pr_always_stale) {
		io->status = RT_DISK_ERR_STALE;
		return;
	}
	assert(io->len <= sizeof(f->pr));
	memcpy(f->pr, io->buf, io->len);
	f->pr_len = io->len;
	io->version = ++f->pr_version;
	f->pr_stores++;
}

void fake_disk_apply(struct fake_env *f, struct rt_disk_io *io)
{
	io->status = RT_DISK_OK;
	if (io->op == RT_DISK_FLUSH)
		return;
	if (io->op == RT_DISK_PR_LOAD || io->op == RT_DISK_PR_STORE) {
		fake_disk_pr(f, io);
		return;
	}
	if (io->op == RT_DISK_ALUA_SET) {
		f->alua_sets++;
		f->alua_set_group = (uint16_t)io->offset;
		io->status = f->alua_set_status;
		return;
	}
	if (io->offset > f->disk_size || io->len > f->disk_size - io->offset) {
		io->status = io->op == RT_DISK_READ ? RT_DISK_ERR_READ : RT_DISK_ERR_WRITE;
		return;
	}
	uint8_t *p = f->disk + io->offset;
	switch (io->op) {
	case RT_DISK_READ:
		memcpy(io->buf, p, io->len);
		break;
	case RT_DISK_WRITE:
		memcpy(p, io->buf, io->len);
		break;
	case RT_DISK_UNMAP:
	case RT_DISK_WRITE_ZEROES:
		memset(p, 0, io->len);
		break;
	case RT_DISK_FLUSH:
		break;
	case RT_DISK_MAP_STATUS: /* a dense disk: everything is mapped */
		io->mapped = true;
		io->run_len = io->len;
		break;
	case RT_DISK_COMPARE_WRITE: /* buf: the compare half, then the write half */
		if (memcmp(p, io->buf, io->len) != 0) {
			uint64_t i = 0;
			while (p[i] == io->buf[i])
				i++;
			io->status = RT_DISK_MISCOMPARE;
			io->run_len = i;
			break;
		}
		memcpy(p, io->buf + io->len, io->len);
		break;
	case RT_DISK_PR_LOAD:
	case RT_DISK_PR_STORE:
	case RT_DISK_ALUA_SET:
		break; /* answered above */
	}
}

unsigned fake_disk_run(struct fake_env *f, struct rt_engine *eng)
{
	unsigned done = 0;
	while (f->npending > 0) {
		struct rt_disk_io *io = f->pending[0];
		memmove(f->pending, f->pending + 1, (f->npending - 1) * sizeof(f->pending[0]));
		f->npending--;
		fake_disk_apply(f, io);
		rt_on_disk_done(eng, io);
		done++;
	}
	return done;
}

size_t fake_conn_take(struct fake_env *f, rt_conn_id c, uint8_t *out, size_t cap)
{
	struct fake_conn *fc = &f->conns[c];
	size_t n = fc->out_len < cap ? fc->out_len : cap;
	memcpy(out, fc->out, n);
	memmove(fc->out, fc->out + n, fc->out_len - n);
	fc->out_len -= n;
	return n;
}

void fake_conn_report(struct fake_env *f, struct rt_engine *eng, rt_conn_id c)
{
	struct fake_conn *fc = &f->conns[c];
	rt_on_conn_sent(eng, c, fc->hold ? fc->out_len : 0);
}
