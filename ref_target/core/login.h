/* login: the login phase of one connection, target side (RFC 7143 §6.3,
 * §11.12, §11.13): stages and their transitions (T/C bits, CSG/NSG),
 * Login Requests continued with the C bit, the first request's identity
 * (InitiatorName, TargetName, SessionType, ISID, TSIH), access (ACL, open
 * access, redirect), authentication (AuthMethod, CHAP via core/chap) and
 * operational negotiation (core/param), ending in a login_result.
 *
 * struct login is complete here so that the connection can embed it. It
 * owns two text buffers (the request being assembled, the answer being
 * sent) allocated through env->alloc and freed by login_fini. It points at
 * env, cfg and hooks, which the caller keeps alive.
 */
#ifndef RT_LOGIN_H
#define RT_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "chap.h"
#include "config.h"
#include "iscsi_params.h"
#include "limits.h"
#include "param.h"
#include "pdu.h"
#include "rt_env.h"
#include "text.h"

/* What a successful login established. */
struct login_result {
	bool discovery;          /* SessionType=Discovery */
	char initiator_name[ISCSI_NAME_MAX + 1];
	char initiator_alias[ISCSI_VALUE_MAX + 1];
	uint8_t isid[6];
	uint16_t tsih;           /* as requested; bind() sets the assigned one */
	uint16_t cid;
	uint32_t target, tpg;    /* indices into cfg->targets[] and its tpgs[]; UINT32_MAX in discovery */
	const struct rt_acl_cfg *acl;      /* NULL: open access (or discovery) */
	const struct rt_lun_map *luns;     /* this initiator's LUN map */
	uint32_t lun_count;
	/* Negotiated values. For a connection joining a session (TSIH != 0)
	 * the session-wide fields are RFC defaults: LO keys are not negotiated
	 * there (§13 "LO"), the session's own values apply. */
	struct iscsi_params params;
	uint32_t cmd_sn;         /* CmdSN of the first Login Request */
	uint32_t exp_stat_sn;    /* ExpStatSN of the first Login Request (the old connection's, §6.3.4) */
};

struct login_hooks {
	/* Called once the first Login Request named initiator, target/TPG,
	 * ISID and a non-zero TSIH: that session must exist (else 0x020a) and
	 * accept another connection (MaxConnections, else 0x0206). Returns
	 * ISCSI_LOGIN_OK or the status to fail with. */
	uint16_t (*check_session)(void *ctx, const struct login_result *partial);
	/* The login is about to succeed (transit to full feature phase): create
	 * or join the session, reinstating an old session with the same
	 * initiator+ISID+TPG or an old connection with the same CID. Sets
	 * res->tsih. Returns ISCSI_LOGIN_OK or the status to fail with. */
	uint16_t (*bind)(void *ctx, struct login_result *res);
};

enum login_phase {
	LOGIN_START = 0,  /* no Login Request yet */
	LOGIN_RUNNING,
	LOGIN_DONE,       /* full feature phase reached: login_result is valid */
	LOGIN_FAILED,     /* a failure status was sent */
};

enum login_method {
	LOGIN_AUTH_UNDECIDED = 0, /* no AuthMethod seen */
	LOGIN_AUTH_NONE,
	LOGIN_AUTH_CHAP,
};

struct login {
	const struct rt_env *env;
	const struct rt_config *cfg;
	uint32_t portal;
	const struct login_hooks *hooks;
	void *hooks_ctx;

	enum login_phase phase;
	uint8_t stage;          /* current stage: ISCSI_STAGE_SECURITY or _OPERATIONAL */
	uint32_t pdus;          /* Login Requests received (RT_LOGIN_PDUS_MAX) */
	uint32_t itt;           /* of the last Login Request (login_refuse answers it) */
	uint8_t version_max, version_min;
	bool identified;        /* the first logical request has been processed */
	bool auth_required;     /* credentials configured for this initiator */
	bool authenticated;
	enum login_method method;
	uint64_t seen;          /* keys the initiator sent, bit per param_id */
	const struct rt_auth_cfg *auth;
	struct param_neg neg;
	struct chap chap;

	struct text_buf in;     /* logical request being assembled (C bit) */
	struct text_buf out;    /* answer being sent */
	uint32_t out_off;       /* bytes of out already sent (our C bit) */
	bool transit;           /* the answer ends with T=1 ... */
	uint8_t next_stage;     /* ... to this stage */

	uint16_t status;        /* the failure status sent, for logs and tests */
	const char *why;        /* and why, as a constant string */
	struct login_result res;
};

void login_init(struct login *l, const struct rt_env *env, const struct rt_config *cfg,
		uint32_t portal, const struct login_hooks *hooks, void *hooks_ctx);
/* Frees what login allocated (env->free). */
void login_fini(struct login *l);

enum login_verdict {
	LOGIN_REPLY,       /* send resp, stay in login */
	LOGIN_REPLY_FFP,   /* send resp, the connection is now in full feature phase; result valid */
	LOGIN_REPLY_CLOSE, /* send resp (a failure or redirect status), then close */
};

/* One Login Request. The receiver already checked opcode, digests and that
 * DataSegmentLength <= 8192 (the login-phase MaxRecvDataSegmentLength). resp
 * is filled whole except bytes 24..35 (StatSN, ExpCmdSN, MaxCmdSN), which the
 * connection fills; resp->data points into memory owned by login, valid until
 * the next call. Must not be called after LOGIN_REPLY_FFP or _CLOSE. */
enum login_verdict login_rx(struct login *l, const struct pdu *req, struct pdu *resp);

/* End the login with a failure status although no acceptable Login Request
 * came (conn.c: a PDU other than a Login Request, §6.3; one longer than
 * 8192 bytes, §13.12). req: the offending header if it is a Login Request
 * (its ISID, TSIH and ITT are answered), else NULL (the login's own are).
 * resp is filled as by login_rx; the verdict is always LOGIN_REPLY_CLOSE. */
enum login_verdict login_refuse(struct login *l, const uint8_t *req, uint16_t status, const char *why,
				struct pdu *resp);

const struct login_result *login_result(const struct login *l);

#endif
