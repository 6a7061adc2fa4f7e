/* scenario: see scenario.h. One table names every setting once: parsing
 * and formatting both walk it, so the two can never disagree. */
#include "sim/spec/scenario.h"
#include "sim/spec/values.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "sim/base/textout.h"
#include "sim/base/time.h"

enum vtype {
	V_INT,    /* int */
	V_U32,
	V_U64,
	V_TIME,   /* uint64_t ns; written with a unit */
	V_PPM,    /* uint32_t parts per million; written as a percentage */
	V_BOOL,
	V_ENUM,   /* an enum, by the names in key.names */
	V_NO_PATH_RETRY,
	V_ALGS,   /* char[16] */
	V_INI_OPT, /* int: an initiator, or "none" (-1) */
	V_PR_TYPE, /* uint32_t SPC-4 reservation type, by name */
	V_TIME_OFF, /* uint64_t ns, 0 written "off" */
};

struct key {
	const char *section;
	const char *name;
	enum vtype type;
	size_t off;
	const char *const *names; /* V_ENUM: value i is names[i] */
	int nnames;
};

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
static const struct key keys[] = {
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
#define NKEYS (sizeof(keys) / sizeof(keys[0]))


static const char *const sections[] = { "topology", "run", "lu", "target", "initiator", "multipath", "workload",
	"disk", "net", "cluster", "reservation" };

/* ---- values: spec/values.h ---- */

/* Where key k lives: in the world's settings, or (ini >= 0, a workload
 * key) in host ini's own workload (workload ini=I ...). */
static uint8_t *field_of(struct sim_params *p, const struct key *k, int ini)
{
	return ini < 0 ? (uint8_t *)p + k->off : (uint8_t *)&p->host_wl[ini].wl + (k->off - offsetof(struct sim_params, wl));
}

static bool set_value(uint8_t *f, const struct key *k, const char *v)
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

static void fmt_value(const uint8_t *f, const struct key *k, char *out, size_t cap)
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

/* ---- parsing ---- */

/* Which line set what: validation runs after the whole text is read (a
 * fault may come before the topology it names), and its errors name the
 * line that set the offending value. 0: not set by this text (a default,
 * a swarm draw, or an earlier text such as the scenario file under --set). */
struct parser {
	const char *origin; /* "FILE" in "FILE:LINE: why", or NULL for "line LINE: why" */
	int line;
	int key_line[NKEYS];
	int fault_line[FAULTS_MAX]; /* parallel to p->faults.f until faults_sort */
	int attack_line[ATTACKS_MAX]; /* parallel to p->attacks.a */
	int pr_line[PRS_MAX];         /* parallel to p->prs.a */
	char *err;
	size_t err_len;
};

static int verr(struct parser *ps, int line, const char *fmt, va_list ap)
{
	int n;
	if (ps->origin != NULL && line > 0)
		n = snprintf(ps->err, ps->err_len, "%s:%d: ", ps->origin, line);
	else if (ps->origin != NULL)
		n = snprintf(ps->err, ps->err_len, "%s: ", ps->origin);
	else
		n = snprintf(ps->err, ps->err_len, "line %d: ", line);
	if (n >= 0 && (size_t)n < ps->err_len)
		vsnprintf(ps->err + n, ps->err_len - (size_t)n, fmt, ap);
	return -1;
}

/* An error on the line being read. */
static int perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(ps, ps->line, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error found by validation, on the line given (0: none of this text). */
static int perr_at(struct parser *ps, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr_at(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr(ps, line, fmt, ap);
	va_end(ap);
	return -1;
}

static const struct key *find_key(const char *section, const char *name)
{
	for (size_t j = 0; j < NKEYS; j++)
		if (strcmp(keys[j].section, section) == 0 && strcmp(keys[j].name, name) == 0)
			return &keys[j];
	return NULL;
}

/* The line that set section.name last, 0 if none did. */
static int line_of(const struct parser *ps, const char *section, const char *name)
{
	const struct key *k = find_key(section, name);
	return k != NULL ? ps->key_line[k - keys] : 0;
}

/* The first of two lines that is known (the value's own line, else the
 * line of what it is checked against). */
static int either_line(int a, int b)
{
	return a > 0 ? a : b;
}

/* Split "k=v" in place. */
static bool split_kv(char *tok, char **k, char **v)
{
	char *eq = strchr(tok, '=');
	if (eq == NULL)
		return false;
	*eq = '\0';
	*k = tok;
	*v = eq + 1;
	return true;
}

static int parse_section(struct parser *ps, struct sim_params *p, const char *section, char **toks, int n)
{
	int ini = -1; /* "workload ini=I ...": host I's own workload */
	uint64_t u;
	if (strcmp(section, "workload") == 0 && n > 0 && strncmp(toks[0], "ini=", 4) == 0) {
		if (!values_parse_u64(toks[0] + 4, &u) || u >= SIM_INIS_MAX)
			return perr(ps, "bad value '%s' for workload ini (0..%d)", toks[0] + 4, SIM_INIS_MAX - 1);
		ini = (int)u;
		toks++;
		n--;
	}
	for (int i = 0; i < n; i++) {
		char *k, *v;
		if (!split_kv(toks[i], &k, &v))
			return perr(ps, "expected key=value, got '%s'", toks[i]);
		const struct key *found = find_key(section, k);
		if (found == NULL)
			return perr(ps, "unknown key '%s' in section '%s'", k, section);
		if (!set_value(field_of(p, found, ini), found, v))
			return perr(ps, "bad value '%s' for %s.%s", v, section, k);
		if (ini >= 0)
			p->host_wl[ini].set |= 1u << (found - find_key("workload", "qd"));
		else
			ps->key_line[found - keys] = ps->line;
	}
	return 0;
}

void scenario_host_workload(const struct sim_params *p, int ini, struct wl_cfg *cfg)
{
	const struct key *first = find_key("workload", "qd");
	for (const struct key *k = first; k < keys + NKEYS && strcmp(k->section, "workload") == 0; k++) {
		if (!(p->host_wl[ini].set & (1u << (k - first))))
			continue;
		size_t at = k->off - offsetof(struct sim_params, wl);
		size_t len = k->type == V_TIME || k->type == V_U64 ? sizeof(uint64_t) : sizeof(uint32_t);
		memcpy((uint8_t *)cfg + at, (const uint8_t *)&p->host_wl[ini].wl + at, len);
	}
}

static int parse_fault(struct parser *ps, struct sim_params *p, char **toks, int n)
{
	if (n < 1)
		return perr(ps, "fault without a kind");
	if (p->faults.n >= FAULTS_MAX)
		return perr(ps, "more than %u faults", FAULTS_MAX);
	struct fault f = { .kind = fault_kind_parse(toks[0]) };
	if (f.kind == F_KINDS)
		return perr(ps, "unknown fault kind '%s'", toks[0]);
	for (int i = 1; i < n; i++) {
		char *k, *v;
		uint64_t u;
		if (!split_kv(toks[i], &k, &v))
			return perr(ps, "expected key=value, got '%s'", toks[i]);
		bool ok;
		if (strcmp(k, "at") == 0)
			ok = scenario_parse_time(v, &f.at_ns);
		else if (strcmp(k, "for") == 0)
			ok = scenario_parse_time(v, &f.dur_ns);
		else if (strcmp(k, "ini") == 0)
			ok = values_parse_u64(v, &u) && u < SIM_INIS_MAX && ((f.ini = (int)u), true);
		else if (strcmp(k, "gw") == 0)
			ok = values_parse_u64(v, &u) && u < SIM_GWS_MAX && ((f.gw = (int)u), true);
		else if (strcmp(k, "dir") == 0)
			ok = (strcmp(v, "both") == 0 && ((f.dir = FD_BOTH), true)) ||
				(strcmp(v, "to_gw") == 0 && ((f.dir = FD_TO_GW), true)) ||
				(strcmp(v, "to_ini") == 0 && ((f.dir = FD_TO_INI), true));
		else if (strcmp(k, "a") == 0)
			ok = values_parse_u64(v, &f.a);
		else if (strcmp(k, "b") == 0)
			ok = values_parse_u64(v, &f.b);
		else
			return perr(ps, "unknown fault key '%s'", k);
		if (!ok)
			return perr(ps, "bad value '%s' for fault %s", v, k);
	}
	ps->fault_line[p->faults.n] = ps->line;
	p->faults.f[p->faults.n++] = f;
	return 0;
}

static int parse_attack(struct parser *ps, struct sim_params *p, char **toks, int n)
{
	if (p->attacks.n >= ATTACKS_MAX)
		return perr(ps, "more than %u attacks", ATTACKS_MAX);
	char why[160];
	if (attack_parse(toks, n, &p->attacks.a[p->attacks.n], why, sizeof(why)) != 0)
		return perr(ps, "%s", why);
	ps->attack_line[p->attacks.n++] = ps->line;
	return 0;
}

static int parse_pr(struct parser *ps, struct sim_params *p, char **toks, int n)
{
	if (p->prs.n >= PRS_MAX)
		return perr(ps, "more than %u pr lines", PRS_MAX);
	char why[160];
	if (prs_parse(toks, n, p->prs.n, &p->prs.a[p->prs.n], why, sizeof(why)) != 0)
		return perr(ps, "%s", why);
	ps->pr_line[p->prs.n++] = ps->line;
	return 0;
}

/* `without KIND`: drop the attacks of that kind (ATK_KINDS: all). */
static void drop_attacks(struct parser *ps, struct sim_params *p, enum attack_kind k)
{
	unsigned keep = 0;
	for (unsigned j = 0; j < p->attacks.n; j++) {
		if (k == ATK_KINDS || p->attacks.a[j].kind == k)
			continue;
		ps->attack_line[keep] = ps->attack_line[j];
		p->attacks.a[keep++] = p->attacks.a[j];
	}
	p->attacks.n = keep;
}

static int parse_line(struct parser *ps, struct sim_params *p, struct scenario_expect *e, char *line)
{
	char *toks[64];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t != NULL; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == 64)
			return perr(ps, "too many words");
		toks[n++] = t;
	}
	if (n == 0)
		return 0;
	if (strcmp(toks[0], "seed") == 0) {
		if (n != 2 || !values_parse_u64(toks[1], &p->seed))
			return perr(ps, "seed takes one number");
		return 0;
	}
	if (strcmp(toks[0], "fault") == 0)
		return parse_fault(ps, p, toks + 1, n - 1);
	if (strcmp(toks[0], "attack") == 0)
		return parse_attack(ps, p, toks + 1, n - 1);
	if (strcmp(toks[0], "pr") == 0)
		return parse_pr(ps, p, toks + 1, n - 1);
	if (strcmp(toks[0], "without") == 0) {
		/* Drop every fault (or attack) of the kinds named (on top of a swarm draw). */
		for (int i = 1; i < n; i++) {
			enum attack_kind ak = attack_kind_parse(toks[i]);
			if (strcmp(toks[i], "pr") == 0) {
				p->prs.n = 0;
				continue;
			}
			if (strcmp(toks[i], "attacks") == 0 || ak != ATK_KINDS) {
				drop_attacks(ps, p, ak);
				continue;
			}
			enum fault_kind k = fault_kind_parse(toks[i]);
			if (k == F_KINDS)
				return perr(ps, "unknown fault or attack kind '%s'", toks[i]);
			unsigned keep = 0;
			for (unsigned j = 0; j < p->faults.n; j++) {
				if (p->faults.f[j].kind == k)
					continue;
				ps->fault_line[keep] = ps->fault_line[j];
				p->faults.f[keep++] = p->faults.f[j];
			}
			p->faults.n = keep;
		}
		return 0;
	}
	if (strcmp(toks[0], "expect") == 0) {
		char why[160];
		if (expect_parse(e, toks + 1, n - 1, why, sizeof(why)) != 0)
			return perr(ps, "%s", why);
		return 0;
	}
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(toks[0], sections[i]) == 0)
			return parse_section(ps, p, toks[0], toks + 1, n - 1);
	return perr(ps, "unknown line '%s'", toks[0]);
}

static int validate_faults(struct parser *ps, const struct sim_params *p)
{
	int gws_line = line_of(ps, "topology", "gateways"), inis_line = line_of(ps, "topology", "initiators");
	for (unsigned i = 0; i < p->faults.n; i++) {
		const struct fault *f = &p->faults.f[i];
		const char *kind = fault_kind_name(f->kind);
		if (f->ini >= p->initiators)
			return perr_at(ps, either_line(ps->fault_line[i], inis_line),
				"fault %s ini=%d names an initiator that does not exist (topology initiators=%d)", kind,
				f->ini, p->initiators);
		if (f->gw >= p->gateways)
			return perr_at(ps, either_line(ps->fault_line[i], gws_line),
				"fault %s gw=%d names a gateway that does not exist (topology gateways=%d)", kind, f->gw,
				p->gateways);
	}
	return 0;
}

/* A byte count in [lo, hi], or an error on the line that set it. */
static int check_bytes(struct parser *ps, const char *key, uint64_t v, uint64_t lo, uint64_t hi, const char *why)
{
	if (v >= lo && v <= hi)
		return 0;
	return perr_at(ps, line_of(ps, "target", key), "target %s=%llu is out of range %llu..%llu (%s)", key,
		(unsigned long long)v, (unsigned long long)lo, (unsigned long long)hi, why);
}

/* The engine's own ranges for its memory knobs (core/config.c), checked
 * here so that an error names the scenario's line rather than a gateway
 * refusing its configuration. */
static int validate_mem(struct parser *ps, const struct sim_target_params *t)
{
	if (check_bytes(ps, "mem_budget", t->mem_budget_bytes, RT_MEM_BUDGET_MIN, RT_MEM_BUDGET_MAX,
		    "limits.h RT_MEM_BUDGET_MIN..MAX") != 0 ||
		check_bytes(ps, "session_mem_max", t->session_mem_max_bytes, RT_SESSION_MEM_FLOOR, t->mem_budget_bytes,
			"at least 1 MiB, at most mem_budget") != 0 ||
		check_bytes(ps, "session_mem_min", t->session_mem_min_bytes, RT_SESSION_MEM_FLOOR,
			t->session_mem_max_bytes, "at least 1 MiB, at most session_mem_max") != 0 ||
		check_bytes(ps, "conn_unsent_max", t->conn_unsent_max_bytes, RT_CONN_UNSENT_MIN, t->mem_budget_bytes,
			"at least 64 KiB, at most mem_budget") != 0)
		return -1;
	return 0;
}

static int validate(struct parser *ps, const struct sim_params *p)
{
	if (p->gateways < 1 || p->gateways > SIM_GWS_MAX)
		return perr_at(ps, line_of(ps, "topology", "gateways"), "topology gateways=%d is out of range 1..%d",
			p->gateways, SIM_GWS_MAX);
	if (p->initiators < 1 || p->initiators > SIM_INIS_MAX)
		return perr_at(ps, line_of(ps, "topology", "initiators"), "topology initiators=%d is out of range 1..%d",
			p->initiators, SIM_INIS_MAX);
	if (p->paths < 1 || p->paths > SIM_PATHS_MAX)
		return perr_at(ps, line_of(ps, "topology", "paths"), "topology paths=%d is out of range 1..%d", p->paths,
			SIM_PATHS_MAX);
	if (p->block_size != 512 && p->block_size != 4096)
		return perr_at(ps, line_of(ps, "lu", "block_size"), "block_size must be 512 or 4096");
	if (p->blocks < 16 || p->blocks > (1u << 20))
		return perr_at(ps, line_of(ps, "lu", "blocks"), "blocks must be 16..1048576");
	char why[160]; /* the world's workload line, then each host's over it */
	if (wl_cfg_check(&p->wl, p->block_size, why, sizeof(why)) != 0)
		return perr_at(ps, either_line(line_of(ps, "workload", "max_blocks"), line_of(ps, "workload", "qd")), "workload %s", why);
	for (int h = 0; h < SIM_INIS_MAX; h++) {
		struct wl_cfg c = p->wl;
		scenario_host_workload(p, h, &c);
		if (wl_cfg_check(&c, p->block_size, why, sizeof(why)) != 0)
			return perr_at(ps, 0, "workload ini=%d: %s", h, why);
	}
	if (p->tgt.error_recovery_level > RT_ERL_IMPLEMENTED)
		return perr_at(ps, line_of(ps, "target", "error_recovery_level"),
			"target error_recovery_level=%u is out of range 0..%u (limits.h RT_ERL_IMPLEMENTED)",
			p->tgt.error_recovery_level, RT_ERL_IMPLEMENTED);
	if (p->ini.connections < 1 || p->ini.connections > ISESS_CONNS_MAX ||
		p->paths * (int)p->ini.connections > SIM_PATHS_MAX)
		return perr_at(ps, line_of(ps, "initiator", "connections"),
			"initiator connections=%u is out of range 1..%u (session.h ISESS_CONNS_MAX), with paths x connections <= %d",
			p->ini.connections, ISESS_CONNS_MAX, SIM_PATHS_MAX);
	if (p->ini.error_recovery_level > ISESS_ERL_IMPLEMENTED)
		return perr_at(ps, line_of(ps, "initiator", "error_recovery_level"),
			"initiator error_recovery_level=%u is out of range 0..%u (session.h ISESS_ERL_IMPLEMENTED)",
			p->ini.error_recovery_level, ISESS_ERL_IMPLEMENTED);
	if (validate_faults(ps, p) != 0 || validate_mem(ps, &p->tgt) != 0)
		return -1;
	for (unsigned i = 0; i < p->attacks.n; i++)
		if (p->attacks.a[i].gw >= p->gateways)
			return perr_at(ps, either_line(ps->attack_line[i], line_of(ps, "topology", "gateways")),
				"attack %s gw=%d names a gateway that does not exist (topology gateways=%d)",
				attack_kind_name(p->attacks.a[i].kind), p->attacks.a[i].gw, p->gateways);
	if (p->initiators + (int)p->attacks.n > SIM_NODES_MAX)
		return perr_at(ps, line_of(ps, "topology", "initiators"),
			"%d initiators and %u attacks: more than %d initiator nodes", p->initiators, p->attacks.n,
			SIM_NODES_MAX);
	for (unsigned i = 0; i < p->prs.n; i++)
		if (p->prs.a[i].ini >= p->initiators || p->prs.a[i].path >= p->paths)
			return perr_at(ps, either_line(ps->pr_line[i], line_of(ps, "topology", "initiators")),
				"pr %s ini=%d path=%d names a path that does not exist (topology initiators=%d paths=%d)",
				prs_kind_name(p->prs.a[i].kind), p->prs.a[i].ini, p->prs.a[i].path, p->initiators,
				p->paths);
	if (p->cluster.optimized < 0 || p->cluster.optimized >= p->gateways)
		return perr_at(ps,
			either_line(line_of(ps, "topology", "optimized"), line_of(ps, "topology", "gateways")),
			"topology optimized=%d names a gateway that does not exist (gateways=%d)", p->cluster.optimized,
			p->gateways);
	if (p->pr.holder >= p->initiators)
		return perr_at(ps,
			either_line(line_of(ps, "reservation", "holder"), line_of(ps, "topology", "initiators")),
			"reservation holder=%d names an initiator that does not exist (initiators=%d)", p->pr.holder,
			p->initiators);
	if (p->wl.hb_interval_ns != 0 && (p->initiators > (int)WL_HB_BLOCKS || p->blocks <= 2 * WL_HB_BLOCKS))
		return perr_at(ps, line_of(ps, "workload", "heartbeat"),
			"workload heartbeat= needs at most %u initiators and more than %u blocks", WL_HB_BLOCKS,
			2 * WL_HB_BLOCKS);
	return 0;
}

int scenario_parse(const char *text, struct sim_params *p, struct scenario_expect *e, char *err, size_t err_len)
{
	return scenario_parse_from(NULL, text, p, e, err, err_len);
}

int scenario_parse_from(const char *origin, const char *text, struct sim_params *p, struct scenario_expect *e,
	char *err, size_t err_len)
{
	struct parser ps = { .origin = origin, .err = err, .err_len = err_len };
	*e = (struct scenario_expect){ .bound_metric = METRIC_COUNT };
	char line[4096];
	const char *s = text;
	while (*s != '\0') {
		ps.line++;
		size_t len = strcspn(s, "\n");
		if (len >= sizeof(line))
			return perr(&ps, "line too long");
		memcpy(line, s, len);
		line[len] = '\0';
		s += len + (s[len] == '\n');
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		if (parse_line(&ps, p, e, line) != 0)
			return -1;
	}
	/* Validate before sorting: fault_line follows the faults' order as read. */
	if (validate(&ps, p) != 0)
		return -1;
	faults_sort(&p->faults);
	return 0;
}

/* ---- formatting ---- */

size_t scenario_format(const struct sim_params *p, const struct scenario_expect *e, char *buf, size_t cap)
{
	struct textout o = { buf, cap, 0 };
	if (cap > 0)
		buf[0] = '\0';
	textout(&o, "# isim scenario (format: sim/README.md)\nseed %llu\n", (unsigned long long)p->seed);
	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		textout(&o, "%s", sections[s]);
		for (size_t i = 0; i < NKEYS; i++) {
			if (strcmp(keys[i].section, sections[s]) != 0)
				continue;
			char v[64];
			fmt_value((const uint8_t *)p + keys[i].off, &keys[i], v, sizeof(v));
			textout(&o, " %s=%s", keys[i].name, v);
		}
		textout(&o, "\n");
	}
	const struct key *wk = find_key("workload", "qd");
	for (int h = 0; h < SIM_INIS_MAX; h++) {
		if (p->host_wl[h].set == 0)
			continue;
		textout(&o, "workload ini=%d", h);
		for (const struct key *k = wk; k < keys + NKEYS && strcmp(k->section, "workload") == 0; k++) {
			char v[64];
			if (!(p->host_wl[h].set & (1u << (k - wk))))
				continue;
			fmt_value((const uint8_t *)&p->host_wl[h].wl + (k->off - offsetof(struct sim_params, wl)), k, v,
				sizeof(v));
			textout(&o, " %s=%s", k->name, v);
		}
		textout(&o, "\n");
	}
	for (unsigned i = 0; i < p->faults.n; i++) {
		const struct fault *f = &p->faults.f[i];
		char at[32], dur[32];
		scenario_format_time(at, sizeof(at), f->at_ns);
		scenario_format_time(dur, sizeof(dur), f->dur_ns);
		textout(&o, "fault %s at=%s", fault_kind_name(f->kind), at);
		if (f->dur_ns != 0)
			textout(&o, " for=%s", dur);
		textout(&o, " ini=%d gw=%d", f->ini, f->gw);
		if (f->kind == F_PARTITION || f->kind == F_NOISE)
			textout(&o, " dir=%s", fault_dir_name(f->dir));
		if (f->a != 0)
			textout(&o, " a=%llu", (unsigned long long)f->a);
		if (f->b != 0)
			textout(&o, " b=%llu", (unsigned long long)f->b);
		textout(&o, "\n");
	}
	for (unsigned i = 0; i < p->attacks.n; i++) {
		char line[512];
		attack_format(&p->attacks.a[i], line, sizeof(line));
		textout(&o, "attack %s\n", line);
	}
	for (unsigned i = 0; i < p->prs.n; i++) {
		char line[256];
		prs_format(&p->prs.a[i], line, sizeof(line));
		textout(&o, "pr %s\n", line);
	}
	if (e != NULL) {
		size_t need = expect_format(e, o.len < o.cap ? o.buf + o.len : NULL, o.len < o.cap ? o.cap - o.len : 0);
		o.len += need;
	}
	return o.len;
}
