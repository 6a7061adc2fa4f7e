/* rx: the incremental PDU receiver (RFC 7143 §11.2: BHS, AHS, header
 * digest, data segment, padding, data digest).
 *
 * Bytes may arrive split at any boundary or many PDUs at once; the
 * receiver never allocates: the header lives in struct rx (bounded by
 * ISCSI_AHS_MAX_LEN), and the data segment goes wherever the owner's
 * header callback points (a task's buffer, a staging buffer) or is
 * discarded. Digests are verified on the fly with CRC32C. Owns nothing.
 *
 * The owner checks lengths against the negotiated limits in the header
 * callback, because the answer to a violation depends on the phase.
 */
#ifndef RT_RX_H
#define RT_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

enum rx_state {
	RX_BHS = 0,
	RX_AHS,
	RX_HDIGEST,
	RX_DATA,
	RX_PAD,
	RX_DDIGEST,
	RX_STOPPED, /* the owner said stop: nothing more is parsed */
};

enum rx_verdict {
	RX_GO = 0,   /* keep parsing */
	RX_STOP = 1, /* stop: the connection is being closed */
};

struct rx;

struct rx_ops {
	/* A whole header (BHS + AHS) arrived. hdr_digest_ok is false when the
	 * header digest is on and wrong: the length cannot be trusted, the
	 * owner must stop (RFC 7143 §7.8). Otherwise set *dst to room for
	 * rx->dsl bytes, or NULL to discard the data segment. */
	enum rx_verdict (*header)(void *owner, struct rx *rx, bool hdr_digest_ok, uint8_t **dst);
	/* The whole PDU arrived; data is at rx->dst (unless discarded).
	 * data_digest_ok is false when the data digest is on and wrong. */
	enum rx_verdict (*pdu)(void *owner, struct rx *rx, bool data_digest_ok);
};

struct rx {
	enum rx_state state;
	uint32_t got;   /* bytes of the current piece received so far */
	uint32_t ahs_len;
	uint32_t dsl;   /* DataSegmentLength of the current PDU */
	uint8_t *dst;   /* where the data segment goes; NULL: discard */
	uint32_t crc;   /* running CRC32C of the data segment and padding */
	bool header_digest;
	bool data_digest;
	const struct rx_ops *ops;
	void *owner;
	uint8_t digest[ISCSI_DIGEST_LEN];
	uint8_t hdr[ISCSI_BHS_LEN + ISCSI_AHS_MAX_LEN];
};

void rx_init(struct rx *rx, const struct rx_ops *ops, void *owner);

/* Parse n bytes. Returns the number consumed: all of them unless the owner
 * stopped the receiver. */
size_t rx_feed(struct rx *rx, const uint8_t *buf, size_t n);

/* Zero-copy: inside a data segment with a destination, the room left in it
 * (at *dst). 0 when the next bytes are not plain payload. */
size_t rx_direct_space(const struct rx *rx, uint8_t **dst);
/* n bytes were written straight into the room rx_direct_space offered. */
void rx_direct_commit(struct rx *rx, size_t n);

#endif
