/* fz: see fz.h. */
#include "fz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t fz_u8(struct fz_in *in)
{
	if (in->off >= in->len) {
		in->off = in->len + 1; /* reading past the end also ends the run */
		return 0;
	}
	return in->p[in->off++];
}

uint16_t fz_u16(struct fz_in *in)
{
	uint16_t hi = fz_u8(in);
	return (uint16_t)(hi << 8 | fz_u8(in));
}

uint32_t fz_u32(struct fz_in *in)
{
	uint32_t hi = fz_u16(in);
	return hi << 16 | fz_u16(in);
}

const uint8_t *fz_bytes(struct fz_in *in, size_t want, size_t *got)
{
	size_t n = fz_left(in);
	if (n > want)
		n = want;
	const uint8_t *p = in->p + (in->off < in->len ? in->off : in->len);
	in->off += n;
	*got = n;
	return p;
}

void fz_copy(struct fz_in *in, void *out, size_t n)
{
	size_t got;
	const uint8_t *p = fz_bytes(in, n, &got);
	memcpy(out, p, got);
	memset((uint8_t *)out + got, 0, n - got);
}

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "\n==fz== ORACLE VIOLATION at %s:%d: %s\n==fz== ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

bool fz_open(const char *id, const char *file, int line, const char *cond, const char *fmt, ...)
{
	static char seen[16][16];
	static unsigned nseen;
	static int strict = -1;
	va_list ap;
	if (strict < 0)
		strict = getenv("FZ_STRICT") != NULL && strcmp(getenv("FZ_STRICT"), "0") != 0;
	if (strict) {
		char msg[512];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		fz_fail(file, line, cond, "open finding %s: %s", id, msg);
	}
	for (unsigned i = 0; i < nseen; i++)
		if (strcmp(seen[i], id) == 0)
			return false;
	if (nseen < 16)
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", id);
	fprintf(stderr, "==fz== open finding %s at %s:%d (%s): ", id, file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

/* Sanitizer defaults for every fuzz binary: a recoverable UBSan report
 * (fuzz/ubsan.supp) still stops the run unless suppressed. The scripts add
 * the suppressions file through UBSAN_OPTIONS. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}
