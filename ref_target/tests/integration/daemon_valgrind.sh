#!/usr/bin/env bash
# daemon_valgrind.sh: the release build of reftarget under Valgrind serves
# a few libiscsi tool runs and drains on SIGTERM with no memory error and
# no leak; LUN 1 is a file, read through io_uring (fdio_ring.c tells
# memcheck what the kernel wrote).
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

REFTARGET_REL=${REFTARGET_REL:-$BUILD/rel/reftarget}
VG_LOG=$T/valgrind.log
URL=iscsi://127.0.0.1:3260
LU=$URL/iqn.2026-11.org.iscsi-sim:ref/0
# start() runs "$REFTARGET" ARGS... in the background: a function puts
# valgrind in front (exec: the PID start() records is valgrind's)
# shellcheck disable=SC2317 # called through $REFTARGET
vg() {
	exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--log-file="$VG_LOG" "$REFTARGET_REL" "$@"
}
REFTARGET=vg
# Valgrind's start of the daemon took over 10 s under load 12 (make
# coverage's gcov build): a bound, not a timing goal
START_WAIT_S=60
truncate -s 64M "$T/vg.img"
if start under-valgrind --lun ram:64M --lun "file:$T/vg.img"; then
	check "iscsi-ls under valgrind" iscsi-ls -s "$URL"
	check "iscsi-inq under valgrind" iscsi-inq "$LU"
	check "iscsi-readcapacity16 under valgrind" iscsi-readcapacity16 "$LU"
	check "a little I/O under valgrind" bash -c "timeout -s INT 3 iscsi-perf -x 0 -m 2 '$LU' | grep -q 'iops average'"
	check "a little I/O on a file LU (io_uring) under valgrind" \
		bash -c "timeout -s INT 3 iscsi-perf -x 0 -m 2 '${LU%/0}/1' | grep -q 'iops average'"
	stop "$PID" 60
	check "valgrind: exit 0 (no errors, no leaks)" test "$RC" = 0
	[ -s "$VG_LOG" ] && sed 's/^/    vg| /' "$VG_LOG" | head -n 40
fi
summary
