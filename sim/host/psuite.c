/* host/psuite: the helpers every protocol test uses (see host/psuite.h). */
#include "sim/host/psuite.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/host/isim.h"

/* ---- verdicts ---- */

static enum ps_verdict say(struct ps_ctx *c, enum ps_verdict v, const char *fmt, va_list ap)
{
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	return v;
}

enum ps_verdict ps_fail(struct ps_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(c, PS_FAIL, fmt, ap);
	va_end(ap);
	return PS_FAIL;
}

enum ps_verdict ps_na(struct ps_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(c, PS_NA, fmt, ap);
	va_end(ap);
	return PS_NA;
}

enum ps_verdict ps_pass(struct ps_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(c, PS_PASS, fmt, ap);
	va_end(ap);
	return PS_PASS;
}

const char *ps_level_name(enum ps_level l)
{
	switch (l) {
	case PS_MUST: return "MUST";
	case PS_SHOULD: return "SHOULD";
	case PS_MAY: return "MAY";
	}
	return "?";
}

/* ---- connections ---- */

struct ps_sess *ps_connect(struct ps_ctx *c, bool second_portal)
{
	struct ps_sess *s = NULL;
	for (unsigned i = 0; i < PS_SESS_MAX && s == NULL; i++)
		if (!c->s[i].used)
			s = &c->s[i];
	if (s == NULL) {
		ps_fail(c, "suite bug: more than %u connections in one test", PS_SESS_MAX);
		return NULL;
	}
	if (second_portal && !c->cfg->have_t2) {
		ps_fail(c, "suite bug: a second portal without URL2");
		return NULL;
	}
	const struct ps_target *t = second_portal ? &c->cfg->t2 : &c->cfg->t1;
	memset(s, 0, sizeof(*s));
	char why[256];
	if (pw_connect(&s->w, &host_mem, t->host, t->port, c->cfg->allow_remote, PS_RECV_TIMEOUT_NS, c->deadline_ns,
		    why, sizeof(why)) != 0) {
		ps_fail(c, "%s", why);
		return NULL;
	}
	s->used = true;
	/* ISID type 10b: random (§11.12.5), the qualifier from the test's stream. */
	s->isid[0] = 0x80;
	uint64_t r = rng_next(&c->rng);
	for (int i = 1; i < 6; i++)
		s->isid[i] = (uint8_t)(r >> (8 * i));
	s->itt = (uint32_t)rng_below(&c->rng, 0x10000000u) + 1;
	s->cmdsn = (uint32_t)rng_next(&c->rng);
	s->cid = (uint16_t)rng_below(&c->rng, 0x10000u);
	iparams_default(&s->params);
	return s;
}

void ps_disconnect(struct ps_sess *s)
{
	if (s->used)
		pw_close(&s->w);
	s->used = false;
}

void ps_login_cfg(const struct ps_ctx *c, struct ilogin_cfg *cfg)
{
	const struct ps_config *k = c->cfg;
	*cfg = (struct ilogin_cfg){
		.initiator_name = PS_INITIATOR_NAME,
		.target_name = k->t1.iqn,
		.chap_user = k->chap_user[0] ? k->chap_user : NULL,
		.chap_secret = k->chap_secret,
		.target_user = k->mutual_user[0] ? k->mutual_user : NULL,
		.target_secret = k->mutual_secret,
		/* MD5 is the one algorithm every target has (§12.1.3). */
		.chap_algs = "5",
		.mrdsl = ISCSI_MRDSL_DEFAULT,
		.max_burst_length = 262144,
		.first_burst_length = 65536,
		.max_outstanding_r2t = 1,
		.initial_r2t = true,
		.immediate_data = true,
	};
}

int ps_login(struct ps_ctx *c, struct ps_sess *s, const struct ilogin_cfg *cfg)
{
	return ps_login_edited(c, s, cfg, NULL, NULL);
}

int ps_login_edited(struct ps_ctx *c, struct ps_sess *s, const struct ilogin_cfg *cfg, ps_login_edit_fn edit, void *ctx)
{
	struct ilogin l;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	enum ilogin_result r = ilogin_start(&l, cfg, &c->rng, s->isid, s->tsih, s->cid, itt, s->cmdsn, &tx);
	while (r == ILOGIN_SEND) {
		if (edit != NULL && edit(ctx, c, &tx) != 0)
			return -1;
		if (pw_send(&s->w, &tx, PW_CLEAN) != 0) {
			ps_fail(c, "login: the connection closed while sending");
			return -1;
		}
		struct pw_pdu p;
		enum pw_rx rx = pw_recv(&s->w, PS_RECV_TIMEOUT_NS, &p);
		if (rx != PW_PDU) {
			ps_fail(c, "login: %s instead of a Login Response", rx == PW_TIMEOUT ? "no answer" : "connection closed");
			return -1;
		}
		r = ilogin_on_rsp(&l, p.bhs, p.data, p.dsl, &tx);
	}
	s->login_status = l.status;
	if (r != ILOGIN_DONE) {
		ps_fail(c, "login failed: %s (status 0x%04x)", l.why ? l.why : "?", l.status);
		return -1;
	}
	s->tsih = l.tsih;
	s->params = l.params;
	s->exp_statsn = l.exp_statsn;
	s->have_statsn = true;
	s->exp_cmdsn = l.exp_cmdsn;
	s->max_cmdsn = l.max_cmdsn;
	s->ffp = true;
	pw_set_digests(&s->w, l.params.header_digest, l.params.data_digest);
	return 0;
}

struct ps_sess *ps_open(struct ps_ctx *c)
{
	struct ps_sess *s = ps_connect(c, false);
	if (s == NULL)
		return NULL;
	struct ilogin_cfg cfg;
	ps_login_cfg(c, &cfg);
	if (ps_login(c, s, &cfg) != 0) {
		ps_disconnect(s);
		return NULL;
	}
	return s;
}

int ps_logout(struct ps_ctx *c, struct ps_sess *s)
{
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_LOGOUT_REQ, true, ISCSI_FLAG_FINAL | ISCSI_LOGOUT_SESSION, ps_itt(s));
	put_be16(tx.bhs + PDU_LOGOUT_CID, s->cid);
	if (ps_send(c, s, &tx, NULL, 0, PW_CLEAN) != 0)
		return -1;
	struct pw_pdu p;
	if (!ps_expect(c, s, ISCSI_OP_LOGOUT_RSP, &p))
		return -1;
	if (p.bhs[PDU_LOGOUT_RESPONSE] != ISCSI_LOGOUT_RSP_OK) {
		ps_fail(c, "logout response %u", p.bhs[PDU_LOGOUT_RESPONSE]);
		return -1;
	}
	return 0;
}

/* ---- keys ---- */

void ps_keys_reset(struct ps_keys *k) { k->len = 0; }

void ps_key(struct ps_keys *k, const char *key, const char *value)
{
	/* A test's keys are ours: running out of room is a suite bug. */
	bool ok = ikeys_add(k->buf, &k->len, sizeof(k->buf), key, value);
	assert(ok && "a test's keys fit PS_KEYS_MAX");
	(void)ok;
}

void ps_key_u32(struct ps_keys *k, const char *key, uint32_t value)
{
	char v[16];
	snprintf(v, sizeof(v), "%u", value);
	ps_key(k, key, v);
}

void ps_keys_leading(const struct ps_ctx *c, struct ps_keys *k)
{
	ps_key(k, "InitiatorName", PS_INITIATOR_NAME);
	ps_key(k, "SessionType", "Normal");
	ps_key(k, "TargetName", c->cfg->t1.iqn);
}

bool ps_get(const struct pw_pdu *p, const char *key, char *out, size_t cap)
{
	return ikeys_get(p->data, p->dsl, key, out, cap);
}

unsigned ps_count_key(const struct pw_pdu *p, const char *key)
{
	unsigned n = 0;
	size_t klen = strlen(key);
	for (size_t i = 0; i < p->dsl;) {
		const uint8_t *e = memchr(p->data + i, '\0', p->dsl - i);
		size_t len = e ? (size_t)(e - (p->data + i)) : p->dsl - i;
		if (len > klen && memcmp(p->data + i, key, klen) == 0 && p->data[i + klen] == '=')
			n++;
		i += len + 1;
	}
	return n;
}

/* ---- PDUs ---- */

uint32_t ps_itt(struct ps_sess *s)
{
	uint32_t itt = s->itt++;
	if (s->itt == ISCSI_TAG_RESERVED)
		s->itt = 1;
	return itt;
}

void ps_pdu(struct ps_sess *s, struct ipdu_tx *tx, uint8_t opcode, bool immediate, uint8_t flags, uint32_t itt)
{
	pdu_init(tx->bhs, (uint8_t)(opcode | (immediate ? ISCSI_FLAG_IMMEDIATE : 0)), flags);
	pdu_set_w(tx->bhs, PDU_ITT, itt);
	if (opcode != ISCSI_OP_DATA_OUT) {
		pdu_set_w(tx->bhs, PDU_INI_CMDSN, s->cmdsn);
		if (!immediate && opcode != ISCSI_OP_SNACK)
			s->cmdsn++;
	}
	pdu_set_w(tx->bhs, PDU_INI_EXPSTATSN, s->exp_statsn);
}

int ps_send(struct ps_ctx *c, struct ps_sess *s, struct ipdu_tx *tx, const void *data, uint32_t len,
	enum pw_mark mark)
{
	ipdu_tx_seal(tx, data, len, s->w.header_digest, s->w.data_digest);
	if (pw_send(&s->w, tx, mark) != 0) {
		ps_fail(c, "the target closed the connection before %s", pdu_opcode_name(pdu_opcode(tx->bhs)));
		return -1;
	}
	return 0;
}

void ps_login_pdu(struct ps_sess *s, struct ipdu_tx *tx, uint8_t csg, uint8_t nsg, bool transit,
	const struct ps_keys *k)
{
	uint8_t flags = (uint8_t)(csg << ISCSI_LOGIN_CSG_SHIFT);
	if (transit)
		flags |= (uint8_t)(ISCSI_LOGIN_TRANSIT | nsg);
	pdu_init(tx->bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, flags);
	tx->bhs[PDU_LOGIN_VERSION_MAX] = ISCSI_VERSION;
	tx->bhs[PDU_LOGIN_VERSION_MIN] = ISCSI_VERSION;
	memcpy(tx->bhs + PDU_LOGIN_ISID, s->isid, 6);
	put_be16(tx->bhs + PDU_LOGIN_TSIH, s->tsih);
	pdu_set_w(tx->bhs, PDU_ITT, s->itt);
	put_be16(tx->bhs + PDU_LOGIN_CID, s->cid);
	pdu_set_w(tx->bhs, PDU_INI_CMDSN, s->cmdsn);
	pdu_set_w(tx->bhs, PDU_INI_EXPSTATSN, s->exp_statsn);
	ipdu_tx_seal(tx, k ? k->buf : NULL, k ? (uint32_t)k->len : 0, false, false);
}

static bool carries_status(const uint8_t *bhs)
{
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_SCSI_RSP:
	case ISCSI_OP_TMF_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_ASYNC:
	case ISCSI_OP_REJECT:
	case ISCSI_OP_LOGIN_RSP:
		return true;
	case ISCSI_OP_DATA_IN:
		return (pdu_flags(bhs) & ISCSI_DATAIN_STATUS) != 0;
	case ISCSI_OP_NOP_IN:
		return pdu_itt(bhs) != ISCSI_TAG_RESERVED;
	default:
		return false;
	}
}

/* Answer the target's ping (§11.18: ITT reserved, its TTT and LUN echoed). */
static void answer_ping(struct ps_sess *s, const struct pw_pdu *p)
{
	struct ipdu_tx tx;
	ps_pdu(s, &tx, ISCSI_OP_NOP_OUT, true, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED);
	memcpy(tx.bhs + PDU_LUN, p->bhs + PDU_LUN, 8);
	pdu_set_w(tx.bhs, PDU_NOP_TTT, pdu_w(p->bhs, PDU_NOP_TTT));
	ipdu_tx_seal(&tx, NULL, 0, s->w.header_digest, s->w.data_digest);
	pw_send(&s->w, &tx, PW_CLEAN);
}

enum pw_rx ps_recv(struct ps_ctx *c, struct ps_sess *s, uint64_t timeout_ns, struct pw_pdu *p)
{
	(void)c;
	uint64_t end = pw_now_ns() + timeout_ns;
	for (;;) {
		uint64_t now = pw_now_ns();
		enum pw_rx r = pw_recv(&s->w, now < end ? end - now : 0, p);
		if (r != PW_PDU)
			return r;
		if (carries_status(p->bhs)) {
			s->exp_statsn = pdu_w(p->bhs, PDU_TGT_STATSN) + 1;
			s->have_statsn = true;
		}
		uint32_t exp = pdu_w(p->bhs, PDU_TGT_EXPCMDSN), max = pdu_w(p->bhs, PDU_TGT_MAXCMDSN);
		if (s->ffp && sn_le(exp - 1, max)) {
			if (sn_lt(s->exp_cmdsn, exp))
				s->exp_cmdsn = exp;
			if (sn_lt(s->max_cmdsn, max))
				s->max_cmdsn = max;
		}
		uint8_t op = pdu_opcode(p->bhs);
		if (s->ffp && op == ISCSI_OP_NOP_IN && pdu_itt(p->bhs) == ISCSI_TAG_RESERVED) {
			if (pdu_w(p->bhs, PDU_NOP_TTT) != ISCSI_TAG_RESERVED)
				answer_ping(s, p);
			continue;
		}
		if (s->ffp && op == ISCSI_OP_ASYNC)
			continue;
		return PW_PDU;
	}
}

static const char *rx_name(enum pw_rx r)
{
	switch (r) {
	case PW_PDU: return "a PDU";
	case PW_TIMEOUT: return "no answer";
	case PW_CLOSED: return "the connection closed";
	case PW_GARBLED: return "an unframeable byte stream";
	}
	return "?";
}

bool ps_expect(struct ps_ctx *c, struct ps_sess *s, uint8_t op, struct pw_pdu *p)
{
	enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, p);
	if (r != PW_PDU) {
		ps_fail(c, "expected %s, got %s", pdu_opcode_name(op), rx_name(r));
		return false;
	}
	if (pdu_opcode(p->bhs) != op) {
		char d[256];
		pw_describe(p->bhs, p->dsl, d, sizeof(d));
		ps_fail(c, "expected %s, got %s", pdu_opcode_name(op), d);
		return false;
	}
	return true;
}

bool ps_quiet(struct ps_ctx *c, struct ps_sess *s, uint64_t quiet_ns)
{
	struct pw_pdu p;
	return ps_recv(c, s, quiet_ns, &p) == PW_TIMEOUT;
}

bool ps_wait_closed(struct ps_ctx *c, struct ps_sess *s, uint64_t timeout_ns)
{
	uint64_t end = pw_now_ns() + timeout_ns;
	struct pw_pdu p;
	for (;;) {
		uint64_t now = pw_now_ns();
		if (now >= end)
			return false;
		enum pw_rx r = ps_recv(c, s, end - now, &p);
		if (r == PW_CLOSED || r == PW_GARBLED)
			return true;
		if (r == PW_TIMEOUT)
			return false;
	}
}

/* ---- SCSI ---- */

void ps_put_lun(uint8_t *bhs, uint64_t lun)
{
	/* SAM-5 §4.7: peripheral device addressing below 256, flat space up to 2^14. */
	memset(bhs + PDU_LUN, 0, 8);
	if (lun < 256) {
		bhs[PDU_LUN + 1] = (uint8_t)lun;
	} else {
		bhs[PDU_LUN] = (uint8_t)(0x40 | ((lun >> 8) & 0x3f));
		bhs[PDU_LUN + 1] = (uint8_t)lun;
	}
}

/* Send Data-Out for [off, off + len) under ttt, in PDUs of the target's MRDSL. */
static int send_data(struct ps_ctx *c, struct ps_sess *s, const struct ps_scsi *cmd, uint32_t ttt, uint32_t off,
	uint32_t len)
{
	uint32_t mrdsl = s->params.tgt_mrdsl ? s->params.tgt_mrdsl : ISCSI_MRDSL_DEFAULT;
	uint32_t sn = 0;
	while (len > 0) {
		uint32_t n = len < mrdsl ? len : mrdsl;
		struct ipdu_tx tx;
		ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, n == len ? ISCSI_FLAG_FINAL : 0, cmd->itt);
		ps_put_lun(tx.bhs, c->cfg->t1.lun);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, ttt);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_DATASN, sn++);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
		if (ps_send(c, s, &tx, cmd->buf + off, n, PW_CLEAN) != 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

int ps_scsi_run(struct ps_ctx *c, struct ps_sess *s, struct ps_scsi *cmd)
{
	const struct iparams *pa = &s->params;
	uint32_t mrdsl = pa->tgt_mrdsl ? pa->tgt_mrdsl : ISCSI_MRDSL_DEFAULT;
	uint32_t imm = 0, unsol = 0;
	if (cmd->write) {
		uint32_t first = cmd->len < pa->first_burst_length ? cmd->len : pa->first_burst_length;
		if (pa->immediate_data)
			imm = first < mrdsl ? first : mrdsl;
		if (!pa->initial_r2t)
			unsol = first - imm;
	}
	cmd->itt = ps_itt(s);
	struct ipdu_tx tx;
	uint8_t flags = (uint8_t)((unsol ? 0 : ISCSI_FLAG_FINAL) | (cmd->read ? ISCSI_CMD_READ : 0) |
		(cmd->write ? ISCSI_CMD_WRITE : 0) | 1 /* SIMPLE */);
	ps_pdu(s, &tx, ISCSI_OP_SCSI_CMD, false, flags, cmd->itt);
	ps_put_lun(tx.bhs, cmd->other_lun ? cmd->lun : c->cfg->t1.lun);
	pdu_set_w(tx.bhs, PDU_SCSI_CMD_EDTL, cmd->len);
	memcpy(tx.bhs + PDU_SCSI_CMD_CDB, cmd->cdb, 16);
	if (ps_send(c, s, &tx, cmd->buf, imm, PW_CLEAN) != 0)
		return -1;
	if (unsol > 0 && send_data(c, s, cmd, ISCSI_TAG_RESERVED, imm, unsol) != 0)
		return -1;
	cmd->data_in = 0;
	cmd->sense_len = 0;
	for (;;) {
		struct pw_pdu p;
		enum pw_rx r = ps_recv(c, s, PS_RECV_TIMEOUT_NS, &p);
		if (r != PW_PDU) {
			ps_fail(c, "SCSI command 0x%02x: %s before its status", cmd->cdb[0], rx_name(r));
			return -1;
		}
		uint8_t op = pdu_opcode(p.bhs);
		if (pdu_itt(p.bhs) != cmd->itt && op != ISCSI_OP_REJECT) {
			char d[256];
			pw_describe(p.bhs, p.dsl, d, sizeof(d));
			ps_fail(c, "SCSI command 0x%02x: unexpected %s", cmd->cdb[0], d);
			return -1;
		}
		switch (op) {
		case ISCSI_OP_R2T:
			if (send_data(c, s, cmd, pdu_w(p.bhs, PDU_R2T_TTT), pdu_w(p.bhs, PDU_R2T_BUFFER_OFFSET),
				    pdu_w(p.bhs, PDU_R2T_DESIRED_LENGTH)) != 0)
				return -1;
			break;
		case ISCSI_OP_DATA_IN: {
			uint32_t off = pdu_w(p.bhs, PDU_DATA_IN_BUFFER_OFFSET);
			if (cmd->buf != NULL && off <= cmd->len && p.dsl <= cmd->len - off)
				memcpy(cmd->buf + off, p.data, p.dsl);
			cmd->data_in += p.dsl;
			if (pdu_flags(p.bhs) & ISCSI_DATAIN_STATUS) {
				cmd->status = p.bhs[PDU_DATA_IN_STATUS];
				cmd->response = 0;
				cmd->rsp_flags = pdu_flags(p.bhs);
				cmd->residual = pdu_w(p.bhs, PDU_DATA_IN_RESIDUAL_COUNT);
				return 0;
			}
			break;
		}
		case ISCSI_OP_SCSI_RSP:
			cmd->status = p.bhs[PDU_SCSI_RSP_STATUS];
			cmd->response = p.bhs[PDU_SCSI_RSP_RESPONSE];
			cmd->rsp_flags = pdu_flags(p.bhs);
			cmd->residual = pdu_w(p.bhs, PDU_SCSI_RSP_RESIDUAL_COUNT);
			/* SenseLength (2 bytes), then the sense data (§11.4.7.2) */
			if (p.dsl >= 2) {
				uint32_t n = get_be16(p.data);
				n = n > p.dsl - 2 ? p.dsl - 2 : n;
				n = n > PS_SENSE_MAX ? PS_SENSE_MAX : n;
				memcpy(cmd->sense, p.data + 2, n);
				cmd->sense_len = (uint16_t)n;
			}
			return 0;
		default: {
			char d[256];
			pw_describe(p.bhs, p.dsl, d, sizeof(d));
			ps_fail(c, "SCSI command 0x%02x: unexpected %s", cmd->cdb[0], d);
			return -1;
		}
		}
	}
}

void ps_cdb_tur(struct ps_scsi *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
}

void ps_cdb_rw10(struct ps_scsi *cmd, bool write, uint32_t lba, uint16_t blocks, uint32_t block_size, uint8_t *buf)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->cdb[0] = write ? 0x2a : 0x28;
	put_be32(cmd->cdb + 2, lba);
	put_be16(cmd->cdb + 7, blocks);
	cmd->write = write;
	cmd->read = !write;
	cmd->buf = buf;
	cmd->len = (uint32_t)blocks * block_size;
}

int ps_capacity(struct ps_ctx *c, struct ps_sess *s)
{
	if (c->block_size != 0)
		return 0;
	uint8_t buf[8];
	struct ps_scsi cmd;
	memset(&cmd, 0, sizeof(cmd));
	cmd.cdb[0] = 0x25; /* READ CAPACITY(10), SBC-3 §5.15 */
	cmd.read = true;
	cmd.buf = buf;
	cmd.len = sizeof(buf);
	for (int tries = 0; tries < 4; tries++) {
		/* A first command may meet a unit attention (SAM-5 §5.14): ask again. */
		if (ps_scsi_run(c, s, &cmd) != 0)
			return -1;
		if (cmd.status == 0 && cmd.data_in == sizeof(buf)) {
			c->block_size = get_be32(buf + 4);
			c->blocks = (uint64_t)get_be32(buf) + 1;
			if (c->block_size == 0 || c->block_size > 65536) {
				ps_fail(c, "READ CAPACITY: block size %u", c->block_size);
				return -1;
			}
			return 0;
		}
	}
	ps_fail(c, "READ CAPACITY(10) failed: status 0x%02x", cmd.status);
	return -1;
}

int ps_answer_r2t(struct ps_ctx *c, struct ps_sess *s, const struct pw_pdu *r2t)
{
	static const uint8_t zeros[ISCSI_MRDSL_DEFAULT];
	uint32_t mrdsl = s->params.tgt_mrdsl ? s->params.tgt_mrdsl : ISCSI_MRDSL_DEFAULT;
	if (mrdsl > sizeof(zeros))
		mrdsl = sizeof(zeros);
	uint32_t off = pdu_w(r2t->bhs, PDU_R2T_BUFFER_OFFSET), len = pdu_w(r2t->bhs, PDU_R2T_DESIRED_LENGTH);
	for (uint32_t sn = 0; len > 0; sn++) {
		uint32_t n = len < mrdsl ? len : mrdsl;
		struct ipdu_tx tx;
		ps_pdu(s, &tx, ISCSI_OP_DATA_OUT, false, n == len ? ISCSI_FLAG_FINAL : 0, pdu_itt(r2t->bhs));
		memcpy(tx.bhs + PDU_LUN, r2t->bhs + PDU_LUN, 8);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_TTT, pdu_w(r2t->bhs, PDU_R2T_TTT));
		pdu_set_w(tx.bhs, PDU_DATA_OUT_DATASN, sn);
		pdu_set_w(tx.bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
		if (ps_send(c, s, &tx, zeros, n, PW_CLEAN) != 0)
			return -1;
		off += n;
		len -= n;
	}
	return 0;
}

int ps_send_targets(struct ps_ctx *c, struct ps_sess *s, const char *value, uint32_t *itt, struct pw_pdu *p)
{
	struct ps_keys k;
	ps_keys_reset(&k);
	ps_key(&k, "SendTargets", value);
	struct ipdu_tx tx;
	*itt = ps_itt(s);
	ps_pdu(s, &tx, ISCSI_OP_TEXT_REQ, false, ISCSI_FLAG_FINAL, *itt);
	pdu_set_w(tx.bhs, PDU_TEXT_TTT, ISCSI_TAG_RESERVED);
	if (ps_send(c, s, &tx, k.buf, (uint32_t)k.len, PW_CLEAN) != 0)
		return -1;
	return ps_expect(c, s, ISCSI_OP_TEXT_RSP, p) ? 0 : -1;
}
