/* crc32c: the CRC32C (Castagnoli) digest of iSCSI header and data digests
 * (RFC 7143 §11.2.3, §13.1; test vectors RFC 3720 Appendix B.4).
 *
 * Two implementations of one function: a portable table-driven one and the
 * SSE4.2 crc32 instruction; crc32c_update picks the hardware path when the
 * CPU has it. Both are exposed so tests check them against each other.
 * A digest is computed as crc32c_final(crc32c_update(CRC32C_INIT, ...)) and
 * travels on the wire least significant byte first (crc32c_put/get).
 */
#ifndef RT_CRC32C_H
#define RT_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRC32C_INIT 0xffffffffu

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c_update_sw(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c_update_hw(uint32_t crc, const void *buf, size_t len);
bool crc32c_have_hw(void);

static inline uint32_t crc32c_final(uint32_t crc) { return ~crc; }
static inline uint32_t crc32c(const void *buf, size_t len)
{
	return crc32c_final(crc32c_update(CRC32C_INIT, buf, len));
}

/* Wire order of a digest: least significant byte first (RFC 3720 B.4). */
static inline void crc32c_put(uint8_t *p, uint32_t d)
{
	p[0] = (uint8_t)d; p[1] = (uint8_t)(d >> 8); p[2] = (uint8_t)(d >> 16); p[3] = (uint8_t)(d >> 24);
}
static inline uint32_t crc32c_get(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif
