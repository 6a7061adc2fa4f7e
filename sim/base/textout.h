/* textout: printf into a caller's buffer, keeping count past its end, so a
 * formatter can say how many bytes it needed (snprintf's contract) while
 * appending piece by piece. Scenario files and expectations are written
 * with it. Owns nothing.
 */
#ifndef SIM_TEXTOUT_H
#define SIM_TEXTOUT_H

#include <stddef.h>

struct textout {
	char *buf;
	size_t cap, len; /* len may exceed cap: the bytes that did not fit */
};

void textout(struct textout *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
