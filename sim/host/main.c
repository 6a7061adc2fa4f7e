/* host/main: the isim program's command line: the commands, their
 * options, one parser per kind of value. Each command is a file of host/
 * (cmd_*.c); host/ is the only folder of sim/ that talks to the OS:
 * files (scenario in; trace, pcap, SVG, reports, swarm results out), the
 * wall clock for speed reports, and fork() to spread a swarm over cores.
 *
 *   isim run --seed N [--scenario FILE] [--trace FILE] [--pcap FILE]
 *            [--svg FILE] [--pdus] [--check-determinism] [--row FILE.md]
 *            (--pdus adds every PDU and disk I/O to the trace; --row
 *            appends the scenario's line of the results table)
 *   isim run --scenario FILE --seeds A..B [--row FILE.md]
 *            a seed family: the file's timeline and settings, everything
 *            it leaves unsaid drawn from each seed as the swarm draws it
 *   (run, swarm, shrink, params, bench: --set 'LINE' applies a scenario
 *    line on top, e.g. --set 'workload caw=0' or --set 'without alloc_fail')
 *   isim swarm --seeds A..B [--shard I/N] [--jobs J] [--results FILE]
 *            [--report FILE.md] [--until-fail] [--expect-fail] [--require-coverage]
 *   isim merge [--results FILE] [--report FILE.md] [--require-coverage] FILE...
 *            the shards' results files (swarm/results.h) as one swarm
 *   isim shrink --seed N [--scenario FILE] [-o FILE]
 *   isim params --seed N          print the world a seed draws, as a scenario
 *   isim bench --seeds A..B       simulated seconds per wall second
 *   isim protocol --url iscsi://HOST[:PORT]/IQN/LUN ...
 *            the iSCSI protocol suite against a real target over loopback
 *            TCP (host/cmd_protocol.c says the options; --list the tests)
 *   isim netfuzz --url iscsi://HOST[:PORT]/IQN/LUN --seconds N ...
 *            the network fuzzer against a live target on loopback
 *            (host/cmd_netfuzz.c says the options; --list the mutators)
 *   isim oracle --pcap FILE | --live lo [--seconds N] ...
 *            the protocol oracle over a capture of anyone's iSCSI traffic
 *            (host/cmd_oracle.c says the options)
 *   isim proxy --listen 127.0.0.1:P --to 127.0.0.1:P [--scenario F] [--fault SPEC]...
 *            the fault-injecting loopback proxy (host/cmd_proxy.c)
 *   isim live --scenario F --target URL...
 *            a scenario against real targets through proxies (host/cmd_live.c)
 *   isim guest-check --scenario F --history FILE ...
 *            the open-iscsi guest's live run judged (host/cmd_guest.c)
 * Every value is parsed whole (a number is all digits, in range) and a
 * file that cannot be written is an error. Exit status: 0 pass; 1 a world
 * failed or missed its expectation; 2 bad command line, or a file that
 * cannot be read or written; 3 not deterministic; 4 the simulator leaked;
 * 5 required coverage missed (--require-coverage). A failure prints the
 * one command that replays it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim/host/isim.h"

/* ---- command line ---- */

/* Each kind of value has one parser (below); the table says which kind
 * each option takes, where it goes and which commands take it. */
enum opt_kind {
	OPT_FLAG,  /* bool */
	OPT_PATH,  /* const char * */
	OPT_U64,   /* uint64_t in [min, max] */
	OPT_RANGE, /* struct seed_range */
	OPT_SHARD, /* struct shard */
	OPT_SET,   /* char[SWARM_SET_MAX]: lines appended, repeatable */
};

struct optdef {
	const char *name;
	enum opt_kind kind;
	unsigned cmds; /* enum cmd_bit */
	size_t off;    /* the value in struct opts */
	size_t have;   /* a bool in struct opts set when given; 0: none */
	uint64_t min, max;
};

#define O(field) offsetof(struct opts, field)
#define C_WORLDS (C_RUN | C_SWARM | C_SHRINK | C_PARAMS | C_BENCH)
static const struct optdef optdefs[] = {
	{ "--seed", OPT_U64, C_RUN | C_SHRINK | C_PARAMS, O(seed), O(have_seed), 0, UINT64_MAX },
	{ "--seeds", OPT_RANGE, C_RUN | C_SWARM | C_PARAMS | C_BENCH, O(range), O(have_seeds), 0, 0 },
	{ "--shard", OPT_SHARD, C_SWARM, O(shard), O(have_shard), 0, 0 },
	{ "--jobs", OPT_U64, C_SWARM, O(jobs), 0, 1, JOBS_MAX },
	{ "--scenario", OPT_PATH, C_WORLDS, O(scenario), 0, 0, 0 },
	{ "--lio-config", OPT_PATH, C_RUN, O(lio_config), 0, 0, 0 },
	{ "--lio-target", OPT_PATH, C_RUN, O(lio_target), 0, 0, 0 },
	{ "--set", OPT_SET, C_WORLDS, O(set), 0, 0, 0 },
	{ "--trace", OPT_PATH, C_RUN, O(trace), 0, 0, 0 },
	{ "--pcap", OPT_PATH, C_RUN, O(pcap), 0, 0, 0 },
	{ "--svg", OPT_PATH, C_RUN, O(svg), 0, 0, 0 },
	{ "--row", OPT_PATH, C_RUN, O(row), 0, 0, 0 },
	{ "--pdus", OPT_FLAG, C_RUN, O(pdus), 0, 0, 0 },
	{ "--check-determinism", OPT_FLAG, C_RUN, O(check_det), 0, 0, 0 },
	{ "--report", OPT_PATH, C_SWARM | C_MERGE | C_BENCH, O(report), 0, 0, 0 },
	{ "--results", OPT_PATH, C_SWARM | C_MERGE, O(results), 0, 0, 0 },
	{ "--until-fail", OPT_FLAG, C_SWARM, O(until_fail), 0, 0, 0 },
	{ "--expect-fail", OPT_FLAG, C_SWARM | C_MERGE, O(expect_fail), 0, 0, 0 },
	{ "--require-coverage", OPT_FLAG, C_SWARM | C_MERGE, O(require_cov), 0, 0, 0 },
	{ "-o", OPT_PATH, C_SHRINK | C_PARAMS, O(out), 0, 0, 0 },
};
#define NOPTS (sizeof(optdefs) / sizeof(optdefs[0]))

struct command {
	const char *name;
	enum cmd_bit bit;
	int (*run)(const struct opts *o);
	const char *usage;
};

static const struct command commands[] = {
	{ "run", C_RUN, cmd_run_any,
		"isim run --seed N [--scenario FILE] [--trace FILE] [--pcap FILE] [--svg FILE] [--pdus] [--check-determinism] [--row FILE.md] [--lio-config saveconfig.json [--lio-target IQN]]\n"
		"       isim run --scenario FILE --seeds A..B [--row FILE.md]" },
	{ "swarm", C_SWARM, cmd_swarm,
		"isim swarm --seeds A..B [--shard I/N] [--jobs J] [--results FILE] [--report FILE.md] [--scenario FILE] [--until-fail] [--expect-fail] [--require-coverage]" },
	{ "merge", C_MERGE, cmd_merge, "isim merge [--results FILE] [--report FILE.md] [--require-coverage] RESULTS..." },
	{ "shrink", C_SHRINK, cmd_shrink, "isim shrink --seed N [--scenario FILE] [-o FILE]" },
	{ "params", C_PARAMS, cmd_params, "isim params --seed N [--scenario FILE] [-o FILE]" },
	{ "bench", C_BENCH, cmd_bench, "isim bench --seeds A..B [--report FILE.md]" },
};
#define NCMDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: (run, swarm, shrink, params, bench may add --set 'SCENARIO LINE', repeatable)\n", f);
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "       %s\n", commands[i].usage);
	fputs("       isim protocol --url iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN [--url2 URL] [--chap U:S] [--mutual U:S]\n"
	      "                     [--test ID,...] [--seed N] [--timeout S] [--out DIR] [--allow-remote] [--list]\n",
		f);
	fputs("       isim netfuzz --url iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN --seconds N|--cases N [--seed N]\n"
	      "                    [--chap U:S] [--mutual U:S] [--rate N] [--out DIR] [--replay FILE] [--list] ...\n",
		f);
	fputs("       isim oracle --pcap FILE | --live lo [--seconds N] [--write FILE] [--port P[,P...]]\n"
	      "                   [--digests header,data|none|auto] [--quiet]\n",
		f);
	fputs("       isim proxy --listen 127.0.0.1:PORT --to 127.0.0.1:PORT [--scenario FILE [--path INI:GW]]\n"
	      "                  [--fault SPEC]... [--seed S] [--log FILE] [--seconds N] [--start now|signal]\n",
		f);
	fputs("       isim live --scenario FILE --target URL [--target URL]... [--seconds N] [--log FILE] [--row FILE]\n",
		f);
	fputs("       isim guest-check --scenario FILE --history FILE [--dmesg FILE] [--protocol-violations N]\n"
	      "                        [--label NAME] [--row FILE] [--wall S]\n",
		f);
	fputs("  --shard I/N runs the seeds s of A..B with (s - A) mod N == I - 1 (I counted from 1);\n"
	      "  isim merge combines the shards' --results files into the report of the whole range.\n",
		f);
}

/* A usage error: what is wrong, then the usage. Exit status 2. */
static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("isim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	usage(stderr);
	return 2;
}

/* One parser per kind; each returns false after saying what is wrong. */
static bool opt_u64(const struct optdef *d, const char *v, uint64_t *out)
{
	char why[200];
	if (swarm_parse_u64(v, d->min, d->max, out, why, sizeof(why)))
		return true;
	fprintf(stderr, "isim: %s: %s\n", d->name, why);
	return false;
}

static bool opt_range(const struct optdef *d, const char *v, struct seed_range *out)
{
	char why[200];
	if (swarm_parse_range(v, &out->lo, &out->hi, why, sizeof(why)))
		return true;
	fprintf(stderr, "isim: %s: %s\n", d->name, why);
	return false;
}

static bool opt_shard(const struct optdef *d, const char *v, struct shard *out)
{
	char why[200];
	if (swarm_parse_shard(v, &out->i, &out->n, why, sizeof(why)))
		return true;
	fprintf(stderr, "isim: %s: %s\n", d->name, why);
	return false;
}

static bool opt_path(const struct optdef *d, const char *v, const char **out)
{
	if (v[0] == '\0') {
		fprintf(stderr, "isim: %s: an empty file name\n", d->name);
		return false;
	}
	*out = v;
	return true;
}

static bool opt_set(const struct optdef *d, const char *v, char *set)
{
	size_t len = strlen(set);
	if (len + strlen(v) + 2 > SWARM_SET_MAX) {
		fprintf(stderr, "isim: %s: the --set lines exceed %u bytes in all\n", d->name, SWARM_SET_MAX - 1);
		return false;
	}
	snprintf(set + len, SWARM_SET_MAX - len, "%s\n", v);
	return true;
}

static bool opt_value(const struct optdef *d, const char *v, struct opts *o)
{
	char *f = (char *)o + d->off;
	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)f = true;
		return true;
	case OPT_PATH: return opt_path(d, v, (const char **)(void *)f);
	case OPT_U64: return opt_u64(d, v, (uint64_t *)(void *)f);
	case OPT_RANGE: return opt_range(d, v, (struct seed_range *)(void *)f);
	case OPT_SHARD: return opt_shard(d, v, (struct shard *)(void *)f);
	case OPT_SET: return opt_set(d, v, f);
	}
	return false;
}

static const struct optdef *find_opt(const char *name)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strcmp(optdefs[i].name, name) == 0)
			return &optdefs[i];
	return NULL;
}

static const struct command *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* argv[2..] into o; 0, or 2 after saying what is wrong. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	bool seen[NOPTS] = { false };
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (o->bit != C_MERGE)
				return bad_usage("%s: unexpected argument '%s'", o->cmd, a);
			if (o->nfiles == SWARM_SHARDS_MAX)
				return bad_usage("merge: more than %u results files", SWARM_SHARDS_MAX);
			o->files[o->nfiles++] = a;
			continue;
		}
		const struct optdef *d = find_opt(a);
		if (d == NULL)
			return bad_usage("%s: unknown option '%s'", o->cmd, a);
		if (!(d->cmds & o->bit))
			return bad_usage("%s: option %s does not apply to this command", o->cmd, a);
		if (seen[d - optdefs] && d->kind != OPT_SET)
			return bad_usage("%s: option %s given twice", o->cmd, a);
		seen[d - optdefs] = true;
		const char *v = NULL;
		if (d->kind != OPT_FLAG) {
			if (i + 1 >= argc)
				return bad_usage("%s: option %s needs a value", o->cmd, a);
			v = argv[++i];
		}
		if (!opt_value(d, v, o))
			return 2;
		if (d->have != 0)
			*(bool *)((char *)o + d->have) = true;
	}
	return 0;
}

/* What each command needs besides its options' own syntax. */
static int check_args(const struct opts *o)
{
	bool family = o->scenario != NULL && o->have_seeds;
	switch (o->bit) {
	case C_RUN:
	case C_PARAMS:
		if (o->have_seed && o->have_seeds)
			return bad_usage("%s: --seed and --seeds together: one world, or a seed family", o->cmd);
		if (o->have_seeds && !family)
			return bad_usage("%s: --seeds needs --scenario (a seed family); for swarm worlds: isim swarm --seeds",
				o->cmd);
		if (!o->have_seed && o->scenario == NULL)
			return bad_usage("%s: needs --seed N or --scenario FILE", o->cmd);
		if (o->bit == C_RUN && family && (o->trace || o->pcap || o->svg || o->pdus || o->check_det))
			return bad_usage("run: --trace, --pcap, --svg, --pdus, --check-determinism are for one world (--seed), not --seeds");
		return 0;
	case C_SHRINK:
		if (!o->have_seed && o->scenario == NULL)
			return bad_usage("shrink: needs --seed N or --scenario FILE");
		return 0;
	case C_SWARM:
	case C_BENCH:
		if (!o->have_seeds)
			return bad_usage("%s: needs --seeds A..B", o->cmd);
		return 0;
	case C_MERGE:
		if (o->nfiles == 0)
			return bad_usage("merge: needs the shards' results files");
		return 0;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct opts o = { .jobs = 1 };
	if (argc < 2)
		return bad_usage("no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "protocol") == 0)
		return cmd_protocol(argc, argv);
	if (strcmp(argv[1], "netfuzz") == 0)
		return cmd_netfuzz(argc, argv);
	if (strcmp(argv[1], "oracle") == 0)
		return cmd_oracle(argc, argv);
	if (strcmp(argv[1], "proxy") == 0)
		return cmd_proxy(argc, argv);
	if (strcmp(argv[1], "live") == 0)
		return cmd_live(argc, argv);
	if (strcmp(argv[1], "guest-check") == 0)
		return cmd_guest_check(argc, argv);
	const struct command *c = find_cmd(argv[1]);
	if (c == NULL)
		return bad_usage("unknown command '%s' (commands: run swarm merge shrink params bench protocol netfuzz oracle proxy live guest-check)", argv[1]);
	o.cmd = c->name;
	o.bit = c->bit;
	int rc = parse_args(argc, argv, &o);
	if (rc == 0)
		rc = check_args(&o);
	return rc != 0 ? rc : c->run(&o);
}
