/* host/psuite: the iSCSI protocol conformance suite (`isim protocol`):
 * tests of a real target's iSCSI layer over TCP, each citing its RFC 7143
 * section and level, built on the simulator's initiator (PDU codec, text
 * keys, login, CHAP) and watched by its protocol oracle (host/pwire).
 *
 * A test is a function that returns PASS, FAIL or NA and says why in
 * c->detail. It owns up to PS_SESS_MAX connections (c->s), opened and
 * closed through the helpers below; the runner (cmd_protocol.c) closes
 * what is left, and turns a PASS into a FAIL when the oracle saw the
 * target break a rule. Randomness (ISIDs, ITTs, CmdSNs, challenges) comes
 * from c->rng, the stream (seed, test id): the same seed sends the same
 * PDUs. Test catalogues: psuite_login.c, psuite_auth.c, psuite_ffp.c,
 * psuite_ffp2.c, psuite_misc.c, psuite_mcs.c, psuite_sess.c, psuite_acl.c, psuite_erl.c,
 * psuite_erl2.c.
 */
#ifndef SIM_HOST_PSUITE_H
#define SIM_HOST_PSUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/base/rng.h"
#include "sim/host/pwire.h"
#include "sim/initiator/login.h"
#include "sim/initiator/text_keys.h"

#define PS_SESS_MAX 4u          /* connections one test holds at once */
#define PS_NAME_MAX 224u        /* iSCSI name, 223 bytes (RFC 7143 §4.2.7.1) */
#define PS_CRED_MAX 256u        /* CHAP name or secret */
#define PS_KEYS_MAX 8192u       /* one login/text PDU's keys (§13.12 default MRDSL) */
#define PS_DETAIL_MAX 2048u
#define PS_RECV_TIMEOUT_NS (5ull * 1000000000ull)  /* an answer the RFC requires */
#define PS_QUIET_NS (500ull * 1000000ull)          /* "no answer" observed for this long */
#define PS_TEST_TIMEOUT_NS (30ull * 1000000000ull) /* default bound on one test */
#define PS_INITIATOR_NAME "iqn.2026-12.org.iscsi-sim:protocol-suite"
/* A name no access list has reason to hold (psuite_acl.c). */
#define PS_STRANGER_NAME "iqn.2026-12.org.iscsi-sim:protocol-suite-not-in-any-acl"
#define PS_SENSE_MAX 96u        /* sense bytes kept from a SCSI Response (SPC-4 fixed/descriptor) */

enum ps_verdict { PS_PASS = 0, PS_FAIL, PS_NA };
enum ps_level { PS_MUST = 0, PS_SHOULD, PS_MAY };

/* A portal and LU from iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN. */
struct ps_target {
	char host[PW_HOST_MAX];
	uint16_t port;
	char iqn[PS_NAME_MAX];
	uint64_t lun;
};

struct ps_config {
	struct ps_target t1, t2;
	bool have_t2;
	char chap_user[PS_CRED_MAX], chap_secret[PS_CRED_MAX];
	char mutual_user[PS_CRED_MAX], mutual_secret[PS_CRED_MAX];
	bool allow_remote;
	uint64_t test_timeout_ns;
	uint64_t seed;
	const char *async_trigger; /* a shell command that makes the target send an Async Message, or NULL */
};

/* One connection (and its session's numbers when it leads one). */
struct ps_sess {
	bool used;
	struct pwire w;
	uint8_t isid[6];
	uint16_t tsih, cid;
	uint32_t cmdsn, exp_statsn, exp_cmdsn, max_cmdsn;
	uint32_t itt;             /* the next ITT to use */
	bool have_statsn;
	bool ffp;
	struct iparams params;
	uint16_t login_status;
};

struct ps_ctx {
	const struct ps_config *cfg;
	const struct ps_test *test;
	struct sim_rng rng;
	uint64_t deadline_ns;
	struct ps_sess s[PS_SESS_MAX];
	char detail[PS_DETAIL_MAX];
	uint32_t block_size;      /* from READ CAPACITY(10), 0 until asked */
	uint64_t blocks;
};

struct ps_test {
	const char *id;
	const char *section;
	enum ps_level level;
	const char *desc;
	enum ps_verdict (*run)(struct ps_ctx *c);
};

/* Text keys being built for a request. */
struct ps_keys {
	uint8_t buf[PS_KEYS_MAX];
	size_t len;
};

/* ---- verdicts ---- */
enum ps_verdict ps_fail(struct ps_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum ps_verdict ps_na(struct ps_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum ps_verdict ps_pass(struct ps_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- connections and login ---- */
/* A new connection to portal 1 (or 2), nothing sent; NULL after ps_fail's detail. */
struct ps_sess *ps_connect(struct ps_ctx *c, bool second_portal);
void ps_disconnect(struct ps_sess *s);
/* The login the suite uses when a test is not about login: the URL's
 * target, CHAP as configured, conservative operational keys. */
void ps_login_cfg(const struct ps_ctx *c, struct ilogin_cfg *cfg);
/* Log in with ilogin; 0, or -1 with c->detail set. */
int ps_login(struct ps_ctx *c, struct ps_sess *s, const struct ilogin_cfg *cfg);
/* ps_login, with each Login Request handed to edit(ctx, c, tx) before it
 * is sent (a test that rewrites keys or fields); edit returns -1 after
 * ps_fail to give up. */
typedef int (*ps_login_edit_fn)(void *ctx, struct ps_ctx *c, struct ipdu_tx *tx);
int ps_login_edited(struct ps_ctx *c, struct ps_sess *s, const struct ilogin_cfg *cfg, ps_login_edit_fn edit, void *ctx);
/* Connect and log in with ps_login_cfg; NULL with c->detail set. */
struct ps_sess *ps_open(struct ps_ctx *c);
/* Logout (close the session), waiting for the response; 0 or -1. */
int ps_logout(struct ps_ctx *c, struct ps_sess *s);

/* ---- keys ---- */
void ps_keys_reset(struct ps_keys *k);
void ps_key(struct ps_keys *k, const char *key, const char *value);
void ps_key_u32(struct ps_keys *k, const char *key, uint32_t value);
/* InitiatorName, SessionType=Normal, TargetName. */
void ps_keys_leading(const struct ps_ctx *c, struct ps_keys *k);
/* The value of key in a received data segment (false if absent). */
bool ps_get(const struct pw_pdu *p, const char *key, char *out, size_t cap);
/* How many times key appears in the data segment. */
unsigned ps_count_key(const struct pw_pdu *p, const char *key);

/* ---- PDUs ---- */
/* A fresh ITT from the session's sequence. */
uint32_t ps_itt(struct ps_sess *s);
/* Zero the BHS and fill opcode, flags, ITT, CmdSN and ExpStatSN; a
 * non-immediate command (not Data-Out) takes the next CmdSN. */
void ps_pdu(struct ps_sess *s, struct ipdu_tx *tx, uint8_t opcode, bool immediate, uint8_t flags, uint32_t itt);
/* Seal with the negotiated digests and send; -1 after ps_fail if the connection is gone. */
int ps_send(struct ps_ctx *c, struct ps_sess *s, struct ipdu_tx *tx, const void *data, uint32_t len,
	enum pw_mark mark);
/* A Login Request in stage csg (to nsg when transit) with keys. */
void ps_login_pdu(struct ps_sess *s, struct ipdu_tx *tx, uint8_t csg, uint8_t nsg, bool transit,
	const struct ps_keys *k);
/* The next PDU from the target (answering its NOP-In pings, skipping
 * Async Messages), following StatSN and the CmdSN window. */
enum pw_rx ps_recv(struct ps_ctx *c, struct ps_sess *s, uint64_t timeout_ns, struct pw_pdu *p);
/* The next PDU must have opcode op within PS_RECV_TIMEOUT_NS; false after ps_fail. */
bool ps_expect(struct ps_ctx *c, struct ps_sess *s, uint8_t op, struct pw_pdu *p);
/* True if the target says nothing for quiet_ns (and keeps the connection). */
bool ps_quiet(struct ps_ctx *c, struct ps_sess *s, uint64_t quiet_ns);
/* Wait for the connection to close within timeout (PDUs before are dropped); true if it did. */
bool ps_wait_closed(struct ps_ctx *c, struct ps_sess *s, uint64_t timeout_ns);

/* Answer an R2T with the Data-Out it asks for (zeros), in one PDU per
 * MRDSL: the initiator MUST keep answering the valid TTTs of tasks a TMF
 * affects while it waits for the TMF Response (§11.6.2, task management
 * actions on task sets). 0 or -1 (detail). */
int ps_answer_r2t(struct ps_ctx *c, struct ps_sess *s, const struct pw_pdu *r2t);

/* ---- SCSI ---- */
struct ps_scsi {
	uint8_t cdb[16];
	bool read, write;
	uint8_t *buf;
	uint32_t len;             /* EDTL */
	uint32_t itt;             /* filled */
	bool other_lun;           /* send to lun below, not the URL's */
	uint64_t lun;
	/* results */
	uint8_t status, response;
	uint32_t data_in;
	uint32_t residual;
	uint8_t rsp_flags;
	uint8_t sense[PS_SENSE_MAX]; /* from the SCSI Response's data segment (§11.4.7.2) */
	uint16_t sense_len;
};
/* Run one command to its status: immediate data, unsolicited and
 * solicited Data-Out as negotiated, Data-In collected. 0 or -1 (detail). */
int ps_scsi_run(struct ps_ctx *c, struct ps_sess *s, struct ps_scsi *cmd);
/* The LUN field (SAM-5 §4.7 peripheral or flat addressing). */
void ps_put_lun(uint8_t *bhs, uint64_t lun);
/* Fill cdb for TEST UNIT READY, READ(10), WRITE(10), READ CAPACITY(10). */
void ps_cdb_tur(struct ps_scsi *cmd);
void ps_cdb_rw10(struct ps_scsi *cmd, bool write, uint32_t lba, uint16_t blocks, uint32_t block_size, uint8_t *buf);
/* Block size and count of the LU (READ CAPACITY(10)), cached; 0 or -1. */
int ps_capacity(struct ps_ctx *c, struct ps_sess *s);

/* ---- the command line (cmd_protocol.c; the network fuzzer too) ---- */
/* iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN into t (USER%SECRET into
 * cfg's CHAP when creds_ok); false with why. */
bool ps_parse_url(const char *url, struct ps_target *t, struct ps_config *cfg, bool creds_ok, char *why,
	size_t cap);

/* ---- the catalogues ---- */
extern const struct ps_test ps_tests_login[];
extern const unsigned ps_tests_login_n;
extern const struct ps_test ps_tests_ffp[];
extern const unsigned ps_tests_ffp_n;
extern const struct ps_test ps_tests_misc[];
extern const unsigned ps_tests_misc_n;
extern const struct ps_test ps_tests_auth[];
extern const unsigned ps_tests_auth_n;
extern const struct ps_test ps_tests_ffp2[];
extern const unsigned ps_tests_ffp2_n;
extern const struct ps_test ps_tests_erl[]; /* psuite_erl.c: ErrorRecoveryLevel 1 */
extern const unsigned ps_tests_erl_n;
extern const struct ps_test ps_tests_erl2[]; /* psuite_erl2.c: ErrorRecoveryLevel 2 */
extern const unsigned ps_tests_erl2_n;
extern const struct ps_test ps_tests_mcs[];
extern const unsigned ps_tests_mcs_n;
extern const struct ps_test ps_tests_sess[];
extern const unsigned ps_tests_sess_n;
extern const struct ps_test ps_tests_acl[];
extern const unsigned ps_tests_acl_n;

const char *ps_level_name(enum ps_level l);

/* SendTargets=VALUE as one final Text Request (no continuation); the
 * Text Response that answers it in *p and the request's ITT in *itt.
 * 0, or -1 when sending or the answer failed (the verdict says why). */
int ps_send_targets(struct ps_ctx *c, struct ps_sess *s, const char *value, uint32_t *itt, struct pw_pdu *p);

#endif
