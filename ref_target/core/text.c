/* text: see text.h. RFC 7143 §6.1 (text format), §13.22 (extension keys). */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "limits.h"

/* First allocation of a text_buf: one typical login answer fits. */
#define TEXT_BUF_FIRST_CAP 1024u

void text_iter_init(struct text_iter *it, const uint8_t *data, uint32_t len)
{
	it->data = data;
	it->len = len;
	it->off = 0;
	it->pairs = 0;
	it->max_pairs = RT_TEXT_KEYS_MAX;
}

enum text_err text_next(struct text_iter *it, struct text_pair *p)
{
	while (it->off < it->len && it->data[it->off] == 0)
		it->off++;
	if (it->off == it->len)
		return TEXT_END;
	const char *start = (const char *)it->data + it->off;
	const char *nul = memchr(start, 0, it->len - it->off);
	if (nul == NULL)
		return TEXT_ERR_NO_NUL;
	if (++it->pairs > it->max_pairs)
		return TEXT_ERR_TOO_MANY;
	const char *eq = memchr(start, '=', (size_t)(nul - start));
	if (eq == NULL)
		return TEXT_ERR_NO_EQUALS;
	size_t key_len = (size_t)(eq - start);
	if (key_len == 0)
		return TEXT_ERR_KEY_EMPTY;
	if (key_len > ISCSI_KEY_NAME_MAX)
		return TEXT_ERR_KEY_LONG;
	if (!text_key_valid(start, key_len))
		return TEXT_ERR_KEY_SYNTAX;
	p->key = start;
	p->key_len = (uint32_t)key_len;
	p->value = eq + 1;
	p->value_len = (uint32_t)(nul - eq - 1);
	it->off = (uint32_t)(nul - (const char *)it->data) + 1;
	return TEXT_OK;
}

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '+' || c == '@' || c == '_';
}

bool text_key_valid(const char *key, size_t len)
{
	size_t i = 0;
	/* RFC 7144 §4.1 names a standard key with a small letter first,
	 * against §6.1's rule: accept that one name as it is spelled. */
	static const char level[] = "iSCSIProtocolLevel";
	if (len == sizeof(level) - 1 && memcmp(key, level, len) == 0)
		return true;
	/* X#<IANA-registered-string> (§13.22): the label starts after "X#" */
	if (len > 2 && key[0] == 'X' && key[1] == '#')
		i = 2;
	if (i >= len || key[i] < 'A' || key[i] > 'Z')
		return false;
	for (; i < len; i++)
		if (!label_char(key[i]))
			return false;
	return true;
}

bool text_key_is(const struct text_pair *p, const char *name)
{
	return strlen(name) == p->key_len && memcmp(p->key, name, p->key_len) == 0;
}

bool text_value_is(const struct text_pair *p, const char *value)
{
	return strlen(value) == p->value_len && memcmp(p->value, value, p->value_len) == 0;
}

bool text_list_has(const struct text_pair *p, const char *item)
{
	size_t n = strlen(item);
	for (uint32_t start = 0, i = 0; i <= p->value_len; i++) {
		if (i < p->value_len && p->value[i] != ',')
			continue;
		if (i - start == n && memcmp(p->value + start, item, n) == 0)
			return true;
		start = i + 1;
	}
	return false;
}

bool text_utf8_valid(const char *s, size_t len)
{
	const uint8_t *u = (const uint8_t *)s;
	for (size_t i = 0; i < len;) {
		uint8_t c = u[i];
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			n = 2, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		/* overlong forms, UTF-16 surrogates and beyond U+10FFFF */
		if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += n;
	}
	return true;
}

void text_buf_init(struct text_buf *b, const struct rt_env *env, uint32_t max)
{
	b->env = env;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void text_buf_fini(struct text_buf *b)
{
	if (b->p != NULL)
		b->env->free(b->env->ctx, b->p, b->cap);
	b->p = NULL;
	b->len = b->cap = 0;
}

void text_buf_reset(struct text_buf *b)
{
	b->len = 0;
}

static enum text_err text_buf_reserve(struct text_buf *b, uint32_t need)
{
	if (need <= b->cap)
		return TEXT_OK;
	uint32_t cap = b->cap ? b->cap : TEXT_BUF_FIRST_CAP;
	while (cap < need)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	uint8_t *p = b->env->alloc(b->env->ctx, cap);
	if (p == NULL)
		return TEXT_ERR_NO_MEMORY;
	if (b->len)
		memcpy(p, b->p, b->len);
	if (b->p != NULL)
		b->env->free(b->env->ctx, b->p, b->cap);
	b->p = p;
	b->cap = cap;
	return TEXT_OK;
}

enum text_err text_buf_append(struct text_buf *b, const void *data, uint32_t len)
{
	if (len > b->max - b->len)
		return TEXT_ERR_TOO_LONG;
	enum text_err e = text_buf_reserve(b, b->len + len);
	if (e != TEXT_OK)
		return e;
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return TEXT_OK;
}

enum text_err text_buf_add_n(struct text_buf *b, const char *key, uint32_t key_len,
			     const char *value)
{
	uint32_t value_len = (uint32_t)strlen(value);
	uint32_t total = key_len + 1 + value_len + 1;
	if (total > b->max - b->len)
		return TEXT_ERR_TOO_LONG;
	enum text_err e = text_buf_reserve(b, b->len + total);
	if (e != TEXT_OK)
		return e;
	uint8_t *o = b->p + b->len;
	memcpy(o, key, key_len);
	o[key_len] = '=';
	memcpy(o + key_len + 1, value, value_len + 1);
	b->len += total;
	return TEXT_OK;
}

enum text_err text_buf_add(struct text_buf *b, const char *key, const char *value)
{
	return text_buf_add_n(b, key, (uint32_t)strlen(key), value);
}

enum text_err text_buf_add_u32(struct text_buf *b, const char *key, uint32_t v)
{
	char num[16];
	snprintf(num, sizeof(num), "%u", v);
	return text_buf_add(b, key, num);
}
