/* tid: iSCSI TransportIDs (SPC-4 §7.6.4.6), the way persistent
 * reservations name initiator ports in parameter data: parse (SPEC_I_PT,
 * REGISTER AND MOVE) and build (READ FULL STATUS).
 *
 * The text form is the one struct scsi_nexus uses for initiator_port:
 * "<iSCSI name>,i,0x<ISID>" for an initiator port (format 01b), the bare
 * name for every port of an initiator device (format 00b). Owns nothing.
 */
#ifndef RT_SCSI_TID_H
#define RT_SCSI_TID_H

#include <stddef.h>
#include <stdint.h>

#include "../core/limits.h"

/* Separator between the iSCSI name and the ISID in an initiator port. */
#define TID_PORT_SEP ",i,0x"
/* Longest TransportID we build: header and a padded port name. */
#define TID_MAX_LEN (4u + ISCSI_NAME_MAX + 24u + 4u)

/* Parse the TransportID at p (avail bytes): its port text into port
 * (port_len bytes). Returns the TransportID's length, 0 if malformed. */
uint32_t tid_parse(const uint8_t *p, uint32_t avail, char *port, size_t port_len);
/* Build the TransportID of a port text into out (TID_MAX_LEN bytes);
 * returns its length (a multiple of 4, at least 24). */
uint32_t tid_build(const char *port, uint8_t *out);

#endif
