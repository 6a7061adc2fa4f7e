/* login_fixture: what the login-stack tests share. A configuration with one
 * target per access rule (open, CHAP, mutual CHAP, ACL, redirect, another
 * portal), hooks that record their calls, builders for Login and Text
 * Request PDUs, readers for the keys of a response, and a CHAP answerer
 * computing responses with nettle directly (not through core/chap).
 */
#ifndef LOGIN_FIXTURE_H
#define LOGIN_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/login.h"
#include "core/pdu.h"
#include "fake_env.h"

/* Portals. */
enum { FX_PORTAL_V4 = 0, FX_PORTAL_V6_RAW = 1, FX_PORTAL_V6 = 2 };

/* Targets, by index in fx_cfg.targets. */
enum {
	FX_T_OPEN = 0,  /* open access, no auth, portals V4 and V6_RAW, tag 1, alias */
	FX_T_CHAP,      /* open access, one-way CHAP (FX_USER/FX_SECRET), portal V4, tag 2 */
	FX_T_MUTUAL,    /* open access, mutual CHAP (+ FX_TUSER/FX_TSECRET), V4, tag 3 */
	FX_T_ACL,       /* only FX_HOST_ACL (no auth) and FX_HOST_ACL_CHAP, V4, tag 4 */
	FX_T_REDIRECT,  /* every login redirected (temporary), V4 */
	FX_T_ELSEWHERE, /* served on portal V6 only */
	FX_T_COUNT,
};

#define FX_TARGET(i) (fx_target_names[i])
#define FX_INITIATOR "iqn.2024-01.org.example:host0"
#define FX_HOST_ACL "iqn.2024-01.org.example:acl-host"
#define FX_HOST_ACL_CHAP "iqn.2024-01.org.example:acl-chap-host"
#define FX_USER "alice"
#define FX_SECRET "alice-secret-12"
#define FX_TUSER "target-bob"
#define FX_TSECRET "bob-secret-1234"
#define FX_REDIRECT_TO "10.0.0.9:3260"

extern const char *const fx_target_names[FX_T_COUNT];

/* A mutable copy of the configuration per test. */
struct fx {
	struct fake_env fe;
	struct rt_config cfg;
	struct rt_target_cfg targets[FX_T_COUNT];
	struct rt_tpg_cfg tpgs[FX_T_COUNT];
	struct login_hooks hooks;
	/* hooks' behaviour and record */
	uint16_t check_status, bind_status, assigned_tsih;
	unsigned check_calls, bind_calls;
	struct login_result bound;
	struct login login;
};

/* The operational parameters the login and parameter tests offer:
 * RFC 7143 §13 defaults, except MaxConnections 8 and a 64 KiB
 * MaxRecvDataSegmentLength. */
struct rt_params_cfg fx_params_cfg(void);

void fx_init(struct fx *x);
/* login_fini, then checks that every byte allocated was freed. */
void fx_fini(struct fx *x);
/* (Re)start the login on a portal. */
void fx_login_start(struct fx *x, uint32_t portal);

/* A request under construction: BHS plus a data segment. */
struct fx_req {
	struct pdu pdu;
	uint8_t data[RT_TEXT_MAX + 256];
	uint32_t len;
};

/* Login Request with flags from T/C/CSG/NSG, ISID FX ISID, TSIH tsih. */
void fx_login_req(struct fx_req *r, bool t, bool c, uint8_t csg, uint8_t nsg, uint16_t tsih);
/* Append "key=value\0" strings (NULL-terminated list) to the data. */
void fx_keys(struct fx_req *r, ...);
/* Append raw bytes. */
void fx_raw(struct fx_req *r, const void *data, uint32_t len);

/* Send one Login Request; the response lands in *resp. */
enum login_verdict fx_send(struct fx *x, struct fx_req *r, struct pdu *resp);

/* Status (class<<8 | detail) of a Login Response. */
uint16_t fx_status(const struct pdu *resp);
bool fx_t(const struct pdu *resp);
bool fx_c(const struct pdu *resp);
uint8_t fx_csg(const struct pdu *resp);
uint8_t fx_nsg(const struct pdu *resp);

/* The value of key in the response data, or NULL. Points into a static
 * buffer valid until the next call. */
const char *fx_get(const struct pdu *resp, const char *key);
/* How many times key appears. */
unsigned fx_count(const struct pdu *resp, const char *key);

/* The usual first request of a Normal session to target ti, as open-iscsi
 * sends it (InitiatorName, TargetName, SessionType=Normal). */
void fx_identity(struct fx_req *r, const char *initiator, unsigned ti);

/* Operational keys as open-iscsi sends them for a Normal session. */
void fx_op_keys(struct fx_req *r);

/* Whole conversations, asserting success at every step; return the
 * final verdict (LOGIN_REPLY_FFP expected). */
enum login_verdict fx_login_open(struct fx *x, const char *initiator, unsigned ti);
/* Security stage with CHAP (alg), then operational. mutual: also
 * challenge the target and check its answer. */
enum login_verdict fx_login_chap(struct fx *x, const char *initiator, unsigned ti, unsigned alg,
				 const char *user, const char *secret, bool mutual);

/* CHAP response H(id || secret || challenge) computed with nettle. */
size_t fx_chap_digest(unsigned alg, uint8_t id, const char *secret, const uint8_t *chal,
		      size_t chal_len, uint8_t *out);
/* Hex "0x..." into bytes; returns the byte count. */
size_t fx_unhex(const char *s, uint8_t *out, size_t cap);
/* Bytes into "0x..." (static buffer). */
const char *fx_hex(const uint8_t *in, size_t len);

#endif
