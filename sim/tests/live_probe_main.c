/* live_probe: the simulator's initiator (isess) against a real target on
 * a real TCP socket, outside the simulation.
 *
 * Why: the simulated initiator is the yardstick the oracles measure the
 * reference target with, so it must itself speak iSCSI the way a real
 * target expects. This probe logs in (optionally with CHAP), writes and
 * reads back data through immediate data, unsolicited Data-Out and
 * R2T-solicited Data-Out (depending on the flags), synchronizes the cache
 * and logs out, and exits 0 only if every step behaved. It is a test tool,
 * so it may use sockets and the real clock; the simulator never does.
 *
 * usage: live_probe HOST PORT TARGET LUN [-c user secret] [-a algs] [-i] [-u] [-d]
 *   -a CHAP_A offer (default 7,5), -i no immediate data, -u no InitialR2T (unsolicited data), -d digests
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim/initiator/session.h"
#include "sim/base/time.h"

struct probe {
	const char *host;
	int port;
	int fd;
	bool connected_pending;
	int done_count;
	struct icmd *last;
	enum isess_event last_ev;
	bool up, failed;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *h_alloc(void *ctx, size_t n) { (void)ctx; return malloc(n); }
static void h_free(void *ctx, void *p, size_t n) { (void)ctx; (void)n; free(p); }

static void op_connect(void *ctx, struct isess *s)
{
	(void)s;
	struct probe *p = ctx;
	p->fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p->port) };
	inet_pton(AF_INET, p->host, &a.sin_addr);
	if (connect(p->fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		fprintf(stderr, "connect: %s\n", strerror(errno));
		close(p->fd);
		p->fd = -1;
	}
	p->connected_pending = true;
}

static void op_send(void *ctx, struct isess *s, const struct iovec *iov, int n)
{
	(void)s;
	struct probe *p = ctx;
	for (int i = 0; i < n; i++) {
		const uint8_t *b = iov[i].iov_base;
		size_t left = iov[i].iov_len;
		while (left > 0 && p->fd >= 0) {
			ssize_t w = write(p->fd, b, left);
			if (w <= 0)
				return;
			b += w;
			left -= (size_t)w;
		}
	}
}

static void op_disconnect(void *ctx, struct isess *s, bool graceful)
{
	(void)s;
	(void)graceful;
	struct probe *p = ctx;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static void op_done(void *ctx, struct isess *s, struct icmd *c)
{
	(void)s;
	struct probe *p = ctx;
	p->done_count++;
	p->last = c;
}

static void op_event(void *ctx, struct isess *s, enum isess_event ev, uint32_t detail, const char *why)
{
	(void)s;
	struct probe *p = ctx;
	fprintf(stderr, "  session event %d detail 0x%x: %s\n", ev, detail, why ? why : "");
	if (ev == ISE_UP)
		p->up = true;
	if (ev == ISE_LOGIN_FAILED || ev == ISE_DOWN || ev == ISE_FAILED)
		p->failed = true;
}

/* Run the loop until cond() holds or seconds pass. */
static bool run_until(struct probe *p, struct isess *s, bool (*cond)(struct probe *), int seconds)
{
	uint64_t end = now_ns() + SIM_S(seconds);
	while (!cond(p) && !p->failed && now_ns() < end) {
		if (p->connected_pending) {
			p->connected_pending = false;
			if (p->fd >= 0)
				isess_on_connected(s, now_ns());
			else
				isess_on_connect_failed(s, now_ns());
			continue;
		}
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		int r = poll(&pfd, p->fd >= 0 ? 1 : 0, 10);
		if (r > 0) {
			uint8_t buf[65536];
			ssize_t n = read(p->fd, buf, sizeof(buf));
			if (n <= 0)
				isess_on_closed(s, now_ns());
			else
				isess_on_bytes(s, now_ns(), buf, (size_t)n);
		}
		if (now_ns() >= isess_next_deadline(s))
			isess_on_time(s, now_ns());
	}
	return cond(p);
}

static bool is_up(struct probe *p) { return p->up; }
static bool has_done(struct probe *p) { return p->done_count > 0; }
static bool is_closed(struct probe *p) { return p->fd < 0; }

static bool run_cmd(struct probe *p, struct isess *s, struct icmd *c, const char *what)
{
	p->done_count = 0;
	isess_submit(s, now_ns(), c);
	if (!run_until(p, s, has_done, 10)) {
		printf("FAIL %s: no completion\n", what);
		return false;
	}
	printf("  %s: result %d status 0x%02x sense_len %u data_in %u\n", what, c->result, c->status,
		c->sense_len, c->data_in);
	return c->result == ICMD_OK;
}

static void cdb_rw10(struct icmd *c, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(c->cdb, 0, sizeof(c->cdb));
	c->cdb[0] = op;
	put_be32(c->cdb + 2, lba);
	put_be16(c->cdb + 7, blocks);
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: live_probe HOST PORT TARGET LUN [-c user secret] [-i] [-u] [-d]\n");
		return 2;
	}
	/* A connection reset under a write (a fault proxy's cut) is a
	 * session failure to recover from, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	struct probe p = { .host = argv[1], .port = atoi(argv[2]), .fd = -1 };
	struct sim_mem mem = { h_alloc, h_free, NULL };
	struct isess_cfg cfg = {
		.login = {
			.initiator_name = "iqn.2024-01.sim:live-probe",
			.target_name = argv[3],
			.chap_algs = "7,5",
			.mrdsl = 65536, .max_burst_length = 262144, .first_burst_length = 65536,
			.max_outstanding_r2t = 1, .initial_r2t = true, .immediate_data = true,
		},
		.noop_interval_ns = SIM_S(5), .noop_timeout_ns = SIM_S(5), .login_timeout_ns = SIM_S(5),
		.replacement_timeout_ns = SIM_S(5), .cmd_timeout_ns = SIM_S(10), .tmf_timeout_ns = SIM_S(5),
		.reconnect_delay_ns = SIM_S(1), .logout_timeout_ns = SIM_S(5),
	};
	uint64_t lun = (uint64_t)atoi(argv[4]);
	for (int i = 5; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 2 < argc) {
			cfg.login.chap_user = argv[++i];
			cfg.login.chap_secret = argv[++i];
		} else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc) {
			cfg.login.chap_algs = argv[++i];
		} else if (strcmp(argv[i], "-i") == 0) {
			cfg.login.immediate_data = false;
		} else if (strcmp(argv[i], "-u") == 0) {
			cfg.login.initial_r2t = false;
		} else if (strcmp(argv[i], "-d") == 0) {
			cfg.login.want_header_digest = cfg.login.want_data_digest = true;
		}
	}
	struct isess_ops ops = { .ctx = &p, .connect = op_connect, .send = op_send, .disconnect = op_disconnect,
		.done = op_done, .event = op_event };
	struct sim_rng rng;
	rng_stream(&rng, (uint64_t)now_ns(), "probe", 0);
	struct isess s;
	const uint8_t isid[6] = { 0x80, 0, 0, 0x12, 0x34, 0x56 };
	isess_init(&s, &cfg, &ops, &mem, &rng, isid);
	isess_start(&s, now_ns());
	int rc = 1;
	if (!run_until(&p, &s, is_up, 10)) {
		printf("FAIL login\n");
		goto out;
	}
	printf("  logged in: tsih %u hd %d dd %d imm %d r2t %d first %u maxburst %u tgt_mrdsl %u\n", s.sn->tsih,
		s.params.header_digest, s.params.data_digest, s.params.immediate_data, s.params.initial_r2t,
		s.params.first_burst_length, s.params.max_burst_length, s.params.tgt_mrdsl);
	static uint8_t wbuf[512 * 1024], rbuf[512 * 1024];
	struct icmd c = { .lun = lun };
	/* TEST UNIT READY until the power-on unit attention is consumed. */
	for (int i = 0; i < 3; i++) {
		memset(c.cdb, 0, sizeof(c.cdb));
		c.dir = ICMD_NONE;
		c.len = 0;
		if (run_cmd(&p, &s, &c, "tur") && c.status == 0)
			break;
	}
	const uint32_t sizes[] = { 1, 8, 200, 1024 };
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t blocks = sizes[k], lba = 100 + k * 2048;
		for (uint32_t i = 0; i < blocks * 512; i++)
			wbuf[i] = (uint8_t)(i * 7 + k + (i >> 9));
		c = (struct icmd){ .lun = lun, .dir = ICMD_OUT, .buf = wbuf, .len = blocks * 512, .attr = 1 };
		cdb_rw10(&c, 0x2a, lba, (uint16_t)blocks);
		if (!run_cmd(&p, &s, &c, "write") || c.status != 0)
			goto out;
		memset(rbuf, 0, blocks * 512);
		c = (struct icmd){ .lun = lun, .dir = ICMD_IN, .buf = rbuf, .len = blocks * 512, .attr = 1 };
		cdb_rw10(&c, 0x28, lba, (uint16_t)blocks);
		if (!run_cmd(&p, &s, &c, "read") || c.status != 0 || memcmp(wbuf, rbuf, blocks * 512) != 0) {
			printf("FAIL read back %u blocks\n", blocks);
			goto out;
		}
	}
	c = (struct icmd){ .lun = lun, .dir = ICMD_NONE, .attr = 1 };
	c.cdb[0] = 0x35; /* SYNCHRONIZE CACHE(10) */
	if (!run_cmd(&p, &s, &c, "sync") || c.status != 0)
		goto out;
	printf("  stats: r2ts %llu data_out %llu data_in %llu\n", (unsigned long long)s.stats.r2ts,
		(unsigned long long)s.stats.data_out, (unsigned long long)s.stats.data_in);
	isess_logout(&s, now_ns());
	if (!run_until(&p, &s, is_closed, 5) || s.state != ISS_CLOSED) {
		printf("FAIL logout\n");
		goto out;
	}
	printf("PASS\n");
	rc = 0;
out:
	if (p.fd >= 0)
		close(p.fd);
	isess_fini(&s);
	return rc;
}
