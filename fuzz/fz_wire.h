/* fz_wire: both directions of an iSCSI byte stream for the harnesses.
 *
 * Initiator side: fz_frame lays one PDU out as the wire carries it (BHS,
 * AHS, header digest, data, padding, data digest; RFC 7143 §11.2), and
 * fz_feed hands a byte stream to an engine connection in pieces a split
 * plan chooses, through rt_on_bytes or the zero-copy rt_rx_space/commit.
 *
 * Target side: fz_wire frames what the engine sent with the engine's own
 * receiver (core/rx) and checks every PDU against what RFC 7143 promises
 * an initiator, whatever the initiator sent: a target opcode, correct
 * digests, no more data than the initiator's MaxRecvDataSegmentLength,
 * StatSN in sequence (§4.2.2.2; at ERL 1 but for copies a SNACK asked
 * for, fz_wire_erl), a sane CmdSN window that never moves
 * backwards (§4.2.2.1), Login/Text answers that are well-formed key=value
 * text (§6.1), and per-opcode field rules (§11). Owns its buffers (malloc:
 * harness memory, not the engine's).
 */
#ifndef FZ_WIRE_H
#define FZ_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/rx.h"
#include "fz.h"

/* Bytes fz_frame may write for a PDU with ahs_len and len. */
#define FZ_FRAME_MAX(ahs_len, len) \
	(ISCSI_BHS_LEN + (ahs_len) + 2 * ISCSI_DIGEST_LEN + (len) + ISCSI_PAD)

/* Lay out one PDU; bhs gets TotalAHSLength and DataSegmentLength from
 * ahs_len (a multiple of 4) and len. Returns the byte count. */
size_t fz_frame(uint8_t *out, const uint8_t *bhs, const uint8_t *ahs, uint32_t ahs_len,
		const void *data, uint32_t len, bool hd, bool dd);

/* How a stream is cut into pieces: each plan byte is one piece (bit 7:
 * deliver it through the zero-copy calls; bits 6..0: 0 the whole rest,
 * 1..63 that many bytes, 64..127 (v-63)*128 bytes); the plan repeats. */
#define FZ_PLAN_LEN 4u
struct fz_split {
	uint8_t plan[FZ_PLAN_LEN];
	unsigned next;
};
void fz_split_read(struct fz_split *s, struct fz_in *in);
/* The next piece: its size (at most left, never 0 if left is not) and
 * whether it goes through the zero-copy calls. */
size_t fz_split_next(struct fz_split *s, size_t left, bool *zero_copy);
/* Feed n bytes to connection c; stops early if the engine drops it. */
void fz_feed(struct rt_engine *eng, rt_conn_id c, const uint8_t *p, size_t n, struct fz_split *s);

/* The target's side of one connection. */
struct fz_wire {
	struct rx rx;
	uint32_t mrdsl;      /* the initiator's MaxRecvDataSegmentLength (§13.12) */
	uint32_t cap;        /* the most mrdsl may become */
	uint8_t *data;       /* cap bytes: the current data segment */
	uint8_t *text;       /* RT_TEXT_MAX: a Login/Text answer across C bits */
	uint32_t text_len;
	bool text_overflow;
	bool ffp;            /* a final Login Response with T=1, NSG=3 was seen */
	bool have_stat_sn;
	uint32_t stat_sn;    /* the next StatSN expected */
	bool have_window;
	uint32_t exp_cmd_sn, max_cmd_sn;
	uint64_t pdus;
	uint32_t erl;        /* ErrorRecoveryLevel in force (fz_wire_erl) */
	bool resent;         /* the PDU being checked was sent again (SNACK, §11.16) */
	uint32_t ack_ttt;    /* the last Data-In with the A bit: its TTT ... */
	uint32_t ack_sn;     /* ... and the DataSN after it (a DataACK's BegRun) */
	/* the harness's own checks of each whole PDU */
	void (*on_pdu)(void *ctx, const uint8_t *bhs, const uint8_t *data, uint32_t len);
	void *ctx;
};

/* A checker for an initiator whose MaxRecvDataSegmentLength may become
 * up to cap (a Text Request may redeclare it, §13.12). */
void fz_wire_init(struct fz_wire *w, uint32_t cap,
		  void (*on_pdu)(void *ctx, const uint8_t *bhs, const uint8_t *data, uint32_t len),
		  void *ctx);
/* A new connection's checker, buffers kept; mrdsl <= cap. */
void fz_wire_reset(struct fz_wire *w, uint32_t mrdsl);
void fz_wire_fini(struct fz_wire *w);
/* Digests in force from the next PDU on (after the last Login Response). */
void fz_wire_digests(struct fz_wire *w, bool hd, bool dd);
/* ErrorRecoveryLevel in force from now on: at 1, a PDU with a StatSN
 * before the next one is a copy sent at a SNACK's request (§11.16: exact
 * replicas keep their StatSN; §11.16.3: an R-Data's SCSI Response keeps
 * the task's). It is checked for form and window, flagged w->resent, and
 * does not move StatSN on. */
void fz_wire_erl(struct fz_wire *w, uint32_t erl);
/* Check bytes the target sent. */
void fz_wire_bytes(struct fz_wire *w, const uint8_t *p, size_t n);
/* Take every byte fake_env captured for connection c and check it. */
struct fake_env;
void fz_wire_take(struct fz_wire *w, struct fake_env *f, rt_conn_id c);

#endif
