/* values: see values.h. */
#include "sim/spec/values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/time.h"
#include "sim/spec/scenario.h"

bool values_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

bool scenario_parse_time(const char *s, uint64_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	double v = strtod(s, &end);
	uint64_t mult;
	if (strcmp(end, "ns") == 0)
		mult = 1;
	else if (strcmp(end, "us") == 0)
		mult = SIM_US(1);
	else if (strcmp(end, "ms") == 0)
		mult = SIM_MS(1);
	else if (strcmp(end, "s") == 0)
		mult = SIM_S(1);
	else
		return false;
	*out = (uint64_t)(v * (double)mult + 0.5);
	return true;
}

bool values_parse_ppm(const char *s, uint32_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	double v = strtod(s, &end);
	if (strcmp(end, "%") == 0)
		v *= 10000.0;
	else if (strcmp(end, "ppm") != 0)
		return false;
	if (v > 1000000.0)
		return false;
	*out = (uint32_t)(v + 0.5);
	return true;
}

bool values_parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)
		*out = true;
	else if (strcmp(s, "no") == 0 || strcmp(s, "off") == 0)
		*out = false;
	else
		return false;
	return true;
}

int values_parse_name(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Times are written in the largest unit that keeps them exact. */
void scenario_format_time(char *out, size_t cap, uint64_t ns)
{
	if (ns != 0 && ns % SIM_S(1) == 0)
		snprintf(out, cap, "%llus", (unsigned long long)(ns / SIM_S(1)));
	else if (ns != 0 && ns % SIM_MS(1) == 0)
		snprintf(out, cap, "%llums", (unsigned long long)(ns / SIM_MS(1)));
	else if (ns != 0 && ns % SIM_US(1) == 0)
		snprintf(out, cap, "%lluus", (unsigned long long)(ns / SIM_US(1)));
	else
		snprintf(out, cap, "%lluns", (unsigned long long)ns);
}
