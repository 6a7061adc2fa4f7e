/* SCSI Command and Data-Out PDUs the engine must refuse (RFC 7143 §11.3,
 * §11.7, §7.8): each header check answered with its Reject reason, each
 * data error ending the task with its sense, and the connection kept. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/crc32c.h"
#include "core/limits.h"
#include "engine_fixture.h"

#define expect_reject(reason) expect_reject_at(reason, __LINE__)
static void expect_reject_at(uint8_t reason, int line)
{
	ck_assert_msg(ini_recv(&I), "line %d: no PDU", line);
	ck_assert_msg(pdu_opcode(I.bhs) == ISCSI_OP_REJECT, "line %d: opcode 0x%02x", line, pdu_opcode(I.bhs));
	ck_assert_msg(I.bhs[PDU_REJECT_REASON] == reason, "line %d: reason 0x%02x", line, I.bhs[PDU_REJECT_REASON]);
}

/* The next SCSI Response: CHECK CONDITION with this sense (key, ASC, ASCQ;
 * fixed format after the two-byte SenseLength). */
static void expect_sense(uint32_t itt, uint8_t key, uint8_t asc, uint8_t ascq)
{
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(I.bhs), itt);
	ck_assert_uint_eq(I.bhs[PDU_SCSI_RSP_STATUS], 0x02);
	ck_assert_uint_eq(I.data[2 + 2] & 0x0f, key);
	ck_assert_uint_eq(I.data[2 + 12], asc);
	ck_assert_uint_eq(I.data[2 + 13], ascq);
}

/* The session is still usable. */
static void still_serving(void)
{
	ck_assert(!F.conns[1].closed);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert_uint_eq(scsi_status(), 0x00);
}

START_TEST(engine_fails_a_bidirectional_command_with_invalid_field_in_cdb)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, 0, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	fake_disk_run(&F, E);
	expect_sense(itt, 0x05, 0x24, 0x00);
	still_serving();
}
END_TEST

START_TEST(engine_fails_a_command_moving_more_than_rt_xfer_max)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, 0, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, RT_XFER_MAX + 1, NULL, 0);
	fake_disk_run(&F, E);
	expect_sense(itt, 0x05, 0x0e, 0x03); /* INVALID FIELD IN COMMAND INFORMATION UNIT */
	still_serving();
}
END_TEST

START_TEST(engine_rejects_command_headers_rfc_7143_forbids)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS] = { 0 };
	cdb_rw10(cdb, 0x28, 0, 1);
	/* the reserved ITT */
	uint32_t sn = I.cmd_sn;
	I.itt = ISCSI_TAG_RESERVED;
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, BS, NULL, 0);
	expect_reject(ISCSI_REJECT_INVALID_PDU_FIELD);
	I.itt = 0x100;
	/* immediate data on a read (§11.3.4) */
	I.cmd_sn = sn;
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, BS, w, BS);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	/* F=0 (unsolicited data follows) on a read (§11.3.1) */
	I.cmd_sn = sn;
	ini_scsi(&I, 0, cdb, ISCSI_CMD_READ | 1, BS, NULL, 0);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	/* every refused CmdSN stayed a gap: the next command plugs it */
	I.cmd_sn = sn;
	still_serving();
}
END_TEST

START_TEST(engine_rejects_an_itt_already_in_progress)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, 0, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	ck_assert(ini_recv(&I)); /* its R2T */
	I.itt = itt;
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	expect_reject(ISCSI_REJECT_TASK_IN_PROGRESS); /* §11.17.1 */
}
END_TEST

START_TEST(engine_rejects_an_ahs_of_a_reserved_type)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t pdu[ISCSI_BHS_LEN + 8];
	pdu_init(pdu, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | 1);
	pdu[PDU_TOTAL_AHS_LEN] = 2;
	pdu_set_w(pdu, PDU_ITT, 0x77);
	pdu_set_w(pdu, PDU_INI_CMDSN, I.cmd_sn);
	memset(pdu + ISCSI_BHS_LEN, 0, 8);
	put_be16(pdu + ISCSI_BHS_LEN, 5); /* AHSLength 5 ... */
	pdu[ISCSI_BHS_LEN + 2] = 0x3f;    /* ... of type 0x3f: reserved (§11.2.2.2) */
	rt_on_bytes(E, 1, pdu, sizeof(pdu));
	expect_reject(ISCSI_REJECT_INVALID_PDU_FIELD);
	still_serving();
}
END_TEST

START_TEST(engine_rejects_scsi_commands_and_data_out_in_a_discovery_session)
{
	ck_assert_uint_eq(ini_login(&I, IQN_I, NULL, NULL, 0), 0);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR); /* §4.3 */
	uint8_t w[BS] = { 0 };
	ini_data_out(&I, 0x10, 0x20, 0, 0, w, BS, true);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	ck_assert(!F.conns[1].closed);
}
END_TEST

/* Send bhs + 4 bytes of data with a wrong data digest. */
static void send_bad_digest(uint8_t *bhs)
{
	uint8_t pdu[ISCSI_BHS_LEN + 4 + 4];
	memcpy(pdu, bhs, ISCSI_BHS_LEN);
	pdu_set_dsl(pdu, 4);
	memcpy(pdu + ISCSI_BHS_LEN, "\1\2\3\4", 4);
	crc32c_put(pdu + ISCSI_BHS_LEN + 4, crc32c(pdu + ISCSI_BHS_LEN, 4) ^ 1);
	rt_on_bytes(E, 1, pdu, sizeof(pdu));
}

START_TEST(engine_handles_data_digest_errors_on_commands_and_data_out)
{
	static const char keys[] = "DataDigest=CRC32C\0ImmediateData=Yes";
	cfg.params.data_digest = true;
	cfg.params.immediate_data = true;
	login_ok(keys, sizeof(keys));
	I.dd = true;
	clear_ua();
	uint8_t cdb[16], bhs[ISCSI_BHS_LEN];
	/* a write whose immediate data is damaged: Rejected, CmdSN a gap (§7.8) */
	cdb_rw10(cdb, 0x2a, 0, 1);
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1);
	pdu_set_w(bhs, PDU_ITT, 0x300);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, BS);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	memcpy(bhs + PDU_SCSI_CMD_CDB, cdb, 16);
	send_bad_digest(bhs);
	expect_reject(ISCSI_REJECT_DATA_DIGEST);
	ck_assert_uint_eq(F.npending, 0);
	/* a Data-Out whose data is damaged: Rejected, the task ends with
	 * PROTOCOL SERVICE CRC ERROR (47/05, §11.4.7.2) */
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_R2T);
	pdu_init(bhs, ISCSI_OP_DATA_OUT, 0); /* 4 bytes of the burst, more to come */
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, pdu_w(I.bhs, PDU_R2T_TTT));
	send_bad_digest(bhs);
	expect_reject(ISCSI_REJECT_DATA_DIGEST);
	expect_sense(itt, 0x0b, 0x47, 0x05);
	ck_assert_uint_eq(F.npending, 0);
	still_serving();
}
END_TEST

START_TEST(engine_ends_a_write_whose_unsolicited_data_out_is_wrong)
{
	static const char keys[] = "InitialR2T=No\0ImmediateData=No\0FirstBurstLength=65536";
	cfg.params.initial_r2t = false;
	login_ok(keys, sizeof(keys));
	clear_ua();
	uint8_t cdb[16], w[5 * BS]; /* one block more than the write, to overrun it */
	memset(w, 0x21, sizeof(w));
	cdb_rw10(cdb, 0x2a, 7, 4);
	static const struct { uint32_t data_sn, offset, len; uint8_t asc, ascq; } bad[] = {
		{ 1, 0, BS, 0x4b, 0x00 },          /* DataSN must start at 0 */
		{ 0, BS, BS, 0x4b, 0x05 },         /* offset must be 0 */
		{ 0, 0, 5 * BS, 0x4b, 0x02 },      /* more than EDTL */
	};
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1, 4 * BS, NULL, 0);
		ini_data_out(&I, itt, ISCSI_TAG_RESERVED, bad[k].data_sn, bad[k].offset, w, bad[k].len, true);
		expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
		expect_sense(itt, 0x0b, bad[k].asc, bad[k].ascq);
	}
	/* unsolicited data for a read: UNEXPECTED UNSOLICITED DATA (0C/0C) */
	cdb_rw10(cdb, 0x28, 7, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, BS, NULL, 0);
	ini_data_out(&I, itt, ISCSI_TAG_RESERVED, 0, 0, w, BS, true);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	ck_assert_uint_eq(F.disk[7 * BS], 0); /* nothing was written */
	still_serving();
}
END_TEST

START_TEST(engine_ends_a_write_whose_solicited_data_out_is_at_a_wrong_offset)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[2 * BS];
	memset(w, 0x42, sizeof(w));
	cdb_rw10(cdb, 0x2a, 100, 2);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, sizeof(w), NULL, 0);
	ck_assert(ini_recv(&I));
	uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
	ini_data_out(&I, itt, ttt, 0, BS, w, BS, false);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	expect_sense(itt, 0x0b, 0x4b, 0x05);
	ck_assert_uint_eq(F.npending, 0);
	still_serving();
}
END_TEST

/* The next PDU is the SCSI Response for itt (no Data-In before it): its
 * status; *residual the O-bit residual count (0 if O is clear). */
static uint8_t response_with_overflow(uint32_t itt, uint32_t *residual)
{
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(I.bhs), itt);
	ck_assert_uint_eq(I.bhs[PDU_FLAGS] & ISCSI_RSP_UNDERFLOW, 0);
	*residual = (I.bhs[PDU_FLAGS] & ISCSI_RSP_OVERFLOW) ? pdu_w(I.bhs, PDU_SCSI_RSP_RESIDUAL_COUNT) : 0;
	return I.bhs[PDU_SCSI_RSP_STATUS];
}

START_TEST(engine_reports_a_read_flagged_as_a_write_as_overflow_of_the_whole_read)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0x3c, sizeof(w));
	cdb_rw10(cdb, 0x28, 0, 1);
	/* RFC 7143 §11.3.1: EDTL counts in the direction of W; the READ has
	 * nowhere to put its block (no R: no Data-In). As libiscsi's
	 * Read10Invalid sends it: W=1, R=0, the block as immediate data. */
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	fake_disk_run(&F, E);
	uint32_t residual;
	ck_assert_uint_eq(response_with_overflow(itt, &residual), 0x00);
	ck_assert_uint_eq(residual, BS); /* nothing of the block moved */
	/* without immediate data: no R2T is asked for a READ */
	itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	fake_disk_run(&F, E);
	ck_assert_uint_eq(response_with_overflow(itt, &residual), 0x00);
	ck_assert_uint_eq(residual, BS);
	/* and a READ with R=1 is unchanged: data, no residual */
	uint8_t r[BS];
	read10(0, 1, r);
	ck_assert_uint_eq(I.bhs[PDU_FLAGS] & (ISCSI_RSP_OVERFLOW | ISCSI_RSP_UNDERFLOW), 0);
	still_serving();
}
END_TEST

/* isim netfuzz against reftarget (guided, seed 1, case 2139): INQUIRY with
 * allocation length 0 sent with W=1 and EDTL 7168 ended GOOD with no
 * residual, though none of the 7168 bytes moved; VERIFY (no data at all)
 * sent the same way said U and 7168. A CDB that moves nothing now ends
 * as one with no data: underflow of the whole EDTL (§11.4.5.1). */
START_TEST(engine_reports_a_cdb_moving_nothing_as_underflow_of_the_whole_edtl)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16] = { 0x12 }; /* INQUIRY, allocation length 0 */
	for (int k = 0; k < 2; k++) {
		uint8_t flags = (uint8_t)(ISCSI_FLAG_FINAL | (k ? ISCSI_CMD_READ : ISCSI_CMD_WRITE) | 1);
		uint32_t itt = ini_scsi(&I, 0, cdb, flags, 7168, NULL, 0);
		fake_disk_run(&F, E);
		ck_assert(ini_recv(&I));
		ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_SCSI_RSP);
		ck_assert_uint_eq(pdu_itt(I.bhs), itt);
		ck_assert_uint_eq(I.bhs[PDU_SCSI_RSP_STATUS], 0x00);
		ck_assert_uint_eq(I.bhs[PDU_FLAGS] & (ISCSI_RSP_OVERFLOW | ISCSI_RSP_UNDERFLOW), ISCSI_RSP_UNDERFLOW);
		ck_assert_uint_eq(pdu_w(I.bhs, PDU_SCSI_RSP_RESIDUAL_COUNT), 7168);
	}
	still_serving();
}
END_TEST

START_TEST(engine_reports_a_write_flagged_as_a_read_as_overflow_and_writes_nothing)
{
	login_ok(NULL, 0);
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0x4d, sizeof(w));
	write_r2t(9, 1, w);
	cdb_rw10(cdb, 0x2a, 9, 1);
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, BS, NULL, 0);
	fake_disk_run(&F, E);
	uint32_t residual;
	/* GOOD, as for a WRITE with EDTL 0: the CDB ran and found no data to
	 * write; no R2T came first */
	ck_assert_uint_eq(response_with_overflow(itt, &residual), 0x00);
	ck_assert_uint_eq(residual, BS);
	ck_assert_uint_eq(F.disk[9 * BS], 0x4d);
	still_serving();
}
END_TEST

START_TEST(engine_keeps_the_cmdsn_of_a_rejected_write_a_gap_until_the_initiator_plugs_it)
{
	login_ok(NULL, 0); /* InitialR2T=Yes: no unsolicited Data-Out */
	clear_ua();
	uint8_t cdb[16], w[BS];
	memset(w, 0x2e, sizeof(w));
	cdb_rw10(cdb, 0x2a, 12, 1);
	/* F=0 announces unsolicited Data-Out, which InitialR2T=Yes forbids */
	uint32_t gap = I.cmd_sn;
	uint32_t rejected = ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	/* RFC 7143 §7.3: its CmdSN is not considered received */
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), gap);
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0); /* CmdSN gap + 1: held */
	ck_assert_uint_eq(ini_pending(&I), 0);
	/* plugged by ABORT TASK of the rejected command (§11.5.1: not found,
	 * RefCmdSN in the window: considered received) */
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 0x700);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, rejected);
	pdu_set_w(bhs, PDU_TMF_REFCMDSN, gap);
	pdu_set_w(bhs, PDU_INI_CMDSN, I.cmd_sn);
	ini_send(&I, bhs, NULL, 0);
	ck_assert(ini_recv(&I));
	ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(I.bhs[PDU_TMF_RESPONSE], ISCSI_TMF_RSP_COMPLETE);
	ck_assert_uint_eq(scsi_status(), 0x00); /* the held TUR runs */
	ck_assert_uint_eq(pdu_w(I.bhs, PDU_TGT_EXPCMDSN), gap + 2);
	/* or plugged by sending the command again, right, with that CmdSN */
	gap = I.cmd_sn;
	ini_scsi(&I, 0, cdb, ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	expect_reject(ISCSI_REJECT_PROTOCOL_ERROR);
	I.cmd_sn = gap;
	write_r2t(12, 1, w);
	ck_assert_uint_eq(F.disk[12 * BS], 0x2e);
	still_serving();
}
END_TEST

Suite *suite_engine_cmd_bad(void)
{
	Suite *s = suite_create("engine_cmd_bad");
	TCase *tc = tcase_create("engine_cmd_bad");
	tcase_add_checked_fixture(tc, engine_setup, engine_teardown);
	tcase_add_test(tc, engine_fails_a_bidirectional_command_with_invalid_field_in_cdb);
	tcase_add_test(tc, engine_fails_a_command_moving_more_than_rt_xfer_max);
	tcase_add_test(tc, engine_rejects_command_headers_rfc_7143_forbids);
	tcase_add_test(tc, engine_rejects_an_itt_already_in_progress);
	tcase_add_test(tc, engine_rejects_an_ahs_of_a_reserved_type);
	tcase_add_test(tc, engine_rejects_scsi_commands_and_data_out_in_a_discovery_session);
	tcase_add_test(tc, engine_handles_data_digest_errors_on_commands_and_data_out);
	tcase_add_test(tc, engine_ends_a_write_whose_unsolicited_data_out_is_wrong);
	tcase_add_test(tc, engine_ends_a_write_whose_solicited_data_out_is_at_a_wrong_offset);
	tcase_add_test(tc, engine_reports_a_read_flagged_as_a_write_as_overflow_of_the_whole_read);
	tcase_add_test(tc, engine_reports_a_write_flagged_as_a_read_as_overflow_and_writes_nothing);
	tcase_add_test(tc, engine_reports_a_cdb_moving_nothing_as_underflow_of_the_whole_edtl);
	tcase_add_test(tc, engine_keeps_the_cmdsn_of_a_rejected_write_a_gap_until_the_initiator_plugs_it);
	suite_add_tcase(s, tc);
	return s;
}
