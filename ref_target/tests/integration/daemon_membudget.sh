#!/usr/bin/env bash
# daemon_membudget.sh: the target's memory is bounded in total, and per
# session and connection as the README says (ref_target/core/mem.h), against
# initiators that never read their sockets (mem_hog.py, raw PDUs):
#
#  1. budget 64M: 4 sessions each pipelining 128 READs of 8 MiB and 2
#     sessions sending 8 KiB NOP-Outs, none reading. The daemon's peak RSS
#     (VmHWM) stays within the budget over its idle RSS, plus XFER_MIB (one
#     Data-In sequence is briefly both a task buffer and the daemon's send
#     queue: the engine learns of the copy when conn_send returns) and
#     SLACK_MIB (what the daemon holds outside the engine's account: malloc,
#     socket tables); a well-behaved libiscsi session (rw_tool.c) writes and
#     reads meanwhile; once the hogs read, every command gets its status,
#     every ping its echo, and their windows open again (nothing deadlocks).
#  2. defaults (budget 1G): one 8 KiB NOP hog costs at most
#     conn_unsent_max_bytes (4 MiB) + SLACK_MIB; one READ hog at most
#     session_mem_max_bytes (64 MiB) + XFER_MIB + SLACK_MIB.
#
# RSS is the release build's (ASan's shadow and quarantine would swamp
# it). Measured here: 52, 4 and 68 MiB of growth; main's daemon before the
# budget (no --mem-budget: BUDGET_FLAGS= REFTARGET=...) grew 530, 16 and
# 124 MiB and fails all three.
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
REFTARGET=${REFTARGET:-$BUILD/rel/reftarget}
. ref_target/tests/integration/daemon_lib.bash

IQN=iqn.2026-11.org.iscsi-sim:ref
PORT=3260
URL=iscsi://127.0.0.1:$PORT/$IQN/0
HOG="python3 ref_target/tests/integration/mem_hog.py 127.0.0.1 $PORT $IQN"
RWT=$BUILD/tests/rw_tool
BUDGET_MIB=64
SLACK_MIB=${SLACK_MIB:-4}
XFER_MIB=8 # RT_XFER_MAX
BUDGET_FLAGS=${BUDGET_FLAGS---mem-budget ${BUDGET_MIB}M}
MiB=$((1024 * 1024))

exec 3>&1 # measurements reach the log whether a check passes or not
mkdir -p "$BUILD/tests"
check "rw_tool builds" gcc -O2 -Wall -Wextra -Werror -o "$RWT" ref_target/tests/integration/rw_tool.c -liscsi

# kib PID FIELD: a /proc/PID/status field (VmRSS, VmHWM) in KiB.
kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# hogs N KIND ARGS...: start N mem_hog.py in the background (each its own
# session); wait until each has stopped sending.
HOGS=()
hogs() {
	local n=$1 i name
	shift
	for i in $(seq "$n"); do
		name=$T/hog-$1-$i-${#HOGS[@]}
		$HOG "iqn.2026-11.org.iscsi-sim:hog-$1-$i" "$T/go" "$@" >"$name.out" 2>&1 &
		PIDS+=("$!")
		HOGS+=("$!:$name")
	done
	for h in "${HOGS[@]}"; do
		wait_for "${h#*:}.out" '^sent\|^mem_hog' 1 || { echo "    hog ${h#*:} never stopped sending"; return 1; }
		if grep -q '^mem_hog' "${h#*:}.out"; then cat "${h#*:}.out"; return 1; fi
	done
}

# hogs_finish: let them read; each must end well ("done"), in time.
hogs_finish() {
	local h rc=0
	touch "$T/go"
	for h in "${HOGS[@]}"; do
		wait_exit "${h%%:*}" 60
		sed 's/^/    hog| /' "${h#*:}.out"
		[ "$RC" = 0 ] && grep -q '^done' "${h#*:}.out" || rc=1
	done
	HOGS=()
	rm -f "$T/go"
	return $rc
}

hogs_budget() { hogs 4 reads 128 $((8 * MiB)) && hogs 2 nops 8192; }

# peak_within BASE_KIB LIMIT_MIB: VmHWM - BASE <= LIMIT.
peak_within() {
	local hwm
	hwm=$(kib "$PID" VmHWM)
	echo "    idle RSS $(($1 / 1024)) MiB, peak $((hwm / 1024)) MiB, growth $(((hwm - $1) / 1024)) MiB, bound $2 MiB" >&3
	[ $((hwm - $1)) -le $(($2 * 1024)) ]
}

# 1. The whole target within its budget.
# shellcheck disable=SC2086 # BUDGET_FLAGS is words
if start budget --portal 127.0.0.1:$PORT --lun ram:256M $BUDGET_FLAGS; then
	check "a good session reads and writes before the hogs" "$RWT" "$URL" 100 65536
	base=$(kib "$PID" VmRSS)
	if check "4 READ hogs and 2 NOP hogs stop sending" hogs_budget; then
		sleep 1
		check "peak RSS within the budget ($BUDGET_MIB MiB + $XFER_MIB + $SLACK_MIB) over idle" peak_within \
			"$base" $((BUDGET_MIB + XFER_MIB + SLACK_MIB))
		check "a good session reads and writes while the hogs hold the rest" "$RWT" "$URL" 2000 65536
		check "the hogs read: every command and ping answered, windows open again" hogs_finish
		check "the budget refused commands (TASK SET FULL)" bash -c "cat $T/hog-reads-*.out | \
			awk '/^done/ { n += \$5 } END { exit n > 0 ? 0 : 1 }'"
	fi
	check "a good session reads and writes after" "$RWT" "$URL" 3000 65536
	stop "$PID" 20
	check "stops cleanly after the hogs" test "$RC" = 0
	check "the engine returned all its memory" bash -c "! grep -q 'not returned at exit' '$LAST_LOG'"
fi

# 2. Per connection and per session, at the defaults.
if start nop1 --portal 127.0.0.1:$PORT --lun ram:256M; then
	"$RWT" "$URL" 100 65536 >/dev/null 2>&1
	base=$(kib "$PID" VmRSS)
	if check "one NOP hog stops sending" hogs 1 nops 8192; then
		check "a NOP hog costs at most conn_unsent_max_bytes (4 MiB) + $SLACK_MIB" peak_within "$base" \
			$((4 + SLACK_MIB))
		check "the NOP hog reads: every ping echoed" hogs_finish
	fi
	stop "$PID" 20
fi
if start read1 --portal 127.0.0.1:$PORT --lun ram:256M; then
	"$RWT" "$URL" 100 65536 >/dev/null 2>&1
	base=$(kib "$PID" VmRSS)
	if check "one READ hog stops sending" hogs 1 reads 128 $((8 * MiB)); then
		sleep 1
		check "a READ hog costs at most session_mem_max_bytes (64 MiB) + $XFER_MIB + $SLACK_MIB" \
			peak_within "$base" $((64 + XFER_MIB + SLACK_MIB))
		check "the READ hog reads: every command answered" hogs_finish
	fi
	stop "$PID" 20
fi
summary
