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
	/* Not a flag to configure: where the storage compares and writes in
	 * one step for every gateway, COMPARE AND WRITE uses it (caw.c).
	 * Where it cannot compare one whole block (rbd on librbd 16 and
	 * 4096-byte blocks), the SCSI layer's read-compare-write is atomic
	 * within this gateway only. */
	if ((bs->caps & BS_CAP_COMPARE_WRITE) && bs->compare_write_max >= lu->block_size) {
		lu->flags |= RT_LU_COMPARE_WRITE;
		lu->compare_write_max = bs->compare_write_max;
	} else if (bs->caps & BS_CAP_COMPARE_WRITE) {
		dlog(RT_LOG_WARN,
		     "LU %s: the %s backstore compares at most %u bytes at once, less than a block: COMPARE AND WRITE is atomic through this gateway only",
		     lu->name, bs->ops->name, bs->compare_write_max);
	}
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
	bool data = io->op == RT_DISK_READ || io->op == RT_DISK_WRITE || io->op == RT_DISK_COMPARE_WRITE;
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
	uint64_t t = s->paced ? s->paced->env_due_ns : UINT64_MAX;
	for (uint32_t i = 0; i < s->count; i++) {
		uint64_t b = bs_deadline(&s->bs[i]);
		if (b < t)
			t = b;
	}
	return t;
}

void store_on_time(struct store *s, uint64_t now)
{
	while (s->paced && s->paced->env_due_ns <= now) {
		struct rt_disk_io *io = s->paced;
		s->paced = io->env_next;
		io->env_next = NULL;
		s->complete(s->complete_ctx, io);
	}
	/* a backstore's own timed work is done by its reap (bs_ops.deadline) */
	for (uint32_t i = 0; i < s->count; i++)
		if (bs_deadline(&s->bs[i]) <= now)
			bs_reap(&s->bs[i]);
}

/* A backstore's shared PR record changed elsewhere: tell the owner which LU. */
static void store_record_changed(void *ctx, struct bs *bs)
{
	struct store *s = ctx;
	if (s->pr_changed != NULL)
		s->pr_changed(s->pr_changed_ctx, (uint32_t)(bs - s->bs));
}

/* A backstore's ownership moved: tell the owner which LU. */
static void store_alua_changed(void *ctx, struct bs *bs)
{
	struct store *s = ctx;
	if (s->alua_changed != NULL)
		s->alua_changed(s->pr_changed_ctx, (uint32_t)(bs - s->bs));
}

static void store_bs_log(void *ctx, struct bs *bs, bool warn, const char *msg)
{
	struct store *s = ctx;
	dlog(warn ? RT_LOG_WARN : RT_LOG_INFO, "LU %u: %s", (unsigned)(bs - s->bs), msg);
}

int store_alua_state(const struct store *s, uint32_t lu, uint16_t group, enum rt_alua_state non_owner)
{
	if (lu >= s->count || s->bs[lu].ops == NULL || s->bs[lu].ops->alua_state == NULL)
		return -1;
	return (int)s->bs[lu].ops->alua_state(&s->bs[lu], group, non_owner);
}

static void on_bs_event(struct loop *l, int fd, void *data, uint32_t events)
{
	(void)l;
	(void)fd;
	(void)events;
	bs_reap(data);
}

/* Completions of bs become events of s->loop, once there is one. */
static int watch_bs(struct store *s, struct bs *bs)
{
	int fd = bs_event_fd(bs);
	if (s->loop == NULL || fd < 0)
		return 0;
	return loop_watch(s->loop, fd, LOOP_READ, on_bs_event, bs);
}

/* One line for the whole daemon: synchronous file and block I/O means one
 * slow disk holds up every session, which a user should know. */
static void log_io_mode(struct store *s, const struct dcfg *d, uint32_t from)
{
	for (uint32_t i = from; i < s->count && !s->io_mode_said; i++) {
		const struct bs *bs = &s->bs[i];
		if (bs->sync_why[0] == '\0')
			continue;
		if (s->sync_io)
			dlog(RT_LOG_INFO, "file and block LUs: synchronous disk I/O, as --sync-io asks: "
					  "a slow disk holds up every session");
		else
			dlog(RT_LOG_WARN, "file and block LUs: synchronous disk I/O, io_uring is unavailable (%s): "
					  "a slow disk holds up every session",
			     bs->sync_why);
		s->io_mode_said = true;
	}
	for (uint32_t i = from; i < s->count; i++)
		if (bs_event_fd(&s->bs[i]) >= 0)
			dlog(RT_LOG_DEBUG, "LU %s: disk I/O through io_uring", d->lus[i].name);
}

/* Open d's LUs from s->count on; each opened one counts. */
static int store_open_from(struct store *s, struct dcfg *d, char *err, size_t err_len)
{
	uint32_t from = s->count;
	int rc = 0;
	if (d->cfg.lu_count > STORE_LUS_MAX) {
		snprintf(err, err_len, "lus: %u LUs, at most %u (RT_LUS_MAX, retired ones included)",
			 d->cfg.lu_count, STORE_LUS_MAX);
		return -1;
	}
	for (uint32_t i = s->count; i < d->cfg.lu_count; i++) {
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
		bs->record_changed = store_record_changed;
		bs->alua_changed = store_alua_changed;
		bs->log = store_bs_log;
		s->pace[i].bytes_per_s = (uint64_t)st->media_mbps * 1000000u;
		const struct bs_params p = {
			.path = st->path,
			.size_bytes = st->size_bytes,
			.block_size = d->lus[i].block_size,
			.read_only = (d->lus[i].flags & RT_LU_READ_ONLY) != 0,
			.sync_io = s->sync_io,
			.rbd = rbd ? &st->rbd : NULL,
		};
		if (bs->ops->open(bs, &p, why, sizeof(why)) != 0) {
			memset(bs, 0, sizeof(*bs));
			rc = lu_fail(d, i, rbd ? "rbd" : st->path ? "path" : "backstore", err, err_len, "%s", why);
			break;
		}
		s->count = i + 1;
		if (watch_bs(s, bs) != 0) {
			rc = lu_fail(d, i, "backstore", err, err_len, "cannot watch its completions: %s",
				     strerror(errno));
			break;
		}
		rc = fit_lu(d, i, bs, err, err_len);
		if (rc != 0)
			break;
		dlog(RT_LOG_DEBUG, "LU %s: %s%s%s, %llu blocks of %u", d->lus[i].name, bs->ops->name,
		     st->path ? " " : "", st->path ? st->path : "", (unsigned long long)d->lus[i].blocks,
		     d->lus[i].block_size);
	}
	if (rc == 0)
		log_io_mode(s, d, from);
	return rc;
}

int store_open(struct store *s, struct dcfg *d, bool sync_io,
	       void (*complete)(void *ctx, struct rt_disk_io *io), void *ctx, char *err, size_t err_len)
{
	s->count = 0;
	s->paced = NULL;
	s->sync_io = sync_io;
	s->io_mode_said = false;
	s->loop = NULL;
	s->complete = complete;
	s->complete_ctx = ctx;
	s->pr_changed = NULL;
	s->pr_changed_ctx = NULL;
	s->alua_changed = NULL;
	/* Room for every LU a live reconfiguration may add (store_grow): a
	 * backstore in use never moves. */
	s->bs = calloc(STORE_LUS_MAX, sizeof(*s->bs));
	s->pace = calloc(STORE_LUS_MAX, sizeof(*s->pace));
	if (s->bs == NULL || s->pace == NULL) {
		snprintf(err, err_len, "out of memory");
		return -1;
	}
	int rc = store_open_from(s, d, err, err_len);
	if (rc == 0)
		return 0;
	store_close(s);
	return -1;
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

int store_watch(struct store *s, struct loop *l)
{
	s->loop = l;
	for (uint32_t i = 0; i < s->count; i++)
		if (watch_bs(s, &s->bs[i]) != 0)
			return -1;
	return 0;
}

void store_kick(struct store *s)
{
	for (uint32_t i = 0; i < s->count; i++)
		bs_kick(&s->bs[i]);
}

void store_drain(struct store *s)
{
	for (uint32_t i = 0; i < s->count; i++)
		bs_drain(&s->bs[i]);
}

/* Unwatch first: the loop must not keep a descriptor that close frees
 * (its number comes back for the next socket). */
static void close_bs(struct store *s, struct bs *bs)
{
	int fd = bs_event_fd(bs);
	if (s->loop != NULL && fd >= 0)
		loop_unwatch(s->loop, fd);
	bs->ops->close(bs);
	memset(bs, 0, sizeof(*bs));
}

void store_truncate(struct store *s, uint32_t count)
{
	while (s->count > count)
		close_bs(s, &s->bs[--s->count]);
}

void store_close(struct store *s)
{
	store_truncate(s, 0);
	free(s->bs);
	free(s->pace);
	s->bs = NULL;
	s->pace = NULL;
	s->paced = NULL;
	s->count = 0;
}

int store_grow(struct store *s, struct dcfg *d, char *err, size_t err_len)
{
	uint32_t before = s->count;
	if (store_open_from(s, d, err, err_len) == 0)
		return 0;
	store_truncate(s, before);
	return -1;
}
