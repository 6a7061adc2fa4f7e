/* engine_fixture: see engine_fixture.h. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/engine.h"
#include "core/pdu.h"
#include "engine_fixture.h"


struct fake_env F;
struct rt_engine *E;
struct ini I;
struct rt_config cfg;
static const struct rt_portal_cfg portals[] = { { "127.0.0.1", 3260 } };
static const uint32_t tpg_portals[] = { 0 };
static const struct rt_lun_map luns[] = { { 0, 0, false } };
static struct rt_tpg_cfg tpg;
static struct rt_target_cfg target;
static const struct rt_lu_cfg lus[] = {
	{ "lu0", BLOCKS, BS, 0, "SERIAL0", 1, "ISCSISIM", "REFTARGET" },
};

void make_engine(void)
{
	E = rt_engine_create(&F.env, &cfg);
	ck_assert_ptr_nonnull(E);
	ck_assert_int_eq(rt_on_accept(E, 1, 0, NULL), 0);
	ini_init(&I, &F, E, 1);
}

void engine_setup(void)
{
	fake_env_init(&F, (uint64_t)BLOCKS * BS);
	memset(&cfg, 0, sizeof(cfg));
	cfg_params_default(&cfg.params);
	tpg = (struct rt_tpg_cfg){ .tag = 1, .portals = tpg_portals, .portal_count = 1,
				   .open_access = true, .luns = luns, .lun_count = 1 };
	target = (struct rt_target_cfg){ .name = IQN_T, .tpgs = &tpg, .tpg_count = 1 };
	cfg.portals = portals;
	cfg.portal_count = 1;
	cfg.targets = &target;
	cfg.target_count = 1;
	cfg.lus = lus;
	cfg.lu_count = 1;
	char err[256];
	ck_assert_msg(cfg_validate(&cfg, err, sizeof(err)) == 0, "%s", err);
	make_engine();
}

void engine_teardown(void)
{
	ini_fini(&I);
	rt_engine_destroy(E);
	ck_assert_uint_eq(F.live_bytes, 0);
	fake_env_fini(&F);
}

void login_ok(const char *keys, uint32_t len)
{
	uint16_t st = ini_login(&I, IQN_I, IQN_T, keys, len);
	ck_assert_msg(st == 0, "login status 0x%04x", st);
	ck_assert_uint_ne(I.tsih, 0);
}

/* Run disk I/O and expect the next PDU to be a SCSI Response/Data-In with status. */
uint8_t scsi_status(void)
{
	fake_disk_run(&F, E);
	while (ini_recv(&I)) {
		uint8_t op = pdu_opcode(I.bhs);
		if (op == ISCSI_OP_SCSI_RSP)
			return I.bhs[PDU_SCSI_RSP_STATUS];
		if (op == ISCSI_OP_DATA_IN && (I.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS))
			return I.bhs[PDU_DATA_IN_STATUS];
	}
	ck_abort_msg("no status");
	return 0xff;
}

const uint8_t cdb_tur[16] = { 0x00 };

void cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 16);
	cdb[0] = op;
	put_be32(cdb + 2, lba);
	put_be16(cdb + 7, blocks);
}

void clear_ua(void)
{
	ini_scsi(&I, 0, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	scsi_status();
}

/* Write n blocks at lba with the R2T dance, data = pattern. */
void write_r2t(uint32_t lba, uint16_t n, const uint8_t *data)
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x2a, lba, n);
	uint32_t len = (uint32_t)n * BS;
	uint32_t itt = ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_WRITE | 1, len, NULL, 0);
	uint32_t got = 0;
	while (got < len) {
		ck_assert(ini_recv(&I));
		ck_assert_uint_eq(pdu_opcode(I.bhs), ISCSI_OP_R2T);
		uint32_t ttt = pdu_w(I.bhs, PDU_R2T_TTT);
		uint32_t off = pdu_w(I.bhs, PDU_R2T_BUFFER_OFFSET), want = pdu_w(I.bhs, PDU_R2T_DESIRED_LENGTH);
		ck_assert_uint_eq(off, got);
		for (uint32_t sn = 0, o = 0; o < want; sn++) {
			uint32_t piece = want - o < 8192 ? want - o : 8192;
			ini_data_out(&I, itt, ttt, sn, off + o, data + off + o, piece, o + piece == want);
			o += piece;
		}
		got += want;
	}
	ck_assert_uint_eq(scsi_status(), 0x00);
}

void read10(uint32_t lba, uint16_t n, uint8_t *out)
{
	uint8_t cdb[16];
	cdb_rw10(cdb, 0x28, lba, n);
	uint32_t len = (uint32_t)n * BS;
	ini_scsi(&I, 0, cdb, ISCSI_FLAG_FINAL | ISCSI_CMD_READ | 1, len, NULL, 0);
	fake_disk_run(&F, E);
	uint32_t got = 0;
	for (;;) {
		ck_assert(ini_recv(&I));
		uint8_t op = pdu_opcode(I.bhs);
		if (op == ISCSI_OP_DATA_IN) {
			ck_assert_uint_eq(pdu_w(I.bhs, PDU_DATA_IN_BUFFER_OFFSET), got);
			memcpy(out + got, I.data, I.data_len);
			got += I.data_len;
			if (I.bhs[PDU_FLAGS] & ISCSI_DATAIN_STATUS)
				break;
		} else {
			ck_assert_uint_eq(op, ISCSI_OP_SCSI_RSP);
			break;
		}
	}
	ck_assert_uint_eq(got, len);
}

uint32_t tur_status(struct ini *x, uint64_t lun)
{
	ini_scsi(x, lun, cdb_tur, ISCSI_FLAG_FINAL | 1, 0, NULL, 0);
	ck_assert(ini_recv(x));
	ck_assert_uint_eq(pdu_opcode(x->bhs), ISCSI_OP_SCSI_RSP);
	uint32_t st = (uint32_t)x->bhs[PDU_SCSI_RSP_STATUS] << 16;
	if (x->bhs[PDU_SCSI_RSP_STATUS] == 0x02)
		st |= (uint32_t)x->data[2 + 12] << 8 | x->data[2 + 13];
	return st;
}
