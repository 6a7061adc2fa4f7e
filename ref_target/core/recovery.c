/* recovery: see recovery.h. RFC 7143 §11.16 (SNACK Request), §11.7.2 (the
 * A bit), §4.2.2.2 (StatSN acknowledgement), §7.1.4.2 (recovery within a
 * connection). */
#include "recovery.h"

#include <assert.h>
#include <string.h>

#include "conn.h"
#include "engine_int.h"
#include "mem.h"
#include "pdu.h"
#include "session.h"
#include "../scsi/sense.h"

/* What a kept PDU is to a SNACK. A Data-In with status is both. */
#define RCV_DATA 0x1u   /* Data-In: sn is its DataSN */
#define RCV_R2T 0x2u    /* R2T: sn is its R2TSN */
#define RCV_STATUS 0x4u /* a numbered response: stat_sn is its StatSN */

struct rcv_pdu {
	struct rcv_pdu *next;
	uint8_t kind;
	bool rel_known;       /* rel_stat_sn is set: the task's status went out */
	uint32_t itt;
	uint32_t sn;          /* DataSN or R2TSN */
	uint32_t stat_sn;     /* RCV_STATUS: its StatSN */
	uint32_t rel_stat_sn; /* released once ExpStatSN passes it */
	uint32_t len;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t data[];       /* len bytes */
};

static size_t rcv_size(uint32_t len)
{
	return sizeof(struct rcv_pdu) + len;
}

uint32_t rcv_level(const struct conn *c)
{
	return c->sess != NULL && c->state == CONN_FFP ? c->sess->params.error_recovery_level : 0;
}

/* ---- keeping ---- */

/* Which kind of PDU this is to a SNACK; 0: not kept. Numbered responses
 * (§3.2.2.2: those that advance StatSN) are the ones conn_stamp advanced
 * StatSN for: every target PDU but R2T, Data-In without status and a
 * NOP-In that asks nothing (reserved ITT, §11.19). */
static uint8_t rcv_kind(const uint8_t *bhs)
{
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_DATA_IN:
		return RCV_DATA | ((bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS) ? RCV_STATUS : 0);
	case ISCSI_OP_R2T:
		return RCV_R2T;
	case ISCSI_OP_NOP_IN:
		return pdu_itt(bhs) == ISCSI_TAG_RESERVED ? 0 : RCV_STATUS;
	case ISCSI_OP_SCSI_RSP:
	case ISCSI_OP_TMF_RSP:
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_ASYNC:
	case ISCSI_OP_REJECT:
		return RCV_STATUS;
	default:
		return 0;
	}
}

static void rcv_unlink(struct rt_engine *eng, struct rcv_store *st, struct rcv_pdu **link, struct rcv_pdu *p,
		       struct rcv_pdu *prev)
{
	*link = p->next;
	if (st->tail == p)
		st->tail = prev;
	st->count--;
	st->bytes -= ISCSI_BHS_LEN + p->len;
	eng_free(eng, p, rcv_size(p->len));
}

/* Release every PDU of st that drop() says yes to. */
static void rcv_release_in(struct rt_engine *eng, struct rcv_store *st,
			   bool (*drop)(const struct rcv_pdu *, const void *), const void *arg)
{
	struct rcv_pdu **link = &st->head, *prev = NULL;
	while (*link != NULL) {
		struct rcv_pdu *p = *link;
		if (drop(p, arg)) {
			rcv_unlink(eng, st, link, p, prev);
			continue;
		}
		prev = p;
		link = &p->next;
	}
}

/* The same on c's own store. */
static void rcv_release(struct conn *c, bool (*drop)(const struct rcv_pdu *, const void *), const void *arg)
{
	rcv_release_in(c->eng, &c->rcv, drop, arg);
}

void rcv_sent(struct conn *c, const uint8_t *bhs, const void *data, uint32_t len)
{
	struct rcv_store *st = &c->rcv;
	if (st->resending || rcv_level(c) < 1)
		return;
	uint8_t kind = rcv_kind(bhs);
	if (kind == 0)
		return;
	uint32_t itt = pdu_itt(bhs);
	uint32_t stat_sn = pdu_w(bhs, PDU_TGT_STATSN);
	bool task_status = (kind & RCV_STATUS) && (kind & RCV_DATA || pdu_opcode(bhs) == ISCSI_OP_SCSI_RSP);
	if (task_status) {
		/* The task's status went out: what it kept lives until the
		 * initiator acknowledges this StatSN (§4.2.2.2). */
		for (struct rcv_pdu *p = st->head; p != NULL; p = p->next) {
			if (p->itt == itt && !p->rel_known) {
				p->rel_known = true;
				p->rel_stat_sn = stat_sn;
			}
		}
	}
	struct rcv_pdu *p = NULL;
	/* Copies are the first thing to give up when memory is short
	 * (mem.h): past RT_MEM_TIGHT_PCT of the budget nothing new is kept. */
	if (st->count < RT_RCV_PDUS_MAX && st->bytes + ISCSI_BHS_LEN + len <= RT_RCV_BYTES_MAX &&
	    !mem_tight(c->eng))
		p = eng_alloc(c->eng, rcv_size(len));
	if (p == NULL) {
		/* Full: sent, not kept. A SNACK for it is rejected (§11.16:
		 * the initiator then retries the command, §7.2.1). */
		if (st->not_kept++ == 0)
			eng_log(c->eng, RT_LOG_INFO, "conn %u: recovery store full: PDUs sent are no longer kept", c->id);
		return;
	}
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->itt = itt;
	p->sn = (kind & RCV_R2T) ? pdu_w(bhs, PDU_R2T_R2TSN) : pdu_w(bhs, PDU_DATA_IN_DATASN);
	p->stat_sn = stat_sn;
	/* Numbered responses that are not a task's status are theirs alone;
	 * Data-In and R2T wait for their task's status. */
	p->rel_known = (kind & RCV_STATUS) != 0;
	p->rel_stat_sn = stat_sn;
	p->len = len;
	memcpy(p->bhs, bhs, ISCSI_BHS_LEN);
	if (len > 0)
		memcpy(p->data, data, len);
	if (st->tail)
		st->tail->next = p;
	else
		st->head = p;
	st->tail = p;
	st->count++;
	st->bytes += ISCSI_BHS_LEN + len;
}

static bool rcv_acked(const struct rcv_pdu *p, const void *arg)
{
	return p->rel_known && sn_lt(p->rel_stat_sn, *(const uint32_t *)arg);
}

void rcv_store_ack(struct rt_engine *eng, struct rcv_store *st, uint32_t exp_stat_sn, uint32_t next_stat_sn)
{
	if (st->head == NULL || exp_stat_sn == st->acked_stat_sn)
		return;
	/* An ExpStatSN beyond what we sent acknowledges nothing (§4.2.2.2:
	 * it acknowledges status received). */
	if (!sn_le(exp_stat_sn, next_stat_sn))
		return;
	st->acked_stat_sn = exp_stat_sn;
	rcv_release_in(eng, st, rcv_acked, &exp_stat_sn);
}

void rcv_ack(struct conn *c, uint32_t exp_stat_sn)
{
	rcv_store_ack(c->eng, &c->rcv, exp_stat_sn, c->stat_sn);
}

static bool rcv_of_ended_task(const struct rcv_pdu *p, const void *arg)
{
	return p->itt == *(const uint32_t *)arg && !p->rel_known;
}

void rcv_task_gone(struct conn *c, uint32_t itt)
{
	rcv_release(c, rcv_of_ended_task, &itt);
}

void rcv_store_task_gone(struct rt_engine *eng, struct rcv_store *st, uint32_t itt)
{
	rcv_release_in(eng, st, rcv_of_ended_task, &itt);
}

static bool rcv_of_older_task(const struct rcv_pdu *p, const void *arg)
{
	return p->itt == *(const uint32_t *)arg && p->rel_known && !(p->kind & RCV_STATUS);
}

void rcv_itt_reused(struct conn *c, uint32_t itt)
{
	if (c->rcv.head == NULL)
		return;
	/* A Data-In that carried the old task's status stays a status (a
	 * Status SNACK names it by StatSN), no longer the task's data. */
	for (struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next)
		if (p->itt == itt && p->rel_known && (p->kind & RCV_STATUS))
			p->kind &= (uint8_t)~RCV_DATA;
	rcv_release(c, rcv_of_older_task, &itt);
}

uint32_t rcv_ack_tag(struct conn *c)
{
	if (rcv_level(c) < 1)
		return ISCSI_TAG_RESERVED;
	uint32_t ttt = c->rcv.next_ack_ttt++;
	if (ttt == ISCSI_TAG_RESERVED)
		ttt = c->rcv.next_ack_ttt++;
	return ttt;
}

void rcv_store_fini(struct rt_engine *eng, struct rcv_store *st)
{
	struct rcv_pdu *p = st->head;
	while (p != NULL) {
		struct rcv_pdu *next = p->next;
		eng_free(eng, p, rcv_size(p->len));
		p = next;
	}
	memset(st, 0, sizeof(*st));
}

void rcv_fini(struct conn *c)
{
	rcv_store_fini(c->eng, &c->rcv);
}

/* ---- SNACK (§11.16) ---- */

/* §11.17.2: a Data/R2T SNACK rejected with "Protocol Error" names the next
 * DataSN/R2TSN the target would send for the task. */
static void rcv_reject(struct conn *c, const uint8_t *hdr, uint32_t next_sn)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_REJECT, ISCSI_FLAG_FINAL);
	bhs[PDU_REJECT_REASON] = ISCSI_REJECT_PROTOCOL_ERROR;
	pdu_set_w(bhs, PDU_ITT, ISCSI_TAG_RESERVED);
	conn_stamp(c, bhs, true);
	pdu_set_w(bhs, PDU_REJECT_DATASN, next_sn);
	c->eng->stats.rejects_sent++;
	conn_send(c, bhs, hdr, ISCSI_BHS_LEN);
	conn_flush(c);
}

/* Send a kept PDU again: §11.16, an exact replica but for ExpCmdSN and
 * MaxCmdSN (and StatSN on an R2T), which carry their current values. */
static void rcv_resend(struct conn *c, const struct rcv_pdu *p)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	memcpy(bhs, p->bhs, ISCSI_BHS_LEN);
	if (c->sess) {
		pdu_set_w(bhs, PDU_TGT_EXPCMDSN, c->sess->exp_cmd_sn);
		pdu_set_w(bhs, PDU_TGT_MAXCMDSN, c->sess->max_cmd_sn);
	}
	if (p->kind & RCV_R2T)
		pdu_set_w(bhs, PDU_TGT_STATSN, c->stat_sn);
	c->rcv.resending = true;
	conn_send(c, bhs, p->data, p->len);
	c->rcv.resending = false;
}

/* A run a SNACK asks for: kind RCV_DATA, RCV_R2T or RCV_STATUS; itt: the
 * task's (Data/R2T) or ISCSI_TAG_RESERVED (status, by StatSN). */
struct rcv_run {
	uint8_t kind;
	uint32_t itt;
	uint32_t beg, len; /* §11.16.6-7: RunLength 0: all from BegRun on */
};

static uint32_t rcv_sn_of(const struct rcv_pdu *p, uint8_t kind)
{
	return kind == RCV_STATUS ? p->stat_sn : p->sn;
}

/* Does the kept PDU p answer run r? */
static bool rcv_in_run(const struct rcv_pdu *p, const struct rcv_run *r)
{
	if (!(p->kind & r->kind))
		return false;
	if (r->kind != RCV_STATUS && p->itt != r->itt)
		return false;
	uint32_t sn = rcv_sn_of(p, r->kind);
	if (r->beg == 0 && r->len == 0)
		return true; /* §11.16.6: all unacknowledged (all we keep) */
	if (r->len == 0)
		return sn_le(r->beg, sn);
	return sn_le(r->beg, sn) && sn_lt(sn, r->beg + r->len);
}

/* Send again the run's PDUs; false (nothing sent) if one asked for was
 * not sent or is no longer kept (§11.16: rejected as Protocol Error). */
static bool rcv_resend_run(struct conn *c, const struct rcv_run *r, uint32_t next_sn)
{
	uint32_t found = 0;
	for (const struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next)
		if (rcv_in_run(p, r))
			found++;
	if (r->len != 0) {
		/* Every number of the run must have been sent and kept. */
		if (!sn_le(r->beg + r->len, next_sn) || found != r->len)
			return false;
	} else if (r->beg != 0 && !sn_lt(r->beg, next_sn)) {
		return false; /* starts at a number not sent yet */
	} else if (r->beg != 0 && found != next_sn - r->beg) {
		return false; /* part of it is no longer kept */
	}
	for (const struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next)
		if (rcv_in_run(p, r))
			rcv_resend(c, p);
	conn_flush(c);
	return true;
}

/* The next DataSN (or R2TSN) the task with this ITT would send: one past
 * the highest kept, 0 if none is kept. */
static uint32_t rcv_next_sn(const struct conn *c, uint8_t kind, uint32_t itt)
{
	bool any = false;
	uint32_t next = 0;
	for (const struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next) {
		if (!(p->kind & kind) || p->itt != itt)
			continue;
		if (!any || sn_le(next, p->sn))
			next = p->sn + 1;
		any = true;
	}
	return next;
}

/* §11.16.1 type 0: Data-In of a read or R2Ts of a write. Which one is
 * what the task has kept: a task sends one kind, never both. */
static void rcv_snack_data_r2t(struct conn *c, const uint8_t *hdr)
{
	uint32_t itt = pdu_itt(hdr);
	struct rcv_run r = { .kind = RCV_DATA, .itt = itt, .beg = pdu_w(hdr, PDU_SNACK_BEGRUN),
			     .len = pdu_w(hdr, PDU_SNACK_RUNLENGTH) };
	bool any_data = false;
	for (const struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next)
		if (p->itt == itt && (p->kind & RCV_DATA))
			any_data = true;
	if (!any_data)
		r.kind = RCV_R2T;
	uint32_t next = rcv_next_sn(c, r.kind, itt);
	if (itt == ISCSI_TAG_RESERVED || !rcv_resend_run(c, &r, next))
		rcv_reject(c, hdr, next);
}

/* §11.16.1 type 1: numbered responses by StatSN. */
static void rcv_snack_status(struct conn *c, const uint8_t *hdr)
{
	struct rcv_run r = { .kind = RCV_STATUS, .itt = ISCSI_TAG_RESERVED,
			     .beg = pdu_w(hdr, PDU_SNACK_BEGRUN), .len = pdu_w(hdr, PDU_SNACK_RUNLENGTH) };
	if (!rcv_resend_run(c, &r, c->stat_sn))
		conn_reject(c, hdr, ISCSI_REJECT_PROTOCOL_ERROR);
}

struct rcv_data_ack {
	uint32_t itt;
	uint32_t next_data_sn;
};

static bool rcv_data_acked(const struct rcv_pdu *p, const void *arg)
{
	const struct rcv_data_ack *a = arg;
	return p->itt == a->itt && p->kind == RCV_DATA && sn_lt(p->sn, a->next_data_sn);
}

/* §11.16.1 type 2, §11.16.2: Data-In before BegRun is acknowledged. The
 * TTT is the one of our Data-In with the A bit; one we never sent (or a
 * task already acknowledged) frees nothing, and asks for nothing. */
static void rcv_snack_data_ack(struct conn *c, const uint8_t *hdr)
{
	uint32_t ttt = pdu_w(hdr, PDU_SNACK_TTT);
	if (ttt == ISCSI_TAG_RESERVED)
		return;
	for (const struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next) {
		if ((p->kind & RCV_DATA) && (p->bhs[PDU_FLAGS] & ISCSI_DATAIN_ACK) &&
		    pdu_w(p->bhs, PDU_DATA_IN_TTT) == ttt) {
			struct rcv_data_ack a = { p->itt, pdu_w(hdr, PDU_SNACK_BEGRUN) };
			/* §11.16.2: it acknowledges up to the A-bit PDU at most. */
			if (sn_lt(p->sn + 1, a.next_data_sn))
				a.next_data_sn = p->sn + 1;
			rcv_release(c, rcv_data_acked, &a);
			return;
		}
	}
}

static bool rcv_of_task(const struct rcv_pdu *p, const void *arg)
{
	return p->itt == *(const uint32_t *)arg && (p->kind & (RCV_DATA | RCV_STATUS));
}

/* The SCSI Response that ends an R-Data retransmission: a copy of the
 * status sent (a SCSI Response, or the status of the last Data-In, st),
 * with the same StatSN, the SNACK Tag and the ExpDataSN now in force.
 * After a TASK REASSIGN (new_stat_sn) it takes the next StatSN of its new
 * connection instead: StatSN is counted per connection (§4.2.2.2). */
static void rcv_rdata_response(struct conn *c, const uint8_t *st, uint32_t stat_sn, const uint8_t *sense,
			       uint32_t sense_len, uint32_t snack_tag, uint32_t exp_data_sn, bool new_stat_sn)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	if (pdu_opcode(st) == ISCSI_OP_SCSI_RSP) {
		memcpy(bhs, st, ISCSI_BHS_LEN);
	} else {
		uint8_t res = st[PDU_FLAGS] & (ISCSI_RSP_OVERFLOW | ISCSI_RSP_UNDERFLOW);
		pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL | res);
		bhs[PDU_SCSI_RSP_RESPONSE] = ISCSI_RESPONSE_COMPLETED;
		bhs[PDU_SCSI_RSP_STATUS] = st[PDU_DATA_IN_STATUS];
		pdu_set_w(bhs, PDU_ITT, pdu_itt(st));
		pdu_set_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT, pdu_w(st, PDU_DATA_IN_RESIDUAL_COUNT));
		sense_len = 0;
	}
	conn_stamp(c, bhs, new_stat_sn);
	if (!new_stat_sn)
		pdu_set_w(bhs, PDU_TGT_STATSN, stat_sn); /* §11.16.3: the same StatSN */
	pdu_set_w(bhs, PDU_SCSI_RSP_SNACK_TAG, snack_tag);
	pdu_set_w(bhs, PDU_SCSI_RSP_EXPDATASN, exp_data_sn);
	conn_send(c, bhs, sense, sense_len);
}

/* §11.16.1 type 3, §11.16.3: all unacknowledged Data-In of the task again,
 * cut to the MaxRecvDataSegmentLength in force now, DataSN from the last
 * DataACK's BegRun (the first one kept), then a SCSI Response with the
 * SNACK Tag. What is resent replaces what was kept. */
static void rcv_snack_rdata(struct conn *c, const uint8_t *hdr)
{
	uint32_t itt = pdu_itt(hdr), tag = pdu_w(hdr, PDU_SNACK_TTT);
	const struct rcv_pdu *first = NULL, *status = NULL;
	uint32_t total = 0, end = 0;
	bool contiguous = true;
	for (const struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next) {
		if (p->itt != itt)
			continue;
		if (p->kind & RCV_DATA) {
			uint32_t off = pdu_w(p->bhs, PDU_DATA_IN_BUFFER_OFFSET);
			if (first == NULL)
				end = off;
			else if (off != end)
				contiguous = false;
			if (first == NULL)
				first = p;
			end = off + p->len;
			total += p->len;
		}
		if ((p->kind & RCV_STATUS) && (p->kind & RCV_DATA || pdu_opcode(p->bhs) == ISCSI_OP_SCSI_RSP))
			status = p;
	}
	/* §11.16.5-7: a SNACK Tag other than 0 and 0xffffffff, BegRun and
	 * RunLength 0; and the task's data and status must still be kept. */
	if (itt == ISCSI_TAG_RESERVED || tag == 0 || tag == ISCSI_TAG_RESERVED || pdu_w(hdr, PDU_SNACK_BEGRUN) != 0 ||
	    pdu_w(hdr, PDU_SNACK_RUNLENGTH) != 0 || first == NULL || status == NULL || !contiguous) {
		conn_reject(c, hdr, ISCSI_REJECT_PROTOCOL_ERROR);
		return;
	}
	uint8_t *buf = total > 0 ? eng_alloc(c->eng, total) : NULL;
	if (total > 0 && buf == NULL) {
		conn_reject(c, hdr, ISCSI_REJECT_OUT_OF_RESOURCES);
		return;
	}
	/* The status and its sense are copied out: what is kept goes below. */
	uint8_t st_bhs[ISCSI_BHS_LEN];
	uint8_t sense[2 + SCSI_SENSE_MAX];
	uint32_t st_stat_sn = status->stat_sn;
	uint32_t sense_len = status->len <= sizeof(sense) ? status->len : 0;
	memcpy(st_bhs, status->bhs, ISCSI_BHS_LEN);
	memcpy(sense, status->data, sense_len);
	uint32_t data_sn = first->sn, off0 = pdu_w(first->bhs, PDU_DATA_IN_BUFFER_OFFSET);
	uint8_t lun[8];
	memcpy(lun, first->bhs + PDU_LUN, sizeof(lun));
	uint32_t got = 0;
	for (const struct rcv_pdu *p = c->rcv.head; p != NULL; p = p->next) {
		if (p->itt == itt && (p->kind & RCV_DATA)) {
			memcpy(buf + got, p->data, p->len);
			got += p->len;
		}
	}
	rcv_release(c, rcv_of_task, &itt);
	uint32_t mrdsl = c->params.max_xmit_dsl, burst = c->sess->params.max_burst_length;
	for (uint32_t at = 0; at < total;) {
		uint32_t off = off0 + at;
		uint32_t n = total - at < mrdsl ? total - at : mrdsl;
		if (n > burst - off % burst)
			n = burst - off % burst;
		bool last = at + n == total;
		uint8_t bhs[ISCSI_BHS_LEN];
		pdu_init(bhs, ISCSI_OP_DATA_IN, (last || (off + n) % burst == 0) ? ISCSI_FLAG_FINAL : 0);
		memcpy(bhs + PDU_LUN, lun, sizeof(lun));
		pdu_set_w(bhs, PDU_ITT, itt);
		pdu_set_w(bhs, PDU_DATA_IN_TTT, ISCSI_TAG_RESERVED);
		conn_stamp(c, bhs, false);
		pdu_set_w(bhs, PDU_DATA_IN_DATASN, data_sn++);
		pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, off);
		conn_send(c, bhs, buf + at, n);
		at += n;
	}
	rcv_rdata_response(c, st_bhs, st_stat_sn, sense, sense_len, tag, data_sn, false);
	conn_flush(c); /* buf and sense are ours until sent (tx.h) */
	eng_free(c->eng, buf, total);
}

void rcv_snack(struct conn *c, const uint8_t *bhs)
{
	if (rcv_level(c) < 1) {
		/* §7.1.5: SNACK is recovery within a connection, level 1;
		 * at ERL 0 the initiator must not send it. */
		conn_reject(c, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		return;
	}
	switch (bhs[PDU_FLAGS] & 0x0fu) {
	case ISCSI_SNACK_DATA_R2T: rcv_snack_data_r2t(c, bhs); break;
	case ISCSI_SNACK_STATUS: rcv_snack_status(c, bhs); break;
	case ISCSI_SNACK_DATA_ACK: rcv_snack_data_ack(c, bhs); break;
	case ISCSI_SNACK_RDATA: rcv_snack_rdata(c, bhs); break;
	default:
		/* §11.16.1: all other types are reserved. */
		conn_reject(c, bhs, ISCSI_REJECT_PROTOCOL_ERROR);
		break;
	}
}

/* ---- connection recovery (ERL 2, erl2.h) ----
 *
 * A failed connection's store moves to its session's recovery record;
 * TASK REASSIGN of a task whose status it holds sends that status (and
 * the Data-In not acknowledged) again on the new connection. */

void rcv_store_move(struct rcv_store *to, struct rcv_store *from)
{
	assert(to->head == NULL && !from->resending);
	*to = *from;
	memset(from, 0, sizeof(*from));
}

static bool rcv_of_itt(const struct rcv_pdu *p, const void *arg)
{
	return p->itt == *(const uint32_t *)arg;
}

void rcv_store_drop_itt(struct rt_engine *eng, struct rcv_store *st, uint32_t itt)
{
	rcv_release_in(eng, st, rcv_of_itt, &itt);
}

/* What of a task st holds to send again: its status, and its Data-In
 * from DataSN from on (last: the last of them; NULL: none). */
struct rcv_again {
	const struct rcv_pdu *status, *last;
	uint32_t from;
	bool any_data; /* st holds Data-In of it */
};

/* §11.5.6: ExpDataSN in a TASK REASSIGN is 0 (the initiator's
 * acknowledgement is unchanged) or one past a Data-In it has; any other
 * value "MUST be ignored". We resend from it, else from the first Data-In
 * kept, which is the first not acknowledged by a DataACK, unless the
 * store ever lacked room (not_kept): then an earlier one may be missing
 * and what the initiator lacks cannot be known. Returns false if the
 * task cannot be answered again from st. */
static bool rcv_again_plan(const struct rcv_store *st, uint32_t itt, uint32_t exp_data_sn, struct rcv_again *a)
{
	memset(a, 0, sizeof(*a));
	bool any = false, gap = false;
	uint32_t lo = 0, hi = 0;
	for (const struct rcv_pdu *p = st->head; p != NULL; p = p->next) {
		if (p->itt != itt)
			continue;
		if ((p->kind & RCV_STATUS) && ((p->kind & RCV_DATA) || pdu_opcode(p->bhs) == ISCSI_OP_SCSI_RSP))
			a->status = p;
		if (!(p->kind & RCV_DATA))
			continue;
		if (any && p->sn != hi + 1)
			gap = true; /* not kept for lack of room */
		if (!any)
			lo = p->sn;
		hi = p->sn;
		any = true;
	}
	if (a->status == NULL || gap)
		return false;
	bool given = exp_data_sn != 0 && any && sn_le(lo, exp_data_sn) && sn_le(exp_data_sn, hi + 1);
	if (!given && any && lo != 0 && st->not_kept != 0)
		return false;
	a->from = given ? exp_data_sn : lo;
	a->any_data = any;
	for (const struct rcv_pdu *p = st->head; p != NULL; p = p->next)
		if (p->itt == itt && (p->kind & RCV_DATA) && sn_le(a->from, p->sn))
			a->last = p;
	return true;
}

bool rcv_store_can_resend(const struct rcv_store *st, uint32_t itt, uint32_t exp_data_sn)
{
	struct rcv_again a;
	return rcv_again_plan(st, itt, exp_data_sn, &a);
}

/* One kept Data-In again on c from its byte at, cut to c's
 * MaxRecvDataSegmentLength now (it may differ from the old connection's:
 * §11.5.6 lets the count of PDUs change), F at each MaxBurstLength end.
 *
 * A kept Data-In never crosses a MaxBurstLength end, so no cut of it
 * does: datain_send_data and rcv_snack_rdata, the only two that send
 * Data-In to keep, cut at every burst end, and MaxBurstLength is the
 * session's, set once at its leading login (§13.14: LO, leading only;
 * sess_create copies it, nothing changes it after), so the new
 * connection has the burst the kept PDU was cut to. */
static uint32_t rcv_data_again(struct conn *c, const struct rcv_pdu *p, uint32_t data_sn, bool last_pdu)
{
	uint32_t mrdsl = c->params.max_xmit_dsl, burst = c->sess->params.max_burst_length;
	uint32_t off0 = pdu_w(p->bhs, PDU_DATA_IN_BUFFER_OFFSET);
	assert(off0 % burst + p->len <= burst);
	for (uint32_t at = 0; at < p->len;) {
		uint32_t off = off0 + at;
		uint32_t n = p->len - at < mrdsl ? p->len - at : mrdsl;
		bool last = last_pdu && at + n == p->len;
		uint8_t bhs[ISCSI_BHS_LEN];
		pdu_init(bhs, ISCSI_OP_DATA_IN, (last || (off + n) % burst == 0) ? ISCSI_FLAG_FINAL : 0);
		memcpy(bhs + PDU_LUN, p->bhs + PDU_LUN, 8);
		pdu_set_w(bhs, PDU_ITT, p->itt);
		pdu_set_w(bhs, PDU_DATA_IN_TTT, ISCSI_TAG_RESERVED);
		conn_stamp(c, bhs, false);
		pdu_set_w(bhs, PDU_DATA_IN_DATASN, data_sn++);
		pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, off);
		conn_send(c, bhs, p->data + at, n);
		at += n;
	}
	return data_sn;
}

int rcv_reassign(struct conn *c, struct rcv_store *st, uint32_t itt, uint32_t exp_data_sn)
{
	struct rcv_again a;
	if (c->sess == NULL || !rcv_again_plan(st, itt, exp_data_sn, &a))
		return -1;
	uint32_t data_sn = a.from;
	for (const struct rcv_pdu *p = st->head; a.last != NULL && p != NULL; p = p->next) {
		if (p->itt == itt && (p->kind & RCV_DATA) && sn_le(a.from, p->sn))
			data_sn = rcv_data_again(c, p, data_sn, p == a.last);
		if (p == a.last)
			break;
	}
	/* The status last, as a SCSI Response on the new connection's
	 * StatSN; its sense still lives in st, so flush before releasing. */
	const struct rcv_pdu *s = a.status;
	bool rsp = pdu_opcode(s->bhs) == ISCSI_OP_SCSI_RSP;
	/* §11.4.8: ExpDataSN counts the Data-In and R2Ts of the command: as
	 * sent now if Data-In went again, else as it was (a write's R2Ts). */
	uint32_t exp = a.any_data ? data_sn : pdu_w(s->bhs, PDU_SCSI_RSP_EXPDATASN);
	rcv_rdata_response(c, s->bhs, 0, rsp ? s->data : NULL, rsp ? s->len : 0, 0, exp, true);
	conn_flush(c);
	rcv_release_in(c->eng, st, rcv_of_itt, &itt);
	return 0;
}
