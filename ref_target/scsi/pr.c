/* pr: see pr.h. SPC-4 §5.13 (persistent reservations), PERSISTENT RESERVE
 * OUT (service actions and parameter data); the state, its saving, and who
 * conflicts with it. PERSISTENT RESERVE IN is in pr_in.c. */
#include "pr.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "nexus.h"
#include "pr_int.h"
#include "tid.h"
#include "ua.h"

enum {
	PROUT_REGISTER = 0,
	PROUT_RESERVE = 1,
	PROUT_RELEASE = 2,
	PROUT_CLEAR = 3,
	PROUT_PREEMPT = 4,
	PROUT_PREEMPT_AND_ABORT = 5,
	PROUT_REGISTER_AND_IGNORE = 6,
	PROUT_REGISTER_AND_MOVE = 7,
};
/* PERSISTENT RESERVE OUT parameter list (basic: 24 bytes). */
#define PROUT_BASIC_LEN 24u
#define PROUT_SPEC_I_PT 0x08u /* byte 20 */
#define PROUT_ALL_TG_PT 0x04u
#define PROUT_APTPL 0x01u
#define PROUT_MOVE_UNREG 0x02u /* REGISTER AND MOVE byte 17 */
#define PROUT_MOVE_APTPL 0x01u
bool pr_type_valid(uint8_t t)
{
	return t == PR_WE || t == PR_EA || t == PR_WE_RO || t == PR_EA_RO || t == PR_WE_AR || t == PR_EA_AR;
}

bool pr_type_all_registrants(uint8_t t)
{
	return t == PR_WE_AR || t == PR_EA_AR;
}

static bool pr_type_registrants(uint8_t t) /* registrants only or all registrants */
{
	return t >= PR_WE_RO;
}

static bool pr_type_exclusive_access(uint8_t t)
{
	return t == PR_EA || t == PR_EA_RO || t == PR_EA_AR;
}

/* ---- who is who ---- */

/* An initiator port registered by name alone (TransportID format 00b)
 * stands for every port of that initiator. iSCSI names compare without
 * case (RFC 3722 normalises them), as ISIDs in hex do. */
static bool pr_port_match(const char *reg, const char *port)
{
	if (strcasecmp(reg, port) == 0)
		return true;
#ifdef RT_PLANT_BUG_pr_ignores_isid
	/* Planted (sim/planted-bugs.txt): the initiator's name alone decides,
	 * every ISID of it is the registrant (SPC-4 §5.13: the I_T nexus). */
	const char *rs = strstr(reg, TID_PORT_SEP), *ps = strstr(port, TID_PORT_SEP);
	size_t rn = rs != NULL ? (size_t)(rs - reg) : strlen(reg), pn = ps != NULL ? (size_t)(ps - port) : strlen(port);
	if (rn == pn && strncasecmp(reg, port, rn) == 0)
		return true;
#endif
	size_t n = strlen(reg);
	return strstr(reg, TID_PORT_SEP) == NULL && strncasecmp(reg, port, n) == 0 &&
	       strncasecmp(port + n, TID_PORT_SEP, strlen(TID_PORT_SEP)) == 0;
}

static bool pr_reg_covers(const struct pr_reg *r, const char *port, uint16_t rel_port)
{
	return r->used && (r->rel_port == 0 || r->rel_port == rel_port) && pr_port_match(r->port, port);
}

static uint32_t pr_find(const struct pr_state *s, const struct scsi_nexus *n)
{
	for (uint32_t i = 0; i < PR_REG_MAX; i++)
		if (pr_reg_covers(&s->reg[i], n->initiator_port, n->rel_port))
			return i;
	return PR_NONE;
}

bool pr_is_holder(const struct pr_state *s, uint32_t me)
{
	if (!s->reserved || me == PR_NONE)
		return false;
	return pr_type_all_registrants(s->type) || s->holder == me;
}

bool pr_registered_any(const struct scsi_lu *lu)
{
	for (uint32_t i = 0; i < PR_REG_MAX; i++)
		if (lu->pr.reg[i].used)
			return true;
	return false;
}

bool pr_release_is_noop(const struct scsi_cmd *cmd)
{
	const struct pr_state *s = &cmd->lu->pr;
	uint32_t me = pr_find(s, cmd->nexus);
	return pr_is_holder(s, me) || (s->reserved && pr_type_registrants(s->type) && me != PR_NONE);
}

/* SPC-4 §5.13.1: which commands pass which reservation. Reads
 * (OP_PR_READ) pass Write Exclusive; registrants pass the registrants-only
 * and all-registrants types; OP_PR_OK commands pass everything. */
bool pr_conflicts(const struct scsi_cmd *cmd, uint32_t op_flags)
{
	const struct pr_state *s = &cmd->lu->pr;
	if (!s->reserved || (op_flags & OP_PR_OK))
		return false;
	uint32_t me = pr_find(s, cmd->nexus);
	if (pr_is_holder(s, me))
		return false;
	bool read = op_flags & OP_PR_READ;
	if (pr_type_registrants(s->type) && me != PR_NONE)
		return false;
	return pr_type_exclusive_access(s->type) || !read;
}

/* ---- saving (APTPL) ---- */

static void pr_state_key(const struct scsi_lu *lu, char *key, size_t len)
{
	snprintf(key, len, "pr.%s", lu->cfg->serial ? lu->cfg->serial : lu->cfg->name);
}

int pr_init(struct scsi_lu *lu)
{
	const struct rt_env *env = lu->env;
	char key[64];
	memset(&lu->pr, 0, sizeof(lu->pr));
	memset(&lu->pr_cache, 0, sizeof(lu->pr_cache));
	if (pr_is_shared(lu)) {
		/* the state is the backstore's: read at the first command
		 * that needs it (pr_refresh_start), never restored here */
		lu->pr_cache.stale = true;
		return 0;
	}
	if (env->state_load == NULL)
		return 0;
	uint8_t *buf = env->alloc(env->ctx, PR_SAVE_MAX);
	if (buf == NULL) {
		/* Not "nothing saved": an LU without the reservations APTPL
		 * keeps (SPC-4 §5.13.5) would save its empty state over them
		 * at the next PERSISTENT RESERVE OUT. */
		lu_log(lu, RT_LOG_ERR, "no memory to restore persistent reservations");
		return -1;
	}
	pr_state_key(lu, key, sizeof(key));
	long n = env->state_load(env->ctx, key, buf, PR_SAVE_MAX);
	struct pr_state s;
	enum pr_codec_err e = n > 0 ? pr_decode(&s, buf, (uint32_t)n) : PR_CODEC_OK;
	if (e != PR_CODEC_OK) {
		lu_log(lu, RT_LOG_WARN, "saved persistent reservations unreadable (%s): not restored",
		       pr_codec_err_name(e));
	} else if (n > 0 && s.aptpl) {
		lu->pr = s;
		/* SPC-4 §6.15.2: "the PRgeneration value shall be set to
		 * zero by a power on", whatever APTPL kept. */
		lu->pr.generation = 0;
	}
	/* saved with APTPL 0: the last REGISTER asked for nothing to
	 * survive (SPC-4 §5.13.11), so nothing is restored */
	env->free(env->ctx, buf, PR_SAVE_MAX);
	return 0;
}

/* Save 'next' if it or the current state asks to persist. Returns 0, or
 * -1 with sense set (nothing is applied then). */
static int pr_save(struct scsi_cmd *cmd, const struct pr_state *next)
{
	const struct scsi_lu *lu = cmd->lu;
	const struct rt_env *env = lu->env;
	if (!next->aptpl && !lu->pr.aptpl)
		return 0;
	char key[64];
	uint8_t *buf = env->alloc(env->ctx, PR_SAVE_MAX);
	if (buf == NULL) {
		cmd->status = SCSI_STATUS_BUSY;
		return -1;
	}
	pr_state_key(lu, key, sizeof(key));
	uint32_t len = pr_encode(next, buf);
	int rc = env->state_save ? env->state_save(env->ctx, key, buf, len) : -1;
	env->free(env->ctx, buf, PR_SAVE_MAX);
	if (rc != 0) {
		lu_log(lu, RT_LOG_ERR, "persistent reservations not saved");
		scsi_fail(cmd, SC_INTERNAL_FAILURE);
		return -1;
	}
	return 0;
}

/* ---- PERSISTENT RESERVE OUT ---- */

static void pr_ua_add(struct pr_change *c, uint32_t reg, enum scsi_cond cond)
{
	assert(c->ua_count < PR_REG_MAX);
	c->ua[c->ua_count].reg = reg;
	c->ua[c->ua_count].cond = cond;
	c->ua_count++;
}

/* Every registration except the issuer's gets cond. */
static void pr_ua_others(struct pr_change *c, enum scsi_cond cond)
{
	for (uint32_t i = 0; i < PR_REG_MAX; i++)
		if (c->next.reg[i].used && i != c->me)
			pr_ua_add(c, i, cond);
}

/* SPC-4 §5.13.11.2.5, PREEMPT AND ABORT: the preempted I_T nexuses (the
 * registrations that got REGISTRATIONS PREEMPTED) lose their tasks on the
 * LU, through the transport, and their medium removal prevention. The
 * nexuses are copied out of the old state first: aborting completes
 * commands, and what the transport does then must not change whom we
 * abort. The issuer's own nexus is never among them. */
struct pr_victims {
	uint32_t count;
	struct {
		char port[sizeof(((struct scsi_nexus *)0)->initiator_port)];
		uint16_t rel_port;
	} v[NEXUS_MAX];
};

static void pr_victims_find(const struct pr_change *c, struct pr_victims *out)
{
	struct scsi_lu *lu = c->cmd->lu;
	out->count = 0;
	for (uint32_t i = 0; i < NEXUS_MAX; i++) {
		struct nexus_entry *e = &lu->nexuses.e[i];
		bool hit = false;
		for (uint32_t u = 0; u < c->ua_count && e->used && !hit; u++)
			hit = c->ua[u].cond == SC_UA_REGISTRATIONS_PREEMPTED &&
			      pr_reg_covers(&c->old->reg[c->ua[u].reg], e->port, e->rel_port);
		if (!hit || nexus_is(e, c->cmd->nexus))
			continue;
		e->prevent = false; /* SPC-4: as PREVENT ALLOW with PREVENT 0 */
		memcpy(out->v[out->count].port, e->port, sizeof(e->port));
		out->v[out->count].rel_port = e->rel_port;
		out->count++;
	}
}

static void pr_victims_abort(struct scsi_lu *lu, const struct pr_victims *v)
{
	for (uint32_t i = 0; lu->tp != NULL && i < v->count; i++)
		lu->tp->abort_tasks(lu->tp->ctx, lu, v->v[i].port, v->v[i].rel_port);
}

static void pr_ua_deliver(struct pr_change *c)
{
	struct scsi_lu *lu = c->cmd->lu;
	for (uint32_t u = 0; u < c->ua_count; u++) {
		const struct pr_reg *r = &c->old->reg[c->ua[u].reg];
		for (uint32_t i = 0; i < NEXUS_MAX; i++) {
			struct nexus_entry *e = &lu->nexuses.e[i];
			if (e->used && pr_reg_covers(r, e->port, e->rel_port))
				ua_establish_entry(e, c->ua[u].cond);
		}
	}
}

static uint32_t pr_add(struct pr_state *s, const char *port, uint16_t rel_port, uint64_t key)
{
	for (uint32_t i = 0; i < PR_REG_MAX; i++) {
		struct pr_reg *r = &s->reg[i];
		if (r->used)
			continue;
		memset(r, 0, sizeof(*r));
		r->used = true;
		r->rel_port = rel_port;
		r->key = key;
		snprintf(r->port, sizeof(r->port), "%s", port);
		return i;
	}
	return PR_NONE;
}

/* Remove a registration; the reservation goes with it when it held it
 * (for all-registrants types: with the last registrant). SPC-4 §5.13.10:
 * a registrants-only reservation released this way tells the others. */
static void pr_remove(struct pr_change *c, uint32_t i)
{
	struct pr_state *s = &c->next;
	s->reg[i].used = false;
	if (!s->reserved)
		return;
	bool any = false;
	for (uint32_t j = 0; j < PR_REG_MAX; j++)
		any = any || s->reg[j].used;
	if (pr_type_all_registrants(s->type) ? !any : s->holder == i) {
		s->reserved = false;
		if (pr_type_registrants(s->type) && i == c->me)
			pr_ua_others(c, SC_UA_RESERVATIONS_RELEASED);
	}
}

/* SPEC_I_PT: register every TransportID of the list too (all or none). */
static enum pr_result pr_register_specified(struct pr_change *c, const uint8_t *p, uint32_t n, uint64_t key,
					    uint16_t rel_port)
{
	uint32_t tid_len = get_be32(p + PROUT_BASIC_LEN);
	uint32_t off = PROUT_BASIC_LEN + 4;
	if (tid_len > n - off) {
		scsi_fail(c->cmd, SC_PARAM_LIST_LENGTH);
		return PR_FAILED;
	}
	while (off < PROUT_BASIC_LEN + 4 + tid_len) {
		char port[sizeof(c->next.reg[0].port)];
		uint32_t used = tid_parse(p + off, PROUT_BASIC_LEN + 4 + tid_len - off, port, sizeof(port));
		bool taken = false;
		for (uint32_t i = 0; used && i < PR_REG_MAX; i++)
			taken = taken || pr_reg_covers(&c->next.reg[i], port, rel_port);
		if (used == 0 || taken) {
			scsi_fail_param(c->cmd, (uint16_t)off, SCSI_BIT_NONE);
			return PR_FAILED;
		}
		if (pr_add(&c->next, port, rel_port, key) == PR_NONE) {
			scsi_fail(c->cmd, SC_INSUFFICIENT_REG_RES);
			return PR_FAILED;
		}
		off += used;
	}
	return PR_DONE;
}

static enum pr_result pr_register(struct pr_change *c, const uint8_t *p, uint32_t n, bool ignore)
{
	struct pr_state *s = &c->next;
	const struct scsi_nexus *nx = c->cmd->nexus;
	uint64_t key = get_be64(p), sakey = get_be64(p + 8);
	bool spec = p[20] & PROUT_SPEC_I_PT;
	if (spec && (ignore || c->me != PR_NONE)) { /* SPC-4: only for a new registration */
		scsi_fail_param(c->cmd, 20, 3);
		return PR_FAILED;
	}
	if (c->me == PR_NONE) {
		if (!ignore && key != 0)
			return PR_CONFLICT;
		if (sakey == 0) /* unregistering the unregistered: nothing */
			return PR_DONE;
		uint16_t rel = (p[20] & PROUT_ALL_TG_PT) ? 0 : nx->rel_port;
		if (pr_add(s, nx->initiator_port, rel, sakey) == PR_NONE) {
			scsi_fail(c->cmd, SC_INSUFFICIENT_REG_RES);
			return PR_FAILED;
		}
		if (spec && pr_register_specified(c, p, n, sakey, rel) != PR_DONE)
			return PR_FAILED;
	} else {
		if (!ignore && key != s->reg[c->me].key)
			return PR_CONFLICT;
		if (sakey == 0)
			pr_remove(c, c->me);
		else
			s->reg[c->me].key = sakey;
	}
	s->aptpl = p[20] & PROUT_APTPL;
	s->generation++;
	return PR_DONE;
}

static enum pr_result pr_reserve(struct pr_change *c, uint8_t type)
{
	struct pr_state *s = &c->next;
	if (!s->reserved) {
		s->reserved = true;
		s->type = type;
		s->holder = c->me;
		return PR_DONE;
	}
	return pr_is_holder(s, c->me) && s->type == type ? PR_DONE : PR_CONFLICT;
}

static enum pr_result pr_release(struct pr_change *c, uint8_t type)
{
	struct pr_state *s = &c->next;
	if (!pr_is_holder(s, c->me)) /* nothing reserved, or not ours: no-op */
		return PR_DONE;
	if (s->type != type) {
		scsi_fail(c->cmd, SC_INVALID_RELEASE);
		return PR_FAILED;
	}
	s->reserved = false;
	if (pr_type_registrants(type))
		pr_ua_others(c, SC_UA_RESERVATIONS_RELEASED);
	return PR_DONE;
}

static enum pr_result pr_clear(struct pr_change *c)
{
	pr_ua_others(c, SC_UA_RESERVATIONS_PREEMPTED);
	uint32_t gen = c->next.generation;
	bool aptpl = c->next.aptpl;
	memset(&c->next, 0, sizeof(c->next));
	c->next.generation = gen + 1;
	c->next.aptpl = aptpl;
	return PR_DONE;
}

/* Remove the other registrations with key (0: all others); returns how many. */
static uint32_t pr_preempt_regs(struct pr_change *c, uint64_t key, bool all)
{
	uint32_t removed = 0;
	for (uint32_t i = 0; i < PR_REG_MAX; i++) {
		struct pr_reg *r = &c->next.reg[i];
		if (!r->used || i == c->me || !(all || r->key == key))
			continue;
		pr_ua_add(c, i, SC_UA_REGISTRATIONS_PREEMPTED);
#ifndef RT_PLANT_BUG_preempt_keeps_registrations
		r->used = false;
#endif
		/* Planted bug (sim/README.md): with the switch the preempted
		 * registrations stay, told of a preemption that did not happen
		 * (fence_scsi's victim keeps writing under WE_RO). */
		removed++;
	}
	return removed;
}

/* SPC-4 §5.13.11.4: PREEMPT removes registrations and may take over the
 * reservation. */
static enum pr_result pr_preempt(struct pr_change *c, const uint8_t *p, uint8_t type)
{
	struct pr_state *s = &c->next;
	uint64_t sakey = get_be64(p + 8);
	bool takes_over = s->reserved && (pr_type_all_registrants(s->type) ? sakey == 0 : sakey == s->reg[s->holder].key);
	if (!takes_over) {
		/* only registrations go; the reservation, if any, stays */
		if (sakey == 0) {
			scsi_fail_param(c->cmd, 8, SCSI_BIT_NONE);
			return PR_FAILED;
		}
		if (pr_preempt_regs(c, sakey, false) == 0)
			return PR_CONFLICT;
		s->generation++;
		return PR_DONE;
	}
	uint8_t old_type = s->type;
	pr_preempt_regs(c, sakey, pr_type_all_registrants(old_type));
	s->reserved = true;
	s->type = type;
	s->holder = c->me;
	if (type != old_type) /* the remaining registrants learn of the new type */
		for (uint32_t i = 0; i < PR_REG_MAX; i++)
			if (s->reg[i].used && i != c->me)
				pr_ua_add(c, i, SC_UA_RESERVATIONS_RELEASED);
	s->generation++;
	return PR_DONE;
}

static enum pr_result pr_register_and_move(struct pr_change *c, const uint8_t *p, uint32_t n)
{
	struct pr_state *s = &c->next;
	uint64_t sakey = get_be64(p + 8);
	uint16_t rel = get_be16(p + 18);
	char port[sizeof(s->reg[0].port)];
	if (!s->reserved || pr_type_all_registrants(s->type) || s->holder != c->me)
		return PR_CONFLICT;
	if (sakey == 0) {
		scsi_fail_param(c->cmd, 8, SCSI_BIT_NONE);
		return PR_FAILED;
	}
	uint32_t tid_len = get_be32(p + 20);
	if (tid_len > n - PROUT_BASIC_LEN) {
		scsi_fail(c->cmd, SC_PARAM_LIST_LENGTH);
		return PR_FAILED;
	}
	if (tid_parse(p + PROUT_BASIC_LEN, tid_len, port, sizeof(port)) == 0 ||
	    pr_reg_covers(&s->reg[c->me], port, rel)) {
		scsi_fail_param(c->cmd, PROUT_BASIC_LEN, SCSI_BIT_NONE);
		return PR_FAILED;
	}
	if (rel == 0) {
		scsi_fail_param(c->cmd, 18, SCSI_BIT_NONE);
		return PR_FAILED;
	}
	uint32_t dest = PR_NONE;
	for (uint32_t i = 0; i < PR_REG_MAX && dest == PR_NONE; i++)
		if (pr_reg_covers(&s->reg[i], port, rel))
			dest = i;
	if (dest == PR_NONE)
		dest = pr_add(s, port, rel, sakey);
	if (dest == PR_NONE) {
		scsi_fail(c->cmd, SC_INSUFFICIENT_REG_RES);
		return PR_FAILED;
	}
	s->reg[dest].key = sakey;
	s->holder = dest;
	if (p[17] & PROUT_MOVE_UNREG)
		s->reg[c->me].used = false;
	s->aptpl = p[17] & PROUT_MOVE_APTPL;
	s->generation++;
	return PR_DONE;
}

int pr_out_decode(struct scsi_cmd *cmd)
{
	uint8_t sa = cmd->cdb[1] & 0x1f, scope = cmd->cdb[2] >> 4, type = cmd->cdb[2] & 0x0f;
	/* Scope and type matter to the service actions that (may) reserve. */
	bool reserving = sa == PROUT_RESERVE || sa == PROUT_RELEASE || sa == PROUT_PREEMPT ||
			 sa == PROUT_PREEMPT_AND_ABORT;
	if (reserving && scope != PR_SCOPE_LU) {
		scsi_fail_cdb(cmd, 2, 7);
		return -1;
	}
	if (reserving && !pr_type_valid(type)) {
		scsi_fail_cdb(cmd, 2, 3);
		return -1;
	}
	cmd->xfer_len = get_be32(cmd->cdb + 5);
	cmd->dir = cmd->xfer_len ? SCSI_DIR_OUT : SCSI_DIR_NONE;
	return 0;
}

/* SPC-4: the basic parameter list is 24 bytes; SPEC_I_PT and REGISTER AND
 * MOVE append TransportIDs. */
static bool pr_out_length_ok(const struct scsi_cmd *cmd, uint32_t n)
{
	uint8_t sa = cmd->cdb[1] & 0x1f;
	if (n < PROUT_BASIC_LEN || n != cmd->xfer_len)
		return false;
	if (sa == PROUT_REGISTER_AND_MOVE)
		return true;
	if (sa == PROUT_REGISTER && (cmd->buf[20] & PROUT_SPEC_I_PT))
		return n >= PROUT_BASIC_LEN + 4;
	return n == PROUT_BASIC_LEN;
}

enum pr_result pr_out_apply(struct pr_change *c)
{
	struct scsi_cmd *cmd = c->cmd;
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	uint8_t sa = cmd->cdb[1] & 0x1f, type = cmd->cdb[2] & 0x0f;
	const uint8_t *p = cmd->buf;
	c->next = *c->old;
	c->ua_count = 0;
	c->me = pr_find(&c->next, cmd->nexus);
	if (sa == PROUT_REGISTER || sa == PROUT_REGISTER_AND_IGNORE)
		return pr_register(c, p, n, sa == PROUT_REGISTER_AND_IGNORE);
	if (c->me == PR_NONE || get_be64(p) != c->next.reg[c->me].key)
		return PR_CONFLICT; /* every other action needs the issuer's own key */
	switch (sa) {
	case PROUT_RESERVE:
		return pr_reserve(c, type);
	case PROUT_RELEASE:
		return pr_release(c, type);
	case PROUT_CLEAR:
		return pr_clear(c);
	case PROUT_PREEMPT:
	case PROUT_PREEMPT_AND_ABORT:
		return pr_preempt(c, p, type);
	default:
		return pr_register_and_move(c, p, n);
	}
}

bool pr_out_changes(const struct pr_change *c)
{
	return memcmp(&c->next, c->old, sizeof(c->next)) != 0;
}

void pr_out_commit(struct pr_change *c)
{
	struct scsi_lu *lu = c->cmd->lu;
	struct pr_victims victims = {0};
	if ((c->cmd->cdb[1] & 0x1f) == PROUT_PREEMPT_AND_ABORT)
		pr_victims_find(c, &victims);
	pr_ua_deliver(c);
	lu->pr = c->next;
	pr_victims_abort(lu, &victims);
}

void pr_out_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	if (!pr_out_length_ok(cmd, n)) {
		scsi_done_fail(cmd, SC_PARAM_LIST_LENGTH);
		return;
	}
	if (pr_is_shared(lu)) {
		pr_shared_out_start(cmd); /* load, apply, store: pr_shared.c */
		return;
	}
	struct pr_change c = {.cmd = cmd, .old = &lu->pr};
	enum pr_result r = pr_out_apply(&c);
	if (r == PR_CONFLICT)
		cmd->status = SCSI_STATUS_RESERVATION_CONFLICT;
	else if (r == PR_DONE && pr_out_changes(&c) && pr_save(cmd, &c.next) == 0)
		pr_out_commit(&c);
	scsi_done(cmd);
}
