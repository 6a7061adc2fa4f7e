/* rbd_alua: who owns an RBD image, as every gateway must see it, and what
 * ALUA states follow from that (SPC-4 §5.15), apart from librbd so that
 * every rule is tested without a Ceph (rbd.c does the RADOS part).
 *
 * The image's exclusive lock says who may write; librbd names its owner
 * only by a client address, which says nothing about ALUA target port
 * groups. So the owner also writes the ownership record, the RADOS object
 * "<image>.alua", a line of text:
 *
 *     RBDALUA1 gen=<n> owner=<group> t=<s1>,<s2>,...
 *
 * gen counts changes (every store is a compare-and-set on the object's
 * version, like the PR record's); owner is the target port group (the
 * iSCSI TPGT) of the gateway holding the lock, 0 while nobody took it;
 * t lists the times (CLOCK_REALTIME seconds: the gateways are separate
 * processes, perhaps on separate hosts) of the last transfers, at most
 * RBDA_TRANSFERS_MAX, oldest first. Every gateway reads it at start and
 * again whenever another one notifies a change, and derives the same
 * states from it: so REPORT TARGET PORT GROUPS answers the same through
 * every gateway, whichever path an initiator asks on.
 *
 * Bounded transfers (tcmu-runner #341, #350/PR #355, PR #477: the lock
 * bounced between gateways when hosts disagreed about the path, or when a
 * checker probed every path): a transfer asked for (SET TARGET PORT
 * GROUPS, or a first write) is allowed only while fewer than
 * RBDA_TRANSFERS_MAX transfers happened in the last RBDA_WINDOW_S
 * seconds; beyond that the asking gateway stays a non-owner and answers
 * with its ALUA state. An operator's takeover (SIGUSR1) is never refused,
 * only counted. Reads, TEST UNIT READY, INQUIRY and REPORT TARGET PORT
 * GROUPS never take the lock.
 * Owns nothing. Built with or without librbd.
 */
#ifndef RT_BS_RBD_ALUA_H
#define RT_BS_RBD_ALUA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/config.h"

/* Transfers asked for that may happen in any RBDA_WINDOW_S seconds. Two
 * hosts that disagree about the path, each asking for its own gateway
 * (Linux's scsi_dh_alua sends SET TARGET PORT GROUPS when its path is not
 * active/optimized), get this many moves a minute, not one per I/O. */
#define RBDA_TRANSFERS_MAX 4u
#define RBDA_WINDOW_S 60u
/* The record's longest text (RBDA_TRANSFERS_MAX times of 20 digits). */
#define RBDA_RECORD_MAX 256u
#define RBDA_MAGIC "RBDALUA1"

struct rbda_record {
	uint64_t gen;
	uint16_t owner; /* target port group holding the lock; 0: nobody yet */
	uint32_t ntimes;
	uint64_t times[RBDA_TRANSFERS_MAX]; /* oldest first */
};

/* Parse len bytes (0: no record yet, all zero). 0, or -1 for text that
 * is not a record (then r is all zero: nobody owns, which only lets the
 * first writer take the lock; the caller logs it). */
int rbda_decode(struct rbda_record *r, const char *buf, size_t len);
/* The record's text (no NUL needed); its length, < cap. */
size_t rbda_encode(const struct rbda_record *r, char *buf, size_t cap);
/* Transfers within RBDA_WINDOW_S seconds before now. */
uint32_t rbda_recent(const struct rbda_record *r, uint64_t now_s);
/* May a transfer asked for at now happen (fewer than RBDA_TRANSFERS_MAX
 * in the window)? */
bool rbda_may_transfer(const struct rbda_record *r, uint64_t now_s);
/* Group to_group took the lock at now: the record after it (gen + 1,
 * the time appended, the oldest dropped beyond RBDA_TRANSFERS_MAX). */
void rbda_transferred(struct rbda_record *r, uint16_t to_group, uint64_t now_s);

/* The state of target port group 'group' on every gateway, given the
 * record's owner: the owner's group active/optimized, every other group
 * its non-owner state (standby, or active/non-optimized where configured);
 * with no owner yet, every group active/optimized (the first writer takes
 * the lock). moving: a group this gateway knows to be in a transfer
 * (released, the new owner not yet recorded), TRANSITIONING; stranded: a
 * group whose transfer outlived RBDA_TRANSITION_MAX_MS with the lock
 * held by a client the record does not name (rbda_handover_next), its
 * non-owner state; 0: none. */
enum rt_alua_state rbda_state(uint16_t owner, uint16_t moving, uint16_t stranded, uint16_t group,
			      enum rt_alua_state non_owner);

/* How long a group that released the lock to another gateway may stay
 * TRANSITIONING waiting for the new owner to write the record. The new
 * owner takes the lock and writes the record a few RADOS round trips
 * after our acknowledgement; one that dies in between would leave us
 * TRANSITIONING for ever, while SPC-4 bounds an implicit (§5.15.2.2)
 * transition by the IMPLICIT TRANSITION TIME that REPORT TARGET PORT
 * GROUPS reports (scsi/alua.c's ALUA_TRANSITION_TIME_S, 10 s): half of
 * it, leaving the rest for the record's read and the loop's wake-up. */
#define RBDA_TRANSITION_MAX_MS 5000u

/* What a group that released the lock (at released_ms, the record's gen
 * then released_gen) does next, given the record as read again now and
 * whether a client the record does not name holds the lock. */
enum rbda_handover {
	RBDA_HANDOVER_WAIT,     /* within the bound: still TRANSITIONING */
	RBDA_HANDOVER_RECORDED, /* the record moved (gen changed): its states hold */
	/* nobody wrote the record and nobody holds the lock: the record's
	 * states hold again (it still names the releasing group, which takes
	 * the lock back at its first write, rbd_own_write) */
	RBDA_HANDOVER_RESUME,
	/* nobody wrote the record but a client holds the lock (the new owner
	 * took it and stopped): the releasing group reports its non-owner
	 * state, so that an initiator asks for it (SET TARGET PORT GROUPS),
	 * which fences that client (rbd_own.c) */
	RBDA_HANDOVER_STRANDED,
};
enum rbda_handover rbda_handover_next(const struct rbda_record *r, uint64_t released_gen, uint64_t released_ms,
				      uint64_t now_ms, bool lock_held_elsewhere);

#endif
