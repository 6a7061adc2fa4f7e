/* harness quiet (test only): a fuzz target with nothing to find, so that
 * fuzz/tests/truth.sh can prove that a run without a crash exits 0 and
 * says so. Built only with `make fuzz FUZZ_TEST=1 HARNESS=quiet`
 * (mk/fuzz.mk); links no engine.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a branch per first byte, so that coverage has something to grow */
	volatile unsigned sink = size > 0 ? data[0] % 4u : 0u;
	(void)sink;
	return 0;
}
