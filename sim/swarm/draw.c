/* swarm/draw: see swarm/draw.h. */
#include "sim/swarm/draw.h"

#include <assert.h>
#include <stdio.h>

#include "sim/base/rng.h"
#include "sim/oracle/pr_model.h"
#include "sim/spec/scenario.h"
#include "sim/base/time.h"

/* The most one librbd 16 compare-and-write compares (a 512-byte sector):
 * the simulated disk offers the atomic op only to LUs of that block size. */
#define DRAW_CAW_SECTOR_BYTES 512u

/* Times are drawn in whole milliseconds: scenario files stay readable. */
static uint64_t ms_range(struct sim_rng *r, uint64_t lo_ns, uint64_t hi_ns)
{
	return SIM_MS(rng_range(r, lo_ns / SIM_MS(1), hi_ns / SIM_MS(1)));
}

static uint64_t us_range(struct sim_rng *r, uint64_t lo_ns, uint64_t hi_ns)
{
	return SIM_US(rng_range(r, lo_ns / SIM_US(1), hi_ns / SIM_US(1)));
}

static uint32_t pick_u32(struct sim_rng *r, const uint32_t *choices, unsigned n)
{
	return choices[rng_below(r, n)];
}

#define PICK(r, arr) pick_u32(r, arr, sizeof(arr) / sizeof(arr[0]))

/* The logical block size (SBC-3 READ CAPACITY): 512 or 4096 bytes, the
 * two the reference target serves; the number of blocks stays, so LBAs
 * in scenario timelines keep their meaning. 4096-byte blocks make the
 * same workload's transfers eight times larger: bursts of several PDUs,
 * several R2Ts, PDUs above one socket read. */
static void draw_lu(struct sim_params *p, struct sim_rng *r)
{
	static const uint32_t block_sizes[] = { 512, 4096 };
	p->block_size = PICK(r, block_sizes);
}

static void draw_target(struct sim_params *p, struct sim_rng *r)
{
	static const uint32_t windows[] = { 2, 4, 8, 16, 32, 128 };
	static const uint32_t mrdsl[] = { 512, 4096, 8192, 65536, 262144 };
	static const uint32_t bursts[] = { 4096, 16384, 65536, 262144 };
	struct sim_target_params *t = &p->tgt;
	t->cmd_window = PICK(r, windows);
	t->mrdsl = PICK(r, mrdsl);
	t->max_burst_length = PICK(r, bursts);
	t->first_burst_length = PICK(r, bursts);
	if (t->first_burst_length > t->max_burst_length)
		t->first_burst_length = t->max_burst_length;
	t->initial_r2t = rng_chance(r, 500000);
	t->immediate_data = rng_chance(r, 700000);
	t->header_digest = rng_chance(r, 500000);
	t->data_digest = rng_chance(r, 500000);
	t->nop_in_interval_ms = (uint32_t)rng_range(r, 1000, 10000);
	t->nop_in_timeout_ms = (uint32_t)rng_range(r, 1000, 10000);
	t->chap = rng_chance(r, 600000);
	t->mutual_chap = t->chap && rng_chance(r, 400000);
	t->wce = rng_chance(r, 800000);
}

static void draw_initiator_into(struct sim_ini_params *in, struct sim_rng *r)
{
	static const uint32_t mrdsl[] = { 512, 8192, 65536, 262144 };
	static const uint32_t bursts[] = { 8192, 65536, 262144, 1048576 };
	static const char *const algs[] = { "5", "7", "7,5", "5,7" };
	in->mrdsl = PICK(r, mrdsl);
	in->max_burst_length = PICK(r, bursts);
	in->first_burst_length = PICK(r, bursts);
	if (in->first_burst_length > in->max_burst_length)
		in->first_burst_length = in->max_burst_length;
	in->initial_r2t = rng_chance(r, 400000);
	in->immediate_data = rng_chance(r, 700000);
	in->header_digest = rng_chance(r, 500000);
	in->data_digest = rng_chance(r, 500000);
	in->skip_security = rng_chance(r, 300000);
	snprintf(in->chap_algs, sizeof(in->chap_algs), "%s", algs[rng_below(r, 4)]);
	in->noop_interval_ns = ms_range(r, SIM_S(1), SIM_S(10));
	in->noop_timeout_ns = ms_range(r, SIM_S(1), SIM_S(10));
	in->login_timeout_ns = ms_range(r, SIM_S(5), SIM_S(20));
	in->replacement_timeout_ns = ms_range(r, SIM_S(2), SIM_S(30));
	in->cmd_timeout_ns = ms_range(r, SIM_S(5), SIM_S(60));
	in->tmf_timeout_ns = ms_range(r, SIM_S(2), SIM_S(15));
	in->reconnect_delay_ns = ms_range(r, SIM_MS(200), SIM_S(5));
}

static void draw_initiator(struct sim_params *p, struct sim_rng *r)
{
	draw_initiator_into(&p->ini, r);
}

static void draw_multipath(struct sim_params *p, struct sim_rng *r)
{
	struct mpath_cfg *m = &p->mp;
	m->selector = (enum mp_selector)rng_below(r, 3);
	m->rr_min_io = (uint32_t)rng_range(r, 1, 100);
	m->failback = rng_chance(r, 700000) ? MP_FAILBACK_IMMEDIATE : MP_FAILBACK_MANUAL;
	uint64_t npr = rng_below(r, 10);
	m->no_path_retry = npr < 6 ? MP_NO_PATH_RETRY_QUEUE : npr < 7 ? MP_NO_PATH_RETRY_FAIL : (int)rng_range(r, 2, 12);
	m->polling_interval_ns = ms_range(r, SIM_S(1), SIM_S(10));
	m->retry_delay_ns = ms_range(r, SIM_MS(10), SIM_MS(500));
	m->alua = rng_chance(r, 500000);
}

static void draw_workload(struct sim_params *p, struct sim_rng *r)
{
	struct wl_cfg *w = &p->wl;
	w->qd = (uint32_t)rng_range(r, 1, 8);
	w->think_mean_ns = ms_range(r, SIM_MS(5), SIM_MS(100));
	w->weight[WL_READ] = (uint32_t)rng_range(r, 10, 60);
	w->weight[WL_WRITE] = (uint32_t)rng_range(r, 10, 60);
	w->weight[WL_WRITE_FUA] = (uint32_t)rng_range(r, 0, 30);
	w->weight[WL_FLUSH] = (uint32_t)rng_range(r, 0, 15);
	w->weight[WL_UNMAP] = (uint32_t)rng_range(r, 0, 15);
	w->weight[WL_CAW] = (uint32_t)rng_range(r, 0, 30);
	w->max_blocks = (uint32_t)rng_range(r, 1, 32);
	w->hot_blocks = rng_range(r, 4, 128);
	w->hot_ppm = (uint32_t)rng_range(r, 0, 1000000);
}

static void draw_disk(struct sim_params *p, struct sim_rng *r)
{
	struct disk_params *d = &p->disk;
	d->read_lat.min_ns = us_range(r, SIM_US(20), SIM_MS(2));
	d->read_lat.exp_mean_ns = us_range(r, SIM_US(10), SIM_MS(5));
	d->write_lat.min_ns = us_range(r, SIM_US(20), SIM_MS(2));
	d->write_lat.exp_mean_ns = us_range(r, SIM_US(10), SIM_MS(5));
	d->read_err_ppm = rng_chance(r, 300000) ? (uint32_t)rng_range(r, 1, 3000) : 0;
	d->write_err_ppm = rng_chance(r, 300000) ? (uint32_t)rng_range(r, 1, 3000) : 0;
	d->volatile_cache = rng_chance(r, 800000);
	d->destage_ppm = (uint32_t)rng_range(r, 0, 1000000);
}

static void draw_net(struct sim_params *p, struct sim_rng *r)
{
	struct simnet_params *n = &p->net;
	n->latency.min_ns = us_range(r, SIM_US(10), SIM_MS(1));
	n->latency.exp_mean_ns = us_range(r, SIM_US(10), SIM_MS(2));
	n->latency.spike_ppm = (uint32_t)rng_range(r, 0, 5000);
	n->latency.spike_ns = ms_range(r, SIM_MS(1), SIM_MS(200));
	n->split_ppm = (uint32_t)rng_range(r, 0, 600000);
	n->tiny_ppm = (uint32_t)rng_range(r, 0, 300000);
	p->zero_copy_rx_ppm = (uint32_t)rng_range(r, 0, 1000000);
}

/* How long each kind lasts, at most. */
static uint64_t max_duration(enum fault_kind k)
{
	switch (k) {
	case F_PARTITION: return SIM_S(30);
	case F_STALL: return SIM_S(20);
	case F_SLOW: return SIM_S(30);
	case F_GW_CRASH:
	case F_GW_POWER: return SIM_S(20);
	case F_GW_PAUSE: return SIM_S(15);
	case F_GW_SHUTDOWN: return SIM_S(20);
	case F_DISK_BAD: return SIM_S(10);
	case F_DISK_SLOW: return SIM_S(10);
	case F_RESET:
	case F_DISK_POWER:
	case F_ALLOC_FAIL:
	case F_ALUA_FAILOVER:
	case F_LOGIN_DROP:
	case F_SWIZZLE:
	case F_NOISE:
	case F_LUN_UNMAP:
	case F_LOGOUT:
	case F_INI_EXIT:
	case F_KINDS: break;
	}
	return 0;
}

static void draw_fault(struct sim_params *p, struct sim_rng *r, enum fault_kind k, uint64_t lo, uint64_t hi)
{
	struct fault f = { .kind = k, .at_ns = ms_range(r, lo, hi) };
	f.ini = (int)rng_below(r, (uint64_t)p->initiators);
	f.gw = (int)rng_below(r, (uint64_t)p->gateways);
	uint64_t maxd = max_duration(k);
	if (maxd != 0)
		f.dur_ns = ms_range(r, SIM_MS(100), maxd);
	switch (k) {
	case F_PARTITION:
		f.dir = (enum fault_dir)rng_below(r, 3);
		break;
	case F_SLOW:
		f.a = rng_range(r, 10000, 10000000); /* bytes per second */
		f.b = ms_range(r, 0, SIM_MS(100));
		break;
	case F_DISK_BAD:
		f.a = rng_below(r, p->blocks);
		f.b = rng_range(r, 1, 16);
		if (f.a + f.b > p->blocks)
			f.b = p->blocks - f.a;
		break;
	case F_DISK_SLOW:
		f.a = ms_range(r, SIM_MS(5), SIM_MS(500));
		break;
	case F_ALLOC_FAIL:
		f.a = rng_range(r, 1, 5);
		break;
	default:
		break;
	}
	p->faults.f[p->faults.n++] = f;
}

static void draw_faults(struct sim_params *p, uint64_t seed)
{
	struct sim_rng mix, sched;
	rng_stream(&mix, seed, "swarm.fault_mix", 0);
	p->faults.n = 0;
	/* The window leaves a quiet start (logins) and a quiet end. */
	uint64_t lo = SIM_S(2), hi = p->duration_ns > SIM_S(12) ? p->duration_ns - SIM_S(10) : SIM_S(2);
	for (int k = 0; k < F_SWARM_KINDS; k++) {
		/* Swarm: each kind is in this world or not, and if so, at its own rate. */
		if (!rng_chance(&mix, 500000))
			continue;
		uint64_t count = rng_range(&mix, 1, 4);
		rng_stream(&sched, seed, "swarm.fault", (uint32_t)k);
		for (uint64_t i = 0; i < count && p->faults.n < FAULTS_MAX; i++)
			draw_fault(p, &sched, (enum fault_kind)k, lo, hi);
	}
	faults_sort(&p->faults);
}

/* Hostile initiators (issue 12), from a stream of their own: a world
 * draws at most one attack (30%), so the others keep their worlds as
 * they were. Sizes stay modest so a swarm stays fast, but reach the
 * engine's tables (1100 connections, 520 sessions) in some worlds. */
static void draw_attacks(struct sim_params *p, uint64_t seed)
{
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.attack", 0);
	p->attacks.n = 0;
	if (!rng_chance(&r, 300000) || p->duration_ns < SIM_S(20))
		return;
	struct attack *a = &p->attacks.a[p->attacks.n++];
	attack_default(a, (enum attack_kind)rng_below(&r, ATK_KINDS));
	a->at_ns = ms_range(&r, SIM_S(2), p->duration_ns - SIM_S(15));
	a->dur_ns = ms_range(&r, SIM_S(3), SIM_S(15));
	a->gw = (int)rng_below(&r, (uint64_t)p->gateways);
	static const uint32_t flood_conns[] = { 32, 256, 1100 }, flood_rates[] = { 20, 100, 300 };
	static const uint32_t hog_sessions[] = { 4, 32, 520 }, depths[] = { 0, 4, 16 };
	static const uint32_t read_bytes[] = { 65536, 1048576 };
	switch (a->kind) {
	case ATK_IDLE_FLOOD:
		a->count = PICK(&r, flood_conns);
		a->rate = PICK(&r, flood_rates);
		a->sources = rng_chance(&r, 300000) ? 200 : (uint32_t)rng_range(&r, 1, 8);
		a->partial = rng_chance(&r, 500000) ? (uint32_t)rng_range(&r, 1, 47) : 0;
		break;
	case ATK_SESSION_HOG:
		a->count = PICK(&r, hog_sessions);
		a->rate = (uint32_t)rng_range(&r, 20, 200);
		a->sources = (uint32_t)rng_range(&r, 1, 4);
		break;
	case ATK_NO_READ:
		a->count = (uint32_t)rng_range(&r, 1, 4);
		a->depth = PICK(&r, depths);
		a->bytes = PICK(&r, read_bytes);
		a->nop_bytes = a->depth == 0 || rng_chance(&r, 500000) ? 8192 : 0;
		a->every_ns = a->depth == 0 ? ms_range(&r, SIM_MS(1), SIM_MS(100)) : ms_range(&r, SIM_MS(100), SIM_S(1));
		break;
	case ATK_RESET:
		a->tmf = (enum attack_tmf)rng_below(&r, 4);
		a->every_ns = ms_range(&r, SIM_S(1), SIM_S(5));
		a->permit = rng_chance(&r, 200000);
		break;
	case ATK_KINDS:
		break;
	}
}

/* Storage-lock hazards (issue 16, class 1), from a stream of their own
 * and in a quarter of the worlds, so the others keep their worlds as they
 * were: the lock taken by any I/O, the directio path checker (reads
 * through every path), lock breaks and reopens that fail now and then
 * (never always: a break or reopen that never succeeds hangs the world
 * by design, scenarios 23 and 24), and what a gateway does when it lost
 * the lock. */
static void draw_lock(struct sim_params *p, uint64_t seed)
{
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.lock", 0);
	if (!rng_chance(&r, 250000))
		return;
	p->disk.lock_on = rng_chance(&r, 500000) ? DISK_LOCK_ON_IO : DISK_LOCK_ON_WRITE;
	p->mp.checker = rng_chance(&r, 500000) ? MP_CHECKER_DIRECTIO : MP_CHECKER_TUR;
	p->disk.lock_break_fail_ppm = rng_chance(&r, 500000) ? (uint32_t)rng_range(&r, 10000, 500000) : 0;
	p->disk.reopen_fail_ppm = rng_chance(&r, 500000) ? (uint32_t)rng_range(&r, 10000, 500000) : 0;
	p->tgt.lock_lost = (enum lock_lost)rng_below(&r, 3);
	/* Reads that take the lock, a checker that reads through every path,
	 * and a gateway that drops its sessions when it loses the lock: each
	 * checker read bounces the lock and every host that logs in again meets
	 * the same (scenarios 22 and 23 show both halves failing). Five of the
	 * first 5000 worlds drew all three and hung; the library's twins keep
	 * the broken combination, the swarm draws what a user could run. */
	if (p->disk.lock_on == DISK_LOCK_ON_IO && p->mp.checker == MP_CHECKER_DIRECTIO &&
		p->tgt.lock_lost == LOCK_LOST_DROP)
		p->tgt.lock_lost = LOCK_LOST_STANDBY;
	/* hosts that fail a path transitioning for too long (scsi_dh_alua) */
	p->mp.transition_tmo_ns = rng_chance(&r, 500000) ? SIM_S(rng_range(&r, 5, 60)) : 0;
}

/* Issue 16, hazard class 2, from a stream of its own: about a third of
 * the worlds script persistent reservations (spec/pr_script.h) judged by
 * the reservation model oracle; about a third of the hosts escalate an
 * ABORT TASK that times out (isess_escalation). The script: every host
 * registers its key on every path; one reserves (a drawn type) on each
 * of its paths; another preempts (or preempts and aborts) its key on
 * each of its own, then clears on each; reads of the
 * keys and the reservation in between. Without APTPL: the store on the
 * shared disk is one for every gateway, and which save lands last when
 * two gateways save at once is not what the model can know. */
static void draw_pr(struct sim_params *p, uint64_t seed)
{
	static const uint32_t types[] = { 1, 3, 5, 6, 7, 8 }; /* SPC-4 §5.13.1 */
	static const uint32_t reads[] = { PRS_READ_KEYS, PRS_READ_RESERVATION };
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.pr", 0);
	uint32_t esc = (uint32_t)rng_below(&r, 6);
	p->ini.escalation = esc == 0 ? ISESS_ESC_LINUX : esc == 1 ? ISESS_ESC_TASK_SET : ISESS_ESC_DROP;
	/* Half of those hosts have short SCSI timeouts and meet a storage
	 * path that stalls for longer (the abort and the escalation happen
	 * while writes are still in it: what scenario 30 shows). */
	if (p->ini.escalation != ISESS_ESC_DROP && rng_chance(&r, 500000) && p->faults.n < FAULTS_MAX &&
		p->duration_ns > SIM_S(20)) {
		p->ini.cmd_timeout_ns = ms_range(&r, SIM_S(1), SIM_S(4));
		p->ini.tmf_timeout_ns = ms_range(&r, SIM_S(1), SIM_S(4));
		struct fault f = { .kind = F_DISK_SLOW, .at_ns = ms_range(&r, SIM_S(5), p->duration_ns - SIM_S(15)) };
		f.gw = (int)rng_below(&r, (uint64_t)p->gateways);
		f.dur_ns = ms_range(&r, SIM_S(1), SIM_S(5));
		f.a = ms_range(&r, SIM_S(5), SIM_S(15));
		p->faults.f[p->faults.n++] = f;
		faults_sort(&p->faults);
	}
	if (!rng_chance(&r, 350000) || p->duration_ns < SIM_S(20) || p->initiators < 2)
		return;
	struct prs_list *l = &p->prs;
	uint64_t t0 = p->wl.start_at_ns + ms_range(&r, SIM_S(1), SIM_S(3));
	uint64_t t1 = ms_range(&r, t0 + SIM_S(2), p->duration_ns - SIM_S(8));
	int holder = (int)rng_below(&r, (uint64_t)p->initiators);
	int victor = (holder + 1 + (int)rng_below(&r, (uint64_t)p->initiators - 1)) % p->initiators;
	uint8_t type = (uint8_t)PICK(&r, types), type2 = (uint8_t)PICK(&r, types);
	bool abort = rng_chance(&r, 500000);
	for (int i = 0; i < p->initiators && l->n + 2 <= PRS_MAX - 10; i++)
		for (int k = 0; k < p->paths; k++)
			l->a[l->n++] = (struct prs_action){ .kind = PRS_REGISTER, .ini = i, .path = k, .after = -1,
				.at_ns = t0 + rng_below(&r, SIM_MS(200)), .sakey = 0x100u + (uint64_t)i, .type = 5 };
	for (int k = 0; k < p->paths; k++)
		l->a[l->n++] = (struct prs_action){ .kind = PRS_RESERVE, .ini = holder, .path = k, .after = -1,
			.at_ns = t0 + SIM_S(1), .key = 0x100u + (uint64_t)holder, .type = type };
	for (int k = 0; k < p->paths && l->n + 4 <= PRS_MAX; k++) {
		struct prs_action a = { .kind = abort ? PRS_PREEMPT_ABORT : PRS_PREEMPT, .ini = victor, .path = k,
			.after = -1, .at_ns = t1, .key = 0x100u + (uint64_t)victor, .sakey = 0x100u + (uint64_t)holder,
			.type = type2 };
		l->a[l->n++] = a;
		/* and clears: the liveness oracle wants every path up at the
		 * end, and under an exclusive-access type a fenced host's
		 * directio checker fails its paths until the reservation goes */
		a.kind = PRS_CLEAR;
		a.at_ns = t1 + ms_range(&r, SIM_S(1), SIM_S(6));
		a.sakey = 0;
		l->a[l->n++] = a;
	}
	while (l->n < PRS_MAX && !rng_chance(&r, 250000)) {
		struct prs_action a = { .kind = (enum prs_kind)PICK(&r, reads), .after = -1, .type = 5 };
		a.ini = (int)rng_below(&r, (uint64_t)p->initiators);
		a.path = (int)rng_below(&r, (uint64_t)p->paths);
		a.at_ns = ms_range(&r, t0, p->duration_ns - SIM_S(1));
		l->a[l->n++] = a;
	}
	/* a read of the keys just after the preempt (what fence_scsi checks) */
	if (l->n < PRS_MAX)
		l->a[l->n++] = (struct prs_action){ .kind = PRS_READ_KEYS, .ini = holder, .path = 0, .after = -1,
			.at_ns = t1 + SIM_MS(500), .type = 5 };
}

void swarm_clear_hazards(struct sim_params *p)
{
	/* draw_pr's short host timeouts back to what the seed's initiator
	 * stream drew (draw_pr's fault went with the others) */
	struct sim_ini_params drawn = p->ini;
	struct sim_rng r;
	rng_stream(&r, p->seed, "swarm.initiator", 0);
	draw_initiator_into(&drawn, &r);
	p->ini.cmd_timeout_ns = drawn.cmd_timeout_ns;
	p->ini.tmf_timeout_ns = drawn.tmf_timeout_ns;
	p->prs.n = 0;
	p->ini.escalation = ISESS_ESC_DROP;
	p->disk.lock_on = DISK_LOCK_ON_WRITE;
	p->mp.checker = MP_CHECKER_TUR;
	p->disk.lock_break_fail_ppm = 0;
	p->disk.reopen_fail_ppm = 0;
	p->tgt.lock_lost = LOCK_LOST_TRANSITION;
	p->mp.transition_tmo_ns = 0;
	p->disk.compare_write = false; /* the file's word, as before the key existed */
}

/* No host sends COMPARE AND WRITE (in its mix, or as a heartbeat). */
static void no_caw(struct sim_params *p)
{
	p->wl.weight[WL_CAW] = 0;
	p->wl.hb_interval_ns = 0;
	for (int i = 0; i < SIM_INIS_MAX; i++) {
		p->host_wl[i].wl.weight[WL_CAW] = 0;
		p->host_wl[i].wl.hb_interval_ns = 0;
	}
}

void swarm_params(struct sim_params *p, uint64_t seed)
{
	struct sim_rng r;
	p->seed = seed;
	rng_stream(&r, seed, "swarm.target", 0);
	draw_target(p, &r);
	rng_stream(&r, seed, "swarm.initiator", 0);
	draw_initiator(p, &r);
	rng_stream(&r, seed, "swarm.multipath", 0);
	draw_multipath(p, &r);
	rng_stream(&r, seed, "swarm.workload", 0);
	draw_workload(p, &r);
	rng_stream(&r, seed, "swarm.disk", 0);
	draw_disk(p, &r);
	rng_stream(&r, seed, "swarm.net", 0);
	draw_net(p, &r);
	rng_stream(&r, seed, "swarm.lu", 0);
	draw_lu(p, &r);
	draw_faults(p, seed);
	draw_attacks(p, seed);
	draw_lock(p, seed);
	draw_pr(p, seed);
	/* Where the disk models librbd (the exclusive lock), it compares and
	 * writes in one step as librbd's compare-and-write does, and COMPARE
	 * AND WRITE through two gateways is atomic, as the rbd backstore makes
	 * it (ref_target/backstore/rbd.c). Without it the lock moves between
	 * one gateway's read and its write: two compares of one value both
	 * won (seed 1573 of the five-flag swarm; scenarios/42). Not drawn:
	 * every stream keeps its place.
	 * Only where librbd can: librbd 16 (Debian 12's Ceph) compares one
	 * 512-byte sector at most (EINVAL beyond, measured on 16.2.15), so an
	 * rbd LU of 4096-byte blocks falls back to the engine's
	 * read-compare-write, atomic through one gateway only (rbd.c warns at
	 * start). A drawn world of such an LU behind two gateways whose
	 * disk takes the lock at a write (librbd's automatic lock) would race
	 * as seed 1573 did on real Ceph too: its hosts send no COMPARE AND
	 * WRITE. (The daemon's default explicit lock has no such window: a
	 * non-owner cannot write, a takeover blocklists.) */
	p->disk.compare_write = p->disk.exclusive_lock && p->block_size == DRAW_CAW_SECTOR_BYTES;
	if (p->disk.exclusive_lock && !p->disk.compare_write && p->gateways > 1)
		no_caw(p);
}

void swarm_draw_erl(struct sim_params *p, uint64_t seed)
{
	if (!p->draw_erl)
		return;
	/* Drawn once: what is written out (isim params, shrink) holds the
	 * values and replays without drawing again. */
	p->draw_erl = false;
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.erl", 0);
	/* Each end offers 0, 1 or 2 evenly (issue 19: the initiator plays
	 * ERL 2 too): the minimum is negotiated (§13.20), so of nine
	 * worlds five end at 0, three at 1 and one at 2. */
	p->tgt.error_recovery_level = (uint32_t)rng_below(&r, 3);
	p->ini.error_recovery_level = (uint32_t)rng_below(&r, 3);
	/* Half the worlds get a noisy link, and with it digests at both
	 * ends: without them the damage is silent and the data oracle
	 * rightly flags it (what digests are for, RFC 7143 §7.8). */
	if (!rng_chance(&r, 500000) || p->faults.n >= FAULTS_MAX)
		return;
	p->tgt.header_digest = p->tgt.data_digest = true;
	p->ini.header_digest = p->ini.data_digest = true;
	uint64_t lo = SIM_S(2), hi = p->duration_ns > SIM_S(12) ? p->duration_ns - SIM_S(10) : SIM_S(2);
	struct fault f = { .kind = F_NOISE, .at_ns = ms_range(&r, lo, hi) };
	f.ini = (int)rng_below(&r, (uint64_t)p->initiators);
	f.gw = (int)rng_below(&r, (uint64_t)p->gateways);
	f.dur_ns = ms_range(&r, SIM_S(1), SIM_S(20));
	f.dir = (enum fault_dir)rng_below(&r, 3);
	f.a = rng_range(&r, 100, 2000); /* ppm of the sends */
	p->faults.f[p->faults.n++] = f;
	faults_sort(&p->faults);
}

void swarm_draw_mcs(struct sim_params *p, uint64_t seed)
{
	if (!p->draw_mcs)
		return;
	p->draw_mcs = false;
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.mcs", 0);
	if (!rng_chance(&r, 500000) || p->paths * 2 > SIM_PATHS_MAX)
		return;
	/* Reads that take the lock and a checker that reads through every
	 * path (draw_lock, swarm_draw_mpath) move the lock whenever a checker
	 * read goes through the gateway that lost it, after the workload too.
	 * A world of one connection a session settles all the same: the read
	 * that reinstates a path to the gateway that just got its group back
	 * is answered with that nexus's unit attention (2A/06 ASYMMETRIC
	 * ACCESS STATE CHANGED, SPC-4 §5.15), never reaches the disk, and
	 * every path is back until the next pass. A session of two
	 * connections is one I_T nexus for two paths: the sibling's read
	 * finds the attention taken, reaches the disk and breaks the lock at
	 * once, the other gateway's paths go standby, and the paths are never
	 * all back at once (seed 960: lock moved every ~5.6 s, the polling
	 * interval, to the end). That is the ping-pong of
	 * scenarios/03-lock-ping-pong-active-active, not a bug of MC/S: such
	 * a world keeps one connection a session. */
	if (p->disk.lock_on == DISK_LOCK_ON_IO && p->mp.checker != MP_CHECKER_TUR)
		return;
	p->ini.connections = 2;
	if (p->tgt.max_connections < 2)
		p->tgt.max_connections = 2;
	if (!rng_chance(&r, 500000) || p->faults.n >= FAULTS_MAX)
		return;
	uint64_t lo = SIM_S(2), hi = p->duration_ns > SIM_S(12) ? p->duration_ns - SIM_S(10) : SIM_S(2);
	struct fault f = { .kind = F_RESET, .at_ns = ms_range(&r, lo, hi) };
	f.ini = (int)rng_below(&r, (uint64_t)p->initiators);
	int path = (int)rng_below(&r, (uint64_t)p->paths);
	f.gw = (f.ini + path) % p->gateways; /* that path's gateway (world/initiators.c) */
	f.a = (uint64_t)(path * 2) + rng_below(&r, 2) + 1; /* one of its two connections */
	p->faults.f[p->faults.n++] = f;
	faults_sort(&p->faults);
}

#define DRAW_BIG_LU_BLOCKS 16384u /* an LU large transfers fit in, many times over */

void swarm_draw_hosts(struct sim_params *p, uint64_t seed)
{
	if (!p->draw_hosts)
		return;
	p->draw_hosts = false;
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.hosts", 0);
	if (rng_chance(&r, 333333))
		p->wl.weight[WL_ODD] = (uint32_t)rng_range(&r, 1, 10);
	if (rng_chance(&r, 250000)) {
		/* One host (a backup or a database load) moves 128 KiB to 2 MiB
		 * a command, two at a time: the simulator's cost is per byte,
		 * and one such host is the hazard (many bursts and R2Ts in
		 * flight across failovers) at a fourth of the price of all. */
		if (p->blocks < DRAW_BIG_LU_BLOCKS)
			p->blocks = DRAW_BIG_LU_BLOCKS;
		uint64_t want = rng_range(&r, 128u << 10, 2048u << 10) / p->block_size;
		int h = (int)rng_below(&r, (uint64_t)p->initiators);
		char line[96];
		struct scenario_expect ignored;
		char err[256];
		snprintf(line, sizeof(line), "workload ini=%d qd=2 max_blocks=%llu\n", h,
			(unsigned long long)(want > 1 ? want : 1));
		int rc = scenario_parse_from("draw_hosts", line, p, &ignored, err, sizeof(err));
		assert(rc == 0 && "a drawn large-transfer host is a valid workload line");
		(void)rc;
	}
	if (!rng_chance(&r, 333333))
		return;
	unsigned n = (unsigned)rng_range(&r, 1, 3);
	uint64_t lo = SIM_S(2), hi = p->duration_ns > SIM_S(12) ? p->duration_ns - SIM_S(10) : SIM_S(2);
	for (unsigned i = 0; i < n && p->faults.n < FAULTS_MAX; i++) {
		struct fault f = { .kind = rng_chance(&r, 500000) ? F_LOGOUT : F_INI_EXIT, .at_ns = ms_range(&r, lo, hi) };
		f.ini = (int)rng_below(&r, (uint64_t)p->initiators);
		f.gw = f.kind == F_LOGOUT ? (int)rng_below(&r, (uint64_t)p->gateways) : 0;
		f.dur_ns = ms_range(&r, SIM_MS(100), SIM_S(10));
		f.a = rng_chance(&r, 500000);
		p->faults.f[p->faults.n++] = f;
	}
	faults_sort(&p->faults);
}

void swarm_draw_pr_shared(struct sim_params *p, uint64_t seed)
{
	if (!p->draw_pr_shared)
		return;
	p->draw_pr_shared = false;
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.pr_shared", 0);
	p->tgt.pr_shared = rng_chance(&r, 500000);
}

/* Whether a scripted RESERVE or PREEMPT asks for an exclusive-access type. */
static bool prs_reserves_exclusive(const struct prs_list *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		const struct prs_action *a = &l->a[i];
		bool reserves = a->kind == PRS_RESERVE || a->kind == PRS_PREEMPT || a->kind == PRS_PREEMPT_ABORT;
		if (reserves && oprm_type_excludes_reads(a->type))
			return true;
	}
	return false;
}

void swarm_draw_mpath(struct sim_params *p, uint64_t seed)
{
	if (!p->draw_mpath)
		return;
	p->draw_mpath = false;
	struct sim_rng r;
	rng_stream(&r, seed, "swarm.mpath", 0);
	p->mp.checker = (enum mp_checker)rng_below(&r, 3);
	/* a multibus world sends no COMPARE AND WRITE: spread over two
	 * gateways, two hosts' compares race and both win (what
	 * scenarios/10-caw-two-gateways-not-atomic shows), the lock or not,
	 * unless the storage compares (disk compare_write, which drawn
	 * worlds with the lock now have: lifting this for them is a change
	 * of its own, to every multibus world's trace) */
	if (rng_chance(&r, 200000)) {
		p->mp.grouping = MP_MULTIBUS;
		no_caw(p);
	}
	p->mp.hwhandler = (enum mp_hwhandler)rng_below(&r, 3);
	if (p->mp.hwhandler == MP_HWH_NONE && p->cluster.alua == ALUA_MODE_EXPLICIT)
		p->mp.hwhandler = MP_HWH_ALUA;
	/* draw_pr's script clears its reservation at the end because a
	 * reading checker (directio, readsector0) fails every path whose
	 * nexus an exclusive-access type excludes: multipath-tools' sg_read
	 * and directio take any answer but GOOD for PATH_DOWN. The CLEAR is
	 * no guarantee: a RESERVE held up by an outage is retried and can
	 * land after it, and the reservation then stands for good (seed 153
	 * of the five-flag swarm: the holder's RESERVE through gateway 1,
	 * sent at 3.9 s, landed at 31.6 s, 0.3 s after the CLEAR; three
	 * hosts' paths to that gateway down to the end). Such a world keeps
	 * the tur checker, which a reservation never fails (TEST UNIT READY
	 * is allowed under every type: SPC-4 §5.13.1). */
	if (p->mp.checker != MP_CHECKER_TUR && prs_reserves_exclusive(&p->prs))
		p->mp.checker = MP_CHECKER_TUR;
	/* draw_lock's rule, for a checker that reads drawn here */
	if (p->disk.lock_on == DISK_LOCK_ON_IO && p->mp.checker != MP_CHECKER_TUR && p->tgt.lock_lost == LOCK_LOST_DROP)
		p->tgt.lock_lost = LOCK_LOST_STANDBY;
	if (!rng_chance(&r, 333333))
		return;
	p->mp.marginal_double_failed_ns = ms_range(&r, SIM_S(5), SIM_S(60));
	p->mp.marginal_sample_ns = ms_range(&r, SIM_S(2), SIM_S(10));
	p->mp.marginal_err_rate_permille = (uint32_t)rng_range(&r, 10, 500);
	p->mp.marginal_recheck_gap_ns = ms_range(&r, SIM_S(2), SIM_S(20));
	/* Marginal detection reads block 0 down every held path
	 * (io_err_stat). Where any I/O takes the exclusive lock (disk
	 * lock_on=io), held paths to both gateways take it from each other
	 * for as long as they are sampled, a probe that meets its gateway
	 * between losing the lock and reopening fails, and a path whose
	 * sample failed stays held while another is active (io_err_stat.c
	 * poll_io_err_stat, "keep failing the dm path"): the lock never
	 * settles and the held paths never come back (seeds 164, 168 and
	 * 200 of the five-flag swarm; a reading checker alone bounces it
	 * too, but its failed paths come back as ghosts; scenario
	 * sim/tests/scenarios/marginal-probes-bounce-the-lock.scn). The
	 * times are drawn all the same: the stream keeps its place.
	 * Likewise under a scripted exclusive-access reservation (the
	 * reading checker's rule above): a probe through a nexus the type
	 * excludes is answered RESERVATION CONFLICT, which io_err_stat
	 * counts as an error like any other (the direct read fails), so a
	 * held path samples 100% errors and stays held while another is
	 * active; the CLEAR that would end it is no guarantee (a PREEMPT or
	 * CLEAR sent while its path is down fails, the reservation stands).
	 * Five-flag swarm seeds 2848 (ea), 2901 (ea_ar), 3228 and 3350
	 * (ea_ro): paths held to the end. multipathd does not register a
	 * held path's key either (check_path returns before
	 * mpath_pr_event_handle), so EA_RO and EA_AR exclude it as well. */
	if (p->disk.lock_on == DISK_LOCK_ON_IO || prs_reserves_exclusive(&p->prs)) {
		p->mp.marginal_double_failed_ns = p->mp.marginal_sample_ns = p->mp.marginal_recheck_gap_ns = 0;
		p->mp.marginal_err_rate_permille = 0;
	}
}
