/* textreq: see textreq.h. RFC 7143 §11.10 (Text Request), §11.11 (Text
 * Response), §6.2 (negotiation answers), §13.3 (SendTargets), §13.12. */
#include "textreq.h"

#include <assert.h>
#include <string.h>

#include "discovery.h"
#include "param.h"

/* Text Request/Response flags (§11.10.1, §11.11.1). */
#define TEXT_FINAL ISCSI_FLAG_FINAL
#define TEXT_CONTINUE ISCSI_TEXT_CONTINUE

void textreq_init(struct textreq *t, const struct rt_env *env, const struct rt_config *cfg,
		  const struct login_result *res, struct iscsi_params *params)
{
	memset(t, 0, sizeof(*t));
	t->env = env;
	t->cfg = cfg;
	t->params = params;
	memcpy(t->initiator, res->initiator_name, sizeof(t->initiator));
	t->initiator[ISCSI_NAME_MAX] = '\0';
	t->who = (struct discovery_asker){t->initiator, res->discovery, res->target};
	t->ttt_next = 1;
	text_buf_init(&t->in, env, RT_TEXT_MAX);
	text_buf_init(&t->out, env, RT_TEXT_MAX);
}

void textreq_fini(struct textreq *t)
{
	text_buf_fini(&t->in);
	text_buf_fini(&t->out);
}

static void forget(struct textreq *t)
{
	t->state = TEXTREQ_IDLE;
	text_buf_reset(&t->in);
	text_buf_reset(&t->out);
	t->out_off = 0;
}

static enum textreq_verdict reject(struct textreq *t, uint8_t reason)
{
	forget(t);
	t->reject_reason = reason;
	return TEXTREQ_REJECT;
}

/* §11.11.4: a response with F=0 carries a tag other than 0xffffffff,
 * the same for the whole exchange. */
static uint32_t exchange_ttt(struct textreq *t)
{
	if (t->state == TEXTREQ_IDLE) {
		t->ttt = t->ttt_next++;
		if (t->ttt_next == ISCSI_TAG_RESERVED)
			t->ttt_next = 1;
	}
	return t->ttt;
}

static bool add_ok(enum text_err e)
{
	return e == TEXT_OK;
}

/* One key in full feature phase: SendTargets, a redeclared
 * MaxRecvDataSegmentLength, InitiatorAlias; every other key we know may
 * only be negotiated during login: Reject (§6.2); unknown: NotUnderstood. */
static bool answer_key(struct textreq *t, const struct text_pair *p)
{
	enum param_id id;
	const struct param_def *d = param_find(p, &id);
	if (d == NULL)
		return add_ok(text_buf_add_n(&t->out, p->key, p->key_len, "NotUnderstood"));
	switch (id) {
	case P_SEND_TARGETS:
		return discovery_send_targets(t->cfg, &t->who, p->value, p->value_len, &t->out) ==
		       DISCOVERY_OK;
	case P_MAX_RECV_DSL: {
		uint32_t v;
		if (!param_parse_mrdsl(p, &v))
			return add_ok(text_buf_add_n(&t->out, p->key, p->key_len, "Reject"));
		t->params->max_xmit_dsl = v; /* declarative: no answer */
		return true;
	}
	case P_INITIATOR_ALIAS:
		return true; /* declarative, informational */
	default:
		return add_ok(text_buf_add_n(&t->out, p->key, p->key_len, "Reject"));
	}
}

/* Answer a whole logical request; false if its text is malformed. */
static bool answer(struct textreq *t, const uint8_t *data, uint32_t len, uint8_t *reason)
{
	struct text_iter it;
	struct text_pair p;
	enum text_err e;
	text_iter_init(&it, data, len);
	while ((e = text_next(&it, &p)) == TEXT_OK) {
		if (!answer_key(t, &p)) {
			*reason = ISCSI_REJECT_OUT_OF_RESOURCES;
			return false;
		}
	}
	if (e == TEXT_END)
		return true;
	*reason = e == TEXT_ERR_TOO_MANY ? ISCSI_REJECT_OUT_OF_RESOURCES : ISCSI_REJECT_PROTOCOL_ERROR;
	return false;
}

/* The next piece of our answer, at most max_xmit_dsl bytes. */
static enum textreq_verdict send_chunk(struct textreq *t, struct pdu *resp)
{
	uint32_t max = t->params->max_xmit_dsl;
	assert(max > 0);
	uint32_t left = t->out.len - t->out_off;
	uint32_t n = left < max ? left : max;
	uint8_t flags = 0;
	uint32_t ttt = ISCSI_TAG_RESERVED;
	if (left > n) { /* §11.11.1: C=1 requires F=0 */
		flags = TEXT_CONTINUE;
		ttt = exchange_ttt(t);
		t->state = TEXTREQ_SENDING;
	} else if (!t->final) { /* F=1 would answer an F=0 request: a protocol error */
		ttt = exchange_ttt(t);
		t->state = TEXTREQ_OPEN;
	} else {
		flags = TEXT_FINAL;
		t->state = TEXTREQ_IDLE;
	}
	resp->bhs[PDU_FLAGS] = flags;
	pdu_set_w(resp->bhs, PDU_TEXT_TTT, ttt);
	resp->data = n ? t->out.p + t->out_off : NULL;
	resp->data_len = n;
	pdu_set_dsl(resp->bhs, n);
	t->out_off += n;
	return TEXTREQ_REPLY;
}

enum textreq_verdict textreq_rx(struct textreq *t, const struct pdu *req, struct pdu *resp)
{
	const uint8_t *h = req->bhs;
	uint8_t flags = pdu_flags(h);
	bool f = flags & TEXT_FINAL, c = flags & TEXT_CONTINUE;
	uint32_t itt = pdu_itt(h), ttt = pdu_w(h, PDU_TEXT_TTT);

	pdu_init(resp->bhs, ISCSI_OP_TEXT_RSP, 0);
	memcpy(resp->bhs + PDU_LUN, h + PDU_LUN, 8); /* §11.11.3: echoed with a TTT */
	pdu_set_w(resp->bhs, PDU_ITT, itt);
	resp->ahs = NULL;
	resp->ahs_len = 0;
	resp->data = NULL;
	resp->data_len = 0;

	/* §11.10.1: C=1 needs F=0; a C=1 request must carry text (an empty
	 * one would loop forever, the SPDK bug class) */
	if ((f && c) || (c && req->data_len == 0))
		return reject(t, ISCSI_REJECT_PROTOCOL_ERROR);
	if (ttt == ISCSI_TAG_RESERVED) {
		forget(t); /* §11.10.4: a new exchange; whatever was pending is dropped */
	} else if (t->state == TEXTREQ_IDLE || ttt != t->ttt || itt != t->itt) {
		return reject(t, ISCSI_REJECT_INVALID_PDU_FIELD);
	}
	t->itt = itt;

	if (t->state == TEXTREQ_SENDING) { /* empty requests fetch the rest */
		if (req->data_len != 0)
			return reject(t, ISCSI_REJECT_PROTOCOL_ERROR);
		return send_chunk(t, resp);
	}
	if (text_buf_append(&t->in, req->data, req->data_len) != TEXT_OK)
		return reject(t, ISCSI_REJECT_OUT_OF_RESOURCES);
	if (c) { /* §11.11: an empty answer asks for the rest of the text */
		pdu_set_w(resp->bhs, PDU_TEXT_TTT, exchange_ttt(t));
		t->state = TEXTREQ_RECEIVING;
		return TEXTREQ_REPLY;
	}
	text_buf_reset(&t->out);
	t->out_off = 0;
	t->final = f;
	uint8_t reason;
	if (!answer(t, t->in.p, t->in.len, &reason))
		return reject(t, reason);
	text_buf_reset(&t->in);
	return send_chunk(t, resp);
}
