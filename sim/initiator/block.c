/* block: see block.h. */
#include "sim/initiator/block.h"

#include <string.h>

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v; /* the simulator runs on little-endian hosts (x86-64) */
}

/* Two words derived from (lba, version) alternate through the block: a
 * shifted, stale or foreign 8 bytes anywhere breaks the pattern, and the
 * check is a plain word compare. */
static void filler_words(uint64_t lba, uint64_t version, uint64_t w[2])
{
	w[0] = (version * 0x9e3779b97f4a7c15ull) ^ (lba * 0xc2b2ae3d27d4eb4full) ^ 0x5bd1e995u;
	w[1] = ~(w[0] * 0xff51afd7ed558ccdull) ^ version;
}

/* The filler's 16-byte word repeated over the block from byte 16 on,
 * 32 bytes at a time where the CPU has AVX2: the function is compiled
 * twice (GCC's target_clones) and the loader picks one at start, so both
 * write the same bytes. Every block a world writes passes here. */
__attribute__((target_clones("avx2", "default")))
static void filler_put(uint8_t *b, size_t bs, uint64_t w0, uint64_t w1)
{
	typedef uint64_t v4u64 __attribute__((vector_size(32)));
	const v4u64 pat = { w0, w1, w0, w1 };
	size_t i = BLOCK_HDR_LEN;
	for (; i + 32 <= bs; i += 32)
		memcpy(b + i, &pat, 32);
	if (i + 16 <= bs)
		memcpy(b + i, &pat, 16);
}

void block_fill(uint8_t *b, size_t bs, uint64_t lba, uint64_t version)
{
	memcpy(b, &lba, 8);
	memcpy(b + 8, &version, 8);
	uint64_t w[2];
	filler_words(lba, version, w);
	filler_put(b, bs, w[0], w[1]);
}

/* The filler is one 16-byte word repeated: one pass that ORs the
 * differences, no early exit; nonzero when any 16-byte word of the
 * filler (byte 16 up to the last whole word) differs. Every block a world
 * writes or reads is decoded several times (white-box checks at
 * submission and landing, data oracle, the initiator's check): a memcmp
 * per 16 bytes was a tenth of a 4 KiB world's time, 16-byte vectors
 * (SSE2) a sixth of it (callgrind, seed 2). Now 32-byte vectors (AVX2,
 * GCC's target_clones: the loader picks the clone once at start) in four
 * independent accumulators; the same answer either way. */
__attribute__((target_clones("avx2", "default")))
static uint64_t filler_diff(const uint8_t *b, size_t bs, uint64_t w0, uint64_t w1)
{
	typedef uint64_t v4u64 __attribute__((vector_size(32)));
	const v4u64 pat = { w0, w1, w0, w1 };
	v4u64 d0 = { 0 }, d1 = { 0 }, d2 = { 0 }, d3 = { 0 };
	size_t i = BLOCK_HDR_LEN;
	for (; i + 128 <= bs; i += 128) {
		v4u64 x0, x1, x2, x3;
		memcpy(&x0, b + i, 32);
		memcpy(&x1, b + i + 32, 32);
		memcpy(&x2, b + i + 64, 32);
		memcpy(&x3, b + i + 96, 32);
		d0 |= x0 ^ pat;
		d1 |= x1 ^ pat;
		d2 |= x2 ^ pat;
		d3 |= x3 ^ pat;
	}
	for (; i + 32 <= bs; i += 32) {
		v4u64 x;
		memcpy(&x, b + i, 32);
		d0 |= x ^ pat;
	}
	d0 |= d1 | d2 | d3;
	uint64_t diff = d0[0] | d0[1] | d0[2] | d0[3];
	if (i + 16 <= bs) {
		uint64_t x[2];
		memcpy(x, b + i, 16);
		diff |= (x[0] ^ w0) | (x[1] ^ w1);
	}
	return diff;
}

/* Whether the block is all zeroes: its header, and the rest as a filler
 * of zero words (filler_diff: a memcmp per 64 bytes was 3% of a 4 KiB
 * world's instructions, the never-written blocks every read returns). */
static bool all_zero(const uint8_t *b, size_t bs)
{
	if (bs % 16 == 0 && bs >= BLOCK_HDR_LEN)
		return (le64(b) | le64(b + 8)) == 0 && filler_diff(b, bs, 0, 0) == 0;
	static const uint8_t zeros[64];
	for (size_t i = 0; i < bs; i += sizeof(zeros)) {
		size_t n = bs - i < sizeof(zeros) ? bs - i : sizeof(zeros);
		if (memcmp(b + i, zeros, n) != 0)
			return false;
	}
	return true;
}

enum block_kind block_decode(const uint8_t *b, size_t bs, uint64_t lba, uint64_t *version, uint64_t *other_lba)
{
	uint64_t blba = le64(b), ver = le64(b + 8);
	*version = 0;
	if (ver == 0)
		return all_zero(b, bs) ? BLOCK_ZERO : BLOCK_CORRUPT;
	uint64_t w[2];
	filler_words(blba, ver, w);
	if (filler_diff(b, bs, w[0], w[1]) != 0)
		return BLOCK_CORRUPT;
	*version = ver;
	if (blba != lba) {
		*other_lba = blba;
		return BLOCK_WRONG_LBA;
	}
	return BLOCK_OK;
}
