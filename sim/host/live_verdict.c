/* host/live_verdict: the verdict of an `isim live` run (host/cmd_live.c),
 * judged as the simulator judges it (oracle/expect.h): the oracle that
 * fired, the played hosts' metrics (world/metrics.h's metrics_add_host
 * and metrics_add_session, as the world measures), and the scenario's
 * expectation with its bounds, those on metrics a live run cannot measure
 * named and left out (live_judge, which `isim guest-check` uses too);
 * the counts and the fidelity table's row.
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/live_int.h"

static bool data_failed(const struct live *lv)
{
	for (int i = 0; i < lv->p->initiators; i++)
		if (lv->inis[i].played && lv->inis[i].wl.failed)
			return true;
	return false;
}

/* What a live run measures: the initiators' own stats (world/metrics.h's
 * metrics_add_host and metrics_add_session). The rest (gateways, disk,
 * network, attackers) only the simulator sees. */
static bool measured_live(enum metric_id m)
{
	switch (m) {
	case METRIC_IO_OK: case METRIC_IO_OK_MIN: case METRIC_IO_FAILED: case METRIC_IO_PATH_FAILED:
	case METRIC_LATENCY_MAX: case METRIC_IO_STALL_MAX: case METRIC_FAILOVER: case METRIC_MISCOMPARES:
	case METRIC_RESERVATION_CONFLICTS: case METRIC_HOLDER_CONFLICTS: case METRIC_PATH_FAILURES:
	case METRIC_GROUP_SWITCHES: case METRIC_ABORTS: case METRIC_NOP_TIMEOUTS: case METRIC_LOGINS:
	case METRIC_LOGIN_FAILURES: case METRIC_WINDOW_STALL_MAX:
		return true;
	default:
		return false;
	}
}

void live_judge(const struct scenario_expect *se, const struct sim_result *r, bool (*measured)(enum metric_id),
	struct expect_verdict *v)
{
	if (measured == NULL)
		measured = measured_live;
	static struct scenario_expect e;
	e = *se;
	e.nb = 0;
	for (unsigned i = 0; i < se->nb; i++) {
		if (measured(se->b[i].m))
			e.b[e.nb++] = se->b[i];
		else
			printf("  expect %s...: not measured live, not judged\n", metric_name(se->b[i].m));
	}
	expect_judge(&e, r, v);
	if (se->set && se->oracle == ORACLE_BOUND && se->bound_metric != METRIC_COUNT &&
		!measured(se->bound_metric)) {
		v->met = false;
		snprintf(v->text, sizeof(v->text), "cannot judge: %s is not measured live", metric_name(se->bound_metric));
	}
}

/* The run as the simulator would judge it: the oracle that fired, the
 * metrics, and the scenario's expectation with its bounds (those on
 * metrics a live run cannot measure are named and left out). */
static void judge(const struct live *lv, const struct scenario_expect *se, struct sim_result *r,
	struct expect_verdict *v)
{
	memset(r, 0, sizeof(*r));
	r->oracle = data_failed(lv) ? ORACLE_DATA : lv->proto_violations > 0 ? ORACLE_PROTOCOL : ORACLE_NONE;
	metrics_begin(&r->metrics);
	for (int i = 0; i < lv->p->initiators; i++) {
		if (!lv->inis[i].played)
			continue;
		metrics_add_host(&r->metrics, &lv->inis[i].wl.stats, &lv->inis[i].mp, lv->inis[i].mp.stats.path_fails);
		for (int k = 0; k < lv->p->paths; k++)
			metrics_add_session(&r->metrics, &lv->inis[i].paths[k].sess.stats);
	}
	metrics_end(&r->metrics, lv->p->initiators);
	live_judge(se, r, NULL, v);
}

void live_print_counts(const struct live *lv)
{
	for (int i = 0; i < lv->p->initiators; i++) {
		if (!lv->inis[i].played)
			continue;
		const struct mpath_stats *m = &lv->inis[i].mp.stats;
		printf("  host %d multipath: %llu path failures, %llu reinstated, %llu group switches, REPORT TARGET PORT "
			"GROUPS %llu answered %llu failed\n", i, (unsigned long long)m->path_fails,
			(unsigned long long)m->reinstates, (unsigned long long)m->group_switches,
			(unsigned long long)m->rtpg_ok, (unsigned long long)m->rtpg_failed);
	}
	if (lv->hist != NULL)
		printf("  data oracle: not judged here (isim guest-check replays this history with the guest's)\n");
	else if (data_failed(lv))
		printf("  data oracle: %s\n", lv->od.why);
	if (lv->od.stats.torn_reads > 0)
		printf("  data oracle: %llu torn reads forgiven (a write to the block was landing during the read)\n",
			(unsigned long long)lv->od.stats.torn_reads);
	if (lv->proto_violations > 0)
		printf("  protocol oracle: %s\n", lv->proto_why);
}

static void seconds_text(int64_t ns, char *out, size_t cap)
{
	snprintf(out, cap, "%.1f", (double)ns / 1e9);
}

/* Prints the verdict and the fidelity table's row (appended to row if
 * given: the columns of scenarios/live.sh). Whether the run met the
 * scenario's expectation within the wall-clock limit. */
bool live_report(const struct live *lv, const struct scenario_expect *se, const char *label, const char *row,
	uint64_t wall, bool timed_out)
{
	static struct sim_result r;
	struct expect_verdict v;
	judge(lv, se, &r, &v);
	live_print_counts(lv);
	const int64_t *m = r.metrics.v;
	char fo[32] = "-", lat[32];
	if (m[METRIC_FAILOVER] > 0)
		seconds_text(m[METRIC_FAILOVER], fo, sizeof(fo));
	seconds_text(m[METRIC_LATENCY_MAX], lat, sizeof(lat));
	bool met = v.met && !timed_out;
	printf("live: %s: %s (expected %s): %s%s; %lld I/Os, fail over %s s, longest I/O %s s, %lld failed up, "
		"%lld path failures, %llu protocol violations, %.1f s wall\n", label, v.text, v.expected,
		met ? "met" : "NOT MET", timed_out ? " [wall limit hit]" : "",
		(long long)(m[METRIC_IO_OK] + m[METRIC_IO_FAILED]), fo, lat, (long long)m[METRIC_IO_FAILED],
		(long long)m[METRIC_PATH_FAILURES], (unsigned long long)lv->proto_violations, (double)wall / 1e9);
	FILE *f = row != NULL ? fopen(row, "a") : NULL;
	if (f != NULL) {
		fprintf(f, "%s\t%s\t%s\t%s\t%s\t%lld\t%lld\t%llu\t%.1f\n", label, v.text, v.expected, fo, lat,
			(long long)m[METRIC_IO_FAILED], (long long)m[METRIC_PATH_FAILURES],
			(unsigned long long)lv->proto_violations, (double)wall / 1e9);
		fclose(f);
	}
	return met;
}

