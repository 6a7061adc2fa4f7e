/* Issue 16, hazard class 2: the persistent-reservation model (SPC-4
 * §5.13) the reservation oracle judges with, the `pr` scenario lines,
 * the initiator's TMF escalation key, and the oracle in whole worlds
 * (world/pr_hosts.c) across a gateway's restart. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/oracle/pr_model.h"
#include "sim/spec/scenario.h"
#include "sim/base/time.h"
#include "sim/world/world.h"
#include "tmem.h"

enum { WE = 1, EA = 3, WE_RO = 5, EA_AR = 8 };

static void param(uint8_t *p, uint64_t key, uint64_t sakey, bool aptpl)
{
	memset(p, 0, OPRM_PARAM_LEN);
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(key >> (56 - 8 * i));
		p[8 + i] = (uint8_t)(sakey >> (56 - 8 * i));
	}
	p[20] = aptpl ? 1 : 0;
}

static enum oprm_outcome out(struct oprm_state *s, int n, uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey)
{
	uint8_t p[OPRM_PARAM_LEN];
	param(p, key, sakey, false);
	struct oprm_state before = *s;
	enum oprm_outcome o = oprm_out(s, n, sa, type, p);
	if (o != OPRM_GOOD)
		ck_assert(oprm_equal(s, &before)); /* only GOOD changes anything */
	return o;
}

static struct oprm_state fresh(void)
{
	struct oprm_state s;
	memset(&s, 0, sizeof(s));
	s.holder = -1;
	return s;
}

START_TEST(pr_model_register_reserve_and_conflicts)
{
	struct oprm_state s = fresh();
	ck_assert_int_eq(out(&s, 0, OPRM_REGISTER, 0, 5, 0xa), OPRM_CONFLICT); /* unregistered with a key */
	ck_assert_int_eq(out(&s, 0, OPRM_REGISTER, 0, 0, 0), OPRM_GOOD);       /* nothing to do */
	ck_assert_uint_eq(s.generation, 0);
	ck_assert_int_eq(out(&s, 0, OPRM_REGISTER, 0, 0, 0xa), OPRM_GOOD);
	ck_assert_int_eq(out(&s, 1, OPRM_REGISTER_AND_IGNORE, 0, 77, 0xb), OPRM_GOOD);
	ck_assert_uint_eq(s.generation, 2);
	ck_assert_int_eq(out(&s, 2, OPRM_RESERVE, WE_RO, 0, 0), OPRM_CONFLICT); /* not registered */
	ck_assert_int_eq(out(&s, 0, OPRM_RESERVE, WE_RO, 0xb, 0), OPRM_CONFLICT); /* not its key */
	ck_assert_int_eq(out(&s, 0, OPRM_RESERVE, WE_RO, 0xa, 0), OPRM_GOOD);
	ck_assert_uint_eq(s.generation, 2); /* RESERVE moves no generation */
	ck_assert_int_eq(out(&s, 0, OPRM_RESERVE, WE_RO, 0xa, 0), OPRM_GOOD);   /* again, same type */
	ck_assert_int_eq(out(&s, 0, OPRM_RESERVE, WE, 0xa, 0), OPRM_CONFLICT);  /* another type */
	ck_assert_int_eq(out(&s, 1, OPRM_RESERVE, WE_RO, 0xb, 0), OPRM_CONFLICT); /* someone else's */
	/* WE_RO: registrants read and write, others only read */
	ck_assert(!oprm_excluded(&s, 1, true));
	ck_assert(oprm_excluded(&s, 2, true));
	ck_assert(!oprm_excluded(&s, 2, false));
	ck_assert_int_eq(out(&s, 1, OPRM_RELEASE, WE_RO, 0xb, 0), OPRM_GOOD); /* not the holder: nothing */
	ck_assert(s.reserved);
	ck_assert_int_eq(out(&s, 0, OPRM_RELEASE, WE, 0xa, 0), OPRM_ILLEGAL); /* wrong type */
	ck_assert_int_eq(out(&s, 0, OPRM_RELEASE, WE_RO, 0xa, 0), OPRM_GOOD);
	ck_assert(!s.reserved);
}
END_TEST

START_TEST(pr_model_preempt_takes_over_or_only_removes)
{
	struct oprm_state s = fresh();
	out(&s, 0, OPRM_REGISTER, 0, 0, 0xa);
	out(&s, 1, OPRM_REGISTER, 0, 0, 0xb);
	out(&s, 2, OPRM_REGISTER, 0, 0, 0xa); /* a second nexus with the same key */
	out(&s, 0, OPRM_RESERVE, EA, 0xa, 0);
	ck_assert(oprm_excluded(&s, 1, false)); /* EA: even reads */
	ck_assert_int_eq(out(&s, 1, OPRM_PREEMPT, WE_RO, 0xb, 0xc), OPRM_CONFLICT); /* nobody has 0xc */
	ck_assert_int_eq(out(&s, 1, OPRM_PREEMPT, WE_RO, 0xb, 0), OPRM_ILLEGAL);
	ck_assert_int_eq(out(&s, 1, OPRM_PREEMPT_AND_ABORT, WE_RO, 0xb, 0xa), OPRM_GOOD);
	ck_assert(!s.reg[0] && !s.reg[2] && s.reg[1]);
	ck_assert(s.reserved && s.type == WE_RO && s.holder == 1);
	ck_assert(oprm_excluded(&s, 0, true));
	/* a preempt of a non-holder's key leaves the reservation */
	out(&s, 3, OPRM_REGISTER, 0, 0, 0xd);
	ck_assert_int_eq(out(&s, 1, OPRM_PREEMPT, WE_RO, 0xb, 0xd), OPRM_GOOD);
	ck_assert(!s.reg[3] && s.holder == 1);
	/* all registrants: every registrant holds; preempting key 0 takes all */
	struct oprm_state a = fresh();
	out(&a, 0, OPRM_REGISTER, 0, 0, 0xa);
	out(&a, 1, OPRM_REGISTER, 0, 0, 0xb);
	out(&a, 0, OPRM_RESERVE, EA_AR, 0xa, 0);
	ck_assert(!oprm_excluded(&a, 1, false));
	ck_assert_int_eq(out(&a, 1, OPRM_RESERVE, EA_AR, 0xb, 0), OPRM_GOOD);
	ck_assert_int_eq(out(&a, 1, OPRM_PREEMPT, WE, 0xb, 0), OPRM_GOOD);
	ck_assert(!a.reg[0] && a.holder == 1 && a.type == WE);
	/* the holder's unregistering ends its reservation; CLEAR ends all */
	ck_assert_int_eq(out(&a, 1, OPRM_REGISTER, 0, 0xb, 0), OPRM_GOOD);
	ck_assert(!a.reserved);
	out(&s, 0, OPRM_REGISTER, 0, 0, 0xe);
	ck_assert_int_eq(out(&s, 0, OPRM_CLEAR, 0, 0xe, 0), OPRM_GOOD);
	ck_assert(!s.reserved && !s.reg[0] && !s.reg[1]);
}
END_TEST

START_TEST(pr_model_checks_read_keys_and_read_reservation)
{
	struct oprm_state s = fresh();
	out(&s, 0, OPRM_REGISTER, 0, 0, 0xa);
	out(&s, 1, OPRM_REGISTER, 0, 0, 0xb);
	out(&s, 0, OPRM_RESERVE, WE_RO, 0xa, 0);
	uint8_t keys[24] = { 0, 0, 0, 2, 0, 0, 0, 16 };
	keys[15] = 0xb; /* in any order */
	keys[23] = 0xa;
	char why[400];
	ck_assert(oprm_check_in(&s, OPRM_READ_KEYS, keys, sizeof(keys), why, sizeof(why)));
	keys[23] = 0xc;
	ck_assert(!oprm_check_in(&s, OPRM_READ_KEYS, keys, sizeof(keys), why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "0xc"));
	keys[3] = 3; /* generation */
	keys[23] = 0xa;
	ck_assert(!oprm_check_in(&s, OPRM_READ_KEYS, keys, sizeof(keys), why, sizeof(why)));
	uint8_t res[24] = { 0, 0, 0, 2, 0, 0, 0, 16 };
	res[15] = 0xa;
	res[21] = WE_RO;
	ck_assert(oprm_check_in(&s, OPRM_READ_RESERVATION, res, sizeof(res), why, sizeof(why)));
	res[21] = EA;
	ck_assert(!oprm_check_in(&s, OPRM_READ_RESERVATION, res, sizeof(res), why, sizeof(why)));
	uint8_t none[8] = { 0, 0, 0, 2, 0, 0, 0, 0 };
	ck_assert(!oprm_check_in(&s, OPRM_READ_RESERVATION, none, sizeof(none), why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "not reserved"));
}
END_TEST

static int parse(const char *text, struct sim_params *p, char *err, size_t cap)
{
	struct scenario_expect e;
	params_default(p);
	return scenario_parse_from("x.scn", text, p, &e, err, cap);
}

START_TEST(pr_lines_parse_format_and_refuse)
{
	struct sim_params p;
	char err[200];
	const char *text = "topology initiators=2 paths=2\n"
			   "initiator tmf_escalation=task_set\n"
			   "pr register ini=0 path=1 at=2s sakey=0xa aptpl=yes\n"
			   "pr preempt_abort ini=1 path=0 at=100ms after=0 key=0xb sakey=0xa type=ea_ro\n"
			   "pr read_keys ini=1 at=9s\n";
	ck_assert_int_eq(parse(text, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.ini.escalation, ISESS_ESC_TASK_SET);
	ck_assert_uint_eq(p.prs.n, 3);
	ck_assert_int_eq(p.prs.a[0].kind, PRS_REGISTER);
	ck_assert_uint_eq(p.prs.a[0].sakey, 0xa);
	ck_assert(p.prs.a[0].aptpl);
	ck_assert_int_eq(p.prs.a[1].after, 0);
	ck_assert_uint_eq(p.prs.a[1].at_ns, SIM_MS(100));
	ck_assert_uint_eq(p.prs.a[1].type, 6);
	/* written out and read back: the same world */
	static char buf[16384];
	size_t n = scenario_format(&p, NULL, buf, sizeof(buf));
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "pr preempt_abort ini=1 path=0 at=100ms after=0 key=0xb sakey=0xa type=ea_ro\n"));
	ck_assert_ptr_nonnull(strstr(buf, "tmf_escalation=task_set"));
	struct sim_params q;
	ck_assert_int_eq(parse(buf, &q, err, sizeof(err)), 0);
	ck_assert_uint_eq(q.prs.n, 3);
	ck_assert_mem_eq(&q.prs, &p.prs, sizeof(p.prs));
	/* errors name the line */
	ck_assert_int_ne(parse("pr register ini=0 at=1s after=0\n", &p, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "x.scn:1: bad value '0' for pr after"));
	ck_assert_int_ne(parse("topology initiators=1\npr reserve ini=0 path=2\n", &p, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "x.scn:2: pr reserve ini=0 path=2 names a path that does not exist"));
	ck_assert_int_ne(parse("pr grab ini=0\n", &p, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "unknown pr action 'grab'"));
	ck_assert_int_ne(parse("pr reserve path=0\n", &p, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "needs ini="));
	ck_assert_int_ne(parse("pr reserve ini=0 type=we_rw\n", &p, err, sizeof(err)), 0);
	ck_assert_int_ne(parse("initiator tmf_escalation=sometimes\n", &p, err, sizeof(err)), 0);
	/* the default keeps every older file's meaning */
	ck_assert_int_eq(parse("seed 1\n", &p, err, sizeof(err)), 0);
	ck_assert_int_eq(p.ini.escalation, ISESS_ESC_DROP);
	ck_assert_uint_eq(p.prs.n, 0);
	ck_assert_int_eq(parse("pr clear ini=0 key=1\nwithout pr\n", &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.prs.n, 0);
}
END_TEST

/* A world from scenario text, run to its verdict. */
static void run_text(const char *text, struct sim_result *r)
{
	struct sim_params p;
	char err[200];
	ck_assert_msg(parse(text, &p, err, sizeof(err)) == 0, "%s", err);
	struct tmem m;
	tmem_init(&m);
	struct sim_trace tr;
	trace_init(&tr, p.trace_mask);
	struct world *w = world_create(&p, &m.mem, &tr, NULL);
	world_run(w, r);
	world_destroy(w);
	ck_assert_uint_eq(m.live, 0);
}

/* Seed 923 with `run draw_erl=yes`, shrunk: the target executes a CLEAR
 * and answers GOOD, its answer waits in a partition (gateway to
 * initiator), the gateway is powered off and comes back with a new
 * engine (no APTPL: nothing registered), and the partition heals: the
 * old engine's GOOD reaches the host. It is the old engine's answer, to
 * be judged against what that engine held (the CLEAR was right there),
 * not against the new engine's state, where it would be a CONFLICT. */
START_TEST(pr_oracle_does_not_judge_an_old_engines_answer_by_the_new_one)
{
	const char *text = "topology gateways=1 initiators=1 paths=1\n"
			   "run duration=20s liveness=60s\n"
			   "pr register ini=0 path=0 at=1s sakey=0x1\n"
			   "pr clear ini=0 path=0 at=3s key=0x1\n"
			   "fault partition at=2s for=6s ini=0 gw=0 dir=to_ini\n"
			   "fault gw_power_off at=4s for=3s ini=0 gw=0\n";
	struct sim_result r;
	run_text(text, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	ck_assert_uint_gt(r.cov.hits[COV_PR_CHECKED], 0);
}
END_TEST

/* The same with APTPL: the old engine changed the key (0x1 to 0x2) and
 * saved it before it was powered off, the new engine starts from that
 * save, and another host's READ KEYS there, before the answer is
 * through, sees 0x2. The model cannot know whether the old engine got
 * to it: the restarted state is unknown, not the save the model last
 * knew (0x1). Without the faults the state stays known and every
 * answer, the READ KEYS too, is judged. */
START_TEST(pr_oracle_restart_with_an_aptpl_change_outstanding_is_unknown)
{
	const char *text = "topology gateways=1 initiators=2 paths=1\n"
			   "run duration=20s liveness=60s\n"
			   "pr register ini=0 path=0 at=1s sakey=0x1 aptpl=yes\n"
			   "pr register ini=0 path=0 at=3s key=0x1 sakey=0x2 aptpl=yes\n"
			   "pr read_keys ini=1 path=0 at=10s\n"
			   "fault partition at=2s for=10s ini=0 gw=0 dir=to_ini\n"
			   "fault gw_power_off at=4s for=3s ini=0 gw=0\n";
	struct sim_result r;
	run_text(text, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	const char *calm = "topology gateways=1 initiators=2 paths=1\n"
			   "run duration=12s liveness=60s\n"
			   "pr register ini=0 path=0 at=1s sakey=0x1 aptpl=yes\n"
			   "pr register ini=0 path=0 at=3s key=0x1 sakey=0x2 aptpl=yes\n"
			   "pr read_keys ini=1 path=0 at=10s\n";
	run_text(calm, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	ck_assert_uint_ge(r.cov.hits[COV_PR_CHECKED], 3);
}
END_TEST

/* Five-flag swarm seed 8235, shrunk: host 0 registered on its first
 * ISID, came back with the other (iscsid_exit a=1: a new I_T nexus,
 * not registered), and sends a PREEMPT that waits in a partition
 * (initiator to gateway). Meanwhile the host logs out asking for a new
 * ISID again (logout a=1); the Logout waits in the partition too, so
 * the path's next ISID is chosen (isid_gen flipped back) while the
 * session still runs on the second. The PREEMPT is answered after the
 * heal, RESERVATION CONFLICT: right for the nexus it came from. Judged
 * as the first ISID's (registered), the oracle said GOOD. */
START_TEST(pr_oracle_judges_an_answer_by_the_isid_its_session_has)
{
	const char *text = "topology gateways=1 initiators=2 paths=1\n"
			   "run duration=14s liveness=60s\n"
			   "pr register ini=0 path=0 at=1s sakey=0x1\n"
			   "pr register ini=1 path=0 at=1s sakey=0x2\n"
			   "pr reserve ini=1 path=0 at=2s key=0x2 type=ea\n"
			   "fault iscsid_exit at=3s for=1s ini=0 gw=0 a=1\n"
			   "fault partition at=6s for=3s ini=0 gw=0 dir=to_gw\n"
			   "pr preempt ini=0 path=0 at=6500ms key=0x1 sakey=0x2 type=ea\n"
			   "fault logout at=7s for=1s ini=0 gw=0 a=1\n";
	struct sim_result r;
	run_text(text, &r);
	ck_assert_msg(r.oracle == ORACLE_NONE, "%s: %s", sim_oracle_name(r.oracle), r.why);
	/* judged: the REGISTERs (one batch, they overlap), the RESERVE, the PREEMPT */
	ck_assert_uint_ge(r.cov.hits[COV_PR_CHECKED], 3);
}
END_TEST

Suite *suite_pr(void)
{
	Suite *s = suite_create("pr");
	TCase *t = tcase_create("pr");
	tcase_add_test(t, pr_model_register_reserve_and_conflicts);
	tcase_add_test(t, pr_model_preempt_takes_over_or_only_removes);
	tcase_add_test(t, pr_model_checks_read_keys_and_read_reservation);
	tcase_add_test(t, pr_lines_parse_format_and_refuse);
	tcase_add_test(t, pr_oracle_does_not_judge_an_old_engines_answer_by_the_new_one);
	tcase_add_test(t, pr_oracle_restart_with_an_aptpl_change_outstanding_is_unknown);
	tcase_add_test(t, pr_oracle_judges_an_answer_by_the_isid_its_session_has);
	suite_add_tcase(s, t);
	return s;
}
