/* chap: see chap.h. RFC 7143 §12.1.3, RFC 1994 §4. */
#include "chap.h"

#include <assert.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/sha3.h>

#include "codec.h"
#include "limits.h"

/* Room for any of the four hash states on the stack. */
union chap_hash_ctx {
	struct md5_ctx md5;
	struct sha1_ctx sha1;
	struct sha256_ctx sha256;
	struct sha3_256_ctx sha3;
};

static const struct nettle_hash *chap_hash(unsigned alg)
{
	switch (alg) {
	case CHAP_ALG_MD5: return &nettle_md5;
	case CHAP_ALG_SHA1: return &nettle_sha1;
	case CHAP_ALG_SHA256: return &nettle_sha256;
	case CHAP_ALG_SHA3_256: return &nettle_sha3_256;
	default: return NULL;
	}
}

size_t chap_digest_len(unsigned alg)
{
	const struct nettle_hash *h = chap_hash(alg);
	return h ? h->digest_size : 0;
}

void chap_response(unsigned alg, uint8_t id, const char *secret,
		   const uint8_t *challenge, size_t challenge_len,
		   uint8_t out[RT_CHAP_DIGEST_MAX])
{
	const struct nettle_hash *h = chap_hash(alg);
	assert(h != NULL && h->context_size <= sizeof(union chap_hash_ctx) &&
	       h->digest_size <= RT_CHAP_DIGEST_MAX);
	union chap_hash_ctx ctx;
	h->init(&ctx);
	h->update(&ctx, 1, &id);
	if (secret != NULL) /* a missing secret hashes as empty: never a crash */
		h->update(&ctx, strlen(secret), (const uint8_t *)secret);
	h->update(&ctx, challenge_len, challenge);
	h->digest(&ctx, h->digest_size, out);
}

void chap_init(struct chap *c, const struct rt_auth_cfg *auth)
{
	memset(c, 0, sizeof(*c));
	c->auth = auth;
	c->state = CHAP_WAIT_A;
}

void chap_key(struct chap *c, enum param_id id, const struct text_pair *p)
{
	assert(id >= P_CHAP_A && id <= P_CHAP_R);
	enum chap_key k = (enum chap_key)(id - P_CHAP_A);
	c->key[k] = *p;
	c->have |= 1u << k;
}

static enum chap_result fail(struct chap *c, enum chap_fail why)
{
	c->why = why;
	return CHAP_FAILURE;
}

/* §12.1.3 step 2: CHAP_A=<A1,A2,...>; we take the first we support
 * (§6.2.1) and answer CHAP_A, CHAP_I and CHAP_C. */
static enum chap_result step_algorithm(struct chap *c, const struct rt_env *env,
				       struct text_buf *out)
{
	if (c->have != 1u << CK_A)
		return fail(c, CHAP_FAIL_UNEXPECTED_KEY);
	const struct text_pair *a = &c->key[CK_A];
	c->alg = 0;
	for (uint32_t start = 0, i = 0; i <= a->value_len && c->alg == 0; i++) {
		if (i < a->value_len && a->value[i] != ',')
			continue;
		uint64_t v;
		if (codec_parse_number(a->value + start, i - start, &v) == CODEC_OK &&
		    v <= CHAP_ALG_SHA3_256 && chap_digest_len((unsigned)v) != 0)
			c->alg = (unsigned)v;
		start = i + 1;
	}
	if (c->alg == 0)
		return fail(c, CHAP_FAIL_NO_ALGORITHM);

	c->id = (uint8_t)env->random_u64(env->ctx);
	for (size_t i = 0; i < RT_CHAP_CHALLENGE_LEN; i += 8) {
		uint64_t r = env->random_u64(env->ctx);
		for (size_t k = 0; k < 8 && i + k < RT_CHAP_CHALLENGE_LEN; k++)
			c->challenge[i + k] = (uint8_t)(r >> (8 * k));
	}
	char hex[2 * RT_CHAP_CHALLENGE_LEN + 3];
	codec_encode_hex(c->challenge, RT_CHAP_CHALLENGE_LEN, hex, sizeof(hex));
	if (text_buf_add_u32(out, "CHAP_A", c->alg) != TEXT_OK ||
	    text_buf_add_u32(out, "CHAP_I", c->id) != TEXT_OK ||
	    text_buf_add(out, "CHAP_C", hex) != TEXT_OK)
		return CHAP_NO_ROOM;
	c->state = CHAP_WAIT_R;
	return CHAP_CONTINUE;
}

static bool name_is(const struct text_pair *n, const char *user)
{
	return user != NULL && strlen(user) == n->value_len &&
	       memcmp(n->value, user, n->value_len) == 0;
}

/* §12.1.3 step 4, mutual CHAP: answer the initiator's CHAP_I/CHAP_C with
 * our 'out' credentials. */
static enum chap_result answer_mutual(struct chap *c, struct text_buf *out)
{
	const struct rt_chap_cred *ours = &c->auth->out;
	if (ours->user == NULL)
		return fail(c, CHAP_FAIL_NO_TARGET_AUTH);
	uint64_t id;
	const struct text_pair *pi = &c->key[CK_I], *pc = &c->key[CK_C];
	if (codec_parse_number(pi->value, pi->value_len, &id) != CODEC_OK || id > 0xff)
		return fail(c, CHAP_FAIL_BAD_IDENTIFIER);
	uint8_t chal[RT_CHAP_CHALLENGE_MAX];
	size_t chal_len;
	if (codec_decode_binary(pc->value, pc->value_len, chal, sizeof(chal), &chal_len) != CODEC_OK)
		return fail(c, CHAP_FAIL_BAD_CHALLENGE);
	/* §12.1.3: a responder MUST refuse its own challenge sent back to it */
	if (chal_len == RT_CHAP_CHALLENGE_LEN && memcmp(chal, c->challenge, chal_len) == 0)
		return fail(c, CHAP_FAIL_REFLECTED);
	uint8_t digest[RT_CHAP_DIGEST_MAX];
	chap_response(c->alg, (uint8_t)id, ours->secret, chal, chal_len, digest);
	char hex[2 * RT_CHAP_DIGEST_MAX + 3];
	codec_encode_hex(digest, chap_digest_len(c->alg), hex, sizeof(hex));
	if (text_buf_add(out, "CHAP_N", ours->user) != TEXT_OK ||
	    text_buf_add(out, "CHAP_R", hex) != TEXT_OK)
		return CHAP_NO_ROOM;
	return CHAP_SUCCESS;
}

/* §12.1.3 step 3: CHAP_N and CHAP_R, and CHAP_I with CHAP_C when the
 * initiator wants the target authenticated too. */
static enum chap_result step_response(struct chap *c, struct text_buf *out)
{
	const unsigned nr = 1u << CK_N | 1u << CK_R, ic = 1u << CK_I | 1u << CK_C;
	if (c->have & 1u << CK_A)
		return fail(c, CHAP_FAIL_UNEXPECTED_KEY);
	if ((c->have & nr) != nr || ((c->have & ic) != 0 && (c->have & ic) != ic))
		return fail(c, CHAP_FAIL_MISSING_KEY);
	if (!name_is(&c->key[CK_N], c->auth->in.user))
		return fail(c, CHAP_FAIL_WRONG_NAME);
	/* decoded into a buffer of the largest digest; the length must then be
	 * exactly this algorithm's (the CVE-2018-14633 class cannot happen) */
	uint8_t got[RT_CHAP_DIGEST_MAX];
	size_t got_len;
	const struct text_pair *r = &c->key[CK_R];
	if (codec_decode_binary(r->value, r->value_len, got, sizeof(got), &got_len) != CODEC_OK ||
	    got_len != chap_digest_len(c->alg))
		return fail(c, CHAP_FAIL_BAD_RESPONSE);
	uint8_t want[RT_CHAP_DIGEST_MAX];
	chap_response(c->alg, c->id, c->auth->in.secret, c->challenge, RT_CHAP_CHALLENGE_LEN, want);
	if (!memeql_sec(got, want, got_len))
		return fail(c, CHAP_FAIL_WRONG_RESPONSE);
	c->state = CHAP_DONE;
	if ((c->have & ic) == 0)
		return CHAP_SUCCESS;
	return answer_mutual(c, out);
}

enum chap_result chap_step(struct chap *c, const struct rt_env *env, struct text_buf *out)
{
	enum chap_result r;
	if (c->have == 0)
		r = CHAP_CONTINUE;
	else if (c->state == CHAP_WAIT_A)
		r = step_algorithm(c, env, out);
	else if (c->state == CHAP_WAIT_R)
		r = step_response(c, out);
	else
		r = fail(c, CHAP_FAIL_UNEXPECTED_KEY);
	c->have = 0;
	return r;
}
