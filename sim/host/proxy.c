/* host/proxy: see host/proxy.h. */
#include "sim/host/proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/base/time.h"
#include "sim/host/isim.h"

bool hpx_parse_addr(const char *s, struct sockaddr_in *out, char *why, size_t why_len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host)) {
		snprintf(why, why_len, "'%s' is not HOST:PORT", s);
		return false;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port == 0 || port > 65535) {
		snprintf(why, why_len, "'%s': bad port", s);
		return false;
	}
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &out->sin_addr) != 1 || (ntohl(out->sin_addr.s_addr) >> 24) != 127) {
		snprintf(why, why_len, "'%s' is not a loopback IPv4 address: the proxy only listens on and "
			"connects to 127.0.0.0/8", host);
		return false;
	}
	return true;
}

static void log_line(void *ctx, const char *line)
{
	struct hproxy *p = ctx;
	if (p->log == NULL)
		return;
	if (p->log_prefix)
		fprintf(p->log, "proxy=%s ", p->name);
	fprintf(p->log, "%s\n", line);
	fflush(p->log);
}

static void nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int hpx_open(struct hproxy *p, const char *name, const struct sockaddr_in *listen_addr,
	const struct sockaddr_in *to, uint64_t seed, FILE *log, char *why, size_t why_len)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->to = *to;
	p->log = log;
	p->lpfd = -1;
	fpx_init(&p->x, &host_mem, seed);
	p->x.log = log_line;
	p->x.log_ctx = p;
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++)
		p->c[i].cfd = p->c[i].ufd = -1;
	p->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(p->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (p->lfd < 0 || bind(p->lfd, (const struct sockaddr *)listen_addr, sizeof(*listen_addr)) != 0 ||
		listen(p->lfd, 16) != 0) {
		snprintf(why, why_len, "listen on port %u: %s", ntohs(listen_addr->sin_port), strerror(errno));
		if (p->lfd >= 0)
			close(p->lfd);
		p->lfd = -1;
		fpx_fini(&p->x);
		return -1;
	}
	nonblock(p->lfd);
	return 0;
}

static void listener_filter(struct hproxy *p, uint64_t now_ns);

void hpx_start(struct hproxy *p, uint64_t now_ns)
{
	p->t0_ns = now_ns;
	listener_filter(p, now_ns); /* a partition from time 0 answers no SYN from the start */
}

static uint64_t rel(const struct hproxy *p, uint64_t now_ns)
{
	return now_ns > p->t0_ns ? now_ns - p->t0_ns : 0;
}

static void hard_close(int fd, bool reset)
{
	if (fd < 0)
		return;
	if (reset) {
		/* SO_LINGER 0: close() sends RST (the peer reads ECONNRESET). */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(fd);
}

static void end_conn(struct hproxy *p, int slot, bool reset)
{
	struct hpx_conn *c = &p->c[slot];
	hard_close(c->cfd, reset);
	hard_close(c->ufd, reset);
	c->cfd = c->ufd = -1;
	if (reset)
		p->resets++;
	else
		p->closes++;
	if (p->event != NULL)
		p->event(p->ctx, p->x.conns[slot].idx, reset ? "reset" : "closed");
	fpx_close(&p->x, slot);
}

void hpx_close(struct hproxy *p)
{
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++)
		if (p->x.conns[i].open)
			end_conn(p, (int)i, false);
	if (p->lfd >= 0)
		close(p->lfd);
	p->lfd = -1;
	fpx_fini(&p->x);
}

/* A line of the fault log, and the event, for a SYN a partition holds:
 * held at accept, released when the partition heals, abandoned when the
 * client closes first (the target never sees that connection). */
static void syn_note(struct hproxy *p, int slot, const char *what)
{
	char line[FPX_LOG_LINE_MAX];
	snprintf(line, sizeof(line), "conn=%u dir=to_gw event=%s", p->x.conns[slot].idx, what);
	log_line(p, line);
	if (p->event != NULL)
		p->event(p->ctx, p->x.conns[slot].idx, what);
}

/* Start the connect to the target; the connection ends (the client
 * reset) if it fails at once. */
static void connect_upstream(struct hproxy *p, int slot)
{
	struct hpx_conn *c = &p->c[slot];
	c->syn_held = false;
	if (connect(c->ufd, (const struct sockaddr *)&p->to, sizeof(p->to)) == 0)
		c->connecting = false;
	else if (errno != EINPROGRESS)
		end_conn(p, slot, true);
}

/* The listener drops every packet while a partition keeps the next
 * connection from forming, and answers again when it heals: a classic
 * BPF program "return 0" (keep no byte) attached to the listening
 * socket, which the kernel runs on each segment for it before the SYN
 * is answered (tcp_v4_rcv's tcp_filter). Sockets accepted before keep
 * no filter (a child copies the listener's at its creation, which no
 * dropped segment reaches). Logged, in rule time, where it changes. */
static void listener_filter(struct hproxy *p, uint64_t now_ns)
{
	unsigned next = p->x.accepted;
	bool drop = !p->syn_hold && fpx_syn_blocked_until(&p->x, next, rel(p, now_ns)) != 0;
	if (drop == p->syn_drop || p->lfd < 0)
		return;
	if (drop) {
		static struct sock_filter drop_all[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
		struct sock_fprog prog = { .len = 1, .filter = drop_all };
		if (setsockopt(p->lfd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0)
			return; /* not dropped: the held-SYN path below still keeps the target from hearing of it */
	} else {
		int zero = 0;
		setsockopt(p->lfd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero));
	}
	p->syn_drop = drop;
	char line[FPX_LOG_LINE_MAX];
	snprintf(line, sizeof(line), "conn=%u dir=both event=%s", next, drop ? "syn_lost" : "syn_answered");
	log_line(p, line);
}

static void accept_one(struct hproxy *p, uint64_t now_ns)
{
	int fd = accept(p->lfd, NULL, NULL);
	if (fd < 0)
		return;
	int slot = fpx_open(&p->x, rel(p, now_ns));
	if (slot < 0) {
		p->refused++;
		hard_close(fd, true);
		return;
	}
	struct hpx_conn *c = &p->c[slot];
	memset(c, 0, sizeof(*c));
	c->cfd = fd;
	c->ufd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(c->cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	nonblock(c->cfd);
	nonblock(c->ufd);
	c->connecting = true;
	/* The client's connect completed with us (the kernel's backlog); the
	 * target must not see it before a partition towards it heals. */
	c->syn_held = fpx_syn_blocked_until(&p->x, p->x.conns[slot].idx, rel(p, now_ns)) != 0;
	if (p->event != NULL)
		p->event(p->ctx, p->x.conns[slot].idx, "accepted");
	if (c->syn_held)
		syn_note(p, slot, "syn_held");
	if (!c->syn_held)
		connect_upstream(p, slot);
}

static int src_fd(const struct hpx_conn *c, enum fpx_dir d) { return d == FPX_TO_GW ? c->cfd : c->ufd; }
static int sink_fd(const struct hpx_conn *c, enum fpx_dir d) { return d == FPX_TO_GW ? c->ufd : c->cfd; }

static bool due(const struct hproxy *p, int slot, enum fpx_dir d, uint64_t now_ns)
{
	enum fpx_act act;
	const uint8_t *b;
	size_t n;
	return fpx_head(&p->x, slot, d, rel(p, now_ns), &act, &b, &n);
}

unsigned hpx_poll_set(struct hproxy *p, struct pollfd *pfds, unsigned n, unsigned cap, uint64_t now_ns)
{
	listener_filter(p, now_ns);
	if (n < cap) {
		p->lpfd = (int)n;
		pfds[n++] = (struct pollfd){ .fd = p->lfd, .events = POLLIN };
	}
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++) {
		struct hpx_conn *c = &p->c[i];
		c->pfd[0] = c->pfd[1] = -1;
		if (!p->x.conns[i].open || n + 2 > cap)
			continue;
		short ev[2] = { 0, 0 }; /* [0]: cfd, [1]: ufd */
		if (!c->src_done[FPX_TO_GW] && fpx_room(&p->x, (int)i, FPX_TO_GW) > 0)
			ev[0] |= POLLIN;
		if (!c->connecting && !c->src_done[FPX_TO_INI] && fpx_room(&p->x, (int)i, FPX_TO_INI) > 0)
			ev[1] |= POLLIN;
		/* An upstream socket never connected (SYN held) would poll as
		 * hung up at once: left out until its connect starts. */
		if (!c->syn_held && (c->connecting || due(p, (int)i, FPX_TO_GW, now_ns)))
			ev[1] |= POLLOUT;
		if (due(p, (int)i, FPX_TO_INI, now_ns))
			ev[0] |= POLLOUT;
		/* A descriptor with nothing asked is left out (fd -1): a peer
		 * that hung up would otherwise wake poll at once, forever. */
		c->pfd[0] = (int)n;
		pfds[n++] = (struct pollfd){ .fd = ev[0] ? c->cfd : -1, .events = ev[0] };
		c->pfd[1] = (int)n;
		pfds[n++] = (struct pollfd){ .fd = ev[1] ? c->ufd : -1, .events = ev[1] };
	}
	return n;
}

static void read_src(struct hproxy *p, int slot, enum fpx_dir d, uint64_t now_ns)
{
	static uint8_t buf[HPX_READ_MAX];
	struct hpx_conn *c = &p->c[slot];
	size_t room = fpx_room(&p->x, slot, d);
	if (room == 0 || c->src_done[d])
		return;
	ssize_t r = read(src_fd(c, d), buf, room < sizeof(buf) ? room : sizeof(buf));
	if (r > 0) {
		if (p->watch != NULL)
			p->watch(p->ctx, p->x.conns[slot].idx, d, buf, (size_t)r);
		p->bytes[d] += (uint64_t)r;
		fpx_feed(&p->x, slot, d, rel(p, now_ns), buf, (size_t)r);
		return;
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	c->src_done[d] = true;
	fpx_source_end(&p->x, slot, d, rel(p, now_ns), r < 0);
}

/* Write what is due; false once the connection is gone. */
static bool flush_dir(struct hproxy *p, int slot, enum fpx_dir d, uint64_t now_ns)
{
	struct hpx_conn *c = &p->c[slot];
	enum fpx_act act;
	const uint8_t *b;
	size_t n;
	while (!c->connecting && fpx_head(&p->x, slot, d, rel(p, now_ns), &act, &b, &n)) {
		if (act != FPX_DELIVER) {
			end_conn(p, slot, act == FPX_DO_RESET);
			return false;
		}
		if (c->sink_dead[d]) {
			fpx_consume(&p->x, slot, d, n);
			continue;
		}
		ssize_t w = send(sink_fd(c, d), b, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (w < 0) {
			c->sink_dead[d] = true; /* its reader is gone: what is left for it is dropped */
			continue;
		}
		fpx_consume(&p->x, slot, d, (size_t)w);
		if ((size_t)w < n)
			return true;
	}
	return true;
}

static void conn_after_poll(struct hproxy *p, int slot, const struct pollfd *pfds, uint64_t now_ns)
{
	struct hpx_conn *c = &p->c[slot];
	short crev = c->pfd[0] >= 0 ? pfds[c->pfd[0]].revents : 0;
	short urev = c->pfd[1] >= 0 ? pfds[c->pfd[1]].revents : 0;
	if (c->syn_held) {
		if (crev & (POLLIN | POLLHUP | POLLERR))
			read_src(p, slot, FPX_TO_GW, now_ns);
		/* A client that gave up before the partition healed: its
		 * kernel would have stopped retransmitting the SYN, so the
		 * target never hears of it. */
		if (c->src_done[FPX_TO_GW]) {
			syn_note(p, slot, "syn_abandoned");
			end_conn(p, slot, false);
			return;
		}
		if (fpx_syn_blocked_until(&p->x, p->x.conns[slot].idx, rel(p, now_ns)) != 0)
			return;
		syn_note(p, slot, "syn_released");
		connect_upstream(p, slot);
		return; /* polled for the connect's end from the next round */
	}
	if (c->connecting && (urev & (POLLOUT | POLLERR | POLLHUP))) {
		int err = 0;
		socklen_t len = sizeof(err);
		getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err != 0) {
			end_conn(p, slot, true); /* the target refused: the client is reset */
			return;
		}
		c->connecting = false;
	}
	if (fpx_tick(&p->x, slot, rel(p, now_ns))) {
		end_conn(p, slot, true);
		return;
	}
	if (crev & (POLLIN | POLLHUP | POLLERR))
		read_src(p, slot, FPX_TO_GW, now_ns);
	if (!c->connecting && (urev & (POLLIN | POLLHUP | POLLERR)))
		read_src(p, slot, FPX_TO_INI, now_ns);
	if (flush_dir(p, slot, FPX_TO_GW, now_ns))
		flush_dir(p, slot, FPX_TO_INI, now_ns);
}

void hpx_after_poll(struct hproxy *p, const struct pollfd *pfds, uint64_t now_ns)
{
	if (p->lpfd >= 0 && (pfds[p->lpfd].revents & POLLIN))
		accept_one(p, now_ns);
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++)
		if (p->x.conns[i].open && p->c[i].pfd[0] >= 0)
			conn_after_poll(p, (int)i, pfds, now_ns);
}

uint64_t hpx_deadline(const struct hproxy *p, uint64_t now_ns)
{
	uint64_t t = UINT64_MAX;
	uint64_t f = fpx_syn_next_change(&p->x, p->x.accepted, rel(p, now_ns));
	if (f != SIM_NEVER)
		t = f + p->t0_ns;
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++) {
		if (!p->x.conns[i].open)
			continue;
		uint64_t r = fpx_next(&p->x, (int)i, rel(p, now_ns));
		if (p->c[i].syn_held) {
			uint64_t h = fpx_syn_blocked_until(&p->x, p->x.conns[i].idx, rel(p, now_ns));
			r = h < r ? h : r;
		}
		if (r != UINT64_MAX && r + p->t0_ns < t)
			t = r + p->t0_ns;
	}
	return t;
}

unsigned hpx_open_conns(const struct hproxy *p)
{
	unsigned n = 0;
	for (unsigned i = 0; i < FPX_CONNS_MAX; i++)
		n += p->x.conns[i].open;
	return n;
}
