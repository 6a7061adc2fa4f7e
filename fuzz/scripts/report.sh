#!/usr/bin/env bash
# report.sh HARNESS...: where fuzzing stands (make fuzz-report), written to
# $BUILD/fuzz/results/fuzz.md for REPORT.md (tools/report.sh; make publish
# copies it into fuzz/results/):
#   - exec/s and edges/features: each harness under libFuzzer for
#     FUZZ_REPORT_SECONDS (20) from its corpus, ASan+UBSan as always; then
#     without sanitizers (the fast build) from the corpus, and from nothing
#     with inputs of at most 512 bytes: what the parser itself costs;
#   - line coverage of ref_target/ (llvm-cov, source-based): the coverage
#     build replaying the checked-in corpus and the work corpus of long runs
#     ($BUILD/fuzz/work), per harness and for all of them together;
#   - corpus size; the latest long runs: those of this build
#     ($BUILD/fuzz/results/runs, make fuzz) and, for a harness and engine
#     without one, the published ones (fuzz/results/runs).
set -uo pipefail
. "$(dirname "$0")/env.sh"
secs=${FUZZ_REPORT_SECONDS:-20}
out=$FZ_RESULTS/fuzz.md
cov=$FZ/report
rm -rf "$cov"
mkdir -p "$cov" "$FZ_RESULTS"
IGNORE='(^|/)(fuzz|tests)/'

lines_cover() { # profdata objects...: "covered/total (pct%)" of ref_target lines
	local prof=$1 first=$2
	shift 2
	local objs=()
	for o in "$@"; do objs+=(-object "$o"); done
	llvm-cov report "$first" "${objs[@]}" -instr-profile="$prof" -ignore-filename-regex="$IGNORE" 2>/dev/null |
		awk '/^TOTAL/ { lines = $8; missed = $9; pct = $10 } END { printf "%d/%d (%s)", lines - missed, lines, pct }'
}

rows=()
bins=()
for h in "$@"; do
	work=$cov/$h
	mkdir -p "$work/new"
	seeds=$(fuzz_seed_dir "$h" "$work")
	# shellcheck disable=SC2046
	"$FZ/lf/$h" $(fuzz_lf_flags "$h") -max_total_time="$secs" "$work/new" "$seeds" \
		>"$work/lf.log" 2>&1
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/lf.log")
	mkdir -p "$work/fast" "$work/small"
	# shellcheck disable=SC2046
	"$FZ/fast/$h" $(fuzz_lf_flags "$h") -max_total_time="$secs" "$work/fast" "$seeds" \
		>"$work/fast.log" 2>&1
	fast=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fast.log")
	"$FZ/fast/$h" -dict="$DICT" -max_len=512 -max_total_time="$secs" -print_final_stats=1 "$work/small" \
		>"$work/small.log" 2>&1
	small=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/small.log")
	last=$(grep -E '^#[0-9]+' "$work/lf.log" | tail -n 1)
	edges=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	dirs=("$seeds")
	[ -d "$FZ_WORK/$h/corpus" ] && dirs+=("$FZ_WORK/$h/corpus")
	LLVM_PROFILE_FILE="$work/%p.profraw" "$FZ/cov/$h" "${dirs[@]}" >/dev/null 2>"$work/replay.log"
	llvm-profdata merge -sparse "$work"/*.profraw -o "$work/$h.profdata"
	lines=$(lines_cover "$work/$h.profdata" "$FZ/cov/$h")
	files=$(find "$seeds" -type f | wc -l)
	kib=$(du -sk "$seeds" | cut -f1)
	rows+=("| $h | ${rate:-?} | ${fast:-?} | ${small:-?} | ${edges:-?} | ${ft:-?} | $lines | $files | $kib |")
	bins+=("$FZ/cov/$h")
done
llvm-profdata merge -sparse "$cov"/*/*.profraw -o "$cov/all.profdata"
all=$(lines_cover "$cov/all.profdata" "${bins[@]}")
{
	echo "Fuzzing at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
		"$(date -u +%Y-%m-%d), $(nproc) cores, ${secs} s per measurement. exec/s: libFuzzer with" \
		"ASan+UBSan from the checked-in corpus; fast: no sanitizer, same corpus; small: no" \
		"sanitizer, inputs of at most 512 bytes from nothing (the cost of the code under test" \
		"itself). edges/features: libFuzzer's counters (engine and harness code, oracles" \
		"excluded); lines: ref_target/ lines the corpus (checked-in plus the work corpus of" \
		"long runs) reaches, llvm-cov."
	echo
	echo "| harness | exec/s | fast exec/s | small exec/s | edges | features | ref_target lines | corpus files | corpus KiB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	echo "| all | | | | | | $all | | |"
	# this build's runs, then the published ones it has no newer run for;
	# only of the harnesses reported (not fuzz/tests' test-only ones)
	declare -A run_file reported
	for h in "$@"; do reported[$h]=1; done
	for f in "$FUZZ_DIR"/results/runs/*.txt "$FZ_RESULTS"/runs/*.txt; do
		[ -e "$f" ] && [ -n "${reported[$(sed -n 's/^harness=//p' "$f")]:-}" ] && run_file[$(basename "$f")]=$f
	done
	if [ ${#run_file[@]} -gt 0 ]; then
		echo
		echo "Long runs (\`make fuzz HARNESS=x ENGINE=y SECONDS=n\`, the latest of each):"
		echo
		echo "| harness | engine | seconds | execs | exec/s | edges | corpus | crashes+hangs | open findings seen |"
		echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
		for name in $(printf '%s\n' "${!run_file[@]}" | sort); do
			f=${run_file[$name]}
			(
				declare -A v
				while IFS='=' read -r k val; do v[$k]=$val; done <"$f"
				echo "| ${v[harness]:-?} | ${v[engine]:-?} | ${v[seconds]:-?} | ${v[execs]:-?} |" \
					"${v[exec_per_sec]:-?} | ${v[edges]:-?} | ${v[corpus]:-?} |" \
					"${v[crashes_and_hangs]:-?} | ${v[open_findings]:-} |"
			)
		done
	fi
} >"$out"
cat "$out"
