/* initiator/chap: see initiator/chap.h. */
#include "sim/initiator/chap.h"

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/sha3.h>
#include <assert.h>
#include <string.h>

size_t ichap_digest_len(uint32_t alg)
{
	switch (alg) {
	case ICHAP_MD5: return MD5_DIGEST_SIZE;
	case ICHAP_SHA1: return SHA1_DIGEST_SIZE;
	case ICHAP_SHA256: return SHA256_DIGEST_SIZE;
	case ICHAP_SHA3_256: return SHA3_256_DIGEST_SIZE;
	default: return 0;
	}
}

/* One nettle context type per algorithm behind a common update/digest pair. */
void ichap_response(uint32_t alg, uint8_t id, const char *secret, const uint8_t *challenge,
	size_t challenge_len, uint8_t *out)
{
	size_t slen = strlen(secret);
	const uint8_t *s = (const uint8_t *)secret;
	switch (alg) {
	case ICHAP_MD5: {
		struct md5_ctx c;
		md5_init(&c);
		md5_update(&c, 1, &id);
		md5_update(&c, slen, s);
		md5_update(&c, challenge_len, challenge);
		md5_digest(&c, MD5_DIGEST_SIZE, out);
		break;
	}
	case ICHAP_SHA1: {
		struct sha1_ctx c;
		sha1_init(&c);
		sha1_update(&c, 1, &id);
		sha1_update(&c, slen, s);
		sha1_update(&c, challenge_len, challenge);
		sha1_digest(&c, SHA1_DIGEST_SIZE, out);
		break;
	}
	case ICHAP_SHA256: {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, 1, &id);
		sha256_update(&c, slen, s);
		sha256_update(&c, challenge_len, challenge);
		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
		break;
	}
	case ICHAP_SHA3_256: {
		struct sha3_256_ctx c;
		sha3_256_init(&c);
		sha3_256_update(&c, 1, &id);
		sha3_256_update(&c, slen, s);
		sha3_256_update(&c, challenge_len, challenge);
		sha3_256_digest(&c, SHA3_256_DIGEST_SIZE, out);
		break;
	}
	default:
		assert(0 && "caller checked ichap_digest_len");
	}
}

/* The decoders below are ours, not core/codec's on purpose: the simulated
 * initiator is the yardstick the oracles measure the target with, and it
 * links without the engine (sim_live_probe runs it against tgt), so a
 * codec bug in the target cannot hide by being on both sides. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static long decode_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);
	/* An odd count means a leading zero nibble was left out (§6.1). */
	size_t bytes = (n + 1) / 2;
	if (n == 0 || bytes > cap)
		return -1;
	size_t i = 0, o = 0;
	if (n % 2 == 1) {
		int v = hexval(s[i++]);
		if (v < 0)
			return -1;
		out[o++] = (uint8_t)v;
	}
	for (; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[o++] = (uint8_t)(hi << 4 | lo);
	}
	return (long)o;
}

static long decode_b64(const char *s, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (; *s != '\0' && *s != '='; s++) {
		int v = b64val(*s);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o == 0 ? -1 : (long)o;
}

long ichap_decode(const char *s, uint8_t *out, size_t cap)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return decode_hex(s + 2, out, cap);
	if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		return decode_b64(s + 2, out, cap);
	return -1;
}

void ichap_encode_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	*out++ = '0';
	*out++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*out++ = digits[in[i] >> 4];
		*out++ = digits[in[i] & 0xf];
	}
	*out = '\0';
}
