/* reftarget: the reference iSCSI target (RFC 7143, SPC-4, SBC-3) as a
 * program. Reads the command line, builds the configuration (a JSON file,
 * the quick flags, or the embedded default) and runs the daemon.
 *
 * Once every portal listens it prints, on stdout, each portal and the
 * iscsi:// URL of every target and LUN behind it (durl.h); not with -q.
 *
 * Exit status: 0 after a clean stop, 1 when the configuration or the
 * start failed (the message names file, line and key), 2 for a bad
 * command line (quick flags that do not parse included), 128+N when a
 * second signal N cut a drain short.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon.h"
#include "dcfg.h"
#include "dlog.h"
#include "env.h"

#define EXIT_USAGE 2

static const char usage_text[] =
	"usage: reftarget [--config FILE | --lio-config FILE | quick flags] [options]\n"
	"\n"
	"With no arguments: portal 127.0.0.1:3260, target " DCFG_DEFAULT_TARGET ",\n"
	"one 1 GiB sparse RAM LUN, open access.\n"
	"\n"
	"  -c, --config FILE          serve what FILE describes (JSON; the format is in\n"
	"                             ref_target/daemon/dcfg_json.c)\n"
	"      --lio-config FILE      serve what targetcli-fb's saveconfig.json FILE describes\n"
	"                             (what is honoured and refused: README, and\n"
	"                             ref_target/daemon/dcfg_lio.c)\n"
	"      --lio-portal FROM=TO   with --lio-config: serve the file's portal FROM (ADDR:PORT,\n"
	"                             [ADDR]:PORT for IPv6) at TO instead (repeatable; for a file\n"
	"                             written on another machine)\n"
	"      --lio-dev PATH=FILE    with --lio-config: serve the fileio or block storage object\n"
	"                             whose dev is PATH from the regular file FILE (repeatable)\n"
	"quick flags (one target, one portal group; not with --config):\n"
	"      --portal ADDR[:PORT]   listen here; IPv6 as [::1]:3260; PORT defaults to 3260\n"
	"                             (repeatable)\n"
	"      --target NAME          the target's iSCSI name\n"
	"      --lun SPEC             ram:SIZE | file:PATH[:SIZE] | block:PATH, as LUN 0, 1, ...\n"
	"                             (repeatable; SIZE like 512M, 1G)\n"
	"      --chap USER:SECRET     require CHAP (secret 12..255 bytes)\n"
	"      --mutual-chap USER:SECRET  and prove the target's identity with this\n"
	"      --initiator NAME       admit only this initiator (repeatable)\n"
	"      --mem-budget SIZE      memory for the whole target: buffers and unsent\n"
	"                             answers (default 1G; JSON: params.mem_budget_bytes)\n"
	"      --allow-target-reset   let the initiators send TARGET WARM/COLD RESET (on\n"
	"                             their own LUNs); default: refused, TMF response 6\n"
	"options:\n"
	"      --state-dir DIR        durable state such as APTPL reservations; created on\n"
	"                             first use (default " DENV_STATE_DIR_ROOT " as root,\n"
	"                             " DENV_STATE_DIR_USER " otherwise)\n"
	"      --ctl                  live management: a control socket at " CTL_SOCKET_ROOT "\n"
	"                             as root, " CTL_SOCKET_USER " otherwise (mode 0600;\n"
	"                             reftarget-ctl speaks to it with targetcli's vocabulary)\n"
	"      --ctl-socket PATH      the control socket here instead\n"
	"      --check                check the configuration and open the storage, then exit\n"
	"      --sync-io              file and block LUs do their disk I/O on the event loop\n"
	"                             instead of through io_uring (for Valgrind, which does\n"
	"                             not see what the kernel writes through the ring; also\n"
	"                             what happens, with a warning, where io_uring is\n"
	"                             unavailable): a slow disk then holds up every session\n"
	"  -v, --verbose              debug log lines too\n"
	"  -q, --quiet                errors only (and no URLs on stdout)\n"
	"  -h, --help                 this text\n";

enum {
	OPT_PORTAL = 256,
	OPT_TARGET,
	OPT_LUN,
	OPT_CHAP,
	OPT_MUTUAL_CHAP,
	OPT_INITIATOR,
	OPT_MEM_BUDGET,
	OPT_TARGET_RESET,
	OPT_STATE_DIR,
	OPT_CHECK,
	OPT_LIO_CONFIG,
	OPT_CTL,
	OPT_CTL_SOCKET,
	OPT_SYNC_IO,
	OPT_LIO_PORTAL,
	OPT_LIO_DEV,
};

static const struct option options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "portal", required_argument, NULL, OPT_PORTAL },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "lun", required_argument, NULL, OPT_LUN },
	{ "chap", required_argument, NULL, OPT_CHAP },
	{ "mutual-chap", required_argument, NULL, OPT_MUTUAL_CHAP },
	{ "initiator", required_argument, NULL, OPT_INITIATOR },
	{ "mem-budget", required_argument, NULL, OPT_MEM_BUDGET },
	{ "allow-target-reset", no_argument, NULL, OPT_TARGET_RESET },
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "lio-config", required_argument, NULL, OPT_LIO_CONFIG },
	{ "ctl", no_argument, NULL, OPT_CTL },
	{ "ctl-socket", required_argument, NULL, OPT_CTL_SOCKET },
	{ "sync-io", no_argument, NULL, OPT_SYNC_IO },
	{ "lio-portal", required_argument, NULL, OPT_LIO_PORTAL },
	{ "lio-dev", required_argument, NULL, OPT_LIO_DEV },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *config;
	const char *lio_config; /* targetcli-fb's saveconfig.json */
	struct dcfg_lio_remap remap; /* --lio-portal, --lio-dev */
	const char *quick_flag; /* the first quick flag seen, for the conflict message */
	struct dcfg_quick quick;
	struct daemon_opts opts;
	int verbosity;
};

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "reftarget: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(reftarget --help for the options)\n");
	return -1;
}

/* One FROM=TO map of --lio-portal/--lio-dev, bounded by DCFG_LIO_MAPS_MAX. */
static int add_map(struct dcfg_lio_map *maps, unsigned *count, char *value, const char *flag)
{
	char *eq = strchr(value, '=');
	if (eq == NULL || eq == value || eq[1] == '\0')
		return usage_error("%s %s: expected FROM=TO", flag, value);
	if (*count == DCFG_LIO_MAPS_MAX)
		return usage_error("too many %s flags (%u at most)", flag, DCFG_LIO_MAPS_MAX);
	*eq = '\0';
	maps[*count].from = value;
	maps[(*count)++].to = eq + 1;
	return 0;
}

/* Append to one of the quick lists, bounded by DCFG_QUICK_MAX. */
static int add(const char **list, unsigned *count, const char *value, const char *flag)
{
	if (*count == DCFG_QUICK_MAX)
		return usage_error("too many %s flags (16 at most)", flag);
	list[(*count)++] = value;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int opt, index = -1;
	while ((opt = getopt_long(argc, argv, "c:vqh", options, &index)) != -1) {
		struct dcfg_quick *q = &a->quick;
		int rc = 0;
		if (opt >= OPT_PORTAL && opt <= OPT_TARGET_RESET && a->quick_flag == NULL)
			a->quick_flag = options[index].name;
		switch (opt) {
		case 'c': a->config = optarg; break;
		case OPT_PORTAL: rc = add(q->portals, &q->portal_count, optarg, "--portal"); break;
		case OPT_TARGET: q->target = optarg; break;
		case OPT_LUN: rc = add(q->luns, &q->lun_count, optarg, "--lun"); break;
		case OPT_CHAP: q->chap = optarg; break;
		case OPT_MUTUAL_CHAP: q->mutual_chap = optarg; break;
		case OPT_INITIATOR: rc = add(q->initiators, &q->initiator_count, optarg, "--initiator"); break;
		case OPT_MEM_BUDGET: q->mem_budget = optarg; break;
		case OPT_TARGET_RESET: q->target_reset = true; break;
		case OPT_STATE_DIR: a->opts.state_dir = optarg; break;
		case OPT_CHECK: a->opts.check_only = true; break;
		case OPT_LIO_CONFIG: a->lio_config = optarg; break;
		case OPT_LIO_PORTAL:
			rc = add_map(a->remap.portals, &a->remap.portal_count, optarg, "--lio-portal");
			break;
		case OPT_LIO_DEV: rc = add_map(a->remap.devs, &a->remap.dev_count, optarg, "--lio-dev"); break;
		case OPT_CTL:
			a->opts.ctl_socket = geteuid() == 0 ? CTL_SOCKET_ROOT : CTL_SOCKET_USER;
			if (geteuid() == 0)
				mkdir(CTL_SOCKET_ROOT_DIR, 0700); /* the run directory; EEXIST is fine */
			break;
		case OPT_CTL_SOCKET: a->opts.ctl_socket = optarg; break;
		case OPT_SYNC_IO: a->opts.sync_io = true; break;
		case 'v': a->verbosity = 1; break;
		case 'q': a->verbosity = -1; break;
		case 'h': fputs(usage_text, stdout); exit(EXIT_SUCCESS);
		default: return usage_error("unknown option");
		}
		if (rc != 0)
			return -1;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((a->remap.portal_count || a->remap.dev_count) && a->lio_config == NULL)
		return usage_error("--%s needs --lio-config", a->remap.portal_count ? "lio-portal" : "lio-dev");
	if (a->config && a->lio_config)
		return usage_error("--config and --lio-config cannot be combined");
	if ((a->config || a->lio_config) && a->quick_flag)
		return usage_error("--%s cannot be combined with --%s", a->quick_flag,
				   a->config ? "config" : "lio-config");
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	if (parse_args(argc, argv, &a) != 0)
		return EXIT_USAGE;
	dlog_set_level(a.verbosity < 0 ? RT_LOG_ERR : a.verbosity == 0 ? RT_LOG_INFO : RT_LOG_DEBUG);
	a.opts.quiet_urls = a.verbosity < 0;
	if (a.opts.state_dir == NULL)
		a.opts.state_dir = geteuid() == 0 ? DENV_STATE_DIR_ROOT : DENV_STATE_DIR_USER;

	struct dcfg d = { .lio_remap = &a.remap };
	char err[DCFG_ERR_MAX];
	int rc = a.config ? dcfg_load_file(&d, a.config, err, sizeof(err))
	       : a.lio_config ? dcfg_load_lio_file(&d, a.lio_config, err, sizeof(err))
			      : dcfg_load_quick(&d, &a.quick, err, sizeof(err));
	/* the quick flags are the command line: one that does not parse is a
	 * usage error, like an unknown option */
	int status = a.config || a.lio_config ? 1 : EXIT_USAGE;
	if (rc != 0)
		dlog(RT_LOG_ERR, "%s", err);
	else
		status = daemon_run(&d, &a.opts);
	dcfg_free(&d);
	return status;
}
