#!/usr/bin/env bash
# reftarget.sh start|stop|urls|describe WORK [FLAVOUR]: our daemon, the
# reference target. `describe` prints FLAVOUR's LU ("backstore MiB flags
# lbppbe media-MB/s nop-in-interval-ms") and starts nothing.
#
# Same contract as tgt.sh (WORK/target.env, WORK/pid). Runs
# $BUILD/rel/reftarget (CONF_REFTARGET_BIN to override, e.g. the asan build)
# with a JSON config (format: ref_target/daemon/dcfg_json.c) serving one LU
# on two loopback portals, so the MultipathIO tests have a second path, and
# a second daemon (quick flags) serving a CHAP-protected target for the
# tools suite (not started when CONF_CHAP_TARGET=0: run.sh says so for a
# flavour that runs no tools). FLAVOUR chooses the LU the suite runs against; the reftarget
# column runs each test on the flavour conformance/flavours.txt gives it
# (run.sh), and `run.sh -t reftarget:<flavour>` runs everything on one:
#   file        sparse file LU of CONF_LU_MIB MiB, no flags (default)
#   ram         RAM LU of the same size, flag atomic: WRITE ATOMIC (SBC-4),
#               which only a backstore that lands a write whole can offer
#   small       64 MiB file LU: READ(6) beyond the end whatever CONF_LU_MIB
#               is (READ(6) reaches 2^21 blocks), still big enough for the
#               Async tests' I/O; also the fresh LU that libiscsi 1.19.0's
#               MultipathIO.CompareAndWrite needs (flavours.txt)
#   thin        thin + lbprz: UNMAP, WRITE SAME unmap, GET LBA STATUS
#   thin-lbppb  thin + lbprz with 8 logical blocks per physical block
#               (lbppbe 3, SBC-3 §5.16.2): the unaligned-unmap and
#               Data-Out size tests that need LBPPB > 1
#   removable   removable: PREVENT ALLOW MEDIUM REMOVAL, START STOP UNIT
#   readonly    read_only + thin: the write-protect tests (libiscsi runs
#               ReadOnly.ReadOnlySBC's UNMAP and WRITE SAME checks only on
#               a thin LU)
#   sanitize    64 MiB, sanitize + thin + lbprz: the SANITIZE tests (-S);
#               BLOCK ERASE needs a thin LU; small, as each test
#               overwrites the whole LU, some of them several times
#   sanitize-long  256 MiB in RAM on a medium paced at 25 MB/s
#               (media_mbps): an OVERWRITE of about 10 s on any machine,
#               outlasting Sanitize.Reset's 4-5 s of resets and its
#               reconnect, and done before its 60 s sleep ends; no NOP-In
#               pings: the test sleeps 60 s without reading its socket, a
#               pinged connection is dropped meanwhile, and each reconnect
#               is an I_T nexus owed a POWER ON, RESET unit attention
#               (SAM-5 §5.14), so its wait for a clean TEST UNIT READY
#               would never end
#   rbd         thin + lbprz + wce (librbd's cache turns write-back at the
#               first flush) on the RBD image CONF_RBD_IMAGE (default
#               "conformance", CONF_RBD_MIB MiB, default 128) of the running
#               Ceph whose ceph.conf is CONF_RBD_CONF (tools/ceph-up.sh;
#               make ceph-test runs the suite this way): the rbd backstore
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

# flavour_lu: "backstore size-in-MiB flags-as-JSON lbppbe media-MB/s
# nop-in-interval-ms" of FLAVOUR's LU (and its target's pings).
flavour_lu() {
	local mib=$((CONF_LU_BYTES / 1048576))
	case "$FLAVOUR" in
	file) echo "file $mib [] 0 0 15000" ;;
	ram) echo "ram $mib [\"atomic\"] 0 0 15000" ;;
	small) echo "file 64 [] 0 0 15000" ;;
	thin) echo "file $mib [\"thin\",\"lbprz\"] 0 0 15000" ;;
	thin-lbppb) echo "file $mib [\"thin\",\"lbprz\"] 3 0 15000" ;;
	removable) echo "file $mib [\"removable\"] 0 0 15000" ;;
	readonly) echo "file $mib [\"read_only\",\"thin\"] 0 0 15000" ;;
	sanitize) echo "file 64 [\"sanitize\",\"thin\",\"lbprz\"] 0 0 15000" ;;
	sanitize-long) echo "ram 256 [\"sanitize\",\"thin\",\"lbprz\"] 0 25 0" ;;
	rbd) echo "rbd ${CONF_RBD_MIB:-128} [\"thin\",\"lbprz\",\"wce\"] 0 0 15000" ;;
	*) conf_die "unknown flavour $FLAVOUR" ;;
	esac
}

# write_config FILE: the daemon's JSON for FLAVOUR. Target resets are
# granted ("target_reset": the default refuses them with TMF response 6,
# ref_target/core/tmf.c): libiscsi's TargetWarmReset/ColdReset tests then
# run instead of skipping, and with one LU the initiator's view is the
# whole target.
write_config() {
	local backstore mib flags lbppbe mbps nop path=
	read -r backstore mib flags lbppbe mbps nop <<<"$(flavour_lu)"
	[ "$backstore" = file ] && path=", \"path\": \"$WORK/lu.img\""
	[ "$backstore" = rbd ] && path=", \"rbd\": { \"pool\": \"rbd\", \"image\": \"${CONF_RBD_IMAGE:-conformance}\",
             \"conf\": \"${CONF_RBD_CONF:?CONF_RBD_CONF: the ceph.conf of a running Ceph (tools/ceph-up.sh)}\" }"
	cat >"$1" <<EOT
{
  "portals": [ { "address": "127.0.0.1", "port": $PORT },
               { "address": "127.0.0.1", "port": $PORT2 } ],
  "lus": [ { "name": "lu0", "backstore": "$backstore"$path,
             "size": "${mib}M", "flags": $flags, "lbppbe": $lbppbe,
             "media_mbps": $mbps } ],
  "targets": [ { "name": "$IQN",
                 "tpgs": [ { "portals": [ 0, 1 ], "open_access": true, "target_reset": true,
                             "luns": [ { "lun": 0, "lu": "lu0" } ] } ] } ],
  "params": { "nop_in_interval_ms": $nop, "max_connections": 2 }
}
EOT
}

# start_chap: the CHAP-protected target, a second daemon, so that the LU
# under test keeps open access whatever the flavour; only the names of
# CONF_ACL_INITIATORS get in (one ACL each).
start_chap() {
	local acl=() n
	for n in $CONF_ACL_INITIATORS; do acl+=(--initiator "$n"); done
	"$BIN" --portal "127.0.0.1:$CHAP_PORT" --target "$CHAP_IQN" --lun ram:64M --state-dir "$WORK/state-chap" \
		--chap "$CONF_CHAP_USER:$CONF_CHAP_SECRET" "${acl[@]}" >"$WORK/reftarget-chap.log" 2>&1 &
	echo $! >"$WORK/pid-chap"
	conf_wait_port 127.0.0.1 "$CHAP_PORT" 10 || { tail -n 20 "$WORK/reftarget-chap.log" >&2; conf_die "CHAP reftarget did not listen on $CHAP_PORT"; }
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
	[ "${CONF_CHAP_TARGET:-1}" = 1 ] && start_chap
	conf_write_target_env "$WORK" reftarget 0 "$PORT" "$PORT2" "$IQN" "$CHAP_PORT" "$CHAP_IQN" 0 \
		"$(($(flavour_lu | cut -d" " -f2) * 1048576))" "FLAVOUR=$FLAVOUR"
	conf_log "reftarget ($FLAVOUR) ready on 127.0.0.1:$PORT and :$PORT2$([ -s "$WORK/pid-chap" ] && echo ", CHAP target on :$CHAP_PORT")"
}

stop() {
	conf_stop_pid "$WORK/pid"
	conf_stop_pid "$WORK/pid-chap"
	rm -f "$WORK/lu.img"
}

case "$cmd" in
describe) flavour_lu ;;
*) conf_target_cmd "$cmd" ;;
esac
