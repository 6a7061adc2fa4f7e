/* The simulated network (infra/simnet): what arrives, when and in what
 * pieces; connection setup, partitions, resets, crashes, pauses. The disk's
 * tests are test_model.c's. */
#include <check.h>

#include "sim/infra/simnet.h"
#include "sim/base/time.h"
#include "tmem.h"

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

Suite *suite_simnet(void)
{
	Suite *s = suite_create("simnet");
	TCase *tc = tcase_create("simnet");
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
	suite_add_tcase(s, tc);
	return s;
}
