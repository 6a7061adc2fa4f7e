#!/usr/bin/env bash
# istgt.sh start|stop|urls WORK: istgt (Debian package istgt), the
# userspace target from FreeBSD, a fourth peer for the protocol suite.
#
# Same contract as tgt.sh (WORK/target.env, WORK/pid). One istgt in the
# foreground (-D) with its own configuration, pid file and auth file under
# WORK, listening on loopback only: the open LU on two portals of one
# portal group (PORT, PORT2), the CHAP-protected LU on a portal group of
# its own (CHAP_PORT), so that discovery on PORT never meets it. The LU
# is LUN 0 (istgt has no controller LUN). No unit-control portal is
# opened (istgtcontrol is not used).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

cmd=${1:?usage: istgt.sh start|stop|urls WORK}
WORK=${2:?usage: istgt.sh start|stop|urls WORK}
PORT=${ISTGT_PORT:-3290}
PORT2=$((PORT + 1))
CHAP_PORT=$((PORT + 2))
BASE=iqn.2003-01.org.conformance
IQN=$BASE:istgt
CHAP_IQN=$IQN-chap

start() {
	conf_require_netns
	command -v istgt >/dev/null || conf_die "istgt is not installed (tools/deps.sh)"
	mkdir -p "$WORK"
	truncate -s 0 "$WORK/lu.img" "$WORK/lu-chap.img"
	truncate -s "$CONF_LU_BYTES" "$WORK/lu.img"
	truncate -s $((64 * 1024 * 1024)) "$WORK/lu-chap.img"
	# istgt reads the LU size from the configuration; it must be the file's.
	cat >"$WORK/auth.conf" <<EOT
[AuthGroup1]
  Auth "$CONF_CHAP_USER" "$CONF_CHAP_SECRET"
EOT
	cat >"$WORK/istgt.conf" <<EOT
[Global]
  NodeBase "$BASE"
  PidFile $WORK/istgt.pid
  AuthFile $WORK/auth.conf
  MediaDirectory $WORK
  LogFacility "local7"
  Timeout 30
  NopInInterval 20
  DiscoveryAuthMethod Auto
  MaxSessions 16
  MaxConnections 4
  MaxR2T 32
  MaxOutstandingR2T 16
  DefaultTime2Wait 2
  DefaultTime2Retain 60
  FirstBurstLength 262144
  MaxBurstLength 1048576
  MaxRecvDataSegmentLength 262144
  InitialR2T Yes
  ImmediateData Yes
  DataPDUInOrder Yes
  DataSequenceInOrder Yes
  ErrorRecoveryLevel 0
[UnitControl]
  AuthMethod CHAP Mutual
  AuthGroup AuthGroup1
[PortalGroup1]
  Portal DA1 127.0.0.1:$PORT
  Portal DA2 127.0.0.1:$PORT2
[PortalGroup2]
  Portal DA1 127.0.0.1:$CHAP_PORT
[InitiatorGroup1]
  InitiatorName "ALL"
  Netmask 127.0.0.0/8
[InitiatorGroup2]
$(for n in $CONF_ACL_INITIATORS; do printf '  InitiatorName "%s"\n' "$n"; done)
  Netmask 127.0.0.0/8
[LogicalUnit1]
  TargetName $IQN
  Mapping PortalGroup1 InitiatorGroup1
  AuthMethod None
  UseDigest Auto
  UnitType Disk
  QueueDepth 32
  LUN0 Storage $WORK/lu.img Auto
[LogicalUnit2]
  TargetName $CHAP_IQN
  Mapping PortalGroup2 InitiatorGroup2
  AuthMethod CHAP
  AuthGroup AuthGroup1
  UseDigest Auto
  UnitType Disk
  LUN0 Storage $WORK/lu-chap.img Auto
EOT
	istgt -D -c "$WORK/istgt.conf" -p "$WORK/istgt.pid" >"$WORK/istgt.log" 2>&1 &
	echo $! >"$WORK/pid"
	conf_wait_port 127.0.0.1 "$PORT" 10 || { tail -n 20 "$WORK/istgt.log" >&2; conf_die "istgt did not listen on $PORT"; }
	conf_wait_port 127.0.0.1 "$CHAP_PORT" 10 || conf_die "istgt did not listen on $CHAP_PORT"
	conf_write_target_env "$WORK" istgt 0 "$PORT" "$PORT2" "$IQN" "$CHAP_PORT" "$CHAP_IQN" 0 "$CONF_LU_BYTES"
	conf_log "istgt ready on 127.0.0.1:$PORT and :$PORT2, CHAP target on :$CHAP_PORT"
}

stop() {
	conf_stop_pid "$WORK/pid" 5
	rm -f "$WORK/lu.img" "$WORK/lu-chap.img"
}

conf_target_cmd "$cmd"
