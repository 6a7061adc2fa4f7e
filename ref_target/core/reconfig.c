/* reconfig: see reconfig.h. Three steps: check that the new configuration
 * keeps what in-flight work names by index (LUs, portals), grow the LU
 * table, then walk the connections and sessions once and move each onto
 * the new configuration, ending or remapping what the difference says. */
#include "reconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "conn.h"
#include "engine_int.h"
#include "session.h"
#include "task.h"
#include "textreq.h"
#include "../scsi/lu.h"

static int rc_fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int rc_fail(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
	return -1;
}

/* LUs and portals keep their indices (reconfig.h says why). */
static int rc_check_stable(const struct rt_config *old, const struct rt_config *cfg, char *err, size_t err_len)
{
	if (cfg->lu_count < old->lu_count)
		return rc_fail(err, err_len, "lus: %u LUs where the running target has %u (an LU is retired by "
			       "mapping it nowhere, never removed while the engine runs)", cfg->lu_count, old->lu_count);
	for (uint32_t i = 0; i < old->lu_count; i++) {
		const struct rt_lu_cfg *a = &old->lus[i], *b = &cfg->lus[i];
		if (a->blocks != b->blocks || a->block_size != b->block_size)
			return rc_fail(err, err_len, "lus[%u].size: the geometry of a running LU cannot change "
				       "(%llu x %u before, %llu x %u now)", i, (unsigned long long)a->blocks,
				       a->block_size, (unsigned long long)b->blocks, b->block_size);
	}
	if (cfg->portal_count < old->portal_count)
		return rc_fail(err, err_len, "portals: %u portals where the running target has %u (a running "
			       "target keeps its portals)", cfg->portal_count, old->portal_count);
	for (uint32_t i = 0; i < old->portal_count; i++) {
		const struct rt_portal_cfg *a = &old->portals[i], *b = &cfg->portals[i];
		if (a->port != b->port || strcmp(a->address, b->address) != 0)
			return rc_fail(err, err_len, "portals[%u]: a running target keeps its portals (%s:%u before)",
				       i, a->address, a->port);
	}
	return 0;
}

/* The LU table grown to the new count: new LUs created, old ones kept. */
static int rc_grow_lus(struct rt_engine *eng, const struct rt_config *cfg, struct scsi_lu ***out)
{
	uint32_t old_n = eng->cfg->lu_count;
	*out = eng->lus;
	if (cfg->lu_count == old_n)
		return 0;
	struct scsi_lu **lus = eng_zalloc(eng, cfg->lu_count * sizeof(*lus));
	if (lus == NULL)
		return -1;
	for (uint32_t i = 0; i < old_n; i++)
		lus[i] = eng->lus[i];
	for (uint32_t i = old_n; i < cfg->lu_count; i++) {
		lus[i] = scsi_lu_create(eng->env, &cfg->lus[i], i, &eng->scsi_tp);
		if (lus[i] == NULL) {
			while (i-- > old_n)
				scsi_lu_destroy(lus[i]);
			eng_free(eng, lus, cfg->lu_count * sizeof(*lus));
			return -1;
		}
	}
	*out = lus;
	return 0;
}

static bool rc_map_has(const struct rt_lun_map *m, uint32_t n, const struct rt_lun_map *e)
{
	for (uint32_t i = 0; i < n; i++)
		if (m[i].lun == e->lun && m[i].lu == e->lu)
			return true;
	return false;
}

static bool rc_map_lu(const struct rt_lun_map *m, uint32_t n, uint32_t lu)
{
	for (uint32_t i = 0; i < n; i++)
		if (m[i].lu == lu)
			return true;
	return false;
}

/* SPC-4 §6.37: the inventory REPORT LUNS returns changed if a LUN number
 * appeared, went, or now addresses another LU (read-only is not part of it). */
static bool rc_inventory_changed(const struct rt_lun_map *a, uint32_t na, const struct rt_lun_map *b, uint32_t nb)
{
	if (na != nb)
		return true;
	for (uint32_t i = 0; i < na; i++)
		if (!rc_map_has(b, nb, &a[i]))
			return true;
	return false;
}

/* Point the session and its tasks at the new map (tasks keep REPORT LUNS'
 * inventory and the LU table for EXTENDED COPY in their command). */
static void rc_set_map(struct session *s, const struct rt_lun_map *luns, uint32_t count)
{
	s->luns = luns;
	s->lun_count = count;
	for (struct task *t = s->active; t; t = t->next) {
		t->cmd.luns = luns;
		t->cmd.lun_count = count;
		t->cmd.lu_table = s->eng->lus;
	}
}

/* One normal session onto the new configuration (eng->lus already grown,
 * eng->cfg still the old one). */
static void rc_session(struct rt_engine *eng, struct session *s, const struct rt_config *cfg,
		       struct rt_reconfig_result *res)
{
	const char *name = s->nexus.target_name;
	uint32_t ti = access_target(cfg, name, strlen(name));
	uint32_t g = ACCESS_NONE;
	if (ti != ACCESS_NONE)
		for (uint32_t k = 0; k < cfg->targets[ti].tpg_count; k++)
			if (cfg->targets[ti].tpgs[k].tag == s->nexus.tpg_tag)
				g = k;
	const struct rt_tpg_cfg *tpg = g != ACCESS_NONE ? &cfg->targets[ti].tpgs[g] : NULL;
	if (tpg == NULL || tpg->redirect != RT_REDIRECT_NONE || !access_allowed(tpg, s->initiator)) {
		eng_log(eng, RT_LOG_INFO, "reconfigure: session tsih=%u of %s ends (%s)", s->tsih, s->initiator,
			tpg == NULL ? "its target or portal group is gone" : "its access is gone");
		/* Like a dropped connection: tasks aborted, nexus loss told
		 * to every LU of the old map (still alive during this call). */
		sess_close(s);
		rc_set_map(s, NULL, 0);
		res->sessions_ended++;
		return;
	}
	const struct rt_acl_cfg *acl = access_acl(tpg, s->initiator);
	const struct rt_lun_map *luns = acl ? acl->luns : tpg->luns;
	uint32_t count = acl ? acl->lun_count : tpg->lun_count;
	if (rc_inventory_changed(s->luns, s->lun_count, luns, count)) {
		/* Through the LUs the session already used; a newly mapped LU
		 * owes a new nexus POWER ON, RESET anyway (ua.h). Only when
		 * none stays does a new one carry it. */
		bool told = false;
		for (uint32_t i = 0; i < count; i++) {
			if (!rc_map_lu(s->luns, s->lun_count, luns[i].lu))
				continue;
			scsi_luns_changed(eng->lus[luns[i].lu], &s->nexus);
			told = true;
		}
		for (uint32_t i = 0; i < count && !told; i++)
			scsi_luns_changed(eng->lus[luns[i].lu], &s->nexus);
		res->sessions_remapped++;
	}
	s->target = ti;
	s->tpg = g;
	s->nexus.target_name = cfg->targets[ti].name;
	rc_set_map(s, luns, count);
}

int rt_engine_reconfigure(struct rt_engine *eng, const struct rt_config *cfg, struct rt_reconfig_result *res,
			  char *err, size_t err_len)
{
	struct rt_reconfig_result scratch;
	if (res == NULL)
		res = &scratch;
	memset(res, 0, sizeof(*res));
	if (cfg_validate(cfg, err, err_len) != 0)
		return -1;
	if (rc_check_stable(eng->cfg, cfg, err, err_len) != 0)
		return -1;
	if (eng->shutting_down)
		return rc_fail(err, err_len, "target: shutting down");
	struct scsi_lu **lus;
	if (rc_grow_lus(eng, cfg, &lus) != 0)
		return rc_fail(err, err_len, "lus: out of memory for %u LUs", cfg->lu_count);
	/* From here on nothing fails. */
	res->lus_added = cfg->lu_count - eng->cfg->lu_count;
	if (lus != eng->lus) {
		eng_free(eng, eng->lus, eng->cfg->lu_count * sizeof(*eng->lus));
		eng->lus = lus;
	}
	for (uint32_t i = 0; i < cfg->lu_count; i++)
		eng->lus[i]->cfg = &cfg->lus[i];
	struct conn *c = eng->conns;
	while (c) {
		struct conn *next = c->next;
		if (c->state == CONN_LOGIN) {
			conn_drop(c, "the configuration changed during its login");
			res->logins_dropped++;
		}
		c = next;
	}
	for (struct session *s = eng->sessions; s; s = s->next) {
		if (s->closed)
			rc_set_map(s, NULL, 0); /* draining: the old map goes away */
		else if (!s->discovery)
			rc_session(eng, s, cfg, res);
	}
	/* Text (SendTargets) in full feature phase reads the configuration
	 * too, and names its session's target by index. */
	for (c = eng->conns; c; c = c->next) {
		if (c->state != CONN_FFP || c->text == NULL)
			continue;
		c->text->cfg = cfg;
		if (c->sess != NULL && !c->sess->discovery)
			c->text->who.target = c->sess->target;
	}
	eng->cfg = cfg;
	eng_log(eng, RT_LOG_INFO, "reconfigured: %u sessions ended, %u remapped, %u logins dropped, %u LUs added",
		res->sessions_ended, res->sessions_remapped, res->logins_dropped, res->lus_added);
	eng_reap(eng);
	return 0;
}
