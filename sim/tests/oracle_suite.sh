#!/usr/bin/env bash
# oracle_suite.sh BUILD [TARGET...]: libiscsi's iscsi-test-cu (the quick
# selection, conformance/quick.txt) against each target (reftarget, tgt:
# conformance/targets/*.sh), captured live on the namespace's lo by
# `isim oracle --live lo --write`, then the oracle over each capture. Run
# inside tools/netns-run.sh. Writes BUILD/oracle-suite/<target>.{pcap,out,cu}
# and BUILD/oracle-suite/oracle-captures.md (one row per target: tests,
# PDUs, connections, violations, wall time; then each violation).
# ORACLE_SUITE=guest: the open-iscsi guest's run
# (conformance/suites/open-iscsi-guest.sh) instead of iscsi-test-cu, into
# BUILD/oracle-suite-guest/<target>.guest.csv.
# A finding is not judged here: conformance/results/oracle-captures.md says, for
# each, whether the target or the oracle is wrong, against the RFC.
set -uo pipefail
build=${1:?usage: oracle_suite.sh BUILD [TARGET...]}
shift
[ $# -gt 0 ] && targets=("$@") || targets=(reftarget tgt)
cd "$(dirname "$0")/../.."
[ "${RT_IN_NETNS:-}" = 1 ] || { echo "run me through tools/netns-run.sh"; exit 2; }
export BUILD=$build
isim=$build/rel/isim
out=$build/oracle-suite${ORACLE_SUITE:+-$ORACLE_SUITE}
mkdir -p "$out"
tests=$(grep -v '^#' conformance/quick.txt | awk 'NF { print $1 }' | paste -sd,)
md=$out/oracle-captures.md
echo "| target | iscsi-test-cu tests | PDUs | connections | violations | oracle wall s |" >"$md.rows"
: >"$md.finds"
for t in "${targets[@]}"; do
	work=$out/work-$t
	rm -rf "$work"; mkdir -p "$work"
	conformance/targets/$t.sh start "$work" >"$out/$t.start" 2>&1 || { echo "$t did not start"; cat "$out/$t.start"; continue; }
	. "$work/target.env"
	ports=$(grep -o '127.0.0.1:[0-9]*' "$work/target.env" | cut -d: -f2 | sort -u | paste -sd,)
	"$isim" oracle --live lo --port "$ports" --seconds 1800 --write "$out/$t.pcap" >"$out/$t.live" 2>"$out/$t.live.err" &
	oc=$!
	for _ in $(seq 100); do grep -q 'capturing on lo' "$out/$t.live.err" && break; sleep 0.1; done
	if [ "${ORACLE_SUITE:-}" = guest ]; then
		# the open-iscsi guest (login, mkfs, write, read, fsck, logout):
		# its socat connections cross this lo
		timeout 900 conformance/suites/open-iscsi-guest.sh "$work" "$out/$t.guest.csv" >"$out/$t.cu" 2>&1
	else
		timeout 1200 iscsi-test-cu -d -t "$tests" "$URL" >"$out/$t.cu" 2>&1
	fi
	sleep 0.5
	kill -INT "$oc"; wait "$oc"
	conformance/targets/$t.sh stop "$work" >/dev/null 2>&1
	t0=$(date +%s%N)
	"$isim" oracle --pcap "$out/$t.pcap" --port "$ports" >"$out/$t.out" 2>"$out/$t.err"
	wall=$(( ($(date +%s%N) - t0) / 1000000 ))
	last=$(tail -1 "$out/$t.out")
	read -r n c v <<<"$(echo "$last" | sed -E 's/^oracle: ([0-9]+) PDUs on ([0-9]+) connections, ([0-9]+) violations$/\1 \2 \3/')"
	ntests=$(grep -cE '^\s+Test: ' "$out/$t.cu")
	[ "${ORACLE_SUITE:-}" = guest ] && ntests=$(($(wc -l <"$out/$t.guest.csv") - 1))
	echo "| $t | $ntests | $n | $c | $v | $(printf '%d.%03d' $((wall / 1000)) $((wall % 1000))) |" >>"$md.rows"
	grep '^frame' "$out/$t.out" | sed "s/^/$t: /" >>"$md.finds"
	echo "$t: $last (live: $(tail -1 "$out/$t.live")), $ntests tests"
done
{ cat "$md.rows"; echo; [ -s "$md.finds" ] && { echo '```'; cat "$md.finds"; echo '```'; }; } >"$md"
rm -f "$md.rows" "$md.finds"
cat "$md"
