/* ctl_rig: what the control socket tests (test_ctl_socket.c,
 * test_ctl_apply.c) share. One daemon in-process, as daemon.c wires it (a
 * loop, net, store, env and engine over a configuration, and ctl_open on a
 * socket in a temporary directory), driven one loop round at a time, and
 * clients that connect, ask and read the answer. No iSCSI traffic: net
 * refuses TCP connections.
 */
#ifndef CTL_RIG_H
#define CTL_RIG_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/engine.h"
#include "daemon/ctl.h"
#include "daemon/ctl_req.h"
#include "daemon/dcfg.h"
#include "daemon/env.h"
#include "daemon/loop.h"
#include "daemon/net.h"
#include "daemon/store.h"

/* The rig's loop watches descriptors below this (daemon: DAEMON_FD_MAX). */
#define RIG_FD_MAX 64
/* One portal (never listened on: net's portal 0 stays closed), a RAM LU
 * d0 as LUN 0 of an open-access target. "@D" in a configuration is the
 * rig's directory. */
/* The rig's directory holds disk.img, a file of this size, from the start. */
#define RIG_DISK_BYTES (1 << 20)
#define RIG_IQN "iqn.2026-12.org.iscsi-sim:rig"
#define RIG_TPG "/iscsi/" RIG_IQN "/tpg1"
#define RIG_JSON \
	"{\"portals\": [{\"address\": \"127.0.0.1\", \"port\": 3260}]," \
	" \"lus\": [{\"name\": \"d0\", \"size\": \"1M\"}]," \
	" \"targets\": [{\"name\": \"" RIG_IQN "\", \"tpgs\": [{\"portals\": [0], \"open_access\": true," \
	"   \"luns\": [{\"lun\": 0, \"lu\": \"d0\"}]}]}]}"

struct rig {
	char dir[64];
	char sock[100]; /* fits sun_path */
	struct dcfg first; /* the daemon's configuration */
	struct dcfg *live; /* the running one (ctl replaces it) */
	struct denv env;
	struct store store;
	struct loop_hooks hooks;
	struct loop *loop;
	struct net *net;
	struct rt_engine *eng;
	struct ctl_target target;
	struct ctl *ctl;
};

/* Start the rig from json (see RIG_JSON), or from the quick flags q when
 * json is NULL; asserts every step. */
void rig_open(struct rig *g, const char *json, const struct dcfg_quick *q);
void rig_close(struct rig *g);
/* Write text (with "@D" replaced) to the file name in the rig's directory. */
void rig_write(const struct rig *g, const char *name, const char *text);
/* path of a file in the rig's directory (static buffer, one at a time). */
const char *rig_path(const struct rig *g, const char *name);
/* Run n rounds of the loop (each waits at most 2 ms). */
void rig_rounds(struct rig *g, int n);
/* A connected client of the socket (blocking socket). */
int rig_connect(struct rig *g);
/* Run the loop until fd holds a whole answer line (or EOF): its length,
 * NUL-terminated in buf; -1 if none came within 2000 rounds. */
ssize_t rig_read_answer(struct rig *g, int fd, char *buf, size_t len);
/* Run the loop until the daemon closes fd (EOF or reset) within rounds:
 * the bytes that came before; -1 if it stayed open. */
ssize_t rig_read_until_eof(struct rig *g, int fd, int rounds);
/* One request line on a new connection; the answer (malloc'd). */
char *rig_ask(struct rig *g, const char *line);
/* The request of argv-like words, as reftarget-ctl sends it: true when the
 * answer is ok; the answer's text ("out" or "error") in text. */
bool rig_cmd(struct rig *g, char *text, size_t len, const char *path, const char *cmd, const char *const *args);

#endif
