/* ua: unit attention conditions per I_T nexus of one LU (SAM-5 §5.14).
 *
 * Each condition is reported once, highest precedence first (enum
 * scsi_cond order: power on and resets before the rest), and cleared when
 * reported (UA_INTLCK_CTRL 00b). The pending set lives in the LU's nexus
 * table (nexus.h); a nexus the table does not know is owed 29/00.
 */
#ifndef RT_SCSI_UA_H
#define RT_SCSI_UA_H

#include <stdbool.h>

#include "nexus.h"
#include "scsi.h"
#include "sense.h"

/* Report and clear the highest-precedence UA pending for this nexus;
 * SC_NO_SENSE if none. */
enum scsi_cond ua_take(struct nexus_table *t, const struct scsi_nexus *n);
/* Clear one pending condition without reporting it (REPORT LUNS clears
 * REPORTED LUNS DATA HAS CHANGED, SPC-4 §6.33). */
void ua_clear(struct nexus_table *t, const struct scsi_nexus *n, enum scsi_cond cond);
/* Establish cond for one nexus (e.g. I_T NEXUS LOSS for the lost one). */
void ua_establish(struct nexus_table *t, const struct scsi_nexus *n, enum scsi_cond cond);
/* Establish cond for one entry of the nexus table. */
void ua_establish_entry(struct nexus_entry *e, enum scsi_cond cond);
/* Establish cond for every known nexus except 'except' (NULL: all). */
void ua_establish_all(struct nexus_table *t, const struct scsi_nexus *except, enum scsi_cond cond);

#endif
