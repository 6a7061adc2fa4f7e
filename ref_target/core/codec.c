/* codec: see codec.h. RFC 7143 §6.1 constants, RFC 4648 §4 base64. */
#include "codec.h"

#include <stdbool.h>

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int b64_digit(char c)
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

/* "0x"/"0X" (hex) or "0b"/"0B" (base64) prefix, §6.1. */
static bool has_prefix(const char *s, size_t len, char lower)
{
	return len >= 2 && s[0] == '0' && (s[1] == lower || s[1] == (char)(lower - 'a' + 'A'));
}

static enum codec_err decode_hex(const char *d, size_t n, uint8_t *out, size_t cap,
				 size_t *out_len)
{
	if (n == 0)
		return CODEC_ERR_SYNTAX;
	for (size_t i = 0; i < n; i++)
		if (hex_digit(d[i]) < 0)
			return CODEC_ERR_SYNTAX;
	size_t bytes = (n + 1) / 2;
	if (bytes > cap)
		return CODEC_ERR_TOO_LONG;
	size_t i = 0, o = 0;
	if (n % 2) /* odd digit count: the first nibble is an implied zero */
		out[o++] = (uint8_t)hex_digit(d[i++]);
	for (; i < n; i += 2)
		out[o++] = (uint8_t)(hex_digit(d[i]) << 4 | hex_digit(d[i + 1]));
	*out_len = bytes;
	return CODEC_OK;
}

/* RFC 4648 §4 with its padding: groups of four characters, '=' only as
 * the last one or two characters of the last group. */
static enum codec_err decode_base64(const char *d, size_t n, uint8_t *out, size_t cap,
				    size_t *out_len)
{
	if (n == 0 || n % 4 != 0)
		return CODEC_ERR_SYNTAX;
	size_t pad = 0;
	if (d[n - 1] == '=')
		pad = d[n - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < n - pad; i++)
		if (b64_digit(d[i]) < 0)
			return CODEC_ERR_SYNTAX;
	size_t bytes = n / 4 * 3 - pad;
	if (bytes > cap)
		return CODEC_ERR_TOO_LONG;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		uint32_t v = 0;
		for (size_t k = 0; k < 4; k++) {
			int x = i + k < n - pad ? b64_digit(d[i + k]) : 0;
			v = v << 6 | (uint32_t)x;
		}
		for (size_t k = 0; k < 3 && o < bytes; k++)
			out[o++] = (uint8_t)(v >> (16 - 8 * k));
	}
	*out_len = bytes;
	return CODEC_OK;
}

enum codec_err codec_decode_binary(const char *s, size_t len, uint8_t *out, size_t cap,
				   size_t *out_len)
{
	if (has_prefix(s, len, 'x'))
		return decode_hex(s + 2, len - 2, out, cap, out_len);
	if (has_prefix(s, len, 'b'))
		return decode_base64(s + 2, len - 2, out, cap, out_len);
	return CODEC_ERR_SYNTAX;
}

size_t codec_encode_hex(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char digits[] = "0123456789abcdef";
	if (cap < 2 * len + 3)
		return 0;
	size_t o = 0;
	out[o++] = '0';
	out[o++] = 'x';
	for (size_t i = 0; i < len; i++) {
		out[o++] = digits[in[i] >> 4];
		out[o++] = digits[in[i] & 0xf];
	}
	out[o] = '\0';
	return o;
}

size_t codec_encode_base64(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t chars = (len + 2) / 3 * 4;
	if (cap < chars + 3)
		return 0;
	size_t o = 0;
	out[o++] = '0';
	out[o++] = 'b';
	for (size_t i = 0; i < len; i += 3) {
		size_t n = len - i < 3 ? len - i : 3;
		uint32_t v = (uint32_t)in[i] << 16;
		if (n > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		for (size_t k = 0; k < 4; k++)
			out[o++] = k <= n ? b64_alphabet[(v >> (18 - 6 * k)) & 0x3f] : '=';
	}
	out[o] = '\0';
	return o;
}

enum codec_err codec_parse_number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (has_prefix(s, len, 'x')) {
		if (len == 2)
			return CODEC_ERR_SYNTAX;
		for (size_t i = 2; i < len; i++) {
			int x = hex_digit(s[i]);
			if (x < 0)
				return CODEC_ERR_SYNTAX;
			if (v >> 60)
				return CODEC_ERR_RANGE;
			v = v << 4 | (uint64_t)x;
		}
		*out = v;
		return CODEC_OK;
	}
	/* decimal-constant: "0", or a digit 1-9 followed by digits (§6.1) */
	if (len == 0 || (s[0] == '0' && len > 1))
		return CODEC_ERR_SYNTAX;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return CODEC_ERR_SYNTAX;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return CODEC_ERR_RANGE;
		v = v * 10 + d;
	}
	*out = v;
	return CODEC_OK;
}
