/* harness capture: `isim oracle --pcap` without the file: a classic pcap
 * file's bytes through the link decoder (sim/host/cap_link), the TCP
 * reassembler (sim/host/cap_tcp), the iSCSI framer with its BHS search
 * after losses (sim/host/cap_iscsi) and the protocol oracle
 * (sim/oracle/protocol.c, keep_going, partial), the same code the command
 * runs. Only the file's outer format is read here, not by libpcap (pcapng
 * is libpcap's, not ours to fuzz), so that the fuzzer sees every branch.
 *
 * Input: a pcap file (magic 0xa1b2c3d4 or 0xa1b23c4d, either byte order;
 * link type from its header), records up to FZ_CAP_FRAME_MAX bytes; a cut
 * record ends the capture, as libpcap ends it. The iSCSI port is 3260
 * (seeds: fuzz/corpus/capture, cut from captures of libiscsi against
 * reftarget). Digests are found as isim finds them (CAP_DIGESTS_AUTO).
 *
 * Oracles beyond the sanitizers:
 *  - every byte sim/ allocated is freed when the capture is done (the
 *    reassembler's and the oracle's bounds hold whatever the input);
 *  - the same capture read twice gives the same counts (PDUs,
 *    connections, violations, notes): no state survives a run;
 *  - counts are plausible: no more PDUs than 48-byte headers fit in the
 *    TCP payload bytes fed, no more connections than frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"
#include "sim/host/cap_iscsi.h"
#include "sim/host/cap_link.h"
#include "sim/host/cap_tcp.h"
#include "sim/host/isim.h"

#define FZ_CAP_FRAME_MAX 65536u /* record bytes taken (isim's live snap length is 256 KiB; inputs are shorter) */
#define FZ_CAP_PORT 3260u

/* host_mem as isim's (sim/host/io.c), counting live bytes. */
static size_t live_bytes;
static void *fz_alloc(void *ctx, size_t size)
{
	(void)ctx;
	live_bytes += size;
	return malloc(size);
}
static void fz_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	live_bytes -= size;
	free(p);
}
const struct sim_mem host_mem = { fz_alloc, fz_free, NULL };

struct counts {
	uint64_t pdus, conns, violations, notes, frames, payload;
};

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return swap ? __builtin_bswap32(v) : v;
}

static void run_capture(const uint8_t *data, size_t size, FILE *out, struct counts *c)
{
	memset(c, 0, sizeof(*c));
	if (size < 24)
		return;
	uint32_t magic = rd32(data, false);
	bool swap;
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
		swap = false;
	else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
		swap = true;
	else
		return;
	enum cap_link link;
	if (!cap_link_from_dlt((int)(rd32(data + 20, swap) & 0x0fffffffu), &link))
		return;
	struct cap_run run = { .out = out, .digests = CAP_DIGESTS_AUTO };
	struct cap_tcp tcp;
	cap_tcp_init(&tcp, &cap_iscsi_ops, &run);
	size_t off = 24;
	while (size - off >= 16) {
		uint32_t caplen = rd32(data + off + 8, swap);
		off += 16;
		if (caplen > FZ_CAP_FRAME_MAX || caplen > size - off)
			break;
		c->frames++;
		struct cap_seg s;
		if (cap_decode(link, data + off, caplen, &s) == CAP_DEC_OK) {
			FZ_CHECK(s.len <= caplen, "segment of %u bytes in a frame of %u", s.len, caplen);
			bool to_server = s.dport == FZ_CAP_PORT, to_client = s.sport == FZ_CAP_PORT;
			if (to_server || to_client) {
				c->payload += s.len;
				cap_tcp_segment(&tcp, &s, to_server, c->frames);
			}
		}
		off += caplen;
	}
	cap_tcp_finish(&tcp);
	cap_tcp_fini(&tcp);
	c->pdus = run.pdus;
	c->conns = run.conns;
	c->violations = run.violations;
	c->notes = run.notes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (sink == NULL)
		sink = fopen("/dev/null", "w");
	FZ_CHECK(sink != NULL, "cannot open /dev/null");
	struct counts a, b;
	run_capture(data, size, sink, &a);
	FZ_CHECK(live_bytes == 0, "%zu bytes of sim/ memory left after the capture", live_bytes);
	FZ_CHECK(a.pdus <= a.payload / 48, "%llu PDUs from %llu payload bytes", (unsigned long long)a.pdus,
		(unsigned long long)a.payload);
	FZ_CHECK(a.conns <= a.frames, "%llu connections from %llu frames", (unsigned long long)a.conns,
		(unsigned long long)a.frames);
	run_capture(data, size, sink, &b);
	FZ_CHECK(a.pdus == b.pdus && a.conns == b.conns && a.violations == b.violations && a.notes == b.notes,
		"second read differs: PDUs %llu/%llu, connections %llu/%llu, violations %llu/%llu, notes %llu/%llu",
		(unsigned long long)a.pdus, (unsigned long long)b.pdus, (unsigned long long)a.conns,
		(unsigned long long)b.conns, (unsigned long long)a.violations, (unsigned long long)b.violations,
		(unsigned long long)a.notes, (unsigned long long)b.notes);
	return 0;
}
