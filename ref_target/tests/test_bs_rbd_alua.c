/* test_bs_rbd_alua: the rules of ALUA that follows an RBD image's
 * exclusive lock (backstore/rbd_alua.h), without a Ceph: the ownership
 * record's text both ways and what is not one, the bound on transfers
 * (RBDA_TRANSFERS_MAX in RBDA_WINDOW_S), and the states every gateway
 * derives from the record's owner. */
#include <check.h>
#include <string.h>

#include "backstore/rbd_alua.h"

START_TEST(the_record_reads_back_what_was_written)
{
	struct rbda_record r, back;
	char buf[RBDA_RECORD_MAX];
	memset(&r, 0, sizeof(r));
	size_t n = rbda_encode(&r, buf, sizeof(buf));
	ck_assert_int_eq(rbda_decode(&back, buf, n), 0);
	ck_assert_uint_eq(back.owner, 0);
	ck_assert_uint_eq(back.ntimes, 0);
	rbda_transferred(&r, 2, 1000);
	rbda_transferred(&r, 65535, 1001);
	n = rbda_encode(&r, buf, sizeof(buf));
	ck_assert_str_eq((buf[n] = '\0', buf), "RBDALUA1 gen=2 owner=65535 t=1000,1001\n");
	ck_assert_int_eq(rbda_decode(&back, buf, n), 0);
	ck_assert_mem_eq(&back, &r, sizeof(r));
	/* the longest record fits */
	for (uint32_t i = 0; i < RBDA_TRANSFERS_MAX; i++)
		rbda_transferred(&r, 1, UINT64_MAX);
	n = rbda_encode(&r, buf, sizeof(buf));
	ck_assert_uint_lt(n, sizeof(buf) - 1);
	ck_assert_int_eq(rbda_decode(&back, buf, n), 0);
	ck_assert_mem_eq(&back, &r, sizeof(r));
}
END_TEST

START_TEST(no_record_is_no_owner_and_garbage_is_refused)
{
	struct rbda_record r;
	ck_assert_int_eq(rbda_decode(&r, "", 0), 0);
	ck_assert_uint_eq(r.owner, 0);
	static const char *const bad[] = {
		"RBDALUA2 gen=1 owner=1 t=\n",       /* another format */
		"RBDALUA1 gen=1 owner=65536 t=\n",   /* not a group */
		"RBDALUA1 gen=1 owner=1 t=5,4\n",    /* not oldest first */
		"RBDALUA1 gen=1 owner=1 t=1,2,3,4,5\n", /* too many */
		"RBDALUA1 gen=1 owner=1 t=1\nX",     /* trailing */
		"RBDALUA1 gen=99999999999999999999 owner=1 t=\n", /* overflow */
		"RBDALUA1 gen= owner=1 t=\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(rbda_decode(&r, bad[i], strlen(bad[i])) == -1, "%s", bad[i]);
		ck_assert_uint_eq(r.owner, 0); /* read as nobody's */
		ck_assert_uint_eq(r.ntimes, 0);
	}
	const char *ok = "RBDALUA1 gen=7 owner=3 t=10,20";
	ck_assert_int_eq(rbda_decode(&r, ok, strlen(ok)), 0); /* the newline is optional */
	ck_assert_uint_eq(r.gen, 7);
	ck_assert_uint_eq(r.owner, 3);
	ck_assert_uint_eq(r.ntimes, 2);
}
END_TEST

/* Two hosts that disagree, each asking for its own gateway every second:
 * at most RBDA_TRANSFERS_MAX moves in any window, then none until the
 * oldest leaves the window. */
START_TEST(transfers_are_bounded_per_window)
{
	struct rbda_record r;
	memset(&r, 0, sizeof(r));
	uint32_t moves = 0;
	uint64_t t0 = 1000000, last_refused = 0;
	for (uint64_t t = t0; t < t0 + RBDA_WINDOW_S; t++) {
		uint16_t asker = (t % 2) ? 1 : 2;
		if (r.owner == asker)
			continue;
		if (rbda_may_transfer(&r, t)) {
			rbda_transferred(&r, asker, t);
			moves++;
		} else {
			last_refused = t;
		}
	}
	ck_assert_uint_eq(moves, RBDA_TRANSFERS_MAX);
	ck_assert_uint_eq(r.gen, RBDA_TRANSFERS_MAX);
	ck_assert_uint_gt(last_refused, 0);
	ck_assert_uint_eq(rbda_recent(&r, t0 + RBDA_WINDOW_S - 1), RBDA_TRANSFERS_MAX);
	/* the first transfer leaves the window: one more may happen */
	ck_assert(!rbda_may_transfer(&r, t0 + RBDA_WINDOW_S - 1));
	ck_assert(rbda_may_transfer(&r, t0 + RBDA_WINDOW_S));
	rbda_transferred(&r, 1, t0 + RBDA_WINDOW_S);
	ck_assert_uint_eq(r.ntimes, RBDA_TRANSFERS_MAX); /* the oldest dropped */
	ck_assert(!rbda_may_transfer(&r, t0 + RBDA_WINDOW_S));
	/* a clock that went back keeps the list sorted (decodable) */
	rbda_transferred(&r, 2, 5);
	char buf[RBDA_RECORD_MAX];
	struct rbda_record back;
	ck_assert_int_eq(rbda_decode(&back, buf, rbda_encode(&r, buf, sizeof(buf))), 0);
}
END_TEST

START_TEST(states_follow_the_owner_the_same_for_every_gateway)
{
	/* nobody yet: every group may take the first write */
	ck_assert_int_eq(rbda_state(0, 0, 0, 1, RT_ALUA_STANDBY), RT_ALUA_ACTIVE_OPTIMIZED);
	ck_assert_int_eq(rbda_state(0, 0, 0, 2, RT_ALUA_STANDBY), RT_ALUA_ACTIVE_OPTIMIZED);
	/* the owner's group optimized, the others their non-owner state */
	ck_assert_int_eq(rbda_state(1, 0, 0, 1, RT_ALUA_STANDBY), RT_ALUA_ACTIVE_OPTIMIZED);
	ck_assert_int_eq(rbda_state(1, 0, 0, 2, RT_ALUA_STANDBY), RT_ALUA_STANDBY);
	ck_assert_int_eq(rbda_state(1, 0, 0, 2, RT_ALUA_ACTIVE_NONOPTIMIZED), RT_ALUA_ACTIVE_NONOPTIMIZED);
	/* only standby and non-optimized are non-owner states */
	ck_assert_int_eq(rbda_state(1, 0, 0, 2, RT_ALUA_ACTIVE_OPTIMIZED), RT_ALUA_STANDBY);
	ck_assert_int_eq(rbda_state(1, 0, 0, 2, RT_ALUA_UNAVAILABLE), RT_ALUA_STANDBY);
	/* a group handing over is transitioning, until the record moves */
	ck_assert_int_eq(rbda_state(1, 1, 0, 1, RT_ALUA_STANDBY), RT_ALUA_TRANSITIONING);
	ck_assert_int_eq(rbda_state(1, 1, 0, 2, RT_ALUA_STANDBY), RT_ALUA_STANDBY);
	/* at most one group is ever active/optimized */
	for (uint16_t owner = 0; owner <= 3; owner++) {
		uint32_t ao = 0;
		for (uint16_t g = 1; g <= 3; g++)
			ao += rbda_state(owner, 0, 0, g, RT_ALUA_ACTIVE_NONOPTIMIZED) == RT_ALUA_ACTIVE_OPTIMIZED;
		ck_assert_uint_eq(ao, owner == 0 ? 3u : 1u);
	}
}
END_TEST

/* A group that handed the lock over is TRANSITIONING only within
 * RBDA_TRANSITION_MAX_MS (issue 18: the new owner died before writing the
 * record, and the old one stayed TRANSITIONING until an STPG or SIGUSR1). */
START_TEST(a_hand_over_nobody_records_ends_within_the_bound)
{
	struct rbda_record r = { .gen = 7, .owner = 1 };
	const uint64_t t0 = 1000000u, max = RBDA_TRANSITION_MAX_MS;
	/* within the bound: waiting, whatever the lock says */
	ck_assert_int_eq(rbda_handover_next(&r, 7, t0, t0, false), RBDA_HANDOVER_WAIT);
	ck_assert_int_eq(rbda_handover_next(&r, 7, t0, t0 + max - 1, true), RBDA_HANDOVER_WAIT);
	/* a clock read before the release is within it too */
	ck_assert_int_eq(rbda_handover_next(&r, 7, t0, t0 - 5, false), RBDA_HANDOVER_WAIT);
	/* past it, nobody recorded: the lock free, we serve again (the
	 * record still names group 1: active/optimized, the others standby) */
	ck_assert_int_eq(rbda_handover_next(&r, 7, t0, t0 + max, false), RBDA_HANDOVER_RESUME);
	ck_assert_int_eq(rbda_state(r.owner, 0, 0, 1, RT_ALUA_STANDBY), RT_ALUA_ACTIVE_OPTIMIZED);
	ck_assert_int_eq(rbda_state(r.owner, 0, 0, 2, RT_ALUA_STANDBY), RT_ALUA_STANDBY);
	/* past it, the lock held by a client the record does not name:
	 * stranded, group 1 standby (or its non-optimized state), none
	 * active/optimized, so an initiator asks for one */
	ck_assert_int_eq(rbda_handover_next(&r, 7, t0, t0 + 10 * max, true), RBDA_HANDOVER_STRANDED);
	ck_assert_int_eq(rbda_state(r.owner, 0, 1, 1, RT_ALUA_STANDBY), RT_ALUA_STANDBY);
	ck_assert_int_eq(rbda_state(r.owner, 0, 1, 1, RT_ALUA_ACTIVE_NONOPTIMIZED), RT_ALUA_ACTIVE_NONOPTIMIZED);
	ck_assert_int_eq(rbda_state(r.owner, 0, 1, 2, RT_ALUA_STANDBY), RT_ALUA_STANDBY);
	/* with no owner recorded, a stranded group is still not optimized */
	ck_assert_int_eq(rbda_state(0, 0, 1, 1, RT_ALUA_STANDBY), RT_ALUA_STANDBY);
	ck_assert_int_eq(rbda_state(0, 0, 1, 2, RT_ALUA_STANDBY), RT_ALUA_ACTIVE_OPTIMIZED);
	/* the new owner wrote (gen moved): its record holds, in or past the bound */
	rbda_transferred(&r, 2, 5000u);
	ck_assert_int_eq(rbda_handover_next(&r, 7, t0, t0, true), RBDA_HANDOVER_RECORDED);
	ck_assert_int_eq(rbda_handover_next(&r, 7, t0, t0 + max, false), RBDA_HANDOVER_RECORDED);
	/* moving beats everything: TRANSITIONING while waiting */
	ck_assert_int_eq(rbda_state(1, 1, 0, 1, RT_ALUA_STANDBY), RT_ALUA_TRANSITIONING);
}
END_TEST

Suite *suite_bs_rbd_alua(void)
{
	Suite *s = suite_create("bs_rbd_alua");
	TCase *tc = tcase_create("bs_rbd_alua");
	tcase_add_test(tc, the_record_reads_back_what_was_written);
	tcase_add_test(tc, no_record_is_no_owner_and_garbage_is_refused);
	tcase_add_test(tc, transfers_are_bounded_per_window);
	tcase_add_test(tc, states_follow_the_owner_the_same_for_every_gateway);
	tcase_add_test(tc, a_hand_over_nobody_records_ends_within_the_bound);
	suite_add_tcase(s, tc);
	return s;
}
