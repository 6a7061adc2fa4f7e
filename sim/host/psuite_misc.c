/* host/psuite_misc: protocol tests of text requests (§11.10-§11.11,
 * SendTargets §13.3 and appendix C), task management (§11.5-§11.6),
 * logout (§11.14-§11.15) and malformed input (§11.17 Reject reasons).
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/psuite.h"

/* ---- text ---- */

static enum ps_verdict send_targets(struct ps_ctx *c, struct ps_sess *s, const char *value)
{
	uint32_t itt;
	struct pw_pdu p;
	if (ps_send_targets(c, s, value, &itt, &p) != 0)
		return PS_FAIL;
	if (pdu_itt(p.bhs) != itt || !(pdu_flags(p.bhs) & ISCSI_FLAG_FINAL))
		return ps_fail(c, "Text Response ITT 0x%08x F=%d (want our ITT, one final PDU for a short list)",
			pdu_itt(p.bhs), (pdu_flags(p.bhs) & ISCSI_FLAG_FINAL) != 0);
	if (pdu_w(p.bhs, PDU_TEXT_TTT) != ISCSI_TAG_RESERVED)
		return ps_fail(c, "a final Text Response with TTT 0x%08x (§11.11.4: reserved)", pdu_w(p.bhs, PDU_TEXT_TTT));
	/* Our target must be listed by name. */
	bool found = false;
	for (size_t i = 0; i < p.dsl && !found;) {
		const char *e = memchr(p.data + i, '\0', p.dsl - i);
		size_t len = e ? (size_t)(e - (const char *)(p.data + i)) : p.dsl - i;
		found = len == 11 + strlen(c->cfg->t1.iqn) && memcmp(p.data + i, "TargetName=", 11) == 0 &&
			memcmp(p.data + i + 11, c->cfg->t1.iqn, len - 11) == 0;
		i += len + 1;
	}
	if (!found)
		return ps_fail(c, "SendTargets=%s does not list TargetName=%s", value, c->cfg->t1.iqn);
	if (ps_count_key(&p, "TargetAddress") == 0)
		return ps_fail(c, "SendTargets=%s: no TargetAddress", value);
	return ps_pass(c, "%u TargetName(s), %u TargetAddress(es)", ps_count_key(&p, "TargetName"),
		ps_count_key(&p, "TargetAddress"));
}

static struct ps_sess *open_discovery(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	/* A discovery session names no target; CHAP as configured. */
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	cfg.target_name = NULL;
	(void)cfg;
	struct ps_keys k;
	ps_keys_reset(&k);
	ps_key(&k, "InitiatorName", PS_INITIATOR_NAME);
	ps_key(&k, "SessionType", "Discovery");
	ps_key(&k, "HeaderDigest", "None");
	ps_key(&k, "DataDigest", "None");
	ps_key(&k, "MaxRecvDataSegmentLength", "8192");
	ps_key(&k, "ErrorRecoveryLevel", "0");
	struct ipdu_tx tx;
	struct pw_pdu p;
	ps_login_pdu(s, &tx, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, true, &k);
	for (int round = 0; round < 4; round++) {
		if (pw_send(&s->w, &tx, PW_CLEAN) != 0 || !ps_expect(c, s, ISCSI_OP_LOGIN_RSP, &p))
			return NULL;
		uint16_t st = get_be16(p.bhs + PDU_LOGIN_STATUS);
		if (st != 0) {
			ps_na(c, "discovery login without authentication refused (0x%04x)", st);
			return NULL;
		}
		uint8_t f = pdu_flags(p.bhs);
		if ((f & ISCSI_LOGIN_TRANSIT) && (f & ISCSI_LOGIN_STAGE_MASK) == ISCSI_STAGE_FULL_FEATURE) {
			s->ffp = true;
			s->tsih = get_be16(p.bhs + PDU_LOGIN_TSIH);
			s->exp_statsn = pdu_w(p.bhs, PDU_TGT_STATSN) + 1;
			s->exp_cmdsn = pdu_w(p.bhs, PDU_TGT_EXPCMDSN);
			s->max_cmdsn = pdu_w(p.bhs, PDU_TGT_MAXCMDSN);
			return s;
		}
		s->exp_statsn = pdu_w(p.bhs, PDU_TGT_STATSN) + 1;
		ps_login_pdu(s, &tx, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, true, NULL);
	}
	ps_fail(c, "the discovery login did not reach full feature phase in 4 rounds");
	return NULL;
}

static enum ps_verdict st_discovery(struct ps_ctx *c)
{
	if (c->cfg->chap_user[0] != '\0')
		return ps_na(c, "CHAP configured: discovery authentication is not probed yet");
	struct ps_sess *s = open_discovery(c);
	if (s == NULL)
		return c->detail[0] && strstr(c->detail, "refused") ? PS_NA : PS_FAIL;
	return send_targets(c, s, "All");
}

static enum ps_verdict st_normal(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	return s == NULL ? PS_FAIL : send_targets(c, s, "");
}

/* ---- task management ---- */

static int tmf(struct ps_ctx *c, struct ps_sess *s, uint8_t function, uint32_t rtt, uint32_t refcmdsn,
	struct pw_pdu *p)
{
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_TMF_REQ, true, (uint8_t)(ISCSI_FLAG_FINAL | function), ps_itt(s));
	if (function != ISCSI_TMF_TARGET_WARM_RESET && function != ISCSI_TMF_TARGET_COLD_RESET)
		ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_TMF_REF_TASK_TAG, rtt);
	pdu_set_w(tx.bhs, PDU_TMF_REFCMDSN, refcmdsn);
	/* TASK REASSIGN below ERL 2 breaks §11.5.1 (the protocol oracle
	 * says so): tmf.reassign-erl0 sends it on purpose. */
	bool broken = function == ISCSI_TMF_TASK_REASSIGN && s->params.error_recovery_level < 2;
	if (ps_send(c, s, &tx, NULL, 0, broken ? PW_BROKEN : PW_CLEAN) != 0)
		return -1;
	return ps_expect(c, s, ISCSI_OP_TMF_RSP, p) ? 0 : -1;
}

static enum ps_verdict abort_unknown(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	struct pw_pdu p;
	if (s == NULL || tmf(c, s, ISCSI_TMF_ABORT_TASK, 0x0badcafe, s->cmdsn - 1, &p) != 0)
		return PS_FAIL;
	uint8_t r = p.bhs[PDU_TMF_RESPONSE];
	if (r != ISCSI_TMF_RSP_COMPLETE && r != ISCSI_TMF_RSP_NO_TASK)
		return ps_fail(c, "ABORT TASK of no task: response %u, want 0 or 1 (§11.5.1)", r);
	return ps_pass(c, "response %u", r);
}

/* A write waiting for its data is aborted; no status follows for it. */
static enum ps_verdict abort_waiting(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL || ps_capacity(c, s) != 0)
		return PS_FAIL;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s), sn = s->cmdsn;
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, itt);
	ps_put_lun(tx.bhs, c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, c->block_size);
	tx.bhs[PDU_SCSI_CMD_CDB] = 0x2a;
	put_be16(tx.bhs + PDU_SCSI_CMD_CDB + 7, 1);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	struct ipdu_tx t2;
	ps_pdu(s, &t2, ISCSI_OP_TMF_REQ, true, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK, ps_itt(s));
	ps_put_lun(t2.bhs, c->cfg->t1.lun);
	pdu_set_w(t2.bhs, PDU_TMF_REF_TASK_TAG, itt);
	pdu_set_w(t2.bhs, PDU_TMF_REFCMDSN, sn);
	if (ps_send(c, s, &t2, NULL, 0, PW_CLEAN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	/* The write's R2T may come before the TMF Response: it is answered
	 * (the initiator keeps answering valid TTTs while the TMF is pending,
	 * §11.6.2), and the write may then end before the abort. */
	bool ended = false;
	for (;;) {
		if (ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p) != PW_PDU)
			return ps_fail(c, "no TMF Response to ABORT TASK");
		uint8_t op = pdu_opcode(p.bhs);
		if (op == ISCSI_OP_R2T && pdu_itt(p.bhs) == itt) {
			if (ps_answer_r2t(c, s, &p) != 0)
				return PS_FAIL;
			continue;
		}
		if (op == ISCSI_OP_SCSI_RSP && pdu_itt(p.bhs) == itt) {
			ended = true;
			continue;
		}
		break;
	}
	if (pdu_opcode(p.bhs) != ISCSI_OP_TMF_RSP)
		return ps_fail(c, "ABORT TASK answered with %s", pdu_opcode_name(pdu_opcode(p.bhs)));
	uint8_t r = p.bhs[PDU_TMF_RESPONSE];
	if (r == ISCSI_TMF_RSP_NO_TASK && ended)
		return ps_pass(c, "the write ended before the abort; response 1");
	if (r != ISCSI_TMF_RSP_COMPLETE)
		return ps_fail(c, "ABORT TASK of a live write: response %u, want 0 (function complete)%s", r,
			ended ? "" : "; the task had not ended");
	if (!ps_quiet(c, s, PS_QUIET_NS))
		return ps_fail(c, "the aborted task was answered after the TMF response");
	return ps_pass(c, "function complete; nothing more for the task");
}

static enum ps_verdict tmf_simple(struct ps_ctx *c, uint8_t function, const uint8_t *ok, unsigned nok,
	uint8_t na_response)
{
	struct ps_sess *s = ps_open(c);
	struct pw_pdu p;
	if (s == NULL || tmf(c, s, function, ISCSI_TAG_RESERVED, s->cmdsn, &p) != 0)
		return PS_FAIL;
	uint8_t r = p.bhs[PDU_TMF_RESPONSE];
	for (unsigned i = 0; i < nok; i++)
		if (r == ok[i])
			return ps_pass(c, "response %u", r);
	if (na_response != 0 && r == na_response)
		return ps_na(c, "function %u not supported (response %u)", function, r);
	return ps_fail(c, "function %u: response %u", function, r);
}

static enum ps_verdict lun_reset(struct ps_ctx *c)
{
	static const uint8_t ok[] = { ISCSI_TMF_RSP_COMPLETE };
	return tmf_simple(c, ISCSI_TMF_LOGICAL_UNIT_RESET, ok, 1, ISCSI_TMF_RSP_NOT_SUPPORTED);
}

static enum ps_verdict reassign_erl0(struct ps_ctx *c)
{
	/* §11.5.1, §7.2.2: at ERL 0 there is no reassignment. Response 4
	 * ("task allegiance reassignment not supported") names it best; 5
	 * ("function not supported") states the same fact and the RFC does
	 * not rule it out (review in conformance/PROTOCOL.md). */
	static const uint8_t ok[] = { ISCSI_TMF_RSP_NO_REASSIGN, ISCSI_TMF_RSP_NOT_SUPPORTED };
	return tmf_simple(c, ISCSI_TMF_TASK_REASSIGN, ok, 2, 0);
}

static enum ps_verdict tmf_unknown(struct ps_ctx *c)
{
	static const uint8_t ok[] = { ISCSI_TMF_RSP_NOT_SUPPORTED, ISCSI_TMF_RSP_REJECTED };
	return tmf_simple(c, 0x55, ok, 2, 0);
}

/* ---- logout ---- */

static int logout(struct ps_ctx *c, struct ps_sess *s, uint8_t reason, uint16_t cid, struct pw_pdu *p)
{
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_LOGOUT_REQ, true, (uint8_t)(ISCSI_FLAG_FINAL | reason), ps_itt(s));
	put_be16(tx.bhs + PDU_LOGOUT_CID, cid);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return -1;
	return ps_expect(c, s, ISCSI_OP_LOGOUT_RSP, p) ? 0 : -1;
}

static enum ps_verdict logout_session(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	struct pw_pdu p;
	if (s == NULL || logout(c, s, ISCSI_LOGOUT_SESSION, s->cid, &p) != 0)
		return PS_FAIL;
	if (p.bhs[PDU_LOGOUT_RESPONSE] != ISCSI_LOGOUT_RSP_OK)
		return ps_fail(c, "response %u, want 0", p.bhs[PDU_LOGOUT_RESPONSE]);
	if (!ps_quiet(c, s, PS_QUIET_NS) && !s->w.closed)
		return ps_fail(c, "a PDU after the Logout Response");
	return ps_pass(c, "Time2Wait %u Time2Retain %u", get_be16(p.bhs + PDU_LOGOUT_TIME2WAIT),
		get_be16(p.bhs + PDU_LOGOUT_TIME2RETAIN));
}

static enum ps_verdict logout_connection(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	struct pw_pdu p;
	if (s == NULL || logout(c, s, ISCSI_LOGOUT_CONNECTION, s->cid, &p) != 0)
		return PS_FAIL;
	if (p.bhs[PDU_LOGOUT_RESPONSE] != ISCSI_LOGOUT_RSP_OK)
		return ps_fail(c, "close this connection: response %u, want 0", p.bhs[PDU_LOGOUT_RESPONSE]);
	return ps_pass(c, "response 0");
}

static enum ps_verdict logout_wrong_cid(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	struct pw_pdu p;
	if (s == NULL || logout(c, s, ISCSI_LOGOUT_CONNECTION, (uint16_t)(s->cid + 1), &p) != 0)
		return PS_FAIL;
	if (p.bhs[PDU_LOGOUT_RESPONSE] != ISCSI_LOGOUT_RSP_NO_CID)
		return ps_fail(c, "close CID %u (not ours): response %u, want 1 (CID not found)", (uint16_t)(s->cid + 1),
			p.bhs[PDU_LOGOUT_RESPONSE]);
	return ps_pass(c, "response 1");
}

static enum ps_verdict logout_recovery_erl0(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	struct pw_pdu p;
	if (s == NULL || logout(c, s, ISCSI_LOGOUT_RECOVERY, s->cid, &p) != 0)
		return PS_FAIL;
	if (p.bhs[PDU_LOGOUT_RESPONSE] != ISCSI_LOGOUT_RSP_NO_RECOVERY)
		return ps_fail(c, "remove for recovery at ERL 0: response %u, want 2 (recovery not supported)",
			p.bhs[PDU_LOGOUT_RESPONSE]);
	return ps_pass(c, "response 2");
}

/* ---- bad input ---- */

/* A reserved initiator opcode: Reject "command not supported" (§11.17.1). */
static enum ps_verdict bad_opcode(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	struct ipdu_tx tx;
	ps_pdu(s, &tx, 0x1c, true, ISCSI_FLAG_FINAL, ps_itt(s));
	if (ps_send(c, s, &tx, NULL, 0, PW_BROKEN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r == PW_CLOSED)
		return ps_fail(c, "the connection was dropped; a Reject (0x05) is the answer");
	if (r != PW_PDU || pdu_opcode(p.bhs) != ISCSI_OP_REJECT)
		return ps_fail(c, "opcode 0x1c: no Reject");
	if (p.bhs[PDU_REJECT_REASON] != ISCSI_REJECT_CMD_NOT_SUPPORTED &&
		p.bhs[PDU_REJECT_REASON] != ISCSI_REJECT_PROTOCOL_ERROR)
		return ps_fail(c, "Reject reason 0x%02x, want 0x05 (command not supported)", p.bhs[PDU_REJECT_REASON]);
	uint8_t st;
	(void)st;
	return ps_pass(c, "Reject 0x%02x", p.bhs[PDU_REJECT_REASON]);
}

/* A Data-Out for no task: Reject or a drop (§11.17.1, §7). */
static enum ps_verdict bad_data_out(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	struct ipdu_tx tx;
	uint8_t data[512] = { 0 };
	ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, ISCSI_FLAG_FINAL, 0x7eadbeef);
	pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, 0x12345678);
	if (ps_send(c, s, &tx, data, sizeof(data), PW_BROKEN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r == PW_CLOSED)
		return ps_pass(c, "connection dropped");
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_REJECT)
		return ps_pass(c, "Reject 0x%02x", p.bhs[PDU_REJECT_REASON]);
	if (r != PW_TIMEOUT)
		return ps_fail(c, "a Data-Out for no task answered with %s", pdu_opcode_name(pdu_opcode(p.bhs)));
	/* Discarding it is allowed too (data for a task aborted earlier looks
	 * the same, §11.5.1): then the connection must still work. */
	struct ps_scsi cmd;
	ps_cdb_tur(&cmd);
	if (ps_scsi_run(c, s, &cmd) != 0)
		return PS_FAIL;
	return ps_pass(c, "discarded; the connection still works");
}

/* A Login Request in full feature phase: Reject (protocol error) or a drop. */
static enum ps_verdict bad_login_in_ffp(struct ps_ctx *c)
{
	struct ps_sess *s = ps_open(c);
	if (s == NULL)
		return PS_FAIL;
	struct ipdu_tx tx;
	ps_login_pdu(s, &tx, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, true, NULL);
	if (ps_send(c, s, &tx, NULL, 0, PW_BROKEN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r == PW_CLOSED)
		return ps_pass(c, "connection dropped");
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_REJECT)
		return ps_pass(c, "Reject 0x%02x", p.bhs[PDU_REJECT_REASON]);
	return ps_fail(c, "a Login Request in full feature phase: %s", r == PW_TIMEOUT ? "ignored" : "answered");
}

/* A SCSI command in a discovery session (§4.3: text and logout only). */
static enum ps_verdict bad_scsi_in_discovery(struct ps_ctx *c)
{
	if (c->cfg->chap_user[0] != '\0')
		return ps_na(c, "CHAP configured: discovery authentication is not probed yet");
	struct ps_sess *s = open_discovery(c);
	if (s == NULL)
		return c->detail[0] && strstr(c->detail, "refused") ? PS_NA : PS_FAIL;
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, ISCSI_FLAG_FINAL | 1, ps_itt(s));
	if (ps_send(c, s, &tx, NULL, 0, PW_BROKEN) != 0)
		return PS_FAIL;
	struct pw_pdu p;
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
	if (r == PW_CLOSED)
		return ps_pass(c, "connection dropped");
	if (r == PW_PDU && pdu_opcode(p.bhs) == ISCSI_OP_REJECT)
		return ps_pass(c, "Reject 0x%02x", p.bhs[PDU_REJECT_REASON]);
	return ps_fail(c, "a SCSI command in a discovery session: %s", r == PW_TIMEOUT ? "ignored" : "executed");
}

const struct ps_test ps_tests_misc[] = {
	{ "text.sendtargets-discovery", "13.3", PS_MUST, "SendTargets=All in a discovery session lists the target", st_discovery },
	{ "text.sendtargets-normal", "13.3", PS_MUST, "SendTargets= in a normal session lists this target", st_normal },
	{ "tmf.abort-unknown", "11.5.1", PS_MUST, "ABORT TASK of no task: function complete or no task", abort_unknown },
	{ "tmf.abort-waiting-write", "11.5.1", PS_MUST, "ABORT TASK of a write awaiting data completes it", abort_waiting },
	{ "tmf.lun-reset", "11.5.1", PS_MUST, "LOGICAL UNIT RESET: function complete", lun_reset },
	{ "tmf.reassign-erl0", "11.5.1", PS_MUST, "TASK REASSIGN at ERL 0: not supported (response 4 or 5)", reassign_erl0 },
	{ "tmf.unknown-function", "11.6.1", PS_MUST, "a reserved TMF function: not supported or rejected", tmf_unknown },
	{ "logout.session", "11.14", PS_MUST, "close the session: response 0, then silence", logout_session },
	{ "logout.connection", "11.14", PS_MUST, "close this connection: response 0", logout_connection },
	{ "logout.wrong-cid", "11.15.1", PS_MUST, "close an unknown CID: response 1", logout_wrong_cid },
	{ "logout.recovery-erl0", "11.15.1", PS_MUST, "remove for recovery at ERL 0: response 2", logout_recovery_erl0 },
	{ "bad.reserved-opcode", "11.17.1", PS_MUST, "a reserved opcode: Reject, command not supported", bad_opcode },
	{ "bad.data-out-no-task", "11.17.1", PS_SHOULD, "Data-Out for no task: Reject, a drop, or discarded", bad_data_out },
	{ "bad.login-in-ffp", "11.17.1", PS_MUST, "a Login Request in full feature phase: Reject or a drop", bad_login_in_ffp },
	{ "bad.scsi-in-discovery", "4.3", PS_MUST, "a SCSI command in a discovery session: Reject or a drop", bad_scsi_in_discovery },
};
const unsigned ps_tests_misc_n = sizeof(ps_tests_misc) / sizeof(ps_tests_misc[0]);
