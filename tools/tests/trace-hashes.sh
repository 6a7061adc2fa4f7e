#!/usr/bin/env bash
# trace-hashes.sh ISIM [SEEDS]: one line per world, "WORLD HASH": seeds
# 1..200 (or SEEDS, A..B) and every scenario of the library and of
# sim/tests/scenarios. A behaviour-neutral change to the engine or the
# simulator prints the same lines before and after: diff them.
set -uo pipefail
isim=$1
range=${2:-1..200}
cd "$(dirname "$0")/../.."
for ((s = ${range%..*}; s <= ${range#*..}; s++)); do
	printf 'seed %s %s\n' "$s" "$("$isim" run --seed "$s" 2>&1 | sed -n 's/.* trace \([0-9a-f]*\)$/\1/p' | head -n 1)"
done
for f in scenarios/*.scn sim/tests/scenarios/*.scn; do
	printf '%s %s\n' "$f" "$("$isim" run --scenario "$f" 2>&1 | sed -n 's/.* trace \([0-9a-f]*\)$/\1/p' | head -n 1)"
done
