/* text: key=value text as Login and Text PDUs carry it (RFC 7143 §6.1):
 * splitting a logical text segment into pairs, checking key names, and
 * building answers in a bounded buffer.
 *
 * The parser owns nothing: pairs point into the caller's bytes. A text_buf
 * owns its bytes, allocated through env->alloc up to a hard maximum fixed at
 * init (RT_TEXT_MAX for a logical text message), and frees them in
 * text_buf_fini.
 */
#ifndef RT_TEXT_H
#define RT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt_env.h"

enum text_err {
	TEXT_OK = 0,
	TEXT_END,            /* no more pairs */
	TEXT_ERR_NO_NUL,     /* the last pair is not followed by NUL (§6.1) */
	TEXT_ERR_NO_EQUALS,  /* a pair without '=' */
	TEXT_ERR_KEY_EMPTY,  /* "=value" */
	TEXT_ERR_KEY_LONG,   /* key name over ISCSI_KEY_NAME_MAX bytes (§6.1) */
	TEXT_ERR_KEY_SYNTAX, /* not a standard-label, X- or X# key name */
	TEXT_ERR_TOO_MANY,   /* more than max_pairs (RT_TEXT_KEYS_MAX) pairs */
	TEXT_ERR_NO_MEMORY,  /* text_buf: allocation failed */
	TEXT_ERR_TOO_LONG,   /* text_buf: would exceed its maximum */
};

/* One key=value pair. Neither string is NUL-terminated here; both are
 * followed in memory by the '=' and the NUL of the pair. */
struct text_pair {
	const char *key;
	uint32_t key_len;
	const char *value;
	uint32_t value_len;
};

/* Walks one logical text segment (the data of one PDU, or of a C-bit
 * sequence glued together). */
struct text_iter {
	const uint8_t *data;
	uint32_t len;
	uint32_t off;
	uint32_t pairs;
	/* RT_TEXT_KEYS_MAX from text_iter_init: what a peer may send us. An
	 * answer of ours holds one pair per key asked plus our own offers,
	 * so a reader of our answers may allow more. */
	uint32_t max_pairs;
};

void text_iter_init(struct text_iter *it, const uint8_t *data, uint32_t len);
/* The next pair into *p: TEXT_OK, TEXT_END, or an error (the text is then
 * malformed as a whole: the caller answers with a protocol error). Runs of
 * empty strings between pairs are skipped, as open-iscsi and LIO do. */
enum text_err text_next(struct text_iter *it, struct text_pair *p);

/* Whether a key name has the form §6.1 gives a key-name: a standard-label
 * (capital letter, then letters, digits, . - + @ _), or "X#" followed by one
 * (§13.22 public extension). X- keys are standard-labels already.
 * RFC 7144's iSCSIProtocolLevel is accepted as spelled (small i). */
bool text_key_valid(const char *key, size_t len);

bool text_key_is(const struct text_pair *p, const char *name);
bool text_value_is(const struct text_pair *p, const char *value);
/* Whether a list-of-values (§6.1: values separated by commas) holds item. */
bool text_list_has(const struct text_pair *p, const char *item);

/* Well-formed UTF-8 without NUL or C0 control characters: the form of
 * iSCSI-name-value and iSCSI-local-name-value (§6.1). */
bool text_utf8_valid(const char *s, size_t len);

/* A growable byte buffer with a hard maximum. */
struct text_buf {
	const struct rt_env *env;
	uint8_t *p;
	uint32_t len, cap, max;
};

void text_buf_init(struct text_buf *b, const struct rt_env *env, uint32_t max);
void text_buf_fini(struct text_buf *b);
void text_buf_reset(struct text_buf *b); /* len = 0, memory kept */
enum text_err text_buf_append(struct text_buf *b, const void *data, uint32_t len);
/* Append "key=value\0". */
enum text_err text_buf_add(struct text_buf *b, const char *key, const char *value);
/* Append "key=value\0" where key has key_len bytes (echoing a peer's key). */
enum text_err text_buf_add_n(struct text_buf *b, const char *key, uint32_t key_len,
			     const char *value);
/* Append "key=<decimal>\0". */
enum text_err text_buf_add_u32(struct text_buf *b, const char *key, uint32_t v);

#endif
