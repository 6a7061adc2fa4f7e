#!/usr/bin/env bash
# reftarget.sh start|stop|urls WORK [FLAVOUR]: our daemon, the reference target.
#
# Same contract as tgt.sh (WORK/target.env, WORK/pid). Runs
# $BUILD/rel/reftarget (CONF_REFTARGET_BIN to override, e.g. the asan build)
# on two loopback portals to one LU, so the MultipathIO tests have a second
# path, plus a second daemon serving a CHAP-protected target for the tools
# suite. FLAVOUR chooses the LU the suite runs against (the SPC/SBC issue
# runs the suite once per flavour):
#   file      sparse file LU, CONF_LU_MIB MiB (default)
#   ram       RAM LU of the same size
#   small     1 MiB file LU: READ(6) beyond-EOL and wrap-around near the end
#   thin, removable, readonly
#             need LU flags the quick flags cannot say: served from
#             conformance/targets/reftarget-<flavour>.json (the daemon's JSON
#             format, ref_target/daemon/dcfg_json.c) when that file exists.
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

# lu_args: the daemon's arguments that serve FLAVOUR as LUN 0 of $IQN.
lu_args() {
	local portals=(--portal "127.0.0.1:$PORT" --portal "127.0.0.1:$PORT2" --target "$IQN")
	case "$FLAVOUR" in
	file) echo "${portals[@]}" --lun "file:$WORK/lu.img:$((CONF_LU_BYTES / 1048576))M" ;;
	ram) echo "${portals[@]}" --lun "ram:$((CONF_LU_BYTES / 1048576))M" ;;
	small) echo "${portals[@]}" --lun "file:$WORK/lu.img:1M" ;;
	thin | removable | readonly)
		local json=$CONF_DIR/targets/reftarget-$FLAVOUR.json
		[ -f "$json" ] || conf_die "flavour $FLAVOUR needs $json (JSON config)"
		# The file names the LU image and ports as @WORK@ and @PORT@/@PORT2@.
		sed -e "s|@WORK@|$WORK|g" -e "s|@PORT@|$PORT|g" -e "s|@PORT2@|$PORT2|g" \
			-e "s|@IQN@|$IQN|g" "$json" >"$WORK/config.json"
		echo --config "$WORK/config.json"
		;;
	*) conf_die "unknown flavour $FLAVOUR" ;;
	esac
}

# lu_bytes: the size the LU under test must report (READ CAPACITY).
lu_bytes() {
	case "$FLAVOUR" in
	small) echo $((1024 * 1024)) ;;
	*) echo "$CONF_LU_BYTES" ;;
	esac
}

start() {
	conf_require_netns
	[ -x "$BIN" ] || conf_die "no daemon at $BIN (make BUILD=... build)"
	mkdir -p "$WORK"
	rm -f "$WORK/lu.img" "$WORK/lu-chap.img"
	local args
	read -r -a args <<<"$(lu_args)"
	"$BIN" "${args[@]}" >"$WORK/reftarget.log" 2>&1 &
	echo $! >"$WORK/pid"
	conf_wait_port 127.0.0.1 "$PORT" 10 || { tail -n 20 "$WORK/reftarget.log" >&2; conf_die "reftarget did not listen on $PORT"; }
	conf_wait_port 127.0.0.1 "$PORT2" 5 || conf_die "reftarget did not listen on $PORT2"
	# The CHAP-protected target: a second daemon, so the LU under test keeps
	# open access whatever the flavour.
	"$BIN" --portal "127.0.0.1:$CHAP_PORT" --target "$CHAP_IQN" --lun ram:64M \
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
LU_BYTES=$(lu_bytes)
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
