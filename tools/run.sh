#!/usr/bin/env bash
# run.sh: what `make run` executes. Starts the reference target built by
# make ($BUILD/rel/reftarget) in the foreground with its embedded default
# (127.0.0.1:3260, iqn.2026-11.org.iscsi-sim:ref, one 1 GiB sparse RAM LUN,
# open access) and says how to reach it. Builds nothing itself.
# Ctrl-C stops it: sessions are asked to log out first; a second Ctrl-C
# stops at once. Extra reftarget flags: `make run RUN_ARGS="-v"` or
# `tools/run.sh -v`.
set -euo pipefail
BUILD=${BUILD:-build}
BIN=$BUILD/rel/reftarget
if [ ! -x "$BIN" ]; then
	echo "run.sh: $BIN is missing: run make first" >&2
	exit 1
fi
URL=iscsi://127.0.0.1:3260
LU=$URL/iqn.2026-11.org.iscsi-sim:ref/0
cat <<EOT
Starting the reference target on 127.0.0.1:3260 (Ctrl-C stops it).
Reach it with libiscsi's tools, from another terminal:
  iscsi-ls -s $URL
  iscsi-inq $LU
  iscsi-readcapacity16 $LU
  iscsi-test-cu -t SCSI.Inquiry $LU
or with open-iscsi:
  iscsiadm -m discovery -t st -p 127.0.0.1:3260 && iscsiadm -m node -l
State (persistent reservations) goes to $BUILD/run-state.

EOT
# shellcheck disable=SC2086 # RUN_ARGS is a list of flags
exec "$BIN" --state-dir "$BUILD/run-state" ${RUN_ARGS:-} "$@"
