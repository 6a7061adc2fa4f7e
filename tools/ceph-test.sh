#!/usr/bin/env bash
# ceph-test.sh: the Ceph-backed steps (make ceph-test), in a loopback-only
# network namespace (tools/netns-run.sh), against one single-node Ceph:
#   ceph-start  tools/ceph-up.sh: memstore, one mon, one OSD (~2-10 s)
#   open        an rbd LU that cannot be opened is refused, naming
#               file:line:key (ref_target/tests/ceph/open_errors.sh)
#   suite       libiscsi's SBC tests through the rbd backstore
#               (ref_target/tests/ceph/suite.sh; what does not pass is
#               listed with why in suite-expected.txt)
#   failover    two gateways on one image, the owner paused mid-write
#               (SIGSTOP), the other takes over (lock break, blocklist by
#               full address), the paused write rejected once released
#               (SIGCONT), data read back; then its unfenced twin (rbd
#               "blocklist_on_break": false): the paused write lands over
#               the newer data, and the step asserts that it does
#               (ref_target/tests/ceph/failover.sh)
#   pr          persistent reservations shared through RADOS (rbd
#               pr_shared): concurrent registrations through both gateways,
#               a reservation made through A holds through B after A dies,
#               a PREEMPT through B fences A's holder, a restarted A reads
#               the state from RADOS, a corrupt record fails closed; then
#               its unshared twin ("pr_shared": false): a reservation made
#               through one gateway is not honoured through the other,
#               asserted (ref_target/tests/ceph/pr.sh)
#   alua        ALUA follows the exclusive lock (rbd alua_group): RTPG the
#               same through both gateways before and after moves; the
#               first write takes the lock; STPG on the standby moves it
#               cooperatively (or fences a stopped owner); two hosts that
#               disagree about the path get at most RBDA_TRANSFERS_MAX
#               transfers; a hand-over nobody completes ends within
#               RBDA_TRANSITION_MAX_MS (ref_target/tests/ceph/alua.sh)
# Each step's log is in $BUILD/ceph/<step>.log, the cluster's in
# $BUILD/ceph/cluster/log. Ends with "ceph: N passed, F failed" (steps).
# Skips, saying so, only where Ceph is not installed (tools/deps.sh
# installs it); a reftarget built without the rbd backstore fails.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
[ "${RT_IN_NETNS:-}" = 1 ] || exec tools/netns-run.sh "$0" "$@"
BUILD=${BUILD:-build}
export BUILD
REFTARGET=${REFTARGET:-$BUILD/rel/reftarget}
export REFTARGET CONF_REFTARGET_BIN=$REFTARGET
D=${CEPH_TEST_DIR:-$BUILD/ceph}
C=$D/cluster
passed=0
failed=0

if ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null; then
	echo "ceph: skipped: Ceph is not installed (tools/deps.sh installs ceph-mon ceph-osd ceph-common)"
	echo "ceph: 0 passed, 0 failed"
	exit 0
fi

# step NAME CMD...: run, log to $D/NAME.log, one verdict line with the time
step() {
	local name=$1 t0 rc
	shift
	t0=$(date +%s.%N)
	"$@" >"$D/$name.log" 2>&1
	rc=$?
	local secs
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	local detail
	detail=$(grep -E '^(summary|ceph-up|suite through)' "$D/$name.log" | tr '\n' ' ')
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf 'PASS %-10s %6ss  %s\n' "$name" "$secs" "$detail"
	else
		failed=$((failed + 1))
		printf 'FAIL %-10s %6ss  %s (exit %d)\n' "$name" "$secs" "$detail" "$rc"
		grep -E '^FAIL|error' "$D/$name.log" | head -n 20 | sed 's/^/    | /'
	fi
	return $rc
}

finish() {
	tools/ceph-down.sh "$C" >/dev/null 2>&1
	echo "summary: $passed passed, $failed failed (Ceph-backed steps)"
	echo "ceph: $passed passed, $failed failed"
}

rm -rf "$D"
mkdir -p "$D"
trap finish EXIT
if ! grep -q bs_rbd_ops < <(nm "$REFTARGET" 2>/dev/null); then
	failed=$((failed + 1))
	echo "FAIL rbd backstore: $REFTARGET was built without it (librbd-dev librados-dev missing at build time?)"
	exit 1
fi
step ceph-start timeout -k 5 90 tools/ceph-up.sh "$C" || exit 1
export CEPH_CONF=$C/ceph.conf
step open timeout -k 5 120 ref_target/tests/ceph/open_errors.sh
step suite timeout -k 5 900 ref_target/tests/ceph/suite.sh
step failover timeout -k 5 180 ref_target/tests/ceph/failover.sh
step pr timeout -k 5 180 ref_target/tests/ceph/pr.sh
step alua timeout -k 5 180 ref_target/tests/ceph/alua.sh
[ "$failed" -eq 0 ]
