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

void block_fill(uint8_t *b, size_t bs, uint64_t lba, uint64_t version)
{
	memcpy(b, &lba, 8);
	memcpy(b + 8, &version, 8);
	uint64_t w[2];
	filler_words(lba, version, w);
	for (size_t i = BLOCK_HDR_LEN; i + 16 <= bs; i += 16)
		memcpy(b + i, w, 16);
}

static bool all_zero(const uint8_t *b, size_t bs)
{
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
	/* The filler is one 16-byte word repeated: one pass that ORs the
	 * differences as 16-byte vectors (GCC's vector extension, SSE2 on
	 * x86-64), no early exit. Every block a world writes or reads is
	 * decoded several times (white-box checks, data oracle): a memcmp per
	 * 16 bytes was a tenth of a 4 KiB world's time. */
	typedef uint64_t v2u64 __attribute__((vector_size(16)));
	const v2u64 pat = { w[0], w[1] };
	v2u64 diff = { 0, 0 };
	for (size_t i = BLOCK_HDR_LEN; i + 16 <= bs; i += 16) {
		v2u64 x;
		memcpy(&x, b + i, 16);
		diff |= x ^ pat;
	}
	if ((diff[0] | diff[1]) != 0)
		return BLOCK_CORRUPT;
	*version = ver;
	if (blba != lba) {
		*other_lba = blba;
		return BLOCK_WRONG_LBA;
	}
	return BLOCK_OK;
}
