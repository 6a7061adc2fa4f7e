/* rbd_status: see rbd_status.h. */
#include "rbd_status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool rbds_is_write(enum rt_disk_op op)
{
	return op == RT_DISK_WRITE || op == RT_DISK_UNMAP || op == RT_DISK_WRITE_ZEROES ||
	       op == RT_DISK_COMPARE_WRITE;
}

/* EROFS: another client holds the lock and will not give it (librbd's
 * answer to a write it may not make; a flush writes what the cache holds,
 * so it is one too). */
enum rt_disk_status rbds_status(long rc, enum rt_disk_op op, bool *fenced)
{
	if (rc >= 0)
		return RT_DISK_OK;
	if (op == RT_DISK_COMPARE_WRITE && rc == -EILSEQ)
		return RT_DISK_MISCOMPARE;
	if (op == RT_DISK_COMPARE_WRITE && rc == -EINVAL)
		return RT_DISK_ERR_UNSUPPORTED; /* a range librbd will not compare at once */
	switch (-rc) {
	case ESHUTDOWN:
		*fenced = true;
		return RT_DISK_ERR_BLOCKLISTED;
	case EROFS:
		return rbds_is_write(op) || op == RT_DISK_FLUSH ? RT_DISK_ERR_FENCED : RT_DISK_ERR_READ;
	case ENOSPC:
	case EDQUOT:
		return RT_DISK_ERR_SPACE;
	case EOPNOTSUPP:
		return RT_DISK_ERR_UNSUPPORTED;
	default:
		return op == RT_DISK_READ || op == RT_DISK_MAP_STATUS || op == RT_DISK_PR_LOAD ? RT_DISK_ERR_READ
											       : RT_DISK_ERR_WRITE;
	}
}

uint64_t rbds_mismatch(const struct rt_disk_io *io, uint64_t mismatch_off, uint64_t obj_size)
{
	if (mismatch_off >= io->offset && mismatch_off - io->offset < io->len)
		return mismatch_off - io->offset; /* the image offset, as documented */
	uint64_t base = obj_size ? io->offset - io->offset % obj_size : io->offset;
	if (mismatch_off >= base && mismatch_off - base < io->len)
		return mismatch_off - base; /* librbd 16 */
	return 0;
}

enum rt_disk_status rbds_record_status(long rc, enum rt_disk_op op, bool *none, bool *fenced)
{
	*none = false;
	if (op == RT_DISK_PR_LOAD && rc == -ENOENT) {
		*none = true;
		return RT_DISK_OK;
	}
	if (op == RT_DISK_PR_STORE && (rc == -EEXIST || rc == -ERANGE || rc == -EOVERFLOW || rc == -ENOENT))
		return RT_DISK_ERR_STALE;
	return rbds_status(rc, op, fenced);
}

enum rt_disk_status rbds_lock_status(int rc, bool *fenced)
{
	/* EROFS/EBUSY: another gateway holds it; standby until a takeover */
	if (rc == -EROFS || rc == -EBUSY)
		return RT_DISK_ERR_FENCED;
	return rbds_status(rc, RT_DISK_WRITE, fenced);
}

int rbds_map_extent(uint64_t off, size_t len, int exists, void *arg)
{
	struct rbds_map *m = arg;
	if (!exists)
		return 0;
	if (!m->found) {
		m->found = true;
		m->first = off;
		m->first_end = off + len;
		return 0;
	}
	if (off == m->first_end) { /* extents come in order: extend the run */
		m->first_end = off + len;
		return 0;
	}
	return -EINTR; /* the run ended: that is all we asked */
}

void rbds_map_answer(const struct rbds_map *m, struct rt_disk_io *io)
{
	if (!m->found) {
		io->mapped = false;
		io->run_len = io->len;
	} else if (m->first > m->off) {
		io->mapped = false;
		io->run_len = m->first - m->off;
	} else {
		io->mapped = true;
		io->run_len = (m->first_end < m->end ? m->first_end : m->end) - m->off;
	}
}

int rbds_owner_addr(const char *owner, char *addr, size_t addr_len)
{
	const char *slash = strchr(owner, '/');
	if (slash == NULL || slash[1] == '\0' || strchr(owner, ':') == NULL)
		return -1;
	snprintf(addr, addr_len, "%s", owner);
	return 0;
}
