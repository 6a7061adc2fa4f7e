/* dcfg_locate: see dcfg_locate.h. */
#include "dcfg_locate.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static size_t path_append(char *path, size_t cap, size_t len, const char *key, size_t key_len)
{
	size_t dot = len > 0;
	if (len + dot + key_len + 1 > cap)
		return cap;
	if (dot)
		path[len] = '.';
	memcpy(path + len + dot, key, key_len);
	path[len + dot + key_len] = '\0';
	return len + dot + key_len;
}

size_t dcfg_path_key(char *path, size_t cap, size_t len, const char *key)
{
	return path_append(path, cap, len, key, strlen(key));
}

size_t dcfg_path_index(char *path, size_t cap, size_t len, size_t index)
{
	int n = snprintf(path + len, cap - len, "[%zu]", index);
	if (n < 0 || (size_t)n >= cap - len) {
		path[len] = '\0';
		return cap;
	}
	return len + (size_t)n;
}

struct loc {
	const char *p, *end;
	unsigned line;
	const char *target;
	size_t target_len;
	char path[DCFG_PATH_MAX];
	size_t path_len;
	unsigned best; /* line of the deepest part of target found so far */
};

enum match { MATCH_NONE, MATCH_ANCESTOR, MATCH_EXACT };

static enum match match(const struct loc *l)
{
	if (l->path_len > l->target_len || memcmp(l->path, l->target, l->path_len) != 0)
		return MATCH_NONE;
	if (l->path_len == l->target_len)
		return MATCH_EXACT;
	char next = l->target[l->path_len];
	return next == '.' || next == '[' ? MATCH_ANCESTOR : MATCH_NONE;
}

static bool at(const struct loc *l, char c)
{
	return l->p < l->end && *l->p == c;
}

static void skip_ws(struct loc *l)
{
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\r' || *l->p == '\n')) {
		if (*l->p == '\n')
			l->line++;
		l->p++;
	}
}

/* At an opening quote: past the closing one. JSON strings hold no raw
 * newline (RFC 8259 §7), so lines need no counting here. */
static void skip_string(struct loc *l)
{
	for (l->p++; l->p < l->end && *l->p != '"'; l->p++)
		if (*l->p == '\\' && l->p + 1 < l->end)
			l->p++;
	if (l->p < l->end)
		l->p++;
}

static bool ends_token(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':' || c == ']' ||
	       c == '}';
}

/* Skip one whole value, counting lines. */
static void skip_value(struct loc *l)
{
	int depth = 0;
	do {
		skip_ws(l);
		if (l->p >= l->end)
			return;
		char c = *l->p;
		if (c == '"') {
			skip_string(l);
		} else if (c == '{' || c == '[') {
			depth++;
			l->p++;
		} else if (c == '}' || c == ']') {
			depth--;
			l->p++;
		} else if (c == ',' || c == ':') {
			l->p++;
		} else {
			while (l->p < l->end && !ends_token(*l->p))
				l->p++;
		}
	} while (depth > 0);
}

/* At a key's opening quote: append the decoded key to the path. Keys with
 * escapes are decoded by jansson, so both sides see the same bytes. */
static void append_key(struct loc *l)
{
	const char *start = l->p;
	skip_string(l);
	size_t raw_len = (size_t)(l->p - start);
	if (raw_len < 2) {
		l->path_len = sizeof(l->path);
		return;
	}
	if (memchr(start, '\\', raw_len) == NULL) {
		l->path_len = path_append(l->path, sizeof(l->path), l->path_len, start + 1, raw_len - 2);
		return;
	}
	json_t *s = json_loadb(start, raw_len, JSON_DECODE_ANY, NULL);
	const char *key = json_string_value(s);
	l->path_len = key ? path_append(l->path, sizeof(l->path), l->path_len, key, json_string_length(s))
			  : sizeof(l->path);
	json_decref(s);
}

static void walk(struct loc *l);

/* The current member or element starts on line 'line' and the path names
 * it: stop on it, descend into it, or skip it. Returns true when the
 * target was inside it (nothing after it matters then). */
static bool visit(struct loc *l, unsigned line)
{
	enum match m = l->path_len < sizeof(l->path) ? match(l) : MATCH_NONE;
	if (m != MATCH_NONE)
		l->best = line;
	if (m == MATCH_ANCESTOR)
		walk(l);
	else if (m == MATCH_NONE)
		skip_value(l);
	return m != MATCH_NONE;
}

/* After a member of an object or array: back to the container's path
 * (saved long) and past the ',' before the next member; false at the
 * container's end (no ','). */
static bool next_member(struct loc *l, size_t saved)
{
	l->path_len = saved;
	l->path[saved] = '\0';
	skip_ws(l);
	if (!at(l, ','))
		return false;
	l->p++;
	return true;
}

static void walk_object(struct loc *l)
{
	size_t saved = l->path_len;
	for (l->p++;;) {
		skip_ws(l);
		if (!at(l, '"'))
			return; /* '}' or the end */
		unsigned key_line = l->line;
		append_key(l);
		skip_ws(l);
		if (at(l, ':'))
			l->p++;
		skip_ws(l);
		if (visit(l, key_line) || !next_member(l, saved))
			return;
	}
}

static void walk_array(struct loc *l)
{
	size_t saved = l->path_len;
	l->p++;
	for (size_t i = 0;; i++) {
		skip_ws(l);
		if (l->p >= l->end || at(l, ']'))
			return;
		l->path_len = dcfg_path_index(l->path, sizeof(l->path), saved, i);
		if (visit(l, l->line) || !next_member(l, saved))
			return;
	}
}

/* At a value whose path is an ancestor of the target. */
static void walk(struct loc *l)
{
	if (at(l, '{'))
		walk_object(l);
	else if (at(l, '['))
		walk_array(l);
	/* a scalar has no children: the target is not all there */
}

unsigned dcfg_locate(const char *text, size_t len, const char *path)
{
	struct loc l = {
		.p = text,
		.end = text + len,
		.line = 1,
		.target = path,
		.target_len = strlen(path),
		.best = 1,
	};
	skip_ws(&l);
	if (l.target_len > 0)
		walk(&l);
	return l.best;
}
