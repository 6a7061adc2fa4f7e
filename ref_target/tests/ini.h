/* ini: a tiny scripted initiator for engine tests. It builds initiator
 * PDUs into byte streams, feeds them to an engine over a fake_env
 * connection (optionally split into pieces), and parses what the engine
 * sent back. Not an initiator implementation: tests drive every field.
 */
#ifndef TEST_INI_H
#define TEST_INI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/pdu.h"
#include "fake_env.h"

#define INI_DATA_MAX (1024u * 1024u)

struct ini {
	struct fake_env *f;
	struct rt_engine *eng;
	rt_conn_id conn;
	uint8_t isid[6];
	uint16_t tsih;
	uint16_t cid;
	uint32_t cmd_sn;
	uint32_t exp_stat_sn;
	uint32_t itt;
	bool hd, dd;       /* digests in force for the next PDUs */
	size_t split;      /* feed in pieces of this many bytes (0: whole) */
	/* last parsed PDU from the target */
	uint8_t bhs[ISCSI_BHS_LEN];
	uint8_t *data;     /* INI_DATA_MAX bytes */
	uint32_t data_len;
};

void ini_init(struct ini *i, struct fake_env *f, struct rt_engine *eng, rt_conn_id conn);
void ini_fini(struct ini *i);

/* Send one PDU: bhs (DSL set here) + data. */
void ini_send(struct ini *i, const uint8_t *bhs, const void *data, uint32_t len);
/* Parse the next PDU the engine sent; false if none is complete. */
bool ini_recv(struct ini *i);
/* Bytes the engine sent that are not yet parsed. */
size_t ini_pending(struct ini *i);

/* Login in one operational-stage PDU straight to full feature phase with
 * the given extra keys ("K=V\0K=V\0", may be NULL). Returns the login
 * status (class << 8 | detail). */
uint16_t ini_login(struct ini *i, const char *initiator, const char *target, const char *keys, uint32_t keys_len);

/* SCSI command: cdb (16 bytes), flags (byte 1 whole: F, R, W, attribute),
 * edtl, immediate data. Returns the ITT used. */
uint32_t ini_scsi(struct ini *i, uint64_t lun, const uint8_t *cdb, uint8_t flags, uint32_t edtl,
		  const void *imm, uint32_t imm_len);

/* Data-Out for itt/ttt. */
void ini_data_out(struct ini *i, uint32_t itt, uint32_t ttt, uint32_t data_sn, uint32_t offset, const void *data,
		  uint32_t len, bool final);

#endif
