/* lu: see lu.h. Creation restores what survives a power cycle (saved mode
 * pages); the transport events apply SAM-5 §6.3: a reset or an I_T nexus
 * loss is reported to initiators as a unit attention (SAM-5 §5.14). */
#include "lu.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alua.h"
#include "medium.h"
#include "mode.h"
#include "pr.h"
#include "reserve.h"
#include "sanitize.h"
#include "sbc.h"
#include "ua.h"

struct scsi_lu *scsi_lu_create(const struct rt_env *env, const struct rt_lu_cfg *cfg, uint32_t index,
			       const struct scsi_transport *tp)
{
	struct scsi_lu *lu = env->alloc(env->ctx, sizeof(*lu));
	if (lu == NULL)
		return NULL;
	memset(lu, 0, sizeof(*lu));
	lu->env = env;
	lu->cfg = cfg;
	lu->index = index;
	lu->tp = tp;
	/* Every nexus is new to a fresh LU, and ua.c owes a new nexus
	 * POWER ON, RESET, OR BUS DEVICE RESET OCCURRED: nothing to do. */
	mode_init(lu);
	if (pr_init(lu) != 0) {
		env->free(env->ctx, lu, sizeof(*lu));
		return NULL;
	}
	alua_init(lu);
	return lu;
}

uint32_t lu_caps(const struct scsi_lu *lu)
{
	static_assert(!(LU_CAP_STPG & (RT_LU_THIN | RT_LU_LBPRZ | RT_LU_REMOVABLE | RT_LU_READ_ONLY |
				       RT_LU_SANITIZE | RT_LU_WCE | RT_LU_ATOMIC | RT_LU_PR_SHARED |
				       RT_LU_ALUA_SHARED | RT_LU_COMPARE_WRITE)),
		      "capabilities and configuration flags do not overlap");
	return lu->cfg->flags | ((alua_modes(lu) & RT_ALUA_EXPLICIT) ? LU_CAP_STPG : 0);
}

void scsi_lu_destroy(struct scsi_lu *lu)
{
	if (lu == NULL)
		return;
	sanitize_drop(lu);
	lu->env->free(lu->env->ctx, lu, sizeof(*lu));
}

/* SAM-5 §6.3: I_T nexus loss ends the nexus's medium removal prevention
 * and SPC-2 reservation (persistent ones stay) and is reported to the
 * nexus if it returns. */
void scsi_nexus_lost(struct scsi_lu *lu, const struct scsi_nexus *nexus)
{
	medium_nexus_lost(lu, nexus);
	reserve_drop(lu, nexus);
	ua_establish(&lu->nexuses, nexus, SC_UA_NEXUS_LOSS);
}

void scsi_luns_changed(struct scsi_lu *lu, const struct scsi_nexus *nexus)
{
	ua_establish(&lu->nexuses, nexus, SC_UA_LUNS_CHANGED);
}

/* SAM-5 §6.3: a logical unit reset ends medium removal preventions and
 * SPC-2 reservations and is reported to every I_T nexus, the requester's
 * included. */
void scsi_lu_reset(struct scsi_lu *lu, const struct scsi_nexus *by)
{
	(void)by;
	medium_reset(lu);
	reserve_drop(lu, NULL);
	ua_establish_all(&lu->nexuses, NULL, SC_UA_DEVICE_RESET);
}

/* RFC 7143 §11.5.1: TARGET WARM RESET is SAM's target reset (reported as
 * a reset, 29/02); TARGET COLD RESET adds a power cycle (29/01). */
void scsi_target_reset(struct scsi_lu *lu, const struct scsi_nexus *by, bool cold)
{
	(void)by;
	medium_reset(lu);
	reserve_drop(lu, NULL);
	ua_establish_all(&lu->nexuses, NULL, cold ? SC_UA_POWER_ON : SC_UA_BUS_RESET);
}

/* SPC-4 §7.5, control mode page TAS 0: the victim learns through a unit attention that
 * its commands were cleared by another initiator. */
void scsi_tasks_cleared(struct scsi_lu *lu, const struct scsi_nexus *victim)
{
	ua_establish(&lu->nexuses, victim, SC_UA_COMMANDS_CLEARED);
}

void lu_log(const struct scsi_lu *lu, enum rt_log_level level, const char *fmt, ...)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "lu %s: ", lu->cfg->name ? lu->cfg->name : "?");
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	lu->env->log(lu->env->ctx, level, msg);
}
