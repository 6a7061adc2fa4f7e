#!/usr/bin/env bash
# determinism.sh ISIM SEED...: the same seed is the same world.
# For each seed: `isim run --check-determinism` runs the world twice and
# compares trace hashes; then two runs write their JSONL traces and the
# files must be byte for byte equal. Oracle verdicts do not matter here,
# only that they are reproducible.
set -uo pipefail
isim=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for seed in "$@"; do
	out=$("$isim" run --seed "$seed" --check-determinism 2>&1)
	echo "$out" | sed -n '1p;/determinism/p'
	if ! echo "$out" | grep -q '^determinism: same world twice'; then
		echo "seed $seed: not deterministic"
		bad=1
		continue
	fi
	"$isim" run --seed "$seed" --trace "$tmp/a.jsonl" --pdus >/dev/null 2>&1
	"$isim" run --seed "$seed" --trace "$tmp/b.jsonl" --pdus >/dev/null 2>&1
	if ! cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl"; then
		echo "seed $seed: traces differ"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "summary: $# seeds, each the same world twice (trace hash and byte-identical JSONL)"
exit $bad
