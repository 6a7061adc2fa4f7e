#!/usr/bin/env bash
# coverage.sh: turn the .gcda files of the coverage build into an lcov
# report of ref_target/ and a Markdown summary per directory
# ($BUILD/coverage/summary.md, included by REPORT.md).
set -euo pipefail
BUILD=${BUILD:-build}
OUT=$BUILD/coverage
mkdir -p "$OUT"
lcov -q --capture --directory "$BUILD/gcov" --base-directory . --rc lcov_branch_coverage=1 \
	-o "$OUT/all.info" 2>/dev/null
lcov -q --extract "$OUT/all.info" "$PWD/ref_target/*" --rc lcov_branch_coverage=1 -o "$OUT/rt.info" 2>/dev/null
lcov -q --remove "$OUT/rt.info" "$PWD/ref_target/tests/*" --rc lcov_branch_coverage=1 -o "$OUT/rt.info" 2>/dev/null
genhtml -q --branch-coverage -o "$OUT/html" "$OUT/rt.info" >/dev/null 2>&1 || true
{
	echo "| directory | lines | functions | branches |"
	echo "|---|---:|---:|---:|"
	for d in core scsi backstore daemon; do
		lcov -q --extract "$OUT/rt.info" "$PWD/ref_target/$d/*" --rc lcov_branch_coverage=1 \
			-o "$OUT/$d.info" 2>/dev/null || continue
		lcov --summary "$OUT/$d.info" --rc lcov_branch_coverage=1 2>&1 | awk -v d="ref_target/$d" '
			/lines\.\.\./ { n = $3 " " $4 " " $5; gsub(/\(/, "", n); l = $2 " (" n ")" }
			/functions\.\./ { f = $2 }
			/branches\.\.\./ { b = $2 }
			END { printf "| %s | %s | %s | %s |\n", d, l, f, b }'
	done
	lcov --summary "$OUT/rt.info" --rc lcov_branch_coverage=1 2>&1 | awk '
		/lines\.\.\./ { n = $3 " " $4 " " $5; gsub(/\(/, "", n); l = $2 " (" n ")" }
		/functions\.\./ { f = $2 }
		/branches\.\.\./ { b = $2 }
		END { printf "| **all of ref_target** | %s | %s | %s |\n", l, f, b }'
} >"$OUT/summary.md"
cat "$OUT/summary.md"
echo "coverage: html report in $OUT/html/index.html"
