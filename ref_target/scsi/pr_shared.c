/* pr_shared: persistent reservations shared by every gateway of an LU
 * through its backstore (RT_LU_PR_SHARED; rbd: the RADOS object
 * "<image>.pr"), so that a cluster's fencing by SCSI PR (fence_scsi,
 * Windows failover clustering) holds whichever gateway an initiator
 * reaches, and across a gateway's failover (SPC-4 §5.13: the reservations
 * belong to the logical unit, not to one target port or one gateway).
 *
 * The record is pr_codec.c's encoding, versioned by the backstore: every
 * store is a compare-and-set on the version the change was computed from
 * (RT_DISK_PR_STORE). A PERSISTENT RESERVE IN loads the record and answers
 * from it. A PERSISTENT RESERVE OUT loads it, applies the service action
 * to it (pr.c, the same code as for a local LU), and stores the result;
 * when another gateway stored first (ERR_STALE) it loads and applies again,
 * at most RT_PR_SHARED_TRIES_MAX times, then answers BUSY. The initiator
 * hears GOOD only once the state is stored.
 *
 * Other commands are checked against lu->pr, this gateway's cache of the
 * record, which is reloaded before the next check whenever it is stale:
 * at start, after pr_invalidate (the daemon calls it when the backstore
 * says the record changed, a watch/notify, and when this gateway takes
 * the storage over), and after a lost race. A record that does not decode
 * leaves the cache stale and fails every command that needs it (HARDWARE
 * ERROR, INTERNAL TARGET FAILURE), with the reason in the log: fencing
 * must not silently lapse.
 *
 * What stays local: unit attentions and PREEMPT AND ABORT's aborts reach
 * the nexuses of this gateway only (the others' initiators learn of the
 * change from their next PERSISTENT RESERVE IN or RESERVATION CONFLICT).
 */
#include <string.h>

#include "cmd.h"
#include "lu.h"
#include "pr.h"
#include "pr_int.h"

enum {
	PRS_STEP_LOAD = 1,
	PRS_STEP_STORE = 2,
};

/* cmd->priv of a PERSISTENT RESERVE OUT on a shared LU. */
struct prs_out {
	uint64_t epoch;      /* lu->pr_cache.epoch when the load began */
	uint64_t version;    /* of the record c.next replaces */
	uint32_t tries;      /* stores lost to another gateway */
	struct pr_state old; /* what c was computed from */
	struct pr_change c;
	uint8_t buf[PR_SAVE_MAX + 1]; /* + 1: a longer record shows as one */
#ifdef RT_PLANT_BUG_pr_store_ignores_version
	bool blind; /* planted: the lost store is retried as it was */
#endif
};

/* cmd->priv of a PERSISTENT RESERVE IN, or of a command waiting for the
 * stale cache to be reloaded. */
struct prs_load {
	uint64_t epoch;
	uint8_t buf[PR_SAVE_MAX + 1];
};

bool pr_is_shared(const struct scsi_lu *lu)
{
	return (lu->cfg->flags & RT_LU_PR_SHARED) != 0;
}

void pr_invalidate(struct scsi_lu *lu)
{
	if (!pr_is_shared(lu))
		return;
	lu->pr_cache.stale = true;
	lu->pr_cache.epoch++;
}

void scsi_lu_pr_invalidate(struct scsi_lu *lu)
{
	pr_invalidate(lu);
}

static void prs_load(struct scsi_cmd *cmd, uint64_t *epoch, uint8_t *buf)
{
	*epoch = cmd->lu->pr_cache.epoch;
	scsi_step_set(cmd, PRS_STEP_LOAD);
	scsi_io_submit_record(cmd, RT_DISK_PR_LOAD, buf, PR_SAVE_MAX + 1, 0);
}

/* A load finished: the record becomes the cache if it is no older than
 * what the cache holds (loads may finish out of order), and the cache is
 * fresh again if nobody invalidated it since the load began. 0, or -1
 * with sense set. */
static int prs_install(struct scsi_cmd *cmd, const uint8_t *buf, uint64_t epoch)
{
	struct scsi_lu *lu = cmd->lu;
	const struct rt_disk_io *io = &cmd->io;
	if (!scsi_io_ok(cmd))
		return -1;
	struct pr_state s;
	memset(&s, 0, sizeof(s));
	enum pr_codec_err e = PR_CODEC_OK;
	if (io->run_len > 0) /* none yet (0): no registrations */
		e = pr_decode(&s, buf, (uint32_t)io->run_len);
	if (e != PR_CODEC_OK) {
		lu_log(lu, RT_LOG_ERR, "shared persistent reservations: record version %llu unreadable (%s)",
		       (unsigned long long)io->version, pr_codec_err_name(e));
		scsi_fail(cmd, SC_INTERNAL_FAILURE);
		return -1;
	}
	if (io->version >= lu->pr_cache.version) {
		lu->pr = s;
		lu->pr_cache.version = io->version;
		if (epoch == lu->pr_cache.epoch)
			lu->pr_cache.stale = false;
	}
	return 0;
}

/* ---- other commands: the reservation check needs a fresh cache ---- */

bool pr_refresh_start(struct scsi_cmd *cmd, uint32_t op_flags)
{
	struct scsi_lu *lu = cmd->lu;
	/* commands that pass every reservation need no state, unless they
	 * read it themselves */
	if (!pr_is_shared(lu) || !lu->pr_cache.stale || ((op_flags & OP_PR_OK) && !(op_flags & OP_PR_STATE)))
		return false;
	struct prs_load *l = scsi_priv_alloc(cmd, sizeof(*l));
	if (l == NULL) {
		scsi_done_busy(cmd);
		return true;
	}
	cmd->state |= SCSI_STATE_PR_REFRESH;
	prs_load(cmd, &l->epoch, l->buf);
	return true;
}

void pr_refresh_done(struct scsi_cmd *cmd)
{
	struct prs_load *l = cmd->priv;
	int rc = prs_install(cmd, l->buf, l->epoch);
	scsi_priv_free(cmd);
	scsi_step_set(cmd, 0);
	if (rc != 0) {
		scsi_done(cmd);
		return;
	}
	scsi_cmd_run(cmd); /* its checks, now against the record */
}

/* ---- PERSISTENT RESERVE IN ---- */

void pr_shared_in_start(struct scsi_cmd *cmd)
{
	struct prs_load *l = scsi_priv_alloc(cmd, sizeof(*l));
	if (l == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	prs_load(cmd, &l->epoch, l->buf);
}

void pr_in_io_done(struct scsi_cmd *cmd)
{
	struct prs_load *l = cmd->priv;
	int rc = prs_install(cmd, l->buf, l->epoch);
	scsi_priv_free(cmd);
	if (rc != 0) {
		scsi_done(cmd);
		return;
	}
	pr_in_answer(cmd);
}

/* ---- PERSISTENT RESERVE OUT ---- */

void pr_shared_out_start(struct scsi_cmd *cmd)
{
	struct prs_out *o = scsi_priv_alloc(cmd, sizeof(*o));
	if (o == NULL) {
		scsi_done_busy(cmd);
		return;
	}
	o->tries = 0;
#ifdef RT_PLANT_BUG_pr_store_ignores_version
	o->blind = false;
#endif
	prs_load(cmd, &o->epoch, o->buf);
}

static void prs_out_end(struct scsi_cmd *cmd)
{
	scsi_priv_free(cmd);
	scsi_done(cmd);
}

/* The record is loaded: apply the service action to it, store the result. */
static void prs_out_apply(struct scsi_cmd *cmd, struct prs_out *o)
{
	struct scsi_lu *lu = cmd->lu;
	if (prs_install(cmd, o->buf, o->epoch) != 0) {
		prs_out_end(cmd);
		return;
	}
#ifdef RT_PLANT_BUG_pr_store_ignores_version
	if (o->blind) {
		/* Planted (sim/planted-bugs.txt): the store that lost the
		 * compare-and-set goes again over the newer record's version
		 * with the change computed from the older one, instead of
		 * applying the service action again: the other gateway's
		 * change is lost, as if the store ignored the version. */
		o->version = lu->pr_cache.version;
		uint32_t blind_len = pr_encode(&o->c.next, o->buf);
		scsi_step_set(cmd, PRS_STEP_STORE);
		scsi_io_submit_record(cmd, RT_DISK_PR_STORE, o->buf, blind_len, o->version);
		return;
	}
#endif
	o->old = lu->pr;
	o->version = lu->pr_cache.version;
	memset(&o->c, 0, sizeof(o->c));
	o->c.cmd = cmd;
	o->c.old = &o->old;
	enum pr_result r = pr_out_apply(&o->c);
	if (r == PR_CONFLICT)
		cmd->status = SCSI_STATUS_RESERVATION_CONFLICT;
	if (r != PR_DONE || !pr_out_changes(&o->c)) {
		prs_out_end(cmd);
		return;
	}
	uint32_t len = pr_encode(&o->c.next, o->buf);
	scsi_step_set(cmd, PRS_STEP_STORE);
	scsi_io_submit_record(cmd, RT_DISK_PR_STORE, o->buf, len, o->version);
}

static void prs_out_stored(struct scsi_cmd *cmd, struct prs_out *o)
{
	struct scsi_lu *lu = cmd->lu;
	if (cmd->io.status == RT_DISK_ERR_STALE) {
		/* another gateway stored first: apply to what it stored */
		if (++o->tries < RT_PR_SHARED_TRIES_MAX) {
			lu_log(lu, RT_LOG_DEBUG,
			       "shared persistent reservations: another gateway stored first (over version %llu): "
			       "applying again",
			       (unsigned long long)o->version);
#ifdef RT_PLANT_BUG_pr_store_ignores_version
			o->blind = true;
#endif
			prs_load(cmd, &o->epoch, o->buf);
			return;
		}
		lu_log(lu, RT_LOG_WARN, "shared persistent reservations: %u stores lost to other gateways: BUSY",
		       o->tries);
		scsi_priv_free(cmd);
		scsi_done_busy(cmd);
		return;
	}
	if (!scsi_io_ok(cmd)) {
		prs_out_end(cmd);
		return;
	}
	/* Stored: the record is c.next at io.version. A load that saw a
	 * later version may have overtaken this store; then the cache stays
	 * as it is and only this gateway's unit attentions are due. */
	struct pr_state newer;
	bool overtaken = cmd->io.version < lu->pr_cache.version;
	if (overtaken)
		newer = lu->pr;
	pr_out_commit(&o->c);
	if (overtaken)
		lu->pr = newer;
	else
		lu->pr_cache.version = cmd->io.version;
	prs_out_end(cmd);
}

void pr_out_io_done(struct scsi_cmd *cmd)
{
	struct prs_out *o = cmd->priv;
	if (scsi_step(cmd) == PRS_STEP_STORE)
		prs_out_stored(cmd, o);
	else
		prs_out_apply(cmd, o);
}
