/* infra/fproxy: the brain of the fault-injecting TCP proxy (`isim proxy`,
 * `isim live`): which fault touches which connection, in which direction,
 * at which byte offset, PDU or time, and what each byte that crosses the
 * proxy becomes (delivered now, later, in slices, dropped, or the end of
 * the connection). Sans-I/O and deterministic: the host (host/proxy.c)
 * owns the sockets and the clock and only moves bytes between them and
 * this module's per-direction queues; the same rules, seed and client
 * bytes give the same fault log, whatever the host's read sizes.
 *
 * Directions use the scenario language's names: to_gw (client ->
 * target, the initiator's bytes) and to_ini (target -> client). The
 * iSCSI-aware rules frame each direction with the initiator's framer
 * (initiator/pdu.h, RFC 7143 §11.2), digests switched on when the login
 * it watched negotiated them (§13.1).
 * Owns its connections' queues and framers (through sim_mem).
 */
#ifndef SIM_FPROXY_H
#define SIM_FPROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/mem.h"
#include "sim/base/rng.h"
#include "sim/initiator/pdu.h"
#include "sim/spec/fault.h"

#define FPX_RULES_MAX 64u          /* rules one proxy applies */
#define FPX_CONNS_MAX 32u          /* connections open at once through one proxy */
#define FPX_PIPE_BYTES (256u << 10) /* bytes queued per direction before the proxy stops reading */
#define FPX_PIPE_SEGS 4096u        /* queued segments per direction (slices, held PDUs) */
#define FPX_FRAME_DATA_MAX (1u << 20) /* largest data segment the framer keeps; beyond: framing lost */
#define FPX_LOG_LINE_MAX 256u
/* A source that ends while the proxy still holds bytes of it: the end
 * reaches the peer this long after the last of them, so the peer reads
 * them first (with the real link the bytes would have been there long
 * before the end; a target that sees the reset with unread commands in
 * its socket may drop them, which the fault being replayed would not). */
#define FPX_END_DRAIN_NS 1000000000ull

enum fpx_dir {
	FPX_TO_GW = 0,  /* client (initiator) -> target (gateway) */
	FPX_TO_INI = 1, /* target -> client */
};
#define FPX_DIR_BIT(d) (1u << (d))
#define FPX_BOTH (FPX_DIR_BIT(FPX_TO_GW) | FPX_DIR_BIT(FPX_TO_INI))

enum fpx_kind {
	FPX_LATENCY = 0,  /* every byte waits lat + a draw in [0, jitter] (order kept) */
	FPX_STALL,        /* bytes arriving in the window are held until it ends (both directions by default) */
	FPX_RESET,        /* RST both sides: at a time, or once after= bytes crossed */
	FPX_PARTITION,    /* bytes arriving in the window wait for it to end, as TCP retransmits them (simnet's partition) */
	FPX_BLACKHOLE,    /* bytes arriving in the window are lost; the connection stays (toxiproxy's timeout) */
	FPX_SLICER,       /* deliver in writes of min..max bytes, delay apart */
	FPX_BANDWIDTH,    /* at most rate bytes/s */
	FPX_LIMIT_DATA,   /* deliver after= bytes, then close both sides (FIN) */
	FPX_CUT_PDU,      /* after the n-th PDU of opcode op: deliver it, then RST (cut_after_dataout, drop_at_pdu) */
	FPX_HOLD_PDU,     /* every PDU of opcode op waits hold (hold_r2t) */
	FPX_KINDS
};

struct fpx_rule {
	enum fpx_kind kind;
	const char *name;    /* as written: "cut_after_dataout", "slow_link" ... */
	int conn;            /* connection index (accept order, from 0); -1: every one */
	unsigned dirs;       /* FPX_DIR_BIT mask */
	uint64_t at_ns;      /* active from (since the proxy's time 0) */
	uint64_t dur_ns;     /* for this long; 0: until the end */
	uint64_t after;      /* reset, limit_data: bytes in the direction before it acts */
	bool by_bytes;       /* reset: after= given (else: at the time at=) */
	uint64_t n;          /* cut_pdu: the n-th PDU (1-based) */
	uint8_t op;          /* cut_pdu, hold_pdu: the opcode */
	uint32_t conns_max;  /* acts on at most this many connections (0: any number) */
	uint64_t lat_ns, jitter_ns; /* latency; hold_pdu: lat_ns is the hold */
	uint64_t rate;       /* bandwidth, bytes/s */
	uint32_t slice_min, slice_max;
	uint64_t delay_ns;   /* slicer: between slices */
	int line;            /* where it came from (error messages), 0: none */
};

/* What a queued segment is. */
enum fpx_act {
	FPX_DELIVER = 0,
	FPX_DO_RESET,  /* RST both sides (SO_LINGER 0) */
	FPX_DO_CLOSE,  /* FIN both sides */
};

struct fpx_seg {
	enum fpx_act act;
	uint32_t len;        /* bytes (DELIVER) */
	uint64_t release_ns; /* not before */
	bool solo;           /* a slice: never merged with the next one */
	bool held;           /* waits on a stall or partition: still in the sender's TCP, not on the wire */
};

/* One direction of one connection: the framer, the offsets, the queue. */
struct fpx_pipe {
	uint64_t off_in;      /* bytes fed (the stream offset faults are logged at) */
	uint64_t pdus;        /* PDUs whose last byte was fed */
	uint64_t op_count[64];/* per opcode (6 bits) */
	struct ipdu_rx rx;
	bool framing, framing_lost;
	struct sim_rng rng;
	uint64_t last_release;
	uint64_t bw_free_at;  /* bandwidth: the link is busy until */
	uint32_t slice_left;  /* bytes left in the current slice */
	bool slice_cont;      /* the last segment is the current slice's start: the rest joins it */
	bool ended;           /* a reset/close is queued: nothing more is taken */
	bool holding;         /* the chunk being queued waits on a stall or partition (fpx_seg.held) */
	/* the queue: a byte ring and a segment ring */
	uint8_t *buf;
	uint32_t head, used;
	struct fpx_seg *segs;
	uint32_t seg_head, seg_used;
	uint64_t fired;       /* rules (bits) logged once on this direction */
};

struct fpx_conn {
	bool open;
	unsigned idx;         /* accept order */
	uint64_t opened_ns;
	struct fpx_pipe pipe[2];
	uint64_t reset_fired; /* time resets already done (rule bits) */
};

struct fpx {
	const struct sim_mem *mem;
	uint64_t seed;
	struct fpx_rule rules[FPX_RULES_MAX];
	unsigned nrules;
	uint32_t rule_conns[FPX_RULES_MAX]; /* connections each rule acted on (conns_max) */
	struct fpx_conn conns[FPX_CONNS_MAX];
	unsigned accepted;
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	uint64_t faults_logged;
};

void fpx_init(struct fpx *x, const struct sim_mem *mem, uint64_t seed);
void fpx_fini(struct fpx *x);
/* Add a rule; false if the table is full. */
bool fpx_add(struct fpx *x, const struct fpx_rule *r);

/* The spec language (infra/fproxy_spec.c). Parse one fault spec ("partition at=2s for=3s dir=to_gw", "hold_r2t
 * hold=500ms", "cut_after_dataout n=3", "latency lat=20ms jitter=5ms" ...;
 * the keys in sim/README.md, "Fault-injecting proxy") into r. On error
 * writes why into err and returns false. */
bool fpx_parse(const char *spec, struct fpx_rule *r, char *err, size_t err_len);
/* The rules a scenario fault means for the proxy on the path between
 * initiator ini and gateway gw: appended to x. Faults of other links and
 * kinds the proxy cannot apply are skipped (*skipped counts them);
 * disk_slow of gw becomes latency on to_gw (the bytes arrive that much
 * later, as a command waiting in a hung backend would land). */
void fpx_from_fault(struct fpx *x, const struct fault *f, int ini, int gw, unsigned *skipped);

/* A connection was accepted at now: its slot, or -1 if all are in use. */
int fpx_open(struct fpx *x, uint64_t now);
void fpx_close(struct fpx *x, int slot);

/* Bytes the host may read for this direction now (0: backpressure). */
size_t fpx_room(const struct fpx *x, int slot, enum fpx_dir d);
/* Bytes read from the direction's source at now: framed, judged, queued.
 * len must not exceed fpx_room. */
void fpx_feed(struct fpx *x, int slot, enum fpx_dir d, uint64_t now, const uint8_t *p, size_t len);
/* The source of a direction ended (FIN or RST): what is queued still
 * goes, then the end (reset when the source was reset), except on a
 * reset the bytes a stall or partition still holds: a sender that aborts
 * retransmits nothing (RFC 793 §3.4: ABORT flushes the send queue), so
 * they never arrive (logged). */
void fpx_source_end(struct fpx *x, int slot, enum fpx_dir d, uint64_t now, bool reset);

/* Time rules (reset at=) due at now for this connection: true if the
 * connection is to be reset now (logged). */
bool fpx_tick(struct fpx *x, int slot, uint64_t now);

/* The head of a direction's queue if due at now: DELIVER with *p, *len
 * set, or an action; false if nothing is due. */
bool fpx_head(const struct fpx *x, int slot, enum fpx_dir d, uint64_t now, enum fpx_act *act,
	const uint8_t **p, size_t *len);
/* n bytes of the head segment were written (or the action done). */
void fpx_consume(struct fpx *x, int slot, enum fpx_dir d, size_t n);
/* Queued bytes of a direction. */
uint32_t fpx_queued(const struct fpx *x, int slot, enum fpx_dir d);
/* Earliest time anything of this connection is due (SIM_NEVER: none). */
uint64_t fpx_next(const struct fpx *x, int slot, uint64_t now);
/* Until when the connection with accept index idx (x->accepted: the
 * next one) cannot form if its SYN is sent at now: the end of the
 * partitions that hold then on its link, in either direction (to_gw
 * loses the SYN, to_ini the SYN-ACK), and of the blackholes on to_gw;
 * SIM_NEVER for one without end; 0 when none does. A real client's kernel retransmits the
 * SYN (RFC 6298 §2.1, §5.5: 1 s, then doubling), so the connection forms at
 * the first retransmission after the heal, if the client still waits;
 * the simulated network does the same (simnet.h SIMNET_SYN_RTO_NS). */
uint64_t fpx_syn_blocked_until(const struct fpx *x, unsigned idx, uint64_t now);
/* The first time after now at which fpx_syn_blocked_until's answer for
 * idx may change (a partition or blackhole on its link starts or ends);
 * SIM_NEVER: never. */
uint64_t fpx_syn_next_change(const struct fpx *x, unsigned idx, uint64_t now);

const char *fpx_dir_name(enum fpx_dir d);
/* An opcode's name in the spec language ("data_out", "r2t"; "unknown"). */
const char *fpx_op_name(uint8_t op);

#endif
