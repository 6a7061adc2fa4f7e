/* host/cap_tcp: see host/cap_tcp.h. */
#include "sim/host/cap_tcp.h"

#include <stdlib.h>
#include <string.h>

/* RFC 9293 §3.4: sequence numbers compare modulo 2^32. */
static int32_t sdiff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (p == NULL)
		abort(); /* the limits above keep this far away; out of memory is fatal for a host tool */
	return p;
}

void cap_tcp_init(struct cap_tcp *t, const struct cap_tcp_ops *ops, void *ctx)
{
	memset(t, 0, sizeof(*t));
	t->ops = *ops;
	t->ctx = ctx;
	t->next_id = 1;
}

/* ---- one direction ---- */

static void hist_put(struct cap_tcp_half *h, const uint8_t *p, size_t len)
{
	if (h->hist == NULL)
		h->hist = xmalloc(CAP_TCP_HISTORY_BYTES);
	if (len > CAP_TCP_HISTORY_BYTES) {
		p += len - CAP_TCP_HISTORY_BYTES;
		len = CAP_TCP_HISTORY_BYTES;
	}
	uint64_t off = h->delivered - len; /* called after delivered moved on */
	for (size_t i = 0; i < len; i++)
		h->hist[(off + i) % CAP_TCP_HISTORY_BYTES] = p[i];
}

/* Bytes of p unlike what was delivered at stream offset off, counting
 * only those still remembered. */
static uint64_t hist_differs(const struct cap_tcp_half *h, uint64_t hist_from, uint64_t off, const uint8_t *p,
	size_t len)
{
	uint64_t lo = h->delivered > CAP_TCP_HISTORY_BYTES ? h->delivered - CAP_TCP_HISTORY_BYTES : 0;
	if (lo < hist_from)
		lo = hist_from;
	uint64_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (off + i >= lo && off + i < h->delivered && h->hist[(off + i) % CAP_TCP_HISTORY_BYTES] != p[i])
			n++;
	return n;
}

struct ctx {
	struct cap_tcp *t;
	struct cap_tcp_conn *c;
	enum cap_dir d;
};

static void event(const struct ctx *x, enum cap_tcp_event ev, uint64_t frame, uint64_t detail)
{
	x->t->ops.event(x->t->ctx, x->c, x->d, ev, frame, detail);
}

static void deliver(const struct ctx *x, const uint8_t *p, size_t len, uint64_t frame)
{
	struct cap_tcp_half *h = &x->c->half[x->d];
	if (len == 0)
		return;
	h->next += (uint32_t)len;
	h->delivered += len;
	hist_put(h, p, len);
	x->t->ops.data(x->t->ctx, x->c, x->d, p, len, frame);
}

/* A segment that starts at or before next: what is old is compared and
 * dropped, what is new is delivered (up to the FIN). */
static void take(const struct ctx *x, uint32_t seq, const uint8_t *p, size_t len, uint64_t frame)
{
	struct cap_tcp_half *h = &x->c->half[x->d];
	uint32_t dup = h->next - seq; /* modulo 2^32: -sdiff would overflow at 2^31 (fuzz/regressions/capture) */
	size_t old = dup < len ? dup : len;
	if (old > 0 && h->hist != NULL) {
		uint64_t n = hist_differs(h, h->hist_from, h->delivered - dup, p, old);
		if (n > 0)
			event(x, CAP_EV_OVERLAP_DIFFERS, frame, n);
	}
	if (dup >= len)
		return;
	p += dup;
	len -= dup;
	if (h->fin) {
		uint32_t room = sdiff(h->fin_seq, h->next) > 0 ? h->fin_seq - h->next : 0;
		if (len > room) {
			event(x, CAP_EV_DATA_AFTER_FIN, frame, len - room);
			len = room;
		}
	}
	deliver(x, p, len, frame);
}

static void ooo_drop(struct cap_tcp_half *h, unsigned i)
{
	h->ooo_bytes -= h->ooo[i].len;
	free(h->ooo[i].data);
	h->ooo[i] = h->ooo[--h->nooo];
}

/* Buffered segments the stream has reached, in any order of arrival. */
static void drain(const struct ctx *x)
{
	struct cap_tcp_half *h = &x->c->half[x->d];
	for (bool again = true; again;) {
		again = false;
		for (unsigned i = 0; i < h->nooo; i++) {
			if (sdiff(h->ooo[i].seq, h->next) > 0)
				continue;
			struct cap_tcp_ooo s = h->ooo[i];
			h->ooo[i].data = NULL;
			ooo_drop(h, i);
			take(x, s.seq, s.data, s.len, s.frame);
			free(s.data);
			again = true;
			break;
		}
	}
}

static void fin_check(const struct ctx *x, uint64_t frame);

/* The hole before the lowest buffered segment will not fill: a gap. */
static void force_gap(const struct ctx *x)
{
	struct cap_tcp_half *h = &x->c->half[x->d];
	if (h->nooo == 0)
		return;
	unsigned lo = 0;
	for (unsigned i = 1; i < h->nooo; i++)
		if (sdiff(h->ooo[i].seq, h->ooo[lo].seq) < 0)
			lo = i;
	uint32_t lost = h->ooo[lo].seq - h->next;
	event(x, CAP_EV_GAP, h->ooo[lo].frame, lost);
	h->next = h->ooo[lo].seq;
	h->hist_from = h->delivered;
	drain(x);
}

/* The peer (sending payload now) acknowledged up to ack: bytes of this
 * half before it that never came are lost, before the peer's payload,
 * which may answer them, is delivered. */
static void acked_gap(const struct ctx *x, uint32_t ack, uint64_t frame)
{
	struct cap_tcp_half *h = &x->c->half[x->d];
	if (!h->started || h->done)
		return;
	uint32_t end = h->fin && sdiff(ack, h->fin_seq) > 0 ? h->fin_seq : ack; /* the FIN takes one */
	while (sdiff(end, h->next) > 0 && h->nooo > 0)
		force_gap(x);
	if (sdiff(end, h->next) > 0 && (uint32_t)sdiff(end, h->next) <= CAP_TCP_WINDOW_MAX) {
		event(x, CAP_EV_GAP, frame, end - h->next);
		h->next = end;
		h->hist_from = h->delivered;
	}
	fin_check(x, frame);
}

static void fin_check(const struct ctx *x, uint64_t frame)
{
	struct cap_tcp_half *h = &x->c->half[x->d];
	if (h->fin && !h->done && h->next == h->fin_seq) {
		h->done = true;
		event(x, CAP_EV_FIN, frame, 0);
	}
}

static void payload(const struct ctx *x, uint32_t seq, const uint8_t *p, uint32_t len, uint32_t wire_len,
	uint64_t frame)
{
	struct cap_tcp_half *h = &x->c->half[x->d];
	if (!h->started) {
		h->started = true;
		h->next = seq;
		event(x, CAP_EV_NO_SYN, frame, 0);
	}
	if (h->done) {
		event(x, CAP_EV_DATA_AFTER_FIN, frame, len);
		return;
	}
	int32_t ahead = sdiff(seq, h->next);
	if (ahead > 0 && (uint32_t)ahead > CAP_TCP_WINDOW_MAX) {
		/* Not a reordering: the capture lost that much. */
		while (h->nooo > 0)
			force_gap(x);
		event(x, CAP_EV_GAP, frame, (uint32_t)ahead);
		h->next = seq;
		h->hist_from = h->delivered;
		ahead = 0;
	}
	if (ahead <= 0) {
		take(x, seq, p, len, frame);
		if (wire_len > len && h->next == seq + len) {
			/* The snap length cut the frame: the rest is lost. */
			event(x, CAP_EV_GAP, frame, wire_len - len);
			h->next += wire_len - len;
			h->hist_from = h->delivered;
		}
		drain(x);
		return;
	}
	if (len > CAP_TCP_OOO_BYTES_MAX)
		len = CAP_TCP_OOO_BYTES_MAX; /* the rest becomes a gap later */
	while (h->nooo > 0 && (h->nooo == CAP_TCP_OOO_SEGS_MAX || h->ooo_bytes + len > CAP_TCP_OOO_BYTES_MAX))
		force_gap(x);
	if (sdiff(seq, h->next) <= 0) { /* the gap reached it */
		take(x, seq, p, len, frame);
		drain(x);
		return;
	}
	struct cap_tcp_ooo *o = &h->ooo[h->nooo++];
	*o = (struct cap_tcp_ooo){ .seq = seq, .len = len, .frame = frame, .data = xmalloc(len) };
	memcpy(o->data, p, len);
	h->ooo_bytes += len;
}

/* ---- connections ---- */

static void conn_free(struct cap_tcp_conn *c)
{
	for (int d = 0; d < 2; d++) {
		struct cap_tcp_half *h = &c->half[d];
		while (h->nooo > 0)
			ooo_drop(h, h->nooo - 1);
		free(h->hist);
		h->hist = NULL;
	}
}

static void conn_close(struct cap_tcp *t, struct cap_tcp_conn *c)
{
	if (c->closed)
		return;
	for (int d = 0; d < 2; d++) {
		struct ctx x = { t, c, (enum cap_dir)d };
		while (c->half[d].nooo > 0)
			force_gap(&x);
	}
	c->closed = true;
	t->ops.close(t->ctx, c);
	conn_free(c);
}

static bool same(const struct cap_tcp_conn *c, const struct cap_seg *s, bool to_server)
{
	const uint8_t *cli = to_server ? s->src : s->dst, *srv = to_server ? s->dst : s->src;
	uint16_t cport = to_server ? s->sport : s->dport, sport = to_server ? s->dport : s->sport;
	return c->family == s->family && c->port[0] == cport && c->port[1] == sport &&
		memcmp(c->addr[0], cli, 16) == 0 && memcmp(c->addr[1], srv, 16) == 0;
}

static struct cap_tcp_conn *conn_new(struct cap_tcp *t, const struct cap_seg *s, bool to_server, uint64_t frame)
{
	if (t->nconns == CAP_TCP_CONNS_MAX) {
		unsigned old = CAP_TCP_CONNS_MAX;
		for (unsigned i = 0; i < t->nconns; i++)
			if (t->conns[i]->closed && (old == CAP_TCP_CONNS_MAX || t->conns[i]->last_frame < t->conns[old]->last_frame))
				old = i;
		if (old == CAP_TCP_CONNS_MAX) {
			t->ops.event(t->ctx, NULL, to_server ? CAP_TO_SERVER : CAP_TO_CLIENT, CAP_EV_CONNS_FULL, frame, 0);
			return NULL;
		}
		free(t->conns[old]);
		t->conns[old] = t->conns[--t->nconns];
	}
	struct cap_tcp_conn *c = xmalloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	c->id = t->next_id++;
	c->family = s->family;
	memcpy(c->addr[0], to_server ? s->src : s->dst, 16);
	memcpy(c->addr[1], to_server ? s->dst : s->src, 16);
	c->port[0] = to_server ? s->sport : s->dport;
	c->port[1] = to_server ? s->dport : s->sport;
	c->last_frame = frame;
	t->conns[t->nconns++] = c;
	c->user = t->ops.open(t->ctx, c, frame);
	return c;
}

void cap_tcp_segment(struct cap_tcp *t, const struct cap_seg *s, bool to_server, uint64_t frame)
{
	struct cap_tcp_conn *c = NULL;
	for (unsigned i = 0; i < t->nconns; i++)
		if (same(t->conns[i], s, to_server) && (c == NULL || t->conns[i]->id > c->id))
			c = t->conns[i];
	enum cap_dir d = to_server ? CAP_TO_SERVER : CAP_TO_CLIENT;
	bool syn = (s->flags & CAP_TCP_SYN) != 0;
	if (c != NULL && syn) {
		struct cap_tcp_half *h = &c->half[d];
		bool retransmit = h->syn && h->isn == s->seq;
		if (!retransmit && (c->closed || h->started))
			conn_close(t, c), c = NULL; /* the 4-tuple is used again */
	}
	if (c == NULL) {
		if (!syn && (s->flags & CAP_TCP_RST))
			return; /* a reset of something we never saw */
		c = conn_new(t, s, to_server, frame);
		if (c == NULL)
			return;
	}
	if (c->closed)
		return; /* late retransmissions after the end */
	c->last_frame = frame;
	struct ctx x = { t, c, d };
	struct cap_tcp_half *h = &c->half[d];
	uint32_t seq = s->seq;
	if (syn) {
		if (!h->started) {
			h->started = h->syn = true;
			h->isn = seq;
			h->next = seq + 1;
		}
		seq++; /* the SYN takes one sequence number (RFC 9293 §3.4) */
	}
	if (s->wire_len > 0 && (s->flags & CAP_TCP_ACK)) {
		struct ctx peer = { t, c, (enum cap_dir)(1 - d) };
		acked_gap(&peer, s->ack, frame);
	}
	if (s->wire_len > 0)
		payload(&x, seq, s->payload, s->len, s->wire_len, frame);
	if ((s->flags & CAP_TCP_FIN) && h->started && !h->fin) {
		h->fin = true;
		h->fin_seq = seq + s->wire_len;
	}
	fin_check(&x, frame);
	if (s->flags & CAP_TCP_RST) {
		event(&x, CAP_EV_RST, frame, 0);
		conn_close(t, c);
		return;
	}
	if (c->half[0].done && c->half[1].done)
		conn_close(t, c);
}

void cap_tcp_finish(struct cap_tcp *t)
{
	for (unsigned i = 0; i < t->nconns; i++)
		conn_close(t, t->conns[i]);
}

void cap_tcp_fini(struct cap_tcp *t)
{
	for (unsigned i = 0; i < t->nconns; i++) {
		conn_free(t->conns[i]);
		free(t->conns[i]);
	}
	t->nconns = 0;
}
