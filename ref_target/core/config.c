/* config: defaults and the consistency rules of struct rt_config.
 *
 * Pure code: no OS calls. cfg_validate() is the one place that says what a
 * configuration must satisfy before an engine may use it: RFC 7143 ranges
 * of the session parameters (§13), iSCSI name syntax (§4.2.7), CHAP secret
 * rules (§12.1.3), portal group rules (§4.4.1 ... "a portal belongs to one
 * portal group"), SCSI identity rules (SPC-4 §6.6.2 INQUIRY strings, §7.8.6
 * unique identifiers) and our own size limits (limits.h).
 *
 * Error paths use the configuration file's names (shared with the daemon's
 * JSON format, ref_target/daemon/dcfg_json.c): "targets[0].tpgs[1].auth.
 * chap.secret", so the daemon can point at the line that holds the value.
 */
#include "config.h"

#include <arpa/inet.h> /* inet_pton: pure text parsing */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* RFC 7143 §13.31 TargetAlias and TargetAddress values: text up to 255. */
#define CFG_TEXT_MAX ISCSI_VALUE_MAX
/* SPC-4 §6.6.2: T10 VENDOR IDENTIFICATION 8 bytes, PRODUCT 16 bytes. */
#define CFG_VENDOR_MAX 8u
#define CFG_PRODUCT_MAX 16u
/* SPC-4 §6.6.2: PRODUCT REVISION LEVEL 4 bytes. */
#define CFG_REVISION_MAX 4u
/* SBC-3 §5.16.2: LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT is 4 bits. */
#define CFG_LBPPBE_MAX 15u
/* SPC-4 §7.8.16: the Unit Serial Number page length is one byte. */
#define CFG_SERIAL_MAX 255u
/* rt_lu_cfg.naa_id: the 36 low bits of an NAA-6 vendor specific id. */
#define CFG_NAA_ID_MAX 0xfffffffffull
/* Longest path we build, e.g. "targets[255].tpgs[15].acls[255].luns[255].lu". */
#define CFG_PATH_MAX 96

#define CFG_LU_FLAGS_ALL (RT_LU_THIN | RT_LU_LBPRZ | RT_LU_REMOVABLE | RT_LU_READ_ONLY | \
			  RT_LU_SANITIZE | RT_LU_WCE | RT_LU_ATOMIC | RT_LU_PR_SHARED | \
			  RT_LU_ALUA_SHARED | RT_LU_COMPARE_WRITE)

uint16_t cfg_rel_port(const struct rt_target_cfg *t, uint32_t g)
{
	return t->tpgs[g].rel_port ? t->tpgs[g].rel_port : (uint16_t)(g + 1);
}

bool cfg_tpg_maps_lu(const struct rt_tpg_cfg *tpg, uint32_t lu)
{
	for (uint32_t k = 0; k < tpg->lun_count; k++)
		if (tpg->luns[k].lu == lu)
			return true;
	for (uint32_t a = 0; a < tpg->acl_count; a++)
		for (uint32_t k = 0; k < tpg->acls[a].lun_count; k++)
			if (tpg->acls[a].luns[k].lu == lu)
				return true;
	return false;
}

void cfg_params_default(struct rt_params_cfg *p)
{
	/* What the target accepts: the performance-minded values of
	 * limits.h RT_OFFER_* (why there), which negotiation takes down to
	 * the initiator's (§13: minimum, OR); InitialR2T=No lets an initiator
	 * that also says No send FirstBurstLength unsolicited. The rest: RFC
	 * 7143 §13 defaults where the RFC has one, LIO's where it leaves the
	 * choice to the target (iscsi_target_parameters.h, TA_*). */
	*p = (struct rt_params_cfg){
		.max_recv_data_segment_length = RT_OFFER_MRDSL_DEFAULT,
		.max_burst_length = RT_OFFER_MAX_BURST_DEFAULT,
		.first_burst_length = RT_OFFER_FIRST_BURST_DEFAULT,
		.max_outstanding_r2t = RT_OFFER_MAX_R2T_DEFAULT,
		.max_connections = 1,
		.default_time2wait = 2,
		.default_time2retain = 20,
		.error_recovery_level = RT_ERL_DEFAULT,
		.initial_r2t = false,
		.immediate_data = true,
		.data_pdu_in_order = true,
		.data_sequence_in_order = true,
		.header_digest = false,
		.data_digest = false,
		.cmd_window = RT_CMD_WINDOW_DEFAULT,
		.nop_in_interval_ms = 15000,
		.nop_in_timeout_ms = 30000,
		.login_timeout_ms = 15000,
		.logout_timeout_ms = 10000,
		.mem_budget_bytes = RT_MEM_BUDGET_DEFAULT,
		.session_mem_max_bytes = RT_SESSION_MEM_MAX_DEFAULT,
		.session_mem_min_bytes = RT_SESSION_MEM_MIN_DEFAULT,
		.conn_unsent_max_bytes = RT_CONN_UNSENT_MAX_DEFAULT,
		.prelogin_timeout_ms = RT_PRELOGIN_TIMEOUT_MS_DEFAULT,
		.max_conns_per_source = RT_CONNS_PER_SOURCE_DEFAULT,
		.max_login_conns_per_source = RT_LOGIN_CONNS_PER_SOURCE_DEFAULT,
		.login_rate_per_source = RT_LOGIN_RATE_PER_SOURCE_DEFAULT,
		.login_burst_per_source = RT_LOGIN_BURST_PER_SOURCE_DEFAULT,
		.reserved_session_conns = RT_RESERVED_SESSION_CONNS_DEFAULT,
		.max_sessions_per_initiator = RT_SESSIONS_PER_INITIATOR_DEFAULT,
		.max_sessions_per_source = RT_SESSIONS_PER_SOURCE_DEFAULT,
	};
}

/* The error sink: the first failure wins and is the only one reported. */
struct cv {
	char *err;
	size_t err_len;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct cv *v, const char *path, const char *fmt, ...)
{
	if (v->err_len == 0)
		return -1;
	int n = snprintf(v->err, v->err_len, "%s: ", path);
	if (n >= 0 && (size_t)n < v->err_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(v->err + n, v->err_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return false;
	return true;
}

/* RFC 7143 §4.2.7.1 (RFC 3722): after normalisation an iSCSI name holds
 * lowercase letters, digits, '-', '.', ':' (and non-ASCII letters, which
 * we do not accept: a configuration is typed by people, in ASCII). */
static bool iqn_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':';
}

/* Why 'name' is not a valid iSCSI name, or NULL if it is. */
static const char *iscsi_name_problem(const char *name)
{
	size_t n = strlen(name);
	if (n == 0)
		return "is empty";
	if (n > ISCSI_NAME_MAX)
		return "is longer than 223 bytes (RFC 7143 §4.2.7.1)";
	if (strncmp(name, "eui.", 4) == 0) /* §4.2.7.5: 16 hex digits */
		return n == 20 && all_hex(name + 4, 16) ? NULL
			: "eui. must be followed by 16 hex digits (RFC 7143 §4.2.7.5)";
	if (strncmp(name, "naa.", 4) == 0) /* §4.2.7.7: 16 or 32 hex digits */
		return (n == 20 || n == 36) && all_hex(name + 4, n - 4) ? NULL
			: "naa. must be followed by 16 or 32 hex digits (RFC 7143 §4.2.7.7)";
	if (strncmp(name, "iqn.", 4) != 0)
		return "must start with iqn., eui. or naa. (RFC 7143 §4.2.7)";
	for (size_t i = 0; i < n; i++)
		if (!iqn_char(name[i]))
			return "may hold only a-z 0-9 - . : (RFC 7143 §4.2.7.1)";
	/* §4.2.7.4: "iqn." yyyy-mm "." reversed domain name of the authority */
	const char *d = name + 4;
	bool date_ok = n > 12;
	for (int i = 0; date_ok && i < 7; i++)
		date_ok = i == 4 ? d[i] == '-' : (d[i] >= '0' && d[i] <= '9');
	if (!date_ok || d[7] != '.' || d[8] == '\0' || d[8] == ':' || d[8] == '.')
		return "must read iqn.yyyy-mm.reversed.domain[:anything] (RFC 7143 §4.2.7.4)";
	int month = (d[5] - '0') * 10 + (d[6] - '0');
	if (month < 1 || month > 12)
		return "has a month outside 01..12 (RFC 7143 §4.2.7.4)";
	return NULL;
}

static int check_name(struct cv *v, const char *path, const char *name)
{
	if (name == NULL)
		return fail(v, path, "missing");
	const char *why = iscsi_name_problem(name);
	if (why)
		return fail(v, path, "'%s' %s", name, why);
	return 0;
}

/* Printable ASCII without control characters (SPC-4 §4.3.1 ASCII data
 * fields; and text keys, RFC 7143 §6.1, must not carry NUL or newlines). */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static int check_text(struct cv *v, const char *path, const char *s, size_t max, bool empty_ok)
{
	if (s == NULL)
		return fail(v, path, "missing");
	size_t n = strlen(s);
	if (n == 0 && !empty_ok)
		return fail(v, path, "is empty");
	if (n > max)
		return fail(v, path, "is %zu bytes, at most %zu allowed", n, max);
	if (!printable(s))
		return fail(v, path, "must be printable ASCII");
	return 0;
}

static int check_chap(struct cv *v, const char *path, const struct rt_chap_cred *c)
{
	char p[CFG_PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s.user", path);
	if (check_text(v, p, c->user, RT_CHAP_NAME_MAX, false))
		return -1;
	snprintf(p, sizeof(p), "%s.secret", path);
	if (c->secret == NULL)
		return fail(v, p, "missing");
	size_t n = strlen(c->secret);
	/* RFC 7143 §12.1.3: secrets shorter than 96 bits are refused. */
	if (n < RT_CHAP_SECRET_MIN || n > RT_CHAP_SECRET_MAX)
		return fail(v, p, "is %zu bytes, must be %u..%u (RFC 7143 §12.1.3)", n,
			    RT_CHAP_SECRET_MIN, RT_CHAP_SECRET_MAX);
	return 0;
}

static bool cred_set(const struct rt_chap_cred *c)
{
	return c->user != NULL || c->secret != NULL;
}

static int check_auth(struct cv *v, const char *path, const struct rt_auth_cfg *a)
{
	char p[CFG_PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s.chap", path);
	if (cred_set(&a->in) && check_chap(v, p, &a->in))
		return -1;
	snprintf(p, sizeof(p), "%s.mutual_chap", path);
	if (!cred_set(&a->out))
		return 0;
	/* Mutual CHAP is the second half of a CHAP exchange (§12.1.3). */
	if (!cred_set(&a->in))
		return fail(v, p, "needs chap: mutual CHAP follows the initiator's CHAP (RFC 7143 §12.1.3)");
	if (check_chap(v, p, &a->out))
		return -1;
	if (strcmp(a->in.secret, a->out.secret) == 0)
		return fail(v, p, "secret equals chap.secret: a secret used to authenticate "
			    "initiators MUST NOT authenticate the target (RFC 7143 §12.1.3)");
	return 0;
}

/* "a.b.c.d" or "[v6]": literal addresses only, as initiators see them in
 * TargetAddress (RFC 7143 §13.9) and as the daemon binds them. */
static bool address_ok(const char *a)
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(a);
	if (n >= 3 && n - 2 < sizeof(buf) && a[0] == '[' && a[n - 1] == ']') {
		memcpy(buf, a + 1, n - 2);
		buf[n - 2] = '\0';
		return inet_pton(AF_INET6, buf, &a6) == 1;
	}
	return inet_pton(AF_INET, a, &a4) == 1;
}

static int check_portals(struct cv *v, const struct rt_config *cfg)
{
	char p[CFG_PATH_MAX];
	if (cfg->portal_count == 0 || cfg->portals == NULL)
		return fail(v, "portals", "at least one portal is needed");
	if (cfg->portal_count > RT_PORTALS_MAX)
		return fail(v, "portals", "%u portals, at most %u", cfg->portal_count, RT_PORTALS_MAX);
	for (uint32_t i = 0; i < cfg->portal_count; i++) {
		const struct rt_portal_cfg *pc = &cfg->portals[i];
		snprintf(p, sizeof(p), "portals[%u].address", i);
		if (pc->address == NULL)
			return fail(v, p, "missing");
		if (!address_ok(pc->address))
			return fail(v, p, "'%s' is not an IPv4 address or a bracketed IPv6 address", pc->address);
		snprintf(p, sizeof(p), "portals[%u].port", i);
		if (pc->port == 0)
			return fail(v, p, "must be 1..65535");
		for (uint32_t j = 0; j < i; j++)
			if (cfg->portals[j].port == pc->port && strcmp(cfg->portals[j].address, pc->address) == 0)
				return fail(v, p, "%s:%u is also portals[%u]", pc->address, pc->port, j);
	}
	return 0;
}

static int check_lun_map(struct cv *v, const struct rt_config *cfg, const char *path,
			 const struct rt_lun_map *luns, uint32_t count)
{
	char p[CFG_PATH_MAX + 32];
	if (count > RT_LUNS_MAX)
		return fail(v, path, "%u LUNs, at most %u", count, RT_LUNS_MAX);
	for (uint32_t i = 0; i < count; i++) {
		snprintf(p, sizeof(p), "%s[%u].lun", path, i);
		if (luns[i].lun > RT_LUN_MAX)
			return fail(v, p, "%llu is above %u (SAM-5 §4.7.7 flat space)",
				    (unsigned long long)luns[i].lun, RT_LUN_MAX);
		for (uint32_t j = 0; j < i; j++)
			if (luns[j].lun == luns[i].lun)
				return fail(v, p, "LUN %llu is also %s[%u]", (unsigned long long)luns[i].lun, path, j);
		snprintf(p, sizeof(p), "%s[%u].lu", path, i);
		if (luns[i].lu >= cfg->lu_count)
			return fail(v, p, "no such LU (%u defined)", cfg->lu_count);
	}
	return 0;
}

static int check_acls(struct cv *v, const struct rt_config *cfg, const char *path,
		      const struct rt_tpg_cfg *tpg)
{
	char p[CFG_PATH_MAX + 32];
	if (tpg->acl_count > RT_ACLS_MAX)
		return fail(v, path, "%u ACLs, at most %u", tpg->acl_count, RT_ACLS_MAX);
	for (uint32_t i = 0; i < tpg->acl_count; i++) {
		const struct rt_acl_cfg *acl = &tpg->acls[i];
		snprintf(p, sizeof(p), "%s.acls[%u].initiator", path, i);
		if (check_name(v, p, acl->initiator))
			return -1;
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(tpg->acls[j].initiator, acl->initiator) == 0)
				return fail(v, p, "'%s' is also %s.acls[%u]", acl->initiator, path, j);
		snprintf(p, sizeof(p), "%s.acls[%u].auth", path, i);
		if (check_auth(v, p, &acl->auth))
			return -1;
		snprintf(p, sizeof(p), "%s.acls[%u].luns", path, i);
		if (check_lun_map(v, cfg, p, acl->luns, acl->lun_count))
			return -1;
	}
	return 0;
}

static int check_redirect(struct cv *v, const char *path, const struct rt_tpg_cfg *tpg)
{
	char p[CFG_PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s.redirect", path);
	if (tpg->redirect != RT_REDIRECT_NONE && tpg->redirect != RT_REDIRECT_TEMPORARY &&
	    tpg->redirect != RT_REDIRECT_PERMANENT)
		return fail(v, p, "unknown redirect kind %d", (int)tpg->redirect);
	snprintf(p, sizeof(p), "%s.redirect_address", path);
	if (tpg->redirect == RT_REDIRECT_NONE)
		return tpg->redirect_address ? fail(v, p, "set, but redirect is none") : 0;
	if (tpg->redirect_address == NULL)
		return fail(v, p, "missing: a redirect needs somewhere to send the initiator");
	if (check_text(v, p, tpg->redirect_address, CFG_TEXT_MAX, false))
		return -1;
	/* RFC 7143 §13.9: domainname[:port][,portal-group-tag]; no blanks. */
	if (strchr(tpg->redirect_address, ' '))
		return fail(v, p, "must not contain blanks (RFC 7143 §13.9)");
	return 0;
}

static int check_tpg(struct cv *v, const struct rt_config *cfg, uint32_t t, uint32_t g)
{
	const struct rt_target_cfg *tc = &cfg->targets[t];
	const struct rt_tpg_cfg *tpg = &tc->tpgs[g];
	char path[CFG_PATH_MAX], p[CFG_PATH_MAX + 32];
	snprintf(path, sizeof(path), "targets[%u].tpgs[%u]", t, g);
	snprintf(p, sizeof(p), "%s.tag", path);
	for (uint32_t j = 0; j < g; j++)
		if (tc->tpgs[j].tag == tpg->tag)
			return fail(v, p, "tag %u is also targets[%u].tpgs[%u]", tpg->tag, t, j);
	/* SPC-4 §7.8.6.7: each target port of a target has its own
	 * relative port id (configured, or the group's position) */
	snprintf(p, sizeof(p), "%s.relative_port", path);
	for (uint32_t j = 0; j < g; j++)
		if (cfg_rel_port(tc, j) == cfg_rel_port(tc, g))
			return fail(v, p, "relative port %u is also targets[%u].tpgs[%u]'s", cfg_rel_port(tc, g), t, j);
	snprintf(p, sizeof(p), "%s.portals", path);
	if (tpg->portal_count == 0)
		return fail(v, p, "a portal group needs at least one portal");
	for (uint32_t i = 0; i < tpg->portal_count; i++) {
		uint32_t pi = tpg->portals[i];
		snprintf(p, sizeof(p), "%s.portals[%u]", path, i);
		if (pi >= cfg->portal_count)
			return fail(v, p, "no such portal (%u defined)", cfg->portal_count);
		for (uint32_t j = 0; j < i; j++)
			if (tpg->portals[j] == pi)
				return fail(v, p, "portal %u is listed twice", pi);
		/* RFC 7143 §4.4.1 (§3.4.1 of RFC 3720): within one target a
		 * network portal belongs to exactly one portal group. */
		for (uint32_t og = 0; og < g; og++)
			for (uint32_t k = 0; k < tc->tpgs[og].portal_count; k++)
				if (tc->tpgs[og].portals[k] == pi)
					return fail(v, p, "portal %u is already in targets[%u].tpgs[%u] "
						    "(a portal belongs to one portal group of a target)", pi, t, og);
	}
	snprintf(p, sizeof(p), "%s.auth", path);
	if (check_auth(v, p, &tpg->auth))
		return -1;
	snprintf(p, sizeof(p), "%s.luns", path);
	if (check_lun_map(v, cfg, p, tpg->luns, tpg->lun_count))
		return -1;
	if (check_acls(v, cfg, path, tpg) || check_redirect(v, path, tpg))
		return -1;
	if (!tpg->open_access && tpg->acl_count == 0 && tpg->redirect == RT_REDIRECT_NONE)
		return fail(v, path, "no initiator can log in: open_access is false and acls is empty");
	return 0;
}

static int check_targets(struct cv *v, const struct rt_config *cfg)
{
	char p[CFG_PATH_MAX];
	if (cfg->target_count == 0 || cfg->targets == NULL)
		return fail(v, "targets", "at least one target is needed");
	if (cfg->target_count > RT_TARGETS_MAX)
		return fail(v, "targets", "%u targets, at most %u", cfg->target_count, RT_TARGETS_MAX);
	for (uint32_t t = 0; t < cfg->target_count; t++) {
		const struct rt_target_cfg *tc = &cfg->targets[t];
		snprintf(p, sizeof(p), "targets[%u].name", t);
		if (check_name(v, p, tc->name))
			return -1;
		for (uint32_t j = 0; j < t; j++)
			if (strcmp(cfg->targets[j].name, tc->name) == 0)
				return fail(v, p, "'%s' is also targets[%u]", tc->name, j);
		snprintf(p, sizeof(p), "targets[%u].alias", t);
		if (tc->alias && check_text(v, p, tc->alias, CFG_TEXT_MAX, false))
			return -1;
		snprintf(p, sizeof(p), "targets[%u].tpgs", t);
		if (tc->tpg_count == 0)
			return fail(v, p, "a target needs at least one portal group");
		if (tc->tpg_count > RT_TPGS_MAX)
			return fail(v, p, "%u portal groups, at most %u", tc->tpg_count, RT_TPGS_MAX);
		for (uint32_t g = 0; g < tc->tpg_count; g++)
			if (check_tpg(v, cfg, t, g))
				return -1;
	}
	return 0;
}

static bool alua_state_valid(enum rt_alua_state st)
{
	switch (st) {
	case RT_ALUA_ACTIVE_OPTIMIZED:
	case RT_ALUA_ACTIVE_NONOPTIMIZED:
	case RT_ALUA_STANDBY:
	case RT_ALUA_UNAVAILABLE:
	case RT_ALUA_TRANSITIONING:
		return true;
	}
	return false;
}

/* A TPG of any target that maps LU lu and has this tag. */
static bool alua_tag_maps_lu(const struct rt_config *cfg, uint16_t tag, uint32_t lu)
{
	for (uint32_t t = 0; t < cfg->target_count; t++)
		for (uint32_t g = 0; g < cfg->targets[t].tpg_count; g++)
			if (cfg->targets[t].tpgs[g].tag == tag && cfg_tpg_maps_lu(&cfg->targets[t].tpgs[g], lu))
				return true;
	return false;
}

/* SPC-4 §5.15: one access state per target port group through which the
 * LU is reachable; a state for a group that never shows the LU would be
 * reported by REPORT TARGET PORT GROUPS for nothing. */
static int check_alua(struct cv *v, const struct rt_config *cfg, uint32_t i)
{
	const struct rt_lu_cfg *lu = &cfg->lus[i];
	char p[CFG_PATH_MAX];
	snprintf(p, sizeof(p), "lus[%u].alua_modes", i);
	if (lu->alua_modes & ~(RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT))
		return fail(v, p, "unknown mode bits 0x%x", lu->alua_modes & ~(RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT));
	if (lu->alua_count > 0 && lu->alua == NULL)
		return fail(v, "lus", "lus[%u]: %u ALUA entries without a table", i, lu->alua_count);
	for (uint32_t k = 0; k < lu->alua_count; k++) {
		const struct rt_alua_cfg *a = &lu->alua[k];
		snprintf(p, sizeof(p), "lus[%u].alua[%u].state", i, k);
		if (!alua_state_valid(a->state))
			return fail(v, p, "0x%x is not an access state (SPC-4 §6.37)", (unsigned)a->state);
		snprintf(p, sizeof(p), "lus[%u].alua[%u].tpg", i, k);
		/* with shared ownership the other gateways' groups are listed
		 * too: every gateway reports every group (RT_LU_ALUA_SHARED) */
		if (!(lu->flags & RT_LU_ALUA_SHARED) && !alua_tag_maps_lu(cfg, a->tpg_tag, i))
			return fail(v, p, "no portal group with tag %u maps this LU", a->tpg_tag);
		for (uint32_t j = 0; j < k; j++)
			if (lu->alua[j].tpg_tag == a->tpg_tag)
				return fail(v, p, "tag %u is also lus[%u].alua[%u]", a->tpg_tag, i, j);
	}
	return 0;
}

static int check_lu(struct cv *v, const struct rt_config *cfg, uint32_t i)
{
	const struct rt_lu_cfg *lu = &cfg->lus[i];
	char p[CFG_PATH_MAX];
	snprintf(p, sizeof(p), "lus[%u].name", i);
	if (check_text(v, p, lu->name, CFG_TEXT_MAX, false))
		return -1;
	for (uint32_t j = 0; j < i; j++)
		if (strcmp(cfg->lus[j].name, lu->name) == 0)
			return fail(v, p, "'%s' is also lus[%u]", lu->name, j);
	snprintf(p, sizeof(p), "lus[%u].block_size", i);
	if (lu->block_size != 512 && lu->block_size != 4096)
		return fail(v, p, "%u, must be 512 or 4096", lu->block_size);
	snprintf(p, sizeof(p), "lus[%u].size", i);
	if (lu->blocks == 0)
		return fail(v, p, "must hold at least one block");
	/* READ CAPACITY(16) reports the last LBA in 64 bits (SBC-3 §5.16),
	 * and offsets are bytes in 64 bits (rt_disk_io). */
	if (lu->blocks > UINT64_MAX / lu->block_size)
		return fail(v, p, "%llu blocks of %u bytes overflow 64 bits",
			    (unsigned long long)lu->blocks, lu->block_size);
	snprintf(p, sizeof(p), "lus[%u].flags", i);
	if (lu->flags & ~CFG_LU_FLAGS_ALL)
		return fail(v, p, "unknown flag bits 0x%x", lu->flags & ~CFG_LU_FLAGS_ALL);
	/* SBC-3 §4.7.3.2: LBPRZ describes unmapped blocks: only thin LUs have them. */
	if ((lu->flags & RT_LU_LBPRZ) && !(lu->flags & RT_LU_THIN))
		return fail(v, p, "lbprz needs thin (SBC-3 §4.7.3.2)");
	/* COMPARE AND WRITE covers whole blocks: a storage that cannot
	 * compare one cannot offer it (the daemon leaves the flag off). */
	if ((lu->flags & RT_LU_COMPARE_WRITE) && lu->compare_write_max < lu->block_size)
		return fail(v, p, "compare_write, but compare_write_max %u is less than one block (%u)",
			    lu->compare_write_max, lu->block_size);
	snprintf(p, sizeof(p), "lus[%u].serial", i);
	if (check_text(v, p, lu->serial, CFG_SERIAL_MAX, false))
		return -1;
	for (uint32_t j = 0; j < i; j++)
		if (strcmp(cfg->lus[j].serial, lu->serial) == 0)
			return fail(v, p, "'%s' is also lus[%u].serial (SPC-4 §7.8.16: serials identify LUs)",
				    lu->serial, j);
	snprintf(p, sizeof(p), "lus[%u].naa_id", i);
	if (lu->naa_id > CFG_NAA_ID_MAX)
		return fail(v, p, "0x%llx does not fit in 36 bits", (unsigned long long)lu->naa_id);
	for (uint32_t j = 0; j < i; j++)
		if (cfg->lus[j].naa_id == lu->naa_id)
			return fail(v, p, "0x%llx is also lus[%u].naa_id (SPC-4 §7.8.6: designators are unique)",
				    (unsigned long long)lu->naa_id, j);
	snprintf(p, sizeof(p), "lus[%u].vendor", i);
	if (lu->vendor && check_text(v, p, lu->vendor, CFG_VENDOR_MAX, false))
		return -1;
	snprintf(p, sizeof(p), "lus[%u].product", i);
	if (lu->product && check_text(v, p, lu->product, CFG_PRODUCT_MAX, false))
		return -1;
	snprintf(p, sizeof(p), "lus[%u].revision", i);
	if (lu->revision && check_text(v, p, lu->revision, CFG_REVISION_MAX, false))
		return -1;
	snprintf(p, sizeof(p), "lus[%u].lbppbe", i);
	if (lu->lbppbe > CFG_LBPPBE_MAX)
		return fail(v, p, "%u, at most %u (SBC-3 §5.16.2)", lu->lbppbe, CFG_LBPPBE_MAX);
	return 0;
}

static int check_lus(struct cv *v, const struct rt_config *cfg)
{
	if (cfg->lu_count > RT_LUS_MAX)
		return fail(v, "lus", "%u LUs, at most %u", cfg->lu_count, RT_LUS_MAX);
	for (uint32_t i = 0; i < cfg->lu_count; i++)
		if (check_lu(v, cfg, i))
			return -1;
	return 0;
}

/* After the targets: ALUA entries name their TPGs. */
static int check_lus_alua(struct cv *v, const struct rt_config *cfg)
{
	for (uint32_t i = 0; i < cfg->lu_count; i++)
		if (check_alua(v, cfg, i))
			return -1;
	return 0;
}

static int check_range(struct cv *v, const char *key, uint32_t val, uint32_t lo, uint32_t hi,
		       const char *section)
{
	if (val >= lo && val <= hi)
		return 0;
	char p[CFG_PATH_MAX];
	snprintf(p, sizeof(p), "params.%s", key);
	return fail(v, p, "%u is outside %u..%u (%s)", val, lo, hi, section);
}

static int check_range64(struct cv *v, const char *key, uint64_t val, uint64_t lo, uint64_t hi,
			 const char *section)
{
	if (val >= lo && val <= hi)
		return 0;
	char p[CFG_PATH_MAX];
	snprintf(p, sizeof(p), "params.%s", key);
	return fail(v, p, "%llu is outside %llu..%llu (%s)", (unsigned long long)val, (unsigned long long)lo,
		    (unsigned long long)hi, section);
}

/* The memory budget and its shares (core/mem.h): each share fits in what
 * contains it, so the admission rules can always be met by someone. */
static int check_mem(struct cv *v, const struct rt_params_cfg *p)
{
	return check_range64(v, "mem_budget_bytes", p->mem_budget_bytes, RT_MEM_BUDGET_MIN, RT_MEM_BUDGET_MAX,
			     "limits.h RT_MEM_BUDGET_MIN..MAX") ||
	       check_range64(v, "session_mem_max_bytes", p->session_mem_max_bytes, RT_SESSION_MEM_FLOOR,
			     p->mem_budget_bytes, "at least 1 MiB, at most mem_budget_bytes") ||
	       check_range64(v, "session_mem_min_bytes", p->session_mem_min_bytes, RT_SESSION_MEM_FLOOR,
			     p->session_mem_max_bytes, "at least 1 MiB, at most session_mem_max_bytes") ||
	       check_range64(v, "conn_unsent_max_bytes", p->conn_unsent_max_bytes, RT_CONN_UNSENT_MIN,
			     p->mem_budget_bytes, "at least 64 KiB, at most mem_budget_bytes");
}

/* The admission knobs (admit.h, limits.h): each must leave real
 * initiators a way in. */
static int check_admission(struct cv *v, const struct rt_params_cfg *p)
{
	if (check_range(v, "prelogin_timeout_ms", p->prelogin_timeout_ms, 1, p->login_timeout_ms,
			"a connection must get time to send its first Login PDU, within login_timeout_ms") ||
	    check_range(v, "max_conns_per_source", p->max_conns_per_source, 1, RT_CONNS_MAX,
			"limits.h RT_CONNS_MAX") ||
	    check_range(v, "max_login_conns_per_source", p->max_login_conns_per_source, 1,
			p->max_conns_per_source, "at most max_conns_per_source") ||
	    check_range(v, "login_rate_per_source", p->login_rate_per_source, 0, RT_LOGIN_RATE_MAX,
			"new connections per second, 0: no limit") ||
	    (p->login_rate_per_source > 0 &&
	     check_range(v, "login_burst_per_source", p->login_burst_per_source, 1, RT_LOGIN_BURST_MAX,
			 "a rate needs a burst of at least one connection")) ||
	    check_range(v, "reserved_session_conns", p->reserved_session_conns, 0, RT_CONNS_MAX - 1,
			"logins need at least one of the RT_CONNS_MAX slots") ||
	    check_range(v, "max_sessions_per_initiator", p->max_sessions_per_initiator, 1, RT_SESSIONS_MAX,
			"limits.h RT_SESSIONS_MAX") ||
	    check_range(v, "max_sessions_per_source", p->max_sessions_per_source, 1, RT_SESSIONS_MAX,
			"limits.h RT_SESSIONS_MAX"))
		return -1;
	return 0;
}

static int check_params(struct cv *v, const struct rt_params_cfg *p)
{
	if (check_range(v, "max_recv_data_segment_length", p->max_recv_data_segment_length,
			ISCSI_MRDSL_MIN, ISCSI_MRDSL_MAX, "RFC 7143 §13.12") ||
	    check_range(v, "max_burst_length", p->max_burst_length, ISCSI_BURST_MIN, ISCSI_BURST_MAX,
			"RFC 7143 §13.13") ||
	    /* §13.14: FirstBurstLength MUST NOT exceed MaxBurstLength. */
	    check_range(v, "first_burst_length", p->first_burst_length, ISCSI_BURST_MIN,
			p->max_burst_length, "RFC 7143 §13.14, at most max_burst_length") ||
	    check_range(v, "max_outstanding_r2t", p->max_outstanding_r2t, 1, ISCSI_MAX_R2T_MAX,
			"RFC 7143 §13.17") ||
	    check_range(v, "max_connections", p->max_connections, 1, ISCSI_MAX_CONNS_MAX,
			"RFC 7143 §13.2") ||
	    check_range(v, "default_time2wait", p->default_time2wait, 0, ISCSI_TIME2_MAX,
			"RFC 7143 §13.15") ||
	    check_range(v, "default_time2retain", p->default_time2retain, 0, ISCSI_TIME2_MAX,
			"RFC 7143 §13.16") ||
	    check_range(v, "error_recovery_level", p->error_recovery_level, 0, RT_ERL_IMPLEMENTED,
			"RFC 7143 §13.20; limits.h RT_ERL_IMPLEMENTED") ||
	    check_range(v, "cmd_window", p->cmd_window, 1, RT_CMD_WINDOW_MAX, "limits.h RT_CMD_WINDOW_MAX") ||
	    check_range(v, "login_timeout_ms", p->login_timeout_ms, 1, UINT32_MAX,
			"a login must end some time") ||
	    check_range(v, "logout_timeout_ms", p->logout_timeout_ms, 1, UINT32_MAX,
			"a requested logout must end some time"))
		return -1;
	if (p->nop_in_interval_ms > 0 &&
	    check_range(v, "nop_in_timeout_ms", p->nop_in_timeout_ms, 1, UINT32_MAX,
			"pings need a deadline for the answer"))
		return -1;
	return check_mem(v, p) || check_admission(v, p) ? -1 : 0;
}

int cfg_validate(const struct rt_config *cfg, char *err, size_t err_len)
{
	struct cv v = { err, err_len };
	if (err_len > 0)
		err[0] = '\0';
	if (check_portals(&v, cfg) || check_lus(&v, cfg) || check_targets(&v, cfg) || check_lus_alua(&v, cfg) ||
	    check_auth(&v, "discovery_auth", &cfg->discovery_auth) || check_params(&v, &cfg->params))
		return -1;
	return 0;
}
