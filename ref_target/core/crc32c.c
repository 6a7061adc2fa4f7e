/* crc32c: see crc32c.h. */
#include "crc32c.h"

#include <isa-l/crc.h>

/* the largest length handed to crc32_iscsi in one call (its length is an int) */
#define CRC32C_LIB_CHUNK ((size_t)1 << 30)

/* Reflected polynomial 0x1EDC6F41. The table is computed at compile time
 * by the macros below, so it is constant data, not state. */
#define P 0x82f63b78u
#define B1(c) (((c) & 1u) ? (((c) >> 1) ^ P) : ((c) >> 1))
#define B2(c) B1(B1(c))
#define B4(c) B2(B2(c))
#define B8(c) B4(B4(c))
#define R1(n) B8((uint32_t)(n))
#define R4(n) R1(n), R1(n + 1), R1(n + 2), R1(n + 3)
#define R16(n) R4(n), R4(n + 4), R4(n + 8), R4(n + 12)
#define R64(n) R16(n), R16(n + 16), R16(n + 32), R16(n + 48)
static const uint32_t crc32c_table[256] = { R64(0), R64(64), R64(128), R64(192) };

uint32_t crc32c_update_sw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return crc;
}

/* ISA-L's crc32_iscsi (Intel's Storage Acceleration Library, Debian
 * libisal) folds with PCLMULQDQ and three interleaved crc32 streams where
 * the CPU has them, picking the code path once by cpuid: several times
 * faster than one crc32 stream, which is what makes digests cheap (issue:
 * digests on cost <= 15%). It keeps the CRC un-inverted, as this module
 * does; the table above stays the reference it is tested against. */
uint32_t crc32c_update_lib(uint32_t crc, const void *buf, size_t len)
{
	/* It takes an int length (one call per CRC32C_LIB_CHUNK at most) and
	 * a non-const pointer, though it only reads the buffer. */
	const uint8_t *p = buf;
	while (len > 0) {
		size_t n = len < CRC32C_LIB_CHUNK ? len : CRC32C_LIB_CHUNK;
		crc = crc32_iscsi((unsigned char *)(uintptr_t)p, (int)n, crc);
		p += n;
		len -= n;
	}
	return crc;
}

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_update_lib(crc, buf, len);
}
