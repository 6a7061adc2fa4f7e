/* dcfg_json: the JSON configuration file, read with jansson into struct dcfg.
 *
 * This loader checks form: known keys only, types, representable numbers,
 * references by name (a LUN's "lu"). The meaning (ranges from RFC 7143,
 * unique names, portal groups) is cfg_validate's job (core/config.c); both
 * name errors by the same key paths, and dcfg_explain adds the line.
 *
 * The format (every key shown; "?" marks optional ones, defaults after =):
 *
 * {
 *   "portals": [ { "address": "127.0.0.1", "port"?: 3260 },
 *                { "address": "[::1]" } ],
 *   "lus": [ { "name": "disk0",
 *              "backstore"?: "ram" | "file" | "block" | "rbd" = "ram",
 *              "path"?: "/srv/disk0.img",        (file, block: required)
 *              "rbd"?: { "pool": "rbd", "image": "disk0",
 *                        "conf"?: "/etc/ceph/ceph.conf",  (default: librados's search)
 *                        "client"?: "admin",     (the id, without "client.")
 *                        "keyring"?: "/etc/ceph/ceph.client.admin.keyring",
 *                        "lock"?: "explicit" | "auto" = "explicit",
 *                                                (backstore/rbd.c: who writes)
 *                        "op_timeout_s"?: 30,
 *                        "pr_shared"?: false,    (persistent reservations in
 *                                                 a RADOS object "<image>.pr",
 *                                                 shared by every gateway:
 *                                                 scsi/pr_shared.c)
 *                        "alua_group"?: 0,       (this gateway's target port
 *                                                 group, the "tag" of its portal
 *                                                 group: the LU's ALUA states
 *                                                 follow the exclusive lock,
 *                                                 owner active/optimized, the
 *                                                 groups listed in "alua"
 *                                                 standby, or active/non-
 *                                                 optimized where that is
 *                                                 their "state"; the owner is
 *                                                 in "<image>.alua":
 *                                                 backstore/rbd_alua.h. 0: off)
 *                        "blocklist_on_break"?: true },
 *                                                (false: a takeover breaks the
 *                                                 old owner's lock without
 *                                                 blocklisting it, as librbd's
 *                                                 rbd_blocklist_on_break_lock
 *                                                 = false: its queued writes
 *                                                 land. Only for the unfenced
 *                                                 twin of tests/ceph/failover.sh)
 *                                                (rbd: required; only in a
 *                                                 build with librbd)
 *              "size"?: "1G" | 1073741824,       (ram: required; file: create
 *                                                 or extend to it; default:
 *                                                 the file's own size)
 *              "block_size"?: 512 | 4096 = 512,
 *              "flags"?: [ "thin", "lbprz", "removable", "read_only",
 *                          "sanitize", "wce", "atomic" ],
 *              "serial"?: "...",   (default: derived, see daemon/store.c)
 *              "naa_id"?: 4660 | "0x1234",       (default: hash of serial)
 *              "vendor"?: "ISCSISIM", "product"?: "REFTARGET",
 *              "revision"?: "0001",              (INQUIRY, 4 characters)
 *              "lbppbe"?: 0..15 = 0,             (2^lbppbe logical blocks per
 *                                                 physical block, READ CAPACITY 16)
 *              "alua"?: [ { "tpg": 1,            (a "tag" of a portal group
 *                                                 that maps this LU)
 *                           "state"?: "active_optimized" | "active_nonoptimized"
 *                                     | "standby" | "unavailable"
 *                                     | "transitioning" = "active_optimized",
 *                           "preferred"?: false,
 *                           "relative_port"?: 0 } ],
 *                                                (the group's target port, listed
 *                                                 by REPORT TARGET PORT GROUPS
 *                                                 before any traffic: another
 *                                                 gateway's; 0: as seen)
 *                                                (groups not listed: active/optimized)
 *              "alua_modes"?: [ "implicit", "explicit" ],
 *                                                (default both, as LIO; [] turns
 *                                                 ALUA off: TPGS 0 in INQUIRY)
 *              "media_mbps"?: 0 } ],             (a slow medium: its data moves
 *                                                 at this many MB/s; 0: full speed)
 *   "targets": [ { "name": "iqn.2026-11.org.iscsi-sim:ref", "alias"?: "ref",
 *                  "tpgs": [ {
 *                    "tag"?: 1,                  (default: position + 1)
 *                    "relative_port"?: 0,        (its port's RELATIVE TARGET PORT
 *                                                 IDENTIFIER; 0: position + 1;
 *                                                 distinct across the gateways
 *                                                 of one target)
 *                    "portals": [ 0, 1 ],        (indices into "portals")
 *                    "open_access"?: false,      (any initiator, with "luns")
 *                    "discovery_open"?: false,   (SendTargets lists the group to
 *                                                 every initiator, as LIO's
 *                                                 demo_mode_discovery; false:
 *                                                 to those it admits)
 *                    "auth"?: AUTH,
 *                    "luns"?: [ { "lun": 0, "lu": "disk0", "read_only"?: false } ],
 *                    "target_reset"?: false,     (open access may send TARGET
 *                                                 WARM/COLD RESET; core/tmf.c)
 *                    "acls"?: [ { "initiator": "iqn...", "auth"?: AUTH,
 *                                 "luns"?: [ ... ],
 *                                 "target_reset"?: false } ],
 *                                                (false: a target reset gets TMF
 *                                                 response 6; true: it acts on
 *                                                 this ACL's LUs only)
 *                    "redirect"?: "none" | "temporary" | "permanent",
 *                    "redirect_address"?: "10.0.0.2:3260,1" } ] } ],
 *   "discovery_auth"?: AUTH,
 *   "params"?: { every field of struct rt_params_cfg by its C name:
 *                "max_recv_data_segment_length": 262144, "initial_r2t": false,
 *                ..., "nop_in_interval_ms": 0,
 *                the memory budget (core/mem.h), bytes or "64M":
 *                "mem_budget_bytes"?: "1G", "session_mem_max_bytes"?: "64M",
 *                "session_mem_min_bytes"?: "8M", "conn_unsent_max_bytes"?: "4M",
 *                the defences against hostile clients (core/admit.h; the
 *                defaults are limits.h's RT_*_DEFAULT):
 *                "prelogin_timeout_ms": 3000,      (no whole Login PDU by then:
 *                                                  closed; <= login_timeout_ms)
 *                "max_conns_per_source": 160,      (connections from one address)
 *                "max_login_conns_per_source": 32, (... of them still logging in)
 *                "login_rate_per_source": 100,     (new connections a second from
 *                "login_burst_per_source": 256,     one address, and the burst; 0: off)
 *                "reserved_session_conns": 256,    (of the 1024 connection slots,
 *                                                  only for logged-in connections)
 *                "max_sessions_per_initiator": 64, (by InitiatorName; beyond:
 *                "max_sessions_per_source": 128 }   Login status 0x0302)
 * }
 * AUTH = { "chap"?: { "user": "...", "secret": "..." },
 *          "mutual_chap"?: { "user": "...", "secret": "..." } }
 */
#include "dcfg.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcfg_jread.h"
#include "dcfg_locate.h"

static int load_portal(struct jl *j, json_t *o, uint32_t i, void *out)
{
	static const char *const keys[] = { "address", "port", NULL };
	struct rt_portal_cfg *p = out;
	p->port = DCFG_DEFAULT_PORT;
	if (json_object_get(o, "port") == NULL && i < DCFG_PORT_NOTES_MAX)
		j->d->port_defaulted |= 1ull << i;
	return jl_only_keys(j, o, keys) || jl_get_str(j, o, "address", true, &p->address) ||
	       jl_get_u16(j, o, "port", &p->port);
}

static int load_cred(struct jl *j, json_t *auth, const char *key, struct rt_chap_cred *c)
{
	static const char *const keys[] = { "user", "secret", NULL };
	json_t *o;
	if (jl_member(j, auth, key, JSON_OBJECT, false, &o))
		return -1;
	if (o == NULL)
		return 0;
	size_t saved = jl_enter_key(j, key);
	if (jl_only_keys(j, o, keys) || jl_get_str(j, o, "user", true, &c->user) ||
	    jl_get_str(j, o, "secret", true, &c->secret))
		return -1;
	jl_leave(j, saved);
	return 0;
}

static int load_auth(struct jl *j, json_t *parent, const char *key, struct rt_auth_cfg *a)
{
	static const char *const keys[] = { "chap", "mutual_chap", NULL };
	json_t *o;
	if (jl_member(j, parent, key, JSON_OBJECT, false, &o))
		return -1;
	if (o == NULL)
		return 0;
	size_t saved = jl_enter_key(j, key);
	if (jl_only_keys(j, o, keys) || load_cred(j, o, "chap", &a->in) ||
	    load_cred(j, o, "mutual_chap", &a->out))
		return -1;
	jl_leave(j, saved);
	return 0;
}

static int load_lun(struct jl *j, json_t *o, uint32_t i, void *out)
{
	static const char *const keys[] = { "lun", "lu", "read_only", NULL };
	struct rt_lun_map *m = out;
	const char *lu = NULL;
	(void)i;
	if (jl_only_keys(j, o, keys) || jl_get_uint(j, o, "lun", true, UINT64_MAX, &m->lun) ||
	    jl_get_str(j, o, "lu", true, &lu) || jl_get_bool(j, o, "read_only", &m->read_only))
		return -1;
	const struct rt_config *cfg = &j->d->cfg;
	for (m->lu = 0; m->lu < cfg->lu_count; m->lu++)
		if (strcmp(cfg->lus[m->lu].name, lu) == 0)
			return 0;
	jl_enter_key(j, "lu");
	return jl_jfail(j, "no LU named '%s' in lus (%u defined)", lu, cfg->lu_count);
}

static int load_luns(struct jl *j, json_t *o, const struct rt_lun_map **luns, uint32_t *count)
{
	void *a;
	if (jl_load_array(j, o, "luns", false, sizeof(struct rt_lun_map), load_lun, &a, count))
		return -1;
	*luns = a;
	return 0;
}

static int load_acl(struct jl *j, json_t *o, uint32_t i, void *out)
{
	static const char *const keys[] = { "initiator", "auth", "luns", "target_reset", NULL };
	struct rt_acl_cfg *acl = out;
	(void)i;
	return jl_only_keys(j, o, keys) || jl_get_str(j, o, "initiator", true, &acl->initiator) ||
	       load_auth(j, o, "auth", &acl->auth) || load_luns(j, o, &acl->luns, &acl->lun_count) ||
	       jl_get_bool(j, o, "target_reset", &acl->target_reset);
}

static int load_tpg_portals(struct jl *j, json_t *o, struct rt_tpg_cfg *tpg)
{
	json_t *arr;
	if (jl_member(j, o, "portals", JSON_ARRAY, true, &arr))
		return -1;
	size_t n = json_array_size(arr);
	uint32_t *idx = dcfg_alloc(j->d, (n ? n : 1) * sizeof(*idx));
	if (idx == NULL)
		return jl_oom(j);
	size_t saved = jl_enter_key(j, "portals");
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0;
		size_t in_key = jl_enter_index(j, i);
		if (jl_check_uint(j, json_array_get(arr, i), UINT32_MAX, &v))
			return -1;
		idx[i] = (uint32_t)v;
		jl_leave(j, in_key);
	}
	jl_leave(j, saved);
	tpg->portals = idx;
	tpg->portal_count = (uint32_t)n;
	return 0;
}

static int load_redirect(struct jl *j, json_t *o, struct rt_tpg_cfg *tpg)
{
	static const char *const kinds[] = { "none", "temporary", "permanent" };
	const char *kind = NULL;
	if (jl_get_str(j, o, "redirect", false, &kind) ||
	    jl_get_str(j, o, "redirect_address", false, &tpg->redirect_address))
		return -1;
	if (kind == NULL)
		return 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (strcmp(kind, kinds[k]) == 0) {
			tpg->redirect = (enum rt_redirect)k;
			return 0;
		}
	}
	jl_enter_key(j, "redirect");
	return jl_jfail(j, "'%s' is not none, temporary or permanent", kind);
}

static int load_tpg(struct jl *j, json_t *o, uint32_t i, void *out)
{
	static const char *const keys[] = { "tag", "portals", "open_access", "auth", "luns", "acls",
					    "redirect", "redirect_address", "target_reset", "discovery_open",
					    "relative_port", NULL };
	struct rt_tpg_cfg *tpg = out;
	void *acls;
	tpg->tag = (uint16_t)(i + 1);
	if (jl_only_keys(j, o, keys) || jl_get_u16(j, o, "tag", &tpg->tag) || load_tpg_portals(j, o, tpg) ||
	    jl_get_bool(j, o, "open_access", &tpg->open_access) || load_auth(j, o, "auth", &tpg->auth) ||
	    load_luns(j, o, &tpg->luns, &tpg->lun_count) ||
	    jl_load_array(j, o, "acls", false, sizeof(struct rt_acl_cfg), load_acl, &acls, &tpg->acl_count) ||
	    load_redirect(j, o, tpg) || jl_get_bool(j, o, "target_reset", &tpg->target_reset) ||
	    jl_get_bool(j, o, "discovery_open", &tpg->discovery_open) ||
	    jl_get_u16(j, o, "relative_port", &tpg->rel_port))
		return -1;
	tpg->acls = acls;
	return 0;
}

static int load_target(struct jl *j, json_t *o, uint32_t i, void *out)
{
	static const char *const keys[] = { "name", "alias", "tpgs", NULL };
	struct rt_target_cfg *t = out;
	void *tpgs;
	(void)i;
	if (jl_only_keys(j, o, keys) || jl_get_str(j, o, "name", true, &t->name) ||
	    jl_get_str(j, o, "alias", false, &t->alias) ||
	    jl_load_array(j, o, "tpgs", true, sizeof(struct rt_tpg_cfg), load_tpg, &tpgs, &t->tpg_count))
		return -1;
	t->tpgs = tpgs;
	return 0;
}

/* A word of the format and the value it stands for. */
struct named {
	const char *name;
	uint32_t value;
};
#define NAMED_COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const struct named lu_flags[] = {
	{ "thin", RT_LU_THIN },         { "lbprz", RT_LU_LBPRZ },
	{ "removable", RT_LU_REMOVABLE }, { "read_only", RT_LU_READ_ONLY },
	{ "sanitize", RT_LU_SANITIZE }, { "wce", RT_LU_WCE },
	{ "atomic", RT_LU_ATOMIC },
};

/* SPC-4 §5.15.2.4: the asymmetric access states a group can be put in. */
static const struct named alua_states[] = {
	{ "active_optimized", RT_ALUA_ACTIVE_OPTIMIZED },
	{ "active_nonoptimized", RT_ALUA_ACTIVE_NONOPTIMIZED },
	{ "standby", RT_ALUA_STANDBY },
	{ "unavailable", RT_ALUA_UNAVAILABLE },
	{ "transitioning", RT_ALUA_TRANSITIONING },
};

/* SPC-4 §6.6.2 TPGS: who may change the states. */
static const struct named alua_modes[] = {
	{ "implicit", RT_ALUA_IMPLICIT },
	{ "explicit", RT_ALUA_EXPLICIT },
};

/* v must be one of table's words: *out gets its value. The path is at v;
 * what names the kind of word in the message ("a flag"). */
static int lookup(struct jl *j, json_t *v, const struct named *table, size_t n, const char *what,
		  uint32_t *out)
{
	for (size_t i = 0; i < n; i++) {
		if (json_is_string(v) && strcmp(json_string_value(v), table[i].name) == 0) {
			*out = table[i].value;
			return 0;
		}
	}
	char known[DCFG_ERR_MAX / 2] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(known); i++)
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "", table[i].name);
	return jl_jfail(j, "not %s (%s)", what, known);
}

/* obj[key], an array of table's words, ORed into *bits. */
static int load_word_set(struct jl *j, json_t *o, const char *key, const struct named *table, size_t n,
			 const char *what, uint32_t *bits)
{
	json_t *arr;
	if (jl_member(j, o, key, JSON_ARRAY, false, &arr))
		return -1;
	if (arr == NULL)
		return 0;
	size_t saved = jl_enter_key(j, key);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		uint32_t bit;
		size_t in_key = jl_enter_index(j, i);
		if (lookup(j, json_array_get(arr, i), table, n, what, &bit))
			return -1;
		*bits |= bit;
		jl_leave(j, in_key);
	}
	jl_leave(j, saved);
	return 0;
}

/* One entry of "alua": the LU's state through one target port group. */
static int load_alua_entry(struct jl *j, json_t *o, uint32_t i, void *out)
{
	static const char *const keys[] = { "tpg", "state", "preferred", "relative_port", NULL };
	struct rt_alua_cfg *a = out;
	uint64_t tag = 0;
	uint32_t state = RT_ALUA_ACTIVE_OPTIMIZED;
	json_t *v;
	(void)i;
	if (jl_only_keys(j, o, keys) || jl_get_uint(j, o, "tpg", true, UINT16_MAX, &tag) ||
	    jl_member(j, o, "state", JSON_STRING, false, &v) || jl_get_bool(j, o, "preferred", &a->preferred) ||
	    jl_get_u16(j, o, "relative_port", &a->rel_port))
		return -1;
	if (v != NULL) {
		size_t saved = jl_enter_key(j, "state");
		if (lookup(j, v, alua_states, NAMED_COUNT(alua_states), "an ALUA state", &state))
			return -1;
		jl_leave(j, saved);
	}
	a->tpg_tag = (uint16_t)tag;
	a->state = (enum rt_alua_state)state;
	return 0;
}

static int load_lu_alua(struct jl *j, json_t *o, struct rt_lu_cfg *lu)
{
	void *alua;
	lu->alua_modes = DCFG_DEFAULT_ALUA_MODES;
	if (json_object_get(o, "alua_modes") != NULL)
		lu->alua_modes = 0; /* as listed: [] is "no ALUA" */
	if (jl_load_array(j, o, "alua", false, sizeof(struct rt_alua_cfg), load_alua_entry, &alua,
		       &lu->alua_count) ||
	    load_word_set(j, o, "alua_modes", alua_modes, NAMED_COUNT(alua_modes), "an ALUA mode",
			  &lu->alua_modes))
		return -1;
	lu->alua = alua;
	return 0;
}

/* "size": "1G" or a number of bytes. */
/* A byte count: an integer, or a size text ("64M", "1G"); *bytes keeps
 * its default when absent. */
static int get_bytes(struct jl *j, json_t *o, const char *key, uint64_t *bytes)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL)
		return 0;
	size_t saved = jl_enter_key(j, key);
	if (json_is_string(v) ? dcfg_parse_size(json_string_value(v), bytes) != 0
			      : jl_check_uint(j, v, UINT64_MAX, bytes) != 0)
		return jl_jfail(j, "must be bytes, or a number with K, M, G, T or P (powers of 1024)");
	jl_leave(j, saved);
	return 0;
}

static int load_lu_size(struct jl *j, json_t *o, uint64_t *bytes)
{
	return get_bytes(j, o, "size", bytes);
}

/* "naa_id": an integer or a "0x..." string, 36 bits (SPC-4 §7.8.6.6 NAA-6
 * vendor specific identifier, low bits ours). 0 is left to the daemon. */
static int load_naa(struct jl *j, json_t *o, uint64_t *naa)
{
	json_t *v = json_object_get(o, "naa_id");
	if (v == NULL)
		return 0;
	size_t saved = jl_enter_key(j, "naa_id");
	const char *s = json_string_value(v);
	char *end = NULL;
	if (s && strncmp(s, "0x", 2) == 0 && isxdigit((unsigned char)s[2]))
		*naa = strtoull(s + 2, &end, 16);
	if (s ? end == NULL || *end != '\0' : jl_check_uint(j, v, UINT64_MAX, naa) != 0)
		return jl_jfail(j, "must be an integer or a \"0x...\" hex string");
	if (*naa == 0)
		return jl_jfail(j, "must not be 0 (leave it out to have one derived)");
	jl_leave(j, saved);
	return 0;
}

/* "rbd": the image and its cluster. Its spec "pool/image" becomes the
 * LU's path: the identity both gateways derive the same serial from. */
static int load_rbd(struct jl *j, json_t *parent, struct dcfg_lu *s)
{
	static const char *const keys[] = { "pool", "image", "conf", "client", "keyring", "lock",
					    "op_timeout_s", "pr_shared", "alua_group", "blocklist_on_break", NULL };
	struct bs_rbd_params *r = &s->rbd;
	json_t *o;
	const char *lock = NULL;
	uint64_t timeout = DCFG_RBD_OP_TIMEOUT_S;
	uint64_t group = 0;
	bool blocklist = true;
	if (jl_member(j, parent, "rbd", JSON_OBJECT, true, &o))
		return -1;
	size_t saved = jl_enter_key(j, "rbd");
	if (jl_only_keys(j, o, keys) || jl_get_str(j, o, "pool", true, &r->pool) ||
	    jl_get_str(j, o, "image", true, &r->image) || jl_get_str(j, o, "conf", false, &r->conf) ||
	    jl_get_str(j, o, "client", false, &r->client) || jl_get_str(j, o, "keyring", false, &r->keyring) ||
	    jl_get_str(j, o, "lock", false, &lock) ||
	    jl_get_uint(j, o, "op_timeout_s", false, DCFG_RBD_OP_TIMEOUT_S_MAX, &timeout) ||
	    jl_get_bool(j, o, "pr_shared", &r->pr_shared) ||
	    jl_get_uint(j, o, "alua_group", false, UINT16_MAX, &group) ||
	    jl_get_bool(j, o, "blocklist_on_break", &blocklist))
		return -1;
	if (lock != NULL && strcmp(lock, "explicit") != 0 && strcmp(lock, "auto") != 0) {
		jl_enter_key(j, "lock");
		return jl_jfail(j, "'%s' is not explicit or auto", lock);
	}
	if (timeout == 0) {
		jl_enter_key(j, "op_timeout_s");
		return jl_jfail(j, "must be 1..%u seconds", DCFG_RBD_OP_TIMEOUT_S_MAX);
	}
	r->lock_auto = lock != NULL && strcmp(lock, "auto") == 0;
	r->alua_group = (uint16_t)group;
	if (r->alua_group != 0 && r->lock_auto) {
		/* librbd would hand the lock to whoever writes: ALUA could
		 * not follow it, and it would ping-pong (backstore/rbd_alua.h) */
		jl_enter_key(j, "alua_group");
		return jl_jfail(j, "needs the explicit lock (\"lock\": \"explicit\", the default)");
	}
	r->op_timeout_s = (uint32_t)timeout;
	r->break_unfenced = !blocklist;
	size_t n = strlen(r->pool) + strlen(r->image) + 2;
	char *spec = dcfg_alloc(j->d, n);
	if (spec == NULL)
		return jl_oom(j);
	snprintf(spec, n, "%s/%s", r->pool, r->image);
	s->path = spec;
	jl_leave(j, saved);
	return 0;
}

static int load_lu_store(struct jl *j, json_t *o, struct dcfg_lu *s)
{
	static const char *const types[] = { "ram", "file", "block", "rbd" };
	s->backstore = types[0];
	if (jl_get_str(j, o, "backstore", false, &s->backstore) || jl_get_str(j, o, "path", false, &s->path) ||
	    load_lu_size(j, o, &s->size_bytes))
		return -1;
	size_t t = 0;
	while (t < 4 && strcmp(s->backstore, types[t]) != 0)
		t++;
	if (t == 4) {
		jl_enter_key(j, "backstore");
		return jl_jfail(j, "'%s' is not ram, file, block or rbd", s->backstore);
	}
	if (t != 3 && json_object_get(o, "rbd") != NULL) {
		jl_enter_key(j, "rbd");
		return jl_jfail(j, "only an rbd backstore has rbd settings");
	}
	if (t == 3) {
		if (s->path) {
			jl_enter_key(j, "path");
			return jl_jfail(j, "an rbd backstore has no path (rbd.pool and rbd.image name it)");
		}
		return load_rbd(j, o, s);
	}
	if (t == 0 && s->path) {
		jl_enter_key(j, "path");
		return jl_jfail(j, "a ram backstore has no path");
	}
	if (t == 0 && s->size_bytes == 0)
		return jl_jfail(j, "missing required key 'size' (a ram backstore needs one)");
	if (t != 0 && s->path == NULL)
		return jl_jfail(j, "missing required key 'path' (a %s backstore needs one)", s->backstore);
	return 0;
}

/* "revision": INQUIRY's PRODUCT REVISION LEVEL, a 4-byte ASCII field
 * (SPC-4 §6.6.2): longer text could only be cut, so it is refused. */
static int load_revision(struct jl *j, json_t *o, const char **rev)
{
	if (jl_get_str(j, o, "revision", false, rev))
		return -1;
	if (*rev == NULL)
		return 0;
	size_t n = strlen(*rev);
	bool printable = n > 0;
	for (size_t k = 0; k < n; k++)
		printable = printable && (*rev)[k] >= 0x20 && (*rev)[k] < 0x7f;
	if (n > DCFG_REVISION_MAX || !printable) {
		jl_enter_key(j, "revision");
		return jl_jfail(j, "must be 1..%u printable ASCII characters (SPC-4 §6.6.2)", DCFG_REVISION_MAX);
	}
	return 0;
}

static int load_lu(struct jl *j, json_t *o, uint32_t i, void *out)
{
	static const char *const keys[] = { "name", "backstore", "path", "size", "block_size", "flags",
					    "serial", "naa_id", "vendor", "product", "revision", "lbppbe",
					    "alua", "alua_modes", "media_mbps", "rbd", NULL };
	struct rt_lu_cfg *lu = out;
	struct dcfg_lu *s = &j->d->stores[i];
	uint64_t lbppbe = 0;
	lu->block_size = 512;
	if (jl_only_keys(j, o, keys) || jl_get_str(j, o, "name", true, &lu->name) ||
	    load_lu_store(j, o, s) || jl_get_u32(j, o, "block_size", false, &lu->block_size) ||
	    load_word_set(j, o, "flags", lu_flags, NAMED_COUNT(lu_flags), "a flag", &lu->flags) ||
	    jl_get_str(j, o, "serial", false, &lu->serial) || load_naa(j, o, &lu->naa_id) ||
	    jl_get_str(j, o, "vendor", false, &lu->vendor) || jl_get_str(j, o, "product", false, &lu->product) ||
	    load_revision(j, o, &lu->revision) || jl_get_uint(j, o, "lbppbe", false, DCFG_LBPPBE_MAX, &lbppbe) ||
	    load_lu_alua(j, o, lu) || jl_get_u32(j, o, "media_mbps", false, &s->media_mbps))
		return -1;
	lu->lbppbe = (uint8_t)lbppbe;
	if (s->rbd.pr_shared) /* the SCSI layer keeps its PR state in the image's pool */
		lu->flags |= RT_LU_PR_SHARED;
	if (s->rbd.alua_group != 0) /* ALUA follows the image's exclusive lock */
		lu->flags |= RT_LU_ALUA_SHARED;
	s->serial_given = lu->serial != NULL;
	if (lu->block_size != 0 && s->size_bytes % lu->block_size != 0) {
		jl_enter_key(j, "size");
		return jl_jfail(j, "%llu bytes is not a multiple of block_size %u",
			     (unsigned long long)s->size_bytes, lu->block_size);
	}
	if (lu->block_size != 0)
		lu->blocks = s->size_bytes / lu->block_size; /* 0 for "the file's size": filled at open */
	return 0;
}

static int load_lus(struct jl *j, json_t *root)
{
	struct dcfg *d = j->d;
	size_t n = json_array_size(json_object_get(root, "lus"));
	d->stores = dcfg_alloc(d, (n ? n : 1) * sizeof(*d->stores));
	if (d->stores == NULL)
		return jl_oom(j);
	void *lus;
	if (jl_load_array(j, root, "lus", false, sizeof(struct rt_lu_cfg), load_lu, &lus, &d->cfg.lu_count))
		return -1;
	d->lus = lus;
	d->cfg.lus = lus;
	return 0;
}

/* Every field of struct rt_params_cfg, by its C name. */
enum param_kind { PK_U32, PK_BOOL, PK_BYTES };
static const struct {
	const char *name;
	size_t offset;
	enum param_kind kind;
} params[] = {
#define P_U32(f) { #f, offsetof(struct rt_params_cfg, f), PK_U32 }
#define P_BOOL(f) { #f, offsetof(struct rt_params_cfg, f), PK_BOOL }
#define P_BYTES(f) { #f, offsetof(struct rt_params_cfg, f), PK_BYTES }
	P_U32(max_recv_data_segment_length), P_U32(max_burst_length), P_U32(first_burst_length),
	P_U32(max_outstanding_r2t), P_U32(max_connections), P_U32(default_time2wait),
	P_U32(default_time2retain), P_U32(error_recovery_level), P_BOOL(initial_r2t),
	P_BOOL(immediate_data), P_BOOL(data_pdu_in_order), P_BOOL(data_sequence_in_order),
	P_BOOL(header_digest), P_BOOL(data_digest), P_U32(cmd_window), P_U32(nop_in_interval_ms),
	P_U32(nop_in_timeout_ms), P_U32(login_timeout_ms), P_U32(logout_timeout_ms),
	P_BYTES(mem_budget_bytes), P_BYTES(session_mem_max_bytes), P_BYTES(session_mem_min_bytes),
	P_BYTES(conn_unsent_max_bytes),
	P_U32(prelogin_timeout_ms), P_U32(max_conns_per_source), P_U32(max_login_conns_per_source),
	P_U32(login_rate_per_source), P_U32(login_burst_per_source), P_U32(reserved_session_conns),
	P_U32(max_sessions_per_initiator), P_U32(max_sessions_per_source),
#undef P_U32
#undef P_BOOL
#undef P_BYTES
};
#define PARAMS_COUNT (sizeof(params) / sizeof(params[0]))

static int load_params(struct jl *j, json_t *root, struct rt_params_cfg *p)
{
	const char *keys[PARAMS_COUNT + 1];
	json_t *o;
	cfg_params_default(p);
	if (jl_member(j, root, "params", JSON_OBJECT, false, &o))
		return -1;
	if (o == NULL)
		return 0;
	size_t saved = jl_enter_key(j, "params");
	for (size_t i = 0; i < PARAMS_COUNT; i++)
		keys[i] = params[i].name;
	keys[PARAMS_COUNT] = NULL;
	if (jl_only_keys(j, o, keys))
		return -1;
	for (size_t i = 0; i < PARAMS_COUNT; i++) {
		void *field = (unsigned char *)p + params[i].offset;
		int rc = params[i].kind == PK_BOOL ? jl_get_bool(j, o, params[i].name, field)
		       : params[i].kind == PK_BYTES ? get_bytes(j, o, params[i].name, field)
		       : jl_get_u32(j, o, params[i].name, false, field);
		if (rc != 0)
			return -1;
	}
	jl_leave(j, saved);
	return 0;
}

static int load_root(struct jl *j, json_t *root)
{
	static const char *const keys[] = { "portals", "lus", "targets", "discovery_auth", "params", NULL };
	struct rt_config *cfg = &j->d->cfg;
	void *portals, *targets;
	if (!json_is_object(root))
		return jl_jfail(j, "must be an object, not %s", jl_type_name(root));
	if (jl_only_keys(j, root, keys) ||
	    jl_load_array(j, root, "portals", true, sizeof(struct rt_portal_cfg), load_portal, &portals,
		       &cfg->portal_count) ||
	    load_lus(j, root) ||
	    jl_load_array(j, root, "targets", true, sizeof(struct rt_target_cfg), load_target, &targets,
		       &cfg->target_count) ||
	    load_auth(j, root, "discovery_auth", &cfg->discovery_auth) || load_params(j, root, &cfg->params))
		return -1;
	cfg->portals = portals;
	cfg->targets = targets;
	return 0;
}

int dcfg_load_json(struct dcfg *d, const char *source, const char *text, size_t len, char *err,
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
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		/* jansson's own position: the syntax error's line. */
		snprintf(err, err_len, "%s:%d: %s", source, je.line > 0 ? je.line : 1, je.text);
		return -1;
	}
	int rc = dcfg_load_tree(d, root, err, err_len);
	json_decref(root);
	return rc;
}

int dcfg_load_tree(struct dcfg *d, json_t *root, char *err, size_t err_len)
{
	struct jl j = { .d = d, .err = err, .err_len = err_len };
	return load_root(&j, root);
}
