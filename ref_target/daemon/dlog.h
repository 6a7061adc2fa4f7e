/* dlog: the daemon's log, one line per message on stderr.
 *
 * "2026-11-23T10:11:12.345Z INFO  message": UTC wall-clock time to the
 * millisecond, a level, the message with control characters replaced (a
 * peer's text never breaks a line). Lines above the chosen level are
 * dropped. Each line is one write(2), so lines from several processes
 * sharing stderr do not interleave mid-line. Owns only the level.
 */
#ifndef RT_DLOG_H
#define RT_DLOG_H

#include "core/rt_env.h"

void dlog_set_level(enum rt_log_level most_verbose);

/* One line; msg has no trailing newline (env->log's contract). */
void dlog_line(enum rt_log_level level, const char *msg);

__attribute__((format(printf, 2, 3)))
void dlog(enum rt_log_level level, const char *fmt, ...);

#endif
