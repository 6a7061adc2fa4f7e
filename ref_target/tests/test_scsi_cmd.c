/* test_scsi_cmd: the command table and the dispatcher (scsi/cmd.c,
 * scsi/opcodes.c): lookup, reserved bits, unknown opcodes and service
 * actions, unmapped LUNs, unit attentions, write protection, completion. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "scsi/cmd.h"
#include "scsi/sbc.h"
#include "test_scsi_harness.h"

static struct th t;

static void setup(void)
{
	th_init(&t, 2048, 512, 0);
}

static void teardown(void)
{
	th_fini(&t);
}

START_TEST(table_is_sorted_and_rows_are_consistent)
{
	for (size_t i = 0; i < scsi_ops_count; i++) {
		const struct scsi_op *op = &scsi_ops[i];
		ck_assert_uint_eq(op->usage[0], op->opcode);
		ck_assert(op->cdb_len == 6 || op->cdb_len == 10 || op->cdb_len == 12 || op->cdb_len == 16);
		if (op->flags & OP_SA)
			ck_assert_uint_eq(op->usage[1] & 0x1f, op->sa);
		ck_assert_ptr_nonnull(op->decode);
		ck_assert_ptr_nonnull(op->exec);
		if (i > 0) {
			const struct scsi_op *p = &scsi_ops[i - 1];
			ck_assert(p->opcode < op->opcode || (p->opcode == op->opcode && p->sa < op->sa));
		}
	}
}
END_TEST

START_TEST(find_locates_every_row_and_nothing_else)
{
	bool has_sa;
	for (size_t i = 0; i < scsi_ops_count; i++)
		ck_assert_ptr_eq(scsi_op_find(scsi_ops[i].opcode, scsi_ops[i].sa, &has_sa), &scsi_ops[i]);
	ck_assert_ptr_null(scsi_op_find(0xff, 0, &has_sa));
	ck_assert(!has_sa);
	ck_assert_ptr_null(scsi_op_find(0x9e, 0x1f, &has_sa));
	ck_assert(has_sa);
}
END_TEST

/* The top bit of the run of unused bits holding 'bit': the field (a
 * wholly unused byte has no bit pointer). */
static uint8_t field_top(uint8_t usage, uint8_t bit)
{
	if (usage == 0)
		return 0xff;
	while (bit < 7 && !(usage & (1u << (bit + 1))))
		bit++;
	return bit;
}

/* For every command and every bit its CDB does not use: set that bit
 * alone and expect INVALID FIELD IN CDB pointing at its field. */
START_TEST(every_unused_cdb_bit_is_rejected_with_its_field_pointer)
{
	unsigned checked = 0;
	th_fini(&t);
	th_init(&t, 2048, 512, RT_LU_THIN | RT_LU_LBPRZ | RT_LU_REMOVABLE | RT_LU_SANITIZE | RT_LU_WCE | RT_LU_ATOMIC);
	t.cfg.alua_modes = RT_ALUA_EXPLICIT; /* SET TARGET PORT GROUPS */
	th_lu_recreate(&t);
	th_clear_ua(&t);
	for (size_t i = 0; i < scsi_ops_count; i++) {
		const struct scsi_op *op = &scsi_ops[i];
		for (uint16_t byte = 1; byte < op->cdb_len; byte++) {
			for (uint8_t bit = 0; bit < 8; bit++) {
				if (op->usage[byte] & (1u << bit))
					continue;
				if ((op->flags & OP_SA) && byte == 1 && bit < 5)
					continue; /* another service action, not a reserved bit */
				uint8_t cdb[16] = {op->opcode};
				if (op->flags & OP_SA)
					cdb[1] = op->sa;
				cdb[byte] |= (uint8_t)(1u << bit);
				th_prep(&t, cdb, op->cdb_len);
				ck_assert_int_eq(scsi_cmd_decode(&t.c.cmd), -1);
				ck_assert_msg(th_check_field(&t, byte, field_top(op->usage[byte], bit)),
					      "%s byte %u bit %u", op->name, byte, bit);
				checked++;
			}
		}
	}
	ck_assert_uint_gt(checked, 500);
}
END_TEST

START_TEST(unknown_opcode_is_invalid_command_operation_code)
{
	uint8_t cdb[16] = {0xc5};
	ck_assert_int_eq(th_run(&t, cdb, 16, NULL, 0), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x20, 0x00));
}
END_TEST

START_TEST(unknown_service_action_points_at_the_service_action_field)
{
	uint8_t cdb[16] = {0x9e, 0x1f};
	ck_assert_int_eq(th_run(&t, cdb, 16, NULL, 0), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check_field(&t, 1, 4));
}
END_TEST

START_TEST(unmapped_lun_answers_lu_not_supported_except_inquiry_and_report_luns)
{
	t.unmapped = true;
	uint8_t tur[6] = {0x00};
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x25, 0x00));
	uint8_t read[16];
	th_cdb_rw(read, 0x28, 0, 1);
	th_run(&t, read, 10, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x25, 0x00));
	uint8_t unknown[16] = {0xc5}; /* not even a known opcode: still LUN first */
	th_run(&t, unknown, 16, NULL, 0);
	ck_assert(th_check(&t, 0x5, 0x25, 0x00));
	uint8_t inq[6] = {0x12, 0, 0, 0, 96, 0};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	uint8_t rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	ck_assert_int_eq(th_run(&t, rl, 12, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(power_on_unit_attention_is_reported_once_per_nexus)
{
	uint8_t tur[6] = {0x00};
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x6, 0x29, 0x00));
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
	/* the same initiator through another target port is another nexus */
	t.nexus.rel_port = 2;
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x6, 0x29, 0x00));
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
	/* and so is another ISID */
	strcpy(t.nexus.initiator_port, "iqn.2026-11.test:init,i,0x23d000000002");
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_CHECK_CONDITION);
}
END_TEST

START_TEST(inquiry_report_luns_and_request_sense_do_not_consume_unit_attention)
{
	uint8_t inq[6] = {0x12, 0, 0, 0, 96, 0};
	uint8_t rl[12] = {0xa0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(th_run(&t, rl, 12, NULL, 0), SCSI_STATUS_GOOD);
	/* REQUEST SENSE reports it as data, with GOOD status, and clears it */
	uint8_t rs[6] = {0x03, 0, 0, 0, 18, 0};
	ck_assert_int_eq(th_run(&t, rs, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 18);
	ck_assert_uint_eq(t.buf[2] & 0xf, 0x6);
	ck_assert_uint_eq(t.buf[12], 0x29);
	uint8_t tur[6] = {0x00};
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(unit_attention_table_forgets_the_oldest_nexus_and_owes_it_power_on)
{
	uint8_t tur[6] = {0x00};
	for (unsigned i = 0; i <= 64; i++) { /* one more nexus than the table holds */
		snprintf(t.nexus.initiator_port, sizeof(t.nexus.initiator_port), "iqn.x:%u,i,0x1", i);
		th_clear_ua(&t);
	}
	strcpy(t.nexus.initiator_port, "iqn.x:64,i,0x1"); /* newest: remembered */
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
	strcpy(t.nexus.initiator_port, "iqn.x:0,i,0x1"); /* oldest: evicted */
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x6, 0x29, 0x00));
}
END_TEST

START_TEST(resets_and_nexus_loss_are_reported_with_their_own_codes)
{
	uint8_t tur[6] = {0x00};
	th_clear_ua(&t);
	scsi_lu_reset(t.lu, &t.nexus);
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x03));
	scsi_target_reset(t.lu, &t.nexus, false);
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x02));
	scsi_target_reset(t.lu, &t.nexus, true);
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x01));
	scsi_nexus_lost(t.lu, &t.nexus);
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x07));
	scsi_tasks_cleared(t.lu, &t.nexus);
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x2f, 0x00));
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(pending_unit_attentions_come_out_in_precedence_order)
{
	uint8_t tur[6] = {0x00};
	th_clear_ua(&t);
	scsi_tasks_cleared(t.lu, &t.nexus);   /* 2F/00 */
	scsi_nexus_lost(t.lu, &t.nexus);      /* 29/07 */
	scsi_lu_reset(t.lu, &t.nexus);        /* 29/03 */
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x03));
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x29, 0x07));
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check(&t, 0x6, 0x2f, 0x00));
	ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(unit_attention_comes_before_the_command_runs)
{
	uint8_t w[16];
	uint8_t data[512];
	memset(data, 0x5a, sizeof(data));
	th_cdb_rw(w, 0x2a, 3, 1);
	ck_assert_int_eq(th_run(&t, w, 10, data, sizeof(data)), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x6, 0x29, 0x00));
	ck_assert_uint_eq(th_disk(&t, 3)[0], 0); /* not written */
	ck_assert_uint_eq(t.fe.npending, 0);
}
END_TEST

START_TEST(write_to_read_only_mapping_or_lu_is_write_protected)
{
	uint8_t w[16], data[512] = {1};
	th_clear_ua(&t);
	th_cdb_rw(w, 0x2a, 0, 1);
	t.map_ro = true;
	th_run(&t, w, 10, data, sizeof(data));
	ck_assert(th_check(&t, 0x7, 0x27, 0x00));
	ck_assert_uint_eq(th_disk(&t, 0)[0], 0);
	t.map_ro = false;
	th_fini(&t);
	th_init(&t, 2048, 512, RT_LU_READ_ONLY);
	th_clear_ua(&t);
	th_run(&t, w, 10, data, sizeof(data));
	ck_assert(th_check(&t, 0x7, 0x27, 0x00));
	/* reads are fine */
	uint8_t r[16];
	th_cdb_rw(r, 0x28, 0, 1);
	ck_assert_int_eq(th_run(&t, r, 10, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(commands_an_lu_lacks_are_invalid_operation_codes_there)
{
	uint8_t unmap[10] = {0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0};
	th_clear_ua(&t);
	th_run(&t, unmap, 10, NULL, 0); /* this LU is not thin-provisioned */
	ck_assert(th_check(&t, 0x5, 0x20, 0x00));
}
END_TEST

START_TEST(naca_bit_is_rejected_because_aca_is_not_supported)
{
	uint8_t tur[6] = {0x00, 0, 0, 0, 0, 0x04};
	th_run(&t, tur, 6, NULL, 0);
	ck_assert(th_check_field(&t, 5, 0xff));
}
END_TEST

START_TEST(decode_failure_sets_sense_without_calling_done)
{
	uint8_t cdb[16] = {0xc5};
	th_prep(&t, cdb, 16);
	ck_assert_int_eq(scsi_cmd_decode(&t.c.cmd), -1);
	ck_assert_int_eq(t.c.done_calls, 0);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_CHECK_CONDITION);
	ck_assert_uint_eq(t.c.cmd.sense_len, 18);
}
END_TEST

Suite *suite_scsi_cmd(void)
{
	Suite *s = suite_create("scsi_cmd");
	TCase *tc = tcase_create("dispatch");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, table_is_sorted_and_rows_are_consistent);
	tcase_add_test(tc, find_locates_every_row_and_nothing_else);
	tcase_add_test(tc, every_unused_cdb_bit_is_rejected_with_its_field_pointer);
	tcase_add_test(tc, unknown_opcode_is_invalid_command_operation_code);
	tcase_add_test(tc, unknown_service_action_points_at_the_service_action_field);
	tcase_add_test(tc, unmapped_lun_answers_lu_not_supported_except_inquiry_and_report_luns);
	tcase_add_test(tc, power_on_unit_attention_is_reported_once_per_nexus);
	tcase_add_test(tc, inquiry_report_luns_and_request_sense_do_not_consume_unit_attention);
	tcase_add_test(tc, unit_attention_table_forgets_the_oldest_nexus_and_owes_it_power_on);
	tcase_add_test(tc, resets_and_nexus_loss_are_reported_with_their_own_codes);
	tcase_add_test(tc, pending_unit_attentions_come_out_in_precedence_order);
	tcase_add_test(tc, unit_attention_comes_before_the_command_runs);
	tcase_add_test(tc, write_to_read_only_mapping_or_lu_is_write_protected);
	tcase_add_test(tc, commands_an_lu_lacks_are_invalid_operation_codes_there);
	tcase_add_test(tc, naca_bit_is_rejected_because_aca_is_not_supported);
	tcase_add_test(tc, decode_failure_sets_sense_without_calling_done);
	suite_add_tcase(s, tc);
	return s;
}
