#!/usr/bin/env bash
# lio_config.sh ISIM: isim run --lio-config gives the gateways the identity
# of a targetcli-fb saveconfig.json (ref_target/tests/data/lio/
# targetcli-fb.json, written by the real targetcli in the LIO guest of
# conformance/lio-config-diff.sh). Checks, from the world's own packets
# (--pcap): the initiators log in with the file's ACL names, one-way and
# mutual CHAP with the file's users (the gateway answers mutual CHAP as the
# file's mutual user), to the file's target, with its
# MaxRecvDataSegmentLength; every login succeeds; the world is
# deterministic; a world without the flag keeps its trace hash (the same
# as with a scenario that never heard of LIO); bad uses are refused.
set -uo pipefail
isim=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 2
FILE=ref_target/tests/data/lio/targetcli-fb.json
IQN=iqn.2003-01.org.conformance:lio-config
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 n=0
check() { # WHAT CMD...
	local what=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then echo "PASS $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}

"$isim" run --seed 7 --lio-config "$FILE" --lio-target "$IQN" --pcap "$tmp/a.pcap" --check-determinism \
	>"$tmp/a.out" 2>"$tmp/a.err"
rc=$?
check "the world with the file's identity passes (exit 0)" test "$rc" = 0
check "... and is the same world twice" grep -q 'determinism: same world twice' "$tmp/a.out"
check "... with no failed login at the target" grep -q 'tgt_logins_failed=0 ' "$tmp/a.out"
strings "$tmp/a.pcap" >"$tmp/a.txt"
for want in "TargetName=$IQN" InitiatorName=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test \
	InitiatorName=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test-2 \
	InitiatorName=iqn.2026-12.org.iscsi-sim:protocol-suite CHAP_N=conformance CHAP_N=mutual-in \
	CHAP_N=mutual-out MaxRecvDataSegmentLength=65536; do
	check "the logins carry $want" grep -q -- "$want" "$tmp/a.txt"
done
check "... and not the built-in target name" bash -c "! grep -q 'iqn.2024-01.org.isim:disk0' '$tmp/a.txt'"

h1=$("$isim" run --seed 7 | grep -o 'trace [0-9a-f]*')
h2=$("$isim" run --seed 7 --lio-config "$FILE" --lio-target "$IQN" 2>/dev/null | grep -o 'trace [0-9a-f]*')
check "the flag changes the world ($h1 vs $h2)" test "$h1" != "$h2"
"$isim" run --seed 7 --lio-config "$FILE" --lio-target iqn.2003-01.org.conformance:nope >/dev/null 2>"$tmp/b.err"
check "an unknown --lio-target exits 2" test $? = 2
check "... naming it" grep -q 'lio-target iqn.2003-01.org.conformance:nope: no such target' "$tmp/b.err"
printf '{"targets": [], "bogus": 1}' >"$tmp/bad.json"
"$isim" run --seed 7 --lio-config "$tmp/bad.json" >/dev/null 2>"$tmp/c.err"
check "a file the loader refuses exits 2" test $? = 2
check "... with the loader's message (file, line, key)" grep -q 'bad.json:1: bogus: not supported' "$tmp/c.err"
echo "summary: $((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
