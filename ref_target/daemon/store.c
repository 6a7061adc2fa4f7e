/* store: see store.h. */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlog.h"
#include "loop.h"

/* "lus[i].key: why", explained with the config's line. */
__attribute__((format(printf, 6, 7)))
static int lu_fail(const struct dcfg *d, uint32_t i, const char *key, char *err, size_t err_len,
		   const char *fmt, ...)
{
	char why[DCFG_ERR_MAX];
	int n = snprintf(why, sizeof(why), "lus[%u].%s: ", i, key);
	if (n > 0 && (size_t)n < sizeof(why)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	dcfg_explain(d, why, err, err_len);
	return -1;
}

/* Geometry and capabilities, once the backstore is open. */
static int fit_lu(struct dcfg *d, uint32_t i, const struct bs *bs, char *err, size_t err_len)
{
	struct rt_lu_cfg *lu = &d->lus[i];
	const struct dcfg_lu *st = &d->stores[i];
	if (st->size_bytes > bs->size_bytes)
		return lu_fail(d, i, "size", err, err_len, "%llu bytes asked, the %s backstore has %llu",
			       (unsigned long long)st->size_bytes, bs->ops->name,
			       (unsigned long long)bs->size_bytes);
	uint64_t bytes = st->size_bytes ? st->size_bytes : bs->size_bytes;
	lu->blocks = bytes / lu->block_size;
	if (bytes % lu->block_size)
		dlog(RT_LOG_WARN, "LU %s: the last %llu bytes are not a whole block and stay unused", lu->name,
		     (unsigned long long)(bytes % lu->block_size));
	if (st->flags_from_caps) {
		if (bs->caps & BS_CAP_UNMAP)
			lu->flags |= RT_LU_THIN;
		if ((bs->caps & BS_CAP_UNMAP) && (bs->caps & BS_CAP_UNMAP_ZEROES))
			lu->flags |= RT_LU_LBPRZ;
		if (bs->caps & BS_CAP_VOLATILE)
			lu->flags |= RT_LU_WCE;
		if (bs->caps & BS_CAP_ATOMIC)
			lu->flags |= RT_LU_ATOMIC;
		return 0;
	}
	if ((lu->flags & RT_LU_THIN) && !(bs->caps & BS_CAP_UNMAP))
		return lu_fail(d, i, "flags", err, err_len, "thin, but this %s backstore cannot deallocate",
			       bs->ops->name);
	if ((lu->flags & RT_LU_LBPRZ) && !(bs->caps & BS_CAP_UNMAP_ZEROES))
		return lu_fail(d, i, "flags", err, err_len,
			       "lbprz, but this %s backstore does not read deallocated blocks as zeroes",
			       bs->ops->name);
	/* SBC-4 §5.2: a WRITE ATOMIC lands whole or not at all; only a
	 * backstore that promises it may advertise it (VPD B0h). */
	if ((lu->flags & RT_LU_ATOMIC) && !(bs->caps & BS_CAP_ATOMIC))
		return lu_fail(d, i, "flags", err, err_len, "atomic, but this %s backstore cannot write atomically",
			       bs->ops->name);
	return 0;
}

/* Data moves through a paced medium one request after another: a read or
 * write of len bytes occupies it len / bytes_per_s; other requests pass. */
static void store_bs_done(void *ctx, struct rt_disk_io *io)
{
	struct store *s = ctx;
	struct store_pace *p = &s->pace[io->lu];
	bool data = io->op == RT_DISK_READ || io->op == RT_DISK_WRITE;
	if (p->bytes_per_s == 0 || !data) {
		s->complete(s->complete_ctx, io);
		return;
	}
	uint64_t now = loop_now_ns();
	uint64_t start = p->busy_until > now ? p->busy_until : now;
	p->busy_until = start + io->len * 1000000000ull / p->bytes_per_s;
	io->env_due_ns = p->busy_until;
	struct rt_disk_io **pp = &s->paced;
	while (*pp && (*pp)->env_due_ns <= io->env_due_ns)
		pp = &(*pp)->env_next;
	io->env_next = *pp;
	*pp = io;
}

uint64_t store_next_deadline(const struct store *s)
{
	return s->paced ? s->paced->env_due_ns : UINT64_MAX;
}

void store_on_time(struct store *s, uint64_t now)
{
	while (s->paced && s->paced->env_due_ns <= now) {
		struct rt_disk_io *io = s->paced;
		s->paced = io->env_next;
		io->env_next = NULL;
		s->complete(s->complete_ctx, io);
	}
}

int store_open(struct store *s, struct dcfg *d, void (*complete)(void *ctx, struct rt_disk_io *io),
	       void *ctx, char *err, size_t err_len)
{
	uint32_t n = d->cfg.lu_count;
	s->count = 0;
	s->paced = NULL;
	s->complete = complete;
	s->complete_ctx = ctx;
	s->bs = calloc(n ? n : 1, sizeof(*s->bs));
	s->pace = calloc(n ? n : 1, sizeof(*s->pace));
	if (s->bs == NULL || s->pace == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	int rc = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct dcfg_lu *st = &d->stores[i];
		struct bs *bs = &s->bs[i];
		char why[DCFG_ERR_MAX / 2] = "";
		bool rbd = strcmp(st->backstore, "rbd") == 0;
		bs->ops = bs_find(st->backstore);
		if (bs->ops == NULL) {
			rc = lu_fail(d, i, "backstore", err, err_len, "'%s' is not in this build%s", st->backstore,
				     rbd ? " (it was built without librbd's headers: install librbd-dev and "
					   "librados-dev, or run tools/deps.sh, and rebuild)"
					 : "");
			break;
		}
		bs->complete = store_bs_done;
		bs->complete_ctx = s;
		s->pace[i].bytes_per_s = (uint64_t)st->media_mbps * 1000000u;
		const struct bs_params p = {
			.path = st->path,
			.size_bytes = st->size_bytes,
			.block_size = d->lus[i].block_size,
			.read_only = (d->lus[i].flags & RT_LU_READ_ONLY) != 0,
			.rbd = rbd ? &st->rbd : NULL,
		};
		if (bs->ops->open(bs, &p, why, sizeof(why)) != 0) {
			rc = lu_fail(d, i, rbd ? "rbd" : st->path ? "path" : "backstore", err, err_len, "%s", why);
			break;
		}
		s->count = i + 1;
		rc = fit_lu(d, i, bs, err, err_len);
		if (rc != 0)
			break;
		dlog(RT_LOG_DEBUG, "LU %s: %s%s%s, %llu blocks of %u", d->lus[i].name, bs->ops->name,
		     st->path ? " " : "", st->path ? st->path : "", (unsigned long long)d->lus[i].blocks,
		     d->lus[i].block_size);
	}
	if (rc == 0)
		return 0;
	store_close(s);
	return -1;
}

static void store_reap(struct loop *l, int fd, void *data, uint32_t events)
{
	(void)l;
	(void)fd;
	(void)events;
	struct bs *bs = data;
	bs->ops->reap(bs);
}

int store_watch(struct store *s, struct loop *l, char *err, size_t err_len)
{
	for (uint32_t i = 0; i < s->count; i++) {
		struct bs *bs = &s->bs[i];
		if (bs->ops->reap != NULL && loop_watch(l, bs->event_fd, LOOP_READ, store_reap, bs) != 0) {
			snprintf(err, err_len, "LU %u: epoll: %s", i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

void store_takeover(struct store *s)
{
	for (uint32_t i = 0; i < s->count; i++) {
		struct bs *bs = &s->bs[i];
		char msg[DCFG_ERR_MAX];
		if (bs->ops->takeover == NULL)
			continue;
		int rc = bs->ops->takeover(bs, msg, sizeof(msg));
		dlog(rc == 0 ? RT_LOG_INFO : RT_LOG_ERR, "LU %u: takeover: %s", i, msg);
	}
}

void store_submit(struct store *s, struct rt_disk_io *io)
{
	/* the engine only names LUs of the config it was given */
	assert(io->lu < s->count);
	struct bs *bs = &s->bs[io->lu];
	bs->ops->submit(bs, io);
}

void store_close(struct store *s)
{
	for (uint32_t i = 0; i < s->count; i++)
		s->bs[i].ops->close(&s->bs[i]);
	free(s->bs);
	free(s->pace);
	s->bs = NULL;
	s->pace = NULL;
	s->paced = NULL;
	s->count = 0;
}
