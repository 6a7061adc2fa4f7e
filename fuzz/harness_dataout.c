/* harness dataout: write data transfer against live tasks (core/task,
 * RFC 7143 §4.2.5, §11.3, §11.7, §11.8): immediate data, unsolicited
 * Data-Out up to FirstBurstLength, R2Ts within MaxBurstLength and
 * MaxOutstandingR2T, DataSN, BufferOffset and F-bit arithmetic, TTTs,
 * aborts while data is in flight, disk completions in any order.
 *
 * The engine runs in fz_world; one connection logs in to the open target
 * with session parameters from the input, then the records drive it.
 * Input: two fz_cfg bytes, a login-keys byte, a split plan, then records,
 * each a type byte and its fields:
 *   0 command: kind (WRITE 6/10/12/16, LUN 0 or the read-only LUN 1,
 *     EDTL exact or raw, immediate data none/full/raw, F bit as the RFC
 *     wants or flipped), LBA and block count;
 *   1 the right next Data-Out for a task (the model answers its R2Ts and
 *     unsolicited burst), at most a length from the input;
 *   2 a Data-Out with raw TTT choice, DataSN, offset, length and F;
 *   3 complete one disk I/O, OK or with an error;   4 complete all;
 *   5 ABORT TASK for a task;   6 time passes;   7 NOP-Out ping.
 * With ErrorRecoveryLevel 1 (keys byte bit 7, fz_world_keys) a raw
 * Data-Out whose DataSN skips ahead gets a recovery R2T (§7.9), which the
 * model answers in place of the broken one.
 * Data bytes are always fz_model_byte(seed, offset) for the offset the
 * PDU claims, so wherever the target puts them the model knows what the
 * disk must hold.
 *
 * Oracles: fz_wire on every PDU, fz_model (status once, R2T and Data-In
 * sequences, nothing after an abort, and the disk holding exactly the
 * GOOD writes' data and nothing where no write may go: the read-only LUN
 * included), fz_env (I/O inside the LU, bounded memory), fz_world (no
 * state left once the connection is gone).
 */
#include <string.h>

#include "core/pdu.h"
#include "fz.h"
#include "fz_model.h"
#include "fz_world.h"
#include "scsi/scsi.h"

enum { REC_CMD = 0, REC_GOOD_DATA, REC_RAW_DATA, REC_DISK_ONE, REC_DISK_ALL, REC_ABORT, REC_TICK, REC_NOP,
       REC_KINDS };

/* Command byte bits. */
#define CMD_OP_MASK 0x03u    /* WRITE(6), (10), (12), (16) */
#define CMD_LUN1 0x04u       /* the read-only LUN */
#define CMD_RAW_EDTL 0x08u
#define CMD_IMM_FULL 0x10u
#define CMD_IMM_RAW 0x20u
#define CMD_FLIP_F 0x40u

#define TASKS_MAX 8u
#define BLOCKS_MAX 64u

struct dout {
	struct fz_world w;
	struct fz_model m;
	struct fz_conn *c;
	uint32_t cmd_sn;
	uint32_t itt;
	struct fz_task *tasks[TASKS_MAX];
	uint64_t lun[TASKS_MAX];
	unsigned ntasks;
	uint8_t data[ISCSI_FIRST_BURST_DEFAULT]; /* one PDU's data: fz_cfg's MRDSL is far below */
};

static void dout_pdu(struct fz_conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct dout *d = (struct dout *)c->w; /* fz_world is dout's first member */
	fz_model_pdu(&d->m, bhs, data, len);
}

static void dout_pattern(struct dout *d, uint8_t seed, uint32_t off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		d->data[i] = fz_model_byte(seed, off + i);
}

/* The CDB of a write of n blocks at lba (SBC-3 §5.x WRITE(6/10/12/16)). */
static void dout_cdb(uint8_t *cdb, unsigned kind, uint32_t lba, uint32_t n)
{
	static const uint8_t ops[4] = {0x0a, 0x2a, 0xaa, 0x8a};
	memset(cdb, 0, ISCSI_CDB_LEN);
	cdb[0] = ops[kind];
	switch (kind) {
	case 0: put_be24(cdb + 1, lba & 0x1fffff); cdb[4] = (uint8_t)n; break;
	case 1: put_be32(cdb + 2, lba); put_be16(cdb + 7, (uint16_t)n); break;
	case 2: put_be32(cdb + 2, lba); put_be32(cdb + 6, n); break;
	default: put_be64(cdb + 2, lba); put_be32(cdb + 10, n); break;
	}
}

static void dout_command(struct dout *d, struct fz_in *in)
{
	uint8_t k = fz_u8(in);
	const struct rt_config *cfg = &d->w.cfg.cfg;
	uint64_t lun = (k & CMD_LUN1) ? 1 : 0;
	const struct rt_lu_cfg *lu = &cfg->lus[cfg->targets[FZ_T_OPEN].tpgs[0].luns[lun].lu];
	uint32_t n = 1 + fz_u8(in) % BLOCKS_MAX;
	uint32_t lba = fz_u16(in) % (uint32_t)lu->blocks;
	if (lba + n > lu->blocks)
		n = (uint32_t)lu->blocks - lba;
	uint32_t xfer = n * lu->block_size;
	uint32_t edtl = (k & CMD_RAW_EDTL) ? fz_u32(in) : xfer;
	uint32_t imm = 0;
	if (k & CMD_IMM_RAW)
		imm = fz_u16(in);
	else if (k & CMD_IMM_FULL)
		imm = edtl < d->c->sess_params.first_burst_length ? edtl : d->c->sess_params.first_burst_length;
	if (imm > d->c->params.max_recv_dsl) /* what the target accepts per PDU */
		imm = d->c->params.max_recv_dsl;
	if (imm > sizeof(d->data))
		imm = sizeof(d->data);
	/* §11.3.1: F=1 unless unsolicited Data-Out follows (InitialR2T=No and
	 * more than the immediate data within FirstBurstLength). */
	bool unsol = !d->c->sess_params.initial_r2t && imm < edtl && imm < d->c->sess_params.first_burst_length;
	bool f = !unsol ^ ((k & CMD_FLIP_F) != 0);
	uint8_t bhs[ISCSI_BHS_LEN];
	fz_world_bhs(d->c, bhs, ISCSI_OP_SCSI_CMD, (f ? ISCSI_FLAG_FINAL : 0) | ISCSI_CMD_WRITE | SCSI_ATTR_SIMPLE, lun);
	uint32_t itt = d->itt++;
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, edtl);
	pdu_set_w(bhs, PDU_INI_CMDSN, d->cmd_sn++);
	dout_cdb(bhs + PDU_SCSI_CMD_CDB, k & CMD_OP_MASK, lba, n);
	pdu_set_dsl(bhs, imm);
	if (!fz_world_cmd_taken(&d->w, d->c, bhs)) { /* we wait for a slot */
		d->cmd_sn--;
		return;
	}
	struct fz_task *t = fz_model_command(&d->m, bhs);
	if (t == NULL) { /* more commands in flight than the model holds: not sent */
		d->cmd_sn--;
		return;
	}
	/* What a GOOD write may change: the whole blocks the initiator can
	 * send (an EDTL below the transfer length is an overflow, §11.4.5.1:
	 * the SCSI layer writes the blocks received, sbc_blocks_received);
	 * on the read-only LUN nothing at all. */
	uint32_t sent = edtl < xfer ? edtl / lu->block_size * lu->block_size : xfer;
	if (lun == 0)
		fz_model_pattern(&d->m, t, (uint8_t)itt, (uint64_t)lba * lu->block_size, sent);
	else
		t->seed = (uint8_t)itt;
	if (d->ntasks < TASKS_MAX) {
		d->lun[d->ntasks] = lun;
		d->tasks[d->ntasks++] = t;
	}
	dout_pattern(d, t->seed, 0, imm);
	fz_world_send(&d->w, d->c, bhs, NULL, 0, d->data, imm);
}

static struct fz_task *dout_pick(struct dout *d, struct fz_in *in, uint64_t *lun)
{
	uint8_t i = fz_u8(in);
	if (d->ntasks == 0)
		return NULL;
	*lun = d->lun[i % d->ntasks];
	return d->tasks[i % d->ntasks];
}

static void dout_good(struct dout *d, struct fz_in *in)
{
	uint64_t lun;
	struct fz_task *t = dout_pick(d, in, &lun);
	uint32_t max = fz_u16(in);
	struct fz_data_out o;
	if (t && fz_model_next_data_out(&d->m, t, max ? max : UINT32_MAX, &o))
		fz_world_data_out(&d->w, d->c, t, lun, &o);
}

static void dout_raw(struct dout *d, struct fz_in *in)
{
	uint64_t lun;
	struct fz_task *t = dout_pick(d, in, &lun);
	uint8_t how = fz_u8(in);
	struct fz_data_out o;
	switch (how & 3u) {
	case 0: o.ttt = ISCSI_TAG_RESERVED; break;
	case 1: o.ttt = (t && t->nr2t) ? t->r2t[0].ttt : ISCSI_TAG_RESERVED; break;
	case 2: o.ttt = (t && t->nr2t) ? t->r2t[0].ttt ^ (1u << (fz_u8(in) % 32)) : 0; break;
	default: o.ttt = fz_u32(in); break;
	}
	o.data_sn = (how & 4u) ? fz_u32(in) : fz_u8(in);
	o.offset = (how & 8u) ? fz_u32(in) : fz_u16(in);
	o.len = fz_u16(in) % (d->c->params.max_recv_dsl + 64u); /* a little over, sometimes */
	o.final = how & 0x10u;
	if (t != NULL)
		fz_world_data_out(&d->w, d->c, t, lun, &o);
}

static void dout_abort(struct dout *d, struct fz_in *in)
{
	uint64_t lun;
	struct fz_task *t = dout_pick(d, in, &lun);
	if (t == NULL)
		return;
	uint8_t bhs[ISCSI_BHS_LEN];
	fz_world_bhs(d->c, bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK, lun);
	uint32_t itt = d->itt++;
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, t->itt);
	pdu_set_w(bhs, PDU_INI_CMDSN, d->cmd_sn);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, t->cmd_sn);
	fz_model_abort(&d->m, itt, t->itt);
	fz_world_send(&d->w, d->c, bhs, NULL, 0, NULL, 0);
}

static void dout_nop(struct dout *d)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	fz_world_bhs(d->c, bhs, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL, 0);
	pdu_set_w(bhs, PDU_ITT, d->itt++);
	pdu_set_w(bhs, PDU_NOP_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, d->cmd_sn);
	fz_world_send(&d->w, d->c, bhs, NULL, 0, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dout d;
	struct fz_in in;
	fz_in_init(&in, data, size);
	fz_world_init(&d.w, &in);
	d.w.on_pdu = dout_pdu;
	fz_model_init(&d.m, d.w.z.fe.disk, d.w.z.fe.disk_size);
	d.ntasks = 0;
	d.cmd_sn = 1;
	d.itt = 0x100;
	char keys[512];
	uint32_t klen = fz_world_keys(keys, sizeof(keys), fz_u8(&in));
	d.c = fz_world_accept(&d.w, 0); /* never refused: no shutdown here */
	fz_split_read(&d.c->split, &in);
	if (fz_world_login(&d.w, d.c, FZ_T_OPEN, keys, klen, d.cmd_sn, false) == 0) {
		d.m.params = d.c->sess_params;
		d.m.max_xmit = d.c->params.max_recv_dsl;
		while (!fz_done(&in) && d.c->open) {
			switch (fz_u8(&in) % REC_KINDS) {
			case REC_CMD: dout_command(&d, &in); break;
			case REC_GOOD_DATA: dout_good(&d, &in); break;
			case REC_RAW_DATA: dout_raw(&d, &in); break;
			case REC_DISK_ONE:
				fz_disk_complete(&d.w.z, d.w.eng, fz_u8(&in), (enum rt_disk_status)(fz_u8(&in) % 5u));
				fz_world_check(&d.w);
				break;
			case REC_DISK_ALL: fz_disk_run(&d.w.z, d.w.eng); fz_world_check(&d.w); break;
			case REC_ABORT: dout_abort(&d, &in); break;
			case REC_TICK: fz_world_tick(&d.w, 100u * fz_u8(&in)); break;
			default: dout_nop(&d); break;
			}
		}
		fz_disk_run(&d.w.z, d.w.eng);
		fz_world_check(&d.w);
		fz_model_check_disk(&d.m);
	}
	fz_world_fini(&d.w);
	return 0;
}
