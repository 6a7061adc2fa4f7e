/* iobench: the load generator of `make bench` (tools/bench.sh), on
 * libiscsi's asynchronous API.
 *
 * Keeps QD commands in flight on each of N sessions for a fixed time:
 * READ(10)/WRITE(10), random or sequential offsets, one block size, reads
 * and writes mixed at a given percentage; prints one JSON object: IOPS,
 * MB/s, latency percentiles from every completion (not sampled), and the
 * CPU seconds this client used, so a run held back by the client shows it.
 * -F writes the whole LU once (sequentially, 1 MiB at a time) and exits:
 * reads of never-written memory would flatter a target.
 * Not part of the target: a tool. One thread: the client's own CPU is a
 * limit at high IOPS, and the JSON says how much it used.
 *
 * usage: iobench -u URL [-n SESSIONS] [-q QD] [-b BYTES] [-s SECONDS]
 *                [-r] [-w | -M READ_PCT] [-d] [-F]
 *   -r random offsets (default sequential, each session its own stream)
 *   -w writes only; -M 70: 70% reads, 30% writes (default: reads only)
 *   -d HeaderDigest=CRC32C (libiscsi 1.19 has no DataDigest: None)
 */
#include <errno.h>
#include <getopt.h>
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define QD_MAX 256
#define SESSIONS_MAX 64
#define FILL_BYTES (1u << 20)

struct bench {
	int write_pct;
	int random;
	uint32_t block_size, io_blocks, bytes;
	uint64_t blocks;
	uint64_t done, errors;
	double end;
	unsigned char *buf;
	uint64_t rng;
	uint32_t *lat_ns; /* every completion's latency */
	size_t lat_len, lat_cap;
};

struct sess {
	struct bench *b;
	struct iscsi_context *iscsi;
	int lun;
	uint64_t next;     /* sequential: the next I/O index */
	int live;          /* commands in flight */
};

struct slot {
	struct sess *s;
	double started;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rnd(struct bench *b)
{
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

static uint64_t pick_lba(struct sess *s)
{
	struct bench *b = s->b;
	uint64_t span = b->blocks / b->io_blocks;
	uint64_t i = b->random ? rnd(b) % span : s->next++ % span;
	return i * b->io_blocks;
}

static void lat_add(struct bench *b, double secs)
{
	if (b->lat_len == b->lat_cap) {
		b->lat_cap = b->lat_cap ? b->lat_cap * 2 : 65536;
		b->lat_ns = realloc(b->lat_ns, b->lat_cap * sizeof(*b->lat_ns));
		if (b->lat_ns == NULL) {
			fprintf(stderr, "iobench: out of memory\n");
			exit(1);
		}
	}
	double ns = secs * 1e9;
	b->lat_ns[b->lat_len++] = ns > 4e9 ? 4000000000u : (uint32_t)ns;
}

static void issue(struct slot *sl);

static void done_cb(struct iscsi_context *iscsi, int status, void *command_data, void *private_data)
{
	(void)iscsi;
	struct slot *sl = private_data;
	struct sess *s = sl->s;
	struct bench *b = s->b;
	double t = now_s();
	if (status != SCSI_STATUS_GOOD)
		b->errors++;
	b->done++;
	lat_add(b, t - sl->started);
	scsi_free_scsi_task(command_data);
	if (t < b->end) {
		issue(sl);
	} else {
		s->live--;
	}
}

static void issue(struct slot *sl)
{
	struct sess *s = sl->s;
	struct bench *b = s->b;
	uint64_t lba = pick_lba(s);
	int write = b->write_pct >= 100 || (b->write_pct > 0 && (int)(rnd(b) % 100) < b->write_pct);
	sl->started = now_s();
	struct scsi_task *t = write
		? iscsi_write10_task(s->iscsi, s->lun, (uint32_t)lba, b->buf, b->bytes, (int)b->block_size, 0, 0, 0,
				     0, 0, done_cb, sl)
		: iscsi_read10_task(s->iscsi, s->lun, (uint32_t)lba, b->bytes, (int)b->block_size, 0, 0, 0, 0, 0,
				    done_cb, sl);
	if (t == NULL) {
		fprintf(stderr, "iobench: cannot queue: %s\n", iscsi_get_error(s->iscsi));
		exit(1);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_us(const struct bench *b, double p)
{
	if (b->lat_len == 0)
		return 0;
	size_t i = (size_t)(p * (double)(b->lat_len - 1) + 0.5);
	return b->lat_ns[i] / 1e3;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static int connect_one(struct sess *s, const char *url, int n, int digest)
{
	char name[96];
	snprintf(name, sizeof(name), "iqn.2026-11.org.iscsi-sim:iobench-%d-%d", (int)getpid(), n);
	s->iscsi = iscsi_create_context(name);
	struct iscsi_url *u = iscsi_parse_full_url(s->iscsi, url);
	if (u == NULL) {
		fprintf(stderr, "iobench: bad URL: %s\n", iscsi_get_error(s->iscsi));
		return 2;
	}
	iscsi_set_targetname(s->iscsi, u->target);
	iscsi_set_session_type(s->iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(s->iscsi, digest ? ISCSI_HEADER_DIGEST_CRC32C : ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(s->iscsi, u->portal, u->lun) != 0) {
		fprintf(stderr, "iobench: login failed: %s\n", iscsi_get_error(s->iscsi));
		iscsi_destroy_url(u);
		return 1;
	}
	s->lun = u->lun;
	iscsi_destroy_url(u);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: iobench -u URL [-n SESSIONS(1..%d)] [-q QD(1..%d)] [-b BYTES] [-s SECONDS] "
			"[-r] [-w | -M READ_PCT] [-d] [-F]\n", SESSIONS_MAX, QD_MAX);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *url = NULL;
	int qd = 32, secs = 5, nsess = 1, digest = 0, fill = 0, opt;
	struct bench b = { .rng = 0x9e3779b97f4a7c15ull, .bytes = 4096 };
	while ((opt = getopt(argc, argv, "u:n:wM:rq:b:s:dF")) != -1) {
		switch (opt) {
		case 'u': url = optarg; break;
		case 'n': nsess = atoi(optarg); break;
		case 'w': b.write_pct = 100; break;
		case 'M': b.write_pct = 100 - atoi(optarg); break;
		case 'r': b.random = 1; break;
		case 'q': qd = atoi(optarg); break;
		case 'b': b.bytes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': secs = atoi(optarg); break;
		case 'd': digest = 1; break;
		case 'F': fill = 1; break;
		default: usage();
		}
	}
	if (url == NULL || qd < 1 || qd > QD_MAX || nsess < 1 || nsess > SESSIONS_MAX || b.write_pct < 0 ||
	    b.write_pct > 100 || secs < 1)
		usage();
	static struct sess sess[SESSIONS_MAX];
	for (int i = 0; i < nsess; i++) {
		sess[i].b = &b;
		int rc = connect_one(&sess[i], url, i, digest);
		if (rc != 0)
			return rc;
	}
	struct scsi_task *rc = iscsi_readcapacity16_sync(sess[0].iscsi, sess[0].lun);
	struct scsi_readcapacity16 *cap = rc ? scsi_datain_unmarshall(rc) : NULL;
	if (cap == NULL) {
		fprintf(stderr, "iobench: READ CAPACITY(16) failed\n");
		return 1;
	}
	b.block_size = cap->block_length;
	b.blocks = cap->returned_lba + 1;
	scsi_free_scsi_task(rc);
	if (fill) {
		/* The whole LU once, sequentially, QD 4 on one session. */
		b.bytes = FILL_BYTES;
		b.write_pct = 100;
		b.random = 0;
		qd = 4;
		nsess = 1;
	}
	if (b.bytes < b.block_size || b.bytes % b.block_size) {
		fprintf(stderr, "iobench: -b must be a multiple of the block size %u\n", b.block_size);
		return 2;
	}
	b.io_blocks = b.bytes / b.block_size;
	b.buf = malloc(b.bytes);
	for (uint32_t i = 0; i < b.bytes; i++)
		b.buf[i] = (unsigned char)rnd(&b);
	/* Sequential streams start apart, so sessions do not share blocks. */
	uint64_t span = b.blocks / b.io_blocks;
	for (int i = 0; i < nsess; i++)
		sess[i].next = span * (uint64_t)i / (uint64_t)nsess;

	static struct slot slots[SESSIONS_MAX][QD_MAX];
	double cpu0 = cpu_s();
	double start = now_s();
	b.end = fill ? start + 3600 : start + secs;
	uint64_t fill_ios = span;
	for (int i = 0; i < nsess; i++) {
		for (int k = 0; k < qd; k++) {
			slots[i][k].s = &sess[i];
			sess[i].live++;
			issue(&slots[i][k]);
		}
	}
	struct pollfd pfd[SESSIONS_MAX];
	for (;;) {
		int live = 0;
		for (int i = 0; i < nsess; i++)
			live += sess[i].live;
		if (live == 0)
			break;
		if (fill && b.done + (uint64_t)qd >= fill_ios)
			b.end = 0; /* the last ones are in flight */
		for (int i = 0; i < nsess; i++)
			pfd[i] = (struct pollfd){ .fd = iscsi_get_fd(sess[i].iscsi),
						  .events = (short)iscsi_which_events(sess[i].iscsi) };
		if (poll(pfd, (nfds_t)nsess, 1000) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nsess; i++) {
			if (iscsi_service(sess[i].iscsi, pfd[i].revents) < 0) {
				fprintf(stderr, "iobench: %s\n", iscsi_get_error(sess[i].iscsi));
				return 1;
			}
		}
	}
	double elapsed = now_s() - start;
	double cpu = cpu_s() - cpu0;
	qsort(b.lat_ns, b.lat_len, sizeof(*b.lat_ns), cmp_u32);
	printf("{\"ios\": %llu, \"seconds\": %.3f, \"iops\": %.0f, \"mbps\": %.1f, \"lat_us_p50\": %.1f, "
	       "\"lat_us_p99\": %.1f, \"lat_us_p999\": %.1f, \"client_cpu_s\": %.3f, \"errors\": %llu}\n",
	       (unsigned long long)b.done, elapsed, b.done / elapsed, b.done * (double)b.bytes / elapsed / 1e6,
	       pct_us(&b, 0.50), pct_us(&b, 0.99), pct_us(&b, 0.999), cpu, (unsigned long long)b.errors);
	for (int i = 0; i < nsess; i++) {
		iscsi_logout_sync(sess[i].iscsi);
		iscsi_destroy_context(sess[i].iscsi);
	}
	free(b.buf);
	free(b.lat_ns);
	return b.errors ? 1 : 0;
}
