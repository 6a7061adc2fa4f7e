/* test_bs_ring: the file backstore on io_uring (backstore/fdio_ring.c):
 * completions come after submit, from bs_reap/bs_drain, never inside it;
 * more requests than the ring holds wait in the backlog and all finish
 * with the right data; FUA, FLUSH, UNMAP and WRITE ZEROES (on ext4 and on
 * tmpfs, which zeroes a range only by punching it) read back right;
 * sync_io serves inside submit and says why. A machine without io_uring
 * runs the synchronous path: those cases say so and check that. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backstore/bs.h"
#include "backstore/fdio.h"

#define BS 4096u
#define BLOCKS 512u
/* more than the ring holds, so that some wait in the backlog */
#define MANY (FDIO_RING_DEPTH * 3u)

static char path[96];
static struct bs store;
static unsigned completions;

static void on_complete(void *ctx, struct rt_disk_io *io)
{
	(void)io;
	(*(unsigned *)ctx)++;
}

/* A file LU of BLOCKS blocks in dir; false if this machine has no io_uring
 * (and we did not ask for sync_io). */
static bool open_file(const char *dir, bool sync_io)
{
	char err[256] = "";
	snprintf(path, sizeof(path), "%s/test_bs_ring_%d.img", dir, (int)getpid());
	unlink(path);
	struct bs_params p = {.path = path, .size_bytes = (uint64_t)BS * BLOCKS, .block_size = BS, .sync_io = sync_io};
	memset(&store, 0, sizeof(store));
	store.ops = &bs_file_ops;
	store.complete = on_complete;
	store.complete_ctx = &completions;
	completions = 0;
	ck_assert_msg(store.ops->open(&store, &p, err, sizeof(err)) == 0, "%s", err);
	if (sync_io || bs_event_fd(&store) >= 0)
		return true;
	fprintf(stderr, "test_bs_ring: no io_uring here (%s): ring cases not exercised\n", store.sync_why);
	return false;
}

static void close_file(void)
{
	store.ops->close(&store);
	unlink(path);
}

static void submit(struct rt_disk_io *io, enum rt_disk_op op, uint64_t block, uint64_t blocks, void *buf,
		   uint32_t flags)
{
	*io = (struct rt_disk_io){.op = op, .offset = block * BS, .len = blocks * BS, .buf = buf, .flags = flags};
	store.ops->submit(&store, io);
}

START_TEST(ring_completes_after_submit_and_the_backlog_drains_in_full)
{
	static uint8_t w[MANY][BS], r[MANY][BS];
	static struct rt_disk_io io[MANY];
	if (!open_file("/tmp", false)) {
		close_file();
		return;
	}
	for (unsigned i = 0; i < MANY; i++) {
		memset(w[i], (int)(i + 1), BS);
		submit(&io[i], RT_DISK_WRITE, i, 1, w[i], i % 7 == 0 ? RT_DISK_FUA : 0);
	}
	/* the kernel may be quick, but completions wait for reap */
	ck_assert_uint_eq(completions, 0);
	bs_drain(&store);
	ck_assert_uint_eq(completions, MANY);
	for (unsigned i = 0; i < MANY; i++)
		ck_assert_int_eq(io[i].status, RT_DISK_OK);
	struct rt_disk_io flush;
	submit(&flush, RT_DISK_FLUSH, 0, 0, NULL, 0);
	for (unsigned i = 0; i < MANY; i++)
		submit(&io[i], RT_DISK_READ, i, 1, r[i], 0);
	bs_drain(&store);
	ck_assert_uint_eq(completions, 2 * MANY + 1);
	ck_assert_int_eq(flush.status, RT_DISK_OK);
	for (unsigned i = 0; i < MANY; i++) {
		ck_assert_int_eq(io[i].status, RT_DISK_OK);
		ck_assert_mem_eq(r[i], w[i], BS);
	}
	/* a request beyond the end still completes, with its error, at once */
	submit(&io[0], RT_DISK_READ, BLOCKS, 1, r[0], 0);
	ck_assert_uint_eq(completions, 2 * MANY + 2);
	ck_assert_int_eq(io[0].status, RT_DISK_ERR_READ);
	close_file();
}
END_TEST

/* UNMAP and WRITE ZEROES on the ring read back as zeroes, on the file
 * system of dir (ext4 zeroes ranges; tmpfs only punches holes). */
static void zeroes_read_back(const char *dir)
{
	static uint8_t w[8 * BS], r[8 * BS], zero[8 * BS];
	struct rt_disk_io io;
	if (!open_file(dir, false)) {
		close_file();
		return;
	}
	memset(w, 0xa5, sizeof(w));
	for (int k = 0; k < 2; k++) { /* twice: the second after a refused mode was noted */
		enum rt_disk_op ops[] = {RT_DISK_UNMAP, RT_DISK_WRITE_ZEROES};
		for (unsigned o = 0; o < 2; o++) {
			submit(&io, RT_DISK_WRITE, 16, 8, w, 0);
			bs_drain(&store);
			ck_assert_int_eq(io.status, RT_DISK_OK);
			submit(&io, ops[o], 17, 3, NULL, 0);
			bs_drain(&store);
			ck_assert_int_eq(io.status, RT_DISK_OK);
			submit(&io, RT_DISK_READ, 16, 8, r, 0);
			bs_drain(&store);
			ck_assert_mem_eq(r, w, BS);
			ck_assert_mem_eq(r + BS, zero, 3 * BS);
			ck_assert_mem_eq(r + 4 * BS, w, 4 * BS);
		}
	}
	close_file();
}

START_TEST(unmap_and_write_zeroes_on_the_ring_read_back_as_zeroes)
{
	zeroes_read_back("/tmp");
	if (access("/dev/shm", W_OK) == 0)
		zeroes_read_back("/dev/shm");
}
END_TEST

START_TEST(sync_io_completes_inside_submit_and_says_why)
{
	static uint8_t w[BS], r[BS];
	struct rt_disk_io io;
	ck_assert(open_file("/tmp", true));
	ck_assert_int_eq(bs_event_fd(&store), -1);
	ck_assert_ptr_nonnull(strstr(store.sync_why, "--sync-io"));
	memset(w, 0x3c, sizeof(w));
	submit(&io, RT_DISK_WRITE, 3, 1, w, RT_DISK_FUA);
	ck_assert_uint_eq(completions, 1);
	submit(&io, RT_DISK_READ, 3, 1, r, 0);
	ck_assert_uint_eq(completions, 2);
	ck_assert_mem_eq(r, w, BS);
	close_file();
}
END_TEST

Suite *suite_bs_ring(void)
{
	Suite *s = suite_create("bs_ring");
	TCase *tc = tcase_create("file");
	tcase_add_test(tc, ring_completes_after_submit_and_the_backlog_drains_in_full);
	tcase_add_test(tc, unmap_and_write_zeroes_on_the_ring_read_back_as_zeroes);
	tcase_add_test(tc, sync_io_completes_inside_submit_and_says_why);
	suite_add_tcase(s, tc);
	return s;
}
