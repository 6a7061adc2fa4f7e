#!/usr/bin/env bash
# ctl_live.sh: live management through the control socket (reftarget
# --ctl-socket, reftarget-ctl) under load. Two initiators write and read
# back blocks without pause (ctl_tool.c); meanwhile a LUN is added, the
# second initiator's ACL is removed and a LUN is removed. The first
# initiator's session must live on with its data intact and be told 3F/0E
# REPORTED LUNS DATA HAS CHANGED (SPC-4 §6.37); the second's session must
# end. Then: the socket is mode 0600, a second daemon on the same socket
# path is refused, malformed and oversized requests are answered with an
# error and the target keeps serving, saveconfig/restoreconfig round-trip
# in our format and in targetcli's, and a save in targetcli's format of
# what it cannot say is refused leaving the file already there intact.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

CTL=${CTL:-$BUILD/rel/reftarget-ctl}
TOOL=$BUILD/tests/ctl_tool
IQN=iqn.2026-12.org.iscsi-sim:live
IA=iqn.2026-12.org.iscsi-sim:host-a
IB=iqn.2026-12.org.iscsi-sim:host-b
P=127.0.0.1:3260
S=$T/ctl.sock
mkdir -p "$BUILD/tests"
check "ctl_tool builds" gcc -O2 -Wall -Wextra -Werror -o "$TOOL" ref_target/tests/integration/ctl_tool.c -liscsi
cat >"$T/cfg.json" <<JSON
{ "portals": [ { "address": "127.0.0.1", "port": 3260 } ],
  "lus": [ { "name": "d0", "size": "64M" }, { "name": "d1", "size": "64M" } ],
  "targets": [ { "name": "$IQN", "tpgs": [ { "portals": [ 0 ],
     "luns": [ { "lun": 0, "lu": "d0" }, { "lun": 1, "lu": "d1" } ],
     "acls": [ { "initiator": "$IA", "luns": [ { "lun": 0, "lu": "d0" }, { "lun": 1, "lu": "d1" } ] },
               { "initiator": "$IB", "luns": [ { "lun": 0, "lu": "d1" } ] } ] } ] } ] }
JSON
c() { "$CTL" -s "$S" "$@"; }
TPG=/iscsi/$IQN/tpg1

if start live --config "$T/cfg.json" --ctl-socket "$S"; then
	check "the control socket is mode 0600" bash -c "[ \"\$(stat -c %a '$S')\" = 600 ]"
	check "ls shows the target and both ACLs" bash -c "'$CTL' -s '$S' ls | grep -q '$IB'"
	"$TOOL" -i "$IA" "iscsi://$P/$IQN/0" 12 >"$T/a.out" 2>&1 &
	A=$!
	"$TOOL" -i "$IB" "iscsi://$P/$IQN/0" 12 >"$T/b.out" 2>&1 &
	B=$!
	wait_for "$T/a.out" "logged in" 1 && wait_for "$T/b.out" "logged in" 1
	sleep 1.5
	check "backstores/ramdisk create" c /backstores/ramdisk create name=d2 size=32M
	check "tpg1/luns create maps it as LUN 2 (and into every ACL)" c "$TPG/luns" create /backstores/ramdisk/d2 lun=2
	sleep 1.5
	check "tpg1/acls delete ends host-b's session" bash -c "'$CTL' -s '$S' '$TPG/acls' delete wwn=$IB | grep -q '1 session(s) ended'"
	sleep 1.5
	check "tpg1/luns delete lun=1" c "$TPG/luns" delete lun=1
	wait "$A" "$B"
	echo "    host-a: $(tail -n 1 "$T/a.out")"
	echo "    host-b: $(tail -n 1 "$T/b.out")"
	check "host-a's session lived through every change" grep -q "lost=0" "$T/a.out"
	check "host-a's data is intact, no errors" grep -q "mismatches=0 ua_luns_changed=[0-9]* errors=0" "$T/a.out"
	check "host-a was told REPORTED LUNS DATA HAS CHANGED twice (LUN added, LUN removed)" \
		grep -q "ua_luns_changed=2 " "$T/a.out"
	check "host-a kept working (commands done)" bash -c "grep -Eq 'ops=[1-9][0-9]{2,}' '$T/a.out'"
	check "host-b's session ended when its ACL went" grep -q "lost=1" "$T/b.out"
	check "host-b's data was intact while it lived" grep -q "mismatches=0" "$T/b.out"
	refuse "host-b can no longer log in" iscsi-inq -i "$IB" "iscsi://$P/$IQN/0"
	check "host-a sees LUNs 0 and 2, not 1" bash -c \
		"iscsi-ls -s -i $IA iscsi://$P | tr -s ' ' | grep -c '^Lun:[02] ' | grep -qx 2 && ! iscsi-ls -s -i $IA iscsi://$P | grep -q '^Lun:1 '"
	# bad input: answered, never fatal
	refuse "an unknown command is refused" c "$TPG" frobnicate
	refuse "a missing argument is refused" c "$TPG/luns" create
	refuse "a config the engine cannot take is refused (portal index change)" c "$TPG/portals" delete 127.0.0.1 3260
	check "a malformed request gets an error answer" bash -c \
		"printf '{\"cmd\": [1, 2\n' | timeout 5 python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(\"$S\"); s.sendall(sys.stdin.buffer.read()); print(s.recv(4096))' | grep -q 'ok.: *false'"
	check "an oversized request gets an error answer" bash -c \
		"timeout 5 python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.connect(\"$S\"); s.sendall(b\"{\" + b\" \" * 70000); print(s.recv(4096))' | grep -q CTL_REQ_MAX"
	check "the target still serves after bad requests" iscsi-inq -i "$IA" "iscsi://$P/$IQN/0"
	refuse "a second daemon on the same live socket path refuses to start" \
		"$REFTARGET" --state-dir "$T/s2" --portal 127.0.0.1:3261 --ctl-socket "$S"
	check "saveconfig writes our JSON" c saveconfig savefile="$T/saved.json"
	check "the saved file starts a daemon (--check)" "$REFTARGET" --check --state-dir "$T/s3" --config "$T/saved.json"
	check "an ACL is added back" c "$TPG/acls" create "$IB"
	check "restoreconfig returns to the saved configuration (host-b gone again)" bash -c \
		"'$CTL' -s '$S' restoreconfig '$T/saved.json' && ! '$CTL' -s '$S' ls | grep -q '$IB'"
	# targetcli's format: written, read by --lio-config, restored live, and
	# written again to the same file (the loader and the writer agree)
	check "saveconfig format=lio writes targetcli's saveconfig.json" c saveconfig "$T/lio1.json" format=lio
	check "reftarget --lio-config reads it" "$REFTARGET" --check --state-dir "$T/s4" --lio-config "$T/lio1.json"
	check "restoreconfig format=lio applies it live" c restoreconfig "$T/lio1.json" format=lio
	check "saved again, the same file (round trip)" bash -c "'$CTL' -s '$S' saveconfig '$T/lio2.json' format=lio &&
		python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); sys.exit(a!=b)' '$T/lio1.json' '$T/lio2.json'"
	check "host-a logs in to the restored target" iscsi-inq -i "$IA" "iscsi://$P/$IQN/0"
	# what LIO's file cannot say is refused, and the file already there stays
	check "host-b's ACL back, and CHAP for host-a alone (reftarget takes it)" bash -c \
		"'$CTL' -s '$S' '$TPG/acls' create '$IB' && '$CTL' -s '$S' '$TPG/acls/$IA' set auth userid=a password=a-secret-0001"
	cp "$T/lio2.json" "$T/lio2.before"
	check "saveconfig format=lio refuses CHAP for some initiators only, by name" bash -c \
		"! '$CTL' -s '$S' saveconfig '$T/lio2.json' format=lio >'$T/refused.out' 2>&1 &&
		 grep -q 'saveconfig format=lio: targets\[0\].tpgs\[0\]: CHAP for some initiators only' '$T/refused.out'"
	check "the refused save left the old file as it was" cmp "$T/lio2.json" "$T/lio2.before"
	check "and left no temporary file" test ! -e "$T/lio2.json.tmp"
	stop "$PID"
	check "the daemon stops cleanly (sanitizers quiet)" test "$RC" -eq 0
	check "the socket file is gone after the stop" test ! -e "$S"
else
	fail "reftarget starts with a control socket"
fi
summary
