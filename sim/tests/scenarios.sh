#!/usr/bin/env bash
# scenarios.sh ISIM FILE...: each scenario's `expect` line must hold
# (`isim run --scenario` exits 0 exactly when it does).
set -uo pipefail
isim=$1
shift
pass=0 fail=0
for f in "$@"; do
	if out=$("$isim" run --scenario "$f" 2>&1); then
		pass=$((pass + 1))
		echo "PASS $f"
	else
		fail=$((fail + 1))
		echo "FAIL $f"
		echo "$out" | tail -4
	fi
done
echo "summary: $pass scenarios met their expectation, $fail did not"
[ "$fail" -eq 0 ]
