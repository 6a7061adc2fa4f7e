/* block: what the simulated initiators write into a logical block, so
 * that any block read back names the write it came from.
 *
 * Bytes 0-7: the LBA (little endian), 8-15: the write's version (unique
 * in the world, never 0), the rest a filler derived from both. A block of
 * zeroes is version 0: never written, or unmapped. Anything else (filler
 * wrong, LBA wrong) is corruption. Pure functions; owns nothing.
 */
#ifndef SIM_BLOCK_H
#define SIM_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLOCK_HDR_LEN 16u

enum block_kind {
	BLOCK_ZERO = 0,  /* all zeroes */
	BLOCK_OK,        /* a well-formed block of the expected LBA */
	BLOCK_WRONG_LBA, /* well formed, but written for another LBA */
	BLOCK_CORRUPT,   /* neither zeroes nor a well-formed block */
};

void block_fill(uint8_t *b, size_t bs, uint64_t lba, uint64_t version);

/* Decode block b read at lba; sets *version (0 for zeroes) and, for
 * BLOCK_WRONG_LBA, *other_lba. */
enum block_kind block_decode(const uint8_t *b, size_t bs, uint64_t lba, uint64_t *version, uint64_t *other_lba);

/* One block as block_decode found it, for a second judge of the same
 * bytes (the initiator's read check and the data oracle's). */
struct block_seen {
	enum block_kind kind;
	uint64_t version;
	uint64_t other_lba; /* BLOCK_WRONG_LBA only */
};

#endif
