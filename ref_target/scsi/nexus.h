/* nexus: the I_T nexuses one LU has seen, and the state the standards keep
 * per nexus: pending unit attentions (ua.c, SAM-5 §5.14) and medium
 * removal prevention (medium.c, SBC-3 PREVENT ALLOW MEDIUM REMOVAL).
 *
 * A nexus is named by its initiator port (iSCSI TransportID form) and the
 * relative target port it came through. The table is bounded: when it is
 * full the least recently seen nexus that does not prevent medium removal
 * is forgotten. A nexus the table does not know is owed POWER ON, RESET,
 * OR BUS DEVICE RESET OCCURRED, so forgetting costs at most an extra,
 * harmless unit attention, never a lost one.
 * Owns its table, inside struct scsi_lu.
 */
#ifndef RT_SCSI_NEXUS_H
#define RT_SCSI_NEXUS_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

/* Ours: I_T nexuses remembered per LU. */
#define NEXUS_MAX 64u
/* The unit attentions a nexus new to the LU is owed: ua.c's bit for
 * POWER ON, RESET, OR BUS DEVICE RESET OCCURRED. */
#define NEXUS_UA_FRESH 0x1u

struct nexus_entry {
	char port[sizeof(((struct scsi_nexus *)0)->initiator_port)];
	uint16_t rel_port;
	bool used;
	bool prevent;     /* PREVENT ALLOW MEDIUM REMOVAL: removal prevented */
	uint32_t ua;      /* pending unit attentions, ua.c's bits */
	uint64_t seen;    /* LRU stamp */
};

struct nexus_table {
	struct nexus_entry e[NEXUS_MAX];
	uint64_t clock;
};

bool nexus_is(const struct nexus_entry *e, const struct scsi_nexus *n);
/* The entry of n, or NULL if the table does not know it. */
struct nexus_entry *nexus_find(struct nexus_table *t, const struct scsi_nexus *n);
/* The entry of n, created if new (owed NEXUS_UA_FRESH); marks it seen. */
struct nexus_entry *nexus_get(struct nexus_table *t, const struct scsi_nexus *n);

#endif
