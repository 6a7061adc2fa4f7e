/* host/cmd_bench: isim bench, simulated seconds per wall second. */
#include <inttypes.h>

#include "sim/host/isim.h"

int cmd_bench(const struct opts *o)
{
	if (check_writable(o->report, "w") != 0)
		return 2;
	uint64_t sim = 0, wall = 0, ios = 0;
	for (uint64_t seed = o->range.lo; seed <= o->range.hi; seed++) {
		struct swarm_world rec;
		swarm_one(o, seed, &rec);
		sim += rec.sim_ns;
		wall += rec.wall_ns;
		ios += rec.ios;
	}
	uint64_t n = o->range.hi - o->range.lo + 1;
	printf("summary: %.0fx simulated seconds per wall second (%" PRIu64 " worlds, %.1f simulated s in %.2f wall s, %" PRIu64 " I/Os)\n",
		ratio(sim, wall), n, (double)sim / 1e9, (double)wall / 1e9, ios);
	if (o->report == NULL)
		return 0;
	char text[1024];
	int len = snprintf(text, sizeof(text),
		"Simulator speed (`isim bench --seeds %" PRIu64 "..%" PRIu64 "`, one process, swarm worlds: 2 gateways, 4 initiators, 2 paths, faults):\n\n"
		"| worlds | simulated s | wall s | simulated s per wall s | I/Os | I/Os per wall s |\n|---|---|---|---|---|---|\n"
		"| %" PRIu64 " | %.1f | %.2f | %.0fx | %" PRIu64 " | %.0f |\n",
		o->range.lo, o->range.hi, n, (double)sim / 1e9, (double)wall / 1e9, ratio(sim, wall), ios,
		wall ? (double)ios * 1e9 / (double)wall : 0.0);
	return write_text(o->report, "w", text, len < 0 ? 0 : (size_t)len) == 0 ? 0 : 2;
}
