/* host/cap_iscsi: the iSCSI side of `isim oracle`: the two byte streams of
 * each connection (host/cap_tcp) fed to the simulator's protocol oracle
 * (sim/oracle/protocol.c, the same code, with keep_going), every rule
 * broken printed with the frame that carried the PDU, the PDU and the
 * rule's RFC 7143 section.
 *
 * Where a stream cannot be framed from its start (a capture that joined
 * after the login, bytes the capture lost, framing lost on a bad header
 * digest) it looks for the next plausible BHS: an opcode valid for the
 * direction, reserved bits and fixed F bits as §11 sets them, AHS only on
 * a SCSI Command and short, a DataSegmentLength within a bound, and the
 * PDU after it plausible too (or, with header digests, the CRC32C right).
 * Digests come from the login seen; without one, from --digests, else
 * header digests are recognised by their CRC32C and data digests by where
 * the next BHS falls, and the note says which was assumed.
 * Owns the per-connection state (malloc) and prints to its FILE.
 */
#ifndef SIM_HOST_CAP_ISCSI_H
#define SIM_HOST_CAP_ISCSI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/host/cap_tcp.h"
#include "sim/oracle/protocol.h"

#define CAP_SCAN_BYTES_MAX (256u << 10)   /* bytes held per direction while looking for a BHS */
#define CAP_RESYNC_DSL_MAX (1u << 20)     /* DataSegmentLength a resynchronizing BHS may claim */
#define CAP_RESYNC_AHS_WORDS_MAX 16u      /* TotalAHSLength (4-byte words) it may claim */
#define CAP_ASSUMED_MRDSL (1u << 20)      /* MaxRecvDataSegmentLength assumed when the login was not seen */
#define CAP_FRAME_MAP_MAX 1024u           /* (stream offset, frame) pairs kept per direction */

enum cap_digests {
	CAP_DIGESTS_AUTO = 0, /* from the login; without one, recognised */
	CAP_DIGESTS_GIVEN,    /* --digests: for connections whose login was not seen */
};

struct cap_run {
	FILE *out;
	bool quiet;              /* no notes, violations and the summary only */
	enum cap_digests digests;
	bool header_digest, data_digest; /* CAP_DIGESTS_GIVEN */
	uint64_t pdus, conns, violations, notes;
};

/* The cap_tcp callbacks that run the oracle; ctx is a struct cap_run. */
extern const struct cap_tcp_ops cap_iscsi_ops;

/* "Data-In ITT 0x12 DataSN 3 BufferOffset 8192 DSL 8192": the opcode's
 * name and its key fields. */
void cap_pdu_describe(char *buf, size_t size, const uint8_t *bhs);

#endif
