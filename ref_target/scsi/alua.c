/* alua: see alua.h. */
#include "alua.h"

#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "ua.h"

/* REPORT TARGET PORT GROUPS: PARAMETER DATA FORMAT (CDB byte 1 bits 7:5). */
#define RTPG_FORMAT(cdb) ((cdb)[1] >> 5)
#define RTPG_FORMAT_LENGTH 0x0u   /* 4-byte header */
#define RTPG_FORMAT_EXTENDED 0x1u /* 8-byte header */
#define RTPG_EXT_FORMAT_TYPE 0x10u
#define RTPG_PREF 0x80u           /* descriptor byte 0: preferred target port group */
/* Ours: seconds an implicit transition may take (IMPLICIT TRANSITION TIME). */
#define ALUA_TRANSITION_TIME_S 10u
/* Descriptor byte 1: the states we support (T_SUP U_SUP S_SUP AN_SUP AO_SUP). */
#define ALUA_SUPPORTED 0x8fu
/* STATUS CODE. */
enum {
	ALUA_STATUS_NONE = 0x00,
	ALUA_STATUS_BY_STPG = 0x01,
	ALUA_STATUS_IMPLICIT = 0x02,
};
#define RTPG_DESC_LEN 8u
#define RTPG_PORT_LEN 4u
#define STPG_HDR_LEN 4u
#define STPG_DESC_LEN 4u

static struct alua_group *alua_find(struct alua *a, uint16_t id)
{
	for (uint32_t i = 0; i < RT_TPGS_MAX; i++)
		if (a->g[i].used && a->g[i].id == id)
			return &a->g[i];
	return NULL;
}

/* The group with this id, added (active/optimized) if new; NULL when the
 * table is full (more portal groups than a target may have). */
static struct alua_group *alua_get(struct alua *a, uint16_t id)
{
	struct alua_group *g = alua_find(a, id);
	for (uint32_t i = 0; g == NULL && i < RT_TPGS_MAX; i++) {
		if (!a->g[i].used) {
			g = &a->g[i];
			memset(g, 0, sizeof(*g));
			g->used = true;
			g->id = id;
			g->state = RT_ALUA_ACTIVE_OPTIMIZED;
		}
	}
	return g;
}

/* SPC-4 §5.15.2.4: the states a group can be in; all but transitioning
 * can also be asked for (SET TARGET PORT GROUPS). */
static bool alua_state_settable(uint32_t s)
{
	return s == RT_ALUA_ACTIVE_OPTIMIZED || s == RT_ALUA_ACTIVE_NONOPTIMIZED || s == RT_ALUA_STANDBY ||
	       s == RT_ALUA_UNAVAILABLE;
}

static bool alua_state_valid(uint32_t s)
{
	return alua_state_settable(s) || s == RT_ALUA_TRANSITIONING;
}

/* A group configured twice keeps its last entry; a state that is none of
 * SPC-4's, or a group beyond the table, is logged and left out (the
 * configuration's checker is the creator's). */
void alua_init(struct scsi_lu *lu)
{
	const struct rt_lu_cfg *cfg = lu->cfg;
	for (uint32_t i = 0; i < cfg->alua_count; i++) {
		const struct rt_alua_cfg *c = &cfg->alua[i];
		struct alua_group *g = alua_state_valid(c->state) ? alua_get(&lu->alua, c->tpg_tag) : NULL;
		if (g == NULL) {
			lu_log(lu, RT_LOG_WARN, "ALUA state %u of target port group %u not used", (unsigned)c->state,
			       (unsigned)c->tpg_tag);
			continue;
		}
		g->state = (uint8_t)c->state;
		g->pref = c->preferred;
		if (c->rel_port != 0 && g->port_count == 0)
			g->ports[g->port_count++] = c->rel_port;
	}
}

uint32_t alua_modes(const struct scsi_lu *lu)
{
	uint32_t m = lu->cfg->alua_modes & (RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT);
	return m ? m : RT_ALUA_IMPLICIT;
}

void alua_port_seen(struct scsi_lu *lu, const struct scsi_nexus *n)
{
	struct alua_group *g = alua_get(&lu->alua, n->tpg_tag);
	if (g == NULL)
		return;
	for (uint32_t i = 0; i < g->port_count; i++)
		if (g->ports[i] == n->rel_port)
			return;
	if (g->port_count < ALUA_PORTS_MAX)
		g->ports[g->port_count++] = n->rel_port;
}

/* SPC-4 §5.15.2.4.4-.6: standby lets through what manages the LU (OP_ALUA_STANDBY_OK);
 * unavailable and transitioning only what identifies it (OP_ALUA_ANY_OK). */
enum scsi_cond alua_check(const struct scsi_cmd *cmd, uint32_t op_flags)
{
	struct alua_group *g = alua_find(&cmd->lu->alua, cmd->nexus->tpg_tag);
	if (g == NULL)
		return SC_NO_SENSE;
	switch (g->state) {
	case RT_ALUA_STANDBY:
		return (op_flags & (OP_ALUA_STANDBY_OK | OP_ALUA_ANY_OK)) ? SC_NO_SENSE : SC_NOT_READY_STANDBY;
	case RT_ALUA_UNAVAILABLE:
		return (op_flags & OP_ALUA_ANY_OK) ? SC_NO_SENSE : SC_NOT_READY_UNAVAILABLE;
	case RT_ALUA_TRANSITIONING:
		return (op_flags & OP_ALUA_ANY_OK) ? SC_NO_SENSE : SC_NOT_READY_TRANSITION;
	default:
		return SC_NO_SENSE;
	}
}

/* An implicit transition (SPC-4 §5.15.2.2). The transport vouches for
 * the group (a portal group mapping the LU), which traffic may not have
 * shown us yet. */
int scsi_alua_set_state(struct scsi_lu *lu, uint16_t tpg_tag, enum rt_alua_state state)
{
	struct alua_group *g = alua_state_valid(state) ? alua_get(&lu->alua, tpg_tag) : NULL;
	if (g == NULL)
		return -1;
	if (g->state != state) {
		g->state = (uint8_t)state;
		g->status = ALUA_STATUS_IMPLICIT;
		ua_establish_all(&lu->nexuses, NULL, SC_UA_ALUA_CHANGED);
	}
	return 0;
}

/* ---- REPORT TARGET PORT GROUPS ---- */

int alua_rtpg_decode(struct scsi_cmd *cmd)
{
	uint8_t format = RTPG_FORMAT(cmd->cdb);
	if (format != RTPG_FORMAT_LENGTH && format != RTPG_FORMAT_EXTENDED) {
		scsi_fail_cdb(cmd, 1, 7);
		return -1;
	}
	cmd->xfer_len = get_be32(cmd->cdb + 6);
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

void alua_rtpg_exec(struct scsi_cmd *cmd)
{
	uint8_t out[8 + RT_TPGS_MAX * (RTPG_DESC_LEN + ALUA_PORTS_MAX * RTPG_PORT_LEN)];
	bool ext = RTPG_FORMAT(cmd->cdb) == RTPG_FORMAT_EXTENDED;
	uint32_t hdr = ext ? 8 : 4, len = hdr;
	memset(out, 0, sizeof(out));
	for (uint32_t i = 0; i < RT_TPGS_MAX; i++) {
		const struct alua_group *g = &cmd->lu->alua.g[i];
		if (!g->used)
			continue;
		uint8_t *d = out + len;
		d[0] = (uint8_t)((g->pref ? RTPG_PREF : 0) | g->state);
		d[1] = ALUA_SUPPORTED;
		put_be16(d + 2, g->id);
		d[5] = g->status;
		d[7] = g->port_count;
		for (uint32_t p = 0; p < g->port_count; p++)
			put_be16(d + RTPG_DESC_LEN + p * RTPG_PORT_LEN + 2, g->ports[p]);
		len += RTPG_DESC_LEN + g->port_count * RTPG_PORT_LEN;
	}
	put_be32(out, len - 4); /* RETURN DATA LENGTH */
	if (ext) {
		out[4] = RTPG_EXT_FORMAT_TYPE;
		out[5] = ALUA_TRANSITION_TIME_S;
	}
	scsi_data_in(cmd, out, len);
	scsi_done(cmd);
}

/* ---- SET TARGET PORT GROUPS ---- */

int alua_stpg_decode(struct scsi_cmd *cmd)
{
	cmd->xfer_len = get_be32(cmd->cdb + 6);
	cmd->dir = cmd->xfer_len ? SCSI_DIR_OUT : SCSI_DIR_NONE;
	return 0;
}

/* SET TARGET PORT GROUPS on an LU whose states follow the ownership of
 * shared storage (RT_LU_ALUA_SHARED): the one change there is is a new
 * owner, so the first descriptor asking for active/optimized names it and
 * the environment moves the ownership (RT_DISK_ALUA_SET; it sets the
 * states of every group itself, on every gateway). Descriptors that ask
 * for what already is are no change; any other state cannot be set apart
 * from ownership: INVALID FIELD IN PARAMETER LIST, before anything moves. */
static void alua_stpg_shared(struct scsi_cmd *cmd, const uint8_t *p, uint32_t n)
{
	struct scsi_lu *lu = cmd->lu;
	uint32_t owner_off = 0;
	for (uint32_t off = STPG_HDR_LEN; off < n; off += STPG_DESC_LEN) {
		uint8_t want = p[off] & 0x0f;
		if (want == RT_ALUA_ACTIVE_OPTIMIZED && owner_off == 0) {
			owner_off = off;
			continue;
		}
		if (want != alua_find(&lu->alua, get_be16(p + off + 2))->state) {
			scsi_fail_param(cmd, (uint16_t)off, 3);
			scsi_done(cmd);
			return;
		}
	}
	if (owner_off == 0) {
		scsi_done(cmd);
		return;
	}
	scsi_io_submit_alua_set(cmd, get_be16(p + owner_off + 2));
}

/* The environment answered: GOOD once the group is the owner's; a
 * gateway fenced for good says so (unavailable); anything else, a refused
 * transfer included, is SET TARGET PORT GROUPS COMMAND FAILED (SPC-4
 * §6.36: a transition that cannot be made), on which Linux's scsi_dh_alua
 * gives up this path's activation instead of retrying it. */
void alua_stpg_io_done(struct scsi_cmd *cmd)
{
	if (cmd->io.status == RT_DISK_ERR_BLOCKLISTED)
		(void)scsi_io_ok(cmd);
	else if (cmd->io.status != RT_DISK_OK)
		scsi_fail(cmd, SC_STPG_FAILED);
	scsi_done(cmd);
}

/* SPC-4 SET TARGET PORT GROUPS: every descriptor is checked before any
 * state changes; the other nexuses are told. */
void alua_stpg_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	const uint8_t *p = cmd->buf;
	if (cmd->xfer_len == 0) {
		scsi_done(cmd);
		return;
	}
	if (n < STPG_HDR_LEN || (n - STPG_HDR_LEN) % STPG_DESC_LEN != 0) {
		scsi_done_fail(cmd, SC_PARAM_LIST_LENGTH);
		return;
	}
	for (uint32_t off = STPG_HDR_LEN; off < n; off += STPG_DESC_LEN) {
		if (!alua_state_settable(p[off] & 0x0f)) {
			scsi_fail_param(cmd, (uint16_t)off, 3);
			scsi_done(cmd);
			return;
		}
		if (alua_find(&lu->alua, get_be16(p + off + 2)) == NULL) {
			scsi_fail_param(cmd, (uint16_t)(off + 2), SCSI_BIT_NONE);
			scsi_done(cmd);
			return;
		}
	}
	if (lu->cfg->flags & RT_LU_ALUA_SHARED) {
		alua_stpg_shared(cmd, p, n);
		return;
	}
	bool changed = false;
	for (uint32_t off = STPG_HDR_LEN; off < n; off += STPG_DESC_LEN) {
		struct alua_group *g = alua_find(&lu->alua, get_be16(p + off + 2));
		changed = changed || g->state != (p[off] & 0x0f);
		g->state = p[off] & 0x0f;
		g->status = ALUA_STATUS_BY_STPG;
	}
	if (changed)
		ua_establish_all(&lu->nexuses, cmd->nexus, SC_UA_ALUA_CHANGED);
	scsi_done(cmd);
}
