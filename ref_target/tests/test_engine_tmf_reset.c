/* TARGET WARM RESET and TARGET COLD RESET on a shared target (RFC 7143
 * §11.5.1; core/tmf.c states the rule): refused with response 6 unless the
 * issuer's ACL grants target_reset; when granted, only the LUs of the
 * issuer's LUN map are reset, and a cold reset ends only the sessions whose
 * whole view lies inside the issuer's. LOGICAL UNIT RESET needs no
 * permission.
 *
 * Four initiators over two LUs: A (I, conn 1) sees lu0; B sees lu1; C sees
 * lu0; D sees lu0 as LUN 0 and lu1 as LUN 1.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fixture.h"

#define IQN_B "iqn.2026-11.org.iscsi-sim:b"
#define IQN_C "iqn.2026-11.org.iscsi-sim:c"
#define IQN_D "iqn.2026-11.org.iscsi-sim:d"

static const struct rt_lun_map map_lu0[] = { { 0, 0, false } };
static const struct rt_lun_map map_lu1[] = { { 0, 1, false } };
static const struct rt_lun_map map_both[] = { { 0, 0, false }, { 1, 1, false } };
static const struct rt_lu_cfg two_lus[] = {
	{ "lu0", BLOCKS, BS, 0, "SERIAL0", 1, "ISCSISIM", "REFTARGET" },
	{ "lu1", BLOCKS, BS, 0, "SERIAL1", 2, "ISCSISIM", "REFTARGET" },
};
static const uint32_t tpg_portals[] = { 0 };
static struct rt_acl_cfg acls[4];
static struct rt_tpg_cfg tpg;
static struct rt_target_cfg target;

static struct ini B, C, D;
static bool others_up;

/* A new engine over the four-initiator configuration; a_may_reset is
 * A's target_reset permission. */
static void shared_target(bool a_may_reset)
{
	ini_fini(&I);
	rt_engine_destroy(E);
	F.conns[1].closed = false;
	F.conns[1].out_len = 0;
	acls[0] = (struct rt_acl_cfg){ .initiator = IQN_I, .luns = map_lu0, .lun_count = 1,
				       .target_reset = a_may_reset };
	acls[1] = (struct rt_acl_cfg){ .initiator = IQN_B, .luns = map_lu1, .lun_count = 1 };
	acls[2] = (struct rt_acl_cfg){ .initiator = IQN_C, .luns = map_lu0, .lun_count = 1 };
	acls[3] = (struct rt_acl_cfg){ .initiator = IQN_D, .luns = map_both, .lun_count = 2 };
	tpg = (struct rt_tpg_cfg){ .tag = 1, .portals = tpg_portals, .portal_count = 1,
				   .acls = acls, .acl_count = 4 };
	target = (struct rt_target_cfg){ .name = IQN_T, .tpgs = &tpg, .tpg_count = 1 };
	cfg.targets = &target;
	cfg.lus = two_lus;
	cfg.lu_count = 2;
	char err[256];
	ck_assert_msg(cfg_validate(&cfg, err, sizeof(err)) == 0, "%s", err);
	make_engine();
}

/* TUR until GOOD (at most 4 unit attentions); whether ASC/ASCQ asc_q was
 * among the unit attentions reported. */
static bool ua_seen(struct ini *x, uint64_t lun, uint32_t asc_q)
{
	bool seen = false;
	for (int k = 0; k < 5; k++) {
		uint32_t st = tur_status(x, lun);
		if (st == 0)
			return seen;
		ck_assert_uint_eq(st >> 16, 0x02);
		seen |= (st & 0xffff) == asc_q;
	}
	ck_abort_msg("unit attentions without end");
	return false;
}

/* Log x in on conn and take the power-on unit attention of each LUN. */
static void join(struct ini *x, rt_conn_id conn, const char *name, uint32_t luns)
{
	if (x != &I) {
		ck_assert_int_eq(rt_on_accept(E, conn, 0, NULL), 0);
		ini_init(x, &F, E, conn);
	}
	ck_assert_uint_eq(ini_login(x, name, IQN_T, NULL, 0), 0);
	for (uint32_t lun = 0; lun < luns; lun++)
		ua_seen(x, lun, 0x2900);
}

static void everyone_in(bool a_may_reset)
{
	shared_target(a_may_reset);
	join(&I, 1, IQN_I, 1);
	join(&B, 2, IQN_B, 1);
	join(&C, 3, IQN_C, 1);
	join(&D, 4, IQN_D, 2);
	others_up = true;
}

static void reset_teardown(void)
{
	if (others_up) {
		ini_fini(&B);
		ini_fini(&C);
		ini_fini(&D);
	}
	others_up = false;
	engine_teardown();
}

static void tmf_send(struct ini *x, uint8_t fn, uint32_t itt, uint64_t lun)
{
	uint8_t bhs[ISCSI_BHS_LEN];
	pdu_init(bhs, ISCSI_OP_TMF_REQ | ISCSI_FLAG_IMMEDIATE, ISCSI_FLAG_FINAL | fn);
	put_be64(bhs + PDU_LUN, lun << 48);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_TMF_REF_TASK_TAG, ISCSI_TAG_RESERVED);
	pdu_set_w(bhs, PDU_INI_CMDSN, x->cmd_sn);
	ini_send(x, bhs, NULL, 0);
}

static uint8_t tmf_answer(struct ini *x, uint32_t itt)
{
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_TMF_RSP);
	ck_assert_uint_eq(pdu_itt(x->bhs), itt);
	return x->bhs[PDU_TMF_RESPONSE];
}

/* A one-block WRITE from x on lun with immediate data, left at the disk. */
static uint32_t write_at_disk(struct ini *x, uint64_t lun, uint32_t lba)
{
	uint8_t cdb[16], w[BS];
	memset(w, 0x11, sizeof(w));
	cdb_rw10(cdb, 0x2a, lba, 1);
	unsigned before = F.npending;
	uint32_t itt = ini_scsi(x, lun, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, w, BS);
	ck_assert_uint_eq(F.npending, before + 1);
	return itt;
}

/* A one-block WRITE from x on lun without immediate data: its R2T is
 * taken, the Data-Out not sent. Returns the ITT; *ttt the R2T's tag. */
static uint32_t write_awaiting_data(struct ini *x, uint64_t lun, uint32_t lba, uint32_t *ttt)
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, lba, 1);
	uint32_t itt = ini_scsi(x, lun, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, BS, NULL, 0);
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_R2T);
	*ttt = pdu_w(x->bhs, PDU_R2T_TTT);
	return itt;
}

/* Send that write's data; returns its status (0xff: no answer). */
static uint8_t finish_write(struct ini *x, uint32_t itt, uint32_t ttt, uint8_t fill)
{
	uint8_t w[BS];
	memset(w, fill, sizeof(w));
	ini_data_out(x, itt, ttt, 0, 0, w, BS, true);
	fake_disk_run(&F, E);
	if (!ini_recv(x))
		return 0xff;
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_SCSI_RSP);
	ck_assert_uint_eq(pdu_itt(x->bhs), itt);
	return x->bhs[PDU_SCSI_RSP_STATUS];
}

START_TEST(target_resets_without_permission_answer_6_and_touch_nothing)
{
	everyone_in(false);
	uint32_t ttt;
	uint32_t b_itt = write_awaiting_data(&B, 0, 100, &ttt);
	write_at_disk(&D, 0, 101);
	tmf_send(&I, ISCSI_TMF_TARGET_WARM_RESET, 900, 0);
	ck_assert_uint_eq(tmf_answer(&I, 900), ISCSI_TMF_RSP_AUTH_FAILED);
	tmf_send(&I, ISCSI_TMF_TARGET_COLD_RESET, 901, 0);
	ck_assert_uint_eq(tmf_answer(&I, 901), ISCSI_TMF_RSP_AUTH_FAILED);
	/* D's write went on to the disk, B's still takes its data */
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert(ini_recv(&D));
	ck_assert_uint_eq(D.bhs[PDU_SCSI_RSP_STATUS], 0x00);
	ck_assert_uint_eq(finish_write(&B, b_itt, ttt, 0x5b), 0x00);
	ck_assert_uint_eq(F.disk[100 * BS], 0x5b);
	/* nobody was told of a reset, no connection ended */
	ck_assert_uint_eq(tur_status(&I, 0), 0);
	ck_assert_uint_eq(tur_status(&B, 0), 0);
	ck_assert_uint_eq(tur_status(&C, 0), 0);
	ck_assert_uint_eq(tur_status(&D, 0), 0);
	ck_assert_uint_eq(tur_status(&D, 1), 0);
	for (unsigned k = 1; k <= 4; k++)
		ck_assert(!F.conns[k].closed);
}
END_TEST

START_TEST(a_permitted_warm_reset_resets_only_the_lus_the_issuer_sees)
{
	everyone_in(true);
	uint32_t b_ttt, d_ttt;
	uint32_t b_itt = write_awaiting_data(&B, 0, 200, &b_ttt); /* lu1 */
	uint32_t d_itt = write_awaiting_data(&D, 1, 201, &d_ttt); /* lu1 */
	write_at_disk(&C, 0, 202);                                /* lu0 */
	write_at_disk(&D, 0, 203);                                /* lu0 */
	tmf_send(&I, ISCSI_TMF_TARGET_WARM_RESET, 902, 0);
	ck_assert_uint_eq(ini_pending(&I), 0); /* waits for lu0's writes to drain */
	ck_assert_uint_eq(fake_disk_run(&F, E), 2);
	ck_assert_uint_eq(tmf_answer(&I, 902), ISCSI_TMF_RSP_COMPLETE);
	/* lu0's writes were aborted: no status (SPC-4 TAS 0) */
	ck_assert_uint_eq(ini_pending(&C), 0);
	ck_assert_uint_eq(ini_pending(&D), 0);
	/* lu1 was never touched: both writes take their data and succeed */
	ck_assert_uint_eq(finish_write(&B, b_itt, b_ttt, 0x6b), 0x00);
	ck_assert_uint_eq(finish_write(&D, d_itt, d_ttt, 0x6d), 0x00);
	ck_assert_uint_eq(tur_status(&B, 0), 0);
	ck_assert_uint_eq(tur_status(&D, 1), 0);
	/* everyone on lu0 learns of the reset (29/02), the issuer included */
	ck_assert(ua_seen(&I, 0, 0x2902));
	ck_assert(ua_seen(&C, 0, 0x2902));
	ck_assert(ua_seen(&D, 0, 0x2902));
	for (unsigned k = 1; k <= 4; k++)
		ck_assert(!F.conns[k].closed);
}
END_TEST

START_TEST(a_permitted_cold_reset_ends_only_the_sessions_inside_the_issuers_view)
{
	everyone_in(true);
	uint32_t b_ttt;
	uint32_t b_itt = write_awaiting_data(&B, 0, 300, &b_ttt); /* lu1 */
	write_at_disk(&C, 0, 301);                                /* lu0 */
	tmf_send(&I, ISCSI_TMF_TARGET_COLD_RESET, 903, 0);
	ck_assert_uint_eq(fake_disk_run(&F, E), 1);
	ck_assert_uint_eq(tmf_answer(&I, 903), ISCSI_TMF_RSP_COMPLETE);
	ck_assert(F.conns[1].closed); /* the issuer */
	ck_assert(F.conns[3].closed); /* C sees only lu0 */
	ck_assert(!F.conns[2].closed); /* B sees only lu1 */
	ck_assert(!F.conns[4].closed); /* D also sees lu1 */
	ck_assert_uint_eq(finish_write(&B, b_itt, b_ttt, 0x7b), 0x00);
	ck_assert_uint_eq(tur_status(&B, 0), 0);
	ck_assert(ua_seen(&D, 0, 0x2901)); /* POWER ON OCCURRED on lu0 */
	ck_assert_uint_eq(tur_status(&D, 1), 0);
}
END_TEST

START_TEST(logical_unit_reset_needs_no_permission_and_stays_on_its_lu)
{
	everyone_in(false);
	tmf_send(&B, ISCSI_TMF_LOGICAL_UNIT_RESET, 904, 0); /* B's LUN 0 is lu1 */
	ck_assert_uint_eq(tmf_answer(&B, 904), ISCSI_TMF_RSP_COMPLETE);
	ck_assert(ua_seen(&D, 1, 0x2903)); /* BUS DEVICE RESET FUNCTION OCCURRED */
	ck_assert_uint_eq(tur_status(&D, 0), 0);
	ck_assert_uint_eq(tur_status(&I, 0), 0);
	ck_assert_uint_eq(tur_status(&C, 0), 0);
}
END_TEST

Suite *suite_engine_tmf_reset(void)
{
	Suite *s = suite_create("engine_tmf_reset");
	TCase *tc = tcase_create("engine_tmf_reset");
	tcase_add_checked_fixture(tc, engine_setup, reset_teardown);
	tcase_add_test(tc, target_resets_without_permission_answer_6_and_touch_nothing);
	tcase_add_test(tc, a_permitted_warm_reset_resets_only_the_lus_the_issuer_sees);
	tcase_add_test(tc, a_permitted_cold_reset_ends_only_the_sessions_inside_the_issuers_view);
	tcase_add_test(tc, logical_unit_reset_needs_no_permission_and_stays_on_its_lu);
	suite_add_tcase(s, tc);
	return s;
}
