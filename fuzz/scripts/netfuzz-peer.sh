#!/usr/bin/env bash
# netfuzz-peer.sh PEER SECONDS OUT [SEED]: one campaign of the network
# fuzzer (isim netfuzz) against PEER (reftarget, tgt, istgt or lio), the
# peer run under a supervisor that restarts it whenever it dies, inside the
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
#   PEER/guest-restart-N.console.log
#                        lio: the guest's console when it ended with a
#                        panic, an oops or a hung task (the trace)
# The peers are started with conformance/targets/PEER.sh (tgt, istgt, lio)
# or directly (reftarget, a 64 MiB RAM LU); their LU is 64 MiB.
#
# lio is the kernel target in the conformance guest (QEMU TCG, reached
# through hostfwd to 127.0.0.1 with restrict=on; the namespace has only
# loopback, so the guest address LIO names in SendTargets is unreachable).
# Its kernel panics on an oops, a soft lockup or a task hung for
# LIO_HUNG_TASK_S (60) seconds, and QEMU (-no-reboot) then exits: that is a
# death like tgtd's.
# A peer that lives on wedged (lio, tgt) is found by the supervisor's own
# probe, iscsi-inq against the LU (a direct login, no discovery), every
# PEER_PROBE_EVERY_S (5) seconds with a PEER_PROBE_TIMEOUT_S (10) bound:
# PEER_PROBE_FAILS (3) failures in a row and it kills the peer (QEMU, or
# tgtd) and counts a restart (LIO_PROBE_* are the older names, still read).
# tgt needs it: a tgtd restarted after a crash has been seen to accept
# connections and answer no login for good (NOTES.md), which used to end
# the run. The fuzzer waits up to --restart-wait (240 s for lio: a boot
# under TCG on a busy machine; 90 s for tgt: the probe's 45 s at most plus
# the restart) for the target to come back.
# NETFUZZ_ARGS="OPTION..." adds isim netfuzz options after the peer's (the
# row's command shows them), e.g. NETFUZZ_ARGS="--probe-timeout 20".
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

extra=() wait_up=30 restart_wait=20 watch=0
case "$peer" in
reftarget)
	port=3400 lun=0 iqn=iqn.2026-12.org.iscsi-sim:netfuzz
	version="$(git rev-parse --short HEAD 2>/dev/null || echo '?') ($BUILD/rel/reftarget)"
	;;
tgt)
	port=3270 lun=1 iqn=iqn.2003-01.org.conformance:tgt
	watch=1 restart_wait=90
	version="tgt $(dpkg-query -W -f '${Version}' tgt 2>/dev/null || echo '?')"
	;;
istgt)
	port=3290 lun=0 iqn=iqn.2003-01.org.conformance:istgt
	version="istgt $(dpkg-query -W -f '${Version}' istgt 2>/dev/null || echo '?')"
	;;
lio)
	port=3280 lun=0 iqn=iqn.2003-01.org.conformance:lio
	img=$(conformance/guest/lio-image.sh) || exit 2
	version="LIO, Linux $(cat "$img/kernel-version") (QEMU TCG guest)"
	# A panic ends QEMU (panic=-1 with -no-reboot): make the other ways a
	# kernel target breaks end it too, with the trace on the console.
	export LIO_KERNEL_EXTRA="oops=panic softlockup_panic=1 hung_task_panic=1 sysctl.kernel.hung_task_timeout_secs=${LIO_HUNG_TASK_S:-60}"
	# TCG is slow and the machine shared: a longer probe, a boot's wait,
	# and a gentler rate than the fuzzer's default.
	extra=(--probe-timeout 10 --rate 10) wait_up=300 restart_wait=240 watch=1
	;;
*) echo "netfuzz-peer.sh: unknown peer '$peer' (reftarget, tgt, istgt, lio)" >&2; exit 2 ;;
esac
# A finding that needs the cases before it is tried again from a reset
# peer (isim netfuzz --reset-cmd, fuzz/README.md): kill the process the
# supervisor below started, which restarts it (and counts a restart). Not
# for lio: a reset is a guest boot.
if [ "$peer" != lio ]; then
	extra+=(--reset-cmd "kill \$(cat '$work/pid') 2>/dev/null")
fi
# NETFUZZ_ARGS: more isim netfuzz options, after the peer's (a later one wins).
read -r -a more <<<"${NETFUZZ_ARGS:-}"
extra+=("${more[@]}")

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

probe_every=${PEER_PROBE_EVERY_S:-${LIO_PROBE_EVERY_S:-5}}
probe_timeout=${PEER_PROBE_TIMEOUT_S:-${LIO_PROBE_TIMEOUT_S:-10}}
probe_fails=${PEER_PROBE_FAILS:-${LIO_PROBE_FAILS:-3}}

# peer_alive: one bounded login + INQUIRY to the peer's LU, under a name
# of the supervisor's own (a session apart from the fuzzer's).
peer_alive() {
	timeout -k 2 "$probe_timeout" iscsi-inq -i iqn.2026-12.org.iscsi-sim:netfuzz-supervisor \
		"iscsi://127.0.0.1:$port/$iqn/$lun" >/dev/null 2>&1
}

# peer_watch PID: return when the peer's process ended or when it stopped
# answering the probe probe_fails times in a row (then say so in the
# target log).
peer_watch() {
	local pid=$1 fails=0 next=$((SECONDS + probe_every))
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $next ]; then
			if peer_alive; then
				fails=0
			else
				fails=$((fails + 1))
				echo "supervisor: probe failed ($fails in a row)" >>"$tlog"
				if [ $fails -ge "$probe_fails" ]; then
					echo "supervisor: $peer wedged (no login in $fails probes): killing it" >>"$tlog"
					return 0
				fi
			fi
			next=$((SECONDS + probe_every))
		fi
		sleep 0.2
	done
}

# The supervisor: start the peer, wait for its process to end (lio, tgt:
# or to wedge), count a restart, start it again (tgt's targets are configured
# again by tgt.sh, LIO's by the guest's init). $work/up says the first
# start is done (LIO's hostfwd listens long before LIO does).
nrestart=0
(
	trap 'stop_once; exit 0' TERM
	while :; do
		start_once || { echo "supervisor: the peer did not start" >>"$tlog"; sleep 1; continue; }
		touch "$work/up"
		pid=$(cat "$work/pid")
		if [ $watch = 1 ]; then
			peer_watch "$pid"
		else
			while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
		fi
		nrestart=$((nrestart + 1))
		echo "supervisor: restart $nrestart (pid $pid ended or wedged)" >>"$tlog"
		stop_once
		if [ "$peer" = lio ] && grep -qE 'Kernel panic|Oops|BUG:|blocked for more than|soft lockup|Call Trace' "$work/console.log"; then
			cp "$work/console.log" "$out/$peer/guest-restart-$nrestart.console.log"
			echo "supervisor: guest console kept as $peer/guest-restart-$nrestart.console.log" >>"$tlog"
		fi
		sleep 0.3
	done
) &
sup=$!
trap 'kill "$sup" 2>/dev/null; wait "$sup" 2>/dev/null' EXIT
up=0
for _ in $(seq $((wait_up * 5))); do
	[ -e "$work/up" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }
	sleep 0.2
done
[ $up = 1 ] || { echo "netfuzz-peer.sh: $peer did not listen on $port" >&2; tail -5 "$tlog" >&2; exit 2; }
sleep 1 # tgt: tgtadm configures the target after tgtd listens

url="iscsi://127.0.0.1:$port/$iqn/$lun"
rm -f "$out/$peer.tsv" "$out/$peer.md"
printf 'version\t%s\nurl\t%s\nseconds\t%s\nseed\t%s\noptions\t%s\n' "$version" "$url" "$secs" "$seed" "--restart-wait $restart_wait${extra[*]:+ ${extra[*]}}" >"$out/$peer.meta"
cmd=("$isim" netfuzz --url "$url" --seconds "$secs" --seed "$seed" --out "$out/$peer" --restart-wait "$restart_wait" "${extra[@]}")
echo "netfuzz-peer: $peer ($version): ${cmd[*]}"
"${cmd[@]}" >"$out/$peer.out" 2>&1
rc=$?
tail -1 "$out/$peer.out"

fuzz/scripts/netfuzz-summary.sh row "$out" "$peer"
[ "$rc" -le 1 ] || exit 2
nfind=$(sed -n 's/^netfuzz: [0-9]* cases in [0-9.]* s, \([0-9]*\) findings$/\1/p' "$out/$peer.out" | tail -1)
[ "${NETFUZZ_FAIL_ON_FINDING:-0}" = 1 ] && [ "${nfind:-1}" != 0 ] && exit 1
exit 0
