/* session: see session.h. */
#include "session.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "admit.h"
#include "conn.h"
#include "engine_int.h"
#include "erl2.h"
#include "login.h"
#include "mem.h"
#include "pdu.h"
#include "task.h"
#include "task_buf.h"

static struct session *sess_find_tsih(struct rt_engine *eng, uint16_t tsih)
{
	for (struct session *s = eng->sessions; s; s = s->next)
		if (!s->closed && s->tsih == tsih)
			return s;
	return NULL;
}

/* The I_T nexus a login names (RFC 7143 §4.2.7.4: initiator name + ISID,
 * target + portal group). */
static struct session *sess_find_nexus(struct rt_engine *eng, const struct login_result *r)
{
	for (struct session *s = eng->sessions; s; s = s->next) {
		if (s->closed || s->discovery != r->discovery)
			continue;
		if (memcmp(s->isid, r->isid, sizeof(s->isid)) != 0 ||
		    strcmp(s->initiator, r->initiator_name) != 0)
			continue;
		if (!s->discovery && (s->target != r->target || s->tpg != r->tpg))
			continue;
		return s;
	}
	return NULL;
}

static uint16_t sess_new_tsih(struct rt_engine *eng)
{
	/* TSIH 0 means "new session" on the wire (§11.12.6), so never use it. */
	for (;;) {
		uint16_t t = ++eng->next_tsih;
		if (t != 0 && sess_find_tsih(eng, t) == NULL)
			return t;
	}
}

static struct conn *sess_find_cid(struct session *s, uint16_t cid)
{
	for (struct conn *c = s->conns; c; c = c->sess_next)
		if (c->cid == cid)
			return c;
	return NULL;
}

uint16_t sess_login_check(void *conn, const struct login_result *r)
{
	struct conn *c = conn;
	struct session *s = sess_find_tsih(c->eng, r->tsih);
	if (s == NULL || memcmp(s->isid, r->isid, sizeof(s->isid)) != 0 ||
	    strcmp(s->initiator, r->initiator_name) != 0 || s->discovery != r->discovery ||
	    (!s->discovery && (s->target != r->target || s->tpg != r->tpg)))
		return ISCSI_LOGIN_SESSION_NOT_FOUND;
	/* A connection reinstating its own CID does not add one (§6.3.4). */
	if (sess_find_cid(s, r->cid) == NULL && s->nconns >= s->params.max_connections)
		return ISCSI_LOGIN_TOO_MANY_CONNECTIONS;
	return ISCSI_LOGIN_OK;
}

static void sess_fill_nexus(struct session *s, const struct login_result *r)
{
	const struct rt_config *cfg = s->eng->cfg;
	struct scsi_nexus *n = &s->nexus;
	snprintf(n->initiator_port, sizeof(n->initiator_port), "%s,i,0x%02x%02x%02x%02x%02x%02x",
		 r->initiator_name, r->isid[0], r->isid[1], r->isid[2], r->isid[3], r->isid[4], r->isid[5]);
	n->initiator_name = s->initiator;
	if (s->discovery)
		return;
	const struct rt_target_cfg *t = &cfg->targets[r->target];
	n->target_name = t->name;
	n->tpg_tag = t->tpgs[r->tpg].tag;
	/* One target port per portal group: its relative port id is the
	 * configured one, or the group's 1-based position in the target
	 * (SPC-4 §7.8.6.7). */
	n->rel_port = cfg_rel_port(t, r->tpg);
}

static struct session *sess_create(struct rt_engine *eng, const struct login_result *r)
{
	assert(eng->nsessions < RT_SESSIONS_MAX); /* admit_session checked */
	struct session *s = eng_zalloc(eng, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->eng = eng;
	s->discovery = r->discovery;
	memcpy(s->isid, r->isid, sizeof(s->isid));
	snprintf(s->initiator, sizeof(s->initiator), "%s", r->initiator_name);
	s->target = r->target;
	s->tpg = r->tpg;
	s->luns = r->luns;
	s->lun_count = r->lun_count;
	s->params = r->params;
	s->window = eng->cfg->params.cmd_window;
	if (s->window == 0 || s->window > RT_CMD_WINDOW_MAX)
		s->window = RT_CMD_WINDOW_DEFAULT;
	/* A discovery session carries no SCSI commands (§4.3): no task pool. */
	s->pool_len = s->discovery ? 0 : s->window + RT_IMMEDIATE_MAX;
	if (s->pool_len > 0) {
		s->pool = eng_zalloc(eng, s->pool_len * sizeof(*s->pool));
		if (s->pool == NULL) {
			eng_free(eng, s, sizeof(*s));
			return NULL;
		}
		for (uint32_t i = s->pool_len; i-- > 0;) {
			s->pool[i].sess = s;
			s->pool[i].index = (uint16_t)i;
			s->pool[i].next = s->free;
			s->free = &s->pool[i];
		}
	}
	/* §6.3.1/§11.12.7: the first non-immediate command after login
	 * carries the login's CmdSN. */
	s->exp_cmd_sn = r->cmd_sn;
	s->max_cmd_sn = r->cmd_sn + s->window - 1;
	s->tsih = sess_new_tsih(eng);
	sess_fill_nexus(s, r);
	s->next = eng->sessions;
	eng->sessions = s;
	eng->nsessions++;
	return s;
}

static void sess_attach(struct session *s, struct conn *c, const struct login_result *r)
{
	c->sess = s;
	c->cid = r->cid;
	c->sess_next = s->conns;
	s->conns = c;
	s->nconns++;
}

uint16_t sess_login_bind(void *conn, struct login_result *r)
{
	struct conn *c = conn;
	struct rt_engine *eng = c->eng;
	if (eng->shutting_down)
		return ISCSI_LOGIN_SERVICE_UNAVAILABLE;
	struct session *s;
	if (r->tsih == 0) {
		/* Session reinstatement (§6.3.5): a new leading login for an
		 * existing I_T nexus ends the old session first. */
		struct session *old = sess_find_nexus(eng, r);
		if (old != NULL) {
			eng_log(eng, RT_LOG_INFO, "session tsih=%u reinstated by %s", old->tsih, r->initiator_name);
			eng->stats.sessions_reinstated++;
			sess_close(old);
		}
		/* Quotas after a reinstatement: the session it replaces no
		 * longer counts. */
		uint16_t st = admit_session(eng, &c->peer, r->initiator_name);
		if (st != ISCSI_LOGIN_OK)
			return st;
		s = sess_create(eng, r);
		if (s == NULL)
			return ISCSI_LOGIN_OUT_OF_RESOURCES;
		s->peer = c->peer;
	} else {
		uint16_t st = sess_login_check(conn, r);
		if (st != ISCSI_LOGIN_OK)
			return st;
		s = sess_find_tsih(eng, r->tsih);
		/* Connection reinstatement (§6.3.4): the old connection with this
		 * CID goes, with its tasks below ERL 2 (levels 0 and 1 cannot
		 * move them; if it was the only one, the session ends and this
		 * login fails). At ERL 2 its tasks wait (erl2.h) and the new
		 * connection joins first, so the session never has none: §6.3.4
		 * makes targets at ERL 2 accept this second connection. */
		struct conn *old = sess_find_cid(s, r->cid);
		bool join_first = s->params.error_recovery_level >= 2;
		if (join_first)
			sess_attach(s, c, r);
		if (old != NULL && old != c)
			conn_drop(old, "reinstated by a new connection with the same CID");
		if (s->closed)
			return ISCSI_LOGIN_SESSION_NOT_FOUND;
		/* This login's ExpStatSN is the old connection's: it
		 * acknowledges the status the record keeps. */
		erl2_reinstated(s, r->cid, r->exp_stat_sn);
		if (join_first) {
			r->tsih = s->tsih;
			return ISCSI_LOGIN_OK;
		}
	}
	r->tsih = s->tsih;
	sess_attach(s, c, r);
	return ISCSI_LOGIN_OK;
}

void sess_conn_gone(struct session *s, struct conn *c)
{
	struct conn **pp = &s->conns;
	while (*pp && *pp != c)
		pp = &(*pp)->sess_next;
	assert(*pp == c);
	erl2_conn_failed(s, c); /* ERL 2: the tasks that wait for reassignment */
	task_conn_gone(c);
	*pp = c->sess_next;
	c->sess_next = NULL;
	c->sess = NULL;
	s->nconns--;
	for (uint32_t i = 0; i < SESS_TMF_MAX; i++)
		if (s->tmf[i].active && s->tmf[i].conn == c)
			s->tmf[i].conn = NULL; /* nobody left to answer */
	struct early_pdu **ep = &s->early;
	while (*ep) {
		struct early_pdu *e = *ep;
		if (e->conn == c) {
			*ep = e->next;
			s->nearly--;
			eng_free(s->eng, e, sizeof(*e) + e->len);
		} else {
			ep = &e->next;
		}
	}
	if (s->nconns == 0 && !erl2_waiting(s))
		sess_close(s);
}

void sess_close(struct session *s)
{
	if (s->closed)
		return;
	s->closed = true;
	while (s->conns)
		conn_drop(s->conns, "session closed");
	erl2_fini(s);
	while (s->early) {
		struct early_pdu *e = s->early;
		s->early = e->next;
		eng_free(s->eng, e, sizeof(*e) + e->len);
	}
	s->nearly = 0;
	struct task *t = s->active;
	while (t) {
		struct task *next = t->next;
		task_abort(t, NULL);
		t = next;
	}
	/* SAM-5 §6.3.4: the I_T nexus is lost; the SCSI layer releases what it
	 * keeps per nexus (SPC-2 reservations, unit attention entries stay). */
	if (!s->discovery)
		for (uint32_t i = 0; i < s->lun_count; i++)
			scsi_nexus_lost(s->eng->lus[s->luns[i].lu], &s->nexus);
	sess_maybe_free(s);
}

/* A TMF of s still waits for tasks to drain, maybe of other sessions (a
 * LOGICAL UNIT RESET): s stays until it is answered, since those tasks
 * point at it (task.h abort_tmf). */
static bool sess_tmf_busy(const struct session *s)
{
	for (uint32_t i = 0; i < SESS_TMF_MAX; i++)
		if (s->tmf[i].active)
			return true;
	return false;
}

bool sess_reapable(const struct session *s)
{
	return s->closed && s->nactive == 0 && !sess_tmf_busy(s);
}

void sess_maybe_free(struct session *s)
{
	if (sess_reapable(s))
		s->eng->reap_sessions = true;
}

void sess_free(struct session *s)
{
	assert(sess_reapable(s));
	struct rt_engine *eng = s->eng;
	struct session **pp = &eng->sessions;
	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	eng->nsessions--;
	if (s->window_held)
		eng->mem.held--;
	task_buf_cache_drop(s);
	erl2_fini(s); /* rt_engine_destroy frees without closing */
	if (s->pool)
		eng_free(eng, s->pool, s->pool_len * sizeof(*s->pool));
	eng_free(eng, s, sizeof(*s));
}

struct scsi_lu *sess_lun(const struct session *s, uint64_t lun, bool *ro)
{
	for (uint32_t i = 0; i < s->lun_count; i++) {
		if (s->luns[i].lun == lun) {
			*ro = s->luns[i].read_only;
			return s->eng->lus[s->luns[i].lu];
		}
	}
	*ro = false;
	return NULL;
}

static bool sess_early_has(const struct session *s, uint32_t cmd_sn)
{
	for (const struct early_pdu *e = s->early; e; e = e->next)
		if (e->cmd_sn == cmd_sn)
			return true;
	for (const struct task *t = s->active; t; t = t->next)
		if ((t->state == TASK_WAIT_SN || t->state == TASK_RECEIVING) && !t->immediate && t->cmd_sn == cmd_sn)
			return true;
	return false;
}

enum sn_verdict sess_cmd_sn_check(const struct session *s, uint32_t cmd_sn, bool immediate)
{
	if (immediate)
		return SN_NOW;
	/* A closed window (MaxCmdSN = ExpCmdSN - 1) takes nothing, not even
	 * ExpCmdSN itself: every slot is busy. */
	if (sn_lt(s->max_cmd_sn, cmd_sn))
		return SN_IGNORE;
	if (cmd_sn == s->exp_cmd_sn)
		return SN_NOW;
	/* §4.2.2.1: "the target MUST silently ignore any non-immediate command
	 * outside of this range or non-immediate duplicates within the range". */
	if (sn_lt(s->exp_cmd_sn, cmd_sn) && sn_le(cmd_sn, s->max_cmd_sn) && !sess_early_has(s, cmd_sn))
		return SN_EARLY;
	return SN_IGNORE;
}

/* MaxCmdSN = ExpCmdSN - 1 + free slots: every CmdSN inside the window has
 * a task waiting for it, and the value never decreases (§4.2.2.1), since
 * taking a command moves ExpCmdSN and the used slots together. */
static void sess_window_update(struct session *s)
{
	assert(s->slots_used <= s->window);
	/* Short of memory (mem.h): the window stops growing, so the
	 * initiator stops sending before we would refuse its commands. */
	if (!mem_window_may_grow(s))
		return;
	uint32_t max = s->exp_cmd_sn - 1 + (s->window - s->slots_used);
#ifdef RT_PLANT_BUG_maxcmdsn_off_by_one
	max += 1; /* planted bug: a window one command wider than the pool */
#endif
	if (sn_lt(s->max_cmd_sn, max))
		s->max_cmd_sn = max;
}

void sess_window_refresh(struct session *s)
{
	sess_window_update(s);
}

void sess_cmd_sn_taken(struct session *s, bool slot)
{
	s->exp_cmd_sn++;
	if (slot)
		s->slots_used++;
	sess_window_update(s);
}

void sess_slot_release(struct session *s)
{
	assert(s->slots_used > 0);
	s->slots_used--;
	sess_window_update(s);
}

int sess_hold_early(struct session *s, struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	if (s->nearly >= SESS_EARLY_MAX)
		return -1;
	struct early_pdu *e = eng_alloc(s->eng, sizeof(*e) + len);
	if (e == NULL)
		return -1;
	e->conn = c;
	e->cmd_sn = pdu_w(bhs, PDU_INI_CMDSN);
	e->len = len;
	memcpy(e->bhs, bhs, ISCSI_BHS_LEN);
	if (len)
		memcpy(e->data, data, len);
	e->next = s->early;
	s->early = e;
	s->nearly++;
	return 0;
}

void sess_void_cmd_sn(struct session *s, uint32_t cmd_sn)
{
	if (s->nvoided < SESS_VOID_MAX)
		s->voided[s->nvoided++] = cmd_sn;
}

/* The held task or PDU whose CmdSN is now ExpCmdSN, delivered; false if none. */
static bool sess_deliver_one(struct session *s)
{
	for (uint32_t i = 0; i < s->nvoided; i++) {
		if (s->voided[i] == s->exp_cmd_sn) {
			s->voided[i] = s->voided[--s->nvoided];
			sess_cmd_sn_taken(s, false);
			return true;
		}
	}
	for (struct task *t = s->active; t; t = t->next) {
		if (t->state == TASK_WAIT_SN && t->cmd_sn == s->exp_cmd_sn) {
			task_deliver(t);
			return true;
		}
	}
	for (struct early_pdu **ep = &s->early; *ep; ep = &(*ep)->next) {
		struct early_pdu *e = *ep;
		if (e->cmd_sn != s->exp_cmd_sn)
			continue;
		*ep = e->next;
		s->nearly--;
		struct conn *c = e->conn;
		conn_dispatch_command(c, e->bhs, e->data, e->len);
		eng_free(s->eng, e, sizeof(*e) + e->len);
		return true;
	}
	return false;
}

void sess_deliver_early(struct session *s)
{
	while (!s->closed && (s->early || s->nactive || s->nvoided) && sess_deliver_one(s))
		;
}
