/* host/lio_ident: isim run --lio-config FILE. The gateways take their
 * identity from targetcli-fb's saveconfig.json: the target name, the node
 * ACLs' initiator names and CHAP (one-way and mutual), or the portal
 * group's CHAP for open access, and the session parameters; so a user
 * replays failover scenarios with their own targets, ACLs, CHAP and
 * parameters. The file is read by the reference target's own loader
 * (ref_target/daemon/dcfg_lio.c: the same checks, the same errors naming
 * the file's keys); what the simulator cannot model from it is said on
 * stderr, never dropped silently: it uses the first target's first portal
 * group, its own shared LU as LUN 0 of every ACL (the file's LUNs and
 * storage are the daemon's business), and its own portals.
 * Without the flag nothing changes: sim_params.id stays zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dcfg.h"
#include "sim/host/isim.h"

/* The loaded file: its strings are the world's for the whole run. */
static struct dcfg lio_cfg;

static void lio_free(void)
{
	dcfg_free(&lio_cfg);
}

int lio_identity_apply(const char *path, const char *target, struct sim_params *p)
{
	char err[DCFG_ERR_MAX];
	static bool loaded;
	if (!loaded) {
		if (dcfg_load_lio_file(&lio_cfg, path, err, sizeof(err)) != 0) {
			fprintf(stderr, "isim: --lio-config: %s\n", err);
			dcfg_free(&lio_cfg);
			return -1;
		}
		loaded = true;
		atexit(lio_free);
	}
	const struct rt_config *c = &lio_cfg.cfg;
	const struct rt_target_cfg *t = &c->targets[0]; /* the loader refuses a file without one */
	for (uint32_t i = 0; target != NULL && i < c->target_count; i++)
		if (strcmp(c->targets[i].name, target) == 0)
			t = &c->targets[i];
	if (target != NULL && strcmp(t->name, target) != 0) {
		fprintf(stderr, "isim: --lio-target %s: no such target with an enabled portal group in %s\n", target,
			path);
		return -1;
	}
	const struct rt_tpg_cfg *g = &t->tpgs[0];
	if ((target == NULL && c->target_count > 1) || t->tpg_count > 1)
		fprintf(stderr, "isim: --lio-config %s: %u targets, %s with %u portal groups: the gateways serve "
				"%s's first group (tag %u; --lio-target picks another target)\n",
			path, c->target_count, t->name, t->tpg_count, t->name, g->tag);
	if (g->acl_count > SIM_ID_ACLS_MAX) {
		fprintf(stderr, "isim: --lio-config %s: %u node ACLs; isim models at most %u\n", path, g->acl_count,
			SIM_ID_ACLS_MAX);
		return -1;
	}
	struct sim_identity *id = &p->id;
	*id = (struct sim_identity){ .target_name = t->name };
	if (g->open_access || g->acl_count == 0) {
		id->chap_user = g->auth.in.user;
		id->chap_secret = g->auth.in.secret;
		id->target_user = g->auth.out.user;
		id->target_secret = g->auth.out.secret;
		p->tgt.chap = g->auth.in.user != NULL;
		p->tgt.mutual_chap = g->auth.out.user != NULL;
		if (g->acl_count != 0)
			fprintf(stderr, "isim: --lio-config %s: generate_node_acls with %u ACLs: the simulated "
					"initiators use the open access, not the ACLs\n",
				path, g->acl_count);
	} else {
		for (uint32_t i = 0; i < g->acl_count; i++) {
			const struct rt_acl_cfg *a = &g->acls[i];
			if (strlen(a->initiator) >= SIM_ID_NAME_MAX) {
				fprintf(stderr, "isim: --lio-config %s: initiator name %s is longer than isim's %d "
						"bytes\n",
					path, a->initiator, SIM_ID_NAME_MAX - 1);
				return -1;
			}
			id->acls[i] = (struct sim_id_acl){ .initiator = a->initiator, .chap_user = a->auth.in.user,
				.chap_secret = a->auth.in.secret, .target_user = a->auth.out.user,
				.target_secret = a->auth.out.secret };
		}
		id->n_acls = g->acl_count;
		p->tgt.chap = false; /* per ACL (sim_id_acl) */
		p->tgt.mutual_chap = false;
	}
	const struct rt_params_cfg *pc = &c->params;
	p->tgt.cmd_window = pc->cmd_window;
	p->tgt.mrdsl = pc->max_recv_data_segment_length;
	p->tgt.max_burst_length = pc->max_burst_length;
	p->tgt.first_burst_length = pc->first_burst_length;
	p->tgt.max_outstanding_r2t = pc->max_outstanding_r2t;
	p->tgt.initial_r2t = pc->initial_r2t;
	p->tgt.immediate_data = pc->immediate_data;
	p->tgt.header_digest = pc->header_digest;
	p->tgt.data_digest = pc->data_digest;
	p->tgt.nop_in_interval_ms = pc->nop_in_interval_ms;
	p->tgt.nop_in_timeout_ms = pc->nop_in_timeout_ms;
	return 0;
}
