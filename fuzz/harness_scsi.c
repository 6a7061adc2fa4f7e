/* harness scsi: CDB validation and dispatch for every opcode of the SCSI
 * layer (ref_target/scsi: SPC-4, SBC-3, SAM-5), with parameter lists as
 * data-out (MODE SELECT, PERSISTENT RESERVE OUT, UNMAP, WRITE SAME,
 * COMPARE AND WRITE, EXTENDED COPY, ...), several commands in flight,
 * three I_T nexuses (reservations and unit attentions between them) and
 * disk completions in any order or with errors.
 *
 * The LUs are the engine's own (rt_engine_create over fz_cfg: thin with
 * LBPRZ, 4 KiB removable, plain); commands go straight to scsi_cmd_decode
 * and scsi_cmd_exec, as core/task.c sends them.
 *
 * Input: an option byte (unused bits are free for later), two fz_cfg
 * bytes, then records. A record starts with a control byte:
 *   bit 7 set: a transport event (next byte: nexus loss, LU reset, warm
 *   or cold target reset, tasks cleared; the nexus and LU from its bits),
 *   delivered when nothing is in flight, as the transport does;
 *   else bits 1..0 nexus (A, B: two initiators on the open target; C on
 *   the CHAP target's LU), bit 2 a raw LUN byte follows (else LUN 0 or 1
 *   by bit 3), bits 5..4 completion (all in order; leave in flight;
 *   newest first; one with an error status), bit 6 the task attribute
 *   byte follows. Then the CDB length byte (up to 16: the iSCSI CDB field,
 *   zero padded; more: an extended CDB, RFC 7143 §11.3.5), the CDB, a
 *   16-bit data-out length (capped at what the CDB transfers) and data.
 *
 * Oracles: done() exactly once per executed command and never for one
 * that failed decode; a failed decode is CHECK CONDITION with sense; GOOD
 * carries no sense, CHECK CONDITION carries fixed or descriptor sense of
 * at most 252 bytes (SPC-4 §4.5); data-in within the allocation length;
 * every disk I/O inside its LU and only to an LU mapped for the command's
 * nexus (fz_env: the EXTENDED COPY CVE-2020-28374 class); once all I/O has
 * returned nothing is left in flight; all memory freed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine_int.h"
#include "fz.h"
#include "fz_cfg.h"
#include "fz_env.h"
#include "scsi/scsi.h"

#define SLOTS 8u
#define NEXUSES 3u

#define CTL_EVENT 0x80u
#define CTL_RAW_LUN 0x04u
#define CTL_LUN1 0x08u
#define CTL_ATTR 0x40u
enum { DONE_IN_ORDER = 0, DONE_LATER, DONE_NEWEST_FIRST, DONE_ERROR };

struct slot {
	bool busy;
	bool executed;
	int done_calls;
	struct scsi_cmd cmd;
};

struct sc {
	struct fz_cfg cfg;
	struct fz_env z;
	struct rt_engine *eng; /* owns the LUs */
	struct scsi_nexus nexus[NEXUSES];
	struct slot slot[SLOTS];
};

static const struct rt_lun_map map_ab[] = {{0, 0, false}, {1, 1, true}};
static const struct rt_lun_map map_c[] = {{0, 2, false}};

static const struct rt_lun_map *nexus_map(unsigned n, uint32_t *count)
{
	*count = n == 2 ? 1 : 2;
	return n == 2 ? map_c : map_ab;
}

static void sc_nexus(struct scsi_nexus *x, const char *initiator, unsigned isid, unsigned target)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->initiator_port, sizeof(x->initiator_port), "%s,i,0x80000000000%u", initiator, isid);
	x->initiator_name = initiator;
	x->target_name = fz_target_name(target);
	x->tpg_tag = 1;
	x->rel_port = 1;
}

/* SPC-4 §4.5: what a finished command must look like. */
static void check_finished(const struct scsi_cmd *cmd)
{
	FZ_CHECK(cmd->sense_len <= SCSI_SENSE_MAX, "sense of %u bytes", cmd->sense_len);
	FZ_CHECK(cmd->data_in_len <= cmd->xfer_len, "data-in %u over allocation %u", cmd->data_in_len,
		 cmd->xfer_len);
	switch (cmd->status) {
	case SCSI_STATUS_GOOD:
	case SCSI_STATUS_CONDITION_MET:
		FZ_CHECK(cmd->sense_len == 0, "status 0x%02x with sense", cmd->status);
		break;
	case SCSI_STATUS_CHECK_CONDITION: {
		uint8_t code = cmd->sense[0] & 0x7f;
		FZ_CHECK(cmd->sense_len >= 8 && code >= 0x70 && code <= 0x73, "CHECK CONDITION sense %u bytes, code 0x%02x",
			 cmd->sense_len, code);
		break;
	}
	case SCSI_STATUS_BUSY:
	case SCSI_STATUS_RESERVATION_CONFLICT:
	case SCSI_STATUS_TASK_SET_FULL:
	case SCSI_STATUS_TASK_ABORTED:
		break;
	default:
		FZ_CHECK(false, "status 0x%02x", cmd->status);
	}
}

static void sc_done(struct scsi_cmd *cmd)
{
	struct slot *s = cmd->owner;
	FZ_CHECK(s->executed && ++s->done_calls == 1, "done() called %d times", s->done_calls);
	check_finished(cmd);
}

static void slot_free(struct slot *s)
{
	free(s->cmd.buf);
	s->busy = false;
}

/* Free the slots whose command finished. */
static void sc_reap(struct sc *c)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (c->slot[i].busy && c->slot[i].done_calls == 1)
			slot_free(&c->slot[i]);
}

static bool sc_idle(const struct sc *c)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (c->slot[i].busy)
			return false;
	return true;
}

static void sc_drain(struct sc *c)
{
	fz_disk_run(&c->z, c->eng);
	sc_reap(c);
	FZ_CHECK(sc_idle(c), "a command is still in flight after all of its I/O returned");
}

static struct slot *sc_slot(struct sc *c)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (!c->slot[i].busy)
			return &c->slot[i];
	sc_drain(c); /* the transport's task pool is full: wait for some */
	return &c->slot[0];
}

static void sc_event(struct sc *c, uint8_t e)
{
	sc_drain(c);
	struct scsi_lu *lu = c->eng->lus[(e >> 2) % FZ_LU_COUNT];
	const struct scsi_nexus *x = &c->nexus[(e >> 4) % NEXUSES];
	switch (e & 3u) {
	case 0: scsi_nexus_lost(lu, x); break;
	case 1: scsi_lu_reset(lu, x); break;
	case 2: scsi_target_reset(lu, x, e & 0x40u); break;
	default: scsi_tasks_cleared(lu, x); break;
	}
}

static void sc_command(struct sc *c, uint8_t ctl, struct fz_in *in)
{
	unsigned n = (ctl & 3u) % NEXUSES;
	uint32_t count;
	const struct rt_lun_map *map = nexus_map(n, &count);
	uint64_t lun = (ctl & CTL_RAW_LUN) ? fz_u8(in) : (ctl & CTL_LUN1) ? 1 : 0;
	struct slot *s = sc_slot(c);
	struct scsi_cmd *cmd = &s->cmd;
	memset(s, 0, sizeof(*s));
	s->busy = true;
	cmd->nexus = &c->nexus[n];
	cmd->luns = map;
	cmd->lun_count = count;
	cmd->lun = lun;
	for (uint32_t i = 0; i < count; i++) {
		if (map[i].lun == lun) {
			cmd->lu = c->eng->lus[map[i].lu];
			cmd->read_only = map[i].read_only;
		}
	}
	cmd->attr = (ctl & CTL_ATTR) ? (enum scsi_task_attr)(fz_u8(in) % 5u) : SCSI_ATTR_SIMPLE;
	unsigned cdb_len = fz_u8(in);
	cmd->cdb_len = cdb_len <= 16 ? 16 : cdb_len > SCSI_CDB_MAX ? SCSI_CDB_MAX : cdb_len;
	fz_copy(in, cmd->cdb, cdb_len <= 16 ? cdb_len : cmd->cdb_len);
	cmd->done = sc_done;
	cmd->owner = s;
	uint32_t out_len = fz_u16(in);
	if (scsi_cmd_decode(cmd) != 0) {
		FZ_CHECK(cmd->status == SCSI_STATUS_CHECK_CONDITION && cmd->sense_len > 0,
			 "decode failed with status 0x%02x, %u sense bytes", cmd->status, cmd->sense_len);
		check_finished(cmd);
		s->busy = false;
		fz_bytes(in, out_len, &(size_t){0});
		return;
	}
	/* limits.h: RT_XFER_MAX is the most one command may ask for; decode
	 * caps or refuses anything longer (F1). */
	FZ_CHECK(cmd->xfer_len <= RT_XFER_MAX, "opcode 0x%02x decodes to %u bytes", cmd->cdb[0], cmd->xfer_len);
	/* The transport's buffer: exactly xfer_len, so ASan sees overruns;
	 * what nobody writes stands out. */
	cmd->buf = malloc(cmd->xfer_len ? cmd->xfer_len : 1);
	FZ_CHECK(cmd->buf != NULL, "out of memory");
	memset(cmd->buf, 0xee, cmd->xfer_len);
	cmd->buf_len = cmd->xfer_len;
	if (cmd->dir == SCSI_DIR_OUT) {
		size_t got;
		const uint8_t *p = fz_bytes(in, out_len < cmd->xfer_len ? out_len : cmd->xfer_len, &got);
		memcpy(cmd->buf, p, got);
		cmd->data_out_len = (uint32_t)got;
	} else {
		fz_bytes(in, out_len, &(size_t){0});
	}
	s->executed = true;
	scsi_cmd_exec(cmd);
	switch ((ctl >> 4) & 3u) {
	case DONE_IN_ORDER:
		fz_disk_run(&c->z, c->eng);
		break;
	case DONE_LATER:
		break;
	case DONE_NEWEST_FIRST:
		while (fz_disk_pending(&c->z) > 0)
			fz_disk_complete(&c->z, c->eng, fz_disk_pending(&c->z) - 1, RT_DISK_OK);
		break;
	default:
		fz_disk_complete(&c->z, c->eng, fz_u8(in), (enum rt_disk_status)(1 + fz_u8(in) % 4u));
		break;
	}
	sc_reap(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sc c;
	struct fz_in in;
	fz_in_init(&in, data, size);
	fz_u8(&in); /* options: none yet */
	memset(&c, 0, sizeof(c));
	fz_cfg_init(&c.cfg, &in);
	fz_env_init(&c.z, &c.cfg.cfg, fz_cfg_disk_size());
	c.eng = rt_engine_create(fz_rt_env(&c.z), &c.cfg.cfg);
	FZ_CHECK(c.eng != NULL, "rt_engine_create failed");
	sc_nexus(&c.nexus[0], FZ_INITIATOR, 1, FZ_T_OPEN);
	sc_nexus(&c.nexus[1], FZ_ACL_INITIATOR, 2, FZ_T_OPEN);
	sc_nexus(&c.nexus[2], FZ_INITIATOR, 3, FZ_T_CHAP);
	while (!fz_done(&in)) {
		uint8_t ctl = fz_u8(&in);
		if (ctl & CTL_EVENT)
			sc_event(&c, fz_u8(&in));
		else
			sc_command(&c, ctl, &in);
	}
	sc_drain(&c);
	rt_engine_destroy(c.eng);
	fz_env_fini(&c.z);
	return 0;
}
