/* access: who may log in where, read from the configuration. Finding a
 * target by name, the portal group of a target that serves a portal, and
 * the ACL entry (or open access) that admits an initiator to a portal
 * group. Shared by the login (RFC 7143 §6.3) and SendTargets (Appendix C),
 * so that discovery lists exactly what a login would admit.
 *
 * Pure lookups over the read-only configuration; owns nothing.
 */
#ifndef RT_ACCESS_H
#define RT_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define ACCESS_NONE UINT32_MAX

/* Index of the target named name (len bytes), or ACCESS_NONE. */
uint32_t access_target(const struct rt_config *cfg, const char *name, size_t len);

/* Index in target->tpgs of the portal group serving cfg->portals[portal],
 * or ACCESS_NONE. */
uint32_t access_tpg_for_portal(const struct rt_target_cfg *t, uint32_t portal);

/* The ACL entry naming this initiator in the portal group, or NULL. */
const struct rt_acl_cfg *access_acl(const struct rt_tpg_cfg *tpg, const char *initiator);

/* Whether the initiator may log in through the portal group: an ACL entry
 * names it, or the group has open access. */
bool access_allowed(const struct rt_tpg_cfg *tpg, const char *initiator);

#endif
