/* pr_codec: the persistent reservation state as bytes, for APTPL
 * (env->state_save) and for the state shared by gateways (pr_shared.c).
 *
 * Format "PRS1" (big-endian): magic "PRS" + format version '1', PRgeneration
 * (4), flags (1: bit 0 APTPL, bit 1 reserved), type (1), registration count
 * (2), holder (4: index among the registrations written, PR_NONE if none),
 * then per registration rel_port (2), key (8), port length (2) and the
 * port's bytes (no NUL). A record read back is checked whole: another
 * version, unknown flag bits, more registrations than PR_REG_MAX, a port
 * that is empty, too long or holds a NUL, the same I_T nexus twice, a
 * reservation with an invalid type or a holder that is not a registration,
 * and bytes after the last registration are each refused by name: the
 * record may come from another gateway, or another build, through storage
 * anyone with the pool's key can write.
 */
#include <assert.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "pr.h"

#define PR_SAVE_MAGIC 0x50525300u /* "PRS" + the version byte */
#define PR_SAVE_VERSION '1'
#define PR_SAVE_HDR_LEN 16u
#define PR_SAVE_REG_LEN (2u + 8u + 2u)
#define PR_FLAG_APTPL 0x01u
#define PR_FLAG_RESERVED 0x02u

static_assert(PR_SAVE_MAX == PR_SAVE_HDR_LEN + PR_REG_MAX * (PR_SAVE_REG_LEN + PR_PORT_MAX - 1u),
	      "pr.h's bound is this format's");
static_assert(PR_REG_MAX <= 0xffff, "registration counts fit the format");

uint32_t pr_encode(const struct pr_state *s, uint8_t *out)
{
	uint32_t len = PR_SAVE_HDR_LEN, count = 0, holder = PR_NONE;
	for (uint32_t i = 0; i < PR_REG_MAX; i++) {
		const struct pr_reg *r = &s->reg[i];
		if (!r->used)
			continue;
		if (s->reserved && s->holder == i)
			holder = count;
		uint16_t plen = (uint16_t)strnlen(r->port, sizeof(r->port));
		put_be16(out + len, r->rel_port);
		put_be64(out + len + 2, r->key);
		put_be16(out + len + 10, plen);
		memcpy(out + len + PR_SAVE_REG_LEN, r->port, plen);
		len += PR_SAVE_REG_LEN + plen;
		count++;
	}
	put_be32(out, PR_SAVE_MAGIC | PR_SAVE_VERSION);
	put_be32(out + 4, s->generation);
	out[8] = (uint8_t)((s->aptpl ? PR_FLAG_APTPL : 0) | (s->reserved ? PR_FLAG_RESERVED : 0));
	out[9] = s->type;
	put_be16(out + 10, (uint16_t)count);
	put_be32(out + 12, holder);
	return len;
}

static enum pr_codec_err pr_decode_reg(struct pr_state *s, uint32_t i, const uint8_t *in, uint32_t len,
				       uint32_t *off)
{
	struct pr_reg *r = &s->reg[i];
	if (len - *off < PR_SAVE_REG_LEN)
		return PR_CODEC_SHORT;
	uint32_t plen = get_be16(in + *off + 10);
	if (plen == 0 || plen >= sizeof(r->port))
		return PR_CODEC_PORT;
	if (len - *off - PR_SAVE_REG_LEN < plen)
		return PR_CODEC_SHORT;
	const uint8_t *port = in + *off + PR_SAVE_REG_LEN;
	if (memchr(port, 0, plen) != NULL)
		return PR_CODEC_PORT;
	r->used = true;
	r->rel_port = get_be16(in + *off);
	r->key = get_be64(in + *off + 2);
	memcpy(r->port, port, plen);
	r->port[plen] = '\0';
	for (uint32_t j = 0; j < i; j++)
		if (s->reg[j].rel_port == r->rel_port && strcasecmp(s->reg[j].port, r->port) == 0)
			return PR_CODEC_DUPLICATE;
	*off += PR_SAVE_REG_LEN + plen;
	return PR_CODEC_OK;
}

enum pr_codec_err pr_decode(struct pr_state *s, const uint8_t *in, uint32_t len)
{
	memset(s, 0, sizeof(*s));
	if (len < PR_SAVE_HDR_LEN)
		return PR_CODEC_SHORT;
	uint32_t magic = get_be32(in);
	if ((magic & 0xffffff00u) != PR_SAVE_MAGIC)
		return PR_CODEC_MAGIC;
	if ((magic & 0xffu) != PR_SAVE_VERSION)
		return PR_CODEC_VERSION;
	if (in[8] & ~(PR_FLAG_APTPL | PR_FLAG_RESERVED))
		return PR_CODEC_FLAGS;
	uint32_t count = get_be16(in + 10), holder = get_be32(in + 12), off = PR_SAVE_HDR_LEN;
	if (count > PR_REG_MAX)
		return PR_CODEC_COUNT;
	s->generation = get_be32(in + 4);
	s->aptpl = in[8] & PR_FLAG_APTPL;
	s->reserved = in[8] & PR_FLAG_RESERVED;
	s->type = in[9];
	s->holder = holder;
	for (uint32_t i = 0; i < count; i++) {
		enum pr_codec_err e = pr_decode_reg(s, i, in, len, &off);
		if (e != PR_CODEC_OK)
			return e;
	}
	if (off != len)
		return PR_CODEC_TRAILING;
	if (s->reserved && !pr_type_valid(s->type))
		return PR_CODEC_TYPE;
	if (s->reserved && !pr_type_all_registrants(s->type) && holder >= count)
		return PR_CODEC_HOLDER;
	return PR_CODEC_OK;
}

const char *pr_codec_err_name(enum pr_codec_err e)
{
	switch (e) {
	case PR_CODEC_OK:
		return "ok";
	case PR_CODEC_SHORT:
		return "truncated";
	case PR_CODEC_MAGIC:
		return "not a PR record (magic)";
	case PR_CODEC_VERSION:
		return "a format version this build does not know";
	case PR_CODEC_FLAGS:
		return "unknown flag bits";
	case PR_CODEC_COUNT:
		return "more registrations than PR_REG_MAX";
	case PR_CODEC_PORT:
		return "an initiator port that is empty, too long or holds a NUL";
	case PR_CODEC_DUPLICATE:
		return "one I_T nexus registered twice";
	case PR_CODEC_TRAILING:
		return "bytes after the last registration";
	case PR_CODEC_TYPE:
		return "a reservation of an invalid type";
	case PR_CODEC_HOLDER:
		return "a reservation held by no registration";
	}
	return "unknown error";
}
