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

/* An overwrite in progress: the pattern-filled chunk it writes from, in
 * the job's priv. */
struct overwrite {
	uint64_t next;       /* next LBA of this pass */
	uint32_t pass, passes;
	uint32_t chunk_blocks;
	bool invert;         /* INVERT: complement the pattern between passes */
	uint8_t data[] __attribute__((aligned(8)));
};

uint16_t sanitize_progress(const struct scsi_lu *lu)
{
	const struct sanitize *s = &lu->sanitize;
	if (s->total == 0)
		return 0;
	return (uint16_t)(s->done * 65536u / (s->total + 1));
}

/* The command was aborted or released while the job works on: the job
 * goes on (resets and aborts do not stop a sanitize), without anyone to
 * tell. */
void sanitize_abandon(struct scsi_cmd *cmd)
{
	if (cmd->lu->sanitize.waiter == cmd)
		cmd->lu->sanitize.waiter = NULL;
}

void sanitize_drop(struct scsi_lu *lu)
{
	struct scsi_cmd *job = lu->sanitize.job;
	if (job != NULL) {
		scsi_priv_free(job);
		scsi_free(lu, job, sizeof(*job));
		lu->sanitize.job = NULL;
	}
}

/* The job has ended (done() of the job command): its answer goes to the
 * command that waits for it, if one still does. */
static void sanitize_job_done(struct scsi_cmd *job)
{
	struct scsi_lu *lu = job->lu;
	struct scsi_cmd *waiter = lu->sanitize.waiter;
	lu->sanitize.job = NULL;
	lu->sanitize.waiter = NULL;
	if (waiter != NULL) {
		waiter->status = job->status;
		waiter->sense_len = job->sense_len;
		memcpy(waiter->sense, job->sense, job->sense_len);
		scsi_done(waiter);
	}
	scsi_free(lu, job, sizeof(*job));
}

/* Start the work of 'cmd' (its scratch memory, prepared, moves along) as
 * the LU's job, which outlives the command: the command answers now with
 * IMMED, else when the job ends; either way, nothing but an end of the
 * job (or of the engine) stops it. The job takes over the command's
 * exclusive hold of the LU's gate. Returns the job, or NULL (and the
 * command answered BUSY) without memory. */
static struct scsi_cmd *sanitize_job_start(struct scsi_cmd *cmd, uint64_t total)
{
	struct scsi_lu *lu = cmd->lu;
	struct scsi_cmd *job = scsi_alloc(lu, sizeof(*job));
	if (job == NULL) {
		scsi_priv_free(cmd);
		scsi_done_busy(cmd);
		return NULL;
	}
	memset(job, 0, sizeof(*job));
	job->lu = lu;
	memcpy(job->cdb, cmd->cdb, sizeof(job->cdb));
	job->cdb_len = cmd->cdb_len;
	job->done = sanitize_job_done;
	job->priv = cmd->priv;
	job->priv_len = cmd->priv_len;
	cmd->priv = NULL;
	cmd->priv_len = 0;
	scsi_gate_hand_over(cmd, job);
	lu->sanitize.job = job;
	lu->sanitize.running = true;
	lu->sanitize.done = 0;
	lu->sanitize.total = total;
	if (cmd->cdb[1] & SANITIZE_IMMED)
		scsi_done(cmd);
	else
		lu->sanitize.waiter = cmd;
	return job;
}

/* The medium is sanitized: make it durable before saying so. */
static void sanitize_flush(struct scsi_cmd *job)
{
	scsi_step_set(job, SANITIZE_STEP_FLUSH);
	scsi_io_submit(job, RT_DISK_FLUSH, 0, 0, NULL, 0);
}

/* SBC-4 §4.11: a sanitize that does not finish leaves the medium in the
 * failed state, until EXIT FAILURE MODE or another sanitize. */
static void sanitize_end(struct scsi_cmd *job, bool ok)
{
	struct scsi_lu *lu = job->lu;
	scsi_priv_free(job);
	lu->sanitize.running = false;
	lu->sanitize.failed = !ok;
	if (!ok)
		scsi_fail(job, SC_SANITIZE_FAILED);
	scsi_done(job);
}

/* ---- OVERWRITE ---- */

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

static void overwrite_next(struct scsi_cmd *job)
{
	struct overwrite *o = job->priv;
	uint64_t left = lu_blocks(job->lu) - o->next;
	uint64_t n = left < o->chunk_blocks ? left : o->chunk_blocks;
	scsi_io_submit(job, RT_DISK_WRITE, o->next, n, o->data, mode_wce(job->lu) ? 0 : RT_DISK_FUA);
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

void sanitize_overwrite_exec(struct scsi_cmd *cmd)
{
	struct scsi_lu *lu = cmd->lu;
	const uint8_t *p = cmd->buf;
	uint32_t n = cmd->data_out_len < cmd->xfer_len ? cmd->data_out_len : cmd->xfer_len;
	uint32_t bs = lu_block_size(lu);
	if (overwrite_check(cmd, p, n) != 0) {
		scsi_done(cmd);
		return;
	}
	struct overwrite probe = {.passes = p[0] & OVERWRITE_COUNT, .chunk_blocks = SBC_WS_CHUNK / bs,
				  .invert = (p[0] & OVERWRITE_INVERT) != 0};
	if (lu_blocks(lu) < probe.chunk_blocks)
		probe.chunk_blocks = (uint32_t)lu_blocks(lu);
	struct overwrite *o = scsi_priv_alloc(cmd, sizeof(probe) + (size_t)probe.chunk_blocks * bs);
	if (o == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	*o = probe;
	overwrite_fill(o, p + OVERWRITE_HDR_LEN, n - OVERWRITE_HDR_LEN, bs);
	struct scsi_cmd *job = sanitize_job_start(cmd, (uint64_t)o->passes * lu_blocks(lu));
	if (job == NULL)
		return;
	scsi_step_set(job, SANITIZE_STEP_WRITE);
	overwrite_next(job);
}

void sanitize_overwrite_done(struct scsi_cmd *job)
{
	struct scsi_lu *lu = job->lu;
	struct overwrite *o = job->priv;
	if (!scsi_io_ok(job)) {
		sanitize_end(job, false);
		return;
	}
	if (scsi_step(job) == SANITIZE_STEP_FLUSH) {
		sanitize_end(job, true);
		return;
	}
	lu->sanitize.done += job->io.len / lu_block_size(lu);
	if (o->next == lu_blocks(lu) && ++o->pass < o->passes) {
		if (o->invert)
			overwrite_invert(o, lu_block_size(lu));
		o->next = 0;
	}
	if (o->next < lu_blocks(lu)) {
		overwrite_next(job);
		return;
	}
	sanitize_flush(job);
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
	struct scsi_cmd *job = sanitize_job_start(cmd, lu_blocks(cmd->lu));
	if (job == NULL)
		return;
	scsi_step_set(job, SANITIZE_STEP_ERASE);
	scsi_io_submit(job, RT_DISK_UNMAP, 0, lu_blocks(job->lu), NULL, 0);
}

void sanitize_erase_done(struct scsi_cmd *job)
{
	if (!scsi_io_ok(job)) {
		sanitize_end(job, false);
	} else if (scsi_step(job) == SANITIZE_STEP_FLUSH) {
		sanitize_end(job, true);
	} else {
		job->lu->sanitize.done = job->lu->sanitize.total;
		sanitize_flush(job);
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
