/* fz_world: see fz_world.h. */
#include "fz_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn.h"
#include "core/engine_int.h"
#include "core/pdu.h"
#include "core/session.h"
#include "core/task.h"
#include "core/text.h"
#include "fz_model.h"
#include "scsi/scsi.h"

#define NS_PER_MS 1000000ull

/* Memory one connection and one session may hold at most, from the
 * engine's own limits: the receive staging buffer, the largest data
 * segment we accept, login/text buffers (RT_TEXT_MAX each way), held early
 * PDUs (SESS_EARLY_MAX) and task buffers (the session's memory share,
 * session_mem_max_bytes, core/mem.h), what ERL 1 keeps for SNACK
 * (RT_RCV_BYTES_MAX and RT_RCV_PDUS_MAX headers of at most 128 bytes,
 * core/recovery.h); 1 MiB covers the fixed structures (tasks, tx
 * batches). */
static size_t fz_world_bound(const struct rt_config *cfg)
{
	size_t mrdsl = cfg->params.max_recv_data_segment_length;
	size_t per_conn = 64u * 1024u + mrdsl + 4u * RT_TEXT_MAX + (1u << 20) + RT_RCV_BYTES_MAX + RT_RCV_PDUS_MAX * 128u;
	size_t per_sess = cfg->params.session_mem_max_bytes + SESS_EARLY_MAX * (mrdsl + 256u) + (1u << 20);
	return FZ_WORLD_CONNS * (per_conn + per_sess);
}

/* The value of key in a Login Response's text is value. */
static bool fz_answer_is(const uint8_t *data, uint32_t len, const char *key, const char *value)
{
	struct text_iter it;
	struct text_pair p;
	text_iter_init(&it, data, len);
	while (text_next(&it, &p) == TEXT_OK)
		if (text_key_is(&p, key))
			return text_value_is(&p, value);
	return false;
}

static void fz_world_pdu(void *ctx, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct fz_conn *c = ctx;
	if (pdu_opcode(bhs) == ISCSI_OP_LOGIN_RSP && pdu_itt(bhs) == c->login_itt) {
		c->login_status = get_be16(bhs + PDU_LOGIN_STATUS);
		c->tsih = get_be16(bhs + PDU_LOGIN_TSIH);
		c->hd = fz_answer_is(data, len, "HeaderDigest", "CRC32C");
		c->dd = fz_answer_is(data, len, "DataDigest", "CRC32C");
	}
	/* A copy sent again at a SNACK's request (fz_wire_erl) was checked
	 * for form; the harness's model saw the original. */
	if (c->w->on_pdu && !c->wire.resent)
		c->w->on_pdu(c, bhs, data, len);
}

/* The tap: the initiator's own bytes framed again as the engine gets
 * them, so the digests in force are the engine's at each PDU start and
 * on_sent sees the engine as it stands when that PDU arrives (every byte
 * before it delivered: sess_cmd_sn_check's verdict is the engine's). It
 * pauses after every PDU to read them again; after a final Login Request
 * (T=1, NSG=3) followed by more bytes in the same chunk it cannot know
 * whether digests start at those bytes, and gives up (tap_lost). */
static enum rx_verdict tap_header(void *owner, struct rx *rx, bool hdr_ok, uint8_t **dst)
{
	struct fz_conn *c = owner;
	*dst = NULL;
	if (!hdr_ok) {
		c->tap_lost = true; /* the engine drops the connection here too */
		return RX_STOP;
	}
	if (c->w->on_sent)
		c->w->on_sent(c, rx->hdr);
	return RX_GO;
}

static enum rx_verdict tap_pdu(void *owner, struct rx *rx, bool data_ok)
{
	(void)owner;
	(void)rx;
	(void)data_ok;
	return RX_STOP; /* pause: fz_tap resumes after reading the digests again */
}

static const struct rx_ops tap_ops = {.header = tap_header, .pdu = tap_pdu};

static bool tap_final_login(const uint8_t *hdr)
{
	return pdu_opcode(hdr) == ISCSI_OP_LOGIN_REQ && (hdr[PDU_FLAGS] & ISCSI_LOGIN_TRANSIT) &&
	       (hdr[PDU_FLAGS] & ISCSI_LOGIN_STAGE_MASK) == ISCSI_STAGE_FULL_FEATURE;
}

/* Deliver a chunk to the engine through the tap: each PDU's bytes go in
 * (in the split plan's pieces) only once the tap has told on_sent of the
 * PDU; everything before it is in the engine then, and what the engine
 * answered to it has been read. */
static void fz_deliver(struct fz_world *w, struct fz_conn *c, const uint8_t *p, size_t n)
{
	size_t off = 0, fed = 0;
	while (off < n && !c->tap_lost) {
		if (off > fed) {
			fz_feed(w->eng, c->id, p + fed, off - fed, &c->split);
			fed = off;
			fz_world_check(w); /* its answers, before the next PDU */
			if (!c->open)
				return; /* the engine closed it: the rest goes nowhere */
		}
		const struct conn *ec = eng_conn_find(w->eng, c->id);
		if (ec == NULL)
			break;
		if (c->tap.state == RX_STOPPED) {
			if (tap_final_login(c->tap.hdr)) {
				c->tap_lost = true;
				break;
			}
			c->tap.state = RX_BHS; /* rx_enter left got at 0 */
		}
		if (c->tap.state == RX_BHS && c->tap.got == 0) {
			c->tap.header_digest = ec->rx.header_digest;
			c->tap.data_digest = ec->rx.data_digest;
		}
		off += rx_feed(&c->tap, p + off, n - off);
	}
	/* A chunk ended right after a final login: the next starts afresh. */
	if (c->tap.state == RX_STOPPED)
		c->tap.state = RX_BHS;
	if (n > fed)
		fz_feed(w->eng, c->id, p + fed, n - fed, &c->split);
}

void fz_world_init(struct fz_world *w, struct fz_in *in)
{
	struct fz_wire wires[FZ_WORLD_CONNS];
	for (unsigned k = 0; k < FZ_WORLD_CONNS; k++)
		wires[k] = w->conns[k].wire;
	memset(w, 0, sizeof(*w));
	fz_cfg_init(&w->cfg, in);
	fz_env_init(&w->z, &w->cfg.cfg, fz_cfg_disk_size());
	w->eng = rt_engine_create(fz_rt_env(&w->z), &w->cfg.cfg);
	FZ_CHECK(w->eng != NULL, "rt_engine_create failed");
	w->base_bytes = w->z.fe.live_bytes;
	w->z.live_max = w->base_bytes + fz_world_bound(&w->cfg.cfg);
	for (unsigned k = 0; k < FZ_WORLD_CONNS; k++) {
		struct fz_conn *c = &w->conns[k];
		c->w = w;
		c->id = k + 1; /* a fake_env connection slot */
		c->wire = wires[k];
		if (c->wire.data == NULL)
			fz_wire_init(&c->wire, FZ_INI_MRDSL, fz_world_pdu, c);
	}
}

static void fz_conn_end(struct fz_world *w, struct fz_conn *c)
{
	if (c->open)
		fz_world_close(w, c);
}

/* Deadlines fz_world_fini lets pass for sessions still waiting at ERL 2:
 * a record's discard each (RT_ERL2_FAILED_CONNS_MAX per session at most,
 * for two connections' sessions) and the session's end. */
#define FZ_FINI_ROUNDS 32u

void fz_world_fini(struct fz_world *w)
{
	for (unsigned k = 0; k < FZ_WORLD_CONNS; k++)
		fz_conn_end(w, &w->conns[k]);
	fz_disk_run(&w->z, w->eng);
	/* ERL 2: a session whose last connection failed waits DefaultTime2Wait
	 * + DefaultTime2Retain for a new one (erl2.h): time passes until its
	 * tasks and copies are discarded. The records are few (bounded by
	 * RT_ERL2_FAILED_CONNS_MAX per session): a round each at most. */
	for (unsigned round = 0; w->eng->sessions != NULL && round < FZ_FINI_ROUNDS; round++) {
		uint64_t d = rt_next_deadline(w->eng);
		if (d == UINT64_MAX)
			break;
		if (d > w->z.fe.now_ns)
			w->z.fe.now_ns = d;
		rt_on_time(w->eng);
		fz_disk_run(&w->z, w->eng);
	}
	/* A session without connections ends; once its I/O is back, nothing
	 * of it may remain (DESIGN.md: bounded state, no leaks). */
	FZ_CHECK(w->eng->nconns == 0 && w->eng->sessions == NULL,
		 "%u connections, sessions %s left after every connection closed", w->eng->nconns,
		 w->eng->sessions ? "still" : "not");
	FZ_CHECK(w->z.fe.live_bytes == w->base_bytes, "engine holds %zu bytes, %zu when created",
		 w->z.fe.live_bytes, w->base_bytes);
	rt_engine_destroy(w->eng);
	fz_env_fini(&w->z);
}

struct fz_conn *fz_world_accept(struct fz_world *w, unsigned k)
{
	struct fz_conn *c = &w->conns[k % FZ_WORLD_CONNS];
	fz_conn_end(w, c);
	struct fake_conn *fc = &w->z.fe.conns[c->id];
	fc->closed = false;
	fc->out_len = 0;
	if (rt_on_accept(w->eng, c->id, 0, NULL) != 0) {
		const struct fake_env *f = &w->z.fe;
		bool failed_alloc = f->fail_alloc_at >= 0 && f->allocs > f->fail_alloc_at;
		FZ_CHECK(w->eng->shutting_down || failed_alloc, "accept refused by a running engine");
		return NULL;
	}
	rx_init(&c->tap, &tap_ops, c);
	c->tap_lost = false;
	fz_wire_reset(&c->wire, FZ_INI_MRDSL);
	c->open = true;
	c->logged_in = false;
	c->hd = c->dd = false;
	c->tsih = 0;
	c->cid = (uint16_t)(c - w->conns);
	c->login_exp_stat_sn = 0;
	c->login_status = -1;
	return c;
}

uint16_t fz_world_login(struct fz_world *w, struct fz_conn *c, unsigned t, const char *keys,
			uint32_t keys_len, uint32_t cmd_sn, bool join)
{
	static char text[RT_TEXT_MAX];
	const char *who = t == FZ_T_ACL ? FZ_ACL_INITIATOR : FZ_INITIATOR;
	int n = t < FZ_T_COUNT ? snprintf(text, sizeof(text), "InitiatorName=%s%cSessionType=Normal%cTargetName=%s",
					  who, 0, 0, fz_target_name(t))
			       : snprintf(text, sizeof(text), "InitiatorName=%s%cSessionType=Discovery", who, 0);
	FZ_CHECK(n > 0 && (size_t)n + 1 + keys_len <= sizeof(text), "login text too long");
	memcpy(text + n + 1, keys, keys_len);
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE,
		 ISCSI_LOGIN_TRANSIT | (ISCSI_STAGE_OPERATIONAL << ISCSI_LOGIN_CSG_SHIFT) | ISCSI_STAGE_FULL_FEATURE);
	memcpy(bhs + PDU_LOGIN_ISID, "\x80\x00\x00\x01\x02\x03", 6); /* ISID: random type, as open-iscsi */
	if (join)
		put_be16(bhs + PDU_LOGIN_TSIH, w->conns[(c - w->conns + 1) % FZ_WORLD_CONNS].tsih);
	c->login_itt = 0x10000u + c->cid;
	pdu_set_w(bhs, PDU_ITT, c->login_itt);
	put_be16(bhs + PDU_LOGIN_CID, c->cid);
	pdu_set_w(bhs, PDU_INI_CMDSN, cmd_sn);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, c->login_exp_stat_sn);
	c->login_status = -1;
	fz_world_send(w, c, bhs, NULL, 0, text, (uint32_t)n + 1 + keys_len);
	if (c->login_status != 0 || !c->open)
		return c->login_status < 0 ? 0xffff : (uint16_t)c->login_status;
	c->logged_in = true;
	const struct conn *ec = eng_conn_find(w->eng, c->id);
	FZ_CHECK(ec != NULL && ec->sess != NULL, "logged in without a session");
	c->params = ec->params;
	c->sess_params = ec->sess->params;
	FZ_CHECK(c->hd == c->params.header_digest && c->dd == c->params.data_digest,
		 "digests answered %d/%d, in force %d/%d", c->hd, c->dd, c->params.header_digest,
		 c->params.data_digest);
	fz_wire_digests(&c->wire, c->hd, c->dd);
	fz_wire_erl(&c->wire, c->sess_params.error_recovery_level);
	return 0;
}

bool fz_world_cmd_taken(const struct fz_world *w, const struct fz_conn *c, const uint8_t *bhs)
{
	const struct conn *ec = c->open ? eng_conn_find(w->eng, c->id) : NULL;
	if (ec == NULL || ec->sess == NULL || pdu_opcode(bhs) != ISCSI_OP_SCSI_CMD)
		return true;
	return sess_cmd_sn_check(ec->sess, pdu_w(bhs, PDU_INI_CMDSN), pdu_immediate(bhs)) != SN_IGNORE;
}

bool fz_world_itt_live(const struct fz_world *w, const struct fz_conn *c, uint32_t itt)
{
	const struct conn *ec = c->open ? eng_conn_find(w->eng, c->id) : NULL;
	if (ec == NULL || ec->sess == NULL)
		return false;
	for (const struct task *t = ec->sess->active; t; t = t->next)
		if (t->itt == itt && !t->aborted)
			return true;
	return false;
}

void fz_world_check(struct fz_world *w)
{
	for (unsigned k = 0; k < FZ_WORLD_CONNS; k++) {
		struct fz_conn *c = &w->conns[k];
		if (!c->open)
			continue;
		fz_wire_take(&c->wire, &w->z.fe, c->id);
		if (w->z.fe.conns[c->id].closed)
			c->open = false;
	}
}

void fz_world_raw(struct fz_world *w, struct fz_conn *c, const uint8_t *p, size_t n)
{
	if (c->open)
		fz_deliver(w, c, p, n);
	fz_world_check(w);
}

void fz_world_send(struct fz_world *w, struct fz_conn *c, const uint8_t *bhs, const uint8_t *ahs,
		   uint32_t ahs_len, const void *data, uint32_t len)
{
	static uint8_t *buf;
	static size_t cap;
	size_t need = FZ_FRAME_MAX(ahs_len, len);
	if (need > cap) {
		free(buf);
		buf = malloc(need);
		FZ_CHECK(buf != NULL, "out of memory");
		cap = need;
	}
	size_t n = fz_frame(buf, bhs, ahs, ahs_len, data, len, c->hd, c->dd);
	fz_world_raw(w, c, buf, n);
}

void fz_world_tick(struct fz_world *w, uint32_t ms)
{
	w->z.fe.now_ns += ms * NS_PER_MS;
	if (rt_next_deadline(w->eng) <= w->z.fe.now_ns)
		rt_on_time(w->eng);
	fz_world_check(w);
}

void fz_world_close(struct fz_world *w, struct fz_conn *c)
{
	fz_world_check(w);
	if (c->open)
		rt_on_conn_closed(w->eng, c->id);
	c->open = false;
}

unsigned fz_world_keys_erl(uint8_t k)
{
	/* bit 7: ERL 1, or 2 with bit 3 too (bit 3 is also FirstBurstLength:
	 * the byte has no bit left, and a level costs no more than a burst) */
	return (k & 128) ? ((k & 8) ? 2u : 1u) : 0u;
}

uint32_t fz_world_keys(char *out, size_t cap, uint8_t k)
{
	int n = snprintf(out, cap,
			 "ImmediateData=%s%cInitialR2T=%s%cMaxBurstLength=%u%cFirstBurstLength=%u%c"
			 "MaxOutstandingR2T=%u%cHeaderDigest=%s%cDataDigest=%s%c"
			 "MaxRecvDataSegmentLength=%u%cErrorRecoveryLevel=%u%c",
			 (k & 1) ? "No" : "Yes", 0, (k & 2) ? "No" : "Yes", 0, (k & 4) ? 8192u : 262144u, 0,
			 (k & 8) ? 4096u : 65536u, 0, (k & 16) ? 4u : 1u, 0, (k & 32) ? "CRC32C,None" : "None", 0,
			 (k & 64) ? "CRC32C,None" : "None", 0, FZ_INI_MRDSL, 0, fz_world_keys_erl(k), 0);
	FZ_CHECK(n > 0 && (size_t)n < cap, "keys do not fit");
	return (uint32_t)n;
}

void fz_world_bhs(const struct fz_conn *c, uint8_t *bhs, uint8_t op, uint8_t flags, uint64_t lun)
{
	pdu_init(bhs, op, flags);
	put_be64(bhs + PDU_LUN, scsi_lun_to_wire(lun));
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, c->wire.stat_sn);
}

void fz_world_data_out(struct fz_world *w, struct fz_conn *c, const struct fz_task *t, uint64_t lun,
		       const struct fz_data_out *o)
{
	static uint8_t data[ISCSI_MRDSL_MAX];
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t len = o->len < sizeof(data) ? o->len : (uint32_t)sizeof(data);
	fz_world_bhs(c, bhs, ISCSI_OP_DATA_OUT, o->final ? ISCSI_FLAG_FINAL : 0, lun);
	pdu_set_w(bhs, PDU_ITT, t->itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, o->ttt);
	pdu_set_w(bhs, PDU_DATA_OUT_DATASN, o->data_sn);
	pdu_set_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET, o->offset);
	for (uint32_t i = 0; i < len; i++)
		data[i] = fz_model_byte(t->seed, o->offset + i);
	fz_world_send(w, c, bhs, NULL, 0, data, len);
}
