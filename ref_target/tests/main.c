/* Unit test runner: runs every Check suite of one test binary (the
 * engine's unit_tests, the simulator's sim_tests).
 *
 * Suites are found at build time: each test file defines
 * "Suite *suite_<name>(void)" and make lists them in a suites.h on the
 * include path. Arguments (optional): suite names to run, e.g.
 * `unit_tests pdu rx`.
 * CK_FORK=no runs in-process (for Valgrind and gdb).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(fn) Suite *fn(void);
#include "suites.h"
#undef SUITE

struct suite_entry {
	const char *name;
	Suite *(*make)(void);
};

#define SUITE(fn) { #fn + 6, fn },
static const struct suite_entry suites[] = {
#include "suites.h"
};
#undef SUITE

static int wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	SRunner *sr = NULL;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		if (!wanted(suites[i].name, argc, argv))
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (sr == NULL) {
		fprintf(stderr, "%s: no suite matches\n", argv[0]);
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
