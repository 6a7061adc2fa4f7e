/* initiator/pdu: PDU framing for the simulator's side of the wire: the initiator
 * and the passive protocol checker (RFC 7143 §11.2).
 *
 * The receiver is incremental: feed it any number of bytes split at any
 * boundary, it says when one whole PDU (BHS, AHS, header digest, data
 * segment, padding, data digest) is ready, and checks digests with the
 * simulator's own CRC32C. It refuses a data segment longer than the
 * capacity its owner gave it (the MaxRecvDataSegmentLength the owner
 * declared, RFC 7143 §13.12). Field offsets come from the shared pdu.h.
 * The receiver owns its data buffer (allocated through sim_mem).
 */
#ifndef SIM_IPDU_H
#define SIM_IPDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "core/pdu.h"
#include "sim/base/mem.h"

enum ipdu_rx_state {
	IPDU_BHS = 0,
	IPDU_AHS,
	IPDU_HDIGEST,
	IPDU_DATA,
	IPDU_DDIGEST,
	IPDU_DONE,   /* a PDU is ready; the next feed starts a new one */
	IPDU_BROKEN, /* framing lost: nothing more can be parsed */
	IPDU_DISCARD, /* skipping what a header with a bad digest announced (resync) */
};

enum ipdu_rx_result {
	IPDU_MORE = 0,      /* need more bytes */
	IPDU_READY,         /* one PDU ready in rx->bhs / ahs / data */
	IPDU_BAD_HDIGEST,   /* header digest wrong: framing lost (§7.8), or with resync the
			     * PDU is being skipped and the next header is where its length says */
	IPDU_BAD_DDIGEST,   /* PDU complete but its data digest is wrong */
	IPDU_TOO_LONG,      /* DataSegmentLength above our capacity: framing lost */
};

struct ipdu_rx {
	enum ipdu_rx_state state;
	uint32_t got;
	bool header_digest;
	bool data_digest;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t ahs[ISCSI_AHS_MAX_LEN];
	uint32_t ahs_len;
	uint32_t dsl;      /* DataSegmentLength of the current PDU */
	uint32_t padded;   /* dsl rounded up to 4 */
	uint8_t *data;     /* padded bytes; the owner reads dsl of them */
	uint32_t data_cap;
	uint8_t digest[ISCSI_DIGEST_LEN];
	bool resync;       /* after a bad header digest, skip the length it announces (ERL >= 1, §7.8) */
	uint32_t discard_left; /* bytes still to skip (IPDU_DISCARD) */
	bool skip_bulk;    /* do not keep Data-In/Data-Out payloads (digests still checked) */
	bool skipping;     /* the current data segment is not kept */
	uint32_t crc;      /* running digest of a skipped segment */
	const struct sim_mem *mem;
};

void ipdu_rx_init(struct ipdu_rx *rx, const struct sim_mem *mem, uint32_t data_cap);
void ipdu_rx_fini(struct ipdu_rx *rx);
/* Change the capacity (after login negotiated MaxRecvDataSegmentLength). */
void ipdu_rx_set_cap(struct ipdu_rx *rx, uint32_t data_cap);

/* Consume bytes until one PDU is complete or p runs out; *used tells how
 * many were taken. Call again with the rest after IPDU_READY. */
enum ipdu_rx_result ipdu_rx_feed(struct ipdu_rx *rx, const uint8_t *p, size_t len, size_t *used);

/* One PDU to send: BHS, optional header digest, data, padding, optional
 * data digest, laid out as iovecs pointing into the struct and data. */
struct ipdu_tx {
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t hdigest[ISCSI_DIGEST_LEN];
	uint8_t tail[ISCSI_PAD - 1 + ISCSI_DIGEST_LEN]; /* padding + data digest */
	struct iovec iov[4];
	int iovcnt;
};

/* Finish a PDU whose BHS is filled (except DSL): sets DSL, computes the
 * digests asked for, fills iov. data must stay valid until sent. */
void ipdu_tx_seal(struct ipdu_tx *tx, const uint8_t *data, uint32_t len, bool header_digest,
	bool data_digest);

/* Bytes the sealed PDU occupies on the wire. */
size_t ipdu_tx_size(const struct ipdu_tx *tx);

#endif
