/* ram: a sparse RAM backstore.
 *
 * The medium is cut into BS_RAM_CHUNK-byte chunks; a chunk is allocated on
 * its first write and freed again when UNMAP or WRITE ZEROES covers it
 * whole, so a thin LU costs memory only for what was written. Chunks that
 * were never written (or were unmapped) read as zeroes (SBC-3 §4.7 LBPRZ).
 * The chunk pointers sit in a two-level table whose leaves are allocated
 * on demand too, so even a huge LU starts with a small directory.
 * RAM is not volatile in the SBC sense (nothing is lost between a write's
 * completion and a flush), so BS_CAP_VOLATILE is not set. A write gets all
 * the chunks it needs before it copies a byte, so every write lands whole
 * or changes nothing: BS_CAP_ATOMIC (SBC-4 WRITE ATOMIC).
 * Owns every chunk and table; close frees them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ram.h"

#define BS_RAM_CHUNK (64u * 1024u)
#define BS_RAM_LEAF 512u /* chunk pointers per leaf table */

struct ram {
	uint64_t chunks;    /* chunks in the medium */
	uint64_t leaves;    /* directory entries */
	uint8_t ***dir;     /* dir[leaf][i] -> chunk or NULL */
	uint64_t allocated; /* chunks currently allocated (tests, stats) */
};

static uint8_t **ram_slot(struct ram *r, uint64_t chunk, int create)
{
	uint64_t leaf = chunk / BS_RAM_LEAF;
	if (r->dir[leaf] == NULL) {
		if (!create)
			return NULL;
		r->dir[leaf] = calloc(BS_RAM_LEAF, sizeof(uint8_t *));
		if (r->dir[leaf] == NULL)
			return NULL;
	}
	return &r->dir[leaf][chunk % BS_RAM_LEAF];
}

static uint8_t *ram_chunk(struct ram *r, uint64_t chunk)
{
	uint8_t **slot = ram_slot(r, chunk, 0);
	return slot ? *slot : NULL;
}

static int ram_open(struct bs *bs, const struct bs_params *p, char *err, size_t err_len)
{
	if (p->size_bytes == 0 || p->block_size == 0 || p->size_bytes % p->block_size != 0) {
		snprintf(err, err_len, "ram: size %llu is not a positive multiple of the block size %u",
			 (unsigned long long)p->size_bytes, p->block_size);
		return -1;
	}
	struct ram *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, err_len, "ram: out of memory");
		return -1;
	}
	r->chunks = (p->size_bytes + BS_RAM_CHUNK - 1) / BS_RAM_CHUNK;
	r->leaves = (r->chunks + BS_RAM_LEAF - 1) / BS_RAM_LEAF;
	r->dir = calloc(r->leaves, sizeof(*r->dir));
	if (r->dir == NULL) {
		snprintf(err, err_len, "ram: out of memory for %llu chunk tables", (unsigned long long)r->leaves);
		free(r);
		return -1;
	}
	bs->priv = r;
	bs->size_bytes = p->size_bytes;
	bs->block_size = p->block_size;
	bs->caps = BS_CAP_UNMAP | BS_CAP_UNMAP_ZEROES | BS_CAP_WRITE_ZEROES | BS_CAP_ATOMIC;
	return 0;
}

/* Walk [off, off+len) chunk by chunk. */
struct ram_span {
	uint64_t chunk;
	uint32_t at;  /* offset in the chunk */
	uint32_t n;   /* bytes in the chunk */
};

static int ram_span_next(struct ram_span *s, uint64_t *off, uint64_t *len)
{
	if (*len == 0)
		return 0;
	s->chunk = *off / BS_RAM_CHUNK;
	s->at = (uint32_t)(*off % BS_RAM_CHUNK);
	uint64_t room = BS_RAM_CHUNK - s->at;
	s->n = (uint32_t)(*len < room ? *len : room);
	*off += s->n;
	*len -= s->n;
	return 1;
}

static void ram_read(struct ram *r, struct rt_disk_io *io)
{
	struct ram_span s;
	uint64_t off = io->offset, len = io->len;
	uint8_t *dst = io->buf;
	while (ram_span_next(&s, &off, &len)) {
		const uint8_t *c = ram_chunk(r, s.chunk);
		if (c != NULL)
			memcpy(dst, c + s.at, s.n);
		else
			memset(dst, 0, s.n);
		dst += s.n;
	}
}

/* Allocate every chunk first: out of memory, no data has changed (the
 * chunks allocated meanwhile hold zeroes, as their blocks read before). */
static enum rt_disk_status ram_write(struct ram *r, struct rt_disk_io *io)
{
	struct ram_span s;
	uint64_t off = io->offset, len = io->len;
	while (ram_span_next(&s, &off, &len)) {
		uint8_t **slot = ram_slot(r, s.chunk, 1);
		if (slot == NULL)
			return RT_DISK_ERR_SPACE;
		if (*slot == NULL) {
			*slot = calloc(1, BS_RAM_CHUNK);
			if (*slot == NULL)
				return RT_DISK_ERR_SPACE;
			r->allocated++;
		}
	}
	const uint8_t *src = io->buf;
	off = io->offset;
	len = io->len;
	while (ram_span_next(&s, &off, &len)) {
		memcpy(ram_chunk(r, s.chunk) + s.at, src, s.n);
		src += s.n;
	}
	return RT_DISK_OK;
}

/* UNMAP and WRITE ZEROES: whole chunks are freed, partial ones zeroed. */
static void ram_zero(struct ram *r, struct rt_disk_io *io)
{
	struct ram_span s;
	uint64_t off = io->offset, len = io->len;
	while (ram_span_next(&s, &off, &len)) {
		uint8_t **slot = ram_slot(r, s.chunk, 0);
		if (slot == NULL || *slot == NULL)
			continue;
		if (s.n == BS_RAM_CHUNK) {
			free(*slot);
			*slot = NULL;
			r->allocated--;
		} else {
			memset(*slot + s.at, 0, s.n);
		}
	}
}

/* MAP_STATUS: a chunk is mapped once written, until unmapped whole. */
static void ram_map_status(struct ram *r, struct rt_disk_io *io)
{
	struct ram_span s;
	uint64_t off = io->offset, len = io->len;
	bool first = true;
	io->run_len = 0;
	while (ram_span_next(&s, &off, &len)) {
		uint8_t **slot = ram_slot(r, s.chunk, 0);
		bool mapped = slot != NULL && *slot != NULL;
		if (first)
			io->mapped = mapped;
		else if (mapped != io->mapped)
			break;
		first = false;
		io->run_len += s.n;
	}
}

static void ram_submit(struct bs *bs, struct rt_disk_io *io)
{
	struct ram *r = bs->priv;
	if (bs_io_start(bs, io)) {
		switch (io->op) {
		case RT_DISK_READ:
			ram_read(r, io);
			break;
		case RT_DISK_WRITE:
			io->status = ram_write(r, io);
			break;
		case RT_DISK_UNMAP:
		case RT_DISK_WRITE_ZEROES:
			ram_zero(r, io);
			break;
		case RT_DISK_FLUSH:
			break;
		case RT_DISK_MAP_STATUS:
			ram_map_status(r, io);
			break;
		case RT_DISK_PR_LOAD:
		case RT_DISK_PR_STORE:
		case RT_DISK_ALUA_SET:
		case RT_DISK_COMPARE_WRITE:
			break; /* bs_io_start refused them */
		}
	}
	bs->complete(bs->complete_ctx, io);
}

static void ram_close(struct bs *bs)
{
	struct ram *r = bs->priv;
	if (r == NULL)
		return;
	for (uint64_t l = 0; l < r->leaves; l++) {
		if (r->dir[l] == NULL)
			continue;
		for (uint32_t i = 0; i < BS_RAM_LEAF; i++)
			free(r->dir[l][i]);
		free(r->dir[l]);
	}
	free(r->dir);
	free(r);
	bs->priv = NULL;
}

const struct bs_ops bs_ram_ops = {
	.name = "ram",
	.open = ram_open,
	.submit = ram_submit,
	.close = ram_close,
};

uint64_t bs_ram_allocated_bytes(const struct bs *bs)
{
	const struct ram *r = bs->priv;
	return r->allocated * BS_RAM_CHUNK;
}
