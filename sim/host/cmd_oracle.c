/* host/cmd_oracle: `isim oracle`, the simulator's protocol oracle over
 * anyone's traffic: a pcap/pcapng file (libpcap) or a live capture on
 * loopback, every iSCSI connection reassembled (host/cap_tcp), framed and
 * checked (host/cap_iscsi, sim/oracle/protocol.c).
 *
 *   isim oracle --pcap FILE [--port P[,P...]] [--digests header,data|none|auto] [--quiet]
 *   isim oracle --live lo [--seconds N] [--write FILE] [--port ...] [--digests ...] [--quiet]
 *
 * --port: the targets' TCP ports (default 3260; repeatable, or a list).
 * --digests: for connections whose login the capture does not hold
 *   ("header", "data", "header,data" or "none"); auto (the default):
 *   recognised from the stream. A login seen always decides.
 * --live: only the loopback interface `lo`, and only segments between
 *   127.0.0.0/8 addresses or ::1 (the project's network rule); runs for
 *   --seconds N, or until SIGINT/SIGTERM. --write FILE keeps what it
 *   followed as a pcap file. "oracle: capturing on lo" on stderr says
 *   the capture is open.
 * --quiet: no notes (resynchronizations, gaps, logins not seen).
 *
 * Prints each violation on its own line ("frame F: conn C A > B: who PDU:
 * rule [RFC 7143 §x]"), notes prefixed "note:", and ends with exactly
 * "oracle: N PDUs on C connections, V violations". Exit status: 0 when V
 * is 0, 1 when not, 2 for a bad command line or a file that cannot be
 * read (the message names it).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/cap_iscsi.h"
#include "sim/host/cap_link.h"
#include "sim/host/cap_tcp.h"
#include "sim/host/isim.h"

#define ORACLE_PORTS_MAX 16u
#define ORACLE_SECONDS_MAX 86400u
#define ORACLE_SNAPLEN 262144       /* bytes kept of each live frame: a whole loopback TSO segment */
#define ORACLE_POLL_MS 100          /* live: how often the clock and the stop flag are looked at */
#define ORACLE_BUFFER_BYTES (64 << 20) /* live: the kernel's capture buffer (drops are reported) */

struct oracle_opts {
	const char *pcap, *live, *write;
	uint64_t seconds;
	uint16_t ports[ORACLE_PORTS_MAX];
	unsigned nports;
	struct cap_run run;
};

struct oracle {
	struct oracle_opts *o;
	struct cap_tcp tcp;
	enum cap_link link;
	uint64_t frame;
	uint64_t fragments, truncated, bad, foreign;
	pcap_dumper_t *dump;
};

static int oracle_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int oracle_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("isim oracle: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fputs("usage: isim oracle --pcap FILE [--port P[,P...]] [--digests header,data|none|auto] [--quiet]\n"
	      "       isim oracle --live lo [--seconds N] [--write FILE] [--port P[,P...]] [--digests ...] [--quiet]\n",
		stderr);
	return 2;
}

static bool parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *e;
	errno = 0;
	unsigned long long n = strtoull(v, &e, 10);
	if (*v < '0' || *v > '9' || *e != '\0' || errno != 0 || n < lo || n > hi)
		return false;
	*out = n;
	return true;
}

static int parse_ports(const char *v, struct oracle_opts *o)
{
	char buf[256];
	if (strlen(v) >= sizeof(buf))
		return oracle_usage("--port '%s': too long", v);
	strcpy(buf, v);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		uint64_t p;
		if (!parse_u64(t, 1, 65535, &p))
			return oracle_usage("--port '%s': a port is 1..65535", t);
		if (o->nports == ORACLE_PORTS_MAX)
			return oracle_usage("--port: more than %u ports", ORACLE_PORTS_MAX);
		o->ports[o->nports++] = (uint16_t)p;
	}
	return 0;
}

static int parse_digests(const char *v, struct cap_run *r)
{
	if (strcmp(v, "auto") == 0) {
		r->digests = CAP_DIGESTS_AUTO;
		return 0;
	}
	r->digests = CAP_DIGESTS_GIVEN;
	r->header_digest = r->data_digest = false;
	if (strcmp(v, "none") == 0)
		return 0;
	char buf[64];
	if (strlen(v) >= sizeof(buf))
		return oracle_usage("--digests '%s': header, data, header,data, none or auto", v);
	strcpy(buf, v);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "header") == 0)
			r->header_digest = true;
		else if (strcmp(t, "data") == 0)
			r->data_digest = true;
		else
			return oracle_usage("--digests '%s': header, data, header,data, none or auto", v);
	}
	return 0;
}

static int parse_oracle_args(int argc, char **argv, struct oracle_opts *o)
{
	bool have_seconds = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--quiet") == 0) {
			o->run.quiet = true;
			continue;
		}
		if (i + 1 >= argc)
			return oracle_usage("%s: unknown option or missing value", a);
		const char *v = argv[++i];
		int rc = 0;
		if (strcmp(a, "--pcap") == 0 && o->pcap == NULL && v[0] != '\0')
			o->pcap = v;
		else if (strcmp(a, "--live") == 0 && o->live == NULL)
			o->live = v;
		else if (strcmp(a, "--write") == 0 && o->write == NULL && v[0] != '\0')
			o->write = v;
		else if (strcmp(a, "--port") == 0)
			rc = parse_ports(v, o);
		else if (strcmp(a, "--digests") == 0)
			rc = parse_digests(v, &o->run);
		else if (strcmp(a, "--seconds") == 0 && !have_seconds) {
			if (!parse_u64(v, 1, ORACLE_SECONDS_MAX, &o->seconds))
				return oracle_usage("--seconds '%s': a whole number 1..%u", v, ORACLE_SECONDS_MAX);
			have_seconds = true;
		} else
			return oracle_usage("'%s': unknown option, given twice, or an empty value", a);
		if (rc != 0)
			return rc;
	}
	if ((o->pcap == NULL) == (o->live == NULL))
		return oracle_usage("give one of --pcap FILE or --live lo");
	if (o->live != NULL && strcmp(o->live, "lo") != 0)
		return oracle_usage("--live '%s': only the loopback interface 'lo' may be captured", o->live);
	if (o->pcap != NULL && (have_seconds || o->write != NULL))
		return oracle_usage("--seconds and --write go with --live");
	if (o->nports == 0)
		o->ports[o->nports++] = 3260;
	return 0;
}

static bool is_port(const struct oracle_opts *o, uint16_t p)
{
	for (unsigned i = 0; i < o->nports; i++)
		if (o->ports[i] == p)
			return true;
	return false;
}

/* One frame of the capture. */
static void frame(struct oracle *x, const struct pcap_pkthdr *h, const uint8_t *p)
{
	x->frame++;
	struct cap_seg s;
	switch (cap_decode(x->link, p, h->caplen, &s)) {
	case CAP_DEC_OK:
		break;
	case CAP_DEC_NOT_TCP:
		return;
	case CAP_DEC_FRAGMENT:
		x->fragments++;
		return;
	case CAP_DEC_TRUNCATED:
		x->truncated++;
		return;
	case CAP_DEC_BAD:
		x->bad++;
		return;
	}
	bool to_server = is_port(x->o, s.dport), to_client = is_port(x->o, s.sport);
	if (!to_server && !to_client)
		return;
	if (x->o->live != NULL && !cap_seg_loopback(&s)) {
		x->foreign++; /* the network rule: loopback only */
		return;
	}
	if (x->dump != NULL)
		pcap_dump((u_char *)x->dump, h, p);
	cap_tcp_segment(&x->tcp, &s, to_server, x->frame);
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int open_live(struct oracle *x, pcap_t **out)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create("lo", err);
	if (pc == NULL) {
		fprintf(stderr, "isim oracle: --live lo: %s\n", err);
		return 2;
	}
	pcap_set_snaplen(pc, ORACLE_SNAPLEN);
	pcap_set_promisc(pc, 0);
	pcap_set_timeout(pc, ORACLE_POLL_MS);
	/* Not immediate mode: its ring holds one snap length per frame, and a
	 * busy loopback overflows it; blocks come at most ORACLE_POLL_MS late. */
	pcap_set_buffer_size(pc, ORACLE_BUFFER_BYTES);
	if (pcap_activate(pc) < 0) {
		fprintf(stderr, "isim oracle: --live lo: %s\n", pcap_geterr(pc));
		pcap_close(pc);
		return 2;
	}
	struct bpf_program prog;
	if (pcap_compile(pc, &prog, "tcp", 1, PCAP_NETMASK_UNKNOWN) == 0) {
		pcap_setfilter(pc, &prog);
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(pc, 1, err) != 0) {
		fprintf(stderr, "isim oracle: --live lo: %s\n", err);
		pcap_close(pc);
		return 2;
	}
	(void)x;
	*out = pc;
	return 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *p)
{
	frame((struct oracle *)(void *)user, h, p);
}

static void run_live(struct oracle *x, pcap_t *pc)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fputs("oracle: capturing on lo\n", stderr);
	fflush(stderr);
	uint64_t end = x->o->seconds > 0 ? wall_ns() + x->o->seconds * 1000000000ull : 0;
	struct pollfd pfd = { .fd = pcap_get_selectable_fd(pc), .events = POLLIN };
	while (!stop_flag && (end == 0 || wall_ns() < end)) {
		if (pfd.fd >= 0)
			(void)poll(&pfd, 1, ORACLE_POLL_MS);
		if (pcap_dispatch(pc, -1, on_packet, (u_char *)x) < 0)
			break;
		if (x->dump != NULL)
			pcap_dump_flush(x->dump);
	}
	/* What arrived before the stop: the last block is handed over once its
	 * timeout passes. */
	for (int i = 0; i < 3; i++) {
		if (pfd.fd >= 0)
			(void)poll(&pfd, 1, ORACLE_POLL_MS);
		while (pcap_dispatch(pc, -1, on_packet, (u_char *)x) > 0) {
		}
	}
	struct pcap_stat st;
	if (pcap_stats(pc, &st) == 0 && st.ps_drop + st.ps_ifdrop > 0)
		printf("note: the kernel dropped %u frames of the capture (gaps above)\n", st.ps_drop + st.ps_ifdrop);
}

int cmd_oracle(int argc, char **argv)
{
	static struct oracle_opts o;
	memset(&o, 0, sizeof(o));
	o.run.out = stdout;
	int rc = parse_oracle_args(argc, argv, &o);
	if (rc != 0)
		return rc;
	static struct oracle x;
	memset(&x, 0, sizeof(x));
	x.o = &o;
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = NULL;
	if (o.pcap != NULL) {
		pc = pcap_open_offline(o.pcap, err);
		if (pc == NULL) {
			fprintf(stderr, "isim oracle: %s: %s\n", o.pcap, err);
			return 2;
		}
	} else if ((rc = open_live(&x, &pc)) != 0) {
		return rc;
	}
	const char *src = o.pcap != NULL ? o.pcap : "lo";
	if (!cap_link_from_dlt(pcap_datalink(pc), &x.link)) {
		fprintf(stderr, "isim oracle: %s: link type %s (%d) not supported (Ethernet, Linux SLL/SLL2, NULL/LOOP, raw IP)\n",
			src, pcap_datalink_val_to_name(pcap_datalink(pc)) ? pcap_datalink_val_to_name(pcap_datalink(pc)) : "?",
			pcap_datalink(pc));
		pcap_close(pc);
		return 2;
	}
	if (o.write != NULL && (x.dump = pcap_dump_open(pc, o.write)) == NULL) {
		fprintf(stderr, "isim oracle: %s: %s\n", o.write, pcap_geterr(pc));
		pcap_close(pc);
		return 2;
	}
	uint64_t t0 = wall_ns();
	cap_tcp_init(&x.tcp, &cap_iscsi_ops, &o.run);
	if (o.pcap != NULL) {
		struct pcap_pkthdr *h;
		const u_char *p;
		int r;
		while ((r = pcap_next_ex(pc, &h, &p)) == 1)
			frame(&x, h, p);
		if (r == PCAP_ERROR) /* a file cut short: what came before is checked, and said */
			printf("note: %s: after frame %llu: %s\n", o.pcap, (unsigned long long)x.frame, pcap_geterr(pc));
	} else {
		run_live(&x, pc);
	}
	cap_tcp_finish(&x.tcp);
	cap_tcp_fini(&x.tcp);
	if (x.dump != NULL)
		pcap_dump_close(x.dump);
	pcap_close(pc);
	if (!o.run.quiet) {
		if (x.fragments + x.truncated + x.bad > 0)
			printf("note: %llu IP fragments (not reassembled), %llu frames cut inside their headers, %llu malformed headers skipped\n",
				(unsigned long long)x.fragments, (unsigned long long)x.truncated, (unsigned long long)x.bad);
		if (x.foreign > 0)
			printf("note: %llu segments not between loopback addresses ignored\n", (unsigned long long)x.foreign);
	}
	fprintf(stderr, "oracle: %llu frames in %.3f s wall\n", (unsigned long long)x.frame,
		(double)(wall_ns() - t0) / 1e9);
	printf("oracle: %llu PDUs on %llu connections, %llu violations\n", (unsigned long long)o.run.pdus,
		(unsigned long long)o.run.conns, (unsigned long long)o.run.violations);
	fflush(stdout);
	return o.run.violations == 0 ? 0 : 1;
}
