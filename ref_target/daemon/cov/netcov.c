/* daemon/cov/netcov: the target's side of the coverage map
 * (daemon/cov/netcov.h). Linked only into $(BUILD)/netcov/reftarget, whose
 * other objects are compiled with clang's -fsanitize-coverage=trace-pc-guard
 * (this one is not: it must not count itself). The compiler calls
 * __sanitizer_cov_trace_pc_guard_init once with the guards of the program,
 * before main; we number them 1..N and map the file NETCOV_ENV names.
 * Without the variable, or when the file cannot be mapped, the counters go
 * to a private array: the target runs the same, nobody reads them. The
 * daemon is single-threaded, so a plain increment is exact.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/cov/netcov.h"

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop);
void __sanitizer_cov_trace_pc_guard(uint32_t *guard);

static struct netcov_map netcov_private;
static struct netcov_map *netcov = &netcov_private;
static uint32_t netcov_edges;

static struct netcov_map *netcov_attach(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		perror("reftarget: " NETCOV_ENV);
		return NULL;
	}
	struct stat st;
	void *p = MAP_FAILED;
	if (fstat(fd, &st) == 0 && ((size_t)st.st_size >= sizeof(struct netcov_map) ||
				       ftruncate(fd, (off_t)sizeof(struct netcov_map)) == 0))
		p = mmap(NULL, sizeof(struct netcov_map), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		perror("reftarget: mapping " NETCOV_ENV);
		return NULL;
	}
	return p;
}

void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop)
{
	if (start == stop || *start != 0)
		return; /* no guards, or numbered already */
	for (uint32_t *g = start; g < stop; g++)
		*g = ++netcov_edges;
	const char *path = getenv(NETCOV_ENV);
	struct netcov_map *m = path != NULL && path[0] != '\0' ? netcov_attach(path) : NULL;
	if (m == NULL)
		return;
	netcov = m;
	netcov->magic = NETCOV_MAGIC;
	netcov->version = NETCOV_VERSION;
	netcov->edges = netcov_edges;
	netcov->starts++;
}

void __sanitizer_cov_trace_pc_guard(uint32_t *guard)
{
	uint8_t *h = &netcov->hits[(*guard - 1u) % NETCOV_EDGES_MAX];
	if (*guard != 0 && *h != UINT8_MAX)
		(*h)++;
}
