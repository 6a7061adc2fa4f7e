/* fz_env: see fz_env.h. The wrappers find their fz_env from the ctx that
 * fake_env hands every callback: the fake_env is fz_env's first member. */
#include "fz_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"
#include "scsi/lu.h"
#include "scsi/scsi.h"

/* One allocation larger than this is a bug whatever the input: the largest
 * legitimate buffer is a task's data (RT_XFER_MAX, or a negotiated burst
 * below ISCSI_BURST_MAX), plus the receive staging buffer. */
#define FZ_ALLOC_ONE_MAX ((size_t)ISCSI_BURST_MAX + 4096u)

static struct fz_env *fz_of(void *ctx)
{
	return (struct fz_env *)ctx;
}

static void *fz_alloc(void *ctx, size_t size)
{
	struct fz_env *z = fz_of(ctx);
	FZ_CHECK(size > 0, "an allocation of 0 bytes");
	/* F1: no command's buffer exceeds RT_XFER_MAX; nothing else is
	 * larger than one PDU's data. */
	FZ_CHECK(size <= FZ_ALLOC_ONE_MAX, "one allocation of %zu bytes", size);
	void *p = z->base.alloc(ctx, size);
	if (z->fe.live_bytes > z->live_peak)
		z->live_peak = z->fe.live_bytes;
	FZ_CHECK(z->live_max == 0 || z->fe.live_bytes <= z->live_max,
		 "%zu bytes live, bound %zu (allocating %zu)", z->fe.live_bytes, z->live_max, size);
	return p;
}

/* The nexus that submitted io may reach its LU: io->owner is the SCSI
 * command (scsi.h: the SCSI layer submits cmd->io with itself as owner),
 * whose luns[] is the nexus's LUN inventory. */
static bool fz_io_in_nexus(const struct rt_disk_io *io)
{
	const struct scsi_cmd *cmd = io->owner;
	if (cmd == NULL)
		return false;
	/* An LU's own job (a SANITIZE that outlives its command) belongs to
	 * no nexus: it may touch its own LU and nothing else. */
	if (cmd->lun_count == 0)
		return cmd->lu != NULL && cmd->lu->index == io->lu;
	for (uint32_t i = 0; i < cmd->lun_count; i++)
		if (cmd->luns[i].lu == io->lu)
			return true;
	return false;
}

static void fz_disk_submit(void *ctx, struct rt_disk_io *io)
{
	struct fz_env *z = fz_of(ctx);
	const struct rt_config *cfg = z->cfg;
	z->disk_ios++;
	FZ_CHECK(io->lu < cfg->lu_count, "disk I/O for LU %u of %u", io->lu, cfg->lu_count);
	FZ_CHECK(fz_io_in_nexus(io), "disk I/O (op %d) for LU %u by opcode 0x%02x, not mapped for its nexus",
		 io->op, io->lu, io->owner ? ((const struct scsi_cmd *)io->owner)->cdb[0] : 0);
	const struct rt_lu_cfg *lu = &cfg->lus[io->lu];
	uint64_t size = lu->blocks * lu->block_size;
	if (io->op != RT_DISK_FLUSH) {
		FZ_CHECK(io->offset % lu->block_size == 0 && io->len % lu->block_size == 0,
			 "disk I/O op %d at %llu+%llu: not whole %u-byte blocks", io->op,
			 (unsigned long long)io->offset, (unsigned long long)io->len, lu->block_size);
		FZ_CHECK(io->offset <= size && io->len <= size - io->offset,
			 "disk I/O op %d at %llu+%llu beyond the LU's %llu bytes", io->op,
			 (unsigned long long)io->offset, (unsigned long long)io->len,
			 (unsigned long long)size);
	}
	if (io->op == RT_DISK_READ || io->op == RT_DISK_WRITE || io->op == RT_DISK_COMPARE_WRITE)
		FZ_CHECK(io->buf != NULL || io->len == 0, "disk I/O op %d without a buffer", io->op);
	if (io->op == RT_DISK_COMPARE_WRITE)
		FZ_CHECK((lu->flags & RT_LU_COMPARE_WRITE) && io->len > 0 && io->len <= lu->compare_write_max,
			 "COMPARE_WRITE of %llu bytes on LU %u (flags 0x%x, bound %u)", (unsigned long long)io->len,
			 io->lu, lu->flags, lu->compare_write_max);
	z->base.disk_submit(ctx, io);
}

static void fz_log(void *ctx, enum rt_log_level level, const char *msg)
{
	struct fz_env *z = fz_of(ctx);
	if (z->log)
		fprintf(stderr, "[%d] %s\n", (int)level, msg);
}

void fz_env_init(struct fz_env *z, const struct rt_config *cfg, uint64_t disk_size)
{
	memset(z, 0, sizeof(*z));
	fake_env_init(&z->fe, disk_size);
	z->base = z->fe.env;
	z->cfg = cfg;
	z->fe.env.alloc = fz_alloc;
	z->fe.env.disk_submit = fz_disk_submit;
	z->fe.env.log = fz_log; /* fake_env's reads getenv per line: too slow here */
	z->log = getenv("FZ_LOG") != NULL;
	for (uint32_t i = 0; cfg && i < cfg->lu_count; i++)
		FZ_CHECK(cfg->lus[i].blocks * cfg->lus[i].block_size <= disk_size, "LU %u does not fit", i);
}

void fz_env_fini(struct fz_env *z)
{
	z->fe.npending = 0;
	FZ_CHECK(z->fe.live_bytes == 0, "%zu bytes never freed", z->fe.live_bytes);
	fake_env_fini(&z->fe);
}

unsigned fz_disk_pending(const struct fz_env *z)
{
	return z->fe.npending;
}

bool fz_disk_complete(struct fz_env *z, struct rt_engine *eng, unsigned i, enum rt_disk_status st)
{
	struct fake_env *f = &z->fe;
	if (f->npending == 0)
		return false;
	i %= f->npending;
	struct rt_disk_io *io = f->pending[i];
	memmove(f->pending + i, f->pending + i + 1, (f->npending - i - 1) * sizeof(f->pending[0]));
	f->npending--;
	if (st != RT_DISK_OK) {
		io->status = st;
		rt_on_disk_done(eng, io);
		return true;
	}
	/* fake_disk_run applies and delivers everything pending: let it see
	 * only io (and what its completion submits), then put the rest back
	 * in front, in their order. */
	struct rt_disk_io *rest[FAKE_PENDING_IO];
	unsigned nrest = f->npending;
	memcpy(rest, f->pending, nrest * sizeof(rest[0]));
	f->pending[0] = io;
	f->npending = 1;
	fake_disk_run(f, eng);
	memcpy(f->pending, rest, nrest * sizeof(rest[0]));
	f->npending = nrest;
	return true;
}

void fz_disk_run(struct fz_env *z, struct rt_engine *eng)
{
	fake_disk_run(&z->fe, eng);
}
