#!/usr/bin/env bash
# results.sh BUILD: the simulator's results for REPORT.md (tools/report.sh),
# under BUILD so that the run leaves the checkout clean (make publish copies
# them into the committed sim/results/):
#   BUILD/sim/results/swarm.md    a 1000-seed swarm: summary, failures, coverage
#   BUILD/sim/results/planted.md  each planted bug (engine or initiator) and the seed that caught it
set -uo pipefail
build=$1
cd "$(dirname "$0")/../.."
out=$build/sim/results
mkdir -p "$out"
"$build/rel/isim" swarm --seeds 1..1000 --jobs 2 --report "$out/swarm.md" >/dev/null 2>&1
{
	echo "### Planted bugs (\`-DRT_PLANT_BUG=<name>\`, \`isim swarm --expect-fail\`, seeds 1..100)"
	echo
	echo "| bug | planted in | caught at seed | oracle | first violation |"
	echo "|---|---|---|---|---|"
	for bug in $(grep -o '^[a-z0-9_]\+' sim/planted-bugs.txt); do
		where=$(awk -v b="$bug" '$1 == b { print $2 }' sim/planted-bugs.txt)
		if [ -z "$where" ] || ! grep -q -E "RT_PLANT_BUG_$bug\b" "$where"; then
			echo "| $bug | no | - | - | - |"
			continue
		fi
		out=$("$build/bug-$bug/isim" swarm --seeds 1..100 --jobs 2 --expect-fail 2>/dev/null)
		seed=$(echo "$out" | sed -n 's/^caught: seed \([0-9]*\) (\(.*\))/\1/p')
		oracle=$(echo "$out" | sed -n 's/^caught: seed [0-9]* (\(.*\))/\1/p')
		why=$(echo "$out" | sed -n 's/^FAIL seed [0-9]* ([a-z]*): //p' | head -1 | sed 's/|/\\|/g')
		echo "| $bug | \`$where\` | ${seed:-not caught} | ${oracle:--} | ${why:--} |"
	done
} >"$out/planted.md"
echo "summary: wrote $out/swarm.md and $out/planted.md (make publish copies them to sim/results/)"
