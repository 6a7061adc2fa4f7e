/* test_bs_store: the backstores behind bs.h (ram, file, block): the same
 * behaviour checked on each (loop tests over the types), then what is
 * particular to each (sparse allocation, hole punching, reopening). The
 * block backstore runs on a loop device over a temporary file when this
 * machine lets us attach one (root); otherwise its cases say so and pass. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backstore/bs.h"
#include "backstore/fdio.h"
#include "backstore/ram.h"
#include "loop_dev.h"

#define SIZE (8u * 1024u * 1024u)
#define BS 512u

static const char *const types[] = {"ram", "file", "block"};
static struct bs store;
static char path[64];
static char loopdev[32];
static unsigned completions;

static void on_complete(void *ctx, struct rt_disk_io *io)
{
	(void)io;
	unsigned *n = ctx;
	(*n)++;
}

/* Open a backstore of 'type'; false if it cannot exist on this machine
 * (block without loop devices). */
static bool open_store(const char *type, uint64_t size)
{
	char err[256] = "";
	struct bs_params p = {.size_bytes = size, .block_size = BS};
	if (strcmp(type, "ram") != 0) {
		snprintf(path, sizeof(path), "/tmp/test_bs_%d.img", (int)getpid());
		unlink(path);
		p.path = path;
	}
	if (strcmp(type, "block") == 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
		close(fd);
		if (!loop_dev_attach(path, loopdev, sizeof(loopdev))) {
			fprintf(stderr, "test_bs_store: no loop device here: block backstore not exercised\n");
			unlink(path);
			path[0] = '\0';
			return false;
		}
		p.path = loopdev;
		p.size_bytes = 0; /* the device's own size */
	}
	memset(&store, 0, sizeof(store));
	store.ops = bs_find(type);
	ck_assert_ptr_nonnull(store.ops);
	store.complete = on_complete;
	store.complete_ctx = &completions;
	ck_assert_msg(store.ops->open(&store, &p, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(store.size_bytes, size);
	ck_assert_uint_eq(store.block_size, BS);
	return true;
}

static void close_store(void)
{
	store.ops->close(&store);
	loop_dev_detach(loopdev);
	if (path[0]) {
		unlink(path);
		path[0] = '\0';
	}
}

/* Submit and require the completion to have been delivered. */
static enum rt_disk_status io(enum rt_disk_op op, uint64_t off, uint64_t len, void *buf, uint32_t flags)
{
	struct rt_disk_io r = {.op = op, .offset = off, .len = len, .buf = buf, .flags = flags, .status = RT_DISK_ERR_READ};
	unsigned before = completions;
	store.ops->submit(&store, &r);
	bs_drain(&store);
	ck_assert_uint_eq(completions, before + 1);
	return r.status;
}

START_TEST(unwritten_blocks_read_as_zeroes)
{
	static uint8_t buf[64 * 1024];
	if (!open_store(types[_i], SIZE))
		return;
	memset(buf, 0xff, sizeof(buf));
	ck_assert_int_eq(io(RT_DISK_READ, SIZE - sizeof(buf), sizeof(buf), buf, 0), RT_DISK_OK);
	static const uint8_t zero[sizeof(buf)];
	ck_assert_int_eq(memcmp(buf, zero, sizeof(buf)), 0);
	close_store();
}
END_TEST

START_TEST(writes_read_back_across_chunk_boundaries)
{
	static uint8_t w[200 * 1024], r[200 * 1024];
	if (!open_store(types[_i], SIZE))
		return;
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 13 + 1);
	uint64_t off = 64 * 1024 - 3 * BS; /* starts before a 64 KiB chunk edge */
	ck_assert_int_eq(io(RT_DISK_WRITE, off, sizeof(w), w, 0), RT_DISK_OK);
	ck_assert_int_eq(io(RT_DISK_READ, off, sizeof(r), r, 0), RT_DISK_OK);
	ck_assert_int_eq(memcmp(w, r, sizeof(w)), 0);
	/* FUA writes and flushes succeed too */
	ck_assert_int_eq(io(RT_DISK_WRITE, 0, BS, w, RT_DISK_FUA), RT_DISK_OK);
	ck_assert_int_eq(io(RT_DISK_FLUSH, 0, 0, NULL, 0), RT_DISK_OK);
	close_store();
}
END_TEST

START_TEST(unmap_and_write_zeroes_read_back_as_zeroes_whole_and_partial)
{
	static uint8_t w[256 * 1024], r[256 * 1024];
	if (!open_store(types[_i], SIZE))
		return;
	ck_assert(store.caps & BS_CAP_UNMAP);
	ck_assert(store.caps & BS_CAP_WRITE_ZEROES);
	/* only a backstore that says so promises zeroes where it unmapped
	 * (a loop device's discard happens to zero; a disk's may not) */
	bool unmap_zeroes = (store.caps & BS_CAP_UNMAP_ZEROES) || strcmp(types[_i], "block") == 0;
	memset(w, 0xab, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, 0, sizeof(w), w, 0), RT_DISK_OK);
	/* unmap [BS, 200 KiB): a partial chunk, whole chunks, a partial chunk */
	ck_assert_int_eq(io(RT_DISK_UNMAP, BS, 200 * 1024 - BS, NULL, 0), RT_DISK_OK);
	ck_assert_int_eq(io(RT_DISK_WRITE_ZEROES, 220 * 1024, 4 * BS, NULL, 0), RT_DISK_OK);
	ck_assert_int_eq(io(RT_DISK_READ, 0, sizeof(r), r, 0), RT_DISK_OK);
	/* what each byte should read, unless unmapped blocks are unspecified */
	static uint8_t want[256 * 1024];
	memset(want, 0xab, sizeof(want));
	memset(want + BS, 0, 200 * 1024 - BS);
	memset(want + 220 * 1024, 0, 4 * BS);
	if (!unmap_zeroes)
		memcpy(want + BS, r + BS, 200 * 1024 - BS);
	ck_assert_int_eq(memcmp(r, want, sizeof(r)), 0);
	close_store();
}
END_TEST

START_TEST(requests_beyond_the_end_fail_without_touching_anything)
{
	uint8_t b[BS] = {1};
	if (!open_store(types[_i], SIZE))
		return;
	ck_assert_int_eq(io(RT_DISK_READ, SIZE, BS, b, 0), RT_DISK_ERR_READ);
	ck_assert_int_eq(io(RT_DISK_WRITE, SIZE - BS, 2 * BS, b, 0), RT_DISK_ERR_WRITE);
	ck_assert_int_eq(io(RT_DISK_UNMAP, UINT64_MAX - BS, 2 * BS, NULL, 0), RT_DISK_ERR_WRITE);
	close_store();
}
END_TEST

START_TEST(registry_knows_ram_file_and_block)
{
	ck_assert_ptr_eq(bs_find("ram"), &bs_ram_ops);
	ck_assert_ptr_eq(bs_find("file"), &bs_file_ops);
	ck_assert_ptr_eq(bs_find("block"), &bs_block_ops);
#ifdef BS_HAVE_RBD
	ck_assert_ptr_eq(bs_find("rbd"), &bs_rbd_ops);
#else
	ck_assert_ptr_null(bs_find("rbd"));
#endif
	ck_assert_ptr_null(bs_find("nvme"));
	ck_assert_ptr_null(bs_find(NULL));
}
END_TEST

START_TEST(ram_allocates_only_written_chunks_and_frees_unmapped_ones)
{
	static uint8_t w[128 * 1024];
	open_store("ram", 1ull << 40); /* 1 TiB: only the directory is allocated */
	ck_assert_uint_eq(bs_ram_allocated_bytes(&store), 0);
	memset(w, 1, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, 1ull << 39, BS, w, 0), RT_DISK_OK);
	ck_assert_uint_eq(bs_ram_allocated_bytes(&store), 64 * 1024);
	ck_assert_int_eq(io(RT_DISK_WRITE, 0, sizeof(w), w, 0), RT_DISK_OK);
	ck_assert_uint_eq(bs_ram_allocated_bytes(&store), 3 * 64 * 1024);
	/* a partial unmap keeps the chunk, a whole one frees it */
	ck_assert_int_eq(io(RT_DISK_UNMAP, 0, 64 * 1024 + BS, NULL, 0), RT_DISK_OK);
	ck_assert_uint_eq(bs_ram_allocated_bytes(&store), 2 * 64 * 1024);
	ck_assert(!(store.caps & BS_CAP_VOLATILE));
	close_store();
}
END_TEST

START_TEST(ram_refuses_a_size_that_is_not_whole_blocks)
{
	char err[128] = "";
	struct bs s = {.ops = &bs_ram_ops};
	struct bs_params p = {.size_bytes = 1000, .block_size = BS};
	ck_assert_int_eq(bs_ram_ops.open(&s, &p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "ram"));
	p.size_bytes = 0;
	ck_assert_int_eq(bs_ram_ops.open(&s, &p, err, sizeof(err)), -1);
}
END_TEST

/* RT_DISK_MAP_STATUS from 'off' to the end of the store. */
static bool map_status(uint64_t off, uint64_t *run)
{
	struct rt_disk_io r = {.op = RT_DISK_MAP_STATUS, .offset = off, .len = store.size_bytes - off};
	unsigned before = completions;
	store.ops->submit(&store, &r);
	bs_drain(&store);
	ck_assert_uint_eq(completions, before + 1);
	ck_assert_int_eq(r.status, RT_DISK_OK);
	ck_assert_uint_le(r.run_len, r.len);
	ck_assert_uint_gt(r.run_len, 0);
	*run = r.run_len;
	return r.mapped;
}

/* ram and file tell written runs from holes (a ram chunk and a file
 * system block are both at most 64 KiB); a block device has no holes. */
START_TEST(map_status_tells_written_runs_from_holes)
{
	static uint8_t w[64 * 1024];
	const uint64_t at = 1024 * 1024;
	uint64_t run;
	if (!open_store(types[_i], SIZE))
		return;
	bool block = strcmp(types[_i], "block") == 0;
	memset(w, 9, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, at, sizeof(w), w, 0), RT_DISK_OK);
	ck_assert(map_status(0, &run) == block);
	ck_assert_uint_eq(run, block ? SIZE : at);
	ck_assert(map_status(at, &run));
	ck_assert_uint_eq(run, block ? SIZE - at : sizeof(w));
	ck_assert(map_status(at + sizeof(w), &run) == block);
	ck_assert_uint_eq(run, SIZE - at - sizeof(w));
	ck_assert_int_eq(io(RT_DISK_UNMAP, at, sizeof(w), NULL, 0), RT_DISK_OK);
	ck_assert(map_status(0, &run) == block);
	ck_assert_uint_eq(run, SIZE);
	close_store();
}
END_TEST

/* RT_DISK_ATOMIC: ram lands it (every ram write is whole); a file or a
 * block device promises nothing across a power loss and refuses it
 * without writing. */
/* RT_DISK_PR_LOAD/STORE (the shared PR record) and RT_DISK_ALUA_SET (the
 * ownership of shared storage) are served by a backstore that keeps them
 * (rbd) before bs_io_start; every other one answers ERR_UNSUPPORTED, once,
 * and neither reads into the buffer nor writes it to a block. So does
 * fdio_serve_sync, the synchronous path of the file and block stores
 * (fdio.h), asked directly. */
START_TEST(records_beside_the_blocks_are_unsupported_and_touch_nothing)
{
	static const enum rt_disk_op ops[] = {RT_DISK_PR_LOAD, RT_DISK_PR_STORE, RT_DISK_ALUA_SET};
	uint8_t w[BS], r[BS];
	if (!open_store(types[_i], SIZE))
		return;
	memset(w, 0x6d, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, 0, BS, w, 0), RT_DISK_OK);
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		memset(r, 0xee, sizeof(r));
		ck_assert_int_eq(io(ops[k], 0, BS, r, 0), RT_DISK_ERR_UNSUPPORTED);
		ck_assert_uint_eq(r[0], 0xee);
		if (strcmp(types[_i], "ram") == 0)
			continue;
		struct rt_disk_io q = {.op = ops[k], .offset = 0, .len = BS, .buf = r, .status = RT_DISK_OK};
		unsigned before = completions;
		fdio_serve_sync(&store, store.priv, &q); /* priv starts with its struct fdio */
		ck_assert_uint_eq(completions, before + 1);
		ck_assert_int_eq(q.status, RT_DISK_ERR_UNSUPPORTED);
		ck_assert_uint_eq(r[0], 0xee);
	}
	ck_assert_int_eq(io(RT_DISK_READ, 0, BS, r, 0), RT_DISK_OK);
	ck_assert_uint_eq(r[0], 0x6d);
	ck_assert_uint_eq(r[BS - 1], 0x6d);
	close_store();
}
END_TEST

/* COMPARE AND WRITE in one request is rbd's (librbd's compare-and-write);
 * ram, file and block do not offer it (no BS_CAP_COMPARE_WRITE: the
 * engine reads, compares and writes under its gate instead) and refuse
 * the op before touching the block, even when the compare would match. */
START_TEST(compare_write_is_refused_without_the_capability)
{
	uint8_t w[BS], cw[2 * BS], r[BS];
	if (!open_store(types[_i], SIZE))
		return;
	ck_assert(!(store.caps & BS_CAP_COMPARE_WRITE));
	memset(w, 0x6d, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, 0, BS, w, 0), RT_DISK_OK);
	memset(cw, 0x6d, BS);
	memset(cw + BS, 0x11, BS);
	ck_assert_int_eq(io(RT_DISK_COMPARE_WRITE, 0, BS, cw, 0), RT_DISK_ERR_UNSUPPORTED);
	ck_assert_int_eq(io(RT_DISK_READ, 0, BS, r, 0), RT_DISK_OK);
	ck_assert_uint_eq(r[0], 0x6d);
	ck_assert_uint_eq(r[BS - 1], 0x6d);
	close_store();
}
END_TEST

START_TEST(atomic_writes_land_where_the_store_can_and_fail_cleanly_elsewhere)
{
	uint8_t w[4 * BS], r[4 * BS];
	if (!open_store(types[_i], SIZE))
		return;
	bool ram = strcmp(types[_i], "ram") == 0;
	ck_assert(!(store.caps & BS_CAP_ATOMIC) == !ram);
	memset(w, 0x3c, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, 63 * 1024, sizeof(w), w, RT_DISK_ATOMIC | RT_DISK_FUA),
			 ram ? RT_DISK_OK : RT_DISK_ERR_UNSUPPORTED);
	ck_assert_int_eq(io(RT_DISK_READ, 63 * 1024, sizeof(r), r, 0), RT_DISK_OK);
	for (size_t i = 0; i < sizeof(r); i++)
		ck_assert_uint_eq(r[i], ram ? 0x3c : 0);
	close_store();
}
END_TEST

START_TEST(file_is_sparse_and_unmap_gives_space_back)
{
	static uint8_t w[1024 * 1024];
	struct stat st;
	open_store("file", 64ull * 1024 * 1024);
	ck_assert(store.caps & BS_CAP_VOLATILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 64 * 1024 * 1024);
	ck_assert_int_lt(st.st_blocks * 512, 1024 * 1024);
	memset(w, 7, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, 0, sizeof(w), w, RT_DISK_FUA), RT_DISK_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	blkcnt_t written = st.st_blocks;
	ck_assert_int_ge(written * 512, (long)sizeof(w));
	ck_assert_int_eq(io(RT_DISK_UNMAP, 0, sizeof(w), NULL, 0), RT_DISK_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_lt(st.st_blocks, written); /* tmpfs, ext4, xfs all punch */
	close_store();
}
END_TEST

START_TEST(file_keeps_its_data_across_reopen_and_takes_its_size_from_the_file)
{
	uint8_t w[BS], r[BS];
	char err[256];
	open_store("file", SIZE);
	memset(w, 0x42, sizeof(w));
	ck_assert_int_eq(io(RT_DISK_WRITE, 5 * BS, BS, w, 0), RT_DISK_OK);
	store.ops->close(&store);
	struct bs_params p = {.path = path, .size_bytes = 0, .block_size = BS};
	ck_assert_int_eq(store.ops->open(&store, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(store.size_bytes, SIZE);
	ck_assert_int_eq(io(RT_DISK_READ, 5 * BS, BS, r, 0), RT_DISK_OK);
	ck_assert_int_eq(memcmp(w, r, BS), 0);
	close_store();
}
END_TEST

START_TEST(file_open_reports_why_it_failed)
{
	char err[256] = "";
	struct bs s = {.ops = &bs_file_ops};
	struct bs_params p = {.path = "/nonexistent/dir/x.img", .size_bytes = SIZE, .block_size = BS};
	ck_assert_int_eq(bs_file_ops.open(&s, &p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/x.img"));
	p.path = "/tmp";
	ck_assert_int_eq(bs_file_ops.open(&s, &p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "file: /tmp"));
}
END_TEST

START_TEST(block_refuses_what_is_not_a_block_device_or_too_small)
{
	char err[256] = "";
	struct bs s = {.ops = &bs_block_ops};
	snprintf(path, sizeof(path), "/tmp/test_bs_%d.img", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	close(fd);
	struct bs_params p = {.path = path, .block_size = BS};
	ck_assert_int_eq(bs_block_ops.open(&s, &p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a block device"));
	if (!loop_dev_attach(path, loopdev, sizeof(loopdev))) {
		unlink(path);
		return;
	}
	p.path = loopdev;
	p.size_bytes = 2 << 20; /* more than the device has */
	ck_assert_int_eq(bs_block_ops.open(&s, &p, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than the device"));
	p.size_bytes = 0;
	p.block_size = 4096;
	ck_assert_int_eq(bs_block_ops.open(&s, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(s.size_bytes, 1 << 20);
	ck_assert(!(s.caps & BS_CAP_UNMAP_ZEROES));
	bs_block_ops.close(&s);
	loop_dev_detach(loopdev);
	unlink(path);
	path[0] = '\0';
}
END_TEST

Suite *suite_bs_store(void)
{
	Suite *s = suite_create("bs_store");
	TCase *tc = tcase_create("common");
	tcase_add_loop_test(tc, unwritten_blocks_read_as_zeroes, 0, 3);
	tcase_add_loop_test(tc, writes_read_back_across_chunk_boundaries, 0, 3);
	tcase_add_loop_test(tc, unmap_and_write_zeroes_read_back_as_zeroes_whole_and_partial, 0, 3);
	tcase_add_loop_test(tc, requests_beyond_the_end_fail_without_touching_anything, 0, 3);
	tcase_add_loop_test(tc, map_status_tells_written_runs_from_holes, 0, 3);
	tcase_add_loop_test(tc, records_beside_the_blocks_are_unsupported_and_touch_nothing, 0, 3);
	tcase_add_loop_test(tc, atomic_writes_land_where_the_store_can_and_fail_cleanly_elsewhere, 0, 3);
	tcase_add_loop_test(tc, compare_write_is_refused_without_the_capability, 0, 3);
	tcase_add_test(tc, registry_knows_ram_file_and_block);
	suite_add_tcase(s, tc);
	tc = tcase_create("ram");
	tcase_add_test(tc, ram_allocates_only_written_chunks_and_frees_unmapped_ones);
	tcase_add_test(tc, ram_refuses_a_size_that_is_not_whole_blocks);
	suite_add_tcase(s, tc);
	tc = tcase_create("file");
	tcase_add_test(tc, file_is_sparse_and_unmap_gives_space_back);
	tcase_add_test(tc, file_keeps_its_data_across_reopen_and_takes_its_size_from_the_file);
	tcase_add_test(tc, file_open_reports_why_it_failed);
	suite_add_tcase(s, tc);
	tc = tcase_create("block");
	tcase_add_test(tc, block_refuses_what_is_not_a_block_device_or_too_small);
	suite_add_tcase(s, tc);
	return s;
}
