#!/usr/bin/env bash
# run.sh HARNESS ENGINE SECONDS JOBS: a long fuzzing run (make fuzz).
#   ENGINE libfuzzer  $BUILD/fuzz/lf/<h> (ASan+UBSan), JOBS > 1 forks workers
#   ENGINE afl        afl-fuzz on $BUILD/fuzz/afl/<h> (ASan+UBSan through
#                     AFL++'s libFuzzer driver), JOBS > 1 adds secondaries
# Everything it writes is under $BUILD/fuzz: the corpus grows in work/<h>/
# (fuzz/scripts/minimize.sh merges it into fuzz/corpus/<h>), crashes land
# in crashes/<h>/, the summary in results/runs/<h>-<engine>.txt (make
# fuzz-report reads it, make publish copies it into fuzz/results/runs).
# A harness without a checked-in corpus starts from a seed folder made in
# its work folder. Prints a progress line every FUZZ_PROGRESS_SECONDS (10).
#
# FUZZ_RUNS_DIR puts the summary elsewhere than results/runs/ (the
# campaign's slices, fuzz/scripts/campaign.sh, which must not replace the
# long runs' summaries); FUZZ_AFL_FOREIGN=DIR makes afl-fuzz import DIR's
# inputs as it goes (-F: the campaign's merged corpus, libFuzzer's finds).
#
# Exit status: 0 the run ended without a crash or hang; 1 it found at least
# one, and each (up to FUZZ_SHOW_MAX, 3) is printed: the file, the
# sanitizer's first frames (replayed through the libFuzzer build) and the
# command that replays it; 2 it could not start (unknown engine, a binary
# missing, a bad number, a fuzzer that stopped without leaving an input).
set -uo pipefail
. "$(dirname "$0")/env.sh"
h=${1:-} engine=${2:-} secs=${3:-} jobs=${4:-1}
every=${FUZZ_PROGRESS_SECONDS:-10}
show_max=${FUZZ_SHOW_MAX:-3}

cannot_start() {
	echo "fuzz $h: cannot start: $*" >&2
	exit 2
}
case $engine in
libfuzzer | afl) ;;
*) cannot_start "unknown engine '$engine' (libfuzzer or afl)" ;;
esac
[[ $secs =~ ^[1-9][0-9]*$ ]] || cannot_start "SECONDS must be a whole number of seconds above 0, not '$secs'"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || cannot_start "JOBS must be a whole number above 0, not '$jobs'"
lf=$FZ/lf/$h
if [ -z "$h" ] || [ ! -x "$lf" ]; then # make fuzz builds the binary of every name it accepts
	cannot_start "no fuzz target $lf (make fuzz HARNESS=<name> builds it)"
fi
if [ "$engine" = afl ]; then
	command -v afl-fuzz >/dev/null || cannot_start "afl-fuzz is not installed (tools/deps.sh installs afl++)"
	[ -x "$FZ/afl/$h" ] || cannot_start "no AFL++ target $FZ/afl/$h"
fi

work=$FZ_WORK/$h
crashes=$FZ_CRASHES/$h
runs=${FUZZ_RUNS_DIR:-$FZ_RESULTS/runs}
mkdir -p "$work/corpus" "$crashes" "$runs"
seeds=$(fuzz_seed_dir "$h" "$work")
log=$work/$engine.log
summary=$runs/$h-$engine.txt
stamp=$work/.run-start
: >"$stamp"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT INT TERM

# wait_progress LINE-FUNCTION: until the first fuzzer ends, a progress
# line every $every seconds (polling each second, so a crash found at
# once ends the wait at once).
wait_progress() {
	local start now last_print
	start=$(date +%s)
	last_print=$start
	while kill -0 "${pids[0]}" 2>/dev/null; do
		sleep 1
		now=$(date +%s)
		if [ $((now - last_print)) -ge "$every" ]; then
			last_print=$now
			"$1" $((secs - (now - start)))
		fi
	done
}

found=() # the inputs this run left, crash or hang
if [ "$engine" = afl ]; then
	export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_AUTORESUME=1
	export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:symbolize=0:allocator_may_return_null=1"
	out=$work/afl
	log=$work/afl-main.log
	foreign=()
	[ -n "${FUZZ_AFL_FOREIGN:-}" ] && foreign=(-F "$FUZZ_AFL_FOREIGN")
	afl() { # NAME ROLE
		local f=()
		[ "$2" = -M ] && f=("${foreign[@]}")
		afl-fuzz -i "$seeds" -o "$out" -x "$DICT" -m none -t 2000 -V "$secs" "$2" "$1" "${f[@]}" \
			-- "$FZ/afl/$h" >"$work/afl-$1.log" 2>&1 &
		pids+=($!)
	}
	afl main -M
	for i in $(seq 2 "$jobs"); do afl "s$i" -S; done
	stats=$out/main/fuzzer_stats
	stat() { sed -n "s/^$1 *: *//p" "$stats" 2>/dev/null | head -n 1; }
	afl_progress() {
		printf 'fuzz %s afl: %4s s left  %s exec/s  %s execs  edges %s  corpus %s  crashes %s  hangs %s\n' \
			"$h" "$1" "$(stat execs_per_sec)" "$(stat execs_done)" "$(stat bitmap_cvg)" \
			"$(stat corpus_count)" "$(stat saved_crashes)" "$(stat saved_hangs)"
	}
	wait_progress afl_progress
	wait "${pids[0]}"
	rc=$?
	wait
	while IFS= read -r f; do
		copy=$crashes/afl-$(sha1sum "$f" | cut -c1-16)
		cp "$f" "$copy"
		found+=("$copy")
	done < <(find "$out" \( -path '*/crashes/id:*' -o -path '*/hangs/id:*' \) -newer "$stamp" | sort)
	printf '%s\n' "harness=$h" "engine=afl" "seconds=$secs" "jobs=$jobs" "exit=$rc" "execs=$(stat execs_done)" \
		"exec_per_sec=$(stat execs_per_sec)" "edges=$(stat bitmap_cvg)" "corpus=$(stat corpus_count)" \
		"crashes_and_hangs=${#found[@]}" >"$summary"
else
	fork=()
	[ "$jobs" -gt 1 ] && fork=(-fork="$jobs" -ignore_crashes=0)
	# In a subshell that outlives the fuzzer: bash's own "Aborted" notice
	# of a crashing fuzzer then goes to the log, not to the terminal.
	# shellcheck disable=SC2046
	("$lf" $(fuzz_lf_flags "$h") -max_total_time="$secs" "${fork[@]}" \
		-artifact_prefix="$crashes/" "$work/corpus" "$seeds"; exit $?) >"$log" 2>&1 &
	pids+=($!)
	lf_progress() { # "#N NEW cov: C ft: F corp: K/S lim: L exec/s: E rss: R"
		local last
		last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
		printf 'fuzz %s libfuzzer: %4s s left  %s exec/s  %s execs  edges %s  corpus %s\n' "$h" "$1" \
			"$(sed -n 's/.* exec\/s: \([0-9]*\).*/\1/p' <<<"$last")" "$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")" \
			"$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" "$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
	}
	wait_progress lf_progress
	wait "${pids[0]}"
	rc=$?
	while IFS= read -r f; do
		[ -e "$f" ] && found+=("$f")
	done < <(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | sort -u)
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	printf '%s\n' "harness=$h" "engine=libfuzzer" "seconds=$secs" "jobs=$jobs" "exit=$rc" \
		"execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")" \
		"exec_per_sec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")" \
		"edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")" \
		"corpus=$(find "$work/corpus" -type f | wc -l)" \
		"crashes_and_hangs=${#found[@]}" \
		"open_findings=$(grep -o 'open finding F[0-9]*' "$log" | sed 's/open finding //' | sort -u | tr '\n' ' ')" \
		>"$summary"
fi
trap - EXIT INT TERM
cat "$summary"

if [ ${#found[@]} -eq 0 ]; then
	if [ "$rc" -ne 0 ]; then
		echo "fuzz $h: FAILED: $engine stopped with status $rc and left no input; the end of $log:" >&2
		tail -n 15 "$log" | sed 's/^/    /' >&2
		exit 2
	fi
	echo "fuzz $h: $engine ran ${secs} s: no crash, no hang (summary: $summary)"
	exit 0
fi

echo "fuzz $h: FOUND ${#found[@]} crash(es) or hang(s) with $engine (exit $rc); inputs in $crashes/"
shown=0
for f in "${found[@]}"; do
	if [ $shown -eq "$show_max" ]; then
		echo "  ... and $((${#found[@]} - shown)) more in $crashes/"
		break
	fi
	shown=$((shown + 1))
	replay_log=$work/replay-$(basename "$f").log
	# symbolized whatever the engine ran with (AFL++ runs without)
	{ ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:symbolize=1 timeout -k 5 60 \
		"$lf" -timeout=10 -rss_limit_mb=4096 -artifact_prefix="$work/replay-" "$f" >"$replay_log" 2>&1; } 2>/dev/null
	echo "  crash file: $f"
	echo "  stack (the sanitizer's first frames; whole report in $replay_log):"
	excerpt=$(fuzz_stack_excerpt "$replay_log")
	[ -n "$excerpt" ] || excerpt=$(fuzz_stack_excerpt "$log")
	sed 's/^/    /' <<<"${excerpt:-(the replay reported nothing: a hang or a flaky input; see $log)}"
	echo "  replay: $lf $f"
done
exit 1
