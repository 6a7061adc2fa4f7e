/* metrics: see metrics.h. */
#include "sim/world/metrics.h"

#include <stdio.h>
#include <string.h>

#include "sim/base/time.h"

struct metric_info {
	const char *name;
	enum metric_unit unit;
	const char *what;
};

static const struct metric_info infos[METRIC_COUNT] = {
#define METRIC_INFO(id, name, unit, what) [METRIC_##id] = { name, unit, what },
	METRICS(METRIC_INFO)
#undef METRIC_INFO
};

const char *metric_name(enum metric_id m)
{
	return m < METRIC_COUNT ? infos[m].name : "unknown";
}

enum metric_unit metric_unit(enum metric_id m)
{
	return m < METRIC_COUNT ? infos[m].unit : MU_COUNT;
}

const char *metric_what(enum metric_id m)
{
	return m < METRIC_COUNT ? infos[m].what : "";
}

enum metric_id metric_parse(const char *s)
{
	for (int m = 0; m < METRIC_COUNT; m++)
		if (strcmp(s, infos[m].name) == 0)
			return (enum metric_id)m;
	return METRIC_COUNT;
}

void metric_format(enum metric_id m, int64_t v, char *out, size_t cap)
{
	if (metric_unit(m) != MU_TIME || v <= 0) {
		snprintf(out, cap, "%lld", (long long)v);
		return;
	}
	/* Whole seconds and milliseconds read as such; the rest with three
	 * decimals of the largest unit (latencies are rarely round). */
	uint64_t ns = (uint64_t)v;
	if (ns % SIM_S(1) == 0)
		snprintf(out, cap, "%llus", (unsigned long long)(ns / SIM_S(1)));
	else if (ns >= SIM_S(1))
		snprintf(out, cap, "%.3fs", (double)ns / 1e9);
	else if (ns % SIM_MS(1) == 0)
		snprintf(out, cap, "%llums", (unsigned long long)(ns / SIM_MS(1)));
	else if (ns >= SIM_MS(1))
		snprintf(out, cap, "%.3fms", (double)ns / 1e6);
	else
		snprintf(out, cap, "%lluus", (unsigned long long)(ns / SIM_US(1)));
}
