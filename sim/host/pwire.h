/* host/pwire: one iSCSI connection to a real target over TCP, driven by
 * the simulator's own sans-I/O pieces (initiator/pdu framing, oracle/
 * protocol), for the protocol suite (host/psuite) and the network fuzzer.
 *
 * Host code: sockets, poll and the real clock. Every byte in both
 * directions goes to a protocol oracle (oproto_bytes) as it is sent or
 * received; the first violation the target commits is kept in
 * target_fault. What a caller breaks on purpose is marked (enum pw_mark)
 * so that it is never counted against the target. The wire keeps a short
 * log of the PDUs of both directions, printed when a test fails.
 * Connects only to loopback unless allow_remote is set (the suite's
 * safety rule). Every wait is bounded by the caller's timeout and by the
 * wire's deadline. Owns its socket, framer and oracle.
 */
#ifndef SIM_HOST_PWIRE_H
#define SIM_HOST_PWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/initiator/pdu.h"
#include "sim/oracle/protocol.h"

#define PW_LOG_MAX 48u           /* PDUs kept for a failure report (the last ones) */
#define PW_DATA_MAX (1u << 20)   /* largest data segment we frame (the oracle holds the MRDSL) */
#define PW_INBUF 65536u          /* bytes read from the socket at once */
#define PW_HOST_MAX 64u

enum pw_mark {
	PW_CLEAN = 0, /* a PDU the rules allow: an initiator-side violation is a suite bug */
	PW_BROKEN,    /* broken on purpose: the oracle may object; that is not the target's fault */
	PW_HIDDEN,    /* not shown to the oracle at all (bytes that break framing); the
	               * oracle then watches nothing more on this wire: the target's
	               * answers follow a stream it no longer knows */
};

enum pw_rx {
	PW_PDU = 0,   /* one whole PDU in the struct pw_pdu */
	PW_TIMEOUT,   /* nothing whole within the time */
	PW_CLOSED,    /* the target closed or reset the connection */
	PW_GARBLED,   /* the target's byte stream cannot be framed (digest, length) */
};

/* A received PDU; data points into the wire's framer, valid until the next receive. */
struct pw_pdu {
	uint8_t bhs[ISCSI_BHS_LEN];
	const uint8_t *data;
	uint32_t dsl;
};

struct pw_log {
	bool from_target;
	enum pw_mark mark;
	uint8_t bhs[ISCSI_BHS_LEN];
	uint32_t dsl;
	uint64_t at_ns; /* since the wire connected */
};

struct pwire {
	int fd;
	bool allow_remote;
	bool closed;           /* the target closed (or we did) */
	uint64_t deadline_ns;  /* no wait goes past this (real clock) */
	uint64_t t0_ns;
	struct oproto oracle;
	struct ipdu_rx rx;     /* frames the target's bytes for the caller */
	bool header_digest, data_digest; /* what we seal our PDUs with */
	uint8_t in[PW_INBUF];
	size_t in_off, in_len;
	struct pw_log log[PW_LOG_MAX];
	uint64_t nlog;         /* PDUs logged in all; the last PW_LOG_MAX are kept */
	uint64_t sent_bytes, recv_bytes;
	char target_fault[600]; /* the target's first violation, "" while none */
	char suite_fault[600];  /* our own unmarked violation (a bug of the suite) */
	unsigned expected_faults; /* oracle objections to PW_BROKEN PDUs */
	bool target_fault_after_broken; /* target_fault came after such an objection: the
	                                 * oracle's model of the exchange may be off */
	bool blind;            /* PW_HIDDEN bytes were sent, or a PW_BROKEN PDU broke the
	                        * oracle's framing: the oracle is no longer fed */
	const struct sim_mem *mem;
	bool oracle_stopped;   /* pw_oracle_stop: nothing more shown to the oracle */
};

/* The real monotonic clock (host only). */
uint64_t pw_now_ns(void);
/* Sleeps ns of real time (the waits between real-TCP cases and probes). */
void pw_sleep_ns(uint64_t ns);

/* True if host is a loopback address (127.0.0.0/8 or ::1). */
bool pw_is_loopback(const char *host);

/* Open a TCP connection to host:port within timeout_ns. 0, or -1 with
 * why filled. A non-loopback host is refused unless allow_remote. */
int pw_connect(struct pwire *w, const struct sim_mem *mem, const char *host, uint16_t port, bool allow_remote,
	uint64_t timeout_ns, uint64_t deadline_ns, char *why, size_t why_cap);
void pw_close(struct pwire *w);

/* Send one sealed PDU (ipdu_tx_seal). 0, or -1 if the connection is gone. */
int pw_send(struct pwire *w, const struct ipdu_tx *tx, enum pw_mark mark);
/* Send raw bytes (any boundary), shown to the oracle unless PW_HIDDEN. */
int pw_send_raw(struct pwire *w, const uint8_t *p, size_t len, enum pw_mark mark);

/* Wait up to timeout_ns (and never past the deadline) for one PDU. */
enum pw_rx pw_recv(struct pwire *w, uint64_t timeout_ns, struct pw_pdu *out);

/* From now on the oracle sees nothing of this connection (both ways): for
 * a test that leaves what the oracle can model on purpose (e.g. a CmdSN
 * hole the RFC's TMF rules anticipate, §11.5.1). What it saw before stands. */
void pw_oracle_stop(struct pwire *w);

/* After a login settled them: digests both ways and our MRDSL. */
void pw_set_digests(struct pwire *w, bool header, bool data);

/* One line describing a PDU: opcode and the fields that matter for it. */
void pw_describe(const uint8_t *bhs, uint32_t dsl, char *out, size_t cap);

/* The logged PDUs, one a line with "  -> " / "  <- " prefixes, into out. */
void pw_log_text(const struct pwire *w, char *out, size_t cap);

#endif
