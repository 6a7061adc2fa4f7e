/* host/nf_cov: the network fuzzer's coverage-guided mode, its data
 * (host/netfuzz.h; fuzz/README.md, "Coverage-guided mode"): the edge map a
 * reftarget built with `make netfuzz-cov` shares (daemon/cov/netcov.h: a
 * file both map, named by RT_NETCOV_MAP on the target's side), and the
 * corpus of cases that reached something new: an edge never hit before
 * (cmd_netfuzz.c keeps those). As libFuzzer counts features, the hit
 * counts are sorted in AFL's classes (1, 2, 3, 4-7, 8-15, 16-31, 32-127,
 * 128+) and new (edge, class) pairs counted too, shown with -v: a live
 * target's counts vary from run to run of one case, so they do not decide.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/host/netfuzz.h"

int nf_cov_open(struct nf_cov *cv, const char *path, char *why, size_t cap)
{
	memset(cv, 0, sizeof(*cv));
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		snprintf(why, cap, "coverage map %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	void *p = MAP_FAILED;
	if (fstat(fd, &st) == 0 && ((size_t)st.st_size >= sizeof(struct netcov_map) ||
				       ftruncate(fd, (off_t)sizeof(struct netcov_map)) == 0))
		p = mmap(NULL, sizeof(struct netcov_map), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(why, cap, "coverage map %s: %s", path, strerror(e));
		return -1;
	}
	cv->map = p;
	if (cv->map->magic != 0 && (cv->map->magic != NETCOV_MAGIC || cv->map->version != NETCOV_VERSION)) {
		snprintf(why, cap, "coverage map %s: not a version %u netcov map (magic 0x%08x version %u)", path,
			NETCOV_VERSION, cv->map->magic, cv->map->version);
		munmap(p, sizeof(struct netcov_map));
		cv->map = NULL;
		return -1;
	}
	return 0;
}

void nf_cov_clear(struct nf_cov *cv)
{
	memset(cv->map->hits, 0, sizeof(cv->map->hits));
}

static uint8_t hit_class(uint8_t n)
{
	if (n <= 3)
		return (uint8_t)(1u << (n - 1)); /* 1, 2, 3 */
	if (n < 8)
		return 1u << 3;
	if (n < 16)
		return 1u << 4;
	if (n < 32)
		return 1u << 5;
	return n < 128 ? 1u << 6 : 1u << 7;
}

unsigned nf_cov_collect(struct nf_cov *cv, unsigned *new_edges)
{
	unsigned features = 0, edges = 0;
	for (size_t k = 0; k < NETCOV_EDGES_MAX / 8; k++) {
		uint64_t w;
		memcpy(&w, cv->map->hits + 8 * k, sizeof(w));
		if (w == 0)
			continue; /* most of the map: eight untouched edges at once */
		for (size_t i = 8 * k; i < 8 * k + 8; i++) {
			uint8_t n = cv->map->hits[i];
			if (n == 0)
				continue;
			uint8_t c = hit_class(n);
			if (cv->seen[i] & c)
				continue;
			features++;
			if (cv->seen[i] == 0)
				edges++;
			cv->seen[i] |= c;
		}
	}
	cv->edges += edges;
	*new_edges = edges;
	return features;
}

uint32_t nf_cov_total(const struct nf_cov *cv)
{
	return cv->map != NULL && cv->map->magic == NETCOV_MAGIC ? cv->map->edges : 0;
}

void nf_corpus_add(struct nf_corpus *k, const struct nf_case *c)
{
	if (k->n >= NF_CORPUS_MAX) {
		k->dropped++;
		return;
	}
	struct nf_case *e = malloc(sizeof(*e));
	if (e == NULL) {
		fprintf(stderr, "isim netfuzz: out of memory\n");
		exit(3);
	}
	nf_case_copy(e, c);
	k->e[k->n++] = e;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int nf_corpus_load(struct nf_corpus *k, const char *dir, char *why, size_t cap)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		snprintf(why, cap, "%s: %s", dir, strerror(errno));
		return -1;
	}
	char *names[NF_CORPUS_MAX];
	unsigned n = 0;
	for (struct dirent *de = readdir(d); de != NULL && n < NF_CORPUS_MAX; de = readdir(d)) {
		size_t len = strlen(de->d_name);
		if (len > 5 && strcmp(de->d_name + len - 5, ".case") == 0 && (names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	int rc = 0;
	static struct nf_case c;
	for (unsigned i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rc == 0 && nf_case_load(&c, path, why, cap) != 0)
			rc = -1;
		else if (rc == 0) {
			nf_corpus_add(k, &c);
			nf_case_free(&c);
		}
		free(names[i]);
	}
	return rc == 0 ? (int)n : -1;
}

void nf_corpus_free(struct nf_corpus *k)
{
	for (unsigned i = 0; i < k->n; i++) {
		nf_case_free(k->e[i]);
		free(k->e[i]);
	}
	k->n = 0;
}
