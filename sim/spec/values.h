/* values: the text of one setting's value in scenario files (spec/
 * scenario.c): numbers, times with a unit, shares, booleans, names.
 * scenario_parse_time and scenario_format_time are scenario.h's. Owns
 * nothing.
 */
#ifndef SIM_VALUES_H
#define SIM_VALUES_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal number without sign or unit. */
bool values_parse_u64(const char *s, uint64_t *out);
/* "N%" or "Nppm", at most 100 %, as parts per million. */
bool values_parse_ppm(const char *s, uint32_t *out);
/* yes/on or no/off. */
bool values_parse_bool(const char *s, bool *out);
/* The index of s in names[0..n) (NULL entries never match), or -1. */
int values_parse_name(const char *s, const char *const *names, int n);

#endif
