/* lu: the runtime state of one logical unit, and the transport events that
 * change it (SAM-5 §6.3 resets and I_T nexus loss).
 *
 * struct scsi_lu is allocated through env->alloc by scsi_lu_create and
 * owns every per-LU table of the SCSI layer: unit attentions (ua.h), mode
 * pages (mode.h), the medium state (START STOP UNIT, PREVENT ALLOW). The
 * configuration it points to belongs to the engine's creator.
 */
#ifndef RT_SCSI_LU_H
#define RT_SCSI_LU_H

#include <stdbool.h>
#include <stdint.h>

#include "mode.h"
#include "scsi.h"
#include "ua.h"

struct scsi_lu {
	const struct rt_env *env;
	const struct rt_lu_cfg *cfg;
	uint32_t index; /* rt_config.lus index, rt_disk_io.lu */
	struct ua_table ua;
	struct mode_state mode;
};

static inline uint64_t lu_blocks(const struct scsi_lu *lu)
{
	return lu->cfg->blocks;
}

static inline uint32_t lu_block_size(const struct scsi_lu *lu)
{
	return lu->cfg->block_size;
}

/* Blocks one command may move: RT_XFER_MAX in this LU's blocks (SBC-3
 * §6.5.3 MAXIMUM TRANSFER LENGTH). */
static inline uint32_t lu_xfer_blocks_max(const struct scsi_lu *lu)
{
	return RT_XFER_MAX / lu->cfg->block_size;
}

/* A line in the environment's log, prefixed with the LU name. */
void lu_log(const struct scsi_lu *lu, enum rt_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
