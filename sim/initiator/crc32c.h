/* initiator/crc32c: CRC32C for the simulator's own initiator and protocol checker
 * (RFC 7143 §11.2.3 header/data digests; test vectors RFC 3720 B.4).
 *
 * Deliberately not the engine's crc32c: the checker must judge the
 * engine's digests with an implementation that cannot share its bugs.
 * Digests travel least significant byte first; put/get here do that.
 */
#ifndef SIM_CRC_H
#define SIM_CRC_H

#include <stddef.h>
#include <stdint.h>

#define SIM_CRC32C_INIT 0xffffffffu

uint32_t sim_crc32c_update(uint32_t crc, const void *buf, size_t len);
/* The table-driven path alone (tests compare it with the CPU's). */
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
