/* initiator/multipath: see initiator/multipath.h. */
#include "sim/initiator/multipath.h"
#include "sim/initiator/multipath_sense.h"

#include "sim/base/time.h"

enum {
	ST_GOOD = 0x00,
	ST_CHECK_CONDITION = 0x02,
	ST_CONDITION_MET = 0x04,
	ST_BUSY = 0x08,
	ST_TASK_SET_FULL = 0x28,
	ST_TASK_ABORTED = 0x40,
};
#define PRIO_STANDBY 1u
#define PRIO_NONOPTIMIZED 10u /* multipath-tools' alua prioritizer values */
/* SPC-4 §6.37: MAINTENANCE IN / REPORT TARGET PORT GROUPS, and the
 * asymmetric access states of §5.15.2.4. */
#define OP_MAINTENANCE_IN 0xa3u
#define OP_READ_10 0x28u
#define SA_REPORT_TARGET_PORT_GROUPS 0x0au
/* SPC-4 §6.16: PERSISTENT RESERVE OUT, REGISTER AND IGNORE EXISTING KEY. */
#define OP_PERSISTENT_RESERVE_OUT 0x5fu
#define PROUT_REGISTER_AND_IGNORE 0x06u
#define PROUT_APTPL 0x01u /* parameter list byte 20 */
enum { ALUA_AO = 0x0, ALUA_AN = 0x1, ALUA_STANDBY = 0x2, ALUA_UNAVAILABLE = 0x3 };
#define SVC_INITIAL_NS SIM_MS(1)

void mpath_init(struct mpath *mp, const struct mpath_cfg *cfg, const struct mpath_ops *ops)
{
	memset(mp, 0, sizeof(*mp));
	mp->cfg = cfg;
	mp->ops = *ops;
	mp->cur_path = -1;
	mp->no_path_deadline = SIM_NEVER;
}

void mpath_add_path(struct mpath *mp, struct isess *s, int gw, uint16_t tpg, uint32_t prio)
{
	assert(mp->npaths < MPATH_PATHS_MAX);
	struct mp_path *p = &mp->paths[mp->npaths++];
	/* With ALUA a path's group state is unknown, taken as standby, until
	 * REPORT TARGET PORT GROUPS answers (multipathd asks the prioritizer
	 * before it puts a path to use). */
	*p = (struct mp_path){ .s = s, .gw = gw, .tpg = tpg, .state = MPP_FAILED, .prio_static = prio,
		.svc_ewma_ns = SVC_INITIAL_NS, .alua_state = -1, .standby = mp->cfg->alua, .activate_at = SIM_NEVER,
		.tur_deadline = SIM_NEVER, .transitioning_since = SIM_NEVER, .fail_prev_at = SIM_NEVER,
		.marginal_until = SIM_NEVER, .probe_at = SIM_NEVER, .probe_deadline = SIM_NEVER };
	/* Like multipathd, a path is used once the checker has seen it work. */
	p->next_check = 0;
}

static uint32_t prio(const struct mp_path *p)
{
	if (p->standby || p->alua_state == ALUA_STANDBY)
		return PRIO_STANDBY;
	if (p->alua_state == ALUA_AN && p->prio_static > PRIO_NONOPTIMIZED)
		return PRIO_NONOPTIMIZED;
	return p->prio_static;
}

void mpath_set_pr_key(struct mpath *mp, uint64_t key, bool aptpl)
{
	mp->pr_key = key;
	mp->pr_aptpl = aptpl;
}

/* With a reservation key, a path is used only through a registered I_T
 * nexus: through another, the holder's own writes would conflict. */
static bool usable(const struct mpath *mp, const struct mp_path *p)
{
	return p->state == MPP_ACTIVE && p->alua_state != ALUA_UNAVAILABLE && (mp->pr_key == 0 || p->registered);
}

bool mpath_usable(const struct mpath *mp, unsigned i)
{
	assert(i < mp->npaths);
	return usable(mp, &mp->paths[i]);
}

/* The path group a path belongs to, by the value update_group compares:
 * its priority (group_by_prio), or one group for all (multibus). */
#define MP_MULTIBUS_GROUP 1000000u /* above any priority: never 0 ("none") */
static uint32_t group_of(const struct mpath *mp, const struct mp_path *p)
{
	return mp->cfg->grouping == MP_MULTIBUS ? MP_MULTIBUS_GROUP : prio(p);
}

unsigned mpath_active_paths(const struct mpath *mp)
{
	unsigned n = 0;
	for (unsigned i = 0; i < mp->npaths; i++)
		n += usable(mp, &mp->paths[i]);
	return n;
}

static void note(struct mpath *mp, const char *what, int path)
{
	mp->ops.note(mp->ops.ctx, mp, what, path);
}

void mpath_note(struct mpath *mp, const char *what, int path)
{
	note(mp, what, path);
}

static void send_rtpg(struct mpath *mp, struct mp_path *p);

/* hardware_handler alua: the group dm-multipath switched to is activated
 * path by path (scsi_dh_activate -> alua_activate): each asks REPORT
 * TARGET PORT GROUPS before it is trusted with I/O. */
static void activate_group(struct mpath *mp)
{
	if (mp->cfg->hwhandler != MP_HWH_ALUA)
		return;
	for (unsigned i = 0; i < mp->npaths; i++) {
		struct mp_path *p = &mp->paths[i];
		if (usable(mp, p) && group_of(mp, p) == mp->cur_prio && !p->rtpg_busy)
			send_rtpg(mp, p);
	}
}

/* Pick the path group (group_by_prio) honouring the failback policy. */
static void update_group(struct mpath *mp)
{
	uint32_t best = 0;
	bool cur_ok = false;
	for (unsigned i = 0; i < mp->npaths; i++) {
		const struct mp_path *p = &mp->paths[i];
		if (!usable(mp, p))
			continue;
		if (group_of(mp, p) > best)
			best = group_of(mp, p);
		if (group_of(mp, p) == mp->cur_prio)
			cur_ok = true;
	}
	if (best == 0 || best == mp->cur_prio)
		return;
	if (cur_ok && mp->cfg->failback == MP_FAILBACK_MANUAL)
		return;
	if (mp->cur_prio != 0) {
		mp->stats.group_switches++;
		if (best > mp->cur_prio && cur_ok) {
			mp->stats.failbacks++;
			note(mp, "failback", -1);
		} else {
			note(mp, "group_switch", -1);
		}
	}
	mp->cur_prio = best;
	activate_group(mp);
}

static int select_path(struct mpath *mp)
{
	update_group(mp);
	int best = -1;
	uint64_t best_cost = UINT64_MAX;
	unsigned n = mp->npaths;
	unsigned start = mp->cur_path >= 0 ? (unsigned)mp->cur_path : 0;
	if (mp->cfg->selector == MP_ROUND_ROBIN && mp->cur_path >= 0 && mp->rr_count < mp->cfg->rr_min_io) {
		const struct mp_path *p = &mp->paths[mp->cur_path];
		if (usable(mp, p) && group_of(mp, p) == mp->cur_prio) {
			mp->rr_count++;
			return mp->cur_path;
		}
	}
	for (unsigned k = 1; k <= n; k++) {
		unsigned i = (start + k) % n;
		const struct mp_path *p = &mp->paths[i];
		if (!usable(mp, p) || group_of(mp, p) != mp->cur_prio)
			continue;
		uint64_t cost = 0;
		switch (mp->cfg->selector) {
		case MP_ROUND_ROBIN:
			cost = 0;
			break;
		case MP_QUEUE_LENGTH:
			cost = p->inflight;
			break;
		case MP_SERVICE_TIME:
			cost = (uint64_t)(p->inflight + 1) * p->svc_ewma_ns;
			break;
		}
		if (cost < best_cost) {
			best_cost = cost;
			best = (int)i;
		}
	}
	if (best >= 0 && best != mp->cur_path) {
		mp->cur_path = best;
		mp->rr_count = 1;
	}
	return best;
}

static void finish(struct mpath *mp, struct mp_io *io, enum mp_result r)
{
	io->result = r;
	io->path = -1;
	mp->ops.done(mp->ops.ctx, mp, io);
}

static void enqueue(struct mpath *mp, struct mp_io *io, uint64_t due)
{
	io->due = due;
	io->path = -1;
	io->next = NULL;
	if (mp->queue_tail != NULL)
		mp->queue_tail->next = io;
	else
		mp->queue_head = io;
	mp->queue_tail = io;
}

static void fail_path(struct mpath *mp, unsigned i, const char *why);
static void request_activation(struct mpath *mp, unsigned pi);

/* hardware_handler alua: scsi_dh_alua's alua_prep_fn refuses a command
 * for a port whose group it knows to be standby or unavailable (SPC-4
 * §5.15.2.4.4-5: such a port would refuse it anyway) before it is sent;
 * dm-multipath takes the error for a path failure. With explicit ALUA
 * the handler first asks for the group to be made active. */
static bool handler_refuses(struct mpath *mp, unsigned pi)
{
	struct mp_path *p = &mp->paths[pi];
	if (mp->cfg->hwhandler != MP_HWH_ALUA || (p->alua_state != ALUA_STANDBY && p->alua_state != ALUA_UNAVAILABLE))
		return false;
	mp->stats.handler_refused++;
	if (p->alua_state == ALUA_STANDBY)
		request_activation(mp, pi);
	fail_path(mp, pi, "path_fail_handler");
	return true;
}

static void dispatch(struct mpath *mp, struct mp_io *io)
{
	int p = select_path(mp);
	/* each refusal fails a path: at most npaths rounds */
	while (p >= 0 && handler_refuses(mp, (unsigned)p))
		p = select_path(mp);
	if (p < 0) {
		if (mp->cfg->no_path_retry == MP_NO_PATH_RETRY_FAIL || mp->failing) {
			mp->stats.no_path_failures++;
			finish(mp, io, MP_NO_PATH);
			return;
		}
		mp->stats.queued++;
		enqueue(mp, io, 0);
		if (mp->cfg->no_path_retry > 0 && mp->no_path_deadline == SIM_NEVER)
			mp->no_path_deadline = mp->now + (uint64_t)mp->cfg->no_path_retry * mp->cfg->polling_interval_ns;
		return;
	}
	struct mp_path *path = &mp->paths[p];
	io->path = p;
	io->last_gw = path->gw;
	if (io->first_gw < 0)
		io->first_gw = path->gw;
	io->attempts++;
	io->sent_at = mp->now;
	io->cmd.owner = io;
	io->cmd.fastfail = false;
	path->inflight++;
	isess_submit(path->s, mp->now, &io->cmd);
}

void mpath_submit(struct mpath *mp, uint64_t now, struct mp_io *io)
{
	mp->now = now;
	io->attempts = io->retries = 0;
	io->alua_since = SIM_NEVER;
	io->path = -1;
	io->last_gw = io->first_gw = -1;
	mp->stats.ios++;
	dispatch(mp, io);
}

/* Run every queued I/O whose delay passed, if a path can take it. */
static void run_queue(struct mpath *mp)
{
	struct mp_io *io = mp->queue_head, *keep = NULL, *keep_tail = NULL;
	mp->queue_head = mp->queue_tail = NULL;
	while (io != NULL) {
		struct mp_io *next = io->next;
		io->next = NULL;
		if (io->due <= mp->now && mpath_active_paths(mp) > 0) {
			dispatch(mp, io);
		} else {
			if (keep_tail != NULL)
				keep_tail->next = io;
			else
				keep = io;
			keep_tail = io;
		}
		io = next;
	}
	/* dispatch may have queued again: keep those after the survivors. */
	if (keep_tail != NULL) {
		keep_tail->next = mp->queue_head;
		mp->queue_head = keep;
		if (mp->queue_tail == NULL)
			mp->queue_tail = keep_tail;
	}
}

/* The paths of one I_T nexus: the connections of an MC/S session (their
 * session's numbers are one, initiator/session.h struct isess_sn); a
 * Unit Attention is reported once per nexus (SAM-5 §5.14), on whichever
 * connection runs a command first, and what it says is the nexus's. */
static bool same_nexus(const struct mp_path *p, const struct mp_path *q)
{
	return p == q || (p->s->sn == q->s->sn && p->tpg == q->tpg);
}

static void fail_path(struct mpath *mp, unsigned i, const char *why)
{
	struct mp_path *p = &mp->paths[i];
	if (p->state != MPP_ACTIVE)
		return;
	p->state = MPP_FAILED;
	p->registered = false; /* register again when it comes back */
	p->alua_state = -1;    /* and ask its group's state again */
	p->standby = mp->cfg->alua;
	p->transitioning_since = SIM_NEVER;
	p->fails++;
	mp->stats.path_fails++;
	note(mp, why, (int)i);
	if (mpm_enabled(mp->cfg))
		mpm_path_failed(mp, i);
}

static void reinstate(struct mpath *mp, unsigned i)
{
	struct mp_path *p = &mp->paths[i];
	if (p->state == MPP_ACTIVE)
		return;
	p->state = MPP_ACTIVE;
	p->reinstates++;
	mp->stats.reinstates++;
	mp->failing = false;
	mp->no_path_deadline = SIM_NEVER;
	note(mp, "reinstate", (int)i);
}

static void retry_later(struct mpath *mp, struct mp_io *io, uint64_t delay)
{
	if (++io->retries > mp->cfg->retries_max) {
		finish(mp, io, MP_RETRIES);
		return;
	}
	mp->stats.retries++;
	enqueue(mp, io, mp->now + delay);
}

/* Explicit ALUA: ask for this path's group to become active, at most
 * once per checker interval (scsi_dh_alua's activate). Only a group known
 * to be standby is asked for: with the alua prioritizer, once REPORT
 * TARGET PORT GROUPS answered for the path (dm-multipath activates the
 * path group it switches to, ranked by those answers). */
static void request_activation(struct mpath *mp, unsigned pi)
{
	struct mp_path *p = &mp->paths[pi];
	/* SET TARGET PORT GROUPS is the device handler's (alua_activate,
	 * alua_stpg): without one nobody asks */
	if (!mp->cfg->alua_explicit || mp->ops.activate == NULL || mp->cfg->hwhandler == MP_HWH_NONE)
		return;
	if (p->activate_at != SIM_NEVER && mp->now < p->activate_at + mp->cfg->polling_interval_ns)
		return;
	p->activate_at = mp->now;
	mp->stats.activations++;
	note(mp, "alua_activate", (int)pi);
	mp->ops.activate(mp->ops.ctx, mp, (int)pi);
}

static bool better_than_standby(const struct mpath *mp)
{
	for (unsigned i = 0; i < mp->npaths; i++)
		if (usable(mp, &mp->paths[i]) && prio(&mp->paths[i]) > PRIO_STANDBY)
			return true;
	return false;
}

/* An ALUA standby or transitioning answer: go to a better path if there
 * is one, else wait for the transition (SPC-4 §5.15.2.5: the group
 * changes state), up to alua_wait; the wait does not use up retries. */
static void alua_wait(struct mpath *mp, struct mp_io *io)
{
	if (better_than_standby(mp)) {
		dispatch(mp, io);
		return;
	}
	if (io->alua_since == SIM_NEVER)
		io->alua_since = mp->now;
	if (mp->now - io->alua_since > mp->cfg->alua_wait_ns) {
		finish(mp, io, MP_RETRIES);
		return;
	}
	mp->stats.alua_waits++;
	enqueue(mp, io, mp->now + mp->cfg->retry_delay_ns);
}

static void io_done(struct mpath *mp, struct mp_path *path, unsigned pi, struct mp_io *io)
{
	struct icmd *c = &io->cmd;
	path->inflight--;
	uint64_t svc = mp->now - io->sent_at;
	path->svc_ewma_ns = (7 * path->svc_ewma_ns + svc) / 8 + 1;
	switch (c->result) {
	case ICMD_TRANSPORT:
	case ICMD_FAILED:
		fail_path(mp, pi, "path_fail_io");
		dispatch(mp, io);
		return;
	case ICMD_ABORTED:
		note(mp, "io_aborted", (int)pi);
		retry_later(mp, io, mp->cfg->retry_delay_ns);
		return;
	case ICMD_OK:
		break;
	}
	if (c->status == ST_GOOD || c->status == ST_CONDITION_MET) {
		path->transitioning_since = SIM_NEVER;
		finish(mp, io, MP_OK);
		return;
	}
	if (c->status == ST_BUSY || c->status == ST_TASK_SET_FULL || c->status == ST_TASK_ABORTED) {
		note(mp, "io_busy", (int)pi);
		retry_later(mp, io, mp->cfg->retry_delay_ns);
		return;
	}
	if (c->status != ST_CHECK_CONDITION) {
		finish(mp, io, MP_CHECK);
		return;
	}
	struct mps_sense s = mps_sense_of(c);
	if (mps_alua_standby(s)) {
		path->standby = true;
		note(mp, "alua_standby", (int)pi);
		/* An answer that contradicts what REPORT TARGET PORT GROUPS said:
		 * the states changed, ask again before acting (scsi_dh_alua
		 * re-reads them); a group known to be standby is activated when
		 * nothing better is left. */
		bool known = !mp->cfg->alua || path->alua_state == ALUA_STANDBY || path->alua_state == ALUA_UNAVAILABLE;
		/* Linux fails the I/O back to dm-multipath (scsi_dh_alua leaves
		 * 02/04/0B to the midlayer, which ends it with an I/O error;
		 * alua_prep_fn refuses a known-standby path the same way), and
		 * dm-multipath fails the path: with failback=manual that is what
		 * moves the host off a standby group once a better one is back.
		 * The checker reinstates it later (TUR works in standby). Only
		 * when a better group exists: otherwise the wait below (and an
		 * explicit activation) is what the host does. */
#ifdef RT_PLANT_BUG_standby_answer_keeps_path
		if (false) /* planted (sim/planted-bugs.txt): the model before 9784aba */
#else
		if (better_than_standby(mp))
#endif
			fail_path(mp, pi, "path_fail_standby");
		else if (!known)
			path->next_check = mp->now;
		else if (!better_than_standby(mp))
			request_activation(mp, pi);
		alua_wait(mp, io);
	} else if (mps_alua_transitioning(s)) {
		note(mp, "io_not_ready", (int)pi);
		if (mp->cfg->transition_tmo_ns == 0) {
			alua_wait(mp, io);
			return;
		}
		/* scsi_dh_alua: retry after a delay; a path still transitioning
		 * after transition_tmo is failed, and the I/O goes elsewhere. */
		if (path->transitioning_since == SIM_NEVER)
			path->transitioning_since = mp->now;
		if (mp->now - path->transitioning_since >= mp->cfg->transition_tmo_ns) {
			fail_path(mp, pi, "path_fail_transition");
			dispatch(mp, io);
			return;
		}
		mp->stats.alua_waits++;
		enqueue(mp, io, mp->now + mp->cfg->retry_delay_ns);
	} else if (s.key == SK_UNIT_ATTENTION) {
		note(mp, "unit_attention", (int)pi);
		/* The group states changed: look at them now, not at the next
		 * checker interval (scsi_dh_alua re-reads them on this UA). */
		if (s.asc == ASC_PARAMETERS_CHANGED && s.ascq == ASCQ_ALUA_STATE_CHANGED) {
			if (mp->cfg->hwhandler == MP_HWH_CHECKER) {
				/* every connection of the session (MC/S): one I_T nexus */
				for (unsigned k = 0; k < mp->npaths; k++)
					if (same_nexus(path, &mp->paths[k]))
						mp->paths[k].next_check = mp->now;
			} else if (mp->cfg->hwhandler == MP_HWH_ALUA && !path->rtpg_busy) {
				send_rtpg(mp, path); /* alua_check_sense: alua_rtpg_queue */
			}
		}
		retry_later(mp, io, 0);
	} else if (s.key == SK_NOT_READY || s.key == SK_ABORTED_COMMAND) {
		note(mp, "io_not_ready", (int)pi);
		retry_later(mp, io, mp->cfg->retry_delay_ns);
	} else if (s.key == SK_ILLEGAL_REQUEST && mps_illegal_request_is_target_failure(s) &&
		mp->cfg->illegal_request == MP_IR_PATH) {
		fail_path(mp, pi, "path_fail_io");
		dispatch(mp, io);
	} else if (s.key == SK_ILLEGAL_REQUEST && !mps_illegal_request_is_target_failure(s)) {
		/* 05/25/00 LOGICAL UNIT NOT SUPPORTED: the LU is not mapped
		 * behind this path's port (unmapped on one gateway). Linux ends
		 * it as a plain I/O error, which dm-multipath takes for a path
		 * error: it fails the path and sends the I/O down another. */
		fail_path(mp, pi, "path_fail_lun");
		dispatch(mp, io);
	} else {
		finish(mp, io, MP_CHECK);
	}
}

/* The state of target port group tpg in the REPORT TARGET PORT GROUPS
 * answer path p received (length-only header, SPC-4 §6.37.2), or -1. */
static int rtpg_state(const struct mp_path *p, const struct icmd *c, uint16_t tpg)
{
	const uint8_t *b = p->rtpg_buf;
	uint32_t len = c->data_in < MP_RTPG_LEN ? c->data_in : MP_RTPG_LEN;
	if (len < 4)
		return -1;
	uint32_t end = 4 + get_be32(b);
	if (end > len)
		end = len;
	for (uint32_t off = 4; off + 8 <= end;) {
		const uint8_t *d = b + off;
		if (get_be16(d + 2) == tpg)
			return d[0] & 0x0f;
		off += 8 + 4u * d[7];
	}
	return -1;
}

/* What REPORT TARGET PORT GROUPS said of path i's group. */
static void alua_learn(struct mpath *mp, unsigned i, int st)
{
	struct mp_path *p = &mp->paths[i];
	p->standby = st == ALUA_STANDBY || st == ALUA_UNAVAILABLE;
	if (st != p->alua_state) {
		p->alua_state = st;
		note(mp, st == ALUA_AO ? "alua_optimized" : st == ALUA_AN ? "alua_nonoptimized" : "alua_standby", (int)i);
	}
}

static void rtpg_done(struct mpath *mp, unsigned i, struct icmd *c)
{
	struct mp_path *p = &mp->paths[i];
	p->rtpg_busy = false;
	int st = c->result == ICMD_OK && c->status == ST_GOOD ? rtpg_state(p, c, p->tpg) : -1;
	if (st < 0) {
		mp->stats.rtpg_failed++;
		/* Keep what we knew: with ALUA a path starts as standby and
		 * stays so until an RTPG answer names its group's state (prio()
		 * uses the static priority only for a path not in standby). */
		return;
	}
	mp->stats.rtpg_ok++;
	/* MC/S: the answer holds for every connection of the session (one
	 * I_T nexus, one target port group). */
	for (unsigned k = 0; k < mp->npaths; k++)
		if (same_nexus(p, &mp->paths[k]))
			alua_learn(mp, k, st);
	/* scsi_dh_alua keeps one state per target port group of the LU and
	 * alua_rtpg updates every group the answer names (SPC-4 §6.37: any
	 * port reports all of them): the other paths learn it too. */
	if (mp->cfg->hwhandler == MP_HWH_ALUA)
		for (unsigned k = 0; k < mp->npaths; k++) {
			int sk = rtpg_state(p, c, mp->paths[k].tpg);
			if (!same_nexus(p, &mp->paths[k]) && sk >= 0 && mp->paths[k].state == MPP_ACTIVE)
				alua_learn(mp, k, sk);
		}
	run_queue(mp);
}

static void send_rtpg(struct mpath *mp, struct mp_path *p)
{
	p->rtpg = (struct icmd){ .lun = mp->cfg->lun, .dir = ICMD_IN, .buf = p->rtpg_buf, .len = MP_RTPG_LEN, .fastfail = true, .attr = 1 };
	p->rtpg.cdb[0] = OP_MAINTENANCE_IN;
	p->rtpg.cdb[1] = SA_REPORT_TARGET_PORT_GROUPS;
	put_be32(p->rtpg.cdb + 6, MP_RTPG_LEN);
	p->rtpg_busy = true;
	isess_submit(p->s, mp->now, &p->rtpg);
}

static void send_register(struct mpath *mp, struct mp_path *p)
{
	p->prout = (struct icmd){ .lun = mp->cfg->lun, .dir = ICMD_OUT, .buf = p->prout_buf, .len = MP_PROUT_LEN, .fastfail = true,
		.attr = 1 };
	p->prout.cdb[0] = OP_PERSISTENT_RESERVE_OUT;
	p->prout.cdb[1] = PROUT_REGISTER_AND_IGNORE;
	put_be32(p->prout.cdb + 5, MP_PROUT_LEN);
	memset(p->prout_buf, 0, MP_PROUT_LEN);
	put_be64(p->prout_buf + 8, mp->pr_key); /* SERVICE ACTION RESERVATION KEY */
	p->prout_buf[20] = mp->pr_aptpl ? PROUT_APTPL : 0;
	p->prout_busy = true;
	isess_submit(p->s, mp->now, &p->prout);
}

static void prout_done(struct mpath *mp, unsigned i, struct icmd *c)
{
	struct mp_path *p = &mp->paths[i];
	p->prout_busy = false;
	if (c->result != ICMD_OK || c->status != ST_GOOD)
		return; /* the next checker pass tries again */
	p->registered = true;
	mp->stats.registrations++;
	note(mp, "pr_registered", (int)i);
	run_queue(mp);
}

static void checker_done(struct mpath *mp, unsigned i, struct icmd *c)
{
	struct mp_path *p = &mp->paths[i];
	p->tur_busy = false;
	p->tur_deadline = SIM_NEVER;
	struct mps_sense s = mps_sense_of(c);
	bool answered = c->result == ICMD_OK;
	bool may = !mpm_enabled(mp->cfg) || p->state == MPP_ACTIVE || mpm_may_reinstate(mp, i);
	if (answered && mps_alua_standby(s)) {
		p->standby = true;
		if (may)
			reinstate(mp, i); /* usable as a standby ("ghost") path */
	} else if (answered && mps_alua_transitioning(s)) {
		/* tur checker: PATH_PENDING; neither failed nor reinstated */
	} else if (answered && (c->status == ST_GOOD || s.key == SK_UNIT_ATTENTION)) {
		/* With ALUA the group's state comes from REPORT TARGET PORT
		 * GROUPS (prio alua): a path stays standby until it says otherwise. */
		if (!mp->cfg->alua)
			p->standby = false;
		if (may)
			reinstate(mp, i);
		/* prio alua asks at every pass; scsi_dh_alua when dm-multipath
		 * reinstates the path (activate_path -> alua_activate), which
		 * here is every pass too: a group it learned was unavailable
		 * must be asked again, or the path would stay out for good */
		if ((mp->cfg->alua || mp->cfg->hwhandler == MP_HWH_ALUA) && !p->rtpg_busy)
			send_rtpg(mp, p);
	} else {
		fail_path(mp, i, "path_fail_checker");
	}
	if (p->state == MPP_ACTIVE && mp->pr_key != 0 && !p->registered && !p->prout_busy)
		send_register(mp, p);
	run_queue(mp);
}

void mpath_cmd_done(struct mpath *mp, uint64_t now, unsigned p, struct icmd *c)
{
	mp->now = now;
	assert(p < mp->npaths);
	if (mpm_cmd_done(mp, p, c))
		run_queue(mp);
	else if (c == &mp->paths[p].tur)
		checker_done(mp, p, c);
	else if (c == &mp->paths[p].rtpg)
		rtpg_done(mp, p, c);
	else if (c == &mp->paths[p].prout)
		prout_done(mp, p, c);
	else
		io_done(mp, &mp->paths[p], p, c->owner);
}

static void send_tur(struct mpath *mp, struct mp_path *p)
{
	p->tur = (struct icmd){ .lun = mp->cfg->lun, .dir = ICMD_NONE, .fastfail = true, .attr = 1 };
	/* TEST UNIT READY: an all-zero 6-byte CDB (SPC-4 §6.47). The
	 * directio checker reads the first block through the path instead
	 * (READ(10), SBC-3 §5.11), an I/O that reaches the storage; its
	 * answers are judged as the TUR's. */
	if (mp->cfg->checker == MP_CHECKER_DIRECTIO || mp->cfg->checker == MP_CHECKER_READSECTOR0) {
		p->tur = (struct icmd){ .lun = mp->cfg->lun, .dir = ICMD_IN, .buf = p->dio_buf, .len = MP_DIRECTIO_LEN, .fastfail = true,
			.attr = 1 };
		p->tur.cdb[0] = OP_READ_10;
		p->tur.cdb[8] = 1; /* TRANSFER LENGTH: one block */
	}
	p->tur_busy = true;
	p->tur_deadline = mp->cfg->checker_timeout_ns ? mp->now + mp->cfg->checker_timeout_ns : SIM_NEVER;
	p->next_check = mp->now + mp->cfg->polling_interval_ns;
	isess_submit(p->s, mp->now, &p->tur);
}

void mpath_path_up(struct mpath *mp, uint64_t now, unsigned p)
{
	assert(p < mp->npaths);
	mp->now = now;
	if (mp->paths[p].state != MPP_ACTIVE)
		mp->paths[p].next_check = now;
}

void mpath_on_time(struct mpath *mp, uint64_t now)
{
	mp->now = now;
	for (unsigned i = 0; i < mp->npaths; i++) {
		struct mp_path *p = &mp->paths[i];
		if (!p->tur_busy && now >= p->next_check)
			send_tur(mp, p);
		if (p->tur_busy && now >= p->tur_deadline) {
			/* The TUR is still the session's: the path is failed now and
			 * reinstated if it ever answers GOOD. */
			p->tur_deadline = SIM_NEVER;
			fail_path(mp, i, "path_fail_checker_timeout");
		}
	}
	if (mpm_enabled(mp->cfg))
		mpm_on_time(mp);
	if (now >= mp->no_path_deadline) {
		mp->no_path_deadline = SIM_NEVER;
		if (mpath_active_paths(mp) == 0) {
			mp->failing = true;
			note(mp, "no_path_retry_expired", -1);
			struct mp_io *io = mp->queue_head;
			mp->queue_head = mp->queue_tail = NULL;
			while (io != NULL) {
				struct mp_io *next = io->next;
				mp->stats.no_path_failures++;
				finish(mp, io, MP_NO_PATH);
				io = next;
			}
		}
	}
	run_queue(mp);
}

uint64_t mpath_next_deadline(const struct mpath *mp)
{
	uint64_t d = mp->no_path_deadline;
	for (unsigned i = 0; i < mp->npaths; i++) {
		const struct mp_path *p = &mp->paths[i];
		if (!p->tur_busy && p->next_check < d)
			d = p->next_check;
		if (p->tur_busy && p->tur_deadline < d)
			d = p->tur_deadline;
	}
	if (mpm_enabled(mp->cfg)) {
		uint64_t m = mpm_next_deadline(mp);
		if (m < d)
			d = m;
	}
	bool can_run = mpath_active_paths(mp) > 0;
	for (const struct mp_io *io = mp->queue_head; io != NULL && can_run; io = io->next)
		if (io->due < d)
			d = io->due;
	return d;
}
