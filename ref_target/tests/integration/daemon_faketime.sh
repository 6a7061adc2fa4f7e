#!/usr/bin/env bash
# daemon_faketime.sh: the real reftarget's timers, run under libfaketime at
# SPEED (default 10) times real time, so spans of tens of seconds take a
# few real seconds. A raw-socket initiator (faketime_client.py) measures in
# real time; times SPEED that is the daemon's time.
#
# Why this works: the daemon reads time only through clock_gettime
# (CLOCK_MONOTONIC in daemon/loop.c, CLOCK_REALTIME for log stamps) and
# sleeps only in epoll_wait with a timeout computed from that clock.
# libfaketime 0.9.10 (Debian 12) fakes both clocks at the "xN" rate
# (CLOCK_MONOTONIC too unless FAKETIME_DONT_FAKE_MONOTONIC=1) and, built
# with FAKE_SLEEP as Debian's is, also wraps epoll_wait, poll, select,
# nanosleep and friends and divides their timeouts by the rate (nm -D
# libfaketime.so.1 lists the wrappers; upstream src/libfaketime.c,
# epoll_wait: real_timeout = (int) timeout * 1.0/user_rate). Measured: at
# x20 epoll_wait(1000) returns after 50 real ms with 1.00 s of faked
# CLOCK_MONOTONIC elapsed. So a 5000 ms timer sleeps 500 real ms at x10
# and fires at 5 s faked. The division truncates, so the daemon may wake
# up to 1 real ms early; loop.c then finds no deadline passed and waits
# again (a timer fires only once the faked clock is past it): never early,
# late by at most a millisecond of real time.
#
# Checks (RFC 7143):
#  - the daemon's clock runs SPEED times real time (its log stamps), the
#    proof everything below builds on;
#  - NOP-In interval: an idle full-feature connection that answers gets a
#    NOP-In every nop_in_interval_ms after its last PDU (§11.19);
#  - NOP-In timeout: one that does not answer gets one NOP-In, no second,
#    and is closed nop_in_timeout_ms after it;
#  - pre-login timeout: a connection that sends nothing is closed after
#    prelogin_timeout_ms (core/admit.h);
#  - login timeout: one that stops half-way through the login (a Login
#    PDU with T=0, then silence) is closed login_timeout_ms after connect;
#  - logout timeout: on SIGTERM a session that does not log out after the
#    Async Message asking it to (§11.9.1) is closed logout_timeout_ms
#    after it;
#  - Time2Wait/Time2Retain: at ERL 0 a Logout "remove the connection for
#    recovery" gets response 2 with the negotiated DefaultTime2Wait and
#    DefaultTime2Retain (§11.15.2-3). Nothing in the daemon is timed by
#    them at ERL 0 or 1, and the test says so: at both levels a vanished
#    connection's session is gone at once (a login to its TSIH gets
#    0x020a) and a new session with the same ISID is accepted well
#    within Time2Wait (a wait the initiator owes, §11.15.2, not one the
#    target enforces). At ERL 2 (connection recovery, tasks retained for
#    reassignment until Time2Retain expires, §7.2.2) the expiry is
#    daemon_erl2.sh's to test.
# Every span is asserted within [0.95, 1.1] of its configured value, plus
# 0.5 real seconds (5 faked at x10) of scheduling slack on the long side
# (measured: 0.3 s late at a load average of 12 on 2 cores): a timer 5%
# early fails, and one late by 60% (the 10 s pre-login timeout) down to
# 25% (the 35 s from the last PDU to the NOP-In timeout's close) fails.
# Without the speed-up (the daemon at x1: DAEMON_SPEED=1, or libfaketime
# not taking) each wait gives up after 3 times its sped-up span and says
# the clock is not sped up; DAEMON_SPEED=12 shows the early side failing.
#
# shellcheck disable=SC2317 # the helpers below run through check
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

SPEED=${SPEED:-10}
# The client assumes the daemon runs at SPEED; DAEMON_SPEED differs only
# to show the checks failing (the README's "a test that can fail").
DAEMON_SPEED=${DAEMON_SPEED:-$SPEED}
PORT=3275
IQN=iqn.2026-11.org.iscsi-sim:ft
INI=iqn.2026-11.org.iscsi-sim:ft-host
# In the daemon's (faked) milliseconds; realistic values, each a few
# hundred real ms at x10.
NOP_INTERVAL_MS=15000
NOP_TIMEOUT_MS=20000
PRELOGIN_MS=10000
LOGIN_MS=30000
LOGOUT_MS=10000
T2W=7
T2R=13

cat >"$T/ft.json" <<JSON
{
  "portals": [ { "address": "127.0.0.1", "port": $PORT } ],
  "lus": [ { "name": "d0", "size": "1M" } ],
  "targets": [ { "name": "$IQN", "tpgs": [ {
      "portals": [ 0 ],
      "acls": [ { "initiator": "$INI", "luns": [ { "lun": 0, "lu": "d0" } ] } ] } ] } ],
  "params": { "nop_in_interval_ms": $NOP_INTERVAL_MS, "nop_in_timeout_ms": $NOP_TIMEOUT_MS,
              "prelogin_timeout_ms": $PRELOGIN_MS, "login_timeout_ms": $LOGIN_MS,
              "logout_timeout_ms": $LOGOUT_MS,
              "default_time2wait": $T2W, "default_time2retain": $T2R }
}
JSON

# The sanitizer runtime wants to be first in the library list; with
# libfaketime preloaded it is not, which is harmless here (libfaketime
# only wraps time functions; ASan still sees every allocation).
export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"

# clock_rate REAL0 REAL1: the daemon, started at REAL0 with a zero offset,
# stamps its last log line (CLOCK_REALTIME, faked too), written just
# before REAL1, SPEED times as far from REAL0 as real time went.
clock_rate() {
	python3 - "$LAST_LOG" "$1" "$2" "$SPEED" <<'PY'
import datetime, sys
log, real0, real1, speed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
lines = open(log).read().splitlines()
def stamp(line):
    t = datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp()
rate = (stamp(lines[-1]) - real0) / (real1 - real0)
print("daemon clock: x%.2f real time (expected x%g)" % (rate, speed))
sys.exit(0 if 0.8 * speed <= rate <= 1.2 * speed else 1)
PY
}

# client CASE EXPECT...: faketime_client.py; its measurements are kept
# in $T/measured and shown at the end, passed or not.
client() {
	python3 ref_target/tests/integration/faketime_client.py "$PORT" "$IQN" "$INI" "$SPEED" "$@" | tee -a "$T/measured"
	return "${PIPESTATUS[0]}"
}

faketime_daemon "$DAEMON_SPEED"

t_start=$(date +%s.%N)
if start ft --config "$T/ft.json"; then
	# a second's real wait, then a line in the log: its stamp against the
	# real time gives the daemon's clock rate
	sleep 1
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT)).close()"
	wait_for "$LAST_LOG" "closed by the peer" 1
	check "the daemon's clock runs x$SPEED (libfaketime works on it)" clock_rate "$t_start" "$(date +%s.%N)"
	check "NOP-In every nop_in_interval_ms on an idle connection (§11.19)" \
		client nop_interval $((NOP_INTERVAL_MS / 1000))
	check "an unanswered NOP-In: closed nop_in_timeout_ms after it" \
		client nop_timeout $((NOP_INTERVAL_MS / 1000)) $((NOP_TIMEOUT_MS / 1000))
	check "the daemon said why" log_has ft "closing: no answer to NOP-In within nop_in_timeout"
	check "a silent connection: closed after prelogin_timeout_ms" client prelogin $((PRELOGIN_MS / 1000))
	check "the daemon said why" log_has ft "closing: no Login PDU within prelogin_timeout_ms"
	check "a login stalled half-way: closed login_timeout_ms after connect" \
		client login_stall $((LOGIN_MS / 1000))
	check "the daemon said why" log_has ft "closing: login timeout"
	check "Logout for recovery at ERL 0: response 2 with DefaultTime2Wait/Retain (§11.15)" \
		client logout_times $T2W $T2R
	check "ERL 0: a vanished connection's session is gone at once; a new one within Time2Wait" \
		client after_drop 0 $T2W
	check "ERL 1: the same (connection recovery and Time2Retain are ERL 2's)" \
		client after_drop 1 $T2W
	# SIGTERM (sent by the client, which times from it) with a session
	# that never logs out
	check "SIGTERM: Async logout request, closed logout_timeout_ms after it (§11.9.1)" \
		client async_logout "$PID" $((LOGOUT_MS / 1000))
	check "the daemon said why" log_has ft "closing: no logout after the Async logout request"
	wait_exit "$PID" 10
	check "then it exits 0" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
	echo "measured (x$SPEED):"
	sed 's/^/    /' "$T/measured"
fi
summary
