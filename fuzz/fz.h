/* fz: what every fuzz harness shares: reading a fuzzer's input as a
 * stream of small decisions, and failing loudly when an engine promise is
 * broken.
 *
 * Each harness (fuzz/harness_<name>.c) defines LLVMFuzzerTestOneInput; the
 * same source builds as a libFuzzer target, an AFL++ target (through
 * AFL++'s libFuzzer driver), a replay program (fuzz/replay.c) and a
 * coverage program. An oracle violation calls fz_fail(), which aborts: to
 * every fuzzer that is a crash, saved with the input that caused it.
 * Owns nothing.
 */
#ifndef FZ_H
#define FZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point (also called by replay.c). Harnesses set
 * themselves up lazily on the first call: no LLVMFuzzerInitialize. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fuzzer's input read front to back. Past the end every read returns
 * zeroes, so a harness never has to check before it reads: a short input
 * is simply a run that ends early (fz_done). */
struct fz_in {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static inline void fz_in_init(struct fz_in *in, const uint8_t *p, size_t len)
{
	in->p = p;
	in->len = len;
	in->off = 0;
}

static inline bool fz_done(const struct fz_in *in)
{
	return in->off >= in->len;
}

static inline size_t fz_left(const struct fz_in *in)
{
	return in->off < in->len ? in->len - in->off : 0;
}

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in); /* big-endian, as the wire */
uint32_t fz_u32(struct fz_in *in);
/* Up to want bytes in place (fewer at the end): *got says how many. */
const uint8_t *fz_bytes(struct fz_in *in, size_t want, size_t *got);
/* Copy exactly n bytes into out, zero-filled past the end of the input. */
void fz_copy(struct fz_in *in, void *out, size_t n);

/* Report a broken promise and abort (the fuzzers' crash). */
__attribute__((noreturn, format(printf, 4, 5)))
void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...);

/* An oracle: cond must hold for every input. */
#define FZ_CHECK(cond, ...)                                                   \
	do {                                                                  \
		if (!(cond))                                                  \
			fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);      \
	} while (0)

/* An oracle for a finding reported and not fixed yet, named by its id in
 * fuzz/FINDINGS.md. With FZ_STRICT=1 in the environment (make fuzz) it
 * fails like FZ_CHECK; otherwise it says so once per id on stderr and the
 * run goes on, so the smoke runs of make test stay green while the
 * finding stays visible. Returns cond, for the harness to work around. */
#define FZ_CHECK_OPEN(id, cond, ...) \
	((cond) ? true : fz_open(id, __FILE__, __LINE__, #cond, __VA_ARGS__))
__attribute__((format(printf, 5, 6)))
bool fz_open(const char *id, const char *file, int line, const char *cond, const char *fmt, ...);

#endif
