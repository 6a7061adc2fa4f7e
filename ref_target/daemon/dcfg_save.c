/* dcfg_save: a loaded configuration written back in our JSON format
 * (dcfg_json.c), what dcfg_load_json reads back to the same rt_config. The
 * live-management model starts from it (ctl.c) and saveconfig writes it.
 * Identities (serial, naa_id) and sizes are written as they are now, so a
 * restored file serves the same LUs as the same devices (SPC-4 §7.8.6). */
#include "dcfg_save.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static json_t *cred(const struct rt_chap_cred *c)
{
	return json_pack("{s:s, s:s}", "user", c->user, "secret", c->secret ? c->secret : "");
}

/* NULL when neither direction is set (the key is then left out). */
static json_t *auth(const struct rt_auth_cfg *a)
{
	if (a->in.user == NULL && a->out.user == NULL)
		return NULL;
	json_t *o = json_object();
	if (a->in.user)
		json_object_set_new(o, "chap", cred(&a->in));
	if (a->out.user)
		json_object_set_new(o, "mutual_chap", cred(&a->out));
	return o;
}

static json_t *luns(const struct rt_config *cfg, const struct rt_lun_map *m, uint32_t n)
{
	json_t *a = json_array();
	for (uint32_t i = 0; i < n; i++) {
		json_t *l = json_pack("{s:I, s:s}", "lun", (json_int_t)m[i].lun, "lu", cfg->lus[m[i].lu].name);
		if (m[i].read_only)
			json_object_set_new(l, "read_only", json_true());
		json_array_append_new(a, l);
	}
	return a;
}

static void set_opt(json_t *o, const char *key, json_t *v)
{
	if (v != NULL)
		json_object_set_new(o, key, v);
}

static json_t *tpg(const struct rt_config *cfg, const struct rt_tpg_cfg *g)
{
	static const char *const redirects[] = { "none", "temporary", "permanent" };
	json_t *ports = json_array();
	for (uint32_t k = 0; k < g->portal_count; k++)
		json_array_append_new(ports, json_integer(g->portals[k]));
	json_t *o = json_pack("{s:i, s:o, s:b, s:o}", "tag", g->tag, "portals", ports, "open_access",
			      g->open_access, "luns", luns(cfg, g->luns, g->lun_count));
	set_opt(o, "auth", auth(&g->auth));
	if (g->target_reset)
		json_object_set_new(o, "target_reset", json_true());
	if (g->discovery_open)
		json_object_set_new(o, "discovery_open", json_true());
	if (g->rel_port != 0)
		json_object_set_new(o, "relative_port", json_integer(g->rel_port));
	json_t *acls = json_array();
	for (uint32_t a = 0; a < g->acl_count; a++) {
		const struct rt_acl_cfg *acl = &g->acls[a];
		json_t *j = json_pack("{s:s, s:o}", "initiator", acl->initiator, "luns",
				      luns(cfg, acl->luns, acl->lun_count));
		set_opt(j, "auth", auth(&acl->auth));
		if (acl->target_reset)
			json_object_set_new(j, "target_reset", json_true());
		json_array_append_new(acls, j);
	}
	json_object_set_new(o, "acls", acls);
	if (g->redirect != RT_REDIRECT_NONE) {
		json_object_set_new(o, "redirect", json_string(redirects[g->redirect]));
		set_opt(o, "redirect_address", g->redirect_address ? json_string(g->redirect_address) : NULL);
	}
	return o;
}

static const struct { uint32_t flag; const char *word; } flag_words[] = {
	{ RT_LU_THIN, "thin" },           { RT_LU_LBPRZ, "lbprz" }, { RT_LU_REMOVABLE, "removable" },
	{ RT_LU_READ_ONLY, "read_only" }, { RT_LU_SANITIZE, "sanitize" }, { RT_LU_WCE, "wce" },
	{ RT_LU_ATOMIC, "atomic" },
};

static const char *alua_word(enum rt_alua_state s)
{
	switch (s) {
	case RT_ALUA_ACTIVE_OPTIMIZED: return "active_optimized";
	case RT_ALUA_ACTIVE_NONOPTIMIZED: return "active_nonoptimized";
	case RT_ALUA_STANDBY: return "standby";
	case RT_ALUA_UNAVAILABLE: return "unavailable";
	case RT_ALUA_TRANSITIONING: return "transitioning";
	}
	return "active_optimized";
}

/* "rbd": every key dcfg_json.c's load_rbd reads, each left out where it
 * holds the loader's default (as the other optional keys are), so a file
 * saved and loaded again opens the same image the same way. pool and
 * image are required there, hence always written. */
static json_t *rbd(const struct bs_rbd_params *r)
{
	json_t *o = json_pack("{s:s, s:s}", "pool", r->pool ? r->pool : "", "image", r->image ? r->image : "");
	set_opt(o, "conf", r->conf ? json_string(r->conf) : NULL);
	set_opt(o, "client", r->client ? json_string(r->client) : NULL);
	set_opt(o, "keyring", r->keyring ? json_string(r->keyring) : NULL);
	if (r->lock_auto)
		json_object_set_new(o, "lock", json_string("auto"));
	/* 0: a hand-built configuration that never set it, the default too */
	if (r->op_timeout_s != 0 && r->op_timeout_s != DCFG_RBD_OP_TIMEOUT_S)
		json_object_set_new(o, "op_timeout_s", json_integer(r->op_timeout_s));
	if (r->pr_shared)
		json_object_set_new(o, "pr_shared", json_true());
	if (r->alua_group != 0)
		json_object_set_new(o, "alua_group", json_integer(r->alua_group));
	if (r->break_unfenced)
		json_object_set_new(o, "blocklist_on_break", json_false());
	return o;
}

static json_t *lu(const struct rt_lu_cfg *l, const struct dcfg_lu *s)
{
	bool is_rbd = strcmp(s->backstore, "rbd") == 0;
	json_t *o = json_pack("{s:s, s:s, s:I, s:i, s:i}", "name", l->name, "backstore", s->backstore, "size",
			      (json_int_t)(l->blocks * l->block_size), "block_size", (int)l->block_size, "lbppbe",
			      (int)l->lbppbe);
	/* not derived yet (a file's own, before the daemon derives them): left out */
	set_opt(o, "serial", l->serial ? json_string(l->serial) : NULL);
	set_opt(o, "naa_id", l->naa_id ? json_integer((json_int_t)l->naa_id) : NULL);
	/* an rbd LU's path is "pool/image", derived from its "rbd" keys, and
	 * the loader refuses one given as "path" */
	set_opt(o, "path", s->path && !is_rbd ? json_string(s->path) : NULL);
	set_opt(o, "rbd", is_rbd ? rbd(&s->rbd) : NULL);
	set_opt(o, "vendor", l->vendor ? json_string(l->vendor) : NULL);
	set_opt(o, "product", l->product ? json_string(l->product) : NULL);
	set_opt(o, "revision", l->revision ? json_string(l->revision) : NULL);
	if (s->media_mbps)
		json_object_set_new(o, "media_mbps", json_integer(s->media_mbps));
	json_t *flags = json_array();
	for (size_t k = 0; k < sizeof(flag_words) / sizeof(flag_words[0]); k++)
		if (l->flags & flag_words[k].flag)
			json_array_append_new(flags, json_string(flag_words[k].word));
	json_object_set_new(o, "flags", flags);
	json_t *modes = json_array();
	if (l->alua_modes & RT_ALUA_IMPLICIT)
		json_array_append_new(modes, json_string("implicit"));
	if (l->alua_modes & RT_ALUA_EXPLICIT)
		json_array_append_new(modes, json_string("explicit"));
	json_object_set_new(o, "alua_modes", modes);
	if (l->alua_count) {
		json_t *a = json_array();
		for (uint32_t k = 0; k < l->alua_count; k++) {
			json_t *e = json_pack("{s:i, s:s, s:b}", "tpg", l->alua[k].tpg_tag, "state",
					      alua_word(l->alua[k].state), "preferred", l->alua[k].preferred);
			if (l->alua[k].rel_port != 0)
				json_object_set_new(e, "relative_port", json_integer(l->alua[k].rel_port));
			json_array_append_new(a, e);
		}
		json_object_set_new(o, "alua", a);
	}
	return o;
}

static json_t *params(const struct rt_params_cfg *p)
{
#define U(f) #f, (json_int_t)p->f
#define B(f) #f, (int)p->f
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b,s:b,s:b,s:b,s:b,s:I,s:I,s:I,s:I,s:I,"
			 "s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 U(max_recv_data_segment_length), U(max_burst_length), U(first_burst_length),
			 U(max_outstanding_r2t), U(max_connections), U(default_time2wait), U(default_time2retain),
			 U(error_recovery_level), B(initial_r2t), B(immediate_data), B(data_pdu_in_order),
			 B(data_sequence_in_order), B(header_digest), B(data_digest), U(cmd_window),
			 U(nop_in_interval_ms), U(nop_in_timeout_ms), U(login_timeout_ms), U(logout_timeout_ms),
			 U(mem_budget_bytes), U(session_mem_max_bytes), U(session_mem_min_bytes),
			 U(conn_unsent_max_bytes), U(prelogin_timeout_ms), U(max_conns_per_source),
			 U(max_login_conns_per_source), U(login_rate_per_source), U(login_burst_per_source),
			 U(reserved_session_conns), U(max_sessions_per_initiator), U(max_sessions_per_source));
#undef U
#undef B
}

json_t *dcfg_to_json(const struct dcfg *d)
{
	const struct rt_config *cfg = &d->cfg;
	json_t *root = json_object();
	json_t *ps = json_array(), *ls = json_array(), *ts = json_array();
	for (uint32_t i = 0; i < cfg->portal_count; i++)
		json_array_append_new(ps, json_pack("{s:s, s:i}", "address", cfg->portals[i].address, "port",
						    (int)cfg->portals[i].port));
	for (uint32_t i = 0; i < cfg->lu_count; i++)
		json_array_append_new(ls, lu(&cfg->lus[i], &d->stores[i]));
	for (uint32_t t = 0; t < cfg->target_count; t++) {
		const struct rt_target_cfg *target = &cfg->targets[t];
		json_t *tpgs = json_array();
		for (uint32_t g = 0; g < target->tpg_count; g++)
			json_array_append_new(tpgs, tpg(cfg, &target->tpgs[g]));
		json_t *o = json_pack("{s:s, s:o}", "name", target->name, "tpgs", tpgs);
		set_opt(o, "alias", target->alias ? json_string(target->alias) : NULL);
		json_array_append_new(ts, o);
	}
	json_object_set_new(root, "portals", ps);
	json_object_set_new(root, "lus", ls);
	json_object_set_new(root, "targets", ts);
	set_opt(root, "discovery_auth", auth(&cfg->discovery_auth));
	json_object_set_new(root, "params", params(&cfg->params));
	return root;
}
