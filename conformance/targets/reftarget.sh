#!/usr/bin/env bash
# reftarget.sh start|stop|urls WORK [FLAVOUR]: our daemon, the reference target.
#
# Same contract as tgt.sh (WORK/target.env, WORK/pid). Runs
# $BUILD/rel/reftarget (CONF_REFTARGET_BIN to override, e.g. the asan build)
# with a JSON config (format: ref_target/daemon/dcfg_json.c) serving one LU
# on two loopback portals, so the MultipathIO tests have a second path, and
# a second daemon (quick flags) serving a CHAP-protected target for the
# tools suite. FLAVOUR chooses the LU the suite runs against; the SPC/SBC
# work runs the suite once per flavour (run.sh -t "reftarget:thin ..."):
#   file       sparse file LU of CONF_LU_MIB MiB, no flags (default)
#   ram        RAM LU of the same size
#   small      1 MiB file LU (READ(6) beyond-EOL and end-of-LU checks)
#   thin       flags thin + lbprz: UNMAP, WRITE SAME unmap, GET LBA STATUS
#   removable  flag removable: PREVENT ALLOW, START STOP UNIT
#   readonly   flag read_only: the write-protect tests
#   sanitize   flag sanitize: the SANITIZE tests (-S)
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

cmd=${1:?usage: reftarget.sh start|stop|urls WORK [FLAVOUR]}
WORK=${2:?usage: reftarget.sh start|stop|urls WORK [FLAVOUR]}
FLAVOUR=${3:-${CONF_REFTARGET_FLAVOUR:-file}}
PORT=${REFTARGET_PORT:-3260}
PORT2=$((PORT + 1))
CHAP_PORT=$((PORT + 2))
IQN=iqn.2003-01.org.conformance:reftarget
CHAP_IQN=$IQN-chap
BIN=${CONF_REFTARGET_BIN:-$BUILD/rel/reftarget}

# flavour_lu: "backstore size-in-MiB flags-as-JSON" of FLAVOUR's LU.
flavour_lu() {
	local mib=$((CONF_LU_BYTES / 1048576))
	case "$FLAVOUR" in
	file) echo "file $mib []" ;;
	ram) echo "ram $mib []" ;;
	small) echo "file 1 []" ;;
	thin) echo "file $mib [\"thin\",\"lbprz\"]" ;;
	removable) echo "file $mib [\"removable\"]" ;;
	readonly) echo "file $mib [\"read_only\"]" ;;
	sanitize) echo "file $mib [\"sanitize\"]" ;;
	*) conf_die "unknown flavour $FLAVOUR" ;;
	esac
}

# write_config FILE: the daemon's JSON for FLAVOUR.
write_config() {
	local backstore mib flags path=
	read -r backstore mib flags <<<"$(flavour_lu)"
	[ "$backstore" = file ] && path=", \"path\": \"$WORK/lu.img\""
	cat >"$1" <<EOT
{
  "portals": [ { "address": "127.0.0.1", "port": $PORT },
               { "address": "127.0.0.1", "port": $PORT2 } ],
  "lus": [ { "name": "lu0", "backstore": "$backstore"$path,
             "size": "${mib}M", "flags": $flags } ],
  "targets": [ { "name": "$IQN",
                 "tpgs": [ { "portals": [ 0, 1 ], "open_access": true,
                             "luns": [ { "lun": 0, "lu": "lu0" } ] } ] } ]
}
EOT
}

start() {
	conf_require_netns
	[ -x "$BIN" ] || conf_die "no daemon at $BIN (make BUILD=... build)"
	mkdir -p "$WORK"
	rm -f "$WORK/lu.img" "$WORK/lu-chap.img"
	write_config "$WORK/config.json"
	# The image exists before the daemon opens it: a read-only LU is opened
	# read-only and cannot create it.
	[ "$(flavour_lu | cut -d' ' -f1)" = file ] &&
		truncate -s $(($(flavour_lu | cut -d' ' -f2) * 1048576)) "$WORK/lu.img"
	# --state-dir: durable state (APTPL) stays in the work directory.
	"$BIN" --config "$WORK/config.json" --state-dir "$WORK/state" >"$WORK/reftarget.log" 2>&1 &
	echo $! >"$WORK/pid"
	conf_wait_port 127.0.0.1 "$PORT" 10 || { tail -n 20 "$WORK/reftarget.log" >&2; conf_die "reftarget did not listen on $PORT"; }
	conf_wait_port 127.0.0.1 "$PORT2" 5 || conf_die "reftarget did not listen on $PORT2"
	# The CHAP-protected target: a second daemon, so the LU under test keeps
	# open access whatever the flavour.
	"$BIN" --portal "127.0.0.1:$CHAP_PORT" --target "$CHAP_IQN" --lun ram:64M --state-dir "$WORK/state-chap" \
		--chap "$CONF_CHAP_USER:$CONF_CHAP_SECRET" >"$WORK/reftarget-chap.log" 2>&1 &
	echo $! >"$WORK/pid-chap"
	conf_wait_port 127.0.0.1 "$CHAP_PORT" 10 || { tail -n 20 "$WORK/reftarget-chap.log" >&2; conf_die "CHAP reftarget did not listen on $CHAP_PORT"; }
	cat >"$WORK/target.env" <<EOT
TARGET=reftarget
FLAVOUR=$FLAVOUR
PORTAL=127.0.0.1:$PORT
URL=iscsi://127.0.0.1:$PORT/$IQN/0
URL2=iscsi://127.0.0.1:$PORT2/$IQN/0
CHAP_PORTAL=127.0.0.1:$CHAP_PORT
CHAP_URL=iscsi://$CONF_CHAP_USER%$CONF_CHAP_SECRET@127.0.0.1:$CHAP_PORT/$CHAP_IQN/0
CHAP_BAD_URL=iscsi://$CONF_CHAP_USER%wrong-secret-000@127.0.0.1:$CHAP_PORT/$CHAP_IQN/0
NOCHAP_URL=iscsi://127.0.0.1:$CHAP_PORT/$CHAP_IQN/0
DISCOVERY_CHAP=0
GUEST=0
LU_BYTES=$(($(flavour_lu | cut -d" " -f2) * 1048576))
EOT
	conf_log "reftarget ($FLAVOUR) ready on 127.0.0.1:$PORT and :$PORT2, CHAP target on :$CHAP_PORT"
}

stop() {
	conf_stop_pid "$WORK/pid"
	conf_stop_pid "$WORK/pid-chap"
	rm -f "$WORK/lu.img"
}

case "$cmd" in
start) start ;;
stop) stop ;;
urls) sed -n 's/^URL2\{0,1\}=//p' "$WORK/target.env" ;;
*) conf_die "unknown command $cmd" ;;
esac
