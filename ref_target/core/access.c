/* access: see access.h. */
#include "access.h"

#include <string.h>

uint32_t access_target(const struct rt_config *cfg, const char *name, size_t len)
{
	for (uint32_t i = 0; i < cfg->target_count; i++) {
		const char *n = cfg->targets[i].name;
		if (n != NULL && strlen(n) == len && memcmp(n, name, len) == 0)
			return i;
	}
	return ACCESS_NONE;
}

uint32_t access_tpg_for_portal(const struct rt_target_cfg *t, uint32_t portal)
{
	for (uint32_t g = 0; g < t->tpg_count; g++)
		for (uint32_t k = 0; k < t->tpgs[g].portal_count; k++)
			if (t->tpgs[g].portals[k] == portal)
				return g;
	return ACCESS_NONE;
}

const struct rt_acl_cfg *access_acl(const struct rt_tpg_cfg *tpg, const char *initiator)
{
	for (uint32_t i = 0; i < tpg->acl_count; i++)
		if (tpg->acls[i].initiator != NULL && strcmp(tpg->acls[i].initiator, initiator) == 0)
			return &tpg->acls[i];
	return NULL;
}

bool access_allowed(const struct rt_tpg_cfg *tpg, const char *initiator)
{
	return tpg->open_access || access_acl(tpg, initiator) != NULL;
}
