/* net: see net.h. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/limits.h"
#include "dlog.h"

/* Connection ids: slot in the low bits, the slot's generation above. */
#define NET_SLOT_BITS 16u
#define NET_SLOT_MASK ((1u << NET_SLOT_BITS) - 1u)
/* Fairness: work done for one descriptor per wakeup. */
#define NET_ACCEPTS_PER_EVENT 16
#define NET_READS_PER_EVENT 16
#define NET_BACKLOG 128
#define NET_OUTQ_MIN_CAP 4096u
/* Past this the queue grows to fit, in these steps (a doubled 8 MiB queue
 * would hold 16: memory the owner's budget does not see). */
#define NET_OUTQ_STEP (64u << 10)
/* Pieces in one sendmsg: the queue plus the caller's iovecs (a PDU is a
 * header, data and digests: a handful). */
#define NET_IOV_MAX 64

struct net_listener {
	struct net *net;
	int fd; /* -1: not listening */
	uint32_t portal;
	uint16_t port;
};

struct net_conn {
	struct net *net;
	int fd; /* -1: the slot is free */
	uint32_t slot;
	uint32_t gen;
	uint32_t mask;    /* what the loop watches */
	bool held;        /* not reading: the owner offered no room */
	bool closing;     /* the owner closed it: flush, then gone */
	bool dirty;       /* holds bytes for net_flush */
	uint64_t linger_until;
	uint8_t *out;     /* unsent bytes are out[out_off .. out_off + out_len) */
	size_t out_off, out_len, out_cap;
	size_t reported;  /* out_len as the owner last heard it */
};

struct net {
	struct loop *loop;
	struct net_ops ops;
	struct net_listener listeners[RT_PORTALS_MAX];
	struct net_conn *conns;
	uint32_t conns_max;
	uint32_t open;
	uint32_t lingering; /* closing with bytes still queued */
	uint32_t cursor;    /* where the search for a free slot starts */
	rt_conn_id *dirty;  /* connections holding bytes for net_flush */
	uint32_t dirty_count;
};

static rt_conn_id conn_id(const struct net_conn *c)
{
	return (c->gen << NET_SLOT_BITS) | c->slot;
}

static struct net_conn *lookup(const struct net *n, rt_conn_id id)
{
	uint32_t slot = id & NET_SLOT_MASK;
	if (slot >= n->conns_max)
		return NULL;
	struct net_conn *c = &n->conns[slot];
	return c->fd >= 0 && conn_id(c) == id ? c : NULL;
}

struct net *net_create(struct loop *l, const struct net_ops *ops, uint32_t conns_max)
{
	if (conns_max == 0 || conns_max > NET_SLOT_MASK + 1u)
		return NULL;
	struct net *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->conns = calloc(conns_max, sizeof(*n->conns));
	n->dirty = calloc(conns_max, sizeof(*n->dirty));
	if (n->conns == NULL || n->dirty == NULL) {
		free(n->conns);
		free(n->dirty);
		free(n);
		return NULL;
	}
	n->loop = l;
	n->ops = *ops;
	n->conns_max = conns_max;
	for (uint32_t i = 0; i < conns_max; i++)
		n->conns[i] = (struct net_conn){ .net = n, .fd = -1, .slot = i };
	for (uint32_t i = 0; i < RT_PORTALS_MAX; i++)
		n->listeners[i] = (struct net_listener){ .net = n, .fd = -1, .portal = i };
	return n;
}

static void conn_free(struct net_conn *c)
{
	struct net *n = c->net;
	if (c->closing && c->out_len > 0)
		n->lingering--;
	loop_unwatch(n->loop, c->fd);
	close(c->fd);
	free(c->out);
	*c = (struct net_conn){ .net = n, .fd = -1, .slot = c->slot, .gen = (c->gen + 1) & 0xffffu };
	n->open--;
}

void net_stop_listening(struct net *n)
{
	for (uint32_t i = 0; i < RT_PORTALS_MAX; i++) {
		struct net_listener *ls = &n->listeners[i];
		if (ls->fd < 0)
			continue;
		loop_unwatch(n->loop, ls->fd);
		close(ls->fd);
		ls->fd = -1;
	}
}

void net_destroy(struct net *n)
{
	if (n == NULL)
		return;
	net_stop_listening(n);
	for (uint32_t i = 0; i < n->conns_max; i++)
		if (n->conns[i].fd >= 0)
			conn_free(&n->conns[i]);
	free(n->conns);
	free(n->dirty);
	free(n);
}

static void conn_event(struct loop *l, int fd, void *data, uint32_t events);

/* Watch for what the connection needs now: reading unless closing or
 * held by the owner, writing while bytes the socket refused wait. */
static void conn_update_mask(struct net_conn *c)
{
	/* held-back bytes wait for net_flush, not for the socket */
	uint32_t mask = (c->closing || c->held ? 0 : LOOP_READ) | (c->out_len && !c->dirty ? LOOP_WRITE : 0);
	if (mask == c->mask)
		return;
	/* cannot fail: the descriptor is registered and below fd_max */
	(void)loop_watch(c->net->loop, c->fd, mask, conn_event, c);
	c->mask = mask;
}

/* The peer went away or the socket failed: forget it, then tell the owner
 * (after, so anything it sends from the callback is refused). */
static void conn_failed(struct net_conn *c)
{
	struct net *n = c->net;
	bool owner_knows = c->closing;
	rt_conn_id id = conn_id(c);
	conn_free(c);
	if (!owner_knows)
		n->ops.closed(n->ops.ctx, id);
}

static int queue_append(struct net_conn *c, const uint8_t *p, size_t len)
{
	if (len == 0)
		return 0;
	if (c->out_off + c->out_len + len > c->out_cap) {
		if (c->out_off > 0) {
			memmove(c->out, c->out + c->out_off, c->out_len);
			c->out_off = 0;
		}
		size_t need = c->out_len + len;
		size_t cap = c->out_cap ? c->out_cap : NET_OUTQ_MIN_CAP;
		while (cap < need && cap < NET_OUTQ_STEP)
			cap *= 2;
		if (cap < need)
			cap = (need + NET_OUTQ_STEP - 1) / NET_OUTQ_STEP * NET_OUTQ_STEP;
		if (cap != c->out_cap) {
			uint8_t *q = realloc(c->out, cap);
			if (q == NULL)
				return -1;
			c->out = q;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_off + c->out_len, p, len);
	c->out_len += len;
	return 0;
}

/* Send queued bytes until done or the socket is full: 0, or -1 if the
 * connection failed. */
static int conn_flush(struct net_conn *c)
{
	if (c->out_len == 0)
		return 0;
	while (c->out_len > 0) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->out_off += (size_t)w;
		c->out_len -= (size_t)w;
	}
	c->out_off = 0;
	if (c->out_cap > NET_OUTQ_STEP) {
		/* a burst's memory goes back once it is sent */
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	if (c->closing)
		c->net->lingering--;
	return 0;
}

/* Tell the owner its queue shrank (net_ops.sent's rule). The owner may
 * close c or send on it: nothing of c is touched after the call. */
static void report_sent(struct net_conn *c)
{
	if (c->closing || c->out_len >= c->reported || (!c->held && c->reported <= NET_CORK_BYTES))
		return;
	struct net *n = c->net;
	c->reported = c->out_len;
	if (c->held) {
		c->held = false; /* the owner is asked again at the next read */
		conn_update_mask(c);
	}
	n->ops.sent(n->ops.ctx, conn_id(c), c->out_len);
}

static void conn_read(struct net_conn *c)
{
	struct net *n = c->net;
	rt_conn_id id = conn_id(c);
	for (int i = 0; i < NET_READS_PER_EVENT; i++) {
		void *buf = NULL;
		size_t room = n->ops.rx_space(n->ops.ctx, id, &buf);
		if (room == 0) {
			/* backpressure: no reading until a sent report; if the
			 * owner's count is stale, report now */
			c->held = true;
			conn_update_mask(c);
			report_sent(c);
			return;
		}
		ssize_t r = recv(c->fd, buf, room, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0) { /* 0: the peer closed; < 0: reset */
			conn_failed(c);
			return;
		}
		n->ops.rx_commit(n->ops.ctx, id, (size_t)r);
		/* the owner may have closed it, or sent enough to pause it */
		if (lookup(n, id) == NULL || !(c->mask & LOOP_READ) || (size_t)r < room)
			return;
	}
}

static void conn_event(struct loop *l, int fd, void *data, uint32_t events)
{
	struct net_conn *c = data;
	rt_conn_id id = conn_id(c);
	(void)l;
	(void)fd;
	if (events & LOOP_WRITE) {
		if (conn_flush(c) != 0) {
			conn_failed(c);
			return;
		}
		if (c->closing && c->out_len == 0) {
			conn_free(c);
			return;
		}
		conn_update_mask(c);
		report_sent(c);
	}
	if ((events & LOOP_READ) && lookup(c->net, id) == c && (c->mask & LOOP_READ))
		conn_read(c);
}

static struct net_conn *slot_take(struct net *n)
{
	for (uint32_t k = 0; k < n->conns_max; k++) {
		uint32_t i = (n->cursor + k) % n->conns_max;
		if (n->conns[i].fd < 0) {
			n->cursor = (i + 1) % n->conns_max;
			return &n->conns[i];
		}
	}
	return NULL;
}

static void peer_name(const struct sockaddr_storage *sa, socklen_t len, char *out, size_t out_len)
{
	char host[INET6_ADDRSTRLEN], serv[8];
	if (getnameinfo((const struct sockaddr *)sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, out_len, "?");
	else
		snprintf(out, out_len, sa->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

/* The source address as the engine keys it (the port is not part of it). */
static void peer_addr(const struct sockaddr_storage *sa, struct rt_peer *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->ss_family == AF_INET) {
		out->family = RT_PEER_IPV4;
		memcpy(out->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		out->family = RT_PEER_IPV6;
		memcpy(out->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	}
}

static void conn_open(struct net *n, int fd, uint32_t portal, const struct sockaddr_storage *sa,
		      const char *peer)
{
	int one = 1;
	/* iSCSI PDUs are small requests and answers: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct net_conn *c = slot_take(n);
	if (c == NULL) {
		dlog(RT_LOG_WARN, "refusing connection from %s: %u open, the most we take", peer, n->conns_max);
		close(fd);
		return;
	}
	if (loop_watch(n->loop, fd, LOOP_READ, conn_event, c) != 0) {
		dlog(RT_LOG_WARN, "refusing connection from %s: %s", peer, strerror(errno));
		close(fd);
		return;
	}
	c->fd = fd;
	c->mask = LOOP_READ;
	n->open++;
	rt_conn_id id = conn_id(c);
	dlog(RT_LOG_DEBUG, "connection %#x from %s on portal %u", id, peer, portal);
	struct rt_peer from;
	peer_addr(sa, &from);
	if (n->ops.accept(n->ops.ctx, id, portal, &from) != 0) {
		dlog(RT_LOG_DEBUG, "connection from %s refused by the target", peer);
		if (lookup(n, id))
			conn_free(c);
	}
}

static void listener_event(struct loop *l, int fd, void *data, uint32_t events)
{
	struct net_listener *ls = data;
	(void)l;
	(void)events;
	for (int i = 0; i < NET_ACCEPTS_PER_EVENT; i++) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);
		int cfd = accept4(fd, (struct sockaddr *)&sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				dlog(RT_LOG_WARN, "portal %u: accept: %s", ls->portal, strerror(errno));
			return;
		}
		char peer[INET6_ADDRSTRLEN + 10];
		peer_name(&sa, len, peer, sizeof(peer));
		conn_open(ls->net, cfd, ls->portal, &sa, peer);
	}
}

/* "a.b.c.d" or "[v6]" into a socket address. */
static int parse_address(const char *address, uint16_t port, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN];
	size_t n = strlen(address);
	memset(sa, 0, sizeof(*sa));
	if (n >= 2 && address[0] == '[' && address[n - 1] == ']' && n - 2 < sizeof(host)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
		memcpy(host, address + 1, n - 2);
		host[n - 2] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, address, &s4->sin_addr) == 1 ? 0 : -1;
}

int net_listen(struct net *n, uint32_t portal, const char *address, uint16_t port, char *err, size_t err_len)
{
	struct sockaddr_storage sa;
	socklen_t len;
	if (portal >= RT_PORTALS_MAX || n->listeners[portal].fd >= 0) {
		snprintf(err, err_len, "portal %u: already listening or out of range", portal);
		return -1;
	}
	if (parse_address(address, port, &sa, &len) != 0) {
		snprintf(err, err_len, "%s: not an IPv4 address or a bracketed IPv6 address", address);
		return -1;
	}
	int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	const char *step = "socket";
	if (fd >= 0) {
		/* restart without waiting for TIME_WAIT; and let [::] and
		 * 0.0.0.0 be two portals rather than one clash */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (sa.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		step = bind(fd, (struct sockaddr *)&sa, len) != 0 ? "bind"
		     : listen(fd, NET_BACKLOG) != 0 ? "listen"
		     : getsockname(fd, (struct sockaddr *)&sa, &len) != 0 ? "getsockname"
		     : loop_watch(n->loop, fd, LOOP_READ, listener_event, &n->listeners[portal]) != 0 ? "epoll"
		     : NULL;
	}
	if (step) {
		snprintf(err, err_len, "cannot listen on %s:%u: %s: %s", address, port, step, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	n->listeners[portal].fd = fd;
	n->listeners[portal].port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
								   : ((struct sockaddr_in *)&sa)->sin_port);
	return 0;
}

uint16_t net_port(const struct net *n, uint32_t portal)
{
	return portal < RT_PORTALS_MAX && n->listeners[portal].fd >= 0 ? n->listeners[portal].port : 0;
}

/* Send the queue and then iov (up to NET_IOV_MAX pieces) in one call.
 * Returns the bytes taken, or -1 if the connection failed. */
static ssize_t send_gather(struct net_conn *c, const struct iovec *iov, int iovcnt)
{
	struct iovec v[NET_IOV_MAX];
	int n = 0;
	if (c->out_len > 0)
		v[n++] = (struct iovec){ c->out + c->out_off, c->out_len };
	for (int i = 0; i < iovcnt && n < NET_IOV_MAX; i++)
		v[n++] = iov[i];
	struct msghdr m = { .msg_iov = v, .msg_iovlen = (size_t)n };
	ssize_t w;
	do
		w = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	return w;
}

static void mark_dirty(struct net *n, struct net_conn *c)
{
	if (c->dirty)
		return;
	c->dirty = true;
	n->dirty[n->dirty_count++] = conn_id(c);
}

long net_send(struct net *n, rt_conn_id id, const struct iovec *iov, int iovcnt)
{
	struct net_conn *c = lookup(n, id);
	if (c == NULL || c->closing || iovcnt < 0)
		return -1;
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	size_t sent = 0;
	if (!(c->mask & LOOP_WRITE) && c->out_len + total > NET_CORK_BYTES) {
		/* large: what is held back, then this, straight from the
		 * caller's buffers; only what the socket refuses is copied */
		ssize_t w = send_gather(c, iov, iovcnt);
		if (w < 0)
			return -1;
		sent = (size_t)w;
		size_t from_queue = sent < c->out_len ? sent : c->out_len;
		c->out_off += from_queue;
		c->out_len -= from_queue;
		sent -= from_queue;
	}
	/* keep the rest, in order: small answers wait here for net_flush at
	 * the end of the event, and leave together in one send */
	for (int i = 0; i < iovcnt; i++) {
		size_t skip = sent < iov[i].iov_len ? sent : iov[i].iov_len;
		sent -= skip;
		if (queue_append(c, (const uint8_t *)iov[i].iov_base + skip, iov[i].iov_len - skip) != 0) {
			dlog(RT_LOG_WARN, "connection %#x: out of memory for %zu queued bytes", id, c->out_len);
			return -1;
		}
	}
	if (c->out_len > 0 && !(c->mask & LOOP_WRITE))
		mark_dirty(n, c);
	conn_update_mask(c);
	c->reported = c->out_len;
	return (long)c->out_len;
}

void net_flush(struct net *n)
{
	for (uint32_t i = 0; i < n->dirty_count; i++) {
		struct net_conn *c = lookup(n, n->dirty[i]);
		if (c == NULL)
			continue;
		c->dirty = false;
		if (conn_flush(c) != 0) {
			conn_failed(c);
		} else if (c->closing && c->out_len == 0) {
			conn_free(c);
		} else {
			conn_update_mask(c);
			report_sent(c); /* may send: more entries, seen by this loop */
		}
	}
	n->dirty_count = 0;
}

void net_close(struct net *n, rt_conn_id id)
{
	struct net_conn *c = lookup(n, id);
	if (c == NULL || c->closing)
		return;
	/* what is queued goes first; nothing left (or a dead socket): gone */
	if (conn_flush(c) != 0 || c->out_len == 0) {
		conn_free(c);
		return;
	}
	c->closing = true;
	c->linger_until = loop_now_ns() + NET_LINGER_NS;
	n->lingering++;
	conn_update_mask(c);
}

uint64_t net_next_deadline(const struct net *n)
{
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; n->lingering > 0 && i < n->conns_max; i++) {
		const struct net_conn *c = &n->conns[i];
		if (c->fd >= 0 && c->closing && c->out_len > 0 && c->linger_until < next)
			next = c->linger_until;
	}
	return next;
}

void net_on_time(struct net *n, uint64_t now_ns)
{
	for (uint32_t i = 0; n->lingering > 0 && i < n->conns_max; i++) {
		struct net_conn *c = &n->conns[i];
		if (c->fd >= 0 && c->closing && c->out_len > 0 && c->linger_until <= now_ns) {
			dlog(RT_LOG_DEBUG, "connection %#x: closed with %zu bytes unsent", conn_id(c), c->out_len);
			conn_free(c);
		}
	}
}

uint32_t net_conn_count(const struct net *n)
{
	return n->open;
}

size_t net_queued(const struct net *n, rt_conn_id id)
{
	const struct net_conn *c = lookup(n, id);
	return c ? c->out_len : 0;
}
