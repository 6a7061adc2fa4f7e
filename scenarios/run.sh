#!/usr/bin/env bash
# run.sh ISIM OUTDIR [FILE.scn...]: replay the failover scenario library.
#
# Each scenario runs once at its own seed (isim run --scenario F); a file
# with a "# family: A..B" line also runs as a seed family (the same
# timeline, everything else drawn per seed). Prints a progress line, the
# table OUTDIR/table.md (scenario, expected, observed, simulated time,
# wall time) and a summary; OUTDIR/<name>.svg for the files that ask for a
# timeline ("# timeline: svg"), or for every file with SCENARIOS_SVG=all
# (`make run` draws them all for its report); $LOGS/<name>.log for each
# run (LOGS defaults to OUTDIR/logs). Exit status 0 iff every run met its
# expectation.
set -uo pipefail
isim=$1
out=$2
shift 2
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	files=("$(dirname "$0")"/[0-9]*.scn)
fi
logs=${LOGS:-$out/logs}
mkdir -p "$out" "$logs"
rows=$out/rows.tmp
: >"$rows"

# One run per file, plus one per family: count them for the progress line.
total=0
for f in "${files[@]}"; do
	total=$((total + 1))
	grep -q '^# family: ' "$f" && total=$((total + 1))
done

done_runs=0 met=0 failed_names=() violations_seen=0
t0=$(date +%s%N)
progress() { # NAME VERDICT
	printf '\r[scenarios] %d/%d  %-44s %-8s' "$done_runs" "$total" "$1" "$2" >&2
}

for f in "${files[@]}"; do
	name=$(basename "$f" .scn)
	args=(run --scenario "$f" --row "$rows")
	if [ "${SCENARIOS_SVG:-}" = all ] || grep -q '^# timeline: svg' "$f"; then
		args+=(--svg "$out/$name.svg")
	fi
	progress "$name" "..."
	expects_failure=0
	grep -q '^expect fail' "$f" && expects_failure=1
	if "$isim" "${args[@]}" >"$logs/$name.log" 2>&1; then
		met=$((met + 1))
		verdict=met
		violations_seen=$((violations_seen + expects_failure))
	else
		failed_names+=("$name")
		verdict=NOT-MET
	fi
	done_runs=$((done_runs + 1))
	progress "$name" "$verdict"
	family=$(sed -n 's/^# family: \([0-9]*\.\.[0-9]*\).*/\1/p' "$f" | head -n 1)
	[ -n "$family" ] || continue
	progress "$name (seeds $family)" "..."
	if "$isim" run --scenario "$f" --seeds "$family" --row "$rows" >"$logs/$name.family.log" 2>&1; then
		met=$((met + 1))
		verdict=met
		violations_seen=$((violations_seen + expects_failure))
	else
		failed_names+=("$name (seeds $family)")
		verdict=NOT-MET
	fi
	done_runs=$((done_runs + 1))
	progress "$name (seeds $family)" "$verdict"
done
printf '\n' >&2
wall=$((($(date +%s%N) - t0) / 1000000000))

{
	printf '%d runs of the failover scenario library (`make scenarios`, scenarios/README.md): %d met their expectation; %d of them expected an oracle or a bound to fail and saw it fail. Wall time %d s.\n\n' \
		"$done_runs" "$met" "$violations_seen" "$wall"
	printf '| scenario | expected | observed | simulated time | wall time |\n|---|---|---|---:|---:|\n'
	cat "$rows"
} >"$out/table.md"
rm -f "$rows"
cat "$out/table.md"
echo
for n in "${failed_names[@]}"; do
	echo "NOT MET: $n (log: $logs/${n%% *}.log)"
done
echo "summary: $met of $done_runs scenario runs met their expectation, $violations_seen expected violations observed (${wall} s)"
[ "$met" -eq "$done_runs" ]
