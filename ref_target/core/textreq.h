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
#include "discovery.h"
#include "iscsi_params.h"
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
	struct discovery_asker who;   /* the session, for SendTargets */
	char initiator[ISCSI_NAME_MAX + 1];
	struct iscsi_params *params;  /* the connection's: max_xmit_dsl */
	enum textreq_state state;
	uint32_t itt;      /* of the exchange under way */
	uint32_t ttt;      /* the Target Transfer Tag we gave it */
	uint32_t ttt_next; /* the next one we hand out */
	bool final;        /* the request being answered had F=1 */
	uint8_t reject_reason; /* after TEXTREQ_REJECT: the §11.17.1 reason */
	struct text_buf in;
	struct text_buf out;
	uint32_t out_off;
};

/* Start text negotiation for a connection that entered full feature phase
 * with the session res describes (copied: res may go away). params is the
 * connection's, kept alive by it: a redeclared MaxRecvDataSegmentLength
 * (§13.12) updates params->max_xmit_dsl, which bounds our responses. */
void textreq_init(struct textreq *t, const struct rt_env *env, const struct rt_config *cfg,
		  const struct login_result *res, struct iscsi_params *params);
void textreq_fini(struct textreq *t);

enum textreq_verdict {
	TEXTREQ_REPLY = 0, /* send resp */
	TEXTREQ_REJECT,    /* send a Reject PDU (§11.17) with t->reject_reason instead */
};

/* One Text Request. resp is filled whole except bytes 24..35 (StatSN,
 * ExpCmdSN, MaxCmdSN); resp->data points into memory owned by textreq,
 * valid until the next call. */
enum textreq_verdict textreq_rx(struct textreq *t, const struct pdu *req, struct pdu *resp);

#endif
