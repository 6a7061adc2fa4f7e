#!/usr/bin/env bash
# tgt.sh start|stop|urls WORK: tgt (Debian package tgt), the userspace peer.
#
# Contract shared by every conformance/targets/*.sh: `start` brings the
# target up on loopback and writes WORK/target.env (URL, URL2 for the second
# portal to the same LU, CHAP_URL for a CHAP-protected LU, PORTAL, GUEST) and
# WORK/pid; `stop` stops what start started, by that PID; `urls` prints URL
# and URL2. The suites read target.env and never know which target they
# talk to.
#
# tgtd -f on 127.0.0.1 with a sparse file LU; -C gives this instance its
# own control socket so several tgtd can coexist. LUN 0 is tgt's controller,
# the disk is LUN 1 (shared/notes/peers-and-guests.md).
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

cmd=${1:?usage: tgt.sh start|stop|urls WORK}
WORK=${2:?usage: tgt.sh start|stop|urls WORK}
PORT=${TGT_PORT:-3270}
PORT2=$((PORT + 1))
IQN=iqn.2003-01.org.conformance:tgt
CHAP_IQN=$IQN-chap

start() {
	conf_require_netns
	mkdir -p "$WORK"
	# The control port only names a unix socket (/var/run/tgtd/socket.N),
	# which network namespaces do not separate: derive it from our PID.
	local cport=$((20000 + $$ % 10000))
	echo "$cport" >"$WORK/control-port"
	truncate -s 0 "$WORK/lu.img" "$WORK/lu-chap.img"
	truncate -s "$CONF_LU_BYTES" "$WORK/lu.img"
	truncate -s $((64 * 1024 * 1024)) "$WORK/lu-chap.img"
	mkdir -p /var/run/tgtd
	tgtd -f -C "$cport" --iscsi "portal=127.0.0.1:$PORT" >"$WORK/tgtd.log" 2>&1 &
	echo $! >"$WORK/pid"
	conf_wait_port 127.0.0.1 "$PORT" 10 || conf_die "tgtd did not listen on $PORT"
	local adm=(tgtadm --lld iscsi -C "$cport")
	"${adm[@]}" --op new --mode portal --param "portal=127.0.0.1:$PORT2"
	"${adm[@]}" --op new --mode target --tid 1 -T "$IQN"
	"${adm[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$WORK/lu.img"
	"${adm[@]}" --op bind --mode target --tid 1 -I ALL
	"${adm[@]}" --op new --mode target --tid 2 -T "$CHAP_IQN"
	"${adm[@]}" --op new --mode logicalunit --tid 2 --lun 1 -b "$WORK/lu-chap.img"
	"${adm[@]}" --op bind --mode target --tid 2 -I ALL
	"${adm[@]}" --op new --mode account --user "$CONF_CHAP_USER" --password "$CONF_CHAP_SECRET"
	"${adm[@]}" --op bind --mode account --tid 2 --user "$CONF_CHAP_USER"
	cat >"$WORK/target.env" <<EOT
TARGET=tgt
PORTAL=127.0.0.1:$PORT
URL=iscsi://127.0.0.1:$PORT/$IQN/1
URL2=iscsi://127.0.0.1:$PORT2/$IQN/1
CHAP_URL=iscsi://$CONF_CHAP_USER%$CONF_CHAP_SECRET@127.0.0.1:$PORT/$CHAP_IQN/1
CHAP_BAD_URL=iscsi://$CONF_CHAP_USER%wrong-secret-000@127.0.0.1:$PORT/$CHAP_IQN/1
NOCHAP_URL=iscsi://127.0.0.1:$PORT/$CHAP_IQN/1
DISCOVERY_CHAP=0
GUEST=0
EOT
	conf_log "tgt ready on 127.0.0.1:$PORT and :$PORT2 (control port $cport)"
}

stop() {
	conf_stop_pid "$WORK/pid"
	rm -f "$WORK/lu.img" "$WORK/lu-chap.img"
}

case "$cmd" in
start) start ;;
stop) stop ;;
urls) sed -n 's/^URL2\{0,1\}=//p' "$WORK/target.env" ;;
*) conf_die "unknown command $cmd" ;;
esac
