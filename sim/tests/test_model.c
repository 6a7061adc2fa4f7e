/* The simulated network and disk: what arrives, when, in what pieces,
 * and what survives. */
#include <check.h>

#include "sim/infra/disk.h"
#include "sim/infra/simnet.h"
#include "sim/base/time.h"
#include "tdisk.h"
#include "tmem.h"

/* ---- network ---- */

#define NH_GOT_MAX (3 * SIMNET_READ_MAX) /* bytes a test end can receive */

struct nh {
	struct tmem m;
	struct evq q;
	struct sim_trace tr;
	struct simnet n;
	uint8_t got[2][NH_GOT_MAX];
	size_t got_len[2];
	unsigned pieces[2];
	size_t piece_max[2];
	unsigned odd_cuts;  /* pieces ending inside a 100-byte send */
	unsigned closed[2], resets[2], connected_ok, connected_fail, accepts;
	bool refuse;
	size_t read_quota[2];   /* 0: reads everything; else stops reading (holds) once it got this many */
	unsigned sent_calls[2]; /* ops->sent, by sending side */
	uint64_t sent_unsent[2]; /* its last answer */
	bool reset_in_read[2];  /* resets the connection from inside its first read */
};

static bool n_accept(void *ctx, struct simnet_conn *c)
{
	(void)c;
	struct nh *h = ctx;
	h->accepts++;
	return !h->refuse;
}

static void n_connected(void *ctx, struct simnet_conn *c, bool ok)
{
	(void)c;
	struct nh *h = ctx;
	if (ok)
		h->connected_ok++;
	else
		h->connected_fail++;
}

static size_t n_deliver(void *ctx, struct simnet_conn *c, enum simnet_side to, const uint8_t *p, size_t len)
{
	struct nh *h = ctx;
	ck_assert(!c->read_held[to]);
	if (h->reset_in_read[to]) {
		/* What a receiver does that resets in the middle of its
		 * read and goes on with the bytes it was given. */
		h->reset_in_read[to] = false;
		simnet_reset(&h->n, c, "test");
	}
	if (h->read_quota[to] > 0 && h->got_len[to] + len > h->read_quota[to]) {
		/* It takes what fits its quota and stops reading, mid-piece. */
		len = h->read_quota[to] - h->got_len[to];
		simnet_hold_reading(&h->n, c, to, true);
	}
	if (h->got_len[to] + len <= NH_GOT_MAX) /* beyond: counted, not kept */
		memcpy(h->got[to] + h->got_len[to], p, len);
	h->got_len[to] += len;
	h->pieces[to]++;
	if (len > h->piece_max[to])
		h->piece_max[to] = len;
	h->odd_cuts += h->got_len[to] % 100 != 0;
	return len;
}

static void n_closed(void *ctx, struct simnet_conn *c, enum simnet_side to, bool reset)
{
	(void)c;
	struct nh *h = ctx;
	h->closed[to]++;
	h->resets[to] += reset;
}

static void n_wire(void *ctx, struct simnet_conn *c, enum simnet_wire w, enum simnet_side from, const uint8_t *p, size_t len)
{
	(void)ctx, (void)c, (void)w, (void)from, (void)p, (void)len;
}

static void n_sent(void *ctx, struct simnet_conn *c, enum simnet_side from, uint64_t unsent)
{
	struct nh *h = ctx;
	ck_assert_uint_eq(unsent, simnet_unsent(&h->n, c, from));
	h->sent_calls[from]++;
	h->sent_unsent[from] = unsent;
}

static struct nh *simnet_setup(uint32_t split_ppm)
{
	static struct nh h;
	memset(&h, 0, sizeof(h));
	tmem_init(&h.m);
	evq_init(&h.q, &h.m.mem);
	trace_init(&h.tr, 0);
	struct simnet_params p = { .latency = { .min_ns = SIM_US(100), .exp_mean_ns = SIM_US(50) },
		.split_ppm = split_ppm, .tiny_ppm = 300000, .rst_latency_ns = SIM_US(10),
		.sockbuf_bytes = SIMNET_SOCKBUF_BYTES };
	struct simnet_ops ops = { &h, n_accept, n_connected, n_deliver, n_closed, n_wire, n_sent };
	struct sim_rng rng;
	rng_stream(&rng, 5, "net", 0);
	simnet_init(&h.n, &h.m.mem, &h.q, &h.tr, &rng, &p, &ops, 2, 2);
	return &h;
}

static void run_until(struct nh *h, uint64_t t)
{
	while (evq_run_one(&h->q, t))
		;
	h->q.now = t > h->q.now ? t : h->q.now;
}

static void simnet_teardown(struct nh *h)
{
	simnet_fini(&h->n);
	evq_fini(&h->q);
	ck_assert_uint_eq(h->m.live, 0);
}

static struct simnet_conn *open_conn(struct nh *h)
{
	struct simnet_conn *c = simnet_connect(&h->n, 0, 0, 1, NULL);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->connected_ok, 1);
	return c;
}

static void send_str(struct nh *h, struct simnet_conn *c, enum simnet_side from, const uint8_t *p, size_t len)
{
	struct iovec iov = { (void *)(uintptr_t)p, len };
	ck_assert_int_eq(simnet_send(&h->n, c, from, &iov, 1), 0);
}

START_TEST(simnet_keeps_byte_order_whatever_the_pieces)
{
	struct nh *h = simnet_setup(800000);
	struct simnet_conn *c = open_conn(h);
	uint8_t msg[4000];
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13 + i / 256);
	for (unsigned k = 0; k < 40; k++)
		send_str(h, c, SIMNET_INI, msg + k * 100, 100);
	run_until(h, h->q.now + SIM_S(1));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], sizeof(msg));
	ck_assert_int_eq(memcmp(h->got[SIMNET_GW], msg, sizeof(msg)), 0);
	ck_assert_uint_gt(h->odd_cuts, 5); /* cut at arbitrary boundaries, not at sends */
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_reader_that_stops_shuts_the_window_and_bytes_are_counted)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	send_str(h, c, SIMNET_GW, (const uint8_t *)"login", 5);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_INI], 5);
	simnet_stop_reading(&h->n, c, SIMNET_INI);
	static uint8_t big[100000];
	for (int k = 0; k < 10; k++)
		send_str(h, c, SIMNET_GW, big, sizeof(big));
	send_str(h, c, SIMNET_INI, (const uint8_t *)"more", 4); /* it still sends */
	run_until(h, h->q.now + SIM_S(5));
	ck_assert_uint_eq(h->got_len[SIMNET_INI], 5); /* nothing more delivered */
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 4);
	ck_assert_uint_eq(c->pipe[SIMNET_GW].queued, 10 * sizeof(big));
	ck_assert_uint_eq(h->n.gw_unsent[1], 10 * sizeof(big));
	ck_assert_uint_ge(h->n.stats_gw_unsent_max, 10 * sizeof(big));
	ck_assert_uint_gt(h->n.stats_window_shut, 0);
	/* Closing the gateway's end resets the connection (the FIN would
	 * wait behind unread bytes for ever); the bytes are gone. */
	simnet_close(&h->n, c, SIMNET_GW);
	run_until(h, h->q.now + SIM_S(1));
	ck_assert_uint_eq(h->resets[SIMNET_INI], 1);
	ck_assert_uint_eq(h->n.gw_unsent[1], 0);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_partition_holds_bytes_until_it_heals)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_INI, true);
	send_str(h, c, SIMNET_INI, (const uint8_t *)"hello", 5);
	send_str(h, c, SIMNET_GW, (const uint8_t *)"back", 4); /* the other way still flows */
	run_until(h, h->q.now + SIM_S(5));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 0);
	ck_assert_uint_eq(h->got_len[SIMNET_INI], 4);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_INI, false);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 5);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_syn_into_partition_is_retransmitted_and_forms_at_the_first_after_the_heal)
{
	struct nh *h = simnet_setup(0);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_INI, true);
	simnet_connect(&h->n, 0, 0, 1, NULL);
	run_until(h, SIM_S(5));
	ck_assert_uint_eq(h->accepts, 0);
	ck_assert_uint_eq(h->connected_ok + h->connected_fail, 0);
	ck_assert_uint_eq(h->n.stats_syn_lost, 3); /* sent at 0, 1 and 3 s (RFC 6298: 1 s, doubling) */
	simnet_set_blocked(&h->n, 0, 1, SIMNET_INI, false);
	run_until(h, SIM_MS(6990));
	ck_assert_uint_eq(h->accepts, 0); /* the next retransmission is at 7 s */
	run_until(h, SIM_MS(7010));
	ck_assert_uint_eq(h->accepts, 1);
	ck_assert_uint_eq(h->connected_ok, 1);
	run_until(h, SIM_S(200));
	ck_assert_uint_eq(h->connected_ok + h->connected_fail, 1); /* told once */
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_syn_unanswered_through_every_retransmission_times_out)
{
	struct nh *h = simnet_setup(0);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_INI, true);
	simnet_connect(&h->n, 0, 0, 1, NULL);
	run_until(h, SIM_MS(126990));
	ck_assert_uint_eq(h->connected_fail, 0);
	ck_assert_uint_eq(h->n.stats_syn_lost, 1 + SIMNET_SYN_RETRIES_MAX);
	run_until(h, SIM_MS(127010)); /* tcp_syn_retries 6: ETIMEDOUT at 127 s */
	ck_assert_uint_eq(h->connected_fail, 1);
	ck_assert_uint_eq(h->connected_ok, 0);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_syn_closed_by_the_initiator_is_not_retransmitted)
{
	struct nh *h = simnet_setup(0);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_INI, true);
	struct simnet_conn *c = simnet_connect(&h->n, 0, 0, 1, NULL);
	run_until(h, SIM_S(2));
	simnet_abort(&h->n, c, SIMNET_INI); /* its login timeout */
	simnet_set_blocked(&h->n, 0, 1, SIMNET_INI, false);
	run_until(h, SIM_S(200));
	ck_assert_uint_eq(h->accepts, 0);
	ck_assert_uint_eq(h->connected_ok + h->connected_fail, 0);
	ck_assert_uint_eq(h->n.stats_syn_lost, 2);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_synack_into_partition_is_retransmitted_and_told_once)
{
	struct nh *h = simnet_setup(0);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_GW, true);
	simnet_connect(&h->n, 0, 0, 1, NULL);
	run_until(h, SIM_S(2));
	ck_assert_uint_eq(h->accepts, 1);
	ck_assert_uint_eq(h->connected_ok, 0);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_GW, false);
	run_until(h, SIM_MS(2990));
	ck_assert_uint_eq(h->connected_ok, 0);
	/* At 3 s both kernels retransmit (the gateway's SYN-ACK timer,
	 * tcp_synack_retries, and the initiator's SYN, answered again). */
	run_until(h, SIM_MS(3010));
	ck_assert_uint_eq(h->connected_ok, 1);
	run_until(h, SIM_S(200));
	ck_assert_uint_eq(h->connected_ok + h->connected_fail, 1);
	ck_assert_uint_eq(h->accepts, 1);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_powered_off_gateway_bytes_held_by_a_partition_die_with_it)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_GW, true);
	send_str(h, c, SIMNET_GW, (const uint8_t *)"late", 4);
	simnet_close(&h->n, c, SIMNET_GW);
	run_until(h, h->q.now + SIM_S(1));
	simnet_gw_state(&h->n, 1, SIMNET_NODE_DOWN);
	simnet_gw_crash_silent(&h->n, 1);
	ck_assert_uint_eq(h->n.gw_unsent[1], 0);
	simnet_set_blocked(&h->n, 0, 1, SIMNET_GW, false);
	run_until(h, h->q.now + SIM_S(10));
	ck_assert_uint_eq(h->got_len[SIMNET_INI], 0); /* nothing it had queued, not even its FIN */
	ck_assert_uint_eq(h->closed[SIMNET_INI], 0);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_powered_off_gateway_bytes_on_a_flowing_link_still_arrive)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	send_str(h, c, SIMNET_GW, (const uint8_t *)"sent", 4);
	simnet_gw_state(&h->n, 1, SIMNET_NODE_DOWN);
	simnet_gw_crash_silent(&h->n, 1); /* the segment is on the wire already */
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_INI], 4);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_reset_tells_both_ends_and_drops_queued_bytes)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	send_str(h, c, SIMNET_INI, (const uint8_t *)"lost", 4);
	simnet_reset(&h->n, c, "test");
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 0);
	ck_assert_uint_eq(h->resets[SIMNET_INI], 1);
	ck_assert_uint_eq(h->resets[SIMNET_GW], 1);
	ck_assert_int_eq(simnet_send(&h->n, c, SIMNET_INI, &(struct iovec){ (void *)(uintptr_t)"x", 1 }, 1), -1);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_close_delivers_data_then_fin)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	send_str(h, c, SIMNET_GW, (const uint8_t *)"bye", 3);
	simnet_close(&h->n, c, SIMNET_GW);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_INI], 3);
	ck_assert_uint_eq(h->closed[SIMNET_INI], 1);
	ck_assert_uint_eq(h->resets[SIMNET_INI], 0);
	ck_assert_uint_eq(h->closed[SIMNET_GW], 0); /* the closer is not told */
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_crashed_gateway_resets_peers_and_refuses_until_restart)
{
	struct nh *h = simnet_setup(0);
	open_conn(h);
	simnet_gw_state(&h->n, 1, SIMNET_NODE_DOWN);
	simnet_gw_crash_rst(&h->n, 1);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->resets[SIMNET_INI], 1);
	ck_assert_uint_eq(h->closed[SIMNET_GW], 0);
	simnet_connect(&h->n, 0, 0, 1, NULL);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->connected_fail, 1);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_silent_crash_is_noticed_only_when_the_node_is_back)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	simnet_gw_state(&h->n, 1, SIMNET_NODE_DOWN);
	simnet_gw_crash_silent(&h->n, 1);
	send_str(h, c, SIMNET_INI, (const uint8_t *)"anyone?", 7);
	run_until(h, h->q.now + SIM_S(10));
	ck_assert_uint_eq(h->closed[SIMNET_INI], 0); /* silence */
	simnet_gw_state(&h->n, 1, SIMNET_NODE_UP);
	send_str(h, c, SIMNET_INI, (const uint8_t *)"again", 5);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->resets[SIMNET_INI], 1); /* the restarted node answers RST */
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_paused_gateway_receives_after_resume)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	simnet_gw_state(&h->n, 1, SIMNET_NODE_PAUSED);
	send_str(h, c, SIMNET_INI, (const uint8_t *)"wait", 4);
	simnet_connect(&h->n, 1, 0, 1, NULL);
	run_until(h, h->q.now + SIM_S(3));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 0);
	ck_assert_uint_eq(h->accepts, 1);
	simnet_gw_state(&h->n, 1, SIMNET_NODE_UP);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 4);
	ck_assert_uint_eq(h->accepts, 2); /* the held SYN */
	simnet_teardown(h);
}
END_TEST

static void fill(uint8_t *p, size_t len, unsigned salt)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13 + i / 251 + salt);
}

/* A reader that stops for a while (the engine's backpressure: rt_rx_space
 * answers 0) in the middle of a piece: nothing more reaches it, what it
 * did not take and what comes after waits in order (the FIN too), and it
 * all arrives once it reads again. */
START_TEST(simnet_reader_that_holds_gets_every_byte_in_order_after_it_reads_again)
{
	struct nh *h = simnet_setup(800000);
	struct simnet_conn *c = open_conn(h);
	static uint8_t msg[6000];
	fill(msg, sizeof(msg), 1);
	h->read_quota[SIMNET_GW] = 1234;
	for (unsigned k = 0; k < 40; k++)
		send_str(h, c, SIMNET_INI, msg + k * 100, 100);
	run_until(h, h->q.now + SIM_S(1));
	ck_assert(c->read_held[SIMNET_GW]);
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 1234);
	ck_assert_uint_eq(c->pipe[SIMNET_INI].queued, 4000 - 1234);
	for (unsigned k = 40; k < 60; k++) /* the sender goes on: its bytes queue */
		send_str(h, c, SIMNET_INI, msg + k * 100, 100);
	simnet_close(&h->n, c, SIMNET_INI);
	run_until(h, h->q.now + SIM_S(5));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 1234);
	ck_assert_uint_eq(h->closed[SIMNET_GW], 0); /* the FIN waits behind them */
	ck_assert_uint_gt(h->n.stats_window_shut, 0);
	h->read_quota[SIMNET_GW] = 0;
	simnet_hold_reading(&h->n, c, SIMNET_GW, false);
	run_until(h, h->q.now + SIM_S(1));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], sizeof(msg));
	ck_assert_int_eq(memcmp(h->got[SIMNET_GW], msg, sizeof(msg)), 0);
	ck_assert_uint_eq(h->closed[SIMNET_GW], 1);
	ck_assert_uint_eq(h->resets[SIMNET_GW], 0);
	ck_assert_uint_eq(c->pipe[SIMNET_INI].queued, 0);
	simnet_teardown(h);
}
END_TEST

/* The socket buffers take SIMNET_SOCKBUF_BYTES of what the reader has
 * not read; beyond it the sender holds the bytes (simnet_send says how
 * many) and is told, from an event, when they fall. */
START_TEST(simnet_sender_holds_what_the_socket_buffers_do_not_take_and_is_told_when_it_falls)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	h->read_quota[SIMNET_INI] = 1;
	send_str(h, c, SIMNET_GW, (const uint8_t *)"xy", 2);
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert(c->read_held[SIMNET_INI]);
	static uint8_t blk[SIMNET_READ_MAX];
	fill(blk, sizeof(blk), 7);
	struct iovec iov = { blk, sizeof(blk) };
	uint64_t sent = 0;
	long held = 0;
	while (held == 0) {
		held = simnet_send(&h->n, c, SIMNET_GW, &iov, 1);
		sent += sizeof(blk);
	}
	ck_assert_int_eq(held, (long)(sent + 1 - SIMNET_SOCKBUF_BYTES));
	ck_assert_uint_eq(simnet_unsent(&h->n, c, SIMNET_GW), (uint64_t)held);
	ck_assert_int_eq(simnet_unsent(&h->n, c, SIMNET_INI), 0);
	run_until(h, h->q.now + SIM_S(1));
	ck_assert_uint_eq(h->sent_calls[SIMNET_GW], 0); /* nothing read, nothing fell */
	h->read_quota[SIMNET_INI] = 0;
	simnet_hold_reading(&h->n, c, SIMNET_INI, false);
	run_until(h, h->q.now + SIM_S(1));
	ck_assert_uint_eq(h->got_len[SIMNET_INI], 2 + sent);
	ck_assert_uint_ge(h->sent_calls[SIMNET_GW], 1);
	ck_assert_uint_eq(h->sent_unsent[SIMNET_GW], 0);
	ck_assert_uint_eq(h->sent_calls[SIMNET_INI], 0);
	ck_assert_uint_ge(h->n.stats_queued_max, sent + 1);
	simnet_teardown(h);
}
END_TEST

/* A reset while the reader holds drops its unread bytes, as TCP does. */
START_TEST(simnet_reset_while_the_reader_holds_drops_its_bytes)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	simnet_hold_reading(&h->n, c, SIMNET_GW, true);
	send_str(h, c, SIMNET_INI, (const uint8_t *)"never", 5);
	run_until(h, h->q.now + SIM_MS(10));
	simnet_reset(&h->n, c, "test");
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 0);
	ck_assert_uint_eq(h->resets[SIMNET_GW], 1);
	ck_assert_uint_eq(c->pipe[SIMNET_INI].queued, 0);
	simnet_teardown(h);
}
END_TEST

/* A send larger than one read (a Data-Out of 64 KiB with its header and
 * digests, as 4096-byte blocks make) arrives in reads of at most
 * SIMNET_READ_MAX, in order, with what was sent after it, and time can
 * pass: it once stayed at the head of its pipe, redelivered at the same
 * instant for ever. */
START_TEST(simnet_send_larger_than_one_read_arrives_in_reads)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	static uint8_t msg[2 * SIMNET_READ_MAX + 100];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + i / 251);
	send_str(h, c, SIMNET_INI, msg, SIMNET_READ_MAX + 56);
	send_str(h, c, SIMNET_INI, msg + SIMNET_READ_MAX + 56, sizeof(msg) - (SIMNET_READ_MAX + 56));
	uint64_t until = h->q.now + SIM_MS(10);
	unsigned events = 0;
	while (events < 1000 && evq_run_one(&h->q, until))
		events++;
	ck_assert_uint_lt(events, 1000);
	ck_assert_uint_eq(h->got_len[SIMNET_GW], sizeof(msg));
	ck_assert_int_eq(memcmp(h->got[SIMNET_GW], msg, sizeof(msg)), 0);
	ck_assert_uint_eq(h->piece_max[SIMNET_GW], SIMNET_READ_MAX);
	simnet_teardown(h);
}
END_TEST

/* A send larger than one read is read in place, its chunk still in the
 * pipe: a receiver that resets the connection inside that read, then
 * reads the bytes it was given, drops the chunk under the read (ASan
 * sees a use after free if simnet frees it at once, tmem's count a leak
 * if it never does). */
START_TEST(simnet_reset_inside_a_read_of_a_larger_send_frees_it_once)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	static uint8_t msg[2 * SIMNET_READ_MAX];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 13 + i / 241);
	send_str(h, c, SIMNET_INI, msg, sizeof(msg));
	h->reset_in_read[SIMNET_GW] = true;
	run_until(h, h->q.now + SIM_MS(10));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], SIMNET_READ_MAX);
	ck_assert_int_eq(memcmp(h->got[SIMNET_GW], msg, SIMNET_READ_MAX), 0);
	ck_assert_uint_eq(h->resets[SIMNET_GW], 1);
	ck_assert_uint_eq(c->pipe[SIMNET_INI].queued, 0);
	ck_assert_ptr_null(h->n.reading);
	simnet_teardown(h);
}
END_TEST

START_TEST(simnet_slow_link_serializes_sends)
{
	struct nh *h = simnet_setup(0);
	struct simnet_conn *c = open_conn(h);
	simnet_set_slow(&h->n, 0, 1, 1000, 0); /* 1000 bytes per second */
	uint8_t big[2000] = { 0 };
	uint64_t t0 = h->q.now;
	send_str(h, c, SIMNET_INI, big, sizeof(big));
	run_until(h, t0 + SIM_MS(1500));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 0);
	run_until(h, t0 + SIM_MS(2100));
	ck_assert_uint_eq(h->got_len[SIMNET_GW], 2000);
	simnet_teardown(h);
}
END_TEST

/* ---- disk ---- */

static struct tdisk *disk_setup(uint32_t destage_ppm)
{
	static struct tdisk h;
	struct disk_params p = { .blocks = 64, .block_size = 512, .read_lat = { .min_ns = SIM_US(10) },
		.write_lat = { .min_ns = SIM_US(10), .exp_mean_ns = SIM_US(100) }, .flush_lat = { .min_ns = SIM_US(10) },
		.volatile_cache = true, .destage_ppm = destage_ppm };
	tdisk_setup(&h, &p, 5);
	return &h;
}

static void io_run(struct tdisk *h, enum rt_disk_op op, uint32_t flags, uint64_t lba, uint32_t n, uint8_t *buf)
{
	struct rt_disk_io io = { .op = op, .flags = flags, .offset = lba * 512, .len = (uint64_t)n * 512, .buf = buf };
	tdisk_run(h, &io);
}

START_TEST(disk_loses_unflushed_writes_on_power_loss_but_not_fua_or_flushed)
{
	struct tdisk *h = disk_setup(0);
	uint8_t a[512], b[512], c[512], r[512];
	memset(a, 'a', 512);
	memset(b, 'b', 512);
	memset(c, 'c', 512);
	io_run(h, RT_DISK_WRITE, 0, 1, 1, a);
	io_run(h, RT_DISK_FLUSH, 0, 0, 0, NULL);
	io_run(h, RT_DISK_WRITE, RT_DISK_FUA, 2, 1, b);
	io_run(h, RT_DISK_WRITE, 0, 3, 1, c);
	io_run(h, RT_DISK_READ, 0, 3, 1, r);
	ck_assert_uint_eq(r[0], 'c'); /* the cache serves reads */
	disk_power_loss(&h->d);
	io_run(h, RT_DISK_READ, 0, 1, 1, r);
	ck_assert_uint_eq(r[0], 'a');
	io_run(h, RT_DISK_READ, 0, 2, 1, r);
	ck_assert_uint_eq(r[0], 'b');
	io_run(h, RT_DISK_READ, 0, 3, 1, r);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_uint_eq(h->d.stats.lost_blocks, 1);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_power_loss_can_tear_a_multi_block_write)
{
	struct tdisk *h = disk_setup(500000);
	static uint8_t w[32 * 512], r[32 * 512];
	memset(w, 'w', sizeof(w));
	io_run(h, RT_DISK_WRITE, 0, 0, 32, w);
	disk_power_loss(&h->d);
	io_run(h, RT_DISK_READ, 0, 0, 32, r);
	unsigned kept = 0;
	for (int i = 0; i < 32; i++)
		kept += r[i * 512] == 'w';
	ck_assert(kept > 0 && kept < 32); /* part of one write survived */
	ck_assert_uint_eq(kept, h->d.stats.torn_blocks);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_bad_range_fails_reads_and_writes_with_medium_errors)
{
	struct tdisk *h = disk_setup(0);
	uint8_t b[512 * 4] = { 0 };
	disk_set_bad_range(&h->d, 10, 12);
	io_run(h, RT_DISK_READ, 0, 8, 4, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_READ);
	io_run(h, RT_DISK_WRITE, 0, 11, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_WRITE);
	io_run(h, RT_DISK_READ, 0, 12, 4, b);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_fenced_gateway_cannot_write)
{
	struct tdisk *h = disk_setup(0);
	uint8_t b[512];
	memset(b, 1, 512);
	disk_fence(&h->d, 0, true);
	io_run(h, RT_DISK_WRITE, 0, 5, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	ck_assert_uint_eq(disk_block(&h->d, 5)[0], 0);
	tdisk_teardown(h);
}
END_TEST

/* The disk keeps initiator patterns as (LBA, version) and other bytes as
 * bytes (disk.pat): whatever was written reads back byte for byte, and
 * the power-loss view (disk_durable_seen) is block_decode's answer for
 * what survived. */
START_TEST(disk_returns_every_byte_written_patterns_or_not)
{
	struct tdisk *h = disk_setup(0);
	enum { N = 5, BS = 512, AT = 8 };
	uint8_t w[N * BS], r[N * BS];
	block_fill(w, BS, AT, 5);               /* its own lba: kept as a pattern */
	block_fill(w + BS, BS, 3, 6);           /* written for lba 3: a pattern too */
	memset(w + 2 * BS, 0, BS);              /* zeroes */
	block_fill(w + 3 * BS, BS, AT + 3, 7);  /* one byte off: corrupt, kept as bytes */
	w[3 * BS + 100] ^= 0x10;
	memset(w + 4 * BS, 'x', BS);            /* not a pattern at all */
	io_run(h, RT_DISK_WRITE, RT_DISK_FUA, AT, N, w);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	memset(r, 0xee, sizeof(r));
	io_run(h, RT_DISK_READ, 0, AT, N, r);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_mem_eq(r, w, sizeof(w));
	for (unsigned i = 0; i < N; i++) {
		ck_assert_mem_eq(disk_block(&h->d, AT + i), w + i * BS, BS);
		struct block_seen want = { 0 }, got;
		want.kind = block_decode(w + i * BS, BS, AT + i, &want.version, &want.other_lba);
		disk_durable_seen(&h->d, AT + i, &got);
		ck_assert_int_eq(got.kind, want.kind);
		ck_assert_uint_eq(got.version, want.version);
		ck_assert_uint_eq(got.other_lba, want.other_lba);
	}
	/* A cached overwrite is read at once; the durable view keeps the
	 * FUA write until a power loss brings it back. */
	uint8_t v[BS];
	block_fill(v, BS, AT, 9);
	io_run(h, RT_DISK_WRITE, 0, AT, 1, v);
	io_run(h, RT_DISK_READ, 0, AT, 1, r);
	ck_assert_mem_eq(r, v, BS);
	struct block_seen got;
	disk_durable_seen(&h->d, AT, &got);
	ck_assert_int_eq(got.kind, BLOCK_OK);
	ck_assert_uint_eq(got.version, 5);
	disk_power_loss(&h->d);
	io_run(h, RT_DISK_READ, 0, AT, N, r);
	ck_assert_mem_eq(r, w, sizeof(w));
	tdisk_teardown(h);
}
END_TEST

/* The exclusive lock's three misbehaviours (issue 16, hazard class 1). */
static struct tdisk *lock_disk_setup(enum disk_lock_on on, uint32_t break_fail_ppm, uint32_t reopen_fail_ppm)
{
	static struct tdisk h;
	struct disk_params p = { .blocks = 64, .block_size = 512, .read_lat = { .min_ns = SIM_US(10) },
		.write_lat = { .min_ns = SIM_US(10) }, .flush_lat = { .min_ns = SIM_US(10) },
		.exclusive_lock = true, .reopen_delay_ns = SIM_S(1), .lock_on = on,
		.lock_break_fail_ppm = break_fail_ppm, .reopen_fail_ppm = reopen_fail_ppm };
	tdisk_setup(&h, &p, 5);
	return &h;
}

static void gw_io(struct tdisk *h, int gw, enum rt_disk_op op, uint64_t lba, uint8_t *buf)
{
	struct rt_disk_io io = { .op = op, .offset = lba * 512, .len = 512, .buf = buf };
	disk_submit(&h->d, gw, &io);
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	h->last = io.status;
}

START_TEST(disk_lock_taken_by_writes_only_unless_any_io_takes_it)
{
	uint8_t b[512];
	memset(b, 3, 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	gw_io(h, 1, RT_DISK_READ, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 0);
	tdisk_teardown(h);
	h = lock_disk_setup(DISK_LOCK_ON_IO, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	gw_io(h, 1, RT_DISK_READ, 1, b); /* breaks the lock: gateway 0 is blocklisted */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 1);
	gw_io(h, 0, RT_DISK_READ, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_failed_lock_break_refuses_the_io_and_leaves_the_owner)
{
	uint8_t b[512];
	memset(b, 4, 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 1000000, 0);
	gw_io(h, 0, RT_DISK_WRITE, 2, b); /* no owner yet: nothing to break */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	memset(b, 5, 512);
	gw_io(h, 1, RT_DISK_WRITE, 2, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	ck_assert_uint_eq(disk_block(&h->d, 2)[0], 4);
	ck_assert_int_eq(h->d.lock_owner, 0);
	ck_assert_uint_eq(h->d.stats.lock_break_failures, 1);
	ck_assert_uint_eq(disk_gw_reopen_at(&h->d, 1), UINT64_MAX); /* refused, not blocklisted */
	gw_io(h, 0, RT_DISK_WRITE, 3, b); /* the owner goes on */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_reopen_that_fails_is_tried_again_later)
{
	uint8_t b[512];
	memset(b, 6, 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 1000000);
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	gw_io(h, 1, RT_DISK_WRITE, 1, b);
	gw_io(h, 0, RT_DISK_WRITE, 1, b); /* blocklisted: learns it, reopen due in 1 s */
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	uint64_t at = disk_gw_reopen_at(&h->d, 0);
	ck_assert_uint_ne(at, UINT64_MAX);
	h->q.now = at;
	ck_assert(!disk_gw_try_reopen(&h->d, 0));
	ck_assert_uint_eq(h->d.stats.reopen_failures, 1);
	ck_assert_uint_eq(disk_gw_reopen_at(&h->d, 0), at + SIM_S(1));
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_ERR_FENCED);
	h->d.p.reopen_fail_ppm = 0; /* the storage answers again */
	h->q.now = disk_gw_reopen_at(&h->d, 0);
	ck_assert(disk_gw_try_reopen(&h->d, 0));
	gw_io(h, 0, RT_DISK_WRITE, 1, b);
	ck_assert_int_eq(h->last, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 0);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_forgets_a_crashed_gateway_but_its_writes_land)
{
	struct tdisk *h = disk_setup(0);
	uint8_t b[512];
	memset(b, 7, 512);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512 * 9, .len = 512, .buf = b };
	disk_submit(&h->d, 0, &io);
	/* the disk reads the data in place until the gateway crashes: then
	 * it keeps a copy before the engine's memory is gone */
	disk_hold_gw_data(&h->d, 0);
	memset(b, 0, 512);
	disk_forget_gw(&h->d, 0);
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_uint_eq(h->done, 0);
	ck_assert_uint_eq(disk_block(&h->d, 9)[0], 7);
	tdisk_teardown(h);
}
END_TEST

/* Seed 587: gateway 1's write, slow in the storage path, outlived the
 * gateway's crash; its next life took the lock and wrote newer data; the
 * old write then landed, broke the living instance's lock and overwrote
 * that data. A dead instance breaks no lock: its write is refused. */
START_TEST(disk_dead_instance_write_breaks_no_lock)
{
	uint8_t a[512], old[512], nw[512], r[512];
	memset(a, 'a', 512);
	memset(old, 'o', 512);
	memset(nw, 'n', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, a);
	h->d.slow_ns[1] = SIM_S(10);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = old };
	disk_submit(&h->d, 1, &io);
	disk_forget_gw(&h->d, 1); /* gateway 1 crashes, its write in flight */
	h->d.slow_ns[1] = 0;
	disk_gw_started(&h->d, 1);
	struct rt_disk_io io2 = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = nw };
	disk_submit(&h->d, 1, &io2);
	while (evq_run_one(&h->q, SIM_S(1)))
		;
	ck_assert_int_eq(io2.status, RT_DISK_OK);
	ck_assert_int_eq(h->d.lock_owner, 1);
	uint64_t living = h->d.lock_instance;
	while (evq_run_one(&h->q, UINT64_MAX)) /* the old write comes due */
		;
	ck_assert_uint_eq(disk_block(&h->d, 1)[0], 'n');
	ck_assert_int_eq(h->d.lock_owner, 1);
	ck_assert_uint_eq(h->d.lock_instance, living);
	gw_io(h, 1, RT_DISK_READ, 1, r);
	ck_assert_uint_eq(r[0], 'n');
	gw_io(h, 1, RT_DISK_WRITE, 2, nw); /* the living instance is not blocklisted */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

/* A dead instance that still holds the lock lands its write: nothing
 * newer can be under it. */
START_TEST(disk_dead_instance_holding_the_lock_still_lands)
{
	uint8_t a[512];
	memset(a, 'a', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 2, a);
	memset(a, 'b', 512);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 1024, .len = 512, .buf = a };
	disk_submit(&h->d, 0, &io);
	disk_forget_gw(&h->d, 0);
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_uint_eq(disk_block(&h->d, 2)[0], 'b');
	tdisk_teardown(h);
}
END_TEST

/* Five-flag swarm seed 8957: gateway 1's live instance sent a write that
 * a slow disk held 14 s; meanwhile gateway 0, the lock owner, wrote the
 * same block (the copy retried through it, acknowledged). The model took
 * the lock when the old write landed, so it landed over the newer data.
 * librbd takes the lock before it sends: gateway 1 took it then, gateway
 * 0's later write took it back and blocklisted gateway 1's instance, so
 * the old write fails FENCED and gateway 1 reopens. */
START_TEST(disk_write_landing_after_the_owner_wrote_what_was_sent_later_is_fenced)
{
	uint8_t a[512], old[512], nw[512];
	memset(a, 'a', 512);
	memset(old, 'o', 512);
	memset(nw, 'n', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, a); /* gateway 0 owns the lock */
	h->d.slow_ns[1] = SIM_S(10);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = old };
	disk_submit(&h->d, 1, &io); /* live, slow: due in 10 s */
	h->d.slow_ns[1] = 0;
	while (evq_run_one(&h->q, SIM_S(1)))
		;
	h->q.now = SIM_S(1);
	struct rt_disk_io io2 = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = nw };
	disk_submit(&h->d, 0, &io2); /* the owner writes the block, sent after */
	while (evq_run_one(&h->q, SIM_S(2)))
		;
	ck_assert_int_eq(io2.status, RT_DISK_OK);
	while (evq_run_one(&h->q, UINT64_MAX)) /* the old write comes due */
		;
	ck_assert_int_eq(io.status, RT_DISK_ERR_FENCED);
	ck_assert_uint_eq(disk_block(&h->d, 1)[0], 'n'); /* the newer data stays */
	ck_assert_int_eq(h->d.lock_owner, 0);
	ck_assert_uint_ne(disk_gw_reopen_at(&h->d, 1), UINT64_MAX); /* blocklisted: it reopens */
	gw_io(h, 0, RT_DISK_WRITE, 2, nw); /* the owner is not blocklisted */
	ck_assert_int_eq(h->last, RT_DISK_OK);
	tdisk_teardown(h);
}
END_TEST

/* Sent before anything the owner sent since: landing takes the lock, as
 * taking it at the send would have (the owner then wrote nothing newer). */
START_TEST(disk_slow_write_sent_before_the_owners_last_still_takes_the_lock_when_nothing_newer)
{
	uint8_t a[512], old[512];
	memset(a, 'a', 512);
	memset(old, 'o', 512);
	struct tdisk *h = lock_disk_setup(DISK_LOCK_ON_WRITE, 0, 0);
	gw_io(h, 0, RT_DISK_WRITE, 1, a);
	h->d.slow_ns[1] = SIM_S(10);
	struct rt_disk_io io = { .op = RT_DISK_WRITE, .offset = 512, .len = 512, .buf = old };
	disk_submit(&h->d, 1, &io);
	h->d.slow_ns[1] = 0;
	while (evq_run_one(&h->q, UINT64_MAX))
		;
	ck_assert_int_eq(io.status, RT_DISK_OK);
	ck_assert_uint_eq(disk_block(&h->d, 1)[0], 'o');
	ck_assert_int_eq(h->d.lock_owner, 1);
	tdisk_teardown(h);
}
END_TEST

START_TEST(disk_keeps_small_state_across_everything)
{
	struct tdisk *h = disk_setup(0);
	char buf[16];
	ck_assert_int_eq(disk_state_load(&h->d, "pr", buf, sizeof(buf)), -1);
	ck_assert_int_eq(disk_state_save(&h->d, "pr", "abc", 3), 0);
	ck_assert_int_eq(disk_state_save(&h->d, "pr", "abcd", 4), 0);
	disk_power_loss(&h->d);
	ck_assert_int_eq(disk_state_load(&h->d, "pr", buf, sizeof(buf)), 4);
	ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
	tdisk_teardown(h);
}
END_TEST

Suite *suite_model(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");
	tcase_add_test(tc, simnet_keeps_byte_order_whatever_the_pieces);
	tcase_add_test(tc, simnet_partition_holds_bytes_until_it_heals);
	tcase_add_test(tc, simnet_syn_into_partition_is_retransmitted_and_forms_at_the_first_after_the_heal);
	tcase_add_test(tc, simnet_syn_unanswered_through_every_retransmission_times_out);
	tcase_add_test(tc, simnet_syn_closed_by_the_initiator_is_not_retransmitted);
	tcase_add_test(tc, simnet_synack_into_partition_is_retransmitted_and_told_once);
	tcase_add_test(tc, simnet_powered_off_gateway_bytes_held_by_a_partition_die_with_it);
	tcase_add_test(tc, simnet_powered_off_gateway_bytes_on_a_flowing_link_still_arrive);
	tcase_add_test(tc, simnet_reset_tells_both_ends_and_drops_queued_bytes);
	tcase_add_test(tc, simnet_close_delivers_data_then_fin);
	tcase_add_test(tc, simnet_crashed_gateway_resets_peers_and_refuses_until_restart);
	tcase_add_test(tc, simnet_silent_crash_is_noticed_only_when_the_node_is_back);
	tcase_add_test(tc, simnet_paused_gateway_receives_after_resume);
	tcase_add_test(tc, simnet_slow_link_serializes_sends);
	tcase_add_test(tc, simnet_send_larger_than_one_read_arrives_in_reads);
	tcase_add_test(tc, simnet_reset_inside_a_read_of_a_larger_send_frees_it_once);
	tcase_add_test(tc, simnet_reader_that_stops_shuts_the_window_and_bytes_are_counted);
	tcase_add_test(tc, simnet_reader_that_holds_gets_every_byte_in_order_after_it_reads_again);
	tcase_add_test(tc, simnet_sender_holds_what_the_socket_buffers_do_not_take_and_is_told_when_it_falls);
	tcase_add_test(tc, simnet_reset_while_the_reader_holds_drops_its_bytes);
	tcase_add_test(tc, disk_loses_unflushed_writes_on_power_loss_but_not_fua_or_flushed);
	tcase_add_test(tc, disk_power_loss_can_tear_a_multi_block_write);
	tcase_add_test(tc, disk_bad_range_fails_reads_and_writes_with_medium_errors);
	tcase_add_test(tc, disk_fenced_gateway_cannot_write);
	tcase_add_test(tc, disk_returns_every_byte_written_patterns_or_not);
	tcase_add_test(tc, disk_lock_taken_by_writes_only_unless_any_io_takes_it);
	tcase_add_test(tc, disk_failed_lock_break_refuses_the_io_and_leaves_the_owner);
	tcase_add_test(tc, disk_reopen_that_fails_is_tried_again_later);
	tcase_add_test(tc, disk_forgets_a_crashed_gateway_but_its_writes_land);
	tcase_add_test(tc, disk_dead_instance_write_breaks_no_lock);
	tcase_add_test(tc, disk_dead_instance_holding_the_lock_still_lands);
	tcase_add_test(tc, disk_write_landing_after_the_owner_wrote_what_was_sent_later_is_fenced);
	tcase_add_test(tc, disk_slow_write_sent_before_the_owners_last_still_takes_the_lock_when_nothing_newer);
	tcase_add_test(tc, disk_keeps_small_state_across_everything);
	suite_add_tcase(s, tc);
	return s;
}
