/* harness session: the whole engine (engine.h) as a peer meets it: a
 * login, then any sequence of PDUs of every opcode, raw bytes, stream
 * splitting at any boundary (rt_on_bytes and the zero-copy receive),
 * disk completions in any order or failing, time passing (NOP-In pings,
 * timeouts), connections lost and reinstated, a second connection (MC/S),
 * the N-th allocation failing, and a graceful shutdown.
 *
 * Input: an option byte (bit 0: no automatic login, the records log in
 * themselves; bit 1: a discovery session; bit 2: fail the allocation
 * numbered by the next byte times 8), two fz_cfg bytes, a login-keys byte
 * (fz_world_keys), a split plan, then records of a type byte (its value
 * picks a kind through rec_kind[], PDUs the most often):
 *   0 a PDU: an opcode choice, a fix byte (immediate, F, whether CmdSN,
 *     ExpStatSN, ITT and LUN are the right ones or raw, whether bytes 20..47
 *     are raw, an AHS) and a 16-bit data length with the data; a SNACK
 *     not raw is one of the four types about our tasks and the numbers
 *     in use, its ExpStatSN 0..7 behind (a byte), as after a loss (the
 *     keys byte's bit 7 asks for ErrorRecoveryLevel 1, with bit 3 for 2);
 *   1 the right next Data-Out for one of our writes;
 *   2 complete one disk I/O (OK or an error);   3 complete all;
 *   4 time passes;   5 a new split plan;   6 raw bytes;
 *   7 the connection is lost, a new one logs in (session reinstatement);
 *     at ErrorRecoveryLevel 2 (keys byte bits 7 and 3) the connection is
 *     lost or reinstated instead, its tasks waiting for a TASK REASSIGN
 *     (a TMF record with function 8 names one of them: sess_reinstate);
 *   8 switch to / log in a second connection to the same session;
 *   9 the target shuts down gracefully.
 *
 * Oracles: fz_wire on every PDU of every connection (well-formed answers
 * our decoder accepts, StatSN and the CmdSN window; at ERL 1 copies sent
 * at a SNACK keep their StatSN and skip the model), fz_model per
 * connection for every SCSI command the tap saw us send (status once,
 * Data-In and R2T order and bounds, nothing after ABORT TASK), fz_env
 * (bounded memory, disk I/O inside the LU and only for LUs of the
 * session's nexus: the open target never reaches LU 2), fz_world (once the
 * connections are gone and the disk drained, nothing of the sessions
 * remains). The same engine will run in sim/'s environment: only
 * fz_world.c would change.
 */
#include <string.h>

#include "core/pdu.h"
#include "fz.h"
#include "fz_model.h"
#include "fz_world.h"

#define OPT_RAW_LOGIN 0x01u
#define OPT_DISCOVERY 0x02u
#define OPT_ALLOC_FAILS 0x04u

#define FIX_IMMEDIATE 0x01u
#define FIX_F 0x02u
#define FIX_RAW_CMDSN 0x04u
#define FIX_RAW_EXPSTATSN 0x08u
#define FIX_RAW_ITT 0x10u
#define FIX_RAW_LUN 0x20u
#define FIX_RAW_REST 0x40u
#define FIX_AHS 0x80u

enum { REC_PDU, REC_DATA_OUT, REC_DISK_ONE, REC_DISK_ALL, REC_TICK, REC_SPLIT, REC_RAW, REC_RECONNECT,
       REC_OTHER_CONN, REC_SHUTDOWN };
/* A record's type byte picks a kind with these weights (out of 32): PDUs
 * most of the time; a login (reconnect, second connection) costs as much
 * as dozens of PDUs, so those are rare and at most LOGINS_MAX per run. */
static const uint8_t rec_kind[32] = {
	REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU,
	REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_PDU, REC_DATA_OUT, REC_DATA_OUT, REC_DATA_OUT, REC_DATA_OUT,
	REC_DISK_ONE, REC_DISK_ONE, REC_DISK_ALL, REC_TICK, REC_TICK, REC_SPLIT, REC_RAW, REC_RAW, REC_RAW,
	REC_RECONNECT, REC_OTHER_CONN, REC_SHUTDOWN,
};
#define LOGINS_MAX 6u

/* What a PDU record may be: every initiator opcode, Login in full feature
 * phase, a target opcode, and any byte. */
static const uint8_t opcodes[] = {
	ISCSI_OP_NOP_OUT, ISCSI_OP_SCSI_CMD, ISCSI_OP_SCSI_CMD, ISCSI_OP_SCSI_CMD, ISCSI_OP_TMF_REQ,
	ISCSI_OP_TEXT_REQ, ISCSI_OP_DATA_OUT, ISCSI_OP_LOGOUT_REQ, ISCSI_OP_SNACK, ISCSI_OP_LOGIN_REQ,
	ISCSI_OP_R2T,
};
#define OPCODE_RAW 0xffu

struct sess {
	struct fz_world w;        /* first: callbacks get the world */
	struct fz_model m[FZ_WORLD_CONNS];
	unsigned cur;             /* the connection records go to */
	unsigned opt;
	unsigned logins;          /* logins this run (LOGINS_MAX) */
	uint8_t keys_byte;
	uint32_t cmd_sn;          /* the session's next CmdSN */
	uint32_t itt;
	uint32_t lost_itt[FZ_MODEL_TASKS]; /* tasks of the last connection lost at ERL 2 */
	unsigned nlost;
	uint8_t data[65536];
};

static struct fz_model *sess_model(struct fz_conn *c)
{
	struct sess *s = (struct sess *)c->w;
	return &s->m[c - s->w.conns];
}

static void sess_pdu(struct fz_conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct fz_model *m = sess_model(c);
	if (c->tap_lost)
		m->blind = true;
	fz_model_pdu(m, bhs, data, len);
}

/* Whatever we sent, framed by the tap: the model learns our commands. */
static void sess_sent(struct fz_conn *c, const uint8_t *hdr)
{
	struct fz_model *m = sess_model(c);
	switch (pdu_opcode(hdr)) {
	case ISCSI_OP_SCSI_CMD:
		if (!fz_world_cmd_taken(c->w, c, hdr))
			break; /* ignored (§4.2.2.1): never answered */
		if (!fz_world_itt_live(c->w, c, pdu_itt(hdr)))
			fz_model_ended(m, pdu_itt(hdr)); /* e.g. a LU or target reset took it */
		if (fz_model_command(m, hdr) == NULL)
			m->blind = true; /* more in flight than it holds */
		break;
	case ISCSI_OP_TMF_REQ:
		if ((hdr[PDU_FLAGS] & ISCSI_FUNCTION_MASK) == ISCSI_TMF_ABORT_TASK)
			fz_model_abort(m, pdu_itt(hdr), pdu_w(hdr, PDU_TMF_REF_TASK_TAG));
		break;
	default:
		break;
	}
}

static struct fz_conn *sess_conn(struct sess *s)
{
	return &s->w.conns[s->cur];
}

/* Log connection k in (join: to the session of the other one). */
static void sess_login(struct sess *s, unsigned k, bool join)
{
	if (s->logins++ >= LOGINS_MAX)
		return;
	char keys[512];
	uint32_t klen = fz_world_keys(keys, sizeof(keys), s->keys_byte);
	struct fz_conn *c = fz_world_accept(&s->w, k);
	fz_model_init(&s->m[k], s->w.z.fe.disk, s->w.z.fe.disk_size);
	if (c == NULL)
		return;
	if (s->opt & OPT_RAW_LOGIN)
		return;
	unsigned t = (s->opt & OPT_DISCOVERY) ? FZ_T_DISCOVERY : FZ_T_OPEN;
	if (fz_world_login(&s->w, c, t, keys, klen, s->cmd_sn, join) == 0) {
		s->m[k].params = c->sess_params;
		s->m[k].max_xmit = c->params.max_recv_dsl;
	}
}

/* The current connection is lost, or reinstated while alive, at
 * ErrorRecoveryLevel 2 (erl2.h): its tasks wait in the target for TASK
 * REASSIGN (their ITTs kept for the TMF records). With a second
 * connection up (MC/S) the current one is lost and records go to the
 * survivor; otherwise the other slot logs in with the session's TSIH and
 * the lost connection's CID and ExpStatSN (§6.3.4), after closing it
 * (every other time) or while it is still up (the target drops it). The
 * new connection's model is blind: the reassigned tasks' PDUs come on it
 * for commands it never saw. */
static void sess_reinstate(struct sess *s)
{
	unsigned k = s->cur, j = (k + 1) % FZ_WORLD_CONNS;
	struct fz_conn *old = sess_conn(s);
	const struct fz_model *om = &s->m[k];
	s->nlost = 0;
	for (unsigned i = 0; i < FZ_MODEL_TASKS; i++)
		if (om->task[i].used)
			s->lost_itt[s->nlost++] = om->task[i].itt;
	uint16_t cid = old->cid;
	uint32_t exp = old->wire.stat_sn;
	bool survivor = s->w.conns[j].open;
	if (survivor || (s->logins & 1u))
		fz_world_close(&s->w, old);
	s->cur = j;
	if (survivor) {
		s->m[j].blind = true;
		return;
	}
	if (s->logins++ >= LOGINS_MAX)
		return;
	char keys[512];
	uint32_t klen = fz_world_keys(keys, sizeof(keys), s->keys_byte);
	struct fz_conn *c = fz_world_accept(&s->w, j);
	fz_model_init(&s->m[j], s->w.z.fe.disk, s->w.z.fe.disk_size);
	s->m[j].blind = true;
	if (c == NULL)
		return;
	c->cid = cid;
	c->login_exp_stat_sn = exp;
	if (fz_world_login(&s->w, c, FZ_T_OPEN, keys, klen, s->cmd_sn, true) == 0) {
		s->m[j].params = c->sess_params;
		s->m[j].max_xmit = c->params.max_recv_dsl;
	}
}

/* NOP-Out and Text Request carry their Target Transfer Tag at one place. */
static_assert(PDU_NOP_TTT == PDU_TEXT_TTT, "one TTT for NOP-Out and Text Request");

/* Fill bytes 20..47 for the opcode, as a well-behaved initiator would. */
static void sess_fields(struct fz_conn *c, uint8_t *bhs, struct fz_in *in)
{
	struct fz_model *m = sess_model(c);
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_SCSI_CMD:
		pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, fz_u16(in));
		fz_copy(in, bhs + PDU_SCSI_CMD_CDB, ISCSI_CDB_LEN);
		break;
	case ISCSI_OP_TMF_REQ: { /* RTT: one of our tasks */
		uint8_t pick = fz_u8(in);
		const struct fz_task *t = &m->task[pick % FZ_MODEL_TASKS];
		pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, t->used ? t->itt : ISCSI_TAG_RESERVED);
		pdu_set_w(bhs, PDU_TMF_REFCMDSN, t->cmd_sn);
		/* TASK REASSIGN (§11.5.1): one of the tasks of the connection
		 * lost last, with an ExpDataSN of 0..3 (§11.5.6) */
		const struct sess *s = (const struct sess *)c->w;
		if ((bhs[PDU_FLAGS] & ISCSI_FUNCTION_MASK) == ISCSI_TMF_TASK_REASSIGN && s->nlost > 0) {
			pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, s->lost_itt[pick % s->nlost]);
			pdu_set_w(bhs, PDU_TMF_EXPDATASN, (pick >> 4) & 3u);
		}
		break;
	}
	case ISCSI_OP_NOP_OUT:
	case ISCSI_OP_TEXT_REQ: /* one TTT field for both: the static_assert above */
		pdu_set_w(bhs, PDU_NOP_TTT, (fz_u8(in) & 1u) ? c->wire.stat_sn : ISCSI_TAG_RESERVED);
		break;
	case ISCSI_OP_LOGOUT_REQ:
		put_be16(bhs + PDU_LOGOUT_CID, (uint16_t)(fz_u8(in) % FZ_WORLD_CONNS));
		break;
	case ISCSI_OP_SNACK: { /* §11.16: one of the four types, about what was sent */
		const struct fz_task *t = &m->task[fz_u8(in) % FZ_MODEL_TASKS];
		uint8_t type = bhs[PDU_FLAGS] & 3u, how = fz_u8(in);
		bhs[PDU_FLAGS] = ISCSI_FLAG_FINAL | type;
		bool task = type == ISCSI_SNACK_DATA_R2T || type == ISCSI_SNACK_RDATA;
		pdu_set_w(bhs, PDU_ITT, task && t->used ? t->itt : ISCSI_TAG_RESERVED);
		uint32_t tag = type == ISCSI_SNACK_DATA_ACK ? c->wire.ack_ttt :
			       type == ISCSI_SNACK_RDATA ? 1u + how : ISCSI_TAG_RESERVED;
		pdu_set_w(bhs, PDU_SNACK_TTT, tag);
		uint32_t beg = type == ISCSI_SNACK_STATUS ? c->wire.stat_sn - 1u - (how & 7u) :
			       type == ISCSI_SNACK_DATA_ACK ? c->wire.ack_sn : how & 7u;
		if (type == ISCSI_SNACK_RDATA || (how & 0x80u))
			beg = 0; /* R-Data: BegRun 0; else sometimes "all unacknowledged" */
		pdu_set_w(bhs, PDU_SNACK_BEGRUN, beg);
		uint32_t run = (how >> 3) & 3u;
		pdu_set_w(bhs, PDU_SNACK_RUNLENGTH, type == ISCSI_SNACK_DATA_ACK || type == ISCSI_SNACK_RDATA ? 0 : run);
		break;
	}
	default:
		break;
	}
}

static void sess_record_pdu(struct sess *s, struct fz_in *in)
{
	struct fz_conn *c = sess_conn(s);
	uint8_t pick = fz_u8(in), fix = fz_u8(in);
	uint8_t op = pick < sizeof(opcodes) * 16 ? opcodes[pick % sizeof(opcodes)] : OPCODE_RAW;
	if (op == OPCODE_RAW)
		op = fz_u8(in);
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t flags = fz_u8(in);
	if (fix & FIX_F)
		flags |= ISCSI_FLAG_FINAL;
	fz_world_bhs(c, bhs, (uint8_t)(op | ((fix & FIX_IMMEDIATE) ? ISCSI_FLAG_IMMEDIATE : 0)), flags, 0);
	if (fix & FIX_RAW_LUN)
		fz_copy(in, bhs + PDU_LUN, 8);
	else
		put_be64(bhs + PDU_LUN, (uint64_t)(fz_u8(in) & 3u) << 48);
	pdu_set_w(bhs, PDU_ITT, (fix & FIX_RAW_ITT) ? fz_u32(in) : s->itt++);
	if (fix & FIX_RAW_REST)
		fz_copy(in, bhs + PDU_OPCODE_SPECIFIC, ISCSI_BHS_LEN - PDU_OPCODE_SPECIFIC);
	else
		sess_fields(c, bhs, in);
	bool numbered = op != ISCSI_OP_DATA_OUT && op != ISCSI_OP_SNACK;
	if (fix & FIX_RAW_CMDSN)
		fz_copy(in, bhs + PDU_INI_CMDSN, 4);
	else if (numbered)
		pdu_set_w(bhs, PDU_INI_CMDSN, s->cmd_sn);
	if (fix & FIX_RAW_EXPSTATSN)
		fz_copy(in, bhs + PDU_INI_EXPSTATSN, 4);
	else if (op == ISCSI_OP_SNACK) /* what was lost is not acknowledged (a byte: 0..7 back) */
		pdu_set_w(bhs, PDU_INI_EXPSTATSN, c->wire.stat_sn - (fz_u8(in) & 7u));
	else
		pdu_set_w(bhs, PDU_INI_EXPSTATSN, c->wire.stat_sn);
	uint8_t ahs[ISCSI_AHS_MAX_LEN];
	uint32_t ahs_len = (fix & FIX_AHS) ? 4u * (fz_u8(in) % 8u) : 0;
	fz_copy(in, ahs, ahs_len);
	size_t len;
	const uint8_t *p = fz_bytes(in, fz_u16(in) % sizeof(s->data), &len);
	memcpy(s->data, p, len);
	fz_world_send(&s->w, c, bhs, ahs, ahs_len, s->data, (uint32_t)len);
	/* §4.2.2.1: a non-immediate command takes a CmdSN. */
	if (numbered && !(fix & (FIX_RAW_CMDSN | FIX_IMMEDIATE)))
		s->cmd_sn++;
}

static void sess_record_data_out(struct sess *s, struct fz_in *in)
{
	struct fz_conn *c = sess_conn(s);
	struct fz_model *m = sess_model(c);
	struct fz_task *t = &m->task[fz_u8(in) % FZ_MODEL_TASKS];
	uint32_t max = fz_u16(in);
	struct fz_data_out o;
	if (c->open && t->used && fz_model_next_data_out(m, t, max ? max : UINT32_MAX, &o))
		fz_world_data_out(&s->w, c, t, 0, &o);
}

static void sess_record(struct sess *s, struct fz_in *in)
{
	struct fz_conn *c = sess_conn(s);
	switch (rec_kind[fz_u8(in) % sizeof(rec_kind)]) {
	case REC_PDU:
		sess_record_pdu(s, in);
		break;
	case REC_DATA_OUT:
		sess_record_data_out(s, in);
		break;
	case REC_DISK_ONE:
		fz_disk_complete(&s->w.z, s->w.eng, fz_u8(in), (enum rt_disk_status)(fz_u8(in) % 5u));
		fz_world_check(&s->w);
		break;
	case REC_DISK_ALL:
		fz_disk_run(&s->w.z, s->w.eng);
		fz_world_check(&s->w);
		break;
	case REC_TICK:
		fz_world_tick(&s->w, fz_u16(in));
		break;
	case REC_SPLIT:
		fz_split_read(&c->split, in);
		break;
	case REC_RAW: {
		size_t len;
		const uint8_t *p = fz_bytes(in, fz_u16(in), &len);
		memcpy(s->data, p, len < sizeof(s->data) ? len : sizeof(s->data));
		fz_world_raw(&s->w, c, s->data, len < sizeof(s->data) ? len : sizeof(s->data));
		break;
	}
	case REC_RECONNECT:
		/* at ERL 2 a connection is recovered, below it the session */
		if (c->open && c->logged_in && !(s->opt & (OPT_RAW_LOGIN | OPT_DISCOVERY)) &&
		    c->sess_params.error_recovery_level == 2)
			sess_reinstate(s);
		else
			sess_login(s, s->cur, false);
		break;
	case REC_OTHER_CONN:
		s->cur = (s->cur + 1) % FZ_WORLD_CONNS;
		if (!sess_conn(s)->open)
			sess_login(s, s->cur, true);
		break;
	default:
		rt_engine_shutdown(s->w.eng);
		fz_world_check(&s->w);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sess s;
	struct fz_in in;
	fz_in_init(&in, data, size);
	s.opt = fz_u8(&in);
	long fail_at = (s.opt & OPT_ALLOC_FAILS) ? 8L * fz_u8(&in) : -1;
	fz_world_init(&s.w, &in);
	s.w.on_pdu = sess_pdu;
	s.w.on_sent = sess_sent;
	s.keys_byte = fz_u8(&in);
	s.cur = 0;
	s.logins = 0;
	s.cmd_sn = 1;
	s.itt = 0x1000;
	s.nlost = 0;
	sess_login(&s, 0, false);
	fz_split_read(&sess_conn(&s)->split, &in);
	/* From here on the N-th allocation may fail: the engine must answer
	 * it (Reject, BUSY, a dropped connection), not crash or leak. */
	if (fail_at >= 0)
		s.w.z.fe.fail_alloc_at = s.w.z.fe.allocs + fail_at;
	while (!fz_done(&in))
		sess_record(&s, &in);
	fz_world_check(&s.w);
	fz_world_fini(&s.w);
	return 0;
}
