/* host/cap_link: see host/cap_link.h. */
#include "sim/host/cap_link.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

enum {
	ETH_HDR_LEN = 14,
	ETH_VLAN_LEN = 4,
	SLL_HDR_LEN = 16,
	SLL2_HDR_LEN = 20,
	NULL_HDR_LEN = 4,
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100,
	ETHERTYPE_QINQ = 0x88a8,
	IP4_HDR_MIN = 20,
	IP6_HDR_LEN = 40,
	IPPROTO_TCP_NUM = 6,
	IP6_HOP = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_DSTOPTS = 60,
	TCP_HDR_MIN = 20,
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

bool cap_link_from_dlt(int dlt, enum cap_link *out)
{
	switch (dlt) {
	case DLT_EN10MB: *out = CAP_LINK_ETHER; return true;
	case DLT_LINUX_SLL: *out = CAP_LINK_SLL; return true;
	case DLT_LINUX_SLL2: *out = CAP_LINK_SLL2; return true;
	case DLT_NULL:
	case DLT_LOOP: *out = CAP_LINK_NULL; return true;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6: *out = CAP_LINK_RAW; return true;
	default: return false;
	}
}

/* RFC 9293 §3.1: the TCP header, its options, the payload. ip_payload is
 * what the IP header says the datagram carries after itself. */
static enum cap_decode tcp(const uint8_t *p, size_t caplen, size_t ip_payload, struct cap_seg *s)
{
	if (caplen < TCP_HDR_MIN)
		return CAP_DEC_TRUNCATED;
	size_t hl = (size_t)(p[12] >> 4) * 4;
	if (hl < TCP_HDR_MIN || hl > ip_payload)
		return CAP_DEC_BAD;
	if (caplen < hl)
		return CAP_DEC_TRUNCATED;
	s->sport = be16(p);
	s->dport = be16(p + 2);
	s->seq = be32(p + 4);
	s->ack = be32(p + 8);
	s->flags = p[13] & (CAP_TCP_FIN | CAP_TCP_SYN | CAP_TCP_RST | CAP_TCP_ACK);
	s->payload = p + hl;
	s->wire_len = (uint32_t)(ip_payload - hl);
	size_t have = caplen - hl;
	s->len = have < s->wire_len ? (uint32_t)have : s->wire_len; /* Ethernet padding is not payload */
	return CAP_DEC_OK;
}

static enum cap_decode ipv4(const uint8_t *p, size_t caplen, struct cap_seg *s)
{
	if (caplen < IP4_HDR_MIN)
		return CAP_DEC_TRUNCATED;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4, total = be16(p + 2);
	if (ihl < IP4_HDR_MIN || total < ihl)
		return CAP_DEC_BAD;
	if (caplen < ihl)
		return CAP_DEC_TRUNCATED;
	if (p[9] != IPPROTO_TCP_NUM)
		return CAP_DEC_NOT_TCP;
	/* RFC 791 §3.1: MF set or a fragment offset: one piece of a datagram. */
	if ((be16(p + 6) & 0x3fff) != 0)
		return CAP_DEC_FRAGMENT;
	s->family = 4;
	memset(s->src, 0, sizeof(s->src));
	memset(s->dst, 0, sizeof(s->dst));
	memcpy(s->src, p + 12, 4);
	memcpy(s->dst, p + 16, 4);
	/* TSO captures on the sender show total 0 for segments above 64 KiB. */
	size_t payload = total == 0 ? caplen - ihl : total - ihl;
	return tcp(p + ihl, caplen - ihl, payload, s);
}

static enum cap_decode ipv6(const uint8_t *p, size_t caplen, struct cap_seg *s)
{
	if (caplen < IP6_HDR_LEN)
		return CAP_DEC_TRUNCATED;
	size_t payload = be16(p + 4);
	if (payload == 0) /* jumbogram or TSO: take what was captured */
		payload = caplen - IP6_HDR_LEN;
	s->family = 6;
	memcpy(s->src, p + 8, 16);
	memcpy(s->dst, p + 24, 16);
	uint8_t next = p[6];
	size_t off = IP6_HDR_LEN;
	for (unsigned i = 0; i <= CAP_IP6_EXT_HDRS_MAX; i++) {
		if (next == IPPROTO_TCP_NUM)
			break;
		if (next == IP6_FRAGMENT)
			return CAP_DEC_FRAGMENT;
		if (next != IP6_HOP && next != IP6_ROUTING && next != IP6_DSTOPTS)
			return CAP_DEC_NOT_TCP;
		if (i == CAP_IP6_EXT_HDRS_MAX)
			return CAP_DEC_BAD;
		if (caplen < off + 8)
			return CAP_DEC_TRUNCATED;
		size_t len = ((size_t)p[off + 1] + 1) * 8;
		next = p[off];
		off += len;
		if (off - IP6_HDR_LEN > payload)
			return CAP_DEC_BAD;
	}
	if (caplen < off)
		return CAP_DEC_TRUNCATED;
	return tcp(p + off, caplen - off, payload - (off - IP6_HDR_LEN), s);
}

static enum cap_decode ip_by_type(uint16_t type, const uint8_t *p, size_t caplen, struct cap_seg *s)
{
	if (type == ETHERTYPE_IPV4)
		return ipv4(p, caplen, s);
	if (type == ETHERTYPE_IPV6)
		return ipv6(p, caplen, s);
	return CAP_DEC_NOT_TCP;
}

static enum cap_decode ip_by_version(const uint8_t *p, size_t caplen, struct cap_seg *s)
{
	if (caplen < 1)
		return CAP_DEC_TRUNCATED;
	if (p[0] >> 4 == 4)
		return ipv4(p, caplen, s);
	if (p[0] >> 4 == 6)
		return ipv6(p, caplen, s);
	return CAP_DEC_NOT_TCP;
}

static enum cap_decode ether(const uint8_t *p, size_t caplen, struct cap_seg *s)
{
	if (caplen < ETH_HDR_LEN)
		return CAP_DEC_TRUNCATED;
	size_t off = 12;
	uint16_t type = be16(p + off);
	for (unsigned i = 0; i < CAP_ETH_VLAN_TAGS_MAX && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); i++) {
		off += ETH_VLAN_LEN;
		if (caplen < off + 2)
			return CAP_DEC_TRUNCATED;
		type = be16(p + off);
	}
	off += 2;
	return ip_by_type(type, p + off, caplen - off, s);
}

enum cap_decode cap_decode(enum cap_link link, const uint8_t *p, size_t caplen, struct cap_seg *out)
{
	memset(out, 0, sizeof(*out));
	switch (link) {
	case CAP_LINK_ETHER:
		return ether(p, caplen, out);
	case CAP_LINK_SLL: /* protocol type at 14 (Ethernet type) */
		if (caplen < SLL_HDR_LEN)
			return CAP_DEC_TRUNCATED;
		return ip_by_type(be16(p + 14), p + SLL_HDR_LEN, caplen - SLL_HDR_LEN, out);
	case CAP_LINK_SLL2: /* protocol type first */
		if (caplen < SLL2_HDR_LEN)
			return CAP_DEC_TRUNCATED;
		return ip_by_type(be16(p), p + SLL2_HDR_LEN, caplen - SLL2_HDR_LEN, out);
	case CAP_LINK_NULL:
		/* The family is in the capturing host's byte order (and its
		 * values differ between systems): the IP version says it. */
		if (caplen < NULL_HDR_LEN)
			return CAP_DEC_TRUNCATED;
		return ip_by_version(p + NULL_HDR_LEN, caplen - NULL_HDR_LEN, out);
	case CAP_LINK_RAW:
		return ip_by_version(p, caplen, out);
	}
	return CAP_DEC_BAD;
}

bool cap_seg_loopback(const struct cap_seg *s)
{
	static const uint8_t one6[16] = { [15] = 1 };
	if (s->family == 4)
		return s->src[0] == 127 && s->dst[0] == 127;
	return memcmp(s->src, one6, 16) == 0 && memcmp(s->dst, one6, 16) == 0;
}

void cap_endpoint(char *buf, size_t size, uint8_t family, const uint8_t *a, uint16_t port)
{
	if (family == 4) {
		snprintf(buf, size, "%u.%u.%u.%u:%u", a[0], a[1], a[2], a[3], port);
		return;
	}
	/* Plain groups; :: compression only for a leading run (enough for ::1). */
	char tmp[48];
	size_t n = 0;
	unsigned i = 0;
	while (i < 8 && a[2 * i] == 0 && a[2 * i + 1] == 0)
		i++;
	if (i == 8)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "::");
	else if (i > 0)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, ":");
	for (unsigned j = i; j < 8; j++)
		n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, j == 0 ? "%x" : ":%x", be16(a + 2 * j));
	snprintf(buf, size, "[%s]:%u", tmp, port);
}
