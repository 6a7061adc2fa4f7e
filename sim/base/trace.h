/* trace: the world's event log, one JSON object per line (JSONL).
 *
 * Every event a world reports goes through trace_ev(): its identity
 * (time, kind, name, node, index and two numbers) is folded into a
 * running 64-bit hash (the determinism self-check compares these), and,
 * when observers are attached (file writer, SVG timeline), it is
 * formatted once as {"t":<ns>,"ev":"<kind>.<what>",...} and handed to
 * them. Owns nothing; the format buffer lives in struct sim_trace.
 *
 * A node is one machine of the simulated world: an initiator host or a
 * gateway, never anything else. An event's node is the machine it
 * happened on or concerns; its line names it by role and index ("ini":1
 * or "gw":0, which one depends on the kind: trace.c's field_names), and
 * its index by what it counts ("path", "conn", "slot").
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

enum tev_kind {
	TEV_WORLD = 0, /* start, end, summary */
	TEV_FAULT,     /* a fault begins or heals */
	TEV_GW,        /* gateway crash, restart, pause, resume */
	TEV_CONN,      /* TCP connection open, close, reset */
	TEV_SESS,      /* initiator session: login, recovery, logout */
	TEV_PATH,      /* multipath path state */
	TEV_IO,        /* application I/O submit and completion */
	TEV_PDU,       /* one PDU on the wire */
	TEV_DISK,      /* disk operations and faults */
	TEV_ORACLE,    /* an oracle's verdict */
	TEV_DIO,       /* one disk I/O completing (detail, off by default) */
	TEV_ATTACK,    /* a hostile initiator starts, acts, is answered, stops */
	TEV_KINDS
};

#define TRACE_OBSERVERS_MAX 4
#define TRACE_LINE_MAX 768

struct tev {
	uint64_t t;
	enum tev_kind kind;
	const char *what;
	int node; /* the node's index: an initiator (conn, sess, path, io, pdu, oracle) or a gateway
	           * (fault, gw, disk, dio); -1: none (the world, a disk-wide fault) */
	int idx;  /* path, connection, I/O slot ... depending on kind; -1: none */
	uint64_t a, b; /* two numbers an observer may use (offset, latency ...) */
	const char *line; /* the JSON line, without newline */
	size_t len;
};

typedef void (*trace_observer_fn)(void *ctx, const struct tev *ev);

struct sim_trace {
	uint64_t hash;
	uint64_t events;
	uint32_t kinds_mask; /* which kinds are recorded (1u << kind); others are dropped */
	trace_observer_fn obs[TRACE_OBSERVERS_MAX];
	void *obs_ctx[TRACE_OBSERVERS_MAX];
	unsigned nobs;
	char buf[TRACE_LINE_MAX];
};

void trace_init(struct sim_trace *tr, uint32_t kinds_mask);
void trace_observe(struct sim_trace *tr, trace_observer_fn fn, void *ctx);

/* Record one event. fmt (may be NULL) adds fields: ",\"k\":%u" style,
 * starting with a comma. */
void trace_ev(struct sim_trace *tr, uint64_t t, enum tev_kind kind, const char *what, int node,
	int idx, uint64_t a, uint64_t b, const char *fmt, ...) __attribute__((format(printf, 9, 10)));

static inline int trace_on(const struct sim_trace *tr, enum tev_kind kind)
{
	return (tr->kinds_mask >> kind) & 1u;
}

const char *trace_kind_name(enum tev_kind kind);

/* Copy src into dst as the inside of a JSON string (quotes, backslashes
 * and control characters escaped), cut to fit cap. */
void trace_json_escape(char *dst, size_t cap, const char *src);

#endif
