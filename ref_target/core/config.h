/* config: what a target serves, as plain read-only data.
 *
 * Built by whoever creates the engine (the daemon from JSON, the simulator
 * from a scenario), validated by cfg_validate(), then only read by the
 * engine. The creator owns every pointer here and keeps it alive until
 * rt_engine_destroy. Indices (portal, lu) refer to the arrays in rt_config.
 */
#ifndef RT_CONFIG_H
#define RT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* One CHAP identity: a name and a secret (RFC 7143 §12.1.3, RFC 1994). */
struct rt_chap_cred {
	const char *user;
	const char *secret; /* RT_CHAP_SECRET_MIN..RT_CHAP_SECRET_MAX bytes */
};

/* Authentication required of a login. No 'in' user means AuthMethod=None
 * is accepted. 'out' set means mutual CHAP: we prove ourselves with it. */
struct rt_auth_cfg {
	struct rt_chap_cred in;  /* the initiator proves it knows this */
	struct rt_chap_cred out; /* we prove we know this (mutual CHAP) */
};

/* One LUN as an initiator sees it. */
struct rt_lun_map {
	uint64_t lun;   /* LUN number as in REPORT LUNS (SAM-5 §4.7, flat/peripheral) */
	uint32_t lu;    /* index into rt_config.lus */
	bool read_only; /* writes answer DATA PROTECT / WRITE PROTECTED */
};

/* An initiator allowed into a portal group, with its own LUN mapping. */
struct rt_acl_cfg {
	const char *initiator; /* iSCSI name, compared exactly */
	struct rt_auth_cfg auth;
	const struct rt_lun_map *luns;
	uint32_t lun_count;
	/* May send TARGET WARM RESET and TARGET COLD RESET (RFC 7143 §11.5.1),
	 * acting on the LUs of its own map only (tmf.c). false (the default,
	 * as LIO's tmr_warm_reset/tmr_cold_reset): TMF response 6, "Function
	 * authorization failed". */
	bool target_reset;
};

enum rt_redirect {
	RT_REDIRECT_NONE = 0,
	RT_REDIRECT_TEMPORARY, /* Login status 0x0101 (RFC 7143 §11.13.5) */
	RT_REDIRECT_PERMANENT, /* Login status 0x0102 */
};

/* Session-wide operational defaults the target offers (RFC 7143 §13). */
struct rt_params_cfg {
	uint32_t max_recv_data_segment_length; /* what we accept per PDU */
	uint32_t max_burst_length;
	uint32_t first_burst_length;
	uint32_t max_outstanding_r2t;
	uint32_t max_connections;
	uint32_t default_time2wait;   /* seconds */
	uint32_t default_time2retain; /* seconds */
	uint32_t error_recovery_level; /* the most offered (§13.20), <= RT_ERL_IMPLEMENTED */
	bool initial_r2t;
	bool immediate_data;
	bool data_pdu_in_order;
	bool data_sequence_in_order;
	/* true: CRC32C allowed, and offered if the initiator is silent;
	 * false: only None (RFC 7143 §13.1) */
	bool header_digest;
	bool data_digest;
	uint32_t cmd_window;         /* CmdSN window depth: MaxCmdSN - ExpCmdSN + 1 */
	uint32_t nop_in_interval_ms; /* 0: never ping */
	uint32_t nop_in_timeout_ms;  /* no NOP-Out answer in time: drop the connection */
	uint32_t login_timeout_ms;   /* a login phase longer than this is dropped */
	uint32_t logout_timeout_ms;  /* after Async logout request, drop after this */
	/* Memory (core/mem.h, limits.h RT_MEM_* for the defaults and why). */
	uint64_t mem_budget_bytes;      /* the whole target: allocations + unsent bytes */
	uint64_t session_mem_max_bytes; /* one session's share: task buffers + unsent */
	uint64_t session_mem_min_bytes; /* what any session may still take when tight */
	uint64_t conn_unsent_max_bytes; /* unsent bytes above which a connection is not read */
	/* Admission (admit.h): the defences against hostile clients, each
	 * with its default and reason in limits.h. */
	uint32_t prelogin_timeout_ms;        /* first whole Login PDU by then, or closed */
	uint32_t max_conns_per_source;       /* connections from one address, any phase */
	uint32_t max_login_conns_per_source; /* ... of which still logging in */
	uint32_t login_rate_per_source;      /* new connections per second from one address; 0: no limit */
	uint32_t login_burst_per_source;     /* ... and the burst above that rate */
	uint32_t reserved_session_conns;     /* of RT_CONNS_MAX, only for full feature phase */
	uint32_t max_sessions_per_initiator; /* sessions of one initiator name */
	uint32_t max_sessions_per_source;    /* sessions led from one address */
};

/* A target portal group: the portals it listens on and who may enter. */
struct rt_tpg_cfg {
	uint16_t tag;                /* TargetPortalGroupTag */
	/* The target port's RELATIVE TARGET PORT IDENTIFIER (SPC-4 §7.8.6.7);
	 * 0: the group's 1-based position in the target. Gateways of one
	 * target that export the same LU give theirs distinct ids, as one
	 * SCSI target device's ports must have. */
	uint16_t rel_port;
	const uint32_t *portals;     /* indices into rt_config.portals */
	uint32_t portal_count;
	/* Open access (LIO's generate_node_acls): any initiator, mapped by
	 * luns/lun_count below, authenticated by auth. ACL entries still win. */
	bool open_access;
	/* SendTargets lists this group to every initiator, not only to those
	 * it admits (LIO's demo_mode_discovery, on by default there; RFC 7143
	 * Appendix C lets a target list what it likes, §12 asks the login to
	 * be what protects a target). Default false: list what a login admits. */
	bool discovery_open;
	struct rt_auth_cfg auth;
	const struct rt_lun_map *luns;
	uint32_t lun_count;
	const struct rt_acl_cfg *acls;
	uint32_t acl_count;
	bool target_reset;           /* rt_acl_cfg.target_reset for open access */
	enum rt_redirect redirect;   /* answer every login with a redirect */
	const char *redirect_address; /* "host[:port]"; a ",tag" is dropped (RFC 7143 §13.8) */
};

struct rt_target_cfg {
	const char *name;  /* iqn./eui./naa. name (RFC 7143 §4.2.7) */
	const char *alias; /* TargetAlias, may be NULL */
	const struct rt_tpg_cfg *tpgs;
	uint32_t tpg_count;
};

/* A network portal: the address text used in TargetAddress. */
struct rt_portal_cfg {
	const char *address; /* "127.0.0.1" or "[::1]" */
	uint16_t port;
};

#define RT_LU_THIN       0x01u /* thin provisioned: UNMAP, LBPME=1 (SBC-3 §4.7) */
#define RT_LU_LBPRZ      0x02u /* unmapped blocks read as zeroes */
#define RT_LU_REMOVABLE  0x04u /* RMB=1 in INQUIRY; START STOP/PREVENT ALLOW */
#define RT_LU_READ_ONLY  0x08u /* write protected for everyone */
#define RT_LU_SANITIZE   0x10u /* SANITIZE allowed (destructive) */
#define RT_LU_WCE        0x20u /* volatile write cache enabled at start */
#define RT_LU_ATOMIC     0x40u /* WRITE ATOMIC (SBC-4): the backstore lands RT_DISK_ATOMIC writes whole */
#define RT_LU_PR_SHARED  0x80u /* persistent reservations live in the backstore
				  (RT_DISK_PR_LOAD/STORE), shared by every gateway */
#define RT_LU_ALUA_SHARED 0x100u /* the ALUA states follow the ownership of
				    shared storage, which the environment sets
				    (rt_set_alua_state); SET TARGET PORT GROUPS
				    asks it to move (RT_DISK_ALUA_SET) */
#define RT_LU_COMPARE_WRITE 0x200u /* the storage compares and writes in one
				      step for every gateway (RT_DISK_COMPARE_WRITE,
				      up to compare_write_max bytes): COMPARE AND
				      WRITE uses it instead of reading, comparing
				      and writing under this engine's gate */

/* SPC-4 §5.15.2.4: asymmetric access states. */
enum rt_alua_state {
	RT_ALUA_ACTIVE_OPTIMIZED = 0x0,
	RT_ALUA_ACTIVE_NONOPTIMIZED = 0x1,
	RT_ALUA_STANDBY = 0x2,
	RT_ALUA_UNAVAILABLE = 0x3,
	RT_ALUA_TRANSITIONING = 0xf,
};

#define RT_ALUA_IMPLICIT 0x1u /* TPGS: the target changes states itself */
#define RT_ALUA_EXPLICIT 0x2u /* TPGS: SET TARGET PORT GROUPS is honoured */

/* The access state of an LU through one target port group (a TPG tag). */
struct rt_alua_cfg {
	uint16_t tpg_tag;
	enum rt_alua_state state;
	bool preferred; /* PREF bit of REPORT TARGET PORT GROUPS */
	/* the group's target port, reported before any traffic (another
	 * gateway's, with RT_LU_ALUA_SHARED); 0: learned from traffic */
	uint16_t rel_port;
};

/* A logical unit: the geometry and capabilities the SCSI layer exposes.
 * The backstore behind it is the environment's business. */
struct rt_lu_cfg {
	const char *name;     /* for logs and config errors */
	uint64_t blocks;      /* number of logical blocks */
	uint32_t block_size;  /* 512 or 4096 */
	uint32_t flags;       /* RT_LU_* */
	const char *serial;   /* VPD 0x80; must be unique per LU */
	uint64_t naa_id;      /* low 36 bits of the NAA-6 vendor specific id */
	const char *vendor;   /* INQUIRY T10 vendor, 8 chars max */
	const char *product;  /* INQUIRY product, 16 chars max */
	const char *revision; /* INQUIRY product revision, 4 chars max; NULL: "0001" */
	uint8_t lbppbe;       /* logical blocks per physical block exponent (SBC-3 READ CAPACITY 16) */
	/* RT_LU_COMPARE_WRITE: the longest range, in bytes, one
	 * RT_DISK_COMPARE_WRITE may cover (rbd on librbd 16: one 512-byte
	 * sector); at least block_size. Unused without the flag. */
	uint32_t compare_write_max;
	/* ALUA (SPC-4 §5.15): the state per target port group; none listed:
	 * active/optimized through every group. alua_modes: RT_ALUA_*. */
	const struct rt_alua_cfg *alua;
	uint32_t alua_count;
	uint32_t alua_modes;
};

struct rt_config {
	const struct rt_portal_cfg *portals;
	uint32_t portal_count;
	const struct rt_target_cfg *targets;
	uint32_t target_count;
	const struct rt_lu_cfg *lus;
	uint32_t lu_count;
	struct rt_auth_cfg discovery_auth; /* for SessionType=Discovery */
	struct rt_params_cfg params;
};

/* Does the portal group map LU index lu, for anyone (its own map or an ACL's)? */
bool cfg_tpg_maps_lu(const struct rt_tpg_cfg *tpg, uint32_t lu);
/* The relative target port id of t's portal group g (rt_tpg_cfg.rel_port). */
uint16_t cfg_rel_port(const struct rt_target_cfg *t, uint32_t g);

/* Defaults every creator starts from (values as LIO/open-iscsi use them). */
void cfg_params_default(struct rt_params_cfg *p);

/* Check a configuration for consistency before an engine uses it: indices
 * in range, names well formed, limits respected, LUN numbers unique per map,
 * naa_id within 36 bits and unique across LUs. On error writes "where: why"
 * into err and returns -1. Paths use the configuration file's names (the
 * daemon's JSON keys): "targets[0].tpgs[1].portals[2]: no such portal",
 * with auth.chap / auth.mutual_chap for in / out and lus[i].size for blocks. */
int cfg_validate(const struct rt_config *cfg, char *err, size_t err_len);

#endif
