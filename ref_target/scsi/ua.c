/* ua: see ua.h. */
#include "ua.h"

#include <assert.h>

static_assert(SC_UA_LUNS_CHANGED - SC_UA_POWER_ON_RESET < 32, "UA bits fit one word");

static uint32_t ua_bit(enum scsi_cond cond)
{
	assert(cond >= SC_UA_POWER_ON_RESET && cond <= SC_UA_LUNS_CHANGED);
	return 1u << (cond - SC_UA_POWER_ON_RESET);
}

enum scsi_cond ua_take(struct nexus_table *t, const struct scsi_nexus *n)
{
	static_assert(NEXUS_UA_FRESH == 1u << (SC_UA_POWER_ON_RESET - SC_UA_POWER_ON_RESET),
		      "a new nexus is owed POWER ON, RESET");
	struct nexus_entry *e = nexus_get(t, n);
	if (e->ua == 0)
		return SC_NO_SENSE;
	unsigned bit = (unsigned)__builtin_ctz(e->ua);
	e->ua &= ~(1u << bit);
	return (enum scsi_cond)(SC_UA_POWER_ON_RESET + bit);
}

void ua_clear(struct nexus_table *t, const struct scsi_nexus *n, enum scsi_cond cond)
{
	struct nexus_entry *e = nexus_find(t, n);
	if (e != NULL)
		e->ua &= ~ua_bit(cond);
}

void ua_establish(struct nexus_table *t, const struct scsi_nexus *n, enum scsi_cond cond)
{
	nexus_get(t, n)->ua |= ua_bit(cond);
}

void ua_establish_entry(struct nexus_entry *e, enum scsi_cond cond)
{
	e->ua |= ua_bit(cond);
}

void ua_establish_all(struct nexus_table *t, const struct scsi_nexus *except, enum scsi_cond cond)
{
	for (uint32_t i = 0; i < NEXUS_MAX; i++) {
		struct nexus_entry *e = &t->e[i];
		if (e->used && !(except != NULL && nexus_is(e, except)))
			e->ua |= ua_bit(cond);
	}
}
