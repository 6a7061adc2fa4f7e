/* Tests of the initiator's wire pieces: PDU framing, text keys, CHAP and
 * the login state machine against scripted target answers. */
#include <check.h>

#include "sim/initiator/chap.h"
#include "sim/initiator/text_keys.h"
#include "sim/initiator/login.h"
#include "sim/initiator/pdu.h"
#include "tmem.h"

/* Flatten a sealed PDU into bytes. */
static size_t flatten(const struct ipdu_tx *tx, uint8_t *out)
{
	size_t n = 0;
	for (int i = 0; i < tx->iovcnt; i++) {
		memcpy(out + n, tx->iov[i].iov_base, tx->iov[i].iov_len);
		n += tx->iov[i].iov_len;
	}
	return n;
}

static size_t make_pdu(uint8_t *out, uint32_t dsl, bool hd, bool dd)
{
	static uint8_t data[1000];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	struct ipdu_tx tx;
	pdu_init(tx.bhs, ISCSI_OP_DATA_IN, ISCSI_FLAG_FINAL);
	pdu_set_w(tx.bhs, PDU_ITT, 0x1234);
	ipdu_tx_seal(&tx, data, dsl, hd, dd);
	return flatten(&tx, out);
}

START_TEST(framer_gives_the_same_pdu_whole_or_byte_by_byte)
{
	struct tmem m;
	tmem_init(&m);
	uint8_t wire[1200];
	bool hd = _i & 1, dd = _i & 2;
	size_t n = make_pdu(wire, 999, hd, dd);
	ck_assert_uint_eq(n, 48 + 1000 + (hd ? 4 : 0) + (dd ? 4 : 0));
	struct ipdu_rx rx;
	ipdu_rx_init(&rx, &m.mem, 1024);
	rx.header_digest = hd;
	rx.data_digest = dd;
	size_t used;
	ck_assert_int_eq(ipdu_rx_feed(&rx, wire, n, &used), IPDU_READY);
	ck_assert_uint_eq(used, n);
	ck_assert_uint_eq(rx.dsl, 999);
	ck_assert_uint_eq(pdu_itt(rx.bhs), 0x1234);
	enum ipdu_rx_result r = IPDU_MORE;
	for (size_t i = 0; i < n; i++) {
		r = ipdu_rx_feed(&rx, wire + i, 1, &used);
		ck_assert_uint_eq(used, 1);
		ck_assert(i == n - 1 || r == IPDU_MORE);
	}
	ck_assert_int_eq(r, IPDU_READY);
	ck_assert_uint_eq(rx.data[998], (uint8_t)(998 * 3));
	ipdu_rx_fini(&rx);
	ck_assert_uint_eq(m.live, 0);
}
END_TEST

START_TEST(framer_detects_bad_digests_and_oversized_segments)
{
	struct tmem m;
	tmem_init(&m);
	uint8_t wire[1200];
	size_t n = make_pdu(wire, 100, true, true);
	struct ipdu_rx rx;
	size_t used;
	ipdu_rx_init(&rx, &m.mem, 1024);
	rx.header_digest = rx.data_digest = true;
	wire[60] ^= 0x40; /* a data byte */
	ck_assert_int_eq(ipdu_rx_feed(&rx, wire, n, &used), IPDU_BAD_DDIGEST);
	wire[60] ^= 0x40;
	wire[20] ^= 1; /* a header byte */
	ipdu_rx_fini(&rx);
	ipdu_rx_init(&rx, &m.mem, 1024);
	rx.header_digest = rx.data_digest = true;
	ck_assert_int_eq(ipdu_rx_feed(&rx, wire, n, &used), IPDU_BAD_HDIGEST);
	ipdu_rx_fini(&rx);
	n = make_pdu(wire, 999, false, false);
	ipdu_rx_init(&rx, &m.mem, 512);
	ck_assert_int_eq(ipdu_rx_feed(&rx, wire, n, &used), IPDU_TOO_LONG);
	ipdu_rx_fini(&rx);
	ck_assert_uint_eq(m.live, 0);
}
END_TEST

START_TEST(keys_get_add_and_walk)
{
	uint8_t buf[256];
	size_t len = 0;
	ck_assert(ikeys_add(buf, &len, sizeof(buf), "A", "1"));
	ck_assert(ikeys_add_u32(buf, &len, sizeof(buf), "MaxBurstLength", 4096));
	char v[32];
	ck_assert(ikeys_get(buf, len, "MaxBurstLength", v, sizeof(v)));
	ck_assert_str_eq(v, "4096");
	ck_assert(!ikeys_get(buf, len, "MaxBurst", v, sizeof(v)));
	ck_assert(!ikeys_add(buf, &len, 20, "Long", "value"));
	uint32_t u;
	ck_assert(ikeys_parse_u32("65536", 512, 16777215, &u) && u == 65536);
	ck_assert(!ikeys_parse_u32("100", 512, 16777215, &u));
	ck_assert(!ikeys_parse_u32("12a", 0, 100, &u));
}
END_TEST

START_TEST(keys_apply_outcomes_and_declarations)
{
	struct iparams p;
	iparams_default(&p);
	ck_assert_int_eq(ikeys_apply(&p, "MaxRecvDataSegmentLength", "4096", true), IKEYS_OK);
	ck_assert_uint_eq(p.tgt_mrdsl, 4096);
	ck_assert_uint_eq(p.ini_mrdsl, 8192);
	ck_assert_int_eq(ikeys_apply(&p, "HeaderDigest", "CRC32C", true), IKEYS_OK);
	ck_assert(p.header_digest);
	ck_assert_int_eq(ikeys_apply(&p, "InitialR2T", "No", true), IKEYS_OK);
	ck_assert(!p.initial_r2t);
	ck_assert_int_eq(ikeys_apply(&p, "MaxOutstandingR2T", "0", true), IKEYS_BAD_VALUE);
	ck_assert_int_eq(ikeys_apply(&p, "DataDigest", "CRC32C,None", true), IKEYS_BAD_VALUE);
	ck_assert_int_eq(ikeys_apply(&p, "TargetAlias", "x", true), IKEYS_UNKNOWN);
}
END_TEST

START_TEST(chap_responses_match_reference_digests)
{
	uint8_t ch[16], out[32];
	for (int i = 0; i < 16; i++)
		ch[i] = (uint8_t)i;
	char hex[80];
	ichap_response(ICHAP_MD5, 7, "secret-secret", ch, 16, out);
	ichap_encode_hex(out, 16, hex);
	ck_assert_str_eq(hex, "0x54a3be57b9f1659c9a82d46edca091b8");
	ichap_response(ICHAP_SHA256, 7, "secret-secret", ch, 16, out);
	ichap_encode_hex(out, 32, hex);
	ck_assert_str_eq(hex, "0x3bc23c68fdaba819025b2651f6b33e8fed5ec863ec653dfdc40a394c9332ad14");
	ck_assert_uint_eq(ichap_digest_len(99), 0);
}
END_TEST

START_TEST(chap_decodes_hex_odd_hex_and_base64)
{
	uint8_t b[8];
	ck_assert_int_eq(ichap_decode("0x0102ff", b, sizeof(b)), 3);
	ck_assert_uint_eq(b[2], 0xff);
	ck_assert_int_eq(ichap_decode("0xabc", b, sizeof(b)), 2);
	ck_assert_uint_eq(b[0], 0x0a);
	ck_assert_uint_eq(b[1], 0xbc);
	ck_assert_int_eq(ichap_decode("0bAQID", b, sizeof(b)), 3);
	ck_assert_uint_eq(b[2], 3);
	ck_assert_int_eq(ichap_decode("0xzz", b, sizeof(b)), -1);
	ck_assert_int_eq(ichap_decode("1234", b, sizeof(b)), -1);
	ck_assert_int_eq(ichap_decode("0x000102030405060708", b, sizeof(b)), -1);
}
END_TEST

/* ---- login against a scripted target ---- */

static const struct ilogin_cfg login_cfg = {
	.initiator_name = "iqn.2024-01.test:i", .target_name = "iqn.2024-01.test:t",
	.chap_user = "user", .chap_secret = "secret-secret", .chap_algs = "7,5",
	.mrdsl = 65536, .max_burst_length = 262144, .first_burst_length = 65536, .max_outstanding_r2t = 1,
	.initial_r2t = false, .immediate_data = true, .want_header_digest = true, .want_data_digest = false,
};

static uint8_t rsp_data[1024];
static size_t rsp_len;

static void rsp_key(const char *k, const char *v)
{
	ikeys_add(rsp_data, &rsp_len, sizeof(rsp_data), k, v);
}

static void rsp_bhs(uint8_t *bhs, const struct ilogin *l, uint8_t csg, uint8_t nsg, bool t, uint16_t tsih)
{
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, (uint8_t)((t ? ISCSI_LOGIN_TRANSIT : 0) | csg << 2 | (t ? nsg : 0)));
	memcpy(bhs + PDU_LOGIN_ISID, l->isid, 6);
	put_be16(bhs + PDU_LOGIN_TSIH, tsih);
	pdu_set_w(bhs, PDU_ITT, l->itt);
	pdu_set_w(bhs, PDU_TGT_STATSN, 100);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, l->cmdsn);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, l->cmdsn + 7);
}

START_TEST(login_runs_chap_then_operational_to_full_feature)
{
	struct ilogin l;
	struct ipdu_tx tx;
	struct sim_rng rng;
	rng_stream(&rng, 1, "t", 0);
	const uint8_t isid[6] = { 0x80, 0, 0, 1, 2, 3 };
	ck_assert_int_eq(ilogin_start(&l, &login_cfg, &rng, isid, 0, 0, 5, 1000, &tx), ILOGIN_SEND);
	ck_assert_uint_eq(pdu_opcode(tx.bhs), ISCSI_OP_LOGIN_REQ);
	ck_assert(!(pdu_flags(tx.bhs) & ISCSI_LOGIN_TRANSIT)); /* CHAP needs more steps */
	char v[64];
	ck_assert(ikeys_get(l.text, l.text_len, "AuthMethod", v, sizeof(v)));
	ck_assert_str_eq(v, "CHAP");
	uint8_t bhs[48];
	rsp_len = 0;
	rsp_key("AuthMethod", "CHAP");
	rsp_bhs(bhs, &l, 0, 1, false, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_SEND);
	ck_assert(ikeys_get(l.text, l.text_len, "CHAP_A", v, sizeof(v)));
	rsp_len = 0;
	rsp_key("CHAP_A", "5");
	rsp_key("CHAP_I", "7");
	rsp_key("CHAP_C", "0x000102030405060708090a0b0c0d0e0f");
	rsp_bhs(bhs, &l, 0, 1, false, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_SEND);
	ck_assert(ikeys_get(l.text, l.text_len, "CHAP_R", v, sizeof(v)));
	ck_assert_str_eq(v, "0x54a3be57b9f1659c9a82d46edca091b8");
	ck_assert(pdu_flags(tx.bhs) & ISCSI_LOGIN_TRANSIT);
	rsp_len = 0;
	rsp_bhs(bhs, &l, 0, 1, true, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, 0, &tx), ILOGIN_SEND);
	ck_assert(ikeys_get(l.text, l.text_len, "MaxBurstLength", v, sizeof(v)));
	rsp_len = 0;
	rsp_key("HeaderDigest", "CRC32C");
	rsp_key("DataDigest", "None");
	rsp_key("MaxRecvDataSegmentLength", "8192");
	rsp_key("MaxBurstLength", "65536");
	rsp_key("FirstBurstLength", "16384");
	rsp_key("InitialR2T", "No");
	rsp_key("ImmediateData", "Yes");
	rsp_bhs(bhs, &l, 1, 3, true, 0x44);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_DONE);
	ck_assert_uint_eq(l.tsih, 0x44);
	ck_assert_uint_eq(l.exp_statsn, 101);
	ck_assert(l.params.header_digest);
	ck_assert_uint_eq(l.params.tgt_mrdsl, 8192);
	ck_assert_uint_eq(l.params.ini_mrdsl, 65536);
	ck_assert_uint_eq(l.params.max_burst_length, 65536);
	ck_assert_uint_eq(l.params.first_burst_length, 16384);
}
END_TEST

static void to_operational(struct ilogin *l, struct ipdu_tx *tx)
{
	struct sim_rng rng;
	rng_stream(&rng, 1, "t", 0);
	static struct ilogin_cfg c;
	c = login_cfg;
	c.chap_user = NULL;
	c.skip_security = true;
	const uint8_t isid[6] = { 0x80, 0, 0, 1, 2, 3 };
	ck_assert_int_eq(ilogin_start(l, &c, &rng, isid, 0, 0, 5, 1000, tx), ILOGIN_SEND);
	ck_assert_uint_eq((pdu_flags(tx->bhs) >> 2) & 3, 1);
}

START_TEST(login_refuses_answers_outside_the_negotiation_rules)
{
	struct ilogin l;
	struct ipdu_tx tx;
	uint8_t bhs[48];
	to_operational(&l, &tx);
	rsp_len = 0;
	rsp_key("MaxBurstLength", "999999"); /* min() of ours (262144): cannot be larger */
	rsp_bhs(bhs, &l, 1, 3, true, 9);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_PROTOCOL);
	to_operational(&l, &tx);
	rsp_len = 0;
	rsp_key("DataDigest", "CRC32C"); /* we offered None only */
	rsp_bhs(bhs, &l, 1, 3, true, 9);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_PROTOCOL);
}
END_TEST

/* MaxConnections (§13.2, minimum): 1 unless the caller offers more; an
 * answer above the offer breaks the rule. */
START_TEST(login_offers_max_connections_and_takes_the_minimum)
{
	struct ilogin l;
	struct ipdu_tx tx;
	uint8_t bhs[48];
	char v[16];
	to_operational(&l, &tx);
	ck_assert(ikeys_get(l.text, l.text_len, "MaxConnections", v, sizeof(v)));
	ck_assert_str_eq(v, "1");
	rsp_len = 0;
	rsp_key("MaxConnections", "2");
	rsp_bhs(bhs, &l, 1, 3, true, 9);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_PROTOCOL);
	struct sim_rng rng;
	rng_stream(&rng, 1, "t", 0);
	static struct ilogin_cfg c;
	c = login_cfg;
	c.chap_user = NULL;
	c.skip_security = true;
	c.max_connections = 4;
	const uint8_t isid[6] = { 0x80, 0, 0, 1, 2, 3 };
	ck_assert_int_eq(ilogin_start(&l, &c, &rng, isid, 0, 0, 5, 1000, &tx), ILOGIN_SEND);
	ck_assert(ikeys_get(l.text, l.text_len, "MaxConnections", v, sizeof(v)));
	ck_assert_str_eq(v, "4");
	rsp_len = 0;
	rsp_key("MaxConnections", "2");
	rsp_bhs(bhs, &l, 1, 3, true, 9);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_DONE);
	ck_assert_uint_eq(l.params.max_connections, 2);
}
END_TEST

START_TEST(login_reports_status_class_and_missing_tsih)
{
	struct ilogin l;
	struct ipdu_tx tx;
	uint8_t bhs[48];
	to_operational(&l, &tx);
	rsp_bhs(bhs, &l, 1, 3, true, 9);
	put_be16(bhs + PDU_LOGIN_STATUS, ISCSI_LOGIN_AUTH_FAILED);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, NULL, 0, &tx), ILOGIN_REJECTED);
	ck_assert_uint_eq(l.status, ISCSI_LOGIN_AUTH_FAILED);
	to_operational(&l, &tx);
	rsp_bhs(bhs, &l, 1, 3, true, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, NULL, 0, &tx), ILOGIN_PROTOCOL);
	to_operational(&l, &tx);
	rsp_bhs(bhs, &l, 1, 3, false, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, NULL, 0, &tx), ILOGIN_SEND); /* T=0: ask again */
	rsp_bhs(bhs, &l, 0, 1, true, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, NULL, 0, &tx), ILOGIN_PROTOCOL); /* wrong stage */
}
END_TEST

START_TEST(login_fails_a_target_that_cannot_prove_itself)
{
	static struct ilogin_cfg c;
	c = login_cfg;
	c.target_user = "tgt";
	c.target_secret = "target-secret";
	struct ilogin l;
	struct ipdu_tx tx;
	struct sim_rng rng;
	rng_stream(&rng, 1, "t", 0);
	const uint8_t isid[6] = { 0x80, 0, 0, 1, 2, 3 };
	uint8_t bhs[48];
	ilogin_start(&l, &c, &rng, isid, 0, 0, 5, 1000, &tx);
	rsp_len = 0;
	rsp_key("AuthMethod", "CHAP");
	rsp_bhs(bhs, &l, 0, 1, false, 0);
	ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx);
	rsp_len = 0;
	rsp_key("CHAP_A", "7");
	rsp_key("CHAP_I", "1");
	rsp_key("CHAP_C", "0x0102030405060708");
	rsp_bhs(bhs, &l, 0, 1, false, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_SEND);
	char ci[8];
	ck_assert(ikeys_get(l.text, l.text_len, "CHAP_I", ci, sizeof(ci)));
	rsp_len = 0;
	rsp_key("CHAP_N", "tgt");
	rsp_key("CHAP_R", "0x00000000000000000000000000000000000000000000000000000000000000ff");
	rsp_bhs(bhs, &l, 0, 1, true, 0);
	ck_assert_int_eq(ilogin_on_rsp(&l, bhs, rsp_data, (uint32_t)rsp_len, &tx), ILOGIN_AUTH_FAILED);
}
END_TEST

Suite *suite_wire(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("wire");
	tcase_add_loop_test(tc, framer_gives_the_same_pdu_whole_or_byte_by_byte, 0, 4);
	tcase_add_test(tc, framer_detects_bad_digests_and_oversized_segments);
	tcase_add_test(tc, keys_get_add_and_walk);
	tcase_add_test(tc, keys_apply_outcomes_and_declarations);
	tcase_add_test(tc, chap_responses_match_reference_digests);
	tcase_add_test(tc, chap_decodes_hex_odd_hex_and_base64);
	tcase_add_test(tc, login_runs_chap_then_operational_to_full_feature);
	tcase_add_test(tc, login_refuses_answers_outside_the_negotiation_rules);
	tcase_add_test(tc, login_offers_max_connections_and_takes_the_minimum);
	tcase_add_test(tc, login_reports_status_class_and_missing_tsih);
	tcase_add_test(tc, login_fails_a_target_that_cannot_prove_itself);
	suite_add_tcase(s, tc);
	return s;
}
