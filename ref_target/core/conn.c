/* conn: see conn.h. */
#include "conn.h"

#include <assert.h>
#include <string.h>

#include "engine_int.h"
#include "erl2.h"
#include "login.h"
#include "mem.h"
#include "pdu.h"
#include "pdu_ops.h"
#include "session.h"
#include "textreq.h"

#define NS_PER_MS 1000000ull

static const struct rx_ops conn_rx_ops;
static enum rx_verdict conn_login_phase_header(struct conn *c, const uint8_t *hdr, uint32_t dsl);

static const struct login_hooks conn_login_hooks = {
	.check_session = sess_login_check,
	.bind = sess_login_bind,
};

struct conn *conn_create(struct rt_engine *eng, rt_conn_id id, uint32_t portal, const struct rt_peer *peer)
{
	struct conn *c = eng_zalloc(eng, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->eng = eng;
	c->id = id;
	c->portal = portal;
	c->peer = *peer;
	c->state = CONN_LOGIN;
	c->stage = eng_alloc(eng, CONN_STAGE_LEN);
	c->login = eng_zalloc(eng, sizeof(*c->login));
	if (c->stage == NULL || c->login == NULL) {
		conn_free(c);
		return NULL;
	}
	login_init(c->login, eng->env, eng->cfg, portal, &conn_login_hooks, c);
	rx_init(&c->rx, &conn_rx_ops, c);
	tx_init(&c->tx, eng->env, id);
	c->accept_ns = c->last_rx_ns = eng_now(eng);
	/* Until its first whole Login PDU the connection has the short
	 * pre-login deadline (admit.h); conn_login_pdu then gives it the
	 * rest of login_timeout_ms. cfg_validate keeps prelogin <= login. */
	uint32_t prelogin_ms = eng->cfg->params.prelogin_timeout_ms;
#ifdef RT_PLANT_BUG_admission_undefended
	prelogin_ms = eng->cfg->params.login_timeout_ms; /* planted (admit.c) */
#endif
	if (prelogin_ms > 0)
		c->login_deadline_ns = c->accept_ns + (uint64_t)prelogin_ms * NS_PER_MS;
	return c;
}

void conn_free(struct conn *c)
{
	struct rt_engine *eng = c->eng;
	assert(c->sess == NULL);
	mem_conn_freed(c);
	rcv_fini(c);
	if (c->login) {
		login_fini(c->login);
		eng_free(eng, c->login, sizeof(*c->login));
	}
	if (c->text) {
		textreq_fini(c->text);
		eng_free(eng, c->text, sizeof(*c->text));
	}
	eng_free(eng, c->stage, CONN_STAGE_LEN);
	eng_free(eng, c->pdu_buf, c->pdu_buf_cap);
	eng_free(eng, c, sizeof(*c));
}

static void conn_leave(struct conn *c)
{
	c->state = CONN_CLOSED;
	c->rx_op = NULL; /* nothing more is received: no handler runs again */
	if (c->sess)
		sess_conn_gone(c->sess, c);
	eng_conn_reap(c->eng, c);
}

void conn_drop(struct conn *c, const char *why)
{
	if (c->state == CONN_CLOSED)
		return;
	struct rt_engine *eng = c->eng;
	tx_flush(&c->tx);
	eng_log(eng, RT_LOG_INFO, "conn %u: closing: %s", c->id, why);
	eng->stats.conns_dropped++;
	eng->env->conn_close(eng->env->ctx, c->id);
	conn_leave(c);
}

void conn_lost(struct conn *c)
{
	if (c->state == CONN_CLOSED)
		return;
	eng_log(c->eng, RT_LOG_INFO, "conn %u: closed by the peer", c->id);
	conn_leave(c);
}

/* ---- sending ---- */

void conn_stamp(struct conn *c, uint8_t *bhs, bool advance_stat_sn)
{
	pdu_set_w(bhs, PDU_TGT_STATSN, advance_stat_sn ? c->stat_sn++ : c->stat_sn);
	if (c->sess) {
		pdu_set_w(bhs, PDU_TGT_EXPCMDSN, c->sess->exp_cmd_sn);
		pdu_set_w(bhs, PDU_TGT_MAXCMDSN, c->sess->max_cmd_sn);
	}
}

void conn_send(struct conn *c, const uint8_t *bhs, const void *data, uint32_t len)
{
	if (c->state == CONN_CLOSED)
		return;
	c->eng->stats.pdus_out++;
	c->eng->stats.bytes_out += ISCSI_BHS_LEN + len;
	tx_add(&c->tx, bhs, data, len);
	rcv_sent(c, bhs, data, len);
}

void conn_flush(struct conn *c)
{
	if (c->state == CONN_CLOSED)
		return;
	if (tx_flush(&c->tx) != 0) {
		conn_lost(c);
		return;
	}
	mem_conn_unsent(c, c->tx.unsent);
}

void conn_reject(struct conn *c, const uint8_t *hdr, uint8_t reason)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_REJECT, ISCSI_FLAG_FINAL);
	bhs[PDU_REJECT_REASON] = reason;
	pdu_set_w(bhs, PDU_ITT, ISCSI_TAG_RESERVED);
	conn_stamp(c, bhs, true);
	c->eng->stats.rejects_sent++;
	eng_log(c->eng, RT_LOG_INFO, "conn %u: Reject reason 0x%02x for %s", c->id, reason,
		pdu_opcode_name(pdu_opcode(hdr)));
	/* §11.17: the data segment is the complete header of the bad PDU. */
	conn_send(c, bhs, hdr, ISCSI_BHS_LEN);
	conn_flush(c);
}

/* ---- receiving ---- */

/* Room for a data segment that does not go to a task, grown on demand up
 * to what we declared (MaxRecvDataSegmentLength, checked by the caller). */
static uint8_t *conn_pdu_buf(struct conn *c, uint32_t len)
{
	if (len <= c->pdu_buf_cap)
		return c->pdu_buf;
	uint8_t *p = eng_alloc(c->eng, len);
	if (p == NULL)
		return NULL;
	eng_free(c->eng, c->pdu_buf, c->pdu_buf_cap);
	c->pdu_buf = p;
	c->pdu_buf_cap = len;
	return p;
}

/* The most we accept per PDU right now: 8192 during login (§13.12:
 * MaxRecvDataSegmentLength applies to the login phase at its default). */
static uint32_t conn_max_recv(const struct conn *c)
{
	return c->state == CONN_LOGIN ? ISCSI_MRDSL_DEFAULT : c->params.max_recv_dsl;
}

/* The data segment of a PDU not bound for a task goes to the connection's
 * buffer; without memory for it the connection goes. */
static enum rx_verdict conn_to_pdu_buf(struct conn *c, uint8_t **dst, const char *why)
{
	uint32_t dsl = c->rx.dsl;
	*dst = conn_pdu_buf(c, dsl);
	if (*dst == NULL && dsl > 0) {
		conn_drop(c, why);
		return RX_STOP;
	}
	return RX_GO;
}

enum rx_verdict conn_login_header(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst)
{
	(void)hdr;
	(void)ahs_len;
	return conn_to_pdu_buf(c, dst, "out of memory for a login PDU");
}

enum rx_verdict conn_command_header(struct conn *c, const uint8_t *hdr, uint32_t ahs_len, uint8_t **dst)
{
	(void)hdr;
	(void)ahs_len;
	return conn_to_pdu_buf(c, dst, "out of memory for a PDU");
}

unsigned conn_phase(const struct conn *c)
{
	if (c->state == CONN_LOGIN)
		return PDU_PH_LOGIN;
	return c->sess != NULL && c->sess->discovery ? PDU_PH_DISCOVERY : PDU_PH_NORMAL;
}

void conn_rx_task_gone(struct conn *c, const struct task *t)
{
	if (c->rx_op != NULL && c->rx_op->task_gone != NULL)
		c->rx_op->task_gone(c, t);
}

/* A header whose digest failed. RFC 7143 §7.8: the receiver "MUST either
 * discard the header and all data up to the beginning of a later PDU or
 * close the connection"; the length may be the damaged field, so the
 * beginning of a later PDU must be "reliably ascertained by other means".
 * At ERL 0 the connection goes (recovery is the session's, §7.1.5). At
 * ERL >= 1 (recovery within the connection, §7.1.4.2) we skip the data
 * segment the damaged header announces and take the digest of the next
 * header as that other means: if it passes (a 2^-32 chance by accident),
 * the boundary was right and the lost PDU is recovered as §7.8/§7.9 say
 * (the initiator retries a command, §7.2.1; a lost Data-Out shows as a
 * DataSN gap and gets a recovery R2T, dataout.c); if it fails too, or
 * the length is beyond what we accept, the framing is lost and the
 * connection goes. */
static enum rx_verdict conn_rx_bad_header(struct conn *c, const struct rx *rx)
{
	c->eng->stats.digest_errors++;
	if (rcv_level(c) < 1) {
		conn_drop(c, "header digest error");
		return RX_STOP;
	}
	if (c->hdr_resync || rx->dsl > conn_max_recv(c)) {
		conn_drop(c, "header digest error: the PDU boundary is lost");
		return RX_STOP;
	}
	c->hdr_resync = true;
	eng_log(c->eng, RT_LOG_INFO, "conn %u: header digest error: PDU discarded", c->id);
	return RX_GO; /* rx_op NULL, *dst NULL: its data segment is skipped */
}

static enum rx_verdict conn_rx_header(void *owner, struct rx *rx, bool hdr_ok, uint8_t **dst)
{
	struct conn *c = owner;
	struct rt_engine *eng = c->eng;
	const uint8_t *hdr = rx->hdr;
	eng->stats.pdus_in++;
	eng->stats.bytes_in += ISCSI_BHS_LEN + rx->ahs_len + rx->dsl;
	c->last_rx_ns = eng_now(eng);
	c->rx_op = NULL;
	*dst = NULL;
	if (!hdr_ok)
		return conn_rx_bad_header(c, rx);
	if (c->hdr_resync) {
		/* This header's digest passed where the skipped length put it:
		 * the PDU boundary is found again. */
		c->hdr_resync = false;
		eng_log(eng, RT_LOG_INFO, "conn %u: PDU boundary found again after a header digest error", c->id);
	}
	if (c->state == CONN_FFP)
		rcv_ack(c, pdu_w(hdr, PDU_INI_EXPSTATSN)); /* §4.2.2.2: every PDU acknowledges status */
	if (c->state == CONN_LOGIN && conn_login_phase_header(c, hdr, rx->dsl) != RX_GO)
		return RX_STOP;
	if (rx->dsl > conn_max_recv(c)) {
		conn_reject(c, hdr, ISCSI_REJECT_PROTOCOL_ERROR);
		conn_drop(c, "DataSegmentLength above MaxRecvDataSegmentLength");
		return RX_STOP;
	}
	int reason = pdu_check_initiator_bhs(hdr);
	if (reason != 0) {
		conn_reject(c, hdr, (uint8_t)reason);
		return RX_GO; /* the data segment, if any, is discarded */
	}
	const struct pdu_op *op = pdu_op_find(pdu_opcode(hdr));
	unsigned phase = conn_phase(c);
	if (!(op->phases & phase) && (phase == PDU_PH_LOGIN || op->command == NULL)) {
		/* conn_login_phase_header let only Login Requests through */
		assert(phase != PDU_PH_LOGIN);
		/* §6: no login in full feature phase; §4.3: a discovery session
		 * carries Text, Logout and NOP only. */
		conn_reject(c, hdr, ISCSI_REJECT_PROTOCOL_ERROR);
		return RX_GO; /* the data segment, if any, is discarded */
	}
	c->rx_op = op;
	return op->header ? op->header(c, hdr, rx->ahs_len, dst) : RX_GO;
}

static void conn_enter_ffp(struct conn *c, const struct login_result *res)
{
	struct rt_engine *eng = c->eng;
	c->state = CONN_FFP;
	c->params = res->params;
	/* Digests start with the first PDU after the last Login Response. */
	c->rx.header_digest = c->tx.header_digest = res->params.header_digest;
	c->rx.data_digest = c->tx.data_digest = res->params.data_digest;
	c->login_deadline_ns = 0;
	c->text = eng_zalloc(eng, sizeof(*c->text));
	if (c->text == NULL) {
		conn_drop(c, "out of memory for text negotiation");
		return;
	}
	textreq_init(c->text, eng->env, eng->cfg, res, &c->params);
	eng->stats.logins_ok++;
	eng_log(eng, RT_LOG_INFO, "conn %u: %s session tsih=%u for %s", c->id,
		res->discovery ? "discovery" : "normal", res->tsih, res->initiator_name);
	/* res lives inside the login state: nothing may use it after this. */
	login_fini(c->login);
	eng_free(eng, c->login, sizeof(*c->login));
	c->login = NULL;
}

/* Send a Login Response; req: the request it answers (its ExpStatSN and
 * CmdSN). */
static void conn_login_send(struct conn *c, const uint8_t *req, struct pdu *resp)
{
	if (!c->stat_sn_started) {
		/* §11.13.3: the first Login Response starts the connection's
		 * StatSN; the initiator's ExpStatSN is as good a start as any. */
		c->stat_sn = pdu_w(req, PDU_INI_EXPSTATSN);
		c->stat_sn_started = true;
	}
	/* Before the session exists, ExpCmdSN is the login's CmdSN (§11.12.7)
	 * and MaxCmdSN grants that one. conn_stamp overwrites both once bound. */
	pdu_set_w(resp->bhs, PDU_TGT_EXPCMDSN, pdu_w(req, PDU_INI_CMDSN));
	pdu_set_w(resp->bhs, PDU_TGT_MAXCMDSN, pdu_w(req, PDU_INI_CMDSN));
	conn_stamp(c, resp->bhs, true);
	conn_send(c, resp->bhs, resp->data, resp->data_len);
	conn_flush(c);
}

/* A login ends on a PDU it cannot take: the Login Response with status,
 * then the connection closes (§11.13.5: any failure status ends it). */
static void conn_login_refuse(struct conn *c, const uint8_t *hdr, uint16_t status, const char *why)
{
	struct pdu resp;
	bool is_login = pdu_opcode(hdr) == ISCSI_OP_LOGIN_REQ;
	login_refuse(c->login, is_login ? hdr : NULL, status, why, &resp);
	conn_login_send(c, hdr, &resp);
	c->eng->stats.logins_failed++;
	conn_drop(c, why);
}

/* The header of a PDU on a connection still in its login phase. Returns
 * RX_GO for a Login Request within the login-phase limit. */
static enum rx_verdict conn_login_phase_header(struct conn *c, const uint8_t *hdr, uint32_t dsl)
{
	if (pdu_opcode(hdr) != ISCSI_OP_LOGIN_REQ) {
		/* RFC 7143 §6.3: a PDU other than a Login Request before the
		 * login phase started ends the connection at once; once it has
		 * started, the target MUST send a Login reject "invalid during
		 * login" (0x020b, §11.13.5) and then disconnect. */
		if (c->login->phase == LOGIN_START) {
			conn_drop(c, "a PDU other than a Login Request opened the connection");
			return RX_STOP;
		}
		conn_login_refuse(c, hdr, ISCSI_LOGIN_INVALID_DURING_LOGIN, "a non-login PDU during login");
		return RX_STOP;
	}
	if (dsl > ISCSI_MRDSL_DEFAULT) {
		/* §13.12: MaxRecvDataSegmentLength is 8192 for the whole login
		 * phase; a longer Login Request is the initiator's error. A Login
		 * Response, not a Reject: §11.13.5 statuses are how a login is
		 * refused. Class 2 (initiator error, 0x0200), not 0x0302 "out of
		 * resources": nothing is short on our side and a retry of the same
		 * PDU would fail again; 0x0207 is "missing parameter". LIO checks
		 * the same limit in iscsi_target_check_login_request and closes. */
		conn_login_refuse(c, hdr, ISCSI_LOGIN_INITIATOR_ERROR, "a Login Request longer than 8192 bytes");
		return RX_STOP;
	}
	return RX_GO;
}

void conn_login_pdu(struct conn *c, const struct rx *rx, bool data_ok)
{
	(void)data_ok; /* digests start after the last Login Response */
#ifdef RT_PLANT_BUG_text_continue_wedge
	/* Planted (sim/planted-bugs-net.txt): a Text exchange left open with
	 * C=1 on any connection holds every login back, as a target-wide lock
	 * held across a continued exchange would: the target accepts TCP and
	 * never answers a login until that connection goes. */
	for (const struct conn *o = c->eng->conns; o != NULL; o = o->next)
		if (o != c && o->text != NULL && o->text->state == TEXTREQ_RECEIVING)
			return;
#endif
	struct pdu req = { .ahs = NULL, .ahs_len = 0, .data = c->pdu_buf, .data_len = rx->dsl };
	memcpy(req.bhs, rx->hdr, ISCSI_BHS_LEN);
	struct pdu resp;
	if (!c->login_started) {
		c->login_started = true;
		uint32_t login_ms = c->eng->cfg->params.login_timeout_ms;
		c->login_deadline_ns = login_ms ? c->accept_ns + (uint64_t)login_ms * NS_PER_MS : 0;
	}
	enum login_verdict v = login_rx(c->login, &req, &resp);
	conn_login_send(c, req.bhs, &resp);
	switch (v) {
	case LOGIN_REPLY:
		break;
	case LOGIN_REPLY_FFP:
		conn_enter_ffp(c, login_result(c->login));
		break;
	case LOGIN_REPLY_CLOSE:
		c->eng->stats.logins_failed++;
		conn_drop(c, "login failed");
		break;
	}
}

/* ---- full feature phase commands ---- */

void conn_nop_out(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	uint32_t itt = pdu_itt(bhs);
	uint32_t ttt = pdu_w(bhs, PDU_NOP_TTT);
	if (itt == ISCSI_TAG_RESERVED) {
		/* §11.18: an answer to our NOP-In (TTT echoed), or a bare
		 * ExpStatSN update (TTT reserved): no reply either way. */
		if (c->ping_deadline_ns != 0 && ttt == c->ping_ttt)
			c->ping_deadline_ns = 0;
		return;
	}
	/* A ping from the initiator: echo its data (§11.19), as much as it
	 * may receive. */
	uint8_t rsp[ISCSI_BHS_LEN];
	pdu_init(rsp, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL);
	memcpy(rsp + PDU_LUN, bhs + PDU_LUN, 8);
	pdu_set_w(rsp, PDU_ITT, itt);
	pdu_set_w(rsp, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	conn_stamp(c, rsp, true);
	if (len > c->params.max_xmit_dsl)
		len = c->params.max_xmit_dsl;
	conn_send(c, rsp, data, len);
	conn_flush(c);
}

void conn_logout(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	(void)data; /* §11.14: a Logout Request carries no data we use */
	(void)len;
	struct session *s = c->sess;
	uint8_t reason = bhs[PDU_FLAGS] & ISCSI_FUNCTION_MASK;
	uint16_t cid = get_be16(bhs + PDU_LOGOUT_CID);
	uint8_t response = ISCSI_LOGOUT_RSP_OK;
	struct conn *victim = NULL;
	switch (reason) {
	case ISCSI_LOGOUT_SESSION:
		break;
	case ISCSI_LOGOUT_CONNECTION:
		for (struct conn *o = s->conns; o; o = o->sess_next)
			if (o->cid == cid)
				victim = o;
		/* A connection that failed at ERL 2: its waiting tasks end. */
		if (victim == NULL && !erl2_logout_close(s, cid))
			response = ISCSI_LOGOUT_RSP_NO_CID;
		break;
	case ISCSI_LOGOUT_RECOVERY:
		/* §11.14.1: its tasks wait for reassignment; needs ERL 2. */
		response = erl2_logout(c, cid, pdu_w(bhs, PDU_INI_EXPSTATSN), &victim);
		break;
	default:
		/* §11: a reserved code value is a protocol error. */
		conn_reject(c, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return;
	}
	uint8_t rsp[ISCSI_BHS_LEN];
	pdu_init(rsp, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL);
	rsp[PDU_LOGOUT_RESPONSE] = response;
	pdu_set_w(rsp, PDU_ITT, pdu_itt(bhs));
	if (response == ISCSI_LOGOUT_RSP_NO_RECOVERY ||
	    (reason == ISCSI_LOGOUT_RECOVERY && response == ISCSI_LOGOUT_RSP_OK)) {
		/* §11.15.2-3: Time2Wait/Time2Retain qualify responses 2 and 3,
		 * and response 0 at ERL 2: when reassignment may start and how
		 * long the tasks wait. After reasons 0 and 1 they stay 0: the
		 * tasks are gone already. */
		put_be16(rsp + PDU_LOGOUT_TIME2WAIT, (uint16_t)s->params.default_time2wait);
		put_be16(rsp + PDU_LOGOUT_TIME2RETAIN, (uint16_t)s->params.default_time2retain);
	}
	conn_stamp(c, rsp, true);
	conn_send(c, rsp, NULL, 0);
	conn_flush(c);
	if (response != ISCSI_LOGOUT_RSP_OK)
		return;
	if (reason == ISCSI_LOGOUT_SESSION) {
		sess_close(s);
	} else if (victim != NULL) {
		victim->logged_out = reason == ISCSI_LOGOUT_CONNECTION;
		conn_drop(victim, victim->logged_out ? "logged out" : "logged out for recovery");
	}
}

void conn_text(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct pdu req = { .ahs = NULL, .ahs_len = 0, .data = data, .data_len = len };
	memcpy(req.bhs, bhs, ISCSI_BHS_LEN);
	struct pdu resp;
	if (textreq_rx(c->text, &req, &resp) == TEXTREQ_REJECT) {
		conn_reject(c, bhs, c->text->reject_reason);
		return;
	}
	conn_stamp(c, resp.bhs, true);
	conn_send(c, resp.bhs, resp.data, resp.data_len);
	conn_flush(c);
}

void conn_dispatch_command(struct conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct session *s = c->sess;
	uint8_t op = pdu_opcode(bhs);
	bool imm = pdu_immediate(bhs);
	/* A NOP-Out that answers our ping or only acknowledges status has the
	 * reserved ITT and must be immediate (§11.18): no CmdSN of its own. */
	if (op == ISCSI_OP_NOP_OUT && pdu_itt(bhs) == ISCSI_TAG_RESERVED) {
		conn_nop_out(c, bhs, data, len);
		return;
	}
	switch (sess_cmd_sn_check(s, pdu_w(bhs, PDU_INI_CMDSN), imm)) {
	case SN_IGNORE:
		eng_log(c->eng, RT_LOG_DEBUG, "conn %u: %s CmdSN %u outside [%u, %u]: ignored", c->id,
			pdu_opcode_name(op), pdu_w(bhs, PDU_INI_CMDSN), s->exp_cmd_sn, s->max_cmd_sn);
		return;
	case SN_EARLY:
		if (sess_hold_early(s, c, bhs, data, len) != 0)
			conn_drop(c, "too many commands ahead of ExpCmdSN");
		return;
	case SN_NOW:
		break;
	}
	if (!imm)
		sess_cmd_sn_taken(s, false);
	const struct pdu_op *row = pdu_op_find(op);
	assert(row != NULL && row->command != NULL); /* conn_command_pdu's, or held by it */
	if (row->phases & conn_phase(c))
		row->command(c, bhs, data, len);
	else /* its CmdSN taken, then refused (a TMF in discovery, §4.3) */
		conn_reject(c, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	if (c->sess)
		sess_deliver_early(c->sess);
}

void conn_command_pdu(struct conn *c, const struct rx *rx, bool data_ok)
{
	if (!data_ok) {
		/* §7.8: Reject and discard; the CmdSN stays a gap for the
		 * initiator to plug. */
		conn_reject(c, rx->hdr, ISCSI_REJECT_DATA_DIGEST);
		return;
	}
	conn_dispatch_command(c, rx->hdr, c->pdu_buf, rx->dsl);
}

void conn_snack_pdu(struct conn *c, const struct rx *rx, bool data_ok)
{
	(void)data_ok; /* §11.16: a SNACK has no data segment we use */
	rcv_snack(c, rx->hdr);
}

static enum rx_verdict conn_rx_pdu(void *owner, struct rx *rx, bool data_ok)
{
	struct conn *c = owner;
	if (!data_ok)
		c->eng->stats.digest_errors++;
	if (c->rx_op != NULL)
		c->rx_op->pdu(c, rx, data_ok);
	return c->state == CONN_CLOSED ? RX_STOP : RX_GO;
}

static const struct rx_ops conn_rx_ops = {
	.header = conn_rx_header,
	.pdu = conn_rx_pdu,
};

void conn_feed(struct conn *c, const uint8_t *buf, size_t n)
{
	if (c->state != CONN_CLOSED)
		rx_feed(&c->rx, buf, n);
}

size_t conn_rx_space(struct conn *c, void **buf)
{
	/* Backpressure (mem.h): a peer that does not read its answers gets
	 * no more of them until it does. */
	if (!mem_conn_readable(c)) {
		*buf = NULL;
		return 0;
	}
	uint8_t *direct;
	size_t room = rx_direct_space(&c->rx, &direct);
	if (room >= CONN_DIRECT_MIN) {
		*buf = direct;
		return room;
	}
	*buf = c->stage;
	return CONN_STAGE_LEN;
}

void conn_rx_commit(struct conn *c, size_t n)
{
	if (c->state == CONN_CLOSED || n == 0)
		return;
	uint8_t *direct;
	size_t room = rx_direct_space(&c->rx, &direct);
	if (room >= CONN_DIRECT_MIN) {
		assert(n <= room);
		c->last_rx_ns = eng_now(c->eng);
		rx_direct_commit(&c->rx, n);
		return;
	}
	rx_feed(&c->rx, c->stage, n);
}

/* ---- timers ---- */

static uint64_t min_deadline(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

static uint64_t conn_next_ping(const struct conn *c)
{
	uint32_t every = c->eng->cfg->params.nop_in_interval_ms;
	if (c->state != CONN_FFP || every == 0 || c->ping_deadline_ns != 0)
		return 0;
	return c->last_rx_ns + every * NS_PER_MS;
}

uint64_t conn_deadline(const struct conn *c)
{
	if (c->state == CONN_CLOSED)
		return 0;
	uint64_t d = min_deadline(c->login_deadline_ns, c->ping_deadline_ns);
	d = min_deadline(d, c->close_deadline_ns);
	return min_deadline(d, conn_next_ping(c));
}

/* §11.19: a NOP-In with a valid TTT asks for a NOP-Out echoing it. */
static void conn_ping(struct conn *c, uint64_t now)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t ttt;
	do
		ttt = (uint32_t)c->eng->env->random_u64(c->eng->env->ctx);
	while (ttt == ISCSI_TAG_RESERVED);
	c->ping_ttt = ttt;
	uint32_t timeout_ms = c->eng->cfg->params.nop_in_timeout_ms;
	c->ping_deadline_ns = now + (uint64_t)(timeout_ms ? timeout_ms : 1) * NS_PER_MS;
	pdu_init(bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_NOP_TTT, ttt);
	conn_stamp(c, bhs, false); /* §11.19.3: StatSN not advanced */
	conn_send(c, bhs, NULL, 0);
	conn_flush(c);
}

void conn_time(struct conn *c, uint64_t now)
{
	if (c->state == CONN_CLOSED)
		return;
	if (c->login_deadline_ns && now >= c->login_deadline_ns) {
		if (!c->login_started)
			c->eng->stats.prelogin_timeouts++;
		conn_drop(c, c->login_started ? "login timeout" : "no Login PDU within prelogin_timeout_ms");
		return;
	}
	if (c->ping_deadline_ns && now >= c->ping_deadline_ns) {
		conn_drop(c, "no answer to NOP-In within nop_in_timeout");
		return;
	}
	if (c->close_deadline_ns && now >= c->close_deadline_ns) {
		conn_drop(c, "no logout after the Async logout request");
		return;
	}
	uint64_t ping_at = conn_next_ping(c);
	if (ping_at && now >= ping_at)
		conn_ping(c, now);
}

void conn_announce_window(struct conn *c)
{
	if (c->state != CONN_FFP)
		return;
	/* §11.19: ITT and TTT reserved: no answer wanted, StatSN not advanced. */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	conn_stamp(c, bhs, false);
	conn_send(c, bhs, NULL, 0);
	conn_flush(c);
}

void conn_request_logout(struct conn *c, uint32_t timeout_ms)
{
	if (c->state != CONN_FFP || c->sess == NULL || c->sess->discovery) {
		conn_drop(c, "target shutting down");
		return;
	}
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_ASYNC, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, ISCSI_TAG_RESERVED);
	bhs[PDU_ASYNC_EVENT] = ISCSI_ASYNC_LOGOUT_REQUEST;
	/* §11.9.1: Parameter3 is the time in seconds to log out in. */
	uint32_t secs = (timeout_ms + 999) / 1000;
	put_be16(bhs + PDU_ASYNC_PARAMETER3, (uint16_t)(secs > 0xffff ? 0xffff : secs));
	conn_stamp(c, bhs, true);
	conn_send(c, bhs, NULL, 0);
	conn_flush(c);
	c->close_deadline_ns = eng_now(c->eng) + (uint64_t)(timeout_ms ? timeout_ms : 1) * NS_PER_MS;
}
