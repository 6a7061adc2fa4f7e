#!/usr/bin/env bash
# campaign.sh: make fuzz-campaign's own promises (fuzz/scripts/campaign.sh),
# the fuzz-campaign step of make test (make fuzz-campaign-test; about 50 s):
#   - a short campaign over three pairs runs each in turn (the fewest hours
#     first) and writes one ledger row per slice with measured CPU seconds,
#     execs and edges;
#   - a planted crash (fuzz/tests/harness_planted.c) is a finding that is
#     saved, named in its row and listed, and the campaign goes on;
#   - the network fuzzer's slice keeps cases, which the next slice takes as
#     seeds;
#   - publishing twice appends each row once, and the report sums them;
#   - an unknown harness is refused (exit 2);
#   - the checkout is left as it was.
# Everything it writes is under $BUILD/fuzz/campaign-test (FUZZ_CAMPAIGN_ROOT).
# Run inside tools/netns-run.sh (the netfuzz slice starts a reftarget).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
export BUILD FUZZ_TEST=1 FUZZ_CAMPAIGN_MIN_SLICE=5
root=$BUILD/fuzz/campaign-test
export FUZZ_CAMPAIGN_ROOT=$root
rm -rf "$root"
pass=0 fail=0
check() { # WHAT COMMAND...
	local what=$1
	shift
	if "$@"; then pass=$((pass + 1)); echo "ok: $what"; else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
status_before=$(git status --porcelain 2>/dev/null)

# Two netfuzz slices (the second takes the first's corpus as seeds), the
# planted crash and pdu: slices of 8 s, at most ~60 s in all.
fuzz/scripts/campaign.sh run 44 8 "planted netfuzz pdu" libfuzzer >"$root.out" 2>&1
rc=$?
cat "$root.out"
ledger=$root/results/campaign.tsv
col() { awk -F'\t' -v h="$1" -v c="$2" 'NR > 1 && $4 == h { print $c }' "$ledger"; }
check "the campaign ends with status 0 although it found a crash (got $rc)" [ "$rc" = 0 ]
check "the ledger has a header and a row per slice" [ "$(head -1 "$ledger" | cut -f1-4)" = "$(printf 'id\tdate\tcommit\tharness')" ]
for h in planted netfuzz pdu; do
	check "a slice of $h was run" [ -n "$(col "$h" 4 | head -1)" ]
done
check "pdu's slice measured CPU seconds and execs" awk -F'\t' 'NR > 1 && $4 == "pdu" && $8 > 0 && $9 > 0 { ok = 1 } END { exit !ok }' "$ledger"
check "pdu's slice counted edges" awk -F'\t' 'NR > 1 && $4 == "pdu" && $12 ~ /^[0-9]+$/ && $12 > 0 { ok = 1 } END { exit !ok }' "$ledger"
check "the planted crash is a finding named in its row" awk -F'\t' 'NR > 1 && $4 == "planted" && $13 >= 1 && $14 ~ /crash-/ { ok = 1 } END { exit !ok }' "$ledger"
check "the planted crash's file is saved" [ -n "$(ls "$root"/results/campaign-findings/planted-libfuzzer/crash-* 2>/dev/null)" ]
check "every planted slice is a finding, each time named" \
	awk -F'\t' 'NR > 1 && $4 == "planted" { n++; if ($13 >= 1 && $14 ~ /crash-/) ok++ } END { exit !(n >= 2 && ok == n) }' "$ledger"
check "the campaign went on after the finding (a slice after it)" \
	awk -F'\t' 'NR > 1 && $4 == "planted" { seen = 1; next } seen && NR > 1 { ok = 1 } END { exit !ok }' "$ledger"
check "netfuzz's slices ran cases against reftarget" awk -F'\t' 'NR > 1 && $4 == "netfuzz" && $9 > 0 && $13 == 0 { ok = 1 } END { exit !ok }' "$ledger"
check "netfuzz kept cases into its corpus" [ -n "$(ls "$root"/campaign/netfuzz/corpus/*.case 2>/dev/null)" ]
if [ "$(col netfuzz 4 | wc -l)" -ge 2 ]; then
	check "the second netfuzz slice took the first's cases as seeds (seed 2)" \
		awk -F'\t' 'NR > 1 && $4 == "netfuzz" && $14 ~ /^seed 2, .*, [1-9][0-9]* seeds/ { ok = 1 } END { exit !ok }' "$ledger"
fi

rows=$(($(wc -l <"$ledger") - 1))
fuzz/scripts/campaign.sh publish >/dev/null
fuzz/scripts/campaign.sh publish >"$root/publish.out"
committed=$root/committed/campaign.tsv
check "publishing twice appends each row once ($rows rows)" [ "$(($(wc -l <"$committed") - 1))" = "$rows" ]
check "the second publish added nothing" grep -q '(0 new row(s)' "$root/publish.out"
check "the report sums every slice" grep -q "^| all | | $rows | " "$root/committed/campaign.md"
check "the report lists the finding" grep -q '^| .* | planted | libfuzzer | 1 | .*crash-' "$root/committed/campaign.md"
check "the slices took turns (no pair twice before every pair once)" \
	awk -F'\t' 'NR > 1 && NR <= 4 { p[$4]++ } END { exit !(p["planted"] == 1 && p["netfuzz"] == 1 && p["pdu"] == 1) }' "$ledger"
check "the findings are published beside the ledger" [ -n "$(ls "$root"/committed/campaign-findings/planted-libfuzzer/crash-* 2>/dev/null)" ]

fuzz/scripts/campaign.sh run 10 5 "nosuch" libfuzzer >"$root/bad.out" 2>&1
rc=$?
check "an unknown harness is refused with status 2 (got $rc)" [ "$rc" = 2 ]
check "and named" grep -q "unknown harness 'nosuch'" "$root/bad.out"
check "the checkout is as it was" [ "$(git status --porcelain 2>/dev/null)" = "$status_before" ]
echo "summary: $pass passed, $fail failed"
[ "$fail" = 0 ]
