/* host/netfuzz: the network fuzzer (`isim netfuzz`): stateful, replayable
 * fuzzing of a live iSCSI target over loopback TCP, built on the
 * simulator's initiator (PDU codec, login, CHAP) and watched by its
 * protocol oracle (host/pwire, host/psuite helpers).
 *
 * A case is a list of steps (struct nf_step) on up to NF_CONNS_MAX
 * connections: connect, log in legitimately (whole or the first N
 * exchanges), send a PDU whose fields are literal except those the step
 * asks to fill from the live connection (CmdSN, ExpStatSN, the last R2T's
 * TTT and offset ...: enum nf_fix), send raw bytes, wait for answers,
 * open a flood of connections, close. The generator (nf_gen.c, a table of
 * mutators; the login, text and discovery ones in nf_gen_login.c) draws
 * cases from (seed, case number) alone; the executor
 * (nf_exec.c) runs one and probes the target's liveness; the minimizer
 * (nf_min.c) shrinks a finding; the text format (nf_case.c, fuzz/README.md
 * "Network fuzzer") writes and reads cases; a finding that needs the
 * cases before it is tried and shrunk as a sequence (nf_seq.c). Same
 * seed and URL, same target answers: same bytes. Owns each case's step data (malloc). In the
 * coverage-guided mode (nf_cov.c: a reftarget's edge map, the corpus of
 * cases that reached new edges; nf_mut.c: mutations of those) the corpus
 * is part of what determines the bytes, and the target's coverage is part
 * of what determines the corpus.
 */
#ifndef SIM_HOST_NETFUZZ_H
#define SIM_HOST_NETFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/cov/netcov.h"
#include "sim/base/rng.h"
#include "sim/host/psuite.h"

#define NF_CONNS_MAX PS_SESS_MAX     /* connections one case drives */
#define NF_STEPS_MAX 96u              /* steps in one case */
#define NF_DATA_MAX (256u * 1024u)    /* data of one step (a PDU's segment or raw bytes) */
#define NF_FLOOD_MAX 32u              /* extra connections one flood step holds */
#define NF_RECV_MS_MAX 2000u          /* one recv step waits at most this long */
#define NF_LINE_MAX (2u * NF_DATA_MAX + 512u) /* one line of a case file */
/* The blocks the fuzzer writes a known pattern to at start and never
 * writes again (every generated write avoids them): the liveness probe
 * reads them back. The LU must have NF_PROTECT_LBA + NF_PROTECT_BLOCKS. */
#define NF_PROTECT_LBA 4096u
#define NF_PROTECT_BLOCKS 8u
#define NF_INITIATOR "iqn.2026-12.org.iscsi-sim:netfuzz"
#define NF_INITIATOR_B "iqn.2026-12.org.iscsi-sim:netfuzz-b" /* a second initiator */
#define NF_INITIATOR_PROBE "iqn.2026-12.org.iscsi-sim:netfuzz-probe"

enum nf_op {
	NF_CONNECT = 0, /* TCP connect conn; isid, cid, itt, cmdsn are the connection's numbers */
	NF_LOGIN,       /* legitimate Normal login (ilogin): arg exchanges at most (0: to full feature phase);
	                 * discovery sessions and broken logins are NF_PDU steps */
	NF_PDU,         /* bhs (fixed up per fix) + data, sealed with the negotiated digests */
	NF_RAW,         /* data as it is: bytes that may break framing (hidden from the oracle) */
	NF_RECV,        /* take the target's answers for up to arg ms (stops when it closes) */
	NF_CLOSE,       /* close conn */
	NF_FLOOD,       /* open arg more connections (logged in when flags has NF_FLOOD_LOGIN), held to the end */
	NF_OP_COUNT,
};

/* Fields of an NF_PDU's BHS filled from the connection as it is sent;
 * every other byte is sent as written. */
enum nf_fix {
	NF_FIX_CMDSN = 1u << 0,     /* the session's CmdSN (advanced unless immediate or Data-Out/SNACK) */
	NF_FIX_EXPSTATSN = 1u << 1,
	NF_FIX_ITT_NEW = 1u << 2,   /* a fresh ITT (a SCSI Command's is remembered as the last task) */
	NF_FIX_ITT_LAST = 1u << 3,  /* the last task's ITT (Data-Out for it); a Text Request: the
	                             * ITT of the Text exchange it continues */
	NF_FIX_LUN = 1u << 4,       /* the URL's LUN */
	NF_FIX_TTT_R2T = 1u << 5,   /* the last R2T's Target Transfer Tag */
	NF_FIX_OFF_R2T = 1u << 6,   /* BufferOffset += the last R2T's offset (the field is a delta) */
	NF_FIX_TTT_TEXT = 1u << 7,  /* the last Text Response's TTT */
	NF_FIX_RTT = 1u << 8,       /* TMF: Referenced Task Tag and RefCmdSN of the last task */
	NF_FIX_LOGIN = 1u << 9,     /* Login: ISID, TSIH, CID, the login's ITT */
	NF_FIX_DSL = 1u << 10,      /* DataSegmentLength = the data's length (else as written: framing may break) */
	NF_FIX_ALL = (1u << 11) - 1,
};

/* NF_LOGIN and NF_FLOOD flags. */
enum nf_login_flag {
	NF_LOGIN_UNSOL = 1u << 0,     /* offer InitialR2T=No (unsolicited Data-Out) */
	NF_LOGIN_NOIMM = 1u << 1,     /* ImmediateData=No */
	NF_LOGIN_JOIN = 1u << 2,      /* join conn arg2's session (its TSIH: MC/S, §6.3.4) */
	NF_LOGIN_OTHER = 1u << 3,     /* as the second initiator (NF_INITIATOR_B) */
	NF_FLOOD_LOGIN = 1u << 4,     /* flood: log each connection in (many sessions, one initiator) */
};

struct nf_step {
	enum nf_op op;
	uint8_t conn;
	uint32_t fix;     /* NF_PDU: enum nf_fix */
	uint32_t flags;   /* NF_LOGIN, NF_FLOOD: enum nf_login_flag */
	uint32_t arg;     /* NF_LOGIN: exchanges; NF_RECV: ms; NF_FLOOD: connections */
	uint32_t arg2;    /* NF_LOGIN with NF_LOGIN_JOIN: the connection joined */
	uint8_t isid[6];  /* NF_CONNECT, NF_FLOOD (the first; the next ones count up) */
	uint16_t cid;     /* NF_CONNECT */
	uint32_t itt, cmdsn; /* NF_CONNECT: the first ITT and CmdSN */
	uint8_t bhs[ISCSI_BHS_LEN]; /* NF_PDU */
	uint8_t *data;    /* NF_PDU, NF_RAW: malloc'd, len bytes */
	uint32_t len;
};

struct nf_case {
	uint64_t seed, index;
	const char *mutator;     /* the generator's name for it (a static string or "replay") */
	char expect[32];         /* the outcome a saved finding showed ("" for none) */
	struct nf_step steps[NF_STEPS_MAX];
	unsigned n;
};

/* What a case (and the probe after it) shows, worst last: a finding is
 * every class but NF_OK. */
enum nf_class {
	NF_OK = 0,
	NF_PROTOCOL, /* the oracle saw the target break an RFC 7143 rule on the case's connections */
	NF_DEGRADED, /* the probe's login is refused or its commands fail */
	NF_DATA,     /* the protected blocks read back changed */
	NF_HANG,     /* the probe logs in, a command is never answered */
	NF_WEDGE,    /* the target accepts TCP but never answers the probe's login */
	NF_CRASH,    /* the target refuses connections (the process is gone) */
	NF_CLASS_COUNT,
};
const char *nf_class_name(enum nf_class c);
bool nf_class_parse(const char *s, enum nf_class *out);

/* A run's fixed settings. */
struct nf_config {
	struct ps_config ps;          /* target, CHAP; allow_remote is always false */
	uint64_t seed;
	uint64_t case_timeout_ns;     /* a case's wires never wait past this */
	uint64_t probe_timeout_ns;    /* the probe's login and commands: an answer within this */
	uint64_t restart_wait_ns;     /* after a crash: wait this long for a supervisor to restart the target */
	const char *reset_cmd;        /* --reset-cmd: a shell command that restarts the target (NULL: none) */
	bool verbose;
};

/* The outcome of one case. */
struct nf_outcome {
	enum nf_class cls;
	char detail[PS_DETAIL_MAX];
	char pdus[8192];             /* the case's PDU log when a finding (pw_log_text) */
};

/* ---- nf_case.c: cases and their files ---- */
void nf_case_init(struct nf_case *c, uint64_t seed, uint64_t index, const char *mutator);
void nf_case_free(struct nf_case *c);
/* A deep copy (data duplicated). */
void nf_case_copy(struct nf_case *dst, const struct nf_case *src);
/* A new step at the end (NULL when the case is full: the generator stops adding). */
struct nf_step *nf_add(struct nf_case *c, enum nf_op op, unsigned conn);
/* The step's data: a copy of len bytes (p NULL: zeros). */
void nf_set_data(struct nf_step *s, const void *p, uint32_t len);
/* Write the case as text (the format in fuzz/README.md); 0 or -1. */
int nf_case_write(const struct nf_case *c, FILE *f);
int nf_case_save(const struct nf_case *c, const char *path);
/* Read a case file; 0, or -1 with why naming the line. */
int nf_case_load(struct nf_case *c, const char *path, char *why, size_t cap);

/* ---- nf_gen.c, nf_gen_login.c: the generator ---- */
struct nf_gen; /* a case being drawn: the case, its stream, the configuration */
struct nf_mutator {
	const char *name;
	const char *what;
	unsigned weight;
	void (*gen)(struct nf_gen *g); /* appends the case's steps */
};
extern const struct nf_mutator nf_mutators[];
extern const unsigned nf_mutators_n;
/* Case index of the run with cfg->seed, drawn from the stream
 * (seed, "netfuzz.case", index) alone; only is a mutator name or NULL. */
void nf_generate(struct nf_case *c, const struct nf_config *cfg, uint64_t index, const char *only);

/* ---- nf_exec.c: running cases against the target ---- */
/* Write the known pattern to the protected blocks (at start and after a
 * restart); 0, or -1 with why. */
int nf_setup(const struct nf_config *cfg, char *why, size_t cap);
/* Run one case, then the liveness probe (while the case's connections
 * are still open), then close them. */
void nf_run(const struct nf_config *cfg, const struct nf_case *c, struct nf_outcome *out);
/* After a crash: wait for the target to listen again; true if it did. */
bool nf_wait_back(const struct nf_config *cfg);

/* ---- nf_min.c: shrinking a finding ---- */
struct nf_min_stats {
	unsigned tests;
	unsigned cases_before, cases_after; /* a sequence's (nf_seq_minimize) */
	unsigned steps_before, steps_after;
	uint64_t bytes_before, bytes_after;
};
/* Shrink c (in place) to a shorter case that still shows class want:
 * delta debugging over steps, then over each step's data bytes; at most
 * tests_max runs and until deadline_ns. */
void nf_minimize(const struct nf_config *cfg, struct nf_case *c, enum nf_class want, unsigned tests_max,
	uint64_t deadline_ns, struct nf_min_stats *st);
/* One run of c, retried once if the target had to restart: its class. */
enum nf_class nf_try(const struct nf_config *cfg, const struct nf_case *c, struct nf_outcome *out);
/* After a run that broke the target: wait for it to listen and write the
 * pattern again; false if it is not back within the restart wait. */
bool nf_recover(const struct nf_config *cfg);
/* Shrink the sequence seq[0..*n) that shows want at its last case: first
 * whole cases before the last (each candidate run from a reset target),
 * then the last case's steps and bytes. Cases dropped from seq stay the
 * caller's to free. */
void nf_seq_minimize(const struct nf_config *cfg, struct nf_case **seq, unsigned *n, enum nf_class want,
	unsigned tests_max, uint64_t deadline_ns, struct nf_min_stats *st);

/* ---- nf_seq.c: findings that need the cases before them ---- */
#define NF_HISTORY_MAX 64u                 /* cases kept since the target's last restart */
#define NF_HISTORY_BYTES_MAX (16u << 20)   /* their data bytes */
#define NF_RESET_SETTLE_MS 300u            /* after --reset-cmd, before waiting for the target */
struct nf_history {
	struct nf_case *e[NF_HISTORY_MAX];     /* oldest first; malloc'd copies */
	unsigned n;
	uint64_t bytes;
	bool dropped_before;                   /* older cases were dropped to stay in bounds */
};
/* Keep a copy of c (the oldest dropped past the bounds). */
void nf_history_add(struct nf_history *h, const struct nf_case *c);
void nf_history_clear(struct nf_history *h);
/* Run cfg->reset_cmd (if any) and wait for the target; false if it is not back. */
bool nf_reset(const struct nf_config *cfg);
/* From a reset target, run cases[0..n) in order until one shows want
 * (returns want) or breaks the target otherwise (returns that class);
 * *at is that case's index, n when every case ran (the worst class seen). */
enum nf_class nf_seq_try(const struct nf_config *cfg, struct nf_case *const *cases, unsigned n, enum nf_class want,
	unsigned *at, struct nf_outcome *out);
/* Save a sequence as DIR/000.case, 001.case, ...; 0 or -1 with why. */
int nf_seq_save(struct nf_case *const *cases, unsigned n, const char *dir, char *why, size_t cap);

/* ---- nf_cov.c: the coverage map and the corpus (coverage-guided mode) ---- */
#define NF_CORPUS_MAX 2048u            /* cases kept in memory (more are counted, not kept) */
/* The fuzzer's view of a reftarget's edge map (daemon/cov/netcov.h). */
struct nf_cov {
	struct netcov_map *map;
	uint8_t seen[NETCOV_EDGES_MAX];    /* per edge, the hit-count classes seen so far (bits) */
	uint32_t edges;                    /* edges hit at least once, over the run */
};
/* Map the file (created when missing; the target may attach later); 0 or -1 with why. */
int nf_cov_open(struct nf_cov *cv, const char *path, char *why, size_t cap);
/* Zero the counters: before a case. */
void nf_cov_clear(struct nf_cov *cv);
/* After a case: how many (edge, hit-count class) pairs are new; *new_edges
 * of them are edges never hit before. */
unsigned nf_cov_collect(struct nf_cov *cv, unsigned *new_edges);
/* The target's instrumented edges (0 until it attached). */
uint32_t nf_cov_total(const struct nf_cov *cv);

struct nf_corpus {
	struct nf_case *e[NF_CORPUS_MAX];
	unsigned n;
	uint64_t dropped;                  /* kept cases past NF_CORPUS_MAX */
};
/* Keep a copy of c. */
void nf_corpus_add(struct nf_corpus *k, const struct nf_case *c);
/* Load every *.case file of dir, in name order, into the corpus; the
 * count, or -1 with why naming the file that does not load. */
int nf_corpus_load(struct nf_corpus *k, const char *dir, char *why, size_t cap);
void nf_corpus_free(struct nf_corpus *k);

/* ---- nf_mut.c: mutations of kept cases ---- */
/* Case index of a coverage-guided run: a case of the corpus, mutated,
 * drawn from the stream (seed, "netfuzz.mutate", index) and the corpus. */
void nf_mutate(struct nf_case *c, const struct nf_config *cfg, const struct nf_corpus *corpus, uint64_t index);
/* Give every SCSI Command whose CDB the generator could not have drawn
 * (an opcode off its table, a write on the protected blocks) one from the
 * table; how many changed. For mutated cases and loaded seeds. */
unsigned nf_case_make_safe(struct nf_case *c, struct sim_rng *r, const struct nf_config *cfg);

#endif
