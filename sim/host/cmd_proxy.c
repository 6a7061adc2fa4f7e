/* host/cmd_proxy: `isim proxy`, the fault-injecting loopback TCP proxy.
 *
 *   isim proxy --listen 127.0.0.1:PORT --to 127.0.0.1:PORT
 *              [--scenario FILE [--path INI:GW]] [--fault SPEC]... [--seed S]
 *              [--log FILE] [--seconds N] [--start now|signal] [--syn drop|hold]
 *
 * The faults come from a scenario file (its network faults on the link
 * between initiator INI and gateway GW, default 0:0: partition, stall,
 * reset, slow_link, login_drop, and disk_slow of GW as latency) and from
 * --fault specs (infra/fproxy.h, sim/README.md "Fault-injecting proxy").
 * Time 0 is when the proxy starts, or with --start signal when it gets
 * SIGUSR1: until then the rules' clock stays at 0 (connections pass,
 * no timed fault is due), so that a client that must log in through the
 * proxy first (the open-iscsi guest, scenarios/live-guest.sh) starts the
 * schedule when its workload starts. Every fault applied is one line of
 * --log (default stderr). Runs until SIGINT/SIGTERM or --seconds (from
 * the proxy's start, whatever --start says).
 * --syn says what a partition does to a new connection: drop (the
 * default) answers no SYN, as a real partition (host/proxy.h); hold
 * accepts it and holds its bytes, connecting to the target only at the
 * heal and never if the client closed first: every connection attempt
 * pending at the heal then forms at once, which no real network does
 * (the guest's proxies held so until issue 15's part 3; the relays in
 * front of them now give up with the guest's login instead,
 * scenarios/live-guest.sh).
 * Exit: 0 after a clean stop, 2 bad command line or file.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/isim.h"
#include "sim/host/proxy.h"

/* The rules' clock before --start signal's SIGUSR1: far enough ahead
 * that it stays at 0 (proxy.c's rel), small enough that a deadline
 * computed from it cannot overflow 64 bits. */
#define PROXY_CLOCK_HELD_NS (1000000000ull * 3600u * 24u * 365u * 30u)

static volatile sig_atomic_t stop_asked, start_asked;

static void on_signal(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static void on_start(int sig)
{
	(void)sig;
	start_asked = 1;
}

static int usage(const char *why)
{
	fprintf(stderr, "isim proxy: %s\n", why);
	fputs("usage: isim proxy --listen 127.0.0.1:PORT --to 127.0.0.1:PORT [--scenario FILE [--path INI:GW]]\n"
	      "                  [--fault SPEC]... [--seed S] [--log FILE] [--seconds N] [--start now|signal]\n"
	      "                  [--syn drop|hold]\n",
	      stderr);
	return 2;
}

static bool parse_u64_arg(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool proxy_cli_path(const char *s, int *ini, int *gw)
{
	char *end;
	long a = strtol(s, &end, 10);
	if (end == s || *end != ':' || a < 0 || a >= SIM_INIS_MAX)
		return false;
	const char *g = end + 1;
	long b = strtol(g, &end, 10);
	if (end == g || *end != '\0' || b < 0 || b >= SIM_GWS_MAX)
		return false;
	*ini = (int)a;
	*gw = (int)b;
	return true;
}

int proxy_cli_scenario(const char *file, struct sim_params *p, struct scenario_expect *e)
{
	char *text = read_file(file);
	if (text == NULL) {
		fprintf(stderr, "isim: cannot read %s: %s\n", file, strerror(errno));
		return -1;
	}
	char err[256];
	params_default(p);
	int rc = scenario_parse_from(file, text, p, e, err, sizeof(err));
	free(text);
	if (rc != 0)
		fprintf(stderr, "isim: %s\n", err);
	return rc;
}

int cmd_proxy(int argc, char **argv)
{
	const char *listen_s = NULL, *to_s = NULL, *scn = NULL, *log_s = NULL;
	const char *faults[FPX_RULES_MAX];
	unsigned nfaults = 0;
	uint64_t seed = 1, seconds = 0;
	bool have_seed = false, start_on_signal = false, syn_hold = false;
	int ini = 0, gw = 0;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			return usage("every option takes a value");
		const char *v = argv[++i];
		if (strcmp(a, "--listen") == 0)
			listen_s = v;
		else if (strcmp(a, "--to") == 0)
			to_s = v;
		else if (strcmp(a, "--scenario") == 0)
			scn = v;
		else if (strcmp(a, "--log") == 0)
			log_s = v;
		else if (strcmp(a, "--fault") == 0 && nfaults < FPX_RULES_MAX)
			faults[nfaults++] = v;
		else if (strcmp(a, "--seed") == 0 && parse_u64_arg(v, &seed))
			have_seed = true;
		else if (strcmp(a, "--seconds") == 0 && parse_u64_arg(v, &seconds))
			;
		else if (strcmp(a, "--path") == 0 && proxy_cli_path(v, &ini, &gw))
			;
		else if (strcmp(a, "--start") == 0 && (strcmp(v, "now") == 0 || strcmp(v, "signal") == 0))
			start_on_signal = strcmp(v, "signal") == 0;
		else if (strcmp(a, "--syn") == 0 && (strcmp(v, "drop") == 0 || strcmp(v, "hold") == 0))
			syn_hold = strcmp(v, "hold") == 0;
		else {
			char why[160];
			snprintf(why, sizeof(why), "bad option or value '%s %s'", a, v);
			return usage(why);
		}
	}
	if (listen_s == NULL || to_s == NULL)
		return usage("--listen and --to are required");
	struct sockaddr_in la, ta;
	char why[256];
	if (!hpx_parse_addr(listen_s, &la, why, sizeof(why)) || !hpx_parse_addr(to_s, &ta, why, sizeof(why)))
		return usage(why);
	struct sim_params sp;
	struct scenario_expect se;
	if (scn != NULL && proxy_cli_scenario(scn, &sp, &se) != 0)
		return 2;
	if (scn != NULL && !have_seed)
		seed = sp.seed;
	FILE *log = stderr;
	if (log_s != NULL && (log = fopen(log_s, "w")) == NULL) {
		fprintf(stderr, "isim proxy: cannot write %s: %s\n", log_s, strerror(errno));
		return 2;
	}
	static struct hproxy px;
	if (hpx_open(&px, "0", &la, &ta, seed, log, why, sizeof(why)) != 0) {
		fprintf(stderr, "isim proxy: %s\n", why);
		return 2;
	}
	px.syn_hold = syn_hold;
	int rc = proxy_cli_rules(&px.x, scn != NULL ? &sp : NULL, ini, gw, faults, nfaults);
	if (rc != 0) {
		hpx_close(&px);
		return rc;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_start);
	uint64_t t0 = wall_ns();
	hpx_start(&px, start_on_signal ? t0 + PROXY_CLOCK_HELD_NS : t0);
	printf("proxy: listening on %s, forwarding to %s, %u rules, seed %llu%s\n", listen_s, to_s, px.x.nrules,
		(unsigned long long)seed, start_on_signal ? ", clock held until SIGUSR1" : "");
	fflush(stdout);
	static struct pollfd pfds[HPX_POLLFDS_MAX];
	while (!stop_asked && (seconds == 0 || wall_ns() - t0 < seconds * 1000000000ull)) {
		uint64_t now = wall_ns();
		if (start_asked && start_on_signal) {
			start_on_signal = false;
			hpx_start(&px, now);
			/* on stdout, not in the fault log: two runs' logs compare equal */
			printf("proxy: clock started (SIGUSR1) %.3f s after the proxy\n", (double)(now - t0) / 1e9);
			fflush(stdout);
		}
		unsigned n = hpx_poll_set(&px, pfds, 0, HPX_POLLFDS_MAX, now);
		uint64_t dl = hpx_deadline(&px, now);
		int ms = 100;
		if (dl != UINT64_MAX)
			ms = dl <= now ? 0 : (int)((dl - now + 999999) / 1000000 < 100 ? (dl - now + 999999) / 1000000 : 100);
		if (poll(pfds, n, ms) < 0 && errno != EINTR)
			break;
		hpx_after_poll(&px, pfds, wall_ns());
	}
	printf("proxy: stopped: %u connections, %llu bytes to_gw, %llu to_ini, %llu resets, %llu faults logged\n",
		px.x.accepted, (unsigned long long)px.bytes[FPX_TO_GW], (unsigned long long)px.bytes[FPX_TO_INI],
		(unsigned long long)px.resets, (unsigned long long)px.x.faults_logged);
	hpx_close(&px);
	if (log != stderr)
		fclose(log);
	return 0;
}

int proxy_cli_rules(struct fpx *x, const struct sim_params *sp, int ini, int gw, const char *const *specs,
	unsigned nspecs)
{
	unsigned skipped = 0;
	for (unsigned i = 0; sp != NULL && i < sp->faults.n; i++)
		fpx_from_fault(x, &sp->faults.f[i], ini, gw, &skipped);
	if (skipped > 0)
		fprintf(stderr, "isim: %u fault(s) of the scenario are not network faults of a link: the proxy leaves "
			"them out\n", skipped);
	for (unsigned i = 0; i < nspecs; i++) {
		struct fpx_rule r;
		char err[200];
		if (!fpx_parse(specs[i], &r, err, sizeof(err))) {
			fprintf(stderr, "isim: --fault '%s': %s\n", specs[i], err);
			return 2;
		}
		if (!fpx_add(x, &r)) {
			fprintf(stderr, "isim: more than %u proxy rules\n", FPX_RULES_MAX);
			return 2;
		}
	}
	return 0;
}
