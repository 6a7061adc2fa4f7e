/* host/cmd_protocol: `isim protocol`, the iSCSI protocol conformance suite
 * against any target (host/psuite.h), its command line, the runner and
 * the results table.
 *
 *   isim protocol --url iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN
 *                 [--url2 URL] [--chap USER:SECRET] [--mutual USER:SECRET]
 *                 [--test ID[,ID...]] [--seed N] [--timeout SECONDS]
 *                 [--out DIR] [--allow-remote] [--async-trigger CMD] [--list]
 *
 * Runs every test (or those named), prints one line per test, a FAIL's
 * detail with the PDUs that show it and the command that reruns it, and
 * ends with "protocol: N tests, P pass, F fail, A na". --out DIR writes
 * DIR/protocol.md (markdown table: test, section, level, verdict, detail)
 * and DIR/protocol.log (everything printed). --async-trigger CMD: a
 * shell command that makes the target send an Async Message (e.g. one
 * that stops it), run by async.logout-request, NA without it. Exit
 * status: 0 when no test failed, 1 when one did, 2 for a bad command line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/host/isim.h"
#include "sim/host/psuite.h"

#define PROTO_TESTS_MAX 512u
#define PROTO_LOG_TEXT 16384u

static int proto_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int proto_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("isim protocol: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fputs("usage: isim protocol --url iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN [--url2 URL]\n"
	      "         [--chap USER:SECRET] [--mutual USER:SECRET] [--test ID[,ID...]] [--seed N]\n"
	      "         [--timeout SECONDS] [--out DIR] [--allow-remote] [--async-trigger CMD] [--list]\n",
		stderr);
	return 2;
}

static bool copy_str(char *dst, size_t cap, const char *src, size_t len)
{
	if (len == 0 || len >= cap)
		return false;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return true;
}

static bool parse_cred(const char *s, char sep, char *user, char *secret)
{
	const char *m = strchr(s, sep);
	return m != NULL && copy_str(user, PS_CRED_MAX, s, (size_t)(m - s)) &&
		copy_str(secret, PS_CRED_MAX, m + 1, strlen(m + 1));
}

/* A URL as it may be printed (CI logs are public): USER%SECRET@ becomes
 * USER%***@. Both URLs go through here: a hook prints its second portal
 * with the same credentials as its first. */
static void mask_url(const char *url, char *out, size_t cap)
{
	const char *slash = strchr(url + (strncmp(url, "iscsi://", 8) == 0 ? 8 : 0), '/');
	const char *at = strchr(url, '@'), *pct = strchr(url, '%');
	if (at != NULL && pct != NULL && pct < at && (slash == NULL || at < slash))
		snprintf(out, cap, "%.*s%%***%s", (int)(pct - url), url, at);
	else
		snprintf(out, cap, "%s", url);
}

/* iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN; false with why (psuite.h). */
bool ps_parse_url(const char *url, struct ps_target *t, struct ps_config *cfg, bool creds_ok, char *why,
	size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->port = 3260;
	if (strncmp(url, "iscsi://", 8) != 0) {
		char shown[1024];
		mask_url(url, shown, sizeof(shown));
		snprintf(why, cap, "'%s' does not start with iscsi://", shown);
		return false;
	}
	const char *p = url + 8;
	const char *slash = strchr(p, '/');
	if (slash == NULL) {
		snprintf(why, cap, "no /IQN/LUN after the host");
		return false;
	}
	const char *at = memchr(p, '@', (size_t)(slash - p));
	if (at != NULL) {
		/* A second URL may repeat the first one's credentials (a hook
		 * prints both portals the same way), never name others: the
		 * suite logs in with one identity. */
		char cred[2 * PS_CRED_MAX], user[PS_CRED_MAX], secret[PS_CRED_MAX];
		if (!copy_str(cred, sizeof(cred), p, (size_t)(at - p)) || !parse_cred(cred, '%', user, secret)) {
			snprintf(why, cap, "credentials must be USER%%SECRET");
			return false;
		}
		if (creds_ok) {
			memcpy(cfg->chap_user, user, sizeof(user));
			memcpy(cfg->chap_secret, secret, sizeof(secret));
		} else if (strcmp(user, cfg->chap_user) != 0 || strcmp(secret, cfg->chap_secret) != 0) {
			snprintf(why, cap, "credentials other than the first URL's (one identity for the suite)");
			return false;
		}
		p = at + 1;
	}
	const char *hend;
	if (*p == '[') {
		hend = memchr(p, ']', (size_t)(slash - p));
		if (hend == NULL || !copy_str(t->host, sizeof(t->host), p + 1, (size_t)(hend - p - 1))) {
			snprintf(why, cap, "a bracketed IPv6 address is not closed");
			return false;
		}
		hend++;
	} else {
		hend = memchr(p, ':', (size_t)(slash - p));
		if (hend == NULL)
			hend = slash;
		if (!copy_str(t->host, sizeof(t->host), p, (size_t)(hend - p))) {
			snprintf(why, cap, "no host");
			return false;
		}
	}
	if (*hend == ':') {
		char *e;
		unsigned long port = strtoul(hend + 1, &e, 10);
		if (e != slash || e == hend + 1 || port == 0 || port > 65535) {
			snprintf(why, cap, "the port must be 1..65535");
			return false;
		}
		t->port = (uint16_t)port;
	} else if (hend != slash) {
		snprintf(why, cap, "junk after the host");
		return false;
	}
	const char *iqn = slash + 1, *lun = strrchr(iqn, '/');
	if (lun == NULL || !copy_str(t->iqn, sizeof(t->iqn), iqn, (size_t)(lun - iqn))) {
		snprintf(why, cap, "no IQN/LUN path (or an IQN over %u bytes)", PS_NAME_MAX - 1);
		return false;
	}
	char *e;
	errno = 0;
	unsigned long long l = strtoull(lun + 1, &e, 10);
	if (lun[1] == '\0' || *e != '\0' || errno != 0 || l > 16383) {
		snprintf(why, cap, "the LUN must be a number 0..16383");
		return false;
	}
	t->lun = l;
	return true;
}

struct proto_opts {
	struct ps_config cfg;
	const char *url, *url2, *chap, *mutual, *tests, *out;
	bool list, have_seed;
};

static int parse_proto_args(int argc, char **argv, struct proto_opts *o)
{
	o->cfg.test_timeout_ns = PS_TEST_TIMEOUT_NS;
	o->cfg.seed = 1;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--list") == 0) {
			o->list = true;
			continue;
		}
		if (strcmp(a, "--allow-remote") == 0) {
			o->cfg.allow_remote = true;
			continue;
		}
		if (i + 1 >= argc)
			return proto_usage("%s: unknown option or missing value", a);
		const char *v = argv[++i];
		if (strcmp(a, "--url") == 0) {
			o->url = v;
		} else if (strcmp(a, "--url2") == 0) {
			o->url2 = v;
		} else if (strcmp(a, "--chap") == 0) {
			o->chap = v;
		} else if (strcmp(a, "--mutual") == 0) {
			o->mutual = v;
		} else if (strcmp(a, "--test") == 0) {
			o->tests = v;
		} else if (strcmp(a, "--out") == 0) {
			o->out = v;
		} else if (strcmp(a, "--async-trigger") == 0) {
			o->cfg.async_trigger = v;
		} else if (strcmp(a, "--seed") == 0 || strcmp(a, "--timeout") == 0) {
			char *e;
			errno = 0;
			unsigned long long n = strtoull(v, &e, 10);
			if (*v == '\0' || *e != '\0' || errno != 0 || (a[2] == 't' && (n == 0 || n > 3600)))
				return proto_usage("%s '%s': a whole number%s", a, v, a[2] == 't' ? " of seconds, 1..3600" : "");
			if (a[2] == 's')
				o->cfg.seed = n;
			else
				o->cfg.test_timeout_ns = n * 1000000000ull;
		} else {
			return proto_usage("unknown option '%s'", a);
		}
	}
	if (o->list)
		return 0;
	if (o->url == NULL)
		return proto_usage("--url is required");
	char why[256];
	if (!ps_parse_url(o->url, &o->cfg.t1, &o->cfg, true, why, sizeof(why)))
		return proto_usage("--url: %s", why);
	if (o->url2 != NULL && !ps_parse_url(o->url2, &o->cfg.t2, &o->cfg, false, why, sizeof(why)))
		return proto_usage("--url2: %s", why);
	o->cfg.have_t2 = o->url2 != NULL;
	if (o->chap != NULL && !parse_cred(o->chap, ':', o->cfg.chap_user, o->cfg.chap_secret))
		return proto_usage("--chap: USER:SECRET");
	if (o->mutual != NULL && !parse_cred(o->mutual, ':', o->cfg.mutual_user, o->cfg.mutual_secret))
		return proto_usage("--mutual: USER:SECRET");
	if (o->mutual != NULL && o->cfg.chap_user[0] == '\0')
		return proto_usage("--mutual needs --chap (mutual CHAP is one-way CHAP plus the target's proof, §12.1.3)");
	for (int k = 0; k < 2; k++) {
		const struct ps_target *t = k ? &o->cfg.t2 : &o->cfg.t1;
		if ((k == 0 || o->cfg.have_t2) && !o->cfg.allow_remote && !pw_is_loopback(t->host))
			return proto_usage("%s: %s is not a loopback address; the suite only talks to 127.0.0.1 or ::1 "
					   "unless --allow-remote is given (it writes to the LU and breaks protocol rules on purpose)",
				k ? "--url2" : "--url", t->host);
	}
	return 0;
}

static unsigned all_tests(const struct ps_test **out)
{
	unsigned n = 0;
	const struct { const struct ps_test *t; unsigned n; } cats[] = {
		{ ps_tests_login, ps_tests_login_n },
		{ ps_tests_auth, ps_tests_auth_n },
		{ ps_tests_ffp, ps_tests_ffp_n },
		{ ps_tests_ffp2, ps_tests_ffp2_n },
		{ ps_tests_erl, ps_tests_erl_n },
		{ ps_tests_misc, ps_tests_misc_n },
		{ ps_tests_mcs, ps_tests_mcs_n },
		{ ps_tests_sess, ps_tests_sess_n },
		{ ps_tests_acl, ps_tests_acl_n },
		/* last: a target whose connection recovery goes wrong (LIO 6.1
		 * oopses when Time2Retain ends, conformance/PROTOCOL.md) takes no
		 * other test with it */
		{ ps_tests_erl2, ps_tests_erl2_n },
	};
	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		for (unsigned j = 0; j < cats[i].n && n < PROTO_TESTS_MAX; j++)
			out[n++] = &cats[i].t[j];
	return n;
}

static bool selected(const char *list, const char *id)
{
	if (list == NULL)
		return true;
	size_t n = strlen(id);
	for (const char *p = list; *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && memcmp(p, id, n) == 0)
			return true;
		p += len + (comma ? 1 : 0);
	}
	return false;
}

/* Output to stdout and, with --out, the log file. */
struct proto_out {
	FILE *log, *md;
};

static void outf(const struct proto_out *po, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(const struct proto_out *po, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (po->log != NULL) {
		va_start(ap, fmt);
		vfprintf(po->log, fmt, ap);
		va_end(ap);
	}
}

/* A markdown cell: no pipes or newlines. */
static void md_cell(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(*s == '|' ? '/' : *s == '\n' ? ' ' : *s, f);
}

static const char *verdict_name(enum ps_verdict v)
{
	return v == PS_PASS ? "PASS" : v == PS_FAIL ? "FAIL" : "NA";
}

static enum ps_verdict run_one(const struct ps_config *cfg, const struct ps_test *t, struct ps_ctx *c,
	char *pdus, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->test = t;
	rng_stream(&c->rng, cfg->seed, t->id, 0);
	c->deadline_ns = pw_now_ns() + cfg->test_timeout_ns;
	enum ps_verdict v = t->run(c);
	pdus[0] = '\0';
	/* The oracle's word outranks the test's: a rule the target broke on
	 * the way fails the test whatever the test checked. */
	for (unsigned i = 0; i < PS_SESS_MAX; i++) {
		struct ps_sess *s = &c->s[i];
		if (s->w.target_fault[0] != '\0' && v != PS_FAIL) {
			v = PS_FAIL;
			snprintf(c->detail, sizeof(c->detail), "protocol oracle: %s", s->w.target_fault);
		} else if (s->w.suite_fault[0] != '\0' && v != PS_FAIL) {
			v = PS_FAIL;
			snprintf(c->detail, sizeof(c->detail), "suite bug (the oracle objects to our own PDU): %s",
				s->w.suite_fault);
		}
	}
	if (v == PS_FAIL && pw_now_ns() >= c->deadline_ns) {
		size_t n = strlen(c->detail);
		snprintf(c->detail + n, sizeof(c->detail) - n, " (the test's %llu s ran out)",
			(unsigned long long)(cfg->test_timeout_ns / 1000000000ull));
	}
	size_t len = 0;
	for (unsigned i = 0; i < PS_SESS_MAX; i++) {
		struct ps_sess *s = &c->s[i];
		if (s->w.nlog > 0 && len + 64 < cap) {
			int n = snprintf(pdus + len, cap - len, "  connection %u (-> to the target, <- from it):\n", i + 1);
			len += n > 0 ? (size_t)n : 0;
			pw_log_text(&s->w, pdus + len, cap - len);
			len += strlen(pdus + len);
		}
		ps_disconnect(s);
	}
	return v;
}

static int open_outputs(const char *dir, struct proto_out *po)
{
	if (dir == NULL)
		return 0;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "isim protocol: --out %s: %s\n", dir, strerror(errno));
		return -1;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/protocol.log", dir);
	po->log = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/protocol.md", dir);
	po->md = fopen(path, "w");
	if (po->log == NULL || po->md == NULL) {
		fprintf(stderr, "isim protocol: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_protocol(int argc, char **argv)
{
	static struct proto_opts o;
	int rc = parse_proto_args(argc, argv, &o);
	if (rc != 0)
		return rc;
	static const struct ps_test *tests[PROTO_TESTS_MAX];
	unsigned n = all_tests(tests);
	if (o.list) {
		for (unsigned i = 0; i < n; i++)
			printf("%-34s %-9s %-6s %s\n", tests[i]->id, tests[i]->section, ps_level_name(tests[i]->level),
				tests[i]->desc);
		return 0;
	}
	for (const char *p = o.tests; p != NULL && *p != '\0';) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		bool found = false;
		for (unsigned i = 0; i < n && !found; i++)
			found = strlen(tests[i]->id) == len && memcmp(tests[i]->id, p, len) == 0;
		if (!found)
			return proto_usage("--test: no test '%.*s' (isim protocol --list)", (int)len, p);
		p += len + (comma ? 1 : 0);
	}
	struct proto_out po = { NULL, NULL };
	if (open_outputs(o.out, &po) != 0)
		return 2;
	if (po.md != NULL)
		fprintf(po.md, "| test | section | level | verdict | detail |\n|---|---|---|---|---|\n");
	unsigned total = 0, pass = 0, fail = 0, na = 0;
	static struct ps_ctx ctx;
	static char pdus[PROTO_LOG_TEXT];
	uint64_t t0 = pw_now_ns();
	char shown_url[1024], shown_url2[1024];
	mask_url(o.url, shown_url, sizeof(shown_url));
	mask_url(o.url2 ? o.url2 : "", shown_url2, sizeof(shown_url2));
	for (unsigned i = 0; i < n; i++) {
		const struct ps_test *t = tests[i];
		if (!selected(o.tests, t->id))
			continue;
		uint64_t ts = pw_now_ns();
		enum ps_verdict v = run_one(&o.cfg, t, &ctx, pdus, sizeof(pdus));
		total++;
		pass += v == PS_PASS;
		fail += v == PS_FAIL;
		na += v == PS_NA;
		outf(&po, "%-4s %-34s %-9s %-6s %.3fs  %s\n", verdict_name(v), t->id, t->section, ps_level_name(t->level),
			(double)(pw_now_ns() - ts) / 1e9, ctx.detail);
		if (v == PS_FAIL) {
			outf(&po, "  %s\n%s", t->desc, pdus);
			outf(&po, "  rerun: isim protocol --url '%s'%s%s%s --test %s --seed %llu\n", shown_url,
				o.url2 ? " --url2 '" : "", shown_url2, o.url2 ? "'" : "", t->id,
				(unsigned long long)o.cfg.seed);
			if (o.chap || o.mutual)
				outf(&po, "         (with the same --chap/--mutual credentials)\n");
		}
		if (po.md != NULL) {
			fprintf(po.md, "| %s | %s | %s | %s | ", t->id, t->section, ps_level_name(t->level), verdict_name(v));
			md_cell(po.md, ctx.detail);
			fputs(" |\n", po.md);
		}
	}
	outf(&po, "(%.1f s, seed %llu)\n", (double)(pw_now_ns() - t0) / 1e9, (unsigned long long)o.cfg.seed);
	outf(&po, "protocol: %u tests, %u pass, %u fail, %u na\n", total, pass, fail, na);
	if (po.md != NULL)
		fprintf(po.md, "\nprotocol: %u tests, %u pass, %u fail, %u na\n", total, pass, fail, na);
	if (po.log != NULL)
		fclose(po.log);
	if (po.md != NULL)
		fclose(po.md);
	return fail == 0 ? 0 : 1;
}
