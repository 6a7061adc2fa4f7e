/* crc32c: see crc32c.h. */
#include "crc32c.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

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

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
uint32_t crc32c_update_hw(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t c = crc;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c = _mm_crc32_u64(c, w);
		p += 8;
		len -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = _mm_crc32_u8(c32, *p++);
	return c32;
}

bool crc32c_have_hw(void)
{
	/* cpuid, read once by libgcc at start-up: no OS call, no state of ours. */
	return __builtin_cpu_supports("sse4.2");
}
#else
uint32_t crc32c_update_hw(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_update_sw(crc, buf, len);
}

bool crc32c_have_hw(void)
{
	return false;
}
#endif

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	return crc32c_have_hw() ? crc32c_update_hw(crc, buf, len) : crc32c_update_sw(crc, buf, len);
}
