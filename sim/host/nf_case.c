/* host/nf_case: a network fuzzing case in memory and as a text file
 * (host/netfuzz.h; the format is documented in fuzz/README.md, "Network
 * fuzzer"). One line a step, words KEY=VALUE after the op and the
 * connection; numbers in decimal or 0x hex; bytes in hex, or N*XX for N
 * copies of one byte. Lines starting with # are comments.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/host/netfuzz.h"

#define NF_FORMAT_VERSION 1u

static const char *const op_names[NF_OP_COUNT] = {
	[NF_CONNECT] = "connect", [NF_LOGIN] = "login", [NF_PDU] = "pdu", [NF_RAW] = "raw",
	[NF_RECV] = "recv", [NF_CLOSE] = "close", [NF_FLOOD] = "flood",
};

static const char *const fix_names[] = {
	"cmdsn", "expstatsn", "itt-new", "itt-last", "lun", "ttt-r2t", "off-r2t", "ttt-text", "rtt", "login", "dsl",
};
static_assert(sizeof(fix_names) / sizeof(fix_names[0]) == 11, "one name per enum nf_fix bit");

static const char *const flag_names[] = { "unsol", "noimm", "join", "other", "login" };

static const char *const class_names[NF_CLASS_COUNT] = {
	[NF_OK] = "ok", [NF_PROTOCOL] = "protocol", [NF_DEGRADED] = "degraded", [NF_DATA] = "data",
	[NF_HANG] = "hang", [NF_WEDGE] = "wedge", [NF_CRASH] = "crash",
};

const char *nf_class_name(enum nf_class c)
{
	return (unsigned)c < NF_CLASS_COUNT ? class_names[c] : "?";
}

bool nf_class_parse(const char *s, enum nf_class *out)
{
	for (unsigned i = 0; i < NF_CLASS_COUNT; i++)
		if (strcmp(s, class_names[i]) == 0) {
			*out = (enum nf_class)i;
			return true;
		}
	return false;
}

void nf_case_init(struct nf_case *c, uint64_t seed, uint64_t index, const char *mutator)
{
	memset(c, 0, sizeof(*c));
	c->seed = seed;
	c->index = index;
	c->mutator = mutator;
}

void nf_case_free(struct nf_case *c)
{
	for (unsigned i = 0; i < c->n; i++)
		free(c->steps[i].data);
	c->n = 0;
}

void nf_case_copy(struct nf_case *dst, const struct nf_case *src)
{
	*dst = *src;
	for (unsigned i = 0; i < dst->n; i++) {
		dst->steps[i].data = NULL;
		nf_set_data(&dst->steps[i], src->steps[i].data, src->steps[i].len);
	}
}

struct nf_step *nf_add(struct nf_case *c, enum nf_op op, unsigned conn)
{
	if (c->n >= NF_STEPS_MAX)
		return NULL;
	struct nf_step *s = &c->steps[c->n++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->conn = (uint8_t)(conn % NF_CONNS_MAX);
	return s;
}

void nf_set_data(struct nf_step *s, const void *p, uint32_t len)
{
	free(s->data);
	s->data = NULL;
	if (len > NF_DATA_MAX)
		len = NF_DATA_MAX;
	s->len = len;
	if (len == 0)
		return;
	s->data = malloc(len);
	if (s->data == NULL) {
		fprintf(stderr, "isim netfuzz: out of memory\n");
		exit(3);
	}
	if (p != NULL)
		memcpy(s->data, p, len);
	else
		memset(s->data, 0, len);
}

/* ---- writing ---- */

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void put_bits(FILE *f, const char *key, uint32_t bits, const char *const *names, unsigned n)
{
	if (bits == 0)
		return;
	fprintf(f, " %s=", key);
	bool first = true;
	for (unsigned i = 0; i < n; i++)
		if (bits & (1u << i)) {
			fprintf(f, "%s%s", first ? "" : ",", names[i]);
			first = false;
		}
}

static void put_data(FILE *f, const struct nf_step *s)
{
	if (s->len == 0)
		return;
	bool same = true;
	for (uint32_t i = 1; i < s->len && same; i++)
		same = s->data[i] == s->data[0];
	if (same && s->len >= 4) {
		fprintf(f, " data=%u*%02x", s->len, s->data[0]);
		return;
	}
	fputs(" data=", f);
	put_hex(f, s->data, s->len);
}

int nf_case_write(const struct nf_case *c, FILE *f)
{
	fprintf(f, "# isim netfuzz case: replay with isim netfuzz --replay FILE --url URL (fuzz/README.md)\n");
	fprintf(f, "netfuzz-case %u\nseed %" PRIu64 "\ncase %" PRIu64 "\nmutator %s\n", NF_FORMAT_VERSION, c->seed,
		c->index, c->mutator ? c->mutator : "?");
	if (c->expect[0] != '\0')
		fprintf(f, "expect %s\n", c->expect);
	for (unsigned i = 0; i < c->n; i++) {
		const struct nf_step *s = &c->steps[i];
		fprintf(f, "%s %u", op_names[s->op], s->conn);
		switch (s->op) {
		case NF_CONNECT:
			fputs(" isid=", f);
			put_hex(f, s->isid, 6);
			fprintf(f, " cid=%u itt=0x%x cmdsn=0x%x", s->cid, s->itt, s->cmdsn);
			break;
		case NF_LOGIN:
			fprintf(f, " exchanges=%u", s->arg);
			put_bits(f, "flags", s->flags, flag_names, 5);
			if (s->flags & NF_LOGIN_JOIN)
				fprintf(f, " join=%u", s->arg2);
			break;
		case NF_PDU:
			put_bits(f, "fix", s->fix, fix_names, 11);
			fputs(" bhs=", f);
			put_hex(f, s->bhs, ISCSI_BHS_LEN);
			put_data(f, s);
			break;
		case NF_RAW:
			put_data(f, s);
			break;
		case NF_RECV:
			fprintf(f, " ms=%u", s->arg);
			break;
		case NF_CLOSE:
			break;
		case NF_FLOOD:
			fprintf(f, " n=%u", s->arg);
			put_bits(f, "flags", s->flags, flag_names, 5);
			fputs(" isid=", f);
			put_hex(f, s->isid, 6);
			break;
		case NF_OP_COUNT:
			break;
		}
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

int nf_case_save(const struct nf_case *c, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	int rc = nf_case_write(c, f);
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* ---- reading ---- */

struct rd {
	const char *path;
	unsigned line;
	char *why;
	size_t cap;
};

static int rd_err(struct rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int rd_err(struct rd *r, const char *fmt, ...)
{
	int n = snprintf(r->why, r->cap, "%s:%u: ", r->path, r->line);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < r->cap)
		vsnprintf(r->why + n, r->cap - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 0);
	if (*s == '\0' || *e != '\0' || errno != 0 || v > max || *s == '-')
		return false;
	*out = v;
	return true;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Hex into out (exactly want bytes unless want is 0: any up to cap); the count or -1. */
static long parse_hex(const char *s, uint8_t *out, size_t cap, size_t want)
{
	size_t n = strlen(s);
	if (n % 2 != 0 || n / 2 > cap || (want != 0 && n / 2 != want))
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

static bool parse_bits(const char *v, const char *const *names, unsigned n, uint32_t *out)
{
	*out = 0;
	while (*v != '\0') {
		const char *comma = strchr(v, ',');
		size_t len = comma ? (size_t)(comma - v) : strlen(v);
		unsigned i;
		for (i = 0; i < n; i++)
			if (strlen(names[i]) == len && memcmp(names[i], v, len) == 0)
				break;
		if (i == n)
			return false;
		*out |= 1u << i;
		v += len + (comma ? 1 : 0);
	}
	return true;
}

static int parse_data(struct rd *r, struct nf_step *s, const char *v)
{
	const char *star = strchr(v, '*');
	if (star != NULL) {
		uint64_t n;
		char count[16];
		uint8_t b;
		if ((size_t)(star - v) >= sizeof(count))
			return rd_err(r, "data=N*XX: N too long");
		memcpy(count, v, (size_t)(star - v));
		count[star - v] = '\0';
		if (!parse_u64(count, NF_DATA_MAX, &n) || parse_hex(star + 1, &b, 1, 1) != 1)
			return rd_err(r, "data=N*XX: N up to %u, XX one hex byte", NF_DATA_MAX);
		nf_set_data(s, NULL, (uint32_t)n);
		if (n > 0)
			memset(s->data, b, (size_t)n);
		return 0;
	}
	size_t n = strlen(v) / 2;
	if (n > NF_DATA_MAX)
		return rd_err(r, "data: more than %u bytes", NF_DATA_MAX);
	nf_set_data(s, NULL, (uint32_t)n);
	if (parse_hex(v, s->data, n, n) < 0)
		return rd_err(r, "data: not an even number of hex digits");
	return 0;
}

/* KEY=VALUE of one step line. */
static int parse_word(struct rd *r, struct nf_step *s, const char *key, const char *v)
{
	uint64_t n;
	if (strcmp(key, "isid") == 0)
		return parse_hex(v, s->isid, 6, 6) == 6 ? 0 : rd_err(r, "isid: 12 hex digits");
	if (strcmp(key, "bhs") == 0)
		return parse_hex(v, s->bhs, ISCSI_BHS_LEN, ISCSI_BHS_LEN) == ISCSI_BHS_LEN ? 0 :
			rd_err(r, "bhs: %u hex digits", 2 * ISCSI_BHS_LEN);
	if (strcmp(key, "data") == 0)
		return parse_data(r, s, v);
	if (strcmp(key, "fix") == 0)
		return parse_bits(v, fix_names, 11, &s->fix) ? 0 : rd_err(r, "fix=%s: unknown field", v);
	if (strcmp(key, "flags") == 0)
		return parse_bits(v, flag_names, 5, &s->flags) ? 0 : rd_err(r, "flags=%s: unknown flag", v);
	struct { const char *key; uint64_t max; } nums[] = {
		{ "cid", 0xffff }, { "itt", 0xffffffff }, { "cmdsn", 0xffffffff }, { "exchanges", 64 },
		{ "join", NF_CONNS_MAX - 1 }, { "ms", NF_RECV_MS_MAX }, { "n", NF_FLOOD_MAX },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		if (strcmp(key, nums[i].key) != 0)
			continue;
		if (!parse_u64(v, nums[i].max, &n))
			return rd_err(r, "%s=%s: a number up to %" PRIu64, key, v, nums[i].max);
		switch (i) {
		case 0: s->cid = (uint16_t)n; break;
		case 1: s->itt = (uint32_t)n; break;
		case 2: s->cmdsn = (uint32_t)n; break;
		case 3: case 5: case 6: s->arg = (uint32_t)n; break;
		case 4: s->arg2 = (uint32_t)n; break;
		}
		return 0;
	}
	return rd_err(r, "unknown word '%s'", key);
}

static int parse_step(struct rd *r, struct nf_case *c, char *line)
{
	char *save = NULL;
	char *op = strtok_r(line, " \t", &save), *conn = strtok_r(NULL, " \t", &save);
	unsigned k;
	for (k = 0; k < NF_OP_COUNT; k++)
		if (strcmp(op, op_names[k]) == 0)
			break;
	if (k == NF_OP_COUNT)
		return rd_err(r, "unknown step '%s' (connect login pdu raw recv close flood)", op);
	uint64_t ci;
	if (conn == NULL || !parse_u64(conn, NF_CONNS_MAX - 1, &ci))
		return rd_err(r, "%s: a connection number 0..%u after it", op, NF_CONNS_MAX - 1);
	struct nf_step *s = nf_add(c, (enum nf_op)k, (unsigned)ci);
	if (s == NULL)
		return rd_err(r, "more than %u steps", NF_STEPS_MAX);
	for (char *w = strtok_r(NULL, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(w, '=');
		if (eq == NULL)
			return rd_err(r, "'%s' is not KEY=VALUE", w);
		*eq = '\0';
		if (parse_word(r, s, w, eq + 1) != 0)
			return -1;
	}
	return 0;
}

static int parse_header(struct rd *r, struct nf_case *c, char *line, bool *seen_version)
{
	char *sp = strchr(line, ' ');
	if (sp == NULL)
		return 1;
	*sp = '\0';
	const char *v = sp + 1;
	uint64_t n;
	if (strcmp(line, "netfuzz-case") == 0) {
		if (!parse_u64(v, 1000, &n) || n != NF_FORMAT_VERSION)
			return rd_err(r, "format version %s, this isim reads %u", v, NF_FORMAT_VERSION);
		*seen_version = true;
	} else if (strcmp(line, "seed") == 0 || strcmp(line, "case") == 0) {
		if (!parse_u64(v, UINT64_MAX, &n))
			return rd_err(r, "%s: a number", line);
		*(line[0] == 's' ? &c->seed : &c->index) = n;
	} else if (strcmp(line, "mutator") == 0) {
		c->mutator = "replay";
		for (unsigned i = 0; i < nf_mutators_n; i++)
			if (strcmp(v, nf_mutators[i].name) == 0)
				c->mutator = nf_mutators[i].name;
	} else if (strcmp(line, "expect") == 0) {
		enum nf_class cls;
		if (!nf_class_parse(v, &cls))
			return rd_err(r, "expect %s: not a class (ok protocol degraded data hang wedge crash)", v);
		snprintf(c->expect, sizeof(c->expect), "%s", v);
	} else {
		*sp = ' ';
		return 1;
	}
	return 0;
}

int nf_case_load(struct nf_case *c, const char *path, char *why, size_t cap)
{
	struct rd r = { path, 0, why, cap };
	nf_case_init(c, 0, 0, "replay");
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = malloc(NF_LINE_MAX);
	if (line == NULL) {
		fclose(f);
		snprintf(why, cap, "out of memory");
		return -1;
	}
	bool version = false;
	int rc = 0;
	while (rc == 0 && fgets(line, (int)NF_LINE_MAX, f) != NULL) {
		r.line++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] != '\n' && !feof(f)) {
			rc = rd_err(&r, "line longer than %u bytes", NF_LINE_MAX);
			break;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		int h = parse_header(&r, c, line, &version);
		if (h < 0)
			rc = -1;
		else if (h > 0)
			rc = version ? parse_step(&r, c, line) : rd_err(&r, "the file must start with 'netfuzz-case 1'");
	}
	free(line);
	fclose(f);
	if (rc == 0 && !version) {
		r.line = 0;
		rc = rd_err(&r, "not a netfuzz case (no 'netfuzz-case 1' line)");
	}
	if (rc != 0)
		nf_case_free(c);
	return rc;
}
