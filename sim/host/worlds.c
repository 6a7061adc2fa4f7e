/* host/worlds: see host/isim.h. One world from the command line's
 * options: its parameters (scenario file, seed, --set), its run with the
 * outputs asked for, its replay command, its swarm record. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/swarm/draw.h"

#include "sim/host/isim.h"

/* ---- one world ---- */

/* A seed family member: the swarm's draw for the seed, without its
 * faults and attacks (the file's timeline is the timeline), under the
 * scenario file (a line sets only what it names). */
static void family_base(const struct opts *o, struct sim_params *p)
{
	if (!o->have_seeds || o->scenario == NULL || (o->bit & (C_RUN | C_PARAMS)) == 0)
		return;
	swarm_params(p, o->seed);
	p->faults.n = 0;
	p->attacks.n = 0;
	swarm_clear_hazards(p);
}

int load_params(const struct opts *o, struct sim_params *p, struct scenario_expect *e)
{
	params_default(p);
	*e = (struct scenario_expect){ .bound_metric = METRIC_COUNT };
	family_base(o, p);
	if (o->scenario != NULL) {
		char *text = read_file(o->scenario);
		if (text == NULL) {
			fprintf(stderr, "isim: %s: %s\n", o->scenario, strerror(errno));
			return -1;
		}
		char err[512];
		int rc = scenario_parse_from(o->scenario, text, p, e, err, sizeof(err));
		free(text);
		if (rc != 0) {
			fprintf(stderr, "isim: %s\n", err);
			return -1;
		}
		if (o->have_seed)
			p->seed = o->seed;
	} else {
		swarm_params(p, o->seed);
	}
	if (o->set[0] != '\0') {
		struct scenario_expect ignored;
		char err[512];
		/* "--set:N": the N-th --set option. */
		if (scenario_parse_from("--set", o->set, p, &ignored, err, sizeof(err)) != 0) {
			fprintf(stderr, "isim: %s\n", err);
			return -1;
		}
	}
	swarm_draw_erl(p, p->seed);
	swarm_draw_hosts(p, p->seed);
	swarm_draw_pr_shared(p, p->seed);
	swarm_draw_mpath(p, p->seed);
	swarm_draw_mcs(p, p->seed);
	/* last: the file's identity and parameters win over the scenario's */
	if (o->lio_config != NULL && lio_identity_apply(o->lio_config, o->lio_target, p) != 0)
		return -1;
	return 0;
}

static void write_line(void *ctx, const struct tev *ev)
{
	FILE *f = ctx;
	fwrite(ev->line, 1, ev->len, f);
	fputc('\n', f);
}

void run_world(const struct sim_params *p, const struct outputs *out, struct sim_result *res,
	uint64_t *wall)
{
	struct sim_trace tr;
	trace_init(&tr, p->trace_mask);
	if (out != NULL && out->trace != NULL)
		trace_observe(&tr, write_line, out->trace);
	if (out != NULL && out->svg != NULL)
		trace_observe(&tr, out_svg_observe, out->svg);
	struct world_wire_obs obs = { 0 };
	if (out != NULL && out->pcap != NULL)
		obs = (struct world_wire_obs){ out->pcap, out_pcap_wire };
	uint64_t t0 = wall_ns();
	struct world *w = world_create(p, &host_mem, &tr, &obs);
	world_run(w, res);
	world_destroy(w);
	host_mem_trim();
	*wall = wall_ns() - t0;
}

/* What a swarm of these options runs (also the replay command's parts). */
void swarm_spec_of(const struct opts *o, struct swarm_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->lo = o->range.lo;
	spec->hi = o->range.hi;
	spec->shard = o->have_shard ? o->shard.i : 1;
	spec->shards = o->have_shard ? o->shard.n : 1;
	if (o->scenario != NULL)
		snprintf(spec->scenario, sizeof(spec->scenario), "%s", o->scenario);
	memcpy(spec->set, o->set, sizeof(spec->set));
}

void replay_cmd(const struct opts *o, uint64_t seed, char *buf, size_t cap)
{
	struct swarm_spec spec;
	swarm_spec_of(o, &spec);
	swarm_replay_cmd(&spec, seed, buf, cap);
}

void swarm_one(const struct opts *o, uint64_t seed, struct swarm_world *rec)
{
	struct sim_params p;
	struct scenario_expect e;
	struct opts so = *o;
	so.seed = seed;
	so.have_seed = true;
	memset(rec, 0, sizeof(*rec));
	rec->seed = seed;
	if (load_params(&so, &p, &e) != 0) {
		rec->oracle = ORACLE_ENGINE;
		snprintf(rec->why, sizeof(rec->why), "scenario does not load");
		return;
	}
	struct sim_result r;
	run_world(&p, NULL, &r, &rec->wall_ns);
	rec->oracle = (int)r.oracle;
	rec->sim_ns = r.sim_ns;
	rec->ios = r.ios;
	rec->io_errors = (uint64_t)r.metrics.v[METRIC_IO_FAILED];
	memcpy(rec->cov, r.cov.hits, sizeof(rec->cov));
	snprintf(rec->why, sizeof(rec->why), "%.*s", (int)sizeof(rec->why) - 1, r.why);
}
