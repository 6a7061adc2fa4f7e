/* ctl_cmd: see ctl_cmd.h. Each command edits the model as targetcli-fb
 * edits LIO's configfs tree, with LIO's defaults: a new target gets tpg1
 * on every portal (0.0.0.0:3260 if there is none), a new ACL maps every
 * LUN of its portal group and a new LUN is mapped into every ACL
 * (auto_add_mapped_luns), deleting a backstore deletes its LUNs. What the
 * model cannot say is refused by name, never ignored. */
#include "ctl_cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcfg.h"

/* LIO's default portal for a new target (targetcli-fb auto_add_default_portal). */
#define CTL_DEFAULT_ADDRESS "0.0.0.0"
#define CTL_DEFAULT_PORT 3260

static json_t *arr(json_t *obj, const char *key)
{
	json_t *a = json_object_get(obj, key);
	if (!json_is_array(a)) {
		a = json_array();
		json_object_set_new(obj, key, a);
	}
	return a;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static long find_named(json_t *a, const char *key, const char *name)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *n = str(json_array_get(a, i), key);
		if (n != NULL && strcmp(n, name) == 0)
			return (long)i;
	}
	return -1;
}

static bool is_bool_text(const char *v, bool *out)
{
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "Yes") == 0) {
		*out = true;
		return true;
	}
	if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "No") == 0) {
		*out = false;
		return true;
	}
	return false;
}

/* Take LUN entries naming the LU lu out of one "luns" array. */
static void unmap_lu(json_t *holder, const char *lu)
{
	json_t *luns = json_object_get(holder, "luns");
	for (size_t i = json_array_size(luns); i-- > 0;) {
		const char *n = str(json_array_get(luns, i), "lu");
		if (n != NULL && strcmp(n, lu) == 0)
			json_array_remove(luns, i);
	}
}

static void unmap_everywhere(json_t *model, const char *lu)
{
	json_t *targets = json_object_get(model, "targets");
	for (size_t t = 0; t < json_array_size(targets); t++) {
		json_t *tpgs = json_object_get(json_array_get(targets, t), "tpgs");
		for (size_t g = 0; g < json_array_size(tpgs); g++) {
			json_t *tpg = json_array_get(tpgs, g);
			unmap_lu(tpg, lu);
			json_t *acls = json_object_get(tpg, "acls");
			for (size_t a = 0; a < json_array_size(acls); a++)
				unmap_lu(json_array_get(acls, a), lu);
		}
	}
}

/* targetcli's backstore types and ours. */
static const char *store_type(const char *t)
{
	if (strcmp(t, "fileio") == 0)
		return "file";
	if (strcmp(t, "block") == 0 || strcmp(t, "iblock") == 0)
		return "block";
	if (strcmp(t, "ramdisk") == 0 || strcmp(t, "rd_mcp") == 0)
		return "ram";
	return NULL;
}

static void backstore_create(json_t *model, const struct ctl_req *r, const char *type, struct ctl_result *res)
{
	static const char *const order_file[] = { "name", "file_or_dev", "size", NULL };
	static const char *const order_ram[] = { "name", "size", NULL };
	static const char *const keys[] = { "name", "file_or_dev", "size", NULL };
	const char *const *order = strcmp(type, "ram") == 0 ? order_ram : order_file;
	if (ctl_args_known(r, order, keys, res) != 0)
		return;
	const char *name = ctl_arg(r, order, "name"), *dev = ctl_arg(r, order, "file_or_dev");
	const char *size = ctl_arg(r, order, "size");
	uint64_t bytes;
	if (name == NULL || name[0] == '\0') {
		ctl_fail(res, "%s create: name= is required", r->path_text);
		return;
	}
	if (strcmp(type, "ram") == 0 ? dev != NULL || size == NULL : dev == NULL) {
		ctl_fail(res, "%s create: %s", r->path_text,
			 strcmp(type, "ram") == 0 ? "a ramdisk takes name and size" : "file_or_dev= is required");
		return;
	}
	if (size != NULL && dcfg_parse_size(size, &bytes) != 0) {
		ctl_fail(res, "%s create: size '%s' is not a size (512M, 1G)", r->path_text, size);
		return;
	}
	if (find_named(json_object_get(model, "lus"), "name", name) >= 0) {
		ctl_fail(res, "%s create: a storage object named '%s' exists", r->path_text, name);
		return;
	}
	json_t *lu = json_pack("{s:s, s:s}", "name", name, "backstore", type);
	if (dev != NULL)
		json_object_set_new(lu, "path", json_string(dev));
	if (size != NULL)
		json_object_set_new(lu, "size", json_integer((json_int_t)bytes));
	json_array_append_new(arr(model, "lus"), lu);
}

void ctl_backstores(json_t *model, const struct ctl_req *r, struct ctl_result *res)
{
	static const char *const order_del[] = { "name", NULL };
	static const char *const keys_del[] = { "name", NULL };
	if (r->nparts != 2) {
		ctl_fail(res, "%s: name a backstore type: /backstores/fileio, /backstores/block, /backstores/ramdisk",
			 r->path_text);
		return;
	}
	const char *type = store_type(r->parts[1]);
	if (type == NULL) {
		ctl_fail(res, "%s: '%s' backstores are not supported (fileio, block, ramdisk; user:* TCMU "
			 "objects need a kernel)", r->path_text, r->parts[1]);
		return;
	}
	if (strcmp(r->cmd, "create") == 0) {
		backstore_create(model, r, type, res);
		return;
	}
	if (strcmp(r->cmd, "delete") != 0) {
		ctl_fail(res, "%s: no command '%s' here (create, delete, ls)", r->path_text, r->cmd);
		return;
	}
	if (ctl_args_known(r, order_del, keys_del, res) != 0)
		return;
	const char *name = ctl_arg(r, order_del, "name");
	json_t *lus = json_object_get(model, "lus");
	long i = name ? find_named(lus, "name", name) : -1;
	const char *t = i >= 0 ? str(json_array_get(lus, (size_t)i), "backstore") : NULL;
	if (i < 0 || (t != NULL && strcmp(t, type) != 0) || (t == NULL && strcmp(type, "ram") != 0)) {
		ctl_fail(res, "%s delete: no storage object '%s' of this type", r->path_text, name ? name : "");
		return;
	}
	/* LIO: deleting a storage object removes the LUNs that export it. */
	unmap_everywhere(model, name);
	json_array_remove(lus, (size_t)i);
}

/* Index of the portal address:port in the model, -1 if none. */
static long portal_find(json_t *model, const char *address, json_int_t port)
{
	json_t *ps = json_object_get(model, "portals");
	for (size_t i = 0; i < json_array_size(ps); i++) {
		json_t *p = json_array_get(ps, i);
		json_t *pp = json_object_get(p, "port");
		json_int_t port_i = pp ? json_integer_value(pp) : CTL_DEFAULT_PORT;
		if (str(p, "address") != NULL && strcmp(str(p, "address"), address) == 0 && port_i == port)
			return (long)i;
	}
	return -1;
}

/* Index of the portal address:port in the model, appended if new. */
static size_t portal_index(json_t *model, const char *address, json_int_t port)
{
	long i = portal_find(model, address, port);
	if (i >= 0)
		return (size_t)i;
	json_t *ps = arr(model, "portals");
	json_array_append_new(ps, json_pack("{s:s, s:I}", "address", address, "port", port));
	return json_array_size(ps) - 1;
}

void ctl_iscsi(json_t *model, const struct ctl_req *r, struct ctl_result *res)
{
	static const char *const order[] = { "wwn", NULL };
	static const char *const keys[] = { "wwn", NULL };
	bool create = strcmp(r->cmd, "create") == 0;
	if (!create && strcmp(r->cmd, "delete") != 0) {
		ctl_fail(res, "%s: no command '%s' here (create, delete, ls)", r->path_text, r->cmd);
		return;
	}
	if (ctl_args_known(r, order, keys, res) != 0)
		return;
	const char *wwn = ctl_arg(r, order, "wwn");
	if (wwn == NULL || wwn[0] == '\0') {
		ctl_fail(res, "/iscsi %s: wwn= (the target's IQN) is required", r->cmd);
		return;
	}
	json_t *targets = json_object_get(model, "targets");
	long i = find_named(targets, "name", wwn);
	if (!create) {
		if (i < 0)
			ctl_fail(res, "/iscsi delete: no target '%s'", wwn);
		else
			json_array_remove(targets, (size_t)i);
		return;
	}
	if (i >= 0) {
		ctl_fail(res, "/iscsi create: target '%s' exists", wwn);
		return;
	}
	if (json_array_size(arr(model, "portals")) == 0)
		portal_index(model, CTL_DEFAULT_ADDRESS, CTL_DEFAULT_PORT);
	json_t *portals = json_array();
	for (size_t k = 0; k < json_array_size(arr(model, "portals")); k++)
		json_array_append_new(portals, json_integer((json_int_t)k));
	/* open access until ACLs exist: a target nobody may enter is refused by
	 * cfg_validate, and targetcli's next step is its ACLs (then
	 * set attribute generate_node_acls=0); SendTargets lists it to every
	 * initiator, as LIO's demo_mode_discovery=1 default does */
	json_t *tpg = json_pack("{s:i, s:o, s:b, s:b}", "tag", 1, "portals", portals, "open_access", 1,
		"discovery_open", 1);
	json_array_append_new(arr(model, "targets"), json_pack("{s:s, s:[o]}", "name", wwn, "tpgs", tpg));
}

/* The portal group a path names: /iscsi/IQN/tpgN. */
static json_t *find_tpg(json_t *model, const struct ctl_req *r, struct ctl_result *res)
{
	json_t *targets = json_object_get(model, "targets");
	long t = find_named(targets, "name", r->parts[1]);
	if (t < 0) {
		ctl_fail(res, "%s: no target '%s'", r->path_text, r->parts[1]);
		return NULL;
	}
	char *end;
	if (strncmp(r->parts[2], "tpg", 3) != 0 || r->parts[2][3] == '\0') {
		ctl_fail(res, "%s: '%s' is not tpgN", r->path_text, r->parts[2]);
		return NULL;
	}
	unsigned long tag = strtoul(r->parts[2] + 3, &end, 10);
	json_t *tpgs = json_object_get(json_array_get(targets, (size_t)t), "tpgs");
	for (size_t g = 0; *end == '\0' && g < json_array_size(tpgs); g++) {
		json_t *tpg = json_array_get(tpgs, g);
		json_t *tj = json_object_get(tpg, "tag");
		json_int_t have = tj ? json_integer_value(tj) : (json_int_t)(g + 1);
		if ((unsigned long)have == tag)
			return tpg;
	}
	ctl_fail(res, "%s: no portal group '%s' in '%s'", r->path_text, r->parts[2], r->parts[1]);
	return NULL;
}

static long find_lun(json_t *luns, json_int_t lun)
{
	for (size_t i = 0; i < json_array_size(luns); i++)
		if (json_integer_value(json_object_get(json_array_get(luns, i), "lun")) == lun)
			return (long)i;
	return -1;
}

static int parse_num(const char *v, json_int_t max, json_int_t *out)
{
	char *end;
	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end != '\0' || n > (unsigned long long)max)
		return -1;
	*out = (json_int_t)n;
	return 0;
}

static void luns_cmd(json_t *model, json_t *tpg, const struct ctl_req *r, struct ctl_result *res)
{
	static const char *const order_c[] = { "storage_object", "lun", NULL };
	static const char *const keys_c[] = { "storage_object", "lun", "add_mapped_luns", NULL };
	static const char *const order_d[] = { "lun", NULL };
	static const char *const keys_d[] = { "lun", NULL };
	bool create = strcmp(r->cmd, "create") == 0;
	json_t *luns = json_object_get(tpg, "luns");
	json_int_t lun = -1;
	if (create ? ctl_args_known(r, order_c, keys_c, res) : ctl_args_known(r, order_d, keys_d, res))
		return;
	const char *lun_s = ctl_arg(r, create ? order_c : order_d, "lun");
	if (lun_s != NULL && parse_num(strncmp(lun_s, "lun", 3) == 0 ? lun_s + 3 : lun_s, 16383, &lun) != 0) {
		ctl_fail(res, "%s %s: lun '%s' is not 0..16383", r->path_text, r->cmd, lun_s);
		return;
	}
	if (!create) {
		long i = lun >= 0 ? find_lun(luns, lun) : -1;
		if (i < 0) {
			ctl_fail(res, "%s delete: no LUN %s", r->path_text, lun_s ? lun_s : "(lun= is required)");
			return;
		}
		const char *lu = str(json_array_get(luns, (size_t)i), "lu");
		json_t *acls = json_object_get(tpg, "acls");
		for (size_t a = 0; lu != NULL && a < json_array_size(acls); a++)
			unmap_lu(json_array_get(acls, a), lu); /* LIO: mapped LUNs go with the LUN */
		json_array_remove(luns, (size_t)i);
		return;
	}
	const char *so = ctl_arg(r, order_c, "storage_object");
	const char *name = so ? strrchr(so, '/') : NULL;
	name = name ? name + 1 : so;
	if (name == NULL || find_named(json_object_get(model, "lus"), "name", name) < 0) {
		ctl_fail(res, "%s create: no storage object '%s'", r->path_text, so ? so : "(storage_object= is required)");
		return;
	}
	if (lun < 0)
		while (find_lun(luns, ++lun) >= 0)
			;
	if (find_lun(luns, lun) >= 0) {
		ctl_fail(res, "%s create: LUN %lld exists", r->path_text, (long long)lun);
		return;
	}
	const char *add = ctl_arg(r, NULL, "add_mapped_luns");
	bool auto_add = true;
	if (add != NULL && !is_bool_text(add, &auto_add)) {
		ctl_fail(res, "%s create: add_mapped_luns must be true or false", r->path_text);
		return;
	}
	json_array_append_new(arr(tpg, "luns"), json_pack("{s:I, s:s}", "lun", lun, "lu", name));
	json_t *acls = json_object_get(tpg, "acls");
	for (size_t a = 0; auto_add && a < json_array_size(acls); a++) {
		json_t *al = arr(json_array_get(acls, a), "luns");
		if (find_lun(al, lun) < 0)
			json_array_append_new(al, json_pack("{s:I, s:s}", "lun", lun, "lu", name));
	}
}

static void acls_cmd(json_t *tpg, const struct ctl_req *r, struct ctl_result *res)
{
	static const char *const order[] = { "wwn", NULL };
	static const char *const keys[] = { "wwn", NULL };
	bool create = strcmp(r->cmd, "create") == 0;
	if (ctl_args_known(r, order, keys, res) != 0)
		return;
	const char *wwn = ctl_arg(r, order, "wwn");
	json_t *acls = json_object_get(tpg, "acls");
	long i = wwn ? find_named(acls, "initiator", wwn) : -1;
	if (wwn == NULL || wwn[0] == '\0') {
		ctl_fail(res, "%s %s: wwn= (the initiator's IQN) is required", r->path_text, r->cmd);
	} else if (!create) {
		if (i < 0)
			ctl_fail(res, "%s delete: no ACL for '%s'", r->path_text, wwn);
		else
			json_array_remove(acls, (size_t)i);
	} else if (i >= 0) {
		ctl_fail(res, "%s create: an ACL for '%s' exists", r->path_text, wwn);
	} else {
		/* auto_add_mapped_luns: the ACL sees every LUN of the group */
		json_t *luns = json_deep_copy(arr(tpg, "luns"));
		json_array_append_new(arr(tpg, "acls"), json_pack("{s:s, s:o}", "initiator", wwn, "luns", luns));
	}
}

static void portals_cmd(json_t *model, json_t *tpg, const struct ctl_req *r, struct ctl_result *res)
{
	static const char *const order[] = { "ip_address", "ip_port", NULL };
	static const char *const keys[] = { "ip_address", "ip_port", NULL };
	if (ctl_args_known(r, order, keys, res) != 0)
		return;
	const char *addr = ctl_arg(r, order, "ip_address"), *port_s = ctl_arg(r, order, "ip_port");
	json_int_t port = CTL_DEFAULT_PORT;
	if (addr == NULL || addr[0] == '\0' || (port_s != NULL && parse_num(port_s, 65535, &port) != 0)) {
		ctl_fail(res, "%s %s: ip_address= is required, ip_port= is 0..65535", r->path_text, r->cmd);
		return;
	}
	bool create = strcmp(r->cmd, "create") == 0;
	/* a delete looks the portal up without adding it: a refusal leaves
	 * the model as it was (ctl_req.h) */
	json_int_t idx = create ? (json_int_t)portal_index(model, addr, port) : portal_find(model, addr, port);
	json_t *tp = create ? arr(tpg, "portals") : json_object_get(tpg, "portals");
	long at = -1;
	for (size_t i = 0; idx >= 0 && i < json_array_size(tp); i++)
		if (json_integer_value(json_array_get(tp, i)) == idx)
			at = (long)i;
	if (create) {
		if (at >= 0)
			ctl_fail(res, "%s create: %s:%lld is a portal of this group", r->path_text, addr, (long long)port);
		else
			json_array_append_new(tp, json_integer(idx));
	} else if (at < 0) {
		ctl_fail(res, "%s delete: %s:%lld is not a portal of this group", r->path_text, addr, (long long)port);
	} else {
		json_array_remove(tp, (size_t)at);
	}
}

/* set auth userid= password= mutual_userid= mutual_password= */
static void set_auth(json_t *holder, const struct ctl_req *r, struct ctl_result *res)
{
	static const char *const keys[] = { "userid", "password", "mutual_userid", "mutual_password", NULL };
	static const char *const order[] = { "group", NULL };
	if (ctl_args_known(r, order, keys, res) != 0)
		return;
	json_t *auth = json_object_get(holder, "auth");
	if (!json_is_object(auth)) {
		auth = json_object();
		json_object_set_new(holder, "auth", auth);
	}
	static const char *const which[2] = { "chap", "mutual_chap" };
	for (int m = 0; m < 2; m++) {
		const char *u = ctl_arg(r, NULL, keys[2 * m]), *p = ctl_arg(r, NULL, keys[2 * m + 1]);
		if (u == NULL && p == NULL)
			continue;
		json_t *c = json_object_get(auth, which[m]);
		if (!json_is_object(c)) {
			c = json_object();
			json_object_set_new(auth, which[m], c);
		}
		if (u)
			json_object_set_new(c, "user", json_string(u));
		if (p)
			json_object_set_new(c, "secret", json_string(p));
		/* an empty userid and password turn that direction off, as in targetcli */
		if ((u && !*u) && (p == NULL || !*p))
			json_object_del(auth, which[m]);
	}
	if (json_object_size(auth) == 0)
		json_object_del(holder, "auth");
}

/* LIO's iSCSI parameters (RFC 7143 §13) and ours, target-wide here. */
static const struct { const char *lio, *ours; bool yes_no; } params[] = {
	{ "MaxRecvDataSegmentLength", "max_recv_data_segment_length", false },
	{ "MaxBurstLength", "max_burst_length", false },
	{ "FirstBurstLength", "first_burst_length", false },
	{ "MaxOutstandingR2T", "max_outstanding_r2t", false },
	{ "MaxConnections", "max_connections", false },
	{ "DefaultTime2Wait", "default_time2wait", false },
	{ "DefaultTime2Retain", "default_time2retain", false },
	{ "ErrorRecoveryLevel", "error_recovery_level", false },
	{ "InitialR2T", "initial_r2t", true },
	{ "ImmediateData", "immediate_data", true },
	{ "DataPDUInOrder", "data_pdu_in_order", true },
	{ "DataSequenceInOrder", "data_sequence_in_order", true },
	{ "HeaderDigest", "header_digest", true },
	{ "DataDigest", "data_digest", true },
};

/* Into p, the model's "params" object. */
static int set_param(json_t *p, const struct ctl_arg *a, const struct ctl_req *r, struct ctl_result *res)
{
	for (size_t k = 0; k < sizeof(params) / sizeof(params[0]); k++) {
		if (strcmp(params[k].lio, a->key) != 0)
			continue;
		json_int_t n;
		bool b;
		if (!params[k].yes_no) {
			if (parse_num(a->value, UINT32_MAX, &n) != 0)
				return ctl_fail(res, "%s set parameter: %s=%s is not a number", r->path_text, a->key, a->value);
			json_object_set_new(p, params[k].ours, json_integer(n));
			return 0;
		}
		/* digests: "CRC32C,None" offers CRC32C; "None" only none (RFC 7143 §13.1) */
		if (strstr(params[k].lio, "Digest") != NULL)
			b = strstr(a->value, "CRC32C") != NULL;
		else if (!is_bool_text(a->value, &b))
			return ctl_fail(res, "%s set parameter: %s=%s is not Yes or No", r->path_text, a->key, a->value);
		json_object_set_new(p, params[k].ours, json_boolean(b));
		return 0;
	}
	return ctl_fail(res, "%s set parameter: '%s' is not an iSCSI parameter reftarget honours", r->path_text,
			a->key);
}

static int set_attribute(json_t *tpg, const struct ctl_arg *a, const struct ctl_req *r, struct ctl_result *res)
{
	bool b;
	if (!is_bool_text(a->value, &b))
		return ctl_fail(res, "%s set attribute: %s=%s is not 0 or 1", r->path_text, a->key, a->value);
	if (strcmp(a->key, "generate_node_acls") == 0) {
		json_object_set_new(tpg, "open_access", json_boolean(b));
		return 0;
	}
	if (strcmp(a->key, "authentication") == 0) {
		/* Ours: credentials present means CHAP required. Turning it on
		 * needs them set first; turning it off forgets them. */
		if (!b) {
			json_object_del(tpg, "auth");
			json_t *acls = json_object_get(tpg, "acls");
			for (size_t i = 0; i < json_array_size(acls); i++)
				json_object_del(json_array_get(acls, i), "auth");
			return 0;
		}
		json_t *acls = json_object_get(tpg, "acls");
		for (size_t i = 0; i < json_array_size(acls); i++)
			if (json_object_get(json_array_get(acls, i), "auth") == NULL)
				return ctl_fail(res, "%s set attribute: authentication=1 but the ACL '%s' has no "
						"credentials (acls/%s set auth userid= password= first)", r->path_text,
						str(json_array_get(acls, i), "initiator"),
						str(json_array_get(acls, i), "initiator"));
		return 0;
	}
	if (strcmp(a->key, "demo_mode_write_protect") == 0 && !b)
		return 0;
	if (strcmp(a->key, "demo_mode_discovery") == 0) {
		/* LIO's name for our discovery_open (SendTargets lists the group to everyone) */
		json_object_set_new(tpg, "discovery_open", json_boolean(b));
		return 0;
	}
	if (strcmp(a->key, "cache_dynamic_acls") == 0)
		return 0; /* what reftarget does either way: dynamic ACLs are not kept */
	return ctl_fail(res, "%s set attribute: %s=%s is not honoured live by reftarget", r->path_text, a->key,
			a->value);
}

static void set_cmd(json_t *model, json_t *holder, bool is_tpg, const struct ctl_req *r, struct ctl_result *res)
{
	static const char *const order[] = { "group", NULL };
	const char *group = ctl_arg(r, order, "group");
	if (group == NULL) {
		ctl_fail(res, "%s set: name the group (auth, attribute, parameter)", r->path_text);
		return;
	}
	if (strcmp(group, "auth") == 0) {
		set_auth(holder, r, res);
		return;
	}
	if (!is_tpg || (strcmp(group, "attribute") != 0 && strcmp(group, "parameter") != 0)) {
		ctl_fail(res, "%s set: group '%s' is not honoured here", r->path_text, group);
		return;
	}
	/* The keys edit a copy, which replaces the original only once every
	 * key was taken: a refused request leaves the model as it was
	 * (ctl_req.h). Attributes live in the portal group, parameters in
	 * the model's "params". */
	bool attr = group[0] == 'a';
	json_t *orig = attr ? holder : json_object_get(model, "params");
	json_t *work = json_is_object(orig) ? json_deep_copy(orig) : json_object();
	if (work == NULL) {
		ctl_fail(res, "%s set: out of memory", r->path_text);
		return;
	}
	for (unsigned i = 0; i < r->nargs; i++) {
		const struct ctl_arg *a = &r->args[i];
		if (a->key != NULL && (attr ? set_attribute(work, a, r, res) : set_param(work, a, r, res)) != 0) {
			json_decref(work);
			return;
		}
	}
	if (attr) {
		json_object_clear(holder);
		json_object_update(holder, work);
	} else if (json_object_size(work) > 0) {
		json_object_set(model, "params", work);
	}
	json_decref(work);
}

void ctl_tpg(json_t *model, const struct ctl_req *r, struct ctl_result *res)
{
	json_t *tpg = find_tpg(model, r, res);
	if (tpg == NULL)
		return;
	const char *where = r->nparts > 3 ? r->parts[3] : NULL;
	bool set = strcmp(r->cmd, "set") == 0;
	bool cd = strcmp(r->cmd, "create") == 0 || strcmp(r->cmd, "delete") == 0;
	if (where == NULL && set)
		set_cmd(model, tpg, true, r, res);
	else if (where == NULL && (strcmp(r->cmd, "enable") == 0))
		res->action = CTL_SHOW; /* a portal group is always enabled here */
	else if (where != NULL && strcmp(where, "luns") == 0 && r->nparts == 4 && cd)
		luns_cmd(model, tpg, r, res);
	else if (where != NULL && strcmp(where, "acls") == 0 && r->nparts == 4 && cd)
		acls_cmd(tpg, r, res);
	else if (where != NULL && strcmp(where, "acls") == 0 && r->nparts == 5 && set) {
		json_t *acls = json_object_get(tpg, "acls");
		long i = find_named(acls, "initiator", r->parts[4]);
		if (i < 0)
			ctl_fail(res, "%s: no ACL for '%s'", r->path_text, r->parts[4]);
		else
			set_cmd(model, json_array_get(acls, (size_t)i), false, r, res);
	} else if (where != NULL && strcmp(where, "portals") == 0 && r->nparts == 4 && cd)
		portals_cmd(model, tpg, r, res);
	else
		ctl_fail(res, "%s: no command '%s' here", r->path_text, r->cmd);
}
