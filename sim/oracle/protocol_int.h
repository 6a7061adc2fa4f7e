/* oracle/protocol_int.h: what protocol.c (full feature phase) and
 * protocol_login.c (login) share inside the protocol oracle. Not for
 * other modules: they use oracle/protocol.h. */
#ifndef SIM_ORACLE_PROTOCOL_INT_H
#define SIM_ORACLE_PROTOCOL_INT_H

#include <stdbool.h>

#include "sim/oracle/protocol.h"

/* o->rx[] by direction. */
enum { DIR_INI = 0, DIR_TGT = 1 };

/* One rule broken, with the RFC 7143 section it comes from. The first is
 * kept in o->why (the simulator's report); a capture is told of each.
 * Always false, so a check can return it. */
bool oproto_fail(struct oproto *o, const char *section, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A Login Request / Login Response (§11.12, §11.13); false: a rule broken. */
bool oproto_login_req(struct oproto *o, const struct ipdu_rx *rx);
bool oproto_login_rsp(struct oproto *o, const struct ipdu_rx *rx);
/* Full feature phase framing for direction d, now or when its PDU ends. */
void oproto_ffp_framing(struct oproto *o, int d);

#endif
