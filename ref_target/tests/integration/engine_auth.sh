#!/usr/bin/env bash
# engine_auth.sh: CHAP and access control with real initiators (libiscsi's
# tools): one-way and mutual CHAP log in; a wrong secret, a wrong user, no
# credentials, a target that cannot prove itself, and an initiator name not
# in the ACL are all refused; discovery authentication guards SendTargets.
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

IQN=iqn.2026-11.org.iscsi-sim:auth
INI=iqn.2026-11.org.iscsi-sim:host1
cat >"$T/auth.json" <<JSON
{
  "portals": [ { "address": "127.0.0.1", "port": 3260 } ],
  "lus": [ { "name": "d0", "size": "16M" } ],
  "discovery_auth": { "chap": { "user": "disc", "secret": "discovery-secret" } },
  "targets": [ { "name": "$IQN", "tpgs": [ {
      "portals": [ 0 ],
      "acls": [ { "initiator": "$INI",
                  "auth": { "chap": { "user": "host1", "secret": "host1-secret-123" },
                            "mutual_chap": { "user": "target", "secret": "target-secret-456" } },
                  "luns": [ { "lun": 0, "lu": "d0" } ] },
                { "initiator": "$INI-oneway",
                  "auth": { "chap": { "user": "host2", "secret": "host2-secret-123" } },
                  "luns": [ { "lun": 0, "lu": "d0" } ] } ] } ] } ]
}
JSON

P=127.0.0.1:3260
MUTUAL="target_user=target&target_password=target-secret-456"
if start auth --config "$T/auth.json"; then
	check "mutual CHAP logs in" iscsi-inq -i "$INI" "iscsi://host1%host1-secret-123@$P/$IQN/0?$MUTUAL"
	check "one-way CHAP logs in" iscsi-inq -i "$INI-oneway" "iscsi://host2%host2-secret-123@$P/$IQN/0"
	refuse "a wrong secret is refused" iscsi-inq -i "$INI-oneway" "iscsi://host2%host2-secret-124@$P/$IQN/0"
	refuse "a wrong user is refused" iscsi-inq -i "$INI-oneway" "iscsi://host9%host2-secret-123@$P/$IQN/0"
	refuse "no credentials are refused" iscsi-inq -i "$INI-oneway" "iscsi://$P/$IQN/0"
	refuse "a target proving the wrong secret is refused by the initiator" \
		iscsi-inq -i "$INI" "iscsi://host1%host1-secret-123@$P/$IQN/0?target_user=target&target_password=wrong-secret-000"
	refuse "an initiator not in the ACL is refused" \
		iscsi-inq -i iqn.2026-11.org.iscsi-sim:stranger "iscsi://host1%host1-secret-123@$P/$IQN/0"
	check "the CHAP refusals were authentication failures (0x0201)" \
		bash -c "grep -q 'refused: 0x0201' '$LAST_LOG'"
	check "the stranger was refused with authorization failure (0x0202, RFC 7143 §11.13.5)" \
		bash -c "grep -q 'stranger refused: 0x0202 initiator not in the ACL' '$LAST_LOG'"
	check "discovery with its credentials lists the target" bash -c \
		"iscsi-ls -i $INI 'iscsi://disc%discovery-secret@$P' | grep -q $IQN"
	refuse "discovery without credentials is refused" iscsi-ls -i "$INI" "iscsi://$P"
	check "header digests (CRC32C) work end to end" \
		iscsi-readcapacity16 -i "$INI-oneway" "iscsi://host2%host2-secret-123@$P/$IQN/0?header_digest=crc32c"
	stop "$PID" 10
	check "SIGTERM exits 0" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
fi
summary
