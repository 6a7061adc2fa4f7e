/* discovery: see discovery.h. RFC 7143 §13.3, §13.8, Appendix C. */
#include "discovery.h"

#include <stdio.h>
#include <string.h>

#include "access.h"
#include "limits.h"

/* "host:port,tag": the address, brackets, ':', 5 digits, ',', 5 digits. */
#define DISCOVERY_ADDR_MAX (ISCSI_VALUE_MAX + 16u)

/* A portal group SendTargets shows this initiator: one that admits it,
 * or one that is listed to everyone (rt_tpg_cfg.discovery_open). */
static bool tpg_listed(const struct rt_tpg_cfg *tpg, const char *initiator)
{
	return tpg->discovery_open || access_allowed(tpg, initiator);
}

/* Any portal group of the target that SendTargets shows the initiator. */
static bool target_reachable(const struct rt_target_cfg *t, const char *initiator)
{
	for (uint32_t g = 0; g < t->tpg_count; g++)
		if (tpg_listed(&t->tpgs[g], initiator))
			return true;
	return false;
}

/* §13.8: an IPv6 literal goes in brackets; the configuration may give it
 * either way. */
static bool needs_brackets(const char *addr)
{
	return addr[0] != '[' && strchr(addr, ':') != NULL;
}

static enum discovery_status list_target(const struct rt_config *cfg, uint32_t ti,
					 const char *initiator, struct text_buf *out)
{
	const struct rt_target_cfg *t = &cfg->targets[ti];
	if (text_buf_add(out, "TargetName", t->name) != TEXT_OK)
		return DISCOVERY_NO_ROOM;
	for (uint32_t g = 0; g < t->tpg_count; g++) {
		const struct rt_tpg_cfg *tpg = &t->tpgs[g];
		if (!tpg_listed(tpg, initiator))
			continue;
		for (uint32_t k = 0; k < tpg->portal_count; k++) {
			if (tpg->portals[k] >= cfg->portal_count)
				continue;
			const struct rt_portal_cfg *p = &cfg->portals[tpg->portals[k]];
			bool br = needs_brackets(p->address);
			char addr[DISCOVERY_ADDR_MAX];
			int n = snprintf(addr, sizeof(addr), "%s%s%s:%u,%u", br ? "[" : "",
					 p->address, br ? "]" : "", p->port, tpg->tag);
			if (n < 0 || (size_t)n >= sizeof(addr))
				continue; /* an address longer than a text value: not listable */
			if (text_buf_add(out, "TargetAddress", addr) != TEXT_OK)
				return DISCOVERY_NO_ROOM;
		}
	}
	return DISCOVERY_OK;
}

enum discovery_status discovery_send_targets(const struct rt_config *cfg,
					     const struct discovery_asker *who,
					     const char *value, size_t value_len,
					     struct text_buf *out)
{
	if (value_len == 3 && memcmp(value, "All", 3) == 0) {
		if (!who->discovery_session)
			return text_buf_add(out, "SendTargets", "Reject") == TEXT_OK
				       ? DISCOVERY_OK
				       : DISCOVERY_NO_ROOM;
		for (uint32_t i = 0; i < cfg->target_count; i++) {
			if (!target_reachable(&cfg->targets[i], who->initiator))
				continue;
			enum discovery_status s = list_target(cfg, i, who->initiator, out);
			if (s != DISCOVERY_OK)
				return s;
		}
		return DISCOVERY_OK;
	}
	uint32_t ti;
	if (value_len == 0) {
		if (who->discovery_session)
			return DISCOVERY_OK;
		ti = who->target;
	} else {
		ti = access_target(cfg, value, value_len);
		if (ti == ACCESS_NONE || (!who->discovery_session && ti != who->target))
			return DISCOVERY_OK;
	}
	if (ti >= cfg->target_count || !target_reachable(&cfg->targets[ti], who->initiator))
		return DISCOVERY_OK;
	return list_target(cfg, ti, who->initiator, out);
}
