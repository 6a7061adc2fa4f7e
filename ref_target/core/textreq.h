/* textreq: Text Requests in the full feature phase, target side (RFC 7143
 * §11.10, §11.11, §6.2): requests continued with the C bit, answers longer
 * than the initiator's MaxRecvDataSegmentLength split with C=1 and fetched
 * with empty requests echoing our Target Transfer Tag, SendTargets (core/
 * discovery), MaxRecvDataSegmentLength redeclared, Reject for keys that only
 * the login may carry, NotUnderstood for the rest.
 *
 * struct textreq is complete here so the connection can embed it; it owns
 * two text buffers allocated through env->alloc and freed by textreq_fini.
 */
#ifndef RT_TEXTREQ_H
#define RT_TEXTREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "login.h"
#include "pdu.h"
#include "rt_env.h"
#include "text.h"

enum textreq_state {
	TEXTREQ_IDLE = 0,  /* no exchange under way */
	TEXTREQ_RECEIVING, /* the initiator's text continues (C=1) */
	TEXTREQ_SENDING,   /* our answer continues (C=1) */
	TEXTREQ_OPEN,      /* answered with F=0: the initiator may go on (§11.11.1) */
};

struct textreq {
	const struct rt_env *env;
	const struct rt_config *cfg;
	enum textreq_state state;
	uint32_t itt;      /* of the exchange under way */
	uint32_t ttt;      /* the Target Transfer Tag we gave it */
	uint32_t ttt_next; /* the next one we hand out */
	bool final;        /* the request being answered had F=1 */
	struct text_buf in;
	struct text_buf out;
	uint32_t out_off;
};

void textreq_init(struct textreq *t, const struct rt_env *env, const struct rt_config *cfg);
void textreq_fini(struct textreq *t);

enum textreq_verdict {
	TEXTREQ_REPLY,  /* send resp */
	TEXTREQ_REJECT, /* send a Reject PDU (§11.17) with *reject_reason instead */
};

/* One Text Request of a session established by login (sess). The initiator
 * may redeclare MaxRecvDataSegmentLength (§13.12): *max_xmit_dsl is updated
 * and bounds the data of our responses. resp is filled whole except bytes
 * 24..35 (StatSN, ExpCmdSN, MaxCmdSN); resp->data points into memory owned
 * by textreq, valid until the next call. */
enum textreq_verdict textreq_rx(struct textreq *t, const struct login_result *sess,
				uint32_t *max_xmit_dsl, const struct pdu *req, struct pdu *resp,
				uint8_t *reject_reason);

#endif
