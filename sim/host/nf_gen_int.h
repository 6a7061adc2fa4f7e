/* host/nf_gen_int: what the network fuzzer's generator files share
 * (host/netfuzz.h): nf_gen.c owns the case being drawn (struct nf_gen),
 * the steps every mutator builds on (connect, login, recv, a PDU), the
 * SCSI opcode table and the mutator table nf_mutators[]; nf_gen_login.c
 * owns the login, text and discovery mutators and their key text;
 * nf_mut.c (coverage-guided mode) mutates kept cases with the same steps,
 * values and CDB table. Not for use outside these three.
 */
#ifndef SIM_HOST_NF_GEN_INT_H
#define SIM_HOST_NF_GEN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/host/netfuzz.h"

struct nf_gen {
	struct nf_case *c;
	struct sim_rng *r;
	const struct nf_config *cfg;
};

/* Every choice comes from the case's stream, in the order the mutator
 * makes it: the same seed draws the same case. */
static inline uint32_t pick(struct nf_gen *g, uint32_t n) { return (uint32_t)rng_below(g->r, n); }
static inline bool chance(struct nf_gen *g, uint32_t percent) { return pick(g, 100) < percent; }

/* The fields a command fills from the connection (enum nf_fix). */
#define FIX_CMD (NF_FIX_CMDSN | NF_FIX_EXPSTATSN | NF_FIX_ITT_NEW | NF_FIX_LUN | NF_FIX_DSL)

/* ---- nf_gen.c: values and steps ---- */
/* A value from the edges of 32 bits, or any. */
uint32_t nf_edge32(struct nf_gen *g);
void nf_g_connect(struct nf_gen *g, unsigned conn, const uint8_t *isid);
void nf_g_login(struct nf_gen *g, unsigned conn, uint32_t flags, uint32_t exchanges);
void nf_g_recv(struct nf_gen *g, unsigned conn, uint32_t ms);
/* connect and log in to full feature phase */
void nf_g_open(struct nf_gen *g, unsigned conn, uint32_t flags);
/* An NF_PDU step (NULL when the case is full). */
struct nf_step *nf_g_pdu(struct nf_gen *g, unsigned conn, uint8_t op, uint8_t flags, uint32_t fix);
/* A CDB from the opcode table (writes off the protected blocks); its EDTL. */
uint32_t nf_g_cdb(struct nf_gen *g, uint8_t *cdb, bool *write, bool *read);
/* A SCSI Command from the table; immediate data up to imm_max bytes. */
void nf_g_scsi(struct nf_gen *g, unsigned conn, uint32_t imm_max);
/* Whether a CDB is one the generator could have drawn: an opcode of the
 * table and, for a write, off the protected blocks (nf_mut.c checks every
 * CDB it changed). */
bool nf_cdb_safe(const uint8_t *cdb);

/* ---- nf_gen_login.c: the login, text and discovery mutators ---- */
void nf_m_login_keys(struct nf_gen *g);
void nf_m_login_nonlogin(struct nf_gen *g);
void nf_m_login_length(struct nf_gen *g);
void nf_m_login_chap(struct nf_gen *g);
void nf_m_text_keys(struct nf_gen *g);
void nf_m_discovery(struct nf_gen *g);
/* One "Key=value" pair with a value that breaks something; its length. */
size_t nf_g_pair(struct nf_gen *g, char *out, size_t cap);

#endif
