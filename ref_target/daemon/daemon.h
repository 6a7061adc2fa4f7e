/* daemon: the reference target as a process: one engine, its env, the
 * event loop, the listening portals and the signals that stop it.
 *
 * Start: derive LU identities, open the backstores, validate (a bad config
 * is refused before any socket opens), create the engine, listen.
 * Stop: the first SIGINT/SIGTERM closes the portals and asks the engine to
 * end every session (rt_engine_shutdown: Async logout request, RFC 7143
 * §11.9.1), then waits until the engine is idle and every queued byte has
 * gone, at most logout_timeout_ms plus a little; the exit status is 0 either
 * way. A second signal ends at once (status 128 + signal number).
 */
#ifndef RT_DAEMON_H
#define RT_DAEMON_H

#include <stdbool.h>

#include "dcfg.h"

/* After logout_timeout_ms, how much longer a drain may take: the engine
 * drops what is left at its timeout; this covers the last flushes. */
#define DAEMON_DRAIN_SLACK_MS 2000u
/* Descriptors the loop can watch; connections beyond are refused. */
#define DAEMON_FD_MAX 4096u
/* Sockets the network layer holds beyond the engine's RT_CONNS_MAX: one
 * the engine is asked about while its table is full (it may evict an old
 * login for it, admit.h) and closed ones still flushing (NET_LINGER_NS). */
#define DAEMON_NET_SPARE 256u

struct daemon_opts {
	const char *state_dir; /* see env.h for the default */
	bool check_only;       /* open and validate, report, exit */
	bool quiet_urls;       /* -q: no URLs on stdout once listening */
	const char *ctl_socket; /* the control socket (ctl.h); NULL: none */
	bool sync_io;          /* --sync-io: file and block LUs without io_uring */
};

/* Run until stopped; returns the process exit status (errors are logged). */
int daemon_run(struct dcfg *d, const struct daemon_opts *o);

#endif
