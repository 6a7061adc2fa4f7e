#!/usr/bin/env bash
# suite.sh: libiscsi's iscsi-test-cu through the rbd backstore: reftarget
# on a fresh RBD image (conformance/targets/reftarget.sh, flavour "rbd":
# thin + lbprz, two portals for the MultipathIO tests), the SBC families
# that reach the storage: READ/WRITE/VERIFY/WRITE AND VERIFY at every CDB
# size, UNMAP, WRITE SAME (with UNMAP), COMPARE AND WRITE, ORWRITE, GET LBA
# STATUS, SYNCHRONIZE CACHE, PRE-FETCH, READ CAPACITY, MultipathIO. Each test
# runs alone, its verdict from conformance/suites/libiscsi-cu.sh.
#
# A test that does not PASS must be listed, with why, in suite-expected.txt
# beside this script (TEST RESULT REASON); one that does not do what is
# listed fails this step, so the list stays true. Results in
# $BUILD/ceph/suite (cu.csv, the target's log).
#
# Needs a running Ceph (tools/ceph-up.sh) named by CEPH_CONF, in this
# network namespace; ceph-test.sh provides both. Ends with
# "summary: N passed, M failed" (tests as listed or passing / not).
cd "$(dirname "$0")/../../.." || exit 1
set -uo pipefail
BUILD=${BUILD:-build}
export BUILD
CEPH_CONF=${CEPH_CONF:?CEPH_CONF: the ceph.conf of a running cluster (tools/ceph-up.sh)}
IMAGE=${SUITE_IMAGE:-conformance}
MIB=${SUITE_MIB:-128}
W=$BUILD/ceph/suite
EXPECTED=ref_target/tests/ceph/suite-expected.txt
FAMILIES='^SCSI\.(Read(6|10|12|16)|Write(10|12|16)|WriteVerify(10|12|16)|Verify(10|12|16)|Unmap|WriteSame(10|16)|CompareAndWrite|OrWrite|GetLBAStatus|SynchronizeCache(10|16)|Prefetch(10|16)|ReadCapacity(10|16)|MultipathIO)\.'
rm -rf "$W"
mkdir -p "$W"
W=$(cd "$W" && pwd)

stop_target() { conformance/targets/reftarget.sh stop "$W" rbd >/dev/null 2>&1 || true; }
trap stop_target EXIT

# the skip counter the suite runner needs, built as conformance/run.sh does
shim=$BUILD/conformance/cu_skip.so
if [ ! -s "$shim" ] || [ conformance/cu_skip.c -nt "$shim" ]; then
	mkdir -p "$(dirname "$shim")"
	gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -shared -fPIC -o "$shim" conformance/cu_skip.c -ldl
fi
timeout 30 rbd -c "$CEPH_CONF" create --size "${MIB}M" "rbd/$IMAGE" || { echo "summary: 0 passed, 1 failed"; exit 1; }
export CONF_RBD_CONF=$CEPH_CONF CONF_RBD_IMAGE=$IMAGE CONF_RBD_MIB=$MIB CONF_CHAP_TARGET=0
conformance/suites/libiscsi-cu.sh --list | grep -E "$FAMILIES" >"$W/tests.txt"
if ! conformance/targets/reftarget.sh start "$W" rbd; then
	echo "summary: 0 passed, 1 failed"
	exit 1
fi
t0=$SECONDS
conformance/suites/libiscsi-cu.sh "$W" "$W/cu.csv" "@$W/tests.txt" || true
stop_target

# test,result,seconds,detail -> verdicts against the list
passed=0
failed=0
declare -A want why
while read -r name result reason; do
	case "$name" in '' | '#'*) continue ;; esac
	want[$name]=$result
	why[$name]=$reason
done <"$EXPECTED"
declare -A seen
while IFS=, read -r name result _; do
	[ "$name" = test ] && continue
	seen[$name]=1
	w=${want[$name]:-PASS}
	if [ "$result" = "$w" ]; then
		passed=$((passed + 1))
		[ "$w" = PASS ] || echo "  $result $name (listed: ${why[$name]})"
	else
		failed=$((failed + 1))
		echo "FAIL $name: $result, listed as $w$([ "$w" = PASS ] || echo " (${why[$name]})")"
		grep -F "$name," "$W/cu.csv" | cut -d, -f4- | sed 's/^/    | /' | head -n 3
	fi
done <"$W/cu.csv"
for name in "${!want[@]}"; do
	[ -n "${seen[$name]:-}" ] || { failed=$((failed + 1)); echo "FAIL $name: listed, but not run"; }
done
total=$(($(wc -l <"$W/cu.csv") - 1))
echo "suite through rbd: $total tests in $((SECONDS - t0)) s: $(cut -d, -f2 "$W/cu.csv" | tail -n +2 | sort | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
