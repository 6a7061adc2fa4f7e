/* test_scsi_harness: see test_scsi_harness.h. */
#include "test_scsi_harness.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi/bytes.h"

static void th_done(struct scsi_cmd *cmd)
{
	struct th_cmd *c = (struct th_cmd *)cmd;
	c->done_calls++;
}

/* scsi_transport.abort_tasks: record, and abort the other commands of
 * that nexus still running. */
static void th_abort_tasks(void *ctx, struct scsi_lu *lu, const char *port, uint16_t rel_port)
{
	struct th *t = ctx;
	assert(lu == t->lu);
	if (t->aborts < TH_ABORTS_MAX) {
		snprintf(t->abort[t->aborts].port, sizeof(t->abort[0].port), "%s", port);
		t->abort[t->aborts].rel_port = rel_port;
	}
	t->aborts++;
	for (unsigned i = 0; i < t->nothers; i++) {
		struct th_cmd *c = t->others[i];
		bool match = strcmp(c->nexus.initiator_port, port) == 0 &&
			     (rel_port == 0 || c->nexus.rel_port == rel_port);
		if (match && c->done_calls == 0 && !c->aborted) {
			c->aborted = true;
			scsi_cmd_abort(&c->cmd);
		}
	}
}

void th_init(struct th *t, uint64_t blocks, uint32_t bs, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	fake_env_init(&t->fe, blocks * bs);
	t->cfg = (struct rt_lu_cfg){
		.name = "lu0",
		.blocks = blocks,
		.block_size = bs,
		.flags = flags,
		.serial = "SN0001",
		.naa_id = 0x123456789ull,
		.vendor = "TESTVEND",
		.product = "TESTPROD",
	};
	t->tp = (struct scsi_transport){.ctx = t, .abort_tasks = th_abort_tasks};
	t->lu = scsi_lu_create(&t->fe.env, &t->cfg, 0, &t->tp);
	assert(t->lu != NULL);
	snprintf(t->nexus.initiator_port, sizeof(t->nexus.initiator_port),
		 "iqn.2026-11.test:init,i,0x23d000000001");
	t->nexus.initiator_name = "iqn.2026-11.test:init";
	t->nexus.target_name = "iqn.2026-11.test:target";
	t->nexus.tpg_tag = 1;
	t->nexus.rel_port = 1;
	t->luns[0] = (struct rt_lun_map){.lun = 0, .lu = 0};
	t->luns[1] = (struct rt_lun_map){.lun = 5, .lu = 0};
	t->luns[2] = (struct rt_lun_map){.lun = 300, .lu = 0};
	t->buf = calloc(1, TH_BUF_MAX);
	assert(t->buf != NULL);
}

void th_fini(struct th *t)
{
	assert(t->fe.npending == 0);
	scsi_lu_destroy(t->lu);
	assert(t->fe.live_bytes == 0); /* nothing leaked through env->alloc */
	free(t->buf);
	fake_env_fini(&t->fe);
}

void th_lu_recreate(struct th *t)
{
	scsi_lu_destroy(t->lu);
	t->lu = scsi_lu_create(&t->fe.env, &t->cfg, 0, &t->tp);
	assert(t->lu != NULL);
}

void th_prep(struct th *t, const uint8_t *cdb, uint32_t cdb_len)
{
	struct scsi_cmd *cmd = &t->c.cmd;
	memset(&t->c, 0, sizeof(t->c));
	cmd->lu = t->unmapped ? NULL : t->lu;
	cmd->read_only = t->map_ro;
	cmd->nexus = &t->nexus;
	cmd->luns = t->luns;
	cmd->lun_count = 3;
	memcpy(cmd->cdb, cdb, cdb_len);
	cmd->cdb_len = 16; /* the iSCSI CDB field is 16 bytes (RFC 7143 §11.3) */
	if (cdb_len > 16)
		cmd->cdb_len = cdb_len;
	cmd->attr = SCSI_ATTR_SIMPLE;
	cmd->buf = t->buf;
	cmd->buf_len = TH_BUF_MAX;
	cmd->done = th_done;
	cmd->owner = t;
	/* whatever is not written stands out (the first 64 KiB are enough to
	 * see it, and cheap under Valgrind) */
	memset(t->buf, 0xee, TH_POISON_LEN);
}

int th_start(struct th *t, const uint8_t *cdb, uint32_t cdb_len, const void *data_out, uint32_t data_out_len)
{
	struct scsi_cmd *cmd = &t->c.cmd;
	th_prep(t, cdb, cdb_len);
	cmd->edtl = data_out_len; /* the initiator sends what it expects to (RFC 7143 §11.3.4) */
	if (scsi_cmd_decode(cmd) != 0)
		return -1;
	assert(cmd->xfer_len <= TH_BUF_MAX);
	if (data_out != NULL && data_out_len > 0)
		memcpy(cmd->buf, data_out, data_out_len);
	cmd->data_out_len = data_out_len;
	scsi_cmd_exec(cmd);
	return 0;
}

int th_start_other(struct th *t, struct th_cmd *c, uint8_t *buf, const uint8_t *cdb, uint32_t cdb_len,
		   const void *data_out, uint32_t data_out_len)
{
	memset(c, 0, sizeof(*c));
	c->cmd = t->c.cmd; /* the same nexus, LU and mapping */
	c->cmd.buf = buf;
	c->cmd.done = th_done;
	memset(c->cmd.cdb, 0, sizeof(c->cmd.cdb));
	memcpy(c->cmd.cdb, cdb, cdb_len);
	c->cmd.lu = t->unmapped ? NULL : t->lu;
	c->nexus = t->nexus;
	c->cmd.nexus = &c->nexus;
	if (t->nothers < TH_ABORTS_MAX)
		t->others[t->nothers++] = c;
	c->cmd.luns = t->luns;
	c->cmd.lun_count = 3;
	c->cmd.cdb_len = 16;
	c->cmd.edtl = data_out_len;
	if (scsi_cmd_decode(&c->cmd) != 0)
		return -1;
	if (data_out != NULL && data_out_len > 0)
		memcpy(buf, data_out, data_out_len);
	c->cmd.data_out_len = data_out_len;
	scsi_cmd_exec(&c->cmd);
	return 0;
}

unsigned th_pending(const struct th *t)
{
	return t->fe.npending;
}

/* Take pending request i out of the fake disk's queue. */
static struct rt_disk_io *th_take(struct th *t, unsigned i)
{
	struct fake_env *f = &t->fe;
	assert(i < f->npending);
	struct rt_disk_io *io = f->pending[i];
	memmove(f->pending + i, f->pending + i + 1, (f->npending - i - 1) * sizeof(f->pending[0]));
	f->npending--;
	return io;
}

void th_complete(struct th *t, unsigned i, enum rt_disk_status st)
{
	struct rt_disk_io *io = th_take(t, i);
	if (st == RT_DISK_OK)
		fake_disk_apply(&t->fe, io);
	else
		io->status = st;
	scsi_disk_done(io);
}

struct rt_disk_io *th_apply(struct th *t, unsigned i)
{
	struct rt_disk_io *io = th_take(t, i);
	fake_disk_apply(&t->fe, io);
	return io;
}

void th_complete_map(struct th *t, unsigned i, bool mapped, uint64_t blocks)
{
	struct rt_disk_io *io = th_take(t, i);
	assert(io->op == RT_DISK_MAP_STATUS);
	io->status = RT_DISK_OK;
	io->mapped = mapped;
	io->run_len = blocks * t->cfg.block_size;
	scsi_disk_done(io);
}

unsigned th_disk_run(struct th *t)
{
	unsigned n = 0;
	while (t->fe.npending > 0) {
		th_complete(t, 0, RT_DISK_OK);
		n++;
		assert(n < 1000000);
	}
	return n;
}

int th_run(struct th *t, const uint8_t *cdb, uint32_t cdb_len, const void *data_out, uint32_t data_out_len)
{
	if (th_start(t, cdb, cdb_len, data_out, data_out_len) != 0) {
		assert(t->c.done_calls == 0);
		return t->c.cmd.status;
	}
	th_disk_run(t);
	assert(t->c.done_calls == 1);
	return t->c.cmd.status;
}

void th_clear_ua(struct th *t)
{
	static const uint8_t tur[6] = {0};
	for (int i = 0; i < 16; i++)
		if (th_run(t, tur, 6, NULL, 0) == SCSI_STATUS_GOOD)
			return;
	assert(!"unit attentions do not clear");
}

struct th_sense th_sense(const struct th *t)
{
	const uint8_t *s = t->c.cmd.sense;
	struct th_sense r = {0};
	if (t->c.cmd.sense_len == 0)
		return r;
	if ((s[0] & 0x7f) == 0x72) {
		r.descriptor = true;
		r.key = s[1] & 0xf;
		r.asc = s[2];
		r.ascq = s[3];
		for (uint32_t off = 8; off + 2 <= 8u + s[7]; off += 2u + s[off + 1]) {
			const uint8_t *d = s + off;
			if (d[0] == 0x00) {
				r.info_valid = d[2] & 0x80;
				r.info = get_be64(d + 4);
			} else if (d[0] == 0x02) {
				r.sks_valid = d[4] & 0x80;
				r.sks[0] = d[4] & 0x7f;
				r.sks[1] = d[5];
				r.sks[2] = d[6];
			}
		}
	} else {
		r.key = s[2] & 0xf;
		r.asc = s[12];
		r.ascq = s[13];
		r.info_valid = s[0] & 0x80;
		r.info = get_be32(s + 3);
		r.sks_valid = s[15] & 0x80;
		r.sks[0] = s[15] & 0x7f;
		r.sks[1] = s[16];
		r.sks[2] = s[17];
	}
	return r;
}

bool th_check(const struct th *t, uint8_t key, uint8_t asc, uint8_t ascq)
{
	struct th_sense s = th_sense(t);
	return t->c.cmd.status == SCSI_STATUS_CHECK_CONDITION && s.key == key && s.asc == asc && s.ascq == ascq;
}

bool th_check_field(const struct th *t, uint16_t byte, uint8_t bit)
{
	struct th_sense s = th_sense(t);
	if (!th_check(t, 0x5, 0x24, 0x00) || !s.sks_valid || !(s.sks[0] & 0x40))
		return false;
	if (get_be16(s.sks + 1) != byte)
		return false;
	if (bit == 0xff)
		return !(s.sks[0] & 0x08);
	return (s.sks[0] & 0x08) && (s.sks[0] & 0x07) == bit;
}

void th_disk_fill(struct th *t, uint64_t lba, uint64_t blocks, uint8_t value)
{
	memset(t->fe.disk + lba * t->cfg.block_size, value, blocks * t->cfg.block_size);
}

uint8_t *th_disk(struct th *t, uint64_t lba)
{
	return t->fe.disk + lba * t->cfg.block_size;
}

uint32_t th_cdb_rw(uint8_t *cdb, uint8_t opcode, uint64_t lba, uint32_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = opcode;
	switch (opcode >> 5) {
	case 0:
		put_be24(cdb + 1, (uint32_t)lba & 0x1fffff);
		cdb[4] = (uint8_t)blocks;
		return 6;
	case 1:
	case 2:
		put_be32(cdb + 2, (uint32_t)lba);
		put_be16(cdb + 7, (uint16_t)blocks);
		return 10;
	case 5:
		put_be32(cdb + 2, (uint32_t)lba);
		put_be32(cdb + 6, blocks);
		return 12;
	default:
		put_be64(cdb + 2, lba);
		put_be32(cdb + 10, blocks);
		return 16;
	}
}
