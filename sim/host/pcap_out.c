/* host/pcap_out: see host/pcap_out.h. */
#include "sim/host/pcap_out.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "sim/initiator/text_keys.h"
#include "sim/initiator/pdu.h"

#define ETH_LEN 14u
#define IP_LEN 20u
#define TCP_LEN 20u
#define HDRS (ETH_LEN + IP_LEN + TCP_LEN)
/* The largest segment a capture on a TSO/GSO sending host shows: an IPv4
 * datagram's total length is 16 bits (RFC 791). */
#define SEG_MAX (65535u - IP_LEN - TCP_LEN)
#define SNAPLEN 262144u /* Wireshark's limit for one frame */
#define ISCSI_PORT 3260u

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_PSH = 0x08, TCP_ACK = 0x10 };
enum { SIDE_INI = 0, SIDE_GW = 1 };

struct pconn {
	bool open;
	uint32_t ip[2];      /* [0] initiator, [1] gateway */
	uint16_t port[2];
	uint32_t seq[2];     /* next sequence number each side sends */
	/* Each side's bytes framed into PDUs (RFC 7143 §11.2). framed[s] says
	 * rx[s] is allocated and still follows the stream: it stops at the
	 * end of that side's bytes or where framing is lost (a bad header
	 * digest, a data segment above MaxRecvDataSegmentLength). */
	struct ipdu_rx rx[2];
	bool framed[2];
	struct iparams params; /* what the login settled: digests, MRDSL */
};

struct out_pcap {
	pcap_t *pd;
	pcap_dumper_t *dump;
	struct sim_mem mem; /* the framers' buffers */
	struct pconn *conns;
	size_t nconns;
	uint64_t packets;
	/* bytes sent by one side at one instant, up to the end of a PDU */
	uint32_t pend_conn;
	int pend_side;
	uint64_t pend_t;
	size_t pend_len;
	uint8_t pend[SEG_MAX];
	uint8_t pkt[HDRS + SEG_MAX];
};

static void *mem_alloc(void *ctx, size_t size)
{
	(void)ctx;
	void *p = malloc(size);
	if (p == NULL)
		abort(); /* as host/io.c: no world is left without memory (sim/base/mem.h) */
	return p;
}

static void mem_free(void *ctx, void *p, size_t size)
{
	(void)ctx, (void)size;
	free(p);
}

struct out_pcap *out_pcap_open(const char *path, char *err, size_t err_len)
{
	struct out_pcap *o = calloc(1, sizeof(*o));
	if (o == NULL)
		return NULL;
	o->mem = (struct sim_mem){ mem_alloc, mem_free, NULL };
	o->pd = pcap_open_dead(DLT_EN10MB, (int)SNAPLEN);
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
	uint8_t *pkt = o->pkt;
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
	be32(tcp + 8, (flags & TCP_SYN) && side == SIDE_INI ? 0 : c->seq[other]);
	tcp[12] = 5 << 4;
	tcp[13] = flags | ((flags & TCP_SYN) && side == SIDE_INI ? 0 : TCP_ACK);
	be16(tcp + 14, 65535);
	if (len > 0)
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

static void append(struct out_pcap *o, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n = SEG_MAX - o->pend_len < len ? SEG_MAX - o->pend_len : len;
		memcpy(o->pend + o->pend_len, p, n);
		o->pend_len += n;
		p += n;
		len -= n;
		if (o->pend_len == SEG_MAX)
			flush(o);
	}
}

/* ---- framing: where each PDU ends ---- */

static void framer_stop(struct pconn *c, int side)
{
	if (c->framed[side])
		ipdu_rx_fini(&c->rx[side]);
	c->framed[side] = false;
}

static void framers_start(struct out_pcap *o, struct pconn *c)
{
	iparams_default(&c->params);
	for (int s = 0; s < 2; s++) {
		/* Login PDUs are bounded by the default MaxRecvDataSegmentLength
		 * (§13.12); only login text is read, payloads are skipped. */
		ipdu_rx_init(&c->rx[s], &o->mem, ISCSI_MRDSL_DEFAULT);
		c->rx[s].skip_bulk = true;
		c->framed[s] = true;
	}
}

/* The initiator's offers ("CRC32C,None") are not outcomes; only its
 * declaration of MaxRecvDataSegmentLength is, as the protocol oracle
 * reads a login (sim/oracle/protocol.c). */
static void ini_key(void *ctx, const char *key, const char *value)
{
	if (strcmp(key, "MaxRecvDataSegmentLength") == 0)
		ikeys_apply(ctx, key, value, false);
}

static void tgt_key(void *ctx, const char *key, const char *value)
{
	ikeys_apply(ctx, key, value, true);
}

/* A whole PDU from side: follow the login. From the final Login Response
 * on, digests are what it settled (RFC 7143 §13.1) and each side's data
 * segments are bounded by what its peer declared (§13.12). */
static void follow_login(struct pconn *c, int side)
{
	const struct ipdu_rx *rx = &c->rx[side];
	uint8_t op = pdu_opcode(rx->bhs);
	if (side == SIDE_INI && op == ISCSI_OP_LOGIN_REQ) {
		ikeys_each(rx->data, rx->dsl, ini_key, &c->params);
		return;
	}
	if (side != SIDE_GW || op != ISCSI_OP_LOGIN_RSP || get_be16(rx->bhs + PDU_LOGIN_STATUS) != 0)
		return;
	ikeys_each(rx->data, rx->dsl, tgt_key, &c->params);
	uint8_t flags = pdu_flags(rx->bhs);
	if (!(flags & ISCSI_LOGIN_TRANSIT) || (flags & ISCSI_LOGIN_STAGE_MASK) != ISCSI_STAGE_FULL_FEATURE)
		return;
	const uint32_t cap[2] = { c->params.tgt_mrdsl, c->params.ini_mrdsl };
	for (int s = 0; s < 2; s++) {
		if (!c->framed[s])
			continue;
		if (c->rx[s].state != IPDU_BHS && c->rx[s].state != IPDU_DONE) {
			framer_stop(c, s); /* a PDU already under way: its length is unknowable */
			continue;
		}
		c->rx[s].header_digest = c->params.header_digest;
		c->rx[s].data_digest = c->params.data_digest;
		ipdu_rx_set_cap(&c->rx[s], cap[s]);
	}
}

/* How many of the len bytes side sends belong to its current PDU; *end
 * says that PDU ends there. Without framing, all of them. */
static size_t frame(struct pconn *c, int side, const uint8_t *p, size_t len, bool *end)
{
	*end = false;
	if (!c->framed[side])
		return len;
	size_t used;
	enum ipdu_rx_result r = ipdu_rx_feed(&c->rx[side], p, len, &used);
	if (r == IPDU_READY)
		follow_login(c, side);
	if (r == IPDU_READY || r == IPDU_BAD_DDIGEST) { /* a wrong data digest still ends its PDU */
		*end = true;
		return used;
	}
	if (r != IPDU_MORE)
		framer_stop(c, side);
	return len;
}

void out_pcap_wire(void *ctx, uint64_t t_ns, uint32_t conn, int ini, int path, int gw, int what, bool from_gw,
	const uint8_t *p, size_t len)
{
	struct out_pcap *o = ctx;
	int side = from_gw ? SIDE_GW : SIDE_INI;
	if (what != 1 || o->pend_conn != conn || o->pend_side != side || o->pend_t != t_ns)
		flush(o);
	struct pconn *c = conn_get(o, conn);
	if (c == NULL)
		return;
	switch (what) {
	case 0: /* open: the three-way handshake */
		framer_stop(c, SIDE_INI);
		framer_stop(c, SIDE_GW);
		*c = (struct pconn){ .open = true };
		c->ip[0] = (10u << 24) | (1u << 16) | ((uint32_t)ini << 8) | (uint32_t)(path + 1);
		c->ip[1] = (10u << 24) | (uint32_t)(gw + 1);
		c->port[0] = (uint16_t)(32768u + conn % 28000u);
		c->port[1] = ISCSI_PORT;
		c->seq[0] = conn * 1000003u;
		c->seq[1] = conn * 7919u + 1u;
		framers_start(o, c);
		packet(o, t_ns, c, SIDE_INI, TCP_SYN, NULL, 0);
		packet(o, t_ns, c, SIDE_GW, TCP_SYN, NULL, 0);
		packet(o, t_ns, c, SIDE_INI, 0, NULL, 0);
		return;
	case 1:
		if (!c->open)
			return;
		o->pend_conn = conn;
		o->pend_side = side;
		o->pend_t = t_ns;
		/* Every PDU starts a segment (host/pcap_out.h says why). */
		while (len > 0) {
			bool end;
			size_t n = frame(c, side, p, len, &end);
			append(o, p, n);
			if (end)
				flush(o);
			p += n;
			len -= n;
		}
		return;
	case 2:
		if (c->open)
			packet(o, t_ns, c, side, TCP_FIN, NULL, 0);
		framer_stop(c, side); /* that side sends nothing more */
		return;
	case 3:
		if (c->open)
			packet(o, t_ns, c, side, TCP_RST, NULL, 0);
		c->open = false;
		framer_stop(c, SIDE_INI);
		framer_stop(c, SIDE_GW);
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
	for (size_t i = 0; i < o->nconns; i++) {
		framer_stop(&o->conns[i], SIDE_INI);
		framer_stop(&o->conns[i], SIDE_GW);
	}
	free(o->conns);
	free(o);
	return n;
}
