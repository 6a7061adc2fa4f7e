/* ua: unit attention conditions, kept per I_T nexus for one LU
 * (SAM-5 §5.14, SPC-4 §6.29 REQUEST SENSE).
 *
 * A nexus is named by its initiator port (iSCSI TransportID form) and the
 * relative target port it came through. The table is bounded: when it is
 * full the least recently seen nexus is forgotten, and a nexus the table
 * does not know is owed POWER ON, RESET, OR BUS DEVICE RESET OCCURRED
 * (29/00) -- so forgetting only ever costs an extra, harmless UA, never a
 * lost one. Each condition is reported once, highest precedence first
 * (enum scsi_cond order), and cleared when reported (UA_INTLCK_CTRL 00b).
 * Owns its table, allocated inside struct scsi_lu.
 */
#ifndef RT_SCSI_UA_H
#define RT_SCSI_UA_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"
#include "sense.h"

/* Ours: I_T nexuses remembered per LU. */
#define UA_NEXUS_MAX 64u

struct ua_entry {
	char port[sizeof(((struct scsi_nexus *)0)->initiator_port)];
	uint16_t rel_port;
	bool used;
	uint32_t pending; /* bit (cond - SC_UA_POWER_ON_RESET) per pending UA */
	uint64_t seen;    /* LRU stamp */
};

struct ua_table {
	struct ua_entry e[UA_NEXUS_MAX];
	uint64_t clock;
};

/* Report and clear the highest-precedence UA pending for this nexus;
 * SC_NO_SENSE if none. A nexus seen for the first time is owed 29/00. */
enum scsi_cond ua_take(struct ua_table *t, const struct scsi_nexus *n);
/* Clear one pending condition for a nexus without reporting it (REPORT
 * LUNS clears REPORTED LUNS DATA HAS CHANGED, SPC-4 §6.33). */
void ua_clear(struct ua_table *t, const struct scsi_nexus *n, enum scsi_cond cond);
/* Establish cond for one nexus (e.g. I_T NEXUS LOSS for the lost one). */
void ua_establish(struct ua_table *t, const struct scsi_nexus *n, enum scsi_cond cond);
/* Establish cond for every known nexus except 'except' (NULL: all). Nexuses
 * not yet seen get 29/00 on first contact, which covers any condition. */
void ua_establish_all(struct ua_table *t, const struct scsi_nexus *except, enum scsi_cond cond);
/* True if a UA is pending for the nexus (without reporting it). */
bool ua_pending(const struct ua_table *t, const struct scsi_nexus *n);

#endif
