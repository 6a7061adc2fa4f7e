/* tests/guest_writer_main: `guest_writer`, the workload of the open-iscsi
 * guest's live runs (scenarios/live-guest.sh). It runs inside the QEMU
 * initiator guest against the dm-multipath device and records what the
 * application was told, for the data oracle on the host (`isim
 * guest-check`, host/cmd_guest.c) to judge.
 *
 *   guest_writer dev=PATH blocks=N bs=B duration=S start=S qd=N think_us=N
 *                read=% write=% write_fua=% flush=% max_blocks=N
 *                hot_blocks=N hot=% seed=N ver_base=N log=FILE
 *
 * Prints "LIVE-GO" on stdout when its clock starts (the host starts the
 * proxies' fault schedules on that line), then runs qd threads of
 * synchronous O_DIRECT I/O from start to duration seconds, the mix of the
 * scenario's workload line: each write of n blocks is one version, its
 * blocks filled as the simulator's initiators fill them (initiator/block.h:
 * LBA, version, filler), so a block read back names the write it came from.
 * write_fua opens the device O_DSYNC; flush is fdatasync. After the last
 * thread returned (however long the kernel held its I/O) it reads every
 * block back ("V" lines: checked, not counted as workload). LOG gets one
 * line per I/O (oracle/history.h: the format, and the version spaces),
 * times in ns from LIVE-GO (CLOCK_MONOTONIC, the kernel log's clock too;
 * "T" gives its value at LIVE-GO). Its writes are versions ver_base + 1,
 * ver_base + 2, ...: the guest's version space when the simulator's own
 * hosts write to the same LU (scenarios/live-guest.sh; default 0).
 * Exit: 0 done (whatever the I/O did), 2 bad arguments or device.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/initiator/block.h"
#include "sim/oracle/history.h"

#define GW_THREADS_MAX 64u       /* qd */
#define GW_RECS_MAX (400u << 10) /* I/O records kept; beyond, I/O goes on unrecorded (counted) */
#define GW_BLOCKS_MAX OHIST_BLOCKS_MAX /* blocks per I/O: a history line names each one's version */
#define GW_BS_MAX 4096u

struct rec {
	char op;            /* W R V F */
	uint64_t ver, lba;  /* W: version; R, V: versions in vers */
	uint32_t n;
	bool fua;
	uint64_t inv, end;
	int err;
	uint64_t *vers;     /* R, V: per block (ohist_block_version) */
};

static struct {
	const char *dev, *log;
	uint64_t blocks, duration, start, seed, ver_base;
	uint32_t bs, qd, think_us, read, write, fua, flush, max_blocks, hot_blocks, hot;
	int fd, fd_sync;
	struct timespec t0;
	struct rec *recs;
	atomic_uint nrecs;
	atomic_uint_least64_t next_ver, lost;
} G = { .blocks = 2048, .bs = 512, .duration = 30, .start = 2, .qd = 4, .think_us = 10000, .read = 50,
	.write = 50, .max_blocks = 16, .hot_blocks = 32, .hot = 50, .seed = 1 };

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)(t.tv_sec - G.t0.tv_sec) * 1000000000ull + (uint64_t)t.tv_nsec - (uint64_t)G.t0.tv_nsec;
}

/* xorshift64*: each thread's own stream, from the seed and its index */
static uint64_t draw(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static struct rec *rec_new(void)
{
	unsigned i = atomic_fetch_add(&G.nrecs, 1);
	if (i >= GW_RECS_MAX) {
		atomic_fetch_add(&G.lost, 1);
		return NULL;
	}
	return &G.recs[i];
}

static void do_read(char op, uint64_t lba, uint32_t n, uint8_t *buf)
{
	struct rec r = { .op = op, .lba = lba, .n = n };
	r.inv = now_ns();
	ssize_t got = pread(G.fd, buf, (size_t)n * G.bs, (off_t)(lba * G.bs));
	r.end = now_ns();
	r.err = got < 0 ? errno : got != (ssize_t)((size_t)n * G.bs) ? EIO : 0;
	if (r.err == 0) {
		r.vers = malloc(n * sizeof(uint64_t));
		if (r.vers == NULL)
			r.err = ENOMEM;
		for (uint32_t i = 0; r.vers != NULL && i < n; i++)
			r.vers[i] = ohist_block_version(buf + (size_t)i * G.bs, G.bs, lba + i);
	}
	struct rec *p = rec_new();
	if (p != NULL)
		*p = r;
	else
		free(r.vers);
}

static void do_write(uint64_t lba, uint32_t n, bool fua, uint8_t *buf)
{
	struct rec r = { .op = 'W', .lba = lba, .n = n, .fua = fua };
	r.ver = atomic_fetch_add(&G.next_ver, 1);
	for (uint32_t i = 0; i < n; i++)
		block_fill(buf + (size_t)i * G.bs, G.bs, lba + i, r.ver);
	r.inv = now_ns();
	ssize_t put = pwrite(fua ? G.fd_sync : G.fd, buf, (size_t)n * G.bs, (off_t)(lba * G.bs));
	r.end = now_ns();
	r.err = put < 0 ? errno : put != (ssize_t)((size_t)n * G.bs) ? EIO : 0;
	struct rec *p = rec_new();
	if (p != NULL)
		*p = r;
}

static void do_flush(void)
{
	struct rec r = { .op = 'F' };
	r.inv = now_ns();
	r.err = fdatasync(G.fd) != 0 ? errno : 0;
	r.end = now_ns();
	struct rec *p = rec_new();
	if (p != NULL)
		*p = r;
}

static void *worker(void *arg)
{
	uint64_t s = G.seed * 0x9e3779b97f4a7c15ull + (uintptr_t)arg + 1;
	uint8_t *buf = aligned_alloc(4096, (size_t)GW_BLOCKS_MAX * GW_BS_MAX);
	if (buf == NULL)
		return NULL;
	uint64_t end = G.duration * 1000000000ull;
	uint32_t mix = G.read + G.write + G.fua + G.flush;
	while (now_ns() < end) {
		uint32_t n = 1 + (uint32_t)(draw(&s) % G.max_blocks);
		uint64_t span = draw(&s) % 100 < G.hot ? G.hot_blocks : G.blocks;
		uint64_t lba = draw(&s) % span;
		if (lba + n > G.blocks)
			lba = G.blocks - n;
		uint32_t k = (uint32_t)(draw(&s) % mix);
		if (k < G.read)
			do_read('R', lba, n, buf);
		else if (k < G.read + G.write + G.fua)
			do_write(lba, n, k >= G.read + G.write, buf);
		else
			do_flush();
		if (G.think_us > 0)
			usleep(G.think_us);
	}
	free(buf);
	return NULL;
}

static bool arg_u(const char *a, const char *key, uint64_t *out)
{
	size_t k = strlen(key);
	if (strncmp(a, key, k) != 0 || a[k] != '=')
		return false;
	char *e;
	*out = strtoull(a + k + 1, &e, 10);
	return *e == '\0';
}

static int parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		uint64_t v;
		if (strncmp(a, "dev=", 4) == 0)
			G.dev = a + 4;
		else if (strncmp(a, "log=", 4) == 0)
			G.log = a + 4;
		else if (arg_u(a, "blocks", &G.blocks) || arg_u(a, "duration", &G.duration) ||
			arg_u(a, "start", &G.start) || arg_u(a, "seed", &G.seed) || arg_u(a, "ver_base", &G.ver_base))
			;
#define U32(name, field) else if (arg_u(a, name, &v) && v <= UINT32_MAX) G.field = (uint32_t)v;
		U32("bs", bs) U32("qd", qd) U32("think_us", think_us) U32("read", read) U32("write", write)
		U32("write_fua", fua) U32("flush", flush) U32("max_blocks", max_blocks) U32("hot_blocks", hot_blocks)
		U32("hot", hot)
#undef U32
		else {
			fprintf(stderr, "guest_writer: bad argument '%s'\n", a);
			return 2;
		}
	}
	if (G.dev == NULL || G.log == NULL || G.qd == 0 || G.qd > GW_THREADS_MAX || G.bs < BLOCK_HDR_LEN ||
		G.bs > GW_BS_MAX || G.max_blocks == 0 || G.max_blocks > GW_BLOCKS_MAX || G.blocks < G.max_blocks ||
		G.hot_blocks == 0 || G.read + G.write + G.fua + G.flush == 0) {
		fprintf(stderr, "guest_writer: dev= and log= are required; qd 1..%u, bs %u..%u, max_blocks 1..%u, "
			"a non-empty mix\n", GW_THREADS_MAX, BLOCK_HDR_LEN, GW_BS_MAX, GW_BLOCKS_MAX);
		return 2;
	}
	if (G.hot_blocks > G.blocks)
		G.hot_blocks = (uint32_t)G.blocks;
	return 0;
}

static void write_log(FILE *f)
{
	unsigned n = atomic_load(&G.nrecs);
	if (n > GW_RECS_MAX)
		n = GW_RECS_MAX;
	fprintf(f, "T %lld\n", (long long)G.t0.tv_sec * 1000000000ll + G.t0.tv_nsec);
	static char line[OHIST_LINE_MAX];
	for (unsigned i = 0; i < n; i++) {
		const struct rec *r = &G.recs[i];
		struct ohist_rec h = { .op = r->op, .ver = r->ver, .lba = r->lba, .n = r->n, .fua = r->fua, .inv = r->inv,
			.end = r->end, .err = r->err, .vers = r->vers };
		size_t len = ohist_format(line, sizeof(line), &h);
		if (len > 0)
			fwrite(line, 1, len, f);
	}
	fprintf(f, "E %llu\n", (unsigned long long)atomic_load(&G.lost));
}

int main(int argc, char **argv)
{
	if (parse(argc, argv) != 0)
		return 2;
	G.fd = open(G.dev, O_RDWR | O_DIRECT);
	G.fd_sync = open(G.dev, O_RDWR | O_DIRECT | O_DSYNC);
	if (G.fd < 0 && errno == EINVAL) {
		/* a file on a file system without O_DIRECT (tmpfs: the test's
		 * build directory may be one); the guest's dm device has it */
		fprintf(stderr, "guest_writer: %s: no O_DIRECT here, buffered I/O\n", G.dev);
		G.fd = open(G.dev, O_RDWR);
		G.fd_sync = open(G.dev, O_RDWR | O_DSYNC);
	}
	G.recs = calloc(GW_RECS_MAX, sizeof(*G.recs));
	FILE *log = fopen(G.log, "w");
	if (G.fd < 0 || G.fd_sync < 0 || G.recs == NULL || log == NULL) {
		fprintf(stderr, "guest_writer: cannot open %s or %s: %s\n", G.dev, G.log, strerror(errno));
		return 2;
	}
	atomic_store(&G.next_ver, G.ver_base + 1);
	clock_gettime(CLOCK_MONOTONIC, &G.t0);
	printf("LIVE-GO\n");
	fflush(stdout);
	while (now_ns() < G.start * 1000000000ull)
		usleep(10000);
	pthread_t th[GW_THREADS_MAX];
	uint32_t started = 0;
	for (uint32_t i = 0; i < G.qd; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i) == 0)
			started++;
	for (uint32_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	printf("LIVE-WORKLOAD-DONE %.3f s\n", (double)now_ns() / 1e9);
	fflush(stdout);
	/* read everything back, max_blocks at a time */
	uint8_t *buf = aligned_alloc(4096, (size_t)GW_BLOCKS_MAX * GW_BS_MAX);
	for (uint64_t lba = 0; buf != NULL && lba < G.blocks; lba += G.max_blocks) {
		uint32_t n = lba + G.max_blocks <= G.blocks ? G.max_blocks : (uint32_t)(G.blocks - lba);
		do_read('V', lba, n, buf);
	}
	free(buf);
	write_log(log);
	fclose(log);
	printf("LIVE-READBACK-DONE %.3f s, %u records\n", (double)now_ns() / 1e9, atomic_load(&G.nrecs));
	return 0;
}
