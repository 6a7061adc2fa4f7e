/* dcfg_lio_save: our model (dcfg_json.c's format) written as targetcli-fb's
 * saveconfig.json, the inverse of dcfg_lio.c's mapping (its header has the
 * table), so that `saveconfig format=lio` gives a file LIO's targetcli
 * restoreconfig and our --lio-config both read.
 *
 * What LIO's file cannot say is refused with its path, never dropped:
 * LU flags without an LIO attribute (removable, sanitize, atomic,
 * read_only on a fileio or ramdisk object), ALUA states other than LIO's
 * default group (active/optimized, both modes), redirects, target
 * resets, an ACL mapping an LU its portal group does not export, and
 * engine parameters LIO has no key for (memory budget, admission limits)
 * when they differ from our defaults, timers that are not whole seconds
 * (LIO keeps login_timeout and the NOP-In timers in seconds), and NOP-In
 * timers other than LIO's defaults in a group without node ACLs (LIO
 * keeps them per ACL; generated ones get the defaults). LIO derives the NAA designator from
 * the wwn, so naa_id is not written: a restored LU keeps its serial, and
 * its NAA is derived again.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dcfg.h"
#include "dcfg_save.h"

#define LIO_MS_PER_S 1000
/* A node ACL's nopin_timeout and nopin_response_timeout when none says
 * otherwise (LIO's defaults, as dcfg_lio_tpg.c reads them back). */
#define LIO_NOPIN_MS 15000
#define LIO_NOPIN_RESPONSE_MS 30000

static json_t *lfail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static json_t *lfail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	/* a buffer too small for the prefix keeps what fits of it */
	size_t n = (size_t)snprintf(err, err_len, "saveconfig format=lio: ");
	if (n < err_len)
		vsnprintf(err + n, err_len - n, fmt, ap);
	va_end(ap);
	return NULL;
}

static const char *s_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool has_flag(json_t *lu, const char *flag)
{
	json_t *f = json_object_get(lu, "flags");
	for (size_t i = 0; i < json_array_size(f); i++)
		if (strcmp(json_string_value(json_array_get(f, i)) ?: "", flag) == 0)
			return true;
	return false;
}

/* "size": bytes or "64M"; 0 if absent. -1 if not a size. */
static int size_of(json_t *lu, uint64_t *bytes)
{
	json_t *s = json_object_get(lu, "size");
	*bytes = 0;
	if (s == NULL)
		return 0;
	if (json_is_integer(s) && json_integer_value(s) >= 0) {
		*bytes = (uint64_t)json_integer_value(s);
		return 0;
	}
	return json_is_string(s) ? dcfg_parse_size(json_string_value(s), bytes) : -1;
}

static const char *plugin_of(const char *backstore)
{
	if (backstore == NULL || strcmp(backstore, "ram") == 0)
		return "ramdisk";
	return strcmp(backstore, "file") == 0 ? "fileio" : strcmp(backstore, "block") == 0 ? "block" : NULL;
}

/* Our LU name without the "plugin/" dcfg_lio.c put in front. */
static const char *lio_name(const char *name, const char *plugin)
{
	size_t n = strlen(plugin);
	return strncmp(name, plugin, n) == 0 && name[n] == '/' ? name + n + 1 : name;
}

static json_t *storage_object(json_t *lu, size_t i, char *err, size_t err_len)
{
	static const char *const unsaid[] = { "removable", "sanitize", "atomic", NULL };
	const char *name = s_of(lu, "name"), *plugin = plugin_of(s_of(lu, "backstore"));
	uint64_t bytes;
	if (name == NULL || plugin == NULL || size_of(lu, &bytes) != 0)
		return lfail(err, err_len, "lus[%zu]: not a well-formed LU", i);
	const char *short_name = lio_name(name, plugin);
	if (strchr(short_name, '/') != NULL)
		return lfail(err, err_len, "lus[%zu].name: '%s' holds a '/' (LIO names are one path part)", i, name);
	for (size_t k = 0; unsaid[k]; k++)
		if (has_flag(lu, unsaid[k]))
			return lfail(err, err_len, "lus[%zu].flags: '%s' has no LIO attribute", i, unsaid[k]);
	if (has_flag(lu, "read_only") && strcmp(plugin, "block") != 0)
		return lfail(err, err_len, "lus[%zu].flags: read_only exists in LIO for block objects only", i);
	/* LIO's default group: active/optimized, not preferred, both modes */
	json_t *alua = json_object_get(lu, "alua"), *modes = json_object_get(lu, "alua_modes");
	for (size_t k = 0; k < json_array_size(alua); k++) {
		json_t *a = json_array_get(alua, k);
		const char *st = s_of(a, "state");
		if ((st != NULL && strcmp(st, "active_optimized") != 0) || json_is_true(json_object_get(a, "preferred")))
			return lfail(err, err_len, "lus[%zu].alua[%zu]: only LIO's default ALUA group "
				     "(active/optimized, not preferred) is written", i, k);
	}
	if (modes != NULL && json_array_size(modes) != 2)
		return lfail(err, err_len, "lus[%zu].alua_modes: only both (LIO's default alua_access_type 3) is written", i);
	json_t *bs = json_object_get(lu, "block_size");
	json_t *attrs = json_pack("{s:I, s:i, s:i, s:i}", "block_size", bs ? json_integer_value(bs) : 512,
				  "emulate_tpu", has_flag(lu, "thin"), "unmap_zeroes_data", has_flag(lu, "lbprz"),
				  "emulate_write_cache", has_flag(lu, "wce"));
	json_t *so = json_pack("{s:s, s:s, s:o}", "name", short_name, "plugin", plugin, "attributes", attrs);
	if (s_of(lu, "serial") != NULL && s_of(lu, "serial")[0] != '\0')
		json_object_set_new(so, "wwn", json_string(s_of(lu, "serial")));
	if (strcmp(plugin, "ramdisk") != 0)
		json_object_set_new(so, "dev", json_string(s_of(lu, "path") ? s_of(lu, "path") : ""));
	if (strcmp(plugin, "block") == 0)
		json_object_set_new(so, "readonly", json_boolean(has_flag(lu, "read_only")));
	else if (bytes != 0)
		json_object_set_new(so, "size", json_integer((json_int_t)bytes));
	if (strcmp(plugin, "ramdisk") != 0)
		json_object_set_new(so, "write_back", json_boolean(has_flag(lu, "wce")));
	return so;
}

static json_t *lu_by_name(json_t *model, const char *name)
{
	json_t *lus = json_object_get(model, "lus");
	for (size_t i = 0; name != NULL && i < json_array_size(lus); i++)
		if (strcmp(s_of(json_array_get(lus, i), "name") ?: "", name) == 0)
			return json_array_get(lus, i);
	return NULL;
}

static void chap_keys(json_t *to, json_t *auth, const char *prefix)
{
	static const char *const kinds[2][2] = { { "chap", "" }, { "mutual_chap", "mutual_" } };
	char key[64];
	for (int m = 0; m < 2; m++) {
		json_t *c = json_object_get(auth, kinds[m][0]);
		if (c == NULL)
			continue;
		snprintf(key, sizeof(key), "%s%suserid", prefix, kinds[m][1]);
		json_object_set_new(to, key, json_string(s_of(c, "user") ?: ""));
		snprintf(key, sizeof(key), "%s%spassword", prefix, kinds[m][1]);
		json_object_set_new(to, key, json_string(s_of(c, "secret") ?: ""));
	}
}

/* Integer member of params, or dflt. */
static json_int_t p_int(json_t *params, const char *key, json_int_t dflt)
{
	json_t *v = json_object_get(params, key);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static bool p_bool(json_t *params, const char *key, bool dflt)
{
	json_t *v = json_object_get(params, key);
	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

/* The parameters every LIO TPG carries (the loader wants them equal). */
static json_t *lio_parameters(json_t *params, const char *alias, bool auth)
{
	struct rt_params_cfg d;
	cfg_params_default(&d);
	char num[14][24];
	static const char *const nkeys[] = { "max_recv_data_segment_length", "max_burst_length", "first_burst_length",
					     "max_outstanding_r2t", "max_connections", "default_time2wait",
					     "default_time2retain", "error_recovery_level" };
	const json_int_t ndef[] = { d.max_recv_data_segment_length, d.max_burst_length, d.first_burst_length,
				    d.max_outstanding_r2t, d.max_connections, d.default_time2wait,
				    d.default_time2retain, d.error_recovery_level };
	for (int k = 0; k < 8; k++)
		snprintf(num[k], sizeof(num[k]), "%lld", (long long)p_int(params, nkeys[k], ndef[k]));
#define YN(key, dflt) (p_bool(params, key, dflt) ? "Yes" : "No")
#define DG(key, dflt) (p_bool(params, key, dflt) ? "CRC32C,None" : "None")
	json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
			      "MaxRecvDataSegmentLength", num[0], "MaxBurstLength", num[1], "FirstBurstLength", num[2],
			      "MaxOutstandingR2T", num[3], "MaxConnections", num[4], "DefaultTime2Wait", num[5],
			      "DefaultTime2Retain", num[6], "ErrorRecoveryLevel", num[7], "InitialR2T",
			      YN("initial_r2t", d.initial_r2t), "ImmediateData", YN("immediate_data", d.immediate_data),
			      "DataPDUInOrder", YN("data_pdu_in_order", d.data_pdu_in_order), "DataSequenceInOrder",
			      YN("data_sequence_in_order", d.data_sequence_in_order), "HeaderDigest",
			      DG("header_digest", d.header_digest), "DataDigest", DG("data_digest", d.data_digest),
			      "MaxXmitDataSegmentLength", "262144", "IFMarker", "No", "OFMarker", "No", "IFMarkInt",
			      "2048~65535", "OFMarkInt", "2048~65535", "AuthMethod", auth ? "CHAP" : "CHAP,None");
#undef YN
#undef DG
	if (alias != NULL)
		json_object_set_new(p, "TargetAlias", json_string(alias));
	return p;
}

static json_t *lio_tpg(json_t *model, json_t *g, const char *alias, const char *where, char *err, size_t err_len)
{
	json_t *params = json_object_get(model, "params");
	struct rt_params_cfg d;
	cfg_params_default(&d);
	if (s_of(g, "redirect") != NULL && strcmp(s_of(g, "redirect"), "none") != 0)
		return lfail(err, err_len, "%s.redirect: LIO has no login redirection", where);
	if (json_is_true(json_object_get(g, "target_reset")))
		return lfail(err, err_len, "%s.target_reset: not written (LIO's tmr attributes are not read back)", where);
	json_t *acls_in = json_object_get(g, "acls");
	if (json_array_size(acls_in) == 0 &&
	    (p_int(params, "nop_in_interval_ms", d.nop_in_interval_ms) != LIO_NOPIN_MS ||
	     p_int(params, "nop_in_timeout_ms", d.nop_in_timeout_ms) != LIO_NOPIN_RESPONSE_MS))
		return lfail(err, err_len, "%s: params.nop_in_interval_ms and nop_in_timeout_ms are not LIO's defaults "
			     "(15 s, 30 s), and LIO keeps them per node ACL: this group has none", where);
	/* LIO has one switch per group (attributes.authentication): CHAP for
	 * everyone who may log in, or for nobody; and TPG credentials serve
	 * generated ACLs only. Ours may mix: what LIO cannot say is refused. */
	bool open_g = json_is_true(json_object_get(g, "open_access"));
	bool tpg_auth = json_object_get(g, "auth") != NULL;
	if (tpg_auth && !open_g)
		return lfail(err, err_len, "%s.auth: credentials of a group without open access have no effect "
			     "(LIO refuses them)", where);
	size_t with = 0;
	for (size_t a = 0; a < json_array_size(acls_in); a++)
		with += json_object_get(json_array_get(acls_in, a), "auth") != NULL;
	bool any_auth = tpg_auth || with != 0;
	if (any_auth && (with != json_array_size(acls_in) || (open_g && !tpg_auth)))
		return lfail(err, err_len, "%s: CHAP for some initiators only (LIO's authentication attribute is "
			     "one for the whole group)", where);
	/* The group's LUNs, and the LUs only ACLs map (our ACL-only groups
	 * need no LUN list of their own; LIO's mapped LUNs point into one):
	 * those get a group LUN, numbered as the first ACL maps them if free. */
	json_t *luns_in = json_deep_copy(json_object_get(g, "luns")), *luns = json_array();
	if (!json_is_array(luns_in)) {
		json_decref(luns_in);
		luns_in = json_array();
	}
	size_t own = json_array_size(luns_in);
	for (size_t a = 0; a < json_array_size(acls_in); a++) {
		json_t *m = json_object_get(json_array_get(acls_in, a), "luns");
		for (size_t k = 0; k < json_array_size(m); k++) {
			json_t *l = json_array_get(m, k);
			bool have = false, num_used = false;
			json_int_t want = json_integer_value(json_object_get(l, "lun")), free_num = 0;
			for (size_t t = 0; t < json_array_size(luns_in); t++) {
				json_t *tl = json_array_get(luns_in, t);
				have |= strcmp(s_of(tl, "lu") ?: "", s_of(l, "lu") ?: "-") == 0;
				num_used |= json_integer_value(json_object_get(tl, "lun")) == want;
			}
			if (have)
				continue;
			for (bool clash = true; num_used && clash; free_num += clash) {
				clash = false;
				for (size_t t = 0; t < json_array_size(luns_in); t++)
					clash |= json_integer_value(json_object_get(json_array_get(luns_in, t), "lun")) == free_num;
			}
			json_array_append_new(luns_in, json_pack("{s:I, s:s}", "lun", num_used ? free_num : want, "lu",
								  s_of(l, "lu") ?: ""));
		}
	}
	size_t ro = 0;
	for (size_t k = 0; k < json_array_size(luns_in); k++) {
		json_t *l = json_array_get(luns_in, k), *lu = lu_by_name(model, s_of(l, "lu"));
		const char *plugin = lu ? plugin_of(s_of(lu, "backstore")) : NULL;
		if (plugin == NULL) {
			json_decref(luns), json_decref(luns_in);
			return lfail(err, err_len, "%s.luns[%zu].lu: no such LU", where, k);
		}
		char so[512];
		snprintf(so, sizeof(so), "/backstores/%s/%s", plugin, lio_name(s_of(lu, "name"), plugin));
		json_array_append_new(luns, json_pack("{s:I, s:s}", "index", json_integer_value(json_object_get(l, "lun")),
						      "storage_object", so));
		ro += json_is_true(json_object_get(l, "read_only"));
	}
	bool open = json_is_true(json_object_get(g, "open_access"));
	if (open && json_array_size(luns_in) != own) {
		json_decref(luns), json_decref(luns_in);
		return lfail(err, err_len, "%s.acls: an ACL maps an LU the group does not export: with "
			     "generate_node_acls LIO would show it to every initiator", where);
	}
	if (open && ro != 0 && ro != json_array_size(luns_in)) {
		json_decref(luns), json_decref(luns_in);
		return lfail(err, err_len, "%s.luns: read_only on some LUNs only (LIO's demo_mode_write_protect is "
			     "for all of them)", where);
	}
	json_t *acls = json_array();
	for (size_t a = 0; a < json_array_size(acls_in); a++) {
		json_t *acl = json_array_get(acls_in, a), *ml = json_array(), *m = json_object_get(acl, "luns");
		for (size_t k = 0; k < json_array_size(m); k++) {
			json_t *l = json_array_get(m, k);
			long tpg_lun = -1;
			for (size_t t = 0; t < json_array_size(luns_in) && tpg_lun < 0; t++)
				if (strcmp(s_of(json_array_get(luns_in, t), "lu") ?: "", s_of(l, "lu") ?: "-") == 0)
					tpg_lun = (long)json_integer_value(json_object_get(json_array_get(luns_in, t), "lun"));
			if (tpg_lun < 0) {
				json_decref(ml), json_decref(acls), json_decref(luns), json_decref(luns_in);
				return lfail(err, err_len, "%s.acls[%zu].luns[%zu]: LU '%s' is not a LUN of the portal "
					     "group (LIO maps an ACL's LUNs onto the group's)", where, a, k, s_of(l, "lu"));
			}
			json_array_append_new(ml, json_pack("{s:I, s:I, s:b}", "index",
							    json_integer_value(json_object_get(l, "lun")), "tpg_lun",
							    (json_int_t)tpg_lun, "write_protect",
							    json_is_true(json_object_get(l, "read_only"))));
		}
		json_t *attrs = json_pack("{s:I, s:I}", "nopin_timeout",
					  p_int(params, "nop_in_interval_ms", d.nop_in_interval_ms) / LIO_MS_PER_S,
					  "nopin_response_timeout",
					  p_int(params, "nop_in_timeout_ms", d.nop_in_timeout_ms) / LIO_MS_PER_S);
		json_t *o = json_pack("{s:s, s:o, s:o}", "node_wwn", s_of(acl, "initiator") ?: "", "mapped_luns", ml,
				      "attributes", attrs);
		chap_keys(o, json_object_get(acl, "auth"), "chap_");
		json_array_append_new(acls, o);
	}
	json_decref(luns_in);
	json_t *ports = json_array(), *pin = json_object_get(g, "portals");
	for (size_t k = 0; k < json_array_size(pin); k++) {
		json_t *p = json_array_get(json_object_get(model, "portals"), (size_t)json_integer_value(json_array_get(pin, k)));
		char addr[128];
		const char *a = s_of(p, "address") ?: "";
		size_t n = strlen(a);
		if (n >= 2 && a[0] == '[' && a[n - 1] == ']' && n - 2 < sizeof(addr))
			snprintf(addr, sizeof(addr), "%.*s", (int)(n - 2), a + 1); /* LIO writes IPv6 bare */
		else
			snprintf(addr, sizeof(addr), "%s", a);
		json_t *pp = json_object_get(p, "port");
		json_array_append_new(ports, json_pack("{s:s, s:I, s:b, s:b}", "ip_address", addr, "port",
						       pp ? json_integer_value(pp) : 3260, "iser", 0, "offload", 0));
	}
	json_t *tag = json_object_get(g, "tag");
	json_t *attrs = json_pack("{s:i, s:i, s:i, s:I, s:I, s:i, s:i, s:i}", "authentication", any_auth,
				  "generate_node_acls", open, "demo_mode_write_protect", open && ro != 0,
				  "default_cmdsn_depth", p_int(params, "cmd_window", d.cmd_window), "login_timeout",
				  p_int(params, "login_timeout_ms", d.login_timeout_ms) / LIO_MS_PER_S, "cache_dynamic_acls",
				  0, "default_erl", 0, "demo_mode_discovery",
				  json_is_true(json_object_get(g, "discovery_open")));
	json_t *o = json_pack("{s:I, s:b, s:o, s:o, s:o, s:o, s:o}", "tag", tag ? json_integer_value(tag) : 1,
			      "enable", 1, "attributes", attrs, "parameters", lio_parameters(params, alias, any_auth),
			      "luns", luns, "node_acls", acls, "portals", ports);
	chap_keys(o, json_object_get(g, "auth"), "chap_");
	return o;
}

/* Our engine parameters LIO has no key for must be at our defaults, and
 * the timers LIO keeps in seconds whole seconds. */
static int unsaid_params(json_t *params, char *err, size_t err_len)
{
	static const char *const in_seconds[] = { "login_timeout_ms", "nop_in_interval_ms", "nop_in_timeout_ms", NULL };
	for (size_t k = 0; in_seconds[k]; k++)
		if (p_int(params, in_seconds[k], 0) % LIO_MS_PER_S != 0) {
			lfail(err, err_len, "params.%s: %lld ms is not a whole number of seconds (LIO keeps it in seconds)",
			      in_seconds[k], (long long)p_int(params, in_seconds[k], 0));
			return -1;
		}
	static const char *const said[] = {
		"max_recv_data_segment_length", "max_burst_length", "first_burst_length", "max_outstanding_r2t",
		"max_connections", "default_time2wait", "default_time2retain", "error_recovery_level", "initial_r2t",
		"immediate_data", "data_pdu_in_order", "data_sequence_in_order", "header_digest", "data_digest",
		"cmd_window", "login_timeout_ms", "nop_in_interval_ms", "nop_in_timeout_ms", NULL,
	};
	struct rt_params_cfg d;
	cfg_params_default(&d);
	/* the defaults as our own saver writes them: compare like with like */
	struct dcfg dd = { 0 };
	dd.cfg.params = d;
	json_t *dj = dcfg_to_json(&dd), *dp = json_object_get(dj, "params");
	const char *key;
	json_t *v;
	int rc = 0;
	json_object_foreach(params, key, v) {
		bool ok = false;
		for (size_t k = 0; said[k] && !ok; k++)
			ok = strcmp(said[k], key) == 0;
		if (!ok && !json_equal(v, json_object_get(dp, key))) {
			lfail(err, err_len, "params.%s: LIO has no key for it, and it is not reftarget's default", key);
			rc = -1;
			break;
		}
	}
	json_decref(dj);
	return rc;
}

json_t *ctl_lio_save(json_t *model, char *err, size_t err_len)
{
	if (unsaid_params(json_object_get(model, "params"), err, err_len) != 0)
		return NULL;
	json_t *root = json_object(), *sos = json_array(), *ts = json_array();
	json_object_set_new(root, "storage_objects", sos);
	json_object_set_new(root, "targets", ts);
	json_t *lus = json_object_get(model, "lus");
	for (size_t i = 0; i < json_array_size(lus); i++) {
		json_t *so = storage_object(json_array_get(lus, i), i, err, err_len);
		if (so == NULL)
			goto fail;
		json_array_append_new(sos, so);
	}
	json_t *targets = json_object_get(model, "targets");
	for (size_t t = 0; t < json_array_size(targets); t++) {
		json_t *target = json_array_get(targets, t), *tpgs = json_array();
		json_t *o = json_pack("{s:s, s:s, s:o}", "fabric", "iscsi", "wwn", s_of(target, "name") ?: "", "tpgs", tpgs);
		json_array_append_new(ts, o);
		json_t *gs = json_object_get(target, "tpgs");
		for (size_t g = 0; g < json_array_size(gs); g++) {
			char where[64];
			snprintf(where, sizeof(where), "targets[%zu].tpgs[%zu]", t, g);
			json_t *tpg = lio_tpg(model, json_array_get(gs, g), s_of(target, "alias"), where, err, err_len);
			if (tpg == NULL)
				goto fail;
			json_array_append_new(tpgs, tpg);
		}
	}
	json_t *disc = json_object_get(model, "discovery_auth");
	json_t *fm = json_pack("{s:s, s:b}", "name", "iscsi", "discovery_enable_auth", disc != NULL);
	chap_keys(fm, disc, "discovery_");
	json_object_set_new(root, "fabric_modules", json_pack("[o]", fm));
	return root;
fail:
	json_decref(root);
	return NULL;
}
