#!/usr/bin/env bash
# bench.sh: the target benchmark of `make bench`. reftarget (RAM LU), tgt
# and istgt (files on /dev/shm), so all three serve from memory, each
# twice: at its own defaults, and at the same offered parameters (SAME
# below, the values production configurations use). Every LU is written
# full first. Loads from tools/bench/iobench.c (ours, libiscsi async):
# 4 KiB random read / write / 70-30 mix at QD 1 and 32, 1 MiB sequential
# read and write at QD 4, one session; the 4 KiB QD 32 and 1 MiB loads
# again over 4 and 16 sessions (the same commands in flight in total, so
# the figure shows what sessions cost the target) and with
# HeaderDigest=CRC32C (libiscsi 1.19 has no DataDigest). Rounds alternate
# the targets (each load runs on every target before the next load; the
# order rotates per round). Cross-check with clients nobody here wrote:
# libiscsi's iscsi-perf (reads) and QEMU's qemu-img bench (writes). Per run: IOPS, MB/s, p50/p99/p99.9
# latency, the target's CPU seconds per I/O (/proc/PID/stat utime+stime of
# the target process, all its threads) and the client's CPU.
#
# Output: $BUILD/bench/runs.jsonl (every run), $BUILD/bench/results.json
# (medians, min, max per cell), $BUILD/bench/target.md (REPORT.md includes
# it). Knobs: BENCH_ROUNDS (3), BENCH_SECONDS per run (2), BENCH_LU_MB
# (512), BENCH_QUICK=1 (one round, 1 s runs, a few loads: a smoke test in
# about 2 minutes). Inside a private loopback-only network namespace.
# Timing goals live here and in the summary, never in tests.
set -euo pipefail
BUILD=${BUILD:-build}
QUICK=${BENCH_QUICK:-0}
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-2}
LU_MB=${BENCH_LU_MB:-512}
if [ "$QUICK" = 1 ]; then ROUNDS=${BENCH_ROUNDS:-1}; SECS=${BENCH_SECONDS:-1}; LU_MB=${BENCH_LU_MB:-128}; fi
OUT=$BUILD/bench
mkdir -p "$OUT"
if [ "${RT_IN_NETNS:-}" != 1 ]; then exec tools/netns-run.sh "$0" "$@"; fi

IOB=$OUT/iobench
gcc -O2 -Wall -Wextra -Werror -o "$IOB" tools/bench/iobench.c -liscsi
WORK=$(mktemp -d /dev/shm/bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
T0=$(date +%s)
LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)
log() { printf '[bench %4ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }
wait_port() {
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.2
	done
	echo "bench: nothing listens on $1" >&2
	exit 1
}

# The same offered parameters for every target (LIO's and istgt's
# production values); libiscsi asks MaxRecvDataSegmentLength 262144,
# FirstBurstLength 262144, MaxBurstLength 16776192, InitialR2T No,
# ImmediateData Yes, so these are what each session ends with.
# InitialR2T stays Yes: istgt 0.4 refuses "InitialR2T No" in its
# configuration ("not supported value No"), and the same must be the same.
MRDSL=262144 MBL=1048576 FBL=262144 MAXR2T=16 IR2T=Yes

# reftarget: defaults (quick flags) and SAME (JSON, digests allowed).
"$BUILD/rel/reftarget" --portal 127.0.0.1:3260 --lun "ram:${LU_MB}M" -q --state-dir "$WORK/ref-def" &
PIDS+=($!); declare -A PID=([ref-def]=$!)
cat >"$WORK/ref-same.json" <<EOT
{ "portals": [ { "address": "127.0.0.1", "port": 3262 } ],
  "lus": [ { "name": "disk0", "backstore": "ram", "size": "${LU_MB}M" } ],
  "targets": [ { "name": "iqn.2026-11.org.iscsi-sim:ref", "tpgs": [ { "portals": [ 0 ],
      "open_access": true, "luns": [ { "lun": 0, "lu": "disk0" } ] } ] } ],
  "params": { "max_recv_data_segment_length": $MRDSL, "max_burst_length": $MBL,
    "first_burst_length": $FBL, "max_outstanding_r2t": $MAXR2T,
    "initial_r2t": $([ $IR2T = Yes ] && echo true || echo false),
    "immediate_data": true, "header_digest": true, "data_digest": true } }
EOT
"$BUILD/rel/reftarget" --config "$WORK/ref-same.json" -q --state-dir "$WORK/ref-same" &
PIDS+=($!); PID[ref-same]=$!

# tgt: two tgtd, each with its own control port; LUN 1 is the disk.
tgt_start() { # NAME CONTROL PORT
	truncate -s "${LU_MB}M" "$WORK/$1.img"
	tgtd -f -C "$2" --iscsi "portal=127.0.0.1:$3" >"$OUT/$1.log" 2>&1 &
	PIDS+=($!); PID[$1]=$!
	wait_port "$3"
	tgtadm --lld iscsi -C "$2" --op new --mode target --tid 1 -T iqn.2026-11.org.iscsi-sim:bench-tgt
	tgtadm --lld iscsi -C "$2" --op new --mode logicalunit --tid 1 --lun 1 -b "$WORK/$1.img"
	tgtadm --lld iscsi -C "$2" --op bind --mode target --tid 1 -I ALL
}
tgt_start tgt-def 7201 3270
tgt_start tgt-same 7202 3272
for kv in MaxRecvDataSegmentLength=$MRDSL MaxBurstLength=$MBL FirstBurstLength=$FBL \
	MaxOutstandingR2T=$MAXR2T InitialR2T=$IR2T ImmediateData=Yes; do
	tgtadm --lld iscsi -C 7202 --op update --mode target --tid 1 --name "${kv%%=*}" --value "${kv#*=}"
done

# istgt: its defaults are the values of the configuration Debian ships
# (/etc/istgt/istgt.conf: 256 KiB PDUs, 1 MiB bursts, MaxOutstandingR2T
# 16, InitialR2T Yes), which are SAME: the two instances are alike.
istgt_start() { # NAME PORT
	truncate -s "${LU_MB}M" "$WORK/$1.img"
	cat >"$WORK/$1.conf" <<EOT
[Global]
  NodeBase "iqn.2026-11.org.iscsi-sim"
  PidFile $WORK/$1.pid
  AuthFile /dev/null
  MediaDirectory $WORK
  LogFacility "local7"
  Timeout 30
  NopInInterval 20
  MaxSessions 64
  MaxConnections 4
  MaxR2T 32
  MaxOutstandingR2T $MAXR2T
  DefaultTime2Wait 2
  DefaultTime2Retain 60
  FirstBurstLength $FBL
  MaxBurstLength $MBL
  MaxRecvDataSegmentLength $MRDSL
  InitialR2T $IR2T
  ImmediateData Yes
  DataPDUInOrder Yes
  DataSequenceInOrder Yes
  ErrorRecoveryLevel 0
[UnitControl]
[PortalGroup1]
  Portal DA1 127.0.0.1:$2
[InitiatorGroup1]
  InitiatorName "ALL"
  Netmask 127.0.0.0/8
[LogicalUnit1]
  TargetName bench-istgt
  Mapping PortalGroup1 InitiatorGroup1
  AuthMethod None
  UseDigest Auto
  UnitType Disk
  QueueDepth 32
  LUN0 Storage $WORK/$1.img Auto
EOT
	istgt -D -c "$WORK/$1.conf" -p "$WORK/$1.pid" >"$OUT/$1.log" 2>&1 &
	PIDS+=($!); PID[$1]=$!
	wait_port "$2"
}
istgt_start istgt-def 3290
istgt_start istgt-same 3292
wait_port 3260
wait_port 3262

declare -A URL=(
	[ref-def]=iscsi://127.0.0.1:3260/iqn.2026-11.org.iscsi-sim:ref/0
	[ref-same]=iscsi://127.0.0.1:3262/iqn.2026-11.org.iscsi-sim:ref/0
	[tgt-def]=iscsi://127.0.0.1:3270/iqn.2026-11.org.iscsi-sim:bench-tgt/1
	[tgt-same]=iscsi://127.0.0.1:3272/iqn.2026-11.org.iscsi-sim:bench-tgt/1
	[istgt-def]=iscsi://127.0.0.1:3290/iqn.2026-11.org.iscsi-sim:bench-istgt/0
	[istgt-same]=iscsi://127.0.0.1:3292/iqn.2026-11.org.iscsi-sim:bench-istgt/0
)
TARGETS=(ref tgt istgt)
for t in "${!URL[@]}"; do
	log "filling $t (${LU_MB} MiB)"
	"$IOB" -u "${URL[$t]}" -F >/dev/null
done

# Runs: "name|iobench flags|sessions|digest|modes"; flags hold the QD per
# session (the sessions rows keep the total in flight of the 1-session row).
RUNS=(
	"4k-randread-qd32|-r -b 4096 -q 32|1|0|def same"
	"1m-seqwrite-qd4|-w -b 1048576 -q 4|1|0|def same"
)
if [ "$QUICK" != 1 ]; then
	RUNS+=(
		"4k-randread-qd1|-r -b 4096 -q 1|1|0|def same"
		"4k-randwrite-qd1|-r -w -b 4096 -q 1|1|0|def same"
		"4k-randwrite-qd32|-r -w -b 4096 -q 32|1|0|def same"
		"4k-mix70-qd1|-r -M 70 -b 4096 -q 1|1|0|def same"
		"4k-mix70-qd32|-r -M 70 -b 4096 -q 32|1|0|def same"
		"1m-seqread-qd4|-b 1048576 -q 4|1|0|def same"
	)
	for n in 4 16; do
		RUNS+=(
			"4k-randread-qd32|-r -b 4096 -q $((32 / n))|$n|0|same"
			"4k-randwrite-qd32|-r -w -b 4096 -q $((32 / n))|$n|0|same"
			"1m-seqread-qd4|-b 1048576 -q 1|$n|0|same"
			"1m-seqwrite-qd4|-w -b 1048576 -q 1|$n|0|same"
		)
	done
	RUNS+=(
		"4k-randread-qd32|-r -b 4096 -q 32|1|1|same"
		"4k-randwrite-qd32|-r -w -b 4096 -q 32|1|1|same"
		"1m-seqread-qd4|-b 1048576 -q 4|1|1|same"
		"1m-seqwrite-qd4|-w -b 1048576 -q 4|1|1|same"
	)
else
	RUNS+=("4k-randwrite-qd32|-r -w -b 4096 -q 8|4|0|same" "4k-randwrite-qd32|-r -w -b 4096 -q 32|1|1|same")
fi

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# timed CMD...: runs CMD with its output, then a line "client_cpu_s U S"
# (bash's time: user and system seconds of CMD and its children), so the
# clients nobody here wrote get the same client CPU figure as iobench.
timed() { local TIMEFORMAT='client_cpu_s %U %S'; { time "$@"; } 2>&1; }
client_cpu() { sed -n 's/^client_cpu_s \([0-9.]*\) \([0-9.]*\)$/\1 \2/p' | awk '{ printf "%.3f", $1 + $2 }'; }
TICK=$(getconf CLK_TCK)
JSONL=$OUT/runs.jsonl
: >"$JSONL"
total=0
for (( r = 1; r <= ROUNDS; r++ )); do for l in "${RUNS[@]}"; do for m in ${l##*|}; do total=$((total + 3)); done; done; done
n=0
for (( r = 1; r <= ROUNDS; r++ )); do
	# rotate the target order each round
	order=("${TARGETS[@]:$(( (r - 1) % 3 ))}" "${TARGETS[@]:0:$(( (r - 1) % 3 ))}")
	for l in "${RUNS[@]}"; do
		IFS='|' read -r name flags sess dig modes <<<"$l"
		for m in $modes; do
			for t in "${order[@]}"; do
				k=$t-$m
				n=$((n + 1))
				pid=${PID[$k]}
				c0=$(cpu_ticks "$pid")
				dflag=
				[ "$dig" = 1 ] && dflag=-d
				# shellcheck disable=SC2086 # flags is a list
				res=$("$IOB" -u "${URL[$k]}" -n "$sess" -s "$SECS" $flags $dflag) || {
					log "FAIL $k $name sessions=$sess digest=$dig"; continue; }
				c1=$(cpu_ticks "$pid")
				tcpu=$(awk -v a="$c0" -v b="$c1" -v t="$TICK" 'BEGIN { printf "%.3f", (b - a) / t }')
				echo "{\"round\": $r, \"target\": \"$t\", \"mode\": \"$m\", \"load\": \"$name\", \"sessions\": $sess, \"digest\": $dig, \"client\": \"iobench\", \"target_cpu_s\": $tcpu, \"res\": $res}" >>"$JSONL"
				log "[$n/$total] round $r $k $name x$sess digest=$dig: $(echo "$res" | sed 's/[{}"]//g') target_cpu_s=$tcpu"
			done
		done
	done
	# Cross-check, reads only: libiscsi's iscsi-perf (it runs until SIGINT
	# and then prints its totals), 4 KiB random QD 32 and 1 MiB QD 4.
	for t in "${order[@]}"; do
		k=$t-same
		for x in "4k-randread-qd32|-r -b 8 -m 32" "1m-seqread-qd4|-b 2048 -m 4"; do
			name=${x%%|*}
			pid=${PID[$k]}
			c0=$(cpu_ticks "$pid")
			# shellcheck disable=SC2086
			out=$(timed timeout -s INT $((SECS + 2)) iscsi-perf ${x#*|} "${URL[$k]}" || true)
			c1=$(cpu_ticks "$pid")
			line=$(echo "$out" | { grep -o 'iops average [0-9]* ([0-9.]* MB/s)' || true; } | tail -n 1)
			iops=$(echo "$line" | sed -n 's/iops average \([0-9]*\) .*/\1/p')
			mbps=$(echo "$line" | sed -n 's/.*(\([0-9.]*\) MB.*/\1/p')
			tcpu=$(awk -v a="$c0" -v b="$c1" -v t="$TICK" 'BEGIN { printf "%.3f", (b - a) / t }')
			ccpu=$(echo "$out" | client_cpu)
			echo "{\"round\": $r, \"target\": \"$t\", \"mode\": \"same\", \"load\": \"$name\", \"sessions\": 1, \"digest\": 0, \"client\": \"iscsi-perf\", \"target_cpu_s\": $tcpu, \"res\": {\"iops\": ${iops:-0}, \"mbps\": ${mbps:-0}, \"seconds\": $((SECS + 2)), \"client_cpu_s\": ${ccpu:-0}}}" >>"$JSONL"
			log "round $r $k $name iscsi-perf: ${line:-no result}"
		done
		# Writes: QEMU's qemu-img bench (iscsi:// driver), a fixed count
		# of sequential writes (it has no random offsets: the 4 KiB row is
		# sequential, not the random load of iobench's row).
		command -v qemu-img >/dev/null || continue
		for x in "1m-seqwrite-qd4|1048576|4|$((400 * SECS))" "4k-seqwrite-qd32|4096|32|$((15000 * SECS))"; do
			IFS='|' read -r name size depth count <<<"$x"
			pid=${PID[$k]}
			c0=$(cpu_ticks "$pid")
			out=$(timed timeout 60 qemu-img bench -f raw -w -c "$count" -d "$depth" -s "$size" "${URL[$k]}" || true)
			c1=$(cpu_ticks "$pid")
			secs=$(echo "$out" | sed -n 's/^Run completed in \([0-9.]*\) seconds.*/\1/p')
			tcpu=$(awk -v a="$c0" -v b="$c1" -v t="$TICK" 'BEGIN { printf "%.3f", (b - a) / t }')
			if [ -z "$secs" ]; then log "round $r $k $name qemu-img: no result"; continue; fi
			ccpu=$(echo "$out" | client_cpu)
			res=$(awk -v c="$count" -v s="$secs" -v b="$size" -v u="${ccpu:-0}" 'BEGIN { printf "{\"ios\": %d, \"seconds\": %s, \"iops\": %.0f, \"mbps\": %.1f, \"client_cpu_s\": %s}", c, s, c / s, c * b / s / 1e6, u }')
			echo "{\"round\": $r, \"target\": \"$t\", \"mode\": \"same\", \"load\": \"$name\", \"sessions\": 1, \"digest\": 0, \"client\": \"qemu-img\", \"target_cpu_s\": $tcpu, \"res\": $res}" >>"$JSONL"
			log "round $r $k $name qemu-img: $res"
		done
	done
done

BENCH_LOAD_START=$LOAD_START python3 tools/bench/summary.py "$JSONL" "$OUT/results.json" "$SECS" "$ROUNDS" "$LU_MB" >"$OUT/target.md"
cat "$OUT/target.md"
log "done"
