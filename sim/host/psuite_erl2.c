/* host/psuite_erl2: protocol tests of ErrorRecoveryLevel 2, connection
 * recovery (RFC 7143 §7.1.5 level 2, §7.2.2 allegiance reassignment,
 * §6.3.4 connection reinstatement, §11.5.1 and §11.5.6 TASK REASSIGN and
 * its ExpDataSN, §11.14.1 and §11.15 Logout "remove the connection for
 * recovery", §13.15-16 DefaultTime2Wait/DefaultTime2Retain). Each test
 * but erl2.reassign-erl1 offers ErrorRecoveryLevel=2 and is NA when the
 * target answers less (§13.20: level 2 is the target's choice);
 * erl2.reassign-erl1 offers 1 and is NA when the target answers 0 (then
 * tmf.reassign-erl0 judges the same rule).
 *
 * The simulator's initiator offers DefaultTime2Retain=0 (no task state
 * kept: §13.16), which would make level 2 empty, so the logins here
 * rewrite the two Time2 keys of every request they send (login_erl):
 * Time2Retain is negotiated by minimum, so the value offered is the most
 * the target may keep a task, and small values (ERL2_T2R_SHORT) keep the
 * expiry test to seconds.
 *
 * A reassigned task's PDUs come on a connection whose oracle never saw
 * its command, and a reinstatement login carries the old connection's
 * ExpStatSN: the oracles of both connections stop (pw_oracle_stop) once
 * the old connection is given up, and the tests judge the answers
 * themselves (the data written is read back, the data read compared).
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"

#define ERL2_T2W 2u             /* DefaultTime2Wait offered (negotiated by maximum, §13.15) */
#define ERL2_T2R 20u            /* DefaultTime2Retain offered for the reassignment tests */
#define ERL2_T2R_SHORT 2u       /* ... and for the expiry test: it waits T2W + T2R */
#define ERL2_MRDSL 512u         /* our MaxRecvDataSegmentLength: a read is several Data-In */
#define ERL2_READ_BLOCKS 8u     /* the read reassigned mid-transfer */
#define ERL2_READ_SEEN 2u       /* Data-In PDUs taken before the connection is given up */
#define ERL2_LBA_WRITE 96u      /* LBAs each test writes (apart from the other suites') */
#define ERL2_LBA_LIVE 104u
#define ERL2_LBA_READ 112u
#define ERL2_LBA_LOGOUT 128u
#define ERL2_LBA_EXPIRY 136u
#define ERL2_EXPIRY_MARGIN_NS (1500ull * 1000000ull) /* past T2W + T2R before asking again */
#define NS_PER_S 1000000000ull
#define ERL2_SETTLE_NS (250ull * 1000000ull) /* the target notices a lost connection */
#define ERL2_REJOIN_TRIES 8u    /* logins reinstating a lost CID, ERL2_SETTLE_NS apart */

static uint8_t pattern[64u * 1024u];
static uint8_t got[64u * 1024u];
static uint8_t login_text[ILOGIN_TEXT_MAX];

/* ---- logins ---- */

struct key_rewrite {
	uint8_t *out;
	size_t len, cap;
	uint32_t t2w, t2r;
	bool ok;
};

static void rewrite_key(void *ctx, const char *key, const char *value)
{
	struct key_rewrite *r = ctx;
	char v[16];
	if (strcmp(key, "DefaultTime2Wait") == 0) {
		snprintf(v, sizeof(v), "%u", r->t2w);
		value = v;
	} else if (strcmp(key, "DefaultTime2Retain") == 0) {
		snprintf(v, sizeof(v), "%u", r->t2r);
		value = v;
	}
	if (!ikeys_add(r->out, &r->len, r->cap, key, value))
		r->ok = false;
}

/* What login_erl changes in each Login Request. */
struct login_edit {
	uint32_t t2r;
	const uint32_t *old_exp_statsn;
};

static int edit_login(void *ctx, struct ps_ctx *c, struct ipdu_tx *tx)
{
	const struct login_edit *e = ctx;
	const uint8_t *data = tx->iovcnt > 1 ? tx->iov[1].iov_base : NULL;
	uint32_t len = pdu_dsl(tx->bhs);
	struct key_rewrite kr = { .out = login_text, .cap = sizeof(login_text), .t2w = ERL2_T2W, .t2r = e->t2r,
				  .ok = true };
	if (len > 0 && (!ikeys_each(data, len, rewrite_key, &kr) || !kr.ok)) {
		ps_fail(c, "suite bug: login keys did not fit %zu bytes", sizeof(login_text));
		return -1;
	}
	if (e->old_exp_statsn != NULL)
		pdu_set_w(tx->bhs, PDU_INI_EXPSTATSN, *e->old_exp_statsn);
	ipdu_tx_seal(tx, login_text, (uint32_t)kr.len, false, false);
	return 0;
}

/* ps_login with our Time2 offers, and, for a reinstatement (§11.12.9:
 * "ExpStatSN for the old connection"), the login's ExpStatSN. */
static int login_erl(struct ps_ctx *c, struct ps_sess *s, const struct ilogin_cfg *cfg, uint32_t t2r,
	const uint32_t *old_exp_statsn)
{
	struct login_edit e = { .t2r = t2r, .old_exp_statsn = old_exp_statsn };
	return ps_login_edited(c, s, cfg, edit_login, &e);
}

static void erl_cfg(const struct ps_ctx *c, struct ilogin_cfg *cfg, uint32_t erl)
{
	ps_login_cfg(c, cfg);
	cfg->error_recovery_level = erl;
	cfg->mrdsl = ERL2_MRDSL;
}

/* The leading connection at ErrorRecoveryLevel erl with Time2Retain t2r
 * offered; NULL (detail set) on failure, and *na when the target chose
 * less than erl. */
static struct ps_sess *open_erl(struct ps_ctx *c, uint32_t erl, uint32_t t2r, bool *na)
{
	*na = false;
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	struct ilogin_cfg cfg;
	erl_cfg(c, &cfg, erl);
	if (login_erl(c, s, &cfg, t2r, NULL) != 0)
		return NULL;
	if (s->params.error_recovery_level < erl) {
		*na = true;
		ps_na(c, "offered ErrorRecoveryLevel=%u, the target chose %u", erl, s->params.error_recovery_level);
		return NULL;
	}
	return s;
}

/* A connection of old's session (its ISID and TSIH) with cid, carrying
 * on the session's CmdSN; with old's ExpStatSN when it reinstates old's
 * CID (§6.3.4). NULL after ps_fail; *refused when the target answered
 * the login with a non-zero status (the connection is closed then). */
static struct ps_sess *rejoin(struct ps_ctx *c, const struct ps_sess *old, uint16_t cid, uint32_t t2r,
	uint16_t *refused)
{
	*refused = 0;
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	memcpy(s->isid, old->isid, 6);
	s->tsih = old->tsih;
	s->cid = cid;
	s->cmdsn = old->cmdsn;
	s->itt = old->itt; /* ITTs stay unique in the session (§11.2.1.8) */
	struct ilogin_cfg cfg;
	erl_cfg(c, &cfg, old->params.error_recovery_level);
	uint32_t exp = old->exp_statsn;
	if (login_erl(c, s, &cfg, t2r, cid == old->cid ? &exp : NULL) != 0) {
		if (s->login_status != 0) {
			*refused = s->login_status;
			ps_fail(c, "a login to TSIH %u with CID %u: status 0x%04x", old->tsih, cid, s->login_status);
		}
		ps_disconnect(s);
		return NULL;
	}
	if (s->tsih != old->tsih) {
		ps_fail(c, "a connection logging in to TSIH %u was answered TSIH %u (§11.13.4)", old->tsih, s->tsih);
		return NULL;
	}
	/* Session-wide keys are the leading login's (§13). */
	s->params.error_recovery_level = old->params.error_recovery_level;
	s->params.default_time2wait = old->params.default_time2wait;
	s->params.default_time2retain = old->params.default_time2retain;
	if (sn_lt(s->cmdsn, old->cmdsn))
		s->cmdsn = old->cmdsn;
	pw_oracle_stop(&s->w);
	return s;
}

/* a's connection is lost (we close it: the target sees an unexpected
 * termination, §7.1.4.3), then a new connection logs in with a's CID
 * (§6.3.4, reinstating the failed connection). The target learns of
 * the loss when it reads the close: a refusal meanwhile is tried again,
 * ERL2_REJOIN_TRIES times, ERL2_SETTLE_NS apart. a's slot stays in use
 * (closed) so that its numbers stay readable. NULL after ps_fail. */
static struct ps_sess *drop_and_rejoin(struct ps_ctx *c, struct ps_sess *a, uint32_t t2r)
{
	pw_oracle_stop(&a->w);
	pw_close(&a->w);
	struct ps_sess *b = NULL;
	uint16_t refused = 1;
	for (unsigned i = 0; i < ERL2_REJOIN_TRIES && b == NULL && refused != 0; i++) {
		pw_sleep_ns(ERL2_SETTLE_NS);
		b = rejoin(c, a, a->cid, t2r, &refused);
	}
	if (b == NULL && refused != 0)
		ps_fail(c, "CID %u lost, then a login reinstating it refused with 0x%04x %u times over %.1f s (§6.3.4)",
			a->cid, refused, ERL2_REJOIN_TRIES, ERL2_REJOIN_TRIES * ERL2_SETTLE_NS / 1e9);
	return b;
}

/* The test is over: the session is logged out (on whichever of its
 * connections is still up, its detail kept), so that no task of it waits
 * in the target for Time2Retain after the test (a FAIL may leave one
 * waiting: the session's end discards it). */
static enum ps_verdict tidy(struct ps_ctx *c, enum ps_verdict v)
{
	static char detail[PS_DETAIL_MAX];
	memcpy(detail, c->detail, sizeof(detail));
	for (unsigned i = 0; i < PS_SESS_MAX; i++) {
		struct ps_sess *s = &c->s[i];
		if (s->used && s->ffp && !s->w.closed) {
			(void)ps_logout(c, s);
			break;
		}
	}
	memcpy(c->detail, detail, sizeof(detail));
	return v;
}

/* ---- commands ---- */

static void fill_pattern(uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len && i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 9)) ^ 0xa5u);
}

/* A WRITE(10) of blocks at lba without immediate data, sent, and its
 * first R2T in *r2t; 0, or -1 after ps_fail. */
static int write_awaiting_r2t(struct ps_ctx *c, struct ps_sess *s, uint32_t lba, uint16_t blocks, uint32_t *itt,
	struct pw_pdu *r2t)
{
	struct ipdu_tx tx;
	*itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE, *itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, blocks * c->block_size);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x2a;
	put_be32(tx.bhs + PDU_SCSI_CMD_CDB + 2, lba);
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, blocks);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return -1;
	return ps_expect(c, s, ISCSI_OP_R2T, r2t) ? 0 : -1;
}

/* Answer an R2T with pattern's bytes at its offset; 0 or -1. */
static int answer_r2t(struct ps_ctx *c, struct ps_sess *s, const struct pw_pdu *r2t)
{
	uint32_t mrdsl = s->params.tgt_mrdsl ? s->params.tgt_mrdsl : ISCSI_MRDSL_DEFAULT;
	uint32_t off = pdu_w(r2t->bhs, PDU_R2T_BUFFER_OFFSET), len = pdu_w(r2t->bhs, PDU_R2T_DESIRED_LENGTH);
	if ((uint64_t)off + len > sizeof(pattern)) {
		ps_fail(c, "an R2T for %u bytes at offset %u, past the %u-byte write", len, off, (unsigned)sizeof(pattern));
		return -1;
	}
	for (uint32_t sn = 0; len > 0; sn++) {
		uint32_t n = len < mrdsl ? len : mrdsl;
		struct ipdu_tx tx;
		ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, n == len ? ISCSI_FLAG_FINAL : 0, pdu_itt(r2t->bhs));
		memcpy(tx.bhs + PDU_LUN, r2t->bhs + PDU_LUN, 8);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, pdu_w(r2t->bhs, PDU_R2T_TTT));
		pdu_set_w(tx.bhs, PDU_DATA_OUT_DATASN, sn);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
		if (ps_send(c, s, &tx, pattern + off, n, PW_CLEAN) != 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

/* TASK REASSIGN of itt (§11.5.1) on s with ExpDataSN (§11.5.6): the
 * response code, or -1 after ps_fail. PDUs of the task that come before
 * the TMF Response are kept for the caller: the first in *early. */
static int reassign(struct ps_ctx *c, struct ps_sess *s, uint32_t itt, uint32_t exp_data_sn, struct pw_pdu *early,
	bool *have_early)
{
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_TMF_REQ, true, (uint8_t)(ISCSI_FLAG_FINAL | ISCSI_TMF_TASK_REASSIGN), ps_itt(s));
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, itt);
	pdu_set_w(tx.bhs, PDU_TMF_REFCMDSN, s->cmdsn);
	pdu_set_w(tx.bhs, PDU_TMF_EXPDATASN, exp_data_sn);
	/* Below ERL 2 the request itself breaks §11.5.1's rule (the protocol
	 * oracle says so): erl2.reassign-erl1 sends it on purpose. */
	enum pw_mark mark = s->params.error_recovery_level < 2 ? PW_BROKEN : PW_CLEAN;
	if (ps_send(c, s, &tx, NULL, 0, mark) != 0)
		return -1;
	*have_early = false;
	for (;;) {
		struct pw_pdu p;
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU) {
			ps_fail(c, "TASK REASSIGN of ITT 0x%x: no TMF Response", itt);
			return -1;
		}
		if (pdu_opcode(p.bhs) == ISCSI_OP_TMF_RSP)
			return p.bhs[PDU_TMF_RESPONSE];
		if (pdu_itt(p.bhs) != itt || *have_early) {
			ps_fail(c, "TASK REASSIGN of ITT 0x%x: %s (ITT 0x%x) before the TMF Response", itt,
				pdu_opcode_name(pdu_opcode(p.bhs)), pdu_itt(p.bhs));
			return -1;
		}
		/* §11.6.1 leaves the order to the target; one PDU is kept */
		*early = p;
		*have_early = true;
	}
}

static const char *tmf_rsp_name(int r)
{
	switch (r) {
	case ISCSI_TMF_RSP_COMPLETE: return "function complete";
	case ISCSI_TMF_RSP_NO_TASK: return "task does not exist";
	case ISCSI_TMF_RSP_TASK_ALLEGIANT: return "task still allegiant";
	case ISCSI_TMF_RSP_NO_REASSIGN: return "task allegiance reassignment not supported";
	case ISCSI_TMF_RSP_NOT_SUPPORTED: return "function not supported";
	case ISCSI_TMF_RSP_REJECTED: return "function rejected";
	}
	return "another code";
}

/* The reassigned write on s: R2Ts answered with pattern until its status,
 * which must be GOOD (first a PDU that came before the TMF Response, if
 * any). 0 or -1 after ps_fail. */
static int finish_write(struct ps_ctx *c, struct ps_sess *s, uint32_t itt, const struct pw_pdu *early, bool have_early)
{
	for (unsigned i = 0;; i++) {
		struct pw_pdu p;
		if (i == 0 && have_early)
			p = *early;
		else if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "the reassigned write (ITT 0x%x): no R2T or status (§7.2.2)", itt), -1;
		uint8_t op = pdu_opcode(p.bhs);
		if (pdu_itt(p.bhs) != itt)
			return ps_fail(c, "the reassigned write: %s for ITT 0x%x", pdu_opcode_name(op), pdu_itt(p.bhs)), -1;
		if (op == ISCSI_OP_R2T) {
			if (answer_r2t(c, s, &p) != 0)
				return -1;
			continue;
		}
		if (op != ISCSI_OP_SCSI_RSP)
			return ps_fail(c, "the reassigned write: %s", pdu_opcode_name(op)), -1;
		if (p.bhs[PDU_SCSI_RSP_RESPONSE] != 0 || p.bhs[PDU_SCSI_RSP_STATUS] != 0)
			return ps_fail(c, "the reassigned write ended with response 0x%02x status 0x%02x",
				       p.bhs[PDU_SCSI_RSP_RESPONSE], p.bhs[PDU_SCSI_RSP_STATUS]), -1;
		return 0;
	}
}

/* READ(10) of blocks at lba on s into got; 0, or -1 after ps_fail. */
static int read_back(struct ps_ctx *c, struct ps_sess *s, uint32_t lba, uint16_t blocks)
{
	struct ps_scsi cmd;
	ps_cdb_rw10(&cmd, false, lba, blocks, c->block_size, got);
	if (ps_scsi_run(c, s, &cmd) != 0)
		return -1;
	if (cmd.status != 0 || cmd.data_in != blocks * c->block_size) {
		ps_fail(c, "READ(10) back: status 0x%02x, %u bytes", cmd.status, cmd.data_in);
		return -1;
	}
	return 0;
}

static int write_now(struct ps_ctx *c, struct ps_sess *s, uint32_t lba, uint16_t blocks)
{
	struct ps_scsi cmd;
	ps_cdb_rw10(&cmd, true, lba, blocks, c->block_size, pattern);
	if (ps_scsi_run(c, s, &cmd) != 0)
		return -1;
	if (cmd.status != 0) {
		ps_fail(c, "WRITE(10): status 0x%02x", cmd.status);
		return -1;
	}
	return 0;
}

/* Wait ns on s, answering the target's pings; false (detail) if a PDU
 * other than a ping came, or the connection closed. */
static bool idle(struct ps_ctx *c, struct ps_sess *s, uint64_t ns)
{
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, ns, &p);
	if (r == PW_TIMEOUT)
		return true;
	if (r == PW_PDU)
		ps_fail(c, "while waiting: %s (ITT 0x%x)", pdu_opcode_name(pdu_opcode(p.bhs)), pdu_itt(p.bhs));
	else
		ps_fail(c, "while waiting: the connection closed");
	return false;
}

/* ---- the tests ---- */

/* §11.14.1 reason 2 and §11.15.1: at ERL 2 "remove the connection for
 * recovery" is supported (response 2 is for a target that cannot); the
 * target "MUST discard all requests not yet acknowledged ... and suspend
 * all data/status/R2T transfers on behalf of pending commands on the
 * specified connection", answers, and half-closes it (§11.14). §11.15.2-3:
 * with response 0 at ERL 2, Time2Wait is the minimum wait before
 * reassignment and Time2Retain the time the tasks are kept after it. A
 * write waiting for Data-Out on the connection is then reassigned, within
 * the Time2Retain announced, to a new connection of the session: it
 * completes, and the data written is read back. */
static enum ps_verdict logout_recovery(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *a = open_erl(c, 2, ERL2_T2R, &na);
	if (a == NULL)
		return na ? PS_NA : PS_FAIL;
	if (ps_capacity(c, a) != 0)
		return PS_FAIL;
	uint32_t itt;
	struct pw_pdu r2t, p;
	if (write_awaiting_r2t(c, a, ERL2_LBA_LOGOUT, 1, &itt, &r2t) != 0)
		return PS_FAIL;
	pw_oracle_stop(&a->w);
	struct ipdu_tx tx;
	ps_pdu(a, &tx, ISCSI_OP_LOGOUT_REQ, true, (uint8_t)(ISCSI_FLAG_FINAL | ISCSI_LOGOUT_RECOVERY), ps_itt(a));
	put_be16(tx.bhs + PDU_LOGOUT_CID, a->cid);
	if (ps_send(c, a, &tx, NULL, 0, PW_CLEAN) != 0 || !ps_expect(c, a, ISCSI_OP_LOGOUT_RSP, &p))
		return PS_FAIL;
	uint8_t rsp = p.bhs[PDU_LOGOUT_RESPONSE];
	uint16_t t2w = get_be16(p.bhs + PDU_LOGOUT_TIME2WAIT), t2r = get_be16(p.bhs + PDU_LOGOUT_TIME2RETAIN);
	if (rsp != ISCSI_LOGOUT_RSP_OK)
		return ps_fail(c, "remove the connection for recovery at ERL 2 (its own CID %u): response %u, want 0", a->cid,
			       rsp);
	if (t2r == 0)
		return ps_fail(c, "response 0 with Time2Retain 0 (the task state discarded at once) although "
			       "DefaultTime2Retain=%u was negotiated and a write waits",
			       a->params.default_time2retain);
	if (!ps_wait_closed(c, a, PS_RECV_TIMEOUT_NS))
		return ps_fail(c, "response 0, then the connection stayed open (§11.14: the target half-closes it)");
	/* §11.15.2: wait Time2Wait before reassigning */
	uint64_t wait_ns = (uint64_t)t2w * NS_PER_S;
	uint16_t refused;
	struct ps_sess *b = rejoin(c, a, (uint16_t)(a->cid + 1), ERL2_T2R, &refused);
	if (b == NULL)
		return PS_FAIL;
	ps_disconnect(a); /* after rejoin: its slot would be reused */
	if (wait_ns > 0 && !idle(c, b, wait_ns))
		return PS_FAIL;
	bool have_early;
	int r = reassign(c, b, itt, 0, &p, &have_early);
	if (r < 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_fail(c, "Logout said Time2Wait %u Time2Retain %u; TASK REASSIGN after %u s: response %d (%s), want 0",
			       t2w, t2r, t2w, r, tmf_rsp_name(r));
	fill_pattern(c->block_size, 3);
	if (finish_write(c, b, itt, &p, have_early) != 0 || read_back(c, b, ERL2_LBA_LOGOUT, 1) != 0)
		return PS_FAIL;
	if (memcmp(got, pattern, c->block_size) != 0)
		return ps_fail(c, "the reassigned write completed, but LBA %u reads back other data", ERL2_LBA_LOGOUT);
	return ps_pass(c, "response 0, Time2Wait %u Time2Retain %u, connection closed; the write reassigned to CID %u "
		       "completed and reads back",
		       t2w, t2r, b->cid);
}

/* A write of two blocks waits for Data-Out when its connection is given
 * up, lost (live false) or reinstated while alive (live true); TASK
 * REASSIGN on the new connection, after Time2Wait, moves it there, where
 * the target asks again by R2T for the data it lacks (§7.2.2): the write
 * completes, and reads back intact. */
static enum ps_verdict write_reassigned(struct ps_ctx *c, bool live)
{
	bool na;
	struct ps_sess *a = open_erl(c, 2, ERL2_T2R, &na);
	if (a == NULL)
		return na ? PS_NA : PS_FAIL;
	if (ps_capacity(c, a) != 0)
		return PS_FAIL;
	const uint16_t blocks = 2;
	const uint32_t lba = live ? ERL2_LBA_LIVE : ERL2_LBA_WRITE;
	if (blocks * c->block_size > sizeof(pattern))
		return ps_na(c, "block size %u: two blocks exceed the suite's buffer", c->block_size);
	uint32_t itt;
	struct pw_pdu r2t, p;
	if (write_awaiting_r2t(c, a, lba, blocks, &itt, &r2t) != 0)
		return PS_FAIL;
	struct ps_sess *b;
	if (live) {
		pw_oracle_stop(&a->w);
		uint16_t refused;
		b = rejoin(c, a, a->cid, ERL2_T2R, &refused);
		if (b == NULL)
			return PS_FAIL;
		if (!ps_wait_closed(c, a, PS_RECV_TIMEOUT_NS))
			return ps_fail(c, "CID %u reinstated, the old connection stayed open (§6.3.4)", a->cid);
	} else {
		b = drop_and_rejoin(c, a, ERL2_T2R);
		if (b == NULL)
			return PS_FAIL;
	}
	uint32_t t2w = b->params.default_time2wait;
	if (t2w > 0 && !idle(c, b, (uint64_t)t2w * NS_PER_S))
		return PS_FAIL;
	bool have_early;
	int r = reassign(c, b, itt, 0, &p, &have_early);
	if (r < 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_fail(c, "TASK REASSIGN of the write after reinstatement: response %d (%s), want 0", r,
				    tmf_rsp_name(r));
	fill_pattern(blocks * c->block_size, live ? 5 : 1);
	if (finish_write(c, b, itt, &p, have_early) != 0 || read_back(c, b, lba, blocks) != 0)
		return PS_FAIL;
	if (memcmp(got, pattern, blocks * c->block_size) != 0)
		return ps_fail(c, "the reassigned write completed, but LBA %u..%u read back other data", lba,
				    lba + blocks - 1);
	return ps_pass(c, "CID %u %s, the write reassigned: R2T, GOOD, %u blocks read back intact", b->cid,
			    live ? "reinstated while alive" : "lost and reinstated", (unsigned)blocks);
}

/* §6.3.4, §7.1.4.3, §7.2.2, §11.5.1: the connection is lost (TCP closed)
 * while a write waits for Data-Out; a login with its CID reinstates it
 * and TASK REASSIGN moves the write to the new connection. */
static enum ps_verdict reassign_write(struct ps_ctx *c)
{
	return write_reassigned(c, false);
}

/* §6.3.4: at ERL 2 a login with the session's ISID, TSIH and the CID of
 * a live connection reinstates it (the old one is closed, its tasks wait
 * for reassignment; MaxConnections is not exceeded: the CID is the same
 * connection's); the write is then reassigned as above. */
static enum ps_verdict reinstate_live(struct ps_ctx *c)
{
	return write_reassigned(c, true);
}

/* §11.5.6: TASK REASSIGN of a read carries ExpDataSN, "the target MUST
 * transmit all Data-In PDUs (if any) starting with the data
 * acknowledgment reference number": a READ whose first Data-In PDUs came
 * on the old connection resumes at that DataSN on the new one (or the
 * target sends none, "if all data has been acknowledged", which it was
 * not). The data must be the data written. */
static enum ps_verdict reassign_read(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *a = open_erl(c, 2, ERL2_T2R, &na);
	if (a == NULL)
		return na ? PS_NA : PS_FAIL;
	if (ps_capacity(c, a) != 0)
		return PS_FAIL;
	uint32_t len = ERL2_READ_BLOCKS * c->block_size;
	if (len > sizeof(pattern))
		return ps_na(c, "block size %u: %u blocks exceed the suite's buffer", c->block_size, ERL2_READ_BLOCKS);
	fill_pattern(len, 2);
	if (write_now(c, a, ERL2_LBA_READ, ERL2_READ_BLOCKS) != 0)
		return PS_FAIL;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(a);
	ps_pdu(a, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_READ, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, len);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x28;
	put_be32(tx.bhs + PDU_SCSI_CMD_CDB + 2, ERL2_LBA_READ);
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, ERL2_READ_BLOCKS);
	if (ps_send(c, a, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	memset(got, 0, len);
	uint32_t seen = 0;
	while (seen < ERL2_READ_SEEN) {
		struct pw_pdu p;
		if (!ps_expect(c, a, ISCSI_OP_DATA_IN, &p))
			return PS_FAIL;
		uint32_t off = pdu_w(p.bhs, PDU_DATA_IN_BUFFER_OFFSET);
		if (pdu_w(p.bhs, PDU_DATA_IN_DATASN) != seen || (uint64_t)off + p.dsl > len)
			return ps_fail(c, "Data-In DataSN %u at offset %u (%u bytes), want DataSN %u",
				       pdu_w(p.bhs, PDU_DATA_IN_DATASN), off, p.dsl, seen);
		if (p.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS)
			return ps_na(c, "the read ended in %u Data-In PDU(s)", seen + 1);
		memcpy(got + off, p.data, p.dsl);
		seen++;
	}
	/* the rest (and the status) are lost with the connection */
	struct ps_sess *b = drop_and_rejoin(c, a, ERL2_T2R);
	if (b == NULL)
		return PS_FAIL;
	uint32_t t2w = b->params.default_time2wait;
	if (t2w > 0 && !idle(c, b, (uint64_t)t2w * NS_PER_S))
		return PS_FAIL;
	bool have_early;
	struct pw_pdu p;
	int r = reassign(c, b, itt, seen, &p, &have_early);
	if (r < 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_fail(c, "TASK REASSIGN of the read (ExpDataSN %u) after reinstatement: response %d (%s), want 0",
			       seen, r, tmf_rsp_name(r));
	uint32_t next = seen, first = UINT32_MAX;
	for (unsigned i = 0;; i++) {
		if (!(i == 0 && have_early) && ps_recv(c, b, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "the reassigned read: no Data-In or status after DataSN %u", next);
		uint8_t op = pdu_opcode(p.bhs);
		if (pdu_itt(p.bhs) != itt || (op != ISCSI_OP_DATA_IN && op != ISCSI_OP_SCSI_RSP))
			return ps_fail(c, "the reassigned read: %s for ITT 0x%x", pdu_opcode_name(op), pdu_itt(p.bhs));
		if (op == ISCSI_OP_DATA_IN) {
			uint32_t sn = pdu_w(p.bhs, PDU_DATA_IN_DATASN), off = pdu_w(p.bhs, PDU_DATA_IN_BUFFER_OFFSET);
			if (first == UINT32_MAX)
				first = sn;
			if (sn != next)
				return ps_fail(c, "after TASK REASSIGN with ExpDataSN %u: Data-In DataSN %u, want %u (§11.5.6)",
					       seen, sn, next);
			if ((uint64_t)off + p.dsl > len)
				return ps_fail(c, "Data-In at offset %u (%u bytes) past the %u-byte read", off, p.dsl, len);
			memcpy(got + off, p.data, p.dsl);
			next++;
			if (!(p.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS))
				continue;
			if (p.bhs[PDU_SCSI_RSP_STATUS] != 0)
				return ps_fail(c, "the reassigned read ended with status 0x%02x", p.bhs[PDU_SCSI_RSP_STATUS]);
			break;
		}
		if (p.bhs[PDU_SCSI_RSP_RESPONSE] != 0 || p.bhs[PDU_SCSI_RSP_STATUS] != 0)
			return ps_fail(c, "the reassigned read ended with response 0x%02x status 0x%02x",
				       p.bhs[PDU_SCSI_RSP_RESPONSE], p.bhs[PDU_SCSI_RSP_STATUS]);
		break;
	}
	if (first == UINT32_MAX)
		return ps_fail(c, "the reassigned read: status without the Data-In from DataSN %u (not acknowledged, §11.5.6)",
			       seen);
	if (memcmp(got, pattern, len) != 0)
		return ps_fail(c, "the reassigned read completed, but its data differ from what LBA %u..%u hold",
			       ERL2_LBA_READ, ERL2_LBA_READ + ERL2_READ_BLOCKS - 1);
	return ps_pass(c, "%u Data-In before reinstatement, DataSN %u..%u after TASK REASSIGN; %u bytes intact", seen,
		       first, next - 1, len);
}

/* §11.5.1, §7.2.2: task reassignment is ErrorRecoveryLevel 2's; at level
 * 1 a TASK REASSIGN is answered 4 "task allegiance reassignment not
 * supported" (§11.6.1), or 5 "function not supported", which states the
 * same fact (as tmf.reassign-erl0 accepts, conformance/PROTOCOL.md). The
 * task named is live (a write waiting for Data-Out), so "task does not
 * exist" would be wrong as well as "complete". */
static enum ps_verdict reassign_erl1(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *s = open_erl(c, 1, ERL2_T2R, &na);
	if (s == NULL)
		return na ? PS_NA : PS_FAIL;
	if (ps_capacity(c, s) != 0)
		return PS_FAIL;
	uint32_t itt;
	struct pw_pdu r2t, p;
	if (write_awaiting_r2t(c, s, ERL2_LBA_WRITE, 1, &itt, &r2t) != 0)
		return PS_FAIL;
	bool have_early;
	int r = reassign(c, s, itt, 0, &p, &have_early);
	if (r < 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_NO_REASSIGN && r != ISCSI_TMF_RSP_NOT_SUPPORTED)
		return ps_fail(c, "TASK REASSIGN at ERL 1: response %d (%s), want 4 (or 5)", r, tmf_rsp_name(r));
	/* the write is untouched: it completes */
	if (ps_answer_r2t(c, s, &r2t) != 0 || !ps_expect(c, s, ISCSI_OP_SCSI_RSP, &p))
		return PS_FAIL;
	return ps_pass(c, "response %d (%s); the write then completed with status 0x%02x", r, tmf_rsp_name(r),
		       p.bhs[PDU_SCSI_RSP_STATUS]);
}

/* §11.15.3, §13.16: DefaultTime2Retain is "the maximum time, in seconds
 * after an initial wait (Time2Wait), before which an active task
 * reassignment is still possible after an unexpected connection
 * termination or a connection reset"; past it "the task state is
 * discarded". Two writes wait for Data-Out when their connection is
 * reinstated, with Time2Retain negotiated to ERL2_T2R_SHORT: the first,
 * reassigned at once, completes (the control: the target does keep
 * tasks); the second, asked for after Time2Wait + Time2Retain, must be
 * gone (response 1, "task does not exist"). SHOULD: the RFC states what
 * the value means rather than binding the target with a MUST. */
static enum ps_verdict retain_expiry(struct ps_ctx *c)
{
	bool na;
	struct ps_sess *a = open_erl(c, 2, ERL2_T2R_SHORT, &na);
	if (a == NULL)
		return na ? PS_NA : PS_FAIL;
	if (ps_capacity(c, a) != 0)
		return PS_FAIL;
	if (a->params.default_time2retain == 0 || a->params.default_time2retain > ERL2_T2R_SHORT)
		return ps_fail(c, "DefaultTime2Retain=%u offered, %u negotiated: §13.16's result is the minimum",
			       ERL2_T2R_SHORT, a->params.default_time2retain);
	uint32_t itt1, itt2;
	struct pw_pdu r2t, p;
	if (write_awaiting_r2t(c, a, ERL2_LBA_EXPIRY, 1, &itt1, &r2t) != 0 ||
	    write_awaiting_r2t(c, a, ERL2_LBA_EXPIRY + 1, 1, &itt2, &r2t) != 0)
		return PS_FAIL;
	uint64_t failed_ns = pw_now_ns();
	struct ps_sess *b = drop_and_rejoin(c, a, ERL2_T2R_SHORT);
	if (b == NULL)
		return PS_FAIL;
	uint32_t t2w = b->params.default_time2wait, t2r = b->params.default_time2retain;
	if (t2w > 0 && !idle(c, b, (uint64_t)t2w * NS_PER_S))
		return PS_FAIL;
	bool have_early;
	int r = reassign(c, b, itt1, 0, &p, &have_early);
	if (r < 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_na(c, "the first write, reassigned after Time2Wait %u s: response %d (%s); erl2.reassign-write "
			     "judges that",
			     t2w, r, tmf_rsp_name(r));
	fill_pattern(c->block_size, 4);
	if (finish_write(c, b, itt1, &p, have_early) != 0)
		return PS_FAIL;
	uint64_t due = failed_ns + ((uint64_t)t2w + t2r) * NS_PER_S + ERL2_EXPIRY_MARGIN_NS, now = pw_now_ns();
	if (now < due && !idle(c, b, due - now))
		return PS_FAIL;
	r = reassign(c, b, itt2, 0, &p, &have_early);
	if (r < 0)
		return PS_FAIL;
	if (r != ISCSI_TMF_RSP_NO_TASK)
		return ps_fail(c, "TASK REASSIGN %.1f s after the connection failed (Time2Wait %u + Time2Retain %u): "
			       "response %d (%s), want 1 (task does not exist)",
			       (double)(pw_now_ns() - failed_ns) / 1e9, t2w, t2r, r, tmf_rsp_name(r));
	return ps_pass(c, "the first write reassigned and completed; the second, after Time2Wait %u + Time2Retain %u s: "
		       "task does not exist",
		       t2w, t2r);
}

/* Each test leaves nothing waiting in the target (tidy). */
static enum ps_verdict t_logout_recovery(struct ps_ctx *c) { return tidy(c, logout_recovery(c)); }
static enum ps_verdict t_reassign_write(struct ps_ctx *c) { return tidy(c, reassign_write(c)); }
static enum ps_verdict t_reinstate_live(struct ps_ctx *c) { return tidy(c, reinstate_live(c)); }
static enum ps_verdict t_reassign_read(struct ps_ctx *c) { return tidy(c, reassign_read(c)); }
static enum ps_verdict t_reassign_erl1(struct ps_ctx *c) { return tidy(c, reassign_erl1(c)); }
static enum ps_verdict t_retain_expiry(struct ps_ctx *c) { return tidy(c, retain_expiry(c)); }

const struct ps_test ps_tests_erl2[] = {
	{ "erl2.logout-recovery", "11.15.1", PS_MUST,
	  "ERL 2: Logout \"remove the connection for recovery\": response 0 with Time2Wait/Time2Retain, the task "
	  "then reassigned",
	  t_logout_recovery },
	{ "erl2.reassign-write", "7.2.2", PS_MUST,
	  "ERL 2: connection lost and reinstated, a write awaiting Data-Out reassigned: R2T again, data intact",
	  t_reassign_write },
	{ "erl2.reinstate-live", "6.3.4", PS_MUST,
	  "ERL 2: a live connection reinstated (same CID), its write reassigned: R2T again, data intact",
	  t_reinstate_live },
	{ "erl2.reassign-read", "11.5.6", PS_MUST,
	  "ERL 2: connection lost mid-read and reinstated, the read reassigned: Data-In resumes at ExpDataSN",
	  t_reassign_read },
	{ "erl2.reassign-erl1", "11.5.1", PS_MUST, "TASK REASSIGN at ERL 1: not supported (response 4 or 5)",
	  t_reassign_erl1 },
	{ "erl2.retain-expiry", "13.16", PS_SHOULD,
	  "ERL 2: a task not reassigned within Time2Wait + Time2Retain is gone (response 1)", t_retain_expiry },
};
const unsigned ps_tests_erl2_n = sizeof(ps_tests_erl2) / sizeof(ps_tests_erl2[0]);
