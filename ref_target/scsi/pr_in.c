/* pr_in: PERSISTENT RESERVE IN (SPC-4): READ KEYS, READ RESERVATION,
 * REPORT CAPABILITIES, READ FULL STATUS, from the state pr.c keeps. Every
 * answer is truncated to the allocation length while its length fields
 * say how much there is. */
#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "pr.h"
#include "pr_int.h"
#include "tid.h"

enum {
	PRIN_READ_KEYS = 0,
	PRIN_READ_RESERVATION = 1,
	PRIN_REPORT_CAPABILITIES = 2,
	PRIN_READ_FULL_STATUS = 3,
};
/* REPORT CAPABILITIES (8 bytes). */
#define RCAP_LEN 8u
#define RCAP_CRH 0x10u
#define RCAP_SIP_C 0x08u
#define RCAP_ATP_C 0x04u
#define RCAP_PTPL_C 0x01u
#define RCAP_TMV 0x80u
#define RCAP_ALLOW_TUR (0x1u << 4) /* ALLOW COMMANDS 001b: TEST UNIT READY passes */
#define RCAP_PTPL_A 0x01u
#define RCAP_MASK_HI 0xeau         /* WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX */
#define RCAP_MASK_LO 0x01u         /* EX_AC_AR */
/* READ FULL STATUS descriptor. */
#define FULL_DESC_LEN 24u
#define FULL_ALL_TG_PT 0x02u
#define FULL_R_HOLDER 0x01u

/* Writes what fits the allocation length, counts everything. */
struct pr_out {
	uint8_t *buf;
	uint32_t cap, len;
};

static void out_put(struct pr_out *o, const void *src, uint32_t n)
{
	if (o->len < o->cap) {
		uint32_t room = o->cap - o->len;
		memcpy(o->buf + o->len, src, n < room ? n : room);
	}
	o->len += n;
}

static void out_be32(struct pr_out *o, uint32_t v)
{
	uint8_t b[4];
	put_be32(b, v);
	out_put(o, b, 4);
}

static void out_be64(struct pr_out *o, uint64_t v)
{
	uint8_t b[8];
	put_be64(b, v);
	out_put(o, b, 8);
}

/* Patch a 4-byte length already written at off, if it fit. */
static void out_patch32(struct pr_out *o, uint32_t off, uint32_t v)
{
	uint8_t b[4];
	put_be32(b, v);
	for (uint32_t i = 0; i < 4; i++)
		if (off + i < o->cap)
			o->buf[off + i] = b[i];
}

/* Unknown service actions never get here: the table has one row each. */
int pr_in_decode(struct scsi_cmd *cmd)
{
	cmd->xfer_len = get_be16(cmd->cdb + 7);
	cmd->dir = SCSI_DIR_IN;
	return 0;
}

static void pr_in_keys(const struct pr_state *s, struct pr_out *o)
{
	out_be32(o, s->generation);
	out_be32(o, 0);
	for (uint32_t i = 0; i < PR_REG_MAX; i++)
		if (s->reg[i].used)
			out_be64(o, s->reg[i].key);
	out_patch32(o, 4, o->len - 8);
}

static void pr_in_reservation(const struct pr_state *s, struct pr_out *o)
{
	out_be32(o, s->generation);
	out_be32(o, s->reserved ? 16 : 0);
	if (!s->reserved)
		return;
	/* All-registrants reservations have no one key (SPC-4: 0). */
	out_be64(o, pr_type_all_registrants(s->type) ? 0 : s->reg[s->holder].key);
	uint8_t rest[8] = {0, 0, 0, 0, 0, (uint8_t)(PR_SCOPE_LU << 4 | s->type), 0, 0};
	out_put(o, rest, sizeof(rest));
}

static void pr_in_capabilities(const struct scsi_lu *lu, struct pr_out *o)
{
	uint8_t d[RCAP_LEN] = {0, RCAP_LEN};
	/* a shared LU's record outlives every gateway: always persistent */
	bool ptpl = lu->env->state_save != NULL || pr_is_shared(lu);
	d[2] = RCAP_CRH | RCAP_SIP_C | RCAP_ATP_C | (ptpl ? RCAP_PTPL_C : 0);
	d[3] = RCAP_TMV | RCAP_ALLOW_TUR | (lu->pr.aptpl ? RCAP_PTPL_A : 0);
	d[4] = RCAP_MASK_HI;
	d[5] = RCAP_MASK_LO;
	out_put(o, d, sizeof(d));
}

static void pr_in_full_status(const struct pr_state *s, struct pr_out *o)
{
	out_be32(o, s->generation);
	out_be32(o, 0);
	for (uint32_t i = 0; i < PR_REG_MAX; i++) {
		const struct pr_reg *r = &s->reg[i];
		if (!r->used)
			continue;
		uint8_t d[FULL_DESC_LEN], tid[TID_MAX_LEN];
		uint32_t tid_len = tid_build(r->port, tid);
		bool holder = pr_is_holder(s, i);
		memset(d, 0, sizeof(d));
		put_be64(d, r->key);
		d[12] = (uint8_t)((r->rel_port == 0 ? FULL_ALL_TG_PT : 0) | (holder ? FULL_R_HOLDER : 0));
		d[13] = holder ? (uint8_t)(PR_SCOPE_LU << 4 | s->type) : 0;
		put_be16(d + 18, r->rel_port);
		put_be32(d + 20, tid_len);
		out_put(o, d, sizeof(d));
		out_put(o, tid, tid_len);
	}
	out_patch32(o, 4, o->len - 8);
}

void pr_in_exec(struct scsi_cmd *cmd)
{
	if (pr_is_shared(cmd->lu))
		pr_shared_in_start(cmd); /* load the record first: pr_shared.c */
	else
		pr_in_answer(cmd);
}

void pr_in_answer(struct scsi_cmd *cmd)
{
	const struct scsi_lu *lu = cmd->lu;
	struct pr_out o = {.buf = cmd->buf, .cap = cmd->xfer_len};
	switch (cmd->cdb[1] & 0x1f) {
	case PRIN_READ_KEYS:
		pr_in_keys(&lu->pr, &o);
		break;
	case PRIN_READ_RESERVATION:
		pr_in_reservation(&lu->pr, &o);
		break;
	case PRIN_REPORT_CAPABILITIES:
		pr_in_capabilities(lu, &o);
		break;
	default:
		pr_in_full_status(&lu->pr, &o);
		break;
	}
	cmd->data_in_len = o.len < o.cap ? o.len : o.cap;
	scsi_done(cmd);
}
