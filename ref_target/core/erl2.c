/* erl2: see erl2.h. RFC 7143 §7.1.4.3 (connection recovery), §7.2.2
 * (allegiance reassignment), §11.5.1 and §11.5.6 (TASK REASSIGN and its
 * ExpDataSN), §11.14.1 and §11.15.2-3 (Logout for recovery), §13.15-16. */
#include "erl2.h"

#include <assert.h>
#include <string.h>

#include "conn.h"
#include "engine_int.h"
#include "pdu.h"
#include "session.h"
#include "task.h"

#define NS_PER_S 1000000000ull

/* A session's records, allocated at its first failure at ERL 2 and freed
 * once none is in use: sessions below ERL 2 carry nothing for them (their
 * size, and so the memory budget's count, is what it was). The engine
 * lists them (eng->erl2); few sessions ever have one. */
struct erl2_set {
	struct erl2_set *next;
	struct session *sess;
	struct erl2_cr cr[RT_ERL2_FAILED_CONNS_MAX];
};

static struct erl2_set *erl2_set_of(const struct session *s)
{
	for (struct erl2_set *set = s->eng->erl2; set != NULL; set = set->next)
		if (set->sess == s)
			return set;
	return NULL;
}

/* The set in use ends with its last record: unlinked and freed. */
static void erl2_set_maybe_free(struct session *s)
{
	struct erl2_set **pp = &s->eng->erl2;
	while (*pp != NULL && (*pp)->sess != s)
		pp = &(*pp)->next;
	struct erl2_set *set = *pp;
	if (set == NULL)
		return;
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++)
		if (set->cr[i].used)
			return;
	*pp = set->next;
	eng_free(s->eng, set, sizeof(*set));
}

/* The record a waiting task is in (task.cr_slot: its index + 1). */
static struct erl2_cr *erl2_task_cr(const struct task *t)
{
	if (t->cr_slot == 0)
		return NULL;
	struct erl2_set *set = erl2_set_of(t->sess);
	assert(set != NULL && t->cr_slot <= RT_ERL2_FAILED_CONNS_MAX);
	return &set->cr[t->cr_slot - 1];
}

static void erl2_cr_free(struct session *s, struct erl2_cr *cr)
{
	assert(cr->ntasks == 0);
	rcv_store_fini(s->eng, &cr->rcv);
	memset(cr, 0, sizeof(*cr));
	erl2_set_maybe_free(s);
}

/* A record with neither task nor copy left has nothing to wait for;
 * unless it is what keeps a session with no connection open: then it
 * stays until its time is up, and erl2_time closes the session (never
 * from here, which a loop over tasks may call). */
static void erl2_cr_maybe_free(struct session *s, struct erl2_cr *cr)
{
	if (cr->used && cr->ntasks == 0 && cr->rcv.head == NULL && s->nconns > 0)
		erl2_cr_free(s, cr);
}

/* The record's tasks are aborted (they answer nothing more) and its
 * copies freed: Time2Retain is over, or a logout or the session's end
 * says so. */
static void erl2_cr_discard(struct session *s, struct erl2_cr *cr, const char *why)
{
	eng_log(s->eng, RT_LOG_INFO, "session tsih=%u: CID %u: %u tasks and %u kept PDUs discarded: %s", s->tsih,
		cr->cid, cr->ntasks, cr->rcv.count, why);
	struct task *t = s->active;
	while (t != NULL) {
		struct task *next = t->next;
		if (erl2_task_cr(t) == cr) {
			t->cr_slot = 0;
			cr->ntasks--;
			task_abort(t, NULL);
		}
		t = next;
	}
	erl2_cr_free(s, cr);
}

bool erl2_waiting(const struct session *s)
{
	/* a set exists only while one of its records is in use */
	return erl2_set_of(s) != NULL;
}

/* ---- a connection fails ---- */

/* A free record of s (its set allocated if need be), or NULL. */
static struct erl2_cr *erl2_cr_new(struct session *s, uint8_t *slot)
{
	struct erl2_set *set = erl2_set_of(s);
	if (set == NULL) {
		set = eng_zalloc(s->eng, sizeof(*set));
		if (set == NULL)
			return NULL;
		set->sess = s;
		set->next = s->eng->erl2;
		s->eng->erl2 = set;
	}
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		if (!set->cr[i].used) {
			*slot = (uint8_t)(i + 1);
			return &set->cr[i];
		}
	}
	return NULL;
}

/* c's tasks, as erl2.h says: those past their CmdSN turn wait in cr,
 * those before it are discarded (their CmdSN is a gap again). */
static void erl2_take_tasks(struct session *s, struct conn *c, struct erl2_cr *cr, uint8_t slot)
{
	struct task *t = s->active;
	while (t != NULL) {
		struct task *next = t->next;
		if (t->conn != c) {
			t = next;
			continue;
		}
		t->conn = NULL;
		if (t->aborted || t->state == TASK_ANSWERING) {
			/* draining, or its status is going out now (and so into
			 * the copies that move to cr): freed as usual */
		} else if (t->state == TASK_RECEIVING || t->state == TASK_WAIT_SN) {
			task_free(t);
		} else {
			t->cr_slot = slot;
			cr->ntasks++;
		}
		t = next;
	}
}

bool erl2_conn_failed(struct session *s, struct conn *c)
{
	const struct iscsi_params *p = &s->params;
	/* §13.16: Time2Retain 0 discards the task state at once. */
	if (s->closed || s->discovery || p->error_recovery_level < 2 || c->logged_out || s->eng->shutting_down ||
	    p->default_time2retain == 0)
		return false;
	uint8_t slot = 0;
	struct erl2_cr *cr = erl2_cr_new(s, &slot);
	if (cr == NULL) {
		eng_log(s->eng, RT_LOG_INFO,
			"session tsih=%u: CID %u failed with %u recovery records in use (or no memory): its tasks end (ERL 0)",
			s->tsih, c->cid, RT_ERL2_FAILED_CONNS_MAX);
		return false;
	}
	cr->used = true;
	cr->cid = c->cid;
	cr->stat_sn = c->stat_sn;
	/* §11.15.3: Time2Retain counts after the initial Time2Wait. */
	cr->discard_ns = eng_now(s->eng) + ((uint64_t)p->default_time2wait + p->default_time2retain) * NS_PER_S;
	rcv_store_move(&cr->rcv, &c->rcv);
	erl2_take_tasks(s, c, cr, slot);
	eng_log(s->eng, RT_LOG_INFO, "session tsih=%u: CID %u failed: %u tasks and %u kept PDUs wait %u+%u s for reassignment",
		s->tsih, cr->cid, cr->ntasks, cr->rcv.count, p->default_time2wait, p->default_time2retain);
	/* The last connection's record stays even with nothing in it: it
	 * keeps the session (its CmdSN window, its nexus) for a new
	 * connection (§13.16: Time2Retain is then the session's timeout). */
	if (s->nconns > 1)
		erl2_cr_maybe_free(s, cr);
	return true;
}

/* ---- Logout and Login ---- */

uint8_t erl2_logout(struct conn *c, uint16_t cid, uint32_t exp_stat_sn, struct conn **victim)
{
	struct session *s = c->sess;
	*victim = NULL;
	/* §11.15.1 response 2: removing a connection for recovery needs ERL 2. */
	if (s->params.error_recovery_level < 2)
		return ISCSI_LOGOUT_RSP_NO_RECOVERY;
	for (struct conn *o = s->conns; o != NULL; o = o->sess_next) {
		if (o->cid == cid) {
			*victim = o;
			return ISCSI_LOGOUT_RSP_OK;
		}
	}
	/* Already failed (the Logout may come on another connection,
	 * §11.14): its tasks wait already; the Logout's ExpStatSN is that
	 * connection's last. */
	bool found = false;
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		struct erl2_set *set = erl2_set_of(s); /* freed with its last record */
		if (set == NULL)
			break;
		struct erl2_cr *cr = &set->cr[i];
		if (!cr->used || cr->cid != cid)
			continue;
		found = true;
		rcv_store_ack(s->eng, &cr->rcv, exp_stat_sn, cr->stat_sn);
		erl2_cr_maybe_free(s, cr);
	}
	return found ? ISCSI_LOGOUT_RSP_OK : ISCSI_LOGOUT_RSP_NO_CID;
}

bool erl2_logout_close(struct session *s, uint16_t cid)
{
	bool found = false;
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		struct erl2_set *set = erl2_set_of(s);
		if (set == NULL)
			break;
		if (set->cr[i].used && set->cr[i].cid == cid) {
			found = true;
			erl2_cr_discard(s, &set->cr[i], "the connection was logged out (reason 1)");
		}
	}
	return found;
}

void erl2_reinstated(struct session *s, uint16_t cid, uint32_t exp_stat_sn)
{
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		struct erl2_set *set = erl2_set_of(s);
		if (set == NULL)
			break;
		struct erl2_cr *cr = &set->cr[i];
		if (cr->used && cr->cid == cid) {
			rcv_store_ack(s->eng, &cr->rcv, exp_stat_sn, cr->stat_sn);
			erl2_cr_maybe_free(s, cr);
		}
	}
}

/* ---- TASK REASSIGN ---- */

uint8_t erl2_reassign_check(struct conn *c, const uint8_t *bhs, struct erl2_reassign *r)
{
	struct session *s = c->sess;
	memset(r, 0, sizeof(*r));
	/* §11.6.1 response 4: reassignment needs ErrorRecoveryLevel 2. */
	if (s->params.error_recovery_level < 2)
		return ISCSI_TMF_RSP_NO_REASSIGN;
	r->itt = pdu_w(bhs, PDU_TMF_REF_TASK_TAG);
	r->exp_data_sn = pdu_w(bhs, PDU_TMF_EXPDATASN);
	struct task *t = task_find_itt(s, r->itt);
	if (t != NULL) {
		/* §7.2.2: the old connection must be logged out (or have
		 * failed, or been reinstated) before its tasks move. */
		if (t->cr_slot == 0)
			return ISCSI_TMF_RSP_TASK_ALLEGIANT;
		r->task = t;
		r->cr = erl2_task_cr(t);
		return ISCSI_TMF_RSP_COMPLETE;
	}
	struct erl2_set *set = erl2_set_of(s);
	for (uint32_t i = 0; set != NULL && i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		struct erl2_cr *cr = &set->cr[i];
		if (cr->used && rcv_store_can_resend(&cr->rcv, r->itt, r->exp_data_sn)) {
			r->cr = cr;
			return ISCSI_TMF_RSP_COMPLETE;
		}
	}
	/* Never received, discarded (Time2Retain is over, or it had not
	 * reached its CmdSN turn), or its status was not kept (the store
	 * was full, recovery.h). */
	return ISCSI_TMF_RSP_NO_TASK;
}

void erl2_reassign_do(struct conn *c, const struct erl2_reassign *r)
{
	struct session *s = c->sess;
	/* Sending the TMF Response may have found c dead: the task stays
	 * where it waits (and r->cr may be gone with its session). */
	if (r->cr == NULL || c->state != CONN_FFP || s == NULL || !r->cr->used)
		return;
	struct erl2_cr *cr = r->cr;
	if (r->task != NULL) {
		struct task *t = r->task;
		assert(erl2_task_cr(t) == cr);
		/* What it kept on the old connection (R2Ts) is stale now: a
		 * running task has sent no Data-In and no status yet. */
		rcv_store_task_gone(s->eng, &cr->rcv, t->itt);
		t->cr_slot = 0;
		cr->ntasks--;
		task_reassign(t, c);
	} else {
		int rc = rcv_reassign(c, &cr->rcv, r->itt, r->exp_data_sn);
		assert(rc == 0); /* checked, and nothing in between freed it */
		(void)rc;
	}
	if (c->sess == s && !s->closed)
		erl2_cr_maybe_free(s, cr);
}

/* ---- hooks ---- */

void erl2_task_freed(struct task *t)
{
	struct erl2_cr *cr = erl2_task_cr(t);
	if (cr == NULL)
		return;
	t->cr_slot = 0;
	assert(cr->used && cr->ntasks > 0);
	cr->ntasks--;
	rcv_store_task_gone(t->sess->eng, &cr->rcv, t->itt);
	erl2_cr_maybe_free(t->sess, cr);
}

void erl2_itt_reused(struct session *s, uint32_t itt)
{
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		struct erl2_set *set = erl2_set_of(s);
		if (set == NULL)
			break;
		struct erl2_cr *cr = &set->cr[i];
		if (!cr->used || cr->rcv.head == NULL)
			continue;
		rcv_store_drop_itt(s->eng, &cr->rcv, itt);
		erl2_cr_maybe_free(s, cr);
	}
}

/* The earliest discard_ns of a set, 0 if none is in use. */
static uint64_t erl2_set_deadline(const struct erl2_set *set)
{
	uint64_t best = 0;
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++)
		if (set->cr[i].used && (best == 0 || set->cr[i].discard_ns < best))
			best = set->cr[i].discard_ns;
	return best;
}

uint64_t erl2_next_deadline(const struct rt_engine *eng)
{
	uint64_t best = 0;
	for (const struct erl2_set *set = eng->erl2; set != NULL; set = set->next) {
		uint64_t d = erl2_set_deadline(set);
		if (d != 0 && (best == 0 || d < best))
			best = d;
	}
	return best;
}

/* s's records past their time are discarded; a session left with neither
 * connection nor record is closed (§13.16: Time2Retain is also the
 * session's timeout once its last connection is gone). */
static void erl2_session_time(struct session *s, uint64_t now)
{
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		struct erl2_set *set = erl2_set_of(s);
		if (set == NULL)
			break;
		if (set->cr[i].used && set->cr[i].discard_ns <= now)
			erl2_cr_discard(s, &set->cr[i], "DefaultTime2Wait + DefaultTime2Retain are over");
	}
	if (s->nconns == 0 && !erl2_waiting(s))
		sess_close(s);
}

void erl2_on_time(struct rt_engine *eng, uint64_t now)
{
	/* One session at a time, from the top: what a discard does (a
	 * session closed) may free any set. Each round discards a record. */
	for (;;) {
		struct erl2_set *due = NULL;
		for (struct erl2_set *set = eng->erl2; set != NULL && due == NULL; set = set->next) {
			uint64_t d = erl2_set_deadline(set);
			if (d != 0 && d <= now)
				due = set;
		}
		if (due == NULL)
			return;
		erl2_session_time(due->sess, now);
	}
}

void erl2_fini(struct session *s)
{
	for (uint32_t i = 0; i < RT_ERL2_FAILED_CONNS_MAX; i++) {
		struct erl2_set *set = erl2_set_of(s);
		if (set == NULL)
			break;
		if (set->cr[i].used)
			erl2_cr_discard(s, &set->cr[i], "the session ends");
	}
}
