/* disk: see disk.h. A write flagged RT_DISK_ATOMIC (SBC-4 WRITE ATOMIC)
 * is never torn: it goes through the volatile cache straight to durable
 * media (as drives that offer atomic writes protect them against power
 * loss), so a power loss finds all of it or, before it completed, none;
 * and a failed one writes nothing. */
#include "sim/infra/disk.h"

#include <assert.h>
#include <stdio.h>

#include "sim/initiator/block.h"

/* disk.dirty[] bits per block (and disk.h's DISK_BLK_CUR_1, DISK_BLK_DUR_1) */
#define BLK_DIRTY 0x1u  /* the cache holds data the media does not */
#define BLK_LISTED 0x2u /* in dirty_list */
#define BLK_SIDES (DISK_BLK_CUR_1 | DISK_BLK_DUR_1)

struct disk_rec {
	struct disk_rec *prev, *next;
	struct rt_disk_io *io;  /* NULL once the gateway crashed */
	int gw;
	uint64_t instance;      /* the gateway's client instance at submit */
	uint64_t submitted;     /* when the gateway sent it (librbd takes the lock then) */
	uint64_t due;           /* completion time */
	enum rt_disk_op op;
	uint32_t flags;
	uint64_t offset, len;
	const uint8_t *data;    /* write data: the engine's buffer, or owned */
	uint8_t *owned;         /* the disk's own copy (its gateway crashed; a PR store), data_len bytes */
	size_t data_len;
	uint64_t pr_version;    /* PR_STORE: the record's version it replaces */
};

void disk_init(struct disk *d, const struct sim_mem *mem, struct evq *q, struct sim_trace *tr,
	const struct sim_rng *rng, const struct disk_params *p, const struct disk_ops *ops)
{
	memset(d, 0, sizeof(*d));
	d->mem = mem;
	d->q = q;
	d->tr = tr;
	d->rng = *rng;
	d->p = *p;
	d->ops = *ops;
	size_t bytes = (size_t)(p->blocks * p->block_size);
	/* copy_in keeps patterns: block_fill must give back every byte */
	assert(p->block_size >= BLOCK_HDR_LEN && p->block_size % 16 == 0);
	/* Without a volatile cache every write goes through to the media
	 * (put_blocks) and no block is ever dirty: every block stays in
	 * img[0], the second image is never needed. */
	d->img[0] = sim_zalloc(mem, bytes);
	d->img[1] = p->volatile_cache ? sim_zalloc(mem, bytes) : NULL;
	/* every block zeroes (ver 0), as the images */
	d->pat[0] = sim_zalloc(mem, sizeof(*d->pat[0]) * (size_t)p->blocks);
	d->pat[1] = p->volatile_cache ? sim_zalloc(mem, sizeof(*d->pat[1]) * (size_t)p->blocks) : NULL;
	d->view = sim_alloc(mem, p->block_size);
	d->dirty = sim_zalloc(mem, (size_t)p->blocks);
	d->dirty_list = sim_alloc(mem, sizeof(*d->dirty_list) * (size_t)p->blocks);
	d->lock_owner = -1;
	for (unsigned g = 0; g < DISK_GWS_MAX; g++)
		d->reopen_at[g] = UINT64_MAX;
}

static void rec_free(struct disk *d, struct disk_rec *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		d->inflight = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	sim_free(d->mem, r->owned, r->data_len);
	sim_free(d->mem, r, sizeof(*r));
}

void disk_fini(struct disk *d)
{
	while (d->inflight != NULL)
		rec_free(d, d->inflight);
	size_t bytes = (size_t)(d->p.blocks * d->p.block_size);
	sim_free(d->mem, d->img[0], bytes);
	sim_free(d->mem, d->img[1], bytes);
	sim_free(d->mem, d->pat[0], sizeof(*d->pat[0]) * (size_t)d->p.blocks);
	sim_free(d->mem, d->pat[1], sizeof(*d->pat[1]) * (size_t)d->p.blocks);
	sim_free(d->mem, d->seen, sizeof(*d->seen) * d->seen_cap);
	sim_free(d->mem, d->view, d->p.block_size);
	sim_free(d->mem, d->dirty, (size_t)d->p.blocks);
	sim_free(d->mem, d->dirty_list, sizeof(*d->dirty_list) * (size_t)d->p.blocks);
	for (unsigned i = 0; i < DISK_STATE_KEYS; i++)
		sim_free(d->mem, d->state[i].val, d->state[i].len);
	sim_free(d->mem, d->pr.buf, d->pr.len);
}

static bool in_range(const struct disk *d, uint64_t offset, uint64_t len)
{
	uint64_t bytes = d->p.blocks * d->p.block_size;
	return offset <= bytes && len <= bytes - offset && offset % d->p.block_size == 0 &&
		len % d->p.block_size == 0;
}

static bool hits_bad(const struct disk *d, uint64_t lba, uint64_t n)
{
	return lba < d->bad_hi && lba + n > d->bad_lo;
}

/* Block b's bytes in image side (0 or 1). */
static uint8_t *img_at(const struct disk *d, unsigned side, uint64_t b)
{
	return d->img[side] + b * d->p.block_size;
}

/* Put n blocks from data into blocks lba.. of the images their state
 * bits name (bit: DISK_BLK_CUR_1 or DISK_BLK_DUR_1), each decoded into
 * seen[i]: a pattern or zeroes is kept as disk.pat says, only other
 * bytes are copied. block_decode's BLOCK_OK and BLOCK_WRONG_LBA check
 * every 16-byte word past the header against the filler of (header LBA,
 * version), so block_fill of the two gives back the same bytes (a block
 * size a multiple of 16, asserted at disk_init). */
static void copy_in(struct disk *d, uint64_t lba, uint64_t n, const uint8_t *data, uint8_t bit,
	struct block_seen *seen)
{
	size_t bs = d->p.block_size;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t b = lba + i;
		unsigned side = (d->dirty[b] & bit) != 0;
		const uint8_t *src = data + i * bs;
		struct block_seen *s = &seen[i];
		s->other_lba = 0;
		s->kind = block_decode(src, bs, b, &s->version, &s->other_lba);
		struct disk_pat *p = &d->pat[side][b];
		switch (s->kind) {
		case BLOCK_ZERO:
			*p = (struct disk_pat){ .lba = 0, .ver = 0 };
			break;
		case BLOCK_OK:
			*p = (struct disk_pat){ .lba = b, .ver = s->version };
			break;
		case BLOCK_WRONG_LBA:
			*p = (struct disk_pat){ .lba = s->other_lba, .ver = s->version };
			break;
		default:
			p->ver = DISK_PAT_BYTES;
			memcpy(img_at(d, side, b), src, bs);
			break;
		}
	}
}

/* Block b of image side into out (block_size bytes). */
static void block_out(const struct disk *d, unsigned side, uint64_t b, uint8_t *out)
{
	size_t bs = d->p.block_size;
	const struct disk_pat *p = &d->pat[side][b];
	if (p->ver == DISK_PAT_BYTES)
		memcpy(out, img_at(d, side, b), bs);
	else if (p->ver == 0)
		memset(out, 0, bs);
	else
		block_fill(out, bs, p->lba, p->ver);
}

const uint8_t *disk_block(const struct disk *d, uint64_t lba)
{
	unsigned side = (d->dirty[lba] & DISK_BLK_CUR_1) != 0;
	block_out(d, side, lba, d->view);
	return d->view;
}

void disk_durable_seen(const struct disk *d, uint64_t lba, struct block_seen *out)
{
	unsigned side = (d->dirty[lba] & DISK_BLK_DUR_1) != 0;
	const struct disk_pat *p = &d->pat[side][lba];
	out->other_lba = 0;
	out->version = 0;
	if (p->ver == DISK_PAT_BYTES)
		out->kind = block_decode(img_at(d, side, lba), d->p.block_size, lba, &out->version, &out->other_lba);
	else if (p->ver == 0)
		out->kind = BLOCK_ZERO;
	else if (p->lba != lba) {
		/* block_decode of block_fill(p->lba, p->ver) read at lba */
		out->kind = BLOCK_WRONG_LBA;
		out->version = p->ver;
		out->other_lba = p->lba;
	} else {
		out->kind = BLOCK_OK;
		out->version = p->ver;
	}
}

/* Write blocks at lba: into the cache, or through to durable media.
 * Each block lives in one of two images, its state bits say which holds
 * what a read returns (cur) and which what survives power loss (dur):
 * the same one for a clean block. A cached write to a clean block goes
 * to the other image; a flush or a power loss then moves a bit instead
 * of copying the block (the flush's copy of every dirty block was a
 * tenth of a 4 KiB world's time, callgrind swarm seed 2). */
static void put_blocks(struct disk *d, int gw, uint64_t lba, uint64_t n, const uint8_t *data, bool durable)
{
	if (n == 0)
		return;
	bool through = durable || !d->p.volatile_cache;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *st = &d->dirty[lba + i];
		if (!(*st & BLK_DIRTY) && !through) {
			/* clean: cur and dur share a side; cur moves to the other */
			*st = (uint8_t)((*st & (uint8_t)~DISK_BLK_CUR_1) | ((*st & DISK_BLK_DUR_1) ? 0u : DISK_BLK_CUR_1));
		}
	}
	d->seen = sim_grow(d->mem, d->seen, sizeof(*d->seen), &d->seen_cap, (size_t)n);
	copy_in(d, lba, n, data, DISK_BLK_CUR_1, d->seen);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t *st = &d->dirty[lba + i];
		if (through) {
			/* Both are this data now: dur joins cur's side. It may
			 * stay listed; flush and power loss skip clean blocks. */
			*st = (uint8_t)((*st & (uint8_t)~(BLK_DIRTY | DISK_BLK_DUR_1)) |
				((*st & DISK_BLK_CUR_1) ? DISK_BLK_DUR_1 : 0u));
			continue;
		}
		*st |= BLK_DIRTY;
		if (!(*st & BLK_LISTED)) {
			*st |= BLK_LISTED;
			d->dirty_list[d->ndirty++] = lba + i;
		}
	}
	d->ops.applied(d->ops.ctx, gw, lba, (uint32_t)n, data, d->seen, through);
}

/* A dirty block becomes durable: dur joins cur's side. */
static void make_durable(uint8_t *st)
{
	*st = (uint8_t)((*st & (uint8_t)~DISK_BLK_DUR_1) | ((*st & DISK_BLK_CUR_1) ? DISK_BLK_DUR_1 : 0u));
}

static void flush_all(struct disk *d)
{
	for (uint64_t k = 0; k < d->ndirty; k++) {
		uint64_t b = d->dirty_list[k];
		if (d->dirty[b] & BLK_DIRTY)
			make_durable(&d->dirty[b]);
		d->dirty[b] &= BLK_SIDES;
	}
	d->ndirty = 0;
}

/* Is the instance that sent r fenced off the storage (disk_fence) or
 * blocklisted by a lock break? Then nothing it sends may land. */
static bool refused(struct disk *d, struct disk_rec *r)
{
	int g = r->gw;
	if (d->fenced[g])
		return true;
	/* dead_below is raised by a lock break, or by a PR notify the
	 * instance did not acknowledge (disk_blocklist): 0 otherwise */
	if (r->instance >= d->dead_below[g])
		return false;
	/* The blocklisted instance learns it here and reopens later; an I/O
	 * of an earlier life, refused after a restart, teaches the living
	 * instance nothing. */
	if (r->instance == d->instance[g] && d->reopen_at[g] == UINT64_MAX)
		d->reopen_at[g] = d->q->now + d->p.reopen_delay_ns;
	return true;
}

/* May this write change the image? Fencing and the exclusive lock. */
static bool may_write(struct disk *d, struct disk_rec *r)
{
	int g = r->gw;
	if (refused(d, r))
		return false;
	if (!d->p.exclusive_lock)
		return true;
	/* The lock belongs to a client instance, not to a gateway: a gateway
	 * restarted is a new librbd client, which breaks and blocklists its
	 * own previous life like anyone else's (so a write that life left in
	 * the storage path cannot land over what the new one writes). */
	if (d->lock_owner != g || d->lock_instance != r->instance) {
		if (r->io == NULL && d->lock_owner >= 0) {
			/* A dead client instance (its gateway crashed or stopped
			 * with this write in the storage path) breaks no lock. The
			 * model takes the lock when a write lands; librbd takes it
			 * before the write is sent, so a write of a dead instance
			 * that another instance's lock now covers was sent under a
			 * lock since broken, which blocklisted its instance (or
			 * could not have been sent). Breaking the lock here would
			 * land it over the newer data of the living owner and
			 * blocklist that owner (seed 587: gateway 1's second life
			 * took the lock from its third). */
			trace_ev(d->tr, d->q->now, TEV_DISK, "dead_write_refused", g, d->lock_owner, 0, 0,
				",\"owner\":%d,\"owner_instance\":%llu,\"instance\":%llu", d->lock_owner,
				(unsigned long long)d->lock_instance, (unsigned long long)r->instance);
			return false;
		}
		if (d->lock_owner >= 0 && d->p.lock_break_fail_ppm != 0 &&
			rng_chance(&d->rng, d->p.lock_break_fail_ppm)) {
			/* The break failed (EBUSY): the owner keeps the lock and
			 * this I/O is refused; the writer is not blocklisted and
			 * its next I/O tries again. */
			d->stats.lock_break_failures++;
			trace_ev(d->tr, d->q->now, TEV_DISK, "lock_break_busy", g, d->lock_owner, 0, 0,
				",\"owner\":%d,\"instance\":%llu", d->lock_owner, (unsigned long long)r->instance);
			return false;
		}
		if (d->lock_owner >= 0 && d->lock_used_at > r->submitted) {
			/* librbd takes the lock before it sends a write: this one
			 * took it when it was sent, and the owner's write sent
			 * since took it back, blocklisting this instance, so it
			 * fails. Landing it now, over the owner's newer data, was
			 * a stale write the model made (five-flag swarm seed
			 * 8957: a write held 14 s by a slow disk landed 3 s
			 * after the copy retried through the other gateway was
			 * acknowledged). */
			trace_ev(d->tr, d->q->now, TEV_DISK, "lock_broken_in_flight", g, d->lock_owner, 0, 0,
				",\"owner\":%d,\"owner_instance\":%llu,\"instance\":%llu", d->lock_owner,
				(unsigned long long)d->lock_instance, (unsigned long long)r->instance);
			if (d->dead_below[g] < r->instance + 1)
				d->dead_below[g] = r->instance + 1;
			bool fenced = refused(d, r);
			assert(fenced);
			return false;
		}
		if (d->lock_owner >= 0) {
			int old = d->lock_owner;
			if (d->dead_below[old] < d->lock_instance + 1)
				d->dead_below[old] = d->lock_instance + 1;
			trace_ev(d->tr, d->q->now, TEV_DISK, "lock_transfer", g, old, 0, 0,
				",\"from\":%d,\"from_instance\":%llu,\"instance\":%llu", old,
				(unsigned long long)d->lock_instance, (unsigned long long)r->instance);
		} else {
			/* The first owner: the picture draws who holds the lock from here. */
			trace_ev(d->tr, d->q->now, TEV_DISK, "lock_acquired", g, -1, 0, 0, NULL);
		}
		d->lock_owner = g;
		d->lock_instance = r->instance;
		d->stats.lock_transfers++;
	}
	if (d->lock_used_at < r->submitted)
		d->lock_used_at = r->submitted;
	return true;
}

static uint64_t instance_of(struct disk *d, int gw)
{
	if (d->q->now >= d->reopen_at[gw]) {
		if (d->p.reopen_fail_ppm != 0 && rng_chance(&d->rng, d->p.reopen_fail_ppm)) {
			/* The reopen failed: still blocklisted, try again later. */
			d->stats.reopen_failures++;
			d->reopen_at[gw] = d->q->now + d->p.reopen_delay_ns;
			trace_ev(d->tr, d->q->now, TEV_DISK, "reopen_failed", gw, -1, 0, 0, NULL);
			return d->instance[gw];
		}
		d->instance[gw]++;
		d->reopen_at[gw] = UINT64_MAX;
	}
	return d->instance[gw];
}

uint64_t disk_gw_reopen_at(const struct disk *d, int gw)
{
	return d->reopen_at[gw];
}

bool disk_gw_try_reopen(struct disk *d, int gw)
{
	return instance_of(d, gw) >= d->dead_below[gw];
}

static enum rt_disk_status do_write(struct disk *d, struct disk_rec *r)
{
	size_t bs = d->p.block_size;
	uint64_t lba = r->offset / bs, n = r->len / bs;
	if (!may_write(d, r)) {
		d->stats.fenced++;
		return RT_DISK_ERR_FENCED;
	}
	bool atomic = (r->flags & RT_DISK_ATOMIC) != 0;
	if (hits_bad(d, lba, n) || rng_chance(&d->rng, d->p.write_err_ppm)) {
		/* A failed write may have reached some of its blocks, unless
		 * it is atomic. */
		uint64_t part = rng_below(&d->rng, n + 1);
		put_blocks(d, r->gw, lba, atomic ? 0 : part, r->data, false);
		d->stats.write_errors++;
		return RT_DISK_ERR_WRITE;
	}
	bool durable = (r->flags & RT_DISK_FUA) != 0 || atomic;
	if (rng_chance(&d->rng, d->p.misdirect_ppm)) {
		uint64_t wrong = rng_below(&d->rng, d->p.blocks - n + 1);
		if (wrong != lba) {
			d->stats.misdirected++;
			trace_ev(d->tr, d->q->now, TEV_DISK, "misdirect", r->gw, -1, lba, wrong,
				",\"lba\":%llu,\"landed_lba\":%llu", (unsigned long long)lba, (unsigned long long)wrong);
			lba = wrong;
		}
	}
	put_blocks(d, r->gw, lba, n, r->data, durable);
	return RT_DISK_OK;
}

/* RT_DISK_COMPARE_WRITE (disk.h): r->data holds the compare half, then
 * the write half. *at: the first differing byte on a MISCOMPARE. */
static enum rt_disk_status do_compare_write(struct disk *d, struct disk_rec *r, uint64_t *at)
{
	size_t bs = d->p.block_size;
	uint64_t lba = r->offset / bs, n = r->len / bs;
	if (!d->p.compare_write)
		return RT_DISK_ERR_UNSUPPORTED;
	assert(r->data != NULL && r->data_len == 2 * r->len);
	if (!may_write(d, r)) {
		d->stats.fenced++;
		return RT_DISK_ERR_FENCED;
	}
	if (hits_bad(d, lba, n) || rng_chance(&d->rng, d->p.write_err_ppm)) {
		d->stats.write_errors++; /* the OSD's op: all or nothing */
		return RT_DISK_ERR_WRITE;
	}
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *cur = disk_block(d, lba + i), *want = r->data + i * bs;
		if (memcmp(cur, want, bs) == 0)
			continue;
		size_t k = 0;
		while (cur[k] == want[k])
			k++;
		*at = i * bs + k;
		d->stats.miscompares++;
		return RT_DISK_MISCOMPARE;
	}
	put_blocks(d, r->gw, lba, n, r->data + r->len, (r->flags & RT_DISK_FUA) != 0);
	return RT_DISK_OK;
}

static enum rt_disk_status do_zero(struct disk *d, struct disk_rec *r)
{
	size_t bs = d->p.block_size;
	uint64_t lba = r->offset / bs, n = r->len / bs;
	if (!may_write(d, r)) {
		d->stats.fenced++;
		return RT_DISK_ERR_FENCED;
	}
	/* Deallocated blocks read as zeroes (LBPRZ): one zero block at a time. */
	uint8_t *zero = sim_zalloc(d->mem, bs);
	for (uint64_t i = 0; i < n; i++)
		put_blocks(d, r->gw, lba + i, 1, zero, (r->flags & RT_DISK_FUA) != 0);
	sim_free(d->mem, zero, bs);
	return RT_DISK_OK;
}

static enum rt_disk_status do_read(struct disk *d, struct disk_rec *r)
{
	size_t bs = d->p.block_size;
	uint64_t lba = r->offset / bs, n = r->len / bs;
	/* A lock taken by any I/O: a read breaks it too, and a blocklisted
	 * instance can read no more than it can write. */
	if (d->p.lock_on == DISK_LOCK_ON_IO && !may_write(d, r)) {
		d->stats.fenced++;
		return RT_DISK_ERR_FENCED;
	}
	if (hits_bad(d, lba, n) || rng_chance(&d->rng, d->p.read_err_ppm)) {
		d->stats.read_errors++;
		return RT_DISK_ERR_READ;
	}
	if (r->io != NULL) {
		for (uint64_t i = 0; i < n; i++) {
			unsigned side = (d->dirty[lba + i] & DISK_BLK_CUR_1) != 0;
			block_out(d, side, lba + i, r->io->buf + i * bs);
		}
	}
	return RT_DISK_OK;
}

/* The shared PR record (disk.h): a load reads it whole (at most the
 * engine's buffer), a store replaces it if nobody stored since its
 * writer's load. The OSD answers a blocklisted client with -ESHUTDOWN
 * whatever it asks; the lock is not needed (any gateway may store). */
static enum rt_disk_status do_pr_load(struct disk *d, struct disk_rec *r)
{
	d->stats.pr_loads++;
	if (refused(d, r)) {
		d->stats.fenced++;
		return RT_DISK_ERR_FENCED;
	}
	if (r->io != NULL) {
		size_t n = d->pr.len < r->len ? d->pr.len : (size_t)r->len;
		if (n > 0)
			memcpy(r->io->buf, d->pr.buf, n);
		r->io->run_len = n;
		r->io->version = d->pr.version;
	}
	return RT_DISK_OK;
}

static enum rt_disk_status do_pr_store(struct disk *d, struct disk_rec *r)
{
	d->stats.pr_stores++;
	if (refused(d, r)) {
		d->stats.fenced++;
		return RT_DISK_ERR_FENCED;
	}
	if (r->data_len > DISK_PR_RECORD_MAX)
		return RT_DISK_ERR_WRITE;
	if (r->pr_version != d->pr.version) {
		d->stats.pr_stores_stale++;
		trace_ev(d->tr, d->q->now, TEV_DISK, "pr_store_stale", r->gw, -1, r->pr_version, d->pr.version,
			",\"version\":%llu,\"record_version\":%llu", (unsigned long long)r->pr_version,
			(unsigned long long)d->pr.version);
		return RT_DISK_ERR_STALE;
	}
	sim_free(d->mem, d->pr.buf, d->pr.len);
	d->pr.buf = r->owned; /* the record takes the store's copy */
	d->pr.len = r->data_len;
	r->owned = NULL;
	r->data = NULL;
	r->data_len = 0;
	d->pr.version++;
	trace_ev(d->tr, d->q->now, TEV_DISK, "pr_stored", r->gw, -1, d->pr.version, d->pr.len,
		",\"version\":%llu,\"bytes\":%zu", (unsigned long long)d->pr.version, d->pr.len);
	if (r->io != NULL)
		r->io->version = d->pr.version;
	return RT_DISK_OK;
}

/* The version a write carries (block.h), as the data oracle names it:
 * "ver" in the line of a dio.write, so that an oracle's "returned version
 * N" leads to the write that put it there, its gateway and its time.
 * Left out when the first block is not one the initiators wrote. */
static void trace_dio(struct disk *d, const struct disk_rec *r, enum rt_disk_status st)
{
	static const char *const ops[] = { "read", "write", "flush", "unmap", "write_zeroes", "map_status",
					   "pr_load", "pr_store", "alua_set", "compare_write" };
	static_assert(sizeof(ops) / sizeof(ops[0]) == RT_DISK_COMPARE_WRITE + 1, "a name for every op");
	size_t bs = d->p.block_size;
	uint64_t lba = r->offset / bs, ver = 0, other = 0;
	enum block_kind k = BLOCK_ZERO;
	if (r->op == RT_DISK_WRITE && r->data != NULL && r->data_len >= bs)
		k = block_decode(r->data, bs, lba, &ver, &other);
	if (r->op == RT_DISK_COMPARE_WRITE && r->data != NULL && r->len >= bs) /* the write half's */
		k = block_decode(r->data + r->len, bs, lba, &ver, &other);
	char ver_field[40] = "";
	if (k == BLOCK_OK || k == BLOCK_WRONG_LBA)
		snprintf(ver_field, sizeof(ver_field), ",\"ver\":%llu", (unsigned long long)ver);
	trace_ev(d->tr, d->q->now, TEV_DIO, ops[r->op], r->gw, (int)st, lba, r->len / bs,
		",\"lba\":%llu,\"blocks\":%llu%s,\"status\":%d,\"fua\":%d,\"instance\":%llu", (unsigned long long)lba,
		(unsigned long long)(r->len / bs), ver_field, (int)st, (r->flags & RT_DISK_FUA) != 0,
		(unsigned long long)r->instance);
}

static void ev_done(void *a, void *b, uint64_t arg)
{
	(void)arg;
	struct disk *d = a;
	struct disk_rec *r = b;
	enum rt_disk_status st = RT_DISK_OK;
	uint64_t miscompare_at = 0;
	switch (r->op) {
	case RT_DISK_READ:
		st = do_read(d, r);
		break;
	case RT_DISK_WRITE:
		st = do_write(d, r);
		break;
	case RT_DISK_UNMAP:
	case RT_DISK_WRITE_ZEROES:
		st = do_zero(d, r);
		break;
	case RT_DISK_FLUSH:
		flush_all(d);
		break;
	case RT_DISK_MAP_STATUS:
		break; /* the simulated disk is dense: answered below */
	case RT_DISK_PR_LOAD:
		st = do_pr_load(d, r);
		break;
	case RT_DISK_PR_STORE:
		st = do_pr_store(d, r);
		break;
	case RT_DISK_ALUA_SET:
		/* no ownership record here: simulated LUs never set
		 * RT_LU_ALUA_SHARED (the simulated cluster sets ALUA states
		 * itself) */
		st = RT_DISK_ERR_UNSUPPORTED;
		break;
	case RT_DISK_COMPARE_WRITE:
		st = do_compare_write(d, r, &miscompare_at);
		break;
	}
	if (trace_on(d->tr, TEV_DIO))
		trace_dio(d, r, st);
	struct rt_disk_io *io = r->io;
	int gw = r->gw;
	rec_free(d, r);
	if (io != NULL) {
		io->status = st;
		if (st == RT_DISK_MISCOMPARE)
			io->run_len = miscompare_at;
		if (io->op == RT_DISK_MAP_STATUS) {
			io->mapped = true;
			io->run_len = io->len;
		}
		d->ops.done(d->ops.ctx, gw, io);
	}
}

void disk_submit(struct disk *d, int gw, struct rt_disk_io *io)
{
	struct disk_rec *r = sim_zalloc(d->mem, sizeof(*r));
	r->io = io;
	r->gw = gw;
	r->instance = instance_of(d, gw);
	r->submitted = d->q->now;
	r->op = io->op;
	r->flags = io->flags;
	r->offset = io->offset;
	r->len = io->len;
	r->next = d->inflight;
	if (d->inflight != NULL)
		d->inflight->prev = r;
	d->inflight = r;
	const struct sim_dist *lat = &d->p.write_lat;
	switch (io->op) {
	case RT_DISK_READ:
		d->stats.reads++;
		lat = &d->p.read_lat;
		break;
	case RT_DISK_WRITE:
		d->stats.writes++;
		d->stats.fua_writes += (io->flags & RT_DISK_FUA) != 0;
		/* The data stays in the engine's buffer, which the engine owns
		 * unchanged until the write completes (rt_env.h, as a kernel
		 * reads an io_uring write's buffer until its completion); it is
		 * read when the write lands, before the completion. Only a
		 * crashing engine takes its buffer away early: disk_hold_gw_data
		 * copies it then. Copying every write here was a tenth of a
		 * 4 KiB world's time (callgrind, swarm seed 2). */
		r->data_len = (size_t)io->len;
		r->data = io->buf;
		break;
	case RT_DISK_COMPARE_WRITE:
		/* both halves stay in the engine's buffer, as a write's data */
		d->stats.compare_writes++;
		d->stats.fua_writes += (io->flags & RT_DISK_FUA) != 0;
		r->data_len = 2 * (size_t)io->len;
		r->data = io->buf;
		break;
	case RT_DISK_FLUSH:
		d->stats.flushes++;
		lat = &d->p.flush_lat;
		break;
	case RT_DISK_UNMAP:
	case RT_DISK_WRITE_ZEROES:
		d->stats.unmaps++;
		break;
	case RT_DISK_MAP_STATUS:
	case RT_DISK_PR_LOAD:
	case RT_DISK_ALUA_SET:
		lat = &d->p.read_lat;
		break;
	case RT_DISK_PR_STORE:
		/* copied now: the record is small, and a store the OSD has
		 * lands even if its gateway crashes meanwhile */
		r->pr_version = io->version;
		r->data_len = (size_t)io->len;
		r->owned = r->data_len ? sim_alloc(d->mem, r->data_len) : NULL;
		if (r->data_len)
			memcpy(r->owned, io->buf, r->data_len);
		r->data = r->owned;
		break;
	}
	bool record = io->op == RT_DISK_PR_LOAD || io->op == RT_DISK_PR_STORE; /* not blocks: offset unused */
	if (io->op != RT_DISK_FLUSH && !record && !in_range(d, io->offset, io->len)) {
		/* The engine asked for blocks that do not exist: its bug, shown as
		 * an error rather than memory corruption here. */
		trace_ev(d->tr, d->q->now, TEV_DISK, "out_of_range", gw, -1, io->offset, io->len,
			",\"offset\":%llu,\"len\":%llu", (unsigned long long)io->offset, (unsigned long long)io->len);
		r->op = RT_DISK_READ;
		r->offset = r->len = 0;
	}
	r->due = d->q->now + dist_sample(lat, &d->rng) + d->slow_ns[gw];
	evq_push(d->q, r->due, ev_done, d, r, 0);
}

uint64_t disk_gw_drain_time(const struct disk *d, int gw)
{
	uint64_t t = 0;
	for (const struct disk_rec *r = d->inflight; r != NULL; r = r->next)
		if (r->gw == gw && r->op != RT_DISK_READ && r->due > t)
			t = r->due;
	return t;
}

void disk_hold_gw_data(struct disk *d, int gw)
{
	for (struct disk_rec *r = d->inflight; r != NULL; r = r->next) {
		if (r->gw != gw || r->owned != NULL || r->data == NULL || r->data_len == 0)
			continue;
		r->owned = sim_alloc(d->mem, r->data_len);
		memcpy(r->owned, r->data, r->data_len);
		r->data = r->owned;
	}
}

void disk_forget_gw(struct disk *d, int gw)
{
	disk_hold_gw_data(d, gw);
	for (struct disk_rec *r = d->inflight; r != NULL; r = r->next)
		if (r->gw == gw)
			r->io = NULL;
}

void disk_gw_started(struct disk *d, int gw)
{
	assert(gw >= 0 && (unsigned)gw < DISK_GWS_MAX);
	d->instance[gw]++;
	if (d->instance[gw] < d->dead_below[gw])
		d->instance[gw] = d->dead_below[gw];
	d->reopen_at[gw] = UINT64_MAX;
}

void disk_power_loss(struct disk *d)
{
	d->stats.power_losses++;
	uint64_t lost = 0, kept = 0;
	for (uint64_t k = 0; k < d->ndirty; k++) {
		uint64_t b = d->dirty_list[k];
		bool dirty = d->dirty[b] & BLK_DIRTY;
		d->dirty[b] &= BLK_SIDES;
		if (!dirty)
			continue;
		if (rng_chance(&d->rng, d->p.destage_ppm)) {
			make_durable(&d->dirty[b]);
			kept++;
			continue;
		}
		/* cur goes back to dur's side */
		d->dirty[b] = (uint8_t)((d->dirty[b] & (uint8_t)~DISK_BLK_CUR_1) |
			((d->dirty[b] & DISK_BLK_DUR_1) ? DISK_BLK_CUR_1 : 0u));
		lost++;
		d->ops.applied(d->ops.ctx, -1, b, 1, disk_block(d, b), NULL, true);
	}
	d->ndirty = 0;
	d->stats.lost_blocks += lost;
	d->stats.torn_blocks += kept;
	trace_ev(d->tr, d->q->now, TEV_DISK, "power_loss", -1, -1, lost, kept,
		",\"lost_blocks\":%llu,\"destaged_blocks\":%llu", (unsigned long long)lost, (unsigned long long)kept);
}

void disk_blocklist(struct disk *d, int gw, uint64_t inst)
{
	assert(gw >= 0 && (unsigned)gw < DISK_GWS_MAX);
	if (d->dead_below[gw] < inst + 1)
		d->dead_below[gw] = inst + 1;
	trace_ev(d->tr, d->q->now, TEV_DISK, "blocklisted", gw, -1, 0, 0, ",\"instance\":%llu",
		(unsigned long long)inst);
}

void disk_fence(struct disk *d, int gw, bool fenced)
{
	assert(gw >= 0 && (unsigned)gw < DISK_GWS_MAX);
	d->fenced[gw] = fenced;
}

void disk_slow(struct disk *d, int gw, uint64_t extra_ns)
{
	assert(gw >= 0 && (unsigned)gw < DISK_GWS_MAX);
	d->slow_ns[gw] = extra_ns;
}

void disk_set_bad_range(struct disk *d, uint64_t lo, uint64_t hi)
{
	d->bad_lo = lo;
	d->bad_hi = hi;
}
