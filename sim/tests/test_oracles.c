/* The oracles can fail: each rule is shown catching its violation, and
 * accepting the legal behaviour next to it. */
#include <check.h>

#include "sim/initiator/block.h"
#include "sim/oracle/data.h"
#include "sim/oracle/protocol.h"
#include "tmem.h"

#define BS 512u

static struct tmem m;
static struct odata od;

static void od_setup(bool all_durable)
{
	tmem_init(&m);
	odata_init(&od, &m.mem, 16, BS, all_durable);
}

static void od_teardown(void)
{
	odata_fini(&od);
	ck_assert_uint_eq(m.live, 0);
}

/* A write of one block that lands and is acknowledged. */
static uint64_t write_block(uint64_t lba, uint64_t t0, uint64_t t1, bool fua)
{
	uint64_t v = odata_begin(&od, OD_WRITE, lba, 1, fua, t0);
	uint8_t b[BS];
	block_fill(b, BS, lba, v);
	ck_assert(odata_applied(&od, lba, 1, b));
	ck_assert(odata_end(&od, v, OD_ACKED, t1));
	return v;
}

static bool read_block(uint64_t lba, uint64_t ver, uint64_t t0, uint64_t t1)
{
	uint8_t b[BS];
	if (ver == 0)
		memset(b, 0, BS);
	else
		block_fill(b, BS, lba, ver);
	unsigned tok = odata_read_begin(&od, t0);
	bool ok = odata_read_check(&od, lba, 1, b, t0, t1);
	odata_read_end(&od, tok);
	return ok;
}

START_TEST(data_read_of_a_superseded_value_is_caught)
{
	od_setup(false);
	uint64_t v1 = write_block(3, 10, 20, false);
	uint64_t v2 = write_block(3, 30, 40, false);
	ck_assert(read_block(3, v2, 50, 60));
	ck_assert(!read_block(3, v1, 50, 60));
	ck_assert(strstr(od.why, "overwritten") != NULL);
	od_teardown();
}
END_TEST

START_TEST(data_concurrent_writes_may_be_read_either_way)
{
	od_setup(false);
	uint64_t v1 = write_block(3, 10, 40, false);
	uint64_t v2 = write_block(3, 20, 30, false); /* overlaps v1 */
	ck_assert(read_block(3, v1, 50, 60));
	od_teardown();
	od_setup(false);
	v1 = write_block(3, 10, 40, false);
	v2 = write_block(3, 20, 30, false);
	ck_assert(read_block(3, v2, 50, 60));
	od_teardown();
}
END_TEST

START_TEST(data_seen_value_cannot_go_back)
{
	od_setup(false);
	uint64_t v1 = write_block(3, 10, 20, false);
	uint64_t v2 = odata_begin(&od, OD_WRITE, 3, 1, false, 30); /* never answered */
	uint8_t b[BS];
	block_fill(b, BS, 3, v2);
	ck_assert(odata_applied(&od, 3, 1, b));
	ck_assert(read_block(3, v2, 40, 50)); /* the indeterminate write was seen... */
	ck_assert(!read_block(3, v1, 60, 70)); /* ...so the older value is gone */
	od_teardown();
}
END_TEST

START_TEST(data_indeterminate_write_may_surface_while_a_copy_is_out)
{
	od_setup(false);
	uint64_t v1 = odata_begin(&od, OD_WRITE, 3, 1, false, 10);
	odata_settle(&od, v1, false, 0); /* a copy sits in some gateway */
	ck_assert(odata_end(&od, v1, OD_INDETERMINATE, 20));
	write_block(3, 30, 40, false);
	ck_assert(read_block(3, v1, 1000, 1010)); /* it may still land after the later write */
	odata_settle(&od, v1, true, 1100);        /* that copy is resolved at 1100 */
	write_block(3, 1200, 1210, false);
	ck_assert(!read_block(3, v1, 1300, 1310)); /* now it is history */
	od_teardown();
}
END_TEST

START_TEST(data_old_copy_landing_after_the_ack_and_a_newer_write_is_stale)
{
	od_setup(false);
	uint64_t v1 = odata_begin(&od, OD_WRITE, 3, 1, false, 10);
	odata_settle(&od, v1, false, 0); /* first copy stuck in a frozen gateway */
	uint8_t b[BS];
	block_fill(b, BS, 3, v1);
	ck_assert(odata_applied(&od, 3, 1, b)); /* the retry lands */
	ck_assert(odata_end(&od, v1, OD_ACKED, 20));
	write_block(3, 30, 40, false);
	/* The application saw v1 complete, then wrote again: v1 surfacing now
	 * (the stuck copy landing) takes its data back in time. */
	ck_assert(!read_block(3, v1, 50, 60));
	od_teardown();
}
END_TEST

START_TEST(data_miscompare_after_a_resend_leaves_the_write_possible)
{
	od_setup(false);
	uint64_t v = odata_begin(&od, OD_WRITE, 3, 1, false, 10);
	odata_copy(&od, v); /* first copy: landed, its answer lost with the connection */
	uint8_t b[BS];
	block_fill(b, BS, 3, v);
	ck_assert(odata_applied(&od, 3, 1, b));
	odata_copy(&od, v); /* the re-send miscompares: it saw the first copy's data */
	ck_assert(odata_end(&od, v, OD_NO_EFFECT, 50));
	ck_assert(read_block(3, v, 60, 70));
	od_teardown();
	od_setup(false);
	v = odata_begin(&od, OD_WRITE, 3, 1, false, 10);
	odata_copy(&od, v); /* a single copy that miscompared wrote nothing */
	ck_assert(odata_end(&od, v, OD_NO_EFFECT, 50));
	ck_assert(!read_block(3, v, 60, 70));
	od_teardown();
}
END_TEST

START_TEST(data_unwritten_or_foreign_blocks_are_caught)
{
	od_setup(false);
	uint8_t b[BS];
	block_fill(b, BS, 4, 1); /* version 1 does not exist yet */
	ck_assert(!odata_applied(&od, 4, 1, b));
	od_teardown();
	od_setup(false);
	write_block(5, 10, 20, false);
	block_fill(b, BS, 5, 1);
	ck_assert(!odata_applied(&od, 6, 1, b)); /* landed at the wrong LBA */
	ck_assert(strstr(od.why, "landed at lba 6") != NULL);
	od_teardown();
}
END_TEST

START_TEST(data_ack_before_the_disk_is_caught)
{
	od_setup(false);
	uint64_t v = odata_begin(&od, OD_WRITE, 2, 2, false, 10);
	uint8_t b[BS];
	block_fill(b, BS, 2, v);
	ck_assert(odata_applied(&od, 2, 1, b)); /* only the first of two blocks */
	ck_assert(!odata_end(&od, v, OD_ACKED, 20));
	ck_assert(strstr(od.why, "before all its blocks") != NULL);
	od_teardown();
}
END_TEST

/* A version longer than one word of "applied" bits (a 1 MiB write):
 * acknowledged only once every block reached the disk, in any order and
 * in pieces. */
START_TEST(data_large_write_is_acked_only_once_every_block_landed)
{
	enum { N = 2048 }; /* 1 MiB of 512-byte blocks */
	static uint8_t buf[N * BS];
	for (int all = 0; all <= 1; all++) { /* first block N/2 - 1 never lands, then every block does */
		tmem_init(&m);
		odata_init(&od, &m.mem, 4096, BS, false);
		uint64_t v = odata_begin(&od, OD_WRITE, 100, N, false, 10);
		for (uint32_t i = 0; i < N; i++)
			block_fill(buf + (size_t)i * BS, BS, 100 + i, v);
		/* the second half first, then the first */
		ck_assert(odata_applied(&od, 100 + N / 2, N / 2, buf + (size_t)(N / 2) * BS));
		ck_assert(odata_applied(&od, 100, N / 2 - 1 + (uint32_t)all, buf));
		ck_assert(odata_end(&od, v, OD_ACKED, 20) == (all == 1));
		ck_assert(all == 1 || strstr(od.why, "before all its blocks") != NULL);
		od_teardown();
	}
}
END_TEST

static void power_loss_with(uint64_t surviving_lba3)
{
	static uint8_t dur[16 * BS];
	memset(dur, 0, sizeof(dur));
	if (surviving_lba3 != 0)
		block_fill(dur + 3 * BS, BS, 3, surviving_lba3);
	(void)odata_power_loss(&od, 100, dur);
}

START_TEST(data_fua_write_must_survive_power_loss)
{
	od_setup(false);
	uint64_t v = write_block(3, 10, 20, true);
	power_loss_with(0);
	ck_assert_uint_eq(od.violations, 1);
	ck_assert(strstr(od.why, "durable") != NULL);
	od_teardown();
	od_setup(false);
	v = write_block(3, 10, 20, true);
	power_loss_with(v);
	ck_assert_uint_eq(od.violations, 0);
	od_teardown();
}
END_TEST

START_TEST(data_unflushed_write_may_vanish_but_flushed_may_not)
{
	od_setup(false);
	uint64_t v = write_block(3, 10, 20, false);
	power_loss_with(0); /* lost, and allowed */
	ck_assert_uint_eq(od.violations, 0);
	ck_assert(read_block(3, 0, 200, 210));
	ck_assert(!read_block(3, v, 220, 230)); /* ...but it cannot come back */
	od_teardown();
	od_setup(false);
	write_block(3, 10, 20, false);
	odata_flush_done(&od, 30); /* a flush invoked after the write completed */
	power_loss_with(0);
	ck_assert_uint_eq(od.violations, 1);
	od_teardown();
}
END_TEST

START_TEST(data_without_a_volatile_cache_every_ack_is_durable)
{
	od_setup(true);
	write_block(3, 10, 20, false);
	power_loss_with(0);
	ck_assert_uint_eq(od.violations, 1);
	od_teardown();
}
END_TEST

START_TEST(data_unacknowledged_write_may_land_after_power_loss)
{
	od_setup(false);
	uint64_t v = odata_begin(&od, OD_WRITE, 3, 1, false, 10);
	power_loss_with(0);
	uint8_t b[BS];
	block_fill(b, BS, 3, v);
	ck_assert(odata_applied(&od, 3, 1, b)); /* a retry lands later */
	ck_assert(odata_end(&od, v, OD_ACKED, 150));
	ck_assert(read_block(3, v, 160, 170));
	ck_assert_uint_eq(od.violations, 0);
	od_teardown();
}
END_TEST

/* ---- protocol checker ---- */

static struct oproto op;

static void feed(bool from_target, uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct ipdu_tx tx;
	memcpy(tx.bhs, bhs, 48);
	ipdu_tx_seal(&tx, data, len, false, false);
	for (int i = 0; i < tx.iovcnt; i++)
		oproto_bytes(&op, from_target, tx.iov[i].iov_base, tx.iov[i].iov_len);
}

static uint32_t statsn = 7;

/* Log in (no digests, window 4) and return the first CmdSN. */
static uint32_t op_login(void)
{
	tmem_init(&m);
	oproto_init(&op, &m.mem, 1, 4);
	uint8_t bhs[48], text[128];
	size_t len = 0;
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	ikeys_add(text, &len, sizeof(text), "MaxRecvDataSegmentLength", "1024");
	feed(false, bhs, text, (uint32_t)len);
	len = 0;
	ikeys_add(text, &len, sizeof(text), "MaxRecvDataSegmentLength", "1024");
	ikeys_add(text, &len, sizeof(text), "MaxBurstLength", "2048");
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	put_be16(bhs + PDU_LOGIN_TSIH, 1);
	statsn = 7;
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 100);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 103);
	feed(true, bhs, text, (uint32_t)len);
	ck_assert(op.ffp);
	return 100;
}

static void op_done(void)
{
	oproto_fini(&op);
	ck_assert_uint_eq(m.live, 0);
}

static void cmd(uint32_t itt, uint32_t cmdsn, bool read, uint32_t edtl)
{
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | (read ? ISCSI_CMD_READ : 0));
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, edtl);
	pdu_set_w(bhs, PDU_INI_CMDSN, cmdsn);
	feed(false, bhs, NULL, 0);
}

/* A target PDU; data_sn and offset are DataSN/R2TSN and Buffer Offset, at
 * the same place in Data-In and R2T (§11.7, §11.8). */
static_assert(PDU_DATA_IN_DATASN == PDU_R2T_R2TSN && PDU_DATA_IN_BUFFER_OFFSET == PDU_R2T_BUFFER_OFFSET,
	      "one helper writes Data-In and R2T");
static void tgt(uint8_t op_code, uint8_t flags, uint32_t itt, uint32_t sn, uint32_t exp, uint32_t max,
	uint32_t data_sn, uint32_t offset, const uint8_t *data, uint32_t len)
{
	uint8_t bhs[48];
	pdu_init(bhs, op_code, flags);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TGT_STATSN, sn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, exp);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, max);
	pdu_set_w(bhs, PDU_DATA_IN_DATASN, data_sn);
	pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, offset);
	feed(true, bhs, data, len);
}

START_TEST(proto_accepts_a_clean_read)
{
	op_login();
	cmd(1, 100, true, 1024);
	uint8_t d[512] = { 0 };
	tgt(ISCSI_OP_DATA_IN, 0, 1, statsn, 101, 104, 0, 0, d, 512);
	tgt(ISCSI_OP_DATA_IN, ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS, 1, statsn++, 101, 104, 1, 512, d, 512);
	ck_assert_uint_eq(op.violations, 0);
	op_done();
}
END_TEST

START_TEST(proto_catches_a_statsn_gap)
{
	op_login();
	cmd(1, 100, false, 0);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, statsn + 1, 101, 104, 0, 0, NULL, 0);
	ck_assert(strstr(op.why, "StatSN") != NULL);
	op_done();
}
END_TEST

START_TEST(proto_catches_a_window_wider_than_configured)
{
	op_login();
	cmd(1, 100, false, 0);
	/* depth 4 configured: MaxCmdSN = ExpCmdSN + 4 is one too many */
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, statsn++, 101, 105, 0, 0, NULL, 0);
	ck_assert(strstr(op.why, "window") != NULL);
	op_done();
}
END_TEST

START_TEST(proto_catches_expcmdsn_beyond_what_was_sent)
{
	op_login();
	cmd(1, 100, false, 0);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, statsn++, 102, 104, 0, 0, NULL, 0);
	ck_assert(strstr(op.why, "never sent") != NULL);
	op_done();
}
END_TEST

START_TEST(proto_catches_data_in_out_of_order_or_past_the_end)
{
	uint8_t d[512] = { 0 };
	op_login();
	cmd(1, 100, true, 1024);
	tgt(ISCSI_OP_DATA_IN, 0, 1, statsn, 101, 104, 0, 512, d, 512);
	ck_assert(strstr(op.why, "BufferOffset") != NULL);
	op_done();
	op_login();
	cmd(1, 100, true, 256);
	tgt(ISCSI_OP_DATA_IN, 0, 1, statsn, 101, 104, 0, 0, d, 512);
	ck_assert(strstr(op.why, "beyond the expected") != NULL);
	op_done();
}
END_TEST

START_TEST(proto_catches_good_status_without_the_data_or_underflow)
{
	op_login();
	cmd(1, 100, true, 1024);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, statsn++, 101, 104, 0, 0, NULL, 0);
	ck_assert(strstr(op.why, "underflow") != NULL);
	op_done();
}
END_TEST

START_TEST(proto_catches_answers_for_unknown_or_aborted_tasks)
{
	op_login();
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 9, statsn++, 100, 103, 0, 0, NULL, 0);
	ck_assert(strstr(op.why, "no live task") != NULL);
	op_done();
	op_login();
	cmd(1, 100, false, 0);
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | ISCSI_TMF_ABORT_TASK);
	pdu_set_w(bhs, PDU_ITT, 50);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, 1);
	pdu_set_w(bhs, PDU_INI_CMDSN, 101);
	feed(false, bhs, NULL, 0);
	tgt(ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, 50, statsn++, 101, 104, 0, 0, NULL, 0);
	ck_assert_uint_eq(op.violations, 0);
	tgt(ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, 1, statsn++, 101, 104, 0, 0, NULL, 0);
	ck_assert(strstr(op.why, "after ABORT TASK") != NULL);
	op_done();
}
END_TEST

START_TEST(proto_catches_initiator_outside_the_window)
{
	op_login();
	cmd(1, 100, false, 0);
	cmd(2, 101, false, 0);
	cmd(3, 102, false, 0);
	cmd(4, 103, false, 0);
	ck_assert_uint_eq(op.violations, 0);
	cmd(5, 104, false, 0);
	ck_assert(strstr(op.why, "beyond MaxCmdSN") != NULL);
	op_done();
}
END_TEST

START_TEST(proto_catches_oversized_r2t)
{
	op_login();
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, 8192);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	feed(false, bhs, NULL, 0);
	pdu_init(bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 101);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 104);
	pdu_set_w(bhs, PDU_R2T_DESIRED_LENGTH, 4096); /* MaxBurstLength is 2048 */
	feed(true, bhs, NULL, 0);
	ck_assert(strstr(op.why, "MaxBurstLength") != NULL);
	op_done();
}
END_TEST

/* A write with 512 bytes of immediate data and EDTL 2048 ends GOOD with
 * underflow: the residual is 1536 if the command used the 512 bytes, up
 * to 2048 if its CDB transfers fewer (a VERIFY sent with W=1: the residual
 * counted from the CDB, as LIO, tgt and reftarget do), never outside. */
static void write_imm_then(uint32_t residual)
{
	op_login();
	uint8_t bhs[48], d[512] = { 0 };
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, 2048);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	feed(false, bhs, d, sizeof(d));
	pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL | ISCSI_RSP_UNDERFLOW);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 101);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 104);
	pdu_set_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT, residual);
	feed(true, bhs, NULL, 0);
}

START_TEST(proto_write_residual_may_leave_unsolicited_data_unused)
{
	write_imm_then(1536);
	ck_assert_uint_eq(op.violations, 0);
	op_done();
	write_imm_then(2048);
	ck_assert_uint_eq(op.violations, 0);
	op_done();
	write_imm_then(1000);
	ck_assert(strstr(op.why, "residual 1000") != NULL);
	op_done();
	write_imm_then(2049);
	ck_assert(strstr(op.why, "residual 2049") != NULL);
	op_done();
}
END_TEST

/* A W=1 command whose CDB reads (REPORT LUNS) with immediate data: GOOD,
 * O=1 and the CDB's length is right; the immediate data moved nothing
 * the command wanted (isim netfuzz, guided, case 1279). */
START_TEST(proto_write_flagged_read_with_immediate_data_may_end_with_overflow)
{
	op_login();
	uint8_t bhs[48], d[512] = { 0 };
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, 2048);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	feed(false, bhs, d, sizeof(d));
	pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL | ISCSI_RSP_OVERFLOW);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 101);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 104);
	pdu_set_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT, 16);
	feed(true, bhs, NULL, 0);
	ck_assert_uint_eq(op.violations, 0);
	op_done();
}
END_TEST

static void text_req(uint32_t itt, uint32_t cmdsn, uint32_t ttt, bool final)
{
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_TEXT_REQ, final ? ISCSI_FLAG_FINAL : ISCSI_TEXT_CONTINUE);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TEXT_TTT, ttt);
	pdu_set_w(bhs, PDU_INI_CMDSN, cmdsn);
	feed(false, bhs, NULL, 0);
}

/* §11.10: one outstanding Text Request per connection. A second one before
 * the first is answered is the initiator's fault (isim netfuzz sent two:
 * the target's answer to the first was then blamed on the target); a new
 * exchange after an answer replaces the old one (§11.10.4). */
START_TEST(proto_text_request_before_the_last_is_answered_is_the_initiators)
{
	op_login();
	text_req(1, 100, ISCSI_TAG_RESERVED, true);
	ck_assert_uint_eq(op.violations, 0);
	text_req(2, 101, ISCSI_TAG_RESERVED, true);
	ck_assert(strstr(op.why, "has no answer yet") != NULL);
	op_done();
	op_login();
	text_req(1, 100, ISCSI_TAG_RESERVED, false);
	tgt(ISCSI_OP_TEXT_RSP, 0, 1, statsn++, 101, 104, 0, 0, NULL, 0);
	text_req(2, 101, ISCSI_TAG_RESERVED, true);
	tgt(ISCSI_OP_TEXT_RSP, ISCSI_FLAG_FINAL, 2, statsn++, 102, 105, 0, 0, NULL, 0);
	ck_assert_uint_eq(op.violations, 0);
	op_done();
}
END_TEST

/* A READ flagged command whose CDB writes (WRITE(6) with R=1): GOOD, no
 * data, O=1 with the CDB's length (§11.4.5.1) is right; GOOD with no
 * residual flag is not. */
START_TEST(proto_read_flagged_write_may_end_good_with_overflow)
{
	op_login();
	cmd(1, 100, true, 1024);
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL | ISCSI_RSP_OVERFLOW);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 101);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 104);
	pdu_set_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT, 1024);
	feed(true, bhs, NULL, 0);
	ck_assert_uint_eq(op.violations, 0);
	op_done();
	op_login();
	cmd(1, 100, true, 1024);
	pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 101);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 104);
	feed(true, bhs, NULL, 0);
	ck_assert(strstr(op.why, "no underflow") != NULL);
	op_done();
}
END_TEST

/* Two Logout Requests in flight (reason 1, other CIDs), each answered:
 * the first answer is not blamed on the target (isim netfuzz, guided, case
 * 1904); an answer for no request still is. */
START_TEST(proto_two_logouts_in_flight_are_each_answered)
{
	op_login();
	uint8_t bhs[48];
	for (uint32_t itt = 1; itt <= 2; itt++) {
		pdu_init(bhs, ISCSI_OP_LOGOUT_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | 1);
		pdu_set_w(bhs, PDU_ITT, itt);
		pdu_set_w(bhs, PDU_INI_CMDSN, 100);
		feed(false, bhs, NULL, 0);
	}
	for (uint32_t itt = 1; itt <= 3; itt++) {
		pdu_init(bhs, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL);
		pdu_set_w(bhs, PDU_ITT, itt);
		pdu_set_w(bhs, PDU_TGT_STATSN, statsn++);
		pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 100);
		pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 103);
		feed(true, bhs, NULL, 0);
		if (itt == 2)
			ck_assert_uint_eq(op.violations, 0);
	}
	ck_assert(strstr(op.why, "Logout Response for ITT 0x3") != NULL);
	op_done();
}
END_TEST


/* A WRITE with EDTL edtl and imm immediate bytes (FirstBurst 64 KiB). */
static void wcmd(uint32_t itt, uint32_t cmdsn, uint32_t edtl, uint32_t imm)
{
	static const uint8_t zeros[1024];
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_SCSI_CMD, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_SCSI_CMD_EDTL, edtl);
	pdu_set_w(bhs, PDU_INI_CMDSN, cmdsn);
	feed(false, bhs, zeros, imm);
}

static void scsi_rsp(uint32_t itt, uint32_t sn, uint8_t status, uint8_t flags, uint32_t residual)
{
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL | flags);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TGT_STATSN, sn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 101);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 104);
	bhs[PDU_SCSI_RSP_STATUS] = status;
	pdu_set_w(bhs, PDU_SCSI_RSP_RESIDUAL_COUNT, residual);
	feed(true, bhs, NULL, 0);
}

static void data_out(uint32_t itt, uint32_t ttt, uint32_t exp_statsn, uint32_t off, uint32_t len)
{
	static const uint8_t zeros[1024];
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_DATA_OUT, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_DATA_OUT_TTT, ttt);
	pdu_set_w(bhs, PDU_INI_EXPSTATSN, exp_statsn);
	pdu_set_w(bhs, PDU_DATA_OUT_BUFFER_OFFSET, off);
	feed(false, bhs, zeros, len);
}

/* libiscsi's Write10Residuals: WRITE(10) of one 512-byte block with EDTL
 * 10000. The target transfers the 512 bytes the CDB asks for and answers
 * GOOD, U, residual 9488, whatever else the initiator sent (§11.4.5). */
START_TEST(proto_write_residual_counts_what_the_command_transferred)
{
	op_login();
	wcmd(1, 100, 10000, 1024);
	scsi_rsp(1, statsn++, 0, ISCSI_RSP_UNDERFLOW, 10000 - 512);
	ck_assert_msg(op.violations == 0, "%s", op.why);
	op_done();
	/* all 10000 transferred claimed, 1024 received: wrong */
	op_login();
	wcmd(1, 100, 10000, 1024);
	scsi_rsp(1, statsn++, 0, ISCSI_RSP_UNDERFLOW, 10000 - 2048);
	ck_assert(strstr(op.why, "write residual") != NULL);
	op_done();
	op_login();
	wcmd(1, 100, 10000, 1024);
	scsi_rsp(1, statsn++, 0, ISCSI_RSP_UNDERFLOW, 10001);
	ck_assert(strstr(op.why, "write residual") != NULL);
	op_done();
	op_login();
	wcmd(1, 100, 10000, 1024);
	scsi_rsp(1, statsn++, 0, 0, 0);
	ck_assert(strstr(op.why, "no underflow") != NULL);
	op_done();
}
END_TEST

/* libiscsi's iSCSIDataSnInvalid: the target answers CHECK CONDITION while
 * the Data-Out for its R2T is still on the wire (§11.4). That Data-Out,
 * sent before the initiator saw the answer, is legal; one sent after the
 * initiator acknowledged the answer (ExpStatSN past its StatSN) is not. */
START_TEST(proto_data_out_crossing_an_early_answer_is_legal)
{
	op_login();
	wcmd(1, 100, 1024, 0);
	uint8_t bhs[48];
	pdu_init(bhs, ISCSI_OP_R2T, ISCSI_FLAG_FINAL);
	pdu_set_w(bhs, PDU_ITT, 1);
	pdu_set_w(bhs, PDU_R2T_TTT, 0x77);
	pdu_set_w(bhs, PDU_TGT_STATSN, statsn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 101);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 104);
	pdu_set_w(bhs, PDU_R2T_DESIRED_LENGTH, 1024);
	feed(true, bhs, NULL, 0);
	uint32_t rsp_sn = statsn;
	scsi_rsp(1, statsn++, 2, 0, 0);
	data_out(1, 0x77, rsp_sn, 0, 512);      /* sent before the answer arrived */
	data_out(1, 0x77, rsp_sn - 1, 512, 512);
	ck_assert_msg(op.violations == 0, "%s", op.why);
	data_out(1, 0x77, rsp_sn + 1, 0, 512);  /* the answer was acknowledged */
	ck_assert(strstr(op.why, "no write task") != NULL);
	op_done();
	/* a new task with the same ITT is a new task: the old answer no longer excuses */
	op_login();
	wcmd(1, 100, 1024, 0);
	rsp_sn = statsn;
	scsi_rsp(1, statsn++, 2, 0, 0);
	cmd(1, 101, false, 0);
	data_out(1, 0x77, rsp_sn, 0, 512);
	ck_assert(strstr(op.why, "no write task") != NULL);
	op_done();
}
END_TEST

/* Found by fuzz/harness_capture: the initiator's bytes of a PDU begun
 * before the final Login Response (a capture shows them crossing) keep
 * the login's framing; the new framing applies from the next PDU. */
START_TEST(proto_pdu_crossing_the_final_login_response_keeps_its_framing)
{
	tmem_init(&m);
	oproto_init(&op, &m.mem, 1, 4);
	uint8_t bhs[48], text[128];
	size_t len = 0;
	pdu_init(bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	pdu_set_w(bhs, PDU_INI_CMDSN, 100);
	feed(false, bhs, NULL, 0);
	/* a NOP-Out with 8 data bytes, of which 4 arrive before the response */
	uint8_t nop[48 + 8] = { 0 };
	pdu_init(nop, ISCSI_OP_NOP_OUT | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL);
	pdu_set_w(nop, PDU_ITT, ISCSI_TAG_RESERVED);
	pdu_set_w(nop, PDU_INI_CMDSN, 100);
	nop[7] = 8; /* DataSegmentLength (bytes 5..7) */
	oproto_bytes(&op, false, nop, 48 + 4);
	ikeys_add(text, &len, sizeof(text), "HeaderDigest", "CRC32C");
	ikeys_add(text, &len, sizeof(text), "MaxRecvDataSegmentLength", "1024");
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	put_be16(bhs + PDU_LOGIN_TSIH, 1);
	pdu_set_w(bhs, PDU_TGT_STATSN, 7);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, 100);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, 103);
	feed(true, bhs, text, (uint32_t)len);
	ck_assert_msg(op.ffp, "%s", op.why);
	ck_assert(!op.rx[0].header_digest); /* the NOP-Out is still being framed */
	oproto_bytes(&op, false, nop + 48 + 4, 4);
	ck_assert_uint_eq(op.pdus, 3);
	ck_assert(op.rx[0].header_digest);
	ck_assert_msg(op.violations == 0, "%s", op.why);
	op_done();
}
END_TEST

Suite *suite_oracles(void)
{
	Suite *s = suite_create("oracles");
	TCase *tc = tcase_create("oracles");
	tcase_add_test(tc, data_read_of_a_superseded_value_is_caught);
	tcase_add_test(tc, data_concurrent_writes_may_be_read_either_way);
	tcase_add_test(tc, data_seen_value_cannot_go_back);
	tcase_add_test(tc, data_large_write_is_acked_only_once_every_block_landed);
	tcase_add_test(tc, data_indeterminate_write_may_surface_while_a_copy_is_out);
	tcase_add_test(tc, data_old_copy_landing_after_the_ack_and_a_newer_write_is_stale);
	tcase_add_test(tc, data_miscompare_after_a_resend_leaves_the_write_possible);
	tcase_add_test(tc, data_unwritten_or_foreign_blocks_are_caught);
	tcase_add_test(tc, data_ack_before_the_disk_is_caught);
	tcase_add_test(tc, data_fua_write_must_survive_power_loss);
	tcase_add_test(tc, data_unflushed_write_may_vanish_but_flushed_may_not);
	tcase_add_test(tc, data_without_a_volatile_cache_every_ack_is_durable);
	tcase_add_test(tc, data_unacknowledged_write_may_land_after_power_loss);
	tcase_add_test(tc, proto_accepts_a_clean_read);
	tcase_add_test(tc, proto_catches_a_statsn_gap);
	tcase_add_test(tc, proto_catches_a_window_wider_than_configured);
	tcase_add_test(tc, proto_catches_expcmdsn_beyond_what_was_sent);
	tcase_add_test(tc, proto_catches_data_in_out_of_order_or_past_the_end);
	tcase_add_test(tc, proto_catches_good_status_without_the_data_or_underflow);
	tcase_add_test(tc, proto_catches_answers_for_unknown_or_aborted_tasks);
	tcase_add_test(tc, proto_catches_initiator_outside_the_window);
	tcase_add_test(tc, proto_catches_oversized_r2t);
	tcase_add_test(tc, proto_write_residual_counts_what_the_command_transferred);
	tcase_add_test(tc, proto_data_out_crossing_an_early_answer_is_legal);
	tcase_add_test(tc, proto_pdu_crossing_the_final_login_response_keeps_its_framing);
	tcase_add_test(tc, proto_write_residual_may_leave_unsolicited_data_unused);
	tcase_add_test(tc, proto_write_flagged_read_with_immediate_data_may_end_with_overflow);
	tcase_add_test(tc, proto_text_request_before_the_last_is_answered_is_the_initiators);
	tcase_add_test(tc, proto_read_flagged_write_may_end_good_with_overflow);
	tcase_add_test(tc, proto_two_logouts_in_flight_are_each_answered);
	suite_add_tcase(s, tc);
	return s;
}
