/* oracle/history: the I/O history's record lines (history.h). */
#include "sim/oracle/history.h"

#include <assert.h>
#include <stdio.h>

#include "sim/initiator/block.h"

uint64_t ohist_block_version(const uint8_t *blk, size_t bs, uint64_t lba)
{
	uint64_t v = 0, other = 0;
	switch (block_decode(blk, bs, lba, &v, &other)) {
	case BLOCK_ZERO:
		return 0;
	case BLOCK_OK:
		return v;
	case BLOCK_WRONG_LBA:
		return OHIST_WRONG_LBA | other;
	case BLOCK_CORRUPT:
		break;
	}
	return OHIST_CORRUPT;
}

size_t ohist_format(char *out, size_t cap, const struct ohist_rec *r)
{
	typedef unsigned long long ull;
	int k;
	switch (r->op) {
	case 'W':
		k = snprintf(out, cap, "W %llu %llu %u %d %llu %llu %d\n", (ull)r->ver, (ull)r->lba, r->n, r->fua ? 1 : 0,
			(ull)r->inv, (ull)r->end, r->err);
		return k > 0 && (size_t)k < cap ? (size_t)k : 0;
	case 'F':
		k = snprintf(out, cap, "F %llu %llu %d\n", (ull)r->inv, (ull)r->end, r->err);
		return k > 0 && (size_t)k < cap ? (size_t)k : 0;
	case 'R':
	case 'V':
		break;
	default:
		assert(!"ohist_format: not a record");
		return 0;
	}
	if (r->n > OHIST_BLOCKS_MAX)
		return 0;
	k = snprintf(out, cap, "%c %llu %u %llu %llu %d ", r->op, (ull)r->lba, r->n, (ull)r->inv, (ull)r->end, r->err);
	size_t len = k > 0 ? (size_t)k : cap;
	for (uint32_t b = 0; r->err == 0 && b < r->n && len < cap; b++) {
		uint64_t v = r->vers[b];
		const char *sep = b ? "," : "";
		if (v == OHIST_CORRUPT)
			k = snprintf(out + len, cap - len, "%sc", sep);
		else if (v & OHIST_WRONG_LBA)
			k = snprintf(out + len, cap - len, "%sx%llu", sep, (ull)(v & ~OHIST_WRONG_LBA));
		else
			k = snprintf(out + len, cap - len, "%s%llu", sep, (ull)v);
		len += k > 0 ? (size_t)k : cap;
	}
	if (len + 1 >= cap)
		return 0;
	out[len++] = '\n';
	out[len] = '\0';
	return len;
}
