/* expect: what a scenario says must happen, and the judgement of a run
 * against it. A verdict ("expect pass", "expect fail data", "expect fail
 * bound lock_transfers") and bounds on what the world measured
 * ("expect latency_max<=40s io_failed=0", metrics.h). A bound that does
 * not hold is a finding of its own, the "bound" oracle: the run passes
 * only if no oracle fired and every bound holds. A scenario expecting a
 * failure must observe exactly that failure, so each one proves its
 * oracle able to fail. Pure text and numbers; owns nothing.
 */
#ifndef SIM_EXPECT_H
#define SIM_EXPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/world/metrics.h"
#include "sim/world/world.h"

enum bound_op {
	BOUND_LE = 0,
	BOUND_LT,
	BOUND_GE,
	BOUND_GT,
	BOUND_EQ,
};

struct expect_bound {
	enum metric_id m;
	enum bound_op op;
	int64_t v;
};

#define EXPECT_BOUNDS_MAX 24u

struct scenario_expect {
	bool set;               /* a verdict line was given */
	enum sim_oracle oracle; /* ORACLE_NONE: the run must pass; ORACLE_BOUND: a bound must fail */
	enum metric_id bound_metric; /* with ORACLE_BOUND: the bound that must fail (METRIC_COUNT: any) */
	struct expect_bound b[EXPECT_BOUNDS_MAX];
	unsigned nb;
};

/* The words after "expect" on one line: "pass" | "fail ORACLE" | "fail
 * bound [METRIC]" | one or more "METRIC<=VALUE" (<, >=, >, = too).
 * Returns 0, or -1 with the reason in err. */
int expect_parse(struct scenario_expect *e, char **toks, int n, char *err, size_t err_len);

/* The expectation as scenario lines; returns the length it needed. */
size_t expect_format(const struct scenario_expect *e, char *buf, size_t cap);

struct expect_verdict {
	enum sim_oracle observed; /* what the run showed: an oracle, ORACLE_BOUND, or ORACLE_NONE */
	int bound;                /* with ORACLE_BOUND: the first bound that failed */
	bool met;                 /* the run is what the scenario expects */
	char expected[96];        /* "pass", "fail data", "fail bound lock_transfers" */
	char text[200];           /* "pass", "fail data", "fail bound lock_transfers=57 (expected <=10)" */
};

/* Judge a run. Bounds are judged only when no oracle fired (a world
 * stopped by a violation measured only part of its life). */
void expect_judge(const struct scenario_expect *e, const struct sim_result *r, struct expect_verdict *v);

/* Does bound b hold for the metrics of r? */
bool expect_bound_holds(const struct expect_bound *b, const struct sim_metrics *m);

#endif
