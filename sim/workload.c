/* workload: see workload.h. */
#include "workload.h"

#include "block.h"
#include "time.h"

/* SBC-3 opcodes. */
enum {
	OP_READ10 = 0x28,
	OP_WRITE10 = 0x2a,
	OP_SYNC_CACHE10 = 0x35,
	OP_UNMAP = 0x42,
	OP_COMPARE_AND_WRITE = 0x89,
};
#define CDB_FUA 0x08u          /* WRITE(10) byte 1 bit 3 (SBC-3 §5.40) */
#define SK_MEDIUM_ERROR 0x3u
#define SK_ILLEGAL_REQUEST 0x5u
#define SK_MISCOMPARE 0xeu
#define UNMAP_PARAM_LEN 24u    /* header + one block descriptor (SBC-3 §5.28.2) */
#define POISON 0xa5u           /* fills read buffers: data never sent shows as corrupt */

static const char *const op_names[WL_OPS] = {
	[WL_READ] = "read", [WL_WRITE] = "write", [WL_WRITE_FUA] = "write_fua",
	[WL_FLUSH] = "flush", [WL_UNMAP] = "unmap", [WL_CAW] = "caw",
};

const char *wl_op_name(enum wl_op op)
{
	return op < WL_OPS ? op_names[op] : "unknown";
}

static size_t buf_size(const struct wl_cfg *c)
{
	/* CAW needs two blocks (compare + write) for one LBA. */
	uint32_t blocks = c->max_blocks < 2 ? 2 : c->max_blocks;
	return (size_t)blocks * c->block_size;
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
	w->slots = sim_zalloc(mem, sizeof(*w->slots) * cfg->qd);
	for (uint32_t i = 0; i < cfg->qd; i++) {
		w->slots[i].buf = sim_zalloc(mem, buf_size(cfg));
		w->slots[i].next_at = rng_exp(&w->rng, cfg->think_mean_ns);
		w->slots[i].io.owner = &w->slots[i];
	}
	w->seen = sim_zalloc(mem, sizeof(*w->seen) * cfg->blocks);
}

void wl_fini(struct workload *w)
{
	for (uint32_t i = 0; i < w->cfg->qd; i++)
		sim_free(w->mem, w->slots[i].buf, buf_size(w->cfg));
	sim_free(w->mem, w->slots, sizeof(*w->slots) * w->cfg->qd);
	sim_free(w->mem, w->seen, sizeof(*w->seen) * w->cfg->blocks);
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
	uint64_t span = rng_chance(&w->rng, c->hot_ppm) && c->hot_blocks > 0 ? c->hot_blocks : c->blocks;
	if (span > c->blocks)
		span = c->blocks;
	s->lba = rng_below(&w->rng, span);
	s->n = 1 + (uint32_t)rng_below(&w->rng, max);
	if (s->lba + s->n > c->blocks)
		s->n = (uint32_t)(c->blocks - s->lba);
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

static void prepare(struct workload *w, struct wl_slot *s)
{
	const struct wl_cfg *c = w->cfg;
	uint32_t bs = c->block_size;
	struct icmd *cmd = &s->io.cmd;
	*cmd = (struct icmd){ .lun = 0, .attr = 1, .buf = s->buf };
	switch (s->op) {
	case WL_READ:
		pick_range(w, s, c->max_blocks);
		cdb_rw10(cmd->cdb, OP_READ10, s->lba, s->n);
		cmd->dir = ICMD_IN;
		cmd->len = s->n * bs;
		memset(s->buf, POISON, cmd->len);
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
	case WL_OPS:
		assert(0 && "not an operation");
	}
}

static void issue(struct workload *w, struct wl_slot *s)
{
	s->op = pick_op(w);
	s->busy = true;
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
	for (uint32_t i = 0; i < w->cfg->qd; i++) {
		struct wl_slot *s = &w->slots[i];
		if (!s->busy && s->next_at <= now)
			issue(w, s);
	}
}

uint64_t wl_next_deadline(const struct workload *w)
{
	uint64_t d = SIM_NEVER;
	for (uint32_t i = 0; i < w->cfg->qd; i++)
		if (!w->slots[i].busy && w->slots[i].next_at < d)
			d = w->slots[i].next_at;
	return d < w->cfg->stop_at_ns ? d : SIM_NEVER;
}

uint64_t wl_version_of(const struct mp_io *io)
{
	const struct wl_slot *s = io->owner;
	return s->busy ? s->ver : 0;
}

unsigned wl_outstanding(const struct workload *w)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < w->cfg->qd; i++)
		n += w->slots[i].busy;
	return n;
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

static void note_seen(struct workload *w, const struct wl_slot *s)
{
	uint32_t bs = w->cfg->block_size;
	for (uint32_t i = 0; i < s->n; i++) {
		const uint8_t *b = s->buf + (size_t)i * bs;
		uint64_t ver, other;
		if (block_decode(b, bs, s->lba + i, &ver, &other) <= BLOCK_OK)
			w->seen[s->lba + i] = ver;
	}
}

static bool judge(struct workload *w, struct wl_slot *s)
{
	const struct mp_io *io = &s->io;
	bool ok = io->result == MP_OK;
	if (io->result == MP_CHECK && sense_key(&io->cmd) == SK_MEDIUM_ERROR)
		w->stats.medium_errors++;
	switch (s->op) {
	case WL_READ:
		odata_read_end(w->od, s->read_token);
		if (!ok)
			return true;
		note_seen(w, s);
		return odata_read_check(w->od, s->lba, s->n, s->buf, s->invoke, w->now);
	case WL_WRITE:
	case WL_WRITE_FUA:
		for (uint32_t i = 0; ok && i < s->n; i++)
			w->seen[s->lba + i] = s->ver;
		return odata_end(w->od, s->ver, ok ? OD_ACKED : OD_INDETERMINATE, w->now);
	case WL_FLUSH:
		if (ok)
			odata_flush_done(w->od, s->invoke);
		return true;
	case WL_UNMAP:
		if (ok)
			w->seen[s->lba] = 0;
		return odata_end(w->od, s->ver, ok ? OD_ACKED : unsupported(io) ? OD_NO_EFFECT : OD_INDETERMINATE,
			w->now);
	case WL_CAW:
		odata_read_end(w->od, s->read_token);
		if (ok) {
			w->seen[s->lba] = s->ver;
			/* The compared value was the block's value when the write happened. */
			if (!odata_read_check(w->od, s->lba, 1, s->buf, s->invoke, w->now))
				return false;
			return odata_end(w->od, s->ver, OD_ACKED, w->now);
		}
		if (io->result == MP_CHECK && sense_key(&io->cmd) == SK_MISCOMPARE) {
			w->stats.miscompares++;
			return odata_end(w->od, s->ver, OD_NO_EFFECT, w->now);
		}
		return odata_end(w->od, s->ver, unsupported(io) ? OD_NO_EFFECT : OD_INDETERMINATE, w->now);
	case WL_OPS:
		break;
	}
	return true;
}

void wl_io_done(struct workload *w, uint64_t now, struct mp_io *io)
{
	w->now = now;
	struct wl_slot *s = io->owner;
	assert(s->busy);
	s->busy = false;
	uint64_t lat = now - s->invoke;
	w->stats.completed++;
	w->stats.latency_sum_ns += lat;
	if (lat > w->stats.latency_max_ns)
		w->stats.latency_max_ns = lat;
	if (io->result == MP_OK)
		w->stats.ok[s->op]++;
	else
		w->stats.failed[s->op]++;
	if (io->result == MP_NO_PATH)
		w->stats.no_path++;
	if (io->result == MP_RETRIES)
		w->stats.retried_out++;
	if (unsupported(io) && (s->op == WL_UNMAP || s->op == WL_CAW))
		w->disabled[s->op] = true;
	trace_ev(w->tr, now, TEV_IO, "done", w->ini, (int)(s - w->slots), lat, io->result,
		",\"op\":\"%s\",\"result\":%d,\"status\":%u,\"sense\":\"%x/%02x/%02x\",\"attempts\":%u,\"lat_ns\":%llu",
		op_names[s->op], io->result, io->cmd.status, sense_key(&io->cmd), sense_asc(&io->cmd, 0),
		sense_asc(&io->cmd, 1), io->attempts, (unsigned long long)lat);
	if (!judge(w, s))
		w->failed = true;
	s->next_at = now + rng_exp(&w->rng, w->cfg->think_mean_ns);
	s->ver = 0;
}
