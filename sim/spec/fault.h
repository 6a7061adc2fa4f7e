/* fault: the fault schedule of a world, as data.
 *
 * A fault is a kind, a start time, a duration (after which it heals) and
 * the parts of the world it touches. The world applies and heals them
 * (world.c); the swarm draws them from the seed (swarm/draw.c); the scenario
 * format reads and writes them (scenario.c); the shrinker removes and
 * shortens them (shrink.c). Owns nothing.
 */
#ifndef SIM_FAULT_H
#define SIM_FAULT_H

#include <stdbool.h>
#include <stdint.h>

enum fault_kind {
	F_PARTITION = 0, /* ini, gw, dir: packets between them wait */
	F_STALL,         /* ini, gw: their current connections freeze */
	F_RESET,         /* ini, gw: their current connections are reset */
	F_SLOW,          /* ini, gw: a slow link (a: bytes/s, b: extra latency ns) */
	F_GW_CRASH,      /* gw: process crash (RST to peers), restart after dur */
	F_GW_POWER,      /* gw: machine crash (silence), restart after dur */
	F_GW_PAUSE,      /* gw: frozen (GC pause, VM stun) for dur */
	F_GW_SHUTDOWN,   /* gw: graceful stop (Async logout), restart after dur */
	F_DISK_POWER,    /* the disk loses its volatile cache */
	F_DISK_BAD,      /* LBAs [a, a+b) fail reads and writes for dur */
	F_DISK_SLOW,     /* gw: its disk I/O takes a extra ns for dur */
	F_ALLOC_FAIL,    /* gw: its next a allocations fail */
	/* Timeline events of scenario files; the swarm draws only the kinds above. */
	F_ALUA_FAILOVER, /* gw: the cluster makes it the active/optimized gateway (implicit or explicit ALUA) */
	F_LOGIN_DROP,    /* ini, gw: the next a connections between them are reset mid-login */
	F_SWIZZLE,       /* ini, gw: both directions clog one by one and unclog in another order, drawn from the seed, within dur */
	F_NOISE,         /* ini, gw, dir: a noisy link, each send has one byte flipped with chance a ppm (digest errors, §7.8) */
	F_LUN_UNMAP,     /* gw: its portal group maps no LU for dur (a live reconfiguration, targetcli's luns/ delete), then maps it again */
	/* Host life cycle (issue 16 class 5): */
	F_LOGOUT,        /* ini, gw: the host logs its paths to gw out (iscsiadm -u), logs in again after dur; a=1: with a new ISID */
	F_INI_EXIT,      /* ini: the initiator process exits (no Logout), starts again after dur; a=1: with new ISIDs */
	F_KINDS
};
#define F_SWARM_KINDS F_ALUA_FAILOVER

/* Which way a partition cuts. */
enum fault_dir {
	FD_BOTH = 0,
	FD_TO_GW = 1,  /* initiator -> gateway packets lost */
	FD_TO_INI = 2, /* gateway -> initiator packets lost */
};

struct fault {
	enum fault_kind kind;
	uint64_t at_ns;
	uint64_t dur_ns;
	int ini, gw;
	enum fault_dir dir;
	uint64_t a, b;
};

#define FAULTS_MAX 256u

struct fault_list {
	struct fault f[FAULTS_MAX];
	unsigned n;
};

/* Which nodes a fault concerns: a link (one initiator and one gateway),
 * one gateway alone, or the disk every gateway shares. Its ini (and, for
 * the disk, its gw) mean nothing outside that scope. */
enum fault_scope {
	FS_LINK = 0,
	FS_GATEWAY,
	FS_DISK,
	FS_HOST,    /* one initiator host alone */
};

const char *fault_kind_name(enum fault_kind k);
enum fault_scope fault_scope(enum fault_kind k);
/* The kind named s, or F_KINDS. */
enum fault_kind fault_kind_parse(const char *s);
const char *fault_dir_name(enum fault_dir d);

/* Latest time any fault is still active (its heal time). */
uint64_t faults_last_heal(const struct fault_list *l);

/* Earliest time any fault starts (SIM_NEVER: no faults). */
uint64_t faults_first_at(const struct fault_list *l);

/* Keep the list sorted by start time (stable). */
void faults_sort(struct fault_list *l);

#endif
