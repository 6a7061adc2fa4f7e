/* fz_env: the fake environment of ref_target/tests (fake_env) with the
 * engine's resource promises turned into oracles, for the harnesses that
 * run engine code.
 *
 *  - memory: every allocation goes through fake_env's counting allocator;
 *    live bytes must stay under live_max (bounded memory under any input,
 *    DESIGN.md "rejects, never over-allocates"), and fz_env_fini finds
 *    every byte freed;
 *  - disk: every I/O the SCSI layer submits must address an LU mapped for
 *    the nexus that asked (the EXTENDED COPY class, CVE-2020-28374: a
 *    command reaching an LU outside its I_T nexus), whole blocks, inside
 *    the LU, with a buffer for reads and writes;
 *  - I/O completion under the harness's control: one request at a time, in
 *    any order, or with an error status.
 *
 * Owns the fake_env (and so its RAM disk and captured output).
 */
#ifndef FZ_ENV_H
#define FZ_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/engine.h"
#include "ref_target/tests/fake_env.h"

struct fz_env {
	struct fake_env fe; /* first: fe.env.ctx is the address of both */
	struct rt_env base; /* fake_env's own functions, wrapped below */
	const struct rt_config *cfg; /* LU geometry for the disk oracle */
	size_t live_max;    /* allocation bound; 0: none */
	size_t live_peak;
	uint64_t disk_ios;  /* submitted since init */
	bool log;           /* FZ_LOG set: engine log lines to stderr */
};

/* A fake environment with a RAM disk of disk_size bytes (every LU of cfg
 * must fit in it: fake_env lays them all over the same bytes). */
void fz_env_init(struct fz_env *z, const struct rt_config *cfg, uint64_t disk_size);
/* Forget pending I/O (the engine that owned it is gone), check that every
 * allocated byte was freed, free the fake environment. */
void fz_env_fini(struct fz_env *z);

static inline const struct rt_env *fz_rt_env(const struct fz_env *z)
{
	return &z->fe.env;
}

/* Disk I/O waiting for completion. */
unsigned fz_disk_pending(const struct fz_env *z);
/* Complete pending request i (taken modulo the count; nothing if none)
 * with status st, delivering it to eng; an RT_DISK_OK request is applied
 * to the RAM disk first, and so are requests its completion submits.
 * Returns false if nothing was pending. */
bool fz_disk_complete(struct fz_env *z, struct rt_engine *eng, unsigned i, enum rt_disk_status st);
/* Complete everything, oldest first, until nothing is pending. */
void fz_disk_run(struct fz_env *z, struct rt_engine *eng);

#endif
