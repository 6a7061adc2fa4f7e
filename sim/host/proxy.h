/* host/proxy: the sockets of the fault-injecting proxy (`isim proxy`,
 * `isim live`): one listening loopback socket, and per accepted client a
 * connection to the target, with the bytes of both directions passed
 * through the deterministic rules of infra/fproxy. Single-threaded, poll:
 * a proxy adds its descriptors to the caller's poll set and acts on the
 * answer, so one loop can drive several proxies (one per path).
 * Loopback only (127.0.0.0/8): both --listen and --to are refused
 * otherwise. Owns its sockets and its fpx.
 * A partition or blackhole on the link keeps a new connection from
 * forming, as on a real network: while one holds for the next connection
 * to be accepted, a socket filter on the listening socket drops every
 * packet that reaches it (SYN included: the client's kernel answers
 * nothing, its connect() waits and retransmits the SYN, and the first
 * SYN after the heal completes it). A client whose handshake the kernel
 * completed before the partition began, but which is accepted during it,
 * is held instead (hpx_conn.syn_held): its target hears of it at the heal.
 * With syn_hold set every such connection is held so (no filter): the
 * client's connect completes, its target hears of it at the heal, never
 * if the client closed first (the guest's relay, host/cmd_proxy.c).
 */
#ifndef SIM_HOST_PROXY_H
#define SIM_HOST_PROXY_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/infra/fproxy.h"

#define HPX_POLLFDS_MAX (1u + 2u * FPX_CONNS_MAX) /* descriptors one proxy may add to a poll set */
#define HPX_READ_MAX (64u << 10)                 /* bytes read per call */

struct hpx_conn {
	int cfd, ufd;          /* client, upstream (target); -1: closed */
	bool connecting;       /* upstream connect() in progress */
	bool syn_held;         /* upstream connect() not started: a partition holds the SYN */
	bool src_done[2];      /* the direction's source ended */
	bool sink_dead[2];     /* its sink failed: bytes for it are dropped */
	int pfd[2];            /* index in the poll set of cfd, ufd (-1: not polled) */
};

/* Someone watching the bytes each side sent (the protocol oracle). */
typedef void (*hpx_watch_fn)(void *ctx, unsigned conn, enum fpx_dir d, const uint8_t *p, size_t n);
/* A connection ended (reset or closed), for path statistics. */
typedef void (*hpx_event_fn)(void *ctx, unsigned conn, const char *what);

struct hproxy {
	char name[32];
	int lfd, lpfd;
	struct sockaddr_in to;
	struct fpx x;
	struct hpx_conn c[FPX_CONNS_MAX];
	uint64_t t0_ns;       /* the rules' time 0 (wall clock) */
	FILE *log;
	bool log_prefix;      /* prefix lines with "proxy=NAME " */
	hpx_watch_fn watch;
	hpx_event_fn event;
	void *ctx;
	bool syn_hold;        /* a partition holds new connections instead of dropping their SYNs */
	bool syn_drop;        /* the listener's filter drops SYNs now (a partition) */
	uint64_t bytes[2], resets, closes, refused;
};

/* Parse "127.0.0.1:PORT" (loopback IPv4 only); false with why. */
bool hpx_parse_addr(const char *s, struct sockaddr_in *out, char *why, size_t why_len);

/* Listen on listen_addr; rules are added to p->x afterwards. */
int hpx_open(struct hproxy *p, const char *name, const struct sockaddr_in *listen_addr,
	const struct sockaddr_in *to, uint64_t seed, FILE *log, char *why, size_t why_len);
void hpx_close(struct hproxy *p);
/* Start the rules' clock. */
void hpx_start(struct hproxy *p, uint64_t now_ns);

/* Add this proxy's descriptors to pfds (from n, at most cap in all);
 * returns the new count. */
unsigned hpx_poll_set(struct hproxy *p, struct pollfd *pfds, unsigned n, unsigned cap, uint64_t now_ns);
/* After poll: accept, read, write, act. */
void hpx_after_poll(struct hproxy *p, const struct pollfd *pfds, uint64_t now_ns);
/* Earliest wall time this proxy must look again (UINT64_MAX: none). */
uint64_t hpx_deadline(const struct hproxy *p, uint64_t now_ns);
/* Connections open now. */
unsigned hpx_open_conns(const struct hproxy *p);

#endif
