/* chap: the CHAP exchange of the login security stage, target side
 * (RFC 7143 §12.1.3, RFC 1994 §4.1), one-way and mutual.
 *
 * Algorithms as LIO and open-iscsi number them: 5 MD5, 6 SHA-1,
 * 7 SHA-256, 8 SHA3-256 (digests from nettle). Our challenge comes from
 * env->random_u64. Every binary value is decoded into a fixed buffer with its
 * length checked first; responses are compared in constant time.
 *
 * A struct chap is plain data embedded in the login; it points at the
 * credentials (owned by the configuration) and owns nothing.
 */
#ifndef RT_CHAP_H
#define RT_CHAP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "param.h"
#include "rt_env.h"
#include "text.h"

enum chap_alg {
	CHAP_ALG_MD5 = 5,
	CHAP_ALG_SHA1 = 6,
	CHAP_ALG_SHA256 = 7,
	CHAP_ALG_SHA3_256 = 8,
};

/* Digest length in bytes of a CHAP_A algorithm, 0 if we do not have it. */
size_t chap_digest_len(unsigned alg);

/* RFC 1994 §4.1: Response = H(Identifier || secret || Challenge).
 * out receives chap_digest_len(alg) bytes; alg must be supported. */
void chap_response(unsigned alg, uint8_t id, const char *secret,
		   const uint8_t *challenge, size_t challenge_len,
		   uint8_t out[RT_CHAP_DIGEST_MAX]);

enum chap_state {
	CHAP_WAIT_A,  /* AuthMethod=CHAP agreed: the initiator sends CHAP_A */
	CHAP_WAIT_R,  /* we sent CHAP_A/CHAP_I/CHAP_C: it sends CHAP_N/CHAP_R */
	CHAP_DONE,    /* initiator authenticated (and we answered its challenge) */
};

enum chap_result {
	CHAP_CONTINUE, /* the exchange goes on (our keys, if any, are in out) */
	CHAP_SUCCESS,  /* the initiator proved the secret; mutual answer in out */
	CHAP_FAILURE,  /* Login status 0x0201 authentication failure */
	CHAP_NO_ROOM,  /* out is full or out of memory */
};

/* Reasons a CHAP_FAILURE happened, for logs and tests. */
enum chap_fail {
	CHAP_FAIL_NONE = 0,
	CHAP_FAIL_UNEXPECTED_KEY, /* a CHAP key out of its step */
	CHAP_FAIL_NO_ALGORITHM,   /* no CHAP_A value we support */
	CHAP_FAIL_MISSING_KEY,    /* CHAP_N/CHAP_R (or half of CHAP_I/CHAP_C) absent */
	CHAP_FAIL_WRONG_NAME,
	CHAP_FAIL_BAD_RESPONSE,   /* CHAP_R malformed or not the digest length */
	CHAP_FAIL_WRONG_RESPONSE, /* well-formed but not H(I, secret, C) */
	CHAP_FAIL_BAD_IDENTIFIER, /* initiator's CHAP_I not 0..255 */
	CHAP_FAIL_BAD_CHALLENGE,  /* initiator's CHAP_C malformed, empty or too long */
	CHAP_FAIL_REFLECTED,      /* initiator's CHAP_C equals ours */
	CHAP_FAIL_NO_TARGET_AUTH, /* mutual CHAP asked but we have no 'out' credentials */
};

/* The CHAP keys of one logical text message (§12.1.3 steps). */
enum chap_key { CK_A, CK_I, CK_C, CK_N, CK_R, CK_COUNT };

struct chap {
	const struct rt_auth_cfg *auth;
	enum chap_state state;
	enum chap_fail why;
	unsigned alg;
	uint8_t id;
	uint8_t challenge[RT_CHAP_CHALLENGE_LEN];
	unsigned have;                 /* bit per chap_key in the current message */
	struct text_pair key[CK_COUNT]; /* point into the current message */
};

void chap_init(struct chap *c, const struct rt_auth_cfg *auth);
/* Record a CHAP_* key (id P_CHAP_A..P_CHAP_R) of the current message. */
void chap_key(struct chap *c, enum param_id id, const struct text_pair *p);
/* Act on the keys recorded for this message; forget them. */
enum chap_result chap_step(struct chap *c, const struct rt_env *env, struct text_buf *out);

#endif
