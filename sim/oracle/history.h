/* oracle/history: an I/O history, the data oracle's input from a live host
 * it cannot watch on the wire: what an application was told, I/O by I/O,
 * one line each, so that `isim guest-check` (host/cmd_guest.c) replays
 * every host of a live run into one data oracle on one clock.
 *
 * Written by guest_writer in the open-iscsi guest (sim/tests/
 * guest_writer_main.c) and by `isim live --history` for the simulator's
 * hosts that play beside it; times in ns from the writer's start
 * (LIVE-GO), one line per I/O:
 *   W ver lba n fua t_invoke t_end errno
 *   R|V lba n t_invoke t_end errno v0,v1,...  (0 zeroes, c corrupt, xLBA written for another LBA)
 *   F t_invoke t_end errno
 *   P t fail|back NAME                        (a path failed or came back: isim live's multipath)
 * and "T <CLOCK_MONOTONIC at LIVE-GO>" (the guest's: its kernel log's
 * clock), "E <records lost>" at the end.
 *
 * Version spaces: every writer numbers its writes (initiator/block.h puts
 * the number into each block), and two writers sharing an LU must not
 * give two writes one number, or a block read back could name either.
 * A history's versions carry its writer's space above bit
 * OHIST_VER_SPACE_SHIFT: the simulator's hosts number from 1 (one data
 * oracle hands out every version of an `isim live` run: space 0),
 * guest_writer from its ver_base (scenarios/live-guest.sh gives the guest
 * space 1). Pure functions; owns nothing.
 */
#ifndef SIM_OHIST_H
#define SIM_OHIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OHIST_VER_SPACE_SHIFT 40u
#define OHIST_VER_SEQ_MASK ((1ull << OHIST_VER_SPACE_SHIFT) - 1)
#define OHIST_BLOCKS_MAX 64u     /* blocks per recorded I/O (a line names each one's version) */
#define OHIST_LINE_MAX 4096u     /* one record's line: OHIST_BLOCKS_MAX versions of up to 21 digits fit */
#define OHIST_CORRUPT UINT64_MAX /* vers[i]: the block was neither zeroes nor a well-formed block */
#define OHIST_WRONG_LBA (1ull << 63) /* vers[i]: well formed, written for the LBA in the low bits */

struct ohist_rec {
	char op;                /* W R V F */
	uint64_t ver, lba;      /* W: version; R, V: versions in vers */
	uint32_t n;
	bool fua;
	uint64_t inv, end;      /* ns from the writer's start */
	int err;                /* 0: done GOOD; an errno: failed up to the application */
	const uint64_t *vers;   /* R, V with err 0: n of them (ohist_block_version) */
};

/* What a block read back at lba says, as a history records it: 0 (zeroes),
 * its version, OHIST_WRONG_LBA | the other LBA, or OHIST_CORRUPT. */
uint64_t ohist_block_version(const uint8_t *blk, size_t bs, uint64_t lba);

/* One record as its line, with the newline; the length, or 0 when it does
 * not fit in cap (or n is over OHIST_BLOCKS_MAX). */
size_t ohist_format(char *out, size_t cap, const struct ohist_rec *r);

#endif
