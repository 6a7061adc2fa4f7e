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
#   PEER.meta            the run's settings (version, url, seconds, seed)
#   PEER.tsv, PEER.md    its row and findings table (netfuzz-summary.sh row,
#                        from the files above; netfuzz-summary.sh DIR turns
#                        the rows into summary.md)
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
rm -f "$out/$peer.tsv" "$out/$peer.md"
printf 'version\t%s\nurl\t%s\nseconds\t%s\nseed\t%s\n' "$version" "$url" "$secs" "$seed" >"$out/$peer.meta"
cmd=("$isim" netfuzz --url "$url" --seconds "$secs" --seed "$seed" --out "$out/$peer" --restart-wait 20)
echo "netfuzz-peer: $peer ($version): ${cmd[*]}"
"${cmd[@]}" >"$out/$peer.out" 2>&1
rc=$?
tail -1 "$out/$peer.out"

fuzz/scripts/netfuzz-summary.sh row "$out" "$peer"
[ "$rc" -le 1 ] || exit 2
nfind=$(sed -n 's/^netfuzz: [0-9]* cases in [0-9.]* s, \([0-9]*\) findings$/\1/p' "$out/$peer.out" | tail -1)
[ "${NETFUZZ_FAIL_ON_FINDING:-0}" = 1 ] && [ "${nfind:-1}" != 0 ] && exit 1
exit 0
