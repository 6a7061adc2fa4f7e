/* test_scsi_pr: PERSISTENT RESERVE IN/OUT (scsi/pr.c) and RESERVE/RELEASE
 * (scsi/reserve.c): every service action and type, who may do what
 * under each, unit attentions, APTPL across a power cycle; all but APTPL
 * again on an LU whose reservations are shared through the backstore. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "scsi/bytes.h"
#include "scsi/tid.h"
#include "test_scsi_harness.h"

static struct th t;
static struct scsi_nexus A, B, C;
static uint8_t block[512];

enum { WE = 1, EA = 3, WE_RO = 5, EA_RO = 6, WE_AR = 7, EA_AR = 8 };

static void as(const struct scsi_nexus *n)
{
	t.nexus = *n;
}

static void setup_flags(uint32_t flags)
{
	th_init(&t, 1024, 512, flags);
	A = t.nexus;
	B = A;
	snprintf(B.initiator_port, sizeof(B.initiator_port), "iqn.2026-11.test:other,i,0x23d000000007");
	C = A;
	C.rel_port = 2; /* the first initiator through another target port */
	as(&C);
	th_clear_ua(&t);
	as(&B);
	th_clear_ua(&t);
	as(&A);
	th_clear_ua(&t);
}

static void setup(void)
{
	setup_flags(0);
}

static void setup_shared(void)
{
	setup_flags(RT_LU_PR_SHARED);
}

static void teardown(void)
{
	th_fini(&t);
}

static int prout_list(uint8_t sa, uint8_t type, const uint8_t *list, uint32_t len)
{
	uint8_t cdb[10] = {0x5f, sa, type};
	put_be32(cdb + 5, len);
	return th_run(&t, cdb, 10, list, len);
}

static int prout(uint8_t sa, uint8_t type, uint64_t key, uint64_t sakey, uint8_t flags)
{
	uint8_t list[24] = {0};
	put_be64(list, key);
	put_be64(list + 8, sakey);
	list[20] = flags;
	return prout_list(sa, type, list, 24);
}

static int prin(uint8_t sa)
{
	uint8_t cdb[10] = {0x5e, sa};
	put_be16(cdb + 7, 8192);
	return th_run(&t, cdb, 10, NULL, 0);
}

static uint32_t generation(void)
{
	ck_assert_int_eq(prin(0), SCSI_STATUS_GOOD);
	return get_be32(t.buf);
}

static uint32_t key_count(void)
{
	ck_assert_int_eq(prin(0), SCSI_STATUS_GOOD);
	return get_be32(t.buf + 4) / 8;
}

static int read10(void)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x28, 1, 1);
	return th_run(&t, cdb, 10, NULL, 0);
}

static int write10(void)
{
	uint8_t cdb[16];
	th_cdb_rw(cdb, 0x2a, 1, 1);
	return th_run(&t, cdb, 10, block, 512);
}

START_TEST(register_read_keys_unregister_and_generations)
{
	uint32_t g0 = generation();
	ck_assert_uint_eq(key_count(), 0);
	ck_assert_int_eq(prout(0, 0, 0, 0xa1, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(key_count(), 1);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xa1);
	ck_assert_uint_eq(generation(), g0 + 1);
	/* REGISTER again without the key: conflict; with it: new key */
	ck_assert_int_eq(prout(0, 0, 0, 0xa2, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_int_eq(prout(0, 0, 0xa1, 0xa2, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prin(0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xa2);
	/* REGISTER AND IGNORE EXISTING KEY needs no key */
	ck_assert_int_eq(prout(6, 0, 0, 0xa3, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(generation(), g0 + 3);
	/* unregister */
	ck_assert_int_eq(prout(0, 0, 0xa3, 0, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(key_count(), 0);
	/* an unregistered nexus "unregistering" changes nothing */
	ck_assert_int_eq(prout(0, 0, 0, 0, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(generation(), g0 + 4);
}
END_TEST

START_TEST(read_keys_truncates_but_reports_the_full_length)
{
	prout(6, 0, 0, 0xa1, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	uint8_t cdb[10] = {0x5e, 0, 0, 0, 0, 0, 0, 0, 8, 0};
	ck_assert_int_eq(th_run(&t, cdb, 10, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.c.cmd.data_in_len, 8);
	ck_assert_uint_eq(get_be32(t.buf + 4), 16);
}
END_TEST

START_TEST(reserve_release_and_read_reservation)
{
	prout(6, 0, 0, 0xa1, 0);
	ck_assert_int_eq(prin(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0);
	ck_assert_int_eq(prout(1, WE, 0xa1, 0, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prout(1, WE, 0xa1, 0, 0), SCSI_STATUS_GOOD); /* again: fine */
	ck_assert_int_eq(prout(1, EA, 0xa1, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_int_eq(prin(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf + 4), 16);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xa1);
	ck_assert_uint_eq(t.buf[21], WE);
	/* wrong type: INVALID RELEASE OF PERSISTENT RESERVATION */
	prout(2, EA, 0xa1, 0, 0);
	ck_assert(th_check(&t, 0x5, 0x26, 0x04));
	/* a registrant that does not hold it: no-op */
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	ck_assert_int_eq(prout(2, WE, 0xb1, 0, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prout(1, WE, 0xb1, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	/* wrong key: conflict */
	ck_assert_int_eq(prout(2, WE, 0xbad, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	as(&A);
	ck_assert_int_eq(prout(2, WE, 0xa1, 0, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prin(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0);
}
END_TEST

START_TEST(all_registrants_reservations_show_key_zero_and_outlive_their_creator)
{
	prout(6, 0, 0, 0xa1, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	as(&A);
	ck_assert_int_eq(prout(1, EA_AR, 0xa1, 0, 0), SCSI_STATUS_GOOD);
	prin(1);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0);
	ck_assert_uint_eq(t.buf[21], EA_AR);
	prout(0, 0, 0xa1, 0, 0); /* A leaves; B still holds it */
	prin(1);
	ck_assert_uint_eq(get_be32(t.buf + 4), 16);
	as(&B);
	ck_assert_int_eq(prout(2, EA_AR, 0xb1, 0, 0), SCSI_STATUS_GOOD);
	prin(1);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0);
}
END_TEST

START_TEST(holder_unregistering_releases_a_single_holder_reservation)
{
	prout(6, 0, 0, 0xa1, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	as(&A);
	prout(1, WE_RO, 0xa1, 0, 0);
	prout(0, 0, 0xa1, 0, 0);
	prin(1);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0);
	/* B was told (registrants-only reservation released) */
	as(&B);
	read10();
	ck_assert(th_check(&t, 0x6, 0x2a, 0x04));
}
END_TEST

/* The access table of SPC-4 §5.13.1 as libiscsi checks it: (type,
 * registered reader, registered writer, unregistered reader, writer). */
START_TEST(each_type_allows_exactly_what_spc4_says)
{
	static const struct {
		uint8_t type;
		bool reg_read, reg_write, unreg_read, unreg_write;
	} rows[] = {
		{WE, true, false, true, false},      {EA, false, false, false, false},
		{WE_RO, true, true, true, false},    {EA_RO, true, true, false, false},
		{WE_AR, true, true, true, false},    {EA_AR, true, true, false, false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		as(&A);
		ck_assert_int_eq(prout(6, 0, 0, 0xa1, 0), SCSI_STATUS_GOOD);
		ck_assert_int_eq(prout(1, rows[i].type, 0xa1, 0, 0), SCSI_STATUS_GOOD);
		ck_assert_int_eq(read10(), SCSI_STATUS_GOOD);
		ck_assert_int_eq(write10(), SCSI_STATUS_GOOD);
		as(&B);
		ck_assert_int_eq(prout(6, 0, 0, 0xb1, 0), SCSI_STATUS_GOOD);
		ck_assert_int_eq(read10() == SCSI_STATUS_GOOD, rows[i].reg_read);
		ck_assert_int_eq(write10() == SCSI_STATUS_GOOD, rows[i].reg_write);
		ck_assert_int_eq(prout(0, 0, 0xb1, 0, 0), SCSI_STATUS_GOOD);
		th_clear_ua(&t);
		ck_assert_int_eq(read10() == SCSI_STATUS_GOOD, rows[i].unreg_read);
		ck_assert_int_eq(write10() == SCSI_STATUS_GOOD, rows[i].unreg_write);
		if (!rows[i].unreg_read)
			ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_RESERVATION_CONFLICT);
		/* INQUIRY, TEST UNIT READY, READ CAPACITY, PR IN always pass */
		uint8_t tur[6] = {0}, rc[10] = {0x25};
		ck_assert_int_eq(th_run(&t, tur, 6, NULL, 0), SCSI_STATUS_GOOD);
		ck_assert_int_eq(th_run(&t, rc, 10, NULL, 0), SCSI_STATUS_GOOD);
		ck_assert_int_eq(prin(1), SCSI_STATUS_GOOD);
		as(&A);
		ck_assert_int_eq(prout(3, 0, 0xa1, 0, 0), SCSI_STATUS_GOOD); /* CLEAR */
		as(&B);
		th_clear_ua(&t);
	}
}
END_TEST

START_TEST(clear_removes_everything_and_tells_the_others)
{
	prout(6, 0, 0, 0xa1, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	as(&A);
	prout(1, EA, 0xa1, 0, 0);
	uint32_t g = generation();
	ck_assert_int_eq(prout(3, 0, 0xa1, 0, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(key_count(), 0);
	ck_assert_uint_eq(generation(), g + 1);
	prin(1);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0);
	as(&B);
	read10();
	ck_assert(th_check(&t, 0x6, 0x2a, 0x03));
	/* CLEAR needs a registered key */
	ck_assert_int_eq(prout(3, 0, 0xb1, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
}
END_TEST

START_TEST(preempt_removes_a_registration_without_a_reservation)
{
	prout(6, 0, 0, 0xa1, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	uint32_t g = generation();
	ck_assert_int_eq(prout(4, EA, 0xb1, 0xa1, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(key_count(), 1);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xb1);
	ck_assert_uint_eq(generation(), g + 1);
	prin(1);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0); /* no reservation was made */
	as(&A);
	read10();
	ck_assert(th_check(&t, 0x6, 0x2a, 0x05));
	/* nothing with that key: conflict; key 0: invalid */
	as(&B);
	ck_assert_int_eq(prout(4, EA, 0xb1, 0x777, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	prout(4, EA, 0xb1, 0, 0);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
}
END_TEST

START_TEST(preempt_of_the_holder_takes_the_reservation)
{
	prout(6, 0, 0, 0xa1, 0);
	prout(1, WE, 0xa1, 0, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	ck_assert_int_eq(prout(5, EA, 0xb1, 0xa1, 0), SCSI_STATUS_GOOD); /* and abort */
	prin(1);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xb1);
	ck_assert_uint_eq(t.buf[21], EA);
	ck_assert_uint_eq(key_count(), 1);
	as(&A);
	ck_assert_int_eq(read10(), SCSI_STATUS_CHECK_CONDITION); /* the UA first */
	ck_assert(th_check(&t, 0x6, 0x2a, 0x05));
	ck_assert_int_eq(read10(), SCSI_STATUS_RESERVATION_CONFLICT);
}
END_TEST

START_TEST(preempt_of_all_registrants_with_key_zero_leaves_the_preempter_alone)
{
	prout(6, 0, 0, 0xa1, 0);
	prout(1, WE_AR, 0xa1, 0, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	as(&C);
	prout(6, 0, 0, 0xc1, 0);
	ck_assert_int_eq(prout(4, WE, 0xc1, 0, 0), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(key_count(), 1);
	prin(1);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xc1);
	ck_assert_uint_eq(t.buf[21], WE);
}
END_TEST

START_TEST(all_target_ports_registration_covers_every_port)
{
	ck_assert_int_eq(prout(6, 0, 0, 0xa1, 0x04), SCSI_STATUS_GOOD);
	as(&C); /* same initiator port, other target port */
	ck_assert_int_eq(prout(1, EA, 0xa1, 0, 0), SCSI_STATUS_GOOD);
	prin(3);
	ck_assert_uint_eq(get_be32(t.buf + 4), 24 + get_be32(t.buf + 8 + 20));
	ck_assert_uint_eq(t.buf[8 + 12], 0x03); /* ALL_TG_PT, R_HOLDER */
	/* without ALL_TG_PT the other port is another nexus */
	prout(3, 0, 0xa1, 0, 0);
	as(&A);
	prout(6, 0, 0, 0xa2, 0);
	as(&C);
	ck_assert_int_eq(prout(1, EA, 0xa2, 0, 0), SCSI_STATUS_RESERVATION_CONFLICT);
}
END_TEST

/* SPC-4 §5.13.11.2.5: PREEMPT AND ABORT has the transport abort the
 * preempted nexus's tasks on the LU: A's write waiting at the gate ends
 * at once and never lands, A's COMPARE AND WRITE ends after its read
 * without writing; the preempter's own read and the other port of A's
 * initiator (C, not registered) are left alone, and A's medium removal
 * prevention ends. A plain PREEMPT aborts nothing. */
START_TEST(preempt_and_abort_aborts_only_the_preempted_nexus_tasks)
{
	static uint8_t caw[1024], wa[512], rb[512];
	struct th_cmd a_caw, a_write, b_read;
	uint8_t cdb[16] = {0x89};
	th_fini(&t);
	setup_flags(RT_LU_REMOVABLE);
	prout(6, 0, 0, 0xa1, 0);
	prout(1, WE, 0xa1, 0, 0);
	uint8_t prevent[6] = {0x1e, 0, 0, 0, 1};
	ck_assert_int_eq(th_run(&t, prevent, 6, NULL, 0), SCSI_STATUS_GOOD);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	ck_assert_int_eq(prout(4, WE, 0xb1, 0x777, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_uint_eq(t.aborts, 0);
	/* A: a COMPARE AND WRITE reading, a write queued behind it */
	as(&A);
	th_disk_fill(&t, 5, 1, 'F');
	memset(caw, 'F', 512);
	memset(caw + 512, 'X', 512);
	put_be64(cdb + 2, 5);
	cdb[13] = 1;
	ck_assert_int_eq(th_start_other(&t, &a_caw, caw, cdb, 16, caw, 1024), 0);
	memset(wa, 'W', 512);
	th_cdb_rw(cdb, 0x2a, 6, 1);
	ck_assert_int_eq(th_start_other(&t, &a_write, wa, cdb, 10, wa, 512), 0);
	as(&B);
	th_cdb_rw(cdb, 0x28, 7, 1);
	ck_assert_int_eq(th_start_other(&t, &b_read, rb, cdb, 10, NULL, 0), 0);
	ck_assert_uint_eq(th_pending(&t), 2); /* the CAW's read, B's read */
	uint8_t list[24] = {0};
	put_be64(list, 0xb1);
	put_be64(list + 8, 0xa1);
	uint8_t pa[10] = {0x5f, 5, EA};
	put_be32(pa + 5, 24);
	ck_assert_int_eq(th_start(&t, pa, 10, list, 24), 0);
	ck_assert_int_eq(t.c.done_calls, 1);
	ck_assert_uint_eq(t.c.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(t.aborts, 1);
	ck_assert_str_eq(t.abort[0].port, A.initiator_port);
	ck_assert_uint_eq(t.abort[0].rel_port, A.rel_port);
	ck_assert_int_eq(a_write.done_calls, 1);
	ck_assert_uint_eq(a_write.cmd.status, SCSI_STATUS_TASK_ABORTED);
	ck_assert_int_eq(a_caw.done_calls, 0); /* its read is still out */
	th_disk_run(&t);
	ck_assert_uint_eq(a_caw.cmd.status, SCSI_STATUS_TASK_ABORTED);
	ck_assert_uint_eq(b_read.cmd.status, SCSI_STATUS_GOOD);
	ck_assert_uint_eq(th_disk(&t, 5)[0], 'F');
	ck_assert_uint_eq(th_disk(&t, 6)[0], 0);
	/* B holds the reservation now and may eject: A prevents no more */
	uint8_t eject[6] = {0x1b, 0, 0, 0, 0x02};
	ck_assert_int_eq(th_run(&t, eject, 6, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

/* An iSCSI TransportID (SPC-4 §7.6.4.6), padded to a multiple of 4. */
static uint32_t tid(uint8_t *p, const char *port, bool with_isid)
{
	size_t n = strlen(port);
	uint32_t add = (uint32_t)((n + 1 + 3) & ~(size_t)3);
	if (add < 20)
		add = 20;
	memset(p, 0, 4 + add);
	p[0] = (uint8_t)((with_isid ? 0x40 : 0x00) | 0x05);
	put_be16(p + 2, (uint16_t)add);
	memcpy(p + 4, port, n);
	return 4 + add;
}

START_TEST(spec_i_pt_registers_the_listed_initiators_too)
{
	uint8_t list[512] = {0};
	put_be64(list + 8, 0xa1);
	list[20] = 0x08;
	uint32_t n = 28;
	n += tid(list + n, B.initiator_port, true);
	n += tid(list + n, "iqn.2026-11.test:third", false);
	put_be32(list + 24, n - 28);
	ck_assert_int_eq(prout_list(0, 0, list, n), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(key_count(), 3);
	as(&B); /* registered by A's command */
	ck_assert_int_eq(prout(1, EA, 0xa1, 0, 0), SCSI_STATUS_GOOD);
	/* a malformed TransportID registers nobody */
	as(&A);
	prout(3, 0, 0xa1, 0, 0);
	list[28] = 0x01; /* not iSCSI */
	prout_list(0, 0, list, n);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	ck_assert_uint_eq(key_count(), 0);
	/* SPEC_I_PT with REGISTER AND IGNORE is invalid */
	prout(6, 0, 0, 0xa1, 0x08);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
}
END_TEST

START_TEST(register_and_move_hands_the_reservation_over)
{
	prout(6, 0, 0, 0xa1, 0);
	prout(1, WE, 0xa1, 0, 0);
	uint8_t list[128] = {0};
	put_be64(list, 0xa1);
	put_be64(list + 8, 0xb7);
	list[17] = 0x02; /* UNREG */
	put_be16(list + 18, B.rel_port);
	uint32_t n = 24 + tid(list + 24, B.initiator_port, true);
	put_be32(list + 20, n - 24);
	ck_assert_int_eq(prout_list(7, 0, list, n), SCSI_STATUS_GOOD);
	prin(1);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xb7);
	ck_assert_uint_eq(key_count(), 1);
	as(&B);
	ck_assert_int_eq(write10(), SCSI_STATUS_GOOD);
	as(&A);
	ck_assert_int_eq(write10(), SCSI_STATUS_RESERVATION_CONFLICT);
	/* only the holder may move it */
	prout(6, 0, 0, 0xa1, 0);
	put_be64(list + 8, 0xa9);
	ck_assert_int_eq(prout_list(7, 0, list, n), SCSI_STATUS_RESERVATION_CONFLICT);
}
END_TEST

START_TEST(register_and_move_refuses_a_bad_parameter_list)
{
	prout(6, 0, 0, 0xa1, 0);
	prout(1, WE, 0xa1, 0, 0);
	uint8_t list[128] = {0};
	put_be64(list, 0xa1);
	put_be64(list + 8, 0xb7);
	put_be16(list + 18, B.rel_port);
	uint32_t n = 24 + tid(list + 24, B.initiator_port, true);
	put_be32(list + 20, n - 24);
	/* each refusal is INVALID FIELD IN PARAMETER LIST or a length error,
	 * and the reservation stays with A */
	put_be64(list + 8, 0); /* SERVICE ACTION RESERVATION KEY 0 */
	ck_assert_int_eq(prout_list(7, 0, list, n), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	put_be64(list + 8, 0xb7);
	put_be32(list + 20, n - 24 + 4); /* TransportID longer than the list */
	ck_assert_int_eq(prout_list(7, 0, list, n), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	put_be32(list + 20, n - 24);
	put_be16(list + 18, 0); /* RELATIVE TARGET PORT IDENTIFIER 0 */
	ck_assert_int_eq(prout_list(7, 0, list, n), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	put_be16(list + 18, A.rel_port);
	tid(list + 24, A.initiator_port, true); /* moving to itself */
	ck_assert_int_eq(prout_list(7, 0, list, n), SCSI_STATUS_CHECK_CONDITION);
	ck_assert(th_check(&t, 0x5, 0x26, 0x00));
	ck_assert_int_eq(prin(1), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xa1);
}
END_TEST

START_TEST(parameter_list_length_and_cdb_fields_are_checked)
{
	uint8_t list[24] = {0};
	put_be64(list + 8, 0xa1);
	prout_list(6, 0, list, 20);
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	uint8_t big[32] = {0};
	put_be64(big + 8, 0xa1);
	prout_list(6, 0, big, 32);
	ck_assert(th_check(&t, 0x5, 0x1a, 0x00));
	prout(6, 0, 0, 0xa1, 0);
	prout(1, 2, 0xa1, 0, 0); /* type 2 is obsolete */
	ck_assert(th_check_field(&t, 2, 3));
	prout(1, 0x10 | WE, 0xa1, 0, 0); /* scope other than LU */
	ck_assert(th_check_field(&t, 2, 7));
	uint8_t cdb[10] = {0x5e, 0x04, 0, 0, 0, 0, 0, 0, 8, 0};
	th_run(&t, cdb, 10, NULL, 0);
	ck_assert(th_check_field(&t, 1, 4));
	uint8_t out[10] = {0x5f, 0x08, 0, 0, 0, 0, 0, 0, 24, 0};
	th_run(&t, out, 10, list, 24);
	ck_assert(th_check_field(&t, 1, 4));
}
END_TEST

START_TEST(report_capabilities_and_full_status_describe_it_all)
{
	ck_assert_int_eq(prin(2), SCSI_STATUS_GOOD);
	ck_assert_uint_eq(get_be16(t.buf), 8);
	ck_assert_uint_eq(t.buf[2] & 0x1d, 0x1d); /* CRH SIP_C ATP_C PTPL_C */
	ck_assert(t.buf[3] & 0x80);               /* TMV */
	ck_assert_uint_eq((t.buf[3] >> 4) & 7, 1);
	ck_assert_uint_eq(get_be16(t.buf + 4), 0xea01);
	prout(6, 0, 0, 0xa1, 0);
	prout(1, EA, 0xa1, 0, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0);
	ck_assert_int_eq(prin(3), SCSI_STATUS_GOOD);
	uint32_t len = get_be32(t.buf + 4), off = 8, seen = 0;
	while (off < 8 + len) {
		const uint8_t *d = t.buf + off;
		uint32_t tlen = get_be32(d + 20);
		const uint8_t *id = d + 24;
		ck_assert_uint_eq(id[0], 0x45); /* initiator port, iSCSI */
		ck_assert_uint_eq(tlen % 4, 0);
		if (get_be64(d) == 0xa1) {
			ck_assert_uint_eq(d[12], 0x01);
			ck_assert_uint_eq(d[13], EA);
			ck_assert_str_eq((const char *)id + 4, A.initiator_port);
		} else {
			ck_assert_uint_eq(d[12], 0);
			ck_assert_str_eq((const char *)id + 4, B.initiator_port);
		}
		ck_assert_uint_eq(get_be16(d + 18), 1);
		off += 24 + tlen;
		seen++;
	}
	ck_assert_uint_eq(seen, 2);
}
END_TEST

START_TEST(registrations_beyond_the_table_are_insufficient_resources)
{
	struct scsi_nexus n = A;
	for (unsigned i = 0; i < 64; i++) {
		snprintf(n.initiator_port, sizeof(n.initiator_port), "iqn.x:%u,i,0x1", i);
		as(&n);
		th_clear_ua(&t);
		ck_assert_int_eq(prout(6, 0, 0, 0x100 + i, 0), SCSI_STATUS_GOOD);
	}
	as(&A);
	th_clear_ua(&t); /* 64 new nexuses pushed A out of the nexus table */
	prout(6, 0, 0, 0xa1, 0);
	ck_assert(th_check(&t, 0x5, 0x55, 0x04));
}
END_TEST

START_TEST(aptpl_state_survives_a_power_cycle_and_plain_state_does_not)
{
	prout(6, 0, 0, 0xa1, 0x01); /* APTPL */
	prout(1, WE_RO, 0xa1, 0, 0);
	as(&B);
	prout(6, 0, 0, 0xb1, 0x01); /* the last registration's APTPL rules */
	ck_assert_uint_gt(generation(), 0);
	prin(2);
	ck_assert(t.buf[3] & 0x01); /* PTPL_A */
	scsi_lu_destroy(t.lu);
	t.lu = scsi_lu_create(&t.fe.env, &t.cfg, 0, NULL);
	as(&A);
	th_clear_ua(&t);
	ck_assert_uint_eq(generation(), 0); /* SPC-4 §6.15.2: zero at power on */
	ck_assert_uint_eq(key_count(), 2);
	prin(1);
	ck_assert_uint_eq(get_be64(t.buf + 8), 0xa1);
	ck_assert_uint_eq(t.buf[21], WE_RO);
	/* registering with APTPL 0 stops persisting */
	prout(0, 0, 0xa1, 0xa2, 0);
	scsi_lu_destroy(t.lu);
	t.lu = scsi_lu_create(&t.fe.env, &t.cfg, 0, NULL);
	th_clear_ua(&t);
	ck_assert_uint_eq(key_count(), 0);
}
END_TEST

START_TEST(aptpl_save_failure_changes_nothing)
{
	prout(6, 0, 0, 0xa1, 0x01);
	t.fe.env.state_save = NULL;
	prout(1, EA, 0xa1, 0, 0);
	ck_assert(th_check(&t, 0x4, 0x44, 0x00));
	prin(1);
	ck_assert_uint_eq(get_be32(t.buf + 4), 0);
}
END_TEST

START_TEST(transport_ids_round_trip_and_malformed_ones_are_refused)
{
	uint8_t id[TID_MAX_LEN];
	char port[300];
	uint32_t len = tid_build("iqn.x:a,i,0x1234", id);
	ck_assert_uint_eq(len, 24);
	ck_assert_uint_eq(id[0], 0x45);
	ck_assert_uint_eq(tid_parse(id, len, port, sizeof(port)), 24);
	ck_assert_str_eq(port, "iqn.x:a,i,0x1234");
	len = tid_build("iqn.2026-11.an.initiator.with.a.longer.name:device", id);
	ck_assert_uint_eq(len % 4, 0);
	ck_assert_uint_eq(id[0], 0x05);
	ck_assert_uint_eq(tid_parse(id, len, port, sizeof(port)), len);
	ck_assert_uint_eq(tid_parse(id, len - 1, port, sizeof(port)), 0); /* cut short */
	ck_assert_uint_eq(tid_parse(id, len, port, 10), 0);                /* does not fit */
	id[0] = 0x45; /* says initiator port, but has no ISID */
	ck_assert_uint_eq(tid_parse(id, len, port, sizeof(port)), 0);
	id[0] = 0x01; /* Fibre Channel */
	ck_assert_uint_eq(tid_parse(id, len, port, sizeof(port)), 0);
	memset(id, 'x', sizeof(id));
	id[0] = 0x05;
	put_be16(id + 2, 20); /* no terminating NUL */
	ck_assert_uint_eq(tid_parse(id, 24, port, sizeof(port)), 0);
}
END_TEST

/* ---- RESERVE / RELEASE ---- */

static int reserve6(void)
{
	uint8_t cdb[6] = {0x16};
	return th_run(&t, cdb, 6, NULL, 0);
}

static int release6(void)
{
	uint8_t cdb[6] = {0x17};
	return th_run(&t, cdb, 6, NULL, 0);
}

START_TEST(reserve6_excludes_other_nexuses_until_released)
{
	ck_assert_int_eq(reserve6(), SCSI_STATUS_GOOD);
	ck_assert_int_eq(reserve6(), SCSI_STATUS_GOOD);
	as(&B);
	ck_assert_int_eq(reserve6(), SCSI_STATUS_RESERVATION_CONFLICT);
	ck_assert_int_eq(release6(), SCSI_STATUS_GOOD); /* no-op */
	uint8_t ms[6] = {0x1a, 0, 0x3f, 0, 255, 0};
	ck_assert_int_eq(th_run(&t, ms, 6, NULL, 0), SCSI_STATUS_RESERVATION_CONFLICT);
	uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
	ck_assert_int_eq(th_run(&t, inq, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(prin(0), SCSI_STATUS_RESERVATION_CONFLICT);
	as(&A);
	ck_assert_int_eq(th_run(&t, ms, 6, NULL, 0), SCSI_STATUS_GOOD);
	ck_assert_int_eq(release6(), SCSI_STATUS_GOOD);
	as(&B);
	ck_assert_int_eq(reserve6(), SCSI_STATUS_GOOD);
	uint8_t r10[10] = {0x57};
	ck_assert_int_eq(th_run(&t, r10, 10, NULL, 0), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(reserve6_ends_with_nexus_loss_and_resets)
{
	reserve6();
	scsi_nexus_lost(t.lu, &A);
	as(&B);
	ck_assert_int_eq(reserve6(), SCSI_STATUS_GOOD);
	scsi_lu_reset(t.lu, &A);
	as(&A);
	th_clear_ua(&t);
	ck_assert_int_eq(reserve6(), SCSI_STATUS_GOOD);
	scsi_target_reset(t.lu, &A, false);
	as(&B);
	th_clear_ua(&t);
	ck_assert_int_eq(reserve6(), SCSI_STATUS_GOOD);
}
END_TEST

START_TEST(reserve6_conflicts_with_persistent_registrations)
{
	prout(6, 0, 0, 0xa1, 0);
	ck_assert_int_eq(reserve6(), SCSI_STATUS_RESERVATION_CONFLICT);
	prout(1, WE, 0xa1, 0, 0);
	ck_assert_int_eq(release6(), SCSI_STATUS_GOOD); /* the holder: no-op */
	prin(1);
	ck_assert_uint_eq(get_be32(t.buf + 4), 16);
	as(&B);
	ck_assert_int_eq(release6(), SCSI_STATUS_RESERVATION_CONFLICT);
}
END_TEST

Suite *suite_scsi_pr(void)
{
	Suite *s = suite_create("scsi_pr");
	TCase *tc = tcase_create("pr");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, register_read_keys_unregister_and_generations);
	tcase_add_test(tc, read_keys_truncates_but_reports_the_full_length);
	tcase_add_test(tc, reserve_release_and_read_reservation);
	tcase_add_test(tc, all_registrants_reservations_show_key_zero_and_outlive_their_creator);
	tcase_add_test(tc, holder_unregistering_releases_a_single_holder_reservation);
	tcase_add_test(tc, each_type_allows_exactly_what_spc4_says);
	tcase_add_test(tc, clear_removes_everything_and_tells_the_others);
	tcase_add_test(tc, preempt_removes_a_registration_without_a_reservation);
	tcase_add_test(tc, preempt_of_the_holder_takes_the_reservation);
	tcase_add_test(tc, preempt_of_all_registrants_with_key_zero_leaves_the_preempter_alone);
	tcase_add_test(tc, all_target_ports_registration_covers_every_port);
	tcase_add_test(tc, preempt_and_abort_aborts_only_the_preempted_nexus_tasks);
	tcase_add_test(tc, spec_i_pt_registers_the_listed_initiators_too);
	tcase_add_test(tc, register_and_move_hands_the_reservation_over);
	tcase_add_test(tc, register_and_move_refuses_a_bad_parameter_list);
	tcase_add_test(tc, parameter_list_length_and_cdb_fields_are_checked);
	tcase_add_test(tc, report_capabilities_and_full_status_describe_it_all);
	tcase_add_test(tc, registrations_beyond_the_table_are_insufficient_resources);
	tcase_add_test(tc, aptpl_state_survives_a_power_cycle_and_plain_state_does_not);
	tcase_add_test(tc, aptpl_save_failure_changes_nothing);
	tcase_add_test(tc, transport_ids_round_trip_and_malformed_ones_are_refused);
	tcase_add_test(tc, reserve6_excludes_other_nexuses_until_released);
	tcase_add_test(tc, reserve6_ends_with_nexus_loss_and_resets);
	tcase_add_test(tc, reserve6_conflicts_with_persistent_registrations);
	suite_add_tcase(s, tc);
	/* The same rules on an LU whose state lives in the backstore
	 * (scsi/pr_shared.c: every command loads it, every change is a
	 * compare-and-set store): what the initiator sees must not differ.
	 * APTPL's power cycle is the local store's (the record outlives
	 * every gateway). */
	TCase *ts = tcase_create("pr_shared");
	tcase_add_checked_fixture(ts, setup_shared, teardown);
	tcase_add_test(ts, register_read_keys_unregister_and_generations);
	tcase_add_test(ts, read_keys_truncates_but_reports_the_full_length);
	tcase_add_test(ts, reserve_release_and_read_reservation);
	tcase_add_test(ts, all_registrants_reservations_show_key_zero_and_outlive_their_creator);
	tcase_add_test(ts, holder_unregistering_releases_a_single_holder_reservation);
	tcase_add_test(ts, each_type_allows_exactly_what_spc4_says);
	tcase_add_test(ts, clear_removes_everything_and_tells_the_others);
	tcase_add_test(ts, preempt_removes_a_registration_without_a_reservation);
	tcase_add_test(ts, preempt_of_the_holder_takes_the_reservation);
	tcase_add_test(ts, preempt_of_all_registrants_with_key_zero_leaves_the_preempter_alone);
	tcase_add_test(ts, all_target_ports_registration_covers_every_port);
	tcase_add_test(ts, preempt_and_abort_aborts_only_the_preempted_nexus_tasks);
	tcase_add_test(ts, spec_i_pt_registers_the_listed_initiators_too);
	tcase_add_test(ts, register_and_move_hands_the_reservation_over);
	tcase_add_test(ts, register_and_move_refuses_a_bad_parameter_list);
	tcase_add_test(ts, parameter_list_length_and_cdb_fields_are_checked);
	tcase_add_test(ts, report_capabilities_and_full_status_describe_it_all);
	tcase_add_test(ts, registrations_beyond_the_table_are_insufficient_resources);
	tcase_add_test(ts, transport_ids_round_trip_and_malformed_ones_are_refused);
	tcase_add_test(ts, reserve6_excludes_other_nexuses_until_released);
	tcase_add_test(ts, reserve6_ends_with_nexus_loss_and_resets);
	tcase_add_test(ts, reserve6_conflicts_with_persistent_registrations);
	suite_add_tcase(s, ts);
	return s;
}
