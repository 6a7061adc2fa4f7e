#!/usr/bin/env bash
# with-target.sh HOOK [run.sh options]: the conformance suites against YOUR
# target, started by HOOK inside the loopback-only network namespace the
# suites run in (tools/netns-run.sh), so that the network rule holds for it
# too (README.md, "Your own target").
#
# Inside one fresh namespace:
#   1. HOOK start WORK   starts the target in the background, waits until
#                        it listens, and prints on stdout KEY=VALUE lines,
#                        nothing else (its other output goes to stderr):
#                          URL=iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN  (required)
#                          URL2=...      a second portal to the same LU
#                          PID=N         a process to stop at the end (repeatable)
#                          VERSION=...   what the results call the target
#                          LU_BYTES=N    the LU's size, checked by READ CAPACITY(16)
#                        WORK is a scratch folder for its files and logs;
#                        ISCSI_SIM_DIR (this checkout) and BUILD are set;
#   2. conformance/run.sh -t url -u URL [-U URL2] -o $BUILD/conformance/results-url
#      and the options given here (a later -o wins);
#   3. the PIDs are stopped (TERM, KILL after 10 s), whatever happened.
# Building the target is the hook's `build`, run before and on the host's
# network (CI.yml); this script never builds. The worked example, our own
# reftarget, is .github/iscsi-sim/start-target.sh.
#
# Exit status: run.sh's; 1 when the hook failed or broke its contract.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
USAGE="usage: with-target.sh HOOK [run.sh options]"
# Keys a hook may print, and how many PIDs it may hand us.
HOOK_KEYS="URL URL2 PID VERSION LU_BYTES"
PIDS_MAX=16

hook=${1:?$USAGE}
shift
[ -f "$hook" ] || conf_die "no hook at $hook ($USAGE)"
[ -x "$hook" ] || conf_die "hook $hook is not executable (chmod +x it)"
hook=$(cd "$(dirname "$hook")" && pwd)/$(basename "$hook")
for a in "$@"; do
	case "$a" in -t | -u | -U) conf_die "$a is with-target.sh's to set (the hook's URL, target url)" ;; esac
done
if [ "${RT_IN_NETNS:-}" != 1 ]; then
	exec "$HERE/../tools/netns-run.sh" "$0" "$hook" "$@"
fi

work=$CONF_WORK/hook
rm -rf "$work"
mkdir -p "$work"
pids=()
stop_all() {
	local p
	for p in "${pids[@]}"; do
		echo "$p" >"$work/stop.pid"
		conf_stop_pid "$work/stop.pid"
	done
	pids=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

conf_log "== hook: $hook start $work"
rc=0
ISCSI_SIM_DIR=$CONF_ROOT BUILD=$BUILD "$hook" start "$work" </dev/null >"$work/hook.out" || rc=$?
url= url2= version= bytes=
while IFS= read -r line || [ -n "$line" ]; do
	[ -n "${line// /}" ] || continue
	key=${line%%=*} value=${line#*=}
	[[ $line == *=* ]] && [[ " $HOOK_KEYS " == *" $key "* ]] ||
		conf_die "hook printed '$(cut -c1-80 <<<"$line")' on stdout: only $HOOK_KEYS as KEY=VALUE lines belong there (send other output to stderr)"
	case "$key" in
	URL) url=$value ;;
	URL2) url2=$value ;;
	VERSION) version=$value ;;
	LU_BYTES) bytes=$value ;;
	PID)
		[[ $value =~ ^[1-9][0-9]*$ ]] || conf_die "hook printed PID=$value: not a process id"
		[ ${#pids[@]} -lt $PIDS_MAX ] || conf_die "hook printed more than $PIDS_MAX PIDs"
		pids+=("$value")
		;;
	esac
done <"$work/hook.out"
[ "$rc" = 0 ] || conf_die "hook start failed (exit $rc)"
[ -n "$url" ] || conf_die "hook printed no URL=iscsi://... line"
for p in "${pids[@]}"; do
	kill -0 "$p" 2>/dev/null || conf_die "hook printed PID=$p, which is not running (did the target exit at start? its log is in $work)"
done

args=(-t url -u "$url" -o "$BUILD/conformance/results-url")
[ -z "$url2" ] || args+=(-U "$url2")
rc=0
CONF_URL_VERSION=$version CONF_URL_LU_BYTES=$bytes "$HERE/run.sh" "${args[@]}" "$@" || rc=$?
stop_all
exit $rc
