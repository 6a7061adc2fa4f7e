/* fault: see fault.h. */
#include "sim/spec/fault.h"

#include <string.h>

#include "sim/base/time.h"

static const char *const kind_names[F_KINDS] = {
	[F_PARTITION] = "partition", [F_STALL] = "stall", [F_RESET] = "reset",
	[F_SLOW] = "slow_link", [F_GW_CRASH] = "gw_crash", [F_GW_POWER] = "gw_power_off",
	[F_GW_PAUSE] = "gw_pause", [F_GW_SHUTDOWN] = "gw_shutdown", [F_DISK_POWER] = "disk_power_loss",
	[F_DISK_BAD] = "disk_bad_range", [F_DISK_SLOW] = "disk_slow", [F_ALLOC_FAIL] = "alloc_fail",
	[F_ALUA_FAILOVER] = "alua_failover", [F_LOGIN_DROP] = "login_drop", [F_SWIZZLE] = "swizzle",
	[F_NOISE] = "noise", [F_LUN_UNMAP] = "lun_unmap", [F_LOGOUT] = "logout", [F_INI_EXIT] = "iscsid_exit",
};

const char *fault_kind_name(enum fault_kind k)
{
	return k < F_KINDS ? kind_names[k] : "unknown";
}

enum fault_scope fault_scope(enum fault_kind k)
{
	switch (k) {
	case F_PARTITION:
	case F_STALL:
	case F_RESET:
	case F_SLOW:
	case F_LOGIN_DROP:
	case F_SWIZZLE:
	case F_NOISE:
	case F_LOGOUT:
		return FS_LINK;
	case F_INI_EXIT:
		return FS_HOST;
	case F_GW_CRASH:
	case F_GW_POWER:
	case F_GW_PAUSE:
	case F_GW_SHUTDOWN:
	case F_DISK_SLOW: /* one gateway's way to the disk */
	case F_ALLOC_FAIL:
	case F_ALUA_FAILOVER:
	case F_LUN_UNMAP:
		return FS_GATEWAY;
	case F_DISK_POWER:
	case F_DISK_BAD:
	case F_KINDS:
		break;
	}
	return FS_DISK;
}

enum fault_kind fault_kind_parse(const char *s)
{
	for (int k = 0; k < F_KINDS; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return (enum fault_kind)k;
	return F_KINDS;
}

const char *fault_dir_name(enum fault_dir d)
{
	switch (d) {
	case FD_TO_GW: return "to_gw";
	case FD_TO_INI: return "to_ini";
	case FD_BOTH: break;
	}
	return "both";
}

uint64_t faults_last_heal(const struct fault_list *l)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < l->n; i++)
		if (l->f[i].at_ns + l->f[i].dur_ns > t)
			t = l->f[i].at_ns + l->f[i].dur_ns;
	return t;
}

uint64_t faults_first_at(const struct fault_list *l)
{
	uint64_t t = SIM_NEVER;
	for (unsigned i = 0; i < l->n; i++)
		if (l->f[i].at_ns < t)
			t = l->f[i].at_ns;
	return t;
}

void faults_sort(struct fault_list *l)
{
	for (unsigned i = 1; i < l->n; i++) {
		struct fault f = l->f[i];
		unsigned j = i;
		while (j > 0 && l->f[j - 1].at_ns > f.at_ns) {
			l->f[j] = l->f[j - 1];
			j--;
		}
		l->f[j] = f;
	}
}
