/* host/io: see host/isim.h. The host's memory (malloc, counted), the
 * wall clock, whole files in and out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/host/isim.h"

/* ---- host memory: the allocator sim/ is handed ---- */

static uint64_t live_bytes; /* what sim/ holds of host_mem now */

static void *checked(void *p, size_t n)
{
	if (p == NULL) {
		fprintf(stderr, "isim: out of memory (%zu bytes)\n", n);
		abort();
	}
	live_bytes += n;
	return p;
}

/* Freed blocks up to HOST_CACHE_MAX bytes wait, one LIFO list per
 * power-of-two size class, for the next allocation of their class:
 * sim_free names the size, so a block goes back to its class without a
 * header. Most of a world's allocations are short-lived blocks of a few
 * sizes (a simulated TCP segment per send, the engine's PDUs and
 * buffers); malloc and free were 5% of isim bench's time (perf) and a
 * free list is a few instructions. A world's blocks go back to malloc
 * when it is over (host_mem_trim, run_world): meanwhile the cache holds
 * at most what the world held at its peak, rounded up to the class.
 * Worlds never see an address, so they run as before.
 * Not under AddressSanitizer, whose poisoning of a freed block (a use
 * after free) the cache would defeat. One process per swarm job (fork):
 * no locks. */
#define HOST_CACHE_MIN_SHIFT 5u  /* 32 bytes: the smallest class */
#define HOST_CACHE_MAX_SHIFT 18u /* 256 KiB: larger blocks go to malloc */
#define HOST_CACHE_MAX ((size_t)1 << HOST_CACHE_MAX_SHIFT)
#define HOST_CACHE_CLASSES (HOST_CACHE_MAX_SHIFT - HOST_CACHE_MIN_SHIFT + 1u)
#if defined(__SANITIZE_ADDRESS__)
#define HOST_CACHE_ON 0
#else
#define HOST_CACHE_ON 1
#endif

struct host_free_block { struct host_free_block *next; };
static struct host_free_block *host_cache[HOST_CACHE_CLASSES];

/* The class of an n-byte block (n <= HOST_CACHE_MAX): the smallest
 * power of two at least n, counted from 1 << HOST_CACHE_MIN_SHIFT. */
static unsigned cache_class(size_t n)
{
	if (n <= ((size_t)1 << HOST_CACHE_MIN_SHIFT))
		return 0;
	return (unsigned)(64 - __builtin_clzll((unsigned long long)(n - 1))) - HOST_CACHE_MIN_SHIFT;
}

static void *host_alloc(void *ctx, size_t n)
{
	(void)ctx;
	if (!HOST_CACHE_ON || n > HOST_CACHE_MAX)
		return checked(malloc(n ? n : 1), n);
	unsigned c = cache_class(n);
	struct host_free_block *b = host_cache[c];
	if (b != NULL) {
		host_cache[c] = b->next;
		return checked(b, n);
	}
	return checked(malloc((size_t)1 << (c + HOST_CACHE_MIN_SHIFT)), n);
}

/* calloc for what the cache does not serve: a large block comes zeroed
 * from the kernel, no memset, and pages nobody touches are never faulted
 * in (the disk's two images, mostly untouched since the disk keeps
 * patterns, disk.pat). */
static void *host_zalloc(void *ctx, size_t n)
{
	if (HOST_CACHE_ON && n <= HOST_CACHE_MAX)
		return memset(host_alloc(ctx, n), 0, n);
	return checked(calloc(1, n ? n : 1), n);
}

static void host_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	live_bytes -= n;
	if (!HOST_CACHE_ON || n > HOST_CACHE_MAX) {
		free(p);
		return;
	}
	if (p == NULL)
		return;
	unsigned c = cache_class(n);
	struct host_free_block *b = p;
	b->next = host_cache[c];
	host_cache[c] = b;
}

const struct sim_mem host_mem = { host_alloc, host_free, NULL, host_zalloc };

void host_mem_trim(void)
{
	for (unsigned c = 0; c < HOST_CACHE_CLASSES; c++) {
		while (host_cache[c] != NULL) {
			struct host_free_block *b = host_cache[c];
			host_cache[c] = b->next;
			free(b);
		}
	}
}

/* The real clock, on purpose and only here: sim/host/ is the one folder of
 * sim/ that may touch the OS (sim/README.md). It times isim itself for the
 * speed figures (wall s, simulated s per wall s) printed beside a world's
 * result and kept out of every compared output (the swarm report's last
 * line, the results file's wall_ns). No world reads it: the simulated
 * clock is sim/base/evq's, handed to the engine through rt_env.now_ns, so
 * the same seed is the same world whatever this returns. */
uint64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* host/ is the OS boundary (DESIGN.md): wall time of a run, never a world's time */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (nb == NULL)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

double ratio(uint64_t sim, uint64_t wall)
{
	return wall ? (double)sim / (double)wall : 0.0;
}

const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b != NULL ? b + 1 : path;
}

/* Write len bytes of text to path (mode "w" or "a"); 0, or -1 with the
 * reason printed. Every output file goes through here or is checked as
 * carefully: a file that cannot be written fails the command. */
int write_text(const char *path, const char *mode, const char *text, size_t len)
{
	FILE *f = fopen(path, mode);
	if (f == NULL) {
		fprintf(stderr, "isim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t n = fwrite(text, 1, len, f);
	int werr = n == len ? 0 : errno;
	if (fclose(f) != 0 && werr == 0)
		werr = errno;
	if (werr != 0) {
		fprintf(stderr, "isim: %s: %s\n", path, strerror(werr));
		return -1;
	}
	return 0;
}

/* Before a long run: can path be written at all? (The run writes it at
 * the end; finding out then would waste the run.) Mode "a" leaves what
 * is there; "w" empties it. */
int check_writable(const char *path, const char *mode)
{
	if (path == NULL)
		return 0;
	FILE *f = fopen(path, mode);
	if (f == NULL) {
		fprintf(stderr, "isim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}


uint64_t host_live_bytes(void)
{
	return live_bytes;
}
