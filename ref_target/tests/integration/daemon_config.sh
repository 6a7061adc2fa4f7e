#!/usr/bin/env bash
# daemon_config.sh: reftarget refuses bad configurations before it starts
# (exit status 1, a message naming file, line, key and why, no portal
# opened), accepts good ones, and serves what they describe: portals on
# IPv4 and IPv6, several targets and LUs, CHAP, mutual CHAP, ACLs.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

# bad NAME EXPECTED-MESSAGE JSON: the daemon must refuse JSON with exactly
# that message (the file name is $T/NAME.json).
bad() {
	local name=$1 want=$2 rc
	printf '%s\n' "$3" >"$T/$name.json"
	LAST_LOG=$T/$name.log
	"$REFTARGET" --config "$T/$name.json" --state-dir "$T/state" 2>"$LAST_LOG"
	rc=$?
	if [ $rc -eq 1 ] && grep -qF -- "ERROR $T/$name.json:$want" "$LAST_LOG" && ! grep -q "listening on" "$LAST_LOG"; then
		pass "refuses $name"
	else
		echo "    exit $rc, want 1 and: $T/$name.json:$want"
		fail "refuses $name"
	fi
}

bad unknown-key '3: targets[0].tpgs[0].open_acess: unknown key' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_acess": true}]}]
}'
bad no-such-portal '6: targets[0].tpgs[0].portals[1]: no such portal (1 defined)' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{
   "name": "iqn.2026-11.org.sim:t",
   "tpgs": [{"open_access": true,
     "portals": [0, 1]}]}]
}'
bad wrong-type '2: portals[0].port: must be an integer 0..65535, not a string' '{
 "portals": [{"address": "127.0.0.1", "port": "3260"}],
 "targets": []
}'
bad duplicate-name '5: lus[1].name: '"'d'"' is also lus[0]' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}],
 "lus": [{"name": "d", "size": "1M"},
         {"name": "d", "size": "1M"}]
}'
bad missing-key '3: targets[0]: missing required key '"'name'"'' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"tpgs": []}]
}'
bad out-of-range '5: params.max_burst_length: 100 is outside 512..16777215 (RFC 7143 §13.13)' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}],
 "params": {
   "max_burst_length": 100}
}'
bad syntax "2: string or '}' expected near ','" '{
 "portals": [{"address": "127.0.0.1"}],,
 "targets": []
}'
bad short-secret '4: targets[0].tpgs[0].auth.chap.secret: is 3 bytes, must be 12..255 (RFC 7143 §12.1.3)' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true,
   "auth": {"chap": {"user": "u", "secret": "abc"}}}]}]
}'
bad file-will-not-open '4: lus[0].path: ' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}],
 "lus": [{"name": "f", "backstore": "file", "path": "/nonexistent/dir/f.img"}]
}'
bad rbd-without-settings "4: lus[0]: missing required key 'rbd'" '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}],
 "lus": [{"name": "r", "backstore": "rbd"}]
}'
bad rbd-bad-lock "6: lus[0].rbd.lock: 'sometimes' is not explicit or auto" '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}],
 "lus": [{"name": "r", "backstore": "rbd",
          "rbd": {"pool": "rbd", "image": "disk0",
                  "lock": "sometimes"}}]
}'
bad rbd-settings-on-file "5: lus[0].rbd: only an rbd backstore has rbd settings" '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}],
 "lus": [{"name": "f", "backstore": "file", "path": "/tmp/x.img",
          "rbd": {"pool": "rbd", "image": "disk0"}}]
}'

# a bad config creates no file: validation comes before storage
bad no-file-created '4: lus[1].block_size: 1000, must be 512 or 4096' '{
 "portals": [{"address": "127.0.0.1"}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}],
 "lus": [{"name": "f", "backstore": "file", "path": "'"$T"'/created.img", "size": "1M"}, {"name": "g", "size": 1000, "block_size": 1000}]
}'
refuse "a refused config created no file" test -e "$T/created.img"

LAST_LOG=$T/missing.log
refuse "missing config file is refused" "$REFTARGET" --config "$T/nope.json"
refuse "quick flags and --config do not mix" "$REFTARGET" --config "$T/x.json" --lun ram:1G
refuse "bad --lun is refused" "$REFTARGET" --lun ram:1000
refuse "bad --portal is refused" "$REFTARGET" --portal 127.0.0.1:0

# a good config: two portals (IPv4, IPv6), two targets, a RAM and a file LU
cat >"$T/good.json" <<EOF
{
 "portals": [{"address": "127.0.0.1", "port": 3260}, {"address": "[::1]", "port": 3261}],
 "lus": [{"name": "ram0", "size": "64M", "flags": ["thin", "lbprz"]},
         {"name": "file0", "backstore": "file", "path": "$T/file0.img", "size": "32M", "block_size": 4096}],
 "targets": [
  {"name": "iqn.2026-11.org.sim:one", "tpgs": [{"portals": [0, 1], "open_access": true,
     "luns": [{"lun": 0, "lu": "ram0"}, {"lun": 1, "lu": "file0"}]}]},
  {"name": "iqn.2026-11.org.sim:chap", "tpgs": [{"portals": [0], "open_access": true,
     "auth": {"chap": {"user": "alice", "secret": "alice-secret-1"},
              "mutual_chap": {"user": "target", "secret": "target-secret-1"}},
     "luns": [{"lun": 0, "lu": "ram0"}]}]}]
}
EOF
check "--check accepts a good config" "$REFTARGET" --config "$T/good.json" --check
if start good --config "$T/good.json"; then
	check "discovery lists both targets" bash -c "iscsi-ls iscsi://127.0.0.1:3260 | grep -q sim:one && iscsi-ls iscsi://127.0.0.1:3260 | grep -q sim:chap"
	check "IPv6 portal answers" bash -c "iscsi-inq 'iscsi://[::1]:3261/iqn.2026-11.org.sim:one/0'"
	check "RAM LU has its size" bash -c "[ \$(iscsi-readcapacity16 -s iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:one/0) = 67108864 ]"
	check "file LU has its size and block size" bash -c "iscsi-readcapacity16 iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:one/1 | grep -q 'LOGICAL BLOCK LENGTH IN BYTES:4096' && [ \$(stat -c %s $T/file0.img) = 33554432 ]"
	refuse "CHAP target refuses a login without CHAP" iscsi-inq iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:chap/0
	refuse "CHAP target refuses a wrong secret" env LIBISCSI_CHAP_USERNAME=alice LIBISCSI_CHAP_PASSWORD=wrong-secret-00 \
		iscsi-inq iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:chap/0
	check "CHAP target admits the right secret (mutual)" env LIBISCSI_CHAP_USERNAME=alice LIBISCSI_CHAP_PASSWORD=alice-secret-1 \
		LIBISCSI_CHAP_TARGET_USERNAME=target LIBISCSI_CHAP_TARGET_PASSWORD=target-secret-1 \
		iscsi-inq iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:chap/0
	refuse "mutual CHAP catches a target with the wrong secret" env LIBISCSI_CHAP_USERNAME=alice LIBISCSI_CHAP_PASSWORD=alice-secret-1 \
		LIBISCSI_CHAP_TARGET_USERNAME=target LIBISCSI_CHAP_TARGET_PASSWORD=not-the-target \
		iscsi-inq iscsi://127.0.0.1:3260/iqn.2026-11.org.sim:chap/0
	stop "$PID"
	check "stops with status 0" test "$RC" = 0
fi

# quick flags: a file LUN created at its size, access for one initiator only
ALLOWED=iqn.2026-11.org.sim:allowed
if start quick --portal 127.0.0.1:3262 --target iqn.2026-11.org.sim:quick --lun "file:$T/q.img:16M" \
	--initiator "$ALLOWED"; then
	check "quick file LUN is created at its size" test "$(stat -c %s "$T/q.img")" = 16777216
	check "the named initiator gets in" iscsi-inq -i "$ALLOWED" iscsi://127.0.0.1:3262/iqn.2026-11.org.sim:quick/0
	refuse "another initiator does not" iscsi-inq -i iqn.2026-11.org.sim:other iscsi://127.0.0.1:3262/iqn.2026-11.org.sim:quick/0
	stop "$PID"
	check "quick daemon stops with status 0" test "$RC" = 0
fi

# a portal already taken is refused with its config line
if start holder --portal 127.0.0.1:3263; then
	cat >"$T/busy.json" <<EOF
{
 "portals": [{"address": "127.0.0.1",
   "port": 3263}],
 "targets": [{"name": "iqn.2026-11.org.sim:t", "tpgs": [{"portals": [0], "open_access": true}]}]
}
EOF
	LAST_LOG=$T/busy.log
	"$REFTARGET" --config "$T/busy.json" --state-dir "$T/state" 2>"$LAST_LOG"
	busy_rc=$?
	check "a busy port exits 1 naming the portal's line" bash -c "[ $busy_rc = 1 ] &&
		grep -qF '$T/busy.json:2: portals[0]: cannot listen on 127.0.0.1:3263: bind: Address already in use' '$LAST_LOG'"
	stop "$PID"
fi
summary
