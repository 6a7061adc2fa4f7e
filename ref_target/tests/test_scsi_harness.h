/* test_scsi_harness: drives the SCSI layer the way the transport does,
 * over a fake environment, for the test_scsi_* suites.
 *
 * One LU over fake_env's RAM disk, one I_T nexus, one command buffer.
 * Disk I/O stays pending until the test completes it (all in order, one
 * chosen request, or with an error status), so completion order and
 * failures are under the test's control.
 */
#ifndef TEST_SCSI_HARNESS_H
#define TEST_SCSI_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "fake_env.h"
#include "scsi/scsi.h"

#define TH_BUF_MAX (RT_XFER_MAX + 4096u)
#define TH_POISON_LEN (64u * 1024u) /* bytes of the buffer poisoned per command */
#define TH_LUNS 4u

struct th_cmd {
	struct scsi_cmd cmd;
	int done_calls;
	struct scsi_nexus nexus; /* th_start_other: the nexus it came from */
	bool aborted;            /* the transport aborted it */
};

/* What the SCSI layer asked the transport to abort (scsi_transport). */
#define TH_ABORTS_MAX 8u
struct th_abort {
	char port[sizeof(((struct scsi_nexus *)0)->initiator_port)];
	uint16_t rel_port;
};

struct th {
	struct fake_env fe;
	struct rt_lu_cfg cfg;
	struct scsi_lu *lu;
	struct scsi_nexus nexus;
	struct rt_lun_map luns[TH_LUNS];
	uint8_t *buf; /* TH_BUF_MAX bytes, the command's data buffer */
	bool unmapped; /* next commands address a LUN with no LU (cmd->lu NULL) */
	bool map_ro;   /* next commands come through a read-only mapping */
	struct th_cmd c;
	/* the transport the LU was created with: it records every abort_tasks
	 * call and aborts the commands started by th_start_other of the nexus
	 * named, as the engine aborts its tasks */
	struct scsi_transport tp;
	unsigned aborts;
	struct th_abort abort[TH_ABORTS_MAX];
	struct th_cmd *others[TH_ABORTS_MAX];
	unsigned nothers;
};

/* An LU of 'blocks' blocks of 'bs' bytes with RT_LU_* flags. */
void th_init(struct th *t, uint64_t blocks, uint32_t bs, uint32_t flags);
void th_fini(struct th *t);
/* Destroy and create the LU again from t->cfg (after the test changed the
 * configuration, or to see what survives a power cycle). */
void th_lu_recreate(struct th *t);

/* Prepare t->c for a CDB (as the transport fills the "in" fields). */
void th_prep(struct th *t, const uint8_t *cdb, uint32_t cdb_len);
/* th_prep, decode; on success copy data_out (data_out_len bytes) into the buffer
 * and execute. data_out_len is also the initiator's expected data transfer
 * length (cmd->edtl), as for a write over iSCSI. Returns the decode result;
 * the command may still be waiting for disk I/O afterwards. */
int th_start(struct th *t, const uint8_t *cdb, uint32_t cdb_len, const void *data_out, uint32_t data_out_len);
/* th_start, then complete all disk I/O until the command is done.
 * Returns the SCSI status. */
int th_run(struct th *t, const uint8_t *cdb, uint32_t cdb_len, const void *data_out, uint32_t data_out_len);

/* Another command in flight beside t->c: c with its own buffer (at least
 * the transfer length) and a copy of the current nexus, started as
 * th_start does. The transport can abort it until it is done. Returns the
 * decode result. */
int th_start_other(struct th *t, struct th_cmd *c, uint8_t *buf, const uint8_t *cdb, uint32_t cdb_len,
		   const void *data_out, uint32_t data_out_len);

/* Pending disk I/O of the fake environment. */
unsigned th_pending(const struct th *t);
/* Complete pending request i (0 = oldest) with status st (RT_DISK_OK
 * applies it to the RAM disk). */
void th_complete(struct th *t, unsigned i, enum rt_disk_status st);
/* Take pending request i and apply it to the fake disk, but answer
 * nothing yet: the test answers it later with scsi_disk_done (a request
 * the storage has done whose answer is late, as a store waiting for its
 * notify to end). */
struct rt_disk_io *th_apply(struct th *t, unsigned i);
/* Complete pending RT_DISK_MAP_STATUS request i as a disk that knows:
 * 'blocks' blocks from its offset are mapped (or not). */
void th_complete_map(struct th *t, unsigned i, bool mapped, uint64_t blocks);
/* Complete everything pending, oldest first, until nothing is left
 * (including I/O submitted by completions). Returns how many. */
unsigned th_disk_run(struct th *t);

/* Run TEST UNIT READY until GOOD (clears the power-on unit attention). */
void th_clear_ua(struct th *t);

/* Sense key/ASC/ASCQ of the last command (fixed or descriptor format). */
struct th_sense {
	uint8_t key, asc, ascq;
	bool descriptor;
	bool info_valid;
	uint64_t info;
	bool sks_valid;
	uint8_t sks[3];
};
struct th_sense th_sense(const struct th *t);
/* True if the last command ended CHECK CONDITION with key/asc/ascq. */
bool th_check(const struct th *t, uint8_t key, uint8_t asc, uint8_t ascq);
/* ... and INVALID FIELD IN CDB pointing at byte/bit (bit 0xff: none). */
bool th_check_field(const struct th *t, uint16_t byte, uint8_t bit);

/* Fill / compare fake disk blocks. */
void th_disk_fill(struct th *t, uint64_t lba, uint64_t blocks, uint8_t value);
uint8_t *th_disk(struct th *t, uint64_t lba);

/* CDB builders for the common block commands. */
uint32_t th_cdb_rw(uint8_t *cdb, uint8_t opcode, uint64_t lba, uint32_t blocks);

#endif
