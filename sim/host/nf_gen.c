/* host/nf_gen: the network fuzzer's generator, a table of mutators
 * (host/netfuzz.h). Each mutator reaches a phase legitimately (connect,
 * the first login exchanges or all of them) and then breaks one thing on
 * purpose: login keys and lengths, non-login PDUs during login, CHAP
 * lengths, text keys and multi-PDU text, CDBs from an opcode table,
 * R2T/Data-Out sequences, TMFs racing their task, logout mid-transfer,
 * several connections and sessions, hostile clients. Every choice comes
 * from the case's stream (seed, "netfuzz.case", index): no clock, no
 * answer of the target. Writes never touch the protected blocks
 * (NF_PROTECT_LBA), and commands that would change the LU for everyone
 * (FORMAT UNIT, MODE SELECT, reservations, START STOP UNIT, ...) are not
 * in the opcode table: the probe must be able to trust what it reads.
 * The login, text and discovery mutators live in nf_gen_login.c
 * (host/nf_gen_int.h says what the two files share). To add a mutator: a
 * function below (or there, declared in nf_gen_int.h) and a row in
 * nf_mutators[].
 */
#include <stdio.h>
#include <string.h>

#include "sim/host/nf_gen_int.h"

#define G_WRITE_BLOCKS 256u  /* the largest write the generator asks for below the protected blocks */

/* A value from the edges of 32 bits, or any (nf_gen_int.h). */
uint32_t nf_edge32(struct nf_gen *g)
{
	static const uint32_t e[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 47, 48, 0x7f, 0x80, 0xff, 0x100, 0x1ff, 0x200,
		0x1000, 0x2000, 0x2001, 0xffff, 0x10000, 0x40000, 0x40001, 0xffffff, 0x1000000, 0x7fffffff,
		0x80000000u, 0xfffffffeu, 0xffffffffu };
	return chance(g, 80) ? e[pick(g, sizeof(e) / sizeof(e[0]))] : (uint32_t)rng_next(g->r);
}

/* ---- steps ---- */

void nf_g_connect(struct nf_gen *g, unsigned conn, const uint8_t *isid)
{
	struct nf_step *s = nf_add(g->c, NF_CONNECT, conn);
	if (s == NULL)
		return;
	uint64_t r = rng_next(g->r);
	if (isid != NULL) {
		memcpy(s->isid, isid, 6);
	} else {
		s->isid[0] = 0x80; /* random qualifier (§11.12.5) */
		for (int i = 1; i < 6; i++)
			s->isid[i] = (uint8_t)(r >> (8 * i));
	}
	s->cid = (uint16_t)pick(g, 0x10000);
	s->itt = (uint32_t)pick(g, 0x10000000u) + 1;
	s->cmdsn = (uint32_t)rng_next(g->r);
}

void nf_g_login(struct nf_gen *g, unsigned conn, uint32_t flags, uint32_t exchanges)
{
	struct nf_step *s = nf_add(g->c, NF_LOGIN, conn);
	if (s != NULL) {
		s->flags = flags;
		s->arg = exchanges;
	}
}

void nf_g_recv(struct nf_gen *g, unsigned conn, uint32_t ms)
{
	struct nf_step *s = nf_add(g->c, NF_RECV, conn);
	if (s != NULL)
		s->arg = ms;
}

/* connect and log in to full feature phase */
void nf_g_open(struct nf_gen *g, unsigned conn, uint32_t flags)
{
	nf_g_connect(g, conn, NULL);
	nf_g_login(g, conn, flags, 0);
}

struct nf_step *nf_g_pdu(struct nf_gen *g, unsigned conn, uint8_t op, uint8_t flags, uint32_t fix)
{
	struct nf_step *s = nf_add(g->c, NF_PDU, conn);
	if (s == NULL)
		return NULL;
	pdu_init(s->bhs, op, flags);
	s->fix = fix;
	return s;
}

/* ---- SCSI commands ---- */

enum cdb_kind { CDB_OTHER = 0, CDB_READ, CDB_WRITE };

struct cdb_row {
	uint8_t op, sa;      /* sa: service action in byte 1 (0: none) */
	uint8_t len;         /* CDB bytes */
	enum cdb_kind kind;
	uint8_t lba_at, lba_bytes, n_at, n_bytes; /* where LBA and the count (blocks, or allocation length) sit */
};

/* SPC-4/SBC-3 commands that leave the LU as every other initiator sees it
 * (writes are kept off the protected blocks), and a few unassigned codes. */
static const struct cdb_row cdb_table[] = {
	{ 0x00, 0, 6, CDB_OTHER, 0, 0, 0, 0 },       /* TEST UNIT READY */
	{ 0x03, 0, 6, CDB_OTHER, 0, 0, 4, 1 },       /* REQUEST SENSE */
	{ 0x12, 0, 6, CDB_OTHER, 0, 0, 3, 2 },       /* INQUIRY */
	{ 0x1a, 0, 6, CDB_OTHER, 0, 0, 4, 1 },       /* MODE SENSE(6) */
	{ 0x5a, 0, 10, CDB_OTHER, 0, 0, 7, 2 },      /* MODE SENSE(10) */
	{ 0x25, 0, 10, CDB_OTHER, 2, 4, 0, 0 },      /* READ CAPACITY(10) */
	{ 0x9e, 0x10, 16, CDB_OTHER, 2, 8, 10, 4 },  /* READ CAPACITY(16) */
	{ 0x9e, 0x12, 16, CDB_OTHER, 2, 8, 10, 4 },  /* GET LBA STATUS */
	{ 0xa0, 0, 12, CDB_OTHER, 0, 0, 6, 4 },      /* REPORT LUNS */
	{ 0xa3, 0x0c, 12, CDB_OTHER, 0, 0, 6, 4 },   /* REPORT SUPPORTED OPERATION CODES */
	{ 0xa3, 0x0a, 12, CDB_OTHER, 0, 0, 6, 4 },   /* REPORT TARGET PORT GROUPS */
	{ 0x4d, 0, 10, CDB_OTHER, 0, 0, 7, 2 },      /* LOG SENSE */
	{ 0x5e, 0, 10, CDB_OTHER, 0, 0, 7, 2 },      /* PERSISTENT RESERVE IN */
	{ 0x35, 0, 10, CDB_OTHER, 2, 4, 7, 2 },      /* SYNCHRONIZE CACHE(10) */
	{ 0x91, 0, 16, CDB_OTHER, 2, 8, 10, 4 },     /* SYNCHRONIZE CACHE(16) */
	{ 0x08, 0, 6, CDB_READ, 1, 3, 4, 1 },        /* READ(6) */
	{ 0x28, 0, 10, CDB_READ, 2, 4, 7, 2 },       /* READ(10) */
	{ 0xa8, 0, 12, CDB_READ, 2, 4, 6, 4 },       /* READ(12) */
	{ 0x88, 0, 16, CDB_READ, 2, 8, 10, 4 },      /* READ(16) */
	{ 0x2f, 0, 10, CDB_READ, 2, 4, 7, 2 },       /* VERIFY(10) */
	{ 0x0a, 0, 6, CDB_WRITE, 1, 3, 4, 1 },       /* WRITE(6) */
	{ 0x2a, 0, 10, CDB_WRITE, 2, 4, 7, 2 },      /* WRITE(10) */
	{ 0xaa, 0, 12, CDB_WRITE, 2, 4, 6, 4 },      /* WRITE(12) */
	{ 0x8a, 0, 16, CDB_WRITE, 2, 8, 10, 4 },     /* WRITE(16) */
	{ 0x2e, 0, 10, CDB_WRITE, 2, 4, 7, 2 },      /* WRITE AND VERIFY(10) */
	{ 0x41, 0, 10, CDB_WRITE, 2, 4, 7, 2 },      /* WRITE SAME(10) */
	{ 0x93, 0, 16, CDB_WRITE, 2, 8, 10, 4 },     /* WRITE SAME(16) */
	{ 0x89, 0, 16, CDB_WRITE, 2, 8, 13, 1 },     /* COMPARE AND WRITE */
	{ 0x02, 0, 6, CDB_OTHER, 0, 0, 0, 0 },       /* unassigned */
	{ 0x0e, 0, 6, CDB_OTHER, 0, 0, 0, 0 },       /* unassigned */
	{ 0x20, 0, 10, CDB_OTHER, 0, 0, 0, 0 },      /* unassigned */
};

static void put_be(uint8_t *p, unsigned bytes, uint64_t v)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/* A write's LBA and count that keep off the protected blocks: below them
 * with a bounded count, or anywhere above (a count of 0 can mean "to the
 * end of the LU": above only). */
static void safe_write(struct nf_gen *g, const struct cdb_row *t, uint64_t *lba, uint64_t *n)
{
	uint64_t lba_max = t->lba_bytes >= 8 ? UINT64_MAX : (1ull << (8 * t->lba_bytes)) - 1;
	if (t->op == 0x0a)
		lba_max = 0x1fffff; /* WRITE(6): 21 bits */
	uint64_t n_max = t->n_bytes >= 8 ? UINT64_MAX : (1ull << (8 * t->n_bytes)) - 1;
	if (chance(g, 60)) {
		*n = 1 + pick(g, G_WRITE_BLOCKS - 1);
		if (*n > n_max)
			*n = n_max;
		*lba = pick(g, (uint32_t)(NF_PROTECT_LBA - *n + 1));
		return;
	}
	uint64_t lo = NF_PROTECT_LBA + NF_PROTECT_BLOCKS;
	*lba = chance(g, 50) ? lo + pick(g, 1u << 20) : lba_max - pick(g, 4);
	if (*lba < lo)
		*lba = lo;
	*n = chance(g, 50) ? nf_edge32(g) & n_max : pick(g, 64);
	if (t->op == 0x0a && *n == 0)
		*n = 1; /* WRITE(6): 0 means 256 blocks, fine above; kept simple */
}

static uint64_t get_be(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

bool nf_cdb_safe(const uint8_t *cdb)
{
	const struct cdb_row *t = NULL;
	for (size_t i = 0; i < sizeof(cdb_table) / sizeof(cdb_table[0]) && t == NULL; i++)
		if (cdb_table[i].op == cdb[0] && (cdb_table[i].sa == 0 || cdb_table[i].sa == (cdb[1] & 0x1f)))
			t = &cdb_table[i];
	if (t == NULL)
		return false;
	if (t->kind != CDB_WRITE)
		return true;
	uint64_t lba = get_be(cdb + t->lba_at, t->lba_bytes), n = get_be(cdb + t->n_at, t->n_bytes);
	if (t->op == 0x0a) { /* WRITE(6): 21-bit LBA, 0 blocks means 256 (SBC-3 §5.32) */
		lba &= 0x1fffff;
		n = n ? n : 256;
	}
	if (t->op == 0x41 || t->op == 0x93)
		n = n ? n : UINT64_MAX; /* WRITE SAME: 0 blocks means to the end of the LU */
	uint64_t end = NF_PROTECT_LBA + NF_PROTECT_BLOCKS;
	return lba >= end || (n != 0 && lba < NF_PROTECT_LBA && n <= NF_PROTECT_LBA - lba);
}

/* Fill a CDB from the table with edge values; the EDTL it implies for
 * 512-byte blocks (or an edge of its own). */
uint32_t nf_g_cdb(struct nf_gen *g, uint8_t *cdb, bool *write, bool *read)
{
	const struct cdb_row *t = &cdb_table[pick(g, sizeof(cdb_table) / sizeof(cdb_table[0]))];
	memset(cdb, 0, ISCSI_CDB_LEN);
	cdb[0] = t->op;
	if (t->sa)
		cdb[1] = t->sa;
	for (unsigned i = 1; i < t->len && chance(g, 30); i++)
		cdb[1 + pick(g, t->len - 1u)] ^= (uint8_t)(1u << pick(g, 8)); /* flags and reserved bits */
	if (t->sa)
		cdb[1] = (uint8_t)((cdb[1] & 0xe0) | t->sa);
	if (chance(g, 5))
		cdb[t->len - 1] = (uint8_t)nf_edge32(g); /* CONTROL */
	uint64_t lba = nf_edge32(g), n = nf_edge32(g);
	if (chance(g, 30))
		n &= 0xff;
	if (t->kind == CDB_WRITE)
		safe_write(g, t, &lba, &n);
	if (t->lba_bytes)
		put_be(cdb + t->lba_at, t->lba_bytes, t->op == 0x08 ? (lba & 0x1fffff) | ((uint64_t)cdb[1] & 0xe0) << 16 : lba);
	if (t->n_bytes)
		put_be(cdb + t->n_at, t->n_bytes, n);
	*write = t->kind == CDB_WRITE;
	*read = t->kind != CDB_WRITE;
	uint64_t bytes = t->kind == CDB_OTHER ? n : n * 512u;
	if (t->op == 0x41 || t->op == 0x93)
		bytes = 512; /* WRITE SAME: one block of data */
	if (chance(g, 20))
		bytes = nf_edge32(g);
	return bytes > 0xffffffffu ? 0xffffffffu : (uint32_t)bytes;
}

/* A SCSI Command from the table; immediate data up to imm_max bytes. */
void nf_g_scsi(struct nf_gen *g, unsigned conn, uint32_t imm_max)
{
	struct nf_step *s = nf_g_pdu(g, conn, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | 1 /* SIMPLE */, FIX_CMD);
	if (s == NULL)
		return;
	bool w, rd;
	uint32_t edtl = nf_g_cdb(g, s->bhs + PDU_SCSI_CMD_CDB, &w, &rd);
	if (chance(g, 10)) { /* R/W bits that disagree with the CDB */
		w = chance(g, 50);
		rd = chance(g, 50);
	}
	s->bhs[PDU_FLAGS] |= (uint8_t)((w ? ISCSI_CMD_WRITE : 0) | (rd ? ISCSI_CMD_READ : 0));
	if (chance(g, 5))
		s->bhs[PDU_FLAGS] ^= (uint8_t)(1u << pick(g, 8));
	pdu_set_w(s->bhs, PDU_SCSI_CMD_EDTL, edtl);
	if (w && imm_max > 0 && chance(g, 50)) {
		uint32_t n = pick(g, 3) == 0 ? nf_edge32(g) % (imm_max + 1) : (edtl < imm_max ? edtl : imm_max);
		nf_set_data(s, NULL, n);
		if (n > 0)
			memset(s->data, 0x5c, n);
	}
}

/* WRITE(10) off the protected blocks: blocks of 512 bytes, EDTL to match. */
static void g_write10(struct nf_gen *g, unsigned conn, uint32_t blocks, uint32_t imm, bool final)
{
	struct nf_step *s = nf_g_pdu(g, conn, ISCSI_OP_SCSI_CMD,
		(uint8_t)((final ? ISCSI_FLAG_FINAL : 0) | ISCSI_CMD_WRITE | 1), FIX_CMD);
	if (s == NULL)
		return;
	uint8_t *cdb = s->bhs + PDU_SCSI_CMD_CDB;
	cdb[0] = 0x2a;
	put_be(cdb + 2, 4, pick(g, NF_PROTECT_LBA - blocks));
	put_be(cdb + 7, 2, blocks);
	pdu_set_w(s->bhs, PDU_SCSI_CMD_EDTL, blocks * 512u);
	if (imm > 0) {
		nf_set_data(s, NULL, imm);
		memset(s->data, 0x3c, imm);
	}
}

/* A Data-Out; fix says which fields follow the last R2T. */
static void g_dataout(struct nf_gen *g, unsigned conn, uint32_t fix, uint32_t datasn, uint32_t off, uint32_t len,
	bool final)
{
	struct nf_step *s = nf_g_pdu(g, conn, ISCSI_OP_DATA_OUT, final ? ISCSI_FLAG_FINAL : 0,
		fix | NF_FIX_EXPSTATSN | NF_FIX_LUN | NF_FIX_DSL);
	if (s == NULL)
		return;
	pdu_set_w(s->bhs, PDU_DATA_OUT_TTT, ISCSI_TAG_RESERVED);
	pdu_set_w(s->bhs, PDU_DATA_OUT_DATASN, datasn);
	pdu_set_w(s->bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
	nf_set_data(s, NULL, len);
	if (len > 0)
		memset(s->data, 0xd0, len);
}

/* ---- the mutators ---- */

static void m_scsi_cdb(struct nf_gen *g)
{
	nf_g_open(g, 0, chance(g, 30) ? NF_LOGIN_UNSOL : 0);
	unsigned n = 1 + pick(g, 4);
	for (unsigned i = 0; i < n; i++) {
		nf_g_scsi(g, 0, 8192);
		if (chance(g, 60))
			nf_g_recv(g, 0, 20 + pick(g, 80));
	}
	nf_g_recv(g, 0, 100);
}

static void m_dataout(struct nf_gen *g)
{
	bool unsol = chance(g, 30);
	nf_g_open(g, 0, (unsol ? NF_LOGIN_UNSOL : 0) | (chance(g, 50) ? NF_LOGIN_NOIMM : 0));
	static const uint32_t blocks_of[] = { 1, 2, 8, 16, 64, 128, 129, 256 };
	uint32_t blocks = blocks_of[pick(g, sizeof(blocks_of) / sizeof(blocks_of[0]))];
	uint32_t edtl = blocks * 512u;
	uint32_t imm = chance(g, 30) ? (pick(g, 2) ? 512 : edtl) : 0;
	g_write10(g, 0, blocks, imm, !unsol);
	if (unsol) { /* unsolicited Data-Out, maybe past FirstBurstLength (§13.14) */
		static const uint32_t lens[] = { 512, 4096, 8192 };
		uint32_t off = imm, k = 1 + pick(g, 10);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t len = lens[pick(g, 3)];
			g_dataout(g, 0, NF_FIX_ITT_LAST, chance(g, 90) ? i : nf_edge32(g), chance(g, 90) ? off : nf_edge32(g), len,
				i + 1 == k || chance(g, 10));
			off += len;
		}
	}
	nf_g_recv(g, 0, 30 + pick(g, 70));
	/* Answer the R2T (its length is the EDTL here, below MaxBurstLength)
	 * in PDUs of up to 8192 bytes, every field right but in one PDU,
	 * which breaks one thing: DataSN, offset, length, TTT, ITT or F. */
	static const uint32_t lens[] = { 0, 1, 511, 513, 1024, 4096, 8192, 8193 };
	uint32_t chunk = edtl - imm < 8192 ? edtl - imm : 8192;
	uint32_t k = chunk ? (edtl - imm + chunk - 1) / chunk : 1;
	if (k > 8)
		k = 8;
	uint32_t victim = pick(g, k), what = pick(g, 7);
	for (uint32_t i = 0; i < k; i++) {
		uint32_t fix = NF_FIX_ITT_LAST | NF_FIX_TTT_R2T | NF_FIX_OFF_R2T;
		uint32_t datasn = i, off = i * chunk, len = chunk;
		bool final = i + 1 == k;
		if (i == victim) {
			switch (what) {
			case 0: datasn = chance(g, 50) ? i + 1 : nf_edge32(g); break;
			case 1: off = chance(g, 50) ? off + 1 + pick(g, chunk) : nf_edge32(g); break;
			case 2: len = lens[pick(g, sizeof(lens) / sizeof(lens[0]))]; break;
			case 3: fix &= ~(uint32_t)NF_FIX_TTT_R2T; break; /* TTT reserved, or an edge below */
			case 4: fix &= ~(uint32_t)NF_FIX_ITT_LAST; break;
			case 5: final = !final; break;
			default: len = chance(g, 50) ? chunk + 512 : chunk * 2; break; /* past the R2T's burst */
			}
		}
		g_dataout(g, 0, fix, datasn, off, len, final);
		if (i == victim && what == 3 && chance(g, 50))
			pdu_set_w(g->c->steps[g->c->n - 1].bhs, PDU_DATA_OUT_TTT, nf_edge32(g));
	}
	if (chance(g, 30)) /* and a Data-Out after the task is over */
		g_dataout(g, 0, NF_FIX_ITT_LAST | NF_FIX_TTT_R2T | NF_FIX_OFF_R2T, k, 0, 512, true);
	nf_g_recv(g, 0, 100);
}

static void m_tmf_race(struct nf_gen *g)
{
	nf_g_open(g, 0, 0);
	if (chance(g, 60))
		g_write10(g, 0, 1 + pick(g, 64), 0, true); /* waits for Data-Out */
	else
		nf_g_scsi(g, 0, 0);
	if (chance(g, 40))
		nf_g_recv(g, 0, pick(g, 30));
	uint8_t fn = chance(g, 60) ? ISCSI_TMF_ABORT_TASK : (uint8_t)(chance(g, 90) ? 1 + pick(g, 8) : pick(g, 0x80));
	uint32_t fix = FIX_CMD | (chance(g, 90) ? NF_FIX_RTT : 0);
	struct nf_step *s = nf_g_pdu(g, 0, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, (uint8_t)(ISCSI_FLAG_FINAL | fn), fix);
	if (s != NULL && !(fix & NF_FIX_RTT))
		pdu_set_w(s->bhs, PDU_TMF_REF_TASK_TAG, nf_edge32(g));
	if (chance(g, 50)) /* the data of the task being aborted, racing the TMF */
		g_dataout(g, 0, NF_FIX_ITT_LAST | NF_FIX_TTT_R2T | NF_FIX_OFF_R2T, 0, 0, 512, true);
	nf_g_recv(g, 0, 100 + pick(g, 100));
}

static void m_logout_mid(struct nf_gen *g)
{
	nf_g_open(g, 0, 0);
	g_write10(g, 0, 1 + pick(g, 64), 0, true);
	nf_g_recv(g, 0, 30);
	uint8_t reason = chance(g, 80) ? (uint8_t)pick(g, 3) : (uint8_t)pick(g, 0x80);
	struct nf_step *s = nf_g_pdu(g, 0, ISCSI_OP_LOGOUT_REQ | (chance(g, 80) ? ISCSI_FLAG_IMMEDIATE : 0),
		(uint8_t)(ISCSI_FLAG_FINAL | reason), FIX_CMD & ~NF_FIX_LUN);
	if (s != NULL && g->c->n > 0)
		put_be16(s->bhs + PDU_LOGOUT_CID, chance(g, 80) ? g->c->steps[0].cid : (uint16_t)pick(g, 0x10000));
	if (chance(g, 70))
		g_dataout(g, 0, NF_FIX_ITT_LAST | NF_FIX_TTT_R2T | NF_FIX_OFF_R2T, 0, 0, 512, true);
	nf_g_recv(g, 0, 100 + pick(g, 100));
}

static void m_conns(struct nf_gen *g)
{
	if (chance(g, 50)) { /* MC/S: a second connection joins the session (§6.3.4) */
		nf_g_open(g, 0, 0);
		nf_g_connect(g, 1, NULL);
		nf_g_login(g, 1, NF_LOGIN_JOIN, 0);
		struct nf_step *j = &g->c->steps[g->c->n - 1];
		j->arg2 = 0;
		nf_g_scsi(g, 0, 512);
		nf_g_scsi(g, 1, 512);
		if (chance(g, 50)) { /* log the other connection out from here */
			struct nf_step *s = nf_g_pdu(g, 0, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE,
				ISCSI_FLAG_FINAL | ISCSI_LOGOUT_CONNECTION, FIX_CMD & ~NF_FIX_LUN);
			if (s != NULL && g->c->n > 3)
				put_be16(s->bhs + PDU_LOGOUT_CID, g->c->steps[2].cid);
		}
		nf_g_recv(g, 0, 100);
		nf_g_recv(g, 1, 50);
		return;
	}
	/* A reinstatement storm: one ISID, TSIH 0, again and again (§6.3.5). */
	uint8_t isid[6] = { 0x80, 0, 0, 0, 0, 0 };
	for (int i = 1; i < 6; i++)
		isid[i] = (uint8_t)pick(g, 256);
	unsigned n = 2 + pick(g, NF_CONNS_MAX - 1);
	for (unsigned i = 0; i < n; i++) {
		nf_g_connect(g, i, isid);
		nf_g_login(g, i, 0, chance(g, 80) ? 0 : 1);
		if (chance(g, 50))
			g_write10(g, i, 1 + pick(g, 16), 0, true);
	}
	for (unsigned i = 0; i < n; i++)
		nf_g_recv(g, i, 30);
}

static void m_hostile(struct nf_gen *g)
{
	struct nf_step *s;
	switch (pick(g, 4)) {
	case 0: /* idle connections that never log in */
	case 1: /* many sessions from one initiator */
		s = nf_add(g->c, NF_FLOOD, 0);
		if (s == NULL)
			return;
		s->arg = 4 + pick(g, NF_FLOOD_MAX - 3);
		s->flags = pick(g, 2) ? NF_FLOOD_LOGIN : 0;
		s->isid[0] = 0x80;
		for (int i = 1; i < 6; i++)
			s->isid[i] = (uint8_t)pick(g, 256);
		nf_g_open(g, 0, 0);
		nf_g_scsi(g, 0, 0);
		nf_g_recv(g, 0, 50);
		return;
	case 2: { /* a client that never reads: READs pile up in the target's send queue */
		nf_g_open(g, 0, 0);
		unsigned n = 8 + pick(g, 56);
		for (unsigned i = 0; i < n; i++) {
			s = nf_g_pdu(g, 0, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, FIX_CMD);
			if (s == NULL)
				return;
			s->bhs[PDU_SCSI_CMD_CDB] = 0x28;
			put_be(s->bhs + PDU_SCSI_CMD_CDB + 2, 4, pick(g, 1u << 16));
			put_be(s->bhs + PDU_SCSI_CMD_CDB + 7, 2, 256);
			pdu_set_w(s->bhs, PDU_SCSI_CMD_EDTL, 256u * 512u);
		}
		return;
	}
	default: /* another initiator resets the target under a task in flight */
		nf_g_open(g, 0, 0);
		g_write10(g, 0, 1 + pick(g, 64), 0, true);
		nf_g_open(g, 1, NF_LOGIN_OTHER);
		s = nf_g_pdu(g, 1, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE,
			(uint8_t)(ISCSI_FLAG_FINAL | (chance(g, 70) ? ISCSI_TMF_TARGET_WARM_RESET : ISCSI_TMF_LOGICAL_UNIT_RESET)),
			FIX_CMD);
		if (s != NULL)
			pdu_set_w(s->bhs, PDU_TMF_REF_TASK_TAG, ISCSI_TAG_RESERVED);
		nf_g_recv(g, 1, 100);
		g_dataout(g, 0, NF_FIX_ITT_LAST | NF_FIX_TTT_R2T | NF_FIX_OFF_R2T, 0, 0, 512, true);
		nf_g_recv(g, 0, 100);
		return;
	}
}

static void m_pdu_random(struct nf_gen *g)
{
	nf_g_open(g, 0, 0);
	unsigned n = 1 + pick(g, 4);
	for (unsigned i = 0; i < n; i++) {
		static const uint32_t fixes[] = { NF_FIX_CMDSN, NF_FIX_EXPSTATSN, NF_FIX_ITT_NEW, NF_FIX_LUN, NF_FIX_DSL };
		uint32_t fix = 0;
		for (size_t f = 0; f < sizeof(fixes) / sizeof(fixes[0]); f++)
			if (chance(g, 75))
				fix |= fixes[f];
		struct nf_step *s = nf_g_pdu(g, 0, 0, 0, fix);
		if (s == NULL)
			return;
		for (unsigned b = 0; b < ISCSI_BHS_LEN; b++)
			s->bhs[b] = (uint8_t)pick(g, 256);
		s->bhs[PDU_TOTAL_AHS_LEN] = chance(g, 80) ? 0 : s->bhs[PDU_TOTAL_AHS_LEN];
		uint8_t op = s->bhs[PDU_OPCODE] & ISCSI_OPCODE_MASK;
		if (chance(g, 70)) /* mostly opcodes a target knows */
			op = (uint8_t)pick(g, 7);
		s->bhs[PDU_OPCODE] = (uint8_t)((s->bhs[PDU_OPCODE] & ISCSI_FLAG_IMMEDIATE) | op);
		if (op == ISCSI_OP_SCSI_CMD) { /* the CDB comes from the table: no random FORMAT UNIT */
			bool w, rd;
			pdu_set_w(s->bhs, PDU_SCSI_CMD_EDTL, nf_g_cdb(g, s->bhs + PDU_SCSI_CMD_CDB, &w, &rd));
		}
		if (op == ISCSI_OP_LOGIN_REQ)
			s->bhs[PDU_OPCODE] = ISCSI_OP_NOP_OUT;
		uint32_t len = chance(g, 50) ? 0 : pick(g, chance(g, 90) ? 512 : 16384);
		nf_set_data(s, NULL, len);
		for (uint32_t b = 0; b < len; b++)
			s->data[b] = (uint8_t)pick(g, 256);
		if (!(fix & NF_FIX_DSL) && chance(g, 70))
			pdu_set_dsl(s->bhs, len);
		nf_g_recv(g, 0, 20 + pick(g, 60));
	}
}

const struct nf_mutator nf_mutators[] = {
	{ "login.keys", "login keys: duplicates, no '=', long names and values, edge numbers, C-bit chains, stages", 10,
		nf_m_login_keys },
	{ "login.nonlogin", "a non-login PDU during login (the SPDK crash class)", 6, nf_m_login_nonlogin },
	{ "login.length", "Login PDUs whose DataSegmentLength/AHS length lie (the LIO overflow class)", 6, nf_m_login_length },
	{ "login.chap", "CHAP_A lists, CHAP_R and CHAP_C of every length (CVE-2018-14633 class)", 6, nf_m_login_chap },
	{ "text.keys", "Text Requests: odd keys, multi-PDU with C=1, never-ending, wrong TTTs", 8, nf_m_text_keys },
	{ "discovery", "discovery sessions: SendTargets variants, commands a discovery session must refuse", 4,
		nf_m_discovery },
	{ "scsi.cdb", "CDBs from the SPC/SBC opcode table with edge LBAs, lengths, flags, EDTLs", 10, m_scsi_cdb },
	{ "dataout", "R2T/Data-Out with wrong offsets, DataSNs, lengths, TTTs; unsolicited data past FirstBurstLength",
		12, m_dataout },
	{ "tmf.race", "TMFs racing the task they name (and its Data-Out)", 6, m_tmf_race },
	{ "logout.mid", "logout in the middle of a write", 4, m_logout_mid },
	{ "conns", "MC/S joins and reinstatement storms with one ISID", 5, m_conns },
	{ "hostile", "idle floods, many sessions, never-read sockets, another initiator's target reset", 4, m_hostile },
	{ "pdu.random", "random BHSs with some fields kept right, random data segments", 6, m_pdu_random },
};
const unsigned nf_mutators_n = sizeof(nf_mutators) / sizeof(nf_mutators[0]);

void nf_generate(struct nf_case *c, const struct nf_config *cfg, uint64_t index, const char *only)
{
	struct sim_rng r;
	rng_stream(&r, cfg->seed, "netfuzz.case", (uint32_t)index); /* a run stops before 2^32 cases */
	unsigned total = 0, m = 0;
	for (unsigned i = 0; i < nf_mutators_n; i++)
		if (only == NULL || strcmp(only, nf_mutators[i].name) == 0)
			total += nf_mutators[i].weight;
	uint32_t at = total ? (uint32_t)rng_below(&r, total) : 0;
	for (unsigned i = 0; i < nf_mutators_n; i++) {
		if (only != NULL && strcmp(only, nf_mutators[i].name) != 0)
			continue;
		if (at < nf_mutators[i].weight) {
			m = i;
			break;
		}
		at -= nf_mutators[i].weight;
	}
	nf_case_init(c, cfg->seed, index, nf_mutators[m].name);
	struct nf_gen g = { c, &r, cfg };
	nf_mutators[m].gen(&g);
}
