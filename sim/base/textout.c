/* textout: see textout.h. */
#include "sim/base/textout.h"

#include <stdarg.h>
#include <stdio.h>

void textout(struct textout *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->len < o->cap ? o->buf + o->len : NULL, o->len < o->cap ? o->cap - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}
