/* pr_int: what pr.c (PERSISTENT RESERVE OUT on the local state) and
 * pr_shared.c (the same on the state shared through the backstore) share.
 * Not for other modules.
 */
#ifndef RT_SCSI_PR_INT_H
#define RT_SCSI_PR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "pr.h"
#include "sense.h"

/* One PERSISTENT RESERVE OUT being applied to a copy of the state 'old';
 * the unit attentions it causes go to registrations of 'old'. */
struct pr_change {
	struct scsi_cmd *cmd;
	const struct pr_state *old;
	struct pr_state next;
	uint32_t me; /* the issuer's registration in next, PR_NONE if none */
	uint32_t ua_count;
	struct {
		uint32_t reg;
		enum scsi_cond cond;
	} ua[PR_REG_MAX];
};

/* Outcomes of a service action. */
enum pr_result {
	PR_DONE = 0,
	PR_CONFLICT,
	PR_FAILED, /* sense set */
};

/* Apply c->cmd (its parameter list checked) to a copy of *c->old, in
 * c->next; every earlier outcome in c is reset first. */
enum pr_result pr_out_apply(struct pr_change *c);
/* Does c->next differ from *c->old? */
bool pr_out_changes(const struct pr_change *c);
/* c->next becomes the LU's state, once stored: unit attentions to the
 * nexuses of the registrations it affected, PREEMPT AND ABORT's aborts. */
void pr_out_commit(struct pr_change *c);

/* pr_shared.c: PERSISTENT RESERVE OUT on a shared LU, after its
 * parameter list passed the checks, and PERSISTENT RESERVE IN: load the
 * record, then go on; each ends the command. */
void pr_shared_out_start(struct scsi_cmd *cmd);
void pr_shared_in_start(struct scsi_cmd *cmd);
/* pr_in.c: answer PERSISTENT RESERVE IN from lu->pr; ends the command. */
void pr_in_answer(struct scsi_cmd *cmd);

#endif
