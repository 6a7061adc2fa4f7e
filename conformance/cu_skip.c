/* cu_skip: an LD_PRELOAD shim that makes libiscsi's silent skips visible.
 *
 * libiscsi's iscsi-test-cu reports a skipped test to CUnit as passed: it
 * calls CU_PASS(msg), which CUnit turns into a successful assertion and
 * forgets (shared/notes/peers-and-guests.md). Every CU_PASS reaches
 * CU_assertImplementation with the condition text "CU_PASS(...)"; this shim
 * wraps that function, prints one marker line for each such call, and hands
 * the call on unchanged. The runner (conformance/suites/libiscsi-cu.sh)
 * counts a test with a marker as SKIP.
 *
 * Owns nothing; keeps no state. Loaded only into iscsi-test-cu.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* CUnit 2.1's CU_BOOL is an int; we redeclare rather than need CUnit's
 * headers, which are not otherwise a dependency of the project. */
typedef int cu_bool;
typedef cu_bool (*cu_assert_fn)(cu_bool value, unsigned int line,
				 const char *condition, const char *file,
				 const char *function, cu_bool fatal);

/* The marker the runner greps for; keep in step with libiscsi-cu.sh. */
#define CU_SKIP_MARKER "[CU_SKIP_MARKER]"

cu_bool CU_assertImplementation(cu_bool value, unsigned int line,
				const char *condition, const char *file,
				const char *function, cu_bool fatal);

cu_bool CU_assertImplementation(cu_bool value, unsigned int line,
				const char *condition, const char *file,
				const char *function, cu_bool fatal)
{
	static const char pass_prefix[] = "CU_PASS(";
	cu_assert_fn next = (cu_assert_fn)dlsym(RTLD_NEXT, "CU_assertImplementation");

	if (condition && strncmp(condition, pass_prefix, sizeof pass_prefix - 1) == 0) {
		printf("%s %s:%u %s\n", CU_SKIP_MARKER, file ? file : "?", line, condition);
		fflush(stdout);
	}
	return next ? next(value, line, condition, file, function, fatal) : value;
}
