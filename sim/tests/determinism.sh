#!/usr/bin/env bash
# determinism.sh ISIM WORLD...: the same seed is the same world.
# A WORLD is a seed number or a scenario file. For each: `isim run
# --check-determinism` runs it twice and compares trace hashes; then two
# runs write their JSONL traces and the files must be byte for byte equal.
# Oracle verdicts do not matter here, only that they are reproducible (a
# failing world replays its failure identically).
set -uo pipefail
isim=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for world in "$@"; do
	case "$world" in
	*.scn) how=(--scenario "$world") ;;
	*) how=(--seed "$world") ;;
	esac
	out=$("$isim" run "${how[@]}" --check-determinism 2>&1)
	echo "$out" | sed -n '1,2p;/determinism/p'
	if ! echo "$out" | grep -q '^determinism: same world twice'; then
		echo "$world: not deterministic"
		bad=1
		continue
	fi
	"$isim" run "${how[@]}" --trace "$tmp/a.jsonl" --pdus >/dev/null 2>&1
	"$isim" run "${how[@]}" --trace "$tmp/b.jsonl" --pdus >/dev/null 2>&1
	if ! cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl"; then
		echo "$world: traces differ"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "summary: $# worlds, each the same world twice (trace hash and byte-identical JSONL)"
exit $bad
