/* iobench: a load generator for `make bench`, built on libiscsi.
 *
 * Keeps QD commands in flight on one session for a fixed time: READ(10) or
 * WRITE(10), random or sequential offsets, one block size; prints one line
 * of results ("iops=... mbps=... lat_us_avg=..."). Reads and writes both,
 * which iscsi-perf (reads only) does not. Not part of the target: a tool.
 *
 * usage: iobench -u URL [-w] [-r] [-q QD] [-b BYTES] [-s SECONDS]
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
#include <time.h>

#define QD_MAX 256

struct bench {
	struct iscsi_context *iscsi;
	int lun;
	int write, random;
	uint32_t block_size, io_blocks;
	uint64_t blocks;
	uint64_t next_lba;
	uint64_t done, errors, lat_ns_sum;
	double end;
	unsigned char *buf;
	uint64_t rng;
};

struct slot {
	struct bench *b;
	double started;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t pick_lba(struct bench *b)
{
	uint64_t span = b->blocks / b->io_blocks;
	uint64_t i;
	if (b->random) {
		b->rng ^= b->rng << 13;
		b->rng ^= b->rng >> 7;
		b->rng ^= b->rng << 17;
		i = b->rng % span;
	} else {
		i = b->next_lba++ % span;
	}
	return i * b->io_blocks;
}

static void issue(struct slot *s);

static void done_cb(struct iscsi_context *iscsi, int status, void *command_data, void *private_data)
{
	(void)iscsi;
	struct slot *s = private_data;
	struct bench *b = s->b;
	if (status != SCSI_STATUS_GOOD)
		b->errors++;
	b->done++;
	b->lat_ns_sum += (uint64_t)((now_s() - s->started) * 1e9);
	scsi_free_scsi_task(command_data);
	if (now_s() < b->end)
		issue(s);
	else
		s->b = NULL;
}

static void issue(struct slot *s)
{
	struct bench *b = s->b;
	uint64_t lba = pick_lba(b);
	uint32_t len = b->io_blocks * b->block_size;
	s->started = now_s();
	struct scsi_task *t = b->write
		? iscsi_write10_task(b->iscsi, b->lun, (uint32_t)lba, b->buf, len, (int)b->block_size, 0, 0, 0, 0, 0,
				     done_cb, s)
		: iscsi_read10_task(b->iscsi, b->lun, (uint32_t)lba, len, (int)b->block_size, 0, 0, 0, 0, 0, done_cb,
				    s);
	if (t == NULL) {
		fprintf(stderr, "iobench: cannot queue: %s\n", iscsi_get_error(b->iscsi));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *url = NULL;
	int qd = 32, secs = 5, opt;
	uint32_t bytes = 4096;
	struct bench b = { .rng = 0x9e3779b97f4a7c15ull };
	while ((opt = getopt(argc, argv, "u:wrq:b:s:")) != -1) {
		switch (opt) {
		case 'u': url = optarg; break;
		case 'w': b.write = 1; break;
		case 'r': b.random = 1; break;
		case 'q': qd = atoi(optarg); break;
		case 'b': bytes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': secs = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: iobench -u URL [-w] [-r] [-q QD] [-b BYTES] [-s SECONDS]\n");
			return 2;
		}
	}
	if (url == NULL || qd < 1 || qd > QD_MAX) {
		fprintf(stderr, "usage: iobench -u URL [-w] [-r] [-q QD(1..%d)] [-b BYTES] [-s SECONDS]\n", QD_MAX);
		return 2;
	}
	b.iscsi = iscsi_create_context("iqn.2026-11.org.iscsi-sim:iobench");
	struct iscsi_url *u = iscsi_parse_full_url(b.iscsi, url);
	if (u == NULL) {
		fprintf(stderr, "iobench: bad URL: %s\n", iscsi_get_error(b.iscsi));
		return 2;
	}
	iscsi_set_targetname(b.iscsi, u->target);
	iscsi_set_session_type(b.iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(b.iscsi, ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(b.iscsi, u->portal, u->lun) != 0) {
		fprintf(stderr, "iobench: login failed: %s\n", iscsi_get_error(b.iscsi));
		return 1;
	}
	b.lun = u->lun;
	struct scsi_task *rc = iscsi_readcapacity16_sync(b.iscsi, b.lun);
	struct scsi_readcapacity16 *cap = rc ? scsi_datain_unmarshall(rc) : NULL;
	if (cap == NULL) {
		fprintf(stderr, "iobench: READ CAPACITY(16) failed\n");
		return 1;
	}
	b.block_size = cap->block_length;
	b.blocks = cap->returned_lba + 1;
	scsi_free_scsi_task(rc);
	if (bytes < b.block_size || bytes % b.block_size) {
		fprintf(stderr, "iobench: -b must be a multiple of the block size %u\n", b.block_size);
		return 2;
	}
	b.io_blocks = bytes / b.block_size;
	b.buf = malloc(bytes);
	memset(b.buf, 0xa5, bytes);

	struct slot slots[QD_MAX];
	double start = now_s();
	b.end = start + secs;
	for (int i = 0; i < qd; i++) {
		slots[i].b = &b;
		issue(&slots[i]);
	}
	for (;;) {
		int live = 0;
		for (int i = 0; i < qd; i++)
			live += slots[i].b != NULL;
		if (live == 0)
			break;
		struct pollfd pfd = { .fd = iscsi_get_fd(b.iscsi), .events = (short)iscsi_which_events(b.iscsi) };
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			break;
		if (iscsi_service(b.iscsi, pfd.revents) < 0) {
			fprintf(stderr, "iobench: %s\n", iscsi_get_error(b.iscsi));
			return 1;
		}
	}
	double elapsed = now_s() - start;
	printf("iops=%.0f mbps=%.1f lat_us_avg=%.0f errors=%llu\n", b.done / elapsed,
	       b.done * (double)bytes / elapsed / 1e6, b.done ? b.lat_ns_sum / 1e3 / b.done : 0.0,
	       (unsigned long long)b.errors);
	iscsi_logout_sync(b.iscsi);
	iscsi_destroy_context(b.iscsi);
	iscsi_destroy_url(u);
	free(b.buf);
	return b.errors ? 1 : 0;
}
