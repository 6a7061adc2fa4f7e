/* login_fixture: see login_fixture.h. */
#include "login_fixture.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/sha3.h>

const char *const fx_target_names[FX_T_COUNT] = {
	"iqn.2024-01.org.example:open",
	"iqn.2024-01.org.example:chap",
	"iqn.2024-01.org.example:mutual",
	"iqn.2024-01.org.example:acl",
	"iqn.2024-01.org.example:redirect",
	"iqn.2024-01.org.example:elsewhere",
};

static const struct rt_portal_cfg portals[] = {
	[FX_PORTAL_V4] = {"127.0.0.1", 3260},
	[FX_PORTAL_V6_RAW] = {"::1", 3260},
	[FX_PORTAL_V6] = {"[::1]", 3261},
};
static const uint32_t portals_v4_v6raw[] = {FX_PORTAL_V4, FX_PORTAL_V6_RAW};
static const uint32_t portals_v4[] = {FX_PORTAL_V4};
static const uint32_t portals_v6[] = {FX_PORTAL_V6};
static const struct rt_lun_map open_luns[] = {{0, 0, false}, {1, 1, true}};
static const struct rt_lun_map acl_luns[] = {{5, 1, false}};
static const struct rt_acl_cfg acls[] = {
	{FX_HOST_ACL, {{NULL, NULL}, {NULL, NULL}}, acl_luns, 1},
	{FX_HOST_ACL_CHAP, {{FX_USER, FX_SECRET}, {NULL, NULL}}, acl_luns, 1},
};

static uint16_t hook_check(void *ctx, const struct login_result *partial)
{
	struct fx *x = ctx;
	(void)partial;
	x->check_calls++;
	return x->check_status;
}

static uint16_t hook_bind(void *ctx, struct login_result *res)
{
	struct fx *x = ctx;
	x->bind_calls++;
	if (x->bind_status == ISCSI_LOGIN_OK && res->tsih == 0)
		res->tsih = x->assigned_tsih;
	x->bound = *res;
	return x->bind_status;
}

struct rt_params_cfg fx_params_cfg(void)
{
	return (struct rt_params_cfg){
		.max_recv_data_segment_length = 65536,
		.max_burst_length = 262144,
		.first_burst_length = 65536,
		.max_outstanding_r2t = 1,
		.max_connections = 8,
		.default_time2wait = 2,
		.default_time2retain = 20,
		.error_recovery_level = 0,
		.initial_r2t = true,
		.immediate_data = true,
		.data_pdu_in_order = true,
		.data_sequence_in_order = true,
	};
}

void fx_init(struct fx *x)
{
	memset(x, 0, sizeof(*x));
	fake_env_init(&x->fe, 0);
	for (unsigned i = 0; i < FX_T_COUNT; i++) {
		x->targets[i] = (struct rt_target_cfg){fx_target_names[i], NULL, &x->tpgs[i], 1};
		x->tpgs[i] = (struct rt_tpg_cfg){
			.tag = (uint16_t)(i + 1),
			.portals = portals_v4,
			.portal_count = 1,
			.open_access = true,
			.luns = open_luns,
			.lun_count = 2,
		};
	}
	x->targets[FX_T_OPEN].alias = "Open disk";
	x->tpgs[FX_T_OPEN].portals = portals_v4_v6raw;
	x->tpgs[FX_T_OPEN].portal_count = 2;
	x->tpgs[FX_T_CHAP].auth.in = (struct rt_chap_cred){FX_USER, FX_SECRET};
	x->tpgs[FX_T_MUTUAL].auth.in = (struct rt_chap_cred){FX_USER, FX_SECRET};
	x->tpgs[FX_T_MUTUAL].auth.out = (struct rt_chap_cred){FX_TUSER, FX_TSECRET};
	x->tpgs[FX_T_ACL].open_access = false;
	x->tpgs[FX_T_ACL].acls = acls;
	x->tpgs[FX_T_ACL].acl_count = 2;
	x->tpgs[FX_T_REDIRECT].redirect = RT_REDIRECT_TEMPORARY;
	x->tpgs[FX_T_REDIRECT].redirect_address = FX_REDIRECT_TO ",7";
	x->tpgs[FX_T_ELSEWHERE].portals = portals_v6;
	x->cfg = (struct rt_config){
		.portals = portals,
		.portal_count = 3,
		.targets = x->targets,
		.target_count = FX_T_COUNT,
	};
	x->cfg.params = fx_params_cfg();
	x->hooks = (struct login_hooks){hook_check, hook_bind};
	x->assigned_tsih = 0x1234;
	fx_login_start(x, FX_PORTAL_V4);
}

void fx_login_start(struct fx *x, uint32_t portal)
{
	if (x->login.env != NULL)
		login_fini(&x->login);
	login_init(&x->login, &x->fe.env, &x->cfg, portal, &x->hooks, x);
}

void fx_fini(struct fx *x)
{
	login_fini(&x->login);
	ck_assert_uint_eq(x->fe.live_bytes, 0);
	fake_env_fini(&x->fe);
}

void fx_login_req(struct fx_req *r, bool t, bool c, uint8_t csg, uint8_t nsg, uint16_t tsih)
{
	static const uint8_t isid[6] = {0x80, 0x12, 0x34, 0x56, 0x00, 0x01};
	memset(&r->pdu, 0, sizeof(r->pdu));
	uint8_t flags = (uint8_t)(csg << ISCSI_LOGIN_CSG_SHIFT);
	if (t)
		flags |= ISCSI_LOGIN_TRANSIT | nsg;
	if (c)
		flags |= ISCSI_LOGIN_CONTINUE;
	pdu_init(r->pdu.bhs, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, flags);
	memcpy(r->pdu.bhs + PDU_LOGIN_ISID, isid, 6);
	put_be16(r->pdu.bhs + PDU_LOGIN_TSIH, tsih);
	pdu_set_w(r->pdu.bhs, PDU_ITT, 0x10);
	put_be16(r->pdu.bhs + PDU_LOGIN_CID, 1);
	pdu_set_w(r->pdu.bhs, PDU_INI_CMDSN, 100);
	r->len = 0;
}

void fx_raw(struct fx_req *r, const void *data, uint32_t len)
{
	ck_assert_uint_le(r->len + len, sizeof(r->data));
	memcpy(r->data + r->len, data, len);
	r->len += len;
}

void fx_keys(struct fx_req *r, ...)
{
	va_list ap;
	va_start(ap, r);
	for (const char *kv = va_arg(ap, const char *); kv != NULL; kv = va_arg(ap, const char *))
		fx_raw(r, kv, (uint32_t)strlen(kv) + 1);
	va_end(ap);
}

enum login_verdict fx_send(struct fx *x, struct fx_req *r, struct pdu *resp)
{
	r->pdu.data = r->data;
	r->pdu.data_len = r->len;
	pdu_set_dsl(r->pdu.bhs, r->len);
	enum login_verdict v = login_rx(&x->login, &r->pdu, resp);
	ck_assert_uint_eq(pdu_opcode(resp->bhs), ISCSI_OP_LOGIN_RSP);
	ck_assert_uint_eq(pdu_dsl(resp->bhs), resp->data_len);
	return v;
}

uint16_t fx_status(const struct pdu *resp)
{
	return get_be16(resp->bhs + PDU_LOGIN_STATUS);
}

bool fx_t(const struct pdu *resp) { return pdu_flags(resp->bhs) & ISCSI_LOGIN_TRANSIT; }
bool fx_c(const struct pdu *resp) { return pdu_flags(resp->bhs) & ISCSI_LOGIN_CONTINUE; }
uint8_t fx_csg(const struct pdu *resp)
{
	return (pdu_flags(resp->bhs) >> ISCSI_LOGIN_CSG_SHIFT) & ISCSI_LOGIN_STAGE_MASK;
}
uint8_t fx_nsg(const struct pdu *resp) { return pdu_flags(resp->bhs) & ISCSI_LOGIN_STAGE_MASK; }

/* The nth value of key among the response's pairs; *count: how many. */
static const char *find_nth(const struct pdu *resp, const char *key, unsigned nth, unsigned *count)
{
	size_t klen = strlen(key);
	const char *found = NULL;
	*count = 0;
	for (uint32_t off = 0; off < resp->data_len;) {
		const char *s = (const char *)resp->data + off;
		size_t n = strnlen(s, resp->data_len - off);
		ck_assert_msg(off + n < resp->data_len, "response pair without NUL");
		if (n > klen && memcmp(s, key, klen) == 0 && s[klen] == '=') {
			if (*count == nth)
				found = s + klen + 1;
			(*count)++;
		}
		off += (uint32_t)n + 1;
	}
	return found;
}

const char *fx_get(const struct pdu *resp, const char *key)
{
	static char value[RT_TEXT_MAX];
	unsigned count;
	const char *v = find_nth(resp, key, 0, &count);
	if (v == NULL)
		return NULL;
	snprintf(value, sizeof(value), "%s", v);
	return value;
}

unsigned fx_count(const struct pdu *resp, const char *key)
{
	unsigned count;
	find_nth(resp, key, 0, &count);
	return count;
}

void fx_identity(struct fx_req *r, const char *initiator, unsigned ti)
{
	char in[300], tn[300];
	snprintf(in, sizeof(in), "InitiatorName=%s", initiator);
	snprintf(tn, sizeof(tn), "TargetName=%s", fx_target_names[ti]);
	fx_keys(r, in, tn, "SessionType=Normal", NULL);
}

void fx_op_keys(struct fx_req *r)
{
	fx_keys(r, "HeaderDigest=None", "DataDigest=None", "DefaultTime2Wait=2",
		"DefaultTime2Retain=0", "IFMarker=No", "OFMarker=No", "ErrorRecoveryLevel=0",
		"InitialR2T=No", "ImmediateData=Yes", "MaxBurstLength=16776192",
		"FirstBurstLength=262144", "MaxOutstandingR2T=1", "MaxConnections=1",
		"DataPDUInOrder=Yes", "DataSequenceInOrder=Yes", "MaxRecvDataSegmentLength=262144",
		NULL);
}

static void expect_ok(const struct pdu *resp, enum login_verdict v)
{
	ck_assert_msg(fx_status(resp) == ISCSI_LOGIN_OK, "status 0x%04x", fx_status(resp));
	ck_assert_int_ne(v, LOGIN_REPLY_CLOSE);
}

static enum login_verdict operational(struct fx *x, struct fx_req *r, bool with_identity,
				      const char *initiator, unsigned ti)
{
	struct pdu resp;
	fx_login_req(r, true, false, ISCSI_STAGE_OPERATIONAL, ISCSI_STAGE_FULL_FEATURE, 0);
	if (with_identity)
		fx_identity(r, initiator, ti);
	fx_op_keys(r);
	enum login_verdict v = fx_send(x, r, &resp);
	expect_ok(&resp, v);
	ck_assert(fx_t(&resp));
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_FULL_FEATURE);
	return v;
}

enum login_verdict fx_login_open(struct fx *x, const char *initiator, unsigned ti)
{
	static struct fx_req r;
	return operational(x, &r, true, initiator, ti);
}

size_t fx_unhex(const char *s, uint8_t *out, size_t cap)
{
	ck_assert(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'));
	size_t n = strlen(s + 2) / 2;
	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++) {
		unsigned b;
		ck_assert_int_eq(sscanf(s + 2 + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

const char *fx_hex(const uint8_t *in, size_t len)
{
	static char buf[4096];
	ck_assert_uint_le(2 * len + 3, sizeof(buf));
	strcpy(buf, "0x");
	for (size_t i = 0; i < len; i++)
		sprintf(buf + 2 + 2 * i, "%02x", in[i]);
	return buf;
}

size_t fx_chap_digest(unsigned alg, uint8_t id, const char *secret, const uint8_t *chal,
		      size_t chal_len, uint8_t *out)
{
	size_t sl = strlen(secret);
	switch (alg) {
	case 5: {
		struct md5_ctx c;
		md5_init(&c);
		md5_update(&c, 1, &id);
		md5_update(&c, sl, (const uint8_t *)secret);
		md5_update(&c, chal_len, chal);
		md5_digest(&c, MD5_DIGEST_SIZE, out);
		return MD5_DIGEST_SIZE;
	}
	case 6: {
		struct sha1_ctx c;
		sha1_init(&c);
		sha1_update(&c, 1, &id);
		sha1_update(&c, sl, (const uint8_t *)secret);
		sha1_update(&c, chal_len, chal);
		sha1_digest(&c, SHA1_DIGEST_SIZE, out);
		return SHA1_DIGEST_SIZE;
	}
	case 7: {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, 1, &id);
		sha256_update(&c, sl, (const uint8_t *)secret);
		sha256_update(&c, chal_len, chal);
		sha256_digest(&c, SHA256_DIGEST_SIZE, out);
		return SHA256_DIGEST_SIZE;
	}
	case 8: {
		struct sha3_256_ctx c;
		sha3_256_init(&c);
		sha3_256_update(&c, 1, &id);
		sha3_256_update(&c, sl, (const uint8_t *)secret);
		sha3_256_update(&c, chal_len, chal);
		sha3_256_digest(&c, SHA3_256_DIGEST_SIZE, out);
		return SHA3_256_DIGEST_SIZE;
	}
	}
	ck_abort_msg("no such CHAP algorithm %u", alg);
	return 0;
}

enum login_verdict fx_login_chap(struct fx *x, const char *initiator, unsigned ti, unsigned alg,
				 const char *user, const char *secret, bool mutual)
{
	static struct fx_req r;
	struct pdu resp;
	char kv[2200];
	/* 1: identity and AuthMethod, asking to move on (as libiscsi does) */
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	fx_identity(&r, initiator, ti);
	fx_keys(&r, "AuthMethod=CHAP,None", NULL);
	enum login_verdict v = fx_send(x, &r, &resp);
	expect_ok(&resp, v);
	ck_assert(!fx_t(&resp));
	ck_assert_str_eq(fx_get(&resp, "AuthMethod"), "CHAP");
	/* 2: the algorithm */
	fx_login_req(&r, false, false, ISCSI_STAGE_SECURITY, 0, 0);
	snprintf(kv, sizeof(kv), "CHAP_A=%u", alg);
	fx_keys(&r, kv, NULL);
	v = fx_send(x, &r, &resp);
	expect_ok(&resp, v);
	ck_assert_uint_eq(strtoul(fx_get(&resp, "CHAP_A"), NULL, 10), alg);
	uint8_t id = (uint8_t)strtoul(fx_get(&resp, "CHAP_I"), NULL, 10);
	uint8_t chal[1024], digest[64];
	size_t chal_len = fx_unhex(fx_get(&resp, "CHAP_C"), chal, sizeof(chal));
	/* 3: our response (and challenge) */
	fx_login_req(&r, true, false, ISCSI_STAGE_SECURITY, ISCSI_STAGE_OPERATIONAL, 0);
	snprintf(kv, sizeof(kv), "CHAP_N=%s", user);
	fx_keys(&r, kv, NULL);
	size_t dl = fx_chap_digest(alg, id, secret, chal, chal_len, digest);
	snprintf(kv, sizeof(kv), "CHAP_R=%s", fx_hex(digest, dl));
	fx_keys(&r, kv, NULL);
	static const uint8_t my_chal[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	if (mutual) {
		snprintf(kv, sizeof(kv), "CHAP_C=%s", fx_hex(my_chal, sizeof(my_chal)));
		fx_keys(&r, "CHAP_I=77", kv, NULL);
	}
	v = fx_send(x, &r, &resp);
	expect_ok(&resp, v);
	ck_assert(fx_t(&resp));
	ck_assert_uint_eq(fx_nsg(&resp), ISCSI_STAGE_OPERATIONAL);
	if (mutual) {
		ck_assert_str_eq(fx_get(&resp, "CHAP_N"), FX_TUSER);
		uint8_t want[64], got[64];
		size_t wl = fx_chap_digest(alg, 77, FX_TSECRET, my_chal, sizeof(my_chal), want);
		ck_assert_uint_eq(fx_unhex(fx_get(&resp, "CHAP_R"), got, sizeof(got)), wl);
		ck_assert_mem_eq(got, want, wl);
	}
	/* 4: operational stage */
	return operational(x, &r, false, initiator, ti);
}
