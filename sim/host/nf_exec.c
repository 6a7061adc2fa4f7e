/* host/nf_exec: runs a network fuzzing case against the target, then the
 * liveness probe (host/netfuzz.h). Host code: sockets and the real clock,
 * through host/pwire; the clock only bounds waits, it never picks a byte.
 *
 * The probe runs while the case's connections are still open (a target
 * wedged by a half-finished exchange recovers once it is closed), on a
 * connection of its own: connect (refused: crash), login (no answer:
 * wedge; refused: degraded), TEST UNIT READY and a READ of the protected
 * blocks (no answer: hang; failed: degraded; other bytes: data).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/host/isim.h"
#include "sim/host/netfuzz.h"

#define NF_PROBE_UA_TRIES 4u      /* unit attentions a probe command may meet first (SAM-5 §5.14) */
#define NF_RESTART_POLL_NS (100ull * 1000000ull)
#define NF_MS 1000000ull
#define NF_CONFIRM_NS (50ull * NF_MS) /* before a failed probe's second connect */

/* What a case's step needs to know of its connection beyond struct ps_sess. */
struct nf_conn {
	uint32_t last_itt, last_cmdsn; /* the last task started (NF_FIX_ITT_NEW) */
	uint32_t r2t_ttt, r2t_off;
	uint32_t text_ttt, text_itt;   /* the Text exchange under way */
	uint32_t login_itt;
	bool have_login_itt;
};

static struct {
	struct ps_ctx ctx;              /* the case's connections: ctx.s[conn] */
	struct nf_conn conn[NF_CONNS_MAX];
	struct ps_sess *flood;          /* NF_FLOOD_MAX, allocated once */
	unsigned nflood;
	struct ps_ctx probe;
	uint32_t block_size;            /* learnt by nf_setup */
} nf;

/* The protected blocks' bytes: a function of the block and the offset alone. */
static uint8_t pattern_byte(uint32_t lba, uint32_t i)
{
	return (uint8_t)((lba * 131u + i * 7u + 0x5au) ^ (i >> 8) ^ 0xa5u);
}

static void fill_pattern(uint8_t *buf, uint32_t block_size)
{
	for (uint32_t b = 0; b < NF_PROTECT_BLOCKS; b++)
		for (uint32_t i = 0; i < block_size; i++)
			buf[b * block_size + i] = pattern_byte(NF_PROTECT_LBA + b, i);
}

static void login_cfg(const struct nf_config *cfg, uint32_t flags, struct ilogin_cfg *lc)
{
	const struct ps_config *k = &cfg->ps;
	*lc = (struct ilogin_cfg){
		.initiator_name = (flags & NF_LOGIN_OTHER) ? NF_INITIATOR_B : NF_INITIATOR,
		.target_name = k->t1.iqn,
		.chap_user = k->chap_user[0] ? k->chap_user : NULL,
		.chap_secret = k->chap_secret,
		.target_user = k->mutual_user[0] ? k->mutual_user : NULL,
		.target_secret = k->mutual_secret,
		.chap_algs = "5", /* MD5: the one every target has (§12.1.3) */
		.mrdsl = ISCSI_MRDSL_DEFAULT,
		.max_burst_length = 262144,
		.first_burst_length = 65536,
		.max_outstanding_r2t = 1,
		.initial_r2t = !(flags & NF_LOGIN_UNSOL),
		.immediate_data = !(flags & NF_LOGIN_NOIMM),
	};
}

static int open_sess(struct ps_ctx *c, struct ps_sess *s, const uint8_t isid[6], uint16_t cid, uint32_t itt,
	uint32_t cmdsn, uint64_t timeout_ns, char *why, size_t cap)
{
	memset(s, 0, sizeof(*s));
	const struct ps_target *t = &c->cfg->t1;
	/* allow_remote false whatever the configuration: the fuzzer's rule. */
	if (pw_connect(&s->w, &host_mem, t->host, t->port, false, timeout_ns, c->deadline_ns, why, cap) != 0)
		return -1;
	s->used = true;
	memcpy(s->isid, isid, 6);
	s->cid = cid;
	s->itt = itt ? itt : 1;
	s->cmdsn = cmdsn;
	iparams_default(&s->params);
	return 0;
}

/* A Normal login, at most max_ex exchanges (0: to the end); 0 when in full feature phase. */
static int do_login(struct ps_ctx *c, struct ps_sess *s, struct nf_conn *nc, const struct ilogin_cfg *lc,
	unsigned max_ex, uint64_t timeout_ns)
{
	static struct ilogin l;
	struct ipdu_tx tx;
	uint32_t itt = ps_itt(s);
	nc->login_itt = itt;
	nc->have_login_itt = true;
	enum ilogin_result r = ilogin_start(&l, lc, &c->rng, s->isid, s->tsih, s->cid, itt, s->cmdsn, &tx);
	for (unsigned ex = 0; r == ILOGIN_SEND; ex++) {
		if (max_ex != 0 && ex >= max_ex)
			return 1;
		if (pw_send(&s->w, &tx, PW_CLEAN) != 0)
			return -1;
		struct pw_pdu p;
		enum pw_rx rx = ps_recv(c, s, timeout_ns, &p);
		if (rx != PW_PDU) {
			snprintf(c->detail, sizeof(c->detail), "login: %s", rx == PW_TIMEOUT ? "no answer" : "connection closed");
			return rx == PW_TIMEOUT ? -2 : -1;
		}
		if (pdu_opcode(p.bhs) != ISCSI_OP_LOGIN_RSP) {
			snprintf(c->detail, sizeof(c->detail), "login: answered by opcode 0x%02x", pdu_opcode(p.bhs));
			return -1;
		}
		r = ilogin_on_rsp(&l, p.bhs, p.data, p.dsl, &tx);
	}
	s->login_status = l.status;
	if (r != ILOGIN_DONE) {
		snprintf(c->detail, sizeof(c->detail), "login refused: %s (status 0x%04x)", l.why ? l.why : "?", l.status);
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

/* ---- the steps ---- */

static void learn(struct ps_sess *s, struct nf_conn *nc, const struct pw_pdu *p)
{
	switch (pdu_opcode(p->bhs)) {
	case ISCSI_OP_R2T:
		nc->r2t_ttt = pdu_w(p->bhs, PDU_R2T_TTT);
		nc->r2t_off = pdu_w(p->bhs, PDU_R2T_BUFFER_OFFSET);
		break;
	case ISCSI_OP_TEXT_RSP:
		nc->text_ttt = pdu_w(p->bhs, PDU_TEXT_TTT);
		break;
	case ISCSI_OP_LOGIN_RSP: {
		/* A login made of NF_PDU steps (discovery, broken keys) that got through. */
		uint8_t f = pdu_flags(p->bhs);
		s->tsih = get_be16(p->bhs + PDU_LOGIN_TSIH);
		if (get_be16(p->bhs + PDU_LOGIN_STATUS) == 0 && (f & ISCSI_LOGIN_TRANSIT) &&
			(f & ISCSI_LOGIN_STAGE_MASK) == ISCSI_STAGE_FULL_FEATURE) {
			s->ffp = true;
			s->exp_cmdsn = pdu_w(p->bhs, PDU_TGT_EXPCMDSN);
			s->max_cmdsn = pdu_w(p->bhs, PDU_TGT_MAXCMDSN);
		}
		break;
	}
	default:
		break;
	}
}

static void step_recv(struct ps_ctx *c, struct ps_sess *s, struct nf_conn *nc, uint32_t ms)
{
	uint64_t end = pw_now_ns() + (uint64_t)ms * NF_MS;
	for (;;) {
		uint64_t now = pw_now_ns();
		if (now >= end)
			return;
		struct pw_pdu p;
		if (ps_recv(c, s, end - now, &p) != PW_PDU)
			return;
		learn(s, nc, &p);
	}
}

static void step_pdu(struct ps_ctx *c, struct ps_sess *s, struct nf_conn *nc, const struct nf_step *st)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	memcpy(bhs, st->bhs, sizeof(bhs));
	uint8_t op = pdu_opcode(bhs);
	/* The referenced task first: a TMF's own ITT is new, the task it names the last one. */
	if (st->fix & NF_FIX_RTT) {
		pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, nc->last_itt);
		pdu_set_w(bhs, PDU_TMF_REFCMDSN, nc->last_cmdsn);
	}
	if (st->fix & NF_FIX_ITT_LAST) /* the exchange a Text Request continues, else the last task */
		pdu_set_w(bhs, PDU_ITT, op == ISCSI_OP_TEXT_REQ ? nc->text_itt : nc->last_itt);
	if (st->fix & NF_FIX_ITT_NEW) {
		uint32_t itt = ps_itt(s);
		pdu_set_w(bhs, PDU_ITT, itt);
		if (op == ISCSI_OP_SCSI_CMD) { /* a task: what later Data-Out and TMFs name */
			nc->last_itt = itt;
			nc->last_cmdsn = s->cmdsn;
		} else if (op == ISCSI_OP_TEXT_REQ) {
			nc->text_itt = itt;
		}
	}
	if (st->fix & NF_FIX_LOGIN) {
		if (!nc->have_login_itt) {
			nc->login_itt = ps_itt(s);
			nc->have_login_itt = true;
		}
		memcpy(bhs + PDU_LOGIN_ISID, s->isid, 6);
		put_be16(bhs + PDU_LOGIN_TSIH, s->tsih);
		put_be16(bhs + PDU_LOGIN_CID, s->cid);
		pdu_set_w(bhs, PDU_ITT, nc->login_itt);
	}
	if (st->fix & NF_FIX_CMDSN) {
		pdu_set_w(bhs, PDU_INI_CMDSN, s->cmdsn);
		if (!pdu_immediate(bhs) && op != ISCSI_OP_DATA_OUT && op != ISCSI_OP_SNACK && op != ISCSI_OP_LOGIN_REQ)
			s->cmdsn++;
	}
	if (st->fix & NF_FIX_EXPSTATSN)
		pdu_set_w(bhs, PDU_INI_EXPSTATSN, s->exp_statsn);
	if (st->fix & NF_FIX_LUN)
		ps_put_lun(bhs, c->cfg->t1.lun);
	if (st->fix & NF_FIX_TTT_R2T)
		pdu_set_w(bhs, PDU_DATA_OUT_TTT, nc->r2t_ttt);
	if (st->fix & NF_FIX_OFF_R2T)
		pdu_set_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET, pdu_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET) + nc->r2t_off);
	if (st->fix & NF_FIX_TTT_TEXT)
		pdu_set_w(bhs, PDU_TEXT_TTT, nc->text_ttt);
	if (st->fix & NF_FIX_DSL) {
		/* A well-framed PDU, whatever its fields say: the oracle watches on. */
		struct ipdu_tx tx;
		memcpy(tx.bhs, bhs, sizeof(bhs));
		ipdu_tx_seal(&tx, st->data, st->len, s->w.header_digest, s->w.data_digest);
		pw_send(&s->w, &tx, PW_BROKEN);
		return;
	}
	/* The DataSegmentLength as written: the BHS and the bytes go out raw. */
	if (pw_send_raw(&s->w, bhs, sizeof(bhs), PW_HIDDEN) == 0 && st->len > 0)
		pw_send_raw(&s->w, st->data, st->len, PW_HIDDEN);
}

static void step_flood(struct ps_ctx *c, const struct nf_config *cfg, const struct nf_step *st)
{
	if (nf.flood == NULL) {
		nf.flood = calloc(NF_FLOOD_MAX, sizeof(*nf.flood));
		if (nf.flood == NULL)
			return;
	}
	struct ilogin_cfg lc;
	login_cfg(cfg, st->flags, &lc);
	for (uint32_t i = 0; i < st->arg && nf.nflood < NF_FLOOD_MAX; i++) {
		struct ps_sess *s = &nf.flood[nf.nflood];
		uint8_t isid[6];
		memcpy(isid, st->isid, 6);
		isid[5] = (uint8_t)(isid[5] + i);
		char why[256];
		if (open_sess(c, s, isid, (uint16_t)i, 1, 1, cfg->probe_timeout_ns, why, sizeof(why)) != 0)
			return;
		nf.nflood++;
		if (st->flags & NF_FLOOD_LOGIN) {
			struct nf_conn nc;
			memset(&nc, 0, sizeof(nc));
			do_login(c, s, &nc, &lc, 0, cfg->probe_timeout_ns);
		}
	}
}

static void run_step(const struct nf_config *cfg, const struct nf_step *st)
{
	struct ps_ctx *c = &nf.ctx;
	struct ps_sess *s = &c->s[st->conn];
	struct nf_conn *nc = &nf.conn[st->conn];
	char why[256];
	switch (st->op) {
	case NF_CONNECT:
		if (s->used)
			ps_disconnect(s);
		memset(nc, 0, sizeof(*nc));
		open_sess(c, s, st->isid, st->cid, st->itt, st->cmdsn, cfg->probe_timeout_ns, why, sizeof(why));
		return;
	case NF_FLOOD:
		step_flood(c, cfg, st);
		return;
	default:
		break;
	}
	if (!s->used || s->w.closed)
		return; /* a step on a connection the case never opened (or lost): nothing to do */
	switch (st->op) {
	case NF_LOGIN: {
		struct ilogin_cfg lc;
		login_cfg(cfg, st->flags, &lc);
		struct ps_sess *lead = &c->s[st->arg2 % NF_CONNS_MAX];
		if ((st->flags & NF_LOGIN_JOIN) && lead != s && lead->used) {
			/* MC/S: the leading connection's ISID and TSIH (§6.3.4). */
			memcpy(s->isid, lead->isid, 6);
			s->tsih = lead->tsih;
		}
		do_login(c, s, nc, &lc, st->arg, cfg->probe_timeout_ns);
		return;
	}
	case NF_PDU:
		step_pdu(c, s, nc, st);
		return;
	case NF_RAW:
		pw_send_raw(&s->w, st->data, st->len, PW_HIDDEN);
		return;
	case NF_RECV:
		step_recv(c, s, nc, st->arg < NF_RECV_MS_MAX ? st->arg : NF_RECV_MS_MAX);
		return;
	case NF_CLOSE:
		ps_disconnect(s);
		return;
	case NF_CONNECT:
	case NF_FLOOD:
	case NF_OP_COUNT:
		return;
	}
}

/* ---- the probe ---- */

static bool refused(const char *why)
{
	return strstr(why, "refused") != NULL || strstr(why, "reset") != NULL;
}

/* One SCSI command of the probe within the probe's bound; its class. */
static enum nf_class probe_cmd(struct ps_ctx *c, struct ps_sess *s, const struct nf_config *cfg, struct ps_scsi *cmd,
	const char *what, char *detail, size_t cap)
{
	for (unsigned i = 0; i < NF_PROBE_UA_TRIES; i++) {
		s->w.deadline_ns = pw_now_ns() + cfg->probe_timeout_ns;
		c->deadline_ns = s->w.deadline_ns;
		if (ps_scsi_run(c, s, cmd) != 0) {
			bool hang = strstr(c->detail, "no answer") != NULL;
			snprintf(detail, cap, "probe %s: %.1800s", what, c->detail);
			return hang ? NF_HANG : NF_DEGRADED;
		}
		if (cmd->status == 0)
			return NF_OK;
		if (cmd->status != 0x02 /* CHECK CONDITION: maybe a unit attention */)
			break;
	}
	snprintf(detail, cap, "probe %s: status 0x%02x response %u", what, cmd->status, cmd->response);
	return NF_DEGRADED;
}

static enum nf_class probe(const struct nf_config *cfg, uint64_t index, char *detail, size_t cap)
{
	struct ps_ctx *c = &nf.probe;
	memset(c, 0, sizeof(*c));
	c->cfg = &cfg->ps;
	rng_stream(&c->rng, cfg->seed, "netfuzz.probe", (uint32_t)index);
	c->deadline_ns = pw_now_ns() + cfg->probe_timeout_ns;
	struct ps_sess *s = &c->s[0];
	uint8_t isid[6] = { 0x80, 0x4e, 0x46, 0x50, 0, 0 }; /* "NFP": the probe's own, random qualifier */
	uint64_t r = rng_next(&c->rng);
	isid[4] = (uint8_t)r;
	isid[5] = (uint8_t)(r >> 8);
	char why[256];
	if (open_sess(c, s, isid, 0, (uint32_t)(r >> 16) | 1, (uint32_t)(r >> 32), cfg->probe_timeout_ns, why,
		    sizeof(why)) != 0) {
		snprintf(detail, cap, "probe: %s", why);
		return refused(why) ? NF_CRASH : NF_WEDGE;
	}
	struct ilogin_cfg lc;
	login_cfg(cfg, 0, &lc);
	lc.initiator_name = NF_INITIATOR_PROBE;
	struct nf_conn nc;
	memset(&nc, 0, sizeof(nc));
	int lr = do_login(c, s, &nc, &lc, 0, cfg->probe_timeout_ns);
	enum nf_class cls = NF_OK;
	if (lr != 0) {
		snprintf(detail, cap, "probe %.1900s", c->detail);
		cls = lr == -2 ? NF_WEDGE : NF_DEGRADED;
	}
	struct ps_scsi cmd;
	if (cls == NF_OK) {
		ps_cdb_tur(&cmd);
		cls = probe_cmd(c, s, cfg, &cmd, "TEST UNIT READY", detail, cap);
	}
	if (cls == NF_OK && nf.block_size != 0) {
		static uint8_t got[NF_PROTECT_BLOCKS * 65536u], want[NF_PROTECT_BLOCKS * 65536u];
		uint32_t n = NF_PROTECT_BLOCKS * nf.block_size;
		memset(got, 0, n);
		ps_cdb_rw10(&cmd, false, NF_PROTECT_LBA, NF_PROTECT_BLOCKS, nf.block_size, got);
		cls = probe_cmd(c, s, cfg, &cmd, "READ(10) of the protected blocks", detail, cap);
		fill_pattern(want, nf.block_size);
		if (cls == NF_OK && memcmp(got, want, n) != 0) {
			uint32_t at = 0;
			while (at < n && got[at] == want[at])
				at++;
			snprintf(detail, cap, "probe: protected block %u byte %u reads 0x%02x, written 0x%02x",
				NF_PROTECT_LBA + at / nf.block_size, at % nf.block_size, got[at], want[at]);
			cls = NF_DATA;
		}
	}
	if (cls == NF_OK) {
		s->w.deadline_ns = pw_now_ns() + cfg->probe_timeout_ns;
		c->deadline_ns = s->w.deadline_ns;
		ps_logout(c, s); /* a courtesy: its answer is not the probe's business */
	}
	ps_disconnect(s);
	if (cls != NF_OK) {
		/* A connect the kernel accepted into the listen backlog says
		 * nothing of the process behind it: a target that died while
		 * the probe was under way refuses the next one. */
		pw_sleep_ns(NF_CONFIRM_NS);
		struct pwire *w = &c->s[1].w;
		if (pw_connect(w, &host_mem, cfg->ps.t1.host, cfg->ps.t1.port, false, cfg->probe_timeout_ns,
			    pw_now_ns() + cfg->probe_timeout_ns, why, sizeof(why)) != 0 && refused(why)) {
			size_t n = strlen(detail);
			snprintf(detail + n, cap - n, ", then %s", why);
			cls = NF_CRASH;
		}
		pw_close(w);
	}
	return cls;
}

/* ---- the public functions ---- */

int nf_setup(const struct nf_config *cfg, char *why, size_t cap)
{
	struct ps_ctx *c = &nf.probe;
	memset(c, 0, sizeof(*c));
	c->cfg = &cfg->ps;
	rng_stream(&c->rng, cfg->seed, "netfuzz.setup", 0);
	c->deadline_ns = pw_now_ns() + 4 * cfg->probe_timeout_ns + 10ull * 1000 * NF_MS;
	struct ps_sess *s = &c->s[0];
	uint8_t isid[6] = { 0x80, 0x4e, 0x46, 0x53, 0, 1 }; /* "NFS": setup */
	if (open_sess(c, s, isid, 0, 1, 1, cfg->probe_timeout_ns, why, cap) != 0)
		return -1;
	struct ilogin_cfg lc;
	login_cfg(cfg, 0, &lc);
	lc.initiator_name = NF_INITIATOR_PROBE;
	struct nf_conn nc;
	memset(&nc, 0, sizeof(nc));
	int rc = -1;
	if (do_login(c, s, &nc, &lc, 0, cfg->probe_timeout_ns) != 0) {
		snprintf(why, cap, "setup %.400s", c->detail);
	} else if (ps_capacity(c, s) != 0) {
		snprintf(why, cap, "setup: %.400s", c->detail);
	} else if (c->blocks < NF_PROTECT_LBA + NF_PROTECT_BLOCKS) {
		snprintf(why, cap, "the LU has %llu blocks: the fuzzer needs %u (it keeps a pattern at LBA %u)",
			(unsigned long long)c->blocks, NF_PROTECT_LBA + NF_PROTECT_BLOCKS, NF_PROTECT_LBA);
	} else {
		static uint8_t buf[NF_PROTECT_BLOCKS * 65536u];
		fill_pattern(buf, c->block_size);
		struct ps_scsi cmd;
		ps_cdb_rw10(&cmd, true, NF_PROTECT_LBA, NF_PROTECT_BLOCKS, c->block_size, buf);
		if (ps_scsi_run(c, s, &cmd) != 0 || cmd.status != 0) {
			snprintf(why, cap, "setup: writing the pattern: %.400s (status 0x%02x)", c->detail, cmd.status);
		} else {
			nf.block_size = c->block_size;
			ps_logout(c, s);
			rc = 0;
		}
	}
	ps_disconnect(s);
	return rc;
}

void nf_run(const struct nf_config *cfg, const struct nf_case *kase, struct nf_outcome *out)
{
	struct ps_ctx *c = &nf.ctx;
	memset(c, 0, sizeof(*c));
	memset(nf.conn, 0, sizeof(nf.conn));
	memset(out, 0, sizeof(*out));
	c->cfg = &cfg->ps;
	/* Only login's CHAP challenges draw from it (mutual CHAP). */
	rng_stream(&c->rng, kase->seed, "netfuzz.exec", (uint32_t)kase->index);
	c->deadline_ns = pw_now_ns() + cfg->case_timeout_ns;
	for (unsigned i = 0; i < kase->n && pw_now_ns() < c->deadline_ns; i++)
		run_step(cfg, &kase->steps[i]);
	/* The oracle's word on the case's own connections, when it came
	 * before the oracle objected to anything the case sent: after such
	 * an objection its model of the exchange may differ from the
	 * target's, and a target's answer to a broken PDU is not judged by
	 * a model of unbroken ones. */
	for (unsigned i = 0; i < NF_CONNS_MAX && out->cls == NF_OK; i++)
		if (c->s[i].used && c->s[i].w.target_fault[0] != '\0' && !c->s[i].w.target_fault_after_broken) {
			out->cls = NF_PROTOCOL;
			snprintf(out->detail, sizeof(out->detail), "connection %u: protocol oracle: %s", i,
				c->s[i].w.target_fault);
		}
	char pd[PS_DETAIL_MAX];
	enum nf_class pc = probe(cfg, kase->index, pd, sizeof(pd));
	if (pc > out->cls) {
		out->cls = pc;
		snprintf(out->detail, sizeof(out->detail), "%s", pd);
	}
	size_t len = 0;
	for (unsigned i = 0; i < NF_CONNS_MAX; i++) {
		struct ps_sess *s = &c->s[i];
		if ((out->cls != NF_OK || cfg->verbose) && s->w.nlog > 0 && len + 64 < sizeof(out->pdus)) {
			int n = snprintf(out->pdus + len, sizeof(out->pdus) - len, "  connection %u:\n", i);
			len += n > 0 ? (size_t)n : 0;
			pw_log_text(&s->w, out->pdus + len, sizeof(out->pdus) - len);
			len += strlen(out->pdus + len);
		}
		ps_disconnect(s);
	}
	for (unsigned i = 0; i < nf.nflood; i++)
		ps_disconnect(&nf.flood[i]);
	nf.nflood = 0;
}

bool nf_wait_back(const struct nf_config *cfg)
{
	uint64_t end = pw_now_ns() + cfg->restart_wait_ns;
	while (pw_now_ns() < end) {
		struct pwire w;
		char why[256];
		if (pw_connect(&w, &host_mem, cfg->ps.t1.host, cfg->ps.t1.port, false, NF_RESTART_POLL_NS, end, why,
			    sizeof(why)) == 0) {
			pw_close(&w);
			return true;
		}
		pw_sleep_ns(NF_RESTART_POLL_NS);
	}
	return false;
}
