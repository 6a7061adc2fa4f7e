/* fz_cfg: see fz_cfg.h. */
#include "fz_cfg.h"

#include <string.h>

static const struct rt_portal_cfg portals[] = {{"127.0.0.1", 3260}};
static const uint32_t portal0[] = {0};

/* Small LUs: a run allocates and clears the RAM disk, so size is speed.
 * Two block sizes and every LU flag the SCSI layer branches on. */
static const struct rt_lu_cfg lus[FZ_LU_COUNT] = {
	{"fz0", 256, 512, RT_LU_THIN | RT_LU_LBPRZ | RT_LU_WCE | RT_LU_SANITIZE, "FZSERIAL0", 0x10,
	 "ISCSISIM", "FUZZ-THIN"},
	{"fz1", 32, 4096, RT_LU_REMOVABLE | RT_LU_COMPARE_WRITE, "FZSERIAL1", 0x11, "ISCSISIM", "FUZZ-4K",
	 .compare_write_max = 2 * 4096},
	{"fz2", 128, 512, 0, "FZSERIAL2", 0x12, "ISCSISIM", "FUZZ-CHAP"},
};

static const struct rt_lun_map luns_open[] = {{0, 0, false}, {1, 1, true}};
static const struct rt_lun_map luns_chap[] = {{0, 2, false}};
static const struct rt_lun_map luns_acl[] = {{0, 1, false}};

static const struct rt_acl_cfg acls[] = {
	{FZ_ACL_INITIATOR, {{NULL, NULL}, {NULL, NULL}}, luns_acl, 1},
};

#define TPG(tag_, open_, in_, out_, luns_, nluns_, acls_, nacls_, redirect_, addr_)        \
	{                                                                                   \
		.tag = tag_, .portals = portal0, .portal_count = 1, .open_access = open_,   \
		.auth = {in_, out_}, .luns = luns_, .lun_count = nluns_, .acls = acls_,     \
		.acl_count = nacls_, .redirect = redirect_, .redirect_address = addr_,      \
	}
#define NOBODY {NULL, NULL}

static const struct rt_tpg_cfg tpgs[FZ_T_COUNT] = {
	TPG(1, true, NOBODY, NOBODY, luns_open, 2, NULL, 0, RT_REDIRECT_NONE, NULL),
	TPG(1, true, ((struct rt_chap_cred){FZ_USER, FZ_SECRET}), NOBODY, luns_chap, 1, NULL, 0,
	    RT_REDIRECT_NONE, NULL),
	TPG(1, true, ((struct rt_chap_cred){FZ_USER, FZ_SECRET}),
	    ((struct rt_chap_cred){FZ_TUSER, FZ_TSECRET}), luns_chap, 1, NULL, 0, RT_REDIRECT_NONE, NULL),
	TPG(1, false, NOBODY, NOBODY, NULL, 0, acls, 1, RT_REDIRECT_NONE, NULL),
	TPG(1, true, NOBODY, NOBODY, luns_open, 1, NULL, 0, RT_REDIRECT_TEMPORARY, "127.0.0.2:3260"),
};

static const struct rt_target_cfg targets[FZ_T_COUNT] = {
	{"iqn.2026-11.org.iscsi-sim:fuzz-open", "fuzz open", &tpgs[0], 1},
	{"iqn.2026-11.org.iscsi-sim:fuzz-chap", NULL, &tpgs[1], 1},
	{"iqn.2026-11.org.iscsi-sim:fuzz-mutual", NULL, &tpgs[2], 1},
	{"iqn.2026-11.org.iscsi-sim:fuzz-acl", NULL, &tpgs[3], 1},
	{"iqn.2026-11.org.iscsi-sim:fuzz-redirect", NULL, &tpgs[4], 1},
};

void fz_cfg_init(struct fz_cfg *c, struct fz_in *in)
{
	uint8_t a = fz_u8(in), b = fz_u8(in);
	struct rt_config *cfg = &c->cfg;
	memset(cfg, 0, sizeof(*cfg));
	cfg->portals = portals;
	cfg->portal_count = 1;
	cfg->targets = targets;
	cfg->target_count = FZ_T_COUNT;
	cfg->lus = lus;
	cfg->lu_count = FZ_LU_COUNT;
	struct rt_params_cfg *p = &cfg->params;
	cfg_params_default(p);
	p->header_digest = a & 0x01;
	p->data_digest = a & 0x02;
	p->initial_r2t = a & 0x04;
	p->immediate_data = !(a & 0x08);
	if (a & 0x10)
		p->max_outstanding_r2t = 4;
	if (a & 0x20) { /* small bursts: many R2Ts per command */
		p->max_burst_length = 4096;
		p->first_burst_length = 1024;
	}
	if (a & 0x40)
		p->max_recv_data_segment_length = ISCSI_MRDSL_MIN;
	if (a & 0x80)
		p->max_connections = 2;
	/* Windows of 1..29, or 32 for 0 (zeroes are common in inputs): past a
	 * few the engine behaves the same, and the task pool (window +
	 * RT_IMMEDIATE_MAX tasks) is allocated per login. */
	p->cmd_window = (b & 0x0fu) == 0 ? 32u : (b & 0x0fu) * 2u - 1u;
	if (b & 0x20) /* the target offers ErrorRecoveryLevel 0 only (§13.20) */
		p->error_recovery_level = 0;
	if (b & 0x10) { /* timers within reach of the harness's clock */
		p->nop_in_interval_ms = 1000;
		p->nop_in_timeout_ms = 2000;
		p->login_timeout_ms = 3000;
		p->logout_timeout_ms = 1000;
	}
	/* Validate each of the 65536 configurations once: cfg_validate checks
	 * every name and would otherwise cost a tenth of a text run. */
	static uint8_t valid[65536 / 8];
	unsigned k = (unsigned)a << 8 | b;
	if (valid[k / 8] & (1u << (k % 8)))
		return;
	char err[256];
	FZ_CHECK(cfg_validate(cfg, err, sizeof(err)) == 0, "fz_cfg: %s", err);
	valid[k / 8] |= (uint8_t)(1u << (k % 8));
}

const char *fz_target_name(unsigned t)
{
	return targets[t % FZ_T_COUNT].name;
}

uint64_t fz_cfg_disk_size(void)
{
	uint64_t max = 0;
	for (unsigned i = 0; i < FZ_LU_COUNT; i++)
		if (lus[i].blocks * lus[i].block_size > max)
			max = lus[i].blocks * lus[i].block_size;
	return max;
}
