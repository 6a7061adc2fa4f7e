/* test_scsi_pr_shared: persistent reservations of an LU whose state lives
 * in the backstore (RT_LU_PR_SHARED, scsi/pr_shared.c), as two gateways
 * see them: two LUs over two fake environments whose PR records the test
 * keeps as one (share()), the way two reftargets share "<image>.pr" in
 * RADOS. What a gateway changes the other sees on its next PR command,
 * or on its next I/O once invalidated; a store that lost its
 * compare-and-set is applied again to the winner's state, at most
 * RT_PR_SHARED_TRIES_MAX times; a corrupt record fails closed. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "scsi/bytes.h"
#include "test_scsi_harness.h"

static struct th g1, g2;
static struct scsi_nexus I1, I2;

enum { WE_RO = 5 };

static void setup(void)
{
	th_init(&g1, 1024, 512, RT_LU_PR_SHARED);
	th_init(&g2, 1024, 512, RT_LU_PR_SHARED);
	I1 = g1.nexus;
	I2 = I1;
	snprintf(I2.initiator_port, sizeof(I2.initiator_port), "iqn.2026-12.test:node2,i,0x23d000000002");
	for (int i = 0; i < 2; i++) {
		struct th *g = i ? &g2 : &g1;
		g->nexus = I2;
		th_clear_ua(g);
		g->nexus = I1;
		th_clear_ua(g);
	}
}

static void teardown(void)
{
	th_fini(&g1);
	th_fini(&g2);
}

/* The one record: what 'from' stored is what 'to' reads. */
static void share(struct th *from, struct th *to)
{
	memcpy(to->fe.pr, from->fe.pr, from->fe.pr_len);
	to->fe.pr_len = from->fe.pr_len;
	to->fe.pr_version = from->fe.pr_version;
}

static void prout_cdb(uint8_t *cdb, uint8_t *list, uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey)
{
	memset(cdb, 0, 10);
	memset(list, 0, 24);
	cdb[0] = 0x5f;
	cdb[1] = sa;
	cdb[2] = type;
	put_be32(cdb + 5, 24);
	put_be64(list, key);
	put_be64(list + 8, sakey);
}

static int prout(struct th *g, const struct scsi_nexus *n, uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey)
{
	uint8_t cdb[10], list[24];
	prout_cdb(cdb, list, sa, type, key, sakey);
	g->nexus = *n;
	return th_run(g, cdb, 10, list, 24);
}

static int prin(struct th *g, uint8_t sa)
{
	uint8_t cdb[10] = {0x5e, sa};
	put_be16(cdb + 7, 8192);
	return th_run(g, cdb, 10, NULL, 0);
}

static int write10(struct th *g, const struct scsi_nexus *n)
{
	static uint8_t block[512];
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x2a, 1, 1);
	g->nexus = *n;
	return th_run(g, cdb, 10, block, sizeof(block));
}

/* Through g1: I1 registers and reserves Write Exclusive, registrants only. */
static void g1_reserves(void)
{
	ck_assert_int_eq(prout(&g1, &I1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prout(&g1, &I1, 1, WE_RO, 0xa1, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(g1.fe.pr_stores, 2);
}

START_TEST(a_reservation_made_through_one_gateway_holds_through_the_other)
{
	g1_reserves();
	share(&g1, &g2);
	/* g2 never saw a PR command: its first check loads the record */
	ck_assert_int_eq(write10(&g2, &I2), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_int_eq(write10(&g2, &I1), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prin(&g2, 0), SCSI_STATUS_GOOD); /* READ KEYS */
	ck_assert_uint_eq(get_be32(g2.buf), 1);           /* PRGENERATION */
	ck_assert_uint_eq(get_be32(g2.buf + 4), 8);
	ck_assert_uint_eq(get_be64(g2.buf + 8), 0xa1);
	ck_assert_int_eq(prin(&g2, 1), SCSI_STATUS_GOOD); /* READ RESERVATION */
	ck_assert_uint_eq(get_be32(g2.buf + 4), 16);
	ck_assert_uint_eq(get_be64(g2.buf + 8), 0xa1);
	ck_assert_uint_eq(g2.buf[21] & 0xf, WE_RO);
}
END_TEST

START_TEST(a_preemption_through_the_other_gateway_fences_the_holder_on_both)
{
	g1_reserves();
	share(&g1, &g2);
	ck_assert_int_eq(prout(&g2, &I2, 0, 0, 0, 0xb2), SCSI_STATUS_GOOD);         /* REGISTER */
	ck_assert_int_eq(prout(&g2, &I2, 4, WE_RO, 0xb2, 0xa1), SCSI_STATUS_GOOD);  /* PREEMPT I1 */
	ck_assert_int_eq(write10(&g2, &I1), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&g2, 0x6, 0x2a, 0x05)); /* REGISTRATIONS PREEMPTED, on this gateway */
	ck_assert_int_eq(write10(&g2, &I1), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_int_eq(write10(&g2, &I2), SCSI_STATUS_GOOD);
	share(&g2, &g1);
	/* g1 checks its cache until told the record changed (the daemon:
	 * the backstore's notify, or a takeover) */
	unsigned loads = g1.fe.pr_loads;
	ck_assert_int_eq(write10(&g1, &I1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(g1.fe.pr_loads, loads);
	scsi_lu_pr_invalidate(g1.lu);
	ck_assert_int_eq(write10(&g1, &I1), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_uint_eq(g1.fe.pr_loads, loads + 1);
	ck_assert_int_eq(write10(&g1, &I1), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_uint_eq(g1.fe.pr_loads, loads + 1); /* fresh again: no load */
	/* a PR command always reads the record, invalidated or not */
	ck_assert_int_eq(prin(&g1, 1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be64(g1.buf + 8), 0xb2);
}
END_TEST

START_TEST(a_store_that_lost_the_race_is_applied_to_the_winners_state)
{
	uint8_t cdb[10], list[24];
	ck_assert_int_eq(prout(&g1, &I1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
	share(&g1, &g2);
	/* I1 changes its key through g1: loaded, its store not yet made ... */
	prout_cdb(cdb, list, 0, 0, 0xa1, 0xa2);
	g1.nexus = I1;
	ck_assert_int_eq(th_start(&g1, cdb, 10, list, 24), 0);
	ck_assert_uint_eq(th_pending(&g1), 1);
	th_complete(&g1, 0, RT_DISK_OK); /* the load */
	ck_assert_uint_eq(th_pending(&g1), 1);
	/* ... while I2 registers through g2, first */
	ck_assert_int_eq(prout(&g2, &I2, 0, 0, 0, 0xb1), SCSI_STATUS_GOOD);
	share(&g2, &g1);
	unsigned tries = g1.fe.pr_store_tries;
	th_disk_run(&g1); /* the store fails, the record is loaded again, stored */
	ck_assert_int_eq(g1.c.done_calls, 1);
	ck_assert_uint_eq(g1.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(g1.fe.pr_store_tries, tries + 2);
	ck_assert_int_eq(prin(&g1, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(g1.buf + 4), 16); /* both: I2's survived */
	uint64_t k1 = get_be64(g1.buf + 8), k2 = get_be64(g1.buf + 16);
	ck_assert((k1 == 0xa2 && k2 == 0xb1) || (k1 == 0xb1 && k2 == 0xa2));
}
END_TEST

START_TEST(stores_that_always_lose_end_in_busy_after_the_limit)
{
	size_t live = g1.fe.live_bytes;
	g1.fe.pr_always_stale = true;
	ck_assert_int_eq(prout(&g1, &I1, 0, 0, 0, 0xa1), SCSI_STATUS_BUSY);
	ck_assert_uint_eq(g1.fe.pr_store_tries, RT_PR_SHARED_TRIES_MAX);
	ck_assert_ptr_nonnull(strstr(g1.fe.last_log, "stores lost to other gateways"));
	ck_assert_uint_eq(g1.fe.live_bytes, live);
	g1.fe.pr_always_stale = false;
	ck_assert_int_eq(prin(&g1, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(g1.buf + 4), 0); /* nothing was applied */
}
END_TEST

START_TEST(a_corrupt_record_fails_closed_with_its_reason)
{
	g1_reserves();
	g1.fe.pr[0] = 'X';
	g1.fe.pr_version++;
	scsi_lu_pr_invalidate(g1.lu);
	ck_assert_int_eq(prin(&g1, 0), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&g1, 0x4, 0x44, 0x00)); /* INTERNAL TARGET FAILURE */
	ck_assert_ptr_nonnull(strstr(g1.fe.last_log, "unreadable (not a PR record (magic))"));
	/* I/O needs the state: refused while the record cannot be read,
	 * never let through on a reservation forgotten */
	ck_assert_int_eq(write10(&g1, &I2), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&g1, 0x4, 0x44, 0x00));
	ck_assert_int_eq(prout(&g1, &I1, 0, 0, 0xa1, 0xa2), SCSI_STATUS_CHECK_CONDITION);
	uint8_t tur[6] = {0};
	ck_assert_int_eq(th_run(&g1, tur, 6, NULL, 0), SCSI_STATUS_GOOD); /* passes every reservation */
}
END_TEST

START_TEST(a_load_begun_before_an_invalidation_does_not_make_the_cache_fresh)
{
	uint8_t cdb[16];
	static uint8_t block[512];
	th_cdb_rw(cdb, 0x2a, 1, 1);
	g1.nexus = I2;
	unsigned loads = g1.fe.pr_loads;
	ck_assert_int_eq(th_start(&g1, cdb, 10, block, sizeof(block)), 0);
	ck_assert_uint_eq(th_pending(&g1), 1); /* the reload before the write */
	scsi_lu_pr_invalidate(g1.lu);          /* the record changed meanwhile */
	th_disk_run(&g1);
	ck_assert_uint_eq(g1.c.cmd.status, SCSI_STATUS_GOOD);
	/* the write's check waited for a load begun after the invalidation */
	ck_assert_uint_eq(g1.fe.pr_loads, loads + 2);
	ck_assert_int_eq(write10(&g1, &I2), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(g1.fe.pr_loads, loads + 2); /* and then it was fresh */
}
END_TEST

START_TEST(a_command_aborted_while_the_state_reloads_ends_aborted)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x28, 1, 1);
	size_t live = g1.fe.live_bytes;
	g1.nexus = I1;
	ck_assert_int_eq(th_start(&g1, cdb, 10, NULL, 0), 0);
	ck_assert_uint_eq(th_pending(&g1), 1);
	scsi_cmd_abort(&g1.c.cmd);
	ck_assert_int_eq(g1.c.done_calls, 0);
	th_complete(&g1, 0, RT_DISK_OK);
	ck_assert_int_eq(g1.c.done_calls, 1);
	ck_assert_uint_eq(g1.c.cmd.status, SCSI_STATUS_TASK_ABORTED);
	ck_assert_uint_eq(th_pending(&g1), 0); /* the read never went out */
	ck_assert_uint_eq(g1.fe.live_bytes, live);
}
END_TEST

START_TEST(a_blocklisted_gateways_store_changes_nothing)
{
	uint8_t cdb[10], list[24];
	prout_cdb(cdb, list, 0, 0, 0, 0xa1);
	g1.nexus = I1;
	ck_assert_int_eq(th_start(&g1, cdb, 10, list, 24), 0);
	th_complete(&g1, 0, RT_DISK_OK);              /* the load */
	th_complete(&g1, 0, RT_DISK_ERR_BLOCKLISTED); /* the store */
	ck_assert_uint_eq(g1.c.cmd.status, SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&g1, 0x2, 0x04, 0x0c)); /* target port unavailable: fail over */
	ck_assert_uint_eq(g1.fe.pr_stores, 0);
	ck_assert_int_eq(write10(&g1, &I2), SCSI_STATUS_GOOD); /* no registration took hold */
}
END_TEST

/* Every step of pr_shared.c that needs memory (the load of a PERSISTENT
 * RESERVE IN, the load-apply-store of an OUT, the reload before another
 * command's reservation check) answers BUSY when it cannot have it: no
 * load begins, nothing is stored, nothing leaks, the cache stays stale,
 * and the next command goes through against the record. */
START_TEST(a_gateway_out_of_memory_answers_busy_and_changes_nothing)
{
	g1_reserves();
	size_t live = g1.fe.live_bytes;
	unsigned loads = g1.fe.pr_loads, tries = g1.fe.pr_store_tries;
	g1.fe.fail_alloc_at = g1.fe.allocs;
	ck_assert_int_eq(prin(&g1, 0), SCSI_STATUS_BUSY);
	g1.fe.fail_alloc_at = g1.fe.allocs;
	ck_assert_int_eq(prout(&g1, &I2, 0, 0, 0, 0xb2), SCSI_STATUS_BUSY); /* REGISTER */
	scsi_lu_pr_invalidate(g1.lu);
	g1.fe.fail_alloc_at = g1.fe.allocs;
	ck_assert_int_eq(write10(&g1, &I2), SCSI_STATUS_BUSY); /* the reload before its check */
	g1.fe.fail_alloc_at = -1;
	ck_assert_uint_eq(g1.fe.pr_loads, loads);
	ck_assert_uint_eq(g1.fe.pr_store_tries, tries);
	ck_assert_uint_eq(g1.fe.live_bytes, live);
	/* still stale: the next check loads, and the reservation holds */
	ck_assert_int_eq(write10(&g1, &I2), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_uint_eq(g1.fe.pr_loads, loads + 1);
	ck_assert_int_eq(prin(&g1, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(g1.buf + 4), 8); /* I1's key alone: I2's REGISTER never happened */
	ck_assert_uint_eq(get_be64(g1.buf + 8), 0xa1);
}
END_TEST

/* A store whose answer is late (rbd: the notify to the other gateways
 * still running) while a load through the same gateway sees a newer record,
 * one another gateway stored on top of it: the cache keeps the newer record
 * (the late store is part of it), and the late command still ends GOOD. */
START_TEST(a_store_answered_after_a_newer_load_leaves_the_newer_record_cached)
{
	uint8_t cdb[10], list[24];
	struct scsi_nexus I3 = I1;
	snprintf(I3.initiator_port, sizeof(I3.initiator_port), "iqn.2026-12.test:node3,i,0x23d000000003");
	g1.nexus = I3;
	th_clear_ua(&g1);
	/* I1 registers through g1: loaded, stored in the record, not answered */
	prout_cdb(cdb, list, 0, 0, 0, 0xa1);
	g1.nexus = I1;
	ck_assert_int_eq(th_start(&g1, cdb, 10, list, 24), 0);
	th_complete(&g1, 0, RT_DISK_OK); /* the load */
	ck_assert_uint_eq(th_pending(&g1), 1);
	struct rt_disk_io *store = th_apply(&g1, 0);
	ck_assert_uint_eq(g1.fe.pr_stores, 1);
	/* over it, I2 registers and reserves through g2 */
	share(&g1, &g2);
	ck_assert_int_eq(prout(&g2, &I2, 0, 0, 0, 0xb2), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prout(&g2, &I2, 1, WE_RO, 0xb2, 0), SCSI_STATUS_GOOD);
	share(&g2, &g1);
	/* a PERSISTENT RESERVE IN through g1 loads that newer record */
	static uint8_t obuf[8192];
	uint8_t rcdb[10] = {0x5e, 1}; /* READ RESERVATION */
	put_be16(rcdb + 7, sizeof(obuf));
	struct th_cmd other;
	g1.nexus = I1;
	ck_assert_int_eq(th_start_other(&g1, &other, obuf, rcdb, 10, NULL, 0), 0);
	th_complete(&g1, 0, RT_DISK_OK);
	ck_assert_int_eq(other.done_calls, 1);
	ck_assert_uint_eq(get_be64(obuf + 8), 0xb2);
	/* then the late answer of I1's store */
	scsi_disk_done(store);
	ck_assert_int_eq(g1.c.done_calls, 1);
	ck_assert_uint_eq(g1.c.cmd.status, SCSI_STATUS_GOOD);
	/* the cache is the newer record, fresh: I2's reservation holds
	 * against I3, I1 is a registrant, and no load is needed */
	unsigned loads = g1.fe.pr_loads;
	ck_assert_int_eq(write10(&g1, &I3), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_int_eq(write10(&g1, &I1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(g1.fe.pr_loads, loads);
}
END_TEST

/* SPC-4 §5.13.3 (CRH): RESERVE(6) conflicts while registrations exist,
 * including those made through another gateway. */
START_TEST(reserve6_sees_registrations_made_through_another_gateway)
{
	ck_assert_int_eq(prout(&g1, &I1, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
	share(&g1, &g2);
	uint8_t r6[6] = {0x16};
	g2.nexus = I2;
	ck_assert_int_eq(th_run(&g2, r6, 6, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
}
END_TEST

START_TEST(a_local_lu_never_touches_the_record)
{
	struct th t;
	th_init(&t, 1024, 512, 0);
	th_clear_ua(&t);
	ck_assert_int_eq(prout(&t, &t.nexus, 0, 0, 0, 0xa1), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prin(&t, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.fe.pr_loads + t.fe.pr_store_tries, 0);
	th_fini(&t);
}
END_TEST

Suite *suite_scsi_pr_shared(void)
{
	Suite *s = suite_create("scsi_pr_shared");
	TCase *tc = tcase_create("shared");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_reservation_made_through_one_gateway_holds_through_the_other);
	tcase_add_test(tc, a_preemption_through_the_other_gateway_fences_the_holder_on_both);
	tcase_add_test(tc, a_store_that_lost_the_race_is_applied_to_the_winners_state);
	tcase_add_test(tc, stores_that_always_lose_end_in_busy_after_the_limit);
	tcase_add_test(tc, a_corrupt_record_fails_closed_with_its_reason);
	tcase_add_test(tc, a_load_begun_before_an_invalidation_does_not_make_the_cache_fresh);
	tcase_add_test(tc, a_command_aborted_while_the_state_reloads_ends_aborted);
	tcase_add_test(tc, a_blocklisted_gateways_store_changes_nothing);
	tcase_add_test(tc, a_gateway_out_of_memory_answers_busy_and_changes_nothing);
	tcase_add_test(tc, a_store_answered_after_a_newer_load_leaves_the_newer_record_cached);
	tcase_add_test(tc, reserve6_sees_registrations_made_through_another_gateway);
	tcase_add_test(tc, a_local_lu_never_touches_the_record);
	suite_add_tcase(s, tc);
	return s;
}
