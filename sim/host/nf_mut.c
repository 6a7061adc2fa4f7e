/* host/nf_mut: the network fuzzer's mutations of kept cases, for the
 * coverage-guided mode (host/netfuzz.h; fuzz/README.md, "Coverage-guided
 * mode"). As libFuzzer mutates the inputs it keeps, a new case is a kept
 * one changed by one to NF_MUT_STACK_MAX mutations: a BHS byte or field,
 * data bytes (a broken Key=value pair in a Login or Text PDU), a step
 * doubled, dropped or moved, a field the executor fills left as written,
 * a recv wait, a new CDB from the table, steps of another kept case or of
 * a freshly generated one spliced in. Every choice comes from the stream
 * (seed, "netfuzz.mutate", case number): the same corpus, the same case.
 * The rules of the generator hold: a SCSI Command that a mutation touched
 * keeps a CDB of the table, and writes keep off the protected blocks
 * (nf_cdb_safe), so a data finding is still the target's doing.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/host/nf_gen_int.h"

#define NF_MUT_STACK_MAX 4u       /* mutations stacked on one case */
#define NF_MUT_GROW_MAX 1024u     /* bytes one mutation adds to a step's data */
#define NF_MUT_SPLICE_MAX 6u      /* steps one splice brings */
#define NF_MUT_RECENT 16u         /* the newest kept cases, picked half the time */

static struct nf_step *insert_at(struct nf_case *c, unsigned at)
{
	if (c->n >= NF_STEPS_MAX)
		return NULL;
	if (at > c->n)
		at = c->n;
	memmove(&c->steps[at + 1], &c->steps[at], (c->n - at) * sizeof(c->steps[0]));
	c->n++;
	memset(&c->steps[at], 0, sizeof(c->steps[at]));
	return &c->steps[at];
}

static void drop_at(struct nf_case *c, unsigned at)
{
	free(c->steps[at].data);
	memmove(&c->steps[at], &c->steps[at + 1], (c->n - at - 1) * sizeof(c->steps[0]));
	c->n--;
}

/* A step of the op wanted (NF_OP_COUNT: any), or -1. */
static int pick_step(struct nf_gen *g, enum nf_op op)
{
	unsigned n = 0;
	for (unsigned i = 0; i < g->c->n; i++)
		n += op == NF_OP_COUNT || g->c->steps[i].op == op;
	if (n == 0)
		return -1;
	unsigned k = pick(g, n);
	for (unsigned i = 0; i < g->c->n; i++)
		if ((op == NF_OP_COUNT || g->c->steps[i].op == op) && k-- == 0)
			return (int)i;
	return -1;
}

/* A copy of src (its data duplicated) at position at, on connection conn. */
static void put_copy(struct nf_case *c, unsigned at, const struct nf_step *src, unsigned conn)
{
	struct nf_step *s = insert_at(c, at);
	if (s == NULL)
		return;
	*s = *src;
	s->data = NULL;
	s->conn = (uint8_t)(conn % NF_CONNS_MAX);
	nf_set_data(s, src->data, src->len);
}

static void mut_bhs(struct nf_gen *g)
{
	int i = pick_step(g, NF_PDU);
	if (i < 0)
		return;
	uint8_t *b = g->c->steps[i].bhs;
	uint8_t op = b[PDU_OPCODE];
	unsigned at = pick(g, ISCSI_BHS_LEN);
	switch (pick(g, 4)) {
	case 0: b[at] = (uint8_t)pick(g, 256); break;
	case 1: b[at] ^= (uint8_t)(1u << pick(g, 8)); break;
	case 2: b[at] = (uint8_t)(b[at] + (chance(g, 50) ? 1 : 255)); break;
	default: pdu_set_w(b, at & ~3u, nf_edge32(g)); break; /* a 32-bit field at an edge */
	}
	/* Login stays where the generator put it (pdu.random's rule): a
	 * Login Request in full feature phase is the login mutators' business. */
	if ((b[PDU_OPCODE] & ISCSI_OPCODE_MASK) == ISCSI_OP_LOGIN_REQ && (op & ISCSI_OPCODE_MASK) != ISCSI_OP_LOGIN_REQ)
		b[PDU_OPCODE] = op;
}

static void mut_data(struct nf_gen *g)
{
	int i = pick_step(g, chance(g, 80) ? NF_PDU : NF_RAW);
	if (i < 0)
		return;
	struct nf_step *s = &g->c->steps[i];
	uint8_t op = s->op == NF_PDU ? s->bhs[PDU_OPCODE] & ISCSI_OPCODE_MASK : 0xff;
	bool text = op == ISCSI_OP_LOGIN_REQ || op == ISCSI_OP_TEXT_REQ;
	static uint8_t buf[NF_DATA_MAX];
	uint32_t len = s->len;
	if (len > 0)
		memcpy(buf, s->data, len);
	switch (pick(g, text ? 5 : 4)) {
	case 0: /* flip bytes */
		for (unsigned k = 1 + pick(g, 8); k > 0 && len > 0; k--)
			buf[pick(g, len)] = (uint8_t)pick(g, 256);
		break;
	case 1: /* shorter */
		len = len ? pick(g, len) : 0;
		break;
	case 2: { /* longer: repeated or random bytes */
		uint32_t add = 1 + pick(g, chance(g, 80) ? 64 : NF_MUT_GROW_MAX);
		if (len + add > NF_DATA_MAX)
			add = NF_DATA_MAX - len;
		uint8_t fill = (uint8_t)pick(g, 256);
		bool same = chance(g, 50);
		for (uint32_t k = 0; k < add; k++)
			buf[len + k] = same ? fill : (uint8_t)pick(g, 256);
		len += add;
		break;
	}
	case 3: /* a block of it repeated */
		if (len > 0) {
			uint32_t from = pick(g, len), n = 1 + pick(g, len - from);
			if (len + n <= NF_DATA_MAX) {
				memmove(buf + len, buf + from, n);
				len += n;
			}
		}
		break;
	default: { /* a broken Key=value pair at a pair boundary */
		char kv[1024];
		size_t n = nf_g_pair(g, kv, sizeof(kv)) + 1; /* with its NUL */
		uint32_t at = 0;
		unsigned skip = len ? pick(g, 8) : 0;
		while (skip > 0 && at < len) {
			const uint8_t *z = memchr(buf + at, 0, len - at);
			at = z ? (uint32_t)(z - buf) + 1 : len;
			skip--;
		}
		if (len + n <= NF_DATA_MAX) {
			memmove(buf + at + n, buf + at, len - at);
			memcpy(buf + at, kv, n);
			len += (uint32_t)n;
		}
		break;
	}
	}
	nf_set_data(s, buf, len);
}

static void mut_steps(struct nf_gen *g)
{
	struct nf_case *c = g->c;
	if (c->n < 2)
		return;
	unsigned i = 1 + pick(g, c->n - 1); /* the first step, a connect, stays */
	switch (pick(g, 3)) {
	case 0: { /* doubled */
		struct nf_step copy = c->steps[i];
		put_copy(c, i + 1, &copy, copy.conn);
		break;
	}
	case 1: /* dropped */
		drop_at(c, i);
		break;
	default: { /* moved one place earlier */
		if (i < 2)
			break;
		struct nf_step t = c->steps[i];
		c->steps[i] = c->steps[i - 1];
		c->steps[i - 1] = t;
		break;
	}
	}
}

static void mut_fix(struct nf_gen *g)
{
	int i = pick_step(g, NF_PDU);
	if (i >= 0)
		g->c->steps[i].fix ^= 1u << pick(g, 11);
}

static void mut_recv(struct nf_gen *g)
{
	int i = pick_step(g, NF_RECV);
	if (i >= 0 && chance(g, 60)) {
		g->c->steps[i].arg = pick(g, chance(g, 90) ? 200 : NF_RECV_MS_MAX);
		return;
	}
	unsigned at = g->c->n ? 1 + pick(g, g->c->n) : 0;
	struct nf_step *s = insert_at(g->c, at);
	if (s == NULL)
		return;
	s->op = NF_RECV;
	s->conn = at > 0 ? g->c->steps[at - 1].conn : 0;
	s->arg = 10 + pick(g, 100);
}

static void mut_cdb(struct nf_gen *g)
{
	for (unsigned tries = 0; tries < 4; tries++) {
		int i = pick_step(g, NF_PDU);
		if (i < 0)
			return;
		uint8_t *b = g->c->steps[i].bhs;
		if ((b[PDU_OPCODE] & ISCSI_OPCODE_MASK) != ISCSI_OP_SCSI_CMD)
			continue;
		bool w, rd;
		uint32_t edtl = nf_g_cdb(g, b + PDU_SCSI_CMD_CDB, &w, &rd);
		if (chance(g, 50))
			pdu_set_w(b, PDU_SCSI_CMD_EDTL, edtl);
		return;
	}
}

/* Steps of a case (a kept one, or a fresh one from the generator) past its
 * first login, on the connection of the step they follow. */
static void mut_splice(struct nf_gen *g, const struct nf_corpus *corpus)
{
	static struct nf_case fresh;
	const struct nf_case *from;
	bool own = corpus->n < 2 || chance(g, 50);
	if (own) {
		/* a case number the run itself does not reach soon */
		nf_generate(&fresh, g->cfg, 0x80000000u | (uint32_t)rng_next(g->r), NULL);
		from = &fresh;
	} else {
		from = corpus->e[pick(g, corpus->n)];
	}
	unsigned first = 0;
	while (first < from->n && from->steps[first].op != NF_LOGIN)
		first++;
	first = first < from->n ? first + 1 : 0;
	if (first < from->n) {
		unsigned a = first + pick(g, from->n - first), k = 1 + pick(g, NF_MUT_SPLICE_MAX);
		unsigned at = 1 + pick(g, g->c->n), conn = g->c->steps[at - 1].conn;
		for (unsigned i = a; i < from->n && i < a + k; i++)
			if (from->steps[i].op == NF_PDU || from->steps[i].op == NF_RECV || from->steps[i].op == NF_RAW)
				put_copy(g->c, at++, &from->steps[i], conn);
	}
	if (own)
		nf_case_free(&fresh);
}

unsigned nf_case_make_safe(struct nf_case *c, struct sim_rng *r, const struct nf_config *cfg)
{
	struct nf_gen g = { c, r, cfg };
	unsigned changed = 0;
	for (unsigned i = 0; i < c->n; i++) {
		struct nf_step *s = &c->steps[i];
		if (s->op != NF_PDU || (s->bhs[PDU_OPCODE] & ISCSI_OPCODE_MASK) != ISCSI_OP_SCSI_CMD ||
			nf_cdb_safe(s->bhs + PDU_SCSI_CMD_CDB))
			continue;
		bool w, rd;
		nf_g_cdb(&g, s->bhs + PDU_SCSI_CMD_CDB, &w, &rd);
		changed++;
	}
	return changed;
}

void nf_mutate(struct nf_case *c, const struct nf_config *cfg, const struct nf_corpus *corpus, uint64_t index)
{
	struct sim_rng r;
	rng_stream(&r, cfg->seed, "netfuzz.mutate", (uint32_t)index);
	struct nf_gen g = { c, &r, cfg };
	/* Half the time one of the newest kept cases: what reached new code
	 * lately is likelier to lead further (AFL favours fresh entries too). */
	unsigned newest = corpus->n < NF_MUT_RECENT ? corpus->n : NF_MUT_RECENT;
	unsigned parent = chance(&g, 50) ? corpus->n - 1 - pick(&g, newest) : pick(&g, corpus->n);
	nf_case_copy(c, corpus->e[parent]);
	c->seed = cfg->seed;
	c->index = index;
	c->expect[0] = '\0';
	for (unsigned k = c->n ? 1 + pick(&g, NF_MUT_STACK_MAX) : 0; k > 0; k--) {
		switch (pick(&g, 10)) {
		case 0: case 1: mut_bhs(&g); break;
		case 2: case 3: mut_data(&g); break;
		case 4: mut_steps(&g); break;
		case 5: mut_fix(&g); break;
		case 6: mut_recv(&g); break;
		case 7: mut_cdb(&g); break;
		default: mut_splice(&g, corpus); break;
		}
	}
	/* Every CDB the generator draws passes; one a mutation made may not. */
	nf_case_make_safe(c, &r, cfg);
}
