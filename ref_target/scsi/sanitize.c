/* sanitize: see sanitize.h. */
#include "sanitize.h"

#include <string.h>

#include "bytes.h"
#include "cmd.h"
#include "lu.h"
#include "mode.h"
#include "sbc.h"

#define SANITIZE_IMMED 0x80u /* CDB byte 1 */
#define SANITIZE_PARAM_LEN_FIELD 7u
/* OVERWRITE parameter list: byte 0 INVERT (7), TEST (6:5), OVERWRITE
 * COUNT (4:0); bytes 2-3 INITIALIZATION PATTERN LENGTH; the pattern. */
#define OVERWRITE_HDR_LEN 4u
#define OVERWRITE_INVERT 0x80u
#define OVERWRITE_TEST 0x60u
#define OVERWRITE_COUNT 0x1fu

enum {
	SANITIZE_STEP_WRITE = 1,
	SANITIZE_STEP_ERASE = 2,
	SANITIZE_STEP_FLUSH = 3,
};

/* The pattern-filled chunk a sanitize writes from, in cmd->priv. */
struct overwrite {
	uint64_t next;       /* next LBA of this pass */
	uint32_t pass, passes;
	uint32_t chunk_blocks;
	uint8_t data[] __attribute__((aligned(8)));
};

/* An IMMED sanitize: the job command and a copy of its parameters. */
struct sanitize_job {
	struct scsi_cmd cmd;
	uint8_t param[];
};

uint16_t sanitize_progress(const struct scsi_lu *lu)
{
	const struct sanitize *s = &lu->sanitize;
	if (s->total == 0)
		return 0;
	return (uint16_t)(s->done * 65536u / (s->total + 1));
}

/* SBC-4 §4.11: a sanitize that does not finish leaves the medium in the
 * failed state, until EXIT FAILURE MODE or another sanitize. */
void sanitize_abandon(struct scsi_cmd *cmd)
{
	cmd->lu->sanitize.running = false;
	cmd->lu->sanitize.failed = true;
}

void sanitize_drop(struct scsi_lu *lu)
{
	if (lu->sanitize.job != NULL) {
		struct scsi_cmd *job = lu->sanitize.job;
		scsi_priv_free(job);
		scsi_free(lu, job, lu->sanitize.job_size);
		lu->sanitize.job = NULL;
	}
}

int sanitize_overwrite_decode(struct scsi_cmd *cmd)
{
	uint32_t len = get_be16(cmd->cdb + SANITIZE_PARAM_LEN_FIELD);
	/* SBC-3: a header and 1..block-length bytes of pattern. */
	if (len <= OVERWRITE_HDR_LEN || len > OVERWRITE_HDR_LEN + lu_block_size(cmd->lu)) {
		scsi_fail_cdb(cmd, SANITIZE_PARAM_LEN_FIELD, SCSI_BIT_NONE);
		return -1;
	}
	cmd->xfer_len = len;
	cmd->dir = SCSI_DIR_OUT;
	return 0;
}

static int overwrite_check(struct scsi_cmd *cmd, const uint8_t *p, uint32_t n)
{
	if (n < cmd->xfer_len) {
		scsi_fail(cmd, SC_PARAM_LIST_LENGTH);
		return -1;
	}
	if ((p[0] & OVERWRITE_COUNT) == 0) {
		scsi_fail_param(cmd, 0, 4);
		return -1;
	}
	if (p[0] & OVERWRITE_TEST) {
		scsi_fail_param(cmd, 0, 6);
		return -1;
	}
	uint32_t plen = get_be16(p + 2);
	if (plen == 0 || plen != n - OVERWRITE_HDR_LEN) {
		scsi_fail_param(cmd, 2, SCSI_BIT_NONE);
		return -1;
	}
	return 0;
}

static void overwrite_next(struct scsi_cmd *cmd)
{
	struct overwrite *o = cmd->priv;
	uint64_t left = lu_blocks(cmd->lu) - o->next;
	uint64_t n = left < o->chunk_blocks ? left : o->chunk_blocks;
	scsi_io_submit(cmd, RT_DISK_WRITE, o->next, n, o->data, mode_wce(cmd->lu) ? 0 : RT_DISK_FUA);
	o->next += n;
}

/* Fill the chunk with the pattern, repeated to fill each block (a block
 * length is a multiple of nothing in particular: repeat byte-wise once,
 * then copy whole blocks). */
static void overwrite_fill(struct overwrite *o, const uint8_t *pattern, uint32_t plen, uint32_t bs)
{
	for (uint32_t i = 0; i < bs; i++)
		o->data[i] = pattern[i % plen];
	for (uint32_t b = 1; b < o->chunk_blocks; b++)
		memcpy(o->data + (size_t)b * bs, o->data, bs);
}

/* INVERT: the next pass writes the complement. */
static void overwrite_invert(struct overwrite *o, uint32_t bs)
{
	uint64_t *w = (uint64_t *)(void *)o->data;
	for (size_t i = 0; i < (size_t)o->chunk_blocks * bs / sizeof(*w); i++)
		w[i] = ~w[i];
}

/* A sanitize of 'total' blocks (all passes) begins: every other command
 * now answers SANITIZE IN PROGRESS (cmd.c). */
static void sanitize_begin(struct scsi_lu *lu, uint64_t total)
{
	lu->sanitize.running = true;
	lu->sanitize.done = 0;
	lu->sanitize.total = total;
}

/* The medium is sanitized: make it durable before saying so. */
static void sanitize_flush(struct scsi_cmd *cmd)
{
	scsi_step_set(cmd, SANITIZE_STEP_FLUSH);
	scsi_io_submit(cmd, RT_DISK_FLUSH, 0, 0, NULL, 0);
}

static void sanitize_end(struct scsi_cmd *cmd, bool ok)
{
	struct scsi_lu *lu = cmd->lu;
	scsi_priv_free(cmd);
	lu->sanitize.running = false;
	lu->sanitize.failed = !ok;
	if (!ok)
		scsi_fail(cmd, SC_SANITIZE_FAILED);
	scsi_done(cmd);
}

static void sanitize_job_done(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	size_t size = lu->sanitize.job_size;
	lu->sanitize.job = NULL;
	scsi_free(lu, cmd, size);
}

/* IMMED: hand the work to an LU-owned job and answer now. The job waits
 * for this command to leave the gate, then runs the same exec (the
 * command's table row, IMMED cleared). */
static void sanitize_background(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	size_t size = sizeof(struct sanitize_job) + cmd->xfer_len;
	struct sanitize_job *job = scsi_alloc(lu, size);
	if (job == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	memset(job, 0, sizeof(*job));
	memcpy(job->param, cmd->buf, cmd->xfer_len);
	job->cmd.lu = lu;
	memcpy(job->cmd.cdb, cmd->cdb, sizeof(job->cmd.cdb));
	job->cmd.cdb[1] &= (uint8_t)~SANITIZE_IMMED;
	job->cmd.cdb_len = cmd->cdb_len;
	job->cmd.xfer_len = job->cmd.data_out_len = job->cmd.buf_len = cmd->xfer_len;
	job->cmd.dir = SCSI_DIR_OUT;
	job->cmd.buf = job->param;
	job->cmd.done = sanitize_job_done;
	lu->sanitize.job = &job->cmd;
	lu->sanitize.job_size = size;
	lu->sanitize.running = true;
	if (gate_enter(&lu->gate, &job->cmd, true))
		scsi_op_of(&job->cmd)->exec(&job->cmd);
	scsi_done(cmd);
}

void sanitize_overwrite_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	const uint8_t *p = cmd->buf;
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	uint32_t bs = lu_block_size(lu);
	if (lu->sanitize.job != cmd && overwrite_check(cmd, p, n) != 0) {
		scsi_done(cmd);
		return;
	}
	if (cmd->cdb[1] & SANITIZE_IMMED) {
		sanitize_background(cmd);
		return;
	}
	struct overwrite probe = {.passes = p[0] & OVERWRITE_COUNT, .chunk_blocks = SBC_WS_CHUNK / bs};
	if (lu_blocks(lu) < probe.chunk_blocks)
		probe.chunk_blocks = (uint32_t)lu_blocks(lu);
	size_t size = sizeof(probe) + (size_t)probe.chunk_blocks * bs;
	struct overwrite *o = scsi_priv_alloc(cmd, size);
	if (o == NULL) { /* a job has no one to say BUSY to: it failed */
		lu->sanitize.running = false;
		lu->sanitize.failed = lu->sanitize.job == cmd;
		scsi_done_busy(cmd);
		return;
	}
	*o = probe;
	overwrite_fill(o, p + OVERWRITE_HDR_LEN, n - OVERWRITE_HDR_LEN, bs);
	sanitize_begin(lu, (uint64_t)o->passes * lu_blocks(lu));
	scsi_step_set(cmd, SANITIZE_STEP_WRITE);
	overwrite_next(cmd);
}

void sanitize_overwrite_done(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	struct overwrite *o = cmd->priv;
	if (!scsi_io_ok(cmd)) {
		sanitize_end(cmd, false);
		return;
	}
	if (scsi_step(cmd) == SANITIZE_STEP_FLUSH) {
		sanitize_end(cmd, true);
		return;
	}
	lu->sanitize.done += cmd->io.len / lu_block_size(lu);
	if (o->next == lu_blocks(lu) && ++o->pass < o->passes) {
		/* the next pass, with the pattern inverted if INVERT asks */
		if (cmd->buf[0] & OVERWRITE_INVERT)
			overwrite_invert(o, lu_block_size(lu));
		o->next = 0;
	}
	if (o->next < lu_blocks(lu)) {
		overwrite_next(cmd);
		return;
	}
	sanitize_flush(cmd);
}

/* ---- BLOCK ERASE ---- */

/* BLOCK ERASE takes no parameters (SBC-3 SANITIZE). */
int sanitize_erase_decode(struct scsi_cmd *cmd)
{
	if (get_be16(cmd->cdb + SANITIZE_PARAM_LEN_FIELD) != 0) {
		scsi_fail_cdb(cmd, SANITIZE_PARAM_LEN_FIELD, SCSI_BIT_NONE);
		return -1;
	}
	return 0;
}

/* Every block deallocated at once (the LU is thin: RT_DISK_UNMAP leaves
 * nothing of the old data to read, LBPRZ or not), then flushed. */
void sanitize_erase_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	if (cmd->cdb[1] & SANITIZE_IMMED) {
		sanitize_background(cmd);
		return;
	}
	sanitize_begin(lu, lu_blocks(lu));
	scsi_step_set(cmd, SANITIZE_STEP_ERASE);
	scsi_io_submit(cmd, RT_DISK_UNMAP, 0, lu_blocks(lu), NULL, 0);
}

void sanitize_erase_done(struct scsi_cmd *cmd)
{
	if (!scsi_io_ok(cmd)) {
		sanitize_end(cmd, false);
	} else if (scsi_step(cmd) == SANITIZE_STEP_FLUSH) {
		sanitize_end(cmd, true);
	} else {
		cmd->lu->sanitize.done = cmd->lu->sanitize.total;
		sanitize_flush(cmd);
	}
}

/* ---- EXIT FAILURE MODE ---- */

/* EXIT FAILURE MODE takes no parameters (SBC-3). */
int sanitize_exit_decode(struct scsi_cmd *cmd)
{
	if (get_be16(cmd->cdb + SANITIZE_PARAM_LEN_FIELD) != 0) {
		scsi_fail_cdb(cmd, SANITIZE_PARAM_LEN_FIELD, SCSI_BIT_NONE);
		return -1;
	}
	return 0;
}

void sanitize_exit_exec(struct scsi_cmd *cmd)
{
	cmd->lu->sanitize.failed = false;
	scsi_done(cmd);
}
