/* oracle/data: see oracle/data.h. */
#include "sim/oracle/data.h"

#include <stdarg.h>
#include <stdio.h>

#include "sim/initiator/block.h"
#include "sim/base/time.h"

typedef unsigned long long ull;

static bool fail(struct odata *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct odata *d, const char *fmt, ...)
{
	if (d->violations++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->why, sizeof(d->why), fmt, ap);
		va_end(ap);
	}
	return false;
}

/* The same, about the version ver of block lba (the trace and the
 * timeline point at the write that carried it). */
static bool fail_at(struct odata *d, uint64_t lba, uint64_t ver, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool fail_at(struct odata *d, uint64_t lba, uint64_t ver, const char *fmt, ...)
{
	if (d->violations++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(d->why, sizeof(d->why), fmt, ap);
		va_end(ap);
		d->where.known = true;
		d->where.lba = lba;
		d->where.ver = ver;
	}
	return false;
}

static void hpush(struct odata *d, uint64_t b, const struct hent *e)
{
	struct hlist *l = &d->h[b];
	if (l->cap == 0) {
		l->e = l->inl;
		l->cap = ODATA_HIST_INLINE;
	} else if (l->n == l->cap) {
		struct hent *n = sim_alloc(d->mem, 2 * l->cap * sizeof(*n));
		memcpy(n, l->e, l->n * sizeof(*n));
		if (l->e != l->inl)
			sim_free(d->mem, l->e, l->cap * sizeof(*l->e));
		l->e = n;
		l->cap *= 2;
	}
	l->e[l->n++] = *e;
}

void odata_init(struct odata *d, const struct sim_mem *mem, uint64_t blocks, uint32_t bs, bool all_durable)
{
	memset(d, 0, sizeof(*d));
	d->mem = mem;
	d->blocks = blocks;
	d->bs = bs;
	d->all_durable = all_durable;
	d->h = sim_zalloc(mem, sizeof(*d->h) * blocks);
	d->nd_mark = sim_zalloc(mem, blocks);
	/* Version 0: the LU as created, all zeroes, effective from the start. */
	d->v = sim_grow(mem, NULL, sizeof(*d->v), &d->vcap, 1);
	d->nv = 1;
	struct hent init = { .ver = 0, .zero = true, .durable = true };
	for (uint64_t b = 0; b < blocks; b++)
		hpush(d, b, &init);
}

static size_t applied_words(uint32_t nblocks)
{
	return ((size_t)nblocks + 63) / 64;
}

/* Block lba+i of version v reached the disk. */
static void applied_set(struct vrec *v, uint32_t i)
{
	if (v->applied_big != NULL)
		v->applied_big[i / 64] |= 1ull << (i % 64);
	else
		v->applied |= 1ull << i;
}

/* Every block of version v reached the disk. */
static bool applied_all(const struct vrec *v)
{
	if (v->applied_big == NULL) {
		uint64_t all = v->nblocks == 64 ? ~0ull : ((1ull << v->nblocks) - 1);
		return (v->applied & all) == all;
	}
	for (uint32_t i = 0; i < v->nblocks; i++)
		if (!(v->applied_big[i / 64] & (1ull << (i % 64))))
			return false;
	return true;
}

void odata_fini(struct odata *d)
{
	for (uint64_t b = 0; b < d->blocks; b++)
		if (d->h[b].e != d->h[b].inl)
			sim_free(d->mem, d->h[b].e, d->h[b].cap * sizeof(struct hent));
	sim_free(d->mem, d->h, sizeof(*d->h) * d->blocks);
	sim_free(d->mem, d->nd_mark, d->blocks);
	sim_free(d->mem, d->nd, d->nd_cap * sizeof(*d->nd));
	for (size_t i = 0; i < d->nv; i++)
		if (d->v[i].applied_big != NULL)
			sim_free(d->mem, d->v[i].applied_big, applied_words(d->v[i].nblocks) * sizeof(uint64_t));
	sim_free(d->mem, d->v, d->vcap * sizeof(*d->v));
	if (d->wins != NULL)
		sim_free(d->mem, d->wins, sizeof(*d->wins) * d->blocks);
}

static bool same_value(const struct hent *x, const struct hent *y)
{
	return x->zero ? y->zero : (!y->zero && x->ver == y->ver);
}

/* w, started after c was done, was effective before time t. */
static bool supersedes(const struct hent *w, const struct hent *c, uint64_t t)
{
	return !same_value(w, c) && c->done < w->invoke && w->eff < t;
}

static uint64_t oldest_read(const struct odata *d, uint64_t now)
{
	uint64_t m = now;
	for (unsigned i = 0; i < d->reads_hi; i++)
		if (d->reads[i] != 0 && d->reads[i] < m)
			m = d->reads[i];
	return m;
}

/* Drop entries no read that can still start (or is in flight) may see.
 * Only a durable successor buries a value for good: a power loss may
 * bring back anything newer than the last durable write. A history that
 * grows long without flushes also sheds values buried by volatile writes;
 * the block is then marked degraded and a power loss that brings one of
 * them back is not judged (counted as unchecked) rather than misjudged. */
static void prune(struct odata *d, uint64_t b, uint64_t now)
{
	struct hlist *l = &d->h[b];
	uint64_t t = oldest_read(d, now);
	bool hard = l->n >= ODATA_HIST_SOFT_MAX;
	size_t keep = 0;
	for (size_t i = 0; i < l->n; i++) {
		bool dead = false;
		for (size_t j = 0; j < l->n && !dead; j++) {
			dead = supersedes(&l->e[j], &l->e[i], t) && (hard || l->e[j].durable);
			if (dead && !l->e[j].durable)
				l->degraded = true;
		}
		if (dead)
			d->stats.pruned++;
		else
			l->e[keep++] = l->e[i];
	}
	l->n = keep;
	/* Entries that cannot go yet (unanswered writes) would make every
	 * write prune again: wait until the list doubles. */
	l->prune_at = 2 * keep > ODATA_HIST_PRUNE ? 2 * keep : ODATA_HIST_PRUNE;
}

uint64_t odata_begin(struct odata *d, enum odata_kind kind, uint64_t lba, uint32_t n, bool fua, uint64_t t)
{
	assert(n >= 1 && n <= ODATA_WRITE_BLOCKS_MAX && lba + n <= d->blocks);
	uint64_t ver = d->nv;
	d->v = sim_grow(d->mem, d->v, sizeof(*d->v), &d->vcap, d->nv + 1);
	d->nv++;
	bool zero = kind == OD_UNMAP;
	/* Settled until a copy goes on the wire (oatt): one never sent cannot land. */
	d->v[ver] = (struct vrec){ .lba = lba, .nblocks = n, .invoke = t, .ack = SIM_NEVER, .fua = fua,
		.zero = zero, .settled = true };
	if (n > ODATA_APPLIED_INLINE)
		d->v[ver].applied_big = sim_zalloc(d->mem, applied_words(n) * sizeof(uint64_t));
	d->stats.versions++;
	struct hent e = { .ver = ver, .invoke = t, .ack = SIM_NEVER, .eff = SIM_NEVER, .done = SIM_NEVER, .zero = zero };
	for (uint32_t i = 0; i < n; i++) {
		const struct hlist *l = &d->h[lba + i];
		if (l->n >= (l->prune_at ? l->prune_at : ODATA_HIST_PRUNE))
			prune(d, lba + i, t);
		hpush(d, lba + i, &e);
	}
	return ver;
}

/* A version has at most one entry per block that is not synthetic
 * (odata_begin pushes one for a fresh version; version 0 is never looked
 * up), and a write's entry is usually the newest: search from the end.
 * The entry found, and so the order of every list, is the same as a
 * search from the start would give. */
static struct hent *find(struct odata *d, uint64_t b, uint64_t ver)
{
	assert(ver != 0);
	struct hlist *l = &d->h[b];
	for (size_t i = l->n; i-- > 0;)
		if (l->e[i].ver == ver && !l->e[i].synthetic)
			return &l->e[i];
	return NULL;
}

static void remove_entry(struct odata *d, uint64_t b, uint64_t ver)
{
	struct hent *e = find(d, b, ver);
	if (e != NULL)
		*e = d->h[b].e[--d->h[b].n];
}

/* The entries of ver learn when it is over: at its acknowledgement (the
 * application saw it complete: a copy landing later is a stale write), or,
 * when it failed or timed out, once every copy of it is resolved. */
static void update_done(struct odata *d, uint64_t ver)
{
	struct vrec *v = &d->v[ver];
	uint64_t done = SIM_NEVER;
	if (v->ended && v->ack != SIM_NEVER)
		done = v->ack;
	else if (v->ended && v->settled)
		done = v->end > v->settle ? v->end : v->settle;
	for (uint32_t i = 0; i < v->nblocks; i++) {
		struct hent *e = find(d, v->lba + i, ver);
		if (e != NULL)
			e->done = done;
	}
}

void odata_settle(struct odata *d, uint64_t ver, bool settled, uint64_t settle_max)
{
	if (ver == 0 || ver >= d->nv)
		return;
	struct vrec *v = &d->v[ver];
	v->settled = settled;
	v->settle = settle_max;
	if (v->ended)
		update_done(d, ver);
}

void odata_copy(struct odata *d, uint64_t ver)
{
	if (ver != 0 && ver < d->nv)
		d->v[ver].copies++;
}

bool odata_end(struct odata *d, uint64_t ver, enum odata_outcome out, uint64_t t)
{
	assert(ver >= 1 && ver < d->nv);
	struct vrec *v = &d->v[ver];
	assert(!v->ended);
	v->ended = true;
	v->end = t;
	/* "Not written" speaks for the copy that was answered; an earlier
	 * copy may have landed, or may land yet. */
	if (out == OD_NO_EFFECT && v->copies > 1)
		out = OD_INDETERMINATE;
	if (out == OD_NO_EFFECT) {
		for (uint32_t i = 0; i < v->nblocks; i++)
			remove_entry(d, v->lba + i, ver);
		return true;
	}
	if (out == OD_INDETERMINATE) {
		d->stats.indeterminate++;
		update_done(d, ver);
		return true;
	}
	d->stats.acked++;
	v->ack = t;
	/* Unmaps are not tracked block by block at the disk (they write
	 * zeroes, which carry no version). */
	bool ok = d->black_box || v->zero || applied_all(v) || t < d->last_power_loss;
	/* An unmap is made durable only by a flush: SBC-3 ties FUA and the
	 * write cache to writes, and a deallocation may sit in a cache too. */
	bool durable = !v->zero && (v->fua || d->all_durable);
	for (uint32_t i = 0; i < v->nblocks; i++) {
		struct hent *e = find(d, v->lba + i, ver);
		if (e == NULL)
			continue; /* lost in a power loss before its ack arrived */
		e->ack = t;
		/* update_done's answer for an acknowledged version, set here in
		 * the same walk rather than found again. */
		e->done = t;
		if (t < e->eff)
			e->eff = t;
		e->durable = durable;
		uint64_t b = v->lba + i;
		if (!durable && !d->nd_mark[b]) {
			d->nd = sim_grow(d->mem, d->nd, sizeof(*d->nd), &d->nd_cap, d->nd_n + 1);
			d->nd[d->nd_n++] = b;
			d->nd_mark[b] = 1;
		}
	}
	if (!ok)
		return fail_at(d, v->lba, ver, "write version %llu (lba %llu, %u blocks) acknowledged at %llu ns before all its blocks reached the disk",
			(ull)ver, (ull)v->lba, v->nblocks, (ull)t);
	return true;
}

unsigned odata_read_begin(struct odata *d, uint64_t t)
{
	for (unsigned i = 0; i < ODATA_READS_MAX; i++) {
		if (d->reads[i] == 0) {
			d->reads[i] = t ? t : 1;
			if (i + 1 > d->reads_hi)
				d->reads_hi = i + 1;
			return i;
		}
	}
	assert(0 && "more reads in flight than ODATA_READS_MAX");
	return 0;
}

void odata_read_end(struct odata *d, unsigned token)
{
	d->reads[token] = 0;
	while (d->reads_hi > 0 && d->reads[d->reads_hi - 1] == 0)
		d->reads_hi--;
}

/* The history of block b as text, for violation reports:
 * "ver@invoke-ack" with d (durable), s (synthetic), e<eff> when a read saw it first. */
static void history(const struct odata *d, uint64_t b, char *out, size_t cap)
{
	const struct hlist *l = &d->h[b];
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < l->n && o + 80 < cap; i++) {
		const struct hent *e = &l->e[i];
		int n = snprintf(out + o, cap - o, " %s%llu@%.6f-", e->zero ? "z" : "", (ull)e->ver, (double)e->invoke / 1e9);
		o += (size_t)n;
		if (e->ack == SIM_NEVER)
			n = snprintf(out + o, cap - o, "?");
		else
			n = snprintf(out + o, cap - o, "%.6f", (double)e->ack / 1e9);
		o += (size_t)n;
		if (e->eff < e->ack)
			o += (size_t)snprintf(out + o, cap - o, "e%.6f", (double)e->eff / 1e9);
		if (e->durable || e->synthetic)
			o += (size_t)snprintf(out + o, cap - o, "%s%s", e->durable ? "d" : "", e->synthetic ? "s" : "");
	}
}

/* Whether a write to block b may have been landing while a read ran
 * from inv to done: invoked before the read ended, not known finished
 * before it began. */
static bool write_landing(const struct odata *d, uint64_t b, uint64_t inv, uint64_t done)
{
	const struct hlist *l = &d->h[b];
	for (size_t i = 0; i < l->n; i++) {
		const struct hent *e = &l->e[i];
		if (e->synthetic || e->invoke >= done)
			continue;
		uint64_t end = e->done != SIM_NEVER ? e->done : e->ack;
		if (end == SIM_NEVER || end > inv)
			return true;
	}
	return false;
}

static bool check_block(struct odata *d, uint64_t b, const struct block_seen *seen, uint64_t inv, uint64_t done)
{
	uint64_t ver = seen->version, other = seen->other_lba;
	enum block_kind k = seen->kind;
	if (k == BLOCK_CORRUPT && d->torn_reads_ok && write_landing(d, b, inv, done)) {
		d->stats.torn_reads++;
		return true;
	}
	if (k == BLOCK_CORRUPT)
		return fail(d, "read of lba %llu (read %llu..%llu ns) returned corrupt data", (ull)b, (ull)inv, (ull)done);
	if (k == BLOCK_WRONG_LBA)
		return fail_at(d, b, ver, "read of lba %llu returned version %llu written for lba %llu (read ended %llu ns)", (ull)b,
			(ull)ver, (ull)other, (ull)done);
	struct hlist *l = &d->h[b];
	struct hent want = { .ver = ver, .zero = k == BLOCK_ZERO };
	struct hent *match = NULL;
	unsigned matches = 0;
	const struct hent *blocker = NULL;
	for (size_t i = 0; i < l->n; i++) {
		struct hent *c = &l->e[i];
		if (!same_value(c, &want) || c->invoke >= done)
			continue;
		const struct hent *by = NULL;
		for (size_t j = 0; j < l->n && by == NULL; j++)
			if (supersedes(&l->e[j], c, inv))
				by = &l->e[j];
		if (by == NULL) {
			match = c;
			matches++;
		} else {
			blocker = by;
		}
	}
	if (matches == 0) {
		char h[320];
		history(d, b, h, sizeof(h));
		if (blocker != NULL)
			return fail_at(d, b, ver, "read of lba %llu (%.6f-%.6f s) returned version %llu, overwritten by version %llu known effective before the read began; history:%s",
				(ull)b, (double)inv / 1e9, (double)done / 1e9, (ull)ver, (ull)blocker->ver, h);
		return fail_at(d, b, ver, "read of lba %llu (%.6f-%.6f s) returned version %llu, which no live write put there; history:%s",
			(ull)b, (double)inv / 1e9, (double)done / 1e9, (ull)ver, h);
	}
	/* The read saw this value: it was effective before the read ended. */
	if (matches == 1 && done < match->eff)
		match->eff = done;
	return true;
}

/* Reads before the last power loss are not judged; one block is read
 * through block(ctx, i) (i counted from lba). */
static bool read_check(struct odata *d, uint64_t lba, uint32_t n, uint64_t invoke, uint64_t done,
	void (*block)(const void *ctx, uint32_t i, uint64_t lba, struct block_seen *out), const void *ctx)
{
	if (invoke <= d->last_power_loss && d->last_power_loss != 0) {
		d->stats.reads_unchecked++;
		return true; /* it may have read the cache that the power loss dropped */
	}
	d->stats.reads_checked++;
	for (uint32_t i = 0; i < n; i++) {
		d->stats.blocks_checked++;
		struct block_seen seen;
		block(ctx, i, lba + i, &seen);
		if (!check_block(d, lba + i, &seen, invoke, done))
			return false;
	}
	return true;
}

struct read_bytes { const uint8_t *data; uint32_t bs; };

static void decode_block(const void *ctx, uint32_t i, uint64_t lba, struct block_seen *out)
{
	const struct read_bytes *r = ctx;
	out->other_lba = 0;
	out->kind = block_decode(r->data + (size_t)i * r->bs, r->bs, lba, &out->version, &out->other_lba);
}

static void seen_block(const void *ctx, uint32_t i, uint64_t lba, struct block_seen *out)
{
	(void)lba;
	*out = ((const struct block_seen *)ctx)[i];
}

bool odata_read_check(struct odata *d, uint64_t lba, uint32_t n, const uint8_t *data, uint64_t invoke,
	uint64_t done)
{
	const struct read_bytes r = { data, d->bs };
	return read_check(d, lba, n, invoke, done, decode_block, &r);
}

bool odata_read_check_seen(struct odata *d, uint64_t lba, uint32_t n, const struct block_seen *seen, uint64_t invoke,
	uint64_t done)
{
	return read_check(d, lba, n, invoke, done, seen_block, seen);
}

void odata_flush_done(struct odata *d, uint64_t invoke)
{
	d->stats.flushes++;
	/* SBC-3 §5.22: every write completed before the flush is durable. */
	size_t keep = 0;
	for (size_t k = 0; k < d->nd_n; k++) {
		uint64_t b = d->nd[k];
		struct hlist *l = &d->h[b];
		bool left = false;
		for (size_t i = 0; i < l->n; i++) {
			struct hent *e = &l->e[i];
			if (e->ack <= invoke)
				e->durable = true;
			else if (e->ack != SIM_NEVER && !e->durable)
				left = true;
		}
		if (left)
			d->nd[keep++] = b;
		else
			d->nd_mark[b] = 0;
	}
	d->nd_n = keep;
}

bool odata_applied(struct odata *d, uint64_t lba, uint32_t n, const uint8_t *data)
{
	return odata_applied_vers(d, lba, n, data, NULL);
}

bool odata_applied_vers(struct odata *d, uint64_t lba, uint32_t n, const uint8_t *data, uint64_t *vers)
{
	for (uint32_t i = 0; i < n; i++) {
		struct block_seen seen;
		decode_block(&(struct read_bytes){ data, d->bs }, i, lba + i, &seen);
		if (!odata_applied_seen(d, lba + i, 1, &seen, vers != NULL ? vers + i : NULL))
			return false;
	}
	return true;
}

bool odata_applied_seen(struct odata *d, uint64_t lba, uint32_t n, const struct block_seen *seen, uint64_t *vers)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t b = lba + i, ver = seen[i].version;
		enum block_kind k = seen[i].kind;
		if (vers != NULL)
			vers[i] = ver;
		if (k == BLOCK_ZERO)
			continue;
		/* Not the bytes themselves: they may be uninitialized engine
		 * memory, different from run to run, and the trace must not be. */
		if (k == BLOCK_CORRUPT)
			return fail(d, "corrupt data written to lba %llu (no initiator wrote these bytes)", (ull)b);
		if (k == BLOCK_WRONG_LBA)
			return fail_at(d, b, ver, "version %llu for lba %llu landed at lba %llu", (ull)ver,
				(ull)seen[i].other_lba, (ull)b);
		if (ver >= d->nv)
			return fail_at(d, b, ver, "lba %llu written with version %llu that no initiator wrote", (ull)b, (ull)ver);
		struct vrec *v = &d->v[ver];
		if (b >= v->lba && b < v->lba + v->nblocks)
			applied_set(v, (uint32_t)(b - v->lba));
	}
	return true;
}

bool odata_caw_won(struct odata *d, uint64_t lba, uint64_t expect, uint64_t ver, uint64_t t)
{
	assert(lba < d->blocks && expect < d->nv);
	if (d->wins == NULL)
		d->wins = sim_zalloc(d->mem, sizeof(*d->wins) * d->blocks);
	struct caw_win *w = &d->wins[lba];
	/* Zeroes come back with every unmap: only a written version is unique. */
	bool twice = expect != 0 && w->ver != 0 && w->ver != ver && w->expect == expect;
	const struct vrec *v = &d->v[expect];
	uint64_t first = w->invoke < t ? w->invoke : t;
	if (twice && v->settled && v->settle <= first)
		return fail(d, "lba %llu: COMPARE AND WRITE versions %llu (invoked %llu ns) and %llu (invoked %llu ns) both replaced version %llu, which nothing could write again after either began",
			(ull)lba, (ull)w->ver, (ull)w->invoke, (ull)ver, (ull)t, (ull)expect);
	*w = (struct caw_win){ .expect = expect, .ver = ver, .invoke = t };
	return true;
}

struct image { const uint8_t *bytes; uint32_t bs; };

static void image_block(const void *ctx, uint64_t lba, struct block_seen *out)
{
	const struct image *im = ctx;
	out->other_lba = 0;
	out->kind = block_decode(im->bytes + lba * im->bs, im->bs, lba, &out->version, &out->other_lba);
}

bool odata_power_loss(struct odata *d, uint64_t t, const uint8_t *dur)
{
	const struct image im = { dur, d->bs };
	return odata_power_loss_at(d, t, image_block, &im);
}

bool odata_power_loss_at(struct odata *d, uint64_t t,
	void (*block)(const void *ctx, uint64_t lba, struct block_seen *out), const void *ctx)
{
	d->stats.power_losses++;
	d->last_power_loss = t;
	/* A power loss brings old values back: a COMPARE AND WRITE may win
	 * over a value again. */
	if (d->wins != NULL)
		memset(d->wins, 0, sizeof(*d->wins) * d->blocks);
	/* Acknowledged entries are all replaced by the survivors below. */
	for (size_t k = 0; k < d->nd_n; k++)
		d->nd_mark[d->nd[k]] = 0;
	d->nd_n = 0;
	bool ok = true;
	for (uint64_t b = 0; b < d->blocks; b++) {
		struct block_seen seen;
		block(ctx, b, &seen);
		uint64_t ver = seen.version;
		struct hent got = { .ver = ver, .zero = seen.kind == BLOCK_ZERO };
		struct hlist *l = &d->h[b];
		/* Some entry of the surviving value must not be older than any
		 * durable write of another value. */
		bool fine = false;
		const struct hent *lost = NULL;
		for (size_t i = 0; i < l->n && !fine; i++) {
			if (!same_value(&l->e[i], &got))
				continue;
			bool older = false;
			for (size_t j = 0; j < l->n && !older; j++) {
				const struct hent *w = &l->e[j];
				if (w->durable && !same_value(w, &got) && l->e[i].done < w->invoke) {
					older = true;
					lost = w;
				}
			}
			fine = !older;
		}
		d->stats.durable_checked++;
		bool unknown = lost == NULL && l->degraded;
		if (unknown)
			d->stats.durable_unchecked++;
		if (!fine && !unknown && ok) {
			ok = false;
			if (lost != NULL)
				fail(d, "power loss at %llu ns: lba %llu holds version %llu, but durable version %llu was lost",
					(ull)t, (ull)b, (ull)ver, (ull)lost->ver);
			else
				fail(d, "power loss at %llu ns: lba %llu holds version %llu, older than the durable writes it had (all lost)",
					(ull)t, (ull)b, (ull)ver);
		}
		/* Rebase: the survivor is re-asserted now; acknowledged entries
		 * are gone (what survived of them is the survivor); writes not yet
		 * answered stay possible: even one that landed and was lost may
		 * land again (a retry on another path). */
		size_t keep = 0;
		for (size_t i = 0; i < l->n; i++)
			if (l->e[i].done == SIM_NEVER && !l->e[i].synthetic)
				l->e[keep++] = l->e[i];
		l->n = keep;
		l->degraded = false;
		struct hent s = { .ver = ver, .zero = got.zero, .invoke = t, .ack = t, .eff = t, .done = t,
			.durable = true, .synthetic = true };
		hpush(d, b, &s);
	}
	return ok;
}
