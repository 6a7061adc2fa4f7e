/* dlog: see dlog.h. */
#include "dlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Longest line we write; longer messages are cut, never split. */
#define DLOG_LINE_MAX 1024

static enum rt_log_level log_level = RT_LOG_INFO;

void dlog_set_level(enum rt_log_level most_verbose)
{
	log_level = most_verbose;
}

static const char *level_name(enum rt_log_level level)
{
	switch (level) {
	case RT_LOG_ERR: return "ERROR";
	case RT_LOG_WARN: return "WARN ";
	case RT_LOG_INFO: return "INFO ";
	case RT_LOG_DEBUG: return "DEBUG";
	}
	return "?    ";
}

void dlog_line(enum rt_log_level level, const char *msg)
{
	if (level > log_level)
		return;
	char line[DLOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s ", ts.tv_nsec / 1000000L,
			      level_name(level));
	for (const char *p = msg; *p && n < sizeof(line) - 1; p++)
		line[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
	line[n++] = '\n';
	/* stderr may be closed or a full pipe: nothing useful to do then. */
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}

void dlog(enum rt_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char msg[DLOG_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dlog_line(level, msg);
}
