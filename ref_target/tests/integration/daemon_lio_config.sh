#!/usr/bin/env bash
# daemon_lio_config.sh: reftarget --lio-config serves what a targetcli-fb
# saveconfig.json describes (ref_target/tests/data/lio/saveconfig.json, its
# backstore paths moved under the test's directory; the block device is
# made a fileio object, since a test cannot count on a free loop device).
# libiscsi's tools check: discovery with discovery CHAP lists the target,
# each ACL sees its mapped LUNs with its sizes, one-way and mutual CHAP log
# in, a wrong secret, a wrong target secret and an initiator not in the ACL
# are refused; a file with an unsupported key is refused naming its path.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

IQN=iqn.2003-01.org.linux-iscsi.gw.x8664:sn.5bcd2ef1a0b3
C1=iqn.1994-05.com.redhat:client1
C2=iqn.1994-05.com.redhat:client2
python3 - "$T" <<'PY' || exit 1
import json, sys
t = sys.argv[1]
c = json.load(open("ref_target/tests/data/lio/saveconfig.json"))
so = c["storage_objects"]
so[0]["dev"] = t + "/disk0.img"
so[1] = dict(so[1], plugin="fileio", dev=t + "/blk0.img", size=64 << 20, aio=False)
del so[1]["readonly"]
for lun in c["targets"][0]["tpgs"][0]["luns"]:
    lun["storage_object"] = lun["storage_object"].replace("/block/", "/fileio/")
json.dump(c, open(t + "/saveconfig.json", "w"), indent=2, sort_keys=True)
c["targets"][0]["tpgs"][0]["attributes"]["t10_pi"] = 1
json.dump(c, open(t + "/bad.json", "w"), indent=2, sort_keys=True)
PY

P=127.0.0.1:3260
ONE="iscsi://$C1%initiatorsecret1@$P/$IQN"
TWO="iscsi://client2%initiatorsecret2@$P/$IQN"
MUTUAL="target_user=$IQN&target_password=targetsecret22"
DISC="iscsi://discuser%discoverysecret1@$P?target_user=disctarget&target_password=discoverytargetsecret"
if start lio --lio-config "$T/saveconfig.json"; then
	check "discovery with the file's discovery CHAP (mutual) lists the target" bash -c \
		"iscsi-ls -i $C1 '$DISC' | grep -q 'Target:$IQN'"
	refuse "discovery without credentials is refused" iscsi-ls -i "$C1" "iscsi://$P"
	check "client1 (one-way CHAP) reads LUN 0, the 64 MiB fileio object" bash -c \
		"iscsi-readcapacity16 -i $C1 '$ONE/0' | grep -q 'Total size:67108864'"
	check "client1's LUN 1 is the 32 MiB ramdisk (tpg_lun 2)" bash -c \
		"iscsi-readcapacity16 -i $C1 '$ONE/1' | grep -q 'Total size:33554432'"
	check "client2 (mutual CHAP) reads its LUN 1, the former block object" bash -c \
		"iscsi-readcapacity16 -i $C2 '$TWO/1?$MUTUAL' | grep -q 'Total size:67108864'"
	check "the LU's serial is the storage object's wwn (VPD 0x80)" bash -c \
		"iscsi-inq -i $C1 -e 1 -c 128 '$ONE/0' | grep -q 8d0c5b0e-7d2a-4d0b-9a36-2f5f6c1f0a11"
	refuse "client1 has no LUN 2" iscsi-inq -i "$C1" "$ONE/2"
	refuse "a wrong CHAP secret is refused" iscsi-inq -i "$C1" "iscsi://$C1%initiatorsecret9@$P/$IQN/0"
	refuse "no CHAP at all is refused (authentication=1)" iscsi-inq -i "$C1" "iscsi://$P/$IQN/0"
	refuse "client2 without the mutual secret it expects is refused" \
		iscsi-inq -i "$C2" "$TWO/0?target_user=$IQN&target_password=wrongsecret00"
	refuse "an initiator not in node_acls is refused" \
		iscsi-inq -i iqn.1994-05.com.redhat:stranger "$ONE/0"
	check "the stranger was refused with authorization failure (0x0202)" \
		bash -c "grep -q 'stranger refused: 0x0202' '$LAST_LOG'"
	stop "$PID" 10
	check "SIGTERM exits 0" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
fi
LAST_LOG=$T/bad.log
"$REFTARGET" --lio-config "$T/bad.json" --check >/dev/null 2>"$LAST_LOG"
check "an unsupported key exits 1" test $? = 1
check "... naming the file, line and key path" bash -c \
	"grep -qE 'bad.json:[0-9]+: targets\[0\]\.tpgs\[0\]\.attributes\.t10_pi: not supported' '$LAST_LOG'"
summary
