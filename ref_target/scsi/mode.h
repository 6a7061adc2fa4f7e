/* mode: mode parameter pages and MODE SENSE/MODE SELECT (SPC-4 §7.5 and
 * the MODE SELECT/MODE SENSE commands; SBC-3 §6.4).
 *
 * Pages: read-write error recovery (01h), caching (08h), control (0Ah),
 * informational exceptions control (1Ch). Current, changeable, default and
 * saved values; current values start from the saved ones (loaded through
 * env->state_load) or the defaults. Pages are shared by every I_T nexus of
 * the LU; a change by one nexus gives the others MODE PARAMETERS CHANGED.
 * Owns struct mode_state (inside struct scsi_lu). What the pages control
 * is read through the accessors below by the rest of the SCSI layer.
 */
#ifndef RT_SCSI_MODE_H
#define RT_SCSI_MODE_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi.h"

/* Bytes of all our pages together (mode.c checks the sum). */
#define MODE_BYTES 56u

struct mode_state {
	uint8_t cur[MODE_BYTES];
	uint8_t saved[MODE_BYTES];
};

struct scsi_lu;

/* Current values from saved state (env->state_load) or defaults. */
void mode_init(struct scsi_lu *lu);

/* What the current pages say. */
bool mode_wce(const struct scsi_lu *lu);     /* caching page WCE (SBC-3 §6.4) */
bool mode_d_sense(const struct scsi_lu *lu); /* control page D_SENSE (SPC-4 §7.5) */
bool mode_swp(const struct scsi_lu *lu);     /* control page SWP: software write protect */

/* Command handlers (table in opcodes.c). */
int mode_sense_decode(struct scsi_cmd *cmd);
void mode_sense_exec(struct scsi_cmd *cmd);
int mode_select_decode(struct scsi_cmd *cmd);
void mode_select_exec(struct scsi_cmd *cmd);

#endif
