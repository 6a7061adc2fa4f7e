/* oracle/coverage: coverage points, "sometimes" assertions in Antithesis' sense.
 *
 * Each point names a fault, a recovery path or an outcome that a healthy
 * swarm must reach at least once. A world counts them; the swarm sums
 * them over all seeds and names every point never reached, so a swarm
 * that silently stopped exercising failover is itself a failure.
 * Owns nothing.
 */
#ifndef SIM_COV_H
#define SIM_COV_H

#include <stdint.h>

/* X(id, name, required): a required point must be reached by any swarm
 * of a few hundred seeds (faults and recovery paths the simulator itself
 * drives); the others depend on what the engine chooses to answer
 * (Reject, BUSY, UNIT ATTENTION ...) and are reported only. */
#define COV_POINTS(X) \
	X(FAULT_PARTITION, "fault.partition", 1) \
	X(FAULT_PARTITION_ONE_WAY, "fault.partition_one_way", 1) \
	X(FAULT_STALL, "fault.stall", 1) \
	X(FAULT_RESET, "fault.reset", 1) \
	X(FAULT_SLOW_LINK, "fault.slow_link", 1) \
	X(FAULT_GW_CRASH, "fault.gw_crash", 1) \
	X(FAULT_GW_POWER, "fault.gw_power_off", 1) \
	X(FAULT_GW_PAUSE, "fault.gw_pause", 1) \
	X(FAULT_GW_SHUTDOWN, "fault.gw_shutdown", 1) \
	X(FAULT_DISK_POWER, "fault.disk_power_loss", 1) \
	X(FAULT_DISK_BAD, "fault.disk_bad_range", 1) \
	X(FAULT_DISK_SLOW, "fault.disk_slow", 1) \
	X(FAULT_ALLOC_FAIL, "fault.alloc_fail", 1) \
	X(NET_SPLIT_DELIVERY, "net.split_delivery", 1) \
	X(NET_ZERO_COPY_RX, "net.zero_copy_rx", 1) \
	X(NET_SYN_LOST, "net.syn_lost", 1) \
	X(NET_RST_FROM_RESTARTED, "net.rst_from_restarted_gw", 1) \
	X(NET_WINDOW_SHUT, "net.window_shut_by_reader", 1) \
	X(DISK_READ_ERROR, "disk.read_error", 1) \
	X(DISK_WRITE_ERROR, "disk.write_error", 1) \
	X(DISK_LOST_BLOCKS, "disk.lost_unflushed_blocks", 1) \
	X(DISK_TORN_WRITE, "disk.torn_write", 1) \
	X(ENGINE_ALLOC_FAILED, "engine.alloc_failed", 1) \
	X(SESS_LOGIN, "sess.login", 1) \
	X(SESS_LOGIN_CHAP, "sess.login_chap", 1) \
	X(SESS_LOGIN_FAILED, "sess.login_failed", 1) \
	X(SESS_REINSTATED, "sess.reinstated_after_failure", 1) \
	X(SESS_NOP_TIMEOUT, "sess.nop_timeout", 1) \
	X(SESS_ABORT_TASK, "sess.abort_task", 1) \
	X(SESS_REPLACEMENT_TIMEOUT, "sess.replacement_timeout", 1) \
	X(SESS_ASYNC_LOGOUT, "sess.async_logout_request", 1) \
	X(SESS_REJECT, "sess.reject", 0) \
	X(SESS_TMF_ESCALATION, "sess.tmf_escalation", 0) \
	X(PR_CHECKED, "pr.answer_checked_against_model", 0) \
	X(PR_EXCLUDED, "pr.io_of_excluded_nexus_checked", 0) \
	X(PR_STORE_STALE, "pr.shared_store_lost_race", 0) \
	X(PR_NOTIFY_HELD, "pr.shared_notify_held_by_paused_gw", 0) \
	X(PR_NOTIFY_TIMEOUT, "pr.shared_notify_timed_out", 0) \
	X(SESS_RESEND, "sess.resend_after_recovery", 1) \
	X(SESS_R2T, "sess.r2t", 1) \
	X(SESS_LOGOUT, "sess.logout", 1) \
	X(MP_PATH_FAIL_IO, "mpath.path_fail_io", 1) \
	X(MP_PATH_FAIL_CHECKER, "mpath.path_fail_checker", 1) \
	X(MP_PATH_FAIL_STANDBY, "mpath.path_fail_standby", 0) \
	X(MP_PATH_FAIL_TRANSITION, "mpath.path_fail_transition", 0) \
	X(MP_PATH_FAIL_LUN, "mpath.path_fail_lun_not_supported", 0) \
	X(MP_REINSTATE, "mpath.reinstate", 1) \
	X(MP_FAILBACK, "mpath.failback", 1) \
	X(MP_QUEUE_NO_PATH, "mpath.queue_if_no_path", 1) \
	X(MP_NO_PATH_FAIL, "mpath.no_path_fail", 1) \
	X(MP_UNIT_ATTENTION, "mpath.unit_attention_retry", 0) \
	X(MP_BUSY_RETRY, "mpath.busy_retry", 0) \
	X(MP_IO_ABORTED, "mpath.io_aborted_retry", 0) \
	X(MP_ALUA_STATE, "mpath.alua_state_from_rtpg", 1) \
	X(MP_HANDLER_REFUSED, "mpath.handler_refused_standby", 0) \
	X(MP_MARGINAL_HELD, "mpath.marginal_path_held", 0) \
	X(MP_MARGINAL_CLEARED, "mpath.marginal_path_cleared", 0) \
	X(IO_READ_OK, "io.read_ok", 1) \
	X(IO_WRITE_OK, "io.write_ok", 1) \
	X(IO_FUA_OK, "io.write_fua_ok", 1) \
	X(IO_FLUSH_OK, "io.flush_ok", 1) \
	X(IO_UNMAP_OK, "io.unmap_ok", 1) \
	X(IO_CAW_OK, "io.caw_ok", 1) \
	X(IO_CAW_MISCOMPARE, "io.caw_miscompare", 0) \
	X(IO_MEDIUM_ERROR, "io.medium_error", 1) \
	X(IO_FAILED_UP, "io.failed_to_application", 1) \
	X(DATA_READ_AFTER_POWER_LOSS, "data.read_checked_after_power_loss", 1) \
	X(ATTACK_IDLE_FLOOD, "attack.idle_flood", 1) \
	X(ATTACK_SESSION_HOG, "attack.session_hog", 1) \
	X(ATTACK_NO_READ, "attack.no_read", 1) \
	X(ATTACK_RESET, "attack.reset", 1) \
	X(ATTACK_CONN_DROPPED, "attack.conn_refused_or_dropped", 0) \
	X(ATTACK_LOGIN_REFUSED, "attack.login_refused", 0) \
	X(ATTACK_RESET_DONE, "attack.reset_done", 0) \
	X(ATTACK_RESET_REFUSED, "attack.reset_refused", 0) \
	X(LOCK_BREAK_BUSY, "lock.break_busy", 0) \
	X(LOCK_REOPEN_FAILED, "lock.reopen_failed", 0) \
	X(LOCK_LOST, "lock.gateway_lost_lock", 0) \
	X(LOCK_REGAINED, "lock.gateway_reopened", 0)

enum cov_point {
#define COV_ENUM(id, name, req) COV_##id,
	COV_POINTS(COV_ENUM)
#undef COV_ENUM
	COV_COUNT
};

static const char *const cov_names[COV_COUNT] = {
#define COV_NAME(id, name, req) name,
	COV_POINTS(COV_NAME)
#undef COV_NAME
};

static const unsigned char cov_required[COV_COUNT] = {
#define COV_REQ(id, name, req) req,
	COV_POINTS(COV_REQ)
#undef COV_REQ
};

struct cov {
	uint64_t hits[COV_COUNT];
};

#endif
