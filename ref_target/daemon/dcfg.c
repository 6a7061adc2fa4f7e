/* dcfg: the configuration's memory, sizes, and errors with line numbers.
 * See dcfg.h; the JSON format is in dcfg_json.c, the flags in dcfg_quick.c.
 */
#include "dcfg.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcfg_locate.h"

/* Larger config files are refused rather than read: ours fit in a few KiB. */
#define DCFG_FILE_MAX (4u << 20)

struct dcfg_block {
	struct dcfg_block *next;
	alignas(max_align_t) unsigned char data[];
};

void *dcfg_alloc(struct dcfg *d, size_t size)
{
	if (size > SIZE_MAX - sizeof(struct dcfg_block))
		return NULL;
	struct dcfg_block *b = calloc(1, sizeof(*b) + size);
	if (b == NULL)
		return NULL;
	b->next = d->arena;
	d->arena = b;
	return b->data;
}

char *dcfg_strndup(struct dcfg *d, const char *s, size_t n)
{
	char *c = dcfg_alloc(d, n + 1);
	if (c)
		memcpy(c, s, n);
	return c;
}

char *dcfg_strdup(struct dcfg *d, const char *s)
{
	return dcfg_strndup(d, s, strlen(s));
}

void dcfg_free(struct dcfg *d)
{
	while (d->arena) {
		struct dcfg_block *b = d->arena;
		d->arena = b->next;
		free(b);
	}
	memset(d, 0, sizeof(*d));
}

/* FNV-1a: a small, stable hash for derived identities. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
/* rt_lu_cfg.naa_id: 36 bits. */
#define DCFG_NAA_ID_MASK 0xfffffffffull

int dcfg_derive_ids(struct dcfg *d, uint64_t instance_random, char *err, size_t err_len)
{
	for (uint32_t i = 0; i < d->cfg.lu_count; i++) {
		struct rt_lu_cfg *lu = &d->lus[i];
		const struct dcfg_lu *st = &d->stores[i];
		if (lu->serial == NULL) {
			uint64_t h = FNV_OFFSET;
			if (st->path) {
				h = fnv1a(h, st->path, strlen(st->path));
			} else {
				h = fnv1a(h, &instance_random, sizeof(instance_random));
				h = fnv1a(h, &i, sizeof(i));
			}
			char serial[17];
			snprintf(serial, sizeof(serial), "%016llx", (unsigned long long)h);
			lu->serial = dcfg_strdup(d, serial);
			if (lu->serial == NULL) {
				snprintf(err, err_len, "out of memory");
				return -1;
			}
		}
		if (lu->naa_id == 0) {
			uint64_t naa = fnv1a(FNV_OFFSET, lu->serial, strlen(lu->serial)) & DCFG_NAA_ID_MASK;
			lu->naa_id = naa ? naa : 1;
		}
	}
	return 0;
}

int dcfg_parse_size(const char *s, uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "KB", 10 }, { "KiB", 10 }, { "k", 10 },
		{ "M", 20 }, { "MB", 20 }, { "MiB", 20 }, { "m", 20 },
		{ "G", 30 }, { "GB", 30 }, { "GiB", 30 }, { "g", 30 },
		{ "T", 40 }, { "TB", 40 }, { "TiB", 40 }, { "t", 40 },
		{ "P", 50 }, { "PB", 50 }, { "PiB", 50 }, { "p", 50 },
	};
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t n = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].suffix) != 0)
			continue;
		if (n > (UINT64_MAX >> units[i].shift))
			return -1;
		*out = n << units[i].shift;
		return 0;
	}
	return -1;
}

int dcfg_alias_add(struct dcfg *d, const char *ours, const char *theirs,
		   const struct dcfg_alias_leaf *leaves)
{
	struct dcfg_alias *a = dcfg_alloc(d, sizeof(*a));
	if (a == NULL || (a->ours = dcfg_strdup(d, ours)) == NULL ||
	    (a->theirs = dcfg_strdup(d, theirs)) == NULL)
		return -1;
	a->leaves = leaves;
	a->next = d->aliases;
	d->aliases = a;
	return 0;
}

/* Does a path component end at c? */
static bool path_boundary(char c)
{
	return c == '\0' || c == '.' || c == '[';
}

/* Our path as the file names it: the longest alias prefix, then the
 * longest leaf of that alias. Unaliased paths stay as they are. */
static void alias_path(const struct dcfg *d, const char *path, char *out, size_t cap)
{
	const struct dcfg_alias *best = NULL;
	size_t best_len = 0;
	for (const struct dcfg_alias *a = d->aliases; a; a = a->next) {
		size_t n = strlen(a->ours);
		if ((best == NULL || n > best_len) && strncmp(path, a->ours, n) == 0 &&
		    path_boundary(path[n])) {
			best = a;
			best_len = n;
		}
	}
	if (best == NULL) {
		snprintf(out, cap, "%s", path);
		return;
	}
	const char *rest = path + best_len;
	const struct dcfg_alias_leaf *leaf = NULL;
	size_t leaf_len = 0;
	for (const struct dcfg_alias_leaf *l = best->leaves; rest[0] == '.' && l && l->ours; l++) {
		size_t n = strlen(l->ours);
		if (n > leaf_len && strncmp(rest + 1, l->ours, n) == 0 && path_boundary(rest[1 + n])) {
			leaf = l;
			leaf_len = n;
		}
	}
	if (leaf)
		snprintf(out, cap, "%s.%s%s", best->theirs, leaf->theirs, rest + 1 + leaf_len);
	else
		snprintf(out, cap, "%s%s", best->theirs, rest);
}

void dcfg_explain(const struct dcfg *d, const char *path_why, char *out, size_t out_len)
{
	const char *source = d->source ? d->source : "config";
	const char *sep = strstr(path_why, ": ");
	if (d->text == NULL || sep == NULL) {
		snprintf(out, out_len, "%s: %s", source, path_why);
		return;
	}
	char path[DCFG_PATH_MAX];
	size_t n = (size_t)(sep - path_why);
	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, path_why, n);
	path[n] = '\0';
	if (d->aliases) {
		char theirs[DCFG_PATH_MAX];
		alias_path(d, path, theirs, sizeof(theirs));
		snprintf(out, out_len, "%s:%u: %s%s", source, dcfg_locate(d->text, d->text_len, theirs),
			 theirs, sep);
		return;
	}
	snprintf(out, out_len, "%s:%u: %s", source, dcfg_locate(d->text, d->text_len, path), path_why);
}

/* An rbd LU whose ALUA follows the lock (rbd.alua_group) is served by
 * this gateway through that group: a portal group with that tag must map
 * it, or the gateway would own the lock for a group it does not have. */
static int check_alua_group(const struct dcfg *d, char *why, size_t why_len)
{
	for (uint32_t i = 0; i < d->cfg.lu_count; i++) {
		uint16_t group = d->stores[i].rbd.alua_group;
		bool found = group == 0;
		for (uint32_t t = 0; !found && t < d->cfg.target_count; t++)
			for (uint32_t g = 0; g < d->cfg.targets[t].tpg_count; g++)
				found = found || (d->cfg.targets[t].tpgs[g].tag == group &&
						  cfg_tpg_maps_lu(&d->cfg.targets[t].tpgs[g], i));
		if (!found) {
			snprintf(why, why_len, "lus[%u].rbd.alua_group: no portal group with tag %u maps this LU", i,
				 (unsigned)group);
			return -1;
		}
	}
	return 0;
}

int dcfg_validate(const struct dcfg *d, char *err, size_t err_len)
{
	char why[DCFG_ERR_MAX];
	if (cfg_validate(&d->cfg, why, sizeof(why)) == 0 && check_alua_group(d, why, sizeof(why)) == 0)
		return 0;
	dcfg_explain(d, why, err, err_len);
	return -1;
}

typedef int (*dcfg_text_loader)(struct dcfg *d, const char *source, const char *text, size_t len,
				char *err, size_t err_len);

static int load_file_with(struct dcfg *d, const char *path, dcfg_text_loader loader, char *err,
			  size_t err_len);

int dcfg_load_file(struct dcfg *d, const char *path, char *err, size_t err_len)
{
	return load_file_with(d, path, dcfg_load_json, err, err_len);
}

int dcfg_load_lio_file(struct dcfg *d, const char *path, char *err, size_t err_len)
{
	return load_file_with(d, path, dcfg_load_lio, err, err_len);
}

static int load_file_with(struct dcfg *d, const char *path, dcfg_text_loader loader, char *err,
			  size_t err_len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *text = NULL;
	size_t len = 0;
	int rc = -1;
	if (fseek(f, 0, SEEK_END) != 0 || ftell(f) < 0) {
		snprintf(err, err_len, "%s: not a regular file", path);
	} else if ((unsigned long)ftell(f) > DCFG_FILE_MAX) {
		snprintf(err, err_len, "%s: larger than %u bytes", path, DCFG_FILE_MAX);
	} else {
		len = (size_t)ftell(f);
		rewind(f);
		text = malloc(len + 1);
		if (text == NULL)
			snprintf(err, err_len, "%s: out of memory", path);
		else if (fread(text, 1, len, f) != len)
			snprintf(err, err_len, "%s: read error", path);
		else
			rc = loader(d, path, text, len, err, err_len);
	}
	free(text);
	fclose(f);
	return rc;
}
