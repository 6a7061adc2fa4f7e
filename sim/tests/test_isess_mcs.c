/* The simulated initiator's multiple connections per session (MC/S,
 * initiator/session_mcs.c) against a scripted target: two connections,
 * one CmdSN sequence; at ERL 2 a failed connection's tasks are taken
 * over by the survivor (Logout reason 2, then TASK REASSIGN, RFC 7143
 * §7.2.2, §11.14.1); at ERL 0 the session goes with it (§7.1.4.3). */
#include <check.h>

#include "sim/initiator/session.h"
#include "sim/base/time.h"
#include "tmem.h"

#define MCS_PDUS_MAX 64 /* PDUs recorded per connection between resets */

struct mconn {
	struct ipdu_rx rx;
	uint8_t bhs[MCS_PDUS_MAX][48];
	unsigned n;
	unsigned connects, disconnects;
	uint32_t statsn;
};

struct mrig {
	struct tmem m;
	struct isess s[2];
	struct mconn c[2];
	struct isess_cfg cfg;
	struct icmd *done[16];
	unsigned ndone;
	uint64_t now;
};

static struct mconn *conn_of(struct mrig *r, const struct isess *s) { return &r->c[s == &r->s[0] ? 0 : 1]; }

static void m_connect(void *ctx, struct isess *s) { conn_of(ctx, s)->connects++; }

static void m_send(void *ctx, struct isess *s, const struct iovec *iov, int n)
{
	struct mconn *c = conn_of(ctx, s);
	for (int i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		while (len > 0) {
			size_t used;
			enum ipdu_rx_result res = ipdu_rx_feed(&c->rx, p, len, &used);
			p += used;
			len -= used;
			ck_assert(res == IPDU_MORE || res == IPDU_READY);
			if (res == IPDU_READY) {
				ck_assert_uint_lt(c->n, MCS_PDUS_MAX);
				memcpy(c->bhs[c->n++], c->rx.bhs, 48);
			}
		}
	}
}

static void m_disconnect(void *ctx, struct isess *s, bool graceful)
{
	(void)graceful;
	conn_of(ctx, s)->disconnects++;
}

static void m_done(void *ctx, struct isess *s, struct icmd *c)
{
	(void)s;
	struct mrig *r = ctx;
	r->done[r->ndone++] = c;
}

static void m_event(void *ctx, struct isess *s, enum isess_event ev, uint32_t detail, const char *why)
{
	(void)ctx;
	(void)s;
	(void)ev;
	(void)detail;
	(void)why;
}

static const char *const keys_erl2[] = { "HeaderDigest", "None", "DataDigest", "None", "MaxRecvDataSegmentLength",
	"512", "FirstBurstLength", "1024", "MaxBurstLength", "2048", "InitialR2T", "No", "ImmediateData", "Yes",
	"MaxConnections", "2", "ErrorRecoveryLevel", "2", "DefaultTime2Wait", "2", "DefaultTime2Retain", "20", NULL };
static const char *const keys_erl0[] = { "HeaderDigest", "None", "DataDigest", "None", "MaxRecvDataSegmentLength",
	"512", "FirstBurstLength", "1024", "MaxBurstLength", "2048", "InitialR2T", "No", "ImmediateData", "Yes",
	"MaxConnections", "2", NULL };
static const char *const keys_conn[] = { "HeaderDigest", "None", "DataDigest", "None", "MaxRecvDataSegmentLength",
	"512", NULL };

static void feed(struct mrig *r, unsigned k, uint8_t *bhs)
{
	struct ipdu_tx tx;
	memcpy(tx.bhs, bhs, 48);
	ipdu_tx_seal(&tx, NULL, 0, false, false);
	for (int i = 0; i < tx.iovcnt; i++)
		isess_on_bytes(&r->s[k], r->now, tx.iov[i].iov_base, tx.iov[i].iov_len);
}

/* A status-carrying target PDU on connection k: its own StatSN, the
 * session's window [exp, exp + 7]. */
static void tgt_pdu(struct mrig *r, unsigned k, uint8_t *bhs, uint8_t op, uint32_t itt, uint32_t exp)
{
	pdu_init(bhs, op, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_OPCODE_SPECIFIC, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_TGT_STATSN, r->c[k].statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, exp);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, exp + 7);
}

/* Connection k connects and its login is answered (one round). */
static void login(struct mrig *r, unsigned k, const char *const *keys, uint16_t tsih)
{
	struct mconn *c = &r->c[k];
	c->n = 0;
	isess_on_connected(&r->s[k], r->now);
	ck_assert_uint_eq(c->n, 1);
	const uint8_t *req = c->bhs[0];
	ck_assert_uint_eq(pdu_opcode(req), ISCSI_OP_LOGIN_REQ);
	uint8_t bhs[48], text[512];
	size_t len = 0;
	for (const char *const *kv = keys; *kv != NULL; kv += 2)
		ikeys_add(text, &len, sizeof(text), kv[0], kv[1]);
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	memcpy(bhs + PDU_LOGIN_ISID, req + PDU_LOGIN_ISID, 6);
	put_be16(bhs + PDU_LOGIN_TSIH, tsih);
	pdu_set_w(bhs, PDU_ITT, pdu_itt(req));
	pdu_set_w(bhs, PDU_TGT_STATSN, c->statsn++);
	uint32_t cmdsn = pdu_w(req, PDU_INI_CMDSN);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, cmdsn);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, cmdsn + 7);
	struct ipdu_tx tx;
	memcpy(tx.bhs, bhs, 48);
	ipdu_tx_seal(&tx, text, (uint32_t)len, false, false);
	for (int i = 0; i < tx.iovcnt; i++)
		isess_on_bytes(&r->s[k], r->now, tx.iov[i].iov_base, tx.iov[i].iov_len);
	ck_assert(isess_up(&r->s[k]));
	c->n = 0;
}

static void tick(struct mrig *r, uint64_t to)
{
	for (;;) {
		uint64_t d0 = isess_next_deadline(&r->s[0]), d1 = isess_next_deadline(&r->s[1]);
		uint64_t d = d0 < d1 ? d0 : d1;
		if (d > to)
			break;
		r->now = d;
		isess_on_time(&r->s[d0 <= d1 ? 0 : 1], d);
	}
	r->now = to;
}

/* Two connections of one session up (TSIH 0x99), at ERL 2 or 0. */
static struct mrig *two_up(bool erl2)
{
	static struct mrig r;
	memset(&r, 0, sizeof(r));
	tmem_init(&r.m);
	r.cfg = (struct isess_cfg){
		.login = { .initiator_name = "iqn.2024-01.test:i", .target_name = "iqn.2024-01.test:t",
			.skip_security = true, .mrdsl = 1024, .max_burst_length = 262144, .first_burst_length = 65536,
			.max_outstanding_r2t = 1, .immediate_data = true, .max_connections = 2,
			.error_recovery_level = erl2 ? 2 : 0 },
		.noop_interval_ns = SIM_S(5), .noop_timeout_ns = SIM_S(2), .login_timeout_ns = SIM_S(10),
		.replacement_timeout_ns = SIM_S(20), .cmd_timeout_ns = SIM_S(30), .tmf_timeout_ns = SIM_S(10),
		.reconnect_delay_ns = SIM_S(1), .logout_timeout_ns = SIM_S(10),
	};
	struct isess_ops ops = { .ctx = &r, .connect = m_connect, .send = m_send, .disconnect = m_disconnect,
		.done = m_done, .event = m_event };
	const uint8_t isid[6] = { 0x80, 0, 0, 0, 0, 1 };
	for (unsigned k = 0; k < 2; k++) {
		struct sim_rng rng;
		rng_stream(&rng, 3, "t", k);
		isess_init(&r.s[k], &r.cfg, &ops, &r.m.mem, &rng, isid);
		ipdu_rx_init(&r.c[k].rx, &r.m.mem, 70000);
		r.c[k].statsn = 100 + 1000 * k;
	}
	isess_mcs_join(&r.s[0], &r.s[1], 1);
	isess_start(&r.s[0], 0);
	isess_start(&r.s[1], 0);
	/* CID 1 waits for the session it joins (no TSIH yet). */
	ck_assert_uint_eq(r.c[0].connects, 1);
	ck_assert_uint_eq(r.c[1].connects, 0);
	login(&r, 0, erl2 ? keys_erl2 : keys_erl0, 0x99);
	tick(&r, SIM_S(1));
	ck_assert_uint_eq(r.c[1].connects, 1);
	login(&r, 1, keys_conn, 0x99);
	return &r;
}

static void done(struct mrig *r)
{
	for (unsigned k = 0; k < 2; k++) {
		isess_fini(&r->s[k]);
		ipdu_rx_fini(&r->c[k].rx);
	}
	ck_assert_uint_eq(r->m.live, 0);
}

static uint8_t buf[4][512];

START_TEST(mcs_second_connection_joins_with_the_session_tsih_and_its_cid)
{
	struct mrig *r = two_up(true);
	/* joined: the session's keys (ERL 2 from the leader), not a login of its own */
	ck_assert_uint_eq(r->s[1].params.error_recovery_level, 2);
	ck_assert_uint_eq(r->s[1].cid, 1);
	ck_assert_uint_eq(r->s[1].stats.mcs_joins, 1);
	ck_assert_uint_eq(r->s[1].stats.sess_reinstatements + r->s[0].stats.sess_reinstatements, 0);
	done(r);
}
END_TEST

START_TEST(mcs_commands_on_both_connections_take_one_cmdsn_sequence)
{
	struct mrig *r = two_up(true);
	struct icmd c[4];
	for (unsigned i = 0; i < 4; i++) {
		c[i] = (struct icmd){ .dir = ICMD_IN, .buf = buf[i], .len = sizeof(buf[i]), .attr = 1 };
		isess_submit(&r->s[i % 2], r->now, &c[i]);
	}
	ck_assert_uint_eq(r->c[0].n, 2);
	ck_assert_uint_eq(r->c[1].n, 2);
	/* §4.2.2.1: the session numbers them in the order sent, whatever the connection */
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(c[i].cmdsn, c[0].cmdsn + i);
	ck_assert_uint_eq(pdu_w(r->c[1].bhs[0], PDU_INI_CMDSN), c[0].cmdsn + 1);
	/* ITTs are unique in the session (§11.1.1) */
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = i + 1; j < 4; j++)
			ck_assert_uint_ne(c[i].itt, c[j].itt);
	/* StatSN is per connection: each keeps its own ExpStatSN */
	ck_assert_uint_ne(r->s[0].exp_statsn, r->s[1].exp_statsn);
	done(r);
}
END_TEST

START_TEST(mcs_window_opened_on_one_connection_lets_the_other_send)
{
	struct mrig *r = two_up(true);
	struct icmd c[9];
	uint32_t first = r->s[0].sn->cmdsn;
	/* the window holds 8 (login: [cmdsn, cmdsn + 7]): the 9th waits */
	for (unsigned i = 0; i < 9; i++) {
		c[i] = (struct icmd){ .dir = ICMD_NONE, .attr = 1 };
		isess_submit(&r->s[i < 8 ? 0 : 1], r->now, &c[i]);
	}
	ck_assert_uint_eq(r->c[1].n, 0);
	uint8_t bhs[48];
	tgt_pdu(r, 0, bhs, ISCSI_OP_SCSI_RSP, c[0].itt, first + 1);
	feed(r, 0, bhs);
	ck_assert_uint_eq(r->c[1].n, 1); /* sent on connection 1 */
	ck_assert_uint_eq(c[8].cmdsn, first + 8);
	done(r);
}
END_TEST

/* ERL 2: connection 1 fails with a write the target has; connection 0
 * logs it out for recovery and reassigns the write to itself. */
START_TEST(mcs_erl2_survivor_logs_out_the_failed_cid_and_reassigns_its_task)
{
	struct mrig *r = two_up(true);
	struct icmd w = { .dir = ICMD_OUT, .buf = buf[0], .len = sizeof(buf[0]), .attr = 1 };
	isess_submit(&r->s[1], r->now, &w);
	uint32_t exp_statsn1 = r->s[1].exp_statsn;
	r->c[0].n = 0;
	isess_on_closed(&r->s[1], r->now);
	ck_assert_uint_eq(r->ndone, 0);
	/* §11.14.1: reason 2, CID 1, ExpStatSN the failed connection's, on connection 0 */
	ck_assert_uint_eq(r->c[0].n, 1);
	const uint8_t *lo = r->c[0].bhs[0];
	ck_assert_uint_eq(pdu_opcode(lo), ISCSI_OP_LOGOUT_REQ);
	ck_assert_uint_eq(pdu_flags(lo) & ISCSI_FUNCTION_MASK, ISCSI_LOGOUT_RECOVERY);
	ck_assert_uint_eq(get_be16(lo + PDU_LOGOUT_CID), 1);
	ck_assert_uint_eq(pdu_w(lo, PDU_INI_EXPSTATSN), exp_statsn1);
	/* connection 1 waits: its tasks are being recovered elsewhere */
	tick(r, r->now + SIM_S(5));
	ck_assert_uint_eq(r->c[1].connects, 1);
	uint8_t bhs[48];
	tgt_pdu(r, 0, bhs, ISCSI_OP_LOGOUT_RSP, pdu_itt(lo), w.cmdsn + 1);
	bhs[PDU_LOGOUT_RESPONSE] = ISCSI_LOGOUT_RSP_OK;
	put_be16(bhs + PDU_LOGOUT_TIME2WAIT, 2);
	put_be16(bhs + PDU_LOGOUT_TIME2RETAIN, 20);
	r->c[0].n = 0;
	feed(r, 0, bhs);
	ck_assert_uint_eq(r->c[0].n, 0); /* §11.15.2: not before Time2Wait */
	tick(r, r->now + SIM_S(2));
	ck_assert_uint_eq(r->c[0].n, 1);
	const uint8_t *tmf = r->c[0].bhs[0];
	ck_assert_uint_eq(pdu_opcode(tmf), ISCSI_OP_TMF_REQ);
	ck_assert_uint_eq(pdu_flags(tmf) & ISCSI_FUNCTION_MASK, ISCSI_TMF_TASK_REASSIGN);
	ck_assert_uint_eq(pdu_w(tmf, PDU_TMF_REF_TASK_TAG), w.itt);
	ck_assert_uint_eq(r->s[0].stats.recovery_logouts, 1);
	ck_assert_uint_eq(r->s[0].stats.mcs_moved, 1);
	tgt_pdu(r, 0, bhs, ISCSI_OP_TMF_RSP, pdu_itt(tmf), w.cmdsn + 1);
	bhs[PDU_TMF_RESPONSE] = ISCSI_TMF_RSP_COMPLETE;
	feed(r, 0, bhs);
	ck_assert_uint_eq(r->s[0].stats.reassigned, 1);
	/* its status comes on connection 0 now */
	tgt_pdu(r, 0, bhs, ISCSI_OP_SCSI_RSP, w.itt, w.cmdsn + 1);
	feed(r, 0, bhs);
	ck_assert_uint_eq(r->ndone, 1);
	ck_assert_ptr_eq(r->done[0], &w);
	ck_assert_int_eq(w.result, ICMD_OK);
	ck_assert_ptr_eq(w.home, &r->s[1]); /* multipath hears of it where it sent it */
	/* connection 1 joins again, empty, with the session's TSIH */
	tick(r, r->now + SIM_S(2));
	ck_assert_uint_eq(r->c[1].connects, 2);
	login(r, 1, keys_conn, 0x99);
	ck_assert_uint_eq(r->s[1].in_flight, 0);
	ck_assert_uint_eq(r->s[0].stats.sess_reinstatements + r->s[0].stats.erl2_fallbacks, 0);
	done(r);
}
END_TEST

START_TEST(mcs_erl2_recovery_logout_refused_falls_back_to_session_recovery)
{
	struct mrig *r = two_up(true);
	struct icmd w = { .dir = ICMD_OUT, .buf = buf[0], .len = sizeof(buf[0]), .attr = 1 };
	isess_submit(&r->s[1], r->now, &w);
	r->c[0].n = 0;
	isess_on_closed(&r->s[1], r->now);
	uint8_t bhs[48];
	tgt_pdu(r, 0, bhs, ISCSI_OP_LOGOUT_RSP, pdu_itt(r->c[0].bhs[0]), w.cmdsn + 1);
	bhs[PDU_LOGOUT_RESPONSE] = ISCSI_LOGOUT_RSP_NO_RECOVERY;
	feed(r, 0, bhs);
	/* ERL 0: both connections go, the write waits to be sent again */
	ck_assert(!isess_up(&r->s[0]));
	ck_assert_uint_eq(r->s[1].stats.erl2_fallbacks, 1);
	ck_assert_uint_eq(r->s[1].waiting, 1);
	ck_assert_uint_eq(r->ndone, 0);
	/* the leader starts the session again: TSIH 0 */
	tick(r, r->now + SIM_S(1));
	ck_assert_uint_eq(r->c[0].connects, 2);
	r->c[0].n = 0;
	isess_on_connected(&r->s[0], r->now);
	ck_assert_uint_eq(get_be16(r->c[0].bhs[0] + PDU_LOGIN_TSIH), 0);
	done(r);
}
END_TEST

/* §11.15.1 response 1: the target keeps nothing of the CID (it had none
 * of its tasks): the command it never had is retried on the survivor at
 * once, with its ITT and CmdSN, and the session stays. */
START_TEST(mcs_erl2_cid_unknown_to_the_target_retries_its_commands_on_the_survivor)
{
	struct mrig *r = two_up(true);
	struct icmd w = { .dir = ICMD_OUT, .buf = buf[0], .len = sizeof(buf[0]), .attr = 1 };
	isess_submit(&r->s[1], r->now, &w);
	r->c[0].n = 0;
	isess_on_closed(&r->s[1], r->now);
	uint8_t bhs[48];
	tgt_pdu(r, 0, bhs, ISCSI_OP_LOGOUT_RSP, pdu_itt(r->c[0].bhs[0]), w.cmdsn); /* ExpCmdSN: not had */
	bhs[PDU_LOGOUT_RESPONSE] = ISCSI_LOGOUT_RSP_NO_CID;
	r->c[0].n = 0;
	feed(r, 0, bhs);
	tick(r, r->now);
	ck_assert(isess_up(&r->s[0]));
	ck_assert_uint_ge(r->c[0].n, 1);
	ck_assert_uint_eq(pdu_opcode(r->c[0].bhs[0]), ISCSI_OP_SCSI_CMD);
	ck_assert_uint_eq(pdu_itt(r->c[0].bhs[0]), w.itt);
	ck_assert_uint_eq(pdu_w(r->c[0].bhs[0], PDU_INI_CMDSN), w.cmdsn);
	ck_assert_uint_eq(r->s[0].stats.erl2_retries, 1);
	ck_assert_uint_eq(r->s[1].stats.erl2_fallbacks, 0);
	done(r);
}
END_TEST

/* ERL 0: a connection lost is the session lost (§7.1.4.3). */
START_TEST(mcs_erl0_connection_loss_takes_the_session_and_the_leader_reinstates_it)
{
	struct mrig *r = two_up(false);
	struct icmd c[2];
	for (unsigned i = 0; i < 2; i++) {
		c[i] = (struct icmd){ .dir = ICMD_IN, .buf = buf[i], .len = sizeof(buf[i]), .attr = 1 };
		isess_submit(&r->s[i], r->now, &c[i]);
	}
	isess_on_closed(&r->s[1], r->now);
	ck_assert(!isess_up(&r->s[0]));
	ck_assert_uint_eq(r->c[0].disconnects, 1);
	ck_assert_uint_eq(r->s[0].waiting + r->s[1].waiting, 2); /* held to be sent again */
	ck_assert_uint_eq(r->ndone, 0);
	tick(r, r->now + SIM_S(1));
	r->c[0].n = 0;
	isess_on_connected(&r->s[0], r->now);
	ck_assert_uint_eq(get_be16(r->c[0].bhs[0] + PDU_LOGIN_TSIH), 0);
	/* connection 1 waits for the new session before it joins */
	ck_assert_uint_eq(r->c[1].connects, 1);
	done(r);
}
END_TEST

/* A host's connection that came back (the world's host life cycle:
 * isess_reopen after the connection alone was closed) while the other
 * keeps the session joins it again with the session's TSIH and ISID,
 * whatever ISID the host asked for: five-flag swarm seeds 677 and 1222
 * took the live session's TSIH to 0 here and asserted in the join. */
START_TEST(mcs_connection_reopened_while_the_session_lives_joins_it_again)
{
	struct mrig *r = two_up(false);
	isess_kill(&r->s[1], r->now);
	ck_assert(isess_up(&r->s[0]));
	const uint8_t other[6] = { 0x80, 0, 0, 1, 0, 1 };
	r->c[1].n = 0;
	isess_reopen(&r->s[1], r->now, other);
	ck_assert_uint_eq(r->c[1].connects, 2);
	login(r, 1, keys_conn, 0x99);
	const uint8_t *req = r->c[1].bhs[0];
	ck_assert_uint_eq(get_be16(req + PDU_LOGIN_TSIH), 0x99);
	ck_assert_int_eq(memcmp(req + PDU_LOGIN_ISID, r->s[0].isid, 6), 0);
	ck_assert_uint_eq(r->s[1].stats.mcs_joins, 2);
	done(r);
}
END_TEST

/* ERL 2: the leader's connection failed and the other recovers it
 * (Logout reason 2 sent), then the host's process exits (both closed)
 * and comes back: the leader reopens at once, not waiting for a
 * rescuer that is gone (five-flag swarm seed 1117: the session never
 * came back). */
START_TEST(mcs_leader_reopened_after_its_rescuer_closed_does_not_wait_for_it)
{
	struct mrig *r = two_up(true);
	isess_on_closed(&r->s[0], r->now);
	ck_assert(r->s[0].mcs_rescuer == &r->s[1]);
	isess_kill(&r->s[1], r->now);
	isess_kill(&r->s[0], r->now);
	const uint8_t isid[6] = { 0x80, 0, 0, 0, 0, 1 };
	unsigned before = r->c[0].connects;
	isess_reopen(&r->s[0], r->now, isid);
	ck_assert(r->s[0].mcs_rescuer == NULL && r->s[1].mcs_victim == NULL);
	ck_assert_uint_eq(r->c[0].connects, before + 1);
	done(r);
}
END_TEST

/* ERL 2 given up in the leader's reinstating login (it failed after
 * DefaultTime2Wait + DefaultTime2Retain) while the other connection is
 * back in the session: the session goes as at ERL 0 (§7.1.4.3) and the
 * leader starts it anew, TSIH 0. Kept, the leader joined it again with
 * its TSIH and the command it held went out with a new CmdSN: the old
 * one was a hole the target's ExpCmdSN waited at for good (five-flag
 * swarm seeds 2571, 4632: paths never reinstated). */
START_TEST(mcs_erl2_given_up_in_a_reinstating_login_costs_the_session)
{
	struct mrig *r = two_up(true);
	r->cfg.noop_interval_ns = 0;          /* no NOP-Out to answer meanwhile */
	r->cfg.login_timeout_ns = SIM_S(30); /* past Time2Wait + Time2Retain (22 s) */
	struct icmd c = { .dir = ICMD_IN, .buf = buf[0], .len = sizeof(buf[0]), .attr = 1 };
	isess_submit(&r->s[0], r->now, &c);
	isess_on_closed(&r->s[1], r->now); /* the leader recovers it (Logout reason 2) */
	isess_on_closed(&r->s[0], r->now); /* and fails too: each reinstates itself */
	ck_assert(r->s[0].erl2_held);
	ck_assert_uint_eq(r->s[0].in_flight, 1);
	/* connection 1 is reinstated; the leader's login is never answered */
	for (uint64_t end = r->now + SIM_S(60); r->now < end && r->s[0].erl2_held;) {
		tick(r, r->now + SIM_MS(100));
		if (r->s[1].state == ISS_CONNECTING)
			login(r, 1, keys_conn, 0x99);
		if (r->s[0].state == ISS_CONNECTING)
			isess_on_connected(&r->s[0], r->now);
	}
	ck_assert(!r->s[0].erl2_held);
	ck_assert_uint_eq(r->s[0].stats.erl2_fallbacks, 1);
	ck_assert_uint_eq(r->s[1].stats.conn_reinstatements, 1);
	ck_assert(!isess_up(&r->s[1])); /* the session went with it */
	ck_assert_uint_eq(r->s[0].in_flight, 0); /* not held for a reinstatement any more */
	while (r->s[0].state != ISS_CONNECTING)
		tick(r, r->now + SIM_MS(100));
	r->c[0].n = 0;
	isess_on_connected(&r->s[0], r->now);
	ck_assert_uint_eq(get_be16(r->c[0].bhs[0] + PDU_LOGIN_TSIH), 0);
	done(r);
}
END_TEST

/* The host logs out (the world's host life cycle, wini_host_down): the
 * leader's Logout is not answered yet when the other connection, closed
 * already, is reopened. It does not join the session its leader is
 * leaving: the leader's next login starts a new one (TSIH 0), and had
 * the other joined the old one both would number their commands from
 * the one isess_sn in two sessions, whose windows differ (five-flag
 * swarm seed 8884: CmdSN beyond the MaxCmdSN of the new session). It
 * joins the leader's new session once that is up. */
START_TEST(mcs_connection_reopened_while_its_leader_logs_out_waits_for_the_next_session)
{
	struct mrig *r = two_up(false);
	isess_kill(&r->s[1], r->now);
	r->c[0].n = 0;
	isess_logout(&r->s[0], r->now);
	ck_assert_uint_eq(r->c[0].n, 1);
	const uint8_t *lo = r->c[0].bhs[0];
	ck_assert_uint_eq(pdu_opcode(lo), ISCSI_OP_LOGOUT_REQ);
	uint32_t lo_itt = pdu_itt(lo);
	const uint8_t isid[6] = { 0x80, 0, 0, 0, 0, 1 };
	unsigned before = r->c[1].connects;
	isess_reopen(&r->s[1], r->now, isid);
	tick(r, r->now + SIM_S(3));
	ck_assert_uint_eq(r->c[1].connects, before); /* not into the session going away */
	uint8_t bhs[48];
	tgt_pdu(r, 0, bhs, ISCSI_OP_LOGOUT_RSP, lo_itt, r->s[0].sn->cmdsn);
	bhs[PDU_LOGOUT_RESPONSE] = ISCSI_LOGOUT_RSP_OK;
	feed(r, 0, bhs);
	ck_assert(r->s[0].state == ISS_CLOSED);
	isess_reopen(&r->s[0], r->now, isid);
	login(r, 0, keys_erl0, 0x9a);
	ck_assert_uint_eq(get_be16(r->c[0].bhs[0] + PDU_LOGIN_TSIH), 0);
	while (r->s[1].state != ISS_CONNECTING)
		tick(r, r->now + SIM_MS(100));
	login(r, 1, keys_conn, 0x9a);
	ck_assert_uint_eq(get_be16(r->c[1].bhs[0] + PDU_LOGIN_TSIH), 0x9a);
	done(r);
}
END_TEST

Suite *suite_isess_mcs(void)
{
	Suite *s = suite_create("isess_mcs");
	TCase *tc = tcase_create("isess_mcs");
	tcase_add_test(tc, mcs_second_connection_joins_with_the_session_tsih_and_its_cid);
	tcase_add_test(tc, mcs_commands_on_both_connections_take_one_cmdsn_sequence);
	tcase_add_test(tc, mcs_window_opened_on_one_connection_lets_the_other_send);
	tcase_add_test(tc, mcs_erl2_survivor_logs_out_the_failed_cid_and_reassigns_its_task);
	tcase_add_test(tc, mcs_erl2_recovery_logout_refused_falls_back_to_session_recovery);
	tcase_add_test(tc, mcs_erl2_cid_unknown_to_the_target_retries_its_commands_on_the_survivor);
	tcase_add_test(tc, mcs_erl0_connection_loss_takes_the_session_and_the_leader_reinstates_it);
	tcase_add_test(tc, mcs_connection_reopened_while_the_session_lives_joins_it_again);
	tcase_add_test(tc, mcs_leader_reopened_after_its_rescuer_closed_does_not_wait_for_it);
	tcase_add_test(tc, mcs_erl2_given_up_in_a_reinstating_login_costs_the_session);
	tcase_add_test(tc, mcs_connection_reopened_while_its_leader_logs_out_waits_for_the_next_session);
	suite_add_tcase(s, tc);
	return s;
}
