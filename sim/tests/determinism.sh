#!/usr/bin/env bash
# determinism.sh ISIM WORLD...: the same seed is the same world.
# A WORLD is a seed number or a scenario file. For each: `isim run
# --check-determinism` runs it twice in one process and compares trace
# hashes and event counts; then two runs as separate processes write their
# JSONL traces (with PDUs) and the files must be byte for byte equal.
# Oracle verdicts do not matter here, only that they are reproducible (a
# failing world replays its failure identically). The one determinism
# check: make test's sim-determinism (seeds) and scenarios-determinism
# (the scenario library, scenarios/[0-9]*.scn) both run it.
set -uo pipefail
# shellcheck source=sim/tests/worlds.sh
. "$(dirname "$0")/worlds.sh"
[ $# -ge 2 ] || { echo "usage: determinism.sh ISIM WORLD... (a seed number or a FILE.scn)" >&2; exit 2; }
isim=$1
shift
# trace_sum: the sha256 of the world's JSONL trace (with PDUs), streamed:
# a trace can be 120 MB and a CI disk can be small.
trace_sum() {
	"$isim" run "${how[@]}" --trace /dev/fd/3 --pdus 3>&1 >/dev/null 2>&1 | sha256sum | cut -d' ' -f1
}
EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 # sha256 of nothing
same=0 bad=0
for world in "$@"; do
	world_how "$world"
	out=$("$isim" run "${how[@]}" --check-determinism 2>&1)
	rc=$?
	echo "$out" | sed -n '1p;/^determinism/p'
	if ! grep -q '^determinism: same world twice' <<<"$out"; then
		echo "DIFFERENT: $world: not the same world twice in one process (isim exit $rc); its output ends:"
		echo "$out" | tail -n 8 | sed 's/^/    /'
		bad=$((bad + 1))
		continue
	fi
	a=$(trace_sum)
	b=$(trace_sum)
	if [ "$a" != "$b" ] || [ "$a" = "$EMPTY" ]; then
		echo "DIFFERENT: $world: the JSONL traces of two processes differ (or are empty): $a / $b"
		bad=$((bad + 1))
		continue
	fi
	same=$((same + 1))
done
echo "summary: $same of $((same + bad)) worlds replay as the same world (trace hash, and JSONL byte for byte)"
[ "$bad" -eq 0 ]
