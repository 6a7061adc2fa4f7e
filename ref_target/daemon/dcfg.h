/* dcfg: the daemon's configuration, as read from a JSON file or from the
 * quick command-line flags, turned into the engine's struct rt_config.
 *
 * Owns every string and array the rt_config points to (one arena, freed by
 * dcfg_free), the backstore description of each LU (rt_config knows only
 * geometry and identity), and the JSON text, kept so that any error found
 * later (cfg_validate, a backstore that will not open) can name the line.
 *
 * The JSON format is described in ref_target/daemon/dcfg_json.c; its key
 * names are the names cfg_validate() uses in its error paths.
 */
#ifndef RT_DCFG_H
#define RT_DCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backstore/bs.h"
#include "core/config.h"

/* Room for one error message "file:line: path: why". */
#define DCFG_ERR_MAX 512

/* The storage behind rt_config.lus[i]. */
struct dcfg_lu {
	const char *backstore; /* "ram", "file", "block", "rbd" */
	const char *path;      /* NULL for ram; rbd: "pool/image", the LU's
				  identity (dcfg_derive_ids), not a file */
	struct bs_rbd_params rbd; /* rbd only */
	uint64_t size_bytes;   /* 0: the size of the file or device */
	bool serial_given;     /* false: the daemon derives serial and naa_id */
	bool flags_from_caps;  /* thin, lbprz, wce, atomic follow the backstore's caps */
	uint32_t media_mbps;   /* 0: as fast as the backstore; else its data moves at
				  this many MB/s (a slow medium, for timing tests) */
};

struct dcfg_block;

/* Testing aids for a saveconfig.json written on another machine (the
 * differential in conformance/lio-config-diff.sh, where the file comes from
 * a guest): serve a portal the file names at another address, and a
 * storage object's dev (a fileio file or a block device there) from a
 * regular file here, with reftarget's file backstore. Every map must match
 * something in the file, or the load fails naming it. */
#define DCFG_LIO_MAPS_MAX 16
struct dcfg_lio_map {
	const char *from; /* "10.0.2.15:3260" / "/dev/ram0", as in the file */
	const char *to;   /* "127.0.0.1:3390" / "/srv/ram0.img" */
};
struct dcfg_lio_remap {
	struct dcfg_lio_map portals[DCFG_LIO_MAPS_MAX];
	unsigned portal_count;
	struct dcfg_lio_map devs[DCFG_LIO_MAPS_MAX];
	unsigned dev_count;
};

/* A file in another format (dcfg_lio.c: targetcli-fb's saveconfig.json)
 * is translated into ours; errors found on the translation (cfg_validate,
 * the backstores) must still name the file's own keys. An alias turns a
 * path of ours that starts with 'ours' into the file's 'theirs'; leaves
 * rename what follows (".auth.chap.secret" -> ".chap_password"). */
struct dcfg_alias_leaf {
	const char *ours;
	const char *theirs;
};
struct dcfg_alias {
	const char *ours;
	const char *theirs;
	const struct dcfg_alias_leaf *leaves; /* NULL-terminated, or NULL */
	struct dcfg_alias *next;
};

struct dcfg {
	struct rt_config cfg;       /* what the engine gets */
	struct rt_lu_cfg *lus;      /* == cfg.lus, writable: geometry is filled at open */
	struct dcfg_lu *stores;     /* cfg.lu_count entries */
	const char *source;         /* file name, or "command line" */
	const char *text;           /* the JSON text; NULL for flags */
	size_t text_len;
	/* Bit i: portals[i] named no port and got DCFG_DEFAULT_PORT (the
	 * daemon says so when it listens); DCFG_PORT_NOTES_MAX bits. */
	uint64_t port_defaulted;
	struct dcfg_block *arena;
	struct dcfg_alias *aliases; /* NULL for our own format */
	/* Set by the caller before dcfg_load_lio*: maps applied to the file
	 * (NULL: none, the file as written). */
	const struct dcfg_lio_remap *lio_remap;
};

/* rbd: every RADOS operation (connect included) fails after this long
 * instead of hanging when the cluster is gone ("rbd": {"op_timeout_s"}). */
#define DCFG_RBD_OP_TIMEOUT_S 30u
#define DCFG_RBD_OP_TIMEOUT_S_MAX 3600u

/* The quick flags: one target, one portal group, LUNs 0..n-1. NULL or zero
 * counts mean the embedded default (127.0.0.1:3260,
 * iqn.2026-11.org.iscsi-sim:ref, one 1 GiB sparse RAM LUN, open access). */
#define DCFG_QUICK_MAX 16
struct dcfg_quick {
	const char *portals[DCFG_QUICK_MAX]; /* "127.0.0.1:3260", "[::1]:3260", "0.0.0.0" */
	unsigned portal_count;
	const char *target;                  /* iSCSI name */
	const char *luns[DCFG_QUICK_MAX];    /* "ram:1G", "file:/path[:size]", "block:/dev/x" */
	unsigned lun_count;
	const char *chap;                    /* "user:secret" */
	const char *mutual_chap;             /* "user:secret" */
	const char *initiators[DCFG_QUICK_MAX]; /* only these may log in */
	unsigned initiator_count;
	const char *mem_budget;              /* "1G": params.mem_budget_bytes (core/mem.h) */
	bool target_reset; /* --allow-target-reset: rt_acl_cfg/rt_tpg_cfg.target_reset */
};

#define DCFG_DEFAULT_ADDRESS "127.0.0.1"
#define DCFG_DEFAULT_PORT 3260 /* RFC 7143 §13.9: the well-known iSCSI port */
/* Portals whose defaulted port dcfg.port_defaulted can record (as many as
 * RT_PORTALS_MAX, which cfg_validate enforces). */
#define DCFG_PORT_NOTES_MAX 64u
#define DCFG_DEFAULT_TARGET "iqn.2026-11.org.iscsi-sim:ref"
#define DCFG_DEFAULT_LUN "ram:1G"
/* An LU that lists no "alua_modes": both, as LIO's default
 * alua_access_type (SPC-4 §6.6.2 TPGS 11b). */
#define DCFG_DEFAULT_ALUA_MODES (RT_ALUA_IMPLICIT | RT_ALUA_EXPLICIT)
/* SPC-4 §6.6.2: PRODUCT REVISION LEVEL is 4 bytes of ASCII. */
#define DCFG_REVISION_MAX 4u
/* SBC-3 §5.16.2: LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT is 4 bits. */
#define DCFG_LBPPBE_MAX 15u

/* Each fills *d (which the caller zeroed) or writes a message into err and
 * returns -1; either way dcfg_free(d) releases what was taken. */
int dcfg_load_file(struct dcfg *d, const char *path, char *err, size_t err_len);
int dcfg_load_json(struct dcfg *d, const char *source, const char *text, size_t len,
		   char *err, size_t err_len);
/* targetcli-fb's saveconfig.json (dcfg_lio.c says what is honoured). */
int dcfg_load_lio_file(struct dcfg *d, const char *path, char *err, size_t err_len);
int dcfg_load_lio(struct dcfg *d, const char *source, const char *text, size_t len,
		  char *err, size_t err_len);
int dcfg_load_quick(struct dcfg *d, const struct dcfg_quick *q, char *err, size_t err_len);
void dcfg_free(struct dcfg *d);

/* Turn "path: why" (cfg_validate's form) into "source:line: path: why",
 * finding the line of the deepest part of path present in the text. */
void dcfg_explain(const struct dcfg *d, const char *path_why, char *out, size_t out_len);

/* cfg_validate, with the answer explained as above. */
int dcfg_validate(const struct dcfg *d, char *err, size_t err_len);

/* Give every LU without a configured serial one (and every LU without a
 * naa_id one, from its serial). File and block LUs take theirs from the
 * path: the same storage shows the same identity through any daemon, which
 * is what multipath needs (SPC-4 §7.8.6). RAM LUs live as long as one
 * process: theirs come from instance_random, fresh at every start, so two
 * daemons never look like one LU. */
int dcfg_derive_ids(struct dcfg *d, uint64_t instance_random, char *err, size_t err_len);

/* "4096", "512K", "100M", "1G", "2TiB": bytes, binary units (as qemu-img,
 * LIO and tgt read them). Returns 0, or -1 if not a size. */
int dcfg_parse_size(const char *s, uint64_t *out);

/* Our format as a parsed tree (d->source and d->text already set): what
 * dcfg_load_json does after parsing, and what dcfg_lio.c feeds its
 * translation to. */
struct json_t;
int dcfg_load_tree(struct dcfg *d, struct json_t *root, char *err, size_t err_len);

/* Record an alias (copies both paths); -1 when out of memory. */
int dcfg_alias_add(struct dcfg *d, const char *ours, const char *theirs,
		   const struct dcfg_alias_leaf *leaves);

/* Arena for the loaders: zeroed memory and string copies, NULL when out
 * of memory. */
void *dcfg_alloc(struct dcfg *d, size_t size);
char *dcfg_strdup(struct dcfg *d, const char *s);
char *dcfg_strndup(struct dcfg *d, const char *s, size_t n);

#endif
