#!/usr/bin/env bash
# coverage.sh: run the unit tests and the integration tests against the
# gcov build ($BUILD/gcov/unit_tests, $BUILD/gcov/reftarget), turn the .gcda
# files into an lcov report of ref_target/ and write:
#   $BUILD/coverage/summary.md    per directory (included by REPORT.md)
#   $BUILD/coverage/uncovered.md  every function with an uncovered line,
#                                 with its reason from ref_target/tests/UNCOVERED.md
#   $BUILD/coverage/html/         genhtml
#   $BUILD/coverage/logs/         one log per test program
# Exit 1 when a test fails, when lines or branches are under MIN_LINES or
# MIN_BRANCHES (%), when a function with uncovered lines has no reason in
# UNCOVERED.md, or when a reason there names nothing uncovered any more:
# the list of what is not tested cannot go stale without failing this.
#
# Environment: BUILD (build), INTEGRATION (1: run
# ref_target/tests/integration/*.sh, each inside tools/netns-run.sh),
# MIN_LINES (95), MIN_BRANCHES (85).
set -euo pipefail
BUILD=${BUILD:-build}
INTEGRATION=${INTEGRATION:-1}
MIN_LINES=${MIN_LINES:-95}
MIN_BRANCHES=${MIN_BRANCHES:-85}
REASONS=ref_target/tests/UNCOVERED.md
OUT=$BUILD/coverage
LCOV=(lcov -q --rc lcov_branch_coverage=1)
rm -rf "$OUT/logs"
mkdir -p "$OUT/logs"
find "$BUILD/gcov" -name '*.gcda' -delete

problems=()
# run NAME CMD...: a test program; its output goes to logs/NAME.log
run() {
	local name=$1
	shift
	if "$@" >"$OUT/logs/$name.log" 2>&1; then
		echo "coverage: $name passed"
	else
		echo "coverage: $name FAILED (log: $OUT/logs/$name.log)"
		tail -n 20 "$OUT/logs/$name.log" | sed 's/^/    | /'
		problems+=("test $name failed")
	fi
}

run unit "$BUILD/gcov/unit_tests"
if [ "$INTEGRATION" = 1 ]; then
	# The scripts pick the daemon from REFTARGET (daemon_valgrind.sh from
	# REFTARGET_REL): both the gcov build here. A daemon writes its counts
	# when it exits normally (a drained SIGTERM); libgcov merges the counts
	# of several processes under a file lock.
	for t in ref_target/tests/integration/*.sh; do
		run "integration-$(basename "$t" .sh)" tools/netns-run.sh env BUILD="$BUILD" \
			REFTARGET="$BUILD/gcov/reftarget" REFTARGET_REL="$BUILD/gcov/reftarget" "$t"
	done
	# the rbd backstore is reached only through a Ceph (make ceph-test)
	if grep -q bs_rbd_ops < <(nm "$BUILD/gcov/reftarget"); then
		run ceph env BUILD="$BUILD" REFTARGET="$BUILD/gcov/reftarget" tools/ceph-test.sh
	fi
fi

"${LCOV[@]}" --capture --directory "$BUILD/gcov" --base-directory . -o "$OUT/all.info" 2>/dev/null
"${LCOV[@]}" --extract "$OUT/all.info" "$PWD/ref_target/*" -o "$OUT/rt.info" 2>/dev/null
"${LCOV[@]}" --remove "$OUT/rt.info" "$PWD/ref_target/tests/*" -o "$OUT/rt.info" 2>/dev/null
genhtml -q --branch-coverage -o "$OUT/html" "$OUT/rt.info" >/dev/null 2>&1 || true

# rates FILE: "lines functions branches" as lcov --summary prints them
summary_row() {
	lcov --summary "$2" --rc lcov_branch_coverage=1 2>&1 | awk -v d="$1" '
		/lines\.\.\./ { n = $3 " " $4 " " $5; gsub(/\(/, "", n); l = $2 " (" n ")" }
		/functions\.\./ { f = $2 }
		/branches\.\.\./ { b = $2 " (" $3 " " $4 " " $5 ")"; gsub(/\(\(/, "(", b) }
		END { printf "| %s | %s | %s | %s |\n", d, l, f, b }'
}
{
	if [ "$INTEGRATION" = 1 ]; then
		echo "Unit tests and integration tests (ref_target/tests/integration/*.sh against the gcov build of reftarget)."
	else
		echo "Unit tests only (INTEGRATION=0)."
	fi
	echo
	echo "| directory | lines | functions | branches |"
	echo "|---|---:|---:|---:|"
	for d in core scsi backstore daemon; do
		"${LCOV[@]}" --extract "$OUT/rt.info" "$PWD/ref_target/$d/*" -o "$OUT/$d.info" 2>/dev/null || continue
		summary_row "ref_target/$d" "$OUT/$d.info"
	done
	summary_row "**all of ref_target**" "$OUT/rt.info"
} >"$OUT/summary.md"

# uncovered.md: one row per function with an uncovered line or branch,
# joined with the reasons in UNCOVERED.md ("| `key` | why |" rows), keyed by
# file:function, function, or file (path under ref_target/), in that order.
awk -v root="$PWD/ref_target/" -f tools/coverage-uncovered.awk "$OUT/rt.info" >"$OUT/uncovered.tsv"
awk -F'\t' -v reasons="$REASONS" -v unexplained="$OUT/unexplained.txt" -v stale="$OUT/stale.txt" '
	BEGIN {
		while ((getline l < reasons) > 0) {
			if (l !~ /^\| `[^`]+` \|/) continue
			k = l; sub(/^\| `/, "", k); sub(/`.*/, "", k)
			r = l; sub(/^\| `[^`]+` \| */, "", r); sub(/ *\| *$/, "", r)
			why[k] = r
		}
		printf "" > unexplained; printf "" > stale
		print "| file | function | uncovered lines | uncovered branches | why |"
		print "|---|---|---|---:|---|"
	}
	{
		file = $1; fn = $2; lines = $3; nbr = $4
		r = ""
		if ((file ":" fn) in why) { r = why[file ":" fn]; used[file ":" fn] = 1 }
		else if (fn in why) { r = why[fn]; used[fn] = 1 }
		else if (file in why) { r = why[file]; used[file] = 1 }
		else if (lines != "") { r = "**no reason given**"; print file " " fn > unexplained }
		printf "| %s | `%s` | %s | %s | %s |\n", file, fn, lines, nbr, r
	}
	END { for (k in why) if (!(k in used)) print k > stale }' "$OUT/uncovered.tsv" >"$OUT/uncovered.md"

cat "$OUT/summary.md"
echo "coverage: html report in $OUT/html/index.html, uncovered code in $OUT/uncovered.md"
read -r lines branches < <(lcov --summary "$OUT/rt.info" --rc lcov_branch_coverage=1 2>&1 |
	awk '/lines\.\.\./ { l = $2 } /branches\.\.\./ { b = $2 } END { sub(/%/, "", l); sub(/%/, "", b); print l, b }')
awk -v v="$lines" -v m="$MIN_LINES" 'BEGIN { exit !(v + 0 >= m + 0) }' ||
	problems+=("lines $lines% < $MIN_LINES%")
awk -v v="$branches" -v m="$MIN_BRANCHES" 'BEGIN { exit !(v + 0 >= m + 0) }' ||
	problems+=("branches $branches% < $MIN_BRANCHES%")
while read -r f fn; do
	problems+=("$f: $fn has uncovered lines and no reason in $REASONS")
done <"$OUT/unexplained.txt"
while read -r k; do
	problems+=("$REASONS: \`$k\` names nothing uncovered any more (delete its row)")
done <"$OUT/stale.txt"
if [ ${#problems[@]} -gt 0 ]; then
	printf 'coverage: %s\n' "${problems[@]}"
	exit 1
fi
echo "coverage: lines $lines% >= $MIN_LINES%, branches $branches% >= $MIN_BRANCHES%, every uncovered function has its reason"
