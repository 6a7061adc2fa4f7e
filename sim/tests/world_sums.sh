#!/usr/bin/env bash
# world_sums.sh ISIM WORLD...: one fingerprint per world, to compare two
# builds (a change that must leave every world as it was, sim/README.md
# "Profile"): the sha256 of its JSONL trace with PDUs, then its summary
# and metrics lines with the wall-clock figures cut out. A WORLD is a
# seed number or a scenario file. Two worlds run at a time.
#
#   sim/tests/world_sums.sh OLD/isim $(seq 1 200) scenarios/*.scn sim/tests/scenarios/*.scn > old.txt
#   sim/tests/world_sums.sh NEW/isim ... > new.txt && diff old.txt new.txt
#
# determinism.sh is the other question (one build, the same world twice).
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: world_sums.sh ISIM WORLD... (a seed number or a FILE.scn)" >&2; exit 2; }
# shellcheck source=sim/tests/worlds.sh
. "$(dirname "$0")/worlds.sh"
isim=$1
shift
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# one WORLD INDEX: its fingerprint into $dir/INDEX.
one() {
	local out sum
	world_how "$1"
	out=$dir/$2.out
	sum=$("$isim" run "${how[@]}" --trace /dev/fd/3 --pdus 3>&1 >"$out" 2>&1 | sha256sum | cut -d' ' -f1)
	{
		echo "$1 trace $sum"
		sed -E 's/wall [0-9.]+s +[0-9.]+x//' "$out" | sed "s|^|$1: |"
	} >"$dir/$2"
}
i=0
for world in "$@"; do
	i=$((i + 1))
	one "$world" "$i" &
	[ $((i % 2)) -eq 0 ] && wait
done
wait
for ((k = 1; k <= i; k++)); do
	cat "$dir/$k"
done
