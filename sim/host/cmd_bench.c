/* host/cmd_bench: isim bench, simulated seconds per wall second, and per
 * CPU second of this process (user + system, getrusage): the figure that
 * holds on a machine busy with other work, where wall time does not. */
#include <inttypes.h>
#include <sys/resource.h>

#include "sim/host/isim.h"

/* This process's CPU time so far, user + system. */
static uint64_t cpu_ns(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ull;
}

int cmd_bench(const struct opts *o)
{
	if (check_writable(o->report, "w") != 0)
		return 2;
	uint64_t sim = 0, wall = 0, ios = 0, cpu0 = cpu_ns();
	for (uint64_t seed = o->range.lo; seed <= o->range.hi; seed++) {
		struct swarm_world rec;
		swarm_one(o, seed, &rec);
		sim += rec.sim_ns;
		wall += rec.wall_ns;
		ios += rec.ios;
	}
	uint64_t n = o->range.hi - o->range.lo + 1, cpu = cpu_ns() - cpu0;
	printf("summary: %.0fx simulated seconds per wall second (%" PRIu64 " worlds, %.1f simulated s in %.2f wall s, %" PRIu64
	       " I/Os); %.0fx per CPU second (%.2f CPU s)\n",
		ratio(sim, wall), n, (double)sim / 1e9, (double)wall / 1e9, ios, ratio(sim, cpu), (double)cpu / 1e9);
	if (o->report == NULL)
		return 0;
	char text[1024];
	int len = snprintf(text, sizeof(text),
		"Simulator speed (`isim bench --seeds %" PRIu64 "..%" PRIu64 "`, one process, swarm worlds: 2 gateways, 4 initiators, 2 paths, faults):\n\n"
		"| worlds | simulated s | wall s | simulated s per wall s | CPU s | simulated s per CPU s | I/Os | I/Os per wall s |\n"
		"|---|---|---|---|---|---|---|---|\n"
		"| %" PRIu64 " | %.1f | %.2f | %.0fx | %.2f | %.0fx | %" PRIu64 " | %.0f |\n",
		o->range.lo, o->range.hi, n, (double)sim / 1e9, (double)wall / 1e9, ratio(sim, wall), (double)cpu / 1e9,
		ratio(sim, cpu), ios, wall ? (double)ios * 1e9 / (double)wall : 0.0);
	return write_text(o->report, "w", text, len < 0 ? 0 : (size_t)len) == 0 ? 0 : 2;
}
