/* initiator/login: the simulator initiator's login phase (RFC 7143 §6.1-§6.3,
 * §11.12-§11.13), written from the RFC, independently of the target.
 *
 * Security stage with AuthMethod CHAP (one-way or mutual, §12.1.3) or
 * None, then operational negotiation of the keys in struct iparams, then
 * full feature phase. Sans-I/O: ilogin_start/ilogin_on_rsp fill the next
 * Login Request into a caller's ipdu_tx whose data points into the
 * struct ilogin, and say whether the login continues, succeeded or failed
 * and why. Owns its text buffer; the configuration is the caller's.
 */
#ifndef SIM_ILOGIN_H
#define SIM_ILOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/initiator/text_keys.h"
#include "sim/initiator/pdu.h"
#include "sim/base/rng.h"

/* What an initiator asks for in a login. */
struct ilogin_cfg {
	const char *initiator_name;
	const char *target_name;
	/* CHAP: user NULL means AuthMethod=None. */
	const char *chap_user;
	const char *chap_secret;
	/* Mutual CHAP: the target must prove it knows this (NULL: one-way). */
	const char *target_user;
	const char *target_secret;
	const char *chap_algs;     /* our CHAP_A offer, e.g. "7,5" */
	bool skip_security;        /* start in operational stage (no AuthMethod) */
	bool want_header_digest;
	bool want_data_digest;
	uint32_t mrdsl;            /* MaxRecvDataSegmentLength we declare */
	uint32_t max_burst_length;
	uint32_t first_burst_length;
	uint32_t max_outstanding_r2t;
	bool initial_r2t;
	bool immediate_data;
	uint32_t max_connections;  /* our MaxConnections offer (§13.2); 0 means 1 */
	uint32_t error_recovery_level; /* our ErrorRecoveryLevel offer (§13.20): 0 but
				    * in the protocol suite's ERL tests */
};

enum ilogin_result {
	ILOGIN_SEND = 0,     /* send the request now in tx */
	ILOGIN_DONE,         /* full feature phase: params, tsih, statsn valid */
	ILOGIN_REJECTED,     /* the target answered a non-zero status class */
	ILOGIN_AUTH_FAILED,  /* the target did not prove itself (mutual CHAP) */
	ILOGIN_PROTOCOL,     /* the response broke the login rules */
};

#define ILOGIN_TEXT_MAX 8192u /* one login PDU's data, RFC 7143 §13.12 default */
#define ILOGIN_EXCHANGES_MAX 16u /* request/response pairs before we give up */
#define ILOGIN_CHALLENGE_LEN 16u /* our mutual CHAP challenge */
#define ILOGIN_TIME2RETAIN_ERL2 20u /* DefaultTime2Retain offered with ErrorRecoveryLevel 2: the RFC's
				     * default (§13.16); below 2 we offer 0 (nothing to keep) */

enum ilogin_step {
	ILS_SEC_START = 0, /* sent AuthMethod offer */
	ILS_SEC_ALG,       /* sent CHAP_A */
	ILS_SEC_RESP,      /* sent CHAP_N/CHAP_R (and our challenge) */
	ILS_OP,            /* sent operational keys, waiting for T=1 NSG=FFP */
};

struct ilogin {
	const struct ilogin_cfg *cfg;
	struct sim_rng *rng;
	enum ilogin_step step;
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid;
	bool conn_only;       /* joins the session tsih: connection keys only (ilogin_start_conn) */
	uint32_t itt;
	uint32_t cmdsn;
	uint32_t exp_statsn;  /* after DONE: the first ExpStatSN of the FFP (conn_only: the old connection's) */
	uint32_t conn_exp_statsn; /* after DONE: the first ExpStatSN of this connection's FFP */
	bool have_statsn;
	uint32_t exp_cmdsn, max_cmdsn; /* from the last response */
	unsigned exchanges;
	uint16_t status;      /* class<<8|detail of a rejection */
	const char *why;      /* a short reason for traces when not DONE/SEND */
	uint8_t chap_id;      /* our identifier for mutual CHAP */
	uint8_t challenge[ILOGIN_CHALLENGE_LEN];
	uint32_t chap_alg;
	struct iparams params;
	uint8_t text[ILOGIN_TEXT_MAX];
	size_t text_len;
};

/* Begin a login: fills tx with the first Login Request. tsih 0 starts a
 * new session (or reinstates one with the same ISID, §6.3.5). */
enum ilogin_result ilogin_start(struct ilogin *l, const struct ilogin_cfg *cfg, struct sim_rng *rng,
	const uint8_t isid[6], uint16_t tsih, uint16_t cid, uint32_t itt, uint32_t cmdsn,
	struct ipdu_tx *tx);

/* A login that joins the existing session tsih with connection cid,
 * reinstating the connection that had it (§6.3.4, ERL 2 recovery): the
 * connection's keys only; exp_statsn is the failed connection's. */
enum ilogin_result ilogin_start_conn(struct ilogin *l, const struct ilogin_cfg *cfg, struct sim_rng *rng,
	const uint8_t isid[6], uint16_t tsih, uint16_t cid, uint32_t itt, uint32_t cmdsn, uint32_t exp_statsn,
	struct ipdu_tx *tx);

/* Handle one Login Response (bhs, data). On ILOGIN_SEND tx holds the next
 * request. */
enum ilogin_result ilogin_on_rsp(struct ilogin *l, const uint8_t *bhs, const uint8_t *data, uint32_t len,
	struct ipdu_tx *tx);

#endif
