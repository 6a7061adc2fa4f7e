/* initiator/chap: CHAP for the simulator's initiator (RFC 7143 §12.1.3, RFC 1994).
 *
 * Response = H(identifier || secret || challenge) with H chosen by CHAP_A:
 * 5 MD5, 6 SHA-1, 7 SHA-256, 8 SHA3-256 (the IANA PPP numbers Linux and
 * RFC 7143 use). Binary values travel as "0x" hex or "0b" base64
 * (§6.1 binary-value); we decode both and send hex. Digests are nettle's.
 * Owns nothing.
 */
#ifndef SIM_ICHAP_H
#define SIM_ICHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ichap_alg {
	ICHAP_MD5 = 5,
	ICHAP_SHA1 = 6,
	ICHAP_SHA256 = 7,
	ICHAP_SHA3_256 = 8,
};

#define ICHAP_DIGEST_MAX 32u

/* Digest length of an algorithm, 0 if we do not know it. */
size_t ichap_digest_len(uint32_t alg);

/* out gets ichap_digest_len(alg) bytes. */
void ichap_response(uint32_t alg, uint8_t id, const char *secret, const uint8_t *challenge,
	size_t challenge_len, uint8_t *out);

/* Decode "0x..." or "0b..." into out (cap bytes); returns the length, or
 * -1 if malformed or too long. */
long ichap_decode(const char *s, uint8_t *out, size_t cap);

/* "0x" + lowercase hex of len bytes into out (2*len+3 bytes). */
void ichap_encode_hex(const uint8_t *in, size_t len, char *out);

#endif
