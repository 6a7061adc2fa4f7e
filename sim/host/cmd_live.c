/* host/cmd_live: `isim live`, a scenario played against real targets.
 *
 *   isim live --scenario FILE --target URL [--target URL]... [--seconds N]
 *             [--log FILE] [--row FILE] [--label NAME]
 *             [--hosts LIST --history FILE [--start now|signal]]
 *
 * Gateway g of the scenario is the g-th --target (iscsi://127.0.0.1:PORT/
 * IQN/LUN: real processes the caller started, sharing one backing file).
 * Initiators are the simulator's own (initiator/session, multipath,
 * workload), as the world builds them, but over real TCP and the wall
 * clock: path k of initiator i goes to gateway (i + k) mod G through its
 * own fault proxy (host/proxy.c) listening on an ephemeral loopback port
 * and applying the scenario's faults of that link (infra/fproxy.h says
 * which and how). The data oracle judges what the initiators read back;
 * the protocol oracle reads every proxied stream. The scenario's
 * expectation decides the exit status, judged as the simulator judges it
 * (oracle/expect.h): the verdict, and the bounds on what a live run
 * measures (the initiators' own metrics; bounds on the others are named
 * and skipped). Time 0 is when the
 * sessions start; the run stops at the scenario's duration plus at most
 * its liveness for outstanding I/O, and always by --seconds (wall).
 * Each path learns its target port group from the target, as Linux's
 * scsi_dh_alua does when it attaches (INQUIRY VPD page 83h, its target
 * port group designator, type 5h, SPC-4 §7.8.6), before multipath
 * checks it: REPORT TARGET PORT GROUPS answers name groups by that
 * number (SPC-4 §6.37), which the simulated world assigns but a real
 * target chooses (LIO's default_tg_pt_gp is 0, every reftarget's group
 * its TPGT).
 *
 * Beside the real Linux initiator (scenarios/live-guest.sh): --hosts
 * plays only the scenario's hosts listed (e.g. 1, the guest being host
 * 0), --history writes that one host's I/O history (oracle/history.h:
 * the guest's format, versions in space 0, path events as P lines) for
 * `isim guest-check`, which replays it with the guest's into one data
 * oracle and judges the scenario; this run then judges nothing itself
 * (its own data oracle numbers the versions and cannot see the guest's
 * writes) and exits 0 when it ran to its end. --start signal holds time
 * 0 until SIGUSR1 (the guest's LIVE-GO, when the guest's proxies start
 * their schedules too).
 * Exit: 0 the verdict is the expected one (with --history: the run ended
 * within the wall limit), 1 it is not, 2 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/base/time.h"
#include "sim/host/live_int.h"
#include "sim/host/psuite.h"
#include "sim/oracle/history.h"

#define LIVE_POLL_MS_MAX 10           /* the loop looks at its timers at least this often */
#define LIVE_CMD_WINDOW_MAX 256u      /* the protocol oracle's CmdSN window bound */

static struct live L;

static uint64_t now_rel(void) { return wall_ns() - L.t0; }

/* ---- the sessions' environment: real sockets to the path's proxy ---- */

static void op_connect(void *ctx, struct isess *s)
{
	(void)ctx;
	struct lpath *p = s->user;
	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	fcntl(p->fd, F_SETFL, fcntl(p->fd, F_GETFL) | O_NONBLOCK);
	int one = 1;
	setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p->port),
		.sin_addr.s_addr = htonl(0x7f000001u) };
	p->out_len = 0;
	p->connecting = true;
	if (connect(p->fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS)
		p->connect_failed = true;
}

static void path_close(struct lpath *p, bool reset)
{
	if (p->fd < 0)
		return;
	if (reset) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(p->fd);
	p->fd = -1;
	p->connecting = p->connect_failed = false;
	p->out_len = 0;
}

static void op_send(void *ctx, struct isess *s, const struct iovec *iov, int n)
{
	(void)ctx;
	struct lpath *p = s->user;
	for (int i = 0; i < n && p->fd >= 0; i++) {
		if (p->out_len + iov[i].iov_len > LIVE_SENDBUF_BYTES) {
			/* The proxy stopped reading for longer than this buffer
			 * lasts: the connection is as good as dead (TCP would
			 * time out); the session hears of it as a reset. */
			path_close(p, true);
			p->connect_failed = true;
			return;
		}
		memcpy(p->out + p->out_len, iov[i].iov_base, iov[i].iov_len);
		p->out_len += iov[i].iov_len;
	}
}

static void op_disconnect(void *ctx, struct isess *s, bool graceful)
{
	(void)ctx;
	path_close(s->user, !graceful);
}

static void op_done(void *ctx, struct isess *s, struct icmd *c)
{
	struct lini *in = ctx;
	struct lpath *p = s->user;
	assert(L.ndone < LIVE_DONE_MAX);
	L.done[L.ndone++] = (struct ldone){ .in = in, .path = (unsigned)p->idx, .c = c };
}

/* INQUIRY, EVPD, page 83h (SPC-4 §6.6, §7.8.6) to the path's LU. */
static void ask_tpg(struct lpath *p)
{
	p->vpd = (struct icmd){ .lun = L.wlcfg.lun, .dir = ICMD_IN, .buf = p->vpd_buf, .len = LIVE_VPD_LEN,
		.fastfail = true, .attr = 1 };
	p->vpd.cdb[0] = 0x12; /* INQUIRY */
	p->vpd.cdb[1] = 0x01; /* EVPD */
	p->vpd.cdb[2] = 0x83; /* Device Identification */
	p->vpd.cdb[3] = (uint8_t)(LIVE_VPD_LEN >> 8);
	p->vpd.cdb[4] = (uint8_t)LIVE_VPD_LEN;
	p->vpd_busy = true;
	isess_submit(&p->sess, now_rel(), &p->vpd);
}

/* The target port group designator (type 5h, SPC-4 §7.8.6: two
 * reserved bytes, then the group) of a page 83h answer, or -1. */
static int vpd_tpg(const struct icmd *c)
{
	const uint8_t *b = c->buf;
	uint32_t len = c->data_in < c->len ? c->data_in : c->len;
	if (c->result != ICMD_OK || c->status != 0 || len < 4 || b[1] != 0x83)
		return -1;
	uint32_t end = 4u + ((uint32_t)b[2] << 8 | b[3]);
	if (end > len)
		end = len;
	for (uint32_t off = 4; off + 4 <= end; off += 4u + b[off + 3]) {
		const uint8_t *d = b + off;
		if ((d[1] & 0x0f) == 5 && d[3] >= 4 && off + 8 <= end)
			return d[6] << 8 | d[7];
	}
	return -1;
}

/* The path's page 83h answer: its group for multipath, then the path is
 * up for multipath (scsi_dh_alua attaches before the path is used). An
 * LU without the designator has no ALUA for Linux (scsi_dh_alua's
 * alua_check_vpd: "No target port descriptors found", the handler does
 * not attach, and multipathd's detect_prio does not pick prio alua):
 * multipath asks it no REPORT TARGET PORT GROUPS (tgt: its standard
 * INQUIRY's TPGS is 0, SPC-4 §6.6.2, and it does not support the
 * command). An unanswered INQUIRY is asked again once the session is up. */
static void vpd_done(struct lini *in, struct lpath *p, uint64_t now)
{
	p->vpd_busy = false;
	if (p->vpd.result != ICMD_OK) {
		if (isess_up(&p->sess)) /* lost with a connection that is back already */
			ask_tpg(p);
		return;
	}
	int tpg = vpd_tpg(&p->vpd);
	p->tpg_known = true;
	if (tpg >= 0)
		in->mp.paths[p->idx].tpg = (uint16_t)tpg;
	bool had_alua = in->mpcfg.alua || in->mpcfg.hwhandler == MP_HWH_ALUA;
	if (tpg < 0) {
		in->mpcfg.alua = false;
		if (in->mpcfg.hwhandler == MP_HWH_ALUA)
			in->mpcfg.hwhandler = MP_HWH_NONE;
	}
	printf("  %8.3f s  host %d path %d (gw %d): %s %u%s\n", (double)now / 1e9, in->idx, p->idx, p->gw,
		tpg >= 0 ? "target port group"
			 : "no target port group designator in VPD page 83h: no ALUA, as Linux; group",
		in->mp.paths[p->idx].tpg,
		tpg >= 0 ? " (INQUIRY VPD page 83h)" : had_alua ? ", no REPORT TARGET PORT GROUPS" : "");
	if (isess_up(&p->sess))
		mpath_path_up(&in->mp, now, (unsigned)p->idx);
}

static void op_event(void *ctx, struct isess *s, enum isess_event ev, uint32_t detail, const char *why)
{
	struct lini *in = ctx;
	struct lpath *p = s->user;
	(void)detail;
	if (ev == ISE_UP && p->tpg_known)
		mpath_path_up(&in->mp, now_rel(), (unsigned)p->idx);
	else if (ev == ISE_UP && !p->vpd_busy)
		ask_tpg(p);
	if (ev != ISE_UP && ev != ISE_DOWN && ev != ISE_FAILED && ev != ISE_ABORT)
		return;
	printf("  %8.3f s  host %d path %d (gw %d): %s%s%s\n", (double)now_rel() / 1e9, in->idx, p->idx, p->gw,
		ev == ISE_UP ? "up" : ev == ISE_DOWN ? "down" : ev == ISE_FAILED ? "replacement_timeout" : "abort_task",
		why ? ": " : "", why ? why : "");
}

/* --history: what the application was told of one I/O (oracle/history.h),
 * before the workload judges it and reuses the slot. */
static void hist_io(const struct mp_io *io, uint64_t now)
{
	const struct wl_slot *s = io->owner;
	static uint64_t vers[OHIST_BLOCKS_MAX];
	static char line[OHIST_LINE_MAX];
	struct ohist_rec r = { .ver = s->ver, .lba = s->lba, .n = s->n, .fua = s->op == WL_WRITE_FUA,
		.inv = s->invoke, .end = now, .err = io->result == MP_OK ? 0 : EIO, .vers = vers };
	switch (s->op) {
	case WL_READ:
		r.op = 'R';
		for (uint32_t i = 0; r.err == 0 && i < s->n; i++)
			vers[i] = ohist_block_version(s->buf + (size_t)i * L.p->block_size, L.p->block_size, s->lba + i);
		break;
	case WL_WRITE:
	case WL_WRITE_FUA:
		r.op = 'W';
		break;
	case WL_FLUSH:
		r.op = 'F';
		break;
	default:
		return; /* refused at setup (played_hosts) */
	}
	size_t len = ohist_format(line, sizeof(line), &r);
	assert(len > 0); /* max_blocks <= OHIST_BLOCKS_MAX: played_hosts */
	fwrite(line, 1, len, L.hist);
}

static void mp_done(void *ctx, struct mpath *mp, struct mp_io *io)
{
	(void)mp;
	struct lini *in = ctx;
	if (L.hist != NULL)
		hist_io(io, now_rel());
	bool before = in->wl.stats.failover_ns == SIM_NEVER;
	wl_io_done(&in->wl, now_rel(), io);
	if (before && in->wl.stats.failover_ns != SIM_NEVER)
		printf("  %8.3f s  host %d: failed over: first I/O moved from gw %d completed GOOD through gw %d, "
			"%.3f s after the first fault\n", (double)now_rel() / 1e9, in->idx, io->first_gw, io->last_gw,
			(double)in->wl.stats.failover_ns / 1e9);
}

static void mp_note(void *ctx, struct mpath *mp, const char *what, int path)
{
	struct lini *in = ctx;
	(void)mp;
	if (strncmp(what, "path_fail", 9) != 0 && strcmp(what, "reinstate") != 0)
		return;
	printf("  %8.3f s  host %d path %d: %s\n", (double)now_rel() / 1e9, in->idx, path, what);
	if (L.hist != NULL)
		fprintf(L.hist, "P %llu %s h%dp%d\n", (unsigned long long)now_rel(), what[0] == 'p' ? "fail" : "back",
			in->idx, path);
}

/* ---- the protocol oracle on the proxied streams ---- */

static void watch(void *ctx, unsigned conn, enum fpx_dir d, const uint8_t *b, size_t n)
{
	struct lpath *p = ctx;
	unsigned k = conn % FPX_CONNS_MAX;
	if (!p->op_live[k])
		return;
	if (!oproto_bytes(&p->op[k], d == FPX_TO_INI, b, n) && p->op[k].violations == 1 && L.proto_violations++ == 0)
		snprintf(L.proto_why, sizeof(L.proto_why), "host %d path %d conn %u: %s", p->in->idx, p->idx, conn,
			p->op[k].why);
}

static void px_event(void *ctx, unsigned conn, const char *what)
{
	struct lpath *p = ctx;
	unsigned k = conn % FPX_CONNS_MAX;
	if (strcmp(what, "accepted") == 0) {
		if (p->op_live[k])
			oproto_fini(&p->op[k]);
		oproto_init(&p->op[k], &host_mem, conn, LIVE_CMD_WINDOW_MAX);
		p->op_live[k] = true;
	}
}

/* ---- setup ---- */

static const struct isess_ops sess_ops = {
	.connect = op_connect, .send = op_send, .disconnect = op_disconnect, .done = op_done, .event = op_event,
};

static int setup(const struct sim_params *p, struct ps_target *tg, FILE *log, char *why, size_t cap)
{
	L.p = p;
	trace_init(&L.tr, 0);
	odata_init(&L.od, &host_mem, p->blocks, p->block_size, true);
	L.od.black_box = true;
	L.od.torn_reads_ok = true; /* real targets run overlapping commands concurrently (oracle/data.h) */
	L.wlcfg = p->wl;
	L.wlcfg.blocks = p->blocks;
	L.wlcfg.block_size = p->block_size;
	L.wlcfg.stop_at_ns = p->duration_ns;
	L.wlcfg.lun = tg[0].lun;
	L.wlcfg.fault_at_ns = faults_first_at(&p->faults);
	const struct sim_ini_params *ip = &p->ini;
	for (int i = 0; i < p->initiators; i++) {
		struct lini *in = &L.inis[i];
		in->idx = i;
		if (!in->played)
			continue;
		snprintf(in->name, sizeof(in->name), "iqn.2024-01.org.isim:live-host%d", i);
		in->icfg = (struct isess_cfg){
			.login = { .initiator_name = in->name, .chap_algs = ip->chap_algs, .skip_security = true,
				.want_header_digest = ip->header_digest, .want_data_digest = ip->data_digest,
				.mrdsl = ip->mrdsl, .max_burst_length = ip->max_burst_length,
				.first_burst_length = ip->first_burst_length,
				.max_outstanding_r2t = ip->max_outstanding_r2t, .initial_r2t = ip->initial_r2t,
				.immediate_data = ip->immediate_data },
			.noop_interval_ns = ip->noop_interval_ns, .noop_timeout_ns = ip->noop_timeout_ns,
			.login_timeout_ns = ip->login_timeout_ns,
			.replacement_timeout_ns = mpath_recovery_tmo(&p->mp, ip->replacement_timeout_ns),
			.cmd_timeout_ns = ip->cmd_timeout_ns, .tmf_timeout_ns = ip->tmf_timeout_ns,
			.reconnect_delay_ns = ip->reconnect_delay_ns, .logout_timeout_ns = ip->logout_timeout_ns,
		};
		in->mpcfg = p->mp;
		in->mpcfg.lun = tg[0].lun; /* its checker's and ALUA handler's commands go to the LU, as the workload's */
		struct mpath_ops mops = { .ctx = in, .done = mp_done, .note = mp_note };
		mpath_init(&in->mp, &in->mpcfg, &mops);
		struct isess_ops ops = sess_ops;
		ops.ctx = in;
		/* Every initiator prefers gateway 0 (prefer=owner) unless the
		 * scenario spreads them (as world/initiators.c decides). */
		int pref = p->cluster.prefer == PREFER_SPREAD ? i % p->gateways : p->cluster.optimized;
		for (int k = 0; k < p->paths; k++) {
			struct lpath *pa = &in->paths[k];
			pa->in = in;
			pa->idx = k;
			pa->gw = (i + k) % p->gateways;
			pa->fd = -1;
			pa->out = malloc(LIVE_SENDBUF_BYTES);
			struct sockaddr_in la = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001u) };
			struct sockaddr_in ta = { .sin_family = AF_INET, .sin_port = htons(tg[pa->gw].port) };
			inet_pton(AF_INET, tg[pa->gw].host, &ta.sin_addr);
			char name[32];
			snprintf(name, sizeof(name), "h%dp%d-gw%d", i, k, pa->gw);
			if (pa->out == NULL || hpx_open(&pa->px, name, &la, &ta, p->seed, log, why, cap) != 0)
				return -1;
			struct sockaddr_in bound;
			socklen_t bl = sizeof(bound);
			getsockname(pa->px.lfd, (struct sockaddr *)&bound, &bl);
			pa->port = ntohs(bound.sin_port);
			pa->px.log_prefix = true;
			pa->px.watch = watch;
			pa->px.event = px_event;
			pa->px.ctx = pa;
			if (proxy_cli_rules(&pa->px.x, p, i, pa->gw, NULL, 0) != 0)
				return -1;
			struct sim_rng rng;
			rng_stream(&rng, p->seed, "session", (uint32_t)(i * SIM_PATHS_MAX + k));
			const uint8_t isid[6] = { 0x80, 0x00, (uint8_t)i, 0x00, (uint8_t)k, 0x01 };
			pa->cfg = in->icfg;
			pa->cfg.login.target_name = tg[pa->gw].iqn;
			isess_init(&pa->sess, &pa->cfg, &ops, &host_mem, &rng, isid);
			pa->sess.user = pa;
			mpath_add_path(&in->mp, &pa->sess, pa->gw, (uint16_t)(pa->gw + 1), pa->gw == pref ? 50 : 10);
		}
		struct sim_rng rng;
		rng_stream(&rng, p->seed, "workload", (uint32_t)i);
		wl_init(&in->wl, &L.wlcfg, &host_mem, &rng, &L.od, &in->mp, &L.tr, i);
	}
	return 0;
}

/* ---- the loop ---- */

static void path_io(struct lpath *p, short rev, uint64_t now)
{
	if (p->connecting && (rev & (POLLOUT | POLLERR | POLLHUP))) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		p->connecting = false;
		if (err != 0) {
			path_close(p, false);
			isess_on_connect_failed(&p->sess, now);
		} else {
			isess_on_connected(&p->sess, now);
		}
		return;
	}
	if (p->fd < 0 || p->connecting)
		return;
	while (p->out_len > 0) {
		ssize_t w = send(p->fd, p->out, p->out_len, MSG_NOSIGNAL);
		if (w <= 0)
			break;
		memmove(p->out, p->out + w, p->out_len - (size_t)w);
		p->out_len -= (size_t)w;
	}
	if (rev & (POLLIN | POLLHUP | POLLERR)) {
		static uint8_t buf[HPX_READ_MAX];
		ssize_t r = read(p->fd, buf, sizeof(buf));
		if (r > 0) {
			isess_on_bytes(&p->sess, now, buf, (size_t)r);
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			path_close(p, false);
			isess_on_closed(&p->sess, now);
		}
	}
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

static void timers(uint64_t now)
{
	for (unsigned k = 0; k < L.ndone; k++) {
		struct ldone d = L.done[k];
		struct lpath *p = &d.in->paths[d.path];
		if (d.c == &p->vpd)
			vpd_done(d.in, p, now);
		else
			mpath_cmd_done(&d.in->mp, now, d.path, d.c);
	}
	L.ndone = 0;
	for (int i = 0; i < L.p->initiators; i++) {
		struct lini *in = &L.inis[i];
		if (!in->played)
			continue;
		for (int k = 0; k < L.p->paths; k++) {
			struct lpath *p = &in->paths[k];
			if (p->connect_failed) {
				/* connect() refused at once, or the send buffer overflowed */
				bool was_connecting = p->connecting;
				path_close(p, true);
				if (was_connecting)
					isess_on_connect_failed(&p->sess, now);
				else
					isess_on_closed(&p->sess, now);
			}
			if (isess_next_deadline(&p->sess) <= now)
				isess_on_time(&p->sess, now);
		}
		if (mpath_next_deadline(&in->mp) <= now)
			mpath_on_time(&in->mp, now);
		if (wl_next_deadline(&in->wl) <= now)
			wl_on_time(&in->wl, now);
	}
}

static bool outstanding(void)
{
	for (int i = 0; i < L.p->initiators; i++)
		if (L.inis[i].played && wl_outstanding(&L.inis[i].wl) > 0)
			return true;
	return false;
}

static void run_loop(uint64_t wall_limit_ns)
{
	static struct pollfd pfds[SIM_INIS_MAX * SIM_PATHS_MAX * (HPX_POLLFDS_MAX + 1)];
	const struct sim_params *p = L.p;
	for (int i = 0; i < p->initiators; i++)
		for (int k = 0; k < p->paths && L.inis[i].played; k++) {
			hpx_start(&L.inis[i].paths[k].px, L.t0);
			isess_start(&L.inis[i].paths[k].sess, 0);
		}
	uint64_t end = p->duration_ns + p->liveness_ns;
	while (wall_ns() - L.t0 < wall_limit_ns) {
		uint64_t now = now_rel();
		if (now >= end || (now >= p->duration_ns && !outstanding()))
			break;
		unsigned n = 0;
		int path_pfd[SIM_INIS_MAX][SIM_PATHS_MAX];
		uint64_t dl = now + SIM_MS(LIVE_POLL_MS_MAX);
		for (int i = 0; i < p->initiators; i++)
			for (int k = 0; k < p->paths && L.inis[i].played; k++) {
				struct lpath *pa = &L.inis[i].paths[k];
				n = hpx_poll_set(&pa->px, pfds, n, sizeof(pfds) / sizeof(pfds[0]), wall_ns());
				dl = min_u64(dl, hpx_deadline(&pa->px, wall_ns()) - L.t0);
				path_pfd[i][k] = (int)n;
				short ev = pa->connecting ? POLLOUT : POLLIN;
				if (!pa->connecting && pa->out_len > 0)
					ev |= POLLOUT;
				pfds[n++] = (struct pollfd){ .fd = pa->fd, .events = ev };
			}
		int ms = dl <= now ? 0 : (int)((dl - now + 999999) / 1000000);
		if (poll(pfds, n, ms) < 0 && errno != EINTR)
			break;
		now = now_rel();
		for (int i = 0; i < p->initiators; i++)
			for (int k = 0; k < p->paths && L.inis[i].played; k++) {
				struct lpath *pa = &L.inis[i].paths[k];
				hpx_after_poll(&pa->px, pfds, wall_ns());
				if (pa->fd >= 0)
					path_io(pa, pfds[path_pfd[i][k]].revents, now);
			}
		timers(now);
	}
}

static void teardown(void)
{
	for (int i = 0; i < L.p->initiators; i++) {
		struct lini *in = &L.inis[i];
		for (int k = 0; k < L.p->paths && in->played; k++) {
			struct lpath *p = &in->paths[k];
			path_close(p, true);
			hpx_close(&p->px);
			for (unsigned c = 0; c < FPX_CONNS_MAX; c++)
				if (p->op_live[c])
					oproto_fini(&p->op[c]);
			free(p->out);
		}
	}
	/* Sessions, multipath and workload keep pointers into each other and
	 * to I/O in flight; the process ends right after. */
}

/* --hosts LIST (comma-separated host numbers; default every host) marks
 * the hosts played; --history needs exactly one, and a workload the
 * history's format holds: reads, writes and flushes of at most
 * OHIST_BLOCKS_MAX blocks (guest_writer's mix). */
static int played_hosts(const struct sim_params *p, const char *hosts, const char *hist, char *why, size_t cap)
{
	unsigned n = 0;
	for (int i = 0; i < p->initiators; i++)
		L.inis[i].played = hosts == NULL;
	for (const char *c = hosts; c != NULL && *c != '\0';) {
		char *end;
		long h = strtol(c, &end, 10);
		if (end == c || h < 0 || h >= p->initiators || (*end != ',' && *end != '\0')) {
			snprintf(why, cap, "--hosts %s: host numbers 0..%d, comma-separated", hosts, p->initiators - 1);
			return -1;
		}
		n += !L.inis[h].played;
		L.inis[h].played = true;
		c = *end == ',' ? end + 1 : end;
	}
	if (hosts != NULL && n == 0) {
		snprintf(why, cap, "--hosts: no host");
		return -1;
	}
	if ((hist != NULL) != (hosts != NULL) || (hist != NULL && n != 1)) {
		snprintf(why, cap, "--history and --hosts go together, naming one host (a history is one host's)");
		return -1;
	}
	const struct wl_cfg *w = &p->wl;
	if (hist != NULL && (w->weight[WL_UNMAP] || w->weight[WL_CAW] || w->weight[WL_ODD] || w->hb_interval_ns ||
		w->max_blocks > OHIST_BLOCKS_MAX)) {
		snprintf(why, cap, "--history: the history holds reads, writes and flushes of at most %u blocks; the "
			"workload has UNMAP, COMPARE AND WRITE, odd opcodes, heartbeats or larger I/O", OHIST_BLOCKS_MAX);
		return -1;
	}
	return 0;
}

/* --start signal: time 0 is SIGUSR1 (blocked, then waited for); false
 * when it did not come within limit. */
static bool wait_start(uint64_t limit)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	struct timespec ts = { .tv_sec = (time_t)(limit / 1000000000ull), .tv_nsec = (long)(limit % 1000000000ull) };
	return sigtimedwait(&set, NULL, &ts) == SIGUSR1;
}

/* ---- the command ---- */

static int usage(const char *why)
{
	fprintf(stderr, "isim live: %s\n", why);
	fputs("usage: isim live --scenario FILE --target URL [--target URL]... [--seconds N] [--log FILE]\n"
	      "                 [--row FILE] [--label NAME] [--hosts LIST --history FILE [--start now|signal]]\n",
		stderr);
	return 2;
}

int cmd_live(int argc, char **argv)
{
	const char *scn = NULL, *log_s = NULL, *row = NULL, *label = "live", *hosts = NULL, *hist = NULL;
	bool start_on_signal = false;
	static struct ps_target tg[SIM_GWS_MAX];
	int ntg = 0;
	uint64_t seconds = 0;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("every option takes a value");
		const char *a = argv[i], *v = argv[++i];
		char why[200];
		if (strcmp(a, "--scenario") == 0)
			scn = v;
		else if (strcmp(a, "--log") == 0)
			log_s = v;
		else if (strcmp(a, "--row") == 0)
			row = v;
		else if (strcmp(a, "--label") == 0)
			label = v;
		else if (strcmp(a, "--hosts") == 0)
			hosts = v;
		else if (strcmp(a, "--history") == 0)
			hist = v;
		else if (strcmp(a, "--start") == 0 && (strcmp(v, "now") == 0 || strcmp(v, "signal") == 0))
			start_on_signal = strcmp(v, "signal") == 0;
		else if (strcmp(a, "--seconds") == 0) {
			char *end;
			seconds = strtoull(v, &end, 10);
			if (*end != '\0' || seconds == 0)
				return usage("--seconds takes a positive number");
		} else if (strcmp(a, "--target") == 0 && ntg < SIM_GWS_MAX) {
			static struct ps_config cfg;
			if (!ps_parse_url(v, &tg[ntg], &cfg, false, why, sizeof(why)))
				return usage(why);
			if (!pw_is_loopback(tg[ntg].host) || strchr(tg[ntg].host, ':') != NULL) {
				snprintf(why, sizeof(why), "%s: live runs only against 127.0.0.0/8 targets", v);
				return usage(why);
			}
			ntg++;
		} else {
			snprintf(why, sizeof(why), "bad option '%s'", a);
			return usage(why);
		}
	}
	if (start_on_signal) {
		/* held from now on, so that an early SIGUSR1 waits for wait_start */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	if (scn == NULL || ntg == 0)
		return usage("--scenario and at least one --target are required");
	static struct sim_params sp;
	static struct scenario_expect se;
	if (proxy_cli_scenario(scn, &sp, &se) != 0)
		return 2;
	if (ntg != sp.gateways) {
		fprintf(stderr, "isim live: the scenario has %d gateways, %d --target given\n", sp.gateways, ntg);
		return 2;
	}
	char hwhy[200];
	if (played_hosts(&sp, hosts, hist, hwhy, sizeof(hwhy)) != 0)
		return usage(hwhy);
	if (hist != NULL && (L.hist = fopen(hist, "w")) == NULL) {
		fprintf(stderr, "isim live: cannot write %s: %s\n", hist, strerror(errno));
		return 2;
	}
	FILE *log = stderr;
	if (log_s != NULL && (log = fopen(log_s, "w")) == NULL) {
		fprintf(stderr, "isim live: cannot write %s: %s\n", log_s, strerror(errno));
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	char why[256];
	if (setup(&sp, tg, log, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim live: %s\n", why);
		return 2;
	}
	uint64_t limit = seconds ? SIM_S(seconds) : sp.duration_ns + sp.liveness_ns + SIM_S(10);
	printf("live: %s: %d gateways, %d initiators x %d paths%s%s, %.0f s (wall limit %.0f s%s)\n", base_name(scn),
		sp.gateways, sp.initiators, sp.paths, hosts ? ", playing hosts " : "", hosts ? hosts : "",
		(double)sp.duration_ns / 1e9, (double)limit / 1e9, start_on_signal ? ", from SIGUSR1" : "");
	fflush(stdout);
	uint64_t w0 = wall_ns();
	if (start_on_signal && !wait_start(limit)) {
		fprintf(stderr, "isim live: no SIGUSR1 within the wall limit\n");
		return 1;
	}
	L.t0 = wall_ns();
	if (start_on_signal)
		printf("live: clock started (SIGUSR1) %.3f s after the command\n", (double)(L.t0 - w0) / 1e9);
	run_loop(limit);
	uint64_t wall = wall_ns() - L.t0;
	bool timed_out = wall >= limit;
	bool met;
	if (L.hist != NULL) {
		/* the history's end (oracle/history.h); the verdict is guest-check's */
		fprintf(L.hist, "E 0\n");
		met = fclose(L.hist) == 0 && !timed_out;
		live_print_counts(&L);
		printf("live: %s: history of host%s %s written, %.1f s wall%s\n", label, strchr(hosts, ',') ? "s" : "",
			hosts, (double)wall / 1e9, timed_out ? " [wall limit hit]" : "");
	} else {
		met = live_report(&L, &se, label, row, wall, timed_out);
	}
	teardown();
	if (log != stderr)
		fclose(log);
	return met ? 0 : 1;
}
