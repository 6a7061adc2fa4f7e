#!/usr/bin/env bash
# admission_idle_flood.sh: idle TCP connections must not lock real
# initiators out (issue 12, defect 2; core/admit.h). An attacker opens
# idle connections that never send a byte, beyond the connection table
# (RT_CONNS_MAX 1024) and its per-source limit, and re-opens each one the
# target closes; meanwhile a real initiator (libiscsi's iscsi-inq, from
# 127.0.0.1) logs in again and again: every login must succeed, each
# within LOGIN_BOUND seconds.
#   1. one attacker address (127.0.0.2), 1100 connections wanted: held to
#      max_login_conns_per_source (its newest evicting its oldest idle one)
#      and login_rate_per_source;
#   2. 35 attacker addresses (127.0.0.10..44) x 32 connections: logins fill
#      their share of the table (RT_CONNS_MAX - reserved_session_conns)
#      and each new one evicts the oldest idle one;
#   2b. the good initiator's own address re-opening idle connections at 66
#      a second (the rate of the probe in issue 12): at its share of
#      logins an address evicts its own oldest idle connection;
#   3. the same knobs from a JSON configuration, lowered: 4 connections
#      logging in per source, a 500 ms pre-login timeout.
# Phases 1 and 2 run the defaults (quick flags): against a daemon without
# these defences (main before them) every good login fails.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

IQN=iqn.2026-11.org.iscsi-sim:flood
GOOD=iqn.2026-11.org.iscsi-sim:good
HOSTILE=ref_target/tests/integration/hostile.py
URL=iscsi://127.0.0.1:3260/$IQN/0
LOGINS=${LOGINS:-8}
LOGIN_BOUND=${LOGIN_BOUND:-5}

# good_logins NAME: LOGINS logins, one every 0.3 s; each must succeed
# within LOGIN_BOUND seconds.
good_logins() {
	local i ok=0 t0 t1 slowest=0 ms
	for i in $(seq "$LOGINS"); do
		t0=$(date +%s%N)
		if timeout -k 1 "$LOGIN_BOUND" iscsi-inq -i "$GOOD" "$URL" >"$T/inq.out" 2>&1; then
			ok=$((ok + 1))
		fi
		t1=$(date +%s%N)
		ms=$(((t1 - t0) / 1000000))
		[ "$ms" -gt "$slowest" ] && slowest=$ms
		sleep 0.3
	done
	echo "    $1: $ok of $LOGINS good logins succeeded, the slowest took $slowest ms"
	[ "$ok" -eq "$LOGINS" ]
}

# under_flood NAME SECONDS FLOOD-ARGS...: the flood in the background, the
# good logins once it has ramped up, then the flood's own counts.
under_flood() {
	local name=$1 seconds=$2 fpid rc
	shift 2
	python3 "$HOSTILE" flood --seconds "$seconds" "$@" >"$T/flood.out" 2>&1 &
	fpid=$!
	PIDS+=("$fpid")
	# every connection tried once, and a moment for the target to take them
	wait_for "$T/flood.out" '^ramped' 1
	sleep 1
	good_logins "$name"
	rc=$?
	wait "$fpid"
	sed 's/^/    /' "$T/flood.out"
	return $rc
}

# measured NAME CMD...: check, and show what CMD measured either way.
measured() {
	local before=$failed
	check "$@"
	[ "$failed" -eq "$before" ] && grep -E '^    ' "$T/out"
	return 0
}

sources() {
	local i out=
	for i in $(seq "$1" "$2"); do out+=${out:+,}127.0.0.$i; done
	echo "$out"
}

if start flood --portal 127.0.0.1:3260 --target "$IQN" --lun ram:16M; then
	measured "with no flood, the good initiator logs in" good_logins "no flood"
	measured "one address holding idle connections beyond the table locks nobody out" \
		under_flood "one address" 10 --sources 127.0.0.2 --per-source 1100
	check "at its share of logins the address made room from its own idle connections" \
		log_has flood "evicted: no Login PDU yet, the oldest from its address"
	measured "35 addresses filling the logins' share lock nobody out" \
		under_flood "35 addresses" 10 --sources "$(sources 10 44)" --per-source 32
	check "new connections evicted the oldest idle ones" log_has flood "evicted: no Login PDU yet"
	measured "the good initiator's own address (127.0.0.1) re-opening 66 idle connections a second locks nobody out" \
		under_flood "its own address" 10 --sources 127.0.0.1 --per-source 1100 --rate 66
	stop "$PID" 10
	check "SIGTERM exits 0" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
else
	fail "reftarget starts with the defaults"
fi

cat >"$T/low.json" <<JSON
{
  "portals": [ { "address": "127.0.0.1", "port": 3260 } ],
  "lus": [ { "name": "d0", "size": "16M" } ],
  "targets": [ { "name": "$IQN", "tpgs": [ { "portals": [ 0 ], "open_access": true,
                  "luns": [ { "lun": 0, "lu": "d0" } ] } ] } ],
  "params": { "prelogin_timeout_ms": 500, "max_login_conns_per_source": 4,
              "max_conns_per_source": 8, "login_rate_per_source": 10,
              "login_burst_per_source": 10, "reserved_session_conns": 1000 }
}
JSON
if start low --config "$T/low.json"; then
	measured "lowered limits from the configuration: still nobody locked out" \
		under_flood "lowered limits" 7 --sources "$(sources 10 19)" --per-source 50
	check "the lowered pre-login timeout closed idle connections" \
		log_has low "no Login PDU within prelogin_timeout_ms"
	check "the lowered logins' share (24) made new connections evict old ones" \
		log_has low "evicted: no Login PDU yet"
	stop "$PID" 10
	check "SIGTERM exits 0 (lowered limits)" test "$RC" = 0
	check "no sanitizer report (lowered limits)" \
		bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
else
	fail "reftarget starts with lowered limits in its configuration"
fi
summary
