/* tx: see tx.h. */
#include "tx.h"

#include <string.h>

#include "crc32c.h"
#include "pdu.h"

void tx_init(struct tx *tx, const struct rt_env *env, rt_conn_id conn)
{
	memset(tx, 0, sizeof(*tx));
	tx->env = env;
	tx->conn = conn;
}

int tx_flush(struct tx *tx)
{
	if (tx->iovcnt > 0 && !tx->dead) {
		long unsent = tx->env->conn_send(tx->env->ctx, tx->conn, tx->iov, tx->iovcnt);
		if (unsent < 0)
			tx->dead = true;
		else
			tx->unsent = (uint64_t)unsent;
	}
	tx->npdus = 0;
	tx->iovcnt = 0;
	return tx->dead ? -1 : 0;
}

static void tx_iov(struct tx *tx, const void *p, size_t len)
{
	/* Casting away const: struct iovec has no const member, and conn_send
	 * only reads. */
	tx->iov[tx->iovcnt].iov_base = (void *)(uintptr_t)p;
	tx->iov[tx->iovcnt].iov_len = len;
	tx->iovcnt++;
	tx->bytes += len;
}

int tx_add(struct tx *tx, const uint8_t *bhs, const void *data, uint32_t len)
{
	if (tx->dead)
		return -1;
	if (tx->npdus == TX_BATCH_MAX && tx_flush(tx) != 0)
		return -1;
	uint8_t *head = tx->head[tx->npdus];
	uint8_t *tail = tx->tail[tx->npdus];
	tx->npdus++;
	tx->pdus++;

	memcpy(head, bhs, ISCSI_BHS_LEN);
	pdu_set_dsl(head, len);
	uint32_t head_len = ISCSI_BHS_LEN;
	if (tx->header_digest) {
		/* Targets never send AHS (RFC 7143 §11.2.1.5 lists none for them). */
		crc32c_put(head + ISCSI_BHS_LEN, crc32c(head, ISCSI_BHS_LEN));
		head_len += ISCSI_DIGEST_LEN;
	}
	tx_iov(tx, head, head_len);
	if (len == 0)
		return 0;

	tx_iov(tx, data, len);
	uint32_t pad = pdu_pad(len);
	memset(tail, 0, pad); /* §11.2.1.4: padding bytes are zero */
	uint32_t tail_len = pad;
	if (tx->data_digest) {
		uint32_t crc = crc32c_update(CRC32C_INIT, data, len);
		crc = crc32c_update(crc, tail, pad);
		crc32c_put(tail + pad, crc32c_final(crc));
		tail_len += ISCSI_DIGEST_LEN;
	}
	if (tail_len > 0)
		tx_iov(tx, tail, tail_len);
	return 0;
}
