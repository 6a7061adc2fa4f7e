#!/usr/bin/env bash
# run.sh HARNESS ENGINE SECONDS JOBS: a long fuzzing run (make fuzz).
#   ENGINE libfuzzer  $BUILD/fuzz/lf/<h> (ASan+UBSan), JOBS > 1 forks workers
#   ENGINE afl        afl-fuzz on $BUILD/fuzz/afl/<h> (ASan+UBSan through
#                     AFL++'s libFuzzer driver), JOBS > 1 adds secondaries
# The corpus grows in fuzz/work/<h>/ (not checked in; fuzz/scripts/
# minimize.sh merges it into fuzz/corpus/<h>); crashes land in
# fuzz/crashes/<h>/. Prints a progress line every 10 s and writes a summary
# to fuzz/results/runs/<h>-<engine>.txt for make fuzz-report.
set -uo pipefail
. "$(dirname "$0")/env.sh"
h=$1 engine=$2 secs=$3 jobs=${4:-1}
work=$FUZZ_DIR/work/$h
crashes=$FUZZ_DIR/crashes/$h
mkdir -p "$work/corpus" "$crashes" "$FUZZ_DIR/results/runs"
log=$work/$engine.log
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT INT TERM

if [ "$engine" = afl ]; then
	export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_AUTORESUME=1
	export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:symbolize=0:allocator_may_return_null=1"
	out=$work/afl
	afl() { # NAME ROLE
		afl-fuzz -i "$FUZZ_DIR/corpus/$h" -o "$out" -x "$DICT" -m none -t 2000 -V "$secs" "$2" "$1" \
			-- "$FZ/afl/$h" >"$work/afl-$1.log" 2>&1 &
		pids+=($!)
	}
	afl main -M
	for i in $(seq 2 "$jobs"); do afl "s$i" -S; done
	stats=$out/main/fuzzer_stats
	stat() { sed -n "s/^$1 *: *//p" "$stats" 2>/dev/null | head -n 1; }
	start=$(date +%s)
	while kill -0 "${pids[0]}" 2>/dev/null; do
		sleep 10
		printf 'fuzz %s afl: %4ss/%ss  %s execs  %s exec/s  edges %s  corpus %s  crashes %s  hangs %s\n' \
			"$h" "$(($(date +%s) - start))" "$secs" "$(stat execs_done)" "$(stat execs_per_sec)" \
			"$(stat bitmap_cvg)" "$(stat corpus_count)" "$(stat saved_crashes)" "$(stat saved_hangs)"
	done
	wait
	for f in "$out"/*/crashes/id:* "$out"/*/hangs/id:*; do
		[ -e "$f" ] && cp "$f" "$crashes/afl-$(sha1sum "$f" | cut -c1-16)"
	done
	ncrash=$(find "$out" -path '*/crashes/id:*' -o -path '*/hangs/id:*' | wc -l)
	printf '%s\n' "harness=$h" "engine=afl" "seconds=$secs" "jobs=$jobs" "execs=$(stat execs_done)" \
		"exec_per_sec=$(stat execs_per_sec)" "edges=$(stat bitmap_cvg)" "corpus=$(stat corpus_count)" \
		"crashes_and_hangs=$ncrash" >"$FUZZ_DIR/results/runs/$h-afl.txt"
else
	fork=()
	[ "$jobs" -gt 1 ] && fork=(-fork="$jobs" -ignore_crashes=0)
	# shellcheck disable=SC2046
	"$FZ/lf/$h" $(fuzz_lf_flags "$h") -max_total_time="$secs" "${fork[@]}" \
		-artifact_prefix="$crashes/" "$work/corpus" "$FUZZ_DIR/corpus/$h" >"$log" 2>&1 &
	pids+=($!)
	start=$(date +%s)
	while kill -0 "${pids[0]}" 2>/dev/null; do
		sleep 10
		last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
		printf 'fuzz %s libfuzzer: %4ss/%ss  %s\n' "$h" "$(($(date +%s) - start))" "$secs" "$last"
	done
	wait "${pids[0]}"
	rc=$?
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	printf '%s\n' "harness=$h" "engine=libfuzzer" "seconds=$secs" "jobs=$jobs" "exit=$rc" \
		"execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")" \
		"exec_per_sec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")" \
		"edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" \
		"corpus=$(find "$work/corpus" -type f | wc -l)" \
		"crashes_and_hangs=$(grep -c 'Test unit written' "$log")" \
		"open_findings=$(grep -o 'open finding F[0-9]*' "$log" | sed 's/open finding //' | sort -u | tr '\n' ' ')" \
		>"$FUZZ_DIR/results/runs/$h-libfuzzer.txt"
fi
cat "$FUZZ_DIR/results/runs/$h-$engine.txt"
