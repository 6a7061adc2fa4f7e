#!/usr/bin/env bash
# harness.sh: what `make run` executes after the build. Runs the harness on
# its embedded default target, our reference target, through the three user
# journeys, then writes the report:
#   1. scenarios    the failover scenario library in the simulator
#                   (scenarios/run.sh, every timeline drawn)
#   2. swarm        RUN_SWARM_SEEDS (200) seeded simulated worlds
#                   (isim swarm --seeds 1..N --jobs $(nproc))
#   3. conformance  libiscsi's iscsi-test-cu, the quick selection
#                   (conformance/quick.txt), against a reftarget started on
#                   loopback inside a loopback-only network namespace
#                   (conformance/run.sh execs tools/netns-run.sh)
#   4. netfuzz      the network fuzzer (isim netfuzz, fuzz/README.md) against
#                   a reftarget in a loopback-only namespace for
#                   RUN_NETFUZZ_SECONDS (25), seed 1, under a supervisor
#                   (fuzz/scripts/netfuzz-peer.sh): fails on any finding
#
# Journey outputs go to $BUILD/run/<journey>/, the report to
# $BUILD/report/ (index.html, self-contained; report.md), both made by
# tools/report-html.sh from those files. Prints one line when a journey
# starts and ends, a progress line every PROGRESS_S seconds while it runs,
# then the report's path and a three-line summary. Exit status: 0 iff every
# journey passed; the report is written either way. Builds nothing itself.
#
# The machine budget (issue 10): at most 5 minutes after the build on 2
# cores. Measured here (2 cores shared with other work; 81 s of CPU in all):
# 1 min 48 s at load 2.5 (scenarios 36 s, 200 worlds 42 s, conformance
# 24 s, report and its browser check 4 s), 3 min 37 s at load 8-12
# (91 + 84 + 31 + 6 s). 300 worlds would leave too little room under load.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
BUILD=${BUILD:-build}
ISIM=$BUILD/rel/isim
REFTARGET=$BUILD/rel/reftarget
RUN=$BUILD/run
REPORT=$BUILD/report
SWARM_SEEDS=${RUN_SWARM_SEEDS:-200}
NETFUZZ_SECONDS=${RUN_NETFUZZ_SECONDS:-25}
JOBS=$(nproc)
# A progress line at least this often during a journey (issue 10: ~20 s).
PROGRESS_S=10
# The quick selection: one test name a line, "#" starts a comment.
QUICK=conformance/quick.txt
# Where the reftarget listens inside its namespace: it needs three ports
# from here (two portals and the CHAP target, conformance/targets/reftarget.sh).
PORT_FIRST=3260

for bin in "$ISIM" "$REFTARGET"; do
	[ -x "$bin" ] || { echo "harness.sh: $bin is missing: run make run (it builds first)" >&2; exit 2; }
done
case "$SWARM_SEEDS" in '' | *[!0-9]* | 0) echo "harness.sh: RUN_SWARM_SEEDS must be a positive integer" >&2; exit 2 ;; esac

rm -rf "$RUN"
mkdir -p "$RUN/scenarios" "$RUN/swarm" "$RUN/conformance" "$RUN/netfuzz"
RUN_ABS=$(cd "$RUN" && pwd)
: >"$RUN/journeys.tsv"

say() { printf '[run %(%H:%M:%S)T] %s\n' -1 "$*"; }

# The journey running now, in a process group of its own (set -m), so that
# an interrupt stops it and everything it started (the reftarget included)
# by that group's id; conformance/run.sh's own trap also stops its target.
set -m
current=
stop_current() {
	[ -n "$current" ] && kill -TERM -- "-$current" 2>/dev/null
	current=
}
trap 'stop_current; say "interrupted"; exit 130' INT TERM
trap 'stop_current' EXIT

# journey NAME PROGRESS_FN REPLAY CMD...: run CMD in the background, its
# stdout and stderr in $RUN/NAME/out.txt and err.txt; every PROGRESS_S
# seconds print PROGRESS_FN's line; record "NAME rc wall_s REPLAY" in
# journeys.tsv (REPLAY: the command that runs this journey again).
journey() {
	local name=$1 progress_fn=$2 replay=$3 t0=$SECONDS rc next
	shift 3
	say "$name: start"
	"$@" >"$RUN/$name/out.txt" 2>"$RUN/$name/err.txt" &
	current=$!
	next=$((SECONDS + PROGRESS_S))
	while kill -0 "$current" 2>/dev/null; do
		sleep 1
		if [ $SECONDS -ge $next ] && kill -0 "$current" 2>/dev/null; then
			say "$name: $($progress_fn) ($((SECONDS - t0)) s)"
			next=$((SECONDS + PROGRESS_S))
		fi
	done
	wait "$current"
	rc=$?
	current=
	printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" "$replay" >>"$RUN/journeys.tsv"
	return $rc
}

# last_progress FILE: the last "\r"-separated progress text a tool wrote.
last_progress() {
	tr '\r' '\n' <"$1" 2>/dev/null | grep -v '^ *$' | tail -n 1 | sed 's/^\[[a-z]*\] *//; s/  */ /g; s/ *$//'
}
# "[scenarios] 15/46  NAME (seeds 1..8)  ..." -> "15/46 runs done, now NAME (seeds 1..8)"
progress_scenarios() {
	last_progress "$RUN/scenarios/err.txt" | sed 's/^\([0-9]*\/[0-9]*\) \(.*\) [^ ]*$/\1 runs done, now \2/'
}
# "[swarm] 39/200 worlds  0 failed  135x sim/wall per core  9.8s" -> "39/200 worlds done, 0 failed"
progress_swarm() { last_progress "$RUN/swarm/err.txt" | sed -E 's/ (seeds|worlds) / worlds done, /; s/ failed .*/ failed/'; }
progress_conformance() {
	local n current
	n=$(grep -cE '^(PASS|FAIL|SKIP|HANG) +[0-9.]+s ' "$RUN/conformance/out.txt" 2>/dev/null)
	# The running test's log is the newest one (libiscsi-cu.sh opens it first).
	current=$(ls -t "$RUN"/conformance/work/reftarget/*/cu-logs/*.log 2>/dev/null | head -n 1)
	current=$(basename "${current:-starting}" .log)
	echo "$n/$(wc -l <"$RUN/conformance/selected.txt") tests done, now $current"
}

# "progress: 120 cases in 10 s (12.0/s), 0 findings" -> "120 cases, 0 findings"
progress_netfuzz() {
	sed -n 's/^progress: \([0-9]*\) cases .*, \([0-9]*\) findings.*/\1 cases, \2 findings/p' \
		"$RUN/netfuzz/reftarget.out" 2>/dev/null | tail -n 1 | grep . || echo "starting"
}

status=0

# 1. The scenario library, every timeline drawn for the report.
journey scenarios progress_scenarios "make scenarios SCENARIOS_OUT=$RUN/scenarios" \
	env SCENARIOS_SVG=all LOGS="$RUN/scenarios/logs" scenarios/run.sh "$ISIM" "$RUN/scenarios" || status=1
say "scenarios: $(grep '^summary:' "$RUN/scenarios/out.txt" | sed 's/^summary: //' || echo 'no summary')"

# 2. The swarm.
journey swarm progress_swarm "$ISIM swarm --seeds 1..$SWARM_SEEDS --jobs $JOBS" \
	"$ISIM" swarm --seeds "1..$SWARM_SEEDS" --jobs "$JOBS" || status=1
say "swarm: $(grep '^summary:' "$RUN/swarm/out.txt" | sed 's/^summary: //' || echo 'no summary')"

# 3. Conformance, the quick selection, in a loopback-only namespace; the
# reftarget takes the first three free ports from PORT_FIRST there (in a
# new namespace that is PORT_FIRST itself: a target the user serves on the
# host, `make serve`, is not in the way).
sed 's/#.*//' "$QUICK" | awk 'NF { print $1 }' >"$RUN/conformance/selected.txt"
in_netns() { # CMD...: pick the ports, then run CMD with REFTARGET_PORT set
	local p=$PORT_FIRST
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || (exec 3<>"/dev/tcp/127.0.0.1/$((p + 1))") 2>/dev/null ||
		(exec 3<>"/dev/tcp/127.0.0.1/$((p + 2))") 2>/dev/null; do
		p=$((p + 3))
	done
	REFTARGET_PORT=$p exec "$@"
}
export -f in_netns
export PORT_FIRST
conf_args=(-t reftarget -s cu -f "@$QUICK" -o "$RUN/conformance" -r conformance/results)
journey conformance progress_conformance "CONF_BAR=conformance/bar-selection.conf conformance/run.sh ${conf_args[*]}" \
	tools/netns-run.sh env BUILD="$BUILD" CONF_WORK="$RUN_ABS/conformance/work" \
	CONF_BAR=conformance/bar-selection.conf bash -c 'in_netns "$@"' in_netns conformance/run.sh "${conf_args[@]}" || status=1
say "conformance: $(awk -F, 'NR > 1 { n++; c[$2]++ } END { printf "%d tests, %d PASS / %d FAIL / %d SKIP / %d HANG", n, c["PASS"], c["FAIL"], c["SKIP"], c["HANG"] }' "$RUN/conformance/reftarget.csv" 2>/dev/null || echo 'no result')"

# 4. The network fuzzer, a smoke run against reftarget in its own namespace.
journey netfuzz progress_netfuzz "make netfuzz-peers PEERS=reftarget SECONDS=$NETFUZZ_SECONDS" \
	tools/netns-run.sh env BUILD="$BUILD" NETFUZZ_FAIL_ON_FINDING=1 \
	fuzz/scripts/netfuzz-peer.sh reftarget "$NETFUZZ_SECONDS" "$RUN_ABS/netfuzz" || status=1
say "netfuzz: $(grep '^netfuzz: [0-9]* cases in' "$RUN/netfuzz/reftarget.out" 2>/dev/null | sed 's/^netfuzz: //' || echo 'no result')"

# The report, from the files above.
say "report: writing $REPORT"
ISIM="$ISIM" tools/report-html.sh "$RUN" "$REPORT" || { say "report: could not be written"; exit 2; }
# The report is checked in a real browser, as `make test` checks the
# generator (tools/tests/report-browser.sh): every table and image there,
# nothing fetched, nothing logged.
if command -v chromium >/dev/null; then
	if BUILD="$BUILD" SCREENSHOT=0 tools/tests/report-browser.sh --check "$REPORT/index.html" >"$RUN/report-check.txt" 2>&1; then
		say "report: renders in Chromium: $(sed -n 's/.*: ok (\(.*\))$/\1/p' "$RUN/report-check.txt")"
	else
		say "report: does NOT render as it should in Chromium:"
		sed 's/^/    /' "$RUN/report-check.txt"
		status=1
	fi
else
	say "report: not checked in a browser (chromium is not installed; tools/deps.sh installs it)"
fi
echo
echo "report: $REPORT/index.html (Markdown: $REPORT/report.md)"
cat "$REPORT/summary.txt"
exit $status
