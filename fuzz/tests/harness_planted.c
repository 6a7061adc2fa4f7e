/* harness planted (test only): a fuzz target with a crash planted on
 * purpose, so that fuzz/tests/truth.sh can prove what `make fuzz` does
 * when a fuzzer finds one (a non-zero exit, the crash file, the
 * sanitizer's first frames, the replay command). Built only with
 * `make fuzz FUZZ_TEST=1 HARNESS=planted` (mk/fuzz.mk), never part of the
 * shipped harness list, fuzz-smoke or the report; links no engine.
 *
 * Input: anything. An input whose first byte is 'P' reads one byte past a
 * heap buffer (an ASan heap-buffer-overflow in planted_overflow); a
 * fuzzer starting from nothing finds it within a second.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PLANTED_TRIGGER 'P'

/* The planted bug: copies the input into a buffer of its exact size and
 * reads the byte after it. noinline: the frame must show in the stack. */
__attribute__((noinline)) static int planted_overflow(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	volatile uint8_t past = copy[size];
	free(copy);
	return past;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 1 && data[0] == PLANTED_TRIGGER)
		return planted_overflow(data, size) & 0;
	return 0;
}
