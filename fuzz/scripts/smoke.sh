#!/usr/bin/env bash
# smoke.sh HARNESS...: every harness under libFuzzer with ASan+UBSan for
# FUZZ_SMOKE_SECONDS each (make fuzz-smoke, part of make test), starting
# from its checked-in corpus (fuzz/corpus/<h>, read only: new inputs go to
# a scratch directory). A crash, leak, hang or oracle violation fails the
# step; its input is kept in $BUILD/fuzz/crashes/<h>/ to become a
# regression, and the step prints the command that replays it.
# One line per harness, then a summary line.
set -uo pipefail
. "$(dirname "$0")/env.sh"
SECONDS_EACH=${FUZZ_SMOKE_SECONDS:-45}
failed=()
total_execs=0
SMOKE_PROGRESS=${SMOKE_PROGRESS:-15}
n=0
for h in "$@"; do
	n=$((n + 1))
	work=$FZ/smoke/$h
	rm -rf "$work"
	mkdir -p "$work/corpus" "$FZ_CRASHES/$h"
	log=$work/fuzz.log
	seeds=$(fuzz_seed_dir "$h" "$work")
	# shellcheck disable=SC2046
	secs=$(fuzz_smoke_seconds "$h" "$SECONDS_EACH")
	("$FZ/lf/$h" $(fuzz_lf_flags "$h") -max_total_time="$secs" \
		-artifact_prefix="$FZ_CRASHES/$h/" "$work/corpus" "$seeds"; exit $?) >"$log" 2>&1 &
	pid=$!
	# A progress line every SMOKE_PROGRESS seconds: seconds left and the
	# exec/s of libFuzzer's last status line.
	t0=$SECONDS
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		if [ $(((SECONDS - t0) % SMOKE_PROGRESS)) -eq 0 ] && [ $((SECONDS - t0)) -gt 0 ]; then
			rate=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p')
			printf 'smoke %-8s [%d/%d] %ds left, %s exec/s\n' "$h" "$n" "$#" \
				"$((secs - (SECONDS - t0) > 0 ? secs - (SECONDS - t0) : 0))" "${rate:-?}"
		fi
	done
	wait "$pid"
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/edges \1, features \2/p')
	open=$(grep -o 'open finding F[0-9]*' "$log" | sort -u | tr '\n' ' ')
	total_execs=$((total_execs + ${execs:-0}))
	if [ $rc -eq 0 ]; then
		printf 'smoke %-8s OK    %6s execs, %5s exec/s, %s %s\n' "$h" "${execs:-?}" "${rate:-?}" "$cov" "${open:+($open)}"
	else
		failed+=("$h")
		printf 'smoke %-8s FAIL  exit %d\n' "$h" "$rc"
		fuzz_stack_excerpt "$log" | sed 's/^/    /'
		input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | head -n 1)
		if [ -n "$input" ]; then
			echo "    crash file: $input"
			echo "    replay: $FZ/lf/$h $input"
		fi
	fi
done
if [ ${#failed[@]} -eq 0 ]; then
	echo "result: $# harnesses fuzzed ${SECONDS_EACH}s each (capture: $(fuzz_smoke_seconds capture "$SECONDS_EACH")s), $total_execs inputs, no crash"
	exit 0
fi
echo "result: ${#failed[@]} of $# harnesses crashed: ${failed[*]}"
exit 1
