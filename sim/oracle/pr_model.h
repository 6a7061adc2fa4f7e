/* oracle/pr_model: what one device server's persistent reservations must
 * be, from the PERSISTENT RESERVE OUT commands it acknowledged (SPC-4
 * §5.13, the model of issue 16's hazard class 2), written from the
 * standard and not from the engine (ref_target/scsi/pr.c):
 * registrations per I_T nexus with their keys, the reservation (type,
 * holder; every registrant holds an all-registrants one), PRgeneration,
 * APTPL. It predicts each PERSISTENT RESERVE OUT's answer (GOOD,
 * RESERVATION CONFLICT, or CHECK CONDITION ILLEGAL REQUEST), checks
 * PERSISTENT RESERVE IN's READ KEYS and READ RESERVATION data, and says
 * which I_T nexus a reservation excludes from reading or writing
 * (SPC-4 §5.13.1, SBC-3 table 13). A nexus is a small number the
 * caller assigns (world/pr_hosts.c: host and path). Owns nothing.
 */
#ifndef SIM_ORACLE_PR_MODEL_H
#define SIM_ORACLE_PR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPRM_NEXUS_MAX 128 /* I_T nexuses one model tracks (SIM_INIS_MAX x SIM_PATHS_MAX, two ISIDs each) */
#define OPRM_PARAM_LEN 24u /* the basic PERSISTENT RESERVE OUT parameter list (SPC-4 §6.16.3) */

/* PERSISTENT RESERVE OUT service actions (SPC-4 §6.16.2). */
enum {
	OPRM_REGISTER = 0,
	OPRM_RESERVE = 1,
	OPRM_RELEASE = 2,
	OPRM_CLEAR = 3,
	OPRM_PREEMPT = 4,
	OPRM_PREEMPT_AND_ABORT = 5,
	OPRM_REGISTER_AND_IGNORE = 6,
};
/* PERSISTENT RESERVE IN service actions (SPC-4 §6.15.1). */
enum { OPRM_READ_KEYS = 0, OPRM_READ_RESERVATION = 1 };

enum oprm_outcome {
	OPRM_GOOD = 0,
	OPRM_CONFLICT,  /* RESERVATION CONFLICT */
	OPRM_ILLEGAL,   /* CHECK CONDITION, ILLEGAL REQUEST (e.g. INVALID RELEASE OF PERSISTENT RESERVATION) */
};

struct oprm_state {
	uint32_t generation;
	bool aptpl;
	bool reserved;
	uint8_t type;               /* SPC-4 §5.13.1 type code */
	int holder;                 /* the holding nexus; -1 for an all-registrants type */
	bool reg[OPRM_NEXUS_MAX];
	uint64_t key[OPRM_NEXUS_MAX];
};

const char *oprm_outcome_name(enum oprm_outcome o);
/* A PERSISTENT RESERVE OUT with service action sa and type from nexus n,
 * param its basic parameter list: the answer it must get, and on GOOD
 * the state after it in s. Service actions the model does not know
 * (REGISTER AND MOVE) answer OPRM_ILLEGAL and change nothing. */
enum oprm_outcome oprm_out(struct oprm_state *s, int n, uint8_t sa, uint8_t type, const uint8_t *param);
/* Whether the reservation excludes nexus n from reading (write false)
 * or writing the medium. */
bool oprm_excluded(const struct oprm_state *s, int n, bool write);
/* Whether a reservation of SPC-4 §5.13.1 type code t keeps nexuses that
 * do not hold it (or, for the registrants types, are not registered)
 * from reading: the exclusive-access types. */
bool oprm_type_excludes_reads(uint8_t t);
/* Whether PERSISTENT RESERVE IN data (sa READ KEYS or READ RESERVATION,
 * len bytes received) agrees with s; if not, why says how. Other service
 * actions are not judged (true). */
bool oprm_check_in(const struct oprm_state *s, uint8_t sa, const uint8_t *data, uint32_t len, char *why,
	size_t why_len);
bool oprm_equal(const struct oprm_state *a, const struct oprm_state *b);

#endif
