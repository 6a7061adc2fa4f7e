/* disk: the simulated shared disk behind every gateway (one image that
 * all gateways write, as Ceph iSCSI gateways share one RBD image).
 *
 * Serves rt_disk_io requests asynchronously: each completes after a
 * latency drawn per operation, so completions come out of order. A write
 * takes effect when it completes. With a volatile write cache, a write
 * without FUA lands in the cache (reads see it at once) and becomes
 * durable only by a FLUSH, a later FUA write to the block, or by luck
 * (background destaging) when power is lost; disk_power_loss() drops the
 * rest block by block, so one multi-block write can survive in part (a
 * torn write). Faults: read and write errors (RT_DISK_ERR_READ/WRITE ->
 * MEDIUM ERROR), per-I/O or over an LBA range; a failed write may have
 * written a prefix of its blocks; misdirected writes (opt-in: the data
 * lands at another LBA and the write reports success); fencing (a
 * blocklisted gateway's writes fail with RT_DISK_ERR_FENCED).
 *
 * Exclusive lock (as librbd's, which Ceph iSCSI gateways rely on): the
 * first gateway to write owns the lock; another gateway's write takes it
 * and blocklists the previous owner's client instance, so every write
 * that instance has in flight or submits later fails with FENCED, until
 * it has seen such a failure and reopened (after reopen_delay) as a new
 * instance. A gateway that froze and woke up with old writes queued (a
 * zombie) thus cannot land them after another gateway took over. The lock
 * is an instance's, not a gateway's (as in Ceph, where every client
 * instance has its own identity): a restarted gateway breaks and
 * blocklists its own previous life at its first write. The lock is
 * taken when a write lands (librbd takes it before sending): a write of
 * a dead instance (its gateway crashed or stopped; disk_forget_gw) lands
 * only while no other instance holds the lock, and breaks none; a live
 * instance's write that lands after the owner landed an I/O it sent
 * later fails FENCED and blocklists its instance (taken at the send, the
 * lock was broken by that later I/O; five-flag swarm seed 8957).
 *
 * Three ways the lock can misbehave, each off by default (issue 16,
 * hazard class 1): the lock may be taken by any I/O, reads too
 * (lock_on=DISK_LOCK_ON_IO, as tcmu-runner before it tied the lock to
 * ALUA: every command through a non-owner broke it); breaking it may
 * fail (librbd's lock break answering EBUSY while the owner still
 * answers its watch): the I/O is refused, the owner keeps the lock, and
 * the next I/O tries again; and a blocklisted instance's reopen may
 * fail, to be tried again reopen_delay later (reopen_fail at 100%: it
 * never comes back, the tcmu-runner reopen that hangs).
 *
 * COMPARE AND WRITE in one step (RT_DISK_COMPARE_WRITE, compare_write:
 * librbd's compare-and-write, which the OSD does as one op): at landing,
 * the compare half against what reads see then, and the write half only
 * if they are equal, else RT_DISK_MISCOMPARE with the first differing
 * byte; the lock is taken and checked as for a write, and an error
 * (injected, or a bad range) writes nothing. Without compare_write it
 * fails RT_DISK_ERR_UNSUPPORTED (the world then leaves the LU's
 * RT_LU_COMPARE_WRITE off, so the engine never asks). Any whole number
 * of blocks: Ceph 16's one-sector bound is the rbd backstore's business
 * (ref_target/backstore/rbd_status.h), not modelled here.
 *
 * The shared persistent-reservation record (RT_DISK_PR_LOAD/STORE, for
 * an LU with RT_LU_PR_SHARED: target pr_shared=yes), as the RADOS object
 * "<image>.pr" beside a real gateway's image (ref_target/backstore/rbd.c):
 * opaque bytes and a version that every store raises; a store replaces
 * them only if the version is still the one its writer loaded (0: only
 * if there is none), else it fails RT_DISK_ERR_STALE (assert_version, an
 * exclusive create). A load or store takes the read or write latency and
 * the gateway's slowness like any I/O, lands when it completes, and of a
 * blocklisted (or fenced) instance fails RT_DISK_ERR_FENCED like its
 * writes (Ceph refuses every op of a blocklisted client). A store in
 * flight when its gateway crashed still lands (the OSD has it).
 *
 * Also keeps the small durable key/value state of rt_env.state_save,
 * shared by all gateways and surviving their crashes.
 * Owns the block arrays, in-flight records and saved state; the io
 * structs are the engine's, touched only until completion or
 * disk_forget_gw(), and so is a write's data (read in place when the
 * write lands) until disk_hold_gw_data() copies it.
 */
#ifndef SIM_DISK_H
#define SIM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rt_env.h"
#include "sim/base/evq.h"
#include "sim/base/mem.h"
#include "sim/base/rng.h"
#include "sim/base/trace.h"
#include "sim/initiator/block.h"

#define DISK_STATE_KEYS 16u
#define DISK_STATE_MAX 65536u
#define DISK_GWS_MAX 16u
/* The largest shared PR record a store may write (the engine's are at
 * most PR_SAVE_MAX, ~16 KiB); a larger one fails RT_DISK_ERR_WRITE. */
#define DISK_PR_RECORD_MAX 65536u
/* compare_write: the most blocks one RT_DISK_COMPARE_WRITE covers (what
 * MAXIMUM COMPARE AND WRITE LENGTH, one byte, can say: SBC-3 §6.5.3). */
#define DISK_COMPARE_WRITE_BLOCKS_MAX 255u
/* disk.dirty[] bits: the block's cur / dur bytes are in img[1], else img[0] */
#define DISK_BLK_CUR_1 0x4u
#define DISK_BLK_DUR_1 0x8u
/* disk_pat.ver of a block whose image holds its bytes (not a pattern) */
#define DISK_PAT_BYTES UINT64_MAX

struct disk_params {
	uint64_t blocks;
	uint32_t block_size;
	struct sim_dist read_lat, write_lat, flush_lat;
	uint32_t read_err_ppm;   /* per read I/O */
	uint32_t write_err_ppm;  /* per write I/O */
	bool volatile_cache;
	uint32_t destage_ppm;    /* chance a dirty block survives a power loss anyway */
	uint32_t misdirect_ppm;  /* opt-in: a write lands elsewhere */
	bool exclusive_lock;
	uint64_t reopen_delay_ns; /* a blocklisted gateway's time to reopen */
	enum disk_lock_on { DISK_LOCK_ON_WRITE = 0, DISK_LOCK_ON_IO } lock_on; /* which I/O takes the lock */
	uint32_t lock_break_fail_ppm; /* chance a lock break fails (EBUSY) */
	uint32_t reopen_fail_ppm;     /* chance a reopen fails (tried again after reopen_delay) */
	bool compare_write;           /* offers RT_DISK_COMPARE_WRITE (above) */
};

struct disk_rec;

struct disk_ops {
	void *ctx;
	/* An I/O of gateway gw completed (status set in io). */
	void (*done)(void *ctx, int gw, struct rt_disk_io *io);
	/* Observer: nblocks at lba now hold data (what reads see), durable or
	 * only cached; seen[i] is block i as block_decode found it (expected
	 * at lba + i), so the observer need not decode it again. gw -1 for a
	 * power-loss revert: seen is NULL then. */
	void (*applied)(void *ctx, int gw, uint64_t lba, uint32_t nblocks, const uint8_t *data,
		const struct block_seen *seen, bool durable);
};

struct disk_stats {
	uint64_t reads, writes, flushes, unmaps, fua_writes;
	uint64_t read_errors, write_errors, fenced, misdirected, torn_blocks, lost_blocks;
	uint64_t lock_transfers;
	uint64_t lock_break_failures, reopen_failures;
	uint64_t power_losses;
	uint64_t pr_loads, pr_stores, pr_stores_stale; /* the shared PR record */
	uint64_t compare_writes, miscompares;          /* RT_DISK_COMPARE_WRITE */
};

struct disk {
	const struct sim_mem *mem;
	struct evq *q;
	struct sim_trace *tr;
	struct sim_rng rng;
	struct disk_params p;
	struct disk_ops ops;
	/* Two images of the disk: each block's state bits say which one
	 * holds what a read returns (cur) and which what survives power
	 * loss (dur), the same one for a clean block; img[1] only with a
	 * volatile cache. */
	uint8_t *img[2];
	/* What each image's block is, per image and block: almost every
	 * block written is an initiator's pattern (block.h) or zeroes, kept
	 * as its header's LBA and version (0: zeroes) rather than copied, and
	 * filled in when read: a 4 KiB world's copies of every block into the
	 * images and out again were a tenth of its time (perf, isim bench
	 * --seeds 1..20). ver DISK_PAT_BYTES: the image's bytes are the block
	 * (anything else written: corrupt data, a unit test's bytes). */
	struct disk_pat { uint64_t lba, ver; } *pat[2];
	struct block_seen *seen; /* put_blocks' decode of what it writes, seen_cap of them */
	size_t seen_cap;
	uint8_t *view;           /* disk_block's block, filled in (block_size bytes) */
	uint8_t *dirty;     /* per block: cur differs from dur, and the sides (disk.c's BLK_ bits) */
	uint64_t *dirty_list; /* blocks made dirty since the last flush, ndirty of them */
	uint64_t ndirty;
	struct disk_rec *inflight; /* doubly linked */
	bool fenced[DISK_GWS_MAX];
	/* exclusive lock: the owner, each gateway's client instance, and the
	 * instances below which its I/O is blocklisted */
	int lock_owner;
	uint64_t lock_instance; /* the owner's client instance */
	uint64_t lock_used_at;  /* latest send time of an I/O that landed under the lock */
	uint64_t instance[DISK_GWS_MAX];
	uint64_t dead_below[DISK_GWS_MAX];
	uint64_t reopen_at[DISK_GWS_MAX]; /* SIM_NEVER: not reopening */
	uint64_t bad_lo, bad_hi;   /* [lo, hi) LBAs that fail reads and writes */
	uint64_t slow_ns[DISK_GWS_MAX]; /* extra latency of each gateway's I/O */
	struct { char key[64]; uint8_t *val; size_t len; } state[DISK_STATE_KEYS];
	/* the shared PR record: version 0 is none yet (len 0) */
	struct { uint8_t *buf; size_t len; uint64_t version; } pr;
	struct disk_stats stats;
};

void disk_init(struct disk *d, const struct sim_mem *mem, struct evq *q, struct sim_trace *tr,
	const struct sim_rng *rng, const struct disk_params *p, const struct disk_ops *ops);
void disk_fini(struct disk *d);

void disk_submit(struct disk *d, int gw, struct rt_disk_io *io);
/* Gateway gw is about to lose its memory (a crash): the data of its
 * writes in flight, until now read from the engine's buffers, is copied
 * into the disk's own. Call before the engine is destroyed. */
void disk_hold_gw_data(struct disk *d, int gw);
/* Gateway gw crashed: its io structs are gone. Its writes already at the
 * disk still land; nothing is reported back. Holds their data first
 * (disk_hold_gw_data), if that was not done. */
void disk_forget_gw(struct disk *d, int gw);

/* When every write or unmap gateway gw has in flight will have completed
 * (0 if none). */
uint64_t disk_gw_drain_time(const struct disk *d, int gw);

/* Gateway gw started (again): a new client instance, never blocklisted. */
void disk_gw_started(struct disk *d, int gw);

/* When gateway gw's blocklisted instance tries to reopen (UINT64_MAX:
 * it is not blocklisted, or has not noticed yet). */
uint64_t disk_gw_reopen_at(const struct disk *d, int gw);
/* Gateway gw tries its reopen now if it is due (as its next I/O would):
 * true when it holds a live instance afterwards. */
bool disk_gw_try_reopen(struct disk *d, int gw);

void disk_power_loss(struct disk *d);
void disk_fence(struct disk *d, int gw, bool fenced);
/* Blocklist gateway gw's client instance inst (d->instance[gw] when it
 * was last seen; Ceph's osd blocklist add): nothing that instance sends
 * lands from here; it learns at its next I/O and reopens later as a lock
 * break's victim does. A later instance (a restart) is not touched. */
void disk_blocklist(struct disk *d, int gw, uint64_t inst);
void disk_set_bad_range(struct disk *d, uint64_t lo, uint64_t hi);
/* Gateway gw's way to the storage gets extra_ns slower (0: back to normal). */
void disk_slow(struct disk *d, int gw, uint64_t extra_ns);

int disk_state_save(struct disk *d, const char *key, const void *buf, size_t len);
long disk_state_load(const struct disk *d, const char *key, void *buf, size_t cap);

/* The bytes io writes to its blocks: a WRITE's buffer, a COMPARE_WRITE's
 * second half; NULL for anything else. */
static inline const uint8_t *disk_io_write_data(const struct rt_disk_io *io)
{
	if (io->buf == NULL)
		return NULL;
	if (io->op == RT_DISK_WRITE)
		return io->buf;
	return io->op == RT_DISK_COMPARE_WRITE ? io->buf + io->len : NULL;
}

/* Read-only views for oracles: block lba as a read sees it, its bytes
 * valid until the next call (a pattern block is filled in, disk.pat);
 * and as it would survive a power loss, as block_decode would find it at
 * lba (a pattern block without filling it in). */
const uint8_t *disk_block(const struct disk *d, uint64_t lba);
void disk_durable_seen(const struct disk *d, uint64_t lba, struct block_seen *out);

#endif
