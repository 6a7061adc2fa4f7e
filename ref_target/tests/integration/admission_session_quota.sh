#!/usr/bin/env bash
# admission_session_quota.sh: one initiator must not take every session
# slot (issue 12, defect 4; core/admit.h). An initiator name logs in
# sessions with distinct ISIDs, holding each, until the target refuses one:
# that must happen at its quota, with Login status 0x0302 (RFC 7143
# §11.13.5, out of resources), while another initiator (libiscsi's
# iscsi-inq) still logs in. The same for one source address using a new
# initiator name for every session (open access: names cost nothing).
#   1. defaults (quick flags): max_sessions_per_initiator 64,
#      max_sessions_per_source 128 (against a daemon without quotas, main
#      before them, the greedy initiator gets every session it asks for);
#   2. the same knobs lowered in a JSON configuration: 4 and 6.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

IQN=iqn.2026-11.org.iscsi-sim:quota
GREEDY=iqn.2026-11.org.iscsi-sim:greedy
OTHER=iqn.2026-11.org.iscsi-sim:other
HOSTILE=ref_target/tests/integration/hostile.py
URL=iscsi://127.0.0.1:3260/$IQN/0
HOLDER=

# greedy NAME ARGS...: hostile.py sessions in the background, its sessions
# held until release; waits (30 s at most) until it has said how far it got.
greedy() {
	local name=$1 i
	shift
	rm -f "$T/hold" "$T/$name.sessions"
	mkfifo "$T/hold"
	python3 "$HOSTILE" sessions --target "$IQN" "$@" <"$T/hold" >"$T/$name.sessions" 2>&1 &
	HOLDER=$!
	PIDS+=("$HOLDER")
	exec 3>"$T/hold"
	for i in $(seq 300); do
		grep -q '^ok ' "$T/$name.sessions" && sleep 0.2 && break
		sleep 0.1
	done
	sed 's/^/    greedy| /' "$T/$name.sessions"
}

release() {
	exec 3>&-
	wait "$HOLDER" 2>/dev/null
}

# refused_at NAME K: K sessions got in, the next was refused with 0x0302.
refused_at() {
	grep -qx "ok $2" "$T/$1.sessions" && grep -qx "refused $2 status 0x0302" "$T/$1.sessions"
}

other_logs_in() {
	timeout -k 1 10 iscsi-inq -i "$OTHER" "$URL"
}

if start quota --portal 127.0.0.1:3260 --target "$IQN" --lun ram:16M; then
	greedy one-name --initiator "$GREEDY" --count 70
	check "one initiator name is refused at 64 sessions with 0x0302" refused_at one-name 64
	check "another initiator still logs in meanwhile" other_logs_in
	release
	greedy one-source --initiator "$GREEDY" --distinct-names --source 127.0.0.3 --count 140
	check "one address is refused at 128 sessions with 0x0302, whatever the names" \
		refused_at one-source 128
	check "another initiator still logs in meanwhile (source quota)" other_logs_in
	release
	check "the refusals were logged by quota" bash -c \
		"grep -q 'max_sessions_per_initiator' '$LAST_LOG' && grep -q 'max_sessions_per_source' '$LAST_LOG'"
	stop "$PID" 20
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
  "params": { "max_sessions_per_initiator": 4, "max_sessions_per_source": 6 }
}
JSON
if start low --config "$T/low.json"; then
	greedy low-name --initiator "$GREEDY" --count 10
	check "a lowered initiator quota (4) from the configuration holds" refused_at low-name 4
	check "another initiator still logs in (lowered quotas)" other_logs_in
	release
	greedy low-source --initiator "$GREEDY" --distinct-names --source 127.0.0.3 --count 10
	check "a lowered source quota (6) from the configuration holds" refused_at low-source 6
	release
	stop "$PID" 20
	check "SIGTERM exits 0 (lowered quotas)" test "$RC" = 0
	check "no sanitizer report (lowered quotas)" \
		bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
else
	fail "reftarget starts with lowered limits in its configuration"
fi
summary
