/* replay: run a harness over files without a fuzzer: the regression
 * replay of `make test` (built with gcc and the Makefile's sanitizers) and
 * the coverage build of `make fuzz-report` (clang source-based coverage).
 *
 * Usage: <harness>-replay FILE|DIR...  Every regular file (directories are
 * read one level deep) is one input, named on stderr before it runs, so
 * the last name before an oracle violation or sanitizer report is the
 * input that caused it. Prints a summary line.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fz.h"

/* Inputs larger than this are not fuzzer inputs (libFuzzer's -max_len
 * here is far below). */
#define REPLAY_INPUT_MAX (4u << 20)

static unsigned long replayed;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	static uint8_t buf[REPLAY_INPUT_MAX];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, n); /* names the input of a crash */
	/* A copy of exactly n bytes, so ASan sees reads past the input. */
	uint8_t *copy = malloc(n ? n : 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	replayed++;
	return 0;
}

static int replay_path(const char *path, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if (depth > 0)
		return 0;
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && rc == 0) {
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
			rc = replay_path(sub, depth + 1);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], 0) != 0)
			return 1;
	printf("result: %lu inputs replayed, no oracle violation\n", replayed);
	return 0;
}
