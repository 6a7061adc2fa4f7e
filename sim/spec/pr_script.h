/* pr_script: persistent-reservation actions a scenario scripts for any
 * host (issue 16, hazard class 2), as data: `pr` lines.
 *
 *   pr ACTION ini=I path=K at=TIME [after=J] [key=N] [sakey=N] [type=T] [aptpl=yes]
 *
 * Each action is one PERSISTENT RESERVE OUT (SPC-4 §6.16) or IN (§6.15)
 * sent on one I_T nexus (host I's path K, to that path's gateway), as
 * sg_persist does on one /dev/sdX: REGISTER, REGISTER AND IGNORE
 * EXISTING KEY, unregister (REGISTER with service action key 0), RESERVE,
 * RELEASE, PREEMPT, PREEMPT AND ABORT, CLEAR, READ KEYS, READ
 * RESERVATION. key= is the RESERVATION KEY field (the issuer's own key),
 * sakey= the SERVICE ACTION RESERVATION KEY (the new key; the key
 * preempted). at= is a time, or with after=J the delay after action J
 * (the J-th pr line, from 0) ended. The world plays them
 * (world/pr_hosts.c); oracle/pr_model.c judges the answers.
 * Owns nothing.
 */
#ifndef SIM_PR_SCRIPT_H
#define SIM_PR_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum prs_kind {
	PRS_REGISTER = 0,
	PRS_REGISTER_IGNORE,
	PRS_UNREGISTER,
	PRS_RESERVE,
	PRS_RELEASE,
	PRS_PREEMPT,
	PRS_PREEMPT_ABORT,
	PRS_CLEAR,
	PRS_READ_KEYS,
	PRS_READ_RESERVATION,
	PRS_KINDS
};

struct prs_action {
	enum prs_kind kind;
	int ini, path;
	uint64_t at_ns;   /* when (after < 0), or the delay after action `after` ended */
	int after;        /* -1: at is a time */
	uint64_t key;     /* RESERVATION KEY */
	uint64_t sakey;   /* SERVICE ACTION RESERVATION KEY */
	uint8_t type;     /* SPC-4 §5.13.1 type code (RESERVE, RELEASE, PREEMPT) */
	bool aptpl;       /* REGISTER: activate persist through power loss */
};

#define PRS_MAX 24u /* pr lines per scenario */

struct prs_list {
	struct prs_action a[PRS_MAX];
	unsigned n;
};

const char *prs_kind_name(enum prs_kind k);
/* Whether the action is a PERSISTENT RESERVE OUT (else IN). */
bool prs_is_out(enum prs_kind k);
/* SPC-4 type code by name (we, ea, we_ro, ea_ro, we_ar, ea_ar), -1 if none. */
int prs_type_parse(const char *s);
const char *prs_type_name(uint8_t t);
/* The same, none for a code that names no type. */
const char *prs_type_name_or(uint8_t t, const char *none);

/* Parse "ACTION key=value ..." (the words after `pr`); index is the
 * line's place in the list (after= must name an earlier one). Returns 0,
 * or -1 with why set. */
int prs_parse(char **toks, int n, unsigned index, struct prs_action *a, char *why, size_t why_len);
/* The words after `pr`; returns the length needed (cut to cap). */
size_t prs_format(const struct prs_action *a, char *buf, size_t cap);

#endif
