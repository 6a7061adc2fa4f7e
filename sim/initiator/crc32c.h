/* initiator/crc32c: CRC32C for the simulator's own initiator and protocol checker
 * (RFC 7143 §11.2.3 header/data digests; test vectors RFC 3720 B.4).
 *
 * The fast path is ISA-L's crc32_iscsi, as the engine's is; what keeps the
 * checker honest is the reference each side keeps: this file's own table
 * (not the engine's), which sim's unit tests hold the library to at every
 * length and alignment, as the engine's tests hold it to theirs.
 * Digests travel least significant byte first; put/get here do that.
 */
#ifndef SIM_CRC_H
#define SIM_CRC_H

#include <stddef.h>
#include <stdint.h>

#define SIM_CRC32C_INIT 0xffffffffu

uint32_t sim_crc32c_update(uint32_t crc, const void *buf, size_t len);
/* The table-driven reference alone (tests compare the library with it). */
uint32_t sim_crc32c_update_table(uint32_t crc, const void *buf, size_t len);
static inline uint32_t sim_crc32c_final(uint32_t crc) { return ~crc; }
uint32_t sim_crc32c(const void *buf, size_t len);

static inline void sim_digest_put(uint8_t *p, uint32_t d)
{
	p[0] = (uint8_t)d; p[1] = (uint8_t)(d >> 8); p[2] = (uint8_t)(d >> 16); p[3] = (uint8_t)(d >> 24);
}
static inline uint32_t sim_digest_get(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif
