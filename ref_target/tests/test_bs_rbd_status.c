/* test_bs_rbd_status: what the rbd backstore makes of librbd's answers
 * (backstore/rbd_status.h), without a Ceph: each librbd errno for each
 * kind of request, through the SCSI layer (test_scsi_harness), gives the
 * sense the initiator sees: NOT READY 04/0C (unavailable: blocklisted,
 * fail over) and 04/0A (transition: not the lock owner, retry), DATA
 * PROTECT 27/07 (pool full), MEDIUM ERROR 11/00 and 0C/00, HARDWARE ERROR
 * 44/00 (not supported), MISCOMPARE 1D/00 (a compare-and-write's
 * difference, with its offset); the extents of rbd_diff_iterate2 give GET LBA
 * STATUS's runs; a lock owner is blocklisted only by its full address. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "backstore/rbd_status.h"
#include "scsi/bytes.h"
#include "test_scsi_harness.h"

#define BLOCKS 1024u
#define BS 512u

static struct th t;

static void setup(void)
{
	th_init(&t, BLOCKS, BS, RT_LU_THIN | RT_LU_LBPRZ | RT_LU_WCE | RT_LU_COMPARE_WRITE);
	t.cfg.compare_write_max = RBDS_COMPARE_WRITE_MAX; /* as the daemon sets it (store.c) */
	th_lu_recreate(&t);
	th_clear_ua(&t);
}

static void teardown(void)
{
	th_fini(&t);
}

enum cmd { READ, WRITE, FLUSH, UNMAP, ZEROES, CAW, CMDS };

/* Start command k; its one disk request is pending. */
static void start(enum cmd k)
{
	static uint8_t data[8 * BS];
	uint8_t cdb[16] = { 0 };
	uint32_t cdb_len = 10, out = 0;
	const uint8_t *d = NULL;
	switch (k) {
	case READ:
		th_cdb_rw(cdb, 0x28, 8, 8);
		break;
	case WRITE:
		th_cdb_rw(cdb, 0x2a, 8, 8);
		d = data;
		out = sizeof(data);
		break;
	case FLUSH:
		cdb[0] = 0x35;
		break;
	case UNMAP: {
		static uint8_t list[24];
		put_be16(list, 22);
		put_be16(list + 2, 16);
		put_be64(list + 8, 8);
		put_be32(list + 16, 8);
		cdb[0] = 0x42;
		put_be16(cdb + 7, sizeof(list));
		d = list;
		out = sizeof(list);
		break;
	}
	case ZEROES:
		cdb[0] = 0x93;
		put_be64(cdb + 2, 8);
		put_be32(cdb + 10, 8);
		cdb_len = 16;
		d = data;
		out = BS;
		memset(data, 0, BS);
		break;
	case CAW: /* one 512-byte block: RBDS_COMPARE_WRITE_MAX */
		cdb[0] = 0x89;
		put_be64(cdb + 2, 8);
		cdb[13] = 1;
		cdb_len = 16;
		d = data;
		out = 2 * BS;
		break;
	case CMDS:
		break;
	}
	ck_assert_int_eq(th_start(&t, cdb, cdb_len, d, out), 0);
	ck_assert_uint_eq(th_pending(&t), 1);
}

/* Command k whose request librbd answers rc: its sense as key << 16 |
 * ASC << 8 | ASCQ (0: GOOD); *fenced as rbds_status left it. */
static uint32_t answered(enum cmd k, long rc, bool *fenced)
{
	start(k);
	*fenced = false;
	enum rt_disk_status st = rbds_status(rc, t.fe.pending[0]->op, fenced);
	th_complete(&t, 0, st);
	ck_assert_int_eq(t.c.done_calls, 1);
	if (t.c.cmd.status == SCSI_STATUS_GOOD)
		return 0;
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_CHECK_CONDITION);
	struct th_sense s = th_sense(&t);
	return (uint32_t)s.key << 16 | (uint32_t)s.asc << 8 | s.ascq;
}

#define GOOD 0u
#define UNAVAILABLE 0x02040cu
#define TRANSITION 0x02040au
#define SPACE 0x072707u
#define READ_ERR 0x031100u
#define WRITE_ERR 0x030c00u
#define HW 0x044400u
#define MISCOMPARE 0x0e1d00u

START_TEST(each_librbd_error_of_each_request_reaches_the_initiator_as_its_sense)
{
	static const struct {
		long rc;
		uint32_t sense[CMDS];
		bool fenced;
	} cases[] = {
		/*               READ         WRITE        FLUSH        UNMAP        ZEROES       CAW */
		{ 0,           { GOOD,        GOOD,        GOOD,        GOOD,        GOOD,        GOOD }, false },
		{ 4096,        { GOOD,        GOOD,        GOOD,        GOOD,        GOOD,        GOOD }, false },
		{ -ESHUTDOWN,  { UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE }, true },
		{ -EROFS,      { READ_ERR,    TRANSITION,  TRANSITION,  TRANSITION,  TRANSITION,  TRANSITION }, false },
		{ -ENOSPC,     { SPACE,       SPACE,       SPACE,       SPACE,       SPACE,       SPACE }, false },
		{ -EDQUOT,     { SPACE,       SPACE,       SPACE,       SPACE,       SPACE,       SPACE }, false },
		{ -EOPNOTSUPP, { HW,          HW,          HW,          HW,          HW,          HW }, false },
		{ -EIO,        { READ_ERR,    WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   WRITE_ERR }, false },
		{ -ETIMEDOUT,  { READ_ERR,    WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   WRITE_ERR }, false },
		/* librbd refuses a compare-and-write it cannot do at once */
		{ -EINVAL,     { READ_ERR,    WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   HW }, false },
		/* the compare-and-write's miscompare; nothing else says EILSEQ */
		{ -EILSEQ,     { READ_ERR,    WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   WRITE_ERR,   MISCOMPARE }, false },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int k = READ; k < CMDS; k++) {
			bool fenced;
			uint32_t got = answered((enum cmd)k, cases[i].rc, &fenced);
			ck_assert_msg(got == cases[i].sense[k], "rc %ld, command %d: sense %06x, not %06x", cases[i].rc,
				      k, got, cases[i].sense[k]);
			ck_assert_int_eq(fenced, cases[i].fenced);
		}
	}
}
END_TEST

/* INFORMATION is the differing byte's place in the compare half, whether
 * librbd names it by its image offset (as documented) or, as librbd 16
 * does (measured), by its place added to the start of its object. */
START_TEST(a_compare_write_mismatch_is_the_offset_in_its_range)
{
	const uint64_t obj = 4u << 20;
	start(CAW);
	struct rt_disk_io *io = t.fe.pending[0];
	ck_assert_uint_eq(io->op, RT_DISK_COMPARE_WRITE);
	ck_assert_uint_eq(io->offset, 8 * BS);
	ck_assert_uint_eq(rbds_mismatch(io, 8 * BS, obj), 0);
	ck_assert_uint_eq(rbds_mismatch(io, 8 * BS + 17, obj), 17);
	ck_assert_uint_eq(rbds_mismatch(io, 9 * BS - 1, obj), BS - 1);
	ck_assert_uint_eq(rbds_mismatch(io, 17, obj), 17);   /* librbd 16, object 0 */
	ck_assert_uint_eq(rbds_mismatch(io, 9 * BS, obj), 0); /* neither: byte 0 */
	ck_assert_uint_eq(rbds_mismatch(io, UINT64_MAX, obj), 0);
	struct rt_disk_io far = *io;
	far.offset = obj + 1024; /* measured: byte 300 came back as obj + 300 */
	ck_assert_uint_eq(rbds_mismatch(&far, obj + 300, obj), 300);
	ck_assert_uint_eq(rbds_mismatch(&far, obj + 1024 + 300, obj), 300);
	ck_assert_uint_eq(rbds_mismatch(&far, obj + 600, obj), 0);
	io->run_len = rbds_mismatch(io, 8 * BS + 17, obj);
	th_complete(&t, 0, RT_DISK_MISCOMPARE);
	struct th_sense s = th_sense(&t);
	ck_assert(s.info_valid);
	ck_assert_uint_eq(s.info, 17);
	/* one block is all librbd 16 compares at once: two are refused early */
	uint8_t cdb[16] = { 0x89 };
	static uint8_t data[4 * BS];
	cdb[13] = 2;
	ck_assert_int_eq(th_start(&t, cdb, 16, data, sizeof(data)), -1);
	ck_assert(th_check_field(&t, 13, 0xff));
}
END_TEST

START_TEST(lock_refused_before_a_write_is_a_transition_unless_blocklisted)
{
	bool fenced = false;
	ck_assert_int_eq(rbds_lock_status(-EROFS, &fenced), RT_DISK_ERR_FENCED);
	ck_assert_int_eq(rbds_lock_status(-EBUSY, &fenced), RT_DISK_ERR_FENCED);
	ck_assert(!fenced);
	ck_assert_int_eq(rbds_lock_status(-ETIMEDOUT, &fenced), RT_DISK_ERR_WRITE);
	ck_assert(!fenced);
	ck_assert_int_eq(rbds_lock_status(-ESHUTDOWN, &fenced), RT_DISK_ERR_BLOCKLISTED);
	ck_assert(fenced);
	/* and the initiator of that write is told to go elsewhere */
	start(WRITE);
	th_complete(&t, 0, RT_DISK_ERR_FENCED);
	ck_assert(th_check(&t, 0x02, 0x04, 0x0a));
}
END_TEST

/* The PR record (rbd.c's "<image>.pr"): a missing object is an empty
 * record to a load; a store refused by its compare-and-set is STALE (the
 * SCSI layer loads and applies again), never a write error; the rest as
 * any request. */
START_TEST(pr_record_answers_tell_a_lost_race_from_an_error)
{
	bool none = true, fenced = false;
	ck_assert_int_eq(rbds_record_status(0, RT_DISK_PR_LOAD, &none, &fenced), RT_DISK_OK);
	ck_assert(!none);
	ck_assert_int_eq(rbds_record_status(-ENOENT, RT_DISK_PR_LOAD, &none, &fenced), RT_DISK_OK);
	ck_assert(none);
	ck_assert_int_eq(rbds_record_status(-ETIMEDOUT, RT_DISK_PR_LOAD, &none, &fenced), RT_DISK_ERR_READ);
	const int lost[] = {-EEXIST, -ERANGE, -EOVERFLOW, -ENOENT};
	for (size_t i = 0; i < sizeof(lost) / sizeof(lost[0]); i++)
		ck_assert_int_eq(rbds_record_status(lost[i], RT_DISK_PR_STORE, &none, &fenced), RT_DISK_ERR_STALE);
	ck_assert_int_eq(rbds_record_status(-ETIMEDOUT, RT_DISK_PR_STORE, &none, &fenced), RT_DISK_ERR_WRITE);
	ck_assert(!fenced);
	ck_assert_int_eq(rbds_record_status(-ESHUTDOWN, RT_DISK_PR_STORE, &none, &fenced),
			 RT_DISK_ERR_BLOCKLISTED);
	ck_assert(fenced);
}
END_TEST

/* Feed extents (off, len, exists) to rbds_map_extent for a question of
 * len bytes at off, stopping where it says, then answer. */
struct extent {
	uint64_t off, len;
	int exists;
};

static struct rt_disk_io mapped(uint64_t off, uint64_t len, const struct extent *e, unsigned n, unsigned *fed)
{
	struct rbds_map m = { .off = off, .end = off + len };
	struct rt_disk_io io = { .op = RT_DISK_MAP_STATUS, .offset = off, .len = len };
	*fed = 0;
	for (unsigned i = 0; i < n; i++) {
		(*fed)++;
		if (rbds_map_extent(e[i].off, e[i].len, e[i].exists, &m) == -EINTR)
			break;
	}
	rbds_map_answer(&m, &io);
	return io;
}

START_TEST(allocated_extents_become_the_first_run_of_a_map_status_answer)
{
	unsigned fed;
	/* nothing allocated: one unmapped run of all */
	struct rt_disk_io io = mapped(0, 64 * BS, NULL, 0, &fed);
	ck_assert(!io.mapped);
	ck_assert_uint_eq(io.run_len, 64 * BS);
	/* a hole, then data: unmapped up to the data */
	static const struct extent later[] = { { 0, 8 * BS, 0 }, { 8 * BS, 4 * BS, 1 }, { 20 * BS, BS, 1 } };
	io = mapped(0, 64 * BS, later, 3, &fed);
	ck_assert(!io.mapped);
	ck_assert_uint_eq(io.run_len, 8 * BS);
	ck_assert_uint_eq(fed, 3); /* the second extent ends the first run */
	/* data from the start in adjoining extents: one mapped run, cut at
	 * the end of the question */
	static const struct extent run[] = { { 0, 4 * BS, 1 }, { 4 * BS, 4 * BS, 1 }, { 8 * BS, 100 * BS, 1 } };
	io = mapped(0, 64 * BS, run, 3, &fed);
	ck_assert(io.mapped);
	ck_assert_uint_eq(io.run_len, 64 * BS);
	static const struct extent gap[] = { { 0, 4 * BS, 1 }, { 4 * BS, 2 * BS, 0 }, { 6 * BS, 2 * BS, 1 },
					    { 100 * BS, BS, 1 } };
	io = mapped(0, 64 * BS, gap, 4, &fed);
	ck_assert(io.mapped);
	ck_assert_uint_eq(io.run_len, 4 * BS);
	ck_assert_uint_eq(fed, 3);
}
END_TEST

START_TEST(a_lock_owner_is_blocklisted_only_by_its_address_with_a_nonce)
{
	char addr[128] = "";
	ck_assert_int_eq(rbds_owner_addr("127.0.0.1:0/1615544031", addr, sizeof(addr)), 0);
	ck_assert_str_eq(addr, "127.0.0.1:0/1615544031");
	ck_assert_int_eq(rbds_owner_addr("[::1]:6800/42", addr, sizeof(addr)), 0);
	ck_assert_str_eq(addr, "[::1]:6800/42");
	/* a bare IP would fence every client of that host */
	ck_assert_int_eq(rbds_owner_addr("127.0.0.1", addr, sizeof(addr)), -1);
	ck_assert_int_eq(rbds_owner_addr("127.0.0.1:0/", addr, sizeof(addr)), -1);
	ck_assert_int_eq(rbds_owner_addr("client.4123/77", addr, sizeof(addr)), -1);
	ck_assert_int_eq(rbds_owner_addr("", addr, sizeof(addr)), -1);
}
END_TEST

Suite *suite_bs_rbd_status(void)
{
	Suite *s = suite_create("bs_rbd_status");
	TCase *tc = tcase_create("bs_rbd_status");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, each_librbd_error_of_each_request_reaches_the_initiator_as_its_sense);
	tcase_add_test(tc, lock_refused_before_a_write_is_a_transition_unless_blocklisted);
	tcase_add_test(tc, a_compare_write_mismatch_is_the_offset_in_its_range);
	tcase_add_test(tc, allocated_extents_become_the_first_run_of_a_map_status_answer);
	tcase_add_test(tc, a_lock_owner_is_blocklisted_only_by_its_address_with_a_nonce);
	tcase_add_test(tc, pr_record_answers_tell_a_lost_race_from_an_error);
	suite_add_tcase(s, tc);
	return s;
}
