/* host/cap_tcp: TCP reassembly for `isim oracle`: the segments of a
 * capture, in capture order, into the two byte streams of each
 * connection (RFC 9293 §3.4 sequence numbers), with every byte tagged by
 * the frame that carried it.
 *
 * What captures throw at it, and what it does:
 *   - segments out of order: buffered (a bounded window, below) until the
 *     hole fills; a hole that does not fill in time is a gap;
 *   - retransmissions and overlaps: bytes already delivered are dropped,
 *     compared with what was delivered while it is still remembered, and
 *     a difference is reported (the first copy wins);
 *   - SYN starts a connection (a SYN with another ISN on a known 4-tuple
 *     starts a new one); FIN ends a direction; RST ends the connection;
 *   - a connection whose SYN was not captured: said so, and the stream
 *     starts at the first byte seen (the consumer resynchronizes);
 *   - gaps (bytes the capture lost): said so with the count, the stream
 *     goes on after them (the consumer resynchronizes). A gap is known
 *     when later bytes arrive, or earlier: when the peer sends data
 *     acknowledging bytes the capture never showed (those are lost
 *     before the peer's data is delivered, since what the peer says may
 *     answer them; a mere ACK waits, the bytes may come reordered).
 * Memory per connection is bounded by the limits below whatever the input.
 * Owns its connections and their buffers (malloc); the consumer owns what
 * it hangs on cap_tcp_conn.user.
 */
#ifndef SIM_HOST_CAP_TCP_H
#define SIM_HOST_CAP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/host/cap_link.h"

#define CAP_TCP_CONNS_MAX 256u            /* connections followed at once; more: the oldest closed one goes */
#define CAP_TCP_OOO_SEGS_MAX 64u          /* out-of-order segments buffered per direction */
#define CAP_TCP_OOO_BYTES_MAX (1u << 20)  /* out-of-order bytes buffered per direction */
#define CAP_TCP_WINDOW_MAX (16u << 20)    /* a segment further ahead than this is a jump, not a reordering */
#define CAP_TCP_HISTORY_BYTES (64u << 10) /* delivered bytes kept to compare retransmissions with */

enum cap_dir {
	CAP_TO_SERVER = 0, /* initiator -> target */
	CAP_TO_CLIENT = 1, /* target -> initiator */
};

enum cap_tcp_event {
	CAP_EV_NO_SYN,        /* first bytes of a direction whose SYN was not seen */
	CAP_EV_GAP,           /* detail bytes lost before the next delivered byte */
	CAP_EV_OVERLAP_DIFFERS, /* a retransmission carried detail bytes unlike the first copy */
	CAP_EV_FIN,
	CAP_EV_RST,
	CAP_EV_DATA_AFTER_FIN, /* detail bytes after the FIN: dropped */
	CAP_EV_CONNS_FULL,    /* a new connection while CAP_TCP_CONNS_MAX are open: not followed */
};

struct cap_tcp_ooo {
	uint32_t seq, len;
	uint64_t frame;
	uint8_t *data;
};

struct cap_tcp_half {
	bool started;        /* next is known */
	bool syn;            /* its SYN was seen */
	bool fin;            /* its FIN was seen (fin_seq: the FIN's sequence number) */
	bool done;           /* everything up to the FIN delivered */
	uint32_t isn, next, fin_seq;
	uint64_t delivered;  /* stream offset of next */
	struct cap_tcp_ooo ooo[CAP_TCP_OOO_SEGS_MAX];
	unsigned nooo;
	size_t ooo_bytes;
	uint8_t *hist;       /* ring of the last CAP_TCP_HISTORY_BYTES delivered */
	uint64_t hist_from;  /* stream offset the ring is valid from (a gap makes older offsets unknown) */
};

struct cap_tcp_conn {
	uint32_t id;         /* 1, 2, ... in order of first sight */
	uint8_t family;
	uint8_t addr[2][16]; /* [CAP_TO_SERVER]: the client's, [CAP_TO_CLIENT]: the server's */
	uint16_t port[2];
	bool closed;
	uint64_t last_frame;
	struct cap_tcp_half half[2];
	void *user;
};

struct cap_tcp_ops {
	/* A connection is first seen; returns its user pointer. */
	void *(*open)(void *ctx, struct cap_tcp_conn *c, uint64_t frame);
	/* In-order bytes of one direction; every byte from frame. */
	void (*data)(void *ctx, struct cap_tcp_conn *c, enum cap_dir d, const uint8_t *p, size_t len, uint64_t frame);
	void (*event)(void *ctx, struct cap_tcp_conn *c, enum cap_dir d, enum cap_tcp_event ev, uint64_t frame,
		uint64_t detail);
	/* The connection ends (RST, both FINs, or the end of the capture). */
	void (*close)(void *ctx, struct cap_tcp_conn *c);
};

struct cap_tcp {
	struct cap_tcp_ops ops;
	void *ctx;
	struct cap_tcp_conn *conns[CAP_TCP_CONNS_MAX];
	unsigned nconns;
	uint32_t next_id;
};

void cap_tcp_init(struct cap_tcp *t, const struct cap_tcp_ops *ops, void *ctx);
/* One decoded segment; to_server: its destination is the server's port. */
void cap_tcp_segment(struct cap_tcp *t, const struct cap_seg *s, bool to_server, uint64_t frame);
/* The capture ended: holes become gaps, every connection closes. */
void cap_tcp_finish(struct cap_tcp *t);
void cap_tcp_fini(struct cap_tcp *t);

#endif
