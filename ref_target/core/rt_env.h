/* rt_env: the only door between the engine and the world.
 *
 * The engine (ref_target/core, ref_target/scsi) never calls the operating
 * system: every clock read, random number, allocation, byte sent and block
 * written goes through the function table below, handed in at creation.
 * The daemon implements it with epoll, sockets and files; the simulator with
 * a virtual clock, a seeded PRNG and a simulated network and disk. Same
 * engine code in both (shared/DESIGN.md, "The one rule").
 *
 * Ownership: the environment owns sockets, files and the event loop. The
 * engine owns everything it allocates through alloc/free. Re-entrancy rule:
 * no environment callback may call back into the engine synchronously;
 * completions (disk, timers, bytes) are delivered later as separate events.
 */
#ifndef RT_ENV_H
#define RT_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h> /* struct iovec: a type, not a call */

typedef uint32_t rt_conn_id;

/* Who opened a connection: its source address, without the port (one
 * host is one source however many ports it uses). The engine's per-source
 * limits (admit.h) key on it; an IPv4-mapped IPv6 address counts as its
 * IPv4 address. RT_PEER_NONE: the environment does not know (the
 * per-source limits do not apply; the global ones do). */
enum rt_peer_family {
	RT_PEER_NONE = 0,
	RT_PEER_IPV4 = 4, /* addr[0..3], network order */
	RT_PEER_IPV6 = 6, /* addr[0..15], network order */
};
struct rt_peer {
	uint8_t family; /* enum rt_peer_family */
	uint8_t addr[16];
};

enum rt_log_level {
	RT_LOG_ERR = 0,
	RT_LOG_WARN = 1,
	RT_LOG_INFO = 2,
	RT_LOG_DEBUG = 3,
};

/* Disk operations the SCSI layer asks of a backstore. Offsets and lengths
 * are in bytes and always multiples of the LU's logical block size. */
enum rt_disk_op {
	RT_DISK_READ = 0,
	RT_DISK_WRITE,
	RT_DISK_FLUSH,        /* make every completed write durable */
	RT_DISK_UNMAP,        /* deallocate; reads return zeroes afterwards if the LU says LBPRZ */
	RT_DISK_WRITE_ZEROES, /* write zeroes, may deallocate */
	RT_DISK_MAP_STATUS,   /* is [offset, offset+len) mapped? sets mapped, run_len */
	/* The LU's shared persistent reservation state (scsi/pr_shared.c), an
	 * opaque record beside the blocks (rbd: a RADOS object), only for an
	 * LU with RT_LU_PR_SHARED; offset is unused. LOAD reads at most len
	 * bytes into buf and sets run_len (bytes read) and version (the
	 * record's, 0: none yet, run_len 0); STORE replaces the record with
	 * len bytes of buf only if its version is still 'version' (0: only if
	 * there is none), else fails ERR_STALE, and sets version to the new
	 * one. Other backstores fail both ERR_UNSUPPORTED. */
	RT_DISK_PR_LOAD,
	RT_DISK_PR_STORE,
	/* SET TARGET PORT GROUPS on an LU whose ALUA states follow the
	 * ownership of shared storage (RT_LU_ALUA_SHARED; rbd: the image's
	 * exclusive lock, backstore/rbd_alua.h): make the gateway of target
	 * port group 'offset' (a TPGT) the owner; len and buf are unused. OK
	 * once it is, with the states already passed to the engine
	 * (rt_set_alua_state); FENCED when the transfer is refused (a bound on
	 * transfers); BLOCKLISTED when this gateway can never own again.
	 * Other backstores fail it ERR_UNSUPPORTED. */
	RT_DISK_ALUA_SET,
	/* COMPARE AND WRITE done by the storage in one step (SBC-3 §5.2), for
	 * an LU with RT_LU_COMPARE_WRITE: buf holds 2 * len bytes, the
	 * compare half then the write half. If [offset, offset+len) equals
	 * the compare half, the write half replaces it, else MISCOMPARE with
	 * run_len the offset of the first differing byte from 'offset'; no
	 * other write, from this engine or any other gateway, lands between
	 * the compare and the write (rbd: librbd's compare-and-write, a
	 * cmpext and a write in one OSD op). It takes and needs the right to
	 * write as a WRITE does (FENCED, BLOCKLISTED); RT_DISK_FUA as a
	 * WRITE's. len is at most rt_lu_cfg.compare_write_max. Other
	 * backstores fail it ERR_UNSUPPORTED. */
	RT_DISK_COMPARE_WRITE,
};

#define RT_DISK_FUA 0x1u    /* this write is durable when it completes (SBC-3 §5.8 FUA) */
#define RT_DISK_ATOMIC 0x2u /* this write lands whole or not at all, even across power
			       loss (SBC-4 WRITE ATOMIC); without support: ERR_UNSUPPORTED */

/* Completion status of a disk I/O, set by the environment. */
enum rt_disk_status {
	RT_DISK_OK = 0,
	RT_DISK_ERR_READ,  /* unrecovered read error: MEDIUM ERROR 0x11/0x00 */
	RT_DISK_ERR_WRITE, /* write error: MEDIUM ERROR 0x0C/0x00 */
	RT_DISK_ERR_SPACE, /* no space to allocate: DATA PROTECT 0x27/0x07 */
	RT_DISK_ERR_FENCED, /* this gateway lost the right to write (sim: blocklisted) */
	RT_DISK_ERR_UNSUPPORTED, /* the environment cannot do this operation or flag */
	RT_DISK_ERR_BLOCKLISTED, /* fenced for good (Ceph: blocklisted, -ESHUTDOWN): this
				    gateway will never write again, unlike FENCED */
	RT_DISK_ERR_STALE, /* PR_STORE: the record changed since it was loaded */
	RT_DISK_MISCOMPARE, /* COMPARE_WRITE: the medium differs at byte run_len
			       of the range; nothing written (MISCOMPARE 0x1D/0x00) */
};

/* One disk request. The engine owns it (it lives inside a task) from
 * disk_submit until rt_on_disk_done returns it; the environment must not
 * touch it afterwards. */
struct rt_disk_io {
	/* set by the engine */
	uint32_t lu;            /* index into rt_config.lus */
	enum rt_disk_op op;
	uint32_t flags;         /* RT_DISK_FUA */
	uint64_t offset;        /* bytes */
	uint64_t len;           /* bytes */
	uint8_t *buf;           /* READ: filled; WRITE: source; len bytes (COMPARE_WRITE: 2 * len) */
	/* set by the environment before rt_on_disk_done */
	enum rt_disk_status status;
	bool mapped;     /* RT_DISK_MAP_STATUS: the block at offset is mapped ... */
	uint64_t run_len; /* ... and so are (or are not) run_len bytes from it, <= len;
			     MISCOMPARE: the first differing byte, < len */
	uint64_t version; /* PR_LOAD/PR_STORE: the shared record's version (above) */
	/* engine-private: who waits for this I/O */
	void *owner;
	uint32_t tag;
	/* environment-private: a link and a time, for queueing it without
	 * allocating */
	struct rt_disk_io *env_next;
	uint64_t env_due_ns;
};

struct rt_env {
	void *ctx;

	/* Monotonic time in nanoseconds. */
	uint64_t (*now_ns)(void *ctx);
	/* 64 random bits (CHAP challenges, TTTs). Seeded in the simulator. */
	uint64_t (*random_u64)(void *ctx);

	/* Memory. alloc may return NULL (the simulator fails the N-th call);
	 * the engine answers that with the protocol's out-of-resources reply,
	 * never a crash. free gets the size given to alloc. */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *p, size_t size);

	/* Send bytes on a connection. The environment takes all of them: what
	 * it cannot send at once it copies and sends later, in order. Returns
	 * the bytes it now holds unsent for c (0: the socket took everything),
	 * or -1 if the connection is already dead (the engine then closes).
	 * Unsent bytes are memory the engine's budget pays for (core/mem.h):
	 * the engine charges them to the connection and its session, and the
	 * environment reports every later decrease through rt_on_conn_sent.
	 * Both the daemon (its send queue behind a socket that said EAGAIN)
	 * and the simulator (what a reader has not taken beyond the modelled
	 * socket buffers, sim/infra/simnet.h) do. */
	long (*conn_send)(void *ctx, rt_conn_id c, const struct iovec *iov, int iovcnt);
	/* Close a connection after everything already sent has been flushed
	 * (best effort). No rt_on_conn_closed follows for it. */
	void (*conn_close)(void *ctx, rt_conn_id c);

	/* Start a disk I/O. Completion comes later through rt_on_disk_done,
	 * never inside this call, possibly out of order. */
	void (*disk_submit)(void *ctx, struct rt_disk_io *io);

	/* Small durable state kept across restarts, such as APTPL persistent
	 * reservations (SPC-4 §5.13.5): saved whole and synchronously (the
	 * command completes only once it is durable), loaded at creation.
	 * save returns 0 or -1; load returns the length read, or -1 if none. */
	int (*state_save)(void *ctx, const char *key, const void *buf, size_t len);
	long (*state_load)(void *ctx, const char *key, void *buf, size_t cap);

	/* One formatted line, without a trailing newline. */
	void (*log)(void *ctx, enum rt_log_level level, const char *msg);
};

#endif
