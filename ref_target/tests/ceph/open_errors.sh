#!/usr/bin/env bash
# open_errors.sh: an rbd LU that cannot be opened is refused before the
# daemon serves anything (reftarget --check: exit 1, "file:line:
# lus[0].rbd: why"): no such pool, no such image, no ceph.conf, a cluster
# that does not answer (bounded by op_timeout_s, not librados's 300 s);
# a read_only LU opens the image read-only.
#
# Needs a running Ceph (tools/ceph-up.sh) named by CEPH_CONF, in this
# network namespace; ceph-test.sh provides both. Ends with
# "summary: N passed, M failed".
cd "$(dirname "$0")/../../.." || exit 1
set -uo pipefail
BUILD=${BUILD:-build}
REFTARGET=${REFTARGET:-$BUILD/rel/reftarget}
CEPH_CONF=${CEPH_CONF:?CEPH_CONF: the ceph.conf of a running cluster (tools/ceph-up.sh)}
IMAGE=${OPEN_IMAGE:-open-errors}
T=$(mktemp -d "${TMPDIR:-/tmp}/rt-rbd-open.XXXXXX")
passed=0
failed=0
trap 'echo "summary: $passed passed, $failed failed"; rm -rf "$T"' EXIT
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

# check NAME WANT-RC WANT-TEXT RBD-JSON [FLAGS-JSON]
check() {
	local name=$1 want_rc=$2 want=$3 rc
	cat >"$T/$name.json" <<EOT
{ "portals": [ { "address": "127.0.0.1", "port": 3280 } ],
  "lus": [ { "name": "lu0", "backstore": "rbd", "flags": ${5:-[]},
             "rbd": $4 } ],
  "targets": [ { "name": "iqn.2026-11.org.iscsi-sim:rbd-open", "tpgs": [ { "portals": [ 0 ], "open_access": true,
                  "luns": [ { "lun": 0, "lu": "lu0" } ] } ] } ] }
EOT
	timeout -k 2 30 "$REFTARGET" --config "$T/$name.json" --state-dir "$T/state" --check >"$T/$name.log" 2>&1
	rc=$?
	if [ $rc = "$want_rc" ] && grep -qF -- "$want" "$T/$name.log"; then
		pass "$name"
	else
		fail "$name" "exit $rc (want $want_rc), want '$want' in: $(tail -n 2 "$T/$name.log" | tr '\n' ' ')"
	fi
}

timeout 30 rbd -c "$CEPH_CONF" create --size 64M "rbd/$IMAGE" || { fail "create image $IMAGE"; exit 1; }
check "no such pool" 1 "$T/no such pool.json:3: lus[0].rbd: rbd: pool nopool: No such file or directory" \
	"{ \"pool\": \"nopool\", \"image\": \"$IMAGE\", \"conf\": \"$CEPH_CONF\" }"
check "no such image" 1 "lus[0].rbd: rbd: image rbd/noimage: No such file or directory" \
	"{ \"pool\": \"rbd\", \"image\": \"noimage\", \"conf\": \"$CEPH_CONF\" }"
check "no ceph.conf" 1 "lus[0].rbd: rbd: conf $T/none.conf: No such file or directory" \
	"{ \"pool\": \"rbd\", \"image\": \"$IMAGE\", \"conf\": \"$T/none.conf\" }"
# a mon address where nothing listens: connect gives up after op_timeout_s
sed "s/^mon host = .*/mon host = v1:127.0.0.1:1/" "$CEPH_CONF" >"$T/dead.conf"
t0=$SECONDS
check "a cluster that does not answer" 1 "lus[0].rbd: rbd: connect to the cluster:" \
	"{ \"pool\": \"rbd\", \"image\": \"$IMAGE\", \"conf\": \"$T/dead.conf\", \"op_timeout_s\": 2 }"
[ $((SECONDS - t0)) -le 15 ] && pass "... within op_timeout_s ($((SECONDS - t0)) s)" || fail "bounded connect" "$((SECONDS - t0)) s"
check "a read_only LU opens the image read-only" 0 "configuration is valid" \
	"{ \"pool\": \"rbd\", \"image\": \"$IMAGE\", \"conf\": \"$CEPH_CONF\", \"client\": \"admin\", \"lock\": \"auto\" }" '["read_only"]'
[ "$failed" -eq 0 ]
