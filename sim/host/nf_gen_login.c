/* host/nf_gen_login: the network fuzzer's login, text and discovery
 * mutators (host/nf_gen_int.h; the table is in nf_gen.c): key text built
 * pair by pair, then broken on purpose: duplicate keys, no '=', long
 * names and values, edge numbers, C-bit chains split across PDUs, wrong
 * stages (RFC 7143 §6, §11.12, §13); Login PDUs that lie about their
 * length; CHAP_R and CHAP_C of every length (RFC 7143 §12.1.3, RFC 1994);
 * Text Requests and discovery sessions (§11.10, Appendix C).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/host/nf_gen_int.h"

#define G_KEYS_MAX 9000u     /* a key text a mutator builds: a little past the default MRDSL */
#define FIX_LOGIN (NF_FIX_LOGIN | NF_FIX_CMDSN | NF_FIX_EXPSTATSN | NF_FIX_DSL)

/* ---- key text ---- */

struct keys {
	uint8_t buf[G_KEYS_MAX];
	size_t len;
};

static void key(struct keys *k, const char *kv)
{
	size_t n = strlen(kv) + 1;
	if (k->len + n <= sizeof(k->buf)) {
		memcpy(k->buf + k->len, kv, n);
		k->len += n;
	}
}

static void keyf(struct keys *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void keyf(struct keys *k, const char *fmt, ...)
{
	char kv[G_KEYS_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(kv, sizeof(kv), fmt, ap);
	va_end(ap);
	key(k, kv);
}

static const char *const op_keys[] = {
	"HeaderDigest", "DataDigest", "MaxConnections", "InitialR2T", "ImmediateData", "MaxRecvDataSegmentLength",
	"MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait", "DefaultTime2Retain", "MaxOutstandingR2T",
	"DataPDUInOrder", "DataSequenceInOrder", "ErrorRecoveryLevel", "OFMarker", "IFMarker", "TargetAlias",
	"InitiatorAlias", "TaskReporting", "iSCSIProtocolLevel", "X-org.iscsi-sim.fuzz", "SendTargets",
	"TargetName", "InitiatorName", "SessionType", "AuthMethod", "CHAP_A", "CHAP_N", "CHAP_R", "CHAP_I",
	"CHAP_C", "TargetPortalGroupTag", "TargetAddress", "X#org.fuzz", "",
};

/* A value that breaks something: a number from the edges, a word, an
 * empty or long value, a long list. */
static void bad_value(struct nf_gen *g, char *out, size_t cap)
{
	static const char *const words[] = { "", "Yes", "No", "None", "CRC32C", "CRC32C,None", "Maybe", "Reject",
		"Irrelevant", "NotUnderstood", "Normal", "Discovery", "CHAP", "None,CHAP", "KRB5,SRP,SPKM1,CHAP",
		"-1", "0x", "0b", "0x00", "99999999999999999999999", "1e9", " 1", "1,2", "\xff\xfe", "=", "a=b" };
	switch (pick(g, 4)) {
	case 0:
		snprintf(out, cap, "%u", nf_edge32(g));
		return;
	case 1:
		snprintf(out, cap, "%s", words[pick(g, sizeof(words) / sizeof(words[0]))]);
		return;
	case 2: {
		size_t n = 1 + pick(g, chance(g, 50) ? 300 : (uint32_t)cap - 1);
		if (n >= cap)
			n = cap - 1;
		memset(out, 'A' + (int)pick(g, 26), n);
		out[n] = '\0';
		return;
	}
	default: {
		size_t len = 0;
		unsigned n = 1 + pick(g, 600);
		for (unsigned i = 0; i < n && len + 4 < cap; i++)
			len += (size_t)snprintf(out + len, cap - len, "%s%u", i ? "," : "", pick(g, 10));
		return;
	}
	}
}

/* One "Key=value" pair for a corpus case's key text (nf_mut.c): a key of
 * the table with a value that breaks something; its length. */
size_t nf_g_pair(struct nf_gen *g, char *out, size_t cap)
{
	char v[640];
	bad_value(g, v, sizeof(v));
	int n = snprintf(out, cap, "%s=%s", op_keys[pick(g, sizeof(op_keys) / sizeof(op_keys[0]))], v);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The keys of a first Login Request, then mutations of them. */
static void login_keys(struct nf_gen *g, struct keys *k, unsigned csg, unsigned mutations)
{
	k->len = 0;
	key(k, "InitiatorName=" NF_INITIATOR);
	key(k, "SessionType=Normal");
	keyf(k, "TargetName=%s", g->cfg->ps.t1.iqn);
	if (csg == ISCSI_STAGE_SECURITY)
		key(k, g->cfg->ps.chap_user[0] ? "AuthMethod=CHAP" : "AuthMethod=None");
	else
		key(k, "MaxRecvDataSegmentLength=8192");
	static char v[G_KEYS_MAX / 2];
	for (unsigned i = 0; i < mutations; i++) {
		const char *name = op_keys[pick(g, sizeof(op_keys) / sizeof(op_keys[0]))];
		switch (pick(g, 5)) {
		case 0: /* a duplicate of a key already there */
			key(k, "SessionType=Normal");
			break;
		case 1: /* no '=' */
			keyf(k, "%s", name);
			break;
		case 2: /* a long name */
			bad_value(g, v, 300);
			keyf(k, "%s=1", v);
			break;
		default:
			bad_value(g, v, chance(g, 20) ? sizeof(v) : 600);
			keyf(k, "%s=%s", name, v);
			break;
		}
	}
	if (chance(g, 10) && k->len > 0)
		k->len--; /* no NUL after the last pair */
}

static void login_flags(struct nf_gen *g, unsigned csg, bool transit, bool cont, uint8_t *flags)
{
	unsigned nsg = csg == ISCSI_STAGE_SECURITY ? ISCSI_STAGE_OPERATIONAL : ISCSI_STAGE_FULL_FEATURE;
	if (chance(g, 10))
		nsg = pick(g, 4);
	*flags = (uint8_t)(csg << ISCSI_LOGIN_CSG_SHIFT);
	if (transit)
		*flags |= (uint8_t)(ISCSI_LOGIN_TRANSIT | nsg);
	if (cont)
		*flags |= ISCSI_LOGIN_CONTINUE;
}

/* One or more Login Requests carrying k (split with C=1 when parts > 1). */
static void g_login_pdus(struct nf_gen *g, unsigned conn, const struct keys *k, unsigned csg, unsigned parts,
	bool finish)
{
	size_t off = 0, chunk = parts ? (k->len + parts - 1) / parts : k->len;
	for (unsigned i = 0; i < parts; i++) {
		bool last = i + 1 == parts;
		uint8_t flags;
		login_flags(g, csg, last ? chance(g, 70) : chance(g, 5), !last || !finish, &flags);
		struct nf_step *s = nf_g_pdu(g, conn, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, flags, FIX_LOGIN);
		if (s == NULL)
			return;
		if (chance(g, 5)) {
			s->bhs[PDU_LOGIN_VERSION_MAX] = (uint8_t)nf_edge32(g);
			s->bhs[PDU_LOGIN_VERSION_MIN] = (uint8_t)nf_edge32(g);
		}
		size_t n = off + chunk <= k->len ? chunk : k->len - off;
		nf_set_data(s, k->buf + off, (uint32_t)n);
		off += n;
		nf_g_recv(g, conn, 20 + pick(g, 80));
	}
}

void nf_m_login_keys(struct nf_gen *g)
{
	nf_g_connect(g, 0, NULL);
	if (chance(g, 30))
		nf_g_login(g, 0, 0, 1 + pick(g, 2)); /* mid-login: the first exchanges done */
	static struct keys k;
	unsigned csg = chance(g, 50) ? ISCSI_STAGE_SECURITY : ISCSI_STAGE_OPERATIONAL;
	login_keys(g, &k, csg, 1 + pick(g, 6));
	g_login_pdus(g, 0, &k, csg, chance(g, 70) ? 1 : 2 + pick(g, 4), chance(g, 80));
}

void nf_m_login_nonlogin(struct nf_gen *g)
{
	static const uint8_t ops[] = { ISCSI_OP_NOP_OUT, ISCSI_OP_SCSI_CMD, ISCSI_OP_TMF_REQ, ISCSI_OP_TEXT_REQ,
		ISCSI_OP_DATA_OUT, ISCSI_OP_LOGOUT_REQ, ISCSI_OP_SNACK };
	nf_g_connect(g, 0, NULL);
	if (chance(g, 50))
		nf_g_login(g, 0, 0, 1);
	uint8_t op = chance(g, 85) ? ops[pick(g, sizeof(ops))] : (uint8_t)pick(g, 0x20);
	if (op == ISCSI_OP_LOGIN_REQ)
		op = ISCSI_OP_NOP_OUT;
	struct nf_step *s = nf_g_pdu(g, 0, (uint8_t)(op | (chance(g, 50) ? ISCSI_FLAG_IMMEDIATE : 0)),
		(uint8_t)(ISCSI_FLAG_FINAL | pick(g, 0x80)), FIX_CMD);
	if (s == NULL)
		return;
	if (op == ISCSI_OP_SCSI_CMD) { /* a CDB from the table, never a random one */
		bool w, rd;
		pdu_set_w(s->bhs, PDU_SCSI_CMD_EDTL, nf_g_cdb(g, s->bhs + PDU_SCSI_CMD_CDB, &w, &rd));
	} else {
		pdu_set_w(s->bhs, PDU_TEXT_TTT, nf_edge32(g));
	}
	uint32_t n = chance(g, 50) ? 0 : 1 + pick(g, 64);
	nf_set_data(s, NULL, n);
	for (uint32_t i = 0; i < n; i++)
		s->data[i] = (uint8_t)pick(g, 256);
	nf_g_recv(g, 0, 50 + pick(g, 100));
	if (chance(g, 50)) { /* and the login goes on as if nothing happened */
		static struct keys k;
		login_keys(g, &k, ISCSI_STAGE_OPERATIONAL, 0);
		g_login_pdus(g, 0, &k, ISCSI_STAGE_OPERATIONAL, 1, true);
	}
}

void nf_m_login_length(struct nf_gen *g)
{
	nf_g_connect(g, 0, NULL);
	if (chance(g, 30))
		nf_g_login(g, 0, 0, 1);
	static struct keys k;
	login_keys(g, &k, ISCSI_STAGE_SECURITY, 0);
	uint8_t flags;
	login_flags(g, ISCSI_STAGE_SECURITY, true, false, &flags);
	struct nf_step *s = nf_g_pdu(g, 0, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE, flags,
		NF_FIX_LOGIN | NF_FIX_CMDSN | NF_FIX_EXPSTATSN);
	if (s == NULL)
		return;
	static const uint32_t dsls[] = { 0, 1, 3, 4, 47, 48, 8191, 8192, 8193, 16384, 65535, 65536, 0xffffff };
	uint32_t dsl = chance(g, 80) ? dsls[pick(g, sizeof(dsls) / sizeof(dsls[0]))] : pick(g, 0x1000000);
	pdu_set_dsl(s->bhs, dsl);
	if (chance(g, 20))
		s->bhs[PDU_TOTAL_AHS_LEN] = (uint8_t)nf_edge32(g);
	/* What follows the BHS: less than it says, as much, or more. */
	uint32_t n = (uint32_t)k.len;
	switch (pick(g, 3)) {
	case 0: n = dsl > 0 ? pick(g, dsl < n ? dsl : n) : n; break;
	case 1: n = dsl < n ? dsl : n; break;
	default: break;
	}
	nf_set_data(s, k.buf, n);
	nf_g_recv(g, 0, 50 + pick(g, 200));
}

void nf_m_login_chap(struct nf_gen *g)
{
	nf_g_connect(g, 0, NULL);
	static struct keys k;
	k.len = 0;
	key(&k, "InitiatorName=" NF_INITIATOR);
	key(&k, "SessionType=Normal");
	keyf(&k, "TargetName=%s", g->cfg->ps.t1.iqn);
	key(&k, chance(g, 80) ? "AuthMethod=CHAP" : "AuthMethod=CHAP,None");
	g_login_pdus(g, 0, &k, ISCSI_STAGE_SECURITY, 1, true);
	static char v[G_KEYS_MAX / 2];
	k.len = 0;
	if (chance(g, 70)) {
		key(&k, "CHAP_A=5");
	} else {
		bad_value(g, v, 2000);
		keyf(&k, "CHAP_A=%s", v);
	}
	g_login_pdus(g, 0, &k, ISCSI_STAGE_SECURITY, 1, true);
	/* CHAP_R of every length around the digest's (16 bytes for MD5),
	 * as hex or base64, and a mutual challenge of odd lengths
	 * (CVE-2018-14633: a response longer than the buffer). */
	static const uint32_t lens[] = { 0, 1, 15, 16, 17, 20, 32, 33, 64, 128, 255, 256, 257, 1024, 2048, 4000 };
	k.len = 0;
	keyf(&k, "CHAP_N=%s", g->cfg->ps.chap_user[0] ? g->cfg->ps.chap_user : "netfuzz");
	uint32_t rl = lens[pick(g, sizeof(lens) / sizeof(lens[0]))];
	bool b64 = chance(g, 20);
	size_t o = (size_t)snprintf(v, sizeof(v), "CHAP_R=%s", b64 ? "0b" : "0x");
	for (uint32_t i = 0; i < rl && o + 3 < sizeof(v); i++)
		o += (size_t)snprintf(v + o, sizeof(v) - o, b64 ? "%c" : "%02x",
			b64 ? (unsigned)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[pick(g, 64)] :
			      pick(g, 256));
	key(&k, v);
	if (chance(g, 40)) {
		keyf(&k, "CHAP_I=%u", chance(g, 50) ? pick(g, 256) : nf_edge32(g));
		uint32_t cl = lens[pick(g, sizeof(lens) / sizeof(lens[0]))];
		o = (size_t)snprintf(v, sizeof(v), "CHAP_C=0x");
		for (uint32_t i = 0; i < cl && o + 3 < sizeof(v); i++)
			o += (size_t)snprintf(v + o, sizeof(v) - o, "%02x", pick(g, 256));
		key(&k, v);
	}
	g_login_pdus(g, 0, &k, ISCSI_STAGE_SECURITY, chance(g, 80) ? 1 : 2, true);
}

/* Text Requests in a session that reached full feature phase. */
static void g_text(struct nf_gen *g, unsigned conn)
{
	static struct keys k;
	static char v[G_KEYS_MAX / 2];
	k.len = 0;
	unsigned nk = 1 + pick(g, 4);
	for (unsigned i = 0; i < nk; i++) {
		if (chance(g, 30)) {
			key(&k, chance(g, 50) ? "SendTargets=All" : "SendTargets=");
			continue;
		}
		bad_value(g, v, chance(g, 10) ? sizeof(v) : 400);
		keyf(&k, "%s=%s", op_keys[pick(g, sizeof(op_keys) / sizeof(op_keys[0]))], v);
	}
	unsigned parts = chance(g, 60) ? 1 : 2 + pick(g, 4);
	bool never_ends = parts > 1 && chance(g, 30);
	size_t off = 0, chunk = (k.len + parts - 1) / parts;
	for (unsigned i = 0; i < parts; i++) {
		bool last = i + 1 == parts;
		bool cont = !last || never_ends;
		uint32_t fix = FIX_CMD & ~NF_FIX_LUN;
		if (i > 0 && chance(g, 85)) /* the exchange goes on: its ITT, the TTT the target gave */
			fix = (fix & ~(uint32_t)NF_FIX_ITT_NEW) | NF_FIX_ITT_LAST | NF_FIX_TTT_TEXT;
		struct nf_step *s = nf_g_pdu(g, conn, ISCSI_OP_TEXT_REQ | (chance(g, 10) ? ISCSI_FLAG_IMMEDIATE : 0),
			(uint8_t)((cont ? ISCSI_TEXT_CONTINUE : 0) | (!cont || chance(g, 5) ? ISCSI_FLAG_FINAL : 0)), fix);
		if (s == NULL)
			return;
		pdu_set_w(s->bhs, PDU_TEXT_TTT, i == 0 && chance(g, 90) ? ISCSI_TAG_RESERVED : nf_edge32(g));
		size_t n = off + chunk <= k.len ? chunk : k.len - off;
		nf_set_data(s, k.buf + off, (uint32_t)n);
		off += n;
		nf_g_recv(g, conn, 20 + pick(g, 80));
	}
}

void nf_m_text_keys(struct nf_gen *g)
{
	nf_g_open(g, 0, 0);
	unsigned n = 1 + pick(g, 3);
	for (unsigned i = 0; i < n; i++)
		g_text(g, 0);
}

void nf_m_discovery(struct nf_gen *g)
{
	nf_g_connect(g, 0, NULL);
	static struct keys k;
	k.len = 0;
	key(&k, "InitiatorName=" NF_INITIATOR);
	key(&k, "SessionType=Discovery");
	if (chance(g, 20))
		keyf(&k, "TargetName=%s", g->cfg->ps.t1.iqn);
	key(&k, "HeaderDigest=None");
	key(&k, "DataDigest=None");
	key(&k, "MaxRecvDataSegmentLength=8192");
	struct nf_step *s = nf_g_pdu(g, 0, ISCSI_OP_LOGIN_REQ | ISCSI_FLAG_IMMEDIATE,
		(uint8_t)(ISCSI_LOGIN_TRANSIT | ISCSI_STAGE_OPERATIONAL << ISCSI_LOGIN_CSG_SHIFT | ISCSI_STAGE_FULL_FEATURE),
		FIX_LOGIN);
	if (s == NULL)
		return;
	nf_set_data(s, k.buf, (uint32_t)k.len);
	nf_g_recv(g, 0, 50 + pick(g, 50));
	unsigned n = 1 + pick(g, 3);
	for (unsigned i = 0; i < n; i++) {
		if (chance(g, 70))
			g_text(g, 0);
		else /* a command a discovery session must refuse (§4.3) */
			nf_g_scsi(g, 0, 512);
		nf_g_recv(g, 0, 30);
	}
}
