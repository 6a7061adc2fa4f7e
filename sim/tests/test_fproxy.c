/* The fault-injecting proxy's brain (infra/fproxy): specs, what each
 * fault does to the bytes, and that the fault log depends on the bytes
 * and the seed only, never on how the host happened to read them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/time.h"
#include "sim/infra/fproxy.h"
#include "tmem.h"

struct logbuf {
	char text[8192];
	size_t len;
};

static void to_buf(void *ctx, const char *line)
{
	struct logbuf *b = ctx;
	b->len += (size_t)snprintf(b->text + b->len, sizeof(b->text) - b->len, "%s\n", line);
}

static struct tmem tm;

static const struct sim_mem *mem(void)
{
	if (tm.mem.alloc == NULL)
		tmem_init(&tm);
	return &tm.mem;
}

/* A PDU: opcode, data segment of dsl bytes (padded to 4). */
static size_t put_pdu(uint8_t *out, uint8_t op, uint32_t dsl)
{
	memset(out, 0, ISCSI_BHS_LEN);
	out[0] = op;
	out[1] = 0x80;
	out[5] = (uint8_t)(dsl >> 16);
	out[6] = (uint8_t)(dsl >> 8);
	out[7] = (uint8_t)dsl;
	uint32_t padded = (dsl + 3u) & ~3u;
	memset(out + ISCSI_BHS_LEN, 0xab, padded);
	return ISCSI_BHS_LEN + padded;
}

/* A write's initiator stream: a command, then count Data-Outs of 512. */
static size_t write_stream(uint8_t *out, unsigned count)
{
	size_t n = put_pdu(out, ISCSI_OP_SCSI_CMD, 0);
	for (unsigned i = 0; i < count; i++)
		n += put_pdu(out + n, ISCSI_OP_DATA_OUT, 512);
	n += put_pdu(out + n, ISCSI_OP_NOP_OUT, 0);
	return n;
}

static void add(struct fpx *x, const char *spec)
{
	struct fpx_rule r;
	char err[160];
	ck_assert_msg(fpx_parse(spec, &r, err, sizeof(err)), "%s: %s", spec, err);
	ck_assert(fpx_add(x, &r));
}

/* Feed len bytes in pieces of step (0: random 1..97 from a fixed LCG),
 * then drain everything due by far_future; returns bytes delivered and
 * the action that ended the direction (FPX_DELIVER: none). */
static size_t run(struct fpx *x, int slot, enum fpx_dir d, const uint8_t *b, size_t len, size_t step,
	uint64_t now, uint8_t *out, enum fpx_act *end)
{
	uint32_t lcg = 12345;
	size_t fed = 0, got = 0;
	*end = FPX_DELIVER;
	while (fed < len) {
		size_t n = step;
		if (step == 0) {
			lcg = lcg * 1103515245u + 12345u;
			n = 1 + (lcg >> 16) % 97;
		}
		if (n > len - fed)
			n = len - fed;
		size_t room = fpx_room(x, slot, d);
		if (room == 0)
			break;
		if (n > room)
			n = room;
		fpx_feed(x, slot, d, now, b + fed, n);
		fed += n;
	}
	enum fpx_act act;
	const uint8_t *p;
	size_t n;
	while (fpx_head(x, slot, d, SIM_NEVER - 1, &act, &p, &n)) {
		if (act != FPX_DELIVER) {
			*end = act;
			fpx_consume(x, slot, d, 0);
			break;
		}
		memcpy(out + got, p, n);
		got += n;
		fpx_consume(x, slot, d, n);
	}
	return got;
}

START_TEST(fproxy_parses_specs_and_names_what_is_wrong)
{
	struct fpx_rule r;
	char err[160];
	ck_assert(fpx_parse("latency lat=20ms jitter=5ms dir=to_ini conn=2", &r, err, sizeof(err)));
	ck_assert_int_eq(r.kind, FPX_LATENCY);
	ck_assert_uint_eq(r.lat_ns, SIM_MS(20));
	ck_assert_uint_eq(r.jitter_ns, SIM_MS(5));
	ck_assert_uint_eq(r.dirs, FPX_DIR_BIT(FPX_TO_INI));
	ck_assert_int_eq(r.conn, 2);
	ck_assert(fpx_parse("cut_after_dataout n=3", &r, err, sizeof(err)));
	ck_assert_int_eq(r.kind, FPX_CUT_PDU);
	ck_assert_uint_eq(r.op, ISCSI_OP_DATA_OUT);
	ck_assert_uint_eq(r.dirs, FPX_DIR_BIT(FPX_TO_GW));
	ck_assert(fpx_parse("hold_r2t hold=300ms", &r, err, sizeof(err)));
	ck_assert_uint_eq(r.dirs, FPX_DIR_BIT(FPX_TO_INI));
	ck_assert(fpx_parse("drop_at_pdu op=scsi_rsp n=4", &r, err, sizeof(err)));
	ck_assert_uint_eq(r.op, ISCSI_OP_SCSI_RSP);
	ck_assert(!fpx_parse("latency lat=20", &r, err, sizeof(err)));
	ck_assert_str_eq(err, "bad value '20' for lat");
	ck_assert(!fpx_parse("bandwidth", &r, err, sizeof(err)));
	ck_assert_str_eq(err, "bandwidth needs rate=BYTES_PER_S");
	ck_assert(!fpx_parse("drop_at_pdu n=2", &r, err, sizeof(err)));
	ck_assert(!fpx_parse("slicer min=9 max=3", &r, err, sizeof(err)));
	ck_assert(!fpx_parse("flood", &r, err, sizeof(err)));
	ck_assert(!fpx_parse("stall colour=red", &r, err, sizeof(err)));
	ck_assert_str_eq(err, "unknown key 'colour' for stall");
}
END_TEST

START_TEST(fproxy_cuts_right_after_the_nth_data_out_whatever_the_read_sizes)
{
	static uint8_t in[8192], out[8192];
	size_t len = write_stream(in, 5);
	const size_t steps[] = { 1, 7, 48, 4096, 0 };
	char first[8192] = "";
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct fpx x;
		struct logbuf lb = { .len = 0 };
		fpx_init(&x, mem(), 1);
		x.log = to_buf;
		x.log_ctx = &lb;
		add(&x, "cut_after_dataout n=3");
		int slot = fpx_open(&x, 0);
		enum fpx_act end;
		size_t got = run(&x, slot, FPX_TO_GW, in, len, steps[k], 0, out, &end);
		/* The command and three Data-Outs, not a byte more, then RST. */
		ck_assert_uint_eq(got, ISCSI_BHS_LEN + 3 * (ISCSI_BHS_LEN + 512));
		ck_assert_int_eq(end, FPX_DO_RESET);
		ck_assert(memcmp(in, out, got) == 0);
		ck_assert_str_eq(lb.text, "conn=0 dir=to_gw off=1728 pdu=4 fault=cut_after_dataout op=data_out n=3\n");
		if (k == 0)
			strcpy(first, lb.text);
		ck_assert_str_eq(first, lb.text);
		fpx_fini(&x);
		ck_assert_uint_eq(tm.live, 0);
	}
}
END_TEST

START_TEST(fproxy_holds_every_r2t_and_keeps_the_order)
{
	static uint8_t in[4096];
	size_t n = put_pdu(in, ISCSI_OP_SCSI_RSP, 0);
	n += put_pdu(in + n, ISCSI_OP_R2T, 0);
	n += put_pdu(in + n, ISCSI_OP_NOP_IN, 0);
	struct fpx x;
	struct logbuf lb = { .len = 0 };
	fpx_init(&x, mem(), 1);
	x.log = to_buf;
	x.log_ctx = &lb;
	add(&x, "hold_r2t hold=500ms");
	int slot = fpx_open(&x, 0);
	fpx_feed(&x, slot, FPX_TO_INI, SIM_S(1), in, n);
	enum fpx_act act;
	const uint8_t *p;
	size_t len;
	/* The response goes at once; the R2T (and the NOP-In behind it) only
	 * after the hold. */
	ck_assert(fpx_head(&x, slot, FPX_TO_INI, SIM_S(1), &act, &p, &len));
	ck_assert_uint_eq(len, ISCSI_BHS_LEN);
	fpx_consume(&x, slot, FPX_TO_INI, len);
	ck_assert(!fpx_head(&x, slot, FPX_TO_INI, SIM_S(1) + SIM_MS(499), &act, &p, &len));
	ck_assert_uint_eq(fpx_next(&x, slot, SIM_S(1)), SIM_S(1) + SIM_MS(500));
	ck_assert(fpx_head(&x, slot, FPX_TO_INI, SIM_S(1) + SIM_MS(500), &act, &p, &len));
	ck_assert_uint_eq(len, 2 * ISCSI_BHS_LEN);
	ck_assert_str_eq(lb.text, "conn=0 dir=to_ini off=96 pdu=2 fault=hold_r2t op=r2t hold=500ms\n");
	fpx_fini(&x);
	ck_assert_uint_eq(tm.live, 0);
}
END_TEST

START_TEST(fproxy_partition_holds_blackhole_drops_and_stall_ends_on_time)
{
	static uint8_t in[256], out[512];
	memset(in, 7, sizeof(in));
	struct fpx x;
	fpx_init(&x, mem(), 1);
	add(&x, "partition at=1s for=2s dir=to_gw");
	add(&x, "blackhole at=1s for=2s dir=to_ini");
	int slot = fpx_open(&x, 0);
	enum fpx_act act;
	const uint8_t *p;
	size_t len;
	fpx_feed(&x, slot, FPX_TO_GW, SIM_S(1), in, 100);
	ck_assert(!fpx_head(&x, slot, FPX_TO_GW, SIM_S(2), &act, &p, &len));
	ck_assert(fpx_head(&x, slot, FPX_TO_GW, SIM_S(3), &act, &p, &len)); /* TCP retransmits after the heal */
	ck_assert_uint_eq(len, 100);
	fpx_feed(&x, slot, FPX_TO_INI, SIM_S(1), in, 100);
	ck_assert_uint_eq(fpx_queued(&x, slot, FPX_TO_INI), 0);
	fpx_feed(&x, slot, FPX_TO_INI, SIM_S(3), in, 50); /* healed */
	enum fpx_act end;
	ck_assert_uint_eq(run(&x, slot, FPX_TO_INI, in, 0, 1, SIM_S(3), out, &end), 50);
	fpx_fini(&x);
	ck_assert_uint_eq(tm.live, 0);
}
END_TEST

START_TEST(fproxy_bandwidth_and_latency_set_release_times)
{
	static uint8_t in[4000];
	struct fpx x;
	fpx_init(&x, mem(), 1);
	add(&x, "bandwidth rate=1000 dir=to_gw");
	add(&x, "latency lat=100ms dir=to_ini");
	int slot = fpx_open(&x, 0);
	fpx_feed(&x, slot, FPX_TO_GW, 0, in, 500);
	fpx_feed(&x, slot, FPX_TO_GW, 0, in, 500);
	/* 1000 bytes at 1000 B/s: the first 48-byte piece (a BHS's worth)
	 * goes at 48 ms, the last byte at 1 s. */
	ck_assert_uint_eq(fpx_next(&x, slot, 0), SIM_MS(48));
	enum fpx_act act;
	const uint8_t *p;
	size_t len;
	while (fpx_head(&x, slot, FPX_TO_GW, SIM_MS(999), &act, &p, &len))
		fpx_consume(&x, slot, FPX_TO_GW, len);
	ck_assert_uint_gt(fpx_queued(&x, slot, FPX_TO_GW), 0);
	while (fpx_head(&x, slot, FPX_TO_GW, SIM_S(1), &act, &p, &len))
		fpx_consume(&x, slot, FPX_TO_GW, len);
	ck_assert_uint_eq(fpx_queued(&x, slot, FPX_TO_GW), 0);
	fpx_feed(&x, slot, FPX_TO_INI, SIM_S(5), in, 10);
	ck_assert_uint_eq(fpx_next(&x, slot, SIM_S(5)), SIM_S(5) + SIM_MS(100));
	fpx_fini(&x);
	ck_assert_uint_eq(tm.live, 0);
}
END_TEST

START_TEST(fproxy_slices_and_limits_the_same_way_whatever_the_read_sizes)
{
	static uint8_t in[3000], out[3000];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	size_t slices0 = 0;
	const size_t steps[] = { 3000, 1, 64, 0 };
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct fpx x;
		struct logbuf lb = { .len = 0 };
		fpx_init(&x, mem(), 42);
		x.log = to_buf;
		x.log_ctx = &lb;
		add(&x, "slicer min=5 max=40 dir=to_ini");
		add(&x, "limit_data after=2500");
		int slot = fpx_open(&x, 0);
		/* Count the slices (segments) before draining. */
		size_t fed = 0;
		while (fed < sizeof(in)) {
			size_t n = steps[k] ? steps[k] : 13;
			if (n > sizeof(in) - fed)
				n = sizeof(in) - fed;
			fpx_feed(&x, slot, FPX_TO_INI, 0, in + fed, n);
			fed += n;
		}
		size_t slices = x.conns[slot].pipe[FPX_TO_INI].seg_used;
		if (k == 0)
			slices0 = slices;
		ck_assert_uint_eq(slices, slices0);
		ck_assert_uint_ge(slices, 2500 / 40);
		enum fpx_act end;
		size_t got = run(&x, slot, FPX_TO_INI, in, 0, 1, 0, out, &end);
		ck_assert_uint_eq(got, 2500);
		ck_assert_int_eq(end, FPX_DO_CLOSE);
		ck_assert(memcmp(in, out, got) == 0);
		ck_assert(strstr(lb.text, "conn=0 dir=to_ini off=2500 pdu=") != NULL);
		fpx_fini(&x);
		ck_assert_uint_eq(tm.live, 0);
	}
}
END_TEST

START_TEST(fproxy_stops_taking_bytes_when_its_queue_is_full)
{
	static uint8_t in[64 << 10];
	struct fpx x;
	fpx_init(&x, mem(), 1);
	add(&x, "stall for=10s");
	int slot = fpx_open(&x, 0);
	size_t total = 0;
	for (int i = 0; i < 100; i++) {
		size_t room = fpx_room(&x, slot, FPX_TO_GW);
		if (room == 0)
			break;
		size_t n = room < sizeof(in) ? room : sizeof(in);
		fpx_feed(&x, slot, FPX_TO_GW, 0, in, n);
		total += n;
	}
	ck_assert_uint_eq(fpx_room(&x, slot, FPX_TO_GW), 0);
	ck_assert_uint_le(total, FPX_PIPE_BYTES);
	ck_assert_uint_eq(fpx_queued(&x, slot, FPX_TO_GW), total);
	fpx_fini(&x);
	ck_assert_uint_eq(tm.live, 0);
}
END_TEST

START_TEST(fproxy_time_reset_hits_the_connections_open_then)
{
	struct fpx x;
	struct logbuf lb = { .len = 0 };
	fpx_init(&x, mem(), 1);
	x.log = to_buf;
	x.log_ctx = &lb;
	add(&x, "reset at=2s");
	int a = fpx_open(&x, 0);
	ck_assert(!fpx_tick(&x, a, SIM_S(1)));
	ck_assert_uint_eq(fpx_next(&x, a, SIM_S(1)), SIM_S(2));
	ck_assert(fpx_tick(&x, a, SIM_S(2)));
	ck_assert(!fpx_tick(&x, a, SIM_S(3)));
	int b = fpx_open(&x, SIM_S(3));
	ck_assert(!fpx_tick(&x, b, SIM_S(4)));
	ck_assert_str_eq(lb.text, "conn=0 dir=to_gw off=0 pdu=1 fault=reset at_time\n");
	fpx_fini(&x);
	ck_assert_uint_eq(tm.live, 0);
}
END_TEST

/* Which connection attempts a partition keeps from forming (a lost SYN or
 * SYN-ACK, either direction), until when, and when the answer changes:
 * what the host's listening socket filter follows. A blackhole on to_ini
 * alone lets connections form (their answers are lost). */
START_TEST(fproxy_partition_loses_syns_both_ways_until_it_heals)
{
	struct fpx x;
	fpx_init(&x, mem(), 1);
	add(&x, "partition at=2s for=3s dir=to_ini");
	add(&x, "partition at=10s dir=to_gw conn=1");
	add(&x, "blackhole at=0s dir=to_ini");
	ck_assert_uint_eq(fpx_syn_blocked_until(&x, 0, SIM_S(1)), 0);
	ck_assert_uint_eq(fpx_syn_next_change(&x, 0, SIM_S(1)), SIM_S(2));
	ck_assert_uint_eq(fpx_syn_blocked_until(&x, 0, SIM_S(2)), SIM_S(5));
	ck_assert_uint_eq(fpx_syn_next_change(&x, 0, SIM_S(2)), SIM_S(5));
	ck_assert_uint_eq(fpx_syn_blocked_until(&x, 0, SIM_S(5)), 0);
	ck_assert_uint_eq(fpx_syn_next_change(&x, 0, SIM_S(5)), SIM_NEVER);
	ck_assert_uint_eq(fpx_syn_blocked_until(&x, 0, SIM_S(11)), 0);
	ck_assert_uint_eq(fpx_syn_next_change(&x, 1, SIM_S(5)), SIM_S(10));
	ck_assert_uint_eq(fpx_syn_blocked_until(&x, 1, SIM_S(11)), SIM_NEVER);
	fpx_fini(&x);
	ck_assert_uint_eq(tm.live, 0);
}
END_TEST

START_TEST(fproxy_maps_a_scenario_link_fault_to_its_path_only)
{
	struct fpx x;
	fpx_init(&x, mem(), 1);
	unsigned skipped = 0;
	struct fault part = { .kind = F_PARTITION, .at_ns = SIM_S(10), .dur_ns = SIM_S(8), .ini = 1, .gw = 0,
		.dir = FD_TO_INI };
	fpx_from_fault(&x, &part, 0, 0, &skipped);
	ck_assert_uint_eq(x.nrules, 0);
	fpx_from_fault(&x, &part, 1, 0, &skipped);
	ck_assert_uint_eq(x.nrules, 1);
	ck_assert_int_eq(x.rules[0].kind, FPX_PARTITION);
	ck_assert_uint_eq(x.rules[0].dirs, FPX_DIR_BIT(FPX_TO_INI));
	struct fault slow = { .kind = F_DISK_SLOW, .at_ns = SIM_S(10), .dur_ns = SIM_S(15), .gw = 0, .a = SIM_S(15) };
	fpx_from_fault(&x, &slow, 1, 0, &skipped);
	ck_assert_uint_eq(x.nrules, 2);
	ck_assert_int_eq(x.rules[1].kind, FPX_LATENCY);
	struct fault crash = { .kind = F_GW_CRASH, .gw = 0 };
	fpx_from_fault(&x, &crash, 1, 0, &skipped);
	ck_assert_uint_eq(skipped, 1);
	fpx_fini(&x);
	ck_assert_uint_eq(tm.live, 0);
}
END_TEST

Suite *suite_fproxy(void)
{
	Suite *s = suite_create("fproxy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, fproxy_parses_specs_and_names_what_is_wrong);
	tcase_add_test(tc, fproxy_cuts_right_after_the_nth_data_out_whatever_the_read_sizes);
	tcase_add_test(tc, fproxy_holds_every_r2t_and_keeps_the_order);
	tcase_add_test(tc, fproxy_partition_holds_blackhole_drops_and_stall_ends_on_time);
	tcase_add_test(tc, fproxy_bandwidth_and_latency_set_release_times);
	tcase_add_test(tc, fproxy_slices_and_limits_the_same_way_whatever_the_read_sizes);
	tcase_add_test(tc, fproxy_stops_taking_bytes_when_its_queue_is_full);
	tcase_add_test(tc, fproxy_time_reset_hits_the_connections_open_then);
	tcase_add_test(tc, fproxy_partition_loses_syns_both_ways_until_it_heals);
	tcase_add_test(tc, fproxy_maps_a_scenario_link_fault_to_its_path_only);
	suite_add_tcase(s, tc);
	return s;
}
