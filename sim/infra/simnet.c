/* infra/simnet: see infra/simnet.h. */
#include "sim/infra/simnet.h"
#include "sim/infra/simnet_int.h"

#include "sim/base/time.h"

struct simnet_chunk {
	struct simnet_chunk *next;
	uint64_t at;   /* arrival time at the other end */
	uint32_t len;  /* data bytes; 0 with fin or rst set */
	uint32_t off;  /* bytes of data already read (a send larger than one read) */
	bool fin;
	bool rst;
	bool hollow;   /* counted, not kept: its receiver stopped reading for good */
	uint8_t data[];
};

static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }


uint64_t simnet_unsent(const struct simnet *n, const struct simnet_conn *c, enum simnet_side from)
{
	uint64_t q = c->pipe[from].queued;
	return q > n->p.sockbuf_bytes ? q - n->p.sockbuf_bytes : 0;
}

static void ev_sent(void *a, void *b, uint64_t arg)
{
	struct simnet *n = a;
	struct simnet_conn *c = b;
	enum simnet_side from = (enum simnet_side)(arg & 1u);
	struct simnet_pipe *p = &c->pipe[from];
	p->sent_pending = false;
	if (c->dead || c->closed[from])
		return;
	uint64_t u = simnet_unsent(n, c, from);
	if (u >= p->unsent_told)
		return; /* a send since has told it already */
	p->unsent_told = u;
	if (n->ops.sent != NULL)
		n->ops.sent(n->ops.ctx, c, from, u);
}

static void chunk_free(struct simnet *n, struct simnet_chunk *k)
{
	if (k == n->reading) {
		n->reading_dropped = true; /* freed by ev_deliver once the read is over */
		return;
	}
	sim_free(n->mem, k, sizeof(*k) + (k->hollow ? 0 : k->len));
}

/* Bytes queued in c's pipe from side `from` change by delta. */
static void account(struct simnet *n, struct simnet_conn *c, enum simnet_side from, int64_t delta)
{
	struct simnet_pipe *p = &c->pipe[from];
	p->queued = (uint64_t)((int64_t)p->queued + delta);
	if (p->queued > n->stats_queued_max)
		n->stats_queued_max = p->queued;
	/* What the sender holds fell: tell it from an event of its own (as
	 * EPOLLOUT would), never inside whatever call made it fall. */
	if (delta < 0 && !p->sent_pending && !c->dead && !c->closed[from] && simnet_unsent(n, c, from) < p->unsent_told) {
		p->sent_pending = true;
		evq_push(n->q, n->q->now, ev_sent, n, c, (uint64_t)from);
	}
	if (from != SIMNET_GW)
		return;
	uint64_t *u = &n->gw_unsent[c->gw];
	*u = (uint64_t)((int64_t)*u + delta);
	if (*u > n->stats_gw_unsent_max)
		n->stats_gw_unsent_max = *u;
}

void snet_pipe_clear(struct simnet *n, struct simnet_conn *c, enum simnet_side from)
{
	struct simnet_pipe *p = &c->pipe[from];
	while (p->head != NULL) {
		struct simnet_chunk *k = p->head;
		p->head = k->next;
		chunk_free(n, k);
	}
	account(n, c, from, -(int64_t)p->queued);
	p->tail = NULL;
	p->ev_pending = false;
	p->ev_gen++;
}

void simnet_init(struct simnet *n, const struct sim_mem *mem, struct evq *q, struct sim_trace *tr,
	const struct sim_rng *rng, const struct simnet_params *p, const struct simnet_ops *ops, int inis, int gws)
{
	memset(n, 0, sizeof(*n));
	n->mem = mem;
	n->q = q;
	n->tr = tr;
	n->rng = *rng;
	n->p = *p;
	n->ops = *ops;
	n->inis = inis;
	n->gws = gws;
	n->links = sim_zalloc(mem, sizeof(*n->links) * (size_t)(inis * gws));
	n->gw_state = sim_zalloc(mem, sizeof(*n->gw_state) * (size_t)gws);
	n->scratch = sim_zalloc(mem, SIMNET_READ_MAX);
	n->gw_unsent = sim_zalloc(mem, sizeof(*n->gw_unsent) * (size_t)gws);
}

void simnet_fini(struct simnet *n)
{
	for (size_t i = 0; i < n->nconns; i++) {
		struct simnet_conn *c = n->conns[i];
		c->dead = true; /* no ops->sent for what teardown drops */
		snet_pipe_clear(n, c, SIMNET_INI);
		snet_pipe_clear(n, c, SIMNET_GW);
		sim_free(n->mem, c, sizeof(*c));
	}
	sim_free(n->mem, n->conns, n->conns_cap * sizeof(*n->conns));
	sim_free(n->mem, n->links, sizeof(*n->links) * (size_t)(n->inis * n->gws));
	sim_free(n->mem, n->gw_state, sizeof(*n->gw_state) * (size_t)n->gws);
	sim_free(n->mem, n->scratch, SIMNET_READ_MAX);
	sim_free(n->mem, n->gw_unsent, sizeof(*n->gw_unsent) * (size_t)n->gws);
}

struct simnet_conn *simnet_conn_by_id(const struct simnet *n, uint32_t id)
{
	return id >= 1 && id <= n->nconns ? n->conns[id - 1] : NULL;
}

struct simnet_link *snet_link_of(struct simnet *n, const struct simnet_conn *c)
{
	return &n->links[c->ini * n->gws + c->gw];
}

/* The receiver does not read: its window is shut (a RST still gets
 * through: it is alone in the pipe, simnet_abort cleared the rest). */
bool snet_window_shut(const struct simnet_conn *c, enum simnet_side from)
{
	enum simnet_side to = snet_peer_of(from);
	return (c->no_read[to] || c->read_held[to]) && c->pipe[from].head != NULL && !c->pipe[from].head->rst;
}

static bool blocked(struct simnet *n, const struct simnet_conn *c, enum simnet_side from)
{
	if (snet_link_of(n, c)->blocked[from] || n->q->now < c->stalled_until)
		return true;
	if (snet_window_shut(c, from)) {
		n->stats_window_shut++;
		return true;
	}
	return from == SIMNET_INI && n->gw_state[c->gw] == SIMNET_NODE_PAUSED;
}

static void ev_deliver(void *a, void *b, uint64_t arg);

void snet_pipe_schedule(struct simnet *n, struct simnet_conn *c, enum simnet_side from)
{
	struct simnet_pipe *p = &c->pipe[from];
	if (p->head == NULL || p->ev_pending || c->dead || blocked(n, c, from))
		return;
	p->ev_pending = true;
	p->ev_gen++;
	evq_push(n->q, max_u64(p->head->at, n->q->now), ev_deliver, n, c, (p->ev_gen << 1) | (uint64_t)from);
}

static uint64_t one_way(struct simnet *n, const struct simnet_conn *c)
{
	return dist_sample(&n->p.latency, &n->rng) + snet_link_of(n, c)->extra_latency_ns;
}

void snet_trace_conn(struct simnet *n, const struct simnet_conn *c, const char *what, const char *why)
{
	trace_ev(n->tr, n->q->now, TEV_CONN, what, c->ini, (int)c->id, (uint64_t)c->gw, (uint64_t)c->path,
		",\"gw\":%d,\"path\":%d,\"why\":\"%s\"", c->gw, c->path, why);
}

/* ---- connection setup ---- */

void snet_ev_connected(void *a, void *b, uint64_t ok)
{
	struct simnet *n = a;
	struct simnet_conn *c = b;
	if (!ok)
		c->dead = true;
	else if (c->dead || c->syn_acked)
		return; /* reset before the SYN-ACK arrived (the reset tells the initiator), or a duplicate SYN-ACK */
	c->syn_acked = ok != 0;
	n->ops.connected(n->ops.ctx, c, ok != 0);
}

/* The RTO after `tries` retransmissions of a SYN: RFC 6298 §5.5's
 * doubling, after Linux 6.6's linear ones (SIMNET_SYN_LINEAR_TIMEOUTS;
 * the kernel keeps 1 s for retransmissions 1..N, then doubles). */
static uint64_t syn_rto_ns(unsigned tries)
{
	if (tries <= SIMNET_SYN_LINEAR_TIMEOUTS)
		return SIMNET_SYN_RTO_NS;
	return SIMNET_SYN_RTO_NS << (tries - SIMNET_SYN_LINEAR_TIMEOUTS);
}

/* Is the handshake over for the initiator (answered, or given up)? */
static bool syn_done(const struct simnet_conn *c)
{
	return c->syn_acked || c->dead || c->closed[SIMNET_INI];
}

/* The gateway's kernel answers a SYN: the SYN-ACK crosses unless the
 * partition takes it. */
static bool send_synack(struct simnet *n, struct simnet_conn *c)
{
	if (snet_link_of(n, c)->blocked[SIMNET_GW]) {
		n->stats_syn_lost++; /* the SYN-ACK is lost: the kernels retransmit */
		return false;
	}
	evq_push(n->q, n->q->now + one_way(n, c), snet_ev_connected, n, c, 1);
	return true;
}

/* The gateway's SYN-ACK timer (tcp_synack_retries): a half-open
 * connection whose SYN-ACK was lost is answered again, 1 s, then
 * doubling; after the last, the gateway waits only for the initiator's
 * own retransmitted SYN. */
static void ev_synack_rto(void *a, void *b, uint64_t arg)
{
	(void)arg;
	struct simnet *n = a;
	struct simnet_conn *c = b;
	if (syn_done(c) || c->closed[SIMNET_GW])
		return;
	assert(c->synack_tries < SIMNET_SYNACK_RETRIES_MAX);
	c->synack_tries++;
	snet_trace_conn(n, c, "synack_again", "");
	if (!send_synack(n, c) && c->synack_tries < SIMNET_SYNACK_RETRIES_MAX)
		evq_push(n->q, n->q->now + (SIMNET_SYN_RTO_NS << c->synack_tries), ev_synack_rto, n, c, 0);
}

void snet_ev_syn(void *a, void *b, uint64_t arg)
{
	(void)arg;
	struct simnet *n = a;
	struct simnet_conn *c = b;
	if (syn_done(c))
		return;
	if (c->established) {
		/* A retransmitted SYN meets the half-open connection the
		 * gateway's kernel keeps: it answers the SYN-ACK again (a
		 * powered-off gateway's new life knows no such connection:
		 * RST, as to_orphan's). */
		if (c->orphan_gw) {
			if (n->gw_state[c->gw] == SIMNET_NODE_UP) {
				snet_trace_conn(n, c, "refused", "peer restarted");
				evq_push(n->q, n->q->now + one_way(n, c), snet_ev_connected, n, c, 0);
			}
			return;
		}
		if (n->gw_state[c->gw] == SIMNET_NODE_UP && !c->closed[SIMNET_GW])
			send_synack(n, c);
		return;
	}
	switch (n->gw_state[c->gw]) {
	case SIMNET_NODE_PAUSED:
		c->syn_held = true; /* simnet_gw_state retries it on resume */
		return;
	case SIMNET_NODE_DOWN:
		snet_trace_conn(n, c, "refused", "gateway down");
		evq_push(n->q, n->q->now + one_way(n, c), snet_ev_connected, n, c, 0);
		c->dead = true;
		return;
	case SIMNET_NODE_UP:
		break;
	}
	if (!n->ops.accept(n->ops.ctx, c)) {
		snet_trace_conn(n, c, "refused", "not accepted");
		evq_push(n->q, n->q->now + one_way(n, c), snet_ev_connected, n, c, 0);
		c->dead = true;
		return;
	}
	c->established = true;
	n->ops.wire(n->ops.ctx, c, SIMNET_WIRE_OPEN, SIMNET_INI, NULL, 0);
	snet_trace_conn(n, c, "open", "");
	if (!send_synack(n, c))
		evq_push(n->q, n->q->now + SIMNET_SYN_RTO_NS, ev_synack_rto, n, c, 0);
}

/* The initiator's kernel sends the SYN: it crosses unless the partition
 * takes it. */
static void send_syn(struct simnet *n, struct simnet_conn *c)
{
	if (snet_link_of(n, c)->blocked[SIMNET_INI]) {
		n->stats_syn_lost++; /* into the partition: nobody answers */
		snet_trace_conn(n, c, "syn_lost", "partition");
		return;
	}
	evq_push(n->q, n->q->now + one_way(n, c), snet_ev_syn, n, c, 0);
}

/* The initiator's SYN timer (RFC 6298 §5, tcp_syn_retries): unanswered,
 * the SYN is sent again; after the last retransmission's RTO, connect()
 * fails with ETIMEDOUT. The initiator's own login timeout, shorter,
 * usually closes the attempt first (simnet_close/abort: syn_done). */
static void ev_syn_rto(void *a, void *b, uint64_t arg)
{
	(void)arg;
	struct simnet *n = a;
	struct simnet_conn *c = b;
	if (syn_done(c))
		return;
	if (c->syn_tries == SIMNET_SYN_RETRIES_MAX) {
		snet_trace_conn(n, c, "refused", "syn timed out");
		snet_ev_connected(n, c, 0);
		return;
	}
	c->syn_tries++;
	snet_trace_conn(n, c, "syn_again", "");
	send_syn(n, c);
	evq_push(n->q, n->q->now + syn_rto_ns(c->syn_tries), ev_syn_rto, n, c, 0);
}

struct simnet_conn *simnet_connect(struct simnet *n, int ini, int path, int gw, void *ini_user)
{
	struct simnet_conn *c = sim_zalloc(n->mem, sizeof(*c));
	n->conns = sim_grow(n->mem, n->conns, sizeof(*n->conns), &n->conns_cap, n->nconns + 1);
	n->conns[n->nconns++] = c;
	c->id = (uint32_t)n->nconns;
	c->ini = ini;
	c->path = path;
	c->gw = gw;
	c->user[SIMNET_INI] = ini_user;
	c->opened_at = n->q->now;
	send_syn(n, c);
	evq_push(n->q, n->q->now + syn_rto_ns(0), ev_syn_rto, n, c, 0);
	return c;
}

/* ---- data ---- */

static void ev_closed(void *a, void *b, uint64_t arg)
{
	struct simnet *n = a;
	struct simnet_conn *c = b;
	enum simnet_side to = (enum simnet_side)(arg & 1u);
	bool reset = (arg >> 1) != 0;
	if (c->closed[to] || c->got_fin[to])
		return;
	c->got_fin[to] = true;
	n->ops.closed(n->ops.ctx, c, to, reset);
}

static void notify_closed(struct simnet *n, struct simnet_conn *c, enum simnet_side to, bool reset, uint64_t delay)
{
	evq_push(n->q, n->q->now + delay, ev_closed, n, c, (uint64_t)to | ((uint64_t)reset << 1));
}

static size_t piece_len(struct simnet *n, size_t left)
{
	if (!rng_chance(&n->rng, n->p.split_ppm))
		return left;
	if (rng_chance(&n->rng, n->p.tiny_ppm))
		return 1 + (size_t)rng_below(&n->rng, left < 8 ? left : 8);
	return 1 + (size_t)rng_below(&n->rng, left);
}

/* Hand len bytes to end `to` in pieces; returns how many it took: all,
 * unless it stopped reading in the middle or the connection ended. */
static size_t deliver_bytes(struct simnet *n, struct simnet_conn *c, enum simnet_side to, const uint8_t *p, size_t len)
{
	size_t done = 0;
	while (done < len && !c->dead && !c->closed[to] && !c->read_held[to]) {
		size_t k = piece_len(n, len - done);
		size_t took = n->ops.deliver(n->ops.ctx, c, to, p + done, k);
		assert(took <= k);
		assert(took == k || c->read_held[to] || c->dead || c->closed[to]);
		n->stats_pieces++;
		n->stats_bytes += took;
		done += took;
		if (took < k)
			break;
	}
	return done;
}

static struct simnet_chunk *chunk_new(struct simnet *n, const uint8_t *data, size_t len, bool fin)
{
	struct simnet_chunk *k = n->mem->alloc(n->mem->ctx, sizeof(*k) + len);
	assert(k != NULL);
	memset(k, 0, sizeof(*k));
	k->len = (uint32_t)len;
	k->fin = fin;
	if (len > 0)
		memcpy(k->data, data, len);
	return k;
}

static void push_front(struct simnet_pipe *p, struct simnet_chunk *k, uint64_t at)
{
	k->at = at;
	k->next = p->head;
	p->head = k;
	if (p->tail == NULL)
		p->tail = k;
}

/* The receiver stopped reading in the middle of a read: what it did not
 * take goes back to the head of the pipe, before anything queued behind
 * it, with the FIN that read had reached (TCP keeps both in its receive
 * buffer until the application reads again). */
static void unread(struct simnet *n, struct simnet_conn *c, enum simnet_side from, const uint8_t *data, size_t len,
	bool fin)
{
	struct simnet_pipe *p = &c->pipe[from];
	if (fin)
		push_front(p, chunk_new(n, NULL, 0, true), n->q->now);
	push_front(p, chunk_new(n, data, len, false), n->q->now);
	account(n, c, from, (int64_t)len);
}

/* The read that ev_deliver pinned is over: free its chunk if the pipe
 * dropped it meanwhile (chunk_free). */
static void unpin(struct simnet *n)
{
	struct simnet_chunk *k = n->reading;
	n->reading = NULL;
	if (k != NULL && n->reading_dropped) {
		n->reading_dropped = false;
		chunk_free(n, k);
	}
}

static void ev_deliver(void *a, void *b, uint64_t arg)
{
	struct simnet *n = a;
	struct simnet_conn *c = b;
	enum simnet_side from = (enum simnet_side)(arg & 1u), to = from == SIMNET_INI ? SIMNET_GW : SIMNET_INI;
	struct simnet_pipe *p = &c->pipe[from];
	if ((arg >> 1) != p->ev_gen)
		return;
	assert(n->reading == NULL && !n->reading_dropped); /* deliveries never nest: each is an event */
	p->ev_pending = false;
	if (c->dead || blocked(n, c, from))
		return;
	uint64_t now = n->q->now;
	/* Everything due now, merged as one socket read would see it. */
	size_t got = 0;
	bool fin = false, rst = false;
	const uint8_t *bytes = n->scratch;
	struct simnet_chunk *solo = NULL;
	struct simnet_chunk *h = p->head;
	if (h != NULL && h->at <= now && !h->rst && !h->fin && h->len - h->off <= SIMNET_READ_MAX &&
		(h->next == NULL || h->next->at > now)) {
		/* The common case, one chunk due and nothing behind it: read
		 * it where it lies instead of merging it into the scratch
		 * buffer (the same bytes in the same read). It is taken off
		 * the pipe first, so a receiver that resets the connection
		 * while reading cannot free it under us. */
		solo = h;
		p->head = h->next;
		if (p->head == NULL)
			p->tail = NULL;
		bytes = h->data + h->off;
		got = h->len - h->off;
		account(n, c, from, -(int64_t)got);
	}
	while (solo == NULL && p->head != NULL && p->head->at <= now && !fin && !rst) {
		struct simnet_chunk *k = p->head;
		if (k->rst) {
			rst = true;
		} else if (k->fin) {
			fin = true;
		} else if (got + (k->len - k->off) > SIMNET_READ_MAX) {
			/* It does not fit in this read. A send larger than
			 * one read (a 64 KiB Data-Out with its header) is
			 * read in parts; left whole for the next read, it
			 * would be retried at the same instant for ever. */
			if (got == 0) {
				/* Read where it lies: the chunk stays at the
				 * head of the pipe for its next part, pinned
				 * (n->reading), so a receiver that resets the
				 * connection while reading cannot free it
				 * under us. */
				bytes = k->data + k->off;
				got = SIMNET_READ_MAX;
				k->off += SIMNET_READ_MAX;
				account(n, c, from, -(int64_t)SIMNET_READ_MAX);
				n->reading = k;
			}
			break;
		} else {
			memcpy(n->scratch + got, k->data + k->off, k->len - k->off);
			got += k->len - k->off;
			account(n, c, from, -(int64_t)(k->len - k->off));
		}
		p->head = k->next;
		if (p->head == NULL)
			p->tail = NULL;
		chunk_free(n, k);
	}
	size_t done = c->closed[to] ? got : deliver_bytes(n, c, to, bytes, got);
	bool held = done < got && !rst && !c->dead && !c->closed[to];
	if (held)
		unread(n, c, from, bytes + done, got - done, fin);
	if (solo != NULL)
		chunk_free(n, solo);
	unpin(n);
	if (held)
		return; /* it reads again through simnet_hold_reading */
	if (rst) {
		/* The aborting end's RST got through: the connection is over. */
		c->dead = true;
		snet_pipe_clear(n, c, SIMNET_INI);
		snet_pipe_clear(n, c, SIMNET_GW);
		if (!c->closed[to] && !c->got_fin[to]) {
			c->got_fin[to] = true;
			n->ops.closed(n->ops.ctx, c, to, true);
		}
		return;
	}
	if (fin && !c->dead && !c->closed[to] && !c->got_fin[to]) {
		c->got_fin[to] = true;
		n->ops.closed(n->ops.ctx, c, to, false);
	}
	snet_pipe_schedule(n, c, from);
}

static void append(struct simnet *n, struct simnet_conn *c, enum simnet_side from, struct simnet_chunk *k, uint64_t at)
{
	struct simnet_pipe *p = &c->pipe[from];
	k->at = max_u64(at, p->last_at);
	p->last_at = k->at;
	k->next = NULL;
	if (p->tail != NULL)
		p->tail->next = k;
	else
		p->head = k;
	p->tail = k;
	snet_pipe_schedule(n, c, from);
}

/* Bytes sent to a gateway end that vanished: a restarted node answers
 * RST (it knows no such connection); a dead one answers nothing. */
static void to_orphan(struct simnet *n, struct simnet_conn *c)
{
	if (n->gw_state[c->gw] != SIMNET_NODE_UP)
		return;
	c->dead = true;
	n->stats_resets++;
	n->stats_rst_from_restarted++;
	n->ops.wire(n->ops.ctx, c, SIMNET_WIRE_RST, SIMNET_GW, NULL, 0);
	snet_trace_conn(n, c, "reset", "peer restarted");
	notify_closed(n, c, SIMNET_INI, true, 2 * one_way(n, c));
}

long simnet_send(struct simnet *n, struct simnet_conn *c, enum simnet_side from, const struct iovec *iov, int iovcnt)
{
	if (c->dead || c->closed[from] || !c->established)
		return -1;
	enum simnet_side to = from == SIMNET_INI ? SIMNET_GW : SIMNET_INI;
	size_t len = 0;
	for (int i = 0; i < iovcnt; i++) {
		len += iov[i].iov_len;
		if (iov[i].iov_len > 0)
			n->ops.wire(n->ops.ctx, c, SIMNET_WIRE_DATA, from, iov[i].iov_base, iov[i].iov_len);
	}
	struct simnet_pipe *p = &c->pipe[from];
	if (len == 0)
		return (long)(p->unsent_told = simnet_unsent(n, c, from));
	if (to == SIMNET_GW && c->orphan_gw) {
		to_orphan(n, c);
		return (long)(p->unsent_told = simnet_unsent(n, c, from));
	}
	if (c->closed[to]) /* the peer is gone; its FIN or RST is on the way */
		return (long)(p->unsent_told = simnet_unsent(n, c, from));
	/* Bytes toward an end that stopped reading are never read: the
	 * simulator counts them and keeps none (a no_read attack makes a
	 * target send gigabytes). */
	bool hollow = c->no_read[to];
	struct simnet_chunk *k = n->mem->alloc(n->mem->ctx, sizeof(*k) + (hollow ? 0 : len));
	assert(k != NULL);
	k->len = (uint32_t)len;
	k->off = 0;
	k->fin = false;
	k->rst = false;
	k->hollow = hollow;
	size_t off = 0;
	for (int i = 0; i < iovcnt && !hollow; i++) {
		memcpy(k->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	struct simnet_link *l = snet_link_of(n, c);
	if (!hollow && l->noise_ppm[from] != 0 && rng_chance(&n->noise_rng, l->noise_ppm[from])) {
		k->data[rng_below(&n->noise_rng, len)] ^= (uint8_t)(1u + rng_below(&n->noise_rng, 255));
		n->stats_noise_flips++;
	}
	uint64_t start = max_u64(n->q->now, p->busy_until);
	uint64_t tx_ns = l->bandwidth_Bps ? (uint64_t)len * 1000000000ull / l->bandwidth_Bps : 0;
	p->busy_until = start + tx_ns;
	p->bytes_sent += len;
	account(n, c, from, (int64_t)len);
	append(n, c, from, k, p->busy_until + one_way(n, c));
	p->unsent_told = simnet_unsent(n, c, from);
	return (long)p->unsent_told;
}

void simnet_close(struct simnet *n, struct simnet_conn *c, enum simnet_side side)
{
	if (c->closed[side])
		return;
	enum simnet_side peer = side == SIMNET_INI ? SIMNET_GW : SIMNET_INI;
	if (c->no_read[peer] && c->established && !c->dead) {
		/* The peer takes nothing: the FIN would wait behind the
		 * unread bytes for ever. The kernel gives up the orphan
		 * (tcp_orphan_retries, shortened to at once) and resets. */
		simnet_abort(n, c, side);
		return;
	}
	c->closed[side] = true;
	if (!c->established)
		c->dead = true; /* closed before the handshake finished */
	if (c->dead)
		return;
	enum simnet_side other = side == SIMNET_INI ? SIMNET_GW : SIMNET_INI;
	n->ops.wire(n->ops.ctx, c, SIMNET_WIRE_FIN, side, NULL, 0);
	snet_trace_conn(n, c, side == SIMNET_INI ? "fin_ini" : "fin_gw", "");
	/* What is queued toward the closing end will never be read. */
	snet_pipe_clear(n, c, other);
	if (c->closed[other] || c->got_fin[other])
		return;
	if (other == SIMNET_GW && c->orphan_gw)
		return;
	struct simnet_chunk *k = n->mem->alloc(n->mem->ctx, sizeof(*k));
	assert(k != NULL);
	k->len = 0;
	k->off = 0;
	k->fin = true;
	k->rst = false;
	k->hollow = false;
	append(n, c, side, k, n->q->now + one_way(n, c));
}

void simnet_abort(struct simnet *n, struct simnet_conn *c, enum simnet_side side)
{
	if (c->closed[side])
		return;
	c->closed[side] = true;
	if (!c->established)
		c->dead = true;
	if (c->dead)
		return;
	enum simnet_side other = side == SIMNET_INI ? SIMNET_GW : SIMNET_INI;
	n->ops.wire(n->ops.ctx, c, SIMNET_WIRE_RST, side, NULL, 0);
	snet_trace_conn(n, c, side == SIMNET_INI ? "abort_ini" : "abort_gw", "");
	/* Unsent bytes die with the socket; nothing more is read by it. */
	snet_pipe_clear(n, c, side);
	snet_pipe_clear(n, c, other);
	if (c->closed[other] || c->got_fin[other] || (other == SIMNET_GW && c->orphan_gw)) {
		c->dead = true;
		return;
	}
	struct simnet_chunk *k = sim_zalloc(n->mem, sizeof(*k));
	k->rst = true;
	append(n, c, side, k, n->q->now + one_way(n, c));
}

void simnet_reset(struct simnet *n, struct simnet_conn *c, const char *why)
{
	if (c->dead || !c->established)
		return;
	c->dead = true;
	n->stats_resets++;
	snet_pipe_clear(n, c, SIMNET_INI);
	snet_pipe_clear(n, c, SIMNET_GW);
	n->ops.wire(n->ops.ctx, c, SIMNET_WIRE_RST, SIMNET_INI, NULL, 0);
	snet_trace_conn(n, c, "reset", why);
	notify_closed(n, c, SIMNET_INI, true, n->p.rst_latency_ns);
	if (!c->orphan_gw)
		notify_closed(n, c, SIMNET_GW, true, n->p.rst_latency_ns);
}

/* ---- faults ---- */
