/* The simulated initiator session against a scripted target: what it
 * puts on the wire for each RFC 7143 rule, and how it recovers. */
#include <check.h>

#include "sim/initiator/session.h"
#include "sim/base/time.h"
#include "tmem.h"

#define MAX_PDUS 64

struct harness {
	struct tmem m;
	struct isess s;
	struct isess_cfg cfg;
	struct ipdu_rx rx;          /* frames what the session sends */
	uint8_t bhs[MAX_PDUS][48];  /* PDUs sent since the last take() */
	uint32_t dsl[MAX_PDUS];
	uint8_t data[MAX_PDUS][1024];
	unsigned n;
	unsigned connects, disconnects;
	struct icmd *done[16];
	unsigned ndone;
	enum isess_event events[32];
	unsigned nevents;
	uint64_t now;
	uint32_t statsn;
};

static void h_connect(void *ctx, struct isess *s)
{
	(void)s;
	((struct harness *)ctx)->connects++;
}

static void h_send(void *ctx, struct isess *s, const struct iovec *iov, int n)
{
	(void)s;
	struct harness *h = ctx;
	for (int i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		while (len > 0) {
			size_t used;
			enum ipdu_rx_result r = ipdu_rx_feed(&h->rx, p, len, &used);
			p += used;
			len -= used;
			ck_assert(r == IPDU_MORE || r == IPDU_READY);
			if (r == IPDU_READY) {
				ck_assert_uint_lt(h->n, MAX_PDUS);
				memcpy(h->bhs[h->n], h->rx.bhs, 48);
				h->dsl[h->n] = h->rx.dsl;
				memcpy(h->data[h->n], h->rx.data, h->rx.dsl < 1024 ? h->rx.dsl : 1024);
				h->n++;
			}
		}
	}
}

static void h_disconnect(void *ctx, struct isess *s, bool graceful)
{
	(void)s;
	(void)graceful;
	((struct harness *)ctx)->disconnects++;
}

static void h_done(void *ctx, struct isess *s, struct icmd *c)
{
	(void)s;
	struct harness *h = ctx;
	h->done[h->ndone++] = c;
}

static void h_event(void *ctx, struct isess *s, enum isess_event ev, uint32_t detail, const char *why)
{
	(void)s;
	(void)detail;
	(void)why;
	struct harness *h = ctx;
	if (h->nevents < 32)
		h->events[h->nevents++] = ev;
}

static const struct isess_ops h_ops = { .connect = h_connect, .send = h_send, .disconnect = h_disconnect,
	.done = h_done, .event = h_event };

/* Feed the session one target PDU. */
static void feed(struct harness *h, uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct ipdu_tx tx;
	memcpy(tx.bhs, bhs, 48);
	ipdu_tx_seal(&tx, data, len, false, false);
	for (int i = 0; i < tx.iovcnt; i++)
		isess_on_bytes(&h->s, h->now, tx.iov[i].iov_base, tx.iov[i].iov_len);
}

static void target_pdu(struct harness *h, uint8_t *bhs, uint8_t op, uint8_t flags, uint32_t itt, bool status)
{
	pdu_init(bhs, op, flags);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_OPCODE_SPECIFIC, ISCSI_TAG_RESERVED); /* TTT or SNACK Tag: none */
	pdu_set_w(bhs, PDU_TGT_STATSN, status ? h->statsn++ : h->statsn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, h->s.exp_cmdsn);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, h->s.max_cmdsn);
}

/* Connect and log in with the given target answers; the window is
 * [cmdsn, cmdsn + window - 1]. */
static void login(struct harness *h, const char *const *keys, uint32_t window)
{
	unsigned before = h->n;
	isess_on_connected(&h->s, h->now);
	ck_assert_uint_eq(h->n, before + 1);
	const uint8_t *req = h->bhs[h->n - 1];
	ck_assert_uint_eq(pdu_opcode(req), ISCSI_OP_LOGIN_REQ);
	uint8_t bhs[48], text[512];
	size_t len = 0;
	for (const char *const *k = keys; *k != NULL; k += 2)
		ikeys_add(text, &len, sizeof(text), k[0], k[1]);
	pdu_init(bhs, ISCSI_OP_LOGIN_RSP, ISCSI_LOGIN_TRANSIT | 1u << 2 | 3u);
	memcpy(bhs + PDU_LOGIN_ISID, req + PDU_LOGIN_ISID, 6);
	put_be16(bhs + PDU_LOGIN_TSIH, 0x99);
	pdu_set_w(bhs, PDU_ITT, pdu_itt(req));
	pdu_set_w(bhs, PDU_TGT_STATSN, h->statsn++);
	uint32_t cmdsn = pdu_w(req, PDU_INI_CMDSN);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, cmdsn);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, cmdsn + window - 1);
	struct ipdu_tx tx;
	memcpy(tx.bhs, bhs, 48);
	ipdu_tx_seal(&tx, text, (uint32_t)len, false, false);
	for (int i = 0; i < tx.iovcnt; i++)
		isess_on_bytes(&h->s, h->now, tx.iov[i].iov_base, tx.iov[i].iov_len);
	ck_assert(isess_up(&h->s));
	h->n = 0;
}

static const char *const plain_keys[] = { "HeaderDigest", "None", "DataDigest", "None",
	"MaxRecvDataSegmentLength", "512", "FirstBurstLength", "1024", "MaxBurstLength", "2048",
	"InitialR2T", "No", "ImmediateData", "Yes", NULL };

static struct harness *setup(void)
{
	static struct harness h;
	memset(&h, 0, sizeof(h));
	tmem_init(&h.m);
	h.cfg = (struct isess_cfg){
		.login = { .initiator_name = "iqn.2024-01.test:i", .target_name = "iqn.2024-01.test:t",
			.skip_security = true, .mrdsl = 1024, .max_burst_length = 262144,
			.first_burst_length = 65536, .max_outstanding_r2t = 1, .initial_r2t = false,
			.immediate_data = true },
		.noop_interval_ns = SIM_S(5), .noop_timeout_ns = SIM_S(2), .login_timeout_ns = SIM_S(10),
		.replacement_timeout_ns = SIM_S(20), .cmd_timeout_ns = SIM_S(30), .tmf_timeout_ns = SIM_S(10),
		.reconnect_delay_ns = SIM_S(2), .logout_timeout_ns = SIM_S(10),
	};
	struct isess_ops ops = h_ops;
	ops.ctx = &h;
	struct sim_rng rng;
	rng_stream(&rng, 3, "t", 0);
	const uint8_t isid[6] = { 0x80, 0, 0, 0, 0, 1 };
	isess_init(&h.s, &h.cfg, &ops, &h.m.mem, &rng, isid);
	ipdu_rx_init(&h.rx, &h.m.mem, 70000);
	h.statsn = 500;
	isess_start(&h.s, 0);
	ck_assert_uint_eq(h.connects, 1);
	return &h;
}

static void teardown(struct harness *h)
{
	isess_fini(&h->s);
	ipdu_rx_fini(&h->rx);
	ck_assert_uint_eq(h->m.live, 0);
}

static void tick(struct harness *h, uint64_t to)
{
	while (isess_next_deadline(&h->s) <= to) {
		h->now = isess_next_deadline(&h->s);
		isess_on_time(&h->s, h->now);
	}
	h->now = to;
}

START_TEST(write_sends_immediate_and_unsolicited_data_then_answers_r2t)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	static uint8_t buf[4096];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i / 7);
	struct icmd c = { .dir = ICMD_OUT, .buf = buf, .len = 4096, .attr = 1 };
	c.cdb[0] = 0x2a;
	isess_submit(&h->s, h->now, &c);
	/* Command + 512 immediate, then one unsolicited Data-Out to FirstBurstLength. */
	ck_assert_uint_eq(h->n, 2);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_SCSI_CMD);
	ck_assert_uint_eq(h->dsl[0], 512);
	ck_assert(!(pdu_flags(h->bhs[0]) & ISCSI_FLAG_FINAL)); /* unsolicited data follows */
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_SCSI_CMD_EDTL), 4096);
	ck_assert_uint_eq(pdu_opcode(h->bhs[1]), ISCSI_OP_DATA_OUT);
	ck_assert_uint_eq(pdu_w(h->bhs[1], PDU_DATA_OUT_TTT), ISCSI_TAG_RESERVED);
	ck_assert_uint_eq(pdu_w(h->bhs[1], PDU_DATA_OUT_BUFFER_OFFSET), 512);
	ck_assert(pdu_final(h->bhs[1]));
	uint32_t itt = pdu_itt(h->bhs[0]);
	h->n = 0;
	uint8_t r2t[48];
	target_pdu(h, r2t, ISCSI_OP_R2T, ISCSI_FLAG_FINAL, itt, false);
	pdu_set_w(r2t, PDU_R2T_TTT, 0x77);
	pdu_set_w(r2t, PDU_R2T_R2TSN, 0);
	pdu_set_w(r2t, PDU_R2T_BUFFER_OFFSET, 1024);
	pdu_set_w(r2t, PDU_R2T_DESIRED_LENGTH, 2048);
	feed(h, r2t, NULL, 0);
	ck_assert_uint_eq(h->n, 4); /* 2048 bytes in 512-byte PDUs */
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(pdu_w(h->bhs[i], PDU_DATA_OUT_TTT), 0x77);
		ck_assert_uint_eq(pdu_w(h->bhs[i], PDU_DATA_OUT_DATASN), i);
		ck_assert_uint_eq(pdu_w(h->bhs[i], PDU_DATA_OUT_BUFFER_OFFSET), 1024 + 512 * i);
		ck_assert(pdu_final(h->bhs[i]) == (i == 3));
		ck_assert_int_eq(memcmp(h->data[i], buf + 1024 + 512 * i, 512), 0);
	}
	h->n = 0;
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_SCSI_RSP, ISCSI_FLAG_FINAL, itt, true);
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_OK);
	ck_assert_uint_eq(h->s.exp_statsn, h->statsn);
	teardown(h);
}
END_TEST

START_TEST(commands_wait_for_the_window_to_open)
{
	struct harness *h = setup();
	login(h, plain_keys, 2);
	struct icmd c[3];
	for (int i = 0; i < 3; i++) {
		c[i] = (struct icmd){ .dir = ICMD_NONE, .attr = 1 };
		isess_submit(&h->s, h->now, &c[i]);
	}
	ck_assert_uint_eq(h->n, 2);
	ck_assert_uint_eq(pdu_w(h->bhs[1], PDU_INI_CMDSN), pdu_w(h->bhs[0], PDU_INI_CMDSN) + 1);
	uint32_t first = pdu_w(h->bhs[0], PDU_INI_CMDSN);
	h->n = 0;
	uint8_t nop[48];
	target_pdu(h, nop, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	pdu_set_w(nop, PDU_TGT_EXPCMDSN, first);
	pdu_set_w(nop, PDU_TGT_MAXCMDSN, first + 2); /* one more slot */
	feed(h, nop, NULL, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_INI_CMDSN), first + 2);
	/* MaxCmdSN < ExpCmdSN - 1: both ignored (§4.2.2.1). */
	pdu_set_w(nop, PDU_TGT_EXPCMDSN, first + 10);
	pdu_set_w(nop, PDU_TGT_MAXCMDSN, first + 5);
	feed(h, nop, NULL, 0);
	ck_assert_uint_eq(h->s.max_cmdsn, first + 2);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(read_reassembles_data_in_and_takes_collapsed_status)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	static uint8_t buf[1024];
	struct icmd c = { .dir = ICMD_IN, .buf = buf, .len = 1024, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint32_t itt = pdu_itt(h->bhs[0]);
	uint8_t data[512], bhs[48];
	for (int k = 0; k < 2; k++) {
		memset(data, 'a' + k, sizeof(data));
		target_pdu(h, bhs, ISCSI_OP_DATA_IN, k ? ISCSI_FLAG_FINAL | ISCSI_DATAIN_STATUS : 0, itt, k == 1);
		pdu_set_w(bhs, PDU_DATA_IN_DATASN, (uint32_t)k);
		pdu_set_w(bhs, PDU_DATA_IN_BUFFER_OFFSET, (uint32_t)k * 512);
		feed(h, bhs, data, 512);
	}
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_OK);
	ck_assert_uint_eq(c.data_in, 1024);
	ck_assert_uint_eq(buf[0], 'a');
	ck_assert_uint_eq(buf[1023], 'b');
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(data_in_out_of_order_drops_the_connection)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	static uint8_t buf[1024];
	struct icmd c = { .dir = ICMD_IN, .buf = buf, .len = 1024, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint8_t bhs[48], data[512] = { 0 };
	target_pdu(h, bhs, ISCSI_OP_DATA_IN, 0, pdu_itt(h->bhs[0]), false);
	pdu_set_w(bhs, PDU_DATA_IN_DATASN, 1); /* DataSN 1 first */
	feed(h, bhs, data, 512);
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_int_eq(h->s.state, ISS_IDLE);
	ck_assert_uint_eq(h->ndone, 0); /* held for the next connection */
	isess_logout(&h->s, h->now);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_TRANSPORT);
	teardown(h);
}
END_TEST

START_TEST(unanswered_ping_drops_and_reconnects)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	tick(h, SIM_S(5));
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_NOP_OUT);
	ck_assert(pdu_immediate(h->bhs[0]));
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_NOP_TTT), ISCSI_TAG_RESERVED);
	tick(h, SIM_S(7) + 1);
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_uint_eq(h->s.stats.nop_timeouts, 1);
	tick(h, SIM_S(9) + 2);
	ck_assert_uint_eq(h->connects, 2); /* reconnect_delay later */
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* Linux's NOP-Out timer (libiscsi.c, iscsi_check_transport_timeouts):
 * no ping while bytes keep coming; one after noop_interval (5 s here) of
 * silence; the connection fails noop_interval + noop_timeout (2 s) after
 * the last byte received, and bytes received while a ping is unanswered
 * push that on. */
static void unsolicited_nop_in(struct harness *h)
{
	uint8_t bhs[48];
	target_pdu(h, bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	feed(h, bhs, NULL, 0);
}

START_TEST(ping_only_after_noop_interval_of_silence)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	for (uint64_t t = 1; t <= 10; t++) {
		tick(h, SIM_S(t));
		unsolicited_nop_in(h);
	}
	ck_assert_uint_eq(h->n, 0); /* traffic every second: never a ping */
	tick(h, SIM_S(15) - 1);
	ck_assert_uint_eq(h->n, 0);
	tick(h, SIM_S(15));
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_NOP_OUT);
	tick(h, SIM_S(16));
	unsolicited_nop_in(h); /* bytes, not the answer: the timeout moves to 16 + 5 + 2 */
	tick(h, SIM_S(23) - 1);
	ck_assert_uint_eq(h->disconnects, 0);
	ck_assert_uint_eq(h->n, 1); /* one ping in flight at most */
	tick(h, SIM_S(23));
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_uint_eq(h->s.stats.nop_timeouts, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(target_ping_is_answered_with_its_tag)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	uint8_t bhs[48];
	target_pdu(h, bhs, ISCSI_OP_NOP_IN, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, false);
	pdu_set_w(bhs, PDU_NOP_TTT, 0xabcd);
	feed(h, bhs, (const uint8_t *)"ping", 4);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_NOP_OUT);
	ck_assert_uint_eq(pdu_itt(h->bhs[0]), ISCSI_TAG_RESERVED);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_NOP_TTT), 0xabcd);
	ck_assert_uint_eq(h->dsl[0], 4);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(recovery_resends_held_commands_on_the_new_connection)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint32_t old_itt = pdu_itt(h->bhs[0]);
	isess_on_closed(&h->s, h->now);
	ck_assert_int_eq(h->s.state, ISS_IDLE);
	ck_assert_uint_eq(h->ndone, 0);
	tick(h, SIM_S(2));
	ck_assert_uint_eq(h->connects, 2);
	login(h, plain_keys, 8);
	ck_assert_uint_eq(h->n, 0);
	/* login() cleared the capture after the login PDU; the re-send follows it. */
	ck_assert_uint_eq(h->s.stats.resends, 1);
	ck_assert_uint_eq(h->s.in_flight, 1);
	ck_assert_uint_ne(c.itt, old_itt);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(replacement_timeout_fails_held_commands_and_new_ones_fail_fast)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 }, d = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	isess_on_closed(&h->s, h->now);
	tick(h, SIM_S(20) + 1);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_TRANSPORT);
	ck_assert(h->s.failed_fast);
	isess_submit(&h->s, h->now, &d);
	ck_assert_uint_eq(h->ndone, 2);
	ck_assert_int_eq(d.result, ICMD_TRANSPORT);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(timed_out_command_is_aborted_with_abort_task)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	isess_submit(&h->s, h->now, &c);
	uint32_t itt = pdu_itt(h->bhs[0]), cmdsn = pdu_w(h->bhs[0], PDU_INI_CMDSN);
	h->cfg.noop_interval_ns = 0;
	h->s.nop_at = SIM_NEVER;
	h->n = 0;
	tick(h, SIM_S(30));
	ck_assert_uint_eq(h->n, 1);
	const uint8_t *tmf = h->bhs[0];
	ck_assert_uint_eq(pdu_opcode(tmf), ISCSI_OP_TMF_REQ);
	ck_assert_uint_eq(pdu_flags(tmf) & ISCSI_FUNCTION_MASK, ISCSI_TMF_ABORT_TASK);
	ck_assert_uint_eq(pdu_w(tmf, PDU_TMF_REF_TASK_TAG), itt);
	ck_assert_uint_eq(pdu_w(tmf, PDU_TMF_REFCMDSN), cmdsn);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, pdu_itt(tmf), true);
	rsp[PDU_TMF_RESPONSE] = ISCSI_TMF_RSP_COMPLETE;
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_ABORTED);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* A command whose ABORT TASK is unanswered, under tmf_escalation=linux:
 * returns the harness with the LU reset just sent (h->bhs[0]). */
static struct harness *escalated(struct icmd *c, enum isess_escalation esc)
{
	struct harness *h = setup();
	h->cfg.escalation = esc;
	h->cfg.noop_interval_ns = 0;
	login(h, plain_keys, 8);
	h->s.nop_at = SIM_NEVER;
	isess_submit(&h->s, h->now, c);
	h->n = 0;
	tick(h, SIM_S(30));
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_ABORT_TASK);
	h->n = 0;
	tick(h, SIM_S(40)); /* tmf_timeout: 10 s */
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_TMF_REQ);
	return h;
}

START_TEST(unanswered_abort_escalates_to_lu_reset_then_target_reset_then_drops)
{
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	struct harness *h = escalated(&c, ISESS_ESC_LINUX);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_LOGICAL_UNIT_RESET);
	ck_assert_uint_eq(pdu_w(h->bhs[0], PDU_TMF_REF_TASK_TAG), ISCSI_TAG_RESERVED);
	/* refused (RFC 7143 §11.6.1 response 6): the next step at once */
	uint8_t rsp[48];
	h->n = 0;
	target_pdu(h, rsp, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	rsp[PDU_TMF_RESPONSE] = ISCSI_TMF_RSP_AUTH_FAILED;
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_TARGET_WARM_RESET);
	ck_assert_uint_eq(h->disconnects, 0);
	/* unanswered for tmf_timeout: the connection goes, the command waits for the new one */
	tick(h, SIM_S(51));
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_uint_eq(h->ndone, 0);
	ck_assert_uint_eq(h->s.stats.lu_resets, 1);
	ck_assert_uint_eq(h->s.stats.target_resets, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(lu_reset_complete_ends_the_command_whose_abort_went_unanswered)
{
	struct icmd c = { .dir = ICMD_NONE, .attr = 1 };
	struct harness *h = escalated(&c, ISESS_ESC_TASK_SET);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]) & ISCSI_FUNCTION_MASK, ISCSI_TMF_ABORT_TASK_SET);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_TMF_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	rsp[PDU_TMF_RESPONSE] = ISCSI_TMF_RSP_COMPLETE;
	feed(h, rsp, NULL, 0);
	ck_assert_uint_eq(h->ndone, 1);
	ck_assert_int_eq(c.result, ICMD_ABORTED);
	ck_assert_uint_eq(h->disconnects, 0);
	ck_assert_uint_eq(h->s.stats.esc_done, 1);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

START_TEST(logout_waits_for_the_response_then_closes)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	isess_logout(&h->s, h->now);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_LOGOUT_REQ);
	ck_assert_uint_eq(pdu_flags(h->bhs[0]), ISCSI_FLAG_FINAL | ISCSI_LOGOUT_SESSION);
	ck_assert_int_eq(h->s.state, ISS_LOGOUT);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	feed(h, rsp, NULL, 0);
	ck_assert_int_eq(h->s.state, ISS_CLOSED);
	ck_assert_uint_eq(h->disconnects, 1);
	ck_assert_int_eq(h->events[h->nevents - 1], ISE_CLOSED);
	tick(h, SIM_S(100));
	ck_assert_uint_eq(h->connects, 1); /* never again */
	teardown(h);
}
END_TEST

START_TEST(async_logout_request_logs_out_and_comes_back)
{
	struct harness *h = setup();
	login(h, plain_keys, 8);
	uint8_t msg[48];
	target_pdu(h, msg, ISCSI_OP_ASYNC, ISCSI_FLAG_FINAL, ISCSI_TAG_RESERVED, true);
	msg[36] = ISCSI_ASYNC_LOGOUT_REQUEST;
	feed(h, msg, NULL, 0);
	ck_assert_uint_eq(h->n, 1);
	ck_assert_uint_eq(pdu_opcode(h->bhs[0]), ISCSI_OP_LOGOUT_REQ);
	uint8_t rsp[48];
	target_pdu(h, rsp, ISCSI_OP_LOGOUT_RSP, ISCSI_FLAG_FINAL, pdu_itt(h->bhs[0]), true);
	put_be16(rsp + PDU_LOGOUT_TIME2WAIT, 3);
	feed(h, rsp, NULL, 0);
	ck_assert_int_eq(h->s.state, ISS_IDLE);
	tick(h, h->now + SIM_S(3) + 1);
	ck_assert_uint_eq(h->connects, 2);
	isess_logout(&h->s, h->now);
	teardown(h);
}
END_TEST

/* ---- ErrorRecoveryLevel 1 (RFC 7143 §7.1-§7.4, §11.16) ---- */

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
	uint32_t next = h->s.cmdsn;
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
	ck_assert_uint_eq(h->s.cmdsn, next); /* no CmdSN taken */
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

Suite *suite_isess(void)
{
	Suite *s = suite_create("isess");
	TCase *tc = tcase_create("isess");
	tcase_add_test(tc, write_sends_immediate_and_unsolicited_data_then_answers_r2t);
	tcase_add_test(tc, commands_wait_for_the_window_to_open);
	tcase_add_test(tc, read_reassembles_data_in_and_takes_collapsed_status);
	tcase_add_test(tc, data_in_out_of_order_drops_the_connection);
	tcase_add_test(tc, unanswered_ping_drops_and_reconnects);
	tcase_add_test(tc, ping_only_after_noop_interval_of_silence);
	tcase_add_test(tc, target_ping_is_answered_with_its_tag);
	tcase_add_test(tc, recovery_resends_held_commands_on_the_new_connection);
	tcase_add_test(tc, replacement_timeout_fails_held_commands_and_new_ones_fail_fast);
	tcase_add_test(tc, timed_out_command_is_aborted_with_abort_task);
	tcase_add_test(tc, unanswered_abort_escalates_to_lu_reset_then_target_reset_then_drops);
	tcase_add_test(tc, lu_reset_complete_ends_the_command_whose_abort_went_unanswered);
	tcase_add_test(tc, logout_waits_for_the_response_then_closes);
	tcase_add_test(tc, async_logout_request_logs_out_and_comes_back);
	tcase_add_test(tc, erl1_data_digest_error_on_data_in_asks_a_data_snack);
	tcase_add_test(tc, erl0_data_digest_error_drops_the_connection);
	tcase_add_test(tc, erl1_statsn_gap_asks_a_status_snack_and_keeps_expstatsn_at_the_hole);
	tcase_add_test(tc, erl1_rejected_command_is_retried_with_its_itt_and_cmdsn);
	tcase_add_test(tc, erl0_command_rejected_for_a_digest_error_costs_the_connection);
	tcase_add_test(tc, erl1_header_digest_error_discards_one_pdu);
	tcase_add_test(tc, erl1_command_the_target_never_got_is_retried);
	suite_add_tcase(s, tc);
	return s;
}
