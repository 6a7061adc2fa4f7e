/* ctl: the daemon's control socket (live management, targetcli's
 * vocabulary: ctl_req.h) and the pipeline that turns an edited model into
 * a running configuration: load it (dcfg), keep every running LU at its
 * index (retired ones stay open for the I/O in flight, core/reconfig.h),
 * open the new backstores, listen on new portals, rt_engine_reconfigure.
 *
 * The socket is AF_UNIX, mode 0600 (root-only when root runs the daemon),
 * and a peer of another uid is refused (SO_PEERCRED). One request per
 * connection, CTL_CLIENTS_MAX connections at once. Owns the socket, its
 * clients, the model and every dcfg it loaded (the first one, the
 * daemon's, stays the caller's).
 */
#ifndef RT_CTL_H
#define RT_CTL_H

#include <stdbool.h>

#include "core/engine.h"
#include "dcfg.h"
#include "loop.h"
#include "net.h"
#include "store.h"

/* Where --ctl puts the socket: the run directory of a system service as
 * root, else beside the caller. */
#define CTL_SOCKET_ROOT_DIR "/run/reftarget"
#define CTL_SOCKET_ROOT CTL_SOCKET_ROOT_DIR "/ctl.sock"
#define CTL_SOCKET_USER "./reftarget-ctl.sock"
/* Control connections served at once; more wait in the backlog. */
#define CTL_CLIENTS_MAX 4u
/* A control connection that sends no whole request in this time is closed. */
#define CTL_CLIENT_TIMEOUT_MS 5000u

struct ctl;

/* What the pipeline changes: the daemon's current dcfg (*live, replaced
 * on every change), its store, net and engine. */
struct ctl_target {
	struct dcfg **live;
	struct store *store;
	struct net *net;
	struct rt_engine *eng;
	uint64_t (*random)(void);
};

/* Open the socket at path. -1 with err: the path is live (another daemon
 * answers there), is not a socket, or cannot be bound. */
struct ctl *ctl_open(struct loop *l, const char *path, const struct ctl_target *t, char *err, size_t err_len);
/* Close the socket (unlinking it) and free the clients and the model;
 * the dcfgs stay until ctl_free (the engine may still read one). */
void ctl_close(struct ctl *c);
void ctl_free(struct ctl *c);
/* Close clients that sent nothing whole in CTL_CLIENT_TIMEOUT_MS. */
void ctl_on_time(struct ctl *c, uint64_t now_ns);
uint64_t ctl_next_deadline(const struct ctl *c);

#endif
