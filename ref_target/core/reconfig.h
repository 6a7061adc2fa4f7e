/* reconfig: a running engine takes a new configuration (live management,
 * targetcli's vocabulary in the daemon's control socket) and applies the
 * difference without touching what did not change.
 *
 * What a change does to the sessions (SPC-4 §6.37, SAM-5 §6.3):
 *  - a session whose target, portal group or access (ACL entry, or open
 *    access) is gone ends, with its tasks, exactly as if its connections
 *    had dropped (I_T nexus loss);
 *  - a session whose LUN inventory changed (a LUN mapped, unmapped, or
 *    pointing at another LU) keeps going with the new map and is owed
 *    3F/0E REPORTED LUNS DATA HAS CHANGED on each LU it kept (a newly
 *    mapped LU greets it with POWER ON, RESET first; only when it kept
 *    none do the new ones carry the 3F/0E); its
 *    commands already delivered to an unmapped LU complete normally (the LU
 *    lives on: see below), the next ones get LOGICAL UNIT NOT SUPPORTED;
 *  - every other session is untouched;
 *  - a connection still in its login phase is dropped: its login state
 *    points into the old configuration, and the initiator simply retries.
 *
 * LU and portal indices are stable for the life of the engine: the disk
 * I/O in flight names its LU by index (rt_disk_io.lu) and a connection its
 * portal. So the new configuration keeps every old LU at its index with the
 * same geometry (an LU nobody maps any more is how a creator retires one),
 * may append LUs, keeps every old portal and may append portals. Identity
 * strings (serial, vendor, ...) and ALUA entries of a kept LU are taken
 * from the new configuration; its runtime ALUA state stays as it is.
 *
 * Ownership: after a successful call the engine reads only new_cfg; the
 * creator may free the old one. On failure nothing changed.
 */
#ifndef RT_RECONFIG_H
#define RT_RECONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "engine.h"

/* What a reconfiguration did, for the caller's answer and for tests. */
struct rt_reconfig_result {
	uint32_t sessions_ended;     /* target, group or access gone */
	uint32_t sessions_remapped;  /* LUN inventory changed: 3F/0E owed */
	uint32_t logins_dropped;     /* connections caught in their login phase */
	uint32_t lus_added;
};

/* Apply new_cfg (validated here with cfg_validate as well). Returns 0, or
 * -1 with "path: why" in err (cfg_validate's form) and nothing changed. */
int rt_engine_reconfigure(struct rt_engine *eng, const struct rt_config *new_cfg, struct rt_reconfig_result *res,
			  char *err, size_t err_len);

#endif
