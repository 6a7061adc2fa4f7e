/* codec: the encodings of numbers and binary values in iSCSI text keys
 * (RFC 7143 §6.1): decimal-constant, hex-constant ("0x..."), base64-constant
 * ("0b...", RFC 4648 §4), numerical-value.
 *
 * Pure functions over caller-owned buffers; nothing is allocated. Every
 * decoder checks the decoded length against the caller's capacity before it
 * writes a byte (the LIO CVE-2018-14633 class of overflow cannot happen).
 */
#ifndef RT_CODEC_H
#define RT_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum codec_err {
	CODEC_OK = 0,
	CODEC_ERR_SYNTAX,   /* not a well-formed constant of the expected kind */
	CODEC_ERR_TOO_LONG, /* decodes to more than the caller's capacity */
	CODEC_ERR_RANGE,    /* a number of 2**64 or more (§6.1 numerical-value) */
};

/* Decode a binary-value given as a hex-constant or base64-constant
 * (§6.1; CHAP_C and CHAP_R are large-binary-values, §12.1.3) into out
 * (cap bytes). On success *out_len is the byte count. A hex-constant with
 * an odd number of digits has an implied leading zero nibble. */
enum codec_err codec_decode_binary(const char *s, size_t len, uint8_t *out, size_t cap,
				   size_t *out_len);

/* Encode len bytes as "0x" and lowercase hex digits, NUL-terminated.
 * Returns the string length, or 0 if cap is too small (needs 2*len+3). */
size_t codec_encode_hex(const uint8_t *in, size_t len, char *out, size_t cap);

/* Encode len bytes as "0b" and RFC 4648 base64 with padding,
 * NUL-terminated. Returns the string length, or 0 if cap is too small. */
size_t codec_encode_base64(const uint8_t *in, size_t len, char *out, size_t cap);

/* Parse a numerical-value (§6.1): a decimal-constant (no leading zeros,
 * except "0" itself) or a hex-constant, below 2**64. */
enum codec_err codec_parse_number(const char *s, size_t len, uint64_t *out);

#endif
