/* oracle/protocol_login: the protocol oracle during login (RFC 7143 §6,
 * §11.12-11.13): the keys each side declares, the session a connection
 * joins, and the full feature phase framing that follows. Part of
 * oracle/protocol (protocol_int.h). */
#include "sim/oracle/protocol.h"
#include "sim/oracle/protocol_int.h"

#include <string.h>

static void apply_ini_key(void *ctx, const char *key, const char *value)
{
	/* Offers like "CRC32C,None" are not outcomes; only declarations count. */
	if (strcmp(key, "MaxRecvDataSegmentLength") == 0)
		ikeys_apply(&((struct oproto *)ctx)->params, key, value, false);
}

static void apply_tgt_key(void *ctx, const char *key, const char *value)
{
	ikeys_apply(&((struct oproto *)ctx)->params, key, value, true);
}

bool oproto_login_req(struct oproto *o, const struct ipdu_rx *rx)
{
	if (pdu_opcode(rx->bhs) != ISCSI_OP_LOGIN_REQ)
		return oproto_fail(o, "§6.3", "opcode 0x%02x before the login completed", pdu_opcode(rx->bhs));
	ikeys_each(rx->data, rx->dsl, apply_ini_key, o);
	o->joining = get_be16(rx->bhs + PDU_LOGIN_TSIH) != 0;
	/* A session of one connection at ERL < 2 ends with it (§6.3.4,
	 * §7.1.4): nothing is left to join. */
	if (o->joining && o->have_sess && o->sess.error_recovery_level < 2 && o->sess.max_connections <= 1)
		return oproto_fail(o, "§6.3.4", "login with TSIH 0x%x into a session of MaxConnections=1 at ErrorRecoveryLevel %u",
			get_be16(rx->bhs + PDU_LOGIN_TSIH), o->sess.error_recovery_level);
	/* MC/S: the session's other connections number its commands
	 * meanwhile; a login's CmdSN (§11.12.8) does not take theirs back. */
	if (o->cs == &o->own_cs || !o->cs->have_cmdsn)
		o->cs->next_cmdsn = pdu_w(rx->bhs, PDU_INI_CMDSN);
	o->cs->have_cmdsn = true;
	return true;
}

/* Full feature phase framing (digests, MaxRecvDataSegmentLength) for one
 * direction. A PDU already begun keeps the login's framing: it was sent
 * before the login completed (a capture can show the initiator's next
 * bytes crossing the final Login Response; garbage can too), and its
 * buffer may not change under it (ipdu_rx_set_cap). It applies when that
 * PDU ends, or when framing restarts after a loss. */
void oproto_ffp_framing(struct oproto *o, int d)
{
	struct ipdu_rx *rx = &o->rx[d];
	if (rx->state != IPDU_BHS && rx->state != IPDU_DONE) {
		o->framing_pending[d] = true;
		return;
	}
	o->framing_pending[d] = false;
	rx->header_digest = o->params.header_digest;
	rx->data_digest = o->params.data_digest;
	ipdu_rx_set_cap(rx, d == DIR_INI ? o->params.tgt_mrdsl : o->params.ini_mrdsl);
}

bool oproto_login_rsp(struct oproto *o, const struct ipdu_rx *rx)
{
	const uint8_t *bhs = rx->bhs;
	if (pdu_opcode(bhs) != ISCSI_OP_LOGIN_RSP)
		return oproto_fail(o, "§6.3", "target sent opcode 0x%02x during login", pdu_opcode(bhs));
	o->exp_statsn = pdu_w(bhs, PDU_TGT_STATSN) + 1;
	o->have_statsn = true;
	uint32_t exp = pdu_w(bhs, PDU_TGT_EXPCMDSN), max = pdu_w(bhs, PDU_TGT_MAXCMDSN);
	if (o->joining && o->cs->have_window) {
		/* MC/S: the session's window, seen on its other connections,
		 * only moves forward (§4.2.2.1: a lower MaxCmdSN is ignored). */
		if (sn_lt(o->cs->exp_cmdsn, exp))
			o->cs->exp_cmdsn = exp;
		if (sn_lt(o->cs->max_cmdsn, max))
			o->cs->max_cmdsn = max;
	} else {
		o->cs->exp_cmdsn = exp;
		o->cs->max_cmdsn = max;
	}
	o->cs->have_window = true;
	if (get_be16(bhs + PDU_LOGIN_STATUS) != 0)
		return true; /* login refused: the connection ends */
	if (!ikeys_each(rx->data, rx->dsl, apply_tgt_key, o))
		return oproto_fail(o, "§6.1", "malformed login response text");
	uint8_t flags = pdu_flags(bhs);
	if ((flags & ISCSI_LOGIN_TRANSIT) && (flags & ISCSI_LOGIN_STAGE_MASK) == ISCSI_STAGE_FULL_FEATURE) {
		if (get_be16(bhs + PDU_LOGIN_TSIH) == 0)
			return oproto_fail(o, "§11.13.4", "final login response with TSIH 0 (§11.13.4)");
		if (o->joining && o->have_sess) {
			/* The session's keys; the connection's from this login. */
			struct iparams conn = o->params;
			o->params = o->sess;
			o->params.header_digest = conn.header_digest;
			o->params.data_digest = conn.data_digest;
			o->params.tgt_mrdsl = conn.tgt_mrdsl;
			o->params.ini_mrdsl = conn.ini_mrdsl;
		}
		o->ffp = true;
		oproto_ffp_framing(o, DIR_INI);
		oproto_ffp_framing(o, DIR_TGT);
	}
	return true;
}

