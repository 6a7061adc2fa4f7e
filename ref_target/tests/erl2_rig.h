/* erl2_rig (prefix erig_): what the ErrorRecoveryLevel 2 tests
 * (test_engine_erl2.c, test_engine_erl2_kept.c) share, over
 * engine_fixture: I logged in at
 * ERL 2, a second connection J of its session (a reinstatement or another
 * connection), and the PDUs of connection recovery: TASK REASSIGN,
 * Logout with a reason, a read and its Data-In. erig_teardown is the
 * Check fixture's teardown (with engine_setup). */
#ifndef ERL2_RIG_H
#define ERL2_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include "engine_fixture.h"

/* ERL 2 and two connections. */
static const char erl2_keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2";
/* The same with small PDUs: a read of a few blocks is several Data-In. */
static const char erl2_small[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0MaxRecvDataSegmentLength=512\0"
				 "MaxBurstLength=1024\0FirstBurstLength=512";

extern struct ini J; /* a second connection of I's session */

void erig_teardown(void);
/* I logs in offering keys (ERL 2 among them) to a target that allows
 * it (DefaultTime2Wait 2, DefaultTime2Retain 20), past its unit
 * attention. */
void erig_login(const char *keys, uint32_t len);
/* J on connection id (accepted now) as a connection of I's session with
 * CID cid, not logged in: StatSN from 1000, ITTs apart from I's. Closes
 * the J before, if any. */
void erig_j_open(rt_conn_id id, uint16_t cid);
/* J's end (the engine's connection is left as it is). */
void erig_j_close(void);
/* Connection id joins I's session as J with CID cid (a reinstatement if
 * that CID is in use), offering keys (may be NULL); returns the login
 * status. */
uint16_t erig_join_with(rt_conn_id id, uint16_t cid, const char *keys, uint32_t keys_len);
uint16_t erig_join(rt_conn_id id, uint16_t cid);
/* The next PDU x receives is op. */
void erig_expect_op(struct ini *x, uint8_t op);
/* TASK REASSIGN of ref from x (immediate); the TMF Response code. */
uint8_t erig_reassign(struct ini *x, uint32_t ref, uint32_t exp_data_sn);
/* Logout with reason for cid from x (immediate); the response code. */
uint8_t erig_logout(struct ini *x, uint8_t reason, uint16_t cid, uint32_t exp_stat_sn);
void erig_pattern(uint8_t *p, uint32_t len, uint8_t seed);
/* A READ(10) of n blocks at lba from x, its disk I/O left pending. */
uint32_t erig_read_pending(struct ini *x, uint32_t lba, uint16_t n);
/* x receives Data-In for len bytes into out, then the status (a final
 * Data-In or a SCSI Response, GOOD); returns the status's StatSN. */
uint32_t erig_receive_read(struct ini *x, uint8_t *out, uint32_t len);

#endif
