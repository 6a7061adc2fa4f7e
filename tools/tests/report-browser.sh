#!/usr/bin/env bash
# report-browser.sh: the HTML report of `make run` checked in a real browser
# (headless Chromium, Debian's `chromium`), the `report-browser` step of
# `make test`.
#
#   tools/tests/report-browser.sh               the test: a report made by
#       tools/report-html.sh from fixed inputs (tools/tests/report-fixture)
#       passes the check, and each of seven broken copies of it fails it
#   tools/tests/report-browser.sh --check FILE  check one report (`make run`
#       checks its own), against the counts the page says it has
#
# The check (check_report): Chromium loads the page from file:// inside a
# loopback-only network namespace (tools/netns-run.sh) and dumps the DOM
# after the load event. The page's inline script has then written into
# #selfcheck how many tables and images (inline SVG) it found, how many of
# the images have no rendered size, how many resources it fetched and how
# many script errors it saw; the check wants "selfcheck ok" with the
# counts it was given, counts the <table> and <svg> elements of the dumped
# DOM itself, wants no console message of the page in Chromium's log
# (CONSOLE lines; those of Chromium's own chrome:// pages do not count),
# no id used twice, and no src=, <link>, url( or @import in the file. The
# dumped DOMs and a screenshot of each good report (SCREENSHOT=0: none)
# are left in $BUILD/report-browser/ for a person to look at.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
WORK=$BUILD/report-browser
# Chromium starts in 1-3 s here; a page that does not load in this many
# seconds fails.
CHROMIUM_TIMEOUT_S=60
FIXTURE=tools/tests/report-fixture
# What the report of the fixture has (tools/tests/report-fixture/README.md).
FIXTURE_TABLES=7
FIXTURE_SVGS=3

command -v chromium >/dev/null || { echo "report-browser: chromium is not installed (tools/deps.sh installs it)" >&2; exit 2; }
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# chromium_run OUTPUT_PREFIX ARGS...: headless Chromium with nothing of its
# own going on (no sync, updates, first-run, QUIC), a fresh profile, in the
# loopback-only namespace: nothing it loads can come from elsewhere.
chromium_run() {
	local prefix=$1 profile rc
	shift
	profile=$(mktemp -d)
	timeout -k 5 "$CHROMIUM_TIMEOUT_S" tools/netns-run.sh chromium --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" \
		>"$prefix.out" 2>"$prefix.err"
	rc=$?
	rm -rf "$profile"
	return $rc
}

# check_report FILE TABLES SVGS: 0 iff FILE renders with TABLES tables and
# SVGS images, each with a size, fetches nothing and logs nothing. Prints
# what it found; "-" for TABLES/SVGS takes the page's own data-* counts.
check_report() {
	local file=$1 want_t=$2 want_s=$3 name prefix selfcheck n bad=0 url
	name=$(basename "$file" .html)
	prefix=$WORK/$name
	[ -s "$file" ] || { echo "  $name: $file is missing or empty"; return 1; }
	url=file://$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
	if ! chromium_run "$prefix" --virtual-time-budget=5000 --dump-dom "$url"; then
		echo "  $name: chromium failed (log: $prefix.err)"
		return 1
	fi
	mv "$prefix.out" "$prefix.dom.html"
	[ "${SCREENSHOT:-1}" = 0 ] || chromium_run "$prefix.shot" --window-size=1400,2000 --screenshot="$prefix.png" "$url" || true
	[ "$want_t" != - ] || want_t=$(sed -n 's/.*id="selfcheck"[^>]*data-tables="\([0-9]*\)".*/\1/p' "$file")
	[ "$want_s" != - ] || want_s=$(sed -n 's/.*id="selfcheck"[^>]*data-svgs="\([0-9]*\)".*/\1/p' "$file")
	selfcheck=$(grep -o 'selfcheck [^<]*' "$prefix.dom.html" | tail -n 1)
	case "$selfcheck" in
	"selfcheck ok: tables $want_t/$want_t, images $want_s/$want_s,"*) ;;
	*) echo "  $name: the page's check: ${selfcheck:-no result (its script did not run)}; want ok with $want_t tables, $want_s images"; bad=1 ;;
	esac
	n=$(grep -o '<table[ >]' "$prefix.dom.html" | wc -l)
	[ "$n" = "$want_t" ] || { echo "  $name: $n tables in the DOM, want $want_t"; bad=1; }
	n=$(grep -o '<svg[ >]' "$prefix.dom.html" | wc -l)
	[ "$n" = "$want_s" ] || { echo "  $name: $n images (svg) in the DOM, want $want_s"; bad=1; }
	# Chromium's own pages (source: chrome://...) log too: not the report's.
	grep 'CONSOLE' "$prefix.err" | grep -v 'source: chrome://' >"$prefix.console" || true
	n=$(wc -l <"$prefix.console")
	[ "$n" = 0 ] || { echo "  $name: the page logged $n console message(s):"; sed 's/^/    /' "$prefix.console" | head -n 5; bad=1; }
	# Every timeline has the same ids (gw0, ...): the report prefixes them.
	n=$(grep -oE ' id="[^"]*"' "$prefix.dom.html" | sort | uniq -d | wc -l)
	[ "$n" = 0 ] || { echo "  $name: $n id(s) used more than once in the page"; bad=1; }
	n=$(grep -oiE '<link[ >]|[ <]src=|url\(|@import' "$file" | wc -l)
	[ "$n" = 0 ] || { echo "  $name: $n reference(s) to external resources in the file"; bad=1; }
	[ $bad = 1 ] || echo "  $name: ok ($selfcheck)"
	return $bad
}

if [ "${1:-}" = --check ]; then
	[ $# -eq 2 ] || { echo "usage: report-browser.sh [--check FILE]" >&2; exit 2; }
	check_report "$2" - -
	exit $?
fi

passed=0 failed=0
expect() { # NAME WANT(0|1) GOT
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1 (want $2, got $3)"
	fi
}

# The report of the fixture.
rep=$WORK/fixture
rm -rf "$rep"
ISIM=build/rel/isim tools/report-html.sh "$FIXTURE" "$rep" >"$WORK/report-html.log" 2>&1
expect report-html-writes-the-report 0 $?
good=$WORK/good.html
cp "$rep/index.html" "$good"
check_report "$good" "$FIXTURE_TABLES" "$FIXTURE_SVGS"
expect fixture-report-renders-every-table-and-image 0 $?

# What the report says, from the fixture.
has() { grep -qF -- "$2" "$1" && echo 0 || echo 1; }
expect summary-conformance "0" "$(has "$rep/summary.txt" 'conformance 1/5 passed (3 failed, 1 skipped; quick selection): FAILED (exit 1)')"
expect summary-scenarios "0" "$(has "$rep/summary.txt" 'scenarios 3/5 met their expectation: FAILED (exit 1)')"
expect summary-swarm "0" "$(has "$rep/summary.txt" 'swarm 200 seeds 2 failed (13188 simulated s in 95.2 wall s): FAILED (exit 1)')"
expect summary-netfuzz "0" "$(has "$rep/summary.txt" 'netfuzz 212 cases in 25.0 s against reftarget, 1 findings: FAILED (exit 1)')"
# Twins (one number) side by side: the first row holds both 01 timelines, the next only 02.
pairs=$(awk '/<div class="pair">/ { n++ } /<div class="timeline"/ { c[n]++ } END { for (i = 1; i <= n; i++) printf "%d ", c[i] }' "$good")
expect scenario-twins-side-by-side "2 1 " "$pairs"
expect summary-is-four-lines 4 "$(wc -l <"$rep/summary.txt")"
expect conformance-fail-has-replay 0 "$(has "$rep/report.md" "conformance/run.sh -t reftarget -s cu -f '^SCSI\.Read10\.Simple\$'")"
expect conformance-not-run-is-a-row 0 "$(has "$rep/report.md" '| SCSI.Write10.Simple | NOT RUN |')"
expect scenario-family-replay-from-log 0 "$(has "$rep/report.md" 'build/rel/isim run --scenario scenarios/01-stale-write-fencing-off.scn --seeds 3..3')"
expect scenario-without-row-is-listed 0 "$(has "$rep/report.md" '| 99-crashes | ? | no result (see its log)')"
expect swarm-failure-replay 0 "$(has "$rep/report.md" '`build/rel/isim run --seed 123`')"
expect swarm-never-reached-named 0 "$(has "$rep/report.md" '1 (mpath.no_path_fail)')"
expect netfuzz-finding-has-replay 0 "$(has "$rep/report.md" '`build/rel/isim netfuzz --url iscsi://127.0.0.1:3400/iqn.2026-12.org.iscsi-sim:netfuzz/0 --replay build/run/netfuzz/reftarget/finding-1-crash-dataout.case`')"
expect markdown-links-timelines 0 "$(has "$rep/report.md" '[svg](timelines/02-alua-explicit-drains.svg)')"
expect timelines-copied 3 "$(ls "$rep/timelines" | wc -l)"
# Text from the inputs is escaped: the detail's <b> is text, not an element.
expect html-escapes-input 0 "$(has "$WORK/good.dom.html" '&lt;b&gt;sense&lt;/b&gt; &amp; more')"
expect html-no-element-from-input 0 "$(grep -c '<b>' "$WORK/good.dom.html")"

# Each broken copy must fail the check: the check can fail.
broken() { # NAME SED-SCRIPT: a copy of the good report with SED-SCRIPT applied
	local rc=0
	# A copy that is not broken (no good report, or the edit missed) would
	# make this pass for the wrong reason.
	if [ ! -s "$good" ] || ! sed -e "$2" "$good" >"$WORK/broken-$1.html" || cmp -s "$good" "$WORK/broken-$1.html"; then
		expect "check-fails-on-$1 (the broken copy could not be made)" 1 0
		return
	fi
	SCREENSHOT=0 check_report "$WORK/broken-$1.html" "$FIXTURE_TABLES" "$FIXTURE_SVGS" || rc=$?
	expect "check-fails-on-$1" 1 $rc
}
# The first timeline's <svg>...</svg> deleted.
broken missing-image '0,/<svg /{/<svg /,/<\/svg>/d}'
# The conformance table (one line from <table> to </table>) deleted.
broken missing-table '/<th>test<\/th>/d'
broken invisible-image '0,/<svg /s/<svg /<svg style="display:none" /'
broken script-error 's|<h1>|<script>noSuchFunction();</script><h1>|'
broken console-error 's|<h1>|<script>console.error("lost");</script><h1>|'
broken duplicate-id 's|<h1>|<p id="selfcheck-dup"></p><p id="selfcheck-dup"></p><h1>|'
broken external-image 's|<h1>|<img src="http://192.0.2.1/x.png" alt=""><h1>|'


echo "summary: report-browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
