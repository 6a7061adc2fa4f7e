# shellcheck shell=bash
# daemon_lib.bash: helpers shared by the daemon_*.sh integration tests
# (sourced, not run: tools/test.sh runs *.sh only).
#
# Each test runs inside a loopback-only network namespace (tools/netns-run.sh
# via tools/test.sh), so port 3260 is free and nothing can leave the machine.
# Every daemon started here is killed by PID on exit; its log is kept in a
# temporary directory and shown when a check fails.
#
#   start NAME ARGS...    start reftarget with ARGS; log in $T/NAME.log,
#                         what it prints on stdout (its URLs) in $T/NAME.out;
#                         waits until it is ready; sets PID
#   stop PID [SECONDS]    SIGTERM, then wait_exit
#   wait_exit PID [SECONDS]  wait at most SECONDS (default 20); sets RC
#   check NAME CMD...     CMD must succeed
#   refuse NAME CMD...    CMD must fail
#   summary               print "summary: N passed, M failed" and exit

set -uo pipefail
BUILD=${BUILD:-build}
# The sanitizer build by default: real traffic is where memory bugs show.
REFTARGET=${REFTARGET:-$BUILD/asan/reftarget}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
T=$(mktemp -d /tmp/rt-daemon-test.XXXXXX)
PIDS=()
passed=0
failed=0
LAST_LOG=

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

pass() {
	passed=$((passed + 1))
	echo "PASS $1"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL $1"
	[ -n "$LAST_LOG" ] && [ -f "$LAST_LOG" ] && sed 's/^/    log| /' "$LAST_LOG" | tail -n 15
}

# run CMD...: a program under a time limit (a hung initiator costs one
# check, not the run); shell functions as they are.
CHECK_TIMEOUT=${CHECK_TIMEOUT:-30}
run() {
	if [ "$(type -t "$1")" = function ]; then "$@"; else timeout -k 5 "$CHECK_TIMEOUT" "$@"; fi
}

check() {
	local name=$1
	shift
	if run "$@" >"$T/out" 2>&1; then pass "$name"; else sed 's/^/    | /' "$T/out" | tail -n 10; fail "$name"; fi
}

# refuse: CMD must fail, but not by running out of time.
refuse() {
	local name=$1 rc
	shift
	run "$@" >"$T/out" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 137 ]; then pass "$name"; else sed 's/^/    | /' "$T/out" | tail -n 10; echo "    exit $rc"; fail "$name"; fi
}

# wait_for FILE PATTERN COUNT [SECONDS]: until COUNT lines of FILE match,
# or SECONDS (default 10).
wait_for() {
	local i
	for i in $(seq $((${4:-10} * 10))); do
		# before the daemon creates FILE, grep prints nothing: count 0
		[ "$(grep -c -- "$2" "$1" 2>/dev/null || true)" -ge "$3" ] 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

start() {
	local name=$1
	shift
	LAST_LOG=$T/$name.log
	"$REFTARGET" --state-dir "$T/state-$name" "$@" >"$T/$name.out" 2>"$LAST_LOG" &
	PID=$!
	PIDS+=("$PID")
	# the daemon says "ready" once every portal listens, within
	# START_WAIT_S (10 s; a daemon under Valgrind on a busy machine
	# needs more: daemon_valgrind.sh sets it). A daemon that does not
	# start is a failure of the test, never a silent skip of the checks
	# that needed it.
	if ! wait_for "$LAST_LOG" "INFO  ready: " 1 "${START_WAIT_S:-10}"; then
		sed 's/^/    | /' "$LAST_LOG" | tail -n 5
		fail "reftarget ($name) starts: reftarget $*"
		return 1
	fi
}

# stop PID [SECONDS]: SIGTERM and wait_exit.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait_exit "$@"
}

# wait_exit PID [SECONDS]: wait at most SECONDS (default 20); RC is its
# exit status, or 999 if it did not end in time (then it is killed).
wait_exit() {
	local pid=$1 limit=${2:-20} i
	for i in $(seq $((limit * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		RC=999
		return
	fi
	wait "$pid"
	RC=$?
}

# log_has NAME PATTERN: the daemon's log says PATTERN.
log_has() {
	grep -q -- "$2" "$T/$1.log"
}

# faketime_daemon SPEED: from here on start() runs the daemon under
# libfaketime, its clock SPEED times real time (Debian's multiarch
# libfaketime.so.1, or LIBFAKETIME); only the daemon: a wrapper, so that
# this file's own sleeps and greps keep real time. Without the library
# the test ends failed, saying how to install it.
faketime_daemon() {
	if [ -z "${LIBFAKETIME:-}" ]; then
		for LIBFAKETIME in /usr/lib/*/faketime/libfaketime.so.1; do break; done
	fi
	if [ ! -r "$LIBFAKETIME" ]; then
		echo "no libfaketime.so.1 (LIBFAKETIME=$LIBFAKETIME): apt-get install libfaketime (tools/deps.sh)"
		failed=1
		summary
	fi
	cat >"$T/reftarget-ft" <<SH
#!/bin/sh
LD_PRELOAD=$LIBFAKETIME FAKETIME="+0 x$1" exec "$(realpath "$REFTARGET")" "\$@"
SH
	chmod +x "$T/reftarget-ft"
	REFTARGET=$T/reftarget-ft
}

summary() {
	echo "summary: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
