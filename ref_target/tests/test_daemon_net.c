/* Tests of the daemon's event loop (daemon/loop.c) and sockets
 * (daemon/net.c) over real loopback TCP, with a small test owner in place
 * of the engine: it records what arrives, can echo it, can answer every
 * commit with a flood of patterned bytes, and can refuse connections.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/dlog.h"
#include "daemon/loop.h"
#include "daemon/net.h"

#define ROUND_NS 5000000ull /* one loop round waits at most 5 ms */

struct owner {
	struct loop *loop;
	struct net *net;
	uint8_t stage[7];  /* small on purpose: data crosses many rx_space calls */
	uint8_t *got;
	size_t got_len, got_cap;
	bool echo;
	size_t flood;      /* bytes to send per commit, a counting pattern */
	uint64_t flood_pos;
	bool refuse;
	size_t high;       /* offer no room while more than this is queued (0: never) */
	size_t unsent;     /* what net said it holds for o->id */
	int accepts, closes, commits, after_events, timeouts, sents;
	rt_conn_id id, closed_id;
	struct rt_peer peer; /* the last accepted connection's source */
	uint64_t deadline; /* the owner's own timed work, UINT64_MAX: none */
};

static int o_accept(void *ctx, rt_conn_id c, uint32_t portal, const struct rt_peer *peer)
{
	struct owner *o = ctx;
	(void)portal;
	o->peer = *peer;
	o->accepts++;
	o->id = c;
	return o->refuse ? -1 : 0;
}

static size_t o_space(void *ctx, rt_conn_id c, void **buf)
{
	struct owner *o = ctx;
	(void)c;
	*buf = o->stage;
	return o->high && o->unsent > o->high ? 0 : sizeof(o->stage);
}

static void o_commit(void *ctx, rt_conn_id c, size_t len)
{
	struct owner *o = ctx;
	o->commits++;
	if (o->got_len + len > o->got_cap) {
		o->got_cap = (o->got_cap + len) * 2;
		o->got = realloc(o->got, o->got_cap);
		ck_assert_ptr_nonnull(o->got);
	}
	memcpy(o->got + o->got_len, o->stage, len);
	o->got_len += len;
	if (o->echo) {
		/* two iovecs, to exercise the gather path */
		struct iovec iov[2] = { { o->stage, len / 2 }, { o->stage + len / 2, len - len / 2 } };
		ck_assert_int_ge(net_send(o->net, c, iov, 2), 0);
	}
	if (o->flood) {
		uint8_t *p = malloc(o->flood);
		for (size_t i = 0; i < o->flood; i++)
			p[i] = (uint8_t)(o->flood_pos++ % 251);
		struct iovec iov = { p, o->flood };
		long q = net_send(o->net, c, &iov, 1);
		ck_assert_int_ge(q, 0);
		o->unsent = (size_t)q;
		free(p);
	}
}

static void o_closed(void *ctx, rt_conn_id c)
{
	struct owner *o = ctx;
	o->closes++;
	o->closed_id = c;
}

static void o_sent(void *ctx, rt_conn_id c, size_t unsent)
{
	struct owner *o = ctx;
	(void)c;
	o->sents++;
	o->unsent = unsent;
}

static uint64_t o_deadline(void *ctx)
{
	struct owner *o = ctx;
	uint64_t t = loop_now_ns() + ROUND_NS;
	uint64_t n = o->net ? net_next_deadline(o->net) : UINT64_MAX;
	if (o->deadline < t)
		t = o->deadline;
	return n < t ? n : t;
}

static void o_time(void *ctx)
{
	struct owner *o = ctx;
	uint64_t now = loop_now_ns();
	if (o->deadline <= now) {
		o->timeouts++;
		o->deadline = UINT64_MAX;
	}
	net_on_time(o->net, now);
}

static void o_after(void *ctx)
{
	struct owner *o = ctx;
	o->after_events++;
	net_flush(o->net);
}

static void owner_init(struct owner *o, uint32_t conns_max)
{
	memset(o, 0, sizeof(*o));
	dlog_set_level(RT_LOG_ERR); /* refusals are expected here */
	o->deadline = UINT64_MAX;
	const struct loop_hooks hooks = { o, o_deadline, o_time, o_after };
	const struct net_ops ops = { o, o_accept, o_space, o_commit, o_closed, o_sent };
	o->loop = loop_create(1024, &hooks);
	ck_assert_ptr_nonnull(o->loop);
	o->net = net_create(o->loop, &ops, conns_max);
	ck_assert_ptr_nonnull(o->net);
}

static void owner_fini(struct owner *o)
{
	net_destroy(o->net);
	loop_destroy(o->loop);
	free(o->got);
}

static uint16_t listen_any(struct owner *o, uint32_t portal, const char *address)
{
	char err[256];
	ck_assert_msg(net_listen(o->net, portal, address, 0, err, sizeof(err)) == 0, "%s", err);
	uint16_t port = net_port(o->net, portal);
	ck_assert_uint_ne(port, 0);
	return port;
}

static int dial(int family, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&ss, len), 0);
	return fd;
}

static void pump(struct owner *o, int rounds)
{
	for (int i = 0; i < rounds; i++)
		ck_assert_int_eq(loop_run_once(o->loop), 0);
}

/* Pump until cond() or about 2 s. */
#define PUMP_UNTIL(o, cond)                                    \
	do {                                                   \
		for (int r_ = 0; r_ < 400 && !(cond); r_++)    \
			pump((o), 1);                          \
		ck_assert_msg((cond), "timed out: %s", #cond); \
	} while (0)

/* Read exactly len bytes from fd (non-blocking), pumping the loop. */
static void client_read(struct owner *o, int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	for (int r = 0; r < 4000 && got < len; r++) {
		ssize_t n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		else
			pump(o, 1);
	}
	ck_assert_uint_eq(got, len);
}

/* True when the peer closed: recv returns 0 (after any data). */
static bool client_sees_eof(struct owner *o, int fd)
{
	uint8_t b[4096];
	for (int r = 0; r < 400; r++) {
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0)
			return true;
		if (n < 0 && errno != EAGAIN)
			return true; /* reset counts as closed */
		pump(o, 1);
	}
	return false;
}

START_TEST(net_echoes_bytes_split_across_small_receive_buffers)
{
	struct owner o;
	owner_init(&o, 4);
	o.echo = true;
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	uint8_t out[10000], back[sizeof(out)];
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(send(fd, out, sizeof(out), 0), (ssize_t)sizeof(out));
	client_read(&o, fd, back, sizeof(back));
	ck_assert_mem_eq(back, out, sizeof(out));
	ck_assert_uint_eq(o.got_len, sizeof(out));
	ck_assert_mem_eq(o.got, out, sizeof(out));
	ck_assert_int_eq(o.accepts, 1);
	ck_assert_int_ge(o.commits, (int)(sizeof(out) / sizeof(o.stage)));
	ck_assert_int_gt(o.after_events, 0);
	close(fd);
	owner_fini(&o);
}
END_TEST

/* Small answers made during one event leave together after it. */
START_TEST(net_gathers_small_sends_until_flush)
{
	struct owner o;
	owner_init(&o, 4);
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	PUMP_UNTIL(&o, o.accepts == 1);
	char abc[] = "abc", de[] = "de", f[] = "f";
	struct iovec a = { abc, 3 }, b[2] = { { de, 2 }, { f, 1 } };
	ck_assert_int_eq(net_send(o.net, o.id, &a, 1), 3); /* held back for net_flush */
	ck_assert_int_eq(net_send(o.net, o.id, b, 2), 6);
	ck_assert_uint_eq(net_queued(o.net, o.id), 6);
	uint8_t r[16];
	ck_assert_int_eq(recv(fd, r, sizeof(r), MSG_DONTWAIT), -1); /* nothing yet */
	net_flush(o.net);
	ck_assert_uint_eq(net_queued(o.net, o.id), 0);
	client_read(&o, fd, r, 6);
	ck_assert_mem_eq(r, "abcdef", 6);
	/* a large send goes at once, behind what was held back, in order */
	size_t len = NET_CORK_BYTES + 1;
	uint8_t *big = malloc(len), *back = malloc(len + 3);
	memset(big, 'z', len);
	struct iovec bi = { big, len };
	ck_assert_int_eq(net_send(o.net, o.id, &a, 1), 3);
	ck_assert_int_ge(net_send(o.net, o.id, &bi, 1), 0);
	client_read(&o, fd, back, len + 3);
	ck_assert_mem_eq(back, "abc", 3);
	ck_assert_mem_eq(back + 3, big, len);
	free(big);
	free(back);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_sets_tcp_nodelay_on_accepted_sockets)
{
	struct owner o;
	owner_init(&o, 4);
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	PUMP_UNTIL(&o, o.accepts == 1);
	/* the accepted socket was opened after the client's: look there */
	int found = 0;
	for (int s = fd + 1; s < fd + 16; s++) {
		int v = 0;
		socklen_t l = sizeof(v);
		if (getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &l) == 0 && v == 1)
			found = 1;
	}
	ck_assert(found);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_serves_ipv6_portals)
{
	struct owner o;
	owner_init(&o, 4);
	o.echo = true;
	int fd = dial(AF_INET6, listen_any(&o, 3, "[::1]"));
	uint8_t b[3] = { 1, 2, 3 }, r[3];
	ck_assert_int_eq(send(fd, b, 3, 0), 3);
	client_read(&o, fd, r, 3);
	ck_assert_mem_eq(r, b, 3);
	/* the engine learns the source address (admit.h), here ::1 */
	static const uint8_t loopback6[16] = { [15] = 1 };
	ck_assert_uint_eq(o.peer.family, RT_PEER_IPV6);
	ck_assert_mem_eq(o.peer.addr, loopback6, 16);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_tells_the_owner_the_source_address_of_each_connection)
{
	struct owner o;
	owner_init(&o, 4);
	uint16_t port = listen_any(&o, 0, "127.0.0.1");
	/* bind the client to 127.0.0.2: the owner must see that, not the portal's */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002) };
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&dst, sizeof(dst)), 0);
	PUMP_UNTIL(&o, o.accepts == 1);
	ck_assert_uint_eq(o.peer.family, RT_PEER_IPV4);
	ck_assert_mem_eq(o.peer.addr, "\x7f\x00\x00\x02", 4);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_reports_a_busy_port)
{
	struct owner o;
	char err[256];
	owner_init(&o, 4);
	uint16_t port = listen_any(&o, 0, "127.0.0.1");
	ck_assert_int_eq(net_listen(o.net, 1, "127.0.0.1", port, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "Address already in use") && strstr(err, "cannot listen on 127.0.0.1:"), "%s", err);
	ck_assert_int_eq(net_listen(o.net, 2, "localhost", 3260, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "localhost: not an IPv4 address or a bracketed IPv6 address");
	owner_fini(&o);
}
END_TEST

START_TEST(net_reports_peer_close_once_and_refuses_stale_ids)
{
	struct owner o;
	owner_init(&o, 4);
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	PUMP_UNTIL(&o, o.accepts == 1);
	ck_assert_uint_eq(net_conn_count(o.net), 1);
	close(fd);
	PUMP_UNTIL(&o, o.closes == 1);
	ck_assert_uint_eq(o.closed_id, o.id);
	ck_assert_uint_eq(net_conn_count(o.net), 0);
	uint8_t b = 0;
	struct iovec iov = { &b, 1 };
	ck_assert_int_eq(net_send(o.net, o.id, &iov, 1), -1);
	net_close(o.net, o.id); /* harmless */
	/* the slot is reused under a new id */
	fd = dial(AF_INET, net_port(o.net, 0));
	PUMP_UNTIL(&o, o.accepts == 2);
	ck_assert_uint_ne(o.id, o.closed_id);
	ck_assert_int_eq(net_send(o.net, o.closed_id, &iov, 1), -1);
	ck_assert_int_eq(net_send(o.net, o.id, &iov, 1), 1); /* queued for net_flush */
	pump(&o, 3);
	ck_assert_int_eq(o.closes, 1);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_closes_connections_the_owner_refuses)
{
	struct owner o;
	owner_init(&o, 4);
	o.refuse = true;
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	ck_assert(client_sees_eof(&o, fd));
	ck_assert_int_eq(o.accepts, 1);
	ck_assert_int_eq(o.closes, 0);
	ck_assert_uint_eq(net_conn_count(o.net), 0);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_refuses_connections_beyond_its_table)
{
	struct owner o;
	owner_init(&o, 1);
	uint16_t port = listen_any(&o, 0, "127.0.0.1");
	int a = dial(AF_INET, port);
	PUMP_UNTIL(&o, o.accepts == 1);
	int b = dial(AF_INET, port);
	ck_assert(client_sees_eof(&o, b));
	ck_assert_int_eq(o.accepts, 1);
	ck_assert_uint_eq(net_conn_count(o.net), 1);
	close(a);
	close(b);
	owner_fini(&o);
}
END_TEST

/* A peer that sends but does not read: the queue grows past the owner's
 * mark, the owner offers no room, reading stops, memory stays bounded;
 * once the peer reads, the queue drains, net reports it, reading resumes,
 * and every byte arrives in order. */
#define OWNER_HIGH (16u << 20)
START_TEST(net_stops_reading_while_output_queue_is_full)
{
	struct owner o;
	owner_init(&o, 4);
	o.flood = 1u << 20;
	o.high = OWNER_HIGH;
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	uint8_t in[256];
	memset(in, 'x', sizeof(in));
	ck_assert_int_eq(send(fd, in, sizeof(in), 0), (ssize_t)sizeof(in));
	pump(&o, 50);
	size_t queued = net_queued(o.net, o.id);
	ck_assert_uint_gt(queued, OWNER_HIGH);
	ck_assert_uint_eq(queued, o.unsent); /* net_send told the owner */
	/* every commit adds flood bytes: commits stopped at the bound */
	ck_assert_uint_le(queued, OWNER_HIGH + o.flood);
	ck_assert_uint_lt(o.got_len, sizeof(in));
	int commits = o.commits;
	pump(&o, 20);
	ck_assert_int_eq(o.commits, commits);

	/* the peer reads: reading resumes, the rest of the input arrives */
	uint64_t want = 0, bad = 0;
	uint8_t *buf = malloc(1u << 16);
	for (int r = 0; r < 20000 && (o.got_len < sizeof(in) || want < o.flood_pos); r++) {
		if (o.got_len == sizeof(in))
			o.flood = 0; /* all input in: stop answering, drain the rest */
		ssize_t n = recv(fd, buf, 1u << 16, MSG_DONTWAIT);
		for (ssize_t i = 0; i < n; i++)
			bad += buf[i] != (uint8_t)(want++ % 251);
		if (n <= 0)
			pump(&o, 1);
	}
	ck_assert_uint_eq(o.got_len, sizeof(in));
	ck_assert_uint_eq(want, o.flood_pos);
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(net_queued(o.net, o.id), 0);
	ck_assert_int_gt(o.sents, 0);
	/* the drain was reported, down to at most a corked batch (net_ops.sent) */
	ck_assert_uint_le(o.unsent, NET_CORK_BYTES);
	free(buf);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_close_flushes_queued_bytes_first)
{
	struct owner o;
	owner_init(&o, 4);
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	PUMP_UNTIL(&o, o.accepts == 1);
	size_t len = 8u << 20;
	uint8_t *p = malloc(len), *r = malloc(len);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i % 253);
	struct iovec iov = { p, len };
	long q = net_send(o.net, o.id, &iov, 1);
	ck_assert_int_gt(q, 0); /* more than the socket takes at once */
	ck_assert_uint_eq(net_queued(o.net, o.id), (size_t)q);
	net_close(o.net, o.id);
	net_flush(o.net); /* as the owner does at the end of every event */
	ck_assert_int_eq(net_send(o.net, o.id, &iov, 1), -1); /* closing: nothing more */
	ck_assert_uint_eq(net_conn_count(o.net), 1);          /* still flushing */
	ck_assert_uint_ne(net_next_deadline(o.net), UINT64_MAX);
	client_read(&o, fd, r, len);
	ck_assert_mem_eq(r, p, len);
	ck_assert(client_sees_eof(&o, fd));
	ck_assert_uint_eq(net_conn_count(o.net), 0);
	ck_assert_uint_eq(net_next_deadline(o.net), UINT64_MAX);
	ck_assert_int_eq(o.closes, 0); /* the owner closed it: no callback */
	free(p);
	free(r);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_drops_a_closing_connection_after_the_linger_time)
{
	struct owner o;
	owner_init(&o, 4);
	int fd = dial(AF_INET, listen_any(&o, 0, "127.0.0.1"));
	PUMP_UNTIL(&o, o.accepts == 1);
	size_t len = 16u << 20;
	uint8_t *p = calloc(1, len);
	struct iovec iov = { p, len };
	ck_assert_int_gt(net_send(o.net, o.id, &iov, 1), 0);
	net_close(o.net, o.id);
	uint64_t dl = net_next_deadline(o.net);
	ck_assert_uint_ge(dl, loop_now_ns() + NET_LINGER_NS - 1000000000ull);
	net_on_time(o.net, dl - 1);
	ck_assert_uint_eq(net_conn_count(o.net), 1);
	net_on_time(o.net, dl);
	ck_assert_uint_eq(net_conn_count(o.net), 0);
	ck_assert_uint_eq(net_next_deadline(o.net), UINT64_MAX);
	free(p);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(net_stop_listening_refuses_new_connections)
{
	struct owner o;
	owner_init(&o, 4);
	uint16_t port = listen_any(&o, 0, "127.0.0.1");
	net_stop_listening(o.net);
	ck_assert_uint_eq(net_port(o.net, 0), 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	close(fd);
	owner_fini(&o);
}
END_TEST

START_TEST(loop_runs_timed_work_at_its_deadline)
{
	struct owner o;
	owner_init(&o, 1);
	uint64_t t0 = loop_now_ns();
	o.deadline = t0 + 20000000ull; /* 20 ms */
	/* With nothing to read, each round's wait ends at the earlier of the
	 * deadline and this owner's ROUND_NS cap: the timer runs in round
	 * 20 ms / ROUND_NS (one more if a wait ends a little early), never
	 * before its time; a loop that spun would take many more rounds.
	 * Counted in rounds, not measured in wall time: an upper bound of
	 * 200 ms failed under load 12 (the process not scheduled in time),
	 * which says nothing about the loop. */
	const int rounds_max = (int)(20000000ull / ROUND_NS) + 2;
	int rounds = 0;
	while (o.timeouts == 0 && rounds < 100) {
		pump(&o, 1);
		rounds++;
	}
	ck_assert_int_eq(o.timeouts, 1);
	ck_assert_int_le(rounds, rounds_max);
	ck_assert_uint_ge(loop_now_ns(), t0 + 20000000ull);
	owner_fini(&o);
}
END_TEST

struct stopper {
	struct loop *loop;
	int rounds;
};

static uint64_t s_deadline(void *ctx)
{
	(void)ctx;
	return loop_now_ns(); /* always due */
}

static void s_time(void *ctx)
{
	struct stopper *s = ctx;
	if (++s->rounds == 3)
		loop_stop(s->loop);
}

static void s_after(void *ctx)
{
	(void)ctx;
}

START_TEST(loop_run_returns_after_stop)
{
	struct stopper s = { 0 };
	const struct loop_hooks hooks = { &s, s_deadline, s_time, s_after };
	s.loop = loop_create(16, &hooks);
	ck_assert_int_eq(loop_run(s.loop), 0);
	ck_assert_int_eq(s.rounds, 3);
	loop_destroy(s.loop);
}
END_TEST

START_TEST(loop_refuses_descriptors_beyond_its_table)
{
	struct stopper s = { 0 };
	const struct loop_hooks hooks = { &s, s_deadline, s_time, s_after };
	s.loop = loop_create(4, &hooks);
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	int big = dup2(fds[0], 100);
	ck_assert_int_eq(loop_watch(s.loop, big, LOOP_READ, NULL, NULL), -1);
	ck_assert_int_eq(errno, EMFILE);
	close(big);
	close(fds[0]);
	close(fds[1]);
	loop_destroy(s.loop);
}
END_TEST

Suite *suite_daemon_net(void);
Suite *suite_daemon_net(void)
{
	Suite *s = suite_create("daemon_net");
	TCase *tc = tcase_create("net");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, net_echoes_bytes_split_across_small_receive_buffers);
	tcase_add_test(tc, net_gathers_small_sends_until_flush);
	tcase_add_test(tc, net_sets_tcp_nodelay_on_accepted_sockets);
	tcase_add_test(tc, net_serves_ipv6_portals);
	tcase_add_test(tc, net_tells_the_owner_the_source_address_of_each_connection);
	tcase_add_test(tc, net_reports_a_busy_port);
	tcase_add_test(tc, net_reports_peer_close_once_and_refuses_stale_ids);
	tcase_add_test(tc, net_closes_connections_the_owner_refuses);
	tcase_add_test(tc, net_refuses_connections_beyond_its_table);
	tcase_add_test(tc, net_stops_reading_while_output_queue_is_full);
	tcase_add_test(tc, net_close_flushes_queued_bytes_first);
	tcase_add_test(tc, net_drops_a_closing_connection_after_the_linger_time);
	tcase_add_test(tc, net_stop_listening_refuses_new_connections);
	tcase_add_test(tc, loop_runs_timed_work_at_its_deadline);
	tcase_add_test(tc, loop_run_returns_after_stop);
	tcase_add_test(tc, loop_refuses_descriptors_beyond_its_table);
	suite_add_tcase(s, tc);
	return s;
}
