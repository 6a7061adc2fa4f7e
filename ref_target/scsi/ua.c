/* ua: see ua.h. SAM-5 §5.14: a unit attention is established per I_T
 * nexus, reported by the next command that is not INQUIRY, REPORT LUNS or
 * REQUEST SENSE, and cleared once reported. Precedence: the 29h family
 * (power on, resets, nexus loss) before the rest, as enum scsi_cond orders. */
#include "ua.h"

#include <assert.h>
#include <string.h>

static_assert(SC_UA_LUNS_CHANGED - SC_UA_POWER_ON_RESET < 32, "UA bits fit one word");

static uint32_t ua_bit(enum scsi_cond cond)
{
	assert(cond >= SC_UA_POWER_ON_RESET && cond <= SC_UA_LUNS_CHANGED);
	return 1u << (cond - SC_UA_POWER_ON_RESET);
}

static bool ua_same(const struct ua_entry *e, const struct scsi_nexus *n)
{
	return e->used && e->rel_port == n->rel_port && strcmp(e->port, n->initiator_port) == 0;
}

static struct ua_entry *ua_find(struct ua_table *t, const struct scsi_nexus *n)
{
	for (uint32_t i = 0; i < UA_NEXUS_MAX; i++)
		if (ua_same(&t->e[i], n))
			return &t->e[i];
	return NULL;
}

/* A free entry, or the least recently seen one. */
static struct ua_entry *ua_victim(struct ua_table *t)
{
	struct ua_entry *v = &t->e[0];
	for (uint32_t i = 0; i < UA_NEXUS_MAX; i++) {
		if (!t->e[i].used)
			return &t->e[i];
		if (t->e[i].seen < v->seen)
			v = &t->e[i];
	}
	return v;
}

/* The entry for n, created if new: a new nexus is owed 29/00 (power on
 * and every reset it may have missed). */
static struct ua_entry *ua_get(struct ua_table *t, const struct scsi_nexus *n)
{
	struct ua_entry *e = ua_find(t, n);
	if (e == NULL) {
		e = ua_victim(t);
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->rel_port = n->rel_port;
		memcpy(e->port, n->initiator_port, sizeof(e->port));
		e->port[sizeof(e->port) - 1] = '\0';
		e->pending = ua_bit(SC_UA_POWER_ON_RESET);
	}
	e->seen = ++t->clock;
	return e;
}

enum scsi_cond ua_take(struct ua_table *t, const struct scsi_nexus *n)
{
	struct ua_entry *e = ua_get(t, n);
	if (e->pending == 0)
		return SC_NO_SENSE;
	unsigned bit = (unsigned)__builtin_ctz(e->pending);
	e->pending &= ~(1u << bit);
	return (enum scsi_cond)(SC_UA_POWER_ON_RESET + bit);
}

void ua_clear(struct ua_table *t, const struct scsi_nexus *n, enum scsi_cond cond)
{
	struct ua_entry *e = ua_find(t, n);
	if (e != NULL)
		e->pending &= ~ua_bit(cond);
}

void ua_establish(struct ua_table *t, const struct scsi_nexus *n, enum scsi_cond cond)
{
	ua_get(t, n)->pending |= ua_bit(cond);
}

void ua_establish_all(struct ua_table *t, const struct scsi_nexus *except, enum scsi_cond cond)
{
	for (uint32_t i = 0; i < UA_NEXUS_MAX; i++) {
		struct ua_entry *e = &t->e[i];
		if (e->used && !(except != NULL && ua_same(e, except)))
			e->pending |= ua_bit(cond);
	}
}

bool ua_pending(const struct ua_table *t, const struct scsi_nexus *n)
{
	for (uint32_t i = 0; i < UA_NEXUS_MAX; i++)
		if (ua_same(&t->e[i], n))
			return t->e[i].pending != 0;
	return true; /* unknown: owed 29/00 */
}
