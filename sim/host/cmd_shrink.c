/* host/cmd_shrink: isim shrink (the smallest fault schedule that still
 * fails) and isim params (the world a seed draws): both print a scenario. */
#include <inttypes.h>
#include <stdlib.h>

#include "sim/swarm/shrink.h"

#define SHRINK_RUNS 300 /* worlds a shrink may run */

#include "sim/host/isim.h"

/* ---- shrink, params ---- */

static int emit_scenario(const struct opts *o, const struct sim_params *p, const struct scenario_expect *e)
{
	size_t need = scenario_format(p, e, NULL, 0) + 1;
	char *buf = malloc(need);
	if (buf == NULL)
		return 2;
	scenario_format(p, e, buf, need);
	int rc = 0;
	if (o->out != NULL)
		rc = write_text(o->out, "w", buf, need - 1) == 0 ? 0 : 2;
	else
		fputs(buf, stdout);
	free(buf);
	return rc;
}

int cmd_shrink(const struct opts *o)
{
	struct sim_params p;
	struct scenario_expect e;
	if (load_params(o, &p, &e) != 0)
		return 2;
	if (check_writable(o->out, "w") != 0)
		return 2;
	struct sim_result r;
	shrink_run(&p, &host_mem, &r);
	if (r.oracle == ORACLE_NONE) {
		fprintf(stderr, "isim: seed %" PRIu64 " passes: nothing to shrink\n", p.seed);
		return 2;
	}
	struct shrink_stats st;
	uint64_t t0 = wall_ns();
	shrink_params(&p, r.oracle, &host_mem, SHRINK_RUNS, &st);
	shrink_run(&p, &host_mem, &r);
	fprintf(stderr, "isim: shrunk %u faults to %u in %u runs (%.1fs); still fails: %s: %s\n", st.faults_before,
		st.faults_after, st.runs, (double)(wall_ns() - t0) / 1e9, sim_oracle_name(r.oracle), r.why);
	struct scenario_expect ex = { .set = true, .oracle = r.oracle };
	int rc = emit_scenario(o, &p, &ex);
	if (rc == 0 && o->out != NULL)
		printf("replay: isim run --scenario %s\n", o->out);
	return rc;
}

int cmd_params(const struct opts *o)
{
	struct opts po = *o;
	if (po.have_seeds) { /* a seed family's first member */
		po.seed = po.range.lo;
		po.have_seed = true;
	}
	struct sim_params p;
	struct scenario_expect e;
	if (load_params(&po, &p, &e) != 0)
		return 2;
	return emit_scenario(&po, &p, &e);
}
