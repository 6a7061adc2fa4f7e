/* engine_fixture: what the engine tests share. One engine over a
 * fake_env with one portal, one open-access target (IQN_T) and one LU of
 * BLOCKS blocks of BS bytes; a scripted initiator I on connection 1; and
 * helpers for the common conversations. engine_setup/engine_teardown are the Check
 * fixture; engine_teardown asserts the engine returned every byte it allocated.
 */
#ifndef ENGINE_FIXTURE_H
#define ENGINE_FIXTURE_H

#include <stdint.h>

#include "core/config.h"
#include "core/engine.h"
#include "core/pdu.h"
#include "fake_env.h"
#include "ini.h"
#include "scsi/scsi.h"

#define BLOCKS 2048u
#define BS 512u
#define IQN_T "iqn.2026-11.org.iscsi-sim:t1"
#define IQN_I "iqn.2026-11.org.iscsi-sim:i1"

extern struct fake_env F;
extern struct rt_engine *E;
extern struct ini I;
extern struct rt_config cfg;
extern const uint8_t cdb_tur[16];

void engine_setup(void);
void engine_teardown(void);
/* A new engine over cfg with connection 1 accepted and I on it. */
void make_engine(void);
/* Log I in (operational stage only) with extra keys; asserts success. */
void login_ok(const char *keys, uint32_t len);
/* Complete disk I/O; the status of the next SCSI Response or final Data-In. */
uint8_t scsi_status(void);
/* TEST UNIT READY once: takes the power-on unit attention. */
void clear_ua(void);
/* TEST UNIT READY from x on lun, answered at once: status << 16 |
 * ASC << 8 | ASCQ (fixed-format sense). */
uint32_t tur_status(struct ini *x, uint64_t lun);
void cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks);
/* WRITE(10) of n blocks at lba answering every R2T; expects GOOD. */
void write_r2t(uint32_t lba, uint16_t n, const uint8_t *data);
/* READ(10) of n blocks at lba into out; expects all the data. */
void read10(uint32_t lba, uint16_t n, uint8_t *out);

#endif
