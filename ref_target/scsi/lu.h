/* lu: the runtime state of one logical unit, and the transport events that
 * change it (SAM-5 §6.3 resets and I_T nexus loss).
 *
 * struct scsi_lu is allocated through env->alloc by scsi_lu_create and
 * owns every per-LU table of the SCSI layer: the I_T nexuses it has seen
 * with their unit attentions (nexus.h, ua.h), mode pages (mode.h), the
 * medium (medium.h), its task set with the write gate of atomic commands
 * and the one queue of held commands (taskset.h),
 * reservations (reserve.h, pr.h), a running SANITIZE (sanitize.h), held
 * EXTENDED COPY results (xcopy.h), ALUA states (alua.h). The
 * configuration it points to belongs to the engine's creator.
 */
#ifndef RT_SCSI_LU_H
#define RT_SCSI_LU_H

#include <stdbool.h>
#include <stdint.h>

#include "alua.h"
#include "medium.h"
#include "mode.h"
#include "nexus.h"
#include "pr.h"
#include "reserve.h"
#include "sanitize.h"
#include "scsi.h"
#include "taskset.h"
#include "xcopy.h"

struct scsi_lu {
	const struct rt_env *env;
	const struct rt_lu_cfg *cfg;
	uint32_t index; /* rt_config.lus index, rt_disk_io.lu */
	const struct scsi_transport *tp; /* may be NULL (unit tests) */
	struct nexus_table nexuses;
	struct mode_state mode;
	struct medium medium;
	struct task_set tasks; /* task set, gate, held commands */
	struct rsv2 rsv;     /* SPC-2 reservation */
	struct pr_state pr;  /* persistent reservations */
	struct pr_cache pr_cache; /* RT_LU_PR_SHARED: how fresh pr is (pr_shared.c) */
	struct sanitize sanitize;
	struct xcopy_held xcopy; /* EXTENDED COPY results */
	struct alua alua;        /* target port groups and their states */
};

static inline uint64_t lu_blocks(const struct scsi_lu *lu)
{
	return lu->cfg->blocks;
}

static inline uint32_t lu_block_size(const struct scsi_lu *lu)
{
	return lu->cfg->block_size;
}

/* SBC-3 READ CAPACITY(16): LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT is
 * a 4-bit field. */
#define LU_LBPPBE_MAX 15u

/* Logical blocks per physical block: what alignment and transfer sizes
 * the LU prefers (READ CAPACITY(16), Block Limits VPD granularities). */
static inline uint32_t lu_blocks_per_physical(const struct scsi_lu *lu)
{
	return 1u << (lu->cfg->lbppbe & LU_LBPPBE_MAX);
}

/* Blocks one command may move: RT_XFER_MAX in this LU's blocks (SBC-3
 * §6.5.3 MAXIMUM TRANSFER LENGTH). */
static inline uint32_t lu_xfer_blocks_max(const struct scsi_lu *lu)
{
	return RT_XFER_MAX / lu->cfg->block_size;
}

/* What an LU offers beyond its RT_LU_* flags, derived from the rest of its
 * configuration, in bits the flags leave free: the command table's
 * 'requires' (cmd.h) names either. */
#define LU_CAP_STPG 0x80000000u /* explicit ALUA: SET TARGET PORT GROUPS (alua.h) */

/* The LU's RT_LU_* flags and LU_CAP_* capabilities. */
uint32_t lu_caps(const struct scsi_lu *lu);

/* A line in the environment's log, prefixed with the LU name. */
void lu_log(const struct scsi_lu *lu, enum rt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
