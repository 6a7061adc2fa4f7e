/* scenario_int: what scenario.c (the parser and formatter) and
 * scenario_keys.c (the table of settings and their values) share. Not for
 * other modules: they use scenario.h. */
#ifndef SIM_SPEC_SCENARIO_INT_H
#define SIM_SPEC_SCENARIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/spec/scenario.h"

#define SKEY_MAX 256u /* settings the table may hold (the parser keeps a line per key) */

enum vtype {
	V_INT,    /* int */
	V_U32,
	V_U64,
	V_TIME,   /* uint64_t ns; written with a unit */
	V_PPM,    /* uint32_t parts per million; written as a percentage */
	V_BOOL,
	V_ENUM,   /* an enum, by the names in key.names */
	V_NO_PATH_RETRY,
	V_ALGS,   /* char[16] */
	V_INI_OPT, /* int: an initiator, or "none" (-1) */
	V_PR_TYPE, /* uint32_t SPC-4 reservation type, by name */
	V_TIME_OFF, /* uint64_t ns, 0 written "off" */
};

struct key {
	const char *section;
	const char *name;
	enum vtype type;
	size_t off;
	const char *const *names; /* V_ENUM: value i is names[i] */
	int nnames;
};

extern const struct key skey_table[];
extern const size_t skey_count;
extern const char *const skey_sections[];
extern const size_t skey_nsections;

/* Where key k lives: in the world's settings, or (ini >= 0, a workload
 * key) in host ini's own workload (workload ini=I ...). */
uint8_t *skey_field(struct sim_params *p, const struct key *k, int ini);
/* Set the value at f from text v; false when v is not one of k's. */
bool skey_set(uint8_t *f, const struct key *k, const char *v);
/* The value at f as the scenario language writes it. */
void skey_fmt(const uint8_t *f, const struct key *k, char *out, size_t cap);
/* The key section.name, or NULL. */
const struct key *skey_find(const char *section, const char *name);

#endif
