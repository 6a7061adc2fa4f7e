/* initiator/pdu: see initiator/pdu.h. */
#include "sim/initiator/pdu.h"

#include "sim/initiator/crc32c.h"

static uint32_t round4(uint32_t n) { return (n + 3u) & ~3u; }

void ipdu_rx_init(struct ipdu_rx *rx, const struct sim_mem *mem, uint32_t data_cap)
{
	memset(rx, 0, sizeof(*rx));
	rx->mem = mem;
	ipdu_rx_set_cap(rx, data_cap);
}

void ipdu_rx_fini(struct ipdu_rx *rx)
{
	sim_free(rx->mem, rx->data, round4(rx->data_cap));
	rx->data = NULL;
	rx->data_cap = 0;
}

void ipdu_rx_set_cap(struct ipdu_rx *rx, uint32_t data_cap)
{
	if (data_cap == rx->data_cap && rx->data != NULL)
		return;
	/* Only between PDUs: the buffer may hold the current one otherwise. */
	assert(rx->state == IPDU_BHS || rx->state == IPDU_DONE);
	sim_free(rx->mem, rx->data, round4(rx->data_cap));
	rx->data_cap = data_cap;
	rx->data = sim_alloc(rx->mem, round4(data_cap));
}

/* Copy into dst until it holds want bytes; true when complete. */
static bool fill(uint8_t *dst, uint32_t want, uint32_t *got, const uint8_t **p, size_t *len)
{
	size_t n = want - *got;
	if (n > *len)
		n = *len;
	memcpy(dst + *got, *p, n);
	*got += (uint32_t)n;
	*p += n;
	*len -= n;
	return *got == want;
}

static enum ipdu_rx_result after_header(struct ipdu_rx *rx)
{
	rx->dsl = pdu_dsl(rx->bhs);
	rx->padded = round4(rx->dsl);
	if (rx->dsl > rx->data_cap) {
		rx->state = IPDU_BROKEN;
		return IPDU_TOO_LONG;
	}
	rx->got = 0;
	uint8_t op = pdu_opcode(rx->bhs);
	rx->skipping = rx->skip_bulk && (op == ISCSI_OP_DATA_IN || op == ISCSI_OP_DATA_OUT);
	rx->crc = SIM_CRC32C_INIT;
	rx->state = rx->dsl > 0 ? IPDU_DATA : IPDU_DONE;
	return rx->state == IPDU_DONE ? IPDU_READY : IPDU_MORE;
}

/* A segment nobody reads: only its digest is kept up to date. */
static bool skip(struct ipdu_rx *rx, const uint8_t **p, size_t *len)
{
	size_t n = rx->padded - rx->got;
	if (n > *len)
		n = *len;
	if (rx->data_digest)
		rx->crc = sim_crc32c_update(rx->crc, *p, n);
	rx->got += (uint32_t)n;
	*p += n;
	*len -= n;
	return rx->got == rx->padded;
}

static enum ipdu_rx_result check_hdigest(struct ipdu_rx *rx)
{
	uint32_t crc = sim_crc32c_update(SIM_CRC32C_INIT, rx->bhs, ISCSI_BHS_LEN);
	crc = sim_crc32c_final(sim_crc32c_update(crc, rx->ahs, rx->ahs_len));
	if (crc != sim_digest_get(rx->digest)) {
		uint32_t dsl = pdu_dsl(rx->bhs);
		if (!rx->resync || dsl > rx->data_cap) {
			rx->state = IPDU_BROKEN;
			return IPDU_BAD_HDIGEST;
		}
		/* §7.8: discard up to "the beginning of a later PDU"; where that
		 * is, only the damaged length says: the owner judges the next
		 * header (its digest must pass). */
		rx->discard_left = round4(dsl) + (dsl > 0 && rx->data_digest ? ISCSI_DIGEST_LEN : 0);
		rx->got = 0;
		rx->state = rx->discard_left > 0 ? IPDU_DISCARD : IPDU_BHS;
		return IPDU_BAD_HDIGEST;
	}
	return after_header(rx);
}

static enum ipdu_rx_result end_of_header(struct ipdu_rx *rx)
{
	rx->got = 0;
	if (rx->header_digest) {
		rx->state = IPDU_HDIGEST;
		return IPDU_MORE;
	}
	return after_header(rx);
}

enum ipdu_rx_result ipdu_rx_feed(struct ipdu_rx *rx, const uint8_t *p, size_t len, size_t *used)
{
	const size_t len0 = len;
	enum ipdu_rx_result res = IPDU_MORE;
	if (rx->state == IPDU_DONE) {
		rx->state = IPDU_BHS;
		rx->got = 0;
	}
	while (res == IPDU_MORE && len > 0 && rx->state != IPDU_BROKEN) {
		switch (rx->state) {
		case IPDU_BHS:
			if (!fill(rx->bhs, ISCSI_BHS_LEN, &rx->got, &p, &len))
				break;
			rx->ahs_len = pdu_ahs_len(rx->bhs);
			rx->got = 0;
			if (rx->ahs_len > 0)
				rx->state = IPDU_AHS;
			else
				res = end_of_header(rx);
			break;
		case IPDU_AHS:
			if (fill(rx->ahs, rx->ahs_len, &rx->got, &p, &len))
				res = end_of_header(rx);
			break;
		case IPDU_HDIGEST:
			if (fill(rx->digest, ISCSI_DIGEST_LEN, &rx->got, &p, &len))
				res = check_hdigest(rx);
			break;
		case IPDU_DATA:
			if (rx->skipping ? !skip(rx, &p, &len) : !fill(rx->data, rx->padded, &rx->got, &p, &len))
				break;
			rx->got = 0;
			if (rx->data_digest) {
				rx->state = IPDU_DDIGEST;
			} else {
				rx->state = IPDU_DONE;
				res = IPDU_READY;
			}
			break;
		case IPDU_DDIGEST:
			if (!fill(rx->digest, ISCSI_DIGEST_LEN, &rx->got, &p, &len))
				break;
			rx->state = IPDU_DONE;
			/* The digest covers data and padding (§11.2.3). */
			uint32_t crc = rx->skipping ? sim_crc32c_final(rx->crc) : sim_crc32c(rx->data, rx->padded);
			res = crc == sim_digest_get(rx->digest) ? IPDU_READY : IPDU_BAD_DDIGEST;
			break;
		case IPDU_DISCARD: {
			size_t n = rx->discard_left < len ? rx->discard_left : len;
			rx->discard_left -= (uint32_t)n;
			p += n;
			len -= n;
			if (rx->discard_left == 0) {
				rx->state = IPDU_BHS;
				rx->got = 0;
			}
			break;
		}
		case IPDU_DONE:
		case IPDU_BROKEN:
			assert(0 && "unreachable: loop guards these states");
			break;
		}
	}
	*used = len0 - len;
	return res;
}

void ipdu_tx_seal(struct ipdu_tx *tx, const uint8_t *data, uint32_t len, bool header_digest,
	bool data_digest)
{
	pdu_set_dsl(tx->bhs, len);
	int n = 0;
	tx->iov[n++] = (struct iovec){ tx->bhs, ISCSI_BHS_LEN };
	if (header_digest) {
		sim_digest_put(tx->hdigest, sim_crc32c(tx->bhs, ISCSI_BHS_LEN));
		tx->iov[n++] = (struct iovec){ tx->hdigest, ISCSI_DIGEST_LEN };
	}
	if (len > 0) {
		uint32_t pad = pdu_pad(len);
		memset(tx->tail, 0, pad);
		size_t tail = pad;
		tx->iov[n++] = (struct iovec){ (void *)(uintptr_t)data, len };
		if (data_digest) {
			uint32_t crc = sim_crc32c_update(SIM_CRC32C_INIT, data, len);
			crc = sim_crc32c_final(sim_crc32c_update(crc, tx->tail, pad));
			sim_digest_put(tx->tail + pad, crc);
			tail += ISCSI_DIGEST_LEN;
		}
		if (tail > 0)
			tx->iov[n++] = (struct iovec){ tx->tail, tail };
	}
	tx->iovcnt = n;
}

size_t ipdu_tx_size(const struct ipdu_tx *tx)
{
	size_t n = 0;
	for (int i = 0; i < tx->iovcnt; i++)
		n += tx->iov[i].iov_len;
	return n;
}
