/* rx: see rx.h. One state per piece of a PDU; each piece is collected,
 * then rx_piece_done() decides what comes next. */
#include "rx.h"

#include <assert.h>
#include <string.h>

#include "crc32c.h"
#include "pdu.h"

void rx_init(struct rx *rx, const struct rx_ops *ops, void *owner)
{
	memset(rx, 0, sizeof(*rx));
	rx->ops = ops;
	rx->owner = owner;
	rx->state = RX_BHS;
}

static void rx_enter(struct rx *rx, enum rx_state s)
{
	rx->state = s;
	rx->got = 0;
}

/* Length of the piece the current state collects. */
static uint32_t rx_piece_len(const struct rx *rx)
{
	switch (rx->state) {
	case RX_BHS: return ISCSI_BHS_LEN;
	case RX_AHS: return rx->ahs_len;
	case RX_HDIGEST: return ISCSI_DIGEST_LEN;
	case RX_DATA: return rx->dsl;
	case RX_PAD: return pdu_pad(rx->dsl);
	case RX_DDIGEST: return ISCSI_DIGEST_LEN;
	case RX_STOPPED: return 0;
	}
	return 0;
}

static enum rx_verdict rx_pdu_done(struct rx *rx)
{
	bool ok = true;
	if (rx->data_digest && rx->dsl > 0)
		ok = crc32c_final(rx->crc) == crc32c_get(rx->digest);
	enum rx_verdict v = rx->ops->pdu(rx->owner, rx, ok);
	rx_enter(rx, v == RX_STOP ? RX_STOPPED : RX_BHS);
	return v;
}

/* The header (and its digest, if any) is complete. */
static enum rx_verdict rx_header_done(struct rx *rx)
{
	bool ok = true;
	if (rx->header_digest)
		ok = crc32c(rx->hdr, ISCSI_BHS_LEN + rx->ahs_len) == crc32c_get(rx->digest);
	rx->dst = NULL;
	rx->crc = CRC32C_INIT;
	enum rx_verdict v = rx->ops->header(rx->owner, rx, ok, &rx->dst);
	if (v == RX_STOP) {
		rx_enter(rx, RX_STOPPED);
		return v;
	}
	if (rx->dsl == 0)
		return rx_pdu_done(rx);
	rx_enter(rx, RX_DATA);
	return RX_GO;
}

static enum rx_verdict rx_piece_done(struct rx *rx)
{
	switch (rx->state) {
	case RX_BHS:
		rx->ahs_len = pdu_ahs_len(rx->hdr);
		rx->dsl = pdu_dsl(rx->hdr);
		if (rx->ahs_len > 0) {
			rx_enter(rx, RX_AHS);
			return RX_GO;
		}
		__attribute__((fallthrough)); /* no AHS */
	case RX_AHS:
		if (rx->header_digest) {
			rx_enter(rx, RX_HDIGEST);
			return RX_GO;
		}
		return rx_header_done(rx);
	case RX_HDIGEST:
		return rx_header_done(rx);
	case RX_DATA:
		if (pdu_pad(rx->dsl) > 0) {
			rx_enter(rx, RX_PAD);
			return RX_GO;
		}
		__attribute__((fallthrough)); /* no padding */
	case RX_PAD:
		if (rx->data_digest) {
			rx_enter(rx, RX_DDIGEST);
			return RX_GO;
		}
		return rx_pdu_done(rx);
	case RX_DDIGEST:
		return rx_pdu_done(rx);
	case RX_STOPPED:
		break;
	}
	assert(!"rx_piece_done in a state without pieces");
	return RX_STOP;
}

/* Where the bytes of the current piece go. */
static uint8_t *rx_piece_dst(struct rx *rx)
{
	switch (rx->state) {
	case RX_BHS: return rx->hdr + rx->got;
	case RX_AHS: return rx->hdr + ISCSI_BHS_LEN + rx->got;
	case RX_HDIGEST:
	case RX_DDIGEST: return rx->digest + rx->got;
	case RX_DATA: return rx->dst ? rx->dst + rx->got : NULL;
	case RX_PAD:
	case RX_STOPPED: return NULL;
	}
	return NULL;
}

size_t rx_feed(struct rx *rx, const uint8_t *buf, size_t n)
{
	size_t used = 0;
	while (used < n && rx->state != RX_STOPPED) {
		uint32_t want = rx_piece_len(rx) - rx->got;
		uint32_t take = (uint32_t)(n - used < want ? n - used : want);
		uint8_t *dst = rx_piece_dst(rx);
		if (dst)
			memcpy(dst, buf + used, take);
		if (rx->data_digest && (rx->state == RX_DATA || rx->state == RX_PAD))
			rx->crc = crc32c_update(rx->crc, buf + used, take);
		rx->got += take;
		used += take;
		if (rx->got == rx_piece_len(rx) && rx_piece_done(rx) == RX_STOP)
			break;
	}
	return used;
}

size_t rx_direct_space(const struct rx *rx, uint8_t **dst)
{
	if (rx->state != RX_DATA || rx->dst == NULL)
		return 0;
	*dst = rx->dst + rx->got;
	return rx->dsl - rx->got;
}

void rx_direct_commit(struct rx *rx, size_t n)
{
	assert(rx->state == RX_DATA && rx->dst != NULL && n <= rx->dsl - rx->got);
	if (rx->data_digest)
		rx->crc = crc32c_update(rx->crc, rx->dst + rx->got, n);
	rx->got += (uint32_t)n;
	if (rx->got == rx->dsl)
		rx_piece_done(rx);
}
