/* fz_cfg: the target configuration the engine-level harnesses (login,
 * dataout, session) serve: one target per access rule, LUs small enough
 * to keep a run fast, and session parameters chosen by two input bytes so
 * the fuzzer explores digests, R2T/immediate-data policies, burst sizes,
 * window depth and timers as well as the PDUs themselves.
 *
 * The tables are const; struct fz_cfg holds the rt_config (with its
 * params) by value, so a harness owns one per run.
 */
#ifndef FZ_CFG_H
#define FZ_CFG_H

#include <stdint.h>

#include "core/config.h"
#include "fz.h"

enum {
	FZ_T_OPEN = 0, /* open access, no auth: LUN 0 -> LU 0, LUN 1 -> LU 1 read-only */
	FZ_T_CHAP,     /* one-way CHAP (FZ_USER/FZ_SECRET): LUN 0 -> LU 2 */
	FZ_T_MUTUAL,   /* mutual CHAP (+ FZ_TUSER/FZ_TSECRET): LUN 0 -> LU 2 */
	FZ_T_ACL,      /* only FZ_ACL_INITIATOR: LUN 0 -> LU 1 */
	FZ_T_REDIRECT, /* every login redirected */
	FZ_T_COUNT,
};
#define FZ_LU_COUNT 3u

#define FZ_INITIATOR "iqn.2026-11.org.iscsi-sim:fuzz-initiator"
#define FZ_ACL_INITIATOR "iqn.2026-11.org.iscsi-sim:fuzz-acl"
#define FZ_USER "fuzz-user"
#define FZ_SECRET "fuzz-secret-1234"
#define FZ_TUSER "fuzz-target"
#define FZ_TSECRET "fuzz-target-secret"

struct fz_cfg {
	struct rt_config cfg;
};

/* Default parameters changed by two input bytes; validated (a rejected
 * configuration is a harness bug). */
void fz_cfg_init(struct fz_cfg *c, struct fz_in *in);
/* The iSCSI name of target t (taken modulo FZ_T_COUNT). */
const char *fz_target_name(unsigned t);
/* Bytes of RAM disk that hold every LU. */
uint64_t fz_cfg_disk_size(void);

#endif
