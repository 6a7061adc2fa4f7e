/* workload: see workload.h. */
#include "sim/initiator/workload.h"

#include <stdio.h>

#include "sim/initiator/block.h"
#include "sim/base/time.h"

/* SBC-3 opcodes. */
enum {
	OP_READ10 = 0x28,
	OP_WRITE10 = 0x2a,
	OP_SYNC_CACHE10 = 0x35,
	OP_UNMAP = 0x42,
	OP_PERSISTENT_RESERVE_OUT = 0x5f,
	OP_COMPARE_AND_WRITE = 0x89,
};
#define CDB_FUA 0x08u          /* WRITE(10) byte 1 bit 3 (SBC-3 §5.40) */
#define SK_MEDIUM_ERROR 0x3u
#define SK_ILLEGAL_REQUEST 0x5u
#define SK_MISCOMPARE 0xeu
#define UNMAP_PARAM_LEN 24u    /* header + one block descriptor (SBC-3 §5.28.2) */
#define PROUT_RESERVE 0x01u    /* SPC-4 §6.16.2 service action */
#define PROUT_PARAM_LEN 24u    /* basic parameter list (SPC-4 §6.16.3) */
#define ST_RESERVATION_CONFLICT 0x18u /* SAM-5 §5.3 */
#define PR_RETRY_NS SIM_S(1)   /* a RESERVE that failed is tried again after this */
#define POISON 0xa5u           /* fills read buffers: data never sent shows as corrupt */

static const char *const op_names[WL_OPS] = {
	[WL_READ] = "read", [WL_WRITE] = "write", [WL_WRITE_FUA] = "write_fua",
	[WL_FLUSH] = "flush", [WL_UNMAP] = "unmap", [WL_CAW] = "caw", [WL_RESERVE] = "reserve",
	[WL_ODD] = "odd",
};

#define ODD_RESERVED_FIRST 0x60u /* SPC-4 §4.2.5.1 group 3, reserved ... */
#define ODD_RESERVED_N 30u       /* ... up to 7Dh */
#define ODD_VENDOR_FIRST 0xc0u   /* groups 6 and 7: vendor specific */
#define ASC_INVALID_OPCODE 0x20u /* SPC-4 §4.5.6 */
#define ASC_LUN_NOT_SUPPORTED 0x25u

uint8_t wl_odd_opcode(uint32_t i)
{
	assert(i < WL_ODD_OPCODES);
	return (uint8_t)(i < ODD_RESERVED_N ? ODD_RESERVED_FIRST + i : ODD_VENDOR_FIRST + (i - ODD_RESERVED_N));
}

const char *wl_op_name(enum wl_op op)
{
	return op < WL_OPS ? op_names[op] : "unknown";
}

int wl_cfg_check(const struct wl_cfg *c, uint32_t bs, char *why, size_t cap)
{
	if (c->qd < 1 || c->qd > 64) {
		snprintf(why, cap, "qd must be 1..64");
		return -1;
	}
	if (c->max_blocks < 1 || c->max_blocks > ODATA_WRITE_BLOCKS_MAX) {
		snprintf(why, cap, "max_blocks must be 1..%u", ODATA_WRITE_BLOCKS_MAX);
		return -1;
	}
	if ((uint64_t)c->qd * c->max_blocks * bs > WL_BUF_BYTES_MAX) {
		snprintf(why, cap, "qd=%u x max_blocks=%u x block_size=%u is over %llu bytes of buffers a host "
			"(workload.h WL_BUF_BYTES_MAX)", c->qd, c->max_blocks, bs, (unsigned long long)WL_BUF_BYTES_MAX);
		return -1;
	}
	return 0;
}

bool wl_op_in_tput(enum wl_op op)
{
	return op == WL_READ || op == WL_WRITE || op == WL_WRITE_FUA;
}

static size_t buf_size(const struct wl_cfg *c)
{
	/* CAW needs two blocks (compare + write) for one LBA; an odd command
	 * up to WL_ODD_XFER_MAX. */
	uint32_t blocks = c->max_blocks < 2 ? 2 : c->max_blocks;
	size_t n = (size_t)blocks * c->block_size;
	if (c->weight[WL_ODD] != 0 && n < WL_ODD_XFER_MAX)
		n = WL_ODD_XFER_MAX;
	return n;
}

/* A slot's in_map: a bit per byte of its buffer. */
static size_t in_map_words(size_t bytes)
{
	return (bytes + 63) / 64;
}

/* A read's bytes no Data-In wrote since it was prepared become POISON,
 * before anything looks at them: what a buffer poisoned whole at
 * submission would hold, since Data-In is the only writer of a read's
 * buffer (sim/initiator/session_cmd.c). */
static void poison_unwritten(struct wl_slot *s, size_t len)
{
	size_t words = in_map_words(len);
	for (size_t w = 0; w < words; w++) {
		/* most reads got all their bytes: skip 256 at a time */
		while (w + 4 <= words && (s->in_map[w] & s->in_map[w + 1] & s->in_map[w + 2] & s->in_map[w + 3]) == ~0ull &&
			(w + 4) * 64 <= len)
			w += 4;
		if (w >= words)
			break;
		uint64_t m = s->in_map[w];
		size_t at = w * 64, n = len - at < 64 ? len - at : 64;
		if (m == ~0ull)
			continue;
		if (m == 0) {
			memset(s->buf + at, POISON, n);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			if (!((m >> i) & 1u))
				s->buf[at + i] = POISON;
	}
}

/* Slot s's busy or next_at changed: its idle_at and busy_n follow. */
static void slot_changed(struct workload *w, const struct wl_slot *s)
{
	w->idle_at[s - w->slots] = s->busy ? SIM_NEVER : s->next_at;
}

void wl_init(struct workload *w, const struct wl_cfg *cfg, const struct sim_mem *mem, const struct sim_rng *rng,
	struct odata *od, struct mpath *mp, struct sim_trace *tr, int ini)
{
	memset(w, 0, sizeof(*w));
	assert(cfg->max_blocks >= 1 && cfg->max_blocks <= ODATA_WRITE_BLOCKS_MAX);
	w->cfg = cfg;
	w->mem = mem;
	w->rng = *rng;
	w->od = od;
	w->mp = mp;
	w->tr = tr;
	w->ini = ini;
	w->nslots = cfg->qd + (cfg->hb_interval_ns != 0);
	w->slots = sim_zalloc(mem, sizeof(*w->slots) * w->nslots);
	for (uint32_t i = 0; i < w->nslots; i++) {
		w->slots[i].buf = sim_zalloc(mem, buf_size(cfg));
		w->slots[i].in_map = sim_zalloc(mem, in_map_words(buf_size(cfg)) * sizeof(uint64_t));
		w->slots[i].next_at = cfg->start_at_ns + rng_exp(&w->rng, cfg->think_mean_ns);
		w->slots[i].io.owner = &w->slots[i];
	}
	if (cfg->hb_interval_ns != 0) {
		assert(cfg->blocks > WL_HB_BLOCKS && (unsigned)ini < WL_HB_BLOCKS);
		w->slots[cfg->qd].heartbeat = true;
		w->slots[cfg->qd].next_at = cfg->start_at_ns + cfg->hb_interval_ns;
	}
	w->idle_at = sim_alloc(mem, sizeof(*w->idle_at) * w->nslots);
	for (uint32_t i = 0; i < w->nslots; i++)
		slot_changed(w, &w->slots[i]);
	w->seen = sim_zalloc(mem, sizeof(*w->seen) * cfg->blocks);
	w->pr_at = w->pr_held_since = SIM_NEVER;
	w->stats.failover_ns = SIM_NEVER;
	tput_init(&w->stats.tput);
	w->stats.tput_end_ns = cfg->stop_at_ns;
}

void wl_set_reservation(struct workload *w, uint64_t key, uint8_t type, uint64_t at)
{
	w->pr_key = key;
	w->pr_type = type;
	w->pr_at = at;
}

void wl_fini(struct workload *w)
{
	for (uint32_t i = 0; i < w->nslots; i++) {
		sim_free(w->mem, w->slots[i].buf, buf_size(w->cfg));
		sim_free(w->mem, w->slots[i].in_map, in_map_words(buf_size(w->cfg)) * sizeof(uint64_t));
	}
	sim_free(w->mem, w->idle_at, sizeof(*w->idle_at) * w->nslots);
	sim_free(w->mem, w->slots, sizeof(*w->slots) * w->nslots);
	sim_free(w->mem, w->seen, sizeof(*w->seen) * w->cfg->blocks);
	sim_free(w->mem, w->decoded, sizeof(*w->decoded) * w->decoded_cap);
}

static enum wl_op pick_op(struct workload *w)
{
	uint64_t total = 0;
	for (int i = 0; i < WL_OPS; i++)
		total += w->disabled[i] ? 0 : w->cfg->weight[i];
	if (total == 0)
		return WL_READ;
	uint64_t r = rng_below(&w->rng, total);
	for (int i = 0; i < WL_OPS; i++) {
		uint64_t wt = w->disabled[i] ? 0 : w->cfg->weight[i];
		if (r < wt)
			return (enum wl_op)i;
		r -= wt;
	}
	return WL_READ;
}

static void pick_range(struct workload *w, struct wl_slot *s, uint32_t max)
{
	const struct wl_cfg *c = w->cfg;
	uint64_t end = c->hb_interval_ns != 0 ? c->blocks - WL_HB_BLOCKS : c->blocks;
	uint64_t span = rng_chance(&w->rng, c->hot_ppm) && c->hot_blocks > 0 ? c->hot_blocks : end;
	if (span > end)
		span = end;
	if (s->heartbeat) {
		s->lba = c->blocks - 1 - (uint64_t)w->ini;
		s->n = 1;
		return;
	}
	s->lba = rng_below(&w->rng, span);
	s->n = 1 + (uint32_t)rng_below(&w->rng, max);
	if (s->lba + s->n > end)
		s->n = (uint32_t)(end - s->lba);
}

static void cdb_rw10(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t n)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	put_be32(cdb + 2, (uint32_t)lba);
	put_be16(cdb + 7, (uint16_t)n);
}

static void fill_blocks(struct workload *w, uint8_t *buf, uint64_t lba, uint32_t n, uint64_t ver)
{
	uint32_t bs = w->cfg->block_size;
	for (uint32_t i = 0; i < n; i++)
		block_fill(buf + (size_t)i * bs, bs, lba + i, ver);
}

/* An odd command: a drawn opcode (wl_odd_opcode), the other CDB bytes
 * drawn, and a third each moving nothing, claiming Data-Out (sent) or
 * asking for Data-In. Nothing is registered with the data oracle: it
 * writes no version, so any block it changed would read as written by no
 * one. */
static void prepare_odd(struct workload *w, struct wl_slot *s)
{
	struct icmd *cmd = &s->io.cmd;
	cmd->cdb[0] = wl_odd_opcode((uint32_t)rng_below(&w->rng, WL_ODD_OPCODES));
	for (int i = 1; i < 16; i++)
		cmd->cdb[i] = (uint8_t)rng_below(&w->rng, 256);
	s->lba = 0;
	s->n = 0;
	uint32_t len = 1 + (uint32_t)rng_below(&w->rng, WL_ODD_XFER_MAX);
	switch (rng_below(&w->rng, 3)) {
	case 0:
		cmd->dir = ICMD_NONE;
		break;
	case 1:
		cmd->dir = ICMD_OUT;
		cmd->len = len;
		memset(s->buf, POISON, len);
		break;
	default:
		cmd->dir = ICMD_IN;
		cmd->len = len;
		memset(s->buf, POISON, len);
		break;
	}
}

static void prepare(struct workload *w, struct wl_slot *s)
{
	const struct wl_cfg *c = w->cfg;
	uint32_t bs = c->block_size;
	struct icmd *cmd = &s->io.cmd;
	*cmd = (struct icmd){ .lun = w->cfg->lun, .attr = 1, .buf = s->buf };
	switch (s->op) {
	case WL_READ:
		pick_range(w, s, c->max_blocks);
		cdb_rw10(cmd->cdb, OP_READ10, s->lba, s->n);
		cmd->dir = ICMD_IN;
		cmd->len = s->n * bs;
		/* Poisoned at completion where no Data-In wrote (poison_unwritten):
		 * the same bytes as poisoning all of it now, without a memset of
		 * every read (9% of a 4 KiB world's instructions, callgrind). */
		memset(s->in_map, 0, in_map_words(cmd->len) * sizeof(*s->in_map));
		cmd->in_map = s->in_map;
		s->read_token = odata_read_begin(w->od, w->now);
		break;
	case WL_WRITE:
	case WL_WRITE_FUA:
		pick_range(w, s, c->max_blocks);
		s->ver = odata_begin(w->od, OD_WRITE, s->lba, s->n, s->op == WL_WRITE_FUA, w->now);
		cdb_rw10(cmd->cdb, OP_WRITE10, s->lba, s->n);
		if (s->op == WL_WRITE_FUA)
			cmd->cdb[1] |= CDB_FUA;
		cmd->dir = ICMD_OUT;
		cmd->len = s->n * bs;
		fill_blocks(w, s->buf, s->lba, s->n, s->ver);
		break;
	case WL_FLUSH:
		cmd->cdb[0] = OP_SYNC_CACHE10;
		cmd->dir = ICMD_NONE;
		break;
	case WL_UNMAP:
		pick_range(w, s, c->max_blocks);
		s->ver = odata_begin(w->od, OD_UNMAP, s->lba, s->n, false, w->now);
		cmd->cdb[0] = OP_UNMAP;
		put_be16(cmd->cdb + 7, UNMAP_PARAM_LEN);
		memset(s->buf, 0, UNMAP_PARAM_LEN);
		put_be16(s->buf, UNMAP_PARAM_LEN - 2);     /* UNMAP DATA LENGTH */
		put_be16(s->buf + 2, UNMAP_PARAM_LEN - 8); /* BLOCK DESCRIPTOR DATA LENGTH */
		put_be64(s->buf + 8, s->lba);
		put_be32(s->buf + 16, s->n);
		cmd->dir = ICMD_OUT;
		cmd->len = UNMAP_PARAM_LEN;
		break;
	case WL_CAW:
		pick_range(w, s, 1);
		s->expect = w->seen[s->lba];
		s->ver = odata_begin(w->od, OD_WRITE, s->lba, 1, false, w->now);
		if (s->expect == 0)
			memset(s->buf, 0, bs);
		else
			fill_blocks(w, s->buf, s->lba, 1, s->expect);
		fill_blocks(w, s->buf + bs, s->lba, 1, s->ver);
		/* The compare reads the block: old values must stay checkable. */
		s->read_token = odata_read_begin(w->od, w->now);
		cmd->cdb[0] = OP_COMPARE_AND_WRITE;
		put_be64(cmd->cdb + 2, s->lba);
		cmd->cdb[13] = 1; /* NUMBER OF LOGICAL BLOCKS */
		cmd->dir = ICMD_OUT;
		cmd->len = 2 * bs;
		break;
	case WL_RESERVE:
		cmd->cdb[0] = OP_PERSISTENT_RESERVE_OUT;
		cmd->cdb[1] = PROUT_RESERVE;
		cmd->cdb[2] = w->pr_type; /* SCOPE 0 (logical unit), TYPE */
		put_be32(cmd->cdb + 5, PROUT_PARAM_LEN);
		memset(s->buf, 0, PROUT_PARAM_LEN);
		put_be64(s->buf, w->pr_key); /* RESERVATION KEY */
		cmd->dir = ICMD_OUT;
		cmd->len = PROUT_PARAM_LEN;
		break;
	case WL_ODD:
		prepare_odd(w, s);
		break;
	case WL_OPS:
		assert(0 && "not an operation");
	}
}

static enum wl_op next_op(struct workload *w, const struct wl_slot *s)
{
	if (s->heartbeat)
		return w->hb_reread ? WL_READ : WL_CAW;
	if (w->pr_key != 0 && w->pr_at <= w->now) {
		w->pr_at = SIM_NEVER; /* one RESERVE at a time */
		return WL_RESERVE;
	}
	return pick_op(w);
}

static void issue(struct workload *w, struct wl_slot *s)
{
	if (wl_outstanding(w) == 0)
		w->stall_since = w->now;
	s->op = next_op(w, s);
	s->busy = true;
	w->busy_n++;
	slot_changed(w, s);
	s->invoke = w->now;
	prepare(w, s);
	w->stats.issued[s->op]++;
	trace_ev(w->tr, w->now, TEV_IO, "submit", w->ini, (int)(s - w->slots), s->lba, s->n,
		",\"op\":\"%s\",\"lba\":%llu,\"blocks\":%u,\"ver\":%llu", op_names[s->op], (unsigned long long)s->lba,
		s->n, (unsigned long long)s->ver);
	mpath_submit(w->mp, w->now, &s->io);
}

void wl_on_time(struct workload *w, uint64_t now)
{
	w->now = now;
	if (now >= w->cfg->stop_at_ns)
		return;
	/* idle_at[i] is slot i's next_at when it is not busy (SIM_NEVER
	 * when it is), kept as issue() changes slots: only due slots are
	 * touched. */
	for (uint32_t i = 0; i < w->nslots; i++)
		if (w->idle_at[i] <= now)
			issue(w, &w->slots[i]);
}

uint64_t wl_next_deadline(const struct workload *w)
{
	uint64_t d = SIM_NEVER;
	for (uint32_t i = 0; i < w->nslots; i++)
		if (w->idle_at[i] < d)
			d = w->idle_at[i];
	return d < w->cfg->stop_at_ns ? d : SIM_NEVER;
}

uint64_t wl_version_of(const struct mp_io *io)
{
	const struct wl_slot *s = io->owner;
	return s->busy ? s->ver : 0;
}

bool wl_io_writes(const struct mp_io *io)
{
	const struct wl_slot *s = io->owner;
	return s->op == WL_WRITE || s->op == WL_WRITE_FUA || s->op == WL_UNMAP || s->op == WL_CAW;
}

uint64_t wl_io_invoked(const struct mp_io *io)
{
	return ((const struct wl_slot *)io->owner)->invoke;
}

unsigned wl_outstanding(const struct workload *w)
{
	return w->busy_n;
}

static uint8_t sense_key(const struct icmd *c)
{
	if (c->sense_len < 3)
		return 0;
	uint8_t code = c->sense[0] & 0x7f;
	return (code == 0x72 || code == 0x73) ? c->sense[1] & 0xf : c->sense[2] & 0xf;
}

/* ASC (which 0) or ASCQ (which 1), fixed or descriptor format (SPC-4 §4.5). */
static uint8_t sense_asc(const struct icmd *c, int which)
{
	uint8_t code = c->sense[0] & 0x7f;
	bool desc = code == 0x72 || code == 0x73;
	unsigned off = desc ? 2u + (unsigned)which : 12u + (unsigned)which;
	return c->sense_len > off ? c->sense[off] : 0;
}

/* The LU refuses this command kind outright: stop issuing it. */
static bool unsupported(const struct mp_io *io)
{
	return io->result == MP_CHECK && io->cmd.status == 0x02 && sense_key(&io->cmd) == SK_ILLEGAL_REQUEST;
}

static bool conflict(const struct mp_io *io)
{
	return io->result == MP_CHECK && io->cmd.status == ST_RESERVATION_CONFLICT;
}

/* The target said it did not execute the command (SAM-5 §5.3: a
 * RESERVATION CONFLICT, like an unsupported command, changes nothing). */
static enum odata_outcome failed_write(const struct mp_io *io)
{
	return unsupported(io) || conflict(io) ? OD_NO_EFFECT : OD_INDETERMINATE;
}

/* Decode a read's blocks once (into w->decoded, for the data oracle
 * too) and note the versions this initiator saw. */
static void note_seen(struct workload *w, const struct wl_slot *s)
{
	uint32_t bs = w->cfg->block_size;
	w->decoded = sim_grow(w->mem, w->decoded, sizeof(*w->decoded), &w->decoded_cap, s->n);
	for (uint32_t i = 0; i < s->n; i++) {
		struct block_seen *d = &w->decoded[i];
		d->other_lba = 0;
		d->kind = block_decode(s->buf + (size_t)i * bs, bs, s->lba + i, &d->version, &d->other_lba);
		if (d->kind <= BLOCK_OK)
			w->seen[s->lba + i] = d->version;
	}
}

static bool judge_caw(struct workload *w, struct wl_slot *s)
{
	const struct mp_io *io = &s->io;
	odata_read_end(w->od, s->read_token);
	if (io->result == MP_OK) {
		w->seen[s->lba] = s->ver;
		/* The compared value was the block's value when the write happened,
		 * and no other COMPARE AND WRITE replaced that same value. */
		if (!odata_read_check(w->od, s->lba, 1, s->buf, s->invoke, w->now) ||
			!odata_caw_won(w->od, s->lba, s->expect, s->ver, s->invoke))
			return false;
		return odata_end(w->od, s->ver, OD_ACKED, w->now);
	}
	if (io->result == MP_CHECK && sense_key(&io->cmd) == SK_MISCOMPARE) {
		w->stats.miscompares++;
		/* A heartbeat that lost track of its block reads it first (the
		 * host re-reads the ATS record and goes on from what it holds). */
		if (s->heartbeat)
			w->hb_reread = true;
		return odata_end(w->od, s->ver, OD_NO_EFFECT, w->now);
	}
	return odata_end(w->od, s->ver, failed_write(io), w->now);
}

/* SPC-4 §4.5.6, SAM-5 §5.3: an operation code the device server does not
 * implement ends in CHECK CONDITION, ILLEGAL REQUEST, INVALID COMMAND
 * OPERATION CODE. GOOD (it was executed as something) or another ILLEGAL
 * REQUEST (the CDB was read as some command's) is the violation; 05/25/00
 * (the LU unmapped on that port) and answers multipath acts on (UNIT
 * ATTENTION, BUSY, standby: retried; no path: never answered) are not
 * about the opcode. */
static void judge_odd(struct workload *w, const struct wl_slot *s)
{
	const struct mp_io *io = &s->io;
	const struct icmd *c = &io->cmd;
	bool check = io->result == MP_CHECK && c->status == 0x02;
	const char *bad = NULL;
	if (io->result == MP_OK)
		bad = "GOOD";
	else if (check && sense_key(c) == SK_ILLEGAL_REQUEST &&
		!(sense_asc(c, 0) == ASC_INVALID_OPCODE && sense_asc(c, 1) == 0) &&
		sense_asc(c, 0) != ASC_LUN_NOT_SUPPORTED)
		bad = "ILLEGAL REQUEST with another reason";
	if (bad == NULL) {
		if (check && sense_key(c) == SK_ILLEGAL_REQUEST)
			w->stats.odd_refused++;
		return;
	}
	if (w->bad_answer)
		return;
	w->bad_answer = true;
	snprintf(w->answer_why, sizeof(w->answer_why),
		"opcode %02Xh (not implemented: SPC-4 §4.5.6 wants 05/20/00 INVALID COMMAND OPERATION CODE) answered %s "
		"(status %02x, sense %x/%02x/%02x)",
		c->cdb[0], bad, c->status, sense_key(c), sense_asc(c, 0), sense_asc(c, 1));
}

static bool judge(struct workload *w, struct wl_slot *s)
{
	const struct mp_io *io = &s->io;
	bool ok = io->result == MP_OK;
	if (io->result == MP_CHECK && sense_key(&io->cmd) == SK_MEDIUM_ERROR)
		w->stats.medium_errors++;
	if (conflict(io))
		w->stats.conflicts++;
	switch (s->op) {
	case WL_READ:
		odata_read_end(w->od, s->read_token);
		if (!ok)
			return true;
		note_seen(w, s);
		if (s->heartbeat)
			w->hb_reread = false;
		return odata_read_check_seen(w->od, s->lba, s->n, w->decoded, s->invoke, w->now);
	case WL_WRITE:
	case WL_WRITE_FUA:
		for (uint32_t i = 0; ok && i < s->n; i++)
			w->seen[s->lba + i] = s->ver;
		return odata_end(w->od, s->ver, ok ? OD_ACKED : failed_write(io), w->now);
	case WL_FLUSH:
		if (ok)
			odata_flush_done(w->od, s->invoke);
		return true;
	case WL_UNMAP:
		if (ok)
			w->seen[s->lba] = 0;
		return odata_end(w->od, s->ver, ok ? OD_ACKED : failed_write(io), w->now);
	case WL_CAW:
		return judge_caw(w, s);
	case WL_RESERVE:
		if (ok)
			w->pr_held_since = w->now;
		else
			w->pr_at = w->now + PR_RETRY_NS;
		return true;
	case WL_ODD:
		judge_odd(w, s);
		return true;
	case WL_OPS:
		break;
	}
	return true;
}

/* A GOOD completion at now of io: the first since the first fault that
 * moved to another gateway is the failover (wl_stats.failover_ns). */
static void failover_note(struct workload *w, uint64_t now, const struct mp_io *io)
{
	if (w->stats.failover_ns == SIM_NEVER && now >= w->cfg->fault_at_ns && io->first_gw >= 0 &&
		io->last_gw != io->first_gw)
		w->stats.failover_ns = now - w->cfg->fault_at_ns;
}

void wl_io_done(struct workload *w, uint64_t now, struct mp_io *io)
{
	w->now = now;
	struct wl_slot *s = io->owner;
	assert(s->busy);
	s->busy = false;
	w->busy_n--;
	slot_changed(w, s);
	if (s->op == WL_READ)
		poison_unwritten(s, (size_t)s->n * w->cfg->block_size);
	uint64_t lat = now - s->invoke;
	w->stats.completed++;
	w->stats.latency_sum_ns += lat;
	if (lat > w->stats.latency_max_ns)
		w->stats.latency_max_ns = lat;
	if (s->op == WL_ODD) {
		/* not application I/O: judged by judge_odd, counted there */
	} else if (io->result == MP_OK) {
		w->stats.ok[s->op]++;
		if (now - w->stall_since > w->stats.stall_max_ns)
			w->stats.stall_max_ns = now - w->stall_since;
		w->stall_since = now;
		failover_note(w, now, io);
		if (wl_op_in_tput(s->op))
			tput_add(&w->stats.tput, now, (uint64_t)s->n * w->cfg->block_size);
	} else {
		w->stats.failed[s->op]++;
		/* io_stall_max is the longest time I/O was outstanding and none
		 * completed GOOD: a stall can end in failures too (no_path_retry
		 * fail: the queue fails up, nothing is left outstanding), and
		 * the next issue starts a new one. Measured here as `isim
		 * guest-check` measures the real initiator's; before, only a
		 * GOOD completion ended a stall, and 05 fail's 9 s one was 0.02 s. */
		if (s->op != WL_ODD && wl_outstanding(w) == 0 && now - w->stall_since > w->stats.stall_max_ns)
			w->stats.stall_max_ns = now - w->stall_since;
	}
	if (io->result == MP_NO_PATH && s->op != WL_ODD)
		w->stats.no_path++;
	if (io->result == MP_RETRIES && s->op != WL_ODD)
		w->stats.retried_out++;
	if (unsupported(io) && (s->op == WL_UNMAP || s->op == WL_CAW))
		w->disabled[s->op] = true;
	trace_ev(w->tr, now, TEV_IO, "done", w->ini, (int)(s - w->slots), lat, io->result,
		",\"op\":\"%s\",\"result\":%d,\"status\":%u,\"sense\":\"%x/%02x/%02x\",\"attempts\":%u,\"lat_ns\":%llu",
		op_names[s->op], io->result, io->cmd.status, sense_key(&io->cmd), sense_asc(&io->cmd, 0),
		sense_asc(&io->cmd, 1), io->attempts, (unsigned long long)lat);
	if (!judge(w, s))
		w->failed = true;
	s->next_at = now + (s->heartbeat ? w->cfg->hb_interval_ns : rng_exp(&w->rng, w->cfg->think_mean_ns));
	slot_changed(w, s);
	s->ver = 0;
}
