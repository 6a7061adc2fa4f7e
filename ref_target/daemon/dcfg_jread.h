/* dcfg_jread: reading a jansson tree with the key path kept, for the JSON
 * configuration loader (dcfg_json.c, the schema). Every helper names the
 * key path of what it refuses and, through dcfg_explain, its file and line;
 * each returns 0, or -1 with the error written. Owns nothing: strings and
 * arrays it hands out live in the dcfg's allocations (dcfg_alloc) or in
 * the jansson tree the caller holds.
 */
#ifndef RT_DCFG_JREAD_H
#define RT_DCFG_JREAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcfg.h"
#include "dcfg_locate.h"

/* The loader's state: where we are (the key path) and where errors go. */
struct jl {
	struct dcfg *d;
	char path[DCFG_PATH_MAX];
	size_t path_len;
	char *err;
	size_t err_len;
};


/* Load obj[key], an array of objects, into a fresh array of elem_size
 * entries, each filled by fn (with the path at the element). */
typedef int (*jl_elem_fn)(struct jl *j, json_t *elem, uint32_t index, void *out);

/* The error at the current path; -1. */
__attribute__((format(printf, 2, 3))) int jl_jfail(struct jl *j, const char *fmt, ...);
int jl_oom(struct jl *j);
/* Step into a member or element (the old path length is returned);
 * jl_leave steps back out. */
size_t jl_enter_key(struct jl *j, const char *key);
size_t jl_enter_index(struct jl *j, size_t index);
void jl_leave(struct jl *j, size_t saved);
/* "an object", "a string", ... for messages. */
const char *jl_type_name(const json_t *v);
/* Every key of obj is one of keys (NULL-terminated). */
int jl_only_keys(struct jl *j, json_t *obj, const char *const *keys);
/* obj[key] of type want (JSON_TRUE: either boolean) into *out (NULL when
 * absent and not required). */
int jl_member(struct jl *j, json_t *obj, const char *key, json_type want, bool required, json_t **out);
int jl_get_str(struct jl *j, json_t *obj, const char *key, bool required, const char **out);
/* v an integer in 0..max. */
int jl_check_uint(struct jl *j, json_t *v, uint64_t max, uint64_t *out);
/* Members whose *out keeps its default when absent. */
int jl_get_uint(struct jl *j, json_t *obj, const char *key, bool required, uint64_t max, uint64_t *out);
int jl_get_u32(struct jl *j, json_t *obj, const char *key, bool required, uint32_t *out);
int jl_get_u16(struct jl *j, json_t *obj, const char *key, uint16_t *out);
int jl_get_bool(struct jl *j, json_t *obj, const char *key, bool *out);
int jl_load_array(struct jl *j, json_t *obj, const char *key, bool required, size_t elem_size, jl_elem_fn fn,
		  void **out, uint32_t *count);

#endif
