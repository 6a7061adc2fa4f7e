/* test_bs_errors: how the file and block backstores refuse what they
 * cannot serve (open errors, each with its message) and how I/O errors of
 * the OS come back as disk statuses (a read-only file written to, a file
 * shrunk under the store). The block cases that need a device attach a
 * loop device when this machine lets us (root); otherwise they say so and
 * pass. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backstore/bs.h"
#include "loop_dev.h"

#define BS 512u

static char path[64];
static char loopdev[32];
static unsigned completions;

static void on_complete(void *ctx, struct rt_disk_io *io)
{
	(void)io;
	(*(unsigned *)ctx)++;
}

/* A file of len bytes at path (a new name per test process). */
static void make_file(uint64_t len)
{
	snprintf(path, sizeof(path), "/tmp/test_bs_errors_%d.img", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	close(fd);
}

static void remove_file(void)
{
	unlink(path);
	path[0] = '\0';
}

/* Attach path to a free loop device (into loopdev); false, said, if we may not. */
static bool loop_attach(void)
{
	if (loop_dev_attach(path, loopdev, sizeof(loopdev)))
		return true;
	fprintf(stderr, "test_bs_errors: no loop device here: block cases not exercised\n");
	return false;
}

/* open of ops with p must fail with a message containing want. */
static void refused(const struct bs_ops *ops, const struct bs_params *p, const char *want)
{
	char err[256] = "";
	struct bs s = {.ops = ops};
	ck_assert_int_eq(ops->open(&s, p, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "'%s' does not say '%s'", err, want);
	ck_assert_ptr_null(s.priv);
}

static enum rt_disk_status submit(struct bs *s, enum rt_disk_op op, uint64_t off, uint64_t len, void *buf)
{
	struct rt_disk_io r = {.op = op, .offset = off, .len = len, .buf = buf, .status = RT_DISK_OK};
	unsigned before = completions;
	s->ops->submit(s, &r);
	bs_drain(s);
	ck_assert_uint_eq(completions, before + 1);
	return r.status;
}

START_TEST(file_open_requires_a_path_and_a_block_size)
{
	struct bs_params p = {.path = NULL, .size_bytes = 1 << 20, .block_size = BS};
	refused(&bs_file_ops, &p, "a path and a block size are required");
	p.path = "/tmp/x.img";
	p.block_size = 0;
	refused(&bs_file_ops, &p, "a path and a block size are required");
}
END_TEST

START_TEST(file_open_refuses_what_is_not_a_regular_file)
{
	struct bs_params p = {.path = "/dev/null", .block_size = BS, .read_only = true};
	refused(&bs_file_ops, &p, "file: /dev/null: not a regular file");
}
END_TEST

START_TEST(file_open_reports_a_size_the_file_cannot_grow_to)
{
	make_file(0);
	struct bs_params p = {.path = path, .size_bytes = 1ull << 62, .block_size = BS};
	refused(&bs_file_ops, &p, "extend to 4611686018427387904");
	remove_file();
}
END_TEST

START_TEST(file_open_refuses_a_file_smaller_than_one_block)
{
	make_file(BS - 1);
	struct bs_params p = {.path = path, .size_bytes = 0, .block_size = BS};
	refused(&bs_file_ops, &p, "smaller than one block");
	remove_file();
}
END_TEST

START_TEST(read_only_file_fails_writes_and_unmaps_as_write_errors)
{
	uint8_t buf[BS];
	char err[256];
	make_file(64 * BS);
	struct bs s = {.ops = &bs_file_ops, .complete = on_complete, .complete_ctx = &completions};
	struct bs_params p = {.path = path, .size_bytes = 0, .block_size = BS, .read_only = true};
	ck_assert_msg(bs_file_ops.open(&s, &p, err, sizeof(err)) == 0, "%s", err);
	memset(buf, 0xab, sizeof(buf));
	ck_assert_int_eq(submit(&s, RT_DISK_WRITE, 0, BS, buf), RT_DISK_ERR_WRITE);
	ck_assert_int_eq(submit(&s, RT_DISK_UNMAP, 0, BS, NULL), RT_DISK_ERR_WRITE);
	ck_assert_int_eq(submit(&s, RT_DISK_WRITE_ZEROES, 0, BS, NULL), RT_DISK_ERR_WRITE);
	ck_assert_int_eq(submit(&s, RT_DISK_READ, 0, BS, buf), RT_DISK_OK);
	ck_assert_uint_eq(buf[0], 0); /* nothing was written */
	bs_file_ops.close(&s);
	bs_file_ops.close(&s); /* a second close is harmless */
	remove_file();
}
END_TEST

START_TEST(file_shrunk_under_the_store_reads_as_zeroes_beyond_its_end)
{
	uint8_t w[2 * BS], r[2 * BS];
	char err[256];
	make_file(64 * BS);
	struct bs s = {.ops = &bs_file_ops, .complete = on_complete, .complete_ctx = &completions};
	struct bs_params p = {.path = path, .size_bytes = 0, .block_size = BS};
	ck_assert_msg(bs_file_ops.open(&s, &p, err, sizeof(err)) == 0, "%s", err);
	memset(w, 0x5e, sizeof(w));
	ck_assert_int_eq(submit(&s, RT_DISK_WRITE, 10 * BS, sizeof(w), w), RT_DISK_OK);
	ck_assert_int_eq(truncate(path, 10 * BS + BS), 0); /* keeps the first block only */
	ck_assert_int_eq(submit(&s, RT_DISK_READ, 10 * BS, sizeof(r), r), RT_DISK_OK);
	ck_assert_uint_eq(r[0], 0x5e);
	ck_assert_uint_eq(r[BS - 1], 0x5e);
	ck_assert_uint_eq(r[BS], 0);
	ck_assert_uint_eq(r[2 * BS - 1], 0);
	bs_file_ops.close(&s);
	remove_file();
}
END_TEST

START_TEST(block_open_requires_a_path_and_a_block_size_and_an_existing_device)
{
	struct bs_params p = {.path = NULL, .block_size = BS};
	refused(&bs_block_ops, &p, "a path and a block size are required");
	p.path = "/dev/no-such-device";
	refused(&bs_block_ops, &p, "block: /dev/no-such-device: No such file or directory");
}
END_TEST

START_TEST(block_open_checks_block_size_against_the_device)
{
	char err[256];
	make_file(1 << 20);
	if (!loop_attach()) {
		remove_file();
		return;
	}
	struct bs_params p = {.path = loopdev, .block_size = 100};
	refused(&bs_block_ops, &p, "not a multiple of the device's sector size");
	p.block_size = 2u << 20; /* one block would not fit */
	refused(&bs_block_ops, &p, "smaller than one block");
	/* a size below the device's: the LU is that size */
	p.block_size = BS;
	p.size_bytes = 64 * BS;
	struct bs s = {.ops = &bs_block_ops, .complete = on_complete, .complete_ctx = &completions};
	ck_assert_msg(bs_block_ops.open(&s, &p, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(s.size_bytes, 64 * BS);
	uint8_t buf[BS];
	ck_assert_int_eq(submit(&s, RT_DISK_READ, 64 * BS, BS, buf), RT_DISK_ERR_READ); /* past its end */
	bs_block_ops.close(&s);
	bs_block_ops.close(&s);
	loop_dev_detach(loopdev);
	remove_file();
}
END_TEST

Suite *suite_bs_errors(void)
{
	Suite *s = suite_create("bs_errors");
	TCase *tc = tcase_create("file");
	tcase_add_test(tc, file_open_requires_a_path_and_a_block_size);
	tcase_add_test(tc, file_open_refuses_what_is_not_a_regular_file);
	tcase_add_test(tc, file_open_reports_a_size_the_file_cannot_grow_to);
	tcase_add_test(tc, file_open_refuses_a_file_smaller_than_one_block);
	tcase_add_test(tc, read_only_file_fails_writes_and_unmaps_as_write_errors);
	tcase_add_test(tc, file_shrunk_under_the_store_reads_as_zeroes_beyond_its_end);
	suite_add_tcase(s, tc);
	tc = tcase_create("block");
	tcase_add_test(tc, block_open_requires_a_path_and_a_block_size_and_an_existing_device);
	tcase_add_test(tc, block_open_checks_block_size_against_the_device);
	suite_add_tcase(s, tc);
	return s;
}
