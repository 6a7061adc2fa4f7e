/* daemon/cov/netcov: the coverage map a reftarget built for the network
 * fuzzer's coverage mode shares with it (`make netfuzz-cov`; fuzz/README.md,
 * "Coverage-guided mode"). The layout both sides agree on; netcov.c is the
 * target's side, sim/host/nf_cov.c the fuzzer's. A file (under /dev/shm,
 * say) named by the environment variable NETCOV_ENV, as AFL's __AFL_SHM_ID
 * names its bitmap: the target counts each edge's hits there, the fuzzer
 * clears the counters before a case and reads them after it.
 */
#ifndef RT_DAEMON_NETCOV_H
#define RT_DAEMON_NETCOV_H

#include <stdint.h>

#define NETCOV_ENV "RT_NETCOV_MAP"        /* the map file's path */
#define NETCOV_MAGIC 0x4d56434eu          /* "NCVM" */
#define NETCOV_VERSION 1u
#define NETCOV_EDGES_MAX (1u << 18)       /* counters in the map; edges past it share them */

struct netcov_map {
	uint32_t magic, version;
	uint32_t edges;     /* the target's instrumented edges (written when it starts) */
	uint32_t starts;    /* how many times a target attached (restarts count) */
	uint8_t hits[NETCOV_EDGES_MAX]; /* per edge, saturating at 255 */
};

#endif
