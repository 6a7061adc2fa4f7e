/* host/cmd_swarm: isim swarm (worlds spread over forked jobs, progress
 * on stderr, the report and results file) and isim merge (shards'
 * results files as one swarm). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Progress on stderr: redrawn in place this often on a terminal; a new
 * line at most this often otherwise (CI logs stay short). */
#define PROGRESS_TTY_NS 500000000ull
#define PROGRESS_LOG_NS 5000000000ull

#include "sim/host/isim.h"

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Progress on stderr: worlds done of total, failures so far. On a
 * terminal one line redrawn with \r; otherwise (a CI log) a new line at
 * most every PROGRESS_LOG_NS, and always the last. */
struct progress {
	bool tty;
	uint64_t t0, last, total;
	char label[32];
};

static void progress_show(struct progress *pg, const struct swarm_sum *s, bool last)
{
	uint64_t now = wall_ns();
	if (!last && now - pg->last < (pg->tty ? PROGRESS_TTY_NS : PROGRESS_LOG_NS))
		return;
	pg->last = now;
	fprintf(stderr, "%s[%s] %" PRIu64 "/%" PRIu64 " worlds  %" PRIu64 " failed  %.0fx sim/wall per core  %.1fs%s",
		pg->tty ? "\r" : "", pg->label, s->worlds, pg->total, s->failed, ratio(s->sim_ns, s->wall_ns),
		(double)(now - pg->t0) / 1e9, pg->tty && !last ? "   " : "\n");
}

/* A sum's text through one of swarm/results.h's formatters, into a file. */
static int write_formatted(const char *path, size_t (*fmt)(const struct swarm_sum *, char *, size_t),
	const struct swarm_sum *s, const char *tail)
{
	size_t need = fmt(s, NULL, 0), tail_len = strlen(tail);
	char *buf = malloc(need + tail_len + 1);
	if (buf == NULL) {
		fprintf(stderr, "isim: %s: out of memory\n", path);
		return -1;
	}
	fmt(s, buf, need + 1);
	memcpy(buf + need, tail, tail_len + 1);
	int rc = write_text(path, "w", buf, need + tail_len);
	free(buf);
	return rc;
}

/* What a swarm or a merge prints, and the files it writes. how: the
 * wall-clock line (it differs between runs of the same seeds, so the
 * report keeps it apart, after the part that does not). */
static int swarm_finish(const struct opts *o, const struct swarm_sum *s, const char *how)
{
	unsigned missing = swarm_sum_missing(s);
	printf("coverage (hits summed over %" PRIu64 " worlds):\n", s->worlds);
	for (int i = 0; i < COV_COUNT; i++)
		printf("  %-40s %12" PRIu64 "%s\n", cov_names[i], s->cov[i],
			s->cov[i] ? "" : cov_required[i] ? "   NEVER REACHED" : "   not reached (engine's choice)");
	for (unsigned i = 0; i < s->nfails; i++) {
		char cmd[SWARM_SET_MAX + SWARM_SCENARIO_MAX + 64];
		swarm_replay_cmd(&s->spec, s->fails[i].seed, cmd, sizeof(cmd));
		printf("FAIL seed %" PRIu64 " (%s): %s\n  replay: %s\n", s->fails[i].seed,
			sim_oracle_name((enum sim_oracle)s->fails[i].oracle), s->fails[i].why, cmd);
	}
	if (s->failed > s->nfails)
		printf("(and %" PRIu64 " more failing seeds; the %u lowest are shown)\n", s->failed - s->nfails,
			s->nfails);
	printf("summary: %" PRIu64 " worlds, %" PRIu64 " failed, %.0f simulated s, %" PRIu64
	       " I/Os, %u required coverage points never reached; %s\n",
		s->worlds, s->failed, (double)s->sim_ns / 1e9, s->ios, missing, how);
	char tail[300];
	snprintf(tail, sizeof(tail), "\nWall time: %s\n", how);
	if (o->results != NULL && write_formatted(o->results, swarm_results_format, s, "") != 0)
		return 2;
	if (o->report != NULL && write_formatted(o->report, swarm_report_format, s, tail) != 0)
		return 2;
	if (o->results != NULL || o->report != NULL)
		printf("results:%s%s%s%s\n", o->results ? " " : "", o->results ? o->results : "",
			o->report ? " " : "", o->report ? o->report : "");
	if (o->expect_fail) {
		if (s->failed == 0) {
			printf("expected a failure within seeds %" PRIu64 "..%" PRIu64 ", found none\n", s->spec.lo, s->spec.hi);
			return 1;
		}
		printf("caught: seed %" PRIu64 " (%s)\n", s->fails[0].seed,
			sim_oracle_name((enum sim_oracle)s->fails[0].oracle));
		return 0;
	}
	if (s->failed > 0)
		return 1;
	return o->require_cov && missing > 0 ? 5 : 0;
}

/* Read one record from a job's pipe: 1 got one, 0 the job is done. */
static int read_record(int fd, struct swarm_world *rec)
{
	size_t got = 0;
	while (got < sizeof(*rec)) {
		ssize_t n = read(fd, (char *)rec + got, sizeof(*rec) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got == sizeof(*rec);
}

/* Job j of jobs runs the shard's k-th seeds with k mod jobs == j. */
static void swarm_job(const struct opts *o, const struct swarm_spec *spec, uint64_t count, uint64_t j,
	uint64_t jobs, int fd)
{
	for (uint64_t k = j; k < count; k += jobs) {
		struct swarm_world rec;
		swarm_one(o, swarm_shard_seed(spec, k), &rec);
		if (!write_all(fd, &rec, sizeof(rec)))
			_exit(1);
		if (o->until_fail && rec.oracle != ORACLE_NONE)
			break;
	}
	_exit(0);
}

int cmd_swarm(const struct opts *o)
{
	struct swarm_spec spec;
	swarm_spec_of(o, &spec);
	uint64_t total = swarm_shard_count(&spec);
	if (total == 0) {
		fprintf(stderr, "isim: swarm: shard %u/%u of %" PRIu64 "..%" PRIu64 " has no seeds\n", spec.shard,
			spec.shards, spec.lo, spec.hi);
		return 2;
	}
	if (check_writable(o->results, "w") != 0 || check_writable(o->report, "w") != 0)
		return 2;
	uint64_t jobs = o->jobs > total ? total : o->jobs;
	struct swarm_sum s;
	swarm_sum_init(&s, &spec);
	struct progress pg = { .tty = isatty(STDERR_FILENO) == 1, .t0 = wall_ns(), .total = total };
	if (o->have_shard)
		snprintf(pg.label, sizeof(pg.label), "swarm %u/%u", spec.shard, spec.shards);
	else
		snprintf(pg.label, sizeof(pg.label), "swarm");
	pg.last = pg.t0;
	int fds[JOBS_MAX];
	pid_t pids[JOBS_MAX];
	fflush(stdout);
	for (uint64_t j = 0; j < jobs; j++) {
		int pfd[2];
		if (pipe(pfd) != 0) {
			perror("isim: pipe");
			return 2;
		}
		pids[j] = fork();
		if (pids[j] < 0) {
			perror("isim: fork");
			return 2;
		}
		if (pids[j] == 0) {
			close(pfd[0]);
			swarm_job(o, &spec, total, j, jobs, pfd[1]);
		}
		close(pfd[1]);
		fds[j] = pfd[0];
	}
	uint64_t open_fds = jobs;
	while (open_fds > 0) {
		struct pollfd pf[JOBS_MAX];
		for (uint64_t j = 0; j < jobs; j++)
			pf[j] = (struct pollfd){ .fd = fds[j], .events = POLLIN };
		if (poll(pf, (nfds_t)jobs, 500) < 0 && errno != EINTR)
			break;
		for (uint64_t j = 0; j < jobs; j++) {
			if (fds[j] < 0 || !(pf[j].revents & (POLLIN | POLLHUP)))
				continue;
			struct swarm_world rec;
			if (!read_record(fds[j], &rec)) {
				close(fds[j]);
				fds[j] = -1;
				open_fds--;
				continue;
			}
			swarm_sum_add(&s, &rec);
		}
		progress_show(&pg, &s, false);
		if (o->until_fail && s.failed > 0)
			break;
	}
	bool jobs_ok = true;
	for (uint64_t j = 0; j < jobs; j++) {
		if (o->until_fail && s.failed > 0)
			kill(pids[j], SIGTERM); /* our own children, by PID */
		if (fds[j] >= 0)
			close(fds[j]);
		int status = 0;
		waitpid(pids[j], &status, 0);
		jobs_ok &= (WIFEXITED(status) && WEXITSTATUS(status) == 0) || (o->until_fail && s.failed > 0);
	}
	progress_show(&pg, &s, true);
	if (!jobs_ok || (!o->until_fail && s.worlds != total)) {
		fprintf(stderr, "isim: swarm: a job died; %" PRIu64 " of %" PRIu64 " worlds ran\n", s.worlds, total);
		return 2;
	}
	double el = (double)(wall_ns() - pg.t0) / 1e9;
	char how[200];
	snprintf(how, sizeof(how), "%.1f wall s on %" PRIu64 " jobs (%.0fx simulated/wall per core)", el, jobs,
		ratio(s.sim_ns, s.wall_ns));
	return swarm_finish(o, &s, how);
}

/* ---- merge ---- */

int cmd_merge(const struct opts *o)
{
	struct swarm_sum *sums = calloc(o->nfiles, sizeof(*sums));
	const struct swarm_sum **ptrs = calloc(o->nfiles, sizeof(*ptrs));
	struct swarm_sum *whole = malloc(sizeof(*whole));
	int rc = 2;
	if (sums == NULL || ptrs == NULL || whole == NULL) {
		fprintf(stderr, "isim: merge: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < o->nfiles; i++) {
		char *text = read_file(o->files[i]);
		if (text == NULL) {
			fprintf(stderr, "isim: %s: %s\n", o->files[i], strerror(errno));
			goto out;
		}
		char err[512];
		int prc = swarm_results_parse(text, &sums[i], err, sizeof(err));
		free(text);
		if (prc != 0) {
			fprintf(stderr, "isim: %s: %s\n", o->files[i], err);
			goto out;
		}
		ptrs[i] = &sums[i];
	}
	char err[512];
	if (swarm_merge(ptrs, o->files, o->nfiles, whole, err, sizeof(err)) != 0) {
		fprintf(stderr, "isim: merge: %s\n", err);
		goto out;
	}
	char how[200];
	snprintf(how, sizeof(how), "merged from %zu shards; the worlds took %.1f wall s in all (%.0fx simulated/wall per core)",
		o->nfiles, (double)whole->wall_ns / 1e9, ratio(whole->sim_ns, whole->wall_ns));
	rc = swarm_finish(o, whole, how);
out:
	free(sums);
	free(ptrs);
	free(whole);
	return rc;
}
