#!/usr/bin/env bash
# daemon_signals.sh: the first SIGINT/SIGTERM drains (sessions are asked to
# log out, the daemon exits 0 once idle, within logout_timeout_ms plus a
# little); a second signal exits at once (128 + signal number).
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

URL=iscsi://127.0.0.1:3260
LU=$URL/iqn.2026-11.org.iscsi-sim:ref/0

# a session doing I/O when SIGTERM arrives
if start busy --lun ram:64M; then
	iscsi-perf -x 0 -m 4 "$LU" >"$T/perf.out" 2>&1 &
	PERF=$!
	PIDS+=("$PERF")
	sleep 2
	check "I/O was flowing before the signal" kill -0 "$PERF"
	t0=$(date +%s%N)
	stop "$PID" 15
	ms=$((($(date +%s%N) - t0) / 1000000))
	check "SIGTERM with a busy session exits 0" test "$RC" = 0
	check "the drain asked the session to log out" log_has busy "asking 1 connection(s) to log out"
	echo "    drain took $ms ms"
	check "the drain ended within logout_timeout_ms + slack" test "$ms" -lt 12000
	{ kill -KILL "$PERF" && wait "$PERF"; } 2>/dev/null
fi

# a TCP connection that never logs in: the login timeout ends it
cat >"$T/quick-timeouts.json" <<EOF
{
 "portals": [{"address": "127.0.0.1"}],
 "lus": [{"name": "d", "size": "16M"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true,
   "luns": [{"lun": 0, "lu": "d"}]}]}],
 "params": {"prelogin_timeout_ms": 500, "login_timeout_ms": 1000, "logout_timeout_ms": 1000}
}
EOF
if start silent --config "$T/quick-timeouts.json"; then
	socat -u TCP:127.0.0.1:3260 /dev/null &
	PIDS+=($!)
	sleep 0.5
	t0=$(date +%s%N)
	stop "$PID" 10
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "    drain took $ms ms"
	check "SIGTERM with a silent connection exits 0" test "$RC" = 0
	check "... within logout_timeout_ms + slack" test "$ms" -lt 4000
fi

# SIGINT behaves as SIGTERM
if start int; then
	kill -INT "$PID"
	wait_exit "$PID" 10
	check "SIGINT when idle exits 0" test "$RC" = 0
	check "SIGINT is named in the log" log_has int "SIGINT: stopping"
fi

# an initiator that cannot answer (stopped): the drain is bounded by
# logout_timeout_ms, and a second signal ends it at once
if start stuck --config "$T/quick-timeouts.json"; then
	iscsi-perf -x 0 -m 1 "iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:t/0" >/dev/null 2>&1 &
	PERF=$!
	PIDS+=("$PERF")
	sleep 1
	kill -STOP "$PERF"
	t0=$(date +%s%N)
	stop "$PID" 10
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "    drain took $ms ms"
	check "SIGTERM with a stuck initiator exits 0" test "$RC" = 0
	check "... once logout_timeout_ms (1 s) has passed" test "$ms" -ge 900 -a "$ms" -lt 4000
	{ kill -KILL "$PERF" && wait "$PERF"; } 2>/dev/null
fi
sed 's/"logout_timeout_ms": 1000/"logout_timeout_ms": 20000/' "$T/quick-timeouts.json" >"$T/slow-logout.json"
if start twice --config "$T/slow-logout.json"; then
	iscsi-perf -x 0 -m 1 "iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:t/0" >/dev/null 2>&1 &
	PERF=$!
	PIDS+=("$PERF")
	sleep 1
	kill -STOP "$PERF"
	kill -TERM "$PID"
	wait_for "$LAST_LOG" "SIGTERM: stopping" 1
	sleep 0.5
	check "the first SIGTERM is still draining" kill -0 "$PID"
	stop "$PID" 3
	check "a second SIGTERM exits 143 at once" test "$RC" = 143
	check "... and says so" log_has twice "SIGTERM during the drain: exiting now"
	{ kill -KILL "$PERF" && wait "$PERF"; } 2>/dev/null
fi
summary
