/* dcfg_lio_tpg: the targets of a saveconfig.json, with their TPGs,
 * portals, LUNs, node ACLs, CHAP, attributes and parameters, translated
 * into our format (see dcfg_lio.c for the mapping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcfg_lio_int.h"

/* The iSCSI TPG attributes (LIO's tpgt_N/attrib, kernel defaults). */
enum { TA_AUTH, TA_GENERATE, TA_DEMO_WP, TA_CMDSN_DEPTH, TA_LOGIN_TIMEOUT, TA_DEMO_DISCOVERY };
static const struct attr tpg_attrs[] = {
	[TA_AUTH] = { "authentication", AT_USED, 1, NULL },
	[TA_GENERATE] = { "generate_node_acls", AT_USED, 0, NULL },
	[TA_DEMO_WP] = { "demo_mode_write_protect", AT_USED, 1, NULL },
	[TA_CMDSN_DEPTH] = { "default_cmdsn_depth", AT_USED, 64, NULL },
	[TA_LOGIN_TIMEOUT] = { "login_timeout", AT_USED, 15, NULL },
	/* 1 (LIO's default): SendTargets lists the group to every initiator,
	 * ACL or not (iscsit_build_sendtargets_response); our discovery_open */
	[TA_DEMO_DISCOVERY] = { "demo_mode_discovery", AT_USED, 1, NULL },
	{ "default_erl", AT_FIXED, 0, "the level offered is the ErrorRecoveryLevel parameter's" },
	{ "fabric_prot_type", AT_FIXED, 0, "no T10 protection information" },
	{ "prod_mode_write_protect", AT_FIXED, 0, "write protection is per mapped LUN (write_protect)" },
	{ "t10_pi", AT_FIXED, 0, "no T10 protection information" },
	{ "tpg_enabled_sendtargets", AT_FIXED, 1, "SendTargets lists this TPG's portals" },
	{ "cache_dynamic_acls", AT_ANY, 0, "generated ACLs are not kept or listed by reftarget" },
	{ "login_keys_workaround", AT_ANY, 1, "which declarative keys LIO volunteers; results are the same" },
	{ "netif_timeout", AT_ANY, 2, "unused by LIO's iSCSI target" },
};
#define TPG_ATTR_COUNT (sizeof(tpg_attrs) / sizeof(tpg_attrs[0]))

/* A node ACL's attributes (LIO's acls/IQN/attrib). */
enum { NA_NOPIN_RESPONSE, NA_NOPIN, NA_AUTH };
static const struct attr acl_attrs[] = {
	[NA_NOPIN_RESPONSE] = { "nopin_response_timeout", AT_USED, 30, NULL },
	[NA_NOPIN] = { "nopin_timeout", AT_USED, 15, NULL },
	[NA_AUTH] = { "authentication", AT_USED, -1, NULL },
	{ "dataout_timeout", AT_FIXED, 3, "reftarget has no Data-Out timer" },
	{ "dataout_timeout_retries", AT_FIXED, 5, "reftarget has no Data-Out timer" },
	{ "default_erl", AT_FIXED, 0, "the level offered is the ErrorRecoveryLevel parameter's" },
	{ "random_datain_pdu_offsets", AT_FIXED, 0, "Data-In is sent in order" },
	{ "random_datain_seq_offsets", AT_FIXED, 0, "Data-In is sent in order" },
	{ "random_r2t_offsets", AT_FIXED, 0, "R2Ts are sent in order" },
};
#define ACL_ATTR_COUNT (sizeof(acl_attrs) / sizeof(acl_attrs[0]))

/* The TPG parameters (RFC 7143 §13 keys, as text). */
enum param_kind { PK_NUM, PK_YESNO, PK_DIGEST, PK_FIXED, PK_AUTH, PK_ALIAS };
static const struct param {
	const char *name;
	enum param_kind kind;
	const char *ours; /* our params key; PK_FIXED: the only values, '|' between */
} lio_params[] = {
	{ "MaxRecvDataSegmentLength", PK_NUM, "max_recv_data_segment_length" },
	{ "MaxBurstLength", PK_NUM, "max_burst_length" },
	{ "FirstBurstLength", PK_NUM, "first_burst_length" },
	{ "MaxOutstandingR2T", PK_NUM, "max_outstanding_r2t" },
	{ "MaxConnections", PK_NUM, "max_connections" },
	{ "DefaultTime2Wait", PK_NUM, "default_time2wait" },
	{ "DefaultTime2Retain", PK_NUM, "default_time2retain" },
	{ "ErrorRecoveryLevel", PK_NUM, "error_recovery_level" },
	{ "InitialR2T", PK_YESNO, "initial_r2t" },
	{ "ImmediateData", PK_YESNO, "immediate_data" },
	{ "DataPDUInOrder", PK_YESNO, "data_pdu_in_order" },
	{ "DataSequenceInOrder", PK_YESNO, "data_sequence_in_order" },
	{ "HeaderDigest", PK_DIGEST, "header_digest" },
	{ "DataDigest", PK_DIGEST, "data_digest" },
	/* LIO's cap on what it sends per PDU; reftarget sends up to the
	 * initiator's MaxRecvDataSegmentLength, which LIO's default never cuts */
	{ "MaxXmitDataSegmentLength", PK_FIXED, "262144" },
	/* markers: gone from RFC 7143 (§13 lists them as obsolete) */
	{ "IFMarker", PK_FIXED, "No" },
	{ "OFMarker", PK_FIXED, "No" },
	/* what LIO's configfs shows: the range before Linux 4.x dropped
	 * marker support, "Reject" since (targetcli-fb on Linux 6.1 saves that) */
	{ "IFMarkInt", PK_FIXED, "2048~65535|Reject" },
	{ "OFMarkInt", PK_FIXED, "2048~65535|Reject" },
	{ "AuthMethod", PK_AUTH, NULL },
	{ "TargetAlias", PK_ALIAS, NULL },
};
#define LIO_PARAM_COUNT (sizeof(lio_params) / sizeof(lio_params[0]))

/* Our params keys as the file names them, relative to the first TPG. */
static const struct dcfg_alias_leaf params_leaves[] = {
	{ "max_recv_data_segment_length", "parameters.MaxRecvDataSegmentLength" },
	{ "max_burst_length", "parameters.MaxBurstLength" },
	{ "first_burst_length", "parameters.FirstBurstLength" },
	{ "max_outstanding_r2t", "parameters.MaxOutstandingR2T" },
	{ "max_connections", "parameters.MaxConnections" },
	{ "default_time2wait", "parameters.DefaultTime2Wait" },
	{ "default_time2retain", "parameters.DefaultTime2Retain" },
	{ "error_recovery_level", "parameters.ErrorRecoveryLevel" },
	{ "initial_r2t", "parameters.InitialR2T" },
	{ "immediate_data", "parameters.ImmediateData" },
	{ "data_pdu_in_order", "parameters.DataPDUInOrder" },
	{ "data_sequence_in_order", "parameters.DataSequenceInOrder" },
	{ "header_digest", "parameters.HeaderDigest" },
	{ "data_digest", "parameters.DataDigest" },
	{ "cmd_window", "attributes.default_cmdsn_depth" },
	{ "login_timeout_ms", "attributes.login_timeout" },
	{ "nop_in_interval_ms", "node_acls" },
	{ "nop_in_timeout_ms", "node_acls" },
	{ NULL, NULL },
};

/* ---- targets and their TPGs ---- */

/* prefix+"userid"/"password" and prefix+"mutual_userid"/"mutual_password"
 * into our AUTH object: {"chap": {user, secret}, "mutual_chap": {...}}. */
int lio_load_chap(struct lio *l, json_t *o, const char *prefix, json_t *auth)
{
	static const char *const kinds[2][3] = { { "userid", "password", "chap" },
						  { "mutual_userid", "mutual_password", "mutual_chap" } };
	for (size_t k = 0; k < 2; k++) {
		char ukey[64], skey[64];
		const char *user, *secret;
		snprintf(ukey, sizeof(ukey), "%s%s", prefix, kinds[k][0]);
		snprintf(skey, sizeof(skey), "%s%s", prefix, kinds[k][1]);
		if (lio_get_str(l, o, ukey, false, &user) || lio_get_str(l, o, skey, false, &secret))
			return -1;
		if (user == NULL && secret == NULL)
			continue;
		if (user == NULL || secret == NULL) {
			lio_enter_key(l, user ? skey : ukey);
			return lio_fail(l, "missing: %s and %s come together", ukey, skey);
		}
		lio_set(l, auth, kinds[k][2], json_pack("{s:s,s:s}", "user", user, "secret", secret));
	}
	if (json_object_get(auth, "mutual_chap") && !json_object_get(auth, "chap")) {
		char ukey[64];
		snprintf(ukey, sizeof(ukey), "%smutual_userid", prefix);
		lio_enter_key(l, ukey);
		return lio_fail(l, "mutual CHAP needs the one-way %suserid and %spassword too", prefix, prefix);
	}
	return 0;
}

/* LIO's rule (authentication) against ours (CHAP exactly when credentials
 * are set), for one set of credentials; the path is at their owner. */
static int check_auth(struct lio *l, bool required, json_t *auth, const char *who)
{
	bool has = json_object_get(auth, "chap") != NULL;
	if (required && !has)
		return lio_fail(l, "authentication is 1 but %s has no chap_userid/chap_password: LIO would "
			     "refuse every login; set them or authentication=0", who);
	if (!required && has)
		return lio_fail(l, "not supported: credentials with authentication 0 (LIO would also admit "
			     "AuthMethod=None; reftarget requires CHAP when credentials are set): set "
			     "authentication=1 or remove them");
	return 0;
}

static const struct dcfg_alias_leaf auth_leaves[] = {
	{ "auth.chap.user", "chap_userid" }, { "auth.chap.secret", "chap_password" },
	{ "auth.mutual_chap.user", "chap_mutual_userid" },
	{ "auth.mutual_chap.secret", "chap_mutual_password" }, { "auth.chap", "chap_userid" },
	{ "auth.mutual_chap", "chap_mutual_userid" }, { "auth", "attributes.authentication" },
	{ "initiator", "node_wwn" }, { "luns", "mapped_luns" }, { "acls", "node_acls" },
	{ "open_access", "attributes.generate_node_acls" }, { NULL, NULL },
};

/* "CRC32C,None" etc.: ours is "CRC32C allowed" or "None only". */
static int param_value(struct lio *l, const struct param *p, const char *v, json_t *params, int *auth_method)
{
	char *end = NULL;
	unsigned long long n;
	switch (p->kind) {
	case PK_NUM:
		n = strtoull(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || *end != '\0' || n > UINT32_MAX)
			return lio_fail(l, "must be a decimal number as text (\"8192\")");
		lio_set(l, params, p->ours, json_integer((json_int_t)n));
		return 0;
	case PK_YESNO:
		if (strcmp(v, "Yes") != 0 && strcmp(v, "No") != 0)
			return lio_fail(l, "must be \"Yes\" or \"No\"");
		lio_set(l, params, p->ours, json_boolean(strcmp(v, "Yes") == 0));
		return 0;
	case PK_DIGEST:
		if (strcmp(v, "None") == 0 || strcmp(v, "CRC32C,None") == 0 || strcmp(v, "None,CRC32C") == 0) {
			lio_set(l, params, p->ours, json_boolean(strcmp(v, "None") != 0));
			return 0;
		}
		if (strcmp(v, "CRC32C") == 0)
			return lio_fail(l, "not supported: reftarget cannot require a digest, only allow "
				     "one (\"CRC32C,None\") or refuse it (\"None\")");
		return lio_fail(l, "must be \"CRC32C,None\", \"None,CRC32C\", \"None\" or \"CRC32C\"");
	case PK_FIXED:
		for (const char *a = p->ours; a; a = strchr(a, '|') ? strchr(a, '|') + 1 : NULL) {
			size_t len = strchr(a, '|') ? (size_t)(strchr(a, '|') - a) : strlen(a);
			if (strlen(v) == len && strncmp(v, a, len) == 0)
				return 0;
		}
		return lio_fail(l, "not supported: only \"%s\" (LIO's default%s) can be honoured", p->ours,
				strchr(p->ours, '|') ? "s, '|' between" : "");
	case PK_AUTH:
		*auth_method = strcmp(v, "CHAP") == 0 ? 1 : strcmp(v, "None") == 0 ? 0 : -1;
		if (*auth_method < 0 && strcmp(v, "CHAP,None") != 0 && strcmp(v, "None,CHAP") != 0)
			return lio_fail(l, "must be \"CHAP,None\", \"None,CHAP\", \"CHAP\" or \"None\"");
		return 0;
	case PK_ALIAS: /* TargetAlias: load_params keeps it */
		break;
	}
	return 0;
}

/* The TPG's parameters into params; *alias gets TargetAlias (or NULL);
 * *auth_method: 1 CHAP only, 0 None only, -1 either. */
static int load_params(struct lio *l, json_t *tpg, json_t *params, const char **alias_out, int *auth_method)
{
	json_t *o, *v;
	const char *key;
	*alias_out = NULL;
	*auth_method = -1;
	if (lio_get(l, tpg, "parameters", JSON_OBJECT, false, &o))
		return -1;
	if (o == NULL)
		return 0;
	size_t saved = lio_enter_key(l, "parameters");
	json_object_foreach(o, key, v) {
		size_t i = 0;
		while (i < LIO_PARAM_COUNT && strcmp(lio_params[i].name, key) != 0)
			i++;
		size_t in_key = lio_enter_key(l, key);
		if (i == LIO_PARAM_COUNT)
			return lio_fail(l, "not supported: a parameter reftarget does not know");
		if (!json_is_string(v))
			return lio_fail(l, "must be a string (rtslib-fb writes parameters as text)");
		if (lio_params[i].kind == PK_ALIAS)
			*alias_out = json_string_value(v);
		if (param_value(l, &lio_params[i], json_string_value(v), params, auth_method))
			return -1;
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	return 0;
}

/* params must equal the first TPG's: reftarget has one set. */
static int agree_params(struct lio *l, json_t *params)
{
	if (l->params == NULL) {
		l->params = json_incref(params);
		snprintf(l->params_path, sizeof(l->params_path), "%s", l->path);
		lio_alias(l, "params", l->path, params_leaves);
		return 0;
	}
	const char *key;
	json_t *v;
	json_object_foreach(params, key, v) {
		if (json_equal(v, json_object_get(l->params, key)))
			continue;
		for (size_t i = 0; params_leaves[i].ours; i++)
			if (strcmp(params_leaves[i].ours, key) == 0)
				lio_enter_key(l, params_leaves[i].theirs);
		return lio_fail(l, "not supported: differs from %s: reftarget has one set of session "
			     "parameters for every portal group", l->params_path);
	}
	return 0;
}

/* Our portal index for this LIO portal (added if new). */
static int load_portal(struct lio *l, json_t *p, json_t *tpg_portals)
{
	static const char *const keys[] = { "ip_address", "port", "iser", "offload", NULL };
	static const struct dcfg_alias_leaf leaves[] = { { "address", "ip_address" }, { NULL, NULL } };
	const char *ip;
	long long port = 3260;
	bool iser = false, offload = false;
	if (!json_is_object(p))
		return lio_fail(l, "must be an object");
	if (lio_only_keys(l, p, keys, "a portal") || lio_get_str(l, p, "ip_address", true, &ip) ||
	    lio_get_int(l, p, "port", false, 1, 65535, &port) || lio_get_bool(l, p, "iser", &iser) ||
	    lio_get_bool(l, p, "offload", &offload))
		return -1;
	if (iser || offload) {
		lio_enter_key(l, iser ? "iser" : "offload");
		return lio_fail(l, "not supported: reftarget serves iSCSI over TCP only");
	}
	char addr[80];
	/* IPv6 as our format writes it: "[::1]" */
	snprintf(addr, sizeof(addr), strchr(ip, ':') && ip[0] != '[' ? "[%s]" : "%s", ip);
	if (lio_map_portal(l, addr, sizeof(addr), &port))
		return -1;
	json_t *portals = json_object_get(l->ours, "portals");
	size_t n = json_array_size(portals), i = 0;
	for (; i < n; i++) {
		json_t *e = json_array_get(portals, i);
		if (strcmp(json_string_value(json_object_get(e, "address")), addr) == 0 &&
		    json_integer_value(json_object_get(e, "port")) == port)
			break;
	}
	if (i == n) {
		lio_push(l, portals, json_pack("{s:s,s:I}", "address", addr, "port", (json_int_t)port));
		char ours[32];
		snprintf(ours, sizeof(ours), "portals[%zu]", n);
		lio_alias(l, ours, l->path, leaves);
	}
	lio_push(l, tpg_portals, json_integer((json_int_t)i));
	return 0;
}

/* The ALUA group a LUN names, as an entry of our LU's "alua" for this TPG. */
static int load_lun_alua(struct lio *l, json_t *lun, long so, long long tag)
{
	const char *group = "default_tg_pt_gp";
	if (lio_get_str(l, lun, "alua_tg_pt_gp_name", false, &group))
		return -1;
	if (group == NULL)
		group = "default_tg_pt_gp";
	json_t *groups = json_object_get(json_array_get(json_object_get(l->root, "storage_objects"), (size_t)so),
					 "alua_tpgs");
	json_t *g = NULL;
	for (size_t k = 0; k < json_array_size(groups); k++) {
		const char *name = json_string_value(json_object_get(json_array_get(groups, k), "name"));
		if (name && strcmp(name, group) == 0)
			g = json_array_get(groups, k);
	}
	if (g == NULL && strcmp(group, "default_tg_pt_gp") != 0) {
		lio_enter_key(l, "alua_tg_pt_gp_name");
		return lio_fail(l, "no ALUA group '%s' in storage_objects[%ld].alua_tpgs", group, so);
	}
	json_int_t state = g ? json_integer_value(json_object_get(g, "alua_access_state")) : 0;
	json_int_t type = g && json_object_get(g, "alua_access_type")
				  ? json_integer_value(json_object_get(g, "alua_access_type")) : 3;
	json_t *preferred = g ? json_object_get(g, "preferred") : NULL;
	json_t *lu = json_array_get(json_object_get(l->ours, "lus"), (size_t)so);
	json_t *modes = json_array();
	if (type & 1)
		lio_push(l, modes, json_string("implicit"));
	if (type & 2)
		lio_push(l, modes, json_string("explicit"));
	json_t *had = json_object_get(lu, "alua_modes");
	if (had && !json_equal(had, modes)) {
		json_decref(modes);
		lio_enter_key(l, "alua_tg_pt_gp_name");
		return lio_fail(l, "not supported: group '%s' has another alua_access_type than a group "
			     "this storage object is already exported through; reftarget has one per LU", group);
	}
	lio_set(l, lu, "alua_modes", modes);
	json_t *alua = json_object_get(lu, "alua");
	for (size_t k = 0; k < json_array_size(alua); k++)
		if (json_integer_value(json_object_get(json_array_get(alua, k), "tpg")) == tag)
			return 0; /* the same LU twice in one TPG: one state per group */
	lio_push(l, alua, json_pack("{s:I,s:s,s:b}", "tpg", (json_int_t)tag, "state",
				lio_alua_state_word(state) ? lio_alua_state_word(state) : "active_optimized",
				"preferred", preferred && json_integer_value(preferred) != 0));
	return 0;
}

/* One TPG LUN: *so_out gets its storage object's index. */
static int load_tpg_lun(struct lio *l, json_t *lun, long long tag, long long *index, long *so_out)
{
	static const char *const keys[] = { "index", "storage_object", "alias", "alua_tg_pt_gp_name", NULL };
	const char *so_path, *name;
	if (!json_is_object(lun))
		return lio_fail(l, "must be an object");
	if (lio_only_keys(l, lun, keys, "a LUN") || lio_get_int(l, lun, "index", true, 0, LIO_LUN_MAX, index) ||
	    lio_get_str(l, lun, "storage_object", true, &so_path) || lio_get_str(l, lun, "alias", false, &name))
		return -1;
	size_t saved = lio_enter_key(l, "storage_object");
	*so_out = lio_find_storage_object(l, so_path);
	if (*so_out < 0)
		return -1;
	lio_leave(l, saved);
	return load_lun_alua(l, lun, *so_out, tag);
}

static const struct dcfg_alias_leaf lun_leaves[] = {
	{ "lun", "index" }, { "lu", "storage_object" }, { "read_only", "write_protect" }, { NULL, NULL },
};
static const struct dcfg_alias_leaf mapped_leaves[] = {
	{ "lun", "index" }, { "lu", "tpg_lun" }, { "read_only", "write_protect" }, { NULL, NULL },
};

/* Our LU name for the TPG LUN numbered index, or NULL. */
static const char *lu_of_tpg_lun(struct lio *l, json_t *luns, long long index)
{
	for (size_t i = 0; i < json_array_size(luns); i++) {
		json_t *lun = json_array_get(luns, i);
		if (json_integer_value(json_object_get(lun, "index")) != index)
			continue;
		long so = lio_find_storage_object(l, json_string_value(json_object_get(lun, "storage_object")));
		json_t *lu = json_array_get(json_object_get(l->ours, "lus"), (size_t)so);
		return json_string_value(json_object_get(lu, "name"));
	}
	return NULL;
}

static int load_mapped_lun(struct lio *l, json_t *m, json_t *tpg_luns, json_t *out)
{
	static const char *const keys[] = { "index", "tpg_lun", "write_protect", "alias", NULL };
	long long index = 0, tpg_lun = 0;
	bool wp = false;
	const char *name;
	if (!json_is_object(m))
		return lio_fail(l, "must be an object");
	if (lio_only_keys(l, m, keys, "a mapped LUN") || lio_get_int(l, m, "index", true, 0, LIO_LUN_MAX, &index) ||
	    lio_get_int(l, m, "tpg_lun", true, 0, LIO_LUN_MAX, &tpg_lun) || lio_get_bool(l, m, "write_protect", &wp) ||
	    lio_get_str(l, m, "alias", false, &name))
		return -1;
	const char *lu = lu_of_tpg_lun(l, tpg_luns, tpg_lun);
	if (lu == NULL) {
		lio_enter_key(l, "tpg_lun");
		return lio_fail(l, "no LUN %lld in this TPG's luns", tpg_lun);
	}
	lio_push(l, out, json_pack("{s:I,s:s,s:b}", "lun", (json_int_t)index, "lu", lu, "read_only", wp));
	return 0;
}

/* A node ACL's NOP-In timers are session parameters in reftarget: every
 * ACL must agree (LIO's defaults, 15 s and 30 s, when there is none). */
static int acl_nopin(struct lio *l, long long *vals, json_t *params, bool first)
{
	json_int_t interval = (json_int_t)vals[NA_NOPIN] * 1000;
	json_int_t timeout = (json_int_t)vals[NA_NOPIN_RESPONSE] * 1000;
	if (!first && (json_integer_value(json_object_get(params, "nop_in_interval_ms")) != interval ||
		       json_integer_value(json_object_get(params, "nop_in_timeout_ms")) != timeout)) {
		lio_enter_key(l, "attributes");
		return lio_fail(l, "not supported: nopin_timeout/nopin_response_timeout differ from the first "
			     "ACL's; reftarget has one NOP-In timer for every session");
	}
	lio_set(l, params, "nop_in_interval_ms", json_integer(interval));
	lio_set(l, params, "nop_in_timeout_ms", json_integer(timeout));
	return 0;
}

static int load_acl(struct lio *l, json_t *a, size_t i, json_t *tpg_luns, json_t *params, bool tpg_auth,
		    json_t *out)
{
	static const char *const keys[] = { "node_wwn", "mapped_luns", "attributes", "tag", "chap_userid",
					    "chap_password", "chap_mutual_userid", "chap_mutual_password", NULL };
	const char *wwn, *tag;
	long long vals[ACL_ATTR_COUNT];
	json_t *mapped, *auth = json_object(), *luns = json_array();
	json_t *acl = json_pack("{s:o,s:o}", "auth", auth, "luns", luns);
	lio_push(l, out, acl);
	if (acl == NULL)
		return lio_fail(l, "out of memory");
	/* tag: an ACL group name for targetcli's bookkeeping */
	if (!json_is_object(a))
		return lio_fail(l, "must be an object");
	if (lio_only_keys(l, a, keys, "a node ACL") || lio_get_str(l, a, "node_wwn", true, &wwn) ||
	    lio_get_str(l, a, "tag", false, &tag) || lio_load_attrs(l, a, acl_attrs, ACL_ATTR_COUNT, vals) ||
	    acl_nopin(l, vals, params, i == 0) || lio_load_chap(l, a, "chap_", auth) ||
	    check_auth(l, vals[NA_AUTH] < 0 ? tpg_auth : vals[NA_AUTH] != 0, auth, "this ACL") ||
	    lio_get(l, a, "mapped_luns", JSON_ARRAY, false, &mapped))
		return -1;
	lio_set(l, acl, "initiator", json_string(wwn));
	size_t saved = lio_enter_key(l, "mapped_luns");
	for (size_t m = 0; mapped && m < json_array_size(mapped); m++) {
		size_t in_key = lio_enter_index(l, m);
		if (load_mapped_lun(l, json_array_get(mapped, m), tpg_luns, luns))
			return -1;
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	return 0;
}

/* tpg["luns"] (the path is at the TPG): ALUA for every LUN, and our open
 * access map when generate_node_acls is set. */
static int load_tpg_luns(struct lio *l, json_t *tpg, long long tag, bool open, bool wp, const char *ours,
			 json_t *out)
{
	json_t *luns;
	if (lio_get(l, tpg, "luns", JSON_ARRAY, false, &luns))
		return -1;
	size_t saved = lio_enter_key(l, "luns");
	for (size_t i = 0; luns && i < json_array_size(luns); i++) {
		size_t in_key = lio_enter_index(l, i);
		long long index = 0;
		long so = -1;
		if (load_tpg_lun(l, json_array_get(luns, i), tag, &index, &so))
			return -1;
		for (size_t k = 0; k < i; k++) {
			if (json_integer_value(json_object_get(json_array_get(luns, k), "index")) == index) {
				lio_enter_key(l, "index");
				return lio_fail(l, "LUN %lld is already luns[%zu]", index, k);
			}
		}
		json_t *lu = json_array_get(json_object_get(l->ours, "lus"), (size_t)so);
		char our_lun[DCFG_PATH_MAX];
		if (open && snprintf(our_lun, sizeof(our_lun), "%s.luns[%zu]", ours, json_array_size(out)) <
				    (int)sizeof(our_lun))
			lio_alias(l, our_lun, l->path, lun_leaves);
		if (open)
			lio_push(l, out, json_pack("{s:I,s:O,s:b}", "lun", (json_int_t)index, "lu",
					       json_object_get(lu, "name"), "read_only", wp));
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	return 0;
}

static int load_tpg_acls(struct lio *l, json_t *tpg, json_t *params, bool auth, const char *ours, json_t *out)
{
	json_t *acls;
	if (lio_get(l, tpg, "node_acls", JSON_ARRAY, false, &acls))
		return -1;
	size_t saved = lio_enter_key(l, "node_acls");
	for (size_t i = 0; acls && i < json_array_size(acls); i++) {
		size_t in_key = lio_enter_index(l, i);
		char our_acl[DCFG_PATH_MAX], our_lun[DCFG_PATH_MAX], theirs[DCFG_PATH_MAX];
		if (snprintf(our_acl, sizeof(our_acl), "%s.acls[%zu]", ours, i) >= (int)sizeof(our_acl))
			return lio_fail(l, "too deep");
		lio_alias(l, our_acl, l->path, auth_leaves);
		json_t *mapped = json_object_get(json_array_get(acls, i), "mapped_luns");
		for (size_t m = 0; m < json_array_size(mapped); m++) {
			if (snprintf(our_lun, sizeof(our_lun), "%s.luns[%zu]", our_acl, m) >= (int)sizeof(our_lun) ||
			    snprintf(theirs, sizeof(theirs), "%s.mapped_luns[%zu]", l->path, m) >= (int)sizeof(theirs))
				return lio_fail(l, "too deep");
			lio_alias(l, our_lun, theirs, mapped_leaves);
		}
		if (load_acl(l, json_array_get(acls, i), i, json_object_get(tpg, "luns"), params, auth, out))
			return -1;
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	return 0;
}

static int load_tpg(struct lio *l, json_t *tpg, json_t *target)
{
	static const char *const keys[] = { "tag", "enable", "luns", "portals", "node_acls", "attributes",
					    "parameters", "chap_userid", "chap_password", "chap_mutual_userid",
					    "chap_mutual_password", NULL };
	long long vals[TPG_ATTR_COUNT] = { 0 }, tag = 0; /* read below even when a step failed (rc then discards it) */
	bool enable = true;
	json_t *portals;
	const char *alias_text = NULL;
	int auth_method = -1;
	if (!json_is_object(tpg))
		return lio_fail(l, "must be an object");
	if (lio_only_keys(l, tpg, keys, "a TPG") || lio_get_bool(l, tpg, "enable", &enable))
		return -1;
	if (!enable)
		return 0; /* LIO serves nothing through a disabled TPG */
	json_t *tpgs = json_object_get(target, "tpgs");
	tag = (long long)json_array_size(tpgs) + 1;
	json_t *ours = json_pack("{s:[],s:[],s:[],s:{}}", "portals", "luns", "acls", "auth");
	json_t *params = json_object();
	lio_push(l, tpgs, ours);
	if (ours == NULL || params == NULL)
		return json_decref(params), lio_fail(l, "out of memory");
	int rc = lio_get_int(l, tpg, "tag", false, 1, LIO_TAG_MAX, &tag) ||
		 lio_load_attrs(l, tpg, tpg_attrs, TPG_ATTR_COUNT, vals) ||
		 load_params(l, tpg, params, &alias_text, &auth_method);
	bool auth = vals[TA_AUTH] != 0, open = vals[TA_GENERATE] != 0;
	if (rc == 0 && auth_method >= 0 && auth_method != auth) {
		lio_enter_key(l, "parameters");
		lio_enter_key(l, "AuthMethod");
		rc = lio_fail(l, "not supported: contradicts attributes.authentication=%d", auth);
	}
	char our_path[DCFG_PATH_MAX];
	snprintf(our_path, sizeof(our_path), "targets[%u].tpgs[%zu]", l->target_out, json_array_size(tpgs) - 1);
	if (rc == 0)
		lio_alias(l, our_path, l->path, auth_leaves);
	lio_set(l, ours, "tag", json_integer(tag));
	lio_set(l, ours, "open_access", json_boolean(open));
	if (vals[TA_DEMO_DISCOVERY] != 0)
		lio_set(l, ours, "discovery_open", json_true());
	lio_set(l, params, "cmd_window", json_integer(vals[TA_CMDSN_DEPTH]));
	lio_set(l, params, "login_timeout_ms", json_integer(vals[TA_LOGIN_TIMEOUT] * 1000));
	lio_set(l, params, "nop_in_interval_ms", json_integer(15000));
	lio_set(l, params, "nop_in_timeout_ms", json_integer(30000));
	json_t *tpg_auth = json_object_get(ours, "auth");
	rc = rc || lio_load_chap(l, tpg, "chap_", tpg_auth) ||
	     (open ? check_auth(l, auth, tpg_auth, "this TPG (for generated ACLs)")
		   : json_object_size(tpg_auth) == 0 ? 0
		   : lio_fail(l, "not supported: TPG credentials apply to generated ACLs only and "
			   "generate_node_acls is 0: they would have no effect")) ||
	     load_tpg_luns(l, tpg, tag, open, vals[TA_DEMO_WP] != 0, our_path,
			   json_object_get(ours, "luns")) ||
	     load_tpg_acls(l, tpg, params, auth, our_path, json_object_get(ours, "acls")) ||
	     lio_get(l, tpg, "portals", JSON_ARRAY, false, &portals);
	if (rc == 0) {
		size_t saved = lio_enter_key(l, "portals");
		for (size_t q = 0; portals && q < json_array_size(portals); q++) {
			size_t in_key = lio_enter_index(l, q);
			if ((rc = load_portal(l, json_array_get(portals, q), json_object_get(ours, "portals"))))
				break;
			lio_leave(l, in_key);
		}
		if (rc == 0)
			lio_leave(l, saved);
	}
	if (rc == 0)
		rc = agree_params(l, params);
	if (rc == 0 && alias_text && !json_object_get(target, "alias"))
		lio_set(l, target, "alias", json_string(alias_text));
	json_decref(params);
	return rc;
}

/* A target's own "parameters" (rtslib-fb 2.1.74 and later write them for
 * kernels that have them, 5.13+): only cmd_completion_affinity, the CPU
 * LIO completes a command's work on (-1: the submitting one, its
 * default). Where a completion runs changes nothing an initiator sees, so
 * any integer is accepted; any other key is refused by name. */
static int load_target_params(struct lio *l, json_t *t)
{
	static const char *const keys[] = { "cmd_completion_affinity", NULL };
	json_t *params;
	const char *v;
	if (lio_get(l, t, "parameters", JSON_OBJECT, false, &params))
		return -1;
	if (params == NULL)
		return 0;
	size_t saved = lio_enter_key(l, "parameters");
	if (lio_only_keys(l, params, keys, "a target's parameters") ||
	    lio_get_str(l, params, "cmd_completion_affinity", false, &v))
		return -1;
	char *end = NULL;
	if (v && (strtol(v, &end, 10), end == v || *end != '\0')) {
		lio_enter_key(l, "cmd_completion_affinity");
		return lio_fail(l, "must be an integer as text (\"-1\": LIO's default)");
	}
	lio_leave(l, saved);
	return 0;
}

int lio_load_target(struct lio *l, json_t *t, size_t i)
{
	static const char *const keys[] = { "wwn", "fabric", "tpgs", "parameters", NULL };
	static const struct dcfg_alias_leaf leaves[] = { { "name", "wwn" }, { NULL, NULL } };
	const char *wwn, *fabric;
	json_t *tpgs;
	(void)i;
	if (!json_is_object(t))
		return lio_fail(l, "must be an object");
	if (lio_get_str(l, t, "fabric", true, &fabric))
		return -1;
	if (strcmp(fabric, "iscsi") != 0) {
		lio_enter_key(l, "fabric");
		return lio_fail(l, "not supported: fabric '%s'; reftarget serves iSCSI only", fabric);
	}
	if (lio_only_keys(l, t, keys, "a target") || lio_get_str(l, t, "wwn", true, &wwn) ||
	    load_target_params(l, t) || lio_get(l, t, "tpgs", JSON_ARRAY, false, &tpgs))
		return -1;
	json_t *targets = json_object_get(l->ours, "targets");
	json_t *ours = json_pack("{s:s,s:[]}", "name", wwn, "tpgs");
	if (ours == NULL)
		return lio_fail(l, "out of memory");
	l->target_out = (uint32_t)json_array_size(targets);
	char our_path[32];
	snprintf(our_path, sizeof(our_path), "targets[%u]", l->target_out);
	lio_alias(l, our_path, l->path, leaves);
	size_t saved = lio_enter_key(l, "tpgs");
	for (size_t g = 0; tpgs && g < json_array_size(tpgs); g++) {
		size_t in_key = lio_enter_index(l, g);
		if (load_tpg(l, json_array_get(tpgs, g), ours))
			return json_decref(ours), -1;
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	if (json_array_size(json_object_get(ours, "tpgs")) == 0) {
		json_decref(ours); /* no enabled TPG: LIO serves nothing of it */
		return 0;
	}
	lio_push(l, targets, ours);
	return 0;
}

