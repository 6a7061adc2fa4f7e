/* discovery: the answer to SendTargets (RFC 7143 §13.3 and Appendix C):
 * TargetName= for every target the asking initiator may log in to, each
 * followed by TargetAddress=<address>:<port>,<portal group tag> for every
 * portal of every portal group admitting it (IPv6 addresses in brackets,
 * §13.8).
 *
 * Reads the configuration, appends to the caller's text_buf; owns nothing.
 */
#ifndef RT_DISCOVERY_H
#define RT_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "text.h"

/* Who asks, from which session. */
struct discovery_asker {
	const char *initiator;  /* InitiatorName of the session */
	bool discovery_session; /* SessionType=Discovery */
	uint32_t target;        /* normal session: index of its target */
};

enum discovery_status {
	DISCOVERY_OK = 0,
	DISCOVERY_NO_ROOM, /* the answer does not fit in out */
};

/* Answer SendTargets=<value>:
 *  "All"     every target the initiator may reach (discovery sessions;
 *            answered SendTargets=Reject in a normal session, Appendix C);
 *  "<name>"  that target, if the initiator may reach it (in a normal
 *            session only the session's own target);
 *  ""        the session's target (normal session; nothing in discovery).
 * A target the initiator may not reach is simply left out. */
enum discovery_status discovery_send_targets(const struct rt_config *cfg,
					     const struct discovery_asker *who,
					     const char *value, size_t value_len,
					     struct text_buf *out);

#endif
