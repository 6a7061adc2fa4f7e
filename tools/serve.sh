#!/usr/bin/env bash
# serve.sh: what `make serve` executes. Starts the reference target built
# by make ($BUILD/rel/reftarget) in the foreground, with its embedded
# default (127.0.0.1:3260, iqn.2026-11.org.iscsi-sim:ref, one 1 GiB sparse
# RAM LUN, open access) unless flags say otherwise. Builds nothing itself.
#
# The URLs to use are the ones the target prints once it listens (one
# "portal" line per portal, then iscsi://HOST:PORT/TARGET/LUN per LUN):
# they name the port it really bound, so nothing here repeats them.
# Ctrl-C stops it: sessions are asked to log out first; a second Ctrl-C
# stops at once. Extra reftarget flags: `make serve RUN_ARGS="--portal
# 127.0.0.1:3610 -v"` or `tools/serve.sh --portal 127.0.0.1:3610`.
set -euo pipefail
BUILD=${BUILD:-build}
BIN=$BUILD/rel/reftarget
if [ ! -x "$BIN" ]; then
	echo "serve.sh: $BIN is missing: run make first" >&2
	exit 1
fi
cat <<EOT
Starting the reference target (Ctrl-C stops it). Once it listens it prints
its URLs below: "portal ... iscsi://HOST:PORT" for discovery, then one
iscsi://HOST:PORT/TARGET/LUN per LUN. From another terminal, with libiscsi:
  iscsi-ls -s iscsi://HOST:PORT                  targets and LUNs
  iscsi-inq iscsi://HOST:PORT/TARGET/LUN         standard INQUIRY
  iscsi-readcapacity16 iscsi://HOST:PORT/TARGET/LUN
  iscsi-test-cu -t SCSI.Inquiry iscsi://HOST:PORT/TARGET/LUN
or with open-iscsi:
  iscsiadm -m discovery -t st -p HOST:PORT && iscsiadm -m node -l
State (persistent reservations) goes to $BUILD/run-state.

EOT
# shellcheck disable=SC2086 # RUN_ARGS is a list of flags
exec "$BIN" --state-dir "$BUILD/run-state" ${RUN_ARGS:-} "$@"
