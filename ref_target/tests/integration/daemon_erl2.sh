#!/usr/bin/env bash
# daemon_erl2.sh: ErrorRecoveryLevel 2, connection recovery (RFC 7143
# §7.2.2, §6.3.4, §11.5.1, §11.14.1; core/erl2.h), on the real reftarget
# with a raw-PDU initiator (erl2_client.py) over TCP. The daemon runs under
# libfaketime at SPEED (default 10) times real time, as in
# daemon_faketime.sh (which says why that works), so that the Time2Retain
# expiry, DefaultTime2Wait + DefaultTime2Retain = 12 s in the daemon's
# time, takes 1.2 real seconds.
#
# Checks:
#  - a WRITE cut by a lost connection lands once after a reinstatement and
#    TASK REASSIGN (a recovery R2T for what it lacks);
#  - a READ's Data-In and status lost with the connection are sent again
#    from the TASK REASSIGN's ExpDataSN, on the new connection's StatSN;
#  - MC/S: Logout "remove the connection for recovery" for one connection
#    on the other (response 0, Time2Wait and Time2Retain, §11.15.2-3),
#    then TASK REASSIGN there;
#  - the session whose only connection failed is kept, then discarded
#    DefaultTime2Wait + DefaultTime2Retain after the failure, within
#    [0.95, 1.1] of it plus half a real second;
#  - the same at ERL 1 for contrast: the session is gone at once and TASK
#    REASSIGN is "not supported".
#
# shellcheck disable=SC2317 # the helpers below run through check
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

SPEED=${SPEED:-10}
DAEMON_SPEED=${DAEMON_SPEED:-$SPEED}
PORT=3276
IQN=iqn.2026-11.org.iscsi-sim:erl2
INI=iqn.2026-11.org.iscsi-sim:erl2-host
T2W=3
T2R=9

cat >"$T/erl2.json" <<JSON
{
  "portals": [ { "address": "127.0.0.1", "port": $PORT } ],
  "lus": [ { "name": "d0", "size": "1M" } ],
  "targets": [ { "name": "$IQN", "tpgs": [ {
      "portals": [ 0 ],
      "acls": [ { "initiator": "$INI", "luns": [ { "lun": 0, "lu": "d0" } ] } ] } ] } ],
  "params": { "error_recovery_level": 2, "max_connections": 2,
              "default_time2wait": $T2W, "default_time2retain": $T2R }
}
JSON

export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"

client() {
	python3 ref_target/tests/integration/erl2_client.py "$PORT" "$IQN" "$INI" "$SPEED" "$@" | tee -a "$T/measured"
	return "${PIPESTATUS[0]}"
}

faketime_daemon "$DAEMON_SPEED"

if start erl2 --config "$T/erl2.json"; then
	check "a WRITE cut by a lost connection lands once after reinstatement and TASK REASSIGN" \
		client write_reassign
	check "the daemon kept its tasks for reassignment" log_has erl2 "wait $T2W+$T2R s for reassignment"
	check "a READ's Data-In and status lost with the connection are sent again from ExpDataSN" \
		client status_resend
	check "MC/S: Logout for recovery of one connection on the other, then TASK REASSIGN there" \
		client mcs_logout $T2W $T2R
	check "a session whose only connection failed is discarded after Time2Wait + Time2Retain" \
		client retain_expiry $T2W $T2R
	check "the daemon said why" log_has erl2 "DefaultTime2Wait + DefaultTime2Retain are over"
	check "ERL 1 for contrast: the session is gone at once, TASK REASSIGN not supported" \
		client erl1_contrast
	stop "$PID" 10
	check "then it exits 0 on SIGTERM" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' '$LAST_LOG'"
	echo "measured (x$SPEED):"
	sed 's/^/    /' "$T/measured"
fi
summary
