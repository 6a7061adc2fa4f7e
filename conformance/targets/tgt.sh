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
CHAP_PORT=$((PORT + 2))
IQN=iqn.2003-01.org.conformance:tgt
CHAP_IQN=$IQN-chap

# tgtd_start PIDFILE CONTROL_PORT PORT: one tgtd in the foreground, ours.
tgtd_start() {
	tgtd -f -C "$2" --iscsi "portal=127.0.0.1:$3" >"$WORK/tgtd-$2.log" 2>&1 &
	echo $! >"$WORK/$1"
	conf_wait_port 127.0.0.1 "$3" 10 || conf_die "tgtd did not listen on $3"
}

start() {
	conf_require_netns
	mkdir -p "$WORK"
	# The control port only names a unix socket (/var/run/tgtd/socket.N),
	# which network namespaces do not separate: derive it from our PID.
	local cport=$((20000 + $$ % 10000))
	truncate -s 0 "$WORK/lu.img" "$WORK/lu-chap.img"
	truncate -s "$CONF_LU_BYTES" "$WORK/lu.img"
	truncate -s $((64 * 1024 * 1024)) "$WORK/lu-chap.img"
	mkdir -p /var/run/tgtd
	tgtd_start pid "$cport" "$PORT"
	local adm=(tgtadm --lld iscsi -C "$cport")
	"${adm[@]}" --op new --mode portal --param "portal=127.0.0.1:$PORT2"
	"${adm[@]}" --op new --mode target --tid 1 -T "$IQN"
	"${adm[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$WORK/lu.img"
	"${adm[@]}" --op bind --mode target --tid 1 -I ALL
	# The CHAP-protected target: a second tgtd on its own portal, since
	# tgt's portals serve every target and discovery must not meet CHAP
	# targets where the open one is tested. It has an access list.
	adm=(tgtadm --lld iscsi -C $((cport + 1)))
	tgtd_start pid-chap $((cport + 1)) "$CHAP_PORT"
	"${adm[@]}" --op new --mode target --tid 1 -T "$CHAP_IQN"
	"${adm[@]}" --op new --mode logicalunit --tid 1 --lun 1 -b "$WORK/lu-chap.img"
	# only the names of CONF_ACL_INITIATORS (tgt's initiator-name ACL)
	local n
	for n in $CONF_ACL_INITIATORS; do "${adm[@]}" --op bind --mode target --tid 1 --initiator-name "$n"; done
	"${adm[@]}" --op new --mode account --user "$CONF_CHAP_USER" --password "$CONF_CHAP_SECRET"
	"${adm[@]}" --op bind --mode account --tid 1 --user "$CONF_CHAP_USER"
	conf_write_target_env "$WORK" tgt 0 "$PORT" "$PORT2" "$IQN" "$CHAP_PORT" "$CHAP_IQN" 1 "$CONF_LU_BYTES"
	conf_log "tgt ready on 127.0.0.1:$PORT and :$PORT2, CHAP target on :$CHAP_PORT"
}

stop() {
	# tgtd ignores SIGTERM and shuts down by tgtadm only once every target
	# is deleted; its LUs here are scratch files, so KILL at once.
	conf_stop_pid "$WORK/pid" 0
	conf_stop_pid "$WORK/pid-chap" 0
	rm -f "$WORK/lu.img" "$WORK/lu-chap.img"
}

conf_target_cmd "$cmd"
