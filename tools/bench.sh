#!/usr/bin/env bash
# bench.sh: the target benchmark of `make bench`. reftarget (RAM LUN) and
# tgt (a file on tmpfs, so both serve from memory) under the same load from
# tools/bench/iobench.c: 4 KiB random reads and writes, 128 KiB sequential
# reads and writes, 32 commands in flight, one session, on loopback inside a
# private network namespace. Writes a Markdown table to
# $BUILD/bench/target.md (REPORT.md includes it). Timing goals live here,
# never in tests.
set -euo pipefail
BUILD=${BUILD:-build}
SECS=${BENCH_SECONDS:-5}
OUT=$BUILD/bench
mkdir -p "$OUT"
if [ "${RT_IN_NETNS:-}" != 1 ]; then exec tools/netns-run.sh "$0" "$@"; fi

IOB=$OUT/iobench
gcc -O2 -Wall -Wextra -Werror -o "$IOB" tools/bench/iobench.c -liscsi
IMG=$(mktemp /dev/shm/bench-tgt.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -f "$IMG"
}
trap cleanup EXIT

"$BUILD/rel/reftarget" --portal 127.0.0.1:3260 --lun ram:1G -q --state-dir "$OUT/state" &
PIDS+=($!)
truncate -s 1G "$IMG"
tgtd -f -C 7201 --iscsi portal=127.0.0.1:3261 >"$OUT/tgtd.log" 2>&1 &
PIDS+=($!)
sleep 1
tgtadm --lld iscsi -C 7201 --op new --mode target --tid 1 -T iqn.2026-11.org.iscsi-sim:bench-tgt
tgtadm --lld iscsi -C 7201 --op new --mode logicalunit --tid 1 --lun 1 -b "$IMG"
tgtadm --lld iscsi -C 7201 --op bind --mode target --tid 1 -I ALL

REF=iscsi://127.0.0.1:3260/iqn.2026-11.org.iscsi-sim:ref/0
TGT=iscsi://127.0.0.1:3261/iqn.2026-11.org.iscsi-sim:bench-tgt/1
# name|iobench flags
LOADS=("4 KiB random read|-r -b 4096" "4 KiB random write|-r -w -b 4096"
	"128 KiB sequential read|-b 131072" "128 KiB sequential write|-w -b 131072")
{
	echo "| load (QD 32, ${SECS} s) | reftarget IOPS | reftarget MB/s | tgt IOPS | tgt MB/s |"
	echo "|---|---:|---:|---:|---:|"
	for l in "${LOADS[@]}"; do
		name=${l%%|*}
		flags=${l#*|}
		# shellcheck disable=SC2086 # flags is a list
		r=$("$IOB" -u "$REF" -q 32 -s "$SECS" $flags)
		# shellcheck disable=SC2086
		t=$("$IOB" -u "$TGT" -q 32 -s "$SECS" $flags)
		get() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
		echo "| $name | $(get "$r" iops) | $(get "$r" mbps) | $(get "$t" iops) | $(get "$t" mbps) |"
		echo "bench: $name: reftarget $r; tgt $t" >&2
	done
} >"$OUT/target.md"
cat "$OUT/target.md"
