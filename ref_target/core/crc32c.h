/* crc32c: the CRC32C (Castagnoli) digest of iSCSI header and data digests
 * (RFC 7143 §11.2.3, §13.1; test vectors RFC 3720 Appendix B.4).
 *
 * Two implementations of one function: a portable table-driven one, the
 * reference, and ISA-L's crc32_iscsi (libisal), which crc32c_update uses:
 * it picks the fastest code the CPU runs (PCLMULQDQ folding, interleaved
 * crc32 streams). Both are exposed so tests check them against each other.
 * A digest is computed as crc32c_final(crc32c_update(CRC32C_INIT, ...)) and
 * travels on the wire least significant byte first (crc32c_put/get).
 */
#ifndef RT_CRC32C_H
#define RT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#define CRC32C_INIT 0xffffffffu

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c_update_sw(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c_update_lib(uint32_t crc, const void *buf, size_t len);

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
