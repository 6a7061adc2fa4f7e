/* dataout: see dataout.h. */
#include "dataout.h"

#include <assert.h>

#include "conn.h"
#include "engine_int.h"
#include "pdu.h"
#include "recovery.h"
#include "session.h"
#include "task.h"
#include "../scsi/sense.h"

/* TTT layout: pool index (10 bits), R2T slot (4 bits), generation (18
 * bits). The pool is smaller than 1024 entries, so a TTT is never the
 * reserved 0xffffffff. */
#define TTT_INDEX_BITS 10u
#define TTT_SLOT_BITS 4u
#define TTT_GEN_MASK 0x3ffffu
_Static_assert(RT_CMD_WINDOW_MAX + RT_IMMEDIATE_MAX < (1u << TTT_INDEX_BITS), "pool fits the TTT");
_Static_assert(TASK_R2T_MAX <= (1u << TTT_SLOT_BITS), "R2T slots fit the TTT");

static uint32_t dataout_ttt(const struct task *t, uint32_t slot)
{
	return (uint32_t)t->index | (slot << TTT_INDEX_BITS) |
	       ((t->gen & TTT_GEN_MASK) << (TTT_INDEX_BITS + TTT_SLOT_BITS));
}

static struct task *dataout_task_of_ttt(struct session *s, uint32_t ttt, struct r2t **r)
{
	uint32_t index = ttt & ((1u << TTT_INDEX_BITS) - 1);
	uint32_t slot = (ttt >> TTT_INDEX_BITS) & ((1u << TTT_SLOT_BITS) - 1);
	if (index >= s->pool_len)
		return NULL;
	struct task *t = &s->pool[index];
	if (t->state == TASK_FREE || t->aborted || !t->r2t[slot].active || t->r2t[slot].ttt != ttt)
		return NULL;
	*r = &t->r2t[slot];
	return t;
}

/* ---- R2T (§11.8) ---- */

static void dataout_emit_r2t(struct task *t, struct conn *c, const struct r2t *r)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL);
	put_be64(bhs + PDU_LUN, scsi_lun_to_wire(t->lun));
	pdu_set_w(bhs, PDU_ITT, t->itt);
	pdu_set_w(bhs, PDU_R2T_TTT, r->ttt);
	conn_stamp(c, bhs, false); /* §11.8: R2T carries the next StatSN */
	pdu_set_w(bhs, PDU_R2T_R2TSN, r->sn);
	pdu_set_w(bhs, PDU_R2T_BUFFER_OFFSET, r->offset);
	pdu_set_w(bhs, PDU_R2T_DESIRED_LENGTH, r->len);
	conn_send(c, bhs, NULL, 0);
}

static void dataout_send_r2t(struct task *t, struct conn *c)
{
	const struct iscsi_params *p = &t->sess->params;
	uint32_t slot = 0;
	while (t->r2t[slot].active)
		slot++;
	assert(slot < TASK_R2T_MAX);
	struct r2t *r = &t->r2t[slot];
	r->active = true;
	r->ttt = dataout_ttt(t, slot);
	r->sn = t->r2t_sn++;
	r->offset = t->r2t_offset;
	r->len = task_min_u32(p->max_burst_length, t->want - t->r2t_offset);
	r->got = 0;
	r->data_sn = 0;
	t->r2t_offset += r->len;
	t->r2t_active++;
	dataout_emit_r2t(t, c, r);
}

/* ---- recovery within the command (ERL >= 1, §7.1.4.1) ---- */

/* A Data-Out of r's sequence was lost (a data digest error, §7.8, or a
 * DataSN gap after a header digest error, §7.9): the rest of r's burst is
 * asked for again by a recovery R2T (§7.8 option a) with a new R2TSN and
 * a new TTT, so the PDUs of the broken sequence still in flight miss it
 * and are discarded (dataout_check: unknown TTT). */
static void dataout_recover_r2t(struct task *t, struct conn *c, struct r2t *r)
{
	uint32_t slot = (uint32_t)(r - t->r2t);
	t->gen++; /* the new TTT differs from the old one (and from stale ones) */
	r->ttt = dataout_ttt(t, slot);
	r->sn = t->r2t_sn++;
	r->offset += r->got;
	r->len -= r->got;
	r->got = 0;
	r->data_sn = 0;
	dataout_emit_r2t(t, c, r);
	conn_flush(c);
}

/* A PDU of the unsolicited data was lost (§7.8, §7.9): what did not
 * arrive is asked for by R2T, as if the unsolicited data had ended there;
 * the rest of it still in flight is discarded. */
static void dataout_recover_unsolicited(struct task *t)
{
	t->unsol_lost = true;
	t->unsol_done = true;
	dataout_progress(t);
}

/* TASK REASSIGN (ERL 2, §7.2.2): the R2Ts in flight on the failed
 * connection are asked for again on the new one as recovery R2Ts (the
 * rest of each burst, new R2TSN and TTT: Data-Out for the old TTTs is
 * discarded), unsolicited data not complete is asked for by R2T, and what
 * was never solicited is solicited now. LIO asks again from the last
 * whole burst; we keep every whole Data-Out PDU received. */
void dataout_reassign(struct task *t)
{
	assert(t->state == TASK_DATA_OUT && t->conn != NULL);
#ifdef RT_PLANT_BUG_reassign_skips_missing_data
	/* Planted (sim/planted-bugs.txt): a write reassigned mid-transfer is
	 * taken as complete with the data it has: what the failed connection
	 * never delivered is written as whatever the buffer held. */
	for (uint32_t i = 0; i < TASK_R2T_MAX; i++)
		t->r2t[i].active = false;
	t->r2t_active = 0;
	t->unsol_done = true;
	t->r2t_offset = t->want;
	task_exec(t);
	return;
#endif
	for (uint32_t i = 0; i < TASK_R2T_MAX; i++)
		if (t->r2t[i].active)
			dataout_recover_r2t(t, t->conn, &t->r2t[i]);
	if (!t->unsol_done) {
		dataout_recover_unsolicited(t);
		return;
	}
	dataout_progress(t);
}

/* Solicit what is missing, or execute once everything is in (§4.2.5.2). */
void dataout_progress(struct task *t)
{
	if (t->state != TASK_DATA_OUT || !t->unsol_done)
		return;
	if (t->r2t_offset < t->unsol_got)
		t->r2t_offset = t->unsol_got;
	struct conn *c = t->conn;
	uint32_t max_r2t = task_min_u32(t->sess->params.max_outstanding_r2t, TASK_R2T_MAX);
	bool sent = false;
	while (c && t->r2t_offset < t->want && t->r2t_active < max_r2t) {
		dataout_send_r2t(t, c);
		sent = true;
	}
	if (sent)
		conn_flush(c);
	if (t->r2t_active == 0 && t->r2t_offset >= t->want)
		task_exec(t);
}

/* ---- Data-Out PDUs (§11.7) ---- */

/* End a task early with cond, an ABORTED COMMAND condition: no more data is
 * solicited or accepted, and the status goes out as soon as its CmdSN turn
 * has come (at once if it has). */
static void dataout_terminate(struct task *t, enum scsi_cond cond)
{
	assert(sense_key_of(cond) == SENSE_KEY_ABORTED_COMMAND);
	task_fail(t, cond);
	t->unsol_done = true;
	t->want = 0;
	for (uint32_t i = 0; i < TASK_R2T_MAX; i++)
		t->r2t[i].active = false;
	t->r2t_active = 0;
	dataout_progress(t);
}

/* A Data-Out that breaks the sequence rules of its task (§11.7): at ERL 0
 * nothing can ask for the data again, so the initiator hears which PDU was
 * wrong (Reject, §11.17) and the task ends now with CHECK CONDITION,
 * ABORTED COMMAND and the sense that names the fault (§11.4.7.2, SPC-4
 * 4Bh). Nothing of it reaches the disk; the connection stays. */
static int dataout_error(struct conn *c, const uint8_t *bhs, struct task *t, enum scsi_cond cond,
			 const char *why)
{
	eng_log(c->eng, RT_LOG_INFO, "conn %u: ITT 0x%x: %s", c->id, t->itt, why);
	conn_reject(c, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
	dataout_terminate(t, cond);
	return 0;
}

/* Which task and R2T a Data-Out header belongs to, and whether it keeps
 * their sequence; the receive context and *dst when it does. Returns 0,
 * or -1 when the connection must be dropped. */
static int dataout_check(struct conn *c, const uint8_t *bhs, uint8_t **dst)
{
	struct session *s = c->sess;
	uint32_t itt = pdu_itt(bhs), ttt = pdu_w(bhs, PDU_DATA_OUT_TTT);
	uint32_t data_sn = pdu_w(bhs, PDU_DATA_OUT_DATASN), offset = pdu_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET);
	uint32_t len = pdu_dsl(bhs);
	bool final = pdu_final(bhs);
	bool recover = rcv_level(c) >= 1; /* §7.1.4.1: recovery within the command */
	struct task *t;
	struct r2t *r = NULL;
	if (ttt == ISCSI_TAG_RESERVED) {
		t = task_find_itt(s, itt);
		if (t == NULL || t->conn != c || t->unsol_lost) {
			/* Data for a task already aborted or finished (§4.2.3.4),
			 * or the rest of unsolicited data already asked for again
			 * by R2T: discard it quietly. */
			eng_log(c->eng, RT_LOG_DEBUG, "conn %u: Data-Out for unknown ITT 0x%x discarded", c->id, itt);
			return 0;
		}
		if (recover && !t->unsol_done && sn_lt(t->unsol_data_sn, data_sn)) {
			/* §7.9: a DataSN gap means a PDU was lost to a digest
			 * error; recovered as §7.8 says, by R2T. */
			dataout_recover_unsolicited(t);
			return 0;
		}
		if (t->unsol_done || !(t->flags & ISCSI_CMD_WRITE))
			return dataout_error(c, bhs, t, SC_UNEXPECTED_UNSOLICITED_DATA, "unexpected unsolicited data");
		if (data_sn != t->unsol_data_sn)
			return dataout_error(c, bhs, t, SC_DATA_PHASE_ERROR, "unsolicited Data-Out with a wrong DataSN");
		if (offset != t->unsol_got)
			return dataout_error(c, bhs, t, SC_DATA_OFFSET_ERROR, "unsolicited Data-Out at a wrong offset");
		if (len > t->unsol_max - t->unsol_got)
			return dataout_error(c, bhs, t, SC_TOO_MUCH_WRITE_DATA, "unsolicited data beyond FirstBurstLength/EDTL");
	} else {
		t = dataout_task_of_ttt(s, ttt, &r);
		if (t == NULL || t->itt != itt || t->conn != c) {
			eng_log(c->eng, RT_LOG_DEBUG, "conn %u: Data-Out for unknown TTT 0x%x discarded", c->id, ttt);
			return 0;
		}
		if (recover && sn_lt(r->data_sn, data_sn)) {
			/* §7.9: a DataSN gap: a PDU of the burst was lost. */
			dataout_recover_r2t(t, c, r);
			return 0;
		}
		if (data_sn != r->data_sn)
			return dataout_error(c, bhs, t, SC_DATA_PHASE_ERROR, "Data-Out with a wrong DataSN");
		if (offset != r->offset + r->got)
			return dataout_error(c, bhs, t, SC_DATA_OFFSET_ERROR, "Data-Out at a wrong offset");
#ifdef RT_PLANT_BUG_dataout_burst_crash
		/* Planted (sim/planted-bugs-net.txt): data past the R2T's burst
		 * is copied without the check, the overflow class that killed
		 * real targets; modelled as an immediate crash. */
		if (len > r->len - r->got)
			__builtin_trap();
#endif
		if (len > r->len - r->got || (final && r->got + len != r->len))
			return dataout_error(c, bhs, t, SC_TOO_MUCH_WRITE_DATA, "Data-Out beyond the R2T's burst");
	}
	c->rx_ctx.data_out.task = t;
	c->rx_ctx.data_out.r2t = r;
	/* t->buf holds EDTL bytes; offsets were checked against it above. */
	*dst = t->buf ? t->buf + offset : NULL;
	return 0;
}

enum rx_verdict dataout_header(struct conn *c, const uint8_t *bhs, uint32_t ahs_len, uint8_t **dst)
{
	(void)ahs_len; /* §11.7: a Data-Out has no AHS we use */
	*dst = NULL;
	c->rx_ctx.data_out.task = NULL;
	c->rx_ctx.data_out.r2t = NULL;
	return dataout_check(c, bhs, dst) != 0 ? RX_STOP : RX_GO;
}

void dataout_rx_task_gone(struct conn *c, const struct task *t)
{
	if (c->rx_ctx.data_out.task != t)
		return;
	/* the rest of the data segment in flight is discarded */
	c->rx_ctx.data_out.task = NULL;
	c->rx_ctx.data_out.r2t = NULL;
	c->rx.dst = NULL;
}

void dataout_pdu(struct conn *c, const struct rx *rx, bool data_digest_ok)
{
	struct task *t = c->rx_ctx.data_out.task;
	struct r2t *r = c->rx_ctx.data_out.r2t;
	c->rx_ctx.data_out.task = NULL;
	c->rx_ctx.data_out.r2t = NULL;
	if (t == NULL)
		return;
	const uint8_t *hdr = rx->hdr;
	if (!data_digest_ok) {
		/* §7.8: Reject and discard; then at ERL >= 1 the data is asked
		 * for again by R2T (option a), at ERL 0 (no recovery R2T) the
		 * task ends with "Protocol Service CRC error" (option b,
		 * §11.4.7.2). */
		conn_reject(c, hdr, ISCSI_REJECT_DATA_DIGEST);
		if (rcv_level(c) < 1)
			dataout_terminate(t, SC_PROTOCOL_CRC_ERROR);
		else if (r != NULL)
			dataout_recover_r2t(t, c, r);
		else
			dataout_recover_unsolicited(t);
		return;
	}
	uint32_t len = pdu_dsl(hdr);
	if (r == NULL) {
		t->unsol_got += len;
		t->unsol_data_sn++;
		if (pdu_final(hdr))
			t->unsol_done = true;
	} else {
		r->got += len;
		r->data_sn++;
		if (r->got == r->len) {
			r->active = false;
			t->r2t_active--;
		}
	}
	dataout_progress(t);
}

