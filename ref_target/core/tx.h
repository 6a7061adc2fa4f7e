/* tx: sending PDUs on one connection (RFC 7143 §11.2: BHS, header digest,
 * data segment, padding, data digest).
 *
 * PDUs are gathered into one batch of iovecs (header and trailer bytes in
 * struct tx, payload by reference, never copied) and handed to
 * env->conn_send in one call by tx_flush. Payload must stay valid until
 * tx_flush returns, so every sender flushes before it frees what it sent
 * (the environment copies whatever the socket cannot take at once).
 * Owns the header storage only.
 */
#ifndef RT_TX_H
#define RT_TX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "limits.h"
#include "rt_env.h"

/* PDUs gathered before an automatic flush. */
#define TX_BATCH_MAX 64u

struct tx {
	const struct rt_env *env;
	rt_conn_id conn;
	bool header_digest;
	bool data_digest;
	bool dead;        /* conn_send failed: the connection is gone */
	uint64_t unsent;  /* what the environment held unsent after the last conn_send */
	unsigned npdus;   /* PDUs in the current batch */
	int iovcnt;
	uint64_t pdus;    /* sent since creation */
	uint64_t bytes;
	struct iovec iov[TX_BATCH_MAX * 3];
	uint8_t head[TX_BATCH_MAX][ISCSI_BHS_LEN + ISCSI_DIGEST_LEN];
	uint8_t tail[TX_BATCH_MAX][ISCSI_PAD - 1 + ISCSI_DIGEST_LEN];
};

void tx_init(struct tx *tx, const struct rt_env *env, rt_conn_id conn);

/* Queue one PDU: bhs (its DataSegmentLength is set here from len) and len
 * bytes of data. Returns 0, or -1 once the connection is dead. */
int tx_add(struct tx *tx, const uint8_t *bhs, const void *data, uint32_t len);

/* Hand the batch to the environment (tx->unsent then says what it holds
 * unsent). Returns 0 or -1 (connection dead). */
int tx_flush(struct tx *tx);

#endif
