/* infra/simnet (simnet_*): the simulated network between initiator ports and
 * gateway portals (named apart from the daemon's real one, ref_target/daemon/net.h).
 *
 * TCP as an application sees it: a connection is two in-order byte pipes.
 * What the network decides is *when* bytes arrive and in what pieces:
 * each send gets a latency drawn from a distribution, a slow link adds
 * serialization time, and every delivery hands the receiver the bytes due
 * in pieces cut at random boundaries (one byte, half a header, fifty PDUs
 * at once). Faults: partitions of one direction or both between an
 * initiator and a gateway (bytes wait, as TCP retransmits, and flow when
 * the partition heals; a SYN or SYN-ACK into a partition is lost and
 * retransmitted as the kernels do, SIMNET_SYN_RTO_NS), stalls of one
 * connection, resets (RST to both ends), slow links, and gateway nodes
 * that are paused (nothing delivered to them), crashed with RST to every
 * peer, or gone silently, powered off (peers notice only by timeout, or
 * by the RST a restarted node answers to old connections; what the node
 * had queued dies with it).
 *
 * Flow control as TCP's: an end that does not read its socket
 * (simnet_stop_reading for good, simnet_hold_reading for a while) gets
 * nothing delivered, and what its peer sends stays queued (TCP's window
 * closed). The kernels' socket buffers take the first sockbuf_bytes
 * (SIMNET_SOCKBUF_BYTES unless a scenario says) of a direction's unread
 * bytes; beyond them the sender holds the rest itself (simnet_send's
 * answer, simnet_unsent), as a daemon's send queue
 * does once write() says EAGAIN, and is told through ops->sent when that
 * falls (as EPOLLOUT tells it). Every queued byte is counted per gateway
 * (gw_unsent), the peak too: what a peer that never reads makes a target
 * hold. A socket closed while its peer does not read for good is reset
 * (the kernel gives up an orphan whose data nobody takes).
 *
 * Driven by the event queue; reports through struct simnet_ops, whose
 * callbacks may call simnet_send/simnet_close but never free the net.
 * Owns every connection and its queued bytes.
 */
#ifndef SIM_SIMNET_H
#define SIM_SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sim/base/evq.h"
#include "sim/base/mem.h"
#include "sim/base/rng.h"
#include "sim/base/trace.h"

enum simnet_side {
	SIMNET_INI = 0, /* the initiator's end */
	SIMNET_GW = 1,  /* the gateway's end */
};

#define SIMNET_READ_MAX 65536u /* most bytes one delivery hands over (a socket read) */
/* What the two kernels buffer of one direction before the sender's
 * write() says EAGAIN: the sender's send buffer plus the receiver's
 * receive buffer. Linux loopback (net.ipv4.tcp_wmem "4096 16384 4194304",
 * tcp_rmem "4096 131072 6291456"): send-buffer autotuning reaches the
 * 4 MiB maximum on a fast path, while a receiver that does not read keeps
 * its 128 KiB default (autotuning grows it only as the application
 * reads); skb overhead is left out (it makes the figure generous). Beyond
 * it the sender holds the bytes itself. Ordinary worlds stay far below
 * (a 1 MiB LU, windows of 32 commands): only a peer that stops reading
 * meets it. */
#define SIMNET_SOCKBUF_BYTES ((4u << 20) + (128u << 10))

/* The handshake's retransmissions, as the initiator's and the gateway's
 * kernels make them: a SYN (or SYN-ACK) that is not answered is sent
 * again after the initial RTO of 1 s (RFC 6298 §2.1; Linux
 * TCP_TIMEOUT_INIT), the RTO doubling each time (RFC 6298 §5.5), the
 * SYN tcp_syn_retries times (Linux default 6: at 1, 3, 7, 15, 31 and
 * 63 s; connect() fails with ETIMEDOUT at 127 s) and the SYN-ACK
 * tcp_synack_retries times (default 5: the half-open request is dropped
 * at 63 s). Linux 6.6 added net.ipv4.tcp_syn_linear_timeouts (default
 * 4: the SYN's first retransmissions 1 s apart, then doubling); the
 * model keeps 6.1's doubling, the kernel of the open-iscsi guest the
 * simulator's initiator is held against and of the distributions that
 * ship open-iscsi today (RHEL 8/9, Debian 12, Ubuntu 22.04). Set
 * SIMNET_SYN_LINEAR_TIMEOUTS to 4 for the newer kernels. */
#define SIMNET_SYN_RTO_NS 1000000000ull    /* RFC 6298 §2.1: the initial RTO */
#define SIMNET_SYN_RETRIES_MAX 6u           /* net.ipv4.tcp_syn_retries */
#define SIMNET_SYNACK_RETRIES_MAX 5u        /* net.ipv4.tcp_synack_retries */
#define SIMNET_SYN_LINEAR_TIMEOUTS 0u       /* net.ipv4.tcp_syn_linear_timeouts (Linux 6.6+: 4) */

struct simnet_params {
	struct sim_dist latency;    /* one way, per send */
	uint32_t split_ppm;         /* chance a delivery is cut into random pieces */
	uint32_t tiny_ppm;          /* chance a piece is 1..8 bytes */
	uint64_t rst_latency_ns;    /* how long a reset takes to reach an end */
	uint64_t sockbuf_bytes;     /* what the kernels buffer of one direction (SIMNET_SOCKBUF_BYTES) */
};

struct simnet_conn;

enum simnet_wire {
	SIMNET_WIRE_OPEN = 0, /* handshake done */
	SIMNET_WIRE_DATA,
	SIMNET_WIRE_FIN,
	SIMNET_WIRE_RST,
};

struct simnet_ops {
	void *ctx;
	/* A SYN reached gateway gw: return true to accept (the gateway is
	 * up and took the connection), false to answer RST. */
	bool (*accept)(void *ctx, struct simnet_conn *c);
	/* The initiator's connect finished: ok, or refused/reset. */
	void (*connected)(void *ctx, struct simnet_conn *c, bool ok);
	/* Bytes for end `to`: returns how many it took, len unless it
	 * stopped reading in the middle (simnet_hold_reading); the rest
	 * waits, in order, until it reads again. */
	size_t (*deliver)(void *ctx, struct simnet_conn *c, enum simnet_side to, const uint8_t *p, size_t len);
	/* The other end closed (FIN after its data) or the connection was reset. */
	void (*closed)(void *ctx, struct simnet_conn *c, enum simnet_side to, bool reset);
	/* Observer: what crosses the wire, in send order (checker, pcap). */
	void (*wire)(void *ctx, struct simnet_conn *c, enum simnet_wire what, enum simnet_side from, const uint8_t *p,
		size_t len);
	/* What end `from` holds unsent (simnet_unsent) fell below what it
	 * was last told (simnet_send's answer or this): the peer read, or
	 * the bytes were dropped. From an event of its own, once per event
	 * and connection end; never for a dead connection or a closed end.
	 * May be NULL. */
	void (*sent)(void *ctx, struct simnet_conn *c, enum simnet_side from, uint64_t unsent);
};

struct simnet_chunk;

struct simnet_pipe {
	struct simnet_chunk *head, *tail;
	uint64_t last_at;     /* arrival time of the last queued chunk: order is kept */
	uint64_t busy_until;  /* slow link: serialization of earlier sends */
	uint64_t ev_gen;      /* generation of the pending delivery event */
	bool ev_pending;
	uint64_t bytes_sent;
	uint64_t queued;      /* data bytes sent and not yet read by the other end */
	uint64_t unsent_told; /* what the sender was last told it holds (simnet_send, ops->sent) */
	bool sent_pending;    /* an ops->sent event is on its way */
};

struct simnet_conn {
	uint32_t id;
	int ini, path, gw;
	void *user[2];        /* the owner's handle for each end */
	struct simnet_pipe pipe[2]; /* indexed by the sending side */
	bool established;
	bool closed[2];       /* this end closed (sent FIN) or is gone */
	bool got_fin[2];      /* this end was told the peer closed */
	bool dead;            /* reset or torn down: nothing more happens */
	bool orphan_gw;       /* the gateway end vanished silently */
	bool syn_held;        /* the SYN waits for a paused gateway */
	bool syn_acked;       /* the initiator got the SYN-ACK (ops->connected told once) */
	uint8_t syn_tries;    /* SYNs retransmitted (SIMNET_SYN_RETRIES_MAX) */
	uint8_t synack_tries; /* SYN-ACKs retransmitted (SIMNET_SYNACK_RETRIES_MAX) */
	bool no_read[2];      /* this end does not read its socket (flow control stops its peer) */
	bool read_held[2];    /* this end does not read for now (simnet_hold_reading) */
	uint64_t stalled_until;
	uint64_t opened_at;
};

struct simnet_link {
	bool blocked[2];      /* by sending side: ini->gw, gw->ini */
	uint64_t bandwidth_Bps; /* 0: unlimited */
	uint64_t extra_latency_ns;
	uint32_t noise_ppm[2]; /* by sending side: chance a send has one byte flipped (F_NOISE) */
};

enum simnet_node_state {
	SIMNET_NODE_UP = 0,
	SIMNET_NODE_PAUSED, /* deliveries wait */
	SIMNET_NODE_DOWN,   /* connections refused */
};

struct simnet {
	const struct sim_mem *mem;
	struct evq *q;
	struct sim_trace *tr;
	struct sim_rng rng;
	struct simnet_params p;
	struct simnet_ops ops;
	int inis, gws;
	struct simnet_link *links;       /* inis * gws */
	enum simnet_node_state *gw_state;
	struct simnet_conn **conns;
	size_t nconns, conns_cap;
	uint8_t *scratch;             /* SIMNET_READ_MAX bytes for merged deliveries */
	/* The chunk a delivery reads in place while it is still in its
	 * pipe (a send larger than one read), and whether the pipe dropped
	 * it meanwhile (freed when the read is over). */
	struct simnet_chunk *reading;
	bool reading_dropped;
	uint64_t stats_bytes, stats_pieces, stats_resets, stats_syn_lost, stats_rst_from_restarted;
	uint64_t *gw_unsent;          /* per gateway: bytes it sent that its peers have not read */
	uint64_t stats_gw_unsent_max; /* the peak of any gateway's */
	uint64_t stats_window_shut;   /* deliveries held back by a receiver that does not read */
	uint64_t stats_queued_max;    /* most bytes queued in one direction of one connection */
	uint64_t stats_read_holds;    /* times an end stopped reading for a while */
	/* A noisy link (simnet_set_noise) draws from its own stream, so a
	 * world without noise draws exactly what it drew before. */
	struct sim_rng noise_rng;
	uint64_t stats_noise_flips;   /* sends that had a byte flipped */
};

void simnet_init(struct simnet *n, const struct sim_mem *mem, struct evq *q, struct sim_trace *tr,
	const struct sim_rng *rng, const struct simnet_params *p, const struct simnet_ops *ops, int inis, int gws);
void simnet_fini(struct simnet *n);

/* Open a connection from initiator ini (its path-th port) to gateway gw.
 * The answer comes through ops->connected, once: accepted, refused, or
 * (a SYN unanswered through every retransmission) timed out; unless the
 * initiator closes its end first. */
struct simnet_conn *simnet_connect(struct simnet *n, int ini, int path, int gw, void *ini_user);

/* Queue bytes from one end (all of them: what the socket buffers do not
 * take, the sender holds). Returns what that end now holds unsent
 * (simnet_unsent: 0 while the socket buffers take everything), or -1 if
 * it can no longer send. */
long simnet_send(struct simnet *n, struct simnet_conn *c, enum simnet_side from, const struct iovec *iov, int iovcnt);
/* Bytes end `from` has sent that its peer has not read, beyond what the
 * kernels' socket buffers take (simnet_params.sockbuf_bytes). */
uint64_t simnet_unsent(const struct simnet *n, const struct simnet_conn *c, enum simnet_side from);
/* Close one end: FIN after the queued bytes; that end gets nothing more. */
void simnet_close(struct simnet *n, struct simnet_conn *c, enum simnet_side side);
/* Abort one end (RST, as close() with SO_LINGER 0): its bytes not yet
 * delivered are dropped, and the other end learns of the reset when the
 * RST gets through (after a partition heals, a pause ends ...). */
void simnet_abort(struct simnet *n, struct simnet_conn *c, enum simnet_side side);
/* Reset: both ends are told (after rst_latency), queued bytes are lost. */
void simnet_reset(struct simnet *n, struct simnet_conn *c, const char *why);

/* Faults and node states. */
void simnet_set_blocked(struct simnet *n, int ini, int gw, enum simnet_side from, bool blocked);
void simnet_set_slow(struct simnet *n, int ini, int gw, uint64_t bandwidth_Bps, uint64_t extra_latency_ns);
/* A noisy link: each send from `from` between ini and gw has, with
 * chance ppm, one byte flipped after the wire observer saw it (what a
 * checksum TCP did not catch would do: only iSCSI's digests see it,
 * RFC 7143 §7.8). ppm 0: clean. Draws come from noise_rng (set it with
 * rng_stream before the first noisy send). */
void simnet_set_noise(struct simnet *n, int ini, int gw, enum simnet_side from, uint32_t ppm);
void simnet_stall(struct simnet *n, struct simnet_conn *c, uint64_t until);
void simnet_gw_state(struct simnet *n, int gw, enum simnet_node_state st);
/* A gateway process died: its kernel resets every connection. */
void simnet_gw_crash_rst(struct simnet *n, int gw);
/* A gateway machine died (power off): its ends vanish without a word,
 * with the bytes its kernel held (see simnet_gw_crash_silent). */
void simnet_gw_crash_silent(struct simnet *n, int gw);

/* One end stops reading its socket for good (a hostile initiator that
 * never reads; flow control stops the other end's bytes, which are
 * counted in pipe.queued and gw_unsent but not kept). */
void simnet_stop_reading(struct simnet *n, struct simnet_conn *c, enum simnet_side side);
/* One end stops reading for a while (hold), or reads again: a process
 * that takes its socket out of its poll set (the engine's backpressure,
 * rt_rx_space answering 0). Its peer's bytes stay queued, kept and in
 * order, and flow on when it reads again; a RST still gets through (and
 * drops them, as TCP does); a FIN waits behind them. */
void simnet_hold_reading(struct simnet *n, struct simnet_conn *c, enum simnet_side side, bool hold);

/* The connection with this id, or NULL. */
struct simnet_conn *simnet_conn_by_id(const struct simnet *n, uint32_t id);

#endif
