/* initiator/session_mcs: multiple connections per session (MC/S, RFC 7143
 * §4.2.2.1, §6.3.4, §7.2.2, §11.14.1, §13.2); see initiator/session.h.
 *
 * Each connection is a struct isess; the session's numbers (CmdSN window,
 * ITT generation, TSIH) are the leader's (struct isess_sn), so a command
 * takes the session's next CmdSN whichever connection carries it, and
 * each connection keeps its own StatSN/ExpStatSN (§4.2.2.2). The leader
 * (connection 0) makes the session with a TSIH-0 login; the others join
 * it with its TSIH and their own CID once it exists, up to the
 * MaxConnections negotiated.
 *
 * A connection failing at ERL 2 while another is in full feature phase
 * is recovered by that survivor (§7.2.2, connection allegiance
 * reassignment): it sends Logout "remove the connection for recovery"
 * (§11.14.1 reason 2) for the failed CID, carrying that connection's
 * ExpStatSN; once answered it waits the answer's Time2Wait (§11.15.2),
 * takes the failed connection's commands into its own slots and moves
 * each by TASK REASSIGN or retries it (ierl2_recover_task). The failed
 * connection then joins again, empty. Without a survivor it reinstates
 * itself (initiator/session_erl2.c). A refused Logout, DefaultTime2Retain
 * over, or a CmdSN hole, and ERL 0 takes over.
 *
 * At ERL 0 (or ERL 2 given up) a failed connection costs the session
 * (§7.1.4.3 session recovery; imcs_lost): every connection is dropped,
 * its commands go back to its queue, the leader logs in with TSIH 0 (the
 * target drops the old session, §6.3.5) and the others join it again.
 *
 * Slots: connection k takes new commands into slots [k*S, (k+1)*S),
 * S = ISESS_TASKS_MAX / ISESS_CONNS_MAX, so a task moved to another
 * connection keeps its slot (its ITT's low byte) there without clashing;
 * ITTs are unique in the session since the generation is shared. */
#include "sim/initiator/session_int.h"

#include <assert.h>

#include "sim/base/time.h"

#define IMCS_SLOTS (ISESS_TASKS_MAX / ISESS_CONNS_MAX) /* slots each MC/S connection fills */

void isess_mcs_join(struct isess *lead, struct isess *m, unsigned k)
{
	assert(lead->mcs_idx == 0 && lead->sn == &lead->own_sn && lead->state == ISS_IDLE);
	assert(k > 0 && k < ISESS_CONNS_MAX && m->state == ISS_IDLE && m != lead);
	struct isess_sn *sn = &lead->own_sn;
	if (sn->nconns == 0) {
		sn->conn[0] = lead;
		sn->nconns = 1;
	}
	assert(sn->conn[k] == NULL);
	sn->conn[k] = m;
	if (k + 1 > sn->nconns)
		sn->nconns = k + 1;
	m->sn = sn;
	m->mcs_idx = k;
	m->cid = (uint16_t)k;
	memcpy(m->isid, lead->isid, 6);
}

void imcs_slots(const struct isess *s, unsigned *lo, unsigned *span)
{
	if (!isess_mcs(s)) {
		*lo = 0;
		*span = ISESS_TASKS_MAX;
		return;
	}
	*lo = s->mcs_idx * IMCS_SLOTS;
	*span = IMCS_SLOTS;
}

bool imcs_slot_unused(const struct isess *s, unsigned k)
{
	/* A task taken over by another connection keeps its slot there. */
	const struct isess_sn *sn = s->sn;
	for (unsigned m = 0; m < sn->nconns; m++)
		if (sn->conn[m] != NULL && sn->conn[m] != s && sn->conn[m]->slots[k] != NULL)
			return false;
	return true;
}

static struct isess *leader(const struct isess *s) { return s->sn->conn[0]; }

bool imcs_may_connect(const struct isess *s)
{
	if (!isess_mcs(s))
		return true;
	if (s->mcs_rescuer != NULL)
		return false;
	if (s->erl2_held || s->mcs_idx == 0)
		return true;
	/* §13.2: no more connections than the session negotiated. */
	return s->sn->alive && s->mcs_idx < leader(s)->sess_params.max_connections;
}

bool imcs_join_done(struct isess *s)
{
	const struct iparams *np = &s->login.params;
	if (s->login.tsih != s->sn->tsih) {
		imcs_dropped(s, false, true); /* not the session we joined: it is gone */
		isess_conn_fail(s, "join answered with another TSIH");
		return false;
	}
	/* The session's keys; the connection's from this login (§13). */
	s->sess_params = leader(s)->sess_params;
	s->params = s->sess_params;
	s->params.header_digest = np->header_digest;
	s->params.data_digest = np->data_digest;
	s->params.tgt_mrdsl = np->tgt_mrdsl;
	s->params.ini_mrdsl = np->ini_mrdsl;
	s->logged_in_once = true;
	s->stats.mcs_joins++;
	return true;
}

void imcs_pump(struct isess *s)
{
	struct isess_sn *sn = s->sn;
	for (unsigned k = 0; k < sn->nconns; k++)
		if (sn->conn[k] != NULL && sn->conn[k]->state == ISS_FFP)
			itask_pump(sn->conn[k]);
}

/* ERL 0 (§7.1.4.3): the session is lost with one of its connections.
 * Every connection goes, its commands back to its queue; the leader
 * reinstates the session (TSIH 0), the others join it afterwards. */
static void imcs_lost(struct isess *s, const char *why)
{
	struct isess_sn *sn = s->sn;
	if (sn->losing)
		return;
	sn->losing = true;
	sn->alive = false;
	for (unsigned k = 0; k < sn->nconns; k++) {
		struct isess *o = sn->conn[k];
		if (o == NULL)
			continue;
		o->mcs_rescuer = o->mcs_victim = NULL;
		o->mcs_reassign_at = SIM_NEVER;
		if (o == s || o->logging_out)
			continue;
		o->now = s->now;
		if (o->erl2_held) {
			/* waiting for its reassignment: re-sent with the new session */
			o->erl2_held = false;
			itask_requeue_all(o);
		}
		isess_conn_fail(o, why);
		if (o->state == ISS_IDLE && o->reconnect_at == SIM_NEVER)
			o->reconnect_at = o->now + o->cfg->reconnect_delay_ns;
	}
	sn->losing = false;
}

/* A survivor for s's tasks: the first connection in full feature phase
 * recovering no other (deterministic). */
static struct isess *pick_rescuer(const struct isess *s)
{
	const struct isess_sn *sn = s->sn;
	for (unsigned k = 0; k < sn->nconns; k++) {
		struct isess *o = sn->conn[k];
		if (o != NULL && o != s && o->state == ISS_FFP && o->mcs_victim == NULL && !o->logging_out)
			return o;
	}
	return NULL;
}

/* §11.14.1 reason 2, sent by r for v's CID: the target ends v's
 * connection if it still has it and keeps its tasks for reassignment.
 * ExpStatSN is v's (the Logout speaks for that connection, §11.14.4). */
static void send_recovery_logout(struct isess *r, struct isess *v)
{
	struct ipdu_tx tx;
	r->mcs_logout_itt = isess_new_itt(r, ITT_SESSION, 0);
	isess_pdu_init(r, &tx, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_LOGOUT_RECOVERY,
		r->mcs_logout_itt);
	put_be16(tx.bhs + PDU_LOGOUT_CID, v->cid);
	pdu_set_w(tx.bhs, PDU_INI_EXPSTATSN, v->exp_statsn);
	isess_send(r, &tx, NULL, 0);
	r->stats.recovery_logouts++;
}

void imcs_dropped(struct isess *s, bool held, bool failed)
{
	if (!isess_mcs(s))
		return;
	struct isess *v = s->mcs_victim;
	if (v != NULL) {
		/* s was recovering v: v reinstates itself (§6.3.4) now. */
		v->now = s->now;
		s->mcs_victim = NULL;
		s->mcs_reassign_at = SIM_NEVER;
		v->mcs_rescuer = NULL;
		if (v->state == ISS_IDLE)
			v->reconnect_at = s->now;
	}
	if (held) {
		struct isess *r = pick_rescuer(s);
		if (r == NULL)
			return; /* none alive: s reinstates itself (session_erl2.c) */
		s->mcs_rescuer = r;
		r->mcs_victim = s;
		s->reconnect_at = SIM_NEVER;
		send_recovery_logout(r, s);
		return;
	}
	if (failed)
		imcs_lost(s, "another connection of the session failed (session recovery)");
}

void imcs_reopened(struct isess *s)
{
	if (!isess_mcs(s))
		return;
	/* A connection it was recovering reinstates itself (as when s
	 * drops), and a rescuer that is no longer in full feature phase
	 * (closed with s when the host's process exited) will never end
	 * s's recovery: without this s waited for it for good and, s being
	 * the leader, so did the session (five-flag swarm seed 1117). */
	imcs_dropped(s, false, false);
	struct isess *r = s->mcs_rescuer;
	if (r != NULL && r->state != ISS_FFP) {
		r->mcs_victim = NULL;
		r->mcs_reassign_at = SIM_NEVER;
		s->mcs_rescuer = NULL;
	}
}

/* ERL 2's recovery through r given up: the session goes (ERL 0). */
static void give_up(struct isess *r, struct isess *v, const char *why)
{
	v->now = r->now;
	v->stats.erl2_fallbacks++;
	isess_event(v, ISE_ERL2_FALLBACK, 0, why);
	v->erl2_held = false;
	itask_requeue_all(v);
	v->mcs_rescuer = NULL;
	r->mcs_victim = NULL;
	r->mcs_reassign_at = SIM_NEVER;
	v->reconnect_at = v->now + v->cfg->reconnect_delay_ns;
	imcs_lost(v, why);
}

bool imcs_logout_rsp(struct isess *s, const uint8_t *bhs)
{
	struct isess *v = s->mcs_victim;
	if (v == NULL || pdu_itt(bhs) != s->mcs_logout_itt)
		return false;
	isess_take_statsn(s, bhs);
	isess_update_window(s, bhs);
	s->mcs_logout_itt = 0;
	uint8_t rsp = bhs[PDU_LOGOUT_RESPONSE];
	if (rsp == ISCSI_LOGOUT_RSP_NO_CID) {
		/* §11.15.1 response 1: the target keeps nothing of that CID (it
		 * had no task of it left): what we hold it never had, retried
		 * at once (ierl2_recover_task; one it did have gets a TASK
		 * REASSIGN answered "no such task", and ERL 0 follows). */
		s->mcs_reassign_at = s->now;
		return true;
	}
	if (rsp != ISCSI_LOGOUT_RSP_OK) {
		give_up(s, v, "logout for recovery refused");
		return true;
	}
	/* §11.15.2: Time2Wait is when reassignment may start. */
	s->mcs_reassign_at = s->now + SIM_S((uint64_t)get_be16(bhs + PDU_LOGOUT_TIME2WAIT));
	return true;
}

/* Move v's commands, sent and queued, to s (§7.2.2): same slots, same
 * ITTs and CmdSNs. */
static unsigned take_tasks(struct isess *s, struct isess *v, struct icmd **moved)
{
	unsigned n = 0;
	for (unsigned i = 0; i < ISESS_TASKS_MAX; i++) {
		struct icmd *c = v->slots[i];
		if (c == NULL)
			continue;
		assert(s->slots[i] == NULL); /* slot ranges are disjoint, imcs_slots */
		s->slots[i] = c;
		v->slots[i] = NULL;
		v->in_flight--;
		s->in_flight++;
		moved[n++] = c;
	}
	if (v->wait_head != NULL) {
		if (s->wait_tail != NULL)
			s->wait_tail->next = v->wait_head;
		else
			s->wait_head = v->wait_head;
		s->wait_tail = v->wait_tail;
		s->waiting += v->waiting;
		v->wait_head = v->wait_tail = NULL;
		v->waiting = 0;
	}
	v->task_deadline_stale = s->task_deadline_stale = true;
	return n;
}

void imcs_on_time(struct isess *s)
{
	struct isess *v = s->mcs_victim;
	s->mcs_reassign_at = SIM_NEVER;
	if (v == NULL)
		return;
	if (s->now >= v->erl2_retain_deadline) {
		give_up(s, v, "DefaultTime2Wait + DefaultTime2Retain over"); /* §13.16: the tasks are gone */
		return;
	}
	if (ierl2_cmdsn_hole(s)) {
		give_up(s, v, "a CmdSN the target waits for belongs to no command held");
		return;
	}
	v->now = s->now;
	struct icmd *moved[ISESS_TASKS_MAX];
	unsigned n = take_tasks(s, v, moved);
	s->stats.mcs_moved += n;
	v->erl2_held = false;
	v->mcs_rescuer = NULL;
	s->mcs_victim = NULL;
	/* v joins the session again, empty (its CID was logged out). */
	v->reconnect_at = s->now;
	isess_event(s, ISE_CONN_RECOVERED, n, "tasks of a failed connection taken over");
	for (unsigned i = 0; i < n && s->state == ISS_FFP; i++)
		ierl2_recover_task(s, moved[i]);
	if (s->state == ISS_FFP)
		itask_pump(s);
}
