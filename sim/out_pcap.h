/* out_pcap: the simulated wire as a pcap file that Wireshark's iSCSI
 * dissector reads (TCP port 3260). File output, so outside the
 * deterministic core: only sim/main.c uses it.
 *
 * Every simulated connection gets synthesized Ethernet/IPv4/TCP headers
 * (initiator 10.1.<ini>.<path+1>, gateway 10.0.0.<gw+1>:3260), a
 * handshake, sequence numbers, segments of at most one MSS, and FIN or
 * RST at the end, written with libpcap's pcap_dump. Owns the file.
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
