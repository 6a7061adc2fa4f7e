/* test_bs_faults: the file backstore under a failing kernel, seen from the
 * initiator. The SCSI layer (test_scsi_harness) runs each command; its
 * disk I/O goes to a real file backstore whose kernel calls pass through
 * an injected struct fdio_sys (fdio.h) that answers from a script: an
 * error, an interruption, a short transfer, a refused flag or fallocate
 * mode, a ring that cannot be set up. Each case checks the sense data the
 * initiator gets (MEDIUM ERROR 11/00 on reads, 0C/00 on writes, DATA
 * PROTECT 27/07 for a full file system, SBC-3 §4.18) and that nothing is
 * lost: what was written reads back, and a retry after the failure does
 * what it asks. The ring's failures are its completions rewritten, after
 * the kernel did the step: a write reported failed may have landed (SBC
 * leaves such blocks undefined), so there the retry is what is read back.
 * The ring cases run where this machine has io_uring and say so where it
 * has not. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backstore/bs.h"
#include "backstore/fdio.h"
#include "scsi/bytes.h"
#include "test_scsi_harness.h"

#define BLOCKS 512u
#define BS 512u

/* ---- the scripted kernel ---- */

/* Kinds of calls, each with its own script: the synchronous calls, then
 * the ring's completions by step. */
enum call { C_PREAD, C_PWRITE, C_FDATASYNC, C_FALLOCATE, C_LSEEK, C_RW, C_DATASYNC, C_FALLOC, C_CALLS };
/* An answer: PASS as the kernel says, < 0 that -errno, > 0 at most that
 * many bytes (a short transfer), NOTHING no byte moved (0). */
#define PASS 0
#define NOTHING 1000000000
#define SCRIPT_MAX 40u

static struct script {
	int answer[SCRIPT_MAX];
	unsigned n, next;
	unsigned calls;
} sc[C_CALLS];
static int setup_err[FDIO_SETUP_PROBE + 1];

static void script(enum call c, const int *a, unsigned n)
{
	ck_assert_uint_le(n, SCRIPT_MAX);
	memcpy(sc[c].answer, a, n * sizeof(*a));
	sc[c].n = n;
	sc[c].next = 0;
}
#define SCRIPT(c, ...)                                                      \
	do {                                                                \
		static const int a_[] = { __VA_ARGS__ };                    \
		script(c, a_, (unsigned)(sizeof(a_) / sizeof(a_[0])));      \
	} while (0)

static int next_answer(enum call c)
{
	struct script *s = &sc[c];
	s->calls++;
	return s->next < s->n ? s->answer[s->next++] : PASS;
}

static ssize_t f_pread(int fd, void *buf, size_t len, off_t off)
{
	int a = next_answer(C_PREAD);
	if (a < 0) {
		errno = -a;
		return -1;
	}
	if (a == NOTHING)
		return 0;
	return pread(fd, buf, a > 0 && (size_t)a < len ? (size_t)a : len, off);
}

static ssize_t f_pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
	int a = next_answer(C_PWRITE);
	if (a < 0) {
		errno = -a;
		return -1;
	}
	if (a == NOTHING)
		return 0;
	ck_assert_int_eq(iovcnt, 1);
	struct iovec v = iov[0];
	if (a > 0 && (size_t)a < v.iov_len)
		v.iov_len = (size_t)a;
	return pwritev2(fd, &v, 1, off, flags);
}

static int f_fdatasync(int fd)
{
	int a = next_answer(C_FDATASYNC);
	if (a < 0) {
		errno = -a;
		return -1;
	}
	return fdatasync(fd);
}

static int f_fallocate(int fd, int mode, off_t off, off_t len)
{
	int a = next_answer(C_FALLOCATE);
	if (a < 0) {
		errno = -a;
		return -1;
	}
	return fallocate(fd, mode, off, len);
}

static off_t f_lseek(int fd, off_t off, int whence)
{
	int a = next_answer(C_LSEEK);
	if (a < 0) {
		errno = -a;
		return -1;
	}
	return lseek(fd, off, whence);
}

static int f_ring_setup(void *ctx, enum fdio_setup s)
{
	(void)ctx;
	return setup_err[s];
}

static int f_ring_result(void *ctx, const struct rt_disk_io *io, enum fdio_step step, int res)
{
	(void)ctx;
	(void)io;
	int a = next_answer(step == FDIO_STEP_RW ? C_RW : step == FDIO_STEP_DATASYNC ? C_DATASYNC : C_FALLOC);
	if (a < 0)
		return a;
	if (a == NOTHING)
		return 0;
	return a > 0 && res > a ? a : res;
}

static const struct fdio_sys faults = {
	.pread = f_pread,
	.pwritev2 = f_pwritev2,
	.fdatasync = f_fdatasync,
	.fallocate = f_fallocate,
	.lseek = f_lseek,
	.ring_setup = f_ring_setup,
	.ring_result = f_ring_result,
};

/* ---- an LU over a file backstore ---- */

static struct th t;
static struct bs store;
static char path[96];
static unsigned completions;

static void on_complete(void *ctx, struct rt_disk_io *io)
{
	(void)ctx;
	completions++;
	scsi_disk_done(io);
}

static struct fdio *fd_io(void)
{
	return store.priv; /* struct fdio is the first member (fdio.h) */
}

/* The file backstore under the scripted kernel; false if the ring was
 * asked for and this machine has no io_uring (said). */
static bool open_store(bool sync_io)
{
	memset(sc, 0, sizeof(sc));
	memset(setup_err, 0, sizeof(setup_err));
	th_init(&t, BLOCKS, BS, RT_LU_THIN | RT_LU_LBPRZ | RT_LU_WCE);
	th_clear_ua(&t);
	snprintf(path, sizeof(path), "/tmp/test_bs_faults_%d.img", (int)getpid());
	unlink(path);
	struct bs_params p = { .path = path, .size_bytes = (uint64_t)BLOCKS * BS, .block_size = BS, .sync_io = sync_io };
	memset(&store, 0, sizeof(store));
	store.ops = &bs_file_ops;
	store.complete = on_complete;
	char err[256] = "";
	ck_assert_msg(store.ops->open(&store, &p, err, sizeof(err)) == 0, "%s", err);
	fd_io()->sys = &faults;
	completions = 0;
	if (sync_io || bs_event_fd(&store) >= 0)
		return true;
	fprintf(stderr, "test_bs_faults: no io_uring here (%s): ring cases not exercised\n", store.sync_why);
	return false;
}

static void teardown(void)
{
	if (store.ops != NULL)
		store.ops->close(&store);
	store.ops = NULL;
	unlink(path);
	th_fini(&t);
}

/* Run a command with its disk I/O served by the store; its status. */
static int run(const uint8_t *cdb, uint32_t cdb_len, const void *out, uint32_t out_len)
{
	if (th_start(&t, cdb, cdb_len, out, out_len) != 0)
		return t.c.cmd.status;
	while (t.fe.npending > 0) {
		struct rt_disk_io *io = t.fe.pending[0];
		memmove(t.fe.pending, t.fe.pending + 1, (t.fe.npending - 1) * sizeof(t.fe.pending[0]));
		t.fe.npending--;
		store.ops->submit(&store, io);
		bs_drain(&store);
	}
	ck_assert_int_eq(t.c.done_calls, 1);
	return t.c.cmd.status;
}

static int rw(uint8_t op, uint32_t lba, uint32_t blocks, const uint8_t *out, uint8_t byte1)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, op, lba, blocks);
	cdb[1] |= byte1;
	return run(cdb, 10, out, out == NULL ? 0 : blocks * BS);
}

static int write10(uint32_t lba, uint32_t blocks, const uint8_t *w)
{
	return rw(0x2a, lba, blocks, w, 0);
}

static int read10(uint32_t lba, uint32_t blocks)
{
	return rw(0x28, lba, blocks, NULL, 0);
}

/* The file's bytes, read past the store. */
static void file_bytes(uint64_t off, uint8_t *out, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, out, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void pattern(uint8_t *w, size_t len, unsigned seed)
{
	for (size_t k = 0; k < len; k++)
		w[k] = (uint8_t)(k * 7 + seed);
}

/* READ(10) of blocks at lba returns exactly w. */
static void reads_back(uint32_t lba, uint32_t blocks, const uint8_t *w)
{
	ck_assert_int_eq(read10(lba, blocks), SCSI_STATUS_GOOD);
	ck_assert_mem_eq(t.buf, w, blocks * BS);
	static uint8_t f[64 * BS];
	ck_assert_uint_le(blocks, 64);
	file_bytes((uint64_t)lba * BS, f, blocks * BS);
	ck_assert_mem_eq(f, w, blocks * BS);
}

static void check_condition(uint8_t key, uint8_t asc, uint8_t ascq)
{
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_CHECK_CONDITION);
	struct th_sense s = th_sense(&t);
	ck_assert_msg(s.key == key && s.asc == asc && s.ascq == ascq, "sense %x/%02x/%02x, not %x/%02x/%02x", s.key,
		      s.asc, s.ascq, key, asc, ascq);
}

#define MEDIUM 0x3
#define PROTECT 0x7

/* ---- synchronous I/O (fdio.c) ---- */

START_TEST(sync_interrupted_and_short_transfers_are_finished)
{
	open_store(true);
	static uint8_t w[16 * BS];
	pattern(w, sizeof(w), 1);
	SCRIPT(C_PWRITE, -EINTR, 100, 7, -EINTR);
	ck_assert_int_eq(write10(8, 16, w), SCSI_STATUS_GOOD);
	ck_assert_uint_ge(sc[C_PWRITE].calls, 5);
	SCRIPT(C_PREAD, -EINTR, 300, 1);
	reads_back(8, 16, w);
	ck_assert_uint_ge(sc[C_PREAD].calls, 4);
	/* the file ends early (shrunk under the store): zeroes from there */
	SCRIPT(C_PREAD, 1000, NOTHING);
	ck_assert_int_eq(read10(8, 16), SCSI_STATUS_GOOD);
	ck_assert_mem_eq(t.buf, w, 1000);
	static const uint8_t zero[16 * BS];
	ck_assert_mem_eq(t.buf + 1000, zero, sizeof(w) - 1000);
}
END_TEST

START_TEST(sync_errors_map_to_their_sense_and_a_retry_loses_nothing)
{
	open_store(true);
	static uint8_t w[8 * BS], w2[8 * BS];
	pattern(w, sizeof(w), 2);
	pattern(w2, sizeof(w2), 3);
	ck_assert_int_eq(write10(0, 8, w), SCSI_STATUS_GOOD);
	SCRIPT(C_PREAD, -EIO);
	read10(0, 8);
	check_condition(MEDIUM, 0x11, 0x00);
	reads_back(0, 8, w);
	SCRIPT(C_PWRITE, -EIO);
	write10(0, 8, w2);
	check_condition(MEDIUM, 0x0c, 0x00);
	SCRIPT(C_PWRITE, -ENOSPC);
	write10(0, 8, w2);
	check_condition(PROTECT, 0x27, 0x07);
	SCRIPT(C_PWRITE, -EDQUOT);
	write10(0, 8, w2);
	check_condition(PROTECT, 0x27, 0x07);
	reads_back(0, 8, w); /* the failed writes moved nothing */
	ck_assert_int_eq(write10(0, 8, w2), SCSI_STATUS_GOOD);
	reads_back(0, 8, w2);
}
END_TEST

START_TEST(sync_fua_without_rwf_dsync_is_a_write_then_fdatasync)
{
	open_store(true);
	static uint8_t w[4 * BS], w2[4 * BS];
	pattern(w, sizeof(w), 4);
	pattern(w2, sizeof(w2), 5);
	SCRIPT(C_PWRITE, -EOPNOTSUPP); /* a kernel before 4.7 */
	ck_assert_int_eq(rw(0x2a, 4, 4, w, 0x08), SCSI_STATUS_GOOD); /* FUA */
	ck_assert_uint_eq(sc[C_FDATASYNC].calls, 1);
	reads_back(4, 4, w);
	SCRIPT(C_PWRITE, -EINVAL);
	SCRIPT(C_FDATASYNC, -EIO);
	rw(0x2a, 4, 4, w2, 0x08);
	check_condition(MEDIUM, 0x0c, 0x00); /* written, but not durable: not GOOD */
	ck_assert_uint_eq(sc[C_FDATASYNC].calls, 2);
	/* SYNCHRONIZE CACHE whose fdatasync fails, then one that works */
	uint8_t sync[10] = { 0x35 };
	SCRIPT(C_FDATASYNC, -EIO);
	run(sync, 10, NULL, 0);
	check_condition(MEDIUM, 0x0c, 0x00);
	ck_assert_int_eq(run(sync, 10, NULL, 0), SCSI_STATUS_GOOD);
	reads_back(4, 4, w2);
}
END_TEST

/* A write that never moves a byte fails as on the ring (it spun forever). */
START_TEST(sync_write_that_never_moves_a_byte_fails_after_the_retries)
{
	open_store(true);
	static uint8_t w[4 * BS];
	pattern(w, sizeof(w), 8);
	static int nothing[SCRIPT_MAX];
	for (unsigned k = 0; k < SCRIPT_MAX; k++)
		nothing[k] = NOTHING;
	script(C_PWRITE, nothing, SCRIPT_MAX);
	write10(0, 4, w);
	check_condition(MEDIUM, 0x0c, 0x00);
	ck_assert_uint_eq(sc[C_PWRITE].calls, FDIO_RETRIES_MAX + 1);
	/* some progress between the empty answers is progress */
	SCRIPT(C_PWRITE, NOTHING, NOTHING, 100, NOTHING, 200);
	ck_assert_int_eq(write10(0, 4, w), SCSI_STATUS_GOOD);
	reads_back(0, 4, w);
}
END_TEST

/* WRITE SAME(16) of n zero blocks at lba: a WRITE ZEROES request. */
static int write_zeroes(uint32_t lba, uint32_t n)
{
	static const uint8_t zero[BS];
	uint8_t cdb[16] = { 0x93 };
	put_be64(cdb + 2, lba);
	put_be32(cdb + 10, n);
	return run(cdb, 16, zero, BS);
}

/* UNMAP of one range. */
static int unmap(uint32_t lba, uint32_t n)
{
	uint8_t list[24] = { 0 };
	put_be16(list, 22);
	put_be16(list + 2, 16);
	put_be64(list + 8, lba);
	put_be32(list + 16, n);
	uint8_t cdb[10] = { 0x42 };
	put_be16(cdb + 7, sizeof(list));
	return run(cdb, 10, list, sizeof(list));
}

/* Blocks lba..lba+n read back as zeroes. */
static void zeroes_at(uint32_t lba, uint32_t n)
{
	static const uint8_t zero[64 * BS];
	ck_assert_uint_le(n, 64);
	reads_back(lba, n, zero);
}

START_TEST(sync_zeroing_without_hole_punching_writes_zeroes)
{
	open_store(true);
	static uint8_t w[BLOCKS * BS];
	pattern(w, sizeof(w), 6);
	ck_assert_int_eq(write10(0, 256, w), SCSI_STATUS_GOOD);
	ck_assert_int_eq(write10(256, 256, w + 256 * BS), SCSI_STATUS_GOOD);
	/* a file system that can neither zero a range nor punch a hole: two
	 * chunks of zeroes written */
	SCRIPT(C_FALLOCATE, -EOPNOTSUPP, -EOPNOTSUPP);
	ck_assert_int_eq(write_zeroes(0, 300), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(sc[C_FALLOCATE].calls, 2);
	for (uint32_t b = 0; b < 300; b += 50)
		zeroes_at(b, 50);
	reads_back(300, 64, w + 300 * BS);
	/* it is not asked again: UNMAP writes zeroes at once */
	ck_assert_int_eq(unmap(300, 10), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(sc[C_FALLOCATE].calls, 2);
	zeroes_at(300, 10);
	reads_back(310, 64, w + 310 * BS);
	/* writing the zeroes fails: the file system is full */
	SCRIPT(C_PWRITE, -ENOSPC);
	unmap(400, 4);
	check_condition(PROTECT, 0x27, 0x07);
	reads_back(400, 4, w + 400 * BS);
}
END_TEST

START_TEST(sync_zeroing_errors_map_to_their_sense)
{
	open_store(true);
	static uint8_t w[8 * BS];
	pattern(w, sizeof(w), 7);
	ck_assert_int_eq(write10(40, 8, w), SCSI_STATUS_GOOD);
	SCRIPT(C_FALLOCATE, -EIO);
	unmap(40, 8);
	check_condition(MEDIUM, 0x0c, 0x00);
	SCRIPT(C_FALLOCATE, -ENOSPC);
	write_zeroes(40, 8);
	check_condition(PROTECT, 0x27, 0x07);
	reads_back(40, 8, w);
	/* zeroing a range refused, punching works: WRITE ZEROES punches */
	SCRIPT(C_FALLOCATE, -EOPNOTSUPP);
	ck_assert_int_eq(write_zeroes(40, 8), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(sc[C_FALLOCATE].calls, 4);
	zeroes_at(40, 8);
}
END_TEST

/* GET LBA STATUS of the whole LU; the first descriptor's provisioning
 * status (0: mapped, 1: deallocated). */
static uint8_t lba_status(void)
{
	uint8_t cdb[16] = { 0x9e, 0x12 };
	put_be32(cdb + 10, 8 + 16);
	ck_assert_int_eq(run(cdb, 16, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0);
	return t.buf[8 + 12] & 0x0f;
}

START_TEST(sync_map_status_of_a_file_system_that_cannot_say_is_mapped)
{
	open_store(true);
	ck_assert_uint_eq(lba_status(), 1); /* a new sparse file: a hole */
	SCRIPT(C_LSEEK, -EINVAL);
	ck_assert_uint_eq(lba_status(), 0); /* SEEK_DATA refused: all mapped */
	static uint8_t w[8 * BS];
	pattern(w, sizeof(w), 9);
	ck_assert_int_eq(write10(0, 8, w), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(lba_status(), 0);
	ck_assert_int_eq(unmap(0, 8), SCSI_STATUS_GOOD); /* a hole punched */
	ck_assert_uint_eq(lba_status(), 1);
	zeroes_at(0, 8);
}
END_TEST

/* ---- the ring (fdio_ring.c) ---- */

START_TEST(ring_setup_failing_at_each_step_falls_back_to_synchronous_io_and_says_why)
{
	static const char *const why[] = {
		[FDIO_SETUP_QUEUE] = "io_uring_queue_init: Operation not permitted",
		[FDIO_SETUP_EVENTFD] = "io_uring eventfd: Operation not permitted",
		[FDIO_SETUP_PROBE] = "this kernel's io_uring cannot read and write (Linux 5.6 can)",
	};
	if (!open_store(false))
		return;
	static uint8_t w[4 * BS];
	for (int s = FDIO_SETUP_QUEUE; s <= FDIO_SETUP_PROBE; s++) {
		fdio_stop(&store, fd_io());
		memset(setup_err, 0, sizeof(setup_err));
		setup_err[s] = -EPERM;
		fdio_start(&store, fd_io(), false);
		ck_assert_int_eq(bs_event_fd(&store), -1);
		ck_assert_str_eq(store.sync_why, why[s]);
		pattern(w, sizeof(w), 10 + (unsigned)s);
		unsigned before = completions;
		ck_assert_int_eq(write10(12, 4, w), SCSI_STATUS_GOOD);
		ck_assert_uint_eq(completions, before + 1);
		reads_back(12, 4, w);
	}
	/* a ring again once the kernel lets us */
	fdio_stop(&store, fd_io());
	memset(setup_err, 0, sizeof(setup_err));
	fdio_start(&store, fd_io(), false);
	ck_assert_int_ge(bs_event_fd(&store), 0);
	reads_back(12, 4, w);
}
END_TEST

START_TEST(ring_interrupted_and_short_transfers_are_finished)
{
	if (!open_store(false))
		return;
	static uint8_t w[16 * BS];
	pattern(w, sizeof(w), 20);
	SCRIPT(C_RW, -EAGAIN, 100, -EINTR, 7);
	ck_assert_int_eq(write10(8, 16, w), SCSI_STATUS_GOOD);
	ck_assert_uint_ge(sc[C_RW].calls, 5);
	SCRIPT(C_RW, 300, -EINTR, 1);
	reads_back(8, 16, w);
}
END_TEST

START_TEST(ring_errors_map_to_their_sense_and_a_retry_loses_nothing)
{
	if (!open_store(false))
		return;
	static uint8_t w[8 * BS], w2[8 * BS];
	pattern(w, sizeof(w), 21);
	pattern(w2, sizeof(w2), 22);
	ck_assert_int_eq(write10(0, 8, w), SCSI_STATUS_GOOD);
	SCRIPT(C_RW, -EIO);
	read10(0, 8);
	check_condition(MEDIUM, 0x11, 0x00);
	SCRIPT(C_RW, -EIO);
	write10(0, 8, w2);
	check_condition(MEDIUM, 0x0c, 0x00);
	SCRIPT(C_RW, -ENOSPC);
	write10(0, 8, w2);
	check_condition(PROTECT, 0x27, 0x07);
	ck_assert_int_eq(write10(0, 8, w), SCSI_STATUS_GOOD);
	reads_back(0, 8, w);
	/* FDIO_RETRIES_MAX interruptions, then the next one fails it */
	static int eagain[FDIO_RETRIES_MAX + 1];
	for (unsigned k = 0; k <= FDIO_RETRIES_MAX; k++)
		eagain[k] = -EAGAIN;
	script(C_RW, eagain, FDIO_RETRIES_MAX + 1);
	read10(0, 8);
	check_condition(MEDIUM, 0x11, 0x00);
	ck_assert_uint_eq(sc[C_RW].next, FDIO_RETRIES_MAX + 1);
	/* a write that never moves a byte fails after as many tries */
	static int nothing[FDIO_RETRIES_MAX + 1];
	for (unsigned k = 0; k <= FDIO_RETRIES_MAX; k++)
		nothing[k] = NOTHING;
	script(C_RW, nothing, FDIO_RETRIES_MAX + 1);
	write10(0, 8, w2);
	check_condition(MEDIUM, 0x0c, 0x00);
	ck_assert_int_eq(write10(0, 8, w2), SCSI_STATUS_GOOD);
	reads_back(0, 8, w2);
	/* a read at the end of a file that shrank reads as zeroes */
	SCRIPT(C_RW, NOTHING);
	ck_assert_int_eq(read10(0, 8), SCSI_STATUS_GOOD);
	static const uint8_t zero[8 * BS];
	ck_assert_mem_eq(t.buf, zero, sizeof(zero));
}
END_TEST

START_TEST(ring_fua_without_rwf_dsync_is_a_write_then_fdatasync)
{
	if (!open_store(false))
		return;
	static uint8_t w[4 * BS], w2[4 * BS];
	pattern(w, sizeof(w), 23);
	pattern(w2, sizeof(w2), 24);
	SCRIPT(C_RW, -EOPNOTSUPP);
	ck_assert_int_eq(rw(0x2a, 4, 4, w, 0x08), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(sc[C_RW].calls, 2); /* refused, then the plain write */
	ck_assert_uint_eq(sc[C_DATASYNC].calls, 1);
	reads_back(4, 4, w);
	SCRIPT(C_RW, -EINVAL);
	SCRIPT(C_DATASYNC, -EIO);
	rw(0x2a, 4, 4, w2, 0x08);
	check_condition(MEDIUM, 0x0c, 0x00);
	uint8_t sync[10] = { 0x35 };
	SCRIPT(C_DATASYNC, -EIO);
	run(sync, 10, NULL, 0);
	check_condition(MEDIUM, 0x0c, 0x00);
	ck_assert_int_eq(run(sync, 10, NULL, 0), SCSI_STATUS_GOOD);
	reads_back(4, 4, w2);
}
END_TEST

START_TEST(ring_fallocate_refused_falls_back_and_is_not_asked_again)
{
	if (!open_store(false))
		return;
	static uint8_t w[128 * BS];
	pattern(w, sizeof(w), 25);
	ck_assert_int_eq(write10(0, 128, w), SCSI_STATUS_GOOD);
	/* the ring's fallocate refuses the error cases with their sense */
	SCRIPT(C_FALLOC, -EIO);
	unmap(0, 8);
	check_condition(MEDIUM, 0x0c, 0x00);
	SCRIPT(C_FALLOC, -ENOSPC);
	write_zeroes(0, 8);
	check_condition(PROTECT, 0x27, 0x07);
	ck_assert_int_eq(write_zeroes(0, 8), SCSI_STATUS_GOOD);
	zeroes_at(0, 8);
	/* zeroing a range refused: punching on the ring instead */
	SCRIPT(C_FALLOC, -EOPNOTSUPP);
	unsigned before = sc[C_FALLOC].calls;
	ck_assert_int_eq(write_zeroes(8, 8), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(sc[C_FALLOC].calls, before + 2);
	zeroes_at(8, 8);
	/* punching refused too: the synchronous way, here writing zeroes */
	SCRIPT(C_FALLOC, -EOPNOTSUPP);
	SCRIPT(C_FALLOCATE, -EOPNOTSUPP);
	before = sc[C_FALLOC].calls;
	ck_assert_int_eq(unmap(16, 8), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(sc[C_FALLOC].calls, before + 1);
	zeroes_at(16, 8);
	/* neither is asked of the ring again */
	before = sc[C_FALLOC].calls;
	ck_assert_int_eq(write_zeroes(24, 8), SCSI_STATUS_GOOD);
	ck_assert_int_eq(unmap(32, 8), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(sc[C_FALLOC].calls, before);
	zeroes_at(24, 16);
	reads_back(40, 64, w + 40 * BS);
}
END_TEST

/* More requests than the ring and its backlog hold: the one beyond is
 * served inside submit, the rest later; every one lands. */
static unsigned plain_done;

static void on_plain(void *ctx, struct rt_disk_io *io)
{
	(void)ctx;
	ck_assert_int_eq(io->status, RT_DISK_OK);
	plain_done++;
}

START_TEST(ring_past_its_backlog_serves_the_next_request_at_once)
{
	if (!open_store(false))
		return;
	enum { N = FDIO_RING_DEPTH + FDIO_BACKLOG_MAX + 1, LEN = 32 };
	static struct rt_disk_io io[N];
	static uint8_t w[N * LEN], f[N * LEN];
	pattern(w, sizeof(w), 26);
	store.complete = on_plain;
	plain_done = 0;
	for (unsigned i = 0; i < N; i++) {
		io[i] = (struct rt_disk_io){ .op = RT_DISK_WRITE, .offset = (uint64_t)i * LEN, .len = LEN,
					     .buf = w + i * LEN };
		store.ops->submit(&store, &io[i]);
		ck_assert_uint_eq(plain_done, i + 1 == N ? 1 : 0);
	}
	/* the daemon's way: kick once per round, reap when the eventfd says */
	for (unsigned rounds = 0; plain_done < N; rounds++) {
		ck_assert_uint_lt(rounds, 100000);
		bs_kick(&store);
		struct pollfd pfd = { .fd = bs_event_fd(&store), .events = POLLIN };
		if (poll(&pfd, 1, 5000) == 1)
			bs_reap(&store);
	}
	ck_assert_uint_eq(plain_done, N);
	file_bytes(0, f, sizeof(f));
	ck_assert_mem_eq(f, w, sizeof(f));
}
END_TEST

Suite *suite_bs_faults(void)
{
	Suite *s = suite_create("bs_faults");
	TCase *tc = tcase_create("bs_faults");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, sync_interrupted_and_short_transfers_are_finished);
	tcase_add_test(tc, sync_errors_map_to_their_sense_and_a_retry_loses_nothing);
	tcase_add_test(tc, sync_fua_without_rwf_dsync_is_a_write_then_fdatasync);
	tcase_add_test(tc, sync_write_that_never_moves_a_byte_fails_after_the_retries);
	tcase_add_test(tc, sync_zeroing_without_hole_punching_writes_zeroes);
	tcase_add_test(tc, sync_zeroing_errors_map_to_their_sense);
	tcase_add_test(tc, sync_map_status_of_a_file_system_that_cannot_say_is_mapped);
	tcase_add_test(tc, ring_setup_failing_at_each_step_falls_back_to_synchronous_io_and_says_why);
	tcase_add_test(tc, ring_interrupted_and_short_transfers_are_finished);
	tcase_add_test(tc, ring_errors_map_to_their_sense_and_a_retry_loses_nothing);
	tcase_add_test(tc, ring_fua_without_rwf_dsync_is_a_write_then_fdatasync);
	tcase_add_test(tc, ring_fallocate_refused_falls_back_and_is_not_asked_again);
	tcase_add_test(tc, ring_past_its_backlog_serves_the_next_request_at_once);
	suite_add_tcase(s, tc);
	return s;
}
