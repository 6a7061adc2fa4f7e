/* tmf: task management functions (RFC 7143 §11.5, §11.6; SAM-5 §7):
 * ABORT TASK, ABORT TASK SET, CLEAR TASK SET, LOGICAL UNIT RESET, TARGET
 * WARM/COLD RESET; TASK REASSIGN at ERL 2 (erl2.h; below it "allegiance
 * reassignment not supported"); CLEAR ACA answered "not supported".
 * Target resets need the ACL's target_reset permission (else response 6)
 * and act on the issuer's own LUs only (tmf.c says why).
 *
 * A TMF response is sent only when every task it aborted has drained:
 * after FUNCTION COMPLETE, an aborted write never reaches the disk. The
 * session owns the TMF slots (struct tmf in session.h).
 */
#ifndef RT_TMF_H
#define RT_TMF_H

struct conn;
struct tmf;

#include <stdint.h>

/* A Task Management Function Request whose CmdSN turn it is. */
void tmf_request(struct conn *c, const uint8_t *bhs);

/* One aborted task of tmf finished draining. */
void tmf_task_drained(struct tmf *tmf);

#endif
