#!/usr/bin/env bash
# headline.sh ISIM WORLD...: the I/O counts of `isim run`'s headline are
# the metrics' own: "ios N (A ok, B failed, C of them by multipath)" with
# io_ok=A io_failed=B io_path_failed=C on the metrics line and N = A + B.
# (The headline once printed "(0 failed up)", counting only multipath's
# failures, beside io_failed=489.) A WORLD is a seed or a scenario file;
# pick some whose I/O fails for other reasons than multipath (a
# reservation conflict) and some where multipath fails it.
set -uo pipefail
# shellcheck source=sim/tests/worlds.sh
. "$(dirname "$0")/worlds.sh"
isim=$1
shift
bad=0
for world in "$@"; do
	world_how "$world"
	out=$("$isim" run "${how[@]}" 2>&1)
	head=$(echo "$out" | sed -n 's/.* ios \([0-9]*\) (\([0-9]*\) ok, \([0-9]*\) failed, \([0-9]*\) of them by multipath).*/\1 \2 \3 \4/p')
	ok=$(echo "$out" | sed -n 's/.* io_ok=\([0-9]*\) .*/\1/p')
	failed=$(echo "$out" | sed -n 's/.* io_failed=\([0-9]*\) .*/\1/p')
	path_failed=$(echo "$out" | sed -n 's/.* io_path_failed=\([0-9]*\) .*/\1/p')
	read -r n a b c <<<"$head"
	if [ -z "${n:-}" ] || [ -z "$ok" ] || [ -z "$failed" ] || [ -z "$path_failed" ]; then
		echo "$world: no headline or metrics line:"
		echo "$out" | head -n 3
		bad=1
		continue
	fi
	echo "$world: ios $n = $a ok + $b failed ($c by multipath); metrics io_ok=$ok io_failed=$failed io_path_failed=$path_failed"
	if [ "$a" != "$ok" ] || [ "$b" != "$failed" ] || [ "$c" != "$path_failed" ] || [ "$n" -ne $((a + b)) ]; then
		echo "$world: the headline and the metrics disagree"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "summary: $# worlds, the headline's I/O counts are the metrics'"
exit $bad
