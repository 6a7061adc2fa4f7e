/* host/cap_link: one captured frame down to its TCP segment, for
 * `isim oracle` (host/cmd_oracle.c). Link layers: Ethernet (with 802.1Q
 * tags), Linux cooked v1 and v2 (SLL, SLL2), BSD loopback (DLT_NULL,
 * DLT_LOOP) and raw IP; network layers IPv4 (RFC 791) and IPv6 (RFC 8200,
 * extension headers skipped); TCP (RFC 9293 §3.1). Checksums are not
 * checked: loopback captures carry unfinished ones (checksum offload).
 * Pure parsing: owns nothing, the segment points into the frame.
 */
#ifndef SIM_HOST_CAP_LINK_H
#define SIM_HOST_CAP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cap_link {
	CAP_LINK_ETHER,
	CAP_LINK_SLL,  /* Linux cooked v1: 16-byte header */
	CAP_LINK_SLL2, /* Linux cooked v2: 20-byte header */
	CAP_LINK_NULL, /* 4-byte address family (DLT_NULL, DLT_LOOP) */
	CAP_LINK_RAW,  /* the IP header first (DLT_RAW, DLT_IPV4, DLT_IPV6) */
};

#define CAP_ETH_VLAN_TAGS_MAX 2  /* stacked 802.1Q / 802.1ad tags skipped */
#define CAP_IP6_EXT_HDRS_MAX 8   /* IPv6 extension headers skipped */

enum cap_tcp_flag {
	CAP_TCP_FIN = 0x01,
	CAP_TCP_SYN = 0x02,
	CAP_TCP_RST = 0x04,
	CAP_TCP_ACK = 0x10,
};

struct cap_seg {
	uint8_t family;        /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;         /* enum cap_tcp_flag */
	const uint8_t *payload;
	uint32_t len;          /* payload bytes captured */
	uint32_t wire_len;     /* payload bytes sent (more when the capture cut the frame) */
};

enum cap_decode {
	CAP_DEC_OK = 0,
	CAP_DEC_NOT_TCP,   /* not IP, or IP but not TCP: not ours */
	CAP_DEC_FRAGMENT,  /* an IP fragment: not reassembled, its bytes count as lost */
	CAP_DEC_TRUNCATED, /* the headers themselves were cut by the snap length */
	CAP_DEC_BAD,       /* headers that contradict themselves */
};

/* The link layer of a pcap DLT_ value; false when not one of ours. */
bool cap_link_from_dlt(int dlt, enum cap_link *out);

enum cap_decode cap_decode(enum cap_link link, const uint8_t *p, size_t caplen, struct cap_seg *out);

/* Both ends in 127.0.0.0/8 or ::1 (what --live accepts). */
bool cap_seg_loopback(const struct cap_seg *s);

/* "127.0.0.1:3260" or "[::1]:3260". */
void cap_endpoint(char *buf, size_t size, uint8_t family, const uint8_t *addr, uint16_t port);

#endif
