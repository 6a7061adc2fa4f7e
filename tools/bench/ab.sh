#!/usr/bin/env bash
# ab.sh: before/after of reftarget's offered parameters (ref_target/PERF.md).
# Two reftargets from the same build on RAM LUs: "rfc" offers what the
# target offered before issue 17 (the RFC 7143 §13 defaults:
# MaxRecvDataSegmentLength 8 KiB, MaxBurstLength 256 KiB, FirstBurstLength
# 64 KiB, MaxOutstandingR2T 1, InitialR2T Yes), "new" is today's defaults.
# Each load runs on both, alternating, AB_ROUNDS times (3); per run:
# MB/s or IOPS, the target's CPU us per I/O (/proc/PID/stat) and, when
# perf is there, the target's syscalls per I/O (perf stat tracepoints).
# Prints one line per run and the medians. Inside a private network
# namespace; writes only under $BUILD/bench.
set -euo pipefail
BUILD=${BUILD:-build}
ROUNDS=${AB_ROUNDS:-3}
SECS=${AB_SECONDS:-3}
OUT=$BUILD/bench/ab
mkdir -p "$OUT"
if [ "${RT_IN_NETNS:-}" != 1 ]; then exec tools/netns-run.sh "$0" "$@"; fi
IOB=$BUILD/bench/iobench
gcc -O2 -Wall -Wextra -Werror -o "$IOB" tools/bench/iobench.c -liscsi
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT
declare -A PID PORT=([rfc]=3341 [new]=3342)
for v in rfc new; do
	extra=
	[ $v = rfc ] && extra=', "max_recv_data_segment_length": 8192, "max_burst_length": 262144,
	  "first_burst_length": 65536, "max_outstanding_r2t": 1, "initial_r2t": true'
	cat >"$OUT/$v.json" <<EOT
{ "portals": [ { "address": "127.0.0.1", "port": ${PORT[$v]} } ],
  "lus": [ { "name": "disk0", "backstore": "ram", "size": "512M" } ],
  "targets": [ { "name": "iqn.2026-11.org.iscsi-sim:ref", "tpgs": [ { "portals": [ 0 ],
      "open_access": true, "luns": [ { "lun": 0, "lu": "disk0" } ] } ] } ],
  "params": { "nop_in_interval_ms": 0 $extra } }
EOT
	"$BUILD/rel/reftarget" --config "$OUT/$v.json" -q --state-dir "$OUT/state-$v" &
	PIDS+=($!)
	PID[$v]=$!
done
sleep 1
for v in rfc new; do "$IOB" -u "iscsi://127.0.0.1:${PORT[$v]}/iqn.2026-11.org.iscsi-sim:ref/0" -F >/dev/null; done
EV=syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_epoll_wait
have_perf=0
command -v perf >/dev/null && perf stat -e syscalls:sys_enter_recvfrom true >/dev/null 2>&1 && have_perf=1
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
: >"$OUT/runs.txt"
for (( r = 1; r <= ROUNDS; r++ )); do
	for load in "1m-seqwrite-qd4|-w -b 1048576 -q 4" "4k-randwrite-qd32|-r -w -b 4096 -q 32" \
		"1m-seqread-qd4|-b 1048576 -q 4" "4k-randread-qd32|-r -b 4096 -q 32"; do
		for v in rfc new; do
			pid=${PID[$v]}
			c0=$(ticks "$pid")
			sp=
			if [ $have_perf = 1 ]; then
				perf stat -x, -e "$EV" -p "$pid" -o "$OUT/stat.txt" -- sleep $((SECS + 1)) &
				sp=$!
			fi
			# shellcheck disable=SC2086 # the flags are a list
			res=$("$IOB" -u "iscsi://127.0.0.1:${PORT[$v]}/iqn.2026-11.org.iscsi-sim:ref/0" -s "$SECS" ${load#*|})
			c1=$(ticks "$pid")
			ios=$(echo "$res" | sed 's/.*"ios": \([0-9]*\),.*/\1/')
			fig=$(echo "$res" | sed 's/.*"iops": \([0-9]*\), "mbps": \([0-9.]*\),.*/iops=\1 mbps=\2/')
			cpu=$(awk -v a="$c0" -v b="$c1" -v t="$TICK" -v n="$ios" 'BEGIN { printf "%.1f", (b - a) / t * 1e6 / n }')
			sc=
			if [ -n "$sp" ]; then
				wait "$sp" || true
				sc=$(awk -F, -v n="$ios" '/^[0-9]/ { split($3, e, "sys_enter_"); printf " %s/io=%.2f", e[2], $1 / n }' "$OUT/stat.txt")
			fi
			line="round=$r $v ${load%%|*} $fig cpu_us/io=$cpu$sc"
			echo "$line" | tee -a "$OUT/runs.txt"
		done
	done
done
echo "medians over $ROUNDS rounds:"
python3 - "$OUT/runs.txt" <<'PY'
import statistics, sys
cells = {}
for line in open(sys.argv[1]):
    f = line.split()
    for kv in f[3:]:
        k, v = kv.split("=")
        cells.setdefault((f[2], f[1]), {}).setdefault(k, []).append(float(v))
for (load, v), figs in sorted(cells.items(), key=lambda x: (x[0][0], x[0][1] != "rfc")):
    print(load, v, " ".join("%s=%g" % (k, statistics.median(x)) for k, x in figs.items()))
PY
