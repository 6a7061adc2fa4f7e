/* cov: coverage points, "sometimes" assertions in Antithesis' sense.
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

#define COV_POINTS(X) \
	X(FAULT_PARTITION, "fault.partition") \
	X(FAULT_PARTITION_ONE_WAY, "fault.partition_one_way") \
	X(FAULT_STALL, "fault.stall") \
	X(FAULT_RESET, "fault.reset") \
	X(FAULT_SLOW_LINK, "fault.slow_link") \
	X(FAULT_GW_CRASH, "fault.gw_crash") \
	X(FAULT_GW_POWER, "fault.gw_power_off") \
	X(FAULT_GW_PAUSE, "fault.gw_pause") \
	X(FAULT_GW_SHUTDOWN, "fault.gw_shutdown") \
	X(FAULT_DISK_POWER, "fault.disk_power_loss") \
	X(FAULT_DISK_BAD, "fault.disk_bad_range") \
	X(FAULT_DISK_SLOW, "fault.disk_slow") \
	X(FAULT_ALLOC_FAIL, "fault.alloc_fail") \
	X(NET_SPLIT_DELIVERY, "net.split_delivery") \
	X(NET_ZERO_COPY_RX, "net.zero_copy_rx") \
	X(NET_SYN_LOST, "net.syn_lost") \
	X(NET_RST_FROM_RESTARTED, "net.rst_from_restarted_gw") \
	X(DISK_READ_ERROR, "disk.read_error") \
	X(DISK_WRITE_ERROR, "disk.write_error") \
	X(DISK_LOST_BLOCKS, "disk.lost_unflushed_blocks") \
	X(DISK_TORN_WRITE, "disk.torn_write") \
	X(ENGINE_ALLOC_FAILED, "engine.alloc_failed") \
	X(SESS_LOGIN, "sess.login") \
	X(SESS_LOGIN_CHAP, "sess.login_chap") \
	X(SESS_LOGIN_FAILED, "sess.login_failed") \
	X(SESS_REINSTATED, "sess.reinstated_after_failure") \
	X(SESS_NOP_TIMEOUT, "sess.nop_timeout") \
	X(SESS_ABORT_TASK, "sess.abort_task") \
	X(SESS_REPLACEMENT_TIMEOUT, "sess.replacement_timeout") \
	X(SESS_ASYNC_LOGOUT, "sess.async_logout_request") \
	X(SESS_REJECT, "sess.reject") \
	X(SESS_RESEND, "sess.resend_after_recovery") \
	X(SESS_R2T, "sess.r2t") \
	X(SESS_LOGOUT, "sess.logout") \
	X(MP_PATH_FAIL_IO, "mpath.path_fail_io") \
	X(MP_PATH_FAIL_CHECKER, "mpath.path_fail_checker") \
	X(MP_REINSTATE, "mpath.reinstate") \
	X(MP_FAILBACK, "mpath.failback") \
	X(MP_QUEUE_NO_PATH, "mpath.queue_if_no_path") \
	X(MP_NO_PATH_FAIL, "mpath.no_path_fail") \
	X(MP_UNIT_ATTENTION, "mpath.unit_attention_retry") \
	X(MP_BUSY_RETRY, "mpath.busy_retry") \
	X(MP_IO_ABORTED, "mpath.io_aborted_retry") \
	X(IO_READ_OK, "io.read_ok") \
	X(IO_WRITE_OK, "io.write_ok") \
	X(IO_FUA_OK, "io.write_fua_ok") \
	X(IO_FLUSH_OK, "io.flush_ok") \
	X(IO_UNMAP_OK, "io.unmap_ok") \
	X(IO_CAW_OK, "io.caw_ok") \
	X(IO_CAW_MISCOMPARE, "io.caw_miscompare") \
	X(IO_MEDIUM_ERROR, "io.medium_error") \
	X(IO_FAILED_UP, "io.failed_to_application") \
	X(DATA_READ_AFTER_POWER_LOSS, "data.read_checked_after_power_loss")

enum cov_point {
#define COV_ENUM(id, name) COV_##id,
	COV_POINTS(COV_ENUM)
#undef COV_ENUM
	COV_COUNT
};

static const char *const cov_names[COV_COUNT] = {
#define COV_NAME(id, name) name,
	COV_POINTS(COV_NAME)
#undef COV_NAME
};

struct cov {
	uint64_t hits[COV_COUNT];
};

#endif
