/* workload: one initiator's application: a fixed queue depth of I/Os
 * (READ, WRITE, WRITE with FUA, SYNCHRONIZE CACHE, UNMAP, COMPARE AND
 * WRITE; SBC-3 §5) over its multipath device, each one registered with
 * the data oracle before it starts and judged when it ends.
 *
 * LBAs come from a small hot set (so initiators race on the same blocks)
 * or the whole LU. Writes carry block.h contents; reads are checked
 * block by block; COMPARE AND WRITE compares against the last value this
 * initiator saw. A command the LU does not support (ILLEGAL REQUEST) is
 * dropped from the mix.
 *
 * Beside the mix, two things real hosts do: a COMPARE AND WRITE
 * heartbeat (VMware ATS style: every interval the host replaces its own
 * heartbeat block, one per host at the end of the LU, expecting what it
 * wrote last; after a MISCOMPARE it reads the block and goes on from
 * there), and one PERSISTENT RESERVE OUT RESERVE (SPC-4 §6.16) by a
 * reservation holder, retried until it succeeds.
 * Owns its slots and buffers (through sim_mem).
 */
#ifndef SIM_WORKLOAD_H
#define SIM_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/initiator/multipath.h"
#include "sim/oracle/data.h"
#include "sim/base/rng.h"
#include "sim/base/trace.h"
#include "sim/base/tput.h"

enum wl_op {
	WL_READ = 0,
	WL_WRITE,
	WL_WRITE_FUA,
	WL_FLUSH,
	WL_UNMAP,
	WL_CAW,
	WL_RESERVE, /* never drawn: the reservation holder's one RESERVE */
	WL_ODD,     /* a CDB the LU does not support (wl_odd_opcode): judged, never counted as I/O */
	WL_OPS
};

/* The odd commands (issue 16 class 2): opcodes no direct-access device
 * server defines, which SPC-4 §4.2.5 leaves reserved (group 3, 60h..7Dh:
 * 7Eh and 7Fh are the extended and variable-length CDBs) or to vendors
 * (groups 6 and 7, C0h..FFh). A target that implements none of them must
 * end each with CHECK CONDITION, ILLEGAL REQUEST, INVALID COMMAND
 * OPERATION CODE (05/20/00, SPC-4 §4.5.6, SAM-5 §5.3) and change
 * nothing; the reference target implements none. A scenario that uses
 * them says so by its weight (`workload odd=`). */
#define WL_ODD_OPCODES 94u
uint8_t wl_odd_opcode(uint32_t i);
/* Data an odd command claims to move, at most (Data-Out sent as
 * unsolicited/solicited data, Data-In allocation): the target must take or
 * refuse it and keep the connection. */
#define WL_ODD_XFER_MAX 8192u

/* The I/O buffers of one host (qd slots of max_blocks blocks) are bounded:
 * 64 MiB, e.g. qd 32 of 2 MiB, so a world of 16 hosts stays near 1 GiB.
 * Older files (max_blocks <= 64, qd <= 64, 4 KiB blocks) need 16 MiB. */
#define WL_BUF_BYTES_MAX (64ull << 20)

/* The last blocks of the LU hold the heartbeats (block blocks-1-i for
 * initiator i); the mix leaves them alone when heartbeats run. */
#define WL_HB_BLOCKS 16u

struct wl_cfg {
	uint32_t qd;
	uint64_t think_mean_ns;
	uint32_t weight[WL_OPS];
	uint32_t max_blocks;     /* per I/O, <= ODATA_WRITE_BLOCKS_MAX */
	uint64_t hot_blocks;     /* size of the contended LBA set */
	uint32_t hot_ppm;        /* chance an I/O targets the hot set */
	uint64_t blocks;         /* LU size */
	uint32_t block_size;
	uint64_t start_at_ns;    /* no I/O before (the application starts once its device is up) */
	uint64_t stop_at_ns;     /* no new I/O from then on */
	uint64_t hb_interval_ns; /* COMPARE AND WRITE heartbeat period, 0: none */
	uint64_t lun;            /* the LU's number (0 in the simulator; a real target's, live) */
	uint64_t fault_at_ns;    /* the scenario's first fault: time to fail over is measured from it */
};

struct wl_slot {
	struct mp_io io;
	enum wl_op op;
	bool busy;
	bool heartbeat;          /* the heartbeat's own slot */
	uint64_t ver, lba, expect;
	uint32_t n;
	uint64_t invoke;
	unsigned read_token;
	uint64_t next_at;
	uint8_t *buf;
	uint64_t *in_map; /* a bit per byte of buf: a read's bytes some Data-In wrote */
};

struct wl_stats {
	uint64_t issued[WL_OPS], ok[WL_OPS], failed[WL_OPS];
	uint64_t no_path, miscompares, medium_errors, retried_out;
	uint64_t conflicts;      /* RESERVATION CONFLICT answers */
	uint64_t odd_refused;    /* odd commands answered 05/20/00 (or 05/25/00) as SPC-4 says */
	uint64_t latency_max_ns, latency_sum_ns, completed;
	uint64_t stall_max_ns;   /* longest time with I/O outstanding and none completing GOOD */
	/* Time to fail over, the same in the simulator and live (the
	 * fidelity table): from cfg->fault_at_ns to the first I/O that
	 * completed GOOD through another gateway than the one it was first
	 * sent to (one the multipath layer moved off a failing path);
	 * SIM_NEVER: none did. Whether the gateways are used active/passive
	 * or all at once, it is when the first stuck I/O got through. */
	uint64_t failover_ns;
	/* Bytes of reads and writes completed GOOD over time
	 * (wl_op_in_tput), judged up to tput_end_ns (the workload's stop): the
	 * metrics tput_median_min, tput_dip_max and tput_peak_pct. */
	struct tput tput;
	uint64_t tput_end_ns;
};

struct workload {
	const struct wl_cfg *cfg;
	const struct sim_mem *mem;
	struct sim_rng rng;
	struct odata *od;
	struct mpath *mp;
	struct sim_trace *tr;
	int ini;
	struct wl_slot *slots;
	uint32_t nslots;         /* qd, plus one for the heartbeat */
	/* Per slot, its next_at while not busy, SIM_NEVER while busy; kept
	 * at every change of either (slot_changed). wl_next_deadline runs at
	 * every event that rearms the initiator's timer: a walk over the
	 * slots themselves (one cache line or more each) was 1.4% of isim
	 * bench's CPU samples, waiting on memory; this array is 8 bytes a slot. */
	uint64_t *idle_at;
	uint32_t busy_n;         /* slots busy */
	uint64_t *seen;          /* per LBA: the last version this initiator saw */
	struct block_seen *decoded; /* the blocks of the read being judged (note_seen) */
	size_t decoded_cap;
	bool disabled[WL_OPS];
	bool failed;             /* the oracle found a violation */
	bool bad_answer;         /* an odd command got an answer SPC-4 forbids (why in answer_why) */
	char answer_why[256];
	bool hb_reread;          /* the heartbeat miscompared: read before the next one */
	uint64_t pr_key;         /* the reservation to take (0: none) */
	uint8_t pr_type;
	uint64_t pr_at;          /* when to (re)try the RESERVE, SIM_NEVER once done */
	uint64_t pr_held_since;  /* the RESERVE was acknowledged then (SIM_NEVER: not yet) */
	uint64_t stall_since;    /* last GOOD completion, or when I/O began to be outstanding */
	uint64_t now;
	struct wl_stats stats;
};

void wl_init(struct workload *w, const struct wl_cfg *cfg, const struct sim_mem *mem, const struct sim_rng *rng,
	struct odata *od, struct mpath *mp, struct sim_trace *tr, int ini);
void wl_fini(struct workload *w);
/* Take a persistent reservation of this type with this key at time at. */
void wl_set_reservation(struct workload *w, uint64_t key, uint8_t type, uint64_t at);

void wl_on_time(struct workload *w, uint64_t now);
uint64_t wl_next_deadline(const struct workload *w);
/* An I/O of ours came back from the multipath layer. */
void wl_io_done(struct workload *w, uint64_t now, struct mp_io *io);
unsigned wl_outstanding(const struct workload *w);
/* The data version an I/O of ours writes (write, unmap, CAW), else 0. */
uint64_t wl_version_of(const struct mp_io *io);
/* Whether an I/O of ours changes data, and when the application issued it. */
bool wl_io_writes(const struct mp_io *io);
uint64_t wl_io_invoked(const struct mp_io *io);

const char *wl_op_name(enum wl_op op);
/* Whether an operation's GOOD completion counts in the throughput series
 * (wl_stats.tput): reads and writes, whose blocks move. The SVG timeline
 * asks the same of the trace's "op" names (wl_op_name). */
bool wl_op_in_tput(enum wl_op op);
/* What is wrong with a host's settings on blocks of bs bytes (qd 1..64,
 * max_blocks 1..ODATA_WRITE_BLOCKS_MAX, buffers within WL_BUF_BYTES_MAX),
 * in why; 0 if nothing. */
int wl_cfg_check(const struct wl_cfg *c, uint32_t bs, char *why, size_t cap);

#endif
