/* world: see world.h. This file builds the world, glues the network and
 * the disk to gateways, initiators and oracles, runs the event loop and
 * delivers the verdict (liveness at the end, the first violation of any
 * oracle otherwise). */
#include <stdarg.h>
#include <stdio.h>

#include "sim/base/time.h"
#include "sim/world/world_int.h"

#define QUIET_CHECK_NS SIM_S(1)   /* how often the end-of-run check looks */
#define LOGOUT_GRACE_NS SIM_S(30) /* logouts must finish within this */
#define LOGOUT_CHECK_NS SIM_MS(100)

const char *sim_oracle_name(enum sim_oracle o)
{
	switch (o) {
	case ORACLE_NONE: return "none";
	case ORACLE_DATA: return "data";
	case ORACLE_PROTOCOL: return "protocol";
	case ORACLE_LIVENESS: return "liveness";
	case ORACLE_ENGINE: return "engine";
	case ORACLE_RESERVATION: return "reservation";
	case ORACLE_BOUND: return "bound";
	case ORACLE_COMMAND: return "command";
	case ORACLE_KINDS: break;
	}
	return "unknown";
}

static void violation(struct world *w, enum sim_oracle o, const struct violation_site *at, const char *fmt,
	va_list ap) __attribute__((format(printf, 4, 0)));
static void violation(struct world *w, enum sim_oracle o, const struct violation_site *at, const char *fmt,
	va_list ap)
{
	struct sim_result *r = w->res;
	if (r->oracle != ORACLE_NONE)
		return;
	r->oracle = o;
	r->fail_ns = w->q.now;
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	char esc[700], block[64] = "";
	trace_json_escape(esc, sizeof(esc), r->why);
	if (at->block_known)
		snprintf(block, sizeof(block), ",\"lba\":%llu,\"ver\":%llu", (unsigned long long)at->lba,
			(unsigned long long)at->ver);
	trace_ev(w->tr, w->q.now, TEV_ORACLE, "violation", at->ini, (int)o, at->block_known ? at->lba : 0,
		at->block_known ? at->ver : 0, ",\"oracle\":\"%s\"%s,\"why\":\"%s\"", sim_oracle_name(o), block, esc);
	w->done = true;
}

void world_violation(struct world *w, enum sim_oracle o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	violation(w, o, &(struct violation_site){ .ini = -1 }, fmt, ap);
	va_end(ap);
}

void world_violation_at(struct world *w, enum sim_oracle o, const struct violation_site *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	violation(w, o, at, fmt, ap);
	va_end(ap);
}

void world_violation_data(struct world *w, int ini, const char *fmt, ...)
{
	struct violation_site at = { .ini = ini, .block_known = w->od.where.known, .lba = w->od.where.lba,
		.ver = w->od.where.ver };
	va_list ap;
	va_start(ap, fmt);
	violation(w, ORACLE_DATA, &at, fmt, ap);
	va_end(ap);
}

void world_cov(struct world *w, enum cov_point c)
{
	w->cov.hits[c]++;
}

void wtimer_touch(struct wtimer *t)
{
	t->dirty = true;
}

static void ev_settled(void *a, void *b, uint64_t conn)
{
	(void)b;
	struct world *w = a;
	oatt_settled(&w->att, (uint32_t)conn, w->q.now);
}

static struct iparams *path_session(struct world *w, const struct simnet_conn *c);

static void conn_gone_now(struct world *w, uint32_t conn, int gw)
{
	if (!oatt_closed(&w->att, conn))
		return;
	uint64_t drain = disk_gw_drain_time(&w->disk, gw);
	evq_push(&w->q, drain > w->q.now ? drain : w->q.now, ev_settled, w, NULL, conn);
}

static void ev_conn_gone_late(void *a, void *b, uint64_t conn)
{
	(void)b;
	struct world *w = a;
	if (conn < w->att.nc && w->att.c[conn].gw >= 0)
		conn_gone_now(w, (uint32_t)conn, w->att.c[conn].gw);
}

/* How long the target may keep c's tasks alive after c is gone: at
 * ErrorRecoveryLevel 2, DefaultTime2Wait + DefaultTime2Retain (RFC 7143
 * §7.1.4.3, §13.15-16: they wait for TASK REASSIGN and run on meanwhile);
 * 0 below it. From the connection's checker, or its path's last one. */
static uint64_t conn_retain_ns(struct world *w, const struct simnet_conn *c)
{
	const struct iparams *p = NULL;
	if (c->id < w->checkers_cap && w->checkers[c->id] != NULL && w->checkers[c->id]->ffp)
		p = oproto_session_keys(w->checkers[c->id]);
	else if (path_session(w, c) != NULL && w->path_sess_known[path_session(w, c) - w->path_sess])
		p = path_session(w, c);
	if (p == NULL || p->error_recovery_level < 2 || p->default_time2retain == 0)
		return 0;
	return SIM_S((uint64_t)p->default_time2wait + p->default_time2retain);
}

void world_conn_gone(struct world *w, struct simnet_conn *c)
{
	/* ERL 2: the engine (if it still runs) keeps the connection's tasks;
	 * their writes may land until it lets them go. */
	uint64_t retain = w->gws[c->gw].eng != NULL ? conn_retain_ns(w, c) : 0;
	if (retain > 0) {
		evq_push(&w->q, w->q.now + retain, ev_conn_gone_late, w, NULL, c->id);
		return;
	}
	conn_gone_now(w, c->id, c->gw);
}

/* ---- network glue ---- */

static bool on_net_accept(void *ctx, struct simnet_conn *c)
{
	struct world *w = ctx;
	if (!wgw_accept(&w->gws[c->gw], c))
		return false;
	if (c->ini >= w->p->initiators)
		return true; /* an attacker's: no fault names it */
	/* Fault login_drop: this connection dies once its login has begun. */
	uint32_t *left = &w->login_drops[c->ini][c->gw];
	if (*left > 0 && w->ndrop < WORLD_LOGIN_DROPS_MAX) {
		(*left)--;
		w->drop_conns[w->ndrop++] = c->id;
	}
	return true;
}

/* Was c marked to be reset at its first bytes? Forget it if so. */
static bool take_login_drop(struct world *w, const struct simnet_conn *c)
{
	for (unsigned i = 0; i < w->ndrop; i++) {
		if (w->drop_conns[i] == c->id) {
			w->drop_conns[i] = w->drop_conns[--w->ndrop];
			return true;
		}
	}
	return false;
}

static void on_net_connected(void *ctx, struct simnet_conn *c, bool ok)
{
	struct watk *a = watk_of_node(ctx, c->ini);
	if (a != NULL)
		watk_connected(a, c, ok);
	else
		wini_connected(c->user[SIMNET_INI], c, ok);
}

static size_t on_net_deliver(void *ctx, struct simnet_conn *c, enum simnet_side to, const uint8_t *p, size_t len)
{
	struct world *w = ctx;
	if (len < SIMNET_READ_MAX && c->pipe[to == SIMNET_GW ? SIMNET_INI : SIMNET_GW].head != NULL)
		world_cov(w, COV_NET_SPLIT_DELIVERY);
	if (to == SIMNET_GW) {
		bool drop = w->ndrop > 0 && take_login_drop(w, c);
		size_t took = wgw_deliver(&w->gws[c->gw], c, p, len);
		if (drop && !c->dead) {
			trace_ev(w->tr, w->q.now, TEV_CONN, "login_drop", c->ini, (int)c->id, (uint64_t)c->gw, 0,
				",\"gw\":%d", c->gw);
			simnet_reset(&w->net, c, "login_drop");
		}
		return took;
	}
	if (c->ini >= w->p->initiators)
		watk_deliver(watk_of_node(w, c->ini), c, p, len);
	else
		wini_deliver(c->user[SIMNET_INI], c, p, len);
	return len;
}

/* Initiators and attackers have no send queue to drain (an attacker
 * looks at simnet_unsent before it sends); gateways are told. */
static void on_net_sent(void *ctx, struct simnet_conn *c, enum simnet_side from, uint64_t unsent)
{
	struct world *w = ctx;
	if (from == SIMNET_GW)
		wgw_sent(&w->gws[c->gw], c, unsent);
}

static void on_net_closed(void *ctx, struct simnet_conn *c, enum simnet_side to, bool reset)
{
	struct world *w = ctx;
	(void)reset;
	if (to == SIMNET_GW)
		wgw_closed(&w->gws[c->gw], c);
	else if (c->ini >= w->p->initiators)
		watk_closed(watk_of_node(w, c->ini), c);
	else
		wini_closed(c->user[SIMNET_INI], c);
}

/* Where a host's path keeps the keys of its session's last connection:
 * the next connection may join that session (ERL 2, §6.3.4). */
static struct iparams *path_session(struct world *w, const struct simnet_conn *c)
{
	if (c == NULL || c->ini < 0 || c->ini >= w->p->initiators || c->path < 0 || c->path >= SIM_PATHS_MAX)
		return NULL;
	/* MC/S: a session's connections share its leader's entry */
	int lead = c->path - (int)w->inis[c->ini].paths[c->path].cid;
	return &w->path_sess[c->ini * SIM_PATHS_MAX + lead];
}

/* MC/S: a checker in full feature phase on another connection of c's
 * session (its keys are the session's, §13), or NULL. */
static const struct oproto *session_checker(struct world *w, const struct simnet_conn *c)
{
	if (w->p->ini.connections <= 1 || path_session(w, c) == NULL)
		return NULL;
	for (size_t i = 0; i < w->checkers_cap; i++) {
		const struct simnet_conn *o = w->checkers[i] != NULL ? simnet_conn_by_id(&w->net, (uint32_t)i) : NULL;
		if (o != NULL && o != c && !o->dead && w->checkers[i]->ffp && o->ini == c->ini &&
			path_session(w, o) == path_session(w, c))
			return w->checkers[i];
	}
	return NULL;
}

static void checker_free(struct world *w, uint32_t id)
{
	if (id >= w->checkers_cap || w->checkers[id] == NULL)
		return;
	struct iparams *ps = path_session(w, simnet_conn_by_id(&w->net, id));
	if (ps != NULL && w->checkers[id]->ffp) {
		*ps = *oproto_session_keys(w->checkers[id]);
		w->path_sess_known[ps - w->path_sess] = true;
	}
	oproto_fini(w->checkers[id]);
	sim_free(w->mem, w->checkers[id], sizeof(struct oproto));
	w->checkers[id] = NULL;
}

/* One line per PDU, from the checker's framing (--pdus). */
static void trace_pdu(void *ctx, const struct oproto *o, bool from_target, const struct ipdu_rx *rx)
{
	struct world *w = ctx;
	const uint8_t *bhs = rx->bhs;
	/* Every 32-bit word after the ITT as it is: what each means depends
	 * on the opcode (RFC 7143 §11.2.1), the trace shows them all. */
	uint32_t word[(ISCSI_BHS_LEN - PDU_OPCODE_SPECIFIC) / 4];
	for (unsigned i = 0; i < sizeof(word) / sizeof(word[0]); i++)
		word[i] = pdu_w(bhs, PDU_OPCODE_SPECIFIC + 4 * i);
	struct simnet_conn *c = simnet_conn_by_id(&w->net, o->conn);
	trace_ev(w->tr, w->q.now, TEV_PDU, from_target ? "tgt" : "ini", c ? c->ini : -1, (int)o->conn,
		pdu_opcode(bhs), rx->dsl,
		",\"op\":\"%s\",\"flags\":%u,\"itt\":%u,\"w20\":%u,\"sn\":%u,\"exp\":%u,\"max\":%u,\"w36\":%u,\"off\":%u,\"w44\":%u,\"dsl\":%u",
		pdu_opcode_name(pdu_opcode(bhs)), pdu_flags(bhs), pdu_itt(bhs), word[0], word[1],
		word[2], word[3], word[4], word[5], word[6], rx->dsl);
}

static void on_net_wire(void *ctx, struct simnet_conn *c, enum simnet_wire what, enum simnet_side from, const uint8_t *p,
	size_t len)
{
	struct world *w = ctx;
	if (w->obs.wire != NULL)
		w->obs.wire(w->obs.ctx, w->q.now, c->id, c->ini, c->path, c->gw, (int)what, from == SIMNET_GW, p, len);
	switch (what) {
	case SIMNET_WIRE_OPEN:
		if (c->ini >= w->p->initiators && !watk_checked(watk_of_node(w, c->ini)))
			break;
		w->checkers = sim_grow(w->mem, w->checkers, sizeof(*w->checkers), &w->checkers_cap, c->id + 1);
		w->checkers[c->id] = sim_zalloc(w->mem, sizeof(struct oproto));
		oproto_init(w->checkers[c->id], w->mem, c->id, w->p->tgt.cmd_window);
		if (w->p->ini.connections > 1 && path_session(w, c) != NULL)
			oproto_share_cmdsn(w->checkers[c->id], &w->path_cs[path_session(w, c) - w->path_sess]);
		if (session_checker(w, c) != NULL)
			oproto_set_session(w->checkers[c->id], oproto_session_keys(session_checker(w, c)));
		else if (path_session(w, c) != NULL && w->path_sess_known[path_session(w, c) - w->path_sess])
			oproto_set_session(w->checkers[c->id], path_session(w, c));
		if (trace_on(w->tr, TEV_PDU)) {
			w->checkers[c->id]->on_pdu = trace_pdu;
			w->checkers[c->id]->on_pdu_ctx = w;
		}
		break;
	case SIMNET_WIRE_DATA: {
		struct oproto *o = c->id < w->checkers_cap ? w->checkers[c->id] : NULL;
		if (o != NULL && !oproto_bytes(o, from == SIMNET_GW, p, len))
			world_violation(w, ORACLE_PROTOCOL, "initiator %d path %d gateway %d: %s", c->ini, c->path, c->gw,
				o->why);
		break;
	}
	case SIMNET_WIRE_FIN:
		world_checker_reap(w, c);
		break;
	case SIMNET_WIRE_RST:
		checker_free(w, c->id);
		break;
	}
}

/* A FIN closes one direction only (TCP half-close): the other end may
 * still send PDUs, and they are checked, until it closes too, vanishes
 * with its node, or a reset ends the connection. */
void world_checker_reap(struct world *w, const struct simnet_conn *c)
{
	if (c->dead || (c->closed[SIMNET_INI] && c->closed[SIMNET_GW]))
		checker_free(w, c->id);
}

/* ---- disk glue: the round trip of an I/O is disk_path.c's ---- */

static void disk_applied(void *ctx, int gw, uint64_t lba, uint32_t n, const uint8_t *data,
	const struct block_seen *seen, bool durable)
{
	(void)durable;
	struct world *w = ctx;
	w->landed.valid = false;
	if (gw < 0)
		return;
	w->landed.vers = sim_grow(w->mem, w->landed.vers, sizeof(*w->landed.vers), &w->landed.cap, n);
	w->landed.data = data;
	w->landed.n = n;
	w->landed.valid = odata_applied_seen(&w->od, lba, n, seen, w->landed.vers);
	if (!w->landed.valid)
		world_violation_data(w, -1, "gateway %d: %s", gw, w->od.why);
}

/* ---- build ---- */

/* A reset attack (attack reset): the attacker's ACL maps an LU of its
 * own at LUN 0, none of the victims'; with permit=yes it also maps the
 * victims' LU (at LUN 1) and is granted target resets: the defence off. */
static void build_reset_attacker_view(struct world *w)
{
	const struct attack *k = NULL;
	for (unsigned i = 0; i < w->p->attacks.n; i++)
		if (w->p->attacks.a[i].kind == ATK_RESET)
			k = &w->p->attacks.a[i];
	if (k == NULL)
		return;
	w->lus[1] = (struct rt_lu_cfg){ .name = "attacker0", .blocks = 64, .block_size = w->p->block_size,
		.flags = RT_LU_THIN | RT_LU_LBPRZ, .serial = "isim0000atk0", .naa_id = 0x15100002ull,
		.vendor = "ISIM", .product = "SIMDISK-ATK" };
	w->lu_count = 2;
	w->lun_atk[0] = (struct rt_lun_map){ .lun = 0, .lu = 1 };
	w->lun_atk[1] = (struct rt_lun_map){ .lun = 1, .lu = 0 };
	w->acl_atk = (struct rt_acl_cfg){ .initiator = watk_reset_name(), .luns = w->lun_atk,
		.lun_count = k->permit ? 2 : 1 };
	if (w->p->tgt.chap) {
		w->acl_atk.auth.in = (struct rt_chap_cred){ .user = wgw_chap_user(w), .secret = wgw_chap_secret(w) };
		if (w->p->tgt.mutual_chap)
			w->acl_atk.auth.out = (struct rt_chap_cred){ .user = wgw_target_user(w),
				.secret = wgw_target_secret(w) };
	}
	wgw_acl_grant_target_reset(&w->acl_atk, k->permit);
	w->acl_count = 1;
}

static void build_shared(struct world *w)
{
	const struct sim_params *p = w->p;
	w->lus[0] = (struct rt_lu_cfg){ .name = "disk0", .blocks = p->blocks, .block_size = p->block_size,
		.flags = RT_LU_THIN | RT_LU_LBPRZ | (p->tgt.wce ? RT_LU_WCE : 0) | (p->tgt.pr_shared ? RT_LU_PR_SHARED : 0) |
			 (p->disk.compare_write ? RT_LU_COMPARE_WRITE : 0),
		.compare_write_max = p->disk.compare_write ? DISK_COMPARE_WRITE_BLOCKS_MAX * p->block_size : 0,
		.serial = "isim0000disk0",
		.naa_id = 0x15100001ull, .vendor = "ISIM", .product = "SIMDISK" };
	w->lu_count = 1;
	w->lun = (struct rt_lun_map){ .lun = 0, .lu = 0 };
	build_reset_attacker_view(w);
	/* A LIO file's node ACLs, each mapping the shared LU as LUN 0 with
	 * its own CHAP; the reset attacker's ACL after them. */
	w->acl_id_count = 0;
	for (unsigned i = 0; i < p->id.n_acls && i < SIM_ID_ACLS_MAX; i++) {
		const struct sim_id_acl *a = &p->id.acls[i];
		struct rt_acl_cfg *c = &w->acl_id[w->acl_id_count++];
		*c = (struct rt_acl_cfg){ .initiator = a->initiator, .luns = &w->lun, .lun_count = 1 };
		if (a->chap_user != NULL)
			c->auth.in = (struct rt_chap_cred){ .user = a->chap_user, .secret = a->chap_secret };
		if (a->target_user != NULL)
			c->auth.out = (struct rt_chap_cred){ .user = a->target_user, .secret = a->target_secret };
	}
	if (w->acl_id_count != 0 && w->acl_count != 0)
		w->acl_id[w->acl_id_count++] = w->acl_atk;
	const struct sim_ini_params *ip = &p->ini;
	w->icfg = (struct isess_cfg){
		.login = { .target_name = wgw_target_name(w), .chap_algs = ip->chap_algs,
			.skip_security = ip->skip_security && !p->tgt.chap,
			.want_header_digest = ip->header_digest, .want_data_digest = ip->data_digest,
			.mrdsl = ip->mrdsl, .max_burst_length = ip->max_burst_length,
			.first_burst_length = ip->first_burst_length, .max_outstanding_r2t = ip->max_outstanding_r2t,
			.initial_r2t = ip->initial_r2t, .immediate_data = ip->immediate_data,
			.error_recovery_level = ip->error_recovery_level },
		.noop_interval_ns = ip->noop_interval_ns, .noop_timeout_ns = ip->noop_timeout_ns,
		.login_timeout_ns = ip->login_timeout_ns,
		.replacement_timeout_ns = mpath_recovery_tmo(&p->mp, ip->replacement_timeout_ns),
		.cmd_timeout_ns = ip->cmd_timeout_ns, .tmf_timeout_ns = ip->tmf_timeout_ns,
		.reconnect_delay_ns = ip->reconnect_delay_ns, .logout_timeout_ns = ip->logout_timeout_ns,
		.escalation = ip->escalation,
	};
	if (p->tgt.chap) {
		w->icfg.login.chap_user = wgw_chap_user(w);
		w->icfg.login.chap_secret = wgw_chap_secret(w);
		if (p->tgt.mutual_chap) {
			w->icfg.login.target_user = wgw_target_user(w);
			w->icfg.login.target_secret = wgw_target_secret(w);
		}
	}
	w->wlcfg = p->wl;
	w->wlcfg.blocks = p->blocks;
	w->wlcfg.block_size = p->block_size;
	w->wlcfg.stop_at_ns = p->duration_ns;
	w->wlcfg.fault_at_ns = faults_first_at(&p->faults);
}

static const struct simnet_ops world_net_ops = {
	.accept = on_net_accept, .connected = on_net_connected, .deliver = on_net_deliver,
	.closed = on_net_closed, .wire = on_net_wire, .sent = on_net_sent,
};

struct world *world_create(const struct sim_params *p, const struct sim_mem *mem, struct sim_trace *tr,
	const struct world_wire_obs *obs)
{
	assert(p->gateways >= 1 && p->gateways <= SIM_GWS_MAX);
	assert(p->initiators >= 1 && p->initiators <= SIM_INIS_MAX);
	assert(p->paths >= 1 && p->paths <= SIM_PATHS_MAX);
	struct world *w = sim_zalloc(mem, sizeof(*w));
	w->p = p;
	w->mem = mem;
	w->tr = tr;
	if (obs != NULL)
		w->obs = *obs;
	evq_init(&w->q, mem);
	rng_stream(&w->rng_rx, p->seed, "rx_mode", 0);
	struct sim_rng rng;
	rng_stream(&rng, p->seed, "net", 0);
	struct simnet_ops nops = world_net_ops;
	nops.ctx = w;
	simnet_init(&w->net, mem, &w->q, tr, &rng, &p->net, &nops, p->initiators + (int)p->attacks.n, p->gateways);
	rng_stream(&w->net.noise_rng, p->seed, "noise", 0);
	struct disk_params dp = p->disk;
	dp.blocks = p->blocks;
	dp.block_size = p->block_size;
	struct disk_ops dops = { .ctx = w, .done = diskpath_disk_done, .applied = disk_applied };
	rng_stream(&rng, p->seed, "disk", 0);
	disk_init(&w->disk, mem, &w->q, tr, &rng, &dp, &dops);
	rng_stream(&w->prn_rng, p->seed, "pr_notify", 0); /* drawn only with target pr_shared=yes */
	/* Without a volatile cache somewhere, every acknowledged write is durable. */
	odata_init(&w->od, mem, p->blocks, p->block_size, !p->tgt.wce || !p->disk.volatile_cache);
	oatt_init(&w->att, mem, &w->od);
	build_shared(w);
	return w;
}

/* ---- run ---- */

static void rearm_all(struct world *w)
{
	for (int g = 0; g < w->p->gateways; g++)
		if (w->gws[g].timer.dirty)
			wgw_rearm(&w->gws[g]);
	for (int i = 0; i < w->p->initiators; i++)
		if (w->inis[i].timer.dirty)
			wini_rearm(&w->inis[i]);
	for (unsigned i = 0; i < w->p->attacks.n; i++)
		if (w->atks[i].timer.dirty)
			watk_rearm(&w->atks[i]);
}

static unsigned outstanding(const struct world *w)
{
	unsigned n = 0;
	for (int i = 0; i < w->p->initiators; i++)
		n += wl_outstanding(&w->inis[i].wl);
	return n;
}

static bool paths_whole(const struct world *w)
{
	for (int i = 0; i < w->p->initiators; i++)
		if (mpath_active_paths(&w->inis[i].mp) != (unsigned)wini_npaths(w))
			return false;
	return true;
}

static void ev_finish(void *a, void *b, uint64_t arg);

static void begin_logout(struct world *w)
{
	w->stopping = true;
	trace_ev(w->tr, w->q.now, TEV_WORLD, "logout", -1, -1, 0, 0, NULL);
	for (int i = 0; i < w->p->initiators; i++)
		wini_logout(&w->inis[i]);
	w->logout_deadline = w->q.now + LOGOUT_GRACE_NS;
	evq_push(&w->q, w->q.now + LOGOUT_CHECK_NS, ev_finish, w, NULL, 0);
}

static void liveness_failure(struct world *w)
{
	char detail[300] = "";
	size_t o = 0;
	for (int i = 0; i < w->p->initiators && o < sizeof(detail) - 40; i++)
		o += (size_t)snprintf(detail + o, sizeof(detail) - o, " ini%d:%u io/%u paths", i,
			wl_outstanding(&w->inis[i].wl), mpath_active_paths(&w->inis[i].mp));
	world_violation(w, ORACLE_LIVENESS, "%llu s after the last fault healed, %u I/Os still outstanding or paths down:%s",
		(unsigned long long)(w->p->liveness_ns / SIM_S(1)), outstanding(w), detail);
}

/* After the workload and the faults are over: wait for quiet (no I/O,
 * every path back), then log out; no quiet by end_ns is a liveness
 * failure (RFC-level recovery and multipath failback must converge). */
static void ev_quiet(void *a, void *b, uint64_t arg)
{
	(void)b;
	(void)arg;
	struct world *w = a;
	if (w->stopping)
		return;
	if (outstanding(w) == 0 && paths_whole(w)) {
		begin_logout(w);
		return;
	}
	if (w->q.now >= w->end_ns) {
		liveness_failure(w);
		return;
	}
	evq_push(&w->q, w->q.now + QUIET_CHECK_NS, ev_quiet, w, NULL, 0);
}

static void ev_finish(void *a, void *b, uint64_t arg)
{
	(void)b;
	(void)arg;
	struct world *w = a;
	bool late = w->q.now >= w->logout_deadline;
	for (int i = 0; i < w->p->initiators; i++) {
		for (int k = 0; k < wini_npaths(w); k++) {
			const struct isess *s = &w->inis[i].paths[k].sess;
			if (s->state == ISS_CLOSED)
				continue;
			if (late)
				world_violation(w, ORACLE_LIVENESS, "initiator %d path %d: logout did not finish (state %d)", i,
					k, s->state);
			else
				evq_push(&w->q, w->q.now + LOGOUT_CHECK_NS, ev_finish, w, NULL, 0);
			return;
		}
	}
	for (int g = 0; g < w->p->gateways; g++) {
		struct wgw *gw = &w->gws[g];
		if (gw->eng == NULL || rt_engine_idle(gw->eng))
			continue;
		if (late)
			world_violation(w, ORACLE_ENGINE, "gateway %d keeps connections after every session logged out", g);
		else
			evq_push(&w->q, w->q.now + LOGOUT_CHECK_NS, ev_finish, w, NULL, 0);
		return;
	}
	trace_ev(w->tr, w->q.now, TEV_WORLD, "end", -1, -1, 0, 0, NULL);
	w->done = true;
}

static void collect(struct world *w, struct sim_result *out)
{
	out->sim_ns = w->q.now;
	out->events = w->q.ran;
	out->engine_leaked = w->engine_leaked;
	for (int i = 0; i < w->p->initiators; i++)
		out->ios += w->inis[i].wl.stats.completed;
	for (int i = 0; i < w->p->initiators; i++) {
		const struct wl_stats *s = &w->inis[i].wl.stats;
		struct cov *c = &w->cov;
		c->hits[COV_IO_READ_OK] += s->ok[WL_READ];
		c->hits[COV_IO_WRITE_OK] += s->ok[WL_WRITE];
		c->hits[COV_IO_FUA_OK] += s->ok[WL_WRITE_FUA];
		c->hits[COV_IO_FLUSH_OK] += s->ok[WL_FLUSH];
		c->hits[COV_IO_UNMAP_OK] += s->ok[WL_UNMAP];
		c->hits[COV_IO_CAW_OK] += s->ok[WL_CAW];
		c->hits[COV_IO_CAW_MISCOMPARE] += s->miscompares;
		c->hits[COV_IO_MEDIUM_ERROR] += s->medium_errors;
		c->hits[COV_MP_QUEUE_NO_PATH] += w->inis[i].mp.stats.queued;
		for (int k = 0; k < wini_npaths(w); k++)
			c->hits[COV_SESS_R2T] += w->inis[i].paths[k].sess.stats.r2ts;
	}
	w->cov.hits[COV_NET_SYN_LOST] += w->net.stats_syn_lost;
	w->cov.hits[COV_NET_RST_FROM_RESTARTED] += w->net.stats_rst_from_restarted;
	w->cov.hits[COV_NET_WINDOW_SHUT] += w->net.stats_window_shut;
	for (unsigned i = 0; i < w->p->attacks.n; i++) {
		for (unsigned k = 0; k < w->atks[i].nsess; k++) {
			w->cov.hits[COV_ATTACK_RESET_DONE] += w->atks[i].sess[k].sess.stats.raw_tmf_done;
			w->cov.hits[COV_ATTACK_RESET_REFUSED] += w->atks[i].sess[k].sess.stats.raw_tmf_refused;
		}
	}
	w->cov.hits[COV_DISK_LOST_BLOCKS] += w->disk.stats.lost_blocks;
	w->cov.hits[COV_DISK_TORN_WRITE] += w->disk.stats.torn_blocks;
	w->cov.hits[COV_DATA_READ_AFTER_POWER_LOSS] += w->od.stats.power_losses ? w->od.stats.reads_checked : 0;
	out->cov = w->cov;
	wmetrics_collect(w, &out->metrics);
	out->trace_hash = w->tr->hash;
	out->trace_events = w->tr->events;
}

void world_run(struct world *w, struct sim_result *out)
{
	memset(out, 0, sizeof(*out));
	w->res = out;
	const struct sim_params *p = w->p;
	trace_ev(w->tr, 0, TEV_WORLD, "start", -1, -1, p->seed, 0,
		",\"seed\":%llu,\"gateways\":%d,\"initiators\":%d,\"paths\":%d,\"faults\":%u",
		(unsigned long long)p->seed, p->gateways, p->initiators, p->paths, p->faults.n);
	wcluster_init(w);
	wpr_init(w);
	w->last_lander = -1;
	for (int g = 0; g < p->gateways && !w->done; g++) {
		w->gws[g].idx = g;
		wgw_init(w, &w->gws[g]);
	}
	for (int i = 0; i < p->initiators && !w->done; i++) {
		w->inis[i].idx = i;
		wini_init(w, &w->inis[i]);
		wini_start(&w->inis[i]);
	}
	wpr_start(w);
	for (unsigned i = 0; i < p->attacks.n && !w->done; i++) {
		w->atks[i].idx = (int)i;
		w->atks[i].a = &p->attacks.a[i];
		watk_init(w, &w->atks[i]);
	}
	wfault_schedule(w);
	uint64_t calm = faults_last_heal(&p->faults);
	/* An attack's end counts as a heal: the others' service must be
	 * whole within the liveness bound after it. */
	if (attacks_last_end(&p->attacks) > calm)
		calm = attacks_last_end(&p->attacks);
	if (calm < p->duration_ns)
		calm = p->duration_ns;
	w->end_ns = calm + p->liveness_ns;
	evq_push(&w->q, calm, ev_quiet, w, NULL, 0);
	rearm_all(w);
	while (!w->done && evq_run_one(&w->q, SIM_NEVER - 1))
		rearm_all(w);
	if (!w->done)
		world_violation(w, ORACLE_LIVENESS, "the world ran out of events before finishing");
	/* Crash-stop every engine: the hygiene checks (no leak) run here too. */
	for (int g = 0; g < p->gateways; g++)
		wgw_fini(&w->gws[g]);
	collect(w, out);
}

void world_destroy(struct world *w)
{
	const struct sim_mem *mem = w->mem;
	for (int i = 0; i < w->p->initiators; i++)
		if (w->inis[i].w != NULL)
			wini_fini(&w->inis[i]);
	for (unsigned i = 0; i < w->p->attacks.n; i++)
		watk_fini(&w->atks[i]);
	for (size_t id = 0; id < w->checkers_cap; id++)
		checker_free(w, (uint32_t)id);
	sim_free(mem, w->checkers, w->checkers_cap * sizeof(*w->checkers));
	sim_free(mem, w->landed.vers, w->landed.cap * sizeof(*w->landed.vers));
	simnet_fini(&w->net);
	wprn_fini(w);
	disk_fini(&w->disk);
	oatt_fini(&w->att);
	odata_fini(&w->od);
	evq_fini(&w->q);
	sim_free(mem, w, sizeof(*w));
}
