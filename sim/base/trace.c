/* trace: see trace.h. */
#include "sim/base/trace.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[TEV_KINDS] = {
	[TEV_WORLD] = "world", [TEV_FAULT] = "fault", [TEV_GW] = "gw",
	[TEV_CONN] = "conn", [TEV_SESS] = "sess", [TEV_PATH] = "path",
	[TEV_IO] = "io", [TEV_PDU] = "pdu", [TEV_DISK] = "disk",
	[TEV_ORACLE] = "oracle", [TEV_DIO] = "dio", [TEV_ATTACK] = "attack",
};

/* The names of an event's node and index in its JSON line, by kind: the
 * node is the machine the event happened on or concerns, named by its
 * role ("ini" or "gw"); the index says which part of it. NULL: the kind
 * has none, or its fields already say it (an oracle's name, a disk I/O's
 * status). */
static const struct {
	const char *node, *idx;
} field_names[TEV_KINDS] = {
	[TEV_WORLD] = { NULL, NULL },
	[TEV_FAULT] = { "gw", "ini" },  /* the gateway; the initiator of a link fault */
	[TEV_GW] = { "gw", NULL },
	[TEV_CONN] = { "ini", "conn" },
	[TEV_SESS] = { "ini", "path" },
	[TEV_PATH] = { "ini", "path" },
	[TEV_IO] = { "ini", "slot" },
	[TEV_PDU] = { "ini", "conn" },
	[TEV_DISK] = { "gw", NULL },
	[TEV_ORACLE] = { "ini", NULL }, /* the initiator whose I/O saw it, if one did */
	[TEV_DIO] = { "gw", NULL },
	[TEV_ATTACK] = { "ini", "attack" }, /* the attacker's network node; which attack */
};

const char *trace_kind_name(enum tev_kind kind)
{
	return kind < TEV_KINDS ? kind_names[kind] : "unknown";
}

void trace_init(struct sim_trace *tr, uint32_t kinds_mask)
{
	memset(tr, 0, sizeof(*tr));
	tr->hash = 0xcbf29ce484222325ull;
	tr->kinds_mask = kinds_mask;
}

void trace_observe(struct sim_trace *tr, trace_observer_fn fn, void *ctx)
{
	if (tr->nobs < TRACE_OBSERVERS_MAX) {
		tr->obs[tr->nobs] = fn;
		tr->obs_ctx[tr->nobs] = ctx;
		tr->nobs++;
	}
}

/* FNV-1a over 8-byte words: cheap, and any changed byte changes the hash. */
static uint64_t hash_bytes(uint64_t h, const char *p, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ull;
}

void trace_ev(struct sim_trace *tr, uint64_t t, enum tev_kind kind, const char *what, int node,
	int idx, uint64_t a, uint64_t b, const char *fmt, ...)
{
	if (!trace_on(tr, kind))
		return;
	/* The hash covers each event's identity and numbers, not its text:
	 * the same with or without observers, and cheap when nobody reads
	 * the lines (a swarm formats nothing). */
	uint64_t h = mix(tr->hash, t);
	h = mix(h, (uint64_t)kind << 32 | (uint32_t)node);
	h = mix(h, (uint64_t)(uint32_t)idx);
	h = mix(h, a);
	h = mix(h, b);
	tr->hash = hash_bytes(h, what, strlen(what));
	tr->events++;
	if (tr->nobs == 0)
		return;
	int n = snprintf(tr->buf, sizeof(tr->buf), "{\"t\":%llu,\"ev\":\"%s.%s\"", (unsigned long long)t,
		kind_names[kind], what);
	/* A negative node or index is none: left out. */
	if (field_names[kind].node != NULL && node >= 0 && n > 0 && (size_t)n < sizeof(tr->buf))
		n += snprintf(tr->buf + n, sizeof(tr->buf) - (size_t)n, ",\"%s\":%d", field_names[kind].node, node);
	if (field_names[kind].idx != NULL && idx >= 0 && n > 0 && (size_t)n < sizeof(tr->buf))
		n += snprintf(tr->buf + n, sizeof(tr->buf) - (size_t)n, ",\"%s\":%d", field_names[kind].idx, idx);
	if (fmt != NULL && n > 0 && (size_t)n < sizeof(tr->buf)) {
		va_list ap;
		va_start(ap, fmt);
		int m = vsnprintf(tr->buf + n, sizeof(tr->buf) - (size_t)n, fmt, ap);
		va_end(ap);
		if (m > 0)
			n += m;
	}
	/* A line that would not fit is cut and still closed: the log stays
	 * one object per line. */
	if (n < 0 || (size_t)n > sizeof(tr->buf) - 2)
		n = (int)sizeof(tr->buf) - 2;
	tr->buf[n++] = '}';
	tr->buf[n] = '\0';
	struct tev ev = { .t = t, .kind = kind, .what = what, .node = node, .idx = idx,
		.a = a, .b = b, .line = tr->buf, .len = (size_t)n };
	for (unsigned i = 0; i < tr->nobs; i++)
		tr->obs[i](tr->obs_ctx[i], &ev);
}

void trace_json_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (; *src != '\0' && o + 7 < cap; src++) {
		unsigned char ch = (unsigned char)*src;
		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			/* A well-formed two- or three-byte UTF-8 sequence (the
			 * oracles' "§") is one code point; any other byte is
			 * escaped alone (a peer's text may be anything). The
			 * output stays ASCII either way. */
			unsigned cp = ch;
			const unsigned char *u = (const unsigned char *)src;
			if (ch >= 0xc2 && ch <= 0xdf && (u[1] & 0xc0) == 0x80) {
				cp = ((ch & 0x1fu) << 6) | (u[1] & 0x3fu);
				src += 1;
			} else if (ch >= 0xe0 && ch <= 0xef && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80) {
				unsigned v = ((ch & 0x0fu) << 12) | ((u[1] & 0x3fu) << 6) | (u[2] & 0x3fu);
				if (v >= 0x800 && (v < 0xd800 || v > 0xdfff)) {
					cp = v;
					src += 2;
				}
			}
			memcpy(dst + o, "\\u", 2);
			dst[o + 2] = hex[(cp >> 12) & 0xf];
			dst[o + 3] = hex[(cp >> 8) & 0xf];
			dst[o + 4] = hex[(cp >> 4) & 0xf];
			dst[o + 5] = hex[cp & 0xf];
			o += 6;
		} else {
			dst[o++] = (char)ch;
		}
	}
	if (cap > 0)
		dst[o] = '\0';
}
