#!/usr/bin/env bash
# netfuzz-peer.sh PEER SECONDS OUT [SEED]: one campaign of the network
# fuzzer (isim netfuzz) against PEER (reftarget, tgt or istgt), the peer
# run under a supervisor that restarts it whenever it dies, inside the
# loopback-only namespace (run through tools/netns-run.sh; `make
# netfuzz-peers` does, at nice 10: the machine is shared).
#
# Writes, under OUT:
#   PEER/                the fuzzer's --out: finding-K-CLASS-MUTATOR.{orig.case,case,log}
#   PEER.out             the fuzzer's output (progress lines, findings, summary)
#   PEER-target.log      the peer's own log and the supervisor's restarts
#   PEER.tsv             one row: peer version seconds cases cases/s findings
#                        restarts outcomes command (summary.sh turns the rows
#                        into summary.md)
#   PEER.md              the findings table of this run
# The peers are started with conformance/targets/PEER.sh (tgt, istgt) or
# directly (reftarget, a 64 MiB RAM LU); their LU is 64 MiB.
# Exit status: 0 when the campaign ran (findings or not; with
# NETFUZZ_FAIL_ON_FINDING=1, as `make run` sets, 1 when it has findings),
# 2 when the peer could not be started.
set -uo pipefail
peer=${1:?usage: netfuzz-peer.sh reftarget|tgt|istgt SECONDS OUT [SEED]}
secs=${2:?usage: netfuzz-peer.sh PEER SECONDS OUT [SEED]}
out=${3:?usage: netfuzz-peer.sh PEER SECONDS OUT [SEED]}
seed=${4:-1}
cd "$(dirname "$0")/../.." || exit 2
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "netfuzz-peer.sh: run me through tools/netns-run.sh" >&2; exit 2; }
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
isim=$BUILD/rel/isim
export BUILD CONF_LU_MIB=64
mkdir -p "$out"
work=$out/$peer-work
rm -rf "$out/$peer" "$work"
mkdir -p "$out/$peer" "$work"
tlog=$out/$peer-target.log
: >"$tlog"

case "$peer" in
reftarget)
	port=3400 lun=0 iqn=iqn.2026-12.org.iscsi-sim:netfuzz
	version="$(git rev-parse --short HEAD 2>/dev/null || echo '?') ($BUILD/rel/reftarget)"
	;;
tgt)
	port=3270 lun=1 iqn=iqn.2003-01.org.conformance:tgt
	version="tgt $(dpkg-query -W -f '${Version}' tgt 2>/dev/null || echo '?')"
	;;
istgt)
	port=3290 lun=0 iqn=iqn.2003-01.org.conformance:istgt
	version="istgt $(dpkg-query -W -f '${Version}' istgt 2>/dev/null || echo '?')"
	;;
*) echo "netfuzz-peer.sh: unknown peer '$peer' (reftarget, tgt, istgt)" >&2; exit 2 ;;
esac

# start_once: the peer, once; its PID in $work/pid.
start_once() {
	if [ "$peer" = reftarget ]; then
		"$BUILD/rel/reftarget" --portal "127.0.0.1:$port" --target "$iqn" --lun ram:64M \
			--state-dir "$work/state" -q >>"$tlog" 2>&1 &
		echo $! >"$work/pid"
	else
		"conformance/targets/$peer.sh" start "$work" >>"$tlog" 2>&1
	fi
}
stop_once() {
	if [ "$peer" = reftarget ]; then
		kill "$(cat "$work/pid")" 2>/dev/null
	else
		"conformance/targets/$peer.sh" stop "$work" >>"$tlog" 2>&1
	fi
}

# The supervisor: start the peer, wait for its process to end, count a
# restart, start it again (tgt's targets are configured again by tgt.sh).
(
	trap 'stop_once; exit 0' TERM
	while :; do
		start_once || { echo "supervisor: the peer did not start" >>"$tlog"; sleep 1; continue; }
		pid=$(cat "$work/pid")
		while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
		echo "supervisor: restart (pid $pid ended)" >>"$tlog"
		stop_once
		sleep 0.3
	done
) &
sup=$!
trap 'kill "$sup" 2>/dev/null; wait "$sup" 2>/dev/null' EXIT
up=0
for _ in $(seq 150); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }
	sleep 0.2
done
[ $up = 1 ] || { echo "netfuzz-peer.sh: $peer did not listen on $port" >&2; tail -5 "$tlog" >&2; exit 2; }
sleep 1 # tgt: tgtadm configures the target after tgtd listens

url="iscsi://127.0.0.1:$port/$iqn/$lun"
cmd=("$isim" netfuzz --url "$url" --seconds "$secs" --seed "$seed" --out "$out/$peer" --restart-wait 20)
echo "netfuzz-peer: $peer ($version): ${cmd[*]}"
"${cmd[@]}" >"$out/$peer.out" 2>&1
rc=$?
tail -1 "$out/$peer.out"

# The row and the findings table.
last=$(grep '^netfuzz: ' "$out/$peer.out" | tail -1)
cases=$(sed -n 's/^netfuzz: \([0-9]*\) cases in \([0-9.]*\) s, \([0-9]*\) findings$/\1/p' <<<"$last")
wall=$(sed -n 's/^netfuzz: \([0-9]*\) cases in \([0-9.]*\) s, \([0-9]*\) findings$/\2/p' <<<"$last")
nfind=$(sed -n 's/^netfuzz: \([0-9]*\) cases in \([0-9.]*\) s, \([0-9]*\) findings$/\3/p' <<<"$last")
rate=$(awk -v n="${cases:-0}" -v s="${wall:-0}" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
restarts=$(grep -c '^supervisor: restart' "$tlog")
outcomes=$(sed -n 's/^outcomes: //p' "$out/$peer.out")
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$version" "${wall:-?}" "${cases:-?}" "$rate" "${nfind:-?}" \
	"$restarts" "$outcomes" "isim netfuzz --url $url --seconds $secs --seed $seed" >"$out/$peer.tsv"
{
	echo "### $peer: ${cases:-?} cases in ${wall:-?} s, ${nfind:-?} findings"
	echo
	echo "$version; seed $seed; outcomes: $outcomes; the peer was restarted $restarts times."
	echo
	if grep -q '^  finding ' "$out/$peer.out"; then
		echo '| # | class | mutator | first case | seen | steps | file |'
		echo '|---:|---|---|---:|---:|---:|---|'
		sed -n 's/^  finding \([0-9]*\): \([a-z]*\) (\([^)]*\)), first at case \([0-9]*\), seen \([0-9]*\) times, \([0-9]*\) steps\(.*\): \(.*\)$/| \1 | \2 | \3 | \4 | \5 | \6\7 | \8 |/p' \
			"$out/$peer.out" | sed "s|$out/||"
	else
		echo 'No finding.'
	fi
} >"$out/$peer.md"
[ "$rc" -le 1 ] || exit 2
[ "${NETFUZZ_FAIL_ON_FINDING:-0}" = 1 ] && [ "${nfind:-1}" != 0 ] && exit 1
exit 0
