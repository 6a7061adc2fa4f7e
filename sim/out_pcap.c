/* out_pcap: see out_pcap.h. */
#include "out_pcap.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define MSS 1448u
#define ETH_LEN 14u
#define IP_LEN 20u
#define TCP_LEN 20u
#define HDRS (ETH_LEN + IP_LEN + TCP_LEN)
#define ISCSI_PORT 3260u

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };

struct pconn {
	bool open;
	uint32_t ip[2];      /* [0] initiator, [1] gateway */
	uint16_t port[2];
	uint32_t seq[2];     /* next sequence number each side sends */
};

struct out_pcap {
	pcap_t *pd;
	pcap_dumper_t *dump;
	struct pconn *conns;
	size_t nconns;
	uint64_t packets;
	/* bytes sent by one side at one instant are written as few segments */
	uint32_t pend_conn;
	int pend_side;
	uint64_t pend_t;
	size_t pend_len;
	uint8_t pend[MSS];
};

struct out_pcap *out_pcap_open(const char *path, char *err, size_t err_len)
{
	struct out_pcap *o = calloc(1, sizeof(*o));
	if (o == NULL)
		return NULL;
	o->pd = pcap_open_dead(DLT_EN10MB, 65535);
	o->dump = o->pd ? pcap_dump_open(o->pd, path) : NULL;
	if (o->dump == NULL) {
		snprintf(err, err_len, "%s: %s", path, o->pd ? pcap_geterr(o->pd) : "pcap_open_dead failed");
		if (o->pd)
			pcap_close(o->pd);
		free(o);
		return NULL;
	}
	return o;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v); }

static void packet(struct out_pcap *o, uint64_t t, struct pconn *c, int side, uint8_t flags, const uint8_t *data,
	size_t len)
{
	uint8_t pkt[HDRS + MSS];
	int other = 1 - side;
	uint8_t *eth = pkt, *ip = pkt + ETH_LEN, *tcp = ip + IP_LEN;
	memset(pkt, 0, HDRS);
	/* Locally administered MACs naming the side. */
	eth[0] = 0x02, eth[5] = (uint8_t)(other + 1);
	eth[6] = 0x02, eth[11] = (uint8_t)(side + 1);
	be16(eth + 12, 0x0800);
	ip[0] = 0x45;
	be16(ip + 2, (uint32_t)(IP_LEN + TCP_LEN + len));
	be16(ip + 4, (uint32_t)o->packets);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	be32(ip + 12, c->ip[side]);
	be32(ip + 16, c->ip[other]);
	be16(ip + 10, csum_fold(csum_add(0, ip, IP_LEN)));
	be16(tcp, c->port[side]);
	be16(tcp + 2, c->port[other]);
	be32(tcp + 4, c->seq[side]);
	be32(tcp + 8, (flags & TCP_SYN) && side == 0 ? 0 : c->seq[other]);
	tcp[12] = 5 << 4;
	tcp[13] = flags | ((flags & TCP_SYN) && side == 0 ? 0 : TCP_ACK);
	be16(tcp + 14, 65535);
	memcpy(tcp + TCP_LEN, data, len);
	uint8_t pseudo[12];
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0, pseudo[9] = 6;
	be16(pseudo + 10, (uint32_t)(TCP_LEN + len));
	be16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, TCP_LEN + len)));
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)(HDRS + len), .len = (bpf_u_int32)(HDRS + len) };
	h.ts.tv_sec = (time_t)(t / 1000000000ull);
	h.ts.tv_usec = (suseconds_t)(t % 1000000000ull / 1000u);
	pcap_dump((u_char *)o->dump, &h, pkt);
	o->packets++;
	c->seq[side] += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
}

static struct pconn *conn_get(struct out_pcap *o, uint32_t id)
{
	if (id >= o->nconns) {
		size_t n = o->nconns ? o->nconns : 64;
		while (n <= id)
			n *= 2;
		struct pconn *c = realloc(o->conns, n * sizeof(*c));
		if (c == NULL)
			return NULL;
		memset(c + o->nconns, 0, (n - o->nconns) * sizeof(*c));
		o->conns = c;
		o->nconns = n;
	}
	return &o->conns[id];
}

static void flush(struct out_pcap *o)
{
	if (o->pend_len == 0)
		return;
	struct pconn *c = conn_get(o, o->pend_conn);
	if (c != NULL)
		packet(o, o->pend_t, c, o->pend_side, TCP_PSH, o->pend, o->pend_len);
	o->pend_len = 0;
}

void out_pcap_wire(void *ctx, uint64_t t_ns, uint32_t conn, int ini, int path, int gw, int what, bool from_gw,
	const uint8_t *p, size_t len)
{
	struct out_pcap *o = ctx;
	int side = from_gw ? 1 : 0;
	if (what != 1 || o->pend_conn != conn || o->pend_side != side || o->pend_t != t_ns)
		flush(o);
	struct pconn *c = conn_get(o, conn);
	if (c == NULL)
		return;
	switch (what) {
	case 0: /* open: the three-way handshake */
		*c = (struct pconn){ .open = true };
		c->ip[0] = (10u << 24) | (1u << 16) | ((uint32_t)ini << 8) | (uint32_t)(path + 1);
		c->ip[1] = (10u << 24) | (uint32_t)(gw + 1);
		c->port[0] = (uint16_t)(32768u + conn % 28000u);
		c->port[1] = ISCSI_PORT;
		c->seq[0] = conn * 1000003u;
		c->seq[1] = conn * 7919u + 1u;
		packet(o, t_ns, c, 0, TCP_SYN, NULL, 0);
		packet(o, t_ns, c, 1, TCP_SYN, NULL, 0);
		packet(o, t_ns, c, 0, 0, NULL, 0);
		return;
	case 1:
		if (!c->open)
			return;
		o->pend_conn = conn;
		o->pend_side = side;
		o->pend_t = t_ns;
		while (len > 0) {
			size_t n = MSS - o->pend_len < len ? MSS - o->pend_len : len;
			memcpy(o->pend + o->pend_len, p, n);
			o->pend_len += n;
			p += n;
			len -= n;
			if (o->pend_len == MSS)
				flush(o);
		}
		return;
	case 2:
		if (c->open)
			packet(o, t_ns, c, side, TCP_FIN, NULL, 0);
		return;
	case 3:
		if (c->open)
			packet(o, t_ns, c, side, TCP_RST, NULL, 0);
		c->open = false;
		return;
	default:
		return;
	}
}

uint64_t out_pcap_close(struct out_pcap *o)
{
	flush(o);
	uint64_t n = o->packets;
	pcap_dump_close(o->dump);
	pcap_close(o->pd);
	free(o->conns);
	free(o);
	return n;
}
