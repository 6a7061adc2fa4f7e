/* params: see params.h. Defaults model a small Ceph-iSCSI-like setup:
 * two gateways, four initiators with two paths each, a 1 MiB LU, LAN
 * latencies, open-iscsi and multipath.conf defaults shortened so that a
 * minute of simulated time sees several recoveries. */
#include "sim/spec/params.h"

#include <string.h>

#include "core/limits.h"
#include "sim/base/time.h"
#include "sim/base/trace.h"

void params_default(struct sim_params *p)
{
	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->gateways = 2;
	p->initiators = 4;
	p->paths = 2;
	p->duration_ns = SIM_S(60);
	p->liveness_ns = SIM_S(60);
	p->blocks = 2048;
	p->block_size = 512;
	p->tgt = (struct sim_target_params){
		.cmd_window = 32, .mrdsl = 65536, .max_burst_length = 262144, .first_burst_length = 65536,
		.max_outstanding_r2t = 1, .initial_r2t = false, .immediate_data = true,
		.header_digest = true, .data_digest = true, .error_recovery_level = RT_ERL_DEFAULT,
		.max_connections = 1, .pr_fence_silent = true,
		.nop_in_interval_ms = 5000,
		.nop_in_timeout_ms = 5000, .chap = true, .mutual_chap = false, .wce = true,
		.mem_budget_bytes = RT_MEM_BUDGET_DEFAULT, .session_mem_max_bytes = RT_SESSION_MEM_MAX_DEFAULT,
		.session_mem_min_bytes = RT_SESSION_MEM_MIN_DEFAULT, .conn_unsent_max_bytes = RT_CONN_UNSENT_MAX_DEFAULT,
	};
	p->ini = (struct sim_ini_params){
		.mrdsl = 65536, .max_burst_length = 262144, .first_burst_length = 65536,
		.max_outstanding_r2t = 1, .initial_r2t = false, .immediate_data = true,
		.header_digest = true, .data_digest = true, .chap_algs = "7,5",
		.noop_interval_ns = SIM_S(5), .noop_timeout_ns = SIM_S(5),
		.login_timeout_ns = SIM_S(15), .replacement_timeout_ns = SIM_S(15),
		.cmd_timeout_ns = SIM_S(30), .tmf_timeout_ns = SIM_S(10),
		.reconnect_delay_ns = SIM_S(2), .logout_timeout_ns = SIM_S(15), .connections = 1,
	};
	p->mp = (struct mpath_cfg){
		.selector = MP_SERVICE_TIME, .rr_min_io = 1, .failback = MP_FAILBACK_IMMEDIATE,
		.no_path_retry = MP_NO_PATH_RETRY_QUEUE, .polling_interval_ns = SIM_S(5),
		.retry_delay_ns = SIM_MS(100), .retries_max = 20, .alua = true,
		.alua_explicit = false, .alua_wait_ns = SIM_S(60), .checker_timeout_ns = SIM_S(30),
	};
	p->wl = (struct wl_cfg){
		.qd = 4, .think_mean_ns = SIM_MS(20),
		.weight = { [WL_READ] = 40, [WL_WRITE] = 30, [WL_WRITE_FUA] = 10, [WL_FLUSH] = 5,
			[WL_UNMAP] = 5, [WL_CAW] = 10 },
		.max_blocks = 16, .hot_blocks = 32, .hot_ppm = 500000,
	};
	p->disk = (struct disk_params){
		.read_lat = { .min_ns = SIM_US(100), .exp_mean_ns = SIM_US(200), .spike_ppm = 1000, .spike_ns = SIM_MS(50) },
		.write_lat = { .min_ns = SIM_US(200), .exp_mean_ns = SIM_US(300), .spike_ppm = 1000, .spike_ns = SIM_MS(50) },
		.flush_lat = { .min_ns = SIM_MS(1), .exp_mean_ns = SIM_MS(2) },
		.volatile_cache = true, .destage_ppm = 300000,
		.exclusive_lock = true, .reopen_delay_ns = SIM_S(1),
	};
	p->net = (struct simnet_params){
		.latency = { .min_ns = SIM_US(50), .exp_mean_ns = SIM_US(50), .spike_ppm = 500, .spike_ns = SIM_MS(20) },
		.split_ppm = 200000, .tiny_ppm = 100000, .rst_latency_ns = SIM_US(100),
		.sockbuf_bytes = SIMNET_SOCKBUF_BYTES,
	};
	p->honor_flush = true;
	p->cluster = (struct sim_cluster_params){ .alua = ALUA_MODE_OFF, .optimized = 0, .prefer = PREFER_AUTO,
		.failover_delay_ns = SIM_S(2), .transition_max_ns = SIM_S(60) };
	p->pr = (struct sim_reservation_params){ .holder = -1, .type = 5, .aptpl = true, .at_ns = SIM_S(2) };
	p->zero_copy_rx_ppm = 300000;
	p->trace_mask = ~((1u << TEV_PDU) | (1u << TEV_DIO));
}
