#!/usr/bin/env bash
# live.sh ISIM OUTDIR: the live scenarios (`make scenarios-live`), inside
# tools/netns-run.sh. Each scenario runs against real gateways that share
# one backing file (two reftargets; two tgtd), with the simulator's
# initiators and multipath over real TCP, each path through its own fault
# proxy (`isim live`); then the same file in the simulator (`isim run`).
# Writes OUTDIR/fidelity.md (live next to simulated) and
# OUTDIR/results.md (the section tools/report.sh puts in REPORT.md), the
# fault logs and outputs. Every process started here is stopped by PID;
# every live run has a wall-clock limit (isim live --seconds, and timeout).
set -uo pipefail
isim=${1:?usage: live.sh ISIM OUTDIR}
out=${2:?usage: live.sh ISIM OUTDIR}
cd "$(dirname "$0")/.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
reftarget=${REFTARGET:-$(dirname "$isim")/reftarget}
mkdir -p "$out"
rm -f "$out/rows.tsv"
work=$(mktemp -d)
pids=()
stop_all() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT
IQN=iqn.2026-12.org.iscsi-sim:live
P0=3460 P1=3461
read -ra SCENARIOS <<<"${LIVE_SCENARIOS:-01-stale-write-fencing-off}"
read -ra GATEWAYS <<<"${LIVE_GATEWAYS:-reftarget tgt}"

wait_port() {
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The LU the scenario's world has: blocks x block_size, zeros.
lu_file() {
	local scn=$1 bs blocks
	bs=$("$isim" params --scenario "$scn" | awk '/^lu /{for(i=2;i<=NF;i++) if ($i ~ /^block_size=/) {sub("block_size=","",$i); print $i}}')
	blocks=$("$isim" params --scenario "$scn" | awk '/^lu /{for(i=2;i<=NF;i++) if ($i ~ /^blocks=/) {sub("blocks=","",$i); print $i}}')
	rm -f "$work/lu.img"
	truncate -s $(( ${blocks:-2048} * ${bs:-512} )) "$work/lu.img"
	echo "${bs:-512}"
}

start_reftargets() {
	local bs=$1 g
	for g in 0 1; do
		local port=$((P0 + g))
		"$reftarget" --portal 127.0.0.1:$port --target $IQN --lun "file:$work/lu.img" -q \
			--state-dir "$work/state$g" >"$out/reftarget$g.log" 2>&1 &
		pids+=($!)
		wait_port $port || return 1
	done
	TARGETS=(--target "iscsi://127.0.0.1:$P0/$IQN/0" --target "iscsi://127.0.0.1:$P1/$IQN/0")
	: "$bs"
}

start_tgtds() {
	local bs=$1 g
	mkdir -p /var/run/tgtd
	for g in 0 1; do
		local port=$((P0 + g)) cport=$((21000 + $$ % 5000 + g))
		tgtd -f -C $cport --iscsi "portal=127.0.0.1:$port" >"$out/tgtd$g.log" 2>&1 &
		pids+=($!)
		wait_port $port || return 1
		local adm=(tgtadm --lld iscsi -C $cport)
		"${adm[@]}" --op new --mode target --tid 1 -T $IQN
		"${adm[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$work/lu.img" --blocksize "$bs"
		"${adm[@]}" --op bind --mode target --tid 1 -I ALL
	done
	TARGETS=(--target "iscsi://127.0.0.1:$P0/$IQN/1" --target "iscsi://127.0.0.1:$P1/$IQN/1")
}

fail=0
for s in "${SCENARIOS[@]}"; do
	scn=scenarios/$s.scn
	# the simulated outcome, for the fidelity table
	"$isim" run --scenario "$scn" >"$out/$s.sim.out" 2>&1
	awk -v s="$s" '
		function secs(v) {
			if (v == 0) return "-"
			if (v ~ /ms$/) return sprintf("%.1f", v / 1e3)
			if (v ~ /us$/) return sprintf("%.1f", v / 1e6)
			if (v ~ /ns$/) return sprintf("%.1f", v / 1e9)
			return sprintf("%.1f", v + 0)
		}
		/^expectation:/ { e = $0; sub(/^expectation: /, "", e); sub(/;.*/, "", e)
			v = $0; sub(/.*observed: /, "", v); sub(/:.*/, "", v) }
		/metrics:/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); m[kv[1]] = kv[2] } }
		/^seed .* wall / { w = $0; sub(/.* wall /, "", w); sub(/s .*/, "", w) }
		END { printf "%s\tsim\t%s\t%s\t%s\t%s\t%d\t%d\t-\t%.1f\n", s, v, e, secs(m["failover"]),
			secs(m["latency_max"]), m["io_failed"], m["path_failures"], w }
	' "$out/$s.sim.out" >>"$out/rows.tsv"
	for gws in "${GATEWAYS[@]}"; do
		bs=$(lu_file "$scn")
		if [ $gws = reftarget ]; then start_reftargets "$bs"; else start_tgtds "$bs"; fi || { echo "FAIL $s/$gws: gateways did not start"; fail=1; stop_all; continue; }
		timeout -k 5 120 "$isim" live --scenario "$scn" "${TARGETS[@]}" --seconds 100 --label "$s	$gws" \
			--log "$out/$s.$gws.faults.log" --row "$out/rows.tsv" >"$out/$s.$gws.out" 2>&1
		rc=$?
		tail -1 "$out/$s.$gws.out"
		[ $rc -eq 0 ] || fail=1
		stop_all
	done
done

{
	echo "| scenario | run | verdict | expected | time to fail over (s) | longest I/O (s) | I/Os failed up | path failures | protocol violations | wall (s) |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$out/rows.tsv"
} >"$out/fidelity.md"
cat "$out/fidelity.md"
exit $fail
