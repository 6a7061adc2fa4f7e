/* scenario_keys: the table that names every setting of the scenario
 * language once (section, name, type, where it lives in struct
 * sim_params), and the conversions of one value to and from its text.
 * scenario.c's parser and formatter both walk it, so the two can never
 * disagree. */
#include "sim/spec/scenario_int.h"
#include "sim/spec/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "sim/base/time.h"


static const char *const selectors[] = { "round-robin", "queue-length", "service-time" };
static const char *const failbacks[] = { "immediate", "manual" };
static const char *const alua_modes[] = { "off", "implicit", "explicit" };
static const char *const prefers[] = { "auto", "owner", "spread" };
static const char *const lock_ons[] = { "write", "io" };
static const char *const lock_losts[] = { "transition", "standby", "drop" };
static const char *const checkers[] = { "tur", "directio", "readsector0" }; /* enum mp_checker */
static const char *const groupings[] = { "group_by_prio", "multibus" };         /* enum mp_grouping */
static const char *const hwhandlers[] = { "checker", "none", "alua" };          /* enum mp_hwhandler */
static const char *const illegal_requests[] = { "target", "path" }; /* enum mp_illegal_request */
static const char *const escalations[] = { "drop", "linux", "task_set" }; /* enum isess_escalation */

#define K(sec, name, type, field) { sec, name, type, offsetof(struct sim_params, field), NULL, 0 }
#define KE(sec, name, names, field) \
	{ sec, name, V_ENUM, offsetof(struct sim_params, field), names, (int)(sizeof(names) / sizeof(names[0])) }
_Static_assert(sizeof(enum mp_selector) == sizeof(int) && sizeof(enum mp_failback) == sizeof(int) &&
		sizeof(enum alua_mode) == sizeof(int) && sizeof(enum prefer) == sizeof(int) && sizeof(enum lock_lost) ==
		sizeof(int) && sizeof(enum disk_lock_on) == sizeof(int) && sizeof(enum mp_illegal_request) == sizeof(int) &&
		sizeof(enum mp_checker) == sizeof(int) && sizeof(enum isess_escalation) == sizeof(int) &&
		sizeof(enum mp_grouping) == sizeof(int) && sizeof(enum mp_hwhandler) == sizeof(int),
	"V_ENUM reads and writes an int");
const struct key skey_table[] = {
	K("topology", "gateways", V_INT, gateways),
	K("topology", "initiators", V_INT, initiators),
	K("topology", "paths", V_INT, paths),
	KE("topology", "alua", alua_modes, cluster.alua),
	K("topology", "optimized", V_INT, cluster.optimized),
	KE("topology", "prefer", prefers, cluster.prefer),
	K("run", "duration", V_TIME, duration_ns),
	K("run", "liveness", V_TIME, liveness_ns),
	K("run", "zero_copy_rx", V_PPM, zero_copy_rx_ppm),
	K("run", "draw_erl", V_BOOL, draw_erl),
	K("run", "draw_mcs", V_BOOL, draw_mcs),
	K("run", "draw_hosts", V_BOOL, draw_hosts),
	K("run", "draw_pr_shared", V_BOOL, draw_pr_shared),
	K("run", "draw_mpath", V_BOOL, draw_mpath),
	K("lu", "blocks", V_U64, blocks),
	K("lu", "block_size", V_U32, block_size),
	K("target", "cmd_window", V_U32, tgt.cmd_window),
	K("target", "mrdsl", V_U32, tgt.mrdsl),
	K("target", "max_burst", V_U32, tgt.max_burst_length),
	K("target", "first_burst", V_U32, tgt.first_burst_length),
	K("target", "max_r2t", V_U32, tgt.max_outstanding_r2t),
	K("target", "initial_r2t", V_BOOL, tgt.initial_r2t),
	K("target", "immediate_data", V_BOOL, tgt.immediate_data),
	K("target", "header_digest", V_BOOL, tgt.header_digest),
	K("target", "data_digest", V_BOOL, tgt.data_digest),
	K("target", "nop_interval_ms", V_U32, tgt.nop_in_interval_ms),
	K("target", "nop_timeout_ms", V_U32, tgt.nop_in_timeout_ms),
	K("target", "error_recovery_level", V_U32, tgt.error_recovery_level),
	K("target", "max_connections", V_U32, tgt.max_connections),
	K("target", "chap", V_BOOL, tgt.chap),
	K("target", "mutual_chap", V_BOOL, tgt.mutual_chap),
	K("target", "wce", V_BOOL, tgt.wce),
	K("target", "backend_timeout", V_TIME, tgt.backend_timeout_ns),
	K("target", "mem_budget", V_U64, tgt.mem_budget_bytes),
	K("target", "session_mem_max", V_U64, tgt.session_mem_max_bytes),
	K("target", "session_mem_min", V_U64, tgt.session_mem_min_bytes),
	K("target", "conn_unsent_max", V_U64, tgt.conn_unsent_max_bytes),
	KE("target", "lock_lost", lock_losts, tgt.lock_lost),
	K("target", "pr_shared", V_BOOL, tgt.pr_shared),
	K("target", "pr_fence_silent", V_BOOL, tgt.pr_fence_silent),
	K("initiator", "mrdsl", V_U32, ini.mrdsl),
	K("initiator", "max_burst", V_U32, ini.max_burst_length),
	K("initiator", "first_burst", V_U32, ini.first_burst_length),
	K("initiator", "max_r2t", V_U32, ini.max_outstanding_r2t),
	K("initiator", "initial_r2t", V_BOOL, ini.initial_r2t),
	K("initiator", "immediate_data", V_BOOL, ini.immediate_data),
	K("initiator", "header_digest", V_BOOL, ini.header_digest),
	K("initiator", "data_digest", V_BOOL, ini.data_digest),
	K("initiator", "error_recovery_level", V_U32, ini.error_recovery_level),
	K("initiator", "connections", V_U32, ini.connections),
	K("initiator", "skip_security", V_BOOL, ini.skip_security),
	K("initiator", "chap_algs", V_ALGS, ini.chap_algs),
	K("initiator", "noop_interval", V_TIME, ini.noop_interval_ns),
	K("initiator", "noop_timeout", V_TIME, ini.noop_timeout_ns),
	K("initiator", "login_timeout", V_TIME, ini.login_timeout_ns),
	K("initiator", "replacement_timeout", V_TIME, ini.replacement_timeout_ns),
	K("initiator", "cmd_timeout", V_TIME, ini.cmd_timeout_ns),
	K("initiator", "tmf_timeout", V_TIME, ini.tmf_timeout_ns),
	K("initiator", "reconnect_delay", V_TIME, ini.reconnect_delay_ns),
	K("initiator", "logout_timeout", V_TIME, ini.logout_timeout_ns),
	KE("initiator", "tmf_escalation", escalations, ini.escalation),
	KE("multipath", "selector", selectors, mp.selector),
	K("multipath", "rr_min_io", V_U32, mp.rr_min_io),
	KE("multipath", "failback", failbacks, mp.failback),
	K("multipath", "no_path_retry", V_NO_PATH_RETRY, mp.no_path_retry),
	K("multipath", "polling_interval", V_TIME, mp.polling_interval_ns),
	K("multipath", "retry_delay", V_TIME, mp.retry_delay_ns),
	K("multipath", "retries", V_U32, mp.retries_max),
	K("multipath", "alua", V_BOOL, mp.alua),
	K("multipath", "alua_wait", V_TIME, mp.alua_wait_ns),
	K("multipath", "transition_timeout", V_TIME, mp.transition_tmo_ns),
	K("multipath", "checker_timeout", V_TIME, mp.checker_timeout_ns),
	KE("multipath", "checker", checkers, mp.checker),
	K("multipath", "fast_io_fail_tmo", V_TIME_OFF, mp.fast_io_fail_ns),
	KE("multipath", "illegal_request", illegal_requests, mp.illegal_request),
	KE("multipath", "path_grouping_policy", groupings, mp.grouping),
	KE("multipath", "hardware_handler", hwhandlers, mp.hwhandler),
	K("multipath", "marginal_path_double_failed_time", V_TIME_OFF, mp.marginal_double_failed_ns),
	K("multipath", "marginal_path_err_sample_time", V_TIME_OFF, mp.marginal_sample_ns),
	K("multipath", "marginal_path_err_rate_threshold", V_U32, mp.marginal_err_rate_permille),
	K("multipath", "marginal_path_err_recheck_gap_time", V_TIME_OFF, mp.marginal_recheck_gap_ns),
	K("workload", "qd", V_U32, wl.qd),
	K("workload", "think", V_TIME, wl.think_mean_ns),
	K("workload", "start", V_TIME, wl.start_at_ns),
	K("workload", "read", V_U32, wl.weight[WL_READ]),
	K("workload", "write", V_U32, wl.weight[WL_WRITE]),
	K("workload", "write_fua", V_U32, wl.weight[WL_WRITE_FUA]),
	K("workload", "flush", V_U32, wl.weight[WL_FLUSH]),
	K("workload", "unmap", V_U32, wl.weight[WL_UNMAP]),
	K("workload", "caw", V_U32, wl.weight[WL_CAW]),
	K("workload", "odd", V_U32, wl.weight[WL_ODD]),
	K("workload", "max_blocks", V_U32, wl.max_blocks),
	K("workload", "hot_blocks", V_U64, wl.hot_blocks),
	K("workload", "hot", V_PPM, wl.hot_ppm),
	K("workload", "heartbeat", V_TIME, wl.hb_interval_ns),
	K("disk", "read_min", V_TIME, disk.read_lat.min_ns),
	K("disk", "read_mean", V_TIME, disk.read_lat.exp_mean_ns),
	K("disk", "read_spike", V_PPM, disk.read_lat.spike_ppm),
	K("disk", "read_spike_max", V_TIME, disk.read_lat.spike_ns),
	K("disk", "write_min", V_TIME, disk.write_lat.min_ns),
	K("disk", "write_mean", V_TIME, disk.write_lat.exp_mean_ns),
	K("disk", "write_spike", V_PPM, disk.write_lat.spike_ppm),
	K("disk", "write_spike_max", V_TIME, disk.write_lat.spike_ns),
	K("disk", "flush_min", V_TIME, disk.flush_lat.min_ns),
	K("disk", "flush_mean", V_TIME, disk.flush_lat.exp_mean_ns),
	K("disk", "read_errors", V_PPM, disk.read_err_ppm),
	K("disk", "write_errors", V_PPM, disk.write_err_ppm),
	K("disk", "volatile_cache", V_BOOL, disk.volatile_cache),
	K("disk", "destage", V_PPM, disk.destage_ppm),
	K("disk", "misdirect", V_PPM, disk.misdirect_ppm),
	K("disk", "exclusive_lock", V_BOOL, disk.exclusive_lock),
	K("disk", "reopen_delay", V_TIME, disk.reopen_delay_ns),
	KE("disk", "lock_on", lock_ons, disk.lock_on),
	K("disk", "lock_break_fail", V_PPM, disk.lock_break_fail_ppm),
	K("disk", "reopen_fail", V_PPM, disk.reopen_fail_ppm),
	K("disk", "compare_write", V_BOOL, disk.compare_write),
	K("disk", "honor_flush", V_BOOL, honor_flush),
	K("net", "latency_min", V_TIME, net.latency.min_ns),
	K("net", "latency_mean", V_TIME, net.latency.exp_mean_ns),
	K("net", "latency_spike", V_PPM, net.latency.spike_ppm),
	K("net", "latency_spike_max", V_TIME, net.latency.spike_ns),
	K("net", "split", V_PPM, net.split_ppm),
	K("net", "tiny", V_PPM, net.tiny_ppm),
	K("net", "rst_latency", V_TIME, net.rst_latency_ns),
	K("net", "sockbuf", V_U64, net.sockbuf_bytes),
	K("cluster", "failover_delay", V_TIME, cluster.failover_delay_ns),
	K("cluster", "transition_max", V_TIME, cluster.transition_max_ns),
	K("reservation", "holder", V_INI_OPT, pr.holder),
	K("reservation", "type", V_PR_TYPE, pr.type),
	K("reservation", "aptpl", V_BOOL, pr.aptpl),
	K("reservation", "at", V_TIME, pr.at_ns),
	K("reservation", "cluster_fencing", V_BOOL, pr.cluster_fencing),
};
const size_t skey_count = sizeof(skey_table) / sizeof(skey_table[0]);
_Static_assert(sizeof(skey_table) / sizeof(skey_table[0]) <= SKEY_MAX, "SKEY_MAX holds every key");


const char *const skey_sections[] = { "topology", "run", "lu", "target", "initiator", "multipath", "workload",
	"disk", "net", "cluster", "reservation" };
const size_t skey_nsections = sizeof(skey_sections) / sizeof(skey_sections[0]);

/* ---- values: spec/values.h ---- */

/* Where key k lives: in the world's settings, or (ini >= 0, a workload
 * key) in host ini's own workload (workload ini=I ...). */
uint8_t *skey_field(struct sim_params *p, const struct key *k, int ini)
{
	return ini < 0 ? (uint8_t *)p + k->off : (uint8_t *)&p->host_wl[ini].wl + (k->off - offsetof(struct sim_params, wl));
}

bool skey_set(uint8_t *f, const struct key *k, const char *v)
{
	uint64_t u;
	switch (k->type) {
	case V_INT:
		if (!values_parse_u64(v, &u) || u > 1000)
			return false;
		*(int *)f = (int)u;
		return true;
	case V_U32:
		if (!values_parse_u64(v, &u) || u > UINT32_MAX)
			return false;
		*(uint32_t *)f = (uint32_t)u;
		return true;
	case V_U64:
		return values_parse_u64(v, (uint64_t *)f);
	case V_TIME:
		return scenario_parse_time(v, (uint64_t *)f);
	case V_TIME_OFF:
		if (strcmp(v, "off") == 0) {
			*(uint64_t *)f = 0;
			return true;
		}
		/* 0 is refused, as multipathd refuses it on iSCSI. */
		if (!scenario_parse_time(v, &u) || u == 0 || u > MP_FAST_IO_FAIL_MAX_NS)
			return false;
		*(uint64_t *)f = u;
		return true;
	case V_PPM:
		return values_parse_ppm(v, (uint32_t *)f);
	case V_BOOL:
		return values_parse_bool(v, (bool *)f);
	case V_ENUM: {
		/* Every enum here is int-sized with values 0..n-1. */
		int i = values_parse_name(v, k->names, k->nnames);
		if (i < 0)
			return false;
		*(int *)f = i;
		return true;
	}
	case V_NO_PATH_RETRY:
		if (strcmp(v, "queue") == 0)
			*(int *)f = MP_NO_PATH_RETRY_QUEUE;
		else if (strcmp(v, "fail") == 0)
			*(int *)f = MP_NO_PATH_RETRY_FAIL;
		else if (values_parse_u64(v, &u) && u >= 1 && u <= 1000)
			*(int *)f = (int)u;
		else
			return false;
		return true;
	case V_ALGS:
		if (strlen(v) >= sizeof(((struct sim_ini_params *)0)->chap_algs) || strspn(v, "0123456789,") != strlen(v))
			return false;
		memcpy(f, v, strlen(v) + 1);
		return true;
	case V_INI_OPT:
		if (strcmp(v, "none") == 0)
			*(int *)f = -1;
		else if (values_parse_u64(v, &u) && u < SIM_INIS_MAX)
			*(int *)f = (int)u;
		else
			return false;
		return true;
	case V_PR_TYPE: {
		int i = prs_type_parse(v); /* SPC-4 §5.13.1, the `pr` lines' names */
		if (i < 0)
			return false;
		*(uint32_t *)f = (uint32_t)i;
		return true;
	}
	}
	return false;
}

void skey_fmt(const uint8_t *f, const struct key *k, char *out, size_t cap)
{
	switch (k->type) {
	case V_INT:
		snprintf(out, cap, "%d", *(const int *)f);
		return;
	case V_U32:
		snprintf(out, cap, "%u", *(const uint32_t *)f);
		return;
	case V_U64:
		snprintf(out, cap, "%llu", (unsigned long long)*(const uint64_t *)f);
		return;
	case V_TIME:
		scenario_format_time(out, cap, *(const uint64_t *)f);
		return;
	case V_TIME_OFF:
		if (*(const uint64_t *)f == 0)
			snprintf(out, cap, "off");
		else
			scenario_format_time(out, cap, *(const uint64_t *)f);
		return;
	case V_PPM: {
		uint32_t v = *(const uint32_t *)f;
		if (v % 10000 == 0)
			snprintf(out, cap, "%u%%", v / 10000);
		else
			snprintf(out, cap, "%uppm", v);
		return;
	}
	case V_BOOL:
		snprintf(out, cap, "%s", *(const bool *)f ? "yes" : "no");
		return;
	case V_ENUM:
		snprintf(out, cap, "%s", k->names[*(const int *)f]);
		return;
	case V_NO_PATH_RETRY: {
		int v = *(const int *)f;
		if (v == MP_NO_PATH_RETRY_QUEUE)
			snprintf(out, cap, "queue");
		else if (v == MP_NO_PATH_RETRY_FAIL)
			snprintf(out, cap, "fail");
		else
			snprintf(out, cap, "%d", v);
		return;
	}
	case V_ALGS:
		snprintf(out, cap, "%s", (const char *)f);
		return;
	case V_INI_OPT:
		if (*(const int *)f < 0)
			snprintf(out, cap, "none");
		else
			snprintf(out, cap, "%d", *(const int *)f);
		return;
	case V_PR_TYPE: {
		uint32_t t = *(const uint32_t *)f;
		snprintf(out, cap, "%s", t <= UINT8_MAX ? prs_type_name_or((uint8_t)t, "we_ro") : "we_ro");
		return;
	}
	}
}

const struct key *skey_find(const char *section, const char *name)
{
	for (size_t j = 0; j < skey_count; j++)
		if (strcmp(skey_table[j].section, section) == 0 && strcmp(skey_table[j].name, name) == 0)
			return &skey_table[j];
	return NULL;
}
