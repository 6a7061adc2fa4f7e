/* ErrorRecoveryLevel 2: what a failed connection kept for SNACK, sent
 * again after TASK REASSIGN (RFC 7143 §7.2.2, §11.5.1, §11.5.6, §11.16;
 * core/recovery.h rcv_reassign): status and Data-In lost with the
 * connection, a write's status, Data-In cut again to the new connection's
 * MaxRecvDataSegmentLength, an ITT used again, and the tasks whose copies
 * cannot say what the initiator lacks, answered "Task does not exist". */
#include <check.h>
#include <string.h>

#include "core/limits.h"
#include "erl2_rig.h"

START_TEST(erl2_status_and_data_lost_with_the_connection_are_sent_again)
{
	erig_login(erl2_small, sizeof(erl2_small));
	uint8_t r[4 * BS];
	erig_pattern(F.disk + 100 * BS, sizeof(r), 3);
	uint32_t itt = erig_read_pending(&I, 100, 4);
	fake_disk_run(&F, E);
	/* the target sent it all (four Data-In of 512 bytes, the last with
	 * the status), but the initiator never acknowledged the status
	 * before the connection died */
	uint32_t n = 0;
	while (ini_recv(&I))
		n++;
	ck_assert_uint_eq(n, 4);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	/* ExpDataSN 2: the initiator has DataSN 0 and 1; from 2 on again */
	ck_assert_uint_eq(erig_reassign(&J, itt, 2), ISCSI_TMF_RSP_COMPLETE);
	erig_expect_op(&J, ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), 2);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_BUFFER_OFFSET), 2 * BS);
	ck_assert_uint_eq(memcmp(J.data, F.disk + 102 * BS, BS), 0);
	erig_expect_op(&J, ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), 3);
	ck_assert(J.bhs[PDU_FLAGS] & ISCSI_FLAG_FINAL);
	ck_assert(!(J.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS));
	/* the status on its own, with the new connection's StatSN */
	uint32_t sn = J.exp_stat_sn;
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_TGT_STATSN), sn);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 4);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

/* A write's status lost with its connection: what was kept of it is its
 * R2T and its SCSI Response, no Data-In; the response goes again on the
 * new connection's StatSN with the ExpDataSN it had (§11.4.8: the R2Ts),
 * and the write does not run again. */
START_TEST(erl2_write_status_lost_with_the_connection_is_sent_again)
{
	erig_login(erl2_keys, sizeof(erl2_keys));
	uint8_t w[2 * BS];
	erig_pattern(w, sizeof(w), 13);
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 400, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	erig_expect_op(&I, ISCSI_OP_R2T);
	ini_data_out(&I, itt, pdu_w(I.bhs, PDU_R2T_TTT), 0, 0, w, sizeof(w), true);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	erig_expect_op(&I, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_EXPDATASN), 1);
	rt_on_conn_closed(E, 1); /* before the initiator acknowledged it */
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	uint32_t sn = J.exp_stat_sn;
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(J.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_TGT_STATSN), sn + 1);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 1);
	ck_assert_uint_eq(ini_pending(&J), 0);
	ck_assert_uint_eq(fake_disk_run(&F, E), 0); /* written once */
	ck_assert_uint_eq(memcmp(F.disk + 400 * BS, w, sizeof(w)), 0);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
}
END_TEST

/* §11.2.1.8: an initiator reuses an ITT once it has the status of the
 * task that had it. A new command with the ITT of a read whose status a
 * failed connection's record still keeps (erl2_itt_reused): the copies
 * go, and TASK REASSIGN of that ITT then finds no task. */
START_TEST(erl2_itt_reused_drops_the_copies_a_failed_connection_kept)
{
	erig_login(erl2_small, sizeof(erl2_small));
	uint32_t itt = erig_read_pending(&I, 60, 2);
	fake_disk_run(&F, E);
	while (ini_recv(&I))
		;
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	J.itt = itt; /* the next command takes the read's ITT */
	ck_assert_uint_eq(ini_scsi(&J, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0), itt);
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(J.bhs), itt);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* Kept Data-In sent again on a connection with a smaller
 * MaxRecvDataSegmentLength (§11.5.6: the count of PDUs may change) are
 * cut again, and F still falls at each MaxBurstLength end: the session's
 * burst, which the kept Data-In were cut to (rcv_data_again). */
START_TEST(erl2_data_in_sent_again_is_cut_to_the_new_connections_length_at_the_same_bursts)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0MaxRecvDataSegmentLength=1024\0"
				   "MaxBurstLength=1536\0FirstBurstLength=512";
	static const char small[] = "MaxRecvDataSegmentLength=512";
	erig_login(keys, sizeof(keys));
	erig_pattern(F.disk + 120 * BS, 6 * BS, 7);
	uint32_t itt = erig_read_pending(&I, 120, 6);
	fake_disk_run(&F, E);
	/* sent as 1024, 512 (F), 1024, 512 (F, status); none acknowledged */
	uint32_t n = 0;
	while (ini_recv(&I))
		n++;
	ck_assert_uint_eq(n, 4);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(erig_join_with(2, I.cid, small, sizeof(small)), 0);
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_COMPLETE);
	/* again as six of 512, F at 1536 and 3072 */
	for (uint32_t sn = 0; sn < 6; sn++) {
		erig_expect_op(&J, ISCSI_OP_DATA_IN);
		ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), sn);
		ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_BUFFER_OFFSET), sn * BS);
		ck_assert_uint_eq(J.data_len, BS);
		ck_assert_uint_eq(memcmp(J.data, F.disk + (120 + sn) * BS, BS), 0);
		ck_assert_uint_eq(!!(J.bhs[PDU_FLAGS] & ISCSI_FLAG_FINAL), (sn == 2 || sn == 5));
		ck_assert(!(J.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS));
	}
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 6);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* ---- what the failed connection could not keep (rcv_again_plan) ----
 *
 * A task whose status and Data-In a failed connection kept is answered
 * again from those copies; when the copies cannot say what the initiator
 * lacks, the task is gone as far as the target can tell: §11.6.1
 * response 1, "Task does not exist" (erl2_reassign_check), and nothing
 * is sent for it. The initiator then retries the command (§7.2.1). */

/* x reads n blocks at lba acknowledging no status (ExpStatSN hold): every
 * copy the target keeps stays kept. */
static uint32_t read_unacked(struct ini *x, uint32_t hold, uint32_t lba, uint16_t n, uint8_t *out)
{
	x->exp_stat_sn = hold;
	uint32_t itt = erig_read_pending(x, lba, n);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	erig_receive_read(x, out, (uint32_t)n * BS);
	return itt;
}

/* A store full in bytes keeps a short Data-In after a long one it could
 * not keep: the task's DataSNs have a gap, and no ExpDataSN fills it. */
START_TEST(erl2_reassign_of_a_read_missing_a_data_in_in_the_middle_finds_no_task)
{
	static const char keys[] = "ErrorRecoveryLevel=2\0MaxConnections=2\0MaxRecvDataSegmentLength=8192";
	enum { MRDSL = 8192, READ_BLOCKS = 128 };
	erig_login(keys, sizeof(keys));
	uint32_t hold = I.exp_stat_sn; /* clear_ua's response acknowledged */
	static uint8_t r[READ_BLOCKS * BS];
	/* what a Data-In takes in the store (recovery.c: BHS + data) */
	const uint64_t full = ISCSI_BHS_LEN + MRDSL, tail = ISCSI_BHS_LEN + BS;
	const uint64_t per_read = (uint64_t)READ_BLOCKS * BS / MRDSL * full;
	/* the read under test is two full Data-In and a one-block one with
	 * the status: the room left for it must keep the first and the
	 * last, not the middle one */
	const uint64_t room_lo = full + tail, room_hi = 2 * full;
	uint64_t room = RT_RCV_BYTES_MAX;
	uint32_t whole = 0;
	for (uint32_t k = 0; room >= per_read + room_hi; k++) {
		uint32_t itt = read_unacked(&I, hold, 0, READ_BLOCKS, r);
		if (k == 0)
			whole = itt;
		room -= per_read;
	}
	uint64_t q = (room - tail - room_lo) / full;
	read_unacked(&I, hold, 0, (uint16_t)(q * MRDSL / BS + 1), r);
	room -= q * full + tail;
	ck_assert(room >= room_lo && room < room_hi);
	uint32_t itt = read_unacked(&I, hold, 200, (uint16_t)(2 * MRDSL / BS + 1), r);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	/* DataSN 0 and 2 kept, 1 not: whatever the initiator says it has */
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(erig_reassign(&J, itt, 1), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(ini_pending(&J), 0);
	/* a read kept whole on the same connection is answered again */
	ck_assert_uint_eq(erig_reassign(&J, whole, 0), ISCSI_TMF_RSP_COMPLETE);
	erig_receive_read(&J, r, sizeof(r));
	ck_assert_uint_eq(memcmp(r, F.disk, sizeof(r)), 0);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

/* DataACK (§11.16.2) from x for the burst whose A-bit Data-In had ttt:
 * every Data-In before DataSN beg is had. ExpStatSN hold: the read's
 * status stays unacknowledged. */
static void data_ack(struct ini *x, uint32_t hold, uint32_t itt, uint32_t ttt, uint32_t beg)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_SNACK, ISCSI_FLAG_FINAL | ISCSI_SNACK_DATA_ACK);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SNACK_TTT, ttt);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, hold);
	pdu_set_w(bhs, PDU_SNACK_BEGRUN, beg);
	ini_send(x, bhs, NULL, 0);
}

/* Once the store lacked room (not_kept), a task whose first kept Data-In
 * is not DataSN 0 may have lost earlier ones, not only had them
 * acknowledged: only an ExpDataSN within what is kept (§11.5.6) says
 * where to start. */
START_TEST(erl2_reassign_after_the_store_was_full_needs_an_expdatasn_within_what_is_kept)
{
	erig_login(erl2_small, sizeof(erl2_small)); /* 512-byte Data-In, 1024-byte bursts */
	static uint8_t r[128 * BS];
	/* 128 Data-In a read, none acknowledged: past RT_RCV_PDUS_MAX one
	 * is sent and not kept */
	uint32_t hold = I.exp_stat_sn;
	for (uint32_t k = 0; k <= RT_RCV_PDUS_MAX / 128; k++)
		read_unacked(&I, hold, 0, 128, r);
	ck_assert_uint_eq(tur_status(&I, 0), 0); /* acknowledges them all: room again */
	hold = I.exp_stat_sn;
	uint32_t itt = erig_read_pending(&I, 100, 4);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	uint32_t ack_ttt = ISCSI_TAG_RESERVED;
	for (uint32_t sn = 0; sn < 4; sn++) {
		erig_expect_op(&I, ISCSI_OP_DATA_IN);
		if (sn == 1) { /* the end of the first burst, more to come */
			ck_assert(I.bhs[PDU_FLAGS] & ISCSI_DATAIN_ACK);
			ack_ttt = pdu_w(I.bhs, PDU_DATA_IN_TTT);
		}
	}
	ck_assert(I.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS);
	data_ack(&I, hold, itt, ack_ttt, 2); /* DataSN 0 and 1 let go */
	ck_assert_uint_eq(ini_pending(&I), 0);
	rt_on_conn_closed(E, 1);
	ck_assert_uint_eq(erig_join(2, I.cid), 0);
	/* 2 and 3 kept: 0 (no ExpDataSN), 1 (before them), 5 (past them) */
	ck_assert_uint_eq(erig_reassign(&J, itt, 0), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(erig_reassign(&J, itt, 1), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(erig_reassign(&J, itt, 5), ISCSI_TMF_RSP_NO_TASK);
	ck_assert_uint_eq(ini_pending(&J), 0);
	/* 3: the last Data-In again, then the status */
	ck_assert_uint_eq(erig_reassign(&J, itt, 3), ISCSI_TMF_RSP_COMPLETE);
	erig_expect_op(&J, ISCSI_OP_DATA_IN);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_DATASN), 3);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_DATA_IN_BUFFER_OFFSET), 3 * BS);
	ck_assert_uint_eq(memcmp(J.data, F.disk + 103 * BS, BS), 0);
	erig_expect_op(&J, ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_w(J.bhs, PDU_SCSI_RSP_EXPDATASN), 4);
	ck_assert_uint_eq(ini_pending(&J), 0);
}
END_TEST

Suite *suite_engine_erl2_kept(void)
{
	Suite *s = suite_create("engine_erl2_kept");
	TCase *tc = tcase_create("erl2_kept");
	tcase_add_checked_fixture(tc, engine_setup, erig_teardown);
	tcase_add_test(tc, erl2_status_and_data_lost_with_the_connection_are_sent_again);
	tcase_add_test(tc, erl2_write_status_lost_with_the_connection_is_sent_again);
	tcase_add_test(tc, erl2_itt_reused_drops_the_copies_a_failed_connection_kept);
	tcase_add_test(tc, erl2_data_in_sent_again_is_cut_to_the_new_connections_length_at_the_same_bursts);
	tcase_add_test(tc, erl2_reassign_of_a_read_missing_a_data_in_in_the_middle_finds_no_task);
	tcase_add_test(tc, erl2_reassign_after_the_store_was_full_needs_an_expdatasn_within_what_is_kept);
	suite_add_tcase(s, tc);
	return s;
}
