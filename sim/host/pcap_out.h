/* host/pcap_out: the simulated wire as a pcap file that Wireshark's iSCSI
 * dissector reads (TCP port 3260). File output, so outside the
 * deterministic core: only sim/host/ uses it.
 *
 * Every simulated connection gets synthesized Ethernet/IPv4/TCP headers
 * (initiator 10.1.<ini>.<path+1>, gateway 10.0.0.<gw+1>:3260), a
 * handshake, sequence numbers, and FIN or RST at the end, written with
 * libpcap's pcap_dump. The bytes are the ones each side sent, in order.
 *
 * Segments are cut where PDUs end: each side's bytes are framed (sim/ipdu,
 * with the digests and MaxRecvDataSegmentLength the login settled, read
 * with sim/ikeys), every PDU starts a segment, and a PDU is one segment of
 * up to 64 KiB, as a capture on a sending host with TCP segmentation
 * offload shows it. Why: Wireshark's iSCSI dissector (4.0,
 * packet-iscsi.c) has no setting for digests and ignores the login keys;
 * it guesses them once per connection, from the first full-feature PDU
 * that starts a segment holding 4 bytes more than the PDU: a header digest
 * if the 4 bytes after the BHS are its CRC32C, a data digest if the 4
 * bytes after the data segment are theirs, even when that segment is
 * empty (RFC 7143 §11.2.3: no digest then). When a Test Unit Ready shared
 * its segment with the next PDU, the guess was "no data digest", each
 * later data digest was read as the next BHS, and PDUs were dropped or
 * misread (seed 1 had 1769 of 14466 PDUs undecoded, one malformed). A PDU
 * spanning segments before the guess is reassembled without its digest,
 * hence the large segments. Where framing is lost (a bad header digest,
 * a PDU above the declared limit) segments are cut by size only.
 * Owns the file and the framers' buffers.
 */
#ifndef SIM_OUT_PCAP_H
#define SIM_OUT_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct out_pcap;

struct out_pcap *out_pcap_open(const char *path, char *err, size_t err_len);
/* world_wire_obs.wire */
void out_pcap_wire(void *ctx, uint64_t t_ns, uint32_t conn, int ini, int path, int gw, int what, bool from_gw,
	const uint8_t *p, size_t len);
/* Flush and close; returns packets written. */
uint64_t out_pcap_close(struct out_pcap *o);

#endif
