/* dcfg_lio: targetcli-fb's saveconfig.json (/etc/target/saveconfig.json,
 * written by rtslib-fb's RTSRoot.dump()) read as reftarget's configuration.
 *
 * The file is translated into our own format (dcfg_json.c) as a jansson
 * tree and handed to dcfg_load_tree, so every rule of ours (sizes, CHAP
 * secret lengths, LUN numbers, names) lives in one place: dcfg_json.c and
 * cfg_validate. What this file checks is only what exists in LIO's shape:
 * its keys, its value types, and whether reftarget can honour them. Every
 * key is either honoured, accepted because it changes nothing reftarget
 * shows (the tables below say which, and why), or refused with its path:
 * never silently dropped. Aliases (dcfg.h) make the errors found on the
 * translation name the file's keys: "node_acls[0].chap_password".
 *
 * Mapping (LIO -> ours):
 *   storage_objects[i] fileio/block/ramdisk -> lus[i], named "plugin/name";
 *     wwn -> serial (VPD 0x80, as LIO shows it), write_back or
 *     attributes.emulate_write_cache -> "wce", block readonly -> "read_only",
 *     emulate_tpu -> "thin", unmap_zeroes_data -> "lbprz", block_size.
 *     alua_tpgs[k] gives the state (alua_access_state), PREF bit and modes
 *     (alua_access_type) of every LUN that names the group.
 *   targets[t] (fabric "iscsi") -> targets[t]; parameters.TargetAlias -> alias.
 *   tpgs[g] with enable true -> tpgs (disabled ones serve nothing: left out);
 *     portals -> our portals (one per distinct address:port) by index;
 *     attributes.generate_node_acls -> open_access, with the TPG's luns
 *     (read_only = demo_mode_write_protect) and the TPG's chap_*;
 *     node_acls -> acls, mapped_luns -> luns (write_protect -> read_only).
 *   parameters and the session attributes -> params, which reftarget has
 *     once for every portal group: every TPG must agree with the first.
 *   fabric_modules[] "iscsi": discovery_enable_auth + discovery_* -> discovery_auth.
 * CHAP: reftarget requires CHAP exactly when credentials are set, so
 * authentication=1 needs credentials for every initiator that may log in,
 * and authentication=0 needs none (LIO would also admit AuthMethod=None).
 */
#include "dcfg_lio_int.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcfg_locate.h"

/* LIO's limits, from rtslib-fb: LUN.MAX_TARGET_LUN, and TPG tags are 16
 * bits (RFC 7143 §13.9 TargetPortalGroupTag). */
#define LIO_LUN_MAX 65535
#define LIO_TAG_MAX 65535
#define LIO_PATH_PREFIX "/backstores/"

__attribute__((format(printf, 2, 3)))
int lio_fail(struct lio *l, const char *fmt, ...)
{
	char why[DCFG_ERR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	const char *path = l->path_len ? l->path : "(top level)";
	snprintf(l->err, l->err_len, "%s:%u: %s: %s", l->d->source,
		 dcfg_locate(l->d->text, l->d->text_len, l->path), path, why);
	return -1;
}

size_t lio_enter_key(struct lio *l, const char *key)
{
	size_t saved = l->path_len;
	size_t n = dcfg_path_key(l->path, sizeof(l->path), saved, key);
	if (n < sizeof(l->path))
		l->path_len = n;
	return saved;
}

size_t lio_enter_index(struct lio *l, size_t index)
{
	size_t saved = l->path_len;
	size_t n = dcfg_path_index(l->path, sizeof(l->path), saved, index);
	if (n < sizeof(l->path))
		l->path_len = n;
	return saved;
}

void lio_leave(struct lio *l, size_t saved)
{
	l->path_len = saved;
	l->path[saved] = '\0';
}

/* Set a member of our tree; a failed allocation is reported once, at the end. */
void lio_set(struct lio *l, json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		l->oom = true;
}

void lio_push(struct lio *l, json_t *arr, json_t *v)
{
	if (v == NULL || json_array_append_new(arr, v) != 0)
		l->oom = true;
}

void lio_alias(struct lio *l, const char *ours, const char *theirs, const struct dcfg_alias_leaf *leaves)
{
	if (dcfg_alias_add(l->d, ours, theirs, leaves) != 0)
		l->oom = true;
}

/* Every key of o must be one of keys; the path is at o. */
int lio_only_keys(struct lio *l, json_t *o, const char *const *keys, const char *what)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], key) != 0)
			i++;
		if (keys[i] == NULL) {
			lio_enter_key(l, key);
			return lio_fail(l, "not supported: not a key rtslib-fb writes in %s", what);
		}
	}
	return 0;
}

/* o[key] as a string / object / array (NULL when absent and optional). */
int lio_get(struct lio *l, json_t *o, const char *key, json_type t, bool required, json_t **out)
{
	static const char *const words[] = { "an object", "an array", "a string", "an integer",
					     "a real number", "a boolean", "a boolean", "null" };
	*out = json_object_get(o, key);
	if (*out == NULL)
		return required ? lio_fail(l, "missing required key '%s'", key) : 0;
	if (json_typeof(*out) != t) {
		lio_enter_key(l, key);
		return lio_fail(l, "must be %s", words[t]);
	}
	return 0;
}

int lio_get_str(struct lio *l, json_t *o, const char *key, bool required, const char **out)
{
	json_t *v;
	*out = NULL;
	if (lio_get(l, o, key, JSON_STRING, required, &v))
		return -1;
	if (v)
		*out = json_string_value(v);
	return 0;
}

/* An integer in lo..hi; *out keeps its default when absent. */
int lio_get_int(struct lio *l, json_t *o, const char *key, bool required, long long lo, long long hi,
		   long long *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return required ? lio_fail(l, "missing required key '%s'", key) : 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		lio_enter_key(l, key);
		return lio_fail(l, "must be an integer %lld..%lld", lo, hi);
	}
	*out = json_integer_value(v);
	return 0;
}

/* rtslib writes booleans as true/false; its setters also take 0 and 1. */
int lio_get_bool(struct lio *l, json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
	} else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
		*out = json_integer_value(v) == 1;
	} else {
		lio_enter_key(l, key);
		return lio_fail(l, "must be true or false");
	}
	return 0;
}

/* ---- attributes: rtslib dumps every writable one, as an integer ---- */

/* Read o["attributes"] by table; vals[i] gets each value, or its default. */
int lio_load_attrs(struct lio *l, json_t *o, const struct attr *table, size_t n, long long *vals)
{
	json_t *a;
	const char *key;
	json_t *v;
	for (size_t i = 0; i < n; i++)
		vals[i] = table[i].def;
	if (lio_get(l, o, "attributes", JSON_OBJECT, false, &a))
		return -1;
	if (a == NULL)
		return 0;
	size_t saved = lio_enter_key(l, "attributes");
	json_object_foreach(a, key, v) {
		size_t i = 0;
		while (i < n && strcmp(table[i].name, key) != 0)
			i++;
		size_t in_key = lio_enter_key(l, key);
		if (i == n)
			return lio_fail(l, "not supported: an attribute reftarget does not know");
		if (!json_is_integer(v))
			return lio_fail(l, "must be an integer");
		vals[i] = json_integer_value(v);
		if (table[i].kind == AT_FIXED && vals[i] != table[i].def)
			return lio_fail(l, "not supported: only %lld (LIO's default) can be honoured: %s",
				     table[i].def, table[i].why);
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	return 0;
}

/* The storage object attributes (LIO's dev attrib directory). */
enum { SO_BLOCK_SIZE, SO_WCE, SO_TPU, SO_LBPRZ };
static const struct attr so_attrs[] = {
	[SO_BLOCK_SIZE] = { "block_size", AT_USED, 512, NULL },
	[SO_WCE] = { "emulate_write_cache", AT_USED, 0, NULL },
	[SO_TPU] = { "emulate_tpu", AT_USED, 0, NULL },
	[SO_LBPRZ] = { "unmap_zeroes_data", AT_USED, 0, NULL },
	{ "emulate_caw", AT_FIXED, 1, "COMPARE AND WRITE is always served (SBC-3 §5.2)" },
	{ "emulate_3pc", AT_FIXED, 1, "EXTENDED COPY is always served (SPC-4 §6.3)" },
	{ "emulate_pr", AT_FIXED, 1, "PERSISTENT RESERVE IN/OUT are always served (SPC-4 §5.12)" },
	{ "enforce_pr_isids", AT_FIXED, 1, "a reservation's I_T nexus includes the ISID (SPC-4 §5.12)" },
	{ "force_pr_aptpl", AT_FIXED, 0, "reservations persist only when the initiator sets APTPL" },
	{ "emulate_ua_intlck_ctrl", AT_FIXED, 0, "unit attentions are not interlocked (UA_INTLCK_CTRL 00b)" },
	{ "emulate_rest_reord", AT_FIXED, 0, "commands are not reordered (QUEUE ALGORITHM MODIFIER 0)" },
	{ "pi_prot_type", AT_FIXED, 0, "no T10 protection information" },
	{ "pi_prot_format", AT_FIXED, 0, "no T10 protection information" },
	{ "pi_prot_verify", AT_FIXED, 0, "no T10 protection information" },
	/* tuning and identity: reftarget answers these by its own rules */
	{ "emulate_tas", AT_ANY, 1, "Control mode page TAS is reftarget's own" },
	{ "emulate_tpws", AT_ANY, 0, "WRITE SAME with UNMAP follows emulate_tpu (thin)" },
	{ "emulate_fua_read", AT_ANY, 1, "FUA is honoured as the backstore can" },
	{ "emulate_fua_write", AT_ANY, 1, "FUA is honoured as the backstore can" },
	{ "emulate_dpo", AT_ANY, 1, "DPO is a cache hint" },
	{ "emulate_model_alias", AT_ANY, 1, "INQUIRY's product is reftarget's" },
	{ "emulate_rsoc", AT_ANY, 1, "REPORT SUPPORTED OPERATION CODES is always served" },
	{ "is_nonrot", AT_ANY, 0, "Block Device Characteristics VPD is reftarget's" },
	{ "queue_depth", AT_ANY, 128, "a kernel queue size" },
	{ "optimal_sectors", AT_ANY, 0, "Block Limits VPD is reftarget's" },
	{ "max_unmap_lba_count", AT_ANY, 0, "Block Limits VPD is reftarget's" },
	{ "max_unmap_block_desc_count", AT_ANY, 0, "Block Limits VPD is reftarget's" },
	{ "unmap_granularity", AT_ANY, 0, "Block Limits VPD is reftarget's" },
	{ "unmap_granularity_alignment", AT_ANY, 0, "Block Limits VPD is reftarget's" },
	{ "max_write_same_len", AT_ANY, 0, "Block Limits VPD is reftarget's" },
	{ "alua_support", AT_ANY, 1, "ALUA follows alua_tpgs" },
	{ "pgr_support", AT_ANY, 1, "a read-only capability flag" },
};
#define SO_ATTR_COUNT (sizeof(so_attrs) / sizeof(so_attrs[0]))

/* An ALUA group's members that must keep LIO's default. */
static const struct attr alua_group_fixed[] = {
	{ "preferred", AT_ANY, 0, NULL }, /* read by load_lun_alua */
	{ "alua_access_status", AT_ANY, 0, "why the state last changed, reported by reftarget itself" },
	{ "alua_write_metadata", AT_ANY, 0, "LIO's own state file under /var/target/alua" },
	{ "nonop_delay_msecs", AT_ANY, 100, "LIO's artificial delay through non-optimized paths" },
	{ "trans_delay_msecs", AT_ANY, 0, "LIO's artificial delay of a transition" },
	{ "implicit_trans_secs", AT_ANY, 0, "IMPLICIT TRANSITION TIME is reftarget's" },
	{ "alua_support_offline", AT_FIXED, 1, "REPORT TARGET PORT GROUPS lists every state as supported" },
	{ "alua_support_standby", AT_FIXED, 1, "REPORT TARGET PORT GROUPS lists every state as supported" },
	{ "alua_support_transitioning", AT_FIXED, 1, "REPORT TARGET PORT GROUPS lists every state as supported" },
	{ "alua_support_active_nonoptimized", AT_FIXED, 1, "REPORT TARGET PORT GROUPS lists every state as supported" },
	{ "alua_support_unavailable", AT_FIXED, 1, "REPORT TARGET PORT GROUPS lists every state as supported" },
	{ "alua_support_active_optimized", AT_FIXED, 1, "REPORT TARGET PORT GROUPS lists every state as supported" },
	{ "alua_support_lba_dependent", AT_ANY, 0, "LBA dependent is refused as a state" },
};
#define ALUA_GROUP_FIXED_COUNT (sizeof(alua_group_fixed) / sizeof(alua_group_fixed[0]))


/* ---- storage objects ---- */

/* SPC-4 §5.15.2.4 states by LIO's alua_access_state number. */
const char *lio_alua_state_word(long long s)
{
	switch (s) {
	case 0: return "active_optimized";
	case 1: return "active_nonoptimized";
	case 2: return "standby";
	case 3: return "unavailable";
	case 15: return "transitioning";
	}
	return NULL;
}

static int load_alua_group(struct lio *l, json_t *g)
{
	static const char *const keys[] = { "name", "tg_pt_gp_id", "alua_access_state", "alua_access_status",
					    "alua_write_metadata", "alua_access_type", "preferred",
					    "nonop_delay_msecs", "trans_delay_msecs", "implicit_trans_secs",
					    "alua_support_offline", "alua_support_standby",
					    "alua_support_transitioning", "alua_support_active_nonoptimized",
					    "alua_support_unavailable", "alua_support_active_optimized",
					    "alua_support_lba_dependent", NULL };
	const char *name;
	long long v = 0;
	if (!json_is_object(g))
		return lio_fail(l, "must be an object");
	if (lio_only_keys(l, g, keys, "an ALUA target port group") || lio_get_str(l, g, "name", true, &name) ||
	    lio_get_int(l, g, "tg_pt_gp_id", false, 0, 65535, &v) ||
	    lio_get_int(l, g, "alua_access_state", false, 0, 15, &v))
		return -1;
	if (lio_alua_state_word(v) == NULL) {
		lio_enter_key(l, "alua_access_state");
		return lio_fail(l, "not supported: state %lld (LBA dependent or offline); reftarget has "
			     "active/optimized, active/non-optimized, standby, unavailable, transitioning", v);
	}
	for (size_t i = 0; i < ALUA_GROUP_FIXED_COUNT; i++) {
		long long want = alua_group_fixed[i].def;
		v = want;
		if (lio_get_int(l, g, alua_group_fixed[i].name, false, -1, 1ll << 31, &v))
			return -1;
		if (alua_group_fixed[i].kind == AT_FIXED && v != want) {
			lio_enter_key(l, alua_group_fixed[i].name);
			return lio_fail(l, "not supported: only %lld (LIO's default) can be honoured: %s", want,
				     alua_group_fixed[i].why);
		}
	}
	return lio_get_int(l, g, "alua_access_type", false, 0, 3, &v);
}

/* The fields of our LU that depend on the plugin. */
static int load_so_plugin(struct lio *l, json_t *so, const char *plugin, json_t *lu, json_t *flags)
{
	static const char *const fileio[] = { "name", "plugin", "wwn", "attributes", "alua_tpgs", "dev",
					      "size", "write_back", "aio", NULL };
	static const char *const block[] = { "name", "plugin", "wwn", "attributes", "alua_tpgs", "dev",
					     "write_back", "readonly", NULL };
	static const char *const ramdisk[] = { "name", "plugin", "wwn", "attributes", "alua_tpgs", "size",
					       "nullio", NULL };
	const char *dev = NULL;
	long long size = 0;
	bool write_back = false, readonly = false, nullio = false, aio = false;
	if (strcmp(plugin, "fileio") == 0) {
		/* aio: how LIO submits I/O to the file; the data is the same */
		if (lio_only_keys(l, so, fileio, "a fileio storage object") || lio_get_str(l, so, "dev", true, &dev) ||
		    lio_get_int(l, so, "size", false, 0, LLONG_MAX, &size) ||
		    lio_get_bool(l, so, "write_back", &write_back) || lio_get_bool(l, so, "aio", &aio))
			return -1;
		lio_set(l, lu, "backstore", json_string("file"));
	} else if (strcmp(plugin, "block") == 0) {
		if (lio_only_keys(l, so, block, "a block storage object") || lio_get_str(l, so, "dev", true, &dev) ||
		    lio_get_bool(l, so, "write_back", &write_back) || lio_get_bool(l, so, "readonly", &readonly))
			return -1;
		lio_set(l, lu, "backstore", json_string("block"));
	} else if (strcmp(plugin, "ramdisk") == 0) {
		if (lio_only_keys(l, so, ramdisk, "a ramdisk storage object") ||
		    lio_get_int(l, so, "size", true, 1, LLONG_MAX, &size) || lio_get_bool(l, so, "nullio", &nullio))
			return -1;
		if (nullio) {
			lio_enter_key(l, "nullio");
			return lio_fail(l, "not supported: a nullio ramdisk discards what is written, "
				     "reftarget's ram backstore keeps it");
		}
		lio_set(l, lu, "backstore", json_string("ram"));
	} else if (strncmp(plugin, "user:", 5) == 0) {
		lio_enter_key(l, "plugin");
		return lio_fail(l, "not supported: '%s' is a TCMU user-space backstore (handler %s); reftarget "
			     "serves fileio, block and ramdisk", plugin, plugin + 5);
	} else if (strcmp(plugin, "pscsi") == 0) {
		lio_enter_key(l, "plugin");
		return lio_fail(l, "not supported: pscsi passes SCSI commands to a real device; reftarget "
			     "emulates SCSI itself (use block)");
	} else {
		lio_enter_key(l, "plugin");
		return lio_fail(l, "not supported: unknown plugin '%s' (fileio, block, ramdisk)", plugin);
	}
	const char *mapped = dev ? lio_map_dev(l, dev) : NULL;
	if (mapped) /* a testing aid (dcfg.h): the storage is a regular file here */
		lio_set(l, lu, "backstore", json_string("file"));
	if (dev)
		lio_set(l, lu, "path", json_string(mapped ? mapped : dev));
	if (size > 0)
		lio_set(l, lu, "size", json_integer(size));
	if (readonly)
		lio_push(l, flags, json_string("read_only"));
	return write_back ? 1 : 0;
}

static const struct dcfg_alias_leaf so_leaves[] = {
	{ "path", "dev" }, { "serial", "wwn" }, { "block_size", "attributes.block_size" },
	{ "flags", "attributes" }, { "alua", "alua_tpgs" }, { "alua_modes", "alua_tpgs" },
	{ "name", "name" }, { NULL, NULL },
};

static int load_storage_object(struct lio *l, json_t *so, size_t i)
{
	const char *name, *plugin, *wwn;
	long long attrs[SO_ATTR_COUNT];
	json_t *groups;
	if (!json_is_object(so))
		return lio_fail(l, "must be an object");
	if (lio_get_str(l, so, "name", true, &name) || lio_get_str(l, so, "plugin", true, &plugin) ||
	    lio_get_str(l, so, "wwn", false, &wwn))
		return -1;
	json_t *lu = json_object(), *flags = json_array();
	lio_push(l, json_object_get(l->ours, "lus"), lu);
	if (lu == NULL || flags == NULL)
		return json_decref(flags), lio_fail(l, "out of memory");
	int write_back = load_so_plugin(l, so, plugin, lu, flags);
	if (write_back < 0 || lio_load_attrs(l, so, so_attrs, SO_ATTR_COUNT, attrs))
		return json_decref(flags), -1;
	char full[DCFG_PATH_MAX];
	snprintf(full, sizeof(full), "%s/%s", plugin, name);
	lio_set(l, lu, "name", json_string(full));
	if (wwn)
		lio_set(l, lu, "serial", json_string(wwn));
	lio_set(l, lu, "block_size", json_integer(attrs[SO_BLOCK_SIZE]));
	/* fileio's write_back sets emulate_write_cache; either one means WCE */
	if (write_back || attrs[SO_WCE])
		lio_push(l, flags, json_string("wce"));
	if (attrs[SO_TPU])
		lio_push(l, flags, json_string("thin"));
	if (attrs[SO_LBPRZ])
		lio_push(l, flags, json_string("lbprz"));
	lio_set(l, lu, "flags", flags);
	lio_set(l, lu, "alua", json_array());
	if (lio_get(l, so, "alua_tpgs", JSON_ARRAY, false, &groups))
		return -1;
	size_t saved = lio_enter_key(l, "alua_tpgs");
	for (size_t k = 0; groups && k < json_array_size(groups); k++) {
		size_t in_key = lio_enter_index(l, k);
		if (load_alua_group(l, json_array_get(groups, k)))
			return -1;
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	char ours[32];
	snprintf(ours, sizeof(ours), "lus[%zu]", i);
	lio_alias(l, ours, l->path, so_leaves);
	return 0;
}

/* The storage object a LUN's "/backstores/fileio/disk0" names: its index,
 * or -1 (the path is at the LUN's storage_object). */
long lio_find_storage_object(struct lio *l, const char *so_path)
{
	json_t *sos = json_object_get(l->root, "storage_objects");
	size_t pre = strlen(LIO_PATH_PREFIX);
	const char *slash = strncmp(so_path, LIO_PATH_PREFIX, pre) == 0 ? strchr(so_path + pre, '/') : NULL;
	for (size_t i = 0; slash && i < json_array_size(sos); i++) {
		json_t *so = json_array_get(sos, i);
		const char *plugin = json_string_value(json_object_get(so, "plugin"));
		const char *name = json_string_value(json_object_get(so, "name"));
		size_t plen = (size_t)(slash - so_path) - pre;
		if (plugin && name && strlen(plugin) == plen && strncmp(plugin, so_path + pre, plen) == 0 &&
		    strcmp(name, slash + 1) == 0)
			return (long)i;
	}
	lio_fail(l, "no storage object '%s' in storage_objects (the form is /backstores/PLUGIN/NAME)", so_path);
	return -1;
}

static int load_fabric(struct lio *l, json_t *fm)
{
	static const char *const keys[] = { "name", "discovery_enable_auth", "discovery_userid",
					    "discovery_password", "discovery_mutual_userid",
					    "discovery_mutual_password", NULL };
	static const struct dcfg_alias_leaf leaves[] = {
		{ "chap.user", "discovery_userid" }, { "chap.secret", "discovery_password" },
		{ "mutual_chap.user", "discovery_mutual_userid" },
		{ "mutual_chap.secret", "discovery_mutual_password" }, { "chap", "discovery_userid" },
		{ "mutual_chap", "discovery_mutual_userid" }, { NULL, NULL },
	};
	const char *name;
	bool enable = false;
	if (!json_is_object(fm))
		return lio_fail(l, "must be an object");
	if (lio_get_str(l, fm, "name", true, &name))
		return -1;
	if (strcmp(name, "iscsi") != 0) {
		lio_enter_key(l, "name");
		return lio_fail(l, "not supported: fabric '%s'; reftarget serves iSCSI only", name);
	}
	if (lio_only_keys(l, fm, keys, "a fabric module") || lio_get_bool(l, fm, "discovery_enable_auth", &enable))
		return -1;
	json_t *auth = json_object();
	if (auth == NULL)
		return lio_fail(l, "out of memory");
	int rc = lio_load_chap(l, fm, "discovery_", auth);
	if (rc == 0 && enable && json_object_get(auth, "chap") == NULL)
		rc = lio_fail(l, "discovery_enable_auth is true but discovery_userid/discovery_password "
			   "are not set: LIO would refuse every discovery session");
	if (rc == 0 && !enable && json_object_size(auth) != 0)
		rc = lio_fail(l, "not supported: discovery credentials with discovery_enable_auth false "
			   "(LIO would also admit AuthMethod=None; reftarget requires CHAP when "
			   "credentials are set)");
	if (rc != 0 || !enable) {
		json_decref(auth);
		return rc;
	}
	lio_set(l, l->ours, "discovery_auth", auth);
	lio_alias(l, "discovery_auth", l->path, leaves);
	return 0;
}

const char *lio_map_dev(struct lio *l, const char *dev)
{
	const struct dcfg_lio_remap *r = l->d->lio_remap;
	for (unsigned i = 0; r && i < r->dev_count; i++) {
		if (strcmp(r->devs[i].from, dev) == 0) {
			l->dev_maps_used |= 1u << i;
			return r->devs[i].to;
		}
	}
	return NULL;
}

int lio_map_portal(struct lio *l, char *addr, size_t addr_size, long long *port)
{
	const struct dcfg_lio_remap *r = l->d->lio_remap;
	char here[96];
	snprintf(here, sizeof(here), "%s:%lld", addr, *port);
	for (unsigned i = 0; r && i < r->portal_count; i++) {
		if (strcmp(r->portals[i].from, here) != 0)
			continue;
		l->portal_maps_used |= 1u << i;
		const char *to = r->portals[i].to, *colon = strrchr(to, ':');
		char *end = NULL;
		long long p = colon ? strtoll(colon + 1, &end, 10) : 0;
		size_t n = colon ? (size_t)(colon - to) : 0;
		if (colon == NULL || n == 0 || n >= addr_size || end == colon + 1 || *end != '\0' || p < 1 || p > 65535)
			return lio_fail(l, "--lio-portal %s=%s: the new portal must be ADDR:PORT ([::1]:PORT for IPv6)",
					r->portals[i].from, to);
		memcpy(addr, to, n);
		addr[n] = '\0';
		*port = p;
		return 0;
	}
	return 0;
}

/* Every map of d->lio_remap must have matched: a map that names nothing in
 * the file is a typo, and serving the file unmapped would be silent. */
static int check_maps_used(struct lio *l)
{
	const struct dcfg_lio_remap *r = l->d->lio_remap;
	for (unsigned i = 0; r && i < r->portal_count; i++)
		if (!(l->portal_maps_used & (1u << i)))
			return lio_fail(l, "--lio-portal %s: no portal of the file is at %s (as ADDR:PORT, "
					"[ADDR]:PORT for IPv6)", r->portals[i].from, r->portals[i].from);
	for (unsigned i = 0; r && i < r->dev_count; i++)
		if (!(l->dev_maps_used & (1u << i)))
			return lio_fail(l, "--lio-dev %s: no fileio or block storage object has dev %s",
					r->devs[i].from, r->devs[i].from);
	return 0;
}

/* load fn for each element of root[key]; the path is at the element. */
static int each(struct lio *l, const char *key, int (*fn)(struct lio *, json_t *, size_t))
{
	json_t *arr;
	if (lio_get(l, l->root, key, JSON_ARRAY, false, &arr))
		return -1;
	size_t saved = lio_enter_key(l, key);
	for (size_t i = 0; arr && i < json_array_size(arr); i++) {
		size_t in_key = lio_enter_index(l, i);
		if (fn(l, json_array_get(arr, i), i))
			return -1;
		lio_leave(l, in_key);
	}
	lio_leave(l, saved);
	return 0;
}

static int load_fabric_at(struct lio *l, json_t *fm, size_t i)
{
	(void)i;
	return load_fabric(l, fm);
}

static int translate(struct lio *l)
{
	static const char *const keys[] = { "storage_objects", "targets", "fabric_modules", NULL };
	if (!json_is_object(l->root))
		return lio_fail(l, "must be an object (targetcli-fb's saveconfig.json)");
	l->ours = json_pack("{s:[],s:[],s:[]}", "portals", "lus", "targets");
	if (l->ours == NULL)
		return lio_fail(l, "out of memory");
	if (lio_only_keys(l, l->root, keys, "a saveconfig.json") || each(l, "storage_objects", load_storage_object) ||
	    each(l, "targets", lio_load_target) || each(l, "fabric_modules", load_fabric_at))
		return -1;
	if (check_maps_used(l))
		return -1;
	if (json_array_size(json_object_get(l->ours, "targets")) == 0)
		return lio_fail(l, "no target with an enabled iSCSI TPG: nothing to serve");
	if (l->params)
		lio_set(l, l->ours, "params", json_incref(l->params));
	if (l->oom)
		return lio_fail(l, "out of memory");
	return 0;
}

int dcfg_load_lio(struct dcfg *d, const char *source, const char *text, size_t len, char *err,
		  size_t err_len)
{
	d->source = dcfg_strdup(d, source);
	d->text = dcfg_strndup(d, text, len);
	d->text_len = len;
	if (d->source == NULL || d->text == NULL) {
		snprintf(err, err_len, "%s: out of memory", source);
		return -1;
	}
	json_error_t je;
	struct lio l = { .d = d, .err = err, .err_len = err_len };
	l.root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (l.root == NULL) {
		snprintf(err, err_len, "%s:%d: %s", source, je.line > 0 ? je.line : 1, je.text);
		return -1;
	}
	int rc = translate(&l);
	if (rc == 0)
		rc = dcfg_load_tree(d, l.ours, err, err_len);
	json_decref(l.params);
	json_decref(l.ours);
	json_decref(l.root);
	return rc;
}
