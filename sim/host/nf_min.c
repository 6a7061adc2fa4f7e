/* host/nf_min: shrinking a network fuzzing finding (host/netfuzz.h).
 * Delta debugging (Zeller's ddmin) over the case's steps: remove chunks
 * of steps, halving the chunk when no removal keeps the finding; then,
 * step by step, the data: drop it, then halve it while the finding stays.
 * A candidate counts when its run shows the same class. Steps left
 * without the connect they need do nothing, so any subset is a case.
 * Every run that broke the target waits for it to come back (a
 * supervisor restarts it) and writes the pattern again. A finding that
 * needs the cases before it (nf_seq.c) is shrunk the same way over whole
 * cases first, each candidate sequence run from a reset target, then
 * over the last case's steps and bytes with the cases kept before it.
 */
#include <assert.h>
#include <string.h>
#include <time.h>

#include "sim/host/netfuzz.h"

/* After a run that left the target down, stuck or with other data: wait
 * for it and write the pattern again; false if it does not come back. */
bool nf_recover(const struct nf_config *cfg)
{
	/* A restarted target may listen before it is configured (tgtd, then
	 * tgtadm): try the setup until the restart wait runs out. */
	char why[512];
	uint64_t end = pw_now_ns() + cfg->restart_wait_ns;
	do {
		if (!nf_wait_back(cfg))
			return false;
		if (nf_setup(cfg, why, sizeof(why)) == 0)
			return true;
		if (cfg->verbose)
			fprintf(stderr, "netfuzz: the target is not back yet: %s\n", why);
		pw_sleep_ns(200000000ull);
	} while (pw_now_ns() < end);
	return false;
}

enum nf_class nf_try(const struct nf_config *cfg, const struct nf_case *c, struct nf_outcome *out)
{
	nf_run(cfg, c, out);
	if (out->cls > NF_PROTOCOL && !nf_recover(cfg))
		snprintf(out->detail + strlen(out->detail), sizeof(out->detail) - strlen(out->detail),
			" (and the target did not come back within the restart wait)");
	return out->cls;
}

struct min_run {
	const struct nf_config *cfg;
	enum nf_class want;
	unsigned tests_max;
	uint64_t deadline_ns;
	struct nf_min_stats *st;
	struct nf_case *const *before; /* a sequence's cases before the one shrunk */
	unsigned nbefore;
	bool seq;                      /* run as a sequence, from a reset target */
};

static bool budget_left(const struct min_run *m)
{
	return m->st->tests < m->tests_max && pw_now_ns() < m->deadline_ns;
}

static bool still_fails(struct min_run *m, struct nf_case *c)
{
	static struct nf_outcome out;
	m->st->tests++;
	if (!m->seq)
		return nf_try(m->cfg, c, &out) == m->want;
	struct nf_case *seq[NF_HISTORY_MAX + 1];
	assert(m->nbefore <= NF_HISTORY_MAX);
	memcpy(seq, m->before, m->nbefore * sizeof(seq[0]));
	seq[m->nbefore] = c; /* run, not changed */
	unsigned at;
	return nf_seq_try(m->cfg, seq, m->nbefore + 1, m->want, &at, &out) == m->want && at == m->nbefore;
}

/* dst = src without steps [from, from + count). */
static void without(struct nf_case *dst, const struct nf_case *src, unsigned from, unsigned count)
{
	*dst = *src;
	dst->n = 0;
	for (unsigned i = 0; i < src->n; i++) {
		if (i >= from && i < from + count)
			continue;
		struct nf_step *s = &dst->steps[dst->n++];
		*s = src->steps[i];
		s->data = NULL;
		nf_set_data(s, src->steps[i].data, src->steps[i].len);
	}
}

static uint64_t data_bytes(const struct nf_case *c)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < c->n; i++)
		n += c->steps[i].len;
	return n;
}

static void min_steps(struct min_run *m, struct nf_case *c)
{
	static struct nf_case cand;
	unsigned gran = 2;
	while (c->n >= 2 && budget_left(m)) {
		unsigned chunk = (c->n + gran - 1) / gran;
		bool reduced = false;
		for (unsigned from = 0; from < c->n && budget_left(m); from += chunk) {
			without(&cand, c, from, chunk);
			if (still_fails(m, &cand)) {
				nf_case_free(c);
				*c = cand; /* takes cand's data */
				cand.n = 0;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
				break;
			}
			nf_case_free(&cand);
		}
		if (!reduced) {
			if (gran >= c->n)
				break;
			gran = gran * 2 < c->n ? gran * 2 : c->n;
		}
	}
}

/* Try step i's data cut to len bytes; keep it if the finding stays. */
static bool try_len(struct min_run *m, struct nf_case *c, unsigned i, uint32_t len)
{
	struct nf_step *s = &c->steps[i];
	uint32_t old = s->len;
	s->len = len; /* a prefix of the same buffer */
	if (still_fails(m, c))
		return true;
	s->len = old;
	return false;
}

static void min_bytes(struct min_run *m, struct nf_case *c)
{
	for (unsigned i = 0; i < c->n && budget_left(m); i++) {
		struct nf_step *s = &c->steps[i];
		if (s->len == 0 || (s->op != NF_PDU && s->op != NF_RAW))
			continue;
		if (try_len(m, c, i, 0))
			continue;
		while (s->len > 1 && budget_left(m) && try_len(m, c, i, s->len / 2))
			;
	}
}

void nf_minimize(const struct nf_config *cfg, struct nf_case *c, enum nf_class want, unsigned tests_max,
	uint64_t deadline_ns, struct nf_min_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->steps_before = c->n;
	st->bytes_before = data_bytes(c);
	struct min_run m = { cfg, want, tests_max, deadline_ns, st, NULL, 0, false };
	min_steps(&m, c);
	min_bytes(&m, c);
	st->steps_after = c->n;
	st->bytes_after = data_bytes(c);
}

/* The sequence without cases [from, from + count), the last one kept. */
static unsigned seq_without(struct nf_case **dst, struct nf_case *const *src, unsigned n, unsigned from,
	unsigned count)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++)
		if (i == n - 1 || i < from || i >= from + count)
			dst[k++] = src[i];
	return k;
}

/* ddmin over the cases before the last: the chunks are of those. */
static void min_cases(struct min_run *m, struct nf_case **seq, unsigned *n)
{
	struct nf_case *cand[NF_HISTORY_MAX + 1];
	unsigned gran = 2;
	while (*n >= 2 && budget_left(m)) {
		unsigned before = *n - 1, chunk = (before + gran - 1) / gran;
		bool reduced = false;
		for (unsigned from = 0; from < before && budget_left(m); from += chunk) {
			unsigned k = seq_without(cand, seq, *n, from, chunk);
			static struct nf_outcome out;
			unsigned at;
			m->st->tests++;
			if (nf_seq_try(m->cfg, cand, k, m->want, &at, &out) == m->want && at == k - 1) {
				/* the dropped cases are freed by the caller, which owns them all */
				memcpy(seq, cand, k * sizeof(seq[0]));
				*n = k;
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (gran >= before)
				break;
			gran = gran * 2 < before ? gran * 2 : before;
		}
	}
}

void nf_seq_minimize(const struct nf_config *cfg, struct nf_case **seq, unsigned *n, enum nf_class want,
	unsigned tests_max, uint64_t deadline_ns, struct nf_min_stats *st)
{
	assert(*n >= 1 && *n <= NF_HISTORY_MAX + 1);
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < *n; i++) {
		st->steps_before += seq[i]->n;
		st->bytes_before += data_bytes(seq[i]);
	}
	st->cases_before = *n;
	struct min_run m = { cfg, want, tests_max, deadline_ns, st, NULL, 0, true };
	min_cases(&m, seq, n);
	m.before = seq;
	m.nbefore = *n - 1;
	min_steps(&m, seq[*n - 1]);
	min_bytes(&m, seq[*n - 1]);
	st->cases_after = *n;
	for (unsigned i = 0; i < *n; i++) {
		st->steps_after += seq[i]->n;
		st->bytes_after += data_bytes(seq[i]);
	}
}
