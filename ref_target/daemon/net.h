/* net: listening sockets and TCP connections for the daemon.
 *
 * Accepts on each portal (IPv4 or IPv6, non-blocking, TCP_NODELAY), reads
 * straight into the buffer its owner offers (the engine's zero-copy
 * rt_rx_space/rt_rx_commit), and sends with one sendmsg per connection per
 * event: small answers (up to NET_CORK_BYTES) are gathered in the
 * connection's output queue and leave together at net_flush, after the
 * event; a larger one goes at once, gathered behind what was queued,
 * straight from the caller's iovecs, and only the unsent rest is copied.
 * (Measured with iscsi-perf, 4 KiB reads, 32 in flight: one sendmsg per
 * PDU cost 1.4 syscalls per I/O, 95% of the daemon's syscall time.)
 * net_send answers with the bytes queued (unsent), and the owner hears of
 * every later decrease through net_ops.sent: the owner charges them to
 * its memory budget and decides backpressure (ref_target/core/mem.h). A
 * connection whose owner offers no room (rx_space answers 0) is not read
 * until the next sent report asks again. The queue's memory follows its
 * contents: grown to fit (not doubled) past NET_OUTQ_MIN_CAP, freed once
 * empty. Closing flushes the queue first, for at most NET_LINGER_NS.
 *
 * Owns the sockets and queues. Connection ids carry a generation, so a
 * stale id (a connection closed and its slot reused) is refused, never
 * confused with the new one. Knows nothing of iSCSI: the owner's net_ops
 * see bytes.
 */
#ifndef RT_NET_H
#define RT_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/rt_env.h"
#include "loop.h"

/* Ours: answers this small (with what is already queued) wait for net_flush. */
#define NET_CORK_BYTES (64u << 10)
/* Ours: how long a closed connection may keep flushing its queue. */
#define NET_LINGER_NS (5ull * 1000000000ull)

struct net;

struct net_ops {
	void *ctx;
	/* A connection from peer (its source address) arrived on portal;
	 * -1 refuses it (it is closed). */
	int (*accept)(void *ctx, rt_conn_id c, uint32_t portal, const struct rt_peer *peer);
	/* Where the next bytes go, and how many fit; 0: do not read this
	 * connection until the next sent report for it. */
	size_t (*rx_space)(void *ctx, rt_conn_id c, void **buf);
	void (*rx_commit)(void *ctx, rt_conn_id c, size_t len);
	/* The peer closed or the connection failed. Not called for
	 * connections the owner closed with net_close. */
	void (*closed)(void *ctx, rt_conn_id c);
	/* The queue of c shrank to unsent bytes (the owner was told more by
	 * net_send or an earlier report). Reported after the flush that sent
	 * them, for a connection the owner paused or was told holds more than
	 * NET_CORK_BYTES; smaller drops of a reading connection are left for
	 * the next net_send's answer (cheap on the hot path, never stale by
	 * more than NET_CORK_BYTES). */
	void (*sent)(void *ctx, rt_conn_id c, size_t unsent);
};

struct net *net_create(struct loop *l, const struct net_ops *ops, uint32_t conns_max);
/* Close every socket at once, without callbacks. */
void net_destroy(struct net *n);

/* Listen on "a.b.c.d" or "[v6]" (port 0: any free port); the portal
 * number is what accept reports. On error writes why and returns -1. */
int net_listen(struct net *n, uint32_t portal, const char *address, uint16_t port, char *err, size_t err_len);
/* The port a portal listens on (useful after port 0), 0 if none. */
uint16_t net_port(const struct net *n, uint32_t portal);
/* Stop accepting; existing connections go on. */
void net_stop_listening(struct net *n);

/* rt_env's conn_send and conn_close: net_send returns the bytes now
 * queued for c, or -1 if it is gone. */
long net_send(struct net *n, rt_conn_id c, const struct iovec *iov, int iovcnt);
void net_close(struct net *n, rt_conn_id c);
/* Send what net_send held back. The owner calls it after every event
 * (the loop's after_event hook), once the event's sends are all in. */
void net_flush(struct net *n);

/* Closing connections still flushing: their deadline, and its expiry. */
uint64_t net_next_deadline(const struct net *n);
void net_on_time(struct net *n, uint64_t now_ns);

/* Open connections, including closing ones still flushing. */
uint32_t net_conn_count(const struct net *n);
/* Bytes queued for a connection (tests, debugging); 0 for a stale id. */
size_t net_queued(const struct net *n, rt_conn_id c);

#endif
