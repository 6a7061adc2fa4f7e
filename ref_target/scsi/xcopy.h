/* xcopy: EXTENDED COPY (LID1) with block-to-block segments and RECEIVE COPY
 * RESULTS (COPY STATUS, OPERATING PARAMETERS) (SPC-4 §6.4, and RECEIVE
 * COPY RESULTS).
 *
 * The copy manager reaches only logical units the issuing I_T nexus can
 * itself access (the lesson of CVE-2020-28374): a target descriptor's
 * designator is looked up in the nexus's own LUN inventory, never among all
 * LUs. The SCSI layer sees one LU per command, so today that is the LU the
 * command was sent to (copies within an LU, as VMware's clone and libiscsi
 * use); other designators are COPY TARGET DEVICE NOT REACHABLE.
 * The results of the last XCOPY_HELD_MAX copies with a list identifier are
 * held for RECEIVE COPY RESULTS, per nexus and list identifier.
 * Owns struct xcopy_held (inside struct scsi_lu).
 */
#ifndef RT_SCSI_XCOPY_H
#define RT_SCSI_XCOPY_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

/* Ours: what one EXTENDED COPY may carry (OPERATING PARAMETERS). */
#define XCOPY_TARGETS_MAX 8u
#define XCOPY_SEGMENTS_MAX 32u
#define XCOPY_TARGET_DESC_LEN 32u  /* identification descriptor, E4h */
#define XCOPY_SEGMENT_DESC_LEN 28u /* block to block, 02h */
#define XCOPY_DESC_LIST_MAX (XCOPY_TARGETS_MAX * XCOPY_TARGET_DESC_LEN + XCOPY_SEGMENTS_MAX * XCOPY_SEGMENT_DESC_LEN)
/* Ours: copy results held per LU. */
#define XCOPY_HELD_MAX 16u

struct xcopy_result {
	bool used;
	bool running;
	uint8_t list_id;
	uint8_t status;     /* COPY MANAGER STATUS */
	uint16_t rel_port;
	uint16_t segments;  /* SEGMENTS PROCESSED */
	uint64_t bytes;
	uint64_t seq;       /* age: the oldest is replaced */
	char port[sizeof(((struct scsi_nexus *)0)->initiator_port)];
};

struct xcopy_held {
	struct xcopy_result r[XCOPY_HELD_MAX];
	uint64_t seq;
};

#endif
