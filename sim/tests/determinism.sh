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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
same=0 bad=0
for world in "$@"; do
	world_how "$world"
	out=$("$isim" run "${how[@]}" --check-determinism 2>&1)
	echo "$out" | sed -n '1p;/^determinism/p'
	if ! echo "$out" | grep -q '^determinism: same world twice'; then
		echo "DIFFERENT: $world: not the same world twice in one process"
		bad=$((bad + 1))
		continue
	fi
	rm -f "$tmp/a.jsonl" "$tmp/b.jsonl" # never compare the last world's
	"$isim" run "${how[@]}" --trace "$tmp/a.jsonl" --pdus >/dev/null 2>&1
	"$isim" run "${how[@]}" --trace "$tmp/b.jsonl" --pdus >/dev/null 2>&1
	if [ ! -s "$tmp/a.jsonl" ] || ! cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl"; then
		echo "DIFFERENT: $world: the JSONL traces of two processes differ (or are empty)"
		bad=$((bad + 1))
		continue
	fi
	same=$((same + 1))
done
echo "summary: $same of $((same + bad)) worlds replay as the same world (trace hash, and JSONL byte for byte)"
[ "$bad" -eq 0 ]
