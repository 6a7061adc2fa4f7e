/* fz_model: see fz_model.h. RFC 7143 §11.4-§11.8 for the rules. */
#include "fz_model.h"

#include <stdlib.h>
#include <string.h>

#include "core/pdu.h"
#include "fz.h"

void fz_model_init(struct fz_model *m, const uint8_t *disk, uint64_t disk_size)
{
	memset(m, 0, sizeof(*m));
	m->disk = disk;
	m->disk_size = disk_size;
	m->covered_lo = UINT64_MAX;
	/* RFC 7143 §13 defaults until the harness sets what was negotiated */
	m->params.max_burst_length = ISCSI_MAX_BURST_DEFAULT;
	m->params.first_burst_length = ISCSI_FIRST_BURST_DEFAULT;
	m->params.max_outstanding_r2t = 1;
	m->params.initial_r2t = true;
	m->params.immediate_data = true;
	m->max_xmit = ISCSI_MRDSL_DEFAULT;
}

struct fz_task *fz_model_task(struct fz_model *m, uint32_t itt)
{
	for (unsigned i = 0; i < FZ_MODEL_TASKS; i++)
		if (m->task[i].used && m->task[i].itt == itt)
			return &m->task[i];
	return NULL;
}

struct fz_task *fz_model_command(struct fz_model *m, const uint8_t *bhs)
{
	uint32_t itt = pdu_itt(bhs);
	struct fz_task *t = fz_model_task(m, itt);
	if (t != NULL && t->answered < t->sent && !t->aborted) {
		/* §11.17.1: a second command with the ITT of a task in progress
		 * is rejected and the first keeps its sequence numbers. But the
		 * first may have been rejected itself (and so never started):
		 * until one of them shows progress, either may be the task, so
		 * the model allows what either allows. */
		t->sent++;
		if (t->data_in_sn == 0 && t->r2t_sn == 0) {
			t->read |= (pdu_flags(bhs) & ISCSI_CMD_READ) != 0;
			t->write |= (pdu_flags(bhs) & ISCSI_CMD_WRITE) != 0;
			if (pdu_w(bhs, PDU_SCSI_CMD_EDTL) > t->edtl)
				t->edtl = pdu_w(bhs, PDU_SCSI_CMD_EDTL);
		}
		return t;
	}
	if (t == NULL) {
		/* a free entry, else forget a finished one */
		for (unsigned i = 0; i < FZ_MODEL_TASKS && t == NULL; i++)
			if (!m->task[i].used)
				t = &m->task[i];
		for (unsigned i = 0; i < FZ_MODEL_TASKS && t == NULL; i++)
			if ((m->task[i].done || m->task[i].aborted) && !m->task[i].pattern)
				t = &m->task[i];
		if (t == NULL)
			return NULL; /* more commands in flight than the model holds */
		memset(t, 0, sizeof(*t));
	}
	struct fz_task keep = *t;
	memset(t, 0, sizeof(*t));
	if (keep.pattern) { /* an ITT reused: the old write's bytes stay on the disk */
		t->pattern = true;
		t->seed = keep.seed;
		t->disk_off = keep.disk_off;
		t->disk_len = keep.disk_len;
		t->last_status = keep.last_status;
	}
	t->used = true;
	t->itt = itt;
	t->cmd_sn = pdu_w(bhs, PDU_INI_CMDSN);
	t->sent = keep.sent + 1;
	t->answered = keep.answered;
	if (keep.aborted) /* the aborted one will never be answered */
		t->answered = t->sent - 1;
	t->read = pdu_flags(bhs) & ISCSI_CMD_READ;
	t->write = pdu_flags(bhs) & ISCSI_CMD_WRITE;
	t->edtl = pdu_w(bhs, PDU_SCSI_CMD_EDTL);
	/* §4.2.5.1: immediate data, then unsolicited Data-Out up to
	 * FirstBurstLength unless InitialR2T=Yes or the command said F. */
	uint32_t imm = pdu_dsl(bhs);
	t->unsol_off = imm;
	t->unsol_end = imm;
	if (t->write && !m->params.initial_r2t && !pdu_final(bhs)) {
		uint32_t fb = m->params.first_burst_length;
		t->unsol_end = t->edtl < fb ? t->edtl : fb;
	}
	return t;
}

void fz_model_pattern(struct fz_model *m, struct fz_task *t, uint8_t seed, uint64_t disk_off, uint32_t disk_len)
{
	FZ_CHECK(disk_off + disk_len <= m->disk_size, "pattern write outside the disk");
	t->pattern = true;
	t->seed = seed;
	t->disk_off = disk_off;
	t->disk_len = disk_len;
	if (disk_off < m->covered_lo)
		m->covered_lo = disk_off;
	if (disk_off + disk_len > m->covered_hi)
		m->covered_hi = disk_off + disk_len;
}

void fz_model_abort(struct fz_model *m, uint32_t itt, uint32_t ref)
{
	m->tmf_pending = true;
	m->tmf_itt = itt;
	m->tmf_ref = ref;
}

void fz_model_ended(struct fz_model *m, uint32_t itt)
{
	struct fz_task *t = fz_model_task(m, itt);
	if (t != NULL && t->answered < t->sent)
		t->aborted = true;
}

/* A status for t: one per command sent, none after an abort. */
static void model_status(struct fz_task *t, uint8_t status)
{
	FZ_CHECK(!t->aborted, "status for ITT 0x%08x after ABORT TASK completed", t->itt);
	FZ_CHECK(t->answered < t->sent, "status %u for ITT 0x%08x, sent %u times", t->answered + 1, t->itt,
		 t->sent);
	t->answered++;
	t->last_status = status;
	t->done = t->answered == t->sent;
	t->nr2t = 0;
	t->unsol_off = t->unsol_end;
}

/* The task a PDU names; NULL (blind model only) if unknown. */
static struct fz_task *model_live(struct fz_model *m, const uint8_t *bhs, const char *what)
{
	struct fz_task *t = fz_model_task(m, pdu_itt(bhs));
	if (t == NULL && m->blind)
		return NULL;
	FZ_CHECK(t != NULL, "%s for ITT 0x%08x, never sent", what, pdu_itt(bhs));
	FZ_CHECK(!t->aborted, "%s for ITT 0x%08x after ABORT TASK completed", what, t->itt);
	return t;
}

static void model_data_in(struct fz_model *m, const uint8_t *bhs, uint32_t len)
{
	struct fz_task *t = model_live(m, bhs, "Data-In");
	if (t == NULL)
		return;
	uint32_t sn = pdu_w(bhs, PDU_DATA_IN_DATASN), off = pdu_w(bhs, PDU_DATA_IN_BUFFER_OFFSET);
	FZ_CHECK(t->read, "Data-In for ITT 0x%08x, not a read", t->itt);
	if (m->params.error_recovery_level >= 1 && sn_lt(sn, t->data_in_sn)) {
		/* §11.16: sent again (Data SNACK, R-Data): within the
		 * command's data, without status (a status copy keeps its
		 * StatSN and fz_wire keeps it from here) */
		FZ_CHECK((uint64_t)off + len <= t->edtl, "Data-In sent again to %u beyond EDTL %u", off + len,
			 t->edtl);
		FZ_CHECK(!(pdu_flags(bhs) & ISCSI_DATAIN_STATUS), "Data-In sent again with a new status");
		return;
	}
	FZ_CHECK(sn == t->data_in_sn, "Data-In DataSN %u, expected %u", sn, t->data_in_sn);
	FZ_CHECK(off == t->data_in_off, "Data-In offset %u, expected %u", off, t->data_in_off);
	FZ_CHECK((uint64_t)off + len <= t->edtl, "Data-In to %u beyond EDTL %u", off + len, t->edtl);
	t->data_in_sn++;
	t->data_in_off += len;
	if (pdu_flags(bhs) & ISCSI_DATAIN_STATUS)
		model_status(t, bhs[PDU_DATA_IN_STATUS]);
}

static void model_r2t(struct fz_model *m, const uint8_t *bhs)
{
	struct fz_task *t = model_live(m, bhs, "R2T");
	if (t == NULL)
		return;
	uint32_t sn = pdu_w(bhs, PDU_R2T_R2TSN), off = pdu_w(bhs, PDU_R2T_BUFFER_OFFSET);
	uint32_t len = pdu_w(bhs, PDU_R2T_DESIRED_LENGTH);
	FZ_CHECK(t->write, "R2T for ITT 0x%08x, not a write", t->itt);
	bool erl1 = m->params.error_recovery_level >= 1;
	FZ_CHECK(sn == t->r2t_sn || (erl1 && sn_lt(sn, t->r2t_sn)), "R2TSN %u, expected %u", sn, t->r2t_sn);
	FZ_CHECK((uint64_t)off + len <= t->edtl, "R2T %u+%u beyond EDTL %u", off, len, t->edtl);
	FZ_CHECK(len <= m->params.max_burst_length, "R2T for %u bytes, MaxBurstLength %u", len,
		 m->params.max_burst_length);
	if (sn != t->r2t_sn)
		return; /* §11.16: an R2T sent again at an R2T SNACK */
	t->r2t_sn++;
	if (erl1) {
		/* §7.8: a recovery R2T asks again for the rest of a burst
		 * whose data was lost: it replaces that R2T. */
		for (unsigned k = 0; k < t->nr2t; k++) {
			struct fz_r2t *r = &t->r2t[k];
			if (off >= r->offset && off < r->offset + r->len) {
				*r = (struct fz_r2t){pdu_w(bhs, PDU_R2T_TTT), off, len, 0, 0};
				return;
			}
		}
	}
	FZ_CHECK(t->nr2t < FZ_MODEL_R2TS, "more than %u R2Ts outstanding", FZ_MODEL_R2TS);
	t->r2t[t->nr2t++] = (struct fz_r2t){pdu_w(bhs, PDU_R2T_TTT), off, len, 0, 0};
}

static void model_tmf_rsp(struct fz_model *m, const uint8_t *bhs)
{
	if (!m->tmf_pending || pdu_itt(bhs) != m->tmf_itt)
		return;
	m->tmf_pending = false;
	struct fz_task *t = fz_model_task(m, m->tmf_ref);
	/* §11.5.1: "function complete" means the task is gone; if its status
	 * went out first the abort found nothing to do. */
	if (bhs[PDU_TMF_RESPONSE] == ISCSI_TMF_RSP_COMPLETE && t != NULL && t->answered < t->sent)
		t->aborted = true;
}

void fz_model_pdu(struct fz_model *m, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	(void)data;
	switch (pdu_opcode(bhs)) {
	case ISCSI_OP_SCSI_RSP: {
		struct fz_task *t = model_live(m, bhs, "SCSI Response");
		if (t != NULL)
			model_status(t, bhs[PDU_SCSI_RSP_STATUS]);
		break;
	}
	case ISCSI_OP_DATA_IN:
		model_data_in(m, bhs, len);
		break;
	case ISCSI_OP_R2T:
		model_r2t(m, bhs);
		break;
	case ISCSI_OP_TMF_RSP:
		model_tmf_rsp(m, bhs);
		break;
	default:
		break;
	}
}

bool fz_model_next_data_out(struct fz_model *m, struct fz_task *t, uint32_t max, struct fz_data_out *d)
{
	uint32_t cap = m->max_xmit < max ? m->max_xmit : max;
	if (cap == 0 || t->aborted || t->done)
		return false;
	if (t->unsol_off < t->unsol_end) { /* unsolicited: TTT reserved (§11.7.4) */
		uint32_t n = t->unsol_end - t->unsol_off;
		d->len = n < cap ? n : cap;
		d->ttt = ISCSI_TAG_RESERVED;
		d->offset = t->unsol_off;
		d->data_sn = t->unsol_sn++;
		t->unsol_off += d->len;
		d->final = t->unsol_off == t->unsol_end;
		return true;
	}
	if (t->nr2t == 0)
		return false;
	struct fz_r2t *r = &t->r2t[0];
	uint32_t n = r->len - r->sent;
	d->len = n < cap ? n : cap;
	d->ttt = r->ttt;
	d->offset = r->offset + r->sent;
	d->data_sn = r->data_sn++;
	r->sent += d->len;
	d->final = r->sent == r->len;
	if (d->final)
		memmove(t->r2t, t->r2t + 1, --t->nr2t * sizeof(t->r2t[0]));
	return true;
}

/* The smallest logical block size: every write covers whole ones. */
#define DISK_UNIT 512u

/* Bytes [from, to) of the disk are all zero (fast: most of it is). */
static void check_zero(const uint8_t *disk, uint64_t from, uint64_t to)
{
	static const uint8_t zero[4096];
	for (uint64_t i = from; i < to; i += sizeof(zero)) {
		uint64_t n = to - i < sizeof(zero) ? to - i : sizeof(zero);
		if (memcmp(disk + i, zero, n) == 0)
			continue;
		for (uint64_t k = i; k < i + n; k++)
			FZ_CHECK(disk[k] == 0, "disk byte %llu is 0x%02x, no write covers it", (unsigned long long)k,
				 disk[k]);
	}
}

void fz_model_check_disk(const struct fz_model *m)
{
	if (m->covered_lo == UINT64_MAX) {
		check_zero(m->disk, 0, m->disk_size);
		return;
	}
	/* Writes cover whole blocks, so the model works in units of the
	 * smallest block size: per unit, how many pattern writes cover it and
	 * which one. */
	uint64_t lo = m->covered_lo / DISK_UNIT * DISK_UNIT, hi = m->covered_hi;
	uint64_t units = (hi - lo + DISK_UNIT - 1) / DISK_UNIT;
	check_zero(m->disk, 0, lo);
	check_zero(m->disk, hi, m->disk_size);
	uint8_t *count = calloc(units, 1);
	uint8_t *writer = calloc(units, 1);
	FZ_CHECK(count && writer, "out of memory");
	for (unsigned k = 0; k < FZ_MODEL_TASKS; k++) {
		const struct fz_task *t = &m->task[k];
		if (!t->used || !t->pattern)
			continue;
		FZ_CHECK(t->disk_off % DISK_UNIT == 0 && t->disk_len % DISK_UNIT == 0, "a pattern write of part of a block");
		for (uint64_t u = (t->disk_off - lo) / DISK_UNIT; u < (t->disk_off + t->disk_len - lo) / DISK_UNIT; u++) {
			count[u] += count[u] < 255;
			writer[u] = (uint8_t)k;
		}
	}
	static const uint8_t zero[DISK_UNIT];
	for (uint64_t u = 0; u < units; u++) {
		uint64_t at = lo + u * DISK_UNIT;
		const uint8_t *b = m->disk + at;
		if (count[u] == 0) {
			check_zero(m->disk, at, at + DISK_UNIT);
			continue;
		}
		if (count[u] > 1)
			continue; /* overlapping writes: any order is allowed */
		/* One write covers it: its pattern if it ended GOOD; its pattern
		 * or what was there (zeroes) otherwise (failed, aborted). */
		const struct fz_task *t = &m->task[writer[u]];
		uint8_t want[DISK_UNIT];
		for (uint32_t i = 0; i < DISK_UNIT; i++)
			want[i] = fz_model_byte(t->seed, (uint32_t)(at - t->disk_off) + i);
		bool good = t->done && t->last_status == 0 && !t->aborted;
		FZ_CHECK(memcmp(b, want, DISK_UNIT) == 0 || (!good && memcmp(b, zero, DISK_UNIT) == 0),
			 "disk bytes %llu..+%u hold neither the data of the write of ITT 0x%08x (%s) nor zeroes",
			 (unsigned long long)at, DISK_UNIT, t->itt, good ? "GOOD" : "not GOOD");
	}
	free(count);
	free(writer);
}
