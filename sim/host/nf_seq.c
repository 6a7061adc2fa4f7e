/* host/nf_seq: findings that need the cases before them (host/netfuzz.h).
 *
 * A target's state outlives a case: a reference leaked by an ABORT TASK,
 * a session slot never freed, a lock left held. A case that breaks such a
 * target may then not break it again alone (tgt's conn_close loop needed
 * the cases before it). So the fuzzer keeps the cases run since the
 * target last restarted (struct nf_history, bounded by NF_HISTORY_MAX
 * cases and NF_HISTORY_BYTES_MAX data bytes, the oldest dropped first);
 * a finding that does not show alone is tried again after them. Such a
 * try only means something from a known state, so it needs a way to put
 * the target back to its start: --reset-cmd, a shell command the user
 * gives (restart the daemon; the supervisor's child PID, killed), run
 * before every sequence. Then the cases are shrunk by delta debugging over
 * whole cases, and the last one's steps as nf_min.c does for one case. A
 * sequence is saved as a directory of NNN.case files, replayed in name
 * order (--replay DIR).
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/host/netfuzz.h"

static uint64_t case_bytes(const struct nf_case *c)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->steps[i].len;
	return n;
}

static void drop_oldest(struct nf_history *h)
{
	assert(h->n > 0);
	h->bytes -= case_bytes(h->e[0]);
	nf_case_free(h->e[0]);
	free(h->e[0]);
	memmove(&h->e[0], &h->e[1], (h->n - 1) * sizeof(h->e[0]));
	h->n--;
}

void nf_history_add(struct nf_history *h, const struct nf_case *c)
{
	uint64_t b = case_bytes(c);
	if (b > NF_HISTORY_BYTES_MAX)
		return; /* never kept; the cases before it stay */
	while (h->n > 0 && (h->n == NF_HISTORY_MAX || h->bytes + b > NF_HISTORY_BYTES_MAX)) {
		drop_oldest(h);
		h->dropped_before = true;
	}
	struct nf_case *k = malloc(sizeof(*k));
	if (k == NULL)
		return;
	nf_case_copy(k, c);
	h->e[h->n++] = k;
	h->bytes += b;
}

void nf_history_clear(struct nf_history *h)
{
	while (h->n > 0)
		drop_oldest(h);
	h->bytes = 0;
	h->dropped_before = false;
}

int nf_seq_save(struct nf_case *const *cases, unsigned n, const char *dir, char *why, size_t cap)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		snprintf(why, cap, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%03u.case", dir, i);
		if (nf_case_save(cases[i], path) != 0) {
			snprintf(why, cap, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

bool nf_reset(const struct nf_config *cfg)
{
	if (cfg->reset_cmd == NULL)
		return true;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cfg->reset_cmd, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "netfuzz: --reset-cmd exited with status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	/* The command may return before the old target is gone: give the
	 * supervisor a moment, then wait for the new one as after a crash. */
	pw_sleep_ns(NF_RESET_SETTLE_MS * 1000000ull);
	return nf_recover(cfg);
}

enum nf_class nf_seq_try(const struct nf_config *cfg, struct nf_case *const *cases, unsigned n, enum nf_class want,
	unsigned *at, struct nf_outcome *out)
{
	enum nf_class worst = NF_OK;
	*at = n;
	if (!nf_reset(cfg)) {
		snprintf(out->detail, sizeof(out->detail), "the target did not come back after --reset-cmd");
		return NF_CRASH == want ? NF_OK : NF_CRASH; /* neither the finding nor silence */
	}
	for (unsigned i = 0; i < n; i++) {
		enum nf_class cls = nf_try(cfg, cases[i], out);
		if (cls == want) {
			*at = i;
			return cls;
		}
		if (cls > worst)
			worst = cls;
		/* A target that broke otherwise is not in the state the
		 * sequence builds: the rest would say nothing. */
		if (cls > NF_PROTOCOL) {
			*at = i;
			break;
		}
	}
	return worst;
}
