#!/usr/bin/env bash
# protocol-csv.sh PROTOCOL.LOG: the verdict lines of an `isim protocol`
# log as conformance CSV rows (test,result,seconds,detail), the test named
# protocol.<id> and the detail "§SECTION LEVEL: detail".
set -euo pipefail
echo "test,result,seconds,detail"
awk '/^(PASS|FAIL|NA) +[a-z0-9]+\.[a-z0-9.-]+ / {
	v = $1; id = $2; sec = $3; lvl = $4; t = $5; sub(/s$/, "", t)
	d = $0; sub(/^[A-Z]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +/, "", d)
	gsub(/"/, "\"\"", d)
	printf "protocol.%s,%s,%s,\"§%s %s: %s\"\n", id, v, t, sec, lvl, d
}' "$1"
