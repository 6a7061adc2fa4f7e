/* fz_world: an engine under test for the dataout and session harnesses:
 * the fz_cfg configuration, the engine in an fz_env, and up to
 * FZ_WORLD_CONNS initiator connections, each with a split plan for what it
 * sends and an fz_wire checking everything the engine sends back, the
 * login answer included. (ref_target/tests/ini logs in the same way, but
 * its 1 MiB receive buffer per connection cost three quarters of a run
 * under ASan; here the checker parses the answers.)
 *
 * The seam to the environment is fz_env plus the three calls that move
 * time, disk and bytes (fz_world_send, fz_disk_*, fz_world_tick): the
 * harnesses see nothing else, so running them in the simulator's
 * environment later means reimplementing this file only.
 *
 * Promises checked here: bounded memory while running (fz_env), every
 * answer well-formed (fz_wire), and when every connection is closed and
 * every I/O has returned, the engine is back to the memory it had when
 * created: no state survives its sessions (fz_world_fini).
 */
#ifndef FZ_WORLD_H
#define FZ_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "fz.h"
#include "fz_cfg.h"
#include "fz_env.h"
#include "fz_wire.h"
#include "core/iscsi_params.h"
#include "core/rx.h"

#define FZ_WORLD_CONNS 2u
#define FZ_T_DISCOVERY FZ_T_COUNT
/* The MaxRecvDataSegmentLength our initiator declares (§13.12). */
#define FZ_INI_MRDSL 8192u

struct fz_world;

struct fz_conn {
	bool open;
	bool logged_in;
	rt_conn_id id;
	uint16_t tsih, cid;              /* cid: the slot's, unless set before fz_world_login */
	uint32_t login_exp_stat_sn;      /* the login's ExpStatSN: the old connection's when
	                                  * it reinstates one (§11.12.9), else 0 */
	bool hd, dd;                     /* digests in force for what we send */
	uint32_t login_itt;
	int login_status;                /* of the last Login Response, -1: none */
	struct fz_wire wire;             /* its buffers live as long as the process */
	struct fz_split split;
	struct rx tap;                   /* frames what we send, for on_sent */
	bool tap_lost;                   /* framing is gone: on_sent is told no more */
	struct iscsi_params params;      /* as negotiated (the engine's own view) */
	struct iscsi_params sess_params; /* the session's */
	struct fz_world *w;
};

struct fz_world {
	struct fz_cfg cfg;
	struct fz_env z;
	struct rt_engine *eng;
	size_t base_bytes;   /* live right after rt_engine_create */
	rt_conn_id next_id;
	struct fz_conn conns[FZ_WORLD_CONNS];
	/* told of every PDU the engine sends on any connection */
	void (*on_pdu)(struct fz_conn *c, const uint8_t *bhs, const uint8_t *data, uint32_t len);
	/* told of every PDU header the initiator sends after the login, however
	 * it was written (fz_world_send or raw bytes), framed as the engine
	 * frames it, when every byte before it is in the engine */
	void (*on_sent)(struct fz_conn *c, const uint8_t *hdr);
};

/* Configuration from input (fz_cfg_init), engine, no connection yet. */
void fz_world_init(struct fz_world *w, struct fz_in *in);
/* Close every connection, return every I/O, check the engine is back to
 * base_bytes, destroy it, check nothing leaked. */
void fz_world_fini(struct fz_world *w);

/* Accept connection slot k (closing what was there); NULL if the engine
 * refuses it (only while shutting down or out of memory). */
struct fz_conn *fz_world_accept(struct fz_world *w, unsigned k);
/* Log in on c to target t (FZ_T_DISCOVERY: a discovery session) with
 * extra keys ("K=V\0..."): the whole login in one operational-stage
 * request with CmdSN cmd_sn, as ref_target/tests/ini does. join: add the
 * connection to the session of the other slot (TSIH, new CID). Sets
 * digests and c->params/sess_params from what was negotiated. Returns the
 * login status (class << 8 | detail), 0xffff if there was no answer. */
uint16_t fz_world_login(struct fz_world *w, struct fz_conn *c, unsigned t, const char *keys,
			uint32_t keys_len, uint32_t cmd_sn, bool join);
/* Login keys from one input byte: the session parameters data transfer
 * depends on (ImmediateData, InitialR2T, burst lengths, MaxOutstandingR2T,
 * digests, ErrorRecoveryLevel: fz_world_keys_erl), and our
 * MaxRecvDataSegmentLength. Returns the length. */
uint32_t fz_world_keys(char *out, size_t cap, uint8_t k);
/* The ErrorRecoveryLevel those keys offer: bit 7 for 1, bits 7 and 3 for 2. */
unsigned fz_world_keys_erl(uint8_t k);
/* A BHS for c: opcode, flags, LUN, ExpStatSN as the checker last saw. */
void fz_world_bhs(const struct fz_conn *c, uint8_t *bhs, uint8_t op, uint8_t flags, uint64_t lun);
/* Send the Data-Out o of task t (ITT, TTT, DataSN, offset, F from o), its
 * data the model's pattern for the offsets it claims. */
struct fz_task;
struct fz_data_out;
void fz_world_data_out(struct fz_world *w, struct fz_conn *c, const struct fz_task *t, uint64_t lun,
		       const struct fz_data_out *o);
/* Send one PDU on c, split by c's plan; then check what came back. */
void fz_world_send(struct fz_world *w, struct fz_conn *c, const uint8_t *bhs, const uint8_t *ahs,
		   uint32_t ahs_len, const void *data, uint32_t len);
/* Raw bytes on c (no framing), then check what came back. */
void fz_world_raw(struct fz_world *w, struct fz_conn *c, const uint8_t *p, size_t n);
/* False if the engine, as it stands, silently ignores the SCSI command
 * bhs arriving on c: a non-immediate CmdSN outside [ExpCmdSN, MaxCmdSN]
 * or a duplicate within it (RFC 7143 §4.2.2.1; sess_cmd_sn_check decides).
 * An initiator that expects every command answered must not count it. */
bool fz_world_cmd_taken(const struct fz_world *w, const struct fz_conn *c, const uint8_t *bhs);
/* True if c's session holds a live (not aborted) task with this ITT: a
 * command with the same ITT is a duplicate the target rejects. */
bool fz_world_itt_live(const struct fz_world *w, const struct fz_conn *c, uint32_t itt);
/* Check what the engine sent on every connection. */
void fz_world_check(struct fz_world *w);
/* Advance the clock by ms and run the engine's timers. */
void fz_world_tick(struct fz_world *w, uint32_t ms);
/* The peer closes c. */
void fz_world_close(struct fz_world *w, struct fz_conn *c);

#endif
