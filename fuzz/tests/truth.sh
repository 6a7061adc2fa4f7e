#!/usr/bin/env bash
# truth.sh: make fuzz tells the truth (make fuzz-truth, a make test step).
# With the test-only harnesses of fuzz/tests (FUZZ_TEST=1; they link no
# engine, so they build in seconds), in a build folder of its own
# ($BUILD/fuzz-truth) so that their results never mix with the project's:
#   - a planted crash (harness planted: an ASan heap-buffer-overflow on an
#     input starting with 'P') makes make fuzz exit non-zero, under both
#     engines, and it prints the crash file, the sanitizer's first frames
#     (the planted function) and a replay command that does replay it;
#   - a run without a crash (harness quiet) exits 0 and says so;
#   - an unknown HARNESS or ENGINE lists the valid ones and fails; a bad
#     SECONDS, a missing binary: "cannot start", exit 2;
#   - a harness without a corpus folder gets a seed folder in its work
#     folder, and fuzz/corpus is left alone;
#   - SECONDS reaches make fuzz-report (and make fuzz);
#   - after every command the checkout is as it was (tools/clean-run.sh),
#     crashes and work corpora are under the build folder.
# TRUTH_SECONDS (20): the budget of a crashing run; the planted crash is
# found in about a second, so the run must end long before it.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
TB=$BUILD/fuzz-truth
SECS=${TRUTH_SECONDS:-20}
OUT=$(mktemp -d /tmp/fuzz-truth.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
rm -rf "$TB"
passed=0 failed=0

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL $1"
	[ -s "$OUT/last" ] && sed 's/^/    | /' "$OUT/last" | tail -n 25
}
# run NAME CMD...: CMD (through clean-run.sh), output in $OUT/last, status in RC.
run() {
	local name=$1
	shift
	tools/clean-run.sh "$@" >"$OUT/last" 2>&1
	RC=$?
	if grep -q '^clean-run:' "$OUT/last"; then fail "$name: leaves the checkout clean"; else pass "$name: leaves the checkout clean"; fi
}
expect() { # NAME CONDITION...
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
said() { grep -qF -- "$1" "$OUT/last"; }

shipped=$(for f in fuzz/harness_*.c; do f=${f#fuzz/harness_}; echo "${f%.c}"; done | sort | tr '\n' ' ')
shipped=${shipped% }

# Names make fuzz does not know.
run "unknown HARNESS" make -s fuzz BUILD="$TB" HARNESS=nope
expect "unknown HARNESS fails" test "$RC" -ne 0
expect "unknown HARNESS lists the valid ones" said "unknown HARNESS=nope; valid: $shipped"
run "test harness without FUZZ_TEST" make -s fuzz BUILD="$TB" HARNESS=planted
expect "a test-only harness is not a valid HARNESS" said "unknown HARNESS=planted; valid: $shipped"
run "unknown ENGINE" make -s fuzz BUILD="$TB" FUZZ_TEST=1 HARNESS=quiet ENGINE=libfuzz
expect "unknown ENGINE fails, listing the valid ones" \
	bash -c "[ $RC -ne 0 ] && grep -qF 'unknown ENGINE=libfuzz; valid: libfuzzer afl' '$OUT/last'"
run "bad SECONDS" make -s fuzz BUILD="$TB" FUZZ_TEST=1 HARNESS=quiet SECONDS=10m
expect "bad SECONDS: cannot start" \
	bash -c "[ $RC -ne 0 ] && grep -qF \"cannot start: SECONDS must be a whole number of seconds above 0, not '10m'\" '$OUT/last'"
run "missing binary" env BUILD="$TB/nothing" fuzz/scripts/run.sh quiet libfuzzer 5 1
expect "missing binary: exit 2, cannot start" bash -c "[ $RC -eq 2 ] && grep -qF 'cannot start: no fuzz target' '$OUT/last'"

# SECONDS reaches both commands, each with its own default.
dry() { make -n -s "$@" BUILD="$TB" 2>/dev/null | grep -E 'fuzz/scripts/(run|report)\.sh' >"$OUT/last"; }
dry fuzz-report SECONDS=600
expect "make fuzz-report SECONDS=600 measures 600 s" said "FUZZ_REPORT_SECONDS=600 fuzz/scripts/report.sh"
dry fuzz-report
expect "make fuzz-report without SECONDS measures 20 s" said "FUZZ_REPORT_SECONDS=20 fuzz/scripts/report.sh"
dry fuzz FUZZ_TEST=1 HARNESS=quiet SECONDS=42
expect "make fuzz SECONDS=42 runs 42 s" said "fuzz/scripts/run.sh quiet libfuzzer 42 1"
dry fuzz FUZZ_TEST=1 HARNESS=quiet
expect "make fuzz without SECONDS runs 600 s" said "fuzz/scripts/run.sh quiet libfuzzer 600 1"

# A run that finds nothing.
run "quiet run" make -s fuzz BUILD="$TB" FUZZ_TEST=1 HARNESS=quiet SECONDS=3
expect "no crash: exit 0" test "$RC" -eq 0
expect "no crash: it says so" said "fuzz quiet: libfuzzer ran 3 s: no crash, no hang"
expect "no crash: the summary is under the build folder" \
	grep -qx 'crashes_and_hangs=0' "$TB/fuzz/results/runs/quiet-libfuzzer.txt"
expect "no corpus folder: one is made in the work folder" test -s "$TB/fuzz/work/quiet/seeds/newline"
expect "no corpus folder: it says so" said "no checked-in corpus (fuzz/corpus/quiet): starting from $TB/fuzz/work/quiet/seeds"
expect "no corpus folder: fuzz/corpus is left alone" test ! -e fuzz/corpus/quiet

# The planted crash, under libFuzzer.
t0=$(date +%s)
run "planted crash (libFuzzer)" make -s fuzz BUILD="$TB" FUZZ_TEST=1 HARNESS=planted SECONDS="$SECS"
took=$(($(date +%s) - t0))
expect "planted crash: make fuzz exits non-zero" test "$RC" -ne 0
expect "planted crash: the run stops at the crash (${took} s of $SECS)" test "$took" -lt "$SECS"
expect "planted crash: FOUND" said "fuzz planted: FOUND 1 crash(es) or hang(s) with libfuzzer"
crash=$(sed -n 's/^  crash file: //p' "$OUT/last" | head -n 1)
expect "planted crash: the crash file is printed and under the build folder" \
	bash -c "[[ '$crash' == $TB/fuzz/crashes/planted/crash-* ]] && [ -s '$crash' ]"
expect "planted crash: the stack names the planted function" \
	grep -qE '#0 0x[0-9a-f]+ in planted_overflow .*fuzz/tests/harness_planted.c' "$OUT/last"
expect "planted crash: the sanitizer's verdict is printed" \
	said "SUMMARY: AddressSanitizer: heap-buffer-overflow"
replay=$(sed -n 's/^  replay: //p' "$OUT/last" | head -n 1)
expect "planted crash: the replay command is printed" test "$replay" = "$TB/fuzz/lf/planted $crash"
cp "$OUT/last" "$OUT/libfuzzer"
# shellcheck disable=SC2086 # the printed command, as a user would paste it
$replay >"$OUT/last" 2>&1
replay_rc=$?
expect "planted crash: the replay command replays it" \
	bash -c "[ $replay_rc -ne 0 ] && grep -q 'heap-buffer-overflow' '$OUT/last'"
expect "planted crash: the summary counts it" \
	grep -qx 'crashes_and_hangs=1' "$TB/fuzz/results/runs/planted-libfuzzer.txt"

# The same under AFL++, when it is installed (tools/deps.sh installs it).
if command -v afl-fuzz >/dev/null && command -v afl-clang-fast >/dev/null; then
	run "planted crash (AFL++)" make -s fuzz BUILD="$TB" FUZZ_TEST=1 HARNESS=planted ENGINE=afl SECONDS=10
	expect "AFL++ planted crash: make fuzz exits non-zero" test "$RC" -ne 0
	expect "AFL++ planted crash: FOUND" said "with afl"
	expect "AFL++ planted crash: the stack names the planted function" grep -q 'in planted_overflow' "$OUT/last"
	expect "AFL++ planted crash: a replay command" grep -qE "^  replay: $TB/fuzz/lf/planted $TB/fuzz/crashes/planted/afl-" "$OUT/last"
else
	echo "SKIP AFL++ planted crash: afl-fuzz or afl-clang-fast not installed"
fi

expect "no fuzz/crashes or fuzz/work in the checkout" test ! -e fuzz/crashes -a ! -e fuzz/work
echo "summary: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
