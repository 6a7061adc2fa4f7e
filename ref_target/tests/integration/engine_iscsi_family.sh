#!/usr/bin/env bash
# engine_iscsi_family.sh: libiscsi's iSCSI test family (iscsi-test-cu,
# family "iSCSI", 15 tests) against reftarget, one process per test under a
# timeout, silent skips counted through conformance/cu_skip.c. Every test
# must pass except iSCSITMF.LUNResetSimpleAsync, which cannot pass when run
# alone against any target: it asserts reconnect_succeeded == 1 right after
# queuing the reset (libiscsi 1.19.0 test-tool/test_async_lu_reset_simple.c
# line 157); tgt and LIO fail it the same way (README, "Known limits").
cd "$(dirname "$0")/../../.." || exit 1
. ref_target/tests/integration/daemon_lib.bash

SHIM=$T/cu_skip.so
gcc -shared -fPIC -O1 -o "$SHIM" conformance/cu_skip.c -ldl || exit 1
IQN=iqn.2026-11.org.iscsi-sim:ref
URL=iscsi://127.0.0.1:3260/$IQN/0
IMPOSSIBLE=iSCSI.iSCSITMF.LUNResetSimpleAsync

# run_cu TEST: PASS only if CUnit passed it and no skip marker was printed.
run_cu() {
	local out
	out=$(LD_PRELOAD=$SHIM timeout 60 iscsi-test-cu -d -i iqn.2026-11.test:a -I iqn.2026-11.test:b \
		-t "$1" "$URL" 2>&1)
	echo "$out" | grep -q 'CU_SKIP_MARKER' && { echo "skipped"; return 1; }
	echo "$out" | grep -Eq '^ +tests +1 +1 +1 +0' || { echo "$out" | tail -n 20; return 1; }
}

if start family --portal 127.0.0.1:3260 --lun ram:64M; then
	n=0
	for t in $(iscsi-test-cu --list | grep -E '^iSCSI\.[A-Za-z0-9]+\.[A-Za-z0-9]+$'); do
		n=$((n + 1))
		[ "$t" = "$IMPOSSIBLE" ] && continue
		check "$t passes" run_cu "$t"
	done
	check "the family has the 15 tests this runner knows" test "$n" = 15
	check "the target is still up after the family" iscsi-inq "$URL"
	stop "$PID" 10
	check "SIGTERM exits 0" test "$RC" = 0
	check "no sanitizer report" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error' '$LAST_LOG'"
fi
summary
