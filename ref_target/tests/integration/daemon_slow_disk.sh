#!/usr/bin/env bash
# daemon_slow_disk.sh: a disk that does not answer holds up only the I/O
# that waits for it. One reftarget serves LUN 0 from a file and LUN 1 from
# RAM; hold_write.c keeps a write to the file stuck in the kernel with the
# file's inode lock held (userfaultfd: the disk "answers" when we say, no
# timing involved), so the target's own WRITE to LUN 0 waits in the kernel
# too, behind it. While that write is known to be outstanding (a thread of
# the daemon sleeps uninterruptibly in the kernel, and the client has not
# had its answer), a second session writes and reads LUN 1 and a third
# reads LUN 0's capacity: both must be answered. Then the file is let go
# and the held WRITE completes with its data. With the file I/O on the
# event loop (reftarget --sync-io, or the code before io_uring) the loop
# itself is the thread that waits, and nothing else is answered.
# Last, where io_uring does not exist (no_uring.c: a seccomp filter, as in
# a container), the daemon says so in one line and serves the file LU
# synchronously.
# Needs root (or vm.unprivileged_userfaultfd=1) for hold_write: says SKIP
# otherwise.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

HOLD=$BUILD/tests/hold_write
NOU=$BUILD/tests/no_uring
RWT=$BUILD/tests/rw_tool
URL=iscsi://127.0.0.1:3260/iqn.2026-11.org.iscsi-sim:ref
# How long the RAM LU's session may take while the file is held: far more
# than it needs (milliseconds), far less than the hold (HOLD_MAX_MS, 60 s).
CHECK_TIMEOUT=10
# Block 64 of the file LU (512-byte blocks): the page hold_write writes
# (offset 0) and the target's write share the file, not the bytes.
SLOW_LBA=64

mkdir -p "$BUILD/tests"
check "hold_write builds" gcc -O2 -Wall -Wextra -Werror -pthread -o "$HOLD" ref_target/tests/integration/hold_write.c
check "no_uring builds" gcc -O2 -Wall -Wextra -Werror -o "$NOU" ref_target/tests/integration/no_uring.c
check "rw_tool builds" gcc -O2 -Wall -Wextra -Werror -o "$RWT" ref_target/tests/integration/rw_tool.c -liscsi

# shellcheck disable=SC2317 # daemon_blocked and wait_blocked run through check
# daemon_blocked PID: some thread of PID sleeps uninterruptibly (state D):
# the held write, in the loop (synchronous) or in an io_uring worker.
daemon_blocked() {
	local s
	for s in /proc/"$1"/task/*/stat; do
		# the state follows the command name's closing parenthesis
		[ "$(sed 's/.*) //' "$s" 2>/dev/null | cut -d' ' -f1)" = D ] && return 0
	done
	return 1
}

# shellcheck disable=SC2317
# wait_blocked PID: until daemon_blocked, at most 10 s.
wait_blocked() {
	local _
	for _ in $(seq 100); do
		daemon_blocked "$1" && return 0
		sleep 0.1
	done
	return 1
}

# slow_disk NAME ARGS...: the scenario on a daemon started with ARGS.
slow_disk() {
	local name=$1 img=$T/$1.img held_pid writer_pid release
	shift
	truncate -s 64M "$img"
	start "$name" --lun "file:$img" --lun ram:64M "$@" || { fail "$name: the daemon starts"; return; }
	local dpid=$PID
	# hold_write's stdin is a FIFO we keep open: closing it lets go
	mkfifo "$T/$name.release"
	"$HOLD" "$img" 0 <"$T/$name.release" >"$T/$name.hold" 2>&1 &
	held_pid=$!
	PIDS+=("$held_pid")
	exec {release}>"$T/$name.release"
	if ! wait_for "$T/$name.hold" '^held$' 1; then
		sed 's/^/    | /' "$T/$name.hold"
		if grep -q "userfaultfd" "$T/$name.hold"; then
			echo "SKIP $name: userfaultfd is not ours here (root, or vm.unprivileged_userfaultfd=1)"
		else
			fail "$name: hold_write holds the file"
		fi
		exec {release}>&-
		stop "$dpid" 20
		return
	fi
	pass "$name: hold_write holds the file's lock"

	# (not holding the FIFO open itself: then closing ours would not let go)
	"$RWT" "$URL/0" "$SLOW_LBA" 4096 >"$T/$name.writer" 2>&1 {release}>&- &
	writer_pid=$!
	PIDS+=("$writer_pid")
	check "$name: the WRITE to the held file waits in the kernel" wait_blocked "$dpid"
	check "$name: meanwhile LUN 1 (RAM) is written and read back" "$RWT" "$URL/1" 100 65536
	check "$name: meanwhile LUN 0 answers READ CAPACITY" iscsi-readcapacity16 "$URL/0"
	check "$name: and the held WRITE is still outstanding" kill -0 "$writer_pid"
	check "$name: still held in the kernel" daemon_blocked "$dpid"

	exec {release}>&-
	wait_exit "$held_pid" 10
	check "$name: hold_write lets go (exit 0)" test "$RC" = 0
	wait_exit "$writer_pid" 10
	check "$name: the held WRITE completes and reads back (exit 0)" test "$RC" = 0
	[ "$RC" = 0 ] || sed 's/^/    | /' "$T/$name.writer"
	stop "$dpid" 20
	check "$name: the daemon drains and exits 0" test "$RC" = 0
}

slow_disk ring
# The synchronous path, as Valgrind runs use it: the held write holds up
# the loop, so the checks in between are expected to fail; run with
# SLOW_DISK_SYNC=1 to see that (the code before io_uring fails the same way).
[ "${SLOW_DISK_SYNC:-0}" = 1 ] && slow_disk sync --sync-io

# start() runs "$REFTARGET" ARGS...: a function puts no_uring in front
# (exec: the PID start() records is the daemon's)
REFTARGET_REAL=$REFTARGET
# shellcheck disable=SC2317 # called through $REFTARGET
without_uring() { exec "$NOU" "$REFTARGET_REAL" "$@"; }
REFTARGET=without_uring
truncate -s 64M "$T/nouring.img"
if start nouring --lun "file:$T/nouring.img"; then
	check "no io_uring: one line says the file LU's I/O is synchronous, and why" \
		test "$(grep -c 'WARN  file and block LUs: synchronous disk I/O, io_uring is unavailable (io_uring_queue_init: Function not implemented)' "$T/nouring.log")" = 1
	check "no io_uring: the file LU is written and read back" "$RWT" "$URL/0" 100 65536
	stop "$PID" 20
	check "no io_uring: the daemon drains and exits 0" test "$RC" = 0
else
	fail "no io_uring: the daemon starts"
fi
summary
