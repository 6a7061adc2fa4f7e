/* dcfg_lio_int: what the two halves of the saveconfig.json reader share
 * (dcfg_lio.c: the file, storage objects and fabric modules;
 * dcfg_lio_tpg.c: targets, TPGs, LUNs, portals, ACLs, parameters). Private
 * to them.
 */
#ifndef RT_DCFG_LIO_INT_H
#define RT_DCFG_LIO_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcfg.h"
#include "dcfg_locate.h"

/* LIO's limits, from rtslib-fb: LUN.MAX_TARGET_LUN, and TPG tags are 16
 * bits (RFC 7143 §13.9 TargetPortalGroupTag). */
#define LIO_LUN_MAX 65535
#define LIO_TAG_MAX 65535
#define LIO_PATH_PREFIX "/backstores/"

struct lio {
	struct dcfg *d;
	char path[DCFG_PATH_MAX];
	size_t path_len;
	char *err;
	size_t err_len;
	json_t *root;     /* the file */
	json_t *ours;     /* its translation */
	json_t *params;   /* the first enabled TPG's params: the one set we have */
	char params_path[DCFG_PATH_MAX];
	bool oom;
	uint32_t target_out; /* our index of the target being read */
	uint32_t tpg_out;    /* ... and of its TPG */
	/* d->lio_remap's maps that matched (bit i: portals[i] / devs[i]) */
	uint32_t portal_maps_used;
	uint32_t dev_maps_used;
};

enum attr_kind {
	AT_USED,  /* read by the caller (the value is handed back) */
	AT_FIXED, /* reftarget behaves as LIO does with this value only */
	AT_ANY,   /* tuning with no effect on what reftarget shows (why says) */
};

struct attr {
	const char *name;
	enum attr_kind kind;
	long long def; /* LIO's default; AT_FIXED: the only value accepted */
	const char *why;
};

/* Errors: "file:line: path: why" at the current path; always -1. */
__attribute__((format(printf, 2, 3)))
int lio_fail(struct lio *l, const char *fmt, ...);
/* Step into a member or element; lio_leave(saved) steps back out. */
size_t lio_enter_key(struct lio *l, const char *key);
size_t lio_enter_index(struct lio *l, size_t index);
void lio_leave(struct lio *l, size_t saved);
/* Build our tree; a failed allocation is reported once, at the end. */
void lio_set(struct lio *l, json_t *o, const char *key, json_t *v);
void lio_push(struct lio *l, json_t *arr, json_t *v);
void lio_alias(struct lio *l, const char *ours, const char *theirs, const struct dcfg_alias_leaf *leaves);
/* Read the file: known keys only, typed members (the path is at o). */
int lio_only_keys(struct lio *l, json_t *o, const char *const *keys, const char *what);
int lio_get(struct lio *l, json_t *o, const char *key, json_type t, bool required, json_t **out);
int lio_get_str(struct lio *l, json_t *o, const char *key, bool required, const char **out);
int lio_get_int(struct lio *l, json_t *o, const char *key, bool required, long long lo, long long hi,
		long long *out);
int lio_get_bool(struct lio *l, json_t *o, const char *key, bool *out);
int lio_load_attrs(struct lio *l, json_t *o, const struct attr *table, size_t n, long long *vals);
const char *lio_alua_state_word(long long s);
long lio_find_storage_object(struct lio *l, const char *so_path);
/* dcfg_lio_tpg.c: one element of "targets" (the path is at it). */
int lio_load_target(struct lio *l, json_t *t, size_t i);
/* prefix+"userid"/"password" (+ mutual_) into our AUTH object. */
/* d->lio_remap applied: the regular file that serves dev, or NULL (as written). */
const char *lio_map_dev(struct lio *l, const char *dev);
/* The address and port a portal of the file is served at (addr: our
 * format, "[::1]" for IPv6; room for 80 bytes). -1 with the error set when
 * its map's target does not parse. */
int lio_map_portal(struct lio *l, char *addr, size_t addr_size, long long *port);
int lio_load_chap(struct lio *l, json_t *o, const char *prefix, json_t *auth);

#endif
