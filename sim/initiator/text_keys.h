/* initiator/text_keys: login/text key=value data and the operational parameters a
 * login settles (RFC 7143 §6, §13), as the simulator's initiator and
 * protocol checker read them.
 *
 * Text data is a sequence of "key=value" strings each ended by NUL (§6.1).
 * ikeys_get finds a key in such data; ikeys_add appends one. The
 * parameters struct starts at the RFC's defaults and is updated with
 * ikeys_apply from the answers of a login exchange: for negotiated keys
 * the responder's value is the outcome (§6.2), declarative keys are taken
 * from the side that declares them. Owns nothing.
 */
#ifndef SIM_IKEYS_H
#define SIM_IKEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The session and connection values both ends run with after login. */
struct iparams {
	uint32_t ini_mrdsl;  /* what the initiator accepts per PDU (§13.12) */
	uint32_t tgt_mrdsl;  /* what the target accepts per PDU */
	bool header_digest;  /* §13.1 */
	bool data_digest;
	uint32_t max_connections;     /* §13.2 */
	bool initial_r2t;             /* §13.10 */
	bool immediate_data;          /* §13.11 */
	uint32_t max_burst_length;    /* §13.13 */
	uint32_t first_burst_length;  /* §13.14 */
	uint32_t default_time2wait;   /* §13.15 */
	uint32_t default_time2retain; /* §13.16 */
	uint32_t max_outstanding_r2t; /* §13.17 */
	bool data_pdu_in_order;       /* §13.18 */
	bool data_sequence_in_order;  /* §13.19 */
	uint32_t error_recovery_level; /* §13.20 */
};

/* RFC 7143 §13 defaults. */
void iparams_default(struct iparams *p);

/* Outcome of applying one key. */
enum ikeys_verdict {
	IKEYS_OK = 0,
	IKEYS_UNKNOWN,   /* a key we do not track (TargetAlias, CHAP_*, ...) */
	IKEYS_BAD_VALUE, /* malformed or out of the RFC's range */
};

/* Apply key=value as sent by the target (from_target) or the initiator.
 * Negotiated keys take the responder's value; MaxRecvDataSegmentLength is
 * declarative and lands in the sender's field. */
enum ikeys_verdict ikeys_apply(struct iparams *p, const char *key, const char *value, bool from_target);

/* Find key in text data; copies its value (NUL-terminated) into out and
 * returns true. A value longer than cap-1 is reported as absent. */
bool ikeys_get(const uint8_t *data, size_t len, const char *key, char *out, size_t cap);

/* Walk every key=value pair: fn is called with key and value (both
 * NUL-terminated copies). Returns false if a pair is malformed. */
bool ikeys_each(const uint8_t *data, size_t len, void (*fn)(void *ctx, const char *key, const char *value),
	void *ctx);

/* Append "key=value\0" to buf (len bytes used, cap total). False if full. */
bool ikeys_add(uint8_t *buf, size_t *len, size_t cap, const char *key, const char *value);
bool ikeys_add_u32(uint8_t *buf, size_t *len, size_t cap, const char *key, uint32_t value);

/* Parse a decimal number within [lo, hi]. */
bool ikeys_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);

#endif
