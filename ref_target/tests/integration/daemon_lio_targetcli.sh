#!/usr/bin/env bash
# daemon_lio_targetcli.sh: reftarget --lio-config on a saveconfig.json that
# the real targetcli-fb wrote (ref_target/tests/data/lio/targetcli-fb.json:
# conformance/guest/targetcli-session.txt run in the LIO guest of
# conformance/lio-config-diff.sh, copied out unchanged), served as written
# with the guest's portals moved to 127.0.0.1 (--lio-portal) and its
# fileio file and /dev/ram0 served from files here (--lio-dev). The checks
# are what LIO itself showed for that file in the differential
# (conformance/results/lio-config/lio-config-diff.md): the targets in
# discovery, each ACL's LUNs and sizes, the serials (the wwns), one-way and
# mutual CHAP, refusals of a wrong secret, no CHAP, a stranger and an
# unmapped LUN; discovery lists every target to anyone (LIO's default
# demo_mode_discovery=1). Then the maps' own errors.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

FILE=ref_target/tests/data/lio/targetcli-fb.json
IQN=iqn.2003-01.org.conformance:lio-config
OPEN=iqn.2003-01.org.conformance:lio-config-open
I1=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test
I2=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2
STRANGER=iqn.2003-01.org.conformance:stranger
read -r WWN0 WWN1 < <(python3 -c '
import json, sys
so = {o["name"]: o["wwn"] for o in json.load(open(sys.argv[1]))["storage_objects"]}
print(so["disk0"], so["ram0"])' "$FILE") || exit 1
truncate -s 64M "$T/disk0.img"
truncate -s 32M "$T/ram0.img"
MAPS=(--lio-dev "/srv/disk0.img=$T/disk0.img" --lio-dev "/dev/ram0=$T/ram0.img"
	--lio-portal 10.0.2.15:3260=127.0.0.1:3260 --lio-portal 10.0.2.15:3261=127.0.0.1:3261
	--lio-portal 10.0.2.15:3262=127.0.0.1:3262)

ONE="iscsi://conformance%conformance-secret-1@127.0.0.1:3260/$IQN"
TWO="iscsi://mutual-in%mutual-in-secret-1@127.0.0.1:3260/$IQN"
MUTUAL="target_user=mutual-out&target_password=mutual-out-secret-1"
if start targetcli --lio-config "$FILE" "${MAPS[@]}"; then
	check "discovery on the open target's portal lists it" bash -c \
		"iscsi-ls -i $STRANGER iscsi://127.0.0.1:3262 | grep -q 'Target:$OPEN '"
	check "... and to a stranger the CHAP target too (demo_mode_discovery=1, as LIO lists it)" bash -c \
		"iscsi-ls -i $STRANGER iscsi://127.0.0.1:3262 | grep -q 'Target:$IQN '"
	check "I1 (one-way CHAP) reads LUN 0, the 64 MiB fileio object" bash -c \
		"iscsi-readcapacity16 -i $I1 '$ONE/0' | grep -q 'Total size:67108864'"
	check "... and through the second portal" bash -c \
		"iscsi-readcapacity16 -i $I1 'iscsi://conformance%conformance-secret-1@127.0.0.1:3261/$IQN/0' | grep -q 'Total size:67108864'"
	check "I1's LUN 1 is the 32 MiB block object (/dev/ram0 in the guest)" bash -c \
		"iscsi-readcapacity16 -i $I1 '$ONE/1' | grep -q 'Total size:33554432'"
	check "LUN 0's serial is the fileio object's wwn (VPD 0x80)" bash -c \
		"iscsi-inq -i $I1 -e 1 -c 128 '$ONE/0' | grep -q '$WWN0'"
	check "I2 (mutual CHAP) has the block object as its LUN 0" bash -c \
		"iscsi-inq -i $I2 -e 1 -c 128 '$TWO/0?$MUTUAL' | grep -q '$WWN1'"
	refuse "I2 has no LUN 1 (add_mapped_luns=false)" iscsi-readcapacity16 -i "$I2" "$TWO/1?$MUTUAL"
	refuse "I1 has no LUN 2" iscsi-readcapacity16 -i "$I1" "$ONE/2"
	refuse "a wrong CHAP secret is refused" iscsi-readcapacity16 -i "$I1" \
		"iscsi://conformance%wrong-secret-000@127.0.0.1:3260/$IQN/0"
	refuse "no CHAP is refused (authentication=1)" iscsi-readcapacity16 -i "$I1" "iscsi://127.0.0.1:3260/$IQN/0"
	refuse "I2 with a wrong target secret is refused" iscsi-readcapacity16 -i "$I2" \
		"$TWO/0?target_user=mutual-out&target_password=wrong-secret-000"
	refuse "a stranger with I1's credentials is refused" iscsi-readcapacity16 -i "$STRANGER" "$ONE/0"
	check "the open target admits a stranger without CHAP" bash -c \
		"iscsi-readcapacity16 -i $STRANGER 'iscsi://127.0.0.1:3262/$OPEN/0' | grep -q 'Total size:67108864'"
	stop "$PID" 10
	check "SIGTERM exits 0" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
fi
LAST_LOG=$T/nomap.log
"$REFTARGET" --lio-config "$FILE" "${MAPS[@]}" --lio-portal 10.0.2.16:3260=127.0.0.1:3263 --check >/dev/null 2>"$LAST_LOG"
check "a --lio-portal that matches no portal exits 1" test $? = 1
check "... naming the flag and the address" bash -c "grep -q -- '--lio-portal 10.0.2.16:3260: no portal of the file' '$LAST_LOG'"
LAST_LOG=$T/nodev.log
"$REFTARGET" --lio-config "$FILE" "${MAPS[@]}" --lio-dev /dev/sdz=/dev/null --check >/dev/null 2>"$LAST_LOG"
check "a --lio-dev that matches no storage object exits 1" test $? = 1
check "... naming it" bash -c "grep -q -- '--lio-dev /dev/sdz: no fileio or block storage object' '$LAST_LOG'"
LAST_LOG=$T/badto.log
"$REFTARGET" --lio-config "$FILE" --lio-portal 10.0.2.15:3260=127.0.0.1 --check >/dev/null 2>"$LAST_LOG"
check "a --lio-portal target without a port exits 1 naming the file's portal" bash -c \
	"grep -qE 'targetcli-fb.json:[0-9]+: targets\[[0-9]\]\.tpgs\[0\]\.portals\[[0-9]\]: --lio-portal 10.0.2.15:3260=127.0.0.1: ' '$LAST_LOG'"
"$REFTARGET" --lio-portal 10.0.2.15:3260=127.0.0.1:3260 >/dev/null 2>&1
check "--lio-portal without --lio-config is a usage error (2)" test $? = 2
summary
