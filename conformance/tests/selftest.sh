#!/usr/bin/env bash
# selftest.sh: tests of the conformance harness itself, no target needed.
#
#   verdicts  libiscsi-cu.sh --verdict on canned CUnit outputs: each of
#             PASS, FAIL, SKIP ([SKIPPED] or the shim's marker), HANG, a
#             start-up or teardown [SKIPPED] that is not the test's, a
#             missing summary, a suite whose setup failed;
#   runner    libiscsi-cu.sh with a fake suite that hangs: each hang is
#             cut by the timeout, and after CONF_HANGS_MAX in a row the
#             rest are recorded as not run;
#   shim      cu_skip.so, preloaded into a program linked with CUnit, marks
#             a CU_PASS and nothing else;
#   matrix    matrix.sh on fixture results: a listed difference passes, an
#             unlisted one fails as NEW, a moved pair as CHANGED, NA rows
#             are not compared, a stale entry is reported; the lio-tcmu
#             section of the expected differences is its own, and a
#             recorded lio-tcmu column is not compared;
#   flavours  flavours.sh: the first matching rule wins, the rest run on
#             "file", a malformed rule is refused, and every flavour that
#             flavours.txt names is one reftarget.sh defines;
#   bar       bar.sh on fixture results: a listed skip passes, an unlisted
#             one or one on another flavour fails, the gap to tgt and LIO
#             and every FAIL are listed, an unlisted FAIL misses the bar,
#             the bar fails the run only when enforced, a passing listed
#             test is reported stale.
# Prints one line per check and "N passed, M failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "want '$2', got '$3'"; fi; }

# cunit_log FILE TESTS_ROW ASSERTS_ROW BODY: a CUnit 2.1 verbose output.
cunit_log() {
	cat >"$1" <<EOT
found matching LU device identifier for all (2) paths
$5

     CUnit - A unit testing framework for C - Version 2.1-3

Suite: Read10
  Test: Simple ...$4
Run Summary:    Type  Total    Ran Passed Failed Inactive
              suites      1      1    n/a      0        0
               tests      $2
             asserts      $3      n/a

Elapsed time =    0.010 seconds
EOT
}
verdict() { "$CONF_DIR/suites/libiscsi-cu.sh" --verdict "$1" "$2" | cut -f1; }

cunit_log "$T/pass" "1      1      1      0        0" "10     10     10      0" "passed" ""
expect verdict-pass PASS "$(verdict "$T/pass" 0)"
cunit_log "$T/fail" "1      1      0      1        0" "10     10      9      1" "FAILED
    1. test_read10_simple.c:55  - CU_ASSERT_EQUAL(ret,0)" ""
expect verdict-fail FAIL "$(verdict "$T/fail" 0)"
expect verdict-fail-detail "test_read10_simple.c:55: CU_ASSERT_EQUAL(ret,0)" \
	"$("$CONF_DIR/suites/libiscsi-cu.sh" --verdict "$T/fail" 0 | cut -f2)"
cunit_log "$T/skip" "1      1      1      0        0" "1      1      1      0" "
    [SKIPPED] READ10 is not implemented.
passed" ""
expect verdict-skip-printed SKIP "$(verdict "$T/skip" 0)"
cunit_log "$T/marker" "1      1      1      0        0" "1      1      1      0" "
[CU_SKIP_MARKER] test_read6_beyond_eol.c:42 CU_PASS(\"[SKIPPED] LUN too big\")
passed" ""
expect verdict-skip-silent SKIP "$(verdict "$T/marker" 0)"
cunit_log "$T/probe" "1      1      1      0        0" "10     10     10      0" "passed" \
	"    [SKIPPED] REPORT_SUPPORTED_OPCODES is not implemented."
expect verdict-startup-skip-is-not-the-tests PASS "$(verdict "$T/probe" 0)"
cunit_log "$T/teardown" "1      1      1      0        0" "10     10     10      0" "passed    [SKIPPED] PERSISTENT RESERVE IN is not implemented.
    [SKIPPED] PERSISTENT RESERVE IN is not implemented.
" ""
expect verdict-teardown-skip-is-not-the-tests PASS "$(verdict "$T/teardown" 0)"
cunit_log "$T/libfailed" "1      1      1      0        0" "3      3      3      0" "    [FAILED] READ10 got sense, retrying
    [SKIPPED] READ10 is not implemented.
passed" ""
expect verdict-libiscsi-failed-word-is-not-cunits SKIP "$(verdict "$T/libfailed" 0)"
echo "Login Failed. Failed to log in to target." >"$T/nosummary"
expect verdict-no-summary FAIL "$(verdict "$T/nosummary" 1)"
cunit_log "$T/setup" "1      0      0      0        0" "0      0      0      0" "" ""
expect verdict-setup-failed FAIL "$(verdict "$T/setup" 0)"
expect verdict-timeout HANG "$(verdict "$T/pass" 124)"

# The runner's loop, with a fake suite whose every test hangs: two HANGs,
# then the rest "not run" at once (CONF_HANGS_MAX=2), never 30 s each.
mkdir -p "$T/work"
echo "URL=iscsi://127.0.0.1:9/iqn.x/0" >"$T/work/target.env"
cat >"$T/fake-cu" <<'EOT'
#!/bin/sh
[ "$1" = --list ] && { printf 'SCSI\nSCSI.A\nSCSI.A.One\nSCSI.A.Two\nSCSI.A.Three\nSCSI.A.Four\n'; exit 0; }
exec sleep 100
EOT
chmod +x "$T/fake-cu"
# A build of its own: an empty stand-in for the shim (the fake suite never
# loads it) must not take the real one's place.
mkdir -p "$T/build/conformance"
cp /dev/null "$T/build/conformance/cu_skip.so"
t0=$SECONDS
BUILD=$T/build CONF_TEST_CU=$T/fake-cu CONF_TEST_TIMEOUT=1 CONF_HANGS_MAX=2 RT_IN_NETNS=1 \
	"$CONF_DIR/suites/libiscsi-cu.sh" "$T/work" "$T/hang.csv" >"$T/hang.out" 2>&1
expect runner-records-every-test 4 "$(tail -n +2 "$T/hang.csv" | wc -l)"
expect runner-hangs-then-stops "HANG HANG FAIL FAIL" "$(tail -n +2 "$T/hang.csv" | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//')"
expect runner-stops-waiting 1 "$([ $((SECONDS - t0)) -lt 20 ] && echo 1 || echo 0)"
printf 'SCSI.A.Two\nSCSI.A.Four\n' >"$T/list"
BUILD=$T/build CONF_TEST_CU=$T/fake-cu CONF_TEST_TIMEOUT=1 CONF_HANGS_MAX=9 RT_IN_NETNS=1 \
	"$CONF_DIR/suites/libiscsi-cu.sh" "$T/work" "$T/list.csv" "@$T/list" >"$T/list.out" 2>&1
expect runner-runs-the-listed-tests "SCSI.A.Two SCSI.A.Four" "$(tail -n +2 "$T/list.csv" | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')"

# The shim, in front of a stand-in for CUnit's CU_assertImplementation (the
# real one needs a running CUnit registry): it must mark CU_PASS only and
# hand every call on.
cat >"$T/fakecu.c" <<'EOT'
#include <stdio.h>
int CU_assertImplementation(int v, unsigned int line, const char *cond, const char *file,
			    const char *fn, int fatal);
int CU_assertImplementation(int v, unsigned int line, const char *cond, const char *file,
			    const char *fn, int fatal)
{
	(void)file; (void)fn; (void)fatal;
	printf("real %u %s\n", line, cond);
	return v;
}
EOT
cat >"$T/cu.c" <<'EOT'
int CU_assertImplementation(int, unsigned int, const char *, const char *, const char *, int);
int main(void)
{
	int a = CU_assertImplementation(1, 1, "CU_PASS(\"[SKIPPED] x\")", "t.c", "", 0);
	int b = CU_assertImplementation(0, 2, "CU_ASSERT_EQUAL(a,b)", "t.c", "", 0);
	return a == 1 && b == 0 ? 0 : 1;
}
EOT
shim=$T/cu_skip.so
if gcc -std=c11 -D_GNU_SOURCE -Wall -Werror -shared -fPIC -o "$shim" "$CONF_DIR/cu_skip.c" -ldl &&
	gcc -shared -fPIC -o "$T/libfakecu.so" "$T/fakecu.c" &&
	gcc -o "$T/cu" "$T/cu.c" -L"$T" -lfakecu -Wl,-rpath,"$T"; then
	out=$(LD_PRELOAD=$shim "$T/cu")
	expect shim-keeps-return-values 0 $?
	expect shim-marks-cu-pass 1 "$(grep -c '^\[CU_SKIP_MARKER\] t.c:1 CU_PASS' <<<"$out")"
	expect shim-marks-nothing-else 1 "$(grep -c CU_SKIP_MARKER <<<"$out")"
	expect shim-hands-every-call-on 2 "$(grep -c '^real ' <<<"$out")"
else
	bad shim-builds "gcc failed"
fi

# matrix.sh on fixtures: reftarget vs lio.
m=$T/m
mkdir -p "$m"
for t in reftarget lio; do printf 'target=%s\nstatus=ran\n' "$t" >"$m/$t.meta"; done
cat >"$m/reftarget.csv" <<'EOT'
test,result,seconds,flavour,detail
SCSI.A.Same,PASS,0.1,file,""
SCSI.B.Listed,PASS,0.1,file,""
SCSI.C.Moved,SKIP,0.1,thin,""
SCSI.D.New,FAIL,0.1,file,"x, with a comma"
tools.ls.discovery,PASS,0.1,file,""
SCSI.E.Stale,PASS,0.1,file,""
SCSI.F.Flaky,PASS,0.1,file,""
EOT
cat >"$m/lio.csv" <<'EOT'
test,result,seconds,flavour,detail
SCSI.A.Same,PASS,0.1,-,""
SCSI.B.Listed,FAIL,0.1,-,""
SCSI.C.Moved,PASS,0.1,-,""
SCSI.D.New,PASS,0.1,-,""
tools.ls.discovery,NA,0.0,-,""
SCSI.E.Stale,PASS,0.1,-,""
SCSI.F.Flaky,FAIL,0.1,-,""
EOT
cat >"$m/expected.md" <<'EOT'
| test | reftarget | lio | reason |
| --- | --- | --- | --- |
| SCSI.B.Listed | PASS | FAIL | LIO bug: SBC-3 §0 |
| SCSI.C.Moved | FAIL | PASS | our bug |
| SCSI.E.Stale | FAIL | PASS | our bug, since fixed |
| SCSI.F.Flaky | PASS | FAIL or PASS | LIO races its own logout |
EOT
CONF_EXPECTED=$m/expected.md "$CONF_DIR/matrix.sh" -o "$m" reftarget tgt lio >"$T/matrix.out" 2>&1
expect matrix-fails-on-unexplained 1 $?
row() { grep -F "| $1 |" "$m/summary.md" | awk -F'|' '{gsub(/^ +| +$/, "", $5); print $5}'; }
expect matrix-listed-is-expected expected "$(row SCSI.B.Listed)"
expect matrix-unlisted-is-new NEW "$(row SCSI.D.New)"
expect matrix-moved-pair-is-changed "CHANGED (listed FAIL/PASS)" "$(row SCSI.C.Moved)"
expect matrix-na-not-compared "" "$(row tools.ls.discovery)"
expect matrix-reports-stale 1 "$(grep -c 'no longer different.*SCSI.E.Stale' "$m/summary.md")"
expect matrix-alternatives-match expected "$(row SCSI.F.Flaky)"
expect matrix-csv-row "SCSI.D.New,FAIL,-,PASS,file" "$(grep '^SCSI.D.New,' "$m/matrix.csv")"
expect matrix-shows-the-flavour 1 "$(grep -c '| SCSI.C.Moved | SKIP (thin) |' "$m/summary.md")"
sed -i '/SCSI.D.New/d; /SCSI.C.Moved/d' "$m/reftarget.csv" "$m/lio.csv"
sed -i 's/^SCSI.F.Flaky,FAIL/SCSI.F.Flaky,PASS/' "$m/lio.csv"
CONF_EXPECTED=$m/expected.md "$CONF_DIR/matrix.sh" -o "$m" reftarget tgt lio >"$T/matrix.out" 2>&1
expect matrix-passes-when-all-explained 0 $?
expect matrix-alternative-equal-is-not-stale 0 "$(grep -c 'no longer different.*SCSI.F.Flaky' "$m/summary.md")"
# The lio-tcmu column against LIO: its own section of expected.md, "| test
# | lio | lio-tcmu |", kept apart from reftarget's rows of the same test;
# compared only when this run ran it.
cat >"$m/lio-tcmu.csv" <<'EOT'
test,result,seconds,flavour,detail
SCSI.A.Same,SKIP,0.1,-,""
SCSI.B.Listed,SKIP,0.1,-,""
SCSI.E.Stale,FAIL,0.1,-,""
SCSI.F.Flaky,PASS,0.1,-,""
EOT
cat >>"$m/expected.md" <<'EOT'

## lio-tcmu vs LIO

| test | lio | lio-tcmu | reason |
| --- | --- | --- | --- |
| SCSI.A.Same | PASS | SKIP | tcmu-runner lacks it |
| SCSI.B.Listed | PASS | SKIP | a pair that moved |
EOT
printf 'target=lio-tcmu\nstatus=ran\n' >"$m/lio-tcmu.meta"
CONF_EXPECTED=$m/expected.md "$CONF_DIR/matrix.sh" -o "$m" reftarget tgt lio lio-tcmu >"$T/matrix.out" 2>&1
expect matrix-tcmu-fails-on-unexplained 1 $?
tcmu_row() { sed -n '/^#### lio-tcmu vs LIO/,$p' "$m/summary.md" | grep -F "| $1 |" | awk -F'|' '{gsub(/^ +| +$/, "", $5); print $5}'; }
expect matrix-tcmu-listed-is-expected expected "$(tcmu_row SCSI.A.Same)"
expect matrix-tcmu-section-apart "CHANGED (listed SKIP/PASS)" "$(tcmu_row SCSI.B.Listed)"
expect matrix-tcmu-unlisted-is-new NEW "$(tcmu_row SCSI.E.Stale)"
expect matrix-reftarget-rows-unchanged expected "$(row SCSI.B.Listed | head -n 1)"
rm "$m/lio-tcmu.meta"
CONF_EXPECTED=$m/expected.md "$CONF_DIR/matrix.sh" -o "$m" -r "$m" reftarget tgt lio lio-tcmu >"$T/matrix.out" 2>&1
expect matrix-tcmu-recorded-not-compared "0 0" "$? $(grep -c '^#### lio-tcmu' "$m/summary.md")"

# flavours.sh on its own rules, and on the real ones.
cat >"$T/rules" <<'EOT'
# a comment line
^SCSI\.Unmap\.Simple$   thin-lbppb   # more specific first
^SCSI\.Unmap\.          thin
EOT
got=$(printf 'SCSI.Unmap.Simple\nSCSI.Unmap.VPD\nSCSI.Read10.Simple\n' | "$CONF_DIR/flavours.sh" "$T/rules" | tr '\t\n' ': ')
expect flavours-first-rule-wins-default-file "SCSI.Unmap.Simple:thin-lbppb SCSI.Unmap.VPD:thin SCSI.Read10.Simple:file " "$got"
echo 'x y z' >"$T/badrules"
echo SCSI.A.B | "$CONF_DIR/flavours.sh" "$T/badrules" >/dev/null 2>&1
expect flavours-refuses-malformed-rule 1 $?
undefined=
for f in $(sed 's/#.*//' "$CONF_DIR/flavours.txt" | awk 'NF == 2 { print $2 }' | sort -u); do
	"$CONF_DIR/targets/reftarget.sh" describe - "$f" >/dev/null 2>&1 || undefined+="$f "
done
expect flavours-named-are-defined "" "$undefined"

# bar.sh on fixtures: reftarget against tgt and lio, with skips.md.
b=$T/b
mkdir -p "$b"
for t in reftarget tgt lio; do printf 'target=%s\nstatus=ran\n' "$t" >"$b/$t.meta"; done
cat >"$b/reftarget.csv" <<'EOT'
test,result,seconds,flavour,detail
SCSI.A.Pass,PASS,0.1,file,""
SCSI.B.Listed,SKIP,0.1,thin,"LBPPB < 2"
SCSI.C.Gap,SKIP,0.1,file,"not implemented"
SCSI.D.Own,FAIL,0.1,file,"the suite's bug"
SCSI.E.Stale,PASS,0.1,file,""
tools.x.y,PASS,0.1,file,""
EOT
cat >"$b/tgt.csv" <<'EOT'
test,result,seconds,flavour,detail
SCSI.A.Pass,PASS,0.1,-,""
SCSI.C.Gap,PASS,0.1,-,""
SCSI.D.Own,FAIL,0.1,-,""
EOT
printf 'test,result,seconds,flavour,detail\nSCSI.B.Listed,SKIP,0.1,-,""\n' >"$b/lio.csv"
cat >"$b/skips.md" <<'EOT'
| test | result | flavour | reason |
| --- | --- | --- | --- |
| SCSI.B.Listed | SKIP | thin | needs LBPPB > 1 |
| SCSI.C.Gap | SKIP | file | not implemented yet |
| SCSI.D.Own | FAIL | file | the test's own bug |
| SCSI.E.Stale | SKIP | file | was skipped |
EOT
printf 'pass_min=2\nenforced=0\n' >"$b/bar.conf"
bar() { : >"$b/summary.md"; CONF_SKIPS=$b/skips.md CONF_BAR=$b/bar.conf "$CONF_DIR/bar.sh" -o "$b" >"$T/bar.out" 2>&1; }
bar
expect bar-gap-not-enforced-passes 0 $?
expect bar-lists-the-gap 1 "$(grep -c '^- SCSI.C.Gap (SKIP on file; passes on tgt)' "$b/summary.md")"
expect bar-lists-own-failures 1 "$(grep -c '^- SCSI.D.Own (FAIL on file)' "$b/summary.md")"
expect bar-says-not-met 1 "$(grep -c 'bar not met, not enforced yet' "$b/summary.md")"
expect bar-reports-stale 1 "$(grep -c 'passing now (remove): SCSI.E.Stale' "$b/summary.md")"
printf 'pass_min=2\nenforced=1\n' >"$b/bar.conf"
bar
expect bar-enforced-fails-on-gap 1 $?
sed -i 's/^SCSI.C.Gap,SKIP/SCSI.C.Gap,PASS/' "$b/reftarget.csv"
bar
expect bar-met-with-listed-own-failure 0 $?
sed -i 's/| SCSI.B.Listed | SKIP | thin |/| SCSI.B.Listed | SKIP | file |/' "$b/skips.md"
bar
expect bar-skip-on-other-flavour-is-new 1 $?
expect bar-names-the-flavour-mismatch 1 "$(grep -c 'SCSI.B.Listed (SKIP on thin: skips.md says file)' "$b/summary.md")"
sed -i '/SCSI.B.Listed/d' "$b/skips.md"
printf 'pass_min=2\nenforced=0\n' >"$b/bar.conf"
bar
expect bar-unlisted-skip-fails-even-unenforced 1 $?
printf '| SCSI.B.Listed | SKIP | thin | back |\n' >>"$b/skips.md"
sed -i '/SCSI.D.Own/d' "$b/skips.md"
bar
expect bar-unlisted-fail-is-not-a-skip-error 0 $?
expect bar-unlisted-fail-misses-the-bar 1 "$(grep -c 'bar not met' "$b/summary.md")"
# pass_min=all (bar-selection.conf, `make run`'s quick selection): every
# selected test of the suite must pass.
printf 'pass_min=all\nenforced=1\n' >"$b/bar.conf"
bar
expect bar-all-fails-unless-every-test-passes 1 $?
sed -i 's/^\(SCSI\.[^,]*\),\(SKIP\|FAIL\),/\1,PASS,/' "$b/reftarget.csv"
bar
expect bar-all-met-when-every-test-passes 0 $?
expect bar-all-counts-the-selection 1 "$(grep -c '5 PASS of 5 tests (bar: at least 5' "$b/summary.md")"

# ---- url: a target given by URL (targets/url.sh, run.sh -u, with-target.sh) ----
U=$CONF_DIR/targets/url.sh
IQN=iqn.2003-01.org.example:disk
parse() { "$U" parse "$1" 2>&1; }
expect url-parse-plain "127.0.0.1 3260 $IQN 0 - -" "$(parse "iscsi://127.0.0.1/$IQN/0")"
expect url-parse-chap "127.0.0.1 3261 $IQN 7 user secret-12345" "$(parse "iscsi://user%secret-12345@127.0.0.1:3261/$IQN/7")"
expect url-parse-ipv6-eui "::1 3260 eui.0123456789abcdef 16383 - -" "$(parse "iscsi://[::1]/eui.0123456789abcdef/16383")"
# refuse NAME URL WHY: parse fails, and says WHY.
refuse() {
	local out rc=0
	out=$("$U" parse "$2" 2>&1) || rc=$?
	if [ $rc -ne 0 ] && grep -qF -- "$3" <<<"$out"; then ok "$1"; else bad "$1" "exit $rc: $out"; fi
}
refuse url-refuses-other-scheme "http://127.0.0.1/$IQN/0" "must start with iscsi://"
refuse url-refuses-port-0 "iscsi://127.0.0.1:0/$IQN/0" "port '0' is not a number from 1 to 65535"
refuse url-refuses-port-65536 "iscsi://127.0.0.1:65536/$IQN/0" "port '65536'"
refuse url-refuses-empty-port "iscsi://127.0.0.1:/$IQN/0" "port ''"
refuse url-refuses-a-name "iscsi://localhost/$IQN/0" "names are not resolved"
refuse url-refuses-bad-octet "iscsi://127.0.0.256/$IQN/0" "not an IPv4 address"
refuse url-refuses-no-lun "iscsi://127.0.0.1/$IQN" "the path must be /IQN/LUN"
refuse url-refuses-extra-path "iscsi://127.0.0.1/$IQN/0/1" "the path must be /IQN/LUN"
refuse url-refuses-bad-iqn "iscsi://127.0.0.1/disk/0" "'disk' is not an iSCSI name"
refuse url-refuses-lun-16384 "iscsi://127.0.0.1/$IQN/16384" "LUN '16384' is not a number from 0 to 16383"
refuse url-refuses-lun-leading-zero "iscsi://127.0.0.1/$IQN/01" "LUN '01'"
refuse url-refuses-user-without-secret "iscsi://user@127.0.0.1/$IQN/0" "credentials must be USER%SECRET"
refuse url-refuses-percent-in-secret "iscsi://u%sec%ret@127.0.0.1/$IQN/0" "credentials must be USER%SECRET"
refuse url-refuses-options "iscsi://127.0.0.1/$IQN/0?header_digest=crc32c" "options (?...)"
refuse url-masks-the-secret "iscsi://u%topsecret@127.0.0.1/$IQN/x" "u%***@"
expect url-error-has-no-secret 0 "$("$U" parse "iscsi://u%topsecret@127.0.0.1/$IQN/x" 2>&1 | grep -c topsecret)"
out=$(env -u RT_IN_NETNS CONF_URL="iscsi://127.0.0.1/$IQN/0" "$U" start "$T/u" 2>&1)
expect url-start-needs-the-namespace 1 "$(grep -c 'run me through tools/netns-run.sh' <<<"$out")"
# 192.0.2.1: TEST-NET-1 (RFC 5737), never an address of this machine.
out=$(RT_IN_NETNS=1 CONF_URL="iscsi://192.0.2.1/$IQN/0" "$U" start "$T/u" 2>&1)
expect url-start-refuses-foreign-host 1 "$(grep -c 'is not loopback nor an address of this network namespace' <<<"$out")"
out=$("$CONF_DIR/run.sh" -t url -s tools 2>&1)
expect run-url-needs-u 1 "$(grep -c 'target url needs -u' <<<"$out")"
out=$("$CONF_DIR/run.sh" -t tgt -u "iscsi://127.0.0.1/$IQN/0" 2>&1)
expect run-u-needs-url-target 1 "$(grep -c 'add -t url' <<<"$out")"
out=$("$CONF_DIR/run.sh" -t url -u "iscsi://127.0.0.1/$IQN/" 2>&1)
expect run-checks-the-url-first 1 "$(grep -c "bad target URL" <<<"$out")"
# In a namespace of its own: a listener stands in for a target (start only
# checks that something listens), then nothing listens.
cat >"$T/url-ns.sh" <<EOT
socat TCP-LISTEN:3999,bind=127.0.0.1,fork,reuseaddr /dev/null & pid=\$!
trap 'kill \$pid' EXIT
CONF_URL='iscsi://u%secret-123456@127.0.0.1:3999/$IQN/3' CONF_URL_WAIT_SECONDS=5 "$U" start "$T/u" >/dev/null 2>&1 || echo start-failed
kill \$pid; wait \$pid 2>/dev/null; trap - EXIT
CONF_URL='iscsi://127.0.0.1:3999/$IQN/3' CONF_URL_WAIT_SECONDS=1 "$U" start "$T/u2" 2>&1 | grep -c 'nothing listens on 127.0.0.1:3999'
EOT
out=$("$CONF_DIR/../tools/netns-run.sh" bash "$T/url-ns.sh" 2>&1)
expect url-start-says-nothing-listens 1 "$out"
env_of() { sed -n "s/^$1=//p" "$T/u/target.env"; }
expect url-env-chap-url "iscsi://u%secret-123456@127.0.0.1:3999/$IQN/3" "$(env_of CHAP_URL)"
expect url-env-nochap-url "iscsi://127.0.0.1:3999/$IQN/3" "$(env_of NOCHAP_URL)"
expect url-env-bad-secret-same-length "iscsi://u%xxxxxxxxxxxxx@127.0.0.1:3999/$IQN/3" "$(env_of CHAP_BAD_URL)"
expect url-env-ls-credentials "u%secret-123456@" "$(env_of LS_CREDENTIALS)"
# with-target.sh: a hook's stdout is KEY=VALUE lines only, and what it
# started is stopped when the run ends, even a run that failed.
cat >"$T/hook-chatty" <<'EOT'
#!/usr/bin/env bash
echo "starting my target"
echo "URL=iscsi://127.0.0.1:3998/iqn.2003-01.org.example:disk/0"
EOT
cat >"$T/hook-sleeper" <<EOT
#!/usr/bin/env bash
sleep 300 >/dev/null 2>&1 &
echo "PID=\$!"
echo "\$!" >"$T/sleeper.pid"
echo "URL=iscsi://127.0.0.1:3998/$IQN/0"
EOT
chmod +x "$T/hook-chatty" "$T/hook-sleeper"
out=$(CONF_WORK=$T/w1 "$CONF_DIR/with-target.sh" "$T/hook-chatty" -s tools 2>&1)
expect with-target-refuses-chatter 1 "$(grep -c "hook printed 'starting my target' on stdout" <<<"$out")"
rc=0
out=$(CONF_WORK=$T/w2 CONF_URL_WAIT_SECONDS=1 "$CONF_DIR/with-target.sh" "$T/hook-sleeper" -s tools -o "$T/w2/results" 2>&1) || rc=$?
expect with-target-fails-when-nothing-listens 1 "$([ $rc -ne 0 ] && grep -c 'nothing listens on 127.0.0.1:3998' <<<"$out")"
expect with-target-stops-the-hooks-pid 1 "$(kill -0 "$(cat "$T/sleeper.pid")" 2>/dev/null && echo 0 || echo 1)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
