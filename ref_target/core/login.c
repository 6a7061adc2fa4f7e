/* login: see login.h. RFC 7143 §6.3 (login phase), §11.12 (Login Request),
 * §11.13 (Login Response), §12 (security), §13 (keys). */
#include "login.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "access.h"

/* §13.12: during login both sides receive at most 8192 bytes per PDU. */
#define LOGIN_DATA_MAX ISCSI_MRDSL_DEFAULT
/* §11.12.5: ISID type 11b is reserved. */
#define ISID_TYPE_RESERVED 3u
/* Bytes 36 and 37 of a Login Response: Status-Class, Status-Detail. */

#define BIT(id) (1ull << (id))

static uint16_t bad(struct login *l, uint16_t status, const char *why)
{
	l->status = status;
	l->why = why;
	return status;
}

static uint16_t no_room(struct login *l)
{
	return bad(l, ISCSI_LOGIN_OUT_OF_RESOURCES, "out of memory for the login text");
}

static uint16_t text_error(struct login *l, enum text_err e)
{
	switch (e) {
	case TEXT_ERR_NO_NUL: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "text not NUL-terminated");
	case TEXT_ERR_NO_EQUALS: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "key without '='");
	case TEXT_ERR_KEY_EMPTY: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "empty key name");
	case TEXT_ERR_KEY_LONG: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "key name over 63 bytes");
	case TEXT_ERR_KEY_SYNTAX: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "malformed key name");
	case TEXT_ERR_TOO_MANY: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "too many keys");
	case TEXT_ERR_TOO_LONG: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "login text over RT_TEXT_MAX");
	case TEXT_ERR_NO_MEMORY: return no_room(l);
	case TEXT_OK:
	case TEXT_END: break;
	}
	assert(!"not an error");
	return ISCSI_LOGIN_TARGET_ERROR;
}

void login_init(struct login *l, const struct rt_env *env, const struct rt_config *cfg,
		uint32_t portal, const struct login_hooks *hooks, void *hooks_ctx)
{
	assert(hooks != NULL && hooks->check_session != NULL && hooks->bind != NULL);
	memset(l, 0, sizeof(*l));
	l->env = env;
	l->cfg = cfg;
	l->portal = portal;
	l->hooks = hooks;
	l->hooks_ctx = hooks_ctx;
	text_buf_init(&l->in, env, RT_TEXT_MAX);
	text_buf_init(&l->out, env, RT_TEXT_MAX);
	l->res.target = l->res.tpg = UINT32_MAX;
}

void login_fini(struct login *l)
{
	text_buf_fini(&l->in);
	text_buf_fini(&l->out);
}

const struct login_result *login_result(const struct login *l)
{
	return &l->res;
}

/* ---- the Login Request header (§11.12) ---- */

static uint16_t first_header(struct login *l, const uint8_t *h)
{
	l->version_max = h[PDU_LOGIN_VERSION_MAX];
	l->version_min = h[PDU_LOGIN_VERSION_MIN];
	/* §11.12.4: we speak version 0 only, so [min, max] must start at 0 */
	if (l->version_min != ISCSI_VERSION || l->version_max < l->version_min)
		return bad(l, ISCSI_LOGIN_UNSUPPORTED_VERSION, "no common version");
	memcpy(l->res.isid, h + PDU_LOGIN_ISID, sizeof(l->res.isid));
	if (l->res.isid[0] >> 6 == ISID_TYPE_RESERVED)
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "reserved ISID type");
	l->res.tsih = get_be16(h + PDU_LOGIN_TSIH);
	l->res.cid = get_be16(h + PDU_LOGIN_CID);
	l->res.cmd_sn = pdu_w(h, PDU_INI_CMDSN);
	l->stage = (pdu_flags(h) >> ISCSI_LOGIN_CSG_SHIFT) & ISCSI_LOGIN_STAGE_MASK;
	l->phase = LOGIN_RUNNING;
	return ISCSI_LOGIN_OK;
}

/* §6.3, §11.12.2: T and C never together; CSG is the stage we are in;
 * with T, NSG is a later stage and not the reserved value 2. The ISID,
 * TSIH, CID and versions of a login do not change (as LIO checks). */
static uint16_t check_header(struct login *l, const uint8_t *h)
{
	uint8_t flags = pdu_flags(h);
	bool t = flags & ISCSI_LOGIN_TRANSIT, c = flags & ISCSI_LOGIN_CONTINUE;
	uint8_t csg = (flags >> ISCSI_LOGIN_CSG_SHIFT) & ISCSI_LOGIN_STAGE_MASK;
	uint8_t nsg = flags & ISCSI_LOGIN_STAGE_MASK;
	if (csg != ISCSI_STAGE_SECURITY && csg != ISCSI_STAGE_OPERATIONAL)
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "CSG is not a login stage");
	if (l->phase == LOGIN_START) {
		uint16_t st = first_header(l, h);
		if (st != ISCSI_LOGIN_OK)
			return st;
		/* §11.12 (ExpStatSN): the old connection's, valid when the
		 * login restarts a connection; taken from the first request:
		 * later ones may count this connection's login responses. */
		l->res.exp_stat_sn = pdu_w(h, PDU_INI_EXPSTATSN);
	} else if (h[PDU_LOGIN_VERSION_MAX] != l->version_max || h[PDU_LOGIN_VERSION_MIN] != l->version_min ||
		   memcmp(h + PDU_LOGIN_ISID, l->res.isid, 6) != 0 ||
		   get_be16(h + PDU_LOGIN_TSIH) != l->res.tsih ||
		   get_be16(h + PDU_LOGIN_CID) != l->res.cid) {
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "ISID, TSIH, CID or version changed");
	}
	if (t && c)
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "T and C both set");
	if (csg != l->stage)
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "CSG is not the current stage");
	if (t && (nsg <= csg || nsg == 2))
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "NSG is not a later stage");
	return ISCSI_LOGIN_OK;
}

/* ---- the first request: who, to whom, and how they authenticate ---- */

static uint16_t redirect(struct login *l, const struct rt_tpg_cfg *tpg)
{
	const char *addr = tpg->redirect_address;
	if (addr == NULL)
		return bad(l, ISCSI_LOGIN_TARGET_ERROR, "redirect without an address");
	/* §13.8: in a redirection the comma and portal group tag are omitted */
	const char *comma = strrchr(addr, ',');
	size_t len = comma ? (size_t)(comma - addr) : strlen(addr);
	char value[ISCSI_VALUE_MAX + 1];
	if (len > ISCSI_VALUE_MAX)
		return bad(l, ISCSI_LOGIN_TARGET_ERROR, "redirect address too long");
	memcpy(value, addr, len);
	value[len] = '\0';
	if (text_buf_add(&l->out, "TargetAddress", value) != TEXT_OK)
		return no_room(l);
	return bad(l, tpg->redirect == RT_REDIRECT_TEMPORARY ? ISCSI_LOGIN_REDIRECT_TEMP
							      : ISCSI_LOGIN_REDIRECT_PERM,
		   "redirected");
}

/* A Normal session: the target (§13.4), the portal group serving this
 * portal, redirection, then the ACL or open access. */
static uint16_t find_target(struct login *l, const struct text_pair *target)
{
	const struct rt_config *cfg = l->cfg;
	uint32_t ti = access_target(cfg, target->value, target->value_len);
	if (ti == ACCESS_NONE)
		return bad(l, ISCSI_LOGIN_NOT_FOUND, "no such target");
	uint32_t g = access_tpg_for_portal(&cfg->targets[ti], l->portal);
	if (g == ACCESS_NONE)
		return bad(l, ISCSI_LOGIN_NOT_FOUND, "target not served on this portal");
	const struct rt_tpg_cfg *tpg = &cfg->targets[ti].tpgs[g];
	if (tpg->redirect != RT_REDIRECT_NONE)
		return redirect(l, tpg);
	const struct rt_acl_cfg *acl = access_acl(tpg, l->res.initiator_name);
	/* §11.13.5: 0x0202 "authorization failure", the initiator "is not
	 * allowed access to the given target" (who it is was never in doubt;
	 * 0x0201 is for failed authentication). LIO answers the same. */
	if (acl == NULL && !tpg->open_access)
		return bad(l, ISCSI_LOGIN_FORBIDDEN, "initiator not in the ACL");
	l->res.target = ti;
	l->res.tpg = g;
	l->res.acl = acl;
	l->res.luns = acl ? acl->luns : tpg->luns;
	l->res.lun_count = acl ? acl->lun_count : tpg->lun_count;
	l->auth = acl ? &acl->auth : &tpg->auth;
	return ISCSI_LOGIN_OK;
}

/* §6.3.1: InitiatorName always, TargetName for Normal sessions, both in
 * the first (logical) Login Request; SessionType defaults to Normal. */
static uint16_t identify(struct login *l, const uint8_t *data, uint32_t len)
{
	struct text_pair p, name = {0}, target = {0}, type = {0};
	struct text_iter it;
	enum text_err e;
	text_iter_init(&it, data, len);
	while ((e = text_next(&it, &p)) == TEXT_OK) {
		if (text_key_is(&p, "InitiatorName") && name.key == NULL)
			name = p;
		else if (text_key_is(&p, "TargetName") && target.key == NULL)
			target = p;
		else if (text_key_is(&p, "SessionType") && type.key == NULL)
			type = p;
	}
	if (e != TEXT_END)
		return text_error(l, e);
	if (type.key != NULL && !text_value_is(&type, "Normal")) {
		if (!text_value_is(&type, "Discovery"))
			return bad(l, ISCSI_LOGIN_SESSION_TYPE_UNSUPPORTED, "unknown SessionType");
		l->res.discovery = true;
	}
	if (name.key == NULL)
		return bad(l, ISCSI_LOGIN_MISSING_PARAMETER, "no InitiatorName");
	if (name.value_len == 0 || name.value_len > ISCSI_NAME_MAX ||
	    !text_utf8_valid(name.value, name.value_len) || memchr(name.value, ' ', name.value_len))
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "malformed InitiatorName");
	memcpy(l->res.initiator_name, name.value, name.value_len);
	l->res.initiator_name[name.value_len] = '\0';
	if (l->res.discovery) {
		l->auth = &l->cfg->discovery_auth;
	} else {
		if (target.key == NULL)
			return bad(l, ISCSI_LOGIN_MISSING_PARAMETER, "no TargetName");
		uint16_t st = find_target(l, &target);
		if (st != ISCSI_LOGIN_OK)
			return st;
	}
	l->auth_required = l->auth->in.user != NULL && l->auth->in.user[0] != '\0';
	if (l->res.tsih != 0) {
		uint16_t st = l->hooks->check_session(l->hooks_ctx, &l->res);
		if (st != ISCSI_LOGIN_OK)
			return bad(l, st, "no session to join");
	}
	param_neg_init(&l->neg, &l->cfg->params, l->res.discovery, l->res.tsih == 0);
	chap_init(&l->chap, l->auth);
	return ISCSI_LOGIN_OK;
}

/* §13.9: TargetPortalGroupTag in the answer to the first request of a
 * Normal session; §13.6: TargetAlias there too when we have one. */
static uint16_t introduce_target(struct login *l)
{
	const struct rt_target_cfg *t = &l->cfg->targets[l->res.target];
	if (text_buf_add_u32(&l->out, "TargetPortalGroupTag", t->tpgs[l->res.tpg].tag) != TEXT_OK)
		return no_room(l);
	if (t->alias != NULL && text_buf_add(&l->out, "TargetAlias", t->alias) != TEXT_OK)
		return no_room(l);
	return ISCSI_LOGIN_OK;
}

/* ---- keys ---- */

/* §12, §6.2.1: CHAP when credentials are configured, None otherwise; the
 * answer is the first value of the initiator's list we accept. */
static uint16_t auth_method(struct login *l, const struct text_pair *p)
{
	const char *pick = l->auth_required ? "CHAP" : "None";
	if (!text_list_has(p, pick))
		return bad(l, ISCSI_LOGIN_AUTH_FAILED,
			   l->auth_required ? "CHAP required, not offered" : "only AuthMethod=None possible");
	l->method = l->auth_required ? LOGIN_AUTH_CHAP : LOGIN_AUTH_NONE;
	if (text_buf_add(&l->out, "AuthMethod", pick) != TEXT_OK)
		return no_room(l);
	return ISCSI_LOGIN_OK;
}

static uint16_t initiator_alias(struct login *l, const struct text_pair *p)
{
	if (p->value_len > ISCSI_VALUE_MAX || !text_utf8_valid(p->value, p->value_len))
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "malformed InitiatorAlias");
	memcpy(l->res.initiator_alias, p->value, p->value_len);
	l->res.initiator_alias[p->value_len] = '\0';
	return ISCSI_LOGIN_OK;
}

static uint16_t param_result(struct login *l, enum param_status s)
{
	switch (s) {
	case PARAM_OK: return ISCSI_LOGIN_OK;
	case PARAM_BAD_DECLARATION: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "bad declared value");
	case PARAM_BAD_ANSWER: return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "bad answer to our offer");
	case PARAM_NO_ROOM: return no_room(l);
	}
	assert(!"unknown param_status");
	return ISCSI_LOGIN_TARGET_ERROR;
}

/* One known key, by where §13 lets an initiator send it. A key the
 * initiator may not send at this point of the login fails it with
 * 0x0200, as LIO does (§6.2: renegotiation and misplaced keys). */
static uint16_t answer_key(struct login *l, enum param_id id, const struct param_def *d,
			   const struct text_pair *p, bool first, bool *progress)
{
	switch (d->use) {
	case USE_FIRST:
		if (!first)
			return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "identity key after the first request");
		return ISCSI_LOGIN_OK; /* taken by identify() */
	case USE_SECURITY:
		if (l->stage != ISCSI_STAGE_SECURITY)
			return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "security key outside the security stage");
		*progress = true;
		if (id == P_AUTH_METHOD)
			return auth_method(l, p);
		if (l->method != LOGIN_AUTH_CHAP)
			return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "CHAP key without AuthMethod=CHAP");
		chap_key(&l->chap, id, p);
		return ISCSI_LOGIN_OK;
	case USE_LO:
	case USE_IO:
		if (l->stage != ISCSI_STAGE_OPERATIONAL)
			return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "operational key in the security stage");
		return param_result(l, param_answer(&l->neg, id, p, &l->out));
	case USE_ALL:
		if (id == P_INITIATOR_ALIAS)
			return initiator_alias(l, p);
		return param_result(l, param_answer(&l->neg, id, p, &l->out));
	case USE_FFPO:
	case USE_TARGET:
		break;
	}
	return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "key an initiator may not send in login");
}

/* An identity key (InitiatorName, TargetName, SessionType) of a later
 * request that repeats what the first request declared. */
static bool identity_repeated(const struct login *l, enum param_id id, const struct text_pair *p)
{
	switch (id) {
	case P_INITIATOR_NAME:
		return text_value_is(p, l->res.initiator_name);
	case P_TARGET_NAME:
		return !l->res.discovery && text_value_is(p, l->cfg->targets[l->res.target].name);
	case P_SESSION_TYPE:
		return text_value_is(p, l->res.discovery ? "Discovery" : "Normal");
	default:
		return false;
	}
}

static uint16_t answer_keys(struct login *l, const uint8_t *data, uint32_t len, bool first,
			    bool *progress)
{
	struct text_iter it;
	struct text_pair p;
	enum text_err e;
	text_iter_init(&it, data, len);
	while ((e = text_next(&it, &p)) == TEXT_OK) {
		enum param_id id;
		const struct param_def *d = param_find(&p, &id);
		if (d == NULL) { /* §6.2: unknown keys, X- and X# ones too */
			if (text_buf_add_n(&l->out, p.key, p.key_len, "NotUnderstood") != TEXT_OK)
				return no_room(l);
			continue;
		}
		/* §6.2: no key may be sent twice in a login. libiscsi repeats
		 * its identity declarations in later requests; the same value
		 * again changes nothing (tgt and LIO accept it too). */
		if (l->seen & BIT(id)) {
			if (d->use == USE_FIRST && !first && identity_repeated(l, id, &p))
				continue;
			return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "key sent twice");
		}
		l->seen |= BIT(id);
		uint16_t st = answer_key(l, id, d, &p, first, progress);
		if (st != ISCSI_LOGIN_OK)
			return st;
	}
	if (e != TEXT_END)
		return text_error(l, e);
	if (l->stage == ISCSI_STAGE_OPERATIONAL)
		return param_result(l, param_end_message(&l->neg, &l->out));
	return ISCSI_LOGIN_OK;
}

/* ---- the end of a request: may the stage end? (§6.3, §11.12.2) ---- */

static const char *chap_why(enum chap_fail f)
{
	switch (f) {
	case CHAP_FAIL_WRONG_NAME: return "CHAP_N is not the configured user";
	case CHAP_FAIL_WRONG_RESPONSE: return "CHAP_R does not prove the secret";
	case CHAP_FAIL_BAD_RESPONSE: return "CHAP_R malformed or of the wrong length";
	case CHAP_FAIL_REFLECTED: return "our CHAP challenge sent back to us";
	case CHAP_FAIL_NO_ALGORITHM: return "no CHAP_A we support";
	case CHAP_FAIL_NO_TARGET_AUTH: return "mutual CHAP asked, no target credentials";
	default: return "CHAP exchange failed";
	}
}

static uint16_t security_end(struct login *l, bool t, uint8_t nsg, bool progress)
{
	if (l->method == LOGIN_AUTH_CHAP) {
		switch (chap_step(&l->chap, l->env, &l->out)) {
		case CHAP_CONTINUE: break;
		case CHAP_SUCCESS: l->authenticated = true; break;
		case CHAP_FAILURE: return bad(l, ISCSI_LOGIN_AUTH_FAILED, chap_why(l->chap.why));
		case CHAP_NO_ROOM: return no_room(l);
		}
	}
	if (!t)
		return ISCSI_LOGIN_OK;
	if (l->auth_required && !l->authenticated) {
		if (progress) /* the exchange goes on: we answer T=0 (§6.3) */
			return ISCSI_LOGIN_OK;
		return bad(l, ISCSI_LOGIN_AUTH_FAILED, "leaving the security stage unauthenticated");
	}
	l->transit = true;
	l->next_stage = nsg;
	/* Straight to full feature phase only when no operational key of ours
	 * needs offering; otherwise the operational stage comes first (a target
	 * answers with an NSG no later than asked, §11.13). */
	if (nsg == ISCSI_STAGE_FULL_FEATURE && param_offer(&l->neg, l->seen, NULL) > 0)
		l->next_stage = ISCSI_STAGE_OPERATIONAL;
	return ISCSI_LOGIN_OK;
}

static uint16_t operational_end(struct login *l, bool t)
{
	/* §13.12: a target declares its MaxRecvDataSegmentLength */
	if (!l->neg.declared && param_declare(&l->neg, &l->out) != PARAM_OK)
		return no_room(l);
	if (!t)
		return ISCSI_LOGIN_OK;
	if (param_waiting(&l->neg))
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "our offer was not answered");
	int offers = param_offer(&l->neg, l->seen, &l->out);
	if (offers < 0)
		return no_room(l);
	if (offers > 0) /* T=0 until the initiator answers them */
		return ISCSI_LOGIN_OK;
	if (!param_consistent(&l->neg))
		return bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "FirstBurstLength above MaxBurstLength");
	l->transit = true;
	l->next_stage = ISCSI_STAGE_FULL_FEATURE;
	return ISCSI_LOGIN_OK;
}

/* One complete logical request (C=0). */
static uint16_t process(struct login *l, const uint8_t *h, const uint8_t *data, uint32_t len)
{
	uint8_t flags = pdu_flags(h);
	bool t = flags & ISCSI_LOGIN_TRANSIT, progress = false;
	bool first = !l->identified;
	if (first) {
		uint16_t st = identify(l, data, len);
		if (st != ISCSI_LOGIN_OK)
			return st;
		l->identified = true;
		/* §6.3: a target requiring authentication refuses a login that
		 * starts in the operational stage */
		if (l->stage == ISCSI_STAGE_OPERATIONAL && l->auth_required)
			return bad(l, ISCSI_LOGIN_AUTH_FAILED, "security stage skipped");
		if (!l->res.discovery && (st = introduce_target(l)) != ISCSI_LOGIN_OK)
			return st;
	}
	uint16_t st = answer_keys(l, data, len, first, &progress);
	if (st != ISCSI_LOGIN_OK)
		return st;
	if (l->stage == ISCSI_STAGE_SECURITY)
		return security_end(l, t, flags & ISCSI_LOGIN_STAGE_MASK, progress);
	return operational_end(l, t);
}

/* ---- responses ---- */

static void resp_start(const uint8_t *req, struct pdu *resp)
{
	pdu_init(resp->bhs, ISCSI_OP_LOGIN_RSP, 0);
	resp->bhs[PDU_LOGIN_VERSION_MAX] = ISCSI_VERSION; /* Version-max */
	resp->bhs[PDU_LOGIN_VERSION_ACTIVE] = ISCSI_VERSION; /* Version-active */
	memcpy(resp->bhs + PDU_LOGIN_ISID, req + PDU_LOGIN_ISID, 8); /* ISID, TSIH */
	memcpy(resp->bhs + PDU_ITT, req + PDU_ITT, 4);
	resp->ahs = NULL;
	resp->ahs_len = 0;
	resp->data = NULL;
	resp->data_len = 0;
}

/* §11.13.5: a status other than success ends the login; the connection
 * closes. A redirection (class 1) carries TargetAddress. */
static enum login_verdict reply_fail(struct login *l, struct pdu *resp)
{
	l->phase = LOGIN_FAILED;
	resp->bhs[PDU_FLAGS] = 0;
	put_be16(resp->bhs + PDU_LOGIN_STATUS, l->status);
	bool redirected = l->status >> 8 == 1;
	resp->data = redirected ? l->out.p : NULL;
	resp->data_len = redirected ? l->out.len : 0;
	pdu_set_dsl(resp->bhs, resp->data_len);
	if (l->env->log != NULL) {
		char msg[ISCSI_NAME_MAX + 128];
		snprintf(msg, sizeof(msg), "login from %s refused: 0x%04x %s",
			 l->res.initiator_name[0] ? l->res.initiator_name : "?", l->status, l->why);
		l->env->log(l->env->ctx, RT_LOG_INFO, msg);
	}
	return LOGIN_REPLY_CLOSE;
}

/* The next piece of our answer: at most LOGIN_DATA_MAX bytes, C=1 while
 * more follows (a response with C=1 has T=0, §11.13); the last piece
 * carries the stage transition. */
static enum login_verdict send_chunk(struct login *l, struct pdu *resp)
{
	uint32_t left = l->out.len - l->out_off;
	uint32_t n = left < LOGIN_DATA_MAX ? left : LOGIN_DATA_MAX;
	bool more = left > n;
	uint8_t flags = (uint8_t)(l->stage << ISCSI_LOGIN_CSG_SHIFT);
	bool ffp = !more && l->transit && l->next_stage == ISCSI_STAGE_FULL_FEATURE;
	if (more)
		flags |= ISCSI_LOGIN_CONTINUE;
	else if (l->transit)
		flags |= ISCSI_LOGIN_TRANSIT | l->next_stage;
	if (ffp) {
		l->res.params = l->neg.res;
		uint16_t st = l->hooks->bind(l->hooks_ctx, &l->res);
		if (st != ISCSI_LOGIN_OK) {
			bad(l, st, "session could not be created or joined");
			return reply_fail(l, resp);
		}
		assert(l->res.tsih != 0); /* bind() assigns one (TSIH 0 means "new", §11.12.6) */
		put_be16(resp->bhs + PDU_LOGIN_TSIH, l->res.tsih); /* §11.13.4 */
	}
	resp->bhs[PDU_FLAGS] = flags;
	resp->data = n ? l->out.p + l->out_off : NULL;
	resp->data_len = n;
	pdu_set_dsl(resp->bhs, n);
	l->out_off += n;
	if (ffp) {
		l->phase = LOGIN_DONE;
		return LOGIN_REPLY_FFP;
	}
	if (!more && l->transit)
		l->stage = l->next_stage;
	return LOGIN_REPLY;
}

enum login_verdict login_rx(struct login *l, const struct pdu *req, struct pdu *resp)
{
	assert(l->phase == LOGIN_START || l->phase == LOGIN_RUNNING);
	const uint8_t *h = req->bhs;
	resp_start(h, resp);
	l->itt = pdu_itt(h);
	uint16_t st = ++l->pdus > RT_LOGIN_PDUS_MAX
			      ? bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "too many Login Requests")
			      : check_header(l, h);
	if (st != ISCSI_LOGIN_OK)
		return reply_fail(l, resp);
	if (l->out_off < l->out.len) { /* our answer continues: empty requests fetch it */
		if (req->data_len != 0) {
			bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "text while our answer continues");
			return reply_fail(l, resp);
		}
		return send_chunk(l, resp);
	}
	text_buf_reset(&l->out);
	l->out_off = 0;
	l->transit = false;
	const uint8_t *data = req->data;
	uint32_t len = req->data_len;
	if (pdu_flags(h) & ISCSI_LOGIN_CONTINUE || l->in.len > 0) {
		/* §6.1: C=1 PDUs and the C=0 one after them form one text */
		if (pdu_flags(h) & ISCSI_LOGIN_CONTINUE && len == 0) {
			bad(l, ISCSI_LOGIN_INITIATOR_ERROR, "C bit set on an empty request");
			return reply_fail(l, resp);
		}
		enum text_err e = text_buf_append(&l->in, data, len);
		if (e != TEXT_OK) {
			text_error(l, e);
			return reply_fail(l, resp);
		}
		if (pdu_flags(h) & ISCSI_LOGIN_CONTINUE) { /* an empty answer asks for more */
			resp->bhs[PDU_FLAGS] = (uint8_t)(l->stage << ISCSI_LOGIN_CSG_SHIFT);
			return LOGIN_REPLY;
		}
		data = l->in.p;
		len = l->in.len;
	}
	st = process(l, h, data, len);
	text_buf_reset(&l->in);
	if (st != ISCSI_LOGIN_OK)
		return reply_fail(l, resp);
	return send_chunk(l, resp);
}

enum login_verdict login_refuse(struct login *l, const uint8_t *req, uint16_t status, const char *why,
				struct pdu *resp)
{
	if (req != NULL) {
		resp_start(req, resp);
	} else {
		uint8_t h[ISCSI_BHS_LEN] = { 0 };
		memcpy(h + PDU_LOGIN_ISID, l->res.isid, sizeof(l->res.isid));
		put_be16(h + PDU_LOGIN_TSIH, l->res.tsih);
		pdu_set_w(h, PDU_ITT, l->itt);
		resp_start(h, resp);
	}
	bad(l, status, why);
	return reply_fail(l, resp);
}
