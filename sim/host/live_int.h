/* host/live_int: what host/cmd_live.c (`isim live`: the run) and
 * host/live_verdict.c (its verdict, counts and fidelity row) share: the
 * live run's hosts, paths and totals. Host code, not the core.
 */
#ifndef SIM_HOST_LIVE_INT_H
#define SIM_HOST_LIVE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/host/isim.h"
#include "sim/host/proxy.h"
#include "sim/initiator/workload.h"
#include "sim/oracle/expect.h"
#include "sim/oracle/protocol.h"

#define LIVE_SENDBUF_BYTES (4u << 20) /* a path's unsent bytes before its connection counts as failed */
#define LIVE_DONE_MAX (SIM_INIS_MAX * SIM_PATHS_MAX * (ISESS_TASKS_MAX + 8u))
#define LIVE_VPD_LEN 252u             /* INQUIRY VPD page 83h allocation: a target's designators fit */

struct lini;

struct lpath {
	struct lini *in;
	int idx, gw;
	struct isess sess;
	struct isess_cfg cfg;     /* the initiator's, with this gateway's target name */
	struct hproxy px;
	uint16_t port;            /* the proxy's */
	int fd;
	bool connecting, connect_failed;
	uint8_t *out;             /* unsent bytes */
	size_t out_len;
	struct oproto op[FPX_CONNS_MAX]; /* per proxied connection (slot = conn % max) */
	bool op_live[FPX_CONNS_MAX];
	/* its target port group, asked once (INQUIRY VPD page 83h) before
	 * multipath hears the path is up */
	struct icmd vpd;
	uint8_t vpd_buf[LIVE_VPD_LEN];
	bool vpd_busy, tpg_known;
};

struct lini {
	int idx;
	bool played;              /* --hosts: this process plays it */
	char name[64];
	struct isess_cfg icfg;
	struct mpath_cfg mpcfg;
	struct mpath mp;
	struct workload wl;
	struct lpath paths[SIM_PATHS_MAX];
};

struct ldone {
	struct lini *in;
	unsigned path;
	struct icmd *c;
};

struct live {
	const struct sim_params *p;
	struct lini inis[SIM_INIS_MAX];
	struct odata od;
	struct wl_cfg wlcfg;
	struct sim_trace tr; /* nothing traced (mask 0): the workload wants one */
	uint64_t t0;
	struct ldone done[LIVE_DONE_MAX];
	unsigned ndone;
	/* what the fidelity table shows besides the workloads' and
	 * multipaths' own stats (the same the simulator's metrics read) */
	uint64_t proto_violations;
	char proto_why[256];
	FILE *hist;               /* --history: the played host's I/O history */
};

/* live_verdict.c: the played hosts' counts (multipath, data oracle,
 * protocol oracle) on stdout; the verdict as the simulator judges it,
 * printed with the fidelity table's row (appended to row if given: the
 * columns of scenarios/live.sh). Whether the run met the expectation
 * within the wall-clock limit. */
void live_print_counts(const struct live *lv);
bool live_report(const struct live *lv, const struct scenario_expect *se, const char *label, const char *row,
	uint64_t wall, bool timed_out);

#endif
