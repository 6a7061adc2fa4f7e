/* rbd_status: what librbd's answers mean to the rbd backstore (rbd.c),
 * apart from librbd so that every case is tested without a Ceph: a
 * negative errno to a disk status (which the SCSI layer turns into sense
 * data, scsi/cmd.c scsi_io_ok), the extents rbd_diff_iterate2 reports to a
 * MAP_STATUS run, and a lock owner's name to the address a takeover may
 * blocklist. Owns nothing. Built with or without librbd.
 */
#ifndef RT_BS_RBD_STATUS_H
#define RT_BS_RBD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/rt_env.h"

/* librbd 16 compares and writes at most one 512-byte sector at once:
 * ImageCompareAndWriteRequest::prune_object_extents refuses (EINVAL) a
 * range that leaves the sector it starts in (or its stripe unit, or its
 * object); later librbd lifted it. bs.compare_write_max, and through the
 * LU (RT_LU_COMPARE_WRITE) the Block Limits VPD page. */
#define RBDS_COMPARE_WRITE_MAX 512u

/* Does op change the image (and so need the exclusive lock)? */
bool rbds_is_write(enum rt_disk_op op);

/* librbd's result rc for a request of op: RT_DISK_OK when rc >= 0.
 * ESHUTDOWN (Ceph's EBLOCKLISTED) sets *fenced: nothing this client asks
 * will ever succeed again. A COMPARE_WRITE that found a difference
 * (EILSEQ) is RT_DISK_MISCOMPARE (rbds_mismatch says where); one librbd
 * refused for its range (EINVAL) is ERR_UNSUPPORTED. */
enum rt_disk_status rbds_status(long rc, enum rt_disk_op op, bool *fenced);
/* A COMPARE_WRITE's mismatch_off as run_len wants it: the first
 * differing byte from the request's offset, inside [0, len). librbd
 * documents the image offset of that byte; librbd 16 answers the byte's
 * place in the request added to the start of the request's object
 * (measured on Debian 12's 16.2.15: byte 300 of a compare at 4 MiB + 1024
 * with 4 MiB objects came back as 4 MiB + 300). Both are taken: they can
 * only agree, for a request of at most RBDS_COMPARE_WRITE_MAX bytes at
 * the start of its object. One in neither frame (a striped image) is
 * byte 0: still a miscompare, at a place the standard lets us name no
 * better. obj_size: the image's object size. */
uint64_t rbds_mismatch(const struct rt_disk_io *io, uint64_t mismatch_off, uint64_t obj_size);
/* rbd_lock_acquire's answer before a write: another gateway holding the
 * lock (EROFS, EBUSY) is FENCED; anything else as rbds_status. */
enum rt_disk_status rbds_lock_status(int rc, bool *fenced);

/* RADOS's result rc for RT_DISK_PR_LOAD or PR_STORE on the PR record
 * (rbd.c): a store refused by its compare-and-set (the object exists when
 * it was to be created, EEXIST; its version moved, ERANGE or EOVERFLOW;
 * it went away, ENOENT) is ERR_STALE; a load finding no object (ENOENT)
 * is OK (*none set: no record yet); anything else as rbds_status. */
enum rt_disk_status rbds_record_status(long rc, enum rt_disk_op op, bool *none, bool *fenced);

/* MAP_STATUS from rbd_diff_iterate2 (allocated extents in order): the
 * question, and the first allocated run from its start. */
struct rbds_map {
	uint64_t off, end;
	uint64_t first, first_end;
	bool found;
};
/* rbd_diff_iterate2's callback: 0 to go on, -EINTR once the first run
 * ended (all that is asked). */
int rbds_map_extent(uint64_t off, size_t len, int exists, void *arg);
/* The answer: io->mapped and io->run_len from what the callback saw. */
void rbds_map_answer(const struct rbds_map *m, struct rt_disk_io *io);

/* The lock owner's client address with its nonce, as librbd 16 names an
 * owner ("127.0.0.1:0/1615544031"): 0, or -1 for a name without one,
 * which is never blocklisted (as a bare IP it would fence every client on
 * that host). */
int rbds_owner_addr(const char *owner, char *addr, size_t addr_len);

#endif
