/* infra/fproxy: see infra/fproxy.h. */
#include "sim/infra/fproxy.h"

#include <stdio.h>
#include <string.h>

#include "sim/base/time.h"
#include "sim/spec/scenario.h" /* scenario_format_time: the fault log writes times as scenarios do */

#define FPX_SEG_MARGIN 8u     /* segments kept free for the actions that end a feed */
#define FPX_MIN_PDU ISCSI_BHS_LEN /* a PDU is at least its BHS: one boundary per 48 bytes */

void fpx_init(struct fpx *x, const struct sim_mem *mem, uint64_t seed)
{
	memset(x, 0, sizeof(*x));
	x->mem = mem;
	x->seed = seed;
}

void fpx_fini(struct fpx *x)
{
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++)
		if (x->conns[i].open)
			fpx_close(x, (int)i);
}

bool fpx_add(struct fpx *x, const struct fpx_rule *r)
{
	if (x->nrules >= FPX_RULES_MAX)
		return false;
	x->rules[x->nrules++] = *r;
	return true;
}

/* The rules' spec language and the scenario mapping: infra/fproxy_spec.c. */

/* ---- connections ---- */

static void pipe_init(struct fpx *x, struct fpx_pipe *p, unsigned conn, enum fpx_dir d)
{
	memset(p, 0, sizeof(*p));
	ipdu_rx_init(&p->rx, x->mem, FPX_FRAME_DATA_MAX);
	p->rx.skip_bulk = true;
	p->framing = true;
	rng_stream(&p->rng, x->seed, d == FPX_TO_GW ? "proxy_to_gw" : "proxy_to_ini", conn);
	p->buf = sim_alloc(x->mem, FPX_PIPE_BYTES);
	p->segs = sim_alloc(x->mem, FPX_PIPE_SEGS * sizeof(struct fpx_seg));
}

static void pipe_fini(struct fpx *x, struct fpx_pipe *p)
{
	ipdu_rx_fini(&p->rx);
	sim_free(x->mem, p->buf, FPX_PIPE_BYTES);
	sim_free(x->mem, p->segs, FPX_PIPE_SEGS * sizeof(struct fpx_seg));
	p->buf = NULL;
	p->segs = NULL;
}

int fpx_open(struct fpx *x, uint64_t now)
{
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++) {
		struct fpx_conn *c = &x->conns[i];
		if (c->open)
			continue;
		memset(c, 0, sizeof(*c));
		c->open = true;
		c->idx = x->accepted++;
		c->opened_ns = now;
		pipe_init(x, &c->pipe[FPX_TO_GW], c->idx, FPX_TO_GW);
		pipe_init(x, &c->pipe[FPX_TO_INI], c->idx, FPX_TO_INI);
		return (int)i;
	}
	return -1;
}

void fpx_close(struct fpx *x, int slot)
{
	struct fpx_conn *c = &x->conns[slot];
	assert(c->open);
	pipe_fini(x, &c->pipe[0]);
	pipe_fini(x, &c->pipe[1]);
	c->open = false;
}

/* ---- the queue ---- */

static struct fpx_seg *seg_at(struct fpx_pipe *p, uint32_t i)
{
	return &p->segs[(p->seg_head + i) % FPX_PIPE_SEGS];
}

static void push_bytes(struct fpx_pipe *p, const uint8_t *b, uint32_t len)
{
	uint32_t tail = (p->head + p->used) % FPX_PIPE_BYTES;
	uint32_t first = FPX_PIPE_BYTES - tail < len ? FPX_PIPE_BYTES - tail : len;
	memcpy(p->buf + tail, b, first);
	memcpy(p->buf, b + first, len - first);
	p->used += len;
}

static void push_seg(struct fpx_pipe *p, enum fpx_act act, const uint8_t *b, uint32_t len, uint64_t release,
	bool solo)
{
	assert(p->used + len <= FPX_PIPE_BYTES);
	if (release < p->last_release)
		release = p->last_release; /* TCP keeps order */
	p->last_release = release;
	if (act == FPX_DELIVER && len == 0)
		return;
	if (act == FPX_DELIVER)
		push_bytes(p, b, len);
	if (act == FPX_DELIVER && p->seg_used > 0) {
		/* Merge with the last segment if it goes at the same time: a
		 * plain one with a plain one, a slice with its own rest. */
		struct fpx_seg *last = seg_at(p, p->seg_used - 1);
		if (last->act == FPX_DELIVER && last->solo == solo && (!solo || p->slice_cont) &&
			last->release_ns == release && last->held == p->holding) {
			last->len += len;
			return;
		}
	}
	assert(p->seg_used < FPX_PIPE_SEGS);
	*seg_at(p, p->seg_used) = (struct fpx_seg){ .act = act, .len = len, .release_ns = release, .solo = solo,
		.held = act == FPX_DELIVER && p->holding };
	p->seg_used++;
	if (act != FPX_DELIVER)
		p->ended = true;
}

/* ---- rules ---- */

static bool applies(const struct fpx_rule *r, const struct fpx_conn *c, enum fpx_dir d)
{
	return (r->dirs & FPX_DIR_BIT(d)) != 0 && (r->conn < 0 || (unsigned)r->conn == c->idx);
}

static bool active(const struct fpx_rule *r, uint64_t now)
{
	return now >= r->at_ns && (r->dur_ns == 0 || now - r->at_ns < r->dur_ns);
}

static const struct fpx_rule *slicer_of(const struct fpx *x, const struct fpx_conn *c, enum fpx_dir d,
	uint64_t now)
{
	for (unsigned i = 0; i < x->nrules; i++)
		if (x->rules[i].kind == FPX_SLICER && applies(&x->rules[i], c, d) && active(&x->rules[i], now))
			return &x->rules[i];
	return NULL;
}

size_t fpx_room(const struct fpx *x, int slot, enum fpx_dir d)
{
	const struct fpx_conn *c = &x->conns[slot];
	const struct fpx_pipe *p = &c->pipe[d];
	if (p->ended)
		return 0;
	uint32_t segs = FPX_PIPE_SEGS - p->seg_used;
	if (segs <= FPX_SEG_MARGIN)
		return 0;
	segs -= FPX_SEG_MARGIN;
	/* Each PDU boundary may start a segment, and each slice is one. The
	 * clock is not known here: any slicer rule counts. */
	uint32_t per = FPX_MIN_PDU;
	for (unsigned i = 0; i < x->nrules; i++)
		if (x->rules[i].kind == FPX_SLICER && applies(&x->rules[i], c, d) && x->rules[i].slice_min < per)
			per = x->rules[i].slice_min;
	uint64_t by_segs = (uint64_t)(segs / 2) * per;
	uint64_t by_bytes = FPX_PIPE_BYTES - p->used;
	return (size_t)(by_segs < by_bytes ? by_segs : by_bytes);
}

/* One line of the fault log: connection, direction, stream offset, PDU
 * index (1-based, "-" when the direction cannot be framed), the fault. */
static void logf_(struct fpx *x, const struct fpx_conn *c, enum fpx_dir d, uint64_t off, uint64_t pdu,
	const char *fault, const char *params)
{
	char line[FPX_LOG_LINE_MAX];
	const struct fpx_pipe *p = &c->pipe[d];
	char pdus[24] = "-";
	if (p->framing && !p->framing_lost)
		snprintf(pdus, sizeof(pdus), "%llu", (unsigned long long)pdu);
	snprintf(line, sizeof(line), "conn=%u dir=%s off=%llu pdu=%s fault=%s%s%s", c->idx, fpx_dir_name(d),
		(unsigned long long)off, pdus, fault, params[0] ? " " : "", params);
	x->faults_logged++;
	if (x->log != NULL)
		x->log(x->log_ctx, line);
}

static void rule_params(const struct fpx_rule *r, char *out, size_t cap)
{
	char a[32], b[32];
	switch (r->kind) {
	case FPX_LATENCY:
		scenario_format_time(a, sizeof(a), r->lat_ns);
		scenario_format_time(b, sizeof(b), r->jitter_ns);
		snprintf(out, cap, "lat=%s jitter=%s", a, b);
		return;
	case FPX_STALL:
	case FPX_PARTITION:
	case FPX_BLACKHOLE:
		scenario_format_time(a, sizeof(a), r->dur_ns);
		snprintf(out, cap, "for=%s", r->dur_ns ? a : "ever");
		return;
	case FPX_SLICER:
		scenario_format_time(a, sizeof(a), r->delay_ns);
		snprintf(out, cap, "min=%u max=%u delay=%s", r->slice_min, r->slice_max, a);
		return;
	case FPX_BANDWIDTH:
		snprintf(out, cap, "rate=%llu", (unsigned long long)r->rate);
		return;
	case FPX_LIMIT_DATA:
	case FPX_RESET:
		snprintf(out, cap, r->by_bytes ? "after=%llu" : "at_time", (unsigned long long)r->after);
		return;
	case FPX_CUT_PDU:
		snprintf(out, cap, "op=%s n=%llu", fpx_op_name(r->op), (unsigned long long)r->n);
		return;
	case FPX_HOLD_PDU:
		scenario_format_time(a, sizeof(a), r->lat_ns);
		snprintf(out, cap, "op=%s hold=%s", fpx_op_name(r->op), a);
		return;
	case FPX_KINDS:
		break;
	}
	out[0] = '\0';
}

static void log_rule(struct fpx *x, const struct fpx_conn *c, enum fpx_dir d, const struct fpx_rule *r,
	uint64_t off, uint64_t pdu)
{
	char params[160];
	rule_params(r, params, sizeof(params));
	logf_(x, c, d, off, pdu, r->name, params);
}

/* Log a rule the first time it touches this direction. */
static void log_once(struct fpx *x, struct fpx_conn *c, enum fpx_dir d, unsigned ri, uint64_t off,
	uint64_t pdu)
{
	struct fpx_pipe *p = &c->pipe[d];
	if (p->fired & (1ull << ri))
		return;
	p->fired |= 1ull << ri;
	log_rule(x, c, d, &x->rules[ri], off, pdu);
}

/* Whether the rule may still act on this connection (conns_max). */
static bool take_conn(struct fpx *x, struct fpx_conn *c, unsigned ri)
{
	const struct fpx_rule *r = &x->rules[ri];
	if (r->conns_max == 0)
		return true;
	uint64_t bit = 1ull << ri;
	if ((c->pipe[0].fired | c->pipe[1].fired | c->reset_fired) & bit)
		return true;
	if (x->rule_conns[ri] >= r->conns_max)
		return false;
	x->rule_conns[ri]++;
	return true;
}

/* The framer: feed up to len bytes; *pdu_end set with the opcode when a
 * PDU's last byte is among them. Digests are switched on after the login
 * response that negotiated them (§13.1: they apply from the first
 * full-feature PDU on). */
static size_t frame(struct fpx_pipe *p, struct fpx_pipe *other, const uint8_t *b, size_t len, bool *pdu_end,
	uint8_t *op)
{
	*pdu_end = false;
	if (!p->framing || p->framing_lost)
		return len;
	size_t used = 0;
	enum ipdu_rx_result res = ipdu_rx_feed(&p->rx, b, len, &used);
	if (res == IPDU_BAD_HDIGEST || res == IPDU_TOO_LONG || p->rx.state == IPDU_BROKEN) {
		p->framing_lost = true;
		return len;
	}
	if (res != IPDU_READY && res != IPDU_BAD_DDIGEST)
		return used;
	*pdu_end = true;
	*op = pdu_opcode(p->rx.bhs);
	p->pdus++;
	p->op_count[*op & 63]++;
	if (*op == ISCSI_OP_LOGIN_RSP && (p->rx.bhs[PDU_FLAGS] & ISCSI_LOGIN_TRANSIT) != 0 &&
		(p->rx.bhs[PDU_FLAGS] & ISCSI_LOGIN_STAGE_MASK) == 3) {
		const char *t = (const char *)p->rx.data;
		size_t n = p->rx.dsl;
		bool hd = memmem(t, n, "HeaderDigest=CRC32C", 19) != NULL;
		bool dd = memmem(t, n, "DataDigest=CRC32C", 17) != NULL;
		p->rx.header_digest = other->rx.header_digest = hd;
		p->rx.data_digest = other->rx.data_digest = dd;
	}
	return used;
}

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* When a chunk fed at now may go, by the rules that delay bytes; true if
 * a blackhole takes it. */
static bool release_of(struct fpx *x, struct fpx_conn *c, enum fpx_dir d, uint64_t now, uint64_t off,
	uint32_t len, bool pdu_end, uint8_t op, uint64_t *release)
{
	struct fpx_pipe *p = &c->pipe[d];
	uint64_t t = now;
	p->holding = false;
	uint64_t pdu = p->pdus + (pdu_end ? 0 : 1);
	for (unsigned i = 0; i < x->nrules; i++) {
		const struct fpx_rule *r = &x->rules[i];
		if (!applies(r, c, d) || (!active(r, now) && r->kind != FPX_HOLD_PDU))
			continue;
		switch (r->kind) {
		case FPX_BLACKHOLE:
			log_once(x, c, d, i, off, pdu);
			return true;
		case FPX_STALL:
		case FPX_PARTITION:
			log_once(x, c, d, i, off, pdu);
			p->holding = true;
			if (r->dur_ns == 0)
				t = SIM_NEVER;
			else
				t = max_u64(t, r->at_ns + r->dur_ns);
			break;
		case FPX_LATENCY:
			log_once(x, c, d, i, off, pdu);
			if (t != SIM_NEVER)
				t += r->lat_ns + (r->jitter_ns ? rng_below(&p->rng, r->jitter_ns + 1) : 0);
			break;
		case FPX_HOLD_PDU:
			if (pdu_end && op == r->op && active(r, now) && take_conn(x, c, i)) {
				log_rule(x, c, d, r, off + len, pdu);
				t = max_u64(t, now + r->lat_ns);
			}
			break;
		case FPX_BANDWIDTH:
			log_once(x, c, d, i, off, pdu);
			break;
		default:
			break;
		}
	}
	/* The link serializes: bandwidth after every other delay. */
	for (unsigned i = 0; i < x->nrules && t != SIM_NEVER; i++) {
		const struct fpx_rule *r = &x->rules[i];
		if (r->kind != FPX_BANDWIDTH || !applies(r, c, d) || !active(r, now))
			continue;
		uint64_t start = max_u64(max_u64(t, p->bw_free_at), p->last_release);
		p->bw_free_at = start + (uint64_t)len * SIM_S(1) / r->rate;
		t = p->bw_free_at;
	}
	*release = t;
	return false;
}

/* Queue a chunk, in slices if a slicer is on. */
static void queue_chunk(struct fpx *x, struct fpx_conn *c, enum fpx_dir d, uint64_t now, const uint8_t *b,
	uint32_t len, uint64_t release, uint64_t pdu)
{
	struct fpx_pipe *p = &c->pipe[d];
	const struct fpx_rule *s = slicer_of(x, c, d, now);
	if (s == NULL) {
		push_seg(p, FPX_DELIVER, b, len, release, false);
		return;
	}
	log_once(x, c, d, (unsigned)(s - x->rules), p->off_in, pdu);
	uint64_t t = max_u64(release, p->last_release);
	while (len > 0) {
		if (p->slice_left == 0) {
			p->slice_cont = false;
			p->slice_left = (uint32_t)rng_range(&p->rng, s->slice_min, s->slice_max);
			t += s->delay_ns;
		}
		uint32_t n = len < p->slice_left ? len : p->slice_left;
		push_seg(p, FPX_DELIVER, b, n, t, true);
		p->slice_cont = true;
		p->slice_left -= n;
		b += n;
		len -= n;
	}
}

/* The byte rules that end a connection inside this chunk: how many of
 * its bytes go before the end (len if none), and which end. */
static uint32_t end_within(struct fpx *x, struct fpx_conn *c, enum fpx_dir d, uint64_t off, uint32_t len,
	bool pdu_end, uint8_t op, enum fpx_act *act)
{
	struct fpx_pipe *p = &c->pipe[d];
	for (unsigned i = 0; i < x->nrules; i++) {
		const struct fpx_rule *r = &x->rules[i];
		if (!applies(r, c, d))
			continue;
		/* The chunk [off, off+len) reaches the byte count: the end goes
		 * right behind byte number after (the direction ends there). */
		if ((r->kind == FPX_LIMIT_DATA || (r->kind == FPX_RESET && r->by_bytes)) && off <= r->after &&
			r->after <= off + len && take_conn(x, c, i)) {
			*act = r->kind == FPX_LIMIT_DATA ? FPX_DO_CLOSE : FPX_DO_RESET;
			uint32_t keep = (uint32_t)(r->after - off);
			log_rule(x, c, d, r, r->after, p->pdus + 1);
			return keep;
		}
		if (r->kind == FPX_CUT_PDU && pdu_end && op == r->op && p->op_count[op & 63] == r->n &&
			take_conn(x, c, i)) {
			*act = FPX_DO_RESET;
			log_rule(x, c, d, r, off + len, p->pdus);
			return len;
		}
	}
	return len;
}

void fpx_feed(struct fpx *x, int slot, enum fpx_dir d, uint64_t now, const uint8_t *b, size_t len)
{
	struct fpx_conn *c = &x->conns[slot];
	struct fpx_pipe *p = &c->pipe[d];
	assert(p->ended || len <= fpx_room(x, slot, d)); /* once ended, bytes are only dropped */
	while (len > 0 && !p->ended) {
		bool pdu_end;
		uint8_t op = 0;
		uint32_t n = (uint32_t)frame(p, &c->pipe[d ^ 1], b, len, &pdu_end, &op);
		uint64_t off = p->off_in;
		enum fpx_act end = FPX_DELIVER;
		uint32_t keep = end_within(x, c, d, off, n, pdu_end, op, &end);
		uint64_t release;
		bool lost = release_of(x, c, d, now, off, keep, pdu_end, op, &release);
		if (!lost)
			queue_chunk(x, c, d, now, b, keep, release, p->pdus + (pdu_end ? 0 : 1));
		p->off_in += n;
		p->holding = false;
		if (end != FPX_DELIVER)
			push_seg(p, end, NULL, 0, lost ? now : release, false);
		b += n;
		len -= n;
	}
}

/* The source was reset at now: the queue ends before its first segment a
 * stall or partition still holds (TCP delivers in order: nothing after a
 * lost byte arrives either). */
static void drop_held(struct fpx *x, int slot, enum fpx_dir d, uint64_t now)
{
	struct fpx_conn *c = &x->conns[slot];
	struct fpx_pipe *p = &c->pipe[d];
	uint32_t i = 0;
	while (i < p->seg_used && !(seg_at(p, i)->held && seg_at(p, i)->release_ns > now))
		i++;
	if (i == p->seg_used)
		return;
	uint64_t bytes = 0;
	for (uint32_t k = i; k < p->seg_used; k++)
		bytes += seg_at(p, k)->len;
	assert(bytes <= p->used);
	p->used -= (uint32_t)bytes;
	p->seg_used = i;
	p->last_release = i > 0 ? seg_at(p, i - 1)->release_ns : now;
	char params[64];
	snprintf(params, sizeof(params), "bytes=%llu", (unsigned long long)bytes);
	logf_(x, c, d, p->off_in - bytes, p->pdus, "held_bytes_dropped_at_reset", params);
}

void fpx_source_end(struct fpx *x, int slot, enum fpx_dir d, uint64_t now, bool reset)
{
	struct fpx_pipe *p = &x->conns[slot].pipe[d];
	if (p->ended)
		return;
	if (reset)
		drop_held(x, slot, d, now);
	push_seg(p, reset ? FPX_DO_RESET : FPX_DO_CLOSE, NULL, 0,
		p->used > 0 ? p->last_release + FPX_END_DRAIN_NS : p->last_release, false);
}

bool fpx_tick(struct fpx *x, int slot, uint64_t now)
{
	struct fpx_conn *c = &x->conns[slot];
	for (unsigned i = 0; i < x->nrules; i++) {
		const struct fpx_rule *r = &x->rules[i];
		uint64_t bit = 1ull << i;
		if (r->kind != FPX_RESET || r->by_bytes || (c->reset_fired & bit) || !active(r, now))
			continue;
		if (r->conn >= 0 && (unsigned)r->conn != c->idx)
			continue;
		c->reset_fired |= bit;
		/* A reset at a time hits the connections open then (simnet's). */
		if (c->opened_ns > r->at_ns || !take_conn(x, c, i))
			continue;
		log_rule(x, c, FPX_TO_GW, r, c->pipe[FPX_TO_GW].off_in, c->pipe[FPX_TO_GW].pdus + 1);
		return true;
	}
	return false;
}

bool fpx_head(const struct fpx *x, int slot, enum fpx_dir d, uint64_t now, enum fpx_act *act, const uint8_t **b,
	size_t *len)
{
	const struct fpx_pipe *p = &x->conns[slot].pipe[d];
	if (p->seg_used == 0)
		return false;
	const struct fpx_seg *s = &p->segs[p->seg_head];
	if (s->release_ns > now)
		return false;
	*act = s->act;
	*b = p->buf + p->head;
	uint32_t contiguous = FPX_PIPE_BYTES - p->head;
	*len = s->len < contiguous ? s->len : contiguous;
	return true;
}

void fpx_consume(struct fpx *x, int slot, enum fpx_dir d, size_t n)
{
	struct fpx_pipe *p = &x->conns[slot].pipe[d];
	assert(p->seg_used > 0);
	struct fpx_seg *s = seg_at(p, 0);
	assert(n <= s->len);
	s->len -= (uint32_t)n;
	p->head = (p->head + (uint32_t)n) % FPX_PIPE_BYTES;
	p->used -= (uint32_t)n;
	if (s->len == 0) {
		p->seg_head = (p->seg_head + 1) % FPX_PIPE_SEGS;
		p->seg_used--;
	}
}

uint32_t fpx_queued(const struct fpx *x, int slot, enum fpx_dir d)
{
	return x->conns[slot].pipe[d].used;
}

/* A rule that keeps a connection from forming: a partition loses its
 * SYN (to_gw) or its SYN-ACK (to_ini); a blackhole, toxiproxy's timeout,
 * only the SYN (one on to_ini alone leaves connections forming and their
 * answers lost, which is what it is for). */
static bool blocks_syn(const struct fpx_rule *r, unsigned idx)
{
	if (r->conn >= 0 && (unsigned)r->conn != idx)
		return false;
	return r->kind == FPX_PARTITION || (r->kind == FPX_BLACKHOLE && (r->dirs & FPX_DIR_BIT(FPX_TO_GW)) != 0);
}

uint64_t fpx_syn_blocked_until(const struct fpx *x, unsigned idx, uint64_t now)
{
	uint64_t until = 0;
	for (unsigned i = 0; i < x->nrules; i++) {
		const struct fpx_rule *r = &x->rules[i];
		if (!blocks_syn(r, idx) || !active(r, now))
			continue;
		uint64_t end = r->dur_ns == 0 ? SIM_NEVER : r->at_ns + r->dur_ns;
		until = end > until ? end : until;
	}
	return until;
}

uint64_t fpx_syn_next_change(const struct fpx *x, unsigned idx, uint64_t now)
{
	uint64_t t = SIM_NEVER;
	for (unsigned i = 0; i < x->nrules; i++) {
		const struct fpx_rule *r = &x->rules[i];
		if (!blocks_syn(r, idx))
			continue;
		if (r->at_ns > now && r->at_ns < t)
			t = r->at_ns;
		if (r->dur_ns != 0 && r->at_ns + r->dur_ns > now && r->at_ns + r->dur_ns < t)
			t = r->at_ns + r->dur_ns;
	}
	return t;
}

uint64_t fpx_next(const struct fpx *x, int slot, uint64_t now)
{
	const struct fpx_conn *c = &x->conns[slot];
	uint64_t t = SIM_NEVER;
	for (int d = 0; d < 2; d++) {
		const struct fpx_pipe *p = &c->pipe[d];
		if (p->seg_used > 0) {
			uint64_t r = p->segs[p->seg_head].release_ns;
			t = r < t ? r : t;
		}
	}
	for (unsigned i = 0; i < x->nrules; i++) {
		const struct fpx_rule *r = &x->rules[i];
		if (r->kind == FPX_RESET && !r->by_bytes && !(c->reset_fired & (1ull << i)) && r->at_ns > now &&
			r->at_ns < t)
			t = r->at_ns;
	}
	return t;
}
