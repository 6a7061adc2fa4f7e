/* The simulated initiator session at ErrorRecoveryLevel 1 against a
 * scripted target (isess_rig.h): digest errors recovered within the
 * connection (Data and Status SNACK, retried commands, a discarded PDU),
 * and what ERL 0 does with the same errors. */
#include "isess_rig.h"

static const char *const erl1_keys[] = { "HeaderDigest", "CRC32C", "DataDigest", "CRC32C",
	"MaxRecvDataSegmentLength", "512", "FirstBurstLength", "1024", "MaxBurstLength", "2048",
	"InitialR2T", "No", "ImmediateData", "Yes", "ErrorRecoveryLevel", "1", NULL };
static const char *const erl0_digest_keys[] = { "HeaderDigest", "CRC32C", "DataDigest", "CRC32C",
	"MaxRecvDataSegmentLength", "512", "FirstBurstLength", "1024", "MaxBurstLength", "2048",
	"InitialR2T", "No", "ImmediateData", "Yes", NULL };

static void login_digests(struct harness *h, const char *const *keys, uint32_t erl)
{
	h->cfg.login.error_recovery_level = erl;
	h->cfg.login.want_header_digest = h->cfg.login.want_data_digest = true;
	login(h, keys, 8);
	ck_assert_uint_eq(h->s.params.error_recovery_level, erl);
	h->rx.header_digest = h->rx.data_digest = true; /* frame what the session sends now */
}

/* One target PDU with the digests in force; damage: 1 flips a data byte
 * after sealing (data digest error), 2 flips a header byte (header
 * digest error). */
static void feed_d(struct harness *h, uint8_t *bhs, const uint8_t *data, uint32_t len, int damage)
{
	struct ipdu_tx tx;
	uint8_t copy[1024];
	memcpy(tx.bhs, bhs, 48);
	if (len > 0)
		memcpy(copy, data, len);
	ipdu_tx_seal(&tx, copy, len, true, true);
	if (damage == 1)
		copy[len / 2] ^= 0x10;
	if (damage == 2)
		tx.bhs[PDU_ITT] ^= 0x01;
	for (int i = 0; i < tx.iovcnt; i++)
		isess_on_bytes(&h->s, h->now, tx.iov[i].iov_base, tx.iov[i].iov_len);
}

static void data_in(struct harness *h, uint32_t itt, uint32_t sn, bool last, int damage)
{
	uint8_t bhs[48], data[512];
	memset(data, 'a' + (int)sn, sizeof(data));
	target_pdu(h, bhs, ISCSI_OP_DATA_IN, last ? ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS : 0, itt, false);
	if (last)
		pdu_set_w(bhs, PDU_TGT_STATSN, h->statsn);
	pdu_set_w(bhs, PDU_DATA_IN_DATASN, sn);
	pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, sn * 512);
	feed_d(h, bhs, data, 512, damage);
}

START_TEST(erl1_data_digest_error_on_data_in_asks_a_data_snack)
{
	struct harness *h = setup();
	login_digests(h, erl1_keys, 1);
	static uint8_t buf[1536];
	struct icmd c = { .dir = ICMD_IN, .buf = buf, .len = 1536, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint32_t itt = pdu_itt(h->bhs[0]);
	h->n = 0;
	data_in(h, itt, 0, false, 0);
	data_in(h, itt, 1, false, 1); /* damaged: discarded, asked for again */
	ck_assert_uint_eq(h->disconnects, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_SNACK);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & 0x0fu, ISCSI_SNACK_DATA_R2T);
	ck_assert_uint_eq(pdu_itt(h->bhs[0]), itt);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SNACK_BEGRUN), 1);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SNACK_RUNLENGTH), 0);
	/* DataSN 2 was already on its way: a gap, dropped, not asked twice. */
	data_in(h, itt, 2, true, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(h->ndone, 0);
	ck_assert_uint_eq(h->s.exp_statsn, h->statsn); /* not acknowledged: the target keeps it */
	/* The answer: 1 and 2 again. */
	data_in(h, itt, 1, false, 0);
	data_in(h, itt, 2, true, 0);
	h->statsn++;
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_OK);
	ck_assert_uint_eq(buf[512], 'b');
	ck_assert_uint_eq(buf[1535], 'c');
	ck_assert_uint_eq(h->s.exp_statsn, h->statsn);
	ck_assert_uint_eq(h->s.stats.data_snacks, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(erl0_data_digest_error_drops_the_connection)
{
	struct harness *h = setup();
	login_digests(h, erl0_digest_keys, 0);
	static uint8_t buf[1024];
	struct icmd c = { .dir = ICMD_IN, .buf = buf, .len = 1024, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	data_in(h, pdu_itt(h->bhs[0]), 0, false, 1);
	ck_assert_uint_eq(h->disconnects, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(erl1_statsn_gap_asks_a_status_snack_and_keeps_expstatsn_at_the_hole)
{
	struct harness *h = setup();
	login_digests(h, erl1_keys, 1);
	struct icmd c[2];
	for (int i = 0; i < 2; i++) {
		c[i] = (struct icmd){ .dir = ICMD_NONE, .attr = 1 };
		isess_submit(&h->s, h->now, &c[i]);
	}
	uint32_t itt0 = pdu_itt(h->bhs[0]), itt1 = pdu_itt(h->bhs[1]);
	h->n = 0;
	uint32_t hole = h->statsn;
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, itt1, false);
	pdu_set_w(rsp, PDU_TGT_STATSN, hole + 1); /* the response at `hole` was lost */
	feed_d(h, rsp, NULL, 0, 0);
	ck_assert_uint_eq(h->ndone, 1); /* taken */
	ck_assert_uint_eq(h->s.exp_statsn, hole);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_SNACK);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & 0x0fu, ISCSI_SNACK_STATUS);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SNACK_BEGRUN), hole);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SNACK_RUNLENGTH), 1);
	target_pdu(h, rsp, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, itt0, false);
	pdu_set_w(rsp, PDU_TGT_STATSN, hole);
	feed_d(h, rsp, NULL, 0, 0);
	ck_assert_uint_eq(h->ndone, 2);
	ck_assert_uint_eq(h->s.exp_statsn, hole + 2); /* the hole filled, the one past it counted */
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

static void reject_of(struct harness *h, const uint8_t *rejected, uint8_t reason)
{
	uint8_t rej[48];
	target_pdu(h, rej, ISCSI_OP_REJECT, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, true);
	rej[PDU_REJECT_REASON] = reason;
	uint8_t hdr[48];
	memcpy(hdr, rejected, 48);
	feed_d(h, rej, hdr, 48, 0);
}

START_TEST(erl1_rejected_command_is_retried_with_its_itt_and_cmdsn)
{
	struct harness *h = setup();
	login_digests(h, erl1_keys, 1);
	static uint8_t buf[1024];
	struct icmd c = { .dir = ICMD_OUT, .buf = buf, .len = 1024, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	ck_assert_uint_eq(h->n, 2); /* command + 512 immediate, unsolicited Data-Out */
	uint8_t cmd[48];
	memcpy(cmd, h->bhs[0], 48);
	uint32_t next = h->s.sn->cmdsn;
	h->n = 0;
	reject_of(h, cmd, ISCSI_REJECT_DATA_DIGEST);
	ck_assert_uint_eq(h->disconnects, 0);
	ck_assert_uint_eq(h->ndone, 0);
	ck_assert_uint_eq(h->n, 1); /* the command again, no unsolicited Data-Out */
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_SCSI_CMD);
	ck_assert_uint_eq(pdu_itt(h->bhs[0]), pdu_itt(cmd));
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_INI_CMDSN), pdu_w(cmd, PDU_INI_CMDSN));
	ck_assert(pdu_final(h->bhs[0]));
	ck_assert_uint_eq(h->dsl[0], 512);
	ck_assert_uint_eq(h->s.sn->cmdsn, next); /* no CmdSN taken */
	ck_assert_uint_eq(h->s.stats.cmd_retries, 1);
	/* Past ISESS_RETRIES_MAX the command fails. */
	for (unsigned i = 1; i <= ISESS_RETRIES_MAX; i++)
		reject_of(h, cmd, ISCSI_REJECT_DATA_DIGEST);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_FAILED);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(erl0_command_rejected_for_a_digest_error_costs_the_connection)
{
	/* §7.3: its CmdSN is a hole the target waits for; failing the
	 * command alone left every later command stuck behind it. */
	struct harness *h = setup();
	login_digests(h, erl0_digest_keys, 0);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint8_t cmd[48];
	memcpy(cmd, h->bhs[0], 48);
	reject_of(h, cmd, ISCSI_REJECT_DATA_DIGEST);
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_uint_eq(h->ndone, 0); /* held, re-sent on the next connection */
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(erl1_header_digest_error_discards_one_pdu)
{
	struct harness *h = setup();
	login_digests(h, erl1_keys, 1);
	uint8_t nop[48];
	target_pdu(h, nop, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	uint8_t data[8] = "ping!!!";
	feed_d(h, nop, data, 8, 2);
	ck_assert_uint_eq(h->disconnects, 0);
	ck_assert_uint_eq(h->s.stats.pdus_discarded, 1);
	feed_d(h, nop, data, 8, 0); /* the next header is where the length said */
	ck_assert_uint_eq(h->disconnects, 0);
	feed_d(h, nop, data, 8, 2);
	feed_d(h, nop, data, 8, 2); /* two in a row: the boundary is lost */
	ck_assert_uint_eq(h->disconnects, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(erl1_command_the_target_never_got_is_retried)
{
	struct harness *h = setup();
	login_digests(h, erl1_keys, 1);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint8_t cmd[48];
	memcpy(cmd, h->bhs[0], 48);
	h->n = 0;
	tick(h, ISESS_RETRY_CHECK_NS - 1);
	ck_assert_uint_eq(h->n, 0);
	tick(h, ISESS_RETRY_CHECK_NS);
	ck_assert_uint_eq(h->n, 1); /* ExpCmdSN still waits for it */
	ck_assert_uint_eq(pdu_itt(h->bhs[0]), pdu_itt(cmd));
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_INI_CMDSN), pdu_w(cmd, PDU_INI_CMDSN));
	/* Once the target's ExpCmdSN passes it, no more retries. */
	uint8_t nop[48];
	target_pdu(h, nop, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	pdu_set_w(nop, PDU_TGT_EXPCMDSN, pdu_w(cmd, PDU_INI_CMDSN) + 1);
	pdu_set_w(nop, PDU_TGT_MAXCMDSN, pdu_w(cmd, PDU_INI_CMDSN) + 8);
	feed_d(h, nop, NULL, 0, 0);
	h->n = 0;
	tick(h, 3 * ISESS_RETRY_CHECK_NS);
	ck_assert_uint_eq(h->n, 0);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

static void r2t_of(struct harness *h, const struct icmd *c, uint32_t sn, uint32_t off)
{
	uint8_t r2t[48];
	target_pdu(h, r2t, ISCSI_OP_R2T, ISCSI_FLAG_FINAL, c->itt, false);
	pdu_set_w(r2t, PDU_TGT_EXPCMDSN, c->cmdsn + 1); /* the target has the command */
	pdu_set_w(r2t, PDU_TGT_MAXCMDSN, c->cmdsn + 8);
	pdu_set_w(r2t, PDU_R2T_TTT, 0x77);
	pdu_set_w(r2t, PDU_R2T_R2TSN, sn);
	pdu_set_w(r2t, PDU_R2T_BUFFER_OFFSET, off);
	pdu_set_w(r2t, PDU_R2T_DESIRED_LENGTH, 2048);
	feed_d(h, r2t, NULL, 0, 0);
}

/* A write's first timeout at ERL 1 asks for its R2Ts from the next
 * R2TSN (§11.16.1, RunLength 0) while that R2T is still on its way:
 * the original is answered, and the copy the SNACK brings is not (its
 * burst is data the target has; answered twice, the target took the
 * second copy for data at a wrong offset and ended the task, and the
 * retries met the same timeout: five-flag swarm seeds 3721, 3900, 4439). */
START_TEST(erl1_r2t_resent_for_a_probe_is_not_answered_twice)
{
	struct harness *h = setup();
	h->cfg.noop_interval_ns = 0; /* nothing but the probe before the timeout */
	login_digests(h, erl1_keys, 1);
	static uint8_t buf[1024 + 2 * 2048];
	struct icmd c = { .dir = ICMD_OUT, .buf = buf, .len = sizeof(buf), .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	h->n = 0;
	r2t_of(h, &c, 0, 1024);
	ck_assert_uint_eq(h->n, 4); /* 2048 bytes in 512-byte Data-Outs */
	h->n = 0;
	tick(h, h->now + h->cfg.cmd_timeout_ns);
	ck_assert_uint_eq(h->n, 2); /* the probe: R2T SNACK from 1, Status SNACK */
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_SNACK);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & 0x0fu, ISCSI_SNACK_DATA_R2T);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SNACK_BEGRUN), 1);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SNACK_RUNLENGTH), 0);
	h->n = 0;
	r2t_of(h, &c, 1, 3072); /* the original */
	ck_assert_uint_eq(h->n, 4);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_DATA_OUT_BUFFER_OFFSET), 3072);
	h->n = 0;
	r2t_of(h, &c, 1, 3072); /* the copy the SNACK asked for */
	ck_assert_uint_eq(h->n, 0);
	r2t_of(h, &c, 0, 1024); /* and one answered before the probe */
	ck_assert_uint_eq(h->n, 0);
	ck_assert_uint_eq(h->disconnects, 0);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

Suite *suite_isess_erl(void)
{
	Suite *s = suite_create("isess_erl");
	TCase *tc = tcase_create("isess_erl");
	tcase_add_test(tc, erl1_data_digest_error_on_data_in_asks_a_data_snack);
	tcase_add_test(tc, erl0_data_digest_error_drops_the_connection);
	tcase_add_test(tc, erl1_statsn_gap_asks_a_status_snack_and_keeps_expstatsn_at_the_hole);
	tcase_add_test(tc, erl1_rejected_command_is_retried_with_its_itt_and_cmdsn);
	tcase_add_test(tc, erl0_command_rejected_for_a_digest_error_costs_the_connection);
	tcase_add_test(tc, erl1_header_digest_error_discards_one_pdu);
	tcase_add_test(tc, erl1_command_the_target_never_got_is_retried);
	tcase_add_test(tc, erl1_r2t_resent_for_a_probe_is_not_answered_twice);
	suite_add_tcase(s, tc);
	return s;
}
