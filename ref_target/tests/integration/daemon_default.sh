#!/usr/bin/env bash
# daemon_default.sh: reftarget with no arguments serves the embedded default
# (127.0.0.1:3260, iqn.2026-11.org.iscsi-sim:ref, one 1 GiB RAM LUN, open
# access) to libiscsi's tools, and stops cleanly on SIGTERM.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

URL=iscsi://127.0.0.1:3260
LU=$URL/iqn.2026-11.org.iscsi-sim:ref/0
if start default; then
	check "iscsi-ls finds the default target and its LUN" bash -c \
		"iscsi-ls -s $URL | tee /dev/stderr | grep -q 'iqn.2026-11.org.iscsi-sim:ref' &&
		 iscsi-ls -s $URL | grep -q 'Lun:0'"
	check "iscsi-inq reads the standard INQUIRY" bash -c \
		"iscsi-inq $LU | tee /dev/stderr | grep -qi 'peripheral device type.*direct'"
	check "iscsi-inq reads the unit serial number page" iscsi-inq -e 1 -c 0x80 "$LU"
	check "the LU holds 1 GiB" bash -c "[ \$(iscsi-readcapacity16 -s $LU) = 1073741824 ]"
	check "blocks are 512 bytes" bash -c "iscsi-readcapacity16 $LU | grep -q 'LOGICAL BLOCK LENGTH IN BYTES:512'"
	refuse "an unknown target is refused" iscsi-inq "$URL/iqn.2026-11.org.iscsi-sim:nope/0"
	stop "$PID" 10
	check "SIGTERM when idle exits 0" test "$RC" = 0
	check "the log has no errors" bash -c "! grep -q 'ERROR' '$LAST_LOG'"
	check "the engine returned all its memory" bash -c "! grep -q 'not returned at exit' '$LAST_LOG'"
fi
summary
