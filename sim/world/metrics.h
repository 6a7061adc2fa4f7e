/* metrics: what a world measured, by name. The numbers a scenario's
 * bounds are checked against (expect.h: "expect latency_max<=40s"),
 * printed by `isim run` and put in the scenario table. The world fills
 * them at its end (world/measure.c); they say how the failover went, where
 * the oracles say only whether anything went wrong.
 * Owns nothing.
 */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metric_unit {
	MU_COUNT = 0,
	MU_TIME,    /* nanoseconds, written with a unit */
	MU_GATEWAY, /* a gateway index, -1 for none */
};

/* X(id, name, unit, what it counts) */
#define METRICS(X) \
	X(IO_OK, "io_ok", MU_COUNT, "application I/Os that completed GOOD, all initiators") \
	X(IO_OK_MIN, "io_ok_min", MU_COUNT, "the same, for the initiator that completed fewest (progress)") \
	X(IO_FAILED, "io_failed", MU_COUNT, "application I/Os that ended with an error (any)") \
	X(IO_PATH_FAILED, "io_path_failed", MU_COUNT, "of them, failed by multipath: no path left (no_path_retry) or transient errors beyond retries") \
	X(LATENCY_MAX, "latency_max", MU_TIME, "longest application I/O, submit to completion") \
	X(IO_STALL_MAX, "io_stall_max", MU_TIME, "longest stall: longest time an initiator had I/O outstanding and none completed GOOD") \
	X(FAILOVER, "failover", MU_TIME, "time to fail over, slowest initiator: from the first fault to the first I/O completed GOOD through another gateway than the one it was first sent to (0: none moved)") \
	X(PATH_FAILURES, "path_failures", MU_COUNT, "multipath path failures (I/O or checker): spurious ones when no fault touched the path") \
	X(GROUP_SWITCHES, "group_switches", MU_COUNT, "multipath path group switches (failovers and failbacks)") \
	X(LOCK_TRANSFERS, "lock_transfers", MU_COUNT, "exclusive lock moves between gateways") \
	X(DUAL_WRITERS, "dual_writers", MU_COUNT, "disk writes that landed from a gateway after another took over writing from it (submitted before the takeover: a zombie writer)") \
	X(MISCOMPARES, "miscompares", MU_COUNT, "COMPARE AND WRITE answered MISCOMPARE") \
	X(RESERVATION_CONFLICTS, "reservation_conflicts", MU_COUNT, "commands of unregistered initiators answered RESERVATION CONFLICT") \
	X(HOLDER_CONFLICTS, "holder_conflicts", MU_COUNT, "commands of the reservation holder answered RESERVATION CONFLICT") \
	X(ABORTS, "aborts", MU_COUNT, "ABORT TASK sent by initiators") \
	X(NOP_TIMEOUTS, "nop_timeouts", MU_COUNT, "initiator NOP-Out pings that went unanswered") \
	X(LOGINS, "logins", MU_COUNT, "successful logins") \
	X(LOGIN_FAILURES, "login_failures", MU_COUNT, "failed login attempts (refused, dropped, timed out)") \
	X(SESSIONS_REINSTATED, "sessions_reinstated", MU_COUNT, "sessions a gateway reinstated (closed the old one of the same ISID)") \
	X(RELOGIN_MAX, "relogin_max", MU_TIME, "longest time a path's session was down before it logged in again") \
	X(WINDOW_STALL_MAX, "window_stall_max", MU_TIME, "longest time a session had commands waiting on a closed CmdSN window") \
	X(LOST_BLOCKS, "lost_blocks", MU_COUNT, "cached blocks a disk power loss dropped") \
	X(DURABLE_CHECKED, "durable_checked", MU_COUNT, "blocks checked for durability after a power loss") \
	X(ALUA_TRANSITIONS, "alua_transitions", MU_COUNT, "ALUA transitions the cluster completed") \
	X(FINAL_OPTIMIZED, "final_optimized", MU_GATEWAY, "the active/optimized gateway at the end (-1: ALUA off)") \
	X(FINAL_LOCK_OWNER, "final_lock_owner", MU_GATEWAY, "the exclusive lock's owner at the end (-1: none)") \
	X(GW_UNSENT_MAX, "gw_unsent_max", MU_COUNT, "most bytes a gateway had sent that its peers had not read (TCP buffers and the env's queue: what a peer that never reads makes it hold)") \
	X(GW_MEM_MAX, "gw_mem_max", MU_COUNT, "most bytes a gateway's engine had allocated at once") \
	X(NET_QUEUED_MAX, "net_queued_max", MU_COUNT, "most bytes one direction of one connection had sent and not read (beyond net sockbuf= the sender holds them)") \
	X(GW_READ_HOLDS, "gw_read_holds", MU_COUNT, "times a gateway stopped reading a connection (the engine's backpressure: rt_rx_space answered 0)") \
	X(TGT_CONNS_DROPPED, "tgt_conns_dropped", MU_COUNT, "connections the engines dropped (rt_stats: protocol error, NOP timeout, limits)") \
	X(TGT_LOGINS_FAILED, "tgt_logins_failed", MU_COUNT, "logins the engines refused or that failed (rt_stats)") \
	X(ATK_CONNS, "atk_conns", MU_COUNT, "TCP connections attackers opened") \
	X(ATK_CONNS_DROPPED, "atk_conns_dropped", MU_COUNT, "of them refused, reset or closed by the target") \
	X(ATK_LOGINS, "atk_logins", MU_COUNT, "attacker logins that succeeded") \
	X(ATK_LOGIN_FAILURES, "atk_login_failures", MU_COUNT, "attacker logins the target refused") \
	X(ATK_SESSIONS_MAX, "atk_sessions_max", MU_COUNT, "most attacker sessions logged in at once") \
	X(ATK_CMDS, "atk_cmds", MU_COUNT, "commands and NOP-Outs attackers sent blind (no_read)") \
	X(ATK_ROUNDS_BLOCKED, "atk_rounds_blocked", MU_COUNT, "no_read rounds not sent: the target had stopped reading the session, its socket buffers were full") \
	X(ATK_RESETS, "atk_resets", MU_COUNT, "target and LU resets attackers sent") \
	X(ATK_RESETS_DONE, "atk_resets_done", MU_COUNT, "of them the target performed (FUNCTION COMPLETE)") \
	X(ATK_RESETS_REFUSED, "atk_resets_refused", MU_COUNT, "of them the target refused (any other response, e.g. 6 authorization failed)") \
	X(LOCK_BREAK_FAILURES, "lock_break_failures", MU_COUNT, "lock breaks that failed (EBUSY: disk lock_break_fail=); the I/O was refused") \
	X(REOPEN_FAILURES, "reopen_failures", MU_COUNT, "reopens of a blocklisted gateway that failed (disk reopen_fail=)") \
	X(LOCK_LOST, "lock_lost", MU_COUNT, "times a gateway learned it had lost the exclusive lock (blocklisted; target lock_lost= says what it did)") \
	X(STOP_MAX, "stop_max", MU_TIME, "longest graceful stop of a gateway (gw_shutdown): from the stop to its engine idle; one cut short, or still draining at the end, counts up to then") \
	X(STOPS_CUT, "stops_cut", MU_COUNT, "graceful stops not finished when their gateway was due back, cut short (a crash, as an init system's stop timeout does)") \
	X(TPUT_MEDIAN_MIN, "tput_median_min", MU_COUNT, "the slowest initiator's median throughput, bytes per second of reads and writes completed GOOD (base/tput.h's buckets; 0: idle or a run too short to judge)") \
	X(TPUT_DIP_MAX, "tput_dip_max", MU_TIME, "longest time an initiator's throughput stayed under half its median: the failover stall as the application saw it, a degraded path included") \
	X(TPUT_PEAK_PCT, "tput_peak_pct", MU_COUNT, "highest bucket of an initiator's throughput, % of its median: the recovery spike when queued I/O drains at once") \
	X(INI_SESS_NEW, "ini_sess_new", MU_COUNT, "initiator logins with TSIH 0 after a session's first: sessions started again (ERL 0 recovery, RFC 7143 §6.3.5)") \
	X(CONN_REINSTATED, "conn_reinstated", MU_COUNT, "initiator logins that reinstated a failed connection in its session (ERL 2, §6.3.4)") \
	X(TASKS_REASSIGNED, "tasks_reassigned", MU_COUNT, "commands moved to a new connection by TASK REASSIGN, answered Function complete (ERL 2, §11.5.1)") \
	X(ERL2_FALLBACKS, "erl2_fallbacks", MU_COUNT, "ERL 2 connection recoveries given up for ERL 0's session recovery (refused reassignment or login, Time2Retain over)")

enum metric_id {
#define METRIC_ENUM(id, name, unit, what) METRIC_##id,
	METRICS(METRIC_ENUM)
#undef METRIC_ENUM
	METRIC_COUNT
};

struct sim_metrics {
	int64_t v[METRIC_COUNT];
};

const char *metric_name(enum metric_id m);
enum metric_unit metric_unit(enum metric_id m);
const char *metric_what(enum metric_id m);
/* The metric named s, or METRIC_COUNT. */
enum metric_id metric_parse(const char *s);
/* A value as text: a count, a time with the largest exact unit, or a gateway. */
void metric_format(enum metric_id m, int64_t v, char *out, size_t cap);

/* The metrics an initiator's own stats give, added to m: its workload,
 * its multipath (path_fails: the path failures to count) and each of its
 * sessions. The world (world/measure.c) and the live runs
 * (host/cmd_live.c) both measure through these, so their numbers mean
 * the same. metrics_begin first: io_ok_min starts at the largest value. */
struct wl_stats;
struct mpath;
struct isess_stats;
void metrics_begin(struct sim_metrics *m);
void metrics_add_host(struct sim_metrics *m, const struct wl_stats *s, const struct mpath *mp, uint64_t path_fails);
void metrics_add_session(struct sim_metrics *m, const struct isess_stats *ss);
/* After the last host: io_ok_min is 0 when there was none. */
void metrics_end(struct sim_metrics *m, int hosts);

#endif
