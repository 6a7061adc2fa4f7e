/* ctl_cmd: the edits targetcli's commands make, on the model in our JSON
 * format (ctl_req.h): /backstores, /iscsi, and a target's portal group with
 * its luns, acls, portals and set auth/attribute/parameter. Private to
 * ctl_req.c and ctl_cmd.c.
 */
#ifndef RT_CTL_CMD_H
#define RT_CTL_CMD_H

#include <jansson.h>

#include "ctl_req.h"

/* Set res->err ("path: why"), res->action = CTL_ERROR; returns -1. */
int ctl_fail(struct ctl_result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The value of key=..., or of the positional argument order names key. */
const char *ctl_arg(const struct ctl_req *r, const char *const *order, const char *key);
/* Every key=value names one of keys, at most as many positionals as order. */
int ctl_args_known(const struct ctl_req *r, const char *const *order, const char *const *keys,
		   struct ctl_result *res);

void ctl_backstores(json_t *model, const struct ctl_req *r, struct ctl_result *res);
void ctl_iscsi(json_t *model, const struct ctl_req *r, struct ctl_result *res);
void ctl_tpg(json_t *model, const struct ctl_req *r, struct ctl_result *res);

#endif
