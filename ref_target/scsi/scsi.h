/* scsi: the seam between the iSCSI transport (ref_target/core) and SCSI
 * emulation (SPC-4, SBC-3, SAM-5) behind it.
 *
 * The transport owns struct scsi_cmd (it lives inside an iSCSI task) and its
 * data buffer; the SCSI layer owns struct scsi_lu and everything the
 * standards keep per logical unit (unit attentions, reservations, mode
 * pages, ALUA state). The SCSI layer reaches the disk only through the
 * environment's disk_submit; the transport forwards completions with
 * scsi_disk_done().
 *
 * Life of a command:
 *   transport fills the "in" fields, calls scsi_cmd_decode();
 *   if it returns 0, the transport moves cmd->xfer_len bytes of data OUT
 *   into cmd->buf (Data-Out, R2T), then calls scsi_cmd_exec() in CmdSN order;
 *   if decode fails, status and sense are already set and the transport
 *   answers with them (after absorbing any unsolicited data);
 *   the SCSI layer calls cmd->done(cmd) exactly once, possibly before
 *   scsi_cmd_exec() returns, with status, sense and data_in_len set.
 * A transport that orders commands by task attribute (SAM-5 §8.6) enters
 * each command into its LU's task set when it delivers it, before the
 * data arrives (scsi_task_enter), and takes it out when its task ends
 * (scsi_task_leave): scsi_cmd_exec() then holds back what the attributes
 * say must wait (taskset.h).
 */
#ifndef RT_SCSI_H
#define RT_SCSI_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/config.h"
#include "../core/limits.h"
#include "../core/rt_env.h"

/* SAM-5 §5.3: status codes. */
enum scsi_status {
	SCSI_STATUS_GOOD = 0x00,
	SCSI_STATUS_CHECK_CONDITION = 0x02,
	SCSI_STATUS_CONDITION_MET = 0x04,
	SCSI_STATUS_BUSY = 0x08,
	SCSI_STATUS_RESERVATION_CONFLICT = 0x18,
	SCSI_STATUS_TASK_SET_FULL = 0x28,
	SCSI_STATUS_ACA_ACTIVE = 0x30,
	SCSI_STATUS_TASK_ABORTED = 0x40,
};

/* SAM-5 §8.6: task attributes as iSCSI carries them (RFC 7143 §11.3.1). */
enum scsi_task_attr {
	SCSI_ATTR_UNTAGGED = 0,
	SCSI_ATTR_SIMPLE = 1,
	SCSI_ATTR_ORDERED = 2,
	SCSI_ATTR_HEAD_OF_QUEUE = 3,
	SCSI_ATTR_ACA = 4,
};

enum scsi_dir {
	SCSI_DIR_NONE = 0,
	SCSI_DIR_IN,  /* data to the initiator (read) */
	SCSI_DIR_OUT, /* data from the initiator (write) */
};

/* SPC-4 §4.5.1: sense data is at most 252 bytes. */
#define SCSI_SENSE_MAX 252u

/* An I_T nexus: who sends the command, through which target port
 * (SAM-5 §4.6). Filled by the transport for the life of a session. */
struct scsi_nexus {
	/* Initiator port name, SPC-4 §7.6.4.6 iSCSI TransportID form:
	 * "<initiator name>,i,0x<12 hex digits ISID>". */
	char initiator_port[ISCSI_NAME_MAX + 24];
	const char *initiator_name;
	const char *target_name;
	uint16_t tpg_tag;
	uint16_t rel_port; /* relative target port identifier, 1-based (SPC-4 §7.8.6.7) */
};

struct scsi_lu;

/* A command and its data. "in" fields are the transport's to set. */
struct scsi_cmd {
	/* in */
	struct scsi_lu *lu;              /* NULL: the LUN is not mapped for this nexus */
	const struct scsi_nexus *nexus;
	const struct rt_lun_map *luns;   /* this nexus's LUN inventory, for REPORT LUNS */
	uint32_t lun_count;
	uint64_t lun;                    /* as addressed in the PDU */
	bool read_only;                  /* the mapping is read-only */
	uint8_t cdb[SCSI_CDB_MAX];
	uint32_t cdb_len;
	enum scsi_task_attr attr;
	uint32_t edtl;                   /* the initiator's expected data transfer length (iSCSI EDTL) */
	struct scsi_lu *const *lu_table; /* the engine's LUs by rt_config.lus index (EXTENDED COPY) */

	/* set by scsi_cmd_decode() */
	enum scsi_dir dir;
	uint32_t xfer_len;   /* bytes the CDB moves: transfer or allocation
			      * length, at most RT_XFER_MAX (decode caps an
			      * allocation length and refuses a longer
			      * parameter list) */

	/* data: owned by the transport, at least xfer_len bytes */
	uint8_t *buf;
	uint32_t buf_len;
	uint32_t data_out_len; /* OUT: bytes actually received, <= xfer_len */

	/* out, valid when done() is called (or decode failed) */
	uint8_t status;
	uint32_t sense_len;
	uint32_t data_in_len; /* IN: bytes of buf to return, <= xfer_len */
	uint8_t sense[SCSI_SENSE_MAX];

	/* completion: called exactly once after scsi_cmd_exec() */
	void (*done)(struct scsi_cmd *cmd);
	void *owner; /* the transport's task */

	/* private to the SCSI layer */
	struct rt_disk_io io;
	uint32_t state;
	uint64_t lba;
	uint32_t nblocks;
	void *priv;
	uint32_t priv_len; /* bytes at priv when it is the command's scratch memory */
	/* the LU's task set and the queue of held commands (taskset.h) */
	struct scsi_cmd *ts_prev, *ts_next; /* members, in the order they entered */
	struct scsi_cmd *ts_held_next;      /* the queue */
	bool ts_member;
	uint8_t ts_hold;                    /* enum ts_hold */
};

/* What the SCSI layer may ask of the transport. */
struct scsi_transport {
	void *ctx;
	/* PREEMPT AND ABORT (SPC-4 §5.13.11.2.5): abort every task of the I_T
	 * nexus (initiator port name, relative target port; 0 = every port) on
	 * this LU. Nothing more of them reaches the disk or the initiator. */
	void (*abort_tasks)(void *ctx, struct scsi_lu *lu, const char *initiator_port, uint16_t rel_port);
};

/* Create the runtime state of one LU (UA tables, mode pages, reservations
 * restored through env->state_load). tp may be NULL (unit tests). Returns
 * NULL if out of memory. */
struct scsi_lu *scsi_lu_create(const struct rt_env *env, const struct rt_lu_cfg *cfg, uint32_t index,
			       const struct scsi_transport *tp);
void scsi_lu_destroy(struct scsi_lu *lu);

/* Decode and validate the CDB: opcode supported, reserved fields zero, LBA
 * and length in range; sets dir and xfer_len. Returns 0, or -1 with
 * CHECK CONDITION status and sense set. Pure: no state changes. */
int scsi_cmd_decode(struct scsi_cmd *cmd);

/* Execute a decoded command whose OUT data is in buf. Completion through
 * cmd->done(). A member of its LU's task set may wait there first for its
 * task attribute (taskset.h). */
void scsi_cmd_exec(struct scsi_cmd *cmd);

/* SAM-5 §8: the delivered command (lu and attr set, decoded or not) joins
 * its LU's task set, in the order the transport delivers commands (CmdSN
 * order); it holds back later commands as its attribute says until it
 * leaves. No LU (lu NULL): no task set, nothing held. */
void scsi_task_enter(struct scsi_cmd *cmd);
/* Its task ended (answered, aborted, failed decode, released): it holds
 * nothing back any more. What it held starts in scsi_lu_start_held, not
 * now. No-op for a command that never entered. */
void scsi_task_leave(struct scsi_cmd *cmd);
/* Start what the LU held back for task attributes and may go now, oldest
 * first. The transport calls it when it walks no list of its tasks (the
 * end of each event): a command started here may end at once and its task
 * be freed. Returns true if it started any. */
bool scsi_lu_start_held(struct scsi_lu *lu);

/* The transport hands back every disk I/O the SCSI layer submitted. */
void scsi_disk_done(struct rt_disk_io *io);

/* Abort a command scsi_cmd_exec() took (SAM-5 §7.2): it starts no more
 * disk I/O; done() follows with TASK ABORTED as soon as the I/O in flight
 * returns, at once if none is. An aborted write therefore never reaches
 * the disk after done(). */
void scsi_cmd_abort(struct scsi_cmd *cmd);
/* The disk will never return this command's I/O (the engine is being
 * destroyed): free what the SCSI layer holds for it; done() is not called. */
void scsi_cmd_release(struct scsi_cmd *cmd);

/* Implicit ALUA transition (SPC-4 §5.15.2.2) of the LU through the target
 * port group tpg_tag; 0, or -1 if the LU has no such group. */
int scsi_alua_set_state(struct scsi_lu *lu, uint16_t tpg_tag, enum rt_alua_state state);
/* rt_lu_pr_invalidate (engine.h): reload shared reservations (pr.h). */
void scsi_lu_pr_invalidate(struct scsi_lu *lu);

/* Transport events that SPC-4/SAM-5 attach state changes to. */
void scsi_nexus_lost(struct scsi_lu *lu, const struct scsi_nexus *nexus);   /* session ended */
/* The LUN inventory of this nexus changed (a LUN mapped or unmapped while
 * it lives): SPC-4 §6.37 REPORT LUNS, 3F/0E REPORTED LUNS DATA HAS CHANGED,
 * reported through this LU (the next command or REPORT LUNS clears it). */
void scsi_luns_changed(struct scsi_lu *lu, const struct scsi_nexus *nexus);
void scsi_lu_reset(struct scsi_lu *lu, const struct scsi_nexus *by);        /* LOGICAL UNIT RESET */
void scsi_target_reset(struct scsi_lu *lu, const struct scsi_nexus *by, bool cold);
/* Tasks of other nexuses were aborted by 'by' (CLEAR TASK SET, ABORT TASK
 * SET from another I_T nexus): SPC-4 §7.5.4 COMMANDS CLEARED BY ANOTHER INITIATOR. */
void scsi_tasks_cleared(struct scsi_lu *lu, const struct scsi_nexus *victim);

/* SAM-5 §4.7: the 8-byte LUN field <-> LUN number. Numbers below 256 use
 * the peripheral device addressing method (00b), up to 16383 the flat space
 * method (01b); the PDU's LUN field and REPORT LUNS use the same form.
 * A wire LUN in any other form decodes to SCSI_LUN_INVALID. */
#define SCSI_LUN_INVALID UINT64_MAX
static inline uint64_t scsi_lun_from_wire(uint64_t wire)
{
	unsigned method = (unsigned)(wire >> 62);
	uint64_t rest = wire & 0x0000ffffffffffffull; /* second level and below */
	if (rest != 0)
		return SCSI_LUN_INVALID;
	if (method == 0 && ((wire >> 56) & 0x3f) == 0)
		return (wire >> 48) & 0xff;
	if (method == 1)
		return (wire >> 48) & 0x3fff;
	return SCSI_LUN_INVALID;
}
static inline uint64_t scsi_lun_to_wire(uint64_t lun)
{
	if (lun < 256)
		return lun << 48;
	return (0x4000ull | (lun & 0x3fff)) << 48;
}

#endif
