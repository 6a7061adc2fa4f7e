#!/usr/bin/env bash
# libiscsi-cu.sh WORK OUT.csv [REGEX | @LIST]: libiscsi's iscsi-test-cu, one
# test per process, against the target described by WORK/target.env.
#
# Owns the per-test verdict. Each test of the SCSI and iSCSI families (230
# in libiscsi 1.19.0; ALL is the same set) runs alone under `timeout`, so a
# hang costs one test, not the run, with -d (destructive tests, and clearing
# leftover PR keys), -S (SANITIZE), two initiator names (-i/-I, for the
# reservation tests) and URL2, a second portal to the same LU (MultipathIO).
# The verdict comes from CUnit's text output, never from --xml (which loses
# skips) nor from the exit code:
#   HANG  the test outlived CONF_TEST_TIMEOUT seconds (30, or the target's
#         TEST_TIMEOUT in WORK/target.env when it is slow by construction;
#         a test that waits on purpose has its own, SLOW below); after
#         CONF_HANGS_MAX (5) hangs in a row, or CONF_SUITE_BUDGET seconds
#         (1200, or the target's SUITE_BUDGET), the remaining tests are
#         FAIL "not run";
#   FAIL  CUnit counted a failed test or assert, or the run never reached
#         CUnit's summary (could not log in, crashed);
#   SKIP  the test printed [SKIPPED] or called CU_PASS, which CUnit counts as
#         passed; cu_skip.so (LD_PRELOAD) makes the silent CU_PASS visible;
#   PASS  otherwise.
# Writes OUT.csv: test,result,seconds,detail. REGEX (grep -E) narrows the
# test list, default all; @LIST names a file of test names, one a line.
# `libiscsi-cu.sh --list` prints every test name; `libiscsi-cu.sh --verdict
# LOG RC` classifies one saved output and prints "RESULT<TAB>detail".
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
# Per test: the slowest measured here take 6 s (LIO under TCG).
TIMEOUT=${CONF_TEST_TIMEOUT:-30}
# Per suite run: 230 tests take 30-100 s on a healthy target.
BUDGET=${CONF_SUITE_BUDGET:-1200}
HANGS_MAX=${CONF_HANGS_MAX:-5}
# Tests that wait longer than TIMEOUT on purpose, with their own limit:
# Sanitize.Reset polls TEST UNIT READY every 60 s until the sanitize it
# started has ended (test_sanitize_reset.c), so it needs two polls.
declare -A SLOW=([SCSI.Sanitize.Reset]=150)
# The suite binary; the harness's self-test substitutes a fake.
CU_BIN=${CONF_TEST_CU:-iscsi-test-cu}

# every_test: the test names, one a line. The family prefix names a test
# uniquely; ALL and LINUX repeat the same tests under other names.
every_test() {
	"$CU_BIN" --list | grep -E '^(SCSI|iSCSI)\.[^.]+\.[^.]+$' | sort -u
}

# verdict LOG RC: print "RESULT<TAB>detail" for one test's output.
verdict() {
	local log=$1 rc=$2 row failed_tests failed_asserts detail
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		printf 'HANG\tno result within %ss\n' "$TIMEOUT"
		return
	fi
	row=$(grep -E '^ +tests +[0-9]' "$log" | tail -n 1 || true)
	if [ -z "$row" ]; then
		detail=$(grep -v '^$' "$log" | tail -n 1 | cut -c1-160 || true)
		printf 'FAIL\tno CUnit summary (exit %s): %s\n' "$rc" "$detail"
		return
	fi
	# "tests Total Ran Passed Failed Inactive": a test that never ran
	# (its suite's setup failed) did not pass.
	if [ "$(awk '{print $3}' <<<"$row")" = 0 ]; then
		printf 'FAIL\tdid not run (suite setup failed)\n'
		return
	fi
	failed_tests=$(awk '{print $5}' <<<"$row")
	failed_asserts=$(grep -E '^ +asserts +[0-9]' "$log" | awk '{print $5}' | tail -n 1 || true)
	if [ "$failed_tests" != 0 ] || [ "${failed_asserts:-0}" != 0 ]; then
		# CUnit lists failures as "  1. file.c:LINE  - condition".
		detail=$(grep -m 1 -E '^ +[0-9]+\. .*:[0-9]+ +- ' "$log" |
			sed -E 's/^ +[0-9]+\. +//; s/ +- /: /' | cut -c1-160 || true)
		printf 'FAIL\t%s\n' "$detail"
		return
	fi
	# Only what the test itself printed counts, between CUnit's "Test: X
	# ..." and its "passed"/"FAILED": iscsi-test-cu's start-up probe prints
	# "[SKIPPED] REPORT_SUPPORTED_OPCODES is not implemented" before it (LIO),
	# and its teardown "[SKIPPED] PERSISTENT RESERVE IN is not implemented"
	# after it (a target without PR). libiscsi's own "[FAILED]" is not
	# CUnit's word.
	local body
	body=$(sed -n '/^  Test: /,/^Run Summary/p' "$log" | awk '
		{ text = text $0 "\n" }
		END {
			rest = text; cut = 0
			while ((i = match(rest, /passed|FAILED/)) > 0) {
				if (cut + i == 1 || substr(text, cut + i - 1, 1) != "[") {
					cut = cut + i - 1
					printf "%s", substr(text, 1, cut)
					exit
				}
				cut += i + RLENGTH - 1
				rest = substr(rest, i + RLENGTH)
			}
			printf "%s", text
		}')
	detail=$(grep -m 1 -E '\[SKIPPED\]|\[CU_SKIP_MARKER\]' <<<"$body" |
		sed -E 's/.*\[SKIPPED\] *//; s/.*\[CU_SKIP_MARKER\] *//' | cut -c1-160 || true)
	if grep -qE '\[SKIPPED\]|\[CU_SKIP_MARKER\]' <<<"$body"; then
		printf 'SKIP\t%s\n' "$detail"
		return
	fi
	printf 'PASS\t\n'
}

# --verdict LOG RC: classify one saved output (conformance/tests/selftest.sh).
if [ "${1:-}" = --verdict ]; then
	verdict "$2" "$3"
	exit 0
fi
if [ "${1:-}" = --list ]; then
	every_test
	exit 0
fi
conf_require_netns

WORK=${1:?usage: libiscsi-cu.sh WORK OUT.csv [REGEX | @LIST]}
OUT=${2:?usage: libiscsi-cu.sh WORK OUT.csv [REGEX | @LIST]}
SELECT=${3:-.}
SHIM=$BUILD/conformance/cu_skip.so
[ -f "$SHIM" ] || conf_die "missing $SHIM (conformance/run.sh builds it)"
URL=$(conf_env_get "$WORK" URL)
URL2=$(conf_env_get "$WORK" URL2)
# A target slow by construction (lio-tcmu: every command crosses into
# tcmu-runner in a TCG guest) names its own per-test limit and suite
# budget; CONF_TEST_TIMEOUT and CONF_SUITE_BUDGET still win.
t=$(conf_env_get "$WORK" TEST_TIMEOUT)
[ -z "$t" ] || [ -n "${CONF_TEST_TIMEOUT:-}" ] || TIMEOUT=$t
t=$(conf_env_get "$WORK" SUITE_BUDGET)
[ -z "$t" ] || [ -n "${CONF_SUITE_BUDGET:-}" ] || BUDGET=$t
# CONF_MULTIPATH=0 leaves URL2 out: the MultipathIO tests then skip.
[ "${CONF_MULTIPATH:-1}" = 1 ] || URL2=
LOGS=$WORK/cu-logs
mkdir -p "$LOGS"

if [ "${SELECT#@}" != "$SELECT" ]; then
	mapfile -t tests <"${SELECT#@}"
else
	mapfile -t tests < <(every_test | grep -E -- "$SELECT" || true)
fi
[ "${#tests[@]}" -gt 0 ] || conf_die "no test matches $SELECT"

csv_field() { local s=${1//\"/\"\"}; printf '"%s"' "$s"; }

echo "test,result,seconds,detail" >"$OUT.tmp"
declare -A count=([PASS]=0 [FAIL]=0 [SKIP]=0 [HANG]=0)
t_all=$SECONDS
hangs_in_a_row=0
stopped=
n_done=0
for t in "${tests[@]}"; do
	n_done=$((n_done + 1))
	log=$LOGS/$t.log
	t0=$EPOCHREALTIME
	rc=0
	# A target that stopped answering, or a run over budget, must not hold
	# CI for hours: the remaining tests are recorded as not run.
	if [ "$hangs_in_a_row" -ge "$HANGS_MAX" ] || [ $((SECONDS - t_all)) -ge "$BUDGET" ]; then
		stopped=${stopped:-"not run: $HANGS_MAX hangs in a row or ${BUDGET}s budget spent"}
	fi
	if [ -n "${stopped:-}" ]; then
		echo "$stopped" >"$log"
		rc=125
	else
		# --foreground: the test stays in our process group, so that whoever
		# stops this run by its group (tools/harness.sh) stops the test too;
		# timeout's own group would outlive us by up to its limit.
		LD_PRELOAD=$SHIM timeout --foreground -k 5 "${SLOW[$t]:-$TIMEOUT}" "$CU_BIN" -d -S \
			-i "$CONF_INITIATOR" -I "$CONF_INITIATOR2" -t "$t" "$URL" ${URL2:+"$URL2"} \
			</dev/null >"$log" 2>&1 || rc=$?
	fi
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	IFS=$'\t' read -r result detail < <(TIMEOUT=${SLOW[$t]:-$TIMEOUT} verdict "$log" "$rc")
	count[$result]=$((count[$result] + 1))
	if [ "$result" = HANG ]; then hangs_in_a_row=$((hangs_in_a_row + 1)); else hangs_in_a_row=0; fi
	printf '%s,%s,%s,%s\n' "$t" "$result" "$secs" "$(csv_field "$detail")" >>"$OUT.tmp"
	# [done/total] makes the line a progress line too (make test shows
	# the last one while the step runs).
	printf '%-4s %5ss [%d/%d] %s %s\n' "$result" "$secs" "$n_done" "${#tests[@]}" "$t" "$detail"
done
mv "$OUT.tmp" "$OUT"
echo "result: ${#tests[@]} tests, ${count[PASS]} PASS / ${count[FAIL]} FAIL / ${count[SKIP]} SKIP / ${count[HANG]} HANG in $((SECONDS - t_all))s"
