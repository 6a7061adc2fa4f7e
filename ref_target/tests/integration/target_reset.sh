#!/usr/bin/env bash
# target_reset.sh: TARGET WARM RESET and TARGET COLD RESET from one
# initiator while another has a WRITE waiting for its Data-Out, with real
# libiscsi sessions (tmf_tool.c, built here into $BUILD/tests).
#
# A's ACL maps only d0, B's only d1. Without the target_reset permission
# (the default) A's resets get TMF response 6, "Function authorization
# failed" (RFC 7143 §11.5.1), and B's write completes and B's next TEST
# UNIT READY carries no unit attention. With the permission, A's warm reset
# resets d0 (A sees 29/02) and still never touches d1; A's cold reset ends
# A's session, not B's. Before the fix, the reset aborted B's write (its
# Data-Out got no answer) and B saw 06/29/02.
#
# shellcheck disable=SC2317 # the helpers below run through check
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

TOOL=$BUILD/tests/tmf_tool
PORT=3273
IQN=iqn.2026-11.org.iscsi-sim:resets
INI_A=iqn.2026-11.org.iscsi-sim:reset-a
INI_B=iqn.2026-11.org.iscsi-sim:reset-b

mkdir -p "$(dirname "$TOOL")"
rm -f "$TOOL"
check "tmf_tool builds" gcc -O2 -Wall -Wextra -Werror -o "$TOOL" ref_target/tests/integration/tmf_tool.c -liscsi
[ -x "$TOOL" ] || summary

# config FILE A_PERMISSION: A's ACL entry gets "target_reset": true only
# when asked (no key at all otherwise: the default).
config() {
	local grant=
	[ "$2" = yes ] && grant=', "target_reset": true'
	cat >"$1" <<JSON
{
  "portals": [ { "address": "127.0.0.1", "port": $PORT } ],
  "lus": [ { "name": "d0", "size": "16M" }, { "name": "d1", "size": "16M" } ],
  "targets": [ { "name": "$IQN", "tpgs": [ {
      "portals": [ 0 ],
      "acls": [ { "initiator": "$INI_A", "luns": [ { "lun": 0, "lu": "d0" } ]$grant },
                { "initiator": "$INI_B", "luns": [ { "lun": 0, "lu": "d1" } ] } ] } ] } ]
}
JSON
}

# says LINE...: the last tmf_tool run printed every LINE (whole lines).
says() {
	local line
	for line in "$@"; do
		grep -qxF -- "$line" "$T/said" || { echo "missing: $line"; cat "$T/said"; return 1; }
	done
}

# reset_run KIND: tmf_tool with KIND (warm|cold) into $T/said.
reset_run() {
	timeout -k 5 "$CHECK_TIMEOUT" "$TOOL" 127.0.0.1:$PORT "$IQN" "$INI_A" "$INI_B" "$1" >"$T/said" 2>&1
	local rc=$?
	cat "$T/said"
	return $rc
}

# daemon_ok NAME: SIGTERM exits 0, no sanitizer report.
daemon_ok() {
	stop "$PID" 10
	check "$1: SIGTERM exits 0" test "$RC" = 0
	check "$1: no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
}

config "$T/refused.json" no
if start refused --config "$T/refused.json"; then
	check "refused warm: the client ran" reset_run warm
	check "refused warm: TMF response 6 (function authorization failed)" says "tmf_response 6"
	check "refused warm: B's pending write on d1 completes" says "b_write GOOD"
	check "refused warm: B's TEST UNIT READY has no unit attention" says "b_tur GOOD"
	check "refused warm: A's LU was not reset either" says "a_tur GOOD"
	check "refused cold: the client ran" reset_run cold
	check "refused cold: TMF response 6" says "tmf_response 6"
	check "refused cold: B's write completes, no unit attention" says "b_write GOOD" "b_tur GOOD"
	check "refused cold: A keeps its session" says "a_tur GOOD"
	check "refused: the daemon logged the refusals" log_has refused "refused (no target_reset permission)"
	daemon_ok refused
fi

config "$T/allowed.json" yes
if start allowed --config "$T/allowed.json"; then
	check "allowed warm: the client ran" reset_run warm
	check "allowed warm: TMF response 0 (function complete)" says "tmf_response 0"
	check "allowed warm: A's d0 was reset (06/29/02)" says "a_tur 06/29/02"
	check "allowed warm: B's write on d1 completes, no unit attention" says "b_write GOOD" "b_tur GOOD"
	check "allowed cold: the client ran" reset_run cold
	check "allowed cold: TMF response 0" says "tmf_response 0"
	check "allowed cold: B keeps its session, its write and d1" says "b_write GOOD" "b_tur GOOD"
	check "allowed cold: A's own session ended" bash -c "grep -qxE 'a_tur (ended|no-answer|error)' '$T/said'"
	daemon_ok allowed
fi

check "--allow-target-reset is a quick flag" "$REFTARGET" --check --allow-target-reset --portal 127.0.0.1:$PORT \
	--lun ram:1M --state-dir "$T/state-quick"
summary
