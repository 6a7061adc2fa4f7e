/* initiator/session: see initiator/session.h. This file: connection life, login, NOP, Async,
 * Reject, logout and ERL 0 recovery. Commands live in initiator/session_cmd.c. */
#include "sim/initiator/session_int.h"

#include "sim/base/time.h"

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

void isess_init(struct isess *s, const struct isess_cfg *cfg, const struct isess_ops *ops,
	const struct sim_mem *mem, const struct sim_rng *rng, const uint8_t isid[6])
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->ops = *ops;
	s->mem = mem;
	s->rng = *rng;
	memcpy(s->isid, isid, 6);
	s->sn = &s->own_sn;
	s->mcs_reassign_at = SIM_NEVER;
	/* A random initial CmdSN: wrap-around (RFC 1982 arithmetic) gets
	 * exercised instead of always starting at a small number. */
	s->sn->cmdsn = (uint32_t)rng_next(&s->rng);
	s->login_deadline = s->reconnect_at = s->replacement_deadline = SIM_NEVER;
	s->nop_at = s->logout_deadline = SIM_NEVER;
	s->task_deadline = SIM_NEVER;
	s->esc_deadline = SIM_NEVER;
	s->window_closed_at = SIM_NEVER;
	uint32_t cap = cfg->login.mrdsl > ILOGIN_TEXT_MAX ? cfg->login.mrdsl : ILOGIN_TEXT_MAX;
	ipdu_rx_init(&s->rx, mem, cap);
}

void isess_fini(struct isess *s)
{
	ipdu_rx_fini(&s->rx);
}

uint32_t isess_new_itt(struct isess *s, enum itt_kind kind, unsigned slot)
{
	s->sn->itt_gen = (s->sn->itt_gen + 1) & 0x3fffffu;
	return ((uint32_t)kind << 30) | (s->sn->itt_gen << 8) | (slot & 0xffu);
}

void isess_event(struct isess *s, enum isess_event ev, uint32_t detail, const char *why)
{
	s->ops.event(s->ops.ctx, s, ev, detail, why);
}

void isess_pdu_init(struct isess *s, struct ipdu_tx *tx, uint8_t opcode, uint8_t flags, uint32_t itt)
{
	pdu_init(tx->bhs, opcode, flags);
	pdu_set_w(tx->bhs, PDU_ITT, itt);
	pdu_set_w(tx->bhs, PDU_INI_CMDSN, s->sn->cmdsn);
	pdu_set_w(tx->bhs, PDU_INI_EXPSTATSN, s->exp_statsn);
}

void isess_send(struct isess *s, struct ipdu_tx *tx, const uint8_t *data, uint32_t len)
{
	ipdu_tx_seal(tx, data, len, s->params.header_digest, s->params.data_digest);
	s->ops.send(s->ops.ctx, s, tx->iov, tx->iovcnt);
}

void isess_update_window(struct isess *s, const uint8_t *bhs)
{
	uint32_t exp = pdu_w(bhs, PDU_TGT_EXPCMDSN), max = pdu_w(bhs, PDU_TGT_MAXCMDSN);
	/* §4.2.2.1: MaxCmdSN < ExpCmdSN - 1 means both are to be ignored. */
	if (sn_lt(max, exp - 1))
		return;
	bool opened = false;
	if (sn_lt(s->sn->exp_cmdsn, exp))
		s->sn->exp_cmdsn = exp;
	if (sn_lt(s->sn->max_cmdsn, max)) {
		s->sn->max_cmdsn = max;
		opened = true;
	}
	if (opened && isess_mcs(s))
		imcs_pump(s); /* one window for the session's connections */
	else if (opened && s->state == ISS_FFP)
		itask_pump(s);
}

void isess_status_snack(struct isess *s, uint32_t beg, uint32_t run)
{
	struct ipdu_tx tx;
	s->status_snacked = true;
	s->status_snack_at = beg;
	s->status_snack_ns = s->now;
	s->status_snack_ahead = run;
	s->stats.status_snacks++;
	isess_pdu_init(s, &tx, ISCSI_OP_SNACK, ISCSI_FLAG_FINAL | ISCSI_SNACK_STATUS, ISCSI_TAG_RESERVED);
	pdu_set_w(tx.bhs, PDU_INI_CMDSN, 0); /* reserved in a SNACK */
	pdu_set_w(tx.bhs, PDU_SNACK_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(tx.bhs, PDU_SNACK_BEGRUN, beg);
	pdu_set_w(tx.bhs, PDU_SNACK_RUNLENGTH, run);
	isess_send(s, &tx, NULL, 0);
}

/* ERL 1: ExpStatSN acknowledges every status before it (§4.2.2.2), and
 * the target forgets what is acknowledged: it must stay at a hole until
 * the status there arrives again (a Status SNACK asks for it once per
 * hole, §7.1.4.1). Statuses past the hole are taken and remembered. */
static void take_statsn_erl1(struct isess *s, uint32_t statsn)
{
	if (sn_lt(statsn, s->exp_statsn))
		return; /* a copy of one we have */
	uint32_t ahead = statsn - s->exp_statsn;
	if (ahead == 0) {
		s->exp_statsn++;
		while (s->statsn_ahead & 1u) {
			s->statsn_ahead >>= 1;
			s->exp_statsn++;
		}
		s->statsn_ahead >>= 1;
		if (s->statsn_ahead == 0)
			s->status_snacked = false; /* no hole left */
		return;
	}
	if (ahead > ISESS_STATSN_AHEAD_MAX) {
		isess_conn_fail(s, "StatSN hole wider than ISESS_STATSN_AHEAD_MAX");
		return;
	}
	s->statsn_ahead |= 1ull << (ahead - 1);
	/* Asked again when the answer was lost too: the hole stays while
	 * ISESS_RESNACK_AHEAD later statuses arrived (sent after it, on an
	 * ordered stream), or for ISESS_RETRY_CHECK_NS (isess_on_time). */
	if (!s->status_snacked || s->status_snack_at != s->exp_statsn ||
		ahead >= s->status_snack_ahead + ISESS_RESNACK_AHEAD)
		isess_status_snack(s, s->exp_statsn, ahead);
}

void isess_take_statsn(struct isess *s, const uint8_t *bhs)
{
	uint32_t statsn = pdu_w(bhs, PDU_TGT_STATSN);
	if (isess_erl1(s) && s->state != ISS_LOGIN) {
		take_statsn_erl1(s, statsn);
		return;
	}
	if (sn_le(s->exp_statsn, statsn))
		s->exp_statsn = statsn + 1;
}

static void connect_now(struct isess *s)
{
	if (!imcs_may_connect(s)) {
		/* MC/S: the session is not there to join yet, or another
		 * connection recovers this one's tasks: look again later. */
		s->state = ISS_IDLE;
		s->reconnect_at = s->now + s->cfg->reconnect_delay_ns;
		return;
	}
	s->conn_gen++;
	s->state = ISS_CONNECTING;
	s->connected = false;
	s->reconnect_at = SIM_NEVER;
	s->login_deadline = s->now + s->cfg->login_timeout_ns;
	s->ops.connect(s->ops.ctx, s);
}

static void closed_why(struct isess *s, const char *why)
{
	s->state = ISS_CLOSED;
	s->erl2_held = false;
	if (s->mcs_idx == 0)
		s->sn->alive = false; /* MC/S: the others join the leader's next session */
	s->login_deadline = s->reconnect_at = s->replacement_deadline = SIM_NEVER;
	s->nop_at = s->logout_deadline = SIM_NEVER;
	s->ping_out = false;
	itask_fail_all(s, ICMD_TRANSPORT);
	isess_event(s, ISE_CLOSED, 0, why);
}

static void closed_for_good(struct isess *s)
{
	closed_why(s, "logged out");
}

/* Drop the connection; unless logging out, hold the commands, reconnect
 * after a delay and fail them if the replacement timeout runs out. At
 * ERL 2 the commands in flight may stay where they are for the
 * connection's reinstatement (ierl2_hold); refused: the target answered
 * a login with a non-zero status. */
static void drop(struct isess *s, uint64_t reconnect_delay_ns, bool graceful, bool refused)
{
	bool was_up = s->state == ISS_FFP || s->state == ISS_LOGOUT;
	/* A connect still pending is closed too (iscsid closes the socket
	 * when its login times out): its kernel stops retransmitting the
	 * SYN, and no connection forms later for an attempt given up. */
	if (s->connected || s->state == ISS_CONNECTING)
		s->ops.disconnect(s->ops.ctx, s, graceful);
	s->connected = false;
	s->conn_gen++;
	s->nop_at = s->logout_deadline = s->login_deadline = SIM_NEVER;
	s->ping_out = false;
	if (s->logging_out) {
		closed_for_good(s);
		return;
	}
	/* ERL 2's recovery of this connection under way (its commands held,
	 * or a reassignment failed): given up below, ERL 0 takes over */
	bool recovering = s->erl2_held || s->erl2_to_erl0;
	bool held = !graceful && ierl2_hold(s, was_up, refused);
	if (held)
		reconnect_delay_ns = ierl2_delay(s, reconnect_delay_ns);
	else
		itask_requeue_all(s);
	s->state = ISS_IDLE;
	itask_window_watch(s);
	s->reconnect_at = s->now + reconnect_delay_ns;
	if (s->replacement_deadline == SIM_NEVER && !s->failed_fast)
		s->replacement_deadline = s->now + s->cfg->replacement_timeout_ns;
	/* A join the target refuses names a session that is gone. ERL 2
	 * given up costs the session as at ERL 0 (§7.1.4.3), also when the
	 * connection failed in its reinstating login (was_up false): its
	 * commands go back to the queue for new CmdSNs, and those the target
	 * never got are holes its ExpCmdSN waits at for good. Left alive,
	 * the session took the connection back as a join (TSIH kept) and
	 * every later command waited behind the hole (five-flag swarm seeds
	 * 2571, 4632: MC/S at ERL 2, paths never reinstated). */
	bool gave_up = recovering && !held && !graceful;
	imcs_dropped(s, held, (was_up && !graceful) || (refused && s->mcs_joining) || gave_up);
}

void isess_conn_fail(struct isess *s, const char *why)
{
	if (s->state == ISS_CLOSED || s->state == ISS_IDLE)
		return;
	bool was_up = s->state == ISS_FFP || s->state == ISS_LOGOUT;
	s->stats.conn_failures++;
	if (!was_up) {
		s->stats.login_failures++;
		isess_event(s, ISE_LOGIN_FAILED, 0, why);
	}
	drop(s, s->cfg->reconnect_delay_ns, false, false);
	if (was_up && s->state == ISS_IDLE)
		isess_event(s, ISE_DOWN, 0, why);
}

void isess_start(struct isess *s, uint64_t now)
{
	s->now = now;
	if (s->state == ISS_IDLE && !s->logging_out)
		connect_now(s);
}

void isess_on_connected(struct isess *s, uint64_t now)
{
	s->now = now;
	if (s->state != ISS_CONNECTING)
		return;
	s->connected = true;
	s->state = ISS_LOGIN;
	s->params = (struct iparams){ 0 };
	s->rx.header_digest = s->rx.data_digest = false;
	s->rx.resync = false;
	s->rx.state = IPDU_BHS;
	s->rx.got = 0;
	struct ipdu_tx tx;
	uint32_t itt = isess_new_itt(s, ITT_SESSION, 0);
	s->erl2_login = s->erl2_held;
	/* MC/S: a connection added to the live session (§6.3.4, a new CID
	 * or one logged out for recovery, §11.14.1) */
	s->mcs_joining = !s->erl2_login && isess_mcs(s) && s->sn->alive;
	/* a connection joins with its session's ISID (§6.3.4: ISID and
	 * TSIH name the session), which the leader may have changed when
	 * it started the session anew (a host that came back with new
	 * ISIDs) after this connection last logged in */
	if (s->mcs_joining)
		memcpy(s->isid, s->sn->conn[0]->isid, 6);
	if (s->erl2_login || s->mcs_joining) {
		/* ERL 2: the session's TSIH, our CID: the failed connection is
		 * reinstated, the session kept (§6.3.4, §7.1.4.3). */
		ilogin_start_conn(&s->login, &s->cfg->login, &s->rng, s->isid, s->sn->tsih, s->cid, itt, s->sn->cmdsn,
			s->exp_statsn, &tx);
	} else {
		/* TSIH 0 with our ISID: a new session, or the reinstatement
		 * of the one that failed (§6.3.5); the target then drops the
		 * old one. */
		ilogin_start(&s->login, &s->cfg->login, &s->rng, s->isid, 0, s->cid, itt, s->sn->cmdsn, &tx);
	}
	s->ops.send(s->ops.ctx, s, tx.iov, tx.iovcnt);
}

void isess_on_connect_failed(struct isess *s, uint64_t now)
{
	s->now = now;
	if (s->state != ISS_CONNECTING)
		return;
	s->stats.login_failures++;
	isess_event(s, ISE_LOGIN_FAILED, 0, "connect failed");
	drop(s, s->cfg->reconnect_delay_ns, false, false);
}

static void login_done(struct isess *s)
{
	if (s->erl2_login) {
		if (!ierl2_login_done(s))
			return; /* the target answered for another session: ERL 0 recovery */
	} else if (s->mcs_joining) {
		if (!imcs_join_done(s))
			return;
	} else {
		if (s->logged_in_once)
			s->stats.sess_reinstatements++;
		s->logged_in_once = true;
		s->params = s->login.params;
		s->sess_params = s->params;
		s->sn->alive = true; /* MC/S: the others may join */
	}
	s->sn->tsih = s->login.tsih;
	s->exp_statsn = s->login.conn_exp_statsn;
	if (s->mcs_joining) {
		/* the session's window only moves forward (§4.2.2.1) */
		if (sn_lt(s->sn->exp_cmdsn, s->login.exp_cmdsn))
			s->sn->exp_cmdsn = s->login.exp_cmdsn;
		if (sn_lt(s->sn->max_cmdsn, s->login.max_cmdsn))
			s->sn->max_cmdsn = s->login.max_cmdsn;
	} else {
		s->sn->exp_cmdsn = s->login.exp_cmdsn;
		s->sn->max_cmdsn = s->login.max_cmdsn;
	}
	s->rx.header_digest = s->params.header_digest;
	s->rx.data_digest = s->params.data_digest;
	s->rx.resync = isess_erl1(s);
	s->statsn_ahead = 0;
	s->status_snacked = s->hdr_resync = false;
	ipdu_rx_set_cap(&s->rx, s->params.ini_mrdsl);
	s->state = ISS_FFP;
	s->login_deadline = SIM_NEVER;
	s->replacement_deadline = SIM_NEVER;
	s->failed_fast = false;
	/* Linux's iscsi_conn_start: the connection counts as heard from now,
	 * its transport timer first looks noop_interval later. */
	s->nop_at = s->cfg->noop_interval_ns ? s->now + s->cfg->noop_interval_ns : SIM_NEVER;
	s->last_recv = s->now;
	s->ping_out = false;
	s->stats.logins++;
	isess_event(s, ISE_UP, s->sn->tsih, "logged in");
	if (s->erl2_login)
		ierl2_resume(s);
	if (s->state == ISS_FFP)
		itask_pump(s);
}

static void on_login_rsp(struct isess *s)
{
	struct ipdu_tx tx;
	enum ilogin_result r = ilogin_on_rsp(&s->login, s->rx.bhs, s->rx.data, s->rx.dsl, &tx);
	switch (r) {
	case ILOGIN_SEND:
		s->ops.send(s->ops.ctx, s, tx.iov, tx.iovcnt);
		return;
	case ILOGIN_DONE:
		login_done(s);
		return;
	case ILOGIN_REJECTED:
	case ILOGIN_AUTH_FAILED:
	case ILOGIN_PROTOCOL:
		s->stats.login_failures++;
		isess_event(s, ISE_LOGIN_FAILED, s->login.status, s->login.why);
		drop(s, s->cfg->reconnect_delay_ns, false, r == ILOGIN_REJECTED);
		return;
	}
}

static void send_ping(struct isess *s)
{
	struct ipdu_tx tx;
	s->nop_itt = isess_new_itt(s, ITT_NOP, 0);
	isess_pdu_init(s, &tx, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL, s->nop_itt);
	pdu_set_w(tx.bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	isess_send(s, &tx, NULL, 0);
	s->ping_out = true;
}

/* The NOP-Out timer as Linux's libiscsi runs it (libiscsi.c,
 * iscsi_check_transport_timeouts, the connection's transport timer): a
 * ping goes out only once nothing at all was received for noop_interval
 * (any bytes count, iscsi_tcp_recv_skb), at most one is in flight, and
 * the connection fails when one is in flight and nothing was received
 * for noop_interval + noop_timeout. Under load no ping is sent, and a
 * cut is noticed exactly noop_interval + noop_timeout after the last
 * byte received. The timer is lazy: bytes received do not move it, it
 * looks at last_recv when it fires. RFC 7143 §11.18 leaves the policy to
 * the initiator; this is open-iscsi's. */
static void transport_check(struct isess *s)
{
	uint64_t idle = s->cfg->noop_interval_ns, tmo = s->cfg->noop_timeout_ns;
	if (s->ping_out && s->now >= s->last_recv + idle + tmo) {
		s->stats.nop_timeouts++;
		isess_event(s, ISE_NOP_TIMEOUT, 0, "nop timeout");
		isess_conn_fail(s, "nop timeout");
		return;
	}
	if (s->now < s->last_recv + idle)
		s->nop_at = s->last_recv + idle;
	else if (s->ping_out)
		s->nop_at = s->now + ISESS_PING_BUSY_NS; /* bytes came, the answer not yet */
	else {
		send_ping(s);
		s->nop_at = s->now + tmo;
	}
}

static void on_nop_in(struct isess *s)
{
	const uint8_t *bhs = s->rx.bhs;
	uint32_t itt = pdu_itt(bhs), ttt = pdu_w(bhs, PDU_NOP_TTT);
	/* §11.19: StatSN advances only when the NOP-In answers a NOP-Out. */
	if (itt != ISCSI_TAG_RESERVED)
		isess_take_statsn(s, bhs);
	if (itt != ISCSI_TAG_RESERVED && itt == s->nop_itt)
		s->ping_out = false; /* the timer stays where it is (iscsi_nop_out_rsp) */
	if (ttt != ISCSI_TAG_RESERVED) {
		/* The target pings us: answer with its TTT and its data (§11.18). */
		struct ipdu_tx tx;
		isess_pdu_init(s, &tx, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL,
			ISCSI_TAG_RESERVED);
		memcpy(tx.bhs + PDU_LUN, bhs + PDU_LUN, 8);
		pdu_set_w(tx.bhs, PDU_NOP_TTT, ttt);
		uint32_t len = s->rx.dsl < s->params.tgt_mrdsl ? s->rx.dsl : s->params.tgt_mrdsl;
		isess_send(s, &tx, s->rx.data, len);
	}
	isess_update_window(s, bhs);
}

static void send_logout(struct isess *s)
{
	struct ipdu_tx tx;
	s->logout_itt = isess_new_itt(s, ITT_SESSION, 0);
	/* MC/S: each connection leaves by itself (§11.14.1 reason 1); the
	 * session ends with its last. */
	uint8_t reason = isess_mcs(s) ? ISCSI_LOGOUT_CONNECTION : ISCSI_LOGOUT_SESSION;
	isess_pdu_init(s, &tx, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | reason, s->logout_itt);
	put_be16(tx.bhs + PDU_LOGOUT_CID, s->cid);
	isess_send(s, &tx, NULL, 0);
	s->state = ISS_LOGOUT;
	s->logout_deadline = s->now + s->cfg->logout_timeout_ns;
	s->nop_at = SIM_NEVER;
	s->ping_out = false;
}

static void on_async(struct isess *s)
{
	const uint8_t *bhs = s->rx.bhs;
	uint8_t event = bhs[PDU_ASYNC_EVENT];
	s->stats.async_events++;
	isess_take_statsn(s, bhs);
	isess_update_window(s, bhs);
	isess_event(s, ISE_ASYNC, event, "async message");
	switch (event) {
	case ISCSI_ASYNC_LOGOUT_REQUEST:
		/* The target is going away (§11.9.1): log out now, come back
		 * after Time2Wait, keeping the commands we hold. */
		if (s->state == ISS_FFP)
			send_logout(s);
		break;
	case ISCSI_ASYNC_DROP_CONNECTION:
	case ISCSI_ASYNC_DROP_SESSION:
		isess_conn_fail(s, "target dropping connection");
		break;
	default:
		break; /* SCSI events and renegotiation requests need no action here */
	}
}

static void on_logout_rsp(struct isess *s)
{
	const uint8_t *bhs = s->rx.bhs;
	if (imcs_logout_rsp(s, bhs))
		return;
	if (s->state != ISS_LOGOUT || pdu_itt(bhs) != s->logout_itt) {
		isess_conn_fail(s, "unexpected logout response");
		return;
	}
	isess_take_statsn(s, bhs);
	uint32_t time2wait = get_be16(bhs + PDU_LOGOUT_TIME2WAIT);
	uint64_t delay = SIM_S(time2wait) > s->cfg->reconnect_delay_ns ? SIM_S(time2wait)
									   : s->cfg->reconnect_delay_ns;
	drop(s, delay, true, false);
}

static void on_reject(struct isess *s)
{
	const uint8_t *bhs = s->rx.bhs;
	uint8_t reason = bhs[PDU_REJECT_REASON];
	s->stats.rejects++;
	isess_take_statsn(s, bhs);
	isess_update_window(s, bhs);
	isess_event(s, ISE_REJECT, reason, "reject");
	if (s->rx.dsl < ISCSI_BHS_LEN) {
		isess_conn_fail(s, "reject without the rejected header");
		return;
	}
	const uint8_t *rej = s->rx.data;
	uint8_t op = pdu_opcode(rej);
	if (op == ISCSI_OP_SCSI_CMD || op == ISCSI_OP_DATA_OUT || op == ISCSI_OP_TMF_REQ || op == ISCSI_OP_SNACK)
		itask_on_reject(s, rej, reason);
	else if (op == ISCSI_OP_NOP_OUT && pdu_itt(rej) == s->nop_itt)
		s->ping_out = false; /* refused, but the target is there */
}

static void on_ffp_pdu(struct isess *s)
{
	switch (pdu_opcode(s->rx.bhs)) {
	case ISCSI_OP_NOP_IN:
		on_nop_in(s);
		break;
	case ISCSI_OP_SCSI_RSP:
	case ISCSI_OP_DATA_IN:
	case ISCSI_OP_R2T:
	case ISCSI_OP_TMF_RSP:
		itask_on_pdu(s, &s->rx);
		break;
	case ISCSI_OP_LOGOUT_RSP:
		on_logout_rsp(s);
		break;
	case ISCSI_OP_ASYNC:
		on_async(s);
		break;
	case ISCSI_OP_REJECT:
		on_reject(s);
		break;
	default:
		isess_conn_fail(s, "unexpected opcode in full feature phase");
		break;
	}
}

/* ERL 1: a PDU whose header is sound and whose data digest failed
 * (§7.8): discarded; what it carried is asked for again. */
static void bad_data(struct isess *s)
{
	const uint8_t *bhs = s->rx.bhs;
	s->stats.digest_errors++;
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_DATA_IN:
		itask_data_lost(s, bhs);
		break;
	case ISCSI_OP_NOP_IN:
		/* The header is what matters: an answer to our ping, or the
		 * target's ping, answered without the damaged data. */
		s->rx.dsl = 0;
		on_nop_in(s);
		break;
	case ISCSI_OP_SCSI_RSP:
		/* Its sense data is damaged: ask for it again by StatSN. */
		s->stats.pdus_discarded++;
		isess_update_window(s, bhs);
		if (pdu_w(bhs, PDU_TGT_STATSN) == s->exp_statsn &&
			(!s->status_snacked || s->status_snack_at != s->exp_statsn))
			isess_status_snack(s, s->exp_statsn, 1);
		break;
	default:
		/* A Reject or an Async Message: its StatSN becomes a hole. */
		s->stats.pdus_discarded++;
		isess_update_window(s, bhs);
		break;
	}
}

void isess_on_bytes(struct isess *s, uint64_t now, const uint8_t *p, size_t len)
{
	s->now = now;
	if (len > 0)
		s->last_recv = now; /* per segment, not per PDU, as iscsi_tcp_recv_skb */
	uint64_t gen = s->conn_gen;
	while (len > 0 && s->connected && s->conn_gen == gen) {
		size_t used;
		enum ipdu_rx_result r = ipdu_rx_feed(&s->rx, p, len, &used);
		p += used;
		len -= used;
		switch (r) {
		case IPDU_MORE:
			break;
		case IPDU_READY:
			s->hdr_resync = false;
			if (s->state == ISS_LOGIN)
				on_login_rsp(s);
			else
				on_ffp_pdu(s);
			break;
		case IPDU_BAD_DDIGEST:
			s->hdr_resync = false;
			/* ERL 0 cannot ask for the data again (§7.8): drop. */
			if (isess_erl1(s) && s->state != ISS_LOGIN)
				bad_data(s);
			else
				isess_conn_fail(s, "data digest error");
			break;
		case IPDU_BAD_HDIGEST:
			/* ERL 1 (§7.8): the PDU is discarded and its loss shows as a
			 * gap (DataSN, R2TSN, StatSN) or a timeout; a second bad
			 * header in a row means its length was the damaged field. */
			if (s->rx.state == IPDU_BROKEN || s->hdr_resync) {
				isess_conn_fail(s, "header digest error");
				break;
			}
			s->hdr_resync = true;
			s->stats.digest_errors++;
			s->stats.pdus_discarded++;
			break;
		case IPDU_TOO_LONG:
			isess_conn_fail(s, "data segment above our MaxRecvDataSegmentLength");
			break;
		}
	}
}

void isess_on_closed(struct isess *s, uint64_t now)
{
	s->now = now;
	if (!s->connected && s->state != ISS_CONNECTING)
		return;
	s->connected = false;
	isess_conn_fail(s, "connection closed by peer");
}

void isess_on_time(struct isess *s, uint64_t now)
{
	s->now = now;
	if (now >= s->replacement_deadline) {
		s->replacement_deadline = SIM_NEVER;
		s->failed_fast = true;
		s->stats.recoveries_failed++;
		itask_fail_all(s, ICMD_TRANSPORT);
		isess_event(s, ISE_FAILED, 0, "replacement timeout");
	}
	switch (s->state) {
	case ISS_IDLE:
		if (now >= s->reconnect_at && !s->logging_out)
			connect_now(s);
		break;
	case ISS_CONNECTING:
	case ISS_LOGIN:
		if (now >= s->login_deadline) {
			s->stats.login_failures++;
			isess_event(s, ISE_LOGIN_FAILED, 0, "login timeout");
			drop(s, s->cfg->reconnect_delay_ns, false, false);
		}
		break;
	case ISS_FFP:
		if (now >= s->nop_at) {
			transport_check(s);
			if (s->state != ISS_FFP)
				break;
		}
		if (s->status_snacked && now >= s->status_snack_ns + ISESS_RETRY_CHECK_NS)
			isess_status_snack(s, s->exp_statsn, 0);
		itask_on_time(s);
		if (s->state == ISS_FFP && now >= s->mcs_reassign_at)
			imcs_on_time(s);
		break;
	case ISS_LOGOUT:
		if (now >= s->logout_deadline)
			isess_conn_fail(s, "logout timeout");
		break;
	case ISS_CLOSED:
		break;
	}
}

uint64_t isess_next_deadline(struct isess *s)
{
	uint64_t d = s->replacement_deadline;
	switch (s->state) {
	case ISS_IDLE:
		return s->logging_out ? d : min_u64(d, s->reconnect_at);
	case ISS_CONNECTING:
	case ISS_LOGIN:
		return min_u64(d, s->login_deadline);
	case ISS_FFP:
		d = min_u64(d, min_u64(s->nop_at, s->mcs_reassign_at));
		if (s->status_snacked)
			d = min_u64(d, s->status_snack_ns + ISESS_RETRY_CHECK_NS);
		return min_u64(d, itask_next_deadline(s));
	case ISS_LOGOUT:
		return min_u64(d, s->logout_deadline);
	case ISS_CLOSED:
		return SIM_NEVER;
	}
	return d;
}

void isess_submit(struct isess *s, uint64_t now, struct icmd *c)
{
	s->now = now;
	c->home = s;
	c->seq = s->seq_next++;
	c->sends = 0;
	c->st = ICS_WAIT;
	c->next = NULL;
	c->result = ICMD_OK;
	c->status = 0;
	c->sense_len = 0;
	c->data_in = 0;
	c->resid = 0;
	bool down = s->state != ISS_FFP;
	if (s->state == ISS_CLOSED || s->logging_out || (down && (c->fastfail || s->failed_fast))) {
		c->result = ICMD_TRANSPORT;
		s->ops.done(s->ops.ctx, s, c);
		return;
	}
	if (s->wait_tail != NULL)
		s->wait_tail->next = c;
	else
		s->wait_head = c;
	s->wait_tail = c;
	s->waiting++;
	if (!down)
		itask_pump(s);
}

void isess_logout(struct isess *s, uint64_t now)
{
	s->now = now;
	if (s->logging_out || s->state == ISS_CLOSED)
		return;
	s->logging_out = true;
	/* MC/S: the session is going away with its leader (the host logs
	 * out every connection of it). One of the others reopened meanwhile
	 * must not join it: the leader's next login starts a new session
	 * (TSIH 0), and a connection left in the old one would number its
	 * commands from the one isess_sn in two sessions whose windows
	 * differ (five-flag swarm seed 8884). It joins the next one. */
	if (s->mcs_idx == 0)
		s->sn->alive = false;
	if (s->state == ISS_FFP) {
		send_logout(s);
		return;
	}
	if (s->connected)
		s->ops.disconnect(s->ops.ctx, s, false);
	s->connected = false;
	s->conn_gen++;
	closed_for_good(s);
}

bool isess_up(const struct isess *s)
{
	return s->state == ISS_FFP;
}

unsigned isess_load(const struct isess *s)
{
	return s->in_flight + s->waiting;
}

void isess_kill(struct isess *s, uint64_t now)
{
	s->now = now;
	if (s->state == ISS_CLOSED)
		return;
	s->logging_out = true;
	/* The kernel closes a dead process's sockets: FIN, no Logout. */
	if (s->connected)
		s->ops.disconnect(s->ops.ctx, s, true);
	s->connected = false;
	s->conn_gen++;
	closed_why(s, "initiator exited");
}

void isess_reopen(struct isess *s, uint64_t now, const uint8_t isid[6])
{
	s->now = now;
	if (s->state != ISS_CLOSED)
		return;
	if (s->sn->alive) {
		/* MC/S: another connection keeps the session (only its
		 * leader's close ends it, closed_why): this one joins it again
		 * with the session's ISID and TSIH (§6.3.4); a new ISID is for
		 * the next session. Zeroing the TSIH here took it from the
		 * live session (five-flag swarm seeds 677, 1222: a joining
		 * login with TSIH 0). */
		memcpy(s->isid, s->sn->conn[0]->isid, 6);
	} else {
		/* A new session (TSIH 0): with another ISID, another I_T nexus
		 * (SAM-5 §4.6.2; RFC 7143 §4.4.1), whose reservations are its own. */
		memcpy(s->isid, isid, 6);
		s->sn->tsih = 0;
	}
	s->logging_out = false;
	s->failed_fast = false;
	/* Closing failed every command, but a cached earliest deadline of
	 * one whose deadline was already cleared (an ABORT TASK under
	 * escalation) may have outlived it: look again. */
	s->task_deadline_stale = true;
	imcs_reopened(s);
	s->state = ISS_IDLE;
	connect_now(s);
}
