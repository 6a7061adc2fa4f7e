/* dcfg_jread: see dcfg_jread.h. */
#include "dcfg_jread.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dcfg_locate.h"


int jl_jfail(struct jl *j, const char *fmt, ...)
{
	char why[DCFG_ERR_MAX];
	int n = snprintf(why, sizeof(why), "%s: ", j->path_len ? j->path : "(top level)");
	if (n > 0 && (size_t)n < sizeof(why)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why + n, sizeof(why) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	dcfg_explain(j->d, why, j->err, j->err_len);
	return -1;
}

int jl_oom(struct jl *j)
{
	return jl_jfail(j, "out of memory");
}

/* Step into a member or element; jl_leave() steps back out. A path too long
 * to build stays at its parent, which is still a useful place to point at. */
size_t jl_enter_key(struct jl *j, const char *key)
{
	size_t saved = j->path_len;
	size_t n = dcfg_path_key(j->path, sizeof(j->path), saved, key);
	if (n < sizeof(j->path))
		j->path_len = n;
	return saved;
}

size_t jl_enter_index(struct jl *j, size_t index)
{
	size_t saved = j->path_len;
	size_t n = dcfg_path_index(j->path, sizeof(j->path), saved, index);
	if (n < sizeof(j->path))
		j->path_len = n;
	return saved;
}

void jl_leave(struct jl *j, size_t saved)
{
	j->path_len = saved;
	j->path[saved] = '\0';
}

/* "an object", "a boolean", ... for messages; JSON_TRUE and JSON_FALSE
 * both read as "a boolean". */
static const char *jl_type_word(json_type t)
{
	switch (t) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

const char *jl_type_name(const json_t *v)
{
	return jl_type_word(json_typeof(v));
}

/* Every key of obj must be one of keys (NULL-terminated): a misspelt key
 * silently ignored is a setting silently not applied. */
int jl_only_keys(struct jl *j, json_t *obj, const char *const *keys)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], key) != 0)
			i++;
		if (keys[i])
			continue;
		char known[DCFG_ERR_MAX / 2] = "";
		size_t n = 0;
		for (i = 0; keys[i] && n < sizeof(known); i++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", i ? ", " : "", keys[i]);
		jl_enter_key(j, key);
		return jl_jfail(j, "unknown key (known here: %s)", known);
	}
	return 0;
}

/* obj's member key, checked for type (JSON_TRUE: either boolean). *out
 * is NULL when absent, which is an error only if required. */
int jl_member(struct jl *j, json_t *obj, const char *key, json_type want, bool required, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v == NULL)
		return required ? jl_jfail(j, "missing required key '%s'", key) : 0;
	bool ok = want == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == want;
	if (!ok) {
		jl_enter_key(j, key);
		return jl_jfail(j, "must be %s, not %s", jl_type_word(want), jl_type_name(v));
	}
	*out = v;
	return 0;
}

int jl_get_str(struct jl *j, json_t *obj, const char *key, bool required, const char **out)
{
	json_t *v;
	if (jl_member(j, obj, key, JSON_STRING, required, &v))
		return -1;
	if (v == NULL)
		return 0;
	*out = dcfg_strndup(j->d, json_string_value(v), json_string_length(v));
	return *out ? 0 : jl_oom(j);
}

int jl_check_uint(struct jl *j, json_t *v, uint64_t max, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return jl_jfail(j, "must be an integer 0..%llu, not %s", (unsigned long long)max,
			     json_is_integer(v) ? "out of range" : jl_type_name(v));
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* An unsigned integer member; *out keeps its default when absent. */
int jl_get_uint(struct jl *j, json_t *obj, const char *key, bool required, uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		return required ? jl_jfail(j, "missing required key '%s'", key) : 0;
	size_t saved = jl_enter_key(j, key);
	int rc = jl_check_uint(j, v, max, out);
	jl_leave(j, saved);
	return rc;
}

int jl_get_u32(struct jl *j, json_t *obj, const char *key, bool required, uint32_t *out)
{
	uint64_t v = *out;
	if (jl_get_uint(j, obj, key, required, UINT32_MAX, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int jl_get_u16(struct jl *j, json_t *obj, const char *key, uint16_t *out)
{
	uint64_t v = *out;
	if (jl_get_uint(j, obj, key, false, UINT16_MAX, &v))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int jl_get_bool(struct jl *j, json_t *obj, const char *key, bool *out)
{
	json_t *v;
	if (jl_member(j, obj, key, JSON_TRUE, false, &v))
		return -1;
	if (v)
		*out = json_is_true(v);
	return 0;
}

int jl_load_array(struct jl *j, json_t *obj, const char *key, bool required, size_t elem_size,
		      jl_elem_fn fn, void **out, uint32_t *count)
{
	json_t *arr;
	*out = NULL;
	*count = 0;
	if (jl_member(j, obj, key, JSON_ARRAY, required, &arr))
		return -1;
	if (arr == NULL || json_array_size(arr) == 0)
		return 0;
	size_t n = json_array_size(arr);
	if (n > UINT32_MAX / elem_size)
		return jl_jfail(j, "too many entries");
	unsigned char *a = dcfg_alloc(j->d, n * elem_size);
	if (a == NULL)
		return jl_oom(j);
	size_t saved = jl_enter_key(j, key);
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		size_t in_key = jl_enter_index(j, i);
		if (!json_is_object(e))
			return jl_jfail(j, "must be an object, not %s", jl_type_name(e));
		if (fn(j, e, (uint32_t)i, a + i * elem_size))
			return -1;
		jl_leave(j, in_key);
	}
	jl_leave(j, saved);
	*out = a;
	*count = (uint32_t)n;
	return 0;
}

