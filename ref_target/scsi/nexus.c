/* nexus: see nexus.h. */
#include "nexus.h"

#include <string.h>

bool nexus_is(const struct nexus_entry *e, const struct scsi_nexus *n)
{
	return e->used && e->rel_port == n->rel_port && strcmp(e->port, n->initiator_port) == 0;
}

struct nexus_entry *nexus_find(struct nexus_table *t, const struct scsi_nexus *n)
{
	for (uint32_t i = 0; i < NEXUS_MAX; i++)
		if (nexus_is(&t->e[i], n))
			return &t->e[i];
	return NULL;
}

/* A free entry, else the least recently seen one that holds no medium
 * removal prevention (which SBC-3 ends only on reset or nexus loss), else
 * the least recently seen of all. */
static struct nexus_entry *nexus_victim(struct nexus_table *t)
{
	struct nexus_entry *lru = NULL, *lru_free_to_go = NULL;
	for (uint32_t i = 0; i < NEXUS_MAX; i++) {
		struct nexus_entry *e = &t->e[i];
		if (!e->used)
			return e;
		if (lru == NULL || e->seen < lru->seen)
			lru = e;
		if (!e->prevent && (lru_free_to_go == NULL || e->seen < lru_free_to_go->seen))
			lru_free_to_go = e;
	}
	return lru_free_to_go ? lru_free_to_go : lru;
}

struct nexus_entry *nexus_get(struct nexus_table *t, const struct scsi_nexus *n)
{
	struct nexus_entry *e = nexus_find(t, n);
	if (e == NULL) {
		e = nexus_victim(t);
		memset(e, 0, sizeof(*e));
		e->used = true;
		e->rel_port = n->rel_port;
		memcpy(e->port, n->initiator_port, sizeof(e->port));
		e->port[sizeof(e->port) - 1] = '\0';
		e->ua = NEXUS_UA_FRESH;
	}
	e->seen = ++t->clock;
	return e;
}
