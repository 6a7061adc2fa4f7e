/* oracle/pr_model: see pr_model.h. Section numbers are SPC-4 r37's. */
#include "sim/oracle/pr_model.h"

#include <stdio.h>
#include <string.h>

#include "sim/base/textout.h"

enum { T_WE = 1, T_EA = 3, T_WE_RO = 5, T_EA_RO = 6, T_WE_AR = 7, T_EA_AR = 8 };
#define PARAM_APTPL 0x01u /* byte 20 of the parameter list */

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool all_registrants(uint8_t t) { return t == T_WE_AR || t == T_EA_AR; }
static bool registrants_types(uint8_t t) { return t == T_WE_RO || t == T_EA_RO || all_registrants(t); }
static bool type_valid(uint8_t t)
{
	return t == T_WE || t == T_EA || registrants_types(t);
}

const char *oprm_outcome_name(enum oprm_outcome o)
{
	return o == OPRM_GOOD ? "GOOD" : o == OPRM_CONFLICT ? "RESERVATION CONFLICT" : "CHECK CONDITION";
}

/* §5.13.1: a holder is the nexus that reserved, or any registrant of an
 * all-registrants reservation. */
static bool holds(const struct oprm_state *s, int n)
{
	return s->reserved && s->reg[n] && (all_registrants(s->type) || s->holder == n);
}

static bool any_registered(const struct oprm_state *s)
{
	for (int i = 0; i < OPRM_NEXUS_MAX; i++)
		if (s->reg[i])
			return true;
	return false;
}

/* §5.13.11.2.3 (unregistering), §5.13.11.2.4: the reservation goes with
 * its holder's registration; an all-registrants one with the last. */
static void drop_reg(struct oprm_state *s, int n)
{
	bool held = holds(s, n);
	s->reg[n] = false;
	s->key[n] = 0;
	if (held && (!all_registrants(s->type) || !any_registered(s))) {
		s->reserved = false;
		s->holder = -1;
	}
}

/* §5.13.7 REGISTER, REGISTER AND IGNORE EXISTING KEY (§6.16.3). */
static enum oprm_outcome do_register(struct oprm_state *s, int n, bool ignore, uint64_t key, uint64_t sakey,
	bool aptpl)
{
	if (!s->reg[n]) {
		if (!ignore && key != 0)
			return OPRM_CONFLICT;
		if (sakey == 0)
			return OPRM_GOOD; /* nothing to register: no change, no new generation */
		s->reg[n] = true;
		s->key[n] = sakey;
	} else {
		if (!ignore && key != s->key[n])
			return OPRM_CONFLICT;
		if (sakey == 0)
			drop_reg(s, n);
		else
			s->key[n] = sakey;
	}
	s->aptpl = aptpl;
	s->generation++;
	return OPRM_GOOD;
}

/* §5.13.11.4 PREEMPT (and the state change of PREEMPT AND ABORT). */
static enum oprm_outcome do_preempt(struct oprm_state *s, int n, uint8_t type, uint64_t sakey)
{
	bool take = s->reserved && (all_registrants(s->type) ? sakey == 0 : s->holder >= 0 && sakey == s->key[s->holder]);
	if (!take) {
		/* only the registrations with that key go (§5.13.11.4.3) */
		if (sakey == 0)
			return OPRM_ILLEGAL;
		int removed = 0;
		for (int i = 0; i < OPRM_NEXUS_MAX; i++)
			if (i != n && s->reg[i] && s->key[i] == sakey) {
				drop_reg(s, i);
				removed++;
			}
		if (removed == 0)
			return OPRM_CONFLICT;
		s->generation++;
		return OPRM_GOOD;
	}
	if (!type_valid(type))
		return OPRM_ILLEGAL;
	bool all = all_registrants(s->type);
	for (int i = 0; i < OPRM_NEXUS_MAX; i++)
		if (i != n && s->reg[i] && (all || s->key[i] == sakey)) {
			s->reg[i] = false;
			s->key[i] = 0;
		}
	s->reserved = true;
	s->type = type;
	s->holder = all_registrants(type) ? -1 : n;
	s->generation++;
	return OPRM_GOOD;
}

enum oprm_outcome oprm_out(struct oprm_state *s, int n, uint8_t sa, uint8_t type, const uint8_t *param)
{
	uint64_t key = be64(param), sakey = be64(param + 8);
	bool aptpl = param[20] & PARAM_APTPL;
	if (n < 0 || n >= OPRM_NEXUS_MAX)
		return OPRM_ILLEGAL;
	if (sa == OPRM_REGISTER || sa == OPRM_REGISTER_AND_IGNORE)
		return do_register(s, n, sa == OPRM_REGISTER_AND_IGNORE, key, sakey, aptpl);
	if (sa > OPRM_REGISTER_AND_IGNORE)
		return OPRM_ILLEGAL;
	if ((sa == OPRM_RESERVE || sa == OPRM_RELEASE || sa == OPRM_PREEMPT || sa == OPRM_PREEMPT_AND_ABORT) &&
		!type_valid(type))
		return OPRM_ILLEGAL;
	/* §5.13.11.1: every other action needs the issuer registered, with
	 * its own key in RESERVATION KEY. */
	if (!s->reg[n] || key != s->key[n])
		return OPRM_CONFLICT;
	switch (sa) {
	case OPRM_RESERVE: /* §5.13.9 */
		if (!s->reserved) {
			s->reserved = true;
			s->type = type;
			s->holder = all_registrants(type) ? -1 : n;
			return OPRM_GOOD;
		}
		return holds(s, n) && s->type == type ? OPRM_GOOD : OPRM_CONFLICT;
	case OPRM_RELEASE: /* §5.13.11.2.2: a non-holder's RELEASE does nothing */
		if (!holds(s, n))
			return OPRM_GOOD;
		if (s->type != type)
			return OPRM_ILLEGAL;
		s->reserved = false;
		s->holder = -1;
		return OPRM_GOOD;
	case OPRM_CLEAR: { /* §5.13.11.2.6 */
		uint32_t gen = s->generation;
		bool keep_aptpl = s->aptpl;
		memset(s, 0, sizeof(*s));
		s->holder = -1;
		s->generation = gen + 1;
		s->aptpl = keep_aptpl;
		return OPRM_GOOD;
	}
	default:
		return do_preempt(s, n, type, sakey);
	}
}

bool oprm_excluded(const struct oprm_state *s, int n, bool write)
{
	if (!s->reserved || holds(s, n) || n < 0 || n >= OPRM_NEXUS_MAX)
		return false;
	if (registrants_types(s->type) && s->reg[n])
		return false;
	return write || oprm_type_excludes_reads(s->type);
}

bool oprm_type_excludes_reads(uint8_t t)
{
	return t == T_EA || t == T_EA_RO || t == T_EA_AR;
}

/* READ KEYS (§6.15.2): PRgeneration, then every key, in any order. */
static bool check_keys(const struct oprm_state *s, const uint8_t *d, uint32_t len, struct textout *o)
{
	uint64_t want[OPRM_NEXUS_MAX];
	int nwant = 0;
	for (int i = 0; i < OPRM_NEXUS_MAX; i++)
		if (s->reg[i])
			want[nwant++] = s->key[i];
	uint32_t gen = be32(d), alen = be32(d + 4);
	bool ok = gen == s->generation && alen == 8u * (uint32_t)nwant && len >= 8 + alen;
	bool used[OPRM_NEXUS_MAX] = { false };
	for (uint32_t off = 8; ok && off + 8 <= 8 + alen; off += 8) {
		uint64_t k = be64(d + off);
		bool found = false;
		for (int i = 0; i < nwant && !found; i++)
			if (!used[i] && want[i] == k)
				found = used[i] = true;
		ok = found;
	}
	if (ok)
		return true;
	textout(o, "READ KEYS answered generation %u with %u keys", gen, alen / 8);
	for (uint32_t off = 8; off + 8 <= 8 + alen && off + 8 <= len && off < 8 + 8 * 8; off += 8)
		textout(o, " 0x%llx", (unsigned long long)be64(d + off));
	textout(o, "; the model has generation %u with %d keys", s->generation, nwant);
	for (int i = 0; i < nwant && i < 8; i++)
		textout(o, " 0x%llx", (unsigned long long)want[i]);
	return false;
}

/* READ RESERVATION (§6.15.3): PRgeneration, and if reserved the
 * holder's key (0 for all-registrants) and the scope and type. */
static bool check_reservation(const struct oprm_state *s, const uint8_t *d, uint32_t len, struct textout *o)
{
	uint32_t gen = be32(d), alen = be32(d + 4);
	bool reserved = alen >= 16 && len >= 24;
	uint64_t key = reserved ? be64(d + 8) : 0;
	uint8_t type = reserved ? d[21] & 0x0f : 0;
	uint64_t want_key = s->reserved && !all_registrants(s->type) && s->holder >= 0 ? s->key[s->holder] : 0;
	if (gen == s->generation && reserved == s->reserved && (!reserved || (key == want_key && type == s->type)))
		return true;
	textout(o, "READ RESERVATION answered generation %u, %s", gen, reserved ? "reserved" : "not reserved");
	if (reserved)
		textout(o, " (key 0x%llx, type %u)", (unsigned long long)key, type);
	textout(o, "; the model has generation %u, %s", s->generation, s->reserved ? "reserved" : "not reserved");
	if (s->reserved)
		textout(o, " (key 0x%llx, type %u)", (unsigned long long)want_key, s->type);
	return false;
}

bool oprm_check_in(const struct oprm_state *s, uint8_t sa, const uint8_t *data, uint32_t len, char *why,
	size_t why_len)
{
	struct textout o = { why, why_len, 0 };
	if (why_len > 0)
		why[0] = '\0';
	if (sa != OPRM_READ_KEYS && sa != OPRM_READ_RESERVATION)
		return true;
	if (len < 8) {
		textout(&o, "PERSISTENT RESERVE IN returned %u bytes, less than its 8-byte header", len);
		return false;
	}
	return sa == OPRM_READ_KEYS ? check_keys(s, data, len, &o) : check_reservation(s, data, len, &o);
}

bool oprm_equal(const struct oprm_state *a, const struct oprm_state *b)
{
	if (a->generation != b->generation || a->aptpl != b->aptpl || a->reserved != b->reserved)
		return false;
	if (a->reserved && (a->type != b->type || a->holder != b->holder))
		return false;
	for (int i = 0; i < OPRM_NEXUS_MAX; i++)
		if (a->reg[i] != b->reg[i] || (a->reg[i] && a->key[i] != b->key[i]))
			return false;
	return true;
}
