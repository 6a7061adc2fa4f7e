/* initiator/multipath: one initiator's multipath device over its iSCSI sessions,
 * modelled on Linux dm-multipath (drivers/md/dm-mpath.c, multipathd).
 *
 * Paths are grouped by priority (path_grouping_policy group_by_prio):
 * each path gets a static priority (its preferred gateway, like
 * prio "weightedpath"); with alua on, the path checker also asks REPORT
 * TARGET PORT GROUPS (SPC-4 §6.37) for the state of the path's target
 * port group (prio "alua": active/non-optimized caps the priority,
 * standby lowers it, unavailable takes the path out), and any command
 * answered NOT READY / ALUA standby or unavailable (ASC 04h/0Bh,0Ch)
 * lowers it too, so ALUA state moves paths between groups; a unit
 * attention ASYMMETRIC ACCESS STATE CHANGED has the checker look again at
 * once. I/O answered standby, unavailable or transitioning waits (up to
 * alua_wait) for a better path or the end of the transition; with
 * explicit ALUA a standby answer also asks for the path's group to be
 * made active (scsi_dh_alua's activate: SET TARGET PORT GROUPS), which
 * the owner carries out (ops->activate). With a reservation key
 * (multipath.conf reservation_key) every path registers the key (PERSISTENT
 * RESERVE OUT REGISTER AND IGNORE EXISTING KEY, SPC-4 §5.13.7) when it is
 * reinstated, and is used only once registered. I/O goes to the best group with
 * a usable path; within it a path selector picks: round-robin (rr_min_io
 * I/Os per path), queue-length, or service-time. Failback is immediate
 * or manual. A path fails when an I/O on it fails with a transport error
 * (the session gave up: replacement_timeout) or the TUR path checker
 * fails, or does not answer within checker_timeout (multipathd's: a TUR
 * stuck behind slow commands fails the path); the checker reinstates it
 * when TUR succeeds again. With no
 * usable path, no_path_retry decides: queue forever, fail at once, or
 * queue for N checker intervals and then fail. The variants of issue 16
 * class 3 (mpath_cfg): the directio and readsector0 checkers, multibus
 * grouping, the device handler (hardware_handler), and multipathd's
 * marginal path detection (multipath_marginal.c). Errors that are the
 * target's verdict on the data (MEDIUM ERROR, MISCOMPARE, ILLEGAL
 * REQUEST ...) go up unretried; UNIT ATTENTION, BUSY, TASK SET FULL,
 * ABORTED COMMAND and ALUA transitioning are retried after a delay.
 *
 * Owns its paths' checker commands; the sessions and the I/O structs are
 * the caller's. Callbacks must not call back synchronously.
 */
#ifndef SIM_MPATH_H
#define SIM_MPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/initiator/session.h"
#include "sim/base/trace.h"

#define MPATH_PATHS_MAX 8u

enum mp_selector {
	MP_ROUND_ROBIN = 0,
	MP_QUEUE_LENGTH,
	MP_SERVICE_TIME,
};

enum mp_failback {
	MP_FAILBACK_IMMEDIATE = 0,
	MP_FAILBACK_MANUAL,
};

#define MP_NO_PATH_RETRY_QUEUE (-1)
#define MP_NO_PATH_RETRY_FAIL 0

struct mpath_cfg {
	/* The LU the path checker, the ALUA handler and the key registration
	 * address (0 in the simulator; a real target's, live: tgt's LU is
	 * LUN 1, its LUN 0 a controller). Not a scenario key. */
	uint64_t lun;
	enum mp_selector selector;
	uint32_t rr_min_io;
	enum mp_failback failback;
	int no_path_retry;            /* MP_NO_PATH_RETRY_QUEUE, _FAIL, or N intervals */
	uint64_t polling_interval_ns; /* path checker period */
	uint64_t retry_delay_ns;      /* before retrying a BUSY/UA/transitioning I/O */
	uint32_t retries_max;         /* per I/O, for target-side transient errors */
	bool alua;                    /* ask REPORT TARGET PORT GROUPS */
	bool alua_explicit;           /* ask for a standby group to be activated */
	uint64_t alua_wait_ns;        /* longest an I/O waits on ALUA standby/transitioning answers */
	/* 0: an I/O answered ALUA TRANSITIONING goes at once to any path
	 * better than standby, the one that answered included (the model
	 * until issue 16: a gateway that transitions for ever is a hot loop).
	 * Else Linux's scsi_dh_alua: the I/O is retried after retry_delay, and
	 * a path that has answered only TRANSITIONING for this long is failed
	 * (transition_tmo, 60 s by default), so dm-multipath moves on. */
	uint64_t transition_tmo_ns;
	uint64_t checker_timeout_ns;  /* a TEST UNIT READY unanswered this long fails the path */
	/* path_checker. tur: TEST UNIT READY, answered by the target alone,
	 * so it passes on a path whose storage is stuck. directio: reads
	 * block 0 with O_DIRECT (libcheck/directio.c), readsector0: the same
	 * read through SG_IO (libcheck/readsector0.c, deprecated for
	 * directio): both reach the storage, so a path whose reads hang
	 * (checker_timeout) or fail is failed even while TUR would pass. */
	enum mp_checker { MP_CHECKER_TUR = 0, MP_CHECKER_DIRECTIO, MP_CHECKER_READSECTOR0 } checker;
	/* path_grouping_policy. group_by_prio (the default): one group per
	 * priority, I/O to the best. multibus: every path in one group, I/O
	 * spread over all of them whatever their priority; against a target
	 * whose storage is active/passive (one exclusive-lock owner) that
	 * moves the lock with every write that lands on another gateway
	 * (tcmu-runner issue 356; issue 16 class 3, scenarios/39). */
	enum mp_grouping { MP_GROUP_BY_PRIO = 0, MP_MULTIBUS } grouping;
	/* hardware_handler. checker (the default, this model until issue 16
	 * class 3): ALUA states come from the path checker's REPORT TARGET
	 * PORT GROUPS (prio alua), a UA ASYMMETRIC ACCESS STATE CHANGED has
	 * the checker look again at once, and a path known to be standby
	 * still takes I/O when nothing better is left. none: no device
	 * handler: the UA is retried like any other and the states are
	 * learned at the checker's next pass only. alua ("1 alua", Linux's
	 * scsi_dh_alua): RTPG when a path is activated (reinstated, or its
	 * group switched to: alua_activate) and at once on the UA (its
	 * alua_check_sense), both through the path itself; and no I/O is
	 * sent to a path whose group is known standby or unavailable
	 * (alua_prep_fn fails it before it leaves the host, and
	 * dm-multipath fails the path). */
	enum mp_hwhandler { MP_HWH_CHECKER = 0, MP_HWH_NONE, MP_HWH_ALUA } hwhandler;
	/* The marginal path detection of multipathd (libmultipath
	 * io_err_stat.c), on when all four are set (multipath.conf's
	 * marginal_path_*; 0: off, the default). A path that fails twice
	 * within double_failed is not reinstated when its checker passes:
	 * for sample, multipathd sends reads down it (MP_MARGINAL_PROBE_*);
	 * if more than err_rate_permille of them fail it stays out for
	 * recheck_gap and is sampled again, else it is reinstated. A path
	 * is never held out when no other path is usable. */
	uint64_t marginal_double_failed_ns;
	uint64_t marginal_sample_ns;
	uint32_t marginal_err_rate_permille;
	uint64_t marginal_recheck_gap_ns;
	/* multipath.conf's fast_io_fail_tmo; 0: off. multipathd writes it
	 * over every iSCSI session's recovery timeout (sysfs recovery_tmo,
	 * open-iscsi's replacement_timeout; libmultipath discovery.c,
	 * sysfs_set_session_tmo), and the kernel keeps it across relogins.
	 * "off" leaves the session's own (multipathd cannot switch it off on
	 * iSCSI, so that is what off does there too). Linux's default, with
	 * the key absent from multipath.conf, is 5 s; this model's is off, so
	 * that files written before the key keep their meaning. The world
	 * applies it when it builds its sessions (mpath_recovery_tmo); the
	 * multipath model itself never reads it. */
	uint64_t fast_io_fail_ns;
	/* What an ILLEGAL REQUEST whose ASC names the command (invalid opcode,
	 * field, LBA: Linux's BLK_STS_TARGET, scsi_check_sense) does to the
	 * path: MP_IR_TARGET (the default, Linux since it tells target
	 * failures apart) hands the error up and keeps the path;
	 * MP_IR_PATH fails the path and sends the I/O down another, as a
	 * multipath layer that takes every error for a path error does
	 * (dm-multipath before that split): one command no LU supports then
	 * takes every path down (issue 16 class 2, scenarios/35). */
	enum mp_illegal_request { MP_IR_TARGET = 0, MP_IR_PATH } illegal_request;
};

/* The recovery timeout an iSCSI session under dm-multipath ends up with:
 * fast_io_fail_tmo when set, else the session's replacement_timeout. */
static inline uint64_t mpath_recovery_tmo(const struct mpath_cfg *c, uint64_t replacement_timeout_ns)
{
	return c->fast_io_fail_ns != 0 ? c->fast_io_fail_ns : replacement_timeout_ns;
}

#define MP_FAST_IO_FAIL_MAX_NS 599000000000ull /* multipathd turns fast_io_fail_tmo off at dev_loss_tmo
						 * (600 s unless set): longer values are refused here */

/* The directio checker's read: one block at LBA 0, into a buffer as large
 * as the largest logical block the target serves. */
#define MP_DIRECTIO_LEN 4096u

/* Marginal path sampling (libmultipath io_err_stat.c sends batches of
 * direct reads of one block for the whole sample time): here one read of
 * block 0 at a time, the next MP_MARGINAL_PROBE_INTERVAL_NS after the
 * last ended; one unanswered for MP_MARGINAL_PROBE_TIMEOUT_NS counts as
 * an error (io_err_stat's IOTIMEOUT_SEC is 60 s: shorter here so that a
 * sample of a partitioned path ends). */
#define MP_MARGINAL_PROBE_INTERVAL_NS 100000000ull /* 100 ms */
#define MP_MARGINAL_PROBE_TIMEOUT_NS 5000000000ull /* 5 s */

#define MP_RTPG_LEN 256u /* allocation length of our REPORT TARGET PORT GROUPS */
#define MP_PROUT_LEN 24u /* PERSISTENT RESERVE OUT basic parameter list (SPC-4 §6.16.3) */

enum mp_result {
	MP_OK = 0,        /* GOOD (or CONDITION MET) */
	MP_CHECK,         /* the target's answer: status and sense in cmd */
	MP_NO_PATH,       /* failed: no path left (no_path_retry) */
	MP_RETRIES,       /* transient errors beyond retries_max */
};

/* One application I/O. cmd carries the SCSI command; mpath re-sends it
 * on whatever path it picks. */
struct mp_io {
	struct icmd cmd;
	void *owner;
	enum mp_result result;
	uint32_t attempts;
	uint32_t retries;
	int path;            /* where it is now, -1 when queued */
	int last_gw;         /* the gateway of its last attempt, -1: none yet */
	int first_gw;        /* the gateway of its first attempt, -1: none yet (measures only) */
	uint64_t due;        /* delayed retry time */
	uint64_t alua_since; /* first ALUA standby/transitioning answer (SIM_NEVER: none) */
	uint64_t sent_at;
	struct mp_io *next;  /* queue link */
};

enum mp_path_state {
	MPP_ACTIVE = 0,
	MPP_FAILED,
};

struct mp_path {
	struct isess *s;
	int gw;
	uint16_t tpg;        /* its target port group (the iSCSI TPGT) */
	enum mp_path_state state;
	uint32_t prio_static;
	bool standby;        /* the target said ALUA standby/unavailable */
	int alua_state;      /* from REPORT TARGET PORT GROUPS, -1 unknown */
	uint64_t transitioning_since; /* first TRANSITIONING answer since its last success (SIM_NEVER: none) */
	struct icmd rtpg;
	bool rtpg_busy;
	uint8_t rtpg_buf[MP_RTPG_LEN];
	uint32_t inflight;
	uint64_t svc_ewma_ns; /* service time, for the service-time selector */
	struct icmd tur;     /* the checker's command: TEST UNIT READY, or directio's READ */
	uint8_t dio_buf[MP_DIRECTIO_LEN];
	bool tur_busy;
	uint64_t tur_deadline; /* checker_timeout of the TUR in flight (SIM_NEVER: none or passed) */
	uint64_t next_check;
	struct icmd prout;   /* registering the reservation key */
	bool prout_busy;
	bool registered;     /* the key is registered through this path's I_T nexus */
	uint8_t prout_buf[MP_PROUT_LEN];
	uint64_t activate_at; /* last activation asked for (explicit ALUA) */
	uint64_t fails, reinstates;
	/* marginal path detection (multipath_marginal.c) */
	enum mp_marginal { MPM_NONE = 0, MPM_SAMPLING, MPM_HELD } marginal;
	uint64_t fail_prev_at;   /* its last failure (SIM_NEVER: none yet) */
	uint64_t marginal_until; /* end of the sample, or of the hold */
	uint64_t probe_at;       /* next probe read (SIM_NEVER: one in flight or none due) */
	uint64_t probe_deadline; /* the probe in flight counts as an error from then */
	bool probe_busy;
	uint32_t probes, probe_errors; /* of this sample */
	struct icmd probe;
	uint8_t probe_buf[MP_DIRECTIO_LEN];
};

struct mpath;

struct mpath_ops {
	void *ctx;
	void (*done)(void *ctx, struct mpath *mp, struct mp_io *io);
	/* Counters for coverage: a named thing happened. */
	void (*note)(void *ctx, struct mpath *mp, const char *what, int path);
	/* Explicit ALUA: make path's target port group active/optimized
	 * (may be NULL). The answer shows in later commands' status. */
	void (*activate)(void *ctx, struct mpath *mp, int path);
};

struct mpath_stats {
	uint64_t ios, retries, path_fails, reinstates, group_switches, queued, no_path_failures;
	uint64_t failbacks, rtpg_ok, rtpg_failed;
	uint64_t alua_waits, activations, registrations;
	uint64_t marginal_holds, marginal_probes, handler_refused;
};

struct mpath {
	const struct mpath_cfg *cfg;
	struct mpath_ops ops;
	struct mp_path paths[MPATH_PATHS_MAX];
	unsigned npaths;
	int cur_path;         /* round-robin position */
	uint32_t rr_count;
	uint32_t cur_prio;    /* the group in use */
	struct mp_io *queue_head, *queue_tail; /* waiting for a path or a retry delay */
	uint64_t no_path_deadline;
	bool failing;         /* no_path_retry ran out: fail until a path returns */
	uint64_t pr_key;      /* reservation key registered on every path (0: none) */
	bool pr_aptpl;
	uint64_t now;
	struct mpath_stats stats;
};

void mpath_init(struct mpath *mp, const struct mpath_cfg *cfg, const struct mpath_ops *ops);
/* Add a path over session s to gateway gw with a static priority. */
void mpath_add_path(struct mpath *mp, struct isess *s, int gw, uint16_t tpg, uint32_t prio);
/* Register this reservation key on every path (before adding paths). */
void mpath_set_pr_key(struct mpath *mp, uint64_t key, bool aptpl);

void mpath_submit(struct mpath *mp, uint64_t now, struct mp_io *io);
/* A command of path p finished (an I/O's or the checker's). */
void mpath_cmd_done(struct mpath *mp, uint64_t now, unsigned p, struct icmd *c);
void mpath_on_time(struct mpath *mp, uint64_t now);
uint64_t mpath_next_deadline(const struct mpath *mp);

/* The session under path p logged in (a new SCSI device appeared, in
 * Linux terms): check the path now rather than at the next interval. */
void mpath_path_up(struct mpath *mp, uint64_t now, unsigned p);

/* Paths usable now. */
unsigned mpath_active_paths(const struct mpath *mp);

/* Internals shared with multipath_marginal.c (not for callers). */
bool mpath_usable(const struct mpath *mp, unsigned i);
void mpath_note(struct mpath *mp, const char *what, int path);
/* multipath_marginal.c: the marginal path detection (see mpath_cfg). */
bool mpm_enabled(const struct mpath_cfg *c);
/* Path i failed: a second failure within double_failed starts a sample. */
void mpm_path_failed(struct mpath *mp, unsigned i);
/* The checker found path i working: may it be reinstated now? */
bool mpm_may_reinstate(struct mpath *mp, unsigned i);
/* c was path i's probe read: judged here (true), else false. */
bool mpm_cmd_done(struct mpath *mp, unsigned i, struct icmd *c);
void mpm_on_time(struct mpath *mp);
uint64_t mpm_next_deadline(const struct mpath *mp);

#endif
