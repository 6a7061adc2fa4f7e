/* isess_rig: see isess_rig.h. */
#include "isess_rig.h"

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
void feed(struct harness *h, uint8_t *bhs, const uint8_t *data, uint32_t len)
{
	struct ipdu_tx tx;
	memcpy(tx.bhs, bhs, 48);
	ipdu_tx_seal(&tx, data, len, false, false);
	for (int i = 0; i < tx.iovcnt; i++)
		isess_on_bytes(&h->s, h->now, tx.iov[i].iov_base, tx.iov[i].iov_len);
}

void target_pdu(struct harness *h, uint8_t *bhs, uint8_t op, uint8_t flags, uint32_t itt, bool status)
{
	pdu_init(bhs, op, flags);
	pdu_set_w(bhs, PDU_ITT, itt);
	pdu_set_w(bhs, PDU_OPCODE_SPECIFIC, ISCSI_TAG_RESERVED); /* TTT or SNACK Tag: none */
	pdu_set_w(bhs, PDU_TGT_STATSN, status ? h->statsn++ : h->statsn);
	pdu_set_w(bhs, PDU_TGT_EXPCMDSN, h->s.sn->exp_cmdsn);
	pdu_set_w(bhs, PDU_TGT_MAXCMDSN, h->s.sn->max_cmdsn);
}

/* Connect and log in with the given target answers; the window is
 * [cmdsn, cmdsn + window - 1]. */
void login(struct harness *h, const char *const *keys, uint32_t window)
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

const char *const plain_keys[] = { "HeaderDigest", "None", "DataDigest", "None",
	"MaxRecvDataSegmentLength", "512", "FirstBurstLength", "1024", "MaxBurstLength", "2048",
	"InitialR2T", "No", "ImmediateData", "Yes", NULL };

struct harness *setup(void)
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

void teardown(struct harness *h)
{
	isess_fini(&h->s);
	ipdu_rx_fini(&h->rx);
	ck_assert_uint_eq(h->m.live, 0);
}

void tick(struct harness *h, uint64_t to)
{
	while (isess_next_deadline(&h->s) <= to) {
		h->now = isess_next_deadline(&h->s);
		isess_on_time(&h->s, h->now);
	}
	h->now = to;
}

