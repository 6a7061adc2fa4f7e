/* host/psuite_mcs: protocol tests of multiple connections per session
 * (MC/S; RFC 7143 §4.3, §4.2.2.1, §6.3, §11.13.5, §13.2), after UNH-IOL's
 * Multi-Connection suite: MaxConnections negotiated, a connection added
 * with the session's ISID and TSIH and a new CID (on the second portal
 * when --url2 is given), commands spread over the connections in one
 * session-wide CmdSN sequence (and delivered in CmdSN order when they
 * arrive out of it), one connection logged out or dropped while the
 * session lives on the other, a CID already in use (connection
 * reinstatement), one connection past MaxConnections, and a TSIH named
 * with another ISID. The tests are NA when the target negotiates
 * MaxConnections=1, once it has refused a second connection correctly.
 *
 * Each connection has its own protocol oracle, which models one
 * connection: CmdSN is session-wide (§4.2.2.1), so before every command
 * the oracles are told the session's numbers (share_sn); what they check
 * per connection (StatSN, Data-In, R2T) is unchanged.
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"

#define MCS_OFFER 2u         /* MaxConnections we offer: two connections, a third is one too many */
#define MCS_ATTR_SIMPLE 1u   /* SAM-5 task attributes in the SCSI Command flags (§11.3.1) */
#define MCS_ATTR_ORDERED 2u
#define MCS_ROUNDS 4u        /* commands per connection in mcs.cmdsn-spread */
#define MCS_DROP_SETTLE_NS (500ull * 1000000ull) /* the target notices a dropped connection */
#define MCS_REJOIN_TRIES 6u  /* logins of a dropped CID, MCS_DROP_SETTLE_NS apart */

/* ---- the session's numbers across its connections ---- */

static bool live(const struct ps_sess *s) { return s->used && s->ffp && !s->w.closed; }

/* Every live connection of the test belongs to one session: give each
 * (and its oracle) the session's next CmdSN and its widest window. */
static void share_sn(struct ps_ctx *c)
{
	uint32_t next = 0, exp = 0, max = 0;
	bool have = false;
	for (unsigned i = 0; i < PS_SESS_MAX; i++) {
		const struct ps_sess *s = &c->s[i];
		if (!live(s))
			continue;
		if (!have || sn_lt(next, s->cmdsn))
			next = s->cmdsn;
		if (!have || sn_lt(exp, s->exp_cmdsn))
			exp = s->exp_cmdsn;
		if (!have || sn_lt(max, s->max_cmdsn))
			max = s->max_cmdsn;
		have = true;
	}
	for (unsigned i = 0; i < PS_SESS_MAX; i++) {
		struct ps_sess *s = &c->s[i];
		if (!live(s))
			continue;
		s->cmdsn = next;
		s->exp_cmdsn = exp;
		s->max_cmdsn = max;
		struct oproto *o = &s->w.oracle;
		o->cs->next_cmdsn = next;
		o->cs->have_cmdsn = true;
		if (o->cs->have_window) {
			if (sn_lt(o->cs->exp_cmdsn, exp))
				o->cs->exp_cmdsn = exp;
			if (sn_lt(o->cs->max_cmdsn, max))
				o->cs->max_cmdsn = max;
		}
	}
}

/* The session-wide keys (§13: scope SW) are the leading login's: a
 * non-leading login answers them Irrelevant (param.c), so they are taken
 * from the leading connection, for us and for the new connection's oracle. */
static void session_wide(struct iparams *dst, const struct iparams *src)
{
	dst->max_connections = src->max_connections;
	dst->initial_r2t = src->initial_r2t;
	dst->immediate_data = src->immediate_data;
	dst->max_burst_length = src->max_burst_length;
	dst->first_burst_length = src->first_burst_length;
	dst->default_time2wait = src->default_time2wait;
	dst->default_time2retain = src->default_time2retain;
	dst->max_outstanding_r2t = src->max_outstanding_r2t;
	dst->data_pdu_in_order = src->data_pdu_in_order;
	dst->data_sequence_in_order = src->data_sequence_in_order;
	dst->error_recovery_level = src->error_recovery_level;
}

/* ---- logins ---- */

/* The leading connection, offering MaxConnections=MCS_OFFER. */
static struct ps_sess *lead(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	cfg.max_connections = MCS_OFFER;
	return ps_login(c, s, &cfg) == 0 ? s : NULL;
}

/* A connection joining l's session (its ISID and the TSIH tsih) with
 * cid, on the second portal when there is one. 0 joined, 1 refused
 * (status in (*out)->login_status), -1 failed (detail). */
static int join(struct ps_ctx *c, const struct ps_sess *l, const uint8_t isid[6], uint16_t tsih, uint16_t cid,
	struct ps_sess **out)
{
	share_sn(c);
	struct ps_sess *s = ps_connect(c, c->cfg->have_t2);
	*out = s;
	if (s == NULL)
		return -1;
	memcpy(s->isid, isid, 6);
	s->tsih = tsih;
	s->cid = cid;
	s->cmdsn = l->cmdsn; /* the session's next CmdSN (§11.12.8: login carries it) */
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	cfg.max_connections = MCS_OFFER;
	if (ps_login(c, s, &cfg) != 0)
		return s->login_status != 0 ? 1 : -1;
	if (s->tsih != tsih) {
		ps_fail(c, "a connection added to TSIH %u was answered TSIH %u (§11.13.4: the session's)", tsih, s->tsih);
		return -1;
	}
	session_wide(&s->params, &l->params);
	session_wide(&s->w.oracle.params, &l->params);
	share_sn(c);
	return 0;
}

static int join_new_cid(struct ps_ctx *c, const struct ps_sess *l, uint16_t cid, struct ps_sess **out)
{
	return join(c, l, l->isid, l->tsih, cid, out);
}

/* MaxConnections=1 was negotiated: a second connection is one too many
 * (§13.2), refused with 0x0206 "too many connections" (§11.13.5). NA
 * when it is (a class-2 status other than 0x0206 too, named), and PASS
 * for mcs.too-many (judge_limit), whose rule that is. A target that
 * adds the connection all the same FAILs mcs.too-many; the other tests
 * are then NA: they would test a session past its own limit. */
static enum ps_verdict single_connection(struct ps_ctx *c, struct ps_sess *l, bool judge_limit)
{
	struct ps_sess *s;
	int r = join_new_cid(c, l, (uint16_t)(l->cid + 1), &s);
	if (r < 0)
		return PS_FAIL;
	if (r == 0 && judge_limit)
		return ps_fail(c, "MaxConnections=1 negotiated, yet a second connection was added (§13.2; 0x0206, §11.13.5)");
	if (r == 0)
		return ps_na(c, "the target negotiated MaxConnections=1 yet added a second connection (mcs.too-many "
				"judges that); no MC/S test on a session past its own limit");
	uint16_t st = s->login_status;
	if (st >> 8 != 2)
		return ps_fail(c, "MaxConnections=1: a second connection refused with 0x%04x, want class 2 (0x0206)", st);
	if (judge_limit) /* the limit is what mcs.too-many tests: held */
		return ps_pass(c, "MaxConnections=1: a second connection refused with 0x%04x%s", st,
			st == ISCSI_LOGIN_TOO_MANY_CONNECTIONS ? "" : " (0x0206 names it best)");
	return ps_na(c, "the target negotiated MaxConnections=1 (no MC/S) and refused a second connection with 0x%04x%s",
		st, st == ISCSI_LOGIN_TOO_MANY_CONNECTIONS ? "" : " (0x0206 names it best)");
}

/* The lead and one more connection of its session, or a verdict. */
static bool two_judged(struct ps_ctx *c, struct ps_sess **a, struct ps_sess **b, enum ps_verdict *v,
	bool judge_limit)
{
	*a = lead(c);
	if (*a == NULL) {
		*v = PS_FAIL;
		return false;
	}
	if ((*a)->params.max_connections < 2) {
		*v = single_connection(c, *a, judge_limit);
		return false;
	}
	int r = join_new_cid(c, *a, (uint16_t)((*a)->cid + 1), b);
	if (r != 0) {
		*v = r < 0 ? PS_FAIL
			   : ps_fail(c, "MaxConnections=%u negotiated, yet a second connection was refused with 0x%04x",
				   (*a)->params.max_connections, (*b)->login_status);
		return false;
	}
	return true;
}

static bool two(struct ps_ctx *c, struct ps_sess **a, struct ps_sess **b, enum ps_verdict *v)
{
	return two_judged(c, a, b, v, false);
}

/* ---- commands ---- */

/* TEST UNIT READY on s in the session's CmdSN sequence: its status
 * (a unit attention is an answer too); -1 after ps_fail. */
static int tur(struct ps_ctx *c, struct ps_sess *s)
{
	share_sn(c);
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	int r = ps_scsi_run(c, s, &cmd);
	share_sn(c);
	return r != 0 ? -1 : cmd.status;
}

/* A SCSI Command PDU with attr, its CmdSN the session's next; not sent. */
static void scsi_pdu(struct ps_ctx *c, struct ps_sess *s, struct ipdu_tx *tx, uint32_t cmdsn, const uint8_t *cdb,
	bool read, uint32_t edtl, bool final, uint8_t attr)
{
	s->cmdsn = cmdsn;
	s->w.oracle.cs->next_cmdsn = cmdsn;
	uint8_t flags = (uint8_t)((final ? ISCSI_FLAG_FINAL : 0) | (read ? ISCSI_CMD_READ : ISCSI_CMD_WRITE) | attr);
	ps_pdu(s, tx, ISCSI_OP_SCSI_CMD, false, flags, ps_itt(s));
	ps_put_lun(tx->bhs, c->cfg->t1.lun);
	pdu_set_w(tx->bhs, PDU_SCSI_CMD_EDTL, edtl);
	memcpy(tx->bhs + PDU_SCSI_CMD_CDB, cdb, 16);
}

/* ---- tests ---- */

static enum ps_verdict max_connections(struct ps_ctx *c)
{
	struct ps_sess *s = lead(c);
	if (s == NULL)
		return PS_FAIL;
	/* ilogin refuses an answer above our offer (the function is the minimum). */
	return ps_pass(c, "offered MaxConnections=%u, negotiated %u", MCS_OFFER, s->params.max_connections);
}

static enum ps_verdict add_connection(struct ps_ctx *c)
{
	struct ps_sess *a, *b;
	enum ps_verdict v;
	if (!two(c, &a, &b, &v))
		return v;
	int st = tur(c, b);
	if (st < 0)
		return PS_FAIL;
	return ps_pass(c, "CID %u joined TSIH %u%s; TEST UNIT READY on it: status 0x%02x", b->cid, b->tsih,
		c->cfg->have_t2 ? " on the second portal" : "", (unsigned)st);
}

/* Commands alternate between the connections: each is acknowledged in
 * the session's ExpCmdSN whichever connection carried it (§4.2.2.1),
 * each connection's responses have their own StatSN sequence (§4.2.2.2,
 * the oracles check it). */
static enum ps_verdict cmdsn_spread(struct ps_ctx *c)
{
	struct ps_sess *a, *b;
	enum ps_verdict v;
	if (!two(c, &a, &b, &v))
		return v;
	for (unsigned i = 0; i < 2 * MCS_ROUNDS; i++) {
		struct ps_sess *s = i % 2 ? b : a;
		share_sn(c);
		uint32_t sn = s->cmdsn;
		if (tur(c, s) < 0)
			return PS_FAIL;
		if (sn_lt(s->exp_cmdsn, sn + 1))
			return ps_fail(c, "command CmdSN %u on CID %u answered with ExpCmdSN %u: not acknowledged", sn, s->cid,
				s->exp_cmdsn);
	}
	return ps_pass(c, "%u commands over CIDs %u and %u, one CmdSN sequence, ExpCmdSN %u", 2 * MCS_ROUNDS, a->cid,
		b->cid, a->exp_cmdsn);
}

/* CmdSN n+1 (an ORDERED READ) arrives on connection 2 before CmdSN n (a
 * WRITE of zeros) on connection 1: the target MUST deliver them in CmdSN
 * order (§4.2.2.1), so the READ returns the zeros, not the pattern
 * written before. */
static enum ps_verdict cmdsn_order(struct ps_ctx *c)
{
	struct ps_sess *a, *b;
	enum ps_verdict v;
	if (!two(c, &a, &b, &v))
		return v;
	share_sn(c);
	if (ps_capacity(c, a) != 0)
		return PS_FAIL;
	uint32_t bs = c->block_size, lba = (uint32_t)(c->blocks > 16 ? c->blocks - 16 : 0);
	static uint8_t pattern[65536], got[65536];
	static const uint8_t zeros[65536];
	for (uint32_t i = 0; i < bs; i++)
		pattern[i] = (uint8_t)(rng_next(&c->rng) | 1);
	struct ps_scsi w;
	ps_cdb_rw10(&w, true, lba, 1, bs, pattern);
	share_sn(c);
	if (ps_scsi_run(c, a, &w) != 0)
		return PS_FAIL;
	if (w.status != 0)
		return ps_na(c, "the first WRITE(10) failed with status 0x%02x", w.status);
	share_sn(c);
	uint32_t n = a->cmdsn;
	uint8_t cdb[16] = { 0x28 };
	put_be32(cdb + 2, lba);
	put_be16(cdb + 7, 1);
	struct ipdu_tx tx;
	scsi_pdu(c, b, &tx, n + 1, cdb, true, bs, true, MCS_ATTR_ORDERED);
	uint32_t read_itt = pdu_itt(tx.bhs);
	if (ps_send(c, b, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	/* Held until CmdSN n arrives: no answer meanwhile. */
	struct pw_pdu p;
	enum pw_rx rx = ps_recv(c, b, PS_QUIET_NS, &p);
	if (rx == PW_PDU && pdu_itt(p.bhs) == read_itt)
		return ps_fail(c, "the READ (CmdSN %u) was answered before CmdSN %u arrived: executed out of CmdSN order",
			n + 1, n);
	if (rx != PW_TIMEOUT) {
		char d[256];
		if (rx == PW_PDU)
			pw_describe(p.bhs, p.dsl, d, sizeof(d));
		return ps_fail(c, "CmdSN %u ahead of CmdSN %u on CID %u: %s", n + 1, n, b->cid,
			rx == PW_PDU ? d : "the connection closed");
	}
	/* The WRITE, with what of its data goes as immediate data. */
	const struct iparams *pa = &a->params;
	uint32_t mrdsl = pa->tgt_mrdsl ? pa->tgt_mrdsl : ISCSI_MRDSL_DEFAULT;
	uint32_t imm = 0;
	if (pa->immediate_data)
		imm = bs < pa->first_burst_length ? bs : pa->first_burst_length;
	if (imm > mrdsl)
		imm = mrdsl;
	cdb[0] = 0x2a;
	scsi_pdu(c, a, &tx, n, cdb, false, bs, true, MCS_ATTR_SIMPLE);
	uint32_t write_itt = pdu_itt(tx.bhs);
	if (ps_send(c, a, &tx, zeros, imm, PW_CLEAN) != 0)
		return PS_FAIL;
	a->cmdsn = b->cmdsn = n + 2;
	share_sn(c);
	for (;;) {
		if (ps_recv(c, a, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "no status for the WRITE (CmdSN %u) on CID %u", n, a->cid);
		if (pdu_opcode(p.bhs) == ISCSI_OP_R2T && pdu_itt(p.bhs) == write_itt) {
			if (ps_answer_r2t(c, a, &p) != 0)
				return PS_FAIL;
			continue;
		}
		if (pdu_opcode(p.bhs) == ISCSI_OP_SCSI_RSP && pdu_itt(p.bhs) == write_itt)
			break;
		char d[256];
		pw_describe(p.bhs, p.dsl, d, sizeof(d));
		return ps_fail(c, "WRITE on CID %u: unexpected %s", a->cid, d);
	}
	if (p.bhs[PDU_SCSI_RSP_STATUS] != 0)
		return ps_na(c, "the second WRITE(10) failed with status 0x%02x", p.bhs[PDU_SCSI_RSP_STATUS]);
	uint32_t have = 0, exp = 0;
	uint8_t status = 0xff;
	while (status == 0xff) {
		if (ps_recv(c, b, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "no status for the READ (CmdSN %u) on CID %u", n + 1, b->cid);
		uint8_t op = pdu_opcode(p.bhs);
		if (pdu_itt(p.bhs) != read_itt || (op != ISCSI_OP_DATA_IN && op != ISCSI_OP_SCSI_RSP)) {
			char d[256];
			pw_describe(p.bhs, p.dsl, d, sizeof(d));
			return ps_fail(c, "READ on CID %u: unexpected %s", b->cid, d);
		}
		exp = pdu_w(p.bhs, PDU_TGT_EXPCMDSN);
		if (op == ISCSI_OP_DATA_IN) {
			uint32_t off = pdu_w(p.bhs, PDU_DATA_IN_BUFFER_OFFSET);
			if (off <= bs && p.dsl <= bs - off) {
				memcpy(got + off, p.data, p.dsl);
				have += p.dsl;
			}
			if (pdu_flags(p.bhs) & ISCSI_DATAIN_STATUS)
				status = p.bhs[PDU_DATA_IN_STATUS];
		} else {
			status = p.bhs[PDU_SCSI_RSP_STATUS];
		}
	}
	share_sn(c);
	if (status != 0 || have != bs)
		return ps_fail(c, "READ (CmdSN %u) on CID %u: status 0x%02x, %u of %u bytes", n + 1, b->cid, status, have, bs);
	if (sn_lt(exp, n + 2))
		return ps_fail(c, "the READ's last PDU has ExpCmdSN %u: CmdSN %u (on the other connection) not counted", exp, n);
	if (memcmp(got, zeros, bs) != 0)
		return ps_fail(c, "the READ (CmdSN %u, arrived first) returned the old data: executed before the WRITE "
				  "(CmdSN %u, other connection); commands must be delivered in CmdSN order", n + 1, n);
	return ps_pass(c, "CmdSN %u held on CID %u until CmdSN %u arrived on CID %u; ExpCmdSN %u", n + 1, b->cid, n,
		a->cid, exp);
}

static int logout_conn(struct ps_ctx *c, struct ps_sess *s, uint16_t cid, struct pw_pdu *p)
{
	share_sn(c);
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_LOGOUT_REQ, true, (uint8_t)(ISCSI_FLAG_FINAL | ISCSI_LOGOUT_CONNECTION), ps_itt(s));
	put_be16(tx.bhs + PDU_LOGOUT_CID, cid);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return -1;
	return ps_expect(c, s, ISCSI_OP_LOGOUT_RSP, p) ? 0 : -1;
}

/* Logout "close the connection" (reason 1) of connection 2: response
 * 0, and the session goes on over connection 1 (§11.14.1). */
static enum ps_verdict logout_one(struct ps_ctx *c)
{
	struct ps_sess *a, *b;
	enum ps_verdict v;
	if (!two(c, &a, &b, &v))
		return v;
	struct pw_pdu p;
	if (logout_conn(c, b, b->cid, &p) != 0)
		return PS_FAIL;
	if (p.bhs[PDU_LOGOUT_RESPONSE] != ISCSI_LOGOUT_RSP_OK)
		return ps_fail(c, "close CID %u: response %u, want 0", b->cid, p.bhs[PDU_LOGOUT_RESPONSE]);
	pw_close(&b->w);
	if (tur(c, a) < 0)
		return PS_FAIL;
	return ps_pass(c, "CID %u logged out; the session answered on CID %u", b->cid, a->cid);
}

/* A TCP connection of the session closed without a logout: the session
 * lives on the other (§7.14: "iSCSI can keep a session in operation if
 * it is able to keep/establish at least one TCP connection"), and the
 * lost connection's CID can be logged in again (§6.3.4). */
static enum ps_verdict drop_one(struct ps_ctx *c)
{
	struct ps_sess *a, *b;
	enum ps_verdict v;
	if (!two(c, &a, &b, &v))
		return v;
	if (tur(c, b) < 0)
		return PS_FAIL;
	uint16_t cid = b->cid;
	pw_close(&b->w);
	struct pw_pdu p;
	if (ps_recv(c, a, MCS_DROP_SETTLE_NS, &p) == PW_CLOSED)
		return ps_fail(c, "dropping CID %u closed CID %u too: the session did not live on", cid, a->cid);
	if (tur(c, a) < 0)
		return PS_FAIL;
	/* The target learns of the drop when it reads the close: a refusal
	 * meanwhile is tried again (the refused connection's slot reused, its
	 * oracle's word kept), up to MCS_REJOIN_TRIES times. */
	struct ps_sess *b2 = NULL;
	int r = 1;
	for (unsigned i = 0; i < MCS_REJOIN_TRIES && r > 0; i++) {
		if (b2 != NULL) {
			if (b2->w.target_fault[0] != '\0')
				return ps_fail(c, "protocol oracle: %s", b2->w.target_fault);
			ps_disconnect(b2);
			ps_recv(c, a, MCS_DROP_SETTLE_NS, &p);
		}
		r = join_new_cid(c, a, cid, &b2);
	}
	if (r < 0)
		return PS_FAIL;
	if (r > 0)
		return ps_fail(c, "logging CID %u in again after its drop: refused with 0x%04x %u times over %.1f s", cid,
			b2->login_status, MCS_REJOIN_TRIES, MCS_REJOIN_TRIES * MCS_DROP_SETTLE_NS / 1e9);
	if (tur(c, b2) < 0)
		return PS_FAIL;
	return ps_pass(c, "CID %u dropped; the session answered on CID %u and took CID %u back", cid, a->cid, cid);
}

/* A login with the CID of a live connection reinstates it (§6.3.4): the
 * old connection is logged out implicitly, the new one serves the session. */
static enum ps_verdict cid_in_use(struct ps_ctx *c)
{
	struct ps_sess *a, *b;
	enum ps_verdict v;
	if (!two(c, &a, &b, &v))
		return v;
	struct ps_sess *b2;
	int r = join_new_cid(c, a, b->cid, &b2);
	if (r < 0)
		return PS_FAIL;
	if (r > 0 && b2->login_status >> 8 == 2) {
		/* As login.cid-reinstatement: §6.3.4 makes opening a connection
		 * for reinstatement a SHOULD below ErrorRecoveryLevel 2. The
		 * session and the old connection must be intact. */
		uint16_t st = b2->login_status;
		if (tur(c, b) < 0 || tur(c, a) < 0)
			return PS_FAIL;
		return ps_na(c, "connection reinstatement of CID %u refused (0x%04x); both connections still answer", b->cid,
			st);
	}
	if (r > 0)
		return ps_fail(c, "a login with CID %u (in use) refused with 0x%04x: not a class-2 status", b->cid,
			b2->login_status);
	if (!b->w.closed && !ps_wait_closed(c, b, PS_RECV_TIMEOUT_NS))
		return ps_fail(c, "the old connection with CID %u stayed open after its reinstatement", b->cid);
	if (tur(c, b2) < 0 || tur(c, a) < 0)
		return PS_FAIL;
	return ps_pass(c, "CID %u reinstated: the old connection closed, the new one and CID %u answer", b->cid, a->cid);
}

/* One connection more than MaxConnections: 0x0206 (§11.13.5, §13.2).
 * SHOULD: the RFC negotiates the limit and names the status, but says
 * no MUST for the target to enforce it (the initiator is the one
 * bound not to exceed it). */
static enum ps_verdict too_many(struct ps_ctx *c)
{
	struct ps_sess *a, *b;
	enum ps_verdict v;
	if (!two_judged(c, &a, &b, &v, true))
		return v;
	if (a->params.max_connections > MCS_OFFER)
		return ps_fail(c, "MaxConnections=%u negotiated above our offer %u", a->params.max_connections, MCS_OFFER);
	struct ps_sess *x;
	int r = join_new_cid(c, a, (uint16_t)(b->cid + 1), &x);
	if (r < 0)
		return PS_FAIL;
	if (r == 0)
		return ps_fail(c, "a connection past MaxConnections=%u was added", a->params.max_connections);
	uint16_t st = x->login_status;
	if (st >> 8 != 2)
		return ps_fail(c, "a connection past MaxConnections: status 0x%04x, want class 2 (0x0206)", st);
	if (tur(c, a) < 0)
		return PS_FAIL;
	return ps_pass(c, "connection %u refused with 0x%04x%s; the session lives", a->params.max_connections + 1, st,
		st == ISCSI_LOGIN_TOO_MANY_CONNECTIONS ? "" : " (0x0206 names it best)");
}

/* The session's TSIH with another ISID names no session (§4.3: a session
 * is ISID and TSIH together): 0x020a (§11.13.5), never a connection
 * added to someone else's session. */
static enum ps_verdict tsih_other_isid(struct ps_ctx *c)
{
	struct ps_sess *a = lead(c);
	if (a == NULL)
		return PS_FAIL;
	uint8_t isid[6];
	memcpy(isid, a->isid, 6);
	isid[5] ^= 0x5a;
	struct ps_sess *x;
	int r = join(c, a, isid, a->tsih, (uint16_t)(a->cid + 1), &x);
	if (r < 0)
		return PS_FAIL;
	if (r == 0)
		return ps_fail(c, "TSIH %u with another ISID joined that session", a->tsih);
	uint16_t st = x->login_status;
	if (st >> 8 != 2)
		return ps_fail(c, "TSIH %u with another ISID: status 0x%04x, want class 2 (0x020a)", a->tsih, st);
	if (tur(c, a) < 0)
		return PS_FAIL;
	return ps_pass(c, "refused with 0x%04x%s", st, st == ISCSI_LOGIN_SESSION_NOT_FOUND ? "" : " (0x020a names it best)");
}

const struct ps_test ps_tests_mcs[] = {
	{ "mcs.max-connections", "13.2", PS_MUST, "MaxConnections=2 offered: the answer is 1 or 2 (minimum)", max_connections },
	{ "mcs.add-connection", "6.3", PS_MUST, "a login with the session's ISID and TSIH and a new CID adds a connection",
		add_connection },
	{ "mcs.cmdsn-spread", "4.2.2.1", PS_MUST, "commands over two connections: one session-wide CmdSN sequence",
		cmdsn_spread },
	{ "mcs.cmdsn-order", "4.2.2.1", PS_MUST, "CmdSN n+1 arriving before n on another connection waits for it",
		cmdsn_order },
	{ "mcs.logout-connection", "11.14.1", PS_MUST, "logout closing one connection: the session lives on the other",
		logout_one },
	{ "mcs.drop-connection", "7.14", PS_SHOULD, "a connection dropped: the session lives on, its CID logs in again",
		drop_one },
	{ "mcs.cid-in-use", "6.3.4", PS_MUST, "a login with a live CID reinstates that connection", cid_in_use },
	{ "mcs.too-many", "11.13.5", PS_SHOULD, "a connection past MaxConnections: refused, 0x0206", too_many },
	{ "mcs.tsih-other-isid", "11.13.5", PS_MUST, "the session's TSIH with another ISID: refused, 0x020a",
		tsih_other_isid },
};
const unsigned ps_tests_mcs_n = sizeof(ps_tests_mcs) / sizeof(ps_tests_mcs[0]);
