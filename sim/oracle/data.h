/* oracle/data: the data oracle. Every LBA is a register; every write (and
 * unmap) a uniquely versioned value (block.h).
 *
 * Black box, per block: a read must return a value some write could have
 * left there: a version c is allowed unless another write w, started
 * after c was done, was known effective (acknowledged, or seen by an
 * earlier read) before the read started (linearizability of a register,
 * Herlihy & Wing). A write is done when it is acknowledged (a copy of it
 * landing later, after a failover, is a stale write); one that failed or
 * timed out is done once every copy of it sent on some connection is
 * resolved (oracle/attempts.h), and until then indeterminate: it may still land. Durability: after a power loss,
 * no block may hold a value older than a write acknowledged as durable
 * (FUA, or acknowledged before a SYNCHRONIZE CACHE that completed, or
 * any write when the LU runs without a volatile cache) (SBC-3 §4.11).
 *
 * White box, from the disk's view: a write acknowledged before all its
 * blocks reached the disk; a block landing at another LBA than it was
 * written for; a block whose bytes are corrupt.
 *
 * The first violation is kept as text in why, and, when it is about one
 * block's version, as numbers in where; later ones only counted.
 * Owns its history tables (allocated through sim_mem).
 */
#ifndef SIM_ODATA_H
#define SIM_ODATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/mem.h"

/* initiator/block.h */
struct block_seen;

/* One version covers at most this many blocks: 8 MiB of 512-byte blocks
 * (64 MiB of 4 KiB ones), so 1 MiB and larger transfers, split into many
 * bursts and R2Ts, are written and judged (issue 16 class 2). Versions
 * up to ODATA_APPLIED_INLINE blocks keep which blocks reached the disk in
 * one word; a longer one has a bitmap of its own (nblocks / 8 bytes). */
#define ODATA_WRITE_BLOCKS_MAX 16384u
#define ODATA_APPLIED_INLINE 64u
#define ODATA_HIST_PRUNE 8u        /* prune a block's history beyond this many entries */
#define ODATA_HIST_SOFT_MAX 32u    /* beyond this, prune values only volatile writes buried */
#define ODATA_READS_MAX 1024u      /* reads in flight at once */

struct hent {
	uint64_t ver;
	uint64_t invoke, ack, eff;
	uint64_t done;  /* after this it can no longer land (SIM_NEVER: it still may) */
	bool zero;      /* the value is a block of zeroes */
	bool durable;
	bool synthetic; /* the survivor of a power loss, re-asserted */
};

/* A block's first ODATA_HIST_INLINE entries live in its hlist: one
 * array for every block instead of one allocation each, so a block's
 * history is one cache miss away, not two (the oracle's history walks
 * were a tenth of isim bench's time, perf, mostly waiting on memory). */
#define ODATA_HIST_INLINE 8u
struct hlist {
	struct hent *e; /* inl, or an allocated array once the list outgrew it */
	size_t n, cap;
	size_t prune_at; /* prune when n reaches this (0: ODATA_HIST_PRUNE) */
	bool degraded;   /* values buried only by volatile writes were pruned */
	struct hent inl[ODATA_HIST_INLINE];
};

enum odata_kind {
	OD_WRITE = 0,
	OD_UNMAP,
};

struct vrec {
	uint64_t lba;
	uint32_t nblocks;
	uint64_t invoke, ack;
	uint64_t end;       /* when the initiator learnt the outcome */
	uint64_t settle;    /* when its last copy on the wire was resolved (oracle/attempts.h) */
	uint64_t applied;   /* bit i: block lba+i reached the disk (nblocks <= ODATA_APPLIED_INLINE) */
	uint64_t *applied_big; /* the same for a longer version, one bit a block (sim_mem) */
	uint32_t copies;    /* transmissions (oatt) */
	bool fua, zero, ended, settled;
};

enum odata_outcome {
	OD_ACKED = 0,      /* GOOD status */
	OD_NO_EFFECT,      /* definitely not written (MISCOMPARE) */
	OD_INDETERMINATE,  /* failed or never answered: may or may not have landed */
};

/* The last COMPARE AND WRITE that replaced a value of a block. */
struct caw_win {
	uint64_t expect, ver, invoke;
};

struct odata_stats {
	uint64_t versions, acked, indeterminate, reads_checked, blocks_checked;
	uint64_t reads_unchecked, flushes, power_losses, pruned, durable_checked, durable_unchecked;
	uint64_t torn_reads; /* corrupt blocks forgiven: a write to the block was landing during the read (torn_reads_ok) */
};

struct odata {
	const struct sim_mem *mem;
	uint64_t blocks;
	uint32_t bs;
	bool all_durable;
	struct hlist *h;
	struct vrec *v;
	size_t nv, vcap;
	uint64_t reads[ODATA_READS_MAX]; /* invoke time of reads in flight, 0: free */
	unsigned reads_hi;               /* slots at or above this are free */
	uint64_t last_power_loss;
	/* Blocks holding acknowledged writes not yet durable: what a flush
	 * has to visit. */
	uint64_t *nd;
	size_t nd_n, nd_cap;
	uint8_t *nd_mark;
	struct caw_win *wins;            /* per block, allocated at the first COMPARE AND WRITE */
	uint64_t violations;
	bool black_box;  /* live runs (host/cmd_live.c) cannot see the disk: no landing check at the ack */
	/* A read of a block while a write to it may be landing may return
	 * a mix of old and new bytes: SAM-5 §8.6 lets a device server run
	 * overlapping commands of the SIMPLE task attribute in any order and
	 * concurrently, and SBC-4 promises atomicity only to WRITE ATOMIC
	 * (§4.29). Real targets do (tgt's worker threads: a read racing
	 * a write in the page cache); the simulator's disk writes whole
	 * blocks at once, so only live runs set this. */
	bool torn_reads_ok;
	char why[512];
	struct {
		bool known;        /* why names one block and the version found or written there */
		uint64_t lba, ver;
	} where;
	struct odata_stats stats;
};

void odata_init(struct odata *d, const struct sim_mem *mem, uint64_t blocks, uint32_t bs, bool all_durable);
void odata_fini(struct odata *d);

/* A new write or unmap of n blocks at lba, invoked at t: its version. */
uint64_t odata_begin(struct odata *d, enum odata_kind kind, uint64_t lba, uint32_t n, bool fua, uint64_t t);
/* How it ended. Returns false on a violation. */
bool odata_end(struct odata *d, uint64_t ver, enum odata_outcome out, uint64_t t);

/* Reads: begin returns a token for end; check judges the data. */
unsigned odata_read_begin(struct odata *d, uint64_t t);
void odata_read_end(struct odata *d, unsigned token);
bool odata_read_check(struct odata *d, uint64_t lba, uint32_t n, const uint8_t *data, uint64_t invoke,
	uint64_t done);
/* The same, the blocks as block_decode found them (seen[i] for lba + i):
 * a caller that decoded them already does not pay twice. */
bool odata_read_check_seen(struct odata *d, uint64_t lba, uint32_t n, const struct block_seen *seen, uint64_t invoke,
	uint64_t done);

/* Whether every transmission of ver is resolved, and the latest time one
 * was (oracle/attempts.h). Until settled, a write may still land however it ended. */
void odata_settle(struct odata *d, uint64_t ver, bool settled, uint64_t settle_max);
/* One more copy of ver went on the wire. */
void odata_copy(struct odata *d, uint64_t ver);

/* A COMPARE AND WRITE of ver at lba, invoked at t, found the block
 * holding version expect and replaced it (GOOD). SBC-3 §5.2 makes the
 * compare and the write one uninterrupted operation, so two of them
 * cannot both replace the same value, unless the value was written again
 * in between: a copy of its write could still land after either began,
 * or a power loss brought it back.
 * Returns false on a double win (two gateways are two LUs' worth of
 * atomicity unless something orders them). */
bool odata_caw_won(struct odata *d, uint64_t lba, uint64_t expect, uint64_t ver, uint64_t t);

/* A SYNCHRONIZE CACHE invoked at t completed with GOOD. */
void odata_flush_done(struct odata *d, uint64_t invoke);

/* White box: blocks reached the disk (cache or media). */
bool odata_applied(struct odata *d, uint64_t lba, uint32_t n, const uint8_t *data);
/* The same, and vers[i] is block i's version (0: zeroes or not a block
 * an initiator wrote), so the caller need not decode the blocks again;
 * vers is complete only when it returns true. */
bool odata_applied_vers(struct odata *d, uint64_t lba, uint32_t n, const uint8_t *data, uint64_t *vers);
/* The same, the blocks as block_decode found them (seen[i] for lba + i,
 * the simulated disk's decode): nothing decoded twice. */
bool odata_applied_seen(struct odata *d, uint64_t lba, uint32_t n, const struct block_seen *seen, uint64_t *vers);

/* Power was lost at t; dur holds every block as it survived. */
bool odata_power_loss(struct odata *d, uint64_t t, const uint8_t *dur);
/* The same, each surviving block as block_decode would find it, from
 * block(ctx, lba, out) (the simulated disk knows most of its blocks as
 * patterns, infra/disk.h: nothing filled in to be decoded). */
bool odata_power_loss_at(struct odata *d, uint64_t t,
	void (*block)(const void *ctx, uint64_t lba, struct block_seen *out), const void *ctx);

#endif
