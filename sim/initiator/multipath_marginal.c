/* initiator/multipath_marginal: multipathd's marginal path detection
 * (multipath-tools libmultipath/io_err_stat.c, multipath.conf(5)
 * marginal_path_*), for the multipath model of multipath.h.
 *
 * A path that fails twice within marginal_path_double_failed_time is
 * flaky: the checker may find it working again, but multipathd does not
 * reinstate it (io_err_disable_reinstate). For marginal_path_err_sample_time
 * it reads through the path (io_err_stat's direct reads of one block)
 * and counts the errors; above marginal_path_err_rate_threshold (per
 * mille) the path stays out for marginal_path_err_recheck_gap_time and is
 * sampled again, else it may be reinstated and the checker does so at
 * its next pass. A path is never held out while no other path is usable
 * (need_io_err_check: count_active_paths <= 0). Without it a flapping
 * path is reinstated after every failure, takes I/O and fails it again.
 *
 * Owns each path's probe read (mp_path.probe); the session is the path's.
 */
#include "sim/initiator/multipath.h"

#include "sim/base/time.h"

#define OP_READ_10 0x28u /* SBC-3 §5.11 */
#define ST_GOOD 0x00u

bool mpm_enabled(const struct mpath_cfg *c)
{
	/* multipath.conf(5): the detection is on when all four are set */
	return c->marginal_double_failed_ns != 0 && c->marginal_sample_ns != 0 && c->marginal_err_rate_permille != 0 &&
	       c->marginal_recheck_gap_ns != 0;
}

static void sample_start(struct mpath *mp, struct mp_path *p, int i)
{
	p->marginal = MPM_SAMPLING;
	p->marginal_until = mp->now + mp->cfg->marginal_sample_ns;
	p->probes = p->probe_errors = 0;
	if (!p->probe_busy)
		p->probe_at = mp->now;
	mpath_note(mp, "marginal_sample", i);
}

void mpm_path_failed(struct mpath *mp, unsigned i)
{
	struct mp_path *p = &mp->paths[i];
	bool twice = p->fail_prev_at != SIM_NEVER && mp->now - p->fail_prev_at <= mp->cfg->marginal_double_failed_ns;
	p->fail_prev_at = mp->now;
	if (twice && p->marginal == MPM_NONE) {
		mp->stats.marginal_holds++;
		sample_start(mp, p, (int)i);
	}
}

static bool other_usable(const struct mpath *mp, unsigned i)
{
	for (unsigned k = 0; k < mp->npaths; k++)
		if (k != i && mpath_usable(mp, k))
			return true;
	return false;
}

bool mpm_may_reinstate(struct mpath *mp, unsigned i)
{
	return mp->paths[i].marginal == MPM_NONE || !other_usable(mp, i);
}

static void send_probe(struct mpath *mp, struct mp_path *p)
{
	p->probe = (struct icmd){ .lun = mp->cfg->lun, .dir = ICMD_IN, .buf = p->probe_buf, .len = MP_DIRECTIO_LEN, .fastfail = true,
		.attr = 1 };
	p->probe.cdb[0] = OP_READ_10;
	p->probe.cdb[8] = 1; /* TRANSFER LENGTH: block 0 only */
	p->probe_busy = true;
	p->probe_at = SIM_NEVER;
	p->probe_deadline = mp->now + MP_MARGINAL_PROBE_TIMEOUT_NS;
	p->probes++;
	mp->stats.marginal_probes++;
	isess_submit(p->s, mp->now, &p->probe);
}

bool mpm_cmd_done(struct mpath *mp, unsigned i, struct icmd *c)
{
	struct mp_path *p = &mp->paths[i];
	if (c != &p->probe)
		return false;
	assert(p->probe_busy);
	p->probe_busy = false;
	/* one already counted as an error at its deadline is not counted again */
	bool late = p->probe_deadline == SIM_NEVER;
	p->probe_deadline = SIM_NEVER;
	if (!late && !(c->result == ICMD_OK && c->status == ST_GOOD))
		p->probe_errors++;
	if (p->marginal == MPM_SAMPLING)
		p->probe_at = mp->now + MP_MARGINAL_PROBE_INTERVAL_NS;
	return true;
}

/* The sample of path i ended: judge its error rate (end_io_err_stat). */
static void sample_end(struct mpath *mp, struct mp_path *p, unsigned i)
{
	/* a sample that could send nothing is all errors */
	uint64_t rate = p->probes != 0 ? (uint64_t)p->probe_errors * 1000u / p->probes : 1000u;
	p->probe_at = SIM_NEVER;
	if (rate > mp->cfg->marginal_err_rate_permille) {
		p->marginal = MPM_HELD;
		p->marginal_until = mp->now + mp->cfg->marginal_recheck_gap_ns;
		mpath_note(mp, "marginal_held", (int)i);
		return;
	}
	/* good enough: two more failures within double_failed to start over */
	p->marginal = MPM_NONE;
	p->marginal_until = SIM_NEVER;
	p->fail_prev_at = SIM_NEVER;
	p->next_check = mp->now;
	mpath_note(mp, "marginal_cleared", (int)i);
}

void mpm_on_time(struct mpath *mp)
{
	for (unsigned i = 0; i < mp->npaths; i++) {
		struct mp_path *p = &mp->paths[i];
		if (p->probe_busy && mp->now >= p->probe_deadline) {
			/* still the session's: counted now, judged no more when it ends */
			p->probe_deadline = SIM_NEVER;
			p->probe_errors++;
		}
		if (p->marginal == MPM_SAMPLING && mp->now >= p->marginal_until)
			sample_end(mp, p, i);
		else if (p->marginal == MPM_HELD && mp->now >= p->marginal_until)
			sample_start(mp, p, (int)i);
		if (p->marginal == MPM_SAMPLING && !p->probe_busy && mp->now >= p->probe_at)
			send_probe(mp, p);
	}
}

uint64_t mpm_next_deadline(const struct mpath *mp)
{
	uint64_t d = SIM_NEVER;
	for (unsigned i = 0; i < mp->npaths; i++) {
		const struct mp_path *p = &mp->paths[i];
		if (p->marginal != MPM_NONE && p->marginal_until < d)
			d = p->marginal_until;
		if (p->probe_busy && p->probe_deadline < d)
			d = p->probe_deadline;
		if (p->marginal == MPM_SAMPLING && !p->probe_busy && p->probe_at < d)
			d = p->probe_at;
	}
	return d;
}
