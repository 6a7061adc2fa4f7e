#!/usr/bin/env bash
# test.sh: the `make test` runner. Runs every test step, each logged to
# $BUILD/test-logs/<step>.log, prints one line per step and a final summary
# line. A failing step shows the end of its log. Exit status: 0 iff all pass.
set -uo pipefail
BUILD=${BUILD:-build}
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
STEPS=()
passed=0
failed=0
failed_names=()
start_all=$(date +%s)
TABLE=$LOGS/summary.md.tmp
printf "| step | result | seconds | detail |\n|---|---|---:|---|\n" >"$TABLE"

PROGRESS_EVERY=${PROGRESS_EVERY:-20}

# watch NAME LOG T0: while a step runs, every PROGRESS_EVERY seconds, print
# the last line its log holds (the tools write "[done/total] ..." or
# "N s left" lines for this). Runs in the background; the step itself stays
# in the foreground, so Ctrl-C and signals reach it as before.
watch() {
	local line
	trap 'exit 0' TERM
	while sleep "$PROGRESS_EVERY"; do
		line=$(tail -c 2000 "$2" 2>/dev/null | tr '\r' '\n' | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c 1-100)
		printf '%-28s ....  %4ss  %s\n' "$1" "$(($(date +%s) - $3))" "$line"
	done
}

# step NAME COMMAND...: run one step, record its result and a one-line detail
# (the last line of its log that looks like a summary).
step() {
	local name=$1; shift
	local log=$LOGS/$name.log t0 t1 rc detail
	t0=$(date +%s)
	: >"$log"
	watch "$name" "$log" "$t0" 2>/dev/null &
	local watcher=$!
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	pkill -P "$watcher" 2>/dev/null # its sleep: the loop then ends
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	t1=$(date +%s)
	printf '%-28s ' "$name"
	detail=$(grep -E '^[0-9]+%: Checks|^(SUMMARY|summary|result)[: ]' "$log" | tail -n 1)
	printf '| %s | %s | %s | %s |\n' "$name" "$([ $rc -eq 0 ] && echo PASS || echo "FAIL ($rc)")" \
		"$((t1 - t0))" "$(printf '%s' "$detail" | tr '|' '/')" >>"$TABLE"
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf 'PASS  %4ss  %s\n' "$((t1 - t0))" "$detail"
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		printf 'FAIL  %4ss  %s (exit %d)\n' "$((t1 - t0))" "$detail" "$rc"
		sed 's/^/    | /' "$log" | tail -n 40
	fi
}

step unit "$BUILD/rel/unit_tests"
step unit-asan "$BUILD/asan/unit_tests"
step unit-valgrind env CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect "$BUILD/rel/unit_tests"
for t in ref_target/tests/integration/*.sh; do
	[ -e "$t" ] || continue
	step "integration-$(basename "$t" .sh)" tools/netns-run.sh env BUILD="$BUILD" "$t"
done
# Each area adds its steps in its own file (tools/test-steps.d/NN-area.sh),
# sourced in name order; a file calls `step NAME COMMAND...`.
for f in tools/test-steps.d/*.sh; do
	[ -e "$f" ] || continue
	# shellcheck source=/dev/null
	. "$f"
done

end_all=$(date +%s)
total=$((passed + failed))
mv "$TABLE" "$LOGS/summary.md"
echo "make test at $(git rev-parse --short HEAD 2>/dev/null || echo unknown): $passed of $total steps passed in $((end_all - start_all)) s" >"$LOGS/summary.txt"
if [ $failed -eq 0 ]; then
	echo "SUMMARY: $passed/$total test steps passed, 0 failed ($((end_all - start_all))s)"
	exit 0
fi
echo "SUMMARY: $passed/$total test steps passed, $failed failed: ${failed_names[*]} ($((end_all - start_all))s)"
exit 1
